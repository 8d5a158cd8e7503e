//! Uploads through pre-signed URLs and streamed downloads.

use crate::calls::{fetch, send};
use serde_json::{Value, json};

use super::env::{collab, department, env, env_with, file, folder};
use crate::common::urlencode;
use crate::common::{bytes, problem, sim_calls};
use filegate::sandbox::fangcloud::{self, demo};

async fn download(
    e: &super::env::Env,
    space: &str,
    id: &str,
    range: Option<&str>,
) -> reqwest::Response {
    let mut req = e.get(&e.surl(space, &format!("/items/{id}/content")));
    if let Some(r) = range {
        req = req.header("range", r);
    }
    send(req).await
}

/// The round trip and ranges are `behaviour::content`; here: the presigned protocol's calls.
#[tokio::test]
async fn an_upload_goes_through_one_presigned_url_and_one_multipart_post() {
    let e = env().await;
    let data = bytes(3 * 1024 * 1024 + 17, 5);
    let res = e
        .upload(
            &e.me(),
            &format!("name={}", urlencode("报告 v1.0.bin")),
            data.clone(),
        )
        .await;
    assert_eq!(res.status(), 201);
    let r: Value = res.json().await.unwrap();
    assert_eq!(r["method"], "presigned");
    assert_eq!(sim_calls(e.sim(), "file/upload_v2").await, 1);
    assert_eq!(sim_calls(e.sim(), "upload").await, 1, "one multipart POST");
}

#[tokio::test]
async fn a_redirect_download_points_at_the_presigned_url() {
    let e = env().await;
    let res = send(e.get(&e.murl(&format!(
        "/items/{}/content?redirect=true",
        file(demo::HELLO_FILE_ID)
    ))))
    .await;
    assert_eq!(res.status(), 302);
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    assert!(
        location.starts_with(&format!("{}/download/", e.sim())),
        "{location}"
    );
    let body = fetch(&location).await;
    assert_eq!(body.as_ref(), demo::HELLO_CONTENT);
}

#[tokio::test]
async fn conflicts_fail_replace_with_a_new_version_or_rename() {
    let e = env().await;
    let res = e.upload(&e.me(), "name=hello.txt", b"new".to_vec()).await;
    assert_eq!(res.status(), 409);
    let p = problem(res).await;
    assert_eq!(p["code"], "name_conflict");
    assert_eq!(p["upstream"]["code"], "file_name_conflict");
    assert_eq!(sim_calls(e.sim(), "upload").await, 0, "no bytes were sent");

    let res = e
        .upload(
            &e.me(),
            "name=hello.txt&on_conflict=replace",
            b"new".to_vec(),
        )
        .await;
    assert_eq!(res.status(), 201);
    let r: Value = res.json().await.unwrap();
    assert_eq!(
        r["item"]["id"],
        file(demo::HELLO_FILE_ID),
        "the same file, a new version"
    );
    let v = e
        .json(e.mget(&format!("/items/{}/versions", file(demo::HELLO_FILE_ID))))
        .await;
    assert_eq!(v["items"].as_array().unwrap().len(), 2);

    for expected in ["hello (1).txt", "hello (2).txt"] {
        let res = e
            .upload(&e.me(), "name=hello.txt&on_conflict=rename", b"x".to_vec())
            .await;
        assert_eq!(res.status(), 201);
        assert_eq!(res.json::<Value>().await.unwrap()["item"]["name"], expected);
    }
}

