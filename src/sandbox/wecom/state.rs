//! The simulated drive: its spaces, files, upload sessions and download tickets, id generation,
//! and the lookups every function shares (with their WeDrive error codes).

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::time::{SystemTime, UNIX_EPOCH};

use rand::Rng;
use rand::distributions::Alphanumeric;

use super::demo::CORP_ID;
use super::envelope::ApiError;
use super::model::{Content, DELETED, FILE, FOLDER, Node, Session, Space, Ticket};
use super::names;
use crate::providers::wecom::errcodes;

pub fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

pub fn random_token(len: usize) -> String {
    rand::thread_rng()
        .sample_iter(&Alphanumeric)
        .take(len)
        .map(char::from)
        .collect()
}

pub struct Drive {
    pub spaces: BTreeMap<String, Space>,
    pub nodes: HashMap<String, Node>,
    pub sessions: HashMap<String, Session>,
    pub tickets: HashMap<String, Ticket>,
    /// The simulator's temporary directory (blobs/ and spool/).
    pub root: PathBuf,
    seq: u64,
}

/// Four letters derived from a number, to make ids look like WeDrive's ("…615414425TDo").
fn tag(n: u64) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    let mut x = n.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 16;
    (0..4)
        .map(|_| {
            let c = ALPHABET[(x % ALPHABET.len() as u64) as usize] as char;
            x /= ALPHABET.len() as u64;
            c
        })
        .collect()
}

impl Drive {
    pub fn new(root: PathBuf) -> Self {
        Self {
            spaces: BTreeMap::new(),
            nodes: HashMap::new(),
            sessions: HashMap::new(),
            tickets: HashMap::new(),
            root,
            // Demo ids use 700000001..700000999; generated ids start above them.
            seq: 1000,
        }
    }

    fn next_seq(&mut self) -> u64 {
        self.seq += 1;
        self.seq
    }

    pub fn new_space_id(&mut self) -> String {
        let n = self.next_seq();
        format!("s.{CORP_ID}.{}{}", 700_000_000 + n, tag(n))
    }

    pub fn new_file_id(&mut self, spaceid: &str) -> String {
        let n = self.next_seq();
        format!("{spaceid}_f.{}{}", 700_000_000 + n, tag(n))
    }

    pub fn new_blob_path(&mut self) -> PathBuf {
        let n = self.next_seq();
        self.root.join("blobs").join(format!("blob-{n}"))
    }

    pub fn new_spool_path(&mut self) -> PathBuf {
        let n = self.next_seq();
        self.root.join("spool").join(format!("upload-{n}"))
    }

    pub fn space(&self, id: &str) -> Result<&Space, ApiError> {
        non_empty(id, errcodes::INVALID_SPACEID, "invalid spaceid")?;
        self.spaces.get(id).ok_or_else(space_not_found)
    }

    pub fn space_mut(&mut self, id: &str) -> Result<&mut Space, ApiError> {
        self.space(id)?;
        self.spaces.get_mut(id).ok_or_else(space_not_found)
    }

    /// A file by id, deleted or not.
    pub fn node(&self, id: &str) -> Result<&Node, ApiError> {
        non_empty(id, errcodes::INVALID_FILEID, "invalid fileid")?;
        self.nodes.get(id).ok_or_else(file_not_found)
    }

    /// A file that is not deleted.
    pub fn live(&self, id: &str) -> Result<&Node, ApiError> {
        let node = self.node(id)?;
        if !node.is_live() {
            return Err(ApiError::new(
                errcodes::FILE_DELETED,
                "file has been deleted",
            ));
        }
        Ok(node)
    }

    pub fn live_mut(&mut self, id: &str) -> Result<&mut Node, ApiError> {
        self.live(id)?;
        self.nodes.get_mut(id).ok_or_else(file_not_found)
    }

    /// Checks that `fatherid` is a folder of space `spaceid` (or its root, the spaceid).
    pub fn check_folder(&self, spaceid: &str, fatherid: &str) -> Result<(), ApiError> {
        self.space(spaceid)?;
        if fatherid == spaceid {
            return Ok(());
        }
        match self.nodes.get(fatherid) {
            Some(n) if n.is_live() && n.file_type == FOLDER && n.spaceid == spaceid => Ok(()),
            _ => Err(ApiError::new(
                errcodes::INVALID_FATHERID,
                "invalid fatherid",
            )),
        }
    }

