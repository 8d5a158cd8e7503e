//! Mutations shared by several API functions: creating, moving and copying items.

use super::envelope::ApiError;
use super::state::{File, Folder, Kind, Meta, Space, Store, Version, now};
use super::tree::check_name;

/// Owner of items created in a space: the space's user, or the creator in a department space.
fn owner_for(space: Space, creator: i64) -> i64 {
    match space {
        Space::Personal(u) => u,
        Space::Department(_) => creator,
    }
}

fn new_meta(id: i64, name: &str, space: Space, parent: i64, user: i64) -> Meta {
    let t = now();
    Meta {
        id,
        name: name.to_owned(),
        description: String::new(),
        parent_id: parent,
        space,
        owner_id: owner_for(space, user),
        created_at: t,
        modified_at: t,
        modified_by: user,
        sequence_id: 0,
        trashed: None,
    }
}

/// Content of a new version.
pub struct Content {
    pub blob: u64,
    pub size: i64,
    pub sha1: String,
}

impl Store {
    pub fn create_folder(&mut self, user: i64, space: Space, parent: i64, name: &str) -> i64 {
        let id = self.new_folder_id();
        self.folders.insert(
            id,
            Folder {
                meta: new_meta(id, name, space, parent, user),
            },
        );
        self.bump_parent(space, parent, user);
        id
    }

    /// A new file with one version (the blob reference is taken over by the version).
    pub fn create_file(
        &mut self,
        user: i64,
        space: Space,
        parent: i64,
        name: &str,
        content: Content,
    ) -> i64 {
        let id = self.new_file_id();
        let vid = self.new_version_id();
        self.insert_version(vid, id, user, name, "", content);
        self.files.insert(
            id,
            File {
                meta: new_meta(id, name, space, parent, user),
                versions: vec![vid],
                current_version: vid,
                frequently_used_by: Vec::new(),
            },
        );
        self.bump_parent(space, parent, user);
        self.touch_recent(user, id);
        id
    }

    /// Stores version `vid` of `file_id`: `content`, made by `user` now.
    fn insert_version(
        &mut self,
        vid: i64,
        file_id: i64,
        user: i64,
        name: &str,
        remark: &str,
        content: Content,
    ) {
        let version = Version {
            id: vid,
            file_id,
            name: name.to_owned(),
            size: content.size,
            sha1: content.sha1,
            blob: content.blob,
            modified_at: now(),
            modified_by: user,
            remark: remark.to_owned(),
        };
        self.versions.insert(vid, version);
    }

    /// Adds a version and makes it current; the file takes the version's name.
    pub fn add_version(
        &mut self,
        user: i64,
        file_id: i64,
        name: &str,
        remark: &str,
        content: Content,
    ) {
        let vid = self.new_version_id();
        self.insert_version(vid, file_id, user, name, remark, content);
        if let Some(f) = self.files.get_mut(&file_id) {
            f.versions.push(vid);
            f.current_version = vid;
            f.meta.name = name.to_owned();
            f.meta.modified_at = now();
            f.meta.modified_by = user;
            f.meta.sequence_id += 1;
        }
        self.touch_recent(user, file_id);
    }

    /// A folder's modification time follows changes to its direct content.
    pub fn bump_parent(&mut self, _space: Space, parent: i64, user: i64) {
        if let Some(f) = self.folders.get_mut(&parent) {
            f.meta.modified_at = now();
            f.meta.modified_by = user;
        }
    }

    /// Finds or creates each folder of `segments` below (`space`, `parent`); answers the last
    /// one. Existing folders are reused (document, `folder/create_by_path`).
    pub fn ensure_path(
        &mut self,
        user: i64,
        space: Space,
        mut parent: i64,
        segments: &[String],
    ) -> Result<i64, ApiError> {
        for seg in segments {
            parent = match self.name_taken(Kind::Folder, space, parent, seg, None) {
                Some(existing) => {
                    if !self.perms_on_folder(user, space, existing).info {
                        return Err(ApiError::new("permission_denied"));
                    }
                    existing
                }
                None => {
                    if !self.perms_on_folder(user, space, parent).upload {
                        return Err(ApiError::new("permission_denied"));
                    }
                    self.create_folder(user, space, parent, seg)
                }
            };
        }
        Ok(parent)
    }

