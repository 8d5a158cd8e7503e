//! Opaque pagination cursors: base64url of a small JSON value chosen by each adapter
//! (WeCom `next_start`, Fangcloud `page_id`, an offset for unpaged upstreams), sealed by the
//! handler with a [`Binding`] of the listing's parameters: `{hash}.{adapter cursor}`, so a
//! cursor reused with another `sort`, `kind`, `parent` or `q` is a 400 `invalid_cursor`
//! instead of a page that silently skips or repeats items.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::ApiError;

pub fn encode<T: Serialize>(state: &T) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(state).unwrap_or_default())
}

pub fn decode<T: DeserializeOwned>(cursor: &str) -> Result<T, ApiError> {
    let invalid = || ApiError::BadRequest {
        code: "invalid_cursor",
        detail: "the cursor is malformed or belongs to another listing".into(),
        field: Some("cursor".into()),
    };
    if cursor.len() > 4096 {
        return Err(invalid());
    }
    let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| invalid())?;
    serde_json::from_slice(&bytes).map_err(|_| invalid())
}

fn invalid(detail: &str) -> ApiError {
    ApiError::BadRequest {
        code: "invalid_cursor",
        detail: detail.into(),
        field: Some("cursor".into()),
    }
}

/// A short hash of what a listing is (its route and the parameters that choose its items and
/// their order, not `limit`), carried by its cursors.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binding(String);

impl Binding {
    /// The binding of listing `what` with `params` (name, value as given, `None` when absent).
    pub fn of(what: &str, params: &[(&str, Option<String>)]) -> Self {
        use sha1::{Digest, Sha1};
        let mut h = Sha1::new();
        h.update(what.as_bytes());
        for (name, value) in params {
            h.update(b"\n");
            h.update(name.as_bytes());
            match value {
                Some(v) => {
                    h.update(b"=");
                    h.update(v.as_bytes());
                }
                None => h.update(b"!"),
            }
        }
        let digest = h.finalize();
        Self(digest.iter().take(4).map(|b| format!("{b:02x}")).collect())
    }

    /// Checks a caller's cursor against this binding and gives the adapter's own cursor.
    pub fn open(&self, cursor: Option<String>) -> Result<Option<String>, ApiError> {
        let Some(c) = cursor else { return Ok(None) };
        let (hash, inner) = c
            .split_once('.')
            .ok_or_else(|| invalid("the cursor is malformed or belongs to another listing"))?;
        if hash != self.0 {
            return Err(invalid(
                "the cursor belongs to a listing with other parameters (sort, kind, parent, q); \
                 start again without a cursor",
            ));
        }
        if inner.is_empty() {
            return Err(invalid(
                "the cursor is malformed or belongs to another listing",
            ));
        }
        Ok(Some(inner.to_owned()))
    }

    /// One page of the listing: the caller's cursor in `page` opened for `list`, and the next
    /// cursor `list` gives sealed.
    pub async fn page<T>(
        &self,
        mut page: super::PageRequest,
        list: impl AsyncFnOnce(super::PageRequest) -> Result<super::Page<T>, ApiError>,
    ) -> Result<super::Page<T>, ApiError> {
        page.cursor = self.open(page.cursor)?;
        Ok(self.seal(list(page).await?))
    }

    /// Seals the adapter's `next_cursor` of `page` with this binding.
    pub fn seal<T>(&self, mut page: super::Page<T>) -> super::Page<T> {
        page.next_cursor = page.next_cursor.map(|c| format!("{}.{c}", self.0));
        page
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_cursor_opens_only_under_the_same_parameters() {
        let a = Binding::of(
            "items",
            &[("sort", Some("name_asc".into())), ("kind", None)],
        );
        let b = Binding::of(
            "items",
            &[("sort", Some("name_desc".into())), ("kind", None)],
        );
        let page = a.seal(super::super::Page {
            items: vec![1],
            next_cursor: Some(encode(&2u32)),
        });
        let c = page.next_cursor.unwrap();
        assert_eq!(a.open(Some(c.clone())).unwrap(), Some(encode(&2u32)));
        assert_eq!(b.open(Some(c)).unwrap_err().code(), "invalid_cursor");
        assert_eq!(
            a.open(Some("Mg".into())).unwrap_err().code(),
            "invalid_cursor"
        );
        assert_eq!(a.open(None).unwrap(), None);
    }

    #[test]
    fn a_cursor_round_trips_and_garbage_is_a_400() {
        let c = encode(&(7u32, "x"));
        assert_eq!(decode::<(u32, String)>(&c).unwrap(), (7, "x".to_owned()));
        let err = decode::<(u32, String)>("!!!").unwrap_err();
        assert_eq!(err.code(), "invalid_cursor");
        let err = decode::<u64>(&encode(&"not a number")).unwrap_err();
        assert_eq!(err.status().as_u16(), 400);
    }
}
