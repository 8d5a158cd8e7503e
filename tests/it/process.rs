//! The `filegate` binary as an operator runs it: configuration from variables alone, typos that
//! stop start-up, the sandbox's limits, and SIGTERM with a transfer still in progress.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use filegate::sandbox::wecom::{self, demo};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

use crate::common::{SECRET, client, token};

use crate::common::free_port;

/// `filegate <args>` with only `vars` (and PATH) in its environment.
fn filegate(args: &[&str], vars: &[(&str, String)]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_filegate"));
    cmd.args(args).env_clear();
    if let Ok(path) = std::env::var("PATH") {
        cmd.env("PATH", path);
    }
    for (k, v) in vars {
        cmd.env(k, v);
    }
    cmd
}

fn serve_vars(dir: &Path, port: u16, wecom_base: &str) -> Vec<(&'static str, String)> {
    vec![
        ("FILEGATE_JWT_SECRET", SECRET.into()),
        ("FILEGATE_LISTEN", format!("127.0.0.1:{port}")),
        (
            "FILEGATE_STORE__URL",
            format!("sqlite://{}", dir.join("f.db").display()),
        ),
        (
            "FILEGATE_LIMITS__SPOOL_DIR",
            dir.join("spool").display().to_string(),
        ),
        ("FILEGATE_CONNECTIONS__0__NAME", "wd".into()),
        ("FILEGATE_CONNECTIONS__0__PROVIDER", "wecom".into()),
        ("FILEGATE_CONNECTIONS__0__BASE_URL", wecom_base.into()),
        ("FILEGATE_CONNECTIONS__0__CORP_ID", demo::CORP_ID.into()),
        ("FILEGATE_CONNECTIONS__0__SECRET_ENV", "WD_SECRET".into()),
        ("WD_SECRET", demo::CORP_SECRET.into()),
        (
            "FILEGATE_CONNECTIONS__0__KNOWN_SPACES__0",
            demo::SPACE_ID.into(),
        ),
    ]
}

/// Starts `filegate <args>` listening on `port`, silent, and waits until it is healthy.
async fn start_healthy(args: &[&str], vars: &[(&str, String)], port: u16) -> (Child, String) {
    let child = filegate(args, vars)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    wait_healthy(&base).await;
    (child, base)
}