    /// The space of a folder id or space id (file_move's `fatherid`).
    pub fn folder_space(&self, fatherid: &str) -> Result<String, ApiError> {
        if self.spaces.contains_key(fatherid) {
            return Ok(fatherid.to_owned());
        }
        match self.nodes.get(fatherid) {
            Some(n) if n.is_live() && n.file_type == FOLDER => Ok(n.spaceid.clone()),
            _ => Err(ApiError::new(
                errcodes::INVALID_FATHERID,
                "invalid fatherid",
            )),
        }
    }

    pub fn children<'a>(&'a self, fatherid: &'a str) -> impl Iterator<Item = &'a Node> + 'a {
        self.nodes
            .values()
            .filter(move |n| n.is_live() && n.fatherid == fatherid)
    }

    /// The live item named `name` in `fatherid`, other than `except`.
    pub fn sibling_named(&self, fatherid: &str, name: &str, except: &str) -> Option<String> {
        self.children(fatherid)
            .find(|n| n.name == name && n.id != except)
            .map(|n| n.id.clone())
    }

    /// `name`, or its first free conflict name in `fatherid` ("xxx(1).txt").
    pub fn free_name(&self, fatherid: &str, name: &str, is_folder: bool, except: &str) -> String {
        if self.sibling_named(fatherid, name, except).is_none() {
            return name.to_owned();
        }
        (1..)
            .map(|n| names::numbered(name, n, is_folder))
            .find(|candidate| self.sibling_named(fatherid, candidate, except).is_none())
            .unwrap_or_else(|| name.to_owned())
    }

    /// Live descendants of `id` (not `id` itself).
    pub fn descendants(&self, id: &str) -> Vec<String> {
        let mut out = Vec::new();
        let mut queue = vec![id.to_owned()];
        while let Some(parent) = queue.pop() {
            for child in self.children(&parent) {
                out.push(child.id.clone());
                queue.push(child.id.clone());
            }
        }
        out
    }

    /// Folders from the space root down to `id`'s parent.
    pub fn ancestors(&self, id: &str) -> Vec<&Node> {
        let mut out = Vec::new();
        let mut current = self.nodes.get(id).map(|n| n.fatherid.clone());
        while let Some(parent) = current {
            match self.nodes.get(&parent) {
                Some(folder) if out.len() < 10_000 => {
                    out.push(folder);
                    current = Some(folder.fatherid.clone());
                }
                _ => break,
            }
        }
        out.reverse();
        out
    }

    /// Marks `id` and everything below it deleted and lets go of their content.
    pub fn delete(&mut self, id: &str) {
        let now = unix_now();
        let mut ids = self.descendants(id);
        ids.push(id.to_owned());
        for id in ids {
            if let Some(node) = self.nodes.get_mut(&id) {
                node.status = DELETED;
                node.mtime = now;
                node.blob = None;
            }
        }
    }

    /// Bytes of all live files (what mng_capacity counts as used).
    pub fn used_bytes(&self) -> u64 {
        self.nodes
            .values()
            .filter(|n| n.is_live() && n.file_type == FILE)
            .map(|n| n.size)
            .sum()
    }

    /// A new regular file holding `content` in `fatherid`, under a free name.
    pub fn add_file(
        &mut self,
        spaceid: &str,
        fatherid: &str,
        name: &str,
        content: Content,
    ) -> String {
        let id = self.new_file_id(spaceid);
        let name = self.free_name(fatherid, name, false, "");
        let mut node = Node::new(id.clone(), name, spaceid, fatherid, FILE);
        node.size = content.size;
        node.sha = content.sha;
        node.md5 = content.md5;
        node.block_sha = content.block_sha;
        node.blob = Some(content.blob);
        self.nodes.insert(id.clone(), node);
        id
    }
}

/// WeCom checks an id for emptiness (`code`, `reason`) before looking it up.
fn non_empty(id: &str, code: i64, reason: &str) -> Result<(), ApiError> {
    if id.is_empty() {
        return Err(ApiError::new(code, reason));
    }
    Ok(())
}

fn space_not_found() -> ApiError {
    ApiError::new(errcodes::SPACE_NOT_FOUND, "space not exist")
}

fn file_not_found() -> ApiError {
    ApiError::new(errcodes::FILE_NOT_FOUND, "file not exist")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_ids_are_distinct_and_shaped_like_wedrive_ids() {
        let mut d = Drive::new(PathBuf::from("/nonexistent"));
        let s = d.new_space_id();
        let f = d.new_file_id(&s);
        assert!(s.starts_with(&format!("s.{CORP_ID}.7000")));
        assert!(f.starts_with(&format!("{s}_f.")));
        assert_ne!(d.new_file_id(&s), f);
    }
}
