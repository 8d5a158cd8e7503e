//! Fangcloud Open API v2 raw calls (the wire types are in `wire.rs`, tokens in `tokens.rs`).
//!
//! - Calls: `{api_url}/api/v2/<function>` with `Authorization: Bearer` (the enterprise token
//!   for `admin/…`, the acting user's otherwise); errors are the
//!   `{"errors":[{code,msg,field}],"request_id"}` envelope ([`Client::call`] maps them with
//!   `errors.rs`). HTTP 401 evicts the token and retries once.
//! - Rate limits (频次限制): every answer's `X-Rate-Limit-*` headers are passed on to the caller
//!   as `RateLimit-Limit`/`-Remaining`/`-Reset`; a 429 is never retried for a call that changes
//!   something, and a read waits and retries once only when the budget is back within
//!   [`READ_RETRY_MAX_WAIT`].

use std::sync::Arc;
use std::time::Duration;

use axum::http::{HeaderName, HeaderValue};
use reqwest::{Method, StatusCode};
use secrecy::SecretString;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::errors::{PROVIDER, from_code};
use super::tokens::JwtSimple;
pub use super::tokens::Who;
/// The calls answer in the wire types.
pub use super::wire::*;
use crate::error::{ApiError, UpstreamError, UpstreamKind};
use crate::providers::http::UpstreamHttp;
use crate::providers::{Ctx, ResponseHeaders, envelope};
use crate::spool::Spooled;
use crate::store::TokenKey;
use crate::tokens::{TokenManager, TokenSource};

/// A read refused with 429 is retried once after the upstream's `X-Rate-Limit-Reset` when that
/// is at most this long; a longer wait, or any call that changes something, goes back to the
/// caller as 429 with `Retry-After`.
pub const READ_RETRY_MAX_WAIT: Duration = Duration::from_secs(2);

/// Raw Fangcloud client for one connection.
pub struct Client {
    http: UpstreamHttp,
    api: String,
    connection: String,
    tokens: Arc<TokenManager>,
    source: Arc<dyn TokenSource>,
    default_user: String,
    transfer_timeout: Duration,
}

pub struct ClientConfig<'a> {
    pub connection: &'a str,
    pub oauth_url: &'a str,
    pub api_url: &'a str,
    pub client_id: &'a str,
    pub client_secret: SecretString,
    pub enterprise_id: &'a str,
    pub default_user: &'a str,
}

/// An API error envelope.
#[derive(Deserialize, Default)]
struct Envelope {
    #[serde(default)]
    errors: Vec<EnvelopeError>,
}

#[derive(Deserialize, Default)]
struct EnvelopeError {
    #[serde(default)]
    code: String,
    #[serde(default)]
    msg: String,
    #[serde(default)]
    field: Option<String>,
}

fn header_u64(res: &reqwest::Response, name: &str) -> Option<u64> {
    res.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse().ok())
}

/// Passes the upstream's budget (document, 频次限制: `X-Rate-Limit-Limit`, `-Remaining`,
/// `-Reset` seconds) on as `RateLimit-Limit`, `RateLimit-Remaining`, `RateLimit-Reset`. When a
/// request makes several calls (user and enterprise tokens have separate budgets), the
/// tightest budget seen is kept.
fn record_budget(sink: &ResponseHeaders, res: &reqwest::Response) {
    let (Some(limit), Some(remaining)) = (
        header_u64(res, "x-rate-limit-limit"),
        header_u64(res, "x-rate-limit-remaining"),
    ) else {
        return;
    };
    let reset = header_u64(res, "x-rate-limit-reset");
    let current = sink
        .snapshot()
        .get("ratelimit-remaining")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if current.is_some_and(|c| c <= remaining) {
        return;
    }
    let set =
        |name: &'static str, v: u64| sink.set(HeaderName::from_static(name), HeaderValue::from(v));
    set("ratelimit-limit", limit);
    set("ratelimit-remaining", remaining);
    if let Some(r) = reset {
        set("ratelimit-reset", r);
    }
}

/// The mapped error of a refused call.
fn refusal(status: StatusCode, bytes: &[u8], reset: Option<u64>) -> UpstreamError {
    let env: Envelope = serde_json::from_slice(bytes).unwrap_or_default();
    match env.errors.into_iter().next() {
        Some(e) if !e.code.is_empty() => from_code(&e.code, &e.msg, e.field.as_deref(), reset),
        _ if status == StatusCode::TOO_MANY_REQUESTS => from_code("rate_limit", "", None, reset),
        _ if status == StatusCode::UNAUTHORIZED => from_code("invalid_token", "", None, None),
        _ => UpstreamError::http_status(PROVIDER, status),
    }
}

