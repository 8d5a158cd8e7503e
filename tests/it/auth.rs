//! Caller authentication and authorisation over HTTP: every failure is a 401/403 problem.

use crate::calls::{json_of, problem_of, send, text_of};
use std::path::PathBuf;

use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use serde_json::{Value, json};

use crate::common::{self, SECRET, gateway, gateway_with, problem, token};

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

fn claims(extra: Value) -> Value {
    let mut c =
        json!({"sub": "alice", "exp": now() + 600, "scope": "files:read", "connections": "*"});
    if let (Some(c), Some(e)) = (c.as_object_mut(), extra.as_object()) {
        for (k, v) in e {
            c.insert(k.clone(), v.clone());
        }
    }
    c
}

fn hs(claims: &Value, secret: &[u8]) -> String {
    encode(
        &Header::new(Algorithm::HS256),
        claims,
        &EncodingKey::from_secret(secret),
    )
    .unwrap()
}

fn key(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/keys")
        .join(name)
}

async fn get_connections(g: &common::Gateway, bearer: Option<&str>) -> reqwest::Response {
    let mut req = g.http.get(g.url("/v1/connections"));
    if let Some(b) = bearer {
        req = req.header("authorization", b);
    }
    send(req).await
}

async fn expect_401(g: &common::Gateway, bearer: Option<&str>, code: &str) {
    let res = get_connections(g, bearer).await;
    assert_eq!(res.status(), 401, "{bearer:?}");
    assert!(res.headers().get("www-authenticate").is_some());
    let p = problem(res).await;
    assert_eq!(p["code"], code, "{p}");
}

#[tokio::test]
async fn a_valid_token_lists_connections() {
    let g = gateway().await;
    let res = get_connections(&g, Some(&format!("Bearer {}", token("files:read", "*")))).await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["items"], json!([]));
}

#[tokio::test]
async fn missing_and_malformed_tokens_are_401() {
    let g = gateway().await;
    expect_401(&g, None, "missing_token").await;
    expect_401(&g, Some("Basic YWxhZGRpbjpvcGVuc2VzYW1l"), "missing_token").await;
    expect_401(&g, Some("Bearer "), "missing_token").await;
    expect_401(&g, Some("Bearer not.a.jwt"), "malformed_token").await;
    expect_401(&g, Some("Bearer abc"), "malformed_token").await;
}

#[tokio::test]
async fn expired_and_not_yet_valid_tokens_are_401() {
    let g = gateway().await;
    let expired = hs(&claims(json!({"exp": now() - 3600})), SECRET.as_bytes());
    expect_401(&g, Some(&format!("Bearer {expired}")), "token_expired").await;
    let future = hs(&claims(json!({"nbf": now() + 3600})), SECRET.as_bytes());
    expect_401(&g, Some(&format!("Bearer {future}")), "token_not_yet_valid").await;
    let no_exp = hs(
        &json!({"sub": "alice", "scope": "files:read", "connections": "*"}),
        SECRET.as_bytes(),
    );
    expect_401(&g, Some(&format!("Bearer {no_exp}")), "invalid_claims").await;
}

#[tokio::test]
async fn a_wrong_signature_and_alg_none_are_401() {
    let g = gateway().await;
    let forged = hs(&claims(json!({})), b"another-secret-another-secret-0000");
    expect_401(&g, Some(&format!("Bearer {forged}")), "invalid_signature").await;

    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let none = format!(
        "{}.{}.",
        URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#),
        URL_SAFE_NO_PAD.encode(claims(json!({})).to_string())
    );
    let res = get_connections(&g, Some(&format!("Bearer {none}"))).await;
    assert_eq!(res.status(), 401);
    problem(res).await;

    // A token whose header says RS256 when only HS256 is configured.
    let rs = encode(
        &Header::new(Algorithm::RS256),
        &claims(json!({})),
        &EncodingKey::from_rsa_pem(&std::fs::read(key("rsa.key")).unwrap()).unwrap(),
    )
    .unwrap();
    expect_401(&g, Some(&format!("Bearer {rs}")), "algorithm_not_allowed").await;
}

#[tokio::test]
async fn public_key_algorithms_verify_and_hs_rs_confusion_is_refused() {
    let g = gateway_with(|c, _| {
        c.auth.hs256_secret = None;
        c.auth.public_keys = vec![
            filegate::config::PublicKeyConfig {
                algorithm: "RS256".into(),
                pem_file: key("rsa.pub"),
                kid: None,
            },
            filegate::config::PublicKeyConfig {
                algorithm: "ES256".into(),
                pem_file: key("ec.pub"),
                kid: None,
            },
            filegate::config::PublicKeyConfig {
                algorithm: "EdDSA".into(),
                pem_file: key("ed.pub"),
                kid: None,
            },
        ];
    })
    .await;
    for (alg, k) in [
        (
            Algorithm::RS256,
            EncodingKey::from_rsa_pem(&std::fs::read(key("rsa.key")).unwrap()).unwrap(),
        ),
        (
            Algorithm::ES256,
            EncodingKey::from_ec_pem(&std::fs::read(key("ec.key")).unwrap()).unwrap(),
        ),
        (
            Algorithm::EdDSA,
            EncodingKey::from_ed_pem(&std::fs::read(key("ed.key")).unwrap()).unwrap(),
        ),
    ] {
        let t = encode(&Header::new(alg), &claims(json!({})), &k).unwrap();
        let res = get_connections(&g, Some(&format!("Bearer {t}"))).await;
        assert_eq!(res.status(), 200, "{alg:?}");
    }
    // The classic confusion: HS256 "signed" with the RSA public key as the HMAC secret.
    let public_pem = std::fs::read(key("rsa.pub")).unwrap();
    let confused = hs(&claims(json!({})), &public_pem);
    expect_401(
        &g,
        Some(&format!("Bearer {confused}")),
        "algorithm_not_allowed",
    )
    .await;
    // And a token from our own HS256 secret is no good when HS256 is not configured.
    expect_401(
        &g,
        Some(&format!("Bearer {}", token("files:read", "*"))),
        "algorithm_not_allowed",
    )
    .await;
}

