//! [`Header`]: a checked view over the bytes of one v2 header.

#![forbid(unsafe_code)]

use core::fmt;
use core::net::{Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};

use super::{crc32c, tlv_start, Command, Family, Protocol, Ssl, Tlv, TlvType, Tlvs};
use crate::{Addresses, Encode, EncodeError, ParseError, ParserConfig, Status};

/// Byte ranges of the fixed part and the address blocks (section 2.2 of the specification).
mod field {
    use core::ops::Range;

    pub(super) const VER_CMD: usize = 12;
    pub(super) const FAM_PROTO: usize = 13;
    pub(super) const LEN: Range<usize> = 14..16;

    pub(super) const IPV4_SRC: Range<usize> = 16..20;
    pub(super) const IPV4_DST: Range<usize> = 20..24;
    pub(super) const IPV4_SRC_PORT: Range<usize> = 24..26;
    pub(super) const IPV4_DST_PORT: Range<usize> = 26..28;

    pub(super) const IPV6_SRC: Range<usize> = 16..32;
    pub(super) const IPV6_DST: Range<usize> = 32..48;
    pub(super) const IPV6_SRC_PORT: Range<usize> = 48..50;
    pub(super) const IPV6_DST_PORT: Range<usize> = 50..52;

    pub(super) const UNIX_SRC: Range<usize> = 16..124;
    pub(super) const UNIX_DST: Range<usize> = 124..232;
}

/// A v2 header: a view over exactly its `16 + len` bytes, checked once by
/// [`v2::parse`](super::parse) or [`Header::new_checked`], after which no accessor can fail or
/// panic.
///
/// `B` is anything that holds the bytes: `&[u8]` from the parser, or an owned `Vec<u8>` /
/// `bytes::Bytes` to keep a header past the buffer it came in. Accessors that hand out parts of
/// the header (addresses of UNIX sockets, TLVs) live on `Header<&'a T>` so that what they return
/// borrows the bytes, not the view; call [`Header::as_borrowed`] on an owned header first.
///
/// ```
/// use proxy_wire::{v2, Status};
///
/// let input = b"\r\n\r\n\0\r\nQUIT\n\x21\x11\x00\x0c\xc0\x00\x02\x01\xc6\x33\x64\x02\xdc\x04\x01\xbb";
/// let Ok(Status::Complete { header, .. }) = v2::parse(input) else { panic!() };
/// assert_eq!(header.command(), v2::Command::Proxy);
/// assert_eq!(header.family(), v2::Family::Inet);
/// assert_eq!(header.protocol(), v2::Protocol::Stream);
/// assert_eq!(header.source(), Some("192.0.2.1:56324".parse().unwrap()));
/// assert_eq!(header.destination(), Some("198.51.100.2:443".parse().unwrap()));
/// assert_eq!(header.len(), 28);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Header<B> {
    buf: B,
}

impl<B: AsRef<[u8]>> Header<B> {
    /// Wraps `buf`, which must hold exactly one complete v2 header, after checking it as
    /// [`v2::parse`](super::parse) would with the default configuration.
    ///
    /// # Errors
    /// The parse error; [`ParseError::Truncated`] if `buf` ends inside the header, and
    /// [`ParseError::TrailingBytes`] if bytes follow it.
    ///
    /// ```
    /// use proxy_wire::v2;
    ///
    /// let owned: Vec<u8> = b"\r\n\r\n\0\r\nQUIT\n\x20\x00\x00\x00".to_vec();
    /// let header = v2::Header::new_checked(owned).unwrap();
    /// assert_eq!(header.command(), v2::Command::Local);
    /// assert!(v2::Header::new_checked(&b"\r\n\r\n"[..]).is_err());
    /// ```
    pub fn new_checked(buf: B) -> Result<Self, ParseError> {
        let bytes = buf.as_ref();
        match super::parse_with(bytes, &ParserConfig::DEFAULT)? {
            Status::Complete { consumed, .. } if consumed == bytes.len() => Ok(Self { buf }),
            Status::Complete { consumed, .. } => Err(ParseError::TrailingBytes {
                header: consumed,
                available: bytes.len(),
            }),
            Status::Incomplete { needed } => Err(ParseError::Truncated {
                version: 2,
                available: bytes.len(),
                needed: needed.get(),
            }),
        }
    }

