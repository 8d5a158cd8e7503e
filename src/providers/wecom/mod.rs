//! WeCom WeDrive (企业微信微盘) adapter: wecom-wedrive.txt behind the `Drive` contract.
//!
//! Mapping table and errcodes: docs/providers/wecom.md.

pub mod block_sha;
mod client;
pub mod errcodes;
mod errors;
mod map;

use std::sync::Arc;

use async_trait::async_trait;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use serde_json::{Value, json};

use self::client::*;
use self::map::*;
use super::{ByteRange, Ctx, Deps, Download, DownloadOutcome, Drive, UploadFile};
use crate::config::WecomConfig;
use crate::error::{ApiError, ApiResult};
use crate::model::*;
use crate::spool::Spooled;
use crate::store::{KnownSpace, Store};
use crate::tokens::TokenHealth;

/// `file_upload` takes at most 10 MB of content (wecom-wedrive.txt: "文件大小上限为10M");
/// larger files go through the chunked trio.
pub const SINGLE_UPLOAD_MAX: u64 = 10 * 1024 * 1024;
/// `file_upload_init`: "最大支持20G".
pub const MAX_UPLOAD: u64 = 20 * 1024 * 1024 * 1024;
/// Space admins (auth 7): "最多可指定3个,不支持设置部门".
const MAX_SPACE_ADMINS: usize = 3;

pub struct WecomDrive {
    connection: String,
    client: Client,
    store: Arc<dyn Store>,
    caps: Capabilities,
    known_spaces: Vec<String>,
    admin_userid: Option<String>,
    /// Config-listed spaces are recorded in the store on the first listing.
    known_synced: tokio::sync::Mutex<bool>,
}

fn capabilities() -> Capabilities {
    use Operation::*;
    Capabilities {
        operations: vec![
            ListSpaces,
            CreateSpace,
            GetSpace,
            RenameSpace,
            DeleteSpace,
            GetQuota,
            GetSpaceSettings,
            UpdateSpaceSettings,
            CreateSpaceInviteLink,
            ListSpaceMembers,
            AddSpaceMembers,
            UpdateSpaceMember,
            RemoveSpaceMembers,
            ListItems,
            GetItem,
            CreateFolder,
            CreateDocument,
            RenameItem,
            MoveItem,
            DeleteItem,
            UploadFile,
            DownloadFile,
            ListItemMembers,
            AddItemMembers,
            UpdateItemMember,
            RemoveItemMembers,
            GetSharing,
            UpdateSharing,
            CreateShareLink,
            GetItemSecurity,
            UpdateItemSecurity,
        ],
        max_upload_bytes: MAX_UPLOAD,
        max_single_request_upload_bytes: Some(SINGLE_UPLOAD_MAX),
        max_name_length: map::MAX_NAME_UNITS as u32,
        name_rules: "at most 255 units where ASCII counts 1 and any other character 2; none of \\ / : * ? \" < > |".into(),
        roles: vec![Role::Previewer, Role::Viewer, Role::Manager],
        sort_orders: vec![
            SortOrder::NameAsc,
            SortOrder::NameDesc,
            SortOrder::SizeAsc,
            SortOrder::SizeDesc,
            SortOrder::ModifiedAsc,
            SortOrder::ModifiedDesc,
        ],
        range_downloads: true,
        acts_as_users: false,
        notes: vec![
            OperationNote {
                operation: ListSpaces,
                note: "WeDrive cannot list spaces: lists the spaces this gateway created, was configured with (known_spaces) or has read".into(),
            },
            OperationNote {
                operation: GetQuota,
                note: "capacity is corporation-wide (mng_capacity), not per space".into(),
            },
            OperationNote {
                operation: DownloadFile,
                note: "files only (not folders or online documents); always streamed, the upstream URL needs a cookie".into(),
            },
            OperationNote {
                operation: AddSpaceMembers,
                note: "manager (auth 7) only for users, at most 3 per space".into(),
            },
        ],
    }
}

