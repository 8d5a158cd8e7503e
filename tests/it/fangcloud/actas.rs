//! Acting as another Fangcloud user with `X-Filegate-As-User` (scope `users:act_as`).

use super::env::{collab, department, env, names, personal};
use crate::calls::{item_texts, problem_of, send};
use crate::common::sim_stats;
use filegate::sandbox::fangcloud::demo;

const AS: &str = "x-filegate-as-user";

#[tokio::test]
async fn a_caller_with_act_as_scope_sees_the_other_users_spaces() {
    let e = env().await;
    let alice = demo::ALICE_ID.to_string();
    let list = e.json(e.get(&e.url("/spaces")).header(AS, &alice)).await;
    let ids = item_texts(&list, "id");
    assert_eq!(
        ids,
        [
            personal(demo::ALICE_ID),
            department(demo::ENGINEERING_DEPARTMENT_ID),
            collab(demo::TEAM_FOLDER_ID)
        ]
    );
    assert_eq!(list["items"][0]["name"], "Personal files of Alice");
    let mine = e
        .json(
            e.get(&e.surl(&personal(demo::ALICE_ID), "/items"))
                .header(AS, &alice),
        )
        .await;
    assert_eq!(names(&mine), ["Alice Shared"]);
    let fetched = sim_stats(e.sim()).await.token_fetches;
    // Alice's token is cached under her own key; the app user's is separate.
    e.json(
        e.get(&e.surl(&personal(demo::ALICE_ID), "/items"))
            .header(AS, &alice),
    )
    .await;
    assert_eq!(sim_stats(e.sim()).await.token_fetches, fetched);
    e.json(e.mget("/items")).await;
    assert_eq!(sim_stats(e.sim()).await.token_fetches, fetched + 1);
    // Acting as Alice, the app user's personal space is not hers.
    e.refused(e.mget("/items").header(AS, &alice), 404, "space_not_found")
        .await;
}

#[tokio::test]
async fn acting_as_needs_the_scope_and_a_real_user_id() {
    let e = env().await;
    e.refused(
        e.get_scoped(&e.url("/spaces"), "files:read")
            .header(AS, demo::ALICE_ID.to_string()),
        403,
        "insufficient_scope",
    )
    .await;

    let p = problem_of(e.get(&e.url("/spaces")).header(AS, "alice"), 400).await;
    assert_eq!(p["field"], AS);
    assert_eq!(sim_stats(e.sim()).await.token_fetches, 0);

    let p = problem_of(e.get(&e.url("/spaces")).header(AS, "424242"), 400).await;
    assert_eq!(p["code"], "act_as_user_not_found");
    assert_eq!(p["field"], AS);
    // A user of another enterprise cannot be acted as either.
    let res = send(
        e.get(&e.url("/spaces"))
            .header(AS, demo::EXTERNAL_USER_ID.to_string()),
    )
    .await;
    assert_eq!(res.status(), 400);
}
