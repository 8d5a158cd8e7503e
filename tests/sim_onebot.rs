//! Black-box tests of the OneBot 11 (Shamrock-like) group-file simulator, over HTTP.

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use filegate::sandbox::onebot::{self, Options, Sim, demo};
use filegate::sandbox::onebot::{
    RETCODE_BAD_REQUEST, RETCODE_FAILED, RETCODE_FORBIDDEN, RETCODE_OK, RETCODE_UNAUTHORIZED,
    RETCODE_UNKNOWN_ACTION,
};
use md5::{Digest, Md5};
use reqwest::StatusCode;
use serde_json::{Value, json};

mod sim_support;

async fn sim() -> Sim {
    onebot::start(Options::default()).await.unwrap()
}

async fn sim_with(change: impl FnOnce(&mut Options)) -> Sim {
    let mut opts = Options::default();
    change(&mut opts);
    onebot::start(opts).await.unwrap()
}

fn http() -> reqwest::Client {
    reqwest::Client::new()
}

/// `POST /{action}` with a JSON body and the demo token; answers the raw response.
async fn post(sim: &Sim, action: &str, params: Value) -> reqwest::Response {
    http()
        .post(format!("{}/{action}", sim.base_url))
        .bearer_auth(demo::ACCESS_TOKEN)
        .json(&params)
        .send()
        .await
        .unwrap()
}

/// `POST /{action}` with a JSON body and the demo token; answers the HTTP status and the body.
async fn call(sim: &Sim, action: &str, params: Value) -> (StatusCode, Value) {
    let response = post(sim, action, params).await;
    let status = response.status();
    (status, response.json().await.unwrap())
}

/// A call expected to succeed: answers `data`.
async fn ok(sim: &Sim, action: &str, params: Value) -> Value {
    let (status, body) = call(sim, action, params).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "ok", "{body}");
    assert_eq!(body["retcode"], RETCODE_OK, "{body}");
    body["data"].clone()
}

/// A call expected to fail with HTTP 200 and this retcode: answers the message.
async fn fails(sim: &Sim, action: &str, params: Value, retcode: i64) -> String {
    let (status, body) = call(sim, action, params).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "failed", "{body}");
    assert_eq!(body["retcode"], retcode, "{body}");
    assert!(body["data"].is_null(), "{body}");
    let message = body["message"].as_str().unwrap().to_owned();
    assert!(!message.is_empty());
    message
}

/// A call expected to fail with the generic retcode (`RETCODE_FAILED`): answers the message.
async fn failed(sim: &Sim, action: &str, params: Value) -> String {
    fails(sim, action, params, RETCODE_FAILED).await
}

/// Several calls, each expected to fail with the generic retcode.
async fn failed_each<const N: usize>(sim: &Sim, calls: [(&str, Value); N]) {
    for (action, params) in calls {
        failed(sim, action, params).await;
    }
}

/// Several calls, each expected to fail with its retcode.
async fn fails_each<const N: usize>(sim: &Sim, calls: [(&str, Value, i64); N]) {
    for (action, params, retcode) in calls {
        fails(sim, action, params, retcode).await;
    }
}

fn b64(content: &[u8]) -> String {
    format!("base64://{}", B64.encode(content))
}

fn md5_hex(content: &[u8]) -> String {
    hex::encode(Md5::digest(content))
}

async fn fs_info(sim: &Sim) -> Value {
    ok(
        sim,
        "get_group_file_system_info",
        json!({"group_id": demo::GROUP_ID}),
    )
    .await
}

async fn root(sim: &Sim) -> Value {
    ok(
        sim,
        "get_group_root_files",
        json!({"group_id": demo::GROUP_ID}),
    )
    .await
}

async fn file_url(sim: &Sim, file_id: &str) -> String {
    let data = ok(
        sim,
        "get_group_file_url",
        json!({"group_id": demo::GROUP_ID, "file_id": file_id, "busid": demo::BUSID}),
    )
    .await;
    data["url"].as_str().unwrap().to_owned()
}

async fn upload(sim: &Sim, name: &str, content: &[u8]) -> Value {
    ok(
        sim,
        "upload_group_file",
        json!({"group_id": demo::GROUP_ID, "file": b64(content), "name": name}),
    )
    .await
}

// ---- transport: token, actions, envelope, parameter encodings ----

#[tokio::test]
async fn a_call_without_a_token_is_401_and_a_wrong_token_is_403() {
    let sim = sim().await;
    let url = format!("{}/get_group_list", sim.base_url);
    let response = http().post(&url).json(&json!({})).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["retcode"], RETCODE_UNAUTHORIZED);
    assert_eq!(body["status"], "failed");

    for request in [
        http().post(&url).bearer_auth("wrong"),
        http().post(format!("{url}?access_token=wrong")),
        http().post(&url).header("Authorization", "Basic abc"),
    ] {
        let response = request.json(&json!({})).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::FORBIDDEN);
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["retcode"], RETCODE_FORBIDDEN);
    }
    assert!(
        sim.control.stats().calls.is_empty(),
        "refused calls are not served"
    );
}

#[tokio::test]
async fn the_token_is_accepted_as_a_bearer_header_or_an_access_token_query_parameter() {
    let sim = sim().await;
    let url = format!("{}/get_group_list", sim.base_url);
    let by_header = http()
        .post(&url)
        .bearer_auth(demo::ACCESS_TOKEN)
        .json(&json!({}));
    let by_query = http()
        .post(format!("{url}?access_token={}", demo::ACCESS_TOKEN))
        .json(&json!({}));
    for request in [by_header, by_query] {
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["status"], "ok");
    }
}

