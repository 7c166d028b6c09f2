//! Who the client is, by address: the one function the access log, the rate
//! limits and the request log use (issue 20, item 5).
//!
//! The address is the connection's peer, unless the peer is a trusted proxy
//! (`DATAGATE_TRUSTED_PROXIES`, addresses and CIDR ranges). Then the hops a
//! proxy recorded in `X-Forwarded-For` (or, when that header is absent, in
//! RFC 7239 `Forwarded`) are read from the right: the first hop that is not
//! itself a trusted proxy is the client. Everything left of it was written
//! by the client and is never believed. A hop that is not an address
//! (`unknown`, an obfuscated name) stops the walk at the proxy that wrote it.
//!
//! The deprecated `DATAGATE_TRUST_FORWARDED=true` with no trusted proxies
//! listed trusts the immediate peer only (one proxy in front), which is what
//! it should always have meant.

use std::net::IpAddr;

use actix_web::HttpRequest;
use actix_web::http::header::HeaderMap;
use actix_web::web;
use ipnet::IpNet;

use crate::app::AppState;

/// Which peers' forwarding headers are believed.
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies {
    nets: Vec<IpNet>,
    /// The deprecated `DATAGATE_TRUST_FORWARDED`: the peer is the one proxy.
    trust_peer: bool,
}

impl TrustedProxies {
    pub fn new(nets: Vec<IpNet>, trust_forwarded: bool) -> Self {
        let trust_peer = trust_forwarded && nets.is_empty();
        Self { nets, trust_peer }
    }

    fn contains(&self, ip: &IpAddr) -> bool {
        let ip = canonical(*ip);
        self.nets.iter().any(|n| n.contains(&ip))
    }

    /// The client's address, given the peer and the request's headers.
    pub fn client(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        let peer = canonical(peer);
        if !(self.trust_peer || self.contains(&peer)) {
            return peer;
        }
        let hops = forwarded_hops(headers);
        let mut client = peer;
        for (i, hop) in hops.iter().rev().enumerate() {
            let Some(ip) = hop else { return client };
            client = canonical(*ip);
            // With only the peer trusted, the right-most hop is the client.
            if self.trust_peer && i == 0 {
                return client;
            }
            if !self.contains(&client) {
                return client;
            }
        }
        client
    }
}

/// An IPv4 address mapped into IPv6 (`::ffff:a.b.c.d`) as the IPv4 address.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
        v4 => v4,
    }
}

/// The hops recorded in `X-Forwarded-For`, or else in `Forwarded`, left to
/// right (every header line in order); `None` for a hop that is not an address.
fn forwarded_hops(headers: &HeaderMap) -> Vec<Option<IpAddr>> {
    let xff: Vec<&str> = headers.get_all("x-forwarded-for").filter_map(|v| v.to_str().ok()).collect();
    if !xff.is_empty() {
        return xff.iter().flat_map(|v| v.split(',')).map(parse_hop).collect();
    }
    headers
        .get_all("forwarded")
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|element| {
            element
                .split(';')
                .filter_map(|pair| pair.split_once('='))
                .find(|(k, _)| k.trim().eq_ignore_ascii_case("for"))
                .and_then(|(_, v)| parse_hop(v))
        })
        .collect()
}

/// `192.0.2.1`, `192.0.2.1:4711`, `"[2001:db8::1]:4711"`, `2001:db8::1`.
fn parse_hop(hop: &str) -> Option<IpAddr> {
    let h = hop.trim().trim_matches('"');
    if let Ok(ip) = h.parse::<IpAddr>() {
        return Some(ip);
    }
    if let Some(rest) = h.strip_prefix('[') {
        return rest.split(']').next().and_then(|v6| v6.parse().ok());
    }
    h.rsplit_once(':').and_then(|(host, _port)| host.parse::<IpAddr>().ok())
}

/// The client's address for a request: logs, access log and rate limits.
pub fn client_ip(req: &HttpRequest) -> Option<IpAddr> {
    let peer = req.peer_addr()?.ip();
    Some(match req.app_data::<web::Data<AppState>>() {
        Some(state) => state.limits.proxies().client(peer, req.headers()),
        None => canonical(peer),
    })
}

#[cfg(test)]
mod tests {
    use actix_web::http::header::{HeaderName, HeaderValue};

    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(HeaderName::from_bytes(k.as_bytes()).unwrap(), HeaderValue::from_str(v).unwrap());
        }
        h
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn untrusted_peers_are_the_client_whatever_they_forward() {
        let t = TrustedProxies::new(Vec::new(), false);
        let h = headers(&[("x-forwarded-for", "1.2.3.4"), ("forwarded", "for=5.6.7.8")]);
        assert_eq!(t.client(ip("203.0.113.9"), &h), ip("203.0.113.9"));
    }

    #[test]
    fn the_right_most_untrusted_hop_is_the_client() {
        let t = TrustedProxies::new(crate::config::parse_proxies("10.0.0.0/8, 192.0.2.7").unwrap(), false);
        // The client forged "1.2.3.4"; the edge proxy 192.0.2.7 appended the
        // real client, the inner proxy 10.0.0.5 appended the edge proxy.
        let h = headers(&[("x-forwarded-for", "1.2.3.4, 198.51.100.20"), ("x-forwarded-for", "192.0.2.7")]);
        assert_eq!(t.client(ip("10.0.0.5"), &h), ip("198.51.100.20"));
        let f = headers(&[("forwarded", "for=1.2.3.4, for=\"[2001:db8::7]:4711\";proto=https, for=192.0.2.7")]);
        assert_eq!(t.client(ip("10.0.0.5"), &f), ip("2001:db8::7"));
        let unknown = headers(&[("x-forwarded-for", "unknown")]);
        assert_eq!(t.client(ip("10.0.0.5"), &unknown), ip("10.0.0.5"));
        assert_eq!(
            t.client(ip("::ffff:10.0.0.5"), &headers(&[("x-forwarded-for", "198.51.100.1:99")])),
            ip("198.51.100.1")
        );
    }

    #[test]
    fn the_deprecated_switch_trusts_the_peer_only() {
        let t = TrustedProxies::new(Vec::new(), true);
        let h = headers(&[("x-forwarded-for", "1.2.3.4, 198.51.100.20")]);
        assert_eq!(t.client(ip("127.0.0.1"), &h), ip("198.51.100.20"));
    }
}
