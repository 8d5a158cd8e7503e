//! `item/search` within a space and `file/recent_items` across spaces.

use async_trait::async_trait;

use super::FangcloudDrive;
use super::client::*;
use super::map::*;
use super::paging::sliced;
use super::resolve::*;
use crate::error::ApiResult;
use crate::model::*;
use crate::providers::*;

#[async_trait]
impl Search for FangcloudDrive {
    async fn search(&self, ctx: &Ctx, space: &str, req: SearchRequest) -> ApiResult<Page<Item>> {
        let sp = self.space(ctx, space)?;
        let (sort_by, direction) = search_sort(req.sort);
        let filter = match req.field.unwrap_or(SearchField::All) {
            SearchField::All => "all",
            SearchField::Name => "file_name",
            SearchField::Content => "content",
            SearchField::Creator => "creator",
            SearchField::Tag => "tag",
        };
        let mut q = vec![
            ("query_words", req.query.clone()),
            ("type", kind_filter(req.kind).to_owned()),
            ("sort_by", sort_by.to_owned()),
            ("sort_direction", direction.to_owned()),
            ("query_filter", filter.to_owned()),
            ("precise_search", req.exact.to_string()),
        ];
        // Document, department_id: 0 personal space, -1 shared with me, N a department.
        let (dept, mut within) = match sp {
            SpaceRef::Personal(_) => (0, None),
            SpaceRef::Department(d) => (d, None),
            SpaceRef::Collab(f) => (-1, Some(f)),
        };
        q.push(("department_id", dept.to_string()));
        if let Some(p) = req.parent.as_deref() {
            let (folder, _) = folder_arg(sp, Some(p), "parent")?;
            if (folder, None) != sp.root() {
                self.item_in(ctx, sp, ItemRef::Folder(folder)).await?;
            }
            within = Some(folder).filter(|f| *f != 0);
        }
        if let Some(f) = within {
            q.push(("search_in_folder", f.to_string()));
        }
        if req.modified_after.is_some() || req.modified_before.is_some() {
            // "start,end" in seconds; either side may be empty, the comma may not.
            let side = |t: Option<chrono::DateTime<chrono::Utc>>| {
                t.map_or(String::new(), |t| t.timestamp().to_string())
            };
            q.push((
                "updated_time_range",
                format!("{},{}", side(req.modified_after), side(req.modified_before)),
            ));
        }
        // Pages of 20 chosen by the upstream ("page_id … 每页默认20"), sliced into `limit`.
        let q = &q;
        sliced(&req.page, |page_id| async move {
            let mut q = q.clone();
            q.push(("page_id", page_id.to_string()));
            let l: Listing = self
                .client
                .get(ctx, "item/search", "item/search", &q)
                .await?;
            let items = l
                .folders
                .iter()
                .chain(l.files.iter())
                .map(|w| item(w, sp))
                .collect();
            Ok((items, l.paging))
        })
        .await
    }

    async fn list_recent(&self, ctx: &Ctx, page: PageRequest) -> ApiResult<Page<Item>> {
        let me = self.me(ctx)?;
        let offset: usize = match &page.cursor {
            Some(c) => cursor::decode(c)?,
            None => 0,
        };
        let want = offset + page.limit as usize + 1;
        let l: Listing = self
            .client
            .get(
                ctx,
                "file/recent_items",
                "file/recent_items",
                &[("limit", want.min(10_000).to_string())],
            )
            .await?;
        let all: Vec<ItemRef> = refs_of(&l.files, ItemRef::File)
            .chain(refs_of(&l.folders, ItemRef::Folder))
            .collect();
        let more = all.len() > offset + page.limit as usize;
        let chosen: Vec<ItemRef> = all
            .into_iter()
            .skip(offset)
            .take(page.limit as usize)
            .collect();
        // Recent items span spaces: each one's info says which.
        let infos = read_each(chosen, |it| self.info(ctx, it)).await?;
        let foreign = infos.iter().any(|w| {
            w.space.as_ref().is_none_or(|s| s.kind != "department")
                && w.owned_by.as_ref().is_some_and(|o| o.id != me)
        });
        let shared: Vec<i64> = if foreign {
            self.collab_folders(ctx)
                .await?
                .into_iter()
                .map(|f| f.id)
                .collect()
        } else {
            Vec::new()
        };
        Ok(Page {
            items: infos
                .iter()
                .map(|w| item(w, self.space_of(w, me, &shared)))
                .collect(),
            next_cursor: more.then(|| cursor::encode(&(offset + page.limit as usize))),
        })
    }
}
