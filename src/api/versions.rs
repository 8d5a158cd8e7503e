//! File versions: list, read, upload a new one, promote, delete.

use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::content::{spool_body, upload_limit};
use super::extract::{ApiPath, Authorized, FilesRead, FilesWrite};
use super::paths::{Binary, ItemPath, LocalProblems, TooLarge, UpstreamProblems, VersionPath};
use crate::app::AppState;
use crate::error::ApiResult;
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
    auth: Authorized<FilesRead>,
    ApiPath(p): ApiPath<ItemPath>,
) -> ApiResult<Json<Page<Version>>> {
    Ok(Json(
        auth.drive(Operation::ListVersions)?
            .list_versions(&auth.ctx, &p.space, &p.item)
            .await?,
    ))
}

/// Upload new content for a file.
///
/// The request body is the new bytes; the old content is kept as a version where the upstream
/// keeps versions.
#[utoipa::path(post, path = "/v1/connections/{conn}/spaces/{space}/items/{item}/versions", tag = "versions", params(ItemPath),
    request_body(content = inline(Binary), content_type = "application/octet-stream"),
    responses((status = 201, body = UploadResult), TooLarge, LocalProblems, UpstreamProblems))]
async fn upload_version(
    State(state): State<AppState>,
    auth: Authorized<FilesWrite>,
    ApiPath(p): ApiPath<ItemPath>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<(StatusCode, Json<UploadResult>)> {
    let drive = auth.drive(Operation::UploadVersion)?;
    let content = spool_body(&state, &headers, body, upload_limit(&state, drive)).await?;
    Ok((
        StatusCode::CREATED,
        Json(
            drive
                .upload_version(&auth.ctx, &p.space, &p.item, content)
                .await?
                .allowed(drive),
        ),
    ))
}

/// Read one version of a file.
///
/// Size, hash, author and time of that version.
#[utoipa::path(get, path = "/v1/connections/{conn}/spaces/{space}/items/{item}/versions/{version}", tag = "versions",
    params(VersionPath), responses((status = 200, body = Version), LocalProblems, UpstreamProblems))]
async fn get_version(
    auth: Authorized<FilesRead>,
    ApiPath(p): ApiPath<VersionPath>,
) -> ApiResult<Json<Version>> {
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
async fn promote_version(
    auth: Authorized<FilesWrite>,
    ApiPath(p): ApiPath<VersionPath>,
) -> ApiResult<Json<Item>> {
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
async fn delete_version(
    auth: Authorized<FilesWrite>,
    ApiPath(p): ApiPath<VersionPath>,
) -> ApiResult<StatusCode> {
    auth.drive(Operation::DeleteVersion)?
        .delete_version(&auth.ctx, &p.space, &p.item, &p.version)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
