//! Name rules of WeDrive.
//!
//! Document (file_upload / file_create / file_rename): "文件名最多填255个字符, 英文算1个,
//! 汉字算2个". The simulator counts every ASCII character as 1 and every other character as 2
//! (its reading of "汉字算2个" for characters that are neither), and applies the same rule to
//! space names. Characters WeDrive refuses in file names (`\ / : * ? " < > |`, control
//! characters) and the names `.`/`..` are rejected too — common public behaviour of WeDrive's
//! clients, not written in the document.

use super::envelope::ApiError;
use crate::providers::wecom::errcodes;

pub const MAX_NAME_WIDTH: usize = 255;

/// The document's width of a name: ASCII 1, anything else 2.
pub fn width(name: &str) -> usize {
    name.chars().map(|c| if c.is_ascii() { 1 } else { 2 }).sum()
}

pub fn check_file_name(name: &str) -> Result<(), ApiError> {
    let bad = |reason: &str| Err(ApiError::new(errcodes::INVALID_FILE_NAME, reason));
    if name.trim().is_empty() {
        return bad("invalid file name: empty");
    }
    if width(name) > MAX_NAME_WIDTH {
        return bad("invalid file name: longer than 255 (ASCII 1, CJK 2)");
    }
    if name == "." || name == ".." {
        return bad("invalid file name");
    }
    if name
        .chars()
        .any(|c| c.is_control() || "\\/:*?\"<>|".contains(c))
    {
        return bad("invalid file name: contains a forbidden character");
    }
    Ok(())
}

pub fn check_space_name(name: &str) -> Result<(), ApiError> {
    if name.trim().is_empty() || width(name) > MAX_NAME_WIDTH {
        return Err(ApiError::new(
            errcodes::INVALID_SPACE_NAME,
            "invalid space_name: empty or longer than 255 (ASCII 1, CJK 2)",
        ));
    }
    Ok(())
}

/// The `n`-th conflict name, as file_move documents it: "xxx(1).txt xxx(1).doc". Folders have
/// no extension; a leading dot (".profile") is not one either.
pub fn numbered(name: &str, n: u32, is_folder: bool) -> String {
    let split = if is_folder {
        None
    } else {
        name.rfind('.').filter(|&i| i > 0)
    };
    match split {
        Some(i) => format!("{}({n}){}", &name[..i], &name[i..]),
        None => format!("{name}({n})"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cjk_characters_count_twice() {
        assert_eq!(width("abc"), 3);
        assert_eq!(width("微盘"), 4);
        assert!(check_file_name(&"a".repeat(255)).is_ok());
        assert!(check_file_name(&"a".repeat(256)).is_err());
        assert!(check_file_name(&"盘".repeat(127)).is_ok());
        assert!(check_file_name(&format!("{}a", "盘".repeat(127))).is_ok());
        assert!(check_file_name(&"盘".repeat(128)).is_err());
    }

    #[test]
    fn forbidden_names_are_rejected() {
        for name in [
            "", "  ", ".", "..", "a/b", "a\\b", "a:b", "a*b", "a?b", "a\"b", "a<b", "a|b", "a\nb",
        ] {
            assert_eq!(
                check_file_name(name).unwrap_err().code,
                errcodes::INVALID_FILE_NAME,
                "{name:?}"
            );
        }
    }

    #[test]
    fn conflict_names_number_before_the_extension() {
        assert_eq!(numbered("a.txt", 1, false), "a(1).txt");
        assert_eq!(numbered("a.tar.gz", 2, false), "a.tar(2).gz");
        assert_eq!(numbered(".profile", 1, false), ".profile(1)");
        assert_eq!(numbered("v1.2", 1, true), "v1.2(1)");
    }
}
