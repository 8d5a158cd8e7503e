//! Per-connection upstream resilience: which calls may be retried, the retry budget, and the
//! circuit breaker. [`UpstreamHttp::send`](super::http::UpstreamHttp::send) consults them on
//! every attempt; `GET /v1/connections/{conn}` and `/metrics` report them.
//!
//! The breaker is a small state machine rather than a crate: the maintained Rust breakers are
//! either tied to a `tower::Service` stack (the adapters call reqwest directly, and classify
//! failures per attempt, not per service call) or unmaintained (`failsafe` 1.3, 2021). Its
//! transitions take the clock as an argument, so the unit tests below walk them without sleeping.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde::Serialize;
use utoipa::ToSchema;

use crate::config::{BreakerConfig, RetryConfig, UpstreamConfig};

/// Upstream operations that only read, although their HTTP method is POST (WeCom WeDrive and
/// OneBot take every call as a POST; `gettoken`/`oauth/token` only mint a new token). GET and
/// HEAD calls are reads whatever their name. Everything else is treated as creating or changing
/// something, and is never retried unless the upstream provably did not receive it.
const READ_OPERATIONS: &[&str] = &[
    // WeCom WeDrive (wecom-wedrive.txt: 获取文件列表, 文件信息, 空间信息, 下载文件, 权限信息…)
    "gettoken",
    "file_list",
    "file_info",
    "file_download",
    "space_info",
    "new_space_info",
    "mng_pro_info",
    "mng_capacity",
    "get_file_permission",
    // Fangcloud's token endpoint (a new assertion each time; a repeat mints another token).
    "oauth/token",
];

/// Whether a call may be repeated without a second effect upstream.
pub fn is_idempotent(method: &reqwest::Method, operation: &str) -> bool {
    matches!(*method, reqwest::Method::GET | reqwest::Method::HEAD)
        || READ_OPERATIONS.contains(&operation)
        // OneBot 11: every `get_*` action reads (get_group_root_files, get_group_file_url…).
        || operation.starts_with("get_")
}

/// A circuit breaker's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum BreakerState {
    /// Calls go through.
    Closed,
    /// Calls are refused without reaching the upstream until `retry_after_secs`.
    Open,
    /// A probe call is let through; its outcome closes or re-opens the breaker.
    HalfOpen,
}

impl BreakerState {
    fn gauge(self) -> f64 {
        match self {
            Self::Closed => 0.0,
            Self::HalfOpen => 1.0,
            Self::Open => 2.0,
        }
    }
}

/// The breaker's state machine. Every method takes `now`.
#[derive(Debug)]
pub struct Breaker {
    cfg: BreakerConfig,
    state: BreakerState,
    consecutive: u32,
    /// The outcomes of the last `cfg.window` calls (true = failure).
    recent: VecDeque<bool>,
    /// When open: until when. When half-open: when the probes were let out.
    since: Instant,
    probes: u32,
    opened_total: u64,
}

impl Breaker {
    pub fn new(cfg: BreakerConfig, now: Instant) -> Self {
        Self {
            cfg,
            state: BreakerState::Closed,
            consecutive: 0,
            recent: VecDeque::new(),
            since: now,
            probes: 0,
            opened_total: 0,
        }
    }

    fn enabled(&self) -> bool {
        self.cfg.consecutive_failures > 0 || self.cfg.failure_ratio > 0.0
    }

    /// May a call go out now? `Err(wait)` while open (or half-open with its probes out).
    pub fn admit(&mut self, now: Instant) -> Result<(), Duration> {
        match self.state {
            BreakerState::Closed => Ok(()),
            BreakerState::Open if now < self.since => Err(self.since - now),
            BreakerState::Open => {
                self.state = BreakerState::HalfOpen;
                self.since = now;
                self.probes = 1;
                Ok(())
            }
            BreakerState::HalfOpen => {
                // A probe whose caller went away never reports: after another `open_for`
                // its slot is given to a new probe.
                if now.duration_since(self.since) >= self.cfg.open_for {
                    self.since = now;
                    self.probes = 0;
                }
                if self.probes < self.cfg.half_open_probes {
                    self.probes += 1;
                    Ok(())
                } else {
                    Err(Duration::from_secs(1))
                }
            }
        }
    }

