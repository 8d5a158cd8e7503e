//! The one outbound HTTP client, shared by all adapters, and its metrics.

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::config::Limits;
use crate::error::UpstreamError;

/// A `reqwest::Client` (connection pools are per client, so there is one) plus per-call
/// instrumentation: `filegate_upstream_requests_total{connection,provider,operation,outcome}`
/// and `filegate_upstream_request_seconds`.
#[derive(Clone)]
pub struct UpstreamHttp {
    pub client: reqwest::Client,
    /// Deadline for an ordinary call (transfers set their own).
    pub timeout: Duration,
    /// The connection whose adapter holds this handle, for the metrics' `connection` label.
    connection: Arc<str>,
}

impl UpstreamHttp {
    pub fn new(limits: &Limits) -> Result<Self, String> {
        let client = reqwest::Client::builder()
            .connect_timeout(limits.upstream_connect_timeout)
            // Upstream download URLs are fetched by the adapters themselves; never follow a
            // redirect to wherever an upstream answer points.
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("filegate/", env!("CARGO_PKG_VERSION")))
            .pool_idle_timeout(Duration::from_secs(90))
            // Upstream bodies pass through byte for byte (ranges stay exact), so never ask
            // for a compressed one, whatever reqwest features the build has.
            .no_gzip()
            .no_brotli()
            .no_deflate()
            .build()
            .map_err(|e| format!("cannot build the HTTP client: {e}"))?;
        Ok(Self {
            client,
            timeout: limits.upstream_timeout,
            connection: Arc::from(""),
        })
    }

    /// The same client (and pool), labelling its calls with `connection`.
    pub fn for_connection(&self, connection: &str) -> Self {
        Self {
            connection: Arc::from(connection),
            ..self.clone()
        }
    }

    /// Sends `req`, recording the call. Transport failures become [`UpstreamError`]s whose
    /// text never includes the URL (some upstreams take the token as a query parameter).
    pub async fn send(
        &self,
        provider: &'static str,
        operation: &'static str,
        req: reqwest::RequestBuilder,
    ) -> Result<reqwest::Response, UpstreamError> {
        let started = Instant::now();
        let result = req.send().await;
        let outcome = match &result {
            Ok(r) if r.status().is_success() => "ok",
            Ok(r) if r.status().as_u16() == 429 => "rate_limited",
            Ok(r) if r.status().is_client_error() => "client_error",
            Ok(_) => "server_error",
            Err(e) if e.is_timeout() => "timeout",
            Err(_) => "transport_error",
        };
        record(&self.connection, provider, operation, outcome, started);
        result.map_err(|e| UpstreamError::transport(provider, &e))
    }

    /// Records the outcome of a call whose HTTP answer was fine but whose envelope said no.
    pub fn record_refusal(provider: &'static str, operation: &'static str) {
        metrics::counter!("filegate_upstream_refusals_total", "provider" => provider, "operation" => operation).increment(1);
    }
}

fn record(
    connection: &str,
    provider: &'static str,
    operation: &'static str,
    outcome: &'static str,
    started: Instant,
) {
    metrics::counter!(
        "filegate_upstream_requests_total",
        "connection" => connection.to_owned(),
        "provider" => provider,
        "operation" => operation,
        "outcome" => outcome
    )
    .increment(1);
    metrics::histogram!(
        "filegate_upstream_request_seconds",
        "connection" => connection.to_owned(),
        "provider" => provider,
        "operation" => operation
    )
    .record(started.elapsed().as_secs_f64());
}
