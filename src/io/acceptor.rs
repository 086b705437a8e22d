//! The blocking [`Acceptor`] and what every acceptor yields: [`Accepted`], [`AcceptError`].

#![forbid(unsafe_code)]

use core::fmt;
use core::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use core::time::Duration;
use std::io::{self, ErrorKind};
use std::net::{TcpListener, TcpStream, ToSocketAddrs};
use std::string::String;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, SyncSender};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::thread::JoinHandle;

use super::{detect_tcp, exact_peel, AcceptorConfig, Deadline, Detect, HeaderPolicy};
use crate::{Header, OwnedHeader, ParserConfig};

/// A connection that passed the acceptor's policy: the stream positioned at the first byte
/// of data, the TCP peer and local addresses, and the header if one was read.
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
    policy: HeaderPolicy,
    header: Option<OwnedHeader>,
}

impl<S> Accepted<S> {
    pub(crate) fn new(
        stream: S,
        peer: SocketAddr,
        local: SocketAddr,
        policy: HeaderPolicy,
        header: Option<OwnedHeader>,
    ) -> Self {
        Self {
            stream,
            peer,
            local,
            policy,
            header,
        }
    }

    /// The stream, at the first byte after the header.
    ///
    /// ```
    /// # use proxy_wire::io::{connect_with_header, Acceptor, AcceptorConfig};
    /// # let acceptor = Acceptor::bind("127.0.0.1:0", AcceptorConfig::new())?;
    /// # let _c = connect_with_header(acceptor.local_addr(), &proxy_wire::v1::Header::Unknown)?;
    /// let conn = acceptor.accept()?;
    /// assert_eq!(conn.stream().peer_addr()?, conn.peer_addr());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn stream(&self) -> &S {
        &self.stream
    }

    /// The stream, mutably.
    ///
    /// ```
    /// # use proxy_wire::io::{connect_with_header, Acceptor, AcceptorConfig};
    /// use std::io::Write;
    /// # let acceptor = Acceptor::bind("127.0.0.1:0", AcceptorConfig::new())?;
    /// # let _c = connect_with_header(acceptor.local_addr(), &proxy_wire::v1::Header::Unknown)?;
    /// let mut conn = acceptor.accept()?;
    /// conn.stream_mut().write_all(b"hello")?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn stream_mut(&mut self) -> &mut S {
        &mut self.stream
    }

    /// The stream, dropping the rest.
    ///
    /// ```
    /// # use proxy_wire::io::{connect_with_header, Acceptor, AcceptorConfig};
    /// # let acceptor = Acceptor::bind("127.0.0.1:0", AcceptorConfig::new())?;
    /// # let _c = connect_with_header(acceptor.local_addr(), &proxy_wire::v1::Header::Unknown)?;
    /// let stream: std::net::TcpStream = acceptor.accept()?.into_stream();
    /// assert_eq!(stream.local_addr()?, acceptor.local_addr());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn into_stream(self) -> S {
        self.stream
    }

    /// The stream and the header.
    ///
    /// ```
    /// # use proxy_wire::io::{connect_with_header, Acceptor, AcceptorConfig};
    /// # let acceptor = Acceptor::bind("127.0.0.1:0", AcceptorConfig::new())?;
    /// # let _c = connect_with_header(acceptor.local_addr(), &proxy_wire::v1::Header::Unknown)?;
    /// let (_stream, header) = acceptor.accept()?.into_parts();
    /// assert_eq!(header.unwrap().as_bytes(), b"PROXY UNKNOWN\r\n");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn into_parts(self) -> (S, Option<OwnedHeader>) {
        (self.stream, self.header)
    }

    /// The TCP peer: the proxy's address when a header was sent.
    ///
    /// ```
    /// # use proxy_wire::io::{connect_with_header, Acceptor, AcceptorConfig};
    /// # let acceptor = Acceptor::bind("127.0.0.1:0", AcceptorConfig::new())?;
    /// let client = connect_with_header(acceptor.local_addr(), &proxy_wire::v1::Header::Unknown)?;
    /// assert_eq!(acceptor.accept()?.peer_addr(), client.local_addr()?);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn peer_addr(&self) -> SocketAddr {
        self.peer
    }

    /// The local address of the TCP connection.
    ///
    /// ```
    /// # use proxy_wire::io::{connect_with_header, Acceptor, AcceptorConfig};
    /// # let acceptor = Acceptor::bind("127.0.0.1:0", AcceptorConfig::new())?;
    /// # let _c = connect_with_header(acceptor.local_addr(), &proxy_wire::v1::Header::Unknown)?;
    /// assert_eq!(acceptor.accept()?.local_addr(), acceptor.local_addr());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn local_addr(&self) -> SocketAddr {
        self.local
    }

    /// The header, if the policy read one.
    ///
    /// ```
    /// # use proxy_wire::io::{connect_with_header, Acceptor, AcceptorConfig};
    /// use proxy_wire::v2;
    /// # let acceptor = Acceptor::bind("127.0.0.1:0", AcceptorConfig::new())?;
    /// let tlvs = [v2::TlvSpec::UniqueId(b"abc")];
    /// let _c = connect_with_header(acceptor.local_addr(), &v2::Builder::local().tlvs(&tlvs))?;
    /// let conn = acceptor.accept()?;
    /// assert_eq!(conn.header().unwrap().unique_id(), Some(&b"abc"[..]));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn header(&self) -> Option<Header<'_>> {
        self.header.as_ref().map(OwnedHeader::header)
    }

    /// The policy this connection was accepted under.
    ///
    /// ```
    /// # use proxy_wire::io::{connect_with_header, Acceptor, AcceptorConfig, HeaderPolicy};
    /// # let acceptor = Acceptor::bind("127.0.0.1:0", AcceptorConfig::new())?;
    /// # let _c = connect_with_header(acceptor.local_addr(), &proxy_wire::v1::Header::Unknown)?;
    /// assert_eq!(acceptor.accept()?.policy(), HeaderPolicy::Require);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn policy(&self) -> HeaderPolicy {
        self.policy
    }

    /// Whether the header carried the client's IP addresses (so [`source`](Accepted::source)
    /// differs in meaning from [`peer_addr`](Accepted::peer_addr)).
    ///
    /// ```
    /// # use proxy_wire::io::{connect_with_header, Acceptor, AcceptorConfig};
    /// # let acceptor = Acceptor::bind("127.0.0.1:0", AcceptorConfig::new())?;
    /// let _c = connect_with_header(acceptor.local_addr(), &proxy_wire::v1::Header::Unknown)?;
    /// assert!(!acceptor.accept()?.is_proxied());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn is_proxied(&self) -> bool {
        self.proxied().is_some()
    }

    fn proxied(&self) -> Option<(SocketAddr, SocketAddr)> {
        let addrs = self.header.as_ref()?.header().addresses();
        Some((addrs.source()?, addrs.destination()?))
    }

    /// The original client: the header's source address, or the TCP peer when the header
    /// carries none (or there is no header).
    ///
    /// ```
    /// # use proxy_wire::io::{connect_with_header, Acceptor, AcceptorConfig};
    /// # let acceptor = Acceptor::bind("127.0.0.1:0", AcceptorConfig::new())?;
    /// let client = connect_with_header(acceptor.local_addr(), &proxy_wire::v2::Builder::local())?;
    /// assert_eq!(acceptor.accept()?.source(), client.local_addr()?); // LOCAL: the real peer
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn source(&self) -> SocketAddr {
        self.proxied().map_or(self.peer, |(src, _)| src)
    }

    /// The original destination: the header's destination address, or the local address of
    /// the TCP connection when the header carries none (or there is no header).
    ///
    /// ```
    /// # use proxy_wire::io::{connect_with_header, Acceptor, AcceptorConfig};
    /// # let acceptor = Acceptor::bind("127.0.0.1:0", AcceptorConfig::new())?;
    /// let _c = connect_with_header(acceptor.local_addr(), &proxy_wire::v1::Header::Unknown)?;
    /// assert_eq!(acceptor.accept()?.destination(), acceptor.local_addr());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn destination(&self) -> SocketAddr {
        self.proxied().map_or(self.local, |(_, dst)| dst)
    }
}

