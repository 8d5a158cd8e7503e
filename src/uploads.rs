//! Resumable uploads, staged by the gateway.
//!
//! The caller sends parts in any order (and may resend one). Each part is received into its
//! own temporary file next to the session's parts and only renamed into place (and recorded in
//! the store) once it arrived whole with its declared length and, when the caller sent one, the
//! right `Content-Digest` (sha-256) or `Content-MD5`: a re-send that breaks off or does not
//! match leaves the earlier good part as it was. `complete` claims the session in the store (one
//! atomic `UPDATE`, so one claim wins across tasks and replicas), assembles the parts into a
//! spool file, checks the assembled length and the optional whole-file `Repr-Digest`, and hands
//! it to the adapter's ordinary upload — so WeCom's block SHAs, OneBot's base64 and Fangcloud's
//! pre-signed POST all work the same way. The answer is stored with the session: later
//! `complete` calls get it again (201, same body); calls while it runs get 409
//! `upload_in_progress` with `Retry-After`. Staging lives under
//! `<spool_dir>/filegate-staging/<session>/`; with several replicas that directory must be
//! shared (or uploads routed to one replica). Expired sessions are swept every minute.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use chrono::{DateTime, Utc};
use futures::{Stream, StreamExt, TryStreamExt};
use serde::Serialize;
use tokio::io::AsyncWriteExt;
use utoipa::ToSchema;

use crate::digest::{Expected, Hasher};
use crate::error::{ApiError, ApiResult};
use crate::model::ids::{self, IdKind};
use crate::model::{OnConflict, Provider, UploadResult};
use crate::spool::Spooled;
use crate::store::{Store, UploadSession};

/// State of a resumable upload.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(examples(json!({
    "id": "AXV3IDdmM2E5YzFlNGI", "name": "video.mp4", "parent_id": null, "size": 20971520,
    "part_size": 8388608, "part_count": 3, "parts_received": [1, 3],
    "expires_at": "2026-05-07T08:00:00Z", "state": "open"
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
    pub state: UploadState,
    /// The answer `complete` gave, once `state` is `completed` (later `complete` calls
    /// answer it again): a client that lost that answer finds its file here.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result: Option<UploadResult>,
}

