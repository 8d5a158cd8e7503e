//! Black-box tests: a real gateway on a loopback port, real SQLite and PostgreSQL stores, and
//! the upstream simulators, all driven over HTTP. One test binary so the PostgreSQL cluster is
//! started once.

mod common;
mod pg;

mod auth;
mod check_order;
mod encoding;
mod fangcloud;
mod onebot;
mod openapi;
mod operations;
mod store;
mod tokens;
pub mod wecom;
