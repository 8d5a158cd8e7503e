//! The simulated drive: spaces, files, upload sessions and download tickets, with the lookups
//! every function shares (and their WeDrive error codes).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use rand::Rng;
use rand::distributions::Alphanumeric;
use serde_json::{Value, json};

use super::demo::CORP_ID;
use super::envelope::ApiError;
use super::names;
use crate::providers::wecom::errcodes;

/// file_type values (document, file_list: "1:文件夹 2:文件 3:微文档(文档) 4:微文档(表格)").
pub const FOLDER: u32 = 1;
pub const FILE: u32 = 2;
pub const DOC: u32 = 3;
pub const SHEET: u32 = 4;

/// file_status values ("1:正常 2:删除").
pub const NORMAL: u32 = 1;
pub const DELETED: u32 = 2;

/// Space auth 7: 应用空间管理员.
pub const ADMIN_AUTH: u32 = 7;

pub fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

pub fn random_token(len: usize) -> String {
    rand::thread_rng()
        .sample_iter(&Alphanumeric)
        .take(len)
        .map(char::from)
        .collect()
}

/// Stored file content on disk; the file is removed when the last reference goes (files that
/// share content after an instant upload share one blob).
#[derive(Debug)]
pub struct Blob {
    pub path: PathBuf,
}

impl Drop for Blob {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Principal {
    User(String),
    Department(u32),
}

/// One `auth_info` entry: a user (type 1) or department (type 2) with its auth.
#[derive(Clone, Debug)]
pub struct Member {
    pub who: Principal,
    pub auth: u32,
}

impl Member {
    pub fn to_json(&self) -> Value {
        match &self.who {
            Principal::User(u) => json!({ "type": 1, "userid": u, "auth": self.auth }),
            // The table says uint32; new_space_info's sample quotes the id, which the simulator
            // takes for a typo of the sample.
            Principal::Department(d) => json!({ "type": 2, "departmentid": d, "auth": self.auth }),
        }
    }
}

/// new_space_info's `secure_setting`. Defaults are the values of the document's sample except
/// `enable_share_external`, which starts on so that space_setting's `ban_share_external`
/// (sample value false) is what turns external sharing off.
#[derive(Clone, Debug)]
pub struct SecureSetting {
    pub enable_watermark: bool,
    pub add_member_only_admin: bool,
    pub enable_share_url: bool,
    pub share_url_no_approve: bool,
    pub share_url_no_approve_default_auth: u32,
    pub enable_share_external: bool,
    pub enable_share_external_admin: bool,
    pub enable_space_add_external_member: bool,
    pub enable_space_add_external_member_admin: bool,
    pub enable_confidential_mode: bool,
    pub default_file_scope: u32,
    pub create_file_only_admin: bool,
}

impl Default for SecureSetting {
    fn default() -> Self {
        Self {
            enable_watermark: false,
            add_member_only_admin: true,
            enable_share_url: false,
            share_url_no_approve: false,
            share_url_no_approve_default_auth: 2,
            enable_share_external: true,
            enable_share_external_admin: true,
            enable_space_add_external_member: false,
            enable_space_add_external_member_admin: true,
            enable_confidential_mode: false,
            default_file_scope: 2,
            create_file_only_admin: false,
        }
    }
}

impl SecureSetting {
    pub fn to_json(&self) -> Value {
        json!({
            "enable_watermark": self.enable_watermark,
            "add_member_only_admin": self.add_member_only_admin,
            "enable_share_url": self.enable_share_url,
            "share_url_no_approve": self.share_url_no_approve,
            "share_url_no_approve_default_auth": self.share_url_no_approve_default_auth,
            "enable_share_external": self.enable_share_external,
            "enable_share_external_admin": self.enable_share_external_admin,
            "enable_space_add_external_member": self.enable_space_add_external_member,
            "enable_space_add_external_member_admin": self.enable_space_add_external_member_admin,
            "enable_confidential_mode": self.enable_confidential_mode,
            "default_file_scope": self.default_file_scope,
            "create_file_only_admin": self.create_file_only_admin,
        })
    }
}

pub struct Space {
    pub id: String,
    pub name: String,
    pub members: Vec<Member>,
    /// Users of a member department who left or were removed (space_info `quit_userid`).
    pub quit_userid: Vec<String>,
    /// Created by this app (space_setting only works on those).
    pub app_created: bool,
    pub secure: SecureSetting,
    pub share_key: Option<String>,
}

impl Space {
    pub fn new(id: String, name: String, app_created: bool) -> Self {
        Self {
            id,
            name,
            members: Vec::new(),
            quit_userid: Vec::new(),
            app_created,
            secure: SecureSetting::default(),
            share_key: None,
        }
    }

