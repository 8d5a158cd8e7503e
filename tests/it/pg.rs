//! A throwaway PostgreSQL cluster for the test run: `initdb` + `pg_ctl` into a temp dir on a
//! free port, one per test binary, removed when the test process exits (a small reaper
//! process watches our pid, because Rust never drops statics).

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

pub struct PgCluster {
    port: u16,
}

static CLUSTER: OnceLock<PgCluster> = OnceLock::new();

fn find_bin(name: &str) -> PathBuf {
    if let Ok(dir) = std::env::var("PG_BIN") {
        return Path::new(&dir).join(name);
    }
    if let Ok(out) = Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {name}"))
        .output()
    {
        let p = String::from_utf8_lossy(&out.stdout).trim().to_owned();
        if !p.is_empty() {
            return PathBuf::from(p);
        }
    }
    let mut candidates: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .map(|d| {
            d.filter_map(|e| e.ok())
                .map(|e| e.path().join("bin").join(name))
                .filter(|p| p.exists())
                .collect()
        })
        .unwrap_or_default();
    candidates.sort();
    candidates.pop().unwrap_or_else(|| {
        panic!("{name} not found: install PostgreSQL (Debian package postgresql) or set PG_BIN")
    })
}

fn is_root() -> bool {
    // SAFETY-free check: root's home and uid via `id -u`.
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

/// PostgreSQL refuses to run as root; as root, run its tools as the `postgres` user.
fn pg_command(bin: &Path, root: bool) -> Command {
    if root {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(bin);
        c
    } else {
        Command::new(bin)
    }
}

/// Runs a PostgreSQL tool to completion, its stdout silenced; panics with its stderr
/// when it fails, since no test can run without the cluster.
fn run(cmd: &mut Command, what: &str) {
    let out = cmd
        .stdout(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("run {what}: {e}"));
    assert!(
        out.status.success(),
        "{what} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

impl PgCluster {
    pub fn get() -> &'static PgCluster {
        CLUSTER.get_or_init(Self::start)
    }

    fn start() -> PgCluster {
        let root = is_root();
        let dir = std::env::temp_dir().join(format!(
            "filegate-pg-{}-{}",
            std::process::id(),
            free_port()
        ));
        std::fs::create_dir_all(&dir).expect("pg temp dir");
        let data = dir.join("data");
        if root {
            let ok = Command::new("chown")
                .args(["-R", "postgres:postgres"])
                .arg(&dir)
                .status()
                .map(|s| s.success())
                .unwrap_or(false);
            assert!(ok, "cannot chown {} to postgres", dir.display());
        }
        run(
            pg_command(&find_bin("initdb"), root)
                .arg("-D")
                .arg(&data)
                .args([
                    "-U",
                    "filegate",
                    "--auth=trust",
                    "--no-sync",
                    "-E",
                    "UTF8",
                    "--locale=C",
                ]),
            "initdb",
        );
        let port = free_port();
        let pg_ctl = find_bin("pg_ctl");
        let opts = format!(
            "-p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300",
            dir.display()
        );
        run(
            pg_command(&pg_ctl, root)
                .arg("-D")
                .arg(&data)
                .args(["-o", &opts, "-w", "-l"])
                .arg(dir.join("log"))
                .arg("start"),
            "pg_ctl start",
        );
        // Reaper: when this test process is gone, stop the cluster and delete its files.
        let stop = format!(
            "while kill -0 {pid} 2>/dev/null; do sleep 1; done; {runas}{pg_ctl} -D {data} -m immediate stop >/dev/null 2>&1; rm -rf {dir}",
            pid = std::process::id(),
            runas = if root { "runuser -u postgres -- " } else { "" },
            pg_ctl = pg_ctl.display(),
            data = data.display(),
            dir = dir.display(),
        );
        // The reaper must outlive us, so it is deliberately never waited for.
        #[allow(clippy::zombie_processes)]
        let _reaper = Command::new("setsid")
            .args(["sh", "-c", &stop])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn the pg reaper");
        PgCluster { port }
    }

    pub fn url(&self, db: &str) -> String {
        format!("postgres://filegate@127.0.0.1:{}/{db}", self.port)
    }

    /// A new, empty database; returns its URL.
    pub async fn fresh_db(&self) -> String {
        let name = format!("t_{}", uuid::Uuid::new_v4().simple());
        self.admin(&format!("CREATE DATABASE \"{name}\""), "create database")
            .await;
        self.url(&name)
    }

    /// Drops a database out from under its users (a store outage).
    pub async fn drop_db(&self, url: &str) {
        let name = url.rsplit('/').next().unwrap_or_default().to_owned();
        self.admin(
            &format!("DROP DATABASE \"{name}\" WITH (FORCE)"),
            "drop database",
        )
        .await;
    }

    /// Runs `sql` on the maintenance database (databases are made and dropped from outside
    /// themselves); `what` names it in the panic.
    async fn admin(&self, sql: &str, what: &str) {
        use sqlx::Connection;
        let mut conn = sqlx::PgConnection::connect(&self.url("postgres"))
            .await
            .expect("connect to test postgres");
        sqlx::query(sql)
            .execute(&mut conn)
            .await
            .unwrap_or_else(|e| panic!("{what}: {e}"));
    }
}
