//! A gateway with one WeCom connection (`wd`) in front of a fresh WeDrive simulator.

use filegate::config::{Config, ConnectionConfig, ProviderConfig, WecomConfig};
use filegate::sandbox::wecom::{self, demo};
use secrecy::SecretString;

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
    env_with(wecom::Options::default(), |_| {}).await
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
