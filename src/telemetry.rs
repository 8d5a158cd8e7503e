//! Logging and metrics, initialised once per process.

use std::io::IsTerminal;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes, HttpBody};
use axum::extract::{MatchedPath, Request};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use http_body::{Frame, SizeHint};
use tracing::{Instrument, Level};

use metrics::{Unit, describe_counter, describe_gauge, describe_histogram};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

use crate::config::LogConfig;

/// Installs the `tracing` subscriber (text or JSON lines on stderr). `RUST_LOG` overrides the
/// configured level. Colour only when stderr is a terminal: log collectors store escape codes
/// verbatim. Safe to call more than once; only the first call counts.
pub fn init_logging(cfg: &LogConfig) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(&cfg.level));
    let registry = tracing_subscriber::registry().with(filter);
    let ansi = std::io::stderr().is_terminal();
    let _ = if cfg.format == "json" {
        registry
            .with(
                tracing_subscriber::fmt::layer()
                    .json()
                    .with_current_span(true)
                    .with_span_list(false)
                    .with_ansi(false)
                    .with_writer(std::io::stderr),
            )
            .try_init()
    } else {
        registry
            .with(
                tracing_subscriber::fmt::layer()
                    .with_ansi(ansi)
                    .with_writer(std::io::stderr),
            )
            .try_init()
    };
}

/// The process-wide Prometheus recorder (the `metrics` facade allows one).
pub fn metrics_handle() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let recorder = PrometheusBuilder::new()
                .set_buckets(&[
                    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0,
                ])
                .map(|b| b.build_recorder())
                .unwrap_or_else(|_| PrometheusBuilder::new().build_recorder());
            let handle = recorder.handle();
            // Fails only if another recorder is already installed (an embedding program's);
            // then our handle renders an empty page rather than stealing theirs.
            let _ = metrics::set_global_recorder(recorder);
            describe();
            process_collector().describe();
            handle
        })
        .clone()
}

/// Process metrics (`process_cpu_seconds_total`, `process_resident_memory_bytes`, open file
/// descriptors, threads…), sampled when `/metrics` is scraped.
pub fn process_collector() -> &'static metrics_process::Collector {
    static COLLECTOR: OnceLock<metrics_process::Collector> = OnceLock::new();
    COLLECTOR.get_or_init(metrics_process::Collector::default)
}

/// The `# HELP` text of every metric family the gateway records, in one place so that a new
/// family without a description shows up in review (and in the test that reads `/metrics`).
fn describe() {
    describe_counter!(
        "filegate_connections_refused_total",
        "Connections closed at accept because `limits.max_connections` were open."
    );
    describe_counter!(
        "filegate_http_requests_total",
        "HTTP requests answered, by method, route template and status."
    );
    describe_histogram!(
        "filegate_http_request_seconds",
        Unit::Seconds,
        "Time until the answer's headers left, by method and route template."
    );
    describe_gauge!(
        "filegate_http_requests_in_flight",
        "Requests being handled or still streaming their body."
    );
    describe_counter!(
        "filegate_uploaded_bytes_total",
        Unit::Bytes,
        "File bytes received from callers by successful uploads (single and resumable parts), by connection."
    );
    describe_counter!(
        "filegate_downloaded_bytes_total",
        Unit::Bytes,
        "File bytes streamed to callers by downloads, by connection."
    );
    describe_counter!(
        "filegate_upstream_requests_total",
        "Calls to an upstream, by connection, provider, operation and outcome."
    );
    describe_histogram!(
        "filegate_upstream_request_seconds",
        Unit::Seconds,
        "Time until an upstream call's answer headers arrived, by connection, provider and operation."
    );
    describe_counter!(
        "filegate_upstream_throttled_total",
        "Calls the rate-limit governor refused with 429 (over the configured rate or the upstream's reported budget beyond max_wait), by connection."
    );
    describe_counter!(
        "filegate_upstream_retries_total",
        "Upstream calls sent again after a failed attempt (idempotent calls, or refused connections), by connection, provider and operation."
    );
    describe_counter!(
        "filegate_upstream_retry_budget_exhausted_total",
        "Retries not sent because the connection's retry budget (upstream.retry.budget_percent) was spent, by connection."
    );
    describe_gauge!(
        "filegate_upstream_breaker_state",
        "Circuit breaker of each connection: 0 closed, 1 half-open, 2 open."
    );
    describe_counter!(
        "filegate_upstream_breaker_opened_total",
        "Times a connection's circuit breaker opened."
    );
    describe_counter!(
        "filegate_upstream_breaker_rejections_total",
        "Calls refused by an open circuit breaker without reaching the upstream, by connection."
    );
    describe_counter!(
        "filegate_upstream_refusals_total",
        "Upstream answers whose HTTP status was fine but whose envelope refused the call."
    );
    describe_counter!(
        "filegate_token_fetches_total",
        "Upstream access-token fetches, by connection and outcome."
    );
    describe_histogram!(
        "filegate_token_fetch_seconds",
        Unit::Seconds,
        "Time an upstream access-token fetch took, by connection."
    );
    describe_counter!(
        "filegate_token_invalidations_total",
        "Upstream access tokens the upstream refused before their expiry, by connection."
    );
    describe_counter!(
        "filegate_token_store_errors_total",
        "Times the shared token store could not be locked (tokens then come from memory only)."
    );
    describe_gauge!(
        "filegate_token_expires_at_seconds",
        Unit::Seconds,
        "Unix time at which the newest upstream access token of a connection expires."
    );
    describe_counter!(
        "filegate_fangcloud_token_grants_total",
        "Fangcloud OAuth grants used, by connection and grant type."
    );
}

