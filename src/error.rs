//! Errors: [`ParseError`] for untrusted input, [`EncodeError`] for the encoders.
//!
//! Every [`ParseError`] maps to exactly one category of the [conformance](crate::conformance)
//! policy through [`ParseError::category`]. The variants carry small `Copy` context (offsets, bytes, lengths),
//! never slices of the input, so an error outlives the buffer it came from.

#![forbid(unsafe_code)]

use core::fmt;

/// Which end of the connection a field describes.
///
/// ```
/// use proxy_wire::{parse, Endpoint, ParseError};
///
/// // 256 is no IPv4 octet: the error names the destination address as the culprit.
/// let err = parse(b"PROXY TCP4 192.0.2.1 192.0.2.256 1000 80\r\n").unwrap_err();
/// assert!(matches!(err, ParseError::BadAddress { field: Endpoint::Destination, .. }));
/// assert_eq!(Endpoint::Destination.to_string(), "destination");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[allow(clippy::exhaustive_enums)] // a connection has exactly two ends
pub enum Endpoint {
    /// The source (the original client).
    Source,
    /// The destination (the address the client connected to).
    Destination,
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Source => "source",
            Self::Destination => "destination",
        })
    }
}

/// Why a PROXY header was rejected.
///
/// Offsets count bytes from the start of the input. Each variant names its category;
/// [`ParseError::category`] returns it.
///
/// ```
/// use proxy_wire::{parse, ParseError};
///
/// let err = parse(b"PROXY TCP4 10.0.0.01 10.0.0.2 1 2\r\n").unwrap_err();
/// assert!(matches!(err, ParseError::BadAddress { .. }));
/// assert_eq!(err.to_string(), "invalid v1 source address at offset 11");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ParseError {
    /// Category `not-proxy`: the byte at `offset` leaves both the `PROXY ` prefix and the v2
    /// signature.
    #[error("not a PROXY protocol header: unexpected byte {byte:#04x} at offset {offset}")]
    NotProxyHeader {
        /// Offset of the first byte that matches neither signature.
        offset: usize,
        /// That byte.
        byte: u8,
    },
    /// Category `unsupported`: the input is a PROXY header of a version this parser was
    /// configured not to accept.
    #[error("PROXY protocol version {version} is disabled in this parser's configuration")]
    VersionDisabled {
        /// 1 or 2.
        version: u8,
    },
    /// Category `invalid-v1`: the v1 line's structure is wrong.
    #[error("invalid v1 header: {reason} at offset {offset}")]
    InvalidV1 {
        /// Offset of the offending byte.
        offset: usize,
        /// What was expected there.
        reason: &'static str,
    },
    /// Category `too-long`: no CRLF within the first 107 bytes of a v1 line (reported as soon
    /// as a CRLF can no longer fit).
    #[error("v1 header has no CRLF within 107 bytes")]
    V1TooLong,
    /// Category `bad-address`: a v1 address token is not valid text of the line's family.
    #[error("invalid v1 {field} address at offset {offset}")]
    BadAddress {
        /// Which address.
        field: Endpoint,
        /// Offset where the address token starts.
        offset: usize,
    },
    /// Category `bad-port`: a v1 port is not decimal 0..65535 without heading zeros.
    #[error("invalid v1 {field} port at offset {offset}")]
    BadPort {
        /// Which port.
        field: Endpoint,
        /// Offset where the port token starts.
        offset: usize,
    },
    /// Category `unsupported`: the v2 version nibble (high nibble of byte 12) is not 2.
    #[error("unsupported v2 version nibble {version:#x} in byte 12")]
    UnsupportedVersion {
        /// The version nibble found.
        version: u8,
    },
    /// Category `invalid-v2`: the command nibble (low nibble of byte 12) is neither LOCAL nor
    /// PROXY.
    #[error("invalid v2 command {command:#x} in byte 12")]
    InvalidCommand {
        /// The command nibble found.
        command: u8,
    },
    /// Category `invalid-v2`: a PROXY header whose byte 13 is not one of the seven values the
    /// specification lists (`0x00`, `0x11`, `0x12`, `0x21`, `0x22`, `0x31`, `0x32`): a family
    /// nibble above 3, a protocol nibble above 2, or a family without a transport (or the
    /// reverse), whose addresses must never be believed. Reported as soon as byte 13 is in.
    #[error("invalid v2 family/protocol byte {byte:#04x} in byte 13")]
    InvalidFamilyProtocol {
        /// Byte 13 as found.
        byte: u8,
    },
    /// Category `invalid-v2`: `len` is smaller than the address block of the family.
    #[error("v2 length {len} is shorter than the {required}-byte address block of its family")]
    AddressBlockTooShort {
        /// The declared `len` (bytes 14..16).
        len: u16,
        /// Bytes the family's address block needs.
        required: u16,
    },
    /// Category `too-long`: the v2 header (`16 + len`) is larger than the configured limit
    /// (or than the capacity of the [`ArrayHeader`](crate::ArrayHeader) it is meant for).
    #[error("v2 header of {size} bytes exceeds the configured limit of {limit} bytes")]
    V2TooLong {
        /// `16 + len`.
        size: usize,
        /// The limit from [`ParserConfig::max_v2_header_len`](crate::ParserConfig::max_v2_header_len),
        /// or the `N` of an [`ArrayHeader<N>`](crate::ArrayHeader).
        limit: usize,
    },
    /// Category `bad-tlv`: fewer than 3 bytes remain for a TLV header.
    #[error("truncated TLV header at offset {offset}: {available} bytes left of 3")]
    TlvHeaderTruncated {
        /// Offset of the partial TLV header.
        offset: usize,
        /// Bytes left in the enclosing area.
        available: usize,
    },
    /// Category `bad-tlv`: a TLV's value reaches past the end of its enclosing area (the
    /// header's `len`, or the SSL TLV's value for sub-TLVs).
    #[error(
        "TLV type {tlv_type:#04x} at offset {offset} declares {declared} bytes but only {available} remain"
    )]
    TlvOverrun {
        /// Offset of the TLV's type byte.
        offset: usize,
        /// The TLV's type.
        tlv_type: u8,
        /// The TLV's declared value length.
        declared: u16,
        /// Bytes left in the enclosing area after the TLV header.
        available: usize,
    },
    /// Category `bad-tlv`: an SSL TLV (0x20) shorter than its 5-byte client + verify part.
    #[error("SSL TLV at offset {offset} has {len} bytes, fewer than the 5 of client and verify")]
    SslTooShort {
        /// Offset of the TLV's type byte.
        offset: usize,
        /// Its value length.
        len: u16,
    },
    /// Category `bad-tlv`: a CRC32C TLV (0x03) whose length is not 4.
    #[error("CRC32C TLV at offset {offset} has {len} bytes, expected 4")]
    Crc32cLength {
        /// Offset of the TLV's type byte.
        offset: usize,
        /// Its value length.
        len: u16,
    },
    /// Category `bad-tlv`: a UNIQUE_ID TLV (0x05) longer than 128 bytes.
    #[error("UNIQUE_ID TLV at offset {offset} has {len} bytes, more than 128")]
    UniqueIdTooLong {
        /// Offset of the TLV's type byte.
        offset: usize,
        /// Its value length.
        len: u16,
    },
    /// Category `bad-tlv`: a TLV value that its type does not allow, found when decoding it
    /// with [`Tlv::value`](crate::v2::Tlv::value) (wrong length, bad UTF-8, unknown subtype).
    #[error("TLV type {tlv_type:#04x} has an invalid value of {len} bytes: {reason}")]
    InvalidTlvValue {
        /// The TLV's type.
        tlv_type: u8,
        /// Its value length.
        len: usize,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// Category `bad-checksum`: the CRC32C TLV does not match the header.
    #[error("CRC32C mismatch: header carries {carried:#010x}, computed {computed:#010x}")]
    ChecksumMismatch {
        /// The value carried in the TLV.
        carried: u32,
        /// The value computed over the header with the field zeroed.
        computed: u32,
    },
    /// Input that must hold a whole header (a datagram, or the bytes given to
    /// [`OwnedHeader::new`](crate::OwnedHeader) or [`ArrayHeader::new`](crate::ArrayHeader))
    /// ends inside it. Its category
    /// is the version's structure error (`invalid-v1` or `invalid-v2`): a header is never split
    /// across datagrams.
    #[error("input of {available} bytes ends inside a v{version} header; at least {needed} more bytes were needed")]
    Truncated {
        /// 1 or 2.
        version: u8,
        /// Bytes in the datagram.
        available: usize,
        /// Lower bound on the missing bytes.
        needed: usize,
    },
    /// A header for another transport than the one it arrived on, whose addresses are
    /// therefore not the client's: a v2 PROXY header for DGRAM read off a stream (TCP)
    /// connection, or a v1 line or v2 PROXY header for STREAM inside a datagram. Category
    /// `invalid-v1` for a v1 line, `invalid-v2` for a v2 header.
    #[error("{}", if *in_datagram {
        "a PROXY header for a stream connection inside a datagram"
    } else {
        "a v2 PROXY header for datagrams (DGRAM) on a stream connection"
    })]
    WrongTransport {
        /// 1 or 2.
        version: u8,
        /// Whether the header came in a datagram (else on a stream).
        in_datagram: bool,
    },
    /// Category `invalid-v2`: [`OwnedHeader::new`](crate::OwnedHeader) or
    /// [`ArrayHeader::new`](crate::ArrayHeader) was given more bytes than the header's length.
    #[error("{available} bytes given for a header of {header} bytes")]
    TrailingBytes {
        /// The header's length.
        header: usize,
        /// Bytes given.
        available: usize,
    },
}

