//! One error type for the whole gateway, rendered once as RFC 9457 `application/problem+json`.
//!
//! Handlers, adapters and extractors return [`ApiError`]; [`ApiError::into_response`] turns it
//! into a [`Problem`] body with a stable snake_case `code`. The request id is filled in later by
//! the `problem` middleware in `app.rs`, which also converts error answers produced by tower and
//! axum layers (413, 408, 405…) so that no error leaves the server in another shape.

use std::fmt;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::model::Operation;

pub const PROBLEM_CONTENT_TYPE: &str = "application/problem+json";

/// RFC 9457 problem details, with filegate's extension members.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
#[schema(examples(
    json!({
        "type": "urn:filegate:problem:invalid_name", "title": "Bad Request", "status": 400,
        "detail": "the name must not be empty", "code": "invalid_name",
        "request_id": "6a1f0c2e-3b7d-4d8e-9a51-2c4f8b7e1d90", "field": "name"
    }),
    json!({
        "type": "urn:filegate:problem:unsupported_operation", "title": "Not Implemented", "status": 501,
        "detail": "onebot connections do not support create_space", "code": "unsupported_operation",
        "request_id": "0b8e6f1a-52c3-4f0e-8d2b-7c9a1e4f3b65"
    })
))]
pub struct Problem {
    /// A URI naming the problem type: `urn:filegate:problem:<code>`.
    #[serde(rename = "type")]
    pub type_: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// Stable, machine-readable snake_case error code.
    pub code: String,
    /// The `x-request-id` of the request, for correlating with the gateway's logs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// The request field the problem is about, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// Present when the upstream file system refused the call.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upstream: Option<UpstreamProblem>,
}

/// What the upstream said, reduced to its code and message (never its raw body).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct UpstreamProblem {
    pub provider: String,
    pub code: String,
    pub message: String,
}

impl Problem {
    pub fn new(status: StatusCode, code: &str, detail: impl Into<String>) -> Self {
        Self {
            type_: format!("urn:filegate:problem:{code}"),
            title: status.canonical_reason().unwrap_or("Error").to_owned(),
            status: status.as_u16(),
            detail: detail.into(),
            code: code.to_owned(),
            request_id: None,
            field: None,
            upstream: None,
        }
    }

    /// The problem a bare error status becomes when a layer produced it without a body we own.
    pub fn for_status(status: StatusCode) -> Self {
        let (code, detail) = match status {
            StatusCode::NOT_FOUND => ("route_not_found", "no such route"),
            StatusCode::METHOD_NOT_ALLOWED => {
                ("method_not_allowed", "method not allowed on this route")
            }
            StatusCode::PAYLOAD_TOO_LARGE => (
                "payload_too_large",
                "request body exceeds the configured limit",
            ),
            StatusCode::REQUEST_TIMEOUT => (
                "request_timeout",
                "the request body was not received in time",
            ),
            StatusCode::GATEWAY_TIMEOUT => (
                "gateway_timeout",
                "the request did not complete within the configured timeout",
            ),
            StatusCode::UNSUPPORTED_MEDIA_TYPE => {
                ("unsupported_media_type", "unsupported content type")
            }
            StatusCode::SERVICE_UNAVAILABLE => (
                "overloaded",
                "the gateway is at its concurrency limit; retry later",
            ),
            StatusCode::BAD_REQUEST => ("bad_request", "the request could not be understood"),
            s if s.is_server_error() => ("internal_error", "internal error"),
            _ => ("error", "request failed"),
        };
        Self::new(status, code, detail)
    }

    pub fn into_response_with_status(self, status: StatusCode) -> Response {
        let body = serde_json::to_vec(&self).unwrap_or_default();
        let mut res = (status, body).into_response();
        res.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(PROBLEM_CONTENT_TYPE),
        );
        res
    }
}

/// Classes of upstream refusal; each maps to one HTTP status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpstreamKind {
    BadRequest,
    Forbidden,
    NotFound,
    Conflict,
    PayloadTooLarge,
    RateLimited,
    InsufficientStorage,
    /// The upstream rejected our access token (expired, revoked). The adapter refreshes and
    /// retries once; seen by a caller only when the retry fails too.
    TokenRejected,
    /// The upstream rejected the gateway's own credentials (secret, client id, access token in
    /// config): the operator's problem, not the caller's.
    CredentialsRejected,
    Unavailable,
    /// The connection's circuit breaker is open: the upstream was not called.
    CircuitOpen,
    /// The rate-limit governor kept the call back: the upstream was not called.
    Throttled,
    Malformed,
    Timeout,
}

