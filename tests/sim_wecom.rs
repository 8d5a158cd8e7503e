//! Black-box tests of the WeCom WeDrive simulator over HTTP.

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use filegate::providers::wecom::block_sha::{BLOCK_SIZE, block_sha};
use filegate::providers::wecom::errcodes as ec;
use filegate::sandbox::wecom::{self, Options, demo};
use serde_json::{Value, json};
use sha1::{Digest, Sha1};

mod sim_support;

struct Env {
    sim: wecom::Sim,
    http: reqwest::Client,
    token: String,
}

async fn env() -> Env {
    env_with(|_| {}).await
}

/// A simulator with the default options but for what `change` sets, and its demo token.
async fn env_with(change: impl FnOnce(&mut Options)) -> Env {
    let mut opts = Options::default();
    change(&mut opts);
    let sim = wecom::start(opts).await.expect("simulator starts");
    let http = reqwest::Client::new();
    let mut env = Env {
        sim,
        http,
        token: String::new(),
    };
    env.token = env.fetch_token().await;
    env
}

impl Env {
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.sim.base_url)
    }

    async fn gettoken(&self, corpid: &str, secret: &str) -> Value {
        let resp = self
            .http
            .get(self.url("/cgi-bin/gettoken"))
            .query(&[("corpid", corpid), ("corpsecret", secret)])
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
        resp.json().await.unwrap()
    }

    async fn fetch_token(&self) -> String {
        let v = self.gettoken(demo::CORP_ID, demo::CORP_SECRET).await;
        assert_eq!(v["errcode"], 0, "{v}");
        v["access_token"].as_str().unwrap().to_owned()
    }

    async fn raw(&self, function: &str, token: Option<&str>, body: String) -> reqwest::Response {
        let mut req = self
            .http
            .post(self.url(&format!("/cgi-bin/wedrive/{function}")));
        if let Some(t) = token {
            req = req.query(&[("access_token", t)]);
        }
        req.body(body).send().await.unwrap()
    }

    async fn call_with(&self, function: &str, token: Option<&str>, body: Value) -> Value {
        let resp = self.raw(function, token, body.to_string()).await;
        assert_eq!(resp.status(), 200, "{function}");
        resp.json().await.unwrap()
    }

    async fn call(&self, function: &str, body: Value) -> Value {
        self.call_with(function, Some(&self.token), body).await
    }

    async fn ok(&self, function: &str, body: Value) -> Value {
        let v = self.call(function, body).await;
        assert_eq!(v["errcode"], 0, "{function}: {v}");
        assert_eq!(v["errmsg"], "ok");
        v
    }

    async fn err(&self, function: &str, body: Value) -> i64 {
        let v = self.call(function, body).await;
        assert_ne!(v["errcode"], 0, "{function} should fail: {v}");
        assert!(v["errmsg"].is_string());
        v["errcode"].as_i64().unwrap()
    }

    /// A call expected to fail with this errcode.
    async fn assert_errcode(&self, function: &str, body: Value, errcode: i64) {
        assert_eq!(self.err(function, body).await, errcode, "{function}");
    }

    /// Several calls, each expected to fail with its errcode.
    async fn assert_errcodes<const N: usize>(&self, calls: [(&str, Value, i64); N]) {
        for (function, body, errcode) in calls {
            self.assert_errcode(function, body, errcode).await;
        }
    }

    async fn sim_post(&self, path: &str, body: Value) {
        let path = path.trim_start_matches("/__sim/");
        let status = sim_support::control(&self.sim.base_url, path, body).await;
        assert!(status.is_success(), "{path}");
    }

    async fn stats(&self) -> Value {
        sim_support::stats(&self.sim.base_url).await
    }

    async fn list(&self, spaceid: &str, fatherid: &str, sort_type: u32) -> Vec<Value> {
        let v = self
            .ok(
                "file_list",
                json!({"spaceid": spaceid, "fatherid": fatherid, "sort_type": sort_type, "start": 0, "limit": 1000}),
            )
            .await;
        v["file_list"]["item"].as_array().unwrap().clone()
    }

    async fn names(&self, spaceid: &str, fatherid: &str, sort_type: u32) -> Vec<String> {
        sim_support::texts(&self.list(spaceid, fatherid, sort_type).await, "file_name")
    }

    async fn info(&self, fileid: &str) -> Value {
        self.ok("file_info", json!({ "fileid": fileid })).await["file_info"].clone()
    }

    async fn new_space(&self) -> String {
        let v = self
            .ok("space_create", json!({"space_name": "Test space"}))
            .await;
        v["spaceid"].as_str().unwrap().to_owned()
    }

    async fn create(&self, spaceid: &str, fatherid: &str, file_type: u32, name: &str) -> Value {
        self.ok(
            "file_create",
            json!({"spaceid": spaceid, "fatherid": fatherid, "file_type": file_type, "file_name": name}),
        )
        .await
    }

    async fn upload(&self, spaceid: &str, fatherid: &str, name: &str, data: &[u8]) -> String {
        let v = self
            .ok(
                "file_upload",
                json!({"spaceid": spaceid, "fatherid": fatherid, "file_name": name,
                       "file_base64_content": B64.encode(data)}),
            )
            .await;
        v["fileid"].as_str().unwrap().to_owned()
    }

    /// file_download, then GET with the cookie; returns (status, headers, body).
    async fn download(
        &self,
        fileid: &str,
        range: Option<&str>,
    ) -> (u16, reqwest::header::HeaderMap, Vec<u8>) {
        let v = self.ok("file_download", json!({ "fileid": fileid })).await;
        let url = v["download_url"].as_str().unwrap();
        assert!(url.starts_with(&self.sim.base_url), "{url}");
        let cookie = format!(
            "{}={}",
            v["cookie_name"].as_str().unwrap(),
            v["cookie_value"].as_str().unwrap()
        );
        let mut req = self.http.get(url).header("Cookie", cookie);
        if let Some(r) = range {
            req = req.header("Range", r);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        (status, headers, resp.bytes().await.unwrap().to_vec())
    }

    /// `file_upload_init` of `data` into the demo space's root; answers the upload key.
    async fn upload_init(&self, name: &str, data: &[u8]) -> String {
        let v = self
            .ok(
                "file_upload_init",
                json!({"spaceid": demo::SPACE_ID, "fatherid": demo::SPACE_ID,
                       "file_name": name, "size": data.len(), "block_sha": block_sha(data)}),
            )
            .await;
        v["upload_key"].as_str().unwrap().to_owned()
    }

    /// A token fetched now differs from the first one and is accepted.
    async fn a_fresh_token_works(&self) {
        let fresh = self.fetch_token().await;
        assert_ne!(fresh, self.token);
        let v = self
            .call_with("space_info", Some(&fresh), demo_space())
            .await;
        assert_eq!(v["errcode"], 0, "{v}");
    }

    async fn rest_capacity(&self) -> u64 {
        self.ok("mng_capacity", json!({})).await["rest_capacity_for_all"]
            .as_u64()
            .unwrap()
    }
}

/// The body of `file_upload_part` number `index` (from 1).
fn upload_part(key: &str, index: usize, bytes: &[u8]) -> Value {
    json!({"upload_key": key, "index": index, "file_base64_content": B64.encode(bytes)})
}

/// The body naming the demo space.
fn demo_space() -> Value {
    json!({ "spaceid": demo::SPACE_ID })
}

fn ids(items: &[Value]) -> Vec<&str> {
    items
        .iter()
        .map(|i| i["fileid"].as_str().unwrap())
        .collect()
}

// ---------------------------------------------------------------- tokens

#[tokio::test]
async fn gettoken_issues_a_token_with_its_lifetime_and_counts_each_fetch() {
    let e = env().await;
    let v = e.gettoken(demo::CORP_ID, demo::CORP_SECRET).await;
    assert_eq!(v["errcode"], 0);
    assert_eq!(v["errmsg"], "ok");
    assert!(v["access_token"].as_str().unwrap().len() >= 64);
    let expires_in = v["expires_in"].as_u64().unwrap();
    assert!((7199..=7200).contains(&expires_in), "{expires_in}");
    assert_eq!(e.stats().await["token_fetches"], 2);
}

#[tokio::test]
async fn a_repeated_gettoken_answers_the_same_live_token() {
    let e = env().await;
    assert_eq!(e.fetch_token().await, e.token);
}

#[tokio::test]
async fn gettoken_rejects_a_wrong_corpid_or_secret_with_wecom_codes() {
    let e = env().await;
    assert_eq!(
        e.gettoken("wwnotmycorp", demo::CORP_SECRET).await["errcode"],
        ec::INVALID_CORPID
    );
    assert_eq!(
        e.gettoken(demo::CORP_ID, "wrong").await["errcode"],
        ec::INVALID_SECRET
    );
    assert_eq!(
        e.gettoken("", demo::CORP_SECRET).await["errcode"],
        ec::MISSING_CORPID
    );
    assert_eq!(
        e.gettoken(demo::CORP_ID, "").await["errcode"],
        ec::MISSING_SECRET
    );
    let v = e.gettoken(demo::CORP_ID, "wrong").await;
    assert!(v.get("access_token").is_none());
    assert_eq!(
        e.stats().await["token_fetches"],
        1,
        "failures issue nothing"
    );
}

