//! The one outbound HTTP client, shared by all adapters, and its metrics.

use std::sync::Arc;
use std::time::{Duration, Instant};

use backon::BackoffBuilder;

use super::governor::RateGovernor;
use super::resilience::{Resilience, ceil_secs, is_idempotent};
use crate::config::{Limits, UpstreamConfig};
use crate::error::{UpstreamError, UpstreamKind};

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
    /// Its retry budget and circuit breaker (one per connection).
    resilience: Arc<Resilience>,
    /// Its rate-limit governor (one per connection).
    governor: Arc<RateGovernor>,
    upstream: Arc<UpstreamConfig>,
}

impl UpstreamHttp {
    pub fn new(limits: &Limits, upstream: &UpstreamConfig) -> Result<Self, String> {
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
            resilience: Arc::new(Resilience::new("", upstream)),
            governor: Arc::new(RateGovernor::new("", "", 0, &upstream.rate_limit)),
            upstream: Arc::new(upstream.clone()),
        })
    }

    /// The same client (and pool), labelling its calls with `connection`, with the
    /// connection's own retry budget and circuit breaker.
    /// `calls_per_minute`: the connection's configured rate (0 = none).
    pub fn for_connection(
        &self,
        connection: &str,
        provider: &'static str,
        calls_per_minute: u32,
    ) -> Self {
        Self {
            connection: Arc::from(connection),
            resilience: Arc::new(Resilience::new(connection, &self.upstream)),
            governor: Arc::new(RateGovernor::new(
                connection,
                provider,
                calls_per_minute,
                &self.upstream.rate_limit,
            )),
            ..self.clone()
        }
    }

    /// The connection's rate-limit governor.
    pub fn governor(&self) -> &Arc<RateGovernor> {
        &self.governor
    }

    /// The connection's breaker and retry state.
    pub fn resilience(&self) -> &Arc<Resilience> {
        &self.resilience
    }

    /// Sends `req`, recording each attempt. Transport failures become [`UpstreamError`]s whose
    /// text never includes the URL (some upstreams take the token as a query parameter).
    ///
    /// Each attempt first asks the connection's circuit breaker (open: 503
    /// `upstream_unavailable` with `Retry-After`, the upstream is not called). A failed attempt
    /// (transport error, timeout, HTTP 5xx) is retried with jittered exponential backoff, within
    /// the connection's retry budget, when the call is idempotent (see
    /// [`is_idempotent`]) — or, whatever the call, when the connection was refused, since then
    /// the upstream never saw it. Bodies that cannot be replayed (streamed uploads) are sent once.
    pub async fn send(
        &self,
        provider: &'static str,
        operation: &'static str,
        req: reqwest::RequestBuilder,
    ) -> Result<reqwest::Response, UpstreamError> {
        let (client, request) = req.build_split();
        let mut request = request.map_err(|e| UpstreamError::transport(provider, &e))?;
        let idempotent = is_idempotent(request.method(), operation);
        let retry = &self.resilience.retry;
        let mut delays = backon::ExponentialBuilder::default()
            .with_min_delay(retry.min_backoff)
            .with_max_delay(retry.max_backoff)
            .with_max_times(retry.max_retries as usize)
            .with_jitter()
            .build();
        self.resilience.first_attempt();
        loop {
            if let Err(wait) = self.resilience.admit() {
                return Err(circuit_open(provider, wait));
            }
            self.governor.acquire().await?;
            let replay = request.try_clone();
            let started = Instant::now();
            let result = client.execute(request).await;
            let outcome = match &result {
                Ok(r) if r.status().is_success() => "ok",
                Ok(r) if r.status().as_u16() == 429 => "rate_limited",
                Ok(r) if r.status().is_client_error() => "client_error",
                Ok(r) if r.status().is_server_error() => "server_error",
                Ok(_) => "ok",
                Err(e) if e.is_timeout() => "timeout",
                Err(_) => "transport_error",
            };
            record(&self.connection, provider, operation, outcome, started);

            let failed = matches!(outcome, "server_error" | "timeout" | "transport_error");
            self.resilience.record(failed);
            let retryable = match &result {
                Err(e) if e.is_connect() => true,
                _ => failed && idempotent,
            };
            if retryable
                && let Some(next) = replay
                && let Some(delay) = delays.next()
                && self.resilience.take_retry(provider, operation)
            {
                tracing::debug!(
                    connection = %self.connection,
                    operation,
                    outcome,
                    delay_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
                    "retrying an upstream call"
                );
                tokio::time::sleep(delay).await;
                request = next;
                continue;
            }
            return result.map_err(|e| UpstreamError::transport(provider, &e));
        }
    }

    /// Records the outcome of a call whose HTTP answer was fine but whose envelope said no.
    pub fn record_refusal(provider: &'static str, operation: &'static str) {
        metrics::counter!("filegate_upstream_refusals_total", "provider" => provider, "operation" => operation).increment(1);
    }
}

/// The breaker refused the call: 503 with the time until its next probe.
fn circuit_open(provider: &'static str, wait: Duration) -> UpstreamError {
    let secs = ceil_secs(wait);
    UpstreamError::new(
        provider,
        UpstreamKind::CircuitOpen,
        "upstream_unavailable",
        "circuit_open",
        format!("the gateway stopped calling {provider} for this connection after repeated failures; retrying in {secs} s"),
    )
    .with_retry_after(Some(secs))
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
