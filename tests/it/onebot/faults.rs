//! Upstream failures become clear problems: retcodes, HTTP statuses, rate limits, timeouts,
//! and the gateway's own access token being refused.

use crate::calls::{json_of, problem_of, send, status_of};
use serde_json::{Value, json};

use super::env::{Env, connection, env, env_of, env_with, welcome};
use crate::common::{problem, sim_calls, sim_revoke};
use crate::faults;
use filegate::sandbox::onebot::{self, demo};

/// The upstream call behind the group root listing (`GET …/items`).
const ROOT_LIST: &str = "get_group_root_files";

/// Queues a fault (`spec`, without its `path`) on the root listing.
async fn root_fault(e: &Env, mut spec: Value) {
    spec["path"] = json!(ROOT_LIST);
    e.fault(spec).await;
}

/// `GET …/items`: the group root listing.
fn root(e: &Env) -> reqwest::RequestBuilder {
    e.get(&e.surl("/items"))
}

#[tokio::test]
async fn failed_retcodes_become_mapped_problems_with_the_upstream_block() {
    let e = env().await;
    for (code, message, status, expected) in [
        (
            "1400",
            "parameter `group_id` must be an integer",
            502,
            "upstream_rejected_request",
        ),
        (
            "1404",
            "unknown action: get_group_root_files",
            502,
            "upstream_action_unsupported",
        ),
        (
            "1403",
            "access token invalid",
            502,
            "upstream_credentials_rejected",
        ),
        (
            "100",
            "group 681155301 not found (the bot is not a member)",
            404,
            "space_not_found",
        ),
        ("100", "FILE_SYSTEM_API_ERROR", 502, "upstream_error"),
        ("-7", "who knows", 502, "upstream_error"),
    ] {
        root_fault(
            &e,
            json!({"type": "error", "code": code, "message": message}),
        )
        .await;
        let res = send(root(&e)).await;
        assert_eq!(res.status(), status, "{code} {message}");
        let p = problem(res).await;
        assert_eq!(p["code"], expected, "{code} {message}");
        assert_eq!(p["upstream"]["provider"], "onebot");
        assert_eq!(p["upstream"]["code"], code);
        assert_eq!(p["upstream"]["message"], message);
    }
    assert_eq!(status_of(root(&e)).await, 200);
}

#[tokio::test]
async fn the_implementations_rate_limit_is_a_429_with_its_retry_after() {
    let e = env().await;
    root_fault(&e, json!({"type": "rate_limit", "retry_after_secs": 7})).await;
    faults::rate_limited_is_a_429(&e, &e.surl("/items"), "7", "429").await;
    assert_eq!(status_of(root(&e)).await, 200);
}

#[tokio::test]
async fn unknown_actions_and_a_failing_file_server_are_502() {
    // A 5xx or garbage from the implementation is the behaviour suite's
    // `upstream_5xx_and_garbage_…`.
    let e = env().await;
    root_fault(&e, json!({"type": "status", "status": 404})).await;
    e.refused(root(&e), 502, "upstream_action_unsupported")
        .await;

    // The file server behind get_group_file_url failing mid-way is the upstream's problem too
    // (three times: the download is a read, and a read is retried up to twice).
    e.fault(json!({"path": "ftn_handler", "type": "status", "status": 500, "times": 3}))
        .await;
    let res = send(e.get(&e.surl(&format!("/items/{}/content", welcome())))).await;
    assert_eq!(res.status(), 502);
    problem(res).await;
}

#[tokio::test]
async fn a_slow_upstream_is_a_504() {
    let e = env_with(onebot::Options::default(), |c| {
        c.limits.upstream_timeout = std::time::Duration::from_millis(300)
    })
    .await;
    // Both discovery calls slow: nothing was found, so the listing is the timeout.
    for path in ["get_group_list", "get_friend_list"] {
        e.fault(json!({"path": path, "type": "latency", "ms": 2000}))
            .await;
    }
    assert_eq!(
        problem_of(e.get(&e.url("/spaces")), 504).await["code"],
        "upstream_timeout"
    );
    // Only the groups slow: the friends are listed, the timeout named in `partial`.
    e.fault(json!({"path": "get_group_list", "type": "latency", "ms": 2000}))
        .await;
    let page: Value = json_of(e.get(&e.url("/spaces"))).await;
    assert_eq!(page["items"].as_array().unwrap().len(), 1, "{page}");
    assert_eq!(page["partial"][0]["source"], "groups");
    assert_eq!(page["partial"][0]["problem"]["status"], 504);
    assert_eq!(page["partial"][0]["problem"]["code"], "upstream_timeout");
}

