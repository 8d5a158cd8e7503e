//! Bytes in and out: single-request upload and streamed download.

use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::extract::{ApiPath, ApiQuery, Authorized, FilesRead, FilesWrite};
use super::paths::{Binary, ItemPath, LocalProblems, SpacePath, TooLarge, UpstreamProblems};
use super::validate;
use crate::app::AppState;
use crate::error::{ApiError, ApiResult};
use crate::model::*;
use crate::providers::{ByteRange, Download, DownloadOutcome, Drive, UploadFile};
use crate::spool::{self, Spooled};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(upload_file))
        .routes(routes!(download_file))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UploadQuery {
    /// File name: not blank, no control characters, at most 1024 characters; the provider's own
    /// rules (`capabilities.name_rules`) apply too.
    #[param(
        min_length = 1,
        max_length = 1024,
        pattern = r"^[^\u0000-\u001F\u007F-\u009F]*[^\u0000-\u0020\u007F-\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000][^\u0000-\u001F\u007F-\u009F]*$"
    )]
    pub name: String,
    /// Parent folder id; the space's root when absent.
    pub parent: Option<String>,
    /// What to do when the name is taken (default `fail`).
    pub on_conflict: Option<OnConflict>,
}

/// The largest upload this connection takes: the gateway's limit or the provider's, whichever
/// is smaller.
pub fn upload_limit(state: &AppState, drive: &dyn Drive) -> u64 {
    state
        .config()
        .limits
        .max_upload_bytes
        .min(drive.capabilities().max_upload_bytes)
}

/// Spools a request body, refusing a declared length over `limit` before reading a byte.
pub async fn spool_body(
    state: &AppState,
    headers: &HeaderMap,
    body: Body,
    limit: u64,
) -> ApiResult<Spooled> {
    if let Some(len) = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
        && len > limit
    {
        return Err(ApiError::PayloadTooLarge { limit });
    }
    spool::spool(state.spool_dir(), body.into_data_stream(), limit)
        .await
        .map_err(|e| match e {
            ApiError::PayloadTooLarge { .. } => ApiError::PayloadTooLarge { limit },
            other => other,
        })
}

/// Upload a file in one request.
///
/// The request body is the file's bytes (`Content-Type: application/octet-stream`). The gateway
/// spools the body to disk, then sends it upstream with the provider's protocol (WeCom picks
/// single or chunked upload by size). Nothing reaches the upstream unless the whole body
/// arrived. For large files use resumable uploads.
#[utoipa::path(post, path = "/v1/connections/{conn}/spaces/{space}/files", tag = "content", params(SpacePath, UploadQuery),
    request_body(content = inline(Binary), content_type = "application/octet-stream"),
    responses((status = 201, body = UploadResult), TooLarge, LocalProblems, UpstreamProblems))]
async fn upload_file(
    State(state): State<AppState>,
    auth: Authorized<FilesWrite>,
    ApiPath(p): ApiPath<SpacePath>,
    ApiQuery(mut q): ApiQuery<UploadQuery>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<(StatusCode, Json<UploadResult>)> {
    q.name = validate::name("name", &q.name)?;
    let drive = auth.drive(Operation::UploadFile)?;
    let content = spool_body(&state, &headers, body, upload_limit(&state, drive)).await?;
    let req = UploadFile {
        parent: q.parent.filter(|s| !s.is_empty()),
        name: q.name,
        on_conflict: q.on_conflict.unwrap_or_default(),
        content,
    };
    // After the body arrived: the lock is held for the upstream call only.
    let _one_at_a_time = state
        .creation_locks()
        .lock(
            &auth.connection.name,
            &p.space,
            req.parent.as_deref(),
            &req.name,
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(drive.upload_file(&auth.ctx, &p.space, req).await?),
    ))
}

/// Parses a single `bytes=` range; anything else is ignored (RFC 9110 lets a server serve the
/// whole representation instead).
pub fn parse_range(headers: &HeaderMap) -> Option<ByteRange> {
    let v = headers.get(header::RANGE)?.to_str().ok()?.trim();
    let spec = v.strip_prefix("bytes=")?;
    if spec.contains(',') {
        return None;
    }
    let (a, b) = spec.split_once('-')?;
    let (a, b) = (a.trim(), b.trim());
    if a.is_empty() {
        let len = b.parse().ok()?;
        return (len > 0).then_some(ByteRange::Suffix { len });
    }
    let start = a.parse().ok()?;
    let end = if b.is_empty() {
        None
    } else {
        Some(b.parse().ok()?)
    };
    if end.is_some_and(|e| e < start) {
        return None;
    }
    Some(ByteRange::From { start, end })
}

