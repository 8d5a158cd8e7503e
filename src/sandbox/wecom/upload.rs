//! Uploads: file_upload (base64 in the body, ≤ 10 MB) and the chunked protocol
//! file_upload_init / file_upload_part / file_upload_finish (document section 文件分块上传,
//! README "WeCom chunked upload"): 2 MiB blocks numbered from 1, `size` ≤ 20 GB, the cumulative
//! block SHA list declared at init and checked against the received bytes at finish, and
//! instant upload (秒传) when a file of the same size and block SHAs already exists.
//! Each part is written to disk at its offset in one spool file as it arrives; finish reads that
//! file once (streaming) to check it, then keeps it as the stored content.

use std::io::{Read, SeekFrom};
use std::path::Path;
use std::sync::Arc;

use base64::Engine;
use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use md5::{Digest, Md5};
use serde_json::json;
use tokio::io::{AsyncSeekExt, AsyncWriteExt};

use super::App;
use super::envelope::{ApiError, ApiResult, Fields, fields};
use super::model::{Blob, Content, FILE, Session};
use super::names;
use super::request::{Obj, refuse_ticket};
use super::state::{Drive, random_token};
use crate::providers::wecom::block_sha::{BLOCK_SIZE, BlockSha};
use crate::providers::wecom::errcodes;

/// file_upload: "文件大小上限为10M" (read as 10 MiB).
pub const MAX_SIMPLE_UPLOAD: u64 = 10 * 1024 * 1024;
/// file_upload_init `size`: "最大支持20G" (read as 20 GiB).
pub const MAX_CHUNKED_UPLOAD: u64 = 20 * 1024 * 1024 * 1024;

/// Standard base64 (the document: only the content's base64, no `data:` prefix); padding may
/// be left out.
const BASE64: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

fn decode(content: &str) -> Result<Vec<u8>, ApiError> {
    let bad = |reason: &str| ApiError::new(errcodes::INVALID_BASE64, reason.to_owned());
    if content.is_empty() {
        return Err(bad("invalid file_base64_content: empty"));
    }
    let data = BASE64
        .decode(content)
        .map_err(|_| bad("invalid file_base64_content: not base64"))?;
    if data.is_empty() {
        return Err(bad("invalid file_base64_content: empty file"));
    }
    Ok(data)
}

pub fn io_error(e: std::io::Error) -> ApiError {
    tracing::warn!(error = %e, "wecom simulator storage failure");
    ApiError::new(errcodes::SYSTEM_BUSY, "system busy")
}

/// `spaceid`/`fatherid` or `selected_ticket` — "必须填且仅填其中一组参数". The simulator has no
/// file picker, so no selected ticket is valid.
fn target(body: &Obj) -> Result<(String, String), ApiError> {
    let ticket = body.str("selected_ticket")?;
    let spaceid = body.str("spaceid")?;
    let fatherid = body.str("fatherid")?;
    refuse_ticket(
        ticket,
        !spaceid.is_empty() || !fatherid.is_empty(),
        "spaceid/fatherid",
    )?;
    if spaceid.is_empty() {
        return Err(ApiError::new(errcodes::INVALID_SPACEID, "invalid spaceid"));
    }
    Ok((spaceid.to_owned(), fatherid.to_owned()))
}

fn check_capacity(app: &App, drive: &Drive, extra: u64) -> Result<(), ApiError> {
    if drive.used_bytes().saturating_add(extra) > app.capacity {
        return Err(ApiError::new(
            errcodes::CAPACITY_EXCEEDED,
            "wedrive capacity exceeded",
        ));
    }
    Ok(())
}

/// `file_upload`: `{spaceid, fatherid, selected_ticket?, file_name, file_base64_content}` →
/// `{fileid}`. A name already used in the folder gets a conflict name ("xxx(1).txt").
pub async fn file_upload(app: &App, body: Obj<'_>) -> ApiResult {
    let (spaceid, fatherid) = target(&body)?;
    let name = body.str("file_name")?;
    let content = body.str("file_base64_content")?;
    app.drive().check_folder(&spaceid, &fatherid)?;
    names::check_file_name(name)?;
    let data = decode(content)?;
    let size = data.len() as u64;
    if size > MAX_SIMPLE_UPLOAD {
        return Err(ApiError::new(
            errcodes::INVALID_FILE_SIZE,
            "invalid file size: file_upload takes at most 10M, use the chunked upload",
        ));
    }
    let path = {
        let mut drive = app.drive();
        check_capacity(app, &drive, size)?;
        drive.new_blob_path()
    };
    let blob = Arc::new(Blob { path });
    tokio::fs::write(&blob.path, &data)
        .await
        .map_err(io_error)?;
    let mut sha = BlockSha::new();
    sha.update(&data);
    let content = Content {
        blob,
        size,
        sha: sha.digest_hex(),
        md5: hex::encode(Md5::digest(&data)),
        block_sha: sha.finish(),
    };
    let mut drive = app.drive();
    drive.check_folder(&spaceid, &fatherid)?;
    check_capacity(app, &drive, size)?;
    let id = drive.add_file(&spaceid, &fatherid, name, content);
    Ok(fields(json!({ "fileid": id })))
}

