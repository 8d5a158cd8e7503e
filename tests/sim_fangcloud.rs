//! Black-box tests of the Fangcloud simulator over HTTP.

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use filegate::sandbox::fangcloud::{self, Options, Sim, demo};
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde_json::{Value, json};

mod sim_support;

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// A simulator with the default options but for what `change` sets.
async fn sim_with(change: impl FnOnce(&mut Options)) -> Sim {
    let mut opts = Options::default();
    change(&mut opts);
    fangcloud::start(opts).await.expect("simulator starts")
}

async fn sim() -> Sim {
    sim_with(|_| {}).await
}

/// A default simulator and the app user's client on it.
async fn me() -> (Sim, Api) {
    let sim = sim().await;
    let api = Api::me(&sim).await;
    (sim, api)
}

fn basic() -> String {
    format!(
        "Basic {}",
        STANDARD.encode(format!("{}:{}", demo::CLIENT_ID, demo::CLIENT_SECRET))
    )
}

fn assertion(claims: Value) -> String {
    STANDARD.encode(claims.to_string())
}

fn claims(sub_type: &str, sub: i64) -> Value {
    let t = now();
    json!({
        "yifangyun_sub_type": sub_type,
        "sub": sub.to_string(),
        "exp": (t + 60).to_string(),
        "iat": t.to_string(),
        "jti": uuid::Uuid::new_v4().to_string(),
    })
}

/// POSTs the document's token request (assertion in the query, Basic client auth).
async fn token_request(sim: &Sim, assertion: &str, auth: &str) -> (StatusCode, Value) {
    let url = format!("{}/oauth/token", sim.base_url);
    let resp = reqwest::Client::new()
        .post(url)
        .query(&[("grant_type", "jwt_simple"), ("assertion", assertion)])
        .header("Authorization", auth)
        .send()
        .await
        .unwrap();
    let status = resp.status();
    (status, resp.json().await.unwrap_or(Value::Null))
}

async fn token_for(sim: &Sim, sub_type: &str, sub: i64) -> Value {
    let (status, body) = token_request(sim, &assertion(claims(sub_type, sub)), &basic()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

struct Api {
    base: String,
    token: String,
    http: reqwest::Client,
}

struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: Value,
}

impl Answer {
    fn code(&self) -> &str {
        self.body["errors"][0]["code"].as_str().unwrap_or("")
    }
    fn field(&self) -> &str {
        self.body["errors"][0]["field"].as_str().unwrap_or("")
    }
    fn ok(self) -> Value {
        assert_eq!(self.status, StatusCode::OK, "{}", self.body);
        self.body
    }
    fn fails(&self, status: StatusCode, code: &str) {
        assert_eq!(self.status, status, "{}", self.body);
        assert_eq!(self.code(), code, "{}", self.body);
        assert!(self.body["request_id"].is_string(), "{}", self.body);
    }
}

impl Api {
    async fn user(sim: &Sim, user: i64) -> Self {
        let t = token_for(sim, "user", user).await;
        Self::with(sim, t["access_token"].as_str().unwrap())
    }
    async fn me(sim: &Sim) -> Self {
        Self::user(sim, demo::USER_ID).await
    }
    async fn admin(sim: &Sim) -> Self {
        let t = token_for(sim, "enterprise", demo::ENTERPRISE_ID).await;
        Self::with(sim, t["access_token"].as_str().unwrap())
    }
    fn with(sim: &Sim, token: &str) -> Self {
        Self {
            base: sim.base_url.clone(),
            token: token.to_owned(),
            http: reqwest::Client::new(),
        }
    }
    async fn answer(resp: reqwest::Response) -> Answer {
        let status = resp.status();
        let headers = resp.headers().clone();
        let body = resp.json().await.unwrap_or(Value::Null);
        Answer {
            status,
            headers,
            body,
        }
    }
    async fn get(&self, path: &str) -> Answer {
        let resp = self
            .http
            .get(format!("{}/api/v2/{path}", self.base))
            .bearer_auth(&self.token)
            .send()
            .await
            .unwrap();
        Self::answer(resp).await
    }
    /// `GET`, expected to answer 200: the body.
    async fn get_ok(&self, path: &str) -> Value {
        self.get(path).await.ok()
    }
    /// `POST`, expected to answer 200: the body.
    async fn post_ok(&self, path: &str, body: Value) -> Value {
        self.post(path, body).await.ok()
    }
    /// `POST {kind}/{id}/{action}` without a body (delete, restore_from_trash, revoke…).
    async fn act(&self, kind: &str, id: impl std::fmt::Display, action: &str) -> Answer {
        self.post(&format!("{kind}/{id}/{action}"), json!({})).await
    }
    /// Several `act`s in a row, each expected to succeed.
    async fn acts(&self, steps: &[(&str, i64, &str)]) {
        for (kind, id, action) in steps {
            self.act(kind, id, action).await.ok();
        }
    }
    async fn post(&self, path: &str, body: Value) -> Answer {
        let resp = self
            .http
            .post(format!("{}/api/v2/{path}", self.base))
            .bearer_auth(&self.token)
            .json(&body)
            .send()
            .await
            .unwrap();
        Self::answer(resp).await
    }
    /// Both upload steps: presign, then the multipart POST. Answers the upload host's answer.
    /// The upload's first step: a presign URL for `name` in folder `parent`.
    async fn presign(&self, parent: i64, name: &str) -> String {
        self.post_ok(
            "file/upload_v2",
            json!({ "parent_id": parent, "name": name, "upload_type": "api" }),
        )
        .await["presign_url"]
            .as_str()
            .unwrap()
            .to_owned()
    }
    async fn upload(&self, parent: i64, name: &str, content: &[u8]) -> Answer {
        let url = self.presign(parent, name).await;
        post_file(&url, content).await
    }
    async fn download(&self, file: i64) -> Vec<u8> {
        let url = self.get_ok(&format!("file/{file}/download")).await["download_url"]
            .as_str()
            .unwrap()
            .to_owned();
        let resp = reqwest::get(url).await.unwrap();
        assert_eq!(resp.status(), StatusCode::OK);
        resp.bytes().await.unwrap().to_vec()
    }
}

async fn post_file(url: &str, content: &[u8]) -> Answer {
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(content.to_vec()).file_name("upload.bin"),
    );
    let resp = reqwest::Client::new()
        .post(url)
        .multipart(form)
        .send()
        .await
        .unwrap();
    Api::answer(resp).await
}

/// The names of the items in `list[key]` (`files`, `folders`…), in order.
fn names(list: &Value, key: &str) -> Vec<String> {
    sim_support::texts(list[key].as_array().unwrap(), "name")
}

// ---------------------------------------------------------------- OAuth

#[tokio::test]
async fn a_user_assertion_gets_an_all_scope_bearer_token_of_six_hours() {
    let sim = sim().await;
    let t = token_for(&sim, "user", demo::USER_ID).await;
    assert_eq!(t["scope"], "all");
    assert_eq!(t["token_type"], "bearer");
    assert_eq!(t["expires_in"], 21599);
    assert!(t["access_token"].as_str().unwrap().len() == 36);
    assert!(t["refresh_token"].is_string());
    assert_eq!(sim_support::stats(&sim.base_url).await["token_fetches"], 1);
}

#[tokio::test]
async fn an_enterprise_assertion_gets_an_admin_token_that_reaches_only_admin_paths() {
    let sim = sim().await;
    let t = token_for(&sim, "enterprise", demo::ENTERPRISE_ID).await;
    assert_eq!(t["scope"], "admin");
    let admin = Api::with(&sim, t["access_token"].as_str().unwrap());
    let users = admin
        .get_ok("admin/user/all?platform_id=1&page_id=0&page_capacity=10")
        .await;
    assert_eq!(users["total_count"], 3);
    admin
        .get("user/info")
        .await
        .fails(StatusCode::FORBIDDEN, "permission_denied");
    let me = Api::me(&sim).await;
    me.get("admin/user/all")
        .await
        .fails(StatusCode::FORBIDDEN, "permission_denied");
}

