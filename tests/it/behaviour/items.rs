//! Listing, paging and reading items, and the errors for ids, the same for every provider.

use serde_json::{Value, json};

use super::behaviour;
use crate::common::{problem, sim_stats};
use crate::env::Env;

async fn upstream_calls<S>(e: &Env<S>) -> u64 {
    sim_stats(e.sim()).await.calls.values().sum()
}

behaviour! {
    async fn paging_walks_the_whole_listing_and_bad_pages_are_400<S>() {
        let e = S::env().await;
        let all = e.names(&e.at("/items")).await;
        assert!(all.len() > 2, "{all:?}");
        let (seen, _) = e.walk(&e.at("/items?limit=2")).await;
        assert_eq!(seen, all);
        for bad in ["limit=0", "limit=1001", "cursor=@@@", "sort=sideways"] {
            let res = e.get(&e.at(&format!("/items?{bad}"))).send().await.unwrap();
            assert_eq!(res.status(), 400, "{bad}");
            problem(res).await;
        }
        let res = e.get(&e.at("/items?sort=sideways")).send().await.unwrap();
        let p = problem(res).await;
        assert_eq!((&p["code"], &p["field"]), (&json!("invalid_request"), &json!("sort")));
        let res = e.get(&e.at("/items?cursor=garbage")).send().await.unwrap();
        assert_eq!(problem(res).await["code"], "invalid_cursor");
    }
}

behaviour! {
    async fn kind_filters_keep_only_that_kind<S>() {
        let e = S::env().await;
        let folders = e.json(e.get(&e.at("/items?kind=folder"))).await;
        let folders = folders["items"].as_array().unwrap();
        assert!(!folders.is_empty());
        assert!(folders.iter().all(|i| i["kind"] == "folder"), "{folders:?}");
        let files = e.json(e.get(&e.at("/items?kind=file"))).await;
        let files = files["items"].as_array().unwrap();
        assert!(!files.is_empty());
        assert!(files.iter().all(|i| i["kind"] != "folder"), "{files:?}");
        let all = e.names(&e.at("/items")).await;
        assert_eq!(all.len(), folders.len() + files.len());
    }
}

behaviour! {
    async fn malformed_ids_are_400_before_any_upstream_call_and_unknown_ones_404<S>() {
        let e = S::env().await;
        let before = upstream_calls(&e).await;
        let space = S::space(&e);
        let long = "A".repeat(3000);
        for bad in ["x", "not-an-id", "AAAA", "%20", space.as_str(), long.as_str()] {
            let res = e.get(&e.at(&format!("/items/{bad}"))).send().await.unwrap();
            assert_eq!(res.status(), 400, "{bad}");
            assert_eq!(problem(res).await["code"], "invalid_id", "{bad}");
        }
        e.refused(e.get(&e.url("/spaces/%F0%9F%92%A5/items")), 400, "invalid_id").await;
        assert_eq!(upstream_calls(&e).await, before, "no upstream call for a malformed id");

        e.refused(e.get(&e.at(&format!("/items/{}", S::missing_file()))), 404, "item_not_found").await;
    }
}

behaviour! {
    async fn a_deleted_item_is_gone<S>() {
        let e = S::env().await;
        assert!(e.supports("delete_item").await);
        let (id, _) = S::file();
        let url = e.at(&format!("/items/{id}"));
        let got: Value = e.json(e.get(&url)).await;
        assert_eq!(got["id"], id);
        assert_eq!(e.delete(&url).send().await.unwrap().status(), 204);
        e.refused(e.get(&url), 404, "item_not_found").await;
        let res = e.delete(&url).send().await.unwrap();
        assert_eq!(res.status(), 404, "deleting it again");
    }
}

behaviour! {
    async fn bad_folder_bodies_are_problems_and_reach_nothing<S>() {
        let e = S::env().await;
        assert!(e.supports("create_folder").await);
        let before = upstream_calls(&e).await;
        let url = e.at("/folders");
        e.refused(e.post(&url).header("content-type", "application/json").body("{\"name\": "), 400, "invalid_json").await;
        let res = e
            .post(&url)
            .header("content-type", "text/plain")
            .body("{}")
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 415);
        problem(res).await;
        e.refused(e.post(&url).json(&json!({"name": "x", "colour": "red"})), 400, "invalid_request").await;
        let res = e.post(&url).json(&json!({"nam": "x"})).send().await.unwrap();
        assert_eq!(res.status(), 400);
        let big = json!({"name": "x".repeat(2 * 1024 * 1024)});
        let res = e.post(&url).json(&big).send().await.unwrap();
        assert_eq!(res.status(), 413);
        problem(res).await;
        for name in ["a/b", "what?", "", "   ", "tab\there"] {
            let res = e.post(&url).json(&json!({ "name": name })).send().await.unwrap();
            assert_eq!(res.status(), 400, "{name:?}");
            problem(res).await;
        }
        assert_eq!(upstream_calls(&e).await, before, "nothing reached the upstream");
    }
}
