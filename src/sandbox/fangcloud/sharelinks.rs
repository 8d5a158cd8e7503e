//! Share links. The document keeps their error codes (`share_link_*`, `due_time_passed`) and
//! the `Share-Link-Token` header but its extraction lost the functions; paths and fields are
//! the official SDKs': `share_link/create`, `share_link/{unique_name}/info|update|revoke`,
//! `file|folder/{id}/share_links`.
//!
//! `access` is `public` or `company`; a password (at most 33 letters and digits) is required
//! when `password_protected`; `due_time` (`yyyy-MM-dd`) is the last day the link works and may
//! not be in the past. Reading a protected link needs its `password` unless the caller created
//! it. The `share_link` URL is informative only (the simulator serves no share pages).

use std::sync::Arc;

use axum::extract::{Path, State};
use chrono::NaiveDate;
use serde_json::{Value, json};

use super::App;
use super::envelope::{ApiError, ApiResult, ok, success};
use super::oauth::Me;
use super::params::{Body, Q, path_id};
use super::render::{page, paging};
use super::state::{Kind, ShareLink, Store, now};

fn today() -> NaiveDate {
    chrono::Local::now().date_naive()
}

impl Store {
    fn link_json(&self, base: &str, l: &ShareLink) -> Value {
        let name = self
            .meta(l.kind, l.item_id)
            .map_or(String::new(), |m| m.name.clone());
        json!({
            "unique_name": l.unique_name,
            "share_link": format!("{base}/share/{}", l.unique_name),
            "access": l.access,
            "password_protected": l.password.is_some(),
            "created_at": l.created_at,
            "modified_at": l.modified_at,
            "due_time": l.due_time,
            "disable_download": l.disable_download,
            "download_count_total": l.download_count,
            "view_count": l.view_count,
            "owned_by": self.mini_user(l.owner_id),
            "item": { "type": l.kind.as_str(), "id": l.item_id, "name": name },
        })
    }
}

/// Settings shared by create and update.
struct Settings {
    access: String,
    disable_download: bool,
    due_time: Option<String>,
    password: Option<String>,
}

fn settings(body: &Body, current: Option<&ShareLink>) -> Result<Settings, ApiError> {
    let access = match body.str("access")? {
        Some(a) => a,
        None => current.map_or_else(|| "public".to_owned(), |l| l.access.clone()),
    };
    if access != "public" && access != "company" {
        return Err(ApiError::new("share_link_access_type_invalid"));
    }
    let disable_download = body
        .bool("disable_download")?
        .unwrap_or(current.is_some_and(|l| l.disable_download));
    let due_time = match body.str("due_time")? {
        Some(d) if d.is_empty() => None,
        Some(d) => {
            let date = NaiveDate::parse_from_str(&d, "%Y-%m-%d")
                .map_err(|_| ApiError::invalid("due_time", "格式为yyyy-MM-dd"))?;
            if date < today() {
                return Err(ApiError::new("due_time_passed"));
            }
            Some(d)
        }
        None => current.and_then(|l| l.due_time.clone()),
    };
    let protected = body.bool("password_protected")?;
    let password = match (protected, body.str("password")?) {
        (Some(false), _) => None,
        (_, Some(p)) if !p.is_empty() => {
            if p.chars().count() > 33 {
                return Err(ApiError::new("share_link_password_size_incorrect"));
            }
            if !p.chars().all(|c| c.is_ascii_alphanumeric()) {
                return Err(ApiError::new("share_link_password_invalid"));
            }
            Some(p)
        }
        (Some(true), _) => match current.and_then(|l| l.password.clone()) {
            Some(p) => Some(p),
            None => return Err(ApiError::new("share_link_password_not_provided")),
        },
        (None, _) => current.and_then(|l| l.password.clone()),
    };
    Ok(Settings {
        access,
        disable_download,
        due_time,
        password,
    })
}

fn expired(l: &ShareLink) -> bool {
    l.due_time
        .as_deref()
        .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
        .is_some_and(|d| d < today())
}

/// `POST share_link/create` `{file_id | folder_id, access, disable_download, due_time,
/// password_protected, password}`.
pub async fn create(app: State<Arc<App>>, me: Me, body: Body) -> ApiResult {
    let (kind, id) = match (body.i64("file_id")?, body.i64("folder_id")?) {
        (Some(_), Some(_)) => return Err(ApiError::new("share_link_resource_id_ambiguous")),
        (Some(f), None) => (Kind::File, f),
        (None, Some(f)) => (Kind::Folder, f),
        (None, None) => return Err(ApiError::new("share_link_resource_id_not_provided")),
    };
    let s = settings(&body, None)?;
    let mut store = app.store();
    store.require(me.0, kind, id, |p| p.download)?;
    let t = now();
    let link = ShareLink {
        unique_name: uuid::Uuid::new_v4().simple().to_string()[..20].to_owned(),
        kind,
        item_id: id,
        owner_id: me.0,
        access: s.access,
        password: s.password,
        disable_download: s.disable_download,
        due_time: s.due_time,
        created_at: t,
        modified_at: t,
        view_count: 0,
        download_count: 0,
    };
    let v = store.link_json(&app.base_url, &link);
    store.share_links.insert(link.unique_name.clone(), link);
    Ok(ok(v))
}

