//! The connection, its spaces (groups and friends), quota, and what OneBot cannot do.

use crate::calls::{json_of, problem_of, sandbox_reader_token, send};
use serde_json::{Value, json};

use super::env::{
    CONN, assert_unsupported_because, env, friend_space, group_space, reports, welcome,
};
use crate::common::problem;
use filegate::sandbox::onebot::demo;

#[tokio::test]
async fn the_connection_lists_exactly_what_onebot_can_do_and_a_static_token() {
    let e = env().await;
    let c: Value = json_of(e.get(&e.url(""))).await;
    assert_eq!(c["name"], CONN);
    assert_eq!(c["provider"], "onebot");
    let caps = &c["capabilities"];
    assert_eq!(
        caps["operations"],
        json!([
            "list_spaces",
            "get_space",
            "get_quota",
            "list_items",
            "get_item",
            "create_folder",
            "rename_item",
            "delete_item",
            "upload_file",
            "download_file"
        ])
    );
    assert_eq!(caps["max_upload_bytes"], 100 * 1024 * 1024);
    assert_eq!(caps["max_single_request_upload_bytes"], 100 * 1024 * 1024);
    assert_eq!(caps["max_name_length"], 255);
    assert_eq!(caps["roles"], json!([]));
    assert_eq!(caps["range_downloads"], true);
    assert_eq!(caps["sort_orders"].as_array().unwrap().len(), 6);
    let note = |op: &str| {
        caps["notes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|n| n["operation"] == op)
            .map(|n| n["note"].as_str().unwrap().to_owned())
            .unwrap_or_default()
    };
    assert!(note("rename_item").contains("folders only"));
    assert!(note("create_folder").contains("root only"));
    assert!(note("list_spaces").contains("upload only"));
    assert!(note("upload_file").contains("root only"));
    assert_eq!(c["token"]["state"], "static");
    assert!(c["token"]["expires_at"].is_null());
    assert_eq!(
        e.upstream_calls().await,
        0,
        "metadata needs no upstream call"
    );
}

#[tokio::test]
async fn spaces_are_the_bots_groups_and_its_friends_paged_by_the_gateway() {
    let e = env().await;
    let page: Value = json_of(e.get(&e.url("/spaces"))).await;
    let items = page["items"].as_array().unwrap();
    assert_eq!(items.len(), 3, "{page}");
    assert_eq!(items[0]["id"], group_space(demo::GROUP_ID));
    assert_eq!(items[0]["name"], demo::GROUP_NAME);
    assert_eq!(items[0]["kind"], "group");
    assert_eq!(items[0]["member_count"], 3);
    assert_eq!(items[1]["name"], demo::OTHER_GROUP_NAME);
    assert_eq!(items[2]["id"], friend_space(demo::FRIEND_ID));
    assert_eq!(items[2]["name"], demo::FRIEND_NICKNAME);
    assert_eq!(items[2]["kind"], "private");
    assert!(page["next_cursor"].is_null());

    let mut seen = Vec::new();
    let mut url = e.url("/spaces?limit=2");
    loop {
        let page: Value = json_of(e.get(&url)).await;
        seen.extend(
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| s["id"].clone()),
        );
        match page["next_cursor"].as_str() {
            Some(c) => url = e.url(&format!("/spaces?limit=2&cursor={c}")),
            None => break,
        }
    }
    assert_eq!(seen.len(), 3);
    e.refused(e.get(&e.url("/spaces?cursor=!!")), 400, "invalid_cursor")
        .await;
}

#[tokio::test]
async fn a_space_is_a_group_or_a_friend_and_anything_else_is_404_or_400() {
    let e = env().await;
    let s: Value = json_of(e.get(&e.surl(""))).await;
    assert_eq!(s["name"], demo::GROUP_NAME);
    assert_eq!(s["kind"], "group");
    let s: Value = json_of(e.get(&e.furl(""))).await;
    assert_eq!(s["name"], demo::FRIEND_NICKNAME);
    assert_eq!(s["kind"], "private");

    for space in [group_space(42), friend_space(42)] {
        e.refused(
            e.get(&e.url(&format!("/spaces/{space}"))),
            404,
            "space_not_found",
        )
        .await;
    }
    let before = e.upstream_calls().await;
    for bad in ["garbage", &welcome(), &reports()] {
        let res = send(e.get(&e.url(&format!("/spaces/{bad}")))).await;
        assert_eq!(res.status(), 400, "{bad}");
        assert_eq!(problem(res).await["code"], "invalid_id");
    }
    assert_eq!(
        e.upstream_calls().await,
        before,
        "malformed ids never reach the upstream"
    );
}

