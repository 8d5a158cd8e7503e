//! Fangcloud `errors[].code` → [`UpstreamError`]. Every code of the document's table (异常返回 /
//! 业务错误, fangcloud-open-api-v2.txt) is listed; the table is mirrored in
//! docs/providers/fangcloud.md. The document names no HTTP status per code, so the status
//! comes from the code alone, whatever status the upstream used (e.g. the space limits are a
//! 507 here even when the upstream answers 403).

use crate::error::{UpstreamError, UpstreamKind as K};

pub const PROVIDER: &str = "fangcloud";

/// Every code of the document's table, in its order (`request_data_invalid` appears twice
/// there), plus `rate_limit` (频次限制). The unit test checks each one is mapped.
#[cfg(test)]
pub const DOCUMENTED: &[&str] = &[
    "request_data_invalid",
    "permission_denied",
    "file_not_found",
    "folder_not_found",
    "file_deleted",
    "folder_deleted",
    "file_in_trash_not_found",
    "folder_in_trash_not_found",
    "file_name_conflict",
    "folder_name_conflict",
    "folder_empty_in_trash",
    "folder_parent_deleted",
    "move_to_itself",
    "move_to_subfolder",
    "copy_to_itself",
    "copy_to_subfolder",
    "item_name_invalid",
    "item_name_size_incorrect",
    "empty_trash",
    "exceed_enterprise_space_limit",
    "exceed_user_space_limit",
    "folder_is_descendant",
    "user_not_found",
    "user_profile_pic_not_found",
    "user_profile_pic_key_not_found",
    "user_profile_pic_key_incorrect",
    "share_link_password_not_provided",
    "share_link_access_type_invalid",
    "due_time_passed",
    "share_link_not_found_or_deleted",
    "share_link_resource_id_not_provided",
    "share_link_resource_id_ambiguous",
    "share_link_password_not_correct",
    "share_link_password_size_incorrect",
    "share_link_password_invalid",
    "share_link_expired",
    "collab_not_found",
    "collab_role_invalid",
    "collab_user_has_been_invited",
    "collab_user_not_in_same_enterprise",
    "collab_group_not_supported",
    "cannot_invite_item_owner",
    "comment_not_found",
    "collab_related_folder_deleted",
    "enterprise_is_expired",
    "department_not_found",
    "department_name_conflict",
    "user_not_in_enterprise",
    "user_already_in_department",
    "user_exceed_department_limit",
    "user_not_in_department",
    "group_name_conflict",
    "user_already_in_group",
    "user_not_in_group",
    "user_email_or_phone_invalid",
    "user_already_deleted",
    "user_already_invited",
    "user_already_registered",
    "user_receive_items_needed",
    "department_space_total_exceeds_enterprise_limit",
    "department_having_children_can_not_delete",
    "user_space_total_exceeds_enterprise_limit",
    "user_received_items_not_in_same_enterprise",
    "invalid_enterprise_storage",
    "department_director_can_not_delete",
    "user_deleted_is_user_received_items",
    "user_not_active",
    "preview_file_not_generated",
    "can_not_download_yiqixie_file",
    "user_receive_items_need_active",
    "timestamp_range_invalid",
    "enterprise_not_enable_sync_account",
    "cannot_provide_both_yfy_id_and_custom_id",
    "yfy_id_and_custom_id_not_null",
    "rate_limit",
];