fn is_sha_hex(s: &str) -> bool {
    s.len() == 40 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// `file_upload_init`: `{spaceid, fatherid, selected_ticket?, file_name, size, block_sha,
/// skip_push_card?}` → `{hit_exist:true, fileid}` on an instant upload, else
/// `{hit_exist:false, upload_key}`.
pub async fn file_upload_init(app: &App, body: Obj<'_>) -> ApiResult {
    let (spaceid, fatherid) = target(&body)?;
    let name = body.str("file_name")?;
    let size = body.u64("size")?;
    let declared = body.strings("block_sha")?;
    body.opt_bool("skip_push_card")?;
    app.drive().check_folder(&spaceid, &fatherid)?;
    names::check_file_name(name)?;
    if size == 0 || size > MAX_CHUNKED_UPLOAD {
        return Err(ApiError::new(
            errcodes::INVALID_FILE_SIZE,
            "invalid file size: 1 byte to 20G",
        ));
    }
    if declared.len() as u64 != size.div_ceil(BLOCK_SIZE) {
        return Err(ApiError::new(
            errcodes::INVALID_PARAMETER,
            "invalid block_sha: one entry per 2M block of size",
        ));
    }
    if !declared.iter().all(|s| is_sha_hex(s)) {
        return Err(ApiError::new(
            errcodes::INVALID_PARAMETER,
            "invalid block_sha: entries are 40 hex digits",
        ));
    }
    let block_sha: Vec<String> = declared.iter().map(|s| s.to_ascii_lowercase()).collect();
    let spool = {
        let mut drive = app.drive();
        check_capacity(app, &drive, size)?;
        let hit = drive
            .nodes
            .values()
            .filter(|n| n.is_live() && n.file_type == FILE && n.size == size)
            .find(|n| n.block_sha == block_sha)
            .and_then(|n| {
                Some(Content {
                    blob: n.blob.clone()?,
                    size,
                    sha: n.sha.clone(),
                    md5: n.md5.clone(),
                    block_sha: block_sha.clone(),
                })
            });
        if let Some(content) = hit {
            let id = drive.add_file(&spaceid, &fatherid, name, content);
            return Ok(fields(json!({ "hit_exist": true, "fileid": id })));
        }
        drive.new_spool_path()
    };
    let file = tokio::fs::File::create(&spool).await.map_err(io_error)?;
    file.set_len(size).await.map_err(io_error)?;
    let key = random_token(64);
    app.drive().sessions.insert(
        key.clone(),
        Session {
            spaceid,
            fatherid,
            name: name.to_owned(),
            size,
            block_sha,
            spool,
            received: Default::default(),
        },
    );
    Ok(fields(json!({ "hit_exist": false, "upload_key": key })))
}

fn session<'a>(drive: &'a Drive, key: &str) -> Result<&'a Session, ApiError> {
    if key.is_empty() {
        return Err(ApiError::new(
            errcodes::INVALID_PARAMETER,
            "invalid upload_key: empty",
        ));
    }
    drive
        .sessions
        .get(key)
        .ok_or_else(|| ApiError::new(errcodes::INVALID_PARAMETER, "invalid upload_key"))
}

/// Length of block `index` (from 1) of a file of `size` bytes.
fn block_len(size: u64, index: u32) -> u64 {
    let start = u64::from(index - 1) * BLOCK_SIZE;
    BLOCK_SIZE.min(size.saturating_sub(start))
}

/// `file_upload_part`: `{upload_key, index, file_base64_content}`. Each part is exactly its
/// 2 MiB block (the last one the remainder); sending an index again replaces that part.
pub async fn file_upload_part(app: &App, body: Obj<'_>) -> ApiResult {
    let key = body.str("upload_key")?;
    let index = body.i32("index")?;
    let content = body.str("file_base64_content")?;
    let (spool, index, expected) = {
        let drive = app.drive();
        let s = session(&drive, key)?;
        let index = u32::try_from(index)
            .ok()
            .filter(|i| (1..=s.blocks()).contains(i))
            .ok_or_else(|| {
                ApiError::new(
                    errcodes::INVALID_PARAMETER,
                    format!("invalid index: parts are numbered 1..{}", s.blocks()),
                )
            })?;
        (s.spool.clone(), index, block_len(s.size, index))
    };
    let data = decode(content)?;
    if data.len() as u64 != expected {
        return Err(ApiError::new(
            errcodes::INVALID_FILE_BLOCK,
            format!(
                "invalid file block: part {index} must be {expected} bytes, got {}",
                data.len()
            ),
        ));
    }
    write_at(&spool, u64::from(index - 1) * BLOCK_SIZE, &data)
        .await
        .map_err(io_error)?;
    let mut drive = app.drive();
    match drive.sessions.get_mut(key) {
        Some(s) => {
            s.received.insert(index);
            Ok(Fields::new())
        }
        None => Err(ApiError::new(
            errcodes::INVALID_PARAMETER,
            "invalid upload_key",
        )),
    }
}

