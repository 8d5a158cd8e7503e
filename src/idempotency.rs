//! `Idempotency-Key` on creating `POST`s (IETF httpapi draft "The Idempotency-Key HTTP Header
//! Field", and Stripe's practice), as one middleware in front of every route.
//!
//! A `POST` that carries the header is run at most once per key: the key (1-255 printable ASCII
//! characters; a Structured Fields string's quotes are allowed) is scoped to the caller's JWT
//! `sub` and the connection in the path, and kept in the store for 24 hours, so replicas sharing
//! PostgreSQL share it. The first request claims the key with one `INSERT … ON CONFLICT DO
//! NOTHING` (one winner across tasks and replicas) together with a fingerprint of the request
//! (method, path, query and a SHA-256 of the body). Then:
//! - the same key and fingerprint, once the first finished, get its stored status, headers
//!   (`Location`, `Content-Type`…) and body again, marked `Idempotent-Replayed: true`;
//! - while the first is still running, 409 `idempotency_key_in_use` with `Retry-After`;
//! - the same key with another request, 422 `idempotency_key_reused` (field `Idempotency-Key`).
//!
//! Only final answers are kept: a 5xx, a 401/403/408/429 or any answer carrying `Retry-After`
//! (a conflict that may clear, such as `upload_in_progress`) frees the key so the caller's retry
//! runs again; so does a request that never finished (the caller went away). A claim whose
//! request is long gone (a replica died) is taken over after twice the transfer timeout.
//! Without the header, nothing changes. Without a valid token the request goes on to the
//! handler, which answers 401.

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use futures::StreamExt;
use http_body_util::BodyExt;
use sha2::{Digest, Sha256};

use crate::app::AppState;
use crate::error::{ApiError, ApiResult, Problem};
use crate::spool;
use crate::store::{IdempotencyClaim, StoredAnswer};

pub const HEADER: &str = "idempotency-key";
/// How long a key is kept.
pub const TTL_SECS: i64 = 24 * 60 * 60;
/// Answers larger than this are not kept (the key is freed instead).
const MAX_STORED_BODY: usize = 1024 * 1024;
/// Request bodies up to this size are fingerprinted in memory; larger or unsized ones are
/// spooled to disk on the way.
const IN_MEMORY_BODY: u64 = 1024 * 1024;

fn bad_key(detail: &str) -> ApiError {
    ApiError::BadRequest {
        code: "invalid_idempotency_key",
        detail: format!("Idempotency-Key {detail}"),
        field: Some("Idempotency-Key".into()),
    }
}

/// The key as sent: 1-255 printable ASCII characters, optionally as an sf-string in quotes.
fn parse_key(v: &HeaderValue) -> ApiResult<String> {
    let text = v.to_str().map_err(|_| bad_key("must be printable ASCII"))?;
    let text = text.trim();
    let text = text
        .strip_prefix('"')
        .and_then(|t| t.strip_suffix('"'))
        .unwrap_or(text);
    if text.is_empty() {
        return Err(bad_key("must not be empty"));
    }
    if text.len() > 255 {
        return Err(bad_key("must be at most 255 characters"));
    }
    if !text.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        return Err(bad_key("must be printable ASCII"));
    }
    Ok(text.to_owned())
}

/// `/v1/connections/{conn}/…` → `conn`.
fn connection_of(path: &str) -> &str {
    path.strip_prefix("/v1/connections/")
        .and_then(|rest| rest.split('/').next())
        .unwrap_or("")
}

pub async fn layer(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if req.method() != Method::POST || !req.headers().contains_key(HEADER) {
        return next.run(req).await;
    }
    match run(state, req, next).await {
        Ok(res) => res,
        Err(e) => e.into_response(),
    }
}

/// The body as bytes, or (for large bodies) spooled to disk; and its SHA-256.
enum Buffered {
    Memory(Bytes),
    Disk(crate::spool::Spooled),
}

