//! Bytes in and out: single-request upload and streamed download.

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::conditional::{self, created, item_location};
use super::extract::{Call, FilesRead, FilesWrite};
use super::paths::{
    Binary, DownloadConditions, IfMatch, ItemPath, LocalProblems, NotModified, PreconditionFailed,
    SpacePath, TooLarge, UnsupportedUpload, UpstreamProblems,
};
use super::validate;
use crate::app::AppState;
use crate::error::{ApiError, ApiResult};
use crate::model::*;
use crate::providers::Allowed;
use crate::providers::{ByteRange, Download, DownloadOutcome, Drive, UploadFile};
use crate::spool::{self, Spooled};
use crate::streamed::Streamed;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(upload_file))
        .routes(routes!(download_file))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UploadQuery {
    /// File name: not blank, no control characters, at most 1024 characters; the provider's own
    /// rules (`capabilities.name_rules`) apply too. Required for a raw body; a multipart body
    /// may give it as the `name` field instead, and defaults to its `file` part's filename.
    #[param(
        min_length = 1,
        max_length = 1024,
        pattern = r"^[^\u0000-\u001F\u007F-\u009F]*[^\u0000-\u0020\u007F-\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000][^\u0000-\u001F\u007F-\u009F]*$"
    )]
    pub name: Option<String>,
    /// Parent folder id; the space's root when absent.
    pub parent: Option<String>,
    /// What to do when the name is taken (default `fail`).
    pub on_conflict: Option<OnConflict>,
}

/// The `multipart/form-data` body of an upload (the alternative to the raw bytes).
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct UploadForm {
    /// The file's bytes; its `filename` is the default name. Exactly one `file` part.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
    /// The file's name, instead of the `file` part's filename (as the `name` query parameter).
    #[schema(schema_with = crate::model::rules::name)]
    name: Option<String>,
    /// Parent folder id (as the `parent` query parameter).
    parent: Option<String>,
    /// What to do when the name is taken (as the `on_conflict` query parameter).
    on_conflict: Option<OnConflict>,
}

/// The `multipart/form-data` body of a version upload.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct VersionForm {
    /// The new content. Exactly one `file` part; no other parts.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
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
    needs: spool::Needs,
) -> ApiResult<Spooled> {
    if declared_length(headers).is_some_and(|len| len > limit) {
        return Err(ApiError::PayloadTooLarge { limit });
    }
    // An `Idempotency-Key` request's body is on disk already: take that file over.
    if let Some(s) = spool::take_already_spooled() {
        if s.size > limit {
            return Err(ApiError::PayloadTooLarge { limit });
        }
        return s.with_digests(needs).await;
    }
    with_limit(
        spool::spool(state.spool_dir(), body.into_data_stream(), limit, needs).await,
        limit,
    )
}

fn declared_length(headers: &HeaderMap) -> Option<u64> {
    headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
}

fn with_limit<T>(r: ApiResult<T>, limit: u64) -> ApiResult<T> {
    r.map_err(|e| match e {
        ApiError::PayloadTooLarge { .. } => ApiError::PayloadTooLarge { limit },
        other => other,
    })
}

/// What the 415 answer of an upload lists.
pub const UPLOAD_MEDIA_TYPES: &str = "an upload body is the raw bytes (`application/octet-stream`, or no Content-Type) or `multipart/form-data` with a `file` part";

/// An upload body, spooled (or, for a provider that streams, the body itself), with the form
/// fields a multipart body carried.
#[derive(Debug)]
pub struct Incoming<C = Spooled> {
    pub content: C,
    /// The `file` part's filename (multipart), its last path segment.
    pub file_name: Option<String>,
    /// Text fields of a multipart body, by name (only names the route allows).
    pub fields: Vec<(String, String)>,
}

impl<C> Incoming<C> {
    /// A form field, or the query parameter of the same name; both given and different is a 400.
    pub fn field(&self, name: &str, query: Option<String>) -> ApiResult<Option<String>> {
        let form = self
            .fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone());
        match (form, query) {
            (Some(f), Some(q)) if f != q => Err(ApiError::invalid_field(
                name,
                format!(
                    "`{name}` is given both as a form field and as a query parameter, with different values"
                ),
            )),
            (Some(f), _) => Ok(Some(f)),
            (None, q) => Ok(q),
        }
    }
}

