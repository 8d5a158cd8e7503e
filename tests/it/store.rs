//! The store trait's behaviour, run against both real backends.

use std::sync::Arc;

use filegate::store::{KnownSpace, Store, StoredToken, TokenKey, UploadSession};

use crate::pg::PgCluster;

async fn sqlite() -> (Arc<dyn Store>, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("s.db").display());
    (filegate::store::open(&url, 4).await.unwrap(), dir)
}

async fn postgres() -> Arc<dyn Store> {
    let url = PgCluster::get().fresh_db().await;
    filegate::store::open(&url, 4).await.unwrap()
}

fn token(access: &str, expires_at: i64) -> StoredToken {
    StoredToken {
        access_token: access.into(),
        refresh_token: Some("r".into()),
        expires_at,
        obtained_at: 100,
    }
}

async fn tokens_round_trip_and_delete_only_the_named_token(store: Arc<dyn Store>) {
    let key = TokenKey::new("acme", "app");
    assert_eq!(store.load_token(&key).await.unwrap(), None);
    store.save_token(&key, &token("t1", 1000)).await.unwrap();
    store.save_token(&key, &token("t2", 2000)).await.unwrap();
    assert_eq!(
        store.load_token(&key).await.unwrap(),
        Some(token("t2", 2000))
    );
    store.delete_token(&key, "t1").await.unwrap();
    assert!(
        store.load_token(&key).await.unwrap().is_some(),
        "a newer token survives eviction of an older one"
    );
    store.delete_token(&key, "t2").await.unwrap();
    assert_eq!(store.load_token(&key).await.unwrap(), None);
    assert_eq!(
        store
            .load_token(&TokenKey::new("other", "app"))
            .await
            .unwrap(),
        None
    );

    let mut lock = store.lock_token(&key).await.unwrap();
    assert_eq!(lock.load().await.unwrap(), None);
    lock.save(&token("t3", 3000)).await.unwrap();
    lock.release().await.unwrap();
    assert_eq!(
        store.load_token(&key).await.unwrap(),
        Some(token("t3", 3000))
    );
}

async fn spaces_are_listed_in_pages_per_connection(store: Arc<dyn Store>) {
    for id in ["c", "a", "b"] {
        store
            .put_space(
                "w",
                &KnownSpace {
                    space_id: id.into(),
                    name: format!("space {id}"),
                    created_at: 1,
                },
            )
            .await
            .unwrap();
    }
    store
        .put_space(
            "other",
            &KnownSpace {
                space_id: "z".into(),
                name: "z".into(),
                created_at: 1,
            },
        )
        .await
        .unwrap();
    let first = store.list_spaces("w", None, 2).await.unwrap();
    assert_eq!(
        first
            .iter()
            .map(|s| s.space_id.as_str())
            .collect::<Vec<_>>(),
        ["a", "b"]
    );
    let rest = store.list_spaces("w", Some("b"), 2).await.unwrap();
    assert_eq!(
        rest.iter().map(|s| s.space_id.as_str()).collect::<Vec<_>>(),
        ["c"]
    );
    store
        .put_space(
            "w",
            &KnownSpace {
                space_id: "a".into(),
                name: "renamed".into(),
                created_at: 9,
            },
        )
        .await
        .unwrap();
    assert_eq!(
        store.list_spaces("w", None, 1).await.unwrap()[0].name,
        "renamed"
    );
    store.delete_space("w", "a").await.unwrap();
    assert_eq!(store.list_spaces("w", None, 10).await.unwrap().len(), 2);
}

