//! Uploads and downloads, the same for every provider: bytes round-trip, ranges, what cannot
//! be downloaded, and `on_conflict`.

use serde_json::Value;
use sha1::{Digest, Sha1};

use super::behaviour;
use crate::common::{bytes, items_named, problem, urlencode};
use crate::env::Env;

async fn upload<S: super::Subject>(
    e: &Env<S>,
    name: &str,
    body: Vec<u8>,
    extra: &str,
) -> reqwest::Response {
    e.post(&e.at(&format!("/files?name={}{extra}", urlencode(name))))
        .body(body)
        .send()
        .await
        .unwrap()
}

async fn download<S: super::Subject>(
    e: &Env<S>,
    id: &str,
    range: Option<&str>,
) -> reqwest::Response {
    let mut req = e.get(&e.at(&format!("/items/{id}/content")));
    if let Some(r) = range {
        req = req.header("range", r);
    }
    req.send().await.unwrap()
}

behaviour! {
    async fn an_upload_downloads_byte_for_byte_under_its_utf8_name<S>() {
        let e = S::env().await;
        assert!(e.supports("upload_file").await && e.supports("download_file").await);
        let data = bytes(3 * 1024 * 1024 + 17, 5);
        let res = upload(&e, "报告 v1.0.bin", data.clone(), "").await;
        assert_eq!(res.status(), 201);
        let r: Value = res.json().await.unwrap();
        assert_eq!(r["method"], S::UPLOAD_METHOD);
        assert_eq!(r["instant"], false);
        assert_eq!(r["item"]["name"], "报告 v1.0.bin");
        assert_eq!(r["item"]["kind"], "file");
        assert_eq!(r["item"]["size"], data.len());
        assert_eq!(r["item"]["sha1"], hex::encode(Sha1::digest(&data)));
        let res = download(&e, r["item"]["id"].as_str().unwrap(), None).await;
        assert_eq!(res.status(), 200);
        assert_eq!(res.headers()["content-length"], data.len().to_string());
        assert!(
            res.headers()["content-disposition"]
                .to_str()
                .unwrap()
                .contains("filename*=UTF-8''%E6%8A%A5%E5%91%8A%20v1.0.bin")
        );
        assert!(
            res.headers().get("content-encoding").is_none(),
            "file bytes are never recompressed"
        );
        assert_eq!(res.bytes().await.unwrap().to_vec(), data);
    }
}

behaviour! {
    async fn ranges_are_served_and_a_range_past_the_end_is_416<S>() {
        let e = S::env().await;
        assert!(e.supports("download_file").await);
        let (id, content) = S::file();
        let res = download(&e, &id, Some("bytes=8-17")).await;
        assert_eq!(res.status(), 206);
        assert_eq!(
            res.headers()["content-range"],
            format!("bytes 8-17/{}", content.len()).as_str()
        );
        assert_eq!(res.bytes().await.unwrap().as_ref(), &content[8..18]);
        let res = download(&e, &id, Some("bytes=-5")).await;
        assert_eq!(res.status(), 206);
        assert_eq!(
            res.bytes().await.unwrap().as_ref(),
            &content[content.len() - 5..]
        );
        let res = download(&e, &id, Some("bytes=20-")).await;
        assert_eq!(res.bytes().await.unwrap().as_ref(), &content[20..]);
        for past in ["bytes=999999-", "bytes=999999-1000000"] {
            let res = download(&e, &id, Some(past)).await;
            assert_eq!(res.status(), 416, "{past}");
            assert_eq!(
                res.headers()["content-range"],
                format!("bytes */{}", content.len()).as_str()
            );
            assert_eq!(problem(res).await["code"], "range_not_satisfiable");
        }
    }
}

behaviour! {
    async fn folders_and_unknown_files_cannot_be_downloaded<S>() {
        let e = S::env().await;
        let res = download(&e, &S::folder(), None).await;
        assert_eq!(res.status(), 400);
        assert_eq!(problem(res).await["code"], "not_downloadable");
        let res = download(&e, &S::missing_file(), None).await;
        assert_eq!(res.status(), 404);
        assert_eq!(problem(res).await["code"], "item_not_found");
        let res = download(&e, "garbage", None).await;
        assert_eq!(res.status(), 400);
        assert_eq!(problem(res).await["code"], "invalid_id");
    }
}

behaviour! {
    async fn upload_conflicts_follow_on_conflict<S>() {
        let e = S::env().await;
        let before = e.upload_calls().await;
        let res = upload(&e, S::FILE_NAME, b"new".to_vec(), "").await;
        assert_eq!(res.status(), 409);
        assert_eq!(problem(res).await["code"], "name_conflict");
        assert_eq!(e.upload_calls().await, before, "nothing was uploaded");

        let res = upload(&e, S::FILE_NAME, b"kept both".to_vec(), "&on_conflict=rename").await;
        assert_eq!(res.status(), 201);
        let r: Value = res.json().await.unwrap();
        // One pattern on every provider: `stem (n).ext`.
        let (stem, ext) = S::FILE_NAME.rsplit_once('.').unwrap();
        assert_eq!(r["item"]["name"], format!("{stem} (1).{ext}"));
        let res = upload(&e, S::FILE_NAME, b"and again".to_vec(), "&on_conflict=rename").await;
        let r: Value = res.json().await.unwrap();
        assert_eq!(r["item"]["name"], format!("{stem} (2).{ext}"));

        let res = upload(&e, S::FILE_NAME, b"replaced".to_vec(), "&on_conflict=replace").await;
        assert_eq!(res.status(), 201);
        let r: Value = res.json().await.unwrap();
        assert_eq!(r["item"]["name"], S::FILE_NAME);
        let list = e.json(e.get(&e.at("/items?limit=200"))).await;
        let same = items_named(&list, S::FILE_NAME);
        assert_eq!(same.len(), 1);
        assert_eq!(same[0]["id"], r["item"]["id"]);
        let got = download(&e, same[0]["id"].as_str().unwrap(), None).await;
        assert_eq!(got.bytes().await.unwrap().as_ref(), b"replaced");
    }
}
