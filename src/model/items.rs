use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::Principal;

/// What an item is. Online documents are items too, but only `file` has downloadable bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ItemKind {
    Folder,
    File,
    /// An online document (WeCom 微文档 doc).
    Document,
    /// An online spreadsheet.
    Spreadsheet,
    /// An online form (收集表).
    Form,
    /// An online slide deck.
    Slides,
}

/// A file or folder. Listings, searches and single reads carry the same fields; what the
/// provider does not report is `null`, never absent.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(examples(json!({
    "id": "AWlmBGZpbGUFMTAwMDE", "space_id": "AXNmCHBlcnNvbmFsBDIwMDE", "parent_id": "AWlmBmZvbGRlcgMzMDA",
    "name": "report.pdf", "kind": "file", "size": 48213,
    "created_at": "2026-05-04T08:12:00Z", "modified_at": "2026-05-06T17:40:31Z",
    "sha1": "2fd4e1c67a2d28fced849ee1bb76e7391b93eb12",
    "owner": {"type": "user", "id": "2001", "name": "Li Wei"}
})))]
pub struct Item {
    pub id: String,
    pub space_id: String,
    /// The parent folder; null at the root of the space.
    pub parent_id: Option<String>,
    pub name: String,
    pub kind: ItemKind,
    /// Size in bytes (files), when the upstream reports one.
    pub size: Option<u64>,
    #[serde(serialize_with = "super::timestamps::option")]
    pub created_at: Option<DateTime<Utc>>,
    #[serde(serialize_with = "super::timestamps::option")]
    pub modified_at: Option<DateTime<Utc>>,
    pub sha1: Option<String>,
    pub md5: Option<String>,
    pub description: Option<String>,
    /// A web link, for online documents.
    pub web_url: Option<String>,
    pub owner: Option<Principal>,
    pub modified_by: Option<Principal>,
    /// Number of children (folders), when the upstream reports it.
    pub child_count: Option<u64>,
    /// When the item was moved to the trash (trash listings).
    #[serde(serialize_with = "super::timestamps::option")]
    pub deleted_at: Option<DateTime<Utc>>,
    /// The media type of a file (`kind: file`), the same value as its download's
    /// `Content-Type`: none of the three upstreams reports one, so it is guessed from the
    /// name's extension (`application/octet-stream` when unknown). Null for folders and
    /// online documents.
    #[serde(default)]
    #[schema(example = "application/pdf")]
    pub mime_type: Option<String>,
    /// An opaque validator of the item's current state (a strong entity tag, quoted), the
    /// same value as the `ETag` of its GET and download. It is derived from what the upstream
    /// reports — the content hash (SHA-1 or MD5), size and modification time — so it changes
    /// when the content or those fields change. Send it back in `If-None-Match` (304) or
    /// `If-Match` (412 when the item changed).
    #[serde(default)]
    #[schema(example = "\"5f1c0a9e2b7d4c31\"")]
    pub etag: Option<String>,
    /// What the caller may do with this item, from the connection's `capabilities`
    /// (`operations` narrowed by `item_kinds` and `space_kinds`).
    #[serde(default)]
    pub allowed_operations: Vec<super::Operation>,
}

/// The media type of a file named `name`, guessed from its extension.
pub fn mime_type_of(name: &str) -> String {
    mime_guess::from_path(name)
        .first_raw()
        .unwrap_or("application/octet-stream")
        .to_owned()
}

impl Item {
    /// Fills the derived fields, `mime_type` and `etag`, from what the upstream reported. Every
    /// adapter's mapping ends with this, so every answer carrying an item carries both.
    pub fn derived(mut self) -> Self {
        use sha1::{Digest, Sha1};
        self.mime_type = (self.kind == ItemKind::File).then(|| mime_type_of(&self.name));
        let mut h = Sha1::new();
        for part in [
            self.id.as_str(),
            self.name.as_str(),
            self.sha1.as_deref().unwrap_or_default(),
            self.md5.as_deref().unwrap_or_default(),
        ] {
            h.update(part.as_bytes());
            h.update([0]);
        }
        h.update(self.size.unwrap_or(u64::MAX).to_be_bytes());
        h.update(
            self.modified_at
                .map_or(i64::MIN, |t| t.timestamp_millis())
                .to_be_bytes(),
        );
        h.update(self.child_count.unwrap_or(u64::MAX).to_be_bytes());
        self.etag = Some(format!("\"{}\"", &hex::encode(h.finalize())[..20]));
        self
    }
}

/// Sort orders of item listings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema, Default)]
#[serde(rename_all = "snake_case")]
pub enum SortOrder {
    #[default]
    NameAsc,
    NameDesc,
    SizeAsc,
    SizeDesc,
    ModifiedAsc,
    ModifiedDesc,
}