async fn write_at(path: &Path, offset: u64, data: &[u8]) -> std::io::Result<()> {
    let mut file = tokio::fs::OpenOptions::new().write(true).open(path).await?;
    file.seek(SeekFrom::Start(offset)).await?;
    file.write_all(data).await?;
    file.flush().await
}

struct Digests {
    block_sha: Vec<String>,
    sha: String,
    md5: String,
    size: u64,
}

/// Block SHAs, SHA-1 and MD5 of a file, read 1 MiB at a time.
fn digest_file(path: &Path) -> std::io::Result<Digests> {
    let mut file = std::fs::File::open(path)?;
    let mut sha = BlockSha::new();
    let mut md5 = Md5::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        sha.update(&buf[..n]);
        md5.update(&buf[..n]);
    }
    Ok(Digests {
        block_sha: sha.finish(),
        sha: sha.digest_hex(),
        md5: hex::encode(md5.finalize()),
        size: sha.len(),
    })
}

/// `file_upload_finish`: `{upload_key}` → `{fileid}`. Every part must be there and the bytes'
/// block SHAs must equal those declared at init; otherwise 600052 and the upload stays open
/// (parts can be sent again).
pub async fn file_upload_finish(app: &App, body: Obj<'_>) -> ApiResult {
    let key = body.str("upload_key")?;
    let (spool, declared, size) = {
        let drive = app.drive();
        let s = session(&drive, key)?;
        if let Some(missing) = (1..=s.blocks()).find(|i| !s.received.contains(i)) {
            return Err(ApiError::new(
                errcodes::INVALID_FILE_BLOCK,
                format!("invalid file block: part {missing} was not uploaded"),
            ));
        }
        (s.spool.clone(), s.block_sha.clone(), s.size)
    };
    let path = spool.clone();
    let digests = tokio::task::spawn_blocking(move || digest_file(&path))
        .await
        .map_err(|e| io_error(std::io::Error::other(e)))?
        .map_err(io_error)?;
    if digests.size != size {
        return Err(ApiError::new(
            errcodes::INVALID_FILE_BLOCK,
            "invalid file block: received bytes do not add up to size",
        ));
    }
    if let Some(i) = (0..declared.len()).find(|&i| digests.block_sha.get(i) != declared.get(i)) {
        return Err(ApiError::new(
            errcodes::INVALID_FILE_BLOCK,
            format!(
                "invalid file block: block_sha of block {} does not match the content",
                i + 1
            ),
        ));
    }
    let mut drive = app.drive();
    let s = session(&drive, key)?;
    let (spaceid, fatherid, name) = (s.spaceid.clone(), s.fatherid.clone(), s.name.clone());
    drive.check_folder(&spaceid, &fatherid)?;
    check_capacity(app, &drive, size)?;
    // The spool file becomes the blob (same directory tree, so a rename).
    let blob_path = drive.new_blob_path();
    std::fs::rename(&spool, &blob_path).map_err(io_error)?;
    drive.sessions.remove(key);
    let content = Content {
        blob: Arc::new(Blob { path: blob_path }),
        size,
        sha: digests.sha,
        md5: digests.md5,
        block_sha: digests.block_sha,
    };
    let id = drive.add_file(&spaceid, &fatherid, &name, content);
    Ok(fields(json!({ "fileid": id })))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_are_2_mib_and_the_last_is_the_remainder() {
        let size = 2 * BLOCK_SIZE + 5;
        assert_eq!(block_len(size, 1), BLOCK_SIZE);
        assert_eq!(block_len(size, 2), BLOCK_SIZE);
        assert_eq!(block_len(size, 3), 5);
    }

    #[test]
    fn base64_content_must_be_standard_and_non_empty() {
        assert_eq!(decode("aGk=").unwrap(), b"hi");
        assert_eq!(decode("aGk").unwrap(), b"hi");
        for bad in ["", "a", "***", "aG-k"] {
            assert_eq!(
                decode(bad).unwrap_err().code,
                errcodes::INVALID_BASE64,
                "{bad}"
            );
        }
    }
}