impl WecomDrive {
    pub fn new(connection: &str, cfg: &WecomConfig, deps: &Deps) -> Result<Self, String> {
        let secret = cfg
            .secret
            .clone()
            .ok_or_else(|| format!("connection '{connection}': secret not resolved"))?;
        Ok(Self {
            connection: connection.to_owned(),
            client: Client::new(
                connection,
                deps.http.clone(),
                &cfg.base_url,
                &cfg.corp_id,
                secret,
                deps.tokens.clone(),
                deps.limits.transfer_timeout,
            ),
            store: deps.store.clone(),
            caps: capabilities(),
            known_spaces: cfg.known_spaces.clone(),
            admin_userid: cfg.admin_userid.clone(),
            known_synced: tokio::sync::Mutex::new(false),
        })
    }

    async fn space_info(&self, spaceid: &str) -> ApiResult<WireSpace> {
        let a: SpaceInfoAnswer = self
            .client
            .call("space_info", &json!({ "spaceid": spaceid }))
            .await?;
        Ok(a.space_info)
    }

    async fn remember_space(&self, spaceid: &str, name: &str) {
        let s = KnownSpace {
            space_id: spaceid.to_owned(),
            name: name.to_owned(),
            created_at: chrono::Utc::now().timestamp(),
        };
        if let Err(e) = self.store.put_space(&self.connection, &s).await {
            tracing::warn!(error = %e, "cannot record a known space");
        }
    }

    async fn sync_known_spaces(&self) -> ApiResult<()> {
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

    async fn file_info(&self, fileid: &str) -> ApiResult<WireFile> {
        #[derive(serde::Deserialize)]
        struct A {
            file_info: WireFile,
        }
        let a: A = self
            .client
            .call("file_info", &json!({ "fileid": fileid }))
            .await?;
        Ok(a.file_info)
    }

    /// The item, checked to be a live item of `spaceid` (ids from another space are 404s).
    async fn item_in(&self, spaceid: &str, fileid: &str) -> ApiResult<WireFile> {
        let f = self.file_info(fileid).await?;
        if f.spaceid != spaceid || f.file_status == 2 {
            return Err(ApiError::not_found(
                "item_not_found",
                "no such item in this space",
            ));
        }
        Ok(f)
    }

    /// A live item named `name` directly under `fatherid`, if any (walks all pages).
    async fn find_by_name(
        &self,
        spaceid: &str,
        fatherid: &str,
        name: &str,
    ) -> ApiResult<Option<WireFile>> {
        let mut start = 0;
        loop {
            let page: FileListAnswer = self
                .client
                .call(
                    "file_list",
                    &json!({"spaceid": spaceid, "fatherid": fatherid, "sort_type": 1, "start": start, "limit": 1000}),
                )
                .await?;
            if let Some(f) = page
                .file_list
                .item
                .into_iter()
                .find(|f| crate::names::same(&f.file_name, name) && f.file_status != 2)
            {
                return Ok(Some(f));
            }
            if !page.has_more {
                return Ok(None);
            }
            start = page.next_start;
        }
    }

    async fn file_permission(&self, fileid: &str) -> ApiResult<FilePermission> {
        self.client
            .call("get_file_permission", &json!({ "fileid": fileid }))
            .await
    }

    async fn upload_single(
        &self,
        spaceid: &str,
        fatherid: &str,
        name: &str,
        content: &Spooled,
    ) -> ApiResult<String> {
        let size = usize::try_from(content.size).map_err(ApiError::internal)?;
        let bytes = content.read_at(0, size).await.map_err(ApiError::internal)?;
        let a: FileIdAnswer = self
            .client
            .call_transfer(
                "file_upload",
                &json!({
                    "spaceid": spaceid,
                    "fatherid": fatherid,
                    "file_name": name,
                    "file_base64_content": B64.encode(&bytes),
                }),
            )
            .await?;
        Ok(a.fileid)
    }

    /// The chunked trio. Parts are sent one after the other, as the document says ("依次请求"),
    /// each read from the spool file, so memory stays at one 2 MiB block.
    async fn upload_chunked(
        &self,
        spaceid: &str,
        fatherid: &str,
        name: &str,
        content: &Spooled,
    ) -> ApiResult<(String, bool)> {
        let init: UploadInitAnswer = self
            .client
            .call(
                "file_upload_init",
                &json!({
                    "spaceid": spaceid,
                    "fatherid": fatherid,
                    "file_name": name,
                    "size": content.size,
                    "block_sha": content.block_sha,
                    // A gateway upload should not push a card to the corp's users.
                    "skip_push_card": true,
                }),
            )
            .await?;
        if init.hit_exist {
            let fileid = init.fileid.ok_or_else(|| {
                crate::error::UpstreamError::malformed(errors::PROVIDER, "hit_exist without fileid")
            })?;
            return Ok((fileid, true));
        }
        let key = init.upload_key.ok_or_else(|| {
            crate::error::UpstreamError::malformed(
                errors::PROVIDER,
                "file_upload_init gave no upload_key",
            )
        })?;
        let blocks = content.size.div_ceil(block_sha::BLOCK_SIZE);
        for index in 1..=blocks {
            let offset = (index - 1) * block_sha::BLOCK_SIZE;
            let len = block_sha::BLOCK_SIZE.min(content.size - offset) as usize;
            let block = content
                .read_at(offset, len)
                .await
                .map_err(ApiError::internal)?;
            let encoded = B64.encode(&block);
            drop(block);
            let _: Value = self
                .client
                .call_transfer(
                    "file_upload_part",
                    &json!({ "upload_key": key, "index": index, "file_base64_content": encoded }),
                )
                .await?;
        }
        let done: FileIdAnswer = self
            .client
            .call("file_upload_finish", &json!({ "upload_key": key }))
            .await?;
        Ok((done.fileid, false))
    }
}

#[async_trait]
impl Drive for WecomDrive {
    fn provider(&self) -> Provider {
        Provider::Wecom
    }

