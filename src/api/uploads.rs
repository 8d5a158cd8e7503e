//! Resumable uploads: create, send parts, inspect, complete, abort.

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::{Extension, Json};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::content::upload_limit;
use super::extract::{ApiJson, Call, FilesWrite};
use super::paths::{
    Binary, Busy, LocalProblems, PartPath, SpacePath, TooLarge, Unsupported, UploadPath,
    UpstreamProblems,
};
use super::validate;
use crate::app::AppState;
use crate::digest::Expected;
use crate::error::{ApiError, ApiResult};
use crate::forwarded::ClientOrigin;
use crate::model::*;
use crate::providers::Allowed;
use crate::providers::UploadFile;
use crate::uploads::{NewUpload, UploadSessionInfo, on_conflict};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_upload))
        .routes(routes!(get_upload, abort_upload))
        .routes(routes!(put_part))
        .routes(routes!(complete_upload))
}

/// Start a resumable upload.
///
/// Send the parts with `PUT …/parts/{n}` (any order, retries allowed), then `POST …/complete`.
/// Sessions expire after `limits.upload_session_ttl`. A `size` over the upload limit is a 413.
/// `Location` is the session's URL as the caller addressed the gateway (behind a trusted
/// proxy: its `X-Forwarded-Proto`/`-Host`).
#[utoipa::path(post, path = "/v1/connections/{conn}/spaces/{space}/uploads", tag = "uploads", params(SpacePath),
    request_body = NewUpload, responses((status = 201, body = UploadSessionInfo,
        headers(("Location" = String, description = "The upload session's URL"))), LocalProblems, TooLarge, Unsupported))]
async fn create_upload(
    State(state): State<AppState>,
    Call(auth, p, _): Call<FilesWrite, SpacePath>,
    origin: Option<Extension<ClientOrigin>>,
    ApiJson(mut req): ApiJson<NewUpload>,
) -> ApiResult<(
    StatusCode,
    [(header::HeaderName, HeaderValue); 1],
    Json<UploadSessionInfo>,
)> {
    req.name = validate::name("name", &req.name)?;
    let drive = auth.drive(Operation::UploadFile)?;
    let limit = upload_limit(&state, drive);
    let info = state
        .staging()
        .create(
            &auth.connection.name,
            auth.connection.provider,
            &p.space,
            &auth.caller.sub,
            req,
            limit,
        )
        .await?;
    let path = format!(
        "/v1/connections/{}/spaces/{}/uploads/{}",
        auth.connection.name, p.space, info.id
    );
    let url = origin.map_or_else(|| path.clone(), |Extension(o)| o.url(&path));
    let location = HeaderValue::from_str(&url).map_err(ApiError::internal)?;
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(info),
    ))
}

/// Read a resumable upload's state.
///
/// Which parts have arrived, the part size, when the session expires and its `state`; once
/// `completed`, the `result` that `complete` answered. Only the token subject that created it
/// can see it.
#[utoipa::path(get, path = "/v1/connections/{conn}/spaces/{space}/uploads/{upload}", tag = "uploads", params(UploadPath),
    responses((status = 200, body = UploadSessionInfo), LocalProblems))]
async fn get_upload(
    State(state): State<AppState>,
    Call(auth, p, _): Call<FilesWrite, UploadPath>,
) -> ApiResult<Json<UploadSessionInfo>> {
    let s = state
        .staging()
        .get(&p.upload, &auth.connection.name, &p.space, &auth.caller.sub)
        .await?;
    let mut info = state.staging().info(&s).await?;
    info.result = info
        .result
        .map(|r| r.allowed(auth.connection.drive.as_ref()));
    Ok(Json(info))
}

/// Abort a resumable upload.
///
/// Discards the session and every part received.
#[utoipa::path(delete, path = "/v1/connections/{conn}/spaces/{space}/uploads/{upload}", tag = "uploads", params(UploadPath),
    responses((status = 204, description = "Aborted"), LocalProblems))]
async fn abort_upload(
    State(state): State<AppState>,
    Call(auth, p, _): Call<FilesWrite, UploadPath>,
) -> ApiResult<StatusCode> {
    let s = state
        .staging()
        .get(&p.upload, &auth.connection.name, &p.space, &auth.caller.sub)
        .await?;
    state.staging().discard(&s).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Integrity headers of a part.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Header)]
