//! Comments on files: list (`file/{id}/comments`), add (`comment/create`, document 添加的评论信息)
//! and delete (`comment/{id}/delete`, official SDKs' path).

use std::sync::Arc;

use axum::extract::{Path, State};
use serde_json::json;

use super::App;
use super::envelope::{ApiError, ApiResult, ok, success};
use super::oauth::Me;
use super::params::{Body, path_id};
use super::state::{Comment, Kind, now};

/// `GET file/{id}/comments`, oldest first.
pub async fn list(app: State<Arc<App>>, me: Me, Path(id): Path<String>) -> ApiResult {
    let id = path_id("id", &id)?;
    let store = app.store();
    store.require(me.0, Kind::File, id, |p| p.preview)?;
    let comments: Vec<_> = store
        .comments
        .values()
        .filter(|c| c.file_id == id)
        .map(|c| {
            let mut v = store.comment_json(c, false);
            v["success"] = json!(true);
            v
        })
        .collect();
    Ok(ok(json!({ "success": true, "comments": comments })))
}

/// `POST comment/create` `{file_id, content}`; content at most 1001 characters.
pub async fn create(app: State<Arc<App>>, me: Me, body: Body) -> ApiResult {
    let file = body.i64_req("file_id")?;
    let content = body.str_req("content")?;
    if content.chars().count() > 1001 {
        return Err(ApiError::invalid("content", "长度不能超过1001个字符"));
    }
    let mut store = app.store();
    store.require(me.0, Kind::File, file, |p| p.comment)?;
    let id = store.new_comment_id();
    let c = Comment {
        id,
        file_id: file,
        user_id: me.0,
        content,
        created_at: now(),
    };
    let v = store.comment_json(&c, true);
    store.comments.insert(id, c);
    Ok(ok(v))
}

/// `POST comment/{id}/delete`: by its author or by whoever may edit the file.
pub async fn delete(app: State<Arc<App>>, me: Me, Path(id): Path<String>) -> ApiResult {
    let id = path_id("id", &id)?;
    let mut store = app.store();
    let c = store
        .comments
        .get(&id)
        .cloned()
        .ok_or_else(|| ApiError::new("comment_not_found"))?;
    let meta = store.live(Kind::File, c.file_id)?.clone();
    if c.user_id != me.0 && !store.perms(me.0, Kind::File, &meta).edit {
        return Err(ApiError::new("permission_denied"));
    }
    store.comments.remove(&id);
    Ok(success())
}
