//! Upload bodies: raw bytes or `multipart/form-data` (reqwest's and curl's), anything else 415.

use reqwest::multipart::{Form, Part};
use serde_json::Value;
use sha1::{Digest, Sha1};

use super::behaviour;
use crate::calls::problem_of;
use crate::common::{bytes, header};
use crate::env::Env;

async fn content<S>(e: &Env<S>, item: &Value) -> Vec<u8> {
    let url = e.url(&format!(
        "/spaces/{}/items/{}/content",
        item["space_id"].as_str().unwrap(),
        item["id"].as_str().unwrap()
    ));
    let res = e.get(&url).send().await.unwrap();
    assert_eq!(res.status(), 200);
    res.bytes().await.unwrap().to_vec()
}

behaviour! {
    async fn a_multipart_upload_stores_the_file_part_under_its_filename<S>() {
        let e = S::env().await;
        let data = bytes(300_000, 9);
        let form = Form::new().part("file", Part::bytes(data.clone()).file_name("图表 2026.csv").mime_str("text/csv").unwrap());
        let res = e.post(&e.at("/files")).multipart(form).send().await.unwrap();
        assert_eq!(res.status(), 201);
        assert!(header(&res, "location").contains("/items/"));
        let r: Value = res.json().await.unwrap();
        assert_eq!(r["item"]["name"], "图表 2026.csv");
        assert_eq!(r["item"]["size"], data.len(), "the part, not the envelope");
        assert_eq!(r["item"]["sha1"], hex::encode(Sha1::digest(&data)));
        assert_eq!(r["item"]["mime_type"], "text/csv");
        assert_eq!(content(&e, &r["item"]).await, data);

        // Form fields name the file and say what to do on a conflict; query parameters work too.
        let form = Form::new()
            .text("name", "from-form.txt")
            .part("file", Part::bytes(b"one".to_vec()).file_name("ignored.txt"));
        let res = e.post(&e.at("/files")).multipart(form).send().await.unwrap();
        assert_eq!(res.status(), 201);
        let first: Value = res.json().await.unwrap();
        assert_eq!(first["item"]["name"], "from-form.txt");
        let form = Form::new()
            .part("file", Part::bytes(b"two".to_vec()).file_name("from-form.txt"))
            .text("on_conflict", "rename");
        let res = e.post(&e.at("/files")).multipart(form).send().await.unwrap();
        assert_eq!(res.status(), 201);
        let second: Value = res.json().await.unwrap();
        assert_ne!(second["item"]["id"], first["item"]["id"]);
        assert_ne!(second["item"]["name"], "from-form.txt", "renamed on conflict");
        let form = Form::new().part("file", Part::bytes(b"three".to_vec()).file_name("x.bin"));
        let res = e.post(&e.at("/files?name=from-query.txt")).multipart(form).send().await.unwrap();
        assert_eq!(res.status(), 201);
        let third: Value = res.json().await.unwrap();
        assert_eq!(third["item"]["name"], "from-query.txt");
        assert_eq!(content(&e, &third["item"]).await, b"three");
    }
}

behaviour! {
    async fn bad_upload_bodies_are_refused_before_the_upstream_sees_them<S>() {
        let e = S::env().await;
        let before = e.upload_calls().await;
        let p = e
            .refused(e.post(&e.at("/files?name=a.txt")).header("content-type", "text/plain").body("hello"), 415, "unsupported_media_type")
            .await;
        let detail = p["detail"].as_str().unwrap();
        assert!(detail.contains("application/octet-stream") && detail.contains("multipart/form-data"), "{p}");
        e.refused(e.post(&e.at("/files?name=a.json")).json(&serde_json::json!({})), 415, "unsupported_media_type").await;
        let p = e
            .refused(e.post(&e.at("/files")).multipart(Form::new().text("name", "a.txt")), 400, "invalid_request")
            .await;
        assert_eq!(p["field"], "file", "{p}");
        let form = Form::new().text("colour", "blue").part("file", Part::bytes(b"x".to_vec()).file_name("a.txt"));
        let p = e.refused(e.post(&e.at("/files")).multipart(form), 400, "invalid_request").await;
        assert_eq!(p["field"], "colour", "{p}");
        let form = Form::new().part("file", Part::bytes(b"x".to_vec()));
        let p = e.refused(e.post(&e.at("/files")).multipart(form), 400, "invalid_request").await;
        assert_eq!(p["field"], "name", "no name anywhere: {p}");
        let form = Form::new().text("name", "b.txt").part("file", Part::bytes(b"x".to_vec()));
        let p = e.refused(e.post(&e.at("/files?name=c.txt")).multipart(form), 400, "invalid_request").await;
        assert_eq!(p["field"], "name", "two different names: {p}");
        let form = Form::new().text("on_conflict", "sideways").part("file", Part::bytes(b"x".to_vec()).file_name("a.txt"));
        let p = e.refused(e.post(&e.at("/files")).multipart(form), 400, "invalid_request").await;
        assert_eq!(p["field"], "on_conflict", "{p}");
        let unterminated = "--XYZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a\"\r\n\r\nabc";
        problem_of(e.post(&e.at("/files")).header("content-type", "multipart/form-data; boundary=XYZ").body(unterminated), 400).await;
        e.refused(
            e.post(&e.at("/files")).header("content-type", "multipart/form-data").body("x"),
            400,
            "invalid_multipart",
        )
        .await;
        assert_eq!(e.upload_calls().await, before, "nothing went upstream");
    }
}

behaviour! {
    async fn curl_dash_f_uploads_the_file_not_the_envelope<S>() {
        let e = S::env().await;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("curl upload.txt");
        let data = b"fifty-three bytes of text sent by curl -F file=@x ..";
        std::fs::write(&path, data).unwrap();
        let out = tokio::process::Command::new("curl")
            .arg("-sS")
            .arg("-H")
            .arg(format!("Authorization: Bearer {}", e.token))
            .arg("-F")
            .arg(format!("file=@{}", path.display()))
            .arg(e.at("/files"))
            .output()
            .await
            .expect("curl runs");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let r: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|_| panic!("{}", String::from_utf8_lossy(&out.stdout)));
        assert_eq!(r["item"]["name"], "curl upload.txt", "{r}");
        assert_eq!(r["item"]["size"], data.len(), "{r}");
        assert_eq!(content(&e, &r["item"]).await, data);
    }
}

behaviour! {
    async fn a_version_upload_takes_multipart_and_refuses_an_empty_body<S>() {
        let e = S::env().await;
        let (id, _) = S::file();
        let url = e.file_at("/versions");
        if !e.supports("upload_version").await {
            e.refused(e.post(&url).body("x"), 501, "unsupported_operation").await;
            return;
        }
        let p = e.refused(e.post(&url), 400, "empty_file").await;
        assert_eq!(p["field"], "file");
        e.refused(e.post(&url).header("content-type", "text/plain").body("x"), 415, "unsupported_media_type").await;
        let form = Form::new().text("name", "x").part("file", Part::bytes(b"x".to_vec()));
        let p = e.refused(e.post(&url).multipart(form), 400, "invalid_request").await;
        assert_eq!(p["field"], "name", "a version has no name part: {p}");
        let form = Form::new().part("file", Part::bytes(b"new content by form".to_vec()).file_name("whatever.bin"));
        let res = e.post(&url).multipart(form).send().await.unwrap();
        assert_eq!(res.status(), 201);
        let r: Value = res.json().await.unwrap();
        assert_eq!(r["item"]["id"], id.as_str());
        assert_eq!(content(&e, &r["item"]).await, b"new content by form");
    }
}
