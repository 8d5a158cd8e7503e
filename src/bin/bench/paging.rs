//! Figure `paging`: reading every item of a folder of `--items` files (the simulator's
//! `--seed-items` folder), `limit` 100 through the gateway (following `next_cursor`), against
//! the upstream's own paging direct: WeCom `file_list` by `start`/`limit` 100, Fangcloud
//! `folder/{id}/children` by `page_id` (capacity 100), OneBot one `get_group_files_by_folder`
//! (it has no paging).
//!
//! Both sides read their answers the same lean way a client that only pages would: every byte
//! is received and checked as JSON, but the items are skipped (`IgnoredAny`) and only the
//! counts, the envelope and the cursor are kept. Building each answer as a `serde_json::Value`
//! would charge the gateway side for its richer item model (2.3× the bytes of a WeCom page) in
//! the bench's own allocator, not in the gateway.

use std::time::Instant;

use serde::Deserialize;
use serde::de::{DeserializeOwned, IgnoredAny};

use crate::env::{Env, Provider};
use crate::load::client;
use crate::report::compare;
use crate::upstream::send_json;
use crate::{Args, Side, order};

const LIMIT: u32 = 100;

/// The gateway's id of the seeded folder: its entry in the root listing.
async fn gateway_folder(env: &Env, c: &reqwest::Client) -> Result<String, String> {
    let v = send_json(
        c.get(env.gw.space_url("/items"))
            .query(&[("limit", "1000")])
            .bearer_auth(&env.gw.token),
    )
    .await?;
    v["items"]
        .as_array()
        .and_then(|items| items.iter().find(|i| i["name"] == "Seeded"))
        .and_then(|i| i["id"].as_str())
        .map(str::to_owned)
        .ok_or_else(|| format!("no Seeded folder in the gateway's root listing: {v}"))
}

/// A gateway page, its items skipped.
#[derive(Deserialize)]
struct GatewayPage {
    items: Vec<IgnoredAny>,
    next_cursor: Option<String>,
}

/// A WeCom `file_list`, Fangcloud `folder/{id}/children` or OneBot `data` answer: the members
/// the paging reads, items skipped.
#[derive(Deserialize, Default)]
#[serde(default)]
struct UpstreamPage {
    errcode: Option<i64>,
    errors: Option<serde_json::Value>,
    status: Option<String>,
    retcode: Option<i64>,
    file_list: FileList,
    has_more: bool,
    next_start: Option<u64>,
    files: Vec<IgnoredAny>,
    folders: Vec<IgnoredAny>,
    page_count: u64,
    data: Option<Box<UpstreamPage>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct FileList {
    item: Vec<IgnoredAny>,
}

/// Sends `req` and reads a successful answer as `T`.
async fn send_lean<T: DeserializeOwned>(req: reqwest::RequestBuilder) -> Result<T, String> {
    let res = req.send().await.map_err(|e| e.to_string())?;
    let status = res.status();
    let bytes = res.bytes().await.map_err(|e| e.to_string())?;
    let refused = || {
        format!(
            "{status}: {}",
            String::from_utf8_lossy(&bytes)
                .chars()
                .take(300)
                .collect::<String>()
        )
    };
    if !status.is_success() {
        return Err(refused());
    }
    serde_json::from_slice(&bytes).map_err(|_| refused())
}

/// Pages through the folder via the gateway: (items, pages).
async fn via_gateway(
    env: &Env,
    c: &reqwest::Client,
    folder: &str,
) -> Result<(usize, usize), String> {
    let (mut items, mut pages, mut cursor) = (0, 0, None::<String>);
    loop {
        let mut q = vec![("parent", folder.to_owned()), ("limit", LIMIT.to_string())];
        if let Some(c) = cursor.take() {
            q.push(("cursor", c));
        }
        let page: GatewayPage = send_lean(
            c.get(env.gw.space_url("/items"))
                .query(&q)
                .bearer_auth(&env.gw.token),
        )
        .await?;
        pages += 1;
        items += page.items.len();
        match page.next_cursor {
            Some(n) => cursor = Some(n),
            None => return Ok((items, pages)),
        }
    }
}

/// Pages through the folder with the upstream's own paging: (items, calls).
async fn direct(env: &Env, c: &reqwest::Client, folder: &str) -> Result<(usize, usize), String> {
    let p = env.sim.provider;
    let (mut items, mut calls, mut at) = (0, 0, 0u64);
    loop {
        let req = match p {
            // The upstream's own page of 100 (the adapter asks for limit + 1).
            Provider::Wecom => env.up.wecom(
                c,
                "file_list",
                &serde_json::json!({
                    "spaceid": filegate::sandbox::wecom::demo::SPACE_ID,
                    "fatherid": folder,
                    "sort_type": 1,
                    "start": at,
                    "limit": LIMIT,
                }),
            ),
            _ => env.up.list(c, Some(folder), LIMIT, at),
        };
        let v: UpstreamPage = send_lean(req).await?;
        let good = match p {
            Provider::Wecom => v.errcode == Some(0),
            Provider::Fangcloud => v.errors.as_ref().is_none_or(|e| e.is_null()),
            Provider::Onebot => v.status.as_deref() == Some("ok") && v.retcode == Some(0),
        };
        if !good {
            return Err(format!("{} refused a listing", p.title()));
        }
        calls += 1;
        match p {
            Provider::Wecom => {
                items += v.file_list.item.len();
                if !v.has_more {
                    return Ok((items, calls));
                }
                at = v.next_start.ok_or("no next_start")?;
            }
            Provider::Fangcloud => {
                items += v.files.len() + v.folders.len();
                if at + 1 >= v.page_count {
                    return Ok((items, calls));
                }
                at += 1;
            }
            Provider::Onebot => {
                let d = v.data.unwrap_or_default();
                items += d.files.len() + d.folders.len();
                return Ok((items, calls));
            }
        }
    }
}

pub async fn run(env: &Env, a: &Args) -> Result<(), String> {
    let p = env.sim.provider;
    let upstream_folder = env.sim.seeded.clone().ok_or("no seeded folder")?;
    let c = client(true);
    let folder = gateway_folder(env, &c).await?;
    let (mut g, mut d) = (Vec::new(), Vec::new());
    let (mut g_pages, mut d_calls) = (0, 0);
    for r in 0..a.rounds {
        for side in order(r) {
            let started = Instant::now();
            let (items, calls) = match side {
                Side::Gateway => via_gateway(env, &c, &folder).await?,
                Side::Direct => direct(env, &c, &upstream_folder).await?,
            };
            let secs = started.elapsed().as_secs_f64();
            if items != a.items {
                return Err(format!(
                    "{} paging ({side:?}) saw {items} items, not {}",
                    p.title(),
                    a.items
                ));
            }
            match side {
                Side::Gateway => {
                    g.push(secs);
                    g_pages = calls;
                }
                Side::Direct => {
                    d.push(secs);
                    d_calls = calls;
                }
            }
        }
    }
    compare(
        &format!("paging a {}-item folder, limit {LIMIT}", a.items),
        p.title(),
        (&g, &d),
        |m| format!("{m:.3} s"),
        format!(
            "{g_pages} gateway pages, {d_calls} upstream calls direct; median of {} rounds",
            a.rounds
        ),
    );
    Ok(())
}
