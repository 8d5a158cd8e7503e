//! Nothing lost, nothing doubled, on every provider: a resumable part is kept only when it
//! arrived whole (and matched its digest), `complete` creates one file however many callers
//! ask at once, and concurrent uploads of one name with `on_conflict=fail` create one file.

use filegate::digest::content_digest;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::behaviour;
use crate::common::{bytes, problem, raw_upload_head};
use crate::env::Env;

const PART: usize = 1024 * 1024;

async fn env<S: super::Subject>() -> Env<S> {
    S::env_with(|c| {
        c.limits.upload_part_bytes = PART as u64;
        // The tests send 64 requests at once: above the default transfer admission.
        c.limits.max_concurrent_uploads = 128;
        c.limits.max_uploads_per_subject = 128;
    })
    .await
}

fn part(data: &[u8], n: usize) -> Vec<u8> {
    data[(n - 1) * PART..(n * PART).min(data.len())].to_vec()
}

/// Opens a session for `data` named `name` and sends every part; gives its id.
async fn staged<S: super::Subject>(e: &Env<S>, name: &str, data: &[u8]) -> String {
    let s = e
        .json(
            e.post(&e.at("/uploads"))
                .json(&json!({"name": name, "size": data.len()})),
        )
        .await;
    let id = s["id"].as_str().unwrap().to_owned();
    for n in 1..=data.len().div_ceil(PART) {
        e.json(
            e.put(&e.at(&format!("/uploads/{id}/parts/{n}")))
                .body(part(data, n)),
        )
        .await;
    }
    id
}

/// Sends `PUT …/parts/{n}` over a raw connection that breaks off after `sent` of the part's
/// bytes: with `chunked`, a chunk that promises the whole part; otherwise a `Content-Length`
/// for the whole part. Returns once the gateway has closed the connection.
async fn broken_put<S: super::Subject>(e: &Env<S>, id: &str, n: usize, part: &[u8], chunked: bool) {
    let url = e.at(&format!("/uploads/{id}/parts/{n}"));
    let path = url.split_once(&e.gw.running.base_url).unwrap().1.to_owned();
    let framing = if chunked {
        "transfer-encoding: chunked".to_owned()
    } else {
        format!("content-length: {}", part.len())
    };
    let mut sock = raw_upload_head(e.gw.running.addr, "PUT", &path, &e.token, &framing).await;
    if chunked {
        sock.write_all(format!("{:x}\r\n", part.len()).as_bytes())
            .await
            .unwrap();
    }
    sock.write_all(&part[..part.len() / 2]).await.unwrap();
    sock.shutdown().await.unwrap();
    let mut answer = Vec::new();
    let _ = sock.read_to_end(&mut answer).await;
    let answer = String::from_utf8_lossy(&answer);
    assert!(
        answer.is_empty() || answer.starts_with("HTTP/1.1 400"),
        "a broken part is refused: {answer}"
    );
}

