//! OneBot `retcode` (and HTTP status) → [`UpstreamError`]. The table is mirrored in
//! docs/providers/onebot.md.
//!
//! OneBot 11 (upstream-docs/README.md, OneBot section): retcode 1400 bad request, 1401/1403
//! auth, 1404 unknown action; every other non-zero value is an implementation failure
//! (go-cqhttp and the simulator use 100) whose only distinguishing feature is its `message`.
//! Shamrock's document lists no failure codes at all, so failures are told apart by message
//! where the message is recognisable, and are a 502 `upstream_error` otherwise.

use crate::error::{UpstreamError, UpstreamKind as K};

pub const PROVIDER: &str = "onebot";

pub const RETCODE_OK: i64 = 0;
/// `status: async` answers carry retcode 1 (OneBot 11); the gateway never asks for async
/// calls, but an implementation answering so has accepted the call.
pub const RETCODE_ASYNC: i64 = 1;
pub const RETCODE_BAD_REQUEST: i64 = 1400;
pub const RETCODE_UNAUTHORIZED: i64 = 1401;
pub const RETCODE_FORBIDDEN: i64 = 1403;
pub const RETCODE_UNKNOWN_ACTION: i64 = 1404;

/// (kind, filegate code) for a failed envelope.
pub fn classify(retcode: i64, message: &str) -> (K, &'static str) {
    let m = message.to_lowercase();
    match retcode {
        // 1400: a missing or ill-typed parameter. Every parameter is built by the adapter and
        // every caller-given value (names, sizes, parents) is validated before the call, so a
        // 1400 is normally the gateway's request not matching this implementation's dialect
        // (README: parameter names vary between implementations) → 502. The two exceptions are
        // refusals of a value the caller chose: a name, and an upload into a folder (the
        // `folder` parameter, which Shamrock refuses: "参数 folder在Shamrock不受支持").
        RETCODE_BAD_REQUEST if m.contains("`folder`") && m.contains("not supported") => {
            (K::BadRequest, "upload_to_folder_not_supported")
        }
        RETCODE_BAD_REQUEST if m.contains("name") => (K::BadRequest, "invalid_name"),
        RETCODE_BAD_REQUEST => (K::Malformed, "upstream_rejected_request"),
        // The implementation refused the gateway's own access token: the operator's problem.
        RETCODE_UNAUTHORIZED | RETCODE_FORBIDDEN => {
            (K::CredentialsRejected, "upstream_credentials_rejected")
        }
        // The implementation does not have the action (not every implementation has every
        // go-cqhttp extension): a deployment problem, not the caller's.
        RETCODE_UNKNOWN_ACTION => (K::Unavailable, "upstream_action_unsupported"),
        _ => classify_failure(&m),
    }
}

/// Implementation failures (retcode 100 and others), by message. The messages recognised are
/// the simulator's, which name the object first ("group 1 not found …", "file /x (busid 102)
/// not found", "folder /y not found", "user 2 is not a friend of the bot"), and go-cqhttp's
/// machine words `GROUP_NOT_FOUND` / `FRIEND_NOT_FOUND` (its public source, coolq/api.go).
fn classify_failure(m: &str) -> (K, &'static str) {
    let not_found = m.contains("not found");
    if (m.starts_with("group ") && not_found)
        || (m.starts_with("user ") && m.contains("friend"))
        || m.contains("group_not_found")
        || m.contains("friend_not_found")
    {
        (K::NotFound, "space_not_found")
    } else if (m.starts_with("file ") || m.starts_with("folder ")) && not_found {
        (K::NotFound, "item_not_found")
    } else if m.contains("already exists") {
        (K::Conflict, "name_conflict")
    } else if m.contains("file count limit") {
        (K::InsufficientStorage, "file_limit_reached")
    } else if m.contains("not enough") && m.contains("space") {
        (K::InsufficientStorage, "insufficient_storage")
    } else if m.contains("name longer than") {
        (K::BadRequest, "name_too_long")
    } else if m.contains("forbidden character") {
        (K::BadRequest, "invalid_name")
    } else if m.contains("file is empty") {
        (K::BadRequest, "empty_file")
    } else if m.contains("only be created in the root") {
        (K::BadRequest, "nested_folder_not_supported")
    } else if m.contains("rate limited") {
        (K::RateLimited, "rate_limited")
    } else {
        (K::Unavailable, "upstream_error")
    }
}

pub fn from_envelope(retcode: i64, message: &str) -> UpstreamError {
    let (kind, code) = classify(retcode, message);
    let retry = (kind == K::RateLimited).then_some(1);
    UpstreamError::new(
        PROVIDER,
        kind,
        code,
        retcode,
        message.chars().take(200).collect::<String>(),
    )
    .with_retry_after(retry)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_retcode_and_recognised_message_maps_to_a_status_and_code() {
        for (retcode, message, status, code) in [
            (
                1400,
                "missing parameter `group_id`",
                502,
                "upstream_rejected_request",
            ),
            (
                1400,
                "parameter `busid` must be an integer",
                502,
                "upstream_rejected_request",
            ),
            (1400, "folder name is empty", 400, "invalid_name"),
            (
                1400,
                "parameter `folder` is not supported by Shamrock (参数 folder在Shamrock不受支持)",
                400,
                "upload_to_folder_not_supported",
            ),
            (
                1401,
                "access token missing",
                502,
                "upstream_credentials_rejected",
            ),
            (
                1403,
                "access token invalid",
                502,
                "upstream_credentials_rejected",
            ),
            (
                1404,
                "unknown action: x",
                502,
                "upstream_action_unsupported",
            ),
            (
                100,
                "group 1 not found (the bot is not a member)",
                404,
                "space_not_found",
            ),
            (
                100,
                "user 2 is not a friend of the bot",
                404,
                "space_not_found",
            ),
            (100, "file /a (busid 102) not found", 404, "item_not_found"),
            (100, "folder /b not found", 404, "item_not_found"),
            (
                100,
                "a folder named \"x\" already exists",
                409,
                "name_conflict",
            ),
            (
                100,
                "group file count limit reached (10 files)",
                507,
                "file_limit_reached",
            ),
            (
                100,
                "not enough group file space: 1 bytes used of 2",
                507,
                "insufficient_storage",
            ),
            (100, "file name longer than 255 bytes", 400, "name_too_long"),
            (
                100,
                "folder name contains a forbidden character",
                400,
                "invalid_name",
            ),
            (
                100,
                "the file is empty (QQ refuses empty files)",
                400,
                "empty_file",
            ),
            (
                100,
                "folders can only be created in the root",
                400,
                "nested_folder_not_supported",
            ),
            (100, "rate limited: retry after 3 s", 429, "rate_limited"),
            (100, "simulated error", 502, "upstream_error"),
            (100, "群聊不存在 (GROUP_NOT_FOUND)", 404, "space_not_found"),
            (200, "FILE_SYSTEM_API_ERROR", 502, "upstream_error"),
            (-1, "", 502, "upstream_error"),
            (200, "whatever", 502, "upstream_error"),
        ] {
            let e = from_envelope(retcode, message);
            assert_eq!(e.kind.status().as_u16(), status, "{retcode} {message}");
            assert_eq!(e.code, code, "{retcode} {message}");
            assert_eq!(e.upstream_code, retcode.to_string());
        }
    }
}
