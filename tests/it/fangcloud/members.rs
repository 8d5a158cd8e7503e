//! Folder collaborations as item members, and share links.

use crate::calls::{problem_of, send, status_of};
use serde_json::{Value, json};

use super::env::{Env, env, file, folder};
use crate::common::{problem, sim_calls, token};
use filegate::sandbox::fangcloud::demo;

fn who(m: &Value) -> (String, String, String, String) {
    (
        m["principal"]["type"].as_str().unwrap().to_owned(),
        m["principal"]["id"].as_str().unwrap().to_owned(),
        m["role"].as_str().unwrap().to_owned(),
        m["provider_role"].as_str().unwrap().to_owned(),
    )
}

fn members(page: &Value) -> Vec<(String, String, String, String)> {
    page["items"].as_array().unwrap().iter().map(who).collect()
}

fn m(t: &str, id: i64, role: &str, provider: &str) -> (String, String, String, String) {
    (t.into(), id.to_string(), role.into(), provider.into())
}

#[tokio::test]
async fn a_folders_collaborations_are_its_members_on_the_unified_ladder() {
    let e = env().await;
    let team = folder(demo::TEAM_FOLDER_ID);
    let url = e.murl(&format!("/items/{team}/members"));
    let list = e.json(e.get(&url)).await;
    assert_eq!(
        members(&list),
        [
            m("user", demo::USER_ID, "owner", "owner"),
            m("user", demo::ALICE_ID, "editor", "editor"),
            m("group", demo::GROUP_ID, "viewer", "viewer"),
        ]
    );
    assert_eq!(list["items"][1]["principal"]["name"], "Alice");

    // One member: collab/invite.
    let res = send(e
        .post(&url)
        .json(&json!({"members": [{"type": "user", "id": demo::BOB_ID.to_string(), "role": "uploader"}], "message": "hi"}))).await;
    assert_eq!(res.status(), 201);
    let added: Value = res.json().await.unwrap();
    assert_eq!(
        members(&added),
        [m("user", demo::BOB_ID, "uploader", "uploader")]
    );
    assert_eq!(sim_calls(e.sim(), "collab/invite").await, 1);

    // Several: collab/batch_invite, with an exact Fangcloud role outside the ladder.
    let res = send(e
        .post(&url)
        .json(&json!({"members": [
            {"type": "department", "id": demo::SALES_DEPARTMENT_ID.to_string(), "role": "viewer", "provider_role": "viewer_uploader"},
            {"type": "department", "id": demo::ENGINEERING_DEPARTMENT_ID.to_string(), "role": "previewer"}
        ]}))).await;
    assert_eq!(res.status(), 201);
    assert_eq!(sim_calls(e.sim(), "collab/batch_invite").await, 1);
    let list = e.json(e.get(&url)).await;
    let all = members(&list);
    assert!(all.contains(&m(
        "department",
        demo::SALES_DEPARTMENT_ID,
        "uploader",
        "viewer_uploader"
    )));
    assert!(all.contains(&m(
        "department",
        demo::ENGINEERING_DEPARTMENT_ID,
        "previewer",
        "previewer"
    )));

    // Roles change by member reference; manager is coowner.
    let alice = e.murl(&format!("/items/{team}/members/user:{}", demo::ALICE_ID));
    let r = e
        .json(e.patch(&alice).json(&json!({"role": "manager"})))
        .await;
    assert_eq!(who(&r), m("user", demo::ALICE_ID, "manager", "coowner"));
    let r = e
        .json(
            e.patch(&alice)
                .json(&json!({"role": "viewer", "provider_role": "online_collaborator"})),
        )
        .await;
    assert_eq!(
        who(&r),
        m("user", demo::ALICE_ID, "uploader", "online_collaborator")
    );
    assert_eq!(status_of(e.delete(&alice)).await, 204);
    e.refused(e.delete(&alice), 404, "member_not_found").await;
    let list = e.json(e.get(&url)).await;
    assert!(
        !members(&list)
            .iter()
            .any(|x| x.1 == demo::ALICE_ID.to_string())
    );
}

