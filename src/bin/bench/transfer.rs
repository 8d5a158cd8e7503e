//! Figures `upload` and `download`: MiB/s through the gateway and direct, and the gateway's
//! RAM growth (VmRSS sampled every 20 ms during the transfer, max − idle just before).
//!
//! Direct, the bench speaks each upstream's upload protocol itself: WeCom
//! `file_upload_init`/`file_upload_part`/`file_upload_finish` with the block SHA computed first
//! (`filegate::providers::wecom::block_sha`, one extra read pass, part of the direct time),
//! Fangcloud `file/upload_v2` then the multipart POST to the pre-signed URL, OneBot
//! `upload_group_file` with a streamed `base64://` JSON body. Downloads fetch the upstream's
//! download URL (WeCom `file_download` + cookie, Fangcloud `file/{id}/download`, OneBot
//! `get_group_file_url`); through the gateway, `GET …/items/{id}/content`. Each side
//! downloads the file it uploaded, with 1 and 8 parallel streams of the largest size.
//!
//! Every round runs on a fresh simulator and gateway (their files are gone with them). OneBot
//! uploads are capped at [`ONEBOT_MAX_UPLOAD`]: the simulator takes bodies up to 256 MiB and
//! base64 makes a file a third larger.

use std::time::Instant;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use bytes::Bytes;
use futures::StreamExt;
use serde_json::json;

use crate::env::{Env, ONEBOT_MAX_UPLOAD, Provider};
use crate::load::{RssSampler, median, rss_kib, transfer_client};
use crate::report::compare;
use crate::upstream::{ok_envelope, send_json};
use crate::{Args, Side, order};

use filegate::providers::wecom::block_sha::{BLOCK_SIZE, BlockSha};
use filegate::sandbox::{onebot, wecom};

const MIB: u64 = 1024 * 1024;
/// The unit content is generated in (WeCom's 2 MiB blocks are two of them).
const CHUNK: u64 = MIB;

/// A file's generated content: `size` bytes that differ for every `salt` (so no upstream
/// sees the same file twice and answers an instant upload).
#[derive(Clone, Copy)]
pub struct Content {
    pub size: u64,
    pub salt: u64,
}

impl Content {
    /// Chunk `i` (1 MiB, the last may be shorter).
    pub fn chunk(&self, i: u64) -> Vec<u8> {
        let len = CHUNK.min(self.size - i * CHUNK) as usize;
        let mut x = (self.salt.wrapping_mul(0x9E37_79B9_7F4A_7C15)
            ^ i.wrapping_mul(0xD1B5_4A32_D192_ED03))
            | 1;
        let mut out = Vec::with_capacity(len + 8);
        while out.len() < len {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            out.extend_from_slice(&x.to_le_bytes());
        }
        out.truncate(len);
        out
    }

    pub fn chunks(&self) -> u64 {
        self.size.div_ceil(CHUNK)
    }

    /// Bytes `[offset, offset + len)`, chunk-aligned.
    fn range(&self, offset: u64, len: u64) -> Vec<u8> {
        let mut out = Vec::with_capacity(len as usize);
        let mut i = offset / CHUNK;
        while (out.len() as u64) < len && i < self.chunks() {
            out.extend_from_slice(&self.chunk(i));
            i += 1;
        }
        out.truncate(len as usize);
        out
    }

