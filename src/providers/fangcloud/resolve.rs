//! What Fangcloud operations start with: the acting user, the space the request names (one the
//! user may reach), the item it names, checked to lie in that space, and listing cursors.

use serde::{Deserialize, Serialize};

use super::FangcloudDrive;
use super::client::*;
use super::map::*;
use crate::error::{ApiError, ApiResult};
use crate::model::*;
use crate::providers::Ctx;

/// Calls made side by side when one listing needs a call per item (trash, recent).
pub(super) const FAN_OUT: usize = 8;

/// Page cursor of the upstream's `page_id`/`page_capacity` listings: the capacity is kept so
/// that a changed `limit` does not shift pages; `k`, when present, is the folder seal's tag
/// for the listed folder (folder_seal.rs).
#[derive(Debug, Serialize, Deserialize)]
struct PageCursor {
    p: i64,
    c: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    k: Option<String>,
}

/// Where a `page_id` listing continues: upstream page, page capacity and the folder seal's
/// tag the cursor carries.
pub(super) struct PageStart {
    pub page_id: i64,
    pub capacity: u32,
    pub seal: Option<String>,
}

pub(super) fn page_start(page: &PageRequest) -> ApiResult<PageStart> {
    match page.cursor.as_deref() {
        None => Ok(PageStart {
            page_id: 0,
            capacity: page.limit,
            seal: None,
        }),
        Some(c) => {
            let c: PageCursor = cursor::decode(c)?;
            if c.p < 0 || c.c == 0 || c.c > MAX_PAGE_LIMIT {
                return Err(ApiError::BadRequest {
                    code: "invalid_cursor",
                    detail: "the cursor is malformed or belongs to another listing".into(),
                    field: Some("cursor".into()),
                });
            }
            Ok(PageStart {
                page_id: c.p,
                capacity: c.c,
                seal: c.k,
            })
        }
    }
}

pub(super) fn page_of(page: &PageRequest) -> ApiResult<(i64, u32)> {
    page_start(page).map(|s| (s.page_id, s.capacity))
}

pub(super) fn next_cursor(paging: &Paging, page_id: i64, capacity: u32) -> Option<String> {
    sealed_next_cursor(paging, page_id, capacity, None)
}

/// The next page's cursor, carrying the folder seal's `tag`.
pub(super) fn sealed_next_cursor(
    paging: &Paging,
    page_id: i64,
    capacity: u32,
    tag: Option<String>,
) -> Option<String> {
    paging.next(page_id).map(|p| {
        cursor::encode(&PageCursor {
            p,
            c: capacity,
            k: tag,
        })
    })
}

/// A `folder/children`-shaped listing as a page: the upstream pages folders first, then files.
/// `tag` is the folder seal's, for the next page's cursor.
pub(super) fn listing_page(
    l: &Listing,
    sp: SpaceRef,
    page_id: i64,
    capacity: u32,
    tag: Option<String>,
) -> Page<Item> {
    Page {
        items: l
            .folders
            .iter()
            .chain(l.files.iter())
            .map(|w| item(w, sp))
            .collect(),
        next_cursor: sealed_next_cursor(&l.paging, page_id, capacity, tag),
    }
}

/// The references of listed items, all files or all folders (`as_ref`).
pub(super) fn refs_of(
    listed: &[WireItem],
    as_ref: fn(i64) -> ItemRef,
) -> impl Iterator<Item = ItemRef> + '_ {
    listed.iter().map(move |w| as_ref(w.id))
}

/// Reads one item per reference, [`FAN_OUT`] at a time, in order; an item the upstream no
/// longer finds (404) is left out.
pub(super) async fn read_each<F, Fut>(refs: Vec<ItemRef>, read: F) -> ApiResult<Vec<WireItem>>
where
    F: Fn(ItemRef) -> Fut,
    Fut: std::future::Future<Output = ApiResult<WireItem>>,
{
    use futures::{StreamExt, TryStreamExt};
    let found: Vec<Option<WireItem>> = futures::stream::iter(refs)
        .map(|it| {
            let read = read(it);
            async move {
                match read.await {
                    Ok(w) => Ok(Some(w)),
                    Err(e) if e.status().as_u16() == 404 => Ok(None),
                    Err(e) => Err(e),
                }
            }
        })
        .buffered(FAN_OUT)
        .try_collect()
        .await?;
    Ok(found.into_iter().flatten().collect())
}

