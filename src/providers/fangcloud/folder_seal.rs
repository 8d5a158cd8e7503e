//! Proof, carried in a listing's cursor, that its folder was checked to lie in the space.
//!
//! `folder/children` answers any folder the acting user may read, whatever space the request
//! names, so the first page of a listing checks the parent with `folder/info` (one call).
//! Later pages would repeat that call — doubling the calls of a walk through a large folder
//! and halving what the rate-limit budget leaves for it — so the first page seals the fact
//! into the cursor instead: an HMAC-SHA256 of the acting user, the space and the folder,
//! keyed by a key derived from the connection's client secret (which every replica has, and
//! no caller knows). A cursor edited to name another folder or space fails the tag and is
//! simply checked again.

use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};

use super::map::SpaceRef;

/// Bytes of the tag kept in the cursor: 64 bits is plenty against guessing over HTTP.
const TAG_BYTES: usize = 8;

/// The keyed MAC, ready to be cloned for each tag.
#[derive(Clone)]
pub struct FolderSeal(Hmac<Sha256>);

impl FolderSeal {
    pub fn new(client_secret: &SecretString) -> Result<Self, String> {
        let mut h = Sha256::new();
        h.update(b"filegate fangcloud folder-check cursor v1\n");
        h.update(client_secret.expose_secret().as_bytes());
        let key: [u8; 32] = h.finalize().into();
        <Hmac<Sha256> as Mac>::new_from_slice(&key)
            .map(Self)
            .map_err(|e| format!("folder seal key: {e}"))
    }

    fn mac(&self, user: &str, sp: SpaceRef, (folder, dept): (i64, Option<i64>)) -> Hmac<Sha256> {
        let mut m = self.0.clone();
        m.update(format!("{user}\n{sp:?}\n{folder}\n{dept:?}").as_bytes());
        m
    }

    /// The tag for "`folder` was found in `sp` for `user`".
    pub fn tag(&self, user: &str, sp: SpaceRef, folder: (i64, Option<i64>)) -> String {
        let out = self.mac(user, sp, folder).finalize().into_bytes();
        hex::encode(&out[..TAG_BYTES])
    }

    /// Whether `tag` is this seal's tag for the same facts (compared in constant time).
    pub fn verify(&self, user: &str, sp: SpaceRef, folder: (i64, Option<i64>), tag: &str) -> bool {
        let Ok(bytes) = hex::decode(tag) else {
            return false;
        };
        bytes.len() == TAG_BYTES
            && self
                .mac(user, sp, folder)
                .verify_truncated_left(&bytes)
                .is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tag_holds_only_for_the_same_user_space_folder_and_key() {
        let seal = FolderSeal::new(&SecretString::from("secret-a")).unwrap();
        let sp = SpaceRef::Personal(7);
        let tag = seal.tag("7", sp, (42, None));
        assert!(seal.verify("7", sp, (42, None), &tag));
        assert!(!seal.verify("8", sp, (42, None), &tag));
        assert!(!seal.verify("7", SpaceRef::Department(3), (42, None), &tag));
        assert!(!seal.verify("7", sp, (43, None), &tag));
        assert!(!seal.verify("7", sp, (42, Some(1)), &tag));
        assert!(!seal.verify("7", sp, (42, None), "00"));
        assert!(!seal.verify("7", sp, (42, None), "not hex"));
        let other = FolderSeal::new(&SecretString::from("secret-b")).unwrap();
        assert!(!other.verify("7", sp, (42, None), &tag));
    }
}
