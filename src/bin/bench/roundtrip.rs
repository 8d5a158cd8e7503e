//! Figure `transfer`: the former bench — one large-file round trip through the gateway
//! (`--size-mb` MiB up, then back down), the SHA-1 of what came back checked against what was
//! sent, throughput, and the gateway's peak resident memory (VmHWM) against `--limit-mb`.

use std::time::{Duration, Instant};

use futures::StreamExt;
use sha1::{Digest, Sha1};

use crate::Args;
use crate::env::{Env, ONEBOT_MAX_UPLOAD, Provider};
use crate::transfer::Content;

fn peak_rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
}

pub async fn run(p: Provider, a: &Args) -> Result<(), String> {
    let env = Env::start(p, 0).await?;
    let pid = env.gw.pid;
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(3600))
        .build()
        .map_err(|e| e.to_string())?;
    let idle_kib = peak_rss_kib(pid).unwrap_or(0);
    let mut size = a.size_mb * 1024 * 1024;
    if p == Provider::Onebot && size > ONEBOT_MAX_UPLOAD {
        println!(
            "OneBot: --size-mb capped at {} MiB (the simulator's 256 MiB body limit, as base64)",
            ONEBOT_MAX_UPLOAD >> 20
        );
        size = ONEBOT_MAX_UPLOAD;
    }
    let content = Content { size, salt: 1 };
    let mut sha = Sha1::new();
    for i in 0..content.chunks() {
        sha.update(content.chunk(i));
    }
    let sent_sha = hex::encode(sha.finalize());

    let started = Instant::now();
    let res = http
        .post(env.gw.space_url("/files"))
        .query(&[("name", "bench.bin"), ("on_conflict", "replace")])
        .bearer_auth(&env.gw.token)
        .header("content-length", size)
        .body(reqwest::Body::wrap_stream(content.stream()))
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let status = res.status();
    let answer: serde_json::Value = res.json().await.map_err(|e| e.to_string())?;
    if status.as_u16() != 201 {
        return Err(format!("upload failed: {status} {answer}"));
    }
    let upload_secs = started.elapsed().as_secs_f64();
    let item = answer["item"]["id"]
        .as_str()
        .ok_or("no item id")?
        .to_owned();
    let after_upload_kib = peak_rss_kib(pid).unwrap_or(0);

    let started = Instant::now();
    let res = http
        .get(env.gw.space_url(&format!("/items/{item}/content")))
        .bearer_auth(&env.gw.token)
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
    println!("provider            {}", p.name());
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
    let same = got == size && got_sha == sent_sha;
    println!(
        "round trip          {}",
        if same {
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
    if !same {
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