#[tokio::test]
async fn member_requests_fangcloud_cannot_express_are_refused_first() {
    let e = env().await;
    let team = folder(demo::TEAM_FOLDER_ID);
    let url = e.murl(&format!("/items/{team}/members"));
    for (body, code, field) in [
        (
            json!({"members": [{"type": "user", "id": "1", "role": "owner"}]}),
            "role_not_supported",
            "role",
        ),
        (
            json!({"members": [{"type": "user", "id": "1", "role": "viewer", "provider_role": "reset"}]}),
            "role_not_supported",
            "provider_role",
        ),
        (
            json!({"members": [{"type": "user", "id": "bob", "role": "viewer"}]}),
            "invalid_member",
            "members[0].id",
        ),
    ] {
        let res = send(e.post(&url).json(&body)).await;
        assert_eq!(res.status(), 400, "{body}");
        let p = problem(res).await;
        assert_eq!(p["code"], code, "{body}");
        assert_eq!(p["field"], field, "{body}");
    }
    assert_eq!(sim_calls(e.sim(), "collab/invite").await, 0);
    let owner = e.murl(&format!("/items/{team}/members/user:{}", demo::USER_ID));
    e.refused(
        e.patch(&owner).json(&json!({"role": "viewer"})),
        400,
        "cannot_change_owner",
    )
    .await;
    // Files have no collaborations.
    e.refused(
        e.mget(&format!("/items/{}/members", file(demo::PLAN_FILE_ID))),
        400,
        "not_a_folder",
    )
    .await;
    // Upstream refusals.
    for (id, status, code) in [
        (demo::ALICE_ID, 409, "member_exists"),
        (demo::EXTERNAL_USER_ID, 403, "member_outside_enterprise"),
        (424242, 404, "user_not_found"),
    ] {
        let res =
            send(e.post(&url).json(
                &json!({"members": [{"type": "user", "id": id.to_string(), "role": "viewer"}]}),
            ))
            .await;
        assert_eq!(res.status(), status, "{id}");
        assert_eq!(problem(res).await["code"], code);
    }
    e.refused(
        e.post(&url)
            .json(&json!({"members": [{"type": "group", "id": "5", "role": "viewer"}]})),
        404,
        "group_not_found",
    )
    .await;
}

/// Every option a Fangcloud share link takes.
/// `/items/{hello.txt}{suffix}` in the personal space: the file the share-link tests share.
fn hello_url(e: &Env, suffix: &str) -> String {
    e.murl(&format!("/items/{}{suffix}", file(demo::HELLO_FILE_ID)))
}

/// Sends a share-link creation that must answer 200 with a link: the link.
async fn link_of(req: reqwest::RequestBuilder) -> Value {
    let res = send(req).await;
    assert_eq!(res.status(), 200);
    let l: Value = res.json().await.unwrap();
    assert!(l["url"].as_str().unwrap().contains("/share/"), "{l}");
    l
}

fn all_link_options() -> Value {
    json!({
        "scope": "organization",
        "role": "previewer",
        "password": "abc123",
        "expires_at": "2099-06-30T12:00:00Z"
    })
}

#[tokio::test]
async fn share_links_carry_scope_role_password_and_expiry() {
    let e = env().await;
    let url = hello_url(&e, "/share_link");
    let l = link_of(e.post(&url)).await;
    assert!(l["expires_at"].is_null());
    let l = e.json(e.post(&url).json(&all_link_options())).await;
    assert_eq!(
        l["expires_at"], "2099-06-30T15:59:59Z",
        "end of that day, Beijing time"
    );
    let team = folder(demo::TEAM_FOLDER_ID);
    e.json(e.post(&e.murl(&format!("/items/{team}/share_link"))))
        .await;
    assert_eq!(sim_calls(e.sim(), "share_link/create").await, 3);
    for (body, code) in [
        (json!({"password": "not ok!"}), "invalid_password"),
        (json!({"password": "a".repeat(34)}), "invalid_password"),
        (json!({"scope": "members"}), "share_scope_not_supported"),
        (json!({"role": "editor"}), "role_not_supported"),
        (
            json!({"expires_at": "2001-01-01T00:00:00Z"}),
            "expiry_in_past",
        ),
    ] {
        let res = send(e.post(&url).json(&body)).await;
        assert_eq!(res.status(), 400, "{body}");
        assert_eq!(problem(res).await["code"], code);
    }
    assert_eq!(sim_calls(e.sim(), "share_link/create").await, 3);
}

/// The document types the optional body as `null` or the options object: both are taken, and an
/// array still is not (found by schemathesis).
#[tokio::test]
async fn a_null_share_link_body_means_no_options() {
    let e = env().await;
    let url = hello_url(&e, "/share_link");
    link_of(e.post(&url).json(&Value::Null)).await;
    assert_eq!(sim_calls(e.sim(), "share_link/create").await, 1);
    assert_eq!(
        problem_of(e.post(&url).json(&json!([null])), 400).await["code"],
        "invalid_request"
    );
    assert_eq!(sim_calls(e.sim(), "share_link/create").await, 1);
}

