//! Sharing and file security: file_setting, file_share, get_file_permission,
//! file_secure_setting.

use serde_json::{Value, json};

use super::App;
use super::envelope::{ApiError, ApiResult, Fields, fields};
use super::model::Node;
use super::request::{Obj, keep_or_set};
use super::state::{Drive, random_token};
use crate::providers::wecom::errcodes;

/// get_file_permission's auth for "无权限或需要审批".
const NO_AUTH: u32 = 255;

/// `file_setting`: `{fileid, auth_scope 1..5, auth?}`. Scopes: 1 指定人, 2 企业内, 3 企业外,
/// 4 企业内需管理员审批, 5 企业外需管理员审批 (4/5 "仅有管理员时可设置": the space needs an admin
/// member). Auth: 1 or 4 for files, only 1 for documents; absent keeps the current one.
pub fn file_setting(app: &App, body: Obj) -> ApiResult {
    let fileid = body.str("fileid")?;
    let scope = body.u32("auth_scope")?;
    let auth = body.opt_u32("auth")?;
    let mut drive = app.drive();
    let node = drive.live(fileid)?;
    if !(1..=5).contains(&scope) {
        return Err(ApiError::new(
            errcodes::INVALID_AUTH_SCOPE,
            "invalid auth_scope: 1..5",
        ));
    }
    if let Some(a) = auth {
        let allowed: &[u32] = if node.is_doc() { &[1] } else { &[1, 4] };
        if !allowed.contains(&a) {
            return Err(ApiError::new(errcodes::INVALID_AUTH, "invalid auth"));
        }
    }
    let space = drive.space(&node.spaceid)?;
    if (scope == 4 || scope == 5) && !space.has_admin() {
        return Err(ApiError::new(
            errcodes::SPACE_HAS_NO_ADMIN,
            "space has no valid admin: approval scopes need one",
        ));
    }
    // The space's ban_share_external (space_setting) forbids sharing outside the corp.
    if (scope == 3 || scope == 5) && !space.secure.enable_share_external {
        return Err(ApiError::new(
            errcodes::NO_PERMISSION,
            "no permission: the space bans sharing outside the corp",
        ));
    }
    let current_auth = node.share.map_or(1, |(_, a)| a);
    let node = drive.live_mut(fileid)?;
    node.share = Some((scope, auth.unwrap_or(current_auth)));
    Ok(Fields::new())
}

/// `file_share`: `{fileid}` → `{share_url}` (one stable link per file, served at `/s?k=…`).
pub fn file_share(app: &App, body: Obj) -> ApiResult {
    let fileid = body.str("fileid")?;
    let mut drive = app.drive();
    let node = drive.live_mut(fileid)?;
    let url = share_link(&app.base_url, &mut node.share_key);
    Ok(fields(json!({ "share_url": url })))
}

/// The stable share link whose key is `key` (made on first use), served at `/s?k=…`.
pub(super) fn share_link(base_url: &str, key: &mut Option<String>) -> String {
    let key = key.get_or_insert_with(|| random_token(24));
    format!("{base_url}/s?k={key}")
}

/// The share range of a file from its file_setting, or from the space's default_file_scope
/// (1 members only, 2 whole corp with auth 1).
fn share_range(drive: &Drive, node: &Node) -> Value {
    let default_scope = drive
        .spaces
        .get(&node.spaceid)
        .map_or(2, |s| s.secure.default_file_scope);
    let (scope, auth) = node.share.unwrap_or((default_scope, 1));
    let (internal, internal_auth, external, external_auth) = match scope {
        2 => (true, auth, false, NO_AUTH),
        3 => (true, auth, true, auth),
        4 => (true, NO_AUTH, false, NO_AUTH),
        5 => (true, auth, true, NO_AUTH),
        _ => (false, NO_AUTH, false, NO_AUTH),
    };
    json!({
        "enable_corp_internal": internal,
        "corp_internal_auth": internal_auth,
        "enable_corp_external": external,
        "corp_external_auth": external_auth,
        "corp_internal_approve_only_by_admin": scope == 4,
        "corp_external_approve_only_by_admin": scope == 5,
    })
}

/// `get_file_permission`: `{fileid}` → `{share_range, secure_setting, inherit_father_auth,
/// file_member_list, watermark}`. `inherit_father_auth.auth_list` holds the space's members and
/// those added to the folders above; `file_member_list` those added to the file itself (the
/// document returns it "查询fileid为文档时"; the simulator returns it for every type).
pub fn get_file_permission(app: &App, body: Obj) -> ApiResult {
    let fileid = body.str("fileid")?;
    let drive = app.drive();
    let node = drive.live(fileid)?;
    let space = drive.space(&node.spaceid)?;
    let mut inherited: Vec<Value> = space.members.iter().map(|m| m.to_json()).collect();
    for folder in drive.ancestors(fileid) {
        inherited.extend(folder.members.iter().map(|m| m.to_json()));
    }
    let w = &node.watermark;
    Ok(fields(json!({
        "share_range": share_range(&drive, node),
        "secure_setting": {
            "enable_readonly_copy": false,
            "modify_only_by_admin": false,
            "enable_readonly_comment": false,
            "ban_share_external": !space.secure.enable_share_external,
        },
        "inherit_father_auth": { "auth_list": inherited, "inherit": true },
        "file_member_list": node.members.iter().map(|m| m.to_json()).collect::<Vec<_>>(),
        "watermark": {
            "text": w.text,
            "margin_type": w.margin_type,
            "show_visitor_name": w.show_visitor_name,
            "force_by_admin": w.force_by_admin,
            "show_text": w.show_text,
            "force_by_space_admin": space.secure.enable_watermark,
        },
    })))
}

/// `file_secure_setting`: `{fileid, watermark:{text?, margin_type?, show_visitor_name?,
/// show_text?}}`; absent fields (and margin_type 0, as in the request sample) keep their value.
/// Only `show_visitor_name` may be set on anything but a document ("除show_visitor_name字段外，
/// 其余字段仅文档可设置").
pub fn file_secure_setting(app: &App, body: Obj) -> ApiResult {
    let fileid = body.str("fileid")?;
    let mut drive = app.drive();
    let is_doc = drive.live(fileid)?.is_doc();
    let Some(w) = body.opt_object("watermark")? else {
        return Ok(Fields::new());
    };
    let text = if w.has("text") {
        Some(w.str("text")?)
    } else {
        None
    };
    let margin = w.opt_u32("margin_type")?.filter(|m| *m != 0);
    if margin.is_some_and(|m| m != 1 && m != 2) {
        return Err(ApiError::new(
            errcodes::INVALID_PARAMETER,
            "invalid margin_type: 1 low density, 2 high density",
        ));
    }
    let show_visitor_name = w.opt_bool("show_visitor_name")?;
    let show_text = w.opt_bool("show_text")?;
    if !is_doc && (text.is_some() || margin.is_some() || show_text.is_some()) {
        return Err(ApiError::new(
            errcodes::WATERMARK_NOT_SUPPORTED,
            "watermark text, margin_type and show_text are for documents only",
        ));
    }
    let wm = &mut drive.live_mut(fileid)?.watermark;
    keep_or_set(&mut wm.text, text.map(str::to_owned));
    keep_or_set(&mut wm.margin_type, margin);
    keep_or_set(&mut wm.show_visitor_name, show_visitor_name);
    keep_or_set(&mut wm.show_text, show_text);
    Ok(Fields::new())
}
