//! The invariants the byte-input fuzz targets check, one public function per target.
//!
//! Each function panics (with a message saying which rule broke) when the library disagrees
//! with the contract of PROTOCOL.md §2-3, and returns quietly otherwise. The same file is
//! compiled into `tests/fuzz_regressions.rs` (with `#[path]`), so a crash input found by the
//! fuzzer replays through exactly the checks that caught it.
//!
//! Under `cfg(fuzzing)` the library skips CRC32C verification by default (so the fuzzer gets
//! past checksums); [`crc_config`] turns it back on. In a normal build verification is always
//! on, and every check here holds in both builds.

use std::io;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

use proxy_wire::v2::{self, TlvType};
use proxy_wire::{
    v1, Addresses, Encode, EncodeError, Endpoint, Header, OwnedHeader, ParseError, ParserConfig,
    Status,
};

/// The longest v2 header: 16 + 65535.
const V2_MAX: usize = v2::V2_MAX_LEN;

/// A configuration that verifies CRC32C, in fuzzing builds too.
pub fn crc_config() -> ParserConfig {
    let config = ParserConfig::new();
    #[cfg(fuzzing)]
    let config = config.verify_crc32c(true);
    config
}

/// A version parser's outcome as the top-level `Header` (`wrap` is `Header::V1` or `V2`).
pub fn lift<'a, T>(
    result: Result<Status<T>, ParseError>,
    wrap: impl FnOnce(T) -> Header<'a>,
) -> Result<Status<Header<'a>>, ParseError> {
    result.map(|s| match s {
        Status::Complete { header, consumed } => Status::Complete {
            header: wrap(header),
            consumed,
        },
        Status::Incomplete { needed } => Status::Incomplete { needed },
    })
}

/// The address family nibble of a v2 header (byte 13) as `Addresses` would report it.
fn family_of(a: &Addresses<'_>) -> u8 {
    match a {
        Addresses::Unspec => 0,
        Addresses::Inet { .. } => 1,
        Addresses::Inet6 { .. } => 2,
        Addresses::Unix { .. } => 3,
        _ => unreachable!("a new family"),
    }
}

