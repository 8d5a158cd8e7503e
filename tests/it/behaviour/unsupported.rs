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
