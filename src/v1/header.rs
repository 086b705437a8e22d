//! The v1 [`Header`] value, its limits, and its encoder.
#![forbid(unsafe_code)]

use core::net::{Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};

use crate::addr::{to_v6, Addresses};
use crate::encode::Encode;
use crate::error::EncodeError;

/// The longest v1 line, CRLF included (107 bytes).
pub const V1_MAX_LEN: usize = 107;
/// Every v1 line starts with these 6 bytes.
pub const V1_PREFIX: &[u8; 6] = b"PROXY ";
/// The shortest v1 line, `PROXY UNKNOWN\r\n` (15 bytes).
pub const V1_MIN_LEN: usize = 15;
/// The whole `UNKNOWN` line without trailing text: what health checks send.
pub(crate) const UNKNOWN_LINE: &[u8; V1_MIN_LEN] = b"PROXY UNKNOWN\r\n";

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
    /// IPv4-mapped ([conformance](crate::conformance) rule 15).
    ///
    /// ```
    /// use proxy_wire::v1;
    ///
    /// let h = v1::Header::from_socket_addrs("[::1]:1".parse().unwrap(), "127.0.0.1:2".parse().unwrap());
    /// let v1::Header::Tcp6 { dst, .. } = h else { panic!("mixed families are written as TCP6") };
    /// assert_eq!(dst.to_string(), "[::ffff:127.0.0.1]:2");
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
    #[inline]
    pub(crate) fn addresses(&self) -> Addresses<'static> {
        match *self {
            Self::Tcp4 { src, dst } => Addresses::Inet { src, dst },
            Self::Tcp6 { src, dst } => Addresses::Inet6 { src, dst },
            Self::Unknown => Addresses::Unspec,
        }
    }

    /// Writes the line into a scratch buffer (its length is at most 104 bytes).
    #[inline]
    fn render(&self) -> Writer {
        let mut w = Writer::new();
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
        w
    }
}

impl Encode for Header {
    fn encoded_len(&self) -> usize {
        match self {
            Self::Unknown => V1_MIN_LEN,
            // "PROXY TCP4 " src " " dst " " sport " " dport "\r\n", and likewise for TCP6
            Self::Tcp4 { src, dst } => {
                11 + ipv4_len(src.ip()) + 1 + ipv4_len(dst.ip()) + ports_len(src.port(), dst.port())
            }
            Self::Tcp6 { src, dst } => {
                11 + ipv6_len(src.ip()) + 1 + ipv6_len(dst.ip()) + ports_len(src.port(), dst.port())
            }
        }
    }

    // Inline: the constant `UNKNOWN` line becomes one 15-byte store in the caller; the TCP
    // bodies stay inline too (measured: instructions on encode/v1_*, see benches/README.md).
    #[inline]
    fn encode(&self, out: &mut [u8]) -> Result<usize, EncodeError> {
        if let Self::Unknown = self {
            return match out.first_chunk_mut::<V1_MIN_LEN>() {
                Some(dst) => {
                    *dst = *UNKNOWN_LINE;
                    Ok(V1_MIN_LEN)
                }
                None => Err(EncodeError::BufferTooSmall {
                    needed: V1_MIN_LEN,
                    available: out.len(),
                }),
            };
        }
        let w = self.render();
        let line = w.line();
        let n = line.len();
        let available = out.len();
        let dst = out.get_mut(..n).ok_or(EncodeError::BufferTooSmall {
            needed: n,
            available,
        })?;
        dst.copy_from_slice(line);
        Ok(n)
    }
}

/// Builds a line in a local scratch buffer, a machine word at a time.
///
/// Every token is written as a whole word (the octet's three digits, a port's five, a group's
/// four hex digits), shifted so the significant digits come first, and the cursor advances by
/// the significant length only: the slack is overwritten by what follows. No `fmt`, no division
/// loops, no per-byte length checks and no variable-length copies (each would be a `memcpy` call
/// for 1-5 bytes). The buffer is 8 bytes longer than any write position can be, so a word always
/// fits; positions are masked to 0..128, so even a bug could not index out of bounds.
struct Writer {
    buf: [u8; SCRATCH],
    pos: usize,
}

