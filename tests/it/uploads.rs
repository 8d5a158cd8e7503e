//! Uploads as every provider's tests make them, and the refusals every provider makes alike
//! before the upstream sees a byte.

use crate::calls::send;
use crate::common::{bytes, problem, urlencode};
use crate::env::Env;

/// A configuration tweak: resumable uploads in 1 MiB parts, so a test file of a few MiB spans
/// several.
pub fn one_mib_parts(c: &mut filegate::config::Config) {
    c.limits.upload_part_bytes = 1024 * 1024;
}

/// `POST {space}/files?name={name}{extra}` with `body` (`space`: a space's URL).
pub async fn upload<S>(
    e: &Env<S>,
    space: &str,
    name: &str,
    body: Vec<u8>,
    extra: &str,
) -> reqwest::Response {
    let url = format!("{space}/files?name={}{extra}", urlencode(name));
    send(e.post(&url).body(body)).await
}

/// With uploads limited to 1 MiB: an empty file, one byte over the limit, a body without a
/// length that grows past it, a name of `long_name` characters and one with a `*` are
/// refused; so is a `parent` that is no item id.
pub async fn bad_ones_are_refused<S>(e: &Env<S>, space: &str, long_name: usize) {
    let refusal = |res: reqwest::Response| async move { problem(res).await["code"].clone() };
    let res = upload(e, space, "empty.txt", Vec::new(), "").await;
    assert_eq!(res.status(), 400);
    assert_eq!(refusal(res).await, "empty_file");
    let res = upload(e, space, "big.bin", bytes(1024 * 1024 + 1, 3), "").await;
    assert_eq!(res.status(), 413);
    assert_eq!(refusal(res).await, "payload_too_large");
    let stream = futures::stream::iter(
        (0..20).map(|_| Ok::<_, std::io::Error>(bytes::Bytes::from(vec![1u8; 100_000]))),
    );
    let url = format!("{space}/files?name=stream.bin");
    let res = send(e.post(&url).body(reqwest::Body::wrap_stream(stream))).await;
    assert_eq!(
        res.status(),
        413,
        "a body without a length is cut off while spooling"
    );
    problem(res).await;
    let name = "长".repeat(long_name);
    let res = upload(e, space, &name, b"x".to_vec(), "").await;
    assert_eq!(refusal(res).await, "name_too_long");
    let res = upload(e, space, "a*b", b"x".to_vec(), "").await;
    assert_eq!(refusal(res).await, "invalid_name");
    let res = upload(e, space, "x.txt", b"x".to_vec(), "&parent=garbage").await;
    assert_eq!(refusal(res).await, "invalid_id");
}

/// How many files the gateway's spool holds (none once every upload is answered).
pub fn spooled_files<S>(e: &Env<S>) -> usize {
    std::fs::read_dir(e.gw.running.state.spool_dir())
        .unwrap()
        .filter_map(|d| d.ok())
        .filter(|d| d.path().is_file())
        .count()
}
