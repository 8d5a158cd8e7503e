//! The token manager end to end: through the gateway, against the simulator's gettoken.

use crate::calls::{send, status_of};
use std::time::Duration;

use serde_json::json;

use super::env::{CONN, env, env_of, process_config, replicas};
use crate::common::{ALL_SCOPES, sim_calls, sim_stats, token};
use crate::faults;
use crate::pg::PgCluster;
use filegate::sandbox::wecom;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn five_hundred_concurrent_requests_on_a_cold_cache_fetch_one_token() {
    let e = env().await;
    faults::concurrent_requests_fetch_one_token(&e, &e.surl("/items"), 500).await;
}

#[tokio::test]
async fn a_token_revoked_mid_call_is_replaced_without_the_caller_seeing_an_error() {
    let e = env().await;
    faults::a_token_revoked_mid_call_is_replaced(&e, "file_list", "file_list", &e.surl("/items"))
        .await;
    // Revoked between calls: same.
    faults::a_token_revoked_between_calls_is_replaced(&e, &e.surl("/items"), 3).await;
}

#[tokio::test]
async fn a_token_rejected_twice_gives_up_after_one_retry() {
    let e = env().await;
    e.fault(json!({"path": "file_list", "type": "error", "code": "40014", "times": 3}))
        .await;
    let res = send(e.get(&e.surl("/items"))).await;
    assert_eq!(res.status(), 502);
    assert_eq!(
        crate::common::problem(res).await["code"],
        "upstream_token_rejected"
    );
    // One call and one retry with a fresh token consumed two of the three refusals.
    assert_eq!(sim_stats(e.sim()).await.token_fetches, 2);
    assert_eq!(
        status_of(e.get(&e.surl("/items"))).await,
        200,
        "third refusal, then a retry that works"
    );
    assert_eq!(sim_calls(e.sim(), "file_list").await, 1);
}

#[tokio::test]
async fn an_expired_token_is_replaced_before_use() {
    let e = env_of(wecom::Options {
        token_ttl: Duration::from_secs(2),
        ..Default::default()
    })
    .await;
    assert_eq!(status_of(e.get(&e.surl("/items"))).await, 200);
    tokio::time::sleep(Duration::from_millis(2600)).await;
    assert_eq!(status_of(e.get(&e.surl("/items"))).await, 200);
    assert_eq!(sim_stats(e.sim()).await.token_fetches, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_gateway_processes_sharing_postgres_fetch_one_token() {
    let sim = wecom::start(wecom::Options::default()).await.unwrap();
    let db = PgCluster::get().fresh_db().await;
    let dir = tempfile::tempdir().unwrap();
    let config = process_config(dir.path(), &db, &sim.base_url, "");
    // Migrations first, so the two replicas race only for the token.
    let (procs, bases) = replicas(&config, 2).await;
    let http = crate::common::client();
    let t = token(ALL_SCOPES, CONN);
    let tasks: Vec<_> = (0..200)
        .map(|i| {
            let url = format!("{}/v1/connections/{CONN}/spaces", bases[i % 2]);
            let req = http.get(url).bearer_auth(&t);
            tokio::spawn(async move { req.send().await.map(|r| r.status().as_u16()) })
        })
        .collect();
    for task in tasks {
        assert_eq!(task.await.unwrap().unwrap(), 200);
    }
    assert_eq!(
        sim_stats(&sim.base_url).await.token_fetches,
        1,
        "one fetch across both replicas"
    );
    drop(procs);
}
