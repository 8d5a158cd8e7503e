//! Deterministic demo data: one enterprise, its app user, two colleagues, a user of another
//! enterprise, two departments (Engineering with a department space), a group, a personal
//! tree with real content, a file with two versions, an item in the trash, a collaboration
//! folder, a folder shared with the app user, and a comment.
//!
//! Folder and file ids are counted separately from the same base, so e.g.
//! [`DOCUMENTS_FOLDER_ID`] and [`HELLO_FILE_ID`] are the same number for two different objects.

use std::path::Path;

use sha1::{Digest, Sha1};

use super::ops::Content;
use super::state::{
    COLLAB_ID_BASE, COMMENT_ID_BASE, Collab, Comment, Department, Enterprise, Group, ITEM_ID_BASE,
    Kind, Space, Store, TargetKind, Trashed, User, VERSION_ID_BASE,
};

/// The app's client credentials (the pair behind the document's Basic-auth example).
pub const CLIENT_ID: &str = "3dc27264-0ba6-4f47-b7de-68b5aa5abd41";
pub const CLIENT_SECRET: &str = "052d8b03-db51-4376-8e05-6a6e55ce4c30";
/// The enterprise (the document's example enterprise id).
pub const ENTERPRISE_ID: i64 = 21791;
pub const ENTERPRISE_NAME: &str = "亿方云演示企业";

/// The app's own user (应用专属账号), enterprise admin; always present.
pub const USER_ID: i64 = 881525;
pub const USER_EMAIL: &str = "app@demo.fangcloud.example";
/// Colleagues.
pub const ALICE_ID: i64 = 881526;
pub const ALICE_EMAIL: &str = "alice@demo.fangcloud.example";
pub const ALICE_CUSTOM_ID: &str = "alice-001";
pub const BOB_ID: i64 = 881533;
pub const BOB_EMAIL: &str = "bob@demo.fangcloud.example";
pub const BOB_PHONE: &str = "13800000002";
/// Bob's small personal space (1 MiB), to meet `exceed_user_space_limit` quickly.
pub const BOB_SPACE_TOTAL: i64 = 1 << 20;
/// A user of another enterprise (cannot be invited: `collab_user_not_in_same_enterprise`).
pub const EXTERNAL_USER_ID: i64 = 990001;
pub const EXTERNAL_ENTERPRISE_ID: i64 = 30001;

/// Engineering (members: app user, Alice; director Alice) has a department space.
pub const ENGINEERING_DEPARTMENT_ID: i64 = 65820;
/// Sales (member: Bob).
pub const SALES_DEPARTMENT_ID: i64 = 65821;
/// A visible group with Alice and Bob.
pub const GROUP_ID: i64 = 94444;
/// A sub-department of Engineering with the app user in it: found only by walking the tree.
pub const PLATFORM_DEPARTMENT_ID: i64 = 65822;

/// Personal root: `Documents/` (`readme.txt`, `report.md`, `Archive/old-notes.txt`),
/// `Team/` (`plan.md`, shared with Alice as editor and the group as viewer), `hello.txt`.
pub const DOCUMENTS_FOLDER_ID: i64 = ITEM_ID_BASE;
pub const ARCHIVE_FOLDER_ID: i64 = ITEM_ID_BASE + 1;
pub const TEAM_FOLDER_ID: i64 = ITEM_ID_BASE + 2;
/// `Engineering Space/` at the root of Engineering's department space (`design.txt`).
pub const ENGINEERING_FOLDER_ID: i64 = ITEM_ID_BASE + 3;
/// Alice's `Alice Shared/` (`alice-notes.txt`), shared with the app user as viewer.
pub const ALICE_SHARED_FOLDER_ID: i64 = ITEM_ID_BASE + 4;

