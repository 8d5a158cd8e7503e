//! filegate: one REST API in front of WeCom WeDrive, Fangcloud and OneBot 11 group files.

pub mod providers;
pub mod sandbox;
