//! Upstream token manager: memory cache in front of the store, one fetch in flight per key.
//!
//! Rules (docs/ARCHITECTURE.md): a key is (connection, subject). A fresh token comes from
//! memory; a token close to expiry is still served while one background task refreshes it; a
//! missing or expired token is fetched by exactly one task per key in this process
//! (single-flight) and, on PostgreSQL, by one replica at a time (advisory lock + re-read). An
//! adapter whose call is refused for a bad token calls [`TokenManager::invalidate`] and retries
//! once. When the store is unreachable, tokens live in memory only and requests go on.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::ApiError;
use crate::store::{Store, StoredToken, TokenKey};

/// An access token as adapters use it. `Debug` never prints the secret parts.
#[derive(Clone, PartialEq, Eq)]
pub struct Token {
    pub access_token: Arc<str>,
    pub refresh_token: Option<Arc<str>>,
    /// Unix seconds.
    pub expires_at: i64,
    pub obtained_at: i64,
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Token")
            .field("access_token", &"[redacted]")
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

impl Token {
    fn lifetime(&self) -> i64 {
        (self.expires_at - self.obtained_at).max(1)
    }

    fn from_stored(t: StoredToken) -> Self {
        Self {
            access_token: t.access_token.into(),
            refresh_token: t.refresh_token.map(Into::into),
            expires_at: t.expires_at,
            obtained_at: t.obtained_at,
        }
    }

    fn to_stored(&self) -> StoredToken {
        StoredToken {
            access_token: self.access_token.to_string(),
            refresh_token: self.refresh_token.as_deref().map(str::to_owned),
            expires_at: self.expires_at,
            obtained_at: self.obtained_at,
        }
    }
}

/// What an upstream's token endpoint answered.
pub struct Fetched {
    pub access_token: String,
    pub refresh_token: Option<String>,
    pub expires_in: Duration,
}

/// An adapter's way of obtaining a token for a subject.
#[async_trait]
pub trait TokenSource: Send + Sync + 'static {
    /// Obtains a new token. `previous` is the last known token (possibly expired), whose
    /// refresh token may be used instead of full credentials.
    async fn fetch(&self, subject: &str, previous: Option<&Token>) -> Result<Fetched, ApiError>;
}

/// Token health reported by `GET /v1/connections/{conn}` (from memory; no upstream call).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TokenHealth {
    /// `valid`, `refreshing_soon`, `expired` or `none` (not fetched yet).
    pub state: String,
    pub expires_at: Option<chrono::DateTime<chrono::Utc>>,
}

pub struct TokenManager {
    store: Arc<dyn Store>,
    cache: Mutex<HashMap<TokenKey, Token>>,
    /// The last token evicted per key: handed to the next fetch as `previous`, so a source
    /// can try its refresh token before full credentials.
    evicted: Mutex<HashMap<TokenKey, Token>>,
    flights: Mutex<HashMap<TokenKey, Arc<tokio::sync::Mutex<()>>>>,
    refresh_ahead: Duration,
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

impl TokenManager {
    pub fn new(store: Arc<dyn Store>, refresh_ahead: Duration) -> Arc<Self> {
        Arc::new(Self {
            store,
            cache: Mutex::new(HashMap::new()),
            evicted: Mutex::new(HashMap::new()),
            flights: Mutex::new(HashMap::new()),
            refresh_ahead,
        })
    }

    /// Seconds before expiry at which a token counts as due for refresh: the configured
    /// margin or a tenth of the lifetime, whichever is larger, but never more than half the
    /// lifetime (short-lived tokens would otherwise always be "due").
    fn ahead(&self, t: &Token) -> i64 {
        let configured = i64::try_from(self.refresh_ahead.as_secs()).unwrap_or(i64::MAX);
        configured.max(t.lifetime() / 10).min(t.lifetime() / 2)
    }

    fn is_fresh(&self, t: &Token, now: i64) -> bool {
        now < t.expires_at - self.ahead(t)
    }

    /// Still safe to send: not within a small safety margin of expiry.
    fn is_usable(t: &Token, now: i64) -> bool {
        now < t.expires_at - (t.lifetime() / 10).min(5)
    }

    fn cached(&self, key: &TokenKey) -> Option<Token> {
        self.cache
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(key)
            .cloned()
    }

    fn remember(&self, key: &TokenKey, token: &Token) {
        metrics::gauge!("filegate_token_expires_at_seconds", "connection" => key.connection.clone())
            .set(token.expires_at as f64);
        self.cache
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(key.clone(), token.clone());
    }

    fn flight(&self, key: &TokenKey) -> Arc<tokio::sync::Mutex<()>> {
        self.flights
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(key.clone())
            .or_default()
            .clone()
    }

    /// A token for `key`, fetching through `source` only when needed.
    pub async fn get(
        self: &Arc<Self>,
        key: &TokenKey,
        source: &Arc<dyn TokenSource>,
    ) -> Result<Token, ApiError> {
        let now = now();
        if let Some(t) = self.cached(key) {
            if self.is_fresh(&t, now) {
                return Ok(t);
            }
            if Self::is_usable(&t, now) {
                self.refresh_in_background(key, source);
                return Ok(t);
            }
        }
        self.fetch(key, source, None).await
    }

