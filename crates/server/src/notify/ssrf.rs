//! Which webhook URLs the server may call: `https://` only, and never an address inside the
//! provider's or the server's own network (loopback, private, link-local, unspecified, the cloud
//! metadata services), unless the server runs with `--webhook-allow-private`.
//!
//! The address is checked where it is connected to: the HTTP client resolves names through
//! [`FilteringResolver`], which drops every refused address, so a name that resolved to a public
//! address when the endpoint was created cannot later steer a delivery inside (DNS rebinding).

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use reqwest::Url;

/// Why a URL is refused, for the 422's message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused(pub String);

/// Whether an address is one no webhook may reach.
pub fn is_internal(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_internal_v4(v4),
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_internal_v4(v4);
            }
            let s = v6.segments();
            // NAT64 (64:ff9b::/96) reaches the IPv4 address in its last 32 bits.
            if s[0] == 0x64 && s[1] == 0xff9b && s[2..6] == [0, 0, 0, 0] {
                let [a, b] = s[6].to_be_bytes();
                let [c, d] = s[7].to_be_bytes();
                return is_internal_v4(Ipv4Addr::new(a, b, c, d));
            }
            // Transition ranges reach IPv4 (or a local network) through a relay the server
            // does not control, so none is a webhook's address: 6to4 (2002::/16), Teredo
            // (2001::/32) and local-use NAT64 (64:ff9b:1::/48).
            if s[0] == 0x2002
                || (s[0] == 0x2001 && s[1] == 0)
                || (s[0] == 0x64 && s[1] == 0xff9b && s[2] == 1)
            {
                return true;
            }
            v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (s[0] & 0xfe00) == 0xfc00 // unique local, also AWS's metadata fd00:ec2::254
                || (s[0] & 0xffc0) == 0xfe80 // link-local
                || (s[0] & 0xffc0) == 0xfec0 // site-local (deprecated, still routed inside)
                || (s[0] == 0 && s[1..6] == [0, 0, 0, 0, 0]) // IPv4-compatible ::a.b.c.d
        }
    }
}

fn is_internal_v4(ip: Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local() // 169.254/16: also the metadata service 169.254.169.254
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_multicast()
        || a == 0 // "this network"
        || (a == 100 && (64..128).contains(&b)) // shared address space, also 100.100.100.200 (metadata)
        || (a == 192 && b == 0 && ip.octets()[2] == 0) // IETF protocol assignments
        || (a == 198 && (b == 18 || b == 19)) // benchmarking
        || a >= 240 // reserved
}

/// Checks a URL as given: scheme and, for a literal address, the address. Names are checked by
/// [`check_resolved`] when the endpoint is created and by the resolver on every delivery.
pub fn check_url(raw: &str, allow_private: bool) -> Result<Url, Refused> {
    let url = Url::parse(raw).map_err(|e| Refused(format!("'{raw}' is not a URL: {e}")))?;
    match url.scheme() {
        "https" => {}
        "http" if allow_private => {}
        _ => return Err(Refused("The URL must start with https://.".into())),
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Refused(
            "The URL must not carry a user name or password; the signature authenticates the sender."
                .into(),
        ));
    }
    let Some(host) = url.host() else {
        return Err(Refused("The URL has no host.".into()));
    };
    if allow_private {
        return Ok(url);
    }
    let literal = match host {
        url::Host::Ipv4(v4) => Some(IpAddr::V4(v4)),
        url::Host::Ipv6(v6) => Some(IpAddr::V6(v6)),
        url::Host::Domain(d) => d.parse::<IpAddr>().ok(),
    };
    if literal.is_some_and(is_internal) {
        return Err(internal_address());
    }
    Ok(url)
}

/// Says why without naming the address: an answer that quoted what a name resolved to would
/// let any operator map the provider's internal DNS (issue 25, finding 2).
fn internal_address() -> Refused {
    Refused(
        "The URL's host is or resolves to an address inside a private network (loopback, private, \
         link-local, unspecified, metadata or an IPv6 transition range); webhooks reach only public addresses."
            .into(),
    )
}

/// At creation: a name that resolves to an internal address is refused at once (the resolver
/// would refuse every delivery anyway). A name that does not resolve now is accepted: its
/// deliveries fail, and are recorded, until it does.
pub async fn check_resolved(url: &Url, allow_private: bool) -> Result<(), Refused> {
    if allow_private {
        return Ok(());
    }
    let Some(url::Host::Domain(name)) = url.host() else {
        return Ok(());
    };
    let port = url.port_or_known_default().unwrap_or(443);
    // A resolver that does not answer must not hold the request: the dispatcher checks again.
    let lookup = tokio::time::timeout(
        Duration::from_secs(3),
        tokio::net::lookup_host((name, port)),
    );
    if let Ok(Ok(addrs)) = lookup.await {
        if addrs.into_iter().any(|a| is_internal(a.ip())) {
            return Err(internal_address());
        }
    }
    Ok(())
}

