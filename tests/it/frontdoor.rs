//! The front door under abuse, over real loopback sockets: idle and slow-header connections,
//! the connection cap, oversized request heads, stalled upload bodies, upload caps and the
//! shutdown deadline.

use std::time::{Duration, Instant};

use filegate::config::Config;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::common::{
    self, Gateway, gateway_with, problem, raw_upload_head, spool_files, token, token_for,
};
use crate::wecom::env::{self as wenv};

/// The tests that open thousands of sockets run one at a time: together (and beside the rest
/// of the suite) they would exhaust the test process's descriptors, which is not what they test.
static MANY_SOCKETS: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

fn fd_headroom() {
    // The test holds both ends of every connection; make sure the process may.
    filegate::listener::raise_fd_limit();
}

/// Connects `n` sockets, `chunk` at a time.
async fn connect_many(addr: std::net::SocketAddr, n: usize) -> Vec<TcpStream> {
    let mut out = Vec::with_capacity(n);
    while out.len() < n {
        let batch = (n - out.len()).min(500);
        let conns = futures::future::join_all((0..batch).map(|_| TcpStream::connect(addr))).await;
        for c in conns {
            out.push(c.expect("connect"));
        }
    }
    out
}

/// `GET path` answered within one second (the client's timeout).
async fn answers_quickly(g: &Gateway, path: &str, bearer: Option<&str>) {
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(1))
        .build()
        .unwrap();
    let mut req = http.get(g.url(path));
    if let Some(b) = bearer {
        req = req.bearer_auth(b);
    }
    let res = req.send().await.unwrap_or_else(|e| panic!("{path}: {e}"));
    assert_eq!(res.status(), 200, "{path}");
}