async fn buffer(
    state: &AppState,
    headers: &HeaderMap,
    body: Body,
) -> ApiResult<(Buffered, String)> {
    let len = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if len.is_some_and(|l| l <= IN_MEMORY_BODY) {
        let bytes = body
            .collect()
            .await
            .map_err(|_| {
                ApiError::bad_request("upload_incomplete", "the request body ended early")
            })?
            .to_bytes();
        let digest = hex::encode(Sha256::digest(&bytes));
        return Ok((Buffered::Memory(bytes), digest));
    }
    let limit = state.config().limits.max_upload_bytes;
    let mut sha = Sha256::new();
    let stream = body.into_data_stream().map(|chunk| {
        if let Ok(c) = &chunk {
            sha.update(c);
        }
        chunk
    });
    let spooled = crate::spool::spool(
        state.spool_dir(),
        stream,
        limit,
        // The request's fingerprint is the SHA-256 above; the upload's digests come later.
        crate::spool::Needs::NONE,
    )
    .await?;
    Ok((Buffered::Disk(spooled), hex::encode(sha.finalize())))
}

async fn run(state: AppState, req: Request, next: Next) -> ApiResult<Response> {
    let key = match req.headers().get(HEADER) {
        Some(v) => parse_key(v)?,
        None => return Ok(next.run(req).await),
    };
    let auth = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    let Ok(caller) = state.verifier().verify_header(auth) else {
        return Ok(next.run(req).await);
    };
    let (parts, body) = req.into_parts();
    let scope = format!("{}\n{}", caller.sub, connection_of(parts.uri.path()));
    let (buffered, body_sha) = buffer(&state, &parts.headers, body).await?;
    let fingerprint = {
        let mut h = Sha256::new();
        for part in [
            parts.method.as_str(),
            parts.uri.path(),
            parts.uri.query().unwrap_or(""),
            &body_sha,
        ] {
            h.update(part.as_bytes());
            h.update([0u8]);
        }
        hex::encode(h.finalize())
    };
    let now = chrono::Utc::now().timestamp();
    let limits = &state.config().limits;
    let stale = now
        - 2 * i64::try_from(
            limits
                .transfer_timeout
                .max(limits.request_timeout)
                .as_secs(),
        )
        .unwrap_or(i64::MAX / 4);
    let store = state.store().clone();
    let claim = store
        .claim_idempotency(&scope, &key, &fingerprint, now, now + TTL_SECS, stale)
        .await
        .map_err(ApiError::internal)?;
    match claim {
        IdempotencyClaim::Claimed => {}
        IdempotencyClaim::Other { fingerprint: f, .. } if f != fingerprint => {
            return Err(ApiError::Unprocessable {
                code: "idempotency_key_reused",
                detail: "this Idempotency-Key was used with a different request".into(),
                field: Some("Idempotency-Key".into()),
            });
        }
        IdempotencyClaim::Other { answer: None, .. } => {
            return Err(ApiError::InProgress {
                code: "idempotency_key_in_use",
                detail:
                    "a request with this Idempotency-Key is still running; retry to get its answer"
                        .into(),
            });
        }
        IdempotencyClaim::Other {
            answer: Some(answer),
            ..
        } => return Ok(replay(answer)),
    }
    // From here the key is ours: released unless a final answer is stored.
    let mut claim = Claim {
        state: Some(state.clone()),
        scope,
        key,
    };
    let res = match buffered {
        Buffered::Memory(b) => next.run(Request::from_parts(parts, Body::from(b))).await,
        Buffered::Disk(s) => {
            // The body is read from the spool file (its stream holds the file open), and a
            // handler that spools raw bodies takes the file over instead of writing the bytes
            // to disk a second time (spool::take_already_spooled).
            let body = Body::from_stream(s.stream().await.map_err(ApiError::internal)?);
            spool::with_already_spooled(s, next.run(Request::from_parts(parts, body))).await
        }
    };
    let status = res.status();
    if !is_final(status, res.headers()) {
        claim.release().await;
        return Ok(res);
    }
    let (parts, body) = res.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_STORED_BODY).await else {
        claim.release().await;
        return Err(ApiError::internal(
            "an answer too large to keep for its Idempotency-Key",
        ));
    };
    let answer = StoredAnswer {
        status: status.as_u16(),
        headers: kept_headers(&parts.headers),
        body: bytes.to_vec(),
    };
    let saved = store
        .finish_idempotency(&claim.scope, &claim.key, &answer)
        .await;
    match saved {
        Ok(()) => claim.state = None,
        Err(e) => {
            tracing::warn!(error = %e, "cannot store an idempotent answer");
            claim.release().await;
        }
    }
    Ok(Response::from_parts(parts, Body::from(bytes)))
}

