use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::NewMember;

/// What kind of space: a WeCom space, a Fangcloud personal/department/collaboration space, a
/// QQ group, or a QQ friend's private files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SpaceKind {
    Team,
    Personal,
    Department,
    Collaboration,
    Group,
    Private,
}

/// A top-level container of items. A listing and a single read carry the same fields; what
/// the provider cannot know is `null`, never absent.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(examples(json!({
    "id": "AXN3BHMuMTI", "name": "Design team", "kind": "team", "root_id": "AWl3BHMuMTIEcm9vdA",
    "created_at": "2026-03-01T09:00:00Z", "member_count": 12
})))]
pub struct Space {
    pub id: String,
    pub name: String,
    pub kind: SpaceKind,
    /// The item id of the space's root folder, for use as `parent`; null where the upstream's
    /// root has no id of its own (OneBot: a group's root is its own action).
    pub root_id: Option<String>,
    /// Null when the upstream does not report it.
    pub created_at: Option<DateTime<Utc>>,
    /// Null when the upstream does not report it (in a listing as in a single read).
    pub member_count: Option<u64>,
    /// What the caller may do with this space, from the connection's `capabilities`
    /// (`operations` narrowed by `space_kinds`): no call is needed to learn it cannot.
    #[serde(default)]
    pub allowed_operations: Vec<super::Operation>,
}

/// `GET …/spaces`: one page of spaces. Spaces are found through several upstream calls
/// (Fangcloud: the user, the department tree, shared folders; OneBot: groups, friends); when
/// some fail, the page holds what the others found and `partial` says which failed and why.
/// Only when every source fails is the answer an error.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SpacePage {
    pub items: Vec<Space>,
    /// Pass as `cursor` to get the next page; null when there is none.
    pub next_cursor: Option<String>,
    /// The discovery sources that failed, each with its problem; absent when none did.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub partial: Vec<PartialSource>,
}

/// A discovery source of `GET …/spaces` that failed.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PartialSource {
    /// What was being listed: `departments`, `collaborations`, `friends`…
    pub source: String,
    /// Why it failed, as the problem its own call would have answered.
    pub problem: crate::error::Problem,
}

impl SpacePage {
    /// A page with nothing missing.
    pub fn complete(page: super::Page<Space>) -> Self {
        Self {
            items: page.items,
            next_cursor: page.next_cursor,
            partial: Vec::new(),
        }
    }
}

/// What several discovery sources gave: the spaces found, and the sources that failed.
#[derive(Debug, Default)]
pub struct Discovered {
    pub spaces: Vec<Space>,
    pub failed: Vec<(&'static str, crate::error::ApiError)>,
}

impl Discovered {
    /// Adds a source's spaces, or records its failure.
    pub fn source(
        &mut self,
        name: &'static str,
        found: Result<Vec<Space>, crate::error::ApiError>,
    ) {
        match found {
            Ok(spaces) => self.spaces.extend(spaces),
            Err(e) => self.failed.push((name, e)),
        }
    }

    /// The requested page; the first failure when every source failed (`sources` counts
    /// them, spaces found or not).
    pub fn page(
        mut self,
        sources: usize,
        page: &super::PageRequest,
    ) -> Result<SpacePage, crate::error::ApiError> {
        if self.failed.len() >= sources && !self.failed.is_empty() {
            return Err(self.failed.remove(0).1);
        }
        let p = super::paginate(self.spaces, page)?;
        Ok(SpacePage {
            items: p.items,
            next_cursor: p.next_cursor,
            partial: self
                .failed
                .into_iter()
                .map(|(source, e)| PartialSource {
                    source: source.to_owned(),
                    problem: e.to_problem(),
                })
                .collect(),
        })
    }
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
