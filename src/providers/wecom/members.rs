//! Item members (`file_acl_*`), sharing (`file_setting`, `file_share`) and security
//! (`file_secure_setting`), all read back through `get_file_permission`.

use async_trait::async_trait;
use serde_json::{Value, json};

use super::WecomDrive;
use super::client::*;
use super::map::*;
use super::resolve::*;
use crate::error::{ApiError, ApiResult};
use crate::model::*;
use crate::providers::*;

#[async_trait]
impl Members for WecomDrive {
    async fn list_item_members(
        &self,
        _ctx: &Ctx,
        space: &str,
        id: &str,
        page: PageRequest,
    ) -> ApiResult<Page<Member>> {
        let Target { fileid, .. } = self.target(space, id).await?;
        let p = self.file_permission(&fileid).await?;
        let mut members: Vec<Member> = p
            .file_member_list
            .iter()
            .map(|a| member(a, false))
            .collect();
        if let Some(inherit) = p.inherit_father_auth.filter(|i| i.inherit) {
            members.extend(inherit.auth_list.iter().map(|a| member(a, true)));
        }
        paginate(members, &page)
    }

    async fn add_item_members(
        &self,
        _ctx: &Ctx,
        space: &str,
        id: &str,
        req: AddMembers,
    ) -> ApiResult<Vec<Member>> {
        let (Target { fileid, .. }, infos) = self
            .target_with(space, id, || {
                self.new_auth_infos(&req.members, &FILE_ROLES, "files")
            })
            .await?;
        self.acl_add("file_acl_add", ("fileid", &fileid), &infos)
            .await
    }

    /// As for spaces, `file_acl_add` on an existing member sets its auth.
    async fn update_item_member(
        &self,
        ctx: &Ctx,
        space: &str,
        id: &str,
        who: &Principal,
        req: UpdateMember,
    ) -> ApiResult<Member> {
        let fileid = parse_item(id)?;
        let target = auth_info(who, None)?;
        let p = self.file_permission(&fileid).await?;
        check_member(
            &p.file_member_list,
            &target,
            "not a direct member of this item",
        )?;
        the_one(
            self.add_item_members(ctx, space, id, re_add(who, req))
                .await?,
        )
    }

    async fn remove_item_member(
        &self,
        _ctx: &Ctx,
        space: &str,
        id: &str,
        who: &Principal,
    ) -> ApiResult<()> {
        let Target { fileid, .. } = self.target(space, id).await?;
        self.acl_del("file_acl_del", ("fileid", &fileid), who).await
    }

    async fn get_sharing(&self, _ctx: &Ctx, space: &str, id: &str) -> ApiResult<Sharing> {
        let Target { fileid, .. } = self.target(space, id).await?;
        let p = self.file_permission(&fileid).await?;
        Ok(sharing(&p.share_range.unwrap_or_default()))
    }

    async fn update_sharing(
        &self,
        ctx: &Ctx,
        space: &str,
        id: &str,
        req: Sharing,
    ) -> ApiResult<Sharing> {
        let Target { fileid, .. } = self.target(space, id).await?;
        let mut body = json!({"fileid": fileid, "auth_scope": auth_scope(req.scope)});
        if let Some(role) = req.role {
            body["auth"] = auth_value(role, None, &FILE_ROLES, "share links")?.into();
        }
        let _: Value = self.client.call("file_setting", &body).await?;
        self.get_sharing(ctx, space, id).await
    }

    async fn create_share_link(
        &self,
        _ctx: &Ctx,
        space: &str,
        id: &str,
        req: ShareLinkRequest,
    ) -> ApiResult<ShareLink> {
        if req.scope.is_some()
            || req.role.is_some()
            || req.expires_at.is_some()
            || req.password.is_some()
        {
            return Err(ApiError::bad_request(
                "share_link_options_not_supported",
                "WeDrive share links take no options; set who may open them with PUT …/sharing",
            ));
        }
        let Target { fileid, .. } = self.target(space, id).await?;
        let url: String = self
            .client
            .call_field("file_share", &json!({ "fileid": fileid }), "share_url")
            .await?;
        // file_share answers only `share_url` (wecom-wedrive.txt, 获取分享链接): no id, and the
        // document has no call to list or revoke links, so WeDrive links are not resources
        // here (list and revoke answer 501). Who may open it is `GET …/sharing`.
        Ok(ShareLink::url_only(url))
    }

