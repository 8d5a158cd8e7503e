//! The processes a figure runs against: `filegate simulate <provider>` and `filegate serve`,
//! each its own process (so CPU and memory are the process's own), and what the bench needs
//! to call either of them.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::common::{self, Proc};
use crate::upstream::Upstream;

pub const SECRET: &str = "bench-secret-bench-secret-bench-secret-00";
/// The gateway's name for the one connection it serves.
pub const CONN: &str = "bench";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Provider {
    Wecom,
    Fangcloud,
    Onebot,
}

impl Provider {
    pub const ALL: [Provider; 3] = [Provider::Wecom, Provider::Onebot, Provider::Fangcloud];

    pub fn name(self) -> &'static str {
        match self {
            Provider::Wecom => "wecom",
            Provider::Fangcloud => "fangcloud",
            Provider::Onebot => "onebot",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Provider::Wecom => "WeCom",
            Provider::Fangcloud => "Fangcloud",
            Provider::Onebot => "OneBot",
        }
    }

    pub fn parse(s: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|p| p.name() == s)
            .ok_or_else(|| format!("unknown provider '{s}' (wecom, fangcloud, onebot, all)"))
    }
}

/// `filegate` beside this program (`cargo build --release` builds both).
pub fn sibling(name: &str) -> Result<PathBuf, String> {
    let me = std::env::current_exe().map_err(|e| e.to_string())?;
    let p = me.with_file_name(name);
    if p.exists() {
        Ok(p)
    } else {
        Err(format!(
            "{} not found: run `cargo build --release` first",
            p.display()
        ))
    }
}

/// A running simulator.
pub struct Sim {
    pub provider: Provider,
    pub url: String,
    pub pid: u32,
    /// The upstream id of the `--seed-items` folder, when one was asked for.
    pub seeded: Option<String>,
    // Field order is drop order: kill the simulator, then remove the files it stored (a
    // killed simulator cannot remove its own).
    _proc: Proc,
    _dir: tempfile::TempDir,
}

/// Starts `filegate simulate <provider> --no-rate-limit [--seed-items n]` and reads its
/// announcement (its stdout is drained in the background afterwards).
pub fn simulator(provider: Provider, seed_items: usize) -> Result<Sim, String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let mut cmd = Command::new(sibling("filegate")?);
    cmd.args(["simulate", provider.name(), "--no-rate-limit"])
        .env("TMPDIR", dir.path());
    if seed_items > 0 {
        cmd.args(["--seed-items", &seed_items.to_string()]);
    }
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| e.to_string())?;
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let proc = Proc(child);
    let mut lines = BufReader::new(stdout).lines();
    let mut url = None;
    let mut seeded = None;
    for line in lines.by_ref() {
        let line = line.map_err(|e| e.to_string())?;
        if let Some(u) = line.strip_prefix("listening on ") {
            url = Some(u.trim().to_owned());
        }
        if line.starts_with("#   folder") && line.ends_with("seeded files") {
            seeded = line.split_whitespace().nth(2).map(str::to_owned);
        }
        if line == "Ctrl-C stops the simulator." {
            break;
        }
    }
    // Keep reading so the simulator never writes into a closed pipe.
    std::thread::spawn(move || for _ in lines {});
    let url = url.ok_or("the simulator did not start")?;
    if seed_items > 0 && seeded.is_none() {
        return Err("the simulator did not announce its seeded folder".into());
    }
    Ok(Sim {
        provider,
        pid: proc.0.id(),
        url,
        seeded,
        _proc: proc,
        _dir: dir,
    })
}

/// A running gateway with one connection, `bench`, to a simulator.
pub struct Gateway {
    pub base: String,
    pub pid: u32,
    /// A caller's token for the `bench` connection.
    pub token: String,
    /// The gateway's id of the space every figure works in.
    pub space: String,
    _proc: Proc,
    _dir: tempfile::TempDir,
}

impl Gateway {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// `…/v1/connections/bench/spaces/<space><rest>`.
    pub fn space_url(&self, rest: &str) -> String {
        format!(
            "{}/v1/connections/{CONN}/spaces/{}{rest}",
            self.base, self.space
        )
    }
}

/// The largest OneBot upload, and what the connection accepts (`max_upload_bytes`): the
/// simulator takes request bodies up to 256 MiB (`onebot::DEFAULT_MAX_BODY_BYTES`), and a file
/// of 191 MiB is 254.7 MiB of base64 in its JSON body.
pub const ONEBOT_MAX_UPLOAD: u64 = 191 << 20;

