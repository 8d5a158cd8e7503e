//! The listener: accepts TCP connections and serves HTTP/1.1 and HTTP/2 on them with
//! hyper-util's server builder, under connection-level limits from `[limits]`:
//!
//! - at most `max_connections` open; more are closed as soon as they are accepted, before any
//!   byte is read (and the limit is kept below the file-descriptor limit, so `accept` itself
//!   never fails for want of descriptors);
//! - a new connection has `header_read_timeout` for its first request, and an HTTP/1.1 request
//!   head must arrive within it (hyper's header-read timer);
//! - a connection with no request in flight for `keep_alive_timeout` is closed;
//! - HTTP/2: `h2_max_concurrent_streams` per connection, the header list capped like HTTP/1.1
//!   heads, and keep-alive pings so dead peers are noticed;
//! - on shutdown: stop accepting, let requests finish for `shutdown_grace`, then end the rest
//!   (dropping a request's future removes its spool file).
//!
//! hyper answers some malformed requests itself (414, 431, 400) with an empty body; those
//! answers are rewritten into problem+json on the way out (see [`AutoAnswers`]).

use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode};
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinSet;
use tokio::time::Instant;
use tower::ServiceExt;

use crate::config::Limits;
use crate::error::Problem;

/// Descriptors kept free for the store, upstream connections, spool files and logs.
const RESERVED_FDS: u64 = 256;

/// How long an idle connection that was asked to close may take before it is dropped.
const IDLE_CLOSE_BOUND: Duration = Duration::from_secs(1);

/// Binds `addr` with an accept queue of `backlog` (`limits.listen_backlog`; tokio's
/// `TcpListener::bind` asks for 1024) and address reuse on, as `TcpListener::bind` has.
pub fn bind(addr: std::net::SocketAddr, backlog: u32) -> std::io::Result<TcpListener> {
    let socket = if addr.is_ipv4() {
        tokio::net::TcpSocket::new_v4()?
    } else {
        tokio::net::TcpSocket::new_v6()?
    };
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(backlog)
}

/// Raises the soft `RLIMIT_NOFILE` to the hard limit (as Go and nginx do: the soft limit is
/// often a historical 1024) and returns the soft limit now in force.
pub fn raise_fd_limit() -> Option<u64> {
    #[cfg(unix)]
    {
        let mut lim = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: getrlimit/setrlimit only read and write the struct passed by pointer.
        unsafe {
            if libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) != 0 {
                return None;
            }
            if lim.rlim_cur < lim.rlim_max {
                let raised = libc::rlimit {
                    rlim_cur: lim.rlim_max,
                    rlim_max: lim.rlim_max,
                };
                if libc::setrlimit(libc::RLIMIT_NOFILE, &raised) == 0 {
                    lim = raised;
                }
            }
        }
        #[allow(clippy::unnecessary_cast)] // rlim_t is not u64 on every unix
        Some(lim.rlim_cur as u64)
    }
    #[cfg(not(unix))]
    None
}

/// `max_connections`, lowered when the descriptor limit could not hold that many.
pub fn effective_max_connections(configured: usize) -> usize {
    match raise_fd_limit() {
        Some(fds) if (configured as u64).saturating_add(RESERVED_FDS) > fds => {
            let max = fds.saturating_sub(RESERVED_FDS).max(1) as usize;
            tracing::warn!(
                configured,
                max,
                fd_limit = fds,
                "limits.max_connections is above what the file-descriptor limit allows; lowered"
            );
            max
        }
        _ => configured,
    }
}

