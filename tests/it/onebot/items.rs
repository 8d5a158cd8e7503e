//! Listings, items, folders: create, rename, delete.

use crate::calls::{json_of, problem_of, send, status_of};
use serde_json::{Value, json};

use super::env::{
    Env, assert_unsupported_because, env, file_item, folder_item, group_space, reports, welcome,
};
use crate::common::{problem, sim_calls};
use filegate::sandbox::onebot::demo;

#[tokio::test]
async fn the_root_lists_folders_then_files_with_their_fields() {
    let e = env().await;
    let page: Value = json_of(e.get(&e.surl("/items"))).await;
    let items = page["items"].as_array().unwrap();
    let names: Vec<&str> = items.iter().map(|i| i["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Archive", "Reports", "notes.md", "welcome.txt"]);
    assert!(page["next_cursor"].is_null());
    let reports = &items[1];
    assert_eq!(reports["id"], super::env::reports());
    assert_eq!(reports["kind"], "folder");
    assert_eq!(reports["space_id"], group_space(demo::GROUP_ID));
    assert!(reports["parent_id"].is_null());
    assert_eq!(reports["child_count"], 2);
    assert_eq!(reports["created_at"], "2024-01-26T11:48:55Z");
    assert_eq!(reports["owner"]["id"], demo::SELF_ID.to_string());
    assert_eq!(reports["owner"]["name"], demo::SELF_NICKNAME);
    assert!(reports["size"].is_null());
    let welcome = &items[3];
    assert_eq!(welcome["id"], super::env::welcome());
    assert_eq!(welcome["kind"], "file");
    assert_eq!(welcome["size"], demo::FILE_CONTENT.len());
    assert_eq!(
        welcome["md5"],
        hex::encode(<md5::Md5 as md5::Digest>::digest(demo::FILE_CONTENT))
    );
    assert_eq!(
        welcome["sha1"],
        hex::encode(<sha1::Sha1 as sha1::Digest>::digest(demo::FILE_CONTENT))
    );
    assert!(welcome["parent_id"].is_null());
    assert_eq!(sim_calls(e.sim(), "get_group_root_files").await, 1);
}

