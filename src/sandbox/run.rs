//! `filegate sandbox`: the three simulators with demo data, and the gateway in front of them
//! with the embedded store — no network, no database server, no credentials to find.

use std::net::SocketAddr;
use std::path::PathBuf;

use rand::RngCore;
use secrecy::SecretString;

use crate::config::{
    Config, ConnectionConfig, FangcloudConfig, OnebotConfig, ProviderConfig, WecomConfig,
};

/// The running sandbox; dropping it stops everything.
pub struct Sandbox {
    pub gateway: crate::app::Running,
    pub wecom: super::wecom::Sim,
    pub fangcloud: super::fangcloud::Sim,
    pub onebot: super::onebot::Sim,
    /// The HS256 secret tokens must be signed with.
    pub jwt_secret: String,
    _dir: Option<tempfile::TempDir>,
}

pub const WECOM_CONNECTION: &str = "wecom-demo";
pub const FANGCLOUD_CONNECTION: &str = "fangcloud-demo";
pub const ONEBOT_CONNECTION: &str = "onebot-demo";

/// The environment variables holding the simulators' demo secrets in a pasted configuration.
pub const WECOM_SECRET_ENV: &str = "FILEGATE_SANDBOX_WECOM_SECRET";
pub const FANGCLOUD_SECRET_ENV: &str = "FILEGATE_SANDBOX_FANGCLOUD_SECRET";
pub const ONEBOT_TOKEN_ENV: &str = "FILEGATE_SANDBOX_ONEBOT_TOKEN";

/// The sandbox's WeCom connection to the simulator at `base_url` (secret already resolved).
pub fn wecom_connection(base_url: &str) -> ConnectionConfig {
    ConnectionConfig {
        name: WECOM_CONNECTION.into(),
        provider: ProviderConfig::Wecom(WecomConfig {
            base_url: base_url.to_owned(),
            corp_id: super::wecom::demo::CORP_ID.into(),
            secret_env: WECOM_SECRET_ENV.into(),
            known_spaces: vec![
                super::wecom::demo::SPACE_ID.into(),
                super::wecom::demo::USER_SPACE_ID.into(),
            ],
            admin_userid: Some(super::wecom::demo::ADMIN_USER.into()),
            secret: Some(SecretString::from(super::wecom::demo::CORP_SECRET)),
        }),
    }
}

pub fn fangcloud_connection(base_url: &str) -> ConnectionConfig {
    ConnectionConfig {
        name: FANGCLOUD_CONNECTION.into(),
        provider: ProviderConfig::Fangcloud(FangcloudConfig {
            // One simulator port serves the OAuth host, the API and the transfer hosts.
            oauth_url: base_url.to_owned(),
            api_url: base_url.to_owned(),
            client_id: super::fangcloud::demo::CLIENT_ID.into(),
            client_secret_env: FANGCLOUD_SECRET_ENV.into(),
            enterprise_id: super::fangcloud::demo::ENTERPRISE_ID.to_string(),
            default_user_id: super::fangcloud::demo::USER_ID.to_string(),
            client_secret: Some(SecretString::from(super::fangcloud::demo::CLIENT_SECRET)),
        }),
    }
}

pub fn onebot_connection(base_url: &str) -> ConnectionConfig {
    ConnectionConfig {
        name: ONEBOT_CONNECTION.into(),
        provider: ProviderConfig::Onebot(OnebotConfig {
            base_url: base_url.to_owned(),
            access_token_env: Some(ONEBOT_TOKEN_ENV.into()),
            max_upload_bytes: 100 * 1024 * 1024,
            upload_to_folders: false,
            listing_snapshot_ttl: crate::config::ONEBOT_SNAPSHOT_TTL,
            listing_snapshot_max_items: crate::config::ONEBOT_SNAPSHOT_ITEMS,
            access_token: Some(SecretString::from(super::onebot::demo::ACCESS_TOKEN)),
        }),
    }
}

