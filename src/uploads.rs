//! Resumable uploads, staged by the gateway.
//!
//! The caller sends parts in any order (and may resend one); they are written at their offset
//! into one staging file per upload, and the store records which parts arrived. `complete`
//! hashes the file and hands it to the adapter's ordinary upload — so WeCom's block SHAs,
//! OneBot's base64 and Fangcloud's pre-signed POST all work the same way. Staging files live
//! under `<spool_dir>/filegate-staging`; with several replicas that directory must be shared
//! (or uploads routed to one replica). Expired sessions are swept every minute.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use chrono::{DateTime, Utc};
use futures::{Stream, StreamExt};
use serde::Serialize;
use tokio::io::{AsyncSeekExt, AsyncWriteExt};
use utoipa::ToSchema;

use crate::error::{ApiError, ApiResult};
use crate::model::ids::{self, IdKind};
use crate::model::{OnConflict, Provider};
use crate::spool::Spooled;
use crate::store::{Store, UploadSession};

/// State of a resumable upload.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(examples(json!({
    "id": "AXV3IDdmM2E5YzFlNGI", "name": "video.mp4", "parent_id": null, "size": 20971520,
    "part_size": 8388608, "part_count": 3, "parts_received": [1, 3],
    "expires_at": "2026-05-07T08:00:00Z"
})))]
pub struct UploadSessionInfo {
    pub id: String,
    pub name: String,
    pub parent_id: Option<String>,
    /// Total size announced at creation.
    pub size: u64,
    /// Every part but the last has exactly this size.
    pub part_size: u64,
    pub part_count: u32,
    /// Part numbers received so far (from 1).
    pub parts_received: Vec<u32>,
    pub expires_at: DateTime<Utc>,
}

/// Body of `POST …/uploads`.
#[derive(Debug, Clone, serde::Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUpload {
    #[schema(schema_with = crate::model::rules::name)]
    pub name: String,
    #[serde(default)]
    pub parent: Option<String>,
    /// Total size in bytes.
    pub size: u64,
    #[serde(default)]
    pub on_conflict: Option<OnConflict>,
}

pub struct Staging {
    dir: PathBuf,
    store: Arc<dyn Store>,
    part_size: u64,
    ttl: Duration,
}

fn not_found() -> ApiError {
    ApiError::not_found(
        "upload_not_found",
        "no such upload (it may have completed or expired)",
    )
}

fn part_count(size: u64, part_size: u64) -> u32 {
    u32::try_from(size.div_ceil(part_size).max(1)).unwrap_or(u32::MAX)
}

impl Staging {
    pub fn new(
        spool_dir: &Path,
        store: Arc<dyn Store>,
        part_size: u64,
        ttl: Duration,
    ) -> std::io::Result<Self> {
        let dir = spool_dir.join("filegate-staging");
        std::fs::create_dir_all(&dir)?;
        Ok(Self {
            dir,
            store,
            part_size,
            ttl,
        })
    }

    fn file(&self, session: &UploadSession) -> PathBuf {
        // The id is an opaque, URL-safe token we minted; only its uuid names the file.
        self.dir.join(
            session
                .id
                .replace(|c: char| !c.is_ascii_alphanumeric(), "_"),
        )
    }

    pub async fn create(
        &self,
        connection: &str,
        provider: Provider,
        space: &str,
        owner: &str,
        req: NewUpload,
        limit: u64,
    ) -> ApiResult<UploadSessionInfo> {
        if req.size > limit {
            return Err(ApiError::PayloadTooLarge { limit });
        }
        let now = Utc::now();
        let expires =
            now + chrono::Duration::from_std(self.ttl).unwrap_or(chrono::Duration::hours(24));
        let uuid = uuid::Uuid::new_v4().simple().to_string();
        let session = UploadSession {
            id: ids::encode(IdKind::Upload, provider, &[&uuid]),
            connection: connection.to_owned(),
            space: space.to_owned(),
            parent: req.parent.filter(|s| !s.is_empty()),
            name: req.name,
            size: i64::try_from(req.size).map_err(|_| ApiError::PayloadTooLarge { limit })?,
            part_size: i64::try_from(self.part_size).unwrap_or(i64::MAX),
            on_conflict: serde_json::to_value(req.on_conflict.unwrap_or_default())
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_else(|| "fail".into()),
            owner: owner.to_owned(),
            created_at: now.timestamp(),
            expires_at: expires.timestamp(),
        };
        tokio::fs::File::create(self.file(&session))
            .await
            .map_err(ApiError::internal)?;
        self.store
            .create_upload(&session)
            .await
            .map_err(ApiError::internal)?;
        Ok(info(&session, Vec::new()))
    }

    /// The session, if it exists, belongs to this connection/space/caller and has not expired.
    pub async fn get(
        &self,
        id: &str,
        connection: &str,
        space: &str,
        owner: &str,
    ) -> ApiResult<UploadSession> {
        let s = self
            .store
            .get_upload(id)
            .await
            .map_err(ApiError::internal)?
            .ok_or_else(not_found)?;
        if s.connection != connection
            || s.space != space
            || s.owner != owner
            || s.expires_at < Utc::now().timestamp()
        {
            return Err(not_found());
        }
        Ok(s)
    }

