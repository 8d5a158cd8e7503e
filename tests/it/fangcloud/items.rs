//! Listing, reading, creating, renaming, moving, copying, deleting, trash.

use crate::calls::{json_of, problem_of, send, status_of};
use serde_json::{Value, json};

use super::env::{collab, department, env, file, folder, names};
use crate::common::{problem, sim_calls};
use filegate::sandbox::fangcloud::demo;

#[tokio::test]
async fn the_personal_root_lists_folders_first_and_pages_with_a_cursor() {
    let e = env().await;
    let page = e.json(e.mget("/items")).await;
    assert_eq!(names(&page), ["Documents", "Team", "hello.txt"]);
    assert!(page["next_cursor"].is_null());
    let hello = &page["items"][2];
    assert_eq!(hello["kind"], "file");
    assert_eq!(hello["id"], file(demo::HELLO_FILE_ID));
    assert_eq!(hello["size"], demo::HELLO_CONTENT.len());
    assert!(hello["parent_id"].is_null(), "root items have no parent");
    assert_eq!(hello["space_id"], e.me());
    assert_eq!(hello["owner"]["id"], demo::USER_ID.to_string());

    let (seen, _) = e.walk(&e.murl("/items?limit=1")).await;
    assert_eq!(seen, ["Documents", "Team", "hello.txt"]);

    let p = e.json(e.mget("/items?sort=name_desc&kind=folder")).await;
    assert_eq!(names(&p), ["Team", "Documents"]);
    let p = e.json(e.mget("/items?kind=file")).await;
    assert_eq!(names(&p), ["hello.txt"]);

    let docs = folder(demo::DOCUMENTS_FOLDER_ID);
    let p = e.json(e.mget(&format!("/items?parent={docs}"))).await;
    assert_eq!(names(&p), ["Archive", "readme.txt", "report.md"]);
    assert_eq!(p["items"][1]["parent_id"], docs);

    e.refused(e.mget("/items?cursor=garbage"), 400, "invalid_cursor")
        .await;
}

#[tokio::test]
async fn department_and_collaboration_spaces_list_their_own_roots() {
    let e = env().await;
    let dep = department(demo::ENGINEERING_DEPARTMENT_ID);
    let p = e.json(e.get(&e.surl(&dep, "/items"))).await;
    assert_eq!(names(&p), ["Engineering Space"]);
    assert!(p["items"][0]["parent_id"].is_null());
    let eng = folder(demo::ENGINEERING_FOLDER_ID);
    let p = e
        .json(e.get(&e.surl(&dep, &format!("/items?parent={eng}"))))
        .await;
    assert_eq!(names(&p), ["design.txt"]);
    assert_eq!(p["items"][0]["space_id"], dep);

    let shared = collab(demo::ALICE_SHARED_FOLDER_ID);
    let p = e.json(e.get(&e.surl(&shared, "/items"))).await;
    assert_eq!(names(&p), ["alice-notes.txt"]);
    assert_eq!(
        p["items"][0]["parent_id"],
        folder(demo::ALICE_SHARED_FOLDER_ID),
        "the shared folder is the root item of its space"
    );
    let root = e
        .json(e.get(&e.surl(
            &shared,
            &format!("/items/{}", folder(demo::ALICE_SHARED_FOLDER_ID)),
        )))
        .await;
    assert_eq!(root["name"], "Alice Shared");
    assert!(root["parent_id"].is_null());
}

#[tokio::test]
async fn a_file_and_a_folder_with_the_same_number_are_different_items() {
    let e = env().await;
    assert_eq!(demo::HELLO_FILE_ID, demo::DOCUMENTS_FOLDER_ID);
    let (hello, docs) = (file(demo::HELLO_FILE_ID), folder(demo::DOCUMENTS_FOLDER_ID));
    let f = e.json(e.mget(&format!("/items/{hello}"))).await;
    let d = e.json(e.mget(&format!("/items/{docs}"))).await;
    assert_eq!(f["name"], "hello.txt");
    assert_eq!(f["kind"], "file");
    assert_eq!(f["sha1"].as_str().unwrap().len(), 40);
    assert_eq!(d["name"], "Documents");
    assert_eq!(d["kind"], "folder");
    assert_eq!(d["child_count"], 3);
    assert_ne!(f["id"], d["id"]);
    // A file id is not a parent.
    e.refused(
        e.mget(&format!("/items?parent={hello}")),
        400,
        "not_a_folder",
    )
    .await;
}