/// Starts simulators and gateway. The JWT secret is `FILEGATE_JWT_SECRET` when set (so
/// `filegate token mint` works against the sandbox), otherwise a random one.
pub async fn start(listen: SocketAddr, data_dir: Option<PathBuf>) -> Result<Sandbox, String> {
    let wecom = super::wecom::start(super::wecom::Options::default())
        .await
        .map_err(|e| format!("cannot start the WeCom simulator: {e}"))?;
    let fangcloud = super::fangcloud::start(super::fangcloud::Options::default())
        .await
        .map_err(|e| format!("cannot start the Fangcloud simulator: {e}"))?;
    let onebot = super::onebot::start(super::onebot::Options::default())
        .await
        .map_err(|e| format!("cannot start the OneBot simulator: {e}"))?;

    let (dir, tmp) = match data_dir {
        Some(d) => {
            std::fs::create_dir_all(&d)
                .map_err(|e| format!("cannot create {}: {e}", d.display()))?;
            (d, None)
        }
        None => {
            let t = tempfile::tempdir().map_err(|e| e.to_string())?;
            (t.path().to_owned(), Some(t))
        }
    };
    let jwt_secret = std::env::var("FILEGATE_JWT_SECRET")
        .ok()
        .filter(|s| s.len() >= 32)
        .unwrap_or_else(|| {
            let mut b = [0u8; 32];
            rand::thread_rng().fill_bytes(&mut b);
            hex::encode(b)
        });

    let mut config = Config {
        listen,
        ..Config::default()
    };
    config.auth.hs256_secret = Some(SecretString::from(jwt_secret.clone()));
    config.store.url = format!("sqlite://{}", dir.join("sandbox.db").display());
    config.tokens.key = Some(SecretString::from(
        sandbox_token_key(&dir).map_err(|e| format!("sandbox token key: {e}"))?,
    ));
    config.limits.spool_dir = Some(dir.join("spool"));
    config.connections = vec![
        wecom_connection(&wecom.base_url),
        fangcloud_connection(&fangcloud.base_url),
        onebot_connection(&onebot.base_url),
    ];
    // The sandbox's other settings are fixed, but its limits can be tried out.
    config.limits = crate::config::limits_from_env(config.limits).map_err(|e| e.to_string())?;
    config.validate().map_err(|e| e.to_string())?;
    let gateway = crate::app::spawn(config, listen)
        .await
        .map_err(|e| e.to_string())?;
    Ok(Sandbox {
        gateway,
        wecom,
        fangcloud,
        onebot,
        jwt_secret,
        _dir: tmp,
    })
}

/// Runs the sandbox until Ctrl-C / SIGTERM, printing how to use it.
pub async fn run(listen: SocketAddr, data_dir: Option<PathBuf>) -> Result<(), String> {
    crate::telemetry::init_logging(&crate::config::LogConfig::default());
    let sandbox = start(listen, data_dir).await?;
    let token = crate::auth::mint(
        &SecretString::from(sandbox.jwt_secret.clone()),
        &crate::auth::MintRequest {
            sub: "sandbox-user".into(),
            scopes: crate::auth::Scope::ALL
                .iter()
                .map(|s| s.as_str().to_owned())
                .collect(),
            connections: vec!["*".into()],
            ttl: std::time::Duration::from_secs(24 * 3600),
            issuer: None,
            audience: None,
        },
    )?;
    let url = &sandbox.gateway.base_url;
    println!("filegate sandbox is running at {url}");
    println!();
    println!("  interactive docs:  {url}/docs/");
    println!(
        "  connections:       {WECOM_CONNECTION} (WeCom WeDrive simulator at {})",
        sandbox.wecom.base_url
    );
    println!(
        "                     {FANGCLOUD_CONNECTION} (Fangcloud simulator at {}; acts as user {} unless X-Filegate-As-User names another, e.g. {})",
        sandbox.fangcloud.base_url,
        super::fangcloud::demo::USER_ID,
        super::fangcloud::demo::ALICE_ID
    );
    println!(
        "                     {ONEBOT_CONNECTION} (OneBot 11 / QQ group files simulator at {})",
        sandbox.onebot.base_url
    );
    println!();
    println!("  a development token (all scopes, all connections, 24 h):");
    println!("  export TOKEN={token}");
    println!();
    println!("  curl -H \"Authorization: Bearer $TOKEN\" {url}/v1/connections");
    println!();
    println!("  to mint your own tokens in another shell:");
    println!("  export FILEGATE_JWT_SECRET={}", sandbox.jwt_secret);
    println!(
        "  cargo run --release -- token mint --sub me --scope \"files:read files:write\" --connections \"*\""
    );
    println!();
    println!("Ctrl-C stops the sandbox.");
    let _ = tokio::signal::ctrl_c().await;
    drop(sandbox);
    Ok(())
}