#[tokio::test]
async fn an_empty_configured_token_disables_authentication() {
    let sim = sim_with(|o| o.access_token = String::new()).await;
    let response = http()
        .post(format!("{}/get_group_list", sim.base_url))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn an_unknown_action_is_404_with_retcode_1404() {
    let sim = sim().await;
    let (status, body) = call(&sim, "send_group_msg_everywhere", json!({})).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["status"], "failed");
    assert_eq!(body["retcode"], RETCODE_UNKNOWN_ACTION);
}

#[tokio::test]
async fn echo_is_returned_as_sent_and_is_empty_when_absent() {
    let sim = sim().await;
    let (_, body) = call(&sim, "get_group_list", json!({"echo": 111})).await;
    assert_eq!(body["echo"], 111);
    let (_, body) = call(&sim, "get_group_list", json!({"echo": {"k": "v"}})).await;
    assert_eq!(body["echo"], json!({"k": "v"}));
    let (_, body) = call(&sim, "get_group_list", json!({})).await;
    assert_eq!(body["echo"], "");
    assert_eq!(body["message"], "成功");
    let (_, body) = call(&sim, "get_group_root_files", json!({"echo": "e1"})).await;
    assert_eq!(body["echo"], "e1", "failed answers echo too");
    assert_eq!(body["retcode"], RETCODE_BAD_REQUEST);
}

#[tokio::test]
async fn parameters_arrive_as_json_numbers_numeric_strings_a_query_string_or_a_form() {
    let sim = sim().await;
    let expected = fs_info(&sim).await;
    let as_string = ok(
        &sim,
        "get_group_file_system_info",
        json!({"group_id": demo::GROUP_ID.to_string()}),
    )
    .await;
    assert_eq!(as_string, expected);

    let query = http()
        .get(format!(
            "{}/get_group_file_system_info?group_id={}&access_token={}",
            sim.base_url,
            demo::GROUP_ID,
            demo::ACCESS_TOKEN
        ))
        .send()
        .await
        .unwrap();
    let body: Value = query.json().await.unwrap();
    assert_eq!(body["data"], expected);

    let form = http()
        .post(format!("{}/get_group_file_system_info", sim.base_url))
        .bearer_auth(demo::ACCESS_TOKEN)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("group_id={}&echo=f", demo::GROUP_ID))
        .send()
        .await
        .unwrap();
    let body: Value = form.json().await.unwrap();
    assert_eq!(body["data"], expected);
    assert_eq!(body["echo"], "f");
}

#[tokio::test]
async fn missing_or_ill_typed_parameters_are_retcode_1400() {
    let sim = sim().await;
    for params in [
        json!({}),
        json!({"group_id": "abc"}),
        json!({"group_id": 1.5}),
        json!({"group_id": [1]}),
        json!({"group_id": null}),
    ] {
        let message = fails(&sim, "get_group_root_files", params, RETCODE_BAD_REQUEST).await;
        assert!(message.contains("group_id"), "{message}");
    }
    fails_each(
        &sim,
        [
            (
                "get_group_files_by_folder",
                json!({"group_id": demo::GROUP_ID, "folder_id": 7}),
                RETCODE_BAD_REQUEST,
            ),
            (
                "delete_group_file",
                json!({"group_id": demo::GROUP_ID, "file_id": demo::FILE_ID}),
                RETCODE_BAD_REQUEST,
            ),
        ],
    )
    .await;
}

#[tokio::test]
async fn a_malformed_body_is_400_an_unsupported_content_type_406_and_other_methods_405() {
    let sim = sim().await;
    let url = format!("{}/get_group_list", sim.base_url);
    for body in ["{", "[1]", "{\"a\":}", "{} {}"] {
        let response = http()
            .post(&url)
            .bearer_auth(demo::ACCESS_TOKEN)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{body}");
        let answer: Value = response.json().await.unwrap();
        assert_eq!(answer["retcode"], RETCODE_BAD_REQUEST);
    }
    let response = http()
        .post(&url)
        .bearer_auth(demo::ACCESS_TOKEN)
        .header("content-type", "text/plain")
        .body("group_id=1")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NOT_ACCEPTABLE);
    let answer: Value = response.json().await.unwrap();
    assert_eq!(
        (&answer["status"], &answer["retcode"]),
        (&json!("failed"), &json!(RETCODE_BAD_REQUEST)),
        "{answer}"
    );
    assert!(answer["message"].is_string(), "{answer}");
    let response = http()
        .post(&url)
        .bearer_auth(demo::ACCESS_TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "an empty body is no parameters"
    );
    let response = http()
        .delete(&url)
        .bearer_auth(demo::ACCESS_TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
    let answer: Value = response.json().await.unwrap();
    assert_eq!(answer["status"], "failed", "{answer}");
}

#[tokio::test]
async fn a_path_that_names_no_action_is_404_with_retcode_1404_in_the_envelope() {
    let sim = sim().await;
    for path in ["/a/b", "/ftn_handler", "/"] {
        let response = http()
            .post(format!("{}{path}", sim.base_url))
            .bearer_auth(demo::ACCESS_TOKEN)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
        let answer: Value = response.json().await.unwrap();
        assert_eq!(
            answer["retcode"], RETCODE_UNKNOWN_ACTION,
            "{path}: {answer}"
        );
    }
}

