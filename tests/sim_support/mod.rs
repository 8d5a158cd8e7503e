//! What the three simulator test files share: the `/__sim` control surface every simulator
//! mounts (faults, stats, reset, revocation) and deterministic test content.
//!
//! Each `tests/sim_*.rs` includes this with `mod sim_support;`; not every file uses every
//! helper.
#![allow(dead_code)]

use reqwest::StatusCode;
use serde_json::Value;

/// `POST {base}/__sim/{path}` with a JSON body; answers the status.
pub async fn control(base: &str, path: &str, body: Value) -> StatusCode {
    reqwest::Client::new()
        .post(format!("{base}/__sim/{path}"))
        .json(&body)
        .send()
        .await
        .expect("the simulator answers")
        .status()
}

/// Queues one fault (`POST /__sim/faults`) and checks it was accepted.
pub async fn add_fault(base: &str, spec: Value) {
    let status = control(base, "faults", spec.clone()).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "fault {spec} was refused");
}

/// Clears counters and faults (`POST /__sim/reset`).
pub async fn reset(base: &str) {
    assert!(control(base, "reset", Value::Null).await.is_success());
}

/// `GET /__sim/stats`: `{token_fetches, calls: {name: count}}`.
pub async fn stats(base: &str) -> Value {
    reqwest::get(format!("{base}/__sim/stats"))
        .await
        .expect("the simulator answers")
        .json()
        .await
        .expect("stats are JSON")
}

/// How often the simulator served `name` (0 when never).
pub async fn calls(base: &str, name: &str) -> u64 {
    stats(base).await["calls"][name].as_u64().unwrap_or(0)
}

/// `len` bytes that are the same on every run and not all alike (xorshift).
pub fn pattern(len: usize) -> Vec<u8> {
    let mut x: u32 = 0x1234_5678;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x as u8
        })
        .collect()
}

/// `GET url` without credentials (presigned and download URLs): answers the whole body.
pub async fn get_bytes(url: &str) -> bytes::Bytes {
    reqwest::get(url)
        .await
        .expect("the simulator answers")
        .bytes()
        .await
        .expect("the body arrives")
}

/// The text field `field` of every item, in order (names of a listing, ids…).
pub fn texts(items: &[Value], field: &str) -> Vec<String> {
    items
        .iter()
        .map(|i| i[field].as_str().expect("a text field").to_owned())
        .collect()
}

/// `GET url` with a `range` header (`bytes=3-100`…): answers the raw response.
pub async fn get_range(url: &str, range: impl AsRef<str>) -> reqwest::Response {
    reqwest::Client::new()
        .get(url)
        .header("range", range.as_ref())
        .send()
        .await
        .expect("the simulator answers")
}
