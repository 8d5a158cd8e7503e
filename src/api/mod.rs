//! The HTTP API: one module per resource, every route registered with its OpenAPI entry
//! (utoipa-axum's `routes!`), so a route cannot exist undocumented.

pub mod comments;
pub mod conditional;
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
pub mod strict;
pub mod trash;
pub mod uploads;
pub mod validate;
pub mod versions;

use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::path::{Operation as Op, ParameterBuilder, ParameterIn};
use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, Schema, Type};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, Ref, RefOr, Required, Response, ResponseBuilder};
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
        license(name = "Apache-2.0", identifier = "Apache-2.0")
    ),
    servers((url = "/", description = "The gateway serving this document (paths are relative to its address)")),
    modifiers(&BearerAuth),
    security(("bearer" = [])),
    // Types only query parameters use are not collected by the routes: register them here.
    components(schemas(
        crate::error::Problem,
        crate::model::KindFilter,
        crate::model::SearchSort,
        crate::model::SearchField
    )),
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
    finish(api)
}

/// Base document (info, tags, security) for `app.rs`.
pub fn base_doc() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

/// What holds for every operation, added once the routes are merged (a `Modify` on [`ApiDoc`]
/// runs before they are): the answers the layers in `app.rs` can give, the headers every answer
/// carries, and named schemas inside generic pages.
pub fn finish(mut doc: utoipa::openapi::OpenApi) -> utoipa::openapi::OpenApi {
    page_items_by_ref(&mut doc);
    for (path, item) in doc.paths.paths.iter_mut() {
        let ops = [
            ("get", &mut item.get),
            ("put", &mut item.put),
            ("post", &mut item.post),
            ("delete", &mut item.delete),
            ("patch", &mut item.patch),
        ];
        for (method, op) in ops {
            if let Some(op) = op {
                finish_operation(path, method, op);
            }
        }
    }
    doc
}

/// utoipa composes `Page<Item>` with a copy of `Item`; point the page at the named schema.
fn page_items_by_ref(doc: &mut utoipa::openapi::OpenApi) {
    let Some(components) = doc.components.as_mut() else {
        return;
    };
    let names: Vec<String> = components.schemas.keys().cloned().collect();
    for (name, schema) in components.schemas.iter_mut() {
        let Some(inner) = name.strip_prefix("Page_") else {
            continue;
        };
        if !names.iter().any(|n| n == inner) {
            continue;
        }
        if let RefOr::T(Schema::Object(obj)) = schema
            && let Some(items) = obj.properties.get_mut("items")
        {
            *items = ArrayBuilder::new()
                .items(Ref::from_schema_name(inner))
                .description(Some("This page's entries, in listing order."))
                .into();
        }
    }
}

fn problem_response(description: &str) -> RefOr<Response> {
    ResponseBuilder::new()
        .description(description)
        .content(
            crate::error::PROBLEM_CONTENT_TYPE,
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("Problem")))
                .build(),
        )
        .build()
        .into()
}

fn string_header(description: &str) -> utoipa::openapi::header::Header {
    HeaderBuilder::new()
        .schema(ObjectBuilder::new().schema_type(Type::String))
        .description(Some(description))
        .build()
}

fn integer_header(description: &str) -> utoipa::openapi::header::Header {
    HeaderBuilder::new()
        .schema(
            ObjectBuilder::new()
                .schema_type(Type::Integer)
                .minimum(Some(0)),
        )
        .description(Some(description))
        .build()
}