#[tokio::test]
async fn a_download_url_with_another_method_than_get_is_404_with_retcode_1404_in_the_envelope() {
    let sim = sim().await;
    let url = file_url(&sim, demo::FILE_ID).await;
    for method in [
        reqwest::Method::POST,
        reqwest::Method::PUT,
        reqwest::Method::DELETE,
    ] {
        let response = http().request(method.clone(), &url).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{method}");
        let answer: Value = response.json().await.unwrap();
        assert_eq!(answer["status"], "failed", "{method}: {answer}");
        assert_eq!(
            answer["retcode"], RETCODE_UNKNOWN_ACTION,
            "{method}: {answer}"
        );
    }
    assert_eq!(
        http().get(&url).send().await.unwrap().status(),
        StatusCode::OK
    );
}

// ---- account-level actions ----

#[tokio::test]
async fn get_group_list_answers_the_standard_onebot_fields() {
    let sim = sim().await;
    let groups = ok(&sim, "get_group_list", json!({"no_cache": true})).await;
    let groups = groups.as_array().unwrap();
    assert_eq!(groups.len(), 2);
    assert_eq!(groups[0]["group_id"], demo::GROUP_ID);
    assert_eq!(groups[0]["group_name"], demo::GROUP_NAME);
    assert_eq!(groups[1]["group_id"], demo::OTHER_GROUP_ID);
    for g in groups {
        assert!(g["member_count"].is_i64());
        assert!(g["max_member_count"].is_i64());
    }
}

#[tokio::test]
async fn get_friend_list_and_get_login_info_answer_the_standard_fields() {
    let sim = sim().await;
    let friends = ok(&sim, "get_friend_list", json!({})).await;
    assert_eq!(
        friends,
        json!([{"user_id": demo::FRIEND_ID, "nickname": demo::FRIEND_NICKNAME, "remark": ""}])
    );
    let me = ok(&sim, "get_login_info", json!({})).await;
    assert_eq!(
        me,
        json!({"user_id": demo::SELF_ID, "nickname": demo::SELF_NICKNAME})
    );
}

#[tokio::test]
async fn without_demo_data_the_bot_has_no_groups() {
    let sim = sim_with(|o| o.demo_data = false).await;
    assert_eq!(ok(&sim, "get_group_list", json!({})).await, json!([]));
    failed(
        &sim,
        "get_group_root_files",
        json!({"group_id": demo::GROUP_ID}),
    )
    .await;
}

// ---- listings ----

#[tokio::test]
async fn the_root_listing_has_every_documented_file_and_folder_field_with_its_type() {
    let sim = sim().await;
    let data = root(&sim).await;
    let files = data["files"].as_array().unwrap();
    let folders = data["folders"].as_array().unwrap();
    let names = sim_support::texts(files, "file_name");
    assert_eq!(names, [demo::FILE_NAME, demo::SECOND_FILE_NAME]);
    let file = &files[0];
    assert_eq!(file["file_id"], demo::FILE_ID);
    assert_eq!(file["busid"], demo::BUSID);
    assert_eq!(file["group_id"], demo::GROUP_ID);
    assert_eq!(file["file_size"], demo::FILE_CONTENT.len());
    assert_eq!(file["md5"], md5_hex(demo::FILE_CONTENT));
    assert_eq!(file["dead_time"], 0, "permanent files have dead_time 0");
    for key in ["upload_time", "modify_time", "download_times", "uploader"] {
        assert!(file[key].is_i64(), "{key}");
    }
    for key in ["uploader_name", "sha", "sha3"] {
        assert!(file[key].is_string(), "{key}");
    }
    assert_eq!(file.as_object().unwrap().len(), 14);

    let ids = sim_support::texts(folders, "folder_id");
    assert_eq!(ids, [demo::FOLDER_ID, demo::EMPTY_FOLDER_ID]);
    let folder = &folders[0];
    assert_eq!(folder["folder_name"], demo::FOLDER_NAME);
    assert_eq!(folder["group_id"], demo::GROUP_ID);
    assert_eq!(folder["total_file_count"], 2);
    assert_eq!(folder["creator"], demo::SELF_ID);
    assert!(folder["create_time"].is_i64());
    assert!(folder["creator_name"].is_string());
    assert_eq!(folder.as_object().unwrap().len(), 7);
    assert_eq!(folders[1]["total_file_count"], 0);
}

#[tokio::test]
async fn a_folder_listing_shows_its_files_and_an_unknown_folder_or_group_fails() {
    let sim = sim().await;
    let data = ok(
        &sim,
        "get_group_files_by_folder",
        json!({"group_id": demo::GROUP_ID, "folder_id": demo::FOLDER_ID}),
    )
    .await;
    let ids = sim_support::texts(data["files"].as_array().unwrap(), "file_id");
    assert_eq!(ids, [demo::FOLDER_FILE_ID, demo::FOLDER_SECOND_FILE_ID]);
    assert_eq!(data["folders"], json!([]));

    let message = failed(
        &sim,
        "get_group_files_by_folder",
        json!({"group_id": demo::GROUP_ID, "folder_id": "/no-such-folder"}),
    )
    .await;
    assert!(message.contains("/no-such-folder"));
    let message = failed(&sim, "get_group_root_files", json!({"group_id": 42})).await;
    assert!(message.contains("42"));
    failed(&sim, "get_group_file_system_info", json!({"group_id": 42})).await;
}

#[tokio::test]
async fn groups_do_not_share_files() {
    let sim = sim().await;
    let other = ok(
        &sim,
        "get_group_root_files",
        json!({"group_id": demo::OTHER_GROUP_ID}),
    )
    .await;
    assert_eq!(other["files"][0]["file_id"], demo::OTHER_GROUP_FILE_ID);
    assert_eq!(other["folders"], json!([]));
    failed(
        &sim,
        "get_group_file_url",
        json!({"group_id": demo::OTHER_GROUP_ID, "file_id": demo::FILE_ID, "busid": demo::BUSID}),
    )
    .await;
}

