//! WeDrive wire values ⇄ the unified model: ids, items, roles, scopes, settings.

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

use super::client::{AuthInfo, WireFile};
use crate::error::{ApiError, ApiResult};
use crate::model::ids::{self, IdKind};
use crate::model::*;
use crate::providers::item_named;

const P: Provider = Provider::Wecom;

pub fn space_id(spaceid: &str) -> String {
    ids::encode(IdKind::Space, P, &[spaceid])
}

pub fn parse_space(id: &str) -> ApiResult<String> {
    let [s] = ids::decode_n::<1>(IdKind::Space, P, id)?;
    Ok(s)
}

pub fn item_id(fileid: &str) -> String {
    ids::encode(IdKind::Item, P, &[fileid])
}

pub fn parse_item(id: &str) -> ApiResult<String> {
    let [f] = ids::decode_n::<1>(IdKind::Item, P, id)?;
    Ok(f)
}

/// `fatherid` for a unified `parent`: the space id for the root (wecom-wedrive.txt: "根目录时为
/// 空间spaceid"), which the unified API hides behind "absent" or `"root"`.
pub fn father(spaceid: &str, parent: Option<&str>) -> ApiResult<String> {
    match parent {
        None | Some("root") => Ok(spaceid.to_owned()),
        Some(p) => parse_item(p),
    }
}

pub fn time(secs: i64) -> Option<DateTime<Utc>> {
    (secs > 0)
        .then(|| DateTime::from_timestamp(secs, 0))
        .flatten()
}

pub fn kind(file_type: u32) -> ItemKind {
    match file_type {
        1 => ItemKind::Folder,
        3 => ItemKind::Document,
        4 => ItemKind::Spreadsheet,
        5 => ItemKind::Form,
        6 => ItemKind::Slides,
        _ => ItemKind::File,
    }
}

pub fn item(f: WireFile) -> Item {
    let k = kind(f.file_type);
    let parent_id =
        (f.fatherid != f.spaceid && !f.fatherid.is_empty()).then(|| item_id(&f.fatherid));
    Item {
        parent_id,
        size: (k == ItemKind::File).then_some(f.file_size),
        created_at: time(f.ctime),
        modified_at: time(f.mtime),
        sha1: Some(f.sha).filter(|s| !s.is_empty() && k == ItemKind::File),
        md5: Some(f.md5).filter(|s| !s.is_empty() && k == ItemKind::File),
        web_url: f.url.filter(|u| !u.is_empty()),
        ..item_named(item_id(&f.fileid), space_id(&f.spaceid), f.file_name, k)
    }
    .derived()
}

/// WeDrive's name rule: at most 255 "characters" where ASCII counts 1 and anything else 2
/// (wecom-wedrive.txt, file_upload/file_create/file_rename: "英文算1个, 汉字算2个").
pub const MAX_NAME_UNITS: usize = 255;

pub fn name_units(name: &str) -> usize {
    name.chars().map(|c| if c.is_ascii() { 1 } else { 2 }).sum()
}

/// Checked before any upstream call.
pub fn check_name(field: &str, name: &str) -> ApiResult<()> {
    let units = name_units(name);
    if units > MAX_NAME_UNITS {
        return Err(ApiError::BadRequest {
            code: "name_too_long",
            detail: format!(
                "WeDrive names are at most {MAX_NAME_UNITS} units, where a CJK (any non-ASCII) character counts 2; this one is {units}"
            ),
            field: Some(field.to_owned()),
        });
    }
    if let Some(c) = name.chars().find(|c| "\\/:*?\"<>|".contains(*c)) {
        return Err(ApiError::BadRequest {
            code: "invalid_name",
            detail: format!("WeDrive names cannot contain '{c}' (nor any of \\ / : * ? \" < > |)"),
            field: Some(field.to_owned()),
        });
    }
    if name == "." || name == ".." {
        return Err(ApiError::BadRequest {
            code: "invalid_name",
            detail: "'.' and '..' are not file names".into(),
            field: Some(field.to_owned()),
        });
    }
    Ok(())
}

pub fn sort_type(sort: Option<SortOrder>) -> u32 {
    match sort.unwrap_or_default() {
        SortOrder::NameAsc => 1,
        SortOrder::NameDesc => 2,
        SortOrder::SizeAsc => 3,
        SortOrder::SizeDesc => 4,
        SortOrder::ModifiedAsc => 5,
        SortOrder::ModifiedDesc => 6,
    }
}

/// Space roles: 1 download (viewer), 4 preview (previewer), 7 space admin (manager).
pub const SPACE_ROLES: [Role; 3] = [Role::Previewer, Role::Viewer, Role::Manager];
/// File roles: 1 view/download (viewer), 4 preview (previewer).
pub const FILE_ROLES: [Role; 2] = [Role::Previewer, Role::Viewer];

fn role_error(role: Role, allowed: &[Role], what: &str) -> ApiError {
    ApiError::BadRequest {
        code: "role_not_supported",
        detail: format!("WeDrive {what} cannot grant {role:?}; roles it can grant: {allowed:?}"),
        field: Some("role".into()),
    }
}

