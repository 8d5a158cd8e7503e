//! Media types, entity tags and conditional requests, `Location` on 201: the same for every
//! provider.

use serde_json::Value;

use super::behaviour;
use crate::common::{header, problem, urlencode};
use crate::env::Env;

/// A 201's `Location` and body.
async fn created(res: reqwest::Response) -> (String, Value) {
    assert_eq!(res.status(), 201);
    let location = header(&res, "location");
    (location, res.json().await.unwrap())
}

async fn upload<S: super::Subject>(e: &Env<S>, name: &str, body: &'static [u8]) -> Value {
    let res = e
        .post(&e.at(&format!("/files?name={}", urlencode(name))))
        .body(body)
        .send()
        .await
        .unwrap();
    let (location, r) = created(res).await;
    let id = r["item"]["id"].as_str().unwrap();
    assert_eq!(
        location,
        format!(
            "/v1/connections/{}/spaces/{}/items/{id}",
            e.conn,
            r["item"]["space_id"].as_str().unwrap()
        )
    );
    // The Location is the item's URL.
    let got = e.json(e.get(&e.gw.url(&location))).await;
    assert_eq!(got["id"], id);
    r["item"].clone()
}

behaviour! {
    async fn items_carry_a_mime_type_and_an_etag_and_gets_answer_304_to_a_current_copy<S>() {
        let e = S::env().await;
        let (id, content) = S::file();
        let url = e.file_at("");
        let res = e.get(&url).send().await.unwrap();
        assert_eq!(res.status(), 200);
        let etag = header(&res, "etag");
        let item: Value = res.json().await.unwrap();
        assert!(etag.len() > 2 && etag.starts_with('"') && etag.ends_with('"'), "{etag}");
        assert_eq!(item["etag"], etag.as_str());
        let name = item["name"].as_str().unwrap();
        let mime = mime_guess::from_path(name).first_or_octet_stream().to_string();
        assert_eq!(item["mime_type"], mime.as_str(), "{item}");
        // The listing of its folder carries the same validator and type.
        let parent = item["parent_id"].as_str().map(|p| format!("?parent={p}")).unwrap_or_default();
        let page = e.json(e.get(&e.at(&format!("/items{parent}")))).await;
        let items = page["items"].as_array().unwrap();
        let listed = items.iter().find(|i| i["id"] == id.as_str()).expect("the demo file is listed");
        assert_eq!((&listed["etag"], &listed["mime_type"]), (&item["etag"], &item["mime_type"]));
        // A folder has a validator and no media type.
        let root = e.json(e.get(&e.at("/items"))).await;
        let folder = root["items"].as_array().unwrap().iter().find(|i| i["kind"] == "folder").expect("a folder");
        assert!(folder["mime_type"].is_null() && folder["etag"].is_string(), "{folder}");
        // A known extension gives its registered type.
        let listed = root["items"].as_array().unwrap().iter().find(|i| i["name"] == S::FILE_NAME).expect("the root demo file");
        let expected = mime_guess::from_path(S::FILE_NAME).first_or_octet_stream().to_string();
        assert_ne!(expected, "application/octet-stream", "{} has a known extension", S::FILE_NAME);
        assert_eq!(listed["mime_type"], expected.as_str(), "{listed}");

        let res = e.get(&url).header("if-none-match", &etag).send().await.unwrap();
        assert_eq!(res.status(), 304);
        assert_eq!(header(&res, "etag"), etag);
        assert!(res.bytes().await.unwrap().is_empty());
        let res = e.get(&url).header("if-none-match", "\"stale\", W/\"other\"").send().await.unwrap();
        assert_eq!(res.status(), 200);
        let res = e.get(&url).header("if-none-match", format!("\"x\", W/{etag}")).send().await.unwrap();
        assert_eq!(res.status(), 304, "weak comparison");

        // Downloads: same type, validator and Last-Modified; 304 on either condition.
        let content_url = e.at(&format!("/items/{id}/content"));
        let res = e.get(&content_url).send().await.unwrap();
        assert_eq!(res.status(), 200);
        assert_eq!(header(&res, "content-type"), mime);
        assert_eq!(header(&res, "etag"), etag);
        let last_modified = header(&res, "last-modified");
        assert!(last_modified.ends_with(" GMT"), "{last_modified}");
        assert_eq!(res.bytes().await.unwrap().to_vec(), content);
        let res = e.get(&content_url).header("if-none-match", &etag).send().await.unwrap();
        assert_eq!(res.status(), 304);
        assert_eq!(header(&res, "etag"), etag);
        assert!(res.bytes().await.unwrap().is_empty());
        let res = e.get(&content_url).header("if-modified-since", &last_modified).send().await.unwrap();
        assert_eq!(res.status(), 304);
        let res = e.get(&content_url).header("if-modified-since", "Thu, 01 Jan 2004 00:00:00 GMT").send().await.unwrap();
        assert_eq!(res.status(), 200);
        assert_eq!(res.bytes().await.unwrap().to_vec(), content);
        // If-None-Match wins over If-Modified-Since.
        let res = e
            .get(&content_url)
            .header("if-none-match", "\"stale\"")
            .header("if-modified-since", &last_modified)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
    }
}

