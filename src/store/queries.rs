//! The SQL both stores share. SQLite (through sqlx) and PostgreSQL both accept `$n`
//! placeholders and `ON CONFLICT … DO UPDATE`, so the statements are written once and expanded
//! into each implementation; only locking and connection setup differ.

/// The pool settings both stores share: at most `max_connections`, 5 s to get one.
pub(crate) fn pool_options<DB: sqlx::Database>(
    max_connections: u32,
) -> sqlx::pool::PoolOptions<DB> {
    sqlx::pool::PoolOptions::new()
        .max_connections(max_connections)
        .acquire_timeout(std::time::Duration::from_secs(5))
}

/// Runs one statement with its binds on the store's pool (inside [`store_impl`]).
macro_rules! execute {
    ($store:ident, $sql:expr $(, $arg:expr)*) => {
        sqlx::query($sql)$(.bind($arg))*.execute(&$store.pool).await?
    };
}

/// Expands `impl Store for $ty` (a type with a `pool` field) for the backend named `$backend`:
/// the backend-specific methods given in braces plus the methods whose SQL is identical on
/// both backends. The whole impl is generated here because `#[async_trait]` must see every
/// method.
macro_rules! store_impl {
    ($ty:ty, $backend:literal, { $($specific:tt)* }) => {
        #[async_trait::async_trait]
        impl Store for $ty {
        $($specific)*

        fn backend(&self) -> &'static str {
            $backend
        }

        async fn ping(&self) -> Result<(), StoreError> {
            execute!(self, "SELECT 1");
            Ok(())
        }

        async fn load_token(&self, key: &TokenKey) -> Result<Option<StoredToken>, StoreError> {
            load_token(&self.pool, key, &self.cipher).await
        }

        async fn save_token(&self, key: &TokenKey, token: &StoredToken) -> Result<(), StoreError> {
            save_token(&self.pool, key, token, &self.cipher).await
        }

        async fn delete_token(&self, key: &TokenKey, access_token: &str) -> Result<(), StoreError> {
            // Sealed values differ at every write (fresh nonce): open the row to compare, then
            // delete it only if it is still the very row that was opened.
            let row: Option<(String, Option<String>)> = sqlx::query_as(
                "SELECT access_token, key_id FROM upstream_tokens WHERE connection = $1 AND subject = $2",
            )
            .bind(&key.connection)
            .bind(&key.subject)
            .fetch_optional(&self.pool)
            .await?;
            let Some((stored, key_id)) = row else {
                return Ok(());
            };
            // A row no configured key opens is no use to anyone: it goes too.
            if let Ok(plain) = self.cipher.open(key, "access_token", key_id.as_deref(), &stored)
                && plain != access_token
            {
                return Ok(());
            }
            execute!(
                self,
                "DELETE FROM upstream_tokens WHERE connection = $1 AND subject = $2 AND access_token = $3",
                &key.connection, &key.subject, &stored
            );
            Ok(())
        }

        async fn list_spaces(&self, connection: &str, after: Option<&str>, limit: u32) -> Result<Vec<KnownSpace>, StoreError> {
            let rows: Vec<(String, String, i64)> = sqlx::query_as(
                "SELECT space_id, name, created_at FROM known_spaces
                 WHERE connection = $1 AND space_id > $2 ORDER BY space_id LIMIT $3",
            )
            .bind(connection)
            .bind(after.unwrap_or(""))
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await?;
            Ok(rows
                .into_iter()
                .map(|(space_id, name, created_at)| KnownSpace { space_id, name, created_at })
                .collect())
        }

        async fn put_space(&self, connection: &str, space: &KnownSpace) -> Result<(), StoreError> {
            execute!(
                self,
                "INSERT INTO known_spaces (connection, space_id, name, created_at) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (connection, space_id) DO UPDATE SET name = excluded.name",
                connection, &space.space_id, &space.name, space.created_at
            );
            Ok(())
        }

        async fn delete_space(&self, connection: &str, space_id: &str) -> Result<(), StoreError> {
            execute!(
                self,
                "DELETE FROM known_spaces WHERE connection = $1 AND space_id = $2",
                connection, space_id
            );
            Ok(())
        }

        async fn create_upload(&self, s: &UploadSession) -> Result<(), StoreError> {
            execute!(
                self,
                "INSERT INTO upload_sessions
                 (id, connection, space, parent, name, size, part_size, on_conflict, owner, created_at, expires_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
                &s.id, &s.connection, &s.space, &s.parent, &s.name, s.size, s.part_size, &s.on_conflict, &s.owner, s.created_at, s.expires_at
            );
            Ok(())
        }

        async fn get_upload(&self, id: &str) -> Result<Option<UploadSession>, StoreError> {
            type Row = (String, String, String, Option<String>, String, i64, i64, String, String, i64, i64, String, Option<String>);
            let row: Option<Row> = sqlx::query_as(
                "SELECT id, connection, space, parent, name, size, part_size, on_conflict, owner, created_at, expires_at, state, result
                 FROM upload_sessions WHERE id = $1",
            )
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
            Ok(row.map(
                |(id, connection, space, parent, name, size, part_size, on_conflict, owner, created_at, expires_at, state, result)| UploadSession {
                    id,
                    connection,
                    space,
                    parent,
                    name,
                    size,
                    part_size,
                    on_conflict,
                    owner,
                    created_at,
                    expires_at,
                    state,
                    result,
                },
            ))
        }

        async fn claim_upload(&self, id: &str, now: i64, stale_before: i64) -> Result<bool, StoreError> {
            // One statement, so two callers (or replicas) cannot both see `open`.
            let done = execute!(
                self,
                "UPDATE upload_sessions SET state = 'completing', claimed_at = $2
                 WHERE id = $1 AND (state = 'open' OR (state = 'completing' AND claimed_at < $3))",
                id, now, stale_before
            );
            Ok(done.rows_affected() == 1)
        }

        async fn finish_upload(&self, id: &str, result: Option<&str>) -> Result<(), StoreError> {
            let sql = match result {
                Some(_) => "UPDATE upload_sessions SET state = 'completed', result = $2 WHERE id = $1",
                None => "UPDATE upload_sessions SET state = 'open', claimed_at = NULL WHERE id = $1 AND $2 IS NULL",
            };
            sqlx::query(sql).bind(id).bind(result).execute(&self.pool).await?;
            Ok(())
        }

        async fn record_part(&self, id: &str, part: i64, size: i64) -> Result<(), StoreError> {
            execute!(
                self,
                "INSERT INTO upload_parts (upload_id, part, size) VALUES ($1, $2, $3)
                 ON CONFLICT (upload_id, part) DO UPDATE SET size = excluded.size",
                id, part, size
            );
            Ok(())
        }

        async fn list_parts(&self, id: &str) -> Result<Vec<(i64, i64)>, StoreError> {
            Ok(sqlx::query_as("SELECT part, size FROM upload_parts WHERE upload_id = $1 ORDER BY part")
                .bind(id)
                .fetch_all(&self.pool)
                .await?)
        }

        async fn delete_upload(&self, id: &str) -> Result<(), StoreError> {
            execute!(self, "DELETE FROM upload_parts WHERE upload_id = $1", id);
            execute!(self, "DELETE FROM upload_sessions WHERE id = $1", id);
            Ok(())
        }

        async fn claim_idempotency(
            &self,
            scope: &str,
            key: &str,
            fingerprint: &str,
            now: i64,
            expires_at: i64,
            stale_before: i64,
        ) -> Result<IdempotencyClaim, StoreError> {
            execute!(
                self,
                "DELETE FROM idempotency_keys WHERE scope = $1 AND key = $2 AND expires_at < $3",
                scope, key, now
            );
            // One statement decides between concurrent first requests, on both backends.
            let inserted = execute!(
                self,
                "INSERT INTO idempotency_keys (scope, key, fingerprint, created_at, expires_at)
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (scope, key) DO NOTHING",
                scope, key, fingerprint, now, expires_at
            );
            if inserted.rows_affected() == 1 {
                return Ok(IdempotencyClaim::Claimed);
            }
            let taken_over = execute!(
                self,
                "UPDATE idempotency_keys SET created_at = $4
                 WHERE scope = $1 AND key = $2 AND fingerprint = $3 AND status IS NULL AND created_at < $5",
                scope, key, fingerprint, now, stale_before
            );
            if taken_over.rows_affected() == 1 {
                return Ok(IdempotencyClaim::Claimed);
            }
            type Row = (String, Option<i64>, Option<String>, Option<Vec<u8>>);
            let row: Option<Row> = sqlx::query_as(
                "SELECT fingerprint, status, headers, body FROM idempotency_keys WHERE scope = $1 AND key = $2",
            )
            .bind(scope)
            .bind(key)
            .fetch_optional(&self.pool)
            .await?;
            // Freed between the insert and the read: the caller's retry will claim it.
            let Some((fingerprint, status, headers, body)) = row else {
                return Ok(IdempotencyClaim::Other { fingerprint: fingerprint.to_owned(), answer: None });
            };
            let answer = status.map(|status| StoredAnswer {
                status: u16::try_from(status).unwrap_or(500),
                headers: headers
                    .and_then(|h| serde_json::from_str(&h).ok())
                    .unwrap_or_default(),
                body: body.unwrap_or_default(),
            });
            Ok(IdempotencyClaim::Other { fingerprint, answer })
        }

        async fn finish_idempotency(&self, scope: &str, key: &str, a: &StoredAnswer) -> Result<(), StoreError> {
            let headers = serde_json::to_string(&a.headers).unwrap_or_else(|_| "[]".into());
            execute!(
                self,
                "UPDATE idempotency_keys SET status = $3, headers = $4, body = $5 WHERE scope = $1 AND key = $2",
                scope, key, i64::from(a.status), headers, &a.body
            );
            Ok(())
        }

        async fn release_idempotency(&self, scope: &str, key: &str) -> Result<(), StoreError> {
            execute!(
                self,
                "DELETE FROM idempotency_keys WHERE scope = $1 AND key = $2 AND status IS NULL",
                scope, key
            );
            Ok(())
        }

        async fn purge_idempotency(&self, now: i64) -> Result<u64, StoreError> {
            let done = execute!(self, "DELETE FROM idempotency_keys WHERE expires_at < $1", now);
            Ok(done.rows_affected())
        }

        async fn expired_uploads(&self, now: i64) -> Result<Vec<String>, StoreError> {
            let rows: Vec<(String,)> = sqlx::query_as("SELECT id FROM upload_sessions WHERE expires_at < $1")
                .bind(now)
                .fetch_all(&self.pool)
                .await?;
            Ok(rows.into_iter().map(|(id,)| id).collect())
        }
        }
    };
}

