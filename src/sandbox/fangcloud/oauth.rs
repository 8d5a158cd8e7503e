//! `POST /oauth/token` (document, 获取access_token: `grant_type=jwt_simple`) and bearer-token
//! checks for the API.
//!
//! The token endpoint is a standard OAuth 2 token endpoint (the answers in the document —
//! `token_type: "bearer"`, `expires_in: 21599` — are Spring Security OAuth2's), so its errors use
//! the standard OAuth 2 shape `{"error":…,"error_description":…}` (RFC 6749 §5.2), not the API's
//! `errors[]` envelope: 401 for bad client credentials, 400 `invalid_request` /
//! `unsupported_grant_type` / `invalid_grant` otherwise. Parameters are read from the query
//! string (as the document sends them) and from a form body (as the SDKs send `refresh_token`).
//! What a refresh does to the tokens before it is not documented anywhere (README: "handle
//! both"), so it is a simulator option, [`RefreshPolicy`]: by default a refresh token stays
//! usable and earlier access tokens live on (the official SDKs keep one token copy per
//! request family and break otherwise); `SingleUse` makes refresh tokens single-use and ends
//! the access token they were issued with (Spring's `DefaultTokenServices` with
//! `reuseRefreshToken=false`).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Json;
use axum::body::Bytes;
use axum::extract::{FromRequestParts, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};
use serde_json::{Value, json};

use super::App;
use super::envelope::ApiError;
use super::state::{later, now};

/// Who a token speaks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject {
    Enterprise(i64),
    User(i64),
}

#[derive(Debug, Clone)]
pub struct AccessToken {
    pub subject: Subject,
    pub expires: Instant,
}

#[derive(Debug, Default)]
pub struct Tokens {
    pub access: HashMap<String, AccessToken>,
    /// refresh token -> (subject, the access token issued with it)
    pub refresh: HashMap<String, (Subject, String)>,
    /// `jti`s already used, with their `exp` (forgotten once expired: such a jwt fails anyway).
    pub jtis: HashMap<String, i64>,
}

impl Tokens {
    /// Forgets every access and refresh token (the upstream revoked them early).
    pub fn revoke_all(&mut self) {
        self.access.clear();
        self.refresh.clear();
    }
}

pub type SharedTokens = Arc<Mutex<Tokens>>;

/// What `grant_type=refresh_token` does to the tokens it replaces.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum RefreshPolicy {
    /// The refresh token can be used again and earlier access tokens stay valid until they
    /// expire.
    #[default]
    Reusable,
    /// The refresh token works once, and using it ends the access token issued with it.
    SingleUse,
}

fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    (
        status,
        Json(json!({ "error": error, "error_description": description })),
    )
        .into_response()
}

fn invalid_request(description: &str) -> Response {
    oauth_error(StatusCode::BAD_REQUEST, "invalid_request", description)
}

fn invalid_grant(description: &str) -> Response {
    oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", description)
}

fn bad_client() -> Response {
    let mut resp = oauth_error(StatusCode::UNAUTHORIZED, "unauthorized", "Bad credentials");
    resp.headers_mut().insert(
        "www-authenticate",
        axum::http::HeaderValue::from_static("Basic realm=\"oauth2/client\""),
    );
    resp
}

/// Decodes base64 with or without padding. Spaces are read as `+`: the document puts the raw
/// base64 assertion in the URL, where form decoding turns `+` into a space.
fn decode_b64(raw: &str) -> Option<Vec<u8>> {
    let cleaned: String = raw
        .trim()
        .chars()
        .map(|c| if c == ' ' { '+' } else { c })
        .collect();
    STANDARD
        .decode(&cleaned)
        .or_else(|_| STANDARD_NO_PAD.decode(cleaned.trim_end_matches('=')))
        .ok()
}

fn client_ok(app: &App, headers: &HeaderMap) -> bool {
    let Some(auth) = headers.get("authorization").and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let Some(encoded) = auth
        .strip_prefix("Basic ")
        .or_else(|| auth.strip_prefix("basic "))
    else {
        return false;
    };
    let Some(decoded) = decode_b64(encoded).and_then(|b| String::from_utf8(b).ok()) else {
        return false;
    };
    match decoded.split_once(':') {
        Some((id, secret)) => id == app.client_id && secret == app.client_secret,
        None => false,
    }
}

