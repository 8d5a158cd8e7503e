//! A gateway with one OneBot connection (`qq`) in front of a fresh OneBot simulator.

use filegate::config::{Config, ConnectionConfig, OnebotConfig, ProviderConfig};
use filegate::model::Provider;
use filegate::model::ids::{self, IdKind};
use filegate::sandbox::onebot::{self, demo};
use secrecy::SecretString;

pub const CONN: &str = "qq";

pub type Env = crate::env::Env<onebot::Sim>;

pub fn connection(base_url: &str, access_token: Option<&str>) -> ConnectionConfig {
    ConnectionConfig {
        name: CONN.into(),
        provider: ProviderConfig::Onebot(OnebotConfig {
            base_url: base_url.into(),
            access_token_env: None,
            max_upload_bytes: 100 * 1024 * 1024,
            upload_to_folders: false,
            listing_snapshot_ttl: filegate::config::ONEBOT_SNAPSHOT_TTL,
            listing_snapshot_max_items: filegate::config::ONEBOT_SNAPSHOT_ITEMS,
            access_token: access_token.map(SecretString::from),
        }),
    }
}

/// The connection's OneBot settings, for tests that change them.
pub fn onebot_config(c: &mut Config) -> &mut OnebotConfig {
    match &mut c.connections[0].provider {
        ProviderConfig::Onebot(o) => o,
        _ => unreachable!("the test connection is a OneBot one"),
    }
}

pub async fn env_with(opts: onebot::Options, tweak: impl FnOnce(&mut Config)) -> Env {
    let sim = onebot::start(opts).await.expect("onebot simulator starts");
    let base = sim.base_url.clone();
    let connection = connection(&base, Some(demo::ACCESS_TOKEN));
    Env::start(sim, base, CONN, connection, tweak).await
}

pub async fn env() -> Env {
    env_of(onebot::Options::default()).await
}

/// A simulator started with `opts` behind a gateway configured as by default.
pub async fn env_of(opts: onebot::Options) -> Env {
    env_with(opts, |_| {}).await
}

/// `p` is the 501 of an operation OneBot cannot do, and its detail says `why` (the gateway
/// names the protocol's limit, not just the operation).
pub fn assert_unsupported_because(p: &serde_json::Value, why: &str) {
    assert_eq!(p["code"], "unsupported_operation");
    let detail = p["detail"].as_str().unwrap();
    assert!(detail.contains(why), "{p}");
}

pub fn group_space(group: i64) -> String {
    ids::encode(IdKind::Space, Provider::Onebot, &["g", &group.to_string()])
}

pub fn friend_space(user: i64) -> String {
    ids::encode(IdKind::Space, Provider::Onebot, &["u", &user.to_string()])
}

/// A group file's item id: group, folder holding it, file id, busid.
pub fn file_item(group: i64, folder: &str, file_id: &str, busid: i32) -> String {
    ids::encode(
        IdKind::Item,
        Provider::Onebot,
        &["f", &group.to_string(), folder, file_id, &busid.to_string()],
    )
}

pub fn folder_item(group: i64, folder_id: &str) -> String {
    ids::encode(
        IdKind::Item,
        Provider::Onebot,
        &["d", &group.to_string(), folder_id],
    )
}

/// The demo group's root file `welcome.txt`.
pub fn welcome() -> String {
    file_item(demo::GROUP_ID, "/", demo::FILE_ID, demo::BUSID)
}

/// The demo group's folder `Reports`.
pub fn reports() -> String {
    folder_item(demo::GROUP_ID, demo::FOLDER_ID)
}

impl Env {
    /// `/v1/connections/qq/spaces/{demo group}` + `path`.
    pub fn surl(&self, path: &str) -> String {
        self.url(&format!("/spaces/{}{path}", group_space(demo::GROUP_ID)))
    }

    /// `/v1/connections/qq/spaces/{demo friend}` + `path`.
    pub fn furl(&self, path: &str) -> String {
        self.url(&format!("/spaces/{}{path}", friend_space(demo::FRIEND_ID)))
    }

    /// The number of calls of every upstream action, summed (proves nothing reached it).
    pub async fn upstream_calls(&self) -> u64 {
        crate::common::sim_stats(self.sim())
            .await
            .calls
            .values()
            .sum()
    }
}
