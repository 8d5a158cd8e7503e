//! Small pages behind the links the simulator hands out (space invite and file share links,
//! document URLs), so a sandbox user who opens one sees what it points at. Not part of the
//! WeDrive API.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

use super::App;

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn page(title: &str, what: &str) -> Response {
    let title = escape(title);
    Html(format!(
        "<!doctype html><meta charset=\"utf-8\"><title>{title}</title>\
         <h1>{title}</h1><p>{what} (WeDrive simulator)</p>"
    ))
    .into_response()
}

/// `GET /s?k=…`: a space invite link or a file share link.
pub async fn share_page(
    State(app): State<Arc<App>>,
    query: Result<Query<HashMap<String, String>>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let key = query
        .ok()
        .and_then(|q| q.0.get("k").cloned())
        .unwrap_or_default();
    let drive = app.drive();
    if let Some(space) = drive
        .spaces
        .values()
        .find(|s| !key.is_empty() && s.share_key.as_deref() == Some(key.as_str()))
    {
        return page(&space.name, "Invitation to a WeDrive space");
    }
    if let Some(node) = drive
        .nodes
        .values()
        .find(|n| n.is_live() && !key.is_empty() && n.share_key.as_deref() == Some(key.as_str()))
    {
        return page(&node.name, "Shared WeDrive file");
    }
    (StatusCode::NOT_FOUND, "link not found").into_response()
}

/// `GET /wedoc/{doc|sheet}/{fileid}`: a document's URL.
pub async fn doc_page(
    State(app): State<Arc<App>>,
    Path((_kind, fileid)): Path<(String, String)>,
) -> Response {
    let drive = app.drive();
    match drive.nodes.get(&fileid) {
        Some(node) if node.is_live() && node.is_doc() => page(&node.name, "WeCom document"),
        _ => (StatusCode::NOT_FOUND, "document not found").into_response(),
    }
}