/// Share links are resources: listed with their ids and settings, revoked by id.
#[tokio::test]
async fn share_links_are_listed_with_their_settings_and_revoked_by_id() {
    let e = env().await;
    let hello = file(demo::HELLO_FILE_ID);
    let create = hello_url(&e, "/share_link");
    let list = hello_url(&e, "/share_links");
    let open = e.json(e.post(&create)).await;
    let guarded = e.json(e.post(&create).json(&all_link_options())).await;
    for l in [&open, &guarded] {
        assert!(l["id"].as_str().is_some_and(|id| !id.is_empty()), "{l}");
    }
    assert_ne!(open["id"], guarded["id"]);
    assert_eq!(
        (&open["scope"], &open["role"], &open["has_password"]),
        (&json!("public"), &json!("viewer"), &json!(false))
    );
    assert!(open["expires_at"].is_null());

    let page = e.json(e.get(&list)).await;
    let mut items = page["items"].as_array().unwrap().clone();
    assert_eq!(items.len(), 2, "{page}");
    assert!(page["next_cursor"].is_null());
    items.sort_by_key(|l| l["has_password"].as_bool());
    assert_eq!(items, [open.clone(), guarded.clone()], "listed as created");
    assert_eq!(
        (
            &guarded["scope"],
            &guarded["role"],
            &guarded["has_password"],
            &guarded["expires_at"]
        ),
        (
            &json!("organization"),
            &json!("previewer"),
            &json!(true),
            &json!("2099-06-30T15:59:59Z")
        )
    );
    // Paged to the caller's limit.
    let first = e.json(e.get(&format!("{list}?limit=1"))).await;
    assert_eq!(first["items"].as_array().unwrap().len(), 1);
    let cursor = first["next_cursor"].as_str().unwrap().to_owned();
    let second = e
        .json(e.get(&format!("{list}?limit=1&cursor={cursor}")))
        .await;
    assert_eq!(second["items"].as_array().unwrap().len(), 1);
    assert_ne!(first["items"][0]["id"], second["items"][0]["id"]);

    // Revoking needs sharing:write.
    let gone = guarded["id"].as_str().unwrap();
    let url = format!("{list}/{gone}");
    let res =
        e.gw.http
            .delete(&url)
            .bearer_auth(token("files:read", "*"))
            .send()
            .await
            .unwrap();
    assert_eq!(res.status(), 403);
    let res = e.delete(&url).send().await.unwrap();
    assert_eq!(res.status(), 204);
    assert_eq!(sim_calls(e.sim(), "share_link/revoke").await, 1);
    let page = e.json(e.get(&list)).await;
    assert_eq!(page["items"], json!([open]));
    e.refused(e.delete(&url), 404, "share_link_not_found").await;

    // Ids are the gateway's: malformed ones, and a link id on another item, are 400 and
    // reach no upstream.
    let readme = file(demo::README_FILE_ID);
    let calls = sim_calls(e.sim(), "share_link/revoke").await;
    // A well-formed id whose link name is a path: never forwarded.
    let forged = filegate::model::ids::encode(
        filegate::model::ids::IdKind::ShareLink,
        filegate::model::Provider::Fangcloud,
        &[
            "file",
            &demo::HELLO_FILE_ID.to_string(),
            "x/../../file/1/delete",
        ],
    );
    for bad in [
        e.murl(&format!("/items/{hello}/share_links/{forged}")),
        e.murl(&format!("/items/{hello}/share_links/not-an-id")),
        e.murl(&format!("/items/{hello}/share_links/{hello}")),
        e.murl(&format!(
            "/items/{readme}/share_links/{}",
            open["id"].as_str().unwrap()
        )),
    ] {
        e.refused(e.delete(&bad), 400, "invalid_id").await;
    }
    assert_eq!(sim_calls(e.sim(), "share_link/revoke").await, calls);
}

/// A folder's links are its own: the folder with the same number as a file lists none of the
/// file's.
#[tokio::test]
async fn a_folders_share_links_are_listed_apart_from_a_files() {
    let e = env().await;
    let hello = file(demo::HELLO_FILE_ID);
    let docs = folder(demo::DOCUMENTS_FOLDER_ID);
    e.json(e.post(&e.murl(&format!("/items/{hello}/share_link"))))
        .await;
    let l = e
        .json(e.post(&e.murl(&format!("/items/{docs}/share_link"))))
        .await;
    let page = e.json(e.mget(&format!("/items/{docs}/share_links"))).await;
    assert_eq!(page["items"], json!([l]));
    let res = e
        .delete(&e.murl(&format!(
            "/items/{docs}/share_links/{}",
            l["id"].as_str().unwrap()
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    let page = e.json(e.mget(&format!("/items/{docs}/share_links"))).await;
    assert_eq!(page["items"], json!([]));
}
