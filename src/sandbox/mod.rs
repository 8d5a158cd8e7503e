//! Simulators of the three upstreams, used by `filegate sandbox` and by the integration tests.
//!
//! Each simulator is an axum app that follows its upstream document in
//! `../shared/upstream-docs/` (envelopes, codes, paging, token expiry, rate limits, upload
//! protocols) and mounts the shared test-control routes of [`control`].

pub mod control;
pub mod fangcloud;
pub mod onebot;
mod range;
mod run;
pub mod wecom;

pub use run::{Sandbox, SimulateOptions, run, simulate, start};
