//! Load generators (closed loop, open loop), process readings from /proc, and medians.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Builds one request on the given client (called once per request).
pub type MakeReq = Arc<dyn Fn(&reqwest::Client) -> reqwest::RequestBuilder + Send + Sync>;

/// A keep-alive client; `one` keeps at most one idle connection (a closed-loop task's own).
pub fn client(one: bool) -> reqwest::Client {
    client_with_timeout(one, Duration::from_secs(60))
}

/// [`client`] for transfers of several GiB.
pub fn transfer_client() -> reqwest::Client {
    client_with_timeout(true, Duration::from_secs(4 * 3600))
}

fn client_with_timeout(one: bool, timeout: Duration) -> reqwest::Client {
    let mut b = reqwest::Client::builder()
        .timeout(timeout)
        .tcp_nodelay(true);
    if one {
        b = b.pool_max_idle_per_host(1);
    }
    b.build().expect("reqwest client")
}

/// Sends a request and reads the whole answer; whether it was a 2xx.
async fn once(c: &reqwest::Client, make: &MakeReq) -> bool {
    match make(c).send().await {
        Ok(r) => {
            let ok = r.status().is_success();
            r.bytes().await.is_ok() && ok
        }
        Err(_) => false,
    }
}

pub struct Closed {
    pub rps: f64,
    pub errors: u64,
}

/// `connections` tasks, each with its own connection, sending back to back for `secs`
/// (like `wrk -c<connections>`): completed 2xx answers per second.
pub async fn closed_loop(make: &MakeReq, connections: usize, secs: f64) -> Closed {
    let ok = Arc::new(AtomicU64::new(0));
    let errors = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let deadline = Instant::now() + Duration::from_secs_f64(secs);
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(connections);
    for _ in 0..connections {
        let (make, ok, errors, stop) = (make.clone(), ok.clone(), errors.clone(), stop.clone());
        tasks.push(tokio::spawn(async move {
            let c = client(true);
            while Instant::now() < deadline && !stop.load(Ordering::Relaxed) {
                if once(&c, &make).await {
                    ok.fetch_add(1, Ordering::Relaxed);
                } else {
                    errors.fetch_add(1, Ordering::Relaxed);
                }
            }
        }));
    }
    for t in tasks {
        let _ = t.await;
    }
    let elapsed = started.elapsed().as_secs_f64();
    Closed {
        rps: ok.load(Ordering::Relaxed) as f64 / elapsed,
        errors: errors.load(Ordering::Relaxed),
    }
}

pub struct Open {
    /// Latencies in seconds, sorted, measured from each request's scheduled send time.
    pub latencies: Vec<f64>,
    pub errors: u64,
}

impl Open {
    pub fn quantile(&self, q: f64) -> f64 {
        quantile(&self.latencies, q)
    }
}

/// Requests scheduled at a fixed `rps` for `secs`, whatever the answers do (open loop); each
/// latency counts from its scheduled time, so a stall shows as the queue behind it.
pub async fn open_loop(make: &MakeReq, rps: u32, secs: f64) -> Open {
    let c = client(false);
    let n = (f64::from(rps) * secs).round() as u64;
    let interval = Duration::from_secs_f64(1.0 / f64::from(rps.max(1)));
    let start = tokio::time::Instant::now() + Duration::from_millis(20);
    let mut tasks = Vec::with_capacity(n as usize);
    for i in 0..n {
        let at = start + interval.mul_f64(i as f64);
        tokio::time::sleep_until(at).await;
        let (c, make) = (c.clone(), make.clone());
        tasks.push(tokio::spawn(async move {
            let ok = once(&c, &make).await;
            (ok, at.elapsed().as_secs_f64())
        }));
    }
    let mut latencies = Vec::with_capacity(tasks.len());
    let mut errors = 0;
    for t in tasks {
        match t.await {
            Ok((true, l)) => latencies.push(l),
            _ => errors += 1,
        }
    }
    latencies.sort_by(f64::total_cmp);
    Open { latencies, errors }
}

pub fn quantile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 - 1.0) * q).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

pub fn median(v: &[f64]) -> f64 {
    let mut v: Vec<f64> = v.iter().copied().filter(|x| !x.is_nan()).collect();
    v.sort_by(f64::total_cmp);
    if v.is_empty() {
        return f64::NAN;
    }
    let m = v.len() / 2;
    if !v.len().is_multiple_of(2) {
        v[m]
    } else {
        (v[m - 1] + v[m]) / 2.0
    }
}

/// utime + stime of a process, in seconds (/proc/<pid>/stat fields 14 and 15).
pub fn cpu_secs(pid: u32) -> f64 {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return f64::NAN;
    };
    // The command name (field 2) may hold spaces; the fields after it follow its ')'.
    let Some(rest) = stat.rsplit_once(')').map(|(_, r)| r) else {
        return f64::NAN;
    };
    let f: Vec<&str> = rest.split_whitespace().collect();
    // rest starts at field 3 (state): utime is field 14 → index 11, stime 15 → 12.
    let ticks: f64 = f
        .get(11..13)
        .map(|s| s.iter().filter_map(|v| v.parse::<f64>().ok()).sum())
        .unwrap_or(f64::NAN);
    ticks / clock_ticks()
}

fn clock_ticks() -> f64 {
    // SAFETY: sysconf has no preconditions.
    let t = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    if t > 0 { t as f64 } else { 100.0 }
}

/// VmRSS of a process in KiB.
pub fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

/// Samples a process's VmRSS every 20 ms until dropped; `max` is the highest seen.
pub struct RssSampler {
    max: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
    task: Option<std::thread::JoinHandle<()>>,
}

impl RssSampler {
    pub fn start(pid: u32) -> Self {
        let max = Arc::new(AtomicU64::new(rss_kib(pid)));
        let stop = Arc::new(AtomicBool::new(false));
        let (m, s) = (max.clone(), stop.clone());
        let task = std::thread::spawn(move || {
            while !s.load(Ordering::Relaxed) {
                m.fetch_max(rss_kib(pid), Ordering::Relaxed);
                std::thread::sleep(Duration::from_millis(20));
            }
        });
        Self {
            max,
            stop,
            task: Some(task),
        }
    }

    /// Stops sampling; the highest VmRSS seen, in KiB.
    pub fn finish(mut self) -> u64 {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.task.take() {
            let _ = t.join();
        }
        self.max.load(Ordering::Relaxed)
    }
}

impl Drop for RssSampler {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// /proc/loadavg's first three fields.
pub fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}