#[tokio::test]
async fn a_folder_lists_its_files_with_the_folder_as_their_parent() {
    let e = env().await;
    let page: Value = json_of(e.get(&e.surl(&format!("/items?parent={}", reports())))).await;
    let items = page["items"].as_array().unwrap();
    let names: Vec<&str> = items.iter().map(|i| i["name"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        [demo::FOLDER_FILE_NAME, demo::FOLDER_SECOND_FILE_NAME]
    );
    assert!(items.iter().all(|i| i["parent_id"] == reports()));
    assert_eq!(
        items[0]["id"],
        file_item(
            demo::GROUP_ID,
            demo::FOLDER_ID,
            demo::FOLDER_FILE_ID,
            demo::BUSID
        )
    );
    assert_eq!(sim_calls(e.sim(), "get_group_files_by_folder").await, 1);
    let empty = e
        .names(&e.surl(&format!(
            "/items?parent={}",
            folder_item(demo::GROUP_ID, demo::EMPTY_FOLDER_ID)
        )))
        .await;
    assert!(empty.is_empty());
    assert_eq!(
        e.names(&e.surl("/items?parent=root")).await.len(),
        4,
        "root is the root"
    );
}

#[tokio::test]
async fn listings_are_sorted_by_the_gateway_in_every_advertised_order_folders_first() {
    let e = env().await;
    let e = &e;
    let order =
        |sort: &'static str| async move { e.names(&e.surl(&format!("/items?sort={sort}"))).await };
    assert_eq!(
        order("name_desc").await,
        ["Reports", "Archive", "welcome.txt", "notes.md"]
    );
    // welcome.txt is longer than notes.md.
    assert!(demo::FILE_CONTENT.len() > demo::SECOND_FILE_CONTENT.len());
    // Reports was created before Archive; welcome.txt before notes.md.
    for (sort, names) in [
        (
            "size_asc",
            ["Archive", "Reports", "notes.md", "welcome.txt"],
        ),
        (
            "size_desc",
            ["Archive", "Reports", "welcome.txt", "notes.md"],
        ),
        (
            "modified_asc",
            ["Reports", "Archive", "welcome.txt", "notes.md"],
        ),
        (
            "modified_desc",
            ["Archive", "Reports", "notes.md", "welcome.txt"],
        ),
    ] {
        assert_eq!(order(sort).await, names, "{sort}");
    }
    assert_eq!(status_of(e.get(&e.surl("/items?sort=sideways"))).await, 400);
}

#[tokio::test]
async fn listings_are_paged_by_offset_and_filtered_by_kind() {
    let e = env().await;
    let (names, pages) = e.walk(&e.surl("/items?limit=3")).await;
    assert_eq!(pages, 2);
    assert_eq!(names, ["Archive", "Reports", "notes.md", "welcome.txt"]);
    assert_eq!(
        e.names(&e.surl("/items?kind=file")).await,
        ["notes.md", "welcome.txt"]
    );
    assert_eq!(
        e.names(&e.surl("/items?kind=folder")).await,
        ["Archive", "Reports"]
    );
    e.refused(e.get(&e.surl("/items?cursor=nope")), 400, "invalid_cursor")
        .await;
    assert_eq!(status_of(e.get(&e.surl("/items?limit=0"))).await, 400);
}

#[tokio::test]
async fn get_item_finds_files_and_folders_in_their_folder_listing() {
    let e = env().await;
    let f: Value = json_of(e.get(&e.surl(&format!("/items/{}", welcome())))).await;
    assert_eq!(f["name"], demo::FILE_NAME);
    assert_eq!(f["size"], demo::FILE_CONTENT.len());
    let id = file_item(
        demo::GROUP_ID,
        demo::FOLDER_ID,
        demo::FOLDER_SECOND_FILE_ID,
        demo::BUSID,
    );
    let f: Value = json_of(e.get(&e.surl(&format!("/items/{id}")))).await;
    assert_eq!(f["name"], demo::FOLDER_SECOND_FILE_NAME);
    assert_eq!(f["parent_id"], reports());
    let d: Value = json_of(e.get(&e.surl(&format!("/items/{}", reports())))).await;
    assert_eq!(d["name"], demo::FOLDER_NAME);
    assert_eq!(d["kind"], "folder");
}

#[tokio::test]
async fn unknown_foreign_and_malformed_ids_are_404_or_400() {
    let e = env().await;
    let not_found = [
        file_item(demo::GROUP_ID, "/", "/no-such-file", demo::BUSID),
        // The right file with the wrong busid is not that file (QQ addresses by the pair).
        file_item(demo::GROUP_ID, "/", demo::FILE_ID, 104),
        // A file said to be in a folder that does not exist.
        file_item(demo::GROUP_ID, "/gone", demo::FILE_ID, demo::BUSID),
        folder_item(demo::GROUP_ID, "/no-such-folder"),
        // Items of another group are not in this space.
        file_item(
            demo::OTHER_GROUP_ID,
            "/",
            demo::OTHER_GROUP_FILE_ID,
            demo::BUSID,
        ),
        folder_item(demo::OTHER_GROUP_ID, demo::FOLDER_ID),
    ];
    for id in not_found {
        let res = send(e.get(&e.surl(&format!("/items/{id}")))).await;
        assert_eq!(res.status(), 404, "{id}");
        assert_eq!(problem(res).await["code"], "item_not_found");
    }
    let before = e.upstream_calls().await;
    e.refused(
        e.get(&e.surl(&format!("/items?parent={}", welcome()))),
        400,
        "not_a_folder",
    )
    .await;
    e.refused(
        e.get(&e.surl(&format!(
            "/items?parent={}",
            folder_item(demo::OTHER_GROUP_ID, demo::FOLDER_ID)
        ))),
        404,
        "parent_not_found",
    )
    .await;
    assert_eq!(e.upstream_calls().await, before);
    let res = send(e.get(&e.surl(&format!(
        "/items?parent={}",
        folder_item(demo::GROUP_ID, "/no-such-folder")
    ))))
    .await;
    assert_eq!(res.status(), 404);
    let p = problem(res).await;
    assert_eq!(p["code"], "parent_not_found");
}

async fn create(e: &Env, body: Value) -> reqwest::Response {
    send(e.post(&e.surl("/folders")).json(&body)).await
}

#[tokio::test]
async fn folders_are_created_in_the_root_only() {
    let e = env().await;
    let res = create(&e, json!({"name": "报告 2024"})).await;
    assert_eq!(res.status(), 201);
    let f: Value = res.json().await.unwrap();
    assert_eq!(f["name"], "报告 2024");
    assert_eq!(f["kind"], "folder");
    assert!(f["parent_id"].is_null());
    assert_eq!(f["owner"]["id"], demo::SELF_ID.to_string());
    let got: Value =
        json_of(e.get(&e.surl(&format!("/items/{}", f["id"].as_str().unwrap())))).await;
    assert_eq!(got["name"], "报告 2024");
    let res = create(&e, json!({"name": "under root", "parent": "root"})).await;
    assert_eq!(res.status(), 201);

    let calls = sim_calls(e.sim(), "create_group_file_folder").await;
    let res = create(&e, json!({"name": "nested", "parent": reports()})).await;
    assert_eq!(res.status(), 400);
    let p = problem(res).await;
    assert_eq!(p["code"], "nested_folder_not_supported");
    assert_eq!(p["field"], "parent");
    for (name, code) in [
        ("a/b", "invalid_name"),
        ("what?", "invalid_name"),
        ("..", "invalid_name"),
        ("   ", "invalid_name"),
        (&"报".repeat(86), "name_too_long"),
    ] {
        let res = create(&e, json!({ "name": name })).await;
        assert_eq!(res.status(), 400, "{name}");
        assert_eq!(problem(res).await["code"], code, "{name}");
    }
    let res = send(
        e.post(&e.surl("/folders"))
            .header("content-type", "application/json")
            .body("{not json"),
    )
    .await;
    assert_eq!(res.status(), 400);
    problem(res).await;
    let res = create(&e, json!({"name": "x", "colour": "red"})).await;
    assert_eq!(res.status(), 400);
    assert_eq!(
        sim_calls(e.sim(), "create_group_file_folder").await,
        calls,
        "refused before the upstream"
    );

    let res = create(&e, json!({ "name": demo::FOLDER_NAME })).await;
    assert_eq!(res.status(), 409);
    let p = problem(res).await;
    assert_eq!(p["code"], "name_conflict");
    assert_eq!(p["upstream"]["code"], "100");
    e.refused(
        e.post(&e.url(&format!("/spaces/{}/folders", group_space(42))))
            .json(&json!({"name": "x"})),
        404,
        "space_not_found",
    )
    .await;
}

async fn rename(e: &Env, id: &str, body: Value) -> reqwest::Response {
    send(e.patch(&e.surl(&format!("/items/{id}"))).json(&body)).await
}

#[tokio::test]
async fn folders_can_be_renamed_and_files_cannot() {
    let e = env().await;
    let res = rename(&e, &reports(), json!({"name": "Reports 2024"})).await;
    assert_eq!(res.status(), 200);
    let f: Value = res.json().await.unwrap();
    assert_eq!(f["name"], "Reports 2024");
    assert_eq!(f["id"], reports(), "ids do not change with the name");
    assert!(
        e.names(&e.surl("/items"))
            .await
            .contains(&"Reports 2024".to_owned())
    );

    let res = rename(&e, &reports(), json!({"name": demo::EMPTY_FOLDER_NAME})).await;
    assert_eq!(res.status(), 409);
    assert_eq!(problem(res).await["code"], "name_conflict");

    let calls = e.upstream_calls().await;
    let res = rename(&e, &welcome(), json!({"name": "hello.txt"})).await;
    assert_eq!(res.status(), 501);
    let p = problem(res).await;
    assert_unsupported_because(&p, "files cannot be renamed");
    let res = rename(&e, &reports(), json!({"name": "a|b"})).await;
    assert_eq!(problem(res).await["code"], "invalid_name");
    let res = rename(&e, &reports(), json!({})).await;
    assert_eq!(res.status(), 400);
    let res = rename(&e, &reports(), json!({"name": "x", "parent": "root"})).await;
    assert_eq!(res.status(), 501, "moving is not possible");
    assert_eq!(e.upstream_calls().await, calls);

    let res = rename(
        &e,
        &folder_item(demo::GROUP_ID, "/no-such-folder"),
        json!({"name": "x"}),
    )
    .await;
    assert_eq!(res.status(), 404);
    assert_eq!(problem(res).await["code"], "item_not_found");
}

#[tokio::test]
async fn deleting_removes_a_file_or_a_folder_with_its_files() {
    let e = env().await;
    let res = send(e.delete(&e.surl(&format!("/items/{}", welcome())))).await;
    assert_eq!(res.status(), 204);
    let res = send(e.get(&e.surl(&format!("/items/{}", welcome())))).await;
    assert_eq!(res.status(), 404);
    let p = problem_of(e.delete(&e.surl(&format!("/items/{}", welcome()))), 404).await;
    assert_eq!(p["code"], "item_not_found");
    assert_eq!(p["upstream"]["code"], "100");

    let res = send(e.delete(&e.surl(&format!("/items/{}", reports())))).await;
    assert_eq!(res.status(), 204);
    assert_eq!(e.names(&e.surl("/items")).await, ["Archive", "notes.md"]);
    let inside = file_item(
        demo::GROUP_ID,
        demo::FOLDER_ID,
        demo::FOLDER_FILE_ID,
        demo::BUSID,
    );
    e.refused(
        e.get(&e.surl(&format!("/items/{inside}"))),
        404,
        "item_not_found",
    )
    .await;
    let q: Value = json_of(e.get(&e.surl("/quota"))).await;
    assert_eq!(q["file_count"], 1);
    assert_eq!(sim_calls(e.sim(), "delete_group_file").await, 2);
    assert_eq!(sim_calls(e.sim(), "delete_group_folder").await, 1);

    let other = file_item(
        demo::OTHER_GROUP_ID,
        "/",
        demo::OTHER_GROUP_FILE_ID,
        demo::BUSID,
    );
    let res = send(e.delete(&e.surl(&format!("/items/{other}")))).await;
    assert_eq!(
        res.status(),
        404,
        "an item of another group is not deleted through this space"
    );
    assert_eq!(sim_calls(e.sim(), "delete_group_file").await, 2);
}

/// One page of `url`: its names and its cursor, and how many root listings it cost upstream.
async fn page_of(e: &Env, url: &str) -> (Vec<String>, Option<String>, u64) {
    let before = sim_calls(e.sim(), "get_group_root_files").await;
    let page = e.json(e.get(url)).await;
    let calls = sim_calls(e.sim(), "get_group_root_files").await - before;
    let names = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["name"].as_str().unwrap().to_owned())
        .collect();
    (names, page["next_cursor"].as_str().map(Into::into), calls)
}

