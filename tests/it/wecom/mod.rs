//! WeCom WeDrive through the gateway, against the WeDrive simulator.

mod content;
mod env;
mod faults;
mod items;
mod permissions;
mod spaces;
mod tokens;
