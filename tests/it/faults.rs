//! Upstream faults every provider answers alike. Each check queues a simulator fault on one
//! upstream call (`path`, the simulator's name for it) and asks the gateway for `url`, a
//! request that makes that call.

use std::ops::RangeInclusive;

use serde_json::{Value, json};

use crate::calls::{send, status_of};
use crate::common::{gateway_with, problem, sim_fault, token};
use crate::env::Env;
use filegate::config::ConnectionConfig;

impl<S> Env<S> {
    /// Queues one fault on the simulator (`POST /__sim/faults`, `spec` as its control
    /// surface takes it).
    pub async fn fault(&self, spec: Value) {
        sim_fault(self.sim(), spec).await;
    }
}

/// A 503 from the upstream is a 502 `upstream_unavailable` that does not pass the
/// upstream's body on.
pub async fn upstream_503_is_a_502<S>(e: &Env<S>, path: &str, url: &str) {
    sim_fault(
        e.sim(),
        json!({"path": path, "type": "status", "status": 503}),
    )
    .await;
    let p = e.refused(e.get(url), 502, "upstream_unavailable").await;
    assert!(
        !p.to_string().contains("simulated upstream failure"),
        "upstream bodies are not passed through: {p}"
    );
}

/// A malformed upstream answer is a 502 `upstream_malformed`: the problem, for more checks.
pub async fn garbage_is_a_502<S>(e: &Env<S>, path: &str, url: &str) -> Value {
    sim_fault(e.sim(), json!({"path": path, "type": "malformed"})).await;
    e.refused(e.get(url), 502, "upstream_malformed").await
}

/// An upstream answer 2 s late, past the limit the test configured, is a 504 with problem
/// `code` (`upstream_timeout`, `gateway_timeout`).
pub async fn a_late_answer_is_a_504<S>(e: &Env<S>, path: &str, url: &str, code: &str) {
    sim_fault(
        e.sim(),
        json!({"path": path, "type": "latency", "ms": 2000}),
    )
    .await;
    e.refused(e.get(url), 504, code).await;
}

/// With a budget of three calls, five requests of `url` are three answers and then 429s.
pub async fn a_budget_of_three_runs_out_as_429<S>(e: &Env<S>, url: &str) {
    let mut statuses = Vec::new();
    for _ in 0..5 {
        statuses.push(status_of(e.get(url)).await.as_u16());
    }
    assert_eq!(&statuses[..3], &[200, 200, 200]);
    assert!(statuses[3..].iter().all(|s| *s == 429), "{statuses:?}");
}

/// `GET /v1/connections/{name}/spaces` with a `files:read` token, through a gateway whose only
/// connection is `connection` (one whose upstream refuses or is gone): the answer's status
/// and problem.
pub async fn spaces_through(connection: ConnectionConfig) -> (reqwest::StatusCode, Value) {
    let name = connection.name.clone();
    let gw = gateway_with(|c, _| c.connections = vec![connection]).await;
    let url = gw.url(&format!("/v1/connections/{name}/spaces"));
    let res = send(gw.http.get(url).bearer_auth(token("files:read", &name))).await;
    (res.status(), problem(res).await)
}

/// `n` concurrent requests of `url` on a cold token cache: every one answered, and the
/// simulator handed out one token.
pub async fn concurrent_requests_fetch_one_token<S>(e: &Env<S>, url: &str, n: usize) {
    let tasks: Vec<_> = (0..n)
        .map(|_| {
            let req = e.get(url);
            tokio::spawn(async move { req.send().await.map(|r| r.status().as_u16()) })
        })
        .collect();
    let mut ok = 0;
    for t in tasks {
        if t.await.expect("task").expect("answer") == 200 {
            ok += 1;
        }
    }
    assert_eq!(ok, n);
    assert_eq!(crate::common::sim_stats(e.sim()).await.token_fetches, 1);
}

/// The upstream revokes the gateway's token while answering `path` (the call the simulator
/// counts as `call`, made by `GET url`): the gateway fetches a second token and makes the
/// refused call once more, and the caller gets its answer.
pub async fn a_token_revoked_mid_call_is_replaced<S>(
    e: &Env<S>,
    path: &str,
    call: &str,
    url: &str,
) {
    assert_eq!(status_of(e.get(url)).await, 200);
    e.fault(json!({"path": path, "type": "revoke_tokens"}))
        .await;
    assert_eq!(status_of(e.get(url)).await, 200);
    assert_eq!(crate::common::sim_stats(e.sim()).await.token_fetches, 2);
    assert_eq!(
        crate::common::sim_calls(e.sim(), call).await,
        3,
        "the refused call was retried once"
    );
}

/// Tokens revoked between two calls: the next `GET url` fetches a new one and succeeds, which
/// makes `fetches` token fetches in all.
pub async fn a_token_revoked_between_calls_is_replaced<S>(e: &Env<S>, url: &str, fetches: u64) {
    crate::common::sim_revoke(e.sim()).await;
    assert_eq!(status_of(e.get(url)).await, 200);
    assert_eq!(
        crate::common::sim_stats(e.sim()).await.token_fetches,
        fetches
    );
}

/// `GET url` meets the upstream's rate limit: a 429 `rate_limited` that passes the
/// upstream's `retry_after` seconds on and names its `upstream_code`.
pub async fn rate_limited_is_a_429<S>(
    e: &Env<S>,
    url: &str,
    retry_after: &str,
    upstream_code: &str,
) {
    let res = send(e.get(url)).await;
    assert_eq!(res.status(), 429);
    assert_eq!(res.headers()["retry-after"], retry_after);
    let p = problem(res).await;
    assert_eq!(p["code"], "rate_limited");
    assert_eq!(p["upstream"]["code"], upstream_code);
}

/// `GET url` while the upstream's budget is spent: the gateway holds the call back itself, a
/// 429 whose `Retry-After` (the time left) is within `left`, with `RateLimit-Remaining: 0`
/// and no `upstream` block. The problem, for further checks.
pub async fn held_back_is_a_429<S>(e: &Env<S>, url: &str, left: RangeInclusive<u64>) -> Value {
    let res = send(e.get(url)).await;
    assert_eq!(res.status(), 429);
    let wait: u64 = res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(left.contains(&wait), "{wait}");
    assert_eq!(res.headers()["ratelimit-remaining"], "0");
    let p = problem(res).await;
    assert!(p.get("upstream").is_none(), "{p}");
    p
}