    /// `buf` was checked by the parser and holds exactly the header.
    #[inline(always)]
    pub(crate) const fn new_unchecked(buf: B) -> Self {
        Self { buf }
    }

    #[inline(always)]
    fn bytes(&self) -> &[u8] {
        self.buf.as_ref()
    }

    #[inline(always)]
    fn byte(&self, i: usize) -> u8 {
        self.bytes().get(i).copied().unwrap_or(0)
    }

    /// The header's bytes, signature to last TLV.
    ///
    /// ```
    /// # use proxy_wire::{v2, Status};
    /// let input = b"\r\n\r\n\0\r\nQUIT\n\x20\x00\x00\x00GET /";
    /// let Ok(Status::Complete { header, .. }) = v2::parse(input) else { panic!() };
    /// assert_eq!(header.as_bytes(), &input[..16]);
    /// ```
    pub fn as_bytes(&self) -> &[u8] {
        self.bytes()
    }

    /// Gives back what the view wraps.
    ///
    /// ```
    /// # use proxy_wire::v2;
    /// let header = v2::Header::new_checked(b"\r\n\r\n\0\r\nQUIT\n\x20\x00\x00\x00".to_vec()).unwrap();
    /// let bytes: Vec<u8> = header.into_inner();
    /// assert_eq!(bytes.len(), 16);
    /// ```
    pub fn into_inner(self) -> B {
        self.buf
    }

    /// A view borrowing this header's bytes, with the accessors of `Header<&[u8]>`.
    ///
    /// ```
    /// # use proxy_wire::v2;
    /// let owned = v2::Header::new_checked(b"\r\n\r\n\0\r\nQUIT\n\x20\x00\x00\x00".to_vec()).unwrap();
    /// assert_eq!(owned.as_borrowed().tlvs().count(), 0);
    /// ```
    pub fn as_borrowed(&self) -> Header<&[u8]> {
        Header { buf: self.bytes() }
    }

    /// The header's length on the wire: `16 + len`.
    ///
    /// ```
    /// # use proxy_wire::v2;
    /// let header = v2::Header::new_checked(&b"\r\n\r\n\0\r\nQUIT\n\x20\x00\x00\x00"[..]).unwrap();
    /// assert_eq!(header.len(), 16);
    /// ```
    #[allow(clippy::len_without_is_empty)] // a header is never empty
    pub fn len(&self) -> usize {
        self.bytes().len()
    }

    /// LOCAL or PROXY.
    ///
    /// ```
    /// # use proxy_wire::v2;
    /// let header = v2::Header::new_checked(&b"\r\n\r\n\0\r\nQUIT\n\x20\x00\x00\x00"[..]).unwrap();
    /// assert_eq!(header.command(), v2::Command::Local);
    /// ```
    pub fn command(&self) -> Command {
        if self.byte(field::VER_CMD) & 0xf == 1 {
            Command::Proxy
        } else {
            Command::Local
        }
    }

    /// The address family of byte 13. A LOCAL header may carry any byte there; one that names
    /// no family reads as [`Family::Unspec`] ([`Header::family_protocol_byte`] has it raw).
    ///
    /// ```
    /// # use proxy_wire::v2;
    /// let header = v2::Header::new_checked(&b"\r\n\r\n\0\r\nQUIT\n\x20\x00\x00\x00"[..]).unwrap();
    /// assert_eq!(header.family(), v2::Family::Unspec);
    /// ```
    pub fn family(&self) -> Family {
        Family::from_nibble(self.byte(field::FAM_PROTO) >> 4).unwrap_or(Family::Unspec)
    }