// ---- folders ----

#[tokio::test]
async fn create_group_file_folder_answers_the_documented_fields_in_the_root() {
    let sim = sim().await;
    let data = ok(
        &sim,
        "create_group_file_folder",
        json!({"group_id": demo::GROUP_ID, "name": "测试"}),
    )
    .await;
    let id = data["folder_id"].as_str().unwrap();
    assert!(id.starts_with('/') && id.len() == 37, "{id}");
    assert_eq!(data["parent_folder_id"], "/");
    assert_eq!(data["folder_name"], "测试");
    assert_eq!(data["creator_uin"], demo::SELF_ID);
    assert_eq!(data["modifier_uin"], demo::SELF_ID);
    assert!(data["create_time"].is_i64() && data["modify_time"].is_i64());
    let folders = root(&sim).await["folders"].clone();
    assert_eq!(folders.as_array().unwrap().len(), 3);
    assert_eq!(folders[2]["folder_id"], id);
    // An explicit root parent is fine.
    ok(
        &sim,
        "create_group_file_folder",
        json!({"group_id": demo::GROUP_ID, "name": "b", "parent_id": "/"}),
    )
    .await;
}

#[tokio::test]
async fn create_group_file_folder_refuses_a_nested_parent() {
    let sim = sim().await;
    for key in ["parent_id", "folder_id"] {
        let message = failed(
            &sim,
            "create_group_file_folder",
            json!({"group_id": demo::GROUP_ID, "name": "nested", key: demo::FOLDER_ID}),
        )
        .await;
        assert!(message.contains("root"), "{message}");
    }
    assert_eq!(root(&sim).await["folders"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn folder_names_must_be_present_valid_and_unique() {
    let sim = sim().await;
    let create = |name: Value| json!({"group_id": demo::GROUP_ID, "name": name});
    fails_each(
        &sim,
        [
            (
                "create_group_file_folder",
                json!({"group_id": demo::GROUP_ID}),
                RETCODE_BAD_REQUEST,
            ),
            (
                "create_group_file_folder",
                create(json!("  ")),
                RETCODE_BAD_REQUEST,
            ),
            (
                "create_group_file_folder",
                create(json!("a/b")),
                RETCODE_FAILED,
            ),
            (
                "create_group_file_folder",
                create(json!("x".repeat(256))),
                RETCODE_FAILED,
            ),
        ],
    )
    .await;
    let message = fails(
        &sim,
        "create_group_file_folder",
        create(json!(demo::FOLDER_NAME)),
        RETCODE_FAILED,
    )
    .await;
    assert!(message.contains("exists"), "{message}");
    failed(
        &sim,
        "create_group_file_folder",
        json!({"group_id": 42, "name": "n"}),
    )
    .await;
}

#[tokio::test]
async fn rename_group_folder_renames_and_refuses_unknown_or_taken_names() {
    let sim = sim().await;
    let data = ok(
        &sim,
        "rename_group_folder",
        json!({"group_id": demo::GROUP_ID, "folder_id": demo::FOLDER_ID, "name": "Reports 2024"}),
    )
    .await;
    assert!(data.is_null());
    assert_eq!(
        root(&sim).await["folders"][0]["folder_name"],
        "Reports 2024"
    );
    // Renaming to its own name is allowed.
    ok(
        &sim,
        "rename_group_folder",
        json!({"group_id": demo::GROUP_ID, "folder_id": demo::FOLDER_ID, "name": "Reports 2024"}),
    )
    .await;
    fails_each(
        &sim,
        [
            ("rename_group_folder", json!({"group_id": demo::GROUP_ID, "folder_id": demo::EMPTY_FOLDER_ID, "name": "Reports 2024"}), RETCODE_FAILED),
            ("rename_group_folder", json!({"group_id": demo::GROUP_ID, "folder_id": "/nope", "name": "x"}), RETCODE_FAILED),
            ("rename_group_folder", json!({"group_id": demo::GROUP_ID, "folder_id": demo::FOLDER_ID}), RETCODE_BAD_REQUEST),
        ],
    )
    .await;
}

#[tokio::test]
async fn delete_group_folder_removes_the_folder_with_its_files() {
    let sim = sim().await;
    let url = file_url(&sim, demo::FOLDER_FILE_ID).await;
    let before = fs_info(&sim).await;
    let data = ok(
        &sim,
        "delete_group_folder",
        json!({"group_id": demo::GROUP_ID, "folder_id": demo::FOLDER_ID}),
    )
    .await;
    assert!(data.is_null());
    let after = fs_info(&sim).await;
    assert_eq!(
        after["file_count"],
        before["file_count"].as_i64().unwrap() - 2
    );
    let freed = (demo::FOLDER_FILE_CONTENT.len() + demo::FOLDER_SECOND_FILE_CONTENT.len()) as i64;
    assert_eq!(
        after["used_space"],
        before["used_space"].as_i64().unwrap() - freed
    );
    let ids: Vec<Value> = root(&sim).await["folders"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["folder_id"].clone())
        .collect();
    assert_eq!(ids, [json!(demo::EMPTY_FOLDER_ID)]);
    let response = http().get(&url).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    failed_each(
        &sim,
        [
            (
                "delete_group_folder",
                json!({"group_id": demo::GROUP_ID, "folder_id": demo::FOLDER_ID}),
            ),
            (
                "delete_group_folder",
                json!({"group_id": demo::GROUP_ID, "folder_id": "/"}),
            ),
        ],
    )
    .await;
}

// ---- files: delete, URL, download ----

#[tokio::test]
async fn delete_group_file_needs_the_right_busid() {
    let sim = sim().await;
    let message = failed(
        &sim,
        "delete_group_file",
        json!({"group_id": demo::GROUP_ID, "file_id": demo::FILE_ID, "busid": 104}),
    )
    .await;
    assert!(message.contains(demo::FILE_ID), "{message}");
    let data = ok(
        &sim,
        "delete_group_file",
        json!({"group_id": demo::GROUP_ID, "file_id": demo::FILE_ID, "busid": demo::BUSID.to_string()}),
    )
    .await;
    assert!(data.is_null());
    let files = root(&sim).await["files"].clone();
    assert_eq!(files.as_array().unwrap().len(), 1);
    failed_each(
        &sim,
        [
            (
                "delete_group_file",
                json!({"group_id": demo::GROUP_ID, "file_id": demo::FILE_ID, "busid": demo::BUSID}),
            ),
            (
                "get_group_file_url",
                json!({"group_id": demo::GROUP_ID, "file_id": demo::FILE_ID, "busid": demo::BUSID}),
            ),
        ],
    )
    .await;
}

#[tokio::test]
async fn get_group_file_url_streams_the_bytes_and_counts_the_download() {
    let sim = sim().await;
    let url = file_url(&sim, demo::FILE_ID).await;
    assert!(url.starts_with(&sim.base_url), "{url}");
    assert!(
        url.contains("/ftn_handler/") && url.ends_with("?fname=welcome.txt"),
        "{url}"
    );
    // No access token: it is a CDN link.
    let response = http().get(&url).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["accept-ranges"], "bytes");
    assert_eq!(
        response.headers()["content-length"],
        demo::FILE_CONTENT.len().to_string().as_str()
    );
    assert_eq!(response.bytes().await.unwrap(), demo::FILE_CONTENT);
    assert_eq!(root(&sim).await["files"][0]["download_times"], 1);
    failed_each(
        &sim,
        [
            (
                "get_group_file_url",
                json!({"group_id": demo::GROUP_ID, "file_id": demo::FILE_ID, "busid": 1}),
            ),
            (
                "get_group_file_url",
                json!({"group_id": demo::GROUP_ID, "file_id": "/nope", "busid": demo::BUSID}),
            ),
        ],
    )
    .await;
}

#[tokio::test]
async fn download_urls_answer_range_requests_with_206() {
    let sim = sim().await;
    let url = file_url(&sim, demo::FILE_ID).await;
    let content = demo::FILE_CONTENT;
    let size = content.len();
    let cases = [
        ("bytes=0-6", 0, 6),
        ("bytes=8-", 8, size - 1),
        ("bytes=-5", size - 5, size - 1),
        ("bytes=3-100000", 3, size - 1),
    ];
    for (range, a, b) in cases {
        let response = sim_support::get_range(&url, range).await;
        assert_eq!(response.status(), StatusCode::PARTIAL_CONTENT, "{range}");
        assert_eq!(
            response.headers()["content-range"],
            format!("bytes {a}-{b}/{size}").as_str()
        );
        assert_eq!(response.bytes().await.unwrap(), content[a..=b], "{range}");
    }
    let response = sim_support::get_range(&url, format!("bytes={size}-")).await;
    assert_eq!(response.status(), StatusCode::RANGE_NOT_SATISFIABLE);
    assert_eq!(
        response.headers()["content-range"],
        format!("bytes */{size}").as_str()
    );
    // A request starting at 0 counts as a download, resumptions do not.
    assert_eq!(root(&sim).await["files"][0]["download_times"], 1);
}

#[tokio::test]
async fn download_urls_expire() {
    let sim = sim_with(|o| o.file_url_ttl = Duration::from_millis(800)).await;
    let url = file_url(&sim, demo::FILE_ID).await;
    assert_eq!(
        http().get(&url).send().await.unwrap().status(),
        StatusCode::OK
    );
    tokio::time::sleep(Duration::from_millis(1200)).await;
    assert_eq!(
        http().get(&url).send().await.unwrap().status(),
        StatusCode::FORBIDDEN
    );
    let fresh = file_url(&sim, demo::FILE_ID).await;
    assert_ne!(fresh, url);
    assert_eq!(
        http().get(&fresh).send().await.unwrap().status(),
        StatusCode::OK
    );
    let unknown = format!("{}/ftn_handler/{}/?fname=x", sim.base_url, "0".repeat(64));
    assert_eq!(
        http().get(&unknown).send().await.unwrap().status(),
        StatusCode::NOT_FOUND
    );
}

// ---- uploads ----

#[tokio::test]
async fn upload_group_file_stores_base64_content_and_lists_it() {
    let sim = sim().await;
    let before = fs_info(&sim).await;
    let content = b"uploaded through the gateway\n";
    let data = upload(&sim, "report.txt", content).await;
    assert_eq!(data["md5"], md5_hex(content));
    assert_eq!(data["bizid"], demo::BUSID);
    assert!(data["msg_id"].is_i64());
    assert_eq!(data["sha"], "");
    assert_eq!(data["sha3"], "");
    let file_id = data["file_id"].as_str().unwrap().to_owned();
    assert!(file_id.starts_with('/') && file_id.len() == 37, "{file_id}");

    let after = fs_info(&sim).await;
    assert_eq!(
        after["file_count"],
        before["file_count"].as_i64().unwrap() + 1
    );
    assert_eq!(
        after["used_space"],
        before["used_space"].as_i64().unwrap() + content.len() as i64
    );
    assert_eq!(after["limit_count"], onebot::DEFAULT_FILE_COUNT_LIMIT);
    assert_eq!(after["total_space"], onebot::DEFAULT_TOTAL_SPACE);

    let files = root(&sim).await["files"].clone();
    let listed = files
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["file_id"] == file_id.as_str())
        .unwrap()
        .clone();
    assert_eq!(listed["file_name"], "report.txt");
    assert_eq!(listed["file_size"], content.len());
    assert_eq!(listed["uploader"], demo::SELF_ID);
    assert_eq!(listed["md5"], md5_hex(content));
    assert_eq!(listed["sha"].as_str().unwrap().len(), 40);
    let url = file_url(&sim, &file_id).await;
    assert_eq!(sim_support::get_bytes(&url).await, &content[..]);
}

#[tokio::test]
async fn a_large_upload_streams_to_disk_and_downloads_identically() {
    let sim = sim().await;
    let content = sim_support::pattern(8 * 1024 * 1024 + 3);
    let data = upload(&sim, "big.bin", &content).await;
    assert_eq!(data["md5"], md5_hex(&content));
    let url = file_url(&sim, data["file_id"].as_str().unwrap()).await;
    let body = sim_support::get_bytes(&url).await;
    assert_eq!(body.len(), content.len());
    assert!(body == content);
    let tail = sim_support::get_range(&url, "bytes=8388000-")
        .await
        .bytes()
        .await
        .unwrap();
    assert!(tail == content[8_388_000..]);
}

#[tokio::test]
async fn a_form_encoded_or_escaped_json_upload_is_decoded_too() {
    let sim = sim().await;
    let content = sim_support::pattern(3000);
    let encoded = B64.encode(&content);
    let form_value: String = format!("base64://{encoded}")
        .bytes()
        .map(|b| match b {
            b'+' => "%2B".to_owned(),
            b'/' => "%2F".to_owned(),
            b'=' => "%3D".to_owned(),
            b':' => "%3A".to_owned(),
            _ => char::from(b).to_string(),
        })
        .collect();
    let response = http()
        .post(format!("{}/upload_group_file", sim.base_url))
        .bearer_auth(demo::ACCESS_TOKEN)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!(
            "group_id={}&name=f.bin&file={form_value}",
            demo::GROUP_ID
        ))
        .send()
        .await
        .unwrap();
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["data"]["md5"], md5_hex(&content), "{body}");

    // Some JSON encoders escape '/' as "\/".
    let escaped = format!(
        r#"{{"group_id":{},"name":"j.bin","file":"base64:\/\/{}"}}"#,
        demo::GROUP_ID,
        encoded.replace('/', "\\/")
    );
    let response = http()
        .post(format!("{}/upload_group_file", sim.base_url))
        .bearer_auth(demo::ACCESS_TOKEN)
        .header("content-type", "application/json")
        .body(escaped)
        .send()
        .await
        .unwrap();
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["data"]["md5"], md5_hex(&content), "{body}");
}

