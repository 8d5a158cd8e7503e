//! The contract every adapter implements, one trait per resource ([`Spaces`], [`Items`],
//! [`Content`], [`Versions`], [`Trash`], [`Search`], [`Comments`], [`Members`], [`Directory`],
//! each named like the `api/` file whose handlers call it) on top of [`Adapter`]; [`Drive`] is
//! their sum. Handlers call these methods without knowing which provider answers. Every method
//! has a default that answers 501 `unsupported_operation`; an adapter overrides what its
//! upstream can do and lists exactly those operations in its [`Capabilities`] (handlers check
//! the list before calling, so the two cannot disagree).

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use axum::http::{HeaderMap, HeaderName, HeaderValue};
use bytes::Bytes;
use futures::StreamExt;
use futures::stream::BoxStream;

use crate::error::{ApiError, ApiResult};
use crate::model::*;
use crate::spool::Spooled;
use crate::streamed::Streamed;
use crate::tokens::TokenHealth;

/// Who is calling, for adapters that act on behalf of a user and for logs.
#[derive(Debug, Clone)]
pub struct Ctx {
    /// The caller's JWT `sub`.
    pub sub: String,
    /// Upstream user to act as (`X-Filegate-As-User`), already authorised by scope.
    pub act_as: Option<String>,
    pub request_id: String,
    /// Headers the adapter wants on the caller's answer (see [`ResponseHeaders`]).
    pub response: ResponseHeaders,
}

/// Headers an adapter adds to the caller's answer, whatever the answer turns out to be (the
/// upstream's remaining rate-limit budget, for instance). The handler layer owns the sink: a
/// middleware puts one into each request's extensions, [`Ctx`] carries a clone to the adapter,
/// and the middleware copies what was set onto the response — success or problem — without
/// overwriting a header the handler set itself. Handlers never look at it, so they stay
/// provider-free; model types carry no transport details.
#[derive(Debug, Clone, Default)]
pub struct ResponseHeaders(Arc<Mutex<HeaderMap>>);

impl ResponseHeaders {
    /// Sets (replaces) one header.
    pub fn set(&self, name: HeaderName, value: HeaderValue) {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(name, value);
    }

    /// A copy of what was set so far.
    pub fn snapshot(&self) -> HeaderMap {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Copies what was set onto `target`, keeping headers `target` already has.
    pub fn apply_to(&self, target: &mut HeaderMap) {
        for (name, value) in &self.snapshot() {
            if !target.contains_key(name) {
                target.insert(name.clone(), value.clone());
            }
        }
    }
}

/// Every sort order of [`SortOrder`], for adapters that support them all.
pub const EVERY_SORT_ORDER: [SortOrder; 6] = [
    SortOrder::NameAsc,
    SortOrder::NameDesc,
    SortOrder::SizeAsc,
    SortOrder::SizeDesc,
    SortOrder::ModifiedAsc,
    SortOrder::ModifiedDesc,
];

/// Whether a listing's `kind` filter keeps `item` (for upstreams that cannot filter):
/// `file` means a file with bytes, not an online document.
pub fn kind_admits(kind: KindFilter, item: &Item) -> bool {
    match kind {
        KindFilter::All => true,
        KindFilter::Folder => item.kind == ItemKind::Folder,
        KindFilter::File => item.kind == ItemKind::File,
    }
}

/// An item of which only its ids, name and kind are known: each adapter's mapping fills in
/// what its upstream reports (`Item { size, …, ..item_named(…) }`), then calls
/// [`Item::derived`].
pub fn item_named(id: String, space_id: String, name: String, kind: ItemKind) -> Item {
    Item {
        id,
        space_id,
        parent_id: None,
        name,
        kind,
        size: None,
        created_at: None,
        modified_at: None,
        sha1: None,
        md5: None,
        description: None,
        web_url: None,
        owner: None,
        modified_by: None,
        child_count: None,
        deleted_at: None,
        mime_type: None,
        etag: None,
        allowed_operations: Vec::new(),
    }
}

/// Answers that carry items or spaces, whose `allowed_operations` the handler fills in
/// before answering (`.allowed(drive)`), the same way on every route.
pub trait Allowed: Sized {
    fn allowed(self, d: &dyn Drive) -> Self;
}

impl Allowed for Item {
    fn allowed(mut self, d: &dyn Drive) -> Self {
        allow_items(d, std::iter::once(&mut self));
        self
    }
}

impl Allowed for Page<Item> {
    fn allowed(mut self, d: &dyn Drive) -> Self {
        allow_items(d, self.items.iter_mut());
        self
    }
}

impl Allowed for UploadResult {
    fn allowed(mut self, d: &dyn Drive) -> Self {
        allow_items(d, std::iter::once(&mut self.item));
        self
    }
}

impl Allowed for Space {
    fn allowed(mut self, d: &dyn Drive) -> Self {
        allow_spaces(d, std::iter::once(&mut self));
        self
    }
}

impl Allowed for SpacePage {
    fn allowed(mut self, d: &dyn Drive) -> Self {
        allow_spaces(d, self.items.iter_mut());
        self
    }
}

/// A requested byte range (`Range: bytes=start-end`, end inclusive; suffix ranges resolved by
/// the adapter once it knows the size).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ByteRange {
    From { start: u64, end: Option<u64> },
    Suffix { len: u64 },
}

