//! One name policy for every provider, applied before any upstream call: a name is normalised
//! to Unicode NFC (so "é" typed precomposed or as e + combining accent is one name, and a
//! conflict check compares like with like), then refused when it could mislead a reader or a
//! path: `.` and `..`, control characters, bidirectional overrides (the "right-to-left
//! override" trick that shows `exe.pdf` for `fdp.exe`), invisible zero-width characters and
//! characters drawn like a slash. Provider rules (WeDrive's width, Fangcloud's 222 characters,
//! forbidden punctuation) are checked on top by the adapters.

use unicode_normalization::UnicodeNormalization;

use crate::error::{ApiError, ApiResult};

use crate::model::rules::MAX_NAME_CHARS;

/// Explicit bidirectional formatting characters (Unicode UAX #9 §2): embeddings, overrides,
/// isolates and the implicit marks.
const BIDI_CONTROLS: &[char] = &[
    '\u{061C}', '\u{200E}', '\u{200F}', '\u{202A}', '\u{202B}', '\u{202C}', '\u{202D}', '\u{202E}',
    '\u{2066}', '\u{2067}', '\u{2068}', '\u{2069}',
];

/// Characters that take no space: zero-width space, (non-)joiners, word joiner, invisible
/// operators, byte-order mark, Mongolian vowel separator, soft hyphen.
const INVISIBLE: &[char] = &[
    '\u{00AD}', '\u{180E}', '\u{200B}', '\u{200C}', '\u{200D}', '\u{2060}', '\u{2061}', '\u{2062}',
    '\u{2063}', '\u{2064}', '\u{FEFF}',
];

/// Characters drawn like `/` or `\`, which would make a name look like a path.
const SLASH_LOOKALIKES: &[char] = &[
    '\u{2044}', '\u{2215}', '\u{2216}', '\u{2571}', '\u{2572}', '\u{29F5}', '\u{29F8}', '\u{29F9}',
    '\u{FF0F}', '\u{FF3C}', '\u{3033}', '\u{30CE}',
];

/// Which rule a name broke; named in the 400's detail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    Empty,
    TooLong,
    DotName,
    Control,
    Bidi,
    Invisible,
    SlashLookalike,
}

impl Rule {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Empty => "not_empty",
            Self::TooLong => "max_length",
            Self::DotName => "not_dot",
            Self::Control => "no_control_characters",
            Self::Bidi => "no_bidi_controls",
            Self::Invisible => "no_invisible_characters",
            Self::SlashLookalike => "no_slash_lookalikes",
        }
    }
}

/// The name in NFC, or the rule it breaks.
pub fn normalize(value: &str) -> Result<String, (Rule, String)> {
    let name: String = value.nfc().collect();
    if name.trim().is_empty() {
        return Err((Rule::Empty, "the name must not be empty".into()));
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return Err((
            Rule::TooLong,
            format!("the name must be at most {MAX_NAME_CHARS} characters"),
        ));
    }
    if name == "." || name == ".." {
        return Err((Rule::DotName, "'.' and '..' are not names".into()));
    }
    for c in name.chars() {
        let (rule, what) = if c.is_control() {
            (Rule::Control, "control characters")
        } else if BIDI_CONTROLS.contains(&c) {
            (Rule::Bidi, "bidirectional control characters")
        } else if INVISIBLE.contains(&c) {
            (Rule::Invisible, "zero-width or invisible characters")
        } else if SLASH_LOOKALIKES.contains(&c) {
            (Rule::SlashLookalike, "characters that look like a slash")
        } else {
            continue;
        };
        return Err((
            rule,
            format!(
                "names must not contain {what} (found U+{:04X}; rule {})",
                c as u32,
                rule.as_str()
            ),
        ));
    }
    Ok(name)
}

/// [`normalize`] as a 400 on `field`: `name_too_long` or `invalid_name`.
pub fn checked(field: &str, value: &str) -> ApiResult<String> {
    normalize(value).map_err(|(rule, detail)| ApiError::BadRequest {
        code: if rule == Rule::TooLong {
            "name_too_long"
        } else {
            "invalid_name"
        },
        detail,
        field: Some(field.to_owned()),
    })
}

/// Whether two names are the same name (compared in NFC), for adapters that check conflicts
/// against an upstream listing, whose names may have been written in another form.
pub fn same(a: &str, b: &str) -> bool {
    a == b || a.nfc().eq(b.nfc())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_normalised_to_nfc() {
        assert_eq!(normalize("e\u{301}.txt").unwrap(), "\u{e9}.txt");
        assert!(same("e\u{301}", "\u{e9}"));
        assert!(!same("e", "\u{e9}"));
    }

    #[test]
    fn each_rule_is_named() {
        for (name, rule) in [
            ("", Rule::Empty),
            (" ", Rule::Empty),
            (".", Rule::DotName),
            ("..", Rule::DotName),
            ("a\nb", Rule::Control),
            ("invoice\u{202E}fdp.exe", Rule::Bidi),
            ("a\u{2067}b", Rule::Bidi),
            ("a\u{200B}b", Rule::Invisible),
            ("\u{FEFF}a", Rule::Invisible),
            ("a\u{2215}b", Rule::SlashLookalike),
            ("a\u{FF0F}b", Rule::SlashLookalike),
        ] {
            let (r, detail) = normalize(name).unwrap_err();
            assert_eq!(r, rule, "{name:?}");
            assert!(detail.contains(rule.as_str()) || r == Rule::Empty || r == Rule::DotName);
        }
        assert_eq!(normalize(&"a".repeat(1025)).unwrap_err().0, Rule::TooLong);
        assert_eq!(normalize("报告 (1).pdf").unwrap(), "报告 (1).pdf");
        assert_eq!(normalize("...").unwrap(), "...");
    }
}

/// `stem (n).ext`: the n-th alternative to a taken name, the one pattern every provider uses
/// for on_conflict=rename (the gateway picks it before calling where the upstream would number
/// differently, WeCom's `x(1).txt`). The stem is shortened until `fits` accepts the name.
pub fn numbered(name: &str, n: u32, fits: impl Fn(&str) -> bool) -> String {
    let (stem, ext) = match name.rfind('.') {
        Some(i) if i > 0 => name.split_at(i),
        _ => (name, ""),
    };
    let tail = format!(" ({n}){ext}");
    let mut stem = stem.to_owned();
    loop {
        let candidate = format!("{stem}{tail}");
        if fits(&candidate) || stem.pop().is_none() {
            return candidate;
        }
    }
}

#[cfg(test)]
mod numbered_tests {
    #[test]
    fn alternatives_number_before_the_extension_and_fit() {
        assert_eq!(super::numbered("readme.txt", 1, |_| true), "readme (1).txt");
        assert_eq!(super::numbered(".env", 2, |_| true), ".env (2)");
        assert_eq!(
            super::numbered("abcdef.md", 3, |n| n.len() <= 10),
            "abc (3).md"
        );
    }
}
