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

/// Readiness: the gateway can serve.
///
/// 200 when its store answers, 503 otherwise; no authentication.
#[utoipa::path(get, path = "/readyz", tag = "operations", security(()),
    responses((status = 200, body = Readiness),
              (status = 503, body = Problem, content_type = "application/problem+json")))]
async fn readyz(State(state): State<AppState>) -> ApiResult<Json<Readiness>> {
    let store = state.store();
    store
        .ping()
        .await
        .map_err(|_| ApiError::Unavailable("the store is not reachable".into()))?;
    Ok(Json(Readiness {
        status: "ready".into(),
        store: store.backend().into(),
        connections: state.registry().all().count(),
    }))
}

/// Prometheus metrics.
///
/// HTTP requests by route/status/latency, upstream calls by provider/operation/outcome, token
/// fetches; no authentication.
#[utoipa::path(get, path = "/metrics", tag = "operations", security(()),
    responses((status = 200, description = "Prometheus text format", content_type = "text/plain")))]
async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        state.metrics().render(),
    )
}
