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
//! let v1::Header::Tcp4 { src, .. } = header else { panic!("a TCP4 line") };
//! assert_eq!(src, "192.0.2.1:56324".parse().unwrap());
//! ```

#![forbid(unsafe_code)]

mod fast;
mod header;
mod precise;

pub use header::{Header, V1_MAX_LEN, V1_MIN_LEN, V1_PREFIX};

use header::UNKNOWN_LINE;

use crate::error::ParseError;
use crate::status::Status;

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
    parse_as(buf, |h| h)
}

/// [`parse`], with the caller's header type built where the result is made (a TCP4 result
/// field by field): copied as one finished block, its load of just-stored fields could not be
/// forwarded (bench case parse/v1_tcp4).
///
/// The health-check line is answered inline, everything else one call away.
#[inline(always)]
pub(crate) fn parse_as<H>(
    buf: &[u8],
    wrap: impl FnOnce(Header) -> H,
) -> Result<Status<H>, ParseError> {
    if buf.first_chunk() == Some(UNKNOWN_LINE) {
        // Two word compares.
        return Ok(Status::Complete {
            header: wrap(Header::Unknown),
            consumed: V1_MIN_LEN,
        });
    }
    parse_line(buf, wrap)
}

/// Whole, well-formed lines take a fast path; the precise parser answers everything else
/// (the fuzz target `fast_precise` and the unit tests below compare the two).
#[inline(never)]
fn parse_line<H>(buf: &[u8], wrap: impl FnOnce(Header) -> H) -> Result<Status<H>, ParseError> {
    let complete = |header, consumed| Ok(Status::Complete { header, consumed });
    if fast::is_tcp4(buf) {
        if let Some((src, dst, consumed)) = fast::tcp4_parts(buf) {
            return complete(wrap(Header::Tcp4 { src, dst }), consumed);
        }
    } else if let Some((header, consumed)) = fast::line(buf) {
        return complete(wrap(header), consumed);
    }
    precise::parse(buf).map(|s| s.map(wrap))
}

/// The fast path and the precise parser, for the fuzz target that compares them.
#[cfg(fuzzing)]
pub(crate) use {
    fast::{is_tcp4, line as fast_line, tcp4_parts},
    precise::parse as parse_precise,
};

#[cfg(test)]
mod tests {
    use super::precise::parse as parse_precise;
    use super::*;
    use crate::encode::Encode;
    use crate::error::Endpoint;
    use core::net::{Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};
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
            assert_eq!(
                h.addresses().source(),
                Some(SocketAddr::new(want.into(), 1)),
                "{text}"
            );
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
            // a `::` beside eight groups stands for no group at all
            "1:2:3:4::5:6:7:8",
            "::1:2:3:4:5:6:7:8",
            "1:2:3:4:5:6:7:8::",
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

    /// The precise parser's errors on field boundaries: which field, which offset, which kind.
    #[test]
    fn precise_errors_on_field_boundaries() {
        let cases: [(&[u8], ParseError); 6] = [
            // a field missing where the line ends is not a bad address or port
            (
                b"PROXY TCP4 \r\n",
                ParseError::InvalidV1 {
                    offset: 11,
                    reason: "missing field",
                },
            ),
            (
                b"PROXY TCP4 1.2.3.4 5.6.7.8 80 \r\n",
                ParseError::InvalidV1 {
                    offset: 30,
                    reason: "missing field",
                },
            ),
            (
                b"PROXY TCP6 ::1 ::1 80 \n",
                ParseError::InvalidV1 {
                    offset: 22,
                    reason: "missing field",
                },
            ),
            // a long run of digits is one bad octet, however long (no overflow on the way)
            (
                b"PROXY TCP4 11111111111111111111.1.1.1 5.6.7.8 1 2\r\n",
                ParseError::BadAddress {
                    field: Endpoint::Source,
                    offset: 11,
                },
            ),
            (
                b"PROXY TCP4 1.2.3.4 5.6.99999999999999999999.8 1 2\r\n",
                ParseError::BadAddress {
                    field: Endpoint::Destination,
                    offset: 19,
                },
            ),
            // a destination port followed by a stray byte: the port's own offset
            (
                b"PROXY TCP4 1.2.3.4 5.6.7.8 80 81x\r\n",
                ParseError::BadPort {
                    field: Endpoint::Destination,
                    offset: 30,
                },
            ),
        ];
        for (line, want) in cases {
            let text = std::string::String::from_utf8_lossy(line);
            assert_eq!(parse_precise(line), Err(want), "{text}");
            assert_eq!(parse(line), Err(want), "{text}");
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
            // the encoder's address text is std's canonical form
            let h6 = Header::Tcp6 {
                src: SocketAddrV6::new(ip, 1, 0, 0),
                dst: SocketAddrV6::new(ip, 2, 0, 0),
            };
            let mut out = [0u8; V1_MAX_LEN];
            let n = h6.encode(&mut out).unwrap();
            assert_eq!(
                core::str::from_utf8(&out[..n]).unwrap(),
                format!("PROXY TCP6 {ip} {ip} 1 2\r\n")
            );
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

    /// Several bytes of a valid line replaced at once, often at the same place in different
    /// groups or separators (5, 10, 20 bytes apart in the full IPv6 form): word-at-a-time
    /// checks that merge their per-group flags must not let two faults cancel out.
    #[test]
    fn fast_path_agrees_under_several_faults() {
        let lines = [
            "PROXY TCP6 2001:db8a:85a3:1234:5678:8a2e:a370:7334 fe80:abcd:1234:5678:9abc:def0:b2ff:fe1e 65535 65534\r\n",
            "PROXY TCP6 ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 0000:0000:0000:0000:0000:0000:0000:0001 56324 443\r\n",
            "PROXY TCP6 2001:db8::1 ::ffff:1 40000 8443\r\n",
            "PROXY TCP4 192.168.100.200 10.0.0.1 56324 443\r\n",
            "PROXY TCP4 1.22.133.4 255.255.255.255 65535 65535\r\n",
        ];
        let faults = b" .:;/09afAFgGxz@`\r\n\t\0\x7f\xff";
        let mut next = crate::test_rng::xorshift(0x6a09_e667_f3bc_c908);
        let rounds = if cfg!(miri) { 200 } else { 40_000 };
        for round in 0..rounds {
            let mut v = lines[round % lines.len()].as_bytes().to_vec();
            let at = 11 + (next() as usize) % (v.len() - 11);
            let fault = faults[(next() as usize) % faults.len()];
            let stride = [1, 5, 10, 20, 0][(next() as usize) % 5];
            v[at] = fault;
            for k in 1..=(next() as usize) % 3 + 1 {
                let other = if stride == 0 {
                    11 + (next() as usize) % (v.len() - 11)
                } else {
                    at + k * stride
                };
                if let Some(b) = v.get_mut(other) {
                    // the same byte (its flags are the same) or another one
                    *b = if next() % 2 == 0 {
                        fault
                    } else {
                        faults[(next() as usize) % faults.len()]
                    };
                }
            }
            fast_agrees(&v);
        }
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
