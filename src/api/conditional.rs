//! Conditional requests (RFC 9110 §13) on items: `If-None-Match` and `If-Modified-Since` on
//! reads (304), `If-Match` on writes (412 `precondition_failed`), and `Location` on 201s.
//!
//! The validator is the item's `etag` ([`Item::derived`]). None of the three upstreams offers
//! an atomic compare-and-set, so `If-Match` is checked against a fresh read of the item just
//! before the write: a change that lands between that read and the write is not detected
//! (best-effort, documented in the OpenAPI descriptions).

use axum::Json;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::error::{ApiError, ApiResult};
use crate::model::{Item, Operation};
use crate::providers::{Ctx, Drive};

/// The entity tags of an `If-Match`/`If-None-Match` list; `None` for `*`.
fn tags(v: &str) -> Option<Vec<&str>> {
    let v = v.trim();
    if v == "*" {
        return None;
    }
    Some(
        v.split(',')
            .map(|t| t.trim())
            .filter(|t| !t.is_empty())
            .collect(),
    )
}

/// Weak comparison (RFC 9110 §8.8.3.2): `W/"x"` matches `"x"`.
fn weak_eq(a: &str, b: &str) -> bool {
    a.trim_start_matches("W/") == b.trim_start_matches("W/")
}

fn text(headers: &HeaderMap, name: header::HeaderName) -> Option<&str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// Whether a read of `item` may answer 304 Not Modified: `If-None-Match` lists its etag (or
/// is `*`); without `If-None-Match`, `If-Modified-Since` is at or after its modification time.
pub fn not_modified(headers: &HeaderMap, item: &Item) -> bool {
    if let Some(v) = text(headers, header::IF_NONE_MATCH) {
        return match (tags(v), &item.etag) {
            (None, _) => true,
            (Some(list), Some(etag)) => list.iter().any(|t| weak_eq(t, etag)),
            (Some(_), None) => false,
        };
    }
    match (
        text(headers, header::IF_MODIFIED_SINCE).and_then(parse_http_date),
        item.modified_at,
    ) {
        // HTTP dates have whole seconds.
        (Some(since), Some(modified)) => modified.timestamp() <= since.timestamp(),
        _ => false,
    }
}

/// Whether the request is conditional on the current state (so a read must look first).
pub fn has_read_conditions(headers: &HeaderMap) -> bool {
    headers.contains_key(header::IF_NONE_MATCH) || headers.contains_key(header::IF_MODIFIED_SINCE)
}

/// The 304 answer: no body, the validators repeated.
pub fn not_modified_response(item: &Item) -> Response {
    let mut res = StatusCode::NOT_MODIFIED.into_response();
    validator_headers(res.headers_mut(), item);
    res
}

/// `ETag` and `Last-Modified` of `item`.
pub fn validator_headers(h: &mut HeaderMap, item: &Item) {
    if let Some(v) = item
        .etag
        .as_deref()
        .and_then(|e| HeaderValue::from_str(e).ok())
    {
        h.insert(header::ETAG, v);
    }
    if let Some(v) = item
        .modified_at
        .and_then(|t| HeaderValue::from_str(&http_date(t)).ok())
    {
        h.insert(header::LAST_MODIFIED, v);
    }
}

/// An item answer with its `ETag` (item GETs and PATCH).
pub fn item_response(item: Item) -> Response {
    let mut h = HeaderMap::new();
    if let Some(v) = item
        .etag
        .as_deref()
        .and_then(|e| HeaderValue::from_str(e).ok())
    {
        h.insert(header::ETAG, v);
    }
    (h, Json(item)).into_response()
}

