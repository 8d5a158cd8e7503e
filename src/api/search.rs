//! Search within a space, and recently used items.

use axum::Json;
use chrono::{DateTime, Utc};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::extract::{ApiPath, ApiQuery, Authorized, FilesRead, PageQuery, page_request};
use super::paths::{ConnPath, Problems, SpacePath};
use crate::app::AppState;
use crate::error::{ApiError, ApiResult};
use crate::model::*;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(search))
        .routes(routes!(list_recent))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchQuery {
    /// Search words (required).
    pub q: String,
    pub kind: Option<KindFilter>,
    /// Only items below this folder.
    pub parent: Option<String>,
    pub sort: Option<SearchSort>,
    /// What to match: name, content, creator, tag, or all (default).
    pub field: Option<SearchField>,
    pub modified_after: Option<DateTime<Utc>>,
    pub modified_before: Option<DateTime<Utc>>,
    /// Exact instead of fuzzy matching.
    pub exact: Option<bool>,
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

#[utoipa::path(get, path = "/v1/connections/{conn}/spaces/{space}/search", tag = "search", params(SpacePath, SearchQuery),
    responses((status = 200, body = Page<Item>), Problems))]
async fn search(
    auth: Authorized<FilesRead>,
    ApiPath(p): ApiPath<SpacePath>,
    ApiQuery(q): ApiQuery<SearchQuery>,
) -> ApiResult<Json<Page<Item>>> {
    let query = q.q.trim().to_owned();
    if query.is_empty() || query.chars().count() > 200 {
        return Err(ApiError::BadRequest {
            code: "invalid_request",
            detail: "q must be 1-200 characters".into(),
            field: Some("q".into()),
        });
    }
    if let (Some(a), Some(b)) = (q.modified_after, q.modified_before)
        && a > b
    {
        return Err(ApiError::invalid_field(
            "modified_after",
            "modified_after is later than modified_before",
        ));
    }
    let req = SearchRequest {
        query,
        kind: q.kind.unwrap_or_default(),
        parent: q.parent.filter(|s| !s.is_empty()),
        sort: q.sort,
        field: q.field,
        modified_after: q.modified_after,
        modified_before: q.modified_before,
        exact: q.exact.unwrap_or(false),
        page: page_request(q.limit, q.cursor)?,
    };
    Ok(Json(
        auth.drive(Operation::Search)?
            .search(&auth.ctx, &p.space, req)
            .await?,
    ))
}

/// Items the connection's user used recently, across spaces.
#[utoipa::path(get, path = "/v1/connections/{conn}/recent", tag = "search", params(ConnPath, PageQuery),
    responses((status = 200, body = Page<Item>), Problems))]
async fn list_recent(
    auth: Authorized<FilesRead>,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> ApiResult<Json<Page<Item>>> {
    let page = q.validate()?;
    Ok(Json(
        auth.drive(Operation::ListRecent)?
            .list_recent(&auth.ctx, page)
            .await?,
    ))
}
