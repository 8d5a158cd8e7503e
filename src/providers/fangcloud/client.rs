//! Fangcloud Open API v2 wire types, tokens and raw calls.
//!
//! - Tokens (document, 获取access_token): OAuth `grant_type=jwt_simple` with a base64 claims map
//!   as `assertion` and the client credentials as HTTP Basic; the enterprise token (`scope:
//!   admin`) reaches only `/api/v2/admin/...`, user tokens (`scope: all`) the rest
//!   (upstream-docs/README.md). A token's `refresh_token` (standard OAuth 2 grant) is tried
//!   before a new assertion. Tokens are cached by the token manager per (connection,
//!   `enterprise` | `user:<id>`).
//! - Calls: `{api_url}/api/v2/<function>` with `Authorization: Bearer`; errors are the
//!   `{"errors":[{code,msg,field}],"request_id"}` envelope ([`Client::call`] maps them with
//!   `errors.rs`). HTTP 401 evicts the token and retries once.
//! - Rate limits (频次限制): every answer's `X-Rate-Limit-*` headers are passed on to the caller
//!   as `RateLimit-Limit`/`-Remaining`/`-Reset`; a 429 is never retried for a call that changes
//!   something, and a read waits and retries once only when the budget is back within
//!   [`READ_RETRY_MAX_WAIT`].

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use axum::http::{HeaderName, HeaderValue};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use reqwest::{Method, StatusCode};
use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};
use serde_json::{Value, json};

use super::errors::{PROVIDER, from_code};
use crate::error::{ApiError, UpstreamError, UpstreamKind};
use crate::providers::http::UpstreamHttp;
use crate::providers::{Ctx, ResponseHeaders};
use crate::spool::Spooled;
use crate::store::TokenKey;
use crate::tokens::{Fetched, Token, TokenManager, TokenSource};

/// A read refused with 429 is retried once after the upstream's `X-Rate-Limit-Reset` when that
/// is at most this long; a longer wait, or any call that changes something, goes back to the
/// caller as 429 with `Retry-After`.
pub const READ_RETRY_MAX_WAIT: Duration = Duration::from_secs(2);

/// Document, jwt_simple: `exp` may exceed `iat` by at most 60 seconds.
const ASSERTION_LIFETIME_SECS: i64 = 60;

// ---------------------------------------------------------------- wire types

/// Ids are int64; the document's own examples send some as strings.
fn num<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    match Value::deserialize(d)? {
        Value::Number(n) => n
            .as_i64()
            .ok_or_else(|| serde::de::Error::custom("id out of range")),
        Value::String(s) => s.trim().parse().map_err(serde::de::Error::custom),
        _ => Err(serde::de::Error::custom("expected a number")),
    }
}

fn opt_num<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    match Value::deserialize(d)? {
        Value::Null => Ok(None),
        Value::Number(n) => Ok(n.as_i64()),
        Value::String(s) if s.trim().is_empty() => Ok(None),
        Value::String(s) => s.trim().parse().map(Some).map_err(serde::de::Error::custom),
        _ => Err(serde::de::Error::custom("expected a number")),
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct MiniUser {
    #[serde(deserialize_with = "num")]
    pub id: i64,
    #[serde(default)]
    pub name: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct PathEntry {
    #[serde(deserialize_with = "num")]
    pub id: i64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct SpaceTag {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default, deserialize_with = "opt_num")]
    pub id: Option<i64>,
}

/// A file or folder (document: `info_v2`, `info`, listings, trash info).
#[derive(Debug, Clone, Deserialize)]
pub struct WireItem {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(deserialize_with = "num")]
    pub id: i64,
    pub name: String,
    #[serde(default, deserialize_with = "opt_num")]
    pub size: Option<i64>,
    #[serde(default, deserialize_with = "opt_num")]
    pub created_at: Option<i64>,
    #[serde(default, deserialize_with = "opt_num")]
    pub modified_at: Option<i64>,
    #[serde(default)]
    pub sha1: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub path: Vec<PathEntry>,
    #[serde(default)]
    pub parent: Option<PathEntry>,
    #[serde(default)]
    pub owned_by: Option<MiniUser>,
    #[serde(default)]
    pub modified_by: Option<MiniUser>,
    #[serde(default)]
    pub space: Option<SpaceTag>,
    #[serde(default, deserialize_with = "opt_num")]
    pub item_count: Option<i64>,
    #[serde(default, deserialize_with = "opt_num")]
    pub deleted_at: Option<i64>,
}

