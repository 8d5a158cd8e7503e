//! Simulator of the Fangcloud (亿方云) Open API v2
//! (`shared/upstream-docs/fangcloud-open-api-v2.txt`).
//!
//! One port serves what the real service spreads over hosts: the OAuth host
//! (`POST /oauth/token`), the API (`/api/v2/...`), the upload host (`POST /upload/{key}` — the
//! pre-signed `presign_url`) and the download host (`GET /download/{key}/{name}`), plus the
//! shared test-control routes under `/__sim`. Where the document's extraction lost a path, the
//! official SDKs' (yifangyun/fangcloud-java-sdk, -php-sdk, -python-sdk) is used and said so
//! next to the handler.

mod access;
mod collab;
mod comments;
pub mod demo;
mod directory;
mod download;
mod envelope;
mod files;
mod folders;
mod oauth;
mod ops;
mod params;
mod ratelimit;
mod render;
mod routes;
mod search;
mod sharelinks;
mod state;
mod trash;
mod tree;
mod upload;
mod versions;

use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::response::{IntoResponse, Response};

use super::control::{self, Control, Flavor};
use envelope::ApiError;
use oauth::SharedTokens;
use ratelimit::RateLimiter;
use state::Store;

pub use envelope::status_for;
pub use oauth::RefreshPolicy;
pub use render::ChildrenField;

/// How to run the simulator.
#[derive(Debug, Clone)]
pub struct Options {
    /// 0 = any free port.
    pub port: u16,
    /// Lifetime of issued access tokens (document: 6 hours).
    pub token_ttl: Duration,
    /// Seed the demo enterprise (see [`demo`]); otherwise only the enterprise and its app
    /// user exist.
    pub demo_data: bool,
    /// Calls per token per `rate_window` (document, 频次限制).
    pub rate_limit: u32,
    pub rate_window: Duration,
    /// How long a pre-signed upload URL stays usable.
    pub presign_ttl: Duration,
    /// What a refresh does to the tokens it replaces (undocumented; reusable by default).
    pub refresh_policy: RefreshPolicy,
    /// Which field of `department/{id}/children` tells of sub-departments.
    pub children_field: ChildrenField,
    /// With `demo_data`, also a folder of this many small files (none when 0; see
    /// [`demo::seed_items`]); its id is `Sim::seeded_folder`.
    pub seed_items: usize,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            port: 0,
            token_ttl: oauth::DEFAULT_TOKEN_TTL,
            demo_data: true,
            rate_limit: 600,
            rate_window: Duration::from_secs(60),
            presign_ttl: Duration::from_secs(3600),
            refresh_policy: RefreshPolicy::default(),
            children_field: ChildrenField::default(),
            seed_items: 0,
        }
    }
}

/// A running simulator. Dropping it stops the server and deletes the stored files.
pub type Sim = control::Simulator<Options>;

/// State shared by every handler.
pub(crate) struct App {
    pub base_url: String,
    pub client_id: String,
    pub client_secret: String,
    pub enterprise_id: i64,
    pub token_ttl: Duration,
    pub presign_ttl: Duration,
    pub refresh_policy: RefreshPolicy,
    pub children_field: ChildrenField,
    pub store: Mutex<Store>,
    pub tokens: SharedTokens,
    pub limiter: RateLimiter,
    pub control: Arc<Control>,
    pub dir: PathBuf,
}

impl App {
    /// The store; never held across an `.await`.
    pub fn store(&self) -> MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A fresh path for an upload in progress.
    pub fn tmp_path(&self) -> PathBuf {
        self.dir
            .join(format!("upload-{}", uuid::Uuid::new_v4().simple()))
    }
}

/// How Fangcloud renders faults (see [`control::Flavor`]).
struct FangFlavor {
    tokens: SharedTokens,
    limit: u32,
}

impl Flavor for FangFlavor {
    fn error(&self, code: &str, message: &str) -> Response {
        ApiError::new(code).with_msg(message).into_response()
    }

    fn rate_limited(&self, retry_after_secs: u64) -> Response {
        ratelimit::limited_response(self.limit, retry_after_secs)
    }

    fn server_error(&self, status: axum::http::StatusCode) -> Response {
        ApiError::new("internal_server_error")
            .with_status(status)
            .into_response()
    }

    fn revoke_tokens(&self) {
        self.tokens
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .revoke_all();
    }
}

pub async fn start(opts: Options) -> std::io::Result<Sim> {
    let dir = tempfile::Builder::new()
        .prefix("fangcloud-sim-")
        .tempdir()?;
    let mut store = Store::new(demo::enterprise(), dir.path().to_path_buf());
    store.users.insert(demo::USER_ID, demo::app_user());
    let mut seeded_folder = None;
    if opts.demo_data {
        demo::seed(&mut store)?;
        if opts.seed_items > 0 {
            seeded_folder = Some(demo::seed_items(&mut store, opts.seed_items)?);
        }
    }
    let tokens = SharedTokens::default();
    let control = Control::new(FangFlavor {
        tokens: tokens.clone(),
        limit: opts.rate_limit,
    });
    let build = |base: &str| {
        Arc::new(App {
            base_url: base.to_owned(),
            client_id: demo::CLIENT_ID.to_owned(),
            client_secret: demo::CLIENT_SECRET.to_owned(),
            enterprise_id: demo::ENTERPRISE_ID,
            token_ttl: opts.token_ttl,
            presign_ttl: opts.presign_ttl,
            refresh_policy: opts.refresh_policy,
            children_field: opts.children_field,
            store: Mutex::new(store),
            tokens,
            limiter: RateLimiter::new(opts.rate_limit, opts.rate_window),
            control: control.clone(),
            dir: dir.path().to_path_buf(),
        })
    };
    let (running, app) = control::spawn_state(opts.port, build, routes::router).await?;
    Ok(Sim::new(running, control, app, dir).seeded(seeded_folder.map(|id| id.to_string())))
}
