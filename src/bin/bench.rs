//! Large-file round trip through a real gateway process, with figures.
//!
//! Runs `filegate simulate <provider>` and `filegate serve` as two separate processes (so the
//! simulator's memory is not counted), streams a generated file of `--size-mb` MiB up through
//! the gateway and back down, checks the SHA-1 of what came back, and prints throughput and the
//! gateway's peak resident memory (VmHWM from /proc). Build first: `cargo build --release`,
//! then `target/release/bench --provider wecom --size-mb 300`.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures::StreamExt;
use sha1::{Digest, Sha1};

const SECRET: &str = "bench-secret-bench-secret-bench-secret-00";

mod common;
use common::{Flags, Proc};

struct Args {
    provider: String,
    size_mb: u64,
    limit_mb: u64,
}

fn args() -> Result<Args, String> {
    let mut a = Args {
        provider: "wecom".into(),
        size_mb: 300,
        limit_mb: 100,
    };
    let mut flags = Flags::from_env();
    while let Some(flag) = flags.next_flag() {
        match flag.as_str() {
            "--provider" => a.provider = flags.value(&flag)?,
            "--size-mb" => a.size_mb = flags.number(&flag)?,
            "--limit-mb" => a.limit_mb = flags.number(&flag)?,
            _ => {
                return Err(format!(
                    "unknown flag {flag} (--provider, --size-mb, --limit-mb)"
                ));
            }
        }
    }
    Ok(a)
}

/// What the gateway needs to reach one simulator: the connection's TOML, environment, and the
/// space to upload into.
struct Target {
    connection_toml: String,
    env: Vec<(&'static str, String)>,
    space: String,
}

fn target(provider: &str, sim_url: &str) -> Result<Target, String> {
    use filegate::model::Provider;
    use filegate::model::ids::{IdKind, encode};
    match provider {
        "wecom" => {
            use filegate::sandbox::wecom::demo;
            Ok(Target {
                connection_toml: format!(
                    "[[connections]]\nname = \"bench\"\nprovider = \"wecom\"\nbase_url = \"{sim_url}\"\ncorp_id = \"{}\"\nsecret_env = \"BENCH_UPSTREAM_SECRET\"\n",
                    demo::CORP_ID
                ),
                env: vec![("BENCH_UPSTREAM_SECRET", demo::CORP_SECRET.into())],
                space: encode(IdKind::Space, Provider::Wecom, &[demo::SPACE_ID]),
            })
        }
        "onebot" => {
            use filegate::sandbox::onebot::demo;
            // The simulator takes bodies up to 256 MiB: a file of 180 MiB is 240 MiB of base64.
            Ok(Target {
                connection_toml: format!(
                    "[[connections]]\nname = \"bench\"\nprovider = \"onebot\"\nbase_url = \"{sim_url}\"\naccess_token_env = \"BENCH_UPSTREAM_SECRET\"\nmax_upload_bytes = {}\n",
                    180 * 1024 * 1024
                ),
                env: vec![("BENCH_UPSTREAM_SECRET", demo::ACCESS_TOKEN.into())],
                space: encode(
                    IdKind::Space,
                    Provider::Onebot,
                    &["g", &demo::GROUP_ID.to_string()],
                ),
            })
        }
        "fangcloud" => {
            use filegate::sandbox::fangcloud::demo;
            Ok(Target {
                connection_toml: format!(
                    "[[connections]]\nname = \"bench\"\nprovider = \"fangcloud\"\noauth_url = \"{sim_url}\"\napi_url = \"{sim_url}\"\nclient_id = \"{}\"\nclient_secret_env = \"BENCH_UPSTREAM_SECRET\"\nenterprise_id = \"{}\"\ndefault_user_id = \"{}\"\n",
                    demo::CLIENT_ID,
                    demo::ENTERPRISE_ID,
                    demo::USER_ID
                ),
                env: vec![("BENCH_UPSTREAM_SECRET", demo::CLIENT_SECRET.into())],
                space: encode(
                    IdKind::Space,
                    Provider::Fangcloud,
                    &["personal", &demo::USER_ID.to_string()],
                ),
            })
        }
        other => Err(format!("no benchmark target for provider '{other}'")),
    }
}

fn sibling(name: &str) -> Result<std::path::PathBuf, String> {
    let me = std::env::current_exe().map_err(|e| e.to_string())?;
    let p = me.with_file_name(name);
    if p.exists() {
        Ok(p)
    } else {
        Err(format!(
            "{} not found: run `cargo build --release` first",
            p.display()
        ))
    }
}

fn peak_rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
}

/// Deterministic content, generated chunk by chunk (never held whole).
fn chunk(index: u64, len: usize) -> Vec<u8> {
    let mut x = index.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 32) as u8
        })
        .collect()
}

