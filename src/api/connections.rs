//! `GET /v1/connections`, `GET /v1/connections/{conn}`.

use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::extract::{AnyScope, Authorized, authenticate};
use super::paths::{AuthProblems, ConnPath, LocalProblems};
use crate::app::AppState;
use crate::error::ApiResult;
use crate::model::{Capabilities, Provider};
use crate::providers::Connection;
use crate::providers::resilience::UpstreamHealth;
use crate::tokens::TokenHealth;

/// A configured connection: its provider, what it can do, and the health of its token.
#[derive(Debug, Serialize, ToSchema)]
#[schema(examples(json!({
    "name": "fangcloud-main", "provider": "fangcloud",
    "capabilities": {
        "operations": ["list_spaces", "list_items", "get_item", "create_folder", "upload_file", "download_file"],
        "max_upload_bytes": 1073741824, "max_single_request_upload_bytes": null,
        "max_name_length": 222, "name_rules": "at most 222 characters; none of / \\ : * ? \" < > |",
        "roles": ["previewer", "viewer", "uploader", "editor", "manager", "owner"],
        "sort_orders": ["name_asc", "modified_desc"], "range_downloads": true, "acts_as_users": true,
        "notes": [{"operation": "create_share_link", "note": "password of at most 33 letters and digits"}]
    },
    "token": {"state": "valid", "expires_at": "2026-05-06T19:00:00Z"},
    "upstream": {
        "breaker": {"state": "closed", "consecutive_failures": 0, "opened_total": 0, "rejected_total": 0},
        "retries": {"retries_total": 3, "budget_exhausted_total": 0, "budget_available": 1.75}
    }
})))]
pub struct ConnectionInfo {
    pub name: String,
    pub provider: Provider,
    pub capabilities: Capabilities,
    pub token: TokenHealth,
    /// The circuit breaker and the retries of the gateway's calls to the upstream.
    pub upstream: UpstreamHealth,
}

/// Answer of `GET /v1/connections`.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConnectionList {
    pub items: Vec<ConnectionInfo>,
}

fn info(c: &Connection) -> ConnectionInfo {
    ConnectionInfo {
        name: c.name.clone(),
        provider: c.provider,
        capabilities: c.drive.capabilities().clone(),
        token: c.drive.token_health(),
        upstream: c.upstream.health(),
    }
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_connections))
        .routes(routes!(get_connection))
}

/// List the connections your token grants.
///
/// Each entry has the provider, the capabilities (supported operations, limits, roles, sort
/// orders) and the health of the gateway's upstream token. Needs any valid token; connections
/// it does not grant are left out.
#[utoipa::path(get, path = "/v1/connections", tag = "connections",
    responses((status = 200, body = ConnectionList), AuthProblems))]
async fn list_connections(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> ApiResult<Json<ConnectionList>> {
    let caller = authenticate(&headers, &state)?;
    let items = state
        .registry()
        .all()
        .filter(|c| caller.grants.allows(&c.name))
        .map(|c| info(c))
        .collect();
    Ok(Json(ConnectionList { items }))
}

/// Read one connection: provider, capabilities and token health.
///
/// `capabilities.operations` lists what the connection supports; every other operation answers
/// 501 `unsupported_operation`, so a client can check before calling.
#[utoipa::path(get, path = "/v1/connections/{conn}", tag = "connections", params(ConnPath),
    responses((status = 200, body = ConnectionInfo), LocalProblems))]
async fn get_connection(auth: Authorized<AnyScope>) -> Json<ConnectionInfo> {
    Json(info(&auth.connection))
}
