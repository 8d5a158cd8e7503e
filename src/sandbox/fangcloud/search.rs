//! `GET item/search` (path from the official SDKs; parameters from the document):
//! `query_words` (required), `type` file|folder|all, `sort_by` name|date|size|score,
//! `sort_direction`, `page_id` (20 per page; any parameter the document does not list is refused),
//! `search_in_folder`, `fields` (`permission` adds each item's `permissions`), `query_filter`
//! file_name|content|creator|tag|all, `updated_time_range` "start,end" (either side may be
//! empty, the comma may not), `department_id` (0 personal space, -1 shared with me, N a
//! department space) and `precise_search` (whole-name match).
//!
//! Matching is case-insensitive substring matching of the whole query. `content` looks
//! inside files of at most 1 MiB (read outside the store lock). The simulator keeps no tags,
//! so `tag` finds nothing. Only live items the caller may see are found.

use std::sync::Arc;

use axum::extract::State;
use serde_json::{Value, json};

use super::App;
use super::access::Perms;
use super::envelope::{ApiError, ApiResult, ok};
use super::folders::{Sort, sort_items};
use super::oauth::Me;
use super::params::Q;
use super::render::{folders_then_files, page, paging};
use super::state::{Kind, Meta, Space, Store};

const CONTENT_LIMIT: i64 = 1024 * 1024;

struct Filters {
    words: String,
    kinds: Vec<Kind>,
    filter: String,
    precise: bool,
    range: (Option<i64>, Option<i64>),
    within: Option<i64>,
    space: Option<i64>,
}

fn parse_range(raw: Option<&str>) -> Result<(Option<i64>, Option<i64>), ApiError> {
    let Some(raw) = raw.filter(|r| !r.is_empty()) else {
        return Ok((None, None));
    };
    let Some((a, b)) = raw.split_once(',') else {
        return Err(ApiError::invalid(
            "updated_time_range",
            "格式为开始时间戳,结束时间戳",
        ));
    };
    let side = |s: &str| -> Result<Option<i64>, ApiError> {
        let s = s.trim();
        if s.is_empty() {
            return Ok(None);
        }
        s.parse::<i64>()
            .map(Some)
            .map_err(|_| ApiError::invalid("updated_time_range", "时间戳必须是整数"))
    };
    let (start, end) = (side(a)?, side(b)?);
    if let (Some(s), Some(e)) = (start, end)
        && s > e
    {
        return Err(ApiError::new("timestamp_range_invalid"));
    }
    Ok((start, end))
}

/// The permission names of the document's `permissions` lists.
fn permission_names(p: &Perms, owner: bool) -> Vec<&'static str> {
    let mut out: Vec<&'static str> = [
        (p.upload, "item_upload"),
        (p.download, "item_download"),
        (p.comment, "item_create_comment"),
        (owner, "item_own"),
        (p.preview, "item_preview"),
        (p.info, "item_view"),
        (p.download, "item_share"),
    ]
    .into_iter()
    .filter_map(|(granted, name)| granted.then_some(name))
    .collect();
    if p.edit {
        out.extend([
            "edit_properties",
            "item_restore",
            "permanent_delete",
            "item_delete",
        ]);
    }
    if p.manage {
        out.extend(["item_create_collab", "item_edit_collab"]);
    }
    out
}

impl Store {
    fn in_search_space(&self, me: i64, m: &Meta, space: Option<i64>) -> bool {
        match space {
            None => true,
            Some(0) => m.space == Space::Personal(me),
            Some(-1) => m.space != Space::Personal(me) && matches!(m.space, Space::Personal(_)),
            Some(d) => m.space == Space::Department(d),
        }
    }

    /// Items passing every filter but the text; `Some(score)` when the text matches without
    /// reading content, `None` when only content could match.
    fn candidates(&self, me: i64, f: &Filters) -> Vec<(Kind, i64, Option<i64>)> {
        let words = f.words.to_lowercase();
        let mut out = Vec::new();
        for &kind in &f.kinds {
            let ids: Vec<i64> = match kind {
                Kind::File => self.files.keys().copied().collect(),
                Kind::Folder => self.folders.keys().copied().collect(),
            };
            for id in ids {
                let Some(m) = self.meta(kind, id) else {
                    continue;
                };
                if !self.is_live(m)
                    || !self.perms(me, kind, m).info
                    || !self.in_search_space(me, m, f.space)
                    || f.range.0.is_some_and(|s| m.modified_at < s)
                    || f.range.1.is_some_and(|e| m.modified_at > e)
                {
                    continue;
                }
                if let Some(root) = f.within
                    && !(m.parent_id == root || self.ancestors(m).contains(&root))
                {
                    continue;
                }
                let name = m.name.to_lowercase();
                let by_name = if f.precise {
                    name == words
                } else {
                    name.contains(&words)
                };
                let creator = self
                    .users
                    .get(&m.owner_id)
                    .is_some_and(|u| u.name.to_lowercase().contains(&words));
                let score = match f.filter.as_str() {
                    "file_name" => by_name.then_some(if name == words { 3 } else { 2 }),
                    "creator" => creator.then_some(1),
                    "tag" => None,
                    "content" => None,
                    _ => {
                        if by_name {
                            Some(if name == words { 3 } else { 2 })
                        } else if creator {
                            Some(1)
                        } else {
                            None
                        }
                    }
                };
                let content_possible = kind == Kind::File
                    && matches!(f.filter.as_str(), "content" | "all")
                    && !f.precise;
                match score {
                    Some(s) => out.push((kind, id, Some(s))),
                    None if content_possible => out.push((kind, id, None)),
                    None => {}
                }
            }
        }
        out
    }
}

