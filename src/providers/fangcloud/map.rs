//! Fangcloud wire values ⇄ the unified model: ids, spaces, items, names, sorting (roles and
//! members are in `roles.rs`).

use chrono::{DateTime, Utc};

use super::wire::{MiniUser, WireComment, WireItem, WireVersion};
use crate::error::{ApiError, ApiResult};
use crate::model::ids::{self, IdKind};
use crate::model::*;
use crate::providers::item_named;

const P: Provider = Provider::Fangcloud;

/// A Fangcloud space as the gateway names it. Fangcloud has no space objects: a user's
/// personal files (root folder 0), a department's files (root folder 0 with `department_id`),
/// and folders others share with the user (collaboration folders) are each one space here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpaceRef {
    /// The personal files of this user.
    Personal(i64),
    Department(i64),
    /// A collaboration folder: the space's root is the folder itself.
    Collab(i64),
}

impl SpaceRef {
    pub fn id(self) -> String {
        let (tag, n) = match self {
            Self::Personal(u) => ("personal", u),
            Self::Department(d) => ("department", d),
            Self::Collab(f) => ("collab", f),
        };
        tagged(IdKind::Space, tag, n)
    }

    pub fn parse(id: &str) -> ApiResult<Self> {
        let invalid = || ApiError::InvalidId(format!("'{id}' is not a valid space id"));
        let (tag, n) = untagged(IdKind::Space, id, invalid)?;
        match tag.as_str() {
            "personal" => Ok(Self::Personal(n)),
            "department" => Ok(Self::Department(n)),
            "collab" => Ok(Self::Collab(n)),
            _ => Err(invalid()),
        }
    }

    pub fn kind(self) -> SpaceKind {
        match self {
            Self::Personal(_) => SpaceKind::Personal,
            Self::Department(_) => SpaceKind::Department,
            Self::Collab(_) => SpaceKind::Collaboration,
        }
    }

    /// Where the space's root is for the upstream: (`folder id`, `department_id`).
    pub fn root(self) -> (i64, Option<i64>) {
        match self {
            Self::Personal(_) => (0, None),
            Self::Department(d) => (0, Some(d)),
            Self::Collab(f) => (f, None),
        }
    }

    /// The unified id of the space's root folder: the collaboration folder, or folder 0 (the
    /// upstream's personal and department roots: "parent_id传0时有效,不填则在个人空间根目录创建,填写则在部门空间根目录创建", folder/create), which
    /// [`folder_arg`] reads back as this space's root.
    pub fn root_id(self) -> String {
        ItemRef::Folder(self.root().0).id()
    }

    /// Whether an item the upstream described in full (`info_v2`, `info`, trash info) lies in
    /// this space. Items carry `space: {type: personal}` or `{type: department, id}` and
    /// `owned_by` (a personal item belongs to its space's user); a collaboration space holds
    /// its folder and whatever has that folder in its `path`. An answer without `space` is
    /// taken as it comes.
    pub fn holds(self, w: &WireItem) -> bool {
        if let Self::Collab(f) = self {
            return (w.is_folder() && w.id == f) || w.path.iter().any(|p| p.id == f);
        }
        let Some(space) = &w.space else {
            return true;
        };
        match self {
            Self::Personal(u) => {
                space.kind == "personal" && w.owned_by.as_ref().is_none_or(|o| o.id == u)
            }
            Self::Department(d) => space.kind == "department" && space.id == Some(d),
            Self::Collab(_) => false,
        }
    }
}

/// A file or a folder: the same number names two different objects (the upstream counts
/// files and folders separately), so ids always carry the type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemRef {
    File(i64),
    Folder(i64),
}

impl ItemRef {
    pub fn id(self) -> String {
        let (tag, n) = match self {
            Self::File(n) => ("file", n),
            Self::Folder(n) => ("folder", n),
        };
        tagged(IdKind::Item, tag, n)
    }

    pub fn parse(id: &str) -> ApiResult<Self> {
        let invalid = || ApiError::InvalidId(format!("'{id}' is not a valid item id"));
        let (tag, n) = untagged(IdKind::Item, id, invalid)?;
        // Folder 0 is a space's root (`root_id`), usable as `parent` only (see `Self::item`).
        if n < 0 || (n == 0 && tag != "folder") {
            return Err(invalid());
        }
        match tag.as_str() {
            "file" => Ok(Self::File(n)),
            "folder" => Ok(Self::Folder(n)),
            _ => Err(invalid()),
        }
    }

    /// An id naming an item of its own: not the personal or department root (folder 0).
    pub fn item(id: &str) -> ApiResult<Self> {
        match Self::parse(id)? {
            Self::Folder(0) => Err(ApiError::InvalidId(format!(
                "'{id}' is the root of a space (its root_id): use it as parent, not as an item"
            ))),
            it => Ok(it),
        }
    }

