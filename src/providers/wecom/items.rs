//! Files and folders of a space: `file_list`, `file_info`, `file_create`, `file_move`,
//! `file_rename`, `file_delete`.

use async_trait::async_trait;
use serde_json::{Value, json};

use super::WecomDrive;
use super::client::*;
use super::map::*;
use super::resolve::*;
use crate::error::{ApiError, ApiResult};
use crate::model::*;
use crate::providers::*;

#[async_trait]
impl Items for WecomDrive {
    async fn list_items(&self, _ctx: &Ctx, space: &str, req: ListItems) -> ApiResult<Page<Item>> {
        let spaceid = parse_space(space)?;
        let fatherid = father(&spaceid, req.parent.as_deref())?;
        let mut pos: u32 = req
            .page
            .cursor
            .as_deref()
            .map(cursor::decode)
            .transpose()?
            .unwrap_or(0);
        // WeDrive cannot filter by kind, and deleted entries (`file_status` 2) may be listed:
        // the filter is applied here, before paging, reading upstream batches until the page is
        // full and one more admitted item is seen, so that a page is never empty while
        // `next_cursor` is set. `start` is an offset into the sorted listing ("首次填0, 后续填上
        // 一次请求返回的next_start", upstream-docs/wecom-wedrive.txt, file_list), so the cursor is
        // the offset of the first item not returned. Offsets shift when the folder changes
        // between pages (the upstream has no snapshot).
        let want = req.page.limit as usize;
        let batch = (req.page.limit + 1).min(MAX_PAGE_LIMIT);
        let mut items = Vec::with_capacity(want.min(100));
        loop {
            let a: FileListAnswer = self
                .client
                .call(
                    "file_list",
                    &json!({
                        "spaceid": spaceid,
                        "fatherid": fatherid,
                        "sort_type": sort_type(req.sort),
                        "start": pos,
                        "limit": batch,
                    }),
                )
                .await?;
            let returned = a.file_list.item.len();
            for (i, f) in a.file_list.item.into_iter().enumerate() {
                if f.file_status == 2 {
                    continue;
                }
                let it = item(f);
                if !kind_admits(req.kind, &it) {
                    continue;
                }
                if items.len() == want {
                    let at = pos.saturating_add(u32::try_from(i).unwrap_or(u32::MAX));
                    return Ok(Page {
                        items,
                        next_cursor: Some(cursor::encode(&at)),
                    });
                }
                items.push(it);
            }
            if !a.has_more || returned == 0 || a.next_start <= pos {
                return Ok(Page::last(items));
            }
            pos = a.next_start;
        }
    }

    async fn get_item(&self, _ctx: &Ctx, space: &str, id: &str) -> ApiResult<Item> {
        Ok(item(self.target(space, id).await?.f))
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
        let (t, ()) = self
            .target_with(space, id, || match &req.name {
                Some(name) => check_name("name", name),
                None => Ok(()),
            })
            .await?;
        let Target {
            spaceid,
            fileid,
            f: mut current,
        } = t;
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
                let moved: FileListItems = self
                    .client
                    .call_field(
                        "file_move",
                        &json!({"fatherid": target, "replace": on_conflict == OnConflict::Replace, "fileid": [fileid]}),
                        "file_list",
                    )
                    .await?;
                if let Some(moved) = moved.item.into_iter().next() {
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
            let body = json!({"fileid": fileid, "new_name": name});
            current = self.client.call_field("file_rename", &body, "file").await?;
        }
        Ok(item(current))
    }

    async fn delete_item(&self, _ctx: &Ctx, space: &str, id: &str) -> ApiResult<()> {
        let Target { fileid, .. } = self.target(space, id).await?;
        let _: Value = self
            .client
            .call("file_delete", &json!({ "fileid": [fileid] }))
            .await?;
        Ok(())
    }
}

impl WecomDrive {
    pub(super) async fn create(
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
}
