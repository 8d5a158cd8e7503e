//! Figure `tokens`: `--token-requests` concurrent listings against a freshly started gateway
//! (empty store: no upstream token yet), then the simulator's `token_fetches` from
//! `/__sim/stats` — single-flight token fetching must make exactly one.

use std::sync::Arc;

use crate::Args;
use crate::env::{self, Env, Provider};
use crate::load::client;
use crate::report::row;
use crate::upstream::send_json;

pub async fn run(e: &Env, a: &Args) -> Result<(), String> {
    let p = e.sim.provider;
    let c = client(false);
    let (mut fetches, mut errors) = (Vec::new(), 0usize);
    for _ in 0..a.rounds {
        let gw = env::gateway(&e.sim).await?;
        c.post(format!("{}/__sim/reset", e.sim.url))
            .send()
            .await
            .map_err(|e| e.to_string())?;
        let url = gw.space_url("/items");
        let barrier = Arc::new(tokio::sync::Barrier::new(a.token_requests));
        let tasks: Vec<_> = (0..a.token_requests)
            .map(|_| {
                let (c, url, token, barrier) =
                    (c.clone(), url.clone(), gw.token.clone(), barrier.clone());
                tokio::spawn(async move {
                    barrier.wait().await;
                    c.get(&url)
                        .bearer_auth(&token)
                        .send()
                        .await
                        .is_ok_and(|r| r.status().is_success())
                })
            })
            .collect();
        for t in tasks {
            if !t.await.unwrap_or(false) {
                errors += 1;
            }
        }
        let stats = send_json(c.get(format!("{}/__sim/stats", e.sim.url))).await?;
        fetches.push(stats["token_fetches"].as_u64().unwrap_or(u64::MAX));
    }
    let expected = if p == Provider::Onebot { 0 } else { 1 };
    let verdict = if fetches.iter().all(|f| *f == expected) {
        "ok"
    } else {
        "FAILED"
    };
    row(
        &format!(
            "token fetches, {} concurrent on a cold cache",
            a.token_requests
        ),
        p.title(),
        format!(
            "{} fetches",
            fetches
                .iter()
                .map(u64::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ),
        "–".into(),
        "–".into(),
        format!(
            "{verdict}: must be exactly {expected}{}; one fresh gateway per round; {errors} failed requests",
            if p == Provider::Onebot {
                " (OneBot's access token is static: no token endpoint)"
            } else {
                ""
            }
        ),
    );
    Ok(())
}
