//! Simulator of WeCom WeDrive (企业微信微盘), following `upstream-docs/wecom-wedrive.txt` and
//! the WeCom section of `upstream-docs/README.md`.
//!
//! Routes (all answers of the API are HTTP 200 with WeCom's `errcode`/`errmsg` envelope):
//! - `GET  /cgi-bin/gettoken?corpid=&corpsecret=` → `access_token`, `expires_in`
//! - `POST /cgi-bin/wedrive/<function>?access_token=…` with a JSON body, for every function of
//!   the document (see [`FUNCTIONS`])
//! - `GET  /wedrive/download/<key>` — the `download_url` of file_download (needs its cookie)
//! - `GET  /s?k=…`, `GET /wedoc/<doc|sheet>/<fileid>` — pages behind share links and document
//!   URLs (not API)
//! - `/__sim/...` — the shared test controls (`control`)
//!
//! Error codes: `crate::providers::wecom::errcodes`.

mod acl;
mod capacity;
pub mod demo;
mod directory;
mod download;
mod envelope;
mod files;
mod links;
mod model;
mod names;
mod request;
mod sharing;
mod spaces;
mod state;
mod token;
mod upload;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

use crate::providers::wecom::errcodes;
use crate::sandbox::control::{self, Control};
use envelope::{ApiError, WeComFlavor, respond};
use request::Obj;
use state::Drive;
use token::Tokens;

/// Every WeDrive function of the document, as `POST /cgi-bin/wedrive/<function>`.
pub const FUNCTIONS: &[&str] = &[
    "space_create",
    "space_rename",
    "space_dismiss",
    "space_info",
    "new_space_info",
    "space_setting",
    "space_share",
    "space_acl_add",
    "space_acl_del",
    "file_list",
    "file_info",
    "file_create",
    "file_rename",
    "file_move",
    "file_delete",
    "file_download",
    "file_upload",
    "file_upload_init",
    "file_upload_part",
    "file_upload_finish",
    "file_acl_add",
    "file_acl_del",
    "file_setting",
    "file_share",
    "get_file_permission",
    "file_secure_setting",
    "mng_pro_info",
    "mng_capacity",
];

/// Request bodies larger than this are refused (40006) before parsing; file_upload's 10 MB of
/// base64 is about 14 MB.
const MAX_BODY: usize = 32 * 1024 * 1024;

/// The document's sample `total_capacity_for_all`.
pub const DEFAULT_CAPACITY: u64 = 22_666_689_904_640;

pub struct Options {
    /// 0 = any free port.
    pub port: u16,
    /// Lifetime of issued access tokens (WeCom: 7200 s).
    pub token_ttl: Duration,
    /// Seed the demo data of [`demo`].
    pub demo_data: bool,
    /// Per-token budget of WeDrive calls per minute; over it calls answer 45009. None = no limit.
    pub calls_per_minute: Option<u32>,
    /// `total_capacity_for_all` of mng_capacity; uploads beyond what is left answer 640007.
    pub capacity_bytes: u64,
    /// With `demo_data`, also a folder of this many small files (none when 0; see
    /// [`demo::seed_items`]); its id is `Sim::seeded_folder`.
    pub seed_items: usize,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            port: 0,
            token_ttl: Duration::from_secs(7200),
            demo_data: true,
            calls_per_minute: None,
            capacity_bytes: DEFAULT_CAPACITY,
            seed_items: 0,
        }
    }
}

/// A running simulator. Dropping it stops the server and removes every file it stored.
pub type Sim = control::Simulator<Options>;

/// State shared by the handlers.
pub(crate) struct App {
    base_url: String,
    control: Arc<Control>,
    tokens: Arc<Mutex<Tokens>>,
    drive: Mutex<Drive>,
    capacity: u64,
    pro_expire_time: u64,
}

impl App {
    fn drive(&self) -> MutexGuard<'_, Drive> {
        self.drive.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn tokens(&self) -> MutexGuard<'_, Tokens> {
        self.tokens.lock().unwrap_or_else(|e| e.into_inner())
    }
}

pub async fn start(opts: Options) -> std::io::Result<Sim> {
    let dir = tempfile::tempdir()?;
    std::fs::create_dir_all(dir.path().join("blobs"))?;
    std::fs::create_dir_all(dir.path().join("spool"))?;
    let mut drive = Drive::new(dir.path().to_owned());
    let mut seeded_folder = None;
    if opts.demo_data {
        demo::seed(&mut drive)?;
        if opts.seed_items > 0 {
            seeded_folder = Some(demo::seed_items(&mut drive, opts.seed_items)?);
        }
    }
    let tokens = Arc::new(Mutex::new(Tokens::new(
        opts.token_ttl,
        opts.calls_per_minute,
    )));
    let control = Control::new(WeComFlavor {
        tokens: tokens.clone(),
    });
    let build = |base_url: &str| {
        Arc::new(App {
            base_url: base_url.to_owned(),
            control: control.clone(),
            tokens,
            drive: Mutex::new(drive),
            capacity: opts.capacity_bytes,
            pro_expire_time: state::unix_now() + 365 * 24 * 3600,
        })
    };
    let (running, app) = control::spawn_state(opts.port, build, router).await?;
    Ok(Sim::new(running, control, app, dir).seeded(seeded_folder))
}

