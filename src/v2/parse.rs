//! The v2 parser: a fast path for whole, valid headers and a precise one for everything else.
#![forbid(unsafe_code)]

use core::num::NonZeroUsize;

use super::header::Header;
use super::tlv::check_tlvs;
use super::wire::{
    check_proxy_block, check_version_command, partial, signature_mismatch, tlv_start, ADDRESS_LEN,
    INVALID, LOCAL_ADDRESS_LEN, SIGNATURE, V2_HEADER_LEN, V2_MAX_LEN,
};
use crate::error::ParseError;
use crate::status::Status;

/// What a [`crate::ParserConfig`] sets for v2: the largest header accepted, and whether CRC32C
/// TLVs are verified (always, except in fuzzing builds, so the fuzzer can reach past them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Limits {
    pub(crate) max_len: usize,
    pub(crate) verify_crc32c: bool,
}

impl Limits {
    pub(crate) const DEFAULT: Self = Self {
        max_len: V2_MAX_LEN,
        verify_crc32c: !cfg!(fuzzing),
    };
}

/// The v2 parser behind [`super::parse`] and [`crate::ParserConfig::parse`].
///
/// The fixed part is read by offset, not with nom: it is 16 bytes at known positions, and this
/// is the whole cost of the common header without TLVs. The TLV area is walked by hand too
/// (`check_tlvs`); nom only reads a few fixed-size TLV values.
#[inline]
pub(crate) fn parse_with<'a>(
    buf: &'a [u8],
    limits: &Limits,
) -> Result<Status<Header<'a>>, ParseError> {
    parse_as(buf, limits, |h| h)
}

/// [`parse_with`], with the caller's header type built where the result is made: re-wrapping
/// a finished `Status` copied it through memory (bench case `compare` parse-v2_tcp4).
#[inline(always)]
pub(crate) fn parse_as<'a, H>(
    buf: &'a [u8],
    limits: &Limits,
    wrap: impl FnOnce(Header<'a>) -> H,
) -> Result<Status<H>, ParseError> {
    match parse_fast(buf, limits) {
        Some((header, consumed)) => Ok(Status::Complete {
            header: wrap(header),
            consumed,
        }),
        None => parse_full(buf, limits).map(|s| s.map(wrap)),
    }
}

/// Fast path: a whole LOCAL or PROXY header without TLVs (health checks, and most proxied
/// connections), or a whole PROXY header whose TLVs pass the checks ([`parse_with_tlvs`]),
/// within the limit. Everything else, including every error, takes [`parse_full`], which
/// gives the same answer for these headers.
#[inline(always)]
pub(crate) fn parse_fast<'a>(buf: &'a [u8], limits: &Limits) -> Option<(Header<'a>, usize)> {
    let fixed = buf.first_chunk::<V2_HEADER_LEN>()?;
    let addr = ADDRESS_LEN[usize::from(fixed[13])];
    let len = usize::from(u16::from_be_bytes([fixed[14], fixed[15]]));
    let plain = match fixed[12] {
        0x21 => addr != INVALID && len == usize::from(addr),
        // LOCAL: empty, or exactly its family's block. An invalid family (`INVALID`, 255)
        // needs no test: a LOCAL body with one is opaque, accepted at any length.
        0x20 => len == 0 || len == usize::from(LOCAL_ADDRESS_LEN[usize::from(fixed[13])]),
        _ => false,
    };
    let size = V2_HEADER_LEN + len;
    if plain && fixed[..12] == SIGNATURE && size <= limits.max_len {
        let header = buf.get(..size)?;
        return Some((Header::new_unchecked(header), size));
    }
    let header = parse_with_tlvs(buf, limits)?;
    Some((Header::new_unchecked(header), header.len()))
}

/// A whole PROXY header with TLVs that pass [`check_tlvs`], within the limit: its
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
pub(crate) fn parse_with_tlvs<'a>(buf: &'a [u8], limits: &Limits) -> Option<&'a [u8]> {
    let fixed = buf.first_chunk::<V2_HEADER_LEN>()?;
    let addr = ADDRESS_LEN[usize::from(fixed[13])];
    let len = usize::from(u16::from_be_bytes([fixed[14], fixed[15]]));
    let size = V2_HEADER_LEN + len;
    let start = V2_HEADER_LEN + usize::from(addr);
    if fixed[12] != 0x21
        || addr == INVALID
        || start >= size
        || fixed[..12] != SIGNATURE
        || size > limits.max_len
    {
        return None;
    }
    let header = buf.get(..size)?;
    check_tlvs(header, start, limits.verify_crc32c)
        .is_ok()
        .then_some(header)
}

/// Every v2 header: incomplete input, errors, TLVs and their checks.
#[inline(never)]
pub(crate) fn parse_full<'a>(
    buf: &'a [u8],
    limits: &Limits,
) -> Result<Status<Header<'a>>, ParseError> {
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
    if size > limits.max_len {
        return Err(ParseError::V2TooLong {
            size,
            limit: limits.max_len,
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
            check_tlvs(header, start, limits.verify_crc32c)?;
        }
    }
    Ok(Status::Complete {
        header: Header::new_unchecked(header),
        consumed: size,
    })
}