    pub fn number(self) -> i64 {
        match self {
            Self::File(n) | Self::Folder(n) => n,
        }
    }

    /// `file` or `folder`: the upstream's path prefix for this item.
    pub fn kind(self) -> &'static str {
        match self {
            Self::File(_) => "file",
            Self::Folder(_) => "folder",
        }
    }
}

/// A folder argument (`parent`): a folder id, or `"root"`/absent for the space's root.
pub fn folder_arg(
    space: SpaceRef,
    parent: Option<&str>,
    field: &str,
) -> ApiResult<(i64, Option<i64>)> {
    match parent {
        None | Some("root") => Ok(space.root()),
        Some(p) => match ItemRef::parse(p)? {
            // Folder 0 is the root of the personal or department space it is used in.
            ItemRef::Folder(0) if !matches!(space, SpaceRef::Collab(_)) => Ok(space.root()),
            ItemRef::Folder(f) => Ok((f, None)),
            ItemRef::File(_) => Err(ApiError::BadRequest {
                code: "not_a_folder",
                detail: format!("{field} must be a folder, not a file"),
                field: Some(field.to_owned()),
            }),
        },
    }
}

/// A space or item id: the kind of object (`tag`) and its upstream number.
fn tagged(kind: IdKind, tag: &str, n: i64) -> String {
    ids::encode(kind, P, &[tag, &n.to_string()])
}

/// The tag and number of a [`tagged`] id; a number that is not one is `invalid`.
fn untagged(kind: IdKind, id: &str, invalid: impl Fn() -> ApiError) -> ApiResult<(String, i64)> {
    let [tag, n] = ids::decode_n::<2>(kind, P, id)?;
    let n = n.parse().map_err(|_| invalid())?;
    Ok((tag, n))
}

pub fn version_id(file: i64, version: i64) -> String {
    of_file(IdKind::Version, file, version)
}

/// A version id of `file`; one of another file is an `invalid_id`.
pub fn parse_version(id: &str, file: i64) -> ApiResult<i64> {
    parse_of_file(IdKind::Version, "version", id, file)
}

pub fn comment_id(file: i64, comment: i64) -> String {
    of_file(IdKind::Comment, file, comment)
}

pub fn parse_comment(id: &str, file: i64) -> ApiResult<i64> {
    parse_of_file(IdKind::Comment, "comment", id, file)
}

/// The id of something that belongs to one file (a version, a comment): the file's number and
/// its own.
fn of_file(kind: IdKind, file: i64, n: i64) -> String {
    ids::encode(kind, P, &[&file.to_string(), &n.to_string()])
}

/// The number in an [`of_file`] id of `file` (`what` names the kind for the problem); one of
/// another file is an `invalid_id`.
fn parse_of_file(kind: IdKind, what: &str, id: &str, file: i64) -> ApiResult<i64> {
    let invalid = || ApiError::InvalidId(format!("'{id}' is not a {what} of this item"));
    let [f, n] = ids::decode_n::<2>(kind, P, id)?;
    if f.parse::<i64>().ok() != Some(file) {
        return Err(invalid());
    }
    n.parse().map_err(|_| invalid())
}

/// Share links are named by their `unique_name` (`share_link/{unique_name}/info|revoke`,
/// upstream-docs/README.md); the id binds it to the item it shares.
pub fn share_link_id(it: ItemRef, unique_name: &str) -> String {
    ids::encode(
        IdKind::ShareLink,
        P,
        &[it.kind(), &it.number().to_string(), unique_name],
    )
}

/// The `unique_name` of a share link id of `it`. Ids are not signed, so the name goes into an
/// upstream path only if it is 1-64 letters and digits (the upstream's names are), never as
/// the caller wrote it otherwise; a link of another item is an `invalid_id`.
pub fn parse_share_link(id: &str, it: ItemRef) -> ApiResult<String> {
    let invalid = || ApiError::InvalidId(format!("'{id}' is not a share link of this item"));
    let [kind, n, name] = ids::decode_n::<3>(IdKind::ShareLink, P, id)?;
    if kind != it.kind() || n.parse::<i64>().ok() != Some(it.number()) {
        return Err(invalid());
    }
    if name.is_empty() || name.len() > 64 || !name.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(invalid());
    }
    Ok(name)
}

pub fn time(secs: Option<i64>) -> Option<DateTime<Utc>> {
    secs.filter(|s| *s > 0)
        .and_then(|s| DateTime::from_timestamp(s, 0))
}

pub fn user(u: &MiniUser) -> Principal {
    Principal {
        kind: PrincipalKind::User,
        id: u.id.to_string(),
        name: Some(u.name.clone()).filter(|n| !n.is_empty()),
    }
}

