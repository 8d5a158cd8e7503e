//! Group files and folders: listings (`get_group_root_files`, `get_group_files_by_folder`),
//! `create_group_file_folder`, `rename_group_folder`, `delete_group_file`/`_folder`.

use async_trait::async_trait;
use serde_json::{Value, json};

use super::OnebotDrive;
use super::client::*;
use super::errors::PROVIDER;
use super::map::*;
use super::resolve::*;
use crate::error::{ApiError, ApiResult, UpstreamError};
use crate::model::*;
use crate::providers::*;

#[async_trait]
impl Items for OnebotDrive {
    async fn list_items(&self, _ctx: &Ctx, space: &str, req: ListItems) -> ApiResult<Page<Item>> {
        let group = Self::group_of(space, Operation::ListItems)?;
        let folder = parent_folder(group, req.parent.as_deref())?;
        let sort = req.sort.unwrap_or_default();
        // What the listing is: its snapshot serves this scope's cursors only.
        let scope = format!("{space}\n{folder}\n{sort:?}\n{:?}", req.kind);
        self.snapshots
            .page(&scope, &req.page, || async {
                let mut items = self
                    .items(space, group, &folder)
                    .await
                    .map_err(parent_not_found)?;
                items.retain(|i| kind_admits(req.kind, i));
                sort_items(&mut items, sort);
                Ok(items)
            })
            .await
    }

    async fn get_item(&self, _ctx: &Ctx, space: &str, id: &str) -> ApiResult<Item> {
        match Self::target(space, id, Operation::GetItem)? {
            (
                group,
                InGroup::File {
                    folder,
                    file_id,
                    busid,
                },
            ) => {
                let f = self.find_file(group, &folder, &file_id, busid).await?;
                Ok(file_item(space, group, &folder, f))
            }
            (group, InGroup::Folder { folder_id }) => Ok(folder_item(
                space,
                group,
                self.find_folder(group, &folder_id).await?,
            )),
        }
    }

    async fn create_folder(&self, _ctx: &Ctx, space: &str, req: CreateFolder) -> ApiResult<Item> {
        let group = Self::group_of(space, Operation::CreateFolder)?;
        let parent = parent_folder(group, req.parent.as_deref())?;
        if parent != ROOT {
            return Err(ApiError::BadRequest {
                code: "nested_folder_not_supported",
                detail: "QQ group folders exist only in the group's root; create the folder without a parent".into(),
                field: Some("parent".into()),
            });
        }
        check_name("name", &req.name)?;
        // The documented parameters only (group_id, name): implementations name the parent
        // differently (README), and the root is the only parent there is.
        let created: Option<WireCreatedFolder> = self
            .client
            .call(
                "create_group_file_folder",
                &json!({ "group_id": group, "name": req.name }),
            )
            .await?;
        match created.filter(|c| !c.folder_id.is_empty()) {
            Some(c) => Ok(folder_item(
                space,
                group,
                WireFolder {
                    folder_id: c.folder_id,
                    folder_name: if c.folder_name.is_empty() {
                        req.name
                    } else {
                        c.folder_name
                    },
                    create_time: c.create_time,
                    modify_time: c.modify_time,
                    creator: c.creator_uin,
                    creator_name: String::new(),
                    total_file_count: 0,
                },
            )),
            // go-cqhttp answers no data: find the new folder by its (unique) name.
            None => self
                .listing(group, ROOT)
                .await?
                .folders
                .into_iter()
                .find(|f| f.folder_name == req.name)
                .map(|f| folder_item(space, group, f))
                .ok_or_else(|| {
                    UpstreamError::malformed(
                        PROVIDER,
                        "create_group_file_folder succeeded but the folder is not listed",
                    )
                    .into()
                }),
        }
    }

    /// Renames folders (`rename_group_folder`). Files cannot be renamed and nothing moves; the
    /// handler has already refused `parent` and `description` (not in the capabilities).
    async fn update_item(
        &self,
        _ctx: &Ctx,
        space: &str,
        id: &str,
        req: UpdateItem,
    ) -> ApiResult<Item> {
        let group = Self::group_of(space, Operation::RenameItem)?;
        let name = req
            .name
            .ok_or_else(|| ApiError::invalid_field("name", "give the folder's new name"))?;
        match in_group(group, id)? {
            InGroup::Folder { folder_id } => {
                check_name("name", &name)?;
                let _: Value = self
                    .client
                    .call(
                        "rename_group_folder",
                        &json!({ "group_id": group, "folder_id": folder_id, "name": name }),
                    )
                    .await?;
                Ok(folder_item(
                    space,
                    group,
                    self.find_folder(group, &folder_id).await?,
                ))
            }
            InGroup::File { .. } => Err(ApiError::UnsupportedFor {
                provider: PROVIDER,
                operation: Operation::RenameItem,
                detail: "QQ group files cannot be renamed: OneBot has no action for it (only folders can be renamed)".into(),
            }),
        }
    }

    async fn delete_item(&self, _ctx: &Ctx, space: &str, id: &str) -> ApiResult<()> {
        let (group, target) = Self::target(space, id, Operation::DeleteItem)?;
        match target {
            InGroup::File { file_id, busid, .. } => {
                self.delete_group_file(group, &file_id, busid).await
            }
            InGroup::Folder { folder_id } => {
                let _: Value = self
                    .client
                    .call(
                        "delete_group_folder",
                        &json!({ "group_id": group, "folder_id": folder_id }),
                    )
                    .await?;
                Ok(())
            }
        }
    }
}

impl OnebotDrive {
    /// The folder's unified listing, unsorted.
    pub(super) async fn items(
        &self,
        space: &str,
        group: i64,
        folder: &str,
    ) -> ApiResult<Vec<Item>> {
        let l = self.listing(group, folder).await?;
        let mut items: Vec<Item> = l
            .folders
            .into_iter()
            .map(|f| folder_item(space, group, f))
            .collect();
        items.extend(
            l.files
                .into_iter()
                .map(|f| file_item(space, group, folder, f)),
        );
        Ok(items)
    }
}