/// Why one connection was not accepted (it has been closed; the listener keeps serving), or
/// why the listener itself failed to accept.
///
/// ```
/// use proxy_wire::io::{Acceptor, AcceptorConfig};
/// use std::io::{ErrorKind, Write};
/// use std::net::TcpStream;
///
/// let acceptor = Acceptor::bind("127.0.0.1:0", AcceptorConfig::new())?;
/// let mut client = TcpStream::connect(acceptor.local_addr())?;
/// client.write_all(b"GET / HTTP/1.1\r\n\r\n")?;
/// let err = acceptor.accept().unwrap_err();
/// assert_eq!(err.peer_addr(), Some(client.local_addr()?));
/// assert_eq!(err.kind(), ErrorKind::InvalidData);
/// assert!(err.to_string().starts_with("connection from 127.0.0.1:"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct AcceptError {
    peer: Option<SocketAddr>,
    error: io::Error,
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
    /// # use proxy_wire::io::{Acceptor, AcceptorConfig};
    /// # use std::io::Write;
    /// # let acceptor = Acceptor::bind("127.0.0.1:0", AcceptorConfig::new())?;
    /// let mut client = std::net::TcpStream::connect(acceptor.local_addr())?;
    /// client.write_all(b"hello\r\n")?;
    /// assert_eq!(acceptor.accept().unwrap_err().peer_addr(), Some(client.local_addr()?));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn peer_addr(&self) -> Option<SocketAddr> {
        self.peer
    }

    /// The kind of the underlying error: `InvalidData` (bad header, with the
    /// [`ParseError`](crate::ParseError) as its source), `TimedOut`, `UnexpectedEof`,
    /// `PermissionDenied` (policy [`Reject`](HeaderPolicy::Reject) or a refused header), or a
    /// socket error.
    ///
    /// ```
    /// # use proxy_wire::io::{Acceptor, AcceptorConfig};
    /// # use std::io::ErrorKind;
    /// # let acceptor = Acceptor::bind("127.0.0.1:0", AcceptorConfig::new())?;
    /// drop(std::net::TcpStream::connect(acceptor.local_addr())?); // closes at once
    /// assert_eq!(acceptor.accept().unwrap_err().kind(), ErrorKind::UnexpectedEof);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn kind(&self) -> ErrorKind {
        self.error.kind()
    }

    /// The underlying I/O error.
    ///
    /// ```
    /// # use proxy_wire::io::{Acceptor, AcceptorConfig};
    /// # let acceptor = Acceptor::bind("127.0.0.1:0", AcceptorConfig::new())?;
    /// # drop(std::net::TcpStream::connect(acceptor.local_addr())?);
    /// let err = acceptor.accept().unwrap_err();
    /// assert_eq!(err.io_error().kind(), err.kind());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn io_error(&self) -> &io::Error {
        &self.error
    }

    /// The underlying I/O error, by value.
    ///
    /// ```
    /// # use proxy_wire::io::{Acceptor, AcceptorConfig};
    /// # let acceptor = Acceptor::bind("127.0.0.1:0", AcceptorConfig::new())?;
    /// # drop(std::net::TcpStream::connect(acceptor.local_addr())?);
    /// let err: std::io::Error = acceptor.accept().unwrap_err().into_io_error();
    /// assert_eq!(err.kind(), std::io::ErrorKind::UnexpectedEof);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn into_io_error(self) -> io::Error {
        self.error
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
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.error)
    }
}