    /// Moves a live item into (`space`, `target`) after the document's checks.
    pub fn move_item(
        &mut self,
        user: i64,
        kind: Kind,
        id: i64,
        space: Space,
        target: i64,
    ) -> Result<(), ApiError> {
        let meta = self.live(kind, id)?.clone();
        if kind == Kind::Folder && target != 0 {
            if target == id {
                return Err(ApiError::new("move_to_itself"));
            }
            if self.is_within(target, id) {
                // The document has two codes for this; a direct child answers
                // `move_to_subfolder`, a deeper descendant `folder_is_descendant`.
                let direct = self
                    .folders
                    .get(&target)
                    .is_some_and(|t| t.meta.parent_id == id);
                return Err(ApiError::new(if direct {
                    "move_to_subfolder"
                } else {
                    "folder_is_descendant"
                }));
            }
        }
        if meta.parent_id == target && meta.space == space {
            return Ok(());
        }
        if self
            .name_taken(kind, space, target, &meta.name, Some(id))
            .is_some()
        {
            return Err(ApiError::new(kind.conflict()));
        }
        if space != meta.space {
            let bytes = match kind {
                Kind::File => self.bytes_of(&[id]),
                Kind::Folder => {
                    let (_, files) = self.descendants(id);
                    self.bytes_of(&files)
                }
            };
            self.check_space(space, bytes)?;
        }
        let owner = match space {
            Space::Personal(u) => u,
            Space::Department(_) => meta.owner_id,
        };
        if let Some(m) = self.meta_mut(kind, id) {
            m.parent_id = target;
            m.space = space;
            m.owner_id = owner;
            m.modified_at = now();
            m.modified_by = user;
            m.sequence_id += 1;
        }
        if kind == Kind::Folder && space != meta.space {
            self.set_space_below(id, space, owner);
        }
        self.bump_parent(meta.space, meta.parent_id, user);
        self.bump_parent(space, target, user);
        Ok(())
    }

    /// Copies a live file's current version into (`space`, `target`), renaming on conflict.
    pub fn copy_file(
        &mut self,
        user: i64,
        id: i64,
        space: Space,
        target: i64,
    ) -> Result<i64, ApiError> {
        let file = self
            .files
            .get(&id)
            .ok_or_else(|| ApiError::new("file_not_found"))?;
        let cur = self
            .current(file)
            .cloned()
            .ok_or_else(|| ApiError::new("file_not_found"))?;
        let name = self.free_name(Kind::File, space, target, &file.meta.name);
        let description = file.meta.description.clone();
        self.check_space(space, cur.size)?;
        self.retain_blob(cur.blob);
        let new = self.create_file(
            user,
            space,
            target,
            &name,
            Content {
                blob: cur.blob,
                size: cur.size,
                sha1: cur.sha1,
            },
        );
        if let Some(f) = self.files.get_mut(&new) {
            f.meta.description = description;
        }
        Ok(new)
    }

    /// Copies a live folder and its live content into (`space`, `target`).
    pub fn copy_folder(
        &mut self,
        user: i64,
        id: i64,
        space: Space,
        target: i64,
    ) -> Result<i64, ApiError> {
        if target == id {
            return Err(ApiError::new("copy_to_itself"));
        }
        if target != 0 && self.is_within(target, id) {
            return Err(ApiError::new("copy_to_subfolder"));
        }
        let (_, files) = self.descendants(id);
        let live_files: Vec<i64> = files
            .into_iter()
            .filter(|f| self.files.get(f).is_some_and(|f| self.is_live(&f.meta)))
            .collect();
        let bytes: i64 = live_files
            .iter()
            .filter_map(|f| self.files.get(f))
            .map(|f| self.file_size(f))
            .sum();
        self.check_space(space, bytes)?;
        let src = self
            .folders
            .get(&id)
            .ok_or_else(|| ApiError::new("folder_not_found"))?
            .meta
            .clone();
        let name = self.free_name(Kind::Folder, space, target, &src.name);
        let root = self.create_folder(user, space, target, &name);
        if let Some(f) = self.folders.get_mut(&root) {
            f.meta.description = src.description.clone();
        }
        let mut stack = vec![(id, root)];
        while let Some((from, to)) = stack.pop() {
            let (folders, files) = self.live_children(src.space, from);
            for f in files {
                self.copy_file(user, f, space, to)?;
            }
            for f in folders {
                let Some(child) = self.folders.get(&f) else {
                    continue;
                };
                let (cname, cdesc) = (child.meta.name.clone(), child.meta.description.clone());
                let made = self.create_folder(user, space, to, &cname);
                if let Some(m) = self.folders.get_mut(&made) {
                    m.meta.description = cdesc;
                }
                stack.push((f, made));
            }
        }
        Ok(root)
    }

    /// Renames and/or re-describes an item (document: `file/{id}/update`,
    /// `folder/{id}/update`).
    pub fn update_item(
        &mut self,
        user: i64,
        kind: Kind,
        id: i64,
        name: Option<String>,
        description: Option<String>,
    ) -> Result<(), ApiError> {
        let meta = self.live(kind, id)?.clone();
        if let Some(n) = &name {
            check_name(n)?;
            if self
                .name_taken(kind, meta.space, meta.parent_id, n, Some(id))
                .is_some()
            {
                return Err(ApiError::new(kind.conflict()));
            }
        }
        if let Some(d) = &description
            && kind == Kind::File
            && d.chars().count() > 140
        {
            return Err(ApiError::invalid(
                "description",
                "长度必须小于等于140个字符",
            ));
        }
        if let Some(m) = self.meta_mut(kind, id) {
            if let Some(n) = name {
                m.name = n;
            }
            if let Some(d) = description {
                m.description = d;
            }
            m.modified_at = now();
            m.modified_by = user;
            m.sequence_id += 1;
        }
        Ok(())
    }
}
