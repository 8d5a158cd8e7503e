//! QQ group and private files through a OneBot 11 implementation (Shamrock, go-cqhttp, NapCat,
//! Lagrange): onebot-shamrock-group-files.md behind the `Drive` contract.
//!
//! Mapping table and retcodes: docs/providers/onebot.md.

mod client;
mod content;
mod errors;
mod items;
mod map;
mod resolve;
mod spaces;

use self::client::*;
use self::map::*;
use super::{
    Adapter, Comments, Deps, Directory, EVERY_SORT_ORDER, Members, Search, Trash, Versions,
};
use crate::config::OnebotConfig;
use crate::model::*;
use crate::tokens::TokenHealth;

pub struct OnebotDrive {
    client: Client,
    caps: Capabilities,
    upload_to_folders: bool,
    /// Folder listings kept for their later pages (providers/snapshots.rs).
    snapshots: crate::providers::snapshots::Snapshots,
}

fn capabilities(cfg: &OnebotConfig) -> Capabilities {
    use Operation::*;
    let upload_note = if cfg.upload_to_folders {
        "the file goes up in one request as base64 (memory stays bounded: the body is streamed from disk). Group spaces: into the root or a folder (go-cqhttp's `folder` parameter, enabled for this connection). QQ keeps same-named files side by side, so on_conflict is applied by the gateway: fail checks the folder first, rename picks \"name (n).ext\", replace deletes the old file after the new one is up. Private (user) spaces: sends the file to that friend; parent and on_conflict do not apply"
    } else {
        "the file goes up in one request as base64 (memory stays bounded: the body is streamed from disk). Group spaces: into the root only (Shamrock does not support uploading into a folder; a folder parent is a 400). QQ keeps same-named files side by side, so on_conflict is applied by the gateway: fail checks the folder first, rename picks \"name (n).ext\", replace deletes the old file after the new one is up. Private (user) spaces: sends the file to that friend; parent and on_conflict do not apply"
    };
    Capabilities {
        operations: vec![
            ListSpaces,
            GetSpace,
            GetQuota,
            ListItems,
            GetItem,
            CreateFolder,
            RenameItem,
            DeleteItem,
            UploadFile,
            DownloadFile,
        ],
        max_upload_bytes: cfg.max_upload_bytes,
        max_single_request_upload_bytes: Some(cfg.max_upload_bytes),
        max_name_length: MAX_NAME_BYTES as u32,
        name_rules: NAME_RULES.into(),
        roles: Vec::new(),
        sort_orders: EVERY_SORT_ORDER.to_vec(),
        range_downloads: true,
        acts_as_users: false,
        notes: vec![
            OperationNote::new(
                ListSpaces,
                "one group space per QQ group the bot is in, and one private space per friend (kind private) for sending private files: private spaces support upload only, every other operation on them answers 501",
            ),
            OperationNote::new(
                GetQuota,
                "group spaces only: file count and limit, used and total space (get_group_file_system_info)",
            ),
            OperationNote::new(
                ListItems,
                "the upstream does not page or sort: the gateway reads the whole folder for every page, sorts it (folders first) and pages it by offset",
            ),
            OperationNote::new(
                CreateFolder,
                "in the group's root only: QQ group folders cannot be nested",
            ),
            OperationNote::new(
                RenameItem,
                "folders only: OneBot has no action to rename a file (501 for files); items cannot be moved",
            ),
            OperationNote::new(
                DeleteItem,
                "deleting a folder deletes the files in it; there is no trash",
            ),
            OperationNote::new(UploadFile, upload_note),
            OperationNote::new(
                DownloadFile,
                "files only; streamed from the URL get_group_file_url gives (Range passed on); redirect=true answers 302 to that URL, which carries no gateway secret",
            ),
        ],
        item_kinds: {
            let mut k = file_only_operations();
            // OneBot has rename_group_folder but no action to rename a file.
            k.insert(RenameItem, vec![ItemKind::Folder]);
            k
        },
        // A friend's space can only be sent files (upload_private_file).
        space_kinds: [(SpaceKind::Private, vec![GetSpace, UploadFile])].into(),
    }
}

impl OnebotDrive {
    pub fn new(_connection: &str, cfg: &OnebotConfig, deps: &Deps) -> Result<Self, String> {
        Ok(Self {
            client: Client::new(
                deps.http.clone(),
                &cfg.base_url,
                cfg.access_token.clone(),
                deps.limits.transfer_timeout,
            ),
            caps: capabilities(cfg),
            upload_to_folders: cfg.upload_to_folders,
            snapshots: crate::providers::snapshots::Snapshots::new(
                cfg.listing_snapshot_ttl,
                cfg.listing_snapshot_max_items,
            ),
        })
    }
}

impl Adapter for OnebotDrive {
    fn provider(&self) -> Provider {
        Provider::Onebot
    }

    fn space_kind(&self, space: &str) -> Option<SpaceKind> {
        match parse_space(space).ok()? {
            SpaceRef::Group(_) => Some(SpaceKind::Group),
            SpaceRef::User(_) => Some(SpaceKind::Private),
        }
    }

    fn capabilities(&self) -> &Capabilities {
        &self.caps
    }

    /// OneBot's access token is a static shared secret: it never expires and is never
    /// fetched. `static` while the implementation accepts it, `rejected` after it answered
    /// 401/403 (until it accepts a call again), `not_configured` when none is set.
    fn token_health(&self) -> TokenHealth {
        let state = if self.client.token_rejected() {
            "rejected"
        } else if self.client.has_token() {
            "static"
        } else {
            "not_configured"
        };
        TokenHealth {
            state: state.into(),
            expires_at: None,
        }
    }
}

/// OneBot 11 has no versions, trash, search, comments, members or directory actions: those
/// answer 501.
impl Versions for OnebotDrive {}
impl Trash for OnebotDrive {}
impl Search for OnebotDrive {}
impl Comments for OnebotDrive {}
impl Members for OnebotDrive {}
impl Directory for OnebotDrive {}
