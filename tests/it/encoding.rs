//! Every answer decodes in a client that really decodes what it accepts: gzip, br, deflate
//! and identity, for a success, a handler's problem, the layers' problems and a download.
//! (Clients such as python-requests, httpx, Node fetch and browsers send `Accept-Encoding`
//! by default; a `Content-Encoding` that does not match the bytes breaks all of them.)

use std::time::Duration;

use filegate::sandbox::wecom::demo;
use serde_json::{Value, json};

use crate::common::{ALL_SCOPES, header, sim_fault, token};
use crate::wecom::env::{Env, env, env_with};

/// A reqwest client that advertises and decodes exactly one encoding (or none).
fn decoding_client(encoding: &str) -> reqwest::Client {
    let b = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .no_gzip()
        .no_brotli()
        .no_deflate();
    let b = match encoding {
        "gzip" => b.gzip(true),
        "br" => b.brotli(true),
        "deflate" => b.deflate(true),
        _ => b,
    };
    b.build().expect("client")
}

const ENCODINGS: [&str; 4] = ["gzip", "br", "deflate", "identity"];

/// Sends `req` and returns status, content type and the decoded JSON body.
/// `GET …/items` of the demo space, asking for and decoding `encoding`.
async fn decoded_items(e: &Env, encoding: &str) -> (u16, String, Value) {
    decoded_json(
        decoding_client(encoding)
            .get(e.surl("/items"))
            .bearer_auth(&e.token),
        encoding,
    )
    .await
}

async fn decoded_json(req: reqwest::RequestBuilder, encoding: &str) -> (u16, String, Value) {
    let req = if encoding == "identity" {
        req.header("accept-encoding", "identity")
    } else {
        req
    };
    let res = req.send().await.expect("request");
    let status = res.status().as_u16();
    let ct = header(&res, "content-type");
    let raw = res
        .bytes()
        .await
        .unwrap_or_else(|e| panic!("{encoding}: body does not decode: {e}"));
    let body: Value = serde_json::from_slice(&raw).unwrap_or_else(|e| {
        panic!(
            "{encoding}: status {status} body is not JSON after decoding ({e}): {:?}",
            String::from_utf8_lossy(&raw[..raw.len().min(80)])
        )
    });
    (status, ct, body)
}

async fn each_encoding(
    what: &str,
    make: impl Fn(&reqwest::Client) -> reqwest::RequestBuilder,
) -> Vec<(u16, String, Value)> {
    let mut out = Vec::new();
    for enc in ENCODINGS {
        let c = decoding_client(enc);
        let r = decoded_json(make(&c), enc).await;
        assert!(
            r.0 < 400 || r.1 == "application/problem+json",
            "{what} ({enc}): an error is problem+json, got {}",
            r.1
        );
        out.push(r);
    }
    out
}

#[tokio::test]
async fn a_success_decodes_under_every_encoding() {
    let e = env().await;
    for (status, _, body) in each_encoding("list connections", |c| {
        c.get(e.gw.url("/v1/connections")).bearer_auth(&e.token)
    })
    .await
    {
        assert_eq!(status, 200);
        assert!(body["items"].is_array(), "{body}");
    }
}

#[tokio::test]
async fn a_handler_problem_decodes_under_every_encoding() {
    let e = env().await;
    let any = token(ALL_SCOPES, "*");
    for (status, _, body) in each_encoding("unknown connection", |c| {
        c.get(e.gw.url("/v1/connections/nope")).bearer_auth(&any)
    })
    .await
    {
        assert_eq!(status, 404);
        assert_eq!(body["code"], "connection_not_found");
    }
    for (status, _, body) in each_encoding("no token", |c| c.get(e.gw.url("/v1/connections"))).await
    {
        assert_eq!(status, 401);
        assert_eq!(body["status"], 401);
    }
}

