use crate::calls::{json_of, problem_of, send};
use serde_json::{Value, json};

use super::env::{Env, env};
use crate::common::{items_named, problem, sim_calls};
use filegate::sandbox::wecom::demo;

async fn names(e: &Env, query: &str) -> Vec<String> {
    let v: Value = json_of(e.get(&e.surl(&format!("/items?{query}")))).await;
    v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["name"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn the_root_lists_folders_and_files_in_every_sort_order() {
    let e = env().await;
    let asc = names(&e, "sort=name_asc").await;
    assert!(
        asc.contains(&demo::FOLDER_NAME.to_owned()) && asc.contains(&demo::FILE_NAME.to_owned()),
        "{asc:?}"
    );
    let mut sorted = asc.clone();
    sorted.sort();
    assert_eq!(asc, sorted);
    let mut desc = names(&e, "sort=name_desc").await;
    desc.reverse();
    assert_eq!(desc, asc);
    for sort in ["size_asc", "size_desc", "modified_asc", "modified_desc"] {
        assert_eq!(
            names(&e, &format!("sort={sort}")).await.len(),
            asc.len(),
            "{sort}"
        );
    }
    let v: Value = json_of(e.get(&e.surl("/items?sort=size_desc"))).await;
    let sizes: Vec<u64> = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|i| i["size"].as_u64())
        .collect();
    assert!(sizes.windows(2).all(|w| w[0] >= w[1]), "{sizes:?}");
    let p = problem_of(e.get(&e.surl("/items?sort=sideways")), 400).await;
    assert_eq!(p["code"], "invalid_request");
}

#[tokio::test]
async fn kind_filters_and_nested_folders() {
    let e = env().await;
    let folders: Value = json_of(e.get(&e.surl("/items?kind=folder"))).await;
    assert!(
        folders["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["kind"] == "folder")
    );
    let docs = Env::item(demo::FOLDER_ID);
    let inner: Value = json_of(e.get(&e.surl(&format!("/items?parent={docs}")))).await;
    let reports = inner["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["name"] == demo::NESTED_FOLDER_NAME)
        .unwrap();
    assert_eq!(reports["parent_id"], docs);
    let root_item: Value = json_of(e.get(&e.surl(&format!("/items/{docs}")))).await;
    assert!(
        root_item["parent_id"].is_null(),
        "the space root is hidden: parent_id null"
    );
}

/// Malformed and unknown ids: `behaviour::items`.
#[tokio::test]
async fn items_are_read_with_their_fields() {
    let e = env().await;
    let f: Value = json_of(e.get(&e.surl(&format!("/items/{}", Env::item(demo::FILE_ID))))).await;
    assert_eq!(f["name"], demo::FILE_NAME);
    assert_eq!(f["kind"], "file");
    assert_eq!(f["size"], demo::README_CONTENT.len());
    assert!(f["sha1"].is_string() && f["md5"].is_string());
    let doc: Value = json_of(e.get(&e.surl(&format!("/items/{}", Env::item(demo::DOC_ID))))).await;
    assert_eq!(doc["kind"], "document");
    assert!(doc["web_url"].is_string());
}

#[tokio::test]
async fn folders_and_documents_are_created() {
    let e = env().await;
    let res = send(
        e.post(&e.surl("/folders"))
            .json(&json!({"name": "新建文件夹"})),
    )
    .await;
    assert_eq!(res.status(), 201);
    let f: Value = res.json().await.unwrap();
    assert_eq!(f["kind"], "folder");
    let parent = f["id"].as_str().unwrap();
    let res = send(
        e.post(&e.surl("/folders"))
            .json(&json!({"name": "child", "parent": parent})),
    )
    .await;
    let child: Value = res.json().await.unwrap();
    assert_eq!(child["parent_id"], parent);
    let res = send(
        e.post(&e.surl("/documents"))
            .json(&json!({"name": "Plan", "kind": "spreadsheet"})),
    )
    .await;
    assert_eq!(res.status(), 201);
    let sheet: Value = res.json().await.unwrap();
    assert_eq!(sheet["kind"], "spreadsheet");
    assert!(sheet["web_url"].as_str().unwrap().starts_with("http"));
    let res = send(
        e.post(&e.surl("/documents"))
            .json(&json!({"name": "Deck", "kind": "slides"})),
    )
    .await;
    assert_eq!(res.status(), 400);
    problem(res).await;
}

/// Bad bodies and names every provider refuses: `behaviour::items`. WeDrive refuses `..`
/// (Fangcloud takes it), and its width rule (ASCII 1, anything else 2, at most 255) makes 128
/// CJK characters too long.
#[tokio::test]
async fn dot_dot_and_a_name_over_the_width_limit_are_refused_and_reach_nothing() {
    let e = env().await;
    let before = sim_calls(e.sim(), "file_create").await;
    let res = send(e.post(&e.surl("/folders")).json(&json!({ "name": ".." }))).await;
    assert_eq!(res.status(), 400);
    problem(res).await;
    let res = send(
        e.post(&e.surl("/folders"))
            .json(&json!({"name": "名".repeat(128)})),
    )
    .await;
    assert_eq!(problem(res).await["code"], "name_too_long");
    assert_eq!(sim_calls(e.sim(), "file_create").await, before);
}

#[tokio::test]
async fn items_are_renamed_and_a_taken_name_is_a_conflict() {
    let e = env().await;
    let id = Env::item(demo::JSON_FILE_ID);
    let res = send(
        e.patch(&e.surl(&format!("/items/{id}")))
            .json(&json!({"name": "settings.json"})),
    )
    .await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<Value>().await.unwrap()["name"], "settings.json");
    // config.json lives in Documents, next to the Reports folder.
    e.refused(
        e.patch(&e.surl(&format!("/items/{id}")))
            .json(&json!({"name": demo::NESTED_FOLDER_NAME})),
        409,
        "name_conflict",
    )
    .await;
    let res = send(e.patch(&e.surl(&format!("/items/{id}"))).json(&json!({}))).await;
    assert_eq!(res.status(), 400);
    let res = send(
        e.patch(&e.surl(&format!("/items/{id}")))
            .json(&json!({"description": "x"})),
    )
    .await;
    assert_eq!(res.status(), 501, "WeDrive has no descriptions");
    assert_eq!(problem(res).await["code"], "unsupported_operation");
}

#[tokio::test]
async fn items_move_with_each_conflict_policy() {
    let e = env().await;
    let docs = Env::item(demo::FOLDER_ID);
    let readme = Env::item(demo::FILE_ID);
    // Put a same-name file into Documents first.
    let res = send(
        e.post(&e.surl(&format!("/files?name={}&parent={docs}", demo::FILE_NAME)))
            .body("other readme"),
    )
    .await;
    assert_eq!(res.status(), 201);
    let res = send(
        e.patch(&e.surl(&format!("/items/{readme}")))
            .json(&json!({"parent": docs})),
    )
    .await;
    assert_eq!(res.status(), 409, "default policy is fail");
    let res = send(
        e.patch(&e.surl(&format!("/items/{readme}")))
            .json(&json!({"parent": docs, "on_conflict": "rename"})),
    )
    .await;
    assert_eq!(res.status(), 200);
    let moved: Value = res.json().await.unwrap();
    assert_eq!(moved["parent_id"], docs);
    assert_ne!(
        moved["name"],
        demo::FILE_NAME,
        "WeDrive gave it a conflict name"
    );
    // Back to the root, then replace.
    let res = send(
        e.patch(&e.surl(&format!("/items/{readme}")))
            .json(&json!({"parent": "root", "name": demo::FILE_NAME})),
    )
    .await;
    assert_eq!(res.status(), 200);
    let res = send(
        e.patch(&e.surl(&format!("/items/{readme}")))
            .json(&json!({"parent": docs, "on_conflict": "replace"})),
    )
    .await;
    assert_eq!(res.status(), 200);
    let inner: Value = json_of(e.get(&e.surl(&format!("/items?parent={docs}")))).await;
    let same = items_named(&inner, demo::FILE_NAME);
    assert_eq!(same.len(), 1);
    assert_eq!(same[0]["id"], readme);
}

#[tokio::test]
async fn acting_as_another_user_is_refused_on_wecom() {
    let e = env().await;
    e.refused(
        e.get(&e.surl("/items"))
            .header("x-filegate-as-user", "lisi"),
        400,
        "act_as_unsupported",
    )
    .await;
}

/// WeDrive cannot filter by kind: the gateway filters before paging, so a client's
/// `while items:` loop over `kind=file` sees every file once, online documents and folders
/// interleaved in the upstream listing notwithstanding.
#[tokio::test]
async fn a_while_items_loop_over_a_filtered_folder_sees_every_file_exactly_once() {
    let e = env().await;
    let made: Value = e
        .json(e.post(&e.surl("/folders")).json(&json!({"name": "mixed"})))
        .await;
    let parent = made["id"].as_str().unwrap().to_owned();
    let mut files = Vec::new();
    for (i, kind) in [
        "folder", "file", "document", "folder", "folder", "document", "file",
    ]
    .iter()
    .cycle()
    .take(21)
    .enumerate()
    {
        let name = format!("{i:02}-{kind}");
        let req = match *kind {
            "folder" => e
                .post(&e.surl("/folders"))
                .json(&json!({"name": name, "parent": parent})),
            "document" => e
                .post(&e.surl("/documents"))
                .json(&json!({"name": name, "parent": parent, "kind": "document"})),
            _ => {
                files.push(format!("{name}.txt"));
                e.post(&e.surl(&format!("/files?name={name}.txt&parent={parent}")))
                    .body(format!("content {i}"))
            }
        };
        e.json(req).await;
    }
    for limit in [1, 2, 3, 5] {
        let first = e.surl(&format!(
            "/items?parent={parent}&kind=file&sort=name_asc&limit={limit}"
        ));
        let mut seen = Vec::new();
        let mut page = e.json(e.get(&first)).await;
        while !page["items"].as_array().unwrap().is_empty() {
            for i in page["items"].as_array().unwrap() {
                assert_eq!(i["kind"], "file", "{i}");
                seen.push(i["name"].as_str().unwrap().to_owned());
            }
            match page["next_cursor"].as_str() {
                Some(c) => page = e.json(e.get(&format!("{first}&cursor={c}"))).await,
                None => break,
            }
        }
        assert_eq!(seen, files, "limit={limit}");
    }
    let folders = e
        .json(e.get(&e.surl(&format!("/items?parent={parent}&kind=folder&limit=4"))))
        .await;
    assert_eq!(folders["items"].as_array().unwrap().len(), 4);
}
