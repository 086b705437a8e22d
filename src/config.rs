//! [`ParserConfig`]: which versions and how large a v2 header to accept; the dispatch by first byte.
#![forbid(unsafe_code)]

use core::num::NonZeroUsize;

use crate::error::ParseError;
use crate::header::Header;
use crate::status::Status;
use crate::{v1, v2};

/// Parser options: the largest v2 header accepted and which versions are accepted.
///
/// ```
/// use proxy_wire::{ParserConfig, ParseError};
///
/// const CONFIG: ParserConfig = ParserConfig::new().max_v2_header_len(512).accept_v1(false);
/// let config = CONFIG;
/// assert_eq!(config.parse(b"PROXY UNKNOWN\r\n"), Err(ParseError::VersionDisabled { version: 1 }));
/// // A header declaring 1000 bytes is refused as soon as its length field is in.
/// assert!(config.parse(b"\r\n\r\n\0\r\nQUIT\n\x21\x11\x03\xe8").is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParserConfig {
    pub(crate) v2: v2::Limits,
    pub(crate) accept_v1: bool,
    pub(crate) accept_v2: bool,
}

impl Default for ParserConfig {
    fn default() -> Self {
        Self::DEFAULT
    }
}

impl ParserConfig {
    /// Both versions, v2 headers up to the specification's 65551 bytes.
    pub(crate) const DEFAULT: Self = Self {
        v2: v2::Limits::DEFAULT,
        accept_v1: true,
        accept_v2: true,
    };

    /// The default: both versions, v2 headers up to the specification's 65551 bytes.
    ///
    /// ```
    /// assert_eq!(proxy_wire::ParserConfig::new(), Default::default());
    /// ```
    pub const fn new() -> Self {
        Self::DEFAULT
    }

    /// The largest v2 header (`16 + len`) accepted; a larger one is
    /// [`ParseError::V2TooLong`] as soon as its length field is seen, before its body arrives.
    ///
    /// ```
    /// use proxy_wire::{ParserConfig, ParseError};
    ///
    /// let config = ParserConfig::new().max_v2_header_len(28);
    /// let err = config.parse(b"\r\n\r\n\0\r\nQUIT\n\x21\x21\x00\x24").unwrap_err();
    /// assert_eq!(err, ParseError::V2TooLong { size: 52, limit: 28 });
    /// ```
    #[must_use]
    pub const fn max_v2_header_len(mut self, max: usize) -> Self {
        self.v2.max_len = max;
        self
    }

    /// Whether v1 headers are accepted (default: yes).
    ///
    /// ```
    /// let config = proxy_wire::ParserConfig::new().accept_v1(false);
    /// assert!(config.parse(b"PROXY UNKNOWN\r\n").is_err());
    /// ```
    #[must_use]
    pub const fn accept_v1(mut self, on: bool) -> Self {
        self.accept_v1 = on;
        self
    }

    /// Whether v2 headers are accepted (default: yes).
    ///
    /// ```
    /// let config = proxy_wire::ParserConfig::new().accept_v2(false);
    /// assert!(config.parse(b"\r\n\r\n\0\r\nQUIT\n\x20\x00\x00\x00").is_err());
    /// ```
    #[must_use]
    pub const fn accept_v2(mut self, on: bool) -> Self {
        self.accept_v2 = on;
        self
    }

    /// Fuzzing builds only: turn CRC32C verification back on (it is off by default under
    /// `cfg(fuzzing)` so the fuzzer can reach past checksums).
    #[cfg(fuzzing)]
    #[doc(hidden)]
    #[must_use]
    pub const fn verify_crc32c(mut self, on: bool) -> Self {
        self.v2.verify_crc32c = on;
        self
    }

