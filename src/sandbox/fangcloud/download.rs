//! Downloads: `GET file/{id}/download?version=0&valid_period=…` answers
//! `{"download_url": …}` (field name from the official SDKs; the document shows the request
//! only); the URL, on the download host, streams the bytes and honours `Range`.
//!
//! `version` 0 (default) is the current version, otherwise a version id of the file.
//! `valid_period` (seconds, shown in the document's example) sets how long the URL works
//! (default 3600). The URL can be used any number of times until then (resumed downloads).
//! An unknown or expired URL answers an HTML error page, as the real download host does (the
//! Java SDK recognises it by `<!DOCTYPE html>`).

use std::io::SeekFrom;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body as HttpBody;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncSeekExt};
use tokio_util::io::ReaderStream;

use super::App;
use super::envelope::{ApiError, ApiResult, ok};
use super::oauth::Me;
use super::params::{Q, path_id};
use super::state::{DownloadTicket, Kind, later};

pub const DEFAULT_VALID_PERIOD: i64 = 3600;

/// Bytes read from disk per streamed chunk.
const CHUNK: usize = 256 * 1024;

/// `GET file/{id}/download`.
pub async fn download_url(app: State<Arc<App>>, me: Me, id: Path<String>, q: Q) -> ApiResult {
    let id = path_id("id", &id)?;
    q.only(&["version", "valid_period"])?;
    let version = q.i64("version")?.unwrap_or(0);
    let period = q.i64("valid_period")?.unwrap_or(DEFAULT_VALID_PERIOD);
    if period < 1 {
        return Err(ApiError::invalid("valid_period", "必须大于0"));
    }
    let mut store = app.store();
    store.require(me.0, Kind::File, id, |p| p.download)?;
    let file = store
        .files
        .get(&id)
        .ok_or_else(|| ApiError::new("file_not_found"))?;
    let vid = if version == 0 {
        file.current_version
    } else if file.versions.contains(&version) {
        version
    } else {
        return Err(ApiError::invalid("version", "文件版本不存在"));
    };
    let v = store
        .versions
        .get(&vid)
        .ok_or_else(|| ApiError::new("file_not_found"))?;
    let ticket = DownloadTicket {
        blob: v.blob,
        size: v.size,
        name: v.name.clone(),
        expires: later(Duration::from_secs(period as u64)),
    };
    let key = hex::encode(uuid::Uuid::new_v4().as_bytes());
    let url = format!(
        "{}/download/{key}/{}",
        app.base_url,
        percent_encode(&ticket.name)
    );
    let now = Instant::now();
    store.downloads.retain(|_, t| t.expires > now);
    store.downloads.insert(key, ticket);
    store.touch_recent(me.0, id);
    Ok(ok(json!({ "download_url": url })))
}

/// Percent-encodes everything but unreserved characters (RFC 3986).
pub fn percent_encode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

fn html_error(status: StatusCode, text: &str) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        format!(
            "<!DOCTYPE html><html><head><title>{text}</title></head><body><h1>{text}</h1></body></html>"
        ),
    )
        .into_response()
}

/// A single `bytes=` range over `len` bytes: `Ok(None)` = whole file, `Err` = unsatisfiable.
pub fn parse_range(header: &str, len: u64) -> Result<Option<(u64, u64)>, ()> {
    let Some(spec) = header.trim().strip_prefix("bytes=") else {
        return Ok(None);
    };
    if spec.contains(',') {
        // Several ranges: answer the whole file (RFC 9110 lets a server ignore Range).
        return Ok(None);
    }
    let Some((a, b)) = spec.trim().split_once('-') else {
        return Ok(None);
    };
    let (a, b) = (a.trim(), b.trim());
    let (start, end) = if a.is_empty() {
        let n: u64 = b.parse().map_err(|_| ())?;
        if n == 0 || len == 0 {
            return Err(());
        }
        (len.saturating_sub(n), len - 1)
    } else {
        let start: u64 = a.parse().map_err(|_| ())?;
        let end: u64 = if b.is_empty() {
            len.saturating_sub(1)
        } else {
            b.parse::<u64>().map_err(|_| ())?.min(len.saturating_sub(1))
        };
        (start, end)
    };
    if start >= len || start > end {
        return Err(());
    }
    Ok(Some((start, end)))
}

