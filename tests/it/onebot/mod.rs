//! QQ group and private files (OneBot 11) through the gateway, against the OneBot simulator.

mod content;
pub mod env;
mod faults;
mod items;
mod spaces;
