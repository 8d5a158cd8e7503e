//! Items: list, read, rename/move/describe, copy, delete, create folders and online documents.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::conditional::{self, created, item_location};
use super::extract::{ApiJson, Authorized, Call, FilesRead, FilesWrite, JsonBody, page_request};
use super::paths::{
    IfMatch, IfNoneMatch, ItemPath, LocalProblems, NotModified, PreconditionFailed, SpacePath,
    UpstreamProblems,
};
use super::validate;
use crate::app::AppState;
use crate::error::{ApiError, ApiResult};
use crate::model::*;
use crate::providers::Allowed;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_items))
        .routes(routes!(get_item, update_item, delete_item))
        .routes(routes!(copy_item))
        .routes(routes!(create_folder))
        .routes(routes!(create_document))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListItemsQuery {
    /// Folder to list; the space's root when absent.
    pub parent: Option<String>,
    /// Sort order (see the connection's `capabilities.sort_orders`).
    pub sort: Option<SortOrder>,
    /// Only files or only folders.
    pub kind: Option<KindFilter>,
    /// Page size, 1-1000 (default 100).
    #[param(minimum = 1, maximum = 1000, default = 100)]
    pub limit: Option<u32>,
    #[param(schema_with = crate::model::rules::cursor)]
    pub cursor: Option<String>,
}

/// List a folder.
///
/// Files and folders in one listing, paged with `limit` and `cursor`; `parent` absent lists the
/// space's root. `sort` must be one of the connection's `capabilities.sort_orders`. `kind` is
/// applied before paging, so a page is empty only when it is the last one; `kind=file` keeps
/// files with bytes only (online documents are listed without `kind`). A cursor is bound to
/// the `parent`, `sort` and `kind` it was made with: another value with it is a 400
/// `invalid_cursor`. Paging follows the upstream's own (offsets on WeCom and OneBot, pages on
/// Fangcloud): items added or removed between pages may shift the listing.
#[utoipa::path(get, path = "/v1/connections/{conn}/spaces/{space}/items", tag = "items", params(SpacePath, ListItemsQuery),
    responses((status = 200, body = Page<Item>), LocalProblems, UpstreamProblems))]
async fn list_items(
    Call(auth, p, q): Call<FilesRead, SpacePath, ListItemsQuery>,
) -> ApiResult<Json<Page<Item>>> {
    let drive = auth.drive(Operation::ListItems)?;
    if let Some(sort) = q.sort
        && !drive.capabilities().sort_orders.contains(&sort)
    {
        return Err(ApiError::BadRequest {
            code: "invalid_request",
            detail: format!(
                "this connection sorts by {:?} only",
                drive.capabilities().sort_orders
            ),
            field: Some("sort".into()),
        });
    }
    let parent = q.parent.filter(|s| !s.is_empty());
    let binding = cursor::Binding::of(
        "items",
        &[
            ("space", Some(p.space.clone())),
            ("parent", parent.clone()),
            ("sort", q.sort.map(|s| format!("{s:?}"))),
            ("kind", q.kind.map(|k| format!("{k:?}"))),
        ],
    );
    let page = binding
        .page(page_request(q.limit, q.cursor)?, async |page| {
            let req = ListItems {
                parent,
                sort: q.sort,
                kind: q.kind.unwrap_or_default(),
                page,
            };
            drive.list_items(&auth.ctx, &p.space, req).await
        })
        .await?;
    Ok(Json(page.allowed(drive)))
}

/// Read an item.
///
/// A file's or folder's metadata: name, kind, size, times, hashes where the upstream reports
/// them. The answer's `ETag` is the item's `etag`; `If-None-Match` with it answers 304.
#[utoipa::path(get, path = "/v1/connections/{conn}/spaces/{space}/items/{item}", tag = "items", params(ItemPath, IfNoneMatch),
    responses((status = 200, body = Item, headers(("ETag" = String, description = "The item's `etag`"))),
        NotModified, LocalProblems, UpstreamProblems))]
