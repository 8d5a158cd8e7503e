//! The unified model every provider is translated into. Types here are what callers see.

mod capabilities;
pub mod cursor;
pub mod ids;
mod items;
mod members;
pub mod rules;
mod spaces;
mod timestamps;

pub use capabilities::*;
pub use items::*;
pub use members::*;
pub use spaces::*;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The upstream kind behind a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Provider {
    /// WeCom WeDrive (企业微信微盘).
    Wecom,
    /// Fangcloud (亿方云) Open API v2.
    Fangcloud,
    /// QQ group and private files through a OneBot 11 implementation.
    Onebot,
}

impl Provider {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Wecom => "wecom",
            Self::Fangcloud => "fangcloud",
            Self::Onebot => "onebot",
        }
    }
}

impl std::fmt::Display for Provider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One page of a listing. `next_cursor` is null on the last page.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Pass as `cursor` to get the next page; null when there is none.
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    pub fn last(items: Vec<T>) -> Self {
        Self {
            items,
            next_cursor: None,
        }
    }
}

/// Paging parameters after validation: `limit` is within 1..=1000.
#[derive(Debug, Clone, Default)]
pub struct PageRequest {
    pub limit: u32,
    pub cursor: Option<String>,
}

pub const DEFAULT_PAGE_LIMIT: u32 = 100;
pub const MAX_PAGE_LIMIT: u32 = 1000;

/// Pages a complete list held in memory (upstreams that do not page): the cursor is an offset.
pub fn paginate<T>(mut all: Vec<T>, page: &PageRequest) -> Result<Page<T>, crate::error::ApiError> {
    let offset: usize = match &page.cursor {
        Some(c) => cursor::decode(c)?,
        None => 0,
    };
    if offset > all.len() {
        return Err(crate::error::ApiError::BadRequest {
            code: "invalid_cursor",
            detail: "the cursor is past the end of the listing".into(),
            field: Some("cursor".into()),
        });
    }
    let end = offset.saturating_add(page.limit as usize).min(all.len());
    let next_cursor = (end < all.len()).then(|| cursor::encode(&end));
    let items = all.drain(offset..end).collect();
    Ok(Page { items, next_cursor })
}

#[cfg(test)]
mod paginate_tests {
    use super::*;

    #[test]
    fn paginating_walks_the_whole_list_once() {
        let mut seen = Vec::new();
        let mut cursor = None;
        loop {
            let p = paginate(
                (0..25).collect(),
                &PageRequest {
                    limit: 10,
                    cursor: cursor.clone(),
                },
            )
            .unwrap();
            seen.extend(p.items);
            match p.next_cursor {
                Some(c) => cursor = Some(c),
                None => break,
            }
        }
        assert_eq!(seen, (0..25).collect::<Vec<_>>());
        let past = PageRequest {
            limit: 10,
            cursor: Some(cursor::encode(&99usize)),
        };
        assert_eq!(
            paginate(vec![1], &past).unwrap_err().code(),
            "invalid_cursor"
        );
    }
}
