//! Every operation a connection's capabilities leave out answers 501 `unsupported_operation`
//! naming the provider, and reaches no upstream.

use serde_json::{Value, json};

use super::behaviour;
use crate::common::problem;

/// An operation, and a request for it (`{space}`-relative paths start with `/items` or are
/// space routes; the others are connection routes).
struct Trial {
    operation: &'static str,
    method: &'static str,
    path: String,
    body: Option<Value>,
    in_space: bool,
}

fn trials(file: &str, folder: &str) -> Vec<Trial> {
    let t = |operation, method, path: String, body, in_space| Trial {
        operation,
        method,
        path,
        body,
        in_space,
    };
    vec![
        t("delete_space", "DELETE", String::new(), None, true),
        t("get_space_settings", "GET", "/settings".into(), None, true),
        t("list_space_members", "GET", "/members".into(), None, true),
        t(
            "copy_item",
            "POST",
            format!("/items/{file}/copy"),
            Some(json!({"parent": "root"})),
            true,
        ),
        t(
            "list_versions",
            "GET",
            format!("/items/{file}/versions"),
            None,
            true,
        ),
        t(
            "get_version",
            "GET",
            format!("/items/{file}/versions/v1"),
            None,
            true,
        ),
        t("list_trash", "GET", "/trash".into(), None, true),
        t(
            "restore_item",
            "POST",
            format!("/items/{file}/restore"),
            None,
            true,
        ),
        t("purge_item", "DELETE", format!("/trash/{file}"), None, true),
        t("search", "GET", "/search?q=x".into(), None, true),
        t("list_recent", "GET", "/recent".into(), None, false),
        t(
            "list_comments",
            "GET",
            format!("/items/{file}/comments"),
            None,
            true,
        ),
        t(
            "list_item_members",
            "GET",
            format!("/items/{folder}/members"),
            None,
            true,
        ),
        t(
            "get_sharing",
            "GET",
            format!("/items/{file}/sharing"),
            None,
            true,
        ),
        t(
            "list_share_links",
            "GET",
            format!("/items/{file}/share_links"),
            None,
            true,
        ),
        t(
            "revoke_share_link",
            "DELETE",
            format!("/items/{file}/share_links/{file}"),
            None,
            true,
        ),
        t(
            "get_item_security",
            "GET",
            format!("/items/{file}/security"),
            None,
            true,
        ),
        t(
            "list_directory_users",
            "GET",
            "/directory/users".into(),
            None,
            false,
        ),
        t(
            "list_directory_departments",
            "GET",
            "/directory/departments".into(),
            None,
            false,
        ),
        t(
            "list_directory_groups",
            "GET",
            "/directory/groups".into(),
            None,
            false,
        ),
    ]
}

behaviour! {
    async fn operations_outside_the_capabilities_answer_501<S>() {
        let e = S::env().await;
        let c = e.json(e.get(&e.url(""))).await;
        let provider = c["provider"].as_str().unwrap().to_owned();
        let ops = c["capabilities"]["operations"].as_array().unwrap().clone();
        let (file, _) = S::file();
        let mut asserted = 0;
        for t in trials(&file, &S::folder()) {
            if ops.contains(&Value::from(t.operation)) {
                continue;
            }
            let url = if t.in_space { e.at(&t.path) } else { e.url(&t.path) };
            let calls = crate::common::sim_stats(e.sim()).await.calls.values().sum::<u64>();
            let mut req = match t.method {
                "GET" => e.get(&url),
                "POST" => e.post(&url),
                "DELETE" => e.delete(&url),
                other => unreachable!("{other}"),
            };
            if let Some(b) = &t.body {
                req = req.json(b);
            }
            let res = req.send().await.unwrap();
            assert_eq!(res.status(), 501, "{}", t.operation);
            let p = problem(res).await;
            assert_eq!(p["code"], "unsupported_operation", "{}", t.operation);
            assert!(p["detail"].as_str().unwrap().contains(&provider), "{p}");
            assert_eq!(
                crate::common::sim_stats(e.sim()).await.calls.values().sum::<u64>(),
                calls,
                "{} reached the upstream",
                t.operation
            );
            asserted += 1;
        }
        assert!(asserted > 0, "{provider} supports every trial");
    }
}

