//! Figure `paging`: reading every item of a folder of `--items` files (the simulator's
//! `--seed-items` folder), `limit` 100 through the gateway (following `next_cursor`), against
//! the upstream's own paging direct: WeCom `file_list` by `start`/`limit` 100, Fangcloud
//! `folder/{id}/children` by `page_id` (capacity 100), OneBot one `get_group_files_by_folder`
//! (it has no paging).

use std::time::Instant;

use crate::env::{Env, Provider};
use crate::load::client;
use crate::report::compare;
use crate::upstream::{ok_envelope, send_json};
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
        let v = send_json(
            c.get(env.gw.space_url("/items"))
                .query(&q)
                .bearer_auth(&env.gw.token),
        )
        .await?;
        pages += 1;
        items += v["items"].as_array().map_or(0, Vec::len);
        match v["next_cursor"].as_str() {
            Some(n) => cursor = Some(n.to_owned()),
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
        let v = send_json(req).await?;
        ok_envelope(p, &v)?;
        calls += 1;
        match p {
            Provider::Wecom => {
                items += v["file_list"]["item"].as_array().map_or(0, Vec::len);
                if v["has_more"] != true {
                    return Ok((items, calls));
                }
                at = v["next_start"].as_u64().ok_or("no next_start")?;
            }
            Provider::Fangcloud => {
                items += v["files"].as_array().map_or(0, Vec::len)
                    + v["folders"].as_array().map_or(0, Vec::len);
                let count = v["page_count"].as_u64().unwrap_or(0);
                if at + 1 >= count {
                    return Ok((items, calls));
                }
                at += 1;
            }
            Provider::Onebot => {
                let d = &v["data"];
                items += d["files"].as_array().map_or(0, Vec::len)
                    + d["folders"].as_array().map_or(0, Vec::len);
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