async fn upload_sessions_track_parts_and_expire(store: Arc<dyn Store>) {
    let s = UploadSession {
        id: "u1".into(),
        connection: "w".into(),
        space: "s".into(),
        parent: None,
        name: "big.bin".into(),
        size: 10,
        part_size: 4,
        on_conflict: "fail".into(),
        owner: "alice".into(),
        created_at: 1,
        expires_at: 50,
        state: "open".into(),
        result: None,
    };
    store.create_upload(&s).await.unwrap();
    assert_eq!(store.get_upload("u1").await.unwrap(), Some(s.clone()));
    store.record_part("u1", 3, 2).await.unwrap();
    store.record_part("u1", 1, 4).await.unwrap();
    store.record_part("u1", 1, 4).await.unwrap();
    assert_eq!(store.list_parts("u1").await.unwrap(), vec![(1, 4), (3, 2)]);
    assert_eq!(
        store.expired_uploads(49).await.unwrap(),
        Vec::<String>::new()
    );
    assert_eq!(
        store.expired_uploads(51).await.unwrap(),
        vec!["u1".to_owned()]
    );
    // One claim wins; a failed complete opens the session again; a stale claim is taken over.
    assert!(store.claim_upload("u1", 10, 0).await.unwrap());
    assert!(!store.claim_upload("u1", 11, 0).await.unwrap());
    store.finish_upload("u1", None).await.unwrap();
    assert!(store.claim_upload("u1", 12, 0).await.unwrap());
    assert!(
        store.claim_upload("u1", 30, 20).await.unwrap(),
        "claim of 12 is stale at 20"
    );
    store.finish_upload("u1", Some("{}")).await.unwrap();
    let done = store.get_upload("u1").await.unwrap().unwrap();
    assert_eq!(
        (done.state.as_str(), done.result.as_deref()),
        ("completed", Some("{}"))
    );
    assert!(
        !store.claim_upload("u1", 99, 98).await.unwrap(),
        "a completed upload stays completed"
    );
    store.delete_upload("u1").await.unwrap();
    assert_eq!(store.get_upload("u1").await.unwrap(), None);
    assert!(store.list_parts("u1").await.unwrap().is_empty());
}

/// What every backend must do, run against `store`, which says it is `backend`.
async fn behaves(store: Arc<dyn Store>, backend: &str) {
    assert_eq!(store.backend(), backend);
    store.ping().await.unwrap();
    tokens_round_trip_and_delete_only_the_named_token(store.clone()).await;
    spaces_are_listed_in_pages_per_connection(store.clone()).await;
    upload_sessions_track_parts_and_expire(store).await;
}

#[tokio::test]
async fn sqlite_store_behaves() {
    let (store, _dir) = sqlite().await;
    behaves(store, "sqlite").await;
}

#[tokio::test]
async fn postgres_store_behaves() {
    let store = postgres().await;
    behaves(store, "postgres").await;
}

#[tokio::test]
async fn reopening_a_store_keeps_its_data_and_does_not_rerun_migrations() {
    let (store, dir) = sqlite().await;
    store
        .save_token(&TokenKey::new("c", "app"), &token("kept", 10))
        .await
        .unwrap();
    drop(store);
    let url = format!("sqlite://{}", dir.path().join("s.db").display());
    let again = filegate::store::open(&url, 1).await.unwrap();
    assert_eq!(
        again
            .load_token(&TokenKey::new("c", "app"))
            .await
            .unwrap()
            .unwrap()
            .access_token,
        "kept"
    );

    let url = PgCluster::get().fresh_db().await;
    let a = filegate::store::open(&url, 2).await.unwrap();
    a.save_token(&TokenKey::new("c", "app"), &token("kept", 10))
        .await
        .unwrap();
    let b = filegate::store::open(&url, 2).await.unwrap();
    assert_eq!(
        b.load_token(&TokenKey::new("c", "app"))
            .await
            .unwrap()
            .unwrap()
            .access_token,
        "kept"
    );
}

#[tokio::test]
async fn the_postgres_token_lock_makes_a_second_holder_wait_and_see_the_first_token() {
    let store = postgres().await;
    let key = TokenKey::new("acme", "app");
    let mut first = store.lock_token(&key).await.unwrap();
    let s2 = store.clone();
    let k2 = key.clone();
    let waiter = tokio::spawn(async move {
        let mut second = s2.lock_token(&k2).await.unwrap();
        let seen = second.load().await.unwrap();
        second.release().await.unwrap();
        seen
    });
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(
        !waiter.is_finished(),
        "the second holder must wait for the first"
    );
    first.save(&token("from-first", 5000)).await.unwrap();
    first.release().await.unwrap();
    assert_eq!(
        waiter.await.unwrap().map(|t| t.access_token),
        Some("from-first".to_owned())
    );
}