/// The problem `code` of an error answer, left in the response's extensions by the layer that
/// writes problems so that the request's log line can carry it.
#[derive(Debug, Clone)]
pub struct ProblemCode(pub String);

/// Middleware around every request: its span, the in-flight gauge, HTTP metrics, and one log
/// line when the answer's body has been sent (or abandoned), with status, numeric latency to
/// the headers, total duration and the bytes both ways. Streamed transfers are thus logged
/// once, at their end. Levels: 5xx ERROR (501 `unsupported_operation` is the caller asking for
/// what an upstream cannot do: WARN), 4xx WARN, the rest INFO.
pub async fn observe(req: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = req.method().clone();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned());
    let connection = connection_segment(req.uri().path());
    let request_id = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let span = tracing::info_span!(
        "request",
        method = %method,
        route = route.as_deref().unwrap_or(""),
        request_id = %request_id,
        client = tracing::field::Empty,
        sub = tracing::field::Empty,
        connection = tracing::field::Empty,
        operation = tracing::field::Empty,
    );
    let in_flight = InFlight::start();
    let bytes_in = Arc::new(AtomicU64::new(0));
    let (parts, body) = req.into_parts();
    let req = Request::from_parts(parts, Watched::body(body, Counted(bytes_in.clone())));
    let res = next.run(req).instrument(span.clone()).await;
    let latency = started.elapsed();
    let route = route.unwrap_or_else(|| "unmatched".into());
    let status = res.status();
    metrics::counter!("filegate_http_requests_total", "method" => method.to_string(), "route" => route.clone(), "status" => status.as_u16().to_string())
        .increment(1);
    metrics::histogram!("filegate_http_request_seconds", "method" => method.to_string(), "route" => route.clone())
        .record(latency.as_secs_f64());
    let code = res.extensions().get::<ProblemCode>().map(|c| c.0.clone());
    let transfer = Transfer::of(&method, &route);
    let (parts, body) = res.into_parts();
    // hyper stops polling a body once `Content-Length` bytes are out, without asking for its end.
    let length = parts
        .headers
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let finish = Finish {
        span,
        started,
        latency,
        status,
        code,
        bytes_in,
        // Byte counters are labelled only by connections a successful answer proved exist.
        connection: connection.filter(|_| status.is_success()),
        transfer,
        _in_flight: in_flight,
    };
    Response::from_parts(
        parts,
        Watched::body(
            body,
            Observed {
                bytes_out: 0,
                length,
                finish: Some(finish),
            },
        ),
    )
}

/// `{conn}` of `/v1/connections/{conn}/…`.
fn connection_segment(path: &str) -> Option<String> {
    let rest = path.strip_prefix("/v1/connections/")?;
    let name = rest.split('/').next().filter(|s| !s.is_empty())?;
    Some(name.to_owned())
}

/// Which byte counter a route feeds.
#[derive(Clone, Copy)]
enum Transfer {
    None,
    Upload,
    Download,
}

impl Transfer {
    fn of(method: &Method, route: &str) -> Self {
        let upload = (method == Method::POST && route.ends_with("/files"))
            || (method == Method::PUT && route.ends_with("/parts/{n}"))
            || (method == Method::POST && route.ends_with("/versions"));
        if upload {
            Self::Upload
        } else if method == Method::GET && route.ends_with("/content") {
            Self::Download
        } else {
            Self::None
        }
    }
}

struct InFlight;

impl InFlight {
    fn start() -> Self {
        metrics::gauge!("filegate_http_requests_in_flight").increment(1.0);
        Self
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        metrics::gauge!("filegate_http_requests_in_flight").decrement(1.0);
    }
}

/// The result of one `poll_frame` of a body.
pub(crate) type Polled = Poll<Option<Result<Frame<Bytes>, axum::Error>>>;