fn params(uri: &Uri, headers: &HeaderMap, body: &Bytes) -> HashMap<String, String> {
    let mut out = Query::<HashMap<String, String>>::try_from_uri(uri)
        .map(|q| q.0)
        .unwrap_or_default();
    let form = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|c| c.starts_with("application/x-www-form-urlencoded"));
    if form
        && let Ok(text) = std::str::from_utf8(body)
        && let Ok(uri) = format!("/?{text}").parse::<Uri>()
        && let Ok(q) = Query::<HashMap<String, String>>::try_from_uri(&uri)
    {
        for (k, v) in q.0 {
            out.entry(k).or_insert(v);
        }
    }
    out
}

/// A claim as a string (the document's example writes every claim as a string; its Python
/// example writes `exp`/`iat`/`sub` as numbers).
fn claim_str(claims: &serde_json::Map<String, Value>, k: &str) -> Option<String> {
    match claims.get(k)? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn claim_i64(claims: &serde_json::Map<String, Value>, k: &str) -> Result<Option<i64>, String> {
    match claim_str(claims, k) {
        None if claims.get(k).is_none_or(Value::is_null) => Ok(None),
        None => Err(format!("Invalid {k}")),
        Some(s) => s
            .trim()
            .parse::<i64>()
            .map(Some)
            .map_err(|_| format!("Invalid {k}")),
    }
}

/// Checks a `jwt_simple` assertion (document, 第三步 map fields) and says whom it names.
fn check_assertion(app: &App, assertion: &str) -> Result<Subject, String> {
    let bytes = decode_b64(assertion).ok_or("Invalid assertion: not base64")?;
    let claims = match serde_json::from_slice::<Value>(&bytes) {
        Ok(Value::Object(m)) => m,
        _ => return Err("Invalid assertion: not a JSON map".into()),
    };
    let sub_type = claim_str(&claims, "yifangyun_sub_type").ok_or("Missing yifangyun_sub_type")?;
    let sub = claim_i64(&claims, "sub")?.ok_or("Missing sub")?;
    let exp = claim_i64(&claims, "exp")?.ok_or("Missing exp")?;
    let iat = claim_i64(&claims, "iat")?;
    let jti = claim_str(&claims, "jti")
        .filter(|j| !j.is_empty())
        .ok_or("Missing jti")?;
    let arrival = now();
    // Document: exp may not exceed iat (or the arrival time when iat is absent) by 60 s.
    if exp.saturating_sub(iat.unwrap_or(arrival)) > 60 {
        return Err("exp must be within 60 seconds of iat".into());
    }
    if exp < arrival {
        return Err("Assertion expired".into());
    }
    let subject = match sub_type.as_str() {
        "enterprise" => {
            if sub != app.enterprise_id {
                return Err(format!("Enterprise not found: {sub}"));
            }
            Subject::Enterprise(sub)
        }
        "user" => {
            let store = app.store();
            match store.users.get(&sub) {
                Some(u) if u.enterprise_id == app.enterprise_id && u.active => {}
                _ => return Err(format!("User not found: {sub}")),
            }
            Subject::User(sub)
        }
        _ => return Err("yifangyun_sub_type must be enterprise or user".into()),
    };
    let mut tokens = app.tokens.lock().unwrap_or_else(|e| e.into_inner());
    tokens.jtis.retain(|_, e| *e >= arrival);
    if tokens.jtis.contains_key(&jti) {
        return Err(format!("jti has already been used: {jti}"));
    }
    tokens.jtis.insert(jti, exp);
    Ok(subject)
}

fn issue(app: &App, subject: Subject) -> Response {
    let access = uuid::Uuid::new_v4().to_string();
    let refresh = uuid::Uuid::new_v4().to_string();
    {
        let mut tokens = app.tokens.lock().unwrap_or_else(|e| e.into_inner());
        tokens.access.insert(
            access.clone(),
            AccessToken {
                subject,
                expires: later(app.token_ttl),
            },
        );
        tokens
            .refresh
            .insert(refresh.clone(), (subject, access.clone()));
    }
    app.control.count_token_fetch();
    let scope = match subject {
        Subject::Enterprise(_) => "admin",
        Subject::User(_) => "all",
    };
    // The document's examples answer 21599 for a 6-hour token: whole seconds left, rounded
    // down, once the answer is written.
    let expires_in = app.token_ttl.as_secs().saturating_sub(1).max(1);
    Json(json!({
        "access_token": access,
        "refresh_token": refresh,
        "scope": scope,
        "token_type": "bearer",
        "expires_in": expires_in,
    }))
    .into_response()
}

/// `POST /oauth/token`.
pub async fn token(
    State(app): State<Arc<App>>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if !client_ok(&app, &headers) {
        return bad_client();
    }
    let p = params(&uri, &headers, &body);
    match p.get("grant_type").map(String::as_str) {
        None | Some("") => invalid_request("Missing grant type"),
        Some("jwt_simple") => {
            let Some(assertion) = p.get("assertion").filter(|a| !a.is_empty()) else {
                return invalid_request("Missing assertion");
            };
            match check_assertion(&app, assertion) {
                Ok(subject) => issue(&app, subject),
                Err(why) => invalid_grant(&why),
            }
        }
        Some("refresh_token") => {
            let Some(refresh) = p.get("refresh_token").filter(|r| !r.is_empty()) else {
                return invalid_request("Missing refresh_token");
            };
            let found = {
                let mut tokens = app.tokens.lock().unwrap_or_else(|e| e.into_inner());
                match app.refresh_policy {
                    RefreshPolicy::Reusable => tokens.refresh.get(refresh).cloned(),
                    RefreshPolicy::SingleUse => {
                        let found = tokens.refresh.remove(refresh);
                        if let Some((_, access)) = &found {
                            tokens.access.remove(access);
                        }
                        found
                    }
                }
            };
            match found {
                Some((subject, _)) => issue(&app, subject),
                None => invalid_grant(&format!("Invalid refresh token: {refresh}")),
            }
        }
        Some(other) => oauth_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            &format!("Unsupported grant type: {other}"),
        ),
    }
}