/// The `auth` value for a role, or `provider_role` when it names one of WeDrive's own values.
pub fn auth_value(
    role: Role,
    provider_role: Option<&str>,
    allowed: &[Role],
    what: &str,
) -> ApiResult<u32> {
    if let Some(p) = provider_role {
        let v: u32 = p.parse().map_err(|_| {
            ApiError::invalid_field("provider_role", "WeDrive roles are auth numbers: 1, 4 or 7")
        })?;
        let ok = match v {
            1 | 4 => true,
            7 => allowed.contains(&Role::Manager),
            _ => false,
        };
        return if ok {
            Ok(v)
        } else {
            Err(ApiError::invalid_field(
                "provider_role",
                format!("auth {v} is not valid for {what}"),
            ))
        };
    }
    if !allowed.contains(&role) {
        return Err(role_error(role, allowed, what));
    }
    Ok(match role {
        Role::Previewer => 4,
        Role::Manager => 7,
        _ => 1,
    })
}

pub fn role_of(auth: u32) -> Role {
    match auth {
        4 => Role::Previewer,
        7 => Role::Manager,
        2 | 3 => Role::Editor,
        _ => Role::Viewer,
    }
}

pub fn principal(a: &AuthInfo) -> Principal {
    if a.kind == 2 {
        Principal {
            kind: PrincipalKind::Department,
            id: a.departmentid.map(|d| d.to_string()).unwrap_or_default(),
            name: None,
        }
    } else {
        Principal {
            kind: PrincipalKind::User,
            id: a.userid.clone().unwrap_or_default(),
            name: None,
        }
    }
}

pub fn member(a: &AuthInfo, inherited: bool) -> Member {
    let auth = a.auth.unwrap_or(1);
    Member {
        principal: principal(a),
        role: role_of(auth),
        provider_role: auth.to_string(),
        inherited,
    }
}

/// An `auth_info` entry for a principal (optionally with an `auth`).
pub fn auth_info(p: &Principal, auth: Option<u32>) -> ApiResult<AuthInfo> {
    match p.kind {
        PrincipalKind::User => Ok(AuthInfo {
            kind: 1,
            userid: Some(p.id.clone()),
            departmentid: None,
            auth,
        }),
        PrincipalKind::Department => {
            Ok(AuthInfo {
                kind: 2,
                userid: None,
                departmentid: Some(p.id.parse().map_err(|_| {
                    ApiError::invalid_field("id", "WeCom department ids are numbers")
                })?),
                auth,
            })
        }
        PrincipalKind::Group => Err(ApiError::bad_request(
            "member_type_not_supported",
            "WeDrive grants to users and departments only",
        )),
    }
}

/// `auth_scope` of `file_setting`: 1 members, 2 corp, 3 external, 4/5 with admin approval.
pub fn auth_scope(scope: ShareScope) -> u32 {
    match scope {
        ShareScope::Members => 1,
        ShareScope::Organization => 2,
        ShareScope::Public => 3,
        ShareScope::OrganizationWithApproval => 4,
        ShareScope::PublicWithApproval => 5,
    }
}

fn bool_of(m: &Map<String, Value>, k: &str) -> bool {
    m.get(k).and_then(Value::as_bool).unwrap_or(false)
}

fn u32_of(m: &Map<String, Value>, k: &str) -> Option<u32> {
    m.get(k)
        .and_then(Value::as_u64)
        .and_then(|v| u32::try_from(v).ok())
}

/// `get_file_permission.share_range` → scope + role. 255 means "no access or needs approval".
pub fn sharing(range: &Map<String, Value>) -> Sharing {
    let external = bool_of(range, "enable_corp_external");
    let internal = bool_of(range, "enable_corp_internal");
    let approve_ext = bool_of(range, "corp_external_approve_only_by_admin");
    let approve_int = bool_of(range, "corp_internal_approve_only_by_admin");
    let (scope, auth) = if external {
        let s = if approve_ext {
            ShareScope::PublicWithApproval
        } else {
            ShareScope::Public
        };
        (s, u32_of(range, "corp_external_auth"))
    } else if internal {
        let s = if approve_int {
            ShareScope::OrganizationWithApproval
        } else {
            ShareScope::Organization
        };
        (s, u32_of(range, "corp_internal_auth"))
    } else {
        (ShareScope::Members, None)
    };
    Sharing {
        scope,
        role: auth.filter(|a| *a != 255).map(role_of),
    }
}

/// `new_space_info.secure_setting` → settings.
pub fn space_settings(s: &Map<String, Value>) -> SpaceSettings {
    let mut reported = std::collections::BTreeMap::new();
    for k in [
        "add_member_only_admin",
        "enable_share_url",
        "enable_share_external",
        "enable_share_external_admin",
        "enable_space_add_external_member",
        "enable_space_add_external_member_admin",
        "create_file_only_admin",
    ] {
        if let Some(v) = s.get(k) {
            reported.insert(k.to_owned(), v.clone());
        }
    }
    SpaceSettings {
        watermark: s.get("enable_watermark").and_then(Value::as_bool),
        confidential_mode: s.get("enable_confidential_mode").and_then(Value::as_bool),
        default_file_scope: u32_of(s, "default_file_scope").map(|v| {
            if v == 1 {
                ShareScope::Members
            } else {
                ShareScope::Organization
            }
        }),
        ban_share_external: s
            .get("enable_share_external")
            .and_then(Value::as_bool)
            .map(|b| !b),
        share_url_no_approve: s.get("share_url_no_approve").and_then(Value::as_bool),
        share_url_no_approve_default_role: u32_of(s, "share_url_no_approve_default_auth")
            .map(role_of),
        reported,
    }
}

