//! Upstream failures become clear problems.

use crate::calls::{problem_of, send, status_of};
use serde_json::json;

use super::env::{connection, env, env_of, env_with};
use crate::common::sim_calls;
use crate::faults;
use filegate::config::Config;
use filegate::sandbox::wecom;
use std::time::Duration;

#[tokio::test]
async fn an_upstream_errcode_becomes_a_mapped_problem_with_the_upstream_block() {
    let e = env().await;
    e.fault(
        json!({"path": "file_list", "type": "error", "code": "640004", "message": "no permission"}),
    )
    .await;
    let p = problem_of(e.get(&e.surl("/items")), 403).await;
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

    e.fault(json!({"path": "file_list", "type": "error", "code": "-1"}))
        .await;
    e.refused(e.get(&e.surl("/items")), 502, "upstream_unavailable")
        .await;

    e.fault(json!({"path": "file_list", "type": "error", "code": "999999"}))
        .await;
    e.refused(e.get(&e.surl("/items")), 502, "upstream_error")
        .await;
}

#[tokio::test]
async fn the_frequency_limit_is_a_429_with_retry_after() {
    let e = env().await;
    e.fault(json!({"path": "file_list", "type": "rate_limit", "times": 2}))
        .await;
    // 45009 says nothing of how long: the connection pauses for `pause_on_refusal` (60 s),
    // and Retry-After is when its calls resume.
    faults::rate_limited_is_a_429(&e, &e.surl("/items"), "60", "45009").await;
    // Meanwhile the gateway answers for the upstream, with the time left, and sends nothing:
    // the second queued refusal is still there.
    faults::held_back_is_a_429(&e, &e.surl("/items"), 59..=60).await;
    assert_eq!(crate::common::sim_requests(e.sim(), "/file_list").await, 1);
}

#[tokio::test]
async fn a_short_pause_after_45009_ends_with_the_upstream_answering_again() {
    let e = env_with(wecom::Options::default(), |c| {
        c.upstream.rate_limit.pause_on_refusal = Duration::from_millis(200)
    })
    .await;
    e.fault(json!({"path": "file_list", "type": "rate_limit"}))
        .await;
    let res = send(e.get(&e.surl("/items"))).await;
    assert_eq!(res.status(), 429);
    assert_eq!(res.headers()["retry-after"], "1");
    // Within `max_wait` (1 s): the next caller waits out the pause instead of being refused.
    assert_eq!(status_of(e.get(&e.surl("/items"))).await, 200);
    assert_eq!(sim_calls(e.sim(), "file_list").await, 1);
}

#[tokio::test]
async fn a_real_per_token_budget_also_answers_429() {
    let e = env_of(wecom::Options {
        calls_per_minute: Some(3),
        ..Default::default()
    })
    .await;
    faults::a_budget_of_three_runs_out_as_429(&e, &e.surl("/items")).await;
}

#[tokio::test]
async fn an_upstream_5xx_in_the_errcode_envelope_is_a_502_with_the_upstream_block() {
    let e = env().await;
    e.fault(json!({"path": "file_list", "type": "server_error", "status": 503, "times": 10}))
        .await;
    let p = e
        .refused(e.get(&e.surl("/items")), 502, "upstream_unavailable")
        .await;
    assert_eq!(p["upstream"]["provider"], "wecom", "{p}");
    assert_eq!(p["upstream"]["code"], "503", "{p}");
    assert!(p["upstream"]["message"].is_string(), "{p}");
    crate::common::sim_clear_faults(e.sim()).await;
    assert_eq!(status_of(e.get(&e.surl("/items"))).await, 200);
}

#[tokio::test]
async fn a_slow_upstream_is_a_504() {
    let limit = |c: &mut Config| c.limits.upstream_timeout = Duration::from_millis(500);
    a_late_file_list_is_a_504(limit, "upstream_timeout").await;
}

#[tokio::test]
async fn a_request_over_the_gateway_deadline_is_a_504() {
    let limit = |c: &mut Config| c.limits.request_timeout = Duration::from_millis(500);
    a_late_file_list_is_a_504(limit, "gateway_timeout").await;
}

/// A gateway with a 500 ms `limit` in front of a `file_list` that answers 2 s late.
async fn a_late_file_list_is_a_504(limit: impl FnOnce(&mut Config), code: &str) {
    let e = env_with(wecom::Options::default(), limit).await;
    faults::a_late_answer_is_a_504(&e, "file_list", &e.surl("/items"), code).await;
}

#[tokio::test]
async fn wrong_gateway_credentials_are_a_502_not_the_callers_fault() {
    let sim = wecom::start(wecom::Options::default()).await.unwrap();
    let (status, p) = faults::spaces_through(connection(&sim.base_url, "wrong-secret")).await;
    assert_eq!(status, 502);
    assert_eq!(p["code"], "upstream_credentials_rejected");
    assert!(!p.to_string().contains("wrong-secret"));
}

#[tokio::test]
async fn an_unreachable_upstream_is_a_502() {
    let sim = wecom::start(wecom::Options::default()).await.unwrap();
    let base = sim.base_url.clone();
    drop(sim);
    let (status, p) = faults::spaces_through(connection(&base, "x")).await;
    assert_eq!(status, 502);
    assert_eq!(p["code"], "upstream_unavailable");
}