/// An answer the same request would get again: not a server error, not a refusal that may
/// clear (authentication, timeout, rate limit, anything with `Retry-After`).
fn is_final(status: StatusCode, headers: &HeaderMap) -> bool {
    !(status.is_server_error()
        || matches!(status.as_u16(), 401 | 403 | 408 | 425 | 429)
        || headers.contains_key(header::RETRY_AFTER))
}

const NOT_KEPT: [HeaderName; 5] = [
    header::CONTENT_LENGTH,
    header::DATE,
    header::TRANSFER_ENCODING,
    header::CONNECTION,
    header::RETRY_AFTER,
];

fn kept_headers(h: &HeaderMap) -> Vec<(String, String)> {
    h.iter()
        .filter(|(n, _)| {
            !NOT_KEPT.contains(n) && *n != "x-request-id" && !n.as_str().starts_with("ratelimit-")
        })
        .filter_map(|(n, v)| Some((n.as_str().to_owned(), v.to_str().ok()?.to_owned())))
        .collect()
}

fn replay(answer: StoredAnswer) -> Response {
    let status = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::OK);
    let mut res = Response::new(Body::from(answer.body.clone()));
    *res.status_mut() = status;
    for (n, v) in &answer.headers {
        if let (Ok(n), Ok(v)) = (HeaderName::try_from(n.as_str()), HeaderValue::from_str(v)) {
            res.headers_mut().append(n, v);
        }
    }
    res.headers_mut().insert(
        HeaderName::from_static("idempotent-replayed"),
        HeaderValue::from_static("true"),
    );
    // A replayed problem keeps its code (the outer layer re-renders problems with this
    // request's id).
    if (status.is_client_error() || status.is_server_error())
        && let Ok(p) = serde_json::from_slice::<Problem>(&answer.body)
    {
        res.extensions_mut().insert(p);
    }
    res
}

/// A claimed key; freed (deleted while still in flight) unless disarmed, also when the request
/// is dropped halfway.
struct Claim {
    state: Option<AppState>,
    scope: String,
    key: String,
}

impl Claim {
    async fn release(&mut self) {
        if let Some(state) = self.state.take()
            && let Err(e) = state
                .store()
                .release_idempotency(&self.scope, &self.key)
                .await
        {
            tracing::warn!(error = %e, "cannot free an Idempotency-Key");
        }
    }
}

impl Drop for Claim {
    fn drop(&mut self) {
        if let Some(state) = self.state.take() {
            let (scope, key) = (
                std::mem::take(&mut self.scope),
                std::mem::take(&mut self.key),
            );
            tokio::spawn(async move {
                let _ = state.store().release_idempotency(&scope, &key).await;
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_1_to_255_printable_characters() {
        let ok = |s: &str| parse_key(&HeaderValue::from_str(s).unwrap());
        assert_eq!(ok("abc-123").unwrap(), "abc-123");
        assert_eq!(ok("\"8e03978e-40d5\"").unwrap(), "8e03978e-40d5");
        assert!(ok("").is_err());
        assert!(ok("\"\"").is_err());
        assert!(ok(&"k".repeat(255)).is_ok());
        assert_eq!(
            ok(&"k".repeat(256)).unwrap_err().code(),
            "invalid_idempotency_key"
        );
        assert_eq!(connection_of("/v1/connections/wc/spaces/x/files"), "wc");
        assert_eq!(connection_of("/v1/other"), "");
    }
}
