//! Test-control surface shared by the three simulators.
//!
//! Every simulator mounts [`router`] under `/__sim` and wraps its upstream routes in
//! [`fault_layer`], so integration tests (and a curious sandbox user) can, over plain HTTP:
//! queue faults (`POST /__sim/faults`), revoke every issued token (`POST /__sim/tokens/revoke`),
//! read call counters (`GET /__sim/stats`) and reset them (`POST /__sim/reset`).
//! The provider-specific part — what an upstream error or a rate-limit answer looks like on
//! the wire — is supplied by the simulator through [`Flavor`].

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

/// How one upstream renders the faults that need its own wire format.
pub trait Flavor: Send + Sync + 'static {
    /// A business error with the upstream's own code (WeCom `errcode`, Fangcloud `errors[].code`,
    /// OneBot `retcode`), in the upstream's envelope.
    fn error(&self, code: &str, message: &str) -> Response;
    /// The upstream itself failing: this HTTP status (5xx) with its own error envelope.
    fn server_error(&self, status: StatusCode) -> Response;
    /// The upstream's "too many requests" answer.
    fn rate_limited(&self, retry_after_secs: u64) -> Response;
    /// Forget every access token issued so far (the upstream revoked them early).
    fn revoke_tokens(&self);
}

/// What a queued fault does to the matching call.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum FaultKind {
    /// Answer normally, but only after `ms` milliseconds.
    Latency { ms: u64 },
    /// Answer with this bare HTTP status and a short plain-text body (a proxy or crash in front
    /// of the upstream).
    Status { status: u16 },
    /// Answer with the upstream's own error envelope and code.
    Error {
        code: String,
        #[serde(default)]
        message: Option<String>,
    },
    /// Answer with an upstream failure: HTTP `status` (default 500) carrying the upstream's
    /// own error envelope (unlike `status`, whose plain text is a proxy's).
    ServerError {
        #[serde(default = "default_server_status")]
        status: u16,
    },
    /// Answer with the upstream's rate-limit response.
    RateLimit {
        #[serde(default = "default_retry_after")]
        retry_after_secs: u64,
    },
    /// Answer 200 with a body that is not the upstream's JSON.
    Malformed,
    /// Revoke all issued tokens, then handle the call normally (the call itself then fails the
    /// upstream's token check, as when a token is revoked mid-flight).
    RevokeTokens,
}

fn default_retry_after() -> u64 {
    1
}

fn default_server_status() -> u16 {
    500
}

fn default_times() -> u32 {
    1
}

/// A fault waiting for calls whose path contains `path` (every call when absent).
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct FaultSpec {
    #[serde(default)]
    pub path: Option<String>,
    /// How many matching calls it applies to.
    #[serde(default = "default_times")]
    pub times: u32,
    /// Applies to every `every`-th matching call only (`5`: calls 5, 10, 15… — a
    /// deterministic 20 % failure rate); the others pass. Absent: every matching call.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub every: Option<u32>,
    /// Matching calls seen so far (for `every`).
    #[serde(skip)]
    pub seen: u64,
    #[serde(flatten)]
    pub kind: FaultKind,
}

/// Call counters a test reads back to prove what reached the upstream.
#[derive(Debug, Default, Serialize, Deserialize, Clone, PartialEq)]
pub struct StatsSnapshot {
    pub token_fetches: u64,
    pub calls: BTreeMap<String, u64>,
    /// Every request that reached the simulator's upstream routes, by path, whether a fault
    /// answered it or the simulator did (`calls` counts only those the simulator served).
    #[serde(default)]
    pub requests: BTreeMap<String, u64>,
}

/// State shared by the control routes, the fault layer and the simulator's own handlers.
pub struct Control {
    flavor: Box<dyn Flavor>,
    faults: Mutex<Vec<FaultSpec>>,
    token_fetches: AtomicU64,
    calls: Mutex<BTreeMap<String, u64>>,
    requests: Mutex<BTreeMap<String, u64>>,
}

impl Control {
    pub fn new(flavor: impl Flavor) -> Arc<Self> {
        Arc::new(Self {
            flavor: Box::new(flavor),
            faults: Mutex::new(Vec::new()),
            token_fetches: AtomicU64::new(0),
            calls: Mutex::new(BTreeMap::new()),
            requests: Mutex::new(BTreeMap::new()),
        })
    }

    /// Called by a simulator's token endpoint each time it issues a token.
    pub fn count_token_fetch(&self) {
        self.token_fetches.fetch_add(1, Ordering::SeqCst);
    }

    /// Called by a simulator for each upstream function it serves (`file_list`, `folder/create`…).
    pub fn count_call(&self, name: &str) {
        let mut calls = self.calls.lock().unwrap_or_else(|e| e.into_inner());
        *calls.entry(name.to_owned()).or_default() += 1;
    }

    pub fn stats(&self) -> StatsSnapshot {
        StatsSnapshot {
            token_fetches: self.token_fetches.load(Ordering::SeqCst),
            calls: self.calls.lock().unwrap_or_else(|e| e.into_inner()).clone(),
            requests: self
                .requests
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .clone(),
        }
    }

