//! The deployment of docker/compose.yml, with real processes instead of containers: a
//! throwaway PostgreSQL, two `filegate serve` processes built by docker/build.sh (the image's
//! build step) and configured by docker/filegate.toml plus the environment compose sets, and
//! Debian's nginx running docker/nginx.conf, of which only the two `server` lines and `listen`
//! are pointed at this test's ports. Everything goes through nginx, as callers' requests do.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use futures::StreamExt;
use serde_json::{Value, json};

use crate::calls::{json_of, text_of};
use crate::common::{ALL_SCOPES, SECRET, free_port, sim_stats, token, urlencode, wait_for};
use crate::pg::PgCluster;
use filegate::sandbox::wecom::{self, demo};

const CONN: &str = "wecom-demo";

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The binary docker/build.sh produces (with the test build's profile, so it reuses the
/// artifacts `cargo test` just built; the image builds `release`).
fn binary() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        let exe = Path::new(env!("CARGO_BIN_EXE_filegate"));
        let target = exe
            .parent()
            .and_then(Path::parent)
            .expect("target dir of the test binary");
        let out = std::env::temp_dir().join(format!("filegate-image-{}", std::process::id()));
        let mut cmd = Command::new("sh");
        // cargo gives the test process its own variables (CARGO_PKG_*, LD_LIBRARY_PATH…); left
        // in, some build scripts see a changed environment and rebuild. Run as a shell would.
        cmd.env_clear();
        for var in [
            "PATH",
            "HOME",
            "CARGO_HOME",
            "RUSTUP_HOME",
            "RUSTUP_TOOLCHAIN",
            "TMPDIR",
        ] {
            if let Some(v) = std::env::var_os(var) {
                cmd.env(var, v);
            }
        }
        let status = cmd
            .arg(repo().join("docker/build.sh"))
            .arg(&out)
            .env("FILEGATE_BUILD_PROFILE", "dev")
            .env("FILEGATE_BUILD_ARGS", "--test it")
            .env("CARGO_TARGET_DIR", target)
            .current_dir(repo())
            .stdout(Stdio::null())
            .status()
            .expect("run docker/build.sh");
        assert!(status.success(), "docker/build.sh failed");
        out.join("filegate")
    })
}

fn nginx_bin() -> PathBuf {
    for p in ["/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/bin/nginx"] {
        if Path::new(p).exists() {
            return PathBuf::from(p);
        }
    }
    panic!("nginx not found: install Debian's nginx package (.ci/run does)");
}

