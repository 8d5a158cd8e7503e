//! A raw upload with a `Content-Length` goes to Fangcloud's pre-signed URL as it arrives
//! (`file/upload_v2` needs the size, no digest); a multipart or chunked body is spooled first.
//! Either way a body that breaks off leaves no file upstream and no spool file behind.

use std::time::Duration;

use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::env::{Env, env, env_with, names};
use crate::common::{self, bytes, raw_upload_head, sim_calls};
use filegate::sandbox::fangcloud;

const MIB: usize = 1024 * 1024;

/// Opens `POST …/files?name=…` on a raw connection and sends the head and `first` bytes of
/// the body: with `Content-Length: total`, or chunked (one chunk of `first`) when `total` is
/// `None`.
async fn start_upload(e: &Env, name: &str, total: Option<usize>, first: &[u8]) -> TcpStream {
    let url = e.murl(&format!("/files?name={name}&on_conflict=fail"));
    let path = url.split_once(&e.gw.running.base_url).unwrap().1.to_owned();
    let framing = match total {
        Some(n) => format!("content-length: {n}"),
        None => "transfer-encoding: chunked".to_owned(),
    };
    let mut sock = raw_upload_head(e.gw.running.addr, "POST", &path, &e.token, &framing).await;
    if total.is_none() {
        sock.write_all(format!("{:x}\r\n", first.len()).as_bytes())
            .await
            .unwrap();
    }
    sock.write_all(first).await.unwrap();
    if total.is_none() {
        sock.write_all(b"\r\n").await.unwrap();
    }
    sock
}

/// The answer on a raw connection, up to its close.
async fn answer(mut sock: TcpStream) -> String {
    let mut out = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(20), sock.read_to_end(&mut out)).await;
    String::from_utf8_lossy(&out).into_owned()
}

/// Waits until the simulator has seen `n` multipart POSTs to a pre-signed URL.
async fn wait_for_upload_posts(e: &Env, n: u64) {
    for _ in 0..200 {
        if sim_calls(e.sim(), "upload").await >= n {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("the gateway did not start the upstream upload");
}

/// How many spool files the gateway holds.
fn spool_files(e: &Env) -> usize {
    common::spool_files(&e.gw).len()
}

/// How many items of the personal root are named `name`.
async fn root_count(e: &Env, name: &str) -> usize {
    let page = e.json(e.mget("/items?limit=200")).await;
    names(&page).iter().filter(|n| *n == name).count()
}

#[tokio::test]
async fn a_raw_upload_with_a_content_length_reaches_the_presigned_url_before_its_body_has_arrived()
{
    let e = env().await;
    let data = bytes(4 * MIB, 3);
    let mut sock = start_upload(&e, "streamed.bin", Some(data.len()), &data[..MIB]).await;
    wait_for_upload_posts(&e, 1).await;
    assert_eq!(spool_files(&e), 0, "nothing is spooled");
    assert_eq!(sim_calls(e.sim(), "file/upload_v2").await, 1);
    sock.write_all(&data[MIB..]).await.unwrap();
    let a = answer(sock).await;
    assert!(a.starts_with("HTTP/1.1 201"), "{a}");
    let body = a.split_once("\r\n\r\n").unwrap().1;
    let r: Value = serde_json::from_str(body).unwrap();
    assert_eq!(r["method"], "presigned");
    assert_eq!(r["item"]["size"], data.len());
    let id = r["item"]["id"].as_str().unwrap();
    let got = e
        .get(&e.murl(&format!("/items/{id}/content")))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert!(got.as_ref() == data.as_slice(), "the bytes round-trip");
}

#[tokio::test]
async fn a_streamed_upload_cut_off_halfway_is_refused_and_leaves_no_file_upstream() {
    let e = env().await;
    let data = bytes(4 * MIB, 4);
    let mut sock = start_upload(&e, "cut.bin", Some(data.len()), &data[..2 * MIB]).await;
    wait_for_upload_posts(&e, 1).await;
    sock.shutdown().await.unwrap();
    let a = answer(sock).await;
    assert!(
        a.is_empty() || (a.starts_with("HTTP/1.1 400") && a.contains("upload_incomplete")),
        "the caller's fault, not a 5xx: {a}"
    );
    // The upload host stored nothing: the name is free and the next upload of it succeeds.
    assert_eq!(root_count(&e, "cut.bin").await, 0);
    assert_eq!(spool_files(&e), 0);
    let res = e
        .upload(&e.me(), "name=cut.bin&on_conflict=fail", data.clone())
        .await;
    assert_eq!(res.status(), 201);
    assert_eq!(root_count(&e, "cut.bin").await, 1);
}

#[tokio::test]
async fn a_chunked_upload_is_spooled_so_no_upstream_call_starts_before_it_arrived() {
    let e = env().await;
    let data = bytes(2 * MIB, 5);
    let mut sock = start_upload(&e, "chunked.bin", None, &data[..MIB]).await;
    // The first half is in; the spool holds it and the upstream has heard nothing.
    for _ in 0..200 {
        if spool_files(&e) == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert_eq!(spool_files(&e), 1, "a chunked body is spooled");
    assert_eq!(sim_calls(e.sim(), "file/upload_v2").await, 0);
    assert_eq!(sim_calls(e.sim(), "upload").await, 0);
    sock.write_all(format!("{:x}\r\n", MIB).as_bytes())
        .await
        .unwrap();
    sock.write_all(&data[MIB..]).await.unwrap();
    sock.write_all(b"\r\n0\r\n\r\n").await.unwrap();
    let a = answer(sock).await;
    assert!(a.starts_with("HTTP/1.1 201"), "{a}");
    assert_eq!(sim_calls(e.sim(), "upload").await, 1);
    assert_eq!(spool_files(&e), 0, "the spool file is gone");
}

#[tokio::test]
async fn a_declared_length_over_the_limit_is_a_413_before_the_upstream_hears_of_it() {
    let e = env_with(fangcloud::Options::default(), |c| {
        c.limits.max_upload_bytes = MIB as u64;
    })
    .await;
    let sock = start_upload(&e, "big.bin", Some(MIB + 1), b"").await;
    let a = answer(sock).await;
    assert!(a.starts_with("HTTP/1.1 413"), "{a}");
    assert!(a.contains("payload_too_large"), "{a}");
    assert_eq!(sim_calls(e.sim(), "file/upload_v2").await, 0);
}