#[tokio::main]
async fn main() -> Result<(), String> {
    let a = args()?;
    let filegate = sibling("filegate")?;
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;

    let mut sim = Command::new(&filegate)
        .args(["simulate", &a.provider])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| e.to_string())?;
    let mut line = String::new();
    BufReader::new(sim.stdout.take().ok_or("no stdout")?)
        .read_line(&mut line)
        .map_err(|e| e.to_string())?;
    let _sim = Proc(sim);
    let sim_url = line
        .trim()
        .strip_prefix("listening on ")
        .ok_or("simulator did not start")?
        .to_owned();
    let t = target(&a.provider, &sim_url)?;

    let port = common::free_port()?;
    let config = dir.path().join("bench.toml");
    std::fs::write(
        &config,
        format!(
            "[store]\nurl = \"sqlite://{db}\"\n\n[limits]\nspool_dir = \"{spool}\"\n\n{conn}",
            db = dir.path().join("bench.db").display(),
            spool = dir.path().display(),
            conn = t.connection_toml
        ),
    )
    .map_err(|e| e.to_string())?;
    let mut cmd = Command::new(&filegate);
    cmd.args(["serve", "--config"])
        .arg(&config)
        .args(["--listen", &format!("127.0.0.1:{port}")])
        .env("FILEGATE_JWT_SECRET", SECRET)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    for (k, v) in &t.env {
        cmd.env(k, v);
    }
    let gateway = Proc(cmd.spawn().map_err(|e| e.to_string())?);
    let pid = gateway.0.id();
    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(3600))
        .build()
        .map_err(|e| e.to_string())?;
    let mut ready = false;
    for _ in 0..100 {
        if http
            .get(format!("{base}/readyz"))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            ready = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    if !ready {
        return Err("the gateway did not become ready".into());
    }
    let token = filegate::auth::mint(
        &secrecy::SecretString::from(SECRET),
        &filegate::auth::MintRequest {
            sub: "bench".into(),
            scopes: vec!["files:read".into(), "files:write".into()],
            connections: vec!["bench".into()],
            ttl: Duration::from_secs(3600),
            issuer: None,
            audience: None,
        },
    )?;
    let idle_kib = peak_rss_kib(pid).unwrap_or(0);

    let size = a.size_mb * 1024 * 1024;
    const CHUNK: u64 = 1024 * 1024;
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(4);
    let producer = tokio::spawn(async move {
        let mut sha = Sha1::new();
        for i in 0..size.div_ceil(CHUNK) {
            let c = chunk(i, CHUNK.min(size - i * CHUNK) as usize);
            sha.update(&c);
            if tx.send(Ok(Bytes::from(c))).await.is_err() {
                break;
            }
        }
        hex::encode(sha.finalize())
    });
    let body = reqwest::Body::wrap_stream(tokio_stream_from(rx));
    let started = Instant::now();
    let res = http
        .post(format!(
            "{base}/v1/connections/bench/spaces/{}/files?name=bench.bin&on_conflict=replace",
            t.space
        ))
        .bearer_auth(&token)
        .header("content-length", size)
        .body(body)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let status = res.status();
    let answer: serde_json::Value = res.json().await.map_err(|e| e.to_string())?;
    if status.as_u16() != 201 {
        return Err(format!("upload failed: {status} {answer}"));
    }
    let upload_secs = started.elapsed().as_secs_f64();
    let sent_sha = producer.await.map_err(|e| e.to_string())?;
    let item = answer["item"]["id"]
        .as_str()
        .ok_or("no item id")?
        .to_owned();
    let after_upload_kib = peak_rss_kib(pid).unwrap_or(0);

    let started = Instant::now();
    let res = http
        .get(format!(
            "{base}/v1/connections/bench/spaces/{}/items/{item}/content",
            t.space
        ))
        .bearer_auth(&token)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    if !res.status().is_success() {
        return Err(format!("download failed: {}", res.status()));
    }
    let mut sha = Sha1::new();
    let mut got = 0u64;
    let mut stream = res.bytes_stream();
    while let Some(c) = stream.next().await {
        let c = c.map_err(|e| e.to_string())?;
        got += c.len() as u64;
        sha.update(&c);
    }
    let download_secs = started.elapsed().as_secs_f64();
    let got_sha = hex::encode(sha.finalize());
    let peak_kib = peak_rss_kib(pid).unwrap_or(0);

    let mib = size as f64 / (1024.0 * 1024.0);
    println!("provider            {}", a.provider);
    println!(
        "file                {:.0} MiB (method: {}, instant: {})",
        mib, answer["method"], answer["instant"]
    );
    println!(
        "upload              {upload_secs:.2} s  ({:.1} MiB/s, client → gateway → simulator)",
        mib / upload_secs
    );
    println!(
        "download            {download_secs:.2} s  ({:.1} MiB/s)",
        mib / download_secs
    );
    println!(
        "round trip          {}",
        if got == size && got_sha == sent_sha {
            "byte-for-byte identical (SHA-1 match)"
        } else {
            "MISMATCH"
        }
    );
    println!("gateway RSS idle    {:.1} MiB", idle_kib as f64 / 1024.0);
    println!(
        "gateway peak RSS    {:.1} MiB after upload, {:.1} MiB after download (limit {} MiB)",
        after_upload_kib as f64 / 1024.0,
        peak_kib as f64 / 1024.0,
        a.limit_mb
    );
    if got != size || got_sha != sent_sha {
        return Err("the downloaded bytes differ from the uploaded ones".into());
    }
    if peak_kib > a.limit_mb * 1024 {
        return Err(format!(
            "peak RSS {:.1} MiB is over the {} MiB limit",
            peak_kib as f64 / 1024.0,
            a.limit_mb
        ));
    }
    Ok(())
}

fn tokio_stream_from(
    mut rx: tokio::sync::mpsc::Receiver<Result<Bytes, std::io::Error>>,
) -> impl futures::Stream<Item = Result<Bytes, std::io::Error>> {
    futures::stream::poll_fn(move |cx| rx.poll_recv(cx))
}
