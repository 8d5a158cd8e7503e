//! File versions: list (newest first, as the PHP SDK's tests read `[0]` as current), info,
//! promote (make current), delete.

use std::sync::Arc;

use axum::extract::{Path, State};
use serde_json::json;

use super::App;
use super::access::Perms;
use super::envelope::{ApiError, ApiResult, ok, success};
use super::oauth::Me;
use super::params::path_id;
use super::state::{Kind, Store, now};

fn version_of(store: &Store, file: i64, version: i64) -> Result<(), ApiError> {
    let f = store
        .files
        .get(&file)
        .ok_or_else(|| ApiError::new("file_not_found"))?;
    if f.versions.contains(&version) {
        Ok(())
    } else {
        Err(ApiError::invalid("version_id", "文件版本不存在"))
    }
}

/// The file and version of a `file/{id}/version/{version_id}/…` path: both ids parse, the
/// caller has the right `want` on the file, and the version is one of the file's.
fn file_version(
    store: &Store,
    me: &Me,
    (id, vid): &(String, String),
    want: impl Fn(&Perms) -> bool,
) -> Result<(i64, i64), ApiError> {
    let id = path_id("id", id)?;
    let vid = path_id("version_id", vid)?;
    store.require(me.0, Kind::File, id, want)?;
    version_of(store, id, vid)?;
    Ok((id, vid))
}

/// `GET file/{id}/versions`.
pub async fn list(app: State<Arc<App>>, me: Me, Path(id): Path<String>) -> ApiResult {
    let id = path_id("id", &id)?;
    let store = app.store();
    store.require(me.0, Kind::File, id, |p| p.preview)?;
    let f = &store.files[&id];
    let versions: Vec<_> = f
        .versions
        .iter()
        .rev()
        .filter_map(|v| store.versions.get(v))
        .map(|v| store.version_json(v, v.id == f.current_version))
        .collect();
    Ok(ok(json!({ "success": true, "file_versions": versions })))
}

/// `GET file/{id}/version/{version_id}/info`.
pub async fn info(app: State<Arc<App>>, me: Me, ids: Path<(String, String)>) -> ApiResult {
    let store = app.store();
    let (id, vid) = file_version(&store, &me, &ids, |p| p.preview)?;
    let current = store.files[&id].current_version == vid;
    Ok(ok(store.version_json(&store.versions[&vid], current)))
}

/// `POST file/{id}/version/{version_id}/promote`: that version becomes the current one; the
/// answer is the file.
pub async fn promote(app: State<Arc<App>>, me: Me, ids: Path<(String, String)>) -> ApiResult {
    let mut store = app.store();
    let (id, vid) = file_version(&store, &me, &ids, |p| p.edit)?;
    if let Some(f) = store.files.get_mut(&id)
        && f.current_version != vid
    {
        f.current_version = vid;
        f.meta.modified_at = now();
        f.meta.modified_by = me.0;
        f.meta.sequence_id += 1;
    }
    store.touch_recent(me.0, id);
    Ok(ok(store.file_json(id, Some(me.0))))
}

/// `POST file/{id}/version/{version_id}/delete`: the current version cannot be deleted
/// (the document names no code for it: `request_data_invalid` on `version_id`).
pub async fn delete(app: State<Arc<App>>, me: Me, ids: Path<(String, String)>) -> ApiResult {
    let mut store = app.store();
    let (id, vid) = file_version(&store, &me, &ids, |p| p.edit)?;
    if store.files[&id].current_version == vid {
        return Err(ApiError::invalid("version_id", "不能删除当前版本"));
    }
    if let Some(f) = store.files.get_mut(&id) {
        f.versions.retain(|v| *v != vid);
    }
    if let Some(v) = store.versions.remove(&vid) {
        store.release_blob(v.blob);
    }
    Ok(success())
}
