//! `Idempotency-Key` end to end: 64 concurrent POSTs with one key make one upstream upload, on
//! SQLite and on PostgreSQL shared by two gateway processes; replays are identical; another
//! request with the key is a 422; malformed keys are 400s.

use serde_json::{Value, json};

use crate::common::{ALL_SCOPES, problem, sim_calls, token, token_for};
use crate::pg::PgCluster;
use crate::wecom::env::{CONN, Env, env, env_with, process_config, replicas};
use filegate::sandbox::wecom::{self, demo};

/// (status, Location, body) of one answer.
type Answer = (u16, Option<String>, Value);

async fn send(req: reqwest::RequestBuilder) -> (Answer, bool) {
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    let location = res
        .headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_owned());
    let replayed = res.headers().get("idempotent-replayed").is_some();
    let retry = res.headers().get("retry-after").is_some();
    let body: Value = res.json().await.unwrap();
    if status == 409 {
        assert_eq!(body["code"], "idempotency_key_in_use", "{body}");
        assert!(retry, "a 409 in flight carries Retry-After");
    }
    ((status, location, body), replayed)
}

/// An upload of `body` to `url` as the holder of `tok`, under the one key these tests share.
fn keyed_upload(
    http: &reqwest::Client,
    url: String,
    tok: &str,
    body: &'static [u8],
) -> reqwest::RequestBuilder {
    http.post(url)
        .bearer_auth(tok)
        .header("idempotency-key", "upload-7f3a")
        .body(body)
}

/// Sends the same upload with one key 64 times at once, spread over `bases`, and checks the
/// answers; gives the 201 answer.
async fn sixty_four_at_once(bases: &[String], path: &str, tok: &str) -> Answer {
    let http = crate::common::client();
    let calls: Vec<_> = (0..64)
        .map(|i| {
            let url = format!("{}{path}", bases[i % bases.len()]);
            let req = keyed_upload(&http, url, tok, b"the same bytes");
            tokio::spawn(send(req))
        })
        .collect();
    let mut created = Vec::new();
    for c in calls {
        let (answer, _) = c.await.unwrap();
        match answer.0 {
            201 => created.push(answer),
            409 => {}
            other => panic!("{other}: {answer:?}"),
        }
    }
    assert!(!created.is_empty());
    assert!(
        created.iter().all(|a| *a == created[0]),
        "every 201 is the same answer"
    );
    // After: identical replays, then a 422 for another body.
    let http = crate::common::client();
    for base in bases {
        let url = format!("{base}{path}");
        let (again, replayed) =
            send(keyed_upload(&http, url.clone(), tok, b"the same bytes")).await;
        assert_eq!(again, created[0]);
        assert!(replayed);
        let res = keyed_upload(&http, url, tok, b"other bytes")
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 422);
        let p = problem(res).await;
        assert_eq!(
            (&p["code"], &p["field"]),
            (&json!("idempotency_key_reused"), &json!("Idempotency-Key"))
        );
    }
    created.swap_remove(0)
}

