//! Uploads (base64, streamed from the spool) and downloads (streamed, ranges, redirects).

use crate::calls::{fetch, json_of, send};
use md5::{Digest as _, Md5};
use serde_json::{Value, json};

use super::env::{Env, env, env_of, env_with, onebot_config, reports, welcome};
use crate::common::{bytes, problem, sim_calls};
use crate::uploads;
use filegate::sandbox::onebot::{self, demo};

async fn upload(e: &Env, name: &str, body: Vec<u8>, extra: &str) -> reqwest::Response {
    uploads::upload(e, &e.surl(""), name, body, extra).await
}

/// An upload that must answer 201: its answer.
async fn uploaded(e: &Env, name: &str, body: Vec<u8>, extra: &str) -> Value {
    let res = upload(e, name, body, extra).await;
    assert_eq!(res.status(), 201);
    res.json().await.unwrap()
}

async fn download(e: &Env, id: &str) -> reqwest::Response {
    send(e.get(&e.surl(&format!("/items/{id}/content")))).await
}

/// The round trip itself is `behaviour::content`; here: one base64 call up, one URL and one
/// fetch down, the md5, and the file counted in the group's quota.
#[tokio::test]
async fn an_upload_goes_up_as_base64_in_one_call_and_counts_in_the_quota() {
    let e = env().await;
    let data = bytes(300_001, 7);
    let r = uploaded(&e, "报告.bin", data.clone(), "").await;
    assert_eq!(r["method"], "base64");
    let item = &r["item"];
    assert_eq!(item["md5"], hex::encode(Md5::digest(&data)));
    assert!(item["parent_id"].is_null());
    assert_eq!(sim_calls(e.sim(), "upload_group_file").await, 1);
    assert_no_path_or_url_was_sent(&e).await;

    let res = download(&e, item["id"].as_str().unwrap()).await;
    assert_eq!(res.bytes().await.unwrap().to_vec(), data);
    assert_eq!(sim_calls(e.sim(), "get_group_file_url").await, 1);
    assert_eq!(sim_calls(e.sim(), "download").await, 1);

    let listed = e.names(&e.surl("/items?kind=file")).await;
    assert!(listed.contains(&"报告.bin".to_owned()));
    let q: Value = json_of(e.get(&e.surl("/quota"))).await;
    assert_eq!(q["file_count"], 5);
}

/// The acceptance size: 100 MB (not MiB) up and down, byte for byte. The gateway's memory
/// stays bounded (the benchmark measures it); here the point is correctness at that size.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_100_mb_file_round_trips_byte_for_byte() {
    let e = env().await;
    let data = bytes(100_000_000, 99);
    let r = uploaded(&e, "big.bin", data.clone(), "").await;
    assert_eq!(r["item"]["size"], 100_000_000);
    assert_eq!(r["item"]["md5"], hex::encode(Md5::digest(&data)));
    let res = download(&e, r["item"]["id"].as_str().unwrap()).await;
    assert_eq!(res.status(), 200);
    let got = res.bytes().await.unwrap();
    assert!(got.len() == data.len() && got.as_ref() == data.as_slice());
}

/// Ranges are `behaviour::content`; OneBot knows a file's size from its listing, so a range
/// from the end on is refused before the implementation is asked for a URL.
#[tokio::test]
async fn a_range_past_the_end_is_416_before_any_url_is_asked_for() {
    let e = env().await;
    let content = demo::FILE_CONTENT;
    let urls = sim_calls(e.sim(), "get_group_file_url").await;
    let res = send(
        e.get(&e.surl(&format!("/items/{}/content", welcome())))
            .header("range", format!("bytes={}-", content.len())),
    )
    .await;
    assert_eq!(res.status(), 416);
    assert_eq!(
        res.headers()["content-range"],
        format!("bytes */{}", content.len()).as_str()
    );
    assert_eq!(problem(res).await["code"], "range_not_satisfiable");
    assert_eq!(sim_calls(e.sim(), "get_group_file_url").await, urls);
}

