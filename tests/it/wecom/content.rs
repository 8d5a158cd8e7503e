use crate::calls::{json_of, send, status_of};
use serde_json::{Value, json};

use super::env::{Env, env, env_with};
use crate::common::{bytes, problem, sim_calls};
use crate::uploads;
use filegate::sandbox::wecom::{self, demo};

async fn upload(e: &Env, name: &str, body: Vec<u8>, extra: &str) -> reqwest::Response {
    uploads::upload(e, &e.surl(""), name, body, extra).await
}

async fn download(e: &Env, id: &str) -> reqwest::Response {
    send(e.get(&e.surl(&format!("/items/{id}/content")))).await
}

/// The bytes of the item `id` (a JSON string, as answers give it).
async fn downloaded(e: &Env, id: &serde_json::Value) -> bytes::Bytes {
    let id = id.as_str().expect("an item id");
    download(e, id).await.bytes().await.expect("body")
}

#[tokio::test]
async fn a_large_file_uses_the_chunked_trio_and_a_second_copy_is_an_instant_upload() {
    let e = env().await;
    let data = bytes(10 * 1024 * 1024 + 5, 11);
    let res = upload(&e, "big.bin", data.clone(), "").await;
    assert_eq!(res.status(), 201);
    let r: Value = res.json().await.unwrap();
    assert_eq!(r["method"], "chunked");
    assert_eq!(r["instant"], false);
    assert_eq!(
        sim_calls(e.sim(), "file_upload_part").await,
        6,
        "10 MiB + 5 bytes is six 2 MiB blocks"
    );
    let got = downloaded(&e, &r["item"]["id"]).await;
    assert!(got.as_ref() == data.as_slice());

    let res = upload(&e, "copy.bin", data, "").await;
    let r: Value = res.json().await.unwrap();
    assert_eq!(r["instant"], true, "hit_exist surfaced");
    assert_eq!(r["item"]["name"], "copy.bin");
    assert_eq!(
        sim_calls(e.sim(), "file_upload_part").await,
        6,
        "no part was sent again"
    );
}

#[tokio::test]
async fn bad_uploads_are_refused_before_the_upstream_sees_them() {
    let e = env_with(wecom::Options::default(), |c| {
        c.limits.max_upload_bytes = 1024 * 1024
    })
    .await;
    uploads::bad_ones_are_refused(&e, &e.surl(""), 128).await;
    let p = problem(send(e.post(&e.surl("/files")).body("x")).await).await;
    assert_eq!(p["code"], "invalid_request", "name is required");
    assert_eq!(p["field"], "name");
    assert_eq!(sim_calls(e.sim(), "file_upload").await, 0);
    assert_eq!(sim_calls(e.sim(), "file_upload_init").await, 0);
    assert_eq!(uploads::spooled_files(&e), 0, "no temp file is left behind");
}

/// Ranges, folders and unknown files: `behaviour::content`. WeDrive's online documents have no
/// bytes to download either.
#[tokio::test]
async fn online_documents_are_not_downloadable() {
    let e = env().await;
    let res = download(&e, &Env::item(demo::DOC_ID)).await;
    assert_eq!(res.status(), 400);
}

#[tokio::test]
async fn a_resumable_upload_takes_parts_in_any_order() {
    let e = env_with(wecom::Options::default(), uploads::one_mib_parts).await;
    let data = bytes(2 * 1024 * 1024 + 100, 5);
    let res = send(
        e.post(&e.surl("/uploads"))
            .json(&json!({"name": "resumed.bin", "size": data.len()})),
    )
    .await;
    assert_eq!(res.status(), 201);
    let s: Value = res.json().await.unwrap();
    assert_eq!(s["part_count"], 3);
    let id = s["id"].as_str().unwrap();
    let part = |n: usize| data[(n - 1) * 1024 * 1024..(n * 1024 * 1024).min(data.len())].to_vec();
    for n in [3, 1] {
        let res = send(
            e.put(&e.surl(&format!("/uploads/{id}/parts/{n}")))
                .body(part(n)),
        )
        .await;
        assert_eq!(res.status(), 200);
    }
    e.refused(
        e.post(&e.surl(&format!("/uploads/{id}/complete"))),
        409,
        "upload_incomplete",
    )
    .await;
    let res = send(
        e.put(&e.surl(&format!("/uploads/{id}/parts/2")))
            .body(vec![0u8; 10]),
    )
    .await;
    assert_eq!(problem(res).await["code"], "part_size_mismatch");
    let res = send(
        e.put(&e.surl(&format!("/uploads/{id}/parts/9")))
            .body(vec![0u8; 10]),
    )
    .await;
    assert_eq!(res.status(), 400);
    send(
        e.put(&e.surl(&format!("/uploads/{id}/parts/2")))
            .body(part(2)),
    )
    .await;
    let s: Value = json_of(e.get(&e.surl(&format!("/uploads/{id}")))).await;
    assert_eq!(s["parts_received"], json!([1, 2, 3]));
    let res = send(e.post(&e.surl(&format!("/uploads/{id}/complete")))).await;
    assert_eq!(res.status(), 201);
    let r: Value = res.json().await.unwrap();
    assert_eq!(
        r["method"], "single",
        "the assembled 2 MiB file fits one file_upload"
    );
    let got = downloaded(&e, &r["item"]["id"]).await;
    assert!(got.as_ref() == data.as_slice());
    let res = send(e.get(&e.surl(&format!("/uploads/{id}")))).await;
    assert_eq!(res.status(), 200);
    let done: Value = res.json().await.unwrap();
    assert_eq!(done["state"], "completed", "{done}");
    assert_eq!(done["result"], r, "a completed session keeps its answer");

    // Abort discards; another caller cannot see someone else's session.
    let s: Value = json_of(
        e.post(&e.surl("/uploads"))
            .json(&json!({"name": "x.bin", "size": 10})),
    )
    .await;
    let id = s["id"].as_str().unwrap();
    let other = crate::common::token_for("mallory", "files:write", super::env::CONN);
    let res = send(
        e.gw.http
            .get(e.surl(&format!("/uploads/{id}")))
            .bearer_auth(other),
    )
    .await;
    assert_eq!(res.status(), 404);
    assert_eq!(
        status_of(e.delete(&e.surl(&format!("/uploads/{id}")))).await,
        204
    );
    assert_eq!(
        status_of(e.get(&e.surl(&format!("/uploads/{id}")))).await,
        404
    );
    let res = send(
        e.post(&e.surl("/uploads"))
            .json(&json!({"name": "huge", "size": 30u64 << 30})),
    )
    .await;
    assert_eq!(res.status(), 413);
}
