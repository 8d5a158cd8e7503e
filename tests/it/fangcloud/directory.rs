//! Directory reads: users, departments, groups.

use crate::calls::status_of;
use serde_json::Value;

use super::env::{Env, env};
use filegate::sandbox::fangcloud::demo;

/// `GET /directory{path}` on the connection.
fn dir(e: &Env, path: &str) -> reqwest::RequestBuilder {
    e.get(&e.url(&format!("/directory{path}")))
}

/// The principal ids of the directory listing at `path`.
async fn ids_at(e: &Env, path: &str) -> Vec<String> {
    ids(&e.json(dir(e, path)).await)
}

fn ids(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["principal"]["id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn users_are_searched_across_the_enterprise_or_within_a_department() {
    let e = env().await;
    assert_eq!(
        ids_at(&e, "/users").await,
        [demo::USER_ID, demo::ALICE_ID, demo::BOB_ID].map(|i| i.to_string()),
        "the outsider is not listed"
    );
    let alice = e.json(dir(&e, "/users?q=alice")).await;
    assert_eq!(ids(&alice), [demo::ALICE_ID.to_string()]);
    assert_eq!(alice["items"][0]["principal"]["type"], "user");
    assert_eq!(alice["items"][0]["principal"]["name"], "Alice");
    assert_eq!(alice["items"][0]["email"], demo::ALICE_EMAIL);
    let eng = format!("/users?department={}", demo::ENGINEERING_DEPARTMENT_ID);
    assert_eq!(
        ids_at(&e, &eng).await,
        [demo::USER_ID, demo::ALICE_ID].map(|i| i.to_string())
    );
    let mut seen = Vec::new();
    let mut url = e.url("/directory/users?limit=2");
    loop {
        let p = e.json(e.get(&url)).await;
        seen.extend(ids(&p));
        match p["next_cursor"].as_str() {
            Some(c) => url = e.url(&format!("/directory/users?limit=2&cursor={c}")),
            None => break,
        }
    }
    assert_eq!(seen.len(), 3);
    e.refused(
        dir(&e, "/users?department=999"),
        404,
        "department_not_found",
    )
    .await;
    assert_eq!(status_of(dir(&e, "/users?department=sales")).await, 400);
}

#[tokio::test]
async fn departments_and_groups_are_listed_and_filtered() {
    let e = env().await;
    let d = e.json(dir(&e, "/departments")).await;
    assert_eq!(
        ids(&d),
        [demo::ENGINEERING_DEPARTMENT_ID, demo::SALES_DEPARTMENT_ID].map(|i| i.to_string())
    );
    assert_eq!(d["items"][0]["principal"]["name"], "Engineering");
    assert_eq!(d["items"][0]["member_count"], 2);
    assert_eq!(
        ids_at(&e, "/departments?q=sal").await,
        [demo::SALES_DEPARTMENT_ID.to_string()]
    );
    let below_sales = format!("/departments?department={}", demo::SALES_DEPARTMENT_ID);
    assert!(
        ids_at(&e, &below_sales).await.is_empty(),
        "Sales has no sub-departments"
    );

    let g = e.json(dir(&e, "/groups")).await;
    assert_eq!(ids(&g), [demo::GROUP_ID.to_string()]);
    assert_eq!(g["items"][0]["principal"]["name"], "Project Team");
    assert_eq!(g["items"][0]["member_count"], 2);
    assert!(ids_at(&e, "/groups?q=nothing").await.is_empty());
    assert_eq!(status_of(dir(&e, "/groups?department=1")).await, 400);
}

#[tokio::test]
async fn the_directory_needs_the_directory_read_scope() {
    let e = env().await;
    e.refused(
        e.get_scoped(&e.url("/directory/users"), "files:read"),
        403,
        "insufficient_scope",
    )
    .await;
}
