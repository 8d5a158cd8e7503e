//! The acting user's trash, as far as it holds items of the space.

use async_trait::async_trait;
use serde_json::{Value, json};

use super::FangcloudDrive;
use super::client::*;
use super::map::*;
use super::resolve::*;
use crate::error::ApiResult;
use crate::model::*;
use crate::providers::*;

#[async_trait]
impl Trash for FangcloudDrive {
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
        let found = read_each(refs, |it| self.trashed_in(ctx, sp, it)).await?;
        Ok(Page {
            items: found.iter().map(|w| item(w, sp)).collect(),
            next_cursor: next_cursor(&l.paging, page_id, capacity),
        })
    }

    async fn restore_item(&self, ctx: &Ctx, space: &str, id: &str) -> ApiResult<Item> {
        let t = self.trashed(ctx, space, id).await?;
        let _: Value = self
            .post_item(
                ctx,
                t.it,
                ("file/restore_from_trash", "folder/restore_from_trash"),
                &json!({}),
            )
            .await?;
        Ok(item(&self.info(ctx, t.it).await?, t.sp))
    }

    async fn purge_item(&self, ctx: &Ctx, space: &str, id: &str) -> ApiResult<()> {
        let t = self.trashed(ctx, space, id).await?;
        let _: Value = self
            .post_item(
                ctx,
                t.it,
                ("file/delete_from_trash", "folder/delete_from_trash"),
                &json!({}),
            )
            .await?;
        Ok(())
    }
}
