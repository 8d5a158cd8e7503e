//! Upstream failures, rate limits and their headers.

use crate::calls::{problem_of, send, status_of};
use std::time::{Duration, Instant};

use serde_json::json;

use super::env::{env, env_of, env_with, file};
use crate::common::{problem, sim_calls};
use crate::faults;
use filegate::sandbox::fangcloud::{self, demo};

#[tokio::test]
async fn upstream_codes_become_mapped_problems_with_the_upstream_block() {
    let e = env().await;
    e.fault(json!({"path": "children", "type": "error", "code": "permission_denied", "message": "权限不足"}))
    .await;
    let p = problem_of(e.mget("/items"), 403).await;
    assert_eq!(p["code"], "permission_denied");
    assert_eq!(p["upstream"]["provider"], "fangcloud");
    assert_eq!(p["upstream"]["code"], "permission_denied");
    assert_eq!(p["upstream"]["message"], "权限不足");

    // The simulator answers the space limits with 403; the gateway goes by the code.
    e.fault(json!({"path": "upload_v2", "type": "error", "code": "exceed_enterprise_space_limit"}))
        .await;
    let res = e.upload(&e.me(), "name=x.bin", b"x".to_vec()).await;
    assert_eq!(res.status(), 507);
    assert_eq!(problem(res).await["code"], "insufficient_storage");

    for (code, status, mapped) in [
        ("folder_parent_deleted", 409, "parent_deleted"),
        ("enterprise_is_expired", 403, "enterprise_expired"),
        ("something_undocumented", 502, "upstream_error"),
    ] {
        e.fault(json!({"path": "children", "type": "error", "code": code}))
            .await;
        let res = send(e.mget("/items")).await;
        assert_eq!(res.status(), status, "{code}");
        assert_eq!(problem(res).await["code"], mapped, "{code}");
    }
}

#[tokio::test]
async fn every_answer_passes_the_upstream_budget_on_as_ratelimit_headers() {
    let e = budgeted(50).await;
    let res = send(e.mget("/items")).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["ratelimit-limit"], "50");
    assert_eq!(res.headers()["ratelimit-remaining"], "49");
    let reset: u64 = res.headers()["ratelimit-reset"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(reset <= 60);
    // Two calls (info, then children of that folder): the tighter budget is reported.
    let docs = super::env::folder(demo::DOCUMENTS_FOLDER_ID);
    let res = send(e.mget(&format!("/items?parent={docs}"))).await;
    assert_eq!(res.headers()["ratelimit-remaining"], "47");
    // Also on problems.
    let res = send(e.mget(&format!("/items/{}", file(1)))).await;
    assert_eq!(res.status(), 404);
    assert_eq!(res.headers()["ratelimit-remaining"], "46");
}

#[tokio::test]
async fn a_rate_limited_write_is_429_with_retry_after_and_never_retried() {
    let e = env().await;
    e.fault(json!({"path": "folder/create", "type": "rate_limit", "retry_after_secs": 1}))
        .await;
    let res = send(e.post(&e.murl("/folders")).json(&json!({"name": "n"}))).await;
    assert_eq!(res.status(), 429);
    assert_eq!(res.headers()["retry-after"], "1");
    assert_eq!(res.headers()["ratelimit-remaining"], "0");
    let p = problem(res).await;
    assert_eq!(p["code"], "rate_limited");
    assert_eq!(p["upstream"]["code"], "rate_limit");
    assert_eq!(
        sim_calls(e.sim(), "folder/create").await,
        0,
        "not sent again"
    );
    let res = send(e.post(&e.murl("/folders")).json(&json!({"name": "n"}))).await;
    assert_eq!(res.status(), 201);
}

#[tokio::test]
async fn a_read_waits_out_a_short_rate_limit_once_but_not_a_long_one() {
    let e = env().await;
    e.fault(json!({"path": "children", "type": "rate_limit", "retry_after_secs": 1}))
        .await;
    let started = Instant::now();
    let res = send(e.mget("/items")).await;
    assert_eq!(res.status(), 200);
    assert!(started.elapsed() >= Duration::from_millis(900));
    assert_eq!(sim_calls(e.sim(), "folder/children").await, 1);

    e.fault(json!({"path": "children", "type": "rate_limit", "retry_after_secs": 30}))
        .await;
    let started = Instant::now();
    let res = send(e.mget("/items")).await;
    assert_eq!(res.status(), 429);
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(res.headers()["retry-after"], "30");

    // That answer said the token's budget is spent for 30 s: the governor keeps the next call
    // back instead of sending it (429 from the gateway, no `upstream` block).
    let before = sim_calls(e.sim(), "folder/children").await;
    let p = faults::held_back_is_a_429(&e, &e.murl("/items"), 1..=30).await;
    assert_eq!(p["code"], "rate_limited");
    assert_eq!(sim_calls(e.sim(), "folder/children").await, before);
}

#[tokio::test]
async fn a_real_per_token_budget_runs_out_as_429() {
    let e = budgeted(3).await;
    faults::a_budget_of_three_runs_out_as_429(&e, &e.murl("/items")).await;
}

/// The upload host failing after the presign: nothing half-done is reported as success.
/// (A 5xx or garbage from the API is the behaviour suite's `upstream_5xx_and_garbage_…`.)
#[tokio::test]
async fn an_upload_host_failing_after_the_presign_is_a_502() {
    let e = env().await;
    e.fault(json!({"path": "/upload/", "type": "status", "status": 500}))
        .await;
    let res = e.upload(&e.me(), "name=x.bin", b"x".to_vec()).await;
    assert_eq!(res.status(), 502);
}

#[tokio::test]
async fn a_slow_upstream_is_a_504() {
    let e = env_with(fangcloud::Options::default(), |c| {
        c.limits.upstream_timeout = Duration::from_millis(500)
    })
    .await;
    // Warm the token first so that the slow call is the API call.
    assert_eq!(status_of(e.mget("/items")).await, 200);
    faults::a_late_answer_is_a_504(&e, "children", &e.murl("/items"), "upstream_timeout").await;
}

/// A simulator that allows `calls` per token and window, behind a gateway.
async fn budgeted(calls: u32) -> super::env::Env {
    let opts = fangcloud::Options {
        rate_limit: calls,
        ..Default::default()
    };
    env_of(opts).await
}
