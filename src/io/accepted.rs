//! What every acceptor, blocking or tokio, yields: [`Accepted`] and [`AcceptError`].

#![forbid(unsafe_code)]

use core::fmt;
use core::net::SocketAddr;
use std::io::{self, ErrorKind};
use std::net::TcpStream;

use crate::error::{Invalid, ParseError};
use crate::header::Header;
use crate::io::sans::Refusal;
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
    source: SocketAddr,
    destination: SocketAddr,
    header: Option<OwnedHeader>,
}

impl<S> Accepted<S> {
    /// `local` gives the stream's local address; it is asked only when the header carries no
    /// IP addresses, so a proxied connection costs no `getsockname` call.
    pub(crate) fn new(
        stream: S,
        peer: SocketAddr,
        header: Option<OwnedHeader>,
        local: impl FnOnce(&S) -> io::Result<SocketAddr>,
    ) -> io::Result<Self> {
        let proxied = header.as_ref().and_then(|h| {
            let addrs = h.header().addresses();
            Some((addrs.source()?, addrs.destination()?))
        });
        let (source, destination) = match proxied {
            Some(both) => both,
            None => (peer, local(&stream)?),
        };
        Ok(Self {
            stream,
            peer,
            source,
            destination,
            header,
        })
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
        self.source
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
        self.destination
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
}

/// Why one connection was not accepted (it has been closed; the listener keeps serving), or
/// why the listener itself failed to accept. [`reason`](AcceptError::reason) says which, as a
/// value to match on; the message names the connection, and its
/// [`source`](std::error::Error::source) is the cause when there is one (the
/// [`ParseError`](crate::ParseError) for a bad header).
///
/// ```
/// use proxy_wire::io::{Acceptor, AcceptorConfig, RejectReason};
/// use proxy_wire::ParseError;
/// use std::io::Write;
///
/// let acceptor = Acceptor::bind("127.0.0.1:0", AcceptorConfig::new())?;
/// let mut client = std::net::TcpStream::connect(acceptor.local_addr())?;
/// client.write_all(b"GET / HTTP/1.1\r\n\r\n")?;
/// let err = acceptor.accept().unwrap_err();
/// assert!(matches!(err.reason(), RejectReason::Invalid(ParseError::NotProxyHeader { .. })));
/// assert!(err.to_string().starts_with("connection from 127.0.0.1:"));
/// let err: std::io::Error = err.into(); // for `?` in functions returning io::Result
/// assert_eq!(err.kind(), std::io::ErrorKind::InvalidData);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct AcceptError {
    peer: Option<SocketAddr>,
    error: io::Error,
}

/// What an [`AcceptError`] is about: the peer and header checks of
/// [`AcceptorConfig`](crate::io::AcceptorConfig), or a socket error.
///
/// ```
/// use proxy_wire::io::{Acceptor, AcceptorConfig, RejectReason};
///
/// let acceptor = Acceptor::bind("127.0.0.1:0", AcceptorConfig::new())?;
/// drop(std::net::TcpStream::connect(acceptor.local_addr())?); // closes at once
/// assert_eq!(acceptor.accept().unwrap_err().reason(), RejectReason::Closed);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RejectReason {
    /// The peer is not trusted and the untrusted policy is
    /// [`HeaderPolicy::Reject`](crate::io::HeaderPolicy::Reject).
    Untrusted,
    /// The peer sent a header and its policy is
    /// [`HeaderPolicy::Refuse`](crate::io::HeaderPolicy::Refuse).
    Refused,
    /// The validation hook ([`AcceptorConfig::validate`](crate::io::AcceptorConfig::validate))
    /// returned `false`.
    Denied,
    /// No complete header within the header timeout.
    TimedOut,
    /// The peer closed the connection before its header was complete.
    Closed,
    /// The bytes are not a valid header, or no header came where one is required.
    Invalid(ParseError),
    /// A socket error on this connection, or, when [`AcceptError::peer_addr`] is `None`, on
    /// the listener.
    Io(ErrorKind),
}

