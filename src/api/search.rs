//! Search within a space, and recently used items.

use axum::Json;
use chrono::{DateTime, Utc};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::extract::{ApiQuery, Authorized, Call, FilesRead, PageQuery, page_request};
use super::paths::{ConnPath, LocalProblems, SpacePath, UpstreamProblems};
use crate::app::AppState;
use crate::error::{ApiError, ApiResult};
use crate::model::rules::MAX_SEARCH_CHARS;
use crate::model::*;
use crate::providers::Allowed;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(search))
        .routes(routes!(list_recent))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchQuery {
    /// Search words: not blank, no NUL, at most 200 characters.
    #[param(
        min_length = 1,
        max_length = 200,
        pattern = r"^[^\u0000]*[^\u0000\u0009-\u000D\u0020\u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000][^\u0000]*$"
    )]
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
    /// Page size, 1-1000 (default 100).
    #[param(minimum = 1, maximum = 1000, default = 100)]
    pub limit: Option<u32>,
    #[param(schema_with = crate::model::rules::cursor)]
    pub cursor: Option<String>,
}

/// Search a space.
///
/// Matches `q` against names (and content, creator or tags where the provider can, see
/// `field`), optionally below `parent`, of one kind, or modified within a time window. Paged
/// with `limit` and `cursor`; a cursor is bound to the search's parameters (`q`, `parent`,
/// `kind`, `sort`, `field`, the time window, `exact`): another value with it is a 400
/// `invalid_cursor`.
#[utoipa::path(get, path = "/v1/connections/{conn}/spaces/{space}/search", tag = "search", params(SpacePath, SearchQuery),
    responses((status = 200, body = Page<Item>), LocalProblems, UpstreamProblems))]
async fn search(
    Call(auth, p, q): Call<FilesRead, SpacePath, SearchQuery>,
) -> ApiResult<Json<Page<Item>>> {
    // Counted before trimming, as the schema's `maxLength` counts.
    if q.q.trim().is_empty() || q.q.chars().count() > MAX_SEARCH_CHARS {
        return Err(ApiError::BadRequest {
            code: "invalid_request",
            detail: format!("q must be 1-{MAX_SEARCH_CHARS} characters, not only spaces"),
            field: Some("q".into()),
        });
    }
    super::validate::text("q", &q.q, MAX_SEARCH_CHARS)?;
    let query = q.q.trim().to_owned();
    if let (Some(a), Some(b)) = (q.modified_after, q.modified_before)
        && a > b
    {
        return Err(ApiError::invalid_field(
            "modified_after",
            "modified_after is later than modified_before",
        ));
    }
    let parent = q.parent.filter(|s| !s.is_empty());
    let binding = cursor::Binding::of(
        "search",
        &[
            ("space", Some(p.space.clone())),
            ("q", Some(query.clone())),
            ("parent", parent.clone()),
            ("kind", q.kind.map(|k| format!("{k:?}"))),
            ("sort", q.sort.map(|s| format!("{s:?}"))),
            ("field", q.field.map(|f| format!("{f:?}"))),
            ("modified_after", q.modified_after.map(|t| t.to_rfc3339())),
            ("modified_before", q.modified_before.map(|t| t.to_rfc3339())),
            ("exact", q.exact.map(|x| x.to_string())),
        ],
    );
    let page = binding
        .page(page_request(q.limit, q.cursor)?, async |page| {
            let req = SearchRequest {
                query,
                kind: q.kind.unwrap_or_default(),
                parent,
                sort: q.sort,
                field: q.field,
                modified_after: q.modified_after,
                modified_before: q.modified_before,
                exact: q.exact.unwrap_or(false),
                page,
            };
            auth.drive(Operation::Search)?
                .search(&auth.ctx, &p.space, req)
                .await
        })
        .await?;
    Ok(Json(page.allowed(auth.connection.drive.as_ref())))
}

/// List recently used items.
///
/// Items the connection's user opened or changed recently, across spaces, paged with `limit`
/// and `cursor`.
#[utoipa::path(get, path = "/v1/connections/{conn}/recent", tag = "search", params(ConnPath, PageQuery),
    responses((status = 200, body = Page<Item>), LocalProblems, UpstreamProblems))]
async fn list_recent(
    auth: Authorized<FilesRead>,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> ApiResult<Json<Page<Item>>> {
    let page = q.validate()?;
    Ok(Json(
        auth.drive(Operation::ListRecent)?
            .list_recent(&auth.ctx, page)
            .await?
            .allowed(auth.connection.drive.as_ref()),
    ))
}