    /// Records the outcome of an admitted call.
    pub fn record(&mut self, failed: bool, now: Instant) {
        if !self.enabled() {
            return;
        }
        if self.state == BreakerState::HalfOpen {
            if failed {
                self.open(now);
            } else {
                self.close();
            }
            return;
        }
        if self.state == BreakerState::Open {
            // A call admitted before the breaker opened: it changes nothing now.
            return;
        }
        self.consecutive = if failed { self.consecutive + 1 } else { 0 };
        let window = self.cfg.window.max(1) as usize;
        self.recent.push_back(failed);
        while self.recent.len() > window {
            self.recent.pop_front();
        }
        let failures = self.recent.iter().filter(|f| **f).count();
        let by_ratio = self.cfg.failure_ratio > 0.0
            && self.recent.len() == window
            && failures as f64 >= self.cfg.failure_ratio * window as f64;
        let by_run =
            self.cfg.consecutive_failures > 0 && self.consecutive >= self.cfg.consecutive_failures;
        if by_run || by_ratio {
            self.open(now);
        }
    }

    fn open(&mut self, now: Instant) {
        self.state = BreakerState::Open;
        self.since = now + self.cfg.open_for;
        self.probes = 0;
        self.opened_total += 1;
    }

    fn close(&mut self) {
        self.state = BreakerState::Closed;
        self.consecutive = 0;
        self.recent.clear();
        self.probes = 0;
    }

    pub fn state(&self) -> BreakerState {
        self.state
    }
}

/// Envoy/Finagle-style retry budget: every first attempt deposits `p / (100 - p)` of a retry,
/// every retry spends one, so retries stay at most `p` % of all calls (20 % → at most 1.25
/// calls per request). The balance is capped, so a quiet hour does not bank a retry storm.
#[derive(Debug)]
pub struct RetryBudget {
    balance: f64,
    per_call: f64,
    cap: f64,
}

/// The most retries a connection may have banked.
const BUDGET_CAP: f64 = 10.0;

impl RetryBudget {
    pub fn new(cfg: &RetryConfig) -> Self {
        let p = f64::from(cfg.budget_percent.min(99));
        Self {
            balance: 0.0,
            per_call: p / (100.0 - p),
            cap: BUDGET_CAP,
        }
    }

    pub fn deposit(&mut self) {
        self.balance = (self.balance + self.per_call).min(self.cap);
    }

    pub fn withdraw(&mut self) -> bool {
        // A little slack for the float sums (0.25 × 4 is exact, 1/6 × 6 is not).
        if self.balance >= 1.0 - 1e-9 {
            self.balance = (self.balance - 1.0).max(0.0);
            true
        } else {
            false
        }
    }
}

/// The breaker and retry state of one connection, shared by all its calls.
#[derive(Debug)]
pub struct Resilience {
    connection: String,
    pub retry: RetryConfig,
    breaker: Mutex<Breaker>,
    budget: Mutex<RetryBudget>,
    counters: Mutex<Counters>,
}

#[derive(Debug, Default)]
struct Counters {
    retries: u64,
    budget_exhausted: u64,
    rejected: u64,
}

