//! Directory reads: users, departments and groups, at user level (`user/…`, `department/…`,
//! `group/…`) and enterprise level (`admin/user/…`, `admin/department/…`, `admin/group/…`).
//!
//! Paths are the official SDKs' (the document's extraction kept only their parameters and
//! answers). Member lists take `query_words` and `page_id`; the document names no page size
//! for them, so 20 is used and `page_capacity` is honoured. Department id 0 stands for the
//! whole enterprise (the top of the department tree). `user/info` also carries the caller's
//! `space_total`/`space_used` (as `user/space_usage` does).

use std::sync::Arc;

use axum::extract::{Path, State};
use serde_json::{Value, json};

use super::App;
use super::envelope::{ApiError, ApiResult, ok};
use super::oauth::{Admin, Me};
use super::params::{Body, Q, path_id};
use super::render::{page, paging};
use super::state::{Department, Group, Space, Store, User};

impl Store {
    fn enterprise_users(&self) -> Vec<&User> {
        self.users
            .values()
            .filter(|u| u.enterprise_id == self.enterprise.id)
            .collect()
    }

    fn user_in_enterprise(&self, id: i64) -> Result<&User, ApiError> {
        self.users
            .get(&id)
            .filter(|u| u.enterprise_id == self.enterprise.id)
            .ok_or_else(|| ApiError::new("user_not_found"))
    }

    fn department_members(&self, id: i64) -> Result<Vec<&User>, ApiError> {
        if id == 0 {
            return Ok(self.enterprise_users());
        }
        let d = self.department(id)?;
        Ok(d.members.iter().filter_map(|m| self.users.get(m)).collect())
    }

    fn department(&self, id: i64) -> Result<&Department, ApiError> {
        self.departments
            .get(&id)
            .ok_or_else(|| ApiError::new("department_not_found"))
    }

    fn group(&self, id: i64) -> Result<&Group, ApiError> {
        self.groups
            .get(&id)
            .ok_or_else(|| ApiError::new("group_not_found"))
    }

    fn group_members(&self, id: i64) -> Result<Vec<&User>, ApiError> {
        let g = self.group(id)?;
        Ok(g.members.iter().filter_map(|m| self.users.get(m)).collect())
    }
}

fn matches(u: &User, words: &str) -> bool {
    let w = words.to_lowercase();
    w.is_empty()
        || u.name.to_lowercase().contains(&w)
        || u.email.to_lowercase().contains(&w)
        || u.phone.contains(&w)
        || u.pinyin.to_lowercase().contains(&w)
}

/// What the document lists for the user and group searches: no `page_capacity`.
const SEARCH_PARAMS: [&str; 2] = ["query_words", "page_id"];
/// Page size of the user searches (`user/search`, `department|group/{id}/users`): the
/// document's sample answers say `"page_capacity": 500`.
const USER_PAGE: usize = 500;
/// Page size of `group/list` (the document's sample answer: 20).
const GROUP_PAGE: usize = 20;

/// `{users, total_count, page_id, page_capacity, page_count}`.
fn user_page(
    store: &Store,
    users: Vec<&User>,
    q: &Q,
    render: fn(&Store, &User) -> Value,
) -> ApiResult {
    q.only(&SEARCH_PARAMS)?;
    let (page_id, cap) = q.fixed_paging(USER_PAGE)?;
    user_page_of(store, users, q, render, page_id, cap)
}

fn user_page_of(
    store: &Store,
    users: Vec<&User>,
    q: &Q,
    render: fn(&Store, &User) -> Value,
    page_id: usize,
    cap: usize,
) -> ApiResult {
    let words = q.str("query_words").unwrap_or("").trim().to_owned();
    let mut users: Vec<&User> = users.into_iter().filter(|u| matches(u, &words)).collect();
    users.sort_by_key(|u| u.id);
    let chosen: Vec<Value> = page(&users, page_id, cap)
        .into_iter()
        .map(|u| render(store, u))
        .collect();
    let mut v = json!({ "users": chosen });
    paging(&mut v, users.len(), page_id, cap);
    Ok(ok(v))
}

