//! A file's bytes: pre-signed uploads (`file/upload_v2`) and downloads (`file/{id}/download`).

use async_trait::async_trait;
use serde_json::{Value, json};

use super::FangcloudDrive;
use super::client::*;
use super::map::*;
use super::resolve::*;
use crate::error::{ApiError, ApiResult};
use crate::model::*;
use crate::providers::*;
use crate::streamed::Streamed;

/// `on_conflict=rename`: names tried after the given one ("name (1).ext"…).
const RENAME_ATTEMPTS: u32 = 20;
/// `redirect=true`: how long the pre-signed download URL works (`valid_period`).
const REDIRECT_VALID_SECS: u32 = 300;

#[async_trait]
impl Content for FangcloudDrive {
    async fn upload_file(
        &self,
        ctx: &Ctx,
        space: &str,
        req: UploadFile,
    ) -> ApiResult<UploadResult> {
        let (sp, url, name) = self
            .presign_upload(ctx, space, Destination::of(&req), req.content.size)
            .await?;
        let w = self.client.upload_to(&url, &name, &req.content).await?;
        Ok(uploaded(&w, sp))
    }

    /// `file/upload_v2` takes only the size (no digest), so a body of declared length goes to
    /// the pre-signed URL as it arrives.
    fn streams_uploads(&self) -> bool {
        true
    }

    async fn upload_streamed(
        &self,
        ctx: &Ctx,
        space: &str,
        req: UploadFile<Streamed>,
    ) -> ApiResult<UploadResult> {
        let size = req.content.size;
        let (sp, url, name) = self
            .presign_upload(ctx, space, Destination::of(&req), size)
            .await?;
        let (body, fault) = req.content.into_stream();
        let w = self
            .client
            .upload_body(&url, &name, size, reqwest::Body::wrap_stream(body))
            .await
            .map_err(|e| fault.or(e))?;
        Ok(uploaded(&w, sp))
    }

    async fn download(
        &self,
        ctx: &Ctx,
        space: &str,
        id: &str,
        range: Option<ByteRange>,
        redirect: bool,
    ) -> ApiResult<DownloadOutcome> {
        let (Target { w, sp, .. }, n) = self
            .target_with(ctx, space, id, |_, it| match it {
                ItemRef::File(n) => Ok(n),
                ItemRef::Folder(_) => Err(ApiError::bad_request(
                    "not_downloadable",
                    "only files can be downloaded, not folders",
                )),
            })
            .await?;
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
        let header = range.map(ByteRange::header);
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
            res,
            item(&w, sp),
        )))
    }
}

impl FangcloudDrive {
    /// `file/upload_v2` (or `new_version_v2`): the pre-signed URL the bytes go to.
    pub(super) async fn presign(
        &self,
        ctx: &Ctx,
        op: &'static str,
        path: &str,
        body: Value,
    ) -> ApiResult<String> {
        let a: PresignAnswer = self.client.post(ctx, op, path, &body).await?;
        Ok(a.presign_url)
    }

    /// Checks the target folder and asks for the pre-signed URL of a new file of `size` bytes,
    /// trying numbered names for `on_conflict=rename`: the upstream refuses a taken name here,
    /// before any byte is sent. Gives the space, the URL and the name it was granted for.
    async fn presign_upload(
        &self,
        ctx: &Ctx,
        space: &str,
        req: Destination<'_>,
        size: u64,
    ) -> ApiResult<(SpaceRef, String, String)> {
        let sp = self.space(ctx, space)?;
        check_name("name", req.name)?;
        let (parent, dept) = folder_arg(sp, req.parent, "parent")?;
        if dept.is_some() {
            return Err(ApiError::BadRequest {
                code: "invalid_request",
                detail: "Fangcloud cannot upload into the root of a department space (file/upload_v2 takes no department); upload into one of its folders".into(),
                field: Some("parent".into()),
            });
        }
        self.check_folder(ctx, sp, (parent, dept)).await?;
        let presign = |name: String, covered: bool| async move {
            let body = json!({
                "parent_id": parent,
                "name": name,
                "upload_type": "api",
                "is_covered": covered,
                "file_size": size,
            });
            let url = self
                .presign(ctx, "file/upload_v2", "file/upload_v2", body)
                .await?;
            Ok::<_, ApiError>((sp, url, name))
        };
        match req.on_conflict {
            OnConflict::Fail => presign(req.name.to_owned(), false).await,
            // Document, is_covered: "为true时重名情况下直接返回上传新版本的预签名链接".
            OnConflict::Replace => presign(req.name.to_owned(), true).await,
            OnConflict::Rename => {
                let mut n = 0;
                loop {
                    let name = if n == 0 {
                        req.name.to_owned()
                    } else {
                        numbered(req.name, n)
                    };
                    if n > 0 {
                        check_name("name", &name)?;
                    }
                    match presign(name, false).await {
                        Err(e) if e.code() == "name_conflict" && n < RENAME_ATTEMPTS => n += 1,
                        other => break other,
                    }
                }
            }
        }
    }
}

/// Where an upload goes, without its bytes (a caller's body is not `Sync`).
struct Destination<'a> {
    parent: Option<&'a str>,
    name: &'a str,
    on_conflict: OnConflict,
}

impl<'a> Destination<'a> {
    fn of<C>(req: &'a UploadFile<C>) -> Self {
        Self {
            parent: req.parent.as_deref(),
            name: &req.name,
            on_conflict: req.on_conflict,
        }
    }
}

/// What a pre-signed upload (of a new file or a new version) answers.
pub(super) fn uploaded(w: &WireItem, sp: SpaceRef) -> UploadResult {
    UploadResult {
        item: item(w, sp),
        instant: false,
        method: "presigned".into(),
    }
}

/// `name (n).ext` (the upstream's own naming of copies, document copy example).
fn numbered(name: &str, n: u32) -> String {
    crate::names::numbered(name, n, |_| true)
}

#[cfg(test)]
mod tests {
    use super::numbered;

    #[test]
    fn renamed_uploads_number_before_the_extension() {
        assert_eq!(numbered("report.pdf", 1), "report (1).pdf");
        assert_eq!(numbered("README", 2), "README (2)");
        assert_eq!(numbered(".env", 3), ".env (3)");
    }
}
