//! The per-connection rate-limit governor: keeps the gateway under an upstream's limits before
//! the upstream refuses.
//!
//! - A configured rate (WeCom, OneBot): a GCRA limiter from the `governor` crate, at the
//!   connection's calls per minute × this replica's share, spent by every attempt.
//! - The budget the upstream reports (Fangcloud, per token: `X-Rate-Limit-Remaining` and
//!   `X-Rate-Limit-Reset`, fangcloud-open-api-v2.txt 频次限制): calls spend it locally; once it
//!   is spent, calls wait for the reset. While the budget is unknown (first call, new window)
//!   one call at a time goes out to learn it.
//! - After WeCom's rate-limit refusal (45009, which says nothing of how long) the connection
//!   pauses for `pause_on_refusal`; Fangcloud's 429 carries its budget (remaining 0, reset),
//!   which the per-token budget then keeps.
//!
//! A caller over budget waits up to `max_wait`; beyond it the answer is 429 `rate_limited` with
//! `Retry-After` = the seconds until a call is allowed again and `RateLimit-*` headers.

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use governor::clock::{Clock, DefaultClock};
use governor::{Quota, RateLimiter};

// `replica_share` is in (0, 1] (validated), so the product is a non-negative u32.
use tokio::sync::Notify;

use super::resilience::ceil_secs;
use crate::config::RateLimitConfig;
use crate::error::{UpstreamError, UpstreamKind};

const PROBE_STALE: Duration = Duration::from_secs(10);

type Direct = governor::DefaultDirectRateLimiter;

pub struct RateGovernor {
    connection: String,
    provider: &'static str,
    limiter: Option<Direct>,
    /// Calls per minute this replica may make (the limiter's rate), for `RateLimit-Limit`.
    per_minute: u32,
    max_wait: Duration,
    pause_on_refusal: Duration,
    paused_until: Mutex<Option<Instant>>,
    budgets: Mutex<HashMap<String, Budget>>,
    changed: Notify,
}

/// An upstream-reported budget of one token.
#[derive(Debug, Clone, Copy)]
struct Budget {
    /// Calls left in the window, as reported minus those sent since. None: not known yet.
    remaining: Option<u32>,
    limit: u32,
    reset_at: Instant,
    /// When a call went out to learn the budget (None: none is out). A probe whose caller went
    /// away never reports; after [`PROBE_STALE`] another may go.
    probing: Option<Instant>,
}

impl RateGovernor {
    /// `configured`: calls per minute for this connection (0 = no configured rate).
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    pub fn new(
        connection: &str,
        provider: &'static str,
        configured: u32,
        cfg: &RateLimitConfig,
    ) -> Self {
        let share = cfg.replica_share.clamp(0.0, 1.0);
        let per_minute = (f64::from(configured) * share).floor() as u32;
        let limiter = NonZeroU32::new(per_minute).map(|n| {
            // A tenth of the minute's budget by default: a cold cache or a page of parallel
            // calls goes out at once, and in any 60 s the calls stay under 1.1 x the rate.
            let burst = if cfg.burst > 0 {
                cfg.burst
            } else {
                per_minute.div_ceil(10)
            };
            let burst = NonZeroU32::new(burst.min(per_minute)).unwrap_or(NonZeroU32::MIN);
            RateLimiter::direct(Quota::per_minute(n).allow_burst(burst))
        });
        Self {
            connection: connection.to_owned(),
            provider,
            limiter,
            per_minute,
            max_wait: cfg.max_wait,
            pause_on_refusal: cfg.pause_on_refusal,
            paused_until: Mutex::new(None),
            budgets: Mutex::new(HashMap::new()),
            changed: Notify::new(),
        }
    }

    fn throttled(&self, wait: Duration, limit: u32) -> UpstreamError {
        let secs = ceil_secs(wait);
        metrics::counter!("filegate_upstream_throttled_total", "connection" => self.connection.clone())
            .increment(1);
        let mut e = UpstreamError::new(
            self.provider,
            UpstreamKind::Throttled,
            "rate_limited",
            "throttled",
            format!(
                "the gateway keeps this connection under {}'s rate limit; retry in {secs} s",
                self.provider
            ),
        )
        .with_retry_after(Some(secs));
        e.rate_limit = Some(limit);
        e
    }

