//! Reading and writing headers on real connections (feature `std`; async forms in
//! `io::tokio` with feature `tokio`).
//!
//! Three ways to receive, all thin loops over [`ParserConfig::parse`] that never lose a byte
//! of the data after the header ([conformance](crate::conformance), "On a real connection"):
//!
//! * [`read_header`] / [`Peeled::peel`] work on any [`Read`]. Every read is bounded by what the
//!   header can still need (16 bytes first; then at most 107 bytes in all for v1, exactly
//!   `16 + len` for v2), and the few bytes read past a v1 header are handed back: [`Peeled`]
//!   replays them before reading the inner stream again.
//! * [`peel_tcp`] works on a [`TcpStream`]: it peeks (`MSG_PEEK`) to learn the header's
//!   length and then reads exactly the header, so the stream is left at the first byte of
//!   data and can go to any TLS or HTTP library as it is. A header timeout bounds the wait.
//! * [`Acceptor`] wraps a [`TcpListener`](std::net::TcpListener): it decides per TCP peer
//!   whether a header is required, optional, refused or not looked for ([`AcceptorConfig`],
//!   [`HeaderPolicy`], [`Cidr`]), peels headers off the accept loop under a timeout, and
//!   yields [`Accepted`] connections with the real and the proxied addresses.
//!
//! These are stream (TCP) connections, so every reader refuses a v2 PROXY header for DGRAM
//! with [`ParseError::WrongTransport`](crate::ParseError::WrongTransport) (an
//! [`InvalidData`](std::io::ErrorKind::InvalidData) error): its addresses describe a UDP flow,
//! not this connection's client. The [`Acceptor`] reports it for that connection and keeps
//! serving. (UDP receivers use [`parse_datagram`](crate::parse_datagram).)
//!
//! To send, [`connect_with_header`] opens a connection and writes the header in one write
//! before any data (section 2 of the specification: the header is sent "at once").
//!
//! ```
//! use proxy_wire::io::{connect_with_header, peel_tcp};
//! use proxy_wire::v1;
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
//! let received = peel_tcp(&stream, Some(Duration::from_secs(5)))?;
//! assert_eq!(received.header().source(), Some("192.0.2.1:4000".parse()?));
//! let mut data = [0u8; 5];
//! stream.read_exact(&mut data)?; // nothing was read past the header
//! assert_eq!(&data, b"hello");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![forbid(unsafe_code)]

mod acceptor;
mod policy;
#[cfg(feature = "tokio")]
#[cfg_attr(docsrs, doc(cfg(feature = "tokio")))]
pub mod tokio;

use std::io::{self, BufRead, ErrorKind, IoSlice, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};
use std::vec::Vec;

pub use acceptor::{AcceptError, Accepted, Acceptor, Incoming};
pub use policy::{AcceptorConfig, Cidr, CidrError, HeaderPolicy};

use crate::{v1, v2, Encode, Header, OwnedHeader, ParserConfig, Status};

/// Bytes peeked at once by the exact peel: a v1 line, or a v2 header with a few TLVs, comes
/// in one peek.
const PEEK_WINDOW: usize = 256;

/// Reads a header from `reader` with the default [`ParserConfig`]; see [`read_header_with`].
///
/// # Errors
/// As [`read_header_with`].
///
/// ```
/// use proxy_wire::io::read_header;
///
/// let mut input: &[u8] = b"PROXY TCP4 192.0.2.1 192.0.2.2 1000 80\r\nGET / HTTP/1.1\r\n";
/// let (header, leftover) = read_header(&mut input)?;
/// assert_eq!(header.header().source(), Some("192.0.2.1:1000".parse()?));
/// // The bytes read past the header, then the rest of the reader, are the data.
/// assert_eq!([&leftover[..], input].concat(), b"GET / HTTP/1.1\r\n");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn read_header<R: Read + ?Sized>(reader: &mut R) -> io::Result<(OwnedHeader, Vec<u8>)> {
    read_header_with(reader, &ParserConfig::new())
}

