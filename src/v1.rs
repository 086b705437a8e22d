//! PROXY protocol version 1: the text line `PROXY TCP4|TCP6|UNKNOWN ... \r\n`.
//!
//! Implements section 2.1 of HAProxy's `doc/proxy-protocol.txt` with the policy choices of
//! PROTOCOL.md §3: exact single spaces, dotted-quad IPv4 without heading zeros, RFC 4291 IPv6
//! text (with `::` and a dotted IPv4 tail), decimal ports without heading zeros, a line of at most
//! [`V1_MAX_LEN`] bytes ending in CRLF, and `UNKNOWN` followed by anything up to CRLF.
//!
//! The parser is one hand-written pass over the bytes: no UTF-8 validation, no splitting, no
//! `FromStr`. It runs on every connection a server accepts, so it is written by hand rather
//! than with nom: the grammar is a fixed sequence of short tokens, each read byte by byte with
//! the "need more input" case folded into the same branch as the end of the token.
//!
//! ```
//! use proxy_wire::{v1, Status};
//!
//! let input = b"PROXY TCP4 192.0.2.1 198.51.100.2 56324 443\r\nGET / HTTP/1.1\r\n";
//! let Ok(Status::Complete { header, consumed }) = v1::parse(input) else { panic!() };
//! assert_eq!(consumed, 45);
//! assert_eq!(header.source(), Some("192.0.2.1:56324".parse().unwrap()));
//! ```

use core::net::{Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};
use core::num::NonZeroUsize;

use crate::addr::{to_v6, Addresses};
use crate::error::{EncodeError, Endpoint, ParseError};
use crate::{Encode, Status};

/// The longest v1 line, CRLF included (107 bytes).
pub const V1_MAX_LEN: usize = 107;
/// Every v1 line starts with these 6 bytes.
pub const V1_PREFIX: &[u8; 6] = b"PROXY ";
/// The shortest v1 line, `PROXY UNKNOWN\r\n` (15 bytes).
pub const V1_MIN_LEN: usize = 15;

/// A decoded (or to-be-encoded) v1 header.
///
/// ```
/// use proxy_wire::{v1, Encode};
///
/// let header = v1::Header::Tcp4 {
///     src: "192.0.2.1:56324".parse().unwrap(),
///     dst: "198.51.100.2:443".parse().unwrap(),
/// };
/// let mut buf = [0u8; v1::V1_MAX_LEN];
/// let n = header.encode(&mut buf).unwrap();
/// assert_eq!(&buf[..n], b"PROXY TCP4 192.0.2.1 198.51.100.2 56324 443\r\n");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[allow(clippy::exhaustive_enums)] // the v1 grammar is closed: TCP4, TCP6, UNKNOWN
pub enum Header {
    /// `PROXY TCP4 src dst sport dport`.
    Tcp4 {
        /// Source (original client).
        src: SocketAddrV4,
        /// Destination.
        dst: SocketAddrV4,
    },
    /// `PROXY TCP6 src dst sport dport`.
    Tcp6 {
        /// Source (original client).
        src: SocketAddrV6,
        /// Destination.
        dst: SocketAddrV6,
    },
    /// `PROXY UNKNOWN`: the receiver uses the real connection's addresses. Whatever followed
    /// `UNKNOWN` on the line is ignored; the encoder writes exactly `PROXY UNKNOWN\r\n`.
    Unknown,
}

impl Header {
    /// A TCP header from two socket addresses; mixed families become `Tcp6` with the IPv4 side
    /// IPv4-mapped (PROTOCOL.md §3.15).
    ///
    /// ```
    /// use proxy_wire::v1;
    ///
    /// let h = v1::Header::from_socket_addrs("[::1]:1".parse().unwrap(), "127.0.0.1:2".parse().unwrap());
    /// assert_eq!(h.destination(), Some("[::ffff:127.0.0.1]:2".parse().unwrap()));
    /// ```
    pub fn from_socket_addrs(src: SocketAddr, dst: SocketAddr) -> Self {
        match (src, dst) {
            (SocketAddr::V4(src), SocketAddr::V4(dst)) => Self::Tcp4 { src, dst },
            (src, dst) => Self::Tcp6 {
                src: to_v6(src),
                dst: to_v6(dst),
            },
        }
    }