/// Serves `app` on `listener` until `shutdown` completes, then drains for `shutdown_grace`.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: &Limits,
    shutdown: impl Future<Output = ()>,
) -> io::Result<()> {
    let max_connections = effective_max_connections(limits.max_connections);
    let slots = Arc::new(Semaphore::new(max_connections));
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout)
        .max_buf_size(limits.max_header_bytes)
        .max_headers(limits.max_headers);
    builder
        .http2()
        .timer(TokioTimer::new())
        .max_concurrent_streams(limits.h2_max_concurrent_streams)
        .max_header_list_size(u32::try_from(limits.max_header_bytes).unwrap_or(u32::MAX))
        .keep_alive_interval(Some(limits.keep_alive_timeout / 2))
        .keep_alive_timeout(limits.keep_alive_timeout / 2);
    let builder = Arc::new(builder);
    let timeouts = Timeouts {
        first_request: limits.header_read_timeout,
        idle: limits.keep_alive_timeout,
    };
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut connections = JoinSet::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        tokio::select! {
            biased;
            () = &mut shutdown => break,
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
            accepted = listener.accept() => {
                let (stream, peer) = match accepted {
                    Ok(a) => a,
                    Err(e) => {
                        // Per-connection errors (reset before accept) and, should it happen,
                        // descriptor exhaustion: wait a little instead of spinning.
                        tracing::warn!(error = %e, "accept failed");
                        tokio::time::sleep(Duration::from_millis(20)).await;
                        continue;
                    }
                };
                let Ok(permit) = slots.clone().try_acquire_owned() else {
                    metrics::counter!("filegate_connections_refused_total").increment(1);
                    drop(stream);
                    continue;
                };
                let _ = stream.set_nodelay(true);
                let app = app.clone();
                let builder = builder.clone();
                let stop = stop_rx.clone();
                connections.spawn(async move {
                    serve_connection(stream, peer, app, &builder, timeouts, stop).await;
                    drop(permit);
                });
            }
        }
    }
    drop(listener);
    let _ = stop_tx.send(true);
    let open = connections.len();
    if open > 0 {
        tracing::info!(
            open,
            grace = ?limits.shutdown_grace,
            "shutting down: letting in-flight requests finish"
        );
    }
    let deadline = tokio::time::sleep(limits.shutdown_grace);
    let mut deadline = std::pin::pin!(deadline);
    loop {
        tokio::select! {
            next = connections.join_next() => if next.is_none() { break },
            () = &mut deadline => {
                tracing::warn!(
                    open = connections.len(),
                    "shutdown_grace elapsed: ending the remaining requests"
                );
                connections.abort_all();
                while connections.join_next().await.is_some() {}
                break;
            }
        }
    }
    Ok(())
}

#[derive(Clone, Copy)]
struct Timeouts {
    first_request: Duration,
    idle: Duration,
}

async fn serve_connection(
    stream: TcpStream,
    peer: SocketAddr,
    app: Router,
    builder: &auto::Builder<TokioExecutor>,
    timeouts: Timeouts,
    mut stop: watch::Receiver<bool>,
) {
    let state = Arc::new(ConnState::new());
    let io = TokioIo::new(AutoAnswers {
        inner: stream,
        state: state.clone(),
        replacing: None,
        linger: None,
        replaced: false,
    });
    let svc_state = state.clone();
    let service = hyper::service::service_fn(move |req: Request<Incoming>| {
        let guard = RequestGuard::begin(svc_state.clone());
        let mut req = req.map(Body::new);
        req.extensions_mut().insert(ConnectInfo(peer));
        let app = app.clone();
        async move {
            let res = match app.oneshot(req).await {
                Ok(res) => res,
                Err(never) => match never {},
            };
            Ok::<_, Infallible>(res.map(|body| crate::telemetry::Watched::body(body, guard)))
        }
    });
    let conn = builder.serve_connection(io, service);
    let mut conn = std::pin::pin!(conn);
    let mut closing_by: Option<Instant> = None;
    let mut stopping = *stop.borrow();
    if stopping {
        conn.as_mut().graceful_shutdown();
    }
    loop {
        let wake = match closing_by {
            Some(t) => t,
            None => state.idle_deadline(timeouts),
        };
        tokio::select! {
            _ = conn.as_mut() => return,
            changed = stop.changed(), if !stopping => {
                stopping = true;
                if changed.is_ok() {
                    conn.as_mut().graceful_shutdown();
                }
            }
            () = tokio::time::sleep_until(wake) => {
                if closing_by.is_some() {
                    // Asked to close while idle and still open: drop it, unless a request
                    // slipped in meanwhile (hyper finishes that one, then closes).
                    if state.in_flight.load(Ordering::Acquire) == 0 {
                        return;
                    }
                    closing_by = Some(Instant::now() + IDLE_CLOSE_BOUND);
                    continue;
                }
                if state.idle_expired(timeouts) {
                    conn.as_mut().graceful_shutdown();
                    closing_by = Some(Instant::now() + IDLE_CLOSE_BOUND);
                }
            }
        }
    }
}

