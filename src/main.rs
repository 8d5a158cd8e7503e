//! The `filegate` command: serve, sandbox, openapi, token mint, migrate.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};
use filegate::config::Config;

/// mimalloc's per-thread free lists: the request path allocates and frees many small buffers.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "filegate",
    version,
    about = "One REST API over WeCom WeDrive, Fangcloud and QQ group files",
    after_help = ENV_ALL
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the gateway with a configuration file and/or `FILEGATE_…` variables.
    #[command(after_help = ENV_SERVE)]
    Serve {
        /// TOML configuration file; without one, the configuration comes from `FILEGATE_…`
        /// variables alone (e.g. `FILEGATE_CONNECTIONS__0__NAME`).
        #[arg(long, env = "FILEGATE_CONFIG")]
        config: Option<PathBuf>,
        /// Address to listen on (overrides `listen` in the file).
        #[arg(long, env = "FILEGATE_LISTEN")]
        listen: Option<SocketAddr>,
    },
    /// Run the gateway against built-in simulators of all three upstreams, with demo data and
    /// the embedded store. Prints a development token. Needs no network and no database.
    #[command(after_help = ENV_SANDBOX)]
    Sandbox {
        #[arg(long, env = "FILEGATE_LISTEN", default_value = "127.0.0.1:8080")]
        listen: SocketAddr,
        /// Directory for the sandbox's SQLite store (a temporary one when absent).
        #[arg(long, env = "FILEGATE_SANDBOX_DIR")]
        data_dir: Option<PathBuf>,
    },
    /// Run one upstream simulator (with demo data) on loopback, for trying an adapter by hand
    /// or benchmarking the gateway against it as a separate process. Prints its base URL, the
    /// `[[connections]]` snippet for filegate.toml, the demo secret's `export` line and demo ids.
    #[command(after_help = ENV_SIMULATE)]
    Simulate {
        /// `wecom`, `fangcloud` or `onebot`.
        provider: String,
        #[arg(long, env = "FILEGATE_SIMULATE_PORT", default_value_t = 0)]
        port: u16,
        /// Address to bind (0.0.0.0 in a container).
        #[arg(long, env = "FILEGATE_SIMULATE_BIND", default_value = "127.0.0.1")]
        bind: std::net::IpAddr,
        /// Host name the simulator's own URLs use (download and upload links), when callers
        /// reach it under another name than its bind address (a compose service name).
        #[arg(long, env = "FILEGATE_SIMULATE_PUBLIC_HOST")]
        public_host: Option<String>,
        /// Lift the per-token rate limit (Fangcloud's 600 calls a minute; the WeCom and OneBot
        /// simulators have none), for benchmarks.
        #[arg(long, env = "FILEGATE_SIMULATE_NO_RATE_LIMIT")]
        no_rate_limit: bool,
        /// Add a folder named `Seeded` holding this many small files to the demo data (its
        /// upstream id is listed with the demo ids), for listing and paging benchmarks.
        #[arg(long, env = "FILEGATE_SIMULATE_SEED_ITEMS", default_value_t = 0)]
        seed_items: usize,
    },
    /// Print the OpenAPI document (or write it to a file).
    #[command(after_help = ENV_OPENAPI)]
    Openapi {
        #[arg(long, env = "FILEGATE_OPENAPI_OUTPUT")]
        output: Option<PathBuf>,
    },
    /// Development tokens.
    #[command(after_help = ENV_MINT)]
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// Run the store's migrations and exit.
    #[command(after_help = ENV_MIGRATE)]
    Migrate {
        #[arg(long, env = "FILEGATE_CONFIG")]
        config: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Print an HS256 JWT signed with the configured secret (and nothing else on stdout).
    #[command(after_help = ENV_MINT)]
    Mint {
        #[arg(long, env = "FILEGATE_MINT_SUB")]
        sub: String,
        /// Space-separated scopes, e.g. "files:read files:write".
        #[arg(long, env = "FILEGATE_MINT_SCOPE")]
        scope: String,
        /// Comma-separated connection names, or "*".
        #[arg(long, env = "FILEGATE_MINT_CONNECTIONS")]
        connections: String,
        /// Lifetime, e.g. 1h, 30m, 7d.
        #[arg(long, env = "FILEGATE_MINT_TTL", default_value = "1h", value_parser = humantime::parse_duration)]
        ttl: Duration,
        /// Configuration file (for the secret's variable name, issuer and audience).
        #[arg(long, env = "FILEGATE_CONFIG")]
        config: Option<PathBuf>,
    },
}

