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

use axum::Router;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

use super::control::{self, Control, Flavor, Running};
use envelope::ApiError;
use oauth::SharedTokens;
use ratelimit::RateLimiter;
use state::Store;

pub use envelope::status_for;

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
        }
    }
}

/// A running simulator. Dropping it stops the server and deletes the stored files.
pub struct Sim {
    pub base_url: String,
    pub control: Arc<Control>,
    _running: Running,
    _app: Arc<App>,
    _dir: tempfile::TempDir,
}

/// State shared by every handler.
pub struct App {
    pub base_url: String,
    pub client_id: String,
    pub client_secret: String,
    pub enterprise_id: i64,
    pub token_ttl: Duration,
    pub presign_ttl: Duration,
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
    if opts.demo_data {
        demo::seed(&mut store)?;
    }
    let tokens = SharedTokens::default();
    let control = Control::new(FangFlavor {
        tokens: tokens.clone(),
        limit: opts.rate_limit,
    });
    let mut made: Option<Arc<App>> = None;
    let running = control::spawn(opts.port, |base| {
        let app = Arc::new(App {
            base_url: base.to_owned(),
            client_id: demo::CLIENT_ID.to_owned(),
            client_secret: demo::CLIENT_SECRET.to_owned(),
            enterprise_id: demo::ENTERPRISE_ID,
            token_ttl: opts.token_ttl,
            presign_ttl: opts.presign_ttl,
            store: Mutex::new(store),
            tokens,
            limiter: RateLimiter::new(opts.rate_limit, opts.rate_window),
            control: control.clone(),
            dir: dir.path().to_path_buf(),
        });
        made = Some(app.clone());
        router(app)
    })
    .await?;
    let app = made.ok_or_else(|| std::io::Error::other("simulator state was not built"))?;
    Ok(Sim {
        base_url: running.base_url.clone(),
        control,
        _running: running,
        _app: app,
        _dir: dir,
    })
}

/// Counts each upstream function served under its path pattern without the `/api/v2/`
/// prefix and the `{…}` segments (`file/info_v2`, `folder/children`, `oauth/token`…).
async fn count_calls(
    matched: Option<MatchedPath>,
    State(control): State<Arc<Control>>,
    req: Request,
    next: Next,
) -> Response {
    if let Some(m) = matched {
        let name: Vec<&str> = m
            .as_str()
            .trim_start_matches("/api/v2/")
            .trim_start_matches('/')
            .split('/')
            .filter(|s| !s.starts_with('{'))
            .collect();
        control.count_call(&name.join("/"));
    }
    next.run(req).await
}

/// Unknown API paths (the document names no code for them).
async fn not_found() -> Response {
    ApiError::new("not_found")
        .with_status(axum::http::StatusCode::NOT_FOUND)
        .into_response()
}

