//! The happy path: a complete, well-formed line in one lean pass that declines (`None`) at
//! the first thing out of the ordinary, leaving it to the precise parser. It never accepts
//! what the precise parser rejects, and when it accepts, the result is the same (the unit tests
//! `fast_path_agrees_with_the_precise_parser`, `fast_path_agrees_on_generated_forms` and
//! `fast_path_edge_cases_agree` compare them).
//!
//! Why two parsers: the precise one threads "need more bytes" and an exact error through every
//! byte, which a well-formed line pays at every byte; a server's common case is a whole, valid
//! line, and that path carries none of that. IPv6 gains most (word-at-a-time groups); TCP4 is
//! mostly short decimal fields, where a byte at a time is as cheap as any word trick
//! (measured: instructions on parse/v1_tcp4 and parse/v1_tcp6, see benches/README.md).
#![forbid(unsafe_code)]

use core::net::{Ipv4Addr, Ipv6Addr, SocketAddrV4, SocketAddrV6};

use super::header::{Header, UNKNOWN_LINE, V1_MIN_LEN};
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
    let x =
        u64::from_le_bytes(*w[s..].first_chunk::<8>()?) ^ (0x30_3030_3030 | u64::from(sep) << 40);
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
    (end <= b.len() && end <= super::header::V1_MAX_LEN).then_some((
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
    (head == UNKNOWN_LINE).then_some((Header::Unknown, V1_MIN_LEN))
}
