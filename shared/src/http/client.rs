//! Who a request comes from, for throttling.
//!
//! The address is the one API Gateway saw (the TCP peer for the local
//! server), never `X-Forwarded-For` or any other header a client can set.
//! A CDN in front would change that; this module is the one place to teach.

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

/// The client behind a request, as API Gateway saw it (the TCP peer for the
/// local server). `None` when the event carries no usable source address
/// (a direct invoke); per-address limits then do not apply, the others do.
pub fn client_address(req: &Request) -> Option<ClientAddress> {
    let raw = match req.request_context_ref()? {
        RequestContext::ApiGatewayV2(ctx) => ctx.http.source_ip.as_deref(),
        RequestContext::ApiGatewayV1(ctx) => ctx.identity.source_ip.as_deref(),
        _ => None,
    }?;
    ClientAddress::parse(raw)
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
}
