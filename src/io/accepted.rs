//! What every acceptor, blocking or tokio, yields: [`Accepted`] and [`AcceptError`].

#![forbid(unsafe_code)]

use core::fmt;
use core::net::SocketAddr;
use std::io::{self, ErrorKind};
use std::net::TcpStream;

use crate::header::Header;
use crate::owned::OwnedHeader;

/// A connection that passed the acceptor's policy: the stream positioned at the first byte
/// of data, and the header if one was read.
///
/// [`source`](Accepted::source) and [`destination`](Accepted::destination) give the proxied
/// addresses when the header carries IP ones, and the real connection's otherwise (no
/// header, v1 `UNKNOWN`, v2 `LOCAL`, v2 `UNSPEC` or `UNIX` families).
///
/// ```
/// use proxy_wire::io::{connect_with_header, Acceptor, AcceptorConfig};
/// use proxy_wire::v1;
///
/// let acceptor = Acceptor::bind("127.0.0.1:0", AcceptorConfig::new())?;
/// let header = v1::Header::from_socket_addrs("192.0.2.1:4000".parse()?, "192.0.2.2:443".parse()?);
/// let client = connect_with_header(acceptor.local_addr(), &header)?;
/// let conn = acceptor.accept()?;
/// assert_eq!(conn.peer_addr(), client.local_addr()?);
/// assert_eq!(conn.source(), "192.0.2.1:4000".parse()?);
/// assert_eq!(conn.destination(), "192.0.2.2:443".parse()?);
/// assert!(conn.header().is_some());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct Accepted<S = TcpStream> {
    stream: S,
    peer: SocketAddr,
    local: SocketAddr,
    header: Option<OwnedHeader>,
}

impl<S> Accepted<S> {
    pub(crate) fn new(
        stream: S,
        peer: SocketAddr,
        local: SocketAddr,
        header: Option<OwnedHeader>,
    ) -> Self {
        Self {
            stream,
            peer,
            local,
            header,
        }
    }

    /// The header, if the policy read one; every field and TLV is one call away
    /// (`conn.header()?.authority()`).
    ///
    /// ```
    /// use proxy_wire::io::{connect_with_header, Acceptor, AcceptorConfig};
    /// use proxy_wire::v2;
    ///
    /// let acceptor = Acceptor::bind("127.0.0.1:0", AcceptorConfig::new())?;
    /// let tlvs = [v2::TlvSpec::Authority("example.test")];
    /// let _c = connect_with_header(acceptor.local_addr(), &v2::Builder::local().tlvs(&tlvs))?;
    /// let conn = acceptor.accept()?;
    /// assert_eq!(conn.header().and_then(|h| h.authority()), Some("example.test"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn header(&self) -> Option<Header<'_>> {
        self.header.as_ref().map(OwnedHeader::header)
    }

    /// The original client: the header's source address, or the TCP peer when the header
    /// carries no IP addresses (or there is no header).
    ///
    /// ```
    /// use proxy_wire::io::{connect_with_header, Acceptor, AcceptorConfig};
    ///
    /// let acceptor = Acceptor::bind("127.0.0.1:0", AcceptorConfig::new())?;
    /// let client = connect_with_header(acceptor.local_addr(), &proxy_wire::v2::Builder::local())?;
    /// assert_eq!(acceptor.accept()?.source(), client.local_addr()?); // LOCAL: the real peer
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn source(&self) -> SocketAddr {
        self.proxied().map_or(self.peer, |(src, _)| src)
    }

    /// The original destination: the header's destination address, or the local address of
    /// the TCP connection when the header carries no IP addresses (or there is no header).
    ///
    /// ```
    /// use proxy_wire::io::{connect_with_header, Acceptor, AcceptorConfig};
    ///
    /// let acceptor = Acceptor::bind("127.0.0.1:0", AcceptorConfig::new())?;
    /// let _c = connect_with_header(acceptor.local_addr(), &proxy_wire::v1::Header::Unknown)?;
    /// assert_eq!(acceptor.accept()?.destination(), acceptor.local_addr());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn destination(&self) -> SocketAddr {
        self.proxied().map_or(self.local, |(_, dst)| dst)
    }

    /// The TCP peer: the proxy's address when a header was sent.
    ///
    /// ```
    /// use proxy_wire::io::{connect_with_header, Acceptor, AcceptorConfig};
    ///
    /// let acceptor = Acceptor::bind("127.0.0.1:0", AcceptorConfig::new())?;
    /// let client = connect_with_header(acceptor.local_addr(), &proxy_wire::v1::Header::Unknown)?;
    /// assert_eq!(acceptor.accept()?.peer_addr(), client.local_addr()?);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn peer_addr(&self) -> SocketAddr {
        self.peer
    }

    /// The stream, at the first byte after the header.
    ///
    /// ```
    /// use proxy_wire::io::{connect_with_header, Acceptor, AcceptorConfig};
    /// use std::io::{Read, Write};
    ///
    /// let acceptor = Acceptor::bind("127.0.0.1:0", AcceptorConfig::new())?;
    /// let mut client = connect_with_header(acceptor.local_addr(), &proxy_wire::v1::Header::Unknown)?;
    /// client.write_all(b"ping")?;
    /// let mut conn = acceptor.accept()?;
    /// let mut data = [0u8; 4];
    /// conn.stream_mut().read_exact(&mut data)?;
    /// conn.stream_mut().write_all(b"pong")?;
    /// assert_eq!(&data, b"ping");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn stream_mut(&mut self) -> &mut S {
        &mut self.stream
    }

    /// The stream and the header, to keep beyond this value.
    ///
    /// ```
    /// use proxy_wire::io::{connect_with_header, Acceptor, AcceptorConfig};
    ///
    /// let acceptor = Acceptor::bind("127.0.0.1:0", AcceptorConfig::new())?;
    /// let _c = connect_with_header(acceptor.local_addr(), &proxy_wire::v1::Header::Unknown)?;
    /// let (stream, header) = acceptor.accept()?.into_parts();
    /// assert_eq!(stream.local_addr()?, acceptor.local_addr());
    /// assert_eq!(header.map(|h| h.into_bytes()), Some(b"PROXY UNKNOWN\r\n".to_vec()));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn into_parts(self) -> (S, Option<OwnedHeader>) {
        (self.stream, self.header)
    }

    /// The header's IP addresses, if it has both.
    fn proxied(&self) -> Option<(SocketAddr, SocketAddr)> {
        let addrs = self.header.as_ref()?.header().addresses();
        Some((addrs.source()?, addrs.destination()?))
    }
}