    pub fn has_admin(&self) -> bool {
        self.members.iter().any(|m| m.auth == ADMIN_AUTH)
    }
}

/// get_file_permission `watermark` (force_by_space_admin comes from the space).
#[derive(Clone, Debug, Default)]
pub struct Watermark {
    pub text: String,
    pub margin_type: u32,
    pub show_visitor_name: bool,
    pub show_text: bool,
    pub force_by_admin: bool,
}

pub struct Node {
    pub id: String,
    pub name: String,
    pub spaceid: String,
    /// The parent folder's fileid, or the spaceid at the root.
    pub fatherid: String,
    pub file_type: u32,
    pub status: u32,
    pub ctime: u64,
    pub mtime: u64,
    pub size: u64,
    pub sha: String,
    pub md5: String,
    pub block_sha: Vec<String>,
    pub blob: Option<Arc<Blob>>,
    pub members: Vec<Member>,
    /// file_setting's `(auth_scope, auth)`; `None` follows the space's default_file_scope.
    pub share: Option<(u32, u32)>,
    pub watermark: Watermark,
    pub share_key: Option<String>,
}

impl Node {
    pub fn new(id: String, name: String, spaceid: &str, fatherid: &str, file_type: u32) -> Self {
        let now = unix_now();
        Self {
            id,
            name,
            spaceid: spaceid.to_owned(),
            fatherid: fatherid.to_owned(),
            file_type,
            status: NORMAL,
            ctime: now,
            mtime: now,
            size: 0,
            sha: String::new(),
            md5: String::new(),
            block_sha: Vec::new(),
            blob: None,
            members: Vec::new(),
            share: None,
            watermark: Watermark {
                margin_type: 1,
                ..Watermark::default()
            },
            share_key: None,
        }
    }

    pub fn is_live(&self) -> bool {
        self.status == NORMAL
    }

    pub fn is_doc(&self) -> bool {
        self.file_type == DOC || self.file_type == SHEET
    }
}

/// What a stored file is: content facts computed once when its bytes arrived.
pub struct Content {
    pub blob: Arc<Blob>,
    pub size: u64,
    pub sha: String,
    pub md5: String,
    pub block_sha: Vec<String>,
}

/// A chunked upload between file_upload_init and file_upload_finish; parts live in `dir`.
pub struct Session {
    pub spaceid: String,
    pub fatherid: String,
    pub name: String,
    pub size: u64,
    pub block_sha: Vec<String>,
    pub dir: PathBuf,
    pub received: BTreeSet<u32>,
}

impl Session {
    pub fn blocks(&self) -> u32 {
        u32::try_from(self.block_sha.len()).unwrap_or(u32::MAX)
    }
}

/// A download URL handed out by file_download (valid 2 hours).
pub struct Ticket {
    pub name: String,
    pub size: u64,
    pub blob: Arc<Blob>,
    pub cookie_value: String,
    pub expires: Instant,
}

pub struct Drive {
    pub spaces: BTreeMap<String, Space>,
    pub nodes: HashMap<String, Node>,
    pub sessions: HashMap<String, Session>,
    pub tickets: HashMap<String, Ticket>,
    /// The simulator's temporary directory (blobs/ and spool/).
    pub root: PathBuf,
    seq: u64,
}

/// Four letters derived from a number, to make ids look like WeDrive's ("…615414425TDo").
fn tag(n: u64) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    let mut x = n.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 16;
    (0..4)
        .map(|_| {
            let c = ALPHABET[(x % ALPHABET.len() as u64) as usize] as char;
            x /= ALPHABET.len() as u64;
            c
        })
        .collect()
}

