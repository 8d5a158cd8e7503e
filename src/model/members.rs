use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The unified role ladder: previewer < viewer < uploader < editor < manager < owner.
/// Each provider documents how its own roles map onto it (docs/providers/*.md).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Previewer,
    Viewer,
    Uploader,
    Editor,
    Manager,
    Owner,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PrincipalKind {
    User,
    Department,
    Group,
}

/// Who a permission is granted to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Principal {
    #[serde(rename = "type")]
    pub kind: PrincipalKind,
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

impl Principal {
    /// Parses the `{member}` path segment: `user:<id>`, `department:<id>` or `group:<id>`.
    pub fn parse_ref(s: &str) -> Result<Self, crate::error::ApiError> {
        let (kind, id) = s.split_once(':').ok_or_else(|| {
            crate::error::ApiError::InvalidId(format!(
                "'{}' is not a member reference; use user:<id>, department:<id> or group:<id>",
                s.chars().take(64).collect::<String>()
            ))
        })?;
        let kind = match kind {
            "user" => PrincipalKind::User,
            "department" => PrincipalKind::Department,
            "group" => PrincipalKind::Group,
            _ => {
                return Err(crate::error::ApiError::InvalidId(format!(
                    "unknown member type '{}'; use user, department or group",
                    kind.chars().take(32).collect::<String>()
                )));
            }
        };
        if id.is_empty() || id.chars().count() > super::rules::MAX_MEMBER_ID_CHARS {
            return Err(crate::error::ApiError::InvalidId(
                "member id must be 1-128 characters".into(),
            ));
        }
        Ok(Self {
            kind,
            id: id.to_owned(),
            name: None,
        })
    }
}

/// A grant on a space or an item.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(examples(json!({
    "principal": {"type": "user", "id": "2001", "name": "Li Wei"},
    "role": "editor", "provider_role": "editor", "inherited": false
})))]
pub struct Member {
    pub principal: Principal,
    pub role: Role,
    /// The upstream's own role name or value, exactly.
    pub provider_role: String,
    /// Granted on an ancestor and inherited here.
    #[serde(default)]
    pub inherited: bool,
}

/// One grant to add (body of `POST …/members`).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewMember {
    #[serde(rename = "type")]
    pub kind: PrincipalKind,
    #[schema(schema_with = super::rules::member_id)]
    pub id: String,
    pub role: Role,
    /// Use this exact upstream role instead of mapping `role` (for roles outside the ladder,
    /// such as Fangcloud `viewer_uploader`).
    #[serde(default)]
    pub provider_role: Option<String>,
}

/// Body of `POST …/members`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddMembers {
    /// 1-100 grants.
    #[schema(min_items = 1, max_items = 100)]
    pub members: Vec<NewMember>,
    #[serde(default)]
    #[schema(schema_with = super::rules::message)]
    pub message: Option<String>,
}

/// Body of `PATCH …/members/{member}`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateMember {
    pub role: Role,
    #[serde(default)]
    pub provider_role: Option<String>,
}

/// Who can open an item through its link.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ShareScope {
    /// Only members.
    Members,
    /// Anyone in the organisation.
    Organization,
    /// Anyone, also outside the organisation.
    Public,
    /// Anyone in the organisation, after an administrator approves.
    OrganizationWithApproval,
    /// Anyone, after an administrator approves.
    PublicWithApproval,
}

/// Link-sharing settings of an item.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Sharing {
    pub scope: ShareScope,
    /// What people reached through the link may do; omit to keep the current role.
    #[serde(default)]
    pub role: Option<Role>,
}

/// A share or invitation link. What the provider does not report is `null`, never absent.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(examples(json!({
    "id": "AWxmBGZpbGUFMTAwMDEUYjJmMmRkNWU4ZGJkN2IzYjFiOGM", "url": "https://drive.example.com/share/7f3a9c",
    "scope": "organization", "role": "viewer", "expires_at": "2026-06-30T15:59:59Z", "has_password": true
})))]
pub struct ShareLink {
    /// Opaque id of the link, for `DELETE …/items/{item}/share_links/{link}`; null where the
    /// upstream gives its links no id (WeCom share links, invitation links).
    #[serde(default)]
    pub id: Option<String>,
    pub url: String,
    /// Who can open the item through this link; null where the provider does not say.
    #[serde(default)]
    pub scope: Option<ShareScope>,
    /// What people reached through the link may do; null where the provider does not say.
    #[serde(default)]
    pub role: Option<Role>,
    /// When the link stops working; null when it does not expire or the provider does not say.
    #[serde(default)]
    pub expires_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Whether opening the link asks for a password; null where the provider cannot know.
    #[serde(default)]
    pub has_password: Option<bool>,
}

impl ShareLink {
    /// A link of which the upstream reports only its URL.
    pub fn url_only(url: String) -> Self {
        Self {
            id: None,
            url,
            scope: None,
            role: None,
            expires_at: None,
            has_password: None,
        }
    }
}

/// Options of `POST …/share_link`, where the upstream has any.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct ShareLinkRequest {
    #[serde(default)]
    pub scope: Option<ShareScope>,
    #[serde(default)]
    pub role: Option<Role>,
    #[serde(default)]
    pub expires_at: Option<chrono::DateTime<chrono::Utc>>,
    #[serde(default)]
    #[schema(schema_with = super::rules::link_password)]
    pub password: Option<String>,
}

/// A directory entry (user, department, group) that permissions can be granted to.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct DirectoryEntry {
    pub principal: Principal,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub member_count: Option<u64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DirectoryKind {
    Users,
    Departments,
    Groups,
}

/// Validated directory query.
#[derive(Debug, Clone, Default)]
pub struct DirectoryQuery {
    pub query: Option<String>,
    /// Only entries under this department (users, departments).
    pub department: Option<String>,
    pub page: super::PageRequest,
}