fn connection_toml(sim: &Sim) -> (String, String) {
    let max_upload_bytes = ONEBOT_MAX_UPLOAD;
    use filegate::sandbox::{fangcloud, onebot, wecom};
    let url = &sim.url;
    match sim.provider {
        Provider::Wecom => (
            format!(
                "[[connections]]\nname = \"{CONN}\"\nprovider = \"wecom\"\nbase_url = \"{url}\"\ncorp_id = \"{}\"\nsecret_env = \"BENCH_UPSTREAM_SECRET\"\n",
                wecom::demo::CORP_ID
            ),
            wecom::demo::CORP_SECRET.into(),
        ),
        Provider::Onebot => (
            format!(
                "[[connections]]\nname = \"{CONN}\"\nprovider = \"onebot\"\nbase_url = \"{url}\"\naccess_token_env = \"BENCH_UPSTREAM_SECRET\"\nmax_upload_bytes = {max_upload_bytes}\n",
            ),
            onebot::demo::ACCESS_TOKEN.into(),
        ),
        Provider::Fangcloud => (
            format!(
                "[[connections]]\nname = \"{CONN}\"\nprovider = \"fangcloud\"\noauth_url = \"{url}\"\napi_url = \"{url}\"\nclient_id = \"{}\"\nclient_secret_env = \"BENCH_UPSTREAM_SECRET\"\nenterprise_id = \"{}\"\ndefault_user_id = \"{}\"\n",
                fangcloud::demo::CLIENT_ID,
                fangcloud::demo::ENTERPRISE_ID,
                fangcloud::demo::USER_ID
            ),
            fangcloud::demo::CLIENT_SECRET.into(),
        ),
    }
}

/// The gateway's id of the demo space the figures use.
pub fn space_id(provider: Provider) -> String {
    use filegate::model::ids::{IdKind, encode};
    use filegate::sandbox::{fangcloud, onebot, wecom};
    match provider {
        Provider::Wecom => encode(
            IdKind::Space,
            filegate::model::Provider::Wecom,
            &[wecom::demo::SPACE_ID],
        ),
        Provider::Onebot => encode(
            IdKind::Space,
            filegate::model::Provider::Onebot,
            &["g", &onebot::demo::GROUP_ID.to_string()],
        ),
        Provider::Fangcloud => encode(
            IdKind::Space,
            filegate::model::Provider::Fangcloud,
            &["personal", &fangcloud::demo::USER_ID.to_string()],
        ),
    }
}

/// Starts `filegate serve` on a fresh store in front of `sim` and waits until it is ready.
/// The bench connection has no rate-limit governor (the simulators have no limit either), so
/// the figures measure the gateway, not a configured budget.
pub async fn gateway(sim: &Sim) -> Result<Gateway, String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let (conn, secret) = connection_toml(sim);
    let port = common::free_port()?;
    let config = dir.path().join("bench.toml");
    std::fs::write(
        &config,
        format!(
            "[store]\nurl = \"sqlite://{db}\"\n\n[limits]\nspool_dir = \"{spool}\"\n\n[upstream.rate_limit]\nwecom_calls_per_minute = 0\n\n{conn}",
            db = dir.path().join("bench.db").display(),
            spool = dir.path().display(),
        ),
    )
    .map_err(|e| e.to_string())?;
    let mut cmd = Command::new(sibling("filegate")?);
    cmd.args(["serve", "--config"])
        .arg(&config)
        .args(["--listen", &format!("127.0.0.1:{port}")])
        .env("FILEGATE_JWT_SECRET", SECRET)
        .env("BENCH_UPSTREAM_SECRET", secret)
        .env("RUST_LOG", "error")
        .env("TMPDIR", dir.path())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(dir.path().join("gateway.log")).map_err(|e| e.to_string())?);
    let mut proc = Proc(cmd.spawn().map_err(|e| e.to_string())?);
    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::new();
    let mut ready = false;
    for _ in 0..200 {
        if http
            .get(format!("{base}/readyz"))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            ready = true;
            break;
        }
        if proc.0.try_wait().ok().flatten().is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    if !ready {
        let log = std::fs::read_to_string(dir.path().join("gateway.log")).unwrap_or_default();
        return Err(format!(
            "the gateway did not become ready: {}",
            log.chars()
                .rev()
                .take(1500)
                .collect::<String>()
                .chars()
                .rev()
                .collect::<String>()
        ));
    }
    let token = filegate::auth::mint(
        &secrecy::SecretString::from(SECRET),
        &filegate::auth::MintRequest {
            sub: "bench".into(),
            scopes: vec!["files:read".into(), "files:write".into()],
            connections: vec![CONN.into()],
            ttl: Duration::from_secs(6 * 3600),
            issuer: None,
            audience: None,
        },
    )?;
    Ok(Gateway {
        base,
        pid: proc.0.id(),
        token,
        space: space_id(sim.provider),
        _proc: proc,
        _dir: dir,
    })
}

/// A simulator, a gateway in front of it, and the bench's own upstream session.
pub struct Env {
    pub sim: Sim,
    pub gw: Gateway,
    pub up: Upstream,
}

impl Env {
    pub async fn start(provider: Provider, seed_items: usize) -> Result<Env, String> {
        let sim = simulator(provider, seed_items)?;
        let gw = gateway(&sim).await?;
        let up = Upstream::connect(&sim).await?;
        Ok(Env { sim, gw, up })
    }
}