impl Drive {
    pub fn new(root: PathBuf) -> Self {
        Self {
            spaces: BTreeMap::new(),
            nodes: HashMap::new(),
            sessions: HashMap::new(),
            tickets: HashMap::new(),
            root,
            // Demo ids use 700000001..700000999; generated ids start above them.
            seq: 1000,
        }
    }

    fn next_seq(&mut self) -> u64 {
        self.seq += 1;
        self.seq
    }

    pub fn new_space_id(&mut self) -> String {
        let n = self.next_seq();
        format!("s.{CORP_ID}.{}{}", 700_000_000 + n, tag(n))
    }

    pub fn new_file_id(&mut self, spaceid: &str) -> String {
        let n = self.next_seq();
        format!("{spaceid}_f.{}{}", 700_000_000 + n, tag(n))
    }

    pub fn new_blob_path(&mut self) -> PathBuf {
        let n = self.next_seq();
        self.root.join("blobs").join(format!("blob-{n}"))
    }

    pub fn new_spool_dir(&mut self) -> PathBuf {
        let n = self.next_seq();
        self.root.join("spool").join(format!("upload-{n}"))
    }

    pub fn space(&self, id: &str) -> Result<&Space, ApiError> {
        if id.is_empty() {
            return Err(ApiError::new(errcodes::INVALID_SPACEID, "invalid spaceid"));
        }
        self.spaces
            .get(id)
            .ok_or_else(|| ApiError::new(errcodes::SPACE_NOT_FOUND, "space not exist"))
    }

    pub fn space_mut(&mut self, id: &str) -> Result<&mut Space, ApiError> {
        self.space(id)?;
        self.spaces
            .get_mut(id)
            .ok_or_else(|| ApiError::new(errcodes::SPACE_NOT_FOUND, "space not exist"))
    }

    /// A file by id, deleted or not.
    pub fn node(&self, id: &str) -> Result<&Node, ApiError> {
        if id.is_empty() {
            return Err(ApiError::new(errcodes::INVALID_FILEID, "invalid fileid"));
        }
        self.nodes
            .get(id)
            .ok_or_else(|| ApiError::new(errcodes::FILE_NOT_FOUND, "file not exist"))
    }

    /// A file that is not deleted.
    pub fn live(&self, id: &str) -> Result<&Node, ApiError> {
        let node = self.node(id)?;
        if !node.is_live() {
            return Err(ApiError::new(
                errcodes::FILE_DELETED,
                "file has been deleted",
            ));
        }
        Ok(node)
    }

    pub fn live_mut(&mut self, id: &str) -> Result<&mut Node, ApiError> {
        self.live(id)?;
        self.nodes
            .get_mut(id)
            .ok_or_else(|| ApiError::new(errcodes::FILE_NOT_FOUND, "file not exist"))
    }

    /// Checks that `fatherid` is a folder of space `spaceid` (or its root, the spaceid).
    pub fn check_folder(&self, spaceid: &str, fatherid: &str) -> Result<(), ApiError> {
        self.space(spaceid)?;
        if fatherid == spaceid {
            return Ok(());
        }
        match self.nodes.get(fatherid) {
            Some(n) if n.is_live() && n.file_type == FOLDER && n.spaceid == spaceid => Ok(()),
            _ => Err(ApiError::new(
                errcodes::INVALID_FATHERID,
                "invalid fatherid",
            )),
        }
    }

