//! What WeCom operations start with: the space and item a request names, the item checked to
//! be a live item of that space; and the name lookups conflicts need.

use serde_json::json;

use super::WecomDrive;
use super::client::*;
use super::map::{parse_item, parse_space};
use crate::error::{ApiError, ApiResult};

/// The item an operation acts on: its space, its file id and the upstream's record of it.
pub(super) struct Target {
    pub spaceid: String,
    pub fileid: String,
    pub f: WireFile,
}

impl WecomDrive {
    /// The preamble of every operation on one item: parse the space and item ids, run the
    /// operation's own checks of its arguments (`check`, so that a bad argument costs no
    /// upstream call), then read the item and check it is a live item of the space.
    pub(super) async fn target_with<T: Send>(
        &self,
        space: &str,
        id: &str,
        check: impl FnOnce() -> ApiResult<T> + Send,
    ) -> ApiResult<(Target, T)> {
        let spaceid = parse_space(space)?;
        let fileid = parse_item(id)?;
        let checked = check()?;
        let f = self.item_in(&spaceid, &fileid).await?;
        Ok((Target { spaceid, fileid, f }, checked))
    }

    /// [`Self::target_with`] for an operation without checks of its own.
    pub(super) async fn target(&self, space: &str, id: &str) -> ApiResult<Target> {
        Ok(self.target_with(space, id, || Ok(())).await?.0)
    }

    pub(super) async fn file_info(&self, fileid: &str) -> ApiResult<WireFile> {
        self.client
            .call_field("file_info", &json!({ "fileid": fileid }), "file_info")
            .await
    }

    /// The item, checked to be a live item of `spaceid` (ids from another space are 404s).
    pub(super) async fn item_in(&self, spaceid: &str, fileid: &str) -> ApiResult<WireFile> {
        let f = self.file_info(fileid).await?;
        if f.spaceid != spaceid || f.file_status == 2 {
            return Err(ApiError::not_found(
                "item_not_found",
                "no such item in this space",
            ));
        }
        Ok(f)
    }

    /// One page of `fatherid`'s children, as large as file_list gives, for the name lookups.
    async fn names_page(
        &self,
        spaceid: &str,
        fatherid: &str,
        start: u32,
    ) -> ApiResult<FileListAnswer> {
        self.client
            .call(
                "file_list",
                &json!({"spaceid": spaceid, "fatherid": fatherid, "sort_type": 1, "start": start, "limit": 1000}),
            )
            .await
    }

    /// For on_conflict=rename: the first `name (n).ext` not taken under `fatherid` (walks all
    /// pages once). The gateway chooses it because WeDrive would number `name(n).ext`.
    pub(super) async fn free_name(
        &self,
        spaceid: &str,
        fatherid: &str,
        name: &str,
    ) -> ApiResult<String> {
        let mut taken = Vec::new();
        let mut start = 0;
        loop {
            let page = self.names_page(spaceid, fatherid, start).await?;
            let more = page.has_more && page.next_start > start;
            start = page.next_start;
            taken.extend(
                page.file_list
                    .item
                    .into_iter()
                    .filter(|f| f.file_status != 2)
                    .map(|f| f.file_name),
            );
            if !more {
                break;
            }
        }
        let is_taken = |n: &str| taken.iter().any(|t| crate::names::same(t, n));
        if !is_taken(name) {
            return Ok(name.to_owned());
        }
        (1..=1000)
            .map(|n| {
                crate::names::numbered(name, n, |c| {
                    super::map::name_units(c) <= super::map::MAX_NAME_UNITS
                })
            })
            .find(|c| !is_taken(c))
            .ok_or_else(|| name_conflict(name))
    }

    /// A live item named `name` directly under `fatherid`, if any (walks all pages).
    pub(super) async fn find_by_name(
        &self,
        spaceid: &str,
        fatherid: &str,
        name: &str,
    ) -> ApiResult<Option<WireFile>> {
        let mut start = 0;
        loop {
            let page = self.names_page(spaceid, fatherid, start).await?;
            if let Some(f) = page
                .file_list
                .item
                .into_iter()
                .find(|f| crate::names::same(&f.file_name, name) && f.file_status != 2)
            {
                return Ok(Some(f));
            }
            if !page.has_more {
                return Ok(None);
            }
            start = page.next_start;
        }
    }
}

pub(super) fn name_conflict(name: &str) -> ApiError {
    ApiError::Conflict {
        code: "name_conflict",
        detail: format!("an item named '{name}' already exists there"),
    }
}
