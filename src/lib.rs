#![doc = include_str!("../README.md")]
//!
//! # Guide
//!
//! * [`parse`] tells v1 from v2 by the first byte and returns a [`Status`]: the [`Header`] and
//!   the bytes it used, or how many more bytes are needed. [`v1::parse`] and [`v2::parse`] accept
//!   one version only; [`ParserConfig`] limits v2 sizes and versions; [`parse_datagram`] is for
//!   UDP, where a header is never split.
//! * [`v1::Header`] is a plain value; [`v2::Header`] is a zero-copy view whose
//!   [`tlvs`](v2::Header::tlvs) iterate in wire order and decode lazily with
//!   [`Tlv::value`](v2::Tlv::value).
//! * Everything that can be written implements [`Encode`]: [`v1::Header`], [`v2::Builder`],
//!   a parsed [`v2::Header`] and the top-level [`Header`]. `encoded_len` is known up front,
//!   `encode` writes into `&mut [u8]` and writes nothing on error.
//! * Errors are [`ParseError`] (each maps to one [`ErrorCategory`]) and [`EncodeError`].
//!
//! The core above is `#![no_std]` and needs no allocator; it never panics on input. On top of
//! it, behind features:
//!
//! * `io` (feature `std`): take a header off a stream without losing the bytes after it
//!   (`io::peel_tcp` reads exactly the header; `io::read_header` and `io::Peeled` work on any
//!   `Read`), send one (`io::connect_with_header`), and accept connections under a trust policy
//!   with a header timeout (`io::Acceptor`, `io::AcceptorConfig`, `io::HeaderPolicy`).
//! * `io::tokio` (feature `tokio`): the same for `AsyncRead`/`AsyncWrite` and tokio sockets.
//! * `transparent` (feature `transparent`, Linux/Android): connect to a backend from the
//!   client's own address, as HAProxy's `usesrc clientip` does.
//!
//! Which piece to reach for:
//!
//! | you have | call |
//! |---|---|
//! | bytes in a buffer | [`parse`], then `&buf[consumed..]` is the application's |
//! | a `TcpStream` to hand to a TLS or HTTP library | `io::peel_tcp` |
//! | any other `Read` | `io::Peeled::peel` (replays what it read past the header) |
//! | a listener behind a load balancer | `io::Acceptor` with `AcceptorConfig::trust` |
//! | a connection to open towards a PROXY-speaking server | `io::connect_with_header` |
//! | a header to write into a buffer | [`Encode::encode`] on [`v1::Header`] or [`v2::Builder`] |

#![no_std]
#![deny(unsafe_code)]
// Allowed only in `v2::crc32c` (the intrinsics and the calls into them) and on `v2::tlv::ascii`,
// which `.ci/run` checks; the README says why. Not `forbid` here (it would refuse those
// allows): every other module forbids it itself.
#![deny(missing_docs)]
#![warn(
    unreachable_pub,
    missing_debug_implementations,
    rust_2018_idioms,
    clippy::exhaustive_enums,
    clippy::exhaustive_structs
)]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![doc(test(attr(deny(warnings))))]

#[cfg(feature = "alloc")]
extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

mod addr;
mod copy;
mod error;
#[cfg(fuzzing)]
#[doc(hidden)]
pub mod fuzzing;
#[cfg(feature = "std")]
#[cfg_attr(docsrs, doc(cfg(feature = "std")))]
pub mod io;
#[cfg(feature = "alloc")]
mod owned;
#[cfg(all(
    feature = "transparent",
    any(target_os = "linux", target_os = "android")
))]
#[cfg_attr(
    docsrs,
    doc(cfg(all(
        feature = "transparent",
        any(target_os = "linux", target_os = "android")
    )))
)]
pub mod transparent;
/// A small seeded generator (xorshift64) for the unit tests' random inputs: reproducible, no
/// dependency, the same in every module.
#[cfg(test)]
pub(crate) mod test_rng {
    pub(crate) fn xorshift(mut x: u64) -> impl FnMut() -> u64 {
        move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        }
    }
}

pub mod v1;
pub mod v2;

#[doc = include_str!("../docs/CONFORMANCE.md")]
pub mod conformance {}

use core::net::SocketAddr;
use core::num::NonZeroUsize;