async fn get_item(
    Call(auth, p, _): Call<FilesRead, ItemPath>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let item = auth
        .drive(Operation::GetItem)?
        .get_item(&auth.ctx, &p.space, &p.item)
        .await?
        .allowed(auth.connection.drive.as_ref());
    if conditional::not_modified(&headers, &item) {
        return Ok(conditional::not_modified_response(&item));
    }
    Ok(conditional::item_response(item))
}

/// Rename, move or describe an item.
///
/// Give at least one of `name`, `parent`, `description` (non-null); each needs its own
/// capability (`rename_item`, `move_item`, `update_description`). `on_conflict` applies when
/// the target name is taken. With `If-Match`, the change is made only while the item's `etag`
/// is still that value (412 `precondition_failed` otherwise; best-effort, see the header).
#[utoipa::path(patch, path = "/v1/connections/{conn}/spaces/{space}/items/{item}", tag = "items", params(ItemPath, IfMatch),
    request_body = UpdateItem, responses((status = 200, body = Item, headers(("ETag" = String, description = "The item's new `etag`"))),
        PreconditionFailed, LocalProblems, UpstreamProblems))]
async fn update_item(
    Call(auth, p, _): Call<FilesWrite, ItemPath>,
    headers: HeaderMap,
    body: JsonBody,
) -> ApiResult<Response> {
    // 501 before 400: the members present (not null) say which operations are asked for, and
    // each must be supported before any value is read (docs/ARCHITECTURE.md, order of checks).
    for member in body.non_null_members().unwrap_or_default() {
        if let Some(op) = member_operation(&member) {
            auth.drive(op)?;
        }
    }
    let mut req: UpdateItem = body.parse()?;
    if req.name.is_none() && req.parent.is_none() && req.description.is_none() {
        return Err(ApiError::bad_request(
            "invalid_request",
            "give at least one of name, parent, description",
        ));
    }
    let mut drive = None;
    if let Some(name) = &mut req.name {
        *name = validate::name("name", name)?;
        drive = Some(auth.drive(Operation::RenameItem)?);
    }
    if req.parent.is_some() {
        drive = Some(auth.drive(Operation::MoveItem)?);
    }
    if let Some(d) = &req.description {
        validate::text("description", d, 1000)?;
        drive = Some(auth.drive(Operation::UpdateDescription)?);
    }
    let drive = drive.ok_or_else(|| ApiError::internal("no operation selected"))?;
    conditional::check_if_match(&headers, drive, &auth.ctx, &p.space, &p.item).await?;
    Ok(conditional::item_response(
        drive
            .update_item(&auth.ctx, &p.space, &p.item, req)
            .await?
            .allowed(drive),
    ))
}

/// The operation a member of the `PATCH …/items/{item}` body asks for (`on_conflict` and
/// unknown members ask for none).
fn member_operation(member: &str) -> Option<Operation> {
    match member {
        "name" => Some(Operation::RenameItem),
        "parent" => Some(Operation::MoveItem),
        "description" => Some(Operation::UpdateDescription),
        _ => None,
    }
}

/// Delete an item.
///
/// Moves the item to the trash where the provider has one (see `restore`), deletes it for good
/// otherwise. With `If-Match`, only while the item's `etag` is still that value (412
/// `precondition_failed` otherwise; best-effort).
#[utoipa::path(delete, path = "/v1/connections/{conn}/spaces/{space}/items/{item}", tag = "items", params(ItemPath, IfMatch),
    responses((status = 204, description = "Done"), PreconditionFailed, LocalProblems, UpstreamProblems))]
