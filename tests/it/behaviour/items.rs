//! Listing, paging and reading items, and the errors for ids, the same for every provider.

use serde_json::{Value, json};

use super::behaviour;
use crate::calls::problem_of;
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
        assert!(files.iter().all(|i| i["kind"] == "file"), "no online documents: {files:?}");
        let all = e.json(e.get(&e.at("/items"))).await;
        let all = all["items"].as_array().unwrap();
        let count = |k: &str| all.iter().filter(|i| i["kind"] == k).count();
        assert_eq!(count("folder"), folders.len());
        assert_eq!(count("file"), files.len());
    }
}

behaviour! {
    async fn filtered_walks_see_every_item_once_and_no_page_is_empty_before_the_end<S>() {
        let e = S::env().await;
        for kind in ["file", "folder"] {
            let whole = e.names(&e.at(&format!("/items?kind={kind}"))).await;
            let first = e.at(&format!("/items?kind={kind}&limit=1"));
            let mut url = first.clone();
            let mut seen = Vec::new();
            loop {
                let page = e.json(e.get(&url)).await;
                let items = page["items"].as_array().unwrap();
                if let Some(c) = page["next_cursor"].as_str() {
                    assert!(!items.is_empty(), "an empty page before the end: {page}");
                    url = format!("{first}&cursor={c}");
                } else {
                    seen.extend(items.iter().map(|i| i["name"].as_str().unwrap().to_owned()));
                    break;
                }
                seen.extend(items.iter().map(|i| i["name"].as_str().unwrap().to_owned()));
            }
            assert_eq!(seen, whole, "{kind}");
        }
    }
}

behaviour! {
    async fn a_cursor_reused_with_other_listing_parameters_is_400_invalid_cursor<S>() {
        let e = S::env().await;
        let page = e.json(e.get(&e.at("/items?limit=1&sort=name_asc"))).await;
        let c = page["next_cursor"].as_str().expect("a second page").to_owned();
        // The same parameters take it.
        e.json(e.get(&e.at(&format!("/items?limit=1&sort=name_asc&cursor={c}")))).await;
        e.json(e.get(&e.at(&format!("/items?limit=5&sort=name_asc&cursor={c}")))).await;
        let folder = S::folder();
        for other in [
            "sort=name_desc".to_owned(),
            "sort=name_asc&kind=file".to_owned(),
            format!("sort=name_asc&parent={folder}"),
            String::new(),
        ] {
            let p = e
                .refused(
                    e.get(&e.at(&format!("/items?limit=1&{other}&cursor={c}"))),
                    400,
                    "invalid_cursor",
                )
                .await;
            assert_eq!(p["field"], "cursor", "{other}: {p}");
        }
        // A bare adapter cursor (the old `Mg` = offset 2) is not a gateway cursor.
        e.refused(e.get(&e.at("/items?cursor=Mg")), 400, "invalid_cursor").await;
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
        let url = e.file_at("");
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
        problem_of(e.post(&url).header("content-type", "text/plain").body("{}"), 415).await;
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

const SPACE_FIELDS: [&str; 6] = [
    "id",
    "name",
    "kind",
    "root_id",
    "created_at",
    "member_count",
];
const ITEM_FIELDS: [&str; 16] = [
    "id",
    "space_id",
    "parent_id",
    "name",
    "kind",
    "size",
    "created_at",
    "modified_at",
    "sha1",
    "md5",
    "description",
    "web_url",
    "owner",
    "modified_by",
    "child_count",
    "deleted_at",
];
fn keys(v: &Value) -> Vec<String> {
    let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
    k.sort();
    k
}

/// `listed` (an entry of a listing) carries every one of `fields`, and exactly the keys of
/// `one`, the single read of the same space or item.
fn assert_one_shape(listed: &Value, one: &Value, fields: &[&str]) {
    for f in fields {
        assert!(
            listed.get(f).is_some(),
            "{f} absent (null when unknown): {listed}"
        );
    }
    assert_eq!(keys(listed), keys(one), "{listed} vs {one}");
}

behaviour! {
    async fn spaces_and_items_have_one_shape_in_listings_and_single_reads<S>() {
        let e = S::env().await;
        let provider = e.json(e.get(&e.url(""))).await["provider"].as_str().unwrap().to_owned();
        let spaces = e.json(e.get(&e.url("/spaces"))).await;
        for listed in spaces["items"].as_array().unwrap() {
            let id = listed["id"].as_str().unwrap();
            let one = e.json(e.get(&e.url(&format!("/spaces/{id}")))).await;
            assert_one_shape(listed, &one, &SPACE_FIELDS);
            assert_eq!(listed["root_id"], one["root_id"]);
        }
        let space = e.json(e.get(&e.at(""))).await;
        match space["root_id"].as_str() {
            Some(root) => {
                let under = e.names(&e.at(&format!("/items?parent={root}"))).await;
                assert_eq!(under, e.names(&e.at("/items")).await, "root_id lists the root");
            }
            // A QQ group's root is its own upstream action, with no folder id.
            None => assert_eq!(provider, "onebot", "{space}"),
        }
        let listing = e.json(e.get(&e.at("/items"))).await;
        for listed in listing["items"].as_array().unwrap() {
            let id = listed["id"].as_str().unwrap();
            let one = e.json(e.get(&e.at(&format!("/items/{id}")))).await;
            assert_one_shape(listed, &one, &ITEM_FIELDS);
        }
    }
}

behaviour! {
    async fn an_upstream_refusal_is_explained_in_the_gateways_english<S>() {
        let e = S::env().await;
        let p = e
            .refused(e.get(&e.at(&format!("/items/{}", S::missing_file()))), 404, "item_not_found")
            .await;
        let detail = p["detail"].as_str().unwrap();
        assert!(detail.is_ascii(), "{p}");
        if let Some(u) = p["upstream"].as_object() {
            // The upstream's own words are kept apart, not pasted into detail.
            let message = u["message"].as_str().unwrap();
            assert!(message.is_empty() || !detail.contains(message), "{p}");
        }
    }
}
