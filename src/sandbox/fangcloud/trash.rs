//! Trash: delete to trash, trashed-item info, restore, delete for good, list, clear, restore all.
//!
//! Deleting a folder puts it in the trash with everything below it; only the deleted item
//! itself is listed and can be restored (its content comes back with it). Reading a trashed
//! item answers `file_deleted`/`folder_deleted` (as the official PHP SDK's tests expect);
//! trash functions on an item that is not itself in the trash answer
//! `file_in_trash_not_found`/`folder_in_trash_not_found`; an item deleted for good is
//! `*_not_found`. A user's trash holds what they deleted and what was deleted from their
//! personal space. Restoring into a folder that is itself gone answers `folder_parent_deleted`.

use std::sync::Arc;

use axum::extract::{Path, State};
use serde_json::json;

use super::App;
use super::envelope::{ApiError, ApiResult, ok, success};
use super::folders::{Sort, listing};
use super::oauth::Me;
use super::params::{Body, Q, path_id};
use super::state::{Kind, Meta, Space, Store, Trashed, now};
use super::tree::Life;

fn in_my_trash(store: &Store, me: i64, m: &Meta) -> bool {
    m.trashed
        .is_some_and(|t| t.by == me || m.space == Space::Personal(me))
        || (m.trashed.is_some() && store.perms_on_folder(me, m.space, m.parent_id).edit)
}

/// The item, which must be in the trash itself and belong to the caller's trash.
fn trashed(store: &Store, me: i64, kind: Kind, id: i64) -> Result<Meta, ApiError> {
    let meta = store
        .meta(kind, id)
        .ok_or_else(|| ApiError::new(kind.not_found()))?
        .clone();
    if store.life(&meta) != Life::Trashed {
        return Err(ApiError::new(kind.not_in_trash()));
    }
    if !in_my_trash(store, me, &meta) {
        return Err(ApiError::new("permission_denied"));
    }
    Ok(meta)
}

fn delete(app: &App, me: i64, kind: Kind, id: &str) -> ApiResult {
    let id = path_id("id", id)?;
    let mut store = app.store();
    let meta = store.require(me, kind, id, |p| p.edit)?;
    if let Some(m) = store.meta_mut(kind, id) {
        m.trashed = Some(Trashed { at: now(), by: me });
    }
    store.bump_parent(meta.space, meta.parent_id, me);
    Ok(success())
}

fn restore_one(store: &mut Store, me: i64, kind: Kind, id: i64) -> Result<(), ApiError> {
    let meta = trashed(store, me, kind, id)?;
    if meta.parent_id != 0 {
        match store.folders.get(&meta.parent_id) {
            Some(p) if store.is_live(&p.meta) => {}
            _ => return Err(ApiError::new("folder_parent_deleted")),
        }
    }
    if store
        .name_taken(kind, meta.space, meta.parent_id, &meta.name, Some(id))
        .is_some()
    {
        return Err(ApiError::new(kind.conflict()));
    }
    if let Some(m) = store.meta_mut(kind, id) {
        m.trashed = None;
    }
    Ok(())
}

fn restore(app: &App, me: i64, kind: Kind, id: &str) -> ApiResult {
    let id = path_id("id", id)?;
    restore_one(&mut app.store(), me, kind, id)?;
    Ok(success())
}

fn purge(store: &mut Store, kind: Kind, id: i64) {
    match kind {
        Kind::File => store.purge_file(id),
        Kind::Folder => store.purge_folder(id),
    }
}

fn delete_from_trash(app: &App, me: i64, kind: Kind, id: &str) -> ApiResult {
    let id = path_id("id", id)?;
    let mut store = app.store();
    trashed(&store, me, kind, id)?;
    purge(&mut store, kind, id);
    Ok(success())
}

fn trash_info(app: &App, me: i64, kind: Kind, id: &str) -> ApiResult {
    let id = path_id("id", id)?;
    let store = app.store();
    trashed(&store, me, kind, id)?;
    Ok(ok(store.trash_json(kind, id)))
}

