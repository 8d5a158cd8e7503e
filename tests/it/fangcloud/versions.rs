//! Versions, comments, search and recent items.

use crate::calls::{bytes_of, problem_of, send, status_of};
use serde_json::{Value, json};

use super::env::{collab, department, env, file, folder, names};
use crate::common::sim_calls;
use filegate::sandbox::fangcloud::demo;

#[tokio::test]
async fn versions_are_listed_read_promoted_uploaded_and_deleted() {
    let e = env().await;
    let report = file(demo::REPORT_FILE_ID);
    let v = e.json(e.mget(&format!("/items/{report}/versions"))).await;
    let list = v["items"].as_array().unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(list[0]["current"], true, "newest first");
    assert_eq!(list[0]["remark"], "Final version");
    assert_eq!(list[1]["current"], false);
    let old = list[1]["id"].as_str().unwrap().to_owned();
    let current = list[0]["id"].as_str().unwrap().to_owned();

    let one = e
        .json(e.mget(&format!("/items/{report}/versions/{old}")))
        .await;
    assert_eq!(one["size"], demo::REPORT_V1_CONTENT.len());
    assert_eq!(one["item_id"], report);

    // The current version cannot go: the upstream's parameter error names its field.
    let p = problem_of(
        e.delete(&e.murl(&format!("/items/{report}/versions/{current}"))),
        400,
    )
    .await;
    assert_eq!(p["code"], "invalid_request");
    assert_eq!(p["field"], "version_id");
    assert_eq!(p["upstream"]["code"], "request_data_invalid");

    let item = e
        .json(e.post(&e.murl(&format!("/items/{report}/versions/{old}/promote"))))
        .await;
    assert_eq!(item["size"], demo::REPORT_V1_CONTENT.len());
    let body = bytes_of(e.mget(&format!("/items/{report}/content"))).await;
    assert_eq!(body.as_ref(), demo::REPORT_V1_CONTENT);
    assert_eq!(
        status_of(e.delete(&e.murl(&format!("/items/{report}/versions/{current}")))).await,
        204
    );

    let res = send(
        e.post(&e.murl(&format!("/items/{report}/versions")))
            .body("# Report\n\nThird.\n"),
    )
    .await;
    assert_eq!(res.status(), 201);
    let r: Value = res.json().await.unwrap();
    assert_eq!(r["item"]["id"], report);
    assert_eq!(r["item"]["name"], "report.md");
    assert_eq!(sim_calls(e.sim(), "file/new_version_v2").await, 1);
    let v = e.json(e.mget(&format!("/items/{report}/versions"))).await;
    assert_eq!(v["items"].as_array().unwrap().len(), 2);

    // A version id of another file, and versions of a folder.
    let hello = file(demo::HELLO_FILE_ID);
    let docs = folder(demo::DOCUMENTS_FOLDER_ID);
    e.refused_each([
        (
            e.mget(&format!("/items/{hello}/versions/{old}")),
            400,
            "invalid_id",
        ),
        (
            e.mget(&format!("/items/{docs}/versions")),
            400,
            "not_a_file",
        ),
    ])
    .await;
}

#[tokio::test]
async fn comments_are_listed_added_and_deleted_on_files() {
    let e = env().await;
    let plan = file(demo::PLAN_FILE_ID);
    let c = e.json(e.mget(&format!("/items/{plan}/comments"))).await;
    assert_eq!(c["items"][0]["content"], "Looks good to me.");
    assert_eq!(c["items"][0]["author"]["id"], demo::ALICE_ID.to_string());
    let res = send(
        e.post(&e.murl(&format!("/items/{plan}/comments")))
            .json(&json!({"content": "Agreed."})),
    )
    .await;
    assert_eq!(res.status(), 201);
    let mine: Value = res.json().await.unwrap();
    assert_eq!(mine["author"]["id"], demo::USER_ID.to_string());
    let c = e
        .json(e.mget(&format!("/items/{plan}/comments?limit=1")))
        .await;
    assert_eq!(c["items"].as_array().unwrap().len(), 1);
    assert!(c["next_cursor"].is_string());
    let id = mine["id"].as_str().unwrap();
    assert_eq!(
        status_of(e.delete(&e.murl(&format!("/items/{plan}/comments/{id}")))).await,
        204
    );
    // Gone once deleted; a comment id belongs to its file; a folder has no comments.
    let hello = file(demo::HELLO_FILE_ID);
    let team = folder(demo::TEAM_FOLDER_ID);
    e.refused_each([
        (
            e.delete(&e.murl(&format!("/items/{plan}/comments/{id}"))),
            404,
            "comment_not_found",
        ),
        (
            e.delete(&e.murl(&format!("/items/{hello}/comments/{id}"))),
            400,
            "invalid_id",
        ),
        (
            e.mget(&format!("/items/{team}/comments")),
            400,
            "not_a_file",
        ),
    ])
    .await;
}