/// `GET item/search`.
pub async fn search(State(app): State<Arc<App>>, me: Me, q: Q) -> ApiResult {
    q.only(&[
        "query_words",
        "type",
        "sort_by",
        "sort_direction",
        "page_id",
        "search_in_folder",
        "fields",
        "query_filter",
        "updated_time_range",
        "department_id",
        "precise_search",
    ])?;
    let words = q.str_req("query_words")?.trim().to_owned();
    let item_type = q.choice("type", &["file", "folder", "all"], "all")?;
    let sort = Sort::from(&q, &["score"])?;
    let sort_by = q
        .str("sort_by")
        .filter(|s| !s.is_empty())
        .unwrap_or("score");
    // "page_id … 第几页,每页默认20": the document lists no page_capacity.
    let (page_id, cap) = q.fixed_paging(20)?;
    let filter = q
        .choice(
            "query_filter",
            &["file_name", "content", "creator", "tag", "all"],
            "all",
        )?
        .to_owned();
    let range = parse_range(q.str("updated_time_range"))?;
    let within = q.i64("search_in_folder")?.filter(|f| *f != 0);
    let space = q.i64("department_id")?;
    let precise = q.bool("precise_search")?.unwrap_or(false);
    let with_perms = q
        .str("fields")
        .is_some_and(|f| f.contains("permission") || f.contains("perssion"));
    let kinds = match item_type {
        "file" => vec![Kind::File],
        "folder" => vec![Kind::Folder],
        _ => vec![Kind::Folder, Kind::File],
    };
    let filters = Filters {
        words,
        kinds,
        filter,
        precise,
        range,
        within,
        space,
    };
    let (mut found, to_read) = {
        let store = app.store();
        if let Some(root) = within {
            store.require(me.0, Kind::Folder, root, |p| p.list)?;
        }
        if let Some(d) = space
            && d > 0
            && !store.departments.contains_key(&d)
        {
            return Err(ApiError::new("department_not_found"));
        }
        let mut found = Vec::new();
        let mut to_read = Vec::new();
        for (kind, id, score) in store.candidates(me.0, &filters) {
            match score {
                Some(s) => found.push((kind, id, s)),
                None => {
                    let file = &store.files[&id];
                    if let Some(v) = store.current(file)
                        && v.size <= CONTENT_LIMIT
                        && let Some(b) = store.blobs.get(&v.blob)
                    {
                        to_read.push((id, b.path.clone()));
                    }
                }
            }
        }
        (found, to_read)
    };
    let needle = filters.words.to_lowercase();
    for (id, path) in to_read {
        if let Ok(bytes) = tokio::fs::read(&path).await
            && String::from_utf8_lossy(&bytes)
                .to_lowercase()
                .contains(&needle)
        {
            found.push((Kind::File, id, 1));
        }
    }
    let store = app.store();
    found.retain(|(k, id, _)| store.meta(*k, *id).is_some_and(|m| store.is_live(m)));
    let mut folders: Vec<i64> = found
        .iter()
        .filter(|f| f.0 == Kind::Folder)
        .map(|f| f.1)
        .collect();
    let mut files: Vec<i64> = found
        .iter()
        .filter(|f| f.0 == Kind::File)
        .map(|f| f.1)
        .collect();
    let score_of = |k: Kind, id: i64| {
        found
            .iter()
            .find(|f| f.0 == k && f.1 == id)
            .map_or(0, |f| f.2)
    };
    if sort_by == "score" {
        for (kind, ids) in [(Kind::Folder, &mut folders), (Kind::File, &mut files)] {
            let date_sort = Sort {
                by: "date",
                desc: true,
            };
            sort_items(&store, kind, ids, &date_sort);
            ids.sort_by_key(|id| std::cmp::Reverse(score_of(kind, *id)));
            if !sort.desc {
                ids.reverse();
            }
        }
    } else {
        sort_items(&store, Kind::Folder, &mut folders, &sort);
        sort_items(&store, Kind::File, &mut files, &sort);
    }
    let all = folders_then_files(&folders, &files);
    let chosen = page(&all, page_id, cap);
    let render = |kind: Kind, id: i64| -> Value {
        let mut v = match kind {
            Kind::File => store.file_brief(id),
            Kind::Folder => store.folder_brief(id),
        };
        if with_perms && let Some(m) = store.meta(kind, id) {
            let p = store.perms(me.0, kind, m);
            v["permissions"] = json!(permission_names(&p, m.owner_id == me.0));
        }
        v
    };
    let mut v = json!({
        "files": chosen.iter().filter(|(k, _)| *k == Kind::File).map(|(k, id)| render(*k, *id)).collect::<Vec<_>>(),
        "folders": chosen.iter().filter(|(k, _)| *k == Kind::Folder).map(|(k, id)| render(*k, *id)).collect::<Vec<_>>(),
    });
    paging(&mut v, all.len(), page_id, cap);
    Ok(ok(v))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_ranges_need_a_comma_and_an_order() {
        assert_eq!(parse_range(Some(",")).unwrap(), (None, None));
        assert_eq!(parse_range(Some("5,")).unwrap(), (Some(5), None));
        assert_eq!(parse_range(Some(",9")).unwrap(), (None, Some(9)));
        assert_eq!(
            parse_range(Some("9")).unwrap_err().code,
            "request_data_invalid"
        );
        assert_eq!(
            parse_range(Some("9,5")).unwrap_err().code,
            "timestamp_range_invalid"
        );
    }
}
