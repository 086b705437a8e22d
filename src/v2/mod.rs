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
//! let tlvs = [v2::TlvSpec::alpn(b"h2"), v2::TlvSpec::authority("example.com")];
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

mod builder;
pub(crate) mod crc32c;
mod header;
mod tlv;

use core::num::NonZeroUsize;

pub use builder::{Builder, TlvSpec};
pub use header::Header;
pub use tlv::{Ssl, SslClient, Tlv, TlvType, TlvValue, Tlvs};

use crate::{ParseError, ParserConfig, Status};

/// The 12-byte v2 signature, `\r\n\r\n\0\r\nQUIT\n`.
pub const SIGNATURE: [u8; 12] = *b"\r\n\r\n\0\r\nQUIT\n";
/// Length of the fixed part: signature, version/command, family/protocol and `len`.
pub const V2_HEADER_LEN: usize = 16;
/// The largest v2 header the format allows: `16 + 65535`.
pub const V2_MAX_LEN: usize = V2_HEADER_LEN + u16::MAX as usize;
/// Largest UNIQUE_ID value the specification allows.
pub const UNIQUE_ID_MAX_LEN: usize = 128;
/// Size of a UNIX address field (source and destination each).
pub const UNIX_PATH_LEN: usize = 108;

/// The command in the low nibble of byte 12.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[allow(clippy::exhaustive_enums)] // other values are invalid on the wire
pub enum Command {
    /// `0x0`: the connection was made by the proxy itself (health check); use the real
    /// connection's addresses.
    Local,
    /// `0x1`: relayed on behalf of a client; the addresses are the client's.
    Proxy,
}

/// The address family in the high nibble of byte 13.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[allow(clippy::exhaustive_enums)] // other values are invalid on the wire
pub enum Family {
    /// `0x0`: unknown; no address block.
    Unspec,
    /// `0x1`: IPv4, a 12-byte block.
    Inet,
    /// `0x2`: IPv6, a 36-byte block.
    Inet6,
    /// `0x3`: UNIX sockets, a 216-byte block.
    Unix,
}

impl Family {
    /// Bytes of the address block for this family.
    ///
    /// ```
    /// assert_eq!(proxy_wire::v2::Family::Inet6.address_len(), 36);
    /// ```
    pub const fn address_len(self) -> usize {
        match self {
            Self::Unspec => 0,
            Self::Inet => 12,
            Self::Inet6 => 36,
            Self::Unix => 2 * UNIX_PATH_LEN,
        }
    }

    const fn nibble(self) -> u8 {
        match self {
            Self::Unspec => 0,
            Self::Inet => 1,
            Self::Inet6 => 2,
            Self::Unix => 3,
        }
    }

    const fn from_nibble(n: u8) -> Option<Self> {
        match n {
            0 => Some(Self::Unspec),
            1 => Some(Self::Inet),
            2 => Some(Self::Inet6),
            3 => Some(Self::Unix),
            _ => None,
        }
    }
}

/// The transport protocol in the low nibble of byte 13.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[allow(clippy::exhaustive_enums)] // other values are invalid on the wire
pub enum Protocol {
    /// `0x0`: unspecified.
    Unspec,
    /// `0x1`: a stream (TCP, or a UNIX stream socket).
    Stream,
    /// `0x2`: datagrams (UDP, or a UNIX datagram socket).
    Dgram,
}

impl Protocol {
    const fn nibble(self) -> u8 {
        match self {
            Self::Unspec => 0,
            Self::Stream => 1,
            Self::Dgram => 2,
        }
    }

    const fn from_nibble(n: u8) -> Option<Self> {
        match n {
            0 => Some(Self::Unspec),
            1 => Some(Self::Stream),
            2 => Some(Self::Dgram),
            _ => None,
        }
    }
}

/// Marks a family/protocol byte that names no family or protocol in [`ADDRESS_LEN`].
const INVALID: u8 = 0xFF;

/// The address block's length for each value of byte 13 of a PROXY header, [`INVALID`] for
/// every value but the seven the specification lists: one load instead of two nibble
/// decodes, on the path every header takes.
static ADDRESS_LEN: [u8; 256] = address_len_table(true);

/// The same for a LOCAL header, which may carry any byte 13: where both nibbles name a
/// family and a protocol, the block the family implies is skipped before the TLVs.
static LOCAL_ADDRESS_LEN: [u8; 256] = address_len_table(false);