/// Checks `If-Match` against a fresh read of the item; without the header nothing is read.
/// 412 `precondition_failed` when no listed tag is the item's current etag.
pub async fn check_if_match(
    headers: &HeaderMap,
    drive: &dyn Drive,
    ctx: &Ctx,
    space: &str,
    item: &str,
) -> ApiResult<()> {
    let Some(v) = headers.get(header::IF_MATCH) else {
        return Ok(());
    };
    let v = v.to_str().map_err(|_| ApiError::BadRequest {
        code: "invalid_request",
        detail: "If-Match is not valid text".into(),
        field: Some("If-Match".into()),
    })?;
    if !drive.capabilities().supports(Operation::GetItem) {
        return Err(ApiError::PreconditionFailed(
            "this connection cannot read an item's current state, so If-Match cannot be checked"
                .into(),
        ));
    }
    // A missing item is a 404 either way.
    let current = drive.get_item(ctx, space, item).await?;
    let Some(list) = tags(v) else {
        return Ok(());
    };
    // If-Match uses the strong comparison; our tags are strong, so a weak one never matches.
    let matches = current
        .etag
        .as_deref()
        .is_some_and(|etag| list.contains(&etag));
    if matches {
        Ok(())
    } else {
        Err(ApiError::PreconditionFailed(format!(
            "the item changed: its current etag is {}",
            current.etag.as_deref().unwrap_or("unknown")
        )))
    }
}

/// IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`).
pub fn http_date(t: DateTime<Utc>) -> String {
    t.format("%a, %d %b %Y %H:%M:%S GMT").to_string()
}

fn parse_http_date(v: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc2822(v.trim())
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// Percent-encodes one path segment (ids are URL-safe already; connection names may not be).
fn segment(s: &str) -> String {
    /// Everything but RFC 3986's unreserved characters.
    const RESERVED: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'.')
        .remove(b'_')
        .remove(b'~');
    percent_encoding::utf8_percent_encode(s, RESERVED).to_string()
}

/// `/v1/connections/{conn}/…` from raw segments.
pub fn location(segments: &[&str]) -> String {
    let mut out = String::from("/v1/connections");
    for s in segments {
        out.push('/');
        out.push_str(&segment(s));
    }
    out
}

/// A 201 answer with `Location` (a path relative to the gateway's origin).
pub fn created<T: Serialize>(location: String, body: T) -> Response {
    let mut res = (StatusCode::CREATED, Json(body)).into_response();
    if let Ok(v) = HeaderValue::from_str(&location) {
        res.headers_mut().insert(header::LOCATION, v);
    }
    res
}

/// The `Location` of an item.
pub fn item_location(conn: &str, space: &str, item: &str) -> String {
    location(&[conn, "spaces", space, "items", item])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(etag: &str, modified: i64) -> Item {
        serde_json::from_value(serde_json::json!({
            "id": "i", "space_id": "s", "parent_id": null, "name": "a.txt", "kind": "file",
            "size": 1, "created_at": null,
            "modified_at": DateTime::from_timestamp(modified, 0).unwrap(),
            "etag": etag, "mime_type": "text/plain"
        }))
        .unwrap()
    }

    fn headers(pairs: &[(header::HeaderName, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(k.clone(), HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn if_none_match_wins_over_if_modified_since() {
        let it = item("\"abc\"", 1_700_000_000);
        assert!(not_modified(
            &headers(&[(header::IF_NONE_MATCH, "\"x\", W/\"abc\"")]),
            &it
        ));
        assert!(not_modified(&headers(&[(header::IF_NONE_MATCH, "*")]), &it));
        assert!(!not_modified(
            &headers(&[(header::IF_NONE_MATCH, "\"x\"")]),
            &it
        ));
        let date = http_date(DateTime::from_timestamp(1_700_000_000, 0).unwrap());
        assert!(not_modified(
            &headers(&[(header::IF_MODIFIED_SINCE, &date)]),
            &it
        ));
        let earlier = http_date(DateTime::from_timestamp(1_600_000_000, 0).unwrap());
        assert!(!not_modified(
            &headers(&[(header::IF_MODIFIED_SINCE, &earlier)]),
            &it
        ));
        assert!(!not_modified(
            &headers(&[
                (header::IF_NONE_MATCH, "\"x\""),
                (header::IF_MODIFIED_SINCE, &date)
            ]),
            &it
        ));
        assert_eq!(date, "Tue, 14 Nov 2023 22:13:20 GMT");
    }

    #[test]
    fn locations_encode_their_segments() {
        assert_eq!(
            item_location("my conn", "AbC_-", "x"),
            "/v1/connections/my%20conn/spaces/AbC_-/items/x"
        );
    }
}