pub const HELLO_FILE_ID: i64 = ITEM_ID_BASE;
pub const README_FILE_ID: i64 = ITEM_ID_BASE + 1;
/// Two versions: [`REPORT_V1_ID`] ("Draft.") and the current [`REPORT_V2_ID`] ("Final.").
pub const REPORT_FILE_ID: i64 = ITEM_ID_BASE + 2;
pub const OLD_NOTES_FILE_ID: i64 = ITEM_ID_BASE + 3;
pub const PLAN_FILE_ID: i64 = ITEM_ID_BASE + 4;
pub const DESIGN_FILE_ID: i64 = ITEM_ID_BASE + 5;
pub const ALICE_NOTES_FILE_ID: i64 = ITEM_ID_BASE + 6;
/// `deleted-draft.txt`, deleted from the personal root (in the app user's trash).
pub const TRASHED_FILE_ID: i64 = ITEM_ID_BASE + 7;

pub const HELLO_CONTENT: &[u8] = b"Hello from the Fangcloud simulator!\n";
pub const README_CONTENT: &[u8] = b"Documents of the demo enterprise.\n";
pub const REPORT_V1_CONTENT: &[u8] = b"# Report\n\nDraft.\n";
pub const REPORT_V2_CONTENT: &[u8] = b"# Report\n\nFinal.\n";

pub const HELLO_V1_ID: i64 = VERSION_ID_BASE;
pub const REPORT_V1_ID: i64 = VERSION_ID_BASE + 2;
pub const REPORT_V2_ID: i64 = VERSION_ID_BASE + 3;

/// Alice's comment on `plan.md`.
pub const COMMENT_ID: i64 = COMMENT_ID_BASE;
/// Collaborations on `Team/`: Alice (editor), the group (viewer); on `Alice Shared/`: the
/// app user (viewer).
pub const TEAM_ALICE_COLLAB_ID: i64 = COLLAB_ID_BASE;
pub const TEAM_GROUP_COLLAB_ID: i64 = COLLAB_ID_BASE + 1;
pub const ALICE_SHARED_COLLAB_ID: i64 = COLLAB_ID_BASE + 2;

/// Seconds since the epoch of the first demo item; each later one is a minute newer.
const T0: i64 = 1_735_689_600;

pub fn enterprise() -> Enterprise {
    Enterprise {
        id: ENTERPRISE_ID,
        name: ENTERPRISE_NAME.to_owned(),
        admin_user_id: USER_ID,
        space_total: 1 << 40,
    }
}

fn user(id: i64, name: &str, email: &str, phone: &str, admin: bool) -> User {
    User {
        id,
        enterprise_id: ENTERPRISE_ID,
        name: name.to_owned(),
        email: email.to_owned(),
        phone: phone.to_owned(),
        active: true,
        admin,
        space_total: 10 << 30,
        pinyin: name.to_lowercase(),
        profile_pic_key: String::new(),
        custom_id: None,
    }
}

/// The app user, present with or without demo data.
pub fn app_user() -> User {
    user(USER_ID, "Filegate App", USER_EMAIL, "13800000000", true)
}

fn write(store: &mut Store, dir: &Path, content: &[u8]) -> std::io::Result<Content> {
    let (blob, _) = store.reserve_blob();
    let path = dir.join(format!("blob-{blob}"));
    std::fs::write(&path, content)?;
    store.add_blob(blob, path);
    Ok(Content {
        blob,
        size: content.len() as i64,
        sha1: hex::encode(Sha1::digest(content)),
    })
}

fn stamp(store: &mut Store, kind: Kind, id: i64, n: i64) {
    if let Some(m) = store.meta_mut(kind, id) {
        m.created_at = T0 + n * 60;
        m.modified_at = T0 + n * 60;
    }
}