    /// The addresses, as shared with v2 (`Unspec` for `UNKNOWN`).
    ///
    /// ```
    /// use proxy_wire::{v1, Addresses};
    ///
    /// assert_eq!(v1::Header::Unknown.addresses(), Addresses::Unspec);
    /// ```
    pub fn addresses(&self) -> Addresses<'static> {
        match *self {
            Self::Tcp4 { src, dst } => Addresses::Inet { src, dst },
            Self::Tcp6 { src, dst } => Addresses::Inet6 { src, dst },
            Self::Unknown => Addresses::Unspec,
        }
    }

    /// The source address, `None` for `UNKNOWN`.
    ///
    /// ```
    /// use proxy_wire::v1;
    ///
    /// assert_eq!(v1::Header::Unknown.source(), None);
    /// ```
    pub fn source(&self) -> Option<SocketAddr> {
        self.addresses().source()
    }

    /// The destination address, `None` for `UNKNOWN`.
    ///
    /// ```
    /// use proxy_wire::v1;
    ///
    /// assert_eq!(v1::Header::Unknown.destination(), None);
    /// ```
    pub fn destination(&self) -> Option<SocketAddr> {
        self.addresses().destination()
    }

    /// Writes the line into `line` and returns its length (at most 104 bytes).
    fn render(&self, line: &mut [u8; V1_MAX_LEN]) -> usize {
        let mut w = Writer { buf: line, pos: 0 };
        match self {
            Self::Tcp4 { src, dst } => {
                w.put(b"PROXY TCP4 ");
                w.ipv4(*src.ip());
                w.byte(b' ');
                w.ipv4(*dst.ip());
                w.ports(src.port(), dst.port());
            }
            Self::Tcp6 { src, dst } => {
                w.put(b"PROXY TCP6 ");
                w.ipv6(src.ip());
                w.byte(b' ');
                w.ipv6(dst.ip());
                w.ports(src.port(), dst.port());
            }
            Self::Unknown => w.put(b"PROXY UNKNOWN\r\n"),
        }
        w.pos
    }
}

impl Encode for Header {
    fn encoded_len(&self) -> usize {
        match self {
            Self::Unknown => V1_MIN_LEN,
            _ => self.render(&mut [0; V1_MAX_LEN]),
        }
    }

    fn encode(&self, out: &mut [u8]) -> Result<usize, EncodeError> {
        if let Some(direct) = out.first_chunk_mut::<V1_MAX_LEN>() {
            return Ok(self.render(direct));
        }
        let mut line = [0u8; V1_MAX_LEN];
        let n = self.render(&mut line);
        let available = out.len();
        let dst = out.get_mut(..n).ok_or(EncodeError::BufferTooSmall {
            needed: n,
            available,
        })?;
        dst.copy_from_slice(&line[..n]);
        Ok(n)
    }
}

/// A cursor over a line buffer that cannot overflow: every v1 line we write is at most 104
/// bytes, and `put`/`byte` ignore writes past the end rather than panic.
struct Writer<'b> {
    buf: &'b mut [u8; V1_MAX_LEN],
    pos: usize,
}

impl Writer<'_> {
    #[inline]
    fn put(&mut self, bytes: &[u8]) {
        if let Some(dst) = self.buf.get_mut(self.pos..self.pos + bytes.len()) {
            dst.copy_from_slice(bytes);
            self.pos += bytes.len();
        }
    }

    #[inline]
    fn byte(&mut self, b: u8) {
        self.put(&[b]);
    }

    /// Decimal without heading zeros.
    #[inline]
    fn dec(&mut self, v: u16) {
        let mut tmp = [0u8; 5];
        let mut i = tmp.len();
        let mut v = v;
        loop {
            i -= 1;
            tmp[i] = b'0' + (v % 10) as u8;
            v /= 10;
            if v == 0 {
                break;
            }
        }
        self.put(&tmp[i..]);
    }

    fn ipv4(&mut self, ip: Ipv4Addr) {
        let [a, b, c, d] = ip.octets();
        self.dec(a.into());
        self.byte(b'.');
        self.dec(b.into());
        self.byte(b'.');
        self.dec(c.into());
        self.byte(b'.');
        self.dec(d.into());
    }

    /// RFC 5952 canonical text: lowercase, no heading zeros, the longest run (first on a tie) of
    /// two or more zero groups as `::`, and IPv4-mapped addresses as `::ffff:a.b.c.d`.
    fn ipv6(&mut self, ip: &Ipv6Addr) {
        if let Some(v4) = ip.to_ipv4_mapped() {
            self.put(b"::ffff:");
            self.ipv4(v4);
            return;
        }
        let g = ip.segments();
        // Longest run of zero groups.
        let (mut best_start, mut best_len) = (8, 0);
        let mut i = 0;
        while i < 8 {
            if g[i] == 0 {
                let start = i;
                while i < 8 && g[i] == 0 {
                    i += 1;
                }
                if i - start > best_len {
                    best_start = start;
                    best_len = i - start;
                }
            } else {
                i += 1;
            }
        }
        if best_len < 2 {
            best_start = 8;
        }
        let mut i = 0;
        while i < 8 {
            if i == best_start {
                self.put(b"::");
                i += best_len;
                continue;
            }
            if i != 0 && i != best_start + best_len {
                self.byte(b':');
            }
            self.hex(g[i]);
            i += 1;
        }
    }

    fn hex(&mut self, v: u16) {
        const DIGITS: &[u8; 16] = b"0123456789abcdef";
        let mut started = false;
        for shift in [12u32, 8, 4, 0] {
            let d = ((v >> shift) & 0xf) as usize;
            if d != 0 || started || shift == 0 {
                started = true;
                self.byte(DIGITS[d]);
            }
        }
    }

    fn ports(&mut self, sport: u16, dport: u16) {
        self.byte(b' ');
        self.dec(sport);
        self.byte(b' ');
        self.dec(dport);
        self.put(b"\r\n");
    }
}