/// Settings → the `space_setting` body (absent fields are left out: "保持原有状态").
pub fn space_setting_body(spaceid: &str, s: &SpaceSettings) -> ApiResult<Value> {
    let mut body = serde_json::json!({ "spaceid": spaceid });
    let m = body
        .as_object_mut()
        .ok_or_else(|| ApiError::internal("json"))?;
    if let Some(v) = s.watermark {
        m.insert("enable_watermark".into(), v.into());
    }
    if let Some(v) = s.confidential_mode {
        m.insert("enable_confidential_mode".into(), v.into());
    }
    if let Some(v) = s.default_file_scope {
        let n = match v {
            ShareScope::Members => 1,
            ShareScope::Organization => 2,
            _ => {
                return Err(ApiError::invalid_field(
                    "default_file_scope",
                    "WeDrive's default file scope is members or organization",
                ));
            }
        };
        m.insert("default_file_scope".into(), n.into());
    }
    if let Some(v) = s.ban_share_external {
        m.insert("ban_share_external".into(), v.into());
    }
    if let Some(v) = s.share_url_no_approve {
        m.insert("share_url_no_approve".into(), v.into());
    }
    if let Some(r) = s.share_url_no_approve_default_role {
        m.insert(
            "share_url_no_approve_default_auth".into(),
            auth_value(r, None, &FILE_ROLES, "share links")?.into(),
        );
    }
    if !s.reported.is_empty() {
        return Err(ApiError::invalid_field(
            "reported",
            "reported settings are read-only",
        ));
    }
    Ok(body)
}

/// `get_file_permission` → item security.
pub fn security(
    secure: Option<&Map<String, Value>>,
    watermark: Option<&Map<String, Value>>,
) -> ItemSecurity {
    let watermark = watermark.map(|w| Watermark {
        text: w.get("text").and_then(Value::as_str).map(str::to_owned),
        density: u32_of(w, "margin_type").and_then(|v| match v {
            1 => Some(WatermarkDensity::Low),
            2 => Some(WatermarkDensity::High),
            _ => None,
        }),
        show_visitor_name: w.get("show_visitor_name").and_then(Value::as_bool),
        show_text: w.get("show_text").and_then(Value::as_bool),
        forced_by_admin: w.get("force_by_admin").and_then(Value::as_bool),
        forced_by_space_admin: w.get("force_by_space_admin").and_then(Value::as_bool),
    });
    let reported = secure
        .map(|s| s.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        .unwrap_or_default();
    ItemSecurity {
        watermark,
        reported,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cjk_characters_count_double_in_names() {
        assert_eq!(name_units("abc"), 3);
        assert_eq!(name_units("报告"), 4);
        assert!(check_name("name", &"a".repeat(255)).is_ok());
        assert!(check_name("name", &"报".repeat(127)).is_ok());
        let refused = |name: &str| check_name("name", name).unwrap_err().code();
        assert_eq!(refused(&"报".repeat(128)), "name_too_long");
        assert_eq!(refused("a/b"), "invalid_name");
    }

    #[test]
    fn roles_map_to_auth_values_and_unknown_roles_name_the_allowed_ones() {
        assert_eq!(
            auth_value(Role::Viewer, None, &SPACE_ROLES, "spaces").unwrap(),
            1
        );
        assert_eq!(
            auth_value(Role::Previewer, None, &SPACE_ROLES, "spaces").unwrap(),
            4
        );
        assert_eq!(
            auth_value(Role::Manager, None, &SPACE_ROLES, "spaces").unwrap(),
            7
        );
        let err = auth_value(Role::Editor, None, &SPACE_ROLES, "spaces").unwrap_err();
        assert_eq!(err.code(), "role_not_supported");
        assert!(err.to_string().contains("Previewer"));
        assert!(auth_value(Role::Manager, None, &FILE_ROLES, "files").is_err());
        assert_eq!(
            auth_value(Role::Owner, Some("7"), &SPACE_ROLES, "spaces").unwrap(),
            7
        );
    }

    #[test]
    fn ids_round_trip_and_the_root_is_the_space() {
        assert_eq!(parse_item(&item_id("F1")).unwrap(), "F1");
        assert_eq!(father("S1", None).unwrap(), "S1");
        assert_eq!(father("S1", Some("root")).unwrap(), "S1");
        assert_eq!(father("S1", Some(&item_id("F9"))).unwrap(), "F9");
        assert!(parse_item(&space_id("S1")).is_err());
    }
}
