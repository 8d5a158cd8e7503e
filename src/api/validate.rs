//! Checks every provider shares; provider-specific rules (length units, forbidden characters)
//! are the adapters', and run before any upstream call.

use crate::error::{ApiError, ApiResult};

use crate::model::rules::MAX_NAME_CHARS;

/// A name must be non-empty, not only spaces, free of control characters and not absurdly long.
pub fn name(field: &str, value: &str) -> ApiResult<()> {
    let bad = |detail: &str| ApiError::BadRequest {
        code: "invalid_name",
        detail: detail.to_owned(),
        field: Some(field.to_owned()),
    };
    if value.trim().is_empty() {
        return Err(bad("the name must not be empty"));
    }
    if value.chars().count() > MAX_NAME_CHARS {
        return Err(ApiError::BadRequest {
            code: "name_too_long",
            detail: format!("the name must be at most {MAX_NAME_CHARS} characters"),
            field: Some(field.to_owned()),
        });
    }
    if value.chars().any(char::is_control) {
        return Err(bad("the name must not contain control characters"));
    }
    Ok(())
}

/// Free text (descriptions, comments, messages) up to `max` characters.
pub fn text(field: &str, value: &str, max: usize) -> ApiResult<()> {
    if value.chars().count() > max {
        return Err(ApiError::BadRequest {
            code: "invalid_request",
            detail: format!("{field} must be at most {max} characters"),
            field: Some(field.to_owned()),
        });
    }
    if value.contains('\0') {
        return Err(ApiError::invalid_field(
            field,
            format!("{field} must not contain NUL"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_control_and_huge_names_are_rejected() {
        assert!(name("name", "report.pdf").is_ok());
        assert!(name("name", "报告.pdf").is_ok());
        assert_eq!(name("name", "  ").unwrap_err().code(), "invalid_name");
        assert_eq!(name("name", "a\nb").unwrap_err().code(), "invalid_name");
        assert_eq!(
            name("name", &"a".repeat(1025)).unwrap_err().code(),
            "name_too_long"
        );
    }
}