#[tokio::test]
async fn a_path_or_url_in_file_is_refused_outside_the_simulators_directory_and_loopback() {
    let sim = sim().await;
    for file in [
        "/etc/passwd",
        "C:\\secret.txt",
        "relative.txt",
        "http://example.com/a.bin",
        "http://10.0.0.1/a.bin",
        "file:///etc/passwd",
    ] {
        fails(
            &sim,
            "upload_group_file",
            json!({"group_id": demo::GROUP_ID, "file": file, "name": "x.txt"}),
            RETCODE_BAD_REQUEST,
        )
        .await;
        fails(
            &sim,
            "upload_private_file",
            json!({"user_id": demo::FRIEND_ID, "file": file, "name": "x.txt"}),
            RETCODE_BAD_REQUEST,
        )
        .await;
    }
    assert_eq!(root(&sim).await["files"].as_array().unwrap().len(), 2);
    let calls = sim_support::stats(&sim.base_url).await["calls"].clone();
    assert_eq!(calls[onebot::PATH_COUNTER], 8, "{calls}");
    assert_eq!(calls[onebot::URL_COUNTER], 4, "{calls}");
}

#[tokio::test]
async fn a_path_inside_the_simulator_or_a_loopback_url_in_file_is_uploaded_and_counted() {
    let sim = sim().await;
    let local = sim.storage_dir().join("given.txt");
    std::fs::write(&local, b"from a path").unwrap();
    for file in [
        local.display().to_string(),
        format!("file://{}", local.display()),
    ] {
        let data = ok(
            &sim,
            "upload_group_file",
            json!({"group_id": demo::GROUP_ID, "file": file, "name": "p.txt"}),
        )
        .await;
        assert_eq!(data["md5"], md5_hex(b"from a path"));
    }
    let listed = root(&sim).await;
    let url = file_url(&sim, listed["files"][0]["file_id"].as_str().unwrap()).await;
    let original = reqwest::get(&url).await.unwrap().bytes().await.unwrap();
    let data = ok(
        &sim,
        "upload_group_file",
        json!({"group_id": demo::GROUP_ID, "file": url, "name": "u.txt"}),
    )
    .await;
    assert_eq!(data["md5"], md5_hex(&original));
    let calls = sim_support::stats(&sim.base_url).await["calls"].clone();
    assert_eq!(calls[onebot::PATH_COUNTER], 2, "{calls}");
    assert_eq!(calls[onebot::URL_COUNTER], 1, "{calls}");
}