/// Reads until EOF (or reset), returning what arrived; panics after `within`.
async fn read_to_close(s: &mut TcpStream, within: Duration) -> Vec<u8> {
    let mut out = Vec::new();
    let r = tokio::time::timeout(within, async {
        let mut buf = [0u8; 4096];
        loop {
            match s.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => out.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await;
    assert!(r.is_ok(), "connection still open after {within:?}");
    out
}

#[tokio::test]
async fn idle_and_slow_header_connections_leave_health_and_metadata_answering() {
    let _one_at_a_time = MANY_SOCKETS.lock().await;
    fd_headroom();
    // Default max_connections; timeouts long enough that nothing is closed meanwhile.
    let g = gateway_with(|c, _| {
        c.limits.header_read_timeout = Duration::from_secs(60);
        c.limits.keep_alive_timeout = Duration::from_secs(60);
    })
    .await;
    let addr = g.running.addr;
    let _idle = connect_many(addr, 5000).await;
    let mut slow = connect_many(addr, 200).await;
    for s in &mut slow {
        s.write_all(b"GET /healthz HTTP/1.1\r\nhost: x\r\n")
            .await
            .unwrap();
    }
    let bearer = token("files:read", "*");
    for round in 0..5 {
        // One more header line per second on every slow connection.
        for s in &mut slow {
            s.write_all(format!("x-slow-{round}: 1\r\n").as_bytes())
                .await
                .unwrap();
        }
        answers_quickly(&g, "/healthz", None).await;
        answers_quickly(&g, "/v1/connections", Some(&bearer)).await;
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn silent_slow_and_idle_connections_are_closed_after_their_timeouts() {
    let g = gateway_with(|c, _| {
        c.limits.header_read_timeout = Duration::from_millis(600);
        c.limits.keep_alive_timeout = Duration::from_millis(900);
    })
    .await;
    let addr = g.running.addr;
    // Never sends a byte.
    let mut silent = TcpStream::connect(addr).await.unwrap();
    // Sends a header line every 200 ms, never finishing the head.
    let mut slow = TcpStream::connect(addr).await.unwrap();
    let started = Instant::now();
    let dripping = tokio::spawn(async move {
        let _ = slow.write_all(b"GET /healthz HTTP/1.1\r\n").await;
        for i in 0..50 {
            tokio::time::sleep(Duration::from_millis(200)).await;
            if slow
                .write_all(format!("x-{i}: 1\r\n").as_bytes())
                .await
                .is_err()
            {
                return started.elapsed();
            }
        }
        started.elapsed()
    });
    read_to_close(&mut silent, Duration::from_secs(3)).await;
    let slow_closed_after = dripping.await.unwrap();
    assert!(
        slow_closed_after < Duration::from_secs(5),
        "slow header connection open for {slow_closed_after:?}"
    );
    // A kept-alive connection is closed once idle for keep_alive_timeout.
    let mut kept = TcpStream::connect(addr).await.unwrap();
    kept.write_all(b"GET /healthz HTTP/1.1\r\nhost: x\r\n\r\n")
        .await
        .unwrap();
    let got = read_to_close(&mut kept, Duration::from_secs(4)).await;
    assert!(
        got.starts_with(b"HTTP/1.1 200"),
        "{}",
        String::from_utf8_lossy(&got)
    );
}

#[tokio::test]
async fn connections_beyond_max_connections_are_closed_at_once() {
    let g = gateway_with(|c, _| {
        c.limits.max_connections = 20;
        c.limits.header_read_timeout = Duration::from_secs(30);
    })
    .await;
    let held = connect_many(g.running.addr, 20).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut extra = TcpStream::connect(g.running.addr).await.unwrap();
    let _ = extra
        .write_all(b"GET /healthz HTTP/1.1\r\nhost: x\r\n\r\n")
        .await;
    let got = read_to_close(&mut extra, Duration::from_secs(2)).await;
    assert!(got.is_empty(), "refused before any answer");
    drop(held);
    tokio::time::sleep(Duration::from_millis(300)).await;
    answers_quickly(&g, "/healthz", None).await;
}

#[tokio::test]
async fn oversized_targets_and_heads_are_problem_json() {
    let g = common::gateway().await;
    // The http crate (so reqwest) cannot even build a target over 64 KiB: raw bytes it is.
    let mut s = TcpStream::connect(g.running.addr).await.unwrap();
    let long = format!(
        "GET /v1/connections?x={} HTTP/1.1\r\nhost: x\r\n\r\n",
        "a".repeat(70 * 1024)
    );
    s.write_all(long.as_bytes()).await.unwrap();
    let got = String::from_utf8(read_to_close(&mut s, Duration::from_secs(5)).await).unwrap();
    let (head, body) = got.split_once("\r\n\r\n").expect("a complete answer");
    assert!(head.starts_with("HTTP/1.1 414"), "{head}");
    assert!(
        head.contains("content-type: application/problem+json"),
        "{head}"
    );
    let p: serde_json::Value = serde_json::from_str(body).unwrap();
    assert_eq!(
        (p["status"].as_u64(), p["code"].as_str()),
        (Some(414), Some("uri_too_long"))
    );

    let res = g
        .http
        .get(g.url("/healthz"))
        .header("x-big", "b".repeat(1024 * 1024))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 431);
    assert_eq!(problem(res).await["code"], "header_fields_too_large");

    let mut req = g.http.get(g.url("/healthz"));
    for i in 0..500 {
        req = req.header(format!("x-h{i}"), "1");
    }
    let res = req.send().await.unwrap();
    assert_eq!(res.status(), 431);
    assert_eq!(problem(res).await["code"], "header_fields_too_large");
}

/// Starts an upload of `declared` bytes that sends only `sent` of them.
async fn stalled_upload(
    addr: std::net::SocketAddr,
    path: &str,
    bearer: &str,
    declared: usize,
    sent: usize,
) -> TcpStream {
    let framing = format!("content-length: {declared}");
    let mut s = raw_upload_head(addr, "POST", path, bearer, &framing).await;
    s.write_all(&vec![b'x'; sent]).await.unwrap();
    s
}

fn upload_path(e: &wenv::Env, name: &str) -> String {
    let url = e.surl(&format!("/files?name={name}"));
    url[url.find("/v1/").unwrap()..].to_owned()
}

#[tokio::test]
async fn stalled_uploads_end_in_408_while_other_callers_are_served() {
    let _one_at_a_time = MANY_SOCKETS.lock().await;
    fd_headroom();
    let idle = Duration::from_secs(2);
    let e = wenv::env_with(Default::default(), |c: &mut Config| {
        c.limits.body_read_timeout = idle;
        c.limits.max_concurrent_uploads = 2000;
        c.limits.max_uploads_per_subject = 2000;
        c.limits.max_connections = 3000;
    })
    .await;
    let staller = token_for("staller", "files:read files:write", wenv::CONN);
    let path = upload_path(&e, "stalled.bin");
    let addr = e.gw.running.addr;
    let started = Instant::now();
    let mut stalled = Vec::new();
    for chunk in 0..11 {
        let _ = chunk;
        let batch = futures::future::join_all(
            (0..100).map(|_| stalled_upload(addr, &path, &staller, 1024 * 1024, 1)),
        )
        .await;
        stalled.extend(batch);
    }
    let sent_by = started.elapsed();
    // More stalled uploads than max_concurrent_requests (1024), yet another caller's reads
    // and the health check are answered.
    let reader = token_for("reader", "files:read", wenv::CONN);
    let gw: &Gateway = &e.gw;
    answers_quickly(gw, "/healthz", None).await;
    answers_quickly(
        gw,
        &format!("/v1/connections/{}/spaces", wenv::CONN),
        Some(&reader),
    )
    .await;
    answers_quickly(gw, "/readyz", None).await;

    let answers = futures::future::join_all(stalled.iter_mut().map(|s| async {
        let got = read_to_close(s, Duration::from_secs(15)).await;
        String::from_utf8_lossy(&got).into_owned()
    }))
    .await;
    let done = started.elapsed();
    for a in &answers {
        assert!(a.starts_with("HTTP/1.1 408"), "{a}");
        assert!(a.contains("\"code\":\"request_timeout\""), "{a}");
    }
    // Each ended within the idle time of its last byte (plus scheduling slack).
    assert!(
        done < sent_by + idle + Duration::from_secs(4),
        "408s after {done:?} (sent by {sent_by:?})"
    );
    // Their spool files are gone.
    let left = spool_files(&e.gw);
    assert!(left.is_empty(), "{left:?}");
}

/// A whole upload of `body` as `name` by the holder of `bearer`.
async fn upload_as(
    e: &wenv::Env,
    bearer: &str,
    name: &str,
    body: &'static str,
) -> reqwest::Response {
    e.gw.http
        .post(e.surl(&format!("/files?name={name}")))
        .bearer_auth(bearer)
        .body(body)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn upload_caps_refuse_with_retry_after_and_spare_other_callers() {
    let e = wenv::env_with(Default::default(), |c: &mut Config| {
        c.limits.max_uploads_per_subject = 2;
        c.limits.max_concurrent_uploads = 3;
        c.limits.body_read_timeout = Duration::from_secs(30);
    })
    .await;
    let a = token_for("a", "files:read files:write", wenv::CONN);
    let path = upload_path(&e, "capped.bin");
    let addr = e.gw.running.addr;
    let _a1 = stalled_upload(addr, &path, &a, 1000, 1).await;
    let _a2 = stalled_upload(addr, &path, &a, 1000, 1).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let res = upload_as(&e, &a, "third.bin", "abc").await;
    assert_eq!(res.status(), 503);
    assert_eq!(res.headers()["retry-after"], "1");
    assert_eq!(problem(res).await["code"], "overloaded");
    // Another caller still uploads (the third and last slot in total).
    let b = token_for("b", "files:read files:write", wenv::CONN);
    let res = upload_as(&e, &b, "b-upload.bin", "hello").await;
    assert_eq!(res.status(), 201);
    // And metadata calls are untouched by the upload caps.
    answers_quickly(
        &e.gw,
        &format!("/v1/connections/{}/spaces", wenv::CONN),
        Some(&b),
    )
    .await;
}

/// One HTTP/2 frame: type, flags, stream id and payload (RFC 9113 §4.1).
fn h2_frame(kind: u8, flags: u8, stream: u32, payload: &[u8]) -> Vec<u8> {
    let len = u32::try_from(payload.len()).unwrap().to_be_bytes();
    let mut f = vec![len[1], len[2], len[3], kind, flags];
    f.extend_from_slice(&stream.to_be_bytes());
    f.extend_from_slice(payload);
    f
}

/// Reads one frame: (type, flags, stream, payload).
async fn read_h2_frame(s: &mut TcpStream) -> (u8, u8, u32, Vec<u8>) {
    let mut head = [0u8; 9];
    s.read_exact(&mut head).await.expect("frame header");
    let len = u32::from_be_bytes([0, head[0], head[1], head[2]]) as usize;
    let stream = u32::from_be_bytes([head[5], head[6], head[7], head[8]]) & 0x7fff_ffff;
    let mut payload = vec![0u8; len];
    s.read_exact(&mut payload).await.expect("frame payload");
    (head[3], head[4], stream, payload)
}

const H2_SETTINGS: u8 = 0x4;
const H2_HEADERS: u8 = 0x1;
const H2_RST_STREAM: u8 = 0x3;
const H2_REFUSED_STREAM: u32 = 0x7;

/// The server's own enforcement, seen with raw frames (an HTTP/2 client library would queue
/// the extra stream itself and never send it): with `h2_max_concurrent_streams = 2`, the
/// SETTINGS frame says 2, two open streams are answered, and a third is refused with
/// RST_STREAM(REFUSED_STREAM) while the connection stays usable.
#[tokio::test]
async fn http2_streams_beyond_the_limit_are_refused() {
    let g = gateway_with(|c, _| c.limits.h2_max_concurrent_streams = 2).await;
    let mut s = TcpStream::connect(g.running.addr).await.unwrap();
    s.write_all(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")
        .await
        .unwrap();
    s.write_all(&h2_frame(H2_SETTINGS, 0, 0, &[]))
        .await
        .unwrap();
    let advertised = tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            let (kind, flags, _, payload) = read_h2_frame(&mut s).await;
            if kind == H2_SETTINGS && flags & 0x1 == 0 {
                // Identifier 0x3 is SETTINGS_MAX_CONCURRENT_STREAMS (RFC 9113 §6.5.2).
                return payload
                    .chunks(6)
                    .find(|p| p[..2] == [0, 3])
                    .map(|p| u32::from_be_bytes([p[2], p[3], p[4], p[5]]));
            }
        }
    })
    .await
    .expect("the server's SETTINGS");
    assert_eq!(advertised, Some(2));
    // The limit applies once acknowledged.
    s.write_all(&h2_frame(H2_SETTINGS, 0x1, 0, &[]))
        .await
        .unwrap();
    // HPACK: GET, http, literal :path /healthz, literal :authority x; END_HEADERS but not
    // END_STREAM, so each stream stays open on the client's side.
    let mut block = vec![0x82, 0x86, 0x04, 8];
    block.extend_from_slice(b"/healthz");
    block.extend_from_slice(&[0x01, 1, b'x']);
    for stream in [1u32, 3, 5] {
        s.write_all(&h2_frame(H2_HEADERS, 0x4, stream, &block))
            .await
            .unwrap();
    }
    let (mut answered, mut refused) = (Vec::new(), Vec::new());
    tokio::time::timeout(Duration::from_secs(5), async {
        while answered.len() < 2 || refused.is_empty() {
            let (kind, _, stream, payload) = read_h2_frame(&mut s).await;
            match kind {
                H2_HEADERS => answered.push(stream),
                H2_RST_STREAM => {
                    let code = u32::from_be_bytes([payload[0], payload[1], payload[2], payload[3]]);
                    refused.push((stream, code));
                }
                _ => {}
            }
        }
    })
    .await
    .unwrap_or_else(|_| panic!("answered {answered:?}, refused {refused:?}"));
    answered.sort_unstable();
    assert_eq!(answered, [1, 3]);
    assert_eq!(refused, [(5, H2_REFUSED_STREAM)]);
    // A client that keeps to the limit is served on the same gateway.
    let h2 = reqwest::Client::builder()
        .http2_prior_knowledge()
        .build()
        .unwrap();
    let res = h2.get(g.url("/healthz")).send().await.unwrap();
    assert_eq!(res.version(), reqwest::Version::HTTP_2);
    assert_eq!(res.status(), 200);
}

/// The accept queue asked of the kernel is `limits.listen_backlog` (issue 14: a burst of 250
/// new connections overflowed the old 128). `ss` shows a listening socket's backlog as Send-Q.
#[tokio::test]
async fn the_listen_backlog_is_the_configured_one() {
    let g = gateway_with(|c, _| c.limits.listen_backlog = 333).await;
    let port = g.running.addr.port();
    let out = std::process::Command::new("ss")
        .args(["-ltnH", &format!("sport = :{port}")])
        .output()
        .expect("ss (iproute2) runs");
    let text = String::from_utf8_lossy(&out.stdout);
    let send_q: Vec<&str> = text
        .lines()
        .filter_map(|l| l.split_whitespace().nth(2))
        .collect();
    assert_eq!(send_q, ["333"], "{text}");
}
