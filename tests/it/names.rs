//! The one name policy, on every provider: misleading names are refused with a 400 naming the
//! rule before any upstream call, and names are compared in NFC, so the precomposed and the
//! decomposed spelling of one name conflict.

use filegate::model::Provider;
use filegate::model::ids::{IdKind, encode};
use filegate::sandbox::{self, fangcloud, onebot, wecom};
use secrecy::SecretString;
use serde_json::json;

use crate::common::{ALL_SCOPES, client, problem, sim_stats, urlencode};

struct Target {
    conn: &'static str,
    space: String,
    sim: String,
}

async fn upstream_calls(sim: &str) -> u64 {
    sim_stats(sim).await.calls.values().sum()
}

fn targets(sb: &sandbox::Sandbox) -> Vec<Target> {
    vec![
        Target {
            conn: "wecom-demo",
            space: encode(IdKind::Space, Provider::Wecom, &[wecom::demo::SPACE_ID]),
            sim: sb.wecom.base_url.clone(),
        },
        Target {
            conn: "fangcloud-demo",
            space: encode(
                IdKind::Space,
                Provider::Fangcloud,
                &["personal", &fangcloud::demo::USER_ID.to_string()],
            ),
            sim: sb.fangcloud.base_url.clone(),
        },
        Target {
            conn: "onebot-demo",
            space: encode(
                IdKind::Space,
                Provider::Onebot,
                &["g", &onebot::demo::GROUP_ID.to_string()],
            ),
            sim: sb.onebot.base_url.clone(),
        },
    ]
}

async fn start() -> (sandbox::Sandbox, String) {
    let sb = sandbox::start("127.0.0.1:0".parse().unwrap(), None)
        .await
        .expect("sandbox starts");
    let token = filegate::auth::mint(
        &SecretString::from(sb.jwt_secret.clone()),
        &filegate::auth::MintRequest {
            sub: "names".into(),
            scopes: ALL_SCOPES.split(' ').map(str::to_owned).collect(),
            connections: vec!["*".into()],
            ttl: std::time::Duration::from_secs(600),
            issuer: None,
            audience: None,
        },
    )
    .unwrap();
    (sb, token)
}

#[tokio::test]
async fn misleading_names_are_refused_on_every_provider_before_any_upstream_call() {
    let (sb, token) = start().await;
    let http = client();
    let base = &sb.gateway.base_url;
    for t in targets(&sb) {
        let before = upstream_calls(&t.sim).await;
        for (name, rule) in [
            (".", "'.' and '..'"),
            ("..", "'.' and '..'"),
            ("invoice\u{202E}fdp.exe", "no_bidi_controls"),
            ("a\u{2066}b", "no_bidi_controls"),
            ("zero\u{200B}width", "no_invisible_characters"),
            ("\u{FEFF}bom", "no_invisible_characters"),
            ("a\u{2215}b", "no_slash_lookalikes"),
            ("a\u{FF0F}b", "no_slash_lookalikes"),
            ("tab\there", "no_control_characters"),
        ] {
            let folder = http
                .post(format!(
                    "{base}/v1/connections/{}/spaces/{}/folders",
                    t.conn, t.space
                ))
                .bearer_auth(&token)
                .json(&json!({"name": name}))
                .send()
                .await
                .unwrap();
            assert_eq!(folder.status(), 400, "{} {name:?}", t.conn);
            let p = problem(folder).await;
            assert_eq!(p["code"], "invalid_name", "{p}");
            assert_eq!(p["field"], "name", "{p}");
            assert!(p["detail"].as_str().unwrap().contains(rule), "{p}");

            let upload = http
                .post(format!(
                    "{base}/v1/connections/{}/spaces/{}/files?name={}",
                    t.conn,
                    t.space,
                    urlencode(name)
                ))
                .bearer_auth(&token)
                .body("x")
                .send()
                .await
                .unwrap();
            assert_eq!(upload.status(), 400, "{} {name:?}", t.conn);
            assert_eq!(problem(upload).await["code"], "invalid_name");
        }
        assert_eq!(
            upstream_calls(&t.sim).await,
            before,
            "{}: no upstream call for a refused name",
            t.conn
        );
    }
}

#[tokio::test]
async fn fangcloud_refuses_a_pipe_naming_its_own_rule() {
    let (sb, token) = start().await;
    let t = &targets(&sb)[1];
    let res = client()
        .post(format!(
            "{}/v1/connections/{}/spaces/{}/folders",
            sb.gateway.base_url, t.conn, t.space
        ))
        .bearer_auth(&token)
        .json(&json!({"name": "a|b"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    let p = problem(res).await;
    assert_eq!(p["code"], "invalid_name");
    assert!(p["detail"].as_str().unwrap().contains("Fangcloud"), "{p}");
}

#[tokio::test]
async fn nfc_and_nfd_spellings_of_one_name_conflict_on_every_provider() {
    let (sb, token) = start().await;
    let http = client();
    let base = &sb.gateway.base_url;
    let nfc = "caf\u{e9}-names-test.txt";
    let nfd = "cafe\u{301}-names-test.txt";
    for t in targets(&sb) {
        let upload = |name: &str| {
            http.post(format!(
                "{base}/v1/connections/{}/spaces/{}/files?name={}&on_conflict=fail",
                t.conn,
                t.space,
                urlencode(name)
            ))
            .bearer_auth(&token)
            .body("hello")
            .send()
        };
        let first = upload(nfd).await.unwrap();
        assert_eq!(first.status(), 201, "{}", t.conn);
        let item: serde_json::Value = first.json().await.unwrap();
        assert_eq!(
            item["item"]["name"], nfc,
            "{}: stored in NFC: {item}",
            t.conn
        );
        let second = upload(nfc).await.unwrap();
        assert_eq!(second.status(), 409, "{}", t.conn);
        assert_eq!(problem(second).await["code"], "name_conflict", "{}", t.conn);
    }
}
