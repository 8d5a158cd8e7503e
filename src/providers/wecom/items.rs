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
        let start: u32 = req
            .page
            .cursor
            .as_deref()
            .map(cursor::decode)
            .transpose()?
            .unwrap_or(0);
        let a: FileListAnswer = self
            .client
            .call(
                "file_list",
                &json!({
                    "spaceid": spaceid,
                    "fatherid": fatherid,
                    "sort_type": sort_type(req.sort),
                    "start": start,
                    "limit": req.page.limit,
                }),
            )
            .await?;
        // WeDrive cannot filter by kind: filter the page (pages may then be short).
        let items = a
            .file_list
            .item
            .into_iter()
            .filter(|f| f.file_status != 2)
            .map(item)
            .filter(|i| kind_admits(req.kind, i))
            .collect();
        Ok(Page {
            items,
            next_cursor: a.has_more.then(|| cursor::encode(&a.next_start)),
        })
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
                #[derive(serde::Deserialize)]
                struct A {
                    file_list: FileListItems,
                }
                let a: A = self
                    .client
                    .call(
                        "file_move",
                        &json!({"fatherid": target, "replace": on_conflict == OnConflict::Replace, "fileid": [fileid]}),
                    )
                    .await?;
                if let Some(moved) = a.file_list.item.into_iter().next() {
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
            #[derive(serde::Deserialize)]
            struct A {
                file: WireFile,
            }
            let a: A = self
                .client
                .call("file_rename", &json!({"fileid": fileid, "new_name": name}))
                .await?;
            current = a.file;
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