pub use addr::Addresses;
pub use error::{EncodeError, Endpoint, ErrorCategory, ParseError};
#[cfg(feature = "alloc")]
#[cfg_attr(docsrs, doc(cfg(feature = "alloc")))]
pub use owned::OwnedHeader;

/// The outcome of parsing a buffer that may hold only part of a header.
///
/// `Incomplete` is not an error: read more bytes (at least `needed`) and parse the grown buffer
/// again from its start.
///
/// ```
/// use proxy_wire::{parse, Status};
///
/// let line = b"PROXY TCP4 192.0.2.1 192.0.2.2 1000 80\r\n";
/// assert!(parse(&line[..20]).unwrap().is_incomplete());
/// match parse(line).unwrap() {
///     Status::Complete { header, consumed } => {
///         assert_eq!(consumed, line.len());
///         assert_eq!(header.source(), Some("192.0.2.1:1000".parse().unwrap()));
///     }
///     Status::Incomplete { .. } => unreachable!(),
/// }
/// ```
#[must_use]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[allow(clippy::exhaustive_enums)] // complete or not: there is no third outcome
pub enum Status<T> {
    /// A whole header.
    Complete {
        /// The decoded header.
        header: T,
        /// Bytes the header used; what follows belongs to the application.
        consumed: usize,
    },
    /// The buffer is a strict prefix of a header that may still be valid.
    Incomplete {
        /// A lower bound on the bytes still missing, exact for v2 once its 16-byte fixed part
        /// is in.
        needed: NonZeroUsize,
    },
}

impl<T> Status<T> {
    /// Whether this is `Complete`.
    ///
    /// ```
    /// assert!(proxy_wire::parse(b"PROXY UNKNOWN\r\n").unwrap().is_complete());
    /// ```
    pub const fn is_complete(&self) -> bool {
        matches!(self, Self::Complete { .. })
    }

    /// Whether this is `Incomplete`.
    ///
    /// ```
    /// assert!(proxy_wire::parse(b"PROXY UNKN").unwrap().is_incomplete());
    /// ```
    pub const fn is_incomplete(&self) -> bool {
        matches!(self, Self::Incomplete { .. })
    }

    /// The header and the bytes it used, if complete.
    ///
    /// ```
    /// let (header, consumed) = proxy_wire::parse(b"PROXY UNKNOWN\r\n").unwrap().complete().unwrap();
    /// assert_eq!((header.version(), consumed), (1, 15));
    /// ```
    pub fn complete(self) -> Option<(T, usize)> {
        match self {
            Self::Complete { header, consumed } => Some((header, consumed)),
            Self::Incomplete { .. } => None,
        }
    }

    /// Maps the header, keeping `consumed` or `needed`.
    ///
    /// ```
    /// use proxy_wire::{v1, Status};
    ///
    /// let s = v1::parse(b"PROXY UNKNOWN\r\n").unwrap().map(|h| h.source());
    /// assert_eq!(s, Status::Complete { header: None, consumed: 15 });
    /// ```
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Status<U> {
        match self {
            Self::Complete { header, consumed } => Status::Complete {
                header: f(header),
                consumed,
            },
            Self::Incomplete { needed } => Status::Incomplete { needed },
        }
    }
}

/// A parsed header of either version.
///
/// ```
/// use proxy_wire::{parse, Header, Status};
///
/// let Ok(Status::Complete { header, .. }) = parse(b"PROXY TCP6 2001:db8::1 2001:db8::2 1 2\r\n") else { panic!() };
/// assert!(matches!(header, Header::V1(_)));
/// assert_eq!(header.version(), 1);
/// assert_eq!(header.destination(), Some("[2001:db8::2]:2".parse().unwrap()));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[allow(clippy::exhaustive_enums)] // a new version would be a new major release
pub enum Header<'a> {
    /// A v1 (text) header.
    V1(v1::Header),
    /// A v2 (binary) header, a view over the input.
    V2(v2::Header<&'a [u8]>),
}

