//! OneBot 11 wire types and raw calls.
//!
//! Every action is `POST {base}/{action}` with a JSON body and the static access token as
//! `Authorization: Bearer …`; the answer is `{status, retcode, data, message, echo}`
//! (upstream-docs/README.md, OneBot section). A missing token is HTTP 401, a wrong one 403, an
//! unknown action 404; action failures are HTTP 200 with a non-zero retcode.
//! [`Client::call`] adds the token and maps every failure to an [`UpstreamError`].

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use bytes::Bytes;
use futures::{Stream, StreamExt};
use reqwest::StatusCode;
use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};
use serde_json::Value;
use tokio::io::AsyncReadExt;

use super::errors::{
    PROVIDER, RETCODE_ASYNC, RETCODE_FORBIDDEN, RETCODE_OK, RETCODE_UNAUTHORIZED, from_envelope,
};
use crate::error::{ApiError, UpstreamError, UpstreamKind};
use crate::providers::http::UpstreamHttp;

/// A number that some implementations send as a JSON number and others as a string.
fn int<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    match Value::deserialize(d)? {
        Value::Number(n) => n
            .as_i64()
            .or_else(|| n.as_f64().map(|f| f as i64))
            .ok_or_else(|| serde::de::Error::custom("integer out of range")),
        Value::String(s) if s.trim().is_empty() => Ok(0),
        Value::String(s) => s.trim().parse().map_err(serde::de::Error::custom),
        Value::Null => Ok(0),
        _ => Err(serde::de::Error::custom("expected an integer")),
    }
}

/// `null` (as some implementations send for empty lists or strings) is the default value.
fn nullable<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// `get_group_list` entry (OneBot 11).
#[derive(Debug, Clone, Deserialize)]
pub struct WireGroup {
    #[serde(deserialize_with = "int")]
    pub group_id: i64,
    #[serde(default, deserialize_with = "nullable")]
    pub group_name: String,
    #[serde(default, deserialize_with = "int")]
    pub member_count: i64,
}

/// `get_friend_list` entry (OneBot 11).
#[derive(Debug, Clone, Deserialize)]
pub struct WireFriend {
    #[serde(deserialize_with = "int")]
    pub user_id: i64,
    #[serde(default, deserialize_with = "nullable")]
    pub nickname: String,
    #[serde(default, deserialize_with = "nullable")]
    pub remark: String,
}

/// `get_group_file_system_info` (file_count int32, limit_count int32, used_space int64,
/// total_space int64).
#[derive(Debug, Clone, Deserialize)]
pub struct WireFsInfo {
    #[serde(default, deserialize_with = "int")]
    pub file_count: i64,
    #[serde(default, deserialize_with = "int")]
    pub limit_count: i64,
    #[serde(default, deserialize_with = "int")]
    pub used_space: i64,
    #[serde(default, deserialize_with = "int")]
    pub total_space: i64,
}

/// The document's `File` object.
#[derive(Debug, Clone, Deserialize)]
pub struct WireFile {
    #[serde(deserialize_with = "nullable")]
    pub file_id: String,
    #[serde(default, deserialize_with = "nullable")]
    pub file_name: String,
    #[serde(default, deserialize_with = "int")]
    pub busid: i64,
    #[serde(default, deserialize_with = "int")]
    pub file_size: i64,
    #[serde(default, deserialize_with = "int")]
    pub upload_time: i64,
    #[serde(default, deserialize_with = "int")]
    pub modify_time: i64,
    #[serde(default, deserialize_with = "int")]
    pub uploader: i64,
    #[serde(default, deserialize_with = "nullable")]
    pub uploader_name: String,
    #[serde(default, deserialize_with = "nullable")]
    pub md5: String,
    #[serde(default, deserialize_with = "nullable")]
    pub sha: String,
}

/// The document's `Folder` object (plus `modify_time`, which some implementations add).
#[derive(Debug, Clone, Deserialize)]
pub struct WireFolder {
    #[serde(deserialize_with = "nullable")]
    pub folder_id: String,
    #[serde(default, deserialize_with = "nullable")]
    pub folder_name: String,
    #[serde(default, deserialize_with = "int")]
    pub create_time: i64,
    #[serde(default, deserialize_with = "int")]
    pub modify_time: i64,
    #[serde(default, deserialize_with = "int")]
    pub creator: i64,
    #[serde(default, deserialize_with = "nullable")]
    pub creator_name: String,
    #[serde(default, deserialize_with = "int")]
    pub total_file_count: i64,
}

/// `get_group_root_files` / `get_group_files_by_folder`: `files` and `folders`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct WireListing {
    #[serde(default, deserialize_with = "nullable")]
    pub files: Vec<WireFile>,
    #[serde(default, deserialize_with = "nullable")]
    pub folders: Vec<WireFolder>,
}

