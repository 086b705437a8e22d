#![doc = include_str!("../README.md")]
//!
//! # Guide
//!
//! * [`parse`] tells v1 from v2 by the first byte and returns a [`Status`]: the [`Header`] and
//!   the bytes it used, or how many more bytes are needed. [`v1::parse`] and [`v2::parse`] accept
//!   one version only; [`ParserConfig`] limits v2 sizes and turns versions off;
//!   [`parse_datagram`] is for UDP, where a header is never split.
//! * [`Header`] answers what a server asks: [`source`](Header::source),
//!   [`authority`](Header::authority), [`ssl`](Header::ssl) and the other TLVs, for either
//!   version. Inside it, [`v1::Header`] is a plain value and [`v2::Header`] a zero-copy view
//!   whose [`tlvs`](v2::Header::tlvs) iterate in wire order and decode lazily with
//!   [`Tlv::value`](v2::Tlv::value). [`OwnedHeader`] (feature `alloc`) keeps one past its buffer,
//!   [`ArrayHeader`] too without an allocator, in a fixed-capacity array.
//! * Everything that can be written implements [`Encode`]: [`v1::Header`], [`v2::Builder`],
//!   a parsed [`v2::Header`] and [`Header`]. `encoded_len` is known up front, `encode` writes
//!   into `&mut [u8]` and writes nothing on error.
//! * Errors are [`ParseError`] (its [`category`](ParseError::category) names the rule of the
//!   [conformance policy](conformance) it breaks) and [`EncodeError`].
//!
//! The core above is `#![no_std]` and needs no allocator; it never panics on input. On top of
//! it, behind features:
//!
//! * `io` (feature `std`): take a header off a stream without losing the bytes after it
//!   (`io::peel_tcp` reads exactly the header off a `TcpStream`; `io::read_header` works on any
//!   `Read` and hands back a `Peeled` reader that replays what it read past the header), send
//!   one (`io::connect_with_header`), and accept connections under a trust policy with a header
//!   timeout (`io::Acceptor`, `io::AcceptorConfig`, `io::HeaderPolicy`).
//! * `io::tokio` (feature `tokio`): the same for tokio's `AsyncRead` and `TcpStream`.
//! * `embedded` (features `embedded-io` and `embedded-io-async`, no std, no allocator): read
//!   exactly the header off an `embedded_io::Read` or `embedded_io_async::Read` (embassy-net's
//!   `TcpSocket`, say) into your buffer (`embedded::read_header`,
//!   `embedded::read_header_async`).
//! * `transparent` (feature `transparent`, Linux/Android): connect to a backend from the
//!   client's own address, as HAProxy's `usesrc clientip` does.
//!
//! Which piece to reach for:
//!
//! | you have | call |
//! |---|---|
//! | bytes in a buffer | [`parse`], then `&buf[consumed..]` is the application's |
//! | a `TcpStream` to hand to a TLS or HTTP library | `io::peel_tcp` (or `io::tokio::peel_tcp`) |
//! | any other reader | `io::read_header` (or `io::tokio::read_header`) |
//! | a `no_std` reader (embedded-io, embassy-net) | `embedded::read_header` (or `embedded::read_header_async`) |
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
mod array;
mod config;
mod copy;
#[cfg(any(feature = "embedded-io", feature = "embedded-io-async"))]
#[cfg_attr(
    docsrs,
    doc(cfg(any(feature = "embedded-io", feature = "embedded-io-async")))
)]
pub mod embedded;
mod encode;
mod error;
#[cfg(fuzzing)]
#[doc(hidden)]
pub mod fuzzing;
mod header;
#[cfg(feature = "std")]
#[cfg_attr(docsrs, doc(cfg(feature = "std")))]
pub mod io;
#[cfg(feature = "alloc")]
mod owned;
mod status;
#[cfg(test)]
mod test_rng;
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
pub mod v1;
pub mod v2;

#[doc = include_str!("../docs/CONFORMANCE.md")]
pub mod conformance {}

pub use addr::Addresses;
pub use array::ArrayHeader;
pub use config::ParserConfig;
pub use encode::Encode;
pub use error::{EncodeError, Endpoint, ParseError};
pub use header::Header;
#[cfg(feature = "alloc")]
#[cfg_attr(docsrs, doc(cfg(feature = "alloc")))]
pub use owned::OwnedHeader;
pub use status::Status;

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
    ParserConfig::new().parse(buf)
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
    ParserConfig::new().parse_datagram(buf)
}
