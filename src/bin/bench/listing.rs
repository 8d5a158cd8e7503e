//! Figures `listing` (closed loop, a folder listing through the gateway and the same upstream
//! call direct) and `connections` (`GET /v1/connections`, no upstream call: the gateway's own
//! ceiling).

use std::sync::Arc;

use crate::env::Env;
use crate::load::{MakeReq, closed_loop, median};
use crate::report::{compare, row};
use crate::{Args, Side, order};

/// `GET …/spaces/<space>/items` (the root, default limit 100) with the caller's token.
pub fn gateway_listing(env: &Env) -> MakeReq {
    let url = env.gw.space_url("/items");
    let token = env.gw.token.clone();
    Arc::new(move |c| c.get(&url).bearer_auth(&token))
}

pub async fn listing(env: &Env, a: &Args) -> Result<(), String> {
    let p = env.sim.provider;
    let gw = gateway_listing(env);
    let direct = env.up.root_listing();
    let (mut g, mut d, mut errors) = (Vec::new(), Vec::new(), 0);
    for r in 0..a.rounds {
        for side in order(r) {
            let (make, out) = match side {
                Side::Gateway => (&gw, &mut g),
                Side::Direct => (&direct, &mut d),
            };
            let c = closed_loop(make, a.connections, a.seconds).await;
            errors += c.errors;
            out.push(c.rps);
        }
    }
    compare(
        &format!("folder listing, closed loop {} conns", a.connections),
        p.title(),
        (&g, &d),
        |m| format!("{m:.0} rps"),
        format!(
            "median of {} rounds × {} s; {errors} errors",
            a.rounds, a.seconds
        ),
    );
    Ok(())
}

pub async fn connections(env: &Env, a: &Args) -> Result<(), String> {
    let url = env.gw.url("/v1/connections");
    let token = env.gw.token.clone();
    let make: MakeReq = Arc::new(move |c| c.get(&url).bearer_auth(&token));
    let (mut g, mut errors) = (Vec::new(), 0);
    for _ in 0..a.rounds {
        let c = closed_loop(&make, a.connections, a.seconds).await;
        errors += c.errors;
        g.push(c.rps);
    }
    let g = median(&g);
    row(
        &format!("GET /v1/connections, closed loop {} conns", a.connections),
        "gateway",
        format!("{g:.0} rps"),
        "–".into(),
        "–".into(),
        format!("no upstream call: the gateway's own ceiling; {errors} errors"),
    );
    Ok(())
}