    /// The transport protocol of byte 13 ([`Protocol::Unspec`] for a LOCAL header's invalid
    /// nibble).
    ///
    /// ```
    /// # use proxy_wire::v2;
    /// let header = v2::Header::new_checked(&b"\r\n\r\n\0\r\nQUIT\n\x20\x00\x00\x00"[..]).unwrap();
    /// assert_eq!(header.protocol(), v2::Protocol::Unspec);
    /// ```
    pub fn protocol(&self) -> Protocol {
        Protocol::from_nibble(self.byte(field::FAM_PROTO) & 0xf).unwrap_or(Protocol::Unspec)
    }

    /// Byte 13 as it is on the wire.
    ///
    /// ```
    /// # use proxy_wire::v2;
    /// let header = v2::Header::new_checked(&b"\r\n\r\n\0\r\nQUIT\n\x20\xff\x00\x00"[..]).unwrap();
    /// assert_eq!(header.family_protocol_byte(), 0xff);
    /// ```
    pub fn family_protocol_byte(&self) -> u8 {
        self.byte(field::FAM_PROTO)
    }

    /// Offset of the TLV area, if the header has one.
    #[inline]
    fn tlv_area_start(&self) -> Option<usize> {
        let f = self.bytes().first_chunk::<16>()?;
        let len = u16::from_be_bytes([f[field::LEN.start], f[field::LEN.start + 1]]);
        tlv_start(f[field::VER_CMD], f[field::FAM_PROTO], len)
    }

    /// The original source, for a PROXY header over IPv4 or IPv6.
    ///
    /// ```
    /// # use proxy_wire::v2;
    /// let header = v2::Header::new_checked(&b"\r\n\r\n\0\r\nQUIT\n\x20\x00\x00\x00"[..]).unwrap();
    /// assert_eq!(header.source(), None); // LOCAL: use the connection's own addresses
    /// ```
    pub fn source(&self) -> Option<SocketAddr> {
        self.as_borrowed().addresses().source()
    }

    /// The original destination, for a PROXY header over IPv4 or IPv6.
    ///
    /// ```
    /// # use proxy_wire::v2;
    /// let header = v2::Header::new_checked(&b"\r\n\r\n\0\r\nQUIT\n\x20\x00\x00\x00"[..]).unwrap();
    /// assert_eq!(header.destination(), None);
    /// ```
    pub fn destination(&self) -> Option<SocketAddr> {
        self.as_borrowed().addresses().destination()
    }

    /// The value carried by the first CRC32C TLV, if any (already verified by the parser).
    ///
    /// ```
    /// # use proxy_wire::v2;
    /// let hc = b"\r\n\r\n\0\r\nQUIT\n\x20\x00\x00\x07\x03\x00\x04\xa9\xb8\x7e\x8f";
    /// let header = v2::Header::new_checked(&hc[..]).unwrap();
    /// assert_eq!(header.crc32c(), Some(0xa9b8_7e8f));
    /// ```
    pub fn crc32c(&self) -> Option<u32> {
        self.as_borrowed()
            .find_tlv(TlvType::CRC32C)
            .and_then(|t| t.value_bytes().first_chunk::<4>().copied())
            .map(u32::from_be_bytes)
    }
}