impl ByteRange {
    /// The `Range` header that asks an upstream for this range.
    pub fn header(self) -> String {
        match self {
            ByteRange::From {
                start,
                end: Some(e),
            } => format!("bytes={start}-{e}"),
            ByteRange::From { start, end: None } => format!("bytes={start}-"),
            ByteRange::Suffix { len } => format!("bytes=-{len}"),
        }
    }
}

/// A file's bytes on their way to the caller.
pub struct Download {
    pub body: BoxStream<'static, Result<Bytes, std::io::Error>>,
    /// The file as the adapter read it just before fetching the bytes: its name, `mime_type`
    /// (the answer's `Content-Type`) and validators (`ETag`, `Last-Modified`).
    pub item: Item,
    /// Length of `body` in bytes, when known.
    pub content_length: Option<u64>,
    /// Set when a range was served: (first byte, last byte, total size if known).
    pub content_range: Option<(u64, u64, Option<u64>)>,
}

impl Download {
    /// Streams an upstream file answer (200 or 206) to the caller. The upstream's
    /// `Content-Type` is not used: download hosts answer generic types, and the answer's type
    /// must be the item's `mime_type`.
    pub fn from_response(res: reqwest::Response, item: Item) -> Self {
        let headers = res.headers();
        let text =
            |name: reqwest::header::HeaderName| headers.get(name).and_then(|v| v.to_str().ok());
        let content_length = text(reqwest::header::CONTENT_LENGTH).and_then(|v| v.parse().ok());
        let content_range = if res.status() == reqwest::StatusCode::PARTIAL_CONTENT {
            text(reqwest::header::CONTENT_RANGE).and_then(parse_content_range)
        } else {
            None
        };
        Self {
            body: res
                .bytes_stream()
                .map(|r| r.map_err(std::io::Error::other))
                .boxed(),
            item,
            content_length,
            content_range,
        }
    }
}

/// `bytes a-b/total` (total may be `*`).
pub fn parse_content_range(v: &str) -> Option<(u64, u64, Option<u64>)> {
    let rest = v.strip_prefix("bytes ")?;
    let (range, total) = rest.split_once('/')?;
    let (a, b) = range.split_once('-')?;
    Some((
        a.trim().parse().ok()?,
        b.trim().parse().ok()?,
        total.trim().parse().ok(),
    ))
}

// One per download, moved once: boxing the stream would buy nothing.
#[allow(clippy::large_enum_variant)]
pub enum DownloadOutcome {
    Stream(Download),
    /// A short-lived upstream URL the caller may fetch directly (only where the provider's URL
    /// needs no secret).
    Redirect(String),
}

/// A file to upload: already spooled to disk with its hashes, or (`C` = [`Streamed`], where
/// [`Content::streams_uploads`]) the caller's body of declared length, sent on as it arrives.
pub struct UploadFile<C = Spooled> {
    pub parent: Option<String>,
    pub name: String,
    pub on_conflict: OnConflict,
    pub content: C,
}

