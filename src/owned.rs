//! [`OwnedHeader`]: a header that owns its bytes, as the stream readers return it.

#![forbid(unsafe_code)]

use alloc::vec::Vec;

use crate::{v1, v2, Header, ParseError, Status};

/// A complete header of either version that owns its bytes (TLVs included), so it outlives
/// the buffer it was read into.
///
/// [`OwnedHeader::header`] re-borrows it as the parser's [`Header`], which has every
/// accessor (addresses, TLVs, SSL).
///
/// ```
/// use proxy_wire::OwnedHeader;
///
/// let owned = OwnedHeader::new(b"PROXY TCP4 192.0.2.1 192.0.2.2 1000 80\r\n".to_vec()).unwrap();
/// let header = owned.header();
/// assert_eq!(header.version(), 1);
/// assert_eq!(header.source(), Some("192.0.2.1:1000".parse().unwrap()));
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
    /// use proxy_wire::OwnedHeader;
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
    /// use proxy_wire::{OwnedHeader, v2, Encode};
    ///
    /// let src: std::net::SocketAddr = "192.0.2.1:1000".parse().unwrap();
    /// let dst: std::net::SocketAddr = "192.0.2.2:443".parse().unwrap();
    /// let tlvs = [v2::TlvSpec::authority("example.com")];
    /// let mut bytes = Vec::new();
    /// v2::Builder::proxy(v2::Protocol::Stream, (src, dst)).tlvs(&tlvs).write_to(&mut bytes).unwrap();
    ///
    /// let owned = OwnedHeader::new(bytes).unwrap();
    /// let header = owned.header();
    /// assert_eq!(header.authority(), Some("example.com"));
    /// ```
    pub fn header(&self) -> Header<'_> {
        match &self.repr {
            Repr::V1 { header, .. } => Header::V1(*header),
            Repr::V2(h) => Header::V2(h.as_borrowed()),
        }
    }

    /// The header's bytes as they came off the wire.
    ///
    /// ```
    /// # use proxy_wire::OwnedHeader;
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
    /// # use proxy_wire::OwnedHeader;
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
    /// # use proxy_wire::OwnedHeader;
    /// let owned = OwnedHeader::new(b"PROXY UNKNOWN\r\n".to_vec()).unwrap();
    /// assert_eq!(owned.into_bytes(), b"PROXY UNKNOWN\r\n".to_vec());
    /// ```
    pub fn into_bytes(self) -> Vec<u8> {
        match self.repr {
            Repr::V1 { bytes, .. } => bytes,
            Repr::V2(h) => h.into_inner(),
        }
    }
}

impl<'a> From<&'a OwnedHeader> for Header<'a> {
    /// Re-borrows, as [`OwnedHeader::header`].
    fn from(owned: &'a OwnedHeader) -> Self {
        owned.header()
    }
}