/// Size of the large transfer: 1 GiB with `NGINX_TEST_LARGE_BYTES=1073741824`. The default
/// (256 MiB, which an unoptimised test build moves in about two minutes) is twice the gateways'
/// memory bound asserted below and 8× nginx's, so passing it still proves the bodies stream.
fn large_bytes() -> u64 {
    std::env::var("NGINX_TEST_LARGE_BYTES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(256 * 1024 * 1024)
}

struct Replica {
    child: Option<Child>,
    port: u16,
    log: PathBuf,
}

impl Replica {
    fn pid(&self) -> u32 {
        self.child.as_ref().expect("replica running").id()
    }

    fn addr(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// The JSON log lines this replica wrote.
    fn log_lines(&self) -> Vec<Value> {
        std::fs::read_to_string(&self.log)
            .unwrap_or_default()
            .lines()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect()
    }
}

/// A replica is never left running: a test that fails while the topology is still being set
/// up (say, nginx missing) would otherwise orphan it.
impl Drop for Replica {
    fn drop(&mut self) {
        self.kill();
    }
}

pub struct Topology {
    pub sim: wecom::Sim,
    replicas: Vec<Replica>,
    nginx: Option<Child>,
    nginx_port: u16,
    nginx_log: PathBuf,
    pub http: reqwest::Client,
    pub token: String,
    _dir: tempfile::TempDir,
}

impl Drop for Topology {
    fn drop(&mut self) {
        if let Some(mut n) = self.nginx.take() {
            // SIGQUIT is nginx's graceful stop; kill() (SIGKILL) would orphan its workers.
            let _ = Command::new("kill")
                .args(["-QUIT", &n.id().to_string()])
                .status();
            let _ = n.wait();
        }
        for r in &mut self.replicas {
            r.kill();
        }
    }
}

/// The environment compose.yml gives each replica, with this test's addresses.
fn replica_env(cmd: &mut Command, dir: &Path, db: &str, port: u16, extra: &[(&str, &str)]) {
    cmd.envs(extra.iter().copied());
    cmd.env_remove("RUST_LOG")
        .env("FILEGATE_CONFIG", dir.join("filegate.toml"))
        .env("FILEGATE_LISTEN", format!("127.0.0.1:{port}"))
        .env("FILEGATE_STORE__URL", db)
        .env("FILEGATE_LIMITS__SPOOL_DIR", dir.join("spool"))
        .env("FILEGATE_PROXY__TRUSTED", "[\"127.0.0.1/32\"]")
        .env("FILEGATE_LOG__FORMAT", "json")
        .env("FILEGATE_JWT_SECRET", SECRET)
        .env("FILEGATE_TOKEN_KEY", crate::common::TOKEN_KEY)
        .env("FILEGATE_SANDBOX_WECOM_SECRET", demo::CORP_SECRET);
}

/// docker/nginx.conf with its upstream servers and listen port replaced (each exactly once).
fn nginx_conf(ports: &[u16], listen: u16) -> String {
    let conf = std::fs::read_to_string(repo().join("docker/nginx.conf")).expect("nginx.conf");
    let mut out = conf.clone();
    for (i, p) in ports.iter().enumerate() {
        let from = format!("server filegate-{}:8080", i + 1);
        assert_eq!(conf.matches(&from).count(), 1, "{from} in nginx.conf");
        out = out.replace(&from, &format!("server 127.0.0.1:{p}"));
    }
    assert_eq!(conf.matches("listen 8080;").count(), 1);
    out.replace("listen 8080;", &format!("listen 127.0.0.1:{listen};"))
}

impl Topology {
    pub async fn start() -> Topology {
        Self::start_with(&[]).await
    }

    /// With extra `FILEGATE_…` variables for the replicas.
    pub async fn start_with(extra_env: &[(&str, &str)]) -> Topology {
        let sim = wecom::start(wecom::Options::default()).await.unwrap();
        let db = PgCluster::get().fresh_db().await;
        let dir = tempfile::tempdir().unwrap();
        let config = std::fs::read_to_string(repo().join("docker/filegate.toml")).unwrap();
        assert!(config.contains("http://sim-wecom:9101"));
        std::fs::write(
            dir.path().join("filegate.toml"),
            config.replace("http://sim-wecom:9101", &sim.base_url),
        )
        .unwrap();
        std::fs::create_dir_all(dir.path().join("spool")).unwrap();
        let bin = binary();
        // compose's one-shot `migrate` service runs first, then the replicas.
        let mut migrate = Command::new(bin);
        migrate.arg("migrate");
        replica_env(&mut migrate, dir.path(), &db, 0, extra_env);
        let out = migrate.output().unwrap();
        assert!(
            out.status.success(),
            "migrate: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let mut replicas = Vec::new();
        for i in 0..2 {
            let port = free_port();
            let log = dir.path().join(format!("filegate-{i}.log"));
            let mut cmd = Command::new(bin);
            cmd.arg("serve");
            replica_env(&mut cmd, dir.path(), &db, port, extra_env);
            let child = cmd
                .stdout(Stdio::null())
                .stderr(std::fs::File::create(&log).unwrap())
                .spawn()
                .unwrap();
            replicas.push(Replica {
                child: Some(child),
                port,
                log,
            });
        }
        for r in &replicas {
            wait_for(&r.url("/readyz"), 200).await;
        }
        let nginx_port = free_port();
        let ndir = dir.path().join("nginx");
        std::fs::create_dir_all(&ndir).unwrap();
        let ports: Vec<u16> = replicas.iter().map(|r| r.port).collect();
        std::fs::write(ndir.join("nginx.conf"), nginx_conf(&ports, nginx_port)).unwrap();
        let nginx_log = dir.path().join("nginx-access.log");
        let nginx = Command::new(nginx_bin())
            .arg("-p")
            .arg(&ndir)
            .arg("-c")
            .arg(ndir.join("nginx.conf"))
            .args(["-e", "stderr"])
            // The nginx image's command line; the pid file lives in the prefix, not /run.
            .arg("-g")
            .arg(format!(
                "daemon off; pid {};",
                ndir.join("nginx.pid").display()
            ))
            .stdout(std::fs::File::create(&nginx_log).unwrap())
            .stderr(std::fs::File::create(dir.path().join("nginx-error.log")).unwrap())
            .spawn()
            .expect("start nginx");
        let topo = Topology {
            sim,
            replicas,
            nginx: Some(nginx),
            nginx_port,
            nginx_log,
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(600))
                .redirect(reqwest::redirect::Policy::none())
                .pool_max_idle_per_host(1000)
                .build()
                .unwrap(),
            token: token(ALL_SCOPES, CONN),
            _dir: dir,
        };
        wait_for(&topo.url("/healthz"), 200).await;
        topo
    }

    /// Through nginx.
    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.nginx_port)
    }

    pub fn space(&self) -> String {
        filegate::model::ids::encode(
            filegate::model::ids::IdKind::Space,
            filegate::model::Provider::Wecom,
            &[demo::SPACE_ID],
        )
    }

    /// `/v1/connections/wecom-demo/spaces/{demo space}` + `path`, through nginx.
    pub fn surl(&self, path: &str) -> String {
        self.url(&format!(
            "/v1/connections/{CONN}/spaces/{}{path}",
            self.space()
        ))
    }

    /// `GET …/items/{item}/content` through nginx, checked to be a 200 (the body is the
    /// caller's to read).
    pub async fn download(&self, item: &str) -> reqwest::Response {
        let res = self
            .http
            .get(self.surl(&format!("/items/{item}/content")))
            .bearer_auth(&self.token)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        res
    }

    fn nginx_pid(&self) -> u32 {
        self.nginx.as_ref().unwrap().id()
    }

    /// nginx's access log, one line per request.
    fn access_log(&self) -> Vec<String> {
        BufReader::new(std::fs::File::open(&self.nginx_log).unwrap())
            .lines()
            .map_while(Result::ok)
            .collect()
    }

    /// `filegate_http_requests_total` samples of one replica whose labels contain `needle`.
    async fn replica_requests(&self, i: usize, needle: &str) -> f64 {
        let text = text_of(self.http.get(self.replicas[i].url("/metrics"))).await;
        text.lines()
            .filter(|l| l.starts_with("filegate_http_requests_total{") && l.contains(needle))
            .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
            .sum()
    }
}