impl<'a> Header<'a> {
    /// 1 or 2.
    ///
    /// ```
    /// # use proxy_wire::parse;
    /// let (h, _) = parse(b"\r\n\r\n\0\r\nQUIT\n\x20\x00\x00\x00").unwrap().complete().unwrap();
    /// assert_eq!(h.version(), 2);
    /// ```
    pub const fn version(&self) -> u8 {
        match self {
            Self::V1(_) => 1,
            Self::V2(_) => 2,
        }
    }

    /// The carried addresses; `Unspec` for v1 `UNKNOWN`, v2 `LOCAL` and v2 family `UNSPEC`,
    /// where the receiver uses the real connection's addresses.
    ///
    /// ```
    /// # use proxy_wire::{parse, Addresses};
    /// let (h, _) = parse(b"PROXY UNKNOWN\r\n").unwrap().complete().unwrap();
    /// assert_eq!(h.addresses(), Addresses::Unspec);
    /// ```
    pub fn addresses(&self) -> Addresses<'a> {
        match self {
            Self::V1(h) => h.addresses(),
            Self::V2(h) => h.addresses(),
        }
    }

    /// The original client's address, when the header carries an IP one.
    ///
    /// ```
    /// # use proxy_wire::parse;
    /// let (h, _) = parse(b"PROXY TCP4 192.0.2.1 192.0.2.2 1000 80\r\n").unwrap().complete().unwrap();
    /// assert_eq!(h.source(), Some("192.0.2.1:1000".parse().unwrap()));
    /// ```
    pub fn source(&self) -> Option<SocketAddr> {
        self.addresses().source()
    }

    /// The original destination, when the header carries an IP one.
    ///
    /// ```
    /// # use proxy_wire::parse;
    /// let (h, _) = parse(b"PROXY TCP4 192.0.2.1 192.0.2.2 1000 80\r\n").unwrap().complete().unwrap();
    /// assert_eq!(h.destination(), Some("192.0.2.2:80".parse().unwrap()));
    /// ```
    pub fn destination(&self) -> Option<SocketAddr> {
        self.addresses().destination()
    }

    /// The v2 command; v1 `TCP4`/`TCP6` are `Proxy`, v1 `UNKNOWN` is `Local` (use the real
    /// connection's addresses).
    ///
    /// ```
    /// # use proxy_wire::{parse, v2::Command};
    /// let (h, _) = parse(b"PROXY UNKNOWN\r\n").unwrap().complete().unwrap();
    /// assert_eq!(h.command(), Command::Local);
    /// ```
    pub fn command(&self) -> v2::Command {
        match self {
            Self::V1(v1::Header::Unknown) => v2::Command::Local,
            Self::V1(_) => v2::Command::Proxy,
            Self::V2(h) => h.command(),
        }
    }

    /// The TLVs (none for v1).
    ///
    /// ```
    /// # use proxy_wire::parse;
    /// let (h, _) = parse(b"PROXY UNKNOWN\r\n").unwrap().complete().unwrap();
    /// assert_eq!(h.tlvs().count(), 0);
    /// ```
    pub fn tlvs(&self) -> v2::Tlvs<'a> {
        match self {
            Self::V1(_) => v2::Tlvs::new(&[], 0),
            Self::V2(h) => h.tlvs(),
        }
    }

    /// The value of the first AUTHORITY TLV: the host name the client asked for (TLS SNI).
    /// `None` without one, or if it is not UTF-8 as the specification requires (the raw
    /// bytes are in [`Header::tlvs`]).
    ///
    /// ```
    /// use proxy_wire::{parse, v2, Encode};
    ///
    /// let src: std::net::SocketAddr = "192.0.2.1:56324".parse()?;
    /// let dst: std::net::SocketAddr = "192.0.2.2:443".parse()?;
    /// let tlvs = [v2::TlvSpec::authority("example.com"), v2::TlvSpec::alpn(b"h2")];
    /// let mut buf = [0u8; 64];
    /// let n = v2::Builder::proxy(v2::Protocol::Stream, (src, dst)).tlvs(&tlvs).encode(&mut buf)?;
    /// let (header, _) = parse(&buf[..n])?.complete().unwrap();
    /// assert_eq!(header.authority(), Some("example.com"));
    /// assert_eq!(header.alpn(), Some(&b"h2"[..]));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn authority(&self) -> Option<&'a str> {
        match self.find_tlv(v2::TlvType::AUTHORITY)?.value() {
            Ok(v2::TlvValue::Authority(host)) => Some(host),
            _ => None,
        }
    }

    /// The value of the first ALPN TLV: the application protocol negotiated with the client
    /// (`h2`, `http/1.1`).
    ///
    /// ```
    /// # use proxy_wire::parse;
    /// let (h, _) = parse(b"\r\n\r\n\0\r\nQUIT\n\x20\x00\x00\x05\x01\x00\x02h2").unwrap().complete().unwrap();
    /// assert_eq!(h.alpn(), Some(&b"h2"[..]));
    /// ```
    pub fn alpn(&self) -> Option<&'a [u8]> {
        self.find_tlv(v2::TlvType::ALPN).map(|t| t.value_bytes())
    }

    /// The value of the first UNIQUE_ID TLV (at most 128 bytes, checked by the parser).
    ///
    /// ```
    /// # use proxy_wire::parse;
    /// let (h, _) = parse(b"\r\n\r\n\0\r\nQUIT\n\x20\x00\x00\x05\x05\x00\x02id").unwrap().complete().unwrap();
    /// assert_eq!(h.unique_id(), Some(&b"id"[..]));
    /// ```
    pub fn unique_id(&self) -> Option<&'a [u8]> {
        self.find_tlv(v2::TlvType::UNIQUE_ID)
            .map(|t| t.value_bytes())
    }

    /// The first SSL TLV: how the client connected to the proxy (TLS or not, certificate
    /// verified or not) and its sub-TLVs (version, client certificate CN, cipher, ...).
    ///
    /// ```
    /// use proxy_wire::{parse, v2};
    ///
    /// let input = b"\r\n\r\n\0\r\nQUIT\n\x20\x00\x00\x16\x20\x00\x13\x03\x00\x00\x00\x00\x22\x00\x0bclient.test";
    /// let (h, _) = parse(input).unwrap().complete().unwrap();
    /// let ssl = h.ssl().unwrap();
    /// assert!(ssl.client().contains(v2::SslClient::CERT_CONN) && ssl.is_verified());
    /// assert_eq!(ssl.cn(), Some("client.test"));
    /// ```
    pub fn ssl(&self) -> Option<v2::Ssl<'a>> {
        self.as_v2()?.ssl()
    }

    /// The value of the first NETNS TLV: the name of the network namespace the proxy accepted
    /// the connection in (US-ASCII; `None` if it is not).
    ///
    /// ```
    /// # use proxy_wire::parse;
    /// let (h, _) = parse(b"\r\n\r\n\0\r\nQUIT\n\x20\x00\x00\x06\x30\x00\x03red").unwrap().complete().unwrap();
    /// assert_eq!(h.netns(), Some("red"));
    /// ```
    pub fn netns(&self) -> Option<&'a str> {
        match self.find_tlv(v2::TlvType::NETNS)?.value() {
            Ok(v2::TlvValue::Netns(name)) => Some(name),
            _ => None,
        }
    }

    /// The AWS VPC endpoint id (TLV `0xEA`, subtype `0x01`) an AWS Network Load Balancer
    /// sends for PrivateLink connections, e.g. `vpce-08d2bf15fac5001c9`.
    ///
    /// ```
    /// # use proxy_wire::parse;
    /// let (h, _) = parse(b"\r\n\r\n\0\r\nQUIT\n\x20\x00\x00\x0a\xea\x00\x07\x01vpce-1").unwrap().complete().unwrap();
    /// assert_eq!(h.aws_vpce_id(), Some("vpce-1"));
    /// ```
    pub fn aws_vpce_id(&self) -> Option<&'a str> {
        self.find_value(v2::TlvType::AWS, |v| match v {
            v2::TlvValue::AwsVpceId(id) => Some(id),
            _ => None,
        })
    }

    /// The Azure private endpoint link id (TLV `0xEE`, subtype `0x01`, little-endian on the
    /// wire) that Azure Private Link sends.
    ///
    /// ```
    /// # use proxy_wire::parse;
    /// let (h, _) = parse(b"\r\n\r\n\0\r\nQUIT\n\x20\x00\x00\x08\xee\x00\x05\x01\xef\xbe\xad\xde").unwrap().complete().unwrap();
    /// assert_eq!(h.azure_link_id(), Some(0xdead_beef));
    /// ```
    pub fn azure_link_id(&self) -> Option<u32> {
        self.find_value(v2::TlvType::AZURE, |v| match v {
            v2::TlvValue::AzurePrivateEndpointLinkId(id) => Some(id),
            _ => None,
        })
    }

    /// The Google Cloud Private Service Connect connection id (TLV `0xE0`, 8 bytes
    /// big-endian).
    ///
    /// ```
    /// # use proxy_wire::parse;
    /// let (h, _) = parse(b"\r\n\r\n\0\r\nQUIT\n\x20\x00\x00\x0b\xe0\x00\x08\0\0\0\0\0\0\x01\x02").unwrap().complete().unwrap();
    /// assert_eq!(h.gcp_psc_id(), Some(0x0102));
    /// ```
    pub fn gcp_psc_id(&self) -> Option<u64> {
        self.find_value(v2::TlvType::GCP, |v| match v {
            v2::TlvValue::GcpPscConnectionId(id) => Some(id),
            _ => None,
        })
    }

    fn find_tlv(&self, tlv_type: v2::TlvType) -> Option<v2::Tlv<'a>> {
        self.as_v2()?.find_tlv(tlv_type)
    }

    /// The first TLV of vendor type `tlv_type` whose value decodes to what `pick` takes:
    /// vendors carry several subtypes under one type.
    fn find_value<T>(
        &self,
        tlv_type: v2::TlvType,
        pick: impl Fn(v2::TlvValue<'a>) -> Option<T>,
    ) -> Option<T> {
        self.tlvs()
            .filter(|t| t.tlv_type() == tlv_type)
            .find_map(|t| t.value().ok().and_then(&pick))
    }

    /// The v1 header, if this is one.
    ///
    /// ```
    /// # use proxy_wire::{parse, v1};
    /// let (h, _) = parse(b"PROXY UNKNOWN\r\n").unwrap().complete().unwrap();
    /// assert_eq!(h.as_v1(), Some(&v1::Header::Unknown));
    /// ```
    pub const fn as_v1(&self) -> Option<&v1::Header> {
        match self {
            Self::V1(h) => Some(h),
            Self::V2(_) => None,
        }
    }

    /// The v2 header, if this is one.
    ///
    /// ```
    /// # use proxy_wire::parse;
    /// let (h, _) = parse(b"PROXY UNKNOWN\r\n").unwrap().complete().unwrap();
    /// assert!(h.as_v2().is_none());
    /// ```
    pub const fn as_v2(&self) -> Option<&v2::Header<&'a [u8]>> {
        match self {
            Self::V1(_) => None,
            Self::V2(h) => Some(h),
        }
    }
}

