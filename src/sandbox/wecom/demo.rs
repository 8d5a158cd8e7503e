//! Credentials, the corp directory and the deterministic demo data (`Options::demo_data`).
//!
//! ```text
//! Demo space  (SPACE_ID, created by the app)
//! ├── Documents/          FOLDER_ID          (file member: zhaoliu, auth 1)
//! │   ├── Reports/        NESTED_FOLDER_ID
//! │   │   └── sample.bin  BINARY_FILE_ID     (4096 bytes, binary_content())
//! │   ├── config.json     JSON_FILE_ID       (JSON_CONTENT)
//! │   └── Budget          SHEET_ID           (sheet)
//! ├── Images/             IMAGES_FOLDER_ID   (empty)
//! ├── readme.txt          FILE_ID            (README_CONTENT)
//! └── Meeting notes       DOC_ID             (document)
//! members: zhangsan auth 7 (admin), lisi auth 1, department 3 auth 1; quit_userid: sunqi
//!
//! Team space  (USER_SPACE_ID, created by a user in the WeDrive client: space_setting → 640004)
//! members: zhangsan auth 7, wangwu auth 1; empty
//! ```

use std::sync::Arc;

use super::model::{ADMIN_AUTH, Blob, DOC, FILE, FOLDER, Member, Node, Principal, SHEET, Space};
use super::state::Drive;
use crate::providers::wecom::block_sha::BlockSha;

pub use super::directory::{DEPARTMENTS, USERS};

/// The corp id `gettoken` accepts.
pub const CORP_ID: &str = "ww5f3c8e2a9b1d4076";
/// The app secret `gettoken` accepts.
pub const CORP_SECRET: &str = "Q8kz3Lr5Vx1Nc7Hp2Tg9YbdWm4Js6Fa0Ue8Ri3Oy5Pl";

pub const SPACE_ID: &str = "s.ww5f3c8e2a9b1d4076.700000001Demo";
pub const SPACE_NAME: &str = "Demo space";
/// A space the app did not create.
pub const USER_SPACE_ID: &str = "s.ww5f3c8e2a9b1d4076.700000002Team";
pub const USER_SPACE_NAME: &str = "Team space";

/// Space admin (auth 7) of the demo space.
pub const ADMIN_USER: &str = "zhangsan";
/// Download-only member (auth 1) of the demo space.
pub const MEMBER_USER: &str = "lisi";
/// Member department (auth 1) of the demo space.
pub const MEMBER_DEPARTMENT: u32 = 3;
/// A user of `MEMBER_DEPARTMENT` removed from the demo space (its `quit_userid`).
pub const QUIT_USER: &str = "sunqi";

pub const FOLDER_ID: &str = "s.ww5f3c8e2a9b1d4076.700000001Demo_f.700000101Docs";
pub const FOLDER_NAME: &str = "Documents";
pub const NESTED_FOLDER_ID: &str = "s.ww5f3c8e2a9b1d4076.700000001Demo_f.700000102Rprt";
pub const NESTED_FOLDER_NAME: &str = "Reports";
pub const IMAGES_FOLDER_ID: &str = "s.ww5f3c8e2a9b1d4076.700000001Demo_f.700000103Imgs";
pub const FILE_ID: &str = "s.ww5f3c8e2a9b1d4076.700000001Demo_f.700000201Read";
pub const FILE_NAME: &str = "readme.txt";
pub const JSON_FILE_ID: &str = "s.ww5f3c8e2a9b1d4076.700000001Demo_f.700000202Json";
pub const JSON_FILE_NAME: &str = "config.json";
pub const BINARY_FILE_ID: &str = "s.ww5f3c8e2a9b1d4076.700000001Demo_f.700000203Bin0";
pub const BINARY_FILE_NAME: &str = "sample.bin";
pub const BINARY_FILE_SIZE: usize = 4096;
pub const DOC_ID: &str = "s.ww5f3c8e2a9b1d4076.700000001Demo_f.700000301Note";
pub const SHEET_ID: &str = "s.ww5f3c8e2a9b1d4076.700000001Demo_f.700000302Bdgt";

pub const README_CONTENT: &str = "Welcome to the WeDrive (微盘) simulator.\n\
This space holds a few folders, this text, a JSON file, a small binary file and two documents.\n";

pub const JSON_CONTENT: &str = "{\n  \"project\": \"filegate\",\n  \"upstream\": \"wecom-wedrive\",\n  \"block_size\": 2097152,\n  \"demo\": true\n}\n";

/// The bytes of `sample.bin`: a fixed pseudo-random sequence.
pub fn binary_content() -> Vec<u8> {
    let mut x: u32 = 0x1234_5678;
    (0..BINARY_FILE_SIZE)
        .map(|_| {
            x = x.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            (x >> 24) as u8
        })
        .collect()
}