    /// The content as a streamed body.
    pub fn stream(
        self,
    ) -> impl futures::Stream<Item = Result<Bytes, std::io::Error>> + Send + 'static {
        futures::stream::iter(0..self.chunks()).map(move |i| Ok(Bytes::from(self.chunk(i))))
    }

    /// The content as `base64://…` inside a JSON body: `prefix`, the encoding, `suffix`.
    fn base64_json(
        self,
        prefix: Vec<u8>,
        suffix: &'static [u8],
    ) -> (
        impl futures::Stream<Item = Result<Bytes, std::io::Error>> + Send + 'static,
        u64,
    ) {
        let len = prefix.len() as u64 + self.size.div_ceil(3) * 4 + suffix.len() as u64;
        let head = futures::stream::iter([Ok(Bytes::from(prefix))]);
        let body =
            futures::stream::unfold((0u64, Vec::<u8>::new()), move |(i, mut carry)| async move {
                if i >= self.chunks() {
                    if carry.is_empty() {
                        return None;
                    }
                    let tail = B64.encode(&carry);
                    return Some((Ok(Bytes::from(tail)), (i, Vec::new())));
                }
                carry.extend_from_slice(&self.chunk(i));
                let whole = carry.len() / 3 * 3;
                let encoded = B64.encode(&carry[..whole]);
                let rest = carry[whole..].to_vec();
                Some((Ok(Bytes::from(encoded)), (i + 1, rest)))
            });
        let tail = futures::stream::iter([Ok(Bytes::from_static(suffix))]);
        (head.chain(body).chain(tail), len)
    }
}

/// What a side uploaded: the id its download needs.
/// A throughput as the table shows it.
fn show_mib_s(m: f64) -> String {
    format!("{m:.1} MiB/s")
}

#[derive(Clone)]
enum Uploaded {
    /// The gateway's item id.
    Gateway(String),
    Wecom(String),
    Fangcloud(i64),
    Onebot(String),
}

async fn upload_gateway(
    env: &Env,
    c: &reqwest::Client,
    content: Content,
    name: &str,
) -> Result<Uploaded, String> {
    let req = c
        .post(env.gw.space_url("/files"))
        .query(&[("name", name), ("on_conflict", "replace")])
        .bearer_auth(&env.gw.token)
        .header("content-length", content.size)
        .body(reqwest::Body::wrap_stream(content.stream()));
    let v = send_json(req).await?;
    v["item"]["id"]
        .as_str()
        .map(|id| Uploaded::Gateway(id.to_owned()))
        .ok_or_else(|| format!("upload answer without item id: {v}"))
}

async fn upload_direct(
    env: &Env,
    c: &reqwest::Client,
    content: Content,
    name: &str,
) -> Result<Uploaded, String> {
    let up = &env.up;
    match env.sim.provider {
        Provider::Wecom => {
            let mut sha = BlockSha::new();
            for i in 0..content.chunks() {
                sha.update(&content.chunk(i));
            }
            let s = wecom::demo::SPACE_ID;
            let init = send_json(up.wecom(
                c,
                "file_upload_init",
                &json!({
                    "spaceid": s, "fatherid": s, "file_name": name, "size": content.size,
                    "block_sha": sha.finish(), "skip_push_card": true,
                }),
            ))
            .await?;
            ok_envelope(Provider::Wecom, &init)?;
            let key = init["upload_key"]
                .as_str()
                .ok_or("no upload_key")?
                .to_owned();
            let blocks = content.size.div_ceil(BLOCK_SIZE);
            for index in 1..=blocks {
                let offset = (index - 1) * BLOCK_SIZE;
                let block = content.range(offset, BLOCK_SIZE.min(content.size - offset));
                let part = send_json(
                    up.wecom(
                        c,
                        "file_upload_part",
                        &json!({ "upload_key": key, "index": index, "file_base64_content": B64.encode(&block) }),
                    )
                )
                .await?;
                ok_envelope(Provider::Wecom, &part)?;
            }
            let done =
                send_json(up.wecom(c, "file_upload_finish", &json!({ "upload_key": key }))).await?;
            ok_envelope(Provider::Wecom, &done)?;
            Ok(Uploaded::Wecom(
                done["fileid"].as_str().ok_or("no fileid")?.to_owned(),
            ))
        }
        Provider::Fangcloud => {
            let presign = send_json(up.fangcloud_post(
                c,
                "file/upload_v2",
                &json!({
                    "parent_id": 0, "name": name, "upload_type": "api",
                    "is_covered": true, "file_size": content.size,
                }),
            ))
            .await?;
            let url = presign["presign_url"]
                .as_str()
                .ok_or_else(|| format!("no presign_url: {presign}"))?;
            let part = reqwest::multipart::Part::stream_with_length(
                reqwest::Body::wrap_stream(content.stream()),
                content.size,
            )
            .file_name(name.to_owned())
            .mime_str("application/octet-stream")
            .map_err(|e| e.to_string())?;
            let form = reqwest::multipart::Form::new().part("file", part);
            let v = send_json(c.post(url).multipart(form)).await?;
            Ok(Uploaded::Fangcloud(
                v["id"].as_i64().ok_or_else(|| format!("no file id: {v}"))?,
            ))
        }
        Provider::Onebot => {
            let prefix = format!(
                "{{\"group_id\":{},\"name\":{},\"file\":\"base64://",
                onebot::demo::GROUP_ID,
                serde_json::to_string(name).map_err(|e| e.to_string())?
            );
            let (body, len) = content.base64_json(prefix.into_bytes(), b"\"}");
            let v = send_json(
                c.post(format!("{}/upload_group_file", up.url))
                    .bearer_auth(&up.token)
                    .header("content-type", "application/json")
                    .header("content-length", len)
                    .body(reqwest::Body::wrap_stream(body)),
            )
            .await?;
            ok_envelope(Provider::Onebot, &v)?;
            Ok(Uploaded::Onebot(
                v["data"]["file_id"]
                    .as_str()
                    .ok_or_else(|| format!("no file_id: {v}"))?
                    .to_owned(),
            ))
        }
    }
}

