//! File versions: list (newest first, as the PHP SDK's tests read `[0]` as current), info,
//! promote (make current), delete.

use std::sync::Arc;

use axum::extract::{Path, State};
use serde_json::json;

use super::App;
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
pub async fn info(
    app: State<Arc<App>>,
    me: Me,
    Path((id, vid)): Path<(String, String)>,
) -> ApiResult {
    let id = path_id("id", &id)?;
    let vid = path_id("version_id", &vid)?;
    let store = app.store();
    store.require(me.0, Kind::File, id, |p| p.preview)?;
    version_of(&store, id, vid)?;
    let current = store.files[&id].current_version == vid;
    Ok(ok(store.version_json(&store.versions[&vid], current)))
}

/// `POST file/{id}/version/{version_id}/promote`: that version becomes the current one; the
/// answer is the file.
pub async fn promote(
    app: State<Arc<App>>,
    me: Me,
    Path((id, vid)): Path<(String, String)>,
) -> ApiResult {
    let id = path_id("id", &id)?;
    let vid = path_id("version_id", &vid)?;
    let mut store = app.store();
    store.require(me.0, Kind::File, id, |p| p.edit)?;
    version_of(&store, id, vid)?;
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
pub async fn delete(
    app: State<Arc<App>>,
    me: Me,
    Path((id, vid)): Path<(String, String)>,
) -> ApiResult {
    let id = path_id("id", &id)?;
    let vid = path_id("version_id", &vid)?;
    let mut store = app.store();
    store.require(me.0, Kind::File, id, |p| p.edit)?;
    version_of(&store, id, vid)?;
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
