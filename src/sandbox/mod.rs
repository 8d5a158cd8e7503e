//! Simulators of the three upstreams, used by `filegate sandbox` and by the integration tests.
//!
//! Each simulator is an axum app that follows its upstream document in
//! `../shared/upstream-docs/` (envelopes, codes, paging, token expiry, rate limits, upload
//! protocols) and mounts the shared test-control routes of [`control`].

pub mod control;
pub mod fangcloud;
pub mod onebot;
pub mod wecom;

/// `filegate sandbox`: simulators + gateway on loopback. Wired up as the simulators land.
pub async fn run(_listen: std::net::SocketAddr, _data_dir: Option<std::path::PathBuf>) -> Result<(), String> {
    Err("the sandbox needs the provider simulators, which are not in this build yet".into())
}
