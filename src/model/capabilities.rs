use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use std::collections::BTreeMap;

use super::{ItemKind, Role, SpaceKind};

/// Every operation of the unified API that a provider may or may not support.
///
/// A handler asks for its operation before calling the adapter; an operation missing from a
/// connection's capabilities answers 501 `unsupported_operation`, so the published list and the
/// behaviour cannot disagree.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Operation {
    ListSpaces,
    CreateSpace,
    GetSpace,
    RenameSpace,
    DeleteSpace,
    GetQuota,
    GetSpaceSettings,
    UpdateSpaceSettings,
    CreateSpaceInviteLink,
    ListSpaceMembers,
    AddSpaceMembers,
    UpdateSpaceMember,
    RemoveSpaceMembers,
    ListItems,
    GetItem,
    CreateFolder,
    CreateDocument,
    RenameItem,
    MoveItem,
    UpdateDescription,
    CopyItem,
    DeleteItem,
    UploadFile,
    DownloadFile,
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
    ListItemMembers,
    AddItemMembers,
    UpdateItemMember,
    RemoveItemMembers,
    GetSharing,
    UpdateSharing,
    CreateShareLink,
    ListShareLinks,
    RevokeShareLink,
    GetItemSecurity,
    UpdateItemSecurity,
    ListDirectoryUsers,
    ListDirectoryDepartments,
    ListDirectoryGroups,
}

impl std::fmt::Display for Operation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let v = serde_json::to_value(self).unwrap_or_default();
        f.write_str(v.as_str().unwrap_or("operation"))
    }
}

/// What a connection can do, and its limits. Published at `GET /v1/connections/{conn}`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Capabilities {
    /// Operations this connection supports; every other one answers 501 `unsupported_operation`.
    pub operations: Vec<Operation>,
    /// Largest file accepted by `POST …/files` and resumable uploads, in bytes.
    pub max_upload_bytes: u64,
    /// Largest file the upstream takes in one request; bigger files use its chunked protocol.
    pub max_single_request_upload_bytes: Option<u64>,
    /// Longest item name, in the provider's own unit (see `name_rules`).
    pub max_name_length: u32,
    /// The provider's naming rules in words.
    pub name_rules: String,
    /// Roles of the unified ladder this provider can grant.
    pub roles: Vec<Role>,
    /// Sort orders `GET …/items` accepts.
    pub sort_orders: Vec<super::SortOrder>,
    /// Whether downloads honour `Range`.
    pub range_downloads: bool,
    /// Whether callers with `users:act_as` may name an upstream user in `X-Filegate-As-User`.
    pub acts_as_users: bool,
    /// Per-operation caveats ("folders only"…).
    pub notes: Vec<OperationNote>,
    /// Operations on an item that apply to some item kinds only (`download_file: ["file"]`,
    /// OneBot `rename_item: ["folder"]`); an operation not named here applies to every kind.
    /// Used on another kind it answers 501 `unsupported_operation` (or 400 where the provider
    /// refuses the kind itself); items' `allowed_operations` leave it out.
    #[serde(default)]
    pub item_kinds: BTreeMap<Operation, Vec<ItemKind>>,
    /// Space kinds that support fewer operations than `operations`, with those they do
    /// support (OneBot `private`: get_space and upload_file); a kind not named here supports
    /// all of `operations`. Spaces' `allowed_operations` follow it.
    #[serde(default)]
    pub space_kinds: BTreeMap<SpaceKind, Vec<Operation>>,
}

/// Operations that act on one space (its routes, and making items in it).
pub const SPACE_OPERATIONS: &[Operation] = &[
    Operation::GetSpace,
    Operation::RenameSpace,
    Operation::DeleteSpace,
    Operation::GetQuota,
    Operation::GetSpaceSettings,
    Operation::UpdateSpaceSettings,
    Operation::CreateSpaceInviteLink,
    Operation::ListSpaceMembers,
    Operation::AddSpaceMembers,
    Operation::UpdateSpaceMember,
    Operation::RemoveSpaceMembers,
    Operation::ListItems,
    Operation::CreateFolder,
    Operation::CreateDocument,
    Operation::UploadFile,
    Operation::ListTrash,
    Operation::Search,
];

/// Operations that act on one live item (`…/items/{item}` routes).
pub const ITEM_OPERATIONS: &[Operation] = &[
    Operation::GetItem,
    Operation::RenameItem,
    Operation::MoveItem,
    Operation::UpdateDescription,
    Operation::CopyItem,
    Operation::DeleteItem,
    Operation::DownloadFile,
    Operation::ListVersions,
    Operation::GetVersion,
    Operation::UploadVersion,
    Operation::PromoteVersion,
    Operation::DeleteVersion,
    Operation::ListComments,
    Operation::AddComment,
    Operation::DeleteComment,
    Operation::ListItemMembers,
    Operation::AddItemMembers,
    Operation::UpdateItemMember,
    Operation::RemoveItemMembers,
    Operation::GetSharing,
    Operation::UpdateSharing,
    Operation::CreateShareLink,
    Operation::ListShareLinks,
    Operation::RevokeShareLink,
    Operation::GetItemSecurity,
    Operation::UpdateItemSecurity,
];

/// What every provider has in common: bytes and their versions belong to files, not to
/// folders or online documents.
pub fn file_only_operations() -> BTreeMap<Operation, Vec<ItemKind>> {
    [
        Operation::DownloadFile,
        Operation::ListVersions,
        Operation::GetVersion,
        Operation::UploadVersion,
        Operation::PromoteVersion,
        Operation::DeleteVersion,
    ]
    .into_iter()
    .map(|op| (op, vec![ItemKind::File]))
    .collect()
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct OperationNote {
    pub operation: Operation,
    pub note: String,
}

impl Capabilities {
    pub fn supports(&self, op: Operation) -> bool {
        self.operations.contains(&op)
    }

    /// Whether `op` is supported on a space of `kind`.
    pub fn supports_in(&self, op: Operation, kind: Option<SpaceKind>) -> bool {
        self.supports(op)
            && kind
                .and_then(|k| self.space_kinds.get(&k))
                .is_none_or(|ops| ops.contains(&op))
    }

    /// The operations a space of `kind` allows.
    pub fn for_space(&self, kind: SpaceKind) -> Vec<Operation> {
        SPACE_OPERATIONS
            .iter()
            .copied()
            .filter(|op| self.supports_in(*op, Some(kind)))
            .collect()
    }

    /// The operations an item of `kind` allows, in a space of `space` (when known).
    pub fn for_item(&self, kind: ItemKind, space: Option<SpaceKind>) -> Vec<Operation> {
        ITEM_OPERATIONS
            .iter()
            .copied()
            .filter(|op| self.supports_in(*op, space))
            .filter(|op| self.item_kinds.get(op).is_none_or(|k| k.contains(&kind)))
            .collect()
    }
}
