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

/// The JSON object `head` with one more member, `"file_base64_content"`: the base64 of
/// `len` bytes of the spool file from `offset`, written straight into the body. Base64 needs
/// no JSON escaping, so the megabytes are neither copied into a `String` member nor scanned
/// by the serialiser for characters to escape (a third of the part loop's time before).
fn base64_body(head: &Value, data: &[u8]) -> ApiResult<bytes::Bytes> {
    let head = serde_json::to_vec(head).map_err(ApiError::internal)?;
    let open = head
        .strip_suffix(b"}")
        .filter(|h| h.len() > 1)
        .ok_or_else(|| ApiError::internal("a part's JSON head is not a non-empty object"))?;
    const MEMBER: &[u8] = br#","file_base64_content":""#;
    let encoded = base64::encoded_len(data.len(), true)
        .ok_or_else(|| ApiError::internal("part too large to encode"))?;
    let mut out = Vec::with_capacity(open.len() + MEMBER.len() + encoded + 2);
    out.extend_from_slice(open);
    out.extend_from_slice(MEMBER);
    let start = out.len();
    out.resize(start + encoded, 0);
    B64.encode_slice(data, &mut out[start..])
        .map_err(ApiError::internal)?;
    out.extend_from_slice(b"\"}");
    Ok(out.into())
}

/// [`base64_body`] of a slice of the spool file, read and encoded off the async threads.
fn read_base64_body(
    content: &Spooled,
    head: Value,
    offset: u64,
    len: usize,
) -> impl std::future::Future<Output = ApiResult<bytes::Bytes>> + Send + 'static {
    let path = content.path().to_owned();
    async move {
        tokio::task::spawn_blocking(move || {
            use std::os::unix::fs::FileExt;
            let mut data = vec![0u8; len];
            std::fs::File::open(&path)
                .and_then(|f| f.read_exact_at(&mut data, offset))
                .map_err(ApiError::internal)?;
            base64_body(&head, &data)
        })
        .await
        .map_err(ApiError::internal)?
    }
}

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
        let mut req = req;
        let existing = match req.on_conflict {
            OnConflict::Rename => {
                req.name = self.free_name(&spaceid, &fatherid, &req.name).await?;
                None
            }
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
                let body = json!({"fileid": fileid, "new_name": req.name});
                f = self.client.call_field("file_rename", &body, "file").await?;
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
        let head = json!({ "spaceid": spaceid, "fatherid": fatherid, "file_name": name });
        let body = read_base64_body(content, head, 0, size).await?;
        let a: FileIdAnswer = self.client.call_transfer_raw("file_upload", body).await?;
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
        // Parts go up one after the other, but the next one is read and encoded while the
        // current one is sent: at most two parts (about 5.4 MB of JSON) are in memory.
        let blocks = content.size.div_ceil(block_sha::BLOCK_SIZE);
        let part = |index: u64| {
            let offset = (index - 1) * block_sha::BLOCK_SIZE;
            let len = block_sha::BLOCK_SIZE.min(content.size - offset) as usize;
            read_base64_body(
                content,
                json!({ "upload_key": key, "index": index }),
                offset,
                len,
            )
        };
        // Each spawned part is awaited once: a new one replaces it before the next round.
        let mut pending = tokio::spawn(part(1));
        for index in 1..=blocks {
            let body = (&mut pending).await.map_err(ApiError::internal)??;
            if index < blocks {
                pending = tokio::spawn(part(index + 1));
            }
            let _: Value = self
                .client
                .call_transfer_raw("file_upload_part", body)
                .await?;
        }
        let done: FileIdAnswer = self
            .client
            .call("file_upload_finish", &json!({ "upload_key": key }))
            .await?;
        Ok((done.fileid, false))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_base64_body_is_the_json_serde_would_write() {
        let data: Vec<u8> = (0..=255u8).cycle().take(10_000).collect();
        let head = json!({ "upload_key": "k\"ey", "index": 3 });
        let body = base64_body(&head, &data).unwrap();
        let parsed: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(
            parsed,
            json!({ "upload_key": "k\"ey", "index": 3, "file_base64_content": B64.encode(&data) })
        );
        assert!(base64_body(&json!({}), &data).is_err());
    }
}
