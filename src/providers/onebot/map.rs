//! OneBot wire values ⇄ the unified model: ids, items, names, local sorting.

use std::cmp::Ordering;

use chrono::{DateTime, Utc};

use super::client::{WireFile, WireFolder};
use crate::error::{ApiError, ApiResult};
use crate::model::ids::{self, IdKind};
use crate::model::*;
use crate::providers::item_named;

const P: Provider = Provider::Onebot;

/// The id QQ gives a group's root folder.
pub const ROOT: &str = "/";

/// What a space id names: a QQ group (its group files) or a friend (private files, upload
/// only).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpaceRef {
    Group(i64),
    User(i64),
}

/// What an item id names. Files carry everything the actions need (group, file id, busid)
/// plus the folder holding them, so a file can be found again with one listing; QQ files
/// can neither move nor be renamed, so the folder never goes stale while the file exists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ItemRef {
    File {
        group: i64,
        folder: String,
        file_id: String,
        busid: i64,
    },
    Folder {
        group: i64,
        folder_id: String,
    },
    /// A file sent to a friend: nothing can address it afterwards.
    Private {
        user: i64,
        file_id: String,
    },
}

fn qq(v: &str) -> Option<i64> {
    v.parse::<i64>().ok().filter(|n| *n > 0)
}

fn invalid(kind: &str, id: &str) -> ApiError {
    ApiError::InvalidId(format!(
        "'{}' is not a valid {kind} id for this connection",
        id.chars().take(64).collect::<String>()
    ))
}

pub fn space_id(s: SpaceRef) -> String {
    match s {
        SpaceRef::Group(g) => ids::encode(IdKind::Space, P, &["g", &g.to_string()]),
        SpaceRef::User(u) => ids::encode(IdKind::Space, P, &["u", &u.to_string()]),
    }
}

pub fn parse_space(id: &str) -> ApiResult<SpaceRef> {
    let [kind, n] = ids::decode_n::<2>(IdKind::Space, P, id)?;
    match (kind.as_str(), qq(&n)) {
        ("g", Some(g)) => Ok(SpaceRef::Group(g)),
        ("u", Some(u)) => Ok(SpaceRef::User(u)),
        _ => Err(invalid("space", id)),
    }
}

pub fn item_id(i: &ItemRef) -> String {
    match i {
        ItemRef::File {
            group,
            folder,
            file_id,
            busid,
        } => ids::encode(
            IdKind::Item,
            P,
            &["f", &group.to_string(), folder, file_id, &busid.to_string()],
        ),
        ItemRef::Folder { group, folder_id } => {
            ids::encode(IdKind::Item, P, &["d", &group.to_string(), folder_id])
        }
        ItemRef::Private { user, file_id } => {
            ids::encode(IdKind::Item, P, &["p", &user.to_string(), file_id])
        }
    }
}

pub fn parse_item(id: &str) -> ApiResult<ItemRef> {
    let fields = ids::decode(IdKind::Item, P, id)?;
    let f: Vec<&str> = fields.iter().map(String::as_str).collect();
    let parsed = match f.as_slice() {
        ["f", group, folder, file_id, busid] if !file_id.is_empty() && !folder.is_empty() => {
            qq(group)
                .zip(busid.parse::<i64>().ok())
                .map(|(group, busid)| ItemRef::File {
                    group,
                    folder: (*folder).to_owned(),
                    file_id: (*file_id).to_owned(),
                    busid,
                })
        }
        ["d", group, folder_id] if !folder_id.is_empty() && *folder_id != ROOT => {
            qq(group).map(|group| ItemRef::Folder {
                group,
                folder_id: (*folder_id).to_owned(),
            })
        }
        ["p", user, file_id] => qq(user).map(|user| ItemRef::Private {
            user,
            file_id: (*file_id).to_owned(),
        }),
        _ => None,
    };
    parsed.ok_or_else(|| invalid("item", id))
}

/// An item of another group than the space's is not in this space.
pub fn not_in_space() -> ApiError {
    ApiError::not_found("item_not_found", "no such item in this space")
}