/// (kind, filegate code) for an upstream code; `None` for codes this adapter does not know.
pub fn classify(code: &str) -> Option<(K, &'static str)> {
    Some(match code {
        // Parameter validation (参数验证错误): the problem names the upstream's `field`.
        "request_data_invalid" => (K::BadRequest, "invalid_request"),
        "timestamp_range_invalid" => (K::BadRequest, "invalid_request"),
        "permission_denied" => (K::Forbidden, "permission_denied"),
        "file_not_found"
        | "folder_not_found"
        | "file_deleted"
        | "folder_deleted"
        | "collab_related_folder_deleted" => (K::NotFound, "item_not_found"),
        "file_in_trash_not_found" | "folder_in_trash_not_found" => {
            (K::NotFound, "item_not_in_trash")
        }
        "folder_empty_in_trash" | "empty_trash" => (K::NotFound, "trash_empty"),
        "file_name_conflict"
        | "folder_name_conflict"
        | "department_name_conflict"
        | "group_name_conflict" => (K::Conflict, "name_conflict"),
        "folder_parent_deleted" => (K::Conflict, "parent_deleted"),
        "move_to_itself"
        | "move_to_subfolder"
        | "folder_is_descendant"
        | "copy_to_itself"
        | "copy_to_subfolder" => (K::BadRequest, "invalid_destination"),
        "item_name_invalid" => (K::BadRequest, "invalid_name"),
        "item_name_size_incorrect" => (K::BadRequest, "invalid_name_length"),
        "exceed_enterprise_space_limit"
        | "exceed_user_space_limit"
        | "department_space_total_exceeds_enterprise_limit"
        | "user_space_total_exceeds_enterprise_limit" => {
            (K::InsufficientStorage, "insufficient_storage")
        }
        "user_not_found" | "user_not_in_enterprise" => (K::NotFound, "user_not_found"),
        "user_profile_pic_not_found" => (K::NotFound, "profile_picture_not_found"),
        "user_profile_pic_key_not_found" | "user_profile_pic_key_incorrect" => {
            (K::BadRequest, "invalid_profile_picture_key")
        }
        "share_link_password_not_provided" => (K::BadRequest, "password_required"),
        "share_link_access_type_invalid" => (K::BadRequest, "invalid_share_scope"),
        "due_time_passed" => (K::BadRequest, "expiry_in_past"),
        "share_link_not_found_or_deleted" => (K::NotFound, "share_link_not_found"),
        "share_link_expired" => (K::NotFound, "share_link_expired"),
        "share_link_password_not_correct" => (K::Forbidden, "password_incorrect"),
        "share_link_password_size_incorrect" | "share_link_password_invalid" => {
            (K::BadRequest, "invalid_password")
        }
        "collab_not_found" => (K::NotFound, "member_not_found"),
        "collab_role_invalid" => (K::BadRequest, "invalid_role"),
        "collab_user_has_been_invited" => (K::Conflict, "member_exists"),
        "collab_user_not_in_same_enterprise" => (K::Forbidden, "member_outside_enterprise"),
        "collab_group_not_supported" => (K::BadRequest, "group_collaboration_not_supported"),
        "cannot_invite_item_owner" => (K::BadRequest, "cannot_invite_owner"),
        "comment_not_found" => (K::NotFound, "comment_not_found"),
        "enterprise_is_expired" => (K::Forbidden, "enterprise_expired"),
        "department_not_found" => (K::NotFound, "department_not_found"),
        "user_not_in_department" | "user_not_in_group" => (K::NotFound, "member_not_found"),
        "user_already_in_department" | "user_already_in_group" => (K::Conflict, "member_exists"),
        "user_exceed_department_limit" => (K::Conflict, "department_limit_reached"),
        "user_email_or_phone_invalid" => (K::BadRequest, "invalid_contact"),
        "user_already_deleted" => (K::Conflict, "user_already_deleted"),
        "user_already_invited" => (K::Conflict, "user_already_invited"),
        "user_already_registered" => (K::Conflict, "user_already_registered"),
        "user_receive_items_needed"
        | "user_received_items_not_in_same_enterprise"
        | "user_deleted_is_user_received_items"
        | "user_receive_items_need_active" => (K::BadRequest, "invalid_items_receiver"),
        "department_having_children_can_not_delete" => (K::Conflict, "department_has_children"),
        "department_director_can_not_delete" => (K::Conflict, "department_director"),
        "invalid_enterprise_storage" => (K::BadRequest, "invalid_storage"),
        "user_not_active" => (K::Forbidden, "user_not_active"),
        "preview_file_not_generated" => (K::NotFound, "preview_not_ready"),
        "can_not_download_yiqixie_file" => (K::BadRequest, "not_downloadable"),
        "enterprise_not_enable_sync_account" => (K::Forbidden, "account_sync_disabled"),
        // The gateway built a request the upstream found contradictory: our bug, not the
        // caller's.
        "share_link_resource_id_not_provided"
        | "share_link_resource_id_ambiguous"
        | "cannot_provide_both_yfy_id_and_custom_id"
        | "yfy_id_and_custom_id_not_null" => (K::Malformed, "upstream_rejected_request"),
        "rate_limit" => (K::RateLimited, "rate_limited"),
        // Not in the table, but answered by the upstream (official SDKs): the bearer token is
        // missing, unknown, expired or revoked (HTTP 401). The client refreshes and retries
        // once; seen by a caller only if the retry fails too.
        "unauthorized" | "invalid_token" => (K::TokenRejected, "upstream_token_rejected"),
        // Not in the table; the official SDKs know it (unknown group in an invitation).
        "group_not_found" => (K::NotFound, "group_not_found"),
        _ => return None,
    })
}

/// An API error answer: `code`, `msg`, the `field` of parameter errors, and the seconds until
/// the rate-limit budget is whole again when the upstream said (`X-Rate-Limit-Reset`).
pub fn from_code(code: &str, msg: &str, field: Option<&str>, reset: Option<u64>) -> UpstreamError {
    let (kind, filegate_code) = classify(code).unwrap_or((K::Unavailable, "upstream_error"));
    let message: String = msg.chars().take(200).collect();
    let mut e = UpstreamError::new(PROVIDER, kind, filegate_code, code, message);
    if kind == K::BadRequest {
        e = e.with_field(field.map(str::to_owned));
    }
    if kind == K::RateLimited {
        // Document, 频次限制: X-Rate-Limit-Reset is the seconds until the budget is whole.
        e = e.with_retry_after(Some(reset.unwrap_or(1).max(1)));
    }
    e
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_documented_code_is_mapped() {
        for code in DOCUMENTED {
            assert!(classify(code).is_some(), "{code} is not mapped");
        }
    }

    #[test]
    fn codes_map_to_the_statuses_of_the_brief() {
        for (code, status, filegate) in [
            ("file_not_found", 404, "item_not_found"),
            ("folder_deleted", 404, "item_not_found"),
            ("permission_denied", 403, "permission_denied"),
            ("file_name_conflict", 409, "name_conflict"),
            ("folder_name_conflict", 409, "name_conflict"),
            ("request_data_invalid", 400, "invalid_request"),
            ("exceed_user_space_limit", 507, "insufficient_storage"),
            ("exceed_enterprise_space_limit", 507, "insufficient_storage"),
            ("rate_limit", 429, "rate_limited"),
            ("invalid_token", 502, "upstream_token_rejected"),
            ("something_new", 502, "upstream_error"),
        ] {
            let e = from_code(code, "", None, None);
            assert_eq!(e.kind.status().as_u16(), status, "{code}");
            assert_eq!(e.code, filegate, "{code}");
        }
    }

    #[test]
    fn parameter_errors_keep_their_field_and_rate_limits_their_reset() {
        let e = from_code("request_data_invalid", "不能为空", Some("folder_id"), None);
        assert_eq!(e.field.as_deref(), Some("folder_id"));
        assert_eq!(
            from_code("rate_limit", "", None, Some(7)).retry_after,
            Some(7)
        );
        assert_eq!(from_code("rate_limit", "", None, None).retry_after, Some(1));
    }
}
