//! Operability: readiness, metrics, CORS, compression, load shedding, logs, and the CLI.

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::{Value, json};

use crate::calls::json_of;
use crate::common::{SECRET, gateway_with, problem, sim_fault, token};
use crate::pg::PgCluster;
use crate::wecom::env::{Env, env, env_with};

#[tokio::test]
async fn readyz_reflects_the_store() {
    let url = PgCluster::get().fresh_db().await;
    let g = gateway_with(|c, _| c.store.url = url.clone()).await;
    let ready: Value = json_of(g.http.get(g.url("/readyz"))).await;
    assert_eq!(ready["store"], "postgres");
    PgCluster::get().drop_db(&url).await;
    let res = g.http.get(g.url("/readyz")).send().await.unwrap();
    assert_eq!(res.status(), 503);
    assert_eq!(problem(res).await["code"], "unavailable");
    assert_eq!(
        g.http.get(g.url("/healthz")).send().await.unwrap().status(),
        200,
        "the process itself is up"
    );
}

#[tokio::test]
async fn metrics_count_requests_upstream_calls_and_token_fetches() {
    let e = env().await;
    e.get(&e.surl("/items")).send().await.unwrap();
    let m = e.metrics().await;
    for needle in [
        "filegate_http_requests_total{method=\"GET\",route=\"/v1/connections/{conn}/spaces/{space}/items\",status=\"200\"}",
        "filegate_http_request_seconds_bucket",
        "filegate_upstream_requests_total{connection=\"wd\",provider=\"wecom\",operation=\"file_list\",outcome=\"ok\"}",
        "filegate_upstream_requests_total{connection=\"wd\",provider=\"wecom\",operation=\"gettoken\",outcome=\"ok\"}",
        "filegate_token_fetches_total{connection=\"wd\",outcome=\"ok\"}",
    ] {
        assert!(m.contains(needle), "missing {needle}");
    }
}

/// Whether the gateway answers a health check from `origin` with an
/// `access-control-allow-origin`.
async fn allows_origin(e: &Env, origin: &str) -> bool {
    let res = e
        .get(&e.gw.url("/healthz"))
        .header("origin", origin)
        .send()
        .await
        .unwrap();
    res.headers().get("access-control-allow-origin").is_some()
}

#[tokio::test]
async fn cors_is_off_by_default_and_answers_listed_origins() {
    let e = env().await;
    assert!(!allows_origin(&e, "https://app.example").await);
    let e = env_with(Default::default(), |c| {
        c.cors.allowed_origins = vec!["https://app.example".into()]
    })
    .await;
    let res =
        e.gw.http
            .request(reqwest::Method::OPTIONS, e.surl("/items"))
            .header("origin", "https://app.example")
            .header("access-control-request-method", "GET")
            .header("access-control-request-headers", "authorization")
            .send()
            .await
            .unwrap();
    assert_eq!(
        res.headers()["access-control-allow-origin"],
        "https://app.example"
    );
    assert!(!allows_origin(&e, "https://evil.example").await);
}

#[tokio::test]
async fn json_answers_are_compressed_when_asked() {
    let e = env().await;
    let http = reqwest::Client::builder().no_gzip().build().unwrap();
    let res = http
        .get(e.gw.url("/openapi.json"))
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["content-encoding"], "gzip");
}

#[tokio::test]
async fn requests_beyond_the_concurrency_limit_are_shed_with_503() {
    let e = env_with(Default::default(), |c| c.limits.max_concurrent_requests = 1).await;
    sim_fault(
        e.sim(),
        json!({"path": "file_list", "type": "latency", "ms": 1500}),
    )
    .await;
    let slow = e.get(&e.surl("/items"));
    let slow = tokio::spawn(async move { slow.send().await.unwrap().status() });
    tokio::time::sleep(Duration::from_millis(300)).await;
    e.refused(e.get(&e.surl("/items")), 503, "overloaded").await;
    assert_eq!(slow.await.unwrap(), 200);
}

fn filegate() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_filegate"));
    c.env_remove("RUST_LOG");
    c
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Spawns `cmd`, a gateway told to listen on `port`, and waits until it is ready: the child and
/// its base URL.
async fn spawn_ready(cmd: &mut Command, port: u16) -> (std::process::Child, String) {
    let child = cmd.spawn().unwrap();
    let base = format!("http://127.0.0.1:{port}");
    wait_ready(&base).await;
    (child, base)
}

