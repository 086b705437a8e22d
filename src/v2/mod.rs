//! PROXY protocol version 2: the binary header.
//!
//! Implements section 2.2 of HAProxy's `doc/proxy-protocol.txt` with the policy choices of
//! the [conformance](crate::conformance) rules: a 12-byte [`SIGNATURE`], version 2, LOCAL or
//! PROXY, the seven family/protocol values the specification lists (LOCAL takes any), TLVs in
//! wire order (unknown and duplicate types kept), SSL sub-TLVs, and CRC32C verification
//! whenever a CRC32C TLV is present.
//!
//! [`parse`] returns a [`Header`] view over exactly the header's bytes; its accessors are
//! infallible because [`parse`] checked everything they rely on. [`Builder`] encodes a header
//! into `&mut [u8]` without allocating.
//!
//! ```
//! use proxy_wire::{v2, Encode, Status};
//! use std::net::SocketAddrV4;
//!
//! let src: SocketAddrV4 = "192.0.2.1:56324".parse().unwrap();
//! let dst: SocketAddrV4 = "198.51.100.2:443".parse().unwrap();
//! let tlvs = [v2::TlvSpec::Alpn(b"h2"), v2::TlvSpec::Authority("example.com")];
//! let builder = v2::Builder::proxy(v2::Protocol::Stream, (src, dst))
//!     .tlvs(&tlvs)
//! .crc32c(true);
//! let mut buf = [0u8; 128];
//! let n = builder.encode(&mut buf).unwrap();
//!
//! let Ok(Status::Complete { header, consumed }) = v2::parse(&buf[..n]) else { panic!() };
//! assert_eq!(consumed, n);
//! assert_eq!(header.tlvs().count(), 3); // ALPN, AUTHORITY, CRC32C
//! // The typed accessors are on the version-independent `proxy_wire::Header`:
//! assert_eq!(proxy_wire::Header::V2(header).authority(), Some("example.com"));
//! ```

#![deny(unsafe_code)] // `crc32c` and `tlv::ascii` allow it; the other children forbid it

mod builder;
pub(crate) mod crc32c;
mod header;
mod parse;
mod tlv;
mod wire;

pub use builder::{Builder, TlvSpec};
pub use header::Header;
pub use tlv::{Ssl, SslClient, Tlv, TlvType, TlvValue, Tlvs};
pub use wire::{
    Command, Protocol, SIGNATURE, UNIQUE_ID_MAX_LEN, UNIX_PATH_LEN, V2_HEADER_LEN, V2_MAX_LEN,
};

pub(crate) use parse::{parse_as, parse_with, Limits};
#[cfg(fuzzing)]
pub(crate) use parse::{parse_fast, parse_full};

use crate::error::ParseError;
use crate::status::Status;

/// Parses a v2 header at the start of `buf` with the default [`crate::ParserConfig`].
///
/// Returns [`Status::Complete`] with a view over exactly the header's bytes and its length
/// (`16 + len`), [`Status::Incomplete`] with the exact count of missing bytes once the 16-byte
/// fixed part is in (a lower bound before), or the error. Input starting with `PROXY` is
/// [`ParseError::NotProxyHeader`] here; use [`crate::parse`] to accept both versions.
///
/// # Errors
/// Any [`ParseError`] of the v2 categories: `not-proxy`, `unsupported`, `invalid-v2`,
/// `too-long`, `bad-tlv`, `bad-checksum`.
///
/// ```
/// use proxy_wire::{v2, Status};
///
/// let bytes = b"\r\n\r\n\0\r\nQUIT\n\x20\x00\x00\x00";
/// assert_eq!(v2::parse(&bytes[..10]).unwrap(), Status::Incomplete { needed: 6.try_into().unwrap() });
/// let Ok(Status::Complete { header, consumed }) = v2::parse(bytes) else { panic!() };
/// assert_eq!((header.command(), consumed), (v2::Command::Local, 16));
/// ```
#[inline]
pub fn parse(buf: &[u8]) -> Result<Status<Header<'_>>, ParseError> {
    parse_with(buf, &Limits::DEFAULT)
}

#[cfg(test)]
mod tests {
    use super::parse::{parse_full, parse_with_tlvs};
    use super::wire::{tlv_start, ADDRESS_LEN, INVALID};
    use super::*;

    #[test]
    fn tlv_start_by_family() {
        assert_eq!(tlv_start(0x21, 0x11, 12), Some(28));
        assert_eq!(tlv_start(0x21, 0x00, 0), Some(16));
        // LOCAL with an address block that does not fit: opaque body
        assert_eq!(tlv_start(0x20, 0x11, 4), None);
        // LOCAL with an invalid family: opaque
        assert_eq!(tlv_start(0x20, 0xff, 40), None);
        assert_eq!(tlv_start(0x20, 0x31, 216), Some(232));
        // a family without a transport: PROXY has no TLV area (it is refused), LOCAL skips
        // the block the family implies
        assert_eq!(tlv_start(0x21, 0x10, 12), None);
        assert_eq!(tlv_start(0x21, 0x01, 0), None);
        assert_eq!(tlv_start(0x20, 0x10, 12), Some(28));
        assert_eq!(tlv_start(0x20, 0x01, 0), Some(16));
    }