/// An item as listed in `space`. Items directly under the space's root have no parent; so
/// has a collaboration space's own folder.
pub fn item(w: &WireItem, space: SpaceRef) -> Item {
    let folder = w.is_folder();
    let me = if folder {
        ItemRef::Folder(w.id)
    } else {
        ItemRef::File(w.id)
    };
    let parent = w
        .parent
        .as_ref()
        .map(|p| p.id)
        .or_else(|| w.path.last().map(|p| p.id))
        .unwrap_or(0);
    // A collaboration space's own folder is its root; inside it, that folder is a parent.
    let is_space_root = folder && space == SpaceRef::Collab(w.id);
    let parent_id = (!is_space_root && parent != 0).then(|| ItemRef::Folder(parent).id());
    let kind = if folder {
        ItemKind::Folder
    } else {
        ItemKind::File
    };
    Item {
        parent_id,
        size: if folder {
            None
        } else {
            w.size.map(|s| s.max(0) as u64)
        },
        created_at: time(w.created_at),
        modified_at: time(w.modified_at),
        sha1: w.sha1.clone().filter(|s| !s.is_empty() && !folder),
        description: w.description.clone().filter(|d| !d.is_empty()),
        owner: w.owned_by.as_ref().map(user),
        modified_by: w.modified_by.as_ref().map(user),
        child_count: if folder {
            w.item_count.map(|c| c.max(0) as u64)
        } else {
            None
        },
        deleted_at: time(w.deleted_at),
        ..item_named(me.id(), space.id(), w.name.clone(), kind)
    }
    .derived()
}

pub fn version(v: &WireVersion, file: i64) -> Version {
    Version {
        id: version_id(file, v.id),
        item_id: ItemRef::File(file).id(),
        name: v.name.clone(),
        size: v.size.map(|s| s.max(0) as u64),
        sha1: v.sha1.clone().filter(|s| !s.is_empty()),
        modified_at: time(v.modified_at),
        modified_by: v.modified_by.as_ref().map(user),
        current: v.current,
        remark: v.remark.clone().filter(|r| !r.is_empty()),
    }
}

pub fn comment(c: &WireComment, file: i64) -> Comment {
    Comment {
        id: comment_id(file, c.id),
        item_id: ItemRef::File(file).id(),
        content: c.content.clone(),
        author: c.user.as_ref().map(user),
        created_at: time(c.created_at),
    }
}

// ---------------------------------------------------------------- names

/// Document: names are 1 to 222 characters and contain none of `/ ? : * " > < \`.
pub const MAX_NAME_CHARS: usize = 222;
/// Document, `name`: none of `/ ? : * " > < \`; `|` too, which folder paths forbid (a folder
/// named with it could not be reached by path).
const FORBIDDEN: &[char] = &['/', '?', ':', '*', '"', '>', '<', '\\', '|'];
/// Document, `target_folder_path`: each folder none of `/ ? : * " > < |` and not ending in
/// `.`; `\` is refused too (it is forbidden in names).
const FORBIDDEN_IN_PATHS: &[char] = &['?', ':', '*', '"', '>', '<', '|', '\\'];

/// Checked before any upstream call.
pub fn check_name(field: &str, name: &str) -> ApiResult<()> {
    let n = name.chars().count();
    if n == 0 || n > MAX_NAME_CHARS {
        return Err(ApiError::BadRequest {
            code: if n == 0 {
                "invalid_name"
            } else {
                "name_too_long"
            },
            detail: format!(
                "Fangcloud names are 1 to {MAX_NAME_CHARS} characters; this one has {n}"
            ),
            field: Some(field.to_owned()),
        });
    }
    if let Some(c) = name.chars().find(|c| FORBIDDEN.contains(c)) {
        return Err(ApiError::BadRequest {
            code: "invalid_name",
            detail: format!(
                "Fangcloud names cannot contain '{c}' (nor any of / ? : * \" > < \\ |)"
            ),
            field: Some(field.to_owned()),
        });
    }
    Ok(())
}

/// A folder path (`/a/b/c`) for the `*_by_path` functions: its folders, each checked with the
/// document's path rules.
pub fn check_path(field: &str, path: &str) -> ApiResult<Vec<String>> {
    let bad = |detail: String| ApiError::BadRequest {
        code: "invalid_path",
        detail,
        field: Some(field.to_owned()),
    };
    let trimmed = path.trim_matches('/');
    if trimmed.is_empty() {
        return Err(bad("the path names no folder".into()));
    }
    let mut out = Vec::new();
    for seg in trimmed.split('/') {
        let n = seg.chars().count();
        if n == 0 || n > MAX_NAME_CHARS {
            return Err(bad(format!(
                "each folder of a path is 1 to {MAX_NAME_CHARS} characters"
            )));
        }
        if let Some(c) = seg.chars().find(|c| FORBIDDEN_IN_PATHS.contains(c)) {
            return Err(bad(format!(
                "folders of a path cannot contain '{c}' (nor any of ? : * \" > < | \\)"
            )));
        }
        if seg.ends_with('.') {
            return Err(bad(format!(
                "a folder of a path cannot end with '.' ('{seg}')"
            )));
        }
        if seg.chars().any(char::is_control) {
            return Err(bad("a path cannot contain control characters".into()));
        }
        out.push(seg.to_owned());
    }
    Ok(out)
}

