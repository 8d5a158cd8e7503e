//! The application: shared state, the router, and every middleware layer in one place.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::{DefaultBodyLimit, Request};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use metrics_exporter_prometheus::PrometheusHandle;
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use utoipa_axum::router::OpenApiRouter;
use utoipa_swagger_ui::SwaggerUi;

use crate::api;
use crate::auth::Verifier;
use crate::config::{Config, CorsConfig, Limits};
use crate::error::{ApiError, PROBLEM_CONTENT_TYPE, Problem};
use crate::forwarded::TrustedProxies;
use crate::providers::{Deps, Registry, ResponseHeaders, http::UpstreamHttp};
use crate::store::Store;
use crate::tokens::TokenManager;
use crate::uploads::Staging;

/// Shared, read-only after start-up.
#[derive(Clone)]
pub struct AppState(Arc<Inner>);

struct Inner {
    config: Config,
    registry: Registry,
    verifier: Verifier,
    store: Arc<dyn Store>,
    tokens: Arc<TokenManager>,
    metrics: PrometheusHandle,
    spool_dir: PathBuf,
    staging: Arc<Staging>,
    creation_locks: Arc<crate::creation_lock::CreationLocks>,
    admission: crate::admission::Admission,
    trusted_proxies: TrustedProxies,
}

impl AppState {
    pub fn config(&self) -> &Config {
        &self.0.config
    }
    pub fn registry(&self) -> &Registry {
        &self.0.registry
    }
    pub fn verifier(&self) -> &Verifier {
        &self.0.verifier
    }
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.0.store
    }
    pub fn tokens(&self) -> &Arc<TokenManager> {
        &self.0.tokens
    }
    pub fn metrics(&self) -> &PrometheusHandle {
        &self.0.metrics
    }
    pub fn spool_dir(&self) -> &Path {
        &self.0.spool_dir
    }
    pub fn staging(&self) -> &Arc<Staging> {
        &self.0.staging
    }
    /// Serialises creations of one name in one folder (`crate::creation_lock`).
    pub fn creation_locks(&self) -> &Arc<crate::creation_lock::CreationLocks> {
        &self.0.creation_locks
    }
    pub fn admission(&self) -> &crate::admission::Admission {
        &self.0.admission
    }
    pub fn trusted_proxies(&self) -> &TrustedProxies {
        &self.0.trusted_proxies
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("{0}")]
    Config(String),
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

/// Opens the store (running migrations), builds the adapters and the router.
pub async fn build(config: Config) -> Result<(Router, AppState), StartError> {
    let cipher = config
        .tokens
        .cipher()
        .map_err(|e| StartError::Config(e.to_string()))?;
    if cipher.is_plaintext() {
        if crate::store::is_sqlite(&config.store.url) {
            tracing::warn!(
                key_env = %config.tokens.key_env,
                "NO TOKEN KEY: upstream access and refresh tokens are stored in PLAIN TEXT in the SQLite store; set {} to 32 random bytes in base64 (openssl rand -base64 32)",
                config.tokens.key_env
            );
        } else {
            return Err(StartError::Config(format!(
                "tokens.key_env: environment variable {} is not set; with PostgreSQL upstream tokens must be encrypted at rest (32 random bytes in base64: openssl rand -base64 32)",
                config.tokens.key_env
            )));
        }
    }
    let store =
        crate::store::open_with(&config.store.url, config.store.max_connections, cipher).await?;
    build_with_store(config, store).await
}

pub async fn build_with_store(
    config: Config,
    store: Arc<dyn Store>,
) -> Result<(Router, AppState), StartError> {
    let verifier = Verifier::from_config(&config.auth).map_err(StartError::Config)?;
    let tokens = TokenManager::new(store.clone(), config.tokens.refresh_ahead);
    let http = UpstreamHttp::new(&config.limits, &config.upstream).map_err(StartError::Config)?;
    let deps = Deps {
        http,
        tokens: tokens.clone(),
        store: store.clone(),
        limits: config.limits.clone(),
    };
    let registry = Registry::build(&config, &deps).map_err(StartError::Config)?;
    let spool_dir = crate::spool::spool_dir(config.limits.spool_dir.as_ref());
    std::fs::create_dir_all(&spool_dir)?;
    let staging = Arc::new(Staging::new(
        &spool_dir,
        store.clone(),
        config.limits.upload_part_bytes,
        config.limits.upload_session_ttl,
        // A `complete` claim outlives the request that made it by a margin: its upload task
        // ends within the upstream timeout of the last call, long before this.
        2 * config
            .limits
            .transfer_timeout
            .max(config.limits.upstream_timeout),
    )?);
    let creation_locks = Arc::new(crate::creation_lock::CreationLocks::new(store.clone()));
    let admission = crate::admission::Admission::new(&config.limits);
    let trusted_proxies =
        TrustedProxies::parse(&config.proxy.trusted).map_err(StartError::Config)?;
    let state = AppState(Arc::new(Inner {
        admission,
        trusted_proxies,
        config,
        registry,
        verifier,
        store,
        tokens,
        metrics: crate::telemetry::metrics_handle(),
        spool_dir,
        staging,
        creation_locks,
    }));
    Ok((router(state.clone()), state))
}