#[tokio::test]
async fn a_groups_quota_is_its_file_system_info() {
    let e = env().await;
    let q: Value = json_of(e.get(&e.surl("/quota"))).await;
    let used = (demo::FILE_CONTENT.len()
        + demo::SECOND_FILE_CONTENT.len()
        + demo::FOLDER_FILE_CONTENT.len()
        + demo::FOLDER_SECOND_FILE_CONTENT.len()) as u64;
    assert_eq!(q["scope"], "group");
    assert_eq!(q["file_count"], 4);
    assert_eq!(q["file_limit"], 10_000);
    assert_eq!(q["used_bytes"], used);
    assert_eq!(q["total_bytes"], 10u64 * 1024 * 1024 * 1024);
    assert_eq!(q["available_bytes"], 10u64 * 1024 * 1024 * 1024 - used);
    let p = problem_of(
        e.get(&e.url(&format!("/spaces/{}/quota", group_space(42)))),
        404,
    )
    .await;
    assert_eq!(p["code"], "space_not_found");
    assert_eq!(p["upstream"]["provider"], "onebot");
    assert_eq!(p["upstream"]["code"], "100");
}

#[tokio::test]
async fn a_friends_private_space_supports_upload_only() {
    let e = env().await;
    let before = e.upstream_calls().await;
    let checks = [
        e.get(&e.furl("/items")),
        e.get(&e.furl("/quota")),
        e.get(&e.furl(&format!("/items/{}", welcome()))),
        e.get(&e.furl(&format!("/items/{}/content", welcome()))),
        e.delete(&e.furl(&format!("/items/{}", welcome()))),
        e.patch(&e.furl(&format!("/items/{}", reports())))
            .json(&json!({"name": "x"})),
        e.post(&e.furl("/folders")).json(&json!({"name": "x"})),
    ];
    for req in checks {
        let p = problem_of(req, 501).await;
        assert_unsupported_because(&p, "private (friend) spaces only support upload");
    }
    assert_eq!(e.upstream_calls().await, before);
}

#[tokio::test]
async fn what_onebot_cannot_do_is_501_and_never_reaches_the_upstream() {
    let e = env().await;
    let item = welcome();
    let i = |p: &str| e.surl(&format!("/items/{item}{p}"));
    let member = json!({"members": [{"type": "user", "id": "1", "role": "viewer"}]});
    let requests = vec![
        (
            "create_space",
            e.post(&e.url("/spaces")).json(&json!({"name": "x"})),
        ),
        (
            "rename_space",
            e.patch(&e.surl("")).json(&json!({"name": "x"})),
        ),
        ("delete_space", e.delete(&e.surl(""))),
        ("get_space_settings", e.get(&e.surl("/settings"))),
        (
            "update_space_settings",
            e.put(&e.surl("/settings")).json(&json!({})),
        ),
        ("create_space_invite_link", e.post(&e.surl("/invite_link"))),
        ("list_space_members", e.get(&e.surl("/members"))),
        (
            "add_space_members",
            e.post(&e.surl("/members")).json(&member),
        ),
        (
            "update_space_member",
            e.patch(&e.surl("/members/user:1"))
                .json(&json!({"role": "viewer"})),
        ),
        ("remove_space_members", e.delete(&e.surl("/members/user:1"))),
        (
            "move_item",
            e.patch(&i("")).json(&json!({"parent": "root"})),
        ),
        (
            "update_description",
            e.patch(&i("")).json(&json!({"description": "d"})),
        ),
        (
            "copy_item",
            e.post(&i("/copy")).json(&json!({"parent": "root"})),
        ),
        (
            "create_document",
            e.post(&e.surl("/documents"))
                .json(&json!({"name": "d", "kind": "document"})),
        ),
        ("list_versions", e.get(&i("/versions"))),
        ("upload_version", e.post(&i("/versions")).body("x")),
        ("list_trash", e.get(&e.surl("/trash"))),
        ("restore_item", e.post(&i("/restore"))),
        ("purge_item", e.delete(&e.surl(&format!("/trash/{item}")))),
        ("search", e.get(&e.surl("/search?q=welcome"))),
        ("list_recent", e.get(&e.url("/recent"))),
        ("list_comments", e.get(&i("/comments"))),
        (
            "add_comment",
            e.post(&i("/comments")).json(&json!({"content": "c"})),
        ),
        ("list_item_members", e.get(&i("/members"))),
        ("add_item_members", e.post(&i("/members")).json(&member)),
        ("get_sharing", e.get(&i("/sharing"))),
        (
            "update_sharing",
            e.put(&i("/sharing")).json(&json!({"scope": "members"})),
        ),
        (
            "create_share_link",
            e.post(&i("/share_link")).json(&json!({})),
        ),
        ("get_item_security", e.get(&i("/security"))),
        ("list_directory_users", e.get(&e.url("/directory/users"))),
    ];
    let caps: Value = json_of(e.get(&e.url(""))).await;
    let ops = caps["capabilities"]["operations"]
        .as_array()
        .unwrap()
        .clone();
    for (op, req) in requests {
        let res = send(req).await;
        assert_eq!(res.status(), 501, "{op}");
        let p = problem(res).await;
        assert_eq!(p["code"], "unsupported_operation", "{op}: {p}");
        assert!(p["detail"].as_str().unwrap().contains(op), "{op}: {p}");
        assert!(!ops.contains(&json!(op)), "{op} is not advertised");
    }
    assert_eq!(e.upstream_calls().await, 0);
}