#[tokio::test]
async fn upload_refuses_invalid_base64_empty_files_and_missing_parameters() {
    let sim = sim().await;
    let upload_params =
        |file: Value, name: Value| json!({"group_id": demo::GROUP_ID, "file": file, "name": name});
    let message = fails(
        &sim,
        "upload_group_file",
        upload_params(json!("base64://not*base64"), json!("a")),
        RETCODE_BAD_REQUEST,
    )
    .await;
    assert!(message.contains("base64"), "{message}");
    fails_each(
        &sim,
        [
            (
                "upload_group_file",
                upload_params(json!("base64://"), json!("a")),
                RETCODE_FAILED,
            ),
            (
                "upload_group_file",
                upload_params(json!(12), json!("a")),
                RETCODE_BAD_REQUEST,
            ),
            (
                "upload_group_file",
                json!({"group_id": demo::GROUP_ID, "name": "a"}),
                RETCODE_BAD_REQUEST,
            ),
            (
                "upload_group_file",
                json!({"group_id": demo::GROUP_ID, "file": b64(b"x")}),
                RETCODE_BAD_REQUEST,
            ),
            (
                "upload_group_file",
                upload_params(json!(b64(b"x")), json!("")),
                RETCODE_BAD_REQUEST,
            ),
            (
                "upload_group_file",
                upload_params(json!(b64(b"x")), json!("a/b.txt")),
                RETCODE_FAILED,
            ),
            (
                "upload_group_file",
                json!({"group_id": 42, "file": b64(b"x"), "name": "a"}),
                RETCODE_FAILED,
            ),
        ],
    )
    .await;
    assert_eq!(root(&sim).await["files"].as_array().unwrap().len(), 2);
    // Nothing refused stayed on disk: only the five demo files remain.
    assert_eq!(std::fs::read_dir(sim.storage_dir()).unwrap().count(), 5);
}

