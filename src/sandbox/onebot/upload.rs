//! `upload_group_file` and `upload_private_file`.
//!
//! The body has already been streamed to disk by [`params::read`](super::params::read); these
//! handlers only validate and record the upload.

use serde_json::{Value, json};

use super::envelope::Failure;
use super::file_source;
use super::folders::check_name;
use super::params::{Blob, FileArg, Params};
use super::state::{GROUP_FILE_BUSID, Profile, ROOT, Shared, StoredFile, new_id, now};

/// The `file` parameter's content: decoded `base64://…`, or what a local path or URL names
/// (accepted as documented, but only inside the simulator's directory or from loopback, and
/// counted: see [`file_source`]).
async fn content(shared: &Shared, params: &mut Params) -> Result<Blob, Failure> {
    match params.take_file()? {
        FileArg::Base64(blob) => Ok(blob),
        FileArg::Other(given) => file_source::fetch(shared, &given).await,
    }
}

/// QQ refuses to send empty files; the document is silent, the simulator refuses them too.
fn check_not_empty(blob: &Blob) -> Result<(), Failure> {
    if blob.size == 0 {
        return Err(Failure::failed(
            "the file is empty (QQ refuses empty files)",
        ));
    }
    Ok(())
}

/// The answer both uploads share (document sample): `sha` and `sha3` are empty there.
fn answer(msg_id: i32, md5: &str, file_id: &str) -> Value {
    json!({
        "msg_id": msg_id,
        "bizid": GROUP_FILE_BUSID,
        "md5": md5,
        "sha": "",
        "sha3": "",
        "file_id": file_id,
    })
}

/// `upload_group_file` (`group_id`, `file`, `name`, `folder`). What happens to `folder`
/// depends on the implementation [`Profile`]: go-cqhttp uploads into that folder, Shamrock
/// ignores it ("参数 folder在Shamrock不受支持") and the file lands in the root. The file-count
/// and space limits of the group apply.
pub(crate) async fn upload_group_file(
    shared: &Shared,
    params: &mut Params,
) -> Result<Value, Failure> {
    let group_id = params.require_int("group_id")?;
    let name = params.require_string("name")?.to_owned();
    let folder = match (params.string("folder")?, shared.profile) {
        (Some(f), Profile::GoCqhttp) if !f.is_empty() => f.to_owned(),
        _ => ROOT.to_owned(),
    };
    let blob = content(shared, params).await?;
    check_name("file", &name)?;
    check_not_empty(&blob)?;

    let mut data = shared.lock();
    let (self_id, nickname) = (data.self_id, data.nickname.clone());
    let group = data.group_mut(group_id)?;
    if folder != ROOT {
        group.folder(&folder)?;
    }
    if group.files.len() >= group.file_count_limit as usize {
        return Err(Failure::failed(format!(
            "group file count limit reached ({} files)",
            group.file_count_limit
        )));
    }
    let used = group.used_space();
    if used.saturating_add(blob.size) > group.total_space {
        return Err(Failure::failed(format!(
            "not enough group file space: {} bytes used of {}, the file needs {}",
            used, group.total_space, blob.size
        )));
    }
    let Blob {
        path,
        size,
        md5,
        sha1,
    } = blob;
    let path = path
        .keep()
        .map_err(|e| Failure::failed(format!("could not store the upload: {e}")))?;
    let file_id = new_id();
    let time = now();
    group.files.push(StoredFile {
        file_id: file_id.clone(),
        file_name: name,
        busid: GROUP_FILE_BUSID,
        folder_id: folder,
        file_size: size,
        upload_time: time,
        dead_time: 0,
        modify_time: time,
        download_times: 0,
        uploader: self_id,
        uploader_name: nickname,
        md5: md5.clone(),
        sha: sha1,
        sha3: String::new(),
        path,
    });
    let msg_id = data.msg_id();
    Ok(answer(msg_id, &md5, &file_id))
}

/// `upload_private_file` (`user_id`, `file`, `name`): sends the file to a friend. Nothing
/// lists private files afterwards, so the content is discarded once hashed.
pub(crate) async fn upload_private_file(
    shared: &Shared,
    params: &mut Params,
) -> Result<Value, Failure> {
    let user_id = params.require_int("user_id")?;
    let name = params.require_string("name")?.to_owned();
    let blob = content(shared, params).await?;
    check_name("file", &name)?;
    check_not_empty(&blob)?;
    let mut data = shared.lock();
    if !data.friends.iter().any(|f| f.user_id == user_id) {
        return Err(Failure::failed(format!(
            "user {user_id} is not a friend of the bot"
        )));
    }
    let msg_id = data.msg_id();
    Ok(answer(msg_id, &blob.md5, &new_id()))
}