/// Which items a listing returns: `file` keeps files with bytes (not online documents),
/// `folder` keeps folders; both are applied before paging.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema, Default)]
#[serde(rename_all = "snake_case")]
pub enum KindFilter {
    #[default]
    All,
    File,
    Folder,
}

/// What to do when the target name is taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema, Default)]
#[serde(rename_all = "snake_case")]
pub enum OnConflict {
    /// Keep both: the upstream gives the new item a distinct name.
    Rename,
    /// Overwrite the existing item (a new version where the upstream keeps versions).
    Replace,
    /// Refuse with 409 `name_conflict`.
    #[default]
    Fail,
}

#[derive(Debug, Clone, Default)]
pub struct ListItems {
    pub parent: Option<String>,
    pub sort: Option<SortOrder>,
    pub kind: KindFilter,
    pub page: super::PageRequest,
}

/// Body of `POST …/folders`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateFolder {
    /// Parent folder id; omit for the root of the space.
    #[serde(default)]
    pub parent: Option<String>,
    #[schema(schema_with = super::rules::name)]
    pub name: String,
}

/// Kinds of online document a provider may create.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DocumentKind {
    Document,
    Spreadsheet,
    Slides,
}

/// Body of `POST …/documents`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateDocument {
    /// Parent folder id; omit for the root of the space.
    #[serde(default)]
    pub parent: Option<String>,
    #[schema(schema_with = super::rules::name)]
    pub name: String,
    pub kind: DocumentKind,
}

/// Body of `PATCH …/items/{item}`: rename, move, describe — any combination, at least one of
/// `name`, `parent`, `description` given and not null.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Default)]
#[schema(min_properties = 1)]
#[serde(deny_unknown_fields)]
pub struct UpdateItem {
    #[serde(default)]
    #[schema(schema_with = super::rules::new_name)]
    pub name: Option<String>,
    /// New parent folder id; use the space id's root by passing `"root"`.
    #[serde(default)]
    pub parent: Option<String>,
    #[serde(default)]
    #[schema(schema_with = super::rules::description)]
    pub description: Option<String>,
    /// When moving onto a taken name.
    #[serde(default)]
    pub on_conflict: Option<OnConflict>,
}

/// Body of `POST …/items/{item}/copy`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CopyItem {
    /// Target folder id, or `"root"`.
    pub parent: String,
}

/// Query of `GET …/items/{item}/content`.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DownloadQuery {
    /// Answer 302 to a short-lived upstream URL instead of streaming, where the provider allows.
    #[serde(default)]
    pub redirect: bool,
}

/// The answer to an upload.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(examples(json!({"item": {
    "id": "AWlmBGZpbGUFMTAwMDE", "space_id": "AXNmCHBlcnNvbmFsBDIwMDE", "parent_id": "AWlmBmZvbGRlcgMzMDA",
    "name": "report.pdf", "kind": "file", "size": 48213,
    "created_at": "2026-05-04T08:12:00Z", "modified_at": "2026-05-06T17:40:31Z",
    "sha1": "2fd4e1c67a2d28fced849ee1bb76e7391b93eb12",
    "owner": {"type": "user", "id": "2001", "name": "Li Wei"}
}, "instant": false, "method": "single"})))]
pub struct UploadResult {
    pub item: Item,
    /// The upstream already had these bytes and created the file without receiving them
    /// (WeCom `hit_exist`).
    pub instant: bool,
    /// How the bytes went upstream: `single`, `chunked`, `presigned`, `base64`.
    pub method: String,
}

/// A file version.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Version {
    pub id: String,
    pub item_id: String,
    pub name: String,
    pub size: Option<u64>,
    pub sha1: Option<String>,
    pub modified_at: Option<DateTime<Utc>>,
    pub modified_by: Option<Principal>,
    pub current: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remark: Option<String>,
}

/// A comment on an item.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Comment {
    pub id: String,
    pub item_id: String,
    pub content: String,
    pub author: Option<Principal>,
    pub created_at: Option<DateTime<Utc>>,
}

/// Body of `POST …/comments`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewComment {
    #[schema(schema_with = super::rules::comment)]
    pub content: String,
}

/// What a search matches against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SearchField {
    All,
    Name,
    Content,
    Creator,
    Tag,
}

/// Sort orders of search results.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SearchSort {
    Relevance,
    NameAsc,
    NameDesc,
    SizeAsc,
    SizeDesc,
    ModifiedAsc,
    ModifiedDesc,
}

/// Validated search parameters.
#[derive(Debug, Clone, Default)]
pub struct SearchRequest {
    pub query: String,
    pub kind: KindFilter,
    /// Only items under this folder.
    pub parent: Option<String>,
    pub sort: Option<SearchSort>,
    pub field: Option<SearchField>,
    pub modified_after: Option<DateTime<Utc>>,
    pub modified_before: Option<DateTime<Utc>>,
    /// Exact rather than fuzzy matching.
    pub exact: bool,
    pub page: super::PageRequest,
}
