//! Fangcloud tokens (document, 获取access_token): OAuth `grant_type=jwt_simple` with a base64
//! claims map as `assertion` and the client credentials as HTTP Basic; the enterprise token
//! (`scope: admin`) reaches only `/api/v2/admin/...`, user tokens (`scope: all`) the rest
//! (upstream-docs/README.md). A token's `refresh_token` (standard OAuth 2 grant) is tried
//! before a new assertion. Tokens are cached by the token manager per (connection,
//! `enterprise` | `user:<id>`).

use std::time::Duration;

use async_trait::async_trait;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde_json::json;

use super::errors::PROVIDER;
use crate::error::{ApiError, UpstreamError, UpstreamKind};
use crate::providers::http::UpstreamHttp;
use crate::tokens::{Fetched, Token, TokenSource};

/// Document, jwt_simple: `exp` may exceed `iat` by at most 60 seconds.
const ASSERTION_LIFETIME_SECS: i64 = 60;

/// Whose token a call needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Who {
    Enterprise,
    User(String),
}

impl Who {
    pub(super) fn subject(&self) -> String {
        match self {
            Self::Enterprise => "enterprise".into(),
            Self::User(u) => format!("user:{u}"),
        }
    }
}

/// `POST {oauth_url}/oauth/token`: `refresh_token` first when the previous token has one,
/// then `jwt_simple`.
pub(super) struct JwtSimple {
    pub(super) http: UpstreamHttp,
    pub(super) oauth_url: String,
    pub(super) connection: String,
    pub(super) client_id: String,
    pub(super) client_secret: SecretString,
    pub(super) enterprise_id: String,
    pub(super) default_user: String,
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
        let (status, bytes) = super::client::read_answer(res).await?;
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
        // The upstream's `error`, else the HTTP status, as the problem's upstream code.
        let upstream_code = if e.error.is_empty() {
            status.as_str().to_owned()
        } else {
            e.error.clone()
        };
        let refused = |kind, code| -> ApiError {
            UpstreamError::new(PROVIDER, kind, code, upstream_code, message).into()
        };
        Err(match status.as_u16() {
            // Standard OAuth 2 answers (RFC 6749 §5.2): bad client credentials.
            401 => refused(
                UpstreamKind::CredentialsRejected,
                "upstream_credentials_rejected",
            ),
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
                    None => refused(
                        UpstreamKind::CredentialsRejected,
                        "upstream_credentials_rejected",
                    ),
                }
            }
            400 => refused(UpstreamKind::Malformed, "upstream_rejected_request"),
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

#[cfg(test)]
mod tests {
    use serde_json::Value;

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
}