/// The folder a unified `parent` names in `group`: the root for absent or `"root"`.
pub fn parent_folder(group: i64, parent: Option<&str>) -> ApiResult<String> {
    match parent {
        None | Some("root") => Ok(ROOT.to_owned()),
        Some(p) => match parse_item(p)? {
            ItemRef::Folder {
                group: g,
                folder_id,
            } if g == group => Ok(folder_id),
            ItemRef::Folder { .. } => Err(ApiError::not_found(
                "parent_not_found",
                "the parent folder is not in this space",
            )),
            ItemRef::File { .. } | ItemRef::Private { .. } => Err(ApiError::BadRequest {
                code: "not_a_folder",
                detail: "the parent must be a folder".into(),
                field: Some("parent".into()),
            }),
        },
    }
}

pub fn time(secs: i64) -> Option<DateTime<Utc>> {
    (secs > 0)
        .then(|| DateTime::from_timestamp(secs, 0))
        .flatten()
}

fn person(id: i64, name: &str) -> Option<Principal> {
    (id > 0).then(|| Principal {
        kind: PrincipalKind::User,
        id: id.to_string(),
        name: Some(name.to_owned()).filter(|n| !n.is_empty()),
    })
}

pub fn file_item(space: &str, group: i64, folder: &str, f: WireFile) -> Item {
    let id = item_id(&ItemRef::File {
        group,
        folder: folder.to_owned(),
        file_id: f.file_id,
        busid: f.busid,
    });
    Item {
        parent_id: folder_parent(group, folder),
        size: u64::try_from(f.file_size).ok(),
        created_at: time(f.upload_time),
        modified_at: time(f.modify_time).or_else(|| time(f.upload_time)),
        sha1: Some(f.sha).filter(|s| !s.is_empty()),
        md5: Some(f.md5).filter(|s| !s.is_empty()),
        owner: person(f.uploader, &f.uploader_name),
        ..item_named(id, space.to_owned(), f.file_name, ItemKind::File)
    }
    .derived()
}

pub fn folder_item(space: &str, group: i64, f: WireFolder) -> Item {
    let id = item_id(&ItemRef::Folder {
        group,
        folder_id: f.folder_id,
    });
    // Folders exist only in the root (document: "仅能在根目录创建文件夹"): no parent.
    Item {
        created_at: time(f.create_time),
        modified_at: time(f.modify_time).or_else(|| time(f.create_time)),
        owner: person(f.creator, &f.creator_name),
        child_count: u64::try_from(f.total_file_count).ok(),
        ..item_named(id, space.to_owned(), f.folder_name, ItemKind::Folder)
    }
    .derived()
}

fn folder_parent(group: i64, folder: &str) -> Option<String> {
    (folder != ROOT).then(|| {
        item_id(&ItemRef::Folder {
            group,
            folder_id: folder.to_owned(),
        })
    })
}

/// Longest name, in UTF-8 bytes. The document is silent; QQ refuses longer names and 255
/// bytes is the limit of the file systems its clients run on (the simulator enforces it too).
pub const MAX_NAME_BYTES: usize = 255;
const FORBIDDEN: &str = "\\/:*?\"<>|";
pub const NAME_RULES: &str =
    "at most 255 UTF-8 bytes; none of \\ / : * ? \" < > | or control characters; not . or ..";

/// Checked before any upstream call.
pub fn check_name(field: &str, name: &str) -> ApiResult<()> {
    let bad = |code: &'static str, detail: String| ApiError::BadRequest {
        code,
        detail,
        field: Some(field.to_owned()),
    };
    if name.trim().is_empty() {
        return Err(bad("invalid_name", "the name must not be empty".into()));
    }
    if name.len() > MAX_NAME_BYTES {
        return Err(bad(
            "name_too_long",
            format!(
                "QQ file and folder names are at most {MAX_NAME_BYTES} bytes of UTF-8; this one is {}",
                name.len()
            ),
        ));
    }
    if let Some(c) = name
        .chars()
        .find(|c| FORBIDDEN.contains(*c) || c.is_control())
    {
        return Err(bad(
            "invalid_name",
            format!(
                "QQ names cannot contain {c:?} (nor any of \\ / : * ? \" < > | or control characters)"
            ),
        ));
    }
    if name == "." || name == ".." {
        return Err(bad("invalid_name", "'.' and '..' are not names".into()));
    }
    Ok(())
}