/// The item an operation acts on: its space, its reference and the upstream's record of it.
pub(super) struct Target {
    pub sp: SpaceRef,
    pub it: ItemRef,
    pub w: WireItem,
}

impl FangcloudDrive {
    /// The preamble of every operation on one item: resolve the space (the acting user's to
    /// reach), parse the item reference, run the operation's own checks of its arguments
    /// (`check`, so that a bad argument costs no upstream call), then read the live item and
    /// check that it lies in the space.
    pub(super) async fn target_with<T: Send>(
        &self,
        ctx: &Ctx,
        space: &str,
        id: &str,
        check: impl FnOnce(SpaceRef, ItemRef) -> ApiResult<T> + Send,
    ) -> ApiResult<(Target, T)> {
        let sp = self.space(ctx, space)?;
        let it = ItemRef::item(id)?;
        let checked = check(sp, it)?;
        let w = self.item_in(ctx, sp, it).await?;
        Ok((Target { sp, it, w }, checked))
    }

    /// [`Self::target_with`] for an operation without checks of its own.
    pub(super) async fn target(&self, ctx: &Ctx, space: &str, id: &str) -> ApiResult<Target> {
        Ok(self.target_with(ctx, space, id, |_, _| Ok(())).await?.0)
    }

    /// The same preamble for an item in the trash.
    pub(super) async fn trashed(&self, ctx: &Ctx, space: &str, id: &str) -> ApiResult<Target> {
        let sp = self.space(ctx, space)?;
        let it = ItemRef::item(id)?;
        let w = self.trashed_in(ctx, sp, it).await?;
        Ok(Target { sp, it, w })
    }

    /// POSTs `file/{id}/<call>` or `folder/{id}/<call>`: the document has the same calls for
    /// files and folders, each under its own prefix (`file_op` `file/<call>`, `folder_op`
    /// `folder/<call>`).
    pub(super) async fn post_item<T: serde::de::DeserializeOwned>(
        &self,
        ctx: &Ctx,
        it: ItemRef,
        (file_op, folder_op): (&'static str, &'static str),
        body: &serde_json::Value,
    ) -> ApiResult<T> {
        let op = match it {
            ItemRef::File(_) => file_op,
            ItemRef::Folder(_) => folder_op,
        };
        let call = op.split_once('/').map_or(op, |(_, call)| call);
        let path = format!("{}/{}/{call}", it.kind(), it.number());
        self.client.post(ctx, op, &path, body).await
    }

    /// The acting user's id: `X-Filegate-As-User` or the connection's default user.
    pub(super) fn me(&self, ctx: &Ctx) -> ApiResult<i64> {
        let u = self.client.user_of(ctx);
        u.parse::<i64>()
            .ok()
            .filter(|n| *n > 0)
            .ok_or_else(|| ApiError::BadRequest {
                code: "invalid_request",
                detail: "X-Filegate-As-User must be a Fangcloud user id (a number)".into(),
                field: Some("x-filegate-as-user".into()),
            })
    }

    /// The space, which must be reachable by the acting user: a personal space is only its
    /// own user's.
    pub(super) fn space(&self, ctx: &Ctx, space: &str) -> ApiResult<SpaceRef> {
        let sp = SpaceRef::parse(space)?;
        let me = self.me(ctx)?;
        if let SpaceRef::Personal(u) = sp
            && u != me
        {
            return Err(ApiError::not_found(
                "space_not_found",
                format!("that is the personal space of user {u}; this request acts as user {me}"),
            ));
        }
        Ok(sp)
    }

