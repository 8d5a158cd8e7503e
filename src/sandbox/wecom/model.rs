//! What the simulated drive holds: spaces and their members and settings, files, stored
//! content, upload sessions and download tickets.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use serde_json::{Value, json};

use super::state::unix_now;

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

/// A chunked upload between file_upload_init and file_upload_finish. Each part is written at
/// its offset into the `spool` file (as long as the whole file), which becomes the stored blob
/// at finish.
pub struct Session {
    pub spaceid: String,
    pub fatherid: String,
    pub name: String,
    pub size: u64,
    pub block_sha: Vec<String>,
    pub spool: PathBuf,
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