impl Encode for Header<'_> {
    fn encoded_len(&self) -> usize {
        match self {
            Self::V1(h) => h.encoded_len(),
            Self::V2(h) => h.encoded_len(),
        }
    }

    fn encode(&self, out: &mut [u8]) -> Result<usize, EncodeError> {
        match self {
            Self::V1(h) => h.encode(out),
            Self::V2(h) => h.encode(out),
        }
    }
}

/// Parser options: the largest v2 header accepted and which versions are accepted.
///
/// ```
/// use proxy_wire::{ParserConfig, ParseError};
///
/// let mut config = ParserConfig::new();
/// config.max_v2_header_len(512).accept_v1(false);
/// assert_eq!(config.parse(b"PROXY UNKNOWN\r\n"), Err(ParseError::VersionDisabled { version: 1 }));
/// // A header declaring 1000 bytes is refused as soon as its length field is in.
/// assert!(config.parse(b"\r\n\r\n\0\r\nQUIT\n\x21\x11\x03\xe8").is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParserConfig {
    max_v2_len: usize,
    accept_v1: bool,
    accept_v2: bool,
    verify_crc32c: bool,
}

impl Default for ParserConfig {
    fn default() -> Self {
        Self::DEFAULT
    }
}

impl ParserConfig {
    /// Both versions, v2 headers up to the specification's 65551 bytes.
    pub(crate) const DEFAULT: Self = Self {
        max_v2_len: v2::V2_MAX_LEN,
        accept_v1: true,
        accept_v2: true,
        // The one place where fuzzing builds skip checksum verification (STYLE §40); a fuzz
        // target turns it back on with `verify_crc32c`.
        verify_crc32c: !cfg!(fuzzing),
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
    /// let mut config = ParserConfig::new();
    /// config.max_v2_header_len(28);
    /// let err = config.parse(b"\r\n\r\n\0\r\nQUIT\n\x21\x21\x00\x24").unwrap_err();
    /// assert_eq!(err, ParseError::V2TooLong { size: 52, limit: 28 });
    /// ```
    pub fn max_v2_header_len(&mut self, max: usize) -> &mut Self {
        self.max_v2_len = max;
        self
    }

    /// Whether v1 headers are accepted (default: yes).
    ///
    /// ```
    /// let mut config = proxy_wire::ParserConfig::new();
    /// config.accept_v1(false);
    /// assert!(config.parse(b"PROXY UNKNOWN\r\n").is_err());
    /// ```
    pub fn accept_v1(&mut self, on: bool) -> &mut Self {
        self.accept_v1 = on;
        self
    }

    /// Whether v2 headers are accepted (default: yes).
    ///
    /// ```
    /// let mut config = proxy_wire::ParserConfig::new();
    /// config.accept_v2(false);
    /// assert!(config.parse(b"\r\n\r\n\0\r\nQUIT\n\x20\x00\x00\x00").is_err());
    /// ```
    pub fn accept_v2(&mut self, on: bool) -> &mut Self {
        self.accept_v2 = on;
        self
    }

    /// Fuzzing builds only: turn CRC32C verification back on (it is off by default under
    /// `cfg(fuzzing)` so the fuzzer can reach past checksums).
    #[cfg(fuzzing)]
    #[doc(hidden)]
    pub fn verify_crc32c(&mut self, on: bool) -> &mut Self {
        self.verify_crc32c = on;
        self
    }

    /// Parses a header of either accepted version at the start of `buf`; see [`parse`].
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
        // A whole, valid v2 header is done here, inlined into the caller, so its result stays
        // in registers (with TLVs, after one out-of-line check); everything else is one call
        // away. With the v1 fast path in the same function it was not inlined, and the v2
        // result went through memory (measured: `cargo bench --bench compare` parse-v2_tcp4,
        // proxy-wire against the floor row, see benches/README.md).
        if buf.first() == Some(&b'\r') && self.accept_v2 {
            if let Some((h, consumed)) = v2::parse_fast(buf, self) {
                return Ok(Status::Complete {
                    header: Header::V2(h),
                    consumed,
                });
            }
        } else if buf.first_chunk() == Some(v1::UNKNOWN_LINE) && self.accept_v1 {
            // The health-check line: two word compares.
            return Ok(Status::Complete {
                header: Header::V1(v1::Header::Unknown),
                consumed: v1::V1_MIN_LEN,
            });
        }
        self.parse_rest(buf)
    }