    /// Parses a header of either accepted version at the start of `buf`; see [`parse`](crate::parse).
    ///
    /// # Errors
    /// See [`ParseError`]; a version this configuration does not accept is
    /// [`ParseError::VersionDisabled`].
    ///
    /// ```
    /// let config = proxy_wire::ParserConfig::new();
    /// assert!(config.parse(b"PROXY UNKNOWN\r\n").unwrap().is_complete());
    /// ```
    #[inline]
    pub fn parse<'a>(&self, buf: &'a [u8]) -> Result<Status<Header<'a>>, ParseError> {
        // Both versions' fast paths are inline in the caller, their other paths one call away
        // (bench cases `compare` parse-v2_tcp4 and parse-v1_unknown).
        match buf.first() {
            Some(b'\r') if self.accept_v2 => v2::parse_as(buf, &self.v2, Header::V2),
            Some(b'P') if self.accept_v1 => v1::parse_as(buf, Header::V1),
            _ => self.refuse(buf),
        }
    }

    /// A version this configuration does not accept, not a header at all, or nothing yet.
    #[cold]
    #[inline(never)]
    fn refuse<'a>(&self, buf: &'a [u8]) -> Result<Status<Header<'a>>, ParseError> {
        match buf.first() {
            // Not a header of the other version either: that error, not "disabled".
            Some(b'P') => match v1::parse(buf) {
                Err(e @ ParseError::NotProxyHeader { .. }) => Err(e),
                _ => Err(ParseError::VersionDisabled { version: 1 }),
            },
            Some(b'\r') => match v2::parse(buf) {
                Err(e @ ParseError::NotProxyHeader { .. }) => Err(e),
                _ => Err(ParseError::VersionDisabled { version: 2 }),
            },
            Some(&byte) => Err(ParseError::NotProxyHeader { offset: 0, byte }),
            None => {
                let shortest = if self.accept_v1 {
                    v1::V1_MIN_LEN
                } else {
                    v2::V2_HEADER_LEN
                };
                Ok(Status::Incomplete {
                    needed: NonZeroUsize::new(shortest).unwrap_or(NonZeroUsize::MIN),
                })
            }
        }
    }

    /// [`ParserConfig::parse`] for bytes read off a stream (TCP) connection, as the `io`
    /// adapters and the `embedded` readers do: a v2 PROXY header for DGRAM is
    /// [`ParseError::WrongTransport`], since its addresses describe some other flow than this
    /// connection's client.
    #[cfg(any(
        feature = "std",
        feature = "embedded-io",
        feature = "embedded-io-async"
    ))]
    pub(crate) fn parse_stream<'a>(&self, buf: &'a [u8]) -> Result<Status<Header<'a>>, ParseError> {
        let status = self.parse(buf)?;
        if let Status::Complete {
            header: Header::V2(h),
            ..
        } = &status
        {
            if h.command() == v2::Command::Proxy && h.protocol() == v2::Protocol::Dgram {
                return Err(ParseError::WrongTransport {
                    version: 2,
                    in_datagram: false,
                });
            }
        }
        Ok(status)
    }

    /// Parses the header at the start of one datagram and returns it with the payload after
    /// it. A header is never split across datagrams, so a short one is an error. Only a v2
    /// header can describe a datagram: a v1 line or a v2 PROXY header for STREAM is
    /// refused, as its addresses are not those of the datagram's sender. A LOCAL header (no
    /// addresses) and a PROXY header with family and protocol UNSPEC are accepted.
    ///
    /// # Errors
    /// As [`ParserConfig::parse`]; a datagram that ends inside its header is
    /// [`ParseError::Truncated`]; a header for a stream is [`ParseError::WrongTransport`].
    ///
    /// ```
    /// use proxy_wire::{v2, Encode, ParseError};
    ///
    /// let config = proxy_wire::ParserConfig::new();
    /// let src: std::net::SocketAddr = "192.0.2.1:5000".parse()?;
    /// let dst: std::net::SocketAddr = "192.0.2.2:53".parse()?;
    /// let mut datagram = [0u8; 64];
    /// let n = v2::Builder::proxy(v2::Protocol::Dgram, (src, dst)).encode(&mut datagram)?;
    /// datagram[n..n + 4].copy_from_slice(b"ping");
    /// let (header, payload) = config.parse_datagram(&datagram[..n + 4])?;
    /// assert_eq!((header.source(), payload), (Some(src), &b"ping"[..]));
    ///
    /// assert!(config.parse_datagram(&datagram[..n - 1]).is_err()); // a header is never split
    /// assert_eq!(
    ///     config.parse_datagram(b"PROXY UNKNOWN\r\nping"),
    ///     Err(ParseError::WrongTransport { version: 1, in_datagram: true })
    /// );
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn parse_datagram<'a>(&self, buf: &'a [u8]) -> Result<(Header<'a>, &'a [u8]), ParseError> {
        match self.parse(buf)? {
            Status::Complete { header, consumed } => {
                let for_stream = match &header {
                    Header::V1(_) => true,
                    Header::V2(h) => {
                        h.command() == v2::Command::Proxy && h.protocol() == v2::Protocol::Stream
                    }
                };
                if for_stream {
                    return Err(ParseError::WrongTransport {
                        version: header.version(),
                        in_datagram: true,
                    });
                }
                Ok((header, buf.get(consumed..).unwrap_or(&[])))
            }
            Status::Incomplete { needed } => Err(truncated(buf, needed)),
        }
    }

    /// Parses `bytes` that must be exactly one whole header, as an owned header's are: a
    /// short one is [`ParseError::Truncated`], one followed by more bytes
    /// [`ParseError::TrailingBytes`].
    pub(crate) fn parse_whole<'a>(&self, bytes: &'a [u8]) -> Result<Header<'a>, ParseError> {
        match self.parse(bytes)? {
            Status::Complete { header, consumed } if consumed == bytes.len() => Ok(header),
            Status::Complete { consumed, .. } => Err(ParseError::TrailingBytes {
                header: consumed,
                available: bytes.len(),
            }),
            Status::Incomplete { needed } => Err(truncated(bytes, needed)),
        }
    }
}

/// `buf` ends inside a header that needs at least `needed` more bytes.
fn truncated(buf: &[u8], needed: NonZeroUsize) -> ParseError {
    ParseError::Truncated {
        version: if buf.first() == Some(&b'P') { 1 } else { 2 },
        available: buf.len(),
        needed: needed.get(),
    }
}
