//! Integrity fields a caller may send with bytes: RFC 9530 `Content-Digest` / `Repr-Digest`
//! (`sha-256=:<base64>:`, a Structured Fields dictionary) and RFC 1864 `Content-MD5`
//! (`<base64 of the MD5>`). The gateway checks what it can (sha-256, md5) and ignores
//! algorithms it does not know, as RFC 9530 §3 allows.

use axum::http::HeaderMap;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use md5::{Digest, Md5};
use sha2::Sha256;

use crate::error::{ApiError, ApiResult};

/// The digests a caller asked to be checked, raw bytes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Expected {
    /// (header it came from, SHA-256).
    pub sha256: Option<(&'static str, Vec<u8>)>,
    /// (header it came from, MD5).
    pub md5: Option<(&'static str, Vec<u8>)>,
}

impl Expected {
    pub fn is_empty(&self) -> bool {
        self.sha256.is_none() && self.md5.is_none()
    }

    /// Reads `dictionary_header` (`Content-Digest` or `Repr-Digest`) and, when `with_md5`,
    /// `Content-MD5`. A malformed value is a 400 naming the header.
    pub fn from_headers(
        headers: &HeaderMap,
        dictionary_header: &'static str,
        with_md5: bool,
    ) -> ApiResult<Self> {
        let mut out = Self::default();
        let field = match dictionary_header {
            "repr-digest" => "Repr-Digest",
            _ => "Content-Digest",
        };
        if let Some(v) = headers.get(dictionary_header) {
            let text = v.to_str().map_err(|_| malformed(field, "is not ASCII"))?;
            out.sha256 = parse_dictionary(text, field)?.map(|d| (field, d));
        }
        if with_md5 && let Some(v) = headers.get("content-md5") {
            let d = v
                .to_str()
                .ok()
                .and_then(|t| STANDARD.decode(t.trim()).ok())
                .filter(|d| d.len() == 16)
                .ok_or_else(|| {
                    malformed(
                        "Content-MD5",
                        "must be the base64 of a 16-byte MD5 (RFC 1864)",
                    )
                })?;
            out.md5 = Some(("Content-MD5", d));
        }
        Ok(out)
    }

    /// Checks what was computed; a mismatch is a 400 `digest_mismatch` naming the header.
    pub fn verify(&self, hasher: &Hasher) -> ApiResult<()> {
        if let (Some((field, want)), Some(got)) = (&self.sha256, &hasher.sha256)
            && got.clone().finalize().as_slice() != want.as_slice()
        {
            return Err(mismatch(field));
        }
        if let (Some((field, want)), Some(got)) = (&self.md5, &hasher.md5)
            && got.clone().finalize().as_slice() != want.as_slice()
        {
            return Err(mismatch(field));
        }
        Ok(())
    }
}

/// Computes exactly the digests an [`Expected`] needs.
#[derive(Clone, Default)]
pub struct Hasher {
    sha256: Option<Sha256>,
    md5: Option<Md5>,
}

impl Hasher {
    pub fn for_expected(e: &Expected) -> Self {
        Self {
            sha256: e.sha256.as_ref().map(|_| Sha256::new()),
            md5: e.md5.as_ref().map(|_| Md5::new()),
        }
    }

    pub fn update(&mut self, data: &[u8]) {
        if let Some(h) = &mut self.sha256 {
            h.update(data);
        }
        if let Some(h) = &mut self.md5 {
            h.update(data);
        }
    }
}

fn malformed(field: &str, what: &str) -> ApiError {
    ApiError::BadRequest {
        code: "invalid_digest",
        detail: format!("{field} {what}"),
        field: Some(field.to_owned()),
    }
}

fn mismatch(field: &str) -> ApiError {
    ApiError::BadRequest {
        code: "digest_mismatch",
        detail: format!("the bytes received do not match {field}; nothing was kept"),
        field: Some(field.to_owned()),
    }
}

/// The `sha-256` member of an RFC 9530 dictionary (`sha-256=:…:, sha-512=:…:`); `None` when
/// only other algorithms are listed.
fn parse_dictionary(text: &str, field: &'static str) -> ApiResult<Option<Vec<u8>>> {
    for member in text.split(',') {
        let Some((key, value)) = member.split_once('=') else {
            return Err(malformed(
                field,
                "must be a dictionary like sha-256=:<base64>:",
            ));
        };
        if !key.trim().eq_ignore_ascii_case("sha-256") {
            continue;
        }
        // Parameters (`;…`) may follow a member's value.
        let value = value.split(';').next().unwrap_or_default().trim();
        let bytes = value
            .strip_prefix(':')
            .and_then(|v| v.strip_suffix(':'))
            .and_then(|b| STANDARD.decode(b).ok())
            .filter(|d| d.len() == 32)
            .ok_or_else(|| {
                malformed(
                    field,
                    "has a sha-256 value that is not :<base64 of 32 bytes>:",
                )
            })?;
        return Ok(Some(bytes));
    }
    Ok(None)
}

/// `sha-256=:<base64>:` for `data` (tests and clients).
pub fn content_digest(data: &[u8]) -> String {
    format!("sha-256=:{}:", STANDARD.encode(Sha256::digest(data)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, v.parse().unwrap());
        }
        h
    }

    #[test]
    fn sha256_and_md5_are_checked_and_other_algorithms_ignored() {
        let data = b"hello";
        let h = headers(&[
            (
                "content-digest",
                &format!("sha-512=:AAAA:, {}", content_digest(data)),
            ),
            ("content-md5", &STANDARD.encode(Md5::digest(data))),
        ]);
        let e = Expected::from_headers(&h, "content-digest", true).unwrap();
        let mut hasher = Hasher::for_expected(&e);
        hasher.update(data);
        e.verify(&hasher).unwrap();
        let mut wrong = Hasher::for_expected(&e);
        wrong.update(b"hellO");
        assert_eq!(e.verify(&wrong).unwrap_err().code(), "digest_mismatch");
        let only_512 = headers(&[("content-digest", "sha-512=:AAAA:")]);
        assert!(
            Expected::from_headers(&only_512, "content-digest", true)
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn malformed_values_name_their_header() {
        for (k, v) in [("content-digest", "sha-256=abc"), ("content-md5", "zz")] {
            let err =
                Expected::from_headers(&headers(&[(k, v)]), "content-digest", true).unwrap_err();
            assert_eq!(err.code(), "invalid_digest");
        }
    }
}
