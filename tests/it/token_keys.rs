//! Upstream tokens encrypted at rest: the raw rows, read straight from SQLite and from a real
//! PostgreSQL, hold no token; they open with the configured key only; after a key rotation old
//! rows still open and new rows are sealed with the new key; PostgreSQL without a key does not
//! start.

use std::net::SocketAddr;

use base64::Engine;
use filegate::config::{Config, OldTokenKey};
use filegate::sandbox::wecom;
use filegate::store::{TokenCipher, TokenKey};
use secrecy::SecretString;
use serde_json::Value;

use crate::calls::json_of;
use crate::common::{sim_revoke, sim_stats};
use crate::env::Env;
use crate::pg::PgCluster;
use crate::wecom::env::{CONN, connection};

fn b64(byte: u8) -> String {
    base64::engine::general_purpose::STANDARD.encode([byte; 32])
}

fn use_key(c: &mut Config, id: &str, byte: u8, old: &[(&str, u8)]) {
    c.tokens.key_id = id.into();
    c.tokens.key = Some(SecretString::from(b64(byte)));
    c.tokens.old_keys = old
        .iter()
        .map(|(id, byte)| OldTokenKey {
            id: (*id).into(),
            key_env: format!("UNUSED_{id}"),
            key: Some(SecretString::from(b64(*byte))),
        })
        .collect();
}

/// A WeCom gateway on `store_url` in front of `sim_url`; one listing, so its token is stored.
async fn gateway_listing(
    sim: &wecom::Sim,
    store_url: &str,
    key: impl FnOnce(&mut Config),
) -> Env<()> {
    let url = store_url.to_owned();
    let base = sim.base_url.clone();
    let e = Env::<()>::start(
        (),
        base.clone(),
        CONN,
        connection(&base, wecom::demo::CORP_SECRET),
        |c| {
            c.store.url = url;
            key(c);
        },
    )
    .await;
    let res = e
        .get(&e.url(&format!("/spaces/{}/items", space())))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    e
}

fn space() -> String {
    filegate::model::ids::encode(
        filegate::model::ids::IdKind::Space,
        filegate::model::Provider::Wecom,
        &[wecom::demo::SPACE_ID],
    )
}

fn token_key() -> TokenKey {
    TokenKey::new(CONN, "app")
}

/// `raw_row` through a pool of type `$pool`: the SQLite and Postgres pools share the query but
/// no type to write one function over.
macro_rules! raw_row_via {
    ($pool:ty, $url:expr) => {{
        let pool = <$pool>::connect($url).await.unwrap();
        sqlx::query_as("SELECT access_token, key_id FROM upstream_tokens WHERE connection = $1")
            .bind(CONN)
            .fetch_one(&pool)
            .await
            .unwrap()
    }};
}

/// (access_token, key_id) as stored.
async fn raw_row(store_url: &str) -> (String, Option<String>) {
    if store_url.starts_with("sqlite:") {
        raw_row_via!(sqlx::SqlitePool, store_url)
    } else {
        raw_row_via!(sqlx::PgPool, store_url)
    }
}

/// The access token as the given cipher opens it (Err: it does not).
async fn opened(store_url: &str, cipher: TokenCipher) -> Result<String, String> {
    let store = filegate::store::open_with(store_url, 1, cipher)
        .await
        .unwrap();
    store
        .load_token(&token_key())
        .await
        .map_err(|e| e.to_string())
        .map(|t| t.expect("a stored token").access_token)
}

/// The stored token really is the upstream's: the simulator accepts it.
async fn upstream_accepts(sim: &wecom::Sim, token: &str) -> bool {
    let v: Value = json_of(
        reqwest::Client::new()
            .post(format!("{}/cgi-bin/wedrive/space_info", sim.base_url))
            .query(&[("access_token", token)])
            .json(&serde_json::json!({"spaceid": wecom::demo::SPACE_ID})),
    )
    .await;
    v["errcode"] == 0
}

async fn rows_are_sealed_and_survive_a_rotation(store_url: &str) {
    let sim = wecom::start(wecom::Options::default()).await.unwrap();
    let k1 = TokenCipher::new(("k1", [1; 32]), &[]);

    let first = gateway_listing(&sim, store_url, |c| use_key(c, "k1", 1, &[])).await;
    let (stored, key_id) = raw_row(store_url).await;
    assert_eq!(key_id.as_deref(), Some("k1"));
    let token = opened(store_url, k1.clone()).await.expect("opens with k1");
    assert!(
        upstream_accepts(&sim, &token).await,
        "the sealed token is the upstream's"
    );
    assert!(
        !stored.contains(&token),
        "the raw row does not hold the token"
    );
    let no_key = opened(store_url, TokenCipher::plaintext()).await;
    assert!(no_key.is_err(), "unreadable without the key: {no_key:?}");
    let wrong = opened(store_url, TokenCipher::new(("k1", [9; 32]), &[])).await;
    assert!(wrong.is_err(), "unreadable with another key: {wrong:?}");
    drop(first);

    // Rotation: k2 is current, k1 only reads. The old row is used as it is (no new fetch).
    let fetches = sim_stats(&sim.base_url).await.token_fetches;
    let second = gateway_listing(&sim, store_url, |c| use_key(c, "k2", 2, &[("k1", 1)])).await;
    assert_eq!(
        sim_stats(&sim.base_url).await.token_fetches,
        fetches,
        "the k1 row was read after the rotation"
    );
    assert_eq!(raw_row(store_url).await.1.as_deref(), Some("k1"));
    // The next token written is sealed with k2.
    sim_revoke(&sim.base_url).await;
    let res = second
        .get(&second.url(&format!("/spaces/{}/items", space())))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(raw_row(store_url).await.1.as_deref(), Some("k2"));
    let k2_only = TokenCipher::new(("k2", [2; 32]), &[]);
    let token = opened(store_url, k2_only).await.expect("opens with k2");
    assert!(upstream_accepts(&sim, &token).await);
    assert!(
        opened(store_url, k1).await.is_err(),
        "k1 no longer opens it"
    );
}

#[tokio::test]
async fn sqlite_token_rows_are_sealed_and_readable_after_a_key_rotation() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("keys.db").display());
    rows_are_sealed_and_survive_a_rotation(&url).await;
}

#[tokio::test]
async fn postgres_token_rows_are_sealed_and_readable_after_a_key_rotation() {
    let url = PgCluster::get().fresh_db().await;
    rows_are_sealed_and_survive_a_rotation(&url).await;
    PgCluster::get().drop_db(&url).await;
}

#[tokio::test]
async fn postgres_without_a_token_key_does_not_start() {
    let url = PgCluster::get().fresh_db().await;
    let dir = tempfile::tempdir().unwrap();
    let mut c = crate::common::config(&dir);
    c.store.url = url.clone();
    c.tokens.key = None;
    let err = filegate::app::spawn(c, SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .err()
        .expect("no start without a key")
        .to_string();
    assert!(err.contains("FILEGATE_TOKEN_KEY"), "{err}");
    PgCluster::get().drop_db(&url).await;
}

#[tokio::test]
async fn sqlite_without_a_token_key_starts_and_stores_plain_text() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("plain.db").display());
    let sim = wecom::start(wecom::Options::default()).await.unwrap();
    let _gw = gateway_listing(&sim, &url, |c| c.tokens.key = None).await;
    let (stored, key_id) = raw_row(&url).await;
    assert_eq!(key_id, None);
    assert!(upstream_accepts(&sim, &stored).await);
}