/// Sorts a listing locally (OneBot listings are unsorted and unpaged): folders first, then
/// files, each by the requested key, ties broken by name and id so pages are stable.
pub fn sort_items(items: &mut [Item], sort: SortOrder) {
    fn by_name(a: &Item, b: &Item) -> Ordering {
        a.name
            .to_lowercase()
            .cmp(&b.name.to_lowercase())
            .then_with(|| a.name.cmp(&b.name))
            .then_with(|| a.id.cmp(&b.id))
    }
    let modified = |i: &Item| i.modified_at.or(i.created_at);
    items.sort_by(|a, b| {
        let folders_first = (a.kind != ItemKind::Folder).cmp(&(b.kind != ItemKind::Folder));
        let key = match sort {
            SortOrder::NameAsc => by_name(a, b),
            SortOrder::NameDesc => by_name(b, a),
            SortOrder::SizeAsc => a.size.cmp(&b.size).then_with(|| by_name(a, b)),
            SortOrder::SizeDesc => b.size.cmp(&a.size).then_with(|| by_name(a, b)),
            SortOrder::ModifiedAsc => modified(a).cmp(&modified(b)).then_with(|| by_name(a, b)),
            SortOrder::ModifiedDesc => modified(b).cmp(&modified(a)).then_with(|| by_name(a, b)),
        };
        folders_first.then(key)
    });
}

/// `stem (n).ext` for the n-th alternative to a taken name (on_conflict=rename), kept within
/// the byte limit by shortening the stem.
pub fn numbered_name(name: &str, n: u32) -> String {
    crate::names::numbered(name, n, |c| c.len() <= MAX_NAME_BYTES)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_kinds_do_not_mix() {
        let f = ItemRef::File {
            group: 1,
            folder: "/x".into(),
            file_id: "/f".into(),
            busid: 102,
        };
        assert_eq!(parse_item(&item_id(&f)).unwrap(), f);
        let d = ItemRef::Folder {
            group: 1,
            folder_id: "/x".into(),
        };
        assert_eq!(parse_item(&item_id(&d)).unwrap(), d);
        assert_eq!(
            parse_space(&space_id(SpaceRef::User(5))).unwrap(),
            SpaceRef::User(5)
        );
        assert!(parse_item(&space_id(SpaceRef::Group(1))).is_err());
        let bad = ids::encode(IdKind::Space, P, &["g", "abc"]);
        assert_eq!(parse_space(&bad).unwrap_err().code(), "invalid_id");
        let root = ids::encode(IdKind::Item, P, &["d", "1", "/"]);
        assert_eq!(parse_item(&root).unwrap_err().code(), "invalid_id");
    }

    #[test]
    fn parents_are_the_root_or_a_folder_of_the_same_group() {
        assert_eq!(parent_folder(1, None).unwrap(), "/");
        assert_eq!(parent_folder(1, Some("root")).unwrap(), "/");
        let d = item_id(&ItemRef::Folder {
            group: 1,
            folder_id: "/x".into(),
        });
        assert_eq!(parent_folder(1, Some(&d)).unwrap(), "/x");
        assert_eq!(
            parent_folder(2, Some(&d)).unwrap_err().code(),
            "parent_not_found"
        );
        let f = item_id(&ItemRef::File {
            group: 1,
            folder: "/".into(),
            file_id: "/f".into(),
            busid: 102,
        });
        assert_eq!(
            parent_folder(1, Some(&f)).unwrap_err().code(),
            "not_a_folder"
        );
    }

    #[test]
    fn names_follow_qq_rules() {
        assert!(check_name("name", &"a".repeat(255)).is_ok());
        assert!(check_name("name", &"报".repeat(85)).is_ok());
        let refused = |name: &str| check_name("name", name).unwrap_err().code();
        assert_eq!(refused(&"报".repeat(86)), "name_too_long");
        assert_eq!(refused("a:b"), "invalid_name");
        assert_eq!(refused(".."), "invalid_name");
        assert_eq!(numbered_name("a.txt", 2), "a (2).txt");
        assert_eq!(numbered_name(".env", 1), ".env (1)");
        assert_eq!(numbered_name("noext", 1), "noext (1)");
        assert!(numbered_name(&format!("{}.txt", "a".repeat(251)), 10).len() <= 255);
    }
}
