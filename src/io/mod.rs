//! Reading and writing headers on real connections (feature `std`; the async forms in
//! [`io::tokio`](self::tokio) with feature `tokio`). One function per job:
//!
//! * [`peel_tcp`] takes exactly the header off a [`TcpStream`](std::net::TcpStream): it peeks
//!   (`MSG_PEEK`) to learn the header's length and then reads just those bytes, so the stream
//!   is left at the first byte of data and can go to any TLS or HTTP library as it is. A
//!   header timeout bounds the wait.
//! * [`read_header`] works on any [`Read`](std::io::Read). Every read is bounded by what the
//!   header can still need (16 bytes first; then at most 107 bytes in all for v1, exactly
//!   `16 + len` for v2), and the few bytes read past a v1 header are not lost: the returned
//!   [`Peeled`] stream gives them back before reading the inner stream again.
//! * [`Acceptor`] wraps a [`TcpListener`](std::net::TcpListener): it decides per TCP peer
//!   whether a header is required, optional, refused or not looked for ([`AcceptorConfig`],
//!   [`HeaderPolicy`], [`Cidr`]), reads headers off the accept loop under a timeout, and
//!   yields [`Accepted`] connections with the real and the proxied addresses, or an
//!   [`AcceptError`] for one bad connection while it keeps serving.
//! * [`connect_with_header`] opens a connection and sends the header in one write before
//!   any data (section 2 of the specification: the header is sent "at once").
//!
//! None of them loses or reorders a byte of the data after the header
//! ([conformance](crate::conformance), "On a real connection"). A bad header is an
//! [`InvalidData`](std::io::ErrorKind::InvalidData) error whose inner error is the
//! [`ParseError`](crate::ParseError). These are stream (TCP) connections, so every reader
//! refuses a v2 PROXY header for DGRAM with
//! [`ParseError::WrongTransport`](crate::ParseError::WrongTransport): its addresses describe a
//! UDP flow, not this connection's client. (UDP receivers use
//! [`parse_datagram`](crate::parse_datagram).)
//!
//! The blocking and the tokio code run the same steps (the header buffer, the look at the
//! first bytes, the policy decision, the deadline); they differ only in their read and peek
//! calls.
//!
//! ```
//! use proxy_wire::io::{connect_with_header, peel_tcp};
//! use proxy_wire::{v1, ParserConfig};
//! use std::io::{Read, Write};
//! use std::net::TcpListener;
//! use std::time::Duration;
//!
//! let listener = TcpListener::bind("127.0.0.1:0")?;
//! let header = v1::Header::from_socket_addrs("192.0.2.1:4000".parse()?, "192.0.2.2:443".parse()?);
//! let mut client = connect_with_header(listener.local_addr()?, &header)?;
//! client.write_all(b"hello")?;
//!
//! let (mut stream, _) = listener.accept()?;
//! let received = peel_tcp(&stream, &ParserConfig::new(), Some(Duration::from_secs(5)))?;
//! assert_eq!(received.header().source(), Some("192.0.2.1:4000".parse()?));
//! let mut data = [0u8; 5];
//! stream.read_exact(&mut data)?; // nothing was read past the header
//! assert_eq!(&data, b"hello");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![forbid(unsafe_code)]

mod accepted;
mod acceptor;
mod policy;
mod read;
mod sans;
#[cfg(feature = "tokio")]
#[cfg_attr(docsrs, doc(cfg(feature = "tokio")))]
pub mod tokio;

pub use accepted::{AcceptError, Accepted, RejectReason};
pub use acceptor::Acceptor;
pub use policy::{AcceptorConfig, Cidr, CidrError, HeaderPolicy};
pub use read::{connect_with_header, peel_tcp, read_header, Peeled};
