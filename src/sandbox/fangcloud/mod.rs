//! Simulator of the `fangcloud` upstream.