    pub fn push_fault(&self, fault: FaultSpec) {
        self.faults
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(fault);
    }

    pub fn reset(&self) {
        self.faults
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
        self.calls.lock().unwrap_or_else(|e| e.into_inner()).clear();
        self.requests
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
        self.token_fetches.store(0, Ordering::SeqCst);
    }

    /// Takes the first queued fault matching `path`, consuming one of its `times`.
    fn take_fault(&self, path: &str) -> Option<FaultKind> {
        let mut faults = self.faults.lock().unwrap_or_else(|e| e.into_inner());
        let mut index = None;
        for (i, f) in faults.iter_mut().enumerate() {
            if f.times == 0 || !f.path.as_deref().is_none_or(|p| path.contains(p)) {
                continue;
            }
            f.seen += 1;
            if f.every.is_none_or(|n| f.seen % u64::from(n.max(1)) == 0) {
                index = Some(i);
                break;
            }
        }
        let index = index?;
        let fault = &mut faults[index];
        fault.times -= 1;
        let kind = fault.kind.clone();
        if fault.times == 0 {
            faults.remove(index);
        }
        Some(kind)
    }

    pub fn revoke_tokens(&self) {
        self.flavor.revoke_tokens();
    }
}

/// `/__sim/...` routes; merge into the simulator's router (outside [`fault_layer`]).
pub fn router(control: Arc<Control>) -> Router {
    Router::new()
        .route("/__sim/faults", post(add_fault).delete(clear_faults))
        .route("/__sim/tokens/revoke", post(revoke))
        .route("/__sim/stats", get(stats))
        .route("/__sim/reset", post(reset))
        .with_state(control)
}

async fn add_fault(State(c): State<Arc<Control>>, Json(spec): Json<FaultSpec>) -> StatusCode {
    c.push_fault(spec);
    StatusCode::NO_CONTENT
}

async fn clear_faults(State(c): State<Arc<Control>>) -> StatusCode {
    c.faults.lock().unwrap_or_else(|e| e.into_inner()).clear();
    StatusCode::NO_CONTENT
}

async fn revoke(State(c): State<Arc<Control>>) -> StatusCode {
    c.revoke_tokens();
    StatusCode::NO_CONTENT
}

async fn stats(State(c): State<Arc<Control>>) -> Json<StatsSnapshot> {
    Json(c.stats())
}

async fn reset(State(c): State<Arc<Control>>) -> StatusCode {
    c.reset();
    StatusCode::NO_CONTENT
}

/// Middleware applying queued faults to upstream calls. Use with
/// `axum::middleware::from_fn_with_state(control, fault_layer)`.
pub async fn fault_layer(State(c): State<Arc<Control>>, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_owned();
    *c.requests
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .entry(path.clone())
        .or_default() += 1;
    match c.take_fault(&path) {
        None => next.run(req).await,
        Some(FaultKind::Latency { ms }) => {
            tokio::time::sleep(Duration::from_millis(ms)).await;
            next.run(req).await
        }
        Some(FaultKind::Status { status }) => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            (status, "simulated upstream failure").into_response()
        }
        Some(FaultKind::Error { code, message }) => c
            .flavor
            .error(&code, message.as_deref().unwrap_or("simulated error")),
        Some(FaultKind::ServerError { status }) => c.flavor.server_error(
            StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        ),
        Some(FaultKind::RateLimit { retry_after_secs }) => c.flavor.rate_limited(retry_after_secs),
        Some(FaultKind::Malformed) => (
            StatusCode::OK,
            [("content-type", "text/html")],
            "<html>502 Bad Gateway</html>",
        )
            .into_response(),
        Some(FaultKind::RevokeTokens) => {
            c.revoke_tokens();
            next.run(req).await
        }
    }
}

/// Where `filegate simulate` binds and which host its URLs name: loopback unless set (in a
/// container: `0.0.0.0` and the service's host name, so other containers can reach it).
#[derive(Debug, Clone)]
pub struct Exposure {
    pub bind: std::net::IpAddr,
    pub public_host: Option<String>,
}

static EXPOSURE: std::sync::OnceLock<Exposure> = std::sync::OnceLock::new();

/// Sets the [`Exposure`] of every simulator this process starts (once, before the first).
pub fn expose(e: Exposure) {
    let _ = EXPOSURE.set(e);
}

/// Binds `127.0.0.1:port` (0 = any free port; see [`expose`]) and serves the router that `make`
/// builds from the base URL (simulators hand out URLs to themselves: downloads, pre-signed
/// uploads).
pub async fn spawn(port: u16, make: impl FnOnce(&str) -> Router) -> std::io::Result<Running> {
    let bind = EXPOSURE
        .get()
        .map_or(std::net::IpAddr::from([127, 0, 0, 1]), |e| e.bind);
    let listener = tokio::net::TcpListener::bind((bind, port)).await?;
    let addr = listener.local_addr()?;
    let base_url = match EXPOSURE.get().and_then(|e| e.public_host.as_deref()) {
        Some(host) => format!("http://{host}:{}", addr.port()),
        None => format!("http://{addr}"),
    };
    let app = make(&base_url);
    let task = tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app).await {
            tracing::error!(error = %e, "simulator stopped");
        }
    });
    Ok(Running { base_url, task })
}

