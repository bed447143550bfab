//! Where a request comes from: the client's address and scheme as the TCP peer says, or as a
//! configured trusted proxy (the load balancer) says on its behalf.

use std::net::IpAddr;
use std::str::FromStr;

use axum::http::HeaderMap;
use ipnet::IpNet;

/// How this server is deployed: behind which proxies. Empty by default: then every request's
/// address is its TCP peer and `X-Forwarded-*` headers are ignored, since anyone can send them.
#[derive(Debug, Clone, Default)]
pub struct Deployment {
    pub trusted_proxies: TrustedProxies,
    /// The host names the console is served under (`--allowed-host`); a request naming
    /// another `Host` is refused, which keeps DNS rebinding and forged links off. Empty: any.
    pub allowed_hosts: Vec<String>,
}

impl Deployment {
    /// Whether the request's `Host` (its name, without the port) is one the console serves.
    pub fn host_allowed(&self, headers: &HeaderMap) -> bool {
        if self.allowed_hosts.is_empty() {
            return true;
        }
        let host = headers
            .get(axum::http::header::HOST)
            .and_then(|v| v.to_str().ok())
            .map(host_name)
            .unwrap_or_default();
        self.allowed_hosts
            .iter()
            .any(|allowed| host_name(allowed).eq_ignore_ascii_case(host))
    }

    /// Whether a browser sent this request from the console's own page. `Sec-Fetch-Site` where
    /// the browser sends it (it compares scheme, host and port itself), else `Origin`, which
    /// must be exactly this request's own origin, scheme included: `https://` when a trusted
    /// proxy says the client came over https, `http://` otherwise. No header at all: not a
    /// browser's request (a script, omctl), which holds no cookie of the user's either.
    pub fn same_origin(&self, peer: Option<IpAddr>, headers: &HeaderMap) -> bool {
        if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
            return site == "same-origin" || site == "none";
        }
        let Some(origin) = headers
            .get(axum::http::header::ORIGIN)
            .and_then(|v| v.to_str().ok())
        else {
            return true;
        };
        let host = headers
            .get(axum::http::header::HOST)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        let scheme = if self.over_https(peer, headers) {
            "https"
        } else {
            "http"
        };
        !host.is_empty() && origin.eq_ignore_ascii_case(&format!("{scheme}://{host}"))
    }

    /// Whether the client reached us over https (through a trusted proxy; the server itself
    /// speaks plain HTTP).
    pub fn over_https(&self, peer: Option<IpAddr>, headers: &HeaderMap) -> bool {
        peer.is_some_and(|peer| self.trusted_proxies.forwarded_https(peer, headers))
    }
}

/// `example.com:8080` → `example.com`, `[::1]:8080` → `[::1]`.
fn host_name(host: &str) -> &str {
    let host = host.trim();
    if host.starts_with('[') {
        return host.find(']').map_or(host, |i| &host[..=i]);
    }
    host.split_once(':').map_or(host, |(name, _)| name)
}

/// Addresses or networks (`10.0.0.7`, `10.0.0.0/8`, `fd00::/8`) whose `X-Forwarded-For` and
/// `X-Forwarded-Proto` are believed.
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies(Vec<IpNet>);

/// One `--trusted-proxy` value: an address or a CIDR network.
pub fn parse_trusted_proxy(s: &str) -> Result<IpNet, String> {
    let s = s.trim();
    IpNet::from_str(s)
        .or_else(|_| IpAddr::from_str(s).map(IpNet::from))
        .map_err(|_| format!("'{s}' is neither an IP address nor a CIDR network"))
}

impl TrustedProxies {
    pub fn new(networks: Vec<IpNet>) -> Self {
        TrustedProxies(networks)
    }

    pub fn trusts(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        self.0.iter().any(|net| net.contains(&ip))
    }