impl WireItem {
    pub fn is_folder(&self) -> bool {
        self.kind == "folder"
    }
}

/// `{files, folders, total_count, page_id, page_capacity, page_count}`.
#[derive(Debug, Deserialize)]
pub struct Listing {
    #[serde(default)]
    pub files: Vec<WireItem>,
    #[serde(default)]
    pub folders: Vec<WireItem>,
    #[serde(flatten)]
    pub paging: Paging,
}

#[derive(Debug, Deserialize, Default)]
pub struct Paging {
    #[serde(default, deserialize_with = "opt_num")]
    pub page_id: Option<i64>,
    #[serde(default, deserialize_with = "opt_num")]
    pub page_count: Option<i64>,
}

impl Paging {
    /// The next page's id, if the answer says there is one.
    pub fn next(&self, asked: i64) -> Option<i64> {
        let this = self.page_id.unwrap_or(asked);
        let count = self.page_count?;
        (this + 1 < count).then_some(this + 1)
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct WireVersion {
    #[serde(deserialize_with = "num")]
    pub id: i64,
    #[serde(default)]
    pub name: String,
    #[serde(default, deserialize_with = "opt_num")]
    pub size: Option<i64>,
    #[serde(default)]
    pub sha1: Option<String>,
    #[serde(default, deserialize_with = "opt_num")]
    pub modified_at: Option<i64>,
    #[serde(default)]
    pub modified_by: Option<MiniUser>,
    #[serde(default)]
    pub current: bool,
    #[serde(default)]
    pub remark: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct VersionsAnswer {
    #[serde(default)]
    pub file_versions: Vec<WireVersion>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct WireComment {
    #[serde(deserialize_with = "num")]
    pub id: i64,
    #[serde(default)]
    pub content: String,
    #[serde(default, deserialize_with = "opt_num")]
    pub created_at: Option<i64>,
    #[serde(default)]
    pub user: Option<MiniUser>,
}

#[derive(Debug, Deserialize)]
pub struct CommentsAnswer {
    #[serde(default)]
    pub comments: Vec<WireComment>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Accessible {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(deserialize_with = "num")]
    pub id: i64,
    #[serde(default)]
    pub name: Option<String>,
}

/// One entry of `folder/{id}/collabs` (the owner's entry has no `id`).
#[derive(Debug, Clone, Deserialize)]
pub struct WireCollab {
    #[serde(default, deserialize_with = "opt_num")]
    pub id: Option<i64>,
    pub accessible_by: Accessible,
    pub role: String,
}

#[derive(Debug, Deserialize)]
pub struct CollabsAnswer {
    #[serde(default)]
    pub collabs: Vec<WireCollab>,
}

#[derive(Debug, Deserialize)]
pub struct PresignAnswer {
    pub presign_url: String,
}

#[derive(Debug, Deserialize)]
pub struct DownloadAnswer {
    pub download_url: String,
}

/// `user/info` (the token's user). `space_total`/`space_used` are in bytes; -1 is unlimited.
#[derive(Debug, Deserialize)]
pub struct UserInfo {
    #[serde(default)]
    pub name: String,
    #[serde(default, deserialize_with = "opt_num")]
    pub space_total: Option<i64>,
    #[serde(default, deserialize_with = "opt_num")]
    pub space_used: Option<i64>,
}

/// `department/{id}/info`, `admin/department/{id}/info`, `admin/user/{id}/info` (the fields
/// the gateway reads).
#[derive(Debug, Deserialize)]
pub struct Holder {
    #[serde(default)]
    pub name: String,
    #[serde(default, deserialize_with = "opt_num")]
    pub user_count: Option<i64>,
    #[serde(default, deserialize_with = "opt_num")]
    pub space_total: Option<i64>,
    #[serde(default, deserialize_with = "opt_num")]
    pub space_used: Option<i64>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct DepartmentBrief {
    #[serde(deserialize_with = "num")]
    pub id: i64,
    #[serde(default)]
    pub name: String,
    #[serde(default, deserialize_with = "opt_num")]
    pub user_count: Option<i64>,
    #[serde(default, deserialize_with = "opt_num")]
    pub parent_id: Option<i64>,
    /// The document's field; the Java SDK's department model has
    /// `children_departments_count` instead (upstream-docs/README.md: "Read either").
    #[serde(default)]
    pub has_children_departments: bool,
    #[serde(default, deserialize_with = "opt_num")]
    pub children_departments_count: Option<i64>,
}

impl DepartmentBrief {
    /// Whether the department has sub-departments, by either field.
    pub fn has_children(&self) -> bool {
        self.has_children_departments || self.children_departments_count.is_some_and(|c| c > 0)
    }
}

#[derive(Debug, Deserialize)]
pub struct DepartmentChildren {
    #[serde(default)]
    pub children: Vec<DepartmentBrief>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ListedUser {
    #[serde(deserialize_with = "num")]
    pub id: i64,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub login: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct UsersPage {
    #[serde(default)]
    pub users: Vec<ListedUser>,
    #[serde(flatten)]
    pub paging: Paging,
}

#[derive(Debug, Clone, Deserialize)]
pub struct WireGroup {
    #[serde(deserialize_with = "num")]
    pub id: i64,
    #[serde(default)]
    pub name: String,
    #[serde(default, deserialize_with = "opt_num")]
    pub user_count: Option<i64>,
}

#[derive(Debug, Deserialize)]
pub struct GroupsPage {
    #[serde(default)]
    pub groups: Vec<WireGroup>,
    #[serde(flatten)]
    pub paging: Paging,
}

#[derive(Debug, Deserialize)]
pub struct ShareLinkAnswer {
    pub share_link: String,
    #[serde(default)]
    pub due_time: Option<String>,
}

// ---------------------------------------------------------------- tokens

/// Whose token a call needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Who {
    Enterprise,
    User(String),
}

impl Who {
    fn subject(&self) -> String {
        match self {
            Self::Enterprise => "enterprise".into(),
            Self::User(u) => format!("user:{u}"),
        }
    }
}

/// `POST {oauth_url}/oauth/token`: `refresh_token` first when the previous token has one,
/// then `jwt_simple`.
struct JwtSimple {
    http: UpstreamHttp,
    oauth_url: String,
    connection: String,
    client_id: String,
    client_secret: SecretString,
    enterprise_id: String,
    default_user: String,
}

#[derive(Deserialize)]
struct TokenAnswer {
    #[serde(default)]
    access_token: String,
    #[serde(default)]
    refresh_token: Option<String>,
    #[serde(default)]
    expires_in: u64,
}

#[derive(Deserialize, Default)]
struct OAuthError {
    #[serde(default)]
    error: String,
    #[serde(default)]
    error_description: String,
}

/// The `jwt_simple` assertion (document, 第三步): base64 of the claims map, every value a
/// string as in the document's example, `exp` = `iat` + 60 s, a `jti` never used before.
pub fn assertion(sub_type: &str, sub: &str, now: i64) -> String {
    let claims = json!({
        "yifangyun_sub_type": sub_type,
        "sub": sub,
        "exp": (now + ASSERTION_LIFETIME_SECS).to_string(),
        "iat": now.to_string(),
        "jti": format!("{}{}", now, uuid::Uuid::new_v4()),
    });
    B64.encode(claims.to_string())
}

impl JwtSimple {
    fn basic(&self) -> String {
        let pair = format!("{}:{}", self.client_id, self.client_secret.expose_secret());
        format!("Basic {}", B64.encode(pair))
    }

    async fn grant(
        &self,
        grant: &'static str,
        req: reqwest::RequestBuilder,
        subject: &str,
    ) -> Result<Fetched, ApiError> {
        let req = req
            .header(reqwest::header::AUTHORIZATION, self.basic())
            .timeout(self.http.timeout);
        let res = self.http.send(PROVIDER, "oauth/token", req).await?;
        let status = res.status();
        let bytes = res
            .bytes()
            .await
            .map_err(|e| UpstreamError::transport(PROVIDER, &e))?;
        if status.is_success() {
            let a: TokenAnswer = serde_json::from_slice(&bytes).map_err(|_| {
                UpstreamError::malformed(PROVIDER, "oauth/token answer is not the documented JSON")
            })?;
            if a.access_token.is_empty() || a.expires_in == 0 {
                return Err(UpstreamError::malformed(PROVIDER, "oauth/token gave no token").into());
            }
            metrics::counter!("filegate_fangcloud_token_grants_total", "connection" => self.connection.clone(), "grant" => grant).increment(1);
            return Ok(Fetched {
                access_token: a.access_token,
                refresh_token: a.refresh_token.filter(|r| !r.is_empty()),
                expires_in: Duration::from_secs(a.expires_in),
            });
        }
        let e: OAuthError = serde_json::from_slice(&bytes).unwrap_or_default();
        let message: String = e.error_description.chars().take(200).collect();
        Err(match status.as_u16() {
            // Standard OAuth 2 answers (RFC 6749 §5.2): bad client credentials.
            401 => UpstreamError::new(
                PROVIDER,
                UpstreamKind::CredentialsRejected,
                "upstream_credentials_rejected",
                if e.error.is_empty() {
                    "401".into()
                } else {
                    e.error
                },
                message,
            )
            .into(),
            400 if e.error == "invalid_grant" => {
                let acting = subject
                    .strip_prefix("user:")
                    .filter(|u| *u != self.default_user);
                match acting {
                    // The user named in X-Filegate-As-User is not an active user of the
                    // enterprise: the caller's mistake.
                    Some(u) => ApiError::BadRequest {
                        code: "act_as_user_not_found",
                        detail: format!("Fangcloud has no active user {u} in this enterprise"),
                        field: Some("x-filegate-as-user".into()),
                    },
                    None => UpstreamError::new(
                        PROVIDER,
                        UpstreamKind::CredentialsRejected,
                        "upstream_credentials_rejected",
                        e.error,
                        message,
                    )
                    .into(),
                }
            }
            400 => UpstreamError::new(
                PROVIDER,
                UpstreamKind::Malformed,
                "upstream_rejected_request",
                if e.error.is_empty() {
                    "400".into()
                } else {
                    e.error
                },
                message,
            )
            .into(),
            _ => UpstreamError::http_status(PROVIDER, status).into(),
        })
    }
}

#[async_trait]
impl TokenSource for JwtSimple {
    async fn fetch(&self, subject: &str, previous: Option<&Token>) -> Result<Fetched, ApiError> {
        let url = format!("{}/oauth/token", self.oauth_url);
        if let Some(refresh) = previous.and_then(|p| p.refresh_token.as_deref()) {
            // Standard OAuth 2 refresh (upstream-docs/README.md), as a form body so the
            // refresh token stays out of URLs.
            let req = self
                .http
                .client
                .post(&url)
                .form(&[("grant_type", "refresh_token"), ("refresh_token", refresh)]);
            match self.grant("refresh_token", req, subject).await {
                Ok(f) => return Ok(f),
                Err(e) => tracing::info!(
                    connection = %self.connection,
                    subject,
                    code = e.code(),
                    "refresh token refused; signing a new assertion"
                ),
            }
        }
        let (sub_type, sub) = match subject.strip_prefix("user:") {
            Some(u) => ("user", u),
            None => ("enterprise", self.enterprise_id.as_str()),
        };
        let assertion = assertion(sub_type, sub, chrono::Utc::now().timestamp());
        // Document: both parameters in the URL (the request example), Basic client auth.
        let req = self.http.client.post(&url).query(&[
            ("grant_type", "jwt_simple"),
            ("assertion", assertion.as_str()),
        ]);
        self.grant("jwt_simple", req, subject).await
    }
}

// ---------------------------------------------------------------- calls

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
        decode(op, v)
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
        decode(op, v)
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
    ) -> Result<Value, ApiError> {
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
            let status = res.status();
            let reset = header_u64(&res, "x-rate-limit-reset");
            let bytes = res
                .bytes()
                .await
                .map_err(|e| UpstreamError::transport(PROVIDER, &e))?;
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
            let value: Value = serde_json::from_slice(&bytes).map_err(|_| {
                UpstreamError::malformed(PROVIDER, format!("{op} answer is not JSON"))
            })?;
            if let Some(first) = value
                .get("errors")
                .and_then(Value::as_array)
                .and_then(|a| a.first())
            {
                // An error envelope under HTTP 200.
                UpstreamHttp::record_refusal(PROVIDER, op);
                let e: EnvelopeError = serde_json::from_value(first.clone()).unwrap_or_default();
                return Err(from_code(&e.code, &e.msg, e.field.as_deref(), reset).into());
            }
            return Ok(value);
        }
    }

    /// Sends a spooled file to a pre-signed upload URL as `multipart/form-data` field `file`
    /// (upstream-docs/README.md), streamed from disk. The answer is the file.
    pub async fn upload_to(
        &self,
        presign_url: &str,
        name: &str,
        content: &Spooled,
    ) -> Result<WireItem, ApiError> {
        let url = upstream_url(presign_url, "presign_url")?;
        let stream = content.stream().await.map_err(ApiError::internal)?;
        let part = reqwest::multipart::Part::stream_with_length(
            reqwest::Body::wrap_stream(stream),
            content.size,
        )
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
        let res = self.http.send(PROVIDER, "upload", req).await?;
        let status = res.status();
        let bytes = res
            .bytes()
            .await
            .map_err(|e| UpstreamError::transport(PROVIDER, &e))?;
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

/// A URL from an upstream answer: only http(s) is ever fetched.
pub fn upstream_url(raw: &str, what: &str) -> Result<reqwest::Url, ApiError> {
    let url = reqwest::Url::parse(raw)
        .map_err(|_| UpstreamError::malformed(PROVIDER, format!("{what} is not a URL")))?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(UpstreamError::malformed(PROVIDER, format!("{what} is not http(s)")).into());
    }
    Ok(url)
}

fn decode<T: DeserializeOwned>(op: &str, v: Value) -> Result<T, ApiError> {
    serde_json::from_value(v).map_err(|_| {
        UpstreamError::malformed(PROVIDER, format!("{op} answer lacks documented fields")).into()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_assertion_is_base64_of_the_documented_claims() {
        let a = assertion("user", "881525", 1_725_590_079);
        let claims: Value = serde_json::from_slice(&B64.decode(a).unwrap()).unwrap();
        assert_eq!(claims["yifangyun_sub_type"], "user");
        assert_eq!(claims["sub"], "881525");
        assert_eq!(claims["iat"], "1725590079");
        assert_eq!(claims["exp"], "1725590139");
        let jti = claims["jti"].as_str().unwrap();
        assert!(jti.starts_with("1725590079") && jti.len() > 20);
        let b = assertion("user", "881525", 1_725_590_079);
        assert_ne!(a_jti(&b), jti, "every assertion has its own jti");
    }

    fn a_jti(a: &str) -> String {
        let claims: Value = serde_json::from_slice(&B64.decode(a).unwrap()).unwrap();
        claims["jti"].as_str().unwrap().to_owned()
    }

    #[test]
    fn paging_knows_when_there_is_a_next_page() {
        let p = Paging {
            page_id: Some(0),
            page_count: Some(2),
        };
        assert_eq!(p.next(0), Some(1));
        let p = Paging {
            page_id: Some(1),
            page_count: Some(2),
        };
        assert_eq!(p.next(1), None);
        assert_eq!(Paging::default().next(0), None);
    }

    #[test]
    fn only_http_urls_from_the_upstream_are_fetched() {
        assert!(upstream_url("http://127.0.0.1:1/upload/a/b", "x").is_ok());
        assert!(upstream_url("file:///etc/passwd", "x").is_err());
        assert!(upstream_url("not a url", "x").is_err());
    }
}