fn finish_operation(path: &str, method: &str, op: &mut Op) {
    let responses = &mut op.responses.responses;
    let calls_upstream = responses.contains_key("502");
    let takes_json = op
        .request_body
        .as_ref()
        .is_some_and(|b| b.content.contains_key("application/json"));
    let mut add = |status: &str, description: &str| {
        responses
            .entry(status.to_owned())
            .or_insert_with(|| problem_response(description));
    };
    if takes_json {
        add(
            "413",
            "The JSON body exceeds `limits.max_json_bytes` (`payload_too_large`).",
        );
        add(
            "415",
            "The body is not `Content-Type: application/json` (`unsupported_media_type`).",
        );
    }
    add(
        "500",
        "Internal error (`internal_error`); the detail is in the gateway's log under the request id.",
    );
    add(
        "503",
        "The gateway is at `limits.max_concurrent_requests` (`overloaded`); retry later.",
    );
    if path.starts_with("/v1/") {
        add(
            "504",
            "The request did not complete within the gateway's timeout (`gateway_timeout`) or the upstream's (`upstream_timeout`).",
        );
    }
    // Before the headers every answer gets: its 409/422 are answers too.
    if method == "post" && path.starts_with("/v1/connections/") {
        idempotent(op);
    }
    for (status, response) in op.responses.responses.iter_mut() {
        let RefOr::T(response) = response else {
            continue;
        };
        if response.description.is_empty() {
            response.description = status
                .parse::<u16>()
                .ok()
                .and_then(|s| axum::http::StatusCode::from_u16(s).ok())
                .and_then(|s| s.canonical_reason())
                .unwrap_or("Answer")
                .to_owned();
        }
        let headers = &mut response.headers;
        headers.insert(
            "x-request-id".into(),
            string_header("The request's id (the caller's own `x-request-id` when it is 1-128 characters of `A-Za-z0-9-_.:`), also in the gateway's logs and in problems."),
        );
        if calls_upstream {
            headers.insert(
                "RateLimit-Limit".into(),
                integer_header("The upstream's request budget for this connection, where the upstream reports one (Fangcloud)."),
            );
            headers.insert(
                "RateLimit-Remaining".into(),
                integer_header("Requests left in the upstream's current window, where reported."),
            );
            headers.insert(
                "RateLimit-Reset".into(),
                integer_header("Seconds until the upstream's window resets, where reported."),
            );
        }
        match status.as_str() {
            "401" => {
                headers.insert(
                    "WWW-Authenticate".into(),
                    string_header("`Bearer realm=\"filegate\"`"),
                );
            }
            "429" => {
                headers.insert(
                    "Retry-After".into(),
                    integer_header("Seconds to wait before retrying."),
                );
            }
            "416" => {
                headers.insert(
                    "Content-Range".into(),
                    string_header("`bytes */<size>` (`*` when the size is unknown)."),
                );
            }
            _ => {}
        }
    }
    let params = op.parameters.get_or_insert_with(Vec::new);
    // A path parameter is always required (utoipa drops `required` with `schema_with`).
    for p in params.iter_mut() {
        if p.parameter_in == ParameterIn::Path {
            p.required = Required::True;
        }
    }
    if path.contains("{conn}") {
        params.push(
            ParameterBuilder::new()
                .name(extract::ACT_AS_HEADER)
                .parameter_in(ParameterIn::Header)
                .required(Required::False)
                .description(Some(
                    "Act as this upstream user (needs the `users:act_as` scope and a connection whose `capabilities.acts_as_users` is true).",
                ))
                .schema(Some(
                    ObjectBuilder::new()
                        .schema_type(Type::String)
                        .pattern(Some(extract::ACT_AS_PATTERN)),
                ))
                .build(),
        );
    }
}

/// `Idempotency-Key` (`crate::idempotency`) on a creating `POST`: the header and its 409/422.
fn idempotent(op: &mut Op) {
    op.parameters.get_or_insert_with(Vec::new).push(
        ParameterBuilder::new()
            .name("Idempotency-Key")
            .parameter_in(ParameterIn::Header)
            .required(Required::False)
            .description(Some(
                "Makes the request safe to retry (IETF httpapi Idempotency-Key draft): the first request with this key, \
per token `sub` and connection, runs; for 24 hours a request with the same key and the same method, path, query and body gets \
its status, headers and body again (with `Idempotent-Replayed: true`), while it still runs a 409 `idempotency_key_in_use` \
with `Retry-After`, and with another request a 422 `idempotency_key_reused`. 5xx and retryable answers are not kept. \
1-255 printable ASCII characters (400 `invalid_idempotency_key` otherwise).",
            ))
            .schema(Some(
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .min_length(Some(1))
                    .max_length(Some(255)),
            ))
            .build(),
    );
    let responses = &mut op.responses.responses;
    let conflict = responses
        .entry("409".to_owned())
        .or_insert_with(|| problem_response("A request with this `Idempotency-Key` is still running (`idempotency_key_in_use`); see `Retry-After`."));
    if let RefOr::T(r) = conflict {
        if !r.description.contains("Idempotency-Key") {
            r.description.push_str(" Also: a request with this `Idempotency-Key` is still running (`idempotency_key_in_use`; see `Retry-After`).");
        }
        r.headers.insert(
            "Retry-After".into(),
            integer_header(
                "Seconds to wait before retrying (when the conflict is a request still running).",
            ),
        );
    }
    responses.entry("422".to_owned()).or_insert_with(|| {
        problem_response(
            "The `Idempotency-Key` was used with a different request (`idempotency_key_reused`).",
        )
    });
}
