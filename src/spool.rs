//! Upload bodies are spooled to a temporary file before anything is sent upstream.
//!
//! Why: WeCom needs every block's SHA before the first byte goes up, OneBot needs the whole
//! file as base64, and for every provider a caller who disconnects halfway must leave nothing
//! behind upstream. Spooling reads the body once, writes it to disk and computes size, MD5,
//! SHA-1 and the WeCom block-SHA list on the way, with memory bounded by one chunk. The file is
//! removed when the [`Spooled`] value is dropped, whatever happened.

use std::path::{Path, PathBuf};

use bytes::Bytes;
use futures::stream::BoxStream;
use futures::{Stream, StreamExt};
use md5::{Digest, Md5};
use tempfile::TempPath;
use tokio::io::{AsyncReadExt, AsyncSeekExt, AsyncWriteExt};

use crate::error::{ApiError, ApiResult};
use crate::providers::wecom::block_sha::BlockSha;

/// A spooled upload: bytes on disk plus the digests that were asked for.
#[derive(Debug)]
pub struct Spooled {
    path: Backing,
    pub size: u64,
    /// Hex MD5, when [`Needs::md5`].
    pub md5: Option<String>,
    /// Hex SHA-1, when [`Needs::sha1`].
    pub sha1: Option<String>,
    /// WeCom's cumulative block SHA list (2 MiB blocks), when [`Needs::sha1`]; else empty.
    pub block_sha: Vec<String>,
}

/// The digests a provider's upload protocol needs of the whole file. Each costs a pass of
/// hashing over every byte (MD5 runs at about 600 MiB/s), so only these are computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Needs {
    pub md5: bool,
    /// SHA-1 and, with it for free, WeCom's cumulative block SHA list.
    pub sha1: bool,
}

impl Needs {
    pub const ALL: Self = Self {
        md5: true,
        sha1: true,
    };
    pub const SHA1: Self = Self {
        md5: false,
        sha1: true,
    };
    pub const NONE: Self = Self {
        md5: false,
        sha1: false,
    };
}

/// Where the bytes live: a temp file, removed on drop.
#[derive(Debug)]
struct Backing(TempPath);

impl Backing {
    fn path(&self) -> &Path {
        &self.0
    }
}

struct Digests {
    md5: Option<Md5>,
    sha: Option<BlockSha>,
}

impl Digests {
    fn new(needs: Needs) -> Self {
        Self {
            md5: needs.md5.then(Md5::default),
            sha: needs.sha1.then(BlockSha::default),
        }
    }

    fn update(&mut self, data: &[u8]) {
        if let Some(m) = &mut self.md5 {
            m.update(data);
        }
        if let Some(s) = &mut self.sha {
            s.update(data);
        }
    }
}

fn io_error(e: std::io::Error) -> ApiError {
    ApiError::internal(e)
}

/// Creates an empty temporary file in `dir`.
pub fn temp_file(dir: &Path) -> ApiResult<(tokio::fs::File, TempPath)> {
    let file = tempfile::Builder::new()
        .prefix("filegate-upload-")
        .tempfile_in(dir)
        .map_err(io_error)?;
    let (file, path) = file.into_parts();
    Ok((tokio::fs::File::from_std(file), path))
}

/// Reads `body` to a temp file in `dir`. More than `limit` bytes is a 413; a body that ends
/// early or breaks is a 400 — in both cases the temp file is already gone when this returns.
pub async fn spool<S, E>(dir: &Path, body: S, limit: u64, needs: Needs) -> ApiResult<Spooled>
where
    S: Stream<Item = Result<Bytes, E>> + Send,
    E: std::error::Error + Send + Sync + 'static,
{
    let (file, path) = temp_file(dir)?;
    let mut out = tokio::io::BufWriter::with_capacity(256 * 1024, file);
    let mut digests = Digests::new(needs);
    let mut size = 0u64;
    let mut body = std::pin::pin!(body);
    while let Some(chunk) = body.next().await {
        let chunk = chunk.map_err(body_error)?;
        size += chunk.len() as u64;
        if size > limit {
            return Err(ApiError::PayloadTooLarge { limit });
        }
        digests.update(&chunk);
        out.write_all(&chunk).await.map_err(io_error)?;
    }
    out.flush().await.map_err(io_error)?;
    out.into_inner().sync_data().await.map_err(io_error)?;
    Ok(finish(Backing(path), size, digests))
}

fn finish(path: Backing, size: u64, d: Digests) -> Spooled {
    let (sha1, block_sha) = match d.sha {
        Some(s) => (Some(s.digest_hex()), s.finish()),
        None => (None, Vec::new()),
    };
    Spooled {
        path,
        size,
        md5: d.md5.map(|m| hex::encode(m.finalize())),
        sha1,
        block_sha,
    }
}

/// A broken request body: the body-limit layer's error is a 413, anything else (client gone,
/// malformed chunking) a 400.
pub fn body_error<E: std::error::Error + Send + Sync + 'static>(e: E) -> ApiError {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(&e);
    while let Some(err) = source {
        if err.is::<http_body_util::LengthLimitError>() {
            return ApiError::PayloadTooLarge { limit: 0 };
        }
        source = err.source();
    }
    ApiError::bad_request(
        "upload_incomplete",
        "the request body ended before the upload was complete",
    )
}