/// WeCom's global codes for a call with the wrong method (43001 需要GET请求, 43002 需要POST请求)
/// and for an API the app cannot call (48001 api 接口无权限调用) — what the simulator answers
/// for unknown functions and paths (the document names no code for them). Like every WeCom
/// answer they are HTTP 200 with `errcode`/`errmsg`.
const REQUIRE_GET: i64 = 43001;
const REQUIRE_POST: i64 = 43002;
const API_FORBIDDEN: i64 = 48001;

fn unknown_api() -> Response {
    ApiError::new(API_FORBIDDEN, "api forbidden").into_response()
}

async fn unknown_path() -> Response {
    unknown_api()
}

async fn require_get() -> Response {
    ApiError::new(REQUIRE_GET, "require GET method").into_response()
}

async fn require_post() -> Response {
    ApiError::new(REQUIRE_POST, "require POST method").into_response()
}

fn router(app: Arc<App>) -> Router {
    let control = app.control.clone();
    let upstream = Router::new()
        .route(
            "/cgi-bin/gettoken",
            get(token::gettoken).fallback(require_get),
        )
        .route(
            "/cgi-bin/wedrive/{function}",
            post(dispatch).fallback(require_post),
        )
        .route(
            "/wedrive/download/{key}",
            get(download::serve).fallback(require_get),
        )
        .fallback(unknown_path)
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .layer(axum::middleware::from_fn_with_state(
            control.clone(),
            control::fault_layer,
        ))
        .with_state(app.clone());
    let pages = Router::new()
        .route("/s", get(links::share_page))
        .route("/wedoc/{kind}/{fileid}", get(links::doc_page))
        // The link pages are GET only too: another method is 43001, not an empty 405.
        .method_not_allowed_fallback(require_get)
        .with_state(app);
    upstream.merge(pages).merge(control::router(control))
}

/// `POST /cgi-bin/wedrive/<function>?access_token=…`: counts the call, checks the token (before
/// reading the body, as WeCom does), parses the JSON body and runs the function. An unknown
/// function answers 48001 in WeCom's envelope (see [`API_FORBIDDEN`]).
async fn dispatch(
    State(app): State<Arc<App>>,
    Path(function): Path<String>,
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    if !FUNCTIONS.contains(&function.as_str()) {
        return unknown_api();
    }
    app.control.count_call(&function);
    let token = query.ok().and_then(|q| q.0.get("access_token").cloned());
    if let Err(e) = app.tokens().authorize(token.as_deref()) {
        return e.into_response();
    }
    let Ok(bytes) = body else {
        return ApiError::new(errcodes::INVALID_FILE_SIZE, "request body too large")
            .into_response();
    };
    let map = match request::parse_body(&bytes) {
        Ok(map) => map,
        Err(e) => return e.into_response(),
    };
    let body = Obj::new(&map);
    let app = app.as_ref();
    let result = match function.as_str() {
        "space_create" => spaces::space_create(app, body),
        "space_rename" => spaces::space_rename(app, body),
        "space_dismiss" => spaces::space_dismiss(app, body),
        "space_info" => spaces::space_info(app, body),
        "new_space_info" => spaces::new_space_info(app, body),
        "space_setting" => spaces::space_setting(app, body),
        "space_share" => spaces::space_share(app, body),
        "space_acl_add" => acl::space_acl_add(app, body),
        "space_acl_del" => acl::space_acl_del(app, body),
        "file_list" => files::file_list(app, body),
        "file_info" => files::file_info(app, body),
        "file_create" => files::file_create(app, body),
        "file_rename" => files::file_rename(app, body),
        "file_move" => files::file_move(app, body),
        "file_delete" => files::file_delete(app, body),
        "file_download" => download::file_download(app, body),
        "file_upload" => upload::file_upload(app, body).await,
        "file_upload_init" => upload::file_upload_init(app, body).await,
        "file_upload_part" => upload::file_upload_part(app, body).await,
        "file_upload_finish" => upload::file_upload_finish(app, body).await,
        "file_acl_add" => acl::file_acl_add(app, body),
        "file_acl_del" => acl::file_acl_del(app, body),
        "file_setting" => sharing::file_setting(app, body),
        "file_share" => sharing::file_share(app, body),
        "get_file_permission" => sharing::get_file_permission(app, body),
        "file_secure_setting" => sharing::file_secure_setting(app, body),
        "mng_pro_info" => capacity::mng_pro_info(app, body),
        "mng_capacity" => capacity::mng_capacity(app, body),
        _ => return unknown_api(),
    };
    respond(result)
}

#[cfg(test)]
mod tests;
