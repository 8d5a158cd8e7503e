//! Action parameters: read from a JSON body, a form body or the query string, and typed
//! accessors that accept numbers given as JSON numbers or as numeric strings (as OneBot
//! implementations do: form and query values are always strings).

use std::path::Path;

use axum::body::Body;
use axum::extract::Request;
use axum::http::{Method, StatusCode, header};
use axum::response::Response;
use futures::StreamExt;
use md5::Md5;
use serde_json::{Map, Value};
use sha1::{Digest, Sha1};
use tempfile::{NamedTempFile, TempPath};
use tokio::io::{AsyncWriteExt, BufWriter};

use super::envelope::{Failure, RETCODE_BAD_REQUEST, RETCODE_FAILED, failed, refuse};
use super::file_arg::{FileSink, Outcome, SinkError};
use super::form_stream::FormScanner;
use super::json_stream::{JsonScanner, ScanError};

/// The parameters of one action call.
pub(crate) struct Params {
    map: Map<String, Value>,
    /// The `file` parameter when it was a string.
    pub file: Option<FileArg>,
    /// `echo`, returned as sent; `""` when absent, as in the documented samples.
    pub echo: Value,
}

/// A string `file` parameter.
pub(crate) enum FileArg {
    /// `base64://…` content, already decoded to disk.
    Base64(Blob),
    /// A path, URL or anything else (possibly truncated).
    Other(String),
}

/// Decoded upload content on disk; removed when dropped unless kept.
pub(crate) struct Blob {
    pub path: TempPath,
    pub size: u64,
    pub md5: String,
    pub sha1: String,
}

impl Params {
    /// An integer parameter: a JSON integer or a string holding one. `null` counts as absent.
    pub fn int(&self, key: &str) -> Result<Option<i64>, Failure> {
        let bad = || Failure::bad(format!("parameter `{key}` must be an integer"));
        match self.map.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Number(n)) => n.as_i64().map(Some).ok_or_else(bad),
            Some(Value::String(s)) => s.trim().parse().map(Some).map_err(|_| bad()),
            Some(_) => Err(bad()),
        }
    }

    pub fn require_int(&self, key: &str) -> Result<i64, Failure> {
        self.int(key)?.ok_or_else(|| missing(key))
    }

    /// A string parameter. `null` counts as absent.
    pub fn string(&self, key: &str) -> Result<Option<&str>, Failure> {
        match self.map.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(Failure::bad(format!("parameter `{key}` must be a string"))),
        }
    }

    pub fn require_string(&self, key: &str) -> Result<&str, Failure> {
        self.string(key)?.ok_or_else(|| missing(key))
    }

    /// The `file` parameter; a missing or non-string one is a bad request.
    pub fn take_file(&mut self) -> Result<FileArg, Failure> {
        match self.file.take() {
            Some(file) => Ok(file),
            None if self.map.contains_key("file") => {
                Err(Failure::bad("parameter `file` must be a string"))
            }
            None => Err(missing("file")),
        }
    }
}

fn missing(key: &str) -> Failure {
    Failure::bad(format!("parameter `{key}` is missing"))
}

/// Reads the parameters of a call, decoding a base64 `file` straight to a temporary file in
/// `blob_dir`. Refusals are complete responses (400 malformed body, 405 method, 406 content
/// type, 413 too large, or a failed envelope for an unusable `file`).
pub(crate) async fn read(
    req: Request,
    blob_dir: &Path,
    max_body_bytes: usize,
) -> Result<Params, Response> {
    let (parts, body) = req.into_parts();
    let mut scanner = if parts.method == Method::GET {
        let mut scanner = Scanner::Form(FormScanner::new());
        let query = parts.uri.query().unwrap_or_default();
        let read = scanner.feed_all(query.as_bytes(), blob_dir).await;
        return finish(read, scanner, blob_dir).await;
    } else if parts.method == Method::POST {
        let content_type = parts
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_ascii_lowercase();
        if content_type.starts_with("application/json") {
            Scanner::Json(JsonScanner::new())
        } else if content_type.starts_with("application/x-www-form-urlencoded") {
            Scanner::Form(FormScanner::new())
        } else {
            // OneBot 11 HTTP: other content types are 406 — unless there is no body at all,
            // which every implementation reads as "no parameters".
            Scanner::Unsupported
        }
    } else {
        return Err(refuse(
            StatusCode::METHOD_NOT_ALLOWED,
            RETCODE_BAD_REQUEST,
            "only GET and POST are supported",
        ));
    };
    let declared = parts
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > max_body_bytes as u64) {
        linger(&mut body.into_data_stream()).await;
        return Err(too_large(max_body_bytes));
    }
    let read = stream_body(body, &mut scanner, blob_dir, max_body_bytes).await;
    finish(read, scanner, blob_dir).await
}

