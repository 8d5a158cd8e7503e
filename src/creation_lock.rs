//! Creations of one name in one folder, one at a time.
//!
//! `on_conflict=fail` and `rename` look at the folder, then create: two creations of the same
//! name that overlap would both see it free (OneBot group files even keep both: QQ allows
//! duplicate names). The gateway serialises them: per process with a keyed async mutex, and —
//! when the store is PostgreSQL, so replicas share it — across replicas with a transaction-scoped
//! advisory lock on the same key, taken after the local one (so one process holds at most one
//! database connection per key). The key is the connection, space, parent and the name
//! case-folded (some upstreams compare names without case; serialising a little more is
//! harmless). Where the upstream allows duplicates, the adapter also checks again after the call
//! (creations from outside the gateway).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};

use tokio::sync::OwnedMutexGuard;
use unicode_normalization::UnicodeNormalization;

use crate::error::{ApiError, ApiResult};
use crate::store::{NameLock, Store};

type Slot = Arc<tokio::sync::Mutex<()>>;

pub struct CreationLocks {
    local: Mutex<HashMap<String, Weak<tokio::sync::Mutex<()>>>>,
    store: Arc<dyn Store>,
}

/// Held while one creation runs; dropping it lets the next one in.
pub struct CreationGuard {
    // Field order: the replica-wide lock goes before the local one.
    _remote: Option<Box<dyn NameLock>>,
    _local: OwnedMutexGuard<()>,
}

impl CreationLocks {
    pub fn new(store: Arc<dyn Store>) -> Self {
        Self {
            local: Mutex::new(HashMap::new()),
            store,
        }
    }

    fn slot(&self, key: &str) -> Slot {
        let mut map = self.local.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(slot) = map.get(key).and_then(Weak::upgrade) {
            return slot;
        }
        if map.len() >= 1024 {
            map.retain(|_, w| w.strong_count() > 0);
        }
        let slot = Slot::default();
        map.insert(key.to_owned(), Arc::downgrade(&slot));
        slot
    }

    /// Waits until no other creation of `name` under `parent` (the space's root when `None`)
    /// runs, in this process or, with PostgreSQL, in any replica.
    pub async fn lock(
        &self,
        connection: &str,
        space: &str,
        parent: Option<&str>,
        name: &str,
    ) -> ApiResult<CreationGuard> {
        let key = key(connection, space, parent, name);
        let local = self.slot(&key).lock_owned().await;
        let remote = self
            .store
            .lock_name(&remote_name(&key))
            .await
            .map_err(ApiError::internal)?;
        Ok(CreationGuard {
            _remote: remote,
            _local: local,
        })
    }
}

fn key(connection: &str, space: &str, parent: Option<&str>, name: &str) -> String {
    let name = name.nfc().collect::<String>().to_lowercase();
    format!(
        "{connection}\u{0}{space}\u{0}{}\u{0}{name}",
        parent.unwrap_or("")
    )
}

/// The key as the store's lock takes it: PostgreSQL text cannot hold the NUL separators, and a
/// digest keeps long names short.
fn remote_name(key: &str) -> String {
    use sha2::{Digest, Sha256};
    format!("filegate:create:{}", hex::encode(Sha256::digest(key)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_folds_case_and_separates_its_parts() {
        assert_eq!(
            key("c", "s", None, "Report.PDF"),
            key("c", "s", Some(""), "report.pdf")
        );
        assert_ne!(key("c", "s", Some("a"), "b"), key("c", "s", Some("ab"), ""));
        let remote = remote_name(&key("c", "s", None, "x"));
        assert!(!remote.contains('\0') && remote.len() < 100, "{remote}");
    }
}