impl RejectReason {
    /// Classifies an acceptor's error by the types the crate put into it.
    fn of(err: &io::Error) -> Self {
        if let Some(inner) = err.get_ref() {
            if let Some(Invalid::Header(parse)) = inner.downcast_ref::<Invalid>() {
                return Self::Invalid(*parse);
            }
            match inner.downcast_ref::<Refusal>() {
                Some(Refusal::Untrusted(_)) => return Self::Untrusted,
                Some(Refusal::Refused) => return Self::Refused,
                Some(Refusal::Denied) => return Self::Denied,
                None => {}
            }
        }
        match err.kind() {
            ErrorKind::TimedOut | ErrorKind::WouldBlock => Self::TimedOut,
            ErrorKind::UnexpectedEof => Self::Closed,
            kind => Self::Io(kind),
        }
    }
}

impl fmt::Display for AcceptError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.peer {
            Some(peer) => write!(f, "connection from {peer} closed: {}", self.error),
            None => write!(f, "accept failed: {}", self.error),
        }
    }
}

impl std::error::Error for AcceptError {
    /// The cause below the message: the `io::Error`'s own source (for a bad header, the
    /// `ParseError`), since the message already includes the `io::Error`.
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.error.source()
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

    /// Why the connection was closed, or the listener failed.
    ///
    /// ```
    /// use proxy_wire::io::{Acceptor, AcceptorConfig, RejectReason};
    /// use std::time::Duration;
    ///
    /// let config = AcceptorConfig::new().header_timeout(Duration::from_millis(50));
    /// let acceptor = Acceptor::bind("127.0.0.1:0", config)?;
    /// let _silent = std::net::TcpStream::connect(acceptor.local_addr())?;
    /// assert_eq!(acceptor.accept().unwrap_err().reason(), RejectReason::TimedOut);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn reason(&self) -> RejectReason {
        RejectReason::of(&self.error)
    }
}

impl From<AcceptError> for io::Error {
    /// Keeps the kind (`InvalidData`, `TimedOut`, `UnexpectedEof`, `PermissionDenied`, or the
    /// socket's); the message names the peer.
    fn from(err: AcceptError) -> Self {
        io::Error::new(err.error.kind(), err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{v2, Encode};
    use std::string::ToString;
    use std::vec::Vec;

    fn owned(bytes: &[u8]) -> Option<OwnedHeader> {
        Some(OwnedHeader::new(bytes.to_vec()).unwrap())
    }

    /// The socket's local address is asked only when the header has no IP addresses: a
    /// proxied connection makes no `getsockname` call, and when one is made its error is the
    /// connection's.
    #[test]
    fn local_address_is_asked_only_without_ip_addresses() {
        let peer: SocketAddr = "127.0.0.1:5000".parse().unwrap();
        let local: SocketAddr = "127.0.0.1:443".parse().unwrap();
        let not_asked = |_: &()| -> io::Result<SocketAddr> { Err(io::Error::other("asked")) };

        let proxied = owned(b"PROXY TCP6 2001:db8::1 2001:db8::2 4000 443\r\n");
        let conn = Accepted::new((), peer, proxied, not_asked).unwrap();
        assert_eq!(conn.source(), "[2001:db8::1]:4000".parse().unwrap());
        assert_eq!(conn.destination(), "[2001:db8::2]:443".parse().unwrap());
        assert_eq!(conn.peer_addr(), peer);

        let mut local_v2 = Vec::new();
        v2::Builder::local().write_to(&mut local_v2).unwrap();
        let mut unix = Vec::new();
        let paths = crate::Addresses::Unix {
            src: b"/a",
            dst: b"/b",
        };
        v2::Builder::proxy(v2::Protocol::Stream, paths)
            .write_to(&mut unix)
            .unwrap();
        for header in [
            None,
            owned(b"PROXY UNKNOWN\r\n"),
            owned(&local_v2),
            owned(&unix),
        ] {
            let err = Accepted::new((), peer, header.clone(), not_asked).unwrap_err();
            assert_eq!(err.to_string(), "asked");
            let conn = Accepted::new((), peer, header, |_: &()| Ok(local)).unwrap();
            assert_eq!((conn.source(), conn.destination()), (peer, local));
        }
    }
}
