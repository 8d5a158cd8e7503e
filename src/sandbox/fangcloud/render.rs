//! JSON shapes of the document's answers (field names and nesting as in its examples).

use serde_json::{Value, json};

use super::state::{Collab, Comment, Department, Group, Kind, Meta, Space, Store, User, Version};
use super::tree::Life;

/// The document's name of the personal root ("全部文件") as shown in `path`.
pub const ROOT_NAME: &str = "全部文件";

/// How `department/{id}/children` tells that a department has sub-departments: the
/// document's `has_children_departments`, or the `children_departments_count` of the Java
/// SDK's department model (upstream-docs/README.md: "Read either").
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ChildrenField {
    #[default]
    HasChildrenDepartments,
    ChildrenDepartmentsCount,
}

/// Document example `extension_category` is `document`; the other categories follow the web
/// client's file-type groups (an assumption).
pub fn extension_category(name: &str) -> &'static str {
    let ext = name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "doc" | "docx" | "pdf" | "txt" | "md" | "rtf" | "xls" | "xlsx" | "ppt" | "pptx" | "csv"
        | "odt" | "ods" | "odp" | "wps" | "pages" | "numbers" | "key" => "document",
        "jpg" | "jpeg" | "png" | "gif" | "bmp" | "webp" | "svg" | "tif" | "tiff" | "heic" => {
            "image"
        }
        "mp4" | "avi" | "mov" | "mkv" | "wmv" | "flv" | "webm" => "video",
        "mp3" | "wav" | "flac" | "aac" | "ogg" | "m4a" => "audio",
        "zip" | "rar" | "7z" | "tar" | "gz" | "bz2" => "compress",
        _ => "other",
    }
}

impl Store {
    pub fn mini_user(&self, id: i64) -> Value {
        match self.users.get(&id) {
            Some(u) => json!({
                "id": u.id, "name": u.name, "login": u.login(), "enterprise_id": u.enterprise_id
            }),
            None => json!({ "id": id, "name": "", "login": "", "enterprise_id": 0 }),
        }
    }

    fn space_json(space: Space) -> Value {
        match space {
            Space::Personal(_) => json!({ "type": "personal" }),
            Space::Department(d) => json!({ "type": "department", "id": d }),
        }
    }

    /// `path`: the root ("全部文件", id 0) and then each ancestor folder, top down.
    pub fn path_json(&self, meta: &Meta) -> Value {
        let mut path = vec![json!({ "type": "folder", "id": 0, "name": ROOT_NAME })];
        let mut ancestors = self.ancestors(meta);
        ancestors.reverse();
        for a in ancestors {
            if let Some(f) = self.folders.get(&a) {
                path.push(json!({ "type": "folder", "id": a, "name": f.meta.name }));
            }
        }
        Value::Array(path)
    }

    fn parent_json(&self, meta: &Meta, with_name: bool) -> Value {
        let mut parent = json!({ "type": "folder", "id": meta.parent_id });
        if with_name {
            let name = self
                .folders
                .get(&meta.parent_id)
                .map_or(ROOT_NAME.to_owned(), |f| f.meta.name.clone());
            parent["name"] = Value::String(name);
        }
        parent
    }

    /// A file as listed in `children`, `search`, `recent_items` (document list example).
    pub fn file_brief(&self, id: i64) -> Value {
        let Some(file) = self.files.get(&id) else {
            return Value::Null;
        };
        let m = &file.meta;
        let cur = self.current(file);
        json!({
            "sha1": cur.map_or("", |v| v.sha1.as_str()),
            "comments_count": self.comments.values().filter(|c| c.file_id == id).count(),
            "extension_category": extension_category(&m.name),
            "type": "file",
            "id": m.id,
            "name": m.name,
            "size": cur.map_or(0, |v| v.size),
            "created_at": m.created_at,
            "modified_at": m.modified_at,
            "modified_by": self.mini_user(m.modified_by),
            "description": m.description,
            "path": self.path_json(m),
            "owned_by": self.mini_user(m.owner_id),
            "sequence_id": m.sequence_id,
        })
    }

