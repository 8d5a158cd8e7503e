//! Spaces: personal, department and collaboration; quotas; capabilities.

use crate::calls::{item_texts, json_of, sandbox_reader_token, send};
use serde_json::{Value, json};

use super::env::{CONN, Env, collab, department, env, personal};
use crate::common::{problem, sim_calls, sim_stats};
use filegate::sandbox::fangcloud::{self, demo};

#[tokio::test]
async fn the_connection_publishes_its_capabilities_and_act_as_support() {
    let e = env().await;
    let c = e.json(e.get(&e.url(""))).await;
    assert_eq!(c["provider"], "fangcloud");
    assert_eq!(c["token"]["state"], "none");
    let caps = &c["capabilities"];
    assert_eq!(caps["acts_as_users"], true);
    assert_eq!(caps["max_name_length"], 222);
    assert_eq!(caps["range_downloads"], true);
    assert_eq!(
        caps["roles"],
        json!(["previewer", "viewer", "uploader", "editor", "manager"])
    );
    let ops = caps["operations"].as_array().unwrap();
    for op in [
        "list_spaces",
        "upload_file",
        "list_trash",
        "add_item_members",
        "list_directory_groups",
    ] {
        assert!(ops.contains(&json!(op)), "{op}");
    }
    for op in [
        "create_space",
        "get_sharing",
        "update_item_security",
        "list_space_members",
    ] {
        assert!(!ops.contains(&json!(op)), "{op}");
    }
    e.refused(
        e.post(&e.url("/spaces")).json(&json!({"name": "x"})),
        501,
        "unsupported_operation",
    )
    .await;
    let res = send(e.mget("/items/x/sharing")).await;
    assert_eq!(res.status(), 501);
    e.json(e.get(&e.url("/spaces"))).await;
    let c = e.json(e.get(&e.url(""))).await;
    assert_eq!(c["token"]["state"], "valid", "the default user's token");
    let list = e.json(e.get(&e.gw.url("/v1/connections"))).await;
    assert_eq!(list["items"][0]["name"], CONN);
}

#[tokio::test]
async fn spaces_are_the_personal_files_the_users_departments_and_shared_folders() {
    let e = env().await;
    let list = e.json(e.get(&e.url("/spaces"))).await;
    let spaces = list["items"].as_array().unwrap();
    let ids: Vec<&str> = spaces.iter().map(|s| s["id"].as_str().unwrap()).collect();
    assert_eq!(
        ids,
        [
            personal(demo::USER_ID),
            department(demo::ENGINEERING_DEPARTMENT_ID),
            department(demo::PLATFORM_DEPARTMENT_ID),
            collab(demo::ALICE_SHARED_FOLDER_ID)
        ],
        "Sales is not one of the app user's departments; Platform is below Engineering: {list}"
    );
    assert_eq!(spaces[0]["kind"], "personal");
    assert_eq!(spaces[0]["name"], "Personal files of Filegate App");
    assert_eq!(spaces[1]["kind"], "department");
    assert_eq!(spaces[1]["name"], "Engineering");
    assert_eq!(spaces[1]["member_count"], 2);
    assert_eq!(spaces[2]["name"], "Platform");
    assert_eq!(spaces[3]["kind"], "collaboration");
    assert_eq!(spaces[3]["name"], "Alice Shared");
    assert_eq!(
        spaces[3]["root_id"],
        super::env::folder(demo::ALICE_SHARED_FOLDER_ID)
    );
    // Paged with an offset cursor.
    let p = e.pages(&e.url("/spaces?limit=2")).await;
    assert_eq!(p.len(), 2, "the second page is the last");
    assert_eq!(p[0]["items"].as_array().unwrap().len(), 2);
    assert_eq!(p[1]["items"][1]["name"], "Alice Shared");

    for (space, name) in [
        (personal(demo::USER_ID), "Personal files of Filegate App"),
        (department(demo::ENGINEERING_DEPARTMENT_ID), "Engineering"),
        (collab(demo::ALICE_SHARED_FOLDER_ID), "Alice Shared"),
    ] {
        let s = e.json(e.get(&e.surl(&space, ""))).await;
        assert_eq!(s["name"], name);
        assert_eq!(s["id"], space);
    }
}

/// `GET {url}` is a quota of `scope` with `total` bytes; the answer, for more checks.
async fn quota(e: &Env, url: &str, scope: &str, total: u64) -> Value {
    let q = e.json(e.get(url)).await;
    assert_eq!(q["scope"], scope);
    assert_eq!(q["total_bytes"], total);
    q
}

#[tokio::test]
async fn quotas_come_from_the_user_the_department_or_the_shared_folders_owner() {
    let e = env().await;
    let q = quota(&e, &e.murl("/quota"), "user", 10u64 << 30).await;
    let used = q["used_bytes"].as_u64().unwrap();
    assert!(used > 0);
    assert_eq!(q["available_bytes"], (10u64 << 30) - used);
    assert_eq!(
        sim_stats(e.sim()).await.token_fetches,
        1,
        "only a user token so far"
    );

    let dep = department(demo::ENGINEERING_DEPARTMENT_ID);
    quota(&e, &e.surl(&dep, "/quota"), "space", 20u64 << 30).await;
    assert_eq!(
        sim_calls(e.sim(), "admin/department/info").await,
        1,
        "department quotas need the enterprise token"
    );
    assert_eq!(
        sim_stats(e.sim()).await.token_fetches,
        2,
        "one enterprise token"
    );

    let shared = collab(demo::ALICE_SHARED_FOLDER_ID);
    quota(&e, &e.surl(&shared, "/quota"), "user", 10u64 << 30).await;
    assert_eq!(sim_calls(e.sim(), "admin/user/info").await, 1);
    assert_eq!(
        sim_stats(e.sim()).await.token_fetches,
        2,
        "the enterprise token is cached like user tokens"
    );
}

