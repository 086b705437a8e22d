//! PROXY protocol version 1: the text line `PROXY TCP4|TCP6|UNKNOWN ... \r\n`.
//!
//! Implements section 2.1 of HAProxy's `doc/proxy-protocol.txt` with the policy choices of
//! the [conformance](crate::conformance) rules: exact single spaces, dotted-quad IPv4 without
//! heading zeros, RFC 4291 IPv6 text (with `::` and a dotted IPv4 tail), decimal ports without
//! heading zeros, a line of at most [`V1_MAX_LEN`] bytes ending in CRLF, and `UNKNOWN` followed
//! by anything up to CRLF.
//!
//! The parser is one hand-written pass over the bytes: no UTF-8 validation, no splitting, no
//! `FromStr`, no nom. It runs on every connection a server accepts: whole valid lines take a
//! fast path over a zero-padded window (see `fast`), everything else a precise parser that
//! reads the short tokens byte by byte and knows at each byte whether it needs more input.
//!
//! ```
//! use proxy_wire::{v1, Status};
//!
//! let input = b"PROXY TCP4 192.0.2.1 198.51.100.2 56324 443\r\nGET / HTTP/1.1\r\n";
//! let Ok(Status::Complete { header, consumed }) = v1::parse(input) else { panic!() };
//! assert_eq!(consumed, 45);
//! assert_eq!(header.source(), Some("192.0.2.1:56324".parse().unwrap()));
//! ```

#![forbid(unsafe_code)]

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
    match fast::line(buf) {
        Some((header, consumed)) => Ok(Status::Complete { header, consumed }),
        None => parse_precise(buf),
    }
}