behaviour! {
    async fn an_upload_is_typed_by_its_name_and_answers_its_location<S>() {
        let e = S::env().await;
        let item = upload(&e, "季度报告.pdf", b"%PDF-1.4 not really a pdf").await;
        assert_eq!(item["mime_type"], "application/pdf");
        let res = e.get(&e.at(&format!("/items/{}/content", item["id"].as_str().unwrap()))).send().await.unwrap();
        assert_eq!(res.status(), 200);
        assert_eq!(header(&res, "content-type"), "application/pdf");
        assert_eq!(header(&res, "etag"), item["etag"].as_str().unwrap());
        let cd = header(&res, "content-disposition");
        assert!(cd.starts_with("attachment; filename=\""), "{cd}");
        assert!(cd.contains("filename*=UTF-8''%E5%AD%A3%E5%BA%A6%E6%8A%A5%E5%91%8A.pdf"), "{cd}");
        let item = upload(&e, "notes.unknownext", b"x").await;
        assert_eq!(item["mime_type"], "application/octet-stream");
        if e.supports("create_folder").await {
            let res = e
                .post(&e.at("/folders"))
                .json(&serde_json::json!({"name": "located"}))
                .send()
                .await
                .unwrap();
            let (location, f) = created(res).await;
            assert!(location.ends_with(&format!("/items/{}", f["id"].as_str().unwrap())), "{location}");
            assert_eq!(e.json(e.get(&e.gw.url(&location))).await["name"], "located");
        }
    }
}

behaviour! {
    async fn if_match_guards_deletes_renames_and_version_uploads_with_412<S>() {
        let e = S::env().await;
        let item = upload(&e, "guarded.txt", b"first content").await;
        let id = item["id"].as_str().unwrap().to_owned();
        let etag = item["etag"].as_str().unwrap().to_owned();
        let url = e.at(&format!("/items/{id}"));
        assert_eq!(header(&e.get(&url).send().await.unwrap(), "etag"), etag, "the upload's etag is the GET's");
        let stale = "\"0000000000\"";

        if e.supports("upload_version").await {
            let versions = e.at(&format!("/items/{id}/versions"));
            let p = e.refused(e.post(&versions).header("if-match", stale).body("second"), 412, "precondition_failed").await;
            assert!(p["detail"].as_str().unwrap().contains(&etag), "{p}");
            // No body is no version.
            e.refused(e.post(&versions), 400, "empty_file").await;
            let res = e.post(&versions).header("if-match", &etag).body("second content").send().await.unwrap();
            assert_eq!(res.status(), 201);
            assert!(header(&res, "location").ends_with(&format!("/items/{id}")));
            let r: Value = res.json().await.unwrap();
            assert_ne!(r["item"]["etag"].as_str().unwrap(), etag, "new content, new etag");
            let res = e.get(&format!("{url}/content")).send().await.unwrap();
            assert_eq!(res.bytes().await.unwrap().as_ref(), b"second content");
        } else {
            e.refused(e.post(&e.at(&format!("/items/{id}/versions"))).body("x"), 501, "unsupported_operation").await;
        }
        let etag = header(&e.get(&url).send().await.unwrap(), "etag");

        if e.supports("rename_item").await {
            let folder = S::folder();
            let furl = e.at(&format!("/items/{folder}"));
            let fetag = header(&e.get(&furl).send().await.unwrap(), "etag");
            let body = serde_json::json!({"name": "renamed under if-match"});
            e.refused(e.patch(&furl).header("if-match", stale).json(&body), 412, "precondition_failed").await;
            let res = e.patch(&furl).header("if-match", &fetag).json(&body).send().await.unwrap();
            assert_eq!(res.status(), 200);
            let new = header(&res, "etag");
            let renamed: Value = res.json().await.unwrap();
            assert_eq!(renamed["name"], "renamed under if-match");
            assert_eq!(renamed["etag"], new.as_str());
            assert_ne!(new, fetag, "a rename changes the etag");
            // The old tag is now stale.
            e.refused(e.patch(&furl).header("if-match", &fetag).json(&serde_json::json!({"name": "again"})), 412, "precondition_failed").await;
        }

        if e.supports("delete_item").await {
            let p = e.refused(e.delete(&url).header("if-match", stale), 412, "precondition_failed").await;
            assert_eq!(p["status"], 412);
            assert_eq!(e.get(&url).send().await.unwrap().status(), 200, "still there");
            let res = e.delete(&url).header("if-match", &etag).send().await.unwrap();
            assert_eq!(res.status(), 204);
            // A missing item is 404 whatever If-Match says.
            let res = e.delete(&e.at(&format!("/items/{}", S::missing_file()))).header("if-match", "*").send().await.unwrap();
            assert_eq!(res.status(), 404);
            problem(res).await;
        }
    }
}

behaviour! {
    async fn if_match_on_a_replace_upload_checks_the_file_it_replaces<S>() {
        let e = S::env().await;
        let item = upload(&e, "replaced.txt", b"version one").await;
        let etag = item["etag"].as_str().unwrap().to_owned();
        let url = e.at("/files?name=replaced.txt&on_conflict=replace");
        e.refused(e.post(&url).header("if-match", "\"0000\"").body("version two"), 412, "precondition_failed").await;
        e.refused(e.post(&e.at("/files?name=nothing-here.txt&on_conflict=replace")).header("if-match", "*").body("x"), 412, "precondition_failed").await;
        let p = e.refused(e.post(&e.at("/files?name=replaced.txt")).header("if-match", &etag).body("x"), 400, "invalid_request").await;
        assert_eq!(p["field"], "If-Match");
        let res = e.post(&url).header("if-match", &etag).body("version two").send().await.unwrap();
        assert_eq!(res.status(), 201);
        let r: Value = res.json().await.unwrap();
        let res = e.get(&e.at(&format!("/items/{}/content", r["item"]["id"].as_str().unwrap()))).send().await.unwrap();
        assert_eq!(res.bytes().await.unwrap().as_ref(), b"version two");
    }
}
