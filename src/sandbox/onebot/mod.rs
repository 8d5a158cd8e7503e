//! Simulator of the `onebot` upstream.
