//! Typed configuration: a TOML file, then `FILEGATE_…` environment overrides, validated once at
//! start-up. Secrets are never written in the file: a connection names the environment
//! variable that holds each secret (`secret_env = "ACME_WECOM_SECRET"`), read at start-up and
//! kept in [`SecretString`] so that no `Debug` or log line can print it.

use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use figment::Figment;
use figment::providers::Serialized;
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::model::Provider;

mod env;
mod strict;

pub use env::limits_from_env;

/// Why the configuration was refused; always names the offending key.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("config: {0}")]
    Parse(String),
    #[error("config key `{key}`: {message}")]
    Invalid { key: String, message: String },
}

fn invalid(key: impl Into<String>, message: impl Into<String>) -> ConfigError {
    ConfigError::Invalid {
        key: key.into(),
        message: message.into(),
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct Config {
    /// Address to listen on.
    pub listen: SocketAddr,
    pub auth: AuthConfig,
    pub store: StoreConfig,
    pub limits: Limits,
    pub tokens: TokenConfig,
    pub log: LogConfig,
    pub cors: CorsConfig,
    pub proxy: ProxyConfig,
    pub upstream: UpstreamConfig,
    pub connections: Vec<ConnectionConfig>,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            auth: AuthConfig::default(),
            store: StoreConfig::default(),
            limits: Limits::default(),
            tokens: TokenConfig::default(),
            log: LogConfig::default(),
            cors: CorsConfig::default(),
            proxy: ProxyConfig::default(),
            upstream: UpstreamConfig::default(),
            connections: Vec::new(),
        }
    }
}

/// How callers' JWTs are verified.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct AuthConfig {
    /// Environment variable holding the HS256 secret (at least 32 bytes). Optional when public
    /// keys are configured instead.
    pub hs256_secret_env: Option<String>,
    /// Public keys for RS256 / ES256 / EdDSA tokens.
    pub public_keys: Vec<PublicKeyConfig>,
    /// Required `iss`, when set.
    pub issuer: Option<String>,
    /// Required `aud`, when set.
    pub audience: Option<String>,
    /// Clock skew tolerated on `exp` / `nbf`.
    #[serde(with = "humantime_serde")]
    pub leeway: Duration,
    /// Longest lifetime `filegate token mint` issues.
    #[serde(with = "humantime_serde")]
    pub max_mint_ttl: Duration,
    /// The secret itself, resolved from `hs256_secret_env` at start-up (or set by the sandbox).
    #[serde(skip)]
    pub hs256_secret: Option<SecretString>,
}