const fn address_len_table(proxy: bool) -> [u8; 256] {
    let mut t = [INVALID; 256];
    let mut b = 0;
    while b < 256 {
        if let (Some(f), Some(p)) = (
            Family::from_nibble((b >> 4) as u8),
            Protocol::from_nibble((b & 0xf) as u8),
        ) {
            // A family without a transport (or the reverse) is unspecified: "other values
            // ... must be rejected as invalid by receivers", never read as an address.
            let specified = matches!(f, Family::Unspec) == matches!(p, Protocol::Unspec);
            if specified || !proxy {
                t[b] = f.address_len() as u8;
            }
        }
        b += 1;
    }
    t
}

/// Where the TLVs of a checked header start, from bytes 12..16. `None` for a LOCAL header whose
/// family/protocol byte is invalid or whose address block does not fit: its body is opaque.
#[inline(always)]
pub(crate) fn tlv_start(ver_cmd: u8, fam_proto: u8, len: u16) -> Option<usize> {
    let local = ver_cmd & 0xf == 0;
    let table = if local {
        &LOCAL_ADDRESS_LEN
    } else {
        &ADDRESS_LEN
    };
    let addr = table[usize::from(fam_proto)];
    if addr == INVALID || (local && len < u16::from(addr)) {
        return None;
    }
    Some(V2_HEADER_LEN + usize::from(addr))
}

/// Parses a v2 header at the start of `buf` with the default [`ParserConfig`].
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
pub fn parse(buf: &[u8]) -> Result<Status<Header<&[u8]>>, ParseError> {
    parse_with(buf, &ParserConfig::DEFAULT)
}

/// The v2 parser behind [`parse`] and [`ParserConfig::parse_v2`].
///
/// The fixed part is read by offset, not with nom: it is 16 bytes at known positions, and this
/// is the whole cost of the common header without TLVs. The TLV area is walked by hand too
/// (`header::check_tlvs`); nom only reads a few fixed-size TLV values.
#[inline]
pub(crate) fn parse_with<'a>(
    buf: &'a [u8],
    config: &ParserConfig,
) -> Result<Status<Header<&'a [u8]>>, ParseError> {
    match parse_fast(buf, config) {
        Some((header, consumed)) => Ok(Status::Complete { header, consumed }),
        None => parse_full(buf, config),
    }
}

/// Fast path: a whole LOCAL or PROXY header without TLVs (health checks, and most proxied
/// connections), or a whole PROXY header whose TLVs pass the checks ([`parse_with_tlvs`]),
/// within the limit. Everything else, including every error, takes [`parse_full`], which
/// gives the same answer for these headers.
#[inline(always)]
pub(crate) fn parse_fast<'a>(
    buf: &'a [u8],
    config: &ParserConfig,
) -> Option<(Header<&'a [u8]>, usize)> {
    let fixed = buf.first_chunk::<V2_HEADER_LEN>()?;
    let addr = ADDRESS_LEN[usize::from(fixed[13])];
    let len = usize::from(u16::from_be_bytes([fixed[14], fixed[15]]));
    let plain = match fixed[12] {
        0x21 => addr != INVALID && len == usize::from(addr),
        0x20 => {
            let addr = LOCAL_ADDRESS_LEN[usize::from(fixed[13])];
            len == 0 || (addr != INVALID && len == usize::from(addr))
        }
        _ => false,
    };
    let size = V2_HEADER_LEN + len;
    if plain && fixed[..12] == SIGNATURE && size <= config.max_v2_len {
        let header = buf.get(..size)?;
        return Some((Header::new_unchecked(header), size));
    }
    let header = parse_with_tlvs(buf, config)?;
    Some((Header::new_unchecked(header), header.len()))
}

/// A whole PROXY header with TLVs that pass [`header::check_tlvs`], within the limit: its
/// bytes. `None` for anything else, which [`parse_full`] then parses (and finds the error of).
///
/// Out of line, and its answer is two registers: PROXY headers with TLVs are finished here
/// rather than after the calls through `parse_rest` and `parse_full`, their second look at
/// the fixed part and their results passed through memory; the no-TLV cases pay only for the
/// call site (measured: instructions on parse/v2_tlvs_crc and parse/v2_tcp4, see
/// benches/README.md).
///
/// It reads the fixed part again rather than taking what [`parse_fast`] decoded: with those
/// checks (or the address and size as arguments) in the inlined caller, the no-TLV cases
/// spilled registers (instructions on parse/v2_tcp4 and parse/v2_local). A header whose
/// TLVs fail is parsed again by [`parse_full`] to find its error: errors walk them twice.
#[inline(never)]
fn parse_with_tlvs<'a>(buf: &'a [u8], config: &ParserConfig) -> Option<&'a [u8]> {
    let fixed = buf.first_chunk::<V2_HEADER_LEN>()?;
    let addr = ADDRESS_LEN[usize::from(fixed[13])];
    let len = usize::from(u16::from_be_bytes([fixed[14], fixed[15]]));
    let size = V2_HEADER_LEN + len;
    let start = V2_HEADER_LEN + usize::from(addr);
    if fixed[12] != 0x21
        || addr == INVALID
        || start >= size
        || fixed[..12] != SIGNATURE
        || size > config.max_v2_len
    {
        return None;
    }
    let header = buf.get(..size)?;
    header::check_tlvs(header, start, config.verify_crc32c)
        .is_ok()
        .then_some(header)
}