/// What the listener knows about one connection: requests in flight and since when it is idle.
struct ConnState {
    opened: Instant,
    in_flight: AtomicUsize,
    served: AtomicUsize,
    /// Milliseconds after `opened` at which the connection last became idle.
    idle_since_ms: AtomicU64,
}

impl ConnState {
    fn new() -> Self {
        Self {
            opened: Instant::now(),
            in_flight: AtomicUsize::new(0),
            served: AtomicUsize::new(0),
            idle_since_ms: AtomicU64::new(0),
        }
    }

    fn idle_timeout(&self, t: Timeouts) -> Duration {
        if self.served.load(Ordering::Acquire) == 0 {
            t.first_request
        } else {
            t.idle
        }
    }

    /// When to look next: when the idle timeout runs out, or (busy) one timeout from now.
    fn idle_deadline(&self, t: Timeouts) -> Instant {
        let timeout = self.idle_timeout(t);
        if self.in_flight.load(Ordering::Acquire) > 0 {
            return Instant::now() + timeout;
        }
        self.opened + Duration::from_millis(self.idle_since_ms.load(Ordering::Acquire)) + timeout
    }

    fn idle_expired(&self, t: Timeouts) -> bool {
        self.in_flight.load(Ordering::Acquire) == 0 && {
            let since =
                self.opened + Duration::from_millis(self.idle_since_ms.load(Ordering::Acquire));
            Instant::now() >= since + self.idle_timeout(t)
        }
    }
}

/// Counts a request in flight from the moment hyper hands it over until its response body
/// is finished (or dropped).
struct RequestGuard(Arc<ConnState>);

impl RequestGuard {
    fn begin(state: Arc<ConnState>) -> Self {
        state.in_flight.fetch_add(1, Ordering::AcqRel);
        state.served.fetch_add(1, Ordering::AcqRel);
        Self(state)
    }
}

impl Drop for RequestGuard {
    fn drop(&mut self) {
        let ms = self.0.opened.elapsed().as_millis() as u64;
        self.0.idle_since_ms.store(ms, Ordering::Release);
        self.0.in_flight.fetch_sub(1, Ordering::AcqRel);
    }
}

/// The guard lives as long as the response body.
impl crate::telemetry::Watch for RequestGuard {}

/// The connection's socket, passing everything through except hyper's own answers to requests
/// it could not parse. hyper writes those (`414 URI Too Long`, `431 Request Header Fields Too
/// Large`, `400 Bad Request`) itself with an empty body and offers no hook to shape them
/// (hyper `proto/h1/role.rs`, `Server::on_error`). Such an answer is written when no request of
/// this connection is in flight — every earlier response has been flushed — and is exactly a
/// status line, `connection: close`, `content-length: 0`, `date` and the blank line; it is replaced by the same
/// status with a problem+json body.
struct AutoAnswers {
    inner: TcpStream,
    state: Arc<ConnState>,
    /// A replacement being written, and how much of it is out; reported to hyper as the
    /// original write once all of it is.
    replacing: Option<(Vec<u8>, usize, usize)>,
    /// Set once a replacement went out: on shutdown the rest of the unread request is read
    /// and discarded for a moment (a "lingering close"), so that closing with unread bytes
    /// does not reset the connection before the client has read the answer.
    linger: Option<Pin<Box<tokio::time::Sleep>>>,
    replaced: bool,
}

/// Longest a lingering close waits for the client to stop sending.
const LINGER: Duration = Duration::from_secs(2);

