//! Members of spaces and files: space_acl_add, space_acl_del, file_acl_add, file_acl_del, and
//! the `auth_info` reading they share with space_create.

use std::sync::MutexGuard;

use super::App;
use super::directory;
use super::envelope::{ApiError, ApiResult, Fields};
use super::model::{ADMIN_AUTH, Member, Principal, Space};
use super::request::Obj;
use super::state::Drive;
use crate::providers::wecom::errcodes;

/// Space auths (document: "1:仅下载 4:可预览 7:应用空间管理员").
const SPACE_AUTHS: [u32; 3] = [1, 4, ADMIN_AUTH];
/// File auths (document, file_acl_add: "1:仅下载(仅浏览);4:仅预览").
const FILE_AUTHS: [u32; 2] = [1, 4];
/// Document: auth 7 "最多可指定3个" (space_acl_add: "连同已经设置的管理员,最多可指定三个").
const MAX_ADMINS: usize = 3;

#[derive(Clone, Copy, PartialEq)]
pub enum On {
    Space,
    File,
}

/// Reads `auth_info`; `with_auth` reads and checks each entry's `auth`. A later entry for the
/// same user or department replaces an earlier one.
pub fn read_auth_info(body: Obj, on: On, with_auth: bool) -> Result<Vec<Member>, ApiError> {
    let mut out: Vec<Member> = Vec::new();
    for value in body.array("auth_info")? {
        let item = Obj::item(value, "auth_info")?;
        let kind = match item.u32("type")? {
            1 => 1,
            2 => 2,
            // `type` is marked "后续将废弃" on file ACLs; without it the id that is present
            // decides (the simulator applies this to space ACLs too).
            0 if item.has("departmentid") && !item.has("userid") => 2,
            0 => 1,
            _ => {
                return Err(ApiError::new(
                    errcodes::INVALID_PARAMETER,
                    "invalid auth_info.type: 1 user, 2 department",
                ));
            }
        };
        let who = if kind == 1 {
            let userid = item.str("userid")?;
            if !directory::user_exists(userid) {
                return Err(ApiError::new(errcodes::INVALID_USERID, "invalid userid"));
            }
            Principal::User(userid.to_owned())
        } else {
            let id = item.u32("departmentid")?;
            if !item.has("departmentid") || !directory::department_exists(id) {
                return Err(ApiError::new(
                    errcodes::INVALID_DEPARTMENTID,
                    "invalid departmentid",
                ));
            }
            Principal::Department(id)
        };
        let auth = if with_auth {
            read_auth(item, on, &who)?
        } else {
            0
        };
        out.retain(|m| m.who != who);
        out.push(Member { who, auth });
    }
    Ok(out)
}

fn read_auth(item: Obj, on: On, who: &Principal) -> Result<u32, ApiError> {
    let auth = item.u32("auth")?;
    let allowed: &[u32] = match on {
        On::Space => &SPACE_AUTHS,
        On::File => &FILE_AUTHS,
    };
    if !allowed.contains(&auth) {
        return Err(ApiError::new(errcodes::INVALID_AUTH, "invalid auth"));
    }
    if auth == ADMIN_AUTH && matches!(who, Principal::Department(_)) {
        return Err(ApiError::new(
            errcodes::INVALID_AUTH,
            "invalid auth: a department cannot be space admin (auth 7)",
        ));
    }
    Ok(auth)
}

fn non_empty(members: Vec<Member>) -> Result<Vec<Member>, ApiError> {
    if members.is_empty() {
        return Err(ApiError::new(
            errcodes::INVALID_PARAMETER,
            "auth_info is required",
        ));
    }
    Ok(members)
}

/// Adds (or re-auths) space members, keeping at most 3 admins in all.
pub fn add_space_members(space: &mut Space, add: Vec<Member>) -> Result<(), ApiError> {
    let mut members = space.members.clone();
    for m in &add {
        match members.iter_mut().find(|e| e.who == m.who) {
            Some(existing) => existing.auth = m.auth,
            None => members.push(m.clone()),
        }
    }
    if members.iter().filter(|m| m.auth == ADMIN_AUTH).count() > MAX_ADMINS {
        return Err(ApiError::new(
            errcodes::PARAMETER_ERROR,
            "too many space admins: at most 3 (auth 7), counting those already set",
        ));
    }
    space.members = members;
    for m in add {
        if let Principal::User(u) = m.who {
            space.quit_userid.retain(|q| *q != u);
        }
    }
    Ok(())
}

