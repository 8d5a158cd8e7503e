//! Simulator of a OneBot 11 implementation (Shamrock-like) serving QQ group and private files
//! over HTTP, following `upstream-docs/onebot-shamrock-group-files.md` and the OneBot section
//! of `upstream-docs/README.md`.
//!
//! Routes:
//! - `POST /{action}` (JSON or form body) and `GET /{action}?…` — the actions in [`ACTIONS`];
//!   access token as `Authorization: Bearer …` or `?access_token=`.
//! - `GET /ftn_handler/{key}/?fname=…` — download URLs from `get_group_file_url`.
//! - `/__sim/...` — the shared test-control routes ([`control::router`]).
//!
//! Modules: `envelope` (answer shape, retcodes, flavor), `params` / `json_stream` /
//! `form_stream` / `file_arg` (parameter decoding, streaming base64 to disk), `dispatch`
//! (auth and routing of actions), `groups`, `files`, `folders`, `upload`, `download`,
//! `state`, [`demo`].

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::Method;
use axum::middleware::{Next, from_fn_with_state};
use axum::response::Response;
use axum::routing::{any, get};
use tempfile::TempDir;

use crate::sandbox::control::{self, Control, Running};

pub mod demo;
mod dispatch;
mod download;
mod envelope;
mod file_arg;
mod file_source;
mod files;
mod folders;
mod form_stream;
mod groups;
mod json_stream;
mod params;
mod state;
mod upload;

pub use dispatch::ACTIONS;
pub use envelope::{
    RETCODE_BAD_REQUEST, RETCODE_FAILED, RETCODE_FORBIDDEN, RETCODE_OK, RETCODE_UNAUTHORIZED,
    RETCODE_UNKNOWN_ACTION,
};
pub use file_source::{PATH_COUNTER, URL_COUNTER};
pub use folders::MAX_NAME_BYTES;
pub use state::Profile;

use envelope::OneBotFlavor;
use state::Shared;

/// QQ's limits for an ordinary group, as go-cqhttp's `get_group_file_system_info` sample
/// reports them (the document gives no values): 10000 files, 10 GiB.
pub const DEFAULT_FILE_COUNT_LIMIT: u32 = 10_000;
pub const DEFAULT_TOTAL_SPACE: u64 = 10 * 1024 * 1024 * 1024;
/// Default request-body limit: a 100 MB file is ~134 MB of base64 JSON.
pub const DEFAULT_MAX_BODY_BYTES: usize = 256 * 1024 * 1024;
/// Default lifetime of `get_group_file_url` links (the document is silent; QQ's links last
/// hours, the simulator uses one).
pub const DEFAULT_FILE_URL_TTL: Duration = Duration::from_secs(3600);

pub struct Options {
    pub port: u16,
    /// Unused: a OneBot access token is a static shared secret configured on both sides and
    /// never expires (no token endpoint exists). Defaults to [`Duration::MAX`]. Use
    /// `POST /__sim/tokens/revoke` to make the token invalid.
    pub token_ttl: Duration,
    pub demo_data: bool,
    /// The static access token (empty: no authentication, as OneBot 11 allows).
    pub access_token: String,
    /// Largest accepted request body; larger ones get HTTP 413.
    pub max_body_bytes: usize,
    /// File-count limit of every seeded group (`limit_count`).
    pub file_count_limit: u32,
    /// Space limit of every seeded group in bytes (`total_space`).
    pub total_space: u64,
    /// Lifetime of the URLs answered by `get_group_file_url`.
    pub file_url_ttl: Duration,
    /// Which implementation to behave as where they differ (`folder` on
    /// `upload_group_file`: go-cqhttp honours it, Shamrock — the default — ignores it).
    pub profile: Profile,
    /// With `demo_data`, also a folder of this many small files in the demo group (none when
    /// 0; see [`demo::seed_items`]); its id is [`demo::SEEDED_FOLDER_ID`].
    pub seed_items: usize,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            port: 0,
            token_ttl: Duration::MAX,
            demo_data: true,
            access_token: demo::ACCESS_TOKEN.to_owned(),
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            file_count_limit: DEFAULT_FILE_COUNT_LIMIT,
            total_space: DEFAULT_TOTAL_SPACE,
            file_url_ttl: DEFAULT_FILE_URL_TTL,
            profile: Profile::default(),
            seed_items: 0,
        }
    }
}

/// A running simulator. Dropping it stops the server and deletes every stored file.
pub struct Sim {
    pub base_url: String,
    pub control: Arc<Control>,
    // Field order is drop order: stop serving, then delete the files.
    _running: Running,
    shared: Arc<Shared>,
    dir: TempDir,
}

impl Sim {
    /// The directory holding stored file contents (removed when the simulator is dropped).
    pub fn storage_dir(&self) -> &Path {
        self.dir.path()
    }

    /// The access token the simulator expects.
    pub fn access_token(&self) -> &str {
        &self.shared.access_token
    }
}

pub async fn start(opts: Options) -> std::io::Result<Sim> {
    let dir = tempfile::Builder::new()
        .prefix("filegate-onebot-")
        .tempdir()?;
    let mut data = demo::data(&opts, dir.path())?;
    if opts.demo_data && opts.seed_items > 0 {
        demo::seed_items(&mut data, dir.path(), opts.seed_items)?;
    }
    let revoked = Arc::new(AtomicBool::new(false));
    let control = Control::new(OneBotFlavor {
        revoked: revoked.clone(),
    });
    let build = |base_url: &str| {
        Arc::new(Shared {
            base_url: base_url.to_owned(),
            access_token: opts.access_token.clone(),
            revoked,
            blob_dir: dir.path().to_path_buf(),
            max_body_bytes: opts.max_body_bytes,
            file_url_ttl: opts.file_url_ttl,
            profile: opts.profile,
            control: control.clone(),
            data: std::sync::Mutex::new(data),
        })
    };
    let (running, shared) = control::spawn_state(opts.port, build, router).await?;
    Ok(Sim {
        base_url: running.base_url.clone(),
        control,
        _running: running,
        shared,
        dir,
    })
}

fn router(shared: Arc<Shared>) -> Router {
    let control = shared.control.clone();
    // Request bodies are read as a raw stream by `params::read`, which enforces
    // `max_body_bytes` itself (axum's `DefaultBodyLimit` only guards buffering extractors).
    let upstream = Router::new()
        .route("/{action}", any(dispatch::action))
        .route("/ftn_handler/{key}/", get(download::download))
        // A download URL is GET only: another method names no action either.
        .method_not_allowed_fallback(unknown_path)
        .fallback(unknown_path)
        .with_state(shared.clone())
        .layer(from_fn_with_state(control.clone(), control::fault_layer));
    let sim = control::router(control).layer(from_fn_with_state(shared.revoked.clone(), on_reset));
    upstream.merge(sim)
}

/// A path that names no action (`/a/b`, or a download URL with a method other than GET): an
/// unknown action, in the OneBot envelope.
async fn unknown_path() -> Response {
    envelope::refuse(
        axum::http::StatusCode::NOT_FOUND,
        RETCODE_UNKNOWN_ACTION,
        "unknown action",
    )
}

/// `POST /__sim/reset` also makes a revoked access token valid again (the shared control
/// surface resets only its own counters and faults).
async fn on_reset(State(revoked): State<Arc<AtomicBool>>, req: Request, next: Next) -> Response {
    let is_reset = req.method() == Method::POST && req.uri().path() == "/__sim/reset";
    let response = next.run(req).await;
    if is_reset && response.status().is_success() {
        revoked.store(false, Ordering::SeqCst);
    }
    response
}