// ---------------------------------------------------------------- sorting

/// `sort_by` (name|date|size) and `sort_direction` (asc|desc) of the listings.
pub fn sort(order: Option<SortOrder>) -> (&'static str, &'static str) {
    match order.unwrap_or_default() {
        SortOrder::NameAsc => ("name", "asc"),
        SortOrder::NameDesc => ("name", "desc"),
        SortOrder::SizeAsc => ("size", "asc"),
        SortOrder::SizeDesc => ("size", "desc"),
        SortOrder::ModifiedAsc => ("date", "asc"),
        SortOrder::ModifiedDesc => ("date", "desc"),
    }
}

pub fn search_sort(order: Option<SearchSort>) -> (&'static str, &'static str) {
    match order.unwrap_or(SearchSort::Relevance) {
        SearchSort::Relevance => ("score", "desc"),
        SearchSort::NameAsc => ("name", "asc"),
        SearchSort::NameDesc => ("name", "desc"),
        SearchSort::SizeAsc => ("size", "asc"),
        SearchSort::SizeDesc => ("size", "desc"),
        SearchSort::ModifiedAsc => ("date", "asc"),
        SearchSort::ModifiedDesc => ("date", "desc"),
    }
}

pub fn kind_filter(k: KindFilter) -> &'static str {
    match k {
        KindFilter::All => "all",
        KindFilter::File => "file",
        KindFilter::Folder => "folder",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn share_link_ids_name_one_items_link_and_only_names_of_letters_and_digits() {
        let f = ItemRef::File(7);
        let id = share_link_id(f, "b2f2dd5e8dbd7b3b1b8c");
        assert_eq!(parse_share_link(&id, f).unwrap(), "b2f2dd5e8dbd7b3b1b8c");
        for other in [ItemRef::File(8), ItemRef::Folder(7)] {
            assert_eq!(
                parse_share_link(&id, other).unwrap_err().code(),
                "invalid_id"
            );
        }
        for name in ["", "a/b", "../x", "a?b=1", &"a".repeat(65)] {
            let id = share_link_id(f, name);
            assert_eq!(
                parse_share_link(&id, f).unwrap_err().code(),
                "invalid_id",
                "{name}"
            );
        }
        assert!(parse_share_link(&f.id(), f).is_err());
    }

    #[test]
    fn a_file_and_a_folder_with_the_same_number_have_different_ids() {
        let f = ItemRef::File(501_000_000_001);
        let d = ItemRef::Folder(501_000_000_001);
        assert_ne!(f.id(), d.id());
        assert_eq!(ItemRef::parse(&f.id()).unwrap(), f);
        assert_eq!(ItemRef::parse(&d.id()).unwrap(), d);
        let s = SpaceRef::Department(65820);
        assert_eq!(SpaceRef::parse(&s.id()).unwrap(), s);
        assert_eq!(ItemRef::parse(&s.id()).unwrap_err().code(), "invalid_id");
        let bad = ids::encode(IdKind::Item, P, &["file", "-3"]);
        assert_eq!(ItemRef::parse(&bad).unwrap_err().code(), "invalid_id");
    }

    #[test]
    fn names_and_paths_follow_the_document() {
        assert!(check_name("name", &"名".repeat(222)).is_ok());
        assert_eq!(
            check_name("name", &"a".repeat(223)).unwrap_err().code(),
            "name_too_long"
        );
        for c in ["/", "?", ":", "*", "\"", ">", "<", "\\", "|"] {
            assert_eq!(
                check_name("name", &format!("a{c}b")).unwrap_err().code(),
                "invalid_name"
            );
        }
        assert!(check_name("name", "ab.").is_ok());
        assert_eq!(
            check_path("p", "/会议/9.25/研发/").unwrap(),
            ["会议", "9.25", "研发"]
        );
        assert_eq!(check_path("p", "a/b.").unwrap_err().code(), "invalid_path");
        assert_eq!(check_path("p", "a|b").unwrap_err().code(), "invalid_path");
        assert_eq!(check_path("p", "a//b").unwrap_err().code(), "invalid_path");
        assert_eq!(check_path("p", "/").unwrap_err().code(), "invalid_path");
    }
}
