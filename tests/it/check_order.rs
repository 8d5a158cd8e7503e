//! The documented order of checks on every route under a connection (docs/ARCHITECTURE.md):
//! 401 token → 403 scope / grant → 404 connection → 501 operation → 400 input. Every request
//! here carries bad input (a broken JSON body, a bad `limit`, a malformed act-as header), so a
//! route that read its input before deciding the operation answers 400 where 501 is due.

use filegate::api::route_operations;
use filegate::model::Operation;
use reqwest::Method;
use serde_json::Value;

use crate::behaviour::behaviour;
use crate::calls::json_of;
use crate::common::{ALL_SCOPES, Gateway, problem, token};

/// Every documented route under a connection.
fn connection_routes() -> Vec<(Method, String)> {
    let out = route_operations::documented();
    assert!(out.len() > 40, "the document lists the connection routes");
    out
}

/// The route with its `{conn}` filled in and every other parameter a placeholder.
fn concrete(template: &str, conn: &str) -> String {
    let mut out = String::new();
    for segment in template.split('/').skip(1) {
        out.push('/');
        match segment {
            "{conn}" => out.push_str(conn),
            s if s.starts_with('{') => out.push('x'),
            s => out.push_str(s),
        }
    }
    out + "?limit=0"
}

async fn send(gw: &Gateway, method: &Method, url: &str, bearer: Option<&str>) -> reqwest::Response {
    let mut req = gw
        .http
        .request(method.clone(), gw.url(url))
        .header("content-type", "application/json")
        .header("x-filegate-as-user", "not a user id!")
        .body("{\"broken\":");
    if let Some(t) = bearer {
        req = req.bearer_auth(t);
    }
    req.send().await.unwrap()
}

async fn status_and_code(res: reqwest::Response) -> (u16, String) {
    let status = res.status().as_u16();
    let code = problem(res).await["code"].as_str().unwrap_or("").to_owned();
    (status, code)
}

/// Runs the whole order against one connection of `gw`.
async fn check_every_route(gw: &Gateway, conn: &str) {
    let all = token(ALL_SCOPES, conn);
    let caps: Value = json_of(
        gw.http
            .get(gw.url(&format!("/v1/connections/{conn}")))
            .bearer_auth(&all),
    )
    .await;
    let supported: Vec<Operation> =
        serde_json::from_value(caps["capabilities"]["operations"].clone()).unwrap();
    let no_scopes = token("", conn);
    let other_grant = token(ALL_SCOPES, "some-other-connection");
    let mut unsupported_routes = 0;
    for (method, template) in connection_routes() {
        let here = concrete(&template, conn);
        let what = format!("{method} {template}");
        let (s, _) = status_and_code(send(gw, &method, &here, None).await).await;
        assert_eq!(s, 401, "{what} without a token");
        let (s, _) = status_and_code(send(gw, &method, &here, Some(&no_scopes)).await).await;
        assert_eq!(s, 403, "{what} without the scope");
        let (s, _) = status_and_code(send(gw, &method, &here, Some(&other_grant)).await).await;
        assert_eq!(s, 403, "{what} without the connection grant");
        let nowhere = concrete(&template, "no-such-connection");
        let everywhere = token(ALL_SCOPES, "*");
        let (s, code) = status_and_code(send(gw, &method, &nowhere, Some(&everywhere)).await).await;
        assert_eq!((s, code.as_str()), (404, "connection_not_found"), "{what}");

        let ops = route_operations::of(&method, &template).expect("every route has operations");
        let (s, code) = status_and_code(send(gw, &method, &here, Some(&all)).await).await;
        if ops.iter().any(|op| supported.contains(op)) {
            assert_ne!(s, 501, "{what} is supported by {conn} ({code})");
            assert!(
                (400..500).contains(&s),
                "{what}: bad input is a 4xx, got {s} {code}"
            );
        } else {
            unsupported_routes += 1;
            assert_eq!(
                (s, code.as_str()),
                (501, "unsupported_operation"),
                "{what} on {conn}: the operation is decided before the input"
            );
        }
    }
    assert!(unsupported_routes > 0, "{conn} lacks some operation");
}