impl AutoAnswers {
    fn replacement(&self, buf: &[u8]) -> Option<Vec<u8>> {
        if self.state.in_flight.load(Ordering::Acquire) != 0 || buf.len() > 256 {
            return None;
        }
        let text = std::str::from_utf8(buf).ok()?;
        let rest = text.strip_prefix("HTTP/1.1 ")?;
        let (status, code, detail) = match rest.get(..3)? {
            "414" => (
                StatusCode::URI_TOO_LONG,
                "uri_too_long",
                "the request target is longer than the gateway accepts",
            ),
            "431" => (
                StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
                "header_fields_too_large",
                "the request's headers are too large or too many (limits.max_header_bytes, limits.max_headers)",
            ),
            "400" => (
                StatusCode::BAD_REQUEST,
                "bad_request",
                "the request could not be parsed as HTTP",
            ),
            _ => return None,
        };
        let lines: Vec<&str> = text.strip_suffix("\r\n\r\n")?.split("\r\n").collect();
        let [_, rest @ ..] = lines.as_slice() else {
            return None;
        };
        let mut date = None;
        for line in rest {
            let (name, value) = line.split_once(": ")?;
            match name.to_ascii_lowercase().as_str() {
                "content-length" if value == "0" => {}
                "connection" if value == "close" => {}
                "date" => date = Some(value),
                _ => return None,
            }
        }
        let body = serde_json::to_vec(&Problem::new(status, code, detail)).ok()?;
        let mut out = format!(
            "HTTP/1.1 {} {}\r\ncontent-type: application/problem+json\r\ncontent-length: {}\r\nconnection: close\r\n",
            status.as_u16(),
            status.canonical_reason().unwrap_or(""),
            body.len()
        );
        if let Some(d) = date {
            out.push_str(&format!("date: {d}\r\n"));
        }
        out.push_str("\r\n");
        let mut out = out.into_bytes();
        out.extend_from_slice(&body);
        Some(out)
    }
}

impl AsyncRead for AutoAnswers {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl AsyncWrite for AutoAnswers {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        if self.replacing.is_none()
            && let Some(out) = self.replacement(buf)
        {
            self.replacing = Some((out, 0, buf.len()));
        }
        let this = &mut *self;
        match &mut this.replacing {
            None => Pin::new(&mut this.inner).poll_write(cx, buf),
            Some((out, written, original)) => {
                while *written < out.len() {
                    let n = std::task::ready!(
                        Pin::new(&mut this.inner).poll_write(cx, &out[*written..])
                    )?;
                    if n == 0 {
                        return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
                    }
                    *written += n;
                }
                let original = *original;
                this.replacing = None;
                this.replaced = true;
                Poll::Ready(Ok(original))
            }
        }
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        // hyper writes its own answers as a single buffer; anything else passes through.
        let first = bufs.iter().find(|b| !b.is_empty());
        match first {
            Some(b) if bufs.iter().filter(|b| !b.is_empty()).count() == 1 => self.poll_write(cx, b),
            _ if self.replacing.is_some() => {
                let b = first.map(|b| &b[..]).unwrap_or(&[]);
                self.poll_write(cx, b)
            }
            _ => {
                let this = self.get_mut();
                Pin::new(&mut this.inner).poll_write_vectored(cx, bufs)
            }
        }
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = &mut *self;
        if !this.replaced {
            return Pin::new(&mut this.inner).poll_shutdown(cx);
        }
        if this.linger.is_none() {
            std::task::ready!(Pin::new(&mut this.inner).poll_shutdown(cx))?;
            this.linger = Some(Box::pin(tokio::time::sleep(LINGER)));
        }
        let mut scratch = [0u8; 8192];
        loop {
            if let Some(t) = this.linger.as_mut()
                && t.as_mut().poll(cx).is_ready()
            {
                return Poll::Ready(Ok(()));
            }
            let mut buf = ReadBuf::new(&mut scratch);
            match Pin::new(&mut this.inner).poll_read(cx, &mut buf) {
                Poll::Ready(Ok(())) if buf.filled().is_empty() => return Poll::Ready(Ok(())),
                Poll::Ready(Ok(())) => continue,
                Poll::Ready(Err(_)) => return Poll::Ready(Ok(())),
                Poll::Pending => return Poll::Pending,
            }
        }
    }
}

/// Completes on SIGINT or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down: no longer accepting connections");
}