enum Scanner {
    Json(JsonScanner),
    Form(FormScanner),
    Unsupported,
    /// The body was empty: no parameters.
    Empty,
}

/// A refusal found while reading the parameters.
enum ReadError {
    Scan(ScanError),
    /// The body exceeds this many bytes.
    TooLarge(usize),
    BodyFailed,
    Unsupported,
    Io(std::io::Error),
}

impl From<ScanError> for ReadError {
    fn from(e: ScanError) -> Self {
        ReadError::Scan(e)
    }
}

impl From<std::io::Error> for ReadError {
    fn from(e: std::io::Error) -> Self {
        ReadError::Io(e)
    }
}

impl Scanner {
    fn sink(&mut self) -> Option<&mut FileSink> {
        match self {
            Scanner::Json(s) => Some(&mut s.sink),
            Scanner::Form(s) => Some(&mut s.sink),
            Scanner::Unsupported | Scanner::Empty => None,
        }
    }

    fn feed(&mut self, chunk: &[u8]) -> Result<(), ReadError> {
        match self {
            Scanner::Json(s) => Ok(s.feed(chunk)?),
            Scanner::Form(s) => Ok(s.feed(chunk)?),
            Scanner::Unsupported if chunk.is_empty() => Ok(()),
            Scanner::Unsupported => Err(ReadError::Unsupported),
            Scanner::Empty => Ok(()),
        }
    }

    /// Feeds a whole in-memory input (a query string).
    async fn feed_all(
        &mut self,
        input: &[u8],
        blob_dir: &Path,
    ) -> Result<Option<BlobWriter>, ReadError> {
        let mut writer = None;
        self.feed(input)?;
        drain(self, &mut writer, blob_dir).await?;
        Ok(writer)
    }
}

/// Streams the body through the scanner, writing decoded file bytes to disk as they come.
async fn stream_body(
    body: Body,
    scanner: &mut Scanner,
    blob_dir: &Path,
    max_body_bytes: usize,
) -> Result<Option<BlobWriter>, ReadError> {
    let mut stream = body.into_data_stream();
    let mut writer = None;
    let mut total = 0usize;
    let outcome: Result<(), ReadError> = async {
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|_| ReadError::BodyFailed)?;
            total = total.saturating_add(chunk.len());
            if total > max_body_bytes {
                return Err(ReadError::TooLarge(max_body_bytes));
            }
            scanner.feed(&chunk)?;
            drain(scanner, &mut writer, blob_dir).await?;
        }
        Ok(())
    }
    .await;
    if let Err(e) = outcome {
        if matches!(
            e,
            ReadError::Scan(_) | ReadError::Unsupported | ReadError::TooLarge(_)
        ) {
            linger(&mut stream).await;
        }
        return Err(e);
    }
    if total == 0 {
        *scanner = Scanner::Empty;
    }
    Ok(writer)
}

/// Most a refused body is read for before the connection is dropped anyway.
const LINGER_BYTES: usize = 64 << 20;
const LINGER_TIME: std::time::Duration = std::time::Duration::from_secs(5);

/// Reads and discards what is left of a refused body, bounded in bytes and time, as nginx's
/// lingering close does in front of a real implementation: closing with unread bytes makes the
/// kernel send a reset, and the client would see a broken connection instead of the refusal.
async fn linger(stream: &mut axum::body::BodyDataStream) {
    let read = async {
        let mut total = 0usize;
        while let Some(Ok(chunk)) = stream.next().await {
            total = total.saturating_add(chunk.len());
            if total > LINGER_BYTES {
                break;
            }
        }
    };
    let _ = tokio::time::timeout(LINGER_TIME, read).await;
}

/// Moves decoded file bytes from the sink to the (lazily created) temporary file.
async fn drain(
    scanner: &mut Scanner,
    writer: &mut Option<BlobWriter>,
    blob_dir: &Path,
) -> Result<(), ReadError> {
    let Some(sink) = scanner.sink() else {
        return Ok(());
    };
    if !sink.is_base64() {
        return Ok(());
    }
    if writer.is_none() {
        *writer = Some(BlobWriter::create(blob_dir)?);
    }
    if let Some(w) = writer.as_mut() {
        w.write(&sink.out).await?;
    }
    sink.out.clear();
    Ok(())
}

