//! WeCom WeDrive (企业微信微盘) adapter: wecom-wedrive.txt behind the `Drive` contract.
//!
//! Mapping table and errcodes: docs/providers/wecom.md.

pub mod block_sha;
mod client;
mod content;
pub mod errcodes;
mod errors;
mod items;
mod map;
mod members;
mod resolve;
mod spaces;

use std::sync::Arc;

use self::client::*;
use super::{Adapter, Comments, Deps, Directory, EVERY_SORT_ORDER, Search, Trash, Versions};
use crate::config::WecomConfig;
use crate::model::*;
use crate::store::Store;
use crate::tokens::TokenHealth;

/// `file_upload` takes at most 10 MB of content (wecom-wedrive.txt: "文件大小上限为10M");
/// larger files go through the chunked trio.
pub const SINGLE_UPLOAD_MAX: u64 = 10 * 1024 * 1024;
/// `file_upload_init`: "最大支持20G".
pub const MAX_UPLOAD: u64 = 20 * 1024 * 1024 * 1024;

pub struct WecomDrive {
    connection: String,
    client: Client,
    store: Arc<dyn Store>,
    caps: Capabilities,
    known_spaces: Vec<String>,
    admin_userid: Option<String>,
    /// Config-listed spaces are recorded in the store on the first listing.
    known_synced: tokio::sync::Mutex<bool>,
}

fn capabilities() -> Capabilities {
    use Operation::*;
    Capabilities {
        operations: Operation::all_but(&[
            UpdateDescription,
            CopyItem,
            ListVersions,
            GetVersion,
            UploadVersion,
            PromoteVersion,
            DeleteVersion,
            ListTrash,
            RestoreItem,
            PurgeItem,
            Search,
            ListRecent,
            ListComments,
            AddComment,
            DeleteComment,
            ListShareLinks,
            RevokeShareLink,
            ListDirectoryUsers,
            ListDirectoryDepartments,
            ListDirectoryGroups,
        ]),
        max_upload_bytes: MAX_UPLOAD,
        max_single_request_upload_bytes: Some(SINGLE_UPLOAD_MAX),
        max_name_length: map::MAX_NAME_UNITS as u32,
        name_rules: "at most 255 units where ASCII counts 1 and any other character 2; none of \\ / : * ? \" < > |".into(),
        roles: vec![Role::Previewer, Role::Viewer, Role::Manager],
        sort_orders: EVERY_SORT_ORDER.to_vec(),
        range_downloads: true,
        acts_as_users: false,
        notes: vec![
            OperationNote::new(ListSpaces, "WeDrive cannot list spaces: lists the spaces this gateway created, was configured with (known_spaces) or has read"),
            OperationNote::new(GetQuota, "capacity is corporation-wide (mng_capacity), not per space"),
            OperationNote::new(CreateShareLink, "no options; the link has no id and cannot be listed or revoked (set who may open it with PUT …/sharing)"),
            OperationNote::new(DownloadFile, "files only (not folders or online documents); always streamed, the upstream URL needs a cookie"),
            OperationNote::new(AddSpaceMembers, "manager (auth 7) only for users, at most 3 per space"),
        ],
        item_kinds: file_only_operations(),
        space_kinds: Default::default(),
    }
}

impl WecomDrive {
    pub fn new(connection: &str, cfg: &WecomConfig, deps: &Deps) -> Result<Self, String> {
        let secret = super::resolved_secret(connection, "secret", &cfg.secret)?;
        Ok(Self {
            connection: connection.to_owned(),
            client: Client::new(
                connection,
                deps.http.clone(),
                &cfg.base_url,
                &cfg.corp_id,
                secret,
                deps.tokens.clone(),
                deps.limits.transfer_timeout,
            ),
            store: deps.store.clone(),
            caps: capabilities(),
            known_spaces: cfg.known_spaces.clone(),
            admin_userid: cfg.admin_userid.clone(),
            known_synced: tokio::sync::Mutex::new(false),
        })
    }
}

impl Adapter for WecomDrive {
    fn provider(&self) -> Provider {
        Provider::Wecom
    }

    /// file_upload_init declares the block SHA list (SHA-1 state per 2 MiB block); nothing needs an MD5.
    fn upload_digests(&self) -> crate::spool::Needs {
        crate::spool::Needs::SHA1
    }

    fn capabilities(&self) -> &Capabilities {
        &self.caps
    }

    fn token_health(&self) -> TokenHealth {
        self.client.tokens().health(self.client.token_key())
    }
}

/// WeDrive has no versions, trash, search, comments or directory calls: those answer 501.
impl Versions for WecomDrive {}
impl Trash for WecomDrive {}
impl Search for WecomDrive {}
impl Comments for WecomDrive {}
impl Directory for WecomDrive {}