/// The longest text field of a multipart upload (names, ids, `on_conflict`).
const MAX_FORM_FIELD: u64 = 8 * 1024;

/// Reads an upload body, raw or `multipart/form-data`, to the spool: the file's bytes go to
/// disk chunk by chunk in both cases (never whole in memory; the multipart parser is `multer`,
/// which streams a part's data). `form_fields` are the text parts the route accepts besides
/// `file`; any other part is a 400 naming it. Anything but the two media types is a 415.
pub async fn read_upload(
    state: &AppState,
    headers: &HeaderMap,
    body: Body,
    limit: u64,
    needs: spool::Needs,
    form_fields: &[&str],
) -> ApiResult<Incoming> {
    let content_type = match headers.get(header::CONTENT_TYPE) {
        None => None,
        Some(v) => Some(v.to_str().map_err(|_| {
            ApiError::UnsupportedMediaType(format!(
                "the Content-Type is not valid text; {UPLOAD_MEDIA_TYPES}"
            ))
        })?),
    };
    let essence = content_type.map(|ct| {
        ct.split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase()
    });
    match essence.as_deref() {
        None | Some("application/octet-stream") => Ok(Incoming {
            content: spool_body(state, headers, body, limit, needs).await?,
            file_name: None,
            fields: Vec::new(),
        }),
        Some("multipart/form-data") => {
            let ct = content_type.unwrap_or_default();
            let boundary = multer::parse_boundary(ct).map_err(|_| ApiError::BadRequest {
                code: "invalid_multipart",
                detail: "multipart/form-data needs a boundary parameter".into(),
                field: Some("Content-Type".into()),
            })?;
            // The envelope adds a few hundred bytes to the file; the spool counts the part
            // itself against `limit`.
            if declared_length(headers).is_some_and(|len| len > limit.saturating_add(64 * 1024)) {
                return Err(ApiError::PayloadTooLarge { limit });
            }
            read_multipart(state, body, boundary, limit, needs, form_fields).await
        }
        Some(other) => Err(ApiError::UnsupportedMediaType(format!(
            "Content-Type {other} is not accepted: {UPLOAD_MEDIA_TYPES}"
        ))),
    }
}

async fn read_multipart(
    state: &AppState,
    body: Body,
    boundary: String,
    limit: u64,
    needs: spool::Needs,
    form_fields: &[&str],
) -> ApiResult<Incoming> {
    let mut sizes = multer::SizeLimit::new();
    for f in form_fields {
        sizes = sizes.for_field(*f, MAX_FORM_FIELD);
    }
    let constraints = multer::Constraints::new().size_limit(sizes);
    let mut mp =
        multer::Multipart::with_constraints(body.into_data_stream(), boundary, constraints);
    let mut content = None;
    let mut file_name = None;
    let mut fields: Vec<(String, String)> = Vec::new();
    while let Some(field) = mp.next_field().await.map_err(multipart_error)? {
        let name = field.name().unwrap_or_default().to_owned();
        if name == "file" {
            if content.is_some() {
                return Err(ApiError::invalid_field(
                    "file",
                    "only one `file` part is allowed",
                ));
            }
            file_name = field
                .file_name()
                .map(|n| n.rsplit(['/', '\\']).next().unwrap_or(n).to_owned())
                .filter(|n| !n.is_empty());
            content = Some(with_limit(
                spool::spool(state.spool_dir(), field, limit, needs).await,
                limit,
            )?);
        } else if form_fields.contains(&name.as_str()) {
            if fields.iter().any(|(k, _)| *k == name) {
                return Err(ApiError::invalid_field(
                    &name,
                    format!("the `{name}` part is given twice"),
                ));
            }
            let value = field.text().await.map_err(multipart_error)?;
            fields.push((name, value));
        } else {
            let allowed: Vec<String> = std::iter::once("file")
                .chain(form_fields.iter().copied())
                .map(|f| format!("`{f}`"))
                .collect();
            return Err(ApiError::invalid_field(
                if name.is_empty() { "file" } else { &name },
                format!(
                    "unknown form part `{name}`; the parts are {}",
                    allowed.join(", ")
                ),
            ));
        }
    }
    let content = content.ok_or_else(|| {
        ApiError::invalid_field(
            "file",
            "a multipart upload needs a `file` part with the bytes",
        )
    })?;
    Ok(Incoming {
        content,
        file_name,
        fields,
    })
}

