//! Files (管理文件): file_list, file_info, file_create, file_rename, file_move, file_delete.

use std::cmp::Ordering;

use serde_json::{Value, json};

use super::App;
use super::envelope::{ApiError, ApiResult, Fields, fields};
use super::model::{DOC, FOLDER, Node, SHEET};
use super::names;
use super::request::Obj;
use super::state::Drive;
use crate::providers::wecom::errcodes;

/// file_list `limit`: "不超过1000".
const MAX_LIMIT: u32 = 1000;

/// Where a document opens: the simulator serves a small page for it.
pub fn doc_url(base: &str, node: &Node) -> String {
    let kind = if node.file_type == SHEET {
        "sheet"
    } else {
        "doc"
    };
    format!("{base}/wedoc/{kind}/{}", node.id)
}

/// One file entry as file_list/file_info/file_rename/file_move answer it. `url` only for
/// documents ("仅微文档类型返回访问链接") and only where the answer documents it.
pub fn render(node: &Node, base: &str, with_url: bool) -> Value {
    let mut v = json!({
        "fileid": node.id,
        "file_name": node.name,
        "spaceid": node.spaceid,
        "fatherid": node.fatherid,
        "file_size": node.size,
        "ctime": node.ctime,
        "mtime": node.mtime,
        "file_type": node.file_type,
        "file_status": node.status,
        "sha": node.sha,
        "md5": node.md5,
    });
    if with_url
        && node.is_doc()
        && let Value::Object(map) = &mut v
    {
        map.insert("url".into(), Value::from(doc_url(base, node)));
    }
    v
}

/// `file_list`: `{spaceid, fatherid, sort_type, start, limit}` →
/// `{has_more, next_start, file_list:{item:[…]}}`. Sort types: 1 name ↑, 2 name ↓, 3 size ↑,
/// 4 size ↓, 5 mtime ↑, 6 mtime ↓. Ties (same size or mtime) are ordered by name, then fileid
/// (the document is silent; the simulator keeps pages stable). Names compare by code point.
pub fn file_list(app: &App, body: Obj) -> ApiResult {
    let spaceid = body.str("spaceid")?;
    let fatherid = body.str("fatherid")?;
    let sort_type = body.u32("sort_type")?;
    let start = body.u32("start")?;
    let limit = body.u32("limit")?;
    if !(1..=6).contains(&sort_type) {
        return Err(ApiError::new(
            errcodes::INVALID_PARAMETER,
            "invalid sort_type: 1..6",
        ));
    }
    if limit == 0 || limit > MAX_LIMIT {
        return Err(ApiError::new(
            errcodes::INVALID_PARAMETER,
            "invalid limit: 1..1000",
        ));
    }
    let drive = app.drive();
    drive.check_folder(spaceid, fatherid)?;
    let mut items: Vec<&Node> = drive.children(fatherid).collect();
    items.sort_by(|a, b| {
        let primary = match sort_type {
            1 | 2 => Ordering::Equal,
            3 | 4 => a.size.cmp(&b.size),
            _ => a.mtime.cmp(&b.mtime),
        };
        let order = primary
            .then_with(|| a.name.cmp(&b.name))
            .then_with(|| a.id.cmp(&b.id));
        if sort_type.is_multiple_of(2) {
            order.reverse()
        } else {
            order
        }
    });
    let total = items.len();
    let skip = usize::try_from(start).unwrap_or(usize::MAX);
    let page: Vec<Value> = items
        .iter()
        .skip(skip)
        .take(limit as usize)
        .map(|n| render(n, &app.base_url, true))
        .collect();
    let returned = u32::try_from(page.len()).unwrap_or(u32::MAX);
    let has_more = skip.saturating_add(page.len()) < total;
    Ok(fields(json!({
        "has_more": has_more,
        "next_start": start.saturating_add(returned),
        "file_list": { "item": page },
    })))
}

/// `file_info`: `{fileid}` → `{file_info:{…}}`. A deleted file still answers, with
/// `file_status` 2 (the field's documented "2:删除").
pub fn file_info(app: &App, body: Obj) -> ApiResult {
    let fileid = body.str("fileid")?;
    let drive = app.drive();
    let node = drive.node(fileid)?;
    Ok(fields(
        json!({ "file_info": render(node, &app.base_url, true) }),
    ))
}

/// `file_create`: `{spaceid, fatherid, file_type 1|3|4, file_name}` → `{fileid, url?}`. A name
/// already used in the folder gets the conflict name file_move documents ("xxx(1)"), as
/// WeDrive's clients do when creating.
pub fn file_create(app: &App, body: Obj) -> ApiResult {
    let spaceid = body.str("spaceid")?;
    let fatherid = body.str("fatherid")?;
    let file_type = body.u32("file_type")?;
    let name = body.str("file_name")?;
    if ![FOLDER, DOC, SHEET].contains(&file_type) {
        return Err(ApiError::new(
            errcodes::INVALID_PARAMETER,
            "invalid file_type: 1 folder, 3 document, 4 sheet",
        ));
    }
    let mut drive = app.drive();
    drive.check_folder(spaceid, fatherid)?;
    names::check_file_name(name)?;
    let id = drive.new_file_id(spaceid);
    let name = drive.free_name(fatherid, name, file_type == FOLDER, "");
    let node = Node::new(id.clone(), name, spaceid, fatherid, file_type);
    let mut out = json!({ "fileid": id });
    if node.is_doc() {
        out["url"] = Value::from(doc_url(&app.base_url, &node));
    }
    drive.nodes.insert(id, node);
    Ok(fields(out))
}

