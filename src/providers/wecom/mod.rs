//! WeCom WeDrive adapter.

pub mod block_sha;
pub mod errcodes;