impl From<AcceptError> for io::Error {
    /// Keeps the kind; the message names the peer.
    fn from(err: AcceptError) -> Self {
        io::Error::new(err.kind(), err)
    }
}

pub(crate) fn rejected(peer: SocketAddr) -> io::Error {
    io::Error::new(
        ErrorKind::PermissionDenied,
        std::format!("peer {} is not trusted (policy Reject)", peer.ip()),
    )
}

pub(crate) fn refused() -> io::Error {
    io::Error::new(
        ErrorKind::PermissionDenied,
        "peer sent a PROXY header but its policy refuses headers",
    )
}

pub(crate) fn stalled() -> io::Error {
    io::Error::new(
        ErrorKind::TimedOut,
        "timed out waiting for the PROXY header",
    )
}

/// Applies `policy` to a freshly accepted blocking connection.
fn handshake(
    stream: TcpStream,
    peer: SocketAddr,
    policy: HeaderPolicy,
    parser: &ParserConfig,
    timeout: Duration,
) -> Result<Accepted<TcpStream>, AcceptError> {
    let fail = |e| AcceptError::connection(peer, e);
    let local = stream.local_addr().map_err(fail)?;
    let deadline = Deadline::after(Some(timeout));
    // A freshly accepted stream has no read timeout: clear ours afterwards, no need to save.
    let read = |stream: &TcpStream| -> io::Result<OwnedHeader> {
        let result = exact_peel(stream, parser, &deadline);
        stream.set_read_timeout(None)?;
        result
    };
    let header = match policy {
        HeaderPolicy::Reject => return Err(fail(rejected(peer))),
        HeaderPolicy::Skip => None,
        HeaderPolicy::Require => Some(read(&stream).map_err(fail)?),
        HeaderPolicy::OptionalSpoofable => match detect_tcp(&stream, &deadline).map_err(fail)? {
            Detect::Header => Some(read(&stream).map_err(fail)?),
            Detect::NoHeader => None,
            Detect::NeedMore => return Err(fail(stalled())),
        },
        HeaderPolicy::Refuse => match detect_tcp(&stream, &deadline).map_err(fail)? {
            Detect::Header => return Err(fail(refused())),
            Detect::NoHeader => None,
            Detect::NeedMore => return Err(fail(stalled())),
        },
    };
    Ok(Accepted::new(stream, peer, local, policy, header))
}

