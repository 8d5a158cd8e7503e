//! Listings of upstreams that do not page (OneBot answers a whole folder at once), kept for a
//! short time so that a walk through a large folder reads it from upstream once, not once per
//! page.
//!
//! The first page reads the folder, sorts and filters it, and keeps the result under a random
//! snapshot id that its cursor carries with the offset and the id of the page's last item.
//! Later pages are slices of the snapshot, so a walk sees one consistent listing even while the
//! folder changes. A snapshot is kept for `ttl` and the cache holds at most `max_items` items
//! (moka evicts the least used first); a cursor whose snapshot is gone re-reads the folder and
//! goes on after the last item it had given (or at its offset, if that item is gone too), so
//! no item is given twice.

use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::error::{ApiError, ApiResult};
use crate::model::{Item, Page, PageRequest, cursor};

/// One kept listing and what it lists (space, folder, order, filter), so a cursor cannot
/// read another listing's snapshot.
struct Snapshot {
    scope: String,
    items: Vec<Item>,
}

pub struct Snapshots {
    cache: moka::sync::Cache<u64, Arc<Snapshot>>,
}

/// The cursor: snapshot `s`, next offset `o`, id `l` of the last item given.
#[derive(Debug, Serialize, Deserialize)]
struct SnapshotCursor {
    s: u64,
    o: usize,
    l: String,
}

impl Snapshots {
    pub fn new(ttl: Duration, max_items: u64) -> Self {
        Self {
            cache: moka::sync::Cache::builder()
                .max_capacity(max_items)
                // An empty listing still takes a slot.
                .weigher(|_, s: &Arc<Snapshot>| {
                    u32::try_from(s.items.len().max(1)).unwrap_or(u32::MAX)
                })
                .time_to_live(ttl)
                .build(),
        }
    }

    /// One page of the listing `scope`, whose items `read` gives sorted and filtered; `read`
    /// is only called for a first page or when the cursor's snapshot is gone.
    pub async fn page<F, Fut>(
        &self,
        scope: &str,
        page: &PageRequest,
        read: F,
    ) -> ApiResult<Page<Item>>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = ApiResult<Vec<Item>>>,
    {
        let limit = page.limit as usize;
        let Some(c) = page.cursor.as_deref() else {
            return Ok(self.slice(Arc::new(fresh(scope, read().await?)), 0, limit, None));
        };
        let c: SnapshotCursor = cursor::decode(c)?;
        if let Some(snap) = self.cache.get(&c.s).filter(|s| s.scope == scope) {
            if c.o > snap.items.len() {
                return Err(ApiError::BadRequest {
                    code: "invalid_cursor",
                    detail: "the cursor is past the end of the listing".into(),
                    field: Some("cursor".into()),
                });
            }
            return Ok(self.slice(snap, c.o, limit, Some(c.s)));
        }
        let snap = fresh(scope, read().await?);
        let start = snap
            .items
            .iter()
            .position(|i| i.id == c.l)
            .map_or(c.o.min(snap.items.len()), |i| i + 1);
        Ok(self.slice(Arc::new(snap), start, limit, None))
    }

    /// `limit` items from `start`; a cursor when more follow, keeping the snapshot (`kept`
    /// when it is already in the cache).
    fn slice(
        &self,
        snap: Arc<Snapshot>,
        start: usize,
        limit: usize,
        kept: Option<u64>,
    ) -> Page<Item> {
        let end = start.saturating_add(limit).min(snap.items.len());
        let items = snap.items[start..end].to_vec();
        if end == snap.items.len() {
            return Page::last(items);
        }
        let id = kept.unwrap_or_else(|| {
            let id = rand::random::<u64>();
            self.cache.insert(id, snap.clone());
            id
        });
        let next = SnapshotCursor {
            s: id,
            o: end,
            l: items.last().map(|i| i.id.clone()).unwrap_or_default(),
        };
        Page {
            items,
            next_cursor: Some(cursor::encode(&next)),
        }
    }
}

