//! Spaces: one per QQ group the bot is in (`get_group_list`) and one per friend
//! (`get_friend_list`, upload only); group quotas from `get_group_file_system_info`.

use async_trait::async_trait;
use serde_json::json;

use super::OnebotDrive;
use super::client::*;
use super::map::*;
use crate::error::{ApiError, ApiResult};
use crate::model::*;
use crate::providers::*;

#[async_trait]
impl Spaces for OnebotDrive {
    /// Groups (`get_group_list`) and friends (`get_friend_list`) are found apart: when one
    /// call fails the other's spaces are still listed, with the failure in `partial`.
    async fn list_spaces(&self, _ctx: &Ctx, page: PageRequest) -> ApiResult<SpacePage> {
        let mut found = Discovered::default();
        let groups = self.groups().await;
        found.source(
            "groups",
            groups.map(|g| g.iter().map(group_space).collect()),
        );
        let friends = self.friends().await;
        found.source(
            "friends",
            friends.map(|f| f.iter().map(friend_space).collect()),
        );
        found.page(2, &page)
    }

    async fn get_space(&self, _ctx: &Ctx, space: &str) -> ApiResult<Space> {
        match parse_space(space)? {
            SpaceRef::Group(g) => listed(&self.groups().await?, |w| w.group_id == g, group_space),
            SpaceRef::User(u) => listed(&self.friends().await?, |w| w.user_id == u, friend_space),
        }
    }

    async fn get_quota(&self, _ctx: &Ctx, space: &str) -> ApiResult<Quota> {
        let group = Self::group_of(space, Operation::GetQuota)?;
        let i: WireFsInfo = self
            .client
            .call("get_group_file_system_info", &json!({ "group_id": group }))
            .await?;
        let total = u64::try_from(i.total_space).ok();
        let used = u64::try_from(i.used_space).ok();
        Ok(Quota {
            scope: "group".into(),
            total_bytes: total,
            used_bytes: used,
            available_bytes: total.zip(used).map(|(t, u)| t.saturating_sub(u)),
            file_count: u64::try_from(i.file_count).ok(),
            file_limit: u64::try_from(i.limit_count).ok(),
            details: None,
        })
    }
}

impl OnebotDrive {
    pub(super) async fn groups(&self) -> ApiResult<Vec<WireGroup>> {
        self.client.call("get_group_list", &json!({})).await
    }

    pub(super) async fn friends(&self) -> ApiResult<Vec<WireFriend>> {
        self.client.call("get_friend_list", &json!({})).await
    }
}

/// The space of the one of the bot's groups or friends (`listed`) that `is` picks; one the bot
/// does not have is not a space of this connection.
fn listed<W>(listed: &[W], is: impl Fn(&W) -> bool, space: fn(&W) -> Space) -> ApiResult<Space> {
    listed
        .iter()
        .find(|w| is(w))
        .map(space)
        .ok_or_else(|| ApiError::not_found("space_not_found", "no such space on this connection"))
}

pub(super) fn group_space(g: &WireGroup) -> Space {
    Space {
        id: space_id(SpaceRef::Group(g.group_id)),
        name: g.group_name.clone(),
        kind: SpaceKind::Group,
        root_id: None,
        created_at: None,
        member_count: u64::try_from(g.member_count).ok().filter(|n| *n > 0),
        allowed_operations: Vec::new(),
    }
}

pub(super) fn friend_space(f: &WireFriend) -> Space {
    let name = if f.remark.is_empty() {
        &f.nickname
    } else {
        &f.remark
    };
    Space {
        id: space_id(SpaceRef::User(f.user_id)),
        name: if name.is_empty() {
            f.user_id.to_string()
        } else {
            name.clone()
        },
        kind: SpaceKind::Private,
        root_id: None,
        created_at: None,
        member_count: None,
        allowed_operations: Vec::new(),
    }
}
