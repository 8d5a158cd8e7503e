//! Path parameters shared by the resource modules (documented once for OpenAPI). Ids are the
//! gateway's own opaque URL-safe tokens (`model::ids`, `rules::ID_PATTERN`): anything else is a
//! 400 `invalid_id` (404 for upload sessions).

use serde::Deserialize;
use utoipa::{IntoParams, IntoResponses};

use crate::error::Problem;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct ConnPath {
    /// Connection name.
    pub conn: String,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct SpacePath {
    pub conn: String,
    /// Opaque space id (URL-safe base64, as the gateway returned it).
    #[param(max_length = 2048, pattern = r"^[A-Za-z0-9_-]+$")]
    pub space: String,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct ItemPath {
    pub conn: String,
    #[param(max_length = 2048, pattern = r"^[A-Za-z0-9_-]+$")]
    pub space: String,
    /// Opaque item id.
    #[param(max_length = 2048, pattern = r"^[A-Za-z0-9_-]+$")]
    pub item: String,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct SpaceMemberPath {
    pub conn: String,
    #[param(max_length = 2048, pattern = r"^[A-Za-z0-9_-]+$")]
    pub space: String,
    #[param(schema_with = crate::model::rules::member_ref)]
    pub member: String,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct ItemMemberPath {
    pub conn: String,
    #[param(max_length = 2048, pattern = r"^[A-Za-z0-9_-]+$")]
    pub space: String,
    #[param(max_length = 2048, pattern = r"^[A-Za-z0-9_-]+$")]
    pub item: String,
    #[param(schema_with = crate::model::rules::member_ref)]
    pub member: String,
}

/// The path of one thing of an item (`…/items/{item}/<things>/{id}`): the item's path and the
/// thing's opaque id.
macro_rules! item_child_path {
    ($name:ident { $(#[$doc:meta])* $field:ident }) => {
        #[derive(Deserialize, IntoParams)]
        #[into_params(parameter_in = Path)]
        pub struct $name {
            pub conn: String,
            #[param(max_length = 2048, pattern = r"^[A-Za-z0-9_-]+$")]
            pub space: String,
            #[param(max_length = 2048, pattern = r"^[A-Za-z0-9_-]+$")]
            pub item: String,
            $(#[$doc])*
            #[param(max_length = 2048, pattern = r"^[A-Za-z0-9_-]+$")]
            pub $field: String,
        }
    };
}

item_child_path!(VersionPath {
    /// Opaque version id.
    version
});

item_child_path!(CommentPath {
    /// Opaque comment id.
    comment
});

item_child_path!(ShareLinkPath {
    /// Opaque share link id (`id` of a share link).
    link
});

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct UploadPath {
    pub conn: String,
    #[param(max_length = 2048, pattern = r"^[A-Za-z0-9_-]+$")]
    pub space: String,
    /// Opaque upload id.
    #[param(max_length = 2048, pattern = r"^[A-Za-z0-9_-]+$")]
    pub upload: String,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct PartPath {
    pub conn: String,
    #[param(max_length = 2048, pattern = r"^[A-Za-z0-9_-]+$")]
    pub space: String,
    #[param(max_length = 2048, pattern = r"^[A-Za-z0-9_-]+$")]
    pub upload: String,
    /// Part number, from 1.
    #[param(minimum = 1)]
    pub n: u32,
}

/// Raw file bytes in a request or response body (OpenAPI 3.1 `contentMediaType`), never a
/// JSON array of integers as `Vec<u8>` would be. `format: binary` too: OpenAPI 3.0 tooling
/// (openapi-python-client's `File`, openapi-typescript's `Blob` transform) keys on it.
pub struct Binary;

impl utoipa::PartialSchema for Binary {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .content_media_type("application/octet-stream")
            .format(Some(utoipa::openapi::SchemaFormat::KnownFormat(
                utoipa::openapi::KnownFormat::Binary,
            )))
            .description(Some("The file's bytes"))
            .into()
    }
}

impl utoipa::ToSchema for Binary {}

/// The error answers of every route that checks the caller and a connection.
#[derive(IntoResponses)]
#[allow(dead_code)]
pub enum LocalProblems {
    /// Bad input: malformed id, JSON, query, header or name (`invalid_id`, `invalid_json`,
    /// `invalid_request`…), or a value the provider refuses; `field` names the input.
    #[response(status = 400, content_type = "application/problem+json")]
    BadRequest(Problem),
    /// Missing, malformed, expired or otherwise invalid bearer token.
    #[response(status = 401, content_type = "application/problem+json")]
    Unauthorized(Problem),
    /// Missing scope, connection not granted, or the upstream refused permission.
    #[response(status = 403, content_type = "application/problem+json")]
    Forbidden(Problem),
    /// Unknown connection, space, item, member or upload.
    #[response(status = 404, content_type = "application/problem+json")]
    NotFound(Problem),
}

/// The error answers a route adds by calling the upstream (with [`LocalProblems`]), all
/// `application/problem+json`. (500, 503 and 504, which any route can give, and 413/415 of JSON
/// bodies are added to every operation by `api::finish`.)
#[derive(IntoResponses)]
#[allow(dead_code)]
pub enum UpstreamProblems {
    /// Name conflict, member already present, or another state conflict upstream.
    #[response(status = 409, content_type = "application/problem+json")]
    Conflict(Problem),
    /// The upstream is rate limiting this connection; see `Retry-After`.
    #[response(status = 429, content_type = "application/problem+json")]
    TooManyRequests(Problem),
    /// The provider cannot do this operation (`unsupported_operation`).
    #[response(status = 501, content_type = "application/problem+json")]
    NotImplemented(Problem),
    /// The upstream failed, refused the gateway's credentials, or answered in an unexpected shape.
    #[response(status = 502, content_type = "application/problem+json")]
    BadGateway(Problem),
    /// The upstream or the gateway timed out.
    #[response(status = 504, content_type = "application/problem+json")]
    GatewayTimeout(Problem),
    /// The upstream's storage or file-count limit is reached (`insufficient_storage`).
    #[response(status = 507, content_type = "application/problem+json")]
    InsufficientStorage(Problem),
}

/// 409 with `Retry-After`: the same operation is already running.
#[derive(IntoResponses)]
#[allow(dead_code)]
pub enum Busy {
    /// The upload is being completed (`upload_in_progress`, see `Retry-After`), or is complete
    /// (`upload_completed`).
    #[response(status = 409, content_type = "application/problem+json",
        headers(("Retry-After" = u32, description = "Seconds to wait before retrying")))]
    Conflict(Problem),
}

/// 401 only: routes that need a valid token but no connection.
#[derive(IntoResponses)]
#[allow(dead_code)]
pub enum AuthProblems {
    /// Missing, malformed, expired or otherwise invalid bearer token.
    #[response(status = 401, content_type = "application/problem+json")]
    Unauthorized(Problem),
}

/// 501: the connection's provider cannot do this operation.
#[derive(IntoResponses)]
#[allow(dead_code)]
pub enum Unsupported {
    /// The provider cannot do this operation (`unsupported_operation`).
    #[response(status = 501, content_type = "application/problem+json")]
    NotImplemented(Problem),
}

/// 413: the body is larger than the gateway's or the provider's upload limit.
#[derive(IntoResponses)]
#[allow(dead_code)]
pub enum TooLarge {
    /// The body exceeds the upload limit (`capabilities.max_upload_bytes`) or the upstream
    /// refused the file's size (`payload_too_large`).
    #[response(status = 413, content_type = "application/problem+json")]
    PayloadTooLarge(Problem),
}

/// 412: `If-Match` named another state than the item has now.
#[derive(IntoResponses)]
#[allow(dead_code)]
pub enum PreconditionFailed {
    /// `If-Match` lists none of the item's current `etag` (`precondition_failed`). Checked
    /// against a fresh upstream read just before the change: no upstream offers an atomic
    /// compare-and-set, so a change landing between that read and the write goes unnoticed.
    #[response(status = 412, content_type = "application/problem+json")]
    PreconditionFailed(Problem),
}

/// 304: the caller's copy is current.
#[derive(IntoResponses)]
#[allow(dead_code)]
pub enum NotModified {
    /// `If-None-Match` lists the item's `etag` (or is `*`), or, without it, `If-Modified-Since`
    /// is not before the item's modification time. No body; `ETag` and `Last-Modified` repeated.
    #[response(status = 304, headers(
        ("ETag" = String, description = "The item's `etag`"),
        ("Last-Modified" = String, description = "The item's modification time, when known")))]
    NotModified,
}

/// `If-Match` on a write.
#[derive(IntoParams)]
#[into_params(parameter_in = Header)]
#[allow(dead_code)]
pub struct IfMatch {
    /// One or more of the item's `etag` values (quoted, comma-separated), or `*`: the change
    /// is made only while the item is in that state, else 412 `precondition_failed`. Checked
    /// against a fresh upstream read (best-effort: the upstreams have no atomic check).
    #[param(rename = "If-Match")]
    if_match: Option<String>,
}

/// `If-None-Match` on a read.
#[derive(IntoParams)]
#[into_params(parameter_in = Header)]
#[allow(dead_code)]
pub struct IfNoneMatch {
    /// The `etag` of the copy the caller has (quoted, comma-separated list, or `*`): 304 when
    /// it is still current.
    #[param(rename = "If-None-Match")]
    if_none_match: Option<String>,
}

/// `If-None-Match` and `If-Modified-Since` on a download.
#[derive(IntoParams)]
#[into_params(parameter_in = Header)]
#[allow(dead_code)]
pub struct DownloadConditions {
    /// The `etag` of the copy the caller has: 304 when it is still current.
    #[param(rename = "If-None-Match")]
    if_none_match: Option<String>,
    /// An HTTP date: 304 when the file was not modified since (ignored when `If-None-Match`
    /// is given).
    #[param(rename = "If-Modified-Since")]
    if_modified_since: Option<String>,
}

/// 415 of an upload route.
#[derive(IntoResponses)]
#[allow(dead_code)]
pub enum UnsupportedUpload {
    /// The body is neither `application/octet-stream` (or untyped) nor `multipart/form-data`
    /// (`unsupported_media_type`; the detail lists the accepted types).
    #[response(status = 415, content_type = "application/problem+json")]
    UnsupportedMediaType(Problem),
}
