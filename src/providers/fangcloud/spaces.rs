//! Spaces: the acting user's personal space, the department spaces they can open, the
//! folders shared with them (collaboration spaces); their quotas.

use async_trait::async_trait;
use serde_json::Value;

use super::FangcloudDrive;
use super::client::*;
use super::errors;
use super::map::*;
use crate::error::ApiResult;
use crate::model::*;
use crate::providers::*;

/// Most departments walked, and collaboration folders read, when listing spaces.
const MAX_LISTED: usize = 1000;

#[async_trait]
impl Spaces for FangcloudDrive {
    /// Three sources, each tried: the user (personal space), the department tree (the
    /// department spaces the user can open) and the shared folders. A failing source leaves
    /// the others' spaces listed and is named in `partial`.
    async fn list_spaces(&self, ctx: &Ctx, page: PageRequest) -> ApiResult<SpacePage> {
        let me = self.me(ctx)?;
        let mut found = Discovered::default();
        found.source(
            "personal",
            self.personal_space(ctx, me).await.map(|s| vec![s]),
        );
        found.source("departments", self.department_spaces(ctx).await);
        found.source("collaborations", self.collab_spaces(ctx).await);
        found.page(3, &page)
    }

    async fn get_space(&self, ctx: &Ctx, space: &str) -> ApiResult<Space> {
        let sp = self.space(ctx, space)?;
        Ok(match sp {
            SpaceRef::Personal(me) => self.personal_space(ctx, me).await?,
            SpaceRef::Department(d) => {
                let h: Holder = self
                    .client
                    .get(ctx, "department/info", &format!("department/{d}/info"), &[])
                    .await?;
                Space {
                    id: sp.id(),
                    name: h.name,
                    kind: sp.kind(),
                    root_id: Some(sp.root_id()),
                    created_at: None,
                    member_count: h.user_count.map(|c| c.max(0) as u64),
                    allowed_operations: Vec::new(),
                }
            }
            SpaceRef::Collab(f) => {
                let w = self.info(ctx, ItemRef::Folder(f)).await?;
                Space {
                    id: sp.id(),
                    name: w.name,
                    kind: sp.kind(),
                    root_id: Some(sp.root_id()),
                    created_at: time(w.created_at),
                    member_count: None,
                    allowed_operations: Vec::new(),
                }
            }
        })
    }

    async fn get_quota(&self, ctx: &Ctx, space: &str) -> ApiResult<Quota> {
        let sp = self.space(ctx, space)?;
        match sp {
            SpaceRef::Personal(_) => {
                let u = self.user_info(ctx).await?;
                Ok(quota("user", u.space_total, u.space_used))
            }
            SpaceRef::Department(d) => self.department_quota(ctx, d).await,
            SpaceRef::Collab(f) => {
                let w = self.info(ctx, ItemRef::Folder(f)).await?;
                if let Some(s) = &w.space
                    && s.kind == "department"
                    && let Some(d) = s.id
                {
                    return self.department_quota(ctx, d).await;
                }
                let owner = w.owned_by.map(|o| o.id).ok_or_else(|| {
                    crate::error::UpstreamError::malformed(
                        errors::PROVIDER,
                        "folder without owned_by",
                    )
                })?;
                let path = format!("admin/user/{owner}/info");
                self.holder_quota(ctx, "admin/user/info", &path, "user")
                    .await
            }
        }
    }
}

impl FangcloudDrive {
    async fn personal_space(&self, ctx: &Ctx, me: i64) -> ApiResult<Space> {
        let user = self.user_info(ctx).await?;
        Ok(Space {
            id: SpaceRef::Personal(me).id(),
            name: format!("Personal files of {}", user.name),
            kind: SpaceKind::Personal,
            root_id: Some(SpaceRef::Personal(me).root_id()),
            created_at: None,
            member_count: None,
            allowed_operations: Vec::new(),
        })
    }

    async fn department_spaces(&self, ctx: &Ctx) -> ApiResult<Vec<Space>> {
        let mut spaces = Vec::new();
        for d in self.departments(ctx).await? {
            if self.can_open_department(ctx, d.id).await? {
                spaces.push(Space {
                    id: SpaceRef::Department(d.id).id(),
                    name: d.name,
                    kind: SpaceKind::Department,
                    root_id: Some(SpaceRef::Department(d.id).root_id()),
                    created_at: None,
                    member_count: d.user_count.map(|c| c.max(0) as u64),
                    allowed_operations: Vec::new(),
                });
            }
        }
        Ok(spaces)
    }