#[tokio::test]
async fn calls_without_a_token_answer_41001_and_with_an_unknown_token_40014() {
    let e = env().await;
    let body = demo_space();
    let v = e.call_with("space_info", None, body.clone()).await;
    assert_eq!(v["errcode"], ec::MISSING_ACCESS_TOKEN);
    let v = e.call_with("space_info", Some(""), body.clone()).await;
    assert_eq!(v["errcode"], ec::MISSING_ACCESS_TOKEN);
    let v = e.call_with("space_info", Some("not-a-token"), body).await;
    assert_eq!(v["errcode"], ec::INVALID_ACCESS_TOKEN);
    assert!(v["errmsg"].as_str().unwrap().contains("40014"));
}

#[tokio::test]
async fn an_expired_token_answers_42001_and_gettoken_then_issues_a_new_one() {
    let e = env_with(|o| o.token_ttl = Duration::from_secs(1)).await;
    assert_eq!(
        e.gettoken(demo::CORP_ID, demo::CORP_SECRET).await["expires_in"],
        1
    );
    e.ok("space_info", demo_space()).await;
    tokio::time::sleep(Duration::from_millis(1100)).await;
    e.assert_errcode("space_info", demo_space(), ec::ACCESS_TOKEN_EXPIRED)
        .await;
    e.a_fresh_token_works().await;
}

#[tokio::test]
async fn revoked_tokens_answer_40014_until_a_new_one_is_fetched() {
    let e = env().await;
    e.sim_post("/__sim/tokens/revoke", json!({})).await;
    e.assert_errcode("space_info", demo_space(), ec::INVALID_ACCESS_TOKEN)
        .await;
    e.a_fresh_token_works().await;
}

#[tokio::test]
async fn a_revoke_tokens_fault_fails_the_call_in_flight() {
    let e = env().await;
    e.sim_post(
        "/__sim/faults",
        json!({"path": "file_list", "type": "revoke_tokens"}),
    )
    .await;
    let body = json!({"spaceid": demo::SPACE_ID, "fatherid": demo::SPACE_ID, "sort_type": 1, "start": 0, "limit": 10});
    e.assert_errcode("file_list", body, ec::INVALID_ACCESS_TOKEN)
        .await;
}

#[tokio::test]
async fn the_per_token_call_budget_answers_45009_once_spent() {
    let e = env_with(|o| o.calls_per_minute = Some(3)).await;
    let body = demo_space();
    for _ in 0..3 {
        e.ok("space_info", body.clone()).await;
    }
    e.assert_errcode("space_info", body, ec::API_FREQ_OUT_OF_LIMIT)
        .await;
}

// ---------------------------------------------------------------- faults and stats

#[tokio::test]
async fn an_injected_rate_limit_answers_45009_with_http_200() {
    let e = env().await;
    e.sim_post(
        "/__sim/faults",
        json!({"path": "space_info", "type": "rate_limit"}),
    )
    .await;
    let body = demo_space();
    e.assert_errcode("space_info", body.clone(), ec::API_FREQ_OUT_OF_LIMIT)
        .await;
    e.ok("space_info", body).await;
}

#[tokio::test]
async fn an_injected_error_answers_its_errcode_in_the_wecom_envelope() {
    let e = env().await;
    e.sim_post(
        "/__sim/faults",
        json!({"path": "file_info", "type": "error", "code": "-1", "times": 2}),
    )
    .await;
    let body = json!({ "fileid": demo::FILE_ID });
    for (body, errcode) in [
        (body.clone(), ec::SYSTEM_BUSY),
        (body.clone(), ec::SYSTEM_BUSY),
    ] {
        e.assert_errcode("file_info", body, errcode).await;
    }
    e.ok("file_info", body).await;
}

#[tokio::test]
async fn an_injected_server_error_answers_its_http_status_with_errcode_minus_1_in_the_envelope() {
    let e = env().await;
    // Queued in order: 503 as given, then the default status (500).
    for fault in [
        json!({"path": "space_info", "type": "server_error", "status": 503}),
        json!({"path": "space_info", "type": "server_error"}),
    ] {
        e.sim_post("/__sim/faults", fault).await;
    }
    for status in [503, 500] {
        let resp = e
            .raw("space_info", Some(&e.token), demo_space().to_string())
            .await;
        assert_eq!(resp.status(), status);
        assert!(
            resp.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("application/json")
        );
        let v: Value = resp.json().await.unwrap();
        assert_eq!(v["errcode"], ec::SYSTEM_BUSY, "{v}");
        assert!(v["errmsg"].as_str().is_some_and(|m| !m.is_empty()), "{v}");
    }
    e.ok("space_info", demo_space()).await;
}

#[tokio::test]
async fn status_malformed_and_latency_faults_reach_the_token_endpoint_too() {
    let e = env().await;
    e.sim_post(
        "/__sim/faults",
        json!({"path": "gettoken", "type": "status", "status": 502}),
    )
    .await;
    let resp = e
        .http
        .get(e.url("/cgi-bin/gettoken"))
        .query(&[("corpid", demo::CORP_ID), ("corpsecret", demo::CORP_SECRET)])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 502);
    e.sim_post(
        "/__sim/faults",
        json!({"path": "space_info", "type": "malformed"}),
    )
    .await;
    let resp = e
        .raw(
            "space_info",
            Some(&e.token),
            json!({"spaceid": demo::SPACE_ID}).to_string(),
        )
        .await;
    assert_eq!(resp.status(), 200);
    assert!(resp.json::<Value>().await.is_err());
    e.sim_post(
        "/__sim/faults",
        json!({"path": "space_info", "type": "latency", "ms": 200}),
    )
    .await;
    let started = std::time::Instant::now();
    e.ok("space_info", demo_space()).await;
    assert!(started.elapsed() >= Duration::from_millis(200));
}

#[tokio::test]
async fn stats_count_every_function_served() {
    let e = env().await;
    e.ok("space_info", demo_space()).await;
    e.err("space_info", json!({ "spaceid": "nope" })).await;
    e.ok("mng_capacity", json!({})).await;
    let stats = e.stats().await;
    assert_eq!(stats["calls"]["space_info"], 2);
    assert_eq!(stats["calls"]["mng_capacity"], 1);
    e.sim_post("/__sim/reset", json!({})).await;
    assert_eq!(e.stats().await["calls"], json!({}));
}

#[tokio::test]
async fn unknown_functions_and_paths_answer_48001_and_wrong_methods_4300x_in_the_envelope() {
    let e = env().await;
    let v = e.call("file_teleport", json!({})).await;
    assert_eq!(v["errcode"], 48001, "{v}");
    for (request, errcode) in [
        (e.http.get(e.url("/cgi-bin/nowhere")), 48001),
        (e.http.post(e.url("/nowhere/at/all")), 48001),
        (e.http.get(e.url("/cgi-bin/wedrive/file_list")), 43002),
        (e.http.post(e.url("/cgi-bin/gettoken")), 43001),
        (e.http.post(e.url("/wedrive/download/k")), 43001),
        (e.http.post(e.url("/s?k=x")), 43001),
        (e.http.delete(e.url("/wedoc/doc/x")), 43001),
    ] {
        let resp = request.send().await.unwrap();
        assert_eq!(resp.status(), 200);
        let v: Value = resp.json().await.unwrap();
        assert_eq!(v["errcode"], errcode, "{v}");
        assert!(v["errmsg"].is_string(), "{v}");
    }
}

// ---------------------------------------------------------------- request validation

#[tokio::test]
async fn a_body_that_is_not_a_json_object_answers_47001() {
    let e = env().await;
    for body in ["{\"spaceid\":", "spaceid=1", "[1]"] {
        let resp = e.raw("space_info", Some(&e.token), body.into()).await;
        assert_eq!(resp.status(), 200);
        let v: Value = resp.json().await.unwrap();
        assert_eq!(v["errcode"], ec::DATA_FORMAT_ERROR, "{body}");
    }
}

#[tokio::test]
async fn a_field_of_the_wrong_type_answers_640011() {
    let e = env().await;
    e.assert_errcode("space_info", json!({ "spaceid": 7 }), ec::JSON_MISMATCH)
        .await;
    let body = json!({"spaceid": demo::SPACE_ID, "fatherid": demo::SPACE_ID, "sort_type": "1", "start": 0, "limit": 10});
    e.assert_errcode("file_list", body, ec::JSON_MISMATCH).await;
    let body = json!({"spaceid": demo::SPACE_ID, "fatherid": demo::SPACE_ID, "sort_type": 1, "start": -1, "limit": 10});
    e.assert_errcode("file_list", body, ec::JSON_MISMATCH).await;
    let body = json!({"fileid": demo::FILE_ID, "watermark": {"show_visitor_name": "yes"}});
    e.assert_errcode("file_secure_setting", body, ec::JSON_MISMATCH)
        .await;
}

