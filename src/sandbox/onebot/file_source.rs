//! A `file` parameter given as a local path or a URL (document: "本地文件路径、文件base64或文件url").
//!
//! The simulator accepts both forms, as the implementations do, but only where they cannot
//! reach outside the test: a path must lie inside the simulator's own temporary directory, a
//! URL must name a loopback host. Each use is counted in `/__sim/stats` (`upload_file_path`,
//! `upload_file_url`) so tests can assert that the gateway never sends one (README: a gateway
//! only ever sends `base64://` content it produced itself).

use std::net::IpAddr;
use std::path::{Path, PathBuf};

use futures::StreamExt;

use super::envelope::Failure;
use super::params::{Blob, BlobWriter};
use super::state::Shared;

/// The `/__sim/stats` counter names.
pub const PATH_COUNTER: &str = "upload_file_path";
pub const URL_COUNTER: &str = "upload_file_url";

/// Reads the content a path or URL `file` names into a blob.
pub(crate) async fn fetch(shared: &Shared, given: &str) -> Result<Blob, Failure> {
    if given.starts_with("http://") || given.starts_with("https://") {
        shared.control.count_call(URL_COUNTER);
        from_url(shared, given).await
    } else {
        shared.control.count_call(PATH_COUNTER);
        let path = given.strip_prefix("file://").unwrap_or(given);
        from_path(shared, Path::new(path)).await
    }
}

fn refused(why: String) -> Failure {
    Failure::bad(why)
}

fn cannot_read(e: impl std::fmt::Display) -> Failure {
    Failure::failed(format!("could not read the file: {e}"))
}

/// The canonical form of `path` when it lies inside `root`.
fn inside(root: &Path, path: &Path) -> Option<PathBuf> {
    if !path.is_absolute() {
        return None;
    }
    let root = root.canonicalize().ok()?;
    let path = path.canonicalize().ok()?;
    path.starts_with(&root).then_some(path)
}

async fn from_path(shared: &Shared, path: &Path) -> Result<Blob, Failure> {
    let Some(path) = inside(&shared.blob_dir, path) else {
        return Err(refused(format!(
            "parameter `file`: this simulator reads local paths only inside its own directory {} (got {})",
            shared.blob_dir.display(),
            path.display()
        )));
    };
    let mut file = tokio::fs::File::open(&path).await.map_err(cannot_read)?;
    let mut writer = BlobWriter::create(&shared.blob_dir).map_err(cannot_read)?;
    let mut buf = vec![0u8; 256 * 1024];
    loop {
        let n = tokio::io::AsyncReadExt::read(&mut file, &mut buf)
            .await
            .map_err(cannot_read)?;
        if n == 0 {
            break;
        }
        writer.write(&buf[..n]).await.map_err(cannot_read)?;
    }
    writer.finish().await.map_err(cannot_read)
}

/// True for `localhost` and loopback addresses (127.0.0.0/8, ::1).
fn is_loopback(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

async fn from_url(shared: &Shared, url: &str) -> Result<Blob, Failure> {
    let parsed = reqwest::Url::parse(url)
        .map_err(|e| refused(format!("parameter `file`: not a URL ({e})")))?;
    if !parsed.host_str().is_some_and(is_loopback) {
        return Err(refused(format!(
            "parameter `file`: this simulator fetches URLs only from loopback hosts (got {})",
            parsed.host_str().unwrap_or("")
        )));
    }
    let response = reqwest::Client::new()
        .get(parsed)
        .send()
        .await
        .and_then(reqwest::Response::error_for_status)
        .map_err(|e| Failure::failed(format!("could not download the file: {e}")))?;
    let mut writer = BlobWriter::create(&shared.blob_dir).map_err(cannot_read)?;
    let mut body = response.bytes_stream();
    while let Some(chunk) = body.next().await {
        let chunk = chunk.map_err(|e| Failure::failed(format!("download broke off: {e}")))?;
        writer.write(&chunk).await.map_err(cannot_read)?;
    }
    writer.finish().await.map_err(cannot_read)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_hosts_count_as_loopback() {
        for host in ["localhost", "127.0.0.1", "127.9.8.7", "[::1]", "::1"] {
            assert!(is_loopback(host), "{host}");
        }
        for host in [
            "example.com",
            "10.0.0.1",
            "192.168.1.1",
            "[2001:db8::1]",
            "",
        ] {
            assert!(!is_loopback(host), "{host}");
        }
    }

    #[test]
    fn paths_outside_the_root_or_relative_are_refused() {
        let root = tempfile::tempdir().unwrap();
        let file = root.path().join("a.txt");
        std::fs::write(&file, b"x").unwrap();
        assert!(inside(root.path(), &file).is_some());
        assert!(inside(root.path(), &root.path().join("../")).is_none());
        assert!(inside(root.path(), Path::new("/etc/hostname")).is_none());
        assert!(inside(root.path(), Path::new("a.txt")).is_none());
    }
}
