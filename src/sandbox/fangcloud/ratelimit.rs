//! Per-token request budget and the document's rate-limit headers.
//!
//! Document, 频次限制: every API answer carries `X-Rate-Limit-Limit` (the fixed ceiling),
//! `X-Rate-Limit-Remaining` (calls left) and `X-Rate-Limit-Reset` (seconds until the budget is
//! whole again); past the limit the answer is HTTP 429 with
//! `{"errors":[{"code":"rate_limit","msg":"Rate limit exceeded!"}],"request_id":…}`.
//! The budget is a fixed window per access token (calls without a token share one budget, and
//! the token endpoint has one per client). Pre-signed upload and download URLs are served by
//! the upload/download hosts, not the API, and are not counted.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Json;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::App;
use super::envelope::request_id;

pub const LIMIT: &str = "x-rate-limit-limit";
pub const REMAINING: &str = "x-rate-limit-remaining";
pub const RESET: &str = "x-rate-limit-reset";

pub struct RateLimiter {
    limit: u32,
    window: Duration,
    buckets: Mutex<HashMap<String, (Instant, u32)>>,
}

pub enum Verdict {
    Allowed { remaining: u32, reset: u64 },
    Limited { reset: u64 },
}

impl RateLimiter {
    pub fn new(limit: u32, window: Duration) -> Self {
        Self {
            limit,
            window: window.max(Duration::from_millis(1)),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    pub fn limit(&self) -> u32 {
        self.limit
    }

    /// Spends one call from `key`'s budget.
    pub fn take(&self, key: &str) -> Verdict {
        let now = Instant::now();
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        let bucket = buckets.entry(key.to_owned()).or_insert((now, 0));
        if now.duration_since(bucket.0) >= self.window {
            *bucket = (now, 0);
        }
        let left = self.window.saturating_sub(now.duration_since(bucket.0));
        let reset = left.as_secs() + u64::from(left.subsec_nanos() > 0);
        if bucket.1 >= self.limit {
            return Verdict::Limited { reset };
        }
        bucket.1 += 1;
        Verdict::Allowed {
            remaining: self.limit - bucket.1,
            reset,
        }
    }
}

fn set_headers(headers: &mut HeaderMap, limit: u32, remaining: u32, reset: u64) {
    for (name, value) in [
        (LIMIT, u64::from(limit)),
        (REMAINING, u64::from(remaining)),
        (RESET, reset),
    ] {
        if !headers.contains_key(name)
            && let Ok(v) = HeaderValue::from_str(&value.to_string())
        {
            headers.insert(name, v);
        }
    }
}

/// The document's 429 answer.
pub fn limited_response(limit: u32, reset: u64) -> Response {
    let mut resp = (
        StatusCode::TOO_MANY_REQUESTS,
        Json(json!({
            "errors": [{ "code": "rate_limit", "msg": "Rate limit exceeded!" }],
            "request_id": request_id(),
        })),
    )
        .into_response();
    set_headers(resp.headers_mut(), limit, 0, reset);
    resp
}

/// Which budget a request draws from.
fn budget_key(req: &Request) -> String {
    let auth = req
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let lower = auth.to_ascii_lowercase();
    if let Some(token) = lower.strip_prefix("bearer ") {
        format!("token:{}", token.trim())
    } else if lower.starts_with("basic ") {
        format!("client:{}", auth.trim())
    } else {
        "anonymous".to_owned()
    }
}

/// Middleware: spends one call, answers 429 when the budget is gone, and adds the three
/// headers to every answer (keeping those a fault already set).
pub async fn layer(State(app): State<Arc<App>>, req: Request, next: Next) -> Response {
    let limiter = &app.limiter;
    match limiter.take(&budget_key(&req)) {
        Verdict::Limited { reset } => limited_response(limiter.limit(), reset),
        Verdict::Allowed { remaining, reset } => {
            let mut resp = next.run(req).await;
            set_headers(resp.headers_mut(), limiter.limit(), remaining, reset);
            resp
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_budget_runs_out_and_comes_back_after_the_window() {
        let l = RateLimiter::new(2, Duration::from_millis(50));
        assert!(matches!(l.take("a"), Verdict::Allowed { remaining: 1, .. }));
        assert!(matches!(l.take("a"), Verdict::Allowed { remaining: 0, .. }));
        assert!(matches!(l.take("a"), Verdict::Limited { .. }));
        assert!(matches!(l.take("b"), Verdict::Allowed { remaining: 1, .. }));
        std::thread::sleep(Duration::from_millis(60));
        assert!(matches!(l.take("a"), Verdict::Allowed { remaining: 1, .. }));
    }
}
