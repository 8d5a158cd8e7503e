//! Persistence behind one trait: SQLite (embedded default) and PostgreSQL (several replicas).
//!
//! The store holds upstream tokens, the spaces a WeCom connection knows, and resumable-upload
//! sessions. Both implementations run their migrations (`migrations/{sqlite,postgres}`) when
//! opened and are exercised by the same test suite against real databases.

pub mod crypto;
mod postgres;
mod queries;
mod sqlite;

use std::sync::Arc;

use async_trait::async_trait;

pub use crypto::TokenCipher;
pub use postgres::PostgresStore;
pub use sqlite::SqliteStore;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("store: {0}")]
    Database(#[from] sqlx::Error),
    #[error("store migration: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    #[error("store: unsupported url (expected sqlite: or postgres://)")]
    UnsupportedUrl,
    /// A stored token could not be opened (key not configured, wrong key, altered row).
    #[error("store: {0}")]
    Crypto(String),
}

/// An upstream token as persisted. Times are Unix seconds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredToken {
    pub access_token: String,
    pub refresh_token: Option<String>,
    pub expires_at: i64,
    pub obtained_at: i64,
}

/// (connection, subject): `app` for WeCom and OneBot, `enterprise` / `user:<id>` for Fangcloud.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TokenKey {
    pub connection: String,
    pub subject: String,
}

impl TokenKey {
    pub fn new(connection: &str, subject: &str) -> Self {
        Self {
            connection: connection.to_owned(),
            subject: subject.to_owned(),
        }
    }

    /// Used as the advisory-lock key across replicas.
    fn lock_name(&self) -> String {
        format!("filegate:token:{}:{}", self.connection, self.subject)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnownSpace {
    pub space_id: String,
    pub name: String,
    pub created_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadSession {
    pub id: String,
    pub connection: String,
    pub space: String,
    pub parent: Option<String>,
    pub name: String,
    pub size: i64,
    pub part_size: i64,
    pub on_conflict: String,
    /// JWT `sub` of the caller who opened it; only they may continue it.
    pub owner: String,
    pub created_at: i64,
    pub expires_at: i64,
    /// `open` (taking parts), `completing` (one `complete` is sending it upstream) or
    /// `completed` (`result` holds the answer, replayed to later `complete` calls).
    pub state: String,
    /// The `UploadResult` JSON of the finished `complete`.
    pub result: Option<String>,
}

/// Exclusive right to fetch one key's token, held across replicas until released.
#[async_trait]
pub trait TokenLock: Send {
    /// Re-read under the lock: another replica may have fetched while we waited.
    async fn load(&mut self) -> Result<Option<StoredToken>, StoreError>;
    async fn save(&mut self, token: &StoredToken) -> Result<(), StoreError>;
    async fn release(self: Box<Self>) -> Result<(), StoreError>;
}

/// A kept answer of an idempotent request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredAnswer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// What claiming an `Idempotency-Key` found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdempotencyClaim {
    /// The key is ours: run the request.
    Claimed,
    /// Another request has it: its fingerprint, and its answer once it finished.
    Other {
        fingerprint: String,
        answer: Option<StoredAnswer>,
    },
}

/// A lock on a name, held across replicas until dropped (`crate::creation_lock`).
pub trait NameLock: Send + Sync {}

#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// `sqlite` or `postgres`.
    fn backend(&self) -> &'static str;
    async fn ping(&self) -> Result<(), StoreError>;

    async fn load_token(&self, key: &TokenKey) -> Result<Option<StoredToken>, StoreError>;
    async fn save_token(&self, key: &TokenKey, token: &StoredToken) -> Result<(), StoreError>;
    /// Deletes the token only if it is still `access_token` (a newer one stays).
    async fn delete_token(&self, key: &TokenKey, access_token: &str) -> Result<(), StoreError>;
    async fn lock_token(&self, key: &TokenKey) -> Result<Box<dyn TokenLock>, StoreError>;
    /// Waits for the replica-wide lock on `name`; `None` where the store serves one instance
    /// (SQLite), whose in-process locks are enough.
    async fn lock_name(&self, name: &str) -> Result<Option<Box<dyn NameLock>>, StoreError>;

    /// Spaces of `connection` ordered by id, after `after`.
    async fn list_spaces(
        &self,
        connection: &str,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<KnownSpace>, StoreError>;
    async fn put_space(&self, connection: &str, space: &KnownSpace) -> Result<(), StoreError>;
    async fn delete_space(&self, connection: &str, space_id: &str) -> Result<(), StoreError>;

    async fn create_upload(&self, session: &UploadSession) -> Result<(), StoreError>;
    async fn get_upload(&self, id: &str) -> Result<Option<UploadSession>, StoreError>;
    async fn record_part(&self, id: &str, part: i64, size: i64) -> Result<(), StoreError>;
    /// (part, size) of received parts, ordered by part.
    async fn list_parts(&self, id: &str) -> Result<Vec<(i64, i64)>, StoreError>;
    /// Takes the right to complete upload `id`: true when it was `open` (or its `completing`
    /// claim is older than `stale_before`, left by a replica that died) and is now ours.
    async fn claim_upload(&self, id: &str, now: i64, stale_before: i64)
    -> Result<bool, StoreError>;
    /// Ends a claim: `Some(result)` marks the upload `completed` with that answer, `None`
    /// opens it again (the upstream refused; `complete` may be retried).
    async fn finish_upload(&self, id: &str, result: Option<&str>) -> Result<(), StoreError>;
    async fn delete_upload(&self, id: &str) -> Result<(), StoreError>;
    /// Claims `Idempotency-Key` `key` in `scope` for a request with `fingerprint`, kept until
    /// `expires_at`. An expired row is replaced; an unfinished claim made before
    /// `stale_before` with the same fingerprint is taken over.
    async fn claim_idempotency(
        &self,
        scope: &str,
        key: &str,
        fingerprint: &str,
        now: i64,
        expires_at: i64,
        stale_before: i64,
    ) -> Result<IdempotencyClaim, StoreError>;
    async fn finish_idempotency(
        &self,
        scope: &str,
        key: &str,
        answer: &StoredAnswer,
    ) -> Result<(), StoreError>;
    /// Frees an unfinished claim (the request failed or went away).
    async fn release_idempotency(&self, scope: &str, key: &str) -> Result<(), StoreError>;
    /// Deletes keys that expired before `now`; returns how many.
    async fn purge_idempotency(&self, now: i64) -> Result<u64, StoreError>;
    /// Ids of sessions that expired before `now`.
    async fn expired_uploads(&self, now: i64) -> Result<Vec<String>, StoreError>;
}

/// Opens the store named by `url` and runs its migrations; tokens are stored in plain text.
pub async fn open(url: &str, max_connections: u32) -> Result<Arc<dyn Store>, StoreError> {
    open_with(url, max_connections, TokenCipher::plaintext()).await
}

/// Opens the store named by `url`, sealing upstream tokens with `cipher` (src/store/crypto.rs).
pub async fn open_with(
    url: &str,
    max_connections: u32,
    cipher: TokenCipher,
) -> Result<Arc<dyn Store>, StoreError> {
    if is_sqlite(url) {
        Ok(Arc::new(
            SqliteStore::open(url, max_connections, cipher).await?,
        ))
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Arc::new(
            PostgresStore::open(url, max_connections, cipher).await?,
        ))
    } else {
        Err(StoreError::UnsupportedUrl)
    }
}

pub fn is_sqlite(url: &str) -> bool {
    url.starts_with("sqlite:")
}