    #[test]
    fn fast_path_agrees_with_the_full_parser() {
        let mut complete = 0;
        // Under Miri, which interprets each parse: every byte 13 still, fewer versions, lengths
        // and limits.
        let ver_cmds: &[u8] = if cfg!(miri) {
            &[0x20, 0x21, 0x11]
        } else {
            &[0x20, 0x21, 0x22, 0x11]
        };
        let lens: &[usize] = if cfg!(miri) {
            &[0, 36]
        } else {
            &[0, 1, 11, 12, 13, 35, 36, 216, 217, 255]
        };
        let maxes: &[usize] = if cfg!(miri) { &[28] } else { &[V2_MAX_LEN, 28] };
        for &ver_cmd in ver_cmds {
            for fam_proto in 0..=255u8 {
                for &len in lens {
                    let mut h = SIGNATURE.to_vec();
                    h.extend_from_slice(&[ver_cmd, fam_proto]);
                    h.extend_from_slice(&(len as u16).to_be_bytes());
                    h.resize(16 + len, 0);
                    for cut in [h.len(), h.len().saturating_sub(1)] {
                        let input = &h[..cut];
                        for &max in maxes {
                            let config = Limits {
                                max_len: max,
                                ..Limits::DEFAULT
                            };
                            let full = parse_full(input, &config);
                            let got = parse_with(input, &config);
                            assert_eq!(
                                got, full,
                                "{ver_cmd:#x} {fam_proto:#x} len {len} cut {cut}"
                            );
                            if full.as_ref().is_ok_and(|s| s.is_complete()) {
                                complete += 1;
                            }
                        }
                    }
                }
            }
        }
        assert!(complete > 100, "the table covers headers that parse");
    }

    /// The TLV fast path (`parse_with_tlvs`) against `parse_full`: pseudo-random TLV areas
    /// (checked types, their limits, SSL sub-TLVs, overruns, cuts, a CRC32C right or wrong)
    /// behind every command and family byte the fast path looks at, cut or whole, with and
    /// without CRC verification and under a size limit.
    #[test]
    fn tlv_fast_path_agrees_with_the_full_parser() {
        extern crate std;
        use std::vec::Vec;
        let mut next = crate::test_rng::xorshift(0x6A09_E667_F3BC_C908);
        let (mut fast, mut errors) = (0, 0);
        // Fewer under Miri, which interprets each case: the same checks on the first ones.
        let cases = if cfg!(miri) { 200 } else { 100_000 };
        for round in 0..cases {
            let ver_cmd = [0x21u8, 0x21, 0x21, 0x20, 0x22][(next() % 5) as usize];
            let fam_proto = [0x11u8, 0x21, 0x31, 0x00, 0x12, 0x41][(next() % 6) as usize];
            let addr = match ADDRESS_LEN[usize::from(fam_proto)] {
                INVALID => (next() % 40) as usize,
                a => usize::from(a),
            };
            let mut h = SIGNATURE.to_vec();
            h.extend_from_slice(&[ver_cmd, fam_proto, 0, 0]);
            h.resize(16 + addr, 7);
            let mut crc_at = None;
            for _ in 0..(next() % 6) {
                let t = [0x01u8, 0x02, 0x03, 0x04, 0x05, 0x20, 0x43, 0xe0][(next() % 8) as usize];
                let mut v: Vec<u8> = match (t, next() % 6) {
                    (0x03, 0..=4) => std::vec![0; 4],
                    (0x05, 0) => std::vec![1; 129],
                    (0x20, 0..=3) => {
                        let mut v = std::vec![1, 0, 0, 0, 0];
                        for _ in 0..(next() % 3) {
                            let n = (next() % 5) as usize;
                            v.extend_from_slice(&[0x21, 0, n as u8]);
                            v.resize(v.len() + n, b'x');
                        }
                        v.truncate(v.len() - (next() % 2) as usize);
                        v
                    }
                    _ => std::vec![b'v'; (next() % 12) as usize],
                };
                let mut declared = v.len() as u16;
                if next() % 20 == 0 {
                    declared += 1;
                }
                if t == 0x03 && v.len() == 4 {
                    crc_at.get_or_insert(h.len() + 3);
                }
                h.push(t);
                h.extend_from_slice(&declared.to_be_bytes());
                h.append(&mut v);
            }
            if next() % 10 == 0 {
                let n = h.len().saturating_sub((next() % 3) as usize).max(16);
                h.truncate(n);
            }
            let len = (h.len() - 16) as u16;
            h[14..16].copy_from_slice(&len.to_be_bytes());
            if let Some(at) = crc_at.filter(|&at| at + 4 <= h.len() && next() % 4 != 0) {
                crc32c::patch(&mut h, at);
            }
            let cut = match next() % 8 {
                0 => h.len().saturating_sub(1 + (next() % 4) as usize),
                _ => h.len(),
            };
            let input = &h[..cut];
            let mut config = Limits::DEFAULT;
            config.verify_crc32c = round % 3 != 0;
            if next() % 8 == 0 {
                config.max_len = 16 + (next() % 120) as usize;
            }
            let full = parse_full(input, &config);
            assert_eq!(parse_with(input, &config), full, "{h:02x?} cut {cut}");
            if parse_with_tlvs(input, &config).is_some() {
                fast += 1;
            }
            if full.is_err() {
                errors += 1;
            }
        }
        assert!(fast > cases / 10 && errors > cases / 10, "{fast} {errors}");
    }
}