/// Reads a header from `reader` and returns it with the bytes that were read past it (the
/// start of the data: always empty for v2, at most 92 bytes for v1).
///
/// Each read asks for no more than the header can still need: 16 bytes first; then for v1
/// up to 107 bytes in all, for v2 exactly the `16 + len` it declares. A header that arrives
/// in pieces (down to one byte per read) is read piece by piece.
///
/// # Errors
/// * [`UnexpectedEof`](ErrorKind::UnexpectedEof) if the reader ends inside the header;
/// * [`InvalidData`](ErrorKind::InvalidData) holding the [`ParseError`](crate::ParseError)
///   if the bytes are not a valid header (or not one this `config` accepts);
/// * any error of the reader (except `Interrupted`, which is retried).
///
/// ```
/// use proxy_wire::{io::read_header_with, ParseError, ParserConfig};
///
/// let mut config = ParserConfig::new();
/// config.accept_v1(false);
/// let mut input: &[u8] = b"\r\n\r\n\0\r\nQUIT\n\x20\x00\x00\x00data";
/// let (header, leftover) = read_header_with(&mut input, &config)?;
/// assert_eq!((header.header().version(), leftover.len(), input), (2, 0, &b"data"[..]));
///
/// let err = read_header_with(&mut &b"GET / HTTP/1.1\r\n"[..], &config).unwrap_err();
/// assert_eq!(err.kind(), std::io::ErrorKind::InvalidData);
/// assert!(err.get_ref().unwrap().downcast_ref::<ParseError>().is_some());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn read_header_with<R: Read + ?Sized>(
    reader: &mut R,
    config: &ParserConfig,
) -> io::Result<(OwnedHeader, Vec<u8>)> {
    let mut acc = HeaderBuf::default();
    loop {
        if let Some(done) = acc.parse(config)? {
            return Ok(done);
        }
        let n = loop {
            match reader.read(acc.room()) {
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                other => break other?,
            }
        };
        acc.filled(n)?;
    }
}

/// The generic readers' buffer, shared by the blocking and the async loop (which differ only
/// in the read call): parse what was read, make room for the next read, take in its count.
#[derive(Default)]
pub(crate) struct HeaderBuf {
    buf: Vec<u8>,
    /// Where the room for the current read starts, and how long it is.
    start: usize,
    bound: usize,
}

impl HeaderBuf {
    /// The header and the bytes read past it once the header is complete; else `None`, with
    /// [`HeaderBuf::room`] sized for the next read.
    pub(crate) fn parse(
        &mut self,
        config: &ParserConfig,
    ) -> io::Result<Option<(OwnedHeader, Vec<u8>)>> {
        let needed = match config.parse_stream(&self.buf)? {
            Status::Complete { header, consumed } => {
                let v1 = match header {
                    Header::V1(h) => Some(h),
                    Header::V2(_) => None,
                };
                let buf = core::mem::take(&mut self.buf);
                return Ok(Some(finish(buf, v1, consumed)));
            }
            Status::Incomplete { needed } => needed.get(),
        };
        self.bound = read_bound(&self.buf, needed);
        self.start = self.buf.len();
        self.buf.resize(self.start + self.bound, 0);
        Ok(None)
    }

    /// Where the next read goes.
    pub(crate) fn room(&mut self) -> &mut [u8] {
        &mut self.buf[self.start..]
    }

    /// Keeps the `n` bytes the read gave; end of stream inside the header is an error.
    pub(crate) fn filled(&mut self, n: usize) -> io::Result<()> {
        self.buf.truncate(self.start + n.min(self.bound));
        if n == 0 {
            return Err(eof(self.start));
        }
        Ok(())
    }
}