/// `create_group_file_folder`'s answer (document sample). go-cqhttp answers no data at all, so
/// every field is optional.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct WireCreatedFolder {
    #[serde(default, deserialize_with = "nullable")]
    pub folder_id: String,
    #[serde(default, deserialize_with = "nullable")]
    pub folder_name: String,
    #[serde(default, deserialize_with = "int")]
    pub create_time: i64,
    #[serde(default, deserialize_with = "int")]
    pub modify_time: i64,
    #[serde(default, deserialize_with = "int")]
    pub creator_uin: i64,
}

/// `upload_group_file` / `upload_private_file` answer (`msg_id`, `bizid`, `md5`, `file_id`).
/// go-cqhttp answers no data, so every field is optional.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct WireUploaded {
    #[serde(default, deserialize_with = "nullable")]
    pub file_id: String,
    #[serde(default, deserialize_with = "nullable")]
    pub md5: String,
}

/// `get_group_file_url`.
#[derive(Debug, Clone, Deserialize)]
pub struct WireFileUrl {
    pub url: String,
}

/// The answer envelope. go-cqhttp calls the message `msg` (with a human `wording`).
#[derive(Debug, Deserialize)]
struct Envelope {
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    retcode: Option<i64>,
    /// Kept as raw JSON and parsed once, into the action's wire type, after the envelope has
    /// been checked (`providers::envelope` says why not a `Value`). JSON `null` is `None`.
    #[serde(default)]
    data: Option<Box<serde_json::value::RawValue>>,
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    msg: Option<String>,
    #[serde(default)]
    wording: Option<String>,
}

impl Envelope {
    /// The human message, followed by go-cqhttp's machine `msg` when it is a different
    /// word: `群聊不存在 (GROUP_NOT_FOUND)`.
    fn message(&self) -> String {
        let text = [&self.message, &self.wording]
            .into_iter()
            .flatten()
            .find(|m| !m.is_empty());
        match (text, self.msg.as_ref().filter(|m| !m.is_empty())) {
            (Some(t), Some(m)) if t != m => format!("{t} ({m})"),
            (Some(t), _) => t.clone(),
            (None, Some(m)) => m.clone(),
            (None, None) => String::new(),
        }
    }
}

/// Raw OneBot client for one connection.
pub struct Client {
    http: UpstreamHttp,
    base: String,
    token: Option<SecretString>,
    transfer_timeout: Duration,
    /// Set when the implementation last refused the access token, cleared by the next answer
    /// it accepts; reported as the connection's token health.
    rejected: AtomicBool,
}

impl Client {
    pub fn new(
        http: UpstreamHttp,
        base: &str,
        token: Option<SecretString>,
        transfer_timeout: Duration,
    ) -> Self {
        Self {
            http,
            base: base.trim_end_matches('/').to_owned(),
            token: token.filter(|t| !t.expose_secret().is_empty()),
            transfer_timeout,
            rejected: AtomicBool::new(false),
        }
    }

    pub fn has_token(&self) -> bool {
        self.token.is_some()
    }

    pub fn token_rejected(&self) -> bool {
        self.rejected.load(Ordering::Relaxed)
    }

    fn post(&self, action: &str) -> reqwest::RequestBuilder {
        let req = self
            .http
            .client
            .post(format!("{}/{action}", self.base))
            .header(reqwest::header::ACCEPT, "application/json");
        match &self.token {
            Some(t) => req.bearer_auth(t.expose_secret()),
            None => req,
        }
    }

    /// Calls `action` with JSON `params`; answers `data` or the mapped error.
    pub async fn call<T: DeserializeOwned>(
        &self,
        action: &'static str,
        params: &Value,
    ) -> Result<T, ApiError> {
        let req = self.post(action).json(params).timeout(self.http.timeout);
        self.finish(action, req).await
    }

    /// Calls `action` with a streamed JSON body of `len` bytes (uploads), under the transfer
    /// deadline.
    pub async fn call_streamed<T: DeserializeOwned>(
        &self,
        action: &'static str,
        body: reqwest::Body,
        len: u64,
    ) -> Result<T, ApiError> {
        let req = self
            .post(action)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(reqwest::header::CONTENT_LENGTH, len)
            .body(body)
            .timeout(self.transfer_timeout);
        self.finish(action, req).await
    }

