//! The simulated enterprise: directory, items, versions, comments, collaborations, trash.
//!
//! File and folder ids come from two independent counters that start at the same number, so a
//! file and a folder routinely share a numeric id: they are different objects (the API always
//! says which type it means, in the path or in `type`).

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::time::Instant;

/// First id handed out to folders and to files (both counters start here).
pub const ITEM_ID_BASE: i64 = 501_000_000_001;
pub const VERSION_ID_BASE: i64 = 750_009_000_001;
pub const COMMENT_ID_BASE: i64 = 43_156;
pub const COLLAB_ID_BASE: i64 = 412_027;

pub fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// `d` from now (or about a century from now when that cannot be represented).
pub fn later(d: std::time::Duration) -> Instant {
    let now = Instant::now();
    now.checked_add(d)
        .or_else(|| now.checked_add(std::time::Duration::from_secs(100 * 365 * 86_400)))
        .unwrap_or(now)
}

#[derive(Debug, Clone)]
pub struct Enterprise {
    pub id: i64,
    pub name: String,
    pub admin_user_id: i64,
    pub space_total: i64,
}

#[derive(Debug, Clone)]
pub struct User {
    pub id: i64,
    pub enterprise_id: i64,
    pub name: String,
    pub email: String,
    pub phone: String,
    pub active: bool,
    pub admin: bool,
    pub space_total: i64,
    pub pinyin: String,
    pub profile_pic_key: String,
    pub custom_id: Option<String>,
}

impl User {
    pub fn login(&self) -> &str {
        if self.email.is_empty() {
            &self.phone
        } else {
            &self.email
        }
    }
}

#[derive(Debug, Clone)]
pub struct Department {
    pub id: i64,
    pub name: String,
    /// 0 = top level of the enterprise.
    pub parent_id: i64,
    pub director_id: Option<i64>,
    pub members: Vec<i64>,
    pub space_total: i64,
    pub created_at: i64,
    pub order: i64,
}

#[derive(Debug, Clone)]
pub struct Group {
    pub id: i64,
    pub name: String,
    pub description: String,
    pub admin_user_id: Option<i64>,
    pub members: Vec<i64>,
    pub created_at: i64,
    pub visible: bool,
    pub collab_auto_accepted: bool,
}

/// Where an item lives: a user's personal space or a department space.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Space {
    Personal(i64),
    Department(i64),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Trashed {
    pub at: i64,
    pub by: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    File,
    Folder,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::File => "file",
            Kind::Folder => "folder",
        }
    }
    pub fn not_found(self) -> &'static str {
        match self {
            Kind::File => "file_not_found",
            Kind::Folder => "folder_not_found",
        }
    }
    pub fn deleted(self) -> &'static str {
        match self {
            Kind::File => "file_deleted",
            Kind::Folder => "folder_deleted",
        }
    }
    pub fn conflict(self) -> &'static str {
        match self {
            Kind::File => "file_name_conflict",
            Kind::Folder => "folder_name_conflict",
        }
    }
    pub fn not_in_trash(self) -> &'static str {
        match self {
            Kind::File => "file_in_trash_not_found",
            Kind::Folder => "folder_in_trash_not_found",
        }
    }
}

/// Fields shared by files and folders.
#[derive(Debug, Clone)]
pub struct Meta {
    pub id: i64,
    pub name: String,
    pub description: String,
    /// 0 = root of `space`.
    pub parent_id: i64,
    pub space: Space,
    pub owner_id: i64,
    pub created_at: i64,
    pub modified_at: i64,
    pub modified_by: i64,
    pub sequence_id: i64,
    /// Set on the item the user deleted; its descendants are deleted with it.
    pub trashed: Option<Trashed>,
}

#[derive(Debug, Clone)]
pub struct Folder {
    pub meta: Meta,
}

#[derive(Debug, Clone)]
pub struct File {
    pub meta: Meta,
    /// Oldest first.
    pub versions: Vec<i64>,
    pub current_version: i64,
    pub frequently_used_by: Vec<i64>,
}

#[derive(Debug, Clone)]
pub struct Version {
    pub id: i64,
    pub file_id: i64,
    pub name: String,
    pub size: i64,
    pub sha1: String,
    pub blob: u64,
    pub modified_at: i64,
    pub modified_by: i64,
    pub remark: String,
}

