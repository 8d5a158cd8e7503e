//! The routes: the OAuth host, the API, the upload and download hosts, the control surface.

use std::sync::Arc;

use axum::Router;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

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
            get(directory::department_children::<Me>),
        )
        .route(
            "/api/v2/department/{id}/users",
            get(directory::department_users::<Me>),
        )
        .route("/api/v2/group/list", get(directory::groups))
        .route(
            "/api/v2/group/{id}/users",
            get(directory::group_users::<Me>),
        )
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
            get(directory::department_children::<Admin>),
        )
        .route(
            "/api/v2/admin/department/{id}/users",
            get(directory::department_users::<Admin>),
        )
        .route("/api/v2/admin/group/list", get(directory::admin_groups))
        .route("/api/v2/admin/group/{id}/info", get(directory::admin_group))
        .route(
            "/api/v2/admin/group/{id}/users",
            get(directory::group_users::<Admin>),
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