    pub(super) async fn info(&self, ctx: &Ctx, it: ItemRef) -> ApiResult<WireItem> {
        match it {
            ItemRef::File(n) => {
                self.client
                    .get(ctx, "file/info_v2", &format!("file/{n}/info_v2"), &[])
                    .await
            }
            ItemRef::Folder(n) => {
                self.client
                    .get(ctx, "folder/info", &format!("folder/{n}/info"), &[])
                    .await
            }
        }
    }

    /// The live item, checked to lie in `sp` (an item of another space is a 404).
    pub(super) async fn item_in(
        &self,
        ctx: &Ctx,
        sp: SpaceRef,
        it: ItemRef,
    ) -> ApiResult<WireItem> {
        in_space(sp, self.info(ctx, it).await?)
    }

    /// The item as it lies in the trash (`file|folder/{id}/trash`), checked to be of `sp`.
    pub(super) async fn trashed_in(
        &self,
        ctx: &Ctx,
        sp: SpaceRef,
        it: ItemRef,
    ) -> ApiResult<WireItem> {
        let op = match it {
            ItemRef::File(_) => "file/trash",
            ItemRef::Folder(_) => "folder/trash",
        };
        let path = format!("{}/{}/trash", it.kind(), it.number());
        in_space(sp, self.client.get(ctx, op, &path, &[]).await?)
    }

    /// The parent of a listing, checked to lie in `sp` unless the cursor's `seal` says an
    /// earlier page of the same listing did; gives the tag for the next page's cursor.
    pub(super) async fn listed_folder(
        &self,
        ctx: &Ctx,
        sp: SpaceRef,
        parent: Option<&str>,
        seal: Option<&str>,
    ) -> ApiResult<((i64, Option<i64>), String)> {
        let folder = folder_arg(sp, parent, "parent")?;
        let user = self.client.user_of(ctx);
        if !seal.is_some_and(|t| self.folder_seal.verify(&user, sp, folder, t)) {
            self.check_folder(ctx, sp, folder).await?;
        }
        Ok((folder, self.folder_seal.tag(&user, sp, folder)))
    }

    /// A folder argument, checked to lie in `sp` when it is not the space's root.
    pub(super) async fn folder_in(
        &self,
        ctx: &Ctx,
        sp: SpaceRef,
        parent: Option<&str>,
        field: &str,
    ) -> ApiResult<(i64, Option<i64>)> {
        let folder = folder_arg(sp, parent, field)?;
        self.check_folder(ctx, sp, folder).await?;
        Ok(folder)
    }

    /// Checks that a folder argument (as [`folder_arg`] gives it) lies in `sp`; the space's
    /// root needs no call.
    pub(super) async fn check_folder(
        &self,
        ctx: &Ctx,
        sp: SpaceRef,
        (folder, dept): (i64, Option<i64>),
    ) -> ApiResult<()> {
        if (folder, dept) != sp.root() {
            self.item_in(ctx, sp, ItemRef::Folder(folder)).await?;
        }
        Ok(())
    }
}

/// `w` if it lies in `sp`; an item of another space is a 404.
fn in_space(sp: SpaceRef, w: WireItem) -> ApiResult<WireItem> {
    if !sp.holds(&w) {
        return Err(not_in_space());
    }
    Ok(w)
}

pub(super) fn not_in_space() -> ApiError {
    ApiError::not_found("item_not_found", "no such item in this space")
}

pub(super) fn file_only(it: ItemRef, what: &str) -> ApiResult<i64> {
    match it {
        ItemRef::File(n) => Ok(n),
        ItemRef::Folder(_) => Err(ApiError::bad_request(
            "not_a_file",
            format!("{what} exist for files only, not folders"),
        )),
    }
}

pub(super) fn folder_only(it: ItemRef) -> ApiResult<i64> {
    match it {
        ItemRef::Folder(n) => Ok(n),
        ItemRef::File(_) => Err(ApiError::bad_request(
            "not_a_folder",
            "Fangcloud collaborations are on folders, not files",
        )),
    }
}
