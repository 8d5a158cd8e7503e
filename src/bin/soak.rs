//! Connection-exhaustion soak: how a real `filegate serve` process holds up while idle and
//! slow-header connections pile up, with figures.
//!
//! Runs the gateway as its own process (configured from `FILEGATE_…` variables alone; any
//! `FILEGATE_LIMITS__…` in this program's environment is passed on), then opens idle
//! connections in steps up to `--connections`, plus `--slow` connections that send one header
//! line per second and never finish. After each step it reports how many connections the
//! gateway holds and how many it has closed (refused at accept beyond `limits.max_connections`,
//! or closed after `limits.header_read_timeout`), and the latency of `/healthz` on fresh
//! connections. At the end it drops everything, waits for health, and
//! counts `accept failed` lines in the gateway's log (descriptor exhaustion would show there).
//!
//! `cargo build --release && target/release/soak --connections 10000 --step 2000 --slow 200`

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

const SECRET: &str = "soak-secret-soak-secret-soak-secret-0000";

mod common;
use common::{Flags, Proc};

struct Args {
    connections: usize,
    step: usize,
    slow: usize,
}

fn args() -> Result<Args, String> {
    let mut a = Args {
        connections: 10_000,
        step: 2_000,
        slow: 200,
    };
    let mut flags = Flags::from_env();
    while let Some(flag) = flags.next_flag() {
        match flag.as_str() {
            "--connections" => a.connections = flags.number(&flag)?,
            "--step" => a.step = flags.number::<usize>(&flag)?.max(1),
            "--slow" => a.slow = flags.number(&flag)?,
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok(a)
}

fn main() -> std::process::ExitCode {
    common::main("soak", args(), run)
}

async fn healthz_latencies(base: &str, n: usize) -> (Vec<Duration>, usize) {
    // A fresh connection per probe, as a load balancer's health check makes.
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .timeout(Duration::from_secs(2))
        .build()
        .expect("client");
    let mut lat = Vec::new();
    let mut failed = 0;
    for _ in 0..n {
        let t = Instant::now();
        match http.get(format!("{base}/healthz")).send().await {
            Ok(r) if r.status() == 200 => lat.push(t.elapsed()),
            _ => failed += 1,
        }
    }
    lat.sort();
    (lat, failed)
}

fn pct(v: &[Duration], p: f64) -> String {
    if v.is_empty() {
        return "-".into();
    }
    let i = ((v.len() as f64 - 1.0) * p).round() as usize;
    format!("{:.1} ms", v[i].as_secs_f64() * 1000.0)
}

/// Whether the gateway has closed this connection (a read sees EOF or a reset); never waits.
fn closed(s: &TcpStream) -> bool {
    let mut b = [0u8; 1];
    match s.try_read(&mut b) {
        Ok(0) => true,
        Ok(_) => false,
        Err(e) => e.kind() != std::io::ErrorKind::WouldBlock,
    }
}

async fn run(a: Args) -> Result<(), String> {
    let fds = filegate::listener::raise_fd_limit().unwrap_or(0);
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let filegate = exe.with_file_name("filegate");
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let port = common::free_port()?;
    let log = dir.path().join("gateway.log");
    let mut cmd = Command::new(&filegate);
    cmd.arg("serve")
        .env_clear()
        .env("FILEGATE_JWT_SECRET", SECRET)
        .env("FILEGATE_LISTEN", format!("127.0.0.1:{port}"))
        .env(
            "FILEGATE_STORE__URL",
            format!("sqlite://{}", dir.path().join("soak.db").display()),
        )
        .env("FILEGATE_LOG__LEVEL", "warn")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).map_err(|e| e.to_string())?);
    if let Ok(path) = std::env::var("PATH") {
        cmd.env("PATH", path);
    }
    for (k, v) in std::env::vars().filter(|(k, _)| k.starts_with("FILEGATE_LIMITS__")) {
        cmd.env(k, v);
    }
    let _gateway = Proc(
        cmd.spawn()
            .map_err(|e| format!("cannot run {} (build it first): {e}", filegate.display()))?,
    );
    let base = format!("http://127.0.0.1:{port}");
    let t = Instant::now();
    while healthz_latencies(&base, 1).await.1 > 0 {
        if t.elapsed() > Duration::from_secs(20) {
            return Err("the gateway never became healthy".into());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    println!("soak: filegate serve on {base}; this process's descriptor limit {fds}");

    // Slow-header connections: one header line per second, never a blank line.
    let mut slow_tasks = Vec::new();
    for _ in 0..a.slow {
        if let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)).await {
            slow_tasks.push(tokio::spawn(async move {
                let _ = s.write_all(b"GET /healthz HTTP/1.1\r\nhost: x\r\n").await;
                for i in 0u64.. {
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    if s.write_all(format!("x-{i}: 1\r\n").as_bytes())
                        .await
                        .is_err()
                    {
                        return;
                    }
                }
            }));
        }
    }
    println!(
        "{:>12} {:>10} {:>10} {:>12} {:>12} {:>12} {:>8}",
        "attempted", "held", "closed", "connect-err", "healthz p50", "healthz p99", "failed"
    );
    let mut idle: Vec<TcpStream> = Vec::new();
    let mut connect_errors = 0usize;
    let mut attempted = 0usize;
    while attempted < a.connections {
        let target = (attempted + a.step).min(a.connections);
        while attempted < target {
            let batch = (target - attempted).min(500);
            let conns = futures::future::join_all(
                (0..batch).map(|_| TcpStream::connect(("127.0.0.1", port))),
            )
            .await;
            for c in conns {
                match c {
                    Ok(s) => idle.push(s),
                    Err(_) => connect_errors += 1,
                }
            }
            attempted += batch;
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
        let refused = idle.iter().filter(|s| closed(s)).count();
        let (lat, failed) = healthz_latencies(&base, 20).await;
        println!(
            "{:>12} {:>10} {:>10} {:>12} {:>12} {:>12} {:>8}",
            attempted,
            idle.len() - refused,
            refused,
            connect_errors,
            pct(&lat, 0.5),
            pct(&lat, 0.99),
            failed
        );
    }
    drop(idle);
    for t in slow_tasks {
        t.abort();
    }
    let t = Instant::now();
    while healthz_latencies(&base, 1).await.1 > 0 {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let (lat, failed) = healthz_latencies(&base, 50).await;
    let accept_errors = std::fs::read_to_string(&log)
        .unwrap_or_default()
        .matches("accept failed")
        .count();
    println!(
        "after release: healthy again in {:.1} s; healthz p50 {} p99 {} ({failed} failed); gateway accept errors: {accept_errors}",
        t.elapsed().as_secs_f64(),
        pct(&lat, 0.5),
        pct(&lat, 0.99)
    );
    Ok(())
}
