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
        let refs = refs_of(&l.folders, ItemRef::Folder)
            .chain(refs_of(&l.files, ItemRef::File))
            .collect();
        let found = read_each(refs, |it| self.trashed_in(ctx, sp, it)).await?;
        Ok(Page {
            items: found.iter().map(|w| item(w, sp)).collect(),
            next_cursor: next_cursor(&l.paging, page_id, capacity),
        })
    }

    async fn restore_item(&self, ctx: &Ctx, space: &str, id: &str) -> ApiResult<Item> {
        let ops = ("file/restore_from_trash", "folder/restore_from_trash");
        let t = self.act_on_trashed(ctx, space, id, ops).await?;
        Ok(item(&self.info(ctx, t.it).await?, t.sp))
    }

    async fn purge_item(&self, ctx: &Ctx, space: &str, id: &str) -> ApiResult<()> {
        let ops = ("file/delete_from_trash", "folder/delete_from_trash");
        self.act_on_trashed(ctx, space, id, ops).await.map(|_| ())
    }
}

impl FangcloudDrive {
    /// Finds item `id` in the trash of `space` and POSTs `{}` to its file or folder call
    /// (`ops`, as [`Self::post_item`] takes them); gives the item as it lay in the trash.
    async fn act_on_trashed(
        &self,
        ctx: &Ctx,
        space: &str,
        id: &str,
        ops: (&'static str, &'static str),
    ) -> ApiResult<Target> {
        let t = self.trashed(ctx, space, id).await?;
        let _: Value = self.post_item(ctx, t.it, ops, &json!({})).await?;
        Ok(t)
    }
}
