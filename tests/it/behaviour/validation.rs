//! Validation errors are one family: 400 `invalid_request` with the offending `field`, whether
//! the value has the wrong type, is out of range or is missing.

use super::behaviour;
use crate::common::problem;

behaviour! {
    async fn bad_and_missing_query_parameters_share_one_code_and_name_their_field<S>() {
        let e = S::env().await;
        for (query, field) in [
            ("limit=abc", "limit"),
            ("limit=0", "limit"),
            ("limit=-1", "limit"),
            ("limit=1001", "limit"),
            ("kind=sideways", "kind"),
        ] {
            let res = e.get(&e.at(&format!("/items?{query}"))).send().await.unwrap();
            assert_eq!(res.status(), 400, "{query}");
            let p = problem(res).await;
            assert_eq!(p["code"], "invalid_request", "{query}: {p}");
            assert_eq!(p["field"], field, "{query}: {p}");
        }
        // A required parameter that is missing names itself.
        let res = e.post(&e.at("/files")).body("x").send().await.unwrap();
        assert_eq!(res.status(), 400);
        let p = problem(res).await;
        assert_eq!((p["code"].as_str(), p["field"].as_str()), (Some("invalid_request"), Some("name")), "{p}");
    }
}
