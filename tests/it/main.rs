//! Black-box tests: a real gateway on a loopback port, real SQLite and PostgreSQL stores, and
//! the upstream simulators, all driven over HTTP. One test binary so the PostgreSQL cluster is
//! started once.

#[path = "../sim_support/banner.rs"]
mod banner;
mod common;
mod pg;

mod auth;
mod behaviour;
mod calls;
mod check_order;
mod encoding;
mod env;
mod fangcloud;
mod faults;
mod frontdoor;
mod idempotency;
mod jwt_claims;
mod names;
mod nginx;
mod onebot;
mod openapi;
mod operability;
mod operations;
mod process;
mod store;
mod token_keys;
mod tokens;
mod uploads;
pub mod wecom;