    /// Everything [`ParserConfig::parse`] does not finish inline. The fast paths' results are
    /// built here in place: re-wrapping a version's `Status` into this one cost more than
    /// parsing a short header.
    #[inline(never)]
    fn parse_rest<'a>(&self, buf: &'a [u8]) -> Result<Status<Header<'a>>, ParseError> {
        match buf.first() {
            // A TCP4 line's result is built here field by field: through the fast path's
            // `(v1::Header, usize)` it was copied as one block, whose 16-byte load of four
            // just-stored fields cannot be forwarded. Doing the same for TCP6 in this function
            // made both slower: the two inlined parsers spilled registers (measured: criterion
            // and instructions on parse/v1_tcp4 and parse/v1_tcp6, see benches/README.md).
            Some(b'P') if self.accept_v1 && v1::fast::is_tcp4(buf) => {
                match v1::fast::tcp4_parts(buf) {
                    Some((src, dst, consumed)) => Ok(Status::Complete {
                        header: Header::V1(v1::Header::Tcp4 { src, dst }),
                        consumed,
                    }),
                    None => v1::parse_precise(buf).map(|s| s.map(Header::V1)),
                }
            }
            Some(b'P') if self.accept_v1 => match v1::fast::line(buf) {
                Some((h, consumed)) => Ok(Status::Complete {
                    header: Header::V1(h),
                    consumed,
                }),
                None => v1::parse_precise(buf).map(|s| s.map(Header::V1)),
            },
            Some(b'\r') if self.accept_v2 => v2::parse_full(buf, self).map(|s| s.map(Header::V2)),
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

    /// Parses a v1 header only (if v1 is accepted); see [`v1::parse`].
    ///
    /// # Errors
    /// As [`v1::parse`], or [`ParseError::VersionDisabled`].
    ///
    /// ```
    /// let config = proxy_wire::ParserConfig::new();
    /// assert!(config.parse_v1(b"PROXY UNKNOWN\r\n").unwrap().is_complete());
    /// ```
    pub fn parse_v1(&self, buf: &[u8]) -> Result<Status<v1::Header>, ParseError> {
        if !self.accept_v1 {
            return Err(ParseError::VersionDisabled { version: 1 });
        }
        v1::parse(buf)
    }

    /// Parses a v2 header only (if v2 is accepted), with this configuration's size limit; see
    /// [`v2::parse`].
    ///
    /// # Errors
    /// As [`v2::parse`], or [`ParseError::VersionDisabled`].
    ///
    /// ```
    /// let config = proxy_wire::ParserConfig::new();
    /// assert!(config.parse_v2(b"\r\n\r\n\0\r\nQUIT\n\x20\x00\x00\x00").unwrap().is_complete());
    /// ```
    pub fn parse_v2<'a>(&self, buf: &'a [u8]) -> Result<Status<v2::Header<&'a [u8]>>, ParseError> {
        if !self.accept_v2 {
            return Err(ParseError::VersionDisabled { version: 2 });
        }
        v2::parse_with(buf, self)
    }

    /// [`ParserConfig::parse`] for bytes read off a stream (TCP) connection, as the `io`
    /// adapters do: a v2 PROXY header for DGRAM is [`ParseError::WrongTransport`], since its
    /// addresses describe some other flow than this connection's client.
    #[cfg(feature = "std")]
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
            Status::Incomplete { needed } => Err(ParseError::Truncated {
                version: if buf.first() == Some(&b'P') { 1 } else { 2 },
                available: buf.len(),
                needed: needed.get(),
            }),
        }
    }
}

