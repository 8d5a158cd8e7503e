//! WeCom's answer envelope: HTTP 200 always, `errcode`/`errmsg` plus the function's fields
//! (README: "HTTP 200 even on failure, with `errcode`/`errmsg`").

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value};

use super::token::Tokens;
use crate::providers::wecom::errcodes;
use crate::sandbox::control::Flavor;

/// A failed WeDrive call: its `errcode` (one of `providers::wecom::errcodes`) and an English
/// reason.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    pub code: i64,
    pub reason: String,
}

impl ApiError {
    pub fn new(code: i64, reason: impl Into<String>) -> Self {
        Self {
            code,
            reason: reason.into(),
        }
    }
}

/// Fields of a successful answer (without `errcode`/`errmsg`).
pub type Fields = Map<String, Value>;
pub type ApiResult = Result<Fields, ApiError>;

/// Builds the success fields from `json!({...})`; anything but an object gives no fields.
pub fn fields(value: Value) -> Fields {
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

static HINT_SEQ: AtomicU64 = AtomicU64::new(1);

/// WeCom's errmsg shape: the reason, a request hint and the error-code lookup link, e.g.
/// `invalid access_token, hint: [1700000000_3_5f2c…], more info at
/// https://open.work.weixin.qq.com/devtool/query?e=40014` (common knowledge; callers must not
/// parse it).
fn errmsg(code: i64, reason: &str) -> String {
    let seq = HINT_SEQ.fetch_add(1, Ordering::Relaxed);
    let now = super::state::unix_now();
    format!(
        "{reason}, hint: [{now}_{seq}_{:016x}], more info at https://open.work.weixin.qq.com/devtool/query?e={code}",
        rand::random::<u64>()
    )
}

/// The envelope of an error.
pub fn error_response(code: i64, reason: &str) -> Response {
    let body = serde_json::json!({ "errcode": code, "errmsg": errmsg(code, reason) });
    (StatusCode::OK, Json(body)).into_response()
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        error_response(self.code, &self.reason)
    }
}

/// The envelope of a result: `{"errcode":0,"errmsg":"ok", …fields}` or the error.
pub fn respond(result: ApiResult) -> Response {
    match result {
        Ok(fields) => {
            let mut body = Map::new();
            body.insert("errcode".into(), Value::from(errcodes::OK));
            body.insert("errmsg".into(), Value::from("ok"));
            body.extend(fields);
            (StatusCode::OK, Json(Value::Object(body))).into_response()
        }
        Err(e) => e.into_response(),
    }
}

/// How WeCom renders injected faults (see `control::Flavor`).
pub struct WeComFlavor {
    pub tokens: Arc<Mutex<Tokens>>,
}

impl Flavor for WeComFlavor {
    fn error(&self, code: &str, message: &str) -> Response {
        // WeCom codes are integers; a non-numeric injected code becomes -1 (system busy).
        error_response(
            code.trim().parse().unwrap_or(errcodes::SYSTEM_BUSY),
            message,
        )
    }

    /// README: "Frequency limit: 45009", answered like every WeCom error (HTTP 200, no
    /// Retry-After header).
    fn rate_limited(&self, _retry_after_secs: u64) -> Response {
        error_response(errcodes::API_FREQ_OUT_OF_LIMIT, "api freq out of limit")
    }

    /// WeCom's "system busy" (-1, the code its documents tell callers to retry) behind the
    /// failing HTTP status, as its front ends answer when the backend is down.
    fn server_error(&self, status: StatusCode) -> Response {
        let mut response = error_response(errcodes::SYSTEM_BUSY, "system busy");
        *response.status_mut() = status;
        response
    }

    fn revoke_tokens(&self) {
        self.tokens
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .revoke_all();
    }
}