#[derive(Debug, Clone)]
pub struct Comment {
    pub id: i64,
    pub file_id: i64,
    pub user_id: i64,
    pub content: String,
    pub created_at: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TargetKind {
    User,
    Group,
    Department,
}

impl TargetKind {
    pub fn as_str(self) -> &'static str {
        match self {
            TargetKind::User => "user",
            TargetKind::Group => "group",
            TargetKind::Department => "department",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "user" => Some(TargetKind::User),
            "group" => Some(TargetKind::Group),
            "department" => Some(TargetKind::Department),
            _ => None,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Collab {
    pub id: i64,
    pub folder_id: i64,
    pub target: TargetKind,
    pub target_id: i64,
    pub role: String,
    pub accepted: bool,
    pub created_at: i64,
}

#[derive(Debug, Clone)]
pub struct ShareLink {
    pub unique_name: String,
    pub kind: Kind,
    pub item_id: i64,
    pub owner_id: i64,
    pub access: String,
    pub password: Option<String>,
    pub disable_download: bool,
    /// `yyyy-MM-dd`, the last day the link works.
    pub due_time: Option<String>,
    pub created_at: i64,
    pub modified_at: i64,
    pub view_count: i64,
    pub download_count: i64,
}

/// What a pre-signed upload URL will do with the bytes it receives.
#[derive(Debug, Clone)]
pub enum UploadTarget {
    NewFile {
        parent_id: i64,
        space: Space,
        name: String,
    },
    NewVersion {
        file_id: i64,
        name: String,
        remark: String,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UploadState {
    Fresh,
    InUse,
    Used,
}

#[derive(Debug, Clone)]
pub struct Presign {
    pub user_id: i64,
    pub target: UploadTarget,
    pub expires: Instant,
    pub state: UploadState,
}

#[derive(Debug, Clone)]
pub struct DownloadTicket {
    pub blob: u64,
    pub size: i64,
    pub name: String,
    pub expires: Instant,
}

/// A stored content file and how many versions point at it (copies share blobs).
#[derive(Debug, Clone)]
pub struct Blob {
    pub path: PathBuf,
    pub refs: u32,
}

#[derive(Debug)]
pub struct Store {
    pub enterprise: Enterprise,
    pub users: BTreeMap<i64, User>,
    pub departments: BTreeMap<i64, Department>,
    pub groups: BTreeMap<i64, Group>,
    pub folders: BTreeMap<i64, Folder>,
    pub files: BTreeMap<i64, File>,
    pub versions: BTreeMap<i64, Version>,
    pub comments: BTreeMap<i64, Comment>,
    pub collabs: BTreeMap<i64, Collab>,
    pub share_links: BTreeMap<String, ShareLink>,
    pub blobs: HashMap<u64, Blob>,
    pub presigns: HashMap<String, Presign>,
    pub downloads: HashMap<String, DownloadTicket>,
    /// user id -> (file id -> last touched), for `file/recent_items`.
    pub recent: HashMap<i64, HashMap<i64, i64>>,
    pub blob_dir: PathBuf,
    next_folder: i64,
    next_file: i64,
    next_version: i64,
    next_comment: i64,
    next_collab: i64,
    next_blob: u64,
}

impl Store {
    pub fn new(enterprise: Enterprise, blob_dir: PathBuf) -> Self {
        Self {
            enterprise,
            users: BTreeMap::new(),
            departments: BTreeMap::new(),
            groups: BTreeMap::new(),
            folders: BTreeMap::new(),
            files: BTreeMap::new(),
            versions: BTreeMap::new(),
            comments: BTreeMap::new(),
            collabs: BTreeMap::new(),
            share_links: BTreeMap::new(),
            blobs: HashMap::new(),
            presigns: HashMap::new(),
            downloads: HashMap::new(),
            recent: HashMap::new(),
            blob_dir,
            next_folder: ITEM_ID_BASE,
            next_file: ITEM_ID_BASE,
            next_version: VERSION_ID_BASE,
            next_comment: COMMENT_ID_BASE,
            next_collab: COLLAB_ID_BASE,
            next_blob: 1,
        }
    }

    pub fn new_folder_id(&mut self) -> i64 {
        take_next(&mut self.next_folder)
    }
    pub fn new_file_id(&mut self) -> i64 {
        take_next(&mut self.next_file)
    }
    pub fn new_version_id(&mut self) -> i64 {
        take_next(&mut self.next_version)
    }
    pub fn new_comment_id(&mut self) -> i64 {
        take_next(&mut self.next_comment)
    }
    pub fn new_collab_id(&mut self) -> i64 {
        take_next(&mut self.next_collab)
    }

    /// Reserves a blob id and the path its content must be written to.
    pub fn reserve_blob(&mut self) -> (u64, PathBuf) {
        let id = self.next_blob;
        self.next_blob += 1;
        (id, self.blob_dir.join(format!("blob-{id}")))
    }

    /// Registers content already written at `path` (one reference).
    pub fn add_blob(&mut self, id: u64, path: PathBuf) {
        self.blobs.insert(id, Blob { path, refs: 1 });
    }

    pub fn retain_blob(&mut self, id: u64) {
        if let Some(b) = self.blobs.get_mut(&id) {
            b.refs += 1;
        }
    }

    /// Drops one reference; the file on disk goes with the last one.
    pub fn release_blob(&mut self, id: u64) {
        let gone = match self.blobs.get_mut(&id) {
            Some(b) => {
                b.refs = b.refs.saturating_sub(1);
                b.refs == 0
            }
            None => false,
        };
        if gone && let Some(b) = self.blobs.remove(&id) {
            let _ = std::fs::remove_file(&b.path);
        }
    }

    pub fn meta(&self, kind: Kind, id: i64) -> Option<&Meta> {
        match kind {
            Kind::File => self.files.get(&id).map(|f| &f.meta),
            Kind::Folder => self.folders.get(&id).map(|f| &f.meta),
        }
    }

    pub fn meta_mut(&mut self, kind: Kind, id: i64) -> Option<&mut Meta> {
        match kind {
            Kind::File => self.files.get_mut(&id).map(|f| &mut f.meta),
            Kind::Folder => self.folders.get_mut(&id).map(|f| &mut f.meta),
        }
    }

    pub fn current(&self, file: &File) -> Option<&Version> {
        self.versions.get(&file.current_version)
    }

    pub fn file_size(&self, file: &File) -> i64 {
        self.current(file).map(|v| v.size).unwrap_or(0)
    }

    pub fn touch_recent(&mut self, user_id: i64, file_id: i64) {
        self.recent
            .entry(user_id)
            .or_default()
            .insert(file_id, now());
    }
}

/// The id `counter` holds; the counter moves on to the next.
fn take_next(counter: &mut i64) -> i64 {
    let id = *counter;
    *counter += 1;
    id
}
