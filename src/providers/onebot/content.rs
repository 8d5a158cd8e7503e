//! A file's bytes: base64 uploads (`upload_group_file`, `upload_private_file`) and downloads
//! from the URL `get_group_file_url` gives.

use async_trait::async_trait;
use serde_json::{Value, json};

use super::OnebotDrive;
use super::client::*;
use super::errors::PROVIDER;
use super::map::*;
use super::resolve::*;
use crate::error::{ApiError, ApiResult, UpstreamError};
use crate::model::*;
use crate::names::same;
use crate::providers::*;
use crate::spool::Spooled;

#[async_trait]
impl Content for OnebotDrive {
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
        let (group, target) = Self::target(space, id, Operation::DownloadFile)?;
        let InGroup::File {
            folder,
            file_id,
            busid,
        } = target
        else {
            return Err(ApiError::bad_request(
                "not_downloadable",
                "only files can be downloaded, not folders",
            ));
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
            .call("get_group_file_url", &file_params(group, &file_id, busid))
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
        let header = range.map(ByteRange::header);
        let res = self.client.fetch_file(&url, header).await?;
        Ok(DownloadOutcome::Stream(Download::from_response(
            res,
            file_item(space, group, &folder, f),
        )))
    }
}

impl OnebotDrive {
    /// An upload into a folder that did not land there: the implementation ignored `folder`
    /// (Shamrock does: "参数 folder在Shamrock不受支持") and put the file in the root. The stray
    /// file is removed (best effort) and the caller told that folder uploads do not work on
    /// this connection.
    async fn folder_was_ignored(&self, group: i64, up: &WireUploaded) -> ApiError {
        if !up.file_id.is_empty()
            && let Ok(root) = self.listing(group, ROOT).await
            && let Some(stray) = root.files.iter().find(|f| f.file_id == up.file_id)
        {
            let removed = self
                .delete_group_file(group, &stray.file_id, stray.busid)
                .await;
            if let Err(e) = removed {
                tracing::warn!(
                    code = e.code(),
                    "could not remove a file uploaded to the root"
                );
            }
        }
        ApiError::BadRequest {
            code: "upload_to_folder_not_supported",
            detail: "this OneBot implementation ignored the folder parameter and uploaded to the \
                     root (Shamrock does not support it); upload without a parent, or disable \
                     upload_to_folders for this connection"
                .into(),
            field: Some("parent".into()),
        }
    }

    /// Sends `name` with the spooled bytes as `base64://…` in a JSON body streamed from disk:
    /// `{…params…,"file":"base64://<chunks>"}`. Only content the gateway encodes itself is
    /// ever sent as `file`, never a path or URL (README, OneBot section).
    pub(super) async fn upload_base64(
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

    pub(super) async fn upload_group(
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
        let is_new = |f: &WireFile| {
            if up.file_id.is_empty() {
                f.file_name == name && !known.contains(&f.file_id.as_str())
            } else {
                f.file_id == up.file_id
            }
        };
        let found = listed
            .files
            .iter()
            .filter(|f| is_new(f))
            .max_by_key(|f| f.upload_time)
            .cloned();
        let new = match found {
            Some(f) => f,
            None if folder != ROOT => return Err(self.folder_was_ignored(group, &up).await),
            None => {
                return Err(UpstreamError::malformed(
                    PROVIDER,
                    "upload_group_file succeeded but the file is not listed",
                )
                .into());
            }
        };
        // QQ keeps same-named files side by side, so a creation from outside the gateway (or
        // another gateway without a shared store) may have raced ours: check again. The earliest
        // file (upload time, then id) keeps the name; if that is not ours, ours goes.
        if req.on_conflict != OnConflict::Replace {
            let first = listed
                .files
                .iter()
                .filter(|f| same(&f.file_name, &name))
                .min_by(|a, b| (a.upload_time, &a.file_id).cmp(&(b.upload_time, &b.file_id)));
            if let Some(first) = first
                && first.file_id != new.file_id
            {
                self.delete_group_file(group, &new.file_id, new.busid)
                    .await?;
                return Err(name_conflict(&name));
            }
        }
        // Replace: the new file is complete upstream before the old ones go.
        for (file_id, busid) in replaced {
            if file_id == new.file_id {
                continue;
            }
            self.delete_group_file(group, &file_id, busid).await?;
        }
        Ok(UploadResult {
            item: file_item(space, group, &folder, new),
            instant: false,
            method: "base64".into(),
        })
    }

    /// `upload_private_file` sends the file to a friend. The friend list is checked first so a
    /// large body is not sent to nobody.
    pub(super) async fn upload_private(
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
        let id = item_id(&ItemRef::Private {
            user,
            file_id: up.file_id,
        });
        Ok(UploadResult {
            item: Item {
                size: Some(req.content.size),
                created_at: Some(now),
                modified_at: Some(now),
                sha1: req.content.sha1.clone(),
                md5: if up.md5.is_empty() {
                    req.content.md5.clone()
                } else {
                    Some(up.md5)
                },
                ..item_named(id, space.to_owned(), req.name, ItemKind::File)
            }
            .derived(),
            instant: false,
            method: "base64".into(),
        })
    }
}

impl OnebotDrive {
    /// `delete_group_file` of one file of `group`.
    pub(super) async fn delete_group_file(
        &self,
        group: i64,
        file_id: &str,
        busid: i64,
    ) -> ApiResult<()> {
        let params = file_params(group, file_id, busid);
        let _: Value = self.client.call("delete_group_file", &params).await?;
        Ok(())
    }
}

/// The parameters that name one group file: the group, the file's id and its `busid`.
pub(super) fn file_params(group: i64, file_id: &str, busid: i64) -> Value {
    json!({ "group_id": group, "file_id": file_id, "busid": busid })
}

pub(super) fn name_conflict(name: &str) -> ApiError {
    ApiError::Conflict {
        code: "name_conflict",
        detail: format!("an item named '{name}' already exists there"),
    }
}
