//! [`Header`]: a checked view over the bytes of one v2 header.

#![forbid(unsafe_code)]

use core::fmt;
use core::net::{Ipv4Addr, Ipv6Addr, SocketAddrV4, SocketAddrV6};

use super::crc32c;
use super::tlv::{Ssl, Tlv, TlvType, Tlvs};
use super::wire::{tlv_start, Command, Family, Protocol};
use crate::addr::Addresses;
use crate::encode::Encode;
use crate::error::EncodeError;

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
/// [`v2::parse`](super::parse), after which no accessor can fail or panic.
///
/// Most servers use the version-independent [`crate::Header`], which has the typed TLV
/// accessors (`authority`, `ssl`, ...); this view is what [`v2::parse`](super::parse) returns.
///
/// ```
/// use proxy_wire::{v2, Status};
///
/// let input = b"\r\n\r\n\0\r\nQUIT\n\x21\x11\x00\x0c\xc0\x00\x02\x01\xc6\x33\x64\x02\xdc\x04\x01\xbb";
/// let Ok(Status::Complete { header, .. }) = v2::parse(input) else { panic!() };
/// assert_eq!(header.command(), v2::Command::Proxy);
/// assert_eq!(header.protocol(), v2::Protocol::Stream);
/// assert_eq!(header.addresses().source(), Some("192.0.2.1:56324".parse().unwrap()));
/// assert_eq!(header.as_bytes().len(), 28);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Header<'a> {
    buf: &'a [u8],
}

impl<'a> Header<'a> {
    /// `buf` was checked by the parser and holds exactly the header.
    #[inline(always)]
    pub(crate) const fn new_unchecked(buf: &'a [u8]) -> Self {
        Self { buf }
    }

    #[inline(always)]
    fn byte(&self, i: usize) -> u8 {
        self.buf.get(i).copied().unwrap_or(0)
    }

