//! The code enforces what the OpenAPI document states: JSON objects are objects (never arrays,
//! at any depth), and the documented limits are the limits, each answered with a 400 problem
//! naming its `field` before any upstream call.

use crate::calls::{problem_of, send};
use serde_json::{Value, json};

use super::env::{env, file, folder};
use crate::common::{problem, sim_calls};
use filegate::sandbox::fangcloud::demo;

fn doc() -> Value {
    serde_json::to_value(filegate::api::openapi()).unwrap()
}

/// A query parameter's schema, from the generated document.
fn param_schema(doc: &Value, path: &str, name: &str) -> Value {
    doc["paths"][path]["get"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == name)
        .map(|p| p["schema"].clone())
        .unwrap_or_else(|| panic!("{path} documents {name}"))
}

fn max(schema: &Value, key: &str) -> usize {
    schema[key]
        .as_u64()
        .unwrap_or_else(|| panic!("{key} in {schema}")) as usize
}

#[tokio::test]
async fn an_array_is_refused_where_an_object_is_expected() {
    let e = env().await;
    let hello = file(demo::HELLO_FILE_ID);
    let link = e.murl(&format!("/items/{hello}/share_link"));
    let p = problem_of(e.post(&link).json(&json!([null, null])), 400).await;
    assert_eq!(p["code"], "invalid_request", "{p}");
    assert!(p["detail"].as_str().unwrap().contains("sequence"), "{p}");
    assert_eq!(sim_calls(e.sim(), "share_link/create").await, 0);

    assert_eq!(
        problem_of(
            e.post(&e.murl("/folders")).json(&json!(["new folder"])),
            400
        )
        .await["code"],
        "invalid_request"
    );

    // Nested: a member given as an array of its fields.
    let team = folder(demo::TEAM_FOLDER_ID);
    let res = send(
        e.post(&e.murl(&format!("/items/{team}/members")))
            .json(&json!({"members": [["user", "2", "viewer"]]})),
    )
    .await;
    assert_eq!(res.status(), 400);
    let p = problem(res).await;
    assert_eq!(p["field"], "members[0]", "{p}");

    // The object forms still work.
    let res = send(e.post(&link).json(&json!({}))).await;
    assert_eq!(res.status(), 200);
    assert_eq!(sim_calls(e.sim(), "share_link/create").await, 1);
}

#[tokio::test]
async fn body_errors_name_their_field() {
    let e = env().await;
    let url = e.murl("/folders");
    for (body, field) in [
        (json!({}), "name"),
        (json!({"name": "x", "bogus": 1}), "bogus"),
        (json!({"name": 5}), "name"),
        (json!({"name": "   "}), "name"),
    ] {
        let res = send(e.post(&url).json(&body)).await;
        assert_eq!(res.status(), 400, "{body}");
        let p = problem(res).await;
        assert_eq!(p["field"], field, "{body}: {p}");
    }
    let res = send(
        e.post(&url)
            .header("content-type", "application/json")
            .body("{\"name\":"),
    )
    .await;
    assert_eq!(res.status(), 400);
    assert_eq!(problem(res).await["code"], "invalid_json");
    let res = send(e.post(&url).body("{}")).await;
    assert_eq!(res.status(), 415);
}

#[tokio::test]
async fn documented_limits_are_enforced_at_their_edges() {
    let doc = doc();
    let e = env().await;

    let limit = param_schema(&doc, "/v1/connections/{conn}/spaces", "limit");
    let (lo, hi) = (max(&limit, "minimum"), max(&limit, "maximum"));
    assert_eq!((lo, hi), (1, 1000));
    for (n, ok) in [(lo - 1, false), (lo, true), (hi, true), (hi + 1, false)] {
        let res = send(e.get(&e.url(&format!("/spaces?limit={n}")))).await;
        if ok {
            assert_eq!(res.status(), 200, "limit={n}");
        } else {
            assert_eq!(res.status(), 400, "limit={n}");
            assert_eq!(problem(res).await["field"], "limit");
        }
    }

    let search = "/v1/connections/{conn}/spaces/{space}/search";
    let q_max = max(&param_schema(&doc, search, "q"), "maxLength");
    for (q, ok) in [
        ("a".repeat(q_max), true),
        ("a".repeat(q_max + 1), false),
        ("%20%20".to_owned(), false),
        (format!("{}a", "%20".repeat(q_max)), false),
    ] {
        let res = send(e.mget(&format!("/search?q={q}"))).await;
        if ok {
            assert_eq!(res.status(), 200, "q of {} characters", q.len());
        } else {
            assert_eq!(res.status(), 400, "q={q}");
            assert_eq!(problem(res).await["field"], "q");
        }
    }

    let users = "/v1/connections/{conn}/directory/users";
    let dq_max = max(&param_schema(&doc, users, "q"), "maxLength");
    assert_eq!(
        problem_of(
            e.get(&e.url(&format!("/directory/users?q={}", "b".repeat(dq_max + 1)))),
            400
        )
        .await["field"],
        "q"
    );

    let name = &doc["components"]["schemas"]["CreateFolder"]["properties"]["name"];
    let name_max = max(name, "maxLength");
    let res = send(
        e.post(&e.murl("/folders"))
            .json(&json!({"name": "名".repeat(name_max + 1)})),
    )
    .await;
    assert_eq!(res.status(), 400);
    assert_eq!(problem(res).await["field"], "name");

    let add = &doc["components"]["schemas"]["AddMembers"]["properties"]["members"];
    let most = max(add, "maxItems");
    let grant = json!({"type": "user", "id": "2", "role": "viewer"});
    let team = folder(demo::TEAM_FOLDER_ID);
    for members in [vec![], vec![grant; most + 1]] {
        let res = send(
            e.post(&e.murl(&format!("/items/{team}/members")))
                .json(&json!({ "members": members })),
        )
        .await;
        assert_eq!(res.status(), 400, "{} members", members.len());
        assert_eq!(problem(res).await["field"], "members");
    }

    let bad_ref = send(e.delete(&e.murl(&format!("/items/{team}/members/nobody")))).await;
    assert_eq!(bad_ref.status(), 400);
    assert_eq!(sim_calls(e.sim(), "collab/invite").await, 0);
}