/// How many bytes the next read of the generic path may ask for: the 16-byte v2 fixed part
/// first (a v1 line is at least 15 bytes, so at most 1 byte past the shortest one); then, for
/// v1, up to the 107-byte line in all; for v2, exactly what the parser says is missing.
fn read_bound(buf: &[u8], needed: usize) -> usize {
    match buf.first() {
        None => v2::V2_HEADER_LEN.max(needed),
        Some(b'P') => v1::V1_MAX_LEN.saturating_sub(buf.len()).max(needed),
        Some(_) => needed,
    }
}

/// Splits `buf` into the header (its first `consumed` bytes) and the bytes after it.
fn finish(mut buf: Vec<u8>, v1: Option<v1::Header>, consumed: usize) -> (OwnedHeader, Vec<u8>) {
    let leftover = buf.split_off(consumed.min(buf.len()));
    (OwnedHeader::from_checked(v1, buf), leftover)
}

fn eof(got: usize) -> io::Error {
    io::Error::new(
        ErrorKind::UnexpectedEof,
        std::format!("connection closed after {got} bytes, inside the PROXY header"),
    )
}

fn timed_out() -> io::Error {
    io::Error::new(
        ErrorKind::TimedOut,
        "timed out waiting for the PROXY header",
    )
}

/// A stream whose header was read by [`read_header`]: it gives back the bytes read past the
/// header first, then reads the inner stream. Writes go straight to the inner stream.
///
/// ```
/// use proxy_wire::io::Peeled;
/// use std::io::{BufRead, BufReader, Read};
///
/// let input: &[u8] = b"PROXY UNKNOWN\r\nline one\nline two\n";
/// let (header, mut stream) = Peeled::peel(BufReader::new(input))?;
/// assert_eq!(header.header().version(), 1);
/// let mut line = String::new();
/// stream.read_line(&mut line)?;
/// assert_eq!(line, "line one\n");
/// let mut rest = String::new();
/// stream.read_to_string(&mut rest)?;
/// assert_eq!(rest, "line two\n");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct Peeled<R> {
    inner: R,
    leftover: Vec<u8>,
    pos: usize,
}

impl<R> Peeled<R> {
    /// Wraps `inner`, to be read after `leftover`.
    ///
    /// ```
    /// use proxy_wire::io::Peeled;
    /// use std::io::Read;
    ///
    /// let mut s = Peeled::new(&b" world"[..], b"hello".to_vec());
    /// let mut all = String::new();
    /// s.read_to_string(&mut all)?;
    /// assert_eq!(all, "hello world");
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn new(inner: R, leftover: Vec<u8>) -> Self {
        Self {
            inner,
            leftover,
            pos: 0,
        }
    }

    /// The bytes read past the header that have not been read from this stream yet.
    ///
    /// ```
    /// use proxy_wire::io::Peeled;
    ///
    /// let s = Peeled::new(std::io::empty(), b"abc".to_vec());
    /// assert_eq!(s.leftover(), b"abc");
    /// ```
    pub fn leftover(&self) -> &[u8] {
        self.leftover.get(self.pos..).unwrap_or(&[])
    }

    /// The inner stream. Reading it directly skips the [leftover](Peeled::leftover).
    ///
    /// ```
    /// use proxy_wire::io::Peeled;
    ///
    /// let s = Peeled::new(&b"rest"[..], Vec::new());
    /// assert_eq!(*s.get_ref(), b"rest");
    /// ```
    pub fn get_ref(&self) -> &R {
        &self.inner
    }

    /// The inner stream, mutably (for socket options and the like). Reading it directly
    /// skips the [leftover](Peeled::leftover).
    ///
    /// ```
    /// use proxy_wire::io::Peeled;
    ///
    /// let mut s = Peeled::new(Vec::<u8>::new(), Vec::new());
    /// s.get_mut().push(1);
    /// assert_eq!(s.get_ref(), &[1]);
    /// ```
    pub fn get_mut(&mut self) -> &mut R {
        &mut self.inner
    }