    /// A folder as listed in `children` and `search`.
    pub fn folder_brief(&self, id: i64) -> Value {
        let Some(folder) = self.folders.get(&id) else {
            return Value::Null;
        };
        let m = &folder.meta;
        let (fs, fl) = self.live_children(m.space, m.id);
        json!({
            "item_count": fs.len() + fl.len(),
            "type": "folder",
            "id": m.id,
            "name": m.name,
            "size": self.folder_size(m.id),
            "created_at": m.created_at,
            "modified_at": m.modified_at,
            "description": m.description,
            "path": self.path_json(m),
            "owned_by": self.mini_user(m.owner_id),
            "sequence_id": m.sequence_id,
        })
    }

    fn flags(&self, m: &Meta, user: Option<i64>, frequently_used: bool, v: &mut Value) {
        let life = self.life(m);
        v["space"] = Self::space_json(m.space);
        v["parent"] = self.parent_json(m, false);
        v["in_trash"] = Value::Bool(life == Life::Trashed);
        v["is_deleted"] = Value::Bool(life != Life::Live);
        v["is_frequently_used"] = Value::Bool(user.is_some() && frequently_used);
    }

    /// A file's full description (`info_v2`, `update`, `copy`, uploads).
    /// [`Self::file_json`] or [`Self::folder_json`], by `kind`.
    pub fn item_json(&self, kind: Kind, id: i64, user: Option<i64>) -> Value {
        match kind {
            Kind::File => self.file_json(id, user),
            Kind::Folder => self.folder_json(id, user),
        }
    }

    pub fn file_json(&self, id: i64, user: Option<i64>) -> Value {
        let mut v = self.file_brief(id);
        if let Some(f) = self.files.get(&id) {
            let freq = user.is_some_and(|u| f.frequently_used_by.contains(&u));
            v["modified_by"] = self.mini_user(f.meta.modified_by);
            self.flags(&f.meta, user, freq, &mut v);
        }
        v
    }

    /// `folder/0/info`: the caller's personal root ("全部文件", id 0 — the parent id of every
    /// top-level item and the `path` head everywhere else), which no folder record holds.
    pub fn personal_root_json(&self, user: i64) -> Value {
        let space = Space::Personal(user);
        let (fs, fl) = self.live_children(space, 0);
        let size: i64 = self
            .files
            .values()
            .filter(|f| f.meta.space == space && self.is_live(&f.meta))
            .map(|f| self.file_size(f))
            .sum();
        json!({
            "item_count": fs.len() + fl.len(),
            "type": "folder",
            "id": 0,
            "name": ROOT_NAME,
            "size": size,
            "created_at": 0,
            "modified_at": 0,
            "description": "",
            "path": [],
            "owned_by": self.mini_user(user),
            "sequence_id": 0,
            "space": Self::space_json(space),
            "parent": Value::Null,
            "in_trash": false,
            "is_deleted": false,
            "is_frequently_used": false,
        })
    }

    /// A folder's full description (`info`, `create`, `update`, `copy`).
    pub fn folder_json(&self, id: i64, user: Option<i64>) -> Value {
        let mut v = self.folder_brief(id);
        if let Some(f) = self.folders.get(&id) {
            self.flags(&f.meta, user, false, &mut v);
        }
        v
    }

    /// `file/{id}/trash` and `folder/{id}/trash`: the item plus `deleted_at`/`deleted_by`
    /// and a named `parent`.
    pub fn trash_json(&self, kind: Kind, id: i64) -> Value {
        let mut v = match kind {
            Kind::File => self.file_json(id, None),
            Kind::Folder => self.folder_json(id, None),
        };
        if let Some(m) = self.meta(kind, id) {
            if let Some(t) = m.trashed {
                v["deleted_at"] = json!(t.at);
                v["deleted_by"] = self.mini_user(t.by);
            }
            v["parent"] = self.parent_json(m, true);
            if kind == Kind::Folder {
                v["folder_type"] = json!("normal");
                v["modified_by"] = self.mini_user(m.modified_by);
            }
        }
        v
    }

