use crate::calls::{json_of, problem_of, send, status_of};
use serde_json::{Value, json};

use super::env::{Env, env};
use crate::common::problem;
use filegate::sandbox::wecom::demo;

#[tokio::test]
async fn item_members_are_listed_with_inherited_ones_and_changed() {
    let e = env().await;
    let id = Env::item(demo::FILE_ID);
    let url = e.surl(&format!("/items/{id}/members"));
    let res = send(
        e.post(&url)
            .json(&json!({"members": [{"type": "user", "id": "wangwu", "role": "previewer"}]})),
    )
    .await;
    assert_eq!(res.status(), 201);
    let m: Value = json_of(e.get(&url)).await;
    let items = m["items"].as_array().unwrap();
    assert!(items.iter().any(|x| x["principal"]["id"] == "wangwu"
        && x["role"] == "previewer"
        && x["inherited"] == false));
    let res = send(
        e.patch(&format!("{url}/user:wangwu"))
            .json(&json!({"role": "viewer"})),
    )
    .await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<Value>().await.unwrap()["role"], "viewer");
    assert_eq!(
        status_of(e.delete(&format!("{url}/user:wangwu"))).await,
        204
    );
    let res = send(
        e.post(&url)
            .json(&json!({"members": [{"type": "user", "id": "wangwu", "role": "manager"}]})),
    )
    .await;
    assert_eq!(res.status(), 400, "files have no manager role");
    assert_eq!(problem(res).await["code"], "role_not_supported");
    let res = send(e.post(&url).json(&json!({"members": []}))).await;
    assert_eq!(res.status(), 400);
    let res = send(
        e.post(&url)
            .json(&json!({"members": [{"type": "group", "id": "g1", "role": "viewer"}]})),
    )
    .await;
    assert_eq!(res.status(), 400);
}

#[tokio::test]
async fn sharing_links_and_security() {
    let e = env().await;
    let id = Env::item(demo::DOC_ID);
    let s: Value = json_of(e.get(&e.surl(&format!("/items/{id}/sharing")))).await;
    assert!(s["scope"].is_string());
    let res = send(
        e.put(&e.surl(&format!("/items/{id}/sharing")))
            .json(&json!({"scope": "organization", "role": "viewer"})),
    )
    .await;
    assert_eq!(res.status(), 200);
    let s: Value = res.json().await.unwrap();
    assert_eq!(s["scope"], "organization");
    assert_eq!(s["role"], "viewer");
    // Refused as a problem: WeDrive has no such scope.
    problem_of(
        e.put(&e.surl(&format!("/items/{id}/sharing")))
            .json(&json!({"scope": "everyone"})),
        400,
    )
    .await;

    let link: Value = json_of(e.post(&e.surl(&format!("/items/{id}/share_link")))).await;
    assert!(link["url"].as_str().unwrap().starts_with("http"));
    let res = send(
        e.post(&e.surl(&format!("/items/{id}/share_link")))
            .json(&json!({"password": "x"})),
    )
    .await;
    assert_eq!(
        problem(res).await["code"],
        "share_link_options_not_supported"
    );

    let res = send(
        e.put(&e.surl(&format!("/items/{id}/security")))
            .json(&json!({"watermark": {"text": "机密", "density": "high", "show_text": true}})),
    )
    .await;
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
    let res = send(
        e.put(&e.surl(&format!("/items/{id}/security")))
            .json(&json!({"watermark": {"forced_by_admin": true}})),
    )
    .await;
    assert_eq!(res.status(), 400);
}