    async fn get_item_security(
        &self,
        _ctx: &Ctx,
        space: &str,
        id: &str,
    ) -> ApiResult<ItemSecurity> {
        let Target { fileid, .. } = self.target(space, id).await?;
        let p = self.file_permission(&fileid).await?;
        Ok(security(p.secure_setting.as_ref(), p.watermark.as_ref()))
    }

    async fn update_item_security(
        &self,
        ctx: &Ctx,
        space: &str,
        id: &str,
        req: ItemSecurity,
    ) -> ApiResult<ItemSecurity> {
        let (Target { fileid, .. }, w) = self
            .target_with(space, id, || {
                if !req.reported.is_empty() {
                    return Err(ApiError::invalid_field(
                        "reported",
                        "reported settings are read-only",
                    ));
                }
                let w = req.watermark.unwrap_or_default();
                if w.forced_by_admin.is_some() || w.forced_by_space_admin.is_some() {
                    return Err(ApiError::invalid_field(
                        "watermark",
                        "forced_by_admin and forced_by_space_admin are set by administrators, not the API",
                    ));
                }
                Ok(w)
            })
            .await?;
        let mut watermark = serde_json::Map::new();
        if let Some(t) = w.text {
            watermark.insert("text".into(), t.into());
        }
        if let Some(d) = w.density {
            watermark.insert(
                "margin_type".into(),
                (if d == WatermarkDensity::Low { 1 } else { 2 }).into(),
            );
        }
        if let Some(v) = w.show_visitor_name {
            watermark.insert("show_visitor_name".into(), v.into());
        }
        if let Some(v) = w.show_text {
            watermark.insert("show_text".into(), v.into());
        }
        let _: Value = self
            .client
            .call(
                "file_secure_setting",
                &json!({"fileid": fileid, "watermark": watermark}),
            )
            .await?;
        self.get_item_security(ctx, space, id).await
    }
}

impl WecomDrive {
    pub(super) async fn file_permission(&self, fileid: &str) -> ApiResult<FilePermission> {
        self.client
            .call("get_file_permission", &json!({ "fileid": fileid }))
            .await
    }

    /// `file_acl_add`/`space_acl_add` (`function`) of `infos` on the file or space `on` names
    /// (`("fileid", …)`, `("spaceid", …)`); answers them as direct members.
    pub(super) async fn acl_add(
        &self,
        function: &'static str,
        (key, id): (&str, &str),
        infos: &[AuthInfo],
    ) -> ApiResult<Vec<Member>> {
        let _: Value = self
            .client
            .call(function, &json!({ key: id, "auth_info": infos }))
            .await?;
        Ok(infos.iter().map(|a| member(a, false)).collect())
    }

    /// `file_acl_del`/`space_acl_del` (`function`) of `who` on the file or space `on` names.
    pub(super) async fn acl_del(
        &self,
        function: &'static str,
        (key, id): (&str, &str),
        who: &Principal,
    ) -> ApiResult<()> {
        let body = json!({ key: id, "auth_info": [auth_info(who, None)?] });
        let _: Value = self.client.call(function, &body).await?;
        Ok(())
    }

    pub(super) fn new_auth_infos(
        &self,
        members: &[NewMember],
        allowed: &[Role],
        what: &str,
    ) -> ApiResult<Vec<AuthInfo>> {
        members
            .iter()
            .map(|m| {
                let auth = auth_value(m.role, m.provider_role.as_deref(), allowed, what)?;
                let p = Principal {
                    kind: m.kind,
                    id: m.id.clone(),
                    name: None,
                };
                auth_info(&p, Some(auth))
            })
            .collect()
    }
}

/// The member a role change ([`re_add`]) answers: the one it added.
pub(super) fn the_one(mut added: Vec<Member>) -> ApiResult<Member> {
    added.pop().ok_or_else(|| ApiError::internal("no member"))
}

/// A role change as WeDrive expresses it: adding the member again with the new auth.
pub(super) fn re_add(who: &Principal, req: UpdateMember) -> AddMembers {
    AddMembers {
        members: vec![NewMember {
            kind: who.kind,
            id: who.id.clone(),
            role: req.role,
            provider_role: req.provider_role,
        }],
        message: None,
    }
}

/// A role change is for one of `members` (`detail` says of what it is not one).
pub(super) fn check_member(
    members: &[AuthInfo],
    target: &AuthInfo,
    detail: &'static str,
) -> ApiResult<()> {
    if !members.iter().any(|a| same(a, target)) {
        return Err(ApiError::not_found("member_not_found", detail));
    }
    Ok(())
}

pub(super) fn same(a: &AuthInfo, b: &AuthInfo) -> bool {
    a.kind == b.kind && a.userid == b.userid && a.departmentid == b.departmentid
}
