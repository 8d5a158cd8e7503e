//! The upstream's directory (users, departments, groups): who permissions can be granted to.

use axum::Json;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::extract::{ApiQuery, Authorized, DirectoryRead, page_request};
use super::paths::{ConnPath, LocalProblems, UpstreamProblems};
use crate::app::AppState;
use crate::error::{ApiError, ApiResult};
use crate::model::rules::MAX_DIRECTORY_QUERY_CHARS;
use crate::model::*;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_users))
        .routes(routes!(list_departments))
        .routes(routes!(list_groups))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DirectoryParams {
    #[param(schema_with = crate::model::rules::directory_words)]
    pub q: Option<String>,
    /// Only entries of this department (users; child departments for departments).
    pub department: Option<String>,
    /// Page size, 1-1000 (default 100).
    #[param(minimum = 1, maximum = 1000, default = 100)]
    pub limit: Option<u32>,
    #[param(schema_with = crate::model::rules::cursor)]
    pub cursor: Option<String>,
}

async fn list(
    auth: Authorized<DirectoryRead>,
    kind: DirectoryKind,
    op: Operation,
    q: DirectoryParams,
) -> ApiResult<Json<Page<DirectoryEntry>>> {
    // Counted before trimming, as the schema's `maxLength` counts.
    if q.q
        .as_ref()
        .is_some_and(|s| s.chars().count() > MAX_DIRECTORY_QUERY_CHARS)
    {
        return Err(ApiError::invalid_field(
            "q",
            format!("q must be at most {MAX_DIRECTORY_QUERY_CHARS} characters"),
        ));
    }
    let query = q.q.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
    let req = DirectoryQuery {
        query,
        department: q.department.filter(|s| !s.is_empty()),
        page: page_request(q.limit, q.cursor)?,
    };
    Ok(Json(
        auth.drive(op)?.list_directory(&auth.ctx, kind, req).await?,
    ))
}

/// List the upstream's users.
///
/// People permissions can be granted to, optionally matching `q` or in `department`. Needs
/// `directory:read`.
#[utoipa::path(get, path = "/v1/connections/{conn}/directory/users", tag = "directory", params(ConnPath, DirectoryParams),
    responses((status = 200, body = Page<DirectoryEntry>), LocalProblems, UpstreamProblems))]
async fn list_users(
    auth: Authorized<DirectoryRead>,
    ApiQuery(q): ApiQuery<DirectoryParams>,
) -> ApiResult<Json<Page<DirectoryEntry>>> {
    list(auth, DirectoryKind::Users, Operation::ListDirectoryUsers, q).await
}

/// List the upstream's departments.
///
/// Optionally matching `q`, or the children of `department`. Needs `directory:read`.
#[utoipa::path(get, path = "/v1/connections/{conn}/directory/departments", tag = "directory", params(ConnPath, DirectoryParams),
    responses((status = 200, body = Page<DirectoryEntry>), LocalProblems, UpstreamProblems))]
async fn list_departments(
    auth: Authorized<DirectoryRead>,
    ApiQuery(q): ApiQuery<DirectoryParams>,
) -> ApiResult<Json<Page<DirectoryEntry>>> {
    list(
        auth,
        DirectoryKind::Departments,
        Operation::ListDirectoryDepartments,
        q,
    )
    .await
}

/// List the upstream's groups.
///
/// Optionally matching `q`. Needs `directory:read`.
#[utoipa::path(get, path = "/v1/connections/{conn}/directory/groups", tag = "directory", params(ConnPath, DirectoryParams),
    responses((status = 200, body = Page<DirectoryEntry>), LocalProblems, UpstreamProblems))]
async fn list_groups(
    auth: Authorized<DirectoryRead>,
    ApiQuery(q): ApiQuery<DirectoryParams>,
) -> ApiResult<Json<Page<DirectoryEntry>>> {
    list(
        auth,
        DirectoryKind::Groups,
        Operation::ListDirectoryGroups,
        q,
    )
    .await
}
