use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::NewMember;

/// What kind of space: a WeCom space, a Fangcloud personal/department/collaboration space, a
/// QQ group, or a QQ friend's private files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SpaceKind {
    Team,
    Personal,
    Department,
    Collaboration,
    Group,
    Private,
}

/// A top-level container of items.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(examples(json!({
    "id": "AXN3BHMuMTI", "name": "Design team", "kind": "team", "root_id": "AWl3BHMuMTIEcm9vdA",
    "created_at": "2026-03-01T09:00:00Z", "member_count": 12
})))]
pub struct Space {
    pub id: String,
    pub name: String,
    pub kind: SpaceKind,
    /// The item id of the space's root folder, for use as `parent`.
    pub root_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub member_count: Option<u64>,
}

/// Body of `POST …/spaces`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateSpace {
    #[schema(schema_with = super::rules::name)]
    pub name: String,
    /// Initial members besides the creator.
    #[serde(default)]
    pub members: Vec<NewMember>,
}

/// Body of `PATCH …/spaces/{space}`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateSpace {
    #[schema(schema_with = super::rules::name)]
    pub name: String,
}

/// Storage figures. Which fields are present depends on the provider; `scope` says what the
/// figures cover (WeCom capacity is corporation-wide, Fangcloud quota is the user's).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Default)]
pub struct Quota {
    /// `space`, `user`, `group` or `corporation`.
    pub scope: String,
    pub total_bytes: Option<u64>,
    pub used_bytes: Option<u64>,
    pub available_bytes: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_count: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_limit: Option<u64>,
    /// Provider-specific figures (WeCom professional-edition seats and capacity split…).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<QuotaDetails>,
}

/// Extra storage figures some providers report.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Default)]
pub struct QuotaDetails {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub professional: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub professional_expires_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seats_total: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seats_used: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub professional_total_bytes: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub professional_available_bytes: Option<u64>,
}

/// Security settings of a space (WeCom `space_setting` / `new_space_info.secure_setting`).
/// Absent fields are left unchanged by `PUT …/settings`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct SpaceSettings {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub watermark: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confidential_mode: Option<bool>,
    /// Who can see new files by default: `members` or `organization`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_file_scope: Option<super::ShareScope>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ban_share_external: Option<bool>,
    /// Share links work without approval.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub share_url_no_approve: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub share_url_no_approve_default_role: Option<super::Role>,
    /// Read-only settings reported by the upstream that cannot be changed through the API.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub reported: std::collections::BTreeMap<String, serde_json::Value>,
}

/// Per-item security (WeCom `get_file_permission.secure_setting` + `watermark`).
/// Absent fields are left unchanged by `PUT …/security`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct ItemSecurity {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub watermark: Option<Watermark>,
    /// Read-only flags reported by the upstream.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub reported: std::collections::BTreeMap<String, serde_json::Value>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct Watermark {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(schema_with = super::rules::watermark_text)]
    pub text: Option<String>,
    /// `low` or `high`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub density: Option<WatermarkDensity>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub show_visitor_name: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub show_text: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub forced_by_admin: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub forced_by_space_admin: Option<bool>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum WatermarkDensity {
    Low,
    High,
}