impl ParseError {
    /// The conformance category of this error, as the [conformance](crate::conformance) policy
    /// and its test vectors name it: one of `not-proxy`, `invalid-v1`, `too-long`,
    /// `bad-address`, `bad-port`, `unsupported`, `invalid-v2`, `bad-tlv`, `bad-checksum`. A
    /// stable string for logs and metrics; match on the variant to act on one.
    ///
    /// | variant | category |
    /// |---|---|
    /// | `NotProxyHeader` | `not-proxy` |
    /// | `InvalidV1`, `Truncated { version: 1 }`, `WrongTransport { version: 1 }` | `invalid-v1` |
    /// | `V1TooLong`, `V2TooLong` | `too-long` |
    /// | `BadAddress` | `bad-address` |
    /// | `BadPort` | `bad-port` |
    /// | `UnsupportedVersion`, `VersionDisabled` | `unsupported` |
    /// | `InvalidCommand`, `InvalidFamilyProtocol`, `AddressBlockTooShort`, `Truncated { version: 2 }`, `WrongTransport { version: 2 }`, `TrailingBytes` | `invalid-v2` |
    /// | `TlvHeaderTruncated`, `TlvOverrun`, `SslTooShort`, `Crc32cLength`, `UniqueIdTooLong`, `InvalidTlvValue` | `bad-tlv` |
    /// | `ChecksumMismatch` | `bad-checksum` |
    ///
    /// ```
    /// let err = proxy_wire::parse(b"PROXY TCP4 1.2.3.4 5.6.7.8 80 65536\r\n").unwrap_err();
    /// assert_eq!(err.category(), "bad-port");
    /// ```
    pub const fn category(&self) -> &'static str {
        match self {
            Self::NotProxyHeader { .. } => "not-proxy",
            Self::VersionDisabled { .. } | Self::UnsupportedVersion { .. } => "unsupported",
            Self::InvalidV1 { .. }
            | Self::Truncated { version: 1, .. }
            | Self::WrongTransport { version: 1, .. } => "invalid-v1",
            Self::V1TooLong | Self::V2TooLong { .. } => "too-long",
            Self::BadAddress { .. } => "bad-address",
            Self::BadPort { .. } => "bad-port",
            Self::InvalidCommand { .. }
            | Self::InvalidFamilyProtocol { .. }
            | Self::AddressBlockTooShort { .. }
            | Self::Truncated { .. }
            | Self::WrongTransport { .. }
            | Self::TrailingBytes { .. } => "invalid-v2",
            Self::TlvHeaderTruncated { .. }
            | Self::TlvOverrun { .. }
            | Self::SslTooShort { .. }
            | Self::Crc32cLength { .. }
            | Self::UniqueIdTooLong { .. }
            | Self::InvalidTlvValue { .. } => "bad-tlv",
            Self::ChecksumMismatch { .. } => "bad-checksum",
        }
    }

    /// Where in the input the error is: the offset of the byte or field it is about, for logs
    /// that show the bad byte. `None` for errors about the input as a whole (a disabled
    /// version, a checksum, a length that does not fit, the wrong transport) and for
    /// [`ParseError::InvalidTlvValue`], which is found when decoding a [`Tlv`](crate::v2::Tlv)
    /// on its own.
    ///
    /// | variant | offset |
    /// |---|---|
    /// | those with an `offset` field | that field |
    /// | `UnsupportedVersion`, `InvalidCommand` | 12 (the version and command byte) |
    /// | `InvalidFamilyProtocol` | 13 |
    /// | `AddressBlockTooShort`, `V2TooLong` | 14 (the `len` field) |
    /// | `TrailingBytes` | the first byte after the header |
    ///
    /// ```
    /// let err = proxy_wire::parse(b"PROXY TCP4 1.2.3.4 5.6.7.8 80 65536\r\n").unwrap_err();
    /// assert_eq!(err.offset(), Some(30));
    /// let err = proxy_wire::parse(b"\r\n\r\n\0\r\nQUIT\n\x21\x44\x00\x00").unwrap_err();
    /// assert_eq!(err.offset(), Some(13));
    /// ```
    pub const fn offset(&self) -> Option<usize> {
        match *self {
            Self::NotProxyHeader { offset, .. }
            | Self::InvalidV1 { offset, .. }
            | Self::BadAddress { offset, .. }
            | Self::BadPort { offset, .. }
            | Self::TlvHeaderTruncated { offset, .. }
            | Self::TlvOverrun { offset, .. }
            | Self::SslTooShort { offset, .. }
            | Self::Crc32cLength { offset, .. }
            | Self::UniqueIdTooLong { offset, .. } => Some(offset),
            Self::UnsupportedVersion { .. } | Self::InvalidCommand { .. } => Some(12),
            Self::InvalidFamilyProtocol { .. } => Some(13),
            Self::AddressBlockTooShort { .. } | Self::V2TooLong { .. } => Some(14),
            Self::TrailingBytes { header, .. } => Some(header),
            Self::VersionDisabled { .. }
            | Self::V1TooLong
            | Self::InvalidTlvValue { .. }
            | Self::ChecksumMismatch { .. }
            | Self::Truncated { .. }
            | Self::WrongTransport { .. } => None,
        }
    }
}