fn fresh(scope: &str, items: Vec<Item>) -> Snapshot {
    Snapshot {
        scope: scope.to_owned(),
        items,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(n: usize) -> Item {
        serde_json::from_value(serde_json::json!({
            "id": format!("i{n}"), "space_id": "s", "kind": "file", "name": format!("n{n:05}"),
        }))
        .unwrap_or_else(|e| panic!("an item: {e}"))
    }

    fn listing(n: usize) -> Vec<Item> {
        (0..n).map(item).collect()
    }

    /// The page of `items` (as the folder now is) at `cursor`.
    async fn page_at(
        s: &Snapshots,
        scope: &str,
        limit: u32,
        cursor: Option<String>,
        items: &[Item],
    ) -> Page<Item> {
        let req = PageRequest { limit, cursor };
        s.page(scope, &req, || std::future::ready(Ok(items.to_vec())))
            .await
            .unwrap()
    }

    async fn walk(s: &Snapshots, scope: &str, items: &[Item], limit: u32) -> (Vec<String>, usize) {
        let (mut seen, mut reads) = (Vec::new(), 0);
        let mut cursor = None;
        loop {
            let req = PageRequest { limit, cursor };
            let p = s
                .page(scope, &req, || {
                    reads += 1;
                    std::future::ready(Ok(items.to_vec()))
                })
                .await
                .unwrap();
            seen.extend(p.items.into_iter().map(|i| i.id));
            match p.next_cursor {
                Some(c) => cursor = Some(c),
                None => return (seen, reads),
            }
        }
    }

    #[tokio::test]
    async fn a_walk_reads_the_folder_once() {
        let s = Snapshots::new(Duration::from_secs(60), 100_000);
        let items = listing(1000);
        let (seen, reads) = walk(&s, "a", &items, 100).await;
        assert_eq!(seen.len(), 1000);
        assert_eq!(seen, items.iter().map(|i| i.id.clone()).collect::<Vec<_>>());
        assert_eq!(reads, 1);
    }

    #[tokio::test]
    async fn a_gone_snapshot_is_read_again_and_the_walk_goes_on_after_its_last_item() {
        let s = Snapshots::new(Duration::from_secs(60), 100_000);
        let items = listing(10);
        let first = page_at(&s, "a", 4, None, &items).await;
        s.cache.invalidate_all();
        // Meanwhile an item sorting first appeared and item 2 went away.
        let mut changed: Vec<Item> = items.clone();
        changed.remove(2);
        changed.insert(0, item(99));
        let next = page_at(&s, "a", 4, first.next_cursor, &changed).await;
        let ids: Vec<_> = next.items.iter().map(|i| i.id.as_str()).collect();
        assert_eq!(ids, ["i4", "i5", "i6", "i7"]);
    }

    #[tokio::test]
    async fn a_cursor_reads_no_other_listings_snapshot() {
        let s = Snapshots::new(Duration::from_secs(60), 100_000);
        let items = listing(10);
        let first = page_at(&s, "a", 4, None, &items).await;
        let mut reads = 0;
        let other = s
            .page(
                "b",
                &PageRequest {
                    limit: 4,
                    cursor: first.next_cursor,
                },
                || {
                    reads += 1;
                    std::future::ready(Ok(listing(6)))
                },
            )
            .await
            .unwrap();
        assert_eq!(reads, 1, "listing b is read, not a's snapshot");
        assert_eq!(other.items.len(), 2);
    }

    #[tokio::test]
    async fn snapshots_expire_and_the_cache_stays_within_its_item_budget() {
        let s = Snapshots::new(Duration::from_millis(50), 2_500);
        for _ in 0..10 {
            s.page(
                "a",
                &PageRequest {
                    limit: 10,
                    cursor: None,
                },
                || std::future::ready(Ok(listing(1000))),
            )
            .await
            .unwrap();
        }
        s.cache.run_pending_tasks();
        assert!(
            s.cache.weighted_size() <= 2_500,
            "{}",
            s.cache.weighted_size()
        );
        tokio::time::sleep(Duration::from_millis(120)).await;
        s.cache.run_pending_tasks();
        assert_eq!(s.cache.entry_count(), 0);
    }
}