/// `routes` answering 504 once `timeout` has passed (the standard and transfer routes each
/// have their own).
fn within(
    routes: OpenApiRouter<AppState>,
    timeout: std::time::Duration,
) -> OpenApiRouter<AppState> {
    routes.layer(TimeoutLayer::with_status_code(
        StatusCode::GATEWAY_TIMEOUT,
        timeout,
    ))
}

/// The router with all layers. Read bottom-up for the order a request goes through.
pub fn router(state: AppState) -> Router {
    let limits = &state.config().limits;
    // Admission sits outside the timeouts; health routes pass no limit at all.
    let standard = within(api::standard_routes(), limits.request_timeout).layer(
        middleware::from_fn_with_state(state.clone(), crate::admission::limit_requests),
    );
    let transfer = within(api::transfer_routes(), limits.transfer_timeout).layer(
        middleware::from_fn_with_state(state.clone(), crate::admission::limit_transfers),
    );
    let (routes, openapi) = OpenApiRouter::with_openapi(api::base_doc())
        .merge(standard)
        .merge(transfer)
        .merge(api::health::router())
        .split_for_parts();

    let routes = routes
        .merge(SwaggerUi::new("/docs").url("/openapi.json", api::finish(openapi)))
        .fallback(route_not_found)
        .method_not_allowed_fallback(method_not_allowed)
        // Outside the admission limits and timeouts, so a 503 or 504 frees the key.
        .layer(middleware::from_fn_with_state(
            state.clone(),
            crate::idempotency::layer,
        ))
        // Inside the request span, so the client address it resolves lands on the log line.
        .layer(middleware::from_fn_with_state(
            state.trusted_proxies().clone(),
            crate::forwarded::client_origin,
        ));
    layered(routes, limits, &state.config().cors).with_state(state.clone())
}

/// Every middleware, in one place. Generic over the state so tests can wrap their own routes.
pub fn layered<S: Clone + Send + Sync + 'static>(
    routes: Router<S>,
    limits: &Limits,
    cors: &CorsConfig,
) -> Router<S> {
    let cors_layer = if cors.allowed_origins.is_empty() {
        None
    } else {
        let origins: Vec<HeaderValue> = cors
            .allowed_origins
            .iter()
            .filter_map(|o| HeaderValue::from_str(o).ok())
            .collect();
        Some(
            CorsLayer::new()
                .allow_origin(AllowOrigin::list(origins))
                .allow_methods(tower_http::cors::Any)
                .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE, header::RANGE])
                .expose_headers([
                    header::CONTENT_RANGE,
                    header::CONTENT_DISPOSITION,
                    header::RETRY_AFTER,
                    header::HeaderName::from_static("ratelimit-limit"),
                    header::HeaderName::from_static("ratelimit-remaining"),
                    header::HeaderName::from_static("ratelimit-reset"),
                ]),
        )
    };

    let layers = ServiceBuilder::new()
        // Accept a sane caller-supplied x-request-id or make one, and echo it.
        .layer(middleware::from_fn(drop_bad_request_id))
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .layer(PropagateRequestIdLayer::x_request_id())
        // One span per request (handlers add sub, connection and operation to it), the HTTP
        // metrics, and one log line when the answer's body is done.
        .layer(middleware::from_fn(crate::telemetry::observe))
        // Compression sits outside every layer that writes a body (problems, panics), so the
        // `Content-Encoding` it sets always describes the bytes that leave.
        .layer(CompressionLayer::new().compress_when(compress_json_only))
        // Every error leaves as problem+json with the request id, whoever produced it.
        .layer(middleware::from_fn(finish_problems))
        .layer(CatchPanicLayer::custom(panic_to_problem))
        .option_layer(cors_layer)
        // Concurrency limits are per route group (`crate::admission`), not here, so that
        // health checks pass none and uploads do not take ordinary requests' slots.
        .layer(DefaultBodyLimit::max(
            usize::try_from(limits.max_json_bytes).unwrap_or(usize::MAX),
        ))
        // Headers adapters ask for (upstream rate-limit budget) reach the caller.
        .layer(middleware::from_fn(response_headers));

    routes.layer(layers)
}
async fn route_not_found() -> ApiError {
    ApiError::not_found("route_not_found", "no such route")
}

async fn method_not_allowed() -> Response {
    Problem::for_status(StatusCode::METHOD_NOT_ALLOWED)
        .into_response_with_status(StatusCode::METHOD_NOT_ALLOWED)
}

fn panic_to_problem(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    tracing::error!("handler panicked");
    ApiError::internal("handler panicked").into_response()
}

