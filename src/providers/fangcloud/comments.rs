//! Comments on files: `file/{id}/comments`, `comment/create`, `comment/{id}/delete`.

use async_trait::async_trait;
use serde_json::json;

use super::FangcloudDrive;
use super::client::*;
use super::map::*;
use super::resolve::*;
use crate::error::{ApiError, ApiResult};
use crate::model::*;
use crate::providers::*;

/// The file number of a comments call (folders have no comments).
fn file(it: ItemRef) -> ApiResult<i64> {
    file_only(it, "comments")
}

#[async_trait]
impl Comments for FangcloudDrive {
    async fn list_comments(
        &self,
        ctx: &Ctx,
        space: &str,
        id: &str,
        page: PageRequest,
    ) -> ApiResult<Page<Comment>> {
        let (_, n) = self.target_with(ctx, space, id, |_, it| file(it)).await?;
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
        let (_, n) = self
            .target_with(ctx, space, id, |_, it| {
                let n = file(it)?;
                // Document, 添加的评论信息: content at most 1001 characters.
                if req.content.chars().count() > 1001 {
                    return Err(ApiError::invalid_field(
                        "content",
                        "Fangcloud comments are at most 1001 characters",
                    ));
                }
                Ok(n)
            })
            .await?;
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
        let (_, cid) = self
            .target_with(ctx, space, id, |_, it| parse_comment(c, file(it)?))
            .await?;
        let path = format!("comment/{cid}/delete");
        self.client.post_empty(ctx, "comment/delete", &path).await
    }
}