/// Every v2 header: incomplete input, errors, TLVs and their checks.
#[inline(never)]
pub(crate) fn parse_full<'a>(
    buf: &'a [u8],
    config: &ParserConfig,
) -> Result<Status<Header<&'a [u8]>>, ParseError> {
    let Some(fixed) = buf.first_chunk::<V2_HEADER_LEN>() else {
        return partial(buf).map(|needed| Status::Incomplete { needed });
    };
    if fixed[..12] != SIGNATURE {
        return Err(signature_mismatch(buf));
    }
    let ver_cmd = fixed[12];
    check_version_command(ver_cmd)?;
    let fam_proto = fixed[13];
    let len = u16::from_be_bytes([fixed[14], fixed[15]]);
    let size = V2_HEADER_LEN + len as usize;
    if size > config.max_v2_len {
        return Err(ParseError::V2TooLong {
            size,
            limit: config.max_v2_len,
        });
    }
    if ver_cmd & 0xf == 1 {
        check_proxy_block(fam_proto, len)?;
    }
    let Some(header) = buf.get(..size) else {
        let missing = size - buf.len();
        return Ok(Status::Incomplete {
            needed: NonZeroUsize::new(missing).unwrap_or(NonZeroUsize::MIN),
        });
    };
    if let Some(start) = tlv_start(ver_cmd, fam_proto, len) {
        if start < size {
            header::check_tlvs(header, start, config.verify_crc32c)?;
        }
    }
    Ok(Status::Complete {
        header: Header::new_unchecked(header),
        consumed: size,
    })
}

/// Byte 12: version 2, command LOCAL or PROXY.
pub(crate) fn check_version_command(ver_cmd: u8) -> Result<(), ParseError> {
    if ver_cmd >> 4 != 2 {
        return Err(ParseError::UnsupportedVersion {
            version: ver_cmd >> 4,
        });
    }
    if ver_cmd & 0xf > 1 {
        return Err(ParseError::InvalidCommand {
            command: ver_cmd & 0xf,
        });
    }
    Ok(())
}

/// For PROXY: a valid family and protocol, and a `len` that holds the address block.
#[inline]
fn check_proxy_block(fam_proto: u8, len: u16) -> Result<(), ParseError> {
    let required = ADDRESS_LEN[usize::from(fam_proto)];
    if required == INVALID {
        return Err(ParseError::InvalidFamilyProtocol { byte: fam_proto });
    }
    let required = u16::from(required);
    if len < required {
        return Err(ParseError::AddressBlockTooShort { len, required });
    }
    Ok(())
}

#[cold]
fn signature_mismatch(buf: &[u8]) -> ParseError {
    let (offset, byte) = buf
        .iter()
        .zip(SIGNATURE.iter())
        .enumerate()
        .find(|(_, (b, s))| b != s)
        .map_or((0, 0), |(i, (&b, _))| (i, b));
    ParseError::NotProxyHeader { offset, byte }
}

/// Fewer than 16 bytes: incomplete while they are a prefix of a valid fixed part.
#[cold]
fn partial(buf: &[u8]) -> Result<NonZeroUsize, ParseError> {
    if buf.iter().zip(SIGNATURE.iter()).any(|(b, s)| b != s) {
        return Err(signature_mismatch(buf));
    }
    if let Some(&ver_cmd) = buf.get(12) {
        check_version_command(ver_cmd)?;
        if let Some(&fam_proto) = buf.get(13) {
            if ver_cmd & 0xf == 1 && ADDRESS_LEN[usize::from(fam_proto)] == INVALID {
                return Err(ParseError::InvalidFamilyProtocol { byte: fam_proto });
            }
        }
    }
    Ok(NonZeroUsize::new(V2_HEADER_LEN - buf.len()).unwrap_or(NonZeroUsize::MIN))
}

#[cfg(test)]
mod tests {
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
                            let mut config = ParserConfig::new();
                            config.max_v2_header_len(max);
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
            let mut config = ParserConfig::new();
            config.verify_crc32c = round % 3 != 0;
            if next() % 8 == 0 {
                config.max_v2_header_len(16 + (next() % 120) as usize);
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