#[tokio::test]
async fn search_maps_every_filter_onto_the_upstream_query() {
    let e = env().await;
    let r = e.json(e.mget("/search?q=report")).await;
    assert_eq!(names(&r), ["report.md"]);
    assert_eq!(r["items"][0]["space_id"], e.me());
    let r = e
        .json(e.mget("/search?q=e&kind=folder&sort=name_asc"))
        .await;
    assert_eq!(names(&r), ["Archive", "Documents", "Team"]);
    let r = e
        .json(e.mget("/search?q=readme.txt&exact=true&field=name"))
        .await;
    assert_eq!(names(&r), ["readme.txt"]);
    let r = e.json(e.mget("/search?q=readme&exact=true")).await;
    assert!(names(&r).is_empty(), "exact matching");
    let r = e.json(e.mget("/search?q=Final&field=content")).await;
    assert_eq!(names(&r), ["report.md"]);
    let r = e
        .json(e.mget("/search?q=Filegate&field=creator&kind=file&limit=2"))
        .await;
    assert_eq!(r["items"].as_array().unwrap().len(), 2);
    assert!(r["next_cursor"].is_string());
    let archive = folder(demo::ARCHIVE_FOLDER_ID);
    let r = e
        .json(e.mget(&format!("/search?q=notes&parent={archive}")))
        .await;
    assert_eq!(names(&r), ["old-notes.txt"]);
    let r = e
        .json(e.get(
            &e.murl("/search?q=txt&modified_before=2025-01-01T00:12:00Z&kind=file&sort=name_asc"),
        ))
        .await;
    assert_eq!(names(&r), ["hello.txt", "readme.txt"]);
    let r = e
        .json(e.mget("/search?q=txt&modified_after=2030-01-01T00:00:00Z"))
        .await;
    assert!(names(&r).is_empty());
    // Other spaces.
    let dep = department(demo::ENGINEERING_DEPARTMENT_ID);
    let r = e.json(e.get(&e.surl(&dep, "/search?q=design"))).await;
    assert_eq!(names(&r), ["design.txt"]);
    assert_eq!(r["items"][0]["space_id"], dep);
    let r = e.json(e.mget("/search?q=design")).await;
    assert!(names(&r).is_empty(), "not in the personal space");
    let shared = collab(demo::ALICE_SHARED_FOLDER_ID);
    let r = e.json(e.get(&e.surl(&shared, "/search?q=alice"))).await;
    assert_eq!(names(&r), ["alice-notes.txt"]);
    assert_eq!(status_of(e.mget("/search?q=")).await, 400);
}

#[tokio::test]
async fn recent_items_are_what_the_user_touched_across_spaces() {
    let e = env().await;
    let r = e.json(e.get(&e.url("/recent"))).await;
    assert!(r["items"].as_array().unwrap().is_empty());
    let hello = file(demo::HELLO_FILE_ID);
    bytes_of(e.mget(&format!("/items/{hello}/content"))).await;
    let dep = department(demo::ENGINEERING_DEPARTMENT_ID);
    let design = file(demo::DESIGN_FILE_ID);
    bytes_of(e.get(&e.surl(&dep, &format!("/items/{design}/content")))).await;
    let notes = file(demo::ALICE_NOTES_FILE_ID);
    let shared = collab(demo::ALICE_SHARED_FOLDER_ID);
    bytes_of(e.get(&e.surl(&shared, &format!("/items/{notes}/content")))).await;
    let r = e.json(e.get(&e.url("/recent"))).await;
    let items = r["items"].as_array().unwrap();
    let got: Vec<(&str, &str)> = items
        .iter()
        .map(|i| (i["name"].as_str().unwrap(), i["space_id"].as_str().unwrap()))
        .collect();
    assert_eq!(got.len(), 3, "{r}");
    assert!(got.contains(&("hello.txt", e.me().as_str())));
    assert!(got.contains(&("design.txt", dep.as_str())));
    assert!(
        got.contains(&("alice-notes.txt", shared.as_str())),
        "{got:?}"
    );
    let r = e.pages(&e.url("/recent?limit=2")).await;
    assert_eq!(r.len(), 2, "the second page is the last");
    assert_eq!(r[0]["items"].as_array().unwrap().len(), 2);
    assert_eq!(r[1]["items"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn search_pages_of_twenty_are_sliced_into_the_callers_limit_without_page_capacity() {
    let e = env().await;
    let me = e.me();
    for i in 0..25 {
        let res = e
            .upload(&me, &format!("name=bulk-{i:02}.txt"), b"x".to_vec())
            .await;
        assert_eq!(res.status(), 201);
    }
    // The simulator refuses page_capacity on item/search (the document lists none), so
    // every page here was read as the upstream pages it: 20 items, sliced.
    let mut seen = Vec::new();
    let mut sizes = Vec::new();
    let mut url = e.murl("/search?q=bulk-&kind=file&sort=name_asc&limit=10");
    loop {
        let r = e.json(e.get(&url)).await;
        sizes.push(r["items"].as_array().unwrap().len());
        seen.extend(names(&r));
        match r["next_cursor"].as_str() {
            Some(c) => {
                url = e.murl(&format!(
                    "/search?q=bulk-&kind=file&sort=name_asc&limit=10&cursor={c}"
                ))
            }
            None => break,
        }
    }
    assert_eq!(sizes, [10, 10, 5]);
    let expected: Vec<String> = (0..25).map(|i| format!("bulk-{i:02}.txt")).collect();
    assert_eq!(seen, expected, "every item once, in order");
    // A limit above the upstream's page reads two upstream pages for one answer.
    let r = e.json(e.mget("/search?q=bulk-&kind=file&limit=22")).await;
    assert_eq!(r["items"].as_array().unwrap().len(), 22);
    assert!(r["next_cursor"].is_string());
}
