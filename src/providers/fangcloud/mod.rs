//! Fangcloud (亿方云) Open API v2 adapter: fangcloud-open-api-v2.txt behind the `Drive` contract.
//!
//! Mapping tables, role ladder and error codes: docs/providers/fangcloud.md. Where the
//! document's extraction lost a function's path, the simulator's choice (the official SDKs'
//! paths, src/sandbox/fangcloud) is used.

mod client;
mod errors;
mod map;

use async_trait::async_trait;
use futures::{StreamExt, TryStreamExt};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use self::client::*;
use self::map::*;
use super::{ByteRange, Ctx, Deps, Download, DownloadOutcome, Drive, UploadFile};
use crate::config::FangcloudConfig;
use crate::error::{ApiError, ApiResult};
use crate::model::*;
use crate::spool::Spooled;
use crate::tokens::TokenHealth;

/// The document names no size limit; the gateway's `limits.max_upload_bytes` applies too.
pub const MAX_UPLOAD: u64 = 20 * 1024 * 1024 * 1024;
/// Calls made side by side when one listing needs a call per item (trash, recent).
const FAN_OUT: usize = 8;
/// Most departments walked, and collaboration folders read, when listing spaces.
const MAX_LISTED: usize = 1000;
/// `on_conflict=rename`: names tried after the given one ("name (1).ext"…).
const RENAME_ATTEMPTS: u32 = 20;
/// File descriptions (document, `file/{id}/update`: "长度必须小于等于140个字符").
const MAX_FILE_DESCRIPTION: usize = 140;
/// Share-link passwords (document: at most 33 letters and digits).
const MAX_LINK_PASSWORD: usize = 33;
/// `redirect=true`: how long the pre-signed download URL works (`valid_period`).
const REDIRECT_VALID_SECS: u32 = 300;

pub struct FangcloudDrive {
    client: Client,
    caps: Capabilities,
    enterprise_id: String,
}

/// Page cursor of the upstream's `page_id`/`page_capacity` listings: the capacity is kept so
/// that a changed `limit` does not shift pages.
#[derive(Debug, Serialize, Deserialize)]
struct PageCursor {
    p: i64,
    c: u32,
}

fn page_of(page: &PageRequest) -> ApiResult<(i64, u32)> {
    match page.cursor.as_deref() {
        None => Ok((0, page.limit)),
        Some(c) => {
            let c: PageCursor = cursor::decode(c)?;
            if c.p < 0 || c.c == 0 || c.c > MAX_PAGE_LIMIT {
                return Err(ApiError::BadRequest {
                    code: "invalid_cursor",
                    detail: "the cursor is malformed or belongs to another listing".into(),
                    field: Some("cursor".into()),
                });
            }
            Ok((c.p, c.c))
        }
    }
}

fn next_cursor(paging: &Paging, page_id: i64, capacity: u32) -> Option<String> {
    paging
        .next(page_id)
        .map(|p| cursor::encode(&PageCursor { p, c: capacity }))
}

fn capabilities() -> Capabilities {
    use Operation::*;
    let note = |operation, note: &str| OperationNote {
        operation,
        note: note.into(),
    };
    Capabilities {
        operations: vec![
            ListSpaces,
            GetSpace,
            GetQuota,
            ListItems,
            GetItem,
            CreateFolder,
            CreateDocument,
            RenameItem,
            MoveItem,
            UpdateDescription,
            CopyItem,
            DeleteItem,
            UploadFile,
            DownloadFile,
            ListVersions,
            GetVersion,
            UploadVersion,
            PromoteVersion,
            DeleteVersion,
            ListTrash,
            RestoreItem,
            PurgeItem,
            Search,
            ListRecent,
            ListComments,
            AddComment,
            DeleteComment,
            ListItemMembers,
            AddItemMembers,
            UpdateItemMember,
            RemoveItemMembers,
            CreateShareLink,
            ListDirectoryUsers,
            ListDirectoryDepartments,
            ListDirectoryGroups,
        ],
        max_upload_bytes: MAX_UPLOAD,
        max_single_request_upload_bytes: Some(MAX_UPLOAD),
        max_name_length: MAX_NAME_CHARS as u32,
        name_rules: "1 to 222 characters, none of / ? : * \" > < \\; folders of a path (parent \"/a/b\") also no | and no trailing '.'".into(),
        roles: LADDER.to_vec(),
        sort_orders: vec![
            SortOrder::NameAsc,
            SortOrder::NameDesc,
            SortOrder::SizeAsc,
            SortOrder::SizeDesc,
            SortOrder::ModifiedAsc,
            SortOrder::ModifiedDesc,
        ],
        range_downloads: true,
        acts_as_users: true,
        notes: vec![
            note(ListSpaces, "the acting user's personal space, the department spaces they can open (found by walking the department tree and probing folder/department_folders) and the folders shared with them (collaboration spaces)"),
            note(GetQuota, "personal: the user's space_total/space_used; department: admin/department/{id}/info; collaboration: the owner's quota (admin/user/{id}/info) — both with the enterprise token"),
            note(CreateFolder, "parent may also be a folder path starting with '/' (personal and department spaces): missing folders are created, existing ones reused (folder/create_by_path)"),
            note(CreateDocument, "an empty .docx/.xlsx/.pptx (file/create_blank_file); a taken name is renamed by the upstream"),
            note(MoveItem, "within the item's space; on_conflict must be fail (the upstream has no conflict strategy for moves)"),
            note(UpdateDescription, "file descriptions are at most 140 characters"),
            note(UploadFile, "pre-signed upload (file/upload_v2); not into the root of a department space (upload_v2 takes no department); replace uploads a new version (is_covered); rename tries 'name (n).ext'"),
            note(DownloadFile, "files only; redirect=true answers 302 to a pre-signed URL that works for 5 minutes"),
            note(ListTrash, "the acting user's trash, filtered to this space (one trash-info call per listed item)"),
            note(ListRecent, "files the acting user used recently (file/recent_items)"),
            note(ListComments, "files only"),
            note(ListItemMembers, "folders only: Fangcloud collaborations are on folders; the owner is listed with role owner"),
            note(AddItemMembers, "folders only; one member uses collab/invite, several collab/batch_invite (all or nothing)"),
            note(CreateShareLink, "scope public (default) or organization; role viewer (default) or previewer (download disabled); password of at most 33 letters and digits; expires_at is rounded to its day (Beijing time)"),
            note(ListDirectoryDepartments, "the upstream has no department search: q filters the direct children of `department` (default: the top level)"),
        ],
    }
}