#[tokio::test]
async fn bad_space_ids_are_refused_before_any_upstream_call() {
    let e = env().await;
    for bad in [
        "nope".to_owned(),
        filegate::model::ids::encode(
            filegate::model::ids::IdKind::Space,
            filegate::model::Provider::Wecom,
            &["personal", "881525"],
        ),
        filegate::model::ids::encode(
            filegate::model::ids::IdKind::Space,
            filegate::model::Provider::Fangcloud,
            &["team", "1"],
        ),
        super::env::file(1),
    ] {
        let res = send(e.get(&e.surl(&bad, "/items"))).await;
        assert_eq!(res.status(), 400, "{bad}");
        assert_eq!(problem(res).await["code"], "invalid_id");
    }
    // Somebody else's personal space is not this user's to open.
    e.refused(
        e.get(&e.surl(&personal(demo::ALICE_ID), "/items")),
        404,
        "space_not_found",
    )
    .await;
    assert_eq!(sim_stats(e.sim()).await.token_fetches, 0);
    // A department the user is not in: the upstream refuses.
    let res = send(e.get(&e.surl(&department(demo::SALES_DEPARTMENT_ID), "/items"))).await;
    assert_eq!(res.status(), 403);
    let p: Value = problem(res).await;
    assert_eq!(p["code"], "permission_denied");
    assert_eq!(p["upstream"]["provider"], "fangcloud");
    assert_eq!(p["upstream"]["code"], "permission_denied");
}

#[tokio::test]
async fn the_sandbox_serves_a_working_fangcloud_demo_connection() {
    let sandbox = filegate::sandbox::start(([127, 0, 0, 1], 0).into(), None)
        .await
        .expect("sandbox starts");
    let token = sandbox_reader_token(&sandbox.jwt_secret, "newcomer", "*");
    let http = crate::common::client();
    let base = &sandbox.gateway.base_url;
    let list: Value = json_of(
        http.get(format!("{base}/v1/connections/fangcloud-demo/spaces"))
            .bearer_auth(&token),
    )
    .await;
    assert_eq!(list["items"][0]["id"], personal(demo::USER_ID), "{list}");
    let items: Value = json_of(
        http.get(format!(
            "{base}/v1/connections/fangcloud-demo/spaces/{}/items",
            personal(demo::USER_ID)
        ))
        .bearer_auth(&token),
    )
    .await;
    assert_eq!(
        super::env::names(&items),
        ["Documents", "Team", "hello.txt"]
    );
}

#[tokio::test]
async fn the_department_walk_reads_the_java_sdks_children_departments_count_too() {
    let e = super::env::env_of(fangcloud::Options {
        children_field: fangcloud::ChildrenField::ChildrenDepartmentsCount,
        ..Default::default()
    })
    .await;
    let list = e.json(e.get(&e.url("/spaces"))).await;
    let ids = item_texts(&list, "id");
    assert!(
        ids.contains(&department(demo::PLATFORM_DEPARTMENT_ID)),
        "the sub-department is found through the count: {list}"
    );
}

#[tokio::test]
async fn a_failing_department_walk_leaves_the_other_spaces_listed_with_partial_set() {
    let e = env().await;
    e.fault(json!({"path": "department/0/children", "type": "server_error", "status": 503, "times": 10}))
        .await;
    let list = e.json(e.get(&e.url("/spaces"))).await;
    let ids = item_texts(&list, "id");
    assert_eq!(
        ids,
        [
            personal(demo::USER_ID),
            collab(demo::ALICE_SHARED_FOLDER_ID)
        ],
        "{list}"
    );
    let partial = list["partial"].as_array().expect("partial is set");
    assert_eq!(partial.len(), 1, "{list}");
    assert_eq!(partial[0]["source"], "departments");
    assert_eq!(partial[0]["problem"]["status"], 502);
    assert!(partial[0]["problem"]["code"].is_string());
    // Nothing failing: no partial member at all.
    crate::common::sim_clear_faults(e.sim()).await;
    let list = e.json(e.get(&e.url("/spaces"))).await;
    assert!(list.get("partial").is_none(), "{list}");
}

/// The upstream calls the space listing is assembled from: the personal, department and
/// collaboration spaces.
const SPACE_SOURCES: [&str; 3] = [
    "user/info",
    "department/0/children",
    "folder/collab_folders",
];

#[tokio::test]
async fn when_every_space_source_fails_the_listing_is_an_error() {
    let e = env().await;
    for path in SPACE_SOURCES {
        e.fault(json!({"path": path, "type": "server_error", "status": 500, "times": 10}))
            .await;
    }
    let res = send(e.get(&e.url("/spaces"))).await;
    assert_eq!(res.status(), 502);
    assert!(problem(res).await["code"].is_string());
}