fn upload_path() -> String {
    format!(
        "/v1/connections/{CONN}/spaces/{}/files?name=idem.bin&on_conflict=rename",
        filegate::model::ids::encode(
            filegate::model::ids::IdKind::Space,
            filegate::model::Provider::Wecom,
            &[demo::SPACE_ID],
        )
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_key_sixty_four_concurrent_posts_one_upload_on_sqlite() {
    // 64 uploads at once: above the default transfer admission.
    let e = env_with(wecom::Options::default(), |c| {
        c.limits.max_concurrent_uploads = 128;
        c.limits.max_uploads_per_subject = 128;
    })
    .await;
    let before = sim_calls(e.sim(), "file_upload").await;
    let base = e.gw.running.base_url.clone();
    let path = upload_path();
    let first = sixty_four_at_once(std::slice::from_ref(&base), &path, &e.token).await;
    assert_eq!(
        sim_calls(e.sim(), "file_upload").await - before,
        1,
        "one side effect"
    );
    assert_eq!(first.2["item"]["name"], "idem.bin");
    // The key is the caller's: another `sub` with the same key runs its own request.
    let other = token_for("someone-else", ALL_SCOPES, CONN);
    let res = keyed_upload(&e.gw.http, e.gw.url(&path), &other, b"the same bytes")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    assert!(res.headers().get("idempotent-replayed").is_none());
    assert_eq!(sim_calls(e.sim(), "file_upload").await - before, 2);
}

#[tokio::test]
async fn creating_posts_replay_their_location_and_refuse_bad_keys() {
    let e = env().await;
    let session = |key: &str| {
        e.post(&e.surl("/uploads"))
            .header("idempotency-key", key)
            .json(&json!({"name": "s.bin", "size": 10}))
    };
    let ((status, location, body), _) = send(session("sess-1")).await;
    assert_eq!(status, 201);
    assert!(location.is_some());
    let (again, replayed) = send(session("sess-1")).await;
    assert_eq!(
        again,
        (status, location, body),
        "same status, Location and body"
    );
    assert!(replayed);
    for bad in ["", &"k".repeat(256)] {
        let p = e
            .refused(session(bad), 400, "invalid_idempotency_key")
            .await;
        assert_eq!(p["field"], "Idempotency-Key");
    }
    // A problem answer is kept too, with its code; the upstream is asked once.
    let before = sim_calls(e.sim(), "file_create").await;
    let folder = |key: &str| {
        e.post(&e.surl("/folders"))
            .header("idempotency-key", key)
            .json(&json!({"name": "x", "parent": Env::item("no-such-folder")}))
    };
    let first = e.refused(folder("f-1"), 404, "parent_not_found").await;
    let ((status, _, body), was) = send(folder("f-1")).await;
    assert_eq!((status, &body["code"]), (404, &first["code"]), "{body}");
    assert!(was, "the problem is the replayed answer");
    assert_eq!(sim_calls(e.sim(), "file_create").await, before + 1);
    // Without a token the key is not looked at.
    let res =
        e.gw.http
            .post(e.surl("/folders"))
            .header("idempotency-key", "f-1")
            .json(&json!({"name": "x"}))
            .send()
            .await
            .unwrap();
    assert_eq!(res.status(), 401);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_key_sixty_four_concurrent_posts_one_upload_across_two_gateways_on_postgres() {
    let sim = wecom::start(wecom::Options::default()).await.unwrap();
    let db = PgCluster::get().fresh_db().await;
    let dir = tempfile::tempdir().unwrap();
    let config = process_config(
        dir.path(),
        &db,
        &sim.base_url,
        "max_concurrent_uploads = 128\nmax_uploads_per_subject = 128",
    );
    let (procs, bases) = replicas(&config, 2).await;
    let tok = token(ALL_SCOPES, CONN);
    sixty_four_at_once(&bases, &upload_path(), &tok).await;
    assert_eq!(
        sim_calls(&sim.base_url, "file_upload").await,
        1,
        "one side effect across both replicas"
    );
    drop(procs);
}

/// A keyed upload too large to keep in memory is spooled once: the idempotency layer's spool
/// file (which its fingerprint needed) is the one the upload sends, so while the upstream is
/// busy with it there is one spool file, not two, and none afterwards. The upstream stores the
/// right bytes: the digests the provider needs are read from the taken-over file.
#[tokio::test]
async fn a_keyed_upload_too_large_for_memory_is_spooled_once() {
    use sha1::{Digest, Sha1};
    let e = env().await;
    // Every upload path starts with a `file_upload…` call: hold the first one back.
    e.fault(json!({"path": "file_upload", "type": "latency", "ms": 1500}))
        .await;
    let body: Vec<u8> = (0..3 * 1024 * 1024u32).map(|i| (i % 251) as u8).collect();
    let want = hex::encode(Sha1::digest(&body));
    let upload = e
        .post(&e.surl("/files?name=big.bin"))
        .header("idempotency-key", "spool-once-1")
        .body(body);
    let sent = tokio::spawn(upload.send());
    let mut most = 0;
    while !sent.is_finished() {
        most = most.max(crate::common::spool_files(&e.gw).len());
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let res = sent.await.unwrap().unwrap();
    assert_eq!(res.status(), 201);
    let v: Value = res.json().await.unwrap();
    assert_eq!(v["item"]["sha1"], want.as_str(), "{v}");
    assert_eq!(most, 1, "one spool file while the upload was in flight");
    assert!(crate::common::spool_files(&e.gw).is_empty(), "none left");
}