fn covered_by_department(members: &[Member], userid: &str) -> bool {
    members.iter().any(
        |m| matches!(m.who, Principal::Department(d) if directory::user_in_department(userid, d)),
    )
}

/// The start of every ACL call: the space or live file it names (`spaceid` / `fileid`),
/// checked before its `auth_info` is read (`with_auth`: with each entry's `auth`), which must
/// not be empty.
fn acl_request<'a>(
    app: &'a App,
    body: Obj<'a>,
    on: On,
    with_auth: bool,
) -> Result<(MutexGuard<'a, Drive>, &'a str, Vec<Member>), ApiError> {
    let drive = app.drive();
    let id = match on {
        On::Space => {
            let id = body.str("spaceid")?;
            drive.space(id)?;
            id
        }
        On::File => {
            let id = body.str("fileid")?;
            drive.live(id)?;
            id
        }
    };
    let members = non_empty(read_auth_info(body, on, with_auth)?)?;
    Ok((drive, id, members))
}

/// `space_acl_add`: `{spaceid, auth_info:[{type, userid|departmentid, auth}]}`.
pub fn space_acl_add(app: &App, body: Obj) -> ApiResult {
    let (mut drive, spaceid, add) = acl_request(app, body, On::Space, true)?;
    add_space_members(drive.space_mut(spaceid)?, add)?;
    Ok(Fields::new())
}

/// `space_acl_del`: `{spaceid, auth_info:[{type, userid|departmentid}]}`. A user who still has
/// access through a member department is listed in `quit_userid` (document, space_info:
/// "成员在一个有权限的部门中, 自己退出空间或者被移除权限").
pub fn space_acl_del(app: &App, body: Obj) -> ApiResult {
    let (mut drive, spaceid, del) = acl_request(app, body, On::Space, false)?;
    let space = drive.space_mut(spaceid)?;
    let mut members = space.members.clone();
    let mut quit = space.quit_userid.clone();
    let not_in_space = || ApiError::new(errcodes::MEMBER_NOT_IN_SPACE, "member not in space");
    for m in del {
        let explicit = members.iter().position(|e| e.who == m.who);
        if let Some(i) = explicit {
            members.remove(i);
        }
        match &m.who {
            Principal::User(u) if covered_by_department(&members, u) => {
                if quit.contains(u) {
                    if explicit.is_none() {
                        return Err(not_in_space());
                    }
                } else {
                    quit.push(u.clone());
                }
            }
            _ if explicit.is_none() => return Err(not_in_space()),
            _ => {}
        }
    }
    quit.retain(|u| covered_by_department(&members, u));
    space.members = members;
    space.quit_userid = quit;
    Ok(Fields::new())
}

/// `file_acl_add`: `{fileid, auth_info:[{type, userid|departmentid, auth 1|4}]}`.
pub fn file_acl_add(app: &App, body: Obj) -> ApiResult {
    let (mut drive, fileid, add) = acl_request(app, body, On::File, true)?;
    let node = drive.live_mut(fileid)?;
    for m in add {
        match node.members.iter_mut().find(|e| e.who == m.who) {
            Some(existing) => existing.auth = m.auth,
            None => node.members.push(m),
        }
    }
    Ok(Fields::new())
}

/// `file_acl_del`: `{fileid, auth_info:[{type, userid|departmentid}]}`.
pub fn file_acl_del(app: &App, body: Obj) -> ApiResult {
    let (mut drive, fileid, del) = acl_request(app, body, On::File, false)?;
    let node = drive.live_mut(fileid)?;
    let mut members = node.members.clone();
    for m in del {
        let Some(i) = members.iter().position(|e| e.who == m.who) else {
            return Err(ApiError::new(
                errcodes::MEMBER_NOT_IN_SPACE,
                "member not in the file's member list",
            ));
        };
        members.remove(i);
    }
    node.members = members;
    Ok(Fields::new())
}