/// A multipart envelope that cannot be parsed is a 400 `invalid_multipart`; a text field over
/// its limit names itself; a broken body is what [`spool::spool`] makes of it (400 or 413).
fn multipart_error(e: multer::Error) -> ApiError {
    match e {
        multer::Error::FieldSizeExceeded { field_name, .. } => ApiError::invalid_field(
            field_name.as_deref().unwrap_or("file"),
            format!("a form field is at most {MAX_FORM_FIELD} bytes"),
        ),
        multer::Error::StreamReadFailed(_) => spool::body_error(e),
        other => ApiError::BadRequest {
            code: "invalid_multipart",
            detail: format!("the multipart/form-data body is malformed: {other}"),
            field: None,
        },
    }
}

/// Upload a file in one request.
///
/// The body is the file's bytes (`application/octet-stream`) or a `multipart/form-data` form
/// with a `file` part (its filename is the default `name`) and optionally `name`, `parent` and
/// `on_conflict` parts, which may be query parameters instead. Any other media type is 415.
/// The gateway spools the bytes to disk, then sends them upstream with the provider's protocol
/// (WeCom picks single or chunked upload by size); where the protocol needs no digest of the
/// whole file first (Fangcloud), a raw body with a `Content-Length` goes upstream as it
/// arrives instead. Either way a body that ends early, breaks or stalls leaves no file
/// upstream. WeCom and OneBot refuse empty files (400 `empty_file`). For large files use
/// resumable uploads.
///
/// `If-Match` applies to `on_conflict=replace`: the file of that name is replaced only while
/// its `etag` is the given one (412 otherwise, or when there is no such file; best-effort).
#[utoipa::path(post, path = "/v1/connections/{conn}/spaces/{space}/files", tag = "content", params(SpacePath, UploadQuery, IfMatch),
    request_body(content(
        (inline(Binary) = "application/octet-stream"),
        (UploadForm = "multipart/form-data")),
        description = "The raw bytes, or a form with a `file` part"),
    responses(
        (status = 201, body = UploadResult, headers(("Location" = String, description = "The new file's path, `/v1/connections/{conn}/spaces/{space}/items/{item}`"))),
        TooLarge, UnsupportedUpload, PreconditionFailed, LocalProblems, UpstreamProblems))]