    /// The space of a folder id or space id (file_move's `fatherid`).
    pub fn folder_space(&self, fatherid: &str) -> Result<String, ApiError> {
        if self.spaces.contains_key(fatherid) {
            return Ok(fatherid.to_owned());
        }
        match self.nodes.get(fatherid) {
            Some(n) if n.is_live() && n.file_type == FOLDER => Ok(n.spaceid.clone()),
            _ => Err(ApiError::new(
                errcodes::INVALID_FATHERID,
                "invalid fatherid",
            )),
        }
    }

    pub fn children<'a>(&'a self, fatherid: &'a str) -> impl Iterator<Item = &'a Node> + 'a {
        self.nodes
            .values()
            .filter(move |n| n.is_live() && n.fatherid == fatherid)
    }

    /// The live item named `name` in `fatherid`, other than `except`.
    pub fn sibling_named(&self, fatherid: &str, name: &str, except: &str) -> Option<String> {
        self.children(fatherid)
            .find(|n| n.name == name && n.id != except)
            .map(|n| n.id.clone())
    }

    /// `name`, or its first free conflict name in `fatherid` ("xxx(1).txt").
    pub fn free_name(&self, fatherid: &str, name: &str, is_folder: bool, except: &str) -> String {
        if self.sibling_named(fatherid, name, except).is_none() {
            return name.to_owned();
        }
        (1..)
            .map(|n| names::numbered(name, n, is_folder))
            .find(|candidate| self.sibling_named(fatherid, candidate, except).is_none())
            .unwrap_or_else(|| name.to_owned())
    }

    /// Live descendants of `id` (not `id` itself).
    pub fn descendants(&self, id: &str) -> Vec<String> {
        let mut out = Vec::new();
        let mut queue = vec![id.to_owned()];
        while let Some(parent) = queue.pop() {
            for child in self.children(&parent) {
                out.push(child.id.clone());
                queue.push(child.id.clone());
            }
        }
        out
    }

    /// Folders from the space root down to `id`'s parent.
    pub fn ancestors(&self, id: &str) -> Vec<&Node> {
        let mut out = Vec::new();
        let mut current = self.nodes.get(id).map(|n| n.fatherid.clone());
        while let Some(parent) = current {
            match self.nodes.get(&parent) {
                Some(folder) if out.len() < 10_000 => {
                    out.push(folder);
                    current = Some(folder.fatherid.clone());
                }
                _ => break,
            }
        }
        out.reverse();
        out
    }

    /// Marks `id` and everything below it deleted and lets go of their content.
    pub fn delete(&mut self, id: &str) {
        let now = unix_now();
        let mut ids = self.descendants(id);
        ids.push(id.to_owned());
        for id in ids {
            if let Some(node) = self.nodes.get_mut(&id) {
                node.status = DELETED;
                node.mtime = now;
                node.blob = None;
            }
        }
    }

    /// Bytes of all live files (what mng_capacity counts as used).
    pub fn used_bytes(&self) -> u64 {
        self.nodes
            .values()
            .filter(|n| n.is_live() && n.file_type == FILE)
            .map(|n| n.size)
            .sum()
    }

    /// A new regular file holding `content` in `fatherid`, under a free name.
    pub fn add_file(
        &mut self,
        spaceid: &str,
        fatherid: &str,
        name: &str,
        content: Content,
    ) -> String {
        let id = self.new_file_id(spaceid);
        let name = self.free_name(fatherid, name, false, "");
        let mut node = Node::new(id.clone(), name, spaceid, fatherid, FILE);
        node.size = content.size;
        node.sha = content.sha;
        node.md5 = content.md5;
        node.block_sha = content.block_sha;
        node.blob = Some(content.blob);
        self.nodes.insert(id.clone(), node);
        id
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_ids_are_distinct_and_shaped_like_wedrive_ids() {
        let mut d = Drive::new(PathBuf::from("/nonexistent"));
        let s = d.new_space_id();
        let f = d.new_file_id(&s);
        assert!(s.starts_with(&format!("s.{CORP_ID}.7000")));
        assert!(f.starts_with(&format!("{s}_f.")));
        assert_ne!(d.new_file_id(&s), f);
    }
}