/// What `filegate simulate` adds to a simulator's demo data and defaults, for benchmarks.
#[derive(Debug, Clone, Copy, Default)]
pub struct SimulateOptions {
    /// Lift the per-token rate limit (Fangcloud's 频次限制; the WeCom and OneBot simulators
    /// have none by default).
    pub no_rate_limit: bool,
    /// Add a folder of this many small files to the demo data (0: none).
    pub seed_items: usize,
}

/// Announces the started simulator `sim` of `provider` (see [`simulate`]) and keeps it until
/// Ctrl-C: its base URL. `seeded` is the upstream id of the folder `--seed-items` made, listed
/// with the demo ids.
async fn until_ctrl_c<S>(
    provider: &str,
    sim: std::io::Result<S>,
    base_url: impl Fn(&S) -> &String,
    seeded: impl Fn(&S) -> Option<String>,
    opts: SimulateOptions,
) -> Result<String, String> {
    let sim = sim.map_err(|e| e.to_string())?;
    let url = base_url(&sim).clone();
    let seeded = seeded(&sim).map(|id| (id, opts.seed_items));
    announce(&url, &simulate_help(provider, &url, seeded)?);
    let _ = tokio::signal::ctrl_c().await;
    drop(sim);
    Ok(url)
}

/// `filegate simulate <provider>`: one simulator until Ctrl-C. The first stdout line is
/// `listening on <base url>` (the benchmark reads it); then comes the `[[connections]]`
/// snippet to paste into `filegate.toml`, the `export` line of its demo secret and the demo
/// data's upstream ids (with the `--seed-items` folder, whose line ends in `seeded files`).
pub async fn simulate(provider: &str, port: u16, opts: SimulateOptions) -> Result<(), String> {
    let base_url = match provider {
        "wecom" => {
            let sim = super::wecom::start(super::wecom::Options {
                port,
                seed_items: opts.seed_items,
                ..Default::default()
            })
            .await;
            until_ctrl_c(
                provider,
                sim,
                |s| &s.base_url,
                |s| s.seeded_folder.clone(),
                opts,
            )
            .await?
        }
        "fangcloud" => {
            let mut o = super::fangcloud::Options {
                port,
                seed_items: opts.seed_items,
                ..Default::default()
            };
            if opts.no_rate_limit {
                o.rate_limit = u32::MAX;
            }
            let sim = super::fangcloud::start(o).await;
            until_ctrl_c(
                provider,
                sim,
                |s| &s.base_url,
                |s| s.seeded_folder.clone(),
                opts,
            )
            .await?
        }
        "onebot" => {
            let sim = super::onebot::start(super::onebot::Options {
                port,
                seed_items: opts.seed_items,
                ..Default::default()
            })
            .await;
            until_ctrl_c(
                provider,
                sim,
                |s| &s.base_url,
                |_| (opts.seed_items > 0).then(|| super::onebot::demo::SEEDED_FOLDER_ID.to_owned()),
                opts,
            )
            .await?
        }
        other => {
            return Err(format!(
                "unknown provider '{other}' (wecom, fangcloud, onebot)"
            ));
        }
    };
    eprintln!("simulator at {base_url} stopped");
    Ok(())
}

