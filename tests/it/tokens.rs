//! The token manager against a counting token endpoint over HTTP and real stores.
//! (End-to-end versions through the gateway and the WeCom simulator live with the adapter.)

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use axum::Json;
use axum::extract::State;
use axum::routing::get;
use filegate::error::ApiError;
use filegate::store::{Store, TokenKey};
use filegate::tokens::{Fetched, Token, TokenManager, TokenSource};
use serde_json::{Value, json};

use crate::pg::PgCluster;

/// An upstream token endpoint that counts its calls and answers slowly enough for callers to
/// pile up behind the first fetch.
struct Endpoint {
    url: String,
    count: Arc<AtomicU64>,
    _task: tokio::task::JoinHandle<()>,
}

async fn endpoint(ttl: u64) -> Endpoint {
    let count = Arc::new(AtomicU64::new(0));
    let app = axum::Router::new()
        .route(
            "/token",
            get(
                |State((count, ttl)): State<(Arc<AtomicU64>, u64)>| async move {
                    let n = count.fetch_add(1, Ordering::SeqCst) + 1;
                    tokio::time::sleep(Duration::from_millis(150)).await;
                    Json(json!({"access_token": format!("tok-{n}"), "expires_in": ttl}))
                },
            ),
        )
        .with_state((count.clone(), ttl));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/token", listener.local_addr().unwrap());
    let task = tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    Endpoint {
        url,
        count,
        _task: task,
    }
}

struct HttpSource {
    http: reqwest::Client,
    url: String,
}

#[async_trait]
impl TokenSource for HttpSource {
    async fn fetch(&self, _subject: &str, _previous: Option<&Token>) -> Result<Fetched, ApiError> {
        let v: Value = self
            .http
            .get(&self.url)
            .send()
            .await
            .map_err(ApiError::internal)?
            .json()
            .await
            .map_err(ApiError::internal)?;
        Ok(Fetched {
            access_token: v["access_token"].as_str().unwrap_or_default().to_owned(),
            refresh_token: None,
            expires_in: Duration::from_secs(v["expires_in"].as_u64().unwrap_or(0)),
        })
    }
}

fn source(e: &Endpoint) -> Arc<dyn TokenSource> {
    Arc::new(HttpSource {
        http: reqwest::Client::new(),
        url: e.url.clone(),
    })
}

async fn sqlite() -> (Arc<dyn Store>, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("t.db").display());
    (filegate::store::open(&url, 8).await.unwrap(), dir)
}

fn key() -> TokenKey {
    TokenKey::new("acme", "app")
}

async fn hammer(manager: &Arc<TokenManager>, src: &Arc<dyn TokenSource>, n: usize) -> Vec<String> {
    let tasks: Vec<_> = (0..n)
        .map(|_| {
            let m = manager.clone();
            let s = src.clone();
            tokio::spawn(async move { m.get(&key(), &s).await.map(|t| t.access_token.to_string()) })
        })
        .collect();
    let mut out = Vec::new();
    for t in tasks {
        out.push(t.await.unwrap().unwrap());
    }
    out
}

