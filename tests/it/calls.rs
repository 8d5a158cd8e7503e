//! Shorthands for the black-box tests: send a request and take the one part of the answer a
//! test looks at. Each fails the test if the request cannot be sent or its body read.

use reqwest::{RequestBuilder, Response, StatusCode};
use serde::de::DeserializeOwned;

/// The answer to `req`.
pub async fn send(req: RequestBuilder) -> Response {
    req.send().await.expect("request")
}

/// The status of the answer to `req`.
pub async fn status_of(req: RequestBuilder) -> StatusCode {
    send(req).await.status()
}

/// The answer's JSON body, whatever its status.
pub async fn json_of<T: DeserializeOwned>(req: RequestBuilder) -> T {
    send(req).await.json().await.expect("json body")
}

/// The answer's body, whatever its status.
pub async fn bytes_of(req: RequestBuilder) -> bytes::Bytes {
    send(req).await.bytes().await.expect("body")
}

/// The answer's body as text, whatever its status.
pub async fn text_of(req: RequestBuilder) -> String {
    send(req).await.text().await.expect("body")
}

/// The problem answering `req`, which must have `status`.
pub async fn problem_of(req: RequestBuilder, status: u16) -> serde_json::Value {
    let res = send(req).await;
    assert_eq!(res.status(), status);
    crate::common::problem(res).await
}

/// `GET url` without credentials (a pre-signed or redirect URL): the whole body.
pub async fn fetch(url: &str) -> bytes::Bytes {
    let res = reqwest::get(url).await.expect("request");
    res.bytes().await.expect("body")
}

/// A `files:read` token for `connections` (comma-separated), valid for a minute, signed with
/// a sandbox's generated `jwt_secret`.
pub fn sandbox_reader_token(jwt_secret: &str, sub: &str, connections: &str) -> String {
    filegate::auth::mint(
        &secrecy::SecretString::from(jwt_secret.to_owned()),
        &filegate::auth::MintRequest {
            sub: sub.into(),
            scopes: vec!["files:read".into()],
            connections: connections.split(',').map(Into::into).collect(),
            ttl: std::time::Duration::from_secs(60),
            issuer: None,
            audience: None,
        },
    )
    .expect("a token")
}

/// The text field `field` of each of a listing's `items`, in order.
pub fn item_texts(list: &serde_json::Value, field: &str) -> Vec<String> {
    list["items"]
        .as_array()
        .unwrap_or_else(|| panic!("a listing: {list}"))
        .iter()
        .map(|i| i[field].as_str().expect("a text field").to_owned())
        .collect()
}
