//! Upstream failures become clear problems.

use crate::calls::{send, status_of};
use serde_json::json;

use super::env::{env, env_with};
use crate::common::{problem, sim_calls, sim_fault};
use filegate::sandbox::wecom;

#[tokio::test]
async fn an_upstream_errcode_becomes_a_mapped_problem_with_the_upstream_block() {
    let e = env().await;
    sim_fault(
        e.sim(),
        json!({"path": "file_list", "type": "error", "code": "640004", "message": "no permission"}),
    )
    .await;
    let res = send(e.get(&e.surl("/items"))).await;
    assert_eq!(res.status(), 403);
    let p = problem(res).await;
    assert_eq!(p["code"], "permission_denied");
    assert_eq!(p["upstream"]["provider"], "wecom");
    assert_eq!(p["upstream"]["code"], "640004");
    assert!(
        p["upstream"]["message"]
            .as_str()
            .unwrap()
            .starts_with("no permission"),
        "{p}"
    );

    sim_fault(
        e.sim(),
        json!({"path": "file_list", "type": "error", "code": "-1"}),
    )
    .await;
    e.refused(e.get(&e.surl("/items")), 502, "upstream_unavailable")
        .await;

    sim_fault(
        e.sim(),
        json!({"path": "file_list", "type": "error", "code": "999999"}),
    )
    .await;
    e.refused(e.get(&e.surl("/items")), 502, "upstream_error")
        .await;
}

#[tokio::test]
async fn the_frequency_limit_is_a_429_with_retry_after() {
    let e = env().await;
    sim_fault(
        e.sim(),
        json!({"path": "file_list", "type": "rate_limit", "times": 2}),
    )
    .await;
    let res = send(e.get(&e.surl("/items"))).await;
    assert_eq!(res.status(), 429);
    assert_eq!(res.headers()["retry-after"], "60");
    let p = problem(res).await;
    assert_eq!(p["code"], "rate_limited");
    assert_eq!(p["upstream"]["code"], "45009");
    // The gateway did not retry blindly: the second queued refusal is still there for the
    // next call, and only then does the upstream answer.
    assert_eq!(status_of(e.get(&e.surl("/items"))).await, 429);
    assert_eq!(status_of(e.get(&e.surl("/items"))).await, 200);
    assert_eq!(sim_calls(e.sim(), "file_list").await, 1);
}

#[tokio::test]
async fn a_real_per_token_budget_also_answers_429() {
    let e = env_with(
        wecom::Options {
            calls_per_minute: Some(3),
            ..Default::default()
        },
        |_| {},
    )
    .await;
    let mut statuses = Vec::new();
    for _ in 0..5 {
        statuses.push(status_of(e.get(&e.surl("/items"))).await.as_u16());
    }
    assert_eq!(&statuses[..3], &[200, 200, 200]);
    assert!(statuses[3..].iter().all(|s| *s == 429), "{statuses:?}");
}

#[tokio::test]
async fn upstream_5xx_and_garbage_are_502() {
    let e = env().await;
    sim_fault(
        e.sim(),
        json!({"path": "file_list", "type": "status", "status": 503}),
    )
    .await;
    let res = send(e.get(&e.surl("/items"))).await;
    assert_eq!(res.status(), 502);
    let p = problem(res).await;
    assert_eq!(p["code"], "upstream_unavailable");
    assert!(
        !p.to_string().contains("simulated upstream failure"),
        "upstream bodies are not passed through"
    );
    sim_fault(e.sim(), json!({"path": "file_list", "type": "malformed"})).await;
    e.refused(e.get(&e.surl("/items")), 502, "upstream_malformed")
        .await;
}

#[tokio::test]
async fn a_slow_upstream_is_a_504() {
    let e = env_with(wecom::Options::default(), |c| {
        c.limits.upstream_timeout = std::time::Duration::from_millis(500)
    })
    .await;
    sim_fault(
        e.sim(),
        json!({"path": "file_list", "type": "latency", "ms": 2000}),
    )
    .await;
    e.refused(e.get(&e.surl("/items")), 504, "upstream_timeout")
        .await;
}

#[tokio::test]
async fn a_request_over_the_gateway_deadline_is_a_504() {
    let e = env_with(wecom::Options::default(), |c| {
        c.limits.request_timeout = std::time::Duration::from_millis(500)
    })
    .await;
    sim_fault(
        e.sim(),
        json!({"path": "file_list", "type": "latency", "ms": 2000}),
    )
    .await;
    e.refused(e.get(&e.surl("/items")), 504, "gateway_timeout")
        .await;
}

#[tokio::test]
async fn wrong_gateway_credentials_are_a_502_not_the_callers_fault() {
    let sim = wecom::start(wecom::Options::default()).await.unwrap();
    let base = sim.base_url.clone();
    let gw = crate::common::gateway_with(|c, _| {
        c.connections = vec![super::env::connection(&base, "wrong-secret")]
    })
    .await;
    let res = send(
        gw.http
            .get(gw.url("/v1/connections/wd/spaces"))
            .bearer_auth(crate::common::token("files:read", "wd")),
    )
    .await;
    assert_eq!(res.status(), 502);
    let p = problem(res).await;
    assert_eq!(p["code"], "upstream_credentials_rejected");
    assert!(!p.to_string().contains("wrong-secret"));
}

#[tokio::test]
async fn an_unreachable_upstream_is_a_502() {
    let sim = wecom::start(wecom::Options::default()).await.unwrap();
    let base = sim.base_url.clone();
    drop(sim);
    let gw = crate::common::gateway_with(|c, _| {
        c.connections = vec![super::env::connection(&base, "x")]
    })
    .await;
    let res = send(
        gw.http
            .get(gw.url("/v1/connections/wd/spaces"))
            .bearer_auth(crate::common::token("files:read", "wd")),
    )
    .await;
    assert_eq!(res.status(), 502);
    assert_eq!(problem(res).await["code"], "upstream_unavailable");
}
