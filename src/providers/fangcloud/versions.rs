//! File versions: `file/{id}/versions`, `file/{id}/version/{v}/…`, `file/{id}/new_version_v2`.

use async_trait::async_trait;
use serde_json::json;

use super::FangcloudDrive;
use super::client::*;
use super::map::*;
use super::resolve::*;
use crate::error::ApiResult;
use crate::model::*;
use crate::providers::*;
use crate::spool::Spooled;

/// The file number of a versions call (folders have no versions).
fn file(it: ItemRef) -> ApiResult<i64> {
    file_only(it, "versions")
}

/// The file number and the version number of a call on one version.
fn file_version(it: ItemRef, v: &str) -> ApiResult<(i64, i64)> {
    let n = file(it)?;
    Ok((n, parse_version(v, n)?))
}

#[async_trait]
impl Versions for FangcloudDrive {
    async fn list_versions(&self, ctx: &Ctx, space: &str, id: &str) -> ApiResult<Page<Version>> {
        let (_, n) = self.target_with(ctx, space, id, |_, it| file(it)).await?;
        let a: VersionsAnswer = self
            .client
            .get(ctx, "file/versions", &format!("file/{n}/versions"), &[])
            .await?;
        Ok(Page::last(
            a.file_versions.iter().map(|v| version(v, n)).collect(),
        ))
    }

    async fn get_version(&self, ctx: &Ctx, space: &str, id: &str, v: &str) -> ApiResult<Version> {
        let (_, n, path) = self.version_call(ctx, space, id, v, "info").await?;
        let w: WireVersion = self
            .client
            .get(ctx, "file/version/info", &path, &[])
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
        let (t, n) = self.target_with(ctx, space, id, |_, it| file(it)).await?;
        let url = self
            .presign(
                ctx,
                "file/new_version_v2",
                &format!("file/{n}/new_version_v2"),
                json!({
                    "name": t.w.name,
                    "upload_type": "api",
                    "file_size": content.size,
                    "sha1": content.sha1,
                }),
            )
            .await?;
        let w = self.client.upload_to(&url, &t.w.name, &content).await?;
        Ok(super::content::uploaded(&w, t.sp))
    }

    async fn promote_version(&self, ctx: &Ctx, space: &str, id: &str, v: &str) -> ApiResult<Item> {
        let (t, _, path) = self.version_call(ctx, space, id, v, "promote").await?;
        let w: WireItem = self
            .client
            .post(ctx, "file/version/promote", &path, &json!({}))
            .await?;
        Ok(item(&w, t.sp))
    }

    async fn delete_version(&self, ctx: &Ctx, space: &str, id: &str, v: &str) -> ApiResult<()> {
        let (_, _, path) = self.version_call(ctx, space, id, v, "delete").await?;
        self.client
            .post_empty(ctx, "file/version/delete", &path)
            .await
    }
}

impl FangcloudDrive {
    /// The preamble of a call on one version `v` of file `id`: the file, its number and the
    /// call's path `file/{n}/version/{vid}/<call>`.
    async fn version_call(
        &self,
        ctx: &Ctx,
        space: &str,
        id: &str,
        v: &str,
        call: &str,
    ) -> ApiResult<(Target, i64, String)> {
        let (t, (n, vid)) = self
            .target_with(ctx, space, id, |_, it| file_version(it, v))
            .await?;
        Ok((t, n, format!("file/{n}/version/{vid}/{call}")))
    }
}