/// The answers are `behaviour::content`; OneBot refuses all three without asking for a URL.
#[tokio::test]
async fn folders_and_unknown_files_never_ask_for_a_url() {
    let e = env().await;
    let gone = super::env::file_item(demo::GROUP_ID, "/", "/gone", demo::BUSID);
    for id in [reports(), gone, "garbage".into()] {
        assert!(download(&e, &id).await.status().is_client_error());
    }
    assert_eq!(sim_calls(e.sim(), "get_group_file_url").await, 0);
}

#[tokio::test]
async fn redirect_true_answers_a_redirect_to_the_implementations_file_url() {
    let e = env().await;
    let res = send(e.get(&e.surl(&format!("/items/{}/content?redirect=true", welcome())))).await;
    assert!(res.status().is_redirection(), "{}", res.status());
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    assert!(
        location.starts_with(&format!("{}/ftn_handler/", e.sim())),
        "{location}"
    );
    assert!(
        !location.contains(demo::ACCESS_TOKEN),
        "the gateway's access token never leaves it"
    );
    let body = fetch(&location).await;
    assert_eq!(body.as_ref(), demo::FILE_CONTENT);
    assert_eq!(
        sim_calls(e.sim(), "download").await,
        1,
        "the gateway did not fetch the bytes itself"
    );
}

#[tokio::test]
async fn upload_conflicts_follow_on_conflict() {
    let e = env().await;
    let res = upload(&e, demo::FILE_NAME, b"new".to_vec(), "").await;
    assert_eq!(res.status(), 409);
    assert_eq!(problem(res).await["code"], "name_conflict");
    let res = upload(&e, demo::FOLDER_NAME, b"new".to_vec(), "&on_conflict=fail").await;
    assert_eq!(res.status(), 409, "a folder's name is taken too");
    assert_eq!(sim_calls(e.sim(), "upload_group_file").await, 0);

    let r = uploaded(&e, demo::FILE_NAME, b"both".to_vec(), "&on_conflict=rename").await;
    assert_eq!(r["item"]["name"], "welcome (1).txt");
    let res = upload(&e, demo::FILE_NAME, b"both".to_vec(), "&on_conflict=rename").await;
    let r: Value = res.json().await.unwrap();
    assert_eq!(r["item"]["name"], "welcome (2).txt");

    let res = upload(
        &e,
        demo::FILE_NAME,
        b"replaced".to_vec(),
        "&on_conflict=replace",
    )
    .await;
    assert_eq!(res.status(), 201);
    let r: Value = res.json().await.unwrap();
    assert_eq!(r["item"]["name"], demo::FILE_NAME);
    assert_ne!(
        r["item"]["id"],
        welcome(),
        "a new file replaced the old one"
    );
    let names = e.names(&e.surl("/items?kind=file")).await;
    assert_eq!(
        names,
        [
            "notes.md",
            "welcome (1).txt",
            "welcome (2).txt",
            "welcome.txt"
        ]
    );
    let res = download(&e, r["item"]["id"].as_str().unwrap()).await;
    assert_eq!(res.bytes().await.unwrap().as_ref(), b"replaced");
    assert_eq!(download(&e, &welcome()).await.status(), 404);

    let res = upload(&e, demo::FOLDER_NAME, b"x".to_vec(), "&on_conflict=replace").await;
    assert_eq!(res.status(), 409, "replace never deletes a folder");
    assert_eq!(sim_calls(e.sim(), "delete_group_folder").await, 0);
}

