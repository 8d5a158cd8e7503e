//! Fangcloud Open API v2 wire types: the JSON the upstream answers with, as the gateway reads
//! it (only the fields it uses; ids and numbers also when the document's examples send them as
//! strings). A struct with `#[serde(default)]` on itself is an answer any of whose fields may be
//! missing.

use serde::{Deserialize, Deserializer};
use serde_json::Value;

/// Ids are int64; the document's own examples send some as strings.
fn num<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    match Value::deserialize(d)? {
        Value::Number(n) => n
            .as_i64()
            .ok_or_else(|| serde::de::Error::custom("id out of range")),
        Value::String(s) => s.trim().parse().map_err(serde::de::Error::custom),
        _ => Err(serde::de::Error::custom("expected a number")),
    }
}

fn opt_num<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    match Value::deserialize(d)? {
        Value::Null => Ok(None),
        Value::Number(n) => Ok(n.as_i64()),
        Value::String(s) if s.trim().is_empty() => Ok(None),
        Value::String(s) => s.trim().parse().map(Some).map_err(serde::de::Error::custom),
        _ => Err(serde::de::Error::custom("expected a number")),
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct MiniUser {
    #[serde(deserialize_with = "num")]
    pub id: i64,
    #[serde(default)]
    pub name: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct PathEntry {
    #[serde(deserialize_with = "num")]
    pub id: i64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct SpaceTag {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default, deserialize_with = "opt_num")]
    pub id: Option<i64>,
}

/// A file or folder (document: `info_v2`, `info`, listings, trash info).
#[derive(Debug, Clone, Deserialize)]
pub struct WireItem {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(deserialize_with = "num")]
    pub id: i64,
    pub name: String,
    #[serde(default, deserialize_with = "opt_num")]
    pub size: Option<i64>,
    #[serde(default, deserialize_with = "opt_num")]
    pub created_at: Option<i64>,
    #[serde(default, deserialize_with = "opt_num")]
    pub modified_at: Option<i64>,
    #[serde(default)]
    pub sha1: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub path: Vec<PathEntry>,
    #[serde(default)]
    pub parent: Option<PathEntry>,
    #[serde(default)]
    pub owned_by: Option<MiniUser>,
    #[serde(default)]
    pub modified_by: Option<MiniUser>,
    #[serde(default)]
    pub space: Option<SpaceTag>,
    #[serde(default, deserialize_with = "opt_num")]
    pub item_count: Option<i64>,
    #[serde(default, deserialize_with = "opt_num")]
    pub deleted_at: Option<i64>,
}

impl WireItem {
    pub fn is_folder(&self) -> bool {
        self.kind == "folder"
    }
}