/// `file_rename`: `{fileid, new_name}` → `{file:{…}}`. Renaming onto the name of another item
/// in the same folder answers 640009 (simulator choice, see errcodes::INVALID_FILE_NAME).
pub fn file_rename(app: &App, body: Obj) -> ApiResult {
    let fileid = body.str("fileid")?;
    let new_name = body.str("new_name")?;
    let mut drive = app.drive();
    let fatherid = drive.live(fileid)?.fatherid.clone();
    names::check_file_name(new_name)?;
    if drive.sibling_named(&fatherid, new_name, fileid).is_some() {
        return Err(ApiError::new(
            errcodes::INVALID_FILE_NAME,
            "invalid file name: the folder already has an item with this name",
        ));
    }
    let node = drive.live_mut(fileid)?;
    node.name = new_name.to_owned();
    Ok(fields(
        json!({ "file": render(node, &app.base_url, false) }),
    ))
}

/// The `fileid` list of file_move/file_delete. The table types it `string`, the samples send a
/// list; both are accepted.
fn fileids<'a>(body: &Obj<'a>) -> Result<Vec<&'a str>, ApiError> {
    let ids = match body.str("fileid") {
        Ok(one) if !one.is_empty() => vec![one],
        _ => body.strings("fileid")?,
    };
    if ids.is_empty() || ids.iter().any(|id| id.is_empty()) {
        return Err(ApiError::new(errcodes::INVALID_FILEID, "invalid fileid"));
    }
    Ok(ids)
}

/// Moves one live item into `fatherid` of `spaceid`, applying `replace`.
fn move_one(drive: &mut Drive, id: &str, spaceid: &str, fatherid: &str, replace: bool) {
    let Some(node) = drive.nodes.get(id).filter(|n| n.is_live()) else {
        return;
    };
    if node.fatherid == fatherid {
        return;
    }
    let (name, is_folder) = (node.name.clone(), node.file_type == FOLDER);
    let final_name = match drive.sibling_named(fatherid, &name, id) {
        Some(other) if replace => {
            drive.delete(&other);
            name
        }
        Some(_) => drive.free_name(fatherid, &name, is_folder, id),
        None => name,
    };
    let below = drive.descendants(id);
    if let Some(node) = drive.nodes.get_mut(id) {
        node.fatherid = fatherid.to_owned();
        node.spaceid = spaceid.to_owned();
        node.name = final_name;
    }
    for d in below {
        if let Some(n) = drive.nodes.get_mut(&d) {
            n.spaceid = spaceid.to_owned();
        }
    }
}

/// `file_move`: `{fatherid, replace?, fileid:[…]}` → `{file_list:{item:[…]}}`. `replace` true
/// deletes a same-name item in the target; false gives the moved item a conflict name
/// ("xxx(1).txt"). `fatherid` may be any space's root or folder. All ids are checked before
/// anything moves.
pub fn file_move(app: &App, body: Obj) -> ApiResult {
    let fatherid = body.str("fatherid")?;
    let replace = body.opt_bool("replace")?.unwrap_or(false);
    let ids = fileids(&body)?;
    let mut drive = app.drive();
    if fatherid.is_empty() {
        return Err(ApiError::new(
            errcodes::INVALID_FATHERID,
            "invalid fatherid",
        ));
    }
    let spaceid = drive.folder_space(fatherid)?;
    for id in &ids {
        drive.live(id)?;
        if *id == fatherid || drive.descendants(id).iter().any(|d| d == fatherid) {
            return Err(ApiError::new(
                errcodes::INVALID_FATHERID,
                "invalid fatherid: a folder cannot move into itself",
            ));
        }
    }
    for id in &ids {
        move_one(&mut drive, id, &spaceid, fatherid, replace);
    }
    let items: Vec<Value> = ids
        .iter()
        .filter_map(|id| drive.nodes.get(*id))
        .filter(|n| n.is_live())
        .map(|n| render(n, &app.base_url, false))
        .collect();
    Ok(fields(json!({ "file_list": { "item": items } })))
}

/// `file_delete`: `{fileid:[…]}`. Folders go with everything in them. All ids are checked
/// before anything is deleted.
pub fn file_delete(app: &App, body: Obj) -> ApiResult {
    let ids = fileids(&body)?;
    let mut drive = app.drive();
    for id in &ids {
        drive.live(id)?;
    }
    for id in &ids {
        if drive.nodes.get(*id).is_some_and(Node::is_live) {
            drive.delete(id);
        }
    }
    Ok(Fields::new())
}
