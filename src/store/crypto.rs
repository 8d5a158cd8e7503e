//! Upstream tokens encrypted at rest: AES-256-GCM (RustCrypto `aes-gcm`), a fresh 96-bit
//! nonce per value, the row's (connection, subject, column) as associated data so a value
//! cannot be moved to another row or column, and the id of the key beside it (`key_id`) so keys
//! can be rotated: rows are written with the current key and read with whichever configured
//! key wrote them. Rows written before encryption (`key_id` NULL) stay readable.
//!
//! Stored form of an encrypted value: `base64(nonce ‖ ciphertext ‖ tag)`.

use std::collections::HashMap;
use std::sync::Arc;

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;

use super::{StoreError, TokenKey};

/// The keys tokens are sealed and opened with. [`TokenCipher::plaintext`] stores them as they
/// are (SQLite without a configured key, with a warning at start-up).
#[derive(Clone, Default)]
pub struct TokenCipher {
    current: Option<(String, Arc<Aes256Gcm>)>,
    all: HashMap<String, Arc<Aes256Gcm>>,
}

impl std::fmt::Debug for TokenCipher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenCipher")
            .field("current", &self.current.as_ref().map(|(id, _)| id))
            .field("keys", &self.all.keys().collect::<Vec<_>>())
            .finish()
    }
}

/// A key as configured: its id and its 32 bytes in standard base64.
pub fn decode_key(id: &str, b64: &str) -> Result<[u8; 32], String> {
    let bytes = B64
        .decode(b64.trim())
        .map_err(|_| format!("token key '{id}' is not base64"))?;
    bytes
        .try_into()
        .map_err(|_| format!("token key '{id}' must be 32 bytes (AES-256)"))
}

impl TokenCipher {
    pub fn plaintext() -> Self {
        Self::default()
    }

    /// New rows are sealed with `current`; `old` keys only open rows they wrote.
    pub fn new(current: (&str, [u8; 32]), old: &[(String, [u8; 32])]) -> Self {
        let mut all = HashMap::new();
        for (id, key) in old {
            all.insert(id.clone(), Arc::new(Aes256Gcm::new(key.into())));
        }
        let cur = Arc::new(Aes256Gcm::new((&current.1).into()));
        all.insert(current.0.to_owned(), cur.clone());
        Self {
            current: Some((current.0.to_owned(), cur)),
            all,
        }
    }

    pub fn is_plaintext(&self) -> bool {
        self.current.is_none()
    }

    /// The key id written with new rows (None: stored in plain text).
    pub fn key_id(&self) -> Option<&str> {
        self.current.as_ref().map(|(id, _)| id.as_str())
    }

    fn aad(key: &TokenKey, column: &str) -> Vec<u8> {
        format!("filegate:{}\0{}\0{column}", key.connection, key.subject).into_bytes()
    }

    /// Seals one column's value for a new row.
    pub fn seal(&self, key: &TokenKey, column: &str, value: &str) -> Result<String, StoreError> {
        let Some((_, cipher)) = &self.current else {
            return Ok(value.to_owned());
        };
        let nonce_bytes: [u8; 12] = rand::random();
        let aad = Self::aad(key, column);
        let sealed = cipher
            .encrypt(
                Nonce::from_slice(&nonce_bytes),
                Payload {
                    msg: value.as_bytes(),
                    aad: &aad,
                },
            )
            .map_err(|_| StoreError::Crypto("token encryption failed".into()))?;
        let mut out = nonce_bytes.to_vec();
        out.extend_from_slice(&sealed);
        Ok(B64.encode(out))
    }

    /// Opens a stored value written with `key_id` (None: plain text).
    pub fn open(
        &self,
        key: &TokenKey,
        column: &str,
        key_id: Option<&str>,
        stored: &str,
    ) -> Result<String, StoreError> {
        let Some(id) = key_id else {
            return Ok(stored.to_owned());
        };
        let cipher = self.all.get(id).ok_or_else(|| {
            StoreError::Crypto(format!(
                "the token row was encrypted with key '{id}', which is not configured"
            ))
        })?;
        let raw = B64
            .decode(stored)
            .map_err(|_| StoreError::Crypto("a stored token is not base64".into()))?;
        if raw.len() < 12 + 16 {
            return Err(StoreError::Crypto("a stored token is too short".into()));
        }
        let (nonce, sealed) = raw.split_at(12);
        let aad = Self::aad(key, column);
        let plain = cipher
            .decrypt(
                Nonce::from_slice(nonce),
                Payload {
                    msg: sealed,
                    aad: &aad,
                },
            )
            .map_err(|_| {
                StoreError::Crypto(format!(
                    "a stored token does not open with key '{id}' (wrong key or altered row)"
                ))
            })?;
        String::from_utf8(plain)
            .map_err(|_| StoreError::Crypto("a stored token is not text".into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(n: u8) -> [u8; 32] {
        [n; 32]
    }

    #[test]
    fn sealed_values_open_with_their_key_only_and_only_in_their_row() {
        let k = TokenKey::new("wd", "app");
        let c = TokenCipher::new(("k1", key(1)), &[]);
        let sealed = c.seal(&k, "access_token", "secret-token").unwrap();
        assert!(!sealed.contains("secret-token"));
        assert_ne!(
            sealed,
            c.seal(&k, "access_token", "secret-token").unwrap(),
            "fresh nonce"
        );
        assert_eq!(
            c.open(&k, "access_token", Some("k1"), &sealed).unwrap(),
            "secret-token"
        );
        assert!(
            c.open(&k, "refresh_token", Some("k1"), &sealed).is_err(),
            "other column"
        );
        let other = TokenKey::new("wd", "user:1");
        assert!(
            c.open(&other, "access_token", Some("k1"), &sealed).is_err(),
            "other row"
        );
        let wrong = TokenCipher::new(("k1", key(2)), &[]);
        assert!(wrong.open(&k, "access_token", Some("k1"), &sealed).is_err());
        assert!(
            TokenCipher::plaintext()
                .open(&k, "access_token", Some("k1"), &sealed)
                .is_err()
        );
    }

    #[test]
    fn after_a_rotation_old_rows_open_with_the_old_key_and_new_rows_use_the_new_one() {
        let k = TokenKey::new("wd", "app");
        let before = TokenCipher::new(("k1", key(1)), &[]);
        let old_row = before.seal(&k, "access_token", "old").unwrap();
        let after = TokenCipher::new(("k2", key(2)), &[("k1".into(), key(1))]);
        assert_eq!(after.key_id(), Some("k2"));
        assert_eq!(
            after
                .open(&k, "access_token", Some("k1"), &old_row)
                .unwrap(),
            "old"
        );
        let new_row = after.seal(&k, "access_token", "new").unwrap();
        assert!(
            before
                .open(&k, "access_token", Some("k2"), &new_row)
                .is_err()
        );
        assert_eq!(
            after.open(&k, "access_token", None, "legacy").unwrap(),
            "legacy"
        );
    }

    #[test]
    fn keys_must_be_32_bytes_of_base64() {
        assert!(decode_key("k", &B64.encode([0u8; 32])).is_ok());
        assert!(decode_key("k", &B64.encode([0u8; 16])).is_err());
        assert!(decode_key("k", "not base64!").is_err());
    }
}
