//! `GET /cgi-bin/gettoken` and the access-token checks of every WeDrive call.
//!
//! README: `gettoken?corpid=ID&corpsecret=SECRET` answers
//! `{"errcode":0,"errmsg":"ok","access_token":"…","expires_in":7200}`; token errors are 40014
//! (invalid), 42001 (expired), 41001 (missing); a token may be invalidated before `expires_in`
//! ends. Common knowledge (WeCom's gettoken page): within its validity a repeated `gettoken`
//! answers the same token, a new one only after it expired; the token may be up to 512 bytes.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::response::Response;
use serde_json::json;

use super::App;
use super::demo::{CORP_ID, CORP_SECRET};
use super::envelope::{ApiError, fields, respond};
use crate::providers::wecom::errcodes;

/// Length of issued tokens (real ones are around 200 characters).
const TOKEN_LEN: usize = 192;

struct Issued {
    expires: Instant,
    window_start: Instant,
    window_calls: u32,
}

/// Issued tokens. Revoked tokens are forgotten (→ 40014); expired ones are kept (→ 42001).
pub struct Tokens {
    ttl: Duration,
    calls_per_minute: Option<u32>,
    issued: HashMap<String, Issued>,
    current: Option<String>,
}

impl Tokens {
    pub fn new(ttl: Duration, calls_per_minute: Option<u32>) -> Self {
        Self {
            ttl,
            calls_per_minute,
            issued: HashMap::new(),
            current: None,
        }
    }

    pub fn revoke_all(&mut self) {
        self.issued.clear();
        self.current = None;
    }

    /// The live token (or a new one) and its remaining lifetime in whole seconds.
    fn fetch(&mut self) -> (String, u64) {
        let now = Instant::now();
        if let Some(token) = &self.current
            && let Some(issued) = self.issued.get(token)
            && issued.expires > now
        {
            return (token.clone(), ceil_secs(issued.expires - now));
        }
        let token = super::state::random_token(TOKEN_LEN);
        self.issued.insert(
            token.clone(),
            Issued {
                expires: now + self.ttl,
                window_start: now,
                window_calls: 0,
            },
        );
        self.current = Some(token.clone());
        (token, ceil_secs(self.ttl))
    }

    /// Checks a call's `access_token` and spends one call of its per-minute budget.
    pub fn authorize(&mut self, token: Option<&str>) -> Result<(), ApiError> {
        let token = token.unwrap_or_default();
        if token.is_empty() {
            return Err(ApiError::new(
                errcodes::MISSING_ACCESS_TOKEN,
                "access_token missing",
            ));
        }
        let Some(issued) = self.issued.get_mut(token) else {
            return Err(ApiError::new(
                errcodes::INVALID_ACCESS_TOKEN,
                "invalid access_token",
            ));
        };
        let now = Instant::now();
        if issued.expires <= now {
            return Err(ApiError::new(
                errcodes::ACCESS_TOKEN_EXPIRED,
                "access_token expired",
            ));
        }
        if let Some(limit) = self.calls_per_minute {
            // A fixed one-minute window per token: WeCom lifts a minute-level block one minute
            // after it started (global error list, 45009).
            if now.duration_since(issued.window_start) >= Duration::from_secs(60) {
                issued.window_start = now;
                issued.window_calls = 0;
            }
            if issued.window_calls >= limit {
                return Err(ApiError::new(
                    errcodes::API_FREQ_OUT_OF_LIMIT,
                    "api freq out of limit",
                ));
            }
            issued.window_calls += 1;
        }
        Ok(())
    }
}

fn ceil_secs(d: Duration) -> u64 {
    let secs = d.as_secs();
    if d.subsec_nanos() > 0 { secs + 1 } else { secs }
}

/// `GET /cgi-bin/gettoken?corpid=…&corpsecret=…`.
pub async fn gettoken(
    State(app): State<Arc<App>>,
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Response {
    let query = query.map(|q| q.0).unwrap_or_default();
    let corpid = query.get("corpid").map(String::as_str).unwrap_or_default();
    let secret = query
        .get("corpsecret")
        .map(String::as_str)
        .unwrap_or_default();
    let result = if corpid.is_empty() {
        Err(ApiError::new(errcodes::MISSING_CORPID, "corpid missing"))
    } else if secret.is_empty() {
        Err(ApiError::new(
            errcodes::MISSING_SECRET,
            "corpsecret missing",
        ))
    } else if corpid != CORP_ID {
        Err(ApiError::new(errcodes::INVALID_CORPID, "invalid corpid"))
    } else if secret != CORP_SECRET {
        Err(ApiError::new(
            errcodes::INVALID_SECRET,
            "invalid credential",
        ))
    } else {
        let (token, expires_in) = app.tokens().fetch();
        // Every successful answer counts as a fetch, also when it repeats the live token: the
        // counter shows how often a client asked.
        app.control.count_token_fetch();
        Ok(fields(
            json!({ "access_token": token, "expires_in": expires_in }),
        ))
    };
    respond(result)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_live_token_is_answered_again_and_a_revoked_one_is_unknown() {
        let mut t = Tokens::new(Duration::from_secs(60), None);
        let (a, ttl) = t.fetch();
        assert_eq!(ttl, 60);
        assert_eq!(t.fetch().0, a);
        assert!(t.authorize(Some(&a)).is_ok());
        t.revoke_all();
        assert_eq!(
            t.authorize(Some(&a)).unwrap_err().code,
            errcodes::INVALID_ACCESS_TOKEN
        );
        assert_ne!(t.fetch().0, a);
    }

    #[test]
    fn the_per_minute_budget_answers_45009_once_spent() {
        let mut t = Tokens::new(Duration::from_secs(60), Some(2));
        let (a, _) = t.fetch();
        assert!(t.authorize(Some(&a)).is_ok());
        assert!(t.authorize(Some(&a)).is_ok());
        assert_eq!(
            t.authorize(Some(&a)).unwrap_err().code,
            errcodes::API_FREQ_OUT_OF_LIMIT
        );
    }

    #[test]
    fn missing_and_expired_tokens_have_their_own_codes() {
        let mut t = Tokens::new(Duration::ZERO, None);
        assert_eq!(
            t.authorize(None).unwrap_err().code,
            errcodes::MISSING_ACCESS_TOKEN
        );
        let (a, _) = t.fetch();
        assert_eq!(
            t.authorize(Some(&a)).unwrap_err().code,
            errcodes::ACCESS_TOKEN_EXPIRED
        );
    }
}
