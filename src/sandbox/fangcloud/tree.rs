//! Navigating the item tree: parents, children, descendants, trash state, space usage, names.

use super::envelope::ApiError;
use super::state::{Kind, Meta, Space, Store};

/// Where an item stands with respect to the trash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Life {
    Live,
    /// The user deleted this very item (it is listed in the trash and can be restored).
    Trashed,
    /// An ancestor folder is in the trash.
    InsideTrashed,
}

impl Store {
    /// Folder ids from the item's parent up to the top of its space (nearest first).
    pub fn ancestors(&self, meta: &Meta) -> Vec<i64> {
        let mut out = Vec::new();
        let mut parent = meta.parent_id;
        while parent != 0 {
            if out.contains(&parent) {
                break;
            }
            out.push(parent);
            parent = match self.folders.get(&parent) {
                Some(f) => f.meta.parent_id,
                None => break,
            };
        }
        out
    }

    pub fn life(&self, meta: &Meta) -> Life {
        if meta.trashed.is_some() {
            return Life::Trashed;
        }
        for a in self.ancestors(meta) {
            match self.folders.get(&a) {
                Some(f) if f.meta.trashed.is_some() => return Life::InsideTrashed,
                Some(_) => {}
                None => return Life::InsideTrashed,
            }
        }
        Life::Live
    }

    pub fn is_live(&self, meta: &Meta) -> bool {
        self.life(meta) == Life::Live
    }

    /// An existing, live item, or the document's `*_not_found` / `*_deleted` error.
    pub fn live(&self, kind: Kind, id: i64) -> Result<&Meta, ApiError> {
        let meta = self
            .meta(kind, id)
            .ok_or_else(|| ApiError::new(kind.not_found()))?;
        if self.is_live(meta) {
            Ok(meta)
        } else {
            Err(ApiError::new(kind.deleted()))
        }
    }

    /// Direct children (live or not) of `parent` in `space`.
    pub fn children(&self, space: Space, parent: i64) -> (Vec<i64>, Vec<i64>) {
        let ids = |metas: Vec<&Meta>| -> Vec<i64> {
            metas
                .into_iter()
                .filter(|m| m.parent_id == parent && (parent != 0 || m.space == space))
                .map(|m| m.id)
                .collect()
        };
        (
            ids(self.folders.values().map(|f| &f.meta).collect()),
            ids(self.files.values().map(|f| &f.meta).collect()),
        )
    }

    /// Direct children that are not in the trash.
    pub fn live_children(&self, space: Space, parent: i64) -> (Vec<i64>, Vec<i64>) {
        let (folders, files) = self.children(space, parent);
        (
            folders
                .into_iter()
                .filter(|id| self.folders[id].meta.trashed.is_none())
                .collect(),
            files
                .into_iter()
                .filter(|id| self.files[id].meta.trashed.is_none())
                .collect(),
        )
    }

    /// Every folder and file below `folder` (any trash state), depth first.
    pub fn descendants(&self, folder: i64) -> (Vec<i64>, Vec<i64>) {
        let mut folders = Vec::new();
        let mut files = Vec::new();
        let mut stack = vec![folder];
        while let Some(f) = stack.pop() {
            for child in self.folders.values().filter(|c| c.meta.parent_id == f) {
                if !folders.contains(&child.meta.id) && child.meta.id != folder {
                    folders.push(child.meta.id);
                    stack.push(child.meta.id);
                }
            }
            files.extend(
                self.files
                    .values()
                    .filter(|c| c.meta.parent_id == f)
                    .map(|c| c.meta.id),
            );
        }
        (folders, files)
    }

    /// True when `candidate` is `folder` itself or lies below it.
    pub fn is_within(&self, candidate: i64, folder: i64) -> bool {
        if candidate == folder {
            return true;
        }
        match self.folders.get(&candidate) {
            Some(f) => self.ancestors(&f.meta).contains(&folder),
            None => false,
        }
    }

    /// A live sibling of the same type already called `name` (names compare exactly).
    pub fn name_taken(
        &self,
        kind: Kind,
        space: Space,
        parent: i64,
        name: &str,
        except: Option<i64>,
    ) -> Option<i64> {
        let (folders, files) = self.live_children(space, parent);
        let ids = match kind {
            Kind::Folder => folders,
            Kind::File => files,
        };
        ids.into_iter()
            .find(|id| Some(*id) != except && self.meta(kind, *id).is_some_and(|m| m.name == name))
    }

    /// `name`, or `name (1)`, `name (2)`… before the extension, the first one free in the
    /// folder — as Fangcloud names copies (the document's copy example answers
    /// `… (1).docx`).
    pub fn free_name(&self, kind: Kind, space: Space, parent: i64, name: &str) -> String {
        if self.name_taken(kind, space, parent, name, None).is_none() {
            return name.to_owned();
        }
        let (stem, ext) = match (kind, name.rfind('.')) {
            (Kind::File, Some(i)) if i > 0 => (&name[..i], &name[i..]),
            _ => (name, ""),
        };
        (1..)
            .map(|n| format!("{stem} ({n}){ext}"))
            .find(|candidate| {
                self.name_taken(kind, space, parent, candidate, None)
                    .is_none()
            })
            .unwrap_or_else(|| name.to_owned())
    }

    /// Bytes stored in a space: every version of every file, trash included (space is freed
    /// when an item is deleted from the trash or a version is deleted).
    pub fn space_used(&self, space: Space) -> i64 {
        self.files
            .values()
            .filter(|f| f.meta.space == space)
            .flat_map(|f| f.versions.iter())
            .filter_map(|v| self.versions.get(v))
            .map(|v| v.size)
            .sum()
    }

