//! Upstream tokens end to end: jwt_simple, refresh_token, eviction and retry.

use crate::calls::{problem_of, send, status_of, text_of};
use std::time::Duration;

use serde_json::json;

use super::env::{CONN, connection, env, env_named};
use crate::common::{sim_revoke, sim_stats};
use crate::faults;
use filegate::sandbox::fangcloud::{self, demo};

/// The gateway's count of Fangcloud token grants of one kind for one connection.
async fn grants(e: &super::env::Env, grant: &str) -> u64 {
    let text = text_of(e.gw.http.get(e.gw.url("/metrics"))).await;
    text.lines()
        .find(|l| {
            l.starts_with("filegate_fangcloud_token_grants_total{")
                && l.contains(&format!("connection=\"{}\"", e.conn))
                && l.contains(&format!("grant=\"{grant}\""))
        })
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_requests_on_a_cold_cache_fetch_one_user_token() {
    let e = env().await;
    faults::concurrent_requests_fetch_one_token(&e, &e.murl("/items"), 100).await;
}

#[tokio::test]
async fn a_token_revoked_mid_call_is_replaced_without_the_caller_seeing_an_error() {
    let e = env().await;
    let items = e.murl("/items");
    faults::a_token_revoked_mid_call_is_replaced(&e, "children", "folder/children", &items).await;
    // A write refused for its token is safe to send again: the upstream did nothing.
    e.fault(json!({"path": "folder/create", "type": "revoke_tokens"}))
        .await;
    let res = send(
        e.post(&e.murl("/folders"))
            .json(&json!({"name": "after revoke"})),
    )
    .await;
    assert_eq!(res.status(), 201);
    assert_eq!(sim_stats(e.sim()).await.token_fetches, 3);
    // Revoked between calls: same.
    faults::a_token_revoked_between_calls_is_replaced(&e, &items, 4).await;
}

#[tokio::test]
async fn a_token_rejected_twice_gives_up_after_one_retry() {
    let e = env().await;
    e.fault(json!({"path": "children", "type": "error", "code": "invalid_token", "times": 3}))
        .await;
    let p = problem_of(e.mget("/items"), 502).await;
    assert_eq!(p["code"], "upstream_token_rejected");
    assert_eq!(p["upstream"]["code"], "invalid_token");
    assert_eq!(sim_stats(e.sim()).await.token_fetches, 2);
    assert_eq!(status_of(e.mget("/items")).await, 200);
}

#[tokio::test]
async fn an_expired_token_is_renewed_with_its_refresh_token_before_any_new_assertion() {
    let e = env_named(
        "fc-refresh",
        fangcloud::Options {
            token_ttl: Duration::from_secs(2),
            ..Default::default()
        },
        |_| {},
    )
    .await;
    assert_eq!(status_of(e.mget("/items")).await, 200);
    assert_eq!(grants(&e, "jwt_simple").await, 1);
    tokio::time::sleep(Duration::from_millis(2600)).await;
    assert_eq!(status_of(e.mget("/items")).await, 200);
    assert_eq!(sim_stats(e.sim()).await.token_fetches, 2);
    assert_eq!(grants(&e, "refresh_token").await, 1);
    assert_eq!(
        grants(&e, "jwt_simple").await,
        1,
        "no new assertion was needed"
    );
    // Revoked tokens take their refresh tokens with them: the refresh is refused and a new
    // assertion signed.
    sim_revoke(e.sim()).await;
    assert_eq!(status_of(e.mget("/items")).await, 200);
    assert_eq!(grants(&e, "jwt_simple").await, 2);
}

#[tokio::test]
async fn wrong_client_credentials_are_a_502_not_the_callers_fault() {
    let sim = fangcloud::start(fangcloud::Options::default())
        .await
        .unwrap();
    let (status, p) = faults::spaces_through(connection(CONN, &sim.base_url, "wrong-secret")).await;
    assert_eq!(status, 502);
    assert_eq!(p["code"], "upstream_credentials_rejected");
    assert!(!p.to_string().contains("wrong-secret"));
    assert!(!p.to_string().contains(demo::CLIENT_ID));
}

#[tokio::test]
async fn an_unreachable_upstream_is_a_502() {
    let sim = fangcloud::start(fangcloud::Options::default())
        .await
        .unwrap();
    let base = sim.base_url.clone();
    drop(sim);
    let (status, p) = faults::spaces_through(connection(CONN, &base, "x")).await;
    assert_eq!(status, 502);
    assert_eq!(p["code"], "upstream_unavailable");
}

/// Whether a refresh token survives its use is undocumented (README: "handle both"): the
/// gateway always refreshes with the newest refresh token it was given, so two expiries in a
/// row are renewed without a new assertion under either simulator policy.
async fn refreshes_in_a_row_need_no_new_assertion(conn: &str, policy: fangcloud::RefreshPolicy) {
    let e = env_named(
        conn,
        fangcloud::Options {
            refresh_policy: policy,
            token_ttl: Duration::from_secs(2),
            ..Default::default()
        },
        |_| {},
    )
    .await;
    assert_eq!(status_of(e.mget("/items")).await, 200);
    for _ in 0..2 {
        tokio::time::sleep(Duration::from_millis(2600)).await;
        let res = send(e.mget("/items")).await;
        assert_eq!(res.status(), 200, "{policy:?}");
    }
    assert_eq!(grants(&e, "refresh_token").await, 2, "{policy:?}");
    assert_eq!(grants(&e, "jwt_simple").await, 1, "{policy:?}");
}

#[tokio::test]
async fn with_reusable_refresh_tokens_the_gateway_refreshes_without_new_assertions() {
    refreshes_in_a_row_need_no_new_assertion(
        "fc-refresh-reusable",
        fangcloud::RefreshPolicy::Reusable,
    )
    .await;
}

#[tokio::test]
async fn with_single_use_refresh_tokens_the_gateway_refreshes_with_the_newest_one() {
    refreshes_in_a_row_need_no_new_assertion(
        "fc-refresh-single-use",
        fangcloud::RefreshPolicy::SingleUse,
    )
    .await;
}