#[allow(dead_code)]
struct PartDigests {
    /// RFC 9530 digest of this part's bytes, `sha-256=:<base64>:`; checked before the part is
    /// kept (other algorithms are ignored). A mismatch is a 400 `digest_mismatch`.
    #[param(rename = "Content-Digest")]
    content_digest: Option<String>,
    /// RFC 1864 base64 MD5 of this part's bytes; checked like `Content-Digest`.
    #[param(rename = "Content-MD5")]
    content_md5: Option<String>,
}

/// Whole-file digest for `complete`.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Header)]
#[allow(dead_code)]
struct FileDigest {
    /// RFC 9530 digest of the whole assembled file, `sha-256=:<base64>:`; checked before
    /// anything goes upstream. A mismatch is a 400 `digest_mismatch` (the session stays).
    #[param(rename = "Repr-Digest")]
    repr_digest: Option<String>,
}

/// Send one part of a resumable upload.
///
/// Part `n` (from 1) is exactly `part_size` bytes, the last part the remainder. A part may be
/// sent again; a copy replaces the earlier one only once it has arrived whole (exact length,
/// and the `Content-Digest`/`Content-MD5` when given) — a re-send that breaks off or does not
/// match is refused and the earlier copy stays. After `complete` has started, 409.
#[utoipa::path(put, path = "/v1/connections/{conn}/spaces/{space}/uploads/{upload}/parts/{n}", tag = "uploads", params(PartPath, PartDigests),
    request_body(content = inline(Binary), content_type = "application/octet-stream"),
    responses((status = 200, body = UploadSessionInfo), LocalProblems, Busy))]
async fn put_part(
    State(state): State<AppState>,
    Call(auth, p, _): Call<FilesWrite, PartPath>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<Json<UploadSessionInfo>> {
    let s = state
        .staging()
        .get(&p.upload, &auth.connection.name, &p.space, &auth.caller.sub)
        .await?;
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok());
    let expected = Expected::from_headers(&headers, "content-digest", true)?;
    Ok(Json(
        state
            .staging()
            .put_part(&s, p.n, declared, &expected, body.into_data_stream())
            .await?,
    ))
}

/// Finish a resumable upload.
///
/// The gateway assembles the parts, checks the total length (and the whole-file `Repr-Digest`
/// when given), and sends the file upstream. Missing parts are a 409 `upload_incomplete`. One
/// `complete` runs per upload: while it runs, others get 409 `upload_in_progress` with
/// `Retry-After`; once it succeeded, every `complete` answers its result again (same 201 body),
/// so a caller who lost the answer can ask again. If the upstream refuses, the session stays
/// and `complete` may be retried.
#[utoipa::path(post, path = "/v1/connections/{conn}/spaces/{space}/uploads/{upload}/complete", tag = "uploads", params(UploadPath, FileDigest),
    responses((status = 201, body = UploadResult, headers(("Location" = String, description = "The new file's path, `/v1/connections/{conn}/spaces/{space}/items/{item}`"))), TooLarge, LocalProblems, UpstreamProblems))]
async fn complete_upload(
    State(state): State<AppState>,
    Call(auth, p, _): Call<FilesWrite, UploadPath>,
    headers: HeaderMap,
) -> ApiResult<axum::response::Response> {
    auth.drive(Operation::UploadFile)?;
    let whole = Expected::from_headers(&headers, "repr-digest", false)?;
    let staging = state.staging();
    let s = staging
        .get(&p.upload, &auth.connection.name, &p.space, &auth.caller.sub)
        .await?;
    let connection = auth.connection.clone();
    let ctx = auth.ctx.clone();
    let req = |s: &crate::store::UploadSession, content| UploadFile {
        parent: s.parent.clone(),
        name: s.name.clone(),
        on_conflict: on_conflict(s),
        content,
    };
    let session = s.clone();
    let locks = state.creation_locks().clone();
    let needs = connection.drive.upload_digests();
    let result = staging
        .complete(s, whole, needs, move |content| async move {
            let _one_at_a_time = locks
                .lock(
                    &connection.name,
                    &p.space,
                    session.parent.as_deref(),
                    &session.name,
                )
                .await?;
            connection
                .drive
                .upload_file(&ctx, &p.space, req(&session, content))
                .await
        })
        .await?
        .allowed(auth.connection.drive.as_ref());
    Ok(super::conditional::created(
        super::conditional::item_location(
            &auth.connection.name,
            &result.item.space_id,
            &result.item.id,
        ),
        result,
    ))
}
