//! WeDrive `errcode` → [`UpstreamError`]. The table is mirrored in docs/providers/wecom.md;
//! the codes and their meanings are in `errcodes.rs`.

use super::errcodes as c;
use crate::error::{UpstreamError, UpstreamKind as K};

pub const PROVIDER: &str = "wecom";

/// (kind, filegate code) for an errcode; `None` for codes this adapter does not know.
pub fn classify(errcode: i64) -> Option<(K, &'static str)> {
    Some(match errcode {
        c::SPACE_NOT_FOUND | c::INVALID_SPACEID => (K::NotFound, "space_not_found"),
        c::FILE_NOT_FOUND | c::FILE_DELETED | c::INVALID_FILEID => (K::NotFound, "item_not_found"),
        c::INVALID_FATHERID => (K::NotFound, "parent_not_found"),
        c::MEMBER_NOT_IN_SPACE => (K::NotFound, "member_not_found"),
        c::NO_PERMISSION | c::NO_SPACE_PERMISSION => (K::Forbidden, "permission_denied"),
        c::INVITE_LINK_DISABLED => (K::Forbidden, "invite_link_disabled"),
        c::MEMBER_CAPACITY_EXCEEDED | c::CAPACITY_EXCEEDED => {
            (K::InsufficientStorage, "insufficient_storage")
        }
        c::INVALID_FILE_NAME | c::INVALID_SPACE_NAME => (K::BadRequest, "invalid_name"),
        c::INVALID_USERID | c::INVALID_DEPARTMENTID => (K::BadRequest, "invalid_member"),
        c::INVALID_AUTH | c::INVALID_AUTH_SCOPE => (K::BadRequest, "invalid_role"),
        c::PREVIEW_AUTH_NOT_SUPPORTED => (K::BadRequest, "role_not_available"),
        c::WATERMARK_NOT_SUPPORTED => (K::BadRequest, "watermark_not_supported"),
        c::DOWNLOAD_NOT_A_FILE => (K::BadRequest, "not_downloadable"),
        c::INVALID_FILE_SIZE => (K::PayloadTooLarge, "payload_too_large"),
        c::SPACE_MEMBER_LIMIT => (K::Conflict, "member_limit_reached"),
        c::SPACE_HAS_NO_ADMIN => (K::Conflict, "space_has_no_admin"),
        c::API_FREQ_OUT_OF_LIMIT | c::API_QUOTA_EXCEEDED => (K::RateLimited, "rate_limited"),
        c::INVALID_ACCESS_TOKEN | c::ACCESS_TOKEN_EXPIRED | c::MISSING_ACCESS_TOKEN => {
            (K::TokenRejected, "upstream_token_rejected")
        }
        c::INVALID_SECRET | c::INVALID_CORPID | c::MISSING_CORPID | c::MISSING_SECRET => {
            (K::CredentialsRejected, "upstream_credentials_rejected")
        }
        c::API_NOT_ENABLED | c::EDIT_NOT_ENABLED => {
            (K::CredentialsRejected, "upstream_api_not_enabled")
        }
        // The gateway built a request the upstream found malformed: our bug, not the caller's.
        c::INVALID_PARAMETER
        | c::JSON_MISMATCH
        | c::DATA_FORMAT_ERROR
        | c::PARAMETER_ERROR
        | c::INVALID_BASE64 => (K::Malformed, "upstream_rejected_request"),
        c::INVALID_FILE_BLOCK => (K::Malformed, "upstream_rejected_upload"),
        c::INVALID_SELECTED_TICKET => (K::BadRequest, "invalid_selected_ticket"),
        c::SYSTEM_BUSY => (K::Unavailable, "upstream_unavailable"),
        _ => return None,
    })
}

pub fn from_errcode(errcode: i64, errmsg: &str) -> UpstreamError {
    let (kind, code) = classify(errcode).unwrap_or((K::Unavailable, "upstream_error"));
    // WeDrive sends no Retry-After of its own: the client sets it to the governor's pause.
    UpstreamError::new(
        PROVIDER,
        kind,
        code,
        errcode,
        errmsg.chars().take(200).collect::<String>(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_documented_errcode_maps_to_a_status() {
        for (code, status) in [
            (c::FILE_NOT_FOUND, 404),
            (c::SPACE_NOT_FOUND, 404),
            (c::NO_PERMISSION, 403),
            (c::INVALID_FILE_NAME, 400),
            (c::CAPACITY_EXCEEDED, 507),
            (c::API_FREQ_OUT_OF_LIMIT, 429),
            (c::INVALID_SECRET, 502),
            (c::SYSTEM_BUSY, 502),
            (123_456, 502),
        ] {
            assert_eq!(
                from_errcode(code, "").kind.status().as_u16(),
                status,
                "errcode {code}"
            );
        }
    }
}
