//! Black-box tests of the benchmark flags of `filegate simulate`: `--no-rate-limit` and
//! `--seed-items N`, run as the bench runs them (a separate process, read over HTTP).

use std::process::{Child, Command, Stdio};

#[path = "sim_support/banner.rs"]
mod banner;
use banner::read_banner;

use filegate::sandbox::{fangcloud, onebot, wecom};
use serde_json::{Value, json};

/// A simulator process, killed when dropped, and the temporary directory it stores its files
/// in (a killed simulator cannot remove them itself).
struct Proc {
    child: Child,
    _dir: tempfile::TempDir,
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `filegate simulate <args>` with `env`: the process, its base URL and its announcement.
fn simulate(args: &[&str], env: &[(&str, &str)]) -> (Proc, String, Vec<String>) {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_filegate"))
        .env("TMPDIR", dir.path())
        .arg("simulate")
        .args(args)
        .envs(env.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let proc = Proc { child, _dir: dir };
    let lines = read_banner(stdout);
    let url = lines[0]
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("{lines:?}"))
        .to_owned();
    (proc, url, lines)
}

/// The id on the demo-data line of the seeded folder.
fn seeded_id(lines: &[String], n: usize) -> String {
    let line = lines
        .iter()
        .find(|l| l.starts_with("#   folder") && l.ends_with(&format!("{n} seeded files")))
        .unwrap_or_else(|| panic!("no seeded folder listed: {lines:?}"));
    line.split_whitespace().nth(2).unwrap().to_owned()
}

/// Sends a request; its JSON answer.
async fn json(req: reqwest::RequestBuilder) -> Value {
    req.send().await.unwrap().json().await.unwrap()
}

async fn fangcloud_user_token(http: &reqwest::Client, url: &str) -> String {
    let (assertion, basic) = fangcloud::demo::user_token_request(chrono::Utc::now().timestamp());
    let v = json(
        http.post(format!("{url}/oauth/token"))
            .query(&[("grant_type", "jwt_simple"), ("assertion", &assertion)])
            .header("authorization", basic),
    )
    .await;
    v["access_token"].as_str().unwrap().to_owned()
}

/// How many of `calls` calls with one token the Fangcloud simulator at `url` refused with 429.
async fn fangcloud_refusals(url: &str, calls: usize) -> usize {
    let http = reqwest::Client::new();
    let token = fangcloud_user_token(&http, url).await;
    let mut refused = 0;
    for _ in 0..calls {
        let status = http
            .get(format!("{url}/api/v2/folder/0/children"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .status();
        if status.as_u16() == 429 {
            refused += 1;
        } else {
            assert!(status.is_success(), "{status}");
        }
    }
    refused
}

// The document's budget is 600 calls a minute per token: call 601 is refused by default,
// never with the flag (or its variable).
#[tokio::test]
async fn no_rate_limit_lifts_the_fangcloud_per_token_budget() {
    let calls = fangcloud::Options::default().rate_limit as usize + 5;
    let (_p, url, _) = simulate(&["fangcloud"], &[]);
    assert_eq!(fangcloud_refusals(&url, calls).await, 5);
    let (_p, url, _) = simulate(&["fangcloud", "--no-rate-limit"], &[]);
    assert_eq!(fangcloud_refusals(&url, calls).await, 0);
    let (_p, url, _) = simulate(
        &["fangcloud"],
        &[("FILEGATE_SIMULATE_NO_RATE_LIMIT", "true")],
    );
    assert_eq!(fangcloud_refusals(&url, calls).await, 0);
}

const N: usize = 250;

fn names(items: &[Value], field: &str) -> Vec<String> {
    let mut v: Vec<String> = items
        .iter()
        .map(|i| i[field].as_str().unwrap().to_owned())
        .collect();
    v.sort();
    v
}

fn expected() -> Vec<String> {
    (1..=N).map(|i| format!("item-{i:05}.txt")).collect()
}

#[tokio::test]
async fn seed_items_adds_a_wecom_folder_of_n_files() {
    let (_p, url, lines) = simulate(&["wecom", "--seed-items", &N.to_string()], &[]);
    let folder = seeded_id(&lines, N);
    let http = reqwest::Client::new();
    let t = json(http.get(format!("{url}/cgi-bin/gettoken")).query(&[
        ("corpid", wecom::demo::CORP_ID),
        ("corpsecret", wecom::demo::CORP_SECRET),
    ]))
    .await;
    let list = |fatherid: String| {
        let http = http.clone();
        let url = url.clone();
        let token = t["access_token"].as_str().unwrap().to_owned();
        async move {
            let v = json(
                http.post(format!("{url}/cgi-bin/wedrive/file_list"))
                    .query(&[("access_token", token)])
                    .json(&json!({
                        "spaceid": wecom::demo::SPACE_ID, "fatherid": fatherid,
                        "sort_type": 1, "start": 0, "limit": 1000,
                    })),
            )
            .await;
            assert_eq!(v["errcode"], 0, "{v}");
            v["file_list"]["item"].as_array().unwrap().clone()
        }
    };
    let items = list(folder.clone()).await;
    assert_eq!(names(&items, "file_name"), expected());
    let root = list(wecom::demo::SPACE_ID.to_owned()).await;
    assert!(
        root.iter()
            .any(|i| i["fileid"] == folder.as_str() && i["file_name"] == "Seeded"),
        "{root:?}"
    );
    // Without the flag there is no such folder.
    let (_p, _, lines) = simulate(&["wecom"], &[]);
    assert!(!lines.iter().any(|l| l.ends_with("seeded files")));
}

#[tokio::test]
async fn seed_items_adds_a_fangcloud_folder_of_n_files() {
    let (_p, url, lines) = simulate(
        &["fangcloud"],
        &[("FILEGATE_SIMULATE_SEED_ITEMS", &N.to_string())],
    );
    let folder = seeded_id(&lines, N);
    let http = reqwest::Client::new();
    let token = fangcloud_user_token(&http, &url).await;
    let v = json(
        http.get(format!("{url}/api/v2/folder/{folder}/children"))
            .query(&[("page_id", "0"), ("page_capacity", "1000")])
            .bearer_auth(&token),
    )
    .await;
    assert_eq!(v["total_count"], N, "{v}");
    assert_eq!(names(v["files"].as_array().unwrap(), "name"), expected());
}

#[tokio::test]
async fn seed_items_adds_a_onebot_folder_of_n_files() {
    let (_p, url, lines) = simulate(&["onebot", "--seed-items", &N.to_string()], &[]);
    let folder = seeded_id(&lines, N);
    assert_eq!(folder, onebot::demo::SEEDED_FOLDER_ID);
    let v = json(
        reqwest::Client::new()
            .post(format!("{url}/get_group_files_by_folder"))
            .bearer_auth(onebot::demo::ACCESS_TOKEN)
            .json(&json!({ "group_id": onebot::demo::GROUP_ID, "folder_id": folder })),
    )
    .await;
    assert_eq!(v["status"], "ok", "{v}");
    assert_eq!(
        names(v["data"]["files"].as_array().unwrap(), "file_name"),
        expected()
    );
}