// ---------------------------------------------------------------- spaces

#[tokio::test]
async fn space_create_makes_a_space_whose_info_lists_its_members() {
    let e = env().await;
    let v = e
        .ok(
            "space_create",
            json!({"space_name": "项目空间", "space_sub_type": 0, "auth_info": [
                {"type": 1, "userid": "wangwu", "auth": 7},
                {"type": 2, "departmentid": 2, "auth": 1},
                {"type": 1, "userid": "zhouba", "auth": 4}]}),
        )
        .await;
    let spaceid = v["spaceid"].as_str().unwrap();
    let info = e.ok("space_info", json!({ "spaceid": spaceid })).await["space_info"].clone();
    assert_eq!(info["spaceid"], spaceid);
    assert_eq!(info["space_name"], "项目空间");
    assert_eq!(info["space_sub_type"], 0);
    assert_eq!(
        info["auth_list"]["auth_info"],
        json!([{"type": 1, "userid": "wangwu", "auth": 7},
               {"type": 2, "departmentid": 2, "auth": 1},
               {"type": 1, "userid": "zhouba", "auth": 4}])
    );
    assert_eq!(info["auth_list"]["quit_userid"], json!([]));
    assert!(info.get("secure_setting").is_none());
    let info = e.ok("new_space_info", json!({ "spaceid": spaceid })).await["space_info"].clone();
    let s = &info["secure_setting"];
    assert_eq!(s["enable_watermark"], false);
    assert_eq!(s["default_file_scope"], 2);
    for key in [
        "add_member_only_admin",
        "enable_share_url",
        "share_url_no_approve",
        "enable_share_external",
        "enable_space_add_external_member",
        "enable_confidential_mode",
        "create_file_only_admin",
    ] {
        assert!(s[key].is_boolean(), "{key}");
    }
    assert_eq!(e.list(spaceid, spaceid, 1).await, Vec::<Value>::new());
}

#[tokio::test]
async fn space_create_validates_the_name_the_auths_and_the_ids() {
    let e = env().await;
    let e = &e;
    let create = |body: Value| async move { e.err("space_create", body).await };
    assert_eq!(create(json!({})).await, ec::INVALID_SPACE_NAME);
    assert_eq!(
        create(json!({"space_name": "盘".repeat(128)})).await,
        ec::INVALID_SPACE_NAME
    );
    assert_eq!(
        create(json!({"space_name": "x", "space_sub_type": 1})).await,
        ec::INVALID_PARAMETER
    );
    let with = |member: Value| json!({"space_name": "x", "auth_info": [member]});
    assert_eq!(
        create(with(json!({"type": 1, "userid": "lisi", "auth": 2}))).await,
        ec::INVALID_AUTH
    );
    assert_eq!(
        create(with(json!({"type": 2, "departmentid": 2, "auth": 7}))).await,
        ec::INVALID_AUTH
    );
    assert_eq!(
        create(with(json!({"type": 1, "userid": "ghost", "auth": 1}))).await,
        ec::INVALID_USERID
    );
    assert_eq!(
        create(with(json!({"type": 2, "departmentid": 99, "auth": 1}))).await,
        ec::INVALID_DEPARTMENTID
    );
    assert_eq!(
        create(with(json!({"type": 3, "userid": "lisi", "auth": 1}))).await,
        ec::INVALID_PARAMETER
    );
    let admins: Vec<Value> = ["lisi", "wangwu", "zhaoliu", "sunqi"]
        .iter()
        .map(|u| json!({"type": 1, "userid": u, "auth": 7}))
        .collect();
    assert_eq!(
        create(json!({"space_name": "x", "auth_info": admins})).await,
        ec::PARAMETER_ERROR
    );
    e.ok("space_create", json!({"space_name": "盘".repeat(127)}))
        .await;
}

#[tokio::test]
async fn space_rename_renames_and_space_dismiss_makes_the_space_and_its_files_unknown() {
    let e = env().await;
    e.ok(
        "space_rename",
        json!({"spaceid": demo::SPACE_ID, "space_name": "Renamed"}),
    )
    .await;
    let info = e.ok("space_info", demo_space()).await;
    assert_eq!(info["space_info"]["space_name"], "Renamed");
    for (body, errcode) in [
        (
            json!({"spaceid": demo::SPACE_ID, "space_name": ""}),
            ec::INVALID_SPACE_NAME,
        ),
        (json!({"space_name": "x"}), ec::INVALID_SPACEID),
    ] {
        e.assert_errcode("space_rename", body, errcode).await;
    }
    e.ok("space_dismiss", demo_space()).await;
    e.assert_errcodes([
        ("space_info", demo_space(), ec::SPACE_NOT_FOUND),
        (
            "file_info",
            json!({ "fileid": demo::FILE_ID }),
            ec::FILE_NOT_FOUND,
        ),
        ("space_dismiss", demo_space(), ec::SPACE_NOT_FOUND),
    ])
    .await;
}

#[tokio::test]
async fn space_acl_add_allows_three_admins_counting_those_already_set() {
    let e = env().await;
    let add = |members: Value| json!({"spaceid": demo::SPACE_ID, "auth_info": members});
    e.ok(
        "space_acl_add",
        add(json!([{"type": 1, "userid": "wangwu", "auth": 7},
                                      {"type": 1, "userid": "zhouba", "auth": 7}])),
    )
    .await;
    e.assert_errcode(
        "space_acl_add",
        add(json!([{"type": 1, "userid": "wujiu", "auth": 7}])),
        ec::PARAMETER_ERROR,
    )
    .await;
    // Re-setting an existing admin does not add one; demoting one frees a seat.
    e.ok(
        "space_acl_add",
        add(json!([{"type": 1, "userid": demo::ADMIN_USER, "auth": 7}])),
    )
    .await;
    e.ok("space_acl_add", add(json!([{"type": 1, "userid": "zhouba", "auth": 4}, {"type": 1, "userid": "wujiu", "auth": 7}])))
        .await;
    for (body, errcode) in [
        (add(json!([])), ec::INVALID_PARAMETER),
        (
            json!({"spaceid": "s.unknown", "auth_info": [{"type": 1, "userid": "lisi", "auth": 1}]}),
            ec::SPACE_NOT_FOUND,
        ),
    ] {
        e.assert_errcode("space_acl_add", body, errcode).await;
    }
    let info = e.ok("space_info", demo_space()).await;
    let admins: Vec<&str> = info["space_info"]["auth_list"]["auth_info"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["auth"] == 7)
        .map(|m| m["userid"].as_str().unwrap())
        .collect();
    assert_eq!(admins, vec![demo::ADMIN_USER, "wangwu", "wujiu"]);
}

#[tokio::test]
async fn space_acl_del_removes_members_and_lists_department_users_as_quit() {
    let e = env().await;
    let del = |members: Value| json!({"spaceid": demo::SPACE_ID, "auth_info": members});
    let info = e.ok("space_info", demo_space()).await;
    assert_eq!(
        info["space_info"]["auth_list"]["quit_userid"],
        json!([demo::QUIT_USER])
    );
    e.ok(
        "space_acl_del",
        del(json!([{"type": 1, "userid": demo::MEMBER_USER}, {"type": 1, "userid": "wangwu"}])),
    )
    .await;
    let info = e.ok("space_info", demo_space()).await;
    let list = &info["space_info"]["auth_list"];
    assert!(!list["auth_info"].to_string().contains(demo::MEMBER_USER));
    assert_eq!(list["quit_userid"], json!([demo::QUIT_USER, "wangwu"]));
    for (body, errcode) in [
        (
            del(json!([{"type": 1, "userid": "zhouba"}])),
            ec::MEMBER_NOT_IN_SPACE,
        ),
        (
            del(json!([{"type": 2, "departmentid": 4}])),
            ec::MEMBER_NOT_IN_SPACE,
        ),
    ] {
        e.assert_errcode("space_acl_del", body, errcode).await;
    }
    // Removing the department ends the quit list of its users.
    e.ok(
        "space_acl_del",
        del(json!([{"type": 2, "departmentid": demo::MEMBER_DEPARTMENT}])),
    )
    .await;
    let info = e.ok("space_info", demo_space()).await;
    assert_eq!(info["space_info"]["auth_list"]["quit_userid"], json!([]));
}