/// Why a header could not be encoded. Nothing is written to the output when this is returned.
///
/// ```
/// use proxy_wire::{v1, Encode, EncodeError};
///
/// let header = v1::Header::Unknown;
/// let mut small = [0u8; 4];
/// assert_eq!(
///     header.encode(&mut small),
///     Err(EncodeError::BufferTooSmall { needed: 15, available: 4 })
/// );
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EncodeError {
    /// The output buffer cannot hold the header.
    #[error("output buffer too small: {needed} bytes needed, {available} available")]
    BufferTooSmall {
        /// The header's encoded length.
        needed: usize,
        /// Space in the output.
        available: usize,
    },
    /// The v2 header's `len` (addresses and TLVs) would exceed 65535.
    #[error("v2 header body of {len} bytes exceeds the 65535 that the length field can carry")]
    HeaderTooLong {
        /// Bytes after the 16-byte fixed part.
        len: usize,
    },
    /// A TLV value longer than its 16-bit length field can carry.
    #[error("TLV type {tlv_type:#04x} value of {len} bytes exceeds 65535")]
    TlvTooLong {
        /// The TLV's type.
        tlv_type: u8,
        /// Its value length.
        len: usize,
    },
    /// A UNIX socket path longer than the 108-byte address field.
    #[error("UNIX {field} path of {len} bytes exceeds 108")]
    UnixPathTooLong {
        /// Which path.
        field: Endpoint,
        /// Its length.
        len: usize,
    },
    /// A UNIQUE_ID value longer than the 128 bytes the specification allows.
    #[error("UNIQUE_ID of {len} bytes exceeds 128")]
    UniqueIdTooLong {
        /// Its length.
        len: usize,
    },
    /// A TLV value the parser would refuse or that breaks its type's rules: a CRC32C that
    /// is not 4 bytes, an SSL value shorter than 5 bytes or whose sub-TLVs overrun it, a NETNS
    /// name or AWS VPC endpoint id that is not US-ASCII.
    #[error("TLV type {tlv_type:#04x} cannot be encoded: {reason}")]
    InvalidTlv {
        /// The TLV's type.
        tlv_type: u8,
        /// What is wrong with its value.
        reason: &'static str,
    },
    /// A v2 PROXY header whose family/protocol byte is not one of the seven the
    /// specification lists (an address family without a transport, or a transport without
    /// one): receivers must reject it.
    #[error("v2 PROXY header with unspecified family/protocol byte {byte:#04x}")]
    InvalidFamilyProtocol {
        /// Byte 13 as it would be written.
        byte: u8,
    },
    /// [`Encode::encode_datagram`](crate::Encode::encode_datagram) with a header that cannot
    /// describe a datagram: a v1 line, or a v2 PROXY header for STREAM (a receiver's
    /// [`parse_datagram`](crate::ParserConfig::parse_datagram) refuses both).
    #[error("a v{version} PROXY header for a stream cannot be sent in a datagram")]
    WrongTransport {
        /// The header's version, 1 or 2.
        version: u8,
    },
}