/// Issue 14: OneBot answers a folder whole, so the gateway keeps the sorted listing for its
/// later pages: a walk reads the folder once, and sees one consistent listing while the
/// folder changes between pages.
#[tokio::test]
async fn a_walk_reads_the_folder_once_and_is_stable_while_the_folder_changes() {
    let e = env().await;
    for n in 0..6 {
        assert_eq!(
            create(&e, json!({"name": format!("f{n}")})).await.status(),
            201
        );
    }
    let first = e.surl("/items?limit=3&sort=name_asc");
    let all = e.names(&e.surl("/items?sort=name_asc")).await;
    assert_eq!(all.len(), 10);
    let (mut seen, mut cursor, calls) = page_of(&e, &first).await;
    assert_eq!(calls, 1);
    // A folder that sorts first appears, one not yet listed goes: the walk does not notice.
    assert_eq!(create(&e, json!({"name": "AAA"})).await.status(), 201);
    let f5 = e.json(e.get(&e.surl("/items?sort=name_asc"))).await["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["name"] == "f5")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        send(e.delete(&e.surl(&format!("/items/{f5}"))))
            .await
            .status(),
        204
    );
    while let Some(c) = cursor {
        let (names, next, calls) = page_of(&e, &format!("{first}&cursor={c}")).await;
        assert_eq!(calls, 0, "later pages come from the kept listing");
        seen.extend(names);
        cursor = next;
    }
    assert_eq!(seen, all);
}

/// Once a kept listing has expired, the next page reads the folder again and goes on after
/// the last item the walk was given: nothing twice, nothing skipped that was there throughout.
#[tokio::test]
async fn an_expired_listing_is_read_again_and_the_walk_goes_on_after_its_last_item() {
    let e = super::env::env_with(Default::default(), |c| {
        super::env::onebot_config(c).listing_snapshot_ttl = std::time::Duration::from_millis(200);
    })
    .await;
    let first = e.surl("/items?limit=2&sort=name_asc");
    let (page1, cursor, _) = page_of(&e, &first).await;
    assert_eq!(page1, ["Archive", "Reports"]);
    assert_eq!(create(&e, json!({"name": "AAA"})).await.status(), 201);
    tokio::time::sleep(std::time::Duration::from_millis(600)).await;
    let (page2, cursor, calls) = page_of(&e, &format!("{first}&cursor={}", cursor.unwrap())).await;
    assert_eq!(calls, 1, "the expired listing is read again");
    assert_eq!(page2, ["notes.md", "welcome.txt"]);
    assert_eq!(cursor, None);
}
