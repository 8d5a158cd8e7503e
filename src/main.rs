//! The `filegate` command: serve, sandbox, openapi, token mint, migrate.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};
use filegate::config::Config;

#[derive(Parser)]
#[command(
    name = "filegate",
    version,
    about = "One REST API over WeCom WeDrive, Fangcloud and QQ group files"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the gateway with a configuration file and/or `FILEGATE_…` variables.
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
    Sandbox {
        #[arg(long, env = "FILEGATE_LISTEN", default_value = "127.0.0.1:8080")]
        listen: SocketAddr,
        /// Directory for the sandbox's SQLite store (a temporary one when absent).
        #[arg(long, env = "FILEGATE_SANDBOX_DIR")]
        data_dir: Option<PathBuf>,
    },
    /// Run one upstream simulator (with demo data) on loopback, for trying an adapter by hand
    /// or benchmarking the gateway against it as a separate process. Prints its base URL.
    Simulate {
        /// `wecom`, `fangcloud` or `onebot`.
        provider: String,
        #[arg(long, env = "FILEGATE_SIMULATE_PORT", default_value_t = 0)]
        port: u16,
    },
    /// Print the OpenAPI document (or write it to a file).
    Openapi {
        #[arg(long, env = "FILEGATE_OPENAPI_OUTPUT")]
        output: Option<PathBuf>,
    },
    /// Development tokens.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// Run the store's migrations and exit.
    Migrate {
        #[arg(long, env = "FILEGATE_CONFIG")]
        config: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Print an HS256 JWT signed with the configured secret (and nothing else on stdout).
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
            let (app, state) = filegate::app::build(config)
                .await
                .map_err(|e| e.to_string())?;
            state.staging().spawn_sweeper();
            let listener = tokio::net::TcpListener::bind(addr)
                .await
                .map_err(|e| format!("cannot listen on {addr}: {e}"))?;
            tracing::info!(%addr, store = state.store().backend(), connections = state.registry().all().count(), "filegate listening");
            let limits = state.config().limits.clone();
            filegate::app::serve(listener, app, &limits)
                .await
                .map_err(|e| e.to_string())
        }
        Command::Sandbox { listen, data_dir } => filegate::sandbox::run(listen, data_dir).await,
        Command::Simulate { provider, port } => filegate::sandbox::simulate(&provider, port).await,
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
