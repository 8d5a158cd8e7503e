//! Fangcloud Open API v2 through the gateway, against the Fangcloud simulator.

mod actas;
mod content;
mod directory;
pub(crate) mod env;
mod faults;
mod items;
mod members;
mod spaces;
mod tokens;
mod versions;