#[tokio::test]
async fn problems_made_by_layers_decode_under_every_encoding() {
    let e = env_with(Default::default(), |c| c.limits.max_json_bytes = 1024).await;
    // 404 from the router's fallback.
    for (status, _, body) in each_encoding("route fallback", |c| {
        c.get(e.gw.url("/v1/nowhere")).bearer_auth(&e.token)
    })
    .await
    {
        assert_eq!(status, 404);
        assert_eq!(body["code"], "route_not_found");
    }
    // 405 from the method router.
    for (status, _, body) in each_encoding("wrong method", |c| {
        c.put(e.gw.url("/v1/connections")).bearer_auth(&e.token)
    })
    .await
    {
        assert_eq!(status, 405);
        assert_eq!(body["status"], 405);
    }
    // 413 from the JSON body limit.
    let big = json!({ "name": "x".repeat(4096) });
    for (status, _, body) in each_encoding("json body limit", |c| {
        c.post(e.surl("/folders")).bearer_auth(&e.token).json(&big)
    })
    .await
    {
        assert_eq!(status, 413);
        assert_eq!(body["status"], 413);
    }
}

#[tokio::test]
async fn shed_load_and_timeouts_decode_under_every_encoding() {
    let e = env_with(Default::default(), |c| {
        c.limits.max_concurrent_requests = 1;
        c.limits.request_timeout = Duration::from_millis(800);
    })
    .await;
    for enc in ENCODINGS {
        sim_fault(
            e.sim(),
            json!({"path": "file_list", "type": "latency", "ms": 1500}),
        )
        .await;
        let slow = e.get(&e.surl("/items"));
        let slow = tokio::spawn(async move { slow.send().await.map(|r| r.status().as_u16()) });
        tokio::time::sleep(Duration::from_millis(250)).await;
        let (status, ct, body) = decoded_items(&e, enc).await;
        assert_eq!(
            (status, ct.as_str()),
            (503, "application/problem+json"),
            "{enc}: {body}"
        );
        assert_eq!(body["code"], "overloaded");
        // The slow one runs into the request timeout: a 504 problem that must decode too.
        let slow_status = slow.await.unwrap().unwrap();
        assert_eq!(slow_status, 504, "{enc}");
    }
    sim_fault(
        e.sim(),
        json!({"path": "file_list", "type": "latency", "ms": 1500}),
    )
    .await;
    for enc in ["gzip", "br"] {
        let (status, _, body) = decoded_items(&e, enc).await;
        if status == 504 {
            assert_eq!(body["code"], "gateway_timeout");
        }
    }
}

#[tokio::test]
async fn a_download_is_never_compressed_and_its_bytes_are_exact() {
    let e = env().await;
    let item = Env::item(demo::FILE_ID);
    for enc in ENCODINGS {
        let c = decoding_client(enc);
        let mut req = c
            .get(e.surl(&format!("/items/{item}/content")))
            .bearer_auth(&e.token);
        if enc == "identity" {
            req = req.header("accept-encoding", "identity");
        }
        let res = req.send().await.unwrap();
        assert_eq!(res.status(), 200, "{enc}");
        assert!(res.headers().get("content-encoding").is_none(), "{enc}");
        let body = res.bytes().await.unwrap();
        assert_eq!(&body[..], demo::README_CONTENT.as_bytes(), "{enc}");
        // A range stays exact whatever the caller accepts.
        let res = c
            .get(e.surl(&format!("/items/{item}/content")))
            .bearer_auth(&e.token)
            .header("range", "bytes=0-6")
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 206, "{enc}");
        assert_eq!(
            &res.bytes().await.unwrap()[..],
            &demo::README_CONTENT.as_bytes()[..7]
        );
    }
}

/// `curl --compressed` is how the bug was first reported: it exits 61 on a body that does not
/// match its `Content-Encoding`.
#[tokio::test]
async fn curl_compressed_reads_a_problem() {
    if std::process::Command::new("curl")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!("curl not installed; skipped");
        return;
    }
    let e = env().await;
    let url = e.gw.url("/v1/connections/nope");
    let token = token(ALL_SCOPES, "*");
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new("curl")
            .args(["-sS", "--compressed", "-H"])
            .arg(format!("Authorization: Bearer {token}"))
            .arg(url)
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    assert!(out.status.success(), "curl exit {:?}", out.status.code());
    let body: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(body["code"], "connection_not_found");
}
