//! QQ group and private files through a OneBot 11 implementation (Shamrock, go-cqhttp, NapCat,
//! Lagrange): onebot-shamrock-group-files.md behind the `Drive` contract.
//!
//! Mapping table and retcodes: docs/providers/onebot.md.

mod client;
mod errors;
mod map;

use async_trait::async_trait;
use serde_json::{Value, json};

use self::client::*;
use self::errors::PROVIDER;
use self::map::*;
use super::{ByteRange, Ctx, Deps, Download, DownloadOutcome, Drive, UploadFile};
use crate::config::OnebotConfig;
use crate::error::{ApiError, ApiResult, UpstreamError};
use crate::model::*;
use crate::names::same;
use crate::spool::Spooled;
use crate::tokens::TokenHealth;

pub struct OnebotDrive {
    client: Client,
    caps: Capabilities,
    upload_to_folders: bool,
}

fn capabilities(cfg: &OnebotConfig) -> Capabilities {
    use Operation::*;
    let upload_note = if cfg.upload_to_folders {
        "the file goes up in one request as base64 (memory stays bounded: the body is streamed from disk). Group spaces: into the root or a folder (go-cqhttp's `folder` parameter, enabled for this connection). QQ keeps same-named files side by side, so on_conflict is applied by the gateway: fail checks the folder first, rename picks \"name (n).ext\", replace deletes the old file after the new one is up. Private (user) spaces: sends the file to that friend; parent and on_conflict do not apply"
    } else {
        "the file goes up in one request as base64 (memory stays bounded: the body is streamed from disk). Group spaces: into the root only (Shamrock does not support uploading into a folder; a folder parent is a 400). QQ keeps same-named files side by side, so on_conflict is applied by the gateway: fail checks the folder first, rename picks \"name (n).ext\", replace deletes the old file after the new one is up. Private (user) spaces: sends the file to that friend; parent and on_conflict do not apply"
    };
    Capabilities {
        operations: vec![
            ListSpaces,
            GetSpace,
            GetQuota,
            ListItems,
            GetItem,
            CreateFolder,
            RenameItem,
            DeleteItem,
            UploadFile,
            DownloadFile,
        ],
        max_upload_bytes: cfg.max_upload_bytes,
        max_single_request_upload_bytes: Some(cfg.max_upload_bytes),
        max_name_length: MAX_NAME_BYTES as u32,
        name_rules: NAME_RULES.into(),
        roles: Vec::new(),
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
                note: "one group space per QQ group the bot is in, and one private space per friend (kind private) for sending private files: private spaces support upload only, every other operation on them answers 501".into(),
            },
            OperationNote {
                operation: GetQuota,
                note: "group spaces only: file count and limit, used and total space (get_group_file_system_info)".into(),
            },
            OperationNote {
                operation: ListItems,
                note: "the upstream does not page or sort: the gateway reads the whole folder for every page, sorts it (folders first) and pages it by offset".into(),
            },
            OperationNote {
                operation: CreateFolder,
                note: "in the group's root only: QQ group folders cannot be nested".into(),
            },
            OperationNote {
                operation: RenameItem,
                note: "folders only: OneBot has no action to rename a file (501 for files); items cannot be moved".into(),
            },
            OperationNote {
                operation: DeleteItem,
                note: "deleting a folder deletes the files in it; there is no trash".into(),
            },
            OperationNote {
                operation: UploadFile,
                note: upload_note.into(),
            },
            OperationNote {
                operation: DownloadFile,
                note: "files only; streamed from the URL get_group_file_url gives (Range passed on); redirect=true answers 302 to that URL, which carries no gateway secret".into(),
            },
        ],
    }
}

impl OnebotDrive {
    pub fn new(_connection: &str, cfg: &OnebotConfig, deps: &Deps) -> Result<Self, String> {
        Ok(Self {
            client: Client::new(
                deps.http.clone(),
                &cfg.base_url,
                cfg.access_token.clone(),
                deps.limits.transfer_timeout,
            ),
            caps: capabilities(cfg),
            upload_to_folders: cfg.upload_to_folders,
        })
    }

