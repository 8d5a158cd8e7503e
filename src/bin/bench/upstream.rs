//! The bench's own upstream session: the upstream's auth (WeCom `gettoken`, Fangcloud's
//! `jwt_simple` user token, OneBot's static access token) and the very upstream requests the
//! adapters in src/providers/<p>/ make for a gateway call.

use std::sync::Arc;

use serde_json::{Value, json};

use crate::env::{Provider, Sim};
use crate::load::MakeReq;

use filegate::sandbox::{fangcloud, onebot, wecom};

/// An upstream session (token fetched once).
#[derive(Clone)]
pub struct Upstream {
    pub provider: Provider,
    pub url: String,
    pub token: String,
}

impl Upstream {
    pub async fn connect(sim: &Sim) -> Result<Upstream, String> {
        let http = reqwest::Client::new();
        let url = sim.url.clone();
        let token = match sim.provider {
            Provider::Wecom => {
                let a = send_json(http.get(format!("{url}/cgi-bin/gettoken")).query(&[
                    ("corpid", wecom::demo::CORP_ID),
                    ("corpsecret", wecom::demo::CORP_SECRET),
                ]))
                .await?;
                a["access_token"]
                    .as_str()
                    .ok_or_else(|| format!("gettoken: {a}"))?
                    .to_owned()
            }
            Provider::Fangcloud => {
                // The adapter's request for the same user: jwt_simple, both parameters in the
                // URL, Basic client auth.
                let (assertion, basic) =
                    fangcloud::demo::user_token_request(chrono::Utc::now().timestamp());
                let a = send_json(
                    http.post(format!("{url}/oauth/token"))
                        .query(&[("grant_type", "jwt_simple"), ("assertion", &assertion)])
                        .header("authorization", basic),
                )
                .await?;
                a["access_token"]
                    .as_str()
                    .ok_or_else(|| format!("oauth/token: {a}"))?
                    .to_owned()
            }
            Provider::Onebot => onebot::demo::ACCESS_TOKEN.to_owned(),
        };
        Ok(Upstream {
            provider: sim.provider,
            url,
            token,
        })
    }

    /// A WeDrive function call: `POST /cgi-bin/wedrive/<f>?access_token=…` with a JSON body.
    pub fn wecom(
        &self,
        c: &reqwest::Client,
        function: &str,
        body: &Value,
    ) -> reqwest::RequestBuilder {
        c.post(format!("{}/cgi-bin/wedrive/{function}", self.url))
            .query(&[("access_token", &self.token)])
            .json(body)
    }

    /// A Fangcloud API call `…/api/v2/<path>` with the bearer token.
    pub fn fangcloud_get(
        &self,
        c: &reqwest::Client,
        path: &str,
        query: &[(&str, String)],
    ) -> reqwest::RequestBuilder {
        c.get(format!("{}/api/v2/{path}", self.url))
            .bearer_auth(&self.token)
            .query(query)
    }

    pub fn fangcloud_post(
        &self,
        c: &reqwest::Client,
        path: &str,
        body: &Value,
    ) -> reqwest::RequestBuilder {
        self.post(c, &format!("api/v2/{path}"), body)
    }

    /// A OneBot action `POST {base}/{action}` with the access token.
    pub fn onebot(
        &self,
        c: &reqwest::Client,
        action: &str,
        body: &Value,
    ) -> reqwest::RequestBuilder {
        self.post(c, action, body)
    }

    /// `POST {base}/{path}` with the bearer token and a JSON body.
    fn post(&self, c: &reqwest::Client, path: &str, body: &Value) -> reqwest::RequestBuilder {
        c.post(format!("{}/{path}", self.url))
            .bearer_auth(&self.token)
            .json(body)
    }

    /// One page of a folder listing as the adapter asks for it: `parent` None is the space's
    /// root; `at` is the WeCom offset / the Fangcloud page_id (ignored by OneBot, which lists
    /// a folder in one call).
    pub fn list(
        &self,
        c: &reqwest::Client,
        parent: Option<&str>,
        limit: u32,
        at: u64,
    ) -> reqwest::RequestBuilder {
        match self.provider {
            // src/providers/wecom/items.rs: limit + 1 (at most 1000), sort_type 1 (name asc).
            Provider::Wecom => self.wecom(
                c,
                "file_list",
                &json!({
                    "spaceid": wecom::demo::SPACE_ID,
                    "fatherid": parent.unwrap_or(wecom::demo::SPACE_ID),
                    "sort_type": 1,
                    "start": at,
                    "limit": (limit + 1).min(1000),
                }),
            ),
            // src/providers/fangcloud/items.rs: folder/{id}/children, personal root 0.
            Provider::Fangcloud => self.fangcloud_get(
                c,
                &format!("folder/{}/children", parent.unwrap_or("0")),
                &[
                    ("page_id", at.to_string()),
                    ("page_capacity", limit.to_string()),
                    ("type", "all".into()),
                    ("sort_by", "name".into()),
                    ("sort_direction", "asc".into()),
                ],
            ),
            // src/providers/onebot/resolve.rs: the root has its own action.
            Provider::Onebot => match parent {
                None => self.onebot(
                    c,
                    "get_group_root_files",
                    &json!({ "group_id": onebot::demo::GROUP_ID }),
                ),
                Some(f) => self.onebot(
                    c,
                    "get_group_files_by_folder",
                    &json!({ "group_id": onebot::demo::GROUP_ID, "folder_id": f }),
                ),
            },
        }
    }

    /// The root listing (limit 100) as a load generator's request.
    pub fn root_listing(&self) -> MakeReq {
        let me = self.clone();
        Arc::new(move |c| me.list(c, None, 100, 0))
    }
}

/// Sends a request and reads its JSON answer; an error unless it is a 2xx.
pub async fn send_json(req: reqwest::RequestBuilder) -> Result<Value, String> {
    let res = req.send().await.map_err(|e| e.to_string())?;
    let status = res.status();
    let text = res.text().await.map_err(|e| e.to_string())?;
    let v: Value = serde_json::from_str(&text)
        .map_err(|_| format!("{status}: {}", text.chars().take(300).collect::<String>()))?;
    if !status.is_success() {
        return Err(format!("{status}: {v}"));
    }
    Ok(v)
}

/// Whether an upstream answer (HTTP 200) reports success in its own envelope.
pub fn ok_envelope(provider: Provider, body: &Value) -> Result<(), String> {
    let good = match provider {
        Provider::Wecom => body["errcode"].as_i64() == Some(0),
        Provider::Fangcloud => body.get("errors").is_none_or(|e| e.is_null()),
        Provider::Onebot => body["status"] == "ok" && body["retcode"].as_i64() == Some(0),
    };
    if good {
        Ok(())
    } else {
        Err(format!(
            "upstream refused: {}",
            body.to_string().chars().take(300).collect::<String>()
        ))
    }
}
