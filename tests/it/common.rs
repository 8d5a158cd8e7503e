//! Helpers shared by the black-box tests.

use std::net::SocketAddr;
use std::time::Duration;

use filegate::app::Running;
use filegate::config::Config;
use secrecy::SecretString;

pub const SECRET: &str = "test-secret-test-secret-test-secret-0123";

/// A gateway plus the temp dir holding its SQLite store and spool.
pub struct Gateway {
    pub running: Running,
    pub http: reqwest::Client,
    _dir: tempfile::TempDir,
}

impl Gateway {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.running.base_url, path)
    }

    /// The Prometheus text of `GET /metrics`.
    pub async fn metrics(&self) -> String {
        crate::calls::text_of(self.http.get(self.url("/metrics"))).await
    }
}

/// Defaults for tests: HS256 secret, SQLite in a temp dir, no connections.
pub fn config(dir: &tempfile::TempDir) -> Config {
    let mut c = Config::default();
    c.auth.hs256_secret = Some(SecretString::from(SECRET));
    c.store.url = format!("sqlite://{}", dir.path().join("filegate.db").display());
    c.limits.spool_dir = Some(dir.path().join("spool"));
    // Upstream tokens sealed at rest, as in production (tests/it/token_keys.rs covers the rest).
    c.tokens.key = Some(SecretString::from(TOKEN_KEY));
    c
}

/// The test gateways' token key (32 bytes of 0x2a, base64).
pub const TOKEN_KEY: &str = "KioqKioqKioqKioqKioqKioqKioqKioqKioqKioqKio=";

pub async fn gateway_with(f: impl FnOnce(&mut Config, &tempfile::TempDir)) -> Gateway {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut c = config(&dir);
    f(&mut c, &dir);
    c.validate().expect("test config is valid");
    let running = filegate::app::spawn(c, SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .expect("gateway starts");
    Gateway {
        running,
        http: client(),
        _dir: dir,
    }
}

pub async fn gateway() -> Gateway {
    gateway_with(|_, _| {}).await
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(60))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

/// A valid HS256 token for `scopes` and `connections`.
pub fn token(scopes: &str, connections: &str) -> String {
    token_for("tester", scopes, connections)
}

pub fn token_for(sub: &str, scopes: &str, connections: &str) -> String {
    filegate::auth::mint(
        &SecretString::from(SECRET),
        &filegate::auth::MintRequest {
            sub: sub.into(),
            scopes: scopes.split_whitespace().map(str::to_owned).collect(),
            connections: connections.split(',').map(str::to_owned).collect(),
            ttl: Duration::from_secs(600),
            issuer: None,
            audience: None,
        },
    )
    .expect("mint")
}

pub const ALL_SCOPES: &str =
    "files:read files:write sharing:write spaces:admin directory:read users:act_as";

/// A response header as text ("" when absent or not text).
pub fn header(res: &reqwest::Response, name: &str) -> String {
    res.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

/// Reads a problem answer, checking the content type and the members every problem has.
pub async fn problem(res: reqwest::Response) -> serde_json::Value {
    let status = res.status().as_u16();
    let ct = header(&res, "content-type");
    let request_id = res
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let body: serde_json::Value = res.json().await.expect("problem body is JSON");
    assert_eq!(ct, "application/problem+json", "{body}");
    assert_eq!(body["status"], status, "{body}");
    assert!(
        body["code"].is_string() && body["title"].is_string() && body["type"].is_string(),
        "{body}"
    );
    assert_eq!(
        body["request_id"].as_str(),
        request_id.as_deref(),
        "problem carries the echoed request id"
    );
    body
}

/// The items of listing page `page` named `name`: for checking a name stands there once.
pub fn items_named<'a>(page: &'a serde_json::Value, name: &str) -> Vec<&'a serde_json::Value> {
    page["items"]
        .as_array()
        .unwrap_or_else(|| panic!("a listing: {page}"))
        .iter()
        .filter(|i| i["name"] == name)
        .collect()
}

/// Reads the simulator's call counters.
pub async fn sim_stats(sim_base: &str) -> filegate::sandbox::control::StatsSnapshot {
    crate::calls::json_of(client().get(format!("{sim_base}/__sim/stats"))).await
}

pub async fn sim_calls(sim_base: &str, function: &str) -> u64 {
    sim_stats(sim_base)
        .await
        .calls
        .get(function)
        .copied()
        .unwrap_or(0)
}

/// Requests that reached the simulator at a path ending in `suffix`, faulted or not: the
/// upstream attempts the gateway made.
pub async fn sim_requests(sim_base: &str, suffix: &str) -> u64 {
    sim_stats(sim_base)
        .await
        .requests
        .iter()
        .filter(|(path, _)| path.ends_with(suffix))
        .map(|(_, n)| n)
        .sum()
}

/// Queues a fault in the simulator (see `filegate::sandbox::control::FaultSpec`).
pub async fn sim_fault(sim_base: &str, spec: serde_json::Value) {
    sim_control(
        client()
            .post(format!("{sim_base}/__sim/faults"))
            .json(&spec),
    )
    .await;
}

/// Drops every queued fault: the upstream is healthy again, however many retries ran.
pub async fn sim_clear_faults(sim_base: &str) {
    sim_control(client().delete(format!("{sim_base}/__sim/faults"))).await;
}

pub async fn sim_revoke(sim_base: &str) {
    sim_control(client().post(format!("{sim_base}/__sim/tokens/revoke"))).await;
}

async fn sim_control(req: reqwest::RequestBuilder) {
    let res = req.send().await.expect("simulator control call");
    assert!(res.status().is_success(), "{}", res.status());
}

/// Deterministic pseudo-random bytes (xorshift), so large payloads need no fixtures.
pub fn bytes(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

/// Encodes a query value (names with CJK characters, spaces, `:`) as
/// `application/x-www-form-urlencoded` (space as `+`), the way browsers and HTTP clients write
/// query strings.
pub fn urlencode(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// A child process, killed when dropped.
pub struct Proc(pub std::process::Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A loopback port nothing listens on (for a gateway process started by a test).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

/// Polls `url` until it answers `status` (30 s at most).
pub async fn wait_for(url: &str, status: u16) {
    let http = client();
    for _ in 0..300 {
        if let Ok(r) = http.get(url).send().await
            && r.status() == status
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{url} never answered {status}");
}

/// Opens a raw connection to the gateway at `addr` and sends the head of an
/// `application/octet-stream` upload, `method path`, framed by `framing` (a
/// `content-length: n` or `transfer-encoding: chunked` line): for bodies that stall or break
/// off, which an HTTP client will not send.
pub async fn raw_upload_head(
    addr: SocketAddr,
    method: &str,
    path: &str,
    bearer: &str,
    framing: &str,
) -> tokio::net::TcpStream {
    use tokio::io::AsyncWriteExt;
    let mut s = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let head = format!(
        "{method} {path} HTTP/1.1\r\nhost: gw\r\nauthorization: Bearer {bearer}\r\ncontent-type: application/octet-stream\r\n{framing}\r\n\r\n"
    );
    s.write_all(head.as_bytes()).await.expect("send the head");
    s
}

/// The upload spool files left in the gateway's spool directory.
pub fn spool_files(gw: &Gateway) -> Vec<String> {
    std::fs::read_dir(gw.running.state.spool_dir())
        .expect("the spool dir")
        .filter_map(Result::ok)
        .map(|f| f.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("filegate-upload-"))
        .collect()
}
