//! Reading query parameters, path ids and JSON bodies with the upstream's validation errors
//! (`request_data_invalid` naming the field, document 参数验证错误).
//!
//! Numbers are accepted as JSON numbers or numeric strings, and booleans as booleans or
//! `"true"`/`"false"`: the document's own examples send `"parent_id": "501002634212"`, which the
//! upstream's JSON binder coerces.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Query, Request};
use axum::http::request::Parts;
use serde_json::{Map, Value};

use super::envelope::ApiError;

/// Query parameters.
pub struct Q(pub HashMap<String, String>);

impl<S: Send + Sync> FromRequestParts<S> for Q {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match Query::<HashMap<String, String>>::from_request_parts(parts, state).await {
            Ok(Query(map)) => Ok(Q(map)),
            Err(_) => Err(ApiError::invalid("query", "查询参数格式错误")),
        }
    }
}

fn parse_i64(field: &str, raw: &str) -> Result<i64, ApiError> {
    raw.trim()
        .parse::<i64>()
        .map_err(|_| ApiError::invalid(field, "必须是整数"))
}

fn parse_bool(field: &str, raw: &str) -> Result<bool, ApiError> {
    match raw.trim() {
        "true" | "1" => Ok(true),
        "false" | "0" => Ok(false),
        _ => Err(ApiError::invalid(field, "必须是布尔值")),
    }
}

impl Q {
    pub fn str(&self, k: &str) -> Option<&str> {
        self.0.get(k).map(String::as_str)
    }

    /// A present, non-empty string.
    pub fn str_req(&self, k: &str) -> Result<&str, ApiError> {
        match self.str(k) {
            Some(s) if !s.trim().is_empty() => Ok(s),
            _ => Err(ApiError::missing(k)),
        }
    }

    pub fn i64(&self, k: &str) -> Result<Option<i64>, ApiError> {
        match self.str(k) {
            None | Some("") => Ok(None),
            Some(s) => parse_i64(k, s).map(Some),
        }
    }

    pub fn i64_req(&self, k: &str) -> Result<i64, ApiError> {
        self.i64(k)?.ok_or_else(|| ApiError::missing(k))
    }

    pub fn bool(&self, k: &str) -> Result<Option<bool>, ApiError> {
        match self.str(k) {
            None | Some("") => Ok(None),
            Some(s) => parse_bool(k, s).map(Some),
        }
    }

    /// Refuses every parameter the document does not list for the call, naming the first one
    /// (sorted, so the answer is stable): an upstream that follows the document ignores or
    /// rejects such a parameter, and a client relying on it (`page_capacity` on a search) is
    /// wrong against it. Answering 400 makes the test suite catch the next one.
    pub fn only(&self, documented: &[&str]) -> Result<&Self, ApiError> {
        let mut unknown: Vec<&String> = self
            .0
            .keys()
            .filter(|k| !documented.contains(&k.as_str()))
            .collect();
        unknown.sort();
        match unknown.first() {
            Some(k) => Err(ApiError::invalid(k, "不支持的参数")),
            None => Ok(self),
        }
    }

    fn page_id(&self) -> Result<usize, ApiError> {
        let page_id = self.i64("page_id")?.unwrap_or(0);
        if page_id < 0 {
            return Err(ApiError::invalid("page_id", "必须大于或等于0"));
        }
        Ok(page_id as usize)
    }

    /// `page_id` of a call whose page size is fixed (searches: "第几页,每页默认20" — the
    /// document lists no `page_capacity` for them).
    pub fn fixed_paging(&self, capacity: usize) -> Result<(usize, usize), ApiError> {
        Ok((self.page_id()?, capacity))
    }

    /// `page_id` (>= 0, default 0) and `page_capacity` (>= 1, default 20), as documented for
    /// listings.
    pub fn paging(&self) -> Result<(usize, usize), ApiError> {
        let page_id = self.page_id()? as i64;
        let cap = self.i64("page_capacity")?.unwrap_or(20);
        if cap < 1 {
            return Err(ApiError::invalid("page_capacity", "必须大于或等于1"));
        }
        Ok((page_id as usize, cap as usize))
    }

    /// One of `allowed` (or the default when absent).
    pub fn choice<'a>(
        &'a self,
        k: &str,
        allowed: &[&str],
        default: &'a str,
    ) -> Result<&'a str, ApiError> {
        match self.str(k) {
            None | Some("") => Ok(default),
            Some(s) if allowed.contains(&s) => Ok(s),
            Some(_) => Err(ApiError::invalid(
                k,
                &format!("只能是{}", allowed.join(",")),
            )),
        }
    }
}

/// A numeric id from the path.
pub fn path_id(field: &str, raw: &str) -> Result<i64, ApiError> {
    parse_i64(field, raw)
}

/// A JSON object body (an empty body reads as `{}`).
pub struct Body(pub Map<String, Value>);

impl<S: Send + Sync> FromRequest<S> for Body {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|_| ApiError::invalid("body", "请求体读取失败"))?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(Body(Map::new()));
        }
        match serde_json::from_slice::<Value>(&bytes) {
            Ok(Value::Object(map)) => Ok(Body(map)),
            _ => Err(ApiError::invalid("body", "请求体必须是JSON对象")),
        }
    }
}

impl Body {
    fn get(&self, k: &str) -> Option<&Value> {
        match self.0.get(k) {
            None | Some(Value::Null) => None,
            Some(v) => Some(v),
        }
    }

    pub fn value(&self, k: &str) -> Option<&Value> {
        self.get(k)
    }

    pub fn i64(&self, k: &str) -> Result<Option<i64>, ApiError> {
        value_i64(k, self.get(k))
    }

    pub fn i64_req(&self, k: &str) -> Result<i64, ApiError> {
        self.i64(k)?.ok_or_else(|| ApiError::missing(k))
    }

    pub fn str(&self, k: &str) -> Result<Option<String>, ApiError> {
        match self.get(k) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(Value::Number(n)) => Ok(Some(n.to_string())),
            Some(_) => Err(ApiError::invalid(k, "必须是字符串")),
        }
    }

    /// A present string (may not be empty).
    pub fn str_req(&self, k: &str) -> Result<String, ApiError> {
        match self.str(k)? {
            Some(s) if !s.is_empty() => Ok(s),
            _ => Err(ApiError::missing(k)),
        }
    }

    pub fn bool(&self, k: &str) -> Result<Option<bool>, ApiError> {
        match self.get(k) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(Value::String(s)) => parse_bool(k, s).map(Some),
            Some(_) => Err(ApiError::invalid(k, "必须是布尔值")),
        }
    }

    /// `upload_type`, which the document says must be `api`.
    pub fn upload_type(&self) -> Result<(), ApiError> {
        match self.str("upload_type")?.as_deref() {
            Some("api") => Ok(()),
            None | Some("") => Err(ApiError::missing("upload_type")),
            Some(_) => Err(ApiError::invalid("upload_type", "只能是api")),
        }
    }
}

pub fn value_i64(field: &str, v: Option<&Value>) -> Result<Option<i64>, ApiError> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n
            .as_i64()
            .map(Some)
            .ok_or_else(|| ApiError::invalid(field, "必须是整数")),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Value::String(s)) => parse_i64(field, s).map(Some),
        Some(_) => Err(ApiError::invalid(field, "必须是整数")),
    }
}