    /// The client's address. Each proxy appends the address it was reached from to
    /// `X-Forwarded-For`, so walking it from the right while the hop is a trusted proxy ends at
    /// the first address that no proxy of ours vouches for: whatever a client wrote further left
    /// is ignored (it could be anything). The peer itself when it is not a trusted proxy.
    pub fn client_ip(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        let mut client = peer.to_canonical();
        if !self.trusts(client) {
            return client;
        }
        let hops: Vec<&str> = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .collect();
        for hop in hops.into_iter().rev() {
            let Some(ip) = parse_hop(hop) else {
                // Garbage from a hop we trust: stop at the proxy that passed it on.
                return client;
            };
            client = ip.to_canonical();
            if !self.trusts(client) {
                return client;
            }
        }
        client
    }

    /// Whether the client reached the first proxy over https: `X-Forwarded-Proto`, believed only
    /// from a trusted proxy.
    pub fn forwarded_https(&self, peer: IpAddr, headers: &HeaderMap) -> bool {
        self.trusts(peer)
            && headers
                .get("x-forwarded-proto")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.split(',').next())
                .is_some_and(|proto| proto.trim().eq_ignore_ascii_case("https"))
    }
}

/// `1.2.3.4`, `1.2.3.4:5678`, `2001:db8::1` or `[2001:db8::1]:5678`.
fn parse_hop(hop: &str) -> Option<IpAddr> {
    let hop = hop.trim();
    IpAddr::from_str(hop)
        .ok()
        .or_else(|| std::net::SocketAddr::from_str(hop).ok().map(|s| s.ip()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn proxies(list: &[&str]) -> TrustedProxies {
        TrustedProxies::new(
            list.iter()
                .map(|s| parse_trusted_proxy(s).unwrap())
                .collect(),
        )
    }

    fn xff(value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert("x-forwarded-for", value.parse().unwrap());
        h
    }

    #[test]
    fn the_right_most_untrusted_hop_is_the_client() {
        let p = proxies(&["10.0.0.0/8", "192.0.2.1"]);
        let ip = |s: &str| IpAddr::from_str(s).unwrap();
        // A client that forges the left part gains nothing.
        let h = xff("6.6.6.6, 203.0.113.9, 10.1.1.1");
        assert_eq!(p.client_ip(ip("192.0.2.1"), &h), ip("203.0.113.9"));
        // Not from a trusted proxy: the header is ignored.
        assert_eq!(p.client_ip(ip("198.51.100.4"), &h), ip("198.51.100.4"));
        // Every hop trusted: the left-most.
        assert_eq!(
            p.client_ip(ip("10.0.0.1"), &xff("10.2.2.2, 10.3.3.3")),
            ip("10.2.2.2")
        );
        // Garbage stops the walk at the proxy that passed it on.
        assert_eq!(
            p.client_ip(ip("10.0.0.1"), &xff("203.0.113.9, bogus")),
            ip("10.0.0.1")
        );
        assert_eq!(
            p.client_ip(ip("10.0.0.1"), &xff("[2001:db8::1]:443")),
            ip("2001:db8::1")
        );
        // No header from a trusted proxy: the proxy itself.
        assert_eq!(
            p.client_ip(ip("10.0.0.1"), &HeaderMap::new()),
            ip("10.0.0.1")
        );
        // An IPv4 peer seen on an IPv6 socket is still the trusted IPv4 proxy.
        assert_eq!(p.client_ip(ip("::ffff:10.0.0.1"), &h), ip("203.0.113.9"));
    }

    #[test]
    fn host_names_lose_their_port() {
        assert_eq!(host_name("console.example:8080"), "console.example");
        assert_eq!(host_name("console.example"), "console.example");
        assert_eq!(host_name("[::1]:8080"), "[::1]");
        assert_eq!(host_name("[::1]"), "[::1]");
    }

    #[test]
    fn proxy_values_are_addresses_or_networks() {
        assert!(parse_trusted_proxy("127.0.0.1").is_ok());
        assert!(parse_trusted_proxy("fd00::/8").is_ok());
        assert!(parse_trusted_proxy("example.com").is_err());
        assert!(parse_trusted_proxy("10.0.0.0/33").is_err());
    }
}