async fn delete_item(
    Call(auth, p, _): Call<FilesWrite, ItemPath>,
    headers: HeaderMap,
) -> ApiResult<StatusCode> {
    let drive = auth.drive(Operation::DeleteItem)?;
    conditional::check_if_match(&headers, drive, &auth.ctx, &p.space, &p.item).await?;
    drive.delete_item(&auth.ctx, &p.space, &p.item).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Copy an item into a folder.
///
/// `parent` is the target folder id, or `root`. Answers the new item.
#[utoipa::path(post, path = "/v1/connections/{conn}/spaces/{space}/items/{item}/copy", tag = "items", params(ItemPath),
    request_body = CopyItem, responses((status = 201, body = Item, headers(("Location" = String, description = "The new item's path, `/v1/connections/{conn}/spaces/{space}/items/{item}`"))), LocalProblems, UpstreamProblems))]
async fn copy_item(
    Call(auth, p, _): Call<FilesWrite, ItemPath>,
    ApiJson(req): ApiJson<CopyItem>,
) -> ApiResult<Response> {
    let drive = auth.drive(Operation::CopyItem)?;
    let item = drive
        .copy_item(&auth.ctx, &p.space, &p.item, req)
        .await?
        .allowed(drive);
    Ok(created_item(&p.conn, item))
}

/// 201 with the new item's `Location`.
pub fn created_item(conn: &str, item: Item) -> Response {
    created(item_location(conn, &item.space_id, &item.id), item)
}

/// Creates one item of `p.space` named `name` in `parent` with `create`, holding the
/// creation lock of that name: concurrent creations of one name in one folder run one at a
/// time (the second one sees the first one's item). 201 with its `Location`.
async fn create_one(
    state: &AppState,
    auth: &Authorized<FilesWrite>,
    drive: &dyn crate::providers::Drive,
    p: &SpacePath,
    parent: Option<String>,
    name: &str,
    create: impl AsyncFnOnce() -> ApiResult<Item>,
) -> ApiResult<Response> {
    let _one_at_a_time = state
        .creation_locks()
        .lock(&auth.connection.name, &p.space, parent.as_deref(), name)
        .await?;
    let item = create().await?.allowed(drive);
    Ok(created_item(&p.conn, item))
}

/// Create a folder.
///
/// In `parent`, or at the root of the space when it is absent. A taken name is a 409
/// `name_conflict`.
#[utoipa::path(post, path = "/v1/connections/{conn}/spaces/{space}/folders", tag = "items", params(SpacePath),
    request_body = CreateFolder, responses((status = 201, body = Item, headers(("Location" = String, description = "The new item's path, `/v1/connections/{conn}/spaces/{space}/items/{item}`"))), LocalProblems, UpstreamProblems))]
async fn create_folder(
    State(state): State<AppState>,
    Call(auth, p, _): Call<FilesWrite, SpacePath>,
    ApiJson(mut req): ApiJson<CreateFolder>,
) -> ApiResult<Response> {
    req.name = validate::name("name", &req.name)?;
    let drive = auth.drive(Operation::CreateFolder)?;
    let (parent, name) = (req.parent.clone(), req.name.clone());
    create_one(&state, &auth, drive, &p, parent, &name, async || {
        drive.create_folder(&auth.ctx, &p.space, req).await
    })
    .await
}

/// Create an online document.
///
/// A document, spreadsheet or slide deck, where the provider has online documents.
#[utoipa::path(post, path = "/v1/connections/{conn}/spaces/{space}/documents", tag = "items", params(SpacePath),
    request_body = CreateDocument, responses((status = 201, body = Item, headers(("Location" = String, description = "The new item's path, `/v1/connections/{conn}/spaces/{space}/items/{item}`"))), LocalProblems, UpstreamProblems))]
async fn create_document(
    State(state): State<AppState>,
    Call(auth, p, _): Call<FilesWrite, SpacePath>,
    ApiJson(mut req): ApiJson<CreateDocument>,
) -> ApiResult<Response> {
    req.name = validate::name("name", &req.name)?;
    let drive = auth.drive(Operation::CreateDocument)?;
    let (parent, name) = (req.parent.clone(), req.name.clone());
    create_one(&state, &auth, drive, &p, parent, &name, async || {
        drive.create_document(&auth.ctx, &p.space, req).await
    })
    .await
}