/// Token reads and writes, generic over the executor so they also run inside a lock's
/// transaction.
macro_rules! token_sql {
    ($db:ty) => {
        async fn load_token<'e, E>(
            exec: E,
            key: &TokenKey,
            cipher: &super::TokenCipher,
        ) -> Result<Option<StoredToken>, StoreError>
        where
            E: sqlx::Executor<'e, Database = $db>,
        {
            let row: Option<(String, Option<String>, i64, i64, Option<String>)> = sqlx::query_as(
                "SELECT access_token, refresh_token, expires_at, obtained_at, key_id FROM upstream_tokens
                 WHERE connection = $1 AND subject = $2",
            )
            .bind(&key.connection)
            .bind(&key.subject)
            .fetch_optional(exec)
            .await?;
            let Some((access_token, refresh_token, expires_at, obtained_at, key_id)) = row else {
                return Ok(None);
            };
            let id = key_id.as_deref();
            Ok(Some(StoredToken {
                access_token: cipher.open(key, "access_token", id, &access_token)?,
                refresh_token: refresh_token
                    .map(|r| cipher.open(key, "refresh_token", id, &r))
                    .transpose()?,
                expires_at,
                obtained_at,
            }))
        }

        async fn save_token<'e, E>(
            exec: E,
            key: &TokenKey,
            t: &StoredToken,
            cipher: &super::TokenCipher,
        ) -> Result<(), StoreError>
        where
            E: sqlx::Executor<'e, Database = $db>,
        {
            let access = cipher.seal(key, "access_token", &t.access_token)?;
            let refresh = t
                .refresh_token
                .as_deref()
                .map(|r| cipher.seal(key, "refresh_token", r))
                .transpose()?;
            sqlx::query(
                "INSERT INTO upstream_tokens (connection, subject, access_token, refresh_token, expires_at, obtained_at, key_id)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)
                 ON CONFLICT (connection, subject) DO UPDATE SET
                   access_token = excluded.access_token, refresh_token = excluded.refresh_token,
                   expires_at = excluded.expires_at, obtained_at = excluded.obtained_at,
                   key_id = excluded.key_id",
            )
            .bind(&key.connection)
            .bind(&key.subject)
            .bind(&access)
            .bind(&refresh)
            .bind(t.expires_at)
            .bind(t.obtained_at)
            .bind(cipher.key_id())
            .execute(exec)
            .await?;
            Ok(())
        }
    };
}

pub(crate) use execute;
pub(crate) use store_impl;
pub(crate) use token_sql;
