//! Input rules shared by the handlers' checks (`api::validate`, `api::extract`) and the OpenAPI
//! schemas (`#[schema(schema_with = …)]`), so that the document states exactly what the code
//! enforces. JSON Schema's `maxLength` counts characters, as these checks do.

use utoipa::openapi::schema::{Object, ObjectBuilder, SchemaType, Type};

/// Longest name the gateway accepts from anyone, before provider rules apply.
pub const MAX_NAME_CHARS: usize = 1024;

/// A name: no control character (Unicode `Cc`, what `char::is_control` tests) and at least one
/// character that is neither a control nor white space (Unicode `White_Space`, what `str::trim`
/// strips).
pub const NAME_PATTERN: &str = r"^[^\u0000-\u001F\u007F-\u009F]*[^\u0000-\u0020\u007F-\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000][^\u0000-\u001F\u007F-\u009F]*$";

/// Free text: no NUL.
pub const TEXT_PATTERN: &str = r"^[^\u0000]*$";

/// Free text that must say something (comments, search words): no NUL, one character that is
/// not white space.
pub const NON_BLANK_TEXT_PATTERN: &str = r"^[^\u0000]*[^\u0000\u0009-\u000D\u0020\u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000][^\u0000]*$";

pub const MAX_DESCRIPTION_CHARS: usize = 1000;
pub const MAX_COMMENT_CHARS: usize = 1000;
/// Invitation notes (WeCom and Fangcloud both cap theirs at 140).
pub const MAX_MESSAGE_CHARS: usize = 140;
pub const MAX_WATERMARK_CHARS: usize = 64;
pub const MAX_MEMBER_ID_CHARS: usize = 128;
/// Most grants one request may carry.
pub const MAX_MEMBERS_PER_REQUEST: usize = 100;
/// Share-link passwords: 1-33 letters and digits (Fangcloud's rule, the only provider with
/// link passwords; checked by the gateway for every connection).
pub const LINK_PASSWORD_PATTERN: &str = "^[A-Za-z0-9]{1,33}$";
/// The `{member}` path segment.
pub const MEMBER_REF_PATTERN: &str = r"^(user|department|group):[\s\S]{1,128}$";
pub const MAX_SEARCH_CHARS: usize = 200;
pub const MAX_DIRECTORY_QUERY_CHARS: usize = 100;
/// Every opaque id (`model::ids`): URL-safe base64 without padding, at most 2048 characters.
pub const ID_PATTERN: &str = "^[A-Za-z0-9_-]+$";
pub const MAX_ID_CHARS: usize = 2048;
/// Longest pagination cursor (`model::cursor`).
pub const MAX_CURSOR_CHARS: usize = 4096;

fn string(nullable: bool) -> ObjectBuilder {
    let ty = if nullable {
        SchemaType::from_iter([Type::String, Type::Null])
    } else {
        SchemaType::new(Type::String)
    };
    ObjectBuilder::new().schema_type(ty)
}

/// Text of at most `max` characters matching `pattern`.
fn limited(nullable: bool, max: usize, pattern: &str, description: &str) -> ObjectBuilder {
    string(nullable)
        .max_length(Some(max))
        .pattern(Some(pattern))
        .description(Some(description))
}

/// Text of 1 to `max` characters matching `pattern`.
fn bounded(nullable: bool, max: usize, pattern: &str, description: &str) -> Object {
    limited(nullable, max, pattern, description)
        .min_length(Some(1))
        .build()
}

fn named(nullable: bool, description: &str) -> Object {
    bounded(nullable, MAX_NAME_CHARS, NAME_PATTERN, description)
}

fn text(nullable: bool, max: usize, description: &str) -> Object {
    limited(nullable, max, TEXT_PATTERN, description).build()
}

/// Required text of 1 to `max` characters that says something ([`NON_BLANK_TEXT_PATTERN`]).
fn non_blank_text(max: usize, description: &str) -> Object {
    bounded(false, max, NON_BLANK_TEXT_PATTERN, description)
}

/// A new item's or space's name.
pub fn name() -> Object {
    named(
        false,
        "Not blank, no control characters, at most 1024 characters; the provider's own rules (`capabilities.name_rules`) apply too.",
    )
}

/// A new name in a partial update.
pub fn new_name() -> Object {
    named(
        true,
        "Rename to this (same rules as names everywhere: not blank, no control characters, at most 1024 characters).",
    )
}

pub fn description() -> Object {
    text(
        true,
        MAX_DESCRIPTION_CHARS,
        "New description (no NUL, at most 1000 characters; some providers take fewer, see `capabilities.notes`).",
    )
}

pub fn comment() -> Object {
    non_blank_text(
        MAX_COMMENT_CHARS,
        "The comment: not blank, no NUL, at most 1000 characters.",
    )
}

pub fn message() -> Object {
    text(
        true,
        MAX_MESSAGE_CHARS,
        "A note sent with the invitation, where the upstream has one (no NUL, at most 140 characters).",
    )
}

pub fn watermark_text() -> Object {
    text(
        true,
        MAX_WATERMARK_CHARS,
        "Watermark text (no NUL, at most 64 characters).",
    )
}

pub fn member_id() -> Object {
    string(false)
        .min_length(Some(1))
        .max_length(Some(MAX_MEMBER_ID_CHARS))
        .description(Some(
            "The upstream's id of the user, department or group (1-128 characters).",
        ))
        .build()
}

pub fn link_password() -> Object {
    string(true)
        .pattern(Some(LINK_PASSWORD_PATTERN))
        .description(Some(
            "Protect the link with this password: 1-33 letters and digits.",
        ))
        .build()
}

pub fn member_ref() -> Object {
    string(false)
        .pattern(Some(MEMBER_REF_PATTERN))
        .description(Some(
            "`user:<id>`, `department:<id>` or `group:<id>` (an id of 1-128 characters).",
        ))
        .build()
}

pub fn search_words() -> Object {
    non_blank_text(
        MAX_SEARCH_CHARS,
        "Search words: not blank, at most 200 characters.",
    )
}

pub fn directory_words() -> Object {
    string(true)
        .max_length(Some(MAX_DIRECTORY_QUERY_CHARS))
        .description(Some(
            "Search words (name, login…), at most 100 characters; blank lists everyone.",
        ))
        .build()
}

pub fn cursor() -> Object {
    string(true)
        .max_length(Some(MAX_CURSOR_CHARS))
        .description(Some(
            "`next_cursor` of the previous page (opaque; empty means the first page).",
        ))
        .build()
}

/// [`LINK_PASSWORD_PATTERN`] in code.
pub fn is_link_password(p: &str) -> bool {
    (1..=33).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric())
}