    /// The inner stream and the unread leftover bytes, which come before anything the inner
    /// stream will still give.
    ///
    /// ```
    /// use proxy_wire::io::Peeled;
    /// use std::io::Read;
    ///
    /// let mut s = Peeled::new(&b"cd"[..], b"ab".to_vec());
    /// let mut one = [0u8; 1];
    /// s.read_exact(&mut one)?;
    /// let (inner, leftover) = s.into_inner();
    /// assert_eq!((inner, &leftover[..]), (&b"cd"[..], &b"b"[..]));
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn into_inner(mut self) -> (R, Vec<u8>) {
        self.leftover.drain(..self.pos.min(self.leftover.len()));
        (self.inner, self.leftover)
    }

    /// Copies leftover bytes into `out`; returns how many (0 once the leftover is used up).
    fn read_leftover(&mut self, out: &mut [u8]) -> usize {
        let rest = self.leftover();
        let n = rest.len().min(out.len());
        out[..n].copy_from_slice(&rest[..n]);
        self.consume_leftover(n);
        n
    }

    fn consume_leftover(&mut self, n: usize) {
        self.pos += n;
        if self.pos >= self.leftover.len() {
            // Free the buffer once it is used up.
            self.leftover = Vec::new();
            self.pos = 0;
        }
    }
}

impl<R: Read> Peeled<R> {
    /// Reads a header from `inner` with the default [`ParserConfig`] (see
    /// [`read_header_with`]) and returns it with the stream positioned at the data.
    ///
    /// # Errors
    /// As [`read_header_with`].
    ///
    /// ```
    /// use proxy_wire::io::Peeled;
    /// use std::io::Read;
    ///
    /// let (header, mut stream) = Peeled::peel(&b"PROXY UNKNOWN\r\nping"[..])?;
    /// assert_eq!(header.len(), 15);
    /// let mut data = String::new();
    /// stream.read_to_string(&mut data)?;
    /// assert_eq!(data, "ping");
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn peel(inner: R) -> io::Result<(OwnedHeader, Self)> {
        Self::peel_with(inner, &ParserConfig::new())
    }

    /// As [`Peeled::peel`], with parser options.
    ///
    /// # Errors
    /// As [`read_header_with`].
    ///
    /// ```
    /// use proxy_wire::{io::Peeled, ParserConfig};
    ///
    /// let mut config = ParserConfig::new();
    /// config.accept_v1(false);
    /// assert!(Peeled::peel_with(&b"PROXY UNKNOWN\r\n"[..], &config).is_err());
    /// ```
    pub fn peel_with(mut inner: R, config: &ParserConfig) -> io::Result<(OwnedHeader, Self)> {
        let (header, leftover) = read_header_with(&mut inner, config)?;
        Ok((header, Self::new(inner, leftover)))
    }
}

impl<R: Read> Read for Peeled<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if !self.leftover().is_empty() {
            return Ok(self.read_leftover(buf));
        }
        self.inner.read(buf)
    }
}

impl<R: BufRead> BufRead for Peeled<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if self.pos < self.leftover.len() {
            return Ok(self.leftover());
        }
        self.inner.fill_buf()
    }

    fn consume(&mut self, amt: usize) {
        if self.pos < self.leftover.len() {
            self.consume_leftover(amt.min(self.leftover.len() - self.pos));
        } else {
            self.inner.consume(amt);
        }
    }
}

impl<R: Write> Write for Peeled<R> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.inner.write(buf)
    }

    fn write_vectored(&mut self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        self.inner.write_vectored(bufs)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Reads exactly the header off `stream` with the default [`ParserConfig`]; see
/// [`peel_tcp_with`].
///
/// # Errors
/// As [`peel_tcp_with`].
///
/// ```
/// use proxy_wire::io::peel_tcp;
/// use std::io::{Read, Write};
/// use std::net::{TcpListener, TcpStream};
/// use std::time::Duration;
///
/// let listener = TcpListener::bind("127.0.0.1:0")?;
/// let mut client = TcpStream::connect(listener.local_addr()?)?;
/// client.write_all(b"\r\n\r\n\0\r\nQUIT\n\x20\x00\x00\x00GET /")?;
/// let (mut stream, _) = listener.accept()?;
/// let header = peel_tcp(&stream, Some(Duration::from_secs(5)))?;
/// assert_eq!(header.header().version(), 2);
/// let mut data = [0u8; 5];
/// stream.read_exact(&mut data)?;
/// assert_eq!(&data, b"GET /");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn peel_tcp(stream: &TcpStream, timeout: Option<Duration>) -> io::Result<OwnedHeader> {
    peel_tcp_with(stream, &ParserConfig::new(), timeout)
}