/// Parses a v1 header at the start of `buf`.
///
/// Returns [`Status::Complete`] with the header and the bytes it used (CRLF included),
/// [`Status::Incomplete`] while `buf` may still grow into a valid line, or the error. Input that
/// starts with the v2 signature is [`ParseError::NotProxyHeader`] here; use
/// [`crate::parse`] to accept both versions.
///
/// # Errors
/// Any [`ParseError`] of the v1 categories: `not-proxy`, `invalid-v1`, `too-long`,
/// `bad-address`, `bad-port`.
///
/// ```
/// use proxy_wire::{v1, Status};
///
/// assert!(v1::parse(b"PROXY TCP6 ::1 ::1 1 2").unwrap().is_incomplete());
/// assert!(v1::parse(b"PROXY TCP4 1.2.3.4 5.6.7.8 1 2\n").is_err()); // LF without CR
/// let Ok(Status::Complete { header, consumed }) = v1::parse(b"PROXY UNKNOWN whatever\r\n") else { panic!() };
/// assert_eq!((header, consumed), (v1::Header::Unknown, 24));
/// ```
#[inline]
pub fn parse(buf: &[u8]) -> Result<Status<Header>, ParseError> {
    if buf.len() < V1_PREFIX.len() || buf[..V1_PREFIX.len()] != *V1_PREFIX {
        check_prefix(buf)?;
    }
    // A valid line ends within V1_MAX_LEN bytes, so parse only that window: running out of
    // it with a full window means the line is too long.
    let window = buf.get(..V1_MAX_LEN).unwrap_or(buf);
    match line(window) {
        Ok((header, consumed)) => Ok(Status::Complete { header, consumed }),
        Err(Fail::Invalid(e)) => Err(e),
        Err(Fail::More) if buf.len() >= V1_MAX_LEN => Err(ParseError::V1TooLong),
        Err(Fail::More) => {
            // Lower bound: the shortest line, and a CRLF (just an LF after a final CR).
            let crlf = if buf.last() == Some(&b'\r') { 1 } else { 2 };
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

#[cfg(test)]
mod tests {
    use super::*;
    extern crate std;
    use std::format;

    fn ok(input: &[u8]) -> (Header, usize) {
        match parse(input) {
            Ok(Status::Complete { header, consumed }) => (header, consumed),
            other => panic!(
                "{:?}: {other:?}",
                std::string::String::from_utf8_lossy(input)
            ),
        }
    }

    #[test]
    fn ipv6_forms() {
        for text in [
            "::",
            "::1",
            "1::",
            "1:2:3:4:5:6:7:8",
            "1::8",
            "::ffff:192.0.2.1",
            "64:ff9b::192.0.2.33",
            "1:2:3:4:5:6:1.2.3.4",
            "::1.2.3.4",
            "FE80::ABCD",
            "1:0:0:2::3",
            "1:2:3:4:5:6:7::",
            "::2:3:4:5:6:7:8",
        ] {
            let line = format!("PROXY TCP6 {text} ::1 1 2\r\n");
            let (h, _) = ok(line.as_bytes());
            let want: Ipv6Addr = text.parse().unwrap();
            assert_eq!(h.source(), Some(SocketAddr::new(want.into(), 1)), "{text}");
        }
        for bad in [
            ":1",
            "1:::2",
            "1::2::3",
            "1:2:3:4:5:6:7:8:9",
            "1:2:3:4:5:6:7",
            "12345::",
            "::1.2.3",
            "1:2:3:4:5:6:7:1.2.3.4",
            "::01.2.3.4",
            "g::",
            "::ffff:1.2.3.4.5",
        ] {
            let line = format!("PROXY TCP6 {bad} ::1 1 2\r\n");
            let err = parse(line.as_bytes()).unwrap_err();
            assert!(
                matches!(
                    err,
                    ParseError::BadAddress {
                        field: Endpoint::Source,
                        ..
                    }
                ),
                "{bad}: {err:?}"
            );
        }
    }

    #[test]
    fn ipv6_text_is_rfc5952_like_std() {
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..20_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let mut seg = [0u16; 8];
            for (k, s) in seg.iter_mut().enumerate() {
                // plenty of zero runs
                *s = if (x >> (k * 3)) & 3 == 0 {
                    (x >> 40) as u16
                } else {
                    0
                };
            }
            if x & 0xf == 1 {
                seg = [0, 0, 0, 0, 0, 0xffff, (x >> 8) as u16, (x >> 24) as u16];
            }
            let ip = Ipv6Addr::from(seg);
            let mut buf = [0u8; V1_MAX_LEN];
            let mut w = Writer {
                buf: &mut buf,
                pos: 0,
            };
            w.ipv6(&ip);
            let n = w.pos;
            assert_eq!(core::str::from_utf8(&buf[..n]).unwrap(), format!("{ip}"));
        }
    }
}