    async fn collab_spaces(&self, ctx: &Ctx) -> ApiResult<Vec<Space>> {
        Ok(self
            .collab_folders(ctx)
            .await?
            .into_iter()
            .map(|f| Space {
                id: SpaceRef::Collab(f.id).id(),
                name: f.name,
                kind: SpaceKind::Collaboration,
                root_id: Some(SpaceRef::Collab(f.id).root_id()),
                created_at: time(f.created_at),
                member_count: None,
                allowed_operations: Vec::new(),
            })
            .collect())
    }

    /// A department space's quota (`admin/department/{id}/info`, enterprise token).
    async fn department_quota(&self, ctx: &Ctx, d: i64) -> ApiResult<Quota> {
        let path = format!("admin/department/{d}/info");
        self.holder_quota(ctx, "admin/department/info", &path, "space")
            .await
    }

    /// The `scope` quota of an `admin/…/info` answer (the enterprise token's call).
    async fn holder_quota(
        &self,
        ctx: &Ctx,
        op: &'static str,
        path: &str,
        scope: &str,
    ) -> ApiResult<Quota> {
        let h: Holder = self.client.get(ctx, op, path, &[]).await?;
        Ok(quota(scope, h.space_total, h.space_used))
    }

    pub(super) async fn user_info(&self, ctx: &Ctx) -> ApiResult<UserInfo> {
        self.client.get(ctx, "user/info", "user/info", &[]).await
    }

    /// Departments reachable from the top of the tree, breadth first.
    pub(super) async fn departments(&self, ctx: &Ctx) -> ApiResult<Vec<DepartmentBrief>> {
        let mut out: Vec<DepartmentBrief> = Vec::new();
        let mut queue = vec![0i64];
        while let Some(d) = queue.pop() {
            let c: DepartmentChildren = self
                .client
                .get(
                    ctx,
                    "department/children",
                    &format!("department/{d}/children"),
                    &[],
                )
                .await?;
            for child in c.children {
                if out.len() >= MAX_LISTED || out.iter().any(|o| o.id == child.id) {
                    continue;
                }
                if child.has_children() {
                    queue.insert(0, child.id);
                }
                out.push(child);
            }
        }
        Ok(out)
    }

    /// Whether the acting user may list a department's space.
    pub(super) async fn can_open_department(&self, ctx: &Ctx, d: i64) -> ApiResult<bool> {
        let probe: ApiResult<Value> = self
            .client
            .get(
                ctx,
                "folder/department_folders",
                "folder/department_folders",
                &[
                    ("department_id", d.to_string()),
                    ("page_capacity", "1".into()),
                ],
            )
            .await;
        match probe {
            Ok(_) => Ok(true),
            Err(e) if matches!(e.code(), "permission_denied" | "department_not_found") => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Every folder shared with the acting user (`folder/collab_folders`, all pages).
    pub(super) async fn collab_folders(&self, ctx: &Ctx) -> ApiResult<Vec<WireItem>> {
        let mut out = Vec::new();
        let mut page = 0i64;
        loop {
            let l: Listing = self
                .client
                .get(
                    ctx,
                    "folder/collab_folders",
                    "folder/collab_folders",
                    &[
                        ("page_id", page.to_string()),
                        ("page_capacity", "100".into()),
                        ("sort_by", "name".into()),
                        ("sort_direction", "asc".into()),
                    ],
                )
                .await?;
            out.extend(l.folders);
            match l.paging.next(page) {
                Some(p) if out.len() < MAX_LISTED => page = p,
                _ => return Ok(out),
            }
        }
    }

    /// The space an item fully described by the upstream lies in, as the acting user sees it.
    pub(super) fn space_of(&self, w: &WireItem, me: i64, shared: &[i64]) -> SpaceRef {
        if let Some(s) = &w.space
            && s.kind == "department"
            && let Some(d) = s.id
        {
            return SpaceRef::Department(d);
        }
        let owner = w.owned_by.as_ref().map_or(me, |o| o.id);
        if owner == me {
            return SpaceRef::Personal(me);
        }
        w.path
            .iter()
            .map(|p| p.id)
            .chain(w.is_folder().then_some(w.id))
            .find(|id| shared.contains(id))
            .map_or(SpaceRef::Personal(owner), SpaceRef::Collab)
    }
}

fn quota(scope: &str, total: Option<i64>, used: Option<i64>) -> Quota {
    // -1 is unlimited (document, space_total: "-1为无限").
    let total = total.filter(|t| *t >= 0).map(|t| t as u64);
    let used = used.map(|u| u.max(0) as u64);
    Quota {
        scope: scope.into(),
        total_bytes: total,
        used_bytes: used,
        available_bytes: total.zip(used).map(|(t, u)| t.saturating_sub(u)),
        ..Default::default()
    }
}