fn api_routes() -> Router<Arc<App>> {
    Router::new()
        .route("/oauth/token", post(oauth::token))
        // users, departments, groups (user level)
        .route("/api/v2/user/info", get(directory::me))
        .route("/api/v2/user/space_usage", get(directory::space_usage))
        .route("/api/v2/user/update", post(directory::update_me))
        .route("/api/v2/user/search", get(directory::search_users))
        .route("/api/v2/user/{id}/info", get(directory::user))
        .route("/api/v2/department/{id}/info", get(directory::department))
        .route(
            "/api/v2/department/{id}/children",
            get(directory::department_children),
        )
        .route(
            "/api/v2/department/{id}/users",
            get(directory::department_users),
        )
        .route("/api/v2/group/list", get(directory::groups))
        .route("/api/v2/group/{id}/users", get(directory::group_users))
        // enterprise level
        .route("/api/v2/admin/user/all", get(directory::admin_users))
        .route(
            "/api/v2/admin/user/get_user_info",
            get(directory::admin_user_by_identifier),
        )
        .route("/api/v2/admin/user/{id}/info", get(directory::admin_user))
        .route(
            "/api/v2/admin/department/{id}/info",
            get(directory::admin_department),
        )
        .route(
            "/api/v2/admin/department/{id}/children",
            get(directory::admin_department_children),
        )
        .route(
            "/api/v2/admin/department/{id}/users",
            get(directory::admin_department_users),
        )
        .route("/api/v2/admin/group/list", get(directory::admin_groups))
        .route("/api/v2/admin/group/{id}/info", get(directory::admin_group))
        .route(
            "/api/v2/admin/group/{id}/users",
            get(directory::admin_group_users),
        )
        // folders
        .route(
            "/api/v2/folder/personal_items",
            get(folders::personal_items),
        )
        .route(
            "/api/v2/folder/department_folders",
            get(folders::department_folders),
        )
        .route(
            "/api/v2/folder/collab_folders",
            get(folders::collab_folders),
        )
        .route("/api/v2/folder/create", post(folders::create))
        .route(
            "/api/v2/folder/create_by_path",
            post(folders::create_by_path),
        )
        .route("/api/v2/folder/{id}/children", get(folders::children))
        .route("/api/v2/folder/{id}/info", get(folders::info))
        .route("/api/v2/folder/{id}/update", post(folders::update))
        .route("/api/v2/folder/{id}/move", post(folders::move_folder))
        .route("/api/v2/folder/{id}/copy", post(folders::copy))
        .route("/api/v2/folder/{id}/delete", post(trash::delete_folder))
        .route("/api/v2/folder/{id}/trash", get(trash::folder_trash_info))
        .route(
            "/api/v2/folder/{id}/restore_from_trash",
            post(trash::restore_folder),
        )
        .route(
            "/api/v2/folder/{id}/delete_from_trash",
            post(trash::purge_folder),
        )
        .route("/api/v2/folder/{id}/collabs", get(collab::list))
        // files
        .route("/api/v2/file/upload_v2", post(upload::upload_v2))
        .route("/api/v2/file/upload_by_path", post(upload::upload_by_path))
        .route(
            "/api/v2/file/create_blank_file",
            post(files::create_blank_file),
        )
        .route("/api/v2/file/recent_items", get(files::recent_items))
        .route("/api/v2/file/{id}/info", get(files::info))
        .route("/api/v2/file/{id}/info_v2", get(files::info))
        .route("/api/v2/file/{id}/update", post(files::update))
        .route("/api/v2/file/{id}/move", post(files::move_file))
        .route("/api/v2/file/{id}/copy", post(files::copy))
        .route("/api/v2/file/{id}/copy_by_path", post(files::copy_by_path))
        .route("/api/v2/file/{id}/mark_as_used", post(files::mark_as_used))
        .route("/api/v2/file/{id}/download", get(download::download_url))
        .route(
            "/api/v2/file/{id}/new_version_v2",
            post(upload::new_version_v2),
        )
        .route("/api/v2/file/{id}/versions", get(versions::list))
        .route(
            "/api/v2/file/{id}/version/{version_id}/info",
            get(versions::info),
        )
        .route(
            "/api/v2/file/{id}/version/{version_id}/promote",
            post(versions::promote),
        )
        .route(
            "/api/v2/file/{id}/version/{version_id}/delete",
            post(versions::delete),
        )
        .route("/api/v2/file/{id}/delete", post(trash::delete_file))
        .route("/api/v2/file/{id}/trash", get(trash::file_trash_info))
        .route(
            "/api/v2/file/{id}/restore_from_trash",
            post(trash::restore_file),
        )
        .route(
            "/api/v2/file/{id}/delete_from_trash",
            post(trash::purge_file),
        )
        .route("/api/v2/file/{id}/comments", get(comments::list))
        // trash, search, comments, collaboration
        .route("/api/v2/trash/list", get(trash::list))
        .route("/api/v2/trash/clear", post(trash::clear))
        .route("/api/v2/trash/restore_all", post(trash::restore_all))
        .route("/api/v2/item/search", get(search::search))
        .route("/api/v2/comment/create", post(comments::create))
        .route("/api/v2/comment/{id}/delete", post(comments::delete))
        .route("/api/v2/collab/invite", post(collab::invite))
        .route("/api/v2/collab/batch_invite", post(collab::batch_invite))
        .route("/api/v2/collab/{id}/info", get(collab::info))
        .route("/api/v2/collab/{id}/update", post(collab::update))
        .route("/api/v2/collab/{id}/delete", post(collab::delete))
        .route("/api/v2/share_link/create", post(sharelinks::create))
        .route(
            "/api/v2/share_link/{unique_name}/info",
            get(sharelinks::info),
        )
        .route(
            "/api/v2/share_link/{unique_name}/update",
            post(sharelinks::update),
        )
        .route(
            "/api/v2/share_link/{unique_name}/revoke",
            post(sharelinks::revoke),
        )
        .route("/api/v2/file/{id}/share_links", get(sharelinks::file_links))
        .route(
            "/api/v2/folder/{id}/share_links",
            get(sharelinks::folder_links),
        )
}

fn router(app: Arc<App>) -> Router {
    let control = app.control.clone();
    let count = middleware::from_fn_with_state(control.clone(), count_calls);
    let api = api_routes()
        .fallback(not_found)
        .route_layer(count.clone())
        .with_state(app.clone())
        .layer(middleware::from_fn_with_state(
            control.clone(),
            control::fault_layer,
        ))
        .layer(middleware::from_fn_with_state(
            app.clone(),
            ratelimit::layer,
        ));
    let hosts = Router::new()
        .route("/upload/{a}/{b}", post(upload::receive_upload))
        .route("/download/{key}/{name}", get(download::serve))
        .route_layer(count)
        .layer(DefaultBodyLimit::disable())
        .with_state(app)
        .layer(middleware::from_fn_with_state(
            control.clone(),
            control::fault_layer,
        ));
    control::router(control).merge(hosts).merge(api)
}
