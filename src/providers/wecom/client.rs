//! WeDrive wire types and raw calls.
//!
//! Every call is `POST {base}/cgi-bin/wedrive/<function>?access_token=…` with a JSON body and
//! answers HTTP 200 with an `errcode` envelope even on failure (upstream-docs/README.md, WeCom).
//! [`Client::call`] adds the token, reads the envelope, and on a token error (40014, 42001,
//! 41001) evicts the token and retries exactly once.
//!
//! A wire struct with `#[serde(default)]` on itself is an answer any of whose fields may be
//! missing.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

use super::errcodes as code;
use super::errors::{PROVIDER, from_errcode};
use crate::error::{ApiError, UpstreamError, UpstreamKind};
use crate::providers::envelope;
use crate::providers::http::UpstreamHttp;
use crate::store::TokenKey;
use crate::tokens::{Fetched, Token, TokenManager, TokenSource};

/// WeDrive file as in `file_list`, `file_info`, `file_rename`, `file_move`.
#[derive(Debug, Clone, Deserialize)]
pub struct WireFile {
    pub fileid: String,
    pub file_name: String,
    pub spaceid: String,
    pub fatherid: String,
    #[serde(default)]
    pub file_size: u64,
    #[serde(default)]
    pub ctime: i64,
    #[serde(default)]
    pub mtime: i64,
    /// 1 folder, 2 file, 3 doc, 4 sheet, 5 form, 6 slides.
    pub file_type: u32,
    /// 1 normal, 2 deleted.
    #[serde(default)]
    pub file_status: u32,
    #[serde(default)]
    pub sha: String,
    #[serde(default)]
    pub md5: String,
    #[serde(default)]
    pub url: Option<String>,
}

/// One grant in `auth_info` lists. `departmentid` is a number in most answers but a string in
/// `new_space_info`'s example (wecom-wedrive.txt), so both are accepted.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct AuthInfo {
    #[serde(rename = "type")]
    pub kind: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub userid: Option<String>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "number_or_string"
    )]
    pub departmentid: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth: Option<u32>,
}

