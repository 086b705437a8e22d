//! The precise v1 parser: every incomplete input and every error, with its exact offset and
//! reason, and whatever the fast path declined.
#![forbid(unsafe_code)]

use core::net::{Ipv4Addr, Ipv6Addr, SocketAddrV4, SocketAddrV6};
use core::num::NonZeroUsize;

use super::header::{Header, V1_MAX_LEN, V1_MIN_LEN, V1_PREFIX};
use crate::error::{Endpoint, ParseError};
use crate::status::Status;

/// The precise parser: every incomplete input and every error, with its exact offset and
/// reason, and whatever the fast path declined.
#[cold]
#[inline(never)]
pub(crate) fn parse(buf: &[u8]) -> Result<Status<Header>, ParseError> {
    if buf.len() < V1_PREFIX.len() || buf[..V1_PREFIX.len()] != *V1_PREFIX {
        check_prefix(buf)?;
    }
    // A valid line ends within V1_MAX_LEN bytes, so parse only that window: running out of
    // it with a full window means the line is too long. Its last byte counts only after a CR
    // (it can only be the LF of the CRLF): otherwise the line is already too long at 106
    // bytes, and every longer input must say so too.
    let mut window = buf.get(..V1_MAX_LEN).unwrap_or(buf);
    if window.len() == V1_MAX_LEN && window[V1_MAX_LEN - 2] != b'\r' {
        window = &window[..V1_MAX_LEN - 1];
    }
    match line(window) {
        Ok((header, consumed)) => Ok(Status::Complete { header, consumed }),
        Err(Fail::Invalid(e)) => Err(e),
        Err(Fail::More) => {
            // Lower bound: the shortest line, and a CRLF (just an LF after a final CR).
            let crlf = if buf.last() == Some(&b'\r') { 1 } else { 2 };
            if buf.len() + crlf > V1_MAX_LEN {
                // The CRLF cannot fit within 107 bytes any more.
                return Err(ParseError::V1TooLong);
            }
            let needed = V1_MIN_LEN.saturating_sub(buf.len()).max(crlf);
            Ok(Status::Incomplete {
                needed: NonZeroUsize::new(needed).unwrap_or(NonZeroUsize::MIN),
            })
        }
    }
}

/// `buf` is shorter than the prefix or differs from it: incomplete while it is a prefix of
/// `PROXY `, else the precise error.
#[cold]
fn check_prefix(buf: &[u8]) -> Result<(), ParseError> {
    for (offset, (&byte, &want)) in buf.iter().zip(V1_PREFIX.iter()).enumerate() {
        if byte != want {
            return Err(if offset < 5 {
                ParseError::NotProxyHeader { offset, byte }
            } else {
                ParseError::InvalidV1 {
                    offset,
                    reason: "expected a space after \"PROXY\"",
                }
            });
        }
    }
    Ok(())
}

/// Why [`line`] stopped: the window ended (more bytes may make it valid), or it is invalid.
pub(crate) enum Fail {
    More,
    Invalid(ParseError),
}

impl From<ParseError> for Fail {
    #[inline]
    fn from(e: ParseError) -> Self {
        Fail::Invalid(e)
    }
}

type Step<T> = Result<T, Fail>;

#[inline(always)]
fn at(b: &[u8], i: usize) -> Step<u8> {
    match b.get(i) {
        Some(&c) => Ok(c),
        None => Err(Fail::More),
    }
}

const fn invalid(offset: usize, reason: &'static str) -> Fail {
    Fail::Invalid(ParseError::InvalidV1 { offset, reason })
}

/// Parses the line after the `PROXY ` prefix (which the caller checked, when complete).
#[inline]
fn line(b: &[u8]) -> Step<(Header, usize)> {
    let rest = b.get(6..).unwrap_or(&[]);
    if rest.starts_with(b"TCP4 ") {
        let (src, i) = ipv4(b, 11, Endpoint::Source)?;
        let i = after_address(b, i, Endpoint::Source, 11)?;
        let (dst, j) = ipv4(b, i, Endpoint::Destination)?;
        let j = after_address(b, j, Endpoint::Destination, i)?;
        let (sport, dport, end) = ports(b, j)?;
        Ok((
            Header::Tcp4 {
                src: SocketAddrV4::new(src, sport),
                dst: SocketAddrV4::new(dst, dport),
            },
            end,
        ))
    } else if rest.starts_with(b"TCP6 ") {
        let (src, i) = ipv6(b, 11, Endpoint::Source)?;
        let i = after_address(b, i, Endpoint::Source, 11)?;
        let (dst, j) = ipv6(b, i, Endpoint::Destination)?;
        let j = after_address(b, j, Endpoint::Destination, i)?;
        let (sport, dport, end) = ports(b, j)?;
        Ok((
            Header::Tcp6 {
                src: SocketAddrV6::new(src, sport, 0, 0),
                dst: SocketAddrV6::new(dst, dport, 0, 0),
            },
            end,
        ))
    } else if rest.starts_with(b"UNKNOWN") {
        unknown(b, 13).map(|end| (Header::Unknown, end))
    } else if rest.len() < 7
        && (b"TCP4 ".starts_with(rest)
            || b"TCP6 ".starts_with(rest)
            || b"UNKNOWN".starts_with(rest))
    {
        Err(Fail::More)
    } else {
        Err(invalid(
            6,
            "unknown protocol, expected \"TCP4 \", \"TCP6 \" or \"UNKNOWN\"",
        ))
    }
}

