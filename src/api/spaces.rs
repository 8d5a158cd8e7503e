//! Spaces: list, create, read, rename, delete, quota, settings, invite link, members.

use axum::Json;
use axum::http::StatusCode;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use axum::response::Response;

use super::conditional::{created, location};
use super::extract::{ApiJson, ApiQuery, Authorized, Call, FilesRead, PageQuery, SpacesAdmin};
use super::paths::{ConnPath, LocalProblems, SpaceMemberPath, SpacePath, UpstreamProblems};
use super::validate;
use crate::app::AppState;
use crate::error::ApiResult;
use crate::model::*;
use crate::providers::Allowed;

/// Members just added.
#[derive(Debug, Serialize, ToSchema)]
pub struct MemberList {
    pub items: Vec<Member>,
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_spaces, create_space))
        .routes(routes!(get_space, rename_space, delete_space))
        .routes(routes!(get_quota))
        .routes(routes!(get_space_settings, update_space_settings))
        .routes(routes!(create_space_invite_link))
        .routes(routes!(list_space_members, add_space_members))
        .routes(routes!(update_space_member, remove_space_member))
}

/// List spaces.
///
/// WeCom has no call that lists spaces: its connections list the spaces this gateway created or
/// was configured with (`known_spaces`). Fangcloud lists the personal, department and
/// collaboration spaces; OneBot lists the bot's groups (and friends' private files). Paged with
/// `limit` and `cursor`. When some of the upstream calls that find spaces fail, the page lists
/// what the others found and names each failed source with its problem in `partial`; only when
/// all fail is the answer an error.
#[utoipa::path(get, path = "/v1/connections/{conn}/spaces", tag = "spaces", params(ConnPath, PageQuery),
    responses((status = 200, body = SpacePage), LocalProblems, UpstreamProblems))]
async fn list_spaces(
    auth: Authorized<FilesRead>,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> ApiResult<Json<SpacePage>> {
    let page = q.validate()?;
    Ok(Json(
        auth.drive(Operation::ListSpaces)?
            .list_spaces(&auth.ctx, page)
            .await?
            .allowed(auth.connection.drive.as_ref()),
    ))
}

/// Create a space.
///
/// Creates a space with the caller's upstream user as owner and, optionally, initial members.
/// Needs `spaces:admin`.
#[utoipa::path(post, path = "/v1/connections/{conn}/spaces", tag = "spaces", params(ConnPath), request_body = CreateSpace,
    responses((status = 201, body = Space, headers(("Location" = String, description = "The new space's path, `/v1/connections/{conn}/spaces/{space}`"))), LocalProblems, UpstreamProblems))]
async fn create_space(
    auth: Authorized<SpacesAdmin>,
    ApiJson(mut req): ApiJson<CreateSpace>,
) -> ApiResult<Response> {
    req.name = validate::name("name", &req.name)?;
    let drive = auth.drive(Operation::CreateSpace)?;
    let space = drive.create_space(&auth.ctx, req).await?.allowed(drive);
    Ok(created(
        location(&[&auth.connection.name, "spaces", &space.id]),
        space,
    ))
}

/// Read a space.
///
/// Name, kind, root folder id and, where the upstream reports them, creation time and member
/// count.
#[utoipa::path(get, path = "/v1/connections/{conn}/spaces/{space}", tag = "spaces", params(SpacePath),
    responses((status = 200, body = Space), LocalProblems, UpstreamProblems))]
async fn get_space(Call(auth, p, _): Call<FilesRead, SpacePath>) -> ApiResult<Json<Space>> {
    Ok(Json(
        auth.drive(Operation::GetSpace)?
            .get_space(&auth.ctx, &p.space)
            .await?
            .allowed(auth.connection.drive.as_ref()),
    ))
}

/// Rename a space.
///
/// Needs `spaces:admin`. The name follows the gateway's name rules and the provider's
/// (`capabilities.name_rules`).
#[utoipa::path(patch, path = "/v1/connections/{conn}/spaces/{space}", tag = "spaces", params(SpacePath), request_body = UpdateSpace,
    responses((status = 200, body = Space), LocalProblems, UpstreamProblems))]
async fn rename_space(
    Call(auth, p, _): Call<SpacesAdmin, SpacePath>,
    ApiJson(mut req): ApiJson<UpdateSpace>,
) -> ApiResult<Json<Space>> {
    req.name = validate::name("name", &req.name)?;
    Ok(Json(
        auth.drive(Operation::RenameSpace)?
            .rename_space(&auth.ctx, &p.space, req)
            .await?
            .allowed(auth.connection.drive.as_ref()),
    ))
}

/// Delete (dismiss) a space.
///
/// Removes the space and everything in it, as the upstream does. Needs `spaces:admin`.
#[utoipa::path(delete, path = "/v1/connections/{conn}/spaces/{space}", tag = "spaces", params(SpacePath),
    responses((status = 204, description = "Done"), LocalProblems, UpstreamProblems))]
async fn delete_space(Call(auth, p, _): Call<SpacesAdmin, SpacePath>) -> ApiResult<StatusCode> {
    auth.drive(Operation::DeleteSpace)?
        .delete_space(&auth.ctx, &p.space)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Read storage figures for a space.
///
/// `scope` says what the figures cover: WeCom capacity is corporation-wide, Fangcloud quota is
/// the user's, OneBot's is the group's.
#[utoipa::path(get, path = "/v1/connections/{conn}/spaces/{space}/quota", tag = "spaces", params(SpacePath),
    responses((status = 200, body = Quota), LocalProblems, UpstreamProblems))]
async fn get_quota(Call(auth, p, _): Call<FilesRead, SpacePath>) -> ApiResult<Json<Quota>> {
    Ok(Json(
        auth.drive(Operation::GetQuota)?
            .get_quota(&auth.ctx, &p.space)
            .await?,
    ))
}

