//! An upload body sent upstream as it arrives, for a provider whose protocol needs no digest
//! of the whole file before the first byte (Fangcloud's pre-signed upload takes only the size).
//!
//! Why not always spool ([`crate::spool`]): writing a 4 GiB file to disk before a byte goes up
//! doubles the time of the upload. What spooling guaranteed is kept: the body must be exactly
//! its declared `Content-Length`, and a body that breaks, stalls or runs long makes the
//! upstream request fail mid-body, so the upstream stores nothing (its pre-signed upload
//! commits a file only when the whole multipart body arrived). The caller's fault, not the
//! upstream's, is what the handler then answers.

use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use bytes::Bytes;
use futures::Stream;
use futures::stream::BoxStream;

use crate::error::ApiError;

/// The caller's body, not yet read, with the length it declared.
pub struct Streamed {
    pub size: u64,
    body: BoxStream<'static, Result<Bytes, axum::Error>>,
}

impl std::fmt::Debug for Streamed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Streamed")
            .field("size", &self.size)
            .finish()
    }
}

/// Where the counting stream leaves the caller's fault, if the body failed it.
#[derive(Clone, Default)]
pub struct Fault(Arc<Mutex<Option<ApiError>>>);

impl Fault {
    fn set(&self, e: ApiError) {
        if let Ok(mut slot) = self.0.lock() {
            slot.get_or_insert(e);
        }
    }

    /// The caller's fault if the body failed, else `upstream` (what the upstream call ended in).
    pub fn or(&self, upstream: ApiError) -> ApiError {
        self.0
            .lock()
            .ok()
            .and_then(|mut slot| slot.take())
            .unwrap_or(upstream)
    }
}

impl Streamed {
    pub fn new(body: axum::body::Body, size: u64) -> Self {
        Self {
            size,
            body: Box::pin(body.into_data_stream()),
        }
    }

    /// The bytes as a stream that yields exactly `size` bytes or fails; its failure is kept in
    /// the [`Fault`].
    pub fn into_stream(self) -> (Counted, Fault) {
        let fault = Fault::default();
        (
            Counted {
                inner: self.body,
                left: self.size,
                fault: fault.clone(),
            },
            fault,
        )
    }
}

/// The caller's body, counted against its declared length.
pub struct Counted {
    inner: BoxStream<'static, Result<Bytes, axum::Error>>,
    left: u64,
    fault: Fault,
}

/// Why a streamed body was cut off (the upstream request fails with it).
#[derive(Debug, thiserror::Error)]
#[error("the caller's upload body ended early, broke or ran past its Content-Length")]
pub struct BodyCut;

impl Counted {
    fn cut(&mut self, e: ApiError) -> Poll<Option<Result<Bytes, BodyCut>>> {
        self.fault.set(e);
        self.left = 0;
        Poll::Ready(Some(Err(BodyCut)))
    }
}

impl Stream for Counted {
    type Item = Result<Bytes, BodyCut>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        match self.inner.as_mut().poll_next(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(Some(Ok(chunk))) => {
                let n = chunk.len() as u64;
                if n > self.left {
                    return self.cut(ApiError::invalid_field(
                        "Content-Length",
                        "the request body is longer than its Content-Length",
                    ));
                }
                self.left -= n;
                Poll::Ready(Some(Ok(chunk)))
            }
            Poll::Ready(Some(Err(e))) => {
                let e = crate::spool::body_error(e);
                self.cut(e)
            }
            Poll::Ready(None) if self.left > 0 => self.cut(crate::spool::body_error(BodyCut)),
            Poll::Ready(None) => Poll::Ready(None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::StreamExt;

    fn body(chunks: Vec<Result<&'static [u8], std::io::Error>>) -> axum::body::Body {
        axum::body::Body::from_stream(futures::stream::iter(
            chunks.into_iter().map(|c| c.map(Bytes::from_static)),
        ))
    }

    async fn drain(s: Streamed) -> (Vec<u8>, bool, Fault) {
        let (mut c, fault) = s.into_stream();
        let mut out = Vec::new();
        let mut failed = false;
        while let Some(chunk) = c.next().await {
            match chunk {
                Ok(b) => out.extend_from_slice(&b),
                Err(_) => failed = true,
            }
        }
        (out, failed, fault)
    }

    fn upstream() -> ApiError {
        ApiError::bad_request("upstream", "the upstream's own failure")
    }

    #[tokio::test]
    async fn a_whole_body_passes_and_leaves_no_fault() {
        let (out, failed, fault) = drain(Streamed::new(body(vec![Ok(b"abc"), Ok(b"de")]), 5)).await;
        assert_eq!((out.as_slice(), failed), (&b"abcde"[..], false));
        assert_eq!(fault.or(upstream()).code(), "upstream");
    }

    #[tokio::test]
    async fn a_short_long_or_broken_body_fails_the_stream_and_names_the_callers_fault() {
        let (_, failed, fault) = drain(Streamed::new(body(vec![Ok(b"abc")]), 5)).await;
        assert!(failed);
        assert_eq!(fault.or(upstream()).code(), "upload_incomplete");

        let (out, failed, fault) =
            drain(Streamed::new(body(vec![Ok(b"abc"), Ok(b"def")]), 5)).await;
        assert_eq!((out.as_slice(), failed), (&b"abc"[..], true));
        assert_eq!(fault.or(upstream()).code(), "invalid_request");

        let gone = std::io::Error::new(std::io::ErrorKind::ConnectionReset, "gone");
        let (_, failed, fault) = drain(Streamed::new(body(vec![Ok(b"ab"), Err(gone)]), 5)).await;
        assert!(failed);
        assert_eq!(fault.or(upstream()).code(), "upload_incomplete");
    }
}