/// Peak resident set (VmHWM) of a process, in bytes.
fn peak_rss(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kb| kb * 1024)
}

/// nginx's worker processes (children of the master).
fn children(pid: u32) -> Vec<u32> {
    let mut out = Vec::new();
    for e in std::fs::read_dir("/proc").unwrap().flatten() {
        let Some(child) = e.file_name().to_str().and_then(|s| s.parse::<u32>().ok()) else {
            continue;
        };
        let stat = std::fs::read_to_string(e.path().join("stat")).unwrap_or_default();
        // pid (comm) state ppid …: comm may hold spaces, so split after the last ')'.
        let ppid = stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().nth(1))
            .and_then(|p| p.parse::<u32>().ok());
        if ppid == Some(pid) {
            out.push(child);
        }
    }
    out
}

const MIB: u64 = 1024 * 1024;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn five_hundred_cold_requests_through_nginx_to_two_replicas_fetch_one_token() {
    let t = Topology::start().await;
    let url = t.surl("/items");
    let tasks: Vec<_> = (0..500)
        .map(|_| {
            let req = t.http.get(&url).bearer_auth(&t.token);
            tokio::spawn(async move { req.send().await.map(|r| r.status().as_u16()) })
        })
        .collect();
    for task in tasks {
        assert_eq!(task.await.unwrap().unwrap(), 200);
    }
    assert_eq!(sim_stats(&t.sim.base_url).await.token_fetches, 1);
    // Both replicas served part of the burst (so both raced for the token).
    for i in 0..2 {
        let n = t.replica_requests(i, "/items\"").await;
        assert!(n >= 50.0, "replica {i} served only {n} of the 500");
    }
}