#[tokio::test]
async fn space_setting_works_only_on_spaces_this_app_created() {
    let e = env().await;
    e.assert_errcode(
        "space_setting",
        json!({"spaceid": demo::USER_SPACE_ID, "enable_watermark": true}),
        ec::NO_PERMISSION,
    )
    .await;
    e.ok(
        "space_setting",
        json!({"spaceid": demo::SPACE_ID, "enable_watermark": true, "enable_confidential_mode": true,
               "default_file_scope": 1, "ban_share_external": true}),
    )
    .await;
    let v = e.ok("new_space_info", demo_space()).await;
    let s = &v["space_info"]["secure_setting"];
    assert_eq!(s["enable_watermark"], true);
    assert_eq!(s["enable_confidential_mode"], true);
    assert_eq!(s["default_file_scope"], 1);
    assert_eq!(s["enable_share_external"], false);
    // Absent fields keep their value.
    e.ok("space_setting", demo_space()).await;
    let v = e.ok("new_space_info", demo_space()).await;
    assert_eq!(v["space_info"]["secure_setting"]["enable_watermark"], true);
    e.assert_errcode(
        "space_setting",
        json!({"spaceid": demo::SPACE_ID, "default_file_scope": 3}),
        ec::INVALID_AUTH_SCOPE,
    )
    .await;
    let created = e.new_space().await;
    e.ok(
        "space_setting",
        json!({"spaceid": created, "enable_watermark": true}),
    )
    .await;
}

#[tokio::test]
async fn space_share_answers_a_stable_invite_link_that_opens() {
    let e = env().await;
    let a = e.ok("space_share", demo_space()).await;
    let b = e.ok("space_share", demo_space()).await;
    let url = a["space_share_url"].as_str().unwrap();
    assert_eq!(url, b["space_share_url"].as_str().unwrap());
    let page = e.http.get(url).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains(demo::SPACE_NAME));
    e.assert_errcode(
        "space_share",
        json!({"spaceid": "s.gone"}),
        ec::SPACE_NOT_FOUND,
    )
    .await;
}

// ---------------------------------------------------------------- listing