    async fn groups(&self) -> ApiResult<Vec<WireGroup>> {
        self.client.call("get_group_list", &json!({})).await
    }

    async fn friends(&self) -> ApiResult<Vec<WireFriend>> {
        self.client.call("get_friend_list", &json!({})).await
    }

    /// One folder's `files` and `folders`; the root has its own action.
    async fn listing(&self, group: i64, folder: &str) -> ApiResult<WireListing> {
        if folder == ROOT {
            self.client
                .call("get_group_root_files", &json!({ "group_id": group }))
                .await
        } else {
            self.client
                .call(
                    "get_group_files_by_folder",
                    &json!({ "group_id": group, "folder_id": folder }),
                )
                .await
        }
    }

    /// The folder's unified listing, unsorted.
    async fn items(&self, space: &str, group: i64, folder: &str) -> ApiResult<Vec<Item>> {
        let l = self.listing(group, folder).await?;
        let mut items: Vec<Item> = l
            .folders
            .into_iter()
            .map(|f| folder_item(space, group, f))
            .collect();
        items.extend(
            l.files
                .into_iter()
                .map(|f| file_item(space, group, folder, f)),
        );
        Ok(items)
    }

    /// The file, found in its folder's listing (OneBot has no "file info" action).
    async fn find_file(
        &self,
        group: i64,
        folder: &str,
        file_id: &str,
        busid: i64,
    ) -> ApiResult<WireFile> {
        self.listing(group, folder)
            .await
            .map_err(item_not_found)?
            .files
            .into_iter()
            .find(|f| f.file_id == file_id && f.busid == busid)
            .ok_or_else(not_in_space)
    }

    async fn find_folder(&self, group: i64, folder_id: &str) -> ApiResult<WireFolder> {
        self.listing(group, ROOT)
            .await?
            .folders
            .into_iter()
            .find(|f| f.folder_id == folder_id)
            .ok_or_else(not_in_space)
    }