/// A request exercising `operation` on a space (`target` = None) or on item `target`.
fn attempt(operation: &str, target: Option<&str>) -> (&'static str, String, Option<Value>) {
    let item = |rest: &str| format!("/items/{}{rest}", target.unwrap_or("none"));
    let j = |v: Value| Some(v);
    match operation {
        "get_space" => ("GET", String::new(), None),
        "rename_space" => ("PATCH", String::new(), j(json!({"name": "walked"}))),
        "delete_space" => ("DELETE", String::new(), None),
        "get_quota" => ("GET", "/quota".into(), None),
        "get_space_settings" => ("GET", "/settings".into(), None),
        "update_space_settings" => ("PUT", "/settings".into(), j(json!({}))),
        "create_space_invite_link" => ("POST", "/invite_link".into(), None),
        "list_space_members" => ("GET", "/members".into(), None),
        "add_space_members" => ("POST", "/members".into(), j(json!({}))),
        "update_space_member" => ("PATCH", "/members/user:nobody".into(), j(json!({}))),
        "remove_space_members" => ("DELETE", "/members/user:nobody".into(), None),
        "list_items" => ("GET", "/items".into(), None),
        "create_folder" => ("POST", "/folders".into(), j(json!({"name": "walked"}))),
        "create_document" => (
            "POST",
            "/documents".into(),
            j(json!({"name": "walked doc", "kind": "document"})),
        ),
        "upload_file" => ("POST", "/files?name=walked.txt".into(), None),
        "list_trash" => ("GET", "/trash".into(), None),
        "search" => ("GET", "/search?q=walk".into(), None),
        "get_item" => ("GET", item(""), None),
        "rename_item" => ("PATCH", item(""), j(json!({"name": "walked-renamed"}))),
        "move_item" => ("PATCH", item(""), j(json!({"parent": "root"}))),
        "update_description" => ("PATCH", item(""), j(json!({"description": "walked"}))),
        "copy_item" => ("POST", item("/copy"), j(json!({"parent": "root"}))),
        "delete_item" => ("DELETE", item(""), None),
        "download_file" => ("GET", item("/content"), None),
        "list_versions" => ("GET", item("/versions"), None),
        "get_version" => ("GET", item("/versions/v1"), None),
        "upload_version" => ("POST", item("/versions"), None),
        "promote_version" => ("POST", item("/versions/v1/promote"), None),
        "delete_version" => ("DELETE", item("/versions/v1"), None),
        "list_comments" => ("GET", item("/comments"), None),
        "add_comment" => ("POST", item("/comments"), j(json!({"content": "walked"}))),
        "delete_comment" => ("DELETE", item("/comments/1"), None),
        "list_item_members" => ("GET", item("/members"), None),
        "add_item_members" => ("POST", item("/members"), j(json!({}))),
        "update_item_member" => ("PATCH", item("/members/user:nobody"), j(json!({}))),
        "remove_item_members" => ("DELETE", item("/members/user:nobody"), None),
        "get_sharing" => ("GET", item("/sharing"), None),
        "update_sharing" => ("PUT", item("/sharing"), j(json!({}))),
        "create_share_link" => ("POST", item("/share_link"), j(json!({}))),
        "list_share_links" => ("GET", item("/share_links"), None),
        // Any link id: a refusal of it (400, 404) is not a 501.
        "revoke_share_link" => ("DELETE", item("/share_links/none"), None),
        "get_item_security" => ("GET", item("/security"), None),
        "update_item_security" => ("PUT", item("/security"), j(json!({}))),
        other => panic!("no trial for {other}"),
    }
}

/// Tries each of `allowed` under `base` (a space URL), deletions last, and gives the
/// operations that answered 501.
async fn refused_with_501<S: super::Subject>(
    e: &crate::env::Env<S>,
    base: &str,
    target: Option<&str>,
    allowed: &[Value],
) -> Vec<String> {
    let mut ops: Vec<&str> = allowed.iter().map(|o| o.as_str().unwrap()).collect();
    ops.sort_by_key(|o| {
        ["delete_", "remove_", "revoke_"]
            .iter()
            .any(|p| o.starts_with(p))
    });
    let mut refused = Vec::new();
    for op in ops {
        let (method, path, body) = attempt(op, target);
        let url = format!("{base}{path}");
        let mut req = match method {
            "GET" => e.get(&url),
            "POST" => e.post(&url),
            "PUT" => e.put(&url),
            "PATCH" => e.patch(&url),
            "DELETE" => e.delete(&url),
            other => unreachable!("{other}"),
        };
        req = match body {
            Some(b) => req.json(&b),
            None if method == "POST" => req.body("walked content"),
            None => req,
        };
        let res = req.send().await.unwrap();
        if res.status() == 501 {
            refused.push(format!("{op}: {}", problem(res).await));
        }
    }
    refused
}

behaviour! {
    async fn every_allowed_operation_of_every_space_and_item_kind_is_implemented<S>() {
        let e = S::env().await;
        let c = e.json(e.get(&e.url(""))).await;
        let ops = c["capabilities"]["operations"].as_array().unwrap().clone();
        let (file, _) = S::file();
        // Items first (in the suite's space), while the space is intact.
        for item in [file, S::folder()] {
            let got = e.json(e.get(&e.at(&format!("/items/{item}")))).await;
            let allowed = got["allowed_operations"].as_array().unwrap().clone();
            assert!(allowed.iter().all(|o| ops.contains(o)), "{got}");
            let refused = refused_with_501(&e, &e.at(""), Some(&item), &allowed).await;
            assert!(refused.is_empty(), "{} {}: {refused:?}", got["kind"], got["name"]);
        }
        // One space of each kind.
        let spaces = e.json(e.get(&e.url("/spaces"))).await;
        let mut kinds = Vec::new();
        for s in spaces["items"].as_array().unwrap() {
            if kinds.contains(&s["kind"]) {
                continue;
            }
            kinds.push(s["kind"].clone());
            let id = s["id"].as_str().unwrap();
            let allowed = s["allowed_operations"].as_array().unwrap().clone();
            assert!(allowed.iter().all(|o| ops.contains(o)), "{s}");
            let refused = refused_with_501(&e, &e.url(&format!("/spaces/{id}")), None, &allowed).await;
            assert!(refused.is_empty(), "{} space: {refused:?}", s["kind"]);
        }
    }
}
