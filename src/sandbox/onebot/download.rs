//! The download URLs handed out by `get_group_file_url`: `GET {base}/ftn_handler/<key>/`,
//! streamed from disk, with single `Range: bytes=…` requests answered 206.
//!
//! In QQ these URLs point at the group-file CDN, not at the OneBot implementation: they need
//! no access token, only the key in the path. The document is silent on their lifetime and on
//! how an expired one answers; the simulator expires them after `Options::file_url_ttl` and
//! then answers HTTP 403 (as signed CDN URLs do); an unknown key or a deleted file is 404.

use std::io::SeekFrom;
use std::sync::Arc;
use std::time::Instant;

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use tokio::io::{AsyncReadExt, AsyncSeekExt};
use tokio_util::io::ReaderStream;

use super::state::Shared;
use crate::sandbox::range::{Span, parse_range, stream_headers};

/// Path prefix of download URLs (QQ's group-file links have this shape).
pub(crate) const LINK_PREFIX: &str = "/ftn_handler/";

/// Percent-encodes everything but RFC 3986 unreserved characters.
pub(crate) fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Reads a single `bytes=a-b`, `bytes=a-` or `bytes=-n` range ([`parse_range`]).
fn wanted(headers: &HeaderMap, size: u64) -> Span {
    parse_range(
        headers.get(header::RANGE).and_then(|v| v.to_str().ok()),
        size,
    )
}

fn plain(status: StatusCode, text: &'static str) -> Response {
    (status, text).into_response()
}

pub(crate) async fn download(
    State(shared): State<Arc<Shared>>,
    Path(key): Path<String>,
    headers: HeaderMap,
) -> Response {
    shared.control.count_call("download");
    let found = {
        let data = shared.lock();
        match data.links.get(&key) {
            None => None,
            Some(link) if link.expires <= Instant::now() => {
                return plain(StatusCode::FORBIDDEN, "download URL expired");
            }
            Some(link) => data.group(link.group_id).ok().and_then(|g| {
                g.files.iter().find(|f| f.file_id == link.file_id).map(|f| {
                    (
                        link.group_id,
                        f.file_id.clone(),
                        f.path.clone(),
                        f.file_size,
                        f.file_name.clone(),
                        f.md5.clone(),
                    )
                })
            }),
        }
    };
    let Some((group_id, file_id, path, size, name, md5)) = found else {
        return plain(StatusCode::NOT_FOUND, "file not found");
    };
    let (status, start, len) = match wanted(&headers, size) {
        Span::Full => (StatusCode::OK, 0, size),
        Span::Part(a, b) => (StatusCode::PARTIAL_CONTENT, a, b - a + 1),
        Span::Unsatisfiable => {
            let mut response = plain(StatusCode::RANGE_NOT_SATISFIABLE, "range not satisfiable");
            if let Ok(v) = HeaderValue::from_str(&format!("bytes */{size}")) {
                response.headers_mut().insert(header::CONTENT_RANGE, v);
            }
            return response;
        }
    };
    let mut file = match tokio::fs::File::open(&path).await {
        Ok(file) => file,
        Err(_) => return plain(StatusCode::NOT_FOUND, "file not found"),
    };
    if start > 0 && file.seek(SeekFrom::Start(start)).await.is_err() {
        return plain(StatusCode::INTERNAL_SERVER_ERROR, "read failed");
    }
    // A download counts once, when it starts from the first byte (resumptions do not).
    if start == 0 {
        let mut data = shared.lock();
        if let Ok(group) = data.group_mut(group_id)
            && let Some(f) = group.files.iter_mut().find(|f| f.file_id == file_id)
        {
            f.download_times = f.download_times.saturating_add(1);
        }
    }
    let body = Body::from_stream(ReaderStream::with_capacity(file.take(len), 256 * 1024));
    let mut response = (status, body).into_response();
    let h = response.headers_mut();
    stream_headers(h, len);
    let disposition = format!("attachment; filename*=UTF-8''{}", percent_encode(&name));
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    if let Ok(v) = HeaderValue::from_str(&format!("\"{md5}\"")) {
        h.insert(header::ETAG, v);
    }
    if status == StatusCode::PARTIAL_CONTENT
        && let Ok(v) = HeaderValue::from_str(&format!("bytes {start}-{}/{size}", start + len - 1))
    {
        h.insert(header::CONTENT_RANGE, v);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn range(value: &str, size: u64) -> Span {
        let mut headers = HeaderMap::new();
        headers.insert(header::RANGE, HeaderValue::from_str(value).unwrap());
        wanted(&headers, size)
    }

    #[test]
    fn ranges_parse_as_rfc_9110_says() {
        assert_eq!(range("bytes=0-9", 100), Span::Part(0, 9));
        assert_eq!(range("bytes=90-", 100), Span::Part(90, 99));
        assert_eq!(range("bytes=90-500", 100), Span::Part(90, 99));
        assert_eq!(range("bytes=-10", 100), Span::Part(90, 99));
        assert_eq!(range("bytes=-500", 100), Span::Part(0, 99));
        assert_eq!(range("bytes=100-", 100), Span::Unsatisfiable);
        assert_eq!(range("bytes=-0", 100), Span::Unsatisfiable);
        assert_eq!(range("bytes=5-1", 100), Span::Full);
        assert_eq!(range("bytes=0-1,5-6", 100), Span::Full);
        assert_eq!(range("items=0-1", 100), Span::Full);
        assert_eq!(percent_encode("a b/中.txt"), "a%20b%2F%E4%B8%AD.txt");
    }
}
