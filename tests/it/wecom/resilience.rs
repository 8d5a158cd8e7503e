//! Upstream resilience, black box: retries of reads within the budget, no retry of creations,
//! the circuit breaker. Attempts are counted on the simulator's side (`/__sim/stats`).

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::env::{Env, env, env_named, env_with};
use crate::common::{header, problem, sim_requests};
use filegate::sandbox::wecom;

/// `metrics` documents the metric `name` (its `# HELP` line) and holds the sample `name` +
/// `sample` (labels and, where it matters, the value).
fn assert_metric(metrics: &str, name: &str, sample: &str) {
    assert!(metrics.contains(&format!("# HELP {name}")), "{metrics}");
    assert!(metrics.contains(&format!("{name}{sample}")), "{metrics}");
}

/// Queues a 503 on every `every`-th call to `path`, for `times` calls in all: a steady share
/// of failures rather than a burst.
async fn every_nth_call_is_503(e: &Env, path: &str, every: u32, times: u32) {
    e.fault(json!({"path": path, "type": "status", "status": 503, "every": every, "times": times}))
        .await;
}

/// 20 % of the reads fail with HTTP 503 — deterministically, every fifth `file_list` call.
#[tokio::test]
async fn twenty_percent_injected_503s_on_reads_are_absorbed_within_the_retry_budget() {
    let e = env().await;
    every_nth_call_is_503(&e, "file_list", 5, 100_000).await;
    const REQUESTS: u64 = 500;
    let mut ok = 0u64;
    for _ in 0..REQUESTS {
        let res = e.get(&e.surl("/items")).send().await.unwrap();
        if res.status() == 200 {
            ok += 1;
        }
    }
    let attempts = sim_requests(e.sim(), "/file_list").await;
    let per_request = attempts as f64 / REQUESTS as f64;
    eprintln!(
        "20% injected 503s: {ok}/{REQUESTS} callers succeeded, {attempts} upstream attempts = {per_request:.3} per request"
    );
    assert!(ok * 100 >= REQUESTS * 99, "{ok}/{REQUESTS} succeeded");
    assert!(per_request <= 1.25, "{per_request} attempts per request");
    let conn: Value = e.json(e.get(&e.url(""))).await;
    assert_eq!(conn["upstream"]["breaker"]["state"], "closed", "{conn}");
    assert!(
        conn["upstream"]["retries"]["retries_total"]
            .as_u64()
            .unwrap()
            >= 100
    );
    assert_metric(
        &e.metrics().await,
        "filegate_upstream_retries_total",
        "{connection=\"wd\",provider=\"wecom\",operation=\"file_list\"}",
    );
}

#[tokio::test]
async fn a_failed_creation_is_never_sent_twice() {
    let e = env().await;
    // Every other folder creation fails upstream with 503.
    every_nth_call_is_503(&e, "file_create", 2, 1000).await;
    let mut failed = 0;
    for i in 0..10 {
        let res = e
            .post(&e.surl("/folders"))
            .json(&json!({"name": format!("f{i}")}))
            .send()
            .await
            .unwrap();
        if res.status() != 201 {
            assert_eq!(res.status(), 502);
            assert_eq!(header(&res, "retry-after"), "1");
            assert_eq!(problem(res).await["code"], "upstream_unavailable");
            failed += 1;
        }
    }
    assert_eq!(failed, 5);
    assert_eq!(
        sim_requests(e.sim(), "/file_create").await,
        10,
        "one upstream call per creation, failed or not"
    );
}

fn breaker_config(c: &mut filegate::config::Config, open_for: Duration) {
    c.upstream.breaker.consecutive_failures = 5;
    c.upstream.breaker.open_for = open_for;
}

