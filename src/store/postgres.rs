//! PostgreSQL, for several gateway replicas sharing tokens and upload sessions.

use async_trait::async_trait;
use sqlx::{PgPool, Postgres, Transaction};

use super::queries::{execute, pool_options, store_impl, token_sql};
use super::{
    IdempotencyClaim, KnownSpace, NameLock, Store, StoreError, StoredAnswer, StoredToken, TokenKey,
    TokenLock, UploadSession,
};

token_sql!(Postgres);

pub struct PostgresStore {
    pool: PgPool,
    cipher: super::TokenCipher,
}

impl PostgresStore {
    pub async fn open(
        url: &str,
        max_connections: u32,
        cipher: super::TokenCipher,
    ) -> Result<Self, StoreError> {
        let pool = pool_options(max_connections).connect(url).await?;
        // Replicas starting together must not run the migrations twice at once; sqlx takes an
        // advisory lock around them.
        sqlx::migrate!("migrations/postgres").run(&pool).await?;
        Ok(Self { pool, cipher })
    }
}

store_impl!(PostgresStore, "postgres", {
    /// The same advisory lock, held by a transaction that rolls back when the lock is dropped.
    async fn lock_name(&self, name: &str) -> Result<Option<Box<dyn NameLock>>, StoreError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))")
            .bind(name)
            .execute(&mut *tx)
            .await?;
        Ok(Some(Box::new(PgNameLock(Some(tx)))))
    }

    /// A transaction-scoped advisory lock per key: a second replica wanting the same token waits
    /// here, then re-reads and finds the first replica's token instead of fetching again.
    async fn lock_token(&self, key: &TokenKey) -> Result<Box<dyn TokenLock>, StoreError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))")
            .bind(key.lock_name())
            .execute(&mut *tx)
            .await?;
        Ok(Box::new(PgTokenLock {
            tx,
            key: key.clone(),
            cipher: self.cipher.clone(),
        }))
    }
});

struct PgNameLock(Option<Transaction<'static, Postgres>>);

impl NameLock for PgNameLock {}

impl Drop for PgNameLock {
    /// Ends the transaction now (releasing the lock) rather than when its pooled connection is
    /// next used.
    fn drop(&mut self) {
        if let Some(tx) = self.0.take()
            && let Ok(rt) = tokio::runtime::Handle::try_current()
        {
            rt.spawn(async move {
                if let Err(e) = tx.rollback().await {
                    tracing::warn!(error = %e, "cannot release a name lock");
                }
            });
        }
    }
}

struct PgTokenLock {
    tx: Transaction<'static, Postgres>,
    key: TokenKey,
    cipher: super::TokenCipher,
}

#[async_trait]
impl TokenLock for PgTokenLock {
    async fn load(&mut self) -> Result<Option<StoredToken>, StoreError> {
        load_token(&mut *self.tx, &self.key, &self.cipher).await
    }

    async fn save(&mut self, token: &StoredToken) -> Result<(), StoreError> {
        save_token(&mut *self.tx, &self.key, token, &self.cipher).await
    }

    async fn release(self: Box<Self>) -> Result<(), StoreError> {
        self.tx.commit().await?;
        Ok(())
    }
}