fn listed(store: &Store, u: &User) -> Value {
    store.listed_user_json(u)
}

fn detailed(store: &Store, u: &User) -> Value {
    store.detailed_user_json(u)
}

/// `GET user/info`: the token's user.
pub async fn me(app: State<Arc<App>>, me: Me) -> ApiResult {
    let store = app.store();
    let u = store.user_in_enterprise(me.0)?;
    let mut v = store.user_json(u);
    v["space_total"] = json!(u.space_total);
    v["space_used"] = json!(store.space_used(Space::Personal(u.id)));
    Ok(ok(v))
}

/// `GET user/space_usage`.
pub async fn space_usage(app: State<Arc<App>>, me: Me) -> ApiResult {
    let store = app.store();
    let u = store.user_in_enterprise(me.0)?;
    Ok(ok(json!({
        "space_total": u.space_total,
        "space_used": store.space_used(Space::Personal(u.id)),
    })))
}

/// `POST user/update {name}` (at most 30 characters, as the document's admin update says).
pub async fn update_me(app: State<Arc<App>>, me: Me, body: Body) -> ApiResult {
    let name = body.str_req("name")?;
    if name.chars().count() > 30 {
        return Err(ApiError::invalid("name", "长度不能超过30个字符"));
    }
    let mut store = app.store();
    store.user_in_enterprise(me.0)?;
    if let Some(u) = store.users.get_mut(&me.0) {
        u.name = name;
    }
    let u = store.user_in_enterprise(me.0)?;
    Ok(ok(store.user_json(u)))
}

/// `GET user/{id}/info`.
pub async fn user(app: State<Arc<App>>, _me: Me, Path(id): Path<String>) -> ApiResult {
    let id = path_id("id", &id)?;
    let store = app.store();
    Ok(ok(store.user_json(store.user_in_enterprise(id)?)))
}

/// `GET user/search?query_words&page_id`.
pub async fn search_users(app: State<Arc<App>>, _me: Me, q: Q) -> ApiResult {
    let store = app.store();
    user_page(&store, store.enterprise_users(), &q, listed)
}

/// `GET department/{id}/info` (also `admin/department/{id}/info`, detailed).
pub async fn department(app: State<Arc<App>>, _me: Me, Path(id): Path<String>) -> ApiResult {
    let id = path_id("id", &id)?;
    let store = app.store();
    let d = store.department(id)?;
    Ok(ok(store.department_json(d)))
}

fn children_of(app: &App, id: i64) -> ApiResult {
    let store = app.store();
    if id != 0 {
        store.department(id)?;
    }
    Ok(ok(store.department_children_json(id, app.children_field)))
}

/// `GET department/{id}/children` and `GET admin/department/{id}/children`: the same
/// answer to a user (`C` = [`Me`]) and to the enterprise ([`Admin`]).
pub async fn department_children<C>(app: State<Arc<App>>, _c: C, id: Path<String>) -> ApiResult {
    children_of(&app, path_id("id", &id)?)
}

type Members = for<'s> fn(&'s Store, i64) -> Result<Vec<&'s User>, ApiError>;

/// The page of `members` of the group or department the path names.
fn members_page(app: &App, id: &str, q: &Q, members: Members) -> ApiResult {
    let id = path_id("id", id)?;
    let store = app.store();
    user_page(&store, members(&store, id)?, q, listed)
}

/// `GET department/{id}/users?query_words&page_id`, also under `admin/` (`C` as above).
pub async fn department_users<C>(app: State<Arc<App>>, _c: C, id: Path<String>, q: Q) -> ApiResult {
    members_page(&app, &id, &q, Store::department_members)
}