#[tokio::test]
async fn numeric_claims_as_in_the_python_example_are_accepted() {
    let sim = sim().await;
    let t = now();
    let c = json!({"yifangyun_sub_type": "user", "sub": demo::USER_ID, "exp": t + 60, "iat": t, "jti": "abc"});
    let (status, body) = token_request(&sim, &assertion(c), &basic()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

#[tokio::test]
async fn wrong_client_credentials_are_refused_with_401() {
    let sim = sim().await;
    let bad = format!(
        "Basic {}",
        STANDARD.encode(format!("{}:nope", demo::CLIENT_ID))
    );
    let (status, body) = token_request(&sim, &assertion(claims("user", demo::USER_ID)), &bad).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"], "unauthorized");
    let (status, _) = token_request(&sim, &assertion(claims("user", demo::USER_ID)), "").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(sim_support::stats(&sim.base_url).await["token_fetches"], 0);
}

#[tokio::test]
async fn assertions_that_break_a_documented_rule_are_invalid_grants() {
    let sim = sim().await;
    let t = now();
    let mut cases: Vec<String> = vec![
        "!!not base64!!".into(),
        STANDARD.encode("not json"),
        STANDARD.encode("[1,2]"),
    ];
    for (k, v) in [
        ("yifangyun_sub_type", json!("robot")),
        ("sub", json!("424242")),
        ("exp", json!((t + 61).to_string())),
        ("exp", json!((t - 5).to_string())),
        ("exp", json!("soon")),
        ("iat", json!(i64::MIN.to_string())),
    ] {
        let mut c = claims("user", demo::USER_ID);
        c[k] = v;
        cases.push(assertion(c));
    }
    for missing in ["yifangyun_sub_type", "sub", "exp", "jti"] {
        let mut c = claims("user", demo::USER_ID);
        c.as_object_mut().unwrap().remove(missing);
        cases.push(assertion(c));
    }
    // Without iat, exp is measured from the arrival time.
    let mut c = claims("user", demo::USER_ID);
    c.as_object_mut().unwrap().remove("iat");
    c["exp"] = json!((t + 120).to_string());
    cases.push(assertion(c));
    // Users of another enterprise are unknown to this app.
    cases.push(assertion(claims("user", demo::EXTERNAL_USER_ID)));
    cases.push(assertion(claims(
        "enterprise",
        demo::EXTERNAL_ENTERPRISE_ID,
    )));
    for a in cases {
        let (status, body) = token_request(&sim, &a, &basic()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{a}: {body}");
        assert_eq!(body["error"], "invalid_grant", "{a}: {body}");
        assert!(body["error_description"].is_string());
    }
    assert_eq!(sim_support::stats(&sim.base_url).await["token_fetches"], 0);
}

#[tokio::test]
async fn a_jti_cannot_be_replayed() {
    let sim = sim().await;
    let a = assertion(claims("user", demo::USER_ID));
    assert_eq!(token_request(&sim, &a, &basic()).await.0, StatusCode::OK);
    let (status, body) = token_request(&sim, &a, &basic()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"], "invalid_grant");
}

#[tokio::test]
async fn grant_types_other_than_jwt_simple_and_refresh_token_are_refused() {
    let sim = sim().await;
    let http = reqwest::Client::new();
    let resp = http
        .post(format!("{}/oauth/token?grant_type=password", sim.base_url))
        .header("Authorization", basic())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        resp.json::<Value>().await.unwrap()["error"],
        "unsupported_grant_type"
    );
    let resp = http
        .post(format!("{}/oauth/token", sim.base_url))
        .header("Authorization", basic())
        .send()
        .await
        .unwrap();
    assert_eq!(
        resp.json::<Value>().await.unwrap()["error"],
        "invalid_request"
    );
}

/// `GET user/info` with the access token of a token answer.
async fn user_info_with(sim: &Sim, token: &Value) -> Answer {
    Api::with(sim, token["access_token"].as_str().unwrap())
        .get("user/info")
        .await
}

/// `grant_type=refresh_token` with a form body and Basic client auth, as every SDK sends it.
async fn refresh(sim: &Sim, token: &Value) -> (StatusCode, Value) {
    let resp = reqwest::Client::new()
        .post(format!("{}/oauth/token", sim.base_url))
        .header("Authorization", basic())
        .form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", token["refresh_token"].as_str().unwrap()),
        ])
        .send()
        .await
        .unwrap();
    (resp.status(), resp.json::<Value>().await.unwrap())
}

#[tokio::test]
async fn by_default_a_refresh_token_stays_usable_and_earlier_access_tokens_live_on() {
    let sim = sim().await;
    let first = token_for(&sim, "user", demo::USER_ID).await;
    let (status, second) = refresh(&sim, &first).await;
    assert_eq!(status, StatusCode::OK, "{second}");
    assert_ne!(second["access_token"], first["access_token"]);
    let (status, third) = refresh(&sim, &first).await;
    assert_eq!(status, StatusCode::OK, "{third}");
    for t in [&first, &second, &third] {
        user_info_with(&sim, t).await.ok();
    }
    assert_eq!(sim_support::stats(&sim.base_url).await["token_fetches"], 3);
}

#[tokio::test]
async fn a_single_use_refresh_token_works_once_and_ends_the_access_token_it_came_with() {
    let sim = sim_with(|o| o.refresh_policy = fangcloud::RefreshPolicy::SingleUse).await;
    let first = token_for(&sim, "user", demo::USER_ID).await;
    let (status, second) = refresh(&sim, &first).await;
    assert_eq!(status, StatusCode::OK, "{second}");
    assert_eq!(second["scope"], "all");
    let (status, again) = refresh(&sim, &first).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(again["error"], "invalid_grant");
    user_info_with(&sim, &first)
        .await
        .fails(StatusCode::UNAUTHORIZED, "invalid_token");
    user_info_with(&sim, &second).await.ok();
    assert_eq!(sim_support::stats(&sim.base_url).await["token_fetches"], 2);
}

#[tokio::test]
async fn tokens_expire_after_their_lifetime() {
    let sim = sim_with(|o| o.token_ttl = Duration::from_secs(1)).await;
    let api = Api::me(&sim).await;
    api.get_ok("user/info").await;
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let a = api.get("user/info").await;
    a.fails(StatusCode::UNAUTHORIZED, "invalid_token");
    assert!(
        a.body["errors"][0]["msg"]
            .as_str()
            .unwrap()
            .contains("expired")
    );
}

#[tokio::test]
async fn calls_without_a_token_or_with_an_unknown_one_are_401() {
    let sim = sim().await;
    let resp = reqwest::get(format!("{}/api/v2/user/info", sim.base_url))
        .await
        .unwrap();
    let a = Api::answer(resp).await;
    a.fails(StatusCode::UNAUTHORIZED, "unauthorized");
    Api::with(&sim, "8afa8c99-4490-4f64-a3ce-ebfda52d893a")
        .get("user/info")
        .await
        .fails(StatusCode::UNAUTHORIZED, "invalid_token");
}

#[tokio::test]
async fn revoking_tokens_through_the_control_surface_ends_access_and_refresh_tokens() {
    let sim = sim().await;
    let t = token_for(&sim, "user", demo::USER_ID).await;
    let api = Api::with(&sim, t["access_token"].as_str().unwrap());
    api.get_ok("user/info").await;
    assert_eq!(
        sim_support::control(&sim.base_url, "tokens/revoke", json!({})).await,
        StatusCode::NO_CONTENT
    );
    api.get("user/info")
        .await
        .fails(StatusCode::UNAUTHORIZED, "invalid_token");
    assert_eq!(refresh(&sim, &t).await.0, StatusCode::BAD_REQUEST);
    // A fresh assertion still works.
    Api::me(&sim).await.get_ok("user/info").await;
}

// ---------------------------------------------------------------- rate limits and faults

#[tokio::test]
async fn every_answer_carries_the_rate_limit_headers_and_an_exhausted_budget_is_429() {
    let sim = sim_with(|o| {
        o.rate_limit = 3;
        o.rate_window = Duration::from_secs(30);
    })
    .await;
    let api = Api::me(&sim).await;
    let a = api.get("user/info").await;
    assert_eq!(a.headers["x-rate-limit-limit"], "3");
    assert_eq!(a.headers["x-rate-limit-remaining"], "2");
    let reset: u64 = a.headers["x-rate-limit-reset"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=30).contains(&reset));
    let err = api.get("folder/999/info").await;
    assert_eq!(err.status, StatusCode::NOT_FOUND);
    assert_eq!(err.headers["x-rate-limit-remaining"], "1");
    api.get_ok("user/info").await;
    let limited = api.get("user/info").await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(
        limited.body["errors"],
        json!([{"code": "rate_limit", "msg": "Rate limit exceeded!"}])
    );
    assert!(limited.body["request_id"].is_string());
    assert_eq!(limited.headers["x-rate-limit-remaining"], "0");
    // Another token has its own budget.
    Api::me(&sim).await.get_ok("user/info").await;
}

