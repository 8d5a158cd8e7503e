//! The trash: list, restore, delete for good.

use axum::Json;
use axum::http::StatusCode;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::extract::{Call, FilesRead, FilesWrite, PageQuery};
use super::paths::{ItemPath, LocalProblems, SpacePath, UpstreamProblems};
use crate::app::AppState;
use crate::error::ApiResult;
use crate::model::*;
use crate::providers::Allowed;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_trash))
        .routes(routes!(purge_item))
        .routes(routes!(restore_item))
}

/// List the trash of a space.
///
/// Deleted items with their `deleted_at`, paged with `limit` and `cursor`.
#[utoipa::path(get, path = "/v1/connections/{conn}/spaces/{space}/trash", tag = "trash", params(SpacePath, PageQuery),
    responses((status = 200, body = Page<Item>), LocalProblems, UpstreamProblems))]
async fn list_trash(
    Call(auth, p, q): Call<FilesRead, SpacePath, PageQuery>,
) -> ApiResult<Json<Page<Item>>> {
    let binding = cursor::Binding::of("trash", &[("space", Some(p.space.clone()))]);
    let page = binding
        .page(q.validate()?, async |page| {
            auth.drive(Operation::ListTrash)?
                .list_trash(&auth.ctx, &p.space, page)
                .await
        })
        .await?;
    Ok(Json(page.allowed(auth.connection.drive.as_ref())))
}

/// Restore an item from the trash.
///
/// The item returns to its former folder; answers the restored item.
#[utoipa::path(post, path = "/v1/connections/{conn}/spaces/{space}/items/{item}/restore", tag = "trash", params(ItemPath),
    responses((status = 200, body = Item), LocalProblems, UpstreamProblems))]
async fn restore_item(Call(auth, p, _): Call<FilesWrite, ItemPath>) -> ApiResult<Json<Item>> {
    Ok(Json(
        auth.drive(Operation::RestoreItem)?
            .restore_item(&auth.ctx, &p.space, &p.item)
            .await?
            .allowed(auth.connection.drive.as_ref()),
    ))
}

/// Delete an item in the trash for good.
///
/// It cannot be restored afterwards.
#[utoipa::path(delete, path = "/v1/connections/{conn}/spaces/{space}/trash/{item}", tag = "trash", params(ItemPath),
    responses((status = 204, description = "Done"), LocalProblems, UpstreamProblems))]
async fn purge_item(Call(auth, p, _): Call<FilesWrite, ItemPath>) -> ApiResult<StatusCode> {
    auth.drive(Operation::PurgeItem)?
        .purge_item(&auth.ctx, &p.space, &p.item)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