/// Seeds the demo enterprise into an empty store.
pub fn seed(store: &mut Store) -> std::io::Result<()> {
    let dir = store.blob_dir.clone();
    let mut alice = user(ALICE_ID, "Alice", ALICE_EMAIL, "13800000001", false);
    alice.custom_id = Some(ALICE_CUSTOM_ID.to_owned());
    store.users.insert(ALICE_ID, alice);
    let mut bob = user(BOB_ID, "Bob", BOB_EMAIL, BOB_PHONE, false);
    bob.space_total = BOB_SPACE_TOTAL;
    store.users.insert(BOB_ID, bob);
    let mut external = user(
        EXTERNAL_USER_ID,
        "Outsider",
        "outsider@other.example",
        "",
        false,
    );
    external.enterprise_id = EXTERNAL_ENTERPRISE_ID;
    store.users.insert(EXTERNAL_USER_ID, external);

    store.departments.insert(
        ENGINEERING_DEPARTMENT_ID,
        Department {
            id: ENGINEERING_DEPARTMENT_ID,
            name: "Engineering".into(),
            parent_id: 0,
            director_id: Some(ALICE_ID),
            members: vec![USER_ID, ALICE_ID],
            space_total: 20 << 30,
            created_at: T0,
            order: 1,
        },
    );
    store.departments.insert(
        SALES_DEPARTMENT_ID,
        Department {
            id: SALES_DEPARTMENT_ID,
            name: "Sales".into(),
            parent_id: 0,
            director_id: None,
            members: vec![BOB_ID],
            space_total: 20 << 30,
            created_at: T0,
            order: 2,
        },
    );
    store.departments.insert(
        PLATFORM_DEPARTMENT_ID,
        Department {
            id: PLATFORM_DEPARTMENT_ID,
            name: "Platform".into(),
            parent_id: ENGINEERING_DEPARTMENT_ID,
            director_id: None,
            members: vec![USER_ID],
            space_total: 10 << 30,
            created_at: T0,
            order: 1,
        },
    );
    store.groups.insert(
        GROUP_ID,
        Group {
            id: GROUP_ID,
            name: "Project Team".into(),
            description: "Alice and Bob".into(),
            admin_user_id: Some(ALICE_ID),
            members: vec![ALICE_ID, BOB_ID],
            created_at: T0,
            visible: true,
            collab_auto_accepted: true,
        },
    );

    let me = Space::Personal(USER_ID);
    let docs = store.create_folder(USER_ID, me, 0, "Documents");
    let archive = store.create_folder(USER_ID, me, docs, "Archive");
    let team = store.create_folder(USER_ID, me, 0, "Team");
    let eng = Space::Department(ENGINEERING_DEPARTMENT_ID);
    let eng_folder = store.create_folder(USER_ID, eng, 0, "Engineering Space");
    let alice_space = Space::Personal(ALICE_ID);
    let alice_shared = store.create_folder(ALICE_ID, alice_space, 0, "Alice Shared");

    let c = write(store, &dir, HELLO_CONTENT)?;
    let hello = store.create_file(USER_ID, me, 0, "hello.txt", c);
    let c = write(store, &dir, README_CONTENT)?;
    let readme = store.create_file(USER_ID, me, docs, "readme.txt", c);
    let c = write(store, &dir, REPORT_V1_CONTENT)?;
    let report = store.create_file(USER_ID, me, docs, "report.md", c);
    let c = write(store, &dir, REPORT_V2_CONTENT)?;
    store.add_version(USER_ID, report, "report.md", "Final version", c);
    let c = write(store, &dir, b"Notes from last year.\n")?;
    let old = store.create_file(USER_ID, me, archive, "old-notes.txt", c);
    let c = write(store, &dir, b"# Plan\n\n1. Ship the gateway.\n")?;
    let plan = store.create_file(USER_ID, me, team, "plan.md", c);
    let c = write(store, &dir, b"Engineering design notes.\n")?;
    let design = store.create_file(USER_ID, eng, eng_folder, "design.txt", c);
    let c = write(store, &dir, b"Alice's notes, shared with the app.\n")?;
    let alice_notes = store.create_file(ALICE_ID, alice_space, alice_shared, "alice-notes.txt", c);
    let c = write(store, &dir, b"An old draft.\n")?;
    let trashed = store.create_file(USER_ID, me, 0, "deleted-draft.txt", c);
    for (n, id) in [
        hello,
        readme,
        report,
        old,
        plan,
        design,
        alice_notes,
        trashed,
    ]
    .iter()
    .enumerate()
    {
        stamp(store, Kind::File, *id, 10 + n as i64);
    }
    for (n, id) in [docs, archive, team, eng_folder, alice_shared]
        .iter()
        .enumerate()
    {
        stamp(store, Kind::Folder, *id, n as i64);
    }
    if let Some(v) = store.versions.get_mut(&REPORT_V1_ID) {
        v.modified_at = T0 + 12 * 60;
    }
    if let Some(v) = store.versions.get_mut(&REPORT_V2_ID) {
        v.modified_at = T0 + 20 * 60;
    }
    if let Some(f) = store.files.get_mut(&report) {
        f.meta.modified_at = T0 + 20 * 60;
    }
    if let Some(m) = store.meta_mut(Kind::File, trashed) {
        m.trashed = Some(Trashed {
            at: T0 + 30 * 60,
            by: USER_ID,
        });
    }

    for (target, target_id, folder, role) in [
        (TargetKind::User, ALICE_ID, team, "editor"),
        (TargetKind::Group, GROUP_ID, team, "viewer"),
        (TargetKind::User, USER_ID, alice_shared, "viewer"),
    ] {
        let id = store.new_collab_id();
        store.collabs.insert(
            id,
            Collab {
                id,
                folder_id: folder,
                target,
                target_id,
                role: role.to_owned(),
                accepted: true,
                created_at: T0,
            },
        );
    }
    let id = store.new_comment_id();
    store.comments.insert(
        id,
        Comment {
            id,
            file_id: plan,
            user_id: ALICE_ID,
            content: "Looks good to me.".into(),
            created_at: T0 + 40 * 60,
        },
    );
    store.recent.clear();
    Ok(())
}

