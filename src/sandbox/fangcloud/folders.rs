//! Folder functions: listings, info, create (by id or path), update, move, copy.

use std::sync::{Arc, MutexGuard};

use axum::extract::{Path, State};
use serde_json::{Value, json};

use super::App;
use super::access::Perms;
use super::envelope::{ApiError, ApiResult, ok, success};
use super::oauth::Me;
use super::params::{Body, Q, path_id};
use super::render::{folders_then_files, page, paging};
use super::state::{Kind, Space, Store};
use super::tree::{check_name, split_path};

/// Sort keys of the document's listings.
pub struct Sort<'a> {
    pub by: &'a str,
    pub desc: bool,
}

impl<'a> Sort<'a> {
    /// `sort_by` (name|date|size, default date) and `sort_direction` (desc|asc, default desc).
    pub fn from(q: &'a Q, extra: &[&str]) -> Result<Self, ApiError> {
        let mut allowed = vec!["name", "date", "size"];
        allowed.extend_from_slice(extra);
        let by = q.choice("sort_by", &allowed, "date")?;
        let dir = q.choice("sort_direction", &["desc", "asc"], "desc")?;
        Ok(Self {
            by,
            desc: dir == "desc",
        })
    }
}

/// Sorts items (folders first, then files, each by the sort key; ties by name then id).
pub fn sort_items(store: &Store, kind: Kind, ids: &mut [i64], sort: &Sort) {
    let key = |id: &i64| -> (i64, String) {
        let Some(m) = store.meta(kind, *id) else {
            return (0, String::new());
        };
        let n = match sort.by {
            "date" => m.modified_at,
            "deleted" => m.trashed.map_or(0, |t| t.at),
            "size" => match kind {
                Kind::File => store.files.get(id).map_or(0, |f| store.file_size(f)),
                Kind::Folder => store.folder_size(*id),
            },
            _ => 0,
        };
        (n, m.name.clone())
    };
    ids.sort_by(|a, b| {
        let (ka, kb) = (key(a), key(b));
        let ord = ka.cmp(&kb).then(a.cmp(b));
        if sort.desc { ord.reverse() } else { ord }
    });
}

/// `{files, folders, total_count, page_id, page_capacity, page_count}` for one page of a
/// listing; folders come before files when both are asked for (`type=all`).
pub fn listing(
    store: &Store,
    mut folders: Vec<i64>,
    mut files: Vec<i64>,
    item_type: &str,
    sort: &Sort,
    page_id: usize,
    cap: usize,
) -> Value {
    if item_type == "file" {
        folders.clear();
    }
    if item_type == "folder" {
        files.clear();
    }
    sort_items(store, Kind::Folder, &mut folders, sort);
    sort_items(store, Kind::File, &mut files, sort);
    let all = folders_then_files(&folders, &files);
    let chosen = page(&all, page_id, cap);
    let mut v = json!({
        "files": chosen.iter().filter(|(k, _)| *k == Kind::File).map(|(_, id)| store.file_brief(*id)).collect::<Vec<_>>(),
        "folders": chosen.iter().filter(|(k, _)| *k == Kind::Folder).map(|(_, id)| store.folder_brief(*id)).collect::<Vec<_>>(),
    });
    paging(&mut v, all.len(), page_id, cap);
    v
}

/// The parameters the document lists for `personal_items` and `collab_folders`.
const LISTING_PARAMS: [&str; 5] = [
    "page_id",
    "page_capacity",
    "type",
    "sort_by",
    "sort_direction",
];

fn item_type(q: &Q) -> Result<&str, ApiError> {
    q.choice("type", &["file", "folder", "all"], "all")
}

/// `GET folder/{id}/children` (id 0 = personal root, or a department root with
/// `department_id`).
pub async fn children(app: State<Arc<App>>, me: Me, id: Path<String>, q: Q) -> ApiResult {
    let id = path_id("id", &id)?;
    q.only(&[
        "folder_id",
        "page_id",
        "page_capacity",
        "type",
        "department_id",
        "sort_by",
        "sort_direction",
    ])?;
    let (page_id, cap) = q.paging()?;
    let t = item_type(&q)?;
    let sort = Sort::from(&q, &[])?;
    let dept = q.i64("department_id")?;
    let store = app.store();
    let (space, folder) = store.target_folder(me.0, id, dept, |p| p.list)?;
    let (folders, files) = store.live_children(space, folder);
    Ok(ok(listing(&store, folders, files, t, &sort, page_id, cap)))
}

