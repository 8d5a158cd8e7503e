//! The embedded default: one SQLite file, for a single gateway instance.

use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode};
use sqlx::{Sqlite, SqlitePool};

use super::queries::{execute, pool_options, store_impl, token_sql};
use super::{
    IdempotencyClaim, KnownSpace, NameLock, Store, StoreError, StoredAnswer, StoredToken, TokenKey,
    TokenLock, UploadSession,
};

token_sql!(Sqlite);

pub struct SqliteStore {
    pool: SqlitePool,
    cipher: super::TokenCipher,
}

impl SqliteStore {
    pub async fn open(
        url: &str,
        max_connections: u32,
        cipher: super::TokenCipher,
    ) -> Result<Self, StoreError> {
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .busy_timeout(Duration::from_secs(5))
            .foreign_keys(true);
        let pool = pool_options(max_connections).connect_with(options).await?;
        sqlx::migrate!("migrations/sqlite").run(&pool).await?;
        Ok(Self { pool, cipher })
    }
}

store_impl!(SqliteStore, "sqlite", {
    async fn lock_name(&self, _name: &str) -> Result<Option<Box<dyn NameLock>>, StoreError> {
        Ok(None)
    }

    /// SQLite serves one instance, whose token manager already lets one fetch run per key, so
    /// the "lock" only reads and writes through the pool.
    async fn lock_token(&self, key: &TokenKey) -> Result<Box<dyn TokenLock>, StoreError> {
        Ok(Box::new(SqliteTokenLock {
            pool: self.pool.clone(),
            key: key.clone(),
            cipher: self.cipher.clone(),
        }))
    }
});

struct SqliteTokenLock {
    pool: SqlitePool,
    key: TokenKey,
    cipher: super::TokenCipher,
}

#[async_trait]
impl TokenLock for SqliteTokenLock {
    async fn load(&mut self) -> Result<Option<StoredToken>, StoreError> {
        load_token(&self.pool, &self.key, &self.cipher).await
    }

    async fn save(&mut self, token: &StoredToken) -> Result<(), StoreError> {
        save_token(&self.pool, &self.key, token, &self.cipher).await
    }

    async fn release(self: Box<Self>) -> Result<(), StoreError> {
        Ok(())
    }
}
