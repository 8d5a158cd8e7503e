//! Figure `backlog`: `--burst` new connections opened at once (released together behind a
//! barrier), each sending one `GET /v1/connections` and waiting for the first byte of the
//! answer. Counted: failures (refused, reset, timed out, not a 200) and the slowest
//! connect-to-first-response time — what the listen backlog and the accept loop absorb.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::Args;
use crate::env::Env;
use crate::load::median;
use crate::report::{ms, row};

async fn one(
    addr: String,
    request: Arc<Vec<u8>>,
    barrier: Arc<tokio::sync::Barrier>,
) -> Option<f64> {
    barrier.wait().await;
    let started = Instant::now();
    let attempt = async {
        let mut s = TcpStream::connect(&addr).await.ok()?;
        s.write_all(&request).await.ok()?;
        let mut buf = [0u8; 12];
        s.read_exact(&mut buf).await.ok()?;
        let first = started.elapsed().as_secs_f64();
        // "HTTP/1.1 200"
        (&buf[9..12] == b"200").then_some(first)
    };
    tokio::time::timeout(Duration::from_secs(30), attempt)
        .await
        .ok()
        .flatten()
}

pub async fn run(env: &Env, a: &Args) -> Result<(), String> {
    let addr = env.gw.base.trim_start_matches("http://").to_owned();
    let request = Arc::new(
        format!(
            "GET /v1/connections HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {}\r\nConnection: close\r\n\r\n",
            env.gw.token
        )
        .into_bytes(),
    );
    let (mut worst, mut failures) = (Vec::new(), 0);
    for _ in 0..a.rounds {
        let barrier = Arc::new(tokio::sync::Barrier::new(a.burst));
        let tasks: Vec<_> = (0..a.burst)
            .map(|_| tokio::spawn(one(addr.clone(), request.clone(), barrier.clone())))
            .collect();
        let mut max = 0f64;
        for t in tasks {
            match t.await.ok().flatten() {
                Some(s) => max = max.max(s),
                None => failures += 1,
            }
        }
        worst.push(max);
        // Let the closed connections drain before the next burst.
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    row(
        &format!("listen backlog: burst of {} connections", a.burst),
        "gateway",
        format!("{failures} failures"),
        "–".into(),
        "–".into(),
        format!(
            "max connect+first response {} (median of {} bursts' maximum)",
            ms(median(&worst)),
            a.rounds
        ),
    );
    Ok(())
}
