//! Reading what `filegate simulate` announces on start: shared by the `simulate` flag tests
//! (`tests/sim_simulate_flags.rs`) and the operability tests (`tests/it/operability.rs`),
//! which are separate test crates and pull this file in with `#[path]`.

use std::io::{BufRead, BufReader, Read};

/// The lines a simulator prints up to and including its last announcement line, so that a
/// test reads its URL and demo data without waiting for the process to end.
pub fn read_banner(stdout: impl Read) -> Vec<String> {
    let mut lines = Vec::new();
    for line in BufReader::new(stdout).lines() {
        let line = line.unwrap();
        let last = line == "Ctrl-C stops the simulator.";
        lines.push(line);
        if last {
            break;
        }
    }
    lines
}