    /// The upstream refused `bad`: forget it here and in the store, unless a newer token has
    /// already replaced it.
    pub async fn invalidate(&self, key: &TokenKey, bad: &Token) {
        {
            let mut cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
            if cache
                .get(key)
                .is_some_and(|t| t.access_token == bad.access_token)
            {
                cache.remove(key);
                self.evicted
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .insert(key.clone(), bad.clone());
            }
        }
        if let Err(e) = self.store.delete_token(key, &bad.access_token).await {
            tracing::warn!(error = %e, connection = %key.connection, "token store unavailable while evicting a token");
        }
        metrics::counter!("filegate_token_invalidations_total", "connection" => key.connection.clone()).increment(1);
    }

    pub fn health(&self, key: &TokenKey) -> TokenHealth {
        let now = now();
        let (state, expires_at) = match self.cached(key) {
            None => ("none", None),
            Some(t) if self.is_fresh(&t, now) => ("valid", Some(t.expires_at)),
            Some(t) if Self::is_usable(&t, now) => ("refreshing_soon", Some(t.expires_at)),
            Some(t) => ("expired", Some(t.expires_at)),
        };
        TokenHealth {
            state: state.into(),
            expires_at: expires_at.and_then(|s| chrono::DateTime::from_timestamp(s, 0)),
        }
    }

    fn refresh_in_background(self: &Arc<Self>, key: &TokenKey, source: &Arc<dyn TokenSource>) {
        let flight = self.flight(key);
        // Someone is already fetching this key: nothing to add.
        let Ok(guard) = flight.try_lock_owned() else {
            return;
        };
        let this = self.clone();
        let key = key.clone();
        let source = source.clone();
        tokio::spawn(async move {
            if let Err(e) = this.fetch_locked(&key, &source, None).await {
                tracing::warn!(connection = %key.connection, subject = %key.subject, code = e.code(), "background token refresh failed");
            }
            drop(guard);
        });
    }

    /// Single-flight fetch: waits for any fetch of the same key in this process, then re-checks.
    async fn fetch(
        &self,
        key: &TokenKey,
        source: &Arc<dyn TokenSource>,
        reject: Option<&str>,
    ) -> Result<Token, ApiError> {
        let flight = self.flight(key);
        let _guard = flight.lock().await;
        if let Some(t) = self.cached(key)
            && self.is_fresh(&t, now())
            && reject != Some(&*t.access_token)
        {
            return Ok(t);
        }
        self.fetch_locked(key, source, reject).await
    }

    /// Called with this process's flight lock held: takes the store's lock, re-reads, and
    /// fetches from the upstream only if no other replica has just done it.
    async fn fetch_locked(
        &self,
        key: &TokenKey,
        source: &Arc<dyn TokenSource>,
        reject: Option<&str>,
    ) -> Result<Token, ApiError> {
        let mut previous = self.cached(key).or_else(|| {
            self.evicted
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .get(key)
                .cloned()
        });
        let mut lock = match self.store.lock_token(key).await {
            Ok(lock) => Some(lock),
            Err(e) => {
                tracing::warn!(error = %e, connection = %key.connection, "token store unavailable; using the memory cache only");
                metrics::counter!("filegate_token_store_errors_total").increment(1);
                None
            }
        };
        if let Some(l) = lock.as_mut() {
            match l.load().await {
                Ok(Some(stored)) => {
                    let t = Token::from_stored(stored);
                    if self.is_fresh(&t, now())
                        && reject != Some(&*t.access_token)
                        && previous.as_ref() != Some(&t)
                    {
                        self.remember(key, &t);
                        release(lock, key).await;
                        return Ok(t);
                    }
                    // A stale token from the store (after a restart) still carries its
                    // refresh token.
                    if previous.is_none() {
                        previous = Some(t);
                    }
                }
                Ok(None) => {}
                Err(e) => {
                    tracing::warn!(error = %e, connection = %key.connection, "token store read failed")
                }
            }
        }
        let started = std::time::Instant::now();
        let fetched = source.fetch(&key.subject, previous.as_ref()).await;
        let outcome = if fetched.is_ok() { "ok" } else { "error" };
        metrics::counter!("filegate_token_fetches_total", "connection" => key.connection.clone(), "outcome" => outcome).increment(1);
        metrics::histogram!("filegate_token_fetch_seconds", "connection" => key.connection.clone())
            .record(started.elapsed().as_secs_f64());
        let fetched = match fetched {
            Ok(f) => f,
            Err(e) => {
                release(lock, key).await;
                return Err(e);
            }
        };
        let obtained_at = now();
        let token = Token {
            access_token: fetched.access_token.into(),
            refresh_token: fetched.refresh_token.map(Into::into),
            expires_at: obtained_at
                + i64::try_from(fetched.expires_in.as_secs()).unwrap_or(i64::MAX / 2),
            obtained_at,
        };
        self.remember(key, &token);
        self.evicted
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(key);
        if let Some(l) = lock.as_mut()
            && let Err(e) = l.save(&token.to_stored()).await
        {
            tracing::warn!(error = %e, connection = %key.connection, "token store write failed; token kept in memory");
        }
        release(lock, key).await;
        Ok(token)
    }
}

async fn release(lock: Option<Box<dyn crate::store::TokenLock>>, key: &TokenKey) {
    if let Some(l) = lock
        && let Err(e) = l.release().await
    {
        tracing::warn!(error = %e, connection = %key.connection, "token store commit failed");
    }
}