#[tokio::test]
async fn a_budget_is_whole_again_after_its_window() {
    let sim = sim_with(|o| {
        o.rate_limit = 1;
        o.rate_window = Duration::from_secs(1);
    })
    .await;
    let api = Api::me(&sim).await;
    api.get_ok("user/info").await;
    assert_eq!(
        api.get("user/info").await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
    tokio::time::sleep(Duration::from_millis(1100)).await;
    api.get_ok("user/info").await;
}

#[tokio::test]
async fn queued_faults_answer_in_fangclouds_own_shapes() {
    let (sim, api) = me().await;
    let fault = |v: Value| sim_support::control(&sim.base_url, "faults", v);
    assert_eq!(
        fault(json!({"path": "user/info", "type": "error", "code": "file_not_found"})).await,
        StatusCode::NO_CONTENT
    );
    api.get("user/info")
        .await
        .fails(StatusCode::NOT_FOUND, "file_not_found");
    fault(json!({"path": "user/info", "type": "rate_limit", "retry_after_secs": 7})).await;
    let a = api.get("user/info").await;
    a.fails(StatusCode::TOO_MANY_REQUESTS, "rate_limit");
    assert_eq!(a.headers["x-rate-limit-reset"], "7");
    fault(json!({"path": "user/info", "type": "status", "status": 502})).await;
    assert_eq!(api.get("user/info").await.status, StatusCode::BAD_GATEWAY);
    fault(json!({"path": "user/info", "type": "server_error", "status": 503})).await;
    api.get("user/info")
        .await
        .fails(StatusCode::SERVICE_UNAVAILABLE, "internal_server_error");
    fault(json!({"path": "user/info", "type": "server_error"})).await;
    api.get("user/info")
        .await
        .fails(StatusCode::INTERNAL_SERVER_ERROR, "internal_server_error");
    fault(json!({"path": "user/info", "type": "malformed"})).await;
    let a = api.get("user/info").await;
    assert_eq!(a.status, StatusCode::OK);
    assert_eq!(a.body, Value::Null);
    fault(json!({"path": "user/info", "type": "latency", "ms": 50})).await;
    api.get_ok("user/info").await;
    fault(json!({"path": "user/info", "type": "revoke_tokens"})).await;
    api.get("user/info")
        .await
        .fails(StatusCode::UNAUTHORIZED, "invalid_token");
}

#[tokio::test]
async fn unknown_paths_wrong_methods_and_malformed_bodies_answer_in_the_errors_envelope() {
    let (sim, api) = me().await;
    let http = reqwest::Client::new();
    let sent = [
        http.get(format!("{}/api/v2/no/such/call", sim.base_url)),
        http.get(format!("{}/nowhere", sim.base_url)),
        http.get(format!("{}/api/v2/folder/create", sim.base_url)),
        http.post(format!("{}/api/v2/user/info", sim.base_url)),
        http.get(format!("{}/oauth/token", sim.base_url)),
        http.get(format!("{}/upload/a/b", sim.base_url)),
        http.post(format!("{}/download/k/n", sim.base_url)),
        http.post(format!("{}/api/v2/folder/create", sim.base_url))
            .header("content-type", "application/json")
            .body("{not json"),
    ];
    let expected = [404, 404, 405, 405, 405, 405, 405, 400];
    for (request, status) in sent.into_iter().zip(expected) {
        let a = Api::answer(request.bearer_auth(&api.token).send().await.unwrap()).await;
        assert_eq!(a.status.as_u16(), status, "{}", a.body);
        assert!(
            a.headers["content-type"]
                .to_str()
                .unwrap()
                .starts_with("application/json")
        );
        assert!(a.code().len() > 2, "{}", a.body);
        assert!(a.body["request_id"].is_string(), "{}", a.body);
    }
}

#[tokio::test]
async fn calls_are_counted_per_function() {
    let (sim, api) = me().await;
    api.get_ok("user/info").await;
    api.get_ok(&format!("folder/{}/children", demo::DOCUMENTS_FOLDER_ID))
        .await;
    api.get_ok(&format!("folder/{}/children", demo::ARCHIVE_FOLDER_ID))
        .await;
    let s = sim_support::stats(&sim.base_url).await;
    assert_eq!(s["calls"]["user/info"], 1);
    assert_eq!(s["calls"]["folder/children"], 2);
    assert_eq!(s["calls"]["oauth/token"], 1);
    sim_support::control(&sim.base_url, "reset", json!({})).await;
    assert_eq!(sim_support::stats(&sim.base_url).await["calls"], json!({}));
}

// ---------------------------------------------------------------- users and directory

#[tokio::test]
async fn user_info_describes_the_token_user_with_their_space() {
    let sim = sim().await;
    let me = Api::me(&sim).await.get_ok("user/info").await;
    assert_eq!(me["id"], demo::USER_ID);
    assert_eq!(me["enterprise"]["id"], demo::ENTERPRISE_ID);
    assert_eq!(me["login"], demo::USER_EMAIL);
    assert_eq!(me["space_total"], 10_i64 << 30);
    assert!(me["space_used"].as_i64().unwrap() > 0);
    let usage = Api::me(&sim).await.get_ok("user/space_usage").await;
    assert_eq!(usage["space_used"], me["space_used"]);
}

#[tokio::test]
async fn the_directory_lists_users_departments_and_groups() {
    let (_sim, api) = me().await;
    let found = api.get_ok("user/search?query_words=ali&page_id=0").await;
    assert_eq!(found["total_count"], 1);
    assert_eq!(found["users"][0]["id"], demo::ALICE_ID);
    assert!(found["users"][0]["space_total"].is_i64());
    let all = api.get_ok("user/search?page_id=0").await;
    assert_eq!(
        (all["total_count"].as_i64(), all["page_count"].as_i64()),
        (Some(3), Some(1))
    );
    assert_eq!(all["page_capacity"], 500);
    api.get("user/424242/info")
        .await
        .fails(StatusCode::NOT_FOUND, "user_not_found");
    api.get(&format!("user/{}/info", demo::EXTERNAL_USER_ID))
        .await
        .fails(StatusCode::NOT_FOUND, "user_not_found");
    let d = api
        .get_ok(&format!(
            "department/{}/info",
            demo::ENGINEERING_DEPARTMENT_ID
        ))
        .await;
    assert_eq!(d["name"], "Engineering");
    assert_eq!(d["director"]["id"], demo::ALICE_ID);
    assert_eq!(d["user_count"], 2);
    assert_eq!(d["direct_item_count"], 1);
    let top = api.get_ok("department/0/children").await;
    assert_eq!(top["children"].as_array().unwrap().len(), 2);
    let members = api
        .get_ok(&format!(
            "department/{}/users",
            demo::ENGINEERING_DEPARTMENT_ID
        ))
        .await;
    assert_eq!(members["total_count"], 2);
    api.get("department/1/info")
        .await
        .fails(StatusCode::NOT_FOUND, "department_not_found");
    let groups = api.get_ok("group/list").await;
    assert_eq!(groups["groups"][0]["id"], demo::GROUP_ID);
    let gm = api
        .get_ok(&format!("group/{}/users?query_words=bob", demo::GROUP_ID))
        .await;
    assert_eq!(gm["users"][0]["id"], demo::BOB_ID);
}

#[tokio::test]
async fn department_children_tell_of_sub_departments_in_the_documents_or_the_java_sdks_field() {
    let child = |v: &Value, id: i64| {
        v["children"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == id)
            .cloned()
            .unwrap()
    };
    let sim = sim().await;
    let top = Api::me(&sim).await.get_ok("department/0/children").await;
    let eng = child(&top, demo::ENGINEERING_DEPARTMENT_ID);
    assert_eq!(eng["has_children_departments"], true, "{eng}");
    assert!(eng.get("children_departments_count").is_none());
    assert_eq!(
        child(&top, demo::SALES_DEPARTMENT_ID)["has_children_departments"],
        false
    );

    let sim =
        sim_with(|o| o.children_field = fangcloud::ChildrenField::ChildrenDepartmentsCount).await;
    let top = Api::me(&sim).await.get_ok("department/0/children").await;
    let eng = child(&top, demo::ENGINEERING_DEPARTMENT_ID);
    assert_eq!(eng["children_departments_count"], 1, "{eng}");
    assert!(eng.get("has_children_departments").is_none());
}

#[tokio::test]
async fn admins_read_users_departments_and_groups_by_the_admin_paths() {
    let sim = sim().await;
    let admin = Api::admin(&sim).await;
    let u = admin
        .get_ok(&format!(
            "admin/user/get_user_info?identifier={}&type=simple_phone_or_email",
            demo::BOB_PHONE
        ))
        .await;
    assert_eq!(u["id"], demo::BOB_ID);
    let u = admin
        .get_ok(&format!(
            "admin/user/get_user_info?identifier={}&type=user_ticket&platform_id=2",
            demo::ALICE_CUSTOM_ID
        ))
        .await;
    assert_eq!(u["id"], demo::ALICE_ID);
    let a = admin
        .get("admin/user/get_user_info?identifier=x@y.z&type=bogus")
        .await;
    a.fails(StatusCode::BAD_REQUEST, "request_data_invalid");
    assert_eq!(a.field(), "type");
    admin
        .get("admin/user/get_user_info?identifier=nobody@x.y&type=simple_phone_or_email")
        .await
        .fails(StatusCode::NOT_FOUND, "user_not_found");
    let d = admin
        .get_ok(&format!("admin/user/{}/info", demo::USER_ID))
        .await;
    assert!(d["space_used"].as_i64().unwrap() > 0);
    let dep = admin
        .get_ok(&format!(
            "admin/department/{}/info",
            demo::ENGINEERING_DEPARTMENT_ID
        ))
        .await;
    assert!(dep["space_used"].as_i64().unwrap() > 0);
    let users = admin
        .get_ok(&format!(
            "admin/department/{}/users",
            demo::SALES_DEPARTMENT_ID
        ))
        .await;
    assert_eq!(users["users"][0]["id"], demo::BOB_ID);
    let groups = admin.get_ok("admin/group/list?query_words=project").await;
    assert_eq!(groups["total_count"], 1);
    let gu = admin
        .get_ok(&format!("admin/group/{}/users", demo::GROUP_ID))
        .await;
    assert_eq!(gu["total_count"], 2);
    admin
        .get("admin/group/1/users")
        .await
        .fails(StatusCode::NOT_FOUND, "group_not_found");
}

// ---------------------------------------------------------------- listings

#[tokio::test]
async fn personal_items_page_and_sort_as_asked() {
    let (_sim, api) = me().await;
    let all = api.get_ok("folder/personal_items").await;
    // Folders first, newest first by default; the trashed draft is not listed.
    assert_eq!(names(&all, "folders"), ["Team", "Documents"]);
    assert_eq!(names(&all, "files"), ["hello.txt"]);
    assert_eq!(all["total_count"], 3);
    let p = api
        .get_ok("folder/personal_items?page_id=1&page_capacity=2&sort_by=name&sort_direction=asc")
        .await;
    assert_eq!(names(&p, "files"), ["hello.txt"]);
    assert!(p["folders"].as_array().unwrap().is_empty());
    assert_eq!(
        (p["page_count"].as_i64(), p["page_id"].as_i64()),
        (Some(2), Some(1))
    );
    let only_files = api.get_ok("folder/personal_items?type=file").await;
    assert_eq!(only_files["total_count"], 1);
    let a = api.get("folder/personal_items?sort_by=colour").await;
    a.fails(StatusCode::BAD_REQUEST, "request_data_invalid");
    assert_eq!(a.field(), "sort_by");
    let a = api.get("folder/personal_items?page_capacity=0").await;
    assert_eq!(a.field(), "page_capacity");
}

#[tokio::test]
async fn folder_zero_is_the_personal_root_for_info_as_for_children() {
    let (_sim, api) = me().await;
    let root = api.get_ok("folder/0/info").await;
    let children = api.get_ok("folder/0/children").await;
    assert_eq!(root["id"], 0);
    assert_eq!(root["type"], "folder");
    assert_eq!(root["space"]["type"], "personal");
    assert_eq!(root["owned_by"]["id"], demo::USER_ID);
    assert_eq!(root["item_count"], children["total_count"]);
    assert_eq!(root["in_trash"], false);
}

#[tokio::test]
async fn children_list_a_folder_and_ids_are_per_type() {
    let (_sim, api) = me().await;
    assert_eq!(demo::DOCUMENTS_FOLDER_ID, demo::HELLO_FILE_ID);
    let c = api
        .get_ok(&format!(
            "folder/{}/children?sort_by=name&sort_direction=asc",
            demo::DOCUMENTS_FOLDER_ID
        ))
        .await;
    assert_eq!(names(&c, "folders"), ["Archive"]);
    assert_eq!(names(&c, "files"), ["readme.txt", "report.md"]);
    assert_eq!(c["files"][1]["path"][1]["name"], "Documents");
    assert_eq!(
        c["files"][0]["path"][0],
        json!({"type": "folder", "id": 0, "name": "全部文件"})
    );
    let folder = api
        .get_ok(&format!("folder/{}/info", demo::DOCUMENTS_FOLDER_ID))
        .await;
    let file = api
        .get_ok(&format!("file/{}/info_v2", demo::HELLO_FILE_ID))
        .await;
    assert_eq!(
        (folder["type"].as_str(), folder["name"].as_str()),
        (Some("folder"), Some("Documents"))
    );
    assert_eq!(
        (file["type"].as_str(), file["name"].as_str()),
        (Some("file"), Some("hello.txt"))
    );
    assert_eq!(file["size"], demo::HELLO_CONTENT.len());
    assert_eq!(file["space"]["type"], "personal");
    assert_eq!(file["parent"]["id"], 0);
    assert_eq!(folder["item_count"], 3);
    api.get("folder/777/info")
        .await
        .fails(StatusCode::NOT_FOUND, "folder_not_found");
    api.get("file/777/info_v2")
        .await
        .fails(StatusCode::NOT_FOUND, "file_not_found");
    let a = api.get("folder/abc/children").await;
    a.fails(StatusCode::BAD_REQUEST, "request_data_invalid");
    let root = api.get_ok("folder/0/children").await;
    assert_eq!(root["total_count"], 3);
}

#[tokio::test]
async fn department_spaces_are_open_to_members_only() {
    let sim = sim().await;
    let me = Api::me(&sim).await;
    let d = me
        .get_ok(&format!(
            "folder/department_folders?department_id={}",
            demo::ENGINEERING_DEPARTMENT_ID
        ))
        .await;
    assert_eq!(names(&d, "folders"), ["Engineering Space"]);
    let inner = me
        .get_ok(&format!("folder/{}/children", demo::ENGINEERING_FOLDER_ID))
        .await;
    assert_eq!(names(&inner, "files"), ["design.txt"]);
    let bob = Api::user(&sim, demo::BOB_ID).await;
    bob.get(&format!(
        "folder/department_folders?department_id={}",
        demo::ENGINEERING_DEPARTMENT_ID
    ))
    .await
    .fails(StatusCode::FORBIDDEN, "permission_denied");
    bob.get(&format!("file/{}/info_v2", demo::DESIGN_FILE_ID))
        .await
        .fails(StatusCode::FORBIDDEN, "permission_denied");
    me.get("folder/department_folders?department_id=5")
        .await
        .fails(StatusCode::NOT_FOUND, "department_not_found");
    let a = me.get("folder/department_folders").await;
    assert_eq!(a.field(), "department_id");
    // A folder at a department root.
    let made = me
        .post_ok(
            "folder/create",
            json!({"name": "Specs", "parent_id": 0, "department_id": demo::ENGINEERING_DEPARTMENT_ID}),
        )
        .await;
    assert_eq!(
        made["space"],
        json!({"type": "department", "id": demo::ENGINEERING_DEPARTMENT_ID})
    );
}

#[tokio::test]
async fn collab_folders_list_what_others_share_and_roles_limit_what_can_be_done() {
    let sim = sim().await;
    let me = Api::me(&sim).await;
    let shared = me.get_ok("folder/collab_folders").await;
    assert_eq!(names(&shared, "folders"), ["Alice Shared"]);
    // Viewer: may list and download, not upload, rename or delete.
    let c = me
        .get_ok(&format!("folder/{}/children", demo::ALICE_SHARED_FOLDER_ID))
        .await;
    assert_eq!(names(&c, "files"), ["alice-notes.txt"]);
    assert!(!me.download(demo::ALICE_NOTES_FILE_ID).await.is_empty());
    me.post(
        "file/upload_v2",
        json!({"parent_id": demo::ALICE_SHARED_FOLDER_ID, "name": "x.txt", "upload_type": "api"}),
    )
    .await
    .fails(StatusCode::FORBIDDEN, "permission_denied");
    me.post(
        &format!("file/{}/update", demo::ALICE_NOTES_FILE_ID),
        json!({"name": "y.txt"}),
    )
    .await
    .fails(StatusCode::FORBIDDEN, "permission_denied");
    me.act("file", demo::ALICE_NOTES_FILE_ID, "delete")
        .await
        .fails(StatusCode::FORBIDDEN, "permission_denied");
    // Bob reaches Team through the group (viewer) and Alice is its editor.
    let bob = Api::user(&sim, demo::BOB_ID).await;
    bob.get_ok(&format!("folder/{}/children", demo::TEAM_FOLDER_ID))
        .await;
    let alice = Api::user(&sim, demo::ALICE_ID).await;
    alice
        .upload(demo::TEAM_FOLDER_ID, "from-alice.txt", b"hi")
        .await
        .ok();
}

// ---------------------------------------------------------------- folder and file changes

#[tokio::test]
async fn folders_are_created_by_id_or_path_with_the_documented_name_rules() {
    let (_sim, api) = me().await;
    let f = api
        .post_ok(
            "folder/create",
            json!({"name": "new folders", "parent_id": 0}),
        )
        .await;
    assert_eq!(f["type"], "folder");
    assert_eq!(f["parent"]["id"], 0);
    assert_eq!(f["item_count"], 0);
    api.post(
        "folder/create",
        json!({"name": "new folders", "parent_id": "0"}),
    )
    .await
    .fails(StatusCode::CONFLICT, "folder_name_conflict");
    api.post("folder/create", json!({"name": "a:b", "parent_id": 0}))
        .await
        .fails(StatusCode::BAD_REQUEST, "item_name_invalid");
    api.post(
        "folder/create",
        json!({"name": "n".repeat(223), "parent_id": 0}),
    )
    .await
    .fails(StatusCode::BAD_REQUEST, "item_name_size_incorrect");
    api.post("folder/create", json!({"name": "", "parent_id": 0}))
        .await
        .fails(StatusCode::BAD_REQUEST, "item_name_size_incorrect");
    let a = api.post("folder/create", json!({"name": "x"})).await;
    a.fails(StatusCode::BAD_REQUEST, "request_data_invalid");
    assert_eq!(a.field(), "parent_id");
    let a = api
        .post("folder/create", json!({"name": "x", "parent_id": "abc"}))
        .await;
    assert_eq!(a.field(), "parent_id");
    api.post("folder/create", json!({"name": "x", "parent_id": 123}))
        .await
        .fails(StatusCode::NOT_FOUND, "folder_not_found");
    // A folder may share a name with a file.
    api.post_ok(
        "folder/create",
        json!({"name": "hello.txt", "parent_id": 0}),
    )
    .await;

    let deep = api
        .post_ok(
            "folder/create_by_path",
            json!({"target_folder_path": "会议测试/9.25/研发"}),
        )
        .await;
    assert_eq!(deep["name"], "研发");
    assert_eq!(deep["path"].as_array().unwrap().len(), 3);
    let again = api
        .post_ok(
            "folder/create_by_path",
            json!({"target_folder_path": "/会议测试/9.25/研发/"}),
        )
        .await;
    assert_eq!(again["id"], deep["id"]);
    api.post(
        "folder/create_by_path",
        json!({"target_folder_path": "a/b."}),
    )
    .await
    .fails(StatusCode::BAD_REQUEST, "item_name_invalid");
}

#[tokio::test]
async fn items_are_renamed_and_described_with_conflict_checks() {
    let (_sim, api) = me().await;
    let f = api
        .post_ok(
            &format!("file/{}/update", demo::README_FILE_ID),
            json!({"name": "README.txt", "description": "read me"}),
        )
        .await;
    assert_eq!(
        (f["name"].as_str(), f["description"].as_str()),
        (Some("README.txt"), Some("read me"))
    );
    assert_eq!(f["sequence_id"], 1);
    api.post(
        &format!("file/{}/update", demo::README_FILE_ID),
        json!({"name": "report.md"}),
    )
    .await
    .fails(StatusCode::CONFLICT, "file_name_conflict");
    api.post(
        &format!("file/{}/update", demo::README_FILE_ID),
        json!({"description": "d".repeat(141)}),
    )
    .await
    .fails(StatusCode::BAD_REQUEST, "request_data_invalid");
    api.post(
        &format!("folder/{}/update", demo::TEAM_FOLDER_ID),
        json!({"name": "Documents"}),
    )
    .await
    .fails(StatusCode::CONFLICT, "folder_name_conflict");
    let t = api
        .post_ok(
            &format!("folder/{}/update", demo::TEAM_FOLDER_ID),
            json!({"name": "Team 2"}),
        )
        .await;
    assert_eq!(t["name"], "Team 2");
}

#[tokio::test]
async fn moves_refuse_impossible_targets_and_name_conflicts() {
    let (_sim, api) = me().await;
    let docs = demo::DOCUMENTS_FOLDER_ID;
    let m = |id: i64, kind: &'static str, target: i64| {
        let api = &api;
        async move {
            api.post(
                &format!("{kind}/{id}/move"),
                json!({"target_folder_id": target}),
            )
            .await
        }
    };
    m(docs, "folder", docs)
        .await
        .fails(StatusCode::BAD_REQUEST, "move_to_itself");
    m(docs, "folder", demo::ARCHIVE_FOLDER_ID)
        .await
        .fails(StatusCode::BAD_REQUEST, "move_to_subfolder");
    let deeper = api
        .post_ok(
            "folder/create",
            json!({"name": "deeper", "parent_id": demo::ARCHIVE_FOLDER_ID}),
        )
        .await;
    m(docs, "folder", deeper["id"].as_i64().unwrap())
        .await
        .fails(StatusCode::BAD_REQUEST, "folder_is_descendant");
    assert_eq!(
        m(demo::HELLO_FILE_ID, "file", docs).await.ok(),
        json!({"success": true})
    );
    let c = api
        .get_ok(&format!("folder/{docs}/children?type=file"))
        .await;
    assert!(names(&c, "files").contains(&"hello.txt".to_owned()));
    api.upload(0, "readme.txt", b"another").await.ok();
    let root_readme = api.get_ok("folder/personal_items?type=file").await["files"][0]["id"]
        .as_i64()
        .unwrap();
    m(root_readme, "file", docs)
        .await
        .fails(StatusCode::CONFLICT, "file_name_conflict");
    m(demo::ARCHIVE_FOLDER_ID, "folder", 0).await.ok();
    m(demo::ARCHIVE_FOLDER_ID, "folder", 999)
        .await
        .fails(StatusCode::NOT_FOUND, "folder_not_found");
    // Into a department space through target_space, as in the document's example.
    let moved = api
        .post_ok(
            &format!("file/{root_readme}/move"),
            json!({"target_folder_id": 0, "target_space": {"type": "department", "id": demo::ENGINEERING_DEPARTMENT_ID}}),
        )
        .await;
    assert_eq!(moved["success"], true);
    let info = api.get_ok(&format!("file/{root_readme}/info_v2")).await;
    assert_eq!(info["space"]["type"], "department");
}