#[tokio::test]
async fn uploads_go_to_the_root_unless_the_connection_enables_folder_uploads() {
    let e = env().await;
    let parent = format!("&parent={}", reports());
    let res = upload(&e, "in-folder.txt", b"x".to_vec(), &parent).await;
    assert_eq!(res.status(), 400);
    let p = problem(res).await;
    assert_eq!(p["code"], "upload_to_folder_not_supported");
    assert_eq!(p["field"], "parent");
    assert_eq!(e.upstream_calls().await, 0);

    // go-cqhttp: the `folder` parameter works.
    let e = env_with(
        onebot::Options {
            profile: onebot::Profile::GoCqhttp,
            ..Default::default()
        },
        |c| onebot_config(c).upload_to_folders = true,
    )
    .await;
    let c: Value = json_of(e.get(&e.url(""))).await;
    assert!(
        c["capabilities"]
            .to_string()
            .contains("enabled for this connection")
    );
    let r = uploaded(&e, "in-folder.txt", b"inside".to_vec(), &parent).await;
    assert_eq!(r["item"]["parent_id"], reports());
    let listed = e
        .names(&e.surl(&format!("/items?parent={}", reports())))
        .await;
    assert!(listed.contains(&"in-folder.txt".to_owned()));
    let got = download(&e, r["item"]["id"].as_str().unwrap()).await;
    assert_eq!(got.bytes().await.unwrap().as_ref(), b"inside");

    // Enabled in the gateway but ignored by a Shamrock-like implementation, which puts the
    // file in the root: the caller's choice of a folder is what failed, and no stray file
    // stays behind in the root.
    let e = env_with(onebot::Options::default(), |c| {
        onebot_config(c).upload_to_folders = true
    })
    .await;
    let before = e.names(&e.surl("/items")).await;
    let res = upload(&e, "in-folder.txt", b"x".to_vec(), &parent).await;
    assert_eq!(res.status(), 400);
    let p = problem(res).await;
    assert_eq!(p["code"], "upload_to_folder_not_supported");
    assert_eq!(p["field"], "parent");
    assert_eq!(sim_calls(e.sim(), "upload_group_file").await, 1);
    assert_eq!(e.names(&e.surl("/items")).await, before);
}

#[tokio::test]
async fn bad_uploads_are_refused_before_the_upstream_sees_them() {
    let e = env_with(onebot::Options::default(), |c| {
        onebot_config(c).max_upload_bytes = 1024 * 1024
    })
    .await;
    let c: Value = json_of(e.get(&e.url(""))).await;
    assert_eq!(c["capabilities"]["max_upload_bytes"], 1024 * 1024);
    uploads::bad_ones_are_refused(&e, &e.surl(""), 86).await;
    let res = upload(
        &e,
        "x.txt",
        b"x".to_vec(),
        &format!("&parent={}", welcome()),
    )
    .await;
    assert_eq!(problem(res).await["code"], "not_a_folder");
    assert_eq!(e.upstream_calls().await, 0, "nothing reached the upstream");
    assert_eq!(uploads::spooled_files(&e), 0, "no temp file is left behind");
}

#[tokio::test]
async fn a_full_group_is_507_and_the_upload_is_refused_by_the_upstream() {
    let e = env_of(onebot::Options {
        total_space: 1000,
        ..Default::default()
    })
    .await;
    let res = upload(&e, "big.bin", bytes(2000, 1), "").await;
    assert_eq!(res.status(), 507);
    let p = problem(res).await;
    assert_eq!(p["code"], "insufficient_storage");
    assert_eq!(p["upstream"]["code"], "100");
    let e = env_of(onebot::Options {
        file_count_limit: 4,
        ..Default::default()
    })
    .await;
    let res = upload(&e, "one-more.txt", b"x".to_vec(), "").await;
    assert_eq!(res.status(), 507);
    assert_eq!(problem(res).await["code"], "file_limit_reached");
}