/// 2024-06-01 00:00:00 UTC; demo items are dated from here so time sorts are fixed.
const EPOCH: u64 = 1_717_200_000;

fn node(id: &str, name: &str, spaceid: &str, fatherid: &str, kind: u32, minute: u64) -> Node {
    let mut n = Node::new(id.into(), name.into(), spaceid, fatherid, kind);
    n.ctime = EPOCH + minute * 60;
    n.mtime = n.ctime + 30;
    n
}

fn user(id: &str, auth: u32) -> Member {
    Member {
        who: Principal::User(id.into()),
        auth,
    }
}

fn with_content(drive: &mut Drive, mut n: Node, data: &[u8]) -> std::io::Result<Node> {
    let path = drive.new_blob_path();
    std::fs::write(&path, data)?;
    let mut sha = BlockSha::new();
    sha.update(data);
    n.size = data.len() as u64;
    n.sha = sha.digest_hex();
    n.md5 = {
        use md5::Digest;
        hex::encode(md5::Md5::digest(data))
    };
    n.block_sha = sha.finish();
    n.blob = Some(Arc::new(Blob { path }));
    Ok(n)
}

/// Adds the demo spaces and files to `drive` (whose blobs/ directory exists).
pub fn seed(drive: &mut Drive) -> std::io::Result<()> {
    let mut demo = Space::new(SPACE_ID.into(), SPACE_NAME.into(), true);
    demo.members = vec![
        user(ADMIN_USER, ADMIN_AUTH),
        user(MEMBER_USER, 1),
        Member {
            who: Principal::Department(MEMBER_DEPARTMENT),
            auth: 1,
        },
    ];
    demo.quit_userid = vec![QUIT_USER.into()];
    drive.spaces.insert(SPACE_ID.into(), demo);

    let mut team = Space::new(USER_SPACE_ID.into(), USER_SPACE_NAME.into(), false);
    team.members = vec![user(ADMIN_USER, ADMIN_AUTH), user("wangwu", 1)];
    drive.spaces.insert(USER_SPACE_ID.into(), team);

    let s = SPACE_ID;
    let mut docs = node(FOLDER_ID, FOLDER_NAME, s, s, FOLDER, 1);
    docs.members = vec![user("zhaoliu", 1)];
    let nodes = vec![
        docs,
        node(
            NESTED_FOLDER_ID,
            NESTED_FOLDER_NAME,
            s,
            FOLDER_ID,
            FOLDER,
            2,
        ),
        node(IMAGES_FOLDER_ID, "Images", s, s, FOLDER, 3),
        with_content(
            drive,
            node(FILE_ID, FILE_NAME, s, s, FILE, 4),
            README_CONTENT.as_bytes(),
        )?,
        with_content(
            drive,
            node(JSON_FILE_ID, JSON_FILE_NAME, s, FOLDER_ID, FILE, 5),
            JSON_CONTENT.as_bytes(),
        )?,
        with_content(
            drive,
            node(
                BINARY_FILE_ID,
                BINARY_FILE_NAME,
                s,
                NESTED_FOLDER_ID,
                FILE,
                6,
            ),
            &binary_content(),
        )?,
        node(DOC_ID, "Meeting notes", s, s, DOC, 7),
        node(SHEET_ID, "Budget", s, FOLDER_ID, SHEET, 8),
    ];
    for n in nodes {
        drive.nodes.insert(n.id.clone(), n);
    }
    Ok(())
}

/// The name of the folder [`seed_items`] adds to the demo space's root.
pub const SEEDED_FOLDER_NAME: &str = "Seeded";

/// Adds a folder [`SEEDED_FOLDER_NAME`] to the demo space's root holding `n` small files
/// (`item-00001.txt`…, each a few bytes), for listing and paging benchmarks
/// (`filegate simulate wecom --seed-items N`). Its fileid.
pub fn seed_items(drive: &mut Drive, n: usize) -> std::io::Result<String> {
    let s = SPACE_ID;
    let folder = drive.new_file_id(s);
    drive.nodes.insert(
        folder.clone(),
        node(&folder, SEEDED_FOLDER_NAME, s, s, FOLDER, 9),
    );
    for i in 1..=n {
        let id = drive.new_file_id(s);
        let name = format!("item-{i:05}.txt");
        let n = with_content(
            drive,
            node(&id, &name, s, &folder, FILE, 10),
            format!("{name}\n").as_bytes(),
        )?;
        drive.nodes.insert(id, n);
    }
    Ok(folder)
}