#[tokio::test]
async fn shamrock_ignores_the_folder_parameter_and_go_cqhttp_uploads_into_that_folder() {
    let params = json!({"group_id": demo::GROUP_ID, "file": b64(b"in a folder"), "name": "f.txt",
        "folder": demo::FOLDER_ID});
    let in_folder = json!({"group_id": demo::GROUP_ID, "folder_id": demo::FOLDER_ID});

    let sim = sim().await;
    let data = ok(&sim, "upload_group_file", params.clone()).await;
    let listed = root(&sim).await;
    assert!(
        listed["files"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["file_id"] == data["file_id"]),
        "{listed}"
    );
    let folder = ok(&sim, "get_group_files_by_folder", in_folder.clone()).await;
    assert!(
        !folder
            .to_string()
            .contains(data["file_id"].as_str().unwrap())
    );

    let sim = sim_with(|o| o.profile = onebot::Profile::GoCqhttp).await;
    let data = ok(&sim, "upload_group_file", params).await;
    let listing = ok(&sim, "get_group_files_by_folder", in_folder).await;
    assert_eq!(listing["files"][2]["file_id"], data["file_id"]);
    failed(
        &sim,
        "upload_group_file",
        json!({"group_id": demo::GROUP_ID, "file": b64(b"x"), "name": "f.txt", "folder": "/nope"}),
    )
    .await;
}

#[tokio::test]
async fn uploads_beyond_the_file_count_limit_or_the_space_fail() {
    let sim = sim_with(|o| {
        o.file_count_limit = 6;
        o.total_space = 1000;
    })
    .await;
    let info = fs_info(&sim).await;
    assert_eq!(info["limit_count"], 6);
    assert_eq!(info["total_space"], 1000);
    let used = info["used_space"].as_u64().unwrap() as usize;
    let message = failed(
        &sim,
        "upload_group_file",
        json!({"group_id": demo::GROUP_ID, "file": b64(&vec![7; 1000 - used + 1]), "name": "big"}),
    )
    .await;
    assert!(message.contains("space"), "{message}");
    upload(&sim, "fits", &vec![7; 1000 - used]).await;
    assert_eq!(fs_info(&sim).await["used_space"], 1000);
    ok(
        &sim,
        "delete_group_file",
        json!({"group_id": demo::GROUP_ID, "file_id": demo::SECOND_FILE_ID, "busid": demo::BUSID}),
    )
    .await;
    upload(&sim, "five", b"5").await;
    upload(&sim, "six", b"6").await;
    assert_eq!(fs_info(&sim).await["file_count"], 6);
    let message = failed(
        &sim,
        "upload_group_file",
        json!({"group_id": demo::GROUP_ID, "file": b64(b"7"), "name": "seven"}),
    )
    .await;
    assert!(message.contains("limit"), "{message}");
}

#[tokio::test]
async fn a_body_over_max_body_bytes_is_413() {
    let sim = sim_with(|o| o.max_body_bytes = 4096).await;
    let (status, body) = call(
        &sim,
        "upload_group_file",
        json!({"group_id": demo::GROUP_ID, "file": b64(&[1; 4000]), "name": "big"}),
    )
    .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(body["retcode"], RETCODE_BAD_REQUEST);
    upload(&sim, "small", &[1; 1000]).await;
}