/// The precise parser: every incomplete input and every error, with its exact offset and
/// reason, and whatever the fast path declined.
#[cold]
#[inline(never)]
pub(crate) fn parse_precise(buf: &[u8]) -> Result<Status<Header>, ParseError> {
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

/// The happy path: a complete, well-formed line in one lean pass that declines (`None`) at
/// the first thing out of the ordinary, leaving it to the precise parser. It never accepts
/// what the precise parser rejects, and when it accepts, the result is the same (the unit tests
/// `fast_path_agrees_with_the_precise_parser`, `fast_path_agrees_on_generated_forms` and
/// `fast_path_edge_cases_agree` compare them).
///
/// Why two parsers: the precise one threads "need more bytes" and an exact error through every
/// byte, which a well-formed line pays at every byte; a server's common case is a whole, valid
/// line, and that path carries none of that. IPv6 gains most (word-at-a-time groups); TCP4 is
/// mostly short decimal fields, where a byte at a time is as cheap as any word trick
/// (measured: instructions on parse/v1_tcp4 and parse/v1_tcp6, see benches/README.md).
pub(crate) mod fast {
    use core::net::{Ipv4Addr, Ipv6Addr, SocketAddrV4, SocketAddrV6};

    use super::Header;
    use crate::copy::copy_short;

    /// Hex digit tables, one per position in a group of four: `HEX[k][c]` is the digit's value
    /// shifted to nibble `3 - k`, or bit `16 + k` for a byte that is not a hex digit. Or-ing
    /// the four lookups gives the group's value in the low half and, above it, which bytes
    /// were not digits, so the lowest flag is the group's length. One table shifted by 0, 4, 8
    /// and 12 bits cost more per group (measured: instructions on parse/v1_tcp6, see
    /// benches/README.md).
    static HEX: [[u32; 256]; 4] = {
        let mut t = [[0u32; 256]; 4];
        let mut k = 0;
        while k < 4 {
            let mut c = 0;
            while c < 256 {
                t[k][c] = match c as u8 {
                    b @ b'0'..=b'9' => ((b - b'0') as u32) << (12 - 4 * k),
                    b @ b'a'..=b'f' => ((b - b'a' + 10) as u32) << (12 - 4 * k),
                    b @ b'A'..=b'F' => ((b - b'A' + 10) as u32) << (12 - 4 * k),
                    _ => 1 << (16 + k),
                };
                c += 1;
            }
            k += 1;
        }
        t
    };

    /// The first `N` bytes of the input, zero-padded. `N - 8` is a power of two and positions
    /// are masked with `N - 9`, so a read up to 8 bytes past a position needs no bounds check.
    /// The masks never change a position: every token is bounded, so positions stay below 56
    /// for TCP4 (window 72) and 110 for TCP6 (window 136), whatever the input. The padding
    /// (NUL) matches no byte of the grammar, so a token that runs past the input fails and the
    /// line is left to the precise parser.
    type Win<const N: usize> = [u8; N];

    /// `b` itself when it is long enough, else `b` zero-padded into `pad` with overlapping
    /// fixed-size copies ([`copy_short`]): no `memcpy` call and fill, which every short line
    /// paid (measured: instructions on parse/v1_tcp4, see benches/README.md).
    #[inline(always)]
    fn window<'a, const N: usize>(b: &'a [u8], pad: &'a mut Win<N>) -> Option<&'a Win<N>> {
        if let Some(w) = b.first_chunk::<N>() {
            return Some(w);
        }
        copy_short(pad.get_mut(..b.len())?, b);
        Some(pad)
    }

    #[inline(always)]
    fn is_hex(c: u8) -> bool {
        HEX[0][usize::from(c)] >> 16 == 0
    }

    /// 0..=255, no heading zero, then `sep`. A byte at a time, each length with its own exit.
    /// Word-at-a-time variants measured worse, as octets are short: checking `ddd.` in one
    /// `u32` first cost more, and classifying all 16 bytes of an address at once costs about as
    /// much as this before the digits are even converted (measured: instructions on
    /// parse/v1_tcp4, see benches/README.md).
    #[inline(always)]
    fn octet<const N: usize>(w: &Win<N>, i: &mut usize, sep: u8) -> Option<u32> {
        let s = *i & (N - 9);
        let d0 = u32::from(w[s]).wrapping_sub(48);
        if d0 > 9 {
            return None;
        }
        let d1 = u32::from(w[s + 1]).wrapping_sub(48);
        if d1 > 9 {
            *i = s + 2;
            return (w[s + 1] == sep).then_some(d0);
        }
        if d0 == 0 {
            return None;
        }
        let d2 = u32::from(w[s + 2]).wrapping_sub(48);
        if d2 > 9 {
            *i = s + 3;
            return (w[s + 2] == sep).then_some(d0 * 10 + d1);
        }
        let v = d0 * 100 + d1 * 10 + d2;
        *i = s + 4;
        (w[s + 3] == sep && v <= 255).then_some(v)
    }

    #[inline(always)]
    fn ipv4<const N: usize>(w: &Win<N>, i: &mut usize) -> Option<Ipv4Addr> {
        let mut ip = octet(w, i, b'.')?;
        ip = ip << 8 | octet(w, i, b'.')?;
        ip = ip << 8 | octet(w, i, b'.')?;
        ip = ip << 8 | octet(w, i, b' ')?;
        Some(Ipv4Addr::from_bits(ip))
    }

    /// 0..=65535, no heading zero, then `sep`. Five digits (every ephemeral source port) are
    /// checked and converted a word at a time when `five` says they are likely: cheaper for
    /// five digits, wasted on a shorter port, so a destination port (443, 80) is read a byte at
    /// a time only (measured: instructions on parse/v1_tcp4, see benches/README.md).
    #[inline(always)]
    fn port<const N: usize>(w: &Win<N>, i: &mut usize, sep: u8, five: bool) -> Option<u16> {
        let s = *i & (N - 9);
        let x = u64::from_le_bytes(*w[s..].first_chunk::<8>()?)
            ^ (0x30_3030_3030 | u64::from(sep) << 40);
        if five && (((x & 0x7F7F_7F7F_7F7F) + 0x7F76_7676_7676) | x) & 0x8080_8080_8080 == 0 {
            // bytes 0..=4 are digit values, byte 5 was `sep`
            *i = s + 6;
            if x & 0xFF == 0 {
                return None;
            }
            // the classic eight-digit conversion, on three heading zeros and the five digits
            let d = x << 24;
            let d = d * 10 + (d >> 8); // two-digit values in bytes 0, 2, 4, 6
            let v = ((d & 0x0000_00FF_0000_00FF).wrapping_mul(100 + (1_000_000 << 32))
                + ((d >> 16) & 0x0000_00FF_0000_00FF).wrapping_mul(1 + (10_000 << 32)))
                >> 32;
            return u16::try_from(v).ok();
        }
        let d = |k: usize| u32::from(w[s + k]).wrapping_sub(48);
        let mut v = d(0);
        if v > 9 {
            return None;
        }
        // unrolled: each length has its own exit (a loop with a count cost more instructions)
        let mut k = 1;
        if d(1) <= 9 {
            if v == 0 {
                return None;
            }
            v = v * 10 + d(1);
            k = 2;
            if d(2) <= 9 {
                v = v * 10 + d(2);
                k = 3;
                if d(3) <= 9 {
                    v = v * 10 + d(3);
                    k = 4;
                    if d(4) <= 9 {
                        v = v * 10 + d(4);
                        k = 5;
                    }
                }
            }
        }
        *i = s + k + 1;
        if w[s + k] != sep {
            return None;
        }
        u16::try_from(v).ok()
    }

    /// Four hex digits at `a[at..at + 4]`: their value in the low half, and above it bit
    /// `16 + k` if byte `k` is not a digit.
    #[inline(always)]
    fn quad(a: &[u8], at: usize) -> u32 {
        let t = |k: usize| HEX[k][usize::from(a[at + k])];
        t(0) | t(1) | t(2) | t(3)
    }

    /// The full form, eight groups of four digits (what an address without zero groups and
    /// without small groups prints as), then a space: fixed offsets, no loop, far cheaper than
    /// a group at a time (measured: instructions on parse/v1_tcp6, see benches/README.md). A
    /// compressed address almost never has a space at 39, so that is checked first.
    #[inline(always)]
    fn ipv6_full(a: &[u8; 40]) -> Option<u128> {
        if a[39] != b' ' {
            return None;
        }
        let g = [
            quad(a, 0),
            quad(a, 5),
            quad(a, 10),
            quad(a, 15),
            quad(a, 20),
            quad(a, 25),
            quad(a, 30),
            quad(a, 35),
        ];
        // the colons, two per word: at 4, 9, .., 34
        let word = |at: usize| u64::from_le_bytes(*a[at..].first_chunk::<8>().unwrap_or(&[0; 8]));
        const SEPS: u64 = 0x0000_FF00_0000_00FF;
        const COLONS: u64 = 0x0000_3A00_0000_003A;
        let seps = (word(4) & SEPS ^ COLONS)
            | (word(14) & SEPS ^ COLONS)
            | (word(24) & SEPS ^ COLONS)
            | u64::from(a[34] ^ b':');
        if (g[0] | g[1] | g[2] | g[3] | g[4] | g[5] | g[6] | g[7]) >> 16 != 0 || seps != 0 {
            return None;
        }
        let hi =
            u64::from(g[0]) << 48 | u64::from(g[1]) << 32 | u64::from(g[2]) << 16 | u64::from(g[3]);
        let lo =
            u64::from(g[4]) << 48 | u64::from(g[5]) << 32 | u64::from(g[6]) << 16 | u64::from(g[7]);
        Some(u128::from(hi) << 64 | u128::from(lo))
    }

    /// Hex groups with at most one `::`, then a space; a dotted IPv4 tail is left to the
    /// precise parser.
    #[inline(always)]
    fn ipv6<const N: usize>(w: &Win<N>, i: &mut usize) -> Option<Ipv6Addr> {
        let s = *i & (N - 9);
        if let Some(a) = w.get(s..s + 40).and_then(|a| a.first_chunk::<40>()) {
            if let Some(bits) = ipv6_full(a) {
                *i = s + 40;
                return Some(Ipv6Addr::from_bits(bits));
            }
        }
        ipv6_short(w, i).map(Ipv6Addr::from_bits)
    }

    /// Any other form, a group at a time, the groups shifted into one `u128`: the `::` gap is
    /// then two shifts, not a copy.
    #[inline(always)]
    fn ipv6_short<const N: usize>(w: &Win<N>, i: &mut usize) -> Option<u128> {
        let m = N - 9;
        let mut s = *i & m;
        let mut acc = 0u128;
        let mut n = 0;
        let mut gap = None;
        if w[s] == b':' {
            if w[s + 1] != b':' {
                return None;
            }
            gap = Some(0);
            s += 2;
        }
        if gap.is_none() || is_hex(w[s & m]) {
            loop {
                let v = quad(w, s & m);
                let len = (v >> 16 | 0x10).trailing_zeros() as usize;
                if len == 0 || n == 8 {
                    return None;
                }
                acc = acc << 16 | u128::from((v & 0xFFFF) >> (16 - 4 * len));
                n += 1;
                s = (s & m) + len;
                if w[s] != b':' {
                    break;
                }
                if w[s + 1] != b':' {
                    s += 1;
                    continue;
                }
                if gap.is_some() {
                    return None;
                }
                gap = Some(n);
                s += 2;
                if !is_hex(w[s & m]) {
                    break;
                }
            }
        }
        let s = s & m;
        if w[s] != b' ' {
            return None;
        }
        *i = s + 1;
        match gap {
            None => (n == 8).then_some(acc),
            // the groups before `::` move up to the top
            Some(g) if n < 8 => {
                let tail = 16 * (n - g) as u32;
                let low = acc & !(u128::MAX << tail);
                // nothing moves when `::` leads (a shift by 128 would overflow)
                let high = (acc >> tail).checked_shl(16 * (8 - g) as u32).unwrap_or(0);
                Some(high | low)
            }
            Some(_) => None,
        }
    }

    /// `sport SP dport CRLF` at `i`: the ports and the line's end.
    #[inline(always)]
    fn ports<const N: usize>(w: &Win<N>, mut i: usize) -> Option<(u16, u16, usize)> {
        let sport = port(w, &mut i, b' ', true)?;
        let dport = port(w, &mut i, b'\r', false)?;
        let i = i & (N - 9);
        (w[i] == b'\n').then_some((sport, dport, i + 1))
    }

    #[inline(always)]
    fn tcp4(b: &[u8]) -> Option<(Header, usize)> {
        let (src, dst, end) = tcp4_parts(b)?;
        Some((Header::Tcp4 { src, dst }, end))
    }

    /// A TCP4 line's addresses and length, for a caller that builds its own result.
    ///
    /// The same steps as [`tcp6`] with another window and address parser. One generic helper
    /// for both, taking the parser as a closure, was slower: called twice, the closure is not
    /// inlined (measured: instructions on parse/v1_tcp4 and parse/v1_tcp6, see benches/README.md).
    #[inline(always)]
    pub(crate) fn tcp4_parts(b: &[u8]) -> Option<(SocketAddrV4, SocketAddrV4, usize)> {
        // a TCP4 line is at most 56 bytes
        let mut pad = [0u8; 64 + 8];
        let w = window(b, &mut pad)?;
        let mut i = 11;
        let src = ipv4(w, &mut i)?;
        let dst = ipv4(w, &mut i)?;
        let (sport, dport, end) = ports(w, i)?;
        // the LF is real input: padding never matches it
        (end <= b.len()).then_some((
            SocketAddrV4::new(src, sport),
            SocketAddrV4::new(dst, dport),
            end,
        ))
    }

    /// Whether `b` starts `PROXY TCP4 `.
    #[inline(always)]
    pub(crate) fn is_tcp4(b: &[u8]) -> bool {
        b.first_chunk::<11>() == Some(b"PROXY TCP4 ")
    }

    #[inline(always)]
    fn tcp6(b: &[u8]) -> Option<(Header, usize)> {
        // a TCP6 line without dotted tails is at most 104 bytes
        let mut pad = [0u8; 128 + 8];
        let w = window(b, &mut pad)?;
        let mut i = 11;
        let src = ipv6(w, &mut i)?;
        let dst = ipv6(w, &mut i)?;
        let (sport, dport, end) = ports(w, i)?;
        // the LF is real input, and the line within the 107-byte bound
        (end <= b.len() && end <= super::V1_MAX_LEN).then_some((
            Header::Tcp6 {
                src: SocketAddrV6::new(src, sport, 0, 0),
                dst: SocketAddrV6::new(dst, dport, 0, 0),
            },
            end,
        ))
    }

    #[inline]
    pub(crate) fn line(b: &[u8]) -> Option<(Header, usize)> {
        // Every line the fast path takes is at least 15 bytes, and one word compare and one
        // `u32` compare pick TCP4 or TCP6.
        let head = b.first_chunk::<15>()?;
        let word = u64::from_le_bytes(*head.first_chunk::<8>()?);
        let proto = u32::from_le_bytes([head[7], head[8], head[9], head[10]]);
        if word == u64::from_le_bytes(*b"PROXY TC") {
            if proto == u32::from_le_bytes(*b"CP4 ") {
                return tcp4(b);
            }
            if proto == u32::from_le_bytes(*b"CP6 ") {
                return tcp6(b);
            }
            return None;
        }
        (head == super::UNKNOWN_LINE).then_some((Header::Unknown, super::V1_MIN_LEN))
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
        // Fewer under Miri, which interprets each case: the same checks on the first ones.
        let cases = if cfg!(miri) { 100 } else { 20_000 };
        for _ in 0..cases {
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
            let mut w = Writer::new();
            w.ipv6(&ip);
            let n = w.pos;
            assert_eq!(core::str::from_utf8(&w.buf[..n]).unwrap(), format!("{ip}"));
            let v4 = Ipv4Addr::from_bits((x >> 32) as u32);
            for h in [
                Header::Tcp6 {
                    src: SocketAddrV6::new(ip, x as u16, 0, 0),
                    dst: SocketAddrV6::new(ip, (x >> 16) as u16, 0, 0),
                },
                Header::Tcp4 {
                    src: SocketAddrV4::new(v4, (x >> 8) as u16),
                    dst: SocketAddrV4::new(Ipv4Addr::from_bits(x as u32), (x >> 24) as u16),
                },
            ] {
                let mut out = [0u8; V1_MAX_LEN];
                let n = h.encode(&mut out).unwrap();
                assert_eq!(h.encoded_len(), n);
                let (back, used) = ok(&out[..n]);
                assert_eq!((back, used), (h, n));
            }
        }
    }

    /// Checks the fast path against the precise parser on `input`; whether it took it.
    fn fast_agrees(input: &[u8]) -> bool {
        let Some((header, consumed)) = fast::line(input) else {
            return false;
        };
        assert_eq!(
            parse_precise(input),
            Ok(Status::Complete { header, consumed }),
            "{:?}",
            std::string::String::from_utf8_lossy(input)
        );
        true
    }

    #[test]
    fn fast_path_edge_cases_agree() {
        // (line, whether the fast path must take it)
        let v6max = "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff";
        let lines: std::vec::Vec<(std::string::String, bool)> = [
            ("PROXY TCP4 0.0.0.0 0.0.0.0 0 0\r\n", true),
            ("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r\n", true),
            ("PROXY TCP4 255.255.255.255 255.255.255.255 65535 65535\r\n", true),
            ("PROXY TCP4 10.20.30.40 100.200.250.199 10000 9999\r\n", true),
            ("PROXY TCP4 192.168.1.10 10.0.0.1 56324 443\r\n", true),
            ("PROXY TCP4 9.99.199.249 250.251.254.0 99999 1\r\n", false),
            ("PROXY TCP4 1.2.3.4 5.6.7.8 65536 2\r\n", false),
            ("PROXY TCP4 1.2.3.4 5.6.7.8 1 65536\r\n", false),
            ("PROXY TCP4 1.2.3.4 5.6.7.8 01 2\r\n", false),
            ("PROXY TCP4 1.2.3.4 5.6.7.8 1 00\r\n", false),
            ("PROXY TCP4 1.2.3.4 5.6.7.8 123456 2\r\n", false),
            ("PROXY TCP4 1.2.3.256 5.6.7.8 1 2\r\n", false),
            ("PROXY TCP4 1.2.3.4 5.6.7.300 1 2\r\n", false),
            ("PROXY TCP4 1.2.3.04 5.6.7.8 1 2\r\n", false),
            ("PROXY TCP4 1.2.3.4 5.6.7.008 1 2\r\n", false),
            ("PROXY TCP4 1.2.3.1234 5.6.7.8 1 2\r\n", false),
            ("PROXY TCP4 1.2.3 5.6.7.8 1 2\r\n", false),
            ("PROXY TCP4 1.2.3.4.5 5.6.7.8 1 2\r\n", false),
            ("PROXY TCP4 1.2.3.4  5.6.7.8 1 2\r\n", false),
            ("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\n", false),
            ("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r", false),
            ("PROXY TCP4 ::1 ::1 1 2\r\n", false),
            (&format!("PROXY TCP6 {v6max} {v6max} 65535 65535\r\n"), true),
            ("PROXY TCP6 2001:db8a:85a3:1234:5678:8a2e:a370:7334 fe80:abcd:1234:5678:9abc:def0:b2ff:fe1e 65535 65534\r\n", true),
            ("PROXY TCP6 2001:DB8A:85A3:1234:5678:8A2E:A370:7334 FE80:abcd:1234:5678:9ABC:def0:B2ff:fE1e 1 2\r\n", true),
            ("PROXY TCP6 0000:0000:0000:0000:0000:0000:0000:0000 0000:0000:0000:0000:0000:0000:0000:0001 0 0\r\n", true),
            ("PROXY TCP6 :: :: 0 0\r\n", true),
            ("PROXY TCP6 ::1 1:: 1 2\r\n", true),
            ("PROXY TCP6 1::8 1:0:0:2::3 1 2\r\n", true),
            ("PROXY TCP6 1:2:3:4:5:6:7:8 1:2:3:4:5:6:7:: 1 2\r\n", true),
            ("PROXY TCP6 ::2:3:4:5:6:7:8 2001:db8::1 56324 443\r\n", true),
            ("PROXY TCP6 a:bb:ccc:dddd:eeee:fff:ff:f 2001:db8:: 56324 443\r\n", true),
            ("PROXY TCP6 2001:db8a:85a3:1234:5678:8a2e:a370:7334 ::1 1 2\r\n", true),
            ("PROXY TCP6 ::1 2001:db8a:85a3:1234:5678:8a2e:a370:7334 1 2\r\n", true),
            ("PROXY TCP6 ::ffff:192.0.2.1 ::1 1 2\r\n", false),
            ("PROXY TCP6 1:2:3:4:5:6:1.2.3.4 ::1 1 2\r\n", false),
            ("PROXY TCP6 ::1 ::ffff:255.255.255.255 65535 65535\r\n", false),
            (&format!("PROXY TCP6 {v6max} 1:2:3:4:5:6:255.255.255.255 65535 65535\r\n"), false),
            ("PROXY TCP6 2001:db8a:85a3:1234:5678:8a2e:a370:7334:1 ::1 1 2\r\n", false),
            ("PROXY TCP6 2001:db8a:85a3:1234:5678:8a2e:a370 ::1 1 2\r\n", false),
            ("PROXY TCP6 2001:db8a:85a3:1234:5678:8a2e:a370:73345 ::1 1 2\r\n", false),
            ("PROXY TCP6 2001:db8a:85a3:1234:5678:8a2e:a370;7334 ::1 1 2\r\n", false),
            ("PROXY TCP6 12345:: ::1 1 2\r\n", false),
            ("PROXY TCP6 1:::2 ::1 1 2\r\n", false),
            ("PROXY TCP6 1::2::3 ::1 1 2\r\n", false),
            ("PROXY TCP6 :1 ::1 1 2\r\n", false),
            ("PROXY TCP6 1: ::1 1 2\r\n", false),
            ("PROXY TCP6 ::1:2:3:4:5:6:7:8 ::1 1 2\r\n", false),
            ("PROXY TCP6 1:2:3:4:5:6:7:8:: ::1 1 2\r\n", false),
            ("PROXY TCP6 g:: ::1 1 2\r\n", false),
            ("PROXY TCP6 1.2.3.4 ::1 1 2\r\n", false),
            ("PROXY UNKNOWN\r\n", true),
            ("PROXY UNKNOWN \r\n", false),
            ("PROXY UNKNOWN whatever\r\n", false),
            ("PROXY UNKNOWN\n", false),
        ]
        .iter()
        .map(|&(l, t)| (std::string::String::from(l), t))
        .collect();
        let replacements = b" .:09afAFgG\r\n\t\0\xff";
        for (line, must_take) in &lines {
            let line = line.as_bytes();
            assert_eq!(fast_agrees(line), *must_take, "{line:?}");
            // followed by data, and long enough for the window to be the input itself
            for suffix in [&b"GET / HTTP/1.1\r\n"[..], &[b'x'; 200][..]] {
                let mut v = line.to_vec();
                v.extend_from_slice(suffix);
                assert_eq!(fast_agrees(&v), *must_take, "{v:?}");
            }
            // around the window sizes (72 and 136 bytes), where the input stops being copied
            for total in [71, 72, 73, 135, 136, 137] {
                if total > line.len() {
                    let mut v = line.to_vec();
                    v.resize(total, b'x');
                    assert_eq!(fast_agrees(&v), *must_take, "{v:?}");
                }
            }
            // Under Miri, which interprets each call: every tenth cut, and at every other position
            // one replacement, taking them in turn.
            let every = if cfg!(miri) { 10 } else { 1 };
            for cut in (0..line.len()).step_by(every) {
                fast_agrees(&line[..cut]);
            }
            for at in 0..line.len() {
                let one = at % replacements.len();
                let picked = if cfg!(miri) {
                    &replacements[one..one + (at + 1) % 2]
                } else {
                    &replacements[..]
                };
                for &r in picked {
                    let mut v = line.to_vec();
                    v[at] = r;
                    fast_agrees(&v);
                    v.truncate(at + 1);
                    fast_agrees(&v);
                }
            }
        }
    }

    /// The shared test generator, with helpers to vary generated lines.
    struct Rng<F: FnMut() -> u64>(F);

    impl<F: FnMut() -> u64> Rng<F> {
        fn below(&mut self, n: u64) -> u64 {
            (self.0)() % n
        }

        /// Decimal text around `0..=max`: small, near `max` (both sides), or anywhere, and
        /// now and then with a heading zero.
        fn dec(&mut self, max: u64) -> std::string::String {
            let v = match self.below(4) {
                0 => self.below(10),
                1 => max - self.below(3) + self.below(3),
                _ => self.below(max + 2),
            };
            if self.below(16) == 0 {
                format!("0{v}")
            } else {
                format!("{v}")
            }
        }

        /// IPv6 text: 8 groups, or fewer around one `::`, each of 1..=4 digits of either
        /// case (heading zeros included), sometimes with a dotted tail.
        fn ipv6(&mut self) -> std::string::String {
            let n = if self.below(3) == 0 { 8 } else { self.below(8) };
            let gap = if n == 8 { 9 } else { self.below(n + 1) };
            let mut text = std::string::String::new();
            for k in 0..n {
                if k == gap {
                    text.push_str(if k == 0 { "::" } else { ":" });
                } else if k > 0 {
                    text.push(':');
                }
                let len = if self.below(2) == 0 {
                    4
                } else {
                    1 + self.below(4)
                };
                for _ in 0..len {
                    text.push(char::from(
                        b"0123456789abcdefABCDEF"[self.below(22) as usize],
                    ));
                }
            }
            if gap == n {
                text.push_str("::");
            }
            if self.below(64) == 0 {
                text.push_str(":1.2.3.4");
            }
            text
        }
    }

    #[test]
    fn fast_path_agrees_on_generated_forms() {
        let mut rng = Rng(crate::test_rng::xorshift(0x9e37_79b9_7f4a_7c15));
        let (mut taken, mut valid) = (0, 0);
        // Fewer under Miri, which interprets each case: the same checks on the first ones.
        let cases = if cfg!(miri) { 100 } else { 100_000 };
        for _ in 0..cases {
            let v4 = rng.below(3) == 0;
            let line = if v4 {
                let mut quad = || {
                    let o: std::vec::Vec<_> = (0..4).map(|_| rng.dec(255)).collect();
                    o.join(".")
                };
                let (src, dst) = (quad(), quad());
                format!(
                    "PROXY TCP4 {src} {dst} {} {}\r\n",
                    rng.dec(65535),
                    rng.dec(65535)
                )
            } else {
                let (src, dst) = (rng.ipv6(), rng.ipv6());
                format!(
                    "PROXY TCP6 {src} {dst} {} {}\r\n",
                    rng.dec(65535),
                    rng.dec(65535)
                )
            };
            let complete = parse_precise(line.as_bytes()).is_ok_and(|s| s.is_complete());
            valid += usize::from(complete);
            if fast_agrees(line.as_bytes()) {
                taken += 1;
            } else {
                // only dotted tails are left to the precise parser
                assert!(!complete || (!v4 && line.contains('.')), "{line}");
            }
        }
        assert!(
            valid > cases / 5 && taken * 100 > valid * 95,
            "{valid} {taken}"
        );
    }

    #[test]
    fn fast_path_agrees_with_the_precise_parser() {
        let mut next = crate::test_rng::xorshift(0x2545_f491_4f6c_dd1d);
        let (mut taken, mut valid) = (0, 0);
        // Fewer under Miri, which interprets each case: the same checks on the first ones.
        let cases = if cfg!(miri) { 100 } else { 60_000 };
        for round in 0..cases {
            let r = next();
            let mut line = match r % 4 {
                0 => {
                    let a = Ipv4Addr::from((r >> 8) as u32);
                    let b = Ipv4Addr::from((next() >> 3) as u32);
                    format!(
                        "PROXY TCP4 {a} {b} {} {}\r\n",
                        (r >> 40) as u16,
                        (r >> 24) as u16
                    )
                }
                1 | 2 => {
                    let mut seg =
                        Ipv6Addr::from(u128::from(next()) << 64 | u128::from(next())).segments();
                    for (k, s) in seg.iter_mut().enumerate() {
                        if (r >> (k + 3)) & 1 == 0 {
                            *s = 0;
                        }
                    }
                    let a = Ipv6Addr::from(seg);
                    let b: Ipv6Addr = if r % 8 == 1 {
                        "::ffff:192.0.2.1".parse().unwrap()
                    } else {
                        Ipv6Addr::from(u128::from(next()))
                    };
                    // uncompressed and upper-case forms too
                    let a_text = if r & 0x100 == 0 {
                        format!("{a}")
                    } else {
                        let s = a.segments();
                        format!(
                            "{:X}:{:x}:{:04x}:{:x}:{:x}:{:X}:{:x}:{:x}",
                            s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7]
                        )
                    };
                    format!(
                        "PROXY TCP6 {a_text} {b} {} {}\r\n",
                        (r >> 40) as u16,
                        (r >> 24) as u16
                    )
                }
                _ => std::string::String::from("PROXY UNKNOWN\r\n"),
            }
            .into_bytes();
            // every fourth line gets one byte mutated, and some are cut
            if round % 4 == 0 {
                let at = (next() as usize) % line.len();
                line[at] = b" .:0123456789afAF\r\nPX\t"[(next() % 22) as usize];
            }
            if round % 7 == 0 {
                line.truncate((next() as usize) % (line.len() + 1));
            }
            if round % 5 == 0 {
                line.extend_from_slice(b"GET / HTTP/1.1\r\n");
            }
            let precise = parse_precise(&line);
            if precise.as_ref().is_ok_and(|s| s.is_complete()) {
                valid += 1;
            }
            if let Some((h, n)) = fast::line(&line) {
                taken += 1;
                assert_eq!(
                    precise,
                    Ok(Status::Complete {
                        header: h,
                        consumed: n
                    }),
                    "{:?}",
                    std::string::String::from_utf8_lossy(&line)
                );
            }
        }
        // the fast path takes nearly every valid line (not the dotted IPv4 tails)
        assert!(
            taken * 100 >= valid * 80,
            "fast path took {taken} of {valid} valid lines"
        );
    }
}