type Outcome = Result<Accepted<TcpStream>, AcceptError>;

/// State shared by the acceptor, its accept thread and the header threads.
#[derive(Debug)]
struct Shared {
    closed: AtomicBool,
    pending: Mutex<usize>,
    slot_freed: Condvar,
}

impl Shared {
    /// Waits for a free header slot; false once closed.
    fn take_slot(&self, max: usize) -> bool {
        let mut pending = self.pending.lock().unwrap_or_else(PoisonError::into_inner);
        while *pending >= max && !self.closed.load(Ordering::Acquire) {
            pending = self
                .slot_freed
                .wait(pending)
                .unwrap_or_else(PoisonError::into_inner);
        }
        *pending += 1;
        !self.closed.load(Ordering::Acquire)
    }

    fn free_slot(&self) {
        let mut pending = self.pending.lock().unwrap_or_else(PoisonError::into_inner);
        *pending = pending.saturating_sub(1);
        self.slot_freed.notify_one();
    }
}

/// A blocking acceptor: a [`TcpListener`] whose connections are checked against an
/// [`AcceptorConfig`] (trust policy, header timeout) before [`accept`](Acceptor::accept)
/// returns them.
///
/// A background thread accepts; each connection's header is read on its own thread, at most
/// [`max_pending`](AcceptorConfig::max_pending) at once, so a slow or silent client never
/// delays the others. A connection that breaks its policy is closed and reported as an
/// [`AcceptError`]; the acceptor keeps serving. Dropping the acceptor stops the accept
/// thread and closes the listener.
///
/// ```
/// use proxy_wire::io::{connect_with_header, Acceptor, AcceptorConfig};
/// use proxy_wire::v2;
/// use std::io::{Read, Write};
/// use std::time::Duration;
///
/// let mut config = AcceptorConfig::new();
/// config.header_timeout(Duration::from_secs(2)).trust("127.0.0.0/8".parse()?);
/// let acceptor = Acceptor::bind("127.0.0.1:0", config)?;
///
/// let src = "192.0.2.1:4000".parse()?;
/// let header = v2::Builder::proxy(v2::Protocol::Stream, (src, acceptor.local_addr()));
/// let mut client = connect_with_header(acceptor.local_addr(), &header)?;
/// client.write_all(b"ping")?;
///
/// let mut conn = acceptor.accept()?;
/// assert_eq!(conn.source(), src);
/// let mut data = [0u8; 4];
/// conn.stream_mut().read_exact(&mut data)?;
/// assert_eq!(&data, b"ping");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct Acceptor {
    results: Receiver<Outcome>,
    local: SocketAddr,
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