/// Parses a PROXY header of either version at the start of `buf`, with the default
/// [`ParserConfig`].
///
/// The first byte decides the version: `P` for v1, `\r` (the v2 signature's first byte) for
/// v2, anything else is [`ParseError::NotProxyHeader`]. While `buf` is a prefix of a header
/// that may still be valid the result is [`Status::Incomplete`]; at the first byte that cannot
/// continue one it is an error.
///
/// # Errors
/// Any [`ParseError`]; [`ParseError::category`] gives its conformance category.
///
/// ```
/// use proxy_wire::{parse, Status};
///
/// let input = b"PROXY TCP4 192.0.2.1 198.51.100.2 56324 443\r\nGET / HTTP/1.1\r\n";
/// let Ok(Status::Complete { header, consumed }) = parse(input) else { panic!() };
/// assert_eq!(&input[consumed..], b"GET / HTTP/1.1\r\n");
/// assert_eq!(header.source(), Some("192.0.2.1:56324".parse().unwrap()));
///
/// assert!(parse(b"GET / HTTP/1.1\r\n").is_err());
/// ```
#[inline]
pub fn parse(buf: &[u8]) -> Result<Status<Header<'_>>, ParseError> {
    ParserConfig::DEFAULT.parse(buf)
}

/// Parses the header at the start of one UDP datagram with the default configuration; see
/// [`ParserConfig::parse_datagram`].
///
/// # Errors
/// As [`parse`]; a datagram that ends inside its header is [`ParseError::Truncated`], a v1
/// line or a v2 header for STREAM is [`ParseError::WrongTransport`].
///
/// ```
/// // A LOCAL header (the proxy's own traffic), then the payload.
/// let (header, payload) = proxy_wire::parse_datagram(b"\r\n\r\n\0\r\nQUIT\n\x20\x00\x00\x00ping").unwrap();
/// assert_eq!((header.source(), payload), (None, &b"ping"[..]));
/// ```
pub fn parse_datagram(buf: &[u8]) -> Result<(Header<'_>, &[u8]), ParseError> {
    ParserConfig::DEFAULT.parse_datagram(buf)
}