impl<'a, T: AsRef<[u8]> + ?Sized> Header<&'a T> {
    #[inline(always)]
    fn slice(&self) -> &'a [u8] {
        self.buf.as_ref()
    }

    /// The addresses the header carries. `Unspec` for LOCAL (whatever its family) and for
    /// family UNSPEC: the receiver uses the real connection's addresses.
    ///
    /// ```
    /// use proxy_wire::{v2, Addresses};
    ///
    /// let header = v2::Header::new_checked(&b"\r\n\r\n\0\r\nQUIT\n\x20\x00\x00\x00"[..]).unwrap();
    /// assert_eq!(header.addresses(), Addresses::Unspec);
    /// ```
    pub fn addresses(&self) -> Addresses<'a> {
        let b = self.slice();
        if self.command() == Command::Local {
            return Addresses::Unspec;
        }
        // Fixed-size views of the checked header: constant offsets, no bounds checks.
        match self.family() {
            Family::Unspec => Addresses::Unspec,
            Family::Inet => match b.first_chunk::<28>() {
                Some(a) => Addresses::Inet {
                    src: SocketAddrV4::new(
                        Ipv4Addr::from(sub::<4, 28>(a, field::IPV4_SRC.start)),
                        u16::from_be_bytes(sub(a, field::IPV4_SRC_PORT.start)),
                    ),
                    dst: SocketAddrV4::new(
                        Ipv4Addr::from(sub::<4, 28>(a, field::IPV4_DST.start)),
                        u16::from_be_bytes(sub(a, field::IPV4_DST_PORT.start)),
                    ),
                },
                None => Addresses::Unspec,
            },
            Family::Inet6 => match b.first_chunk::<52>() {
                Some(a) => Addresses::Inet6 {
                    src: SocketAddrV6::new(
                        Ipv6Addr::from(sub::<16, 52>(a, field::IPV6_SRC.start)),
                        u16::from_be_bytes(sub(a, field::IPV6_SRC_PORT.start)),
                        0,
                        0,
                    ),
                    dst: SocketAddrV6::new(
                        Ipv6Addr::from(sub::<16, 52>(a, field::IPV6_DST.start)),
                        u16::from_be_bytes(sub(a, field::IPV6_DST_PORT.start)),
                        0,
                        0,
                    ),
                },
                None => Addresses::Unspec,
            },
            Family::Unix => Addresses::Unix {
                src: trim_nul(b.get(field::UNIX_SRC).unwrap_or(&[])),
                dst: trim_nul(b.get(field::UNIX_DST).unwrap_or(&[])),
            },
        }
    }

    /// Every top-level TLV in wire order, duplicates and unknown types included.
    ///
    /// ```
    /// # use proxy_wire::v2;
    /// let input = b"\r\n\r\n\0\r\nQUIT\n\x20\x00\x00\x0a\x01\x00\x02h2\xe0\x00\x02ab";
    /// let header = v2::Header::new_checked(&input[..]).unwrap();
    /// let types: Vec<u8> = header.tlvs().map(|t| t.tlv_type().0).collect();
    /// assert_eq!(types, [0x01, 0xe0]);
    /// ```
    pub fn tlvs(&self) -> Tlvs<'a> {
        let b = self.slice();
        match self.tlv_area_start() {
            Some(start) => Tlvs::checked(b.get(start..).unwrap_or(&[]), start),
            None => Tlvs::new(&[], b.len()),
        }
    }

    /// The first TLV of type `tlv_type`.
    ///
    /// ```
    /// # use proxy_wire::v2::{self, TlvType};
    /// let input = b"\r\n\r\n\0\r\nQUIT\n\x20\x00\x00\x05\x01\x00\x02h2";
    /// let header = v2::Header::new_checked(&input[..]).unwrap();
    /// assert_eq!(header.find_tlv(TlvType::ALPN).unwrap().value_bytes(), b"h2");
    /// ```
    pub fn find_tlv(&self, tlv_type: TlvType) -> Option<Tlv<'a>> {
        self.tlvs().find(|t| t.tlv_type() == tlv_type)
    }

    /// The first SSL TLV, for [`crate::Header::ssl`].
    pub(crate) fn ssl(&self) -> Option<Ssl<'a>> {
        // The parser checked every SSL TLV's framing: no second walk of its sub-TLVs.
        self.find_tlv(TlvType::SSL)
            .and_then(|t| Ssl::from_checked(t.value_bytes()))
    }
}

/// `N` bytes at a constant offset of a fixed-size block (folded to plain loads).
#[inline(always)]
fn sub<const N: usize, const M: usize>(block: &[u8; M], at: usize) -> [u8; N] {
    let mut out = [0u8; N];
    if let Some(src) = block.get(at..at + N) {
        out.copy_from_slice(src);
    }
    out
}

fn trim_nul(path: &[u8]) -> &[u8] {
    let end = path.iter().rposition(|&c| c != 0).map_or(0, |i| i + 1);
    &path[..end]
}