/// Configuration keys any `FILEGATE_<SECTION>__<KEY>` variable overrides (figment, `__` nests).
macro_rules! env_config {
    () => {
        "\
  FILEGATE_<SECTION>__<KEY>     overrides that key of the file, e.g.
      FILEGATE_STORE__URL             store URL (keep the PostgreSQL password here, not in the file)
      FILEGATE_STORE__MAX_CONNECTIONS pool size
      FILEGATE_LIMITS__SPOOL_DIR      spool and resumable-upload staging directory (share it between replicas)
      FILEGATE_LIMITS__MAX_UPLOAD_BYTES, FILEGATE_LIMITS__TRANSFER_TIMEOUT, …
      FILEGATE_LOG__FORMAT            text or json
      FILEGATE_LOG__LEVEL             e.g. info,filegate=debug
      FILEGATE_PROXY__TRUSTED         reverse proxies whose X-Forwarded-* count, e.g. '[\"10.0.0.0/8\"]'
      FILEGATE_TOKENS__REFRESH_AHEAD  e.g. 5m
  FILEGATE_JWT_SECRET           HS256 secret for callers' JWTs (the name auth.hs256_secret_env gives)
  <connection secrets>          the variables named by each connection's secret_env,
                                client_secret_env and access_token_env
  RUST_LOG                      log filter; wins over log.level"
    };
}

const ENV_SERVE: &str = concat!(
    "Environment:\n",
    "  FILEGATE_CONFIG               configuration file (--config)\n",
    "  FILEGATE_LISTEN               address to listen on (--listen)\n",
    env_config!()
);

const ENV_SANDBOX: &str = "\
Environment:
  FILEGATE_LISTEN               address to listen on (--listen)
  FILEGATE_SANDBOX_DIR          directory for the SQLite store (--data-dir)
  FILEGATE_JWT_SECRET           HS256 secret for tokens (random when unset or shorter than 32 bytes)
  RUST_LOG                      log filter";

const ENV_SIMULATE: &str = "\
Environment:
  FILEGATE_SIMULATE_PORT        port to listen on (--port; 0 = any free port)
  FILEGATE_SIMULATE_BIND        address to bind (--bind)
  FILEGATE_SIMULATE_PUBLIC_HOST host name in the simulator's own URLs (--public-host)
  FILEGATE_SIMULATE_NO_RATE_LIMIT  lift the per-token rate limit (--no-rate-limit)
  FILEGATE_SIMULATE_SEED_ITEMS  add a folder of this many files (--seed-items)
The pasted snippet reads its demo secret from FILEGATE_SANDBOX_WECOM_SECRET,
FILEGATE_SANDBOX_FANGCLOUD_SECRET or FILEGATE_SANDBOX_ONEBOT_TOKEN (the printed export line).";

const ENV_OPENAPI: &str = "\
Environment:
  FILEGATE_OPENAPI_OUTPUT       file to write instead of stdout (--output)";

const ENV_MINT: &str = "\
Environment:
  FILEGATE_CONFIG               configuration file (--config): secret variable name, issuer, audience
  FILEGATE_JWT_SECRET           the HS256 secret (or the variable auth.hs256_secret_env names)
  FILEGATE_MINT_SUB, FILEGATE_MINT_SCOPE, FILEGATE_MINT_CONNECTIONS, FILEGATE_MINT_TTL
                                --sub, --scope, --connections, --ttl";

const ENV_MIGRATE: &str = concat!(
    "Environment:\n",
    "  FILEGATE_CONFIG               configuration file (--config)\n",
    env_config!()
);

