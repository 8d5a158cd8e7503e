//! Extractors that turn every bad input into an [`ApiError`] problem, and the one extractor
//! that authorises a call: [`Authorized`] (JWT → scope → connection grant → connection).

use std::marker::PhantomData;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection};
use axum::extract::{FromRequest, FromRequestParts, RawPathParams, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use crate::app::AppState;
use crate::auth::{Caller, Scope};
use crate::error::{ApiError, ApiResult};
use crate::model::{DEFAULT_PAGE_LIMIT, MAX_PAGE_LIMIT, Operation, PageRequest};
use crate::providers::{Connection, Ctx, Drive, ResponseHeaders};

/// The header naming an upstream user to act as (needs the `users:act_as` scope).
pub const ACT_AS_HEADER: &str = "x-filegate-as-user";
/// What [`ACT_AS_HEADER`] must match (as the OpenAPI document states it).
pub const ACT_AS_PATTERN: &str = "^[A-Za-z0-9_@.-]{1,64}$";

/// A JSON body whose rejections are problems: 400 `invalid_json` (syntax), 400
/// `invalid_request` with the `field` (shape; a struct must be an object, see [`strict`]),
/// 415 (content type), 413 (size, `DefaultBodyLimit`).
///
/// [`strict`]: super::strict
pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        JsonBody::from_request(req, state).await?.parse().map(Self)
    }
}

/// The bytes of a JSON body, checked for content type (415) and size (413) but not yet read:
/// for a handler that looks at the body before [`JsonBody::parse`] gives it [`ApiJson`]'s
/// problems (`PATCH …/items/{item}` decides its operations from the members present).
pub struct JsonBody(pub Bytes);

impl<S: Send + Sync> FromRequest<S> for JsonBody {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        if !is_json(req.headers()) {
            return Err(ApiError::UnsupportedMediaType(
                "the request body must be JSON with Content-Type: application/json".into(),
            ));
        }
        Bytes::from_request(req, state)
            .await
            .map(Self)
            .map_err(|r: BytesRejection| {
                if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    ApiError::PayloadTooLarge { limit: 0 }
                } else {
                    ApiError::bad_request("invalid_request", r.body_text())
                }
            })
    }
}

impl JsonBody {
    /// The body as `T`, with [`ApiJson`]'s 400 problems.
    pub fn parse<T: DeserializeOwned>(&self) -> ApiResult<T> {
        super::strict::from_slice(&self.0).map_err(|e| {
            if e.syntax {
                ApiError::BadRequest {
                    code: "invalid_json",
                    detail: format!("the body is not valid JSON: {}", e.message),
                    field: None,
                }
            } else {
                ApiError::BadRequest {
                    code: "invalid_request",
                    detail: e.message,
                    field: e.field,
                }
            }
        })
    }

    /// The names of the members of a body that is a JSON object whose value is not `null`;
    /// `None` for any other body (not JSON, not an object).
    pub fn non_null_members(&self) -> Option<Vec<String>> {
        let object: serde_json::Map<String, serde_json::Value> =
            serde_json::from_slice(&self.0).ok()?;
        Some(
            object
                .into_iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, _)| k)
                .collect(),
        )
    }
}

/// `application/json` or any `application/*+json`, parameters ignored (as `axum::Json`).
fn is_json(headers: &axum::http::HeaderMap) -> bool {
    let Some(ct) = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let essence = ct.split(';').next().unwrap_or_default().trim();
    let Some((kind, subtype)) = essence.split_once('/') else {
        return false;
    };
    kind.eq_ignore_ascii_case("application")
        && (subtype.eq_ignore_ascii_case("json") || subtype.to_ascii_lowercase().ends_with("+json"))
}

/// axum prefixes serde's message with its own sentence; keep serde's part.
fn inner_text(s: &str) -> String {
    s.split_once(": ")
        .map(|(_, rest)| rest.to_owned())
        .unwrap_or_else(|| s.to_owned())
}

/// A query string whose rejection is a 400 `invalid_request` problem naming the parameter in
/// `field` — a wrong type (`limit=abc`), a missing required parameter (`name`) or an unknown
/// value (`sort=sideways`) — the same code as a value out of range (`limit=0`), so clients
/// handle one family.
pub struct ApiQuery<T>(pub T);

impl<S, T> FromRequestParts<S> for ApiQuery<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        query(parts.uri.query().unwrap_or_default()).map(Self)
    }
}

