//! Fangcloud Open API v2 through the gateway, against the Fangcloud simulator.

mod actas;
mod content;
mod contract;
mod directory;
pub mod env;
mod faults;
mod items;
mod members;
mod spaces;
mod streaming;
mod tokens;
mod versions;