impl<B: AsRef<[u8]>> fmt::Debug for Header<B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let view = self.as_borrowed();
        f.debug_struct("v2::Header")
            .field("command", &self.command())
            .field("family", &self.family())
            .field("protocol", &self.protocol())
            .field("len", &self.len())
            .field("addresses", &view.addresses())
            .field("tlvs", &view.tlvs())
            .finish()
    }
}

impl<B: AsRef<[u8]>> Encode for Header<B> {
    /// The header's length: a decoded header encodes back to its own bytes.
    fn encoded_len(&self) -> usize {
        self.len()
    }

    /// Copies the header, recomputing the CRC32C TLV if there is one.
    fn encode(&self, out: &mut [u8]) -> Result<usize, EncodeError> {
        let src = self.bytes();
        let n = src.len();
        let available = out.len();
        let dst = out.get_mut(..n).ok_or(EncodeError::BufferTooSmall {
            needed: n,
            available,
        })?;
        dst.copy_from_slice(src);
        if let Some(at) = self
            .as_borrowed()
            .tlvs()
            .find(|t| t.tlv_type() == TlvType::CRC32C)
            .map(|t| t.value_offset())
        {
            crc32c::patch(dst, at);
        }
        Ok(n)
    }
}

/// Checks that `area` (at offset `base` of the header) is a chain of TLVs that ends exactly at
/// its end. Truncation is corruption here: the area's length is known (STYLE §27).
///
/// Hand-written rather than nom's `(be_u8, be_u16)` + `take`: this loop runs over the SSL
/// sub-TLVs of every header that has them, and its shape (the remaining slice only, offsets
/// computed on error) is the cheapest LLVM makes of it (measured: instructions on
/// parse/v2_tlvs_crc, see benches/README.md).
#[inline]
pub(crate) fn check_framing(area: &[u8], base: usize) -> Result<(), ParseError> {
    let mut rest = area;
    while let Some((&[_, hi, lo], after)) = rest.split_first_chunk::<3>() {
        match after.get(usize::from(u16::from_be_bytes([hi, lo]))..) {
            Some(next) => rest = next,
            None => return Err(framing_error(rest, base + (area.len() - rest.len()))),
        }
    }
    if rest.is_empty() {
        Ok(())
    } else {
        Err(framing_error(rest, base + (area.len() - rest.len())))
    }
}

/// The error for the TLV at the start of `rest` (at `offset`), which is truncated or overruns
/// the end of `rest`.
#[cold]
#[inline(never)]
fn framing_error(rest: &[u8], offset: usize) -> ParseError {
    match rest.split_first_chunk::<3>() {
        Some((&[tlv_type, hi, lo], after)) => ParseError::TlvOverrun {
            offset,
            tlv_type,
            declared: u16::from_be_bytes([hi, lo]),
            available: after.len(),
        },
        None => ParseError::TlvHeaderTruncated {
            offset,
            available: rest.len(),
        },
    }
}

/// Types whose TLVs the parser checks beyond framing (conformance rules 10-13), as bits of a
/// mask indexed by the type's low 6 bits: one bit test per TLV instead of three compares. Types
/// of 64 and above that alias a bit (0x43, 0x45, 0x60, ...) take the slow path and match
/// nothing there.
const CHECKED_TYPES: u64 = 1 << TlvType::CRC32C.0 | 1 << TlvType::UNIQUE_ID.0 | 1 << TlvType::SSL.0;

