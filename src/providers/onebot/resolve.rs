//! What OneBot operations start with: the space as a group (private spaces are upload only)
//! and the item, checked to be of that group; and the listings items are found in.

use serde_json::json;

use super::OnebotDrive;
use super::client::*;
use super::errors::PROVIDER;
use super::map::*;
use crate::error::{ApiError, ApiResult};
use crate::model::*;

/// An item of a group space, as its id names it.
pub(super) enum InGroup {
    File {
        folder: String,
        file_id: String,
        busid: i64,
    },
    Folder {
        folder_id: String,
    },
}

/// The item `id` names, which must be of `group` (an item of another space is a 404).
pub(super) fn in_group(group: i64, id: &str) -> ApiResult<InGroup> {
    match parse_item(id)? {
        ItemRef::File {
            group: g,
            folder,
            file_id,
            busid,
        } if g == group => Ok(InGroup::File {
            folder,
            file_id,
            busid,
        }),
        ItemRef::Folder {
            group: g,
            folder_id,
        } if g == group => Ok(InGroup::Folder { folder_id }),
        _ => Err(not_in_space()),
    }
}

impl OnebotDrive {
    /// The space as a group, or 501 for a private space (upload only).
    pub(super) fn group_of(space: &str, operation: Operation) -> ApiResult<i64> {
        match parse_space(space)? {
            SpaceRef::Group(g) => Ok(g),
            SpaceRef::User(_) => Err(private_upload_only(operation)),
        }
    }

    /// The preamble of every operation on one item: the space as a group (`operation` is what
    /// a private space answers 501 for) and the item, checked to be of that group.
    pub(super) fn target(space: &str, id: &str, operation: Operation) -> ApiResult<(i64, InGroup)> {
        let group = Self::group_of(space, operation)?;
        Ok((group, in_group(group, id)?))
    }

    /// One folder's `files` and `folders`; the root has its own action.
    pub(super) async fn listing(&self, group: i64, folder: &str) -> ApiResult<WireListing> {
        if folder == ROOT {
            self.client
                .call("get_group_root_files", &json!({ "group_id": group }))
                .await
        } else {
            self.client
                .call(
                    "get_group_files_by_folder",
                    &json!({ "group_id": group, "folder_id": folder }),
                )
                .await
        }
    }

    /// The file, found in its folder's listing (OneBot has no "file info" action).
    pub(super) async fn find_file(
        &self,
        group: i64,
        folder: &str,
        file_id: &str,
        busid: i64,
    ) -> ApiResult<WireFile> {
        self.listing(group, folder)
            .await
            .map_err(item_not_found)?
            .files
            .into_iter()
            .find(|f| f.file_id == file_id && f.busid == busid)
            .ok_or_else(not_in_space)
    }

    pub(super) async fn find_folder(&self, group: i64, folder_id: &str) -> ApiResult<WireFolder> {
        self.listing(group, ROOT)
            .await?
            .folders
            .into_iter()
            .find(|f| f.folder_id == folder_id)
            .ok_or_else(not_in_space)
    }
}

pub(super) fn private_upload_only(operation: Operation) -> ApiError {
    ApiError::UnsupportedFor {
        provider: PROVIDER,
        operation,
        detail: format!(
            "private (friend) spaces only support upload_file: OneBot can send a file to a friend but cannot {operation} there"
        ),
    }
}

/// A listing that fails because the folder is gone means the item is gone.
pub(super) fn item_not_found(e: ApiError) -> ApiError {
    match e {
        ApiError::Upstream(u) if u.code == "item_not_found" => not_in_space(),
        e => e,
    }
}

pub(super) fn parent_not_found(e: ApiError) -> ApiError {
    match e {
        ApiError::Upstream(u) if u.code == "item_not_found" => {
            ApiError::not_found("parent_not_found", "the parent folder does not exist")
        }
        e => e,
    }
}
