//! The OneBot 11 answer envelope, the retcodes this simulator uses, and its [`Flavor`].
//!
//! Every answer is `{"status":"ok"|"failed","retcode":…,"data":…,"message":…,"echo":…}`
//! (upstream-docs/README.md, OneBot section; the response samples in
//! onebot-shamrock-group-files.md).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::sandbox::control::Flavor;

/// Success.
pub const RETCODE_OK: i64 = 0;
/// Bad request: a missing or ill-typed parameter, a body that is not JSON / a form
/// (OneBot 11 standard code, README "retcode 1400 bad request").
pub const RETCODE_BAD_REQUEST: i64 = 1400;
/// No access token (sent with HTTP 401; OneBot 11 standard code).
pub const RETCODE_UNAUTHORIZED: i64 = 1401;
/// Wrong or revoked access token (sent with HTTP 403; OneBot 11 standard code).
pub const RETCODE_FORBIDDEN: i64 = 1403;
/// Unknown action (sent with HTTP 404; OneBot 11 standard code).
pub const RETCODE_UNKNOWN_ACTION: i64 = 1404;
/// Every other failure: unknown group / file / folder / friend, wrong `busid`, duplicate folder
/// name, file-count or space limit reached, and the simulator's rate-limit answer. Shamrock's
/// document is silent on failure codes; go-cqhttp answers every handler failure with retcode
/// 100 and a message (README: "go-cqhttp uses 100"), so this simulator does the same and puts
/// the reason in `message`.
pub const RETCODE_FAILED: i64 = 100;

/// `message` of successful answers: the `create_group_file_folder` sample answers "成功".
const OK_MESSAGE: &str = "成功";

/// A failed action: its retcode and message.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Failure {
    pub retcode: i64,
    pub message: String,
}

impl Failure {
    /// Retcode 1400: missing or ill-typed parameter.
    pub fn bad(message: impl Into<String>) -> Self {
        Self {
            retcode: RETCODE_BAD_REQUEST,
            message: message.into(),
        }
    }

    /// Retcode 100: the action ran and failed.
    pub fn failed(message: impl Into<String>) -> Self {
        Self {
            retcode: RETCODE_FAILED,
            message: message.into(),
        }
    }
}

/// The full envelope with an explicit HTTP status.
pub(crate) fn envelope(
    http: StatusCode,
    retcode: i64,
    data: Value,
    message: &str,
    echo: Value,
) -> Response {
    let status = if retcode == RETCODE_OK {
        "ok"
    } else {
        "failed"
    };
    let body = json!({
        "status": status,
        "retcode": retcode,
        "data": data,
        "message": message,
        "echo": echo,
    });
    (
        http,
        [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
        body.to_string(),
    )
        .into_response()
}

/// HTTP 200 `status: ok`.
pub(crate) fn ok(data: Value, echo: Value) -> Response {
    envelope(StatusCode::OK, RETCODE_OK, data, OK_MESSAGE, echo)
}

/// HTTP 200 `status: failed` (OneBot answers action failures with HTTP 200).
pub(crate) fn failed(failure: &Failure, echo: Value) -> Response {
    envelope(
        StatusCode::OK,
        failure.retcode,
        Value::Null,
        &failure.message,
        echo,
    )
}

/// A transport-level refusal (401, 403, 404, 400, 406, 413) with an envelope body. The echo is
/// `""` as in the documented samples when none was sent, since these refusals happen before
/// (or instead of) reading the parameters.
pub(crate) fn refuse(http: StatusCode, retcode: i64, message: &str) -> Response {
    envelope(
        http,
        retcode,
        Value::Null,
        message,
        Value::String(String::new()),
    )
}

/// How OneBot renders the shared control surface's faults.
pub(crate) struct OneBotFlavor {
    pub revoked: Arc<AtomicBool>,
}

impl Flavor for OneBotFlavor {
    /// A failed envelope with the given retcode (non-numeric codes become [`RETCODE_FAILED`]),
    /// HTTP 200 like every OneBot action failure.
    fn error(&self, code: &str, message: &str) -> Response {
        let retcode = code.trim().parse().unwrap_or(RETCODE_FAILED);
        envelope(
            StatusCode::OK,
            retcode,
            Value::Null,
            message,
            Value::String(String::new()),
        )
    }

    /// The implementation failing: the HTTP status with a failed envelope carrying
    /// go-cqhttp's generic failure retcode.
    fn server_error(&self, status: StatusCode) -> Response {
        envelope(
            status,
            RETCODE_FAILED,
            Value::Null,
            "internal server error",
            Value::String(String::new()),
        )
    }

    /// No OneBot implementation documents a rate-limit answer (QQ's own throttling surfaces
    /// as an ordinary failed action). The simulator answers what a rate-limiting proxy in
    /// front of it would: HTTP 429 with `Retry-After`, and a failed envelope with
    /// [`RETCODE_FAILED`] so a client reading only the body still sees a failure.
    fn rate_limited(&self, retry_after_secs: u64) -> Response {
        let mut response = envelope(
            StatusCode::TOO_MANY_REQUESTS,
            RETCODE_FAILED,
            Value::Null,
            &format!("rate limited: retry after {retry_after_secs} s"),
            Value::String(String::new()),
        );
        if let Ok(value) = retry_after_secs.to_string().parse() {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        response
    }

    /// OneBot's access token is a static shared secret that never expires. Revoking makes the
    /// configured token answer HTTP 403 (as a wrong token) until `POST /__sim/reset`.
    fn revoke_tokens(&self) {
        self.revoked.store(true, Ordering::SeqCst);
    }
}