/// Checks the TLV area of `header` (from `start`): framing, the per-type conformance
/// rules 10-13, and the CRC32C if present and `verify_crc` is on.
///
/// One pass over the remaining slice; a TLV's offset is `header.len() - rest.len()` (the area
/// ends where the header does), computed only where it is needed: cheaper than a walk with a
/// closure per TLV and offsets kept up to date (measured: instructions on parse/v2_tlvs_crc, see
/// benches/README.md).
#[inline]
pub(crate) fn check_tlvs(header: &[u8], start: usize, verify_crc: bool) -> Result<(), ParseError> {
    let mut rest = header.get(start..).unwrap_or(&[]);
    let mut crc_at = None;
    while let Some((&[tlv_type, hi, lo], after)) = rest.split_first_chunk::<3>() {
        let declared = u16::from_be_bytes([hi, lo]);
        let Some((value, next)) = after.split_at_checked(usize::from(declared)) else {
            return Err(framing_error(rest, header.len() - rest.len()));
        };
        if CHECKED_TYPES >> (tlv_type & 63) & 1 != 0 {
            let offset = header.len() - rest.len();
            match TlvType(tlv_type) {
                TlvType::CRC32C if declared != 4 => {
                    return Err(ParseError::Crc32cLength {
                        offset,
                        len: declared,
                    })
                }
                TlvType::CRC32C => {
                    crc_at.get_or_insert(offset + 3);
                }
                TlvType::UNIQUE_ID if value.len() > super::UNIQUE_ID_MAX_LEN => {
                    return Err(ParseError::UniqueIdTooLong {
                        offset,
                        len: declared,
                    })
                }
                TlvType::SSL => check_ssl(value, offset)?,
                _ => {}
            }
        }
        rest = next;
    }
    if !rest.is_empty() {
        return Err(framing_error(rest, header.len() - rest.len()));
    }
    if let Some(at) = crc_at {
        if verify_crc {
            crc32c::verify(header, at)?;
        }
    }
    Ok(())
}