impl FangcloudDrive {
    pub fn new(connection: &str, cfg: &FangcloudConfig, deps: &Deps) -> Result<Self, String> {
        let secret = cfg
            .client_secret
            .clone()
            .ok_or_else(|| format!("connection '{connection}': client secret not resolved"))?;
        Ok(Self {
            client: Client::new(
                ClientConfig {
                    connection,
                    oauth_url: &cfg.oauth_url,
                    api_url: &cfg.api_url,
                    client_id: &cfg.client_id,
                    client_secret: secret,
                    enterprise_id: &cfg.enterprise_id,
                    default_user: &cfg.default_user_id,
                },
                deps.http.clone(),
                deps.tokens.clone(),
                deps.limits.transfer_timeout,
            ),
            caps: capabilities(),
            enterprise_id: cfg.enterprise_id.clone(),
        })
    }

    /// The acting user's id: `X-Filegate-As-User` or the connection's default user.
    fn me(&self, ctx: &Ctx) -> ApiResult<i64> {
        let u = self.client.user_of(ctx);
        u.parse::<i64>()
            .ok()
            .filter(|n| *n > 0)
            .ok_or_else(|| ApiError::BadRequest {
                code: "invalid_request",
                detail: "X-Filegate-As-User must be a Fangcloud user id (a number)".into(),
                field: Some("x-filegate-as-user".into()),
            })
    }

    /// The space, which must be reachable by the acting user: a personal space is only its
    /// own user's.
    fn space(&self, ctx: &Ctx, space: &str) -> ApiResult<SpaceRef> {
        let sp = SpaceRef::parse(space)?;
        let me = self.me(ctx)?;
        if let SpaceRef::Personal(u) = sp
            && u != me
        {
            return Err(ApiError::not_found(
                "space_not_found",
                format!("that is the personal space of user {u}; this request acts as user {me}"),
            ));
        }
        Ok(sp)
    }

    async fn info(&self, ctx: &Ctx, it: ItemRef) -> ApiResult<WireItem> {
        match it {
            ItemRef::File(n) => {
                self.client
                    .get(ctx, "file/info_v2", &format!("file/{n}/info_v2"), &[])
                    .await
            }
            ItemRef::Folder(n) => {
                self.client
                    .get(ctx, "folder/info", &format!("folder/{n}/info"), &[])
                    .await
            }
        }
    }

    /// The live item, checked to lie in `sp` (an item of another space is a 404).
    async fn item_in(&self, ctx: &Ctx, sp: SpaceRef, it: ItemRef) -> ApiResult<WireItem> {
        let w = self.info(ctx, it).await?;
        if !sp.holds(&w) {
            return Err(not_in_space());
        }
        Ok(w)
    }

    /// The item as it lies in the trash (`file|folder/{id}/trash`), checked to be of `sp`.
    async fn trashed_in(&self, ctx: &Ctx, sp: SpaceRef, it: ItemRef) -> ApiResult<WireItem> {
        let op = match it {
            ItemRef::File(_) => "file/trash",
            ItemRef::Folder(_) => "folder/trash",
        };
        let w: WireItem = self
            .client
            .get(
                ctx,
                op,
                &format!("{}/{}/trash", it.kind(), it.number()),
                &[],
            )
            .await?;
        if !sp.holds(&w) {
            return Err(not_in_space());
        }
        Ok(w)
    }

    /// A folder argument, checked to lie in `sp` when it is not the space's root.
    async fn folder_in(
        &self,
        ctx: &Ctx,
        sp: SpaceRef,
        parent: Option<&str>,
        field: &str,
    ) -> ApiResult<(i64, Option<i64>)> {
        let (folder, dept) = folder_arg(sp, parent, field)?;
        if (folder, dept) != sp.root() {
            self.item_in(ctx, sp, ItemRef::Folder(folder)).await?;
        }
        Ok((folder, dept))
    }

    async fn user_info(&self, ctx: &Ctx) -> ApiResult<UserInfo> {
        self.client.get(ctx, "user/info", "user/info", &[]).await
    }

