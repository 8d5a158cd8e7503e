//! Fangcloud collaboration roles ⇄ the unified role ladder, and collaborations ⇄ members.

use super::wire::WireCollab;
use crate::error::{ApiError, ApiResult};
use crate::model::*;

/// Roles a collaboration can be given (document, 新的权限: `role`; `reset` is refused here:
/// remove the member instead).
pub const GRANTABLE: [&str; 8] = [
    "previewer",
    "viewer",
    "uploader",
    "previewer_uploader",
    "viewer_uploader",
    "online_collaborator",
    "editor",
    "coowner",
];

/// The roles of the unified ladder this provider can grant.
pub const LADDER: [Role; 5] = [
    Role::Previewer,
    Role::Viewer,
    Role::Uploader,
    Role::Editor,
    Role::Manager,
];

/// A Fangcloud role read back: the highest ladder role whose Fangcloud counterpart's rights it
/// includes (docs/providers/fangcloud.md). `None` for `reset` (no access) and unknown roles.
pub fn role_from(provider_role: &str) -> Option<Role> {
    Some(match provider_role {
        "previewer" => Role::Previewer,
        "viewer" => Role::Viewer,
        "uploader" | "previewer_uploader" | "viewer_uploader" | "online_collaborator" => {
            Role::Uploader
        }
        "editor" => Role::Editor,
        "coowner" => Role::Manager,
        "owner" => Role::Owner,
        _ => return None,
    })
}

/// The Fangcloud role to grant: `provider_role` exactly when given, else the ladder role's
/// counterpart. Checked before any upstream call.
pub fn role_to(role: Role, provider_role: Option<&str>) -> ApiResult<&'static str> {
    if let Some(p) = provider_role {
        return GRANTABLE
            .iter()
            .find(|g| **g == p)
            .copied()
            .ok_or_else(|| ApiError::BadRequest {
                code: "role_not_supported",
                detail: format!(
                    "'{}' is not a Fangcloud collaboration role; provider_role may be one of {}",
                    p.chars().take(40).collect::<String>(),
                    GRANTABLE.join(", ")
                ),
                field: Some("provider_role".into()),
            });
    }
    Ok(match role {
        Role::Previewer => "previewer",
        Role::Viewer => "viewer",
        Role::Uploader => "uploader",
        Role::Editor => "editor",
        Role::Manager => "coowner",
        Role::Owner => {
            return Err(ApiError::BadRequest {
                code: "role_not_supported",
                detail: "Fangcloud cannot grant ownership; roles it can grant: previewer, viewer, uploader, editor, manager (coowner)".into(),
                field: Some("role".into()),
            });
        }
    })
}

pub fn member(c: &WireCollab) -> Option<Member> {
    let role = role_from(&c.role)?;
    let kind = match c.accessible_by.kind.as_str() {
        "user" => PrincipalKind::User,
        "department" => PrincipalKind::Department,
        "group" => PrincipalKind::Group,
        _ => return None,
    };
    Some(Member {
        principal: Principal {
            kind,
            id: c.accessible_by.id.to_string(),
            name: c.accessible_by.name.clone().filter(|n| !n.is_empty()),
        },
        role,
        provider_role: c.role.clone(),
        inherited: false,
    })
}

pub fn principal_type(kind: PrincipalKind) -> &'static str {
    match kind {
        PrincipalKind::User => "user",
        PrincipalKind::Department => "department",
        PrincipalKind::Group => "group",
    }
}

/// A member id: Fangcloud user, department and group ids are numbers.
pub fn principal_number(field: &str, id: &str) -> ApiResult<i64> {
    id.parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| ApiError::BadRequest {
            code: "invalid_member",
            detail: format!(
                "Fangcloud user, department and group ids are positive numbers, not '{}'",
                id.chars().take(40).collect::<String>()
            ),
            field: Some(field.to_owned()),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_map_onto_the_ladder_and_back() {
        for (fc, role) in [
            ("previewer", Role::Previewer),
            ("viewer", Role::Viewer),
            ("uploader", Role::Uploader),
            ("previewer_uploader", Role::Uploader),
            ("viewer_uploader", Role::Uploader),
            ("online_collaborator", Role::Uploader),
            ("editor", Role::Editor),
            ("coowner", Role::Manager),
            ("owner", Role::Owner),
        ] {
            assert_eq!(role_from(fc), Some(role), "{fc}");
        }
        assert_eq!(role_from("reset"), None);
        for role in LADDER {
            assert_eq!(role_from(role_to(role, None).unwrap()), Some(role));
        }
        assert_eq!(
            role_to(Role::Owner, None).unwrap_err().code(),
            "role_not_supported"
        );
        assert_eq!(
            role_to(Role::Viewer, Some("viewer_uploader")).unwrap(),
            "viewer_uploader"
        );
        assert_eq!(
            role_to(Role::Viewer, Some("reset")).unwrap_err().code(),
            "role_not_supported"
        );
    }
}