    /// Before an attempt: waits for the configured rate and any pause, up to `max_wait`.
    pub async fn acquire(&self) -> Result<(), UpstreamError> {
        let deadline = Instant::now() + self.max_wait;
        loop {
            let now = Instant::now();
            let paused = *self.paused_until.lock().unwrap_or_else(|e| e.into_inner());
            let wait = match paused {
                Some(until) if until > now => until - now,
                _ => match &self.limiter {
                    None => return Ok(()),
                    Some(l) => match l.check() {
                        Ok(()) => return Ok(()),
                        Err(not_until) => not_until.wait_time_from(DefaultClock::default().now()),
                    },
                },
            };
            if now + wait > deadline {
                return Err(self.throttled(wait, self.per_minute));
            }
            tokio::time::sleep(wait).await;
        }
    }

    /// The upstream refused for its rate limit: no call for `retry_after` (else
    /// `pause_on_refusal`). Answers the seconds until calls resume.
    pub fn refused(&self, retry_after: Option<u64>) -> u64 {
        let pause = retry_after.map_or(self.pause_on_refusal, Duration::from_secs);
        let until = Instant::now() + pause;
        let mut p = self.paused_until.lock().unwrap_or_else(|e| e.into_inner());
        let until = match *p {
            Some(old) if old > until => old,
            _ => until,
        };
        *p = Some(until);
        ceil_secs(until.saturating_duration_since(Instant::now()))
    }

    /// Before a call with `token`'s upstream-reported budget (Fangcloud).
    pub async fn spend(&self, token: &str) -> Result<(), UpstreamError> {
        self.acquire().await?;
        let deadline = Instant::now() + self.max_wait;
        loop {
            let notified = self.changed.notified();
            let now = Instant::now();
            let wait = {
                let mut budgets = self.budgets.lock().unwrap_or_else(|e| e.into_inner());
                let b = budgets.entry(token.to_owned()).or_insert(Budget {
                    remaining: None,
                    limit: 0,
                    reset_at: now,
                    probing: None,
                });
                if b.remaining.is_some() && now >= b.reset_at {
                    // A new window: learn it again, one call at a time.
                    b.remaining = None;
                }
                match b.remaining {
                    Some(0) => Some((b.reset_at - now, b.limit)),
                    Some(n) => {
                        b.remaining = Some(n - 1);
                        return Ok(());
                    }
                    None if b
                        .probing
                        .is_none_or(|t| now.duration_since(t) >= PROBE_STALE) =>
                    {
                        b.probing = Some(now);
                        return Ok(());
                    }
                    None => None,
                }
            };
            match wait {
                Some((w, limit)) => {
                    if now + w > deadline {
                        return Err(self.throttled(w, limit));
                    }
                    tokio::time::sleep(w).await;
                }
                None => {
                    // Another call is learning the budget.
                    let left = deadline.saturating_duration_since(now);
                    if left.is_zero() || tokio::time::timeout(left, notified).await.is_err() {
                        return Err(self.throttled(Duration::from_secs(1), 0));
                    }
                }
            }
        }
    }

    /// After a call: what the upstream reported for `token` (None: it said nothing).
    pub fn observe(
        &self,
        token: &str,
        limit: Option<u64>,
        remaining: Option<u64>,
        reset: Option<u64>,
    ) {
        let now = Instant::now();
        {
            let mut budgets = self.budgets.lock().unwrap_or_else(|e| e.into_inner());
            let Some(b) = budgets.get_mut(token) else {
                return;
            };
            b.probing = None;
            if let (Some(remaining), Some(reset)) = (remaining, reset) {
                let remaining = u32::try_from(remaining).unwrap_or(u32::MAX);
                // The reset is whole seconds rounded up: the window ends no later than this.
                let reset_at = now + Duration::from_secs(reset);
                b.remaining = Some(match b.remaining {
                    // Calls sent since this answer was counted are still to be subtracted:
                    // keep the smaller figure within one window.
                    Some(local) if now < b.reset_at => local.min(remaining),
                    _ => remaining,
                });
                // A refusal (nothing left) states the window as the upstream sees it now;
                // otherwise keep the later end, as answers may arrive out of order.
                b.reset_at = if remaining == 0 {
                    reset_at
                } else {
                    reset_at.max(b.reset_at)
                };
                b.limit = limit.and_then(|l| u32::try_from(l).ok()).unwrap_or(b.limit);
            }
        }
        self.changed.notify_waiters();
    }
}