    /// Departments reachable from the top of the tree, breadth first.
    async fn departments(&self, ctx: &Ctx) -> ApiResult<Vec<DepartmentBrief>> {
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
                if child.has_children_departments {
                    queue.insert(0, child.id);
                }
                out.push(child);
            }
        }
        Ok(out)
    }

    /// Whether the acting user may list a department's space.
    async fn can_open_department(&self, ctx: &Ctx, d: i64) -> ApiResult<bool> {
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
    async fn collab_folders(&self, ctx: &Ctx) -> ApiResult<Vec<WireItem>> {
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
    fn space_of(&self, w: &WireItem, me: i64, shared: &[i64]) -> SpaceRef {
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

    /// `file/upload_v2` (or `new_version_v2`) then the multipart POST of the spooled bytes.
    async fn presign(
        &self,
        ctx: &Ctx,
        op: &'static str,
        path: &str,
        body: Value,
    ) -> ApiResult<String> {
        let a: PresignAnswer = self.client.post(ctx, op, path, &body).await?;
        Ok(a.presign_url)
    }

    async fn upload_new(
        &self,
        ctx: &Ctx,
        parent: i64,
        name: &str,
        covered: bool,
        content: &Spooled,
    ) -> ApiResult<WireItem> {
        let url = self
            .presign(
                ctx,
                "file/upload_v2",
                "file/upload_v2",
                json!({
                    "parent_id": parent,
                    "name": name,
                    "upload_type": "api",
                    "is_covered": covered,
                    "file_size": content.size,
                }),
            )
            .await?;
        self.client.upload_to(&url, name, content).await
    }

    async fn collabs(&self, ctx: &Ctx, folder: i64) -> ApiResult<Vec<WireCollab>> {
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
    async fn collab_of(&self, ctx: &Ctx, folder: i64, who: &Principal) -> ApiResult<i64> {
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

fn not_in_space() -> ApiError {
    ApiError::not_found("item_not_found", "no such item in this space")
}

fn file_only(it: ItemRef, what: &str) -> ApiResult<i64> {
    match it {
        ItemRef::File(n) => Ok(n),
        ItemRef::Folder(_) => Err(ApiError::bad_request(
            "not_a_file",
            format!("{what} exist for files only, not folders"),
        )),
    }
}

fn folder_only(it: ItemRef) -> ApiResult<i64> {
    match it {
        ItemRef::Folder(n) => Ok(n),
        ItemRef::File(_) => Err(ApiError::bad_request(
            "not_a_folder",
            "Fangcloud collaborations are on folders, not files",
        )),
    }
}

/// `name (n).ext` (the upstream's own naming of copies, document copy example).
fn numbered(name: &str, n: u32) -> String {
    match name.rfind('.') {
        Some(i) if i > 0 => format!("{} ({n}){}", &name[..i], &name[i..]),
        _ => format!("{name} ({n})"),
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

#[async_trait]
impl Drive for FangcloudDrive {
    fn provider(&self) -> Provider {
        Provider::Fangcloud
    }

    fn capabilities(&self) -> &Capabilities {
        &self.caps
    }

    fn token_health(&self) -> TokenHealth {
        let who = Who::User(self.client.default_user().to_owned());
        self.client.tokens().health(&self.client.key(&who))
    }

    // ------------------------------------------------------------ spaces

    async fn list_spaces(&self, ctx: &Ctx, page: PageRequest) -> ApiResult<Page<Space>> {
        let me = self.me(ctx)?;
        let user = self.user_info(ctx).await?;
        let mut spaces = vec![Space {
            id: SpaceRef::Personal(me).id(),
            name: format!("Personal files of {}", user.name),
            kind: SpaceKind::Personal,
            root_id: None,
            created_at: None,
            member_count: None,
        }];
        for d in self.departments(ctx).await? {
            if self.can_open_department(ctx, d.id).await? {
                spaces.push(Space {
                    id: SpaceRef::Department(d.id).id(),
                    name: d.name,
                    kind: SpaceKind::Department,
                    root_id: None,
                    created_at: None,
                    member_count: d.user_count.map(|c| c.max(0) as u64),
                });
            }
        }
        for f in self.collab_folders(ctx).await? {
            spaces.push(Space {
                id: SpaceRef::Collab(f.id).id(),
                name: f.name,
                kind: SpaceKind::Collaboration,
                root_id: Some(ItemRef::Folder(f.id).id()),
                created_at: time(f.created_at),
                member_count: None,
            });
        }
        paginate(spaces, &page)
    }

    async fn get_space(&self, ctx: &Ctx, space: &str) -> ApiResult<Space> {
        let sp = self.space(ctx, space)?;
        Ok(match sp {
            SpaceRef::Personal(_) => {
                let u = self.user_info(ctx).await?;
                Space {
                    id: sp.id(),
                    name: format!("Personal files of {}", u.name),
                    kind: sp.kind(),
                    root_id: None,
                    created_at: None,
                    member_count: None,
                }
            }
            SpaceRef::Department(d) => {
                let h: Holder = self
                    .client
                    .get(ctx, "department/info", &format!("department/{d}/info"), &[])
                    .await?;
                Space {
                    id: sp.id(),
                    name: h.name,
                    kind: sp.kind(),
                    root_id: None,
                    created_at: None,
                    member_count: h.user_count.map(|c| c.max(0) as u64),
                }
            }
            SpaceRef::Collab(f) => {
                let w = self.info(ctx, ItemRef::Folder(f)).await?;
                Space {
                    id: sp.id(),
                    name: w.name,
                    kind: sp.kind(),
                    root_id: Some(ItemRef::Folder(f).id()),
                    created_at: time(w.created_at),
                    member_count: None,
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
            SpaceRef::Department(d) => {
                let h: Holder = self
                    .client
                    .get(
                        ctx,
                        "admin/department/info",
                        &format!("admin/department/{d}/info"),
                        &[],
                    )
                    .await?;
                Ok(quota("space", h.space_total, h.space_used))
            }
            SpaceRef::Collab(f) => {
                let w = self.info(ctx, ItemRef::Folder(f)).await?;
                if let Some(s) = &w.space
                    && s.kind == "department"
                    && let Some(d) = s.id
                {
                    let h: Holder = self
                        .client
                        .get(
                            ctx,
                            "admin/department/info",
                            &format!("admin/department/{d}/info"),
                            &[],
                        )
                        .await?;
                    return Ok(quota("space", h.space_total, h.space_used));
                }
                let owner = w.owned_by.map(|o| o.id).ok_or_else(|| {
                    crate::error::UpstreamError::malformed(
                        errors::PROVIDER,
                        "folder without owned_by",
                    )
                })?;
                let h: Holder = self
                    .client
                    .get(
                        ctx,
                        "admin/user/info",
                        &format!("admin/user/{owner}/info"),
                        &[],
                    )
                    .await?;
                Ok(quota("user", h.space_total, h.space_used))
            }
        }
    }

    // ------------------------------------------------------------ items

    async fn list_items(&self, ctx: &Ctx, space: &str, req: ListItems) -> ApiResult<Page<Item>> {
        let sp = self.space(ctx, space)?;
        let (page_id, capacity) = page_of(&req.page)?;
        let (folder, dept) = self
            .folder_in(ctx, sp, req.parent.as_deref(), "parent")
            .await?;
        let (sort_by, direction) = sort(req.sort);
        let mut q = vec![
            ("page_id", page_id.to_string()),
            ("page_capacity", capacity.to_string()),
            ("type", kind_filter(req.kind).to_owned()),
            ("sort_by", sort_by.to_owned()),
            ("sort_direction", direction.to_owned()),
        ];
        if let Some(d) = dept {
            q.push(("department_id", d.to_string()));
        }
        let l: Listing = self
            .client
            .get(
                ctx,
                "folder/children",
                &format!("folder/{folder}/children"),
                &q,
            )
            .await?;
        // The upstream pages folders first, then files.
        let items = l
            .folders
            .iter()
            .chain(l.files.iter())
            .map(|w| item(w, sp))
            .collect();
        Ok(Page {
            items,
            next_cursor: next_cursor(&l.paging, page_id, capacity),
        })
    }

    async fn get_item(&self, ctx: &Ctx, space: &str, id: &str) -> ApiResult<Item> {
        let sp = self.space(ctx, space)?;
        let it = ItemRef::parse(id)?;
        Ok(item(&self.item_in(ctx, sp, it).await?, sp))
    }

    async fn create_folder(&self, ctx: &Ctx, space: &str, req: CreateFolder) -> ApiResult<Item> {
        let sp = self.space(ctx, space)?;
        check_name("name", &req.name)?;
        if let Some(path) = req.parent.as_deref().filter(|p| p.starts_with('/')) {
            // A path parent: folder/create_by_path makes what is missing (document: rooted at
            // the personal files, or the department's with department_id).
            let mut segments = check_path("parent", path)?;
            segments.push(req.name.clone());
            let mut body = json!({ "target_folder_path": segments.join("/") });
            match sp {
                SpaceRef::Personal(_) => {}
                SpaceRef::Department(d) => body["department_id"] = json!(d),
                SpaceRef::Collab(_) => {
                    return Err(ApiError::BadRequest {
                        code: "invalid_request",
                        detail: "folder paths are rooted at personal or department spaces; in a collaboration space give a folder id".into(),
                        field: Some("parent".into()),
                    });
                }
            }
            let w: WireItem = self
                .client
                .post(ctx, "folder/create_by_path", "folder/create_by_path", &body)
                .await?;
            return Ok(item(&w, sp));
        }
        let (parent, dept) = self
            .folder_in(ctx, sp, req.parent.as_deref(), "parent")
            .await?;
        let mut body = json!({ "name": req.name, "parent_id": parent });
        if let Some(d) = dept {
            body["department_id"] = json!(d);
        }
        let w: WireItem = self
            .client
            .post(ctx, "folder/create", "folder/create", &body)
            .await?;
        Ok(item(&w, sp))
    }

    async fn create_document(
        &self,
        ctx: &Ctx,
        space: &str,
        req: CreateDocument,
    ) -> ApiResult<Item> {
        let sp = self.space(ctx, space)?;
        check_name("name", &req.name)?;
        let (parent, dept) = self
            .folder_in(ctx, sp, req.parent.as_deref(), "parent")
            .await?;
        // Document, create_blank_file: type 1 doc, 2 ppt, 3 xls; strategy "2" (auto-rename)
        // is the only one.
        let kind = match req.kind {
            DocumentKind::Document => "1",
            DocumentKind::Slides => "2",
            DocumentKind::Spreadsheet => "3",
        };
        let body = json!({
            "name": req.name,
            "type": kind,
            "parentFolderId": parent,
            "parentEnterpriseId": self.enterprise_id.parse::<i64>().unwrap_or_default(),
            "departmentId": dept.unwrap_or(0),
            "nameConflictResolveStrategy": "2",
        });
        let w: WireItem = self
            .client
            .post(
                ctx,
                "file/create_blank_file",
                "file/create_blank_file",
                &body,
            )
            .await?;
        Ok(item(&w, sp))
    }

    async fn update_item(
        &self,
        ctx: &Ctx,
        space: &str,
        id: &str,
        req: UpdateItem,
    ) -> ApiResult<Item> {
        let sp = self.space(ctx, space)?;
        let it = ItemRef::parse(id)?;
        if let Some(name) = &req.name {
            check_name("name", name)?;
        }
        if let Some(d) = &req.description
            && matches!(it, ItemRef::File(_))
            && d.chars().count() > MAX_FILE_DESCRIPTION
        {
            return Err(ApiError::BadRequest {
                code: "invalid_request",
                detail: format!("file descriptions are at most {MAX_FILE_DESCRIPTION} characters"),
                field: Some("description".into()),
            });
        }
        if req.parent.is_some() && req.on_conflict.is_some_and(|c| c != OnConflict::Fail) {
            return Err(ApiError::BadRequest {
                code: "invalid_request",
                detail: "Fangcloud moves have no conflict strategy: on_conflict must be fail"
                    .into(),
                field: Some("on_conflict".into()),
            });
        }
        let target = match req.parent.as_deref() {
            Some(p) => Some(folder_arg(sp, Some(p), "parent")?),
            None => None,
        };
        let mut current = self.item_in(ctx, sp, it).await?;
        if let Some((folder, _)) = target
            && target != Some(sp.root())
        {
            self.item_in(ctx, sp, ItemRef::Folder(folder)).await?;
        }
        if req.name.is_some() || req.description.is_some() {
            let mut body = Map::new();
            if let Some(n) = &req.name {
                body.insert("name".into(), json!(n));
            }
            if let Some(d) = &req.description {
                body.insert("description".into(), json!(d));
            }
            let op = match it {
                ItemRef::File(_) => "file/update",
                ItemRef::Folder(_) => "folder/update",
            };
            current = self
                .client
                .post(
                    ctx,
                    op,
                    &format!("{}/{}/update", it.kind(), it.number()),
                    &Value::Object(body),
                )
                .await?;
        }
        if let Some((folder, dept)) = target {
            let parent_now = current
                .parent
                .as_ref()
                .map(|p| p.id)
                .or_else(|| current.path.last().map(|p| p.id));
            if parent_now != Some(folder) || dept.is_some() {
                let mut body = json!({ "target_folder_id": folder });
                if let Some(d) = dept {
                    body["department_id"] = json!(d);
                }
                let op = match it {
                    ItemRef::File(_) => "file/move",
                    ItemRef::Folder(_) => "folder/move",
                };
                let _: Value = self
                    .client
                    .post(
                        ctx,
                        op,
                        &format!("{}/{}/move", it.kind(), it.number()),
                        &body,
                    )
                    .await?;
                current = self.info(ctx, it).await?;
            }
        }
        Ok(item(&current, sp))
    }

    async fn copy_item(&self, ctx: &Ctx, space: &str, id: &str, req: CopyItem) -> ApiResult<Item> {
        let sp = self.space(ctx, space)?;
        let it = ItemRef::parse(id)?;
        let (folder, dept) = folder_arg(sp, Some(&req.parent), "parent")?;
        self.item_in(ctx, sp, it).await?;
        if (folder, dept) != sp.root() {
            self.item_in(ctx, sp, ItemRef::Folder(folder)).await?;
        }
        let mut body = json!({ "target_folder_id": folder });
        if let Some(d) = dept {
            body["department_id"] = json!(d);
        }
        let op = match it {
            ItemRef::File(_) => "file/copy",
            ItemRef::Folder(_) => "folder/copy",
        };
        let w: WireItem = self
            .client
            .post(
                ctx,
                op,
                &format!("{}/{}/copy", it.kind(), it.number()),
                &body,
            )
            .await?;
        Ok(item(&w, sp))
    }

    async fn delete_item(&self, ctx: &Ctx, space: &str, id: &str) -> ApiResult<()> {
        let sp = self.space(ctx, space)?;
        let it = ItemRef::parse(id)?;
        self.item_in(ctx, sp, it).await?;
        let op = match it {
            ItemRef::File(_) => "file/delete",
            ItemRef::Folder(_) => "folder/delete",
        };
        let _: Value = self
            .client
            .post(
                ctx,
                op,
                &format!("{}/{}/delete", it.kind(), it.number()),
                &json!({}),
            )
            .await?;
        Ok(())
    }

    async fn upload_file(
        &self,
        ctx: &Ctx,
        space: &str,
        req: UploadFile,
    ) -> ApiResult<UploadResult> {
        let sp = self.space(ctx, space)?;
        check_name("name", &req.name)?;
        let (parent, dept) = folder_arg(sp, req.parent.as_deref(), "parent")?;
        if dept.is_some() {
            return Err(ApiError::BadRequest {
                code: "invalid_request",
                detail: "Fangcloud cannot upload into the root of a department space (file/upload_v2 takes no department); upload into one of its folders".into(),
                field: Some("parent".into()),
            });
        }
        if (parent, dept) != sp.root() {
            self.item_in(ctx, sp, ItemRef::Folder(parent)).await?;
        }
        let w = match req.on_conflict {
            OnConflict::Fail => {
                self.upload_new(ctx, parent, &req.name, false, &req.content)
                    .await?
            }
            // Document, is_covered: "为true时重名情况下直接返回上传新版本的预签名链接".
            OnConflict::Replace => {
                self.upload_new(ctx, parent, &req.name, true, &req.content)
                    .await?
            }
            OnConflict::Rename => {
                let mut n = 0;
                loop {
                    let name = if n == 0 {
                        req.name.clone()
                    } else {
                        numbered(&req.name, n)
                    };
                    if n > 0 {
                        check_name("name", &name)?;
                    }
                    match self
                        .upload_new(ctx, parent, &name, false, &req.content)
                        .await
                    {
                        Err(e) if e.code() == "name_conflict" && n < RENAME_ATTEMPTS => n += 1,
                        other => break other?,
                    }
                }
            }
        };
        Ok(UploadResult {
            item: item(&w, sp),
            instant: false,
            method: "presigned".into(),
        })
    }

    async fn download(
        &self,
        ctx: &Ctx,
        space: &str,
        id: &str,
        range: Option<ByteRange>,
        redirect: bool,
    ) -> ApiResult<DownloadOutcome> {
        let sp = self.space(ctx, space)?;
        let it = ItemRef::parse(id)?;
        let n = match it {
            ItemRef::File(n) => n,
            ItemRef::Folder(_) => {
                return Err(ApiError::bad_request(
                    "not_downloadable",
                    "only files can be downloaded, not folders",
                ));
            }
        };
        let w = self.item_in(ctx, sp, it).await?;
        let valid = if redirect { REDIRECT_VALID_SECS } else { 3600 };
        let d: DownloadAnswer = self
            .client
            .get(
                ctx,
                "file/download",
                &format!("file/{n}/download"),
                &[("version", "0".into()), ("valid_period", valid.to_string())],
            )
            .await?;
        if redirect {
            // The pre-signed URL needs no secret: the caller may fetch it directly.
            return Ok(DownloadOutcome::Redirect(
                upstream_url(&d.download_url, "download_url")?.to_string(),
            ));
        }
        let header = range.map(|r| match r {
            ByteRange::From {
                start,
                end: Some(e),
            } => format!("bytes={start}-{e}"),
            ByteRange::From { start, end: None } => format!("bytes={start}-"),
            ByteRange::Suffix { len } => format!("bytes=-{len}"),
        });
        let res = self
            .client
            .fetch_download(&d.download_url, header)
            .await
            .map_err(|e| match e {
                ApiError::RangeNotSatisfiable { .. } => ApiError::RangeNotSatisfiable {
                    size: w.size.map(|s| s.max(0) as u64),
                },
                other => other,
            })?;
        Ok(DownloadOutcome::Stream(Download::from_response(
            res, w.name, false,
        )))
    }

    // ------------------------------------------------------------ versions

    async fn list_versions(&self, ctx: &Ctx, space: &str, id: &str) -> ApiResult<Page<Version>> {
        let sp = self.space(ctx, space)?;
        let it = ItemRef::parse(id)?;
        let n = file_only(it, "versions")?;
        self.item_in(ctx, sp, it).await?;
        let a: VersionsAnswer = self
            .client
            .get(ctx, "file/versions", &format!("file/{n}/versions"), &[])
            .await?;
        Ok(Page::last(
            a.file_versions.iter().map(|v| version(v, n)).collect(),
        ))
    }

    async fn get_version(&self, ctx: &Ctx, space: &str, id: &str, v: &str) -> ApiResult<Version> {
        let sp = self.space(ctx, space)?;
        let it = ItemRef::parse(id)?;
        let n = file_only(it, "versions")?;
        let vid = parse_version(v, n)?;
        self.item_in(ctx, sp, it).await?;
        let w: WireVersion = self
            .client
            .get(
                ctx,
                "file/version/info",
                &format!("file/{n}/version/{vid}/info"),
                &[],
            )
            .await?;
        Ok(version(&w, n))
    }

    async fn upload_version(
        &self,
        ctx: &Ctx,
        space: &str,
        id: &str,
        content: Spooled,
    ) -> ApiResult<UploadResult> {
        let sp = self.space(ctx, space)?;
        let it = ItemRef::parse(id)?;
        let n = file_only(it, "versions")?;
        let current = self.item_in(ctx, sp, it).await?;
        let url = self
            .presign(
                ctx,
                "file/new_version_v2",
                &format!("file/{n}/new_version_v2"),
                json!({
                    "name": current.name,
                    "upload_type": "api",
                    "file_size": content.size,
                    "sha1": content.sha1,
                }),
            )
            .await?;
        let w = self.client.upload_to(&url, &current.name, &content).await?;
        Ok(UploadResult {
            item: item(&w, sp),
            instant: false,
            method: "presigned".into(),
        })
    }

    async fn promote_version(&self, ctx: &Ctx, space: &str, id: &str, v: &str) -> ApiResult<Item> {
        let sp = self.space(ctx, space)?;
        let it = ItemRef::parse(id)?;
        let n = file_only(it, "versions")?;
        let vid = parse_version(v, n)?;
        self.item_in(ctx, sp, it).await?;
        let w: WireItem = self
            .client
            .post(
                ctx,
                "file/version/promote",
                &format!("file/{n}/version/{vid}/promote"),
                &json!({}),
            )
            .await?;
        Ok(item(&w, sp))
    }

    async fn delete_version(&self, ctx: &Ctx, space: &str, id: &str, v: &str) -> ApiResult<()> {
        let sp = self.space(ctx, space)?;
        let it = ItemRef::parse(id)?;
        let n = file_only(it, "versions")?;
        let vid = parse_version(v, n)?;
        self.item_in(ctx, sp, it).await?;
        let _: Value = self
            .client
            .post(
                ctx,
                "file/version/delete",
                &format!("file/{n}/version/{vid}/delete"),
                &json!({}),
            )
            .await?;
        Ok(())
    }

    // ------------------------------------------------------------ trash, search, recent

    async fn list_trash(&self, ctx: &Ctx, space: &str, page: PageRequest) -> ApiResult<Page<Item>> {
        let sp = self.space(ctx, space)?;
        let (page_id, capacity) = page_of(&page)?;
        let l: Listing = self
            .client
            .get(
                ctx,
                "trash/list",
                "trash/list",
                &[
                    ("page_id", page_id.to_string()),
                    ("page_capacity", capacity.to_string()),
                    ("type", "all".into()),
                ],
            )
            .await?;
        // The user's trash spans their spaces and its entries do not say which: each one's
        // trash info does.
        let refs: Vec<ItemRef> = l
            .folders
            .iter()
            .map(|w| ItemRef::Folder(w.id))
            .chain(l.files.iter().map(|w| ItemRef::File(w.id)))
            .collect();
        let found: Vec<Option<WireItem>> = futures::stream::iter(refs)
            .map(|it| async move {
                match self.trashed_in(ctx, sp, it).await {
                    Ok(w) => Ok(Some(w)),
                    Err(e) if e.status().as_u16() == 404 => Ok(None),
                    Err(e) => Err(e),
                }
            })
            .buffered(FAN_OUT)
            .try_collect()
            .await?;
        Ok(Page {
            items: found.iter().flatten().map(|w| item(w, sp)).collect(),
            next_cursor: next_cursor(&l.paging, page_id, capacity),
        })
    }

    async fn restore_item(&self, ctx: &Ctx, space: &str, id: &str) -> ApiResult<Item> {
        let sp = self.space(ctx, space)?;
        let it = ItemRef::parse(id)?;
        self.trashed_in(ctx, sp, it).await?;
        let op = match it {
            ItemRef::File(_) => "file/restore_from_trash",
            ItemRef::Folder(_) => "folder/restore_from_trash",
        };
        let _: Value = self
            .client
            .post(
                ctx,
                op,
                &format!("{}/{}/restore_from_trash", it.kind(), it.number()),
                &json!({}),
            )
            .await?;
        Ok(item(&self.info(ctx, it).await?, sp))
    }

    async fn purge_item(&self, ctx: &Ctx, space: &str, id: &str) -> ApiResult<()> {
        let sp = self.space(ctx, space)?;
        let it = ItemRef::parse(id)?;
        self.trashed_in(ctx, sp, it).await?;
        let op = match it {
            ItemRef::File(_) => "file/delete_from_trash",
            ItemRef::Folder(_) => "folder/delete_from_trash",
        };
        let _: Value = self
            .client
            .post(
                ctx,
                op,
                &format!("{}/{}/delete_from_trash", it.kind(), it.number()),
                &json!({}),
            )
            .await?;
        Ok(())
    }

    async fn search(&self, ctx: &Ctx, space: &str, req: SearchRequest) -> ApiResult<Page<Item>> {
        let sp = self.space(ctx, space)?;
        let (page_id, capacity) = page_of(&req.page)?;
        let (sort_by, direction) = search_sort(req.sort);
        let filter = match req.field.unwrap_or(SearchField::All) {
            SearchField::All => "all",
            SearchField::Name => "file_name",
            SearchField::Content => "content",
            SearchField::Creator => "creator",
            SearchField::Tag => "tag",
        };
        let mut q = vec![
            ("query_words", req.query.clone()),
            ("type", kind_filter(req.kind).to_owned()),
            ("sort_by", sort_by.to_owned()),
            ("sort_direction", direction.to_owned()),
            ("page_id", page_id.to_string()),
            ("page_capacity", capacity.to_string()),
            ("query_filter", filter.to_owned()),
            ("precise_search", req.exact.to_string()),
        ];
        // Document, department_id: 0 personal space, -1 shared with me, N a department.
        let (dept, mut within) = match sp {
            SpaceRef::Personal(_) => (0, None),
            SpaceRef::Department(d) => (d, None),
            SpaceRef::Collab(f) => (-1, Some(f)),
        };
        q.push(("department_id", dept.to_string()));
        if let Some(p) = req.parent.as_deref() {
            let (folder, _) = folder_arg(sp, Some(p), "parent")?;
            if (folder, None) != sp.root() {
                self.item_in(ctx, sp, ItemRef::Folder(folder)).await?;
            }
            within = Some(folder).filter(|f| *f != 0);
        }
        if let Some(f) = within {
            q.push(("search_in_folder", f.to_string()));
        }
        if req.modified_after.is_some() || req.modified_before.is_some() {
            // "start,end" in seconds; either side may be empty, the comma may not.
            let side = |t: Option<chrono::DateTime<chrono::Utc>>| {
                t.map_or(String::new(), |t| t.timestamp().to_string())
            };
            q.push((
                "updated_time_range",
                format!("{},{}", side(req.modified_after), side(req.modified_before)),
            ));
        }
        let l: Listing = self
            .client
            .get(ctx, "item/search", "item/search", &q)
            .await?;
        let items = l
            .folders
            .iter()
            .chain(l.files.iter())
            .map(|w| item(w, sp))
            .collect();
        Ok(Page {
            items,
            next_cursor: next_cursor(&l.paging, page_id, capacity),
        })
    }

    async fn list_recent(&self, ctx: &Ctx, page: PageRequest) -> ApiResult<Page<Item>> {
        let me = self.me(ctx)?;
        let offset: usize = match &page.cursor {
            Some(c) => cursor::decode(c)?,
            None => 0,
        };
        let want = offset + page.limit as usize + 1;
        let l: Listing = self
            .client
            .get(
                ctx,
                "file/recent_items",
                "file/recent_items",
                &[("limit", want.min(10_000).to_string())],
            )
            .await?;
        let all: Vec<ItemRef> = l
            .files
            .iter()
            .map(|w| ItemRef::File(w.id))
            .chain(l.folders.iter().map(|w| ItemRef::Folder(w.id)))
            .collect();
        let more = all.len() > offset + page.limit as usize;
        let chosen: Vec<ItemRef> = all
            .into_iter()
            .skip(offset)
            .take(page.limit as usize)
            .collect();
        // Recent items span spaces: each one's info says which.
        let infos: Vec<Option<WireItem>> = futures::stream::iter(chosen)
            .map(|it| async move {
                match self.info(ctx, it).await {
                    Ok(w) => Ok(Some(w)),
                    Err(e) if e.status().as_u16() == 404 => Ok(None),
                    Err(e) => Err(e),
                }
            })
            .buffered(FAN_OUT)
            .try_collect()
            .await?;
        let foreign = infos.iter().flatten().any(|w| {
            w.space.as_ref().is_none_or(|s| s.kind != "department")
                && w.owned_by.as_ref().is_some_and(|o| o.id != me)
        });
        let shared: Vec<i64> = if foreign {
            self.collab_folders(ctx)
                .await?
                .into_iter()
                .map(|f| f.id)
                .collect()
        } else {
            Vec::new()
        };
        Ok(Page {
            items: infos
                .iter()
                .flatten()
                .map(|w| item(w, self.space_of(w, me, &shared)))
                .collect(),
            next_cursor: more.then(|| cursor::encode(&(offset + page.limit as usize))),
        })
    }

    // ------------------------------------------------------------ comments

    async fn list_comments(
        &self,
        ctx: &Ctx,
        space: &str,
        id: &str,
        page: PageRequest,
    ) -> ApiResult<Page<Comment>> {
        let sp = self.space(ctx, space)?;
        let it = ItemRef::parse(id)?;
        let n = file_only(it, "comments")?;
        self.item_in(ctx, sp, it).await?;
        let a: CommentsAnswer = self
            .client
            .get(ctx, "file/comments", &format!("file/{n}/comments"), &[])
            .await?;
        paginate(a.comments.iter().map(|c| comment(c, n)).collect(), &page)
    }

    async fn add_comment(
        &self,
        ctx: &Ctx,
        space: &str,
        id: &str,
        req: NewComment,
    ) -> ApiResult<Comment> {
        let sp = self.space(ctx, space)?;
        let it = ItemRef::parse(id)?;
        let n = file_only(it, "comments")?;
        // Document, 添加的评论信息: content at most 1001 characters.
        if req.content.chars().count() > 1001 {
            return Err(ApiError::invalid_field(
                "content",
                "Fangcloud comments are at most 1001 characters",
            ));
        }
        self.item_in(ctx, sp, it).await?;
        let c: WireComment = self
            .client
            .post(
                ctx,
                "comment/create",
                "comment/create",
                &json!({ "file_id": n, "content": req.content }),
            )
            .await?;
        Ok(comment(&c, n))
    }

    async fn delete_comment(&self, ctx: &Ctx, space: &str, id: &str, c: &str) -> ApiResult<()> {
        let sp = self.space(ctx, space)?;
        let it = ItemRef::parse(id)?;
        let n = file_only(it, "comments")?;
        let cid = parse_comment(c, n)?;
        self.item_in(ctx, sp, it).await?;
        let _: Value = self
            .client
            .post(
                ctx,
                "comment/delete",
                &format!("comment/{cid}/delete"),
                &json!({}),
            )
            .await?;
        Ok(())
    }

    // ------------------------------------------------------------ members and sharing

    async fn list_item_members(
        &self,
        ctx: &Ctx,
        space: &str,
        id: &str,
        page: PageRequest,
    ) -> ApiResult<Page<Member>> {
        let sp = self.space(ctx, space)?;
        let it = ItemRef::parse(id)?;
        let n = folder_only(it)?;
        self.item_in(ctx, sp, it).await?;
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
        let sp = self.space(ctx, space)?;
        let it = ItemRef::parse(id)?;
        let n = folder_only(it)?;
        let mut grants = Vec::new();
        for (i, m) in req.members.iter().enumerate() {
            let number = principal_number(&format!("members[{i}].id"), &m.id)?;
            let role = role_to(m.role, m.provider_role.as_deref())?;
            grants.push((m.kind, number, role));
        }
        self.item_in(ctx, sp, it).await?;
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
        let sp = self.space(ctx, space)?;
        let it = ItemRef::parse(id)?;
        let n = folder_only(it)?;
        let role = role_to(req.role, req.provider_role.as_deref())?;
        principal_number("member", &who.id)?;
        self.item_in(ctx, sp, it).await?;
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
        let sp = self.space(ctx, space)?;
        let it = ItemRef::parse(id)?;
        let n = folder_only(it)?;
        principal_number("member", &who.id)?;
        self.item_in(ctx, sp, it).await?;
        let cid = self.collab_of(ctx, n, who).await?;
        let _: Value = self
            .client
            .post(
                ctx,
                "collab/delete",
                &format!("collab/{cid}/delete"),
                &json!({}),
            )
            .await?;
        Ok(())
    }

    async fn create_share_link(
        &self,
        ctx: &Ctx,
        space: &str,
        id: &str,
        req: ShareLinkRequest,
    ) -> ApiResult<ShareLink> {
        let sp = self.space(ctx, space)?;
        let it = ItemRef::parse(id)?;
        let access = match req.scope {
            None | Some(ShareScope::Public) => "public",
            Some(ShareScope::Organization) => "company",
            Some(other) => {
                return Err(ApiError::BadRequest {
                    code: "share_scope_not_supported",
                    detail: format!(
                        "Fangcloud links are public or organization-wide, not {other:?}"
                    ),
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
        // `due_time` is the last day the link works (yyyy-MM-dd); Fangcloud keeps Beijing time.
        let beijing =
            chrono::FixedOffset::east_opt(8 * 3600).ok_or_else(|| ApiError::internal("UTC+8"))?;
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
        self.item_in(ctx, sp, it).await?;
        let mut body = json!({
            "access": access,
            "disable_download": disable_download,
            "password_protected": req.password.is_some(),
        });
        body[format!("{}_id", it.kind())] = json!(it.number());
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
        let expires_at = a
            .due_time
            .as_deref()
            .and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
            .and_then(|d| d.and_hms_opt(23, 59, 59))
            .and_then(|t| t.and_local_timezone(beijing).single())
            .map(|t| t.with_timezone(&chrono::Utc));
        Ok(ShareLink {
            url: a.share_link,
            expires_at,
        })
    }

    // ------------------------------------------------------------ directory

    async fn list_directory(
        &self,
        ctx: &Ctx,
        kind: DirectoryKind,
        query: DirectoryQuery,
    ) -> ApiResult<Page<DirectoryEntry>> {
        self.me(ctx)?;
        let department = query
            .department
            .as_deref()
            .map(|d| principal_number("department", d))
            .transpose()?;
        let words = query.query.clone().unwrap_or_default();
        match kind {
            DirectoryKind::Users => {
                let (page_id, capacity) = page_of(&query.page)?;
                let q = [
                    ("query_words", words),
                    ("page_id", page_id.to_string()),
                    ("page_capacity", capacity.to_string()),
                ];
                let a: UsersPage = match department {
                    Some(d) => {
                        self.client
                            .get(
                                ctx,
                                "department/users",
                                &format!("department/{d}/users"),
                                &q,
                            )
                            .await?
                    }
                    None => {
                        self.client
                            .get(ctx, "user/search", "user/search", &q)
                            .await?
                    }
                };
                Ok(Page {
                    items: a
                        .users
                        .iter()
                        .map(|u| DirectoryEntry {
                            principal: Principal {
                                kind: PrincipalKind::User,
                                id: u.id.to_string(),
                                name: Some(u.name.clone()),
                            },
                            email: u
                                .email
                                .clone()
                                .filter(|e| !e.is_empty())
                                .or_else(|| u.login.clone().filter(|l| l.contains('@'))),
                            parent_id: None,
                            member_count: None,
                        })
                        .collect(),
                    next_cursor: next_cursor(&a.paging, page_id, capacity),
                })
            }
            DirectoryKind::Departments => {
                let parent = department.unwrap_or(0);
                let c: DepartmentChildren = self
                    .client
                    .get(
                        ctx,
                        "department/children",
                        &format!("department/{parent}/children"),
                        &[],
                    )
                    .await?;
                let w = words.to_lowercase();
                let entries = c
                    .children
                    .into_iter()
                    .filter(|d| w.is_empty() || d.name.to_lowercase().contains(&w))
                    .map(|d| DirectoryEntry {
                        principal: Principal {
                            kind: PrincipalKind::Department,
                            id: d.id.to_string(),
                            name: Some(d.name),
                        },
                        email: None,
                        parent_id: d.parent_id.filter(|p| *p > 0).map(|p| p.to_string()),
                        member_count: d.user_count.map(|c| c.max(0) as u64),
                    })
                    .collect();
                paginate(entries, &query.page)
            }
            DirectoryKind::Groups => {
                if department.is_some() {
                    return Err(ApiError::invalid_field(
                        "department",
                        "Fangcloud groups do not belong to departments",
                    ));
                }
                let (page_id, capacity) = page_of(&query.page)?;
                let a: GroupsPage = self
                    .client
                    .get(
                        ctx,
                        "group/list",
                        "group/list",
                        &[
                            ("query_words", words),
                            ("page_id", page_id.to_string()),
                            ("page_capacity", capacity.to_string()),
                        ],
                    )
                    .await?;
                Ok(Page {
                    items: a
                        .groups
                        .iter()
                        .map(|g| DirectoryEntry {
                            principal: Principal {
                                kind: PrincipalKind::Group,
                                id: g.id.to_string(),
                                name: Some(g.name.clone()),
                            },
                            email: None,
                            parent_id: None,
                            member_count: g.user_count.map(|c| c.max(0) as u64),
                        })
                        .collect(),
                    next_cursor: next_cursor(&a.paging, page_id, capacity),
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renamed_uploads_number_before_the_extension() {
        assert_eq!(numbered("report.pdf", 1), "report (1).pdf");
        assert_eq!(numbered("README", 2), "README (2)");
        assert_eq!(numbered(".env", 3), ".env (3)");
    }

    #[test]
    fn every_capability_has_an_implementation_note_or_is_plain() {
        let caps = capabilities();
        for n in &caps.notes {
            assert!(
                caps.supports(n.operation),
                "{:?} noted but unsupported",
                n.operation
            );
        }
        assert!(!caps.supports(Operation::CreateSpace));
        assert!(caps.acts_as_users);
    }
}