#[tokio::test]
async fn the_sandbox_serves_a_working_onebot_demo_connection() {
    let sandbox = filegate::sandbox::start(([127, 0, 0, 1], 0).into(), None)
        .await
        .unwrap();
    let token = sandbox_reader_token(&sandbox.jwt_secret, "tester", "onebot-demo");
    let http = crate::common::client();
    let base = format!("{}/v1/connections/onebot-demo", sandbox.gateway.base_url);
    let c: Value = json_of(http.get(&base).bearer_auth(&token)).await;
    assert_eq!(c["provider"], "onebot");
    let url = format!(
        "{base}/spaces/{}/items/{}/content",
        group_space(demo::GROUP_ID),
        welcome()
    );
    let res = send(http.get(&url).bearer_auth(&token)).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.bytes().await.unwrap().as_ref(), demo::FILE_CONTENT);
}

#[tokio::test]
async fn a_failing_friend_list_leaves_the_groups_listed_with_partial_set() {
    let e = env().await;
    crate::common::sim_fault(
        &e.sim.base_url,
        json!({"path": "get_friend_list", "type": "error", "code": "100", "times": 5}),
    )
    .await;
    let res = send(e.get(&e.url("/spaces"))).await;
    assert_eq!(res.status(), 200);
    let page: Value = res.json().await.unwrap();
    let ids: Vec<&Value> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| &s["id"])
        .collect();
    assert_eq!(
        ids,
        [
            &json!(group_space(demo::GROUP_ID)),
            &json!(group_space(demo::OTHER_GROUP_ID))
        ],
        "{page}"
    );
    assert_eq!(page["partial"][0]["source"], "friends", "{page}");
    assert_eq!(
        page["partial"][0]["problem"]["upstream"]["code"], "100",
        "{page}"
    );
    assert_eq!(page["partial"].as_array().unwrap().len(), 1);
}

/// Capabilities per target: files cannot be renamed (folders can), a friend's space takes
/// uploads only, and each GET says so in `allowed_operations`.
#[tokio::test]
async fn capabilities_say_which_item_and_space_kinds_each_operation_applies_to() {
    let e = env().await;
    let c: Value = e.json(e.get(&e.url(""))).await;
    assert_eq!(
        c["capabilities"]["item_kinds"]["rename_item"],
        json!(["folder"])
    );
    assert_eq!(
        c["capabilities"]["item_kinds"]["download_file"],
        json!(["file"])
    );
    assert_eq!(
        c["capabilities"]["space_kinds"]["private"],
        json!(["get_space", "upload_file"])
    );
    let friend = e
        .json(e.get(&e.url(&format!("/spaces/{}", friend_space(demo::FRIEND_ID)))))
        .await;
    assert_eq!(
        friend["allowed_operations"],
        json!(["get_space", "upload_file"])
    );
    let group = group_space(demo::GROUP_ID);
    let file = e
        .json(e.get(&e.url(&format!("/spaces/{group}/items/{}", welcome()))))
        .await;
    let ops = file["allowed_operations"].as_array().unwrap();
    assert!(!ops.contains(&json!("rename_item")), "{file}");
    assert!(ops.contains(&json!("download_file")), "{file}");
    let folder = e
        .json(e.get(&e.url(&format!("/spaces/{group}/items/{}", reports()))))
        .await;
    let ops = folder["allowed_operations"].as_array().unwrap();
    assert!(ops.contains(&json!("rename_item")), "{folder}");
    assert!(!ops.contains(&json!("download_file")), "{folder}");
}
