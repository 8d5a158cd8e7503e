//! The HTTP API: one module per resource, every route registered with its OpenAPI entry
//! (utoipa-axum's `routes!`), so a route cannot exist undocumented.

pub mod comments;
pub mod connections;
pub mod content;
pub mod directory;
pub mod extract;
pub mod health;
pub mod items;
pub mod members;
pub mod paths;
pub mod route_operations;
pub mod search;
pub mod spaces;
pub mod trash;
pub mod uploads;
pub mod validate;
pub mod versions;

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;

use crate::app::AppState;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "filegate",
        description = "One REST API over WeCom WeDrive, Fangcloud and QQ group files (OneBot 11). \
Authenticate with `Authorization: Bearer <JWT>`; scopes: files:read files:write sharing:write spaces:admin \
directory:read users:act_as. Every error is `application/problem+json` (RFC 9457) with a stable `code`. \
Ids are opaque. An operation a provider cannot do answers 501 `unsupported_operation` and is absent from \
the connection's capabilities.",
        license(name = "Apache-2.0")
    ),
    modifiers(&BearerAuth),
    security(("bearer" = [])),
    components(schemas(crate::error::Problem)),
    tags(
        (name = "connections", description = "Configured upstream accounts and their capabilities"),
        (name = "spaces", description = "WeCom spaces, Fangcloud personal/department/collaboration spaces, QQ groups"),
        (name = "items", description = "Files and folders"),
        (name = "content", description = "Upload and download"),
        (name = "uploads", description = "Resumable uploads"),
        (name = "versions", description = "File versions"),
        (name = "trash", description = "Deleted items"),
        (name = "search", description = "Search and recent items"),
        (name = "comments", description = "Comments on items"),
        (name = "members", description = "Who can access a space or item"),
        (name = "sharing", description = "Link sharing and item security"),
        (name = "directory", description = "Users, departments and groups of the upstream"),
        (name = "operations", description = "Health, readiness, metrics")
    )
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
    }
}

/// Routes whose bodies are small and whose answers come quickly.
pub fn standard_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(connections::router())
        .merge(spaces::router())
        .merge(items::router())
        .merge(trash::router())
        .merge(search::router())
        .merge(comments::router())
        .merge(members::router())
        .merge(directory::router())
}

/// Routes that move file bytes: their own, longer deadline.
pub fn transfer_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(content::router())
        .merge(uploads::router())
        .merge(versions::router())
}

/// The OpenAPI document, exactly as served at `/openapi.json`.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let (_, api) = OpenApiRouter::<AppState>::with_openapi(ApiDoc::openapi())
        .merge(standard_routes())
        .merge(transfer_routes())
        .merge(health::router())
        .split_for_parts();
    api
}

/// Base document (info, tags, security) for `app.rs`.
pub fn base_doc() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}