/// Chunk `i` of a large deterministic file: a random block stamped with its index, so no two
/// chunks (nor WeCom's 2 MiB blocks) are alike, made without holding the file in memory.
struct Large {
    block: Vec<u8>,
    len: u64,
}

impl Large {
    const CHUNK: u64 = 256 * 1024;

    fn new(len: u64) -> Self {
        Self {
            block: crate::common::bytes(Self::CHUNK as usize, 42),
            len,
        }
    }

    fn chunk(&self, i: u64) -> Vec<u8> {
        let start = i * Self::CHUNK;
        let n = (self.len - start).min(Self::CHUNK) as usize;
        let mut c = self.block[..n].to_vec();
        let stamp = i.to_le_bytes();
        let k = n.min(8);
        c[..k].copy_from_slice(&stamp[..k]);
        c
    }

    fn body(self: Arc<Self>) -> reqwest::Body {
        let stream = futures::stream::unfold(0u64, move |i| {
            let this = self.clone();
            async move {
                (i * Self::CHUNK < this.len).then(|| {
                    (
                        Ok::<_, std::io::Error>(bytes::Bytes::from(this.chunk(i))),
                        i + 1,
                    )
                })
            }
        });
        reqwest::Body::wrap_stream(stream)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_large_upload_and_download_stream_through_nginx_with_bounded_memory() {
    // The simulator (an unoptimised test build here) checks the whole file's SHA-1 when the
    // upload finishes, which can take longer than the production upstream timeout.
    let t = Topology::start_with(&[("FILEGATE_LIMITS__UPSTREAM_TIMEOUT", "10m")]).await;
    let size = large_bytes();
    let before: Vec<u64> = t.replicas.iter().map(|r| peak_rss(r.pid())).collect();
    let large = Arc::new(Large::new(size));
    let started = std::time::Instant::now();
    let res = t
        .http
        .post(t.surl("/files?name=large.bin"))
        .bearer_auth(&t.token)
        .header("content-length", size)
        .body(large.clone().body())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201, "{:?}", res.text().await);
    let up = started.elapsed();
    let item: Value = res.json().await.unwrap();
    assert_eq!(item["item"]["size"], size);
    let id = item["item"]["id"].as_str().unwrap().to_owned();

    let started = std::time::Instant::now();
    let res = t.download(&id).await;
    // Compare as the bytes arrive, against the same chunks regenerated.
    let mut stream = res.bytes_stream();
    let mut pending = Vec::new();
    let mut got = 0u64;
    let mut next = 0u64;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.unwrap();
        got += chunk.len() as u64;
        pending.extend_from_slice(&chunk);
        while pending.len() as u64 >= Large::CHUNK || (got == size && !pending.is_empty()) {
            let want = large.chunk(next);
            assert_eq!(&pending[..want.len()], &want[..], "chunk {next} differs");
            pending.drain(..want.len());
            next += 1;
        }
    }
    let down = started.elapsed();
    assert_eq!(got, size);
    assert!(pending.is_empty());

