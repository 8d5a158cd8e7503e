//! Figures `latency` (the latency a gateway listing adds over the direct upstream call, open
//! loop at a fixed rate) and `cpu` (CPU seconds per 10k listings, from /proc/<pid>/stat, in
//! the same runs): the gateway process's CPU through the gateway, the simulator's CPU direct.

use crate::env::Env;
use crate::listing::gateway_listing;
use crate::load::{cpu_secs, median, open_loop};
use crate::report::{ms, ratio, row};
use crate::{Args, Side, order};

#[derive(Default)]
struct Samples {
    p50: Vec<f64>,
    p99: Vec<f64>,
    /// CPU seconds per 10k completed listings: of the gateway process, of the simulator.
    gw_cpu: Vec<f64>,
    sim_cpu: Vec<f64>,
    errors: u64,
}

pub async fn run(env: &Env, a: &Args, latency: bool, cpu: bool) -> Result<(), String> {
    let p = env.sim.provider;
    let gw = gateway_listing(env);
    let direct = env.up.root_listing();
    let (mut g, mut d) = (Samples::default(), Samples::default());
    for r in 0..a.rounds {
        for side in order(r) {
            let (make, s) = match side {
                Side::Gateway => (&gw, &mut g),
                Side::Direct => (&direct, &mut d),
            };
            let (gw0, sim0) = (cpu_secs(env.gw.pid), cpu_secs(env.sim.pid));
            let o = open_loop(make, a.rate, a.seconds).await;
            let (gw1, sim1) = (cpu_secs(env.gw.pid), cpu_secs(env.sim.pid));
            let done = o.latencies.len().max(1) as f64;
            s.p50.push(o.quantile(0.50));
            s.p99.push(o.quantile(0.99));
            s.gw_cpu.push((gw1 - gw0) / done * 10_000.0);
            s.sim_cpu.push((sim1 - sim0) / done * 10_000.0);
            s.errors += o.errors;
        }
    }
    let rounds = format!("median of {} rounds × {} s", a.rounds, a.seconds);
    if latency {
        let (g50, g99, d50, d99) = (
            median(&g.p50),
            median(&g.p99),
            median(&d.p50),
            median(&d.p99),
        );
        row(
            &format!("listing latency, open loop {} rps", a.rate),
            p.title(),
            format!("p50 {} p99 {}", ms(g50), ms(g99)),
            format!("p50 {} p99 {}", ms(d50), ms(d99)),
            ratio(g50, d50),
            format!(
                "added p50 {:+.2} ms, p99 {:+.2} ms; {rounds}; {} + {} errors",
                (g50 - d50) * 1000.0,
                (g99 - d99) * 1000.0,
                g.errors,
                d.errors
            ),
        );
    }
    if cpu {
        let (gw, sim) = (median(&g.gw_cpu), median(&d.sim_cpu));
        row(
            &format!("CPU per 10k listings at {} rps", a.rate),
            p.title(),
            format!("{gw:.3} s gateway"),
            format!("{sim:.3} s simulator"),
            ratio(gw, sim),
            format!(
                "utime+stime; simulator during the gateway runs {:.3} s; {rounds}",
                median(&g.sim_cpu)
            ),
        );
    }
    Ok(())
}
