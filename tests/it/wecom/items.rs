use serde_json::{Value, json};

use super::env::{Env, env};
use crate::common::{problem, sim_calls};
use filegate::sandbox::wecom::demo;

async fn names(e: &Env, query: &str) -> Vec<String> {
    let v: Value = e
        .get(&e.surl(&format!("/items?{query}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
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
    let v: Value = e
        .get(&e.surl("/items?sort=size_desc"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let sizes: Vec<u64> = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|i| i["size"].as_u64())
        .collect();
    assert!(sizes.windows(2).all(|w| w[0] >= w[1]), "{sizes:?}");
    let res = e.get(&e.surl("/items?sort=sideways")).send().await.unwrap();
    assert_eq!(problem(res).await["code"], "invalid_query");
}

#[tokio::test]
async fn paging_walks_a_folder_with_cursors() {
    let e = env().await;
    let all = names(&e, "").await;
    let mut seen = Vec::new();
    let mut url = e.surl("/items?limit=2");
    loop {
        let v: Value = e.get(&url).send().await.unwrap().json().await.unwrap();
        seen.extend(
            v["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i["name"].as_str().unwrap().to_owned()),
        );
        match v["next_cursor"].as_str() {
            Some(c) => url = e.surl(&format!("/items?limit=2&cursor={c}")),
            None => break,
        }
    }
    assert_eq!(seen, all);
    for bad in ["limit=0", "limit=1001", "cursor=@@@"] {
        let res = e
            .get(&e.surl(&format!("/items?{bad}")))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 400, "{bad}");
        problem(res).await;
    }
}

#[tokio::test]
async fn kind_filters_and_nested_folders() {
    let e = env().await;
    let folders: Value = e
        .get(&e.surl("/items?kind=folder"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        folders["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["kind"] == "folder")
    );
    let docs = Env::item(demo::FOLDER_ID);
    let inner: Value = e
        .get(&e.surl(&format!("/items?parent={docs}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let reports = inner["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["name"] == demo::NESTED_FOLDER_NAME)
        .unwrap();
    assert_eq!(reports["parent_id"], docs);
    let root_item: Value = e
        .get(&e.surl(&format!("/items/{docs}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        root_item["parent_id"].is_null(),
        "the space root is hidden: parent_id null"
    );
}

#[tokio::test]
async fn items_are_read_and_bad_ids_are_clear_errors() {
    let e = env().await;
    let f: Value = e
        .get(&e.surl(&format!("/items/{}", Env::item(demo::FILE_ID))))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(f["name"], demo::FILE_NAME);
    assert_eq!(f["kind"], "file");
    assert_eq!(f["size"], demo::README_CONTENT.len());
    assert!(f["sha1"].is_string() && f["md5"].is_string());
    let doc: Value = e
        .get(&e.surl(&format!("/items/{}", Env::item(demo::DOC_ID))))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(doc["kind"], "document");
    assert!(doc["web_url"].is_string());

    let res = e.get(&e.surl("/items/not-an-id")).send().await.unwrap();
    assert_eq!(res.status(), 400);
    assert_eq!(problem(res).await["code"], "invalid_id");
    let res = e
        .get(&e.surl(&format!("/items/{}", e.space())))
        .send()
        .await
        .unwrap();
    assert_eq!(
        problem(res).await["code"],
        "invalid_id",
        "a space id is not an item id"
    );
    let res = e
        .get(&e.surl(&format!("/items/{}", Env::item("no-such-file"))))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    assert_eq!(problem(res).await["code"], "item_not_found");
    let res = e
        .get(&e.url("/spaces/%F0%9F%92%A5/items"))
        .send()
        .await
        .unwrap();
    assert_eq!(problem(res).await["code"], "invalid_id");
}

#[tokio::test]
async fn folders_and_documents_are_created() {
    let e = env().await;
    let res = e
        .post(&e.surl("/folders"))
        .json(&json!({"name": "新建文件夹"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let f: Value = res.json().await.unwrap();
    assert_eq!(f["kind"], "folder");
    let parent = f["id"].as_str().unwrap();
    let res = e
        .post(&e.surl("/folders"))
        .json(&json!({"name": "child", "parent": parent}))
        .send()
        .await
        .unwrap();
    let child: Value = res.json().await.unwrap();
    assert_eq!(child["parent_id"], parent);
    let res = e
        .post(&e.surl("/documents"))
        .json(&json!({"name": "Plan", "kind": "spreadsheet"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let sheet: Value = res.json().await.unwrap();
    assert_eq!(sheet["kind"], "spreadsheet");
    assert!(sheet["web_url"].as_str().unwrap().starts_with("http"));
    let res = e
        .post(&e.surl("/documents"))
        .json(&json!({"name": "Deck", "kind": "slides"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    problem(res).await;
}

#[tokio::test]
async fn bad_bodies_are_problems_and_reach_nothing() {
    let e = env().await;
    let before = sim_calls(e.sim(), "file_create").await;
    let res = e
        .post(&e.surl("/folders"))
        .header("content-type", "application/json")
        .body("{\"name\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    assert_eq!(problem(res).await["code"], "invalid_json");
    let res = e
        .post(&e.surl("/folders"))
        .header("content-type", "text/plain")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 415);
    problem(res).await;
    let res = e
        .post(&e.surl("/folders"))
        .json(&json!({"name": "x", "colour": "red"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    assert_eq!(problem(res).await["code"], "invalid_request");
    let res = e
        .post(&e.surl("/folders"))
        .json(&json!({"nam": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    let big = json!({"name": "x".repeat(2 * 1024 * 1024)});
    let res = e.post(&e.surl("/folders")).json(&big).send().await.unwrap();
    assert_eq!(res.status(), 413);
    problem(res).await;
    for name in ["a/b", "what?", "", "   ", "tab\there", ".."] {
        let res = e
            .post(&e.surl("/folders"))
            .json(&json!({ "name": name }))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 400, "{name:?}");
        problem(res).await;
    }
    let res = e
        .post(&e.surl("/folders"))
        .json(&json!({"name": "名".repeat(128)}))
        .send()
        .await
        .unwrap();
    assert_eq!(problem(res).await["code"], "name_too_long");
    assert_eq!(sim_calls(e.sim(), "file_create").await, before);
}

#[tokio::test]
async fn items_are_renamed_and_a_taken_name_is_a_conflict() {
    let e = env().await;
    let id = Env::item(demo::JSON_FILE_ID);
    let res = e
        .patch(&e.surl(&format!("/items/{id}")))
        .json(&json!({"name": "settings.json"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<Value>().await.unwrap()["name"], "settings.json");
    // config.json lives in Documents, next to the Reports folder.
    let res = e
        .patch(&e.surl(&format!("/items/{id}")))
        .json(&json!({"name": demo::NESTED_FOLDER_NAME}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 409);
    assert_eq!(problem(res).await["code"], "name_conflict");
    let res = e
        .patch(&e.surl(&format!("/items/{id}")))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    let res = e
        .patch(&e.surl(&format!("/items/{id}")))
        .json(&json!({"description": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 501, "WeDrive has no descriptions");
    assert_eq!(problem(res).await["code"], "unsupported_operation");
}

#[tokio::test]
async fn items_move_with_each_conflict_policy() {
    let e = env().await;
    let docs = Env::item(demo::FOLDER_ID);
    let readme = Env::item(demo::FILE_ID);
    // Put a same-name file into Documents first.
    let res = e
        .post(&e.surl(&format!("/files?name={}&parent={docs}", demo::FILE_NAME)))
        .body("other readme")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let res = e
        .patch(&e.surl(&format!("/items/{readme}")))
        .json(&json!({"parent": docs}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 409, "default policy is fail");
    let res = e
        .patch(&e.surl(&format!("/items/{readme}")))
        .json(&json!({"parent": docs, "on_conflict": "rename"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let moved: Value = res.json().await.unwrap();
    assert_eq!(moved["parent_id"], docs);
    assert_ne!(
        moved["name"],
        demo::FILE_NAME,
        "WeDrive gave it a conflict name"
    );
    // Back to the root, then replace.
    let res = e
        .patch(&e.surl(&format!("/items/{readme}")))
        .json(&json!({"parent": "root", "name": demo::FILE_NAME}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let res = e
        .patch(&e.surl(&format!("/items/{readme}")))
        .json(&json!({"parent": docs, "on_conflict": "replace"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let inner: Value = e
        .get(&e.surl(&format!("/items?parent={docs}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let same: Vec<&Value> = inner["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["name"] == demo::FILE_NAME)
        .collect();
    assert_eq!(same.len(), 1);
    assert_eq!(same[0]["id"], readme);
}

#[tokio::test]
async fn deleted_items_are_gone_and_copy_and_trash_are_not_supported() {
    let e = env().await;
    let id = Env::item(demo::JSON_FILE_ID);
    assert_eq!(
        e.delete(&e.surl(&format!("/items/{id}")))
            .send()
            .await
            .unwrap()
            .status(),
        204
    );
    let res = e
        .get(&e.surl(&format!("/items/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    let res = e
        .delete(&e.surl(&format!("/items/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    let res = e
        .post(&e.surl(&format!("/items/{}/copy", Env::item(demo::FILE_ID))))
        .json(&json!({"parent": "root"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 501);
    let p = problem(res).await;
    assert_eq!(p["code"], "unsupported_operation");
    assert!(p["detail"].as_str().unwrap().contains("wecom"));
    for path in ["/trash", "/search?q=x"] {
        let res = e.get(&e.surl(path)).send().await.unwrap();
        assert_eq!(res.status(), 501, "{path}");
    }
    let res = e.get(&e.url("/directory/users")).send().await.unwrap();
    assert_eq!(res.status(), 501);
}

#[tokio::test]
async fn acting_as_another_user_is_refused_on_wecom() {
    let e = env().await;
    let res = e
        .get(&e.surl("/items"))
        .header("x-filegate-as-user", "lisi")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    assert_eq!(problem(res).await["code"], "act_as_unsupported");
}