    async fn finish<T: DeserializeOwned>(
        &self,
        action: &'static str,
        req: reqwest::RequestBuilder,
    ) -> Result<T, ApiError> {
        let res = self.http.send(PROVIDER, action, req).await?;
        let status = res.status();
        if let Some(err) = http_refusal(action, &res) {
            if err.kind == UpstreamKind::CredentialsRejected {
                self.rejected.store(true, Ordering::Relaxed);
            }
            return Err(err.into());
        }
        if !status.is_success() {
            // 400 / 406 and the like: the implementation did not understand the gateway.
            return Err(UpstreamError::new(
                PROVIDER,
                if status.is_server_error() {
                    UpstreamKind::Unavailable
                } else {
                    UpstreamKind::Malformed
                },
                if status.is_server_error() {
                    "upstream_unavailable"
                } else {
                    "upstream_rejected_request"
                },
                status.as_u16(),
                format!(
                    "{action}: the implementation answered HTTP {}",
                    status.as_u16()
                ),
            )
            .into());
        }
        let bytes = res
            .bytes()
            .await
            .map_err(|e| UpstreamError::transport(PROVIDER, &e))?;
        let envelope: Envelope = serde_json::from_slice(&bytes).map_err(|_| {
            UpstreamError::malformed(
                PROVIDER,
                format!("{action} answer is not a OneBot envelope"),
            )
        })?;
        let retcode = envelope
            .retcode
            .unwrap_or(match envelope.status.as_deref() {
                Some("ok") | Some("async") => RETCODE_OK,
                _ => -1,
            });
        if retcode != RETCODE_OK && retcode != RETCODE_ASYNC {
            UpstreamHttp::record_refusal(PROVIDER, action);
            if matches!(retcode, RETCODE_UNAUTHORIZED | RETCODE_FORBIDDEN) {
                self.rejected.store(true, Ordering::Relaxed);
            }
            return Err(from_envelope(retcode, &envelope.message()).into());
        }
        self.rejected.store(false, Ordering::Relaxed);
        let data = envelope.data.as_deref().map_or("null", |d| d.get());
        serde_json::from_str(data).map_err(|_| {
            UpstreamError::malformed(PROVIDER, format!("{action} answer lacks documented fields"))
                .into()
        })
    }

    /// GETs a file URL handed out by `get_group_file_url`. The URL points at QQ's file servers
    /// (the simulator's `/ftn_handler/…` in the sandbox), so the access token is never sent
    /// there; only http(s) URLs are fetched and redirects are not followed.
    pub async fn fetch_file(
        &self,
        url: &reqwest::Url,
        range: Option<String>,
    ) -> Result<reqwest::Response, ApiError> {
        let mut req = self
            .http
            .client
            .get(url.clone())
            .timeout(self.transfer_timeout);
        if let Some(r) = range {
            req = req.header(reqwest::header::RANGE, r);
        }
        let res = self.http.send(PROVIDER, "download", req).await?;
        match res.status() {
            s if s.is_success() => Ok(res),
            StatusCode::RANGE_NOT_SATISFIABLE => Err(ApiError::RangeNotSatisfiable {
                size: res
                    .headers()
                    .get(reqwest::header::CONTENT_RANGE)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.strip_prefix("bytes */"))
                    .and_then(|v| v.parse().ok()),
            }),
            StatusCode::NOT_FOUND => Err(UpstreamError::new(
                PROVIDER,
                UpstreamKind::NotFound,
                "item_not_found",
                404,
                "the file is gone from QQ's file server",
            )
            .into()),
            s => Err(UpstreamError::http_status(PROVIDER, s).into()),
        }
    }
}

/// Transport-level refusals (OneBot 11 HTTP): 401 no token, 403 wrong token, 404 unknown
/// action, 413 body too large, 429 from a rate-limiting proxy.
fn http_refusal(action: &str, res: &reqwest::Response) -> Option<UpstreamError> {
    let status = res.status();
    let err = match status {
        StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => UpstreamError::new(
            PROVIDER,
            UpstreamKind::CredentialsRejected,
            "upstream_credentials_rejected",
            status.as_u16(),
            if status == StatusCode::UNAUTHORIZED {
                "the implementation wants an access token and none was sent"
            } else {
                "the implementation refused the configured access token"
            },
        ),
        StatusCode::NOT_FOUND => UpstreamError::new(
            PROVIDER,
            UpstreamKind::Unavailable,
            "upstream_action_unsupported",
            404,
            format!("the implementation does not serve the action {action}"),
        ),
        StatusCode::PAYLOAD_TOO_LARGE => UpstreamError::new(
            PROVIDER,
            UpstreamKind::PayloadTooLarge,
            "upstream_payload_too_large",
            413,
            "the implementation refused the request body as too large; lower the connection's max_upload_bytes",
        ),
        StatusCode::TOO_MANY_REQUESTS => {
            let retry = res
                .headers()
                .get(reqwest::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok());
            UpstreamError::http_status(PROVIDER, status).with_retry_after(retry.or(Some(1)))
        }
        s if s.is_server_error() => UpstreamError::http_status(PROVIDER, s),
        _ => return None,
    };
    UpstreamHttp::record_refusal(PROVIDER, "http");
    Some(err)
}

