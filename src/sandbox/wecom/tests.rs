//! Checks that need the simulator's insides (its directory, its clock-bound tickets).

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::{Options, Sim, demo, start};

/// The JSON answer to `req`.
async fn answer(req: reqwest::RequestBuilder) -> Value {
    req.send().await.unwrap().json().await.unwrap()
}

async fn call(sim: &Sim, function: &str, body: Value) -> Value {
    let http = reqwest::Client::new();
    let token = answer(
        http.get(format!("{}/cgi-bin/gettoken", sim.base_url))
            .query(&[("corpid", demo::CORP_ID), ("corpsecret", demo::CORP_SECRET)]),
    )
    .await;
    let token = token["access_token"].as_str().unwrap().to_owned();
    answer(
        http.post(format!("{}/cgi-bin/wedrive/{function}", sim.base_url))
            .query(&[("access_token", token)])
            .json(&body),
    )
    .await
}

#[tokio::test]
async fn dropping_the_simulator_removes_the_files_it_stored() {
    let sim = start(Options::default()).await.unwrap();
    let dir = sim.dir().to_owned();
    assert!(std::fs::read_dir(dir.join("blobs")).unwrap().count() >= 3);
    drop(sim);
    assert!(!dir.exists());
}

#[tokio::test]
async fn a_download_url_older_than_two_hours_is_refused() {
    let sim = start(Options::default()).await.unwrap();
    let v = call(&sim, "file_download", json!({ "fileid": demo::FILE_ID })).await;
    for ticket in sim
        .state::<super::App>()
        .unwrap()
        .drive()
        .tickets
        .values_mut()
    {
        ticket.expires = Instant::now() - Duration::from_secs(1);
    }
    let resp = reqwest::Client::new()
        .get(v["download_url"].as_str().unwrap())
        .header(
            "Cookie",
            format!(
                "{}={}",
                v["cookie_name"].as_str().unwrap(),
                v["cookie_value"].as_str().unwrap()
            ),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403);
}

#[tokio::test]
async fn deleting_the_last_file_of_a_content_removes_its_blob() {
    let sim = start(Options::default()).await.unwrap();
    let blobs = sim.dir().join("blobs");
    let before = std::fs::read_dir(&blobs).unwrap().count();
    let v = call(&sim, "file_delete", json!({ "fileid": [demo::FILE_ID] })).await;
    assert_eq!(v["errcode"], 0);
    assert_eq!(std::fs::read_dir(&blobs).unwrap().count(), before - 1);
}
