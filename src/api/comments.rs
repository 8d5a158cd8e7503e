//! Comments on items.

use axum::Json;
use axum::http::StatusCode;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use axum::response::Response;

use super::conditional::{created, location};
use super::extract::{ApiJson, Call, FilesRead, FilesWrite, PageQuery};
use super::paths::{CommentPath, ItemPath, LocalProblems, UpstreamProblems};
use super::validate;
use crate::app::AppState;
use crate::error::{ApiError, ApiResult};
use crate::model::*;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_comments, add_comment))
        .routes(routes!(delete_comment))
}

/// List the comments on an item.
///
/// Oldest first, paged with `limit` and `cursor`.
#[utoipa::path(get, path = "/v1/connections/{conn}/spaces/{space}/items/{item}/comments", tag = "comments",
    params(ItemPath, PageQuery), responses((status = 200, body = Page<Comment>), LocalProblems, UpstreamProblems))]
async fn list_comments(
    Call(auth, p, q): Call<FilesRead, ItemPath, PageQuery>,
) -> ApiResult<Json<Page<Comment>>> {
    let page = q.validate()?;
    Ok(Json(
        auth.drive(Operation::ListComments)?
            .list_comments(&auth.ctx, &p.space, &p.item, page)
            .await?,
    ))
}

/// Comment on an item.
///
/// The comment is made by the connection's (or the acted-as) upstream user.
#[utoipa::path(post, path = "/v1/connections/{conn}/spaces/{space}/items/{item}/comments", tag = "comments",
    params(ItemPath), request_body = NewComment, responses((status = 201, body = Comment, headers(("Location" = String, description = "The new comment's path, `/v1/connections/{conn}/spaces/{space}/items/{item}/comments/{comment}` (its `DELETE`)"))), LocalProblems, UpstreamProblems))]
async fn add_comment(
    Call(auth, p, _): Call<FilesWrite, ItemPath>,
    ApiJson(req): ApiJson<NewComment>,
) -> ApiResult<Response> {
    if req.content.trim().is_empty() {
        return Err(ApiError::invalid_field("content", "the comment is empty"));
    }
    validate::text("content", &req.content, 1000)?;
    let drive = auth.drive(Operation::AddComment)?;
    let comment = drive.add_comment(&auth.ctx, &p.space, &p.item, req).await?;
    Ok(created(
        location(&[
            &p.conn,
            "spaces",
            &p.space,
            "items",
            &p.item,
            "comments",
            &comment.id,
        ]),
        comment,
    ))
}

/// Delete a comment.
///
/// Upstreams allow deleting one's own comments only, unless the caller administers the item.
#[utoipa::path(delete, path = "/v1/connections/{conn}/spaces/{space}/items/{item}/comments/{comment}", tag = "comments",
    params(CommentPath), responses((status = 204, description = "Done"), LocalProblems, UpstreamProblems))]
async fn delete_comment(Call(auth, p, _): Call<FilesWrite, CommentPath>) -> ApiResult<StatusCode> {
    auth.drive(Operation::DeleteComment)?
        .delete_comment(&auth.ctx, &p.space, &p.item, &p.comment)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