#[tokio::test]
async fn a_dead_upstream_opens_the_breaker_which_answers_503_without_calling_it() {
    let e = env_named("wd-dead", wecom::Options::default(), |c| {
        breaker_config(c, Duration::from_secs(600))
    })
    .await;
    e.fault(json!({"path": "file_list", "type": "status", "status": 503, "times": 100000}))
        .await;
    let mut statuses = Vec::new();
    for _ in 0..10 {
        let res = e.get(&e.surl("/items")).send().await.unwrap();
        statuses.push(res.status().as_u16());
    }
    assert_eq!(
        sim_requests(e.sim(), "/file_list").await,
        5,
        "the breaker opened at the 5th failure in a row: {statuses:?}"
    );
    assert_eq!(statuses.last(), Some(&503), "{statuses:?}");
    // While open: 503 with Retry-After, and the upstream is not called.
    let mut latencies = Vec::new();
    for _ in 0..100 {
        let started = Instant::now();
        let res = e.get(&e.surl("/items")).send().await.unwrap();
        latencies.push(started.elapsed());
        assert_eq!(res.status(), 503);
        let retry_after: u64 = header(&res, "retry-after").parse().unwrap();
        assert!((1..=600).contains(&retry_after), "{retry_after}");
        let p = problem(res).await;
        assert_eq!(p["code"], "upstream_unavailable");
        assert!(
            p.get("upstream").is_none(),
            "the upstream said nothing: {p}"
        );
    }
    latencies.sort();
    eprintln!(
        "breaker open: median {:?}, p99 {:?}, max {:?} per refused request",
        latencies[50], latencies[98], latencies[99]
    );
    assert_eq!(sim_requests(e.sim(), "/file_list").await, 5);
    let conn: Value = e.json(e.get(&e.url(""))).await;
    let breaker = &conn["upstream"]["breaker"];
    assert_eq!(breaker["state"], "open", "{conn}");
    assert_eq!(breaker["opened_total"], 1);
    assert!(breaker["rejected_total"].as_u64().unwrap() >= 100);
    assert!(breaker["retry_after_secs"].as_u64().unwrap() >= 1);
    assert_metric(
        &e.metrics().await,
        "filegate_upstream_breaker_state",
        "{connection=\"wd-dead\"} 2",
    );
}

#[tokio::test]
async fn after_open_for_one_probe_closes_the_breaker_again() {
    let e = env_with(wecom::Options::default(), |c| {
        breaker_config(c, Duration::from_millis(300))
    })
    .await;
    e.fault(json!({"path": "file_list", "type": "status", "status": 503, "times": 5}))
        .await;
    // Until the 5 queued failures are spent, and then past the open period: the upstream is
    // healthy again, and the first call after `open_for` is the probe that closes the breaker.
    let mut ok = false;
    for _ in 0..200 {
        if e.get(&e.surl("/items")).send().await.unwrap().status() == 200 {
            ok = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(ok, "the breaker closed again");
    assert_eq!(
        sim_requests(e.sim(), "/file_list").await,
        6,
        "5 failures, then only the probe reached the upstream"
    );
    let conn: Value = e.json(e.get(&e.url(""))).await;
    assert_eq!(conn["upstream"]["breaker"]["state"], "closed", "{conn}");
    assert_eq!(conn["upstream"]["breaker"]["opened_total"], 1);
}

/// The upstream allows 100 calls a minute per token; the gateway is configured to 60 a minute
/// with a burst of 10 and may hold a caller 300 ms: of 500 callers at once, those it cannot
/// serve in time get its own 429 — and the upstream never answers 45009.
#[tokio::test]
async fn the_governor_keeps_a_burst_of_500_under_the_configured_rate_with_no_upstream_429() {
    let e = env_with(
        wecom::Options {
            calls_per_minute: Some(100),
            ..Default::default()
        },
        |c| {
            let rl = &mut c.upstream.rate_limit;
            rl.connections.insert("wd".into(), 60);
            rl.burst = 10;
            rl.max_wait = Duration::from_millis(300);
        },
    )
    .await;
    let tasks: Vec<_> = (0..500)
        .map(|_| {
            let req = e.get(&e.surl("/items"));
            tokio::spawn(async move {
                let res = req.send().await.unwrap();
                let status = res.status().as_u16();
                let h = |n: &str| header(&res, n);
                let headers = (
                    h("retry-after"),
                    h("ratelimit-limit"),
                    h("ratelimit-remaining"),
                );
                let body: Value = res.json().await.unwrap_or(Value::Null);
                (status, headers, body)
            })
        })
        .collect();
    let (mut ok, mut throttled) = (0u64, 0u64);
    for t in tasks {
        let (status, (retry_after, limit, remaining), body) = t.await.unwrap();
        match status {
            200 => ok += 1,
            429 => {
                throttled += 1;
                assert!(
                    body.get("upstream").is_none(),
                    "an upstream refusal: {body}"
                );
                assert_eq!(body["code"], "rate_limited");
                let secs: u64 = retry_after.parse().unwrap();
                assert!((1..=60).contains(&secs), "{secs}");
                assert_eq!(limit, "60");
                assert_eq!(remaining, "0");
            }
            other => panic!("{other}: {body}"),
        }
    }
    eprintln!("governor burst: {ok} served, {throttled} refused by the gateway, 0 upstream 429s");
    assert_eq!(ok + throttled, 500);
    assert!((1..=20).contains(&ok), "{ok} served within burst + rate");
    assert_eq!(
        sim_requests(e.sim(), "/file_list").await,
        ok,
        "every call sent was served"
    );
}