impl UpstreamKind {
    pub fn status(self) -> StatusCode {
        match self {
            Self::BadRequest => StatusCode::BAD_REQUEST,
            Self::Forbidden => StatusCode::FORBIDDEN,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::Conflict => StatusCode::CONFLICT,
            Self::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::RateLimited => StatusCode::TOO_MANY_REQUESTS,
            Self::InsufficientStorage => StatusCode::INSUFFICIENT_STORAGE,
            Self::TokenRejected
            | Self::CredentialsRejected
            | Self::Unavailable
            | Self::Malformed => StatusCode::BAD_GATEWAY,
            Self::Timeout => StatusCode::GATEWAY_TIMEOUT,
            Self::CircuitOpen => StatusCode::SERVICE_UNAVAILABLE,
            Self::Throttled => StatusCode::TOO_MANY_REQUESTS,
        }
    }
}

/// An upstream said no (or could not be understood). Built by each adapter's `errors.rs`.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{provider} upstream error {upstream_code}: {message}")]
pub struct UpstreamError {
    pub kind: UpstreamKind,
    /// filegate's stable code for this case (`item_not_found`, `name_conflict`…).
    pub code: &'static str,
    pub provider: &'static str,
    /// The upstream's own code (`errcode`, `errors[].code`, `retcode`, or an HTTP status).
    pub upstream_code: String,
    pub message: String,
    pub field: Option<String>,
    /// Seconds, when the upstream said how long to wait.
    pub retry_after: Option<u64>,
    /// [`UpstreamKind::Throttled`]: the calls per minute the governor allows (`RateLimit-Limit`).
    pub rate_limit: Option<u32>,
}

impl UpstreamError {
    pub fn new(
        provider: &'static str,
        kind: UpstreamKind,
        code: &'static str,
        upstream_code: impl fmt::Display,
        message: impl Into<String>,
    ) -> Self {
        Self {
            kind,
            code,
            provider,
            upstream_code: upstream_code.to_string(),
            message: message.into(),
            field: None,
            retry_after: None,
            rate_limit: None,
        }
    }

    pub fn with_retry_after(mut self, secs: Option<u64>) -> Self {
        self.retry_after = secs;
        self
    }

    pub fn with_field(mut self, field: Option<String>) -> Self {
        self.field = field;
        self
    }

    /// The transport failed: connection refused, reset, TLS, or a timeout.
    pub fn transport(provider: &'static str, err: &reqwest::Error) -> Self {
        if err.is_timeout() {
            Self::new(
                provider,
                UpstreamKind::Timeout,
                "upstream_timeout",
                "timeout",
                "the upstream did not answer in time",
            )
        } else {
            // reqwest's Display can include the URL, which for some upstreams carries the access
            // token as a query parameter: keep only the class of failure.
            let what = if err.is_connect() {
                "could not connect to the upstream"
            } else if err.is_body() || err.is_decode() {
                "the upstream's answer was cut short"
            } else {
                "the upstream request failed"
            };
            Self::new(
                provider,
                UpstreamKind::Unavailable,
                "upstream_unavailable",
                "transport",
                what,
            )
        }
    }

    /// The upstream answered something that is not its documented shape.
    pub fn malformed(provider: &'static str, what: impl Into<String>) -> Self {
        Self::new(
            provider,
            UpstreamKind::Malformed,
            "upstream_malformed",
            "malformed",
            what,
        )
    }

    /// A bare HTTP status with no envelope we understand (proxy errors, crashes).
    pub fn http_status(provider: &'static str, status: StatusCode) -> Self {
        let kind = match status.as_u16() {
            429 => UpstreamKind::RateLimited,
            504 => UpstreamKind::Timeout,
            _ => UpstreamKind::Unavailable,
        };
        let code = match kind {
            UpstreamKind::RateLimited => "rate_limited",
            UpstreamKind::Timeout => "upstream_timeout",
            _ => "upstream_unavailable",
        };
        Self::new(
            provider,
            kind,
            code,
            status.as_u16(),
            format!("upstream answered HTTP {}", status.as_u16()),
        )
    }
}

