//! Fangcloud (亿方云) Open API v2 adapter: fangcloud-open-api-v2.txt behind the `Drive` contract.
//!
//! Mapping tables, role ladder and error codes: docs/providers/fangcloud.md. Where the
//! document's extraction lost a function's path, the simulator's choice (the official SDKs'
//! paths, src/sandbox/fangcloud) is used.

mod client;
mod comments;
mod content;
mod directory;
mod errors;
mod folder_seal;
mod items;
mod map;
mod members;
mod paging;
mod resolve;
mod roles;
mod search;
mod spaces;
mod tokens;
mod trash;
mod versions;
mod wire;

use self::client::*;
use self::map::*;
use self::roles::LADDER;
use super::{Adapter, Deps, EVERY_SORT_ORDER};
use crate::config::FangcloudConfig;
use crate::model::*;
use crate::tokens::TokenHealth;

/// The document names no size limit; the gateway's `limits.max_upload_bytes` applies too.
pub const MAX_UPLOAD: u64 = 20 * 1024 * 1024 * 1024;

pub struct FangcloudDrive {
    client: Client,
    caps: Capabilities,
    enterprise_id: String,
    /// Seals "this listing's folder is in its space" into cursors (folder_seal.rs).
    folder_seal: folder_seal::FolderSeal,
}

fn capabilities() -> Capabilities {
    use Operation::*;
    let note = OperationNote::new;
    Capabilities {
        operations: Operation::all_but(&[
            CreateSpace,
            RenameSpace,
            DeleteSpace,
            GetSpaceSettings,
            UpdateSpaceSettings,
            CreateSpaceInviteLink,
            ListSpaceMembers,
            AddSpaceMembers,
            UpdateSpaceMember,
            RemoveSpaceMembers,
            GetSharing,
            UpdateSharing,
            GetItemSecurity,
            UpdateItemSecurity,
        ]),
        max_upload_bytes: MAX_UPLOAD,
        max_single_request_upload_bytes: Some(MAX_UPLOAD),
        max_name_length: MAX_NAME_CHARS as u32,
        name_rules: "1 to 222 characters, none of / ? : * \" > < \\; folders of a path (parent \"/a/b\") also no | and no trailing '.'".into(),
        roles: LADDER.to_vec(),
        sort_orders: EVERY_SORT_ORDER.to_vec(),
        range_downloads: true,
        acts_as_users: true,
        notes: vec![
            note(ListSpaces, "the acting user's personal space, the department spaces they can open (found by walking the department tree and probing folder/department_folders) and the folders shared with them (collaboration spaces)"),
            note(GetQuota, "personal: the user's space_total/space_used; department: admin/department/{id}/info; collaboration: the owner's quota (admin/user/{id}/info) — both with the enterprise token"),
            note(CreateFolder, "parent may also be a folder path starting with '/' (personal and department spaces): missing folders are created, existing ones reused (folder/create_by_path)"),
            note(CreateDocument, "an empty .docx/.xlsx/.pptx (file/create_blank_file); a taken name is renamed by the upstream"),
            note(MoveItem, "within the item's space; on_conflict must be fail (the upstream has no conflict strategy for moves)"),
            note(UpdateDescription, "file descriptions are at most 140 characters"),
            note(UploadFile, "pre-signed upload (file/upload_v2); not into the root of a department space (upload_v2 takes no department); replace uploads a new version (is_covered); rename tries 'name (n).ext'"),
            note(DownloadFile, "files only; redirect=true answers 302 to a pre-signed URL that works for 5 minutes"),
            note(ListTrash, "the acting user's trash, filtered to this space (one trash-info call per listed item)"),
            note(ListRecent, "files the acting user used recently (file/recent_items)"),
            note(ListComments, "files only"),
            note(ListItemMembers, "folders only: Fangcloud collaborations are on folders; the owner is listed with role owner"),
            note(AddItemMembers, "folders only; one member uses collab/invite, several collab/batch_invite (all or nothing)"),
            note(CreateShareLink, "scope public (default) or organization; role viewer (default) or previewer (download disabled); password of at most 33 letters and digits; expires_at is rounded to its day (Beijing time)"),
            note(ListShareLinks, "every link of the item, also those other users created (file|folder/{id}/share_links)"),
            note(RevokeShareLink, "the link's creator or a manager of the item (share_link/{unique_name}/revoke)"),
            note(ListDirectoryDepartments, "the upstream has no department search: q filters the direct children of `department` (default: the top level)"),
        ],
        item_kinds: {
            let mut k = file_only_operations();
            for op in [ListComments, AddComment, DeleteComment] {
                k.insert(op, vec![ItemKind::File]);
            }
            for op in [ListItemMembers, AddItemMembers, UpdateItemMember, RemoveItemMembers] {
                k.insert(op, vec![ItemKind::Folder]);
            }
            k
        },
        space_kinds: Default::default(),
    }
}

impl FangcloudDrive {
    pub fn new(connection: &str, cfg: &FangcloudConfig, deps: &Deps) -> Result<Self, String> {
        let secret = super::resolved_secret(connection, "client secret", &cfg.client_secret)?;
        let folder_seal = folder_seal::FolderSeal::new(&secret)?;
        Ok(Self {
            client: Client::new(
                ClientConfig {
                    connection,
                    oauth_url: &cfg.oauth_url,
                    api_url: &cfg.api_url,
                    client_id: &cfg.client_id,
                    client_secret: secret,
                    enterprise_id: &cfg.enterprise_id,
                    default_user: &cfg.default_user_id,
                },
                deps.http.clone(),
                deps.tokens.clone(),
                deps.limits.transfer_timeout,
            ),
            caps: capabilities(),
            enterprise_id: cfg.enterprise_id.clone(),
            folder_seal,
        })
    }
}

impl Adapter for FangcloudDrive {
    fn provider(&self) -> Provider {
        Provider::Fangcloud
    }

    fn space_kind(&self, space: &str) -> Option<SpaceKind> {
        SpaceRef::parse(space).ok().map(SpaceRef::kind)
    }

    /// a new version (file/{id}/new_version) declares its sha1; upload_v2 needs none, and no call an MD5.
    fn upload_digests(&self) -> crate::spool::Needs {
        crate::spool::Needs::SHA1
    }

    fn capabilities(&self) -> &Capabilities {
        &self.caps
    }

    fn token_health(&self) -> TokenHealth {
        let who = Who::User(self.client.default_user().to_owned());
        self.client.tokens().health(&self.client.key(&who))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_capability_has_an_implementation_note_or_is_plain() {
        let caps = capabilities();
        for n in &caps.notes {
            assert!(
                caps.supports(n.operation),
                "{:?} noted but unsupported",
                n.operation
            );
        }
        assert!(!caps.supports(Operation::CreateSpace));
        assert!(caps.acts_as_users);
    }
}