#[tokio::test]
async fn a_private_file_is_sent_to_a_friend() {
    let e = env().await;
    let data = bytes(70_000, 5);
    let res = uploads::upload(&e, &e.furl(""), "给你.pdf", data.clone(), "").await;
    assert_eq!(res.status(), 201);
    let r: Value = res.json().await.unwrap();
    assert_eq!(r["method"], "base64");
    assert_eq!(r["item"]["name"], "给你.pdf");
    assert_eq!(r["item"]["size"], 70_000);
    assert_eq!(r["item"]["md5"], hex::encode(Md5::digest(&data)));
    assert_eq!(
        r["item"]["space_id"],
        super::env::friend_space(demo::FRIEND_ID)
    );
    assert_eq!(sim_calls(e.sim(), "upload_private_file").await, 1);
    let res = send(e.get(&e.furl(&format!("/items/{}", r["item"]["id"].as_str().unwrap())))).await;
    assert_eq!(res.status(), 501, "private files cannot be read back");

    let stranger = e.url(&format!("/spaces/{}", super::env::friend_space(42)));
    let res = uploads::upload(&e, &stranger, "x.txt", b"x".to_vec(), "").await;
    assert_eq!(res.status(), 404);
    assert_eq!(problem(res).await["code"], "space_not_found");
    let res = uploads::upload(
        &e,
        &e.furl(""),
        "x.txt",
        b"x".to_vec(),
        &format!("&parent={}", reports()),
    )
    .await;
    assert_eq!(res.status(), 400);
    assert_eq!(
        sim_calls(e.sim(), "upload_private_file").await,
        1,
        "nothing was sent to a stranger"
    );
    assert_no_path_or_url_was_sent(&e).await;
}

/// The gateway's `file` is always base64 content it produced (README): the simulator, which
/// accepts local paths and URLs as the implementations do, counted none.
async fn assert_no_path_or_url_was_sent(e: &Env) {
    assert_eq!(sim_calls(e.sim(), onebot::PATH_COUNTER).await, 0);
    assert_eq!(sim_calls(e.sim(), onebot::URL_COUNTER).await, 0);
}

#[tokio::test]
async fn a_resumable_upload_completes_as_one_base64_upload() {
    let e = env_with(onebot::Options::default(), uploads::one_mib_parts).await;
    let data = bytes(2 * 1024 * 1024 + 100, 5);
    let s: Value = json_of(
        e.post(&e.surl("/uploads"))
            .json(&json!({"name": "resumed.bin", "size": data.len()})),
    )
    .await;
    let id = s["id"].as_str().unwrap();
    for n in 1..=3usize {
        let part = data[(n - 1) * 1024 * 1024..(n * 1024 * 1024).min(data.len())].to_vec();
        let res = send(
            e.put(&e.surl(&format!("/uploads/{id}/parts/{n}")))
                .body(part),
        )
        .await;
        assert_eq!(res.status(), 200);
    }
    let res = send(e.post(&e.surl(&format!("/uploads/{id}/complete")))).await;
    assert_eq!(res.status(), 201);
    let r: Value = res.json().await.unwrap();
    assert_eq!(r["method"], "base64");
    let got = download(&e, r["item"]["id"].as_str().unwrap()).await;
    assert_eq!(got.bytes().await.unwrap().as_ref(), data.as_slice());
    assert_eq!(sim_calls(e.sim(), "upload_group_file").await, 1);
}

/// Issue 14 item 6: a file over the connection's `max_upload_bytes` is a 413 before any byte
/// goes up, whether its length is declared or only found while spooling.
#[tokio::test]
async fn a_file_over_max_upload_bytes_is_a_413_before_any_byte_goes_up() {
    let e = env_with(onebot::Options::default(), |c| {
        onebot_config(c).max_upload_bytes = 1000
    })
    .await;
    let declared = upload(&e, "big.bin", vec![7u8; 1001], "").await;
    assert_eq!(declared.status(), 413);
    assert_eq!(problem(declared).await["code"], "payload_too_large");
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> = vec![Ok(vec![7u8; 600]), Ok(vec![7u8; 600])];
    let streamed = send(
        e.post(&e.surl("/files?name=big.bin"))
            .body(reqwest::Body::wrap_stream(futures::stream::iter(chunks))),
    )
    .await;
    assert_eq!(streamed.status(), 413);
    assert_eq!(problem(streamed).await["code"], "payload_too_large");
    assert_eq!(e.upstream_calls().await, 0, "nothing reached the upstream");
    assert_eq!(uploads::spooled_files(&e), 0, "no temp file is left behind");
}