/// Raw bytes read per base64 chunk: a multiple of 3, so chunks encode independently and only
/// the last one carries padding.
const RAW_CHUNK: usize = 3 * 64 * 1024;

/// Length of the base64 encoding (with padding) of `n` bytes.
pub fn base64_len(n: u64) -> u64 {
    n.div_ceil(3) * 4
}

/// A JSON request body `prefix` + base64 of the file at `path` + `suffix`, produced chunk by
/// chunk from disk so memory stays at one chunk whatever the file size. `prefix` must end
/// inside a JSON string (`…"file":"base64://`) and `suffix` close it (`"}`).
pub async fn base64_json_body(
    path: &Path,
    size: u64,
    prefix: Vec<u8>,
    suffix: &'static [u8],
) -> std::io::Result<(reqwest::Body, u64)> {
    let file = tokio::fs::File::open(path).await?;
    let len = prefix.len() as u64 + base64_len(size) + suffix.len() as u64;
    let body = futures::stream::once(async move { Ok(Bytes::from(prefix)) })
        .chain(base64_chunks(file))
        .chain(futures::stream::once(async move {
            Ok(Bytes::from_static(suffix))
        }));
    Ok((reqwest::Body::wrap_stream(body), len))
}

fn base64_chunks(file: tokio::fs::File) -> impl Stream<Item = std::io::Result<Bytes>> + Send {
    futures::stream::unfold(Some(file), |file| async move {
        let mut file = file?;
        let mut buf = vec![0u8; RAW_CHUNK];
        let mut filled = 0;
        while filled < RAW_CHUNK {
            match file.read(&mut buf[filled..]).await {
                Ok(0) => break,
                Ok(n) => filled += n,
                Err(e) => return Some((Err(e), None)),
            }
        }
        if filled == 0 {
            return None;
        }
        let encoded = B64.encode(&buf[..filled]);
        Some((Ok(Bytes::from(encoded)), Some(file)))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_streamed_body_is_the_json_with_the_whole_base64_and_the_announced_length() {
        let dir = tempfile::tempdir().unwrap();
        for size in [
            0usize,
            1,
            2,
            3,
            RAW_CHUNK - 1,
            RAW_CHUNK,
            RAW_CHUNK + 1,
            3 * RAW_CHUNK + 2,
        ] {
            let data: Vec<u8> = (0..size).map(|i| (i * 7 % 256) as u8).collect();
            let path = dir.path().join(format!("f{size}"));
            std::fs::write(&path, &data).unwrap();
            let (body, len) = base64_json_body(
                &path,
                size as u64,
                br#"{"file":"base64://"#.to_vec(),
                br#""}"#,
            )
            .await
            .unwrap();
            let bytes = http_body_util::BodyExt::collect(body)
                .await
                .unwrap()
                .to_bytes();
            assert_eq!(bytes.len() as u64, len, "size {size}");
            let v: Value = serde_json::from_slice(&bytes).unwrap();
            let b64 = v["file"]
                .as_str()
                .unwrap()
                .strip_prefix("base64://")
                .unwrap();
            assert_eq!(B64.decode(b64).unwrap(), data, "size {size}");
        }
    }

    #[test]
    fn go_cqhttp_envelopes_give_their_wording_and_machine_word() {
        let e: Envelope = serde_json::from_value(serde_json::json!({
            "status": "failed", "retcode": 100, "msg": "GROUP_NOT_FOUND", "wording": "群聊不存在"
        }))
        .unwrap();
        assert_eq!(e.message(), "群聊不存在 (GROUP_NOT_FOUND)");
        let e: Envelope =
            serde_json::from_value(serde_json::json!({"retcode": 1, "status": "async"})).unwrap();
        assert_eq!(e.message(), "");
        let e: Envelope =
            serde_json::from_value(serde_json::json!({"retcode": 100, "message": "x", "msg": "x"}))
                .unwrap();
        assert_eq!(e.message(), "x");
    }

    #[test]
    fn numbers_arrive_as_numbers_strings_or_null() {
        let f: WireFile = serde_json::from_value(serde_json::json!({
            "file_id": "/a", "file_name": "x", "busid": "102", "file_size": 5,
            "upload_time": null, "md5": null
        }))
        .unwrap();
        assert_eq!((f.busid, f.file_size, f.upload_time), (102, 5, 0));
        assert_eq!(f.md5, "");
        let l: WireListing =
            serde_json::from_value(serde_json::json!({"files": null, "folders": null})).unwrap();
        assert!(l.files.is_empty() && l.folders.is_empty());
    }
}