/// Scratch size: every line is at most 104 bytes; words are at most 8 bytes.
const SCRATCH: usize = 128 + 8;

/// Decimal text of every octet, digits left-aligned in a little-endian word, and its length.
const DEC_OCTET: [(u32, u8); 256] = {
    let mut t = [(0u32, 0u8); 256];
    let mut v = 0;
    while v < 256 {
        let (h, te, o) = ((v / 100) as u32, ((v / 10) % 10) as u32, (v % 10) as u32);
        t[v] = if v >= 100 {
            (
                (b'0' as u32 + h) | (b'0' as u32 + te) << 8 | (b'0' as u32 + o) << 16,
                3,
            )
        } else if v >= 10 {
            ((b'0' as u32 + te) | (b'0' as u32 + o) << 8, 2)
        } else {
            (b'0' as u32 + o, 1)
        };
        v += 1;
    }
    t
};

/// Length of [`Writer::ports`]' text.
#[inline(always)]
fn ports_len(sport: u16, dport: u16) -> usize {
    1 + dec_len(sport) + 1 + dec_len(dport) + 2
}

/// Digits of `v` in decimal.
#[inline(always)]
fn dec_len(v: u16) -> usize {
    match v {
        10000.. => 5,
        1000.. => 4,
        100.. => 3,
        10.. => 2,
        _ => 1,
    }
}

/// Hex digits of `v` without heading zeros (at least one).
#[inline(always)]
fn hex_len(v: u16) -> usize {
    (19 - (v | 1).leading_zeros() as usize) / 4
}

/// The longest run of two or more zero groups (the first on a tie) as `(start, len)`; `(8, 0)`
/// if there is none: what RFC 5952 writes as `::`.
#[inline(always)]
fn zero_run(g: &[u16; 8]) -> (usize, usize) {
    let (mut best_start, mut best_len) = (8, 0);
    if g.iter().filter(|&&x| x == 0).count() < 2 {
        return (best_start, best_len);
    }
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
        (8, 0)
    } else {
        (best_start, best_len)
    }
}

/// Length of [`Writer::ipv6`]'s text.
fn ipv6_len(ip: &Ipv6Addr) -> usize {
    if let Some(v4) = ip.to_ipv4_mapped() {
        return 7 + ipv4_len(&v4);
    }
    let g = ip.segments();
    let (start, len) = zero_run(&g);
    let mut n = 0;
    for (i, &group) in g.iter().enumerate() {
        if i < start || i >= start + len {
            n += hex_len(group);
        }
    }
    if len == 0 {
        n + 7
    } else {
        let (left, right) = (start, 8 - start - len);
        n + 2 + left.saturating_sub(1) + right.saturating_sub(1)
    }
}

/// Length of [`Writer::ipv4`]'s text.
#[inline(always)]
fn ipv4_len(ip: &Ipv4Addr) -> usize {
    3 + ip
        .octets()
        .iter()
        .map(|&o| usize::from(DEC_OCTET[usize::from(o)].1))
        .sum::<usize>()
}

/// `"00"` to `"99"` as little-endian 16-bit words.
const DEC_PAIR: [u16; 100] = {
    let mut t = [0u16; 100];
    let mut v = 0;
    while v < 100 {
        t[v] = (b'0' as u16 + (v / 10) as u16) | (b'0' as u16 + (v % 10) as u16) << 8;
        v += 1;
    }
    t
};

/// Two lowercase hex digits of every byte, as little-endian 16-bit words.
const HEX_PAIR: [u16; 256] = {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut t = [0u16; 256];
    let mut v = 0;
    while v < 256 {
        t[v] = DIGITS[v >> 4] as u16 | (DIGITS[v & 0xf] as u16) << 8;
        v += 1;
    }
    t
};