/// An SSL TLV's value (the TLV at `offset`): 1 byte client, 4 bytes verify, then well-framed
/// sub-TLVs.
#[inline]
pub(crate) fn check_ssl(value: &[u8], offset: usize) -> Result<(), ParseError> {
    match value.get(Ssl::FIXED_LEN..) {
        Some(subs) => check_framing(subs, offset + 3 + Ssl::FIXED_LEN),
        None => Err(ParseError::SslTooShort {
            offset,
            len: value.len() as u16,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    extern crate std;
    use std::vec::Vec;

    /// The TLV walk as it was before `check_framing` / the fused `check_tlvs` loop (offsets
    /// computed per TLV, a closure per TLV): the reference they must agree with.
    fn walk_reference<'a>(
        area: &'a [u8],
        base: usize,
        mut each: impl FnMut(u8, &'a [u8], usize) -> Result<(), ParseError>,
    ) -> Result<(), ParseError> {
        let mut rest = area;
        while !rest.is_empty() {
            let offset = base + (area.len() - rest.len());
            let Some((&[tlv_type, hi, lo], after)) = rest.split_first_chunk::<3>() else {
                return Err(ParseError::TlvHeaderTruncated {
                    offset,
                    available: rest.len(),
                });
            };
            let declared = u16::from_be_bytes([hi, lo]);
            let Some((value, after)) = after.split_at_checked(usize::from(declared)) else {
                return Err(ParseError::TlvOverrun {
                    offset,
                    tlv_type,
                    declared,
                    available: after.len(),
                });
            };
            each(tlv_type, value, offset)?;
            rest = after;
        }
        Ok(())
    }

    fn check_ssl_reference(value: &[u8], offset: usize) -> Result<(), ParseError> {
        if value.len() < Ssl::FIXED_LEN {
            return Err(ParseError::SslTooShort {
                offset,
                len: value.len() as u16,
            });
        }
        walk_reference(
            &value[Ssl::FIXED_LEN..],
            offset + 3 + Ssl::FIXED_LEN,
            |_, _, _| Ok(()),
        )
    }

    fn check_tlvs_reference(
        header: &[u8],
        start: usize,
        verify_crc: bool,
    ) -> Result<(), ParseError> {
        let area = header.get(start..).unwrap_or(&[]);
        let mut crc_at = None;
        walk_reference(area, start, |tlv_type, value, offset| {
            let len = value.len() as u16;
            match TlvType(tlv_type) {
                TlvType::CRC32C if len != 4 => Err(ParseError::Crc32cLength { offset, len }),
                TlvType::CRC32C => {
                    crc_at.get_or_insert(offset + 3);
                    Ok(())
                }
                TlvType::UNIQUE_ID if value.len() > crate::v2::UNIQUE_ID_MAX_LEN => {
                    Err(ParseError::UniqueIdTooLong { offset, len })
                }
                TlvType::SSL => check_ssl_reference(value, offset),
                _ => Ok(()),
            }
        })?;
        if let Some(at) = crc_at {
            if verify_crc {
                crc32c::verify(header, at)?;
            }
        }
        Ok(())
    }

    /// A pseudo-random TLV area: types that have rules, their aliases in the low-6-bit mask
    /// (0x43, 0x45, 0x60) and others; lengths at and around each limit; SSL values with sub-TLVs
    /// well and badly framed; sometimes a declared length that overruns or a cut header.
    fn random_area(next: &mut impl FnMut() -> u64) -> Vec<u8> {
        const TYPES: [u8; 12] = [
            0x01, 0x02, 0x03, 0x04, 0x05, 0x20, 0x21, 0x43, 0x45, 0x60, 0xe0, 0xff,
        ];
        let mut area = Vec::new();
        for _ in 0..(next() % 6) {
            let t = TYPES[(next() % TYPES.len() as u64) as usize];
            let mut value: Vec<u8> = match next() % 8 {
                0 => Vec::new(),
                1 => std::vec![0; 4],
                2 => std::vec![7; 128],
                3 => std::vec![7; 129],
                4 | 5 if t == 0x20 || next() % 2 == 0 => {
                    let mut v = std::vec![1, 0, 0, 0, 0];
                    for _ in 0..(next() % 3) {
                        let n = (next() % 6) as usize;
                        v.extend_from_slice(&[0x21, 0, n as u8]);
                        v.resize(v.len() + n, b'x');
                    }
                    let cut = (next() % 4) as usize;
                    if next() % 3 == 0 {
                        v.truncate(v.len().saturating_sub(cut));
                    }
                    v
                }
                _ => std::vec![b'v'; (next() % 9) as usize],
            };
            let mut declared = value.len() as u16;
            if next() % 16 == 0 {
                declared += 1 + (next() % 3) as u16; // overruns what follows, unless more follows
            }
            area.push(t);
            area.extend_from_slice(&declared.to_be_bytes());
            area.append(&mut value);
        }
        if next() % 8 == 0 {
            let cut = (next() % 3) as usize + 1;
            area.truncate(area.len().saturating_sub(cut));
        }
        area
    }

    #[test]
    fn check_tlvs_agrees_with_the_reference() {
        let mut next = crate::test_rng::xorshift(0x9E37_79B9_7F4A_7C15);
        let (mut ok, mut errors) = (0, 0);
        // Fewer under Miri, which interprets each case: the same checks on the first ones.
        let cases = if cfg!(miri) { 200 } else { 200_000 };
        for round in 0..cases {
            let area = random_area(&mut next);
            let mut header = super::super::SIGNATURE.to_vec();
            header.extend_from_slice(&[0x21, 0x11, 0, 0]);
            header.extend_from_slice(&[0; 12]);
            let start = header.len();
            header.extend_from_slice(&area);
            let verify_crc = round % 2 == 0;
            let got = check_tlvs(&header, start, verify_crc);
            assert_eq!(
                got,
                check_tlvs_reference(&header, start, verify_crc),
                "{area:02x?}"
            );
            if got.is_ok() {
                ok += 1;
            } else {
                errors += 1;
            }
            // The framing check alone, at any base.
            let base = (next() % 100) as usize;
            assert_eq!(
                check_framing(&area, base),
                walk_reference(&area, base, |_, _, _| Ok(())),
                "{area:02x?}"
            );
            assert_eq!(
                check_ssl(&area, base),
                check_ssl_reference(&area, base),
                "{area:02x?}"
            );
        }
        assert!(ok > cases / 20 && errors > cases / 20, "{ok} {errors}");
    }
}