/// [`spawn`] for a simulator whose router serves one shared state: `state` builds it from
/// the base URL and `router` serves it. The running server and that state.
pub async fn spawn_state<A>(
    port: u16,
    state: impl FnOnce(&str) -> Arc<A>,
    router: impl FnOnce(Arc<A>) -> Router,
) -> std::io::Result<(Running, Arc<A>)> {
    let mut made = None;
    let running = spawn(port, |base_url| {
        let s = state(base_url);
        made = Some(s.clone());
        router(s)
    })
    .await?;
    let s = made.ok_or_else(|| std::io::Error::other("simulator state was not built"))?;
    Ok((running, s))
}

/// A running simulator: its URL and control, the server, its state and the temp dir of the
/// files it stored. Dropping it stops the server and deletes those files. `Options` is the
/// simulator's own options type, so each simulator's `Sim` is a type of its own.
pub struct Simulator<Options> {
    pub base_url: String,
    pub control: Arc<Control>,
    /// The id of the folder `Options::seed_items` filled, if it asked for one.
    pub seeded_folder: Option<String>,
    _running: Running,
    _state: Arc<dyn std::any::Any + Send + Sync>,
    _dir: tempfile::TempDir,
    _of: std::marker::PhantomData<fn() -> Options>,
}

impl<Options> Simulator<Options> {
    pub fn new<A: Send + Sync + 'static>(
        running: Running,
        control: Arc<Control>,
        state: Arc<A>,
        dir: tempfile::TempDir,
    ) -> Self {
        Self {
            base_url: running.base_url.clone(),
            control,
            seeded_folder: None,
            _running: running,
            _state: state,
            _dir: dir,
            _of: std::marker::PhantomData,
        }
    }

    /// Names the folder the seed filled.
    pub fn seeded(mut self, folder: Option<String>) -> Self {
        self.seeded_folder = folder;
        self
    }

    /// The directory of the stored files.
    #[cfg(test)]
    pub(crate) fn dir(&self) -> &std::path::Path {
        self._dir.path()
    }

    /// The shared state, if it is an `A`.
    #[cfg(test)]
    pub(crate) fn state<A: 'static>(&self) -> Option<&A> {
        self._state.downcast_ref()
    }
}

/// A simulator serving in the background; dropping it stops the server.
pub struct Running {
    pub base_url: String,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Running {
    fn drop(&mut self) {
        self.task.abort();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Plain;
    impl Flavor for Plain {
        fn error(&self, code: &str, _: &str) -> Response {
            code.to_owned().into_response()
        }
        fn rate_limited(&self, _: u64) -> Response {
            StatusCode::TOO_MANY_REQUESTS.into_response()
        }
        fn server_error(&self, status: StatusCode) -> Response {
            status.into_response()
        }
        fn revoke_tokens(&self) {}
    }

    #[test]
    fn a_fault_applies_only_to_matching_paths_and_only_as_often_as_asked() {
        let c = Control::new(Plain);
        c.push_fault(FaultSpec {
            path: Some("file_list".into()),
            times: 2,
            every: None,
            seen: 0,
            kind: FaultKind::Malformed,
        });
        assert_eq!(c.take_fault("/cgi-bin/wedrive/file_info"), None);
        assert_eq!(
            c.take_fault("/cgi-bin/wedrive/file_list"),
            Some(FaultKind::Malformed)
        );
        assert_eq!(
            c.take_fault("/cgi-bin/wedrive/file_list"),
            Some(FaultKind::Malformed)
        );
        assert_eq!(c.take_fault("/cgi-bin/wedrive/file_list"), None);
    }

    #[test]
    fn an_every_fault_hits_each_nth_matching_call() {
        let c = Control::new(Plain);
        let spec: FaultSpec = serde_json::from_str(
            r#"{"path":"file_list","type":"status","status":503,"every":3,"times":100}"#,
        )
        .unwrap();
        c.push_fault(spec);
        let hits: Vec<bool> = (0..7)
            .map(|_| c.take_fault("/cgi-bin/wedrive/file_list").is_some())
            .collect();
        assert_eq!(hits, [false, false, true, false, false, true, false]);
        assert_eq!(c.take_fault("/cgi-bin/wedrive/file_info"), None);
    }

    #[test]
    fn fault_specs_parse_from_the_documented_json() {
        let spec: FaultSpec =
            serde_json::from_str(r#"{"path":"file_list","type":"error","code":"45009"}"#).unwrap();
        assert_eq!(spec.times, 1);
        assert_eq!(
            spec.kind,
            FaultKind::Error {
                code: "45009".into(),
                message: None
            }
        );
    }
}
