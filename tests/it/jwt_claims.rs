//! JWT edge cases: `aud` as a string or an array (RFC 7519 §4.1.3), and `crit` naming an
//! extension the gateway does not understand (RFC 7515 §4.1.11).

use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use serde_json::{Value, json};

use crate::common::{SECRET, gateway_with, problem};

fn claims(aud: Value) -> Value {
    json!({"sub": "alice", "exp": chrono::Utc::now().timestamp() + 600,
           "scope": "files:read", "connections": "*", "aud": aud})
}

fn sign(header: &Header, claims: &Value) -> String {
    encode(header, claims, &EncodingKey::from_secret(SECRET.as_bytes())).unwrap()
}

/// A token whose header carries `crit` (jsonwebtoken's Header has no such field).
fn with_crit(claims: &Value) -> String {
    use base64::Engine;
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let header = b64.encode(
        serde_json::to_vec(
            &json!({"alg": "HS256", "typ": "JWT", "crit": ["exp-ext"], "exp-ext": 1}),
        )
        .unwrap(),
    );
    let payload = b64.encode(serde_json::to_vec(claims).unwrap());
    let input = format!("{header}.{payload}");
    let sig = jsonwebtoken::crypto::sign(
        input.as_bytes(),
        &EncodingKey::from_secret(SECRET.as_bytes()),
        Algorithm::HS256,
    )
    .unwrap();
    format!("{input}.{sig}")
}

#[tokio::test]
async fn aud_may_be_a_string_or_an_array_containing_the_audience() {
    let g = gateway_with(|c, _| c.auth.audience = Some("filegate".into())).await;
    let get = |t: String| g.http.get(g.url("/v1/connections")).bearer_auth(t).send();
    let h = Header::new(Algorithm::HS256);
    for aud in [
        json!("filegate"),
        json!(["other", "filegate"]),
        json!(["filegate"]),
    ] {
        let res = get(sign(&h, &claims(aud.clone()))).await.unwrap();
        assert_eq!(res.status(), 200, "{aud}");
    }
    for aud in [json!("other"), json!(["other", "more"]), json!([])] {
        let res = get(sign(&h, &claims(aud.clone()))).await.unwrap();
        assert_eq!(res.status(), 401, "{aud}");
        assert_eq!(problem(res).await["code"], "invalid_audience", "{aud}");
    }
}

#[tokio::test]
async fn a_critical_header_extension_is_refused() {
    let g = gateway_with(|_, _| {}).await;
    let token = with_crit(
        &json!({"sub": "alice", "exp": chrono::Utc::now().timestamp() + 600,
                                  "scope": "files:read", "connections": "*"}),
    );
    let res = g
        .http
        .get(g.url("/v1/connections"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    let p = problem(res).await;
    assert_eq!(p["code"], "unsupported_critical_header", "{p}");
    assert!(p["detail"].as_str().unwrap().contains("exp-ext"), "{p}");
}

/// Verified tokens are kept (issue 14: verifying was a large share of a metadata request), but
/// never past their `exp`: a token accepted a moment ago is refused once it has expired.
#[tokio::test]
async fn a_kept_verified_token_is_refused_once_it_expires() {
    let g = gateway_with(|c, _| c.auth.leeway = std::time::Duration::ZERO).await;
    let get = |t: String| g.http.get(g.url("/v1/connections")).bearer_auth(t).send();
    let exp = chrono::Utc::now().timestamp() + 2;
    let token = sign(
        &Header::new(Algorithm::HS256),
        &json!({"sub": "alice", "exp": exp, "scope": "files:read", "connections": "*"}),
    );
    for _ in 0..3 {
        assert_eq!(get(token.clone()).await.unwrap().status(), 200);
    }
    while chrono::Utc::now().timestamp() <= exp {
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    let res = get(token).await.unwrap();
    assert_eq!(res.status(), 401);
    assert_eq!(problem(res).await["code"], "token_expired");
}