/// Something that can be written as a PROXY header: [`v1::Header`], [`v2::Builder`], a parsed
/// [`v2::Header`] (re-encoded with its CRC32C recomputed) and [`Header`].
///
/// The length is known before writing, and nothing is written on error.
///
/// ```
/// use proxy_wire::{v1, Encode};
///
/// let header = v1::Header::from_socket_addrs("192.0.2.1:1000".parse().unwrap(), "192.0.2.2:80".parse().unwrap());
/// let mut buf = [0u8; 64];
/// let n = header.encode(&mut buf).unwrap();
/// assert_eq!(n, header.encoded_len());
/// assert_eq!(&buf[..n], b"PROXY TCP4 192.0.2.1 192.0.2.2 1000 80\r\n");
/// ```
pub trait Encode {
    /// The exact number of bytes [`Encode::encode`] writes.
    fn encoded_len(&self) -> usize;

    /// Writes the header at the start of `out` and returns the bytes written.
    ///
    /// # Errors
    /// [`EncodeError::BufferTooSmall`] if `out` is shorter than [`Encode::encoded_len`], or
    /// the reason the header cannot be encoded. Nothing is written then.
    fn encode(&self, out: &mut [u8]) -> Result<usize, EncodeError>;

    /// Writes the header into a [`bytes::BufMut`] and returns the bytes written. Checks
    /// `remaining_mut()` first, so it never panics.
    ///
    /// # Errors
    /// [`EncodeError::BufferTooSmall`] if the buffer has less room than the header, or the
    /// reason the header cannot be encoded. Nothing is written then.
    ///
    /// ```
    /// use proxy_wire::{v2, Encode};
    ///
    /// let mut buf = bytes::BytesMut::new();
    /// let n = v2::Builder::local().encode_to_buf(&mut buf).unwrap();
    /// assert_eq!(buf.len(), n);
    /// ```
    #[cfg(feature = "bytes")]
    #[cfg_attr(docsrs, doc(cfg(feature = "bytes")))]
    fn encode_to_buf<B: bytes::BufMut + ?Sized>(&self, buf: &mut B) -> Result<usize, EncodeError> {
        let needed = self.encoded_len();
        let available = buf.remaining_mut();
        if available < needed {
            return Err(EncodeError::BufferTooSmall { needed, available });
        }
        with_encoded(self, needed, |bytes| buf.put_slice(bytes))
    }

