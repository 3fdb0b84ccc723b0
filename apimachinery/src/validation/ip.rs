//! IP addresses and CIDR values as `pkg/util/validation/ip.go` checks them: a lenient parse
//! (Kubernetes' fork of Go's old `net.ParseIP`, which reads `010.1.2.3` as `10.1.2.3`), then the
//! strict rules of Go's `netip` (no leading zeros, no IPv4-mapped IPv6, no bits beyond the
//! prefix) and, for new fields, the canonical form.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

const IP_FORMAT_MSG: &str = "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)";
const CIDR_FORMAT_MSG: &str = "must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)";

/// Go's old decimal reading of an IPv4 octet or a prefix length: any number of digits, at
/// most 255.
fn sloppy_octet(s: &str) -> Option<u8> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let digits = s.trim_start_matches('0');
    if digits.len() > 3 {
        return None;
    }
    digits.parse::<u16>().map_or(Some(0), |n| u8::try_from(n).ok())
}

fn sloppy_v4(s: &str) -> Option<Ipv4Addr> {
    let parts: Vec<&str> = s.split('.').collect();
    if parts.len() != 4 {
        return None;
    }
    let mut octets = [0u8; 4];
    for (o, p) in octets.iter_mut().zip(&parts) {
        *o = sloppy_octet(p)?;
    }
    Some(Ipv4Addr::from(octets))
}

/// `netutils.ParseIPSloppy`: an IP address in the lenient form the legacy fields accept.
/// Zones (`%eth0`) are not accepted.
pub fn parse_ip_sloppy(value: &str) -> Option<IpAddr> {
    if let Ok(ip) = value.parse::<IpAddr>() {
        return Some(ip);
    }
    if !value.contains(':') {
        return sloppy_v4(value).map(IpAddr::V4);
    }
    // Rewrite the groups Go's old parser reads but Rust's does not (leading zeros), then read
    // the result strictly.
    let mut groups: Vec<String> = Vec::new();
    let parts: Vec<&str> = value.split(':').collect();
    for (i, g) in parts.iter().enumerate() {
        if i == parts.len() - 1 && g.contains('.') {
            groups.push(sloppy_v4(g)?.to_string());
        } else if g.is_empty() {
            groups.push(String::new());
        } else {
            if !g.bytes().all(|b| b.is_ascii_hexdigit()) {
                return None;
            }
            let trimmed = g.trim_start_matches('0');
            groups.push(if trimmed.is_empty() { "0".into() } else { trimmed.to_string() });
        }
    }
    groups.join(":").parse::<Ipv6Addr>().ok().map(IpAddr::V6)
}

fn is_4in6(ip: &IpAddr) -> bool {
    matches!(ip, IpAddr::V6(v6) if v6.to_ipv4_mapped().is_some())
}

/// The problems a strict reading finds in an address the lenient one accepted.
fn strict_ip_problems(value: &str, ip: &IpAddr) -> Vec<String> {
    let mut errs = Vec::new();
    if value.parse::<IpAddr>().is_err() {
        errs.push("must not have leading 0s".to_string());
    }
    if is_4in6(ip) {
        errs.push("must not be an IPv4-mapped IPv6 address".to_string());
    }
    errs
}

/// How Go prints a parsed `net.IP`: dotted quad for IPv4 (and IPv4-mapped IPv6), RFC 5952
/// otherwise.
fn go_ip_string(ip: &IpAddr) -> String {
    match ip {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => v6.to_string(),
        },
        IpAddr::V4(v4) => v4.to_string(),
    }
}

/// `IsValidIP`: a valid IP address by current standards (strict and in canonical form).
pub fn is_valid_ip(value: &str) -> Vec<String> {
    let Some(ip) = parse_ip_sloppy(value) else { return vec![IP_FORMAT_MSG.to_string()] };
    let errs = strict_ip_problems(value, &ip);
    if !errs.is_empty() {
        return errs;
    }
    let canonical = go_ip_string(&ip);
    if value != canonical {
        return vec![format!("must be in canonical form ({})", crate::gofmt::quote(&canonical))];
    }
    Vec::new()
}

/// `netutils.ParseCIDRSloppy`: the network address (bits past the prefix cleared) and the
/// prefix length of a CIDR value in the lenient form.
pub fn parse_cidr_sloppy(value: &str) -> Option<(IpAddr, u8)> {
    let (addr, bits) = value.split_once('/')?;
    let ip = if addr.contains(':') {
        IpAddr::V6(match parse_ip_sloppy(addr)? {
            IpAddr::V6(v6) => v6,
            IpAddr::V4(_) => return None,
        })
    } else {
        IpAddr::V4(sloppy_v4(addr)?)
    };
    let max = if ip.is_ipv4() { 32 } else { 128 };
    let prefix = u32::from(sloppy_octet(bits)?);
    if prefix > max {
        return None;
    }
    let masked = match ip {
        IpAddr::V4(v4) => {
            let mask = if prefix == 0 { 0 } else { u32::MAX << (32 - prefix) };
            IpAddr::V4(Ipv4Addr::from(u32::from(v4) & mask))
        }
        IpAddr::V6(v6) => {
            let mask = if prefix == 0 { 0 } else { u128::MAX << (128 - prefix) };
            IpAddr::V6(Ipv6Addr::from(u128::from(v6) & mask))
        }
    };
    Some((masked, prefix as u8))
}

/// `IsValidCIDR`: a valid subnet by current standards (strict, no bits beyond the prefix, in
/// canonical form).
pub fn is_valid_cidr(value: &str) -> Vec<String> {
    let Some((network, prefix)) = parse_cidr_sloppy(value) else {
        return vec![CIDR_FORMAT_MSG.to_string()];
    };
    let (addr, bits) = value.split_once('/').unwrap_or((value, ""));
    let strict_ip = addr.parse::<IpAddr>().ok();
    let strict_bits = bits == "0" || !bits.starts_with('0');
    let problem = match strict_ip {
        Some(_) if !strict_bits => Some("must not have leading 0s in IP or prefix length"),
        None => Some("must not have leading 0s in IP or prefix length"),
        Some(ip) if is_4in6(&ip) => Some("must not have an IPv4-mapped IPv6 address"),
        Some(ip) if ip != network => Some("must not have bits set beyond the prefix length"),
        Some(_) => None,
    };
    if let Some(p) = problem {
        return vec![p.to_string()];
    }
    let canonical = format!("{}/{prefix}", go_ip_string(&network));
    if value != canonical {
        return vec![format!("must be in canonical form ({})", crate::gofmt::quote(&canonical))];
    }
    Vec::new()
}

/// Whether a CIDR value (read leniently) is IPv4 (`Some(true)`), IPv6 (`Some(false)`) or
/// unreadable (`None`), as `netutils.IPFamilyOfCIDRString` tells them apart (an IPv4-mapped
/// network counts as IPv4).
pub fn cidr_is_ipv4(value: &str) -> Option<bool> {
    parse_cidr_sloppy(value).map(|(ip, _)| match ip {
        IpAddr::V4(_) => true,
        IpAddr::V6(v6) => v6.to_ipv4_mapped().is_some(),
    })
}
