//! Share links as resources: listed with ids, revoked by id, where the upstream gives its links
//! ids (Fangcloud); 501 `unsupported_operation` elsewhere (WeCom's `file_share` answers a URL
//! only, OneBot has no links).

use serde_json::Value;

use super::behaviour;

behaviour! {
    async fn share_links_are_listed_and_revoked_by_id_or_answer_501<S>() {
        let e = S::env().await;
        let list = e.file_at("/share_links");
        if !e.supports("list_share_links").await {
            assert!(!e.supports("revoke_share_link").await);
            e.refused(e.get(&list), 501, "unsupported_operation").await;
            e.refused(e.delete(&format!("{list}/not-an-id")), 501, "unsupported_operation")
                .await;
            return;
        }
        assert!(e.supports("revoke_share_link").await);
        let create = e.file_at("/share_link");
        let a = e.json(e.post(&create)).await;
        let b = e.json(e.post(&create)).await;
        let ids = |page: &Value| -> Vec<String> {
            let mut ids: Vec<String> = page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|l| l["id"].as_str().expect("an id").to_owned())
                .collect();
            ids.sort();
            ids
        };
        let (a_id, b_id) = (a["id"].as_str().unwrap(), b["id"].as_str().unwrap());
        let mut both = vec![a_id.to_owned(), b_id.to_owned()];
        both.sort();
        let page = e.json(e.get(&list)).await;
        assert_eq!(ids(&page), both);
        for l in page["items"].as_array().unwrap() {
            for field in ["url", "scope", "role", "expires_at", "has_password"] {
                assert!(l.get(field).is_some(), "{field} absent: {l}");
            }
        }
        let res = e.delete(&format!("{list}/{a_id}")).send().await.unwrap();
        assert_eq!(res.status(), 204);
        assert_eq!(ids(&e.json(e.get(&list)).await), [b_id.to_owned()]);
        e.refused(e.delete(&format!("{list}/{a_id}")), 404, "share_link_not_found")
            .await;
        e.refused(e.delete(&format!("{list}/not-an-id")), 400, "invalid_id")
            .await;
    }
}