    let gateways: Vec<u64> = t.replicas.iter().map(|r| peak_rss(r.pid())).collect();
    let workers: Vec<u64> = children(t.nginx_pid()).into_iter().map(peak_rss).collect();
    assert!(!workers.is_empty(), "nginx workers found");
    eprintln!(
        "large transfer: {} MiB up in {:.1} s, down in {:.1} s; gateway peak RSS {:?} MiB (before {:?}); nginx worker peak RSS {:?} MiB",
        size / MIB,
        up.as_secs_f64(),
        down.as_secs_f64(),
        gateways.iter().map(|b| b / MIB).collect::<Vec<_>>(),
        before.iter().map(|b| b / MIB).collect::<Vec<_>>(),
        workers.iter().map(|b| b / MIB).collect::<Vec<_>>(),
    );
    // Bounded: a fraction of the file, whatever its size (1 GiB runs stay under it too).
    for g in &gateways {
        assert!(*g < 128 * MIB, "gateway peak RSS {} MiB", g / MIB);
    }
    for w in &workers {
        assert!(*w < 32 * MIB, "nginx worker peak RSS {} MiB", w / MIB);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_resumable_upload_spread_over_both_replicas_completes_with_the_right_bytes() {
    let t = Topology::start().await;
    let data = crate::common::bytes(20 * 1024 * 1024 + 123, 9);
    let res = t
        .http
        .post(t.surl("/uploads"))
        .bearer_auth(&t.token)
        .json(&json!({"name": "spread.bin", "size": data.len()}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    // Location names nginx's address (the external host), not the replica's.
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    assert!(
        location.starts_with(&t.url("/v1/connections/")),
        "{location}"
    );
    let session: Value = res.json().await.unwrap();
    let id = session["id"].as_str().unwrap().to_owned();
    let part_size = session["part_size"].as_u64().unwrap() as usize;
    let parts: Vec<&[u8]> = data.chunks(part_size).collect();
    assert!(parts.len() >= 3);
    // Parts sent last to first, one request each; nginx's round robin alternates replicas.
    for (i, part) in parts.iter().enumerate().rev() {
        let res = t
            .http
            .put(format!("{location}/parts/{}", i + 1))
            .bearer_auth(&t.token)
            .body(part.to_vec())
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "part {}", i + 1);
    }
    let res = t
        .http
        .post(format!("{location}/complete"))
        .bearer_auth(&t.token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201, "{:?}", res.text().await);
    let done: Value = res.json().await.unwrap();
    let item = done["item"]["id"].as_str().unwrap();
    let res = t.download(item).await;
    assert!(res.bytes().await.unwrap() == data, "the right bytes");

    // Which replica took each request, from nginx's log: consecutive parts on different ones.
    let log = t.access_log();
    let upstream_of = |needle: &str| -> Vec<String> {
        log.iter()
            .filter(|l| l.contains(needle) && l.contains(&id))
            .filter_map(|l| l.split("upstream=").nth(1)?.split(' ').next())
            .map(str::to_owned)
            .collect()
    };
    let part_hosts = upstream_of("/parts/");
    assert_eq!(part_hosts.len(), parts.len(), "{log:#?}");
    for pair in part_hosts.windows(2) {
        assert_ne!(
            pair[0], pair[1],
            "consecutive parts on one replica: {log:#?}"
        );
    }
    let addrs: Vec<String> = t.replicas.iter().map(Replica::addr).collect();
    assert!(part_hosts.iter().all(|h| addrs.contains(h)));
    assert_eq!(upstream_of("/complete").len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_replica_killed_mid_traffic_loses_nothing_and_only_idempotent_requests_are_retried() {
    let mut t = Topology::start().await;
    let folder = t.surl("/items");
    // Warm both replicas' token caches, so the traffic below is steady.
    for _ in 0..4 {
        let r = t
            .http
            .get(&folder)
            .bearer_auth(&t.token)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
    }
    let stop = Arc::new(AtomicBool::new(false));
    let done = Arc::new(AtomicU64::new(0));
    let mut readers = Vec::new();
    for _ in 0..8 {
        let (http, url, token, stop, done) = (
            t.http.clone(),
            folder.clone(),
            t.token.clone(),
            stop.clone(),
            done.clone(),
        );
        readers.push(tokio::spawn(async move {
            let mut statuses = Vec::new();
            while !stop.load(Ordering::Relaxed) {
                let s = http
                    .get(&url)
                    .bearer_auth(&token)
                    .send()
                    .await
                    .map(|r| r.status().as_u16());
                statuses.push(s.unwrap_or(0));
                done.fetch_add(1, Ordering::Relaxed);
            }
            statuses
        }));
    }
    let mut writers = Vec::new();
    for w in 0..4 {
        let (http, url, token, stop) = (
            t.http.clone(),
            t.surl("/folders"),
            t.token.clone(),
            stop.clone(),
        );
        writers.push(tokio::spawn(async move {
            let mut outcomes = Vec::new();
            let mut n = 0;
            while !stop.load(Ordering::Relaxed) {
                n += 1;
                let name = format!("w{w}-{n}");
                let s = http
                    .post(&url)
                    .bearer_auth(&token)
                    .json(&json!({"name": name}))
                    .send()
                    .await
                    .map(|r| r.status().as_u16());
                outcomes.push((name, s.unwrap_or(0)));
            }
            outcomes
        }));
    }
    // Kill once traffic is flowing, stop once as much again has gone through the survivor.
    let wait_until = |n: u64| {
        let done = done.clone();
        async move {
            for _ in 0..1200 {
                if done.load(Ordering::Relaxed) >= n {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            panic!(
                "traffic stalled at {} requests",
                done.load(Ordering::Relaxed)
            );
        }
    };
    wait_until(40).await;
    t.replicas[1].kill();
    wait_until(120).await;
    stop.store(true, Ordering::Relaxed);

    let mut reads = 0;
    for r in readers {
        for s in r.await.unwrap() {
            reads += 1;
            assert_eq!(
                s, 200,
                "every GET succeeds: nginx retried it on the live replica"
            );
        }
    }
    let mut created = Vec::new();
    let mut refused = 0;
    for w in writers {
        for (name, s) in w.await.unwrap() {
            match s {
                201 => created.push(name),
                // A POST that was on the killed replica is not replayed: the caller sees 502.
                502 => refused += 1,
                other => panic!("POST {name}: {other} (a 409 would mean it was sent twice)"),
            }
        }
    }
    assert!(
        reads > 50 && created.len() > 10,
        "{reads} reads, {} writes",
        created.len()
    );
    // Nothing lost: every acknowledged folder exists, once.
    let mut names = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut url = format!("{folder}?limit=200");
        if let Some(c) = &cursor {
            url.push_str(&format!("&cursor={}", urlencode(c)));
        }
        let page: Value = json_of(t.http.get(&url).bearer_auth(&t.token)).await;
        for i in page["items"].as_array().unwrap() {
            names.push(i["name"].as_str().unwrap().to_owned());
        }
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    for c in &created {
        assert_eq!(names.iter().filter(|n| *n == c).count(), 1, "{c}");
    }
    // nginx did retry: some request lists two upstreams, the dead one first.
    let dead = t.replicas[1].addr();
    let live = t.replicas[0].addr();
    let retried = t
        .access_log()
        .into_iter()
        .filter(|l| l.contains(&format!("upstream={dead}, {live}")))
        .count();
    assert!(retried >= 1, "no retry in nginx's log");
    eprintln!(
        "kill test: {reads} GETs all 200, {} POSTs created, {refused} POSTs answered 502, {retried} requests retried",
        created.len()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn through_nginx_the_log_carries_the_client_and_spoofed_forwarding_is_replaced() {
    let t = Topology::start().await;
    let res = t
        .http
        .get(t.url("/v1/connections"))
        .bearer_auth(&t.token)
        .header("x-forwarded-for", "203.0.113.66")
        .header("x-request-id", "nginx-log-probe")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["x-request-id"], "nginx-log-probe");
    // The replica logs when the body is done; give the line a moment to reach the file.
    let mut line = None;
    for _ in 0..50 {
        line = t
            .replicas
            .iter()
            .flat_map(Replica::log_lines)
            .find(|l| l["span"]["request_id"] == "nginx-log-probe");
        if line.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let line = line.expect("request logged");
    // nginx is the edge and replaces X-Forwarded-For with the address it saw.
    assert_eq!(line["span"]["client"], "127.0.0.1", "{line}");
    assert_eq!(line["fields"]["status"], 200);
    assert!(line["fields"]["latency_ms"].is_u64(), "{line}");
}