/// The request that downloads `what`'s bytes (the upstream URL is asked for first, direct).
async fn download_request(
    env: &Env,
    c: &reqwest::Client,
    what: &Uploaded,
) -> Result<reqwest::RequestBuilder, String> {
    let up = &env.up;
    Ok(match what {
        Uploaded::Gateway(id) => c
            .get(env.gw.space_url(&format!("/items/{id}/content")))
            .bearer_auth(&env.gw.token),
        Uploaded::Wecom(fileid) => {
            let d = send_json(up.wecom(c, "file_download", &json!({ "fileid": fileid }))).await?;
            ok_envelope(Provider::Wecom, &d)?;
            let cookie = format!(
                "{}={}",
                d["cookie_name"].as_str().unwrap_or_default(),
                d["cookie_value"].as_str().unwrap_or_default()
            );
            c.get(d["download_url"].as_str().ok_or("no download_url")?)
                .header("cookie", cookie)
        }
        Uploaded::Fangcloud(id) => {
            let d = send_json(up.fangcloud_get(
                c,
                &format!("file/{id}/download"),
                &[("version", "0".into()), ("valid_period", "3600".into())],
            ))
            .await?;
            c.get(d["download_url"].as_str().ok_or("no download_url")?)
        }
        Uploaded::Onebot(file_id) => {
            let d = send_json(
                up.onebot(
                    c,
                    "get_group_file_url",
                    &json!({ "group_id": onebot::demo::GROUP_ID, "file_id": file_id, "busid": onebot::demo::BUSID }),
                )
            )
            .await?;
            ok_envelope(Provider::Onebot, &d)?;
            c.get(d["data"]["url"].as_str().ok_or("no url")?)
        }
    })
}

/// Downloads `what` `streams` times at once; the bytes each stream got.
async fn download(env: &Env, what: &Uploaded, streams: usize) -> Result<Vec<u64>, String> {
    let mut tasks = Vec::new();
    for _ in 0..streams {
        let c = transfer_client();
        let req = download_request(env, &c, what).await?;
        tasks.push(tokio::spawn(async move {
            let res = req.send().await.map_err(|e| e.to_string())?;
            if !res.status().is_success() {
                return Err(format!("download: {}", res.status()));
            }
            let mut got = 0u64;
            let mut s = res.bytes_stream();
            while let Some(b) = s.next().await {
                got += b.map_err(|e| e.to_string())?.len() as u64;
            }
            Ok(got)
        }));
    }
    let mut out = Vec::new();
    for t in tasks {
        out.push(t.await.map_err(|e| e.to_string())??);
    }
    Ok(out)
}

