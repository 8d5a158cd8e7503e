//! WeCom WeDrive through the gateway, against the WeDrive simulator.

mod content;
pub mod env;
mod faults;
mod items;
mod permissions;
mod resilience;
mod spaces;
mod tokens;
