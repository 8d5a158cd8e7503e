//! The gateway's figures, each measured side by side with the same upstream call made
//! directly (README, "Benchmarks"; issue 14).
//!
//! For each provider the bench starts `filegate simulate <provider>` and `filegate serve` as
//! two separate processes (so CPU and memory are each process's own), then measures each
//! figure in `--rounds` rounds that alternate the order of the two sides (direct then gateway,
//! gateway then direct, …: ABBA), and prints the medians and the ratio gateway/direct, with
//! the load average at start and end. Build first: `cargo build --release --locked`, then
//! `target/release/bench` (all figures, all providers) or e.g.
//! `target/release/bench --provider wecom --only listing,latency --rounds 5 --seconds 10`;
//! `--quick` is a smoke run (1 s durations, small files). `--only transfer` is the former
//! single large-file round trip through the gateway (`--size-mb`, `--limit-mb`).

use std::collections::BTreeSet;

#[path = "../common/mod.rs"]
mod common;

mod backlog;
mod env;
mod latency;
mod listing;
mod load;
mod paging;
mod report;
mod roundtrip;
mod tokens;
mod transfer;
mod upstream;

use env::{Env, Provider};

/// Every figure `--only` names, in the order they run.
pub const FIGURES: [&str; 10] = [
    "listing",
    "connections",
    "latency",
    "cpu",
    "backlog",
    "tokens",
    "paging",
    "upload",
    "download",
    "transfer",
];

pub struct Args {
    pub providers: Vec<Provider>,
    pub only: BTreeSet<String>,
    pub rounds: usize,
    pub seconds: f64,
    pub sizes_mib: Vec<u64>,
    pub streams: Vec<usize>,
    pub connections: usize,
    pub rate: u32,
    pub items: usize,
    pub burst: usize,
    pub token_requests: usize,
    pub size_mb: u64,
    pub limit_mb: u64,
}

impl Args {
    pub fn wants(&self, figure: &str) -> bool {
        self.only.contains(figure)
    }
}

fn list<T: std::str::FromStr>(flag: &str, v: &str) -> Result<Vec<T>, String> {
    v.split(',')
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.trim()
                .parse()
                .map_err(|_| format!("{flag} takes comma-separated numbers"))
        })
        .collect()
}

const USAGE: &str = "\
bench [--provider wecom|fangcloud|onebot|all]… [--only FIGURE,…] [--rounds 3] [--seconds 5]
      [--sizes-mib 1024,4096] [--streams 1,8] [--connections 64] [--rate 1000] [--items 10000]
      [--burst 250] [--token-requests 500] [--quick] [--size-mb 300 --limit-mb 100]
figures: listing connections latency cpu backlog tokens paging upload download transfer
(all but transfer by default; transfer is the single gateway round trip of --size-mb MiB)";

fn args() -> Result<Args, String> {
    let mut a = Args {
        providers: Vec::new(),
        only: BTreeSet::new(),
        rounds: 3,
        seconds: 5.0,
        sizes_mib: vec![1024, 4096],
        streams: vec![1, 8],
        connections: 64,
        rate: 1000,
        items: 10_000,
        burst: 250,
        token_requests: 500,
        size_mb: 300,
        limit_mb: 100,
    };
    let (mut quick, mut seconds, mut sizes) = (false, None, None);
    let mut flags = common::Flags::from_env();
    while let Some(flag) = flags.next_flag() {
        match flag.as_str() {
            "--provider" => match flags.value(&flag)?.as_str() {
                "all" => a.providers.extend(Provider::ALL),
                p => a.providers.push(Provider::parse(p)?),
            },
            "--only" => {
                for f in flags.value(&flag)?.split(',').filter(|f| !f.is_empty()) {
                    if !FIGURES.contains(&f) {
                        return Err(format!("unknown figure '{f}'\n{USAGE}"));
                    }
                    a.only.insert(f.to_owned());
                }
            }
            "--rounds" => a.rounds = flags.number::<usize>(&flag)?.max(1),
            "--seconds" => seconds = Some(flags.number::<f64>(&flag)?),
            "--sizes-mib" => sizes = Some(list(&flag, &flags.value(&flag)?)?),
            "--streams" => a.streams = list(&flag, &flags.value(&flag)?)?,
            "--connections" => a.connections = flags.number::<usize>(&flag)?.max(1),
            "--rate" => a.rate = flags.number::<u32>(&flag)?.max(1),
            "--items" => a.items = flags.number::<usize>(&flag)?.max(1),
            "--burst" => a.burst = flags.number::<usize>(&flag)?.max(1),
            "--token-requests" => a.token_requests = flags.number::<usize>(&flag)?.max(1),
            "--size-mb" => a.size_mb = flags.number(&flag)?,
            "--limit-mb" => a.limit_mb = flags.number(&flag)?,
            "--quick" => quick = true,
            "--help" | "-h" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            other => return Err(format!("unknown flag {other}\n{USAGE}")),
        }
    }
    if quick {
        a.seconds = 1.0;
        a.sizes_mib = vec![16, 64];
        a.size_mb = 64;
    }
    if let Some(s) = seconds {
        a.seconds = s.max(0.1);
    }
    if let Some(s) = sizes {
        a.sizes_mib = s;
    }
    if a.providers.is_empty() {
        a.providers.extend(Provider::ALL);
    }
    let mut seen = Vec::new();
    a.providers.retain(|p| {
        let new = !seen.contains(p);
        seen.push(*p);
        new
    });
    if a.only.is_empty() {
        a.only = FIGURES
            .iter()
            .filter(|f| **f != "transfer")
            .map(|f| (*f).to_owned())
            .collect();
    }
    Ok(a)
}

