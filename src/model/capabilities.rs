use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::Role;

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
}