impl Writer {
    #[inline(always)]
    fn new() -> Self {
        Self {
            buf: [0; SCRATCH],
            pos: 0,
        }
    }

    /// Writes the 8 bytes of `word` (little-endian) and advances by `len` of them.
    #[inline(always)]
    fn word(&mut self, word: u64, len: usize) {
        let at = self.pos & 127;
        if let Some(dst) = self.buf.get_mut(at..at + 8) {
            dst.copy_from_slice(&word.to_le_bytes());
        }
        self.pos = at + len;
    }

    /// A constant string of at most 16 bytes.
    #[inline(always)]
    fn put(&mut self, bytes: &[u8]) {
        let at = self.pos & 127;
        if let Some(dst) = self.buf.get_mut(at..at + bytes.len()) {
            dst.copy_from_slice(bytes);
        }
        self.pos = at + bytes.len();
    }

    #[inline(always)]
    fn byte(&mut self, b: u8) {
        self.word(u64::from(b), 1);
    }

    /// The line written so far.
    #[inline(always)]
    fn line(&self) -> &[u8] {
        &self.buf[..self.pos.min(V1_MAX_LEN)]
    }

    /// Decimal without heading zeros.
    #[inline(always)]
    fn dec(&mut self, v: u16) {
        let hi = usize::from(v / 100); // 0..=655
        let lo = usize::from(v % 100);
        let top = (hi / 100) as u64; // 0..=6
        let mid = u64::from(DEC_PAIR[hi % 100]);
        let low = u64::from(DEC_PAIR[lo]);
        let digits = (u64::from(b'0') + top) | mid << 8 | low << 24; // five digits
        let n = dec_len(v);
        self.word(digits >> (8 * (5 - n)), n);
    }

    #[inline(always)]
    fn octet(&mut self, v: u8) {
        let (digits, n) = DEC_OCTET[usize::from(v)];
        self.word(u64::from(digits), usize::from(n));
    }

    #[inline(always)]
    fn ipv4(&mut self, ip: Ipv4Addr) {
        let [a, b, c, d] = ip.octets();
        self.octet(a);
        self.byte(b'.');
        self.octet(b);
        self.byte(b'.');
        self.octet(c);
        self.byte(b'.');
        self.octet(d);
    }

    /// RFC 5952 canonical text: lowercase, no heading zeros, the longest run (first on a tie) of
    /// two or more zero groups as `::`, and IPv4-mapped addresses as `::ffff:a.b.c.d`.
    #[inline]
    fn ipv6(&mut self, ip: &Ipv6Addr) {
        if let Some(v4) = ip.to_ipv4_mapped() {
            self.put(b"::ffff:");
            self.ipv4(v4);
            return;
        }
        let g = ip.segments();
        let (start, len) = zero_run(&g);
        for (i, &group) in g.iter().enumerate() {
            if i >= start && i < start + len {
                if i == start {
                    self.put(b"::");
                }
                continue;
            }
            self.hex(group, i != 0 && i != start + len);
        }
    }

    /// Lowercase hex without heading zeros (at least one digit), after a `:` if `colon`.
    #[inline(always)]
    fn hex(&mut self, v: u16, colon: bool) {
        let [hi, lo] = v.to_be_bytes();
        let digits =
            u64::from(HEX_PAIR[usize::from(hi)]) | u64::from(HEX_PAIR[usize::from(lo)]) << 16;
        let n = hex_len(v);
        let digits = digits >> (8 * (4 - n));
        if colon {
            self.word(u64::from(b':') | digits << 8, n + 1);
        } else {
            self.word(digits, n);
        }
    }

    #[inline(always)]
    fn ports(&mut self, sport: u16, dport: u16) {
        self.byte(b' ');
        self.dec(sport);
        self.byte(b' ');
        self.dec(dport);
        self.put(b"\r\n");
    }
}
