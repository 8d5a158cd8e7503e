//! The simulator's state: the bot account, its groups with their file trees, its friends, and
//! the download links handed out.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use crate::sandbox::control::Control;

use super::envelope::Failure;

/// The id of a group's root folder (QQ group files use `/`).
pub(crate) const ROOT: &str = "/";
/// `busid` of permanent group files: 102 (QQ's value, seen in the upload sample's `bizid`).
pub(crate) const GROUP_FILE_BUSID: i32 = 102;

/// The OneBot implementation whose behaviour the simulator follows where implementations
/// differ (README: the group-file actions are go-cqhttp extensions carried on by Shamrock,
/// NapCat and Lagrange).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Profile {
    /// The document's implementation: `upload_group_file` ignores `folder`
    /// ("参数 folder在Shamrock不受支持"), the file lands in the root.
    #[default]
    Shamrock,
    /// go-cqhttp: `upload_group_file` uploads into the `folder` given.
    GoCqhttp,
}

/// Everything the handlers share.
pub(crate) struct Shared {
    pub base_url: String,
    /// The configured static access token (empty: no authentication, as in OneBot 11).
    pub access_token: String,
    /// Set by `Flavor::revoke_tokens`, cleared by `POST /__sim/reset`.
    pub revoked: Arc<AtomicBool>,
    /// Where uploads and demo files live (inside the simulator's `TempDir`).
    pub blob_dir: PathBuf,
    pub max_body_bytes: usize,
    pub file_url_ttl: Duration,
    /// Which implementation the simulator behaves as where they differ.
    pub profile: Profile,
    pub control: Arc<Control>,
    pub data: Mutex<Data>,
}

impl Shared {
    pub fn lock(&self) -> MutexGuard<'_, Data> {
        self.data.lock().unwrap_or_else(|e| e.into_inner())
    }
}

pub(crate) struct Data {
    pub self_id: i64,
    pub nickname: String,
    pub groups: Vec<Group>,
    pub friends: Vec<Friend>,
    pub links: HashMap<String, Link>,
    pub next_msg_id: i32,
}

impl Data {
    pub fn group(&self, group_id: i64) -> Result<&Group, Failure> {
        self.groups
            .iter()
            .find(|g| g.group_id == group_id)
            .ok_or_else(|| group_not_found(group_id))
    }

    pub fn group_mut(&mut self, group_id: i64) -> Result<&mut Group, Failure> {
        self.groups
            .iter_mut()
            .find(|g| g.group_id == group_id)
            .ok_or_else(|| group_not_found(group_id))
    }

    /// A message id for an upload's file message (int32 in the document).
    pub fn msg_id(&mut self) -> i32 {
        let id = self.next_msg_id;
        self.next_msg_id = self.next_msg_id.checked_add(1).unwrap_or(1);
        id
    }
}

fn group_not_found(group_id: i64) -> Failure {
    Failure::failed(format!(
        "group {group_id} not found (the bot is not a member)"
    ))
}

pub(crate) struct Group {
    pub group_id: i64,
    pub group_name: String,
    pub member_count: i64,
    pub max_member_count: i64,
    pub file_count_limit: u32,
    pub total_space: u64,
    pub folders: Vec<Folder>,
    pub files: Vec<StoredFile>,
}

impl Group {
    pub fn used_space(&self) -> u64 {
        self.files.iter().map(|f| f.file_size).sum()
    }

    /// A folder by id; the root is not a folder record.
    pub fn folder(&self, folder_id: &str) -> Result<&Folder, Failure> {
        self.folders
            .iter()
            .find(|f| f.folder_id == folder_id)
            .ok_or_else(|| folder_not_found(folder_id))
    }

    pub fn folder_mut(&mut self, folder_id: &str) -> Result<&mut Folder, Failure> {
        self.folders
            .iter_mut()
            .find(|f| f.folder_id == folder_id)
            .ok_or_else(|| folder_not_found(folder_id))
    }

    /// A file by id and busid: QQ addresses a group file by the pair, so a wrong busid finds
    /// nothing.
    pub fn file(&self, file_id: &str, busid: i64) -> Result<&StoredFile, Failure> {
        self.files
            .iter()
            .find(|f| f.file_id == file_id && i64::from(f.busid) == busid)
            .ok_or_else(|| file_not_found(file_id, busid))
    }
}

fn folder_not_found(folder_id: &str) -> Failure {
    Failure::failed(format!("folder {folder_id} not found"))
}

pub(crate) fn file_not_found(file_id: &str, busid: i64) -> Failure {
    Failure::failed(format!("file {file_id} (busid {busid}) not found"))
}

pub(crate) struct Folder {
    pub folder_id: String,
    pub folder_name: String,
    pub create_time: i64,
    pub modify_time: i64,
    pub creator: i64,
    pub creator_name: String,
}

pub(crate) struct StoredFile {
    pub file_id: String,
    pub file_name: String,
    pub busid: i32,
    /// The folder holding it ([`ROOT`] for the root).
    pub folder_id: String,
    pub file_size: u64,
    pub upload_time: i64,
    pub dead_time: i64,
    pub modify_time: i64,
    pub download_times: i32,
    pub uploader: i64,
    pub uploader_name: String,
    pub md5: String,
    pub sha: String,
    pub sha3: String,
    pub path: PathBuf,
}

pub(crate) struct Friend {
    pub user_id: i64,
    pub nickname: String,
    pub remark: String,
}

/// A download URL handed out by `get_group_file_url`.
pub(crate) struct Link {
    pub group_id: i64,
    pub file_id: String,
    pub expires: Instant,
}

/// Unix seconds now.
pub(crate) fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// A new id in QQ's group-file form: `/` followed by a UUID.
pub(crate) fn new_id() -> String {
    format!("/{}", uuid::Uuid::new_v4())
}