impl Spooled {
    pub fn path(&self) -> &Path {
        self.path.path()
    }

    /// The whole file as a stream of chunks.
    pub async fn stream(&self) -> std::io::Result<BoxStream<'static, std::io::Result<Bytes>>> {
        let file = tokio::fs::File::open(self.path()).await?;
        Ok(tokio_util::io::ReaderStream::with_capacity(file, 64 * 1024).boxed())
    }

    /// `len` bytes from `offset` (a WeCom part: at most 2 MiB).
    pub async fn read_at(&self, offset: u64, len: usize) -> std::io::Result<Vec<u8>> {
        let mut file = tokio::fs::File::open(self.path()).await?;
        file.seek(std::io::SeekFrom::Start(offset)).await?;
        let mut buf = Vec::with_capacity(len);
        file.take(len as u64).read_to_end(&mut buf).await?;
        Ok(buf)
    }
}

tokio::task_local! {
    /// A request body the idempotency layer has already spooled (to fingerprint it), for the
    /// handler's own spool to take over instead of writing the same bytes to disk again.
    static ALREADY_SPOOLED: std::cell::Cell<Option<Spooled>>;
}

/// Runs `f` (the rest of the request) with `body`, the request's raw body on disk, ready to be
/// [`take_already_spooled`] instead of spooled again.
pub async fn with_already_spooled<F: Future>(body: Spooled, f: F) -> F::Output {
    ALREADY_SPOOLED
        .scope(std::cell::Cell::new(Some(body)), f)
        .await
}

/// The request's raw body if it is on disk already ([`with_already_spooled`]), without
/// digests ([`Spooled::with_digests`] adds them); `None` once taken, or outside such a request.
pub fn take_already_spooled() -> Option<Spooled> {
    ALREADY_SPOOLED.try_with(|cell| cell.take()).ok().flatten()
}

impl Spooled {
    /// This file with the digests `needs` asks for, read from it once.
    pub async fn with_digests(self, needs: Needs) -> ApiResult<Spooled> {
        if needs == Needs::NONE {
            return Ok(self);
        }
        let mut d = Digests::new(needs);
        let mut chunks = self.stream().await.map_err(io_error)?;
        while let Some(chunk) = chunks.next().await {
            d.update(&chunk.map_err(io_error)?);
        }
        Ok(finish(self.path, self.size, d))
    }
}

/// Where spooled files go: the configured directory or the system temp dir.
pub fn spool_dir(configured: Option<&PathBuf>) -> PathBuf {
    configured.cloned().unwrap_or_else(std::env::temp_dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chunks(data: &[u8]) -> impl Stream<Item = Result<Bytes, std::io::Error>> + Send + 'static {
        let v: Vec<Result<Bytes, std::io::Error>> = data
            .chunks(1000)
            .map(|c| Ok(Bytes::copy_from_slice(c)))
            .collect();
        futures::stream::iter(v)
    }

    #[tokio::test]
    async fn spooling_computes_the_digests_and_removes_the_file_on_drop() {
        let dir = tempfile::tempdir().unwrap();
        let data: Vec<u8> = (0..50_000u32).map(|i| (i % 251) as u8).collect();
        let s = spool(dir.path(), chunks(&data), 1 << 20, Needs::ALL)
            .await
            .unwrap();
        assert_eq!(s.size, 50_000);
        assert_eq!(s.md5, Some(hex::encode(Md5::digest(&data))));
        assert_eq!(Some(s.block_sha[0].clone()), s.sha1);
        assert_eq!(s.block_sha.len(), 1);
        let only_sha = spool(dir.path(), chunks(&data), 1 << 20, Needs::SHA1)
            .await
            .unwrap();
        assert_eq!((only_sha.md5, only_sha.sha1), (None, s.sha1.clone()));
        let none = spool(dir.path(), chunks(&data), 1 << 20, Needs::NONE)
            .await
            .unwrap();
        assert_eq!((none.md5, none.sha1, none.block_sha.len()), (None, None, 0));
        assert_eq!(s.read_at(49_990, 100).await.unwrap(), &data[49_990..]);
        let path = s.path().to_owned();
        assert!(path.exists());
        drop(s);
        assert!(!path.exists());
    }

    #[tokio::test]
    async fn an_oversize_or_broken_body_leaves_no_file_behind() {
        let dir = tempfile::tempdir().unwrap();
        let err = spool(dir.path(), chunks(&[0u8; 5000]), 4096, Needs::ALL)
            .await
            .unwrap_err();
        assert_eq!(err.status().as_u16(), 413);
        let broken = futures::stream::iter(vec![
            Ok(Bytes::from_static(b"abc")),
            Err(std::io::Error::new(
                std::io::ErrorKind::ConnectionReset,
                "gone",
            )),
        ]);
        let err = spool(dir.path(), broken, 4096, Needs::ALL)
            .await
            .unwrap_err();
        assert_eq!(err.code(), "upload_incomplete");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }
}