/// After `UNKNOWN`: CRLF, or a space and anything without a lone CR or LF up to CRLF.
fn unknown(b: &[u8], i: usize) -> Step<usize> {
    match at(b, i)? {
        b'\r' => crlf_tail(b, i),
        b' ' => {
            let mut j = i + 1;
            loop {
                match at(b, j)? {
                    b'\r' => return crlf_tail(b, j),
                    b'\n' => return Err(invalid(j, "LF without CR")),
                    _ => j += 1,
                }
            }
        }
        _ => Err(invalid(i, "expected a space or CRLF after \"UNKNOWN\"")),
    }
}

/// `b[i]` is CR: the line ends at `i + 2` if an LF follows.
#[inline(always)]
fn crlf_tail(b: &[u8], i: usize) -> Step<usize> {
    if at(b, i + 1)? == b'\n' {
        Ok(i + 2)
    } else {
        Err(invalid(i, "CR without LF"))
    }
}

/// Checks the byte after an address token: one space.
#[inline(always)]
fn after_address(b: &[u8], i: usize, field: Endpoint, start: usize) -> Step<usize> {
    match at(b, i)? {
        b' ' => Ok(i + 1),
        b'\r' | b'\n' | b'\t' => Err(invalid(i, "expected a space after the address")),
        _ => Err(Fail::Invalid(ParseError::BadAddress {
            field,
            offset: start,
        })),
    }
}

/// Dotted-quad IPv4: four decimal octets 0..=255, no heading zeros.
#[inline(always)]
fn ipv4(b: &[u8], start: usize, field: Endpoint) -> Step<(Ipv4Addr, usize)> {
    let bad = || {
        Fail::Invalid(ParseError::BadAddress {
            field,
            offset: start,
        })
    };
    empty_field(b, start)?;
    let mut i = start;
    let mut addr = 0u32;
    for k in 0..4 {
        let s = i;
        let first = at(b, i)?;
        let mut v = u32::from(first.wrapping_sub(b'0'));
        if v > 9 {
            return Err(bad());
        }
        i += 1;
        loop {
            let d = u32::from(at(b, i)?.wrapping_sub(b'0'));
            if d > 9 {
                break;
            }
            if i - s == 3 || v == 0 {
                // a fourth digit, or a digit after a heading zero
                return Err(bad());
            }
            v = v * 10 + d;
            i += 1;
        }
        if v > 255 {
            return Err(bad());
        }
        addr = (addr << 8) | v;
        if k < 3 {
            if at(b, i)? != b'.' {
                return Err(bad());
            }
            i += 1;
        }
    }
    Ok((Ipv4Addr::from_bits(addr), i))
}

/// Rejects an empty token (a second space, or the end of the line) as a structural error.
#[inline(always)]
fn empty_field(b: &[u8], i: usize) -> Step<()> {
    match at(b, i)? {
        b' ' | b'\t' => Err(invalid(i, "empty field (extra whitespace)")),
        b'\r' | b'\n' => Err(invalid(i, "missing field")),
        _ => Ok(()),
    }
}

#[inline(always)]
fn hex_val(c: u8) -> Option<u16> {
    match c {
        b'0'..=b'9' => Some(u16::from(c - b'0')),
        b'a'..=b'f' => Some(u16::from(c - b'a' + 10)),
        b'A'..=b'F' => Some(u16::from(c - b'A' + 10)),
        _ => None,
    }
}