/// How the gateway's calls to this connection's upstream are faring.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(examples(json!({
    "breaker": {"state": "closed", "consecutive_failures": 0, "opened_total": 0, "rejected_total": 0},
    "retries": {"retries_total": 3, "budget_exhausted_total": 0, "budget_available": 1.75}
})))]
pub struct UpstreamHealth {
    pub breaker: BreakerHealth,
    pub retries: RetryHealth,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BreakerHealth {
    pub state: BreakerState,
    /// Failed calls in a row (transport errors, timeouts, HTTP 5xx).
    pub consecutive_failures: u32,
    /// While open: seconds until a probe call is let through.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_after_secs: Option<u64>,
    /// Times the breaker opened since start-up.
    pub opened_total: u64,
    /// Calls refused while open, without reaching the upstream.
    pub rejected_total: u64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RetryHealth {
    /// Retries sent since start-up.
    pub retries_total: u64,
    /// Retries not sent because the budget was spent.
    pub budget_exhausted_total: u64,
    /// Retries the budget allows right now.
    pub budget_available: f64,
}

/// Whole seconds a caller should wait, never 0.
pub fn ceil_secs(d: Duration) -> u64 {
    (d.as_secs() + u64::from(d.subsec_nanos() > 0)).max(1)
}

impl Resilience {
    pub fn new(connection: &str, cfg: &UpstreamConfig) -> Self {
        let r = Self {
            connection: connection.to_owned(),
            retry: cfg.retry.clone(),
            breaker: Mutex::new(Breaker::new(cfg.breaker.clone(), Instant::now())),
            budget: Mutex::new(RetryBudget::new(&cfg.retry)),
            counters: Mutex::new(Counters::default()),
        };
        r.gauge(BreakerState::Closed);
        r
    }

    fn gauge(&self, state: BreakerState) {
        if self.connection.is_empty() {
            return;
        }
        metrics::gauge!("filegate_upstream_breaker_state", "connection" => self.connection.clone())
            .set(state.gauge());
    }

    /// Before each attempt: `Err(wait)` when the breaker refuses the call.
    pub fn admit(&self) -> Result<(), Duration> {
        let mut b = self.breaker.lock().unwrap_or_else(|e| e.into_inner());
        let result = b.admit(Instant::now());
        let state = b.state();
        drop(b);
        self.gauge(state);
        if result.is_err() {
            self.counters
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .rejected += 1;
            metrics::counter!("filegate_upstream_breaker_rejections_total", "connection" => self.connection.clone())
                .increment(1);
        }
        result
    }

    /// After each attempt.
    pub fn record(&self, failed: bool) {
        let mut b = self.breaker.lock().unwrap_or_else(|e| e.into_inner());
        let before = b.state();
        b.record(failed, Instant::now());
        let after = b.state();
        drop(b);
        if before != after {
            tracing::warn!(connection = %self.connection, from = ?before, to = ?after, "upstream circuit breaker");
            if after == BreakerState::Open {
                metrics::counter!("filegate_upstream_breaker_opened_total", "connection" => self.connection.clone())
                    .increment(1);
            }
        }
        self.gauge(after);
    }

    /// A first attempt: feeds the retry budget.
    pub fn first_attempt(&self) {
        self.budget
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .deposit();
    }

    /// May one more retry go out? Counts the answer.
    pub fn take_retry(&self, provider: &'static str, operation: &'static str) -> bool {
        let ok = self
            .budget
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .withdraw();
        let mut c = self.counters.lock().unwrap_or_else(|e| e.into_inner());
        if ok {
            c.retries += 1;
            metrics::counter!("filegate_upstream_retries_total", "connection" => self.connection.clone(), "provider" => provider, "operation" => operation)
                .increment(1);
        } else {
            c.budget_exhausted += 1;
            metrics::counter!("filegate_upstream_retry_budget_exhausted_total", "connection" => self.connection.clone())
                .increment(1);
        }
        ok
    }

    pub fn health(&self) -> UpstreamHealth {
        let b = self.breaker.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        let retry_after_secs = (b.state == BreakerState::Open)
            .then(|| ceil_secs(b.since.saturating_duration_since(now)));
        let breaker = (b.state, b.consecutive, b.opened_total);
        drop(b);
        let c = self.counters.lock().unwrap_or_else(|e| e.into_inner());
        let balance = self
            .budget
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .balance;
        UpstreamHealth {
            breaker: BreakerHealth {
                state: breaker.0,
                consecutive_failures: breaker.1,
                retry_after_secs,
                opened_total: breaker.2,
                rejected_total: c.rejected,
            },
            retries: RetryHealth {
                retries_total: c.retries,
                budget_exhausted_total: c.budget_exhausted,
                budget_available: (balance * 100.0).floor() / 100.0,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg() -> BreakerConfig {
        BreakerConfig {
            consecutive_failures: 3,
            failure_ratio: 0.5,
            window: 10,
            open_for: Duration::from_secs(10),
            half_open_probes: 1,
        }
    }

    #[test]
    fn reads_are_idempotent_and_writes_are_not() {
        use reqwest::Method;
        assert!(is_idempotent(&Method::GET, "folder/create"));
        assert!(is_idempotent(&Method::POST, "file_list"));
        assert!(is_idempotent(&Method::POST, "get_group_root_files"));
        assert!(!is_idempotent(&Method::POST, "file_create"));
        assert!(!is_idempotent(&Method::POST, "upload_group_file"));
        assert!(!is_idempotent(&Method::POST, "folder/create"));
    }

    #[test]
    fn the_breaker_opens_after_consecutive_failures_and_refuses_until_open_for_ends() {
        let t0 = Instant::now();
        let mut b = Breaker::new(cfg(), t0);
        for _ in 0..2 {
            assert!(b.admit(t0).is_ok());
            b.record(true, t0);
        }
        b.record(false, t0);
        b.record(true, t0);
        b.record(true, t0);
        assert_eq!(b.state(), BreakerState::Closed, "a success resets the run");
        b.record(true, t0);
        assert_eq!(b.state(), BreakerState::Open);
        assert_eq!(
            b.admit(t0 + Duration::from_secs(4)),
            Err(Duration::from_secs(6))
        );
        // Half-open: one probe, the next caller is refused while it is out.
        assert!(b.admit(t0 + Duration::from_secs(10)).is_ok());
        assert_eq!(b.state(), BreakerState::HalfOpen);
        assert!(b.admit(t0 + Duration::from_secs(10)).is_err());
        // The probe fails: open again for another `open_for`.
        b.record(true, t0 + Duration::from_secs(11));
        assert_eq!(b.state(), BreakerState::Open);
        assert!(b.admit(t0 + Duration::from_secs(20)).is_err());
        assert!(b.admit(t0 + Duration::from_secs(21)).is_ok());
        b.record(false, t0 + Duration::from_secs(21));
        assert_eq!(b.state(), BreakerState::Closed);
        assert!(b.admit(t0 + Duration::from_secs(21)).is_ok());
    }

    #[test]
    fn the_breaker_opens_on_the_failure_ratio_over_a_full_window() {
        let t0 = Instant::now();
        let mut b = Breaker::new(cfg(), t0);
        for i in 0..9 {
            b.record(i % 2 == 0, t0);
        }
        assert_eq!(
            b.state(),
            BreakerState::Closed,
            "the window is not full yet"
        );
        b.record(true, t0);
        assert_eq!(b.state(), BreakerState::Open, "6 of 10 failed");
    }

    #[test]
    fn a_lost_probe_is_replaced_after_open_for() {
        let t0 = Instant::now();
        let mut b = Breaker::new(cfg(), t0);
        for _ in 0..3 {
            b.record(true, t0);
        }
        assert!(b.admit(t0 + Duration::from_secs(10)).is_ok());
        assert!(b.admit(t0 + Duration::from_secs(15)).is_err());
        assert!(b.admit(t0 + Duration::from_secs(20)).is_ok());
    }

    #[test]
    fn the_budget_allows_one_retry_per_four_calls_at_twenty_percent() {
        let mut budget = RetryBudget::new(&RetryConfig::default());
        assert!(!budget.withdraw(), "nothing banked at start");
        for _ in 0..4 {
            budget.deposit();
        }
        assert!(budget.withdraw());
        assert!(!budget.withdraw());
        for _ in 0..1000 {
            budget.deposit();
        }
        let banked = (0..100).filter(|_| budget.withdraw()).count();
        assert_eq!(banked, 10, "the balance is capped");
    }
}