/// The name of the folder [`seed_items`] adds to the app user's personal root.
pub const SEEDED_FOLDER_NAME: &str = "Seeded";

/// Adds a folder [`SEEDED_FOLDER_NAME`] to the app user's personal root holding `n` small
/// files (`item-00001.txt`…, each a few bytes), for listing and paging benchmarks
/// (`filegate simulate fangcloud --seed-items N`). Its folder id.
pub fn seed_items(store: &mut Store, n: usize) -> std::io::Result<i64> {
    let dir = store.blob_dir.clone();
    let me = Space::Personal(USER_ID);
    let folder = store.create_folder(USER_ID, me, 0, SEEDED_FOLDER_NAME);
    stamp(store, Kind::Folder, folder, 9);
    for i in 1..=n {
        let name = format!("item-{i:05}.txt");
        let c = write(store, &dir, format!("{name}\n").as_bytes())?;
        let id = store.create_file(USER_ID, me, folder, &name, c);
        stamp(store, Kind::File, id, 10);
    }
    store.recent.clear();
    Ok(folder)
}

/// What a client sends to `POST /oauth/token?grant_type=jwt_simple&assertion=…` for a user
/// token of [`USER_ID`] (document, 获取access_token): the base64 claims map (every value a
/// string, `exp` = `iat` + 60 s, a fresh `jti`) and the demo client's `Authorization` value.
pub fn user_token_request(now: i64) -> (String, String) {
    use base64::Engine;
    use base64::engine::general_purpose::STANDARD;
    let claims = serde_json::json!({
        "yifangyun_sub_type": "user",
        "sub": USER_ID.to_string(),
        "exp": (now + 60).to_string(),
        "iat": now.to_string(),
        "jti": uuid::Uuid::new_v4().to_string(),
    });
    (
        STANDARD.encode(claims.to_string()),
        format!(
            "Basic {}",
            STANDARD.encode(format!("{CLIENT_ID}:{CLIENT_SECRET}"))
        ),
    )
}
