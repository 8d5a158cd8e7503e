//! Item permissions: members, link sharing, share links and security settings.

use axum::Json;
use axum::http::StatusCode;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use axum::response::Response;

use super::conditional::{created, location};
use super::extract::{ApiJson, Call, FilesRead, OptionalJson, PageQuery, SharingWrite};
use super::paths::{ItemMemberPath, ItemPath, LocalProblems, ShareLinkPath, UpstreamProblems};
use super::spaces::MemberList;
use super::validate;
use crate::app::AppState;
use crate::error::{ApiError, ApiResult};
use crate::model::rules::{
    MAX_MEMBER_ID_CHARS, MAX_MEMBERS_PER_REQUEST, MAX_MESSAGE_CHARS, MAX_WATERMARK_CHARS,
    is_link_password,
};
use crate::model::*;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_item_members, add_item_members))
        .routes(routes!(update_item_member, remove_item_member))
        .routes(routes!(get_sharing, update_sharing))
        .routes(routes!(create_share_link))
        .routes(routes!(list_share_links))
        .routes(routes!(revoke_share_link))
        .routes(routes!(get_item_security, update_item_security))
}

/// Shape checks shared by space and item member additions.
pub fn check_new_members(req: &AddMembers) -> ApiResult<()> {
    if req.members.is_empty() || req.members.len() > MAX_MEMBERS_PER_REQUEST {
        return Err(ApiError::invalid_field(
            "members",
            format!("give 1 to {MAX_MEMBERS_PER_REQUEST} members"),
        ));
    }
    for (i, m) in req.members.iter().enumerate() {
        if m.id.is_empty() || m.id.chars().count() > MAX_MEMBER_ID_CHARS {
            return Err(ApiError::invalid_field(
                &format!("members[{i}].id"),
                "member ids are 1-128 characters",
            ));
        }
    }
    if let Some(msg) = &req.message {
        validate::text("message", msg, MAX_MESSAGE_CHARS)?;
    }
    Ok(())
}

/// List who has access to an item.
///
/// Grants on the item, with `inherited` set for those granted on an ancestor. Paged with
/// `limit` and `cursor`.
#[utoipa::path(get, path = "/v1/connections/{conn}/spaces/{space}/items/{item}/members", tag = "members", params(ItemPath, PageQuery),
    responses((status = 200, body = Page<Member>), LocalProblems, UpstreamProblems))]
async fn list_item_members(
    Call(auth, p, q): Call<FilesRead, ItemPath, PageQuery>,
) -> ApiResult<Json<Page<Member>>> {
    let page = q.validate()?;
    let drive = auth.drive(Operation::ListItemMembers)?;
    Ok(Json(
        drive
            .list_item_members(&auth.ctx, &p.space, &p.item, page)
            .await?,
    ))
}

/// Grant people access to an item.
///
/// 1-100 grants per request. Needs `sharing:write`.
#[utoipa::path(post, path = "/v1/connections/{conn}/spaces/{space}/items/{item}/members", tag = "members", params(ItemPath),
    request_body = AddMembers, responses((status = 201, body = MemberList, headers(("Location" = String, description = "The item's member list, `/v1/connections/{conn}/spaces/{space}/items/{item}/members`"))), LocalProblems, UpstreamProblems))]
async fn add_item_members(
    Call(auth, p, _): Call<SharingWrite, ItemPath>,
    ApiJson(req): ApiJson<AddMembers>,
) -> ApiResult<Response> {
    check_new_members(&req)?;
    let items = auth
        .drive(Operation::AddItemMembers)?
        .add_item_members(&auth.ctx, &p.space, &p.item, req)
        .await?;
    Ok(created(
        location(&[&p.conn, "spaces", &p.space, "items", &p.item, "members"]),
        MemberList { items },
    ))
}

/// Change a grant's role on an item.
///
/// `{member}` is `user:<id>`, `department:<id>` or `group:<id>`. Needs `sharing:write`.
#[utoipa::path(patch, path = "/v1/connections/{conn}/spaces/{space}/items/{item}/members/{member}", tag = "members",
    params(ItemMemberPath), request_body = UpdateMember, responses((status = 200, body = Member), LocalProblems, UpstreamProblems))]
async fn update_item_member(
    Call(auth, p, _): Call<SharingWrite, ItemMemberPath>,
    ApiJson(req): ApiJson<UpdateMember>,
) -> ApiResult<Json<Member>> {
    let member = Principal::parse_ref(&p.member)?;
    let drive = auth.drive(Operation::UpdateItemMember)?;
    Ok(Json(
        drive
            .update_item_member(&auth.ctx, &p.space, &p.item, &member, req)
            .await?,
    ))
}

/// Remove a grant from an item.
///
/// `{member}` is `user:<id>`, `department:<id>` or `group:<id>`. Needs `sharing:write`.
#[utoipa::path(delete, path = "/v1/connections/{conn}/spaces/{space}/items/{item}/members/{member}", tag = "members",
    params(ItemMemberPath), responses((status = 204, description = "Done"), LocalProblems, UpstreamProblems))]
async fn remove_item_member(
    Call(auth, p, _): Call<SharingWrite, ItemMemberPath>,
) -> ApiResult<StatusCode> {
    let member = Principal::parse_ref(&p.member)?;
    auth.drive(Operation::RemoveItemMembers)?
        .remove_item_member(&auth.ctx, &p.space, &p.item, &member)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Read an item's link sharing.
///
/// Who can open the item through its link (`scope`) and with which `role`.
#[utoipa::path(get, path = "/v1/connections/{conn}/spaces/{space}/items/{item}/sharing", tag = "sharing", params(ItemPath),
    responses((status = 200, body = Sharing), LocalProblems, UpstreamProblems))]
