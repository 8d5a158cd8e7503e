//! A file's bytes: `file_upload` (up to 10 MB) or the chunked trio, and `file_download`.

use async_trait::async_trait;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use serde_json::{Value, json};

use super::WecomDrive;
use super::client::*;
use super::map::*;
use super::resolve::*;
use super::{SINGLE_UPLOAD_MAX, block_sha, errors};
use crate::error::{ApiError, ApiResult};
use crate::model::*;
use crate::providers::*;
use crate::spool::Spooled;

#[async_trait]
impl Content for WecomDrive {
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
        let Target { fileid, f, .. } = self.target(space, id).await?;
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
        let header = range.map(ByteRange::header);
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
            item(f),
        )))
    }
}

impl WecomDrive {
    pub(super) async fn upload_single(
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
    pub(super) async fn upload_chunked(
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
