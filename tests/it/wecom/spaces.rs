use crate::calls::{json_of, problem_of, send, status_of};
use serde_json::{Value, json};

use super::env::{CONN, Env, env};
use crate::common::{problem, sim_calls};
use filegate::sandbox::wecom::demo;

/// `POST …/members` on the test space adding `members`, each written `type:id=role` (the
/// gateway's member id, then the role).
fn add_members(e: &Env, members: &[&str]) -> reqwest::RequestBuilder {
    let members: Vec<Value> = members
        .iter()
        .map(|m| {
            let (id, role) = m.split_once('=').expect("type:id=role");
            let (kind, id) = id.split_once(':').expect("type:id");
            json!({"type": kind, "id": id, "role": role})
        })
        .collect();
    e.post(&e.surl("/members"))
        .json(&json!({ "members": members }))
}

#[tokio::test]
async fn the_connection_publishes_its_capabilities_and_token_health() {
    let e = env().await;
    let c: Value = json_of(e.get(&e.url(""))).await;
    assert_eq!(c["provider"], "wecom");
    assert_eq!(
        c["token"]["state"], "none",
        "no token before the first upstream call"
    );
    let ops = c["capabilities"]["operations"].as_array().unwrap();
    assert!(ops.contains(&json!("upload_file")) && !ops.contains(&json!("copy_item")));
    assert_eq!(
        c["capabilities"]["max_single_request_upload_bytes"],
        10 * 1024 * 1024
    );
    send(e.get(&e.surl(""))).await;
    let c: Value = json_of(e.get(&e.url(""))).await;
    assert_eq!(c["token"]["state"], "valid");
    let list: Value = json_of(e.get(&e.gw.url("/v1/connections"))).await;
    assert_eq!(list["items"][0]["name"], CONN);
}

