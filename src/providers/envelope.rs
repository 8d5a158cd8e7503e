//! Reading an upstream answer's envelope without building the whole answer as a
//! `serde_json::Value`.
//!
//! The adapters first look at a few top-level members (WeCom `errcode`/`errmsg`, Fangcloud
//! `errors`) and only then parse the body into its wire type. Parsing the whole answer into a
//! `Value` first and converting it afterwards cost about 15 % of the gateway's CPU on a listing
//! (`perf record` during `bench --only paging`): every member of every item became a heap
//! string in a map, only to be dropped. [`members`] reads just the named members and skips the
//! rest unparsed; the body is then parsed once, straight from the bytes.

use std::fmt;

use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde_json::Value;

/// The top-level members `names` of a JSON answer, each as a `Value` (`Null` when absent, the
/// last one when repeated, as `Value` would keep it); every member is `Null` when the answer
/// is JSON but not an object. `None` when the bytes are not one JSON document.
pub fn members<const N: usize>(bytes: &[u8], names: [&str; N]) -> Option<[Value; N]> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let found = Members { names }.deserialize(&mut de).ok()?;
    de.end().ok()?;
    Some(found)
}

struct Members<'n, const N: usize> {
    names: [&'n str; N],
}

impl<'de, const N: usize> DeserializeSeed<'de> for Members<'_, N> {
    type Value = [Value; N];

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de, const N: usize> Visitor<'de> for Members<'_, N> {
    type Value = [Value; N];

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON document")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut found = std::array::from_fn(|_| Value::Null);
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            match self.names.iter().position(|n| *n == key) {
                Some(i) => found[i] = map.next_value()?,
                None => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(found)
    }

    // Any other JSON value is a document too, with none of the members.
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(std::array::from_fn(|_| Value::Null))
    }

    fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
        Ok(std::array::from_fn(|_| Value::Null))
    }

    fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
        Ok(std::array::from_fn(|_| Value::Null))
    }

    fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
        Ok(std::array::from_fn(|_| Value::Null))
    }

    fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
        Ok(std::array::from_fn(|_| Value::Null))
    }

    fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
        Ok(std::array::from_fn(|_| Value::Null))
    }

    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(std::array::from_fn(|_| Value::Null))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn named_members_are_read_and_the_rest_skipped() {
        let got = members(
            br#"{"errcode":40014,"file_list":{"item":[{"a":"\u00e9"}]},"errmsg":"bad"}"#,
            ["errcode", "errmsg", "absent"],
        );
        assert_eq!(got, Some([json!(40014), json!("bad"), Value::Null]));
    }

    #[test]
    fn the_last_of_a_repeated_member_counts_as_in_a_value() {
        let bytes = br#"{"errcode":1,"errcode":2}"#;
        let value: Value = serde_json::from_slice(bytes).unwrap();
        assert_eq!(
            members(bytes, ["errcode"]),
            Some([value["errcode"].clone()])
        );
    }

    #[test]
    fn json_that_is_not_an_object_has_no_members() {
        for doc in [
            &b"[1,{\"errcode\":3}]"[..],
            b"\"x\"",
            b"null",
            b"7",
            b"true",
        ] {
            assert_eq!(members(doc, ["errcode"]), Some([Value::Null]), "{doc:?}");
        }
    }

    #[test]
    fn bytes_that_are_not_one_json_document_are_none() {
        for doc in [&b""[..], b"{", b"{} {}", b"<html>", b"{\"a\":tru}"] {
            assert_eq!(members(doc, ["a"]), None, "{doc:?}");
        }
    }
}