async fn wait_ready(base: &str) {
    for _ in 0..150 {
        if let Ok(r) = reqwest::get(format!("{base}/readyz")).await
            && r.status() == 200
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{base} did not become ready");
}

#[tokio::test]
async fn the_sandbox_answers_a_token_minted_by_the_cli() {
    let port = free_port();
    let (mut sandbox, base) = spawn_ready(
        filegate()
            .args(["sandbox", "--listen", &format!("127.0.0.1:{port}")])
            .env("FILEGATE_JWT_SECRET", SECRET)
            .stdout(Stdio::piped())
            .stderr(Stdio::null()),
        port,
    )
    .await;
    let out = filegate()
        .args([
            "token",
            "mint",
            "--sub",
            "cli-user",
            "--scope",
            "files:read",
            "--connections",
            "*",
            "--ttl",
            "10m",
        ])
        .env("FILEGATE_JWT_SECRET", SECRET)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    let jwt = stdout.trim();
    assert_eq!(stdout.lines().count(), 1, "only the token on stdout");
    assert_eq!(jwt.split('.').count(), 3);
    let list: Value = json_of(
        reqwest::Client::new()
            .get(format!("{base}/v1/connections"))
            .bearer_auth(jwt),
    )
    .await;
    let names: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"wecom-demo"), "{list}");
    let spaces = reqwest::Client::new()
        .get(format!("{base}/v1/connections/wecom-demo/spaces"))
        .bearer_auth(jwt)
        .send()
        .await
        .unwrap();
    assert_eq!(spaces.status(), 200);
    let _ = sandbox.kill();
    let _ = sandbox.wait();

    let bad = filegate()
        .args([
            "token",
            "mint",
            "--sub",
            "x",
            "--scope",
            "files:reed",
            "--connections",
            "*",
        ])
        .env("FILEGATE_JWT_SECRET", SECRET)
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("files:reed"));
    assert!(bad.stdout.is_empty());
}

#[tokio::test]
async fn a_bad_config_stops_serve_with_the_key_named() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.toml");
    std::fs::write(&path, "[limits]\nrequest_timout = \"5s\"\n").unwrap();
    let out = filegate()
        .args(["serve", "--config"])
        .arg(&path)
        .env("FILEGATE_JWT_SECRET", SECRET)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("limits.request_timout"));
    std::fs::write(&path, "[store]\nurl = \"sqlite://x.db\"\n").unwrap();
    let out = filegate()
        .args(["serve", "--config"])
        .arg(&path)
        .env("FILEGATE_JWT_SECRET", "short")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("auth.hs256_secret_env") && !err.contains("short"),
        "{err}"
    );
}

#[tokio::test]
async fn json_logs_carry_the_request_context_and_never_a_token() {
    let sim = filegate::sandbox::wecom::start(Default::default())
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("f.toml");
    std::fs::write(
        &config,
        format!(
            "[store]\nurl = \"sqlite://{}\"\n[limits]\nspool_dir = \"{}\"\n[log]\nformat = \"json\"\nlevel = \"info\"\n\
             [[connections]]\nname = \"wd\"\nprovider = \"wecom\"\nbase_url = \"{}\"\ncorp_id = \"{}\"\nsecret_env = \"WD_SECRET\"\n",
            dir.path().join("f.db").display(),
            dir.path().display(),
            sim.base_url,
            filegate::sandbox::wecom::demo::CORP_ID,
        ),
    )
    .unwrap();
    let port = free_port();
    let (mut child, base) = spawn_ready(
        filegate()
            .args(["serve", "--config"])
            .arg(&config)
            .args(["--listen", &format!("127.0.0.1:{port}")])
            .env("FILEGATE_JWT_SECRET", SECRET)
            .env("WD_SECRET", filegate::sandbox::wecom::demo::CORP_SECRET)
            .stdout(Stdio::null())
            .stderr(Stdio::piped()),
        port,
    )
    .await;
    let jwt = token("files:read", "wd");
    let space = filegate::model::ids::encode(
        filegate::model::ids::IdKind::Space,
        filegate::model::Provider::Wecom,
        &[filegate::sandbox::wecom::demo::SPACE_ID],
    );
    let res = reqwest::Client::new()
        .get(format!("{base}/v1/connections/wd/spaces/{space}/items"))
        .bearer_auth(&jwt)
        .header("x-request-id", "log-check-1")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    // SIGTERM: graceful shutdown, then read everything it logged.
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let status = child.wait().unwrap();
    assert!(status.success(), "graceful shutdown exits 0");
    let mut logs = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut logs)
        .unwrap();
    assert!(!logs.is_empty());
    for line in logs.lines() {
        let _: Value =
            serde_json::from_str(line).unwrap_or_else(|_| panic!("not a JSON log line: {line}"));
    }
    let request_line = logs
        .lines()
        .find(|l| l.contains("log-check-1") && l.contains("request finished"))
        .expect("the request is logged");
    let v: Value = serde_json::from_str(request_line).unwrap();
    let span = &v["span"];
    assert_eq!(span["sub"], "tester");
    assert_eq!(span["connection"], "wd");
    assert_eq!(span["operation"], "list_items");
    assert!(!logs.contains(&jwt), "the caller's token is never logged");
    assert!(
        !logs.contains(filegate::sandbox::wecom::demo::CORP_SECRET),
        "the upstream secret is never logged"
    );
    assert!(
        !logs.contains("access_token="),
        "upstream tokens are never logged"
    );
}