/// Where a resumable upload stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum UploadState {
    /// Taking parts.
    Open,
    /// One `complete` is sending the file upstream; parts are refused meanwhile.
    Completing,
    /// Done; the file exists upstream.
    Completed,
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
    /// How long a `complete` claim holds before another may take it over (a replica that died
    /// mid-complete): the transfer timeout, after which the first one has given up anyway.
    claim_ttl: Duration,
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
        claim_ttl: Duration,
    ) -> std::io::Result<Self> {
        let dir = spool_dir.join("filegate-staging");
        std::fs::create_dir_all(&dir)?;
        Ok(Self {
            dir,
            store,
            part_size,
            ttl,
            claim_ttl,
        })
    }

    /// The session's directory: its parts (`part-<n>`) and parts still arriving.
    fn dir(&self, session: &UploadSession) -> PathBuf {
        // The id is an opaque, URL-safe token we minted; only its characters name the dir.
        self.dir.join(
            session
                .id
                .replace(|c: char| !c.is_ascii_alphanumeric(), "_"),
        )
    }

    fn part_file(&self, session: &UploadSession, n: u32) -> PathBuf {
        self.dir(session).join(format!("part-{n}"))
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
            state: "open".into(),
            result: None,
        };
        tokio::fs::create_dir_all(self.dir(&session))
            .await
            .map_err(ApiError::internal)?;
        self.store
            .create_upload(&session)
            .await
            .map_err(ApiError::internal)?;
        Ok(info(&session, Vec::new()))
    }

    /// The session as the store holds it now: `not_found` once it is gone (swept or
    /// discarded), so a re-read sees what another request changed meanwhile.
    async fn load(&self, id: &str) -> ApiResult<UploadSession> {
        self.store
            .get_upload(id)
            .await
            .map_err(ApiError::internal)?
            .ok_or_else(not_found)
    }

    /// The session, if it exists, belongs to this connection/space/caller and has not expired.
    pub async fn get(
        &self,
        id: &str,
        connection: &str,
        space: &str,
        owner: &str,
    ) -> ApiResult<UploadSession> {
        let s = self.load(id).await?;
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

    /// Receives part `n` (1-based) from `body`, which must be exactly the part's size and match
    /// `expected` when given. The part is committed (renamed into place, then recorded) only
    /// then; on any failure the temporary file goes and an earlier copy of the part stays.
    pub async fn put_part<S, E>(
        &self,
        s: &UploadSession,
        n: u32,
        declared_len: Option<u64>,
        expected: &Expected,
        body: S,
    ) -> ApiResult<UploadSessionInfo>
    where
        S: Stream<Item = Result<Bytes, E>> + Send,
        E: std::error::Error + Send + Sync + 'static,
    {
        still_open(s)?;
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
        let expected_len = part_size.min(size - offset.min(size));
        let wrong_size = |got: Option<u64>| {
            let detail = match got {
                Some(got) => format!("part {n} must be exactly {expected_len} bytes, got {got}"),
                None => format!("part {n} must be exactly {expected_len} bytes"),
            };
            ApiError::bad_request("part_size_mismatch", detail)
        };
        if declared_len.is_some_and(|l| l != expected_len) {
            return Err(wrong_size(None));
        }
        let (file, temp) = tempfile::Builder::new()
            .prefix(&format!(".incoming-{n}-"))
            .tempfile_in(self.dir(s))
            .map_err(|_| not_found())?
            .into_parts();
        let mut out =
            tokio::io::BufWriter::with_capacity(256 * 1024, tokio::fs::File::from_std(file));
        let mut hasher = Hasher::for_expected(expected);
        let mut written = 0u64;
        let mut body = std::pin::pin!(body);
        while let Some(chunk) = body.next().await {
            let chunk = chunk.map_err(|_| {
                ApiError::bad_request(
                    "upload_incomplete",
                    "the part's body ended early; the part was not stored (an earlier copy stays)",
                )
            })?;
            written += chunk.len() as u64;
            if written > expected_len {
                return Err(wrong_size(None));
            }
            hasher.update(&chunk);
            out.write_all(&chunk).await.map_err(ApiError::internal)?;
        }
        if written != expected_len {
            return Err(wrong_size(Some(written)));
        }
        expected.verify(&hasher)?;
        out.flush().await.map_err(ApiError::internal)?;
        out.into_inner()
            .sync_data()
            .await
            .map_err(ApiError::internal)?;
        // A `complete` may have claimed the session while the bytes arrived.
        let now = self.load(&s.id).await?;
        still_open(&now)?;
        // rename(2) replaces the old part atomically: a reader sees the old or the new copy.
        temp.persist(self.part_file(s, n))
            .map_err(|e| ApiError::internal(e.error))?;
        self.store
            .record_part(&s.id, i64::from(n), i64::try_from(written).unwrap_or(0))
            .await
            .map_err(ApiError::internal)?;
        self.info(s).await
    }

    /// The assembled file, once every part is there with its size; checks the total length
    /// and `whole` (the caller's whole-file digest) when given.
    async fn assemble(
        &self,
        s: &UploadSession,
        whole: &Expected,
        needs: crate::spool::Needs,
    ) -> ApiResult<Spooled> {
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
        let paths: Vec<PathBuf> = (1..=info.part_count)
            .map(|n| self.part_file(s, n))
            .collect();
        let mut hasher = Hasher::for_expected(whole);
        let parts = futures::stream::iter(paths)
            .then(|p| async move {
                tokio::fs::File::open(p)
                    .await
                    .map(|f| tokio_util::io::ReaderStream::with_capacity(f, 256 * 1024))
            })
            .try_flatten()
            .map_ok(|chunk| {
                hasher.update(&chunk);
                chunk
            });
        let spooled = crate::spool::spool(&self.dir, parts, info.size, needs).await?;
        if spooled.size != info.size {
            return Err(ApiError::internal(format!(
                "staged upload {} has {} bytes, expected {}",
                s.id, spooled.size, info.size
            )));
        }
        whole.verify(&hasher)?;
        Ok(spooled)
    }

    /// Completes `s` once: claims it, assembles and checks the file, and runs `upload` on it in
    /// a task of its own (a caller who goes away does not cancel it halfway), then records the
    /// answer. A completed session answers its stored result; one being completed, 409
    /// `upload_in_progress`. If `upload` fails the session opens again for another `complete`.
    /// `needs`: the digests the provider's protocol wants of the whole file.
    pub async fn complete<F, Fut>(
        self: &Arc<Self>,
        s: UploadSession,
        whole: Expected,
        needs: crate::spool::Needs,
        upload: F,
    ) -> ApiResult<UploadResult>
    where
        F: FnOnce(Spooled) -> Fut + Send + 'static,
        Fut: std::future::Future<Output = ApiResult<UploadResult>> + Send + 'static,
    {
        if let Some(done) = completed(&s)? {
            return Ok(done);
        }
        let now = Utc::now().timestamp();
        let stale = now - i64::try_from(self.claim_ttl.as_secs()).unwrap_or(i64::MAX);
        let claimed = self
            .store
            .claim_upload(&s.id, now, stale)
            .await
            .map_err(ApiError::internal)?;
        if !claimed {
            let now = self.load(&s.id).await?;
            return match completed(&now)? {
                Some(done) => Ok(done),
                None => Err(in_progress()),
            };
        }
        let this = self.clone();
        let task = tokio::spawn(async move {
            let outcome = match this.assemble(&s, &whole, needs).await {
                Ok(content) => upload(content).await,
                Err(e) => Err(e),
            };
            let stored = outcome
                .as_ref()
                .ok()
                .and_then(|r| serde_json::to_string(r).ok());
            let finish = this.store.finish_upload(&s.id, stored.as_deref()).await;
            if stored.is_some() {
                // The answer is recorded; the parts are no longer needed.
                if let Err(e) = tokio::fs::remove_dir_all(this.dir(&s)).await {
                    tracing::warn!(error = %e, "cannot remove a completed upload's parts");
                }
            }
            finish.map_err(ApiError::internal)?;
            outcome
        });
        task.await.map_err(ApiError::internal)?
    }

    /// Removes a session and its parts. A session being completed stays (409).
    pub async fn discard(&self, s: &UploadSession) -> ApiResult<()> {
        if s.state == "completing" {
            return Err(in_progress());
        }
        self.store
            .delete_upload(&s.id)
            .await
            .map_err(ApiError::internal)?;
        match tokio::fs::remove_dir_all(self.dir(s)).await {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(ApiError::internal(e)),
            _ => Ok(()),
        }
    }

    /// Deletes expired sessions (and expired `Idempotency-Key` answers); returns how many
    /// sessions.
    pub async fn sweep(&self) -> usize {
        if let Err(e) = self.store.purge_idempotency(Utc::now().timestamp()).await {
            tracing::warn!(error = %e, "cannot purge expired idempotency keys");
        }
        let ids = match self.store.expired_uploads(Utc::now().timestamp()).await {
            Ok(ids) => ids,
            Err(e) => {
                tracing::warn!(error = %e, "cannot list expired uploads");
                return 0;
            }
        };
        let mut n = 0;
        for id in ids {
            if let Ok(Some(mut s)) = self.store.get_upload(&id).await
                && {
                    // Expired: even a claim left behind by a dead replica goes.
                    s.state = "expired".into();
                    self.discard(&s).await.is_ok()
                }
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
    let state = match s.state.as_str() {
        "completing" => UploadState::Completing,
        "completed" => UploadState::Completed,
        _ => UploadState::Open,
    };
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
        state,
        result: completed(s).ok().flatten(),
    }
}

fn in_progress() -> ApiError {
    ApiError::InProgress {
        code: "upload_in_progress",
        detail: "this upload is being completed; retry to get its answer".into(),
    }
}

/// Parts may be sent only while the session is open.
fn still_open(s: &UploadSession) -> ApiResult<()> {
    match s.state.as_str() {
        "open" => Ok(()),
        "completing" => Err(in_progress()),
        _ => Err(ApiError::Conflict {
            code: "upload_completed",
            detail: "this upload is complete; it takes no more parts".into(),
        }),
    }
}

/// The stored answer of a completed session.
fn completed(s: &UploadSession) -> ApiResult<Option<UploadResult>> {
    match (&*s.state, &s.result) {
        ("completed", Some(json)) => serde_json::from_str(json)
            .map(Some)
            .map_err(ApiError::internal),
        _ => Ok(None),
    }
}

pub fn on_conflict(s: &UploadSession) -> OnConflict {
    serde_json::from_value(serde_json::Value::String(s.on_conflict.clone())).unwrap_or_default()
}
