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

/// A spooled upload: bytes on disk plus their digests.
#[derive(Debug)]
pub struct Spooled {
    path: Backing,
    pub size: u64,
    pub md5: String,
    pub sha1: String,
    /// WeCom's cumulative block SHA list (2 MiB blocks).
    pub block_sha: Vec<String>,
}

/// Where the bytes live: a temp file, removed on drop.
#[derive(Debug)]
struct Backing(TempPath);

impl Backing {
    fn path(&self) -> &Path {
        &self.0
    }
}

#[derive(Default)]
struct Digests {
    md5: Md5,
    sha: BlockSha,
}

impl Digests {
    fn update(&mut self, data: &[u8]) {
        self.md5.update(data);
        self.sha.update(data);
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
pub async fn spool<S, E>(dir: &Path, body: S, limit: u64) -> ApiResult<Spooled>
where
    S: Stream<Item = Result<Bytes, E>> + Send,
    E: std::error::Error + Send + Sync + 'static,
{
    let (file, path) = temp_file(dir)?;
    let mut out = tokio::io::BufWriter::with_capacity(256 * 1024, file);
    let mut digests = Digests::default();
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
    Spooled {
        path,
        size,
        md5: hex::encode(d.md5.finalize()),
        sha1: d.sha.digest_hex(),
        block_sha: d.sha.finish(),
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
        let s = spool(dir.path(), chunks(&data), 1 << 20).await.unwrap();
        assert_eq!(s.size, 50_000);
        assert_eq!(s.md5, hex::encode(Md5::digest(&data)));
        assert_eq!(s.block_sha, vec![s.sha1.clone()]);
        assert_eq!(s.read_at(49_990, 100).await.unwrap(), &data[49_990..]);
        let path = s.path().to_owned();
        assert!(path.exists());
        drop(s);
        assert!(!path.exists());
    }

    #[tokio::test]
    async fn an_oversize_or_broken_body_leaves_no_file_behind() {
        let dir = tempfile::tempdir().unwrap();
        let err = spool(dir.path(), chunks(&[0u8; 5000]), 4096)
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
        let err = spool(dir.path(), broken, 4096).await.unwrap_err();
        assert_eq!(err.code(), "upload_incomplete");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }
}