#[tokio::test]
async fn unknown_malformed_and_foreign_item_ids_are_clear_errors() {
    let e = env().await;
    let p = problem_of(e.mget(&format!("/items/{}", file(999))), 404).await;
    assert_eq!(p["code"], "item_not_found");
    assert_eq!(p["upstream"]["code"], "file_not_found");
    let res = send(e.mget(&format!("/items/{}", folder(999)))).await;
    assert_eq!(problem(res).await["upstream"]["code"], "folder_not_found");
    // design.txt lives in the Engineering space, not in the personal one.
    e.refused(
        e.mget(&format!("/items/{}", file(demo::DESIGN_FILE_ID))),
        404,
        "item_not_found",
    )
    .await;
    // A trashed file reads as deleted.
    assert_eq!(
        problem_of(
            e.mget(&format!("/items/{}", file(demo::TRASHED_FILE_ID))),
            404
        )
        .await["upstream"]["code"],
        "file_deleted"
    );
}

#[tokio::test]
async fn folders_are_created_at_roots_and_below_with_name_rules_checked_first() {
    let e = env().await;
    let res = send(e.post(&e.murl("/folders")).json(&json!({"name": "Plans"}))).await;
    assert_eq!(res.status(), 201);
    let plans: Value = res.json().await.unwrap();
    assert_eq!(plans["kind"], "folder");
    assert!(plans["parent_id"].is_null());
    let res = send(
        e.post(&e.murl("/folders"))
            .json(&json!({"name": "2025", "parent": plans["id"]})),
    )
    .await;
    assert_eq!(res.status(), 201);
    let y: Value = res.json().await.unwrap();
    assert_eq!(y["parent_id"], plans["id"]);
    // Name taken.
    let p = problem_of(
        e.post(&e.murl("/folders")).json(&json!({"name": "Plans"})),
        409,
    )
    .await;
    assert_eq!(p["code"], "name_conflict");
    assert_eq!(p["upstream"]["code"], "folder_name_conflict");
    // In the department space's root.
    let dep = department(demo::ENGINEERING_DEPARTMENT_ID);
    let res = send(
        e.post(&e.surl(&dep, "/folders"))
            .json(&json!({"name": "Specs"})),
    )
    .await;
    assert_eq!(res.status(), 201);
    let p = e.json(e.get(&e.surl(&dep, "/items"))).await;
    assert_eq!(names(&p), ["Engineering Space", "Specs"]);

    let before = sim_calls(e.sim(), "folder/create").await;
    for (name, code) in [
        ("a".repeat(223), "name_too_long"),
        ("a/b".into(), "invalid_name"),
        ("what?".into(), "invalid_name"),
        ("c:d".into(), "invalid_name"),
        ("star*".into(), "invalid_name"),
        ("q\"uote".into(), "invalid_name"),
        ("<tag>".into(), "invalid_name"),
        ("back\\slash".into(), "invalid_name"),
    ] {
        let res = send(e.post(&e.murl("/folders")).json(&json!({"name": name}))).await;
        assert_eq!(res.status(), 400, "{name}");
        let p = problem(res).await;
        assert_eq!(p["code"], code, "{name}");
        assert_eq!(p["field"], "name");
    }
    let res = send(
        e.post(&e.murl("/folders"))
            .json(&json!({"name": "名".repeat(222)})),
    )
    .await;
    assert_eq!(res.status(), 201, "222 characters, whatever their bytes");
    assert_eq!(sim_calls(e.sim(), "folder/create").await, before + 1);
    e.refused(
        e.post(&e.murl("/folders"))
            .body("{")
            .header("content-type", "application/json"),
        400,
        "invalid_json",
    )
    .await;
}

