//! What an operator relies on: readiness under a hung store, `/metrics`, log lines, trusted
//! proxies, the `simulate` snippet and `--help` — all observed from outside the gateway.

use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::banner::read_banner;
use crate::common::{
    ALL_SCOPES, Proc, SECRET, free_port, gateway_with, problem, sim_fault, token, wait_for,
};
use crate::pg::PgCluster;
use crate::wecom::env::{CONN, Env, env, process_config};
use filegate::sandbox::wecom::{self, demo};

fn space_id() -> String {
    filegate::model::ids::encode(
        filegate::model::ids::IdKind::Space,
        filegate::model::Provider::Wecom,
        &[demo::SPACE_ID],
    )
}

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_filegate")
}

/// A TCP relay to PostgreSQL that can be made to hang: once cut, bytes stop flowing both ways
/// and new connections are accepted but never answered, as when a database host freezes or a
/// network drops packets (the case where a probe without its own timeout waits for the pool).
struct Relay {
    port: u16,
    cut: Arc<AtomicBool>,
    _task: tokio::task::JoinHandle<()>,
}

impl Relay {
    async fn to(target_port: u16) -> Relay {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let cut = Arc::new(AtomicBool::new(false));
        let flag = cut.clone();
        let task = tokio::spawn(async move {
            loop {
                let Ok((client, _)) = listener.accept().await else {
                    return;
                };
                let flag = flag.clone();
                tokio::spawn(async move {
                    let Ok(server) =
                        tokio::net::TcpStream::connect(("127.0.0.1", target_port)).await
                    else {
                        return;
                    };
                    let (mut cr, mut cw) = client.into_split();
                    let (mut sr, mut sw) = server.into_split();
                    let f1 = flag.clone();
                    let up = tokio::spawn(async move { pump(&mut cr, &mut sw, &f1).await });
                    pump(&mut sr, &mut cw, &flag).await;
                    let _ = up.await;
                });
            }
        });
        Relay {
            port,
            cut,
            _task: task,
        }
    }
}

async fn pump(
    from: &mut (impl tokio::io::AsyncRead + Unpin),
    to: &mut (impl tokio::io::AsyncWrite + Unpin),
    cut: &AtomicBool,
) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        let n = match from.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        while cut.load(Ordering::Relaxed) {
            // Hold the bytes: the peer waits forever, as with a frozen host.
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        if to.write_all(&buf[..n]).await.is_err() {
            return;
        }
    }
}

#[tokio::test]
async fn readiness_answers_503_within_a_second_when_the_store_hangs_and_liveness_stays_up() {
    let db = PgCluster::get().fresh_db().await;
    let pg_port: u16 = db
        .rsplit_once(':')
        .and_then(|(_, rest)| rest.split('/').next())
        .and_then(|p| p.parse().ok())
        .unwrap();
    let relay = Relay::to(pg_port).await;
    let via_relay = db.replace(&format!(":{pg_port}/"), &format!(":{}/", relay.port));
    let gw = gateway_with(|c, _| c.store.url = via_relay.clone()).await;
    let res = gw.http.get(gw.url("/readyz")).send().await.unwrap();
    assert_eq!(res.status(), 200);

    relay.cut.store(true, Ordering::Relaxed);
    let started = Instant::now();
    let res = gw.http.get(gw.url("/readyz")).send().await.unwrap();
    let took = started.elapsed();
    assert_eq!(res.status(), 503);
    let p = problem(res).await;
    assert_eq!(p["code"], "unavailable", "{p}");
    assert!(took < Duration::from_secs(1), "readyz took {took:?}");

    let started = Instant::now();
    let res = gw.http.get(gw.url("/healthz")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(started.elapsed() < Duration::from_millis(500));

    // The store back: ready again.
    relay.cut.store(false, Ordering::Relaxed);
    wait_for(&gw.url("/readyz"), 200).await;
}

/// One `name{labels} value` sample per line, `# HELP`/`# TYPE` lines kept apart.
fn samples<'a>(text: &'a str, family: &str) -> Vec<(&'a str, f64)> {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .filter(|l| {
            l.strip_prefix(family)
                .is_some_and(|rest| rest.starts_with('{') || rest.starts_with(' '))
        })
        .filter_map(|l| {
            let (labels, v) = l.rsplit_once(' ')?;
            Some((labels, v.parse().ok()?))
        })
        .collect()
}