async fn upload_file(
    State(state): State<AppState>,
    Call(auth, p, q): Call<FilesWrite, SpacePath, UploadQuery>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<Response> {
    let drive = auth.drive(Operation::UploadFile)?;
    if q.name.is_none() && !is_multipart(&headers) {
        return Err(ApiError::invalid_field(
            "name",
            "the `name` query parameter is required (or send multipart/form-data with a `file` part)",
        ));
    }
    let limit = upload_limit(&state, drive);
    let up = match raw_length(&headers).filter(|_| drive.streams_uploads()) {
        Some(size) if size > limit => return Err(ApiError::PayloadTooLarge { limit }),
        Some(size) => Incoming {
            content: Received::Streamed(Streamed::new(body, size)),
            file_name: None,
            fields: Vec::new(),
        },
        None => {
            let up = read_upload(
                &state,
                &headers,
                body,
                limit,
                drive.upload_digests(),
                &["name", "parent", "on_conflict"],
            )
            .await?;
            Incoming {
                content: Received::Spooled(up.content),
                file_name: up.file_name,
                fields: up.fields,
            }
        }
    };
    let name = up
        .field("name", q.name)?
        .or_else(|| up.file_name.clone())
        .ok_or_else(|| {
            ApiError::invalid_field(
                "name",
                "give the file a name: the `name` field or query parameter, or a filename on the `file` part",
            )
        })?;
    let name = validate::name("name", &name)?;
    let on_conflict = match up.field("on_conflict", None)? {
        Some(v) => {
            let form: OnConflict =
                serde_json::from_value(serde_json::Value::String(v)).map_err(|_| {
                    ApiError::invalid_field(
                        "on_conflict",
                        "on_conflict is `rename`, `replace` or `fail`",
                    )
                })?;
            if q.on_conflict.is_some_and(|c| c != form) {
                return Err(ApiError::invalid_field(
                    "on_conflict",
                    "`on_conflict` is given both as a form field and as a query parameter, with different values",
                ));
            }
            form
        }
        None => q.on_conflict.unwrap_or_default(),
    };
    let parent = up.field("parent", q.parent)?.filter(|s| !s.is_empty());
    // After a spooled body arrived: the lock is held for the checks and the upstream call
    // (which, for a streamed body, is the whole transfer).
    let _one_at_a_time = state
        .creation_locks()
        .lock(&auth.connection.name, &p.space, parent.as_deref(), &name)
        .await?;
    if headers.contains_key(header::IF_MATCH) {
        if on_conflict != OnConflict::Replace {
            return Err(ApiError::invalid_field(
                "If-Match",
                "If-Match applies to on_conflict=replace only (the file it would replace)",
            ));
        }
        let existing = find_named(drive, &auth.ctx, &p.space, parent.as_deref(), &name).await?;
        let Some(existing) = existing else {
            return Err(ApiError::PreconditionFailed(format!(
                "there is no file named '{name}' to replace"
            )));
        };
        conditional::check_if_match(&headers, drive, &auth.ctx, &p.space, &existing).await?;
    }
    let r = match up.content {
        Received::Spooled(content) => {
            let req = UploadFile {
                parent,
                name,
                on_conflict,
                content,
            };
            drive.upload_file(&auth.ctx, &p.space, req).await?
        }
        Received::Streamed(content) => {
            let req = UploadFile {
                parent,
                name,
                on_conflict,
                content,
            };
            with_limit(drive.upload_streamed(&auth.ctx, &p.space, req).await, limit)?
        }
    }
    .allowed(drive);
    Ok(created(
        item_location(&p.conn, &r.item.space_id, &r.item.id),
        r,
    ))
}

/// An upload's bytes: spooled, or the caller's body passed on as it arrives.
#[derive(Debug)]
enum Received {
    Spooled(Spooled),
    Streamed(Streamed),
}

/// The declared length of a raw (not multipart) upload body, which a streaming provider can
/// send on as it arrives; `None` for a multipart or chunked body, which is spooled.
fn raw_length(headers: &HeaderMap) -> Option<u64> {
    let raw = headers.get(header::CONTENT_TYPE).is_none()
        || media_type_is(headers, "application/octet-stream");
    raw.then(|| declared_length(headers)).flatten()
}

fn is_multipart(headers: &HeaderMap) -> bool {
    media_type_is(headers, "multipart/form-data")
}

/// Whether the Content-Type, parameters aside, is `essence` (case-insensitive).
fn media_type_is(headers: &HeaderMap, essence: &str) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| {
            ct.split(';')
                .next()
                .unwrap_or_default()
                .trim()
                .eq_ignore_ascii_case(essence)
        })
}

