//! Typed configuration: a TOML file, then `FILEGATE_…` environment overrides, validated once at
//! start-up. Secrets are never written in the file: a connection names the environment
//! variable that holds each secret (`secret_env = "ACME_WECOM_SECRET"`), read at start-up and
//! kept in [`SecretString`] so that no `Debug` or log line can print it.

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use secrecy::SecretString;
use serde::{Deserialize, Serialize};

use crate::model::Provider;

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
}

impl Default for TokenConfig {
    fn default() -> Self {
        Self {
            refresh_ahead: Duration::from_secs(300),
        }
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
    #[serde(skip)]
    pub access_token: Option<SecretString>,
}

fn onebot_default_max_upload() -> u64 {
    100 * 1024 * 1024
}

impl Config {
    /// Loads `path` (when given) and the `FILEGATE_…` environment, then validates.
    pub fn load(path: Option<&Path>) -> Result<Self, ConfigError> {
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        if let Some(path) = path {
            let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
                path: path.to_owned(),
                source,
            })?;
            reject_unknown_keys(&text)?;
            figment = figment.merge(Toml::string(&text));
        }
        figment = figment.merge(
            Env::prefixed("FILEGATE_")
                .ignore(&["CONFIG", "JWT_SECRET"])
                .split("__"),
        );
        let mut config: Config = figment
            .extract()
            .map_err(|e| ConfigError::Parse(e.to_string()))?;
        config.resolve_secrets(|name| std::env::var(name).ok())?;
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
        ] {
            if d.is_zero() {
                return Err(invalid(key, "must be greater than 0"));
            }
        }
        if l.max_concurrent_requests == 0 {
            return Err(invalid(
                "limits.max_concurrent_requests",
                "must be at least 1",
            ));
        }
        if !matches!(self.log.format.as_str(), "text" | "json") {
            return Err(invalid("log.format", "must be text or json"));
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

/// serde silently drops keys it does not know; a typo in a production config must not be
/// silently ignored, so the file is read once more just to list them.
fn reject_unknown_keys(text: &str) -> Result<(), ConfigError> {
    let mut unknown = Vec::new();
    let de = toml::Deserializer::new(text);
    let _: Config = serde_ignored::deserialize(de, |path| unknown.push(path.to_string()))
        .map_err(|e| ConfigError::Parse(e.to_string()))?;
    match unknown.first() {
        Some(key) => Err(invalid(key.clone(), "unknown key")),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, ConfigError> {
        reject_unknown_keys(text)?;
        let mut c: Config = Figment::from(Serialized::defaults(Config::default()))
            .merge(Toml::string(text))
            .extract()
            .map_err(|e| ConfigError::Parse(e.to_string()))?;
        c.resolve_secrets(|v| match v {
            "FILEGATE_JWT_SECRET" => Some("x".repeat(32)),
            "WECOM_SECRET" => Some("s".into()),
            _ => None,
        })?;
        c.validate()?;
        Ok(c)
    }

    #[test]
    fn a_minimal_file_with_one_connection_loads() {
        let c = parse(
            r#"
            [[connections]]
            name = "acme-wecom"
            provider = "wecom"
            corp_id = "ww1"
            secret_env = "WECOM_SECRET"
            "#,
        )
        .unwrap();
        assert_eq!(c.connections[0].provider(), Provider::Wecom);
        assert!(c.store.url.starts_with("sqlite:"));
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
