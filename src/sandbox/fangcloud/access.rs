//! Who may do what: collaboration roles and department membership.
//!
//! Document, 协作 (update role): coowner 共同所有者, editor 编辑者, online_collaborator 在线协作者,
//! viewer_uploader 查看/上传者, viewer 查看者, previewer_uploader 预览+上传者, previewer 预览者,
//! uploader 上传者 (and `reset` 禁止访问 for updates). The document does not spell out each
//! role's rights; they follow Fangcloud's public role descriptions: previewers cannot download,
//! uploaders cannot see the folder's content, online collaborators edit but cannot download.
//! A collaboration on a folder applies to everything below it; rights from several
//! collaborations (user, group, department) add up. Members of a department are editors of
//! its space and the director is its co-owner (the document is silent; common Fangcloud
//! defaults).

use super::envelope::ApiError;
use super::state::{Kind, Meta, Space, Store};

/// Roles a collaboration may be given, lowest to highest.
pub const ROLES: [&str; 8] = [
    "uploader",
    "previewer",
    "previewer_uploader",
    "viewer",
    "viewer_uploader",
    "online_collaborator",
    "editor",
    "coowner",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Perms {
    /// See the item's metadata.
    pub info: bool,
    /// List a folder's children.
    pub list: bool,
    pub preview: bool,
    pub download: bool,
    /// Add files and folders to a folder.
    pub upload: bool,
    /// Rename, move, delete, new versions.
    pub edit: bool,
    pub comment: bool,
    /// Invite, update and remove collaborators.
    pub manage: bool,
}

pub fn perms_of(role: &str) -> Perms {
    let all = Perms {
        info: true,
        list: true,
        preview: true,
        download: true,
        upload: true,
        edit: true,
        comment: true,
        manage: true,
    };
    let none = Perms::default();
    let seen = Perms {
        info: true,
        list: true,
        preview: true,
        comment: true,
        ..none
    };
    match role {
        "owner" | "coowner" => all,
        "editor" => all,
        "online_collaborator" => Perms {
            upload: true,
            edit: true,
            ..seen
        },
        "viewer_uploader" => Perms {
            download: true,
            upload: true,
            ..seen
        },
        "viewer" => Perms {
            download: true,
            ..seen
        },
        "previewer_uploader" => Perms {
            upload: true,
            ..seen
        },
        "previewer" => seen,
        "uploader" => Perms {
            info: true,
            upload: true,
            ..none
        },
        _ => none,
    }
}

fn rank(role: &str) -> usize {
    if role == "owner" {
        return ROLES.len() + 1;
    }
    ROLES.iter().position(|r| *r == role).map_or(0, |i| i + 1)
}

fn union(a: Perms, b: Perms) -> Perms {
    Perms {
        info: a.info || b.info,
        list: a.list || b.list,
        preview: a.preview || b.preview,
        download: a.download || b.download,
        upload: a.upload || b.upload,
        edit: a.edit || b.edit,
        comment: a.comment || b.comment,
        manage: a.manage || b.manage,
    }
}

impl Store {
    pub fn in_department(&self, user: i64, dept: i64) -> bool {
        self.departments
            .get(&dept)
            .is_some_and(|d| d.members.contains(&user) || d.director_id == Some(user))
    }

    /// Roles `user` holds on the root of a space.
    fn space_roles(&self, user: i64, space: Space) -> Vec<String> {
        match space {
            Space::Personal(owner) if owner == user => vec!["owner".into()],
            Space::Personal(_) => vec![],
            Space::Department(d) => match self.departments.get(&d) {
                Some(dep) if dep.director_id == Some(user) => vec!["coowner".into()],
                Some(dep) if dep.members.contains(&user) => vec!["editor".into()],
                _ => vec![],
            },
        }
    }

    /// Every role `user` holds on a folder (`0` = the root of `space`).
    pub fn roles_on_folder(&self, user: i64, space: Space, folder: i64) -> Vec<String> {
        let mut roles = self.space_roles(user, space);
        let mut chain = Vec::new();
        if folder != 0 {
            chain.push(folder);
            if let Some(f) = self.folders.get(&folder) {
                chain.extend(self.ancestors(&f.meta));
            }
        }
        for c in self.collabs.values() {
            if chain.contains(&c.folder_id) && c.accepted && self.collab_reaches(user, c) {
                roles.push(c.role.clone());
            }
        }
        roles
    }

    /// Roles on an item: a folder's own roles, or a file's folder's.
    pub fn roles_on(&self, user: i64, kind: Kind, meta: &Meta) -> Vec<String> {
        match kind {
            Kind::Folder => self.roles_on_folder(user, meta.space, meta.id),
            Kind::File => self.roles_on_folder(user, meta.space, meta.parent_id),
        }
    }

    pub fn perms(&self, user: i64, kind: Kind, meta: &Meta) -> Perms {
        self.roles_on(user, kind, meta)
            .iter()
            .fold(Perms::default(), |acc, r| union(acc, perms_of(r)))
    }

    pub fn perms_on_folder(&self, user: i64, space: Space, folder: i64) -> Perms {
        self.roles_on_folder(user, space, folder)
            .iter()
            .fold(Perms::default(), |acc, r| union(acc, perms_of(r)))
    }

    /// The strongest role, as `final_role` of `folder/{id}/collabs`.
    pub fn final_role(&self, user: i64, kind: Kind, meta: &Meta) -> Option<String> {
        self.roles_on(user, kind, meta)
            .into_iter()
            .max_by_key(|r| rank(r))
    }

    /// The live folder a user may act on, with a check of one right.
    pub fn require(
        &self,
        user: i64,
        kind: Kind,
        id: i64,
        want: impl Fn(&Perms) -> bool,
    ) -> Result<Meta, ApiError> {
        let meta = self.live(kind, id)?.clone();
        if want(&self.perms(user, kind, &meta)) {
            Ok(meta)
        } else {
            Err(ApiError::new("permission_denied"))
        }
    }

    /// Resolves a target folder given as (`folder_id`, optional `department_id`): 0 is the
    /// root of the caller's personal space, or of the department space when a department id
    /// is given (document, `folder/create`: "parent_id传0时有效").
    pub fn target_folder(
        &self,
        user: i64,
        folder: i64,
        department: Option<i64>,
        want: impl Fn(&Perms) -> bool,
    ) -> Result<(Space, i64), ApiError> {
        if folder == 0 {
            let space = match department {
                Some(d) if d > 0 => {
                    if !self.departments.contains_key(&d) {
                        return Err(ApiError::new("department_not_found"));
                    }
                    Space::Department(d)
                }
                _ => Space::Personal(user),
            };
            if want(&self.perms_on_folder(user, space, 0)) {
                Ok((space, 0))
            } else {
                Err(ApiError::new("permission_denied"))
            }
        } else {
            let meta = self.require(user, Kind::Folder, folder, want)?;
            Ok((meta.space, meta.id))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn previewers_cannot_download_and_uploaders_cannot_list() {
        assert!(!perms_of("previewer").download);
        assert!(perms_of("previewer").preview);
        assert!(!perms_of("uploader").list);
        assert!(perms_of("uploader").upload);
        assert!(perms_of("viewer").download);
        assert!(!perms_of("viewer").upload);
        assert!(!perms_of("online_collaborator").download);
        assert!(perms_of("editor").edit);
        assert_eq!(perms_of("reset"), Perms::default());
    }

    #[test]
    fn roles_rank_from_uploader_to_owner() {
        assert!(rank("owner") > rank("coowner"));
        assert!(rank("coowner") > rank("editor"));
        assert!(rank("viewer") > rank("previewer"));
        assert_eq!(rank("reset"), 0);
    }
}