/// The id of the item named `name` in `parent` (for `If-Match` on a replace-upload), by
/// walking the folder's listing.
async fn find_named(
    drive: &dyn Drive,
    ctx: &crate::providers::Ctx,
    space: &str,
    parent: Option<&str>,
    name: &str,
) -> ApiResult<Option<String>> {
    let mut cursor = None;
    loop {
        let page = drive
            .list_items(
                ctx,
                space,
                ListItems {
                    parent: parent.map(str::to_owned),
                    sort: None,
                    kind: KindFilter::All,
                    page: PageRequest {
                        limit: MAX_PAGE_LIMIT,
                        cursor,
                    },
                },
            )
            .await?;
        if let Some(hit) = page
            .items
            .iter()
            .find(|i| i.kind != ItemKind::Folder && crate::names::same(&i.name, name))
        {
            return Ok(Some(hit.id.clone()));
        }
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => return Ok(None),
        }
    }
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
/// Streamed from the upstream, typed with the item's `mime_type`, with the item's `etag` as
/// `ETag` and its `modified_at` as `Last-Modified`. `If-None-Match` (or, without it,
/// `If-Modified-Since`) answers 304 when the caller's copy is current; the item is read first,
/// so a 304 costs no download. `Range: bytes=…` is honoured where
/// `capabilities.range_downloads` is true (206 with `Content-Range`); a range past the end is
/// 416. `redirect=true` answers 302 to a short-lived upstream URL where that URL needs no
/// secret; otherwise the bytes are streamed.
#[utoipa::path(get, path = "/v1/connections/{conn}/spaces/{space}/items/{item}/content", tag = "content",
    params(ItemPath, DownloadQuery, DownloadConditions,
        ("Range" = Option<String>, Header, description = "`bytes=<first>-[<last>]` or `bytes=-<suffix length>`; one range only (anything else is ignored and the whole file is sent). Honoured where `capabilities.range_downloads` is true.")),
    responses(
        (status = 200, description = "The file's bytes, typed with the item's `mime_type`",
            content((inline(Binary) = "application/octet-stream"), (inline(Binary) = "*/*")),
            headers(
                ("Content-Type" = String, description = "The item's `mime_type` (guessed from the name; `application/octet-stream` when unknown)"),
                ("Content-Length" = u64, description = "The file's size, when the upstream reports it"),
                ("Content-Disposition" = String, description = "`attachment` with the file's name: an ASCII `filename` fallback and the RFC 8187 `filename*` (RFC 6266)"),
                ("ETag" = String, description = "The item's `etag`"),
                ("Last-Modified" = String, description = "The item's `modified_at`, when known"),
                ("Accept-Ranges" = String, description = "`bytes`"),
                ("X-Content-Type-Options" = String, description = "`nosniff`"))),
        (status = 206, description = "The requested range",
            content((inline(Binary) = "application/octet-stream"), (inline(Binary) = "*/*")),
            headers(
                ("Content-Range" = String, description = "`bytes <first>-<last>/<size>` (`*` when the size is unknown)"),
                ("Content-Length" = u64, description = "The range's length, when known"),
                ("Content-Disposition" = String, description = "`attachment` with the file's name"),
                ("ETag" = String, description = "The item's `etag`"),
                ("Last-Modified" = String, description = "The item's `modified_at`, when known"),
                ("Accept-Ranges" = String, description = "`bytes`"),
                ("X-Content-Type-Options" = String, description = "`nosniff`"))),
        (status = 302, description = "Redirect to a short-lived upstream URL (`redirect=true`)",
            headers(("Location" = String, description = "The upstream URL; it needs no credentials and expires within minutes"))),
        NotModified,
        (status = 416, description = "The range starts past the end of the file", body = crate::error::Problem, content_type = "application/problem+json"),
        LocalProblems, UpstreamProblems))]
async fn download_file(
    Call(auth, p, q): Call<FilesRead, ItemPath, DownloadQuery>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let drive = auth.drive(Operation::DownloadFile)?;
    if conditional::has_read_conditions(&headers)
        && drive.capabilities().supports(Operation::GetItem)
    {
        let item = drive.get_item(&auth.ctx, &p.space, &p.item).await?;
        if conditional::not_modified(&headers, &item) {
            return Ok(conditional::not_modified_response(&item));
        }
    }
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
        .item
        .mime_type
        .clone()
        .unwrap_or_else(|| mime_type_of(&d.item.name));
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
    if let Ok(v) = HeaderValue::from_str(&content_disposition(&d.item.name)) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    conditional::validator_headers(h, &d.item);
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