fn find(store: &Store, name: &str) -> Result<ShareLink, ApiError> {
    let l = store
        .share_links
        .get(name)
        .cloned()
        .ok_or_else(|| ApiError::new("share_link_not_found_or_deleted"))?;
    match store.meta(l.kind, l.item_id) {
        Some(m) if store.is_live(m) => Ok(l),
        _ => Err(ApiError::new("share_link_not_found_or_deleted")),
    }
}

/// `GET share_link/{unique_name}/info?password=`.
pub async fn info(app: State<Arc<App>>, me: Me, Path(name): Path<String>, q: Q) -> ApiResult {
    let mut store = app.store();
    let l = find(&store, &name)?;
    if expired(&l) {
        return Err(ApiError::new("share_link_expired"));
    }
    if let Some(p) = &l.password
        && l.owner_id != me.0
    {
        match q.str("password") {
            None | Some("") => return Err(ApiError::new("share_link_password_not_provided")),
            Some(given) if given != p => {
                return Err(ApiError::new("share_link_password_not_correct"));
            }
            Some(_) => {}
        }
    }
    if l.access == "company"
        && store
            .users
            .get(&me.0)
            .is_none_or(|u| u.enterprise_id != store.enterprise.id)
    {
        return Err(ApiError::new("permission_denied"));
    }
    if let Some(link) = store.share_links.get_mut(&name) {
        link.view_count += 1;
    }
    let l = find(&store, &name)?;
    Ok(ok(store.link_json(&app.base_url, &l)))
}

fn own_link(store: &Store, me: i64, name: &str) -> Result<ShareLink, ApiError> {
    let l = find(store, name)?;
    let meta = store.live(l.kind, l.item_id)?;
    if l.owner_id != me && !store.perms(me, l.kind, meta).manage {
        return Err(ApiError::new("permission_denied"));
    }
    Ok(l)
}

/// `POST share_link/{unique_name}/update` (same settings as create; absent ones are kept).
pub async fn update(
    app: State<Arc<App>>,
    me: Me,
    Path(name): Path<String>,
    body: Body,
) -> ApiResult {
    let mut store = app.store();
    let current = own_link(&store, me.0, &name)?;
    let s = settings(&body, Some(&current))?;
    let Some(l) = store.share_links.get_mut(&name) else {
        return Err(ApiError::new("share_link_not_found_or_deleted"));
    };
    l.access = s.access;
    l.disable_download = s.disable_download;
    l.due_time = s.due_time;
    l.password = s.password;
    l.modified_at = now();
    let l = l.clone();
    Ok(ok(store.link_json(&app.base_url, &l)))
}

/// `POST share_link/{unique_name}/revoke`.
pub async fn revoke(app: State<Arc<App>>, me: Me, Path(name): Path<String>) -> ApiResult {
    let mut store = app.store();
    own_link(&store, me.0, &name)?;
    store.share_links.remove(&name);
    Ok(success())
}

fn list(app: &App, me: i64, kind: Kind, id: &str, q: &Q) -> ApiResult {
    let id = path_id("id", id)?;
    q.only(&["page_id", "page_capacity", "owner_id"])?;
    let (page_id, cap) = q.paging()?;
    let owner = q.i64("owner_id")?;
    let store = app.store();
    store.require(me, kind, id, |p| p.info)?;
    let links: Vec<&ShareLink> = store
        .share_links
        .values()
        .filter(|l| l.kind == kind && l.item_id == id)
        .filter(|l| owner.is_none_or(|o| l.owner_id == o))
        .collect();
    let chosen: Vec<Value> = page(&links, page_id, cap)
        .into_iter()
        .map(|l| store.link_json(&app.base_url, l))
        .collect();
    let mut v = json!({ "share_links": chosen });
    paging(&mut v, links.len(), page_id, cap);
    Ok(ok(v))
}

/// `GET file/{id}/share_links?page_id&owner_id`.
pub async fn file_links(app: State<Arc<App>>, me: Me, id: Path<String>, q: Q) -> ApiResult {
    list(&app, me.0, Kind::File, &id, &q)
}

/// `GET folder/{id}/share_links?page_id&owner_id`.
pub async fn folder_links(app: State<Arc<App>>, me: Me, id: Path<String>, q: Q) -> ApiResult {
    list(&app, me.0, Kind::Folder, &id, &q)
}
