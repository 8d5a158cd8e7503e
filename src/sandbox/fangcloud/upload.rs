//! Two-step uploads: the API hands out a pre-signed `presign_url` (document: `file/upload_v2`,
//! `file/upload_by_path`, `file/{id}/new_version_v2`), then the bytes go to that URL as a
//! `multipart/form-data` POST with the field `file` (document example: `--form 'file=@…'`).
//!
//! A pre-signed URL takes exactly one successful upload; a second one is refused, as is one
//! after the URL expired (the official Java SDK's `testUploadUrlExpired` uploads twice to one
//! URL and expects the second to fail). A failed attempt (broken stream, no `file` field,
//! quota, name taken meanwhile) does not use the URL up. The upload host is not the API: its
//! errors are `{"error": code, "errors": message, "request_id"}` — a body the Java SDK cannot
//! read as the API envelope, hence its `OtherErrorException` — with 404 for an unknown URL,
//! 403 for a used or expired one, 400 for a malformed body, and 403/409 for quota and name
//! conflicts. The answer to a successful upload is the file's description (the SDKs read a
//! `YfyFile` from it).

use std::sync::Arc;
use std::time::Instant;

use axum::Json;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;
use sha1::{Digest, Sha1};
use tokio::io::AsyncWriteExt;

use super::App;
use super::envelope::{ApiError, ApiResult, ok, request_id};
use super::oauth::Me;
use super::ops::Content;
use super::params::{Body, path_id};
use super::state::{Kind, Presign, Space, Store, UploadState, UploadTarget, later};
use super::tree::{check_name, split_path};

fn presign(app: &App, store: &mut Store, user: i64, target: UploadTarget) -> Response {
    let key = format!(
        "{}/{}",
        uuid::Uuid::new_v4().simple(),
        hex::encode(uuid::Uuid::new_v4().as_bytes())
    );
    // Forget URLs a day past their expiry (until then they answer "expired").
    let horizon = Instant::now()
        .checked_sub(std::time::Duration::from_secs(86_400))
        .unwrap_or_else(Instant::now);
    store
        .presigns
        .retain(|_, p| p.expires > horizon || p.state == UploadState::InUse);
    store.presigns.insert(
        key.clone(),
        Presign {
            user_id: user,
            target,
            expires: later(app.presign_ttl),
            state: UploadState::Fresh,
        },
    );
    ok(json!({ "presign_url": format!("{}/upload/{key}", app.base_url) }))
}

/// The new-version target for an existing file, after the caller's right to change it.
fn new_version_target(
    store: &Store,
    user: i64,
    file: i64,
    name: String,
    remark: String,
    size: Option<i64>,
) -> Result<UploadTarget, ApiError> {
    let meta = store.require(user, Kind::File, file, |p| p.edit)?;
    if name != meta.name
        && store
            .name_taken(Kind::File, meta.space, meta.parent_id, &name, Some(file))
            .is_some()
    {
        return Err(ApiError::new("file_name_conflict"));
    }
    if let Some(size) = size {
        store.check_space(meta.space, size)?;
    }
    Ok(UploadTarget::NewVersion {
        file_id: file,
        name,
        remark,
    })
}

/// A new file in (`space`, `parent`), or — with `is_covered` and a same-named file there — a
/// new version of that file (document: "为true时重名情况下直接返回上传新版本的预签名链接").
fn new_file_target(
    store: &Store,
    user: i64,
    space: Space,
    parent: i64,
    name: String,
    covered: bool,
    size: Option<i64>,
) -> Result<UploadTarget, ApiError> {
    if let Some(existing) = store.name_taken(Kind::File, space, parent, &name, None) {
        if !covered {
            return Err(ApiError::new("file_name_conflict"));
        }
        return new_version_target(store, user, existing, name, String::new(), size);
    }
    if let Some(size) = size {
        store.check_space(space, size)?;
    }
    Ok(UploadTarget::NewFile {
        parent_id: parent,
        space,
        name,
    })
}

fn file_size(body: &Body) -> Result<Option<i64>, ApiError> {
    match body.i64("file_size")? {
        Some(s) if s < 0 => Err(ApiError::invalid("file_size", "必须大于或等于0")),
        other => Ok(other),
    }
}

