//! Folder collaborations (`collab/*`) and share links (`share_link/create`,
//! `file|folder/{id}/share_links`, `share_link/{unique_name}/revoke`).

use async_trait::async_trait;
use serde_json::{Value, json};

use super::FangcloudDrive;
use super::client::*;
use super::errors;
use super::map::*;
use super::paging::sliced;
use super::resolve::*;
use super::roles::*;
use crate::error::{ApiError, ApiResult};
use crate::model::*;
use crate::providers::*;

/// Share-link passwords (document: at most 33 letters and digits).
const MAX_LINK_PASSWORD: usize = 33;

/// What a share link request asks for, in the upstream's terms: `access`, `disable_download`,
/// the last day it works (`due_time`) and the time zone that day is in.
struct LinkTerms {
    access: &'static str,
    disable_download: bool,
    due: Option<chrono::NaiveDate>,
    beijing: chrono::FixedOffset,
}

fn link_terms(req: &ShareLinkRequest) -> ApiResult<LinkTerms> {
    let access = match req.scope {
        None | Some(ShareScope::Public) => "public",
        Some(ShareScope::Organization) => "company",
        Some(other) => {
            return Err(ApiError::BadRequest {
                code: "share_scope_not_supported",
                detail: format!("Fangcloud links are public or organization-wide, not {other:?}"),
                field: Some("scope".into()),
            });
        }
    };
    let disable_download = match req.role {
        None | Some(Role::Viewer) => false,
        Some(Role::Previewer) => true,
        Some(other) => {
            return Err(ApiError::BadRequest {
                code: "role_not_supported",
                detail: format!(
                    "Fangcloud links give viewer or previewer (no download), not {other:?}"
                ),
                field: Some("role".into()),
            });
        }
    };
    if let Some(p) = &req.password
        && (p.is_empty()
            || p.chars().count() > MAX_LINK_PASSWORD
            || !p.chars().all(|c| c.is_ascii_alphanumeric()))
    {
        return Err(ApiError::BadRequest {
            code: "invalid_password",
            detail: format!(
                "Fangcloud link passwords are 1 to {MAX_LINK_PASSWORD} letters and digits"
            ),
            field: Some("password".into()),
        });
    }
    let beijing = beijing()?;
    let due = req
        .expires_at
        .map(|t| t.with_timezone(&beijing).date_naive());
    if let Some(d) = due
        && d < chrono::Utc::now().with_timezone(&beijing).date_naive()
    {
        return Err(ApiError::BadRequest {
            code: "expiry_in_past",
            detail: "expires_at lies in the past".into(),
            field: Some("expires_at".into()),
        });
    }
    Ok(LinkTerms {
        access,
        disable_download,
        due,
        beijing,
    })
}

/// `due_time` is the last day the link works (yyyy-MM-dd); Fangcloud keeps Beijing time.
fn beijing() -> ApiResult<chrono::FixedOffset> {
    chrono::FixedOffset::east_opt(8 * 3600).ok_or_else(|| ApiError::internal("UTC+8"))
}

/// A link of `it` as the upstream reports it: `access` public/company is the scope,
/// `disable_download` makes it a previewer link, `due_time` ends with its day (Beijing time).
fn share_link(a: ShareLinkAnswer, it: ItemRef, beijing: chrono::FixedOffset) -> ShareLink {
    let expires_at = a
        .due_time
        .as_deref()
        .and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
        .and_then(|d| d.and_hms_opt(23, 59, 59))
        .and_then(|t| t.and_local_timezone(beijing).single())
        .map(|t| t.with_timezone(&chrono::Utc));
    ShareLink {
        id: a
            .unique_name
            .as_deref()
            .filter(|n| !n.is_empty())
            .map(|n| share_link_id(it, n)),
        url: a.share_link,
        scope: match a.access.as_deref() {
            Some("public") => Some(ShareScope::Public),
            Some("company") => Some(ShareScope::Organization),
            _ => None,
        },
        role: a
            .disable_download
            .map(|off| if off { Role::Previewer } else { Role::Viewer }),
        expires_at,
        has_password: a.password_protected,
    }
}

