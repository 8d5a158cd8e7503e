//! Spaces: `space_*`, `mng_capacity`/`mng_pro_info` for the quota, `space_acl_*` for members.
//! WeDrive cannot list spaces: the gateway lists those it created, was configured with or has read.

use async_trait::async_trait;
use serde_json::{Value, json};

use super::WecomDrive;
use super::client::*;
use super::map;
use super::map::*;
use super::members::{check_member, re_add, same, the_one};
use crate::error::{ApiError, ApiResult};
use crate::model::*;
use crate::providers::*;
use crate::store::KnownSpace;

/// Space admins (auth 7): "最多可指定3个,不支持设置部门".
const MAX_SPACE_ADMINS: usize = 3;

#[async_trait]
impl Spaces for WecomDrive {
    /// One source (the spaces this gateway knows), so there is never a partial page.
    async fn list_spaces(&self, _ctx: &Ctx, page: PageRequest) -> ApiResult<SpacePage> {
        self.sync_known_spaces().await?;
        let after: Option<String> = page.cursor.as_deref().map(cursor::decode).transpose()?;
        let rows = self
            .store
            .list_spaces(&self.connection, after.as_deref(), page.limit + 1)
            .await
            .map_err(ApiError::internal)?;
        let more = rows.len() > page.limit as usize;
        let rows: Vec<KnownSpace> = rows.into_iter().take(page.limit as usize).collect();
        let next_cursor = if more {
            rows.last().map(|s| cursor::encode(&s.space_id))
        } else {
            None
        };
        Ok(SpacePage::complete(Page {
            items: rows
                .into_iter()
                .map(|s| Space {
                    id: space_id(&s.space_id),
                    name: s.name,
                    kind: SpaceKind::Team,
                    root_id: Some(item_id(&s.space_id)),
                    created_at: map::time(s.created_at),
                    member_count: None,
                    allowed_operations: Vec::new(),
                })
                .collect(),
            next_cursor,
        }))
    }

    async fn create_space(&self, _ctx: &Ctx, req: CreateSpace) -> ApiResult<Space> {
        check_name("name", &req.name)?;
        let members = self.new_auth_infos(&req.members, &SPACE_ROLES, "spaces")?;
        check_admins(&members, 0)?;
        let spaceid: String = self
            .client
            .call_field(
                "space_create",
                &json!({"space_name": req.name, "auth_info": members, "space_sub_type": 0}),
                "spaceid",
            )
            .await?;
        self.remember_space(&spaceid, &req.name).await;
        Ok(Space {
            id: space_id(&spaceid),
            name: req.name,
            kind: SpaceKind::Team,
            root_id: Some(item_id(&spaceid)),
            created_at: Some(chrono::Utc::now()),
            // The app creates the space but is not one of its listed members.
            member_count: Some(members.len() as u64),
            allowed_operations: Vec::new(),
        })
    }

    async fn get_space(&self, _ctx: &Ctx, space: &str) -> ApiResult<Space> {
        let spaceid = parse_space(space)?;
        let info = self.space_info(&spaceid).await?;
        // A space the caller could read is one this gateway was given: list it from now on.
        self.remember_space(&spaceid, &info.space_name).await;
        Ok(Space {
            id: space_id(&info.spaceid),
            name: info.space_name,
            kind: SpaceKind::Team,
            // The root's `fatherid` is the space id (wecom-wedrive.txt, file_list: "根目录时为空间
            // spaceid"), so that is its item id.
            root_id: Some(item_id(&info.spaceid)),
            created_at: None,
            member_count: Some(info.auth_list.auth_info.len() as u64),
            allowed_operations: Vec::new(),
        })
    }

    async fn rename_space(&self, ctx: &Ctx, space: &str, req: UpdateSpace) -> ApiResult<Space> {
        let spaceid = parse_space(space)?;
        check_name("name", &req.name)?;
        let _: Value = self
            .client
            .call(
                "space_rename",
                &json!({"spaceid": spaceid, "space_name": req.name}),
            )
            .await?;
        self.get_space(ctx, space).await
    }

    async fn delete_space(&self, _ctx: &Ctx, space: &str) -> ApiResult<()> {
        let spaceid = parse_space(space)?;
        let _: Value = self
            .client
            .call("space_dismiss", &json!({ "spaceid": spaceid }))
            .await?;
        self.store
            .delete_space(&self.connection, &spaceid)
            .await
            .map_err(ApiError::internal)?;
        Ok(())
    }

    async fn get_quota(&self, _ctx: &Ctx, space: &str) -> ApiResult<Quota> {
        parse_space(space)?;
        let c: Capacity = self.client.call("mng_capacity", &json!({})).await?;
        let details = match &self.admin_userid {
            Some(userid) => {
                let p: ProInfo = self
                    .client
                    .call("mng_pro_info", &json!({ "userid": userid }))
                    .await?;
                Some(QuotaDetails {
                    professional: Some(p.is_pro),
                    professional_expires_at: p.pro_expire_time.and_then(map::time),
                    seats_total: p.total_vip_acct_num,
                    seats_used: p.use_vip_acct_num,
                    professional_total_bytes: c.total_capacity_for_vip,
                    professional_available_bytes: c.rest_capacity_for_vip,
                })
            }
            None => Some(QuotaDetails {
                professional_total_bytes: c.total_capacity_for_vip,
                professional_available_bytes: c.rest_capacity_for_vip,
                ..Default::default()
            }),
        };
        Ok(Quota {
            scope: "corporation".into(),
            total_bytes: c.total_capacity_for_all,
            used_bytes: match (c.total_capacity_for_all, c.rest_capacity_for_all) {
                (Some(t), Some(r)) => Some(t.saturating_sub(r)),
                _ => None,
            },
            available_bytes: c.rest_capacity_for_all,
            file_count: None,
            file_limit: None,
            details,
        })
    }

