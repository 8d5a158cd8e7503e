//! The SQL both stores share. SQLite (through sqlx) and PostgreSQL both accept `$n`
//! placeholders and `ON CONFLICT … DO UPDATE`, so the statements are written once and expanded
//! into each implementation; only locking and connection setup differ.

/// Expands `impl Store for $ty` (a type with a `pool` field): the backend-specific methods
/// given in braces plus the methods whose SQL is identical on both backends. The whole impl is
/// generated here because `#[async_trait]` must see every method.
macro_rules! store_impl {
    ($ty:ty, { $($specific:tt)* }) => {
        #[async_trait::async_trait]
        impl Store for $ty {
        $($specific)*

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
            sqlx::query("DELETE FROM upstream_tokens WHERE connection = $1 AND subject = $2 AND access_token = $3")
                .bind(&key.connection)
                .bind(&key.subject)
                .bind(&stored)
                .execute(&self.pool)
                .await?;
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
            sqlx::query(
                "INSERT INTO known_spaces (connection, space_id, name, created_at) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (connection, space_id) DO UPDATE SET name = excluded.name",
            )
            .bind(connection)
            .bind(&space.space_id)
            .bind(&space.name)
            .bind(space.created_at)
            .execute(&self.pool)
            .await?;
            Ok(())
        }

        async fn delete_space(&self, connection: &str, space_id: &str) -> Result<(), StoreError> {
            sqlx::query("DELETE FROM known_spaces WHERE connection = $1 AND space_id = $2")
                .bind(connection)
                .bind(space_id)
                .execute(&self.pool)
                .await?;
            Ok(())
        }

        async fn create_upload(&self, s: &UploadSession) -> Result<(), StoreError> {
            sqlx::query(
                "INSERT INTO upload_sessions
                 (id, connection, space, parent, name, size, part_size, on_conflict, owner, created_at, expires_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            )
            .bind(&s.id)
            .bind(&s.connection)
            .bind(&s.space)
            .bind(&s.parent)
            .bind(&s.name)
            .bind(s.size)
            .bind(s.part_size)
            .bind(&s.on_conflict)
            .bind(&s.owner)
            .bind(s.created_at)
            .bind(s.expires_at)
            .execute(&self.pool)
            .await?;
            Ok(())
        }

        async fn get_upload(&self, id: &str) -> Result<Option<UploadSession>, StoreError> {
            type Row = (String, String, String, Option<String>, String, i64, i64, String, String, i64, i64);
            let row: Option<Row> = sqlx::query_as(
                "SELECT id, connection, space, parent, name, size, part_size, on_conflict, owner, created_at, expires_at
                 FROM upload_sessions WHERE id = $1",
            )
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
            Ok(row.map(
                |(id, connection, space, parent, name, size, part_size, on_conflict, owner, created_at, expires_at)| UploadSession {
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
                },
            ))
        }

        async fn record_part(&self, id: &str, part: i64, size: i64) -> Result<(), StoreError> {
            sqlx::query(
                "INSERT INTO upload_parts (upload_id, part, size) VALUES ($1, $2, $3)
                 ON CONFLICT (upload_id, part) DO UPDATE SET size = excluded.size",
            )
            .bind(id)
            .bind(part)
            .bind(size)
            .execute(&self.pool)
            .await?;
            Ok(())
        }

        async fn list_parts(&self, id: &str) -> Result<Vec<(i64, i64)>, StoreError> {
            Ok(sqlx::query_as("SELECT part, size FROM upload_parts WHERE upload_id = $1 ORDER BY part")
                .bind(id)
                .fetch_all(&self.pool)
                .await?)
        }

        async fn delete_upload(&self, id: &str) -> Result<(), StoreError> {
            sqlx::query("DELETE FROM upload_parts WHERE upload_id = $1")
                .bind(id)
                .execute(&self.pool)
                .await?;
            sqlx::query("DELETE FROM upload_sessions WHERE id = $1")
                .bind(id)
                .execute(&self.pool)
                .await?;
            Ok(())
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

pub(crate) use store_impl;
pub(crate) use token_sql;