#[async_trait]
impl Members for FangcloudDrive {
    async fn list_item_members(
        &self,
        ctx: &Ctx,
        space: &str,
        id: &str,
        page: PageRequest,
    ) -> ApiResult<Page<Member>> {
        let (_, n) = self
            .target_with(ctx, space, id, |_, it| folder_only(it))
            .await?;
        let members = self
            .collabs(ctx, n)
            .await?
            .iter()
            .filter_map(member)
            .collect();
        paginate(members, &page)
    }

    async fn add_item_members(
        &self,
        ctx: &Ctx,
        space: &str,
        id: &str,
        req: AddMembers,
    ) -> ApiResult<Vec<Member>> {
        let (_, (n, grants)) = self
            .target_with(ctx, space, id, |_, it| {
                let n = folder_only(it)?;
                let mut grants = Vec::new();
                for (i, m) in req.members.iter().enumerate() {
                    let number = principal_number(&format!("members[{i}].id"), &m.id)?;
                    let role = role_to(m.role, m.provider_role.as_deref())?;
                    grants.push((m.kind, number, role));
                }
                Ok((n, grants))
            })
            .await?;
        let mut body = json!({ "folder_id": n });
        if let Some(msg) = req.message.as_deref().filter(|m| !m.is_empty()) {
            body["invitation_message"] = json!(msg);
        }
        if let [(kind, number, role)] = grants.as_slice() {
            body["accessible_by"] =
                json!({ "type": principal_type(*kind), "id": number, "role": role });
            let c: WireCollab = self
                .client
                .post(ctx, "collab/invite", "collab/invite", &body)
                .await?;
            return Ok(member(&c).into_iter().collect());
        }
        // Document, 批量邀请: entries of {type: user_list|department_list|group_list, ids,
        // role}; the upstream accepts all of them or none.
        let mut entries: Vec<(PrincipalKind, &str, Vec<i64>)> = Vec::new();
        for (kind, number, role) in &grants {
            match entries.iter_mut().find(|e| e.0 == *kind && e.1 == *role) {
                Some(e) => e.2.push(*number),
                None => entries.push((*kind, role, vec![*number])),
            }
        }
        body["accessible_by"] = Value::Array(
            entries
                .iter()
                .map(|(kind, role, ids)| {
                    json!({ "type": format!("{}_list", principal_type(*kind)), "ids": ids, "role": role })
                })
                .collect(),
        );
        let _: Value = self
            .client
            .post(ctx, "collab/batch_invite", "collab/batch_invite", &body)
            .await?;
        Ok(grants
            .iter()
            .map(|(kind, number, role)| Member {
                principal: Principal {
                    kind: *kind,
                    id: number.to_string(),
                    name: None,
                },
                role: role_from(role).unwrap_or(Role::Viewer),
                provider_role: (*role).to_owned(),
                inherited: false,
            })
            .collect())
    }

    async fn update_item_member(
        &self,
        ctx: &Ctx,
        space: &str,
        id: &str,
        who: &Principal,
        req: UpdateMember,
    ) -> ApiResult<Member> {
        let (_, (n, role)) = self
            .target_with(ctx, space, id, |_, it| {
                let n = folder_only(it)?;
                let role = role_to(req.role, req.provider_role.as_deref())?;
                principal_number("member", &who.id)?;
                Ok((n, role))
            })
            .await?;
        let cid = self.collab_of(ctx, n, who).await?;
        let c: WireCollab = self
            .client
            .post(
                ctx,
                "collab/update",
                &format!("collab/{cid}/update"),
                &json!({ "role": role }),
            )
            .await?;
        member(&c).ok_or_else(|| {
            crate::error::UpstreamError::malformed(
                errors::PROVIDER,
                "collab/update answered an unknown role",
            )
            .into()
        })
    }