#[tokio::test]
async fn copies_rename_on_conflict_and_take_the_folder_content_along() {
    let (_sim, api) = me().await;
    let copy = api
        .post_ok(
            &format!("file/{}/copy", demo::README_FILE_ID),
            json!({"target_folder_id": demo::DOCUMENTS_FOLDER_ID}),
        )
        .await;
    assert_eq!(copy["name"], "readme (1).txt");
    assert_ne!(copy["id"], demo::README_FILE_ID);
    assert_eq!(
        api.download(copy["id"].as_i64().unwrap()).await,
        demo::README_CONTENT
    );
    let folder = api
        .post_ok(
            &format!("folder/{}/copy", demo::DOCUMENTS_FOLDER_ID),
            json!({"target_folder_id": 0}),
        )
        .await;
    assert_eq!(folder["name"], "Documents (1)");
    let inside = api
        .get_ok(&format!("folder/{}/children", folder["id"]))
        .await;
    assert_eq!(inside["total_count"], 4);
    api.post(
        &format!("folder/{}/copy", demo::DOCUMENTS_FOLDER_ID),
        json!({"target_folder_id": demo::DOCUMENTS_FOLDER_ID}),
    )
    .await
    .fails(StatusCode::BAD_REQUEST, "copy_to_itself");
    api.post(
        &format!("folder/{}/copy", demo::DOCUMENTS_FOLDER_ID),
        json!({"target_folder_id": demo::ARCHIVE_FOLDER_ID}),
    )
    .await
    .fails(StatusCode::BAD_REQUEST, "copy_to_subfolder");
    let by_path = api
        .post_ok(
            &format!("file/{}/copy_by_path", demo::HELLO_FILE_ID),
            json!({"target_folder_path": "copies/today"}),
        )
        .await;
    assert_eq!(by_path["path"][2]["name"], "today");
}

