//! Paging of the searches whose page size the upstream fixes: `item/search` ("page_id …
//! 第几页,每页默认20"), `user/search`, `department/{id}/users` and `group/list` take `page_id`
//! only, no `page_capacity` (document; upstream-docs/README.md, Paging). The adapter reads
//! upstream pages of whatever size they come in and slices them into the caller's `limit`;
//! the cursor carries the upstream page and the offset inside it, so no item is skipped or
//! repeated whatever `limit` the caller asks for next.

use std::future::Future;

use serde::{Deserialize, Serialize};

use super::client::Paging;
use crate::error::{ApiError, ApiResult};
use crate::model::{Page, PageRequest, cursor};

/// Where the next page starts: upstream page `p`, item `o` of it.
#[derive(Debug, Serialize, Deserialize, PartialEq)]
struct SliceCursor {
    p: i64,
    o: usize,
}

fn start_of(page: &PageRequest) -> ApiResult<(i64, usize)> {
    match page.cursor.as_deref() {
        None => Ok((0, 0)),
        Some(c) => {
            let c: SliceCursor = cursor::decode(c)?;
            if c.p < 0 {
                return Err(ApiError::BadRequest {
                    code: "invalid_cursor",
                    detail: "the cursor is malformed or belongs to another listing".into(),
                    field: Some("cursor".into()),
                });
            }
            Ok((c.p, c.o))
        }
    }
}

/// One page of at most `page.limit` items, read from upstream pages fetched by `fetch(page_id)`
/// (the items of that page in order, and its paging fields).
pub async fn sliced<T, F, Fut>(page: &PageRequest, mut fetch: F) -> ApiResult<Page<T>>
where
    F: FnMut(i64) -> Fut,
    Fut: Future<Output = ApiResult<(Vec<T>, Paging)>>,
{
    let limit = page.limit as usize;
    let (mut p, mut o) = start_of(page)?;
    let mut out = Vec::with_capacity(limit.min(100));
    loop {
        let (items, paging) = fetch(p).await?;
        let len = items.len();
        let room = limit - out.len();
        let taken = len.saturating_sub(o).min(room);
        out.extend(items.into_iter().skip(o).take(taken));
        let next = paging.next(p);
        if out.len() == limit {
            let next_cursor = if o + taken < len {
                Some(SliceCursor { p, o: o + taken })
            } else {
                next.map(|p| SliceCursor { p, o: 0 })
            };
            return Ok(Page {
                items: out,
                next_cursor: next_cursor.map(|c| cursor::encode(&c)),
            });
        }
        match next {
            // `next` only ever moves forward (`page_id + 1 < page_count`), so this ends.
            Some(n) if n > p => {
                p = n;
                o = 0;
            }
            _ => return Ok(Page::last(out)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An upstream of `total` items served in pages of `size`.
    fn upstream(
        total: usize,
        size: usize,
    ) -> impl FnMut(i64) -> std::future::Ready<ApiResult<(Vec<usize>, Paging)>> {
        move |p| {
            let start = p as usize * size;
            let items = (start..total.min(start + size)).collect();
            let count = total.div_ceil(size).max(1) as i64;
            std::future::ready(Ok((
                items,
                Paging {
                    page_id: Some(p),
                    page_count: Some(count),
                },
            )))
        }
    }

    async fn walk(total: usize, size: usize, limit: u32) -> Vec<Vec<usize>> {
        let mut pages = Vec::new();
        let mut cursor = None;
        loop {
            let req = PageRequest { limit, cursor };
            let page = sliced(&req, upstream(total, size)).await.unwrap();
            assert!(page.items.len() <= limit as usize);
            pages.push(page.items);
            match page.next_cursor {
                Some(c) => cursor = Some(c),
                None => return pages,
            }
        }
    }

    #[tokio::test]
    async fn a_limit_smaller_than_the_upstream_page_slices_it() {
        let pages = walk(25, 20, 10).await;
        assert_eq!(pages.iter().map(Vec::len).collect::<Vec<_>>(), [10, 10, 5]);
        assert_eq!(pages.concat(), (0..25).collect::<Vec<_>>());
    }

    #[tokio::test]
    async fn a_limit_larger_than_the_upstream_page_reads_several() {
        let pages = walk(45, 20, 30).await;
        assert_eq!(pages.iter().map(Vec::len).collect::<Vec<_>>(), [30, 15]);
        assert_eq!(pages.concat(), (0..45).collect::<Vec<_>>());
    }

    #[tokio::test]
    async fn an_exact_fit_has_no_empty_last_page() {
        let pages = walk(40, 20, 20).await;
        assert_eq!(pages.iter().map(Vec::len).collect::<Vec<_>>(), [20, 20]);
        assert_eq!(walk(0, 20, 10).await, [Vec::<usize>::new()]);
    }

    #[tokio::test]
    async fn a_negative_page_in_a_cursor_is_refused() {
        let req = PageRequest {
            limit: 5,
            cursor: Some(cursor::encode(&SliceCursor { p: -1, o: 0 })),
        };
        let e = sliced(&req, upstream(5, 20)).await.unwrap_err();
        assert!(matches!(
            e,
            ApiError::BadRequest {
                code: "invalid_cursor",
                ..
            }
        ));
    }
}