impl Acceptor {
    /// Binds a listener to `addr` and serves it; see [`Acceptor::new`].
    ///
    /// # Errors
    /// The bind error, or failure to start the accept thread.
    ///
    /// ```
    /// use proxy_wire::io::{Acceptor, AcceptorConfig};
    ///
    /// let acceptor = Acceptor::bind("127.0.0.1:0", AcceptorConfig::new())?;
    /// assert_ne!(acceptor.local_addr().port(), 0);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn bind<A: ToSocketAddrs>(addr: A, config: AcceptorConfig) -> io::Result<Self> {
        Self::new(TcpListener::bind(addr)?, config)
    }

    /// Serves `listener` (in blocking mode) on a background thread.
    ///
    /// # Errors
    /// If the listener's address cannot be read or the thread cannot be started.
    ///
    /// ```
    /// use proxy_wire::io::{Acceptor, AcceptorConfig};
    /// use std::net::TcpListener;
    ///
    /// let listener = TcpListener::bind("[::1]:0").or_else(|_| TcpListener::bind("127.0.0.1:0"))?;
    /// let acceptor = Acceptor::new(listener, AcceptorConfig::new())?;
    /// assert!(acceptor.local_addr().ip().is_loopback());
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn new(listener: TcpListener, config: AcceptorConfig) -> io::Result<Self> {
        listener.set_nonblocking(false)?;
        let local = listener.local_addr()?;
        let shared = Arc::new(Shared {
            closed: AtomicBool::new(false),
            pending: Mutex::new(0),
            slot_freed: Condvar::new(),
        });
        let (tx, results) = mpsc::sync_channel(config.max_pending);
        let thread_shared = Arc::clone(&shared);
        let thread = std::thread::Builder::new()
            .name(String::from("proxy-wire-accept"))
            .spawn(move || accept_loop(&listener, &config, &thread_shared, &tx))?;
        Ok(Self {
            results,
            local,
            shared,
            thread: Some(thread),
        })
    }

    /// The listener's address.
    ///
    /// ```
    /// # use proxy_wire::io::{Acceptor, AcceptorConfig};
    /// let acceptor = Acceptor::bind("127.0.0.1:0", AcceptorConfig::new())?;
    /// assert!(acceptor.local_addr().ip().is_loopback());
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn local_addr(&self) -> SocketAddr {
        self.local
    }

    /// Waits for the next connection that passed its policy, or the next per-connection
    /// error (that connection is already closed; call `accept` again).
    ///
    /// # Errors
    /// [`AcceptError`]: with a [`peer_addr`](AcceptError::peer_addr) for one bad
    /// connection, without one if the listener failed.
    ///
    /// ```
    /// # use proxy_wire::io::{connect_with_header, Acceptor, AcceptorConfig};
    /// let acceptor = Acceptor::bind("127.0.0.1:0", AcceptorConfig::new())?;
    /// let _c = connect_with_header(acceptor.local_addr(), &proxy_wire::v1::Header::Unknown)?;
    /// let conn = acceptor.accept()?;
    /// assert_eq!(conn.header().unwrap().version(), 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn accept(&self) -> Result<Accepted<TcpStream>, AcceptError> {
        self.results.recv().unwrap_or_else(|_| {
            Err(AcceptError::listener(io::Error::new(
                ErrorKind::BrokenPipe,
                "the accept thread has stopped",
            )))
        })
    }

    /// As [`accept`](Acceptor::accept), giving up after `timeout`.
    ///
    /// # Errors
    /// As [`accept`](Acceptor::accept); a listener error of kind `TimedOut` if nothing
    /// arrived in time.
    ///
    /// ```
    /// # use proxy_wire::io::{Acceptor, AcceptorConfig};
    /// use std::time::Duration;
    ///
    /// let acceptor = Acceptor::bind("127.0.0.1:0", AcceptorConfig::new())?;
    /// let err = acceptor.accept_timeout(Duration::from_millis(10)).unwrap_err();
    /// assert_eq!((err.kind(), err.peer_addr()), (std::io::ErrorKind::TimedOut, None));
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn accept_timeout(&self, timeout: Duration) -> Result<Accepted<TcpStream>, AcceptError> {
        match self.results.recv_timeout(timeout) {
            Ok(outcome) => outcome,
            Err(mpsc::RecvTimeoutError::Timeout) => Err(AcceptError::listener(io::Error::new(
                ErrorKind::TimedOut,
                "no connection within the timeout",
            ))),
            Err(mpsc::RecvTimeoutError::Disconnected) => Err(AcceptError::listener(
                io::Error::new(ErrorKind::BrokenPipe, "the accept thread has stopped"),
            )),
        }
    }

    /// An endless iterator over [`accept`](Acceptor::accept) results; it ends only if the
    /// accept thread stops.
    ///
    /// ```
    /// # use proxy_wire::io::{connect_with_header, Acceptor, AcceptorConfig};
    /// let acceptor = Acceptor::bind("127.0.0.1:0", AcceptorConfig::new())?;
    /// let _c = connect_with_header(acceptor.local_addr(), &proxy_wire::v1::Header::Unknown)?;
    /// for conn in acceptor.incoming() {
    ///     match conn {
    ///         Ok(conn) => { assert!(conn.header().is_some()); break }
    ///         Err(e) => eprintln!("{e}"),
    ///     }
    /// }
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn incoming(&self) -> Incoming<'_> {
        Incoming { acceptor: self }
    }
}

