//! QQ group and private files (OneBot 11) through the gateway, against the OneBot simulator.

mod content;
mod env;
mod faults;
mod items;
mod spaces;