#[tokio::test]
async fn file_list_of_the_demo_root_answers_the_documented_fields() {
    let e = env().await;
    let v = e
        .ok(
            "file_list",
            json!({"spaceid": demo::SPACE_ID, "fatherid": demo::SPACE_ID, "sort_type": 1, "start": 0, "limit": 100}),
        )
        .await;
    assert_eq!(v["has_more"], false);
    assert_eq!(v["next_start"], 4);
    let items = v["file_list"]["item"].as_array().unwrap();
    assert_eq!(
        ids(items),
        vec![
            demo::FOLDER_ID,
            demo::IMAGES_FOLDER_ID,
            demo::DOC_ID,
            demo::FILE_ID
        ]
    );
    for item in items {
        assert_eq!(item["spaceid"], demo::SPACE_ID);
        assert_eq!(item["fatherid"], demo::SPACE_ID);
        assert_eq!(item["file_status"], 1);
        for key in ["ctime", "mtime", "file_size", "file_type"] {
            assert!(item[key].is_u64(), "{key}");
        }
        assert_eq!(
            item.get("url").is_some(),
            item["file_type"] == 3,
            "url only for documents"
        );
    }
    let readme = &items[3];
    assert_eq!(readme["file_type"], 2);
    assert_eq!(readme["file_size"], demo::README_CONTENT.len());
    assert_eq!(
        readme["sha"],
        hex::encode(Sha1::digest(demo::README_CONTENT.as_bytes()))
    );
    assert_eq!(readme["md5"].as_str().unwrap().len(), 32);
    let doc = e
        .http
        .get(items[2]["url"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(doc.status(), 200);
    let nested = e.list(demo::SPACE_ID, demo::NESTED_FOLDER_ID, 1).await;
    assert_eq!(ids(&nested), vec![demo::BINARY_FILE_ID]);
    assert_eq!(nested[0]["file_size"], demo::BINARY_FILE_SIZE);
}

#[tokio::test]
async fn file_list_sorts_in_all_six_orders() {
    let e = env().await;
    let root = demo::SPACE_ID;
    let by_name = ["Documents", "Images", "Meeting notes", "readme.txt"];
    let rev = |v: &[&str]| v.iter().rev().map(|s| s.to_string()).collect::<Vec<_>>();
    let own = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    assert_eq!(e.names(root, root, 1).await, own(&by_name));
    assert_eq!(e.names(root, root, 2).await, rev(&by_name));
    // Sizes 0, 0, 0 and the readme: ties fall back to the name.
    let by_size = ["Documents", "Images", "Meeting notes", "readme.txt"];
    assert_eq!(e.names(root, root, 3).await, own(&by_size));
    assert_eq!(e.names(root, root, 4).await, rev(&by_size));
    let by_mtime = ["Documents", "Images", "readme.txt", "Meeting notes"];
    assert_eq!(e.names(root, root, 5).await, own(&by_mtime));
    assert_eq!(e.names(root, root, 6).await, rev(&by_mtime));
    let in_docs = ["Budget", "Reports", "config.json"];
    assert_eq!(e.names(root, demo::FOLDER_ID, 1).await, own(&in_docs));
    assert_eq!(
        e.names(root, demo::FOLDER_ID, 4).await,
        own(&["config.json", "Reports", "Budget"])
    );
}

#[tokio::test]
async fn file_list_pages_with_start_limit_has_more_and_next_start() {
    let e = env().await;
    let space = e.new_space().await;
    for i in 0..25 {
        e.create(&space, &space, 1, &format!("folder-{i:02}")).await;
    }
    let mut seen = Vec::new();
    let mut start = 0;
    loop {
        let v = e
            .ok("file_list", json!({"spaceid": space, "fatherid": space, "sort_type": 1, "start": start, "limit": 10}))
            .await;
        let items = v["file_list"]["item"].as_array().unwrap();
        seen.extend(
            items
                .iter()
                .map(|i| i["file_name"].as_str().unwrap().to_owned()),
        );
        start = v["next_start"].as_u64().unwrap();
        if v["has_more"] == false {
            break;
        }
        assert_eq!(items.len(), 10);
    }
    assert_eq!(start, 25);
    let expected: Vec<String> = (0..25).map(|i| format!("folder-{i:02}")).collect();
    assert_eq!(seen, expected);
    let v = e
        .ok(
            "file_list",
            json!({"spaceid": space, "fatherid": space, "sort_type": 1, "start": 40, "limit": 10}),
        )
        .await;
    assert_eq!(v["has_more"], false);
    assert_eq!(v["file_list"]["item"], json!([]));
    e.ok(
        "file_list",
        json!({"spaceid": space, "fatherid": space, "sort_type": 1, "start": 0, "limit": 1000}),
    )
    .await;
    for (sort, limit) in [(1, 1001), (1, 0), (0, 10), (7, 10)] {
        let body = json!({"spaceid": space, "fatherid": space, "sort_type": sort, "start": 0, "limit": limit});
        assert_eq!(
            e.err("file_list", body).await,
            ec::INVALID_PARAMETER,
            "sort {sort} limit {limit}"
        );
    }
}

#[tokio::test]
async fn file_list_rejects_unknown_spaces_and_bad_fatherids() {
    let e = env().await;
    let list = |spaceid: &str, fatherid: &str| json!({"spaceid": spaceid, "fatherid": fatherid, "sort_type": 1, "start": 0, "limit": 10});
    assert_eq!(
        e.err("file_list", list("", demo::SPACE_ID)).await,
        ec::INVALID_SPACEID
    );
    for (body, errcode) in [
        (list("s.nope", "s.nope"), ec::SPACE_NOT_FOUND),
        (list(demo::SPACE_ID, ""), ec::INVALID_FATHERID),
        (list(demo::SPACE_ID, demo::FILE_ID), ec::INVALID_FATHERID),
        (list(demo::SPACE_ID, "x_f.1"), ec::INVALID_FATHERID),
        (
            list(demo::USER_SPACE_ID, demo::FOLDER_ID),
            ec::INVALID_FATHERID,
        ),
    ] {
        e.assert_errcode("file_list", body, errcode).await;
    }
}

#[tokio::test]
async fn without_demo_data_the_demo_ids_are_unknown() {
    let e = env_with(|o| o.demo_data = false).await;
    e.assert_errcode("space_info", demo_space(), ec::SPACE_NOT_FOUND)
        .await;
}

// ---------------------------------------------------------------- files

#[tokio::test]
async fn file_info_answers_the_file_and_a_deleted_file_with_status_2() {
    let e = env().await;
    let info = e.info(demo::JSON_FILE_ID).await;
    assert_eq!(info["file_name"], demo::JSON_FILE_NAME);
    assert_eq!(info["fatherid"], demo::FOLDER_ID);
    assert_eq!(info["file_size"], demo::JSON_CONTENT.len());
    assert!(info.get("url").is_none());
    assert!(
        e.info(demo::SHEET_ID).await["url"]
            .as_str()
            .unwrap()
            .contains("/wedoc/sheet/")
    );
    e.ok("file_delete", json!({ "fileid": [demo::JSON_FILE_ID] }))
        .await;
    assert_eq!(e.info(demo::JSON_FILE_ID).await["file_status"], 2);
    e.assert_errcodes([
        (
            "file_rename",
            json!({"fileid": demo::JSON_FILE_ID, "new_name": "x"}),
            ec::FILE_DELETED,
        ),
        ("file_info", json!({}), ec::INVALID_FILEID),
        ("file_info", json!({"fileid": "nope"}), ec::FILE_NOT_FOUND),
    ])
    .await;
}

#[tokio::test]
async fn file_create_makes_folders_and_documents_with_conflict_names() {
    let e = env().await;
    let s = demo::SPACE_ID;
    let folder = e.create(s, s, 1, "Documents").await;
    assert!(folder.get("url").is_none());
    let folder_id = folder["fileid"].as_str().unwrap();
    assert_eq!(e.info(folder_id).await["file_name"], "Documents(1)");
    let doc = e.create(s, folder_id, 3, "Plan").await;
    let url = doc["url"].as_str().unwrap();
    assert_eq!(e.http.get(url).send().await.unwrap().status(), 200);
    let sheet = e.create(s, folder_id, 4, "Numbers").await;
    assert!(sheet["url"].as_str().unwrap().contains("/wedoc/sheet/"));
    let info = e.info(doc["fileid"].as_str().unwrap()).await;
    assert_eq!(info["file_type"], 3);
    assert_eq!(info["fatherid"], folder_id);
    let create = |t: u32, name: &str| json!({"spaceid": s, "fatherid": s, "file_type": t, "file_name": name});
    for (body, errcode) in [
        (create(2, "file"), ec::INVALID_PARAMETER),
        (create(5, "form"), ec::INVALID_PARAMETER),
        (create(1, ""), ec::INVALID_FILE_NAME),
        (create(1, "a/b"), ec::INVALID_FILE_NAME),
        (
            json!({"spaceid": s, "fatherid": demo::FILE_ID, "file_type": 1, "file_name": "x"}),
            ec::INVALID_FATHERID,
        ),
    ] {
        e.assert_errcode("file_create", body, errcode).await;
    }
}

#[tokio::test]
async fn names_wider_than_255_are_rejected_counting_a_cjk_character_twice() {
    let e = env().await;
    let s = demo::SPACE_ID;
    let fits = format!("{}a", "微".repeat(127));
    let too_wide = "微".repeat(128);
    e.create(s, s, 1, &fits).await;
    e.create(s, s, 1, &"a".repeat(255)).await;
    let create =
        |name: &str| json!({"spaceid": s, "fatherid": s, "file_type": 1, "file_name": name});
    e.assert_errcodes([
        ("file_create", create(&too_wide), ec::INVALID_FILE_NAME),
        (
            "file_create",
            create(&"a".repeat(256)),
            ec::INVALID_FILE_NAME,
        ),
        (
            "file_rename",
            json!({"fileid": demo::FILE_ID, "new_name": too_wide}),
            ec::INVALID_FILE_NAME,
        ),
    ])
    .await;
    let upload =
        json!({"spaceid": s, "fatherid": s, "file_name": too_wide, "file_base64_content": "aGk="});
    e.assert_errcode("file_upload", upload, ec::INVALID_FILE_NAME)
        .await;
}

#[tokio::test]
async fn file_rename_renames_and_refuses_a_name_taken_in_the_folder() {
    let e = env().await;
    let v = e
        .ok(
            "file_rename",
            json!({"fileid": demo::FILE_ID, "new_name": "说明.txt"}),
        )
        .await;
    assert_eq!(v["file"]["fileid"], demo::FILE_ID);
    assert_eq!(v["file"]["file_name"], "说明.txt");
    assert_eq!(v["file"]["fatherid"], demo::SPACE_ID);
    e.assert_errcode(
        "file_rename",
        json!({"fileid": demo::FILE_ID, "new_name": "Documents"}),
        ec::INVALID_FILE_NAME,
    )
    .await;
    e.ok(
        "file_rename",
        json!({"fileid": demo::FILE_ID, "new_name": "说明.txt"}),
    )
    .await;
    e.assert_errcode(
        "file_rename",
        json!({"fileid": demo::FILE_ID, "new_name": ""}),
        ec::INVALID_FILE_NAME,
    )
    .await;
}

#[tokio::test]
async fn file_move_with_replace_overwrites_and_without_it_renames() {
    let e = env().await;
    let s = demo::SPACE_ID;
    let a = e.upload(s, s, "config.json", b"root copy").await;
    let v = e
        .ok(
            "file_move",
            json!({"fatherid": demo::FOLDER_ID, "fileid": [a], "replace": false}),
        )
        .await;
    let moved = &v["file_list"]["item"][0];
    assert_eq!(moved["fileid"], a.as_str());
    assert_eq!(moved["file_name"], "config(1).json");
    assert_eq!(moved["fatherid"], demo::FOLDER_ID);
    let b = e.upload(s, s, "config.json", b"second copy").await;
    e.ok(
        "file_move",
        json!({"fatherid": demo::FOLDER_ID, "fileid": [b], "replace": true}),
    )
    .await;
    assert_eq!(
        e.info(demo::JSON_FILE_ID).await["file_status"],
        2,
        "replaced"
    );
    assert_eq!(e.info(&b).await["file_name"], "config.json");
    // Across spaces, into the root of another space.
    let v = e
        .ok(
            "file_move",
            json!({"fatherid": demo::USER_SPACE_ID, "fileid": [demo::NESTED_FOLDER_ID]}),
        )
        .await;
    assert_eq!(v["file_list"]["item"][0]["spaceid"], demo::USER_SPACE_ID);
    assert_eq!(
        e.info(demo::BINARY_FILE_ID).await["spaceid"],
        demo::USER_SPACE_ID
    );
    for (body, errcode) in [
        (
            json!({"fatherid": demo::FOLDER_ID, "fileid": []}),
            ec::INVALID_FILEID,
        ),
        (
            json!({"fatherid": demo::FOLDER_ID, "fileid": ["nope"]}),
            ec::FILE_NOT_FOUND,
        ),
        (
            json!({"fatherid": "", "fileid": [demo::FILE_ID]}),
            ec::INVALID_FATHERID,
        ),
    ] {
        e.assert_errcode("file_move", body, errcode).await;
    }
}

#[tokio::test]
async fn file_move_refuses_to_move_a_folder_into_itself_or_below() {
    let e = env().await;
    let nested = e
        .create(demo::SPACE_ID, demo::NESTED_FOLDER_ID, 1, "deep")
        .await;
    for target in [
        demo::FOLDER_ID,
        demo::NESTED_FOLDER_ID,
        nested["fileid"].as_str().unwrap(),
    ] {
        e.assert_errcode(
            "file_move",
            json!({"fatherid": target, "fileid": [demo::FOLDER_ID]}),
            ec::INVALID_FATHERID,
        )
        .await;
    }
    assert_eq!(e.info(demo::FOLDER_ID).await["fatherid"], demo::SPACE_ID);
}

#[tokio::test]
async fn file_delete_deletes_a_batch_and_folders_with_their_content() {
    let e = env().await;
    e.ok(
        "file_delete",
        json!({"fileid": [demo::FOLDER_ID, demo::FILE_ID]}),
    )
    .await;
    for id in [
        demo::FOLDER_ID,
        demo::NESTED_FOLDER_ID,
        demo::BINARY_FILE_ID,
        demo::FILE_ID,
    ] {
        assert_eq!(e.info(id).await["file_status"], 2, "{id}");
    }
    assert_eq!(
        e.names(demo::SPACE_ID, demo::SPACE_ID, 1).await,
        vec!["Images", "Meeting notes"]
    );
    e.assert_errcode(
        "file_delete",
        json!({"fileid": [demo::FILE_ID]}),
        ec::FILE_DELETED,
    )
    .await;
    // A bad id anywhere in the batch deletes nothing.
    e.assert_errcode(
        "file_delete",
        json!({"fileid": [demo::DOC_ID, "nope"]}),
        ec::FILE_NOT_FOUND,
    )
    .await;
    assert_eq!(e.info(demo::DOC_ID).await["file_status"], 1);
    e.assert_errcode("file_delete", json!({}), ec::INVALID_FILEID)
        .await;
}

// ---------------------------------------------------------------- download

#[tokio::test]
async fn file_download_streams_the_bytes_with_the_cookie_and_refuses_without_it() {
    let e = env().await;
    let (status, headers, body) = e.download(demo::BINARY_FILE_ID, None).await;
    assert_eq!(status, 200);
    assert_eq!(body, demo::binary_content());
    assert_eq!(
        headers["content-length"],
        demo::BINARY_FILE_SIZE.to_string().as_str()
    );
    assert_eq!(headers["accept-ranges"], "bytes");
    let v = e
        .ok("file_download", json!({ "fileid": demo::FILE_ID }))
        .await;
    let url = v["download_url"].as_str().unwrap();
    assert_eq!(e.http.get(url).send().await.unwrap().status(), 403);
    let wrong = format!("{}=wrong", v["cookie_name"].as_str().unwrap());
    assert_eq!(
        e.http
            .get(url)
            .header("Cookie", wrong)
            .send()
            .await
            .unwrap()
            .status(),
        403
    );
    let good = format!(
        "a=b; {}={}",
        v["cookie_name"].as_str().unwrap(),
        v["cookie_value"].as_str().unwrap()
    );
    let resp = e.http.get(url).header("Cookie", good).send().await.unwrap();
    assert_eq!(resp.text().await.unwrap(), demo::README_CONTENT);
    assert_eq!(e.stats().await["calls"]["download_url"], 4);
}

#[tokio::test]
async fn download_urls_answer_byte_ranges() {
    let e = env().await;
    let data = demo::binary_content();
    let (status, headers, body) = e
        .download(demo::BINARY_FILE_ID, Some("bytes=100-199"))
        .await;
    assert_eq!(status, 206);
    assert_eq!(body, &data[100..200]);
    assert_eq!(headers["content-range"], "bytes 100-199/4096");
    let (status, _, body) = e.download(demo::BINARY_FILE_ID, Some("bytes=4000-")).await;
    assert_eq!(status, 206);
    assert_eq!(body, &data[4000..]);
    let (status, _, body) = e.download(demo::BINARY_FILE_ID, Some("bytes=-10")).await;
    assert_eq!(status, 206);
    assert_eq!(body, &data[4086..]);
    let (status, headers, _) = e.download(demo::BINARY_FILE_ID, Some("bytes=5000-")).await;
    assert_eq!(status, 416);
    assert_eq!(headers["content-range"], "bytes */4096");
}

#[tokio::test]
async fn folders_and_documents_cannot_be_downloaded() {
    let e = env().await;
    for id in [demo::FOLDER_ID, demo::DOC_ID, demo::SHEET_ID] {
        e.assert_errcode(
            "file_download",
            json!({ "fileid": id }),
            ec::DOWNLOAD_NOT_A_FILE,
        )
        .await;
    }
    for (body, errcode) in [
        (json!({}), ec::INVALID_FILEID),
        (json!({"selected_ticket": "t"}), ec::INVALID_SELECTED_TICKET),
        (
            json!({"selected_ticket": "t", "fileid": demo::FILE_ID}),
            ec::INVALID_PARAMETER,
        ),
    ] {
        e.assert_errcode("file_download", body, errcode).await;
    }
}

#[tokio::test]
async fn a_download_url_keeps_working_after_the_file_is_deleted() {
    let e = env().await;
    let v = e
        .ok("file_download", json!({ "fileid": demo::FILE_ID }))
        .await;
    e.ok("file_delete", json!({ "fileid": [demo::FILE_ID] }))
        .await;
    let cookie = format!(
        "{}={}",
        v["cookie_name"].as_str().unwrap(),
        v["cookie_value"].as_str().unwrap()
    );
    let resp = e
        .http
        .get(v["download_url"].as_str().unwrap())
        .header("Cookie", cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.text().await.unwrap(), demo::README_CONTENT);
    e.assert_errcode(
        "file_download",
        json!({ "fileid": demo::FILE_ID }),
        ec::FILE_DELETED,
    )
    .await;
}

// ---------------------------------------------------------------- upload

#[tokio::test]
async fn file_upload_stores_base64_content_under_a_free_name() {
    let e = env().await;
    let data = sim_support::pattern(300_000);
    let id = e
        .upload(demo::SPACE_ID, demo::FOLDER_ID, "data.bin", &data)
        .await;
    let info = e.info(&id).await;
    assert_eq!(info["file_name"], "data.bin");
    assert_eq!(info["file_type"], 2);
    assert_eq!(info["file_size"], data.len());
    assert_eq!(info["sha"], hex::encode(Sha1::digest(&data)));
    assert_eq!(e.download(&id, None).await.2, data);
    let again = e
        .upload(demo::SPACE_ID, demo::FOLDER_ID, "data.bin", b"other")
        .await;
    assert_eq!(e.info(&again).await["file_name"], "data(1).bin");
}

#[tokio::test]
async fn file_upload_validates_target_name_and_content() {
    let e = env().await;
    let s = demo::SPACE_ID;
    let up = |extra: Value| {
        let mut body = json!({"spaceid": s, "fatherid": s, "file_name": "a.txt", "file_base64_content": "aGk="});
        for (k, v) in extra.as_object().unwrap() {
            body[k] = v.clone();
        }
        body
    };
    for (extra, errcode) in [
        (json!({"file_base64_content": ""}), ec::INVALID_BASE64),
        (json!({"file_base64_content": "%%%"}), ec::INVALID_BASE64),
        (json!({"file_name": ""}), ec::INVALID_FILE_NAME),
        (json!({"spaceid": ""}), ec::INVALID_SPACEID),
        (json!({"fatherid": ""}), ec::INVALID_FATHERID),
        (json!({"selected_ticket": "t"}), ec::INVALID_PARAMETER),
    ] {
        e.assert_errcode("file_upload", up(extra), errcode).await;
    }
    let ticket_only =
        json!({"selected_ticket": "t", "file_name": "a.txt", "file_base64_content": "aGk="});
    e.assert_errcode("file_upload", ticket_only, ec::INVALID_SELECTED_TICKET)
        .await;
    let too_big = B64.encode(vec![7u8; 10 * 1024 * 1024 + 1]);
    e.assert_errcode(
        "file_upload",
        up(json!({"file_base64_content": too_big})),
        ec::INVALID_FILE_SIZE,
    )
    .await;
    let max = B64.encode(vec![7u8; 10 * 1024 * 1024]);
    e.ok("file_upload", up(json!({"file_base64_content": max})))
        .await;
}

/// init + parts + finish for `data`; returns the fileid.
async fn chunked(e: &Env, fatherid: &str, name: &str, data: &[u8]) -> String {
    let v = e
        .ok(
            "file_upload_init",
            json!({"spaceid": demo::SPACE_ID, "fatherid": fatherid, "file_name": name,
                   "size": data.len(), "block_sha": block_sha(data), "skip_push_card": true}),
        )
        .await;
    assert_eq!(v["hit_exist"], false);
    let key = v["upload_key"].as_str().unwrap().to_owned();
    for (i, part) in data.chunks(BLOCK_SIZE as usize).enumerate() {
        e.ok(
            "file_upload_part",
            json!({"upload_key": key, "index": i + 1, "file_base64_content": B64.encode(part)}),
        )
        .await;
    }
    let v = e
        .ok("file_upload_finish", json!({ "upload_key": key }))
        .await;
    v["fileid"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_chunked_upload_of_several_blocks_stores_the_file() {
    let e = env().await;
    let data = sim_support::pattern(2 * BLOCK_SIZE as usize + 123_456);
    let id = chunked(&e, demo::FOLDER_ID, "big.dat", &data).await;
    let info = e.info(&id).await;
    assert_eq!(info["file_size"], data.len());
    assert_eq!(info["sha"], hex::encode(Sha1::digest(&data)));
    assert_eq!(info["fatherid"], demo::FOLDER_ID);
    let (status, _, body) = e.download(&id, None).await;
    assert_eq!(status, 200);
    assert_eq!(body, data);
    let (_, _, tail) = e
        .download(&id, Some(&format!("bytes={}-", BLOCK_SIZE * 2)))
        .await;
    assert_eq!(tail, &data[2 * BLOCK_SIZE as usize..]);
}

#[tokio::test]
async fn parts_may_arrive_in_any_order_and_be_sent_again() {
    let e = env().await;
    let data = sim_support::pattern(BLOCK_SIZE as usize + 10);
    let key = e.upload_init("two.bin", &data).await;
    let part = |i: usize, bytes: &[u8]| upload_part(&key, i, bytes);
    e.ok("file_upload_part", part(2, &data[BLOCK_SIZE as usize..]))
        .await;
    e.ok("file_upload_part", part(1, &vec![0u8; BLOCK_SIZE as usize]))
        .await;
    e.ok("file_upload_part", part(1, &data[..BLOCK_SIZE as usize]))
        .await;
    let v = e
        .ok("file_upload_finish", json!({ "upload_key": key }))
        .await;
    assert_eq!(
        e.download(v["fileid"].as_str().unwrap(), None).await.2,
        data
    );
}

#[tokio::test]
async fn file_upload_init_validates_size_and_block_sha() {
    let e = env().await;
    let data = sim_support::pattern(BLOCK_SIZE as usize + 1);
    let shas = block_sha(&data);
    let init = |size: u64, shas: Value| json!({"spaceid": demo::SPACE_ID, "fatherid": demo::SPACE_ID, "file_name": "f.bin", "size": size, "block_sha": shas});
    e.assert_errcode(
        "file_upload_init",
        init(0, json!([])),
        ec::INVALID_FILE_SIZE,
    )
    .await;
    let over = 20 * 1024 * 1024 * 1024u64 + 1;
    let many: Vec<String> = (0..over.div_ceil(BLOCK_SIZE))
        .map(|_| "a".repeat(40))
        .collect();
    for (body, errcode) in [
        (init(over, json!(many)), ec::INVALID_FILE_SIZE),
        (
            init(data.len() as u64, json!([shas[0]])),
            ec::INVALID_PARAMETER,
        ),
        (
            init(data.len() as u64, json!([shas[0], "not-hex"])),
            ec::INVALID_PARAMETER,
        ),
        (init(data.len() as u64, json!("x")), ec::JSON_MISMATCH),
    ] {
        e.assert_errcode("file_upload_init", body, errcode).await;
    }
    let mut body = init(data.len() as u64, json!(shas));
    body["file_name"] = json!("a|b");
    e.assert_errcode("file_upload_init", body, ec::INVALID_FILE_NAME)
        .await;
    let mut body = init(data.len() as u64, json!(shas));
    body["fatherid"] = json!(demo::FILE_ID);
    e.assert_errcode("file_upload_init", body, ec::INVALID_FATHERID)
        .await;
    // Upper-case hex is the same SHA.
    let upper: Vec<String> = shas.iter().map(|s| s.to_uppercase()).collect();
    e.ok("file_upload_init", init(data.len() as u64, json!(upper)))
        .await;
}

#[tokio::test]
async fn file_upload_part_checks_the_key_the_index_and_the_block_length() {
    let e = env().await;
    let data = sim_support::pattern(BLOCK_SIZE as usize + 100);
    let v = e
        .ok(
            "file_upload_init",
            json!({"spaceid": demo::SPACE_ID, "fatherid": demo::SPACE_ID,
             "file_name": "p.bin", "size": data.len(), "block_sha": block_sha(&data)}),
        )
        .await;
    let key = v["upload_key"].as_str().unwrap();
    let part = |key: &str, i: i64, bytes: &[u8]| json!({"upload_key": key, "index": i, "file_base64_content": B64.encode(bytes)});
    for (body, errcode) in [
        (part("", 1, b"x"), ec::INVALID_PARAMETER),
        (part("nope", 1, b"x"), ec::INVALID_PARAMETER),
    ] {
        e.assert_errcode("file_upload_part", body, errcode).await;
    }
    for i in [0, 3, -1] {
        assert_eq!(
            e.err("file_upload_part", part(key, i, &data[..100])).await,
            ec::INVALID_PARAMETER,
            "{i}"
        );
    }
    assert_eq!(
        e.err("file_upload_part", part(key, 1, &data[..100])).await,
        ec::INVALID_FILE_BLOCK
    );
    e.assert_errcode(
        "file_upload_part",
        part(key, 2, &data[..99]),
        ec::INVALID_FILE_BLOCK,
    )
    .await;
    let empty = json!({"upload_key": key, "index": 2, "file_base64_content": ""});
    e.assert_errcode("file_upload_part", empty, ec::INVALID_BASE64)
        .await;
}

#[tokio::test]
async fn file_upload_finish_rejects_missing_parts_and_content_that_does_not_match_block_sha() {
    let e = env().await;
    let data = sim_support::pattern(BLOCK_SIZE as usize + 100);
    let key = e.upload_init("f.bin", &data).await;
    let part = |i: usize, bytes: &[u8]| upload_part(&key, i, bytes);
    e.ok("file_upload_part", part(1, &data[..BLOCK_SIZE as usize]))
        .await;
    e.assert_errcode(
        "file_upload_finish",
        json!({ "upload_key": key }),
        ec::INVALID_FILE_BLOCK,
    )
    .await;
    let mut wrong = data[BLOCK_SIZE as usize..].to_vec();
    wrong[0] ^= 1;
    e.ok("file_upload_part", part(2, &wrong)).await;
    e.assert_errcode(
        "file_upload_finish",
        json!({ "upload_key": key }),
        ec::INVALID_FILE_BLOCK,
    )
    .await;
    // The upload stays open: the right part can be sent again.
    e.ok("file_upload_part", part(2, &data[BLOCK_SIZE as usize..]))
        .await;
    e.ok("file_upload_finish", json!({ "upload_key": key }))
        .await;
    e.assert_errcode(
        "file_upload_finish",
        json!({ "upload_key": key }),
        ec::INVALID_PARAMETER,
    )
    .await;
    assert_eq!(
        e.names(demo::SPACE_ID, demo::SPACE_ID, 1)
            .await
            .iter()
            .filter(|n| *n == "f.bin")
            .count(),
        1
    );
}

#[tokio::test]
async fn file_upload_init_hits_an_existing_file_with_the_same_size_and_block_sha() {
    let e = env().await;
    let data = demo::binary_content();
    let v = e
        .ok(
            "file_upload_init",
            json!({"spaceid": demo::SPACE_ID, "fatherid": demo::SPACE_ID,
             "file_name": "copy.bin", "size": data.len(), "block_sha": block_sha(&data)}),
        )
        .await;
    assert_eq!(v["hit_exist"], true);
    assert!(v.get("upload_key").is_none());
    let id = v["fileid"].as_str().unwrap();
    assert_ne!(id, demo::BINARY_FILE_ID);
    assert_eq!(e.info(id).await["file_name"], "copy.bin");
    assert_eq!(e.download(id, None).await.2, data);
    // The copy stays readable after the original is deleted.
    e.ok("file_delete", json!({ "fileid": [demo::BINARY_FILE_ID] }))
        .await;
    assert_eq!(e.download(id, None).await.2, data);
    // A multi-block upload finished earlier is hit too.
    let big = sim_support::pattern(BLOCK_SIZE as usize * 2);
    chunked(&e, demo::SPACE_ID, "big.bin", &big).await;
    let v = e
        .ok(
            "file_upload_init",
            json!({"spaceid": demo::SPACE_ID, "fatherid": demo::FOLDER_ID,
             "file_name": "big.bin", "size": big.len(), "block_sha": block_sha(&big)}),
        )
        .await;
    assert_eq!(v["hit_exist"], true);
}

// ---------------------------------------------------------------- file permissions

#[tokio::test]
async fn file_acl_add_and_del_show_in_get_file_permission() {
    let e = env().await;
    e.ok(
        "file_acl_add",
        json!({"fileid": demo::JSON_FILE_ID, "auth_info": [
            {"type": 2, "departmentid": 4, "auth": 1}, {"type": 1, "userid": "wujiu", "auth": 4}]}),
    )
    .await;
    let p = e
        .ok(
            "get_file_permission",
            json!({ "fileid": demo::JSON_FILE_ID }),
        )
        .await;
    assert_eq!(
        p["file_member_list"],
        json!([{"type": 2, "departmentid": 4, "auth": 1}, {"type": 1, "userid": "wujiu", "auth": 4}])
    );
    let inherited = p["inherit_father_auth"]["auth_list"].to_string();
    assert!(
        inherited.contains(demo::ADMIN_USER) && inherited.contains("zhaoliu"),
        "{inherited}"
    );
    assert_eq!(p["inherit_father_auth"]["inherit"], true);
    e.ok(
        "file_acl_del",
        json!({"fileid": demo::JSON_FILE_ID, "auth_info": [{"type": 1, "userid": "wujiu"}]}),
    )
    .await;
    let p = e
        .ok(
            "get_file_permission",
            json!({ "fileid": demo::JSON_FILE_ID }),
        )
        .await;
    assert_eq!(
        p["file_member_list"],
        json!([{"type": 2, "departmentid": 4, "auth": 1}])
    );
    let del = json!({"fileid": demo::JSON_FILE_ID, "auth_info": [{"type": 1, "userid": "wujiu"}]});
    e.assert_errcode("file_acl_del", del, ec::MEMBER_NOT_IN_SPACE)
        .await;
    let add = |m: Value| json!({"fileid": demo::JSON_FILE_ID, "auth_info": [m]});
    for (body, errcode) in [
        (
            add(json!({"type": 1, "userid": "lisi", "auth": 7})),
            ec::INVALID_AUTH,
        ),
        (
            add(json!({"type": 1, "userid": "ghost", "auth": 1})),
            ec::INVALID_USERID,
        ),
    ] {
        e.assert_errcode("file_acl_add", body, errcode).await;
    }
    // `type` is deprecated: the id present decides.
    e.ok("file_acl_add", add(json!({"userid": "lisi", "auth": 1})))
        .await;
    e.ok("file_acl_add", add(json!({"departmentid": 3, "auth": 1})))
        .await;
    e.assert_errcode(
        "file_acl_add",
        json!({"fileid": demo::JSON_FILE_ID}),
        ec::INVALID_PARAMETER,
    )
    .await;
}

#[tokio::test]
async fn get_file_permission_answers_every_documented_part() {
    let e = env().await;
    let p = e
        .ok("get_file_permission", json!({ "fileid": demo::FILE_ID }))
        .await;
    let r = &p["share_range"];
    assert_eq!(
        r["enable_corp_internal"], true,
        "space default_file_scope 2"
    );
    assert_eq!(r["corp_internal_auth"], 1);
    assert_eq!(r["enable_corp_external"], false);
    for key in [
        "enable_readonly_copy",
        "modify_only_by_admin",
        "enable_readonly_comment",
        "ban_share_external",
    ] {
        assert!(p["secure_setting"][key].is_boolean(), "{key}");
    }
    for key in [
        "text",
        "margin_type",
        "show_visitor_name",
        "force_by_admin",
        "show_text",
        "force_by_space_admin",
    ] {
        assert!(!p["watermark"][key].is_null(), "{key}");
    }
    assert_eq!(p["file_member_list"], json!([]));
}

#[tokio::test]
async fn file_setting_sets_the_share_range_within_the_documented_rules() {
    let e = env().await;
    let set = |id: &str, scope: u32, auth: Option<u32>| {
        let mut b = json!({"fileid": id, "auth_scope": scope});
        if let Some(a) = auth {
            b["auth"] = json!(a);
        }
        b
    };
    e.ok("file_setting", set(demo::FILE_ID, 3, Some(4))).await;
    let r = e
        .ok("get_file_permission", json!({ "fileid": demo::FILE_ID }))
        .await["share_range"]
        .clone();
    assert_eq!(
        (
            r["enable_corp_external"].clone(),
            r["corp_external_auth"].clone()
        ),
        (json!(true), json!(4))
    );
    e.ok("file_setting", set(demo::FILE_ID, 4, None)).await;
    let r = e
        .ok("get_file_permission", json!({ "fileid": demo::FILE_ID }))
        .await["share_range"]
        .clone();
    assert_eq!(r["corp_internal_auth"], 255);
    assert_eq!(r["corp_internal_approve_only_by_admin"], true);
    e.ok("file_setting", set(demo::FILE_ID, 1, None)).await;
    let r = e
        .ok("get_file_permission", json!({ "fileid": demo::FILE_ID }))
        .await["share_range"]
        .clone();
    assert_eq!(r["enable_corp_internal"], false);
    for (body, errcode) in [
        (set(demo::FILE_ID, 6, None), ec::INVALID_AUTH_SCOPE),
        (set(demo::FILE_ID, 0, None), ec::INVALID_AUTH_SCOPE),
        (set(demo::FILE_ID, 2, Some(7)), ec::INVALID_AUTH),
        (set(demo::DOC_ID, 2, Some(4)), ec::INVALID_AUTH),
    ] {
        e.assert_errcode("file_setting", body, errcode).await;
    }
    e.ok("file_setting", set(demo::DOC_ID, 2, Some(1))).await;
    // Approval scopes need a space admin; external scopes are off once the space bans them.
    let space = e.new_space().await;
    let f = e.upload(&space, &space, "a.txt", b"a").await;
    e.assert_errcode("file_setting", set(&f, 4, None), ec::SPACE_HAS_NO_ADMIN)
        .await;
    e.ok(
        "space_setting",
        json!({"spaceid": demo::SPACE_ID, "ban_share_external": true}),
    )
    .await;
    e.assert_errcode(
        "file_setting",
        set(demo::FILE_ID, 3, None),
        ec::NO_PERMISSION,
    )
    .await;
    assert_eq!(
        e.ok("get_file_permission", json!({ "fileid": demo::FILE_ID }))
            .await["secure_setting"]["ban_share_external"],
        true
    );
}

#[tokio::test]
async fn file_share_answers_a_stable_link_that_opens() {
    let e = env().await;
    let a = e.ok("file_share", json!({ "fileid": demo::FILE_ID })).await;
    let b = e.ok("file_share", json!({ "fileid": demo::FILE_ID })).await;
    assert_eq!(a["share_url"], b["share_url"]);
    let page = e
        .http
        .get(a["share_url"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert!(page.text().await.unwrap().contains(demo::FILE_NAME));
    e.assert_errcode("file_share", json!({"fileid": "nope"}), ec::FILE_NOT_FOUND)
        .await;
}

#[tokio::test]
async fn file_secure_setting_sets_watermarks_on_documents_only() {
    let e = env().await;
    e.ok(
        "file_secure_setting",
        json!({"fileid": demo::DOC_ID, "watermark": {"text": "内部资料", "margin_type": 2, "show_text": true}}),
    )
    .await;
    let w = e
        .ok("get_file_permission", json!({ "fileid": demo::DOC_ID }))
        .await["watermark"]
        .clone();
    assert_eq!(w["text"], "内部资料");
    assert_eq!(w["margin_type"], 2);
    assert_eq!(w["show_text"], true);
    // margin_type 0 (the request sample) keeps the value.
    e.ok(
        "file_secure_setting",
        json!({"fileid": demo::DOC_ID, "watermark": {"margin_type": 0}}),
    )
    .await;
    let w = e
        .ok("get_file_permission", json!({ "fileid": demo::DOC_ID }))
        .await["watermark"]
        .clone();
    assert_eq!(w["margin_type"], 2);
    e.ok(
        "file_secure_setting",
        json!({"fileid": demo::FILE_ID, "watermark": {"show_visitor_name": true}}),
    )
    .await;
    let w = e
        .ok("get_file_permission", json!({ "fileid": demo::FILE_ID }))
        .await["watermark"]
        .clone();
    assert_eq!(w["show_visitor_name"], true);
    for (body, errcode) in [
        (
            json!({"fileid": demo::FILE_ID, "watermark": {"text": "x"}}),
            ec::WATERMARK_NOT_SUPPORTED,
        ),
        (
            json!({"fileid": demo::DOC_ID, "watermark": {"margin_type": 3}}),
            ec::INVALID_PARAMETER,
        ),
    ] {
        e.assert_errcode("file_secure_setting", body, errcode).await;
    }
}

// ---------------------------------------------------------------- capacity

#[tokio::test]
async fn mng_capacity_reflects_the_bytes_stored() {
    let e = env().await;
    let v = e.ok("mng_capacity", json!({})).await;
    let total = v["total_capacity_for_all"].as_u64().unwrap();
    let demo_bytes =
        (demo::README_CONTENT.len() + demo::JSON_CONTENT.len() + demo::BINARY_FILE_SIZE) as u64;
    assert_eq!(
        v["rest_capacity_for_all"].as_u64().unwrap(),
        total - demo_bytes
    );
    assert!(v["total_capacity_for_vip"].is_u64() && v["rest_capacity_for_vip"].is_u64());
    let id = e
        .upload(
            demo::SPACE_ID,
            demo::SPACE_ID,
            "k.bin",
            &sim_support::pattern(1000),
        )
        .await;
    assert_eq!(e.rest_capacity().await, total - demo_bytes - 1000);
    e.ok("file_delete", json!({ "fileid": [id] })).await;
    assert_eq!(e.rest_capacity().await, total - demo_bytes);
}

#[tokio::test]
async fn uploads_beyond_the_capacity_answer_640007() {
    let e = env_with(|o| {
        o.demo_data = false;
        o.capacity_bytes = 1000;
    })
    .await;
    let space = e.new_space().await;
    e.upload(&space, &space, "a.bin", &sim_support::pattern(600))
        .await;
    let body = json!({"spaceid": space, "fatherid": space, "file_name": "b.bin",
                      "file_base64_content": B64.encode(sim_support::pattern(600))});
    e.assert_errcode("file_upload", body, ec::CAPACITY_EXCEEDED)
        .await;
    let data = sim_support::pattern(600);
    let body = json!({"spaceid": space, "fatherid": space, "file_name": "c.bin", "size": 600, "block_sha": block_sha(&data)});
    e.assert_errcode("file_upload_init", body, ec::CAPACITY_EXCEEDED)
        .await;
}

#[tokio::test]
async fn mng_pro_info_answers_for_a_corp_user_only() {
    let e = env().await;
    let v = e
        .ok("mng_pro_info", json!({ "userid": demo::USERS[0] }))
        .await;
    assert_eq!(v["is_pro"], true);
    for key in ["total_vip_acct_num", "use_vip_acct_num", "pro_expire_time"] {
        assert!(v[key].is_u64(), "{key}");
    }
    for (body, errcode) in [
        (json!({ "userid": "ghost" }), ec::INVALID_USERID),
        (json!({}), ec::INVALID_USERID),
    ] {
        e.assert_errcode("mng_pro_info", body, errcode).await;
    }
}

#[tokio::test]
async fn every_demo_user_and_department_is_accepted() {
    let e = env().await;
    let space = e.new_space().await;
    let mut members: Vec<Value> = demo::USERS
        .iter()
        .map(|u| json!({"type": 1, "userid": u, "auth": 1}))
        .collect();
    members.extend(
        demo::DEPARTMENTS
            .iter()
            .map(|d| json!({"type": 2, "departmentid": d, "auth": 4})),
    );
    e.ok(
        "space_acl_add",
        json!({"spaceid": space, "auth_info": members}),
    )
    .await;
    let info = e.ok("space_info", json!({ "spaceid": space })).await;
    let count = info["space_info"]["auth_list"]["auth_info"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(count, demo::USERS.len() + demo::DEPARTMENTS.len());
}

#[tokio::test]
async fn dropping_the_simulator_stops_it() {
    let e = env().await;
    let url = e.url("/__sim/stats");
    let http = e.http.clone();
    drop(e);
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(http.get(url).send().await.is_err());
}
