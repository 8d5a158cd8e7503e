//! File functions: info, update, move, copy, blank files, recent and frequently used items.

use std::sync::Arc;

use axum::extract::{Path, State};
use serde_json::json;

use super::App;
use super::envelope::{ApiError, ApiResult, ok, success};
use super::folders::{copy_item, move_item, update_item};
use super::oauth::Me;
use super::ops::Content;
use super::params::{Body, Q, path_id};
use super::state::{Kind, Space};
use super::tree::{check_name, split_path};

/// `GET file/{id}/info_v2` (and `file/{id}/info`, the SDKs' v1 path).
pub async fn info(app: State<Arc<App>>, me: Me, Path(id): Path<String>) -> ApiResult {
    let id = path_id("id", &id)?;
    let store = app.store();
    store.require(me.0, Kind::File, id, |p| p.info)?;
    Ok(ok(store.file_json(id, Some(me.0))))
}

/// `POST file/{id}/update` `{name?, description?}`.
pub async fn update(app: State<Arc<App>>, me: Me, id: Path<String>, body: Body) -> ApiResult {
    update_item(&app, me.0, Kind::File, &id, &body)
}

pub async fn move_file(app: State<Arc<App>>, me: Me, id: Path<String>, body: Body) -> ApiResult {
    move_item(&app, me.0, Kind::File, &id, &body).await
}

/// `POST file/{id}/copy` `{target_folder_id, department_id? | target_space?}`: the copy,
/// renamed `name (1).ext` when the target already has the name (document example).
pub async fn copy(app: State<Arc<App>>, me: Me, id: Path<String>, body: Body) -> ApiResult {
    copy_item(&app, me.0, Kind::File, &id, &body)
}

/// `POST file/{id}/copy_by_path` `{target_folder_path}` (folders are created as needed,
/// below the personal root).
pub async fn copy_by_path(app: State<Arc<App>>, me: Me, id: Path<String>, body: Body) -> ApiResult {
    let id = path_id("id", &id)?;
    let path = body.str_req("target_folder_path")?;
    let segments = split_path(&path)?;
    let mut store = app.store();
    store.require(me.0, Kind::File, id, |p| p.download)?;
    let space = Space::Personal(me.0);
    let target = store.ensure_path(me.0, space, 0, &segments)?;
    let new = store.copy_file(me.0, id, space, target)?;
    Ok(ok(store.file_json(new, Some(me.0))))
}

/// `POST file/create_blank_file` (document: camelCase body; `type` 1 doc, 2 ppt, 3 xls;
/// `nameConflictResolveStrategy` must be "2", automatic renaming). The new file is empty; its
/// extension is added unless the name already carries it.
pub async fn create_blank_file(app: State<Arc<App>>, me: Me, body: Body) -> ApiResult {
    let name = body.str_req("name")?;
    let ext = match body.str_req("type")?.as_str() {
        "1" => ".docx",
        "2" => ".pptx",
        "3" => ".xlsx",
        _ => return Err(ApiError::invalid("type", "只能是1,2,3")),
    };
    let parent = body.i64_req("parentFolderId")?;
    let enterprise = body.i64_req("parentEnterpriseId")?;
    let dept = body.i64_req("departmentId")?;
    match body.str_req("nameConflictResolveStrategy")?.as_str() {
        "2" => {}
        _ => {
            return Err(ApiError::invalid(
                "nameConflictResolveStrategy",
                "当前仅支持2",
            ));
        }
    }
    let full = if name.to_ascii_lowercase().ends_with(ext) {
        name
    } else {
        format!("{name}{ext}")
    };
    check_name(&full)?;
    if enterprise != app.enterprise_id {
        return Err(ApiError::new("permission_denied"));
    }
    let content = app.empty_blob().await?;
    let mut store = app.store();
    let placed = store.target_folder(me.0, parent, Some(dept), |p| p.upload);
    let (space, parent) = match placed {
        Ok(p) => p,
        Err(e) => {
            store.release_blob(content.blob);
            return Err(e);
        }
    };
    let name = store.free_name(Kind::File, space, parent, &full);
    let id = store.create_file(me.0, space, parent, &name, content);
    Ok(ok(store.file_json(id, Some(me.0))))
}

/// `GET file/recent_items?limit=` (limit required, >= 0): files the caller recently uploaded,
/// changed or downloaded, newest first.
pub async fn recent_items(app: State<Arc<App>>, me: Me, q: Q) -> ApiResult {
    q.only(&["limit"])?;
    let limit = q.i64_req("limit")?;
    if limit < 0 {
        return Err(ApiError::invalid("limit", "必须大于或等于0"));
    }
    let store = app.store();
    let mut touched: Vec<(i64, i64)> = store
        .recent
        .get(&me.0)
        .map(|m| m.iter().map(|(f, t)| (*t, *f)).collect())
        .unwrap_or_default();
    touched.sort_by(|a, b| b.cmp(a));
    let files: Vec<_> = touched
        .into_iter()
        .filter(|(_, f)| {
            store.files.get(f).is_some_and(|file| {
                store.is_live(&file.meta) && store.perms(me.0, Kind::File, &file.meta).info
            })
        })
        .take(limit as usize)
        .map(|(_, f)| store.file_brief(f))
        .collect();
    let n = files.len();
    Ok(ok(json!({
        "files": files,
        "folders": [],
        "total_count": n,
        "page_id": 0,
        "page_capacity": 20,
        "page_count": usize::from(n > 0),
    })))
}

/// `POST file/{id}/mark_as_used`: marks the file frequently used (`is_frequently_used`).
pub async fn mark_as_used(app: State<Arc<App>>, me: Me, id: Path<String>) -> ApiResult {
    let id = path_id("id", &id)?;
    let mut store = app.store();
    store.require(me.0, Kind::File, id, |p| p.info)?;
    if let Some(f) = store.files.get_mut(&id)
        && !f.frequently_used_by.contains(&me.0)
    {
        f.frequently_used_by.push(me.0);
    }
    Ok(success())
}

impl App {
    /// An empty content blob (blank files).
    pub async fn empty_blob(&self) -> Result<Content, ApiError> {
        let (blob, path) = self.store().reserve_blob();
        tokio::fs::write(&path, b"")
            .await
            .map_err(|_| ApiError::new("request_data_invalid").with_msg("存储失败"))?;
        self.store().add_blob(blob, path);
        Ok(Content {
            blob,
            size: 0,
            // SHA-1 of no bytes.
            sha1: "da39a3ee5e6b4b0d3255bfef95601890afd80709".to_owned(),
        })
    }
}