/// Read a space's security settings.
///
/// Watermark, confidential mode, default file scope and share-link rules; `reported` holds
/// read-only settings the upstream reports.
#[utoipa::path(get, path = "/v1/connections/{conn}/spaces/{space}/settings", tag = "spaces", params(SpacePath),
    responses((status = 200, body = SpaceSettings), LocalProblems, UpstreamProblems))]
async fn get_space_settings(
    Call(auth, p, _): Call<FilesRead, SpacePath>,
) -> ApiResult<Json<SpaceSettings>> {
    Ok(Json(
        auth.drive(Operation::GetSpaceSettings)?
            .get_space_settings(&auth.ctx, &p.space)
            .await?,
    ))
}

/// Change a space's security settings.
///
/// Fields left out stay as they are; `reported` is ignored. Needs `spaces:admin`.
#[utoipa::path(put, path = "/v1/connections/{conn}/spaces/{space}/settings", tag = "spaces", params(SpacePath), request_body = SpaceSettings,
    responses((status = 200, body = SpaceSettings), LocalProblems, UpstreamProblems))]
async fn update_space_settings(
    Call(auth, p, _): Call<SpacesAdmin, SpacePath>,
    ApiJson(req): ApiJson<SpaceSettings>,
) -> ApiResult<Json<SpaceSettings>> {
    let drive = auth.drive(Operation::UpdateSpaceSettings)?;
    Ok(Json(
        drive
            .update_space_settings(&auth.ctx, &p.space, req)
            .await?,
    ))
}

/// Get an invitation link to a space.
///
/// A link that lets people in the organisation ask to join the space. Needs `spaces:admin`.
#[utoipa::path(post, path = "/v1/connections/{conn}/spaces/{space}/invite_link", tag = "spaces", params(SpacePath),
    responses((status = 200, body = ShareLink), LocalProblems, UpstreamProblems))]
async fn create_space_invite_link(
    Call(auth, p, _): Call<SpacesAdmin, SpacePath>,
) -> ApiResult<Json<ShareLink>> {
    let drive = auth.drive(Operation::CreateSpaceInviteLink)?;
    Ok(Json(
        drive.create_space_invite_link(&auth.ctx, &p.space).await?,
    ))
}

/// List the members of a space.
///
/// Each grant with its unified `role` and the upstream's own `provider_role`. Paged with
/// `limit` and `cursor`.
#[utoipa::path(get, path = "/v1/connections/{conn}/spaces/{space}/members", tag = "members", params(SpacePath, PageQuery),
    responses((status = 200, body = Page<Member>), LocalProblems, UpstreamProblems))]
async fn list_space_members(
    Call(auth, p, q): Call<FilesRead, SpacePath, PageQuery>,
) -> ApiResult<Json<Page<Member>>> {
    let page = q.validate()?;
    Ok(Json(
        auth.drive(Operation::ListSpaceMembers)?
            .list_space_members(&auth.ctx, &p.space, page)
            .await?,
    ))
}

/// Add members to a space.
///
/// 1-100 grants per request. A role the provider cannot express is a 400 naming the roles it
/// can (`capabilities.roles`). Needs `spaces:admin`.
#[utoipa::path(post, path = "/v1/connections/{conn}/spaces/{space}/members", tag = "members", params(SpacePath), request_body = AddMembers,
    responses((status = 201, body = MemberList, headers(("Location" = String, description = "The space's member list, `/v1/connections/{conn}/spaces/{space}/members`"))), LocalProblems, UpstreamProblems))]
async fn add_space_members(
    Call(auth, p, _): Call<SpacesAdmin, SpacePath>,
    ApiJson(req): ApiJson<AddMembers>,
) -> ApiResult<Response> {
    super::members::check_new_members(&req)?;
    let items = auth
        .drive(Operation::AddSpaceMembers)?
        .add_space_members(&auth.ctx, &p.space, req)
        .await?;
    Ok(created(
        location(&[&p.conn, "spaces", &p.space, "members"]),
        MemberList { items },
    ))
}

/// Change a space member's role.
///
/// `{member}` is `user:<id>`, `department:<id>` or `group:<id>`. Needs `spaces:admin`.
#[utoipa::path(patch, path = "/v1/connections/{conn}/spaces/{space}/members/{member}", tag = "members", params(SpaceMemberPath),
    request_body = UpdateMember, responses((status = 200, body = Member), LocalProblems, UpstreamProblems))]
async fn update_space_member(
    Call(auth, p, _): Call<SpacesAdmin, SpaceMemberPath>,
    ApiJson(req): ApiJson<UpdateMember>,
) -> ApiResult<Json<Member>> {
    let member = Principal::parse_ref(&p.member)?;
    let drive = auth.drive(Operation::UpdateSpaceMember)?;
    Ok(Json(
        drive
            .update_space_member(&auth.ctx, &p.space, &member, req)
            .await?,
    ))
}

/// Remove a member from a space.
///
/// `{member}` is `user:<id>`, `department:<id>` or `group:<id>`. Needs `spaces:admin`.
#[utoipa::path(delete, path = "/v1/connections/{conn}/spaces/{space}/members/{member}", tag = "members", params(SpaceMemberPath),
    responses((status = 204, description = "Done"), LocalProblems, UpstreamProblems))]
async fn remove_space_member(
    Call(auth, p, _): Call<SpacesAdmin, SpaceMemberPath>,
) -> ApiResult<StatusCode> {
    let member = Principal::parse_ref(&p.member)?;
    auth.drive(Operation::RemoveSpaceMembers)?
        .remove_space_member(&auth.ctx, &p.space, &member)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
