//! Fuzzing builds only (`cfg(fuzzing)`, hidden): checks that each fast parse path agrees with
//! the precise parser it stands in for, called by the `fast_precise` fuzz target. The fast
//! paths stay private (STYLE §4, §63); this module is how the fuzzer reaches them.
//!
//! What "agree" means here:
//!
//! * When a fast path answers, the precise parser gives exactly that answer: `Complete`, an
//!   equal header (for v2 the same bytes, from which every field is read) and the same
//!   `consumed`.
//! * A fast path may decline (`None`) anything, and then the precise parser decides. So every
//!   public entry point, which runs a fast path first, must give the precise parser's answer:
//!   the same `Complete`, `Incomplete` with the same `needed`, or the same error (hence the
//!   same category).
//! * Declining is not a free pass: a fast path that declined everything would agree with
//!   everything. The headers each fast path exists for must be taken when the precise parser
//!   accepts them (v1: TCP4, TCP6 without dotted tails, the bare `PROXY UNKNOWN\r\n`; v2: a
//!   LOCAL header without a body, a PROXY header for TCP over IPv4 or IPv6 with or without
//!   TLVs).
//!
//! Each check panics with the input in hex when this breaks, and returns quietly otherwise.

#![forbid(unsafe_code)]

use core::fmt;

use crate::config::ParserConfig;
use crate::error::ParseError;
use crate::header::Header;
use crate::status::Status;
use crate::{v1, v2};

/// One parse outcome of either version.
type Outcome<'a> = Result<Status<Header<'a>>, ParseError>;

/// Input bytes shown as one hex string in a panic message, to paste into a regression test.
struct Hex<'a>(&'a [u8]);

impl fmt::Display for Hex<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.iter().try_for_each(|b| write!(f, "{b:02x}"))
    }
}

/// The v1 fast path (`v1::fast::line`, and `fast::tcp4_parts` that `ParserConfig::parse`
/// takes for TCP4) against `v1::parse_precise`, and `v1::parse` against the precise answer.
pub fn v1_fast_agrees(buf: &[u8]) {
    let precise = v1::parse_precise(buf);
    let fast = v1::fast_line(buf);
    if let Some((header, consumed)) = fast {
        assert_eq!(
            precise,
            Ok(Status::Complete { header, consumed }),
            "v1 fast::line disagrees with parse_precise on {}",
            Hex(buf)
        );
    }
    if v1::is_tcp4(buf) {
        let parts = v1::tcp4_parts(buf)
            .map(|(src, dst, consumed)| (v1::Header::Tcp4 { src, dst }, consumed));
        assert_eq!(
            parts,
            fast,
            "v1 fast::tcp4_parts and fast::line differ on {}",
            Hex(buf)
        );
    }
    if let Ok(Status::Complete { header, consumed }) = precise {
        let line = buf.get(..consumed).unwrap_or(buf);
        let for_fast = match header {
            v1::Header::Tcp4 { .. } => true,
            // dotted IPv4 tails are left to the precise parser
            v1::Header::Tcp6 { .. } => !line.contains(&b'.'),
            v1::Header::Unknown => consumed == v1::V1_MIN_LEN,
        };
        assert!(
            !for_fast || fast.is_some(),
            "v1 fast path declined a line it is for: {}",
            Hex(buf)
        );
    }
    assert_eq!(
        v1::parse(buf),
        precise,
        "v1::parse differs from parse_precise on {}",
        Hex(buf)
    );
}

/// The v2 fast path (`v2::parse_fast`, with its out-of-line TLV check) against
/// `v2::parse_full` under `config`, and `v2::parse_with` against the precise answer.
pub fn v2_fast_agrees(buf: &[u8], config: &ParserConfig) {
    let full = v2::parse_full(buf, &config.v2);
    let fast = v2::parse_fast(buf, &config.v2);
    if let Some((header, consumed)) = fast {
        // a view over the input's own first `consumed` bytes, not a copy or another range
        assert!(
            buf.get(..consumed)
                .is_some_and(|b| core::ptr::eq(b, header.as_bytes())),
            "v2 parse_fast's header is not the input's first {consumed} bytes: {}",
            Hex(buf)
        );
        assert_eq!(
            full,
            Ok(Status::Complete { header, consumed }),
            "v2 parse_fast disagrees with parse_full ({config:?}) on {}",
            Hex(buf)
        );
    }
    if let (Ok(Status::Complete { .. }), Some(fixed)) = (&full, buf.first_chunk::<16>()) {
        let for_fast = match fixed[12] {
            0x21 => matches!(fixed[13], 0x11 | 0x21),
            0x20 => fixed[14..] == [0, 0],
            _ => false,
        };
        assert!(
            !for_fast || fast.is_some(),
            "v2 parse_fast declined a header it is for ({config:?}): {}",
            Hex(buf)
        );
    }
    assert_eq!(
        v2::parse_with(buf, &config.v2),
        full,
        "v2::parse_with differs from parse_full ({config:?}) on {}",
        Hex(buf)
    );
}