/// A token endpoint issuing tokens that live `ttl` seconds and a manager in front of it, on a
/// fresh SQLite store (kept while the directory lives), with a 300 s refresh margin.
async fn manager(ttl: u64) -> (Endpoint, Arc<TokenManager>, tempfile::TempDir) {
    let e = endpoint(ttl).await;
    let (store, dir) = sqlite().await;
    (e, TokenManager::new(store, Duration::from_secs(300)), dir)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn five_hundred_concurrent_callers_on_a_cold_cache_cause_one_fetch() {
    let (e, m, _dir) = manager(7200).await;
    let tokens = hammer(&m, &source(&e), 500).await;
    assert_eq!(e.count.load(Ordering::SeqCst), 1);
    assert!(tokens.iter().all(|t| t == "tok-1"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_replicas_sharing_postgres_fetch_once_between_them() {
    let e = endpoint(7200).await;
    let url = PgCluster::get().fresh_db().await;
    let a = TokenManager::new(
        filegate::store::open(&url, 8).await.unwrap(),
        Duration::from_secs(300),
    );
    let b = TokenManager::new(
        filegate::store::open(&url, 8).await.unwrap(),
        Duration::from_secs(300),
    );
    let src = source(&e);
    let (ta, tb) = tokio::join!(hammer(&a, &src, 250), hammer(&b, &src, 250));
    assert_eq!(
        e.count.load(Ordering::SeqCst),
        1,
        "the second replica waited on the advisory lock and re-read"
    );
    assert!(ta.iter().chain(tb.iter()).all(|t| t == "tok-1"));
}

#[tokio::test]
async fn a_restarted_gateway_reuses_the_stored_token() {
    let e = endpoint(7200).await;
    let (store, _dir) = sqlite().await;
    let first = TokenManager::new(store.clone(), Duration::from_secs(300));
    first.get(&key(), &source(&e)).await.unwrap();
    let restarted = TokenManager::new(store, Duration::from_secs(300));
    assert_eq!(
        &*restarted
            .get(&key(), &source(&e))
            .await
            .unwrap()
            .access_token,
        "tok-1"
    );
    assert_eq!(e.count.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn an_invalidated_token_is_replaced_once_and_removed_from_the_store() {
    let e = endpoint(7200).await;
    let (store, _dir) = sqlite().await;
    let m = TokenManager::new(store.clone(), Duration::from_secs(300));
    let src = source(&e);
    let bad = m.get(&key(), &src).await.unwrap();
    m.invalidate(&key(), &bad).await;
    m.invalidate(&key(), &bad).await;
    let fresh = m.get(&key(), &src).await.unwrap();
    assert_eq!(&*fresh.access_token, "tok-2");
    assert_eq!(
        store
            .load_token(&key())
            .await
            .unwrap()
            .unwrap()
            .access_token,
        "tok-2"
    );
    // A late invalidation of the old token must not evict its replacement.
    m.invalidate(&key(), &bad).await;
    assert_eq!(&*m.get(&key(), &src).await.unwrap().access_token, "tok-2");
    assert_eq!(e.count.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn a_token_near_expiry_is_served_while_one_background_refresh_runs() {
    // 4 s lifetime: due for refresh after 2 s, unusable only at 4 s.
    let (e, m, _dir) = manager(4).await;
    let src = source(&e);
    assert_eq!(&*m.get(&key(), &src).await.unwrap().access_token, "tok-1");
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let during = hammer(&m, &src, 20).await;
    assert!(
        during.iter().all(|t| t == "tok-1"),
        "callers are not made to wait for the refresh"
    );
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(
        e.count.load(Ordering::SeqCst),
        2,
        "exactly one background refresh"
    );
    assert_eq!(&*m.get(&key(), &src).await.unwrap().access_token, "tok-2");
}

#[tokio::test]
async fn an_expired_token_is_fetched_again_before_use() {
    let (e, m, _dir) = manager(1).await;
    let src = source(&e);
    m.get(&key(), &src).await.unwrap();
    tokio::time::sleep(Duration::from_millis(2100)).await;
    assert_eq!(&*m.get(&key(), &src).await.unwrap().access_token, "tok-2");
}

#[tokio::test]
async fn a_store_outage_degrades_to_the_memory_cache() {
    let e = endpoint(7200).await;
    let url = PgCluster::get().fresh_db().await;
    let store = filegate::store::open(&url, 2).await.unwrap();
    let m = TokenManager::new(store, Duration::from_secs(300));
    PgCluster::get().drop_db(&url).await;
    let src = source(&e);
    assert_eq!(&*m.get(&key(), &src).await.unwrap().access_token, "tok-1");
    assert_eq!(&*m.get(&key(), &src).await.unwrap().access_token, "tok-1");
    assert_eq!(
        e.count.load(Ordering::SeqCst),
        1,
        "the second call is served from memory"
    );
    assert_eq!(m.health(&key()).state, "valid");
}