/// Reads exactly the header off `stream`, and nothing past it: the stream is left at the
/// first byte of data, for any TLS or HTTP library to take as it is.
///
/// It peeks (`MSG_PEEK`) to see the header, then reads exactly the bytes it takes. When the
/// header is not all there yet, it reads the part that is (it all belongs to the header)
/// plus the minimum the parser says is still missing, then peeks again, so a header that
/// trickles in byte by byte costs a few system calls per byte and never a busy loop.
///
/// `timeout` bounds the whole wait for the header (not each read); `None` waits forever. The
/// stream's own read timeout is restored afterwards.
///
/// # Errors
/// * [`TimedOut`](ErrorKind::TimedOut) if the header is not complete within `timeout`;
/// * [`UnexpectedEof`](ErrorKind::UnexpectedEof) if the peer closes inside the header;
/// * [`InvalidData`](ErrorKind::InvalidData) holding the
///   [`ParseError`](crate::ParseError) if the bytes are not a valid header;
/// * the socket's errors.
///
/// After an error the stream's position is unspecified; close it.
///
/// ```
/// use proxy_wire::{io::peel_tcp_with, ParserConfig};
/// use std::io::{ErrorKind, Write};
/// use std::net::{TcpListener, TcpStream};
/// use std::time::Duration;
///
/// let listener = TcpListener::bind("127.0.0.1:0")?;
/// let mut client = TcpStream::connect(listener.local_addr()?)?;
/// client.write_all(b"PROXY TCP4 192.0.2")?; // and then nothing
/// let (stream, _) = listener.accept()?;
/// let err = peel_tcp_with(&stream, &ParserConfig::new(), Some(Duration::from_millis(50))).unwrap_err();
/// assert_eq!(err.kind(), ErrorKind::TimedOut);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn peel_tcp_with(
    stream: &TcpStream,
    config: &ParserConfig,
    timeout: Option<Duration>,
) -> io::Result<OwnedHeader> {
    let deadline = Deadline::after(timeout);
    if timeout.is_none() {
        // No timeout is set or changed at all.
        return exact_peel(stream, config, &deadline);
    }
    let saved = stream.read_timeout()?;
    let result = exact_peel(stream, config, &deadline);
    let restored = stream.set_read_timeout(saved);
    let header = result?;
    restored?;
    Ok(header)
}

/// A point in time after which waiting for the header is an error.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Deadline(Option<Instant>);

impl Deadline {
    pub(crate) fn after(timeout: Option<Duration>) -> Self {
        Self(timeout.and_then(|t| Instant::now().checked_add(t)))
    }

    /// Sets the socket's read timeout to the time left; `TimedOut` if none is. Without a
    /// deadline the socket is left as it is.
    fn arm(&self, stream: &TcpStream) -> io::Result<()> {
        let Some(at) = self.0 else {
            return Ok(());
        };
        let left = at.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(timed_out());
        }
        stream.set_read_timeout(Some(left))
    }

    fn left(&self) -> Option<Duration> {
        self.0
            .map(|at| at.saturating_duration_since(Instant::now()))
    }
}

/// Maps the socket-timeout errors (`WouldBlock` on Unix, `TimedOut` elsewhere) to ours.
fn socket_err(e: io::Error) -> io::Error {
    match e.kind() {
        ErrorKind::WouldBlock | ErrorKind::TimedOut => timed_out(),
        _ => e,
    }
}

