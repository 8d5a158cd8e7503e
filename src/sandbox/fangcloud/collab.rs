//! Folder collaboration: `folder/{id}/collabs`, `collab/invite` (document 邀请协作所需参数),
//! `collab/batch_invite` (document 批量邀请协作所需参数), `collab/{id}/info`,
//! `collab/{id}/update` (document 新的权限), `collab/{id}/delete`.
//!
//! Paths other than `folder/{id}/collabs` come from the official SDKs; the document's
//! extraction lost them, and the batch path is not in the SDKs (`collab/batch_invite` is an
//! assumption). Invitations are accepted at once (the enterprise setting
//! `collab_auto_accepted`; the API offers no accept call). Owners, co-owners and editors may
//! manage collaborators. An unknown group answers `group_not_found` (404), a code the
//! document's table lacks.

use std::sync::Arc;

use axum::extract::{Path, State};
use serde_json::{Map, Value, json};

use super::App;
use super::access::ROLES;
use super::envelope::{ApiError, ApiResult, ok, success};
use super::oauth::Me;
use super::params::{Body, path_id, value_i64};
use super::state::{Collab, Kind, Store, TargetKind, now};

impl Store {
    /// Whether a collaboration gives `user` access.
    pub fn collab_reaches(&self, user: i64, c: &Collab) -> bool {
        match c.target {
            TargetKind::User => c.target_id == user,
            TargetKind::Group => self
                .groups
                .get(&c.target_id)
                .is_some_and(|g| g.members.contains(&user)),
            TargetKind::Department => self.in_department(user, c.target_id),
        }
    }

    /// The collaboration, whose folder must still be live.
    fn live_collab(&self, id: i64) -> Result<Collab, ApiError> {
        let c = self
            .collabs
            .get(&id)
            .cloned()
            .ok_or_else(|| ApiError::new("collab_not_found"))?;
        match self.folders.get(&c.folder_id) {
            Some(f) if self.is_live(&f.meta) => Ok(c),
            _ => Err(ApiError::new("collab_related_folder_deleted")),
        }
    }

    /// Checks one invitation target.
    fn check_target(&self, folder: i64, target: TargetKind, id: i64) -> Result<(), ApiError> {
        let owner = self.folders.get(&folder).map(|f| f.meta.owner_id);
        match target {
            TargetKind::User => {
                let u = self
                    .users
                    .get(&id)
                    .ok_or_else(|| ApiError::new("user_not_found"))?;
                if u.enterprise_id != self.enterprise.id {
                    return Err(ApiError::new("collab_user_not_in_same_enterprise"));
                }
                if owner == Some(id) {
                    return Err(ApiError::new("cannot_invite_item_owner"));
                }
            }
            TargetKind::Group => {
                if !self.groups.contains_key(&id) {
                    return Err(ApiError::new("group_not_found"));
                }
            }
            TargetKind::Department => {
                if !self.departments.contains_key(&id) {
                    return Err(ApiError::new("department_not_found"));
                }
            }
        }
        if self
            .collabs
            .values()
            .any(|c| c.folder_id == folder && c.target == target && c.target_id == id)
        {
            return Err(ApiError::new("collab_user_has_been_invited"));
        }
        Ok(())
    }

    fn add_collab(&mut self, folder: i64, target: TargetKind, id: i64, role: &str) -> Collab {
        let c = Collab {
            id: self.new_collab_id(),
            folder_id: folder,
            target,
            target_id: id,
            role: role.to_owned(),
            accepted: true,
            created_at: now(),
        };
        self.collabs.insert(c.id, c.clone());
        c
    }
}

fn check_role(role: Option<&Value>, allow_reset: bool) -> Result<String, ApiError> {
    let role = match role {
        None | Some(Value::Null) => return Err(ApiError::missing("role")),
        Some(Value::String(s)) => s.clone(),
        Some(_) => return Err(ApiError::new("collab_role_invalid")),
    };
    if ROLES.contains(&role.as_str()) || (allow_reset && role == "reset") {
        Ok(role)
    } else {
        Err(ApiError::new("collab_role_invalid"))
    }
}

fn check_message(body: &Body) -> Result<(), ApiError> {
    match body.str("invitation_message")? {
        Some(m) if m.chars().count() > 140 => Err(ApiError::invalid(
            "invitation_message",
            "长度不能超过140个字符",
        )),
        _ => Ok(()),
    }
}

/// `GET folder/{id}/collabs`: the owner first (without a collaboration id), then the
/// collaborations; `final_role` is the caller's strongest role.
pub async fn list(app: State<Arc<App>>, me: Me, Path(id): Path<String>) -> ApiResult {
    let id = path_id("id", &id)?;
    let store = app.store();
    let meta = store.require(me.0, Kind::Folder, id, |p| p.info)?;
    let owner = store.users.get(&meta.owner_id);
    let mut collabs = vec![json!({
        "accessible_by": {
            "type": "user",
            "id": meta.owner_id,
            "name": owner.map_or(String::new(), |u| u.name.clone()),
        },
        "accepted": true,
        "role": "owner",
    })];
    for c in store.collabs.values().filter(|c| c.folder_id == id) {
        let mut v = store.collab_json(c);
        if let Some(o) = v.as_object_mut() {
            o.remove("item");
        }
        collabs.push(v);
    }
    Ok(ok(json!({
        "final_role": store.final_role(me.0, Kind::Folder, &meta),
        "collabs": collabs,
    })))
}