#[cfg(feature = "std")]
#[cfg_attr(docsrs, doc(cfg(feature = "std")))]
impl From<ParseError> for std::io::Error {
    /// An [`InvalidData`](std::io::ErrorKind::InvalidData) error, "invalid PROXY protocol
    /// header", whose [`source`](core::error::Error::source) is the parse error: `{:#}` in
    /// anyhow, or a walk over the sources, shows both.
    ///
    /// ```
    /// use proxy_wire::ParseError;
    /// use std::error::Error;
    ///
    /// let err = std::io::Error::from(proxy_wire::parse(b"GET / HTTP/1.1\r\n").unwrap_err());
    /// assert_eq!(err.kind(), std::io::ErrorKind::InvalidData);
    /// let cause = err.source().and_then(|e| e.downcast_ref::<ParseError>());
    /// assert!(matches!(cause, Some(ParseError::NotProxyHeader { offset: 0, .. })));
    /// ```
    fn from(err: ParseError) -> Self {
        std::io::Error::new(std::io::ErrorKind::InvalidData, Invalid::Header(err))
    }
}

#[cfg(feature = "std")]
#[cfg_attr(docsrs, doc(cfg(feature = "std")))]
impl From<EncodeError> for std::io::Error {
    /// An [`InvalidInput`](std::io::ErrorKind::InvalidInput) error, "cannot encode the PROXY
    /// protocol header", whose [`source`](core::error::Error::source) is the encode error.
    ///
    /// ```
    /// use proxy_wire::{Encode, EncodeError};
    /// use std::error::Error;
    ///
    /// let err = std::io::Error::from(proxy_wire::v1::Header::Unknown.encode(&mut []).unwrap_err());
    /// assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    /// let cause = err.source().and_then(|e| e.downcast_ref::<EncodeError>());
    /// assert!(matches!(cause, Some(EncodeError::BufferTooSmall { .. })));
    /// ```
    fn from(err: EncodeError) -> Self {
        std::io::Error::new(std::io::ErrorKind::InvalidInput, Invalid::Encode(err))
    }
}