/// The answer of `config.parse(buf)` built from the precise parsers alone: the first byte
/// picks the version, a disabled version is `VersionDisabled` unless the input is no PROXY
/// header at all.
fn precise<'a>(buf: &'a [u8], config: &ParserConfig) -> Outcome<'a> {
    let v1 = || v1::parse_precise(buf).map(|s| s.map(Header::V1));
    let v2 = |config: &ParserConfig| v2::parse_full(buf, &config.v2).map(|s| s.map(Header::V2));
    let disabled = |outcome: Outcome<'a>, version| match outcome {
        Err(e @ ParseError::NotProxyHeader { .. }) => Err(e),
        _ => Err(ParseError::VersionDisabled { version }),
    };
    match buf.first() {
        Some(b'P') if config.accept_v1 => v1(),
        Some(b'P') => disabled(v1(), 1),
        Some(b'\r') if config.accept_v2 => v2(config),
        Some(b'\r') => disabled(v2(&ParserConfig::DEFAULT), 2),
        Some(_) => {
            // neither signature: both parsers name the same first byte
            let (one, two) = (v1(), v2(config));
            assert_eq!(one, two, "v1 and v2 refuse {} differently", Hex(buf));
            one
        }
        // the shortest header of an accepted version
        None if config.accept_v1 => v1(),
        None => v2(config),
    }
}

/// `config.parse` against the precise parsers.
pub fn config_agrees(buf: &[u8], config: &ParserConfig) {
    assert_eq!(
        config.parse(buf),
        precise(buf, config),
        "ParserConfig::parse ({config:?}) differs from the precise parsers on {}",
        Hex(buf)
    );
}

/// The version modules' default entry points (`v1::parse`, `v2::parse`) against the precise
/// parsers. (`crate::parse` is `ParserConfig::new().parse`; the fuzz target compares those.)
pub fn defaults_agree(buf: &[u8]) {
    let config = ParserConfig::DEFAULT;
    assert_eq!(
        v1::parse(buf),
        v1::parse_precise(buf),
        "v1::parse differs from parse_precise on {}",
        Hex(buf)
    );
    assert_eq!(
        v2::parse(buf),
        v2::parse_full(buf, &config.v2),
        "v2::parse differs from parse_full on {}",
        Hex(buf)
    );
}

/// Every check above on `buf`, under configurations that move the fast paths' decisions:
/// CRC32C verification off (the fuzzing default) and on, size limits (fixed ones, and the
/// input's own declared size and one byte less), and each version disabled.
pub fn fast_paths_agree(buf: &[u8]) {
    v1_fast_agrees(buf);
    let declared = buf
        .first_chunk::<16>()
        .map_or(0, |f| 16 + usize::from(u16::from_be_bytes([f[14], f[15]])));
    let config = |max, crc, accept_v1, accept_v2| {
        ParserConfig::new()
            .max_v2_header_len(max)
            .verify_crc32c(crc)
            .accept_v1(accept_v1)
            .accept_v2(accept_v2)
    };
    let all = v2::V2_MAX_LEN;
    for config in [
        config(all, false, true, true),
        config(all, true, true, true),
        config(0, false, true, true),
        config(16, false, true, true),
        config(28, false, true, true),
        config(52, true, true, true),
        config(declared, true, true, true),
        config(declared.saturating_sub(1), false, true, true),
        config(all, false, false, true),
        config(all, true, true, false),
        config(all, false, false, false),
    ] {
        v2_fast_agrees(buf, &config);
        config_agrees(buf, &config);
    }
    // after the per-path checks, whose messages name the path that broke
    defaults_agree(buf);
}