/// `{files, folders, total_count, page_id, page_capacity, page_count}`.
#[derive(Debug, Deserialize)]
pub struct Listing {
    #[serde(default)]
    pub files: Vec<WireItem>,
    #[serde(default)]
    pub folders: Vec<WireItem>,
    #[serde(flatten)]
    pub paging: Paging,
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub struct Paging {
    #[serde(deserialize_with = "opt_num")]
    pub page_id: Option<i64>,
    #[serde(deserialize_with = "opt_num")]
    pub page_count: Option<i64>,
}

impl Paging {
    /// The next page's id, if the answer says there is one.
    pub fn next(&self, asked: i64) -> Option<i64> {
        let this = self.page_id.unwrap_or(asked);
        let count = self.page_count?;
        (this + 1 < count).then_some(this + 1)
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct WireVersion {
    #[serde(deserialize_with = "num")]
    pub id: i64,
    #[serde(default)]
    pub name: String,
    #[serde(default, deserialize_with = "opt_num")]
    pub size: Option<i64>,
    #[serde(default)]
    pub sha1: Option<String>,
    #[serde(default, deserialize_with = "opt_num")]
    pub modified_at: Option<i64>,
    #[serde(default)]
    pub modified_by: Option<MiniUser>,
    #[serde(default)]
    pub current: bool,
    #[serde(default)]
    pub remark: Option<String>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub struct VersionsAnswer {
    pub file_versions: Vec<WireVersion>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct WireComment {
    #[serde(deserialize_with = "num")]
    pub id: i64,
    #[serde(default)]
    pub content: String,
    #[serde(default, deserialize_with = "opt_num")]
    pub created_at: Option<i64>,
    #[serde(default)]
    pub user: Option<MiniUser>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub struct CommentsAnswer {
    pub comments: Vec<WireComment>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Accessible {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(deserialize_with = "num")]
    pub id: i64,
    #[serde(default)]
    pub name: Option<String>,
}

/// One entry of `folder/{id}/collabs` (the owner's entry has no `id`).
#[derive(Debug, Clone, Deserialize)]
pub struct WireCollab {
    #[serde(default, deserialize_with = "opt_num")]
    pub id: Option<i64>,
    pub accessible_by: Accessible,
    pub role: String,
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub struct CollabsAnswer {
    pub collabs: Vec<WireCollab>,
}

#[derive(Debug, Deserialize)]
pub struct PresignAnswer {
    pub presign_url: String,
}

#[derive(Debug, Deserialize)]
pub struct DownloadAnswer {
    pub download_url: String,
}

/// `user/info` (the token's user). `space_total`/`space_used` are in bytes; -1 is unlimited.
#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub struct UserInfo {
    pub name: String,
    #[serde(deserialize_with = "opt_num")]
    pub space_total: Option<i64>,
    #[serde(deserialize_with = "opt_num")]
    pub space_used: Option<i64>,
}

/// `department/{id}/info`, `admin/department/{id}/info`, `admin/user/{id}/info` (the fields
/// the gateway reads).
#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub struct Holder {
    pub name: String,
    #[serde(deserialize_with = "opt_num")]
    pub user_count: Option<i64>,
    #[serde(deserialize_with = "opt_num")]
    pub space_total: Option<i64>,
    #[serde(deserialize_with = "opt_num")]
    pub space_used: Option<i64>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct DepartmentBrief {
    #[serde(deserialize_with = "num")]
    pub id: i64,
    #[serde(default)]
    pub name: String,
    #[serde(default, deserialize_with = "opt_num")]
    pub user_count: Option<i64>,
    #[serde(default, deserialize_with = "opt_num")]
    pub parent_id: Option<i64>,
    /// The document's field; the Java SDK's department model has
    /// `children_departments_count` instead (upstream-docs/README.md: "Read either").
    #[serde(default)]
    pub has_children_departments: bool,
    #[serde(default, deserialize_with = "opt_num")]
    pub children_departments_count: Option<i64>,
}

impl DepartmentBrief {
    /// Whether the department has sub-departments, by either field.
    pub fn has_children(&self) -> bool {
        self.has_children_departments || self.children_departments_count.is_some_and(|c| c > 0)
    }
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub struct DepartmentChildren {
    pub children: Vec<DepartmentBrief>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ListedUser {
    #[serde(deserialize_with = "num")]
    pub id: i64,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub login: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct UsersPage {
    #[serde(default)]
    pub users: Vec<ListedUser>,
    #[serde(flatten)]
    pub paging: Paging,
}

#[derive(Debug, Clone, Deserialize)]
pub struct WireGroup {
    #[serde(deserialize_with = "num")]
    pub id: i64,
    #[serde(default)]
    pub name: String,
    #[serde(default, deserialize_with = "opt_num")]
    pub user_count: Option<i64>,
}

#[derive(Debug, Deserialize)]
pub struct GroupsPage {
    #[serde(default)]
    pub groups: Vec<WireGroup>,
    #[serde(flatten)]
    pub paging: Paging,
}

/// A share link as `share_link/create` and `file|folder/{id}/share_links` answer it.
#[derive(Debug, Deserialize)]
pub struct ShareLinkAnswer {
    #[serde(default)]
    pub unique_name: Option<String>,
    pub share_link: String,
    /// `public` or `company`.
    #[serde(default)]
    pub access: Option<String>,
    #[serde(default)]
    pub password_protected: Option<bool>,
    #[serde(default)]
    pub disable_download: Option<bool>,
    /// The last day the link works, `yyyy-MM-dd`.
    #[serde(default)]
    pub due_time: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct ShareLinksPage {
    #[serde(default)]
    pub share_links: Vec<ShareLinkAnswer>,
    #[serde(flatten)]
    pub paging: Paging,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paging_knows_when_there_is_a_next_page() {
        let p = Paging {
            page_id: Some(0),
            page_count: Some(2),
        };
        assert_eq!(p.next(0), Some(1));
        let p = Paging {
            page_id: Some(1),
            page_count: Some(2),
        };
        assert_eq!(p.next(1), None);
        assert_eq!(Paging::default().next(0), None);
    }
}