    fn capabilities(&self) -> &Capabilities {
        &self.caps
    }

    fn token_health(&self) -> TokenHealth {
        self.client.tokens().health(self.client.token_key())
    }

    async fn list_spaces(&self, _ctx: &Ctx, page: PageRequest) -> ApiResult<Page<Space>> {
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
        Ok(Page {
            items: rows
                .into_iter()
                .map(|s| Space {
                    id: space_id(&s.space_id),
                    name: s.name,
                    kind: SpaceKind::Team,
                    root_id: None,
                    created_at: map::time(s.created_at),
                    member_count: None,
                })
                .collect(),
            next_cursor,
        })
    }

    async fn create_space(&self, _ctx: &Ctx, req: CreateSpace) -> ApiResult<Space> {
        check_name("name", &req.name)?;
        let members = self.new_auth_infos(&req.members, &SPACE_ROLES, "spaces")?;
        check_admins(&members, 0)?;
        #[derive(serde::Deserialize)]
        struct A {
            spaceid: String,
        }
        let a: A = self
            .client
            .call(
                "space_create",
                &json!({"space_name": req.name, "auth_info": members, "space_sub_type": 0}),
            )
            .await?;
        self.remember_space(&a.spaceid, &req.name).await;
        Ok(Space {
            id: space_id(&a.spaceid),
            name: req.name,
            kind: SpaceKind::Team,
            root_id: None,
            created_at: Some(chrono::Utc::now()),
            // The app creates the space but is not one of its listed members.
            member_count: Some(members.len() as u64),
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
            root_id: None,
            created_at: None,
            member_count: Some(info.auth_list.auth_info.len() as u64),
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
        #[derive(serde::Deserialize)]
        struct A {
            space_share_url: String,
        }
        let a: A = self
            .client
            .call("space_share", &json!({ "spaceid": spaceid }))
            .await?;
        Ok(ShareLink {
            url: a.space_share_url,
            expires_at: None,
        })
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
        let _: Value = self
            .client
            .call(
                "space_acl_add",
                &json!({"spaceid": spaceid, "auth_info": infos}),
            )
            .await?;
        Ok(infos.iter().map(|a| member(a, false)).collect())
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
        if !info.auth_list.auth_info.iter().any(|a| same(a, &target)) {
            return Err(ApiError::not_found(
                "member_not_found",
                "not a member of this space",
            ));
        }
        let mut added = self.add_space_members(ctx, space, re_add(who, req)).await?;
        added.pop().ok_or_else(|| ApiError::internal("no member"))
    }

    async fn remove_space_member(&self, _ctx: &Ctx, space: &str, who: &Principal) -> ApiResult<()> {
        let spaceid = parse_space(space)?;
        let _: Value = self
            .client
            .call(
                "space_acl_del",
                &json!({"spaceid": spaceid, "auth_info": [auth_info(who, None)?]}),
            )
            .await?;
        Ok(())
    }

    async fn list_items(&self, _ctx: &Ctx, space: &str, req: ListItems) -> ApiResult<Page<Item>> {
        let spaceid = parse_space(space)?;
        let fatherid = father(&spaceid, req.parent.as_deref())?;
        let start: u32 = req
            .page
            .cursor
            .as_deref()
            .map(cursor::decode)
            .transpose()?
            .unwrap_or(0);
        let a: FileListAnswer = self
            .client
            .call(
                "file_list",
                &json!({
                    "spaceid": spaceid,
                    "fatherid": fatherid,
                    "sort_type": sort_type(req.sort),
                    "start": start,
                    "limit": req.page.limit,
                }),
            )
            .await?;
        // WeDrive cannot filter by kind: filter the page (pages may then be short).
        let items = a
            .file_list
            .item
            .into_iter()
            .filter(|f| f.file_status != 2)
            .map(item)
            .filter(|i| match req.kind {
                KindFilter::All => true,
                KindFilter::Folder => i.kind == ItemKind::Folder,
                KindFilter::File => i.kind != ItemKind::Folder,
            })
            .collect();
        Ok(Page {
            items,
            next_cursor: a.has_more.then(|| cursor::encode(&a.next_start)),
        })
    }

    async fn get_item(&self, _ctx: &Ctx, space: &str, id: &str) -> ApiResult<Item> {
        let spaceid = parse_space(space)?;
        let fileid = parse_item(id)?;
        Ok(item(self.item_in(&spaceid, &fileid).await?))
    }

    async fn create_folder(&self, _ctx: &Ctx, space: &str, req: CreateFolder) -> ApiResult<Item> {
        self.create(space, req.parent.as_deref(), &req.name, 1)
            .await
    }

    async fn create_document(
        &self,
        _ctx: &Ctx,
        space: &str,
        req: CreateDocument,
    ) -> ApiResult<Item> {
        let file_type = match req.kind {
            DocumentKind::Document => 3,
            DocumentKind::Spreadsheet => 4,
            DocumentKind::Slides => {
                return Err(ApiError::invalid_field(
                    "kind",
                    "WeDrive's file_create makes documents and spreadsheets only",
                ));
            }
        };
        self.create(space, req.parent.as_deref(), &req.name, file_type)
            .await
    }

    async fn update_item(
        &self,
        _ctx: &Ctx,
        space: &str,
        id: &str,
        req: UpdateItem,
    ) -> ApiResult<Item> {
        let spaceid = parse_space(space)?;
        let fileid = parse_item(id)?;
        if let Some(name) = &req.name {
            check_name("name", name)?;
        }
        let mut current = self.item_in(&spaceid, &fileid).await?;
        if let Some(parent) = req.parent.as_deref() {
            let target = father(&spaceid, Some(parent))?;
            if target != current.fatherid {
                let name = req.name.as_deref().unwrap_or(&current.file_name);
                let on_conflict = req.on_conflict.unwrap_or_default();
                if on_conflict == OnConflict::Fail
                    && self.find_by_name(&spaceid, &target, name).await?.is_some()
                {
                    return Err(name_conflict(name));
                }
                #[derive(serde::Deserialize)]
                struct A {
                    file_list: FileListItems,
                }
                let a: A = self
                    .client
                    .call(
                        "file_move",
                        &json!({"fatherid": target, "replace": on_conflict == OnConflict::Replace, "fileid": [fileid]}),
                    )
                    .await?;
                if let Some(moved) = a.file_list.item.into_iter().next() {
                    current = moved;
                }
            }
        }
        if let Some(name) = &req.name
            && *name != current.file_name
        {
            if self
                .find_by_name(&spaceid, &current.fatherid, name)
                .await?
                .is_some()
            {
                return Err(name_conflict(name));
            }
            #[derive(serde::Deserialize)]
            struct A {
                file: WireFile,
            }
            let a: A = self
                .client
                .call("file_rename", &json!({"fileid": fileid, "new_name": name}))
                .await?;
            current = a.file;
        }
        Ok(item(current))
    }

    async fn delete_item(&self, _ctx: &Ctx, space: &str, id: &str) -> ApiResult<()> {
        let spaceid = parse_space(space)?;
        let fileid = parse_item(id)?;
        self.item_in(&spaceid, &fileid).await?;
        let _: Value = self
            .client
            .call("file_delete", &json!({ "fileid": [fileid] }))
            .await?;
        Ok(())
    }

    async fn upload_file(
        &self,
        _ctx: &Ctx,
        space: &str,
        req: UploadFile,
    ) -> ApiResult<UploadResult> {
        let spaceid = parse_space(space)?;
        let fatherid = father(&spaceid, req.parent.as_deref())?;
        check_name("name", &req.name)?;
        if req.content.size == 0 {
            return Err(ApiError::bad_request(
                "empty_file",
                "WeDrive does not accept empty files",
            ));
        }
        let existing = match req.on_conflict {
            OnConflict::Rename => None,
            OnConflict::Fail | OnConflict::Replace => {
                self.find_by_name(&spaceid, &fatherid, &req.name).await?
            }
        };
        if req.on_conflict == OnConflict::Fail && existing.is_some() {
            return Err(name_conflict(&req.name));
        }
        let (fileid, instant, method) = if req.content.size <= SINGLE_UPLOAD_MAX {
            (
                self.upload_single(&spaceid, &fatherid, &req.name, &req.content)
                    .await?,
                false,
                "single",
            )
        } else {
            let (id, hit) = self
                .upload_chunked(&spaceid, &fatherid, &req.name, &req.content)
                .await?;
            (id, hit, "chunked")
        };
        let mut f = self.file_info(&fileid).await?;
        // Replace: the new file is complete upstream before the old one goes; WeDrive gave the
        // new one a conflict name ("x(1).txt"), which it loses once the old one is deleted.
        if let Some(old) = existing.filter(|old| old.fileid != fileid) {
            let _: Value = self
                .client
                .call("file_delete", &json!({ "fileid": [old.fileid] }))
                .await?;
            if f.file_name != req.name {
                #[derive(serde::Deserialize)]
                struct A {
                    file: WireFile,
                }
                let a: A = self
                    .client
                    .call(
                        "file_rename",
                        &json!({"fileid": fileid, "new_name": req.name}),
                    )
                    .await?;
                f = a.file;
            }
        }
        Ok(UploadResult {
            item: item(f),
            instant,
            method: method.into(),
        })
    }

    async fn download(
        &self,
        _ctx: &Ctx,
        space: &str,
        id: &str,
        range: Option<ByteRange>,
        _redirect: bool,
    ) -> ApiResult<DownloadOutcome> {
        let spaceid = parse_space(space)?;
        let fileid = parse_item(id)?;
        let f = self.item_in(&spaceid, &fileid).await?;
        if f.file_type != 2 {
            return Err(ApiError::bad_request(
                "not_downloadable",
                "only files can be downloaded, not folders or online documents",
            ));
        }
        let d: DownloadAnswer = self
            .client
            .call("file_download", &json!({ "fileid": fileid }))
            .await?;
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
            .fetch_download(&d, header)
            .await
            .map_err(|e| match e {
                ApiError::RangeNotSatisfiable { .. } => ApiError::RangeNotSatisfiable {
                    size: Some(f.file_size),
                },
                other => other,
            })?;
        Ok(DownloadOutcome::Stream(Download::from_response(
            res,
            f.file_name,
            true,
        )))
    }

    async fn list_item_members(
        &self,
        _ctx: &Ctx,
        space: &str,
        id: &str,
        page: PageRequest,
    ) -> ApiResult<Page<Member>> {
        let spaceid = parse_space(space)?;
        let fileid = parse_item(id)?;
        self.item_in(&spaceid, &fileid).await?;
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
        let spaceid = parse_space(space)?;
        let fileid = parse_item(id)?;
        let infos = self.new_auth_infos(&req.members, &FILE_ROLES, "files")?;
        self.item_in(&spaceid, &fileid).await?;
        let _: Value = self
            .client
            .call(
                "file_acl_add",
                &json!({"fileid": fileid, "auth_info": infos}),
            )
            .await?;
        Ok(infos.iter().map(|a| member(a, false)).collect())
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
        if !self
            .file_permission(&fileid)
            .await?
            .file_member_list
            .iter()
            .any(|a| same(a, &target))
        {
            return Err(ApiError::not_found(
                "member_not_found",
                "not a direct member of this item",
            ));
        }
        let mut added = self
            .add_item_members(ctx, space, id, re_add(who, req))
            .await?;
        added.pop().ok_or_else(|| ApiError::internal("no member"))
    }

    async fn remove_item_member(
        &self,
        _ctx: &Ctx,
        space: &str,
        id: &str,
        who: &Principal,
    ) -> ApiResult<()> {
        let spaceid = parse_space(space)?;
        let fileid = parse_item(id)?;
        self.item_in(&spaceid, &fileid).await?;
        let _: Value = self
            .client
            .call(
                "file_acl_del",
                &json!({"fileid": fileid, "auth_info": [auth_info(who, None)?]}),
            )
            .await?;
        Ok(())
    }

    async fn get_sharing(&self, _ctx: &Ctx, space: &str, id: &str) -> ApiResult<Sharing> {
        let spaceid = parse_space(space)?;
        let fileid = parse_item(id)?;
        self.item_in(&spaceid, &fileid).await?;
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
        let spaceid = parse_space(space)?;
        let fileid = parse_item(id)?;
        self.item_in(&spaceid, &fileid).await?;
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
        let spaceid = parse_space(space)?;
        let fileid = parse_item(id)?;
        self.item_in(&spaceid, &fileid).await?;
        #[derive(serde::Deserialize)]
        struct A {
            share_url: String,
        }
        let a: A = self
            .client
            .call("file_share", &json!({ "fileid": fileid }))
            .await?;
        Ok(ShareLink {
            url: a.share_url,
            expires_at: None,
        })
    }

    async fn get_item_security(
        &self,
        _ctx: &Ctx,
        space: &str,
        id: &str,
    ) -> ApiResult<ItemSecurity> {
        let spaceid = parse_space(space)?;
        let fileid = parse_item(id)?;
        self.item_in(&spaceid, &fileid).await?;
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
        let spaceid = parse_space(space)?;
        let fileid = parse_item(id)?;
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
        self.item_in(&spaceid, &fileid).await?;
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
    async fn create(
        &self,
        space: &str,
        parent: Option<&str>,
        name: &str,
        file_type: u32,
    ) -> ApiResult<Item> {
        let spaceid = parse_space(space)?;
        let fatherid = father(&spaceid, parent)?;
        check_name("name", name)?;
        let a: FileIdAnswer = self
            .client
            .call(
                "file_create",
                &json!({"spaceid": spaceid, "fatherid": fatherid, "file_type": file_type, "file_name": name}),
            )
            .await?;
        let mut i = item(self.file_info(&a.fileid).await?);
        if i.web_url.is_none() {
            i.web_url = a.url.filter(|u| !u.is_empty());
        }
        Ok(i)
    }

    fn new_auth_infos(
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

/// Space admins: users only, at most three including the existing ones.
fn check_admins(new: &[AuthInfo], existing_admins: usize) -> ApiResult<()> {
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

/// A role change as WeDrive expresses it: adding the member again with the new auth.
fn re_add(who: &Principal, req: UpdateMember) -> AddMembers {
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

fn same(a: &AuthInfo, b: &AuthInfo) -> bool {
    a.kind == b.kind && a.userid == b.userid && a.departmentid == b.departmentid
}

fn name_conflict(name: &str) -> ApiError {
    ApiError::Conflict {
        code: "name_conflict",
        detail: format!("an item named '{name}' already exists there"),
    }
}