/// `GET folder/personal_items`: the caller's personal root.
pub async fn personal_items(app: State<Arc<App>>, me: Me, q: Q) -> ApiResult {
    q.only(&LISTING_PARAMS)?;
    let (page_id, cap) = q.paging()?;
    let t = item_type(&q)?;
    let sort = Sort::from(&q, &[])?;
    let store = app.store();
    let (folders, files) = store.live_children(Space::Personal(me.0), 0);
    Ok(ok(listing(&store, folders, files, t, &sort, page_id, cap)))
}

/// `GET folder/department_folders?department_id=`: a department space's root.
pub async fn department_folders(app: State<Arc<App>>, me: Me, q: Q) -> ApiResult {
    q.only(&[
        "department_id",
        "page_id",
        "page_capacity",
        "type",
        "sort_by",
        "sort_direction",
    ])?;
    let dept = q.i64_req("department_id")?;
    let (page_id, cap) = q.paging()?;
    let t = item_type(&q)?;
    let sort = Sort::from(&q, &[])?;
    let store = app.store();
    if !store.departments.contains_key(&dept) {
        return Err(ApiError::new("department_not_found"));
    }
    let space = Space::Department(dept);
    if !store.perms_on_folder(me.0, space, 0).list {
        return Err(ApiError::new("permission_denied"));
    }
    let (folders, files) = store.live_children(space, 0);
    Ok(ok(listing(&store, folders, files, t, &sort, page_id, cap)))
}

/// `GET folder/collab_folders`: live folders outside the caller's personal space that carry
/// a collaboration reaching the caller (directly, or through a group or department).
pub async fn collab_folders(app: State<Arc<App>>, me: Me, q: Q) -> ApiResult {
    q.only(&LISTING_PARAMS)?;
    let (page_id, cap) = q.paging()?;
    let sort = Sort::from(&q, &[])?;
    let store = app.store();
    let mut ids: Vec<i64> = store
        .collabs
        .values()
        .filter(|c| c.accepted && c.role != "reset")
        .map(|c| c.folder_id)
        .filter(|f| {
            store.folders.get(f).is_some_and(|folder| {
                folder.meta.space != Space::Personal(me.0)
                    && store.is_live(&folder.meta)
                    && store
                        .collabs
                        .values()
                        .any(|c| c.folder_id == *f && store.collab_reaches(me.0, c))
            })
        })
        .collect();
    ids.sort_unstable();
    ids.dedup();
    Ok(ok(listing(
        &store,
        ids,
        Vec::new(),
        "folder",
        &sort,
        page_id,
        cap,
    )))
}

/// `GET folder/{id}/info`.
pub async fn info(app: State<Arc<App>>, me: Me, Path(id): Path<String>) -> ApiResult {
    let id = path_id("id", &id)?;
    let store = app.store();
    if id == 0 {
        return Ok(ok(store.personal_root_json(me.0)));
    }
    store.require(me.0, Kind::Folder, id, |p| p.info)?;
    Ok(ok(store.folder_json(id, Some(me.0))))
}

/// `POST folder/create` `{name, parent_id, department_id?}`.
pub async fn create(app: State<Arc<App>>, me: Me, body: Body) -> ApiResult {
    let name = body.str("name")?.ok_or_else(|| ApiError::missing("name"))?;
    let parent = body.i64_req("parent_id")?;
    let dept = body.i64("department_id")?;
    check_name(&name)?;
    let mut store = app.store();
    let (space, parent) = store.target_folder(me.0, parent, dept, |p| p.upload)?;
    if store
        .name_taken(Kind::Folder, space, parent, &name, None)
        .is_some()
    {
        return Err(ApiError::new("folder_name_conflict"));
    }
    let id = store.create_folder(me.0, space, parent, &name);
    Ok(ok(store.folder_json(id, Some(me.0))))
}

