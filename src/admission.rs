//! Admission control: how many requests run at once, and separately how many uploads, in
//! total and per caller, so that callers holding uploads open (or stalling them) can never take
//! the slots metadata calls need. `/healthz`, `/readyz` and `/metrics` pass no limit here.
//! Upload bodies are also watched while they arrive: a body that goes silent for
//! `body_read_timeout`, or arrives slower than `min_upload_bytes_per_sec`, ends in 408
//! `request_timeout` (the caller's silence, not an upstream's).

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use bytes::Bytes;
use http_body::{Body as HttpBody, Frame, SizeHint};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::{Instant, Sleep};

use crate::app::AppState;
use crate::config::Limits;
use crate::error::Problem;

/// Seconds a refused caller is told to wait.
const RETRY_AFTER_SECS: u64 = 1;

pub struct Admission {
    requests: Arc<Semaphore>,
    uploads: Arc<Semaphore>,
    per_subject: Arc<Mutex<HashMap<String, usize>>>,
    max_per_subject: usize,
    body_read_timeout: Duration,
    min_rate: u64,
}

impl Admission {
    pub fn new(limits: &Limits) -> Self {
        Self {
            requests: Arc::new(Semaphore::new(limits.max_concurrent_requests)),
            uploads: Arc::new(Semaphore::new(limits.max_concurrent_uploads)),
            per_subject: Arc::default(),
            max_per_subject: limits.max_uploads_per_subject,
            body_read_timeout: limits.body_read_timeout,
            min_rate: limits.min_upload_bytes_per_sec,
        }
    }

    /// A slot, or why there is none (the 503's detail).
    fn request_slot(&self) -> Result<OwnedSemaphorePermit, &'static str> {
        self.requests.clone().try_acquire_owned().map_err(|_| {
            "the gateway is at its concurrency limit (limits.max_concurrent_requests); retry later"
        })
    }

    fn upload_slot(&self, subject: &str) -> Result<UploadSlot, &'static str> {
        let total = self.uploads.clone().try_acquire_owned().map_err(
            |_| "too many uploads are in progress (limits.max_concurrent_uploads); retry later",
        )?;
        let mut map = self
            .per_subject
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let n = map.entry(subject.to_owned()).or_insert(0);
        if *n >= self.max_per_subject {
            return Err(
                "this caller has too many uploads in progress (limits.max_uploads_per_subject); retry later",
            );
        }
        *n += 1;
        Ok(UploadSlot {
            _total: total,
            subject: subject.to_owned(),
            map: self.per_subject.clone(),
        })
    }
}

struct UploadSlot {
    _total: OwnedSemaphorePermit,
    subject: String,
    map: Arc<Mutex<HashMap<String, usize>>>,
}

impl Drop for UploadSlot {
    fn drop(&mut self) {
        let mut map = self
            .map
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(n) = map.get_mut(&self.subject) {
            *n -= 1;
            if *n == 0 {
                map.remove(&self.subject);
            }
        }
    }
}

/// 503 `overloaded` with `Retry-After`.
pub fn overloaded(detail: &str) -> Response {
    let mut res = Problem::new(StatusCode::SERVICE_UNAVAILABLE, "overloaded", detail)
        .into_response_with_status(StatusCode::SERVICE_UNAVAILABLE);
    res.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(RETRY_AFTER_SECS));
    res
}

/// Ordinary routes: one slot of `max_concurrent_requests` while the handler runs.
pub async fn limit_requests(State(state): State<AppState>, req: Request, next: Next) -> Response {
    match state.admission().request_slot() {
        Ok(_slot) => next.run(req).await,
        Err(detail) => overloaded(detail),
    }
}

/// Transfer routes: downloads take a request slot; requests with a body take an upload slot
/// (keyed by the caller's `sub`; unauthenticated ones go on to their 401) and have their body
/// watched.
pub async fn limit_transfers(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return limit_requests(State(state), req, next).await;
    }
    let caller = state.verifier().verify_header(
        req.headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok()),
    );
    let Ok(caller) = caller else {
        return next.run(req).await;
    };
    let adm = state.admission();
    let _slot = match adm.upload_slot(&caller.sub) {
        Ok(s) => s,
        Err(detail) => return overloaded(detail),
    };
    let timed_out = Arc::new(AtomicBool::new(false));
    let req = req.map(|body| {
        Body::new(WatchedBody::new(
            body,
            adm.body_read_timeout,
            adm.min_rate,
            timed_out.clone(),
        ))
    });
    let res = next.run(req).await;
    if timed_out.load(Ordering::Acquire) {
        let mut res = Problem::new(
            StatusCode::REQUEST_TIMEOUT,
            "request_timeout",
            "the request body stalled or arrived too slowly (limits.body_read_timeout, limits.min_upload_bytes_per_sec)",
        )
        .into_response_with_status(StatusCode::REQUEST_TIMEOUT);
        // The rest of the body will not be read: the connection cannot be reused.
        res.headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
        return res;
    }
    res
}

/// Why a watched body stopped.
#[derive(Debug, thiserror::Error)]
#[error("the request body stalled or arrived too slowly")]
pub struct BodyTimeout;

/// A request body that fails with [`BodyTimeout`] when no data arrives for `idle`, or when,
/// after `idle` has passed since the first poll, fewer than `min_rate` bytes per second have
/// arrived on average.
struct WatchedBody {
    inner: Body,
    idle: Duration,
    min_rate: u64,
    started: Option<Instant>,
    received: u64,
    timer: Pin<Box<Sleep>>,
    timed_out: Arc<AtomicBool>,
}

impl WatchedBody {
    fn new(inner: Body, idle: Duration, min_rate: u64, timed_out: Arc<AtomicBool>) -> Self {
        Self {
            inner,
            idle,
            min_rate,
            started: None,
            received: 0,
            timer: Box::pin(tokio::time::sleep(idle)),
            timed_out,
        }
    }

    fn fail(&mut self) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        self.timed_out.store(true, Ordering::Release);
        Poll::Ready(Some(Err(axum::Error::new(BodyTimeout))))
    }

    fn too_slow(&self, now: Instant) -> bool {
        let Some(started) = self.started else {
            return false;
        };
        let elapsed = now.duration_since(started);
        self.min_rate > 0
            && elapsed >= self.idle
            && (self.received as f64) < self.min_rate as f64 * elapsed.as_secs_f64()
    }
}

impl HttpBody for WatchedBody {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let this = self.get_mut();
        if this.timed_out.load(Ordering::Acquire) {
            return Poll::Ready(Some(Err(axum::Error::new(BodyTimeout))));
        }
        let now = Instant::now();
        if this.started.is_none() {
            this.started = Some(now);
            this.timer.as_mut().reset(now + this.idle);
        }
        match Pin::new(&mut this.inner).poll_frame(cx) {
            Poll::Ready(Some(Ok(frame))) => {
                if let Some(data) = frame.data_ref() {
                    this.received += data.len() as u64;
                    if this.too_slow(now) {
                        return this.fail();
                    }
                    this.timer.as_mut().reset(now + this.idle);
                }
                Poll::Ready(Some(Ok(frame)))
            }
            Poll::Pending => match this.timer.as_mut().poll(cx) {
                Poll::Ready(()) => this.fail(),
                Poll::Pending => Poll::Pending,
            },
            other => other,
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}
