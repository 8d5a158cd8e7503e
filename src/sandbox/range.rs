//! The `Range` header as the WeCom and OneBot download hosts read it, and the headers their
//! answers share.

use axum::http::{HeaderMap, HeaderValue, header};

/// An octet stream of `len` bytes that could also be asked for in ranges.
pub fn stream_headers(h: &mut HeaderMap, len: u64) {
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/octet-stream"),
    );
    h.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(len));
}

/// What a `Range` header asks of a `size`-byte file.
#[derive(Debug, PartialEq)]
pub enum Span {
    Full,
    /// Inclusive byte range.
    Part(u64, u64),
    Unsatisfiable,
}

/// One `bytes=a-b`, `bytes=a-` or `bytes=-n`; several ranges or a malformed header are
/// ignored (the whole file is sent, as RFC 9110 allows).
pub fn parse_range(header: Option<&str>, size: u64) -> Span {
    let Some(spec) = header.and_then(|h| h.trim().strip_prefix("bytes=")) else {
        return Span::Full;
    };
    if spec.contains(',') {
        return Span::Full;
    }
    let Some((a, b)) = spec.trim().split_once('-') else {
        return Span::Full;
    };
    let (a, b) = (a.trim(), b.trim());
    if a.is_empty() {
        return match b.parse::<u64>() {
            Ok(0) => Span::Unsatisfiable,
            Ok(n) if size > 0 => Span::Part(size - n.min(size), size - 1),
            Ok(_) => Span::Unsatisfiable,
            Err(_) => Span::Full,
        };
    }
    let Ok(start) = a.parse::<u64>() else {
        return Span::Full;
    };
    let end = if b.is_empty() {
        u64::MAX
    } else {
        match b.parse::<u64>() {
            Ok(end) if end >= start => end,
            _ => return Span::Full,
        }
    };
    if start >= size {
        return Span::Unsatisfiable;
    }
    Span::Part(start, end.min(size - 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_follow_rfc_9110() {
        assert_eq!(parse_range(None, 10), Span::Full);
        assert_eq!(parse_range(Some("bytes=0-3"), 10), Span::Part(0, 3));
        assert_eq!(parse_range(Some("bytes=4-"), 10), Span::Part(4, 9));
        assert_eq!(parse_range(Some("bytes=-3"), 10), Span::Part(7, 9));
        assert_eq!(parse_range(Some("bytes=-30"), 10), Span::Part(0, 9));
        assert_eq!(parse_range(Some("bytes=5-100"), 10), Span::Part(5, 9));
        assert_eq!(parse_range(Some("bytes=10-"), 10), Span::Unsatisfiable);
        assert_eq!(parse_range(Some("bytes=-0"), 10), Span::Unsatisfiable);
        assert_eq!(parse_range(Some("bytes=3-1"), 10), Span::Full);
        assert_eq!(parse_range(Some("bytes=0-1,4-5"), 10), Span::Full);
        assert_eq!(parse_range(Some("items=0-1"), 10), Span::Full);
    }
}
