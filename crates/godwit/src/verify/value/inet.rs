//! `inet`/`cidr` values: address family, address bytes and prefix length. PostgreSQL and
//! CockroachDB omit `/32` (IPv4) and `/128` (IPv6) for host addresses; `cidr` always prints
//! the prefix. Both spellings of one address and prefix are the same value here.

use std::net::{Ipv4Addr, Ipv6Addr};

/// Appends the canonical form: 4 or 6, the address bytes, the prefix length.
pub(super) fn canonical(text: &[u8], out: &mut Vec<u8>) -> Result<(), &'static str> {
    let text = std::str::from_utf8(text.trim_ascii()).map_err(|_| "not UTF-8")?;
    let (addr, prefix) = match text.split_once('/') {
        Some((addr, prefix)) => (addr, Some(prefix)),
        None => (text, None),
    };
    let (family, bytes, max): (u8, Vec<u8>, u8) = if addr.contains(':') {
        let ip: Ipv6Addr = addr.parse().map_err(|_| "bad IPv6 address")?;
        (6, ip.octets().to_vec(), 128)
    } else {
        let ip: Ipv4Addr = addr.parse().map_err(|_| "bad IPv4 address")?;
        (4, ip.octets().to_vec(), 32)
    };
    let prefix = match prefix {
        None => max,
        Some(p) if !p.is_empty() && p.len() <= 3 && p.bytes().all(|c| c.is_ascii_digit()) => {
            p.parse::<u8>().map_err(|_| "bad prefix length")?
        }
        Some(_) => return Err("bad prefix length"),
    };
    if prefix > max {
        return Err("prefix length out of range");
    }
    out.push(family);
    out.extend_from_slice(&bytes);
    out.push(prefix);
    Ok(())
}
