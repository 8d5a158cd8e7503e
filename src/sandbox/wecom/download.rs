//! file_download and the download URL it hands out.
//!
//! Document: file_download answers `download_url` ("有效期2个小时"), `cookie_name` and
//! `cookie_value` ("下载请求带cookie"); only ordinary files, not folders or documents. The
//! URL is served by the simulator itself: a GET without the cookie is refused (403), one with
//! it streams the bytes from disk, honouring a single `Range: bytes=…` (206 / 416).

use std::collections::HashMap;
use std::io::SeekFrom;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncSeekExt};
use tokio_util::io::ReaderStream;

use super::App;
use super::envelope::{ApiError, ApiResult, fields};
use super::model::{FILE, Ticket};
use super::request::{Obj, refuse_ticket};
use super::state::random_token;
use crate::providers::wecom::errcodes;
use crate::sandbox::range::{Span, parse_range, stream_headers};

/// The cookie's name (the document only shows `COOKIE_NAME`; the simulator's choice).
pub const COOKIE_NAME: &str = "authkey";
/// "有效期2个小时".
pub const URL_TTL: Duration = Duration::from_secs(2 * 60 * 60);

/// `file_download`: `{fileid}` or `{selected_ticket}` → `{download_url, cookie_name,
/// cookie_value}`.
pub fn file_download(app: &App, body: Obj) -> ApiResult {
    let ticket = body.str("selected_ticket")?;
    let fileid = body.str("fileid")?;
    refuse_ticket(ticket, !fileid.is_empty(), "fileid")?;
    let mut drive = app.drive();
    let node = drive.live(fileid)?;
    let blob = match (&node.blob, node.file_type) {
        (Some(blob), FILE) => blob.clone(),
        _ => {
            return Err(ApiError::new(
                errcodes::DOWNLOAD_NOT_A_FILE,
                "only ordinary files can be downloaded, not folders or documents",
            ));
        }
    };
    let ticket = Ticket {
        name: node.name.clone(),
        size: node.size,
        blob,
        cookie_value: random_token(64),
        expires: Instant::now() + URL_TTL,
    };
    let key = random_token(48);
    let cookie_value = ticket.cookie_value.clone();
    let now = Instant::now();
    drive.tickets.retain(|_, t| t.expires > now);
    drive.tickets.insert(key.clone(), ticket);
    Ok(fields(json!({
        "download_url": format!("{}/wedrive/download/{key}", app.base_url),
        "cookie_name": COOKIE_NAME,
        "cookie_value": cookie_value,
    })))
}

fn cookies(headers: &HeaderMap) -> HashMap<String, String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.split_once('='))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect()
}

/// RFC 5987 encoding of a file name for Content-Disposition.
fn encode_filename(name: &str) -> String {
    /// Everything but RFC 5987's `attr-char`.
    const NOT_ATTR_CHAR: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
        .remove(b'!')
        .remove(b'#')
        .remove(b'$')
        .remove(b'&')
        .remove(b'+')
        .remove(b'-')
        .remove(b'.')
        .remove(b'^')
        .remove(b'_')
        .remove(b'`')
        .remove(b'|')
        .remove(b'~');
    percent_encoding::utf8_percent_encode(name, NOT_ATTR_CHAR).to_string()
}

fn refuse(status: StatusCode, text: &'static str) -> Response {
    (status, text).into_response()
}

/// `GET /wedrive/download/{key}` with the cookie from file_download.
pub async fn serve(
    State(app): State<Arc<App>>,
    Path(key): Path<String>,
    headers: HeaderMap,
) -> Response {
    app.control.count_call("download_url");
    let (blob, size, name, cookie) = {
        let mut drive = app.drive();
        let Some(ticket) = drive.tickets.get(&key) else {
            return refuse(StatusCode::NOT_FOUND, "no such download");
        };
        if ticket.expires <= Instant::now() {
            drive.tickets.remove(&key);
            return refuse(StatusCode::FORBIDDEN, "download url expired");
        }
        (
            ticket.blob.clone(),
            ticket.size,
            ticket.name.clone(),
            ticket.cookie_value.clone(),
        )
    };
    if cookies(&headers).get(COOKIE_NAME) != Some(&cookie) {
        return refuse(StatusCode::FORBIDDEN, "missing or wrong download cookie");
    }
    let range = headers.get(header::RANGE).and_then(|v| v.to_str().ok());
    let (status, start, end) = match parse_range(range, size) {
        Span::Full => (StatusCode::OK, 0, size.saturating_sub(1)),
        Span::Part(a, b) => (StatusCode::PARTIAL_CONTENT, a, b),
        Span::Unsatisfiable => {
            let mut r = refuse(StatusCode::RANGE_NOT_SATISFIABLE, "range not satisfiable");
            if let Ok(v) = HeaderValue::from_str(&format!("bytes */{size}")) {
                r.headers_mut().insert(header::CONTENT_RANGE, v);
            }
            return r;
        }
    };
    let len = end + 1 - start;
    let mut file = match tokio::fs::File::open(&blob.path).await {
        Ok(f) => f,
        Err(_) => return refuse(StatusCode::INTERNAL_SERVER_ERROR, "storage failure"),
    };
    if file.seek(SeekFrom::Start(start)).await.is_err() {
        return refuse(StatusCode::INTERNAL_SERVER_ERROR, "storage failure");
    }
    let stream = ReaderStream::with_capacity(file.take(len), 256 * 1024);
    let mut response = Response::new(Body::from_stream(stream));
    *response.status_mut() = status;
    let h = response.headers_mut();
    stream_headers(h, len);
    if status == StatusCode::PARTIAL_CONTENT
        && let Ok(v) = HeaderValue::from_str(&format!("bytes {start}-{end}/{size}"))
    {
        h.insert(header::CONTENT_RANGE, v);
    }
    if let Ok(v) = HeaderValue::from_str(&format!(
        "attachment; filename*=UTF-8''{}",
        encode_filename(&name)
    )) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_are_percent_encoded() {
        assert_eq!(encode_filename("a b.txt"), "a%20b.txt");
        assert_eq!(encode_filename("微"), "%E5%BE%AE");
    }
}