// ---------------------------------------------------------------- trash

#[tokio::test]
async fn deleted_items_go_to_the_trash_and_come_back_or_go_for_good() {
    let (_sim, api) = me().await;
    let id = demo::README_FILE_ID;
    api.act("file", id, "restore_from_trash")
        .await
        .fails(StatusCode::NOT_FOUND, "file_in_trash_not_found");
    assert_eq!(
        api.act("file", id, "delete").await.ok(),
        json!({"success": true})
    );
    api.get(&format!("file/{id}/info_v2"))
        .await
        .fails(StatusCode::NOT_FOUND, "file_deleted");
    api.act("file", id, "delete")
        .await
        .fails(StatusCode::NOT_FOUND, "file_deleted");
    let t = api.get_ok(&format!("file/{id}/trash")).await;
    assert_eq!(t["deleted_by"]["id"], demo::USER_ID);
    assert_eq!(t["in_trash"], true);
    let listed = api.get_ok("trash/list").await;
    assert_eq!(names(&listed, "files"), ["readme.txt", "deleted-draft.txt"]);
    api.act("file", id, "restore_from_trash").await.ok();
    api.get_ok(&format!("file/{id}/info_v2")).await;

    // A deleted folder takes its content along; only the folder is in the trash.
    let docs = demo::DOCUMENTS_FOLDER_ID;
    api.act("folder", docs, "delete").await.ok();
    api.get(&format!("file/{id}/info_v2"))
        .await
        .fails(StatusCode::NOT_FOUND, "file_deleted");
    api.act("file", id, "restore_from_trash")
        .await
        .fails(StatusCode::NOT_FOUND, "file_in_trash_not_found");
    api.post("folder/create", json!({"name": "x", "parent_id": docs}))
        .await
        .fails(StatusCode::NOT_FOUND, "folder_deleted");
    let ft = api.get_ok(&format!("folder/{docs}/trash")).await;
    assert_eq!(ft["folder_type"], "normal");
    api.act("folder", docs, "delete_from_trash").await.ok();
    api.get(&format!("folder/{docs}/info"))
        .await
        .fails(StatusCode::NOT_FOUND, "folder_not_found");
    api.get(&format!("file/{id}/info_v2"))
        .await
        .fails(StatusCode::NOT_FOUND, "file_not_found");
    api.act("folder", docs, "delete_from_trash")
        .await
        .fails(StatusCode::NOT_FOUND, "folder_not_found");
}

#[tokio::test]
async fn restoring_under_a_deleted_parent_is_refused_and_the_trash_can_be_emptied() {
    let (_sim, api) = me().await;
    api.acts(&[
        ("file", demo::OLD_NOTES_FILE_ID, "delete"),
        ("folder", demo::ARCHIVE_FOLDER_ID, "delete"),
        ("folder", demo::ARCHIVE_FOLDER_ID, "delete_from_trash"),
    ])
    .await;
    // The file went with its folder.
    api.get(&format!("file/{}/trash", demo::OLD_NOTES_FILE_ID))
        .await
        .fails(StatusCode::NOT_FOUND, "file_not_found");
    api.act("folder", demo::TEAM_FOLDER_ID, "delete").await.ok();
    api.act("file", demo::HELLO_FILE_ID, "delete").await.ok();
    api.post_ok("trash/restore_all", json!({"type": "folder"}))
        .await;
    api.get_ok(&format!("folder/{}/info", demo::TEAM_FOLDER_ID))
        .await;
    let before = api.get_ok("user/info").await["space_used"]
        .as_i64()
        .unwrap();
    api.post_ok("trash/clear", json!({"type": "all"})).await;
    assert_eq!(api.get_ok("trash/list").await["total_count"], 0);
    let after = api.get_ok("user/info").await["space_used"]
        .as_i64()
        .unwrap();
    assert!(after < before);
}

// ---------------------------------------------------------------- uploads and downloads

#[tokio::test]
async fn an_upload_takes_a_presign_url_and_one_multipart_post() {
    let (sim, api) = me().await;
    let pre = api
        .post_ok(
            "file/upload_v2",
            json!({"parent_id": demo::DOCUMENTS_FOLDER_ID.to_string(), "name": "报表v1.0.pdf", "upload_type": "api"}),
        )
        .await;
    let url = pre["presign_url"].as_str().unwrap();
    assert!(url.starts_with(&format!("{}/upload/", sim.base_url)));
    let content = b"%PDF-1.4 pretend".to_vec();
    let file = post_file(url, &content).await.ok();
    assert_eq!(file["name"], "报表v1.0.pdf");
    assert_eq!(file["size"], content.len());
    assert_eq!(file["sha1"], sha1_hex(&content));
    assert_eq!(file["parent"]["id"], demo::DOCUMENTS_FOLDER_ID);
    let again = post_file(url, &content).await;
    assert_eq!(again.status, StatusCode::FORBIDDEN);
    assert_eq!(again.body["error"], "upload_url_used");
    let id = file["id"].as_i64().unwrap();
    assert_eq!(api.download(id).await, content);
    let unknown = post_file(&format!("{}/upload/nope/nope", sim.base_url), b"x").await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
}

fn sha1_hex(bytes: &[u8]) -> String {
    use sha1::{Digest, Sha1};
    hex::encode(Sha1::digest(bytes))
}

#[tokio::test]
async fn a_failed_multipart_post_does_not_use_the_url_up() {
    let (_sim, api) = me().await;
    let url = api.presign(0, "a.txt").await;
    let form = reqwest::multipart::Form::new().text("other", "value");
    let resp = reqwest::Client::new()
        .post(&url)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    let resp = reqwest::Client::new()
        .post(&url)
        .body("raw")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    post_file(&url, b"fine").await.ok();
}

#[tokio::test]
async fn presign_urls_expire() {
    let sim = sim_with(|o| o.presign_ttl = Duration::from_millis(200)).await;
    let api = Api::me(&sim).await;
    let url = api.presign(0, "late.txt").await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let a = post_file(&url, b"late").await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);
    assert_eq!(a.body["error"], "upload_url_expired");
}

#[tokio::test]
async fn presign_requests_are_validated_like_the_document_says() {
    let (_sim, api) = me().await;
    let up = |body: Value| api.post("file/upload_v2", body);
    up(json!({"parent_id": 0, "name": "hello.txt", "upload_type": "api"}))
        .await
        .fails(StatusCode::CONFLICT, "file_name_conflict");
    up(json!({"parent_id": 0, "name": "x?.txt", "upload_type": "api"}))
        .await
        .fails(StatusCode::BAD_REQUEST, "item_name_invalid");
    let a = up(json!({"parent_id": 0, "name": "x.txt", "upload_type": "web"})).await;
    assert_eq!(a.field(), "upload_type");
    let a = up(json!({"parent_id": 0, "name": "x.txt"})).await;
    assert_eq!(a.field(), "upload_type");
    let a = up(json!({"name": "x.txt", "upload_type": "api"})).await;
    assert_eq!(a.field(), "parent_id");
    up(json!({"parent_id": 0, "name": "huge.bin", "upload_type": "api", "file_size": 11_i64 << 30}))
        .await
        .fails(StatusCode::FORBIDDEN, "exceed_user_space_limit");
    up(json!({"parent_id": 5, "name": "x.txt", "upload_type": "api"}))
        .await
        .fails(StatusCode::NOT_FOUND, "folder_not_found");
}

#[tokio::test]
async fn is_covered_turns_a_same_named_upload_into_a_new_version() {
    let (_sim, api) = me().await;
    let url = api
        .post_ok(
            "file/upload_v2",
            json!({"parent_id": 0, "name": "hello.txt", "upload_type": "api", "is_covered": true}),
        )
        .await["presign_url"]
        .as_str()
        .unwrap()
        .to_owned();
    let f = post_file(&url, b"Hello again\n").await.ok();
    assert_eq!(f["id"], demo::HELLO_FILE_ID);
    let v = api
        .get_ok(&format!("file/{}/versions", demo::HELLO_FILE_ID))
        .await;
    assert_eq!(v["file_versions"].as_array().unwrap().len(), 2);
    assert_eq!(api.download(demo::HELLO_FILE_ID).await, b"Hello again\n");
}