fn exact_peel(
    mut stream: &TcpStream,
    config: &ParserConfig,
    deadline: &Deadline,
) -> io::Result<OwnedHeader> {
    let mut buf: Vec<u8> = Vec::new(); // header bytes already taken off the socket
    let mut window = [0u8; PEEK_WINDOW];
    loop {
        deadline.arm(stream)?;
        let room = peek_room(&buf).clamp(1, PEEK_WINDOW);
        let n = retry(|| stream.peek(&mut window[..room])).map_err(socket_err)?;
        if n == 0 {
            return Err(eof(buf.len()));
        }
        let start = buf.len();
        buf.extend_from_slice(&window[..n]);
        match config.parse_stream(&buf)? {
            Status::Complete { consumed, .. } => {
                // Take exactly the header's bytes. They were just peeked, so they are queued
                // and the read does not block: no need to re-arm the timeout.
                buf.truncate(consumed);
                read_full(&mut stream, &mut buf[start..], &Deadline(None))?;
                return Ok(OwnedHeader::new(buf)?);
            }
            Status::Incomplete { needed } => {
                // Everything seen is part of the header. Take it, plus the minimum still
                // missing, so the next peek waits for new bytes instead of spinning.
                buf.resize(start + n + needed.get(), 0);
                read_full(&mut stream, &mut buf[start..], deadline)?;
                // A v2 header is complete now if the peek showed its length; do not wait
                // for bytes after it.
                if let Status::Complete { consumed, .. } = config.parse_stream(&buf)? {
                    buf.truncate(consumed);
                    return Ok(OwnedHeader::new(buf)?);
                }
            }
        }
    }
}

/// The most bytes the header may still need, for the peek window.
fn peek_room(buf: &[u8]) -> usize {
    match buf.first() {
        Some(b'P') => v1::V1_MAX_LEN.saturating_sub(buf.len()),
        Some(_) => v2::V2_MAX_LEN.saturating_sub(buf.len()),
        None => PEEK_WINDOW,
    }
}

fn retry<T>(mut f: impl FnMut() -> io::Result<T>) -> io::Result<T> {
    loop {
        match f() {
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            other => return other,
        }
    }
}

/// `read_exact` under the header deadline (re-armed before every read, so a peer that
/// sends one byte just inside each read timeout cannot stretch the wait).
fn read_full(stream: &mut &TcpStream, mut out: &mut [u8], deadline: &Deadline) -> io::Result<()> {
    let total = out.len();
    while !out.is_empty() {
        deadline.arm(stream)?;
        let n = retry(|| stream.read(out)).map_err(socket_err)?;
        if n == 0 {
            return Err(eof(total - out.len()));
        }
        out = &mut out[n..];
    }
    Ok(())
}

/// What the first bytes of a connection say about a header, for the optional and refusing
/// policies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Detect {
    /// The bytes start with a full PROXY signature (`PROXY ` or the v2 signature).
    Header,
    /// The bytes cannot start a header.
    NoHeader,
    /// The bytes are a strict prefix of a signature: wait for more.
    NeedMore,
}

pub(crate) fn detect(bytes: &[u8]) -> Detect {
    let prefix_of = |sig: &[u8]| {
        let n = bytes.len().min(sig.len());
        bytes[..n] == sig[..n]
    };
    if bytes.is_empty() {
        Detect::NeedMore
    } else if bytes.starts_with(v1::V1_PREFIX) || bytes.starts_with(&v2::SIGNATURE) {
        Detect::Header
    } else if prefix_of(v1::V1_PREFIX) || prefix_of(&v2::SIGNATURE) {
        Detect::NeedMore
    } else {
        Detect::NoHeader
    }
}

/// Longest signature [`detect`] needs to see.
pub(crate) const DETECT_LEN: usize = v2::SIGNATURE.len();

/// Waits (up to the deadline) until the first bytes show whether a header is there, without
/// taking any byte off the socket. A peer that sends nothing before the deadline has no
/// header; one that stalls inside a signature is an error.
pub(crate) fn detect_tcp(stream: &TcpStream, deadline: &Deadline) -> io::Result<Detect> {
    let saved = stream.read_timeout()?;
    let result = detect_loop(stream, deadline);
    let restored = stream.set_read_timeout(saved);
    let d = result?;
    restored?;
    Ok(d)
}