    /// Writes the header to `w` with a single `write_all`, as the specification asks (the
    /// header goes out at once, before any data). Returns the bytes written.
    ///
    /// # Errors
    /// The writer's error, or an [`InvalidInput`](std::io::ErrorKind::InvalidInput) error
    /// holding the [`EncodeError`].
    ///
    /// ```
    /// use proxy_wire::{v1, Encode};
    ///
    /// let mut out = Vec::new();
    /// v1::Header::Unknown.write_to(&mut out).unwrap();
    /// assert_eq!(out, b"PROXY UNKNOWN\r\n");
    /// ```
    #[cfg(feature = "std")]
    #[cfg_attr(docsrs, doc(cfg(feature = "std")))]
    fn write_to<W: std::io::Write + ?Sized>(&self, w: &mut W) -> std::io::Result<usize> {
        let needed = self.encoded_len();
        let mut result = Ok(());
        let n = with_encoded(self, needed, |bytes| result = w.write_all(bytes))?;
        result.map(|()| n)
    }
}

/// Encodes into a stack buffer (or, for a header over 128 bytes, a heap one) and hands the
/// bytes to `f`.
#[cfg(any(feature = "bytes", feature = "std"))] // its only callers
fn with_encoded<E: Encode + ?Sized>(
    header: &E,
    len: usize,
    f: impl FnOnce(&[u8]),
) -> Result<usize, EncodeError> {
    let mut stack = [0u8; 128];
    let mut heap;
    let buf: &mut [u8] = if len <= stack.len() {
        &mut stack
    } else {
        heap = alloc::vec![0u8; len];
        &mut heap
    };
    let n = header.encode(buf)?;
    f(&buf[..n]);
    Ok(n)
}
