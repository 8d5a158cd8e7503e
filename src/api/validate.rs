//! Checks every provider shares; provider-specific rules (length units, forbidden characters)
//! are the adapters', and run before any upstream call.

use crate::error::{ApiError, ApiResult};

/// The one name policy ([`crate::names`]): returns the name in NFC, which is what goes
/// upstream, or the 400 naming the broken rule.
pub fn name(field: &str, value: &str) -> ApiResult<String> {
    crate::names::checked(field, value)
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
