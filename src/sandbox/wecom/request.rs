//! Typed reads of a WeDrive JSON request body, with WeCom's answers for bad input.
//!
//! WeCom's backend reads request JSON into typed messages: an absent (or `null`) field reads as
//! its zero value (`""`, `0`, `false`, empty list) and is then validated like any other value —
//! which is why WeDrive's error list says "判断spaceid字段是否为空" for a missing `spaceid`. The
//! simulator follows that model; a field of the wrong JSON type answers 640011 (json格式不匹配),
//! a body that is not a JSON object 47001 (data format error).

use serde_json::{Map, Value};

use super::envelope::ApiError;
use crate::providers::wecom::errcodes;

/// Parses a request body. An empty body reads as `{}` (the simulator's choice: WeCom reads
/// what it can of a body and then complains about the missing fields).
pub fn parse_body(bytes: &[u8]) -> Result<Map<String, Value>, ApiError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    match serde_json::from_slice::<Value>(bytes) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(ApiError::new(
            errcodes::DATA_FORMAT_ERROR,
            "data format error, Warning: wrong json format.",
        )),
    }
}

/// A JSON object of the request (the body or one nested object).
#[derive(Clone, Copy)]
pub struct Obj<'a> {
    map: &'a Map<String, Value>,
}

fn mismatch(key: &str, expected: &str) -> ApiError {
    ApiError::new(
        errcodes::JSON_MISMATCH,
        format!("json format mismatch: `{key}` must be {expected}"),
    )
}

impl<'a> Obj<'a> {
    pub fn new(map: &'a Map<String, Value>) -> Self {
        Self { map }
    }

    /// An element of an object array (`auth_info[]`); anything else is a mismatch.
    pub fn item(value: &'a Value, key: &str) -> Result<Self, ApiError> {
        value
            .as_object()
            .map(Self::new)
            .ok_or_else(|| mismatch(key, "a list of objects"))
    }

    fn get(&self, key: &str) -> Option<&'a Value> {
        self.map.get(key).filter(|v| !v.is_null())
    }

    pub fn has(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    /// An optional field, `read` from its JSON value; a value `read` refuses (another JSON
    /// type, out of range) is a mismatch saying it must be `expected`.
    fn opt<T>(
        &self,
        key: &str,
        expected: &str,
        read: impl FnOnce(&'a Value) -> Option<T>,
    ) -> Result<Option<T>, ApiError> {
        self.get(key)
            .map(|v| read(v).ok_or_else(|| mismatch(key, expected)))
            .transpose()
    }

    /// A string field; absent reads as `""`.
    pub fn str(&self, key: &str) -> Result<&'a str, ApiError> {
        Ok(self.opt(key, "a string", Value::as_str)?.unwrap_or(""))
    }

    /// A uint32 field; absent reads as 0.
    pub fn u32(&self, key: &str) -> Result<u32, ApiError> {
        Ok(self.opt_u32(key)?.unwrap_or(0))
    }

    /// A uint32 field the document lets callers leave out ("如果不填充此字段为保持原有状态").
    pub fn opt_u32(&self, key: &str) -> Result<Option<u32>, ApiError> {
        self.opt(key, "an unsigned 32-bit integer", |v| {
            v.as_u64().and_then(|n| u32::try_from(n).ok())
        })
    }

    /// A uint64 field; absent reads as 0.
    pub fn u64(&self, key: &str) -> Result<u64, ApiError> {
        Ok(self
            .opt(key, "an unsigned 64-bit integer", Value::as_u64)?
            .unwrap_or(0))
    }

    /// An int32 field; absent reads as 0.
    pub fn i32(&self, key: &str) -> Result<i32, ApiError> {
        let n = self.opt(key, "a signed 32-bit integer", |v| {
            v.as_i64().and_then(|n| i32::try_from(n).ok())
        })?;
        Ok(n.unwrap_or(0))
    }

    /// An optional bool field.
    pub fn opt_bool(&self, key: &str) -> Result<Option<bool>, ApiError> {
        self.opt(key, "a bool", Value::as_bool)
    }

    /// An array field; absent reads as empty.
    pub fn array(&self, key: &str) -> Result<&'a [Value], ApiError> {
        let items = self.opt(key, "a list", |v| v.as_array().map(Vec::as_slice))?;
        Ok(items.unwrap_or(&[]))
    }

    /// A list of strings; absent reads as empty.
    pub fn strings(&self, key: &str) -> Result<Vec<&'a str>, ApiError> {
        self.array(key)?
            .iter()
            .map(|v| v.as_str().ok_or_else(|| mismatch(key, "a list of strings")))
            .collect()
    }

    /// An optional nested object.
    pub fn opt_object(&self, key: &str) -> Result<Option<Obj<'a>>, ApiError> {
        self.opt(key, "an object", |v| v.as_object().map(Obj::new))
    }
}

/// Sets `slot` to a field the caller gave; a field left out keeps the old value.
pub fn keep_or_set<T>(slot: &mut T, value: Option<T>) {
    if let Some(v) = value {
        *slot = v;
    }
}

/// Refuses a `selected_ticket` (the JS-SDK file picker's; the simulator issues none): given
/// with the `ids` it replaces as well (`ids_given`), it is an invalid parameter.
pub fn refuse_ticket(ticket: &str, ids_given: bool, ids: &str) -> Result<(), ApiError> {
    if ticket.is_empty() {
        return Ok(());
    }
    if ids_given {
        return Err(ApiError::new(
            errcodes::INVALID_PARAMETER,
            format!("fill either {ids} or selected_ticket, not both"),
        ));
    }
    Err(ApiError::new(
        errcodes::INVALID_SELECTED_TICKET,
        "invalid selected_ticket",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn map(v: Value) -> Map<String, Value> {
        match v {
            Value::Object(m) => m,
            _ => Map::new(),
        }
    }

    #[test]
    fn absent_and_null_fields_read_as_zero_values() {
        let m = map(json!({"a": null}));
        let o = Obj::new(&m);
        assert_eq!(o.str("a").unwrap(), "");
        assert_eq!(o.u32("b").unwrap(), 0);
        assert_eq!(o.opt_bool("a").unwrap(), None);
        assert!(o.array("c").unwrap().is_empty());
    }

    #[test]
    fn wrong_types_answer_json_mismatch() {
        let m = map(json!({"s": 1, "n": "1", "neg": -1, "f": 1.5, "b": 1, "big": 4294967296u64}));
        let o = Obj::new(&m);
        for e in [
            o.str("s").unwrap_err(),
            o.u32("n").unwrap_err(),
            o.u32("neg").unwrap_err(),
            o.u32("f").unwrap_err(),
            o.opt_bool("b").unwrap_err(),
            o.u32("big").unwrap_err(),
        ] {
            assert_eq!(e.code, errcodes::JSON_MISMATCH);
        }
    }

    #[test]
    fn a_body_that_is_not_a_json_object_is_a_data_format_error() {
        for body in [&b"{"[..], b"[]", b"\"x\"", b"spaceid=1"] {
            assert_eq!(
                parse_body(body).unwrap_err().code,
                errcodes::DATA_FORMAT_ERROR
            );
        }
        assert!(parse_body(b"").unwrap().is_empty());
    }
}