impl Client {
    pub fn new(
        c: ClientConfig<'_>,
        http: UpstreamHttp,
        tokens: Arc<TokenManager>,
        transfer_timeout: Duration,
    ) -> Self {
        let source = Arc::new(JwtSimple {
            http: http.clone(),
            oauth_url: c.oauth_url.trim_end_matches('/').to_owned(),
            connection: c.connection.to_owned(),
            client_id: c.client_id.to_owned(),
            client_secret: c.client_secret,
            enterprise_id: c.enterprise_id.to_owned(),
            default_user: c.default_user.to_owned(),
        });
        Self {
            http,
            api: c.api_url.trim_end_matches('/').to_owned(),
            connection: c.connection.to_owned(),
            tokens,
            source,
            default_user: c.default_user.to_owned(),
            transfer_timeout,
        }
    }

    pub fn key(&self, who: &Who) -> TokenKey {
        TokenKey::new(&self.connection, &who.subject())
    }

    pub fn tokens(&self) -> &Arc<TokenManager> {
        &self.tokens
    }

    pub fn default_user(&self) -> &str {
        &self.default_user
    }

    /// The user a call acts as: the caller's `X-Filegate-As-User`, else the connection's
    /// default user.
    pub fn user_of(&self, ctx: &Ctx) -> String {
        ctx.act_as
            .clone()
            .unwrap_or_else(|| self.default_user.clone())
    }

    pub async fn get<T: DeserializeOwned>(
        &self,
        ctx: &Ctx,
        op: &'static str,
        path: &str,
        query: &[(&str, String)],
    ) -> Result<T, ApiError> {
        let v = self.call(ctx, op, Method::GET, path, query, None).await?;
        decode(op, &v)
    }

    pub async fn post<T: DeserializeOwned>(
        &self,
        ctx: &Ctx,
        op: &'static str,
        path: &str,
        body: &Value,
    ) -> Result<T, ApiError> {
        let v = self
            .call(ctx, op, Method::POST, path, &[], Some(body))
            .await?;
        decode(op, &v)
    }

    /// POSTs `{}` for a call whose answer the gateway does not read (deletes, revokes): only
    /// an error envelope in it counts.
    pub async fn post_empty(
        &self,
        ctx: &Ctx,
        op: &'static str,
        path: &str,
    ) -> Result<(), ApiError> {
        let empty = Value::Object(Default::default());
        self.call(ctx, op, Method::POST, path, &[], Some(&empty))
            .await
            .map(|_| ())
    }

    /// One API call with its token (enterprise for `admin/…`, the acting user's otherwise),
    /// one retry on a rejected token, and one for a read refused by a short rate limit.
    async fn call(
        &self,
        ctx: &Ctx,
        op: &'static str,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<&Value>,
    ) -> Result<bytes::Bytes, ApiError> {
        let who = if path.starts_with("admin/") {
            Who::Enterprise
        } else {
            Who::User(self.user_of(ctx))
        };
        let key = self.key(&who);
        let url = format!("{}/api/v2/{path}", self.api);
        let idempotent = method == Method::GET;
        let (mut token_retried, mut waited) = (false, false);
        loop {
            let token = self.tokens.get(&key, &self.source).await?;
            let mut req = self
                .http
                .client
                .request(method.clone(), &url)
                .bearer_auth(&*token.access_token)
                .timeout(self.http.timeout);
            if !query.is_empty() {
                req = req.query(query);
            }
            if let Some(b) = body {
                req = req.json(b);
            }
            // The per-token budget the upstream reports (X-Rate-Limit-*), spent before the call.
            let budget = format!("{}:{}", key.connection, key.subject);
            let governor = self.http.governor();
            governor.spend(&budget).await?;
            let res = match self.http.send(PROVIDER, op, req).await {
                Ok(res) => res,
                Err(e) => {
                    governor.observe(&budget, None, None, None);
                    return Err(e.into());
                }
            };
            governor.observe(
                &budget,
                header_u64(&res, "x-rate-limit-limit"),
                header_u64(&res, "x-rate-limit-remaining"),
                header_u64(&res, "x-rate-limit-reset"),
            );
            record_budget(&ctx.response, &res);
            let reset = header_u64(&res, "x-rate-limit-reset");
            let (status, bytes) = read_answer(res).await?;
            if status == StatusCode::UNAUTHORIZED && !token_retried {
                // Expired early or revoked (the upstream may end a token before expires_in):
                // evict exactly this token and try once more with a fresh one.
                tracing::info!(op, "upstream rejected the access token; refreshing once");
                self.tokens.invalidate(&key, &token).await;
                token_retried = true;
                continue;
            }
            if !status.is_success() {
                UpstreamHttp::record_refusal(PROVIDER, op);
                let e = refusal(status, &bytes, reset);
                if e.kind == UpstreamKind::RateLimited
                    && idempotent
                    && !waited
                    && let Some(wait) = e.retry_after.map(Duration::from_secs)
                    && wait <= READ_RETRY_MAX_WAIT
                {
                    tracing::info!(
                        op,
                        wait_secs = wait.as_secs(),
                        "rate limited; retrying the read once"
                    );
                    tokio::time::sleep(wait).await;
                    waited = true;
                    continue;
                }
                return Err(e.into());
            }
            let [errors] = envelope::members(&bytes, ["errors"]).ok_or_else(|| {
                UpstreamError::malformed(PROVIDER, format!("{op} answer is not JSON"))
            })?;
            if let Some(first) = errors.as_array().and_then(|a| a.first()) {
                // An error envelope under HTTP 200.
                UpstreamHttp::record_refusal(PROVIDER, op);
                let e: EnvelopeError = serde_json::from_value(first.clone()).unwrap_or_default();
                return Err(from_code(&e.code, &e.msg, e.field.as_deref(), reset).into());
            }
            return Ok(bytes);
        }
    }

