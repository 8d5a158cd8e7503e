//! `POST|GET /{action}`: access-token check, action lookup, parameter reading, dispatch.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;

use super::envelope::{RETCODE_FORBIDDEN, RETCODE_UNAUTHORIZED, RETCODE_UNKNOWN_ACTION};
use super::envelope::{failed, ok, refuse};
use super::form_stream::FormScanner;
use super::state::Shared;
use super::{files, folders, groups, params, upload};

/// Every action this simulator serves.
pub const ACTIONS: &[&str] = &[
    "get_login_info",
    "get_group_list",
    "get_friend_list",
    "get_group_file_system_info",
    "get_group_root_files",
    "get_group_files_by_folder",
    "create_group_file_folder",
    "rename_group_folder",
    "delete_group_folder",
    "delete_group_file",
    "get_group_file_url",
    "upload_group_file",
    "upload_private_file",
];

/// The access token sent with the call: `Authorization: Bearer …`, else `?access_token=`.
fn presented_token(headers: &HeaderMap, query: Option<&str>) -> Option<String> {
    if let Some(value) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty())
    {
        // Another scheme than Bearer presents no valid token: it is a wrong one (403).
        return Some(match value.split_once(' ') {
            Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") => {
                token.trim().to_owned()
            }
            _ => format!("\u{0}{value}"),
        });
    }
    let pair = query?
        .split('&')
        .find(|pair| pair.starts_with("access_token="))?;
    let mut scanner = FormScanner::new();
    scanner.feed(pair.as_bytes()).ok()?;
    let (map, _) = scanner.finish().ok()?;
    map.get("access_token")?.as_str().map(str::to_owned)
}

/// OneBot 11 HTTP: no token is 401, a wrong one 403 (README, OneBot section). The simulator's
/// token is static and never expires; after `Flavor::revoke_tokens` even the configured one is
/// refused with 403 until `POST /__sim/reset`. An empty configured token disables the check.
/// Answers the refusal, if any.
fn authorize(shared: &Shared, req: &Request) -> Option<Response> {
    let revoked = shared.revoked.load(Ordering::SeqCst);
    if shared.access_token.is_empty() && !revoked {
        return None;
    }
    match presented_token(req.headers(), req.uri().query()) {
        None => Some(refuse(
            StatusCode::UNAUTHORIZED,
            RETCODE_UNAUTHORIZED,
            "access token missing",
        )),
        Some(token) if revoked || token != shared.access_token => Some(refuse(
            StatusCode::FORBIDDEN,
            RETCODE_FORBIDDEN,
            "access token invalid",
        )),
        Some(_) => None,
    }
}

pub(crate) async fn action(
    State(shared): State<Arc<Shared>>,
    Path(action): Path<String>,
    req: Request,
) -> Response {
    if let Some(refusal) = authorize(&shared, &req) {
        return refusal;
    }
    if !ACTIONS.contains(&action.as_str()) {
        return refuse(
            StatusCode::NOT_FOUND,
            RETCODE_UNKNOWN_ACTION,
            &format!("unknown action: {action}"),
        );
    }
    shared.control.count_call(&action);
    let mut params = match params::read(req, &shared.blob_dir, shared.max_body_bytes).await {
        Ok(params) => params,
        Err(refusal) => return refusal,
    };
    let echo = std::mem::take(&mut params.echo);
    let s = shared.as_ref();
    let result = match action.as_str() {
        "get_login_info" => groups::get_login_info(s, &params),
        "get_group_list" => groups::get_group_list(s, &params),
        "get_friend_list" => groups::get_friend_list(s, &params),
        "get_group_file_system_info" => groups::get_group_file_system_info(s, &params),
        "get_group_root_files" => files::get_group_root_files(s, &params),
        "get_group_files_by_folder" => files::get_group_files_by_folder(s, &params),
        "create_group_file_folder" => folders::create_group_file_folder(s, &params),
        "rename_group_folder" => folders::rename_group_folder(s, &params),
        "delete_group_folder" => folders::delete_group_folder(s, &params).await,
        "delete_group_file" => files::delete_group_file(s, &params).await,
        "get_group_file_url" => files::get_group_file_url(s, &params),
        "upload_group_file" => upload::upload_group_file(s, &mut params).await,
        "upload_private_file" => upload::upload_private_file(s, &mut params).await,
        _ => {
            return refuse(
                StatusCode::NOT_FOUND,
                RETCODE_UNKNOWN_ACTION,
                &format!("unknown action: {action}"),
            );
        }
    };
    match result {
        Ok(data) => ok(data, echo),
        Err(failure) => failed(&failure, echo),
    }
}