/// Reads `T` from a query string (as `axum::extract::Query`, which uses `serde_urlencoded`),
/// tracking the path so that the error can name the parameter.
pub fn query<T: DeserializeOwned>(q: &str) -> ApiResult<T> {
    let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(q.as_bytes()));
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let message = e.into_inner().to_string();
        let field = super::strict::field_of(&path, &message);
        let detail = match &field {
            Some(f) if !message.contains(f.as_str()) => {
                format!("query parameter `{f}`: {message}")
            }
            _ => format!("invalid query string: {message}"),
        };
        ApiError::BadRequest {
            code: "invalid_request",
            detail,
            field,
        }
    })
}

/// `axum::extract::Path` whose rejection is a 400 problem.
pub struct ApiPath<T>(pub T);

impl<S, T> FromRequestParts<S> for ApiPath<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|p| Self(p.0))
            .map_err(|r: PathRejection| {
                ApiError::bad_request("invalid_path", inner_text(&r.body_text()))
            })
    }
}

/// Marker types naming the scope a route needs.
pub trait RequiredScope: Send + Sync + 'static {
    /// `None`: any valid token granted the connection.
    const SCOPE: Option<Scope>;
}

macro_rules! scope_marker {
    ($name:ident, $scope:ident) => {
        pub struct $name;
        impl RequiredScope for $name {
            const SCOPE: Option<Scope> = Some(Scope::$scope);
        }
    };
}

/// Any valid token that grants the connection (connection metadata).
pub struct AnyScope;
impl RequiredScope for AnyScope {
    const SCOPE: Option<Scope> = None;
}

scope_marker!(FilesRead, FilesRead);
scope_marker!(FilesWrite, FilesWrite);
scope_marker!(SharingWrite, SharingWrite);
scope_marker!(SpacesAdmin, SpacesAdmin);
scope_marker!(DirectoryRead, DirectoryRead);

/// A caller allowed to use the `{conn}` of this route with scope `S`. The only way a handler
/// reaches an adapter, so no route can forget a check.
pub struct Authorized<S> {
    pub caller: Caller,
    pub connection: Arc<Connection>,
    pub ctx: Ctx,
    _scope: PhantomData<S>,
}

impl<S> Authorized<S> {
    /// The adapter, if the connection supports `op`; 501 `unsupported_operation` otherwise.
    pub fn drive(&self, op: Operation) -> ApiResult<&dyn Drive> {
        tracing::Span::current().record("operation", tracing::field::display(op));
        let drive = self.connection.drive.as_ref();
        if drive.capabilities().supports(op) {
            Ok(drive)
        } else {
            Err(ApiError::Unsupported {
                provider: self.connection.provider.as_str(),
                operation: op,
            })
        }
    }
}

/// Verifies the bearer token (401 problems) without a connection, for `GET /v1/connections`.
pub fn authenticate(headers: &axum::http::HeaderMap, state: &AppState) -> ApiResult<Caller> {
    let header = headers
        .get(axum::http::header::AUTHORIZATION)
        .map(|v| {
            v.to_str().map_err(|_| ApiError::Unauthorized {
                code: "malformed_token",
                detail: "the Authorization header is not valid text".into(),
            })
        })
        .transpose()?;
    let caller = state.verifier().verify_header(header)?;
    tracing::Span::current().record("sub", tracing::field::display(&caller.sub));
    Ok(caller)
}