/// `GET /download/{key}/{name}` on the download host.
pub async fn serve(
    app: State<Arc<App>>,
    Path((key, _name)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let (path, ticket) = {
        let store = app.store();
        let Some(t) = store.downloads.get(&key) else {
            return html_error(StatusCode::NOT_FOUND, "404 Not Found");
        };
        if t.expires <= Instant::now() {
            return html_error(StatusCode::FORBIDDEN, "403 Link Expired");
        }
        let Some(blob) = store.blobs.get(&t.blob) else {
            return html_error(StatusCode::NOT_FOUND, "404 Not Found");
        };
        (blob.path.clone(), t.clone())
    };
    let Ok(mut file) = tokio::fs::File::open(&path).await else {
        return html_error(StatusCode::NOT_FOUND, "404 Not Found");
    };
    let len = ticket.size.max(0) as u64;
    let range = headers
        .get(header::RANGE)
        .and_then(|v| v.to_str().ok())
        .map_or(Ok(None), |h| parse_range(h, len));
    let disposition = format!(
        "attachment; filename=\"{}\"; filename*=UTF-8''{}",
        ticket
            .name
            .replace(['"', '\\'], "_")
            .replace(|c: char| !c.is_ascii(), "_"),
        percent_encode(&ticket.name)
    );
    let mut resp = match range {
        Err(()) => {
            let mut r = StatusCode::RANGE_NOT_SATISFIABLE.into_response();
            if let Ok(v) = HeaderValue::from_str(&format!("bytes */{len}")) {
                r.headers_mut().insert(header::CONTENT_RANGE, v);
            }
            return r;
        }
        Ok(None) => {
            let body = HttpBody::from_stream(ReaderStream::with_capacity(file, CHUNK));
            let mut r = (StatusCode::OK, body).into_response();
            r.headers_mut()
                .insert(header::CONTENT_LENGTH, HeaderValue::from(len));
            r
        }
        Ok(Some((start, end))) => {
            if file.seek(SeekFrom::Start(start)).await.is_err() {
                return html_error(StatusCode::INTERNAL_SERVER_ERROR, "500 Read Error");
            }
            let n = end - start + 1;
            let body = HttpBody::from_stream(ReaderStream::with_capacity(file.take(n), CHUNK));
            let mut r = (StatusCode::PARTIAL_CONTENT, body).into_response();
            r.headers_mut()
                .insert(header::CONTENT_LENGTH, HeaderValue::from(n));
            if let Ok(v) = HeaderValue::from_str(&format!("bytes {start}-{end}/{len}")) {
                r.headers_mut().insert(header::CONTENT_RANGE, v);
            }
            r
        }
    };
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/octet-stream"),
    );
    h.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_parse_like_rfc_9110() {
        assert_eq!(parse_range("bytes=0-4", 10), Ok(Some((0, 4))));
        assert_eq!(parse_range("bytes=5-", 10), Ok(Some((5, 9))));
        assert_eq!(parse_range("bytes=-3", 10), Ok(Some((7, 9))));
        assert_eq!(parse_range("bytes=8-100", 10), Ok(Some((8, 9))));
        assert_eq!(parse_range("bytes=10-12", 10), Err(()));
        assert_eq!(parse_range("bytes=0-1,3-4", 10), Ok(None));
        assert_eq!(parse_range("items=0-1", 10), Ok(None));
    }

    #[test]
    fn names_are_percent_encoded_for_urls() {
        assert_eq!(percent_encode("报 a.txt"), "%E6%8A%A5%20a.txt");
    }
}