fn number_or_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    match Option::<Value>::deserialize(d)? {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n
            .as_u64()
            .map(Some)
            .ok_or_else(|| serde::de::Error::custom("departmentid out of range")),
        Some(Value::String(s)) => s.parse().map(Some).map_err(serde::de::Error::custom),
        Some(_) => Err(serde::de::Error::custom("departmentid must be a number")),
    }
}

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(default)]
pub struct AuthList {
    pub auth_info: Vec<AuthInfo>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct WireSpace {
    pub spaceid: String,
    pub space_name: String,
    #[serde(default)]
    pub auth_list: AuthList,
    #[serde(default)]
    pub secure_setting: Option<serde_json::Map<String, Value>>,
}

#[derive(Debug, Deserialize)]
pub struct SpaceInfoAnswer {
    pub space_info: WireSpace,
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub struct FileListAnswer {
    pub has_more: bool,
    pub next_start: u32,
    pub file_list: FileListItems,
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub struct FileListItems {
    pub item: Vec<WireFile>,
}

#[derive(Debug, Deserialize)]
pub struct FileIdAnswer {
    pub fileid: String,
    #[serde(default)]
    pub url: Option<String>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub struct UploadInitAnswer {
    pub hit_exist: bool,
    pub upload_key: Option<String>,
    pub fileid: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct DownloadAnswer {
    pub download_url: String,
    pub cookie_name: String,
    pub cookie_value: String,
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub struct FilePermission {
    pub share_range: Option<serde_json::Map<String, Value>>,
    pub secure_setting: Option<serde_json::Map<String, Value>>,
    pub inherit_father_auth: Option<InheritAuth>,
    pub file_member_list: Vec<AuthInfo>,
    pub watermark: Option<serde_json::Map<String, Value>>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub struct InheritAuth {
    pub auth_list: Vec<AuthInfo>,
    pub inherit: bool,
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub struct Capacity {
    pub total_capacity_for_all: Option<u64>,
    pub total_capacity_for_vip: Option<u64>,
    pub rest_capacity_for_all: Option<u64>,
    pub rest_capacity_for_vip: Option<u64>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub struct ProInfo {
    pub is_pro: bool,
    pub total_vip_acct_num: Option<u64>,
    pub use_vip_acct_num: Option<u64>,
    pub pro_expire_time: Option<i64>,
}

/// Raw WeDrive client for one connection.
pub struct Client {
    http: UpstreamHttp,
    base: String,
    key: TokenKey,
    tokens: Arc<TokenManager>,
    source: Arc<dyn TokenSource>,
    /// Deadline for calls that carry file bytes (upload parts).
    transfer_timeout: Duration,
}

/// `gettoken` with corpid + secret.
struct GetToken {
    http: UpstreamHttp,
    base: String,
    corp_id: String,
    secret: SecretString,
}

#[derive(Deserialize)]
struct TokenAnswer {
    errcode: i64,
    #[serde(default)]
    errmsg: String,
    #[serde(default)]
    access_token: String,
    #[serde(default)]
    expires_in: u64,
}

#[async_trait]
impl TokenSource for GetToken {
    async fn fetch(&self, _subject: &str, _previous: Option<&Token>) -> Result<Fetched, ApiError> {
        let req = self
            .http
            .client
            .get(format!("{}/cgi-bin/gettoken", self.base))
            .query(&[
                ("corpid", self.corp_id.as_str()),
                ("corpsecret", self.secret.expose_secret()),
            ])
            .timeout(self.http.timeout);
        let res = self.http.send(PROVIDER, "gettoken", req).await?;
        if !res.status().is_success() {
            return Err(UpstreamError::http_status(PROVIDER, res.status()).into());
        }
        let answer: TokenAnswer = res.json().await.map_err(|_| {
            UpstreamError::malformed(PROVIDER, "gettoken answer is not the documented JSON")
        })?;
        if answer.errcode != code::OK {
            return Err(from_errcode(answer.errcode, &answer.errmsg).into());
        }
        if answer.access_token.is_empty() || answer.expires_in == 0 {
            return Err(UpstreamError::malformed(PROVIDER, "gettoken answered no token").into());
        }
        Ok(Fetched {
            access_token: answer.access_token,
            refresh_token: None,
            expires_in: Duration::from_secs(answer.expires_in),
        })
    }
}

fn is_token_error(errcode: i64) -> bool {
    matches!(
        errcode,
        code::INVALID_ACCESS_TOKEN | code::ACCESS_TOKEN_EXPIRED | code::MISSING_ACCESS_TOKEN
    )
}

impl Client {
    pub fn new(
        connection: &str,
        http: UpstreamHttp,
        base: &str,
        corp_id: &str,
        secret: SecretString,
        tokens: Arc<TokenManager>,
        transfer_timeout: Duration,
    ) -> Self {
        let base = base.trim_end_matches('/').to_owned();
        let source = Arc::new(GetToken {
            http: http.clone(),
            base: base.clone(),
            corp_id: corp_id.to_owned(),
            secret,
        });
        Self {
            http,
            base,
            key: TokenKey::new(connection, "app"),
            tokens,
            source,
            transfer_timeout,
        }
    }

    pub fn token_key(&self) -> &TokenKey {
        &self.key
    }

    pub fn tokens(&self) -> &Arc<TokenManager> {
        &self.tokens
    }

    /// Calls `function` with `body`; answers the envelope's payload or the mapped error.
    pub async fn call<B, T>(&self, function: &'static str, body: &B) -> Result<T, ApiError>
    where
        B: Serialize + ?Sized + Sync,
        T: DeserializeOwned,
    {
        self.call_with_timeout(function, body, self.http.timeout)
            .await
    }

    /// A call whose answer the gateway reads one field of (`file`, `share_url`, …): an answer
    /// without it lacks documented fields, as any answer of the wrong shape.
    pub async fn call_field<B, T>(
        &self,
        function: &'static str,
        body: &B,
        field: &str,
    ) -> Result<T, ApiError>
    where
        B: Serialize + ?Sized + Sync,
        T: DeserializeOwned,
    {
        let mut answer: Value = self.call(function, body).await?;
        let value = answer.get_mut(field).map(Value::take).unwrap_or_default();
        serde_json::from_value(value).map_err(|_| {
            UpstreamError::malformed(
                PROVIDER,
                format!("{function} answer lacks documented fields"),
            )
            .into()
        })
    }

    /// A call with a body already serialised and the transfer deadline (upload parts carry
    /// 2 MiB each, their base64 written straight into the JSON: `wecom::content::base64_body`).
    pub async fn call_transfer_raw<T: DeserializeOwned>(
        &self,
        function: &'static str,
        body: bytes::Bytes,
    ) -> Result<T, ApiError> {
        self.call_bytes(function, body, self.transfer_timeout).await
    }

    async fn call_with_timeout<B, T>(
        &self,
        function: &'static str,
        body: &B,
        timeout: Duration,
    ) -> Result<T, ApiError>
    where
        B: Serialize + ?Sized + Sync,
        T: DeserializeOwned,
    {
        let body = serde_json::to_vec(body).map_err(ApiError::internal)?;
        self.call_bytes(function, body.into(), timeout).await
    }

    async fn call_bytes<T: DeserializeOwned>(
        &self,
        function: &'static str,
        body: bytes::Bytes,
        timeout: Duration,
    ) -> Result<T, ApiError> {
        let mut retried = false;
        loop {
            let token = self.tokens.get(&self.key, &self.source).await?;
            let req = self
                .http
                .client
                .post(format!("{}/cgi-bin/wedrive/{function}", self.base))
                .query(&[("access_token", &*token.access_token)])
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(body.clone())
                .timeout(timeout);
            let res = self.http.send(PROVIDER, function, req).await?;
            if !res.status().is_success() {
                return Err(UpstreamError::http_status(PROVIDER, res.status()).into());
            }
            let bytes = res
                .bytes()
                .await
                .map_err(|e| UpstreamError::transport(PROVIDER, &e))?;
            let [errcode, errmsg] =
                envelope::members(&bytes, ["errcode", "errmsg"]).ok_or_else(|| {
                    UpstreamError::malformed(PROVIDER, format!("{function} answer is not JSON"))
                })?;
            let errcode = errcode.as_i64().unwrap_or(code::OK);
            if errcode == code::OK {
                return serde_json::from_slice(&bytes).map_err(|_| {
                    UpstreamError::malformed(
                        PROVIDER,
                        format!("{function} answer lacks documented fields"),
                    )
                    .into()
                });
            }
            UpstreamHttp::record_refusal(PROVIDER, function);
            let errmsg = errmsg.as_str().unwrap_or_default();
            if is_token_error(errcode) && !retried {
                // WeCom may invalidate a token before expires_in ends (README): evict exactly
                // this token and try once more with a fresh one.
                tracing::info!(
                    errcode,
                    function,
                    "upstream rejected the access token; refreshing once"
                );
                self.tokens.invalidate(&self.key, &token).await;
                retried = true;
                continue;
            }
            let mut e = from_errcode(errcode, errmsg);
            if e.kind == UpstreamKind::RateLimited {
                // 45009 says no more than that: the connection pauses (upstream.rate_limit.
                // pause_on_refusal), and Retry-After is exactly when its calls resume.
                e.retry_after = Some(self.http.governor().refused(None));
            }
            return Err(e.into());
        }
    }

    /// GETs a `download_url` with its cookie (the cookie never leaves the gateway).
    pub async fn fetch_download(
        &self,
        d: &DownloadAnswer,
        range: Option<String>,
    ) -> Result<reqwest::Response, ApiError> {
        // Only http(s) URLs handed out by the upstream itself are fetched.
        let url = reqwest::Url::parse(&d.download_url)
            .map_err(|_| UpstreamError::malformed(PROVIDER, "download_url is not a URL"))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(UpstreamError::malformed(PROVIDER, "download_url is not http(s)").into());
        }
        let mut req = self
            .http
            .client
            .get(url)
            .header(
                reqwest::header::COOKIE,
                format!("{}={}", d.cookie_name, d.cookie_value),
            )
            .timeout(self.transfer_timeout);
        if let Some(r) = range {
            req = req.header(reqwest::header::RANGE, r);
        }
        let res = self.http.send(PROVIDER, "download", req).await?;
        if res.status() == reqwest::StatusCode::RANGE_NOT_SATISFIABLE {
            return Err(ApiError::RangeNotSatisfiable { size: None });
        }
        if !(res.status().is_success()) {
            return Err(UpstreamError::http_status(PROVIDER, res.status()).into());
        }
        Ok(res)
    }
}