    pub fn version_json(&self, v: &Version, current: bool) -> Value {
        json!({
            "success": true,
            "id": v.id,
            "file_id": v.file_id,
            "sha1": v.sha1,
            "name": v.name,
            "size": v.size,
            "modified_at": v.modified_at,
            "modified_by": self.mini_user(v.modified_by),
            "current": current,
            "remark": v.remark,
            "description": "",
        })
    }

    pub fn comment_json(&self, c: &Comment, with_item: bool) -> Value {
        let mut v = json!({
            "id": c.id,
            "content": c.content,
            "created_at": c.created_at,
            "user": self.mini_user(c.user_id),
        });
        if with_item {
            let name = self
                .files
                .get(&c.file_id)
                .map_or(String::new(), |f| f.meta.name.clone());
            v["item"] = json!({ "type": "file", "id": c.file_id, "name": name });
        }
        v
    }

    pub fn target_name(&self, c: &Collab) -> String {
        use super::state::TargetKind::*;
        match c.target {
            User => self.users.get(&c.target_id).map(|u| u.name.clone()),
            Group => self.groups.get(&c.target_id).map(|g| g.name.clone()),
            Department => self.departments.get(&c.target_id).map(|d| d.name.clone()),
        }
        .unwrap_or_default()
    }

    pub fn collab_json(&self, c: &Collab) -> Value {
        let folder_name = self
            .folders
            .get(&c.folder_id)
            .map_or(String::new(), |f| f.meta.name.clone());
        json!({
            "item": { "type": "folder", "id": c.folder_id, "name": folder_name },
            "id": c.id,
            "accessible_by": {
                "type": c.target.as_str(), "id": c.target_id, "name": self.target_name(c)
            },
            "accepted": c.accepted,
            "role": c.role,
        })
    }

    fn enterprise_json(&self) -> Value {
        json!({
            "id": self.enterprise.id,
            "name": self.enterprise.name,
            "admin_user_id": self.enterprise.admin_user_id,
        })
    }

    /// `user/info`, `user/{id}/info`, `admin/user/get_user_info`.
    pub fn user_json(&self, u: &User) -> Value {
        json!({
            "id": u.id,
            "enterprise": self.enterprise_json(),
            "name": u.name,
            "phone": u.phone,
            "email": u.email,
            "login": u.login(),
            "profile_pic_key": u.profile_pic_key,
            "active": u.active,
            "full_name_pinyin": u.pinyin,
            "pinyin_first_letters": u.pinyin.chars().take(1).collect::<String>(),
        })
    }

    /// Users as listed by `user/search`, department and group member lists.
    pub fn listed_user_json(&self, u: &User) -> Value {
        json!({
            "user_group": if u.admin { "admin" } else { "user" },
            "email": u.email,
            "phone": u.phone,
            "space_total": u.space_total,
            "space_used": self.space_used(Space::Personal(u.id)),
            "profile_pic_key": u.profile_pic_key,
            "is_active": u.active,
            "is_phone_public": true,
            "full_name_pinyin": u.pinyin,
            "id": u.id,
            "name": u.name,
            "login": u.login(),
            "enterprise_id": u.enterprise_id,
        })
    }

    /// `admin/user/{id}/info` (detailed user).
    pub fn detailed_user_json(&self, u: &User) -> Value {
        let mut v = json!({
            "hide_phone": false,
            "disable_download": false,
            "space_used": self.space_used(Space::Personal(u.id)),
            "space_total": u.space_total,
            "id": u.id,
            "name": u.name,
            "login": u.login(),
            "phone": u.phone,
            "email": u.email,
            "profile_pic_key": u.profile_pic_key,
            "active": u.active,
            "full_name_pinyin": u.pinyin,
            "pinyin_first_letters": u.pinyin.chars().take(1).collect::<String>(),
        });
        if let Some(c) = &u.custom_id {
            v["custom_id"] = json!(c);
        }
        v
    }

    fn director_json(&self, d: &Department) -> Value {
        d.director_id.map_or(Value::Null, |u| self.mini_user(u))
    }

