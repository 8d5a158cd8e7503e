//! A gateway with one Fangcloud connection (`fc`) in front of a fresh Fangcloud simulator.

use filegate::config::{Config, ConnectionConfig, FangcloudConfig, ProviderConfig};
use filegate::model::Provider;
use filegate::model::ids::{IdKind, encode};
use filegate::sandbox::fangcloud::{self, demo};
use secrecy::SecretString;
use serde_json::Value;

pub const CONN: &str = "fc";

pub type Env = crate::env::Env<fangcloud::Sim>;

pub fn connection(name: &str, base_url: &str, secret: &str) -> ConnectionConfig {
    ConnectionConfig {
        name: name.into(),
        provider: ProviderConfig::Fangcloud(FangcloudConfig {
            oauth_url: base_url.into(),
            api_url: base_url.into(),
            client_id: demo::CLIENT_ID.into(),
            client_secret_env: "UNUSED_IN_TESTS".into(),
            enterprise_id: demo::ENTERPRISE_ID.to_string(),
            default_user_id: demo::USER_ID.to_string(),
            client_secret: Some(SecretString::from(secret)),
        }),
    }
}

/// A connection named `conn` (tests that read process-wide metrics use their own name).
pub async fn env_named(
    conn: &str,
    opts: fangcloud::Options,
    tweak: impl FnOnce(&mut Config),
) -> Env {
    let sim = fangcloud::start(opts)
        .await
        .expect("fangcloud simulator starts");
    let base = sim.base_url.clone();
    let connection = connection(conn, &base, demo::CLIENT_SECRET);
    Env::start(sim, base, conn, connection, tweak).await
}

pub async fn env_with(opts: fangcloud::Options, tweak: impl FnOnce(&mut Config)) -> Env {
    env_named(CONN, opts, tweak).await
}

pub async fn env() -> Env {
    env_of(fangcloud::Options::default()).await
}

/// A simulator started with `opts` behind a gateway configured as by default.
pub async fn env_of(opts: fangcloud::Options) -> Env {
    env_with(opts, |_| {}).await
}

pub fn personal(user: i64) -> String {
    encode(
        IdKind::Space,
        Provider::Fangcloud,
        &["personal", &user.to_string()],
    )
}

pub fn department(d: i64) -> String {
    encode(
        IdKind::Space,
        Provider::Fangcloud,
        &["department", &d.to_string()],
    )
}

pub fn collab(folder: i64) -> String {
    encode(
        IdKind::Space,
        Provider::Fangcloud,
        &["collab", &folder.to_string()],
    )
}

pub fn file(n: i64) -> String {
    encode(IdKind::Item, Provider::Fangcloud, &["file", &n.to_string()])
}

pub fn folder(n: i64) -> String {
    encode(
        IdKind::Item,
        Provider::Fangcloud,
        &["folder", &n.to_string()],
    )
}

pub fn names(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| i["name"].as_str().unwrap_or_default().to_owned())
        .collect()
}

impl Env {
    /// The app user's personal space (the connection's default user).
    pub fn me(&self) -> String {
        personal(demo::USER_ID)
    }

    /// `/v1/connections/{conn}/spaces/{space}` + `path`.
    pub fn surl(&self, space: &str, path: &str) -> String {
        self.url(&format!("/spaces/{space}{path}"))
    }

    /// The app user's personal space + `path`.
    pub fn murl(&self, path: &str) -> String {
        self.surl(&self.me(), path)
    }

    /// `GET` of the app user's personal space + `path`: most reads the tests make.
    pub fn mget(&self, path: &str) -> reqwest::RequestBuilder {
        self.get(&self.murl(path))
    }

    pub async fn upload(&self, space: &str, query: &str, body: Vec<u8>) -> reqwest::Response {
        self.post(&self.surl(space, &format!("/files?{query}")))
            .body(body)
            .send()
            .await
            .expect("upload")
    }
}
