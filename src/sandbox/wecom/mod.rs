//! Simulator of the `wecom` upstream.
