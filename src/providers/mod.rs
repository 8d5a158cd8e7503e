//! The `Drive` contract (drive.rs: one trait per resource, named like the `api/` file whose
//! handlers call it) and one adapter folder per upstream, each with the same files:
//! `mod.rs` (the adapter struct, its construction and capabilities), `client.rs` (wire types and
//! raw calls), `map.rs` (wire ⇄ model, ids), `errors.rs` (upstream code →
//! [`UpstreamError`](crate::error::UpstreamError)), `resolve.rs` (the preamble every operation
//! starts with: the space and item a request names, checked) and one file per resource trait
//! the upstream serves (`spaces.rs`, `items.rs`, `content.rs`, `versions.rs`, `trash.rs`,
//! `search.rs`, `comments.rs`, `members.rs`, `directory.rs`), so `api/versions.rs` →
//! `providers/fangcloud/versions.rs` is the whole way from a route to an upstream call.

mod drive;
pub mod envelope;
pub mod fangcloud;
pub mod governor;
pub mod http;
pub mod onebot;
pub mod resilience;
pub mod snapshots;
pub mod wecom;

use std::collections::BTreeMap;
use std::sync::Arc;

pub use drive::*;

use crate::config::{Config, Limits};
use crate::model::Provider;
use crate::store::Store;
use crate::tokens::TokenManager;

/// A connection's secret from the configuration, which must have been resolved (from the
/// environment or a file) before adapters are built; `what` names it in the error.
pub(crate) fn resolved_secret(
    connection: &str,
    what: &str,
    secret: &Option<secrecy::SecretString>,
) -> Result<secrecy::SecretString, String> {
    secret
        .clone()
        .ok_or_else(|| format!("connection '{connection}': {what} not resolved"))
}

/// What every adapter is built from.
#[derive(Clone)]
pub struct Deps {
    pub http: http::UpstreamHttp,
    pub tokens: Arc<TokenManager>,
    pub store: Arc<dyn Store>,
    pub limits: Limits,
}

/// A configured connection and its adapter.
pub struct Connection {
    pub name: String,
    pub provider: Provider,
    pub drive: Arc<dyn Drive>,
    /// The connection's retry budget and circuit breaker (health and metrics).
    pub upstream: Arc<resilience::Resilience>,
}

/// All configured connections by name.
#[derive(Default)]
pub struct Registry {
    connections: BTreeMap<String, Arc<Connection>>,
}

impl Registry {
    pub fn get(&self, name: &str) -> Option<&Arc<Connection>> {
        self.connections.get(name)
    }

    pub fn all(&self) -> impl Iterator<Item = &Arc<Connection>> {
        self.connections.values()
    }

    pub fn insert(&mut self, connection: Connection) {
        self.connections
            .insert(connection.name.clone(), Arc::new(connection));
    }

    /// Builds one adapter per configured connection.
    pub fn build(config: &Config, deps: &Deps) -> Result<Self, String> {
        let mut registry = Self::default();
        for c in &config.connections {
            let rl = &config.upstream.rate_limit;
            let configured = match &c.provider {
                crate::config::ProviderConfig::Wecom(_) => rl.wecom_calls_per_minute,
                crate::config::ProviderConfig::Onebot(_) => rl.onebot_calls_per_minute,
                // Fangcloud reports its own budget per token (governor::spend).
                crate::config::ProviderConfig::Fangcloud(_) => 0,
            };
            let configured = rl.connections.get(&c.name).copied().unwrap_or(configured);
            let http = deps
                .http
                .for_connection(&c.name, c.provider().as_str(), configured);
            let upstream = http.resilience().clone();
            let deps = &Deps {
                http,
                ..deps.clone()
            };
            let drive: Arc<dyn Drive> = match &c.provider {
                crate::config::ProviderConfig::Wecom(w) => {
                    Arc::new(wecom::WecomDrive::new(&c.name, w, deps)?)
                }
                crate::config::ProviderConfig::Fangcloud(f) => {
                    Arc::new(fangcloud::FangcloudDrive::new(&c.name, f, deps)?)
                }
                crate::config::ProviderConfig::Onebot(o) => {
                    Arc::new(onebot::OnebotDrive::new(&c.name, o, deps)?)
                }
            };
            registry.insert(Connection {
                name: c.name.clone(),
                provider: c.provider(),
                drive,
                upstream,
            });
        }
        Ok(registry)
    }
}