#[tokio::test]
async fn a_path_parent_creates_the_missing_folders_by_path() {
    let e = env().await;
    let res = send(
        e.post(&e.murl("/folders"))
            .json(&json!({"name": "研发", "parent": "/会议/9.25"})),
    )
    .await;
    assert_eq!(res.status(), 201);
    let made: Value = res.json().await.unwrap();
    assert_eq!(made["name"], "研发");
    assert_eq!(sim_calls(e.sim(), "folder/create_by_path").await, 1);
    let root = e.json(e.mget("/items?kind=folder")).await;
    assert!(names(&root).contains(&"会议".to_owned()));
    // Existing folders are reused: the same path again answers the same folder.
    let again: Value = json_of(
        e.post(&e.murl("/folders"))
            .json(&json!({"name": "研发", "parent": "/会议/9.25"})),
    )
    .await;
    assert_eq!(again["id"], made["id"]);
    // In a department space, under its root.
    let dep = department(demo::ENGINEERING_DEPARTMENT_ID);
    let res = send(
        e.post(&e.surl(&dep, "/folders"))
            .json(&json!({"name": "B", "parent": "/A"})),
    )
    .await;
    assert_eq!(res.status(), 201);
    assert_eq!(res.json::<Value>().await.unwrap()["space_id"], dep);
    for bad in ["/a/b.", "/a|b", "/a//b", "/"] {
        let res = send(
            e.post(&e.murl("/folders"))
                .json(&json!({"name": "x", "parent": bad})),
        )
        .await;
        assert_eq!(res.status(), 400, "{bad}");
        assert_eq!(problem(res).await["code"], "invalid_path");
    }
    let res = send(
        e.post(&e.surl(&collab(demo::ALICE_SHARED_FOLDER_ID), "/folders"))
            .json(&json!({"name": "x", "parent": "/a"})),
    )
    .await;
    assert_eq!(res.status(), 400);
    assert_eq!(sim_calls(e.sim(), "folder/create_by_path").await, 3);
}

#[tokio::test]
async fn items_are_renamed_described_and_moved_within_their_space() {
    let e = env().await;
    let hello = file(demo::HELLO_FILE_ID);
    let url = e.murl(&format!("/items/{hello}"));
    let r = e
        .json(
            e.patch(&url)
                .json(&json!({"name": "hi.txt", "description": "greeting"})),
        )
        .await;
    assert_eq!(r["name"], "hi.txt");
    assert_eq!(r["description"], "greeting");
    let archive = folder(demo::ARCHIVE_FOLDER_ID);
    let r = e
        .json(e.patch(&url).json(&json!({"parent": archive})))
        .await;
    assert_eq!(r["parent_id"], archive);
    let p = e.json(e.mget(&format!("/items?parent={archive}"))).await;
    assert_eq!(names(&p), ["hi.txt", "old-notes.txt"]);
    let r = e.json(e.patch(&url).json(&json!({"parent": "root"}))).await;
    assert!(r["parent_id"].is_null());
    // Folder rename and description (no 140-character limit for folders).
    let team = folder(demo::TEAM_FOLDER_ID);
    let r = e
        .json(
            e.patch(&e.murl(&format!("/items/{team}")))
                .json(&json!({"description": "d".repeat(300)})),
        )
        .await;
    assert_eq!(r["description"].as_str().unwrap().len(), 300);
    // File descriptions are at most 140 characters: refused before the call.
    assert_eq!(
        problem_of(
            e.patch(&url).json(&json!({"description": "d".repeat(141)})),
            400
        )
        .await["field"],
        "description"
    );
    // Name conflicts.
    e.refused(
        e.patch(&e.murl(&format!("/items/{}", file(demo::README_FILE_ID))))
            .json(&json!({"name": "report.md"})),
        409,
        "name_conflict",
    )
    .await;
    // A folder cannot go below itself.
    let docs = folder(demo::DOCUMENTS_FOLDER_ID);
    let res = send(
        e.patch(&e.murl(&format!("/items/{docs}")))
            .json(&json!({"parent": archive})),
    )
    .await;
    assert_eq!(res.status(), 400);
    let p = problem(res).await;
    assert_eq!(p["code"], "invalid_destination");
    assert_eq!(p["upstream"]["code"], "move_to_subfolder");
    let res = send(
        e.patch(&e.murl(&format!("/items/{docs}")))
            .json(&json!({"parent": archive, "on_conflict": "replace"})),
    )
    .await;
    assert_eq!(res.status(), 400);
    assert_eq!(problem(res).await["field"], "on_conflict");
    // A target in another space is not in this space.
    let res = send(
        e.patch(&url)
            .json(&json!({"parent": folder(demo::ENGINEERING_FOLDER_ID)})),
    )
    .await;
    assert_eq!(res.status(), 404);
    assert_eq!(sim_calls(e.sim(), "file/move").await, 2);
}