macro_rules! unsupported {
    ($self:ident, $op:ident) => {
        Err(ApiError::Unsupported {
            provider: $self.provider().as_str(),
            operation: Operation::$op,
        })
    };
}

/// Declares a resource trait on top of [`Adapter`]: each `fn name(&self, args) -> T = Op;`
/// becomes an async method answering `ApiResult<T>` whose default is 501
/// `unsupported_operation` for `Operation::Op`; the items in `also { … }` (methods with other
/// defaults) are copied as they are. ([`Directory`] is written out: its one default depends on
/// the kind listed.)
macro_rules! resource {
    (
        $(#[$attr:meta])*
        pub trait $name:ident {
            $(
                $(#[$m:meta])*
                fn $f:ident(&self $(, $arg:ident: $ty:ty)*) -> $ret:ty = $op:ident;
            )*
        }
        $(also { $($also:tt)* })?
    ) => {
        $(#[$attr])*
        #[async_trait]
        #[allow(unused_variables)]
        pub trait $name: Adapter {
            $($($also)*)?
            $(
                $(#[$m])*
                async fn $f(&self $(, $arg: $ty)*) -> ApiResult<$ret> {
                    unsupported!(self, $op)
                }
            )*
        }
    };
}

/// What every adapter says about itself (`api/connections.rs`); the resource traits below
/// build their 501 defaults on it.
pub trait Adapter: Send + Sync + 'static {
    fn provider(&self) -> Provider;
    fn capabilities(&self) -> &Capabilities;
    /// Health of the connection's main upstream token, from the cache (no upstream call).
    fn token_health(&self) -> TokenHealth;
    /// The kind of the space an id names, read from the id alone (no upstream call); `None`
    /// when the id does not say.
    fn space_kind(&self, space: &str) -> Option<SpaceKind> {
        let _ = space;
        None
    }
    /// The digests of an upload the provider's protocol (or its answer) needs, computed
    /// while the body is spooled.
    fn upload_digests(&self) -> crate::spool::Needs {
        crate::spool::Needs::ALL
    }
}

/// Fills items' `allowed_operations` from the connection's capabilities (no upstream call).
pub fn allow_items<'a>(d: &(impl Adapter + ?Sized), items: impl IntoIterator<Item = &'a mut Item>) {
    // The items of a page share a few (kind, space kind) pairs: each pair's list is worked out
    // once and copied, not filtered out of every operation again per item.
    type Key = (ItemKind, Option<SpaceKind>);
    let mut known: Vec<(Key, Vec<Operation>)> = Vec::new();
    for i in items {
        let key = (i.kind, d.space_kind(&i.space_id));
        i.allowed_operations = match known.iter().find(|(k, _)| *k == key) {
            Some((_, ops)) => ops.clone(),
            None => {
                let ops = d.capabilities().for_item(key.0, key.1);
                known.push((key, ops.clone()));
                ops
            }
        };
    }
}

/// Fills spaces' `allowed_operations` from the connection's capabilities.
pub fn allow_spaces<'a>(
    d: &(impl Adapter + ?Sized),
    spaces: impl IntoIterator<Item = &'a mut Space>,
) {
    for s in spaces {
        s.allowed_operations = d.capabilities().for_space(s.kind);
    }
}

resource! {
    /// Spaces, their settings and their members (`api/spaces.rs`).
    pub trait Spaces {
        /// Each discovery source is tried; the page names those that failed in `partial`.
        fn list_spaces(&self, ctx: &Ctx, page: PageRequest) -> SpacePage = ListSpaces;
        fn create_space(&self, ctx: &Ctx, req: CreateSpace) -> Space = CreateSpace;
        fn get_space(&self, ctx: &Ctx, space: &str) -> Space = GetSpace;
        fn rename_space(&self, ctx: &Ctx, space: &str, req: UpdateSpace) -> Space = RenameSpace;
        fn delete_space(&self, ctx: &Ctx, space: &str) -> () = DeleteSpace;
        fn get_quota(&self, ctx: &Ctx, space: &str) -> Quota = GetQuota;
        fn get_space_settings(&self, ctx: &Ctx, space: &str) -> SpaceSettings = GetSpaceSettings;
        fn update_space_settings(&self, ctx: &Ctx, space: &str, req: SpaceSettings)
            -> SpaceSettings = UpdateSpaceSettings;
        fn create_space_invite_link(&self, ctx: &Ctx, space: &str)
            -> ShareLink = CreateSpaceInviteLink;
        fn list_space_members(&self, ctx: &Ctx, space: &str, page: PageRequest)
            -> Page<Member> = ListSpaceMembers;
        fn add_space_members(&self, ctx: &Ctx, space: &str, req: AddMembers)
            -> Vec<Member> = AddSpaceMembers;
        fn update_space_member(&self, ctx: &Ctx, space: &str, member: &Principal, req: UpdateMember)
            -> Member = UpdateSpaceMember;
        fn remove_space_member(&self, ctx: &Ctx, space: &str, member: &Principal)
            -> () = RemoveSpaceMembers;
    }
}

resource! {
    /// Files and folders as entries of a space: list, read, create, rename/move, copy, delete
    /// (`api/items.rs`).
    pub trait Items {
        fn list_items(&self, ctx: &Ctx, space: &str, req: ListItems) -> Page<Item> = ListItems;
        fn get_item(&self, ctx: &Ctx, space: &str, item: &str) -> Item = GetItem;
        fn create_folder(&self, ctx: &Ctx, space: &str, req: CreateFolder) -> Item = CreateFolder;
        fn create_document(&self, ctx: &Ctx, space: &str, req: CreateDocument)
            -> Item = CreateDocument;
        /// Rename, move and/or describe; the handler has checked the matching operations.
        fn update_item(&self, ctx: &Ctx, space: &str, item: &str, req: UpdateItem)
            -> Item = RenameItem;
        fn copy_item(&self, ctx: &Ctx, space: &str, item: &str, req: CopyItem) -> Item = CopyItem;
        fn delete_item(&self, ctx: &Ctx, space: &str, item: &str) -> () = DeleteItem;
    }
}

resource! {
    /// A file's bytes: upload and download (`api/content.rs`; `api/uploads.rs` ends its
    /// sessions here too).
    pub trait Content {
        fn upload_file(&self, ctx: &Ctx, space: &str, req: UploadFile)
            -> UploadResult = UploadFile;
        fn upload_streamed(&self, ctx: &Ctx, space: &str, req: UploadFile<Streamed>)
            -> UploadResult = UploadFile;
        fn download(
            &self, ctx: &Ctx, space: &str, item: &str, range: Option<ByteRange>, redirect: bool
        ) -> DownloadOutcome = DownloadFile;
    }
    also {
        /// Whether [`Content::upload_streamed`] sends a raw body of declared length upstream as
        /// it arrives, without spooling: only where the upload protocol needs no digest of the
        /// whole file before its first byte.
        fn streams_uploads(&self) -> bool {
            false
        }
    }
}

resource! {
    /// Earlier contents of a file (`api/versions.rs`).
    pub trait Versions {
        fn list_versions(&self, ctx: &Ctx, space: &str, item: &str) -> Page<Version> = ListVersions;
        fn get_version(&self, ctx: &Ctx, space: &str, item: &str, version: &str)
            -> Version = GetVersion;
        fn upload_version(&self, ctx: &Ctx, space: &str, item: &str, content: Spooled)
            -> UploadResult = UploadVersion;
        fn promote_version(&self, ctx: &Ctx, space: &str, item: &str, version: &str)
            -> Item = PromoteVersion;
        fn delete_version(&self, ctx: &Ctx, space: &str, item: &str, version: &str)
            -> () = DeleteVersion;
    }
}

resource! {
    /// Deleted items (`api/trash.rs`).
    pub trait Trash {
        fn list_trash(&self, ctx: &Ctx, space: &str, page: PageRequest) -> Page<Item> = ListTrash;
        fn restore_item(&self, ctx: &Ctx, space: &str, item: &str) -> Item = RestoreItem;
        fn purge_item(&self, ctx: &Ctx, space: &str, item: &str) -> () = PurgeItem;
    }
}

resource! {
    /// Finding items: search within a space, recent items (`api/search.rs`).
    pub trait Search {
        fn search(&self, ctx: &Ctx, space: &str, req: SearchRequest) -> Page<Item> = Search;
        fn list_recent(&self, ctx: &Ctx, page: PageRequest) -> Page<Item> = ListRecent;
    }
}

resource! {
    /// Comments on a file (`api/comments.rs`).
    pub trait Comments {
        fn list_comments(&self, ctx: &Ctx, space: &str, item: &str, page: PageRequest)
            -> Page<Comment> = ListComments;
        fn add_comment(&self, ctx: &Ctx, space: &str, item: &str, req: NewComment)
            -> Comment = AddComment;
        fn delete_comment(&self, ctx: &Ctx, space: &str, item: &str, comment: &str)
            -> () = DeleteComment;
    }
}

resource! {
    /// Who may open an item and how it is shared: members, sharing, links, security
    /// (`api/members.rs`).
    pub trait Members {
        fn list_item_members(&self, ctx: &Ctx, space: &str, item: &str, page: PageRequest)
            -> Page<Member> = ListItemMembers;
        fn add_item_members(&self, ctx: &Ctx, space: &str, item: &str, req: AddMembers)
            -> Vec<Member> = AddItemMembers;
        fn update_item_member(
            &self, ctx: &Ctx, space: &str, item: &str, member: &Principal, req: UpdateMember
        ) -> Member = UpdateItemMember;
        fn remove_item_member(&self, ctx: &Ctx, space: &str, item: &str, member: &Principal)
            -> () = RemoveItemMembers;
        fn get_sharing(&self, ctx: &Ctx, space: &str, item: &str) -> Sharing = GetSharing;
        fn update_sharing(&self, ctx: &Ctx, space: &str, item: &str, req: Sharing)
            -> Sharing = UpdateSharing;
        fn create_share_link(&self, ctx: &Ctx, space: &str, item: &str, req: ShareLinkRequest)
            -> ShareLink = CreateShareLink;
        /// The item's share links that have ids, each as `create_share_link` answers it.
        fn list_share_links(&self, ctx: &Ctx, space: &str, item: &str, page: PageRequest)
            -> Page<ShareLink> = ListShareLinks;
        /// Revokes the link `link` (an id from `list_share_links`/`create_share_link`) of
        /// `item`.
        fn revoke_share_link(&self, ctx: &Ctx, space: &str, item: &str, link: &str)
            -> () = RevokeShareLink;
        fn get_item_security(&self, ctx: &Ctx, space: &str, item: &str)
            -> ItemSecurity = GetItemSecurity;
        fn update_item_security(&self, ctx: &Ctx, space: &str, item: &str, req: ItemSecurity)
            -> ItemSecurity = UpdateItemSecurity;
    }
}

/// The organisation's users, departments and groups (`api/directory.rs`).
#[async_trait]
#[allow(unused_variables)]
pub trait Directory: Adapter {
    async fn list_directory(
        &self,
        ctx: &Ctx,
        kind: DirectoryKind,
        query: DirectoryQuery,
    ) -> ApiResult<Page<DirectoryEntry>> {
        match kind {
            DirectoryKind::Users => unsupported!(self, ListDirectoryUsers),
            DirectoryKind::Departments => unsupported!(self, ListDirectoryDepartments),
            DirectoryKind::Groups => unsupported!(self, ListDirectoryGroups),
        }
    }
}

/// The whole contract: one trait per resource, so that an adapter's `versions.rs` implements
/// [`Versions`] and `api/versions.rs` calls it. Handlers hold a `&dyn Drive`; every adapter that
/// implements all the resource traits (an empty `impl` keeps the 501 defaults) is a `Drive`.
pub trait Drive:
    Spaces + Items + Content + Versions + Trash + Search + Comments + Members + Directory
{
}

impl<T: Spaces + Items + Content + Versions + Trash + Search + Comments + Members + Directory> Drive
    for T
{
}

#[cfg(test)]
mod tests {
    use super::parse_content_range;

    #[test]
    fn content_ranges_parse_with_and_without_a_total() {
        assert_eq!(
            parse_content_range("bytes 0-9/100"),
            Some((0, 9, Some(100)))
        );
        assert_eq!(parse_content_range("bytes 5-6/*"), Some((5, 6, None)));
        assert_eq!(parse_content_range("items 0-1/2"), None);
    }
}