/// Every error the gateway can answer with.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{detail}")]
    BadRequest {
        code: &'static str,
        detail: String,
        field: Option<String>,
    },
    #[error("{0}")]
    InvalidId(String),
    #[error("{detail}")]
    Unauthorized { code: &'static str, detail: String },
    #[error("{detail}")]
    Forbidden { code: &'static str, detail: String },
    #[error("{detail}")]
    NotFound { code: &'static str, detail: String },
    #[error("{detail}")]
    Conflict { code: &'static str, detail: String },
    /// 409 with `Retry-After`: the same operation is running (a `complete` of this upload, a
    /// request with this `Idempotency-Key`); retrying later gives its answer.
    #[error("{detail}")]
    InProgress { code: &'static str, detail: String },
    /// 422: the request is well-formed but cannot be processed as sent (an `Idempotency-Key`
    /// reused with a different request).
    #[error("{detail}")]
    Unprocessable {
        code: &'static str,
        detail: String,
        field: Option<String>,
    },
    /// `limit` is 0 when the layer that refused did not say.
    #[error("{}", too_large(*.limit))]
    PayloadTooLarge { limit: u64 },
    #[error("{0}")]
    UnsupportedMediaType(String),
    #[error("{provider} connections do not support {operation}")]
    Unsupported {
        provider: &'static str,
        operation: Operation,
    },
    /// The connection supports `operation`, but not for this target (a OneBot file cannot be
    /// renamed though its folders can): 501 `unsupported_operation` with a specific detail.
    #[error("{detail}")]
    UnsupportedFor {
        provider: &'static str,
        operation: Operation,
        detail: String,
    },
    /// `If-Match` named another state of the item than the upstream reports now (412).
    #[error("{0}")]
    PreconditionFailed(String),
    /// A `Range` that starts past the end of the file; `size` when known (`Content-Range`).
    #[error("the requested range is not within the file")]
    RangeNotSatisfiable { size: Option<u64> },
    /// Boxed: upstream errors carry several strings and would make every `Result` large.
    #[error(transparent)]
    Upstream(Box<UpstreamError>),
    #[error("{0}")]
    Unavailable(String),
    #[error("internal error")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl ApiError {
    pub fn bad_request(code: &'static str, detail: impl Into<String>) -> Self {
        Self::BadRequest {
            code,
            detail: detail.into(),
            field: None,
        }
    }

    pub fn invalid_field(field: &str, detail: impl Into<String>) -> Self {
        Self::BadRequest {
            code: "invalid_request",
            detail: detail.into(),
            field: Some(field.to_owned()),
        }
    }

    pub fn not_found(code: &'static str, detail: impl Into<String>) -> Self {
        Self::NotFound {
            code,
            detail: detail.into(),
        }
    }

    pub fn internal(err: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        Self::Internal(err.into())
    }

    pub fn status(&self) -> StatusCode {
        match self {
            Self::BadRequest { .. } | Self::InvalidId(_) => StatusCode::BAD_REQUEST,
            Self::Unauthorized { .. } => StatusCode::UNAUTHORIZED,
            Self::Forbidden { .. } => StatusCode::FORBIDDEN,
            Self::NotFound { .. } => StatusCode::NOT_FOUND,
            Self::Conflict { .. } | Self::InProgress { .. } => StatusCode::CONFLICT,
            Self::Unprocessable { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            Self::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::Unsupported { .. } | Self::UnsupportedFor { .. } => StatusCode::NOT_IMPLEMENTED,
            Self::RangeNotSatisfiable { .. } => StatusCode::RANGE_NOT_SATISFIABLE,
            Self::PreconditionFailed(_) => StatusCode::PRECONDITION_FAILED,
            Self::Upstream(u) => u.kind.status(),
            Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            Self::BadRequest { code, .. }
            | Self::Unauthorized { code, .. }
            | Self::Forbidden { code, .. }
            | Self::NotFound { code, .. }
            | Self::Conflict { code, .. }
            | Self::InProgress { code, .. }
            | Self::Unprocessable { code, .. } => code,
            Self::InvalidId(_) => "invalid_id",
            Self::PayloadTooLarge { .. } => "payload_too_large",
            Self::UnsupportedMediaType(_) => "unsupported_media_type",
            Self::Unsupported { .. } | Self::UnsupportedFor { .. } => "unsupported_operation",
            Self::RangeNotSatisfiable { .. } => "range_not_satisfiable",
            Self::PreconditionFailed(_) => "precondition_failed",
            Self::Upstream(u) => u.code,
            Self::Unavailable(_) => "unavailable",
            Self::Internal(_) => "internal_error",
        }
    }

    pub fn to_problem(&self) -> Problem {
        let mut p = Problem::new(self.status(), self.code(), self.to_string());
        match self {
            Self::BadRequest { field, .. } | Self::Unprocessable { field, .. } => {
                p.field = field.clone()
            }
            Self::Upstream(u) => {
                p.detail = upstream_detail(u);
                p.field = u.field.clone();
                // The gateway refused on the upstream's behalf: the upstream said nothing.
                if !matches!(u.kind, UpstreamKind::CircuitOpen | UpstreamKind::Throttled) {
                    p.upstream = Some(UpstreamProblem {
                        provider: u.provider.to_owned(),
                        code: u.upstream_code.clone(),
                        message: u.message.clone(),
                    });
                }
            }
            _ => {}
        }
        p
    }
}

fn too_large(limit: u64) -> String {
    match limit {
        0 => "the request body exceeds the configured limit".into(),
        n => format!("the request body exceeds the limit of {n} bytes"),
    }
}

fn upstream_detail(u: &UpstreamError) -> String {
    match u.kind {
        UpstreamKind::RateLimited => format!(
            "{} is rate limiting this connection; retry later",
            u.provider
        ),
        UpstreamKind::CredentialsRejected | UpstreamKind::TokenRejected => format!(
            "{} rejected the gateway's own credentials for this connection; the operator must fix the connection's configuration",
            u.provider
        ),
        UpstreamKind::Unavailable => format!("{} is unavailable: {}", u.provider, u.message),
        UpstreamKind::Malformed => format!("{} answered in an unexpected shape", u.provider),
        UpstreamKind::Timeout => format!("{} did not answer in time", u.provider),
        UpstreamKind::CircuitOpen | UpstreamKind::Throttled => u.message.clone(),
        _ => format!("{} refused the request: {}", u.provider, u.message),
    }
}

impl From<UpstreamError> for ApiError {
    fn from(e: UpstreamError) -> Self {
        Self::Upstream(Box::new(e))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        match &self {
            Self::Internal(e) => {
                tracing::error!(error = %e, source = ?e.source(), "internal error")
            }
            Self::Upstream(u) => tracing::warn!(
                provider = u.provider,
                upstream_code = %u.upstream_code,
                code = u.code,
                "upstream refused"
            ),
            _ => {}
        }
        let problem = self.to_problem();
        let mut res = problem.clone().into_response_with_status(status);
        if let Some(secs) = self.retry_after()
            && let Ok(v) = HeaderValue::from_str(&secs.to_string())
        {
            res.headers_mut().insert(header::RETRY_AFTER, v);
        }
        if let Self::Upstream(u) = &self
            && u.kind == UpstreamKind::Throttled
        {
            // draft-ietf-httpapi-ratelimit-headers: the policy, nothing left, and when.
            let reset = u.retry_after.unwrap_or(1);
            let h = res.headers_mut();
            for (name, value) in [
                ("ratelimit-limit", u.rate_limit.unwrap_or(0).to_string()),
                ("ratelimit-remaining", "0".to_owned()),
                ("ratelimit-reset", reset.to_string()),
                (
                    "ratelimit-policy",
                    format!("{};w=60", u.rate_limit.unwrap_or(0)),
                ),
            ] {
                if let Ok(v) = HeaderValue::from_str(&value) {
                    h.insert(name, v);
                }
            }
        }
        if let Self::RangeNotSatisfiable { size } = &self {
            let total = size.map_or("*".to_owned(), |s| s.to_string());
            if let Ok(v) = HeaderValue::from_str(&format!("bytes */{total}")) {
                res.headers_mut().insert(header::CONTENT_RANGE, v);
            }
        }
        if status == StatusCode::UNAUTHORIZED {
            res.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"filegate\""),
            );
        }
        res.extensions_mut().insert(problem);
        res
    }
}

impl ApiError {
    fn retry_after(&self) -> Option<u64> {
        match self {
            Self::Upstream(u) => match u.kind {
                UpstreamKind::RateLimited => Some(u.retry_after.unwrap_or(1)),
                UpstreamKind::CircuitOpen | UpstreamKind::Throttled => u.retry_after,
                // The upstream failed (5xx, unreachable, too slow): worth another try soon,
                // and sooner than the breaker's `open_for` if it opens meanwhile.
                UpstreamKind::Unavailable | UpstreamKind::Timeout => {
                    Some(u.retry_after.unwrap_or(1))
                }
                _ => None,
            },
            Self::InProgress { .. } => Some(1),
            _ => None,
        }
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