    async fn remove_item_member(
        &self,
        ctx: &Ctx,
        space: &str,
        id: &str,
        who: &Principal,
    ) -> ApiResult<()> {
        let (_, n) = self
            .target_with(ctx, space, id, |_, it| {
                let n = folder_only(it)?;
                principal_number("member", &who.id)?;
                Ok(n)
            })
            .await?;
        let cid = self.collab_of(ctx, n, who).await?;
        let path = format!("collab/{cid}/delete");
        self.client.post_empty(ctx, "collab/delete", &path).await
    }

    async fn create_share_link(
        &self,
        ctx: &Ctx,
        space: &str,
        id: &str,
        req: ShareLinkRequest,
    ) -> ApiResult<ShareLink> {
        let (t, terms) = self
            .target_with(ctx, space, id, |_, _| link_terms(&req))
            .await?;
        let LinkTerms {
            access,
            disable_download,
            due,
            beijing,
        } = terms;
        let mut body = json!({
            "access": access,
            "disable_download": disable_download,
            "password_protected": req.password.is_some(),
        });
        body[format!("{}_id", t.it.kind())] = json!(t.it.number());
        if let Some(p) = &req.password {
            body["password"] = json!(p);
        }
        if let Some(d) = due {
            body["due_time"] = json!(d.format("%Y-%m-%d").to_string());
        }
        let a: ShareLinkAnswer = self
            .client
            .post(ctx, "share_link/create", "share_link/create", &body)
            .await?;
        Ok(share_link(a, t.it, beijing))
    }

    async fn list_share_links(
        &self,
        ctx: &Ctx,
        space: &str,
        id: &str,
        page: PageRequest,
    ) -> ApiResult<Page<ShareLink>> {
        let t = self.target(ctx, space, id).await?;
        let beijing = beijing()?;
        let path = format!("{}/{}/share_links", t.it.kind(), t.it.number());
        let call = match t.it {
            ItemRef::File(_) => "file/share_links",
            ItemRef::Folder(_) => "folder/share_links",
        };
        let path = &path;
        // `page_id` only, as the SDKs send it; the upstream chooses the page size and
        // `sliced` cuts its pages to the caller's `limit`.
        sliced(&page, |page_id| async move {
            let a: ShareLinksPage = self
                .client
                .get(ctx, call, path, &[("page_id", page_id.to_string())])
                .await?;
            let links = a
                .share_links
                .into_iter()
                .map(|l| share_link(l, t.it, beijing))
                .collect();
            Ok((links, a.paging))
        })
        .await
    }

    async fn revoke_share_link(
        &self,
        ctx: &Ctx,
        space: &str,
        id: &str,
        link: &str,
    ) -> ApiResult<()> {
        let (_, name) = self
            .target_with(ctx, space, id, |_, it| parse_share_link(link, it))
            .await?;
        // A link already revoked answers share_link_not_found_or_deleted (document, 错误码),
        // 404 share_link_not_found.
        let path = format!("share_link/{name}/revoke");
        self.client
            .post_empty(ctx, "share_link/revoke", &path)
            .await
    }
}

impl FangcloudDrive {
    pub(super) async fn collabs(&self, ctx: &Ctx, folder: i64) -> ApiResult<Vec<WireCollab>> {
        let a: CollabsAnswer = self
            .client
            .get(
                ctx,
                "folder/collabs",
                &format!("folder/{folder}/collabs"),
                &[],
            )
            .await?;
        Ok(a.collabs)
    }

    /// The collaboration id of `who` on `folder`.
    pub(super) async fn collab_of(
        &self,
        ctx: &Ctx,
        folder: i64,
        who: &Principal,
    ) -> ApiResult<i64> {
        let n = principal_number("member", &who.id)?;
        let kind = principal_type(who.kind);
        let found = self
            .collabs(ctx, folder)
            .await?
            .into_iter()
            .find(|c| c.accessible_by.kind == kind && c.accessible_by.id == n)
            .ok_or_else(|| {
                ApiError::not_found("member_not_found", "not a member of this folder")
            })?;
        found.id.ok_or_else(|| ApiError::BadRequest {
            code: "cannot_change_owner",
            detail: "the folder's owner is not a collaboration and cannot be changed or removed"
                .into(),
            field: Some("member".into()),
        })
    }
}