#[tokio::test]
async fn uploads_land_in_folders_of_every_space_but_not_a_department_root() {
    let e = env().await;
    let docs = folder(demo::DOCUMENTS_FOLDER_ID);
    let res = e
        .upload(&e.me(), &format!("name=a.txt&parent={docs}"), b"a".to_vec())
        .await;
    assert_eq!(res.status(), 201);
    assert_eq!(
        res.json::<Value>().await.unwrap()["item"]["parent_id"],
        docs
    );

    let dep = department(demo::ENGINEERING_DEPARTMENT_ID);
    let res = e.upload(&dep, "name=a.txt", b"a".to_vec()).await;
    assert_eq!(res.status(), 400);
    assert_eq!(problem(res).await["field"], "parent");
    let eng = folder(demo::ENGINEERING_FOLDER_ID);
    let res = e
        .upload(&dep, &format!("name=a.txt&parent={eng}"), b"a".to_vec())
        .await;
    assert_eq!(res.status(), 201);
    assert_eq!(res.json::<Value>().await.unwrap()["item"]["space_id"], dep);

    // Alice shared her folder as viewer: no uploads there.
    let res = e
        .upload(
            &collab(demo::ALICE_SHARED_FOLDER_ID),
            "name=a.txt",
            b"a".to_vec(),
        )
        .await;
    assert_eq!(res.status(), 403);
    assert_eq!(problem(res).await["code"], "permission_denied");

    for (query, code) in [
        (format!("name={}", urlencode("a:b")), "invalid_name"),
        (
            format!("name=x&parent={}", file(demo::HELLO_FILE_ID)),
            "not_a_folder",
        ),
    ] {
        let res = e.upload(&e.me(), &query, b"a".to_vec()).await;
        assert_eq!(res.status(), 400, "{query}");
        assert_eq!(problem(res).await["code"], code, "{query}");
    }
    assert_eq!(sim_calls(e.sim(), "file/upload_v2").await, 3);
}

#[tokio::test]
async fn a_full_space_is_507_before_the_bytes_are_sent() {
    let e = env().await;
    // Bob's personal space holds 1 MiB.
    let res = send(
        e.post(&e.surl(&super::env::personal(demo::BOB_ID), "/files?name=big.bin"))
            .header("x-filegate-as-user", demo::BOB_ID.to_string())
            .body(bytes(2 * 1024 * 1024, 1)),
    )
    .await;
    assert_eq!(res.status(), 507);
    let p = problem(res).await;
    assert_eq!(p["code"], "insufficient_storage");
    assert_eq!(p["upstream"]["code"], "exceed_user_space_limit");
    assert_eq!(sim_calls(e.sim(), "upload").await, 0);
}

#[tokio::test]
async fn an_oversize_upload_is_413_and_never_reaches_the_upstream() {
    let e = env_with(fangcloud::Options::default(), |c| {
        c.limits.max_upload_bytes = 1024
    })
    .await;
    let res = e.upload(&e.me(), "name=big.bin", bytes(4096, 2)).await;
    assert_eq!(res.status(), 413);
    assert_eq!(problem(res).await["code"], "payload_too_large");
    let stats = crate::common::sim_stats(e.sim()).await;
    assert_eq!(stats.token_fetches, 0);
    assert!(stats.calls.is_empty(), "{:?}", stats.calls);
}

#[tokio::test]
async fn a_resumable_upload_completes_through_the_presigned_protocol() {
    let e = env().await;
    let data = bytes(2 * 1024 * 1024 + 3, 9);
    let res = send(
        e.post(&e.murl("/uploads"))
            .json(&json!({"name": "resumed.bin", "size": data.len()})),
    )
    .await;
    let status = res.status();
    let s: Value = res.json().await.unwrap();
    assert_eq!(status, 201, "{s}");
    let id = s["id"].as_str().unwrap();
    let part = s["part_size"].as_u64().unwrap() as usize;
    for (i, chunk) in data.chunks(part).enumerate() {
        let res = send(
            e.gw.http
                .put(e.murl(&format!("/uploads/{id}/parts/{}", i + 1)))
                .bearer_auth(&e.token)
                .body(chunk.to_vec()),
        )
        .await;
        assert!(res.status().is_success(), "{}", res.status());
    }
    let done = e
        .json(e.post(&e.murl(&format!("/uploads/{id}/complete"))))
        .await;
    let item = done["item"]["id"].as_str().unwrap();
    let got = download(&e, &e.me(), item, None)
        .await
        .bytes()
        .await
        .unwrap();
    assert_eq!(got.to_vec(), data);
}