/// Why one connection was not accepted (it has been closed; the listener keeps serving), or
/// why the listener itself failed to accept. Its [`source`](std::error::Error::source) is
/// the [`io::Error`], which for a bad header holds the [`ParseError`](crate::ParseError).
///
/// ```
/// use proxy_wire::io::{Acceptor, AcceptorConfig};
/// use proxy_wire::ParseError;
/// use std::error::Error;
/// use std::io::{ErrorKind, Write};
///
/// let acceptor = Acceptor::bind("127.0.0.1:0", AcceptorConfig::new())?;
/// let mut client = std::net::TcpStream::connect(acceptor.local_addr())?;
/// client.write_all(b"GET / HTTP/1.1\r\n\r\n")?;
/// let err = acceptor.accept().unwrap_err();
/// assert_eq!(err.kind(), ErrorKind::InvalidData);
/// assert!(err.to_string().starts_with("connection from 127.0.0.1:"));
/// let io = err.source().and_then(|e| e.downcast_ref::<std::io::Error>()).unwrap();
/// assert!(io.get_ref().unwrap().downcast_ref::<ParseError>().is_some());
/// let err: std::io::Error = err.into(); // for `?` in functions returning io::Result
/// assert_eq!(err.kind(), ErrorKind::InvalidData);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, thiserror::Error)]
#[error("{}: {error}", Origin(*.peer))]
pub struct AcceptError {
    peer: Option<SocketAddr>,
    #[source]
    error: io::Error,
}

/// The start of an [`AcceptError`]'s message: which connection, or the listener.
struct Origin(Option<SocketAddr>);

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(peer) => write!(f, "connection from {peer} closed"),
            None => f.write_str("accept failed"),
        }
    }
}

impl AcceptError {
    pub(crate) fn connection(peer: SocketAddr, error: io::Error) -> Self {
        Self {
            peer: Some(peer),
            error,
        }
    }

    pub(crate) fn listener(error: io::Error) -> Self {
        Self { peer: None, error }
    }

    /// The TCP peer of the failed connection; `None` when the listener's `accept` failed.
    ///
    /// ```
    /// use proxy_wire::io::{Acceptor, AcceptorConfig};
    /// use std::io::Write;
    ///
    /// let acceptor = Acceptor::bind("127.0.0.1:0", AcceptorConfig::new())?;
    /// let mut client = std::net::TcpStream::connect(acceptor.local_addr())?;
    /// client.write_all(b"hello\r\n")?;
    /// assert_eq!(acceptor.accept().unwrap_err().peer_addr(), Some(client.local_addr()?));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn peer_addr(&self) -> Option<SocketAddr> {
        self.peer
    }

    /// The kind of the underlying error: `InvalidData` (bad header, with the
    /// [`ParseError`](crate::ParseError) inside), `TimedOut`, `UnexpectedEof`,
    /// `PermissionDenied` (policy [`Reject`](crate::io::HeaderPolicy::Reject) or a refused
    /// header), or a socket error.
    ///
    /// ```
    /// use proxy_wire::io::{Acceptor, AcceptorConfig};
    /// use std::io::ErrorKind;
    ///
    /// let acceptor = Acceptor::bind("127.0.0.1:0", AcceptorConfig::new())?;
    /// drop(std::net::TcpStream::connect(acceptor.local_addr())?); // closes at once
    /// assert_eq!(acceptor.accept().unwrap_err().kind(), ErrorKind::UnexpectedEof);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn kind(&self) -> ErrorKind {
        self.error.kind()
    }
}

impl From<AcceptError> for io::Error {
    /// Keeps the kind; the message names the peer.
    fn from(err: AcceptError) -> Self {
        io::Error::new(err.kind(), err)
    }
}