const ENV_ALL: &str = "\
Environment (each command's --help lists its own):
  FILEGATE_CONFIG               configuration file (serve, migrate, token mint)
  FILEGATE_LISTEN               address to listen on (serve, sandbox)
  FILEGATE_JWT_SECRET           HS256 secret for callers' JWTs
  FILEGATE_STORE__URL           store URL; any FILEGATE_<SECTION>__<KEY> overrides that key
  FILEGATE_SANDBOX_DIR          sandbox data directory
  FILEGATE_SIMULATE_PORT        simulator port
  FILEGATE_OPENAPI_OUTPUT       where openapi writes
  FILEGATE_MINT_SUB, FILEGATE_MINT_SCOPE, FILEGATE_MINT_CONNECTIONS, FILEGATE_MINT_TTL
  RUST_LOG                      log filter";

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli.command)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

async fn run(command: Command) -> Result<(), String> {
    match command {
        Command::Serve { config, listen } => {
            let mut config = Config::load(config.as_deref()).map_err(|e| e.to_string())?;
            if let Some(listen) = listen {
                config.listen = listen;
            }
            filegate::telemetry::init_logging(&config.log);
            let addr = config.listen;
            let backlog = config.limits.listen_backlog;
            let (app, state) = filegate::app::build(config)
                .await
                .map_err(|e| e.to_string())?;
            state.staging().spawn_sweeper();
            let listener = filegate::listener::bind(addr, backlog)
                .map_err(|e| format!("cannot listen on {addr}: {e}"))?;
            tracing::info!(%addr, store = state.store().backend(), connections = state.registry().all().count(), "filegate listening");
            let limits = state.config().limits.clone();
            filegate::app::serve(listener, app, &limits)
                .await
                .map_err(|e| e.to_string())
        }
        Command::Sandbox { listen, data_dir } => filegate::sandbox::run(listen, data_dir).await,
        Command::Simulate {
            provider,
            port,
            bind,
            public_host,
            no_rate_limit,
            seed_items,
        } => {
            filegate::sandbox::control::expose(filegate::sandbox::control::Exposure {
                bind,
                public_host,
            });
            let opts = filegate::sandbox::SimulateOptions {
                no_rate_limit,
                seed_items,
            };
            filegate::sandbox::simulate(&provider, port, opts).await
        }
        Command::Openapi { output } => {
            let json = filegate::api::openapi()
                .to_pretty_json()
                .map_err(|e| format!("cannot render the OpenAPI document: {e}"))?;
            match output {
                Some(path) => std::fs::write(&path, json + "\n")
                    .map_err(|e| format!("cannot write {}: {e}", path.display())),
                None => {
                    println!("{json}");
                    Ok(())
                }
            }
        }
        Command::Token {
            command:
                TokenCommand::Mint {
                    sub,
                    scope,
                    connections,
                    ttl,
                    config,
                },
        } => {
            let config = Config::load(config.as_deref()).map_err(|e| e.to_string())?;
            let secret = config.auth.hs256_secret.as_ref().ok_or_else(|| {
                format!(
                    "no HS256 secret: set {}",
                    config
                        .auth
                        .hs256_secret_env
                        .as_deref()
                        .unwrap_or("FILEGATE_JWT_SECRET")
                )
            })?;
            if ttl > config.auth.max_mint_ttl {
                return Err(format!(
                    "--ttl is longer than auth.max_mint_ttl ({})",
                    humantime::format_duration(config.auth.max_mint_ttl)
                ));
            }
            let req = filegate::auth::MintRequest {
                sub,
                scopes: scope.split_whitespace().map(str::to_owned).collect(),
                connections: connections
                    .split(',')
                    .map(|s| s.trim().to_owned())
                    .filter(|s| !s.is_empty())
                    .collect(),
                ttl,
                issuer: config.auth.issuer.clone(),
                audience: config.auth.audience.clone(),
            };
            let token = filegate::auth::mint(secret, &req)?;
            println!("{token}");
            Ok(())
        }
        Command::Migrate { config } => {
            let config = Config::load(config.as_deref()).map_err(|e| e.to_string())?;
            let store = filegate::store::open(&config.store.url, 1)
                .await
                .map_err(|e| e.to_string())?;
            eprintln!("migrations applied ({})", store.backend());
            Ok(())
        }
    }
}
