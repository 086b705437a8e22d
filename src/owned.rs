//! [`OwnedHeader`]: a header that owns its bytes, as the stream readers return it.

#![forbid(unsafe_code)]

use alloc::vec::Vec;

use crate::config::ParserConfig;
use crate::error::ParseError;
use crate::header::Header;
use crate::v1;

/// A complete header of either version that owns its bytes (TLVs included), so it outlives
/// the buffer it was read into.
///
/// [`OwnedHeader::header`] re-borrows it as the parser's [`Header`], which has every
/// accessor (addresses, TLVs, SSL).
///
/// ```
/// use proxy_wire::OwnedHeader;
///
/// let owned = OwnedHeader::new(b"PROXY TCP4 192.0.2.1 192.0.2.2 1000 80\r\n".to_vec())?;
/// let header = owned.header();
/// assert_eq!(header.version(), 1);
/// assert_eq!(header.source(), Some("192.0.2.1:1000".parse().unwrap()));
/// # Ok::<(), proxy_wire::ParseError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct OwnedHeader {
    bytes: Vec<u8>,
    /// The decoded line of a v1 header (a v2 header is read from `bytes` on demand).
    v1: Option<v1::Header>,
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
    /// assert_eq!(owned.as_bytes().len(), 16);
    /// assert!(OwnedHeader::new(b"PROXY UNKNOWN\r\nextra".to_vec()).is_err());
    /// assert!(OwnedHeader::new(b"PROXY UNKN".to_vec()).is_err());
    /// ```
    pub fn new(bytes: Vec<u8>) -> Result<Self, ParseError> {
        let v1 = ParserConfig::new().parse_whole(&bytes)?.v1_line();
        Ok(Self::from_checked(v1, bytes))
    }

    /// `bytes` are exactly one header the parser accepted; `v1` is its decoded line if it is
    /// a v1 one.
    pub(crate) fn from_checked(v1: Option<v1::Header>, bytes: Vec<u8>) -> Self {
        Self { bytes, v1 }
    }

    /// The header, borrowing these bytes.
    ///
    /// ```
    /// use proxy_wire::OwnedHeader;
    ///
    /// let owned = OwnedHeader::new(b"PROXY UNKNOWN\r\n".to_vec())?;
    /// assert_eq!(owned.header().source(), None);
    /// # Ok::<(), proxy_wire::ParseError>(())
    /// ```
    pub fn header(&self) -> Header<'_> {
        Header::from_checked(self.v1, &self.bytes)
    }

    /// The header's bytes as they came on the wire.
    ///
    /// ```
    /// use proxy_wire::OwnedHeader;
    ///
    /// let owned = OwnedHeader::new(b"PROXY UNKNOWN\r\n".to_vec())?;
    /// assert_eq!(owned.as_bytes(), b"PROXY UNKNOWN\r\n");
    /// # Ok::<(), proxy_wire::ParseError>(())
    /// ```
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// Gives back the bytes.
    ///
    /// ```
    /// use proxy_wire::OwnedHeader;
    ///
    /// let owned = OwnedHeader::new(b"PROXY UNKNOWN\r\n".to_vec())?;
    /// assert_eq!(owned.into_bytes(), b"PROXY UNKNOWN\r\n".to_vec());
    /// # Ok::<(), proxy_wire::ParseError>(())
    /// ```
    pub fn into_bytes(self) -> Vec<u8> {
        self.bytes
    }
}

impl<'a> From<&'a OwnedHeader> for Header<'a> {
    fn from(owned: &'a OwnedHeader) -> Self {
        owned.header()
    }
}