/// Checks the bearer token of an API call. No token: 401 `unauthorized`; unknown, revoked or
/// expired: 401 `invalid_token` (the codes the official SDKs branch on, with Spring's
/// messages). A token of the wrong kind (document: enterprise tokens reach only
/// `/api/v2/admin/...`, user tokens only the rest): 403 `permission_denied`.
fn bearer(app: &App, parts: &Parts) -> Result<Subject, ApiError> {
    let auth = parts
        .headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let token = auth
        .strip_prefix("Bearer ")
        .or_else(|| auth.strip_prefix("bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| ApiError::new("unauthorized"))?;
    let mut tokens = app.tokens.lock().unwrap_or_else(|e| e.into_inner());
    match tokens.access.get(token) {
        None => Err(ApiError::new("invalid_token").with_msg(format!("Invalid token: {token}"))),
        Some(t) if t.expires <= Instant::now() => {
            tokens.access.remove(token);
            Err(ApiError::new("invalid_token").with_msg(format!("Access token expired: {token}")))
        }
        Some(t) => Ok(t.subject),
    }
}

/// A user-level caller (`scope: all`): the user id.
pub struct Me(pub i64);

impl FromRequestParts<Arc<App>> for Me {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &Arc<App>) -> Result<Self, ApiError> {
        match bearer(app, parts)? {
            Subject::User(u) => Ok(Me(u)),
            Subject::Enterprise(_) => Err(ApiError::new("permission_denied")
                .with_msg("企业级token只能访问企业级API(路径中含有admin)")),
        }
    }
}

/// An enterprise-level caller (`scope: admin`).
pub struct Admin;

impl FromRequestParts<Arc<App>> for Admin {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &Arc<App>) -> Result<Self, ApiError> {
        match bearer(app, parts)? {
            Subject::Enterprise(_) => Ok(Admin),
            Subject::User(_) => {
                Err(ApiError::new("permission_denied").with_msg("用户级token不能访问企业级API"))
            }
        }
    }
}

/// The default access-token lifetime: document, "正常情况下access_token有效期为6小时".
pub const DEFAULT_TOKEN_TTL: Duration = Duration::from_secs(6 * 3600);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_reads_padded_unpadded_and_space_mangled_input() {
        let raw = STANDARD.encode(b"{\"a\":\"\xff>>?\"}");
        assert_eq!(decode_b64(&raw).unwrap(), b"{\"a\":\"\xff>>?\"}");
        assert_eq!(
            decode_b64(raw.trim_end_matches('=')).unwrap(),
            b"{\"a\":\"\xff>>?\"}"
        );
        assert_eq!(
            decode_b64(&raw.replace('+', " ")).unwrap(),
            b"{\"a\":\"\xff>>?\"}"
        );
        assert!(decode_b64("not base64!").is_none());
    }
}
