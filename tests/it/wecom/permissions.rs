use serde_json::{Value, json};

use super::env::{Env, env};
use crate::common::problem;
use filegate::sandbox::wecom::demo;

#[tokio::test]
async fn item_members_are_listed_with_inherited_ones_and_changed() {
    let e = env().await;
    let id = Env::item(demo::FILE_ID);
    let url = e.surl(&format!("/items/{id}/members"));
    let res = e
        .post(&url)
        .json(&json!({"members": [{"type": "user", "id": "wangwu", "role": "previewer"}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let m: Value = e.get(&url).send().await.unwrap().json().await.unwrap();
    let items = m["items"].as_array().unwrap();
    assert!(items.iter().any(|x| x["principal"]["id"] == "wangwu"
        && x["role"] == "previewer"
        && x["inherited"] == false));
    let res = e
        .patch(&format!("{url}/user:wangwu"))
        .json(&json!({"role": "viewer"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<Value>().await.unwrap()["role"], "viewer");
    assert_eq!(
        e.delete(&format!("{url}/user:wangwu"))
            .send()
            .await
            .unwrap()
            .status(),
        204
    );
    let res = e
        .post(&url)
        .json(&json!({"members": [{"type": "user", "id": "wangwu", "role": "manager"}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400, "files have no manager role");
    assert_eq!(problem(res).await["code"], "role_not_supported");
    let res = e
        .post(&url)
        .json(&json!({"members": []}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    let res = e
        .post(&url)
        .json(&json!({"members": [{"type": "group", "id": "g1", "role": "viewer"}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
}

#[tokio::test]
async fn sharing_links_and_security() {
    let e = env().await;
    let id = Env::item(demo::DOC_ID);
    let s: Value = e
        .get(&e.surl(&format!("/items/{id}/sharing")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(s["scope"].is_string());
    let res = e
        .put(&e.surl(&format!("/items/{id}/sharing")))
        .json(&json!({"scope": "organization", "role": "viewer"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let s: Value = res.json().await.unwrap();
    assert_eq!(s["scope"], "organization");
    assert_eq!(s["role"], "viewer");
    let res = e
        .put(&e.surl(&format!("/items/{id}/sharing")))
        .json(&json!({"scope": "everyone"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);

    let link: Value = e
        .post(&e.surl(&format!("/items/{id}/share_link")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(link["url"].as_str().unwrap().starts_with("http"));
    let res = e
        .post(&e.surl(&format!("/items/{id}/share_link")))
        .json(&json!({"password": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        problem(res).await["code"],
        "share_link_options_not_supported"
    );

    let res = e
        .put(&e.surl(&format!("/items/{id}/security")))
        .json(&json!({"watermark": {"text": "机密", "density": "high", "show_text": true}}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let sec: Value = res.json().await.unwrap();
    assert_eq!(sec["watermark"]["text"], "机密");
    assert_eq!(sec["watermark"]["density"], "high");
    // WeDrive sets watermark text on documents only.
    let file = Env::item(demo::FILE_ID);
    e.refused(
        e.put(&e.surl(&format!("/items/{file}/security")))
            .json(&json!({"watermark": {"text": "x"}})),
        400,
        "watermark_not_supported",
    )
    .await;
    let res = e
        .put(&e.surl(&format!("/items/{id}/security")))
        .json(&json!({"watermark": {"forced_by_admin": true}}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
}