/// The error an `io::Error` holds for a parse or encode error. `io::Error::source` returns
/// the *source* of the error it holds, so the crate's error must be one level down to be
/// reachable through the chain.
#[cfg(feature = "std")]
#[derive(Debug, thiserror::Error)]
pub(crate) enum Invalid {
    #[error("invalid PROXY protocol header")]
    Header(#[source] ParseError),
    #[error("cannot encode the PROXY protocol header")]
    Encode(#[source] EncodeError),
}

#[cfg(all(test, feature = "std"))]
mod io_tests {
    use super::*;
    use core::error::Error;
    use std::string::ToString;

    #[test]
    fn io_errors_chain_to_the_crate_error() {
        let parse = ParseError::V1TooLong;
        let err = std::io::Error::from(parse);
        assert_eq!(err.to_string(), "invalid PROXY protocol header");
        let source = err.source().and_then(|e| e.downcast_ref::<ParseError>());
        assert_eq!(source, Some(&parse));

        let encode = EncodeError::UniqueIdTooLong { len: 300 };
        let err = std::io::Error::from(encode);
        assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
        assert_eq!(err.to_string(), "cannot encode the PROXY protocol header");
        let source = err.source().and_then(|e| e.downcast_ref::<EncodeError>());
        assert_eq!(source, Some(&encode));
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use std::string::ToString;

    /// The messages name the end of the connection the bad field belongs to.
    #[test]
    fn messages_name_the_endpoint() {
        assert_eq!(Endpoint::Source.to_string(), "source");
        assert_eq!(Endpoint::Destination.to_string(), "destination");
        let err = crate::parse(b"PROXY TCP4 192.0.2.1 192.0.2.256 1000 80\r\n").unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid v1 destination address at offset 21"
        );
    }
}
