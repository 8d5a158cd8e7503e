//! The routes: the OAuth host, the API, the upload and download hosts, the control surface.

use std::sync::Arc;

use axum::Router;
use axum::extract::FromRequestParts;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get, post};

use super::super::control::{self, Control};
use super::envelope::ApiError;
use super::oauth::{Admin, Me};
use super::{
    App, collab, comments, directory, download, files, folders, oauth, ratelimit, search,
    sharelinks, trash, upload, versions,
};

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

/// Unknown paths (the document names no code for them), in the API's `errors[]` envelope
/// with a `request_id`: the official SDKs parse JSON on every error answer.
async fn not_found() -> Response {
    ApiError::new("not_found")
        .with_status(axum::http::StatusCode::NOT_FOUND)
        .into_response()
}

/// A known path called with another method, in the same envelope.
async fn method_not_allowed() -> Response {
    ApiError::new("method_not_allowed")
        .with_status(axum::http::StatusCode::METHOD_NOT_ALLOWED)
        .into_response()
}

/// Mounts the API functions under `/api/v2/` on `router`, from rows `method "path" =>
/// handler,` (the path without that prefix), one row a function.
macro_rules! v2_routes {
    ($router:expr; $($method:ident $path:literal => $handler:expr,)*) => {
        $router$(.route(concat!("/api/v2/", $path), $method($handler)))*
    };
}

/// The department and group member listings, the same three functions at the user level
/// (`prefix` empty, checked by [`Me`]) and the enterprise level (`admin/`, [`Admin`]).
fn member_routes<C>(prefix: &str) -> Vec<(String, MethodRouter<Arc<App>>)>
where
    C: FromRequestParts<Arc<App>> + Send + 'static,
{
    vec![
        (
            format!("{prefix}department/{{id}}/children"),
            get(directory::department_children::<C>),
        ),
        (
            format!("{prefix}department/{{id}}/users"),
            get(directory::department_users::<C>),
        ),
        (
            format!("{prefix}group/{{id}}/users"),
            get(directory::group_users::<C>),
        ),
    ]
}

fn api_routes() -> Router<Arc<App>> {
    let members = member_routes::<Me>("")
        .into_iter()
        .chain(member_routes::<Admin>("admin/"))
        .fold(Router::new(), |router, (path, handler)| {
            router.route(&format!("/api/v2/{path}"), handler)
        });
    v2_routes! {
        members.route("/oauth/token", post(oauth::token));
        // users, departments, groups (user level; the member listings are in `member_routes`)
        get "user/info" => directory::me,
        get "user/space_usage" => directory::space_usage,
        post "user/update" => directory::update_me,
        get "user/search" => directory::search_users,
        get "user/{id}/info" => directory::user,
        get "department/{id}/info" => directory::department,
        get "group/list" => directory::groups,
        // enterprise level
        get "admin/user/all" => directory::admin_users,
        get "admin/user/get_user_info" => directory::admin_user_by_identifier,
        get "admin/user/{id}/info" => directory::admin_user,
        get "admin/department/{id}/info" => directory::admin_department,
        get "admin/group/list" => directory::admin_groups,
        get "admin/group/{id}/info" => directory::admin_group,
        // folders
        get "folder/personal_items" => folders::personal_items,
        get "folder/department_folders" => folders::department_folders,
        get "folder/collab_folders" => folders::collab_folders,
        post "folder/create" => folders::create,
        post "folder/create_by_path" => folders::create_by_path,
        get "folder/{id}/children" => folders::children,
        get "folder/{id}/info" => folders::info,
        post "folder/{id}/update" => folders::update,
        post "folder/{id}/move" => folders::move_folder,
        post "folder/{id}/copy" => folders::copy,
        post "folder/{id}/delete" => trash::delete_folder,
        get "folder/{id}/trash" => trash::folder_trash_info,
        post "folder/{id}/restore_from_trash" => trash::restore_folder,
        post "folder/{id}/delete_from_trash" => trash::purge_folder,
        get "folder/{id}/collabs" => collab::list,
        // files
        post "file/upload_v2" => upload::upload_v2,
        post "file/upload_by_path" => upload::upload_by_path,
        post "file/create_blank_file" => files::create_blank_file,
        get "file/recent_items" => files::recent_items,
        get "file/{id}/info" => files::info,
        get "file/{id}/info_v2" => files::info,
        post "file/{id}/update" => files::update,
        post "file/{id}/move" => files::move_file,
        post "file/{id}/copy" => files::copy,
        post "file/{id}/copy_by_path" => files::copy_by_path,
        post "file/{id}/mark_as_used" => files::mark_as_used,
        get "file/{id}/download" => download::download_url,
        post "file/{id}/new_version_v2" => upload::new_version_v2,
        get "file/{id}/versions" => versions::list,
        get "file/{id}/version/{version_id}/info" => versions::info,
        post "file/{id}/version/{version_id}/promote" => versions::promote,
        post "file/{id}/version/{version_id}/delete" => versions::delete,
        post "file/{id}/delete" => trash::delete_file,
        get "file/{id}/trash" => trash::file_trash_info,
        post "file/{id}/restore_from_trash" => trash::restore_file,
        post "file/{id}/delete_from_trash" => trash::purge_file,
        get "file/{id}/comments" => comments::list,
        // trash, search, comments, collaboration, share links
        get "trash/list" => trash::list,
        post "trash/clear" => trash::clear,
        post "trash/restore_all" => trash::restore_all,
        get "item/search" => search::search,
        post "comment/create" => comments::create,
        post "comment/{id}/delete" => comments::delete,
        post "collab/invite" => collab::invite,
        post "collab/batch_invite" => collab::batch_invite,
        get "collab/{id}/info" => collab::info,
        post "collab/{id}/update" => collab::update,
        post "collab/{id}/delete" => collab::delete,
        post "share_link/create" => sharelinks::create,
        get "share_link/{unique_name}/info" => sharelinks::info,
        post "share_link/{unique_name}/update" => sharelinks::update,
        post "share_link/{unique_name}/revoke" => sharelinks::revoke,
        get "file/{id}/share_links" => sharelinks::file_links,
        get "folder/{id}/share_links" => sharelinks::folder_links,
    }
}

pub fn router(app: Arc<App>) -> Router {
    let control = app.control.clone();
    let count = middleware::from_fn_with_state(control.clone(), count_calls);
    let api = api_routes()
        .method_not_allowed_fallback(method_not_allowed)
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
        .method_not_allowed_fallback(method_not_allowed)
        .route_layer(count)
        .layer(DefaultBodyLimit::disable())
        .with_state(app)
        .layer(middleware::from_fn_with_state(
            control.clone(),
            control::fault_layer,
        ));
    control::router(control).merge(hosts).merge(api)
}
