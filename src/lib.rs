//! filegate: one REST API in front of WeCom WeDrive, Fangcloud and OneBot 11 group files.
//!
//! Request path: router (`app`) → handler (`api`, auth + validation) → `providers::Drive`
//! method of the connection's adapter → adapter client (token from `tokens`, HTTP through
//! `providers::http`) → unified `model` → JSON. See docs/ARCHITECTURE.md.

pub mod admission;
pub mod api;
pub mod app;
pub mod auth;
pub mod config;
pub mod creation_lock;
pub mod digest;
pub mod error;
pub mod forwarded;
pub mod idempotency;
pub mod listener;
pub mod model;
pub mod names;
pub mod providers;
pub mod sandbox;
pub mod spool;
pub mod store;
pub mod streamed;
pub mod telemetry;
pub mod tokens;
pub mod uploads;