/// What `filegate simulate` prints after its first line: the configuration snippet (rendered
/// from the same [`ConnectionConfig`] the sandbox uses, so it always parses), the secret's
/// `export` line and the demo ids (with `seeded`, the `--seed-items` folder and its size).
pub fn simulate_help(
    provider: &str,
    base_url: &str,
    seeded: Option<(String, usize)>,
) -> Result<String, String> {
    use super::{fangcloud::demo as fc, onebot::demo as ob, wecom::demo as wc};
    let seeded_label = seeded.as_ref().map(|(_, n)| format!("{n} seeded files"));
    let (connection, env, secret, mut ids) = match provider {
        "wecom" => (
            wecom_connection(base_url),
            WECOM_SECRET_ENV,
            wc::CORP_SECRET,
            vec![
                ("space", wc::SPACE_ID.to_owned(), wc::SPACE_NAME),
                ("space", wc::USER_SPACE_ID.to_owned(), wc::USER_SPACE_NAME),
                ("folder", wc::FOLDER_ID.to_owned(), wc::FOLDER_NAME),
                ("file", wc::FILE_ID.to_owned(), wc::FILE_NAME),
                ("user", wc::ADMIN_USER.to_owned(), "space admin"),
                ("user", wc::MEMBER_USER.to_owned(), "member"),
            ],
        ),
        "fangcloud" => (
            fangcloud_connection(base_url),
            FANGCLOUD_SECRET_ENV,
            fc::CLIENT_SECRET,
            vec![
                (
                    "enterprise",
                    fc::ENTERPRISE_ID.to_string(),
                    fc::ENTERPRISE_NAME,
                ),
                (
                    "user",
                    fc::USER_ID.to_string(),
                    "the gateway's default user",
                ),
                ("user", fc::ALICE_ID.to_string(), fc::ALICE_EMAIL),
                ("user", fc::BOB_ID.to_string(), fc::BOB_EMAIL),
                ("folder", fc::DOCUMENTS_FOLDER_ID.to_string(), "Documents"),
                ("file", fc::HELLO_FILE_ID.to_string(), "hello.txt"),
            ],
        ),
        "onebot" => (
            onebot_connection(base_url),
            ONEBOT_TOKEN_ENV,
            ob::ACCESS_TOKEN,
            vec![
                ("group", ob::GROUP_ID.to_string(), ob::GROUP_NAME),
                (
                    "group",
                    ob::OTHER_GROUP_ID.to_string(),
                    ob::OTHER_GROUP_NAME,
                ),
                ("folder", ob::FOLDER_ID.to_owned(), ob::FOLDER_NAME),
                ("file", ob::FILE_ID.to_owned(), ob::FILE_NAME),
            ],
        ),
        other => return Err(format!("unknown provider '{other}'")),
    };
    if let (Some((id, _)), Some(label)) = (seeded, seeded_label.as_deref()) {
        ids.push(("folder", id, label));
    }
    #[derive(serde::Serialize)]
    struct Snippet<'a> {
        connections: [&'a ConnectionConfig; 1],
    }
    let name = connection.name.clone();
    let toml = toml::to_string(&Snippet {
        connections: [&connection],
    })
    .map_err(|e| format!("cannot render the configuration snippet: {e}"))?;
    let mut out = String::new();
    out.push_str("\n# Paste into filegate.toml:\n");
    out.push_str(&toml);
    out.push_str("\n# and give the gateway the demo secret:\n");
    out.push_str(&format!("export {env}='{secret}'\n"));
    out.push_str(&format!(
        "\n# Demo data (upstream ids; GET /v1/connections/{name}/spaces lists the gateway's ids):\n"
    ));
    for (kind, id, label) in ids {
        out.push_str(&format!("#   {kind:<10} {id}  {label}\n"));
    }
    out.push_str("\nCtrl-C stops the simulator.\n");
    Ok(out)
}

fn announce(url: &str, help: &str) {
    use std::io::Write;
    println!("listening on {url}");
    print!("{help}");
    let _ = std::io::stdout().flush();
}

/// The sandbox's token key: generated once and kept beside its database (`token.key`), so the
/// tokens it stored are readable on the next start and never in plain text.
fn sandbox_token_key(dir: &std::path::Path) -> std::io::Result<String> {
    use base64::Engine;
    let path = dir.join("token.key");
    if let Ok(existing) = std::fs::read_to_string(&path)
        && crate::store::crypto::decode_key("sandbox", &existing).is_ok()
    {
        return Ok(existing.trim().to_owned());
    }
    let mut b = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut b);
    let key = base64::engine::general_purpose::STANDARD.encode(b);
    std::fs::write(&path, &key)?;
    Ok(key)
}
