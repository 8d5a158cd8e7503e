//! File versions: list, read, upload a new one, promote, delete.

use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::conditional::{self, created, item_location};
use super::content::{VersionForm, read_upload, upload_limit};
use super::extract::{Call, FilesRead, FilesWrite};
use super::paths::{
    Binary, IfMatch, ItemPath, LocalProblems, PreconditionFailed, TooLarge, UnsupportedUpload,
    UpstreamProblems, VersionPath,
};
use crate::app::AppState;
use crate::error::{ApiError, ApiResult};
use crate::model::*;
use crate::providers::Allowed;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_versions, upload_version))
        .routes(routes!(get_version, delete_version))
        .routes(routes!(promote_version))
}

/// List a file's versions.
///
/// The current content and the versions the upstream keeps, newest first.
#[utoipa::path(get, path = "/v1/connections/{conn}/spaces/{space}/items/{item}/versions", tag = "versions", params(ItemPath),
    responses((status = 200, body = Page<Version>), LocalProblems, UpstreamProblems))]
async fn list_versions(
    Call(auth, p, _): Call<FilesRead, ItemPath>,
) -> ApiResult<Json<Page<Version>>> {
    Ok(Json(
        auth.drive(Operation::ListVersions)?
            .list_versions(&auth.ctx, &p.space, &p.item)
            .await?,
    ))
}

/// Upload new content for a file.
///
/// The body is the new bytes (`application/octet-stream`) or a `multipart/form-data` form with
/// one `file` part; any other media type is 415, and an empty body is 400 `empty_file` (a
/// version needs content). The old content is kept as a version where the upstream keeps
/// versions. With `If-Match`, only while the file's `etag` is still that value (412
/// `precondition_failed` otherwise; best-effort). `Location` is the file's path (whose
/// current content is the new version).
#[utoipa::path(post, path = "/v1/connections/{conn}/spaces/{space}/items/{item}/versions", tag = "versions", params(ItemPath, IfMatch),
    request_body(content(
        (inline(Binary) = "application/octet-stream"),
        (VersionForm = "multipart/form-data")),
        description = "The new bytes, or a form with a `file` part"),
    responses(
        (status = 201, body = UploadResult, headers(("Location" = String, description = "The file's path, `/v1/connections/{conn}/spaces/{space}/items/{item}`"))),
        TooLarge, UnsupportedUpload, PreconditionFailed, LocalProblems, UpstreamProblems))]
async fn upload_version(
    State(state): State<AppState>,
    Call(auth, p, _): Call<FilesWrite, ItemPath>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<Response> {
    let drive = auth.drive(Operation::UploadVersion)?;
    let up = read_upload(
        &state,
        &headers,
        body,
        upload_limit(&state, drive),
        drive.upload_digests(),
        &[],
    )
    .await?;
    if up.content.size == 0 {
        return Err(ApiError::BadRequest {
            code: "empty_file",
            detail: "a new version needs content: the body is empty".into(),
            field: Some("file".into()),
        });
    }
    conditional::check_if_match(&headers, drive, &auth.ctx, &p.space, &p.item).await?;
    let r = drive
        .upload_version(&auth.ctx, &p.space, &p.item, up.content)
        .await?
        .allowed(drive);
    Ok(created(
        item_location(&p.conn, &r.item.space_id, &r.item.id),
        r,
    ))
}

/// Read one version of a file.
///
/// Size, hash, author and time of that version.
#[utoipa::path(get, path = "/v1/connections/{conn}/spaces/{space}/items/{item}/versions/{version}", tag = "versions",
    params(VersionPath), responses((status = 200, body = Version), LocalProblems, UpstreamProblems))]
async fn get_version(Call(auth, p, _): Call<FilesRead, VersionPath>) -> ApiResult<Json<Version>> {
    let drive = auth.drive(Operation::GetVersion)?;
    Ok(Json(
        drive
            .get_version(&auth.ctx, &p.space, &p.item, &p.version)
            .await?,
    ))
}

/// Make an old version current.
///
/// The version's content becomes the file's current content; answers the file.
#[utoipa::path(post, path = "/v1/connections/{conn}/spaces/{space}/items/{item}/versions/{version}/promote", tag = "versions",
    params(VersionPath), responses((status = 200, body = Item), LocalProblems, UpstreamProblems))]
async fn promote_version(Call(auth, p, _): Call<FilesWrite, VersionPath>) -> ApiResult<Json<Item>> {
    let drive = auth.drive(Operation::PromoteVersion)?;
    Ok(Json(
        drive
            .promote_version(&auth.ctx, &p.space, &p.item, &p.version)
            .await?
            .allowed(drive),
    ))
}

/// Delete an old version.
///
/// The current content cannot be deleted this way.
#[utoipa::path(delete, path = "/v1/connections/{conn}/spaces/{space}/items/{item}/versions/{version}", tag = "versions",
    params(VersionPath), responses((status = 204, description = "Done"), LocalProblems, UpstreamProblems))]
async fn delete_version(Call(auth, p, _): Call<FilesWrite, VersionPath>) -> ApiResult<StatusCode> {
    auth.drive(Operation::DeleteVersion)?
        .delete_version(&auth.ctx, &p.space, &p.item, &p.version)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
