//! The `Drive` contract and one adapter folder per upstream.

pub mod wecom;
