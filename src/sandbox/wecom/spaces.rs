//! Spaces (管理空间): space_create, space_rename, space_dismiss, space_info, new_space_info,
//! space_setting, space_share.

use serde_json::{Value, json};

use super::App;
use super::acl::{On, add_space_members, read_auth_info};
use super::envelope::{ApiError, ApiResult, Fields, fields};
use super::model::Space;
use super::names;
use super::request::{Obj, keep_or_set};
use crate::providers::wecom::errcodes;

/// `space_create`: `{space_name, auth_info?, space_sub_type?}` → `{spaceid}`. The creator is
/// the app itself (document: "创建者为应用本身"), so it needs no member.
pub fn space_create(app: &App, body: Obj) -> ApiResult {
    let name = body.str("space_name")?;
    names::check_space_name(name)?;
    if body.u32("space_sub_type")? != 0 {
        return Err(ApiError::new(
            errcodes::INVALID_PARAMETER,
            "invalid space_sub_type: only 0 is supported",
        ));
    }
    let members = read_auth_info(body, On::Space, true)?;
    let mut drive = app.drive();
    let id = drive.new_space_id();
    let mut space = Space::new(id.clone(), name.to_owned(), true);
    add_space_members(&mut space, members)?;
    drive.spaces.insert(id.clone(), space);
    Ok(fields(json!({ "spaceid": id })))
}

/// `space_rename`: `{spaceid, space_name}`.
pub fn space_rename(app: &App, body: Obj) -> ApiResult {
    let spaceid = body.str("spaceid")?;
    let name = body.str("space_name")?;
    let mut drive = app.drive();
    drive.space(spaceid)?;
    names::check_space_name(name)?;
    drive.space_mut(spaceid)?.name = name.to_owned();
    Ok(Fields::new())
}

/// `space_dismiss`: `{spaceid}`. The space and everything in it are gone afterwards (640001 /
/// 640002 for their ids).
pub fn space_dismiss(app: &App, body: Obj) -> ApiResult {
    let spaceid = body.str("spaceid")?;
    let mut drive = app.drive();
    drive.space(spaceid)?;
    drive.spaces.remove(spaceid);
    drive.nodes.retain(|_, n| n.spaceid != spaceid);
    Ok(Fields::new())
}

fn space_json(space: &Space) -> Value {
    json!({
        "spaceid": space.id,
        "space_name": space.name,
        "auth_list": {
            "auth_info": space.members.iter().map(|m| m.to_json()).collect::<Vec<_>>(),
            "quit_userid": space.quit_userid,
        },
        "space_sub_type": 0,
    })
}

/// `space_info`: `{spaceid}` → `{space_info:{spaceid, space_name, auth_list:{auth_info,
/// quit_userid}, space_sub_type}}`. (The sample's auth values 3 and 2 predate the table's
/// 1/4/7; the simulator answers the stored 1/4/7.)
pub fn space_info(app: &App, body: Obj) -> ApiResult {
    let spaceid = body.str("spaceid")?;
    let drive = app.drive();
    let space = drive.space(spaceid)?;
    Ok(fields(json!({ "space_info": space_json(space) })))
}

/// `new_space_info`: like space_info plus `secure_setting`.
pub fn new_space_info(app: &App, body: Obj) -> ApiResult {
    let spaceid = body.str("spaceid")?;
    let drive = app.drive();
    let space = drive.space(spaceid)?;
    let mut info = space_json(space);
    if let Value::Object(map) = &mut info {
        map.insert("secure_setting".into(), space.secure.to_json());
    }
    Ok(fields(json!({ "space_info": info })))
}

/// `space_setting`: `{spaceid, enable_watermark?, enable_confidential_mode?,
/// default_file_scope?, ban_share_external?, share_url_no_approve?,
/// share_url_no_approve_default_auth?}`; an absent field keeps its value ("如果不填充此字段为保持
/// 原有状态"). Only on spaces this app created ("应用通过api调用仅支持设置由本应用创建的空间").
pub fn space_setting(app: &App, body: Obj) -> ApiResult {
    let spaceid = body.str("spaceid")?;
    let mut drive = app.drive();
    if !drive.space(spaceid)?.app_created {
        return Err(ApiError::new(
            errcodes::NO_PERMISSION,
            "no permission: the space was not created by this app",
        ));
    }
    let watermark = body.opt_bool("enable_watermark")?;
    let confidential = body.opt_bool("enable_confidential_mode")?;
    let ban_external = body.opt_bool("ban_share_external")?;
    let no_approve = body.opt_bool("share_url_no_approve")?;
    let scope = body.opt_u32("default_file_scope")?;
    if scope.is_some_and(|s| s != 1 && s != 2) {
        return Err(ApiError::new(
            errcodes::INVALID_AUTH_SCOPE,
            "invalid default_file_scope: 1 members only, 2 whole corp",
        ));
    }
    // share_url_no_approve(_default_auth) appear only in the request sample (value 1) and the
    // new_space_info sample (value 2); the simulator accepts 1, 2 and 4.
    let default_auth = body.opt_u32("share_url_no_approve_default_auth")?;
    if default_auth.is_some_and(|a| ![1, 2, 4].contains(&a)) {
        return Err(ApiError::new(
            errcodes::INVALID_PARAMETER,
            "invalid share_url_no_approve_default_auth",
        ));
    }
    let s = &mut drive.space_mut(spaceid)?.secure;
    // Fields left out keep their value ("如果不填充此字段为保持原有状态").
    keep_or_set(&mut s.enable_watermark, watermark);
    keep_or_set(&mut s.enable_confidential_mode, confidential);
    keep_or_set(&mut s.enable_share_external, ban_external.map(|v| !v));
    keep_or_set(&mut s.share_url_no_approve, no_approve);
    keep_or_set(&mut s.default_file_scope, scope);
    keep_or_set(&mut s.share_url_no_approve_default_auth, default_auth);
    Ok(Fields::new())
}

/// `space_share`: `{spaceid}` → `{space_share_url}` (one stable invite link per space, served
/// by the simulator at `/s?k=…`).
pub fn space_share(app: &App, body: Obj) -> ApiResult {
    let spaceid = body.str("spaceid")?;
    let mut drive = app.drive();
    let space = drive.space_mut(spaceid)?;
    let url = super::sharing::share_link(&app.base_url, &mut space.share_key);
    Ok(fields(json!({ "space_share_url": url })))
}