#[tokio::test]
async fn uploads_by_path_create_the_folders() {
    let (_sim, api) = me().await;
    let url = api
        .post_ok(
            "file/upload_by_path",
            json!({"target_folder_path": "123/456", "name": "text.tar", "upload_type": "api"}),
        )
        .await["presign_url"]
        .as_str()
        .unwrap()
        .to_owned();
    let f = post_file(&url, b"tar").await.ok();
    assert_eq!(f["path"][2]["name"], "456");
}

#[tokio::test]
async fn downloads_honour_ranges_versions_and_expiry() {
    let (sim, api) = me().await;
    let url = api
        .get_ok(&format!("file/{}/download", demo::REPORT_FILE_ID))
        .await["download_url"]
        .as_str()
        .unwrap()
        .to_owned();
    let http = reqwest::Client::new();
    let r = sim_support::get_range(&url, "bytes=2-7").await;
    assert_eq!(r.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(
        r.headers()["content-range"],
        format!("bytes 2-7/{}", demo::REPORT_V2_CONTENT.len())
    );
    assert_eq!(
        r.bytes().await.unwrap().as_ref(),
        &demo::REPORT_V2_CONTENT[2..8]
    );
    let r = sim_support::get_range(&url, "bytes=-6").await;
    assert_eq!(
        r.bytes().await.unwrap().as_ref(),
        &demo::REPORT_V2_CONTENT[demo::REPORT_V2_CONTENT.len() - 6..]
    );
    let r = sim_support::get_range(&url, "bytes=500-").await;
    assert_eq!(r.status(), StatusCode::RANGE_NOT_SATISFIABLE);
    let r = http.get(&url).send().await.unwrap();
    assert_eq!(r.headers()["accept-ranges"], "bytes");
    assert_eq!(r.bytes().await.unwrap().as_ref(), demo::REPORT_V2_CONTENT);
    let old = api
        .get_ok(&format!(
            "file/{}/download?version={}",
            demo::REPORT_FILE_ID,
            demo::REPORT_V1_ID
        ))
        .await["download_url"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        reqwest::get(old)
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap()
            .as_ref(),
        demo::REPORT_V1_CONTENT
    );
    api.get_ok(&format!(
        "file/{}/download?valid_period={}",
        demo::REPORT_FILE_ID,
        i64::MAX
    ))
    .await;
    let a = api
        .get(&format!("file/{}/download?version=1", demo::REPORT_FILE_ID))
        .await;
    assert_eq!(a.field(), "version");
    let short = api
        .get_ok(&format!(
            "file/{}/download?valid_period=1",
            demo::REPORT_FILE_ID
        ))
        .await["download_url"]
        .as_str()
        .unwrap()
        .to_owned();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let r = reqwest::get(short).await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(r.text().await.unwrap().starts_with("<!DOCTYPE html>"));
    let r = reqwest::get(format!("{}/download/nope/x.txt", sim.base_url))
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_large_upload_streams_through_and_back() {
    let (_sim, api) = me().await;
    let content: Vec<u8> = (0..5_000_000u32).map(|i| (i % 251) as u8).collect();
    let f = api.upload(0, "big.bin", &content).await.ok();
    assert_eq!(f["size"], content.len());
    assert_eq!(f["sha1"], sha1_hex(&content));
    assert_eq!(api.download(f["id"].as_i64().unwrap()).await, content);
}

// ---------------------------------------------------------------- versions

#[tokio::test]
async fn versions_are_listed_newest_first_promoted_and_deleted() {
    let (_sim, api) = me().await;
    let id = demo::REPORT_FILE_ID;
    let v = api.get_ok(&format!("file/{id}/versions")).await;
    let list = v["file_versions"].as_array().unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(
        (list[0]["id"].as_i64(), list[0]["current"].as_bool()),
        (Some(demo::REPORT_V2_ID), Some(true))
    );
    assert_eq!(list[1]["current"], false);
    let info = api
        .get_ok(&format!("file/{id}/version/{}/info", demo::REPORT_V1_ID))
        .await;
    assert_eq!(info["size"], demo::REPORT_V1_CONTENT.len());
    api.get(&format!("file/{id}/version/5/info"))
        .await
        .fails(StatusCode::BAD_REQUEST, "request_data_invalid");
    api.post(
        &format!("file/{id}/version/{}/delete", demo::REPORT_V2_ID),
        json!({}),
    )
    .await
    .fails(StatusCode::BAD_REQUEST, "request_data_invalid");
    let f = api
        .post_ok(
            &format!("file/{id}/version/{}/promote", demo::REPORT_V1_ID),
            json!({}),
        )
        .await;
    assert_eq!(f["size"], demo::REPORT_V1_CONTENT.len());
    assert_eq!(api.download(id).await, demo::REPORT_V1_CONTENT);
    api.post_ok(
        &format!("file/{id}/version/{}/delete", demo::REPORT_V2_ID),
        json!({}),
    )
    .await;
    assert_eq!(
        api.get_ok(&format!("file/{id}/versions")).await["file_versions"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn a_new_version_goes_through_its_own_presign_url() {
    let (_sim, api) = me().await;
    let url = api
        .post_ok(
            &format!("file/{}/new_version_v2", demo::README_FILE_ID),
            json!({"name": "readme.txt", "upload_type": "api", "remark": "新版本"}),
        )
        .await["presign_url"]
        .as_str()
        .unwrap()
        .to_owned();
    post_file(&url, b"v2").await.ok();
    let v = api
        .get_ok(&format!("file/{}/versions", demo::README_FILE_ID))
        .await;
    assert_eq!(v["file_versions"][0]["remark"], "新版本");
    api.post(
        &format!("file/{}/new_version_v2", demo::README_FILE_ID),
        json!({"name": "report.md", "upload_type": "api"}),
    )
    .await
    .fails(StatusCode::CONFLICT, "file_name_conflict");
    api.post(
        "file/1/new_version_v2",
        json!({"name": "a", "upload_type": "api"}),
    )
    .await
    .fails(StatusCode::NOT_FOUND, "file_not_found");
}

// ---------------------------------------------------------------- search

#[tokio::test]
async fn search_filters_by_name_content_type_folder_and_time() {
    let (_sim, api) = me().await;
    let r = api.get_ok("item/search?query_words=report").await;
    assert_eq!(names(&r, "files"), ["report.md"]);
    let r = api
        .get_ok("item/search?query_words=FINAL&query_filter=content")
        .await;
    assert_eq!(names(&r, "files"), ["report.md"]);
    let r = api
        .get_ok("item/search?query_words=final&query_filter=file_name")
        .await;
    assert_eq!(r["total_count"], 0);
    let r = api
        .get_ok("item/search?query_words=s&type=folder&sort_by=name&sort_direction=asc")
        .await;
    assert_eq!(
        names(&r, "folders"),
        ["Alice Shared", "Documents", "Engineering Space"]
    );
    let r = api
        .get_ok(&format!(
            "item/search?query_words=txt&search_in_folder={}",
            demo::DOCUMENTS_FOLDER_ID
        ))
        .await;
    let mut found = names(&r, "files");
    found.sort();
    assert_eq!(found, ["old-notes.txt", "readme.txt"]);
    let r = api
        .get_ok("item/search?query_words=txt&department_id=-1")
        .await;
    assert_eq!(names(&r, "files"), ["alice-notes.txt"]);
    let r = api
        .get_ok("item/search?query_words=report.md&precise_search=true&fields=permission")
        .await;
    assert!(
        r["files"][0]["permissions"]
            .as_array()
            .unwrap()
            .contains(&json!("item_download"))
    );
    let r = api
        .get_ok("item/search?query_words=txt&updated_time_range=,1")
        .await;
    assert_eq!(r["total_count"], 0);
    api.get("item/search?query_words=x&updated_time_range=5,1")
        .await
        .fails(StatusCode::BAD_REQUEST, "timestamp_range_invalid");
    assert_eq!(
        api.get("item/search?query_words=x&updated_time_range=5")
            .await
            .field(),
        "updated_time_range"
    );
    assert_eq!(api.get("item/search").await.field(), "query_words");
    assert_eq!(
        api.get("item/search?query_words=x&query_filter=magic")
            .await
            .field(),
        "query_filter"
    );
    // Deleted items are not found.
    let r = api.get_ok("item/search?query_words=deleted-draft").await;
    assert_eq!(r["total_count"], 0);
}

#[tokio::test]
async fn searches_take_no_page_capacity_and_answer_pages_of_twenty() {
    let (_sim, api) = me().await;
    for i in 0..25 {
        api.upload(0, &format!("bulk-{i:02}.txt"), b"x").await;
    }
    let first = api.get_ok("item/search?query_words=bulk-").await;
    assert_eq!(first["files"].as_array().unwrap().len(), 20);
    assert_eq!(
        (first["total_count"].as_i64(), first["page_count"].as_i64()),
        (Some(25), Some(2))
    );
    assert_eq!(first["page_capacity"], 20);
    let second = api.get_ok("item/search?query_words=bulk-&page_id=1").await;
    assert_eq!(second["files"].as_array().unwrap().len(), 5);
    for path in [
        "item/search?query_words=bulk-&page_capacity=10",
        "user/search?page_capacity=2",
        "group/list?page_capacity=2",
        &format!(
            "department/{}/users?page_capacity=2",
            demo::ENGINEERING_DEPARTMENT_ID
        ),
    ] {
        let a = api.get(path).await;
        a.fails(StatusCode::BAD_REQUEST, "request_data_invalid");
        assert_eq!(a.field(), "page_capacity", "{path}");
    }
}

#[tokio::test]
async fn a_parameter_the_document_does_not_list_is_refused_naming_it() {
    let (_sim, api) = me().await;
    for (path, field) in [
        ("folder/personal_items?page_id=0&colour=red", "colour"),
        ("folder/0/children?limit=5", "limit"),
        ("trash/list?page_id=0&query_words=x", "query_words"),
        ("item/search?query_words=x&offset=3", "offset"),
    ] {
        let a = api.get(path).await;
        a.fails(StatusCode::BAD_REQUEST, "request_data_invalid");
        assert_eq!(a.field(), field, "{path}");
    }
    // The document's own example sends folder_id to children, and it is accepted.
    api.get_ok("folder/0/children?folder_id=0&type=all&page_capacity=100&page_id=0")
        .await;
}

// ---------------------------------------------------------------- comments

#[tokio::test]
async fn comments_are_listed_added_and_deleted() {
    let (sim, api) = me().await;
    let list = api
        .get_ok(&format!("file/{}/comments", demo::PLAN_FILE_ID))
        .await;
    assert_eq!(list["comments"][0]["id"], demo::COMMENT_ID);
    assert_eq!(list["comments"][0]["user"]["id"], demo::ALICE_ID);
    let c = api
        .post_ok(
            "comment/create",
            json!({"file_id": demo::PLAN_FILE_ID, "content": "@[881526:Alice] thanks"}),
        )
        .await;
    assert_eq!(
        c["item"],
        json!({"type": "file", "id": demo::PLAN_FILE_ID, "name": "plan.md"})
    );
    assert_eq!(c["user"]["id"], demo::USER_ID);
    let a = api
        .post(
            "comment/create",
            json!({"file_id": demo::PLAN_FILE_ID, "content": "x".repeat(1002)}),
        )
        .await;
    assert_eq!(a.field(), "content");
    assert_eq!(
        api.post("comment/create", json!({"file_id": demo::PLAN_FILE_ID}))
            .await
            .field(),
        "content"
    );
    api.post_ok(&format!("comment/{}/delete", c["id"]), json!({}))
        .await;
    api.post(&format!("comment/{}/delete", c["id"]), json!({}))
        .await
        .fails(StatusCode::NOT_FOUND, "comment_not_found");
    let bob = Api::user(&sim, demo::BOB_ID).await;
    bob.act("comment", demo::COMMENT_ID, "delete")
        .await
        .fails(StatusCode::FORBIDDEN, "permission_denied");
}

// ---------------------------------------------------------------- collaboration

#[tokio::test]
async fn collaborators_are_listed_invited_updated_and_removed() {
    let (_sim, api) = me().await;
    let team = demo::TEAM_FOLDER_ID;
    let list = api.get_ok(&format!("folder/{team}/collabs")).await;
    assert_eq!(list["final_role"], "owner");
    let collabs = list["collabs"].as_array().unwrap();
    assert_eq!(collabs[0]["role"], "owner");
    assert!(collabs[0].get("id").is_none());
    assert_eq!(collabs[1]["id"], demo::TEAM_ALICE_COLLAB_ID);
    assert_eq!(collabs[2]["accessible_by"]["type"], "group");

    let invite = |by: Value| {
        api.post(
            "collab/invite",
            json!({"folder_id": team, "accessible_by": by}),
        )
    };
    let c = invite(json!({"type": "user", "id": demo::BOB_ID, "role": "previewer"}))
        .await
        .ok();
    assert_eq!(c["role"], "previewer");
    assert_eq!(c["item"]["id"], team);
    invite(json!({"type": "user", "id": demo::BOB_ID, "role": "viewer"}))
        .await
        .fails(StatusCode::CONFLICT, "collab_user_has_been_invited");
    invite(json!({"type": "department", "id": demo::SALES_DEPARTMENT_ID, "role": "boss"}))
        .await
        .fails(StatusCode::BAD_REQUEST, "collab_role_invalid");
    invite(json!({"type": "user", "id": demo::USER_ID, "role": "viewer"}))
        .await
        .fails(StatusCode::BAD_REQUEST, "cannot_invite_item_owner");
    invite(json!({"type": "user", "id": demo::EXTERNAL_USER_ID, "role": "viewer"}))
        .await
        .fails(
            StatusCode::BAD_REQUEST,
            "collab_user_not_in_same_enterprise",
        );
    invite(json!({"type": "user", "id": 5, "role": "viewer"}))
        .await
        .fails(StatusCode::NOT_FOUND, "user_not_found");
    invite(json!({"type": "department", "id": 5, "role": "viewer"}))
        .await
        .fails(StatusCode::NOT_FOUND, "department_not_found");
    let id = c["id"].as_i64().unwrap();
    let u = api
        .post_ok(&format!("collab/{id}/update"), json!({"role": "editor"}))
        .await;
    assert_eq!(u["role"], "editor");
    api.post(&format!("collab/{id}/update"), json!({"role": "owner"}))
        .await
        .fails(StatusCode::BAD_REQUEST, "collab_role_invalid");
    assert_eq!(
        api.get_ok(&format!("collab/{id}/info")).await["accessible_by"]["id"],
        demo::BOB_ID
    );
    api.act("collab", id, "delete").await.ok();
    api.get(&format!("collab/{id}/info"))
        .await
        .fails(StatusCode::NOT_FOUND, "collab_not_found");

    let batch = api
        .post_ok(
            "collab/batch_invite",
            json!({"folder_id": team, "accessible_by": [{"type": "department_list", "ids": [demo::ENGINEERING_DEPARTMENT_ID, demo::SALES_DEPARTMENT_ID], "role": "viewer"}], "invitation_message": "hello"}),
        )
        .await;
    assert_eq!(batch["success"], true);
    assert_eq!(
        api.get_ok(&format!("folder/{team}/collabs")).await["collabs"]
            .as_array()
            .unwrap()
            .len(),
        5
    );
    let a = api
        .post("collab/invite", json!({"folder_id": team, "accessible_by": {"type": "user", "id": demo::BOB_ID, "role": "viewer"}, "invitation_message": "m".repeat(141)}))
        .await;
    assert_eq!(a.field(), "invitation_message");
    // Deleting the folder makes its collaborations unusable.
    api.act("folder", team, "delete").await.ok();
    api.get(&format!("collab/{}/info", demo::TEAM_ALICE_COLLAB_ID))
        .await
        .fails(StatusCode::NOT_FOUND, "collab_related_folder_deleted");
}

#[tokio::test]
async fn a_previewer_cannot_download_and_reset_ends_access() {
    let (sim, api) = me().await;
    let c = api
        .post_ok(
            "collab/invite",
            json!({"folder_id": demo::DOCUMENTS_FOLDER_ID, "accessible_by": {"type": "user", "id": demo::BOB_ID, "role": "previewer"}}),
        )
        .await;
    let bob = Api::user(&sim, demo::BOB_ID).await;
    bob.get_ok(&format!("file/{}/versions", demo::README_FILE_ID))
        .await;
    bob.get(&format!("file/{}/download", demo::README_FILE_ID))
        .await
        .fails(StatusCode::FORBIDDEN, "permission_denied");
    api.post_ok(
        &format!("collab/{}/update", c["id"]),
        json!({"role": "reset"}),
    )
    .await;
    bob.get(&format!("folder/{}/children", demo::DOCUMENTS_FOLDER_ID))
        .await
        .fails(StatusCode::FORBIDDEN, "permission_denied");
}

// ---------------------------------------------------------------- the rest

#[tokio::test]
async fn blank_files_take_a_free_name_show_in_recent_items_and_a_mark_makes_a_file_frequent() {
    let (_sim, api) = me().await;
    assert_eq!(
        api.get_ok("file/recent_items?limit=5").await["total_count"],
        0
    );
    assert_eq!(api.get("file/recent_items").await.field(), "limit");
    let body = json!({"departmentId": 0, "name": "111", "parentEnterpriseId": demo::ENTERPRISE_ID, "nameConflictResolveStrategy": "2", "parentFolderId": 0, "type": "1"});
    let blank = api.post_ok("file/create_blank_file", body.clone()).await;
    assert_eq!(
        (blank["name"].as_str(), blank["size"].as_i64()),
        (Some("111.docx"), Some(0))
    );
    let again = api.post_ok("file/create_blank_file", body).await;
    assert_eq!(again["name"], "111 (1).docx");
    let recent = api.get_ok("file/recent_items?limit=1").await;
    assert_eq!(names(&recent, "files"), ["111 (1).docx"]);
    api.act("file", demo::HELLO_FILE_ID, "mark_as_used")
        .await
        .ok();
    assert_eq!(
        api.get_ok(&format!("file/{}/info_v2", demo::HELLO_FILE_ID))
            .await["is_frequently_used"],
        true
    );
}

#[tokio::test]
async fn without_demo_data_only_the_app_user_and_an_empty_space_exist() {
    let sim = sim_with(|o| o.demo_data = false).await;
    let api = Api::me(&sim).await;
    assert_eq!(api.get_ok("folder/personal_items").await["total_count"], 0);
    assert_eq!(api.get_ok("user/info").await["space_used"], 0);
    let f = api.upload(0, "first.txt", b"1").await.ok();
    assert_eq!(f["id"], fangcloud_first_id());
    let (status, _) =
        token_request(&sim, &assertion(claims("user", demo::ALICE_ID)), &basic()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

fn fangcloud_first_id() -> i64 {
    demo::DOCUMENTS_FOLDER_ID
}

#[tokio::test]
async fn unknown_api_paths_answer_in_the_envelope() {
    let (_sim, api) = me().await;
    let a = api.get("file/1/nothing_here").await;
    assert_eq!(a.status, StatusCode::NOT_FOUND);
    assert!(a.body["errors"].is_array());
    let a = api.post("folder/create", json!([1])).await;
    assert_eq!(a.field(), "body");
}

// ---------------------------------------------------------------- share links

#[tokio::test]
async fn share_links_are_created_read_updated_and_revoked_with_the_documented_checks() {
    let (sim, api) = me().await;
    let file = demo::README_FILE_ID;
    let create = |body: Value| api.post("share_link/create", body);
    create(json!({"access": "public"})).await.fails(
        StatusCode::BAD_REQUEST,
        "share_link_resource_id_not_provided",
    );
    create(json!({"file_id": file, "folder_id": demo::DOCUMENTS_FOLDER_ID, "access": "public"}))
        .await
        .fails(StatusCode::BAD_REQUEST, "share_link_resource_id_ambiguous");
    create(json!({"file_id": file, "access": "everyone"}))
        .await
        .fails(StatusCode::BAD_REQUEST, "share_link_access_type_invalid");
    create(json!({"file_id": file, "access": "public", "password_protected": true}))
        .await
        .fails(StatusCode::BAD_REQUEST, "share_link_password_not_provided");
    create(json!({"file_id": file, "access": "public", "password_protected": true, "password": "p".repeat(34)}))
        .await
        .fails(StatusCode::BAD_REQUEST, "share_link_password_size_incorrect");
    create(json!({"file_id": file, "access": "public", "password_protected": true, "password": "no way"}))
        .await
        .fails(StatusCode::BAD_REQUEST, "share_link_password_invalid");
    create(json!({"file_id": file, "access": "public", "due_time": "2001-01-01"}))
        .await
        .fails(StatusCode::BAD_REQUEST, "due_time_passed");
    let link = create(json!({"file_id": file, "access": "company", "password_protected": true, "password": "abc123", "due_time": "2099-12-31"}))
        .await
        .ok();
    assert_eq!(link["password_protected"], true);
    assert_eq!(link["access"], "company");
    let name = link["unique_name"].as_str().unwrap().to_owned();
    let bob = Api::user(&sim, demo::BOB_ID).await;
    bob.get(&format!("share_link/{name}/info"))
        .await
        .fails(StatusCode::BAD_REQUEST, "share_link_password_not_provided");
    bob.get(&format!("share_link/{name}/info?password=nope"))
        .await
        .fails(StatusCode::FORBIDDEN, "share_link_password_not_correct");
    let seen = bob
        .get_ok(&format!("share_link/{name}/info?password=abc123"))
        .await;
    assert_eq!(seen["view_count"], 1);
    let updated = api
        .post_ok(
            &format!("share_link/{name}/update"),
            json!({"access": "public", "password_protected": false}),
        )
        .await;
    assert_eq!(
        (
            updated["access"].as_str(),
            updated["password_protected"].as_bool()
        ),
        (Some("public"), Some(false))
    );
    bob.act("share_link", &name, "revoke")
        .await
        .fails(StatusCode::FORBIDDEN, "permission_denied");
    let listed = api.get_ok(&format!("file/{file}/share_links")).await;
    assert_eq!(listed["total_count"], 1);
    api.act("share_link", &name, "revoke").await.ok();
    api.get(&format!("share_link/{name}/info"))
        .await
        .fails(StatusCode::NOT_FOUND, "share_link_not_found_or_deleted");
}

#[tokio::test]
async fn uploads_beyond_the_users_space_are_refused_and_leave_the_url_usable() {
    let sim = sim().await;
    let bob = Api::user(&sim, demo::BOB_ID).await;
    bob.post(
        "file/upload_v2",
        json!({"parent_id": 0, "name": "big.bin", "upload_type": "api", "file_size": demo::BOB_SPACE_TOTAL + 1}),
    )
    .await
    .fails(StatusCode::FORBIDDEN, "exceed_user_space_limit");
    let url = bob.presign(0, "big.bin").await;
    let too_big = vec![7u8; demo::BOB_SPACE_TOTAL as usize + 1];
    let a = post_file(&url, &too_big).await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);
    assert_eq!(a.body["error"], "exceed_user_space_limit");
    assert_eq!(bob.get_ok("user/info").await["space_used"], 0);
    let fits = vec![7u8; demo::BOB_SPACE_TOTAL as usize];
    post_file(&url, &fits).await.ok();
    assert_eq!(
        bob.get_ok("user/info").await["space_used"],
        demo::BOB_SPACE_TOTAL
    );
    // Copies count too.
    let me = Api::me(&sim).await;
    me.post_ok(
        "collab/invite",
        json!({"folder_id": demo::DOCUMENTS_FOLDER_ID, "accessible_by": {"type": "user", "id": demo::BOB_ID, "role": "viewer"}}),
    )
    .await;
    bob.post(
        &format!("file/{}/copy", demo::README_FILE_ID),
        json!({"target_folder_id": 0}),
    )
    .await
    .fails(StatusCode::FORBIDDEN, "exceed_user_space_limit");
}

#[tokio::test]
async fn restoring_needs_a_live_parent_and_a_free_name() {
    let (_sim, api) = me().await;
    api.acts(&[
        ("file", demo::OLD_NOTES_FILE_ID, "delete"),
        ("folder", demo::ARCHIVE_FOLDER_ID, "delete"),
    ])
    .await;
    api.act("file", demo::OLD_NOTES_FILE_ID, "restore_from_trash")
        .await
        .fails(StatusCode::NOT_FOUND, "folder_parent_deleted");
    api.act("folder", demo::ARCHIVE_FOLDER_ID, "restore_from_trash")
        .await
        .ok();
    api.act("file", demo::OLD_NOTES_FILE_ID, "restore_from_trash")
        .await
        .ok();
    api.act("file", demo::HELLO_FILE_ID, "delete").await.ok();
    api.upload(0, "hello.txt", b"replacement").await.ok();
    api.act("file", demo::HELLO_FILE_ID, "restore_from_trash")
        .await
        .fails(StatusCode::CONFLICT, "file_name_conflict");
}

#[tokio::test]
async fn a_collaborator_may_leave_but_not_remove_others() {
    let sim = sim().await;
    let alice = Api::user(&sim, demo::ALICE_ID).await;
    let me = Api::me(&sim).await;
    // Alice is an editor of Team: editors manage collaborators.
    alice
        .post_ok(
            &format!("collab/{}/update", demo::TEAM_GROUP_COLLAB_ID),
            json!({"role": "previewer"}),
        )
        .await;
    // The app user is only a viewer of Alice Shared: cannot remove anyone but themselves.
    let bob_collab = alice
        .post_ok(
            "collab/invite",
            json!({"folder_id": demo::ALICE_SHARED_FOLDER_ID, "accessible_by": {"type": "user", "id": demo::BOB_ID, "role": "viewer"}}),
        )
        .await;
    me.post(&format!("collab/{}/delete", bob_collab["id"]), json!({}))
        .await
        .fails(StatusCode::FORBIDDEN, "permission_denied");
    me.act("collab", demo::ALICE_SHARED_COLLAB_ID, "delete")
        .await
        .ok();
    assert_eq!(me.get_ok("folder/collab_folders").await["total_count"], 0);
    me.get(&format!("folder/{}/children", demo::ALICE_SHARED_FOLDER_ID))
        .await
        .fails(StatusCode::FORBIDDEN, "permission_denied");
}

#[tokio::test]
async fn a_user_renames_themself_within_thirty_characters() {
    let (_sim, api) = me().await;
    let u = api.post_ok("user/update", json!({"name": "Gateway"})).await;
    assert_eq!(u["name"], "Gateway");
    assert_eq!(api.get_ok("user/info").await["name"], "Gateway");
    let a = api
        .post("user/update", json!({"name": "n".repeat(31)}))
        .await;
    assert_eq!(a.field(), "name");
}

#[tokio::test]
async fn blank_files_check_their_arguments() {
    let (_sim, api) = me().await;
    let base = json!({"departmentId": 0, "name": "deck", "parentEnterpriseId": demo::ENTERPRISE_ID, "nameConflictResolveStrategy": "2", "parentFolderId": demo::DOCUMENTS_FOLDER_ID, "type": "2"});
    let made = api.post_ok("file/create_blank_file", base.clone()).await;
    assert_eq!(made["name"], "deck.pptx");
    assert_eq!(made["parent"]["id"], demo::DOCUMENTS_FOLDER_ID);
    for (k, v) in [
        ("type", json!("9")),
        ("nameConflictResolveStrategy", json!("1")),
        ("parentFolderId", Value::Null),
    ] {
        let mut b = base.clone();
        b[k] = v;
        let a = api.post("file/create_blank_file", b).await;
        a.fails(StatusCode::BAD_REQUEST, "request_data_invalid");
        assert_eq!(a.field(), k);
    }
    let mut b = base.clone();
    b["parentEnterpriseId"] = json!(demo::EXTERNAL_ENTERPRISE_ID);
    api.post("file/create_blank_file", b)
        .await
        .fails(StatusCode::FORBIDDEN, "permission_denied");
}

#[tokio::test]
async fn share_links_are_listed_per_file_and_folder_in_pages_and_gone_once_revoked() {
    let sim = sim().await;
    let api = Api::me(&sim).await;
    let file = demo::HELLO_FILE_ID;
    let folder = demo::DOCUMENTS_FOLDER_ID;
    let mut names = Vec::new();
    for _ in 0..3 {
        let l = api
            .post(
                "share_link/create",
                json!({"file_id": file, "access": "public"}),
            )
            .await
            .ok();
        names.push(l["unique_name"].as_str().unwrap().to_owned());
    }
    let f = api
        .post(
            "share_link/create",
            json!({"folder_id": folder, "access": "company"}),
        )
        .await
        .ok();
    assert_eq!(f["item"]["type"], "folder");
    // A file and a folder with the same number are different objects: each lists its own.
    let folders = api.get(&format!("folder/{folder}/share_links")).await.ok();
    assert_eq!(folders["total_count"], 1);
    assert_eq!(folders["share_links"][0]["unique_name"], f["unique_name"]);
    let mut seen = Vec::new();
    for page_id in 0..2 {
        let p = api
            .get(&format!(
                "file/{file}/share_links?page_id={page_id}&page_capacity=2"
            ))
            .await
            .ok();
        assert_eq!(
            (p["total_count"].as_i64(), p["page_count"].as_i64()),
            (Some(3), Some(2))
        );
        for l in p["share_links"].as_array().unwrap() {
            assert_eq!(l["item"]["id"], file);
            seen.push(l["unique_name"].as_str().unwrap().to_owned());
        }
    }
    seen.sort();
    names.sort();
    assert_eq!(seen, names);
    api.act("share_link", &names[0], "revoke").await.ok();
    let listed = api.get(&format!("file/{file}/share_links")).await.ok();
    assert_eq!(listed["total_count"], 2);
    assert!(
        listed["share_links"]
            .as_array()
            .unwrap()
            .iter()
            .all(|l| l["unique_name"] != names[0].as_str())
    );
    api.act("share_link", &names[0], "revoke")
        .await
        .fails(StatusCode::NOT_FOUND, "share_link_not_found_or_deleted");
    api.get(&format!("share_link/{}/info", names[0]))
        .await
        .fails(StatusCode::NOT_FOUND, "share_link_not_found_or_deleted");
}