/// `POST folder/create_by_path` `{target_folder_path, department_id?}`.
pub async fn create_by_path(app: State<Arc<App>>, me: Me, body: Body) -> ApiResult {
    let path = body.str_req("target_folder_path")?;
    let dept = body.i64("department_id")?;
    let segments = split_path(&path)?;
    let mut store = app.store();
    let (space, root) = store.target_folder(me.0, 0, dept, |p| p.info)?;
    let id = store.ensure_path(me.0, space, root, &segments)?;
    Ok(ok(store.folder_json(id, Some(me.0))))
}

/// `POST folder/{id}/update` `{name?, description?}`.
pub async fn update(app: State<Arc<App>>, me: Me, id: Path<String>, body: Body) -> ApiResult {
    update_item(&app, me.0, Kind::Folder, &id, &body)
}

/// `POST file|folder/{id}/update` `{name?, description?}` (an updated file also counts as
/// recently used).
pub fn update_item(app: &App, me: i64, kind: Kind, id: &str, body: &Body) -> ApiResult {
    let id = path_id("id", id)?;
    let name = body.str("name")?;
    let description = body.str("description")?;
    let mut store = app.store();
    store.require(me, kind, id, |p| p.edit)?;
    store.update_item(me, kind, id, name, description)?;
    if kind == Kind::File {
        store.touch_recent(me, id);
    }
    Ok(ok(store.item_json(kind, id, Some(me))))
}

/// The destination department of a move or copy: `department_id`, or the document's
/// `target_space: {type: department, id}` (file move example).
pub fn target_department(body: &Body) -> Result<Option<i64>, ApiError> {
    if let Some(d) = body.i64("department_id")? {
        return Ok(Some(d));
    }
    match body.value("target_space") {
        Some(Value::Object(s)) if s.get("type").and_then(Value::as_str) == Some("department") => {
            super::params::value_i64("target_space.id", s.get("id"))
        }
        Some(Value::Object(_)) | None => Ok(None),
        Some(_) => Err(ApiError::invalid("target_space", "必须是对象")),
    }
}

/// What a move or a copy starts from: the locked store, item `id` (checked with `need`) and
/// the body's target folder (`target_folder_id`, `department_id` | `target_space`), which
/// the caller must be allowed to upload to.
fn placement<'a>(
    app: &'a App,
    me: i64,
    kind: Kind,
    id: &str,
    body: &Body,
    need: impl Fn(&Perms) -> bool,
) -> Result<(MutexGuard<'a, Store>, i64, Space, i64), ApiError> {
    let id = path_id("id", id)?;
    let target = body.i64_req("target_folder_id")?;
    let dept = target_department(body)?;
    let store = app.store();
    store.require(me, kind, id, need)?;
    let (space, target) = store.target_folder(me, target, dept, |p| p.upload)?;
    Ok((store, id, space, target))
}

/// `POST file|folder/{id}/move` `{target_folder_id, department_id? | target_space?}`.
pub async fn move_item(app: &App, me: i64, kind: Kind, id: &str, body: &Body) -> ApiResult {
    let (mut store, id, space, target) = placement(app, me, kind, id, body, |p| p.edit)?;
    store.move_item(me, kind, id, space, target)?;
    Ok(success())
}

pub async fn move_folder(app: State<Arc<App>>, me: Me, id: Path<String>, body: Body) -> ApiResult {
    move_item(&app, me.0, Kind::Folder, &id, &body).await
}

/// `POST folder/{id}/copy` `{target_folder_id, department_id?}`.
pub async fn copy(app: State<Arc<App>>, me: Me, id: Path<String>, body: Body) -> ApiResult {
    copy_item(&app, me.0, Kind::Folder, &id, &body)
}

/// `POST file|folder/{id}/copy` `{target_folder_id, department_id? | target_space?}`: the
/// copy (a file copy is renamed `name (1).ext` when the target already has the name).
pub fn copy_item(app: &App, me: i64, kind: Kind, id: &str, body: &Body) -> ApiResult {
    let (mut store, id, space, target) = placement(app, me, kind, id, body, |p| p.download)?;
    let new = match kind {
        Kind::File => store.copy_file(me, id, space, target)?,
        Kind::Folder => store.copy_folder(me, id, space, target)?,
    };
    Ok(ok(store.item_json(kind, new, Some(me))))
}
