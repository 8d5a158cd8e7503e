//! Opaque, URL-safe, stateless ids.
//!
//! An id carries everything the upstream needs to find the object again (Fangcloud's
//! file-vs-folder type, OneBot's group id + busid + file id…), so the gateway keeps no id table.
//! Layout before base64url (no padding): one version byte, one kind byte (`s`pace, `i`tem,
//! `u`pload, `v`ersion, `c`omment, share `l`ink…), the provider tag, then length-prefixed UTF-8 fields.
//! Anything that does not decode exactly is a 400 `invalid_id`, never a panic.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::error::ApiError;
use crate::model::Provider;

const VERSION: u8 = 1;
/// Ids come from URLs; anything longer than this is not one of ours.
const MAX_ENCODED_LEN: usize = super::rules::MAX_ID_CHARS;

/// What an id names; a space id is never accepted where an item id is expected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdKind {
    Space,
    Item,
    Upload,
    Version,
    Comment,
    ShareLink,
}

impl IdKind {
    fn tag(self) -> u8 {
        match self {
            Self::Space => b's',
            Self::Item => b'i',
            Self::Upload => b'u',
            Self::Version => b'v',
            Self::Comment => b'c',
            Self::ShareLink => b'l',
        }
    }

    fn name(self) -> &'static str {
        match self {
            Self::Space => "space",
            Self::Item => "item",
            Self::Upload => "upload",
            Self::Version => "version",
            Self::Comment => "comment",
            Self::ShareLink => "share link",
        }
    }
}

fn provider_tag(p: Provider) -> u8 {
    match p {
        Provider::Wecom => b'w',
        Provider::Fangcloud => b'f',
        Provider::Onebot => b'o',
    }
}

/// Encodes `fields` as an opaque id of `kind` for `provider`.
pub fn encode(kind: IdKind, provider: Provider, fields: &[&str]) -> String {
    let mut buf = vec![VERSION, kind.tag(), provider_tag(provider)];
    for f in fields {
        write_varint(&mut buf, f.len() as u64);
        buf.extend_from_slice(f.as_bytes());
    }
    URL_SAFE_NO_PAD.encode(buf)
}

/// Decodes an id produced by [`encode`] with the same kind and provider.
pub fn decode(kind: IdKind, provider: Provider, id: &str) -> Result<Vec<String>, ApiError> {
    let invalid = || {
        ApiError::InvalidId(format!(
            "'{}' is not a valid {} id for this connection",
            truncate(id),
            kind.name()
        ))
    };
    if id.is_empty() || id.len() > MAX_ENCODED_LEN {
        return Err(invalid());
    }
    let bytes = URL_SAFE_NO_PAD.decode(id).map_err(|_| invalid())?;
    let [version, k, p, rest @ ..] = bytes.as_slice() else {
        return Err(invalid());
    };
    if *version != VERSION || *k != kind.tag() || *p != provider_tag(provider) {
        return Err(invalid());
    }
    let mut fields = Vec::new();
    let mut rest = rest;
    while !rest.is_empty() {
        let (len, used) = read_varint(rest).ok_or_else(invalid)?;
        rest = &rest[used..];
        let len = usize::try_from(len).map_err(|_| invalid())?;
        if len > rest.len() {
            return Err(invalid());
        }
        let (field, tail) = rest.split_at(len);
        fields.push(String::from_utf8(field.to_vec()).map_err(|_| invalid())?);
        rest = tail;
    }
    Ok(fields)
}

/// Decodes and checks the field count, for adapters whose ids have a fixed shape.
pub fn decode_n<const N: usize>(
    kind: IdKind,
    provider: Provider,
    id: &str,
) -> Result<[String; N], ApiError> {
    let fields = decode(kind, provider, id)?;
    fields.try_into().map_err(|_| {
        ApiError::InvalidId(format!(
            "'{}' is not a valid {} id for this connection",
            truncate(id),
            kind.name()
        ))
    })
}

fn truncate(id: &str) -> String {
    id.chars().take(64).collect()
}

fn write_varint(buf: &mut Vec<u8>, mut v: u64) {
    loop {
        let byte = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            buf.push(byte);
            return;
        }
        buf.push(byte | 0x80);
    }
}

fn read_varint(buf: &[u8]) -> Option<(u64, usize)> {
    let mut v = 0u64;
    for (i, b) in buf.iter().enumerate().take(10) {
        v |= u64::from(b & 0x7f) << (7 * i);
        if b & 0x80 == 0 {
            return Some((v, i + 1));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn any_fields_round_trip(fields in proptest::collection::vec(".*", 0..6)) {
            let refs: Vec<&str> = fields.iter().map(String::as_str).collect();
            let id = encode(IdKind::Item, Provider::Onebot, &refs);
            prop_assert!(id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
            prop_assert_eq!(decode(IdKind::Item, Provider::Onebot, &id).unwrap(), fields);
        }

        #[test]
        fn arbitrary_strings_never_panic(s in ".*") {
            let _ = decode(IdKind::Space, Provider::Wecom, &s);
        }

        #[test]
        fn arbitrary_bytes_behind_valid_base64_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            let _ = decode(IdKind::Item, Provider::Fangcloud, &URL_SAFE_NO_PAD.encode(bytes));
        }
    }

    #[test]
    fn an_id_of_another_kind_or_provider_is_rejected() {
        let id = encode(IdKind::Space, Provider::Wecom, &["abc"]);
        assert!(decode(IdKind::Item, Provider::Wecom, &id).is_err());
        assert!(decode(IdKind::Space, Provider::Fangcloud, &id).is_err());
        assert_eq!(
            decode(IdKind::Space, Provider::Wecom, &id).unwrap(),
            vec!["abc"]
        );
    }

    #[test]
    fn truncated_and_padded_ids_are_invalid_id_errors() {
        let id = encode(IdKind::Item, Provider::Fangcloud, &["file", "123"]);
        let err = decode(IdKind::Item, Provider::Fangcloud, &id[..id.len() - 2]).unwrap_err();
        assert_eq!(err.code(), "invalid_id");
        assert!(decode(IdKind::Item, Provider::Fangcloud, &format!("{id}==")).is_err());
        assert!(decode_n::<3>(IdKind::Item, Provider::Fangcloud, &id).is_err());
        assert_eq!(
            decode_n::<2>(IdKind::Item, Provider::Fangcloud, &id).unwrap(),
            ["file".to_owned(), "123".to_owned()]
        );
    }
}
