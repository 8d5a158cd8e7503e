//! The demo data seeded when `Options::demo_data` is set: the bot account, two groups (the
//! first with root files, a folder holding files and an empty folder; the second with one
//! file), and one friend for private files. Every id is fixed so tests and a newcomer's
//! sandbox can name them.

use std::path::Path;

use super::Options;
use super::state::{Data, Folder, Friend, GROUP_FILE_BUSID, Group, ROOT, StoredFile};

/// The access token the simulator expects by default (`Authorization: Bearer …`).
pub const ACCESS_TOKEN: &str = "filegate-sandbox-onebot-token";
/// The bot's own QQ number (the document's sample `creator_uin`) and nickname.
pub const SELF_ID: i64 = 1_650_114_384;
pub const SELF_NICKNAME: &str = "filegate-bot";

/// The group with the demo file tree.
pub const GROUP_ID: i64 = 681_155_301;
pub const GROUP_NAME: &str = "filegate demo";
/// A second group, holding [`OTHER_GROUP_FILE_ID`].
pub const OTHER_GROUP_ID: i64 = 681_155_302;
pub const OTHER_GROUP_NAME: &str = "filegate demo (other)";
/// The bot's only friend, for `upload_private_file`.
pub const FRIEND_ID: i64 = 2_000_000_001;
pub const FRIEND_NICKNAME: &str = "demo-friend";

/// `busid` of every demo file (QQ's permanent group files).
pub const BUSID: i32 = GROUP_FILE_BUSID;

/// A root file of [`GROUP_ID`] (the document's sample file id).
pub const FILE_ID: &str = "/c65b7c5c-50e0-47c6-951f-4e3377505f7f";
pub const FILE_NAME: &str = "welcome.txt";
pub const FILE_CONTENT: &[u8] =
    b"Welcome to the filegate sandbox: this file lives in a QQ group.\n";
/// A second root file of [`GROUP_ID`].
pub const SECOND_FILE_ID: &str = "/0b7d3f52-95a4-4c1e-8d36-2f8e9c6a1b40";
pub const SECOND_FILE_NAME: &str = "notes.md";
pub const SECOND_FILE_CONTENT: &[u8] = b"# Notes\n\n- group files come from OneBot\n";

/// A folder of [`GROUP_ID`] holding two files (the document's sample folder id).
pub const FOLDER_ID: &str = "/ad86c100-031d-4139-8cab-c6c661a413ba";
pub const FOLDER_NAME: &str = "Reports";
pub const FOLDER_FILE_ID: &str = "/5d2c8e1a-3b4f-4a6d-9e7c-8f1a2b3c4d5e";
pub const FOLDER_FILE_NAME: &str = "q1.csv";
pub const FOLDER_FILE_CONTENT: &[u8] = b"quarter,revenue\nQ1,100\n";
pub const FOLDER_SECOND_FILE_ID: &str = "/7e4a9b2c-1d3f-4b5a-8c6d-0e1f2a3b4c5d";
pub const FOLDER_SECOND_FILE_NAME: &str = "q2.csv";
pub const FOLDER_SECOND_FILE_CONTENT: &[u8] = b"quarter,revenue\nQ2,120\n";

/// An empty folder of [`GROUP_ID`].
pub const EMPTY_FOLDER_ID: &str = "/3f1f8d2e-7a7b-4c55-9d4e-1b2c3d4e5f60";
pub const EMPTY_FOLDER_NAME: &str = "Archive";

/// The root file of [`OTHER_GROUP_ID`].
pub const OTHER_GROUP_FILE_ID: &str = "/9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d";
pub const OTHER_GROUP_FILE_NAME: &str = "rules.txt";
pub const OTHER_GROUP_FILE_CONTENT: &[u8] = b"Be kind.\n";

/// Fixed timestamps (the document's sample `create_time`).
const T0: i64 = 1_706_269_735;

