//! Who the caller is when the gateway runs behind a reverse proxy.
//!
//! `X-Forwarded-For`, `-Proto` and `-Host` are believed only when the TCP peer is one of the
//! configured `proxy.trusted` addresses; from anyone else they are ignored, so a caller cannot
//! forge its address in the logs or steer the URLs the gateway writes. The client address is
//! the right-most `X-Forwarded-For` entry that is not itself a trusted proxy (each proxy
//! appends the address it saw).

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, header};
use axum::middleware::Next;
use axum::response::Response;
use ipnet::IpNet;

/// The parsed `proxy.trusted` list.
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies(Arc<Vec<IpNet>>);

impl TrustedProxies {
    /// Parses CIDR blocks (`10.0.0.0/8`) and bare addresses (`127.0.0.1`).
    pub fn parse(entries: &[String]) -> Result<Self, String> {
        let nets = entries
            .iter()
            .map(|e| {
                let e = e.trim();
                e.parse::<IpNet>()
                    .or_else(|_| e.parse::<IpAddr>().map(IpNet::from))
                    .map_err(|_| format!("`{e}` is not an IP address or CIDR block"))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self(Arc::new(nets)))
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        self.0.iter().any(|n| n.contains(&ip))
    }
}

/// An IPv4 peer on a dual-stack socket arrives as `::ffff:a.b.c.d`.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// Where a request came from and how the caller addressed the gateway, after applying the
/// trusted-proxy rules. Inserted into every request's extensions.
#[derive(Debug, Clone)]
pub struct ClientOrigin {
    /// The caller's address (the TCP peer unless a trusted proxy says otherwise).
    pub addr: Option<IpAddr>,
    /// `http` or `https` as the caller used it.
    pub scheme: String,
    /// `host[:port]` as the caller used it.
    pub host: Option<String>,
}

impl ClientOrigin {
    /// `scheme://host` + `path`, or `path` alone when the host is unknown.
    pub fn url(&self, path: &str) -> String {
        match &self.host {
            Some(h) => format!("{}://{h}{path}", self.scheme),
            None => path.to_owned(),
        }
    }

    pub fn resolve(peer: Option<IpAddr>, headers: &HeaderMap, trusted: &TrustedProxies) -> Self {
        let own_host = header_str(headers, header::HOST.as_str()).and_then(valid_host);
        let from_proxy = peer.is_some_and(|p| trusted.contains(p));
        if !from_proxy {
            return Self {
                addr: peer.map(canonical),
                scheme: "http".into(),
                host: own_host,
            };
        }
        let mut addr = peer.map(canonical);
        let hops = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .filter_map(|s| parse_hop(s.trim()))
            .collect::<Vec<_>>();
        for hop in hops.iter().rev() {
            addr = Some(*hop);
            if !trusted.contains(*hop) {
                break;
            }
        }
        let scheme = header_str(headers, "x-forwarded-proto")
            .and_then(|v| v.split(',').next().map(|s| s.trim().to_ascii_lowercase()))
            .filter(|s| s == "http" || s == "https")
            .unwrap_or_else(|| "http".into());
        let host = header_str(headers, "x-forwarded-host")
            .and_then(|v| v.split(',').next().map(str::to_owned))
            .and_then(|v| valid_host(v.trim().to_owned()))
            .or(own_host);
        Self { addr, scheme, host }
    }
}

fn header_str(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// `1.2.3.4`, `1.2.3.4:5678`, `2001:db8::1` or `[2001:db8::1]:443`.
fn parse_hop(s: &str) -> Option<IpAddr> {
    s.parse::<IpAddr>()
        .ok()
        .or_else(|| s.parse::<SocketAddr>().ok().map(|a| a.ip()))
        .map(canonical)
}

/// A host is echoed into URLs: accept only an authority's characters.
fn valid_host(h: String) -> Option<String> {
    let ok = !h.is_empty()
        && h.len() <= 255
        && h.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-.:[]_".contains(&b));
    ok.then_some(h)
}

/// Middleware: resolves the [`ClientOrigin`], stores it in the request and records the client
/// address on the request's span.
pub async fn client_origin(
    State(trusted): State<TrustedProxies>,
    mut req: Request,
    next: Next,
) -> Response {
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip());
    let origin = ClientOrigin::resolve(peer, req.headers(), &trusted);
    if let Some(a) = origin.addr {
        tracing::Span::current().record("client", tracing::field::display(a));
    }
    req.extensions_mut().insert(origin);
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    fn ip(s: &str) -> Option<IpAddr> {
        Some(s.parse().unwrap())
    }

    /// What a request from `peer` with the headers `pairs` resolves to behind `proxies`.
    fn resolve(proxies: &[&str], peer: &str, pairs: &[(&'static str, &str)]) -> ClientOrigin {
        let proxies: Vec<String> = proxies.iter().map(|p| p.to_string()).collect();
        let trusted = TrustedProxies::parse(&proxies).unwrap();
        ClientOrigin::resolve(ip(peer), &headers(pairs), &trusted)
    }

    #[test]
    fn forwarded_headers_count_only_from_trusted_peers() {
        let trusted = ["10.0.0.0/8", "127.0.0.1"];
        let h = [
            ("host", "10.0.0.5:8080"),
            ("x-forwarded-for", "198.51.100.7, 203.0.113.9, 10.1.1.1"),
            ("x-forwarded-proto", "https"),
            ("x-forwarded-host", "files.example.com"),
        ];
        let o = resolve(&trusted, "10.0.0.2", &h);
        // 10.1.1.1 is a trusted hop; 203.0.113.9 is the first address no trusted proxy vouches for.
        assert_eq!(o.addr, ip("203.0.113.9"));
        assert_eq!(o.url("/x"), "https://files.example.com/x");

        let o = resolve(&trusted, "192.0.2.1", &h);
        assert_eq!(o.addr, ip("192.0.2.1"));
        assert_eq!(o.url("/x"), "http://10.0.0.5:8080/x");

        let mapped = resolve(&trusted, "::ffff:127.0.0.1", &h);
        assert_eq!(mapped.addr, ip("203.0.113.9"));
    }

    #[test]
    fn junk_in_forwarded_headers_is_ignored() {
        let junk = [
            ("host", "gw"),
            ("x-forwarded-for", "not-an-ip, [2001:db8::1]:443"),
            ("x-forwarded-proto", "gopher"),
            ("x-forwarded-host", "evil.example/path?"),
        ];
        let o = resolve(&["127.0.0.1"], "127.0.0.1", &junk);
        assert_eq!(o.addr, ip("2001:db8::1"));
        assert_eq!(o.url("/y"), "http://gw/y");
        assert!(TrustedProxies::parse(&["10.0.0.0/33".into()]).is_err());
    }
}