fn detect_loop(stream: &TcpStream, deadline: &Deadline) -> io::Result<Detect> {
    let mut window = [0u8; DETECT_LEN];
    let mut seen = 0;
    let mut backoff = Duration::from_millis(1);
    loop {
        if let Err(e) = deadline.arm(stream) {
            return if seen == 0 {
                Ok(Detect::NoHeader)
            } else {
                Err(e)
            };
        }
        let n = match retry(|| stream.peek(&mut window)) {
            Ok(n) => n,
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                if seen == 0 {
                    return Ok(Detect::NoHeader);
                }
                return Err(timed_out());
            }
            Err(e) => return Err(e),
        };
        if n == 0 {
            return Ok(Detect::NoHeader); // closed: the application sees the EOF
        }
        match detect(&window[..n]) {
            Detect::NeedMore => {}
            d => return Ok(d),
        }
        if n == seen {
            // Queued bytes did not grow and a peek would return at once: sleep, bounded.
            let nap = backoff.min(deadline.left().unwrap_or(backoff));
            std::thread::sleep(nap);
            backoff = (backoff * 2).min(Duration::from_millis(50));
        }
        seen = n;
    }
}

/// Connects to `addr` and sends `header` in one write, before any data; returns the
/// connected stream for the data.
///
/// # Errors
/// The connect or write error; [`InvalidInput`](ErrorKind::InvalidInput) holding the
/// [`EncodeError`](crate::EncodeError) if the header cannot be encoded.
///
/// ```
/// use proxy_wire::{io::{connect_with_header, read_header}, v2};
/// use std::net::TcpListener;
///
/// let listener = TcpListener::bind("127.0.0.1:0")?;
/// let src = "192.0.2.1:5000".parse()?;
/// let dst = listener.local_addr()?;
/// let header = v2::Builder::proxy(v2::Protocol::Stream, (src, dst)).crc32c(true);
/// let _client = connect_with_header(dst, &header)?;
/// let (mut stream, _) = listener.accept()?;
/// let (received, _) = read_header(&mut stream)?;
/// assert_eq!(received.header().source(), Some(src));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn connect_with_header<A: ToSocketAddrs, H: Encode + ?Sized>(
    addr: A,
    header: &H,
) -> io::Result<TcpStream> {
    let mut stream = TcpStream::connect(addr)?;
    header.write_to(&mut stream)?;
    Ok(stream)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detection() {
        assert_eq!(detect(b""), Detect::NeedMore);
        assert_eq!(detect(b"PRO"), Detect::NeedMore);
        assert_eq!(detect(b"PROXY"), Detect::NeedMore);
        assert_eq!(detect(b"PROXY "), Detect::Header);
        assert_eq!(detect(b"PROXYX"), Detect::NoHeader);
        assert_eq!(detect(b"POST /"), Detect::NoHeader);
        assert_eq!(detect(b"\r\n\r\n"), Detect::NeedMore);
        assert_eq!(detect(b"\r\n\r\n\0\r\nQUIT\n"), Detect::Header);
        assert_eq!(detect(b"\r\nGET"), Detect::NoHeader);
        assert_eq!(detect(b"\x16\x03\x01"), Detect::NoHeader);
    }

    #[test]
    fn bounds() {
        assert_eq!(read_bound(b"", 15), 16);
        assert_eq!(read_bound(b"PROXY", 10), 102);
        assert_eq!(read_bound(b"\r\n", 14), 14);
        assert_eq!(read_bound(b"\r\n\r\n\0\r\nQUIT\n\x21\x11\x00\x0c", 12), 12);
        assert_eq!(peek_room(b"PROXY "), 101);
        assert_eq!(peek_room(b""), PEEK_WINDOW);
    }
}