    pub async fn info(&self, s: &UploadSession) -> ApiResult<UploadSessionInfo> {
        let parts = self
            .store
            .list_parts(&s.id)
            .await
            .map_err(ApiError::internal)?;
        Ok(info(
            s,
            parts
                .into_iter()
                .filter_map(|(n, _)| u32::try_from(n).ok())
                .collect(),
        ))
    }

    /// Writes part `n` (1-based) from `body`, which must be exactly the part's size.
    pub async fn put_part<S, E>(
        &self,
        s: &UploadSession,
        n: u32,
        declared_len: Option<u64>,
        body: S,
    ) -> ApiResult<UploadSessionInfo>
    where
        S: Stream<Item = Result<Bytes, E>> + Send,
        E: std::error::Error + Send + Sync + 'static,
    {
        let size = u64::try_from(s.size).unwrap_or(0);
        let part_size = u64::try_from(s.part_size).unwrap_or(1);
        let count = part_count(size, part_size);
        if n == 0 || n > count {
            return Err(ApiError::invalid_field(
                "n",
                format!("part numbers run from 1 to {count}"),
            ));
        }
        let offset = u64::from(n - 1) * part_size;
        let expected = part_size.min(size - offset.min(size));
        if declared_len.is_some_and(|l| l != expected) {
            return Err(ApiError::bad_request(
                "part_size_mismatch",
                format!("part {n} must be exactly {expected} bytes"),
            ));
        }
        let mut file = tokio::fs::OpenOptions::new()
            .write(true)
            .open(self.file(s))
            .await
            .map_err(|_| not_found())?;
        file.seek(std::io::SeekFrom::Start(offset))
            .await
            .map_err(ApiError::internal)?;
        let mut written = 0u64;
        let mut body = std::pin::pin!(body);
        while let Some(chunk) = body.next().await {
            let chunk = chunk.map_err(|_| {
                ApiError::bad_request("upload_incomplete", "the part's body ended early")
            })?;
            written += chunk.len() as u64;
            if written > expected {
                return Err(ApiError::bad_request(
                    "part_size_mismatch",
                    format!("part {n} must be exactly {expected} bytes"),
                ));
            }
            file.write_all(&chunk).await.map_err(ApiError::internal)?;
        }
        if written != expected {
            return Err(ApiError::bad_request(
                "part_size_mismatch",
                format!("part {n} must be exactly {expected} bytes, got {written}"),
            ));
        }
        file.sync_data().await.map_err(ApiError::internal)?;
        self.store
            .record_part(&s.id, i64::from(n), i64::try_from(written).unwrap_or(0))
            .await
            .map_err(ApiError::internal)?;
        self.info(s).await
    }

    /// The assembled file, once every part is there.
    pub async fn assemble(&self, s: &UploadSession) -> ApiResult<Spooled> {
        let info = self.info(s).await?;
        if info.parts_received.len() != info.part_count as usize {
            let missing: Vec<u32> = (1..=info.part_count)
                .filter(|n| !info.parts_received.contains(n))
                .take(20)
                .collect();
            return Err(ApiError::Conflict {
                code: "upload_incomplete",
                detail: format!("parts still missing: {missing:?}"),
            });
        }
        let spooled = Spooled::from_staged(self.file(s)).await?;
        if spooled.size != info.size {
            return Err(ApiError::internal(format!(
                "staged upload {} has {} bytes, expected {}",
                s.id, spooled.size, info.size
            )));
        }
        Ok(spooled)
    }

    /// Removes a session and its staging file.
    pub async fn discard(&self, s: &UploadSession) -> ApiResult<()> {
        self.store
            .delete_upload(&s.id)
            .await
            .map_err(ApiError::internal)?;
        match tokio::fs::remove_file(self.file(s)).await {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(ApiError::internal(e)),
            _ => Ok(()),
        }
    }

    /// Deletes expired sessions; returns how many.
    pub async fn sweep(&self) -> usize {
        let ids = match self.store.expired_uploads(Utc::now().timestamp()).await {
            Ok(ids) => ids,
            Err(e) => {
                tracing::warn!(error = %e, "cannot list expired uploads");
                return 0;
            }
        };
        let mut n = 0;
        for id in ids {
            if let Ok(Some(s)) = self.store.get_upload(&id).await
                && self.discard(&s).await.is_ok()
            {
                n += 1;
            }
        }
        n
    }

    /// Sweeps every minute until the process ends.
    pub fn spawn_sweeper(self: &Arc<Self>) {
        let this = self.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(60));
            loop {
                tick.tick().await;
                let n = this.sweep().await;
                if n > 0 {
                    tracing::info!(count = n, "removed expired uploads");
                }
            }
        });
    }
}

fn info(s: &UploadSession, parts_received: Vec<u32>) -> UploadSessionInfo {
    let size = u64::try_from(s.size).unwrap_or(0);
    let part_size = u64::try_from(s.part_size).unwrap_or(1);
    UploadSessionInfo {
        id: s.id.clone(),
        name: s.name.clone(),
        parent_id: s.parent.clone(),
        size,
        part_size,
        part_count: part_count(size, part_size),
        parts_received,
        expires_at: DateTime::from_timestamp(s.expires_at, 0).unwrap_or_default(),
    }
}

pub fn on_conflict(s: &UploadSession) -> OnConflict {
    serde_json::from_value(serde_json::Value::String(s.on_conflict.clone())).unwrap_or_default()
}