/// Resolves names with the system resolver and keeps only the addresses a webhook may reach.
struct FilteringResolver;

impl Resolve for FilteringResolver {
    fn resolve(&self, name: Name) -> Resolving {
        Box::pin(async move {
            let host = name.as_str().to_owned();
            let all: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let allowed: Vec<SocketAddr> =
                all.into_iter().filter(|a| !is_internal(a.ip())).collect();
            if allowed.is_empty() {
                return Err(format!(
                    "{host} resolves only to loopback, private, link-local, unspecified or metadata addresses"
                )
                .into());
            }
            Ok(Box::new(allowed.into_iter()) as Addrs)
        })
    }
}

/// The client deliveries are sent with: rustls, 10 s for the whole attempt, no redirects, no
/// proxy from the environment (a proxy would connect on our behalf to an address we never
/// checked), and, unless private addresses are allowed, the filtering resolver.
pub fn client(allow_private: bool) -> reqwest::Client {
    let mut builder = reqwest::Client::builder()
        .use_rustls_tls()
        .timeout(Duration::from_secs(10))
        .connect_timeout(Duration::from_secs(5))
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .user_agent(concat!("vpn-console-webhooks/", env!("CARGO_PKG_VERSION")))
        .pool_max_idle_per_host(8);
    if !allow_private {
        builder = builder.dns_resolver(Arc::new(FilteringResolver));
    }
    builder.build().expect("the webhook client builds")
}

/// The client for the operator's own addresses (the PagerDuty Events API base): as
/// [`client`], without the filtering resolver (DESIGN.md 15: the SSRF guard is for targets
/// that accounts choose).
pub fn operator_client() -> reqwest::Client {
    reqwest::Client::builder()
        .use_rustls_tls()
        .timeout(Duration::from_secs(10))
        .connect_timeout(Duration::from_secs(5))
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .user_agent(concat!("vpn-console-channels/", env!("CARGO_PKG_VERSION")))
        .build()
        .expect("the channel client builds")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_addresses_are_refused() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.100.100.200",
            "0.0.0.0",
            "::1",
            "::",
            "fe80::1",
            "fd00:ec2::254",
            "::ffff:127.0.0.1",
            "64:ff9b::a00:1",
            // 6to4 of 127.0.0.1 and of 8.8.8.8: the relay is not ours either way.
            "2002:7f00:1::1",
            "2002:808:808::1",
            "2001:0:4136:e378:8000:63bf:3fff:fdd2",
            "64:ff9b:1::a00:1",
            "64:ff9b:1::808:808",
        ] {
            assert!(is_internal(ip.parse().unwrap()), "{ip}");
        }
        for ip in [
            "8.8.8.8",
            "1.1.1.1",
            "2606:4700:4700::1111",
            "64:ff9b::808:808",
            "2001:4860:4860::8888",
            "2001:db8:1::1",
        ] {
            assert!(!is_internal(ip.parse().unwrap()), "{ip}");
        }
    }

    #[test]
    fn only_https_to_public_hosts_unless_allowed() {
        assert!(check_url("https://hooks.example.com/x", false).is_ok());
        assert!(check_url("http://hooks.example.com/x", false).is_err());
        assert!(check_url("https://127.0.0.1/x", false).is_err());
        assert!(check_url("https://[::1]:8443/x", false).is_err());
        assert!(check_url("https://169.254.169.254/latest", false).is_err());
        assert!(check_url("https://user:pw@hooks.example.com/", false).is_err());
        assert!(check_url("ftp://hooks.example.com/", true).is_err());
        assert!(check_url("http://127.0.0.1:9/x", true).is_ok());
        let Refused(why) = check_url("https://[::ffff:10.1.2.3]/x", false).unwrap_err();
        assert!(
            !why.contains("10.1.2.3") && !why.contains("::ffff"),
            "{why}"
        );
    }

    #[tokio::test]
    async fn a_name_resolving_inside_is_refused() {
        let url = check_url("https://localhost:8443/hook", false).unwrap();
        let Refused(why) = check_resolved(&url, false).await.unwrap_err();
        assert!(!why.contains("127.0.0.1") && !why.contains("::1"), "{why}");
        assert!(check_resolved(&url, true).await.is_ok());
        // And the resolver refuses it on delivery, whatever was checked before.
        let err = client(false).get(url).send().await.unwrap_err();
        assert!(format!("{err:?}").contains("resolves only"), "{err:?}");
    }
}