/// What a [`Watched`] body tells its watcher: each poll's result and its drop, with whether
/// the wrapped body had ended by then. Both default to nothing (a watcher that only needs
/// to live as long as the body).
pub(crate) trait Watch: Unpin + Send + 'static {
    fn polled(&mut self, _polled: &Polled, _ended: bool) {}
    fn dropped(&mut self, _ended: bool) {}
}

/// A body passing another through unchanged while its watcher looks on (the byte counters,
/// the request log line, the listener's in-flight count).
pub(crate) struct Watched<W: Watch> {
    inner: Body,
    watch: W,
}

impl<W: Watch> Watched<W> {
    pub(crate) fn body(inner: Body, watch: W) -> Body {
        Body::new(Self { inner, watch })
    }
}

impl<W: Watch> HttpBody for Watched<W> {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Polled {
        let this = &mut *self;
        let polled = Pin::new(&mut this.inner).poll_frame(cx);
        this.watch.polled(&polled, this.inner.is_end_stream());
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// Tells the watcher before anything is dropped (the inner body, then the watcher itself).
impl<W: Watch> Drop for Watched<W> {
    fn drop(&mut self) {
        self.watch.dropped(self.inner.is_end_stream());
    }
}

/// Counts the bytes read from a request body.
struct Counted(Arc<AtomicU64>);

impl Watch for Counted {
    fn polled(&mut self, polled: &Polled, _ended: bool) {
        if let Poll::Ready(Some(Ok(frame))) = polled
            && let Some(data) = frame.data_ref()
        {
            self.0.fetch_add(data.len() as u64, Ordering::Relaxed);
        }
    }
}

/// What the request's log line needs once the body is done.
struct Finish {
    span: tracing::Span,
    started: Instant,
    latency: Duration,
    status: StatusCode,
    code: Option<String>,
    bytes_in: Arc<AtomicU64>,
    connection: Option<String>,
    transfer: Transfer,
    _in_flight: InFlight,
}

impl Finish {
    fn log(self, bytes_out: u64, outcome: &'static str) {
        let bytes_in = self.bytes_in.load(Ordering::Relaxed);
        if let Some(c) = &self.connection {
            match self.transfer {
                Transfer::Upload => {
                    metrics::counter!("filegate_uploaded_bytes_total", "connection" => c.clone())
                        .increment(bytes_in);
                }
                Transfer::Download => {
                    metrics::counter!("filegate_downloaded_bytes_total", "connection" => c.clone())
                        .increment(bytes_out);
                }
                Transfer::None => {}
            }
        }
        let _entered = self.span.enter();
        let status = self.status.as_u16();
        let latency_ms = u64::try_from(self.latency.as_millis()).unwrap_or(u64::MAX);
        let duration_ms = u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX);
        let code = self.code.as_deref();
        macro_rules! line {
            ($level:expr) => {
                tracing::event!(
                    $level,
                    status,
                    latency_ms,
                    duration_ms,
                    bytes_in,
                    bytes_out,
                    outcome,
                    code,
                    "request finished"
                )
            };
        }
        if self.status.is_server_error() && code != Some("unsupported_operation") {
            line!(Level::ERROR)
        } else if self.status.is_client_error() || self.status.is_server_error() {
            line!(Level::WARN)
        } else if outcome != "complete" {
            line!(Level::WARN)
        } else {
            line!(Level::INFO)
        }
    }
}

/// Counts what a response body sends and logs the request when it ends. Dropped before its
/// end (the caller went away) it logs `outcome = "aborted"`.
struct Observed {
    bytes_out: u64,
    /// The answer's `Content-Length`, when it has one.
    length: Option<u64>,
    finish: Option<Finish>,
}

impl Watch for Observed {
    fn polled(&mut self, polled: &Polled, ended: bool) {
        match polled {
            Poll::Ready(Some(Ok(frame))) => {
                if let Some(data) = frame.data_ref() {
                    self.bytes_out += data.len() as u64;
                }
                if ended || self.length.is_some_and(|l| self.bytes_out >= l) {
                    self.done("complete");
                }
            }
            Poll::Ready(Some(Err(_))) => self.done("failed"),
            Poll::Ready(None) => self.done("complete"),
            Poll::Pending => {}
        }
    }

    fn dropped(&mut self, ended: bool) {
        // An empty body is never polled by hyper, nor is a sized one past its length.
        let sent_all = self.length.is_some_and(|l| self.bytes_out >= l);
        let outcome = if ended || sent_all {
            "complete"
        } else {
            "aborted"
        };
        self.done(outcome);
    }
}

impl Observed {
    fn done(&mut self, outcome: &'static str) {
        if let Some(f) = self.finish.take() {
            f.log(self.bytes_out, outcome);
        }
    }
}
