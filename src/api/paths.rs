//! Path parameters shared by the resource modules (documented once for OpenAPI).

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
    /// Opaque space id.
    pub space: String,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct ItemPath {
    pub conn: String,
    pub space: String,
    /// Opaque item id.
    pub item: String,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct SpaceMemberPath {
    pub conn: String,
    pub space: String,
    /// `user:<id>`, `department:<id>` or `group:<id>`.
    pub member: String,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct ItemMemberPath {
    pub conn: String,
    pub space: String,
    pub item: String,
    /// `user:<id>`, `department:<id>` or `group:<id>`.
    pub member: String,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct VersionPath {
    pub conn: String,
    pub space: String,
    pub item: String,
    /// Opaque version id.
    pub version: String,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct CommentPath {
    pub conn: String,
    pub space: String,
    pub item: String,
    /// Opaque comment id.
    pub comment: String,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct UploadPath {
    pub conn: String,
    pub space: String,
    /// Opaque upload id.
    pub upload: String,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct PartPath {
    pub conn: String,
    pub space: String,
    pub upload: String,
    /// Part number, from 1.
    pub n: u32,
}

/// The error answers every authenticated route can give, all `application/problem+json`.
#[derive(IntoResponses)]
#[allow(dead_code)]
pub enum Problems {
    /// Bad input: malformed id, JSON, query or name (`invalid_id`, `invalid_json`, `invalid_request`…).
    #[response(status = 400, content_type = "application/problem+json")]
    BadRequest(Problem),
    /// Missing, malformed, expired or otherwise invalid bearer token.
    #[response(status = 401, content_type = "application/problem+json")]
    Unauthorized(Problem),
    /// Missing scope, connection not granted, or the upstream refused permission.
    #[response(status = 403, content_type = "application/problem+json")]
    Forbidden(Problem),
    /// Unknown connection, space or item.
    #[response(status = 404, content_type = "application/problem+json")]
    NotFound(Problem),
    /// Name conflict.
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
}
