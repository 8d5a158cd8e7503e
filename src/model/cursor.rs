//! Opaque pagination cursors: base64url of a small JSON value chosen by each adapter
//! (WeCom `next_start`, Fangcloud `page_id`, an offset for unpaged upstreams).

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

#[cfg(test)]
mod tests {
    use super::*;

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