    async fn get_space_settings(&self, _ctx: &Ctx, space: &str) -> ApiResult<SpaceSettings> {
        let spaceid = parse_space(space)?;
        let a: SpaceInfoAnswer = self
            .client
            .call("new_space_info", &json!({ "spaceid": spaceid }))
            .await?;
        Ok(space_settings(
            &a.space_info.secure_setting.unwrap_or_default(),
        ))
    }

    async fn update_space_settings(
        &self,
        ctx: &Ctx,
        space: &str,
        req: SpaceSettings,
    ) -> ApiResult<SpaceSettings> {
        let spaceid = parse_space(space)?;
        let body = space_setting_body(&spaceid, &req)?;
        let _: Value = self.client.call("space_setting", &body).await?;
        self.get_space_settings(ctx, space).await
    }

    async fn create_space_invite_link(&self, _ctx: &Ctx, space: &str) -> ApiResult<ShareLink> {
        let spaceid = parse_space(space)?;
        let url: String = self
            .client
            .call_field(
                "space_share",
                &json!({ "spaceid": spaceid }),
                "space_share_url",
            )
            .await?;
        Ok(ShareLink::url_only(url))
    }

    async fn list_space_members(
        &self,
        _ctx: &Ctx,
        space: &str,
        page: PageRequest,
    ) -> ApiResult<Page<Member>> {
        let spaceid = parse_space(space)?;
        let info = self.space_info(&spaceid).await?;
        paginate(
            info.auth_list
                .auth_info
                .iter()
                .map(|a| member(a, false))
                .collect(),
            &page,
        )
    }

    async fn add_space_members(
        &self,
        _ctx: &Ctx,
        space: &str,
        req: AddMembers,
    ) -> ApiResult<Vec<Member>> {
        let spaceid = parse_space(space)?;
        let infos = self.new_auth_infos(&req.members, &SPACE_ROLES, "spaces")?;
        let existing = self.space_info(&spaceid).await?;
        let admins = existing
            .auth_list
            .auth_info
            .iter()
            .filter(|a| a.auth == Some(7) && !infos.iter().any(|n| same(n, a)))
            .count();
        check_admins(&infos, admins)?;
        self.acl_add("space_acl_add", ("spaceid", &spaceid), &infos)
            .await
    }

    /// WeDrive has no "change role" call: `space_acl_add` for an existing member sets its auth.
    async fn update_space_member(
        &self,
        ctx: &Ctx,
        space: &str,
        who: &Principal,
        req: UpdateMember,
    ) -> ApiResult<Member> {
        let spaceid = parse_space(space)?;
        let info = self.space_info(&spaceid).await?;
        let target = auth_info(who, None)?;
        check_member(
            &info.auth_list.auth_info,
            &target,
            "not a member of this space",
        )?;
        the_one(self.add_space_members(ctx, space, re_add(who, req)).await?)
    }

    async fn remove_space_member(&self, _ctx: &Ctx, space: &str, who: &Principal) -> ApiResult<()> {
        let spaceid = parse_space(space)?;
        self.acl_del("space_acl_del", ("spaceid", &spaceid), who)
            .await
    }
}

impl WecomDrive {
    pub(super) async fn space_info(&self, spaceid: &str) -> ApiResult<WireSpace> {
        let a: SpaceInfoAnswer = self
            .client
            .call("space_info", &json!({ "spaceid": spaceid }))
            .await?;
        Ok(a.space_info)
    }

    pub(super) async fn remember_space(&self, spaceid: &str, name: &str) {
        let s = KnownSpace {
            space_id: spaceid.to_owned(),
            name: name.to_owned(),
            created_at: chrono::Utc::now().timestamp(),
        };
        if let Err(e) = self.store.put_space(&self.connection, &s).await {
            tracing::warn!(error = %e, "cannot record a known space");
        }
    }

    pub(super) async fn sync_known_spaces(&self) -> ApiResult<()> {
        let mut synced = self.known_synced.lock().await;
        if *synced {
            return Ok(());
        }
        for spaceid in &self.known_spaces {
            match self.space_info(spaceid).await {
                Ok(info) => self.remember_space(spaceid, &info.space_name).await,
                // A configured space that was dismissed must not break the listing.
                Err(ApiError::Upstream(u)) if u.kind == crate::error::UpstreamKind::NotFound => {
                    tracing::warn!(connection = %self.connection, "a configured known space no longer exists; skipped");
                }
                Err(e) => return Err(e),
            }
        }
        *synced = true;
        Ok(())
    }
}

/// Space admins: users only, at most three including the existing ones.
pub(super) fn check_admins(new: &[AuthInfo], existing_admins: usize) -> ApiResult<()> {
    let new_admins: Vec<&AuthInfo> = new.iter().filter(|a| a.auth == Some(7)).collect();
    if new_admins.iter().any(|a| a.kind == 2) {
        return Err(ApiError::BadRequest {
            code: "role_not_supported",
            detail: "WeDrive space managers (auth 7) must be users, not departments".into(),
            field: Some("members".into()),
        });
    }
    if existing_admins + new_admins.len() > MAX_SPACE_ADMINS {
        return Err(ApiError::BadRequest {
            code: "too_many_managers",
            detail: format!(
                "a WeDrive space has at most {MAX_SPACE_ADMINS} managers; it has {existing_admins} and the request adds {}",
                new_admins.len()
            ),
            field: Some("members".into()),
        });
    }
    Ok(())
}
