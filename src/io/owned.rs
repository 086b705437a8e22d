//! [`OwnedHeader`]: a header that owns its bytes, as the adapters return it.

use core::net::SocketAddr;
use std::vec::Vec;

use crate::{v1, v2, Addresses, Header, ParseError, Status};

/// A complete header of either version that owns its bytes (TLVs included), so it outlives
/// the buffer it was read into.
///
/// [`OwnedHeader::header`] re-borrows it as the parser's [`Header`], with every accessor
/// (addresses, command, TLVs) of the borrowed form.
///
/// ```
/// use proxy_wire::io::OwnedHeader;
///
/// let owned = OwnedHeader::new(b"PROXY TCP4 192.0.2.1 192.0.2.2 1000 80\r\n".to_vec()).unwrap();
/// assert_eq!(owned.version(), 1);
/// assert_eq!(owned.source(), Some("192.0.2.1:1000".parse().unwrap()));
/// assert_eq!(owned.header().tlvs().count(), 0);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct OwnedHeader {
    repr: Repr,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Repr {
    V1 { header: v1::Header, bytes: Vec<u8> },
    V2(v2::Header<Vec<u8>>),
}

impl OwnedHeader {
    /// Checks that `bytes` hold exactly one complete header of either version and wraps them.
    ///
    /// # Errors
    /// The parse error; [`ParseError::Truncated`] if `bytes` end inside the header and
    /// [`ParseError::TrailingBytes`] if bytes follow it.
    ///
    /// ```
    /// use proxy_wire::io::OwnedHeader;
    ///
    /// let owned = OwnedHeader::new(b"\r\n\r\n\0\r\nQUIT\n\x20\x00\x00\x00".to_vec()).unwrap();
    /// assert_eq!(owned.len(), 16);
    /// assert!(OwnedHeader::new(b"PROXY UNKNOWN\r\nextra".to_vec()).is_err());
    /// assert!(OwnedHeader::new(b"PROXY UNKN".to_vec()).is_err());
    /// ```
    pub fn new(bytes: Vec<u8>) -> Result<Self, ParseError> {
        let (v1, consumed) = match crate::parse(&bytes)? {
            Status::Complete { header, consumed } => (header.as_v1().copied(), consumed),
            Status::Incomplete { needed } => {
                return Err(ParseError::Truncated {
                    version: if bytes.first() == Some(&b'P') { 1 } else { 2 },
                    available: bytes.len(),
                    needed: needed.get(),
                })
            }
        };
        if consumed != bytes.len() {
            return Err(ParseError::TrailingBytes {
                header: consumed,
                available: bytes.len(),
            });
        }
        Ok(Self::from_checked(v1, bytes))
    }

    /// `bytes` are exactly one header that a parser just accepted, unchanged since; `v1` is
    /// the parsed value if it is a v1 header. No second parse.
    pub(crate) fn from_checked(v1: Option<v1::Header>, bytes: Vec<u8>) -> Self {
        let repr = match v1 {
            Some(header) => Repr::V1 { header, bytes },
            None => Repr::V2(v2::Header::new_unchecked(bytes)),
        };
        Self { repr }
    }