async fn token_state(e: &super::env::Env) -> String {
    let c: Value = json_of(e.get(&e.url(""))).await;
    c["token"]["state"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_wrong_or_missing_access_token_is_the_gateways_problem_not_the_callers() {
    let wrong = env_with(onebot::Options::default(), |c| {
        let base = match &c.connections[0].provider {
            filegate::config::ProviderConfig::Onebot(o) => o.base_url.clone(),
            _ => unreachable!(),
        };
        c.connections = vec![connection(&base, Some("not-the-token"))];
    })
    .await;
    assert_eq!(token_state(&wrong).await, "static");
    let p = problem_of(wrong.get(&wrong.surl("/items")), 502).await;
    assert_eq!(p["code"], "upstream_credentials_rejected");
    assert_eq!(p["upstream"]["code"], "403");
    assert!(p["detail"].as_str().unwrap().contains("operator"), "{p}");
    assert!(!p.to_string().contains("not-the-token"));
    assert_eq!(token_state(&wrong).await, "rejected");

    let none = env_with(onebot::Options::default(), |c| {
        let base = match &c.connections[0].provider {
            filegate::config::ProviderConfig::Onebot(o) => o.base_url.clone(),
            _ => unreachable!(),
        };
        c.connections = vec![connection(&base, None)];
    })
    .await;
    assert_eq!(token_state(&none).await, "not_configured");
    let p = problem_of(none.get(&none.url("/spaces")), 502).await;
    assert_eq!(p["code"], "upstream_credentials_rejected");
    assert_eq!(p["upstream"]["code"], "401");

    // An implementation without a token accepts a gateway without one.
    let open = env_with(
        onebot::Options {
            access_token: String::new(),
            ..Default::default()
        },
        |c| {
            let base = match &c.connections[0].provider {
                filegate::config::ProviderConfig::Onebot(o) => o.base_url.clone(),
                _ => unreachable!(),
            };
            c.connections = vec![connection(&base, None)];
        },
    )
    .await;
    assert_eq!(status_of(open.get(&open.url("/spaces"))).await, 200);
}

#[tokio::test]
async fn a_token_revoked_mid_call_is_a_502_until_the_implementation_accepts_it_again() {
    let e = env().await;
    assert_eq!(status_of(root(&e)).await, 200);
    root_fault(&e, json!({"type": "revoke_tokens"})).await;
    e.refused(root(&e), 502, "upstream_credentials_rejected")
        .await;
    assert_eq!(token_state(&e).await, "rejected");
    assert_eq!(
        sim_calls(e.sim(), ROOT_LIST).await,
        1,
        "a static token cannot be refreshed, so the refused call is not retried"
    );
    sim_revoke(e.sim()).await;
    assert_eq!(status_of(e.get(&e.url("/spaces"))).await, 502);
    send(crate::common::client().post(format!("{}/__sim/reset", e.sim()))).await;
    assert_eq!(status_of(root(&e)).await, 200);
    assert_eq!(token_state(&e).await, "static");
}

#[tokio::test]
async fn a_body_the_implementation_finds_too_large_is_a_413() {
    let e = env_of(onebot::Options {
        max_body_bytes: 4096,
        ..Default::default()
    })
    .await;
    let res = send(
        e.post(&e.surl("/files?name=big.bin"))
            .body(vec![7u8; 10_000]),
    )
    .await;
    assert_eq!(res.status(), 413);
    let p = problem(res).await;
    assert_eq!(p["code"], "upstream_payload_too_large");
    assert!(
        p["detail"].as_str().unwrap().contains("max_upload_bytes"),
        "{p}"
    );
    assert_eq!(
        e.names(&e.surl("/items?kind=file")).await,
        ["notes.md", demo::FILE_NAME]
    );
}