#[tokio::test]
async fn files_and_folders_copy_with_the_upstreams_conflict_naming() {
    let e = env().await;
    let hello = file(demo::HELLO_FILE_ID);
    let res = send(
        e.post(&e.murl(&format!("/items/{hello}/copy")))
            .json(&json!({"parent": "root"})),
    )
    .await;
    assert_eq!(res.status(), 201);
    let c: Value = res.json().await.unwrap();
    assert_eq!(c["name"], "hello (1).txt");
    assert_ne!(c["id"], hello);
    let docs = folder(demo::DOCUMENTS_FOLDER_ID);
    let team = folder(demo::TEAM_FOLDER_ID);
    let c = e
        .json(
            e.post(&e.murl(&format!("/items/{docs}/copy")))
                .json(&json!({"parent": team})),
        )
        .await;
    assert_eq!(c["name"], "Documents");
    assert_eq!(c["parent_id"], team);
    let inside = e
        .json(e.mget(&format!("/items?parent={}", c["id"].as_str().unwrap())))
        .await;
    assert_eq!(names(&inside), ["Archive", "readme.txt", "report.md"]);
    let res = send(
        e.post(&e.murl(&format!("/items/{docs}/copy")))
            .json(&json!({"parent": docs})),
    )
    .await;
    assert_eq!(res.status(), 400);
    assert_eq!(problem(res).await["upstream"]["code"], "copy_to_itself");
}

#[tokio::test]
async fn deleted_items_go_to_the_trash_and_come_back_or_go_for_good() {
    let e = env().await;
    let trash = e.json(e.mget("/trash")).await;
    assert_eq!(names(&trash), ["deleted-draft.txt"]);
    assert!(trash["items"][0]["deleted_at"].is_string());

    let readme = file(demo::README_FILE_ID);
    let res = send(e.delete(&e.murl(&format!("/items/{readme}")))).await;
    assert_eq!(res.status(), 204);
    let res = send(e.mget(&format!("/items/{readme}"))).await;
    assert_eq!(res.status(), 404);
    let trash = e.json(e.mget("/trash")).await;
    assert_eq!(names(&trash), ["readme.txt", "deleted-draft.txt"]);
    // The department space's trash does not show personal items.
    let dep = department(demo::ENGINEERING_DEPARTMENT_ID);
    let design = file(demo::DESIGN_FILE_ID);
    assert_eq!(
        status_of(e.delete(&e.surl(&dep, &format!("/items/{design}")))).await,
        204
    );
    let t = e.json(e.get(&e.surl(&dep, "/trash"))).await;
    assert_eq!(names(&t), ["design.txt"]);
    let t = e.json(e.mget("/trash?limit=1")).await;
    assert!(t["next_cursor"].is_string());

    let r = e
        .json(e.post(&e.murl(&format!("/items/{readme}/restore"))))
        .await;
    assert_eq!(r["name"], "readme.txt");
    assert_eq!(r["parent_id"], folder(demo::DOCUMENTS_FOLDER_ID));
    e.refused(
        e.post(&e.murl(&format!("/items/{readme}/restore"))),
        404,
        "item_not_in_trash",
    )
    .await;

    let draft = file(demo::TRASHED_FILE_ID);
    let res = send(e.delete(&e.murl(&format!("/trash/{draft}")))).await;
    assert_eq!(res.status(), 204);
    let res = send(e.delete(&e.murl(&format!("/trash/{draft}")))).await;
    assert_eq!(res.status(), 404);
    assert_eq!(
        problem(res).await["code"],
        "item_not_found",
        "gone for good"
    );
    // A folder takes its content to the trash and back.
    let docs = folder(demo::DOCUMENTS_FOLDER_ID);
    assert_eq!(
        status_of(e.delete(&e.murl(&format!("/items/{docs}")))).await,
        204
    );
    let t = e.json(e.mget("/trash")).await;
    assert_eq!(names(&t), ["Documents"]);
    e.json(e.post(&e.murl(&format!("/items/{docs}/restore"))))
        .await;
    let p = e.json(e.mget(&format!("/items?parent={docs}"))).await;
    assert_eq!(names(&p), ["Archive", "readme.txt", "report.md"]);
    // Not this space's trash.
    let res = send(e.post(&e.murl(&format!("/items/{design}/restore")))).await;
    assert_eq!(res.status(), 404);
}

