//! Who a request comes from, for throttling.
//!
//! The address is the one API Gateway saw (the TCP peer for the local
//! server), never `X-Forwarded-For` or any other header a client can set.
//! Behind the CDN API Gateway sees the CDN, so there (and only on requests
//! that proved they came through it, [`ViaCdn`]) the address is the one the
//! CDN saw, from its `CloudFront-Viewer-Address` header, which it sets
//! itself and never passes on from the client.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use lambda_http::request::RequestContext;
use lambda_http::{Request, RequestExt};

/// A client for throttling purposes: an IPv4 address, or the /64 an IPv6
/// address belongs to.
///
/// One IPv6 subscriber is usually handed a whole /64 (often more), and can
/// pick a fresh address in it for every request; counting per /128 would let
/// one client rotate through 2^64 addresses and never meet a limit. A /64 is
/// what one customer line gets, so it is the smallest block that means "one
/// client". IPv4-mapped IPv6 addresses (`::ffff:a.b.c.d`) count as the IPv4
/// address they carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ClientAddress {
    V4(Ipv4Addr),
    /// The first 64 bits of the address; the rest are zero.
    V6Net(Ipv6Addr),
}

impl ClientAddress {
    /// The client an address belongs to.
    pub fn of(ip: IpAddr) -> ClientAddress {
        match ip {
            IpAddr::V4(v4) => ClientAddress::V4(v4),
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => ClientAddress::V4(v4),
                None => {
                    let net = u128::from(v6) & !((1u128 << 64) - 1);
                    ClientAddress::V6Net(Ipv6Addr::from(net))
                }
            },
        }
    }

    /// Parses an address as API Gateway reports it (`sourceIp`).
    pub fn parse(raw: &str) -> Option<ClientAddress> {
        raw.trim().parse::<IpAddr>().ok().map(ClientAddress::of)
    }
}

/// `198.51.100.7` or `2001:db8:1:2::/64`: the form rate-limit keys use.
impl fmt::Display for ClientAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClientAddress::V4(v4) => write!(f, "{v4}"),
            ClientAddress::V6Net(net) => write!(f, "{net}/64"),
        }
    }
}

/// Marks a request that carried the CDN's origin secret (set by the edge).
/// Only then is `CloudFront-Viewer-Address` the CDN's word rather than a
/// header anyone could send.
#[derive(Debug, Clone, Copy)]
pub struct ViaCdn;

/// The header in which CloudFront gives the viewer's address and port
/// (`198.51.100.10:46532`, `2001:db8::1:46532`).
pub const VIEWER_ADDRESS_HEADER: &str = "cloudfront-viewer-address";

/// The client behind a request: the viewer the CDN saw, on a request that
/// came through it ([`ViaCdn`]); else the peer API Gateway saw (the TCP peer
/// for the local server). `None` when neither is usable (a direct invoke);
/// per-address limits then do not apply, the others do.
pub fn client_address(req: &Request) -> Option<ClientAddress> {
    if req.extensions().get::<ViaCdn>().is_some() {
        let viewer = req.headers().get(VIEWER_ADDRESS_HEADER).and_then(|v| v.to_str().ok());
        if let Some(address) = viewer.and_then(parse_viewer_address) {
            return Some(address);
        }
    }
    let raw = match req.request_context_ref()? {
        RequestContext::ApiGatewayV2(ctx) => ctx.http.source_ip.as_deref(),
        RequestContext::ApiGatewayV1(ctx) => ctx.identity.source_ip.as_deref(),
        _ => None,
    }?;
    ClientAddress::parse(raw)
}

/// `IP:port` as CloudFront writes it: the port is after the last `:` (an
/// IPv6 address has colons of its own, and may come bracketed).
fn parse_viewer_address(raw: &str) -> Option<ClientAddress> {
    let (ip, port) = raw.trim().rsplit_once(':')?;
    port.parse::<u16>().ok()?;
    let ip = ip.strip_prefix('[').and_then(|i| i.strip_suffix(']')).unwrap_or(ip);
    ClientAddress::parse(ip)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(raw: &str) -> String {
        ClientAddress::parse(raw).map(|a| a.to_string()).unwrap_or_default()
    }

    #[test]
    fn ipv4_is_the_whole_address() {
        assert_eq!(key("198.51.100.7"), "198.51.100.7");
        assert_ne!(key("198.51.100.7"), key("198.51.100.8"));
        assert_eq!(key("::ffff:198.51.100.7"), "198.51.100.7", "mapped IPv6 is the IPv4 client");
    }

    #[test]
    fn ipv6_counts_per_64() {
        assert_eq!(key("2001:db8:1:2:aaaa:bbbb:cccc:dddd"), "2001:db8:1:2::/64");
        assert_eq!(key("2001:db8:1:2::1"), key("2001:db8:1:2:ffff:ffff:ffff:ffff"), "one /64, one client");
        assert_ne!(key("2001:db8:1:2::1"), key("2001:db8:1:3::1"), "the next /64 is another client");
        assert_eq!(key("::1"), "::/64");
    }

    #[test]
    fn junk_is_no_address() {
        for bad in ["", "not an ip", "198.51.100.7:443", "2001:db8::/64", "1.2.3"] {
            assert_eq!(ClientAddress::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn the_viewer_address_counts_only_on_requests_through_the_cdn() {
        for (raw, want) in [
            ("198.51.100.10:46532", Some("198.51.100.10")),
            ("2001:db8:1:2::1:46532", Some("2001:db8:1:2::/64")),
            ("[2001:db8:1:2::1]:443", Some("2001:db8:1:2::/64")),
            ("198.51.100.10", None),
            ("junk:1", None),
            ("198.51.100.10:port", None),
        ] {
            assert_eq!(parse_viewer_address(raw).map(|a| a.to_string()).as_deref(), want, "{raw}");
        }
        let mut req = Request::default();
        req.headers_mut().insert(VIEWER_ADDRESS_HEADER, "203.0.113.9:1234".parse().unwrap());
        assert_eq!(client_address(&req), None, "a header anyone can send is not believed");
        req.extensions_mut().insert(ViaCdn);
        assert_eq!(client_address(&req).map(|a| a.to_string()).as_deref(), Some("203.0.113.9"));
    }
}