    /// Sends a spooled file to a pre-signed upload URL, streamed from disk.
    pub async fn upload_to(
        &self,
        presign_url: &str,
        name: &str,
        content: &Spooled,
    ) -> Result<WireItem, ApiError> {
        let stream = content.stream().await.map_err(ApiError::internal)?;
        self.upload_body(
            presign_url,
            name,
            content.size,
            reqwest::Body::wrap_stream(stream),
        )
        .await
    }

    /// Sends `size` bytes to a pre-signed upload URL as `multipart/form-data` field `file`
    /// (upstream-docs/README.md). The answer is the file. A body that fails mid-way aborts the
    /// request, and the upload host stores nothing.
    pub async fn upload_body(
        &self,
        presign_url: &str,
        name: &str,
        size: u64,
        body: reqwest::Body,
    ) -> Result<WireItem, ApiError> {
        let url = upstream_url(presign_url, "presign_url")?;
        let part = reqwest::multipart::Part::stream_with_length(body, size)
            .file_name(name.to_owned())
            .mime_str("application/octet-stream")
            .map_err(ApiError::internal)?;
        let form = reqwest::multipart::Form::new().part("file", part);
        let req = self
            .http
            .client
            .post(url)
            .multipart(form)
            .timeout(self.transfer_timeout);
        let (status, bytes) = read_answer(self.http.send(PROVIDER, "upload", req).await?).await?;
        if !status.is_success() {
            UpstreamHttp::record_refusal(PROVIDER, "upload");
            // The upload host's own shape: {"error": code, "errors": message}.
            #[derive(Deserialize, Default)]
            struct HostError {
                #[serde(default)]
                error: String,
                #[serde(default)]
                errors: Value,
            }
            let e: HostError = serde_json::from_slice(&bytes).unwrap_or_default();
            if e.error.is_empty() {
                return Err(refusal(status, &bytes, None).into());
            }
            let msg = e.errors.as_str().unwrap_or_default();
            return Err(from_code(&e.error, msg, None, None).into());
        }
        serde_json::from_slice(&bytes).map_err(|_| {
            UpstreamError::malformed(PROVIDER, "the upload answer is not the file").into()
        })
    }

    /// GETs a download URL the upstream handed out, passing `Range` on.
    pub async fn fetch_download(
        &self,
        download_url: &str,
        range: Option<String>,
    ) -> Result<reqwest::Response, ApiError> {
        let url = upstream_url(download_url, "download_url")?;
        let mut req = self.http.client.get(url).timeout(self.transfer_timeout);
        if let Some(r) = range {
            req = req.header(reqwest::header::RANGE, r);
        }
        let res = self.http.send(PROVIDER, "download", req).await?;
        if res.status() == StatusCode::RANGE_NOT_SATISFIABLE {
            return Err(ApiError::RangeNotSatisfiable { size: None });
        }
        if !res.status().is_success() {
            return Err(UpstreamError::http_status(PROVIDER, res.status()).into());
        }
        Ok(res)
    }
}

/// An answer's status and whole body (a body cut off mid-way is a transport failure).
pub(super) async fn read_answer(
    res: reqwest::Response,
) -> Result<(StatusCode, bytes::Bytes), UpstreamError> {
    let status = res.status();
    let bytes = res
        .bytes()
        .await
        .map_err(|e| UpstreamError::transport(PROVIDER, &e))?;
    Ok((status, bytes))
}

/// A URL from an upstream answer: only http(s) is ever fetched.
pub fn upstream_url(raw: &str, what: &str) -> Result<reqwest::Url, ApiError> {
    let url = reqwest::Url::parse(raw)
        .map_err(|_| UpstreamError::malformed(PROVIDER, format!("{what} is not a URL")))?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(UpstreamError::malformed(PROVIDER, format!("{what} is not http(s)")).into());
    }
    Ok(url)
}

fn decode<T: DeserializeOwned>(op: &str, bytes: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(bytes).map_err(|_| {
        UpstreamError::malformed(PROVIDER, format!("{op} answer lacks documented fields")).into()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_http_urls_from_the_upstream_are_fetched() {
        assert!(upstream_url("http://127.0.0.1:1/upload/a/b", "x").is_ok());
        assert!(upstream_url("file:///etc/passwd", "x").is_err());
        assert!(upstream_url("not a url", "x").is_err());
    }
}