    pub fn enterprise_used(&self) -> i64 {
        self.versions.values().map(|v| v.size).sum()
    }

    /// Whether `extra` more bytes fit in `space` and in the enterprise.
    pub fn check_space(&self, space: Space, extra: i64) -> Result<(), ApiError> {
        if extra <= 0 {
            return Ok(());
        }
        let total = match space {
            Space::Personal(u) => self.users.get(&u).map(|u| u.space_total),
            Space::Department(d) => self.departments.get(&d).map(|d| d.space_total),
        };
        if let Some(total) = total
            && total >= 0
            && self.space_used(space) + extra > total
        {
            return Err(ApiError::new("exceed_user_space_limit"));
        }
        if self.enterprise_used() + extra > self.enterprise.space_total {
            return Err(ApiError::new("exceed_enterprise_space_limit"));
        }
        Ok(())
    }

    /// Bytes held by the versions of `files`.
    pub fn bytes_of(&self, files: &[i64]) -> i64 {
        files
            .iter()
            .filter_map(|f| self.files.get(f))
            .flat_map(|f| f.versions.iter())
            .filter_map(|v| self.versions.get(v))
            .map(|v| v.size)
            .sum()
    }

    /// Total size of the live files below a folder (current versions).
    pub fn folder_size(&self, folder: i64) -> i64 {
        let (_, files) = self.descendants(folder);
        files
            .iter()
            .filter_map(|f| self.files.get(f))
            .filter(|f| self.is_live(&f.meta))
            .map(|f| self.file_size(f))
            .sum()
    }

    /// Removes a file for good: versions, comments, share links, blobs.
    pub fn purge_file(&mut self, id: i64) {
        if let Some(file) = self.files.remove(&id) {
            for v in file.versions {
                if let Some(version) = self.versions.remove(&v) {
                    self.release_blob(version.blob);
                }
            }
            self.comments.retain(|_, c| c.file_id != id);
            self.share_links
                .retain(|_, l| !(l.kind == Kind::File && l.item_id == id));
            for r in self.recent.values_mut() {
                r.remove(&id);
            }
        }
    }

    /// Removes a folder and everything below it for good.
    pub fn purge_folder(&mut self, id: i64) {
        let (folders, files) = self.descendants(id);
        for f in files {
            self.purge_file(f);
        }
        for f in folders.into_iter().chain(std::iter::once(id)) {
            self.folders.remove(&f);
            self.collabs.retain(|_, c| c.folder_id != f);
            self.share_links
                .retain(|_, l| !(l.kind == Kind::Folder && l.item_id == f));
        }
    }

    /// Moves a folder's whole subtree into another space (after a cross-space move).
    pub fn set_space_below(&mut self, folder: i64, space: Space, owner: i64) {
        let (folders, files) = self.descendants(folder);
        for f in folders {
            if let Some(m) = self.meta_mut(Kind::Folder, f) {
                m.space = space;
                m.owner_id = owner;
            }
        }
        for f in files {
            if let Some(m) = self.meta_mut(Kind::File, f) {
                m.space = space;
                m.owner_id = owner;
            }
        }
    }
}

/// Document, 文件名称 rules: 1 to 222 characters, none of `/ ? : * " > < \`.
pub fn check_name(name: &str) -> Result<(), ApiError> {
    let len = name.chars().count();
    if len == 0 || len > 222 {
        return Err(ApiError::new("item_name_size_incorrect"));
    }
    if name
        .chars()
        .any(|c| matches!(c, '/' | '?' | ':' | '*' | '"' | '>' | '<' | '\\'))
    {
        return Err(ApiError::new("item_name_invalid"));
    }
    Ok(())
}

/// Document, `target_folder_path`: folders split by `/`, each 1 to 222 characters, none of
/// `/ ? : * " > < |`, and not ending with `.`. Leading and trailing slashes are ignored.
pub fn split_path(path: &str) -> Result<Vec<String>, ApiError> {
    let trimmed = path.trim_matches('/');
    if trimmed.is_empty() {
        return Err(ApiError::invalid("target_folder_path", "不能为空"));
    }
    let mut out = Vec::new();
    for seg in trimmed.split('/') {
        let len = seg.chars().count();
        if len == 0 || len > 222 {
            return Err(ApiError::new("item_name_size_incorrect"));
        }
        if seg.ends_with('.')
            || seg
                .chars()
                .any(|c| matches!(c, '?' | ':' | '*' | '"' | '>' | '<' | '|' | '\\'))
        {
            return Err(ApiError::new("item_name_invalid"));
        }
        out.push(seg.to_owned());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_documented_rules() {
        assert!(check_name("报表v1.0.pdf").is_ok());
        assert_eq!(check_name("").unwrap_err().code, "item_name_size_incorrect");
        assert_eq!(
            check_name(&"a".repeat(223)).unwrap_err().code,
            "item_name_size_incorrect"
        );
        assert!(check_name(&"名".repeat(222)).is_ok());
        for bad in ["a/b", "a?", "a:b", "a*", "a\"", "a>", "a<", "a\\b"] {
            assert_eq!(check_name(bad).unwrap_err().code, "item_name_invalid");
        }
    }

    #[test]
    fn paths_split_into_checked_segments() {
        assert_eq!(
            split_path("/会议/9.25/研发/").unwrap(),
            ["会议", "9.25", "研发"]
        );
        assert_eq!(split_path("a/b.").unwrap_err().code, "item_name_invalid");
        assert_eq!(
            split_path("a//b").unwrap_err().code,
            "item_name_size_incorrect"
        );
        assert_eq!(split_path("/").unwrap_err().code, "request_data_invalid");
    }
}