fn folder_to_manage(store: &Store, me: i64, body: &Body) -> Result<i64, ApiError> {
    let folder = body.i64_req("folder_id")?;
    store.require(me, Kind::Folder, folder, |p| p.manage)?;
    Ok(folder)
}

/// `POST collab/invite` `{folder_id, accessible_by: {type, id, role}, invitation_message?}`.
pub async fn invite(app: State<Arc<App>>, me: Me, body: Body) -> ApiResult {
    let by = match body.value("accessible_by") {
        Some(Value::Object(o)) => o.clone(),
        None => return Err(ApiError::missing("accessible_by")),
        Some(_) => return Err(ApiError::invalid("accessible_by", "必须是对象")),
    };
    let kind = by
        .get("type")
        .and_then(Value::as_str)
        .and_then(TargetKind::parse)
        .ok_or_else(|| ApiError::invalid("accessible_by.type", "只能是user,group,department"))?;
    let target = value_i64("accessible_by.id", by.get("id"))?
        .ok_or_else(|| ApiError::missing("accessible_by.id"))?;
    let role = check_role(by.get("role"), false)?;
    check_message(&body)?;
    let mut store = app.store();
    let folder = folder_to_manage(&store, me.0, &body)?;
    store.check_target(folder, kind, target)?;
    let c = store.add_collab(folder, kind, target, &role);
    Ok(ok(store.collab_json(&c)))
}

fn batch_entry(o: &Map<String, Value>) -> Result<(TargetKind, Vec<i64>, String), ApiError> {
    let kind = match o.get("type").and_then(Value::as_str) {
        Some("user_list") => TargetKind::User,
        Some("group_list") => TargetKind::Group,
        Some("department_list") => TargetKind::Department,
        _ => {
            return Err(ApiError::invalid(
                "accessible_by.type",
                "只能是user_list,group_list,department_list",
            ));
        }
    };
    let ids = match o.get("ids") {
        Some(Value::Array(a)) if !a.is_empty() => a
            .iter()
            .map(|v| {
                value_i64("accessible_by.ids", Some(v))?
                    .ok_or_else(|| ApiError::missing("accessible_by.ids"))
            })
            .collect::<Result<Vec<_>, _>>()?,
        _ => return Err(ApiError::missing("accessible_by.ids")),
    };
    Ok((kind, ids, check_role(o.get("role"), false)?))
}

/// `POST collab/batch_invite` `{folder_id, accessible_by: [{type: user_list|group_list|
/// department_list, ids, role}], invitation_message?}` — all or nothing; answers
/// `{"success": true}`.
pub async fn batch_invite(app: State<Arc<App>>, me: Me, body: Body) -> ApiResult {
    let entries = match body.value("accessible_by") {
        Some(Value::Array(a)) if !a.is_empty() => a
            .iter()
            .map(|e| match e {
                Value::Object(o) => batch_entry(o),
                _ => Err(ApiError::invalid("accessible_by", "必须是对象数组")),
            })
            .collect::<Result<Vec<_>, _>>()?,
        _ => return Err(ApiError::missing("accessible_by")),
    };
    check_message(&body)?;
    let mut store = app.store();
    let folder = folder_to_manage(&store, me.0, &body)?;
    let mut seen = Vec::new();
    for (kind, ids, _) in &entries {
        for id in ids {
            store.check_target(folder, *kind, *id)?;
            if seen.contains(&(*kind, *id)) {
                return Err(ApiError::new("collab_user_has_been_invited"));
            }
            seen.push((*kind, *id));
        }
    }
    for (kind, ids, role) in entries {
        for id in ids {
            store.add_collab(folder, kind, id, &role);
        }
    }
    Ok(success())
}

/// `GET collab/{id}/info`.
pub async fn info(app: State<Arc<App>>, me: Me, Path(id): Path<String>) -> ApiResult {
    let id = path_id("id", &id)?;
    let store = app.store();
    let c = store.live_collab(id)?;
    store.require(me.0, Kind::Folder, c.folder_id, |p| p.info)?;
    Ok(ok(store.collab_json(&c)))
}

/// `POST collab/{id}/update` `{role}` (`reset` = no access).
pub async fn update(app: State<Arc<App>>, me: Me, id: Path<String>, body: Body) -> ApiResult {
    let id = path_id("id", &id)?;
    let role = check_role(body.value("role"), true)?;
    let mut store = app.store();
    let c = store.live_collab(id)?;
    store.require(me.0, Kind::Folder, c.folder_id, |p| p.manage)?;
    let Some(c) = store.collabs.get_mut(&id) else {
        return Err(ApiError::new("collab_not_found"));
    };
    c.role = role;
    let c = c.clone();
    Ok(ok(store.collab_json(&c)))
}

/// `POST collab/{id}/delete`: by a manager of the folder, or by the collaborator leaving.
pub async fn delete(app: State<Arc<App>>, me: Me, Path(id): Path<String>) -> ApiResult {
    let id = path_id("id", &id)?;
    let mut store = app.store();
    let c = store.live_collab(id)?;
    let leaving = c.target == TargetKind::User && c.target_id == me.0;
    if !leaving {
        store.require(me.0, Kind::Folder, c.folder_id, |p| p.manage)?;
    }
    store.collabs.remove(&id);
    Ok(success())
}