    fn department_items(&self, d: i64) -> usize {
        let (a, b) = self.live_children(Space::Department(d), 0);
        a.len() + b.len()
    }

    /// `department/{id}/info` (document example fields).
    pub fn department_json(&self, d: &Department) -> Value {
        json!({
            "director": self.director_json(d),
            "id": d.id,
            "created_at": d.created_at,
            "children_departments_count": self.departments.values().filter(|c| c.parent_id == d.id).count(),
            "direct_item_count": self.department_items(d.id),
            "name": d.name,
            "user_count": d.members.len(),
            "parent_id": d.parent_id,
            "order": d.order,
        })
    }

    /// `admin/department/{id}/info` (detailed department).
    pub fn detailed_department_json(&self, d: &Department) -> Value {
        json!({
            "director": self.director_json(d),
            "space_used": self.space_used(Space::Department(d.id)),
            "space_total": d.space_total,
            "special_users": [],
            "hide_phone": false,
            "disable_share": false,
            "enable_watermark": false,
            "collab_auto_accepted": false,
            "id": d.id,
            "name": d.name,
            "parent_id": d.parent_id,
            "order": d.order,
        })
    }

    /// `department/{id}/children`: the department and its direct sub-departments. Id 0 is
    /// the enterprise itself (top of the tree). Each child says whether it has children in
    /// the field `style` names (the document's boolean or the Java SDK's count).
    pub fn department_children_json(&self, id: i64, style: ChildrenField) -> Value {
        let brief = |d: &Department| {
            let below = self
                .departments
                .values()
                .filter(|c| c.parent_id == d.id)
                .count();
            let mut v = json!({
                "id": d.id,
                "name": d.name,
                "user_count": d.members.len(),
                "parent_id": d.parent_id,
            });
            match style {
                ChildrenField::HasChildrenDepartments => {
                    v["has_children_departments"] = json!(below > 0);
                }
                ChildrenField::ChildrenDepartmentsCount => {
                    v["children_departments_count"] = json!(below);
                }
            }
            v
        };
        let children: Vec<Value> = self
            .departments
            .values()
            .filter(|c| c.parent_id == id)
            .map(brief)
            .collect();
        let (name, users, parent) = match self.departments.get(&id) {
            Some(d) => (d.name.clone(), d.members.len(), d.parent_id),
            None => (
                self.enterprise.name.clone(),
                self.users
                    .values()
                    .filter(|u| u.enterprise_id == self.enterprise.id)
                    .count(),
                0,
            ),
        };
        json!({
            "has_children_departments": !children.is_empty(),
            "children": children,
            "id": id,
            "name": name,
            "user_count": users,
            "parent_id": parent,
        })
    }

    pub fn group_json(&self, g: &Group) -> Value {
        json!({
            "is_visible": g.visible,
            "collab_auto_accepted": g.collab_auto_accepted,
            "id": g.id,
            "name": g.name,
            "description": g.description,
            "created_at": g.created_at,
            "user_count": g.members.len(),
            "admin_user": g.admin_user_id.map_or(Value::Null, |u| self.mini_user(u)),
        })
    }
}

/// Paging fields shared by list answers.
pub fn paging(v: &mut Value, total: usize, page_id: usize, capacity: usize) {
    v["total_count"] = json!(total);
    v["page_id"] = json!(page_id);
    v["page_capacity"] = json!(capacity);
    v["page_count"] = json!(total.div_ceil(capacity.max(1)));
}

/// One listing of `folders` and then `files`, each id with its kind.
pub fn folders_then_files(folders: &[i64], files: &[i64]) -> Vec<(Kind, i64)> {
    let folders = folders.iter().map(|f| (Kind::Folder, *f));
    folders
        .chain(files.iter().map(|f| (Kind::File, *f)))
        .collect()
}

/// One page of `items`.
pub fn page<T: Clone>(items: &[T], page_id: usize, capacity: usize) -> Vec<T> {
    items
        .iter()
        .skip(page_id.saturating_mul(capacity))
        .take(capacity)
        .cloned()
        .collect()
}