    /// The header as the parser's borrowed [`Header`], with all its accessors.
    ///
    /// ```
    /// use proxy_wire::{io::OwnedHeader, v2, Encode};
    ///
    /// let src: std::net::SocketAddr = "192.0.2.1:1000".parse().unwrap();
    /// let dst: std::net::SocketAddr = "192.0.2.2:443".parse().unwrap();
    /// let tlvs = [v2::TlvSpec::authority("example.com")];
    /// let mut bytes = Vec::new();
    /// v2::Builder::proxy(v2::Protocol::Stream, (src, dst)).tlvs(&tlvs).write_to(&mut bytes).unwrap();
    ///
    /// let owned = OwnedHeader::new(bytes).unwrap();
    /// let header = owned.header();
    /// assert_eq!(header.as_v2().unwrap().authority(), Some(&b"example.com"[..]));
    /// ```
    pub fn header(&self) -> Header<'_> {
        match &self.repr {
            Repr::V1 { header, .. } => Header::V1(*header),
            Repr::V2(h) => Header::V2(h.as_borrowed()),
        }
    }

    /// 1 or 2.
    ///
    /// ```
    /// # use proxy_wire::io::OwnedHeader;
    /// let owned = OwnedHeader::new(b"PROXY UNKNOWN\r\n".to_vec()).unwrap();
    /// assert_eq!(owned.version(), 1);
    /// ```
    pub fn version(&self) -> u8 {
        match self.repr {
            Repr::V1 { .. } => 1,
            Repr::V2(_) => 2,
        }
    }

    /// The header's bytes as they came off the wire.
    ///
    /// ```
    /// # use proxy_wire::io::OwnedHeader;
    /// let owned = OwnedHeader::new(b"PROXY UNKNOWN\r\n".to_vec()).unwrap();
    /// assert_eq!(owned.as_bytes(), b"PROXY UNKNOWN\r\n");
    /// ```
    pub fn as_bytes(&self) -> &[u8] {
        match &self.repr {
            Repr::V1 { bytes, .. } => bytes,
            Repr::V2(h) => h.as_bytes(),
        }
    }

    /// The header's length on the wire.
    ///
    /// ```
    /// # use proxy_wire::io::OwnedHeader;
    /// let owned = OwnedHeader::new(b"PROXY UNKNOWN\r\n".to_vec()).unwrap();
    /// assert_eq!(owned.len(), 15);
    /// ```
    #[allow(clippy::len_without_is_empty)] // a header is never empty
    pub fn len(&self) -> usize {
        self.as_bytes().len()
    }

    /// Gives back the header's bytes.
    ///
    /// ```
    /// # use proxy_wire::io::OwnedHeader;
    /// let owned = OwnedHeader::new(b"PROXY UNKNOWN\r\n".to_vec()).unwrap();
    /// assert_eq!(owned.into_bytes(), b"PROXY UNKNOWN\r\n".to_vec());
    /// ```
    pub fn into_bytes(self) -> Vec<u8> {
        match self.repr {
            Repr::V1 { bytes, .. } => bytes,
            Repr::V2(h) => h.into_inner(),
        }
    }

    /// The carried addresses (`Unspec` for v1 `UNKNOWN`, v2 `LOCAL` and family `UNSPEC`).
    ///
    /// ```
    /// # use proxy_wire::{io::OwnedHeader, Addresses};
    /// let owned = OwnedHeader::new(b"PROXY UNKNOWN\r\n".to_vec()).unwrap();
    /// assert_eq!(owned.addresses(), Addresses::Unspec);
    /// ```
    pub fn addresses(&self) -> Addresses<'_> {
        self.header().addresses()
    }

    /// The original client's address, when the header carries an IP one.
    ///
    /// ```
    /// # use proxy_wire::io::OwnedHeader;
    /// let owned = OwnedHeader::new(b"PROXY TCP6 2001:db8::1 2001:db8::2 1 2\r\n".to_vec()).unwrap();
    /// assert_eq!(owned.source(), Some("[2001:db8::1]:1".parse().unwrap()));
    /// ```
    pub fn source(&self) -> Option<SocketAddr> {
        self.header().source()
    }

    /// The original destination, when the header carries an IP one.
    ///
    /// ```
    /// # use proxy_wire::io::OwnedHeader;
    /// let owned = OwnedHeader::new(b"PROXY TCP6 2001:db8::1 2001:db8::2 1 2\r\n".to_vec()).unwrap();
    /// assert_eq!(owned.destination(), Some("[2001:db8::2]:2".parse().unwrap()));
    /// ```
    pub fn destination(&self) -> Option<SocketAddr> {
        self.header().destination()
    }

    /// The v2 command (v1 `UNKNOWN` is `Local`, v1 `TCP4`/`TCP6` are `Proxy`).
    ///
    /// ```
    /// # use proxy_wire::{io::OwnedHeader, v2::Command};
    /// let owned = OwnedHeader::new(b"\r\n\r\n\0\r\nQUIT\n\x20\x00\x00\x00".to_vec()).unwrap();
    /// assert_eq!(owned.command(), Command::Local);
    /// ```
    pub fn command(&self) -> v2::Command {
        self.header().command()
    }

    /// The TLVs in wire order (none for v1).
    ///
    /// ```
    /// # use proxy_wire::{io::OwnedHeader, v2::TlvType};
    /// let owned = OwnedHeader::new(b"\r\n\r\n\0\r\nQUIT\n\x20\x00\x00\x04\x04\x00\x01\x00".to_vec()).unwrap();
    /// let types: Vec<TlvType> = owned.tlvs().map(|t| t.tlv_type()).collect();
    /// assert_eq!(types, [TlvType::NOOP]);
    /// ```
    pub fn tlvs(&self) -> v2::Tlvs<'_> {
        self.header().tlvs()
    }
}

impl<'a> From<&'a OwnedHeader> for Header<'a> {
    /// Re-borrows, as [`OwnedHeader::header`].
    fn from(owned: &'a OwnedHeader) -> Self {
        owned.header()
    }
}