fn group_page(store: &Store, q: &Q, visible_to: Option<i64>) -> ApiResult {
    q.only(&SEARCH_PARAMS)?;
    let (page_id, cap) = q.fixed_paging(GROUP_PAGE)?;
    let words = q.str("query_words").unwrap_or("").trim().to_lowercase();
    let groups: Vec<_> = store
        .groups
        .values()
        .filter(|g| visible_to.is_none_or(|u| g.visible || g.members.contains(&u)))
        .filter(|g| words.is_empty() || g.name.to_lowercase().contains(&words))
        .collect();
    let chosen: Vec<Value> = page(&groups, page_id, cap)
        .into_iter()
        .map(|g| store.group_json(g))
        .collect();
    let mut v = json!({ "groups": chosen });
    paging(&mut v, groups.len(), page_id, cap);
    Ok(ok(v))
}

/// `GET group/list?query_words&page_id`: groups that are visible or that the caller is in.
pub async fn groups(app: State<Arc<App>>, me: Me, q: Q) -> ApiResult {
    group_page(&app.store(), &q, Some(me.0))
}

/// `GET group/{id}/users?query_words&page_id`, also under `admin/` (`C` as above).
pub async fn group_users<C>(app: State<Arc<App>>, _c: C, id: Path<String>, q: Q) -> ApiResult {
    members_page(&app, &id, &q, Store::group_members)
}

/// `GET admin/user/all?platform_id&page_id&page_capacity` (document's example call).
pub async fn admin_users(app: State<Arc<App>>, _a: Admin, q: Q) -> ApiResult {
    q.only(&["platform_id", "page_id", "page_capacity"])?;
    q.i64("platform_id")?;
    let (page_id, cap) = q.paging()?;
    let store = app.store();
    user_page_of(&store, store.enterprise_users(), &q, detailed, page_id, cap)
}

/// `GET admin/user/get_user_info?identifier&type&platform_id`: `type` is
/// `simple_phone_or_email` or `user_ticket` (a custom id, which needs `platform_id`; the
/// document's own example omits `platform_id` for phone/email, so it is optional there).
pub async fn admin_user_by_identifier(app: State<Arc<App>>, _a: Admin, q: Q) -> ApiResult {
    q.only(&["identifier", "type", "platform_id"])?;
    let identifier = q.str_req("identifier")?.trim().to_owned();
    let t = q.str_req("type")?;
    let platform = q.i64("platform_id")?;
    if platform.is_some_and(|p| p < 1) {
        return Err(ApiError::invalid("platform_id", "必须大于或等于1"));
    }
    let store = app.store();
    let users = store.enterprise_users();
    let found = match t {
        "simple_phone_or_email" => users
            .into_iter()
            .find(|u| u.email.eq_ignore_ascii_case(&identifier) || u.phone == identifier),
        "user_ticket" => {
            if platform.is_none() {
                return Err(ApiError::missing("platform_id"));
            }
            users
                .into_iter()
                .find(|u| u.custom_id.as_deref() == Some(identifier.as_str()))
        }
        _ => {
            return Err(ApiError::invalid(
                "type",
                "只能是simple_phone_or_email,user_ticket",
            ));
        }
    };
    let u = found.ok_or_else(|| ApiError::new("user_not_found"))?;
    Ok(ok(store.user_json(u)))
}

/// `GET admin/user/{id}/info`.
pub async fn admin_user(app: State<Arc<App>>, _a: Admin, id: Path<String>) -> ApiResult {
    let id = path_id("id", &id)?;
    let store = app.store();
    Ok(ok(store.detailed_user_json(store.user_in_enterprise(id)?)))
}

/// `GET admin/department/{id}/info`.
pub async fn admin_department(app: State<Arc<App>>, _a: Admin, id: Path<String>) -> ApiResult {
    let id = path_id("id", &id)?;
    let store = app.store();
    let d = store.department(id)?;
    Ok(ok(store.detailed_department_json(d)))
}

/// `GET admin/group/list?query_words&page_id`: every group of the enterprise.
pub async fn admin_groups(app: State<Arc<App>>, _a: Admin, q: Q) -> ApiResult {
    group_page(&app.store(), &q, None)
}

/// `GET admin/group/{id}/info`.
pub async fn admin_group(app: State<Arc<App>>, _a: Admin, id: Path<String>) -> ApiResult {
    let id = path_id("id", &id)?;
    let store = app.store();
    let g = store.group(id)?;
    Ok(ok(store.group_json(g)))
}
