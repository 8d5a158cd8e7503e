//! `create_group_file_folder`, `rename_group_folder`, `delete_group_folder`.

use serde_json::{Value, json};

use super::envelope::Failure;
use super::params::Params;
use super::state::{Folder, Group, ROOT, Shared, new_id, now};

/// Longest accepted file or folder name, in UTF-8 bytes. The document is silent; QQ refuses
/// over-long names and 255 bytes is the limit of the file systems its clients run on.
pub const MAX_NAME_BYTES: usize = 255;
/// Characters QQ's clients refuse in file and folder names (the Windows set); the document is
/// silent, the simulator refuses them so a gateway sanitises names.
const FORBIDDEN: &[char] = &['\\', '/', ':', '*', '?', '"', '<', '>', '|'];

/// Validates a file or folder name: empty is a bad parameter (1400); too long or with
/// forbidden characters is refused by QQ (100).
pub(crate) fn check_name(what: &str, name: &str) -> Result<(), Failure> {
    if name.trim().is_empty() {
        return Err(Failure::bad(format!("{what} name is empty")));
    }
    if name.len() > MAX_NAME_BYTES {
        return Err(Failure::failed(format!(
            "{what} name longer than {MAX_NAME_BYTES} bytes"
        )));
    }
    if name
        .chars()
        .any(|c| FORBIDDEN.contains(&c) || c.is_control())
    {
        return Err(Failure::failed(format!(
            "{what} name contains a forbidden character (\\ / : * ? \" < > | or a control character)"
        )));
    }
    Ok(())
}

fn check_unique(group: &Group, name: &str, except: Option<&str>) -> Result<(), Failure> {
    let taken = group
        .folders
        .iter()
        .any(|f| f.folder_name == name && Some(f.folder_id.as_str()) != except);
    if taken {
        return Err(Failure::failed(format!(
            "a folder named {name:?} already exists"
        )));
    }
    Ok(())
}

/// `create_group_file_folder` (`group_id`, `name`). Folders exist only in the root (document:
/// "仅能在根目录创建文件夹"): a parent other than `/` — go-cqhttp's `parent_id`, or `folder_id`
/// as some implementations name it (README) — is refused. Answers the sample's fields.
pub(crate) fn create_group_file_folder(shared: &Shared, params: &Params) -> Result<Value, Failure> {
    let group_id = params.require_int("group_id")?;
    let name = params.require_string("name")?;
    for key in ["parent_id", "folder_id"] {
        if let Some(parent) = params.string(key)?
            && !parent.is_empty()
            && parent != ROOT
        {
            return Err(Failure::failed(format!(
                "folders can only be created in the root (`{key}` is {parent:?})"
            )));
        }
    }
    check_name("folder", name)?;
    let mut data = shared.lock();
    let (self_id, nickname) = (data.self_id, data.nickname.clone());
    let group = data.group_mut(group_id)?;
    check_unique(group, name, None)?;
    let folder = Folder {
        folder_id: new_id(),
        folder_name: name.to_owned(),
        create_time: now(),
        modify_time: now(),
        creator: self_id,
        creator_name: nickname,
    };
    let answer = json!({
        "folder_id": folder.folder_id,
        "parent_folder_id": ROOT,
        "folder_name": folder.folder_name,
        "create_time": folder.create_time,
        "modify_time": folder.modify_time,
        "creator_uin": self_id,
        "modifier_uin": self_id,
    });
    group.folders.push(folder);
    Ok(answer)
}

/// `rename_group_folder` (`group_id`, `folder_id`, `name`): answers no data.
pub(crate) fn rename_group_folder(shared: &Shared, params: &Params) -> Result<Value, Failure> {
    let group_id = params.require_int("group_id")?;
    let folder_id = params.require_string("folder_id")?;
    let name = params.require_string("name")?;
    check_name("folder", name)?;
    let mut data = shared.lock();
    let group = data.group_mut(group_id)?;
    group.folder(folder_id)?;
    check_unique(group, name, Some(folder_id))?;
    let folder = group.folder_mut(folder_id)?;
    folder.folder_name = name.to_owned();
    folder.modify_time = now();
    Ok(Value::Null)
}

/// `delete_group_folder` (`group_id`, `folder_id`): removes the folder and every file in it;
/// answers no data.
pub(crate) async fn delete_group_folder(
    shared: &Shared,
    params: &Params,
) -> Result<Value, Failure> {
    let group_id = params.require_int("group_id")?;
    let folder_id = params.require_string("folder_id")?;
    let paths = {
        let mut data = shared.lock();
        let group = data.group_mut(group_id)?;
        group.folder(folder_id)?;
        group.folders.retain(|f| f.folder_id != folder_id);
        let (gone, kept): (Vec<_>, Vec<_>) = std::mem::take(&mut group.files)
            .into_iter()
            .partition(|f| f.folder_id == folder_id);
        group.files = kept;
        let gone_ids: Vec<&str> = gone.iter().map(|f| f.file_id.as_str()).collect();
        data.links
            .retain(|_, l| l.group_id != group_id || !gone_ids.contains(&l.file_id.as_str()));
        gone.into_iter().map(|f| f.path).collect::<Vec<_>>()
    };
    for path in paths {
        let _ = tokio::fs::remove_file(path).await;
    }
    Ok(Value::Null)
}