/// The new file of an upload body: `{name, upload_type, is_covered?, file_size?}`, read in
/// that order (the caller checks the name's rules).
fn new_file_fields(body: &Body) -> Result<(String, bool, Option<i64>), ApiError> {
    let name = body.str("name")?.ok_or_else(|| ApiError::missing("name"))?;
    body.upload_type()?;
    let covered = body.bool("is_covered")?.unwrap_or(false);
    Ok((name, covered, file_size(body)?))
}

/// `POST file/upload_v2` `{parent_id, name, upload_type: "api", is_covered?, file_size?}`.
pub async fn upload_v2(app: State<Arc<App>>, me: Me, body: Body) -> ApiResult {
    let parent = body.i64_req("parent_id")?;
    let (name, covered, size) = new_file_fields(&body)?;
    check_name(&name)?;
    let mut store = app.store();
    let (space, parent) = store.target_folder(me.0, parent, None, |p| p.upload)?;
    let target = new_file_target(&store, me.0, space, parent, name, covered, size)?;
    Ok(presign(&app, &mut store, me.0, target))
}

/// `POST file/upload_by_path` `{target_folder_path, name, upload_type, is_covered?}`: the
/// folders of the path (below the personal root) are created as needed.
pub async fn upload_by_path(app: State<Arc<App>>, me: Me, body: Body) -> ApiResult {
    let path = body.str_req("target_folder_path")?;
    let (name, covered, size) = new_file_fields(&body)?;
    let segments = split_path(&path)?;
    check_name(&name)?;
    let mut store = app.store();
    let space = Space::Personal(me.0);
    let parent = store.ensure_path(me.0, space, 0, &segments)?;
    if !store.perms_on_folder(me.0, space, parent).upload {
        return Err(ApiError::new("permission_denied"));
    }
    let target = new_file_target(&store, me.0, space, parent, name, covered, size)?;
    Ok(presign(&app, &mut store, me.0, target))
}

/// `POST file/{id}/new_version_v2` `{name, upload_type, remark?, sha1?, file_size?}`.
pub async fn new_version_v2(
    app: State<Arc<App>>,
    me: Me,
    id: Path<String>,
    body: Body,
) -> ApiResult {
    let id = path_id("id", &id)?;
    let name = body.str("name")?.ok_or_else(|| ApiError::missing("name"))?;
    body.upload_type()?;
    let remark = body.str("remark")?.unwrap_or_default();
    let size = file_size(&body)?;
    check_name(&name)?;
    let mut store = app.store();
    let target = new_version_target(&store, me.0, id, name, remark, size)?;
    Ok(presign(&app, &mut store, me.0, target))
}

/// An upload-host error.
fn host_error(status: StatusCode, code: &str, msg: &str) -> Response {
    (
        status,
        Json(json!({ "error": code, "errors": msg, "request_id": request_id() })),
    )
        .into_response()
}

fn from_api(e: ApiError) -> Response {
    host_error(e.status, &e.code, &e.msg)
}

/// Puts a URL back in service after a failed attempt (unless it expired meanwhile).
fn release(app: &App, key: &str) {
    if let Some(p) = app.store().presigns.get_mut(key)
        && p.state == UploadState::InUse
    {
        p.state = UploadState::Fresh;
    }
}

/// Streams the `file` field to disk, hashing it on the way.
async fn receive(
    app: &App,
    mut multipart: Multipart,
) -> Result<Option<(std::path::PathBuf, i64, String)>, Response> {
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => return Ok(None),
            Err(e) => {
                return Err(host_error(
                    StatusCode::BAD_REQUEST,
                    "bad_request",
                    &format!("multipart body unreadable: {e}"),
                ));
            }
        };
        if field.name() != Some("file") {
            continue;
        }
        let path = app.tmp_path();
        let io_err = |_| host_error(StatusCode::INTERNAL_SERVER_ERROR, "io_error", "存储失败");
        let file = tokio::fs::File::create(&path).await.map_err(io_err)?;
        let mut out = tokio::io::BufWriter::with_capacity(1 << 20, file);
        let mut hasher = Sha1::new();
        let mut size: i64 = 0;
        let mut field = field;
        loop {
            match field.chunk().await {
                Ok(Some(chunk)) => {
                    hasher.update(&chunk);
                    size += chunk.len() as i64;
                    if out.write_all(&chunk).await.is_err() {
                        let _ = tokio::fs::remove_file(&path).await;
                        return Err(host_error(
                            StatusCode::INTERNAL_SERVER_ERROR,
                            "io_error",
                            "存储失败",
                        ));
                    }
                }
                Ok(None) => break,
                Err(e) => {
                    let _ = tokio::fs::remove_file(&path).await;
                    return Err(host_error(
                        StatusCode::BAD_REQUEST,
                        "bad_request",
                        &format!("upload interrupted: {e}"),
                    ));
                }
            }
        }
        if out.flush().await.is_err() {
            let _ = tokio::fs::remove_file(&path).await;
            return Err(host_error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "io_error",
                "存储失败",
            ));
        }
        return Ok(Some((path, size, hex::encode(hasher.finalize()))));
    }
}

