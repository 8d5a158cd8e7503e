//! The harness every provider's tests share: a gateway with one connection in front of a fresh
//! simulator, and requests made as a caller holding every scope. Each provider folder's
//! `env.rs` says how to start its simulator and connection and how its ids are spelled.

use filegate::config::{Config, ConnectionConfig};
use serde_json::Value;

use crate::common::{ALL_SCOPES, Gateway, gateway_with, token};

pub struct Env<S> {
    pub gw: Gateway,
    pub sim: S,
    pub token: String,
    pub conn: String,
    sim_url: String,
}

impl<S> Env<S> {
    /// A gateway whose only connection is `connection` (named `conn`) in front of `sim`, which
    /// answers at `sim_url`; `tweak` changes the configuration last.
    pub async fn start(
        sim: S,
        sim_url: String,
        conn: &str,
        connection: ConnectionConfig,
        tweak: impl FnOnce(&mut Config),
    ) -> Self {
        let gw = gateway_with(|c, _| {
            c.connections = vec![connection];
            tweak(c);
        })
        .await;
        Env {
            gw,
            sim,
            token: token(ALL_SCOPES, conn),
            conn: conn.into(),
            sim_url,
        }
    }

    /// `/v1/connections/{conn}` + `path`.
    pub fn url(&self, path: &str) -> String {
        self.gw.url(&format!("/v1/connections/{}{path}", self.conn))
    }

    pub fn get(&self, url: &str) -> reqwest::RequestBuilder {
        self.gw.http.get(url).bearer_auth(&self.token)
    }

    /// `GET url` as a caller holding only `scopes` on this connection.
    pub fn get_scoped(&self, url: &str, scopes: &str) -> reqwest::RequestBuilder {
        self.gw.http.get(url).bearer_auth(token(scopes, &self.conn))
    }

    pub fn post(&self, url: &str) -> reqwest::RequestBuilder {
        self.gw.http.post(url).bearer_auth(&self.token)
    }

    pub fn put(&self, url: &str) -> reqwest::RequestBuilder {
        self.gw.http.put(url).bearer_auth(&self.token)
    }

    pub fn patch(&self, url: &str) -> reqwest::RequestBuilder {
        self.gw.http.patch(url).bearer_auth(&self.token)
    }

    pub fn delete(&self, url: &str) -> reqwest::RequestBuilder {
        self.gw.http.delete(url).bearer_auth(&self.token)
    }

    /// The gateway's `GET /metrics` text.
    pub async fn metrics(&self) -> String {
        self.gw.metrics().await
    }

    /// The simulator's base URL.
    pub fn sim(&self) -> &str {
        &self.sim_url
    }

    /// The JSON body of a request that must succeed.
    pub async fn json(&self, req: reqwest::RequestBuilder) -> Value {
        let res = req.send().await.expect("request");
        let status = res.status();
        let body: Value = res.json().await.expect("json body");
        assert!(status.is_success(), "{status}: {body}");
        body
    }

    /// Sends `req`, checks that it is refused with `status` and problem `code`, and gives the
    /// problem for further checks.
    pub async fn refused(&self, req: reqwest::RequestBuilder, status: u16, code: &str) -> Value {
        let res = req.send().await.expect("request");
        assert_eq!(res.status(), status, "expected {status} {code}");
        let p = crate::common::problem(res).await;
        assert_eq!(p["code"], code, "{p}");
        p
    }

    /// `refused` for each `(request, status, code)` in turn: a test's list of wrong calls.
    pub async fn refused_each<'a>(
        &self,
        cases: impl IntoIterator<Item = (reqwest::RequestBuilder, u16, &'a str)>,
    ) {
        for (req, status, code) in cases {
            self.refused(req, status, code).await;
        }
    }

    /// Every page of a listing from `first` (a URL with a query), following `next_cursor`
    /// until a page has none.
    pub async fn pages(&self, first: &str) -> Vec<Value> {
        let mut pages = Vec::new();
        let mut url = first.to_owned();
        loop {
            let page = self.json(self.get(&url)).await;
            let next = page["next_cursor"]
                .as_str()
                .map(|c| format!("{first}&cursor={c}"));
            pages.push(page);
            match next {
                Some(next) => url = next,
                None => return pages,
            }
        }
    }

    /// Walks a listing page by page from `first` (a URL with a query), following
    /// `next_cursor`: the names of all its items in order, and the number of pages.
    pub async fn walk(&self, first: &str) -> (Vec<String>, usize) {
        let pages = self.pages(first).await;
        let names = pages
            .iter()
            .flat_map(|page| {
                page["items"]
                    .as_array()
                    .unwrap_or_else(|| panic!("a listing: {page}"))
                    .iter()
                    .map(|i| i["name"].as_str().unwrap_or_default().to_owned())
            })
            .collect();
        (names, pages.len())
    }

    /// Names of a listing's items, in order.
    pub async fn names(&self, url: &str) -> Vec<String> {
        let page: Value = self.json(self.get(url)).await;
        page["items"]
            .as_array()
            .unwrap_or_else(|| panic!("a listing: {page}"))
            .iter()
            .map(|i| i["name"].as_str().unwrap_or_default().to_owned())
            .collect()
    }
}