/// Completes the scan and assembles the parameters, or renders the refusal.
async fn finish(
    read: Result<Option<BlobWriter>, ReadError>,
    scanner: Scanner,
    blob_dir: &Path,
) -> Result<Params, Response> {
    let mut writer = read.map_err(reject)?;
    let (mut map, mut sink) = match scanner {
        Scanner::Json(s) => s.finish().map_err(|e| reject(e.into()))?,
        Scanner::Form(s) => s.finish().map_err(|e| reject(e.into()))?,
        Scanner::Unsupported | Scanner::Empty => (Map::new(), FileSink::default()),
    };
    let file = match sink.outcome() {
        None => None,
        Some(Outcome::Other(s)) => Some(FileArg::Other(s.clone())),
        Some(Outcome::Base64) => {
            // The form scanner ends its last value only in `finish`: store what that produced.
            let blob = async {
                let mut w = match writer.take() {
                    Some(w) => w,
                    None => BlobWriter::create(blob_dir)?,
                };
                w.write(&sink.out).await?;
                sink.out.clear();
                w.finish().await
            }
            .await;
            Some(FileArg::Base64(blob.map_err(|e| reject(e.into()))?))
        }
    };
    // The token is transport, not an action parameter.
    map.remove("access_token");
    let echo = map
        .remove("echo")
        .unwrap_or_else(|| Value::String(String::new()));
    Ok(Params { map, file, echo })
}

fn too_large(max: usize) -> Response {
    refuse(
        StatusCode::PAYLOAD_TOO_LARGE,
        RETCODE_BAD_REQUEST,
        &format!("request body larger than {max} bytes"),
    )
}

fn reject(e: ReadError) -> Response {
    let empty_echo = || Value::String(String::new());
    match e {
        ReadError::TooLarge(max) => too_large(max),
        ReadError::Unsupported => refuse(
            StatusCode::NOT_ACCEPTABLE,
            RETCODE_BAD_REQUEST,
            "Content-Type must be application/json or application/x-www-form-urlencoded",
        ),
        ReadError::BodyFailed => refuse(
            StatusCode::BAD_REQUEST,
            RETCODE_BAD_REQUEST,
            "the request body could not be read",
        ),
        ReadError::Scan(ScanError::Syntax(what)) => refuse(
            StatusCode::BAD_REQUEST,
            RETCODE_BAD_REQUEST,
            &format!("malformed request body: {what}"),
        ),
        ReadError::Scan(ScanError::TooLarge) => refuse(
            StatusCode::BAD_REQUEST,
            RETCODE_BAD_REQUEST,
            "parameters other than `file` exceed 1 MiB",
        ),
        ReadError::Scan(ScanError::File(SinkError::Duplicate)) => {
            failed(&Failure::bad("parameter `file` given twice"), empty_echo())
        }
        ReadError::Scan(ScanError::File(SinkError::InvalidBase64)) => failed(
            &Failure::bad("parameter `file`: invalid base64 after `base64://`"),
            empty_echo(),
        ),
        ReadError::Io(e) => failed(
            &Failure {
                retcode: RETCODE_FAILED,
                message: format!("could not store the upload: {e}"),
            },
            empty_echo(),
        ),
    }
}

/// Writes decoded upload bytes to a temporary file, hashing them on the way.
pub(crate) struct BlobWriter {
    file: BufWriter<tokio::fs::File>,
    path: TempPath,
    size: u64,
    md5: Md5,
    sha1: Sha1,
}

impl BlobWriter {
    pub(crate) fn create(dir: &Path) -> std::io::Result<Self> {
        let (file, path) = NamedTempFile::new_in(dir)?.into_parts();
        Ok(Self {
            file: BufWriter::with_capacity(256 * 1024, tokio::fs::File::from_std(file)),
            path,
            size: 0,
            md5: Md5::new(),
            sha1: Sha1::new(),
        })
    }

    pub(crate) async fn write(&mut self, data: &[u8]) -> std::io::Result<()> {
        if data.is_empty() {
            return Ok(());
        }
        self.md5.update(data);
        self.sha1.update(data);
        self.size += data.len() as u64;
        self.file.write_all(data).await
    }

    pub(crate) async fn finish(mut self) -> std::io::Result<Blob> {
        self.file.flush().await?;
        Ok(Blob {
            path: self.path,
            size: self.size,
            md5: hex::encode(self.md5.finalize()),
            sha1: hex::encode(self.sha1.finalize()),
        })
    }
}
