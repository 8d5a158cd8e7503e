//! Group-file listings, `delete_group_file` and `get_group_file_url`.

use std::time::Instant;

use serde_json::{Value, json};

use super::download::{LINK_PREFIX, percent_encode};
use super::envelope::Failure;
use super::params::Params;
use super::state::{Folder, Group, Link, ROOT, Shared, StoredFile, file_not_found};

/// The document's `File` object, every field with its documented type.
pub(crate) fn file_json(group_id: i64, f: &StoredFile) -> Value {
    json!({
        "group_id": group_id,
        "file_id": f.file_id,
        "file_name": f.file_name,
        "busid": f.busid,
        "file_size": f.file_size,
        "upload_time": f.upload_time,
        "dead_time": f.dead_time,
        "modify_time": f.modify_time,
        "download_times": f.download_times,
        "uploader": f.uploader,
        "uploader_name": f.uploader_name,
        "md5": f.md5,
        "sha": f.sha,
        "sha3": f.sha3,
    })
}

/// The document's `Folder` object; `total_file_count` counts the files inside it.
pub(crate) fn folder_json(group: &Group, folder: &Folder) -> Value {
    let count = group
        .files
        .iter()
        .filter(|f| f.folder_id == folder.folder_id)
        .count();
    json!({
        "group_id": group.group_id,
        "folder_id": folder.folder_id,
        "folder_name": folder.folder_name,
        "create_time": folder.create_time,
        "creator": folder.creator,
        "creator_name": folder.creator_name,
        "total_file_count": count,
    })
}

/// `{files, folders}` of one folder. No paging: the actions have no paging parameters and
/// answer the whole listing (go-cqhttp and Shamrock fetch every page from QQ themselves).
fn listing(group: &Group, folder_id: &str) -> Value {
    let files: Vec<Value> = group
        .files
        .iter()
        .filter(|f| f.folder_id == folder_id)
        .map(|f| file_json(group.group_id, f))
        .collect();
    // Folders exist only in the root (document: "仅能在根目录创建文件夹").
    let folders: Vec<Value> = if folder_id == ROOT {
        group
            .folders
            .iter()
            .map(|f| folder_json(group, f))
            .collect()
    } else {
        Vec::new()
    };
    json!({ "files": files, "folders": folders })
}

/// `get_group_root_files`: `files` and `folders` of the root.
pub(crate) fn get_group_root_files(shared: &Shared, params: &Params) -> Result<Value, Failure> {
    let group_id = params.require_int("group_id")?;
    let data = shared.lock();
    Ok(listing(data.group(group_id)?, ROOT))
}

/// `get_group_files_by_folder`: `files` and `folders` (always empty) of a folder. `/` names
/// the root, as in QQ.
pub(crate) fn get_group_files_by_folder(
    shared: &Shared,
    params: &Params,
) -> Result<Value, Failure> {
    let group_id = params.require_int("group_id")?;
    let folder_id = params.require_string("folder_id")?;
    let data = shared.lock();
    let group = data.group(group_id)?;
    if folder_id != ROOT {
        group.folder(folder_id)?;
    }
    Ok(listing(group, folder_id))
}

/// The `(group_id, file_id, busid)` triple naming a group file.
fn file_key(params: &Params) -> Result<(i64, String, i64), Failure> {
    let group_id = params.require_int("group_id")?;
    let file_id = params.require_string("file_id")?.to_owned();
    if file_id.is_empty() {
        return Err(Failure::bad("parameter `file_id` is empty"));
    }
    let busid = params.require_int("busid")?;
    Ok((group_id, file_id, busid))
}

/// `delete_group_file`: needs the file's `busid`; answers no data.
pub(crate) async fn delete_group_file(shared: &Shared, params: &Params) -> Result<Value, Failure> {
    let (group_id, file_id, busid) = file_key(params)?;
    let path = {
        let mut data = shared.lock();
        let group = data.group_mut(group_id)?;
        let index = group
            .files
            .iter()
            .position(|f| f.file_id == file_id && i64::from(f.busid) == busid)
            .ok_or_else(|| file_not_found(&file_id, busid))?;
        let removed = group.files.remove(index);
        data.links.retain(|_, l| l.file_id != file_id);
        removed.path
    };
    // A download already streaming keeps its open handle (Unix semantics).
    let _ = tokio::fs::remove_file(path).await;
    Ok(Value::Null)
}

/// `get_group_file_url`: a URL on this simulator that streams the bytes (Range supported)
/// until it expires after `Options::file_url_ttl`. Its shape follows QQ's group-file CDN
/// links: `…/ftn_handler/<hex>/?fname=<name>`.
pub(crate) fn get_group_file_url(shared: &Shared, params: &Params) -> Result<Value, Failure> {
    let (group_id, file_id, busid) = file_key(params)?;
    let mut data = shared.lock();
    let name = data
        .group(group_id)?
        .file(&file_id, busid)?
        .file_name
        .clone();
    let now = Instant::now();
    data.links.retain(|_, l| l.expires > now);
    let key = format!(
        "{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    );
    data.links.insert(
        key.clone(),
        Link {
            group_id,
            file_id,
            expires: now + shared.file_url_ttl,
        },
    );
    let url = format!(
        "{}{LINK_PREFIX}{key}/?fname={}",
        shared.base_url,
        percent_encode(&name)
    );
    Ok(json!({ "url": url }))
}