/// Download a file's bytes.
///
/// Streamed from the upstream. `Range: bytes=…` is honoured where
/// `capabilities.range_downloads` is true (206 with `Content-Range`); a range past the end is
/// 416. `redirect=true` answers 302 to a short-lived upstream URL where that URL needs no
/// secret; otherwise the bytes are streamed.
#[utoipa::path(get, path = "/v1/connections/{conn}/spaces/{space}/items/{item}/content", tag = "content",
    params(ItemPath, DownloadQuery,
        ("Range" = Option<String>, Header, description = "`bytes=<first>-[<last>]` or `bytes=-<suffix length>`; one range only (anything else is ignored and the whole file is sent). Honoured where `capabilities.range_downloads` is true.")),
    responses(
        (status = 200, description = "The file's bytes, typed as the upstream types them where it can be trusted (`application/octet-stream` otherwise)",
            content((inline(Binary) = "application/octet-stream"), (inline(Binary) = "*/*")),
            headers(
                ("Content-Length" = u64, description = "The file's size, when the upstream reports it"),
                ("Content-Disposition" = String, description = "`attachment` with the file's name (ASCII fallback and RFC 8187 `filename*`)"),
                ("Accept-Ranges" = String, description = "`bytes`"),
                ("X-Content-Type-Options" = String, description = "`nosniff`"))),
        (status = 206, description = "The requested range",
            content((inline(Binary) = "application/octet-stream"), (inline(Binary) = "*/*")),
            headers(
                ("Content-Range" = String, description = "`bytes <first>-<last>/<size>` (`*` when the size is unknown)"),
                ("Content-Length" = u64, description = "The range's length, when known"),
                ("Content-Disposition" = String, description = "`attachment` with the file's name"),
                ("Accept-Ranges" = String, description = "`bytes`"),
                ("X-Content-Type-Options" = String, description = "`nosniff`"))),
        (status = 302, description = "Redirect to a short-lived upstream URL (`redirect=true`)",
            headers(("Location" = String, description = "The upstream URL; it needs no credentials and expires within minutes"))),
        (status = 416, description = "The range starts past the end of the file", body = crate::error::Problem, content_type = "application/problem+json"),
        LocalProblems, UpstreamProblems))]
async fn download_file(
    auth: Authorized<FilesRead>,
    ApiPath(p): ApiPath<ItemPath>,
    ApiQuery(q): ApiQuery<DownloadQuery>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let drive = auth.drive(Operation::DownloadFile)?;
    let range = parse_range(&headers).filter(|_| drive.capabilities().range_downloads);
    match drive
        .download(&auth.ctx, &p.space, &p.item, range, q.redirect)
        .await?
    {
        // 302 Found, as documented above (axum's `Redirect::to` would answer 303).
        DownloadOutcome::Redirect(url) => {
            let location = HeaderValue::from_str(&url)
                .map_err(|_| ApiError::internal("redirect URL is not a header value"))?;
            Ok((StatusCode::FOUND, [(header::LOCATION, location)]).into_response())
        }
        DownloadOutcome::Stream(d) => Ok(stream_response(d)),
    }
}

fn stream_response(d: Download) -> Response {
    let status = if d.content_range.is_some() {
        StatusCode::PARTIAL_CONTENT
    } else {
        StatusCode::OK
    };
    let mut res = Response::new(Body::from_stream(d.body));
    *res.status_mut() = status;
    let h = res.headers_mut();
    let ct = d
        .content_type
        .unwrap_or_else(|| "application/octet-stream".into());
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(&ct).unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    if let Some(len) = d.content_length {
        h.insert(header::CONTENT_LENGTH, HeaderValue::from(len));
    }
    if let Some((start, end, total)) = d.content_range {
        let total = total.map_or("*".to_owned(), |t| t.to_string());
        if let Ok(v) = HeaderValue::from_str(&format!("bytes {start}-{end}/{total}")) {
            h.insert(header::CONTENT_RANGE, v);
        }
    }
    h.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    if let Ok(v) = HeaderValue::from_str(&content_disposition(&d.file_name)) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    res
}

/// `attachment` with an ASCII fallback and the RFC 8187 UTF-8 name.
fn content_disposition(name: &str) -> String {
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let encoded: String = name
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn range(v: &str) -> Option<ByteRange> {
        let mut h = HeaderMap::new();
        h.insert(header::RANGE, HeaderValue::from_str(v).unwrap());
        parse_range(&h)
    }

    #[test]
    fn ranges_parse_and_nonsense_is_ignored() {
        assert_eq!(
            range("bytes=0-99"),
            Some(ByteRange::From {
                start: 0,
                end: Some(99)
            })
        );
        assert_eq!(
            range("bytes=100-"),
            Some(ByteRange::From {
                start: 100,
                end: None
            })
        );
        assert_eq!(range("bytes=-5"), Some(ByteRange::Suffix { len: 5 }));
        assert_eq!(range("bytes=5-1"), None);
        assert_eq!(range("bytes=0-1,4-5"), None);
        assert_eq!(range("items=0-1"), None);
        assert_eq!(range("bytes=x-"), None);
    }

    #[test]
    fn content_disposition_keeps_unicode_names_safe() {
        let v = content_disposition("报告 \"final\".pdf");
        assert!(v.starts_with("attachment; filename=\"__ _final_.pdf\""));
        assert!(v.contains("filename*=UTF-8''%E6%8A%A5%E5%91%8A%20%22final%22.pdf"));
    }
}
