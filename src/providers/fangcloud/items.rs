//! Files and folders of a space: `folder/children`, `*/info`, `folder/create*`,
//! `file/create_blank_file`, `*/update`, `*/move`, `*/copy`, `*/delete`.

use async_trait::async_trait;
use serde_json::{Map, Value, json};

use super::FangcloudDrive;
use super::client::*;
use super::map::*;
use super::resolve::*;
use crate::error::{ApiError, ApiResult};
use crate::model::*;
use crate::providers::*;

/// File descriptions (document, `file/{id}/update`: "长度必须小于等于140个字符").
const MAX_FILE_DESCRIPTION: usize = 140;

/// The checks of an update before any upstream call; the target folder of a move.
fn update_target(
    sp: SpaceRef,
    it: ItemRef,
    req: &UpdateItem,
) -> ApiResult<Option<(i64, Option<i64>)>> {
    if let Some(name) = &req.name {
        check_name("name", name)?;
    }
    if let Some(d) = &req.description
        && matches!(it, ItemRef::File(_))
        && d.chars().count() > MAX_FILE_DESCRIPTION
    {
        return Err(ApiError::BadRequest {
            code: "invalid_request",
            detail: format!("file descriptions are at most {MAX_FILE_DESCRIPTION} characters"),
            field: Some("description".into()),
        });
    }
    if req.parent.is_some() && req.on_conflict.is_some_and(|c| c != OnConflict::Fail) {
        return Err(ApiError::BadRequest {
            code: "invalid_request",
            detail: "Fangcloud moves have no conflict strategy: on_conflict must be fail".into(),
            field: Some("on_conflict".into()),
        });
    }
    match req.parent.as_deref() {
        Some(p) => Ok(Some(folder_arg(sp, Some(p), "parent")?)),
        None => Ok(None),
    }
}

/// `body` with the `department_id` of a folder argument in a department's root, if any.
fn in_department(mut body: Value, dept: Option<i64>) -> Value {
    if let Some(d) = dept {
        body["department_id"] = json!(d);
    }
    body
}

#[async_trait]
impl Items for FangcloudDrive {
    async fn list_items(&self, ctx: &Ctx, space: &str, req: ListItems) -> ApiResult<Page<Item>> {
        let sp = self.space(ctx, space)?;
        let start = page_start(&req.page)?;
        let ((folder, dept), tag) = self
            .listed_folder(ctx, sp, req.parent.as_deref(), start.seal.as_deref())
            .await?;
        let (page_id, capacity) = (start.page_id, start.capacity);
        let (sort_by, direction) = sort(req.sort);
        let mut q = vec![
            ("page_id", page_id.to_string()),
            ("page_capacity", capacity.to_string()),
            ("type", kind_filter(req.kind).to_owned()),
            ("sort_by", sort_by.to_owned()),
            ("sort_direction", direction.to_owned()),
        ];
        if let Some(d) = dept {
            q.push(("department_id", d.to_string()));
        }
        let l: Listing = self
            .client
            .get(
                ctx,
                "folder/children",
                &format!("folder/{folder}/children"),
                &q,
            )
            .await?;
        Ok(listing_page(&l, sp, page_id, capacity, Some(tag)))
    }

    async fn get_item(&self, ctx: &Ctx, space: &str, id: &str) -> ApiResult<Item> {
        let t = self.target(ctx, space, id).await?;
        Ok(item(&t.w, t.sp))
    }

    async fn create_folder(&self, ctx: &Ctx, space: &str, req: CreateFolder) -> ApiResult<Item> {
        let sp = self.space(ctx, space)?;
        check_name("name", &req.name)?;
        if let Some(path) = req.parent.as_deref().filter(|p| p.starts_with('/')) {
            // A path parent: folder/create_by_path makes what is missing (document: rooted at
            // the personal files, or the department's with department_id).
            let mut segments = check_path("parent", path)?;
            segments.push(req.name.clone());
            let mut body = json!({ "target_folder_path": segments.join("/") });
            match sp {
                SpaceRef::Personal(_) => {}
                SpaceRef::Department(d) => body["department_id"] = json!(d),
                SpaceRef::Collab(_) => {
                    return Err(ApiError::BadRequest {
                        code: "invalid_request",
                        detail: "folder paths are rooted at personal or department spaces; in a collaboration space give a folder id".into(),
                        field: Some("parent".into()),
                    });
                }
            }
            return self.create(ctx, "folder/create_by_path", &body, sp).await;
        }
        let (parent, dept) = self
            .folder_in(ctx, sp, req.parent.as_deref(), "parent")
            .await?;
        let body = in_department(json!({ "name": req.name, "parent_id": parent }), dept);
        self.create(ctx, "folder/create", &body, sp).await
    }