/// The initial state: the bot account always, the demo groups and friend when asked.
pub(crate) fn data(opts: &Options, dir: &Path) -> std::io::Result<Data> {
    let mut data = Data {
        self_id: SELF_ID,
        nickname: SELF_NICKNAME.to_owned(),
        groups: Vec::new(),
        friends: Vec::new(),
        links: Default::default(),
        // The upload sample's msg_id.
        next_msg_id: 286_479_341,
    };
    if !opts.demo_data {
        return Ok(data);
    }
    let group = |group_id: i64, name: &str, members: i64, max: i64| Group {
        group_id,
        group_name: name.to_owned(),
        member_count: members,
        max_member_count: max,
        file_count_limit: opts.file_count_limit,
        total_space: opts.total_space,
        folders: Vec::new(),
        files: Vec::new(),
    };
    let mut main = group(GROUP_ID, GROUP_NAME, 3, 200);
    main.folders = vec![
        folder(FOLDER_ID, FOLDER_NAME, T0),
        folder(EMPTY_FOLDER_ID, EMPTY_FOLDER_NAME, T0 + 60),
    ];
    main.files = vec![
        file(dir, FILE_ID, FILE_NAME, FILE_CONTENT, ROOT, T0)?,
        file(
            dir,
            SECOND_FILE_ID,
            SECOND_FILE_NAME,
            SECOND_FILE_CONTENT,
            ROOT,
            T0 + 10,
        )?,
        file(
            dir,
            FOLDER_FILE_ID,
            FOLDER_FILE_NAME,
            FOLDER_FILE_CONTENT,
            FOLDER_ID,
            T0 + 20,
        )?,
        file(
            dir,
            FOLDER_SECOND_FILE_ID,
            FOLDER_SECOND_FILE_NAME,
            FOLDER_SECOND_FILE_CONTENT,
            FOLDER_ID,
            T0 + 30,
        )?,
    ];
    let mut other = group(OTHER_GROUP_ID, OTHER_GROUP_NAME, 12, 500);
    other.files = vec![file(
        dir,
        OTHER_GROUP_FILE_ID,
        OTHER_GROUP_FILE_NAME,
        OTHER_GROUP_FILE_CONTENT,
        ROOT,
        T0 + 40,
    )?];
    data.groups = vec![main, other];
    data.friends = vec![Friend {
        user_id: FRIEND_ID,
        nickname: FRIEND_NICKNAME.to_owned(),
        remark: String::new(),
    }];
    Ok(data)
}

fn folder(id: &str, name: &str, time: i64) -> Folder {
    Folder {
        folder_id: id.to_owned(),
        folder_name: name.to_owned(),
        create_time: time,
        modify_time: time,
        creator: SELF_ID,
        creator_name: SELF_NICKNAME.to_owned(),
    }
}

fn file(
    dir: &Path,
    id: &str,
    name: &str,
    content: &[u8],
    folder_id: &str,
    time: i64,
) -> std::io::Result<StoredFile> {
    use md5::Md5;
    use sha1::{Digest, Sha1};
    let path = dir.join(format!("demo-{}", id.trim_start_matches('/')));
    std::fs::write(&path, content)?;
    Ok(StoredFile {
        file_id: id.to_owned(),
        file_name: name.to_owned(),
        busid: BUSID,
        folder_id: folder_id.to_owned(),
        file_size: content.len() as u64,
        upload_time: time,
        dead_time: 0,
        modify_time: time,
        download_times: 0,
        uploader: SELF_ID,
        uploader_name: SELF_NICKNAME.to_owned(),
        md5: hex::encode(Md5::digest(content)),
        sha: hex::encode(Sha1::digest(content)),
        sha3: String::new(),
        path,
    })
}

/// The name of the folder [`seed_items`] adds to [`GROUP_ID`].
pub const SEEDED_FOLDER_NAME: &str = "Seeded";
/// Its folder id.
pub const SEEDED_FOLDER_ID: &str = "/5eed0000-0000-4000-8000-000000000000";

/// Adds a folder [`SEEDED_FOLDER_NAME`] to [`GROUP_ID`] holding `n` small files
/// (`item-00001.txt`…, each a few bytes), for listing and paging benchmarks
/// (`filegate simulate onebot --seed-items N`), and raises the group's file-count limit by `n`
/// so uploads still fit.
pub(crate) fn seed_items(data: &mut Data, dir: &Path, n: usize) -> std::io::Result<()> {
    let mut files = Vec::with_capacity(n);
    for i in 1..=n {
        let name = format!("item-{i:05}.txt");
        let id = format!("/5eed{i:04x}-0000-4000-8000-{i:012x}");
        files.push(file(
            dir,
            &id,
            &name,
            format!("{name}\n").as_bytes(),
            SEEDED_FOLDER_ID,
            T0 + 100,
        )?);
    }
    let Some(group) = data.groups.iter_mut().find(|g| g.group_id == GROUP_ID) else {
        return Ok(());
    };
    group
        .folders
        .push(folder(SEEDED_FOLDER_ID, SEEDED_FOLDER_NAME, T0 + 90));
    group.files.extend(files);
    group.file_count_limit = group
        .file_count_limit
        .saturating_add(u32::try_from(n).unwrap_or(u32::MAX));
    Ok(())
}