behaviour! {
    async fn routes_check_token_scope_connection_operation_then_input<S>() {
        let e = S::env().await;
        check_every_route(&e.gw, &e.conn).await;
    }
}

#[tokio::test]
async fn copy_on_wecom_is_501_whatever_the_body() {
    let e = crate::wecom::env::env().await;
    let all = token(ALL_SCOPES, crate::wecom::env::CONN);
    for body in [r#"{"name":"x"}"#, r#"{"parent":"root"}"#, "{"] {
        let res =
            e.gw.http
                .post(e.gw.url(&format!(
                    "/v1/connections/{}/spaces/x/items/y/copy",
                    crate::wecom::env::CONN
                )))
                .bearer_auth(&all)
                .header("content-type", "application/json")
                .body(body)
                .send()
                .await
                .unwrap();
        assert_eq!(
            status_and_code(res).await,
            (501, "unsupported_operation".into()),
            "{body}"
        );
    }
}

/// `PATCH …/items/{item}` with `body` answers `(status, code, detail)`.
async fn patch_item(gw: &Gateway, conn: &str, body: &str) -> (u16, String, String) {
    let res = gw
        .http
        .patch(gw.url(&format!("/v1/connections/{conn}/spaces/x/items/y")))
        .bearer_auth(token(ALL_SCOPES, conn))
        .header("content-type", "application/json")
        .body(body.to_owned())
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    let p = problem(res).await;
    let text = |k: &str| p[k].as_str().unwrap_or("").to_owned();
    (status, text("code"), text("detail"))
}

/// Each body asks for `op`, which `e`'s connection lacks, and carries bad input besides: 501
/// naming `op`, not 400. Each of `still_400` asks only for supported operations (or for none).
async fn patch_decides_each_operation_before_the_input<S>(
    e: &crate::env::Env<S>,
    unsupported: &[(&str, Operation)],
    still_400: &[&str],
) {
    let (gw, conn) = (&e.gw, e.conn.as_str());
    for (body, op) in unsupported {
        let (s, code, detail) = patch_item(gw, conn, body).await;
        assert_eq!((s, code.as_str()), (501, "unsupported_operation"), "{body}");
        assert!(detail.contains(&op.to_string()), "{body}: {detail}");
    }
    for body in still_400 {
        let (s, code, detail) = patch_item(gw, conn, body).await;
        assert_eq!(s, 400, "{body}: {code} {detail}");
    }
}

#[tokio::test]
async fn patch_item_on_wecom_is_501_for_a_description_whatever_the_other_members() {
    let e = crate::wecom::env::env().await;
    patch_decides_each_operation_before_the_input(
        &e,
        &[
            (
                r#"{"description":"x","bogus":1}"#,
                Operation::UpdateDescription,
            ),
            (
                r#"{"name":"a/b","description":"x"}"#,
                Operation::UpdateDescription,
            ),
            (r#"{"description":5}"#, Operation::UpdateDescription),
            (
                r#"{"parent":"root","description":"","on_conflict":"sideways"}"#,
                Operation::UpdateDescription,
            ),
        ],
        &[
            r#"{"name":"a/b"}"#,
            r#"{"name":"a/b","description":null}"#,
            r#"{"bogus":1}"#,
            r#"{"on_conflict":"fail"}"#,
            r#"["description"]"#,
            r#"{"description":"#,
        ],
    )
    .await;
}

#[tokio::test]
async fn patch_item_on_onebot_is_501_for_a_move_or_a_description_whatever_the_other_members() {
    let e = crate::onebot::env::env().await;
    patch_decides_each_operation_before_the_input(
        &e,
        &[
            (r#"{"parent":"root","name":"a/b"}"#, Operation::MoveItem),
            (r#"{"parent":7}"#, Operation::MoveItem),
            (
                r#"{"name":"ok","description":"x","bogus":1}"#,
                Operation::UpdateDescription,
            ),
        ],
        &[
            r#"{"name":"a/b"}"#,
            r#"{"name":"a/b","parent":null}"#,
            r#"{}"#,
        ],
    )
    .await;
}