#[tokio::test]
async fn blank_documents_are_created_as_office_files() {
    let e = env().await;
    for (kind, name) in [
        ("document", "Notes.docx"),
        ("spreadsheet", "Budget.xlsx"),
        ("slides", "Pitch.pptx"),
    ] {
        let stem = name.split('.').next().unwrap();
        let res = send(
            e.post(&e.murl("/documents"))
                .json(&json!({"name": stem, "kind": kind})),
        )
        .await;
        assert_eq!(res.status(), 201);
        let d: Value = res.json().await.unwrap();
        assert_eq!(d["name"], name);
        assert_eq!(d["kind"], "file");
    }
    // The upstream renames a taken name itself.
    let d: Value = json_of(
        e.post(&e.murl("/documents"))
            .json(&json!({"name": "Notes", "kind": "document"})),
    )
    .await;
    assert_eq!(d["name"], "Notes (1).docx");
}

/// Issue 14: paging a folder costs one upstream call per page. The first page checks that the
/// folder lies in the space (`folder/info`); its cursor carries a sealed proof of that, so later
/// pages call `folder/children` only. A cursor whose proof was edited is checked again.
#[tokio::test]
async fn later_pages_of_a_folder_skip_the_membership_check_their_cursor_seals() {
    let e = env().await;
    let created = e
        .json(
            e.post(&e.surl(&e.me(), "/folders"))
                .json(&json!({"name": "many"})),
        )
        .await;
    let parent = created["id"].as_str().unwrap().to_owned();
    for n in 0..5 {
        let res = send(
            e.post(&e.surl(&e.me(), "/folders"))
                .json(&json!({"name": format!("f{n}"), "parent": parent})),
        )
        .await;
        assert_eq!(res.status(), 201);
    }
    let (info, children) = (
        sim_calls(e.sim(), "folder/info").await,
        sim_calls(e.sim(), "folder/children").await,
    );
    let first = e.murl(&format!("/items?parent={parent}&limit=2&sort=name_asc"));
    let (walked, pages) = e.walk(&first).await;
    assert_eq!(walked, ["f0", "f1", "f2", "f3", "f4"]);
    assert_eq!(pages, 3);
    assert_eq!(sim_calls(e.sim(), "folder/children").await, children + 3);
    assert_eq!(sim_calls(e.sim(), "folder/info").await, info + 1);

    // The same second page from a cursor whose seal is forged: checked again, same items.
    let page = e.json(e.get(&first)).await;
    let cursor = page["next_cursor"].as_str().unwrap();
    let (binding, inner) = cursor.split_once('.').unwrap();
    let mut state: Value = serde_json::from_slice(
        &base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, inner).unwrap(),
    )
    .unwrap();
    assert!(state["k"].is_string(), "{state}");
    state["k"] = json!("0000000000000000");
    let forged = format!(
        "{binding}.{}",
        base64::Engine::encode(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD,
            serde_json::to_vec(&state).unwrap()
        )
    );
    let before = sim_calls(e.sim(), "folder/info").await;
    let second = e.json(e.get(&format!("{first}&cursor={forged}"))).await;
    assert_eq!(names(&second), ["f2", "f3"]);
    assert_eq!(sim_calls(e.sim(), "folder/info").await, before + 1);
}