macro_rules! per_kind {
    ($file:ident, $folder:ident, $inner:ident) => {
        pub async fn $file(app: State<Arc<App>>, me: Me, id: Path<String>) -> ApiResult {
            $inner(&app, me.0, Kind::File, &id)
        }
        pub async fn $folder(app: State<Arc<App>>, me: Me, id: Path<String>) -> ApiResult {
            $inner(&app, me.0, Kind::Folder, &id)
        }
    };
}

per_kind!(delete_file, delete_folder, delete);
per_kind!(restore_file, restore_folder, restore);
per_kind!(purge_file, purge_folder, delete_from_trash);
per_kind!(file_trash_info, folder_trash_info, trash_info);

/// The caller's trash: (folders, files) deleted by them or from their space.
fn my_trash(store: &Store, me: i64, item_type: &str) -> (Vec<i64>, Vec<i64>) {
    let pick = |kind: Kind| -> Vec<i64> {
        let ids: Vec<i64> = match kind {
            Kind::File => store.files.keys().copied().collect(),
            Kind::Folder => store.folders.keys().copied().collect(),
        };
        ids.into_iter()
            .filter(|id| {
                store
                    .meta(kind, *id)
                    .is_some_and(|m| store.life(m) == Life::Trashed && in_my_trash(store, me, m))
            })
            .collect()
    };
    (
        if item_type == "file" {
            vec![]
        } else {
            pick(Kind::Folder)
        },
        if item_type == "folder" {
            vec![]
        } else {
            pick(Kind::File)
        },
    )
}

/// `GET trash/list?page_id&page_capacity&type` (official PHP SDK): the trash, as a listing
/// whose items also carry `deleted_at`/`deleted_by`.
pub async fn list(app: State<Arc<App>>, me: Me, q: Q) -> ApiResult {
    q.only(&["page_id", "page_capacity", "type"])?;
    let (page_id, cap) = q.paging()?;
    let t = q.choice("type", &["file", "folder", "item", "all"], "all")?;
    let store = app.store();
    let (folders, files) = my_trash(&store, me.0, t);
    // Most recently deleted first.
    let sort = Sort {
        by: "deleted",
        desc: true,
    };
    let mut v = listing(&store, folders, files, "all", &sort, page_id, cap);
    for (key, kind) in [("files", Kind::File), ("folders", Kind::Folder)] {
        if let Some(items) = v[key].as_array_mut() {
            for item in items {
                let id = item["id"].as_i64().unwrap_or(0);
                if let Some(t) = store.meta(kind, id).and_then(|m| m.trashed) {
                    item["deleted_at"] = json!(t.at);
                    item["deleted_by"] = store.mini_user(t.by);
                }
            }
        }
    }
    Ok(ok(v))
}

fn trash_type(body: &Body) -> Result<String, ApiError> {
    let t = body.str("type")?.unwrap_or_else(|| "all".into());
    match t.as_str() {
        "file" | "folder" | "item" | "all" => Ok(t),
        _ => Err(ApiError::invalid("type", "只能是file,folder,item,all")),
    }
}

/// `POST trash/clear {type}` (official SDKs): deletes the caller's trash for good.
pub async fn clear(app: State<Arc<App>>, me: Me, body: Body) -> ApiResult {
    let t = trash_type(&body)?;
    let mut store = app.store();
    let (folders, files) = my_trash(&store, me.0, &t);
    for f in files {
        store.purge_file(f);
    }
    for f in folders {
        store.purge_folder(f);
    }
    Ok(success())
}

/// `POST trash/restore_all {type}` (official SDKs). Items that cannot come back (conflict,
/// parent gone) stay in the trash; an empty trash is a success (PHP SDK tests).
pub async fn restore_all(app: State<Arc<App>>, me: Me, body: Body) -> ApiResult {
    let t = trash_type(&body)?;
    let mut store = app.store();
    let (folders, files) = my_trash(&store, me.0, &t);
    for f in folders {
        let _ = restore_one(&mut store, me.0, Kind::Folder, f);
    }
    for f in files {
        let _ = restore_one(&mut store, me.0, Kind::File, f);
    }
    Ok(success())
}