fn compress_json_only(
    _: StatusCode,
    _: axum::http::Version,
    headers: &axum::http::HeaderMap,
    _: &axum::http::Extensions,
) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| {
            ct.starts_with("application/json")
                || ct.starts_with(PROBLEM_CONTENT_TYPE)
                || ct.starts_with("text/")
        })
}

/// A caller's request id is echoed into logs and problems: accept only short, printable ones.
async fn drop_bad_request_id(mut req: Request, next: Next) -> Response {
    let bad = req.headers().get("x-request-id").is_some_and(|v| {
        v.len() > 128
            || !v
                .as_bytes()
                .iter()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(b))
    });
    if bad {
        req.headers_mut().remove("x-request-id");
    }
    next.run(req).await
}

/// Gives each request a [`ResponseHeaders`] sink (carried to the adapter in `Ctx`) and copies
/// what the adapter set onto the answer, success or problem.
async fn response_headers(mut req: Request, next: Next) -> Response {
    let sink = ResponseHeaders::default();
    req.extensions_mut().insert(sink.clone());
    let mut res = next.run(req).await;
    sink.apply_to(res.headers_mut());
    res
}

/// Gives every error response the problem+json shape and the request id: our own problems
/// carry their [`Problem`] in an extension; bare errors from layers (413, 408, 504…) get one.
async fn finish_problems(req: Request, next: Next) -> Response {
    let request_id = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let mut res = next.run(req).await;
    let status = res.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return res;
    }
    let mut problem = match res.extensions_mut().remove::<Problem>() {
        Some(p) => p,
        None => {
            let is_problem = res
                .headers()
                .get(header::CONTENT_TYPE)
                .is_some_and(|v| v.as_bytes().starts_with(PROBLEM_CONTENT_TYPE.as_bytes()));
            if is_problem && request_id.is_none() {
                return res;
            }
            Problem::for_status(status)
        }
    };
    problem.request_id = request_id;
    let (mut parts, _) = res.into_parts();
    let body = serde_json::to_vec(&problem).unwrap_or_default();
    parts
        .extensions
        .insert(crate::telemetry::ProblemCode(problem.code.clone()));
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(PROBLEM_CONTENT_TYPE),
    );
    parts.headers.remove(header::CONTENT_LENGTH);
    // The new body is plain JSON whatever encoding the old one had.
    parts.headers.remove(header::CONTENT_ENCODING);
    Response::from_parts(parts, Body::from(body))
}

/// Serves until SIGINT/SIGTERM, then drains in-flight requests for `limits.shutdown_grace`.
pub async fn serve(
    listener: tokio::net::TcpListener,
    app: Router,
    limits: &Limits,
) -> std::io::Result<()> {
    crate::listener::serve(listener, app, limits, crate::listener::shutdown_signal()).await
}

/// A gateway serving on a background task (tests, the sandbox).
pub struct Running {
    pub addr: SocketAddr,
    pub base_url: String,
    pub state: AppState,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Running {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Builds the gateway and serves it on `addr` in the background.
pub async fn spawn(config: Config, addr: SocketAddr) -> Result<Running, StartError> {
    let backlog = config.limits.listen_backlog;
    let (app, state) = build(config).await?;
    let listener = crate::listener::bind(addr, backlog)?;
    let addr = listener.local_addr()?;
    state.staging().spawn_sweeper();
    let limits = state.config().limits.clone();
    let task = tokio::spawn(async move {
        let forever = std::future::pending::<()>();
        if let Err(e) = crate::listener::serve(listener, app, &limits, forever).await {
            tracing::error!(error = %e, "gateway stopped");
        }
    });
    Ok(Running {
        addr,
        base_url: format!("http://{addr}"),
        state,
        task,
    })
}

#[cfg(test)]
mod tests {
    use axum::routing::get;
    use tower::ServiceExt;

    use super::*;

    #[tokio::test]
    async fn a_panicking_handler_becomes_an_opaque_500_problem() {
        let routes: Router = Router::new().route(
            "/boom",
            get(|| async {
                if true {
                    panic!("secret detail");
                }
                "unreachable"
            }),
        );
        let app = layered(routes, &Limits::default(), &CorsConfig::default());
        let res = app
            .oneshot(
                Request::builder()
                    .uri("/boom")
                    .header("x-request-id", "r-1")
                    .body(Body::empty())
                    .unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(res.headers()[header::CONTENT_TYPE], PROBLEM_CONTENT_TYPE);
        let body = axum::body::to_bytes(res.into_body(), 1 << 16)
            .await
            .unwrap();
        let p: Problem = serde_json::from_slice(&body).unwrap();
        assert_eq!(p.code, "internal_error");
        assert_eq!(p.request_id.as_deref(), Some("r-1"));
        assert!(!String::from_utf8_lossy(&body).contains("secret detail"));
    }
}
