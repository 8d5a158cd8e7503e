use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use std::collections::BTreeMap;

use super::{ItemKind, Role, SpaceKind};

/// What an operation acts on: which of a space's and an item's `allowed_operations` list it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OperationScope {
    /// One space (its routes, and making items in it).
    Space,
    /// One live item (`…/items/{item}` routes), of any kind the provider allows.
    Item,
    /// One live item, and only a file: bytes and their versions belong to files, not to
    /// folders or online documents, with every provider.
    File,
    /// Neither (listing spaces, the trash's items, the directory…).
    Other,
}

/// The operations and their scopes, written once: the enum, [`Operation::ALL`] and
/// [`Operation::scope`].
macro_rules! operations {
    ($(#[$meta:meta])* pub enum $name:ident { $($op:ident => $scope:ident,)* }) => {
        $(#[$meta])*
        pub enum $name {
            $($op,)*
        }

        impl $name {
            /// Every operation, in the order capabilities list them.
            pub const ALL: &[$name] = &[$($name::$op,)*];

            pub fn scope(self) -> OperationScope {
                match self {
                    $(Self::$op => OperationScope::$scope,)*
                }
            }
        }
    };
}

operations! {
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
        ListSpaces => Other,
        CreateSpace => Other,
        GetSpace => Space,
        RenameSpace => Space,
        DeleteSpace => Space,
        GetQuota => Space,
        GetSpaceSettings => Space,
        UpdateSpaceSettings => Space,
        CreateSpaceInviteLink => Space,
        ListSpaceMembers => Space,
        AddSpaceMembers => Space,
        UpdateSpaceMember => Space,
        RemoveSpaceMembers => Space,
        ListItems => Space,
        GetItem => Item,
        CreateFolder => Space,
        CreateDocument => Space,
        RenameItem => Item,
        MoveItem => Item,
        UpdateDescription => Item,
        CopyItem => Item,
        DeleteItem => Item,
        UploadFile => Space,
        DownloadFile => File,
        ListVersions => File,
        GetVersion => File,
        UploadVersion => File,
        PromoteVersion => File,
        DeleteVersion => File,
        ListTrash => Space,
        RestoreItem => Other,
        PurgeItem => Other,
        Search => Space,
        ListRecent => Other,
        ListComments => Item,
        AddComment => Item,
        DeleteComment => Item,
        ListItemMembers => Item,
        AddItemMembers => Item,
        UpdateItemMember => Item,
        RemoveItemMembers => Item,
        GetSharing => Item,
        UpdateSharing => Item,
        CreateShareLink => Item,
        ListShareLinks => Item,
        RevokeShareLink => Item,
        GetItemSecurity => Item,
        UpdateItemSecurity => Item,
        ListDirectoryUsers => Other,
        ListDirectoryDepartments => Other,
        ListDirectoryGroups => Other,
    }
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

/// What every provider has in common: the [`OperationScope::File`] operations apply to files
/// only.
pub fn file_only_operations() -> BTreeMap<Operation, Vec<ItemKind>> {
    Operation::every(&[OperationScope::File])
        .map(|op| (op, vec![ItemKind::File]))
        .collect()
}

impl Operation {
    /// The operations of these scopes, in the published order.
    pub fn every(scopes: &[OperationScope]) -> impl Iterator<Item = Operation> {
        Self::ALL
            .iter()
            .copied()
            .filter(move |op| scopes.contains(&op.scope()))
    }

    /// Every operation but `unsupported`, in the published order: a provider's operations.
    pub fn all_but(unsupported: &[Operation]) -> Vec<Operation> {
        Self::ALL
            .iter()
            .copied()
            .filter(|op| !unsupported.contains(op))
            .collect()
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct OperationNote {
    pub operation: Operation,
    pub note: String,
}

impl OperationNote {
    pub fn new(operation: Operation, note: &str) -> Self {
        Self {
            operation,
            note: note.into(),
        }
    }
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
        Operation::every(&[OperationScope::Space])
            .filter(|op| self.supports_in(*op, Some(kind)))
            .collect()
    }

    /// The operations an item of `kind` allows, in a space of `space` (when known).
    pub fn for_item(&self, kind: ItemKind, space: Option<SpaceKind>) -> Vec<Operation> {
        Operation::every(&[OperationScope::Item, OperationScope::File])
            .filter(|op| self.supports_in(*op, space))
            .filter(|op| self.item_kinds.get(op).is_none_or(|k| k.contains(&kind)))
            .collect()
    }
}