/// RFC 4291 IPv6 text: up to 8 groups of 1..4 hex digits, at most one `::`, optionally a
/// dotted IPv4 tail as the last 32 bits. Ends at the first byte that cannot continue it.
fn ipv6(b: &[u8], start: usize, field: Endpoint) -> Step<(Ipv6Addr, usize)> {
    let bad = || {
        Fail::Invalid(ParseError::BadAddress {
            field,
            offset: start,
        })
    };
    empty_field(b, start)?;
    let mut groups = [0u16; 8];
    let mut n = 0usize; // groups written
    let mut gap: Option<usize> = None; // index in `groups` where `::` stands
    let mut i = start;
    if at(b, i)? == b':' {
        if at(b, i + 1)? != b':' {
            return Err(bad());
        }
        gap = Some(0);
        i += 2;
        if !is_hex(at(b, i)?) {
            return finish_v6(groups, n, gap, i).ok_or_else(bad);
        }
    }
    loop {
        // one group
        let s = i;
        let mut v = 0u16;
        loop {
            let c = at(b, i)?;
            let Some(h) = hex_val(c) else { break };
            if i - s == 4 {
                return Err(bad());
            }
            v = (v << 4) | h;
            i += 1;
        }
        if i == s {
            return Err(bad());
        }
        match at(b, i)? {
            b'.' => {
                // dotted IPv4 tail: re-read this group as the first octet
                if n > 6 || (gap.is_none() && n != 6) {
                    return Err(bad());
                }
                let (v4, end) = ipv4_tail(b, s).ok_or_else(bad)??;
                let bits = v4.to_bits();
                groups[n] = (bits >> 16) as u16;
                groups[n + 1] = bits as u16;
                n += 2;
                i = end;
                break;
            }
            b':' => {
                if n == 7 {
                    return Err(bad());
                }
                groups[n] = v;
                n += 1;
                i += 1;
                if at(b, i)? == b':' {
                    if gap.is_some() {
                        return Err(bad());
                    }
                    gap = Some(n);
                    i += 1;
                    if !is_hex(at(b, i)?) {
                        break;
                    }
                }
            }
            _ => {
                groups[n] = v;
                n += 1;
                break;
            }
        }
    }
    finish_v6(groups, n, gap, i).ok_or_else(bad)
}

#[inline(always)]
fn is_hex(c: u8) -> bool {
    hex_val(c).is_some()
}

/// A dotted IPv4 tail inside an IPv6 token: `None` if invalid, `Some(Err(More))` if cut.
fn ipv4_tail(b: &[u8], start: usize) -> Option<Step<(Ipv4Addr, usize)>> {
    match ipv4(b, start, Endpoint::Source) {
        Ok(v) => Some(Ok(v)),
        Err(Fail::More) => Some(Err(Fail::More)),
        Err(Fail::Invalid(_)) => None,
    }
}

/// Expands the `::` gap; `None` if the group count does not fit.
fn finish_v6(
    groups: [u16; 8],
    n: usize,
    gap: Option<usize>,
    end: usize,
) -> Option<(Ipv6Addr, usize)> {
    let out = match gap {
        None if n == 8 => groups,
        Some(g) if n <= 7 => {
            let mut out = [0u16; 8];
            let tail = n - g;
            out[..g].copy_from_slice(&groups[..g]);
            out[8 - tail..].copy_from_slice(&groups[g..n]);
            out
        }
        _ => return None,
    };
    Some((Ipv6Addr::from(out), end))
}

/// `sport SP dport CRLF`, returning both ports and the line's end.
#[inline(always)]
fn ports(b: &[u8], i: usize) -> Step<(u16, u16, usize)> {
    let (sport, j) = port(b, i, Endpoint::Source)?;
    match at(b, j)? {
        b' ' => {}
        b'\r' | b'\n' | b'\t' => return Err(invalid(j, "expected a space after the source port")),
        _ => {
            return Err(Fail::Invalid(ParseError::BadPort {
                field: Endpoint::Source,
                offset: i,
            }))
        }
    }
    let (dport, k) = port(b, j + 1, Endpoint::Destination)?;
    match at(b, k)? {
        b'\r' => crlf_tail(b, k).map(|end| (sport, dport, end)),
        b'\n' => Err(invalid(k, "LF without CR")),
        b' ' | b'\t' => Err(invalid(k, "expected CRLF after the destination port")),
        _ => Err(Fail::Invalid(ParseError::BadPort {
            field: Endpoint::Destination,
            offset: j + 1,
        })),
    }
}

/// Decimal 0..=65535 without heading zeros.
#[inline(always)]
fn port(b: &[u8], start: usize, field: Endpoint) -> Step<(u16, usize)> {
    let bad = || {
        Fail::Invalid(ParseError::BadPort {
            field,
            offset: start,
        })
    };
    empty_field(b, start)?;
    let mut v = u32::from(at(b, start)?.wrapping_sub(b'0'));
    if v > 9 {
        return Err(bad());
    }
    let mut i = start + 1;
    loop {
        let d = u32::from(at(b, i)?.wrapping_sub(b'0'));
        if d > 9 {
            break;
        }
        if i - start == 5 || v == 0 {
            return Err(bad());
        }
        v = v * 10 + d;
        i += 1;
    }
    match u16::try_from(v) {
        Ok(p) => Ok((p, i)),
        Err(_) => Err(bad()),
    }
}