/// Applies a received upload to the store.
fn commit(store: &mut Store, presign: &Presign, content: Content) -> Result<i64, ApiError> {
    let user = presign.user_id;
    match &presign.target {
        UploadTarget::NewFile {
            parent_id,
            space,
            name,
        } => {
            if *parent_id != 0 {
                store.live(Kind::Folder, *parent_id)?;
            }
            if store
                .name_taken(Kind::File, *space, *parent_id, name, None)
                .is_some()
            {
                return Err(ApiError::new("file_name_conflict"));
            }
            store.check_space(*space, content.size)?;
            Ok(store.create_file(user, *space, *parent_id, name, content))
        }
        UploadTarget::NewVersion {
            file_id,
            name,
            remark,
        } => {
            let meta = store.live(Kind::File, *file_id)?.clone();
            if store
                .name_taken(Kind::File, meta.space, meta.parent_id, name, Some(*file_id))
                .is_some()
            {
                return Err(ApiError::new("file_name_conflict"));
            }
            store.check_space(meta.space, content.size)?;
            store.add_version(user, *file_id, name, remark, content);
            Ok(*file_id)
        }
    }
}

/// `POST /upload/{a}/{b}` on the upload host.
pub async fn receive_upload(
    app: State<Arc<App>>,
    Path((a, b)): Path<(String, String)>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Response {
    let key = format!("{a}/{b}");
    let presign = {
        let mut store = app.store();
        let Some(p) = store.presigns.get_mut(&key) else {
            return host_error(
                StatusCode::NOT_FOUND,
                "upload_url_not_found",
                "上传链接不存在",
            );
        };
        if p.state == UploadState::Used {
            return host_error(StatusCode::FORBIDDEN, "upload_url_used", "上传链接已使用");
        }
        if p.state == UploadState::InUse {
            return host_error(
                StatusCode::FORBIDDEN,
                "upload_url_in_use",
                "上传链接正在使用",
            );
        }
        if p.expires <= Instant::now() {
            return host_error(
                StatusCode::FORBIDDEN,
                "upload_url_expired",
                "上传链接已过期",
            );
        }
        p.state = UploadState::InUse;
        p.clone()
    };
    let multipart = match multipart {
        Ok(m) => m,
        Err(e) => {
            release(&app, &key);
            return host_error(StatusCode::BAD_REQUEST, "bad_request", &e.body_text());
        }
    };
    let received = match receive(&app, multipart).await {
        Ok(Some(r)) => r,
        Ok(None) => {
            release(&app, &key);
            return host_error(
                StatusCode::BAD_REQUEST,
                "file_not_provided",
                "multipart/form-data 中没有 file 字段",
            );
        }
        Err(resp) => {
            release(&app, &key);
            return resp;
        }
    };
    let (tmp, size, sha1) = received;
    let (blob, blob_path) = app.store().reserve_blob();
    if tokio::fs::rename(&tmp, &blob_path).await.is_err() {
        let _ = tokio::fs::remove_file(&tmp).await;
        release(&app, &key);
        return host_error(StatusCode::INTERNAL_SERVER_ERROR, "io_error", "存储失败");
    }
    let mut store = app.store();
    store.add_blob(blob, blob_path);
    match commit(&mut store, &presign, Content { blob, size, sha1 }) {
        Ok(file_id) => {
            if let Some(p) = store.presigns.get_mut(&key) {
                p.state = UploadState::Used;
            }
            Json(store.file_json(file_id, Some(presign.user_id))).into_response()
        }
        Err(e) => {
            store.release_blob(blob);
            if let Some(p) = store.presigns.get_mut(&key)
                && p.state == UploadState::InUse
            {
                p.state = UploadState::Fresh;
            }
            from_api(e)
        }
    }
}