#[tokio::test]
async fn spaces_are_listed_from_the_store_and_follow_create_rename_delete() {
    let e = env().await;
    let list: Value = json_of(e.get(&e.url("/spaces"))).await;
    assert_eq!(
        list["items"].as_array().unwrap().len(),
        1,
        "the configured known space"
    );
    assert_eq!(list["items"][0]["name"], demo::SPACE_NAME);

    let res = send(e
        .post(&e.url("/spaces"))
        .json(&json!({"name": "Project 项目", "members": [{"type": "user", "id": "wangwu", "role": "viewer"}]}))).await;
    assert_eq!(res.status(), 201);
    let created: Value = res.json().await.unwrap();
    let id = created["id"].as_str().unwrap().to_owned();
    let list: Value = json_of(e.get(&e.url("/spaces?limit=1"))).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    let next = list["next_cursor"].as_str().expect("a second page");
    let page2: Value = json_of(e.get(&e.url(&format!("/spaces?limit=1&cursor={next}")))).await;
    assert_eq!(page2["items"].as_array().unwrap().len(), 1);
    assert!(page2["next_cursor"].is_null());

    let res = send(
        e.patch(&e.url(&format!("/spaces/{id}")))
            .json(&json!({"name": "Renamed"})),
    )
    .await;
    assert_eq!(res.status(), 200);
    let got: Value = json_of(e.get(&e.url(&format!("/spaces/{id}")))).await;
    assert_eq!(got["name"], "Renamed");
    assert_eq!(
        got["member_count"], 1,
        "wangwu; the app itself is not listed"
    );
    assert_eq!(created["member_count"], 1);

    assert_eq!(
        status_of(e.delete(&e.url(&format!("/spaces/{id}")))).await,
        204
    );
    let p = problem_of(e.get(&e.url(&format!("/spaces/{id}"))), 404).await;
    assert_eq!(p["code"], "space_not_found");
    assert_eq!(p["upstream"]["provider"], "wecom");
    let list: Value = json_of(e.get(&e.url("/spaces"))).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn space_settings_invite_link_and_quota() {
    let e = env().await;
    let s: Value = json_of(e.get(&e.surl("/settings"))).await;
    assert!(s["watermark"].is_boolean(), "{s}");
    let res = send(e.put(&e.surl("/settings")).json(
        &json!({"watermark": true, "default_file_scope": "members", "confidential_mode": true}),
    ))
    .await;
    assert_eq!(res.status(), 200);
    let s: Value = res.json().await.unwrap();
    assert_eq!(s["watermark"], true);
    assert_eq!(s["default_file_scope"], "members");
    assert_eq!(s["confidential_mode"], true);
    let res = send(
        e.put(&e.surl("/settings"))
            .json(&json!({"default_file_scope": "public"})),
    )
    .await;
    assert_eq!(res.status(), 400);

    // space_setting only works on spaces the app created (document) → 403.
    let user_space = filegate::model::ids::encode(
        filegate::model::ids::IdKind::Space,
        filegate::model::Provider::Wecom,
        &[demo::USER_SPACE_ID],
    );
    e.refused(
        e.put(&e.url(&format!("/spaces/{user_space}/settings")))
            .json(&json!({"watermark": true})),
        403,
        "permission_denied",
    )
    .await;

    let link: Value = json_of(e.post(&e.surl("/invite_link"))).await;
    assert!(link["url"].as_str().unwrap().starts_with("http"));

    let q: Value = json_of(e.get(&e.surl("/quota"))).await;
    assert_eq!(q["scope"], "corporation");
    assert!(q["total_bytes"].as_u64().unwrap() >= q["available_bytes"].as_u64().unwrap());
    assert_eq!(q["details"]["professional"], true);
    assert!(q["details"]["seats_total"].as_u64().is_some());
}

#[tokio::test]
async fn space_members_are_listed_added_updated_and_removed() {
    let e = env().await;
    let m: Value = json_of(e.get(&e.surl("/members"))).await;
    let items = m["items"].as_array().unwrap();
    assert!(
        items
            .iter()
            .any(|x| x["principal"]["id"] == demo::ADMIN_USER
                && x["role"] == "manager"
                && x["provider_role"] == "7")
    );
    assert!(items.iter().any(|x| x["principal"]["type"] == "department"));

    let res = send(add_members(
        &e,
        &["user:wangwu=previewer", "department:4=viewer"],
    ))
    .await;
    assert_eq!(res.status(), 201);
    let res = send(
        e.patch(&e.surl("/members/user:wangwu"))
            .json(&json!({"role": "viewer"})),
    )
    .await;
    assert_eq!(res.status(), 200);
    let m: Value = json_of(e.get(&e.surl("/members"))).await;
    let wangwu = m["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["principal"]["id"] == "wangwu")
        .cloned()
        .unwrap();
    assert_eq!(wangwu["role"], "viewer");

    assert_eq!(
        status_of(e.delete(&e.surl("/members/user:wangwu"))).await,
        204
    );
    let m: Value = json_of(e.get(&e.surl("/members"))).await;
    assert!(
        !m["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["principal"]["id"] == "wangwu")
    );

    let res = send(
        e.patch(&e.surl("/members/user:zhouba"))
            .json(&json!({"role": "viewer"})),
    )
    .await;
    assert_eq!(res.status(), 404);
    let res = send(e.delete(&e.surl("/members/robot:1"))).await;
    assert_eq!(problem(res).await["code"], "invalid_id");
    // A user the enterprise does not have is no member to add.
    let unknown_user = add_members(&e, &["user:nobody-here=viewer"]);
    e.refused(unknown_user, 400, "invalid_member").await;
}

#[tokio::test]
async fn manager_rules_are_enforced_before_calling_the_upstream() {
    let e = env().await;
    let before = sim_calls(e.sim(), "space_acl_add").await;
    // Department managers are not allowed.
    e.refused(
        add_members(&e, &["department:2=manager"]),
        400,
        "role_not_supported",
    )
    .await;
    // One manager exists; three more make four.
    let res = send(add_members(
        &e,
        &[
            "user:wangwu=manager",
            "user:zhaoliu=manager",
            "user:zhouba=manager",
        ],
    ))
    .await;
    assert_eq!(res.status(), 400);
    let p = problem(res).await;
    assert_eq!(p["code"], "too_many_managers");
    // A role outside WeDrive's three names the ones it has.
    let res = send(add_members(&e, &["user:wangwu=editor"])).await;
    assert_eq!(res.status(), 400);
    let p = problem(res).await;
    assert!(p["detail"].as_str().unwrap().contains("Previewer"), "{p}");
    assert_eq!(
        sim_calls(e.sim(), "space_acl_add").await,
        before,
        "nothing reached the upstream"
    );
    // Two more managers is fine (three in all).
    let res = send(add_members(
        &e,
        &["user:wangwu=manager", "user:zhaoliu=manager"],
    ))
    .await;
    assert_eq!(res.status(), 201);
}

#[tokio::test]
async fn space_names_follow_the_wedrive_width_rule() {
    let e = env().await;
    e.refused(
        e.post(&e.url("/spaces"))
            .json(&json!({"name": "空".repeat(128)})),
        400,
        "name_too_long",
    )
    .await;
    let res = send(
        e.post(&e.url("/spaces"))
            .json(&json!({"name": "空".repeat(127)})),
    )
    .await;
    assert_eq!(res.status(), 201);
}

#[tokio::test]
async fn a_configured_space_that_no_longer_exists_does_not_break_the_listing() {
    let e = super::env::env_with(Default::default(), |c| {
        if let filegate::config::ProviderConfig::Wecom(w) = &mut c.connections[0].provider {
            w.known_spaces.push("s.dismissed-long-ago".into());
        }
    })
    .await;
    let res = send(e.get(&e.url("/spaces"))).await;
    assert_eq!(res.status(), 200);
    let list: Value = res.json().await.unwrap();
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
}