#[tokio::test]
async fn metrics_describe_every_family_and_count_bytes_tokens_and_upstream_calls_per_connection() {
    let e = env().await;
    let data = crate::common::bytes(300_000, 3);
    let res = e
        .post(&e.surl("/files?name=metered.bin"))
        .body(data.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let id = res.json::<Value>().await.unwrap()["item"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let res = e
        .get(&e.surl(&format!("/items/{id}/content")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.bytes().await.unwrap().len(), data.len());

    // Byte counters are recorded when the body is done; the scrape may come first.
    let mut text = String::new();
    for _ in 0..50 {
        text = e.metrics().await;
        let down = samples(&text, "filegate_downloaded_bytes_total")
            .into_iter()
            .find(|(l, _)| l.contains(&format!("connection=\"{CONN}\"")));
        if down.is_some_and(|(_, v)| v >= data.len() as f64) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Every family has its help text.
    for line in text.lines().filter(|l| l.starts_with("# TYPE ")) {
        let name = line.split_whitespace().nth(2).unwrap();
        assert!(
            text.contains(&format!("# HELP {name} ")),
            "no # HELP for {name}"
        );
    }
    let conn = format!("connection=\"{CONN}\"");
    let has = |family: &str, at_least: f64| {
        let found = samples(&text, family)
            .into_iter()
            .any(|(l, v)| l.contains(&conn) && v >= at_least);
        assert!(found, "{family}{{{conn}}} >= {at_least} in\n{text}");
    };
    has("filegate_uploaded_bytes_total", data.len() as f64);
    has("filegate_downloaded_bytes_total", data.len() as f64);
    has("filegate_upstream_requests_total", 1.0);
    has("filegate_upstream_request_seconds_count", 1.0);
    let now = chrono::Utc::now().timestamp() as f64;
    has("filegate_token_expires_at_seconds", now + 3600.0);
    assert!(!samples(&text, "filegate_http_requests_in_flight").is_empty());
    // Upstream samples carry the connection next to the provider.
    assert!(
        samples(&text, "filegate_upstream_requests_total")
            .iter()
            .any(|(l, _)| l.contains(&conn) && l.contains("provider=\"wecom\""))
    );
    for family in [
        "process_resident_memory_bytes",
        "process_open_fds",
        "process_start_time_seconds",
    ] {
        let s = samples(&text, family);
        assert!(
            s.first().is_some_and(|(_, v)| *v > 0.0),
            "{family} in\n{text}"
        );
    }
    assert!(!samples(&text, "process_cpu_seconds_total").is_empty());
}

/// A `filegate serve` process in front of a WeCom simulator, its stderr in a file.
struct Served {
    _proc: Proc,
    base: String,
    log: std::path::PathBuf,
    sim: wecom::Sim,
    _dir: tempfile::TempDir,
}

async fn serve(format: &str, extra_toml: &str) -> Served {
    let sim = wecom::start(wecom::Options::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let store = format!("sqlite://{}", dir.path().join("f.db").display());
    let log_toml = format!("\n[log]\nformat = \"{format}\"\n{extra_toml}");
    let config = process_config(dir.path(), &store, &sim.base_url, &log_toml);
    let port = free_port();
    let log = dir.path().join("stderr.log");
    let child = Command::new(bin())
        .args(["serve", "--config"])
        .arg(&config)
        .args(["--listen", &format!("127.0.0.1:{port}")])
        .env_remove("RUST_LOG")
        .env("FILEGATE_JWT_SECRET", SECRET)
        .env("TEST_WECOM_SECRET", demo::CORP_SECRET)
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    wait_for(&format!("{base}/readyz"), 200).await;
    Served {
        _proc: Proc(child),
        base,
        log,
        sim,
        _dir: dir,
    }
}

impl Served {
    fn lines(&self) -> Vec<Value> {
        std::fs::read_to_string(&self.log)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
            .collect()
    }

    /// The "request finished" line of the request with this id (waiting for it to be written).
    async fn finished(&self, request_id: &str) -> Value {
        for _ in 0..50 {
            if let Some(l) = self.lines().into_iter().find(|l| {
                l["span"]["request_id"] == request_id
                    && l["fields"]["message"] == "request finished"
            }) {
                return l;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("no log line for {request_id}:\n{:#?}", self.lines());
    }
}

#[tokio::test]
async fn every_request_logs_one_line_with_numeric_latency_its_level_by_status_and_the_problem_code()
{
    let s = serve("json", "").await;
    let http = crate::common::client();
    let t = token(ALL_SCOPES, CONN);
    let space = space_id();
    let base = &s.base;
    let get = |path: String, id: &'static str, auth: bool| {
        let mut r = http.get(format!("{base}{path}")).header("x-request-id", id);
        if auth {
            r = r.bearer_auth(&t);
        }
        r.send()
    };
    // A path below the test connection, with the token.
    let on_conn =
        |path: &str, id: &'static str| get(format!("/v1/connections/{CONN}{path}"), id, true);

    let ok = on_conn("/spaces", "r-ok").await.unwrap();
    assert_eq!(ok.status(), 200);
    let unauth = get(format!("/v1/connections/{CONN}/spaces"), "r-401", false)
        .await
        .unwrap();
    assert_eq!(unauth.status(), 401);
    let missing = get("/v1/nowhere".into(), "r-404", true).await.unwrap();
    assert_eq!(missing.status(), 404);
    let unsupported = on_conn("/directory/users", "r-501").await.unwrap();
    assert_eq!(unsupported.status(), 501);
    sim_fault(
        &s.sim.base_url,
        json!({"path": "file_list", "type": "status", "status": 503, "times": 10}),
    )
    .await;
    let failed = on_conn(&format!("/spaces/{space}/items"), "r-5xx")
        .await
        .unwrap();
    assert!(failed.status().is_server_error());
    let failed_status = failed.status().as_u16();
    let failed_code = problem(failed).await["code"].as_str().unwrap().to_owned();
    let file = Env::item(demo::BINARY_FILE_ID);
    let download = on_conn(
        &format!("/spaces/{space}/items/{file}/content"),
        "r-download",
    )
    .await
    .unwrap();
    assert_eq!(download.status(), 200);
    assert_eq!(
        download.bytes().await.unwrap().len(),
        demo::BINARY_FILE_SIZE
    );

    let line = s.finished("r-ok").await;
    assert_eq!(line["level"], "INFO");
    assert_eq!(line["fields"]["status"], 200);
    assert!(line["fields"]["latency_ms"].is_u64(), "{line}");
    assert!(line["fields"]["duration_ms"].is_u64(), "{line}");
    assert!(line["fields"].get("code").is_none(), "{line}");
    assert_eq!(line["span"]["client"], "127.0.0.1");
    for (id, code) in [
        ("r-401", "unauthorized"),
        ("r-404", "route_not_found"),
        ("r-501", "unsupported_operation"),
    ] {
        let line = s.finished(id).await;
        assert_eq!(line["level"], "WARN", "{line}");
        assert!(line["fields"]["code"].is_string(), "{line}");
        if id != "r-401" {
            assert_eq!(line["fields"]["code"], code, "{line}");
        }
    }
    let line = s.finished("r-5xx").await;
    assert_eq!(line["level"], "ERROR", "{line}");
    assert_eq!(line["fields"]["status"], failed_status);
    assert_eq!(line["fields"]["code"], failed_code.as_str());
    // The download is logged once, when its last byte left, with the byte count.
    let lines: Vec<Value> = s
        .lines()
        .into_iter()
        .filter(|l| l["span"]["request_id"] == "r-download")
        .filter(|l| l["fields"]["message"] == "request finished")
        .collect();
    assert_eq!(lines.len(), 1, "{lines:#?}");
    assert_eq!(lines[0]["fields"]["bytes_out"], demo::BINARY_FILE_SIZE);
    assert_eq!(lines[0]["fields"]["outcome"], "complete");
    assert!(
        lines[0]["fields"]["duration_ms"].as_u64() >= lines[0]["fields"]["latency_ms"].as_u64()
    );
}

#[tokio::test]
async fn text_logs_have_no_colour_codes_when_stderr_is_not_a_terminal() {
    let s = serve("text", "").await;
    let res = crate::common::client()
        .get(format!("{}/v1/nowhere", s.base))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    let mut text = String::new();
    for _ in 0..50 {
        text = std::fs::read_to_string(&s.log).unwrap();
        if text.contains("request finished") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(text.contains("request finished"), "{text}");
    assert!(text.contains("latency_ms="), "{text}");
    assert!(!text.contains('\u{1b}'), "escape codes in {text:?}");
}

async fn create_upload(gw: &crate::common::Gateway, headers: &[(&str, &str)]) -> String {
    let space = space_id();
    let mut req = gw
        .http
        .post(gw.url(&format!("/v1/connections/{CONN}/spaces/{space}/uploads")))
        .bearer_auth(token(ALL_SCOPES, CONN))
        .json(&json!({"name": "x.bin", "size": 10}));
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let res = req.send().await.unwrap();
    assert_eq!(res.status(), 201);
    res.headers()["location"].to_str().unwrap().to_owned()
}

#[tokio::test]
async fn forwarded_headers_shape_urls_only_when_they_come_from_a_trusted_proxy() {
    let sim = wecom::start(wecom::Options::default()).await.unwrap();
    let forwarded = [
        ("x-forwarded-proto", "https"),
        ("x-forwarded-host", "files.example.com"),
        ("x-forwarded-for", "203.0.113.7"),
    ];
    let trusting = gateway_with(|c, _| {
        c.connections = vec![crate::wecom::env::connection(
            &sim.base_url,
            demo::CORP_SECRET,
        )];
        c.proxy.trusted = vec!["127.0.0.0/8".into()];
    })
    .await;
    let loc = create_upload(&trusting, &forwarded).await;
    assert!(
        loc.starts_with(&format!(
            "https://files.example.com/v1/connections/{CONN}/spaces/"
        )),
        "{loc}"
    );
    // The Location works as given (the session exists at that path).
    let path = loc.trim_start_matches("https://files.example.com");
    let res = trusting
        .http
        .get(trusting.url(path))
        .bearer_auth(token(ALL_SCOPES, CONN))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);

    let untrusting = gateway_with(|c, _| {
        c.connections = vec![crate::wecom::env::connection(
            &sim.base_url,
            demo::CORP_SECRET,
        )];
    })
    .await;
    let loc = create_upload(&untrusting, &forwarded).await;
    assert!(
        loc.starts_with(&untrusting.url(&format!("/v1/connections/{CONN}/spaces/"))),
        "forwarded headers from an untrusted peer are ignored: {loc}"
    );
}

#[tokio::test]
async fn a_bad_trusted_proxy_entry_is_refused_at_start_naming_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("filegate.toml");
    std::fs::write(&config, "[proxy]\ntrusted = [\"10.0.0.0/99\"]\n").unwrap();
    let out = Command::new(bin())
        .args(["serve", "--config"])
        .arg(&config)
        .env("FILEGATE_JWT_SECRET", SECRET)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("proxy.trusted"), "{err}");
}

/// Runs `filegate simulate <provider>` and returns it with everything it printed up to its
/// demo-data list.
fn simulate(provider: &str) -> (Proc, Vec<String>) {
    let mut child = Command::new(bin())
        .args(["simulate", provider])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let proc = Proc(child);
    let lines = read_banner(stdout);
    (proc, lines)
}

#[tokio::test]
async fn the_simulate_snippet_pastes_into_a_config_that_serves_the_demo_data() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = format!(
        "[store]\nurl = \"sqlite://{}\"\n\n",
        dir.path().join("f.db").display()
    );
    let mut env = Vec::new();
    let mut procs = Vec::new();
    let mut names = Vec::new();
    for provider in ["wecom", "fangcloud", "onebot"] {
        let (proc, lines) = simulate(provider);
        procs.push(proc);
        assert!(
            lines[0].starts_with("listening on http://127.0.0.1:"),
            "{lines:?}"
        );
        let start = lines
            .iter()
            .position(|l| l == "[[connections]]")
            .unwrap_or_else(|| panic!("no snippet in {lines:?}"));
        let snippet: Vec<&str> = lines[start..]
            .iter()
            .take_while(|l| !l.is_empty())
            .map(String::as_str)
            .collect();
        config.push_str(&snippet.join("\n"));
        config.push_str("\n\n");
        let export = lines
            .iter()
            .find_map(|l| l.strip_prefix("export "))
            .unwrap_or_else(|| panic!("no export line in {lines:?}"));
        let (k, v) = export.split_once('=').unwrap();
        env.push((k.to_owned(), v.trim_matches('\'').to_owned()));
        assert!(
            lines.iter().any(|l| l.starts_with("#   ")),
            "demo ids listed: {lines:?}"
        );
        let name = snippet
            .iter()
            .find_map(|l| l.strip_prefix("name = "))
            .unwrap()
            .trim_matches('"')
            .to_owned();
        names.push(name);
    }
    assert!(config.contains(demo::CORP_ID));
    let path = dir.path().join("filegate.toml");
    std::fs::write(&path, &config).unwrap();
    let port = free_port();
    let mut cmd = Command::new(bin());
    cmd.args(["serve", "--config"])
        .arg(&path)
        .args(["--listen", &format!("127.0.0.1:{port}")])
        .env("FILEGATE_JWT_SECRET", SECRET)
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    for (k, v) in &env {
        cmd.env(k, v);
    }
    let _gw = Proc(cmd.spawn().unwrap());
    let base = format!("http://127.0.0.1:{port}");
    wait_for(&format!("{base}/readyz"), 200).await;
    let http = crate::common::client();
    let t = token(ALL_SCOPES, "*");
    for name in &names {
        let res = http
            .get(format!("{base}/v1/connections/{name}/spaces"))
            .bearer_auth(&t)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "{name}");
        let body: Value = res.json().await.unwrap();
        assert!(
            !body["items"].as_array().unwrap().is_empty(),
            "{name}: {body}"
        );
    }
    drop(procs);
}

fn help(args: &[&str]) -> String {
    let out = Command::new(bin())
        .args(args)
        .arg("--help")
        .output()
        .unwrap();
    assert!(out.status.success(), "{args:?}");
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn every_command_help_lists_its_environment_variables() {
    let cases: &[(&[&str], &[&str])] = &[
        (
            &[],
            &[
                "FILEGATE_CONFIG",
                "FILEGATE_LISTEN",
                "FILEGATE_JWT_SECRET",
                "FILEGATE_STORE__URL",
                "RUST_LOG",
            ],
        ),
        (
            &["serve"],
            &[
                "FILEGATE_CONFIG",
                "FILEGATE_LISTEN",
                "FILEGATE_JWT_SECRET",
                "FILEGATE_STORE__URL",
                "FILEGATE_LIMITS__SPOOL_DIR",
                "FILEGATE_PROXY__TRUSTED",
                "FILEGATE_LOG__FORMAT",
                "RUST_LOG",
            ],
        ),
        (
            &["sandbox"],
            &[
                "FILEGATE_LISTEN",
                "FILEGATE_SANDBOX_DIR",
                "FILEGATE_JWT_SECRET",
            ],
        ),
        (
            &["simulate"],
            &[
                "FILEGATE_SIMULATE_PORT",
                "FILEGATE_SIMULATE_BIND",
                "FILEGATE_SANDBOX_WECOM_SECRET",
            ],
        ),
        (&["openapi"], &["FILEGATE_OPENAPI_OUTPUT"]),
        (&["token"], &["FILEGATE_JWT_SECRET", "FILEGATE_CONFIG"]),
        (
            &["token", "mint"],
            &[
                "FILEGATE_JWT_SECRET",
                "FILEGATE_CONFIG",
                "FILEGATE_MINT_SUB",
                "FILEGATE_MINT_TTL",
            ],
        ),
        (&["migrate"], &["FILEGATE_CONFIG", "FILEGATE_STORE__URL"]),
    ];
    for (args, vars) in cases {
        let text = help(args);
        assert!(text.contains("Environment"), "{args:?}:\n{text}");
        for v in *vars {
            assert!(text.contains(v), "{args:?} --help lacks {v}:\n{text}");
        }
    }
}

#[test]
fn the_repository_ships_a_complete_deployment() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let read =
        |p: &str| std::fs::read_to_string(root.join(p)).unwrap_or_else(|e| panic!("{p}: {e}"));
    let dockerfile = read("docker/Dockerfile");
    for needle in [
        "docker/build.sh",
        "USER ",
        "HEALTHCHECK",
        "/healthz",
        "EXPOSE 8080",
        "VOLUME [\"/var/spool/filegate\"]",
        "FILEGATE_LIMITS__SPOOL_DIR=/var/spool/filegate",
        "FILEGATE_LISTEN=0.0.0.0:8080",
    ] {
        assert!(dockerfile.contains(needle), "Dockerfile lacks {needle}");
    }
    let compose = read("docker/compose.yml");
    for needle in [
        "postgres",
        "filegate-1:",
        "filegate-2:",
        "./nginx.conf:/etc/nginx/nginx.conf:ro",
        "./filegate.toml:/etc/filegate/filegate.toml:ro",
        "spool:/var/spool/filegate",
        "FILEGATE_STORE__URL",
        "FILEGATE_PROXY__TRUSTED",
        "profiles: [\"sandbox\"]",
        "service_completed_successfully",
    ] {
        assert!(compose.contains(needle), "compose.yml lacks {needle}");
    }
    let dashboard: Value = serde_json::from_str(&read("docker/grafana-dashboard.json")).unwrap();
    let exprs = dashboard.to_string();
    for family in [
        "filegate_http_requests_total",
        "filegate_http_requests_in_flight",
        "filegate_uploaded_bytes_total",
        "filegate_downloaded_bytes_total",
        "filegate_upstream_requests_total",
        "filegate_token_expires_at_seconds",
        "process_resident_memory_bytes",
    ] {
        assert!(exprs.contains(family), "dashboard lacks {family}");
    }
    assert!(read(".dockerignore").contains("target"));
}