async fn download<S: super::Subject>(e: &Env<S>, item: &Value) -> Vec<u8> {
    let id = item["item"]["id"].as_str().unwrap();
    let res = e
        .get(&e.at(&format!("/items/{id}/content")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    res.bytes().await.unwrap().to_vec()
}

/// How many entries of the suite's root are named `name`.
async fn count_named<S: super::Subject>(e: &Env<S>, name: &str) -> usize {
    e.names(&e.at("/items?limit=200"))
        .await
        .iter()
        .filter(|n| *n == name)
        .count()
}

behaviour! {
    async fn a_broken_resend_leaves_the_good_part_and_complete_uploads_the_right_bytes<S>() {
        let e = env::<S>().await;
        let data = bytes(2 * PART + 100, 7);
        let id = staged(&e, "resent.bin", &data).await;
        let junk = bytes(PART, 99);
        broken_put(&e, &id, 2, &junk, true).await;
        broken_put(&e, &id, 1, &junk, false).await;
        let s = e.json(e.get(&e.at(&format!("/uploads/{id}")))).await;
        assert_eq!(s["parts_received"], json!([1, 2, 3]));
        let res = e.post(&e.at(&format!("/uploads/{id}/complete"))).send().await.unwrap();
        assert_eq!(res.status(), 201);
        let r: Value = res.json().await.unwrap();
        assert_eq!(r["item"]["size"], data.len());
        assert!(download(&e, &r).await == data, "the uploaded bytes are the good parts");
    }
}

behaviour! {
    async fn a_part_or_file_that_does_not_match_its_digest_is_refused_and_changes_nothing<S>() {
        let e = env::<S>().await;
        let data = bytes(PART + 10, 3);
        let id = staged(&e, "digests.bin", &data).await;
        let other = bytes(PART, 4);
        let url = e.at(&format!("/uploads/{id}/parts/1"));
        let p = e
            .refused(
                e.put(&url).header("content-digest", content_digest(&data[..PART])).body(other.clone()),
                400,
                "digest_mismatch",
            )
            .await;
        assert_eq!(p["field"], "Content-Digest");
        let p = e
            .refused(
                e.put(&url).header("content-md5", "1B2M2Y8AsgTpgAmY7PhCfg==").body(other),
                400,
                "digest_mismatch",
            )
            .await;
        assert_eq!(p["field"], "Content-MD5");
        e.refused(e.put(&url).header("content-digest", "sha-256=nope").body(vec![0u8; PART]), 400, "invalid_digest")
            .await;
        // The right digest is accepted.
        e.json(e.put(&url).header("content-digest", content_digest(&data[..PART])).body(part(&data, 1)))
            .await;
        let complete = e.at(&format!("/uploads/{id}/complete"));
        let before = e.upload_calls().await;
        let p = e
            .refused(e.post(&complete).header("repr-digest", content_digest(b"other")), 400, "digest_mismatch")
            .await;
        assert_eq!(p["field"], "Repr-Digest");
        assert_eq!(e.upload_calls().await, before, "nothing went upstream");
        let res = e.post(&complete).header("repr-digest", content_digest(&data)).send().await.unwrap();
        assert_eq!(res.status(), 201);
        let r: Value = res.json().await.unwrap();
        assert!(download(&e, &r).await == data);
    }
}

behaviour! {
    async fn concurrent_completes_create_one_file_and_all_get_its_answer<S>() {
        let e = env::<S>().await;
        let data = bytes(PART + 5, 11);
        let id = staged(&e, "once.bin", &data).await;
        let before: u64 = e.upload_calls().await.iter().sum();
        let url = e.at(&format!("/uploads/{id}/complete"));
        let calls: Vec<_> = (0..64)
            .map(|_| {
                let req = e.post(&url);
                tokio::spawn(async move {
                    let res = req.send().await.unwrap();
                    let status = res.status().as_u16();
                    let retry = res.headers().get("retry-after").is_some();
                    (status, retry, res.json::<Value>().await.unwrap())
                })
            })
            .collect();
        let mut answers = Vec::new();
        for c in calls {
            let (status, retry, body) = c.await.unwrap();
            match status {
                201 => answers.push(body),
                409 => {
                    assert_eq!(body["code"], "upload_in_progress", "{body}");
                    assert!(retry, "409 while it runs carries Retry-After");
                }
                other => panic!("{other}: {body}"),
            }
        }
        assert!(!answers.is_empty());
        assert!(answers.iter().all(|a| *a == answers[0]), "every 201 is the same answer");
        let after: u64 = e.upload_calls().await.iter().sum();
        assert_eq!(after - before, 1, "one upstream upload");
        assert_eq!(count_named(&e, "once.bin").await, 1);
        // Later completes replay the answer; parts are no longer taken.
        let again = e.json(e.post(&url)).await;
        assert_eq!(again, answers[0]);
        let res = e.put(&e.at(&format!("/uploads/{id}/parts/1"))).body(part(&data, 1)).send().await.unwrap();
        assert_eq!(res.status(), 409);
        assert_eq!(problem(res).await["code"], "upload_completed");
        assert!(download(&e, &again).await == data);
    }
}

behaviour! {
    async fn concurrent_same_name_uploads_with_on_conflict_fail_create_one_file<S>() {
        let e = env::<S>().await;
        let url = e.at("/files?name=race.bin&on_conflict=fail");
        let calls: Vec<_> = (0..20u64)
            .map(|i| {
                let req = e.post(&url).body(bytes(1000, i));
                tokio::spawn(async move {
                    let res = req.send().await.unwrap();
                    (res.status().as_u16(), res.json::<Value>().await.unwrap())
                })
            })
            .collect();
        let mut created = 0;
        for c in calls {
            let (status, body) = c.await.unwrap();
            match status {
                201 => created += 1,
                409 => assert_eq!(body["code"], "name_conflict", "{body}"),
                other => panic!("{other}: {body}"),
            }
        }
        assert_eq!(created, 1);
        assert_eq!(count_named(&e, "race.bin").await, 1, "one file of that name upstream");
        // Folders of one name too.
        let calls: Vec<_> = (0..20)
            .map(|_| {
                let req = e.post(&e.at("/folders")).json(&json!({"name": "race-dir"}));
                tokio::spawn(async move { req.send().await.unwrap().status().as_u16() })
            })
            .collect();
        let mut statuses = Vec::new();
        for c in calls {
            statuses.push(c.await.unwrap());
        }
        if statuses.iter().all(|s| *s == 501) {
            return;
        }
        assert!(statuses.iter().all(|s| *s == 201 || *s == 409), "{statuses:?}");
        // Where the upstream refuses a taken folder name, one creation wins; where it renames
        // the newcomer (WeDrive's file_create: "race-dir(1)"), every one is created. Either
        // way one folder has the name.
        let created = statuses.iter().filter(|s| **s == 201).count();
        if statuses.contains(&409) {
            assert_eq!(created, 1, "{statuses:?}");
        }
        assert_eq!(count_named(&e, "race-dir").await, 1);
    }
}