#[tokio::test]
async fn audience_and_issuer_are_checked_when_configured() {
    let g = gateway_with(|c, _| {
        c.auth.audience = Some("filegate".into());
        c.auth.issuer = Some("https://idp.example".into());
    })
    .await;
    let ok = hs(
        &claims(json!({"aud": "filegate", "iss": "https://idp.example"})),
        SECRET.as_bytes(),
    );
    assert_eq!(
        get_connections(&g, Some(&format!("Bearer {ok}")))
            .await
            .status(),
        200
    );
    let wrong_aud = hs(
        &claims(json!({"aud": "billing", "iss": "https://idp.example"})),
        SECRET.as_bytes(),
    );
    expect_401(&g, Some(&format!("Bearer {wrong_aud}")), "invalid_audience").await;
    let wrong_iss = hs(
        &claims(json!({"aud": "filegate", "iss": "https://evil.example"})),
        SECRET.as_bytes(),
    );
    expect_401(&g, Some(&format!("Bearer {wrong_iss}")), "invalid_issuer").await;
    let no_aud = hs(
        &claims(json!({"iss": "https://idp.example"})),
        SECRET.as_bytes(),
    );
    expect_401(&g, Some(&format!("Bearer {no_aud}")), "invalid_audience").await;
    let no_iss = hs(&claims(json!({"aud": "filegate"})), SECRET.as_bytes());
    expect_401(&g, Some(&format!("Bearer {no_iss}")), "invalid_issuer").await;
}

#[tokio::test]
async fn missing_scope_and_ungranted_connections_are_403_and_unknown_connections_404() {
    let g = gateway().await;
    let url = g.url("/v1/connections/acme/spaces");
    for (scopes, connections, status, code) in [
        ("sharing:write", "*", 403, "insufficient_scope"),
        ("files:read", "other,third", 403, "connection_not_granted"),
        ("files:read", "acme", 404, "connection_not_found"),
    ] {
        let req = g.http.get(&url).bearer_auth(token(scopes, connections));
        let p = problem_of(req, status).await;
        assert_eq!(p["code"], code, "{scopes} for {connections}");
    }

    // A token with no connections claim grants nothing.
    let res = send(g.http.get(&url).bearer_auth(token("files:read", ""))).await;
    assert_eq!(res.status(), 403);
}

#[tokio::test]
async fn operational_endpoints_are_public() {
    let g = gateway().await;
    for path in ["/healthz", "/readyz", "/metrics", "/openapi.json"] {
        let res = send(g.http.get(g.url(path))).await;
        assert_eq!(res.status(), 200, "{path}");
    }
    let ready: Value = json_of(g.http.get(g.url("/readyz"))).await;
    assert_eq!(ready["store"], "sqlite");
    let docs = send(g.http.get(g.url("/docs/"))).await;
    assert_eq!(docs.status(), 200);
    let html = docs.text().await.unwrap();
    assert!(
        html.contains("swagger"),
        "the docs page is served by the gateway itself (offline)"
    );
    let metrics = text_of(g.http.get(g.url("/metrics"))).await;
    assert!(
        metrics.contains("filegate_http_requests_total"),
        "{metrics}"
    );
}

#[tokio::test]
async fn unknown_routes_and_wrong_methods_are_problems_with_the_request_id() {
    let g = gateway().await;
    let res = send(
        g.http
            .get(g.url("/v2/nothing"))
            .header("x-request-id", "abc-123"),
    )
    .await;
    assert_eq!(res.status(), 404);
    assert_eq!(res.headers()["x-request-id"], "abc-123");
    let p = problem(res).await;
    assert_eq!(p["code"], "route_not_found");
    assert_eq!(p["request_id"], "abc-123");

    assert_eq!(
        problem_of(g.http.delete(g.url("/v1/connections")), 405).await["code"],
        "method_not_allowed"
    );

    // A request id that is not a short printable token is replaced, never echoed.
    let res = send(
        g.http
            .get(g.url("/v2/nothing"))
            .header("x-request-id", "a".repeat(300)),
    )
    .await;
    let echoed = res.headers()["x-request-id"].to_str().unwrap().to_owned();
    assert_ne!(echoed, "a".repeat(300));
    assert_eq!(problem(res).await["request_id"], echoed);
}