/// CRC-32C (Castagnoli), bit by bit: the reference the library's table-driven code is
/// compared with.
pub fn crc32c_reference(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0x82F6_3B78
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// The reference CRC32C of `header` with the 4 bytes at `at` zeroed.
pub fn crc_with_zeroed_field(header: &[u8], at: usize) -> u32 {
    let mut copy = header.to_vec();
    copy[at..at + 4].fill(0);
    crc32c_reference(&copy)
}

/// Offset (in the header) of the first CRC32C TLV's value, if the header's TLVs have one.
pub fn first_crc_offset(header: &v2::Header<'_>) -> Option<usize> {
    let base = header.as_bytes().as_ptr() as usize;
    header
        .tlvs()
        .find(|t| t.tlv_type() == TlvType::CRC32C)
        .map(|t| t.value_bytes().as_ptr() as usize - base)
}

/// Where a checked v2 header's TLV area starts, by PROTOCOL.md §1 (None: opaque LOCAL body).
fn tlv_area_start(bytes: &[u8]) -> Option<usize> {
    let (ver_cmd, fam_proto) = (bytes[12], bytes[13]);
    let len = usize::from(u16::from_be_bytes([bytes[14], bytes[15]]));
    let addr = match (fam_proto >> 4, fam_proto & 0xf) {
        (0, 0..=2) => 0,
        (1, 0..=2) => 12,
        (2, 0..=2) => 36,
        (3, 0..=2) => 216,
        _ => return None,
    };
    if ver_cmd & 0xf == 0 && len < addr {
        return None;
    }
    Some(16 + addr)
}

// ----------------------------------------------------------------------------------------
// Targets
// ----------------------------------------------------------------------------------------

/// Target `parse`: the top-level parser on arbitrary bytes.
pub fn parse(data: &[u8]) {
    let result = proxy_wire::parse(data);
    // The top level is the version-pinned parser its first byte selects.
    match data.first() {
        Some(b'P') => assert_eq!(
            result,
            lift(v1::parse(data), Header::V1),
            "parse and v1::parse disagree"
        ),
        Some(b'\r') => assert_eq!(
            result,
            lift(v2::parse(data), Header::V2),
            "parse and v2::parse disagree"
        ),
        Some(&byte) => assert_eq!(
            result,
            Err(ParseError::NotProxyHeader { offset: 0, byte }),
            "a first byte that starts neither version"
        ),
        None => assert!(result.is_ok_and(|s| s.is_incomplete()), "empty input"),
    }
    check_outcome(data, result);
    check_disabled_versions(data, result);
    check_datagram(data, result);
    v1_differential(data);
}

/// Target `parse_v1`: the v1-only entry points.
pub fn parse_v1(data: &[u8]) {
    let result = v1::parse(data);
    if data.first() == Some(&b'P') {
        assert_eq!(proxy_wire::parse(data), lift(result, Header::V1));
    }
    if data.starts_with(&v2::SIGNATURE[..1]) {
        assert!(
            matches!(result, Err(ParseError::NotProxyHeader { offset: 0, .. })),
            "v1::parse must refuse v2 input at byte 0: {result:?}"
        );
    }
    check_outcome(data, lift(result, Header::V1));
    v1_differential(data);
}

/// Target `parse_v2`: the v2-only entry points, with several size limits, and the owned view.
pub fn parse_v2(data: &[u8]) {
    let result = v2::parse(data);
    if data.first() == Some(&b'\r') {
        assert_eq!(proxy_wire::parse(data), lift(result, Header::V2));
    }
    if data.first() == Some(&b'P') {
        assert!(
            matches!(result, Err(ParseError::NotProxyHeader { offset: 0, .. })),
            "v2::parse must refuse v1 input at byte 0: {result:?}"
        );
    }
    check_limits(data);
    // The owned header accepts exactly one whole header (of either version: v1 lines and the
    // empty input, where the auto-detecting answer differs from v2's, are left to the
    // top-level checks).
    let owned = OwnedHeader::new(data.to_vec());
    match result {
        _ if matches!(data.first(), None | Some(b'P')) => {}
        Ok(Status::Complete { header, consumed }) if consumed == data.len() => {
            let owned = owned.unwrap_or_else(|e| panic!("OwnedHeader::new refused a header: {e}"));
            assert_eq!(owned.header(), Header::V2(header));
            assert_eq!(owned.as_bytes().len(), consumed);
            assert_eq!(owned.into_bytes(), data);
        }
        Ok(Status::Complete { consumed, .. }) => assert_eq!(
            owned.map(|_| ()),
            Err(ParseError::TrailingBytes {
                header: consumed,
                available: data.len()
            })
        ),
        Ok(Status::Incomplete { needed }) => assert_eq!(
            owned.map(|_| ()),
            Err(ParseError::Truncated {
                version: 2,
                available: data.len(),
                needed: needed.get()
            })
        ),
        Err(e) => assert_eq!(owned.map(|_| ()), Err(e)),
    }
    check_outcome(data, lift(result, Header::V2));
}

/// Target `split`: the first two bytes choose a cut point in the rest. The prefix's outcome
/// must agree with the whole's, and `needed` must be a sound lower bound.
pub fn split(data: &[u8]) {
    let Some((cut, whole)) = data.split_first_chunk::<2>() else {
        return;
    };
    let k = usize::from(u16::from_le_bytes(*cut)) % (whole.len() + 1);
    let prefix = &whole[..k];
    let full = proxy_wire::parse(whole);
    let part = proxy_wire::parse(prefix);
    match (part, full) {
        // A header complete in the prefix is the same header in the whole.
        (Ok(Status::Complete { .. }), _) => {
            assert_eq!(part, full, "prefix complete, whole different (cut {k})")
        }
        // An error in the prefix is the same error in the whole.
        (Err(_), _) => assert_eq!(part, full, "prefix error, whole different (cut {k})"),
        (Ok(Status::Incomplete { needed }), Ok(Status::Complete { consumed, .. })) => {
            assert!(
                k < consumed,
                "prefix of {k} bytes incomplete, whole complete at {consumed}"
            );
            assert!(
                k + needed.get() <= consumed,
                "needed {} after {k} bytes overshoots a header of {consumed}",
                needed.get()
            );
        }
        (Ok(Status::Incomplete { needed }), Ok(Status::Incomplete { needed: rest })) => {
            assert!(
                k + needed.get() <= whole.len() + rest.get(),
                "needed {} after {k} bytes overshoots what the whole ({} + {}) still lacks",
                needed.get(),
                whole.len(),
                rest.get()
            );
        }
        (Ok(Status::Incomplete { .. }), Err(_)) => {}
    }
    // v2 knows its size once the fixed part is in: `needed` is then exact.
    if let (Ok(Status::Incomplete { needed }), Some(fixed)) = (part, prefix.first_chunk::<16>()) {
        if fixed.starts_with(&v2::SIGNATURE) {
            let size = 16 + usize::from(u16::from_be_bytes([fixed[14], fixed[15]]));
            assert_eq!(k + needed.get(), size, "v2 needed is not exact");
        }
    }
    // Every strict prefix of a complete header is incomplete, with a sound bound.
    if let Ok(Status::Complete { consumed, .. }) = full {
        for j in 0..consumed {
            match proxy_wire::parse(&whole[..j]) {
                Ok(Status::Incomplete { needed }) => assert!(
                    j + needed.get() <= consumed,
                    "needed {} after {j} bytes overshoots a header of {consumed}",
                    needed.get()
                ),
                other => panic!("strict prefix of {j} bytes (header {consumed}): {other:?}"),
            }
        }
    }
    check_outcome(whole, full);
}

/// Target `parse_crc`: CRC32C verification on, compared with a bit-by-bit reference.
pub fn parse_crc(data: &[u8]) {
    let strict = crc_config();
    let verified = strict.parse(data);
    let lenient = ParserConfig::new().parse(data);
    match verified {
        Err(ParseError::ChecksumMismatch { carried, computed }) => {
            assert_ne!(carried, computed);
            // Without verification (fuzzing builds) the same bytes are a complete header
            // whose first CRC32C TLV carries `carried`; with it, the same error.
            match lenient {
                Ok(Status::Complete {
                    header: Header::V2(h),
                    ..
                }) => {
                    let at = first_crc_offset(&h).expect("a mismatch needs a CRC32C TLV");
                    let bytes = h.as_bytes();
                    let field = u32::from_be_bytes(bytes[at..at + 4].try_into().unwrap());
                    assert_eq!(carried, field, "carried value is not the TLV's");
                    assert_eq!(computed, crc_with_zeroed_field(bytes, at), "computed CRC");
                }
                other => assert_eq!(other, verified, "lenient parse of a bad checksum"),
            }
        }
        _ => assert_eq!(
            verified, lenient,
            "CRC verification changed a non-CRC outcome"
        ),
    }
    if let Ok(Status::Complete {
        header: Header::V2(h),
        consumed,
    }) = verified
    {
        if let Some(at) = first_crc_offset(&h) {
            let bytes = h.as_bytes();
            let field = u32::from_be_bytes(bytes[at..at + 4].try_into().unwrap());
            assert_eq!(
                field,
                crc_with_zeroed_field(bytes, at),
                "a header with a wrong CRC32C was accepted"
            );
            assert_eq!(h.crc32c(), Some(field));
        }
        assert_eq!(consumed, h.as_bytes().len());
    }
    // Fix the checksum up with the reference and the verifying parser must accept it; flip a
    // bit of it and the parser must report exactly that mismatch.
    if let Ok(Status::Complete {
        header: Header::V2(h),
        consumed,
    }) = lenient
    {
        if let Some(at) = first_crc_offset(&h) {
            let mut fixed = data[..consumed].to_vec();
            let good = crc_with_zeroed_field(&fixed, at);
            fixed[at..at + 4].copy_from_slice(&good.to_be_bytes());
            match strict.parse(&fixed) {
                Ok(Status::Complete {
                    header,
                    consumed: c,
                }) => {
                    assert_eq!(c, consumed);
                    let crc = match header {
                        Header::V2(h) => h.crc32c(),
                        Header::V1(_) => None,
                    };
                    assert_eq!(crc, Some(good));
                }
                other => panic!("a header with a correct CRC32C was refused: {other:?}"),
            }
            let bad = good ^ (1 << (data.len() % 32));
            fixed[at..at + 4].copy_from_slice(&bad.to_be_bytes());
            assert_eq!(
                strict.parse(&fixed),
                Err(ParseError::ChecksumMismatch {
                    carried: bad,
                    computed: good
                })
            );
        }
    }
    check_outcome(data, verified);
}

// ----------------------------------------------------------------------------------------
// Shared checks
// ----------------------------------------------------------------------------------------

/// Whatever the outcome, it is consistent: complete headers re-encode and re-parse, incomplete
/// counts stay within the largest header, errors format and convert.
fn check_outcome(data: &[u8], result: Result<Status<Header<'_>>, ParseError>) {
    match result {
        Ok(Status::Complete { header, consumed }) => check_complete(data, header, consumed),
        Ok(Status::Incomplete { needed }) => {
            let max = if data.first() == Some(&b'P') {
                v1::V1_MAX_LEN
            } else {
                V2_MAX
            };
            assert!(
                data.len() + needed.get() <= max,
                "incomplete: {} bytes + {} needed exceeds the largest header ({max})",
                data.len(),
                needed.get()
            );
        }
        Err(e) => check_error(e),
    }
}

fn check_error(e: ParseError) {
    let _ = e.category();
    assert!(!std::format!("{e}").is_empty());
    let io: io::Error = e.into();
    assert_eq!(io.kind(), io::ErrorKind::InvalidData);
}

/// A complete header: `consumed` is in range, the same bytes alone (or with other bytes after
/// them) parse the same, every accessor answers, and the header re-encodes and re-parses.
fn check_complete(data: &[u8], header: Header<'_>, consumed: usize) {
    assert!(
        0 < consumed && consumed <= data.len(),
        "consumed {consumed} of {}",
        data.len()
    );
    let bytes = &data[..consumed];
    assert_eq!(
        proxy_wire::parse(bytes),
        Ok(Status::Complete { header, consumed }),
        "the header's own bytes parse differently"
    );
    let owned = OwnedHeader::new(bytes.to_vec())
        .unwrap_or_else(|e| panic!("OwnedHeader::new refused a parsed header: {e}"));
    assert_eq!(owned.header(), header, "the owned header reads differently");
    let mut extended = bytes.to_vec();
    extended.extend_from_slice(b"\r\n\r\nPROXY \0junk");
    assert_eq!(
        proxy_wire::parse(&extended),
        Ok(Status::Complete { header, consumed }),
        "bytes after the header changed the outcome"
    );
    assert_eq!(header.source(), header.addresses().source());
    assert_eq!(header.destination(), header.addresses().destination());
    let _ = std::format!("{header:?}");
    match header {
        Header::V1(h) => {
            assert_eq!(header.version(), 1);
            assert!(consumed <= v1::V1_MAX_LEN && bytes.ends_with(b"\r\n"));
            assert_eq!(header.tlvs().count(), 0);
            let addresses = match h {
                v1::Header::Tcp4 { src, dst } => Addresses::Inet { src, dst },
                v1::Header::Tcp6 { src, dst } => Addresses::Inet6 { src, dst },
                _ => Addresses::Unspec,
            };
            assert_eq!(header.addresses(), addresses);
            let expected_command = if h == v1::Header::Unknown {
                v2::Command::Local
            } else {
                v2::Command::Proxy
            };
            assert_eq!(header.command(), expected_command);
            check_v1_reencode(&h, bytes);
        }
        Header::V2(h) => {
            assert_eq!(header.version(), 2);
            assert_eq!(h.as_bytes(), bytes);
            let len = u16::from_be_bytes([bytes[14], bytes[15]]);
            assert_eq!(consumed, 16 + usize::from(len));
            check_v2_accessors(&h);
            check_v2_reencode(&h);
        }
    }
    check_encode_errors(&header);
}

fn check_v1_reencode(h: &v1::Header, bytes: &[u8]) {
    let n = h.encoded_len();
    let mut out = std::vec![0u8; n];
    assert_eq!(h.encode(&mut out), Ok(n));
    assert_eq!(
        v1::parse(&out),
        Ok(Status::Complete {
            header: *h,
            consumed: n
        }),
        "re-encoded v1 line {:?} parses differently",
        String::from_utf8_lossy(&out)
    );
    let text = match h {
        // Dotted quads and ports without heading zeros have one spelling: the input's.
        v1::Header::Tcp4 { .. } => bytes.to_vec(),
        // TCP6 re-encodes to RFC 5952 text, as std writes it.
        v1::Header::Tcp6 { src, dst } => std::format!(
            "PROXY TCP6 {} {} {} {}\r\n",
            src.ip(),
            dst.ip(),
            src.port(),
            dst.port()
        )
        .into_bytes(),
        v1::Header::Unknown => {
            assert!(bytes.starts_with(b"PROXY UNKNOWN"));
            b"PROXY UNKNOWN\r\n".to_vec()
        }
    };
    assert_eq!(
        out,
        text,
        "v1 re-encoding {:?} is not the canonical {:?}",
        String::from_utf8_lossy(&out),
        String::from_utf8_lossy(&text)
    );
}

/// Every accessor of a parsed v2 header answers without panicking, and they agree with each
/// other and with the bytes.
fn check_v2_accessors(h: &v2::Header<'_>) {
    let bytes = h.as_bytes();
    let command = if bytes[12] & 0xf == 1 {
        v2::Command::Proxy
    } else {
        v2::Command::Local
    };
    assert_eq!(h.command(), command);
    let addresses = h.addresses();
    match (command, addresses) {
        (v2::Command::Local, a) => assert_eq!(a, Addresses::Unspec),
        (_, Addresses::Unix { src, dst }) => {
            assert!(src.len() <= 108 && dst.len() <= 108);
            assert!(src.last() != Some(&0) && dst.last() != Some(&0));
            assert_eq!(bytes[13] >> 4, 3);
        }
        (_, a) => assert_eq!(family_of(&a), bytes[13] >> 4),
    }
    let top = Header::V2(*h);
    assert_eq!(top.source(), addresses.source());
    assert_eq!(top.destination(), addresses.destination());
    // The TLVs tile the TLV area exactly.
    let total: usize = h.tlvs().map(|t| 3 + t.value_bytes().len()).sum();
    match tlv_area_start(bytes) {
        Some(start) if start <= bytes.len() => assert_eq!(total, bytes.len() - start),
        _ => assert_eq!(total, 0),
    }
    let mut count = 0usize;
    for tlv in h.tlvs() {
        count += 1;
        assert!(count <= bytes.len() / 3, "more TLVs than the area can hold");
        let _ = std::format!("{tlv:?}");
        match tlv.value() {
            Ok(v2::TlvValue::Ssl(ssl)) => {
                for sub in ssl.sub_tlvs() {
                    let _ = sub.value();
                }
                let _ = (ssl.version(), ssl.cn(), ssl.cipher(), ssl.client_cert());
                let _ = (ssl.sig_alg(), ssl.key_alg(), ssl.group(), ssl.sig_scheme());
                let _ = std::format!("{ssl:?}");
            }
            Ok(_) => {}
            Err(e) => check_error(e),
        }
        match tlv.tlv_type() {
            TlvType::CRC32C => assert_eq!(tlv.value_bytes().len(), 4),
            TlvType::UNIQUE_ID => assert!(tlv.value_bytes().len() <= 128),
            TlvType::SSL => assert!(
                matches!(tlv.value(), Ok(v2::TlvValue::Ssl(_))),
                "a parsed header's SSL TLV does not read"
            ),
            _ => {}
        }
    }
    let first = |t: TlvType| h.tlvs().find(|x| x.tlv_type() == t);
    assert_eq!(h.find_tlv(TlvType::ALPN), first(TlvType::ALPN));
    // The header's accessors: the first TLV of the type, decoded as `Tlv::value` does;
    // vendor ones the first of the right subtype.
    let decoded = |t: TlvType| first(t).and_then(|x| x.value().ok());
    assert_eq!(top.alpn(), first(TlvType::ALPN).map(|t| t.value_bytes()));
    let authority = match decoded(TlvType::AUTHORITY) {
        Some(v2::TlvValue::Authority(s)) => Some(s),
        _ => None,
    };
    assert_eq!(top.authority(), authority);
    assert_eq!(
        top.unique_id(),
        first(TlvType::UNIQUE_ID).map(|t| t.value_bytes())
    );
    let netns = match decoded(TlvType::NETNS) {
        Some(v2::TlvValue::Netns(s)) => Some(s),
        _ => None,
    };
    assert_eq!(top.netns(), netns);
    let aws = h.tlvs().find_map(|t| match t.value() {
        Ok(v2::TlvValue::AwsVpceId(s)) => Some(s),
        _ => None,
    });
    assert_eq!(top.aws_vpce_id(), aws);
    assert_eq!(top.ssl().is_some(), first(TlvType::SSL).is_some());
    assert_eq!(
        h.crc32c(),
        first(TlvType::CRC32C).map(|t| u32::from_be_bytes(t.value_bytes().try_into().unwrap()))
    );
}

/// A parsed v2 header encodes back to its own bytes, except the first CRC32C value, which is
/// recomputed; the result parses, with verification on, to the same header.
fn check_v2_reencode(h: &v2::Header<'_>) {
    let bytes = h.as_bytes();
    let n = h.encoded_len();
    assert_eq!(n, bytes.len());
    let mut out = std::vec![0u8; n];
    assert_eq!(h.encode(&mut out), Ok(n));
    let crc_at = first_crc_offset(h);
    match crc_at {
        Some(at) => {
            assert_eq!(
                out[..at],
                bytes[..at],
                "re-encoding changed bytes before the CRC"
            );
            assert_eq!(
                out[at + 4..],
                bytes[at + 4..],
                "re-encoding changed bytes after the CRC"
            );
            let written = u32::from_be_bytes(out[at..at + 4].try_into().unwrap());
            assert_eq!(
                written,
                crc_with_zeroed_field(&out, at),
                "recomputed CRC32C"
            );
        }
        None => assert_eq!(out, bytes, "re-encoding changed the header"),
    }
    let reparsed = match crc_config().parse(&out) {
        Ok(Status::Complete {
            header: Header::V2(header),
            consumed,
        }) => {
            assert_eq!(consumed, n);
            header
        }
        other => panic!("re-encoded v2 header does not parse: {other:?}"),
    };
    assert_eq!(reparsed.command(), h.command());
    assert_eq!(reparsed.protocol(), h.protocol());
    assert_eq!(reparsed.as_bytes()[13], bytes[13]);
    assert_eq!(reparsed.addresses(), h.addresses());
    let (a, b): (Vec<_>, Vec<_>) = (h.tlvs().collect(), reparsed.tlvs().collect());
    assert_eq!(a.len(), b.len(), "TLV count changed");
    for (x, y) in a.iter().zip(&b) {
        assert_eq!(x.tlv_type(), y.tlv_type());
        let is_crc = crc_at
            .is_some_and(|at| x.value_bytes().as_ptr() as usize - bytes.as_ptr() as usize == at);
        if !is_crc {
            assert_eq!(x.value_bytes(), y.value_bytes(), "TLV value changed");
        }
    }
    // Through the top-level enum, and through `write_to`, the bytes are the same.
    let mut again = std::vec![0u8; n];
    assert_eq!(Header::V2(*h).encode(&mut again), Ok(n));
    assert_eq!(again, out);
    let mut written = Vec::new();
    assert_eq!(h.write_to(&mut written).ok(), Some(n));
    assert_eq!(written, out);
}

/// A buffer one byte short is an error that writes nothing; a larger buffer is written only
/// up to the header's length.
fn check_encode_errors(header: &Header<'_>) {
    let n = header.encoded_len();
    let mut small = std::vec![0xA5u8; n - 1];
    assert_eq!(
        header.encode(&mut small),
        Err(EncodeError::BufferTooSmall {
            needed: n,
            available: n - 1
        })
    );
    assert!(
        small.iter().all(|&b| b == 0xA5),
        "a failed encode wrote bytes"
    );
    let mut large = std::vec![0xA5u8; n + 200];
    assert_eq!(header.encode(&mut large), Ok(n));
    assert!(
        large[n..].iter().all(|&b| b == 0xA5),
        "encode wrote past the header"
    );
}

/// The version switches: a disabled version is `VersionDisabled`, unless the input is not a
/// header of that version at all.
fn check_disabled_versions(data: &[u8], result: Result<Status<Header<'_>>, ParseError>) {
    for (v1_on, v2_on) in [(false, true), (true, false), (false, false)] {
        let got = ParserConfig::new()
            .accept_v1(v1_on)
            .accept_v2(v2_on)
            .parse(data);
        let (first_is, on) = match data.first() {
            Some(b'P') => (1, v1_on),
            Some(b'\r') => (2, v2_on),
            _ => (0, true),
        };
        if on {
            if data.is_empty() && !v1_on {
                // The shortest header is then v2's 16 bytes.
                assert!(
                    matches!(got, Ok(Status::Incomplete { needed }) if needed.get() == 16),
                    "{got:?}"
                );
            } else {
                assert_eq!(got, result, "an enabled version parsed differently");
            }
        } else {
            match result {
                Err(e @ ParseError::NotProxyHeader { .. }) => assert_eq!(got, Err(e)),
                _ => assert_eq!(
                    got,
                    Err(ParseError::VersionDisabled { version: first_is }),
                    "disabled version"
                ),
            }
        }
    }
}

/// A datagram holds a whole header: complete gives the header and the payload after it,
/// unless the header is a v1 line or a v2 PROXY header for STREAM (`WrongTransport`);
/// incomplete is `Truncated`.
fn check_datagram(data: &[u8], result: Result<Status<Header<'_>>, ParseError>) {
    let got = proxy_wire::parse_datagram(data);
    match result {
        Ok(Status::Complete { header, consumed }) => {
            let for_stream = match &header {
                Header::V1(_) => true,
                Header::V2(h) => {
                    h.command() == v2::Command::Proxy && h.protocol() == v2::Protocol::Stream
                }
            };
            if for_stream {
                assert_eq!(
                    got,
                    Err(ParseError::WrongTransport {
                        version: header.version(),
                        in_datagram: true
                    })
                );
            } else {
                assert_eq!(got, Ok((header, &data[consumed..])))
            }
        }
        Ok(Status::Incomplete { needed }) => assert_eq!(
            got,
            Err(ParseError::Truncated {
                version: if data.first() == Some(&b'P') { 1 } else { 2 },
                available: data.len(),
                needed: needed.get()
            })
        ),
        Err(e) => assert_eq!(got, Err(e)),
    }
}

/// The v1 address and port tokens, against std's parsers: what we accept std reads as the
/// same value; a token we call bad, std refuses too.
fn v1_differential(data: &[u8]) {
    match v1::parse(data) {
        Ok(Status::Complete { header, consumed }) => {
            let line = &data[6..consumed - 2];
            let tokens: Vec<&[u8]> = line.split(|&b| b == b' ').collect();
            let (src, dst) = match header {
                v1::Header::Tcp4 { src, dst } => {
                    assert_eq!(tokens.len(), 5, "TCP4 line has 5 tokens after PROXY");
                    assert_eq!(tokens[0], b"TCP4");
                    assert_eq!(std_ip::<Ipv4Addr>(tokens[1]), Some(*src.ip()));
                    assert_eq!(std_ip::<Ipv4Addr>(tokens[2]), Some(*dst.ip()));
                    (src.port(), dst.port())
                }
                v1::Header::Tcp6 { src, dst } => {
                    assert_eq!(tokens.len(), 5, "TCP6 line has 5 tokens after PROXY");
                    assert_eq!(tokens[0], b"TCP6");
                    assert_eq!(std_ip::<Ipv6Addr>(tokens[1]), Some(*src.ip()));
                    assert_eq!(std_ip::<Ipv6Addr>(tokens[2]), Some(*dst.ip()));
                    (src.port(), dst.port())
                }
                v1::Header::Unknown => {
                    assert!(tokens[0] == b"UNKNOWN", "UNKNOWN line");
                    assert!(
                        !line.contains(&b'\r') && !line.contains(&b'\n'),
                        "a lone CR or LF inside an accepted line"
                    );
                    return;
                }
            };
            assert!(port_token_ok(tokens[3]) && port_token_ok(tokens[4]));
            assert_eq!(std_port(tokens[3]), Some(src));
            assert_eq!(std_port(tokens[4]), Some(dst));
        }
        Err(ParseError::BadAddress { field, offset }) => {
            let Some(token) = token_at(data, offset) else {
                return;
            };
            let ok = if data.get(6..10) == Some(b"TCP4") {
                std_ip::<Ipv4Addr>(token).is_some()
            } else {
                std_ip::<Ipv6Addr>(token).is_some()
            };
            assert!(
                !ok,
                "{field:?} address {:?} is valid for std but refused",
                String::from_utf8_lossy(token)
            );
        }
        Err(ParseError::BadPort { field, offset }) => {
            let Some(token) = token_at(data, offset) else {
                return;
            };
            // The destination port ends the line: its token ends at CR.
            let token = match field {
                Endpoint::Destination => token.split(|&b| b == b'\r').next().unwrap_or(token),
                Endpoint::Source => token,
            };
            assert!(
                !port_token_ok(token),
                "{field:?} port {:?} is valid but refused",
                String::from_utf8_lossy(token)
            );
        }
        _ => {}
    }
}

/// The space-terminated token starting at `offset`, if its end is in `data`.
fn token_at(data: &[u8], offset: usize) -> Option<&[u8]> {
    let rest = data.get(offset..)?;
    let end = rest.iter().position(|&b| b == b' ' || b == b'\n')?;
    Some(&rest[..end])
}

fn std_ip<T: FromStr>(token: &[u8]) -> Option<T> {
    std::str::from_utf8(token).ok()?.parse().ok()
}

fn std_port(token: &[u8]) -> Option<u16> {
    std::str::from_utf8(token).ok()?.parse().ok()
}

/// PROTOCOL.md §1: decimal 0..65535, no sign, no heading zeros, never empty.
fn port_token_ok(token: &[u8]) -> bool {
    !token.is_empty()
        && token.len() <= 5
        && token.iter().all(u8::is_ascii_digit)
        && (token.len() == 1 || token[0] != b'0')
        && std_port(token).is_some()
}

/// Size limits: a header over the limit is `V2TooLong` as soon as its length is seen; one
/// within it parses as without a limit.
fn check_limits(data: &[u8]) {
    let size = data
        .first_chunk::<16>()
        .filter(|f| f.starts_with(&v2::SIGNATURE) && f[12] >> 4 == 2 && f[12] & 0xf <= 1)
        .map(|f| 16 + usize::from(u16::from_be_bytes([f[14], f[15]])));
    // Within the limit the configured parser answers as the default one does (for input that
    // is not v2, such as "" or a v1 line, that answer is not `result`).
    let unlimited = proxy_wire::parse(data);
    for limit in [16, 28, 52, 232, 300, 1024, V2_MAX] {
        let got = ParserConfig::new().max_v2_header_len(limit).parse(data);
        match size {
            Some(size) if size > limit => {
                assert_eq!(
                    got,
                    Err(ParseError::V2TooLong { size, limit }),
                    "limit {limit}"
                )
            }
            _ => assert_eq!(got, unlimited, "limit {limit} changed the outcome"),
        }
    }
}