async fn get_sharing(Call(auth, p, _): Call<FilesRead, ItemPath>) -> ApiResult<Json<Sharing>> {
    Ok(Json(
        auth.drive(Operation::GetSharing)?
            .get_sharing(&auth.ctx, &p.space, &p.item)
            .await?,
    ))
}

/// Change an item's link sharing.
///
/// `role` left out keeps the current one. Needs `sharing:write`.
#[utoipa::path(put, path = "/v1/connections/{conn}/spaces/{space}/items/{item}/sharing", tag = "sharing", params(ItemPath),
    request_body = Sharing, responses((status = 200, body = Sharing), LocalProblems, UpstreamProblems))]
async fn update_sharing(
    Call(auth, p, _): Call<SharingWrite, ItemPath>,
    ApiJson(req): ApiJson<Sharing>,
) -> ApiResult<Json<Sharing>> {
    Ok(Json(
        auth.drive(Operation::UpdateSharing)?
            .update_sharing(&auth.ctx, &p.space, &p.item, req)
            .await?,
    ))
}

/// Get a share link for an item.
///
/// The body is optional: `scope`, `role`, `expires_at` and `password` where the provider takes
/// them (see `capabilities.notes`). Needs `sharing:write`.
#[utoipa::path(post, path = "/v1/connections/{conn}/spaces/{space}/items/{item}/share_link", tag = "sharing", params(ItemPath),
    request_body(content = Option<ShareLinkRequest>, description = "Optional link settings, where the provider has any"),
    responses((status = 200, body = ShareLink), LocalProblems, UpstreamProblems))]
async fn create_share_link(
    Call(auth, p, _): Call<SharingWrite, ItemPath>,
    OptionalJson(body): OptionalJson<ShareLinkRequest>,
) -> ApiResult<Json<ShareLink>> {
    let req = body.unwrap_or_default();
    if let Some(p) = &req.password
        && !is_link_password(p)
    {
        return Err(ApiError::BadRequest {
            code: "invalid_password",
            detail: "link passwords are 1 to 33 letters and digits".into(),
            field: Some("password".into()),
        });
    }
    Ok(Json(
        auth.drive(Operation::CreateShareLink)?
            .create_share_link(&auth.ctx, &p.space, &p.item, req)
            .await?,
    ))
}

/// List an item's share links.
///
/// Each with its `id`, `scope`, `role`, `expires_at` and `has_password`, where the upstream
/// gives its links ids (see `capabilities.operations`). Paged with `limit` and `cursor`.
#[utoipa::path(get, path = "/v1/connections/{conn}/spaces/{space}/items/{item}/share_links", tag = "sharing", params(ItemPath, PageQuery),
    responses((status = 200, body = Page<ShareLink>), LocalProblems, UpstreamProblems))]
async fn list_share_links(
    Call(auth, p, q): Call<FilesRead, ItemPath, PageQuery>,
) -> ApiResult<Json<Page<ShareLink>>> {
    let page = q.validate()?;
    Ok(Json(
        auth.drive(Operation::ListShareLinks)?
            .list_share_links(&auth.ctx, &p.space, &p.item, page)
            .await?,
    ))
}

/// Revoke a share link.
///
/// `{link}` is the `id` of one of the item's share links; the link stops working. A link
/// already revoked is 404 `share_link_not_found`. Needs `sharing:write`.
#[utoipa::path(delete, path = "/v1/connections/{conn}/spaces/{space}/items/{item}/share_links/{link}", tag = "sharing",
    params(ShareLinkPath), responses((status = 204, description = "Revoked"), LocalProblems, UpstreamProblems))]
async fn revoke_share_link(
    Call(auth, p, _): Call<SharingWrite, ShareLinkPath>,
) -> ApiResult<StatusCode> {
    auth.drive(Operation::RevokeShareLink)?
        .revoke_share_link(&auth.ctx, &p.space, &p.item, &p.link)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Read an item's security settings.
///
/// The watermark and read-only flags the upstream reports.
#[utoipa::path(get, path = "/v1/connections/{conn}/spaces/{space}/items/{item}/security", tag = "sharing", params(ItemPath),
    responses((status = 200, body = ItemSecurity), LocalProblems, UpstreamProblems))]
async fn get_item_security(
    Call(auth, p, _): Call<FilesRead, ItemPath>,
) -> ApiResult<Json<ItemSecurity>> {
    Ok(Json(
        auth.drive(Operation::GetItemSecurity)?
            .get_item_security(&auth.ctx, &p.space, &p.item)
            .await?,
    ))
}

/// Change an item's watermark.
///
/// Fields left out stay as they are. Needs `sharing:write`.
#[utoipa::path(put, path = "/v1/connections/{conn}/spaces/{space}/items/{item}/security", tag = "sharing", params(ItemPath),
    request_body = ItemSecurity, responses((status = 200, body = ItemSecurity), LocalProblems, UpstreamProblems))]
async fn update_item_security(
    Call(auth, p, _): Call<SharingWrite, ItemPath>,
    ApiJson(req): ApiJson<ItemSecurity>,
) -> ApiResult<Json<ItemSecurity>> {
    if let Some(text) = req.watermark.as_ref().and_then(|w| w.text.as_deref()) {
        validate::text("watermark.text", text, MAX_WATERMARK_CHARS)?;
    }
    let drive = auth.drive(Operation::UpdateItemSecurity)?;
    Ok(Json(
        drive
            .update_item_security(&auth.ctx, &p.space, &p.item, req)
            .await?,
    ))
}