#[derive(Default)]
struct Figures {
    mibs: Vec<f64>,
    ram_kib: Vec<f64>,
}

fn mib_s(bytes: u64, secs: f64) -> f64 {
    bytes as f64 / MIB as f64 / secs
}

pub async fn run(p: Provider, a: &Args) -> Result<(), String> {
    let largest = a.sizes_mib.iter().copied().max().unwrap_or(0);
    let mut salt = 0u64;
    for &size_mib in &a.sizes_mib {
        let mut size = size_mib * MIB;
        let mut note = String::new();
        if p == Provider::Onebot && size > ONEBOT_MAX_UPLOAD {
            size = ONEBOT_MAX_UPLOAD;
            note = format!(
                "capped at {} MiB: the most the OneBot simulator's 256 MiB body limit holds as base64; ",
                ONEBOT_MAX_UPLOAD / MIB
            );
        }
        let shown = size / MIB;
        let mut up_g = Figures::default();
        let mut up_d = Figures::default();
        let mut down: Vec<(usize, Figures, Figures)> = a
            .streams
            .iter()
            .map(|s| (*s, Figures::default(), Figures::default()))
            .collect();
        let with_download = a.wants("download") && size_mib == largest;
        for r in 0..a.rounds {
            let env = Env::start(p, 0).await?;
            let c = transfer_client();
            let mut files = Vec::new();
            for side in order(r) {
                salt += 1;
                let content = Content { size, salt };
                let name = format!("bench-{salt}.bin");
                let idle = rss_kib(env.gw.pid);
                let sampler = RssSampler::start(env.gw.pid);
                let started = Instant::now();
                let what = match side {
                    Side::Gateway => upload_gateway(&env, &c, content, &name).await?,
                    Side::Direct => upload_direct(&env, &c, content, &name).await?,
                };
                let secs = started.elapsed().as_secs_f64();
                let peak = sampler.finish();
                let f = match side {
                    Side::Gateway => &mut up_g,
                    Side::Direct => &mut up_d,
                };
                f.mibs.push(mib_s(size, secs));
                f.ram_kib.push(peak.saturating_sub(idle) as f64);
                files.push((side, what));
            }
            if with_download {
                for (streams, g, d) in &mut down {
                    for side in order(r) {
                        let what = &files.iter().find(|(s, _)| *s == side).ok_or("no file")?.1;
                        let idle = rss_kib(env.gw.pid);
                        let sampler = RssSampler::start(env.gw.pid);
                        let started = Instant::now();
                        let got = download(&env, what, *streams).await?;
                        let secs = started.elapsed().as_secs_f64();
                        let peak = sampler.finish();
                        if got.iter().any(|b| *b != size) {
                            return Err(format!("{side:?} download got {got:?} bytes, not {size}"));
                        }
                        let f = match side {
                            Side::Gateway => &mut *g,
                            Side::Direct => &mut *d,
                        };
                        f.mibs.push(mib_s(size * *streams as u64, secs));
                        f.ram_kib.push(peak.saturating_sub(idle) as f64);
                    }
                }
            }
        }
        if a.wants("upload") {
            compare(
                &format!("upload {shown} MiB"),
                p.title(),
                (&up_g.mibs, &up_d.mibs),
                show_mib_s,
                format!(
                    "{note}{}gateway RAM growth {:.1} MiB (VmRSS max − idle); median of {} rounds",
                    if p == Provider::Wecom {
                        "direct includes its block SHA pass; "
                    } else {
                        ""
                    },
                    median(&up_g.ram_kib) / 1024.0,
                    a.rounds
                ),
            );
        }
        for (streams, g, d) in &down {
            if !with_download {
                break;
            }
            compare(
                &format!("download {shown} MiB, {streams} stream(s)"),
                p.title(),
                (&g.mibs, &d.mibs),
                show_mib_s,
                format!(
                    "{note}aggregate; gateway RAM growth {:.1} MiB; median of {} rounds",
                    median(&g.ram_kib) / 1024.0,
                    a.rounds
                ),
            );
        }
    }
    Ok(())
}