impl Drop for Acceptor {
    fn drop(&mut self) {
        self.shared.closed.store(true, Ordering::Release);
        {
            let _pending = self
                .shared
                .pending
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            self.shared.slot_freed.notify_all();
        }
        // Wake the accept thread with a connection of our own, then wait for it to exit.
        let wake = SocketAddr::new(wake_ip(self.local.ip()), self.local.port());
        let woke = TcpStream::connect_timeout(&wake, Duration::from_secs(1)).is_ok();
        if let Some(thread) = self.thread.take() {
            if woke || thread.is_finished() {
                let _ = thread.join();
            }
        }
    }
}

fn wake_ip(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(a) if a.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(a) if a.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        ip => ip,
    }
}

/// Iterator over [`Acceptor::accept`] results, from [`Acceptor::incoming`].
///
/// ```
/// # use proxy_wire::io::{Acceptor, AcceptorConfig};
/// let acceptor = Acceptor::bind("127.0.0.1:0", AcceptorConfig::new())?;
/// let mut incoming: proxy_wire::io::Incoming<'_> = acceptor.incoming();
/// drop(std::net::TcpStream::connect(acceptor.local_addr())?);
/// assert!(incoming.next().unwrap().is_err()); // connected and closed without a header
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug)]
pub struct Incoming<'a> {
    acceptor: &'a Acceptor,
}

impl Iterator for Incoming<'_> {
    type Item = Result<Accepted<TcpStream>, AcceptError>;

    fn next(&mut self) -> Option<Self::Item> {
        self.acceptor.results.recv().ok()
    }
}

fn accept_loop(
    listener: &TcpListener,
    config: &AcceptorConfig,
    shared: &Arc<Shared>,
    tx: &SyncSender<Outcome>,
) {
    loop {
        if !shared.take_slot(config.max_pending) {
            return;
        }
        let accepted = listener.accept();
        if shared.closed.load(Ordering::Acquire) {
            return;
        }
        let (stream, peer) = match accepted {
            Ok(pair) => pair,
            Err(e) => {
                shared.free_slot();
                if e.kind() == ErrorKind::Interrupted || e.kind() == ErrorKind::ConnectionAborted {
                    continue;
                }
                if tx.send(Err(AcceptError::listener(e))).is_err() {
                    return;
                }
                // Out of descriptors and the like: do not spin.
                std::thread::sleep(Duration::from_millis(10));
                continue;
            }
        };
        let policy = config.policy_for(peer.ip());
        let parser = config.parser;
        let timeout = config.header_timeout;
        let job_tx = tx.clone();
        let job_shared = Arc::clone(shared);
        let spawned = std::thread::Builder::new()
            .name(String::from("proxy-wire-header"))
            .spawn(move || {
                let outcome = handshake(stream, peer, policy, &parser, timeout);
                job_shared.free_slot();
                let _ = job_tx.send(outcome);
            });
        if let Err(e) = spawned {
            shared.free_slot();
            if tx.send(Err(AcceptError::connection(peer, e))).is_err() {
                return;
            }
        }
    }
}