/// One side of a figure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Direct,
    Gateway,
}

/// The order of round `r`: direct first in even rounds, gateway first in odd ones (ABBA), so
/// warm-up and drift fall on both sides alike.
pub fn order(r: usize) -> [Side; 2] {
    if r.is_multiple_of(2) {
        [Side::Direct, Side::Gateway]
    } else {
        [Side::Gateway, Side::Direct]
    }
}

async fn provider_figures(p: Provider, a: &Args, first: bool) -> Result<(), String> {
    // The first six figures share one simulator and gateway.
    let needs_env = FIGURES[..6].iter().any(|f| a.wants(f));
    if needs_env {
        let env = Env::start(p, 0).await?;
        if a.wants("listing") {
            listing::listing(&env, a).await?;
        }
        if first && a.wants("connections") {
            listing::connections(&env, a).await?;
        }
        if a.wants("latency") || a.wants("cpu") {
            latency::run(&env, a, a.wants("latency"), a.wants("cpu")).await?;
        }
        if first && a.wants("backlog") {
            backlog::run(&env, a).await?;
        }
        if a.wants("tokens") {
            tokens::run(&env, a).await?;
        }
    }
    if a.wants("paging") {
        // Its own simulator: the seeded items would slow every other listing of the space.
        let env = Env::start(p, a.items).await?;
        paging::run(&env, a).await?;
    }
    if a.wants("upload") || a.wants("download") {
        transfer::run(p, a).await?;
    }
    if a.wants("transfer") {
        roundtrip::run(p, a).await?;
    }
    Ok(())
}

async fn run(a: Args) -> Result<(), String> {
    let start_load = load::loadavg();
    println!(
        "filegate bench — {} — providers {} — figures {} — rounds {}, {} s each",
        chrono::Utc::now().format("%Y-%m-%d %H:%M:%S UTC"),
        a.providers
            .iter()
            .map(|p| p.name())
            .collect::<Vec<_>>()
            .join(","),
        a.only.iter().cloned().collect::<Vec<_>>().join(","),
        a.rounds,
        a.seconds
    );
    println!("load average at start: {start_load}");
    println!();
    // `transfer` prints its own lines; every other figure is a row of the table.
    let table = a.only.iter().any(|f| f != "transfer");
    if table {
        println!("{}", report::header());
    }
    let mut failed = Vec::new();
    for (i, p) in a.providers.iter().enumerate() {
        if let Err(e) = provider_figures(*p, &a, i == 0).await {
            eprintln!("bench: {}: {e}", p.title());
            failed.push(format!("{}: {e}", p.title()));
        }
    }
    if table {
        println!();
        println!("summary (medians; ratio = gateway / direct)");
        print!("{}", report::table());
    }
    println!(
        "load average at start: {start_load}, at end: {}",
        load::loadavg()
    );
    if failed.is_empty() {
        Ok(())
    } else {
        Err(failed.join("; "))
    }
}

fn main() -> std::process::ExitCode {
    common::main("bench", args(), run)
}
