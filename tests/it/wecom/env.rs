//! A gateway with one WeCom connection (`wd`) in front of a fresh WeDrive simulator.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use filegate::config::{Config, ConnectionConfig, ProviderConfig, WecomConfig};
use filegate::sandbox::wecom::{self, demo};
use secrecy::SecretString;

use crate::common::{Proc, free_port, wait_for};

pub const CONN: &str = "wd";

pub type Env = crate::env::Env<wecom::Sim>;

pub fn connection(base_url: &str, secret: &str) -> ConnectionConfig {
    ConnectionConfig {
        name: CONN.into(),
        provider: ProviderConfig::Wecom(WecomConfig {
            base_url: base_url.into(),
            corp_id: demo::CORP_ID.into(),
            secret_env: "UNUSED_IN_TESTS".into(),
            known_spaces: vec![demo::SPACE_ID.into()],
            admin_userid: Some(demo::ADMIN_USER.into()),
            secret: Some(SecretString::from(secret)),
        }),
    }
}

pub async fn env_with(opts: wecom::Options, tweak: impl FnOnce(&mut Config)) -> Env {
    env_named(CONN, opts, tweak).await
}

/// With the connection called `name`: for tests that read process-wide metrics, whose series
/// are labelled by connection and shared by every gateway in the test process.
pub async fn env_named(name: &str, opts: wecom::Options, tweak: impl FnOnce(&mut Config)) -> Env {
    let sim = wecom::start(opts).await.expect("wecom simulator starts");
    let base = sim.base_url.clone();
    let mut connection = connection(&base, demo::CORP_SECRET);
    connection.name = name.into();
    Env::start(sim, base, name, connection, tweak).await
}

pub async fn env() -> Env {
    env_of(wecom::Options::default()).await
}

/// A simulator started with `opts` behind a gateway configured as by default.
pub async fn env_of(opts: wecom::Options) -> Env {
    env_with(opts, |_| {}).await
}

impl Env {
    pub fn space(&self) -> String {
        filegate::model::ids::encode(
            filegate::model::ids::IdKind::Space,
            filegate::model::Provider::Wecom,
            &[demo::SPACE_ID],
        )
    }

    pub fn item(fileid: &str) -> String {
        filegate::model::ids::encode(
            filegate::model::ids::IdKind::Item,
            filegate::model::Provider::Wecom,
            &[fileid],
        )
    }

    /// `/v1/connections/wd/spaces/{demo space}` + `path`.
    pub fn surl(&self, path: &str) -> String {
        self.url(&format!("/spaces/{}{path}", self.space()))
    }
}

/// Writes `dir/filegate.toml` for a gateway process with the one WeCom connection (`wd`, its
/// secret in `TEST_WECOM_SECRET`) in front of the simulator at `sim_base`, its store at
/// `store_url` and its spool in `dir`. `extra` follows `spool_dir` in `[limits]`: more limits,
/// or further tables.
pub fn process_config(dir: &Path, store_url: &str, sim_base: &str, extra: &str) -> PathBuf {
    let config = dir.join("filegate.toml");
    std::fs::write(
        &config,
        format!(
            r#"
[store]
url = "{store_url}"

[limits]
spool_dir = "{spool}"
{extra}

[[connections]]
name = "{CONN}"
provider = "wecom"
base_url = "{sim_base}"
corp_id = "{corp}"
secret_env = "TEST_WECOM_SECRET"
known_spaces = ["{space}"]
"#,
            spool = dir.display(),
            corp = demo::CORP_ID,
            space = demo::SPACE_ID,
        ),
    )
    .unwrap();
    config
}

/// `filegate <args> --config <config>` with the test secrets, quiet.
pub fn process(config: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_filegate"));
    c.args(args)
        .arg("--config")
        .arg(config)
        .env("FILEGATE_JWT_SECRET", crate::common::SECRET)
        .env("FILEGATE_TOKEN_KEY", crate::common::TOKEN_KEY)
        .env("TEST_WECOM_SECRET", demo::CORP_SECRET)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    c
}

/// Migrates the store of `config`, then starts `n` gateway processes on it and waits until
/// each is ready: the processes (stopped when dropped) and their base URLs.
pub async fn replicas(config: &Path, n: usize) -> (Vec<Proc>, Vec<String>) {
    assert!(process(config, &["migrate"]).status().unwrap().success());
    let mut bases = Vec::new();
    let mut procs = Vec::new();
    for _ in 0..n {
        let port = free_port();
        let mut c = process(config, &["serve"]);
        c.args(["--listen", &format!("127.0.0.1:{port}")]);
        procs.push(Proc(c.spawn().unwrap()));
        bases.push(format!("http://127.0.0.1:{port}"));
    }
    for b in &bases {
        wait_for(&format!("{b}/readyz"), 200).await;
    }
    (procs, bases)
}