    async fn create_document(
        &self,
        ctx: &Ctx,
        space: &str,
        req: CreateDocument,
    ) -> ApiResult<Item> {
        let sp = self.space(ctx, space)?;
        check_name("name", &req.name)?;
        let (parent, dept) = self
            .folder_in(ctx, sp, req.parent.as_deref(), "parent")
            .await?;
        // Document, create_blank_file: type 1 doc, 2 ppt, 3 xls; strategy "2" (auto-rename)
        // is the only one.
        let kind = match req.kind {
            DocumentKind::Document => "1",
            DocumentKind::Slides => "2",
            DocumentKind::Spreadsheet => "3",
        };
        let body = json!({
            "name": req.name,
            "type": kind,
            "parentFolderId": parent,
            "parentEnterpriseId": self.enterprise_id.parse::<i64>().unwrap_or_default(),
            "departmentId": dept.unwrap_or(0),
            "nameConflictResolveStrategy": "2",
        });
        self.create(ctx, "file/create_blank_file", &body, sp).await
    }

    async fn update_item(
        &self,
        ctx: &Ctx,
        space: &str,
        id: &str,
        req: UpdateItem,
    ) -> ApiResult<Item> {
        let (Target { sp, it, w }, target) = self
            .target_with(ctx, space, id, |sp, it| update_target(sp, it, &req))
            .await?;
        let mut current = w;
        if let Some(folder) = target {
            self.check_folder(ctx, sp, folder).await?;
        }
        if req.name.is_some() || req.description.is_some() {
            let mut body = Map::new();
            if let Some(n) = &req.name {
                body.insert("name".into(), json!(n));
            }
            if let Some(d) = &req.description {
                body.insert("description".into(), json!(d));
            }
            current = self
                .post_item(
                    ctx,
                    it,
                    ("file/update", "folder/update"),
                    &Value::Object(body),
                )
                .await?;
        }
        if let Some((folder, dept)) = target {
            let parent_now = current
                .parent
                .as_ref()
                .map(|p| p.id)
                .or_else(|| current.path.last().map(|p| p.id));
            if parent_now != Some(folder) || dept.is_some() {
                let body = in_department(json!({ "target_folder_id": folder }), dept);
                let _: Value = self
                    .post_item(ctx, it, ("file/move", "folder/move"), &body)
                    .await?;
                current = self.info(ctx, it).await?;
            }
        }
        Ok(item(&current, sp))
    }

    async fn copy_item(&self, ctx: &Ctx, space: &str, id: &str, req: CopyItem) -> ApiResult<Item> {
        let (t, (folder, dept)) = self
            .target_with(ctx, space, id, |sp, _| {
                folder_arg(sp, Some(&req.parent), "parent")
            })
            .await?;
        self.check_folder(ctx, t.sp, (folder, dept)).await?;
        let body = in_department(json!({ "target_folder_id": folder }), dept);
        let w: WireItem = self
            .post_item(ctx, t.it, ("file/copy", "folder/copy"), &body)
            .await?;
        Ok(item(&w, t.sp))
    }

    async fn delete_item(&self, ctx: &Ctx, space: &str, id: &str) -> ApiResult<()> {
        let t = self.target(ctx, space, id).await?;
        let _: Value = self
            .post_item(ctx, t.it, ("file/delete", "folder/delete"), &json!({}))
            .await?;
        Ok(())
    }
}

impl FangcloudDrive {
    /// POSTs a creation call (its path is its name) and maps the item it answers.
    async fn create(
        &self,
        ctx: &Ctx,
        op: &'static str,
        body: &Value,
        sp: SpaceRef,
    ) -> ApiResult<Item> {
        let w: WireItem = self.client.post(ctx, op, op, body).await?;
        Ok(item(&w, sp))
    }
}