async fn wait_healthy(base: &str) {
    for _ in 0..200 {
        if let Ok(r) = client().get(format!("{base}/healthz")).send().await
            && r.status() == 200
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("gateway at {base} never became healthy");
}

/// The gateway's spool files in `dir`.
fn spooled(dir: &Path) -> Vec<std::fs::DirEntry> {
    std::fs::read_dir(dir)
        .map(|d| {
            d.filter_map(Result::ok)
                .filter(|e| {
                    e.file_name()
                        .to_string_lossy()
                        .starts_with("filegate-upload-")
                })
                .collect()
        })
        .unwrap_or_default()
}

fn spool_files(dir: &Path) -> usize {
    spooled(dir).len()
}

#[tokio::test]
async fn sigterm_with_a_stuck_upload_exits_within_shutdown_grace_leaving_no_spool_file() {
    let sim = wecom::start(Default::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut vars = serve_vars(dir.path(), port, &sim.base_url);
    vars.push(("FILEGATE_LIMITS__SHUTDOWN_GRACE", "2s".into()));
    vars.push(("FILEGATE_LIMITS__BODY_READ_TIMEOUT", "1h".into()));
    vars.push(("FILEGATE_LIMITS__MIN_UPLOAD_BYTES_PER_SEC", "0".into()));
    let (mut child, base) = start_healthy(&["serve"], &vars, port).await;

    // Served from variables alone, connection included.
    let bearer = token("files:read files:write", "wd");
    let res = client()
        .get(format!("{base}/v1/connections/wd/spaces"))
        .bearer_auth(&bearer)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);

    let space = filegate::model::ids::encode(
        filegate::model::ids::IdKind::Space,
        filegate::model::Provider::Wecom,
        &[demo::SPACE_ID],
    );
    let mut stuck = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    stuck
        .write_all(
            format!(
                "POST /v1/connections/wd/spaces/{space}/files?name=stuck.bin HTTP/1.1\r\nhost: x\r\nauthorization: Bearer {bearer}\r\ncontent-length: 10000000\r\n\r\n"
            )
            .as_bytes(),
        )
        .await
        .unwrap();
    stuck.write_all(&vec![7u8; 100_000]).await.unwrap();
    let spool = dir.path().join("spool");
    let t = Instant::now();
    while spool_files(&spool) == 0 {
        assert!(
            t.elapsed() < Duration::from_secs(10),
            "no spool file appeared"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    // SAFETY: sending a signal to our own child process.
    unsafe {
        libc::kill(child.id() as i32, libc::SIGTERM);
    }
    let signalled = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(
            signalled.elapsed() < Duration::from_secs(6),
            "still running {:?} after SIGTERM (shutdown_grace 2s)",
            signalled.elapsed()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let took = signalled.elapsed();
    assert!(status.success(), "{status:?}");
    assert!(
        took >= Duration::from_millis(1500),
        "ended the upload before the grace: {took:?}"
    );
    assert_eq!(spool_files(&spool), 0, "spool file left behind");
}

/// Runs `filegate serve` expecting it to refuse to start; returns its stderr.
fn refused(vars: &[(&str, String)], file: Option<&Path>) -> String {
    let mut args = vec!["serve"];
    let path;
    if let Some(f) = file {
        path = f.display().to_string();
        args.extend(["--config", path.as_str()]);
    }
    let out = filegate(&args, vars).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn configuration_typos_stop_start_up_naming_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let base = serve_vars(dir.path(), free_port(), "http://127.0.0.1:9");
    for (typo, expect) in [
        (
            "FILEGATE_CONNECTIONS__0__KNOWN_SPACE",
            "did you mean FILEGATE_CONNECTIONS__0__KNOWN_SPACES?",
        ),
        (
            "FILEGATE_LIMITS__MAX_UPLOAD_BYTE",
            "did you mean FILEGATE_LIMITS__MAX_UPLOAD_BYTES?",
        ),
        ("FILEGATE_LISTN", "did you mean FILEGATE_LISTEN?"),
        ("FILEGATE_CONNECTIONS__0__BOGUS_KEY", "connection 'wd'"),
    ] {
        let mut vars = base.clone();
        vars.push((typo, "1".into()));
        let err = refused(&vars, None);
        assert!(err.contains(typo) && err.contains(expect), "{typo}: {err}");
    }
    for (line, expect) in [
        ("known_space = [\"s\"]", "did you mean `known_spaces`?"),
        ("bogus_key = 1", "connections[0].bogus_key"),
    ] {
        let file = dir.path().join("c.toml");
        std::fs::write(
            &file,
            format!(
                "[[connections]]\nname = \"acme\"\nprovider = \"wecom\"\ncorp_id = \"ww1\"\nsecret_env = \"WD_SECRET\"\n{line}\n"
            ),
        )
        .unwrap();
        let vars = vec![
            ("FILEGATE_JWT_SECRET", SECRET.to_owned()),
            ("WD_SECRET", "s".to_owned()),
        ];
        let err = refused(&vars, Some(&file));
        assert!(
            err.contains(expect) && err.contains("'acme'"),
            "{line}: {err}"
        );
    }
}

#[tokio::test]
async fn the_sandbox_honours_limits_variables_and_refuses_misspelled_ones() {
    let out = filegate(
        &["sandbox", "--listen", "127.0.0.1:0"],
        &[("FILEGATE_LIMITS__MAX_HEADRS", "5".into())],
    )
    .output()
    .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("did you mean FILEGATE_LIMITS__MAX_HEADERS?"),
        "{err}"
    );

    let port = free_port();
    let listen = format!("127.0.0.1:{port}");
    let (mut child, base) = start_healthy(
        &["sandbox", "--listen", &listen],
        &[("FILEGATE_LIMITS__MAX_HEADERS", "8".into())],
        port,
    )
    .await;
    let mut req = client().get(format!("{base}/healthz"));
    for i in 0..12 {
        req = req.header(format!("x-h{i}"), "1");
    }
    let res = req.send().await.unwrap();
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(res.status(), 431);
}

/// A process's memory high-water mark (`VmHWM`, KiB) and current RSS from /proc.
fn memory_kib(pid: u32) -> (u64, u64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or_else(|| panic!("{name} in /proc/{pid}/status"))
    };
    (field("VmHWM:"), field("VmRSS:"))
}

/// The size of the spool file being written, if one exists.
fn spool_bytes(dir: &Path) -> u64 {
    spooled(dir)
        .iter()
        .filter_map(|e| e.metadata().ok())
        .map(|m| m.len())
        .max()
        .unwrap_or(0)
}

#[tokio::test]
async fn a_100_mib_multipart_part_goes_through_the_spool_with_bounded_memory() {
    const SIZE: u64 = 100 * 1024 * 1024 + 5;
    const CHUNK: u64 = 1024 * 1024;
    let chunk = |i: u64| vec![(i % 251) as u8; CHUNK.min(SIZE - i * CHUNK) as usize];
    let mut sha = <sha1::Sha1 as sha1::Digest>::new();
    for i in 0..SIZE.div_ceil(CHUNK) {
        sha1::Digest::update(&mut sha, chunk(i));
    }
    let expected = hex::encode(sha1::Digest::finalize(sha));

    let sim = wecom::start(Default::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let vars = serve_vars(dir.path(), port, &sim.base_url);
    let (mut child, base) = start_healthy(&["serve"], &vars, port).await;
    let (idle_hwm, _) = memory_kib(child.id());

    let space = filegate::model::ids::encode(
        filegate::model::ids::IdKind::Space,
        filegate::model::Provider::Wecom,
        &[demo::SPACE_ID],
    );
    // The part streams from a generator: neither side holds the file.
    let body = reqwest::Body::wrap_stream(futures::stream::iter(
        (0..SIZE.div_ceil(CHUNK)).map(move |i| Ok::<_, std::io::Error>(chunk(i))),
    ));
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::stream_with_length(body, SIZE).file_name("big.bin"),
    );
    let spool = dir.path().join("spool");
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let watch = {
        let (spool, done) = (spool.clone(), done.clone());
        tokio::spawn(async move {
            let mut biggest = 0;
            while !done.load(std::sync::atomic::Ordering::SeqCst) {
                biggest = biggest.max(spool_bytes(&spool));
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            biggest
        })
    };
    let res = reqwest::Client::new()
        .post(format!("{base}/v1/connections/wd/spaces/{space}/files"))
        .bearer_auth(token("files:read files:write", "wd"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    let status = res.status();
    let r: serde_json::Value = res.json().await.unwrap();
    assert_eq!(status, 201, "{r}");
    assert_eq!(r["item"]["name"], "big.bin");
    assert_eq!(r["item"]["size"], SIZE);
    assert_eq!(r["item"]["sha1"], expected.as_str());
    assert_eq!(r["method"], "chunked");
    done.store(true, std::sync::atomic::Ordering::SeqCst);
    let spooled = watch.await.unwrap();
    assert!(
        spooled >= SIZE,
        "the part went through the spool: {spooled}"
    );
    let (hwm, _) = memory_kib(child.id());
    eprintln!(
        "gateway VmHWM idle {idle_hwm} KiB, after a {} MiB multipart upload {hwm} KiB",
        SIZE >> 20
    );
    // Buffering the part would need at least its 100 MiB; streaming needs a few chunks.
    assert!(
        hwm < idle_hwm + 64 * 1024,
        "VmHWM grew from {idle_hwm} KiB to {hwm} KiB"
    );
    assert_eq!(spool_files(&spool), 0, "spool file removed");
    child.kill().unwrap();
    child.wait().unwrap();
}