pub fn request_id(parts: &Parts) -> String {
    parts
        .headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

impl<S: RequiredScope> FromRequestParts<AppState> for Authorized<S> {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let caller = authenticate(&parts.headers, state)?;
        if let Some(scope) = S::SCOPE {
            caller.require(scope)?;
        }
        let params = RawPathParams::from_request_parts(parts, state)
            .await
            .map_err(|_| {
                ApiError::bad_request("invalid_path", "the path parameters are not valid UTF-8")
            })?;
        let name = params
            .iter()
            .find(|(k, _)| *k == "conn")
            .map(|(_, v)| v.to_owned())
            .ok_or_else(|| ApiError::internal("route without {conn} uses Authorized"))?;
        caller.require_connection(&name)?;
        let connection = state.registry().get(&name).cloned().ok_or_else(|| {
            ApiError::not_found(
                "connection_not_found",
                format!("no connection named '{name}'"),
            )
        })?;
        tracing::Span::current().record("connection", tracing::field::display(&name));
        // 501 before any input check (route_operations): the operation decides first.
        if let Some(route) = parts.extensions.get::<axum::extract::MatchedPath>()
            && let Some(ops) = super::route_operations::of(&parts.method, route.as_str())
        {
            let caps = connection.drive.capabilities();
            if !ops.iter().any(|op| caps.supports(*op)) {
                return Err(ApiError::Unsupported {
                    provider: connection.provider.as_str(),
                    operation: ops[0],
                });
            }
        }
        let act_as = match parts.headers.get(ACT_AS_HEADER) {
            None => None,
            Some(v) => {
                caller.require(Scope::UsersActAs)?;
                if !connection.drive.capabilities().acts_as_users {
                    return Err(ApiError::bad_request(
                        "act_as_unsupported",
                        format!(
                            "{} connections have no upstream users to act as",
                            connection.provider
                        ),
                    ));
                }
                let user = v.to_str().unwrap_or_default();
                if user.is_empty()
                    || user.len() > 64
                    || !user
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b"-_@.".contains(&b))
                {
                    return Err(ApiError::BadRequest {
                        code: "invalid_request",
                        detail: "X-Filegate-As-User must be an upstream user id (1-64 characters)"
                            .into(),
                        field: Some(ACT_AS_HEADER.into()),
                    });
                }
                Some(user.to_owned())
            }
        };
        let ctx = Ctx {
            sub: caller.sub.clone(),
            act_as,
            request_id: request_id(parts),
            // The sink of the `response_headers` middleware (app.rs); a fresh one, whose
            // headers go nowhere, when a router is built without it.
            response: parts
                .extensions
                .get::<ResponseHeaders>()
                .cloned()
                .unwrap_or_default(),
        };
        Ok(Self {
            caller,
            connection,
            ctx,
            _scope: PhantomData,
        })
    }
}

/// The head most handlers share: `Call(auth, path, query)`, an [`Authorized`] caller with
/// scope `S`, the route's path parameters `P` (as [`ApiPath`]) and, unless `Q` is [`NoQuery`],
/// its query `Q` (as [`ApiQuery`]). Read in that order, so a call is refused for its token
/// (401/403) before its path or query is looked at (400), exactly as those three extractors in
/// a row are.
pub struct Call<S, P, Q = NoQuery>(pub Authorized<S>, pub P, pub Q);

/// A [`Call`] whose route reads no query string.
pub struct NoQuery;

impl<S, P> FromRequestParts<AppState> for Call<S, P, NoQuery>
where
    S: RequiredScope,
    P: DeserializeOwned + Send,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> ApiResult<Self> {
        let auth = Authorized::from_request_parts(parts, state).await?;
        let ApiPath(path) = ApiPath::from_request_parts(parts, state).await?;
        Ok(Self(auth, path, NoQuery))
    }
}

impl<S, P, Q> FromRequestParts<AppState> for Call<S, P, Q>
where
    S: RequiredScope,
    P: DeserializeOwned + Send,
    Q: DeserializeOwned + Send,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> ApiResult<Self> {
        let Call(auth, path, NoQuery) = Call::<S, P>::from_request_parts(parts, state).await?;
        let ApiQuery(query) = ApiQuery::from_request_parts(parts, state).await?;
        Ok(Self(auth, path, query))
    }
}

/// `limit` + `cursor` query parameters.
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Page size, 1-1000 (default 100).
    #[param(minimum = 1, maximum = 1000, default = 100)]
    pub limit: Option<u32>,
    #[param(schema_with = crate::model::rules::cursor)]
    pub cursor: Option<String>,
}

impl PageQuery {
    pub fn validate(self) -> ApiResult<PageRequest> {
        page_request(self.limit, self.cursor)
    }
}

pub fn page_request(limit: Option<u32>, cursor: Option<String>) -> ApiResult<PageRequest> {
    let limit = limit.unwrap_or(DEFAULT_PAGE_LIMIT);
    if limit == 0 || limit > MAX_PAGE_LIMIT {
        return Err(ApiError::BadRequest {
            code: "invalid_request",
            detail: format!("limit must be between 1 and {MAX_PAGE_LIMIT}"),
            field: Some("limit".into()),
        });
    }
    Ok(PageRequest {
        limit,
        cursor: cursor.filter(|c| !c.is_empty()),
    })
}

/// A JSON body that may be absent (empty body ⇒ `None`); a present body follows [`ApiJson`]'s
/// rules.
pub struct OptionalJson<T>(pub Option<T>);

impl<S, T> FromRequest<S> for OptionalJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let has_body = req
            .headers()
            .get(axum::http::header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .is_none_or(|v| v != "0")
            && req.headers().contains_key(axum::http::header::CONTENT_TYPE);
        if !has_body {
            return Ok(Self(None));
        }
        // The document types the body as `null` or the object: `null` means no options.
        ApiJson::<Option<T>>::from_request(req, state)
            .await
            .map(|j| Self(j.0))
    }
}