    /// The header's bytes, signature to last TLV: `16 + len` of them.
    ///
    /// ```
    /// # use proxy_wire::{v2, Status};
    /// let input = b"\r\n\r\n\0\r\nQUIT\n\x20\x00\x00\x00GET /";
    /// let Ok(Status::Complete { header, .. }) = v2::parse(input) else { panic!() };
    /// assert_eq!(header.as_bytes(), &input[..16]);
    /// ```
    pub const fn as_bytes(&self) -> &'a [u8] {
        self.buf
    }

    /// LOCAL or PROXY.
    ///
    /// ```
    /// # use proxy_wire::{v2, Status};
    /// let Ok(Status::Complete { header, .. }) = v2::parse(b"\r\n\r\n\0\r\nQUIT\n\x20\x00\x00\x00") else { panic!() };
    /// assert_eq!(header.command(), v2::Command::Local);
    /// ```
    pub fn command(&self) -> Command {
        if self.byte(field::VER_CMD) & 0xf == 1 {
            Command::Proxy
        } else {
            Command::Local
        }
    }

    /// The address family of byte 13 (`Unspec` for a LOCAL header's byte that names none).
    fn family(&self) -> Family {
        Family::from_nibble(self.byte(field::FAM_PROTO) >> 4).unwrap_or(Family::Unspec)
    }

    /// The transport protocol of byte 13 ([`Protocol::Unspec`] for a LOCAL header's byte
    /// that names none).
    ///
    /// ```
    /// # use proxy_wire::{v2, Status};
    /// let Ok(Status::Complete { header, .. }) = v2::parse(b"\r\n\r\n\0\r\nQUIT\n\x20\x00\x00\x00") else { panic!() };
    /// assert_eq!(header.protocol(), v2::Protocol::Unspec);
    /// ```
    pub fn protocol(&self) -> Protocol {
        Protocol::from_nibble(self.byte(field::FAM_PROTO) & 0xf).unwrap_or(Protocol::Unspec)
    }

    /// Offset of the TLV area, if the header has one.
    #[inline]
    fn tlv_area_start(&self) -> Option<usize> {
        let f = self.buf.first_chunk::<16>()?;
        let len = u16::from_be_bytes([f[field::LEN.start], f[field::LEN.start + 1]]);
        tlv_start(f[field::VER_CMD], f[field::FAM_PROTO], len)
    }

    /// The value carried by the first CRC32C TLV, if any (already verified by the parser).
    ///
    /// ```
    /// # use proxy_wire::{v2, Status};
    /// let hc = b"\r\n\r\n\0\r\nQUIT\n\x20\x00\x00\x07\x03\x00\x04\xa9\xb8\x7e\x8f";
    /// let Ok(Status::Complete { header, .. }) = v2::parse(hc) else { panic!() };
    /// assert_eq!(header.crc32c(), Some(0xa9b8_7e8f));
    /// ```
    pub fn crc32c(&self) -> Option<u32> {
        self.find_tlv(TlvType::CRC32C)
            .and_then(|t| t.value_bytes().first_chunk::<4>().copied())
            .map(u32::from_be_bytes)
    }

    /// The addresses the header carries. `Unspec` for LOCAL (whatever its family) and for
    /// family UNSPEC: the receiver uses the real connection's addresses.
    ///
    /// ```
    /// use proxy_wire::{v2, Addresses};
    ///
    /// let header = v2::parse(b"\r\n\r\n\0\r\nQUIT\n\x20\x00\x00\x00").unwrap().complete().unwrap().0;
    /// assert_eq!(header.addresses(), Addresses::Unspec);
    /// ```
    #[inline]
    pub fn addresses(&self) -> Addresses<'a> {
        let b = self.buf;
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
    /// let header = v2::parse(input).unwrap().complete().unwrap().0;
    /// let types: Vec<u8> = header.tlvs().map(|t| t.tlv_type().0).collect();
    /// assert_eq!(types, [0x01, 0xe0]);
    /// ```
    #[inline]
    pub fn tlvs(&self) -> Tlvs<'a> {
        let b = self.buf;
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
    /// let header = v2::parse(input).unwrap().complete().unwrap().0;
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

impl fmt::Debug for Header<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("v2::Header")
            .field("command", &self.command())
            .field("protocol", &self.protocol())
            .field("len", &self.buf.len())
            .field("addresses", &self.addresses())
            .field("tlvs", &self.tlvs())
            .finish()
    }
}

impl Encode for Header<'_> {
    /// The header's length: a decoded header encodes back to its own bytes.
    fn encoded_len(&self) -> usize {
        self.buf.len()
    }

    /// Copies the header, recomputing the CRC32C TLV if there is one.
    fn encode(&self, out: &mut [u8]) -> Result<usize, EncodeError> {
        let src = self.buf;
        let n = src.len();
        let available = out.len();
        let dst = out.get_mut(..n).ok_or(EncodeError::BufferTooSmall {
            needed: n,
            available,
        })?;
        dst.copy_from_slice(src);
        if let Some(at) = self
            .tlvs()
            .find(|t| t.tlv_type() == TlvType::CRC32C)
            .map(|t| t.value_offset())
        {
            crc32c::patch(dst, at);
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use std::format;

    /// `Debug` shows the decoded fields, not the raw bytes.
    #[test]
    fn debug_shows_the_decoded_header() {
        let input = b"\r\n\r\n\0\r\nQUIT\n\x21\x11\x00\x0f\xc0\x00\x02\x01\xc0\x00\x02\x02\x03\xe8\x00\x50\x02\x00\x00";
        let (header, _) = super::super::parse(input).unwrap().complete().unwrap();
        let text = format!("{header:?}");
        assert!(text.starts_with("v2::Header { command: Proxy"), "{text}");
        for part in [
            "protocol: Stream",
            "len: 31",
            "192.0.2.1:1000",
            "192.0.2.2:80",
            "tlvs",
        ] {
            assert!(text.contains(part), "{part} in {text}");
        }
    }
}