#[tokio::test]
async fn upload_private_file_sends_to_a_friend_and_refuses_strangers() {
    let sim = sim().await;
    let content = b"just for you";
    let data = ok(
        &sim,
        "upload_private_file",
        json!({"user_id": demo::FRIEND_ID.to_string(), "file": b64(content), "name": "p.txt"}),
    )
    .await;
    assert_eq!(data["md5"], md5_hex(content));
    assert!(data["msg_id"].is_i64());
    assert!(data["bizid"].is_i64());
    assert!(data["file_id"].as_str().unwrap().starts_with('/'));
    for key in ["sha", "sha3"] {
        assert_eq!(data[key], "");
    }
    let message = failed(
        &sim,
        "upload_private_file",
        json!({"user_id": 123, "file": b64(content), "name": "p.txt"}),
    )
    .await;
    assert!(message.contains("123"));
    fails(
        &sim,
        "upload_private_file",
        json!({"file": b64(content), "name": "p.txt"}),
        RETCODE_BAD_REQUEST,
    )
    .await;
    // Private files are not kept.
    assert_eq!(std::fs::read_dir(sim.storage_dir()).unwrap().count(), 5);
}

// ---- control surface ----

#[tokio::test]
async fn revocation_makes_the_token_403_until_reset() {
    let sim = sim().await;
    let revoke = http()
        .post(format!("{}/__sim/tokens/revoke", sim.base_url))
        .send()
        .await
        .unwrap();
    assert_eq!(revoke.status(), StatusCode::NO_CONTENT);
    let (status, body) = call(&sim, "get_group_list", json!({})).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(body["retcode"], RETCODE_FORBIDDEN);
    let missing = http()
        .post(format!("{}/get_group_list", sim.base_url))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), StatusCode::UNAUTHORIZED);
    sim_support::reset(&sim.base_url).await;
    ok(&sim, "get_group_list", json!({})).await;
}

#[tokio::test]
async fn a_revoke_tokens_fault_fails_the_call_itself() {
    let sim = sim().await;
    sim_support::add_fault(
        &sim.base_url,
        json!({"path": "get_group_list", "type": "revoke_tokens"}),
    )
    .await;
    let (status, _) = call(&sim, "get_group_list", json!({})).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = call(&sim, "get_friend_list", json!({})).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

/// Queues one fault for `get_group_root_files`; `spec` is the rest of the fault.
async fn root_fault(sim: &Sim, mut spec: Value) {
    spec["path"] = json!("get_group_root_files");
    sim_support::add_fault(&sim.base_url, spec).await;
}

/// The group's root listing, as a raw response.
async fn root_response(sim: &Sim) -> reqwest::Response {
    post(
        sim,
        "get_group_root_files",
        json!({"group_id": demo::GROUP_ID}),
    )
    .await
}

#[tokio::test]
async fn queued_faults_render_in_onebot_shapes() {
    let sim = sim().await;
    root_fault(
        &sim,
        json!({"type": "error", "code": "1200", "message": "boom"}),
    )
    .await;
    let (status, body) = call(
        &sim,
        "get_group_root_files",
        json!({"group_id": demo::GROUP_ID}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["status"], "failed");
    assert_eq!(body["retcode"], 1200);
    assert_eq!(body["message"], "boom");

    root_fault(&sim, json!({"type": "rate_limit", "retry_after_secs": 3})).await;
    let response = root_response(&sim).await;
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(response.headers()["retry-after"], "3");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["retcode"], RETCODE_FAILED);

    root_fault(&sim, json!({"type": "status", "status": 502})).await;
    let response = root_response(&sim).await;
    assert_eq!(response.status(), StatusCode::BAD_GATEWAY);

    root_fault(&sim, json!({"type": "malformed"})).await;
    let response = root_response(&sim).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.json::<Value>().await.is_err());

    root_fault(&sim, json!({"type": "latency", "ms": 300})).await;
    let started = std::time::Instant::now();
    root(&sim).await;
    assert!(started.elapsed() >= Duration::from_millis(300));
    // Faults are consumed: the next call is normal, other actions were never affected.
    root(&sim).await;
}

#[tokio::test]
async fn download_urls_are_subject_to_faults_too() {
    let sim = sim().await;
    let url = file_url(&sim, demo::FILE_ID).await;
    sim_support::add_fault(
        &sim.base_url,
        json!({"path": "/ftn_handler/", "type": "status", "status": 503}),
    )
    .await;
    assert_eq!(
        http().get(&url).send().await.unwrap().status(),
        StatusCode::SERVICE_UNAVAILABLE
    );
    assert_eq!(
        http().get(&url).send().await.unwrap().status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn stats_count_every_served_action_and_download() {
    let sim = sim().await;
    root(&sim).await;
    root(&sim).await;
    let url = file_url(&sim, demo::FILE_ID).await;
    http().get(&url).send().await.unwrap();
    let stats = sim_support::stats(&sim.base_url).await;
    assert_eq!(stats["calls"]["get_group_root_files"], 2);
    assert_eq!(stats["calls"]["get_group_file_url"], 1);
    assert_eq!(stats["calls"]["download"], 1);
    assert_eq!(stats["token_fetches"], 0, "OneBot has no token endpoint");
}

#[tokio::test]
async fn dropping_the_simulator_stops_it_and_removes_its_files() {
    let sim = sim().await;
    upload(&sim, "gone.txt", b"soon gone").await;
    let dir = sim.storage_dir().to_path_buf();
    let base = sim.base_url.clone();
    assert!(dir.exists());
    drop(sim);
    assert!(!dir.exists());
    tokio::time::sleep(Duration::from_millis(50)).await;
    let result = reqwest::Client::new()
        .post(format!("{base}/get_group_list"))
        .timeout(Duration::from_secs(2))
        .send()
        .await;
    assert!(result.is_err());
}