impl Default for AuthConfig {
    fn default() -> Self {
        Self {
            hs256_secret_env: Some("FILEGATE_JWT_SECRET".into()),
            public_keys: Vec::new(),
            issuer: None,
            audience: None,
            leeway: Duration::from_secs(30),
            max_mint_ttl: Duration::from_secs(30 * 24 * 3600),
            hs256_secret: None,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PublicKeyConfig {
    /// `RS256`, `ES256` or `EdDSA`.
    pub algorithm: String,
    /// PEM file with the public key.
    pub pem_file: PathBuf,
    /// Matched against the token header's `kid` when both are present.
    #[serde(default)]
    pub kid: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct StoreConfig {
    /// `sqlite://path` (default, embedded) or `postgres://…` for several replicas. For
    /// PostgreSQL keep the password out of the file: `FILEGATE_STORE__URL` overrides this key.
    pub url: String,
    /// Connection pool size.
    pub max_connections: u32,
}

impl Default for StoreConfig {
    fn default() -> Self {
        Self {
            url: "sqlite://filegate.db".into(),
            max_connections: 8,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct Limits {
    /// Largest JSON request body.
    pub max_json_bytes: u64,
    /// Largest upload (single request or resumable total).
    pub max_upload_bytes: u64,
    /// Deadline for ordinary requests (504 when exceeded).
    #[serde(with = "humantime_serde")]
    pub request_timeout: Duration,
    /// Deadline for uploads and for the start of downloads.
    #[serde(with = "humantime_serde")]
    pub transfer_timeout: Duration,
    /// Deadline for one upstream call (connect + answer headers).
    #[serde(with = "humantime_serde")]
    pub upstream_timeout: Duration,
    #[serde(with = "humantime_serde")]
    pub upstream_connect_timeout: Duration,
    /// Requests handled at once; more are refused with 503.
    pub max_concurrent_requests: usize,
    /// Where upload bodies are spooled; the system temp dir when unset.
    pub spool_dir: Option<PathBuf>,
    /// How long an unfinished resumable upload is kept.
    #[serde(with = "humantime_serde")]
    pub upload_session_ttl: Duration,
    /// Part size of resumable uploads (the last part may be shorter).
    pub upload_part_bytes: u64,
    /// Open client connections; more are closed as soon as they are accepted. Kept below the
    /// process's file-descriptor limit at start-up.
    pub max_connections: usize,
    /// Accept queue asked of the kernel (capped by `net.core.somaxconn`): a burst of new
    /// connections beyond what the accept loop drains in time overflows it, and with SYN
    /// cookies the kernel later resets connections the client believed established.
    pub listen_backlog: u32,
    /// Time a new connection has for its first request, and HTTP/1.1 for each request head.
    #[serde(with = "humantime_serde")]
    pub header_read_timeout: Duration,
    /// A connection with no request in flight for this long is closed.
    #[serde(with = "humantime_serde")]
    pub keep_alive_timeout: Duration,
    /// Largest request head (request line and headers; HTTP/2: header list); larger is a 431.
    /// A request target over 64 KiB is a 414 whatever this says (hyper's limit).
    pub max_header_bytes: usize,
    /// Most header fields in one HTTP/1.1 request; more is a 431.
    pub max_headers: usize,
    /// Concurrent streams one HTTP/2 connection may open.
    pub h2_max_concurrent_streams: u32,
    /// An upload body that sends nothing for this long ends in 408 `request_timeout`.
    #[serde(with = "humantime_serde")]
    pub body_read_timeout: Duration,
    /// Slowest average upload rate accepted once a body has been arriving for
    /// `body_read_timeout` (bytes per second; 0 turns the check off); slower is a 408.
    pub min_upload_bytes_per_sec: u64,
    /// Uploads in progress at once, over all callers; separate from `max_concurrent_requests`.
    pub max_concurrent_uploads: usize,
    /// Uploads in progress at once for one caller (JWT `sub`).
    pub max_uploads_per_subject: usize,
    /// On SIGTERM/SIGINT: how long in-flight requests may still run before they are ended.
    #[serde(with = "humantime_serde")]
    pub shutdown_grace: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_json_bytes: 1024 * 1024,
            max_upload_bytes: 20 * 1024 * 1024 * 1024,
            request_timeout: Duration::from_secs(60),
            transfer_timeout: Duration::from_secs(3600),
            upstream_timeout: Duration::from_secs(30),
            upstream_connect_timeout: Duration::from_secs(5),
            max_concurrent_requests: 1024,
            spool_dir: None,
            upload_session_ttl: Duration::from_secs(24 * 3600),
            upload_part_bytes: 8 * 1024 * 1024,
            max_connections: 16384,
            listen_backlog: 4096,
            header_read_timeout: Duration::from_secs(10),
            keep_alive_timeout: Duration::from_secs(30),
            max_header_bytes: 128 * 1024,
            max_headers: 100,
            h2_max_concurrent_streams: 100,
            body_read_timeout: Duration::from_secs(30),
            min_upload_bytes_per_sec: 1024,
            max_concurrent_uploads: 256,
            max_uploads_per_subject: 16,
            shutdown_grace: Duration::from_secs(30),
        }
    }
}

/// Resilience of the calls to each connection's upstream (docs/ARCHITECTURE.md, "Upstream
/// resilience"): retries of idempotent calls, the circuit breaker, the rate-limit governor.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct UpstreamConfig {
    pub retry: RetryConfig,
    pub breaker: BreakerConfig,
    pub rate_limit: RateLimitConfig,
}

/// The rate-limit governor (src/providers/governor.rs).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct RateLimitConfig {
    /// Calls per minute to a WeCom connection. WeCom's documented frequency limit is 10 000
    /// calls per minute per enterprise and API (企业微信 接口调用频率限制; the error is 45009,
    /// upstream-docs/README.md); the governor counts all of a connection's calls together.
    /// 9 000 with the default burst keeps any 60 s under 9 900.
    pub wecom_calls_per_minute: u32,
    /// Calls per minute to a OneBot connection; 0 = none (OneBot 11 and Shamrock document no
    /// limit).
    pub onebot_calls_per_minute: u32,
    /// Per-connection overrides of the two above, by connection name (0 = none).
    pub connections: BTreeMap<String, u32>,
    /// Calls allowed at once on top of the steady rate; 0 = a tenth of a minute's budget.
    pub burst: u32,
    /// This replica's share of each budget (several replicas: 1/N each, or as balanced);
    /// Fangcloud's reported per-token budget is not shared out (each replica sees the upstream's
    /// own count in `X-Rate-Limit-Remaining`).
    pub replica_share: f64,
    /// How long a caller over budget waits for its turn; beyond, 429 `rate_limited`.
    #[serde(with = "humantime_serde")]
    pub max_wait: Duration,
    /// After an upstream rate-limit refusal without `Retry-After` (WeCom 45009): no call to
    /// that connection for this long (WeCom's limits are per minute).
    #[serde(with = "humantime_serde")]
    pub pause_on_refusal: Duration,
}

impl Default for RateLimitConfig {
    fn default() -> Self {
        Self {
            wecom_calls_per_minute: 9_000,
            onebot_calls_per_minute: 0,
            connections: BTreeMap::new(),
            burst: 0,
            replica_share: 1.0,
            max_wait: Duration::from_secs(1),
            pause_on_refusal: Duration::from_secs(60),
        }
    }
}

/// Retries of idempotent upstream calls (reads), and of any call the upstream provably never
/// received (connection refused).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct RetryConfig {
    /// Retries after the first attempt (0 turns retrying off).
    pub max_retries: u32,
    /// First backoff; each next one doubles, with full jitter, up to `max_backoff`.
    #[serde(with = "humantime_serde")]
    pub min_backoff: Duration,
    #[serde(with = "humantime_serde")]
    pub max_backoff: Duration,
    /// Retries may be at most this percentage of all upstream calls of a connection (Envoy's
    /// retry-budget default, 20 %: at most 1.25 calls per request).
    pub budget_percent: u32,
}

impl Default for RetryConfig {
    fn default() -> Self {
        Self {
            max_retries: 2,
            min_backoff: Duration::from_millis(25),
            max_backoff: Duration::from_millis(250),
            budget_percent: 20,
        }
    }
}

/// The per-connection circuit breaker: a failure is a transport error, a timeout or an HTTP
/// 5xx from the upstream (not a refusal in its envelope, not a 4xx, not a 429).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct BreakerConfig {
    /// Opens after this many failed calls in a row (0 turns the breaker off).
    pub consecutive_failures: u32,
    /// Also opens when at least this share of the last `window` calls failed (0 = off).
    pub failure_ratio: f64,
    /// Calls the ratio is measured over (and the fewest before it applies).
    pub window: u32,
    /// How long it stays open before letting probe calls through (half-open).
    #[serde(with = "humantime_serde")]
    pub open_for: Duration,
    /// Probe calls let through at once while half-open; one success closes it again.
    pub half_open_probes: u32,
}

impl Default for BreakerConfig {
    fn default() -> Self {
        Self {
            consecutive_failures: 5,
            failure_ratio: 0.5,
            window: 20,
            open_for: Duration::from_secs(10),
            half_open_probes: 1,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct TokenConfig {
    /// Refresh an upstream token when less than this remains (or a tenth of its lifetime,
    /// whichever is larger).
    #[serde(with = "humantime_serde")]
    pub refresh_ahead: Duration,
    /// Environment variable holding the key upstream tokens are encrypted with at rest
    /// (AES-256-GCM, 32 bytes in standard base64). Required with PostgreSQL; without it SQLite
    /// stores tokens in plain text, with a warning at start-up.
    pub key_env: String,
    /// Id stored with each row the current key seals; change it with the key.
    pub key_id: String,
    /// Earlier keys, only to read rows they sealed (rotation: new rows use the current key).
    pub old_keys: Vec<OldTokenKey>,
    /// The current key, resolved from `key_env` at start-up (or generated by the sandbox).
    #[serde(skip)]
    pub key: Option<SecretString>,
}

/// A retired token key: still opens the rows it sealed, never seals new ones.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OldTokenKey {
    pub id: String,
    pub key_env: String,
    #[serde(skip)]
    pub key: Option<SecretString>,
}

impl Default for TokenConfig {
    fn default() -> Self {
        Self {
            refresh_ahead: Duration::from_secs(300),
            key_env: "FILEGATE_TOKEN_KEY".into(),
            key_id: "k1".into(),
            old_keys: Vec::new(),
            key: None,
        }
    }
}

impl TokenConfig {
    /// The cipher the store seals tokens with; plain text when no key is set.
    pub fn cipher(&self) -> Result<crate::store::TokenCipher, ConfigError> {
        use secrecy::ExposeSecret;
        let Some(key) = &self.key else {
            return Ok(crate::store::TokenCipher::plaintext());
        };
        let current = crate::store::crypto::decode_key(&self.key_id, key.expose_secret())
            .map_err(|e| invalid("tokens.key_env", e))?;
        let mut old = Vec::new();
        for (i, k) in self.old_keys.iter().enumerate() {
            let field = format!("tokens.old_keys[{i}].key_env");
            let value = k.key.as_ref().ok_or_else(|| {
                invalid(
                    &field,
                    format!("environment variable {} is not set", k.key_env),
                )
            })?;
            let bytes = crate::store::crypto::decode_key(&k.id, value.expose_secret())
                .map_err(|e| invalid(&field, e))?;
            if k.id == self.key_id {
                return Err(invalid(
                    format!("tokens.old_keys[{i}].id"),
                    "must differ from tokens.key_id",
                ));
            }
            old.push((k.id.clone(), bytes));
        }
        Ok(crate::store::TokenCipher::new(
            (&self.key_id, current),
            &old,
        ))
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct LogConfig {
    /// `text` or `json`.
    pub format: String,
    /// An `EnvFilter` directive, e.g. `info,filegate=debug`. `RUST_LOG` wins when set.
    pub level: String,
}

impl Default for LogConfig {
    fn default() -> Self {
        Self {
            format: "text".into(),
            level: "info".into(),
        }
    }
}

/// Cross-origin access; off unless origins are listed.
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct CorsConfig {
    pub allowed_origins: Vec<String>,
}

/// The reverse proxies in front of the gateway.
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct ProxyConfig {
    /// Addresses or CIDR blocks (`10.0.0.0/8`) whose `X-Forwarded-For`/`-Proto`/`-Host` are
    /// believed. Empty: those headers are ignored from everyone.
    pub trusted: Vec<String>,
}

/// One configured upstream account.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ConnectionConfig {
    /// Name used in URLs (`/v1/connections/{name}`) and JWT grants.
    pub name: String,
    #[serde(flatten)]
    pub provider: ProviderConfig,
}

impl ConnectionConfig {
    pub fn provider(&self) -> Provider {
        match self.provider {
            ProviderConfig::Wecom(_) => Provider::Wecom,
            ProviderConfig::Fangcloud(_) => Provider::Fangcloud,
            ProviderConfig::Onebot(_) => Provider::Onebot,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "provider", rename_all = "snake_case")]
pub enum ProviderConfig {
    Wecom(WecomConfig),
    Fangcloud(FangcloudConfig),
    Onebot(OnebotConfig),
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WecomConfig {
    /// `https://qyapi.weixin.qq.com` in production.
    #[serde(default = "wecom_default_base")]
    pub base_url: String,
    pub corp_id: String,
    /// Environment variable holding the app secret.
    pub secret_env: String,
    /// Spaces created outside the gateway that it should list (WeDrive cannot list spaces).
    #[serde(default)]
    pub known_spaces: Vec<String>,
    /// userid passed to `mng_pro_info` for quota details, when set.
    #[serde(default)]
    pub admin_userid: Option<String>,
    #[serde(skip)]
    pub secret: Option<SecretString>,
}

fn wecom_default_base() -> String {
    "https://qyapi.weixin.qq.com".into()
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FangcloudConfig {
    #[serde(default = "fangcloud_default_oauth")]
    pub oauth_url: String,
    #[serde(default = "fangcloud_default_api")]
    pub api_url: String,
    pub client_id: String,
    /// Environment variable holding the client secret.
    pub client_secret_env: String,
    pub enterprise_id: String,
    /// The user the gateway acts as unless a caller with `users:act_as` names another.
    pub default_user_id: String,
    #[serde(skip)]
    pub client_secret: Option<SecretString>,
}

fn fangcloud_default_oauth() -> String {
    "https://oauth.fangcloud.com".into()
}

fn fangcloud_default_api() -> String {
    "https://open.fangcloud.com".into()
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OnebotConfig {
    /// The OneBot implementation's HTTP API, e.g. `http://127.0.0.1:5700`.
    pub base_url: String,
    /// Environment variable holding the access token; omit when the implementation has none.
    #[serde(default)]
    pub access_token_env: Option<String>,
    /// Largest file sent upstream (its base64 is 4/3 larger).
    #[serde(default = "onebot_default_max_upload")]
    pub max_upload_bytes: u64,
    /// Send go-cqhttp's `folder` parameter so uploads can go into a group folder. Off by
    /// default: Shamrock does not support it (onebot-shamrock-group-files.md), and uploads then
    /// go to the group's root only.
    #[serde(default)]
    pub upload_to_folders: bool,
    /// How long a folder listing is kept for its later pages (OneBot answers a folder whole;
    /// keeping it makes a walk read it once). A cursor older than this re-reads the folder.
    #[serde(default = "onebot_default_snapshot_ttl", with = "humantime_serde")]
    pub listing_snapshot_ttl: Duration,
    /// Most items kept in listing snapshots at once, over all folders of the connection
    /// (about half a KiB each).
    #[serde(default = "onebot_default_snapshot_items")]
    pub listing_snapshot_max_items: u64,
    #[serde(skip)]
    pub access_token: Option<SecretString>,
}

fn onebot_default_max_upload() -> u64 {
    100 * 1024 * 1024
}

/// Defaults of `listing_snapshot_ttl` and `listing_snapshot_max_items`.
pub const ONEBOT_SNAPSHOT_TTL: Duration = Duration::from_secs(60);
pub const ONEBOT_SNAPSHOT_ITEMS: u64 = 50_000;

fn onebot_default_snapshot_ttl() -> Duration {
    ONEBOT_SNAPSHOT_TTL
}

fn onebot_default_snapshot_items() -> u64 {
    ONEBOT_SNAPSHOT_ITEMS
}

/// `FILEGATE_…` variables that are command-line options of the `filegate` command, not
/// configuration keys.
pub const CLI_VARIABLES: &[&str] = &[
    "FILEGATE_CONFIG",
    "FILEGATE_SANDBOX_DIR",
    "FILEGATE_SIMULATE_PORT",
    "FILEGATE_SIMULATE_BIND",
    "FILEGATE_SIMULATE_PUBLIC_HOST",
    "FILEGATE_SIMULATE_NO_RATE_LIMIT",
    "FILEGATE_SIMULATE_SEED_ITEMS",
    "FILEGATE_OPENAPI_OUTPUT",
    "FILEGATE_MINT_SUB",
    "FILEGATE_MINT_SCOPE",
    "FILEGATE_MINT_CONNECTIONS",
    "FILEGATE_MINT_TTL",
    "FILEGATE_TOKEN_KEY",
];

const ENV_PREFIX: &str = "FILEGATE_";

impl Config {
    /// Loads `path` (when given) and the `FILEGATE_…` environment, then validates. Either
    /// alone is enough: `FILEGATE_CONNECTIONS__0__NAME=…` builds connections without a file.
    pub fn load(path: Option<&Path>) -> Result<Self, ConfigError> {
        let file = match path {
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
                    path: path.to_owned(),
                    source,
                })?;
                Some(text)
            }
            None => None,
        };
        let vars: Vec<(String, String)> = std::env::vars().collect();
        Self::from_sources(file.as_deref(), &vars, |name| std::env::var(name).ok())
    }

    /// The configuration from a file's text and a list of environment variables; every key
    /// either names a known setting or stops start-up, with a did-you-mean.
    pub fn from_sources(
        file: Option<&str>,
        vars: &[(String, String)],
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, ConfigError> {
        let file = match file {
            Some(text) => {
                toml::from_str::<Value>(text).map_err(|e| ConfigError::Parse(e.to_string()))?
            }
            None => Value::Object(Default::default()),
        };
        let vars: Vec<&(String, String)> = vars
            .iter()
            .filter(|(k, _)| k.starts_with(ENV_PREFIX) && !CLI_VARIABLES.contains(&k.as_str()))
            .collect();
        // Variables named as secrets (`secret_env = "FILEGATE_WECOM_SECRET"`) are not keys.
        let first = env::overlay(file.clone(), &vars)?;
        let secrets = env::secret_variables(&first);
        let vars: Vec<&(String, String)> = vars
            .into_iter()
            .filter(|(k, _)| !secrets.contains(k))
            .collect();
        let raw = env::overlay(file, &vars)?;
        strict::reject_unknown(&raw, &vars)?;
        let mut config: Config = Figment::from(Serialized::defaults(Config::default()))
            .merge(Serialized::defaults(&raw))
            .extract_lossy()
            .map_err(|e| ConfigError::Parse(e.to_string()))?;
        config.resolve_secrets(lookup)?;
        config.validate()?;
        Ok(config)
    }

    /// Reads every `*_env` secret reference through `lookup`.
    pub fn resolve_secrets(
        &mut self,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<(), ConfigError> {
        if self.auth.hs256_secret.is_none()
            && let Some(var) = &self.auth.hs256_secret_env
        {
            self.auth.hs256_secret = lookup(var).map(SecretString::from);
        }
        if self.tokens.key.is_none() {
            self.tokens.key = lookup(&self.tokens.key_env).map(SecretString::from);
        }
        for k in &mut self.tokens.old_keys {
            if k.key.is_none() {
                k.key = lookup(&k.key_env).map(SecretString::from);
            }
        }
        for (i, c) in self.connections.iter_mut().enumerate() {
            let missing = |key: &str, var: &str| {
                invalid(
                    format!("connections[{i}].{key}"),
                    format!("environment variable {var} is not set"),
                )
            };
            match &mut c.provider {
                ProviderConfig::Wecom(w) if w.secret.is_none() => {
                    w.secret = Some(
                        lookup(&w.secret_env)
                            .ok_or_else(|| missing("secret_env", &w.secret_env))?
                            .into(),
                    );
                }
                ProviderConfig::Fangcloud(f) if f.client_secret.is_none() => {
                    f.client_secret = Some(
                        lookup(&f.client_secret_env)
                            .ok_or_else(|| missing("client_secret_env", &f.client_secret_env))?
                            .into(),
                    );
                }
                ProviderConfig::Onebot(o) if o.access_token.is_none() => {
                    if let Some(var) = &o.access_token_env {
                        o.access_token = Some(
                            lookup(var)
                                .ok_or_else(|| missing("access_token_env", var))?
                                .into(),
                        );
                    }
                }
                _ => {}
            }
        }
        Ok(())
    }

    pub fn validate(&self) -> Result<(), ConfigError> {
        use secrecy::ExposeSecret;
        crate::forwarded::TrustedProxies::parse(&self.proxy.trusted)
            .map_err(|e| invalid("proxy.trusted", e))?;
        let a = &self.auth;
        match &a.hs256_secret {
            Some(s) if s.expose_secret().len() < 32 => {
                return Err(invalid(
                    "auth.hs256_secret_env",
                    "the HS256 secret must be at least 32 bytes",
                ));
            }
            None if a.public_keys.is_empty() => {
                return Err(invalid(
                    "auth",
                    format!(
                        "no way to verify callers: set {} (HS256 secret) or list auth.public_keys",
                        a.hs256_secret_env
                            .as_deref()
                            .unwrap_or("auth.hs256_secret_env")
                    ),
                ));
            }
            _ => {}
        }
        for (i, k) in a.public_keys.iter().enumerate() {
            if !matches!(k.algorithm.as_str(), "RS256" | "ES256" | "EdDSA") {
                return Err(invalid(
                    format!("auth.public_keys[{i}].algorithm"),
                    "must be RS256, ES256 or EdDSA",
                ));
            }
        }
        if !(self.store.url.starts_with("sqlite:")
            || self.store.url.starts_with("postgres://")
            || self.store.url.starts_with("postgresql://"))
        {
            return Err(invalid(
                "store.url",
                "must start with sqlite: or postgres://",
            ));
        }
        if self.store.max_connections == 0 {
            return Err(invalid("store.max_connections", "must be at least 1"));
        }
        let l = &self.limits;
        for (key, v) in [
            ("limits.max_json_bytes", l.max_json_bytes),
            ("limits.max_upload_bytes", l.max_upload_bytes),
            ("limits.upload_part_bytes", l.upload_part_bytes),
        ] {
            if v == 0 {
                return Err(invalid(key, "must be greater than 0"));
            }
        }
        if l.upload_part_bytes < 1024 * 1024 || l.upload_part_bytes > 512 * 1024 * 1024 {
            return Err(invalid(
                "limits.upload_part_bytes",
                "must be between 1 MiB and 512 MiB",
            ));
        }
        for (key, d) in [
            ("limits.request_timeout", l.request_timeout),
            ("limits.transfer_timeout", l.transfer_timeout),
            ("limits.upstream_timeout", l.upstream_timeout),
            (
                "limits.upstream_connect_timeout",
                l.upstream_connect_timeout,
            ),
            ("limits.upload_session_ttl", l.upload_session_ttl),
            ("limits.header_read_timeout", l.header_read_timeout),
            ("limits.keep_alive_timeout", l.keep_alive_timeout),
            ("limits.body_read_timeout", l.body_read_timeout),
        ] {
            if d.is_zero() {
                return Err(invalid(key, "must be greater than 0"));
            }
        }
        for (key, n) in [
            ("limits.max_concurrent_requests", l.max_concurrent_requests),
            ("limits.max_connections", l.max_connections),
            ("limits.listen_backlog", l.listen_backlog as usize),
            ("limits.max_headers", l.max_headers),
            (
                "limits.h2_max_concurrent_streams",
                l.h2_max_concurrent_streams as usize,
            ),
            ("limits.max_concurrent_uploads", l.max_concurrent_uploads),
            ("limits.max_uploads_per_subject", l.max_uploads_per_subject),
        ] {
            if n == 0 {
                return Err(invalid(key, "must be at least 1"));
            }
        }
        // hyper's smallest read buffer; a request head must fit in it.
        if l.max_header_bytes < 8192 {
            return Err(invalid("limits.max_header_bytes", "must be at least 8192"));
        }
        if !matches!(self.log.format.as_str(), "text" | "json") {
            return Err(invalid("log.format", "must be text or json"));
        }
        let (r, b) = (&self.upstream.retry, &self.upstream.breaker);
        if r.budget_percent >= 100 {
            return Err(invalid(
                "upstream.retry.budget_percent",
                "must be below 100",
            ));
        }
        if r.min_backoff > r.max_backoff {
            return Err(invalid(
                "upstream.retry.min_backoff",
                "must not exceed upstream.retry.max_backoff",
            ));
        }
        if !(0.0..=1.0).contains(&b.failure_ratio) {
            return Err(invalid(
                "upstream.breaker.failure_ratio",
                "must be between 0 and 1",
            ));
        }
        let share = self.upstream.rate_limit.replica_share;
        if !(share > 0.0 && share <= 1.0) {
            return Err(invalid(
                "upstream.rate_limit.replica_share",
                "must be above 0 and at most 1",
            ));
        }
        if b.half_open_probes == 0 {
            return Err(invalid(
                "upstream.breaker.half_open_probes",
                "must be at least 1",
            ));
        }
        let mut names = BTreeSet::new();
        for (i, c) in self.connections.iter().enumerate() {
            let key = format!("connections[{i}].name");
            if c.name.is_empty()
                || c.name.len() > 64
                || !c
                    .name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            {
                return Err(invalid(
                    key,
                    "must be 1-64 characters of a-z, A-Z, 0-9, '-' or '_'",
                ));
            }
            if !names.insert(c.name.as_str()) {
                return Err(invalid(
                    key,
                    format!("duplicate connection name '{}'", c.name),
                ));
            }
            let url_key = |k: &str| format!("connections[{i}].{k}");
            match &c.provider {
                ProviderConfig::Wecom(w) => {
                    check_url(&url_key("base_url"), &w.base_url)?;
                    if w.corp_id.is_empty() {
                        return Err(invalid(url_key("corp_id"), "must not be empty"));
                    }
                }
                ProviderConfig::Fangcloud(f) => {
                    check_url(&url_key("oauth_url"), &f.oauth_url)?;
                    check_url(&url_key("api_url"), &f.api_url)?;
                    for (k, v) in [
                        ("client_id", &f.client_id),
                        ("enterprise_id", &f.enterprise_id),
                        ("default_user_id", &f.default_user_id),
                    ] {
                        if v.is_empty() {
                            return Err(invalid(url_key(k), "must not be empty"));
                        }
                    }
                    // Fangcloud enterprise and user ids are int64 (document, jwt_simple `sub`).
                    for (k, v) in [
                        ("enterprise_id", &f.enterprise_id),
                        ("default_user_id", &f.default_user_id),
                    ] {
                        if !v.parse::<i64>().is_ok_and(|n| n > 0) {
                            return Err(invalid(
                                url_key(k),
                                "must be a Fangcloud id (a positive number)",
                            ));
                        }
                    }
                }
                ProviderConfig::Onebot(o) => {
                    check_url(&url_key("base_url"), &o.base_url)?;
                    if o.max_upload_bytes == 0 {
                        return Err(invalid(
                            url_key("max_upload_bytes"),
                            "must be greater than 0",
                        ));
                    }
                }
            }
        }
        Ok(())
    }
}

fn check_url(key: &str, value: &str) -> Result<(), ConfigError> {
    match reqwest::Url::parse(value) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => Ok(()),
        _ => Err(invalid(key, format!("'{value}' is not an http(s) URL"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, ConfigError> {
        Config::from_sources(Some(text), &[], |v| match v {
            "FILEGATE_JWT_SECRET" => Some("x".repeat(32)),
            "WECOM_SECRET" => Some("s".into()),
            _ => None,
        })
    }

    /// The smallest file that names a connection; other tests append tables to it.
    const ONE_CONNECTION: &str = r#"
        [[connections]]
        name = "acme-wecom"
        provider = "wecom"
        corp_id = "ww1"
        secret_env = "WECOM_SECRET"
        "#;

    #[test]
    fn a_minimal_file_with_one_connection_loads() {
        let c = parse(ONE_CONNECTION).unwrap();
        assert_eq!(c.connections[0].provider(), Provider::Wecom);
        assert!(c.store.url.starts_with("sqlite:"));
    }

    #[test]
    fn per_connection_rate_limits_take_any_connection_name() {
        let c = parse(&format!(
            "{ONE_CONNECTION}\n[upstream.rate_limit.connections]\nacme-wecom = 0\n"
        ))
        .unwrap();
        assert_eq!(c.upstream.rate_limit.connections["acme-wecom"], 0);
        let err = parse(
            "[upstream.rate_limit]
conection = 3
",
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("upstream.rate_limit.conection"), "{err}");
    }

    #[test]
    fn a_typo_is_named_in_the_error() {
        let err = parse("[limits]\nmax_upload_byte = 3\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("limits.max_upload_byte"), "{err}");
    }

    #[test]
    fn a_missing_secret_names_the_key_and_variable_but_not_a_value() {
        let err = parse(
            r#"
            [[connections]]
            name = "a"
            provider = "wecom"
            corp_id = "ww1"
            secret_env = "NOT_SET_ANYWHERE"
            "#,
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("connections[0].secret_env") && err.contains("NOT_SET_ANYWHERE"),
            "{err}"
        );
    }

    #[test]
    fn bad_values_name_their_key() {
        for (text, key) in [
            ("[store]\nurl = \"mysql://x\"\n", "store.url"),
            (
                "[limits]\nmax_concurrent_requests = 0\n",
                "limits.max_concurrent_requests",
            ),
            ("[log]\nformat = \"xml\"\n", "log.format"),
            (
                "[[connections]]\nname = \"a b\"\nprovider = \"onebot\"\nbase_url = \"http://x\"\n",
                "connections[0].name",
            ),
            (
                "[[connections]]\nname = \"q\"\nprovider = \"onebot\"\nbase_url = \"ftp://x\"\n",
                "connections[0].base_url",
            ),
        ] {
            let err = parse(text).unwrap_err().to_string();
            assert!(err.contains(key), "{text}: {err}");
        }
    }

    #[test]
    fn secrets_never_appear_in_debug_output() {
        let c = parse(
            r#"
            [[connections]]
            name = "acme"
            provider = "wecom"
            corp_id = "ww1"
            secret_env = "WECOM_SECRET"
            "#,
        )
        .unwrap();
        let dbg = format!("{c:?}");
        assert!(!dbg.contains(&"x".repeat(32)));
    }
}

#[cfg(test)]
mod strict_tests {
    use super::*;

    fn vars(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn lookup(v: &str) -> Option<String> {
        match v {
            "FILEGATE_JWT_SECRET" => Some("x".repeat(32)),
            "WECOM_SECRET" | "FILEGATE_WECOM_SECRET" => Some("s".into()),
            _ => None,
        }
    }

    #[test]
    fn connections_come_from_variables_alone() {
        let c = Config::from_sources(
            None,
            &vars(&[
                ("FILEGATE_CONNECTIONS__0__NAME", "acme"),
                ("FILEGATE_CONNECTIONS__0__PROVIDER", "wecom"),
                ("FILEGATE_CONNECTIONS__0__CORP_ID", "ww1"),
                (
                    "FILEGATE_CONNECTIONS__0__SECRET_ENV",
                    "FILEGATE_WECOM_SECRET",
                ),
                ("FILEGATE_WECOM_SECRET", "s"),
                ("FILEGATE_CONNECTIONS__0__KNOWN_SPACES__0", "s1"),
                ("FILEGATE_CONNECTIONS__1__NAME", "fc"),
                ("FILEGATE_CONNECTIONS__1__PROVIDER", "fangcloud"),
                ("FILEGATE_CONNECTIONS__1__CLIENT_ID", "c"),
                ("FILEGATE_CONNECTIONS__1__CLIENT_SECRET_ENV", "WECOM_SECRET"),
                ("FILEGATE_CONNECTIONS__1__ENTERPRISE_ID", "123"),
                ("FILEGATE_CONNECTIONS__1__DEFAULT_USER_ID", "456"),
                ("FILEGATE_LIMITS__MAX_CONNECTIONS", "77"),
                ("FILEGATE_LIMITS__SHUTDOWN_GRACE", "2s"),
                ("FILEGATE_CONFIG", "ignored.toml"),
            ]),
            lookup,
        )
        .unwrap();
        assert_eq!(c.connections.len(), 2);
        assert_eq!(c.limits.max_connections, 77);
        assert_eq!(c.limits.shutdown_grace, Duration::from_secs(2));
        match &c.connections[0].provider {
            ProviderConfig::Wecom(w) => assert_eq!(w.known_spaces, vec!["s1".to_owned()]),
            other => panic!("{other:?}"),
        }
        match &c.connections[1].provider {
            ProviderConfig::Fangcloud(f) => assert_eq!(f.enterprise_id, "123"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_variable_overrides_one_key_of_a_file_connection() {
        let file =
            "[[connections]]\nname = \"q\"\nprovider = \"onebot\"\nbase_url = \"http://a\"\n";
        let c = Config::from_sources(
            Some(file),
            &vars(&[("FILEGATE_CONNECTIONS__0__BASE_URL", "http://b")]),
            lookup,
        )
        .unwrap();
        match &c.connections[0].provider {
            ProviderConfig::Onebot(o) => assert_eq!(o.base_url, "http://b"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn unknown_keys_in_a_connection_name_the_key_and_the_connection() {
        for (bad, hint) in [
            ("known_space = [\"s\"]", Some("known_spaces")),
            ("bogus_key = 1", None),
        ] {
            let file = format!(
                "[[connections]]\nname = \"acme\"\nprovider = \"wecom\"\ncorp_id = \"ww1\"\nsecret_env = \"WECOM_SECRET\"\n{bad}\n"
            );
            let err = Config::from_sources(Some(&file), &[], lookup)
                .unwrap_err()
                .to_string();
            let key = bad.split(' ').next().unwrap();
            assert!(err.contains(&format!("connections[0].{key}")), "{err}");
            assert!(err.contains("'acme'"), "{err}");
            if let Some(h) = hint {
                assert!(err.contains(&format!("did you mean `{h}`")), "{err}");
            }
        }
    }

    #[test]
    fn an_unknown_variable_stops_start_up_with_a_did_you_mean() {
        for (var, hint) in [
            (
                "FILEGATE_LIMITS__MAX_UPLOAD_BYTE",
                Some("FILEGATE_LIMITS__MAX_UPLOAD_BYTES"),
            ),
            (
                "FILEGATE_LIMTS__MAX_UPLOAD_BYTES",
                Some("FILEGATE_LIMITS__MAX_UPLOAD_BYTES"),
            ),
            (
                "FILEGATE_CONNECTIONS__0__KNOWN_SPACE",
                Some("FILEGATE_CONNECTIONS__0__KNOWN_SPACES"),
            ),
            ("FILEGATE_WHATEVER", None),
        ] {
            let file = "[[connections]]\nname = \"acme\"\nprovider = \"wecom\"\ncorp_id = \"ww1\"\nsecret_env = \"WECOM_SECRET\"\n";
            let err = Config::from_sources(Some(file), &vars(&[(var, "1")]), lookup)
                .unwrap_err()
                .to_string();
            assert!(err.contains(var), "{err}");
            if let Some(h) = hint {
                assert!(err.contains(&format!("did you mean {h}?")), "{err}");
            }
        }
    }

    #[test]
    fn sandbox_limits_come_from_limits_variables() {
        let l = env::limits_from_vars(
            Limits::default(),
            &vars(&[("FILEGATE_LIMITS__MAX_CONCURRENT_UPLOADS", "3")]),
        )
        .unwrap();
        assert_eq!(l.max_concurrent_uploads, 3);
        let err = env::limits_from_vars(
            Limits::default(),
            &vars(&[("FILEGATE_LIMITS__MAX_CONCURENT_UPLOADS", "3")]),
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("did you mean FILEGATE_LIMITS__MAX_CONCURRENT_UPLOADS?"),
            "{err}"
        );
    }
}