    /// Sends `name` with the spooled bytes as `base64://…` in a JSON body streamed from disk:
    /// `{…params…,"file":"base64://<chunks>"}`. Only content the gateway encodes itself is
    /// ever sent as `file`, never a path or URL (README, OneBot section).
    async fn upload_base64(
        &self,
        action: &'static str,
        mut params: serde_json::Map<String, Value>,
        content: &Spooled,
    ) -> ApiResult<WireUploaded> {
        params.remove("file");
        let mut prefix = serde_json::to_vec(&Value::Object(params)).map_err(ApiError::internal)?;
        // `{…}` → `{…,"file":"base64://`
        prefix.pop();
        if prefix.len() > 1 {
            prefix.push(b',');
        }
        prefix.extend_from_slice(br#""file":"base64://"#);
        let (body, len) = base64_json_body(content.path(), content.size, prefix, br#""}"#)
            .await
            .map_err(ApiError::internal)?;
        let answer: Option<WireUploaded> = self.client.call_streamed(action, body, len).await?;
        Ok(answer.unwrap_or_default())
    }

    /// The space as a group, or 501 for a private space (upload only).
    fn group_of(space: &str, operation: Operation) -> ApiResult<i64> {
        match parse_space(space)? {
            SpaceRef::Group(g) => Ok(g),
            SpaceRef::User(_) => Err(private_upload_only(operation)),
        }
    }
}

fn private_upload_only(operation: Operation) -> ApiError {
    ApiError::UnsupportedFor {
        provider: PROVIDER,
        operation,
        detail: format!(
            "private (friend) spaces only support upload_file: OneBot can send a file to a friend but cannot {operation} there"
        ),
    }
}

/// A listing that fails because the folder is gone means the item is gone.
fn item_not_found(e: ApiError) -> ApiError {
    match e {
        ApiError::Upstream(u) if u.code == "item_not_found" => not_in_space(),
        e => e,
    }
}

fn parent_not_found(e: ApiError) -> ApiError {
    match e {
        ApiError::Upstream(u) if u.code == "item_not_found" => {
            ApiError::not_found("parent_not_found", "the parent folder does not exist")
        }
        e => e,
    }
}

fn name_conflict(name: &str) -> ApiError {
    ApiError::Conflict {
        code: "name_conflict",
        detail: format!("an item named '{name}' already exists there"),
    }
}

#[async_trait]
impl Drive for OnebotDrive {
    fn provider(&self) -> Provider {
        Provider::Onebot
    }

    fn capabilities(&self) -> &Capabilities {
        &self.caps
    }

    /// OneBot's access token is a static shared secret: it never expires and is never
    /// fetched. `static` while the implementation accepts it, `rejected` after it answered
    /// 401/403 (until it accepts a call again), `not_configured` when none is set.
    fn token_health(&self) -> TokenHealth {
        let state = if self.client.token_rejected() {
            "rejected"
        } else if self.client.has_token() {
            "static"
        } else {
            "not_configured"
        };
        TokenHealth {
            state: state.into(),
            expires_at: None,
        }
    }

    async fn list_spaces(&self, _ctx: &Ctx, page: PageRequest) -> ApiResult<Page<Space>> {
        let mut spaces: Vec<Space> = self
            .groups()
            .await?
            .into_iter()
            .map(|g| group_space(&g))
            .collect();
        spaces.extend(self.friends().await?.iter().map(friend_space));
        paginate(spaces, &page)
    }

    async fn get_space(&self, _ctx: &Ctx, space: &str) -> ApiResult<Space> {
        let missing = || ApiError::not_found("space_not_found", "no such space on this connection");
        match parse_space(space)? {
            SpaceRef::Group(g) => self
                .groups()
                .await?
                .iter()
                .find(|w| w.group_id == g)
                .map(group_space)
                .ok_or_else(missing),
            SpaceRef::User(u) => self
                .friends()
                .await?
                .iter()
                .find(|w| w.user_id == u)
                .map(friend_space)
                .ok_or_else(missing),
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

    async fn list_items(&self, _ctx: &Ctx, space: &str, req: ListItems) -> ApiResult<Page<Item>> {
        let group = Self::group_of(space, Operation::ListItems)?;
        let folder = parent_folder(group, req.parent.as_deref())?;
        let mut items = self
            .items(space, group, &folder)
            .await
            .map_err(parent_not_found)?;
        items.retain(|i| match req.kind {
            KindFilter::All => true,
            KindFilter::Folder => i.kind == ItemKind::Folder,
            KindFilter::File => i.kind != ItemKind::Folder,
        });
        sort_items(&mut items, req.sort.unwrap_or_default());
        paginate(items, &req.page)
    }

    async fn get_item(&self, _ctx: &Ctx, space: &str, id: &str) -> ApiResult<Item> {
        let group = Self::group_of(space, Operation::GetItem)?;
        match parse_item(id)? {
            ItemRef::File {
                group: g,
                folder,
                file_id,
                busid,
            } if g == group => {
                let f = self.find_file(group, &folder, &file_id, busid).await?;
                Ok(file_item(space, group, &folder, f))
            }
            ItemRef::Folder {
                group: g,
                folder_id,
            } if g == group => Ok(folder_item(
                space,
                group,
                self.find_folder(group, &folder_id).await?,
            )),
            _ => Err(not_in_space()),
        }
    }

    async fn create_folder(&self, _ctx: &Ctx, space: &str, req: CreateFolder) -> ApiResult<Item> {
        let group = Self::group_of(space, Operation::CreateFolder)?;
        let parent = parent_folder(group, req.parent.as_deref())?;
        if parent != ROOT {
            return Err(ApiError::BadRequest {
                code: "nested_folder_not_supported",
                detail: "QQ group folders exist only in the group's root; create the folder without a parent".into(),
                field: Some("parent".into()),
            });
        }
        check_name("name", &req.name)?;
        // The documented parameters only (group_id, name): implementations name the parent
        // differently (README), and the root is the only parent there is.
        let created: Option<WireCreatedFolder> = self
            .client
            .call(
                "create_group_file_folder",
                &json!({ "group_id": group, "name": req.name }),
            )
            .await?;
        match created.filter(|c| !c.folder_id.is_empty()) {
            Some(c) => Ok(folder_item(
                space,
                group,
                WireFolder {
                    folder_id: c.folder_id,
                    folder_name: if c.folder_name.is_empty() {
                        req.name
                    } else {
                        c.folder_name
                    },
                    create_time: c.create_time,
                    modify_time: c.modify_time,
                    creator: c.creator_uin,
                    creator_name: String::new(),
                    total_file_count: 0,
                },
            )),
            // go-cqhttp answers no data: find the new folder by its (unique) name.
            None => self
                .listing(group, ROOT)
                .await?
                .folders
                .into_iter()
                .find(|f| f.folder_name == req.name)
                .map(|f| folder_item(space, group, f))
                .ok_or_else(|| {
                    UpstreamError::malformed(
                        PROVIDER,
                        "create_group_file_folder succeeded but the folder is not listed",
                    )
                    .into()
                }),
        }
    }

    /// Renames folders (`rename_group_folder`). Files cannot be renamed and nothing moves; the
    /// handler has already refused `parent` and `description` (not in the capabilities).
    async fn update_item(
        &self,
        _ctx: &Ctx,
        space: &str,
        id: &str,
        req: UpdateItem,
    ) -> ApiResult<Item> {
        let group = Self::group_of(space, Operation::RenameItem)?;
        let name = req
            .name
            .ok_or_else(|| ApiError::invalid_field("name", "give the folder's new name"))?;
        match parse_item(id)? {
            ItemRef::Folder {
                group: g,
                folder_id,
            } if g == group => {
                check_name("name", &name)?;
                let _: Value = self
                    .client
                    .call(
                        "rename_group_folder",
                        &json!({ "group_id": group, "folder_id": folder_id, "name": name }),
                    )
                    .await?;
                Ok(folder_item(
                    space,
                    group,
                    self.find_folder(group, &folder_id).await?,
                ))
            }
            ItemRef::File { group: g, .. } if g == group => Err(ApiError::UnsupportedFor {
                provider: PROVIDER,
                operation: Operation::RenameItem,
                detail: "QQ group files cannot be renamed: OneBot has no action for it (only folders can be renamed)".into(),
            }),
            _ => Err(not_in_space()),
        }
    }

    async fn delete_item(&self, _ctx: &Ctx, space: &str, id: &str) -> ApiResult<()> {
        let group = Self::group_of(space, Operation::DeleteItem)?;
        let _: Value = match parse_item(id)? {
            ItemRef::File {
                group: g,
                file_id,
                busid,
                ..
            } if g == group => {
                self.client
                    .call(
                        "delete_group_file",
                        &json!({ "group_id": group, "file_id": file_id, "busid": busid }),
                    )
                    .await?
            }
            ItemRef::Folder {
                group: g,
                folder_id,
            } if g == group => {
                self.client
                    .call(
                        "delete_group_folder",
                        &json!({ "group_id": group, "folder_id": folder_id }),
                    )
                    .await?
            }
            _ => return Err(not_in_space()),
        };
        Ok(())
    }

    async fn upload_file(
        &self,
        _ctx: &Ctx,
        space: &str,
        req: UploadFile,
    ) -> ApiResult<UploadResult> {
        let target = parse_space(space)?;
        check_name("name", &req.name)?;
        let limit = self.caps.max_upload_bytes;
        if req.content.size > limit {
            return Err(ApiError::PayloadTooLarge { limit });
        }
        if req.content.size == 0 {
            // The document is silent; QQ refuses to send empty files.
            return Err(ApiError::bad_request(
                "empty_file",
                "QQ does not accept empty files",
            ));
        }
        match target {
            SpaceRef::Group(group) => self.upload_group(space, group, req).await,
            SpaceRef::User(user) => self.upload_private(space, user, req).await,
        }
    }

    async fn download(
        &self,
        _ctx: &Ctx,
        space: &str,
        id: &str,
        range: Option<ByteRange>,
        redirect: bool,
    ) -> ApiResult<DownloadOutcome> {
        let group = Self::group_of(space, Operation::DownloadFile)?;
        let (folder, file_id, busid) = match parse_item(id)? {
            ItemRef::File {
                group: g,
                folder,
                file_id,
                busid,
            } if g == group => (folder, file_id, busid),
            ItemRef::Folder { group: g, .. } if g == group => {
                return Err(ApiError::bad_request(
                    "not_downloadable",
                    "only files can be downloaded, not folders",
                ));
            }
            _ => return Err(not_in_space()),
        };
        let f = self.find_file(group, &folder, &file_id, busid).await?;
        let size = u64::try_from(f.file_size).unwrap_or(0);
        if let Some(ByteRange::From { start, .. }) = range
            && start >= size
        {
            return Err(ApiError::RangeNotSatisfiable { size: Some(size) });
        }
        let u: WireFileUrl = self
            .client
            .call(
                "get_group_file_url",
                &json!({ "group_id": group, "file_id": file_id, "busid": busid }),
            )
            .await?;
        let url = reqwest::Url::parse(&u.url)
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
            .ok_or_else(|| {
                UpstreamError::malformed(PROVIDER, "get_group_file_url gave no http(s) URL")
            })?;
        if redirect {
            return Ok(DownloadOutcome::Redirect(url.to_string()));
        }
        let header = range.map(|r| match r {
            ByteRange::From {
                start,
                end: Some(e),
            } => format!("bytes={start}-{e}"),
            ByteRange::From { start, end: None } => format!("bytes={start}-"),
            ByteRange::Suffix { len } => format!("bytes=-{len}"),
        });
        let res = self.client.fetch_file(&url, header).await?;
        Ok(DownloadOutcome::Stream(Download::from_response(
            res,
            f.file_name,
            true,
        )))
    }
}

impl OnebotDrive {
    async fn upload_group(
        &self,
        space: &str,
        group: i64,
        req: UploadFile,
    ) -> ApiResult<UploadResult> {
        let folder = parent_folder(group, req.parent.as_deref())?;
        if folder != ROOT && !self.upload_to_folders {
            return Err(ApiError::BadRequest {
                code: "upload_to_folder_not_supported",
                detail: "this OneBot implementation uploads group files to the root only (Shamrock does not support the folder parameter); upload without a parent".into(),
                field: Some("parent".into()),
            });
        }
        // The listing also proves the group and folder exist before any byte is sent.
        let existing = self
            .listing(group, &folder)
            .await
            .map_err(parent_not_found)?;
        let taken = |n: &str| {
            existing.files.iter().any(|f| same(&f.file_name, n))
                || existing.folders.iter().any(|f| same(&f.folder_name, n))
        };
        let mut name = req.name.clone();
        let mut replaced = Vec::new();
        if taken(&req.name) {
            match req.on_conflict {
                OnConflict::Fail => return Err(name_conflict(&req.name)),
                OnConflict::Rename => {
                    let free = (1..=1000)
                        .map(|n| numbered_name(&req.name, n))
                        .find(|n| !taken(n))
                        .ok_or_else(|| name_conflict(&req.name))?;
                    name = free;
                }
                OnConflict::Replace => {
                    if existing
                        .folders
                        .iter()
                        .any(|f| same(&f.folder_name, &req.name))
                    {
                        return Err(ApiError::Conflict {
                            code: "name_conflict",
                            detail: format!(
                                "a folder named '{}' exists there; replace only overwrites files",
                                req.name
                            ),
                        });
                    }
                    replaced = existing
                        .files
                        .iter()
                        .filter(|f| same(&f.file_name, &req.name))
                        .map(|f| (f.file_id.clone(), f.busid))
                        .collect();
                }
            }
        }
        let mut params = serde_json::Map::new();
        params.insert("group_id".into(), group.into());
        params.insert("name".into(), name.clone().into());
        if folder != ROOT {
            // go-cqhttp's parameter; only sent when the connection enables it.
            params.insert("folder".into(), folder.clone().into());
        }
        let up = self
            .upload_base64("upload_group_file", params, &req.content)
            .await?;
        // Find the new file (the answer has only its id, and go-cqhttp answers nothing).
        let listed = self.listing(group, &folder).await?;
        let known: Vec<&str> = existing.files.iter().map(|f| f.file_id.as_str()).collect();
        let new = listed
            .files
            .into_iter()
            .filter(|f| {
                if up.file_id.is_empty() {
                    f.file_name == name && !known.contains(&f.file_id.as_str())
                } else {
                    f.file_id == up.file_id
                }
            })
            .max_by_key(|f| f.upload_time)
            .ok_or_else(|| {
                UpstreamError::malformed(
                    PROVIDER,
                    "upload_group_file succeeded but the file is not listed",
                )
            })?;
        // Replace: the new file is complete upstream before the old ones go.
        for (file_id, busid) in replaced {
            if file_id == new.file_id {
                continue;
            }
            let _: Value = self
                .client
                .call(
                    "delete_group_file",
                    &json!({ "group_id": group, "file_id": file_id, "busid": busid }),
                )
                .await?;
        }
        Ok(UploadResult {
            item: file_item(space, group, &folder, new),
            instant: false,
            method: "base64".into(),
        })
    }

    /// `upload_private_file` sends the file to a friend. The friend list is checked first so a
    /// large body is not sent to nobody.
    async fn upload_private(
        &self,
        space: &str,
        user: i64,
        req: UploadFile,
    ) -> ApiResult<UploadResult> {
        if !matches!(req.parent.as_deref(), None | Some("root")) {
            return Err(ApiError::BadRequest {
                code: "invalid_request",
                detail: "private files have no folders; upload without a parent".into(),
                field: Some("parent".into()),
            });
        }
        if !self.friends().await?.iter().any(|f| f.user_id == user) {
            return Err(ApiError::not_found(
                "space_not_found",
                "no such space on this connection (the user is not a friend of the bot)",
            ));
        }
        let mut params = serde_json::Map::new();
        params.insert("user_id".into(), user.into());
        params.insert("name".into(), req.name.clone().into());
        let up = self
            .upload_base64("upload_private_file", params, &req.content)
            .await?;
        let now = chrono::Utc::now();
        Ok(UploadResult {
            item: Item {
                id: item_id(&ItemRef::Private {
                    user,
                    file_id: up.file_id,
                }),
                space_id: space.to_owned(),
                parent_id: None,
                name: req.name,
                kind: ItemKind::File,
                size: Some(req.content.size),
                created_at: Some(now),
                modified_at: Some(now),
                sha1: Some(req.content.sha1.clone()),
                md5: Some(if up.md5.is_empty() {
                    req.content.md5.clone()
                } else {
                    up.md5
                }),
                description: None,
                web_url: None,
                owner: None,
                modified_by: None,
                child_count: None,
                deleted_at: None,
            },
            instant: false,
            method: "base64".into(),
        })
    }
}

fn group_space(g: &WireGroup) -> Space {
    Space {
        id: space_id(SpaceRef::Group(g.group_id)),
        name: g.group_name.clone(),
        kind: SpaceKind::Group,
        root_id: None,
        created_at: None,
        member_count: u64::try_from(g.member_count).ok().filter(|n| *n > 0),
    }
}

fn friend_space(f: &WireFriend) -> Space {
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
    }
}
