//! Public operational endpoints: liveness, readiness, Prometheus metrics.

use axum::Json;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::AppState;
use crate::error::{ApiError, ApiResult, Problem};

#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    pub status: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Readiness {
    pub status: String,
    /// `sqlite` or `postgres`.
    pub store: String,
    pub connections: usize,
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(healthz))
        .routes(routes!(readyz))
        .routes(routes!(metrics))
}

/// Liveness: the process is up.
///
/// Always 200 while the process serves; no authentication.
#[utoipa::path(get, path = "/healthz", tag = "operations", security(()), responses((status = 200, body = Health)))]
async fn healthz() -> Json<Health> {
    Json(Health {
        status: "ok".into(),
    })
}

/// How long readiness waits for the store: under the 1 s timeout probes typically use, so a
/// store that hangs (rather than refusing) still gets a prompt 503 instead of a probe timeout.
pub const STORE_PING_TIMEOUT: std::time::Duration = std::time::Duration::from_millis(800);

/// Readiness: the gateway can serve.
///
/// 200 when its store answers within 0.8 s, 503 otherwise; no authentication.
#[utoipa::path(get, path = "/readyz", tag = "operations", security(()),
    responses((status = 200, body = Readiness),
              (status = 503, body = Problem, content_type = "application/problem+json")))]
async fn readyz(State(state): State<AppState>) -> ApiResult<Json<Readiness>> {
    let store = state.store();
    match tokio::time::timeout(STORE_PING_TIMEOUT, store.ping()).await {
        Ok(Ok(())) => {}
        Ok(Err(_)) => return Err(ApiError::Unavailable("the store is not reachable".into())),
        Err(_) => {
            return Err(ApiError::Unavailable(
                "the store did not answer within 0.8 s".into(),
            ));
        }
    }
    Ok(Json(Readiness {
        status: "ready".into(),
        store: store.backend().into(),
        connections: state.registry().all().count(),
    }))
}

/// Prometheus metrics.
///
/// HTTP requests by route/status/latency and in flight, bytes uploaded and downloaded per
/// connection, upstream calls by connection/provider/operation/outcome, token fetches and
/// expiry per connection, and the process (CPU, memory, file descriptors); no authentication.
#[utoipa::path(get, path = "/metrics", tag = "operations", security(()),
    responses((status = 200, description = "Prometheus text format", content_type = "text/plain")))]
async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    crate::telemetry::process_collector().collect();
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        state.metrics().render(),
    )
}
