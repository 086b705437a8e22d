//! The blocking readers and writer: [`read_header`] and [`Peeled`] for any [`Read`],
//! [`peel_tcp`] for a [`TcpStream`], [`connect_with_header`]; and the socket loops the
//! blocking acceptor runs.

#![forbid(unsafe_code)]

use core::time::Duration;
use std::io::{self, BufRead, ErrorKind, IoSlice, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::vec::Vec;

use crate::config::ParserConfig;
use crate::encode::Encode;
use crate::io::sans::{
    timed_out, Deadline, Detect, Detector, HeaderBuf, Look, Replay, Step, Take, DETECT_LEN,
    PEEK_WINDOW,
};
use crate::owned::OwnedHeader;

/// Reads a header from `reader` and returns it with the stream positioned at the data: a
/// [`Peeled`] that first gives back the few bytes read past the header.
///
/// Each read asks for no more than the header can still need: 16 bytes first; then for v1
/// up to 107 bytes in all, for v2 exactly the `16 + len` it declares (so nothing is read
/// past a v2 header, and at most 92 bytes past a v1 one). A header that arrives in pieces
/// (down to one byte per read) is read piece by piece. Pass `&mut reader` to keep the
/// reader.
///
/// # Errors
/// * [`UnexpectedEof`](ErrorKind::UnexpectedEof) if the reader ends inside the header;
/// * [`InvalidData`](ErrorKind::InvalidData) holding the [`ParseError`](crate::ParseError)
///   as its `source()` if the bytes are not a valid header, or
///   not one this `config` accepts, or a v2 header for DGRAM (its addresses are a UDP flow's,
///   not this stream's client);
/// * any error of the reader (except `Interrupted`, which is retried).
///
/// ```
/// use proxy_wire::{io::read_header, ParseError, ParserConfig};
/// use std::io::Read;
///
/// let input: &[u8] = b"PROXY TCP4 192.0.2.1 192.0.2.2 1000 80\r\nGET / HTTP/1.1\r\n";
/// let (header, mut stream) = read_header(input, &ParserConfig::new())?;
/// assert_eq!(header.header().source(), Some("192.0.2.1:1000".parse()?));
/// let mut data = String::new();
/// stream.read_to_string(&mut data)?; // what was read past the header comes first
/// assert_eq!(data, "GET / HTTP/1.1\r\n");
///
/// let config = ParserConfig::new().accept_v1(false);
/// let err = read_header(&b"PROXY UNKNOWN\r\n"[..], &config).unwrap_err();
/// assert_eq!(err.kind(), std::io::ErrorKind::InvalidData);
/// let cause = std::error::Error::source(&err).and_then(|e| e.downcast_ref::<ParseError>());
/// assert!(cause.is_some());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn read_header<R: Read>(
    mut reader: R,
    config: &ParserConfig,
) -> io::Result<(OwnedHeader, Peeled<R>)> {
    let mut acc = HeaderBuf::default();
    loop {
        if let Step::Done(header, leftover) = acc.step(config)? {
            return Ok((header, Peeled::new(reader, leftover)));
        }
        let n = retry(|| reader.read(acc.room()))?;
        acc.filled(n)?;
    }
}

/// A stream whose header was read by [`read_header`] (or its tokio form): it gives back the
/// bytes read past the header first, then reads the inner stream. Writes go straight to the
/// inner stream. It implements [`Read`], [`BufRead`] and [`Write`] as the inner stream does
/// (and tokio's `AsyncRead`, `AsyncBufRead` and `AsyncWrite` with feature `tokio`).
///
/// ```
/// use proxy_wire::{io::read_header, ParserConfig};
/// use std::io::{BufRead, BufReader, Read};
///
/// let input: &[u8] = b"PROXY UNKNOWN\r\nline one\nline two\n";
/// let (header, mut stream) = read_header(BufReader::new(input), &ParserConfig::new())?;
/// assert_eq!(header.header().version(), 1);
/// let mut line = String::new();
/// stream.read_line(&mut line)?;
/// assert_eq!(line, "line one\n");
/// let mut rest = String::new();
/// stream.read_to_string(&mut rest)?;
/// assert_eq!(rest, "line two\n");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct Peeled<R> {
    pub(crate) inner: R,
    pub(crate) replay: Replay,
}

impl<R> Peeled<R> {
    pub(crate) fn new(inner: R, leftover: Vec<u8>) -> Self {
        Self {
            inner,
            replay: Replay::new(leftover),
        }
    }

    /// The inner stream. Reading it directly skips the bytes still to be given back.
    ///
    /// ```
    /// use proxy_wire::{io::read_header, ParserConfig};
    ///
    /// let (_, stream) = read_header(&b"\r\n\r\n\0\r\nQUIT\n\x20\x00\x00\x00rest"[..], &ParserConfig::new())?;
    /// assert_eq!(*stream.get_ref(), b"rest"); // nothing is read past a v2 header
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn get_ref(&self) -> &R {
        &self.inner
    }

    /// The inner stream, mutably (for socket options and the like). Reading it directly
    /// skips the bytes still to be given back.
    ///
    /// ```
    /// use proxy_wire::{io::read_header, ParserConfig};
    /// use std::io::Cursor;
    ///
    /// let input = Cursor::new(b"PROXY UNKNOWN\r\n".to_vec());
    /// let (_, mut stream) = read_header(input, &ParserConfig::new())?;
    /// stream.get_mut().set_position(0);
    /// assert_eq!(stream.get_ref().position(), 0);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn get_mut(&mut self) -> &mut R {
        &mut self.inner
    }

    /// The inner stream and the bytes read past the header that were not read from this
    /// stream yet; they come before anything the inner stream will still give.
    ///
    /// ```
    /// use proxy_wire::{io::read_header, ParserConfig};
    /// use std::io::Read;
    ///
    /// let (_, mut stream) = read_header(&b"PROXY UNKNOWN\r\nabcd"[..], &ParserConfig::new())?;
    /// let mut one = [0u8; 1];
    /// stream.read_exact(&mut one)?;
    /// let (inner, unread) = stream.into_inner();
    /// assert_eq!([&unread[..], inner].concat(), b"bcd");
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn into_inner(self) -> (R, Vec<u8>) {
        (self.inner, self.replay.into_rest())
    }
}

impl<R: Read> Read for Peeled<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if !self.replay.rest().is_empty() {
            return Ok(self.replay.copy_to(buf));
        }
        self.inner.read(buf)
    }
}

impl<R: BufRead> BufRead for Peeled<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if !self.replay.rest().is_empty() {
            return Ok(self.replay.rest());
        }
        self.inner.fill_buf()
    }

    fn consume(&mut self, amt: usize) {
        if !self.replay.rest().is_empty() {
            self.replay.consume(amt);
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

/// The inner stream's descriptor, for socket options and event loops. Bytes read past the
/// header wait in the `Peeled` itself, not in the socket: read them (or check
/// [`Peeled::into_inner`]'s leftover) before waiting for the descriptor to become readable.
///
/// ```
/// use std::io::Write;
/// use std::net::{TcpListener, TcpStream};
/// use std::os::fd::AsRawFd;
///
/// let listener = TcpListener::bind("127.0.0.1:0")?;
/// TcpStream::connect(listener.local_addr()?)?.write_all(b"PROXY UNKNOWN\r\n")?;
/// let (stream, _) = listener.accept()?;
/// let fd = stream.as_raw_fd();
/// let (_header, peeled) = proxy_wire::io::read_header(stream, &proxy_wire::ParserConfig::new())?;
/// assert_eq!(peeled.as_raw_fd(), fd);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[cfg(unix)]
impl<R: std::os::fd::AsFd> std::os::fd::AsFd for Peeled<R> {
    fn as_fd(&self) -> std::os::fd::BorrowedFd<'_> {
        self.inner.as_fd()
    }
}

/// As [`AsFd`](std::os::fd::AsFd) for `Peeled`.
#[cfg(unix)]
impl<R: std::os::fd::AsRawFd> std::os::fd::AsRawFd for Peeled<R> {
    fn as_raw_fd(&self) -> std::os::fd::RawFd {
        self.inner.as_raw_fd()
    }
}

/// Reads exactly the header off `stream`, and nothing past it: the stream is left at the
/// first byte of data, for any TLS or HTTP library to take as it is.
///
/// It peeks (`MSG_PEEK`) to see the header, then reads exactly the bytes it takes. When the
/// header is not all there yet, it reads the part that is (it all belongs to the header)
/// plus the minimum the parser says is still missing, then peeks again, so a header that
/// trickles in byte by byte costs a few system calls per byte and never a busy loop.
///
/// `timeout` bounds the whole wait for the header (not each read); `None` waits forever and
/// leaves the socket's read timeout alone. Otherwise the stream's own read timeout is
/// restored afterwards.
///
/// # Errors
/// * [`TimedOut`](ErrorKind::TimedOut) if the header is not complete within `timeout`;
/// * [`UnexpectedEof`](ErrorKind::UnexpectedEof) if the peer closes inside the header;
/// * [`InvalidData`](ErrorKind::InvalidData) holding the [`ParseError`](crate::ParseError)
///   if the bytes are not a valid header (as for [`read_header`]);
/// * the socket's errors.
///
/// After an error the stream's position is unspecified; close it.
///
/// ```
/// use proxy_wire::{io::peel_tcp, ParserConfig};
/// use std::io::{ErrorKind, Read, Write};
/// use std::net::{TcpListener, TcpStream};
/// use std::time::Duration;
///
/// let listener = TcpListener::bind("127.0.0.1:0")?;
/// let mut client = TcpStream::connect(listener.local_addr()?)?;
/// client.write_all(b"\r\n\r\n\0\r\nQUIT\n\x20\x00\x00\x00GET /")?;
/// let (mut stream, _) = listener.accept()?;
/// let header = peel_tcp(&stream, &ParserConfig::new(), Some(Duration::from_secs(5)))?;
/// assert_eq!(header.header().version(), 2);
/// let mut data = [0u8; 5];
/// stream.read_exact(&mut data)?; // nothing was read past the header
/// assert_eq!(&data, b"GET /");
///
/// let mut client = TcpStream::connect(listener.local_addr()?)?;
/// client.write_all(b"PROXY TCP4 192.0.2")?; // and then nothing
/// let (stream, _) = listener.accept()?;
/// let err = peel_tcp(&stream, &ParserConfig::new(), Some(Duration::from_millis(50))).unwrap_err();
/// assert_eq!(err.kind(), ErrorKind::TimedOut);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn peel_tcp(
    stream: &TcpStream,
    config: &ParserConfig,
    timeout: Option<Duration>,
) -> io::Result<OwnedHeader> {
    let deadline = Deadline::after(timeout);
    if timeout.is_none() {
        // No timeout is set or changed at all.
        return peel_until(stream, config, &deadline);
    }
    let saved = stream.read_timeout()?;
    let result = peel_until(stream, config, &deadline);
    let restored = stream.set_read_timeout(saved);
    let header = result?;
    restored?;
    Ok(header)
}

/// The exact peel under `deadline`; leaves the socket's read timeout as the last read set
/// it.
pub(crate) fn peel_until(
    mut stream: &TcpStream,
    config: &ParserConfig,
    deadline: &Deadline,
) -> io::Result<OwnedHeader> {
    let mut acc = HeaderBuf::default();
    let mut window = [0u8; PEEK_WINDOW];
    loop {
        arm(stream, deadline)?;
        let len = acc.peek_len();
        let n = retry(|| stream.peek(&mut window[..len])).map_err(socket_err)?;
        // Bytes just peeked are queued and their read does not block: no need to re-arm.
        let wait = match acc.peeked(&window[..n], config)? {
            Take::Rest => &Deadline::NONE,
            Take::More => deadline,
        };
        while !acc.room().is_empty() {
            // Re-armed before every read, so a peer sending one byte just inside each read
            // timeout cannot stretch the wait.
            arm(stream, wait)?;
            let n = retry(|| stream.read(acc.room())).map_err(socket_err)?;
            acc.filled(n)?;
        }
        if let Some(header) = acc.taken(config)? {
            return Ok(header);
        }
    }
}

/// Waits (up to the deadline) until the first bytes show whether a header is there, without
/// taking any byte off the socket; the socket's read timeout is restored afterwards.
pub(crate) fn detect_tcp(stream: &TcpStream, deadline: &Deadline) -> io::Result<Detect> {
    let saved = stream.read_timeout()?;
    let result = detect_loop(stream, deadline);
    let restored = stream.set_read_timeout(saved);
    let detected = result?;
    restored?;
    Ok(detected)
}

fn detect_loop(stream: &TcpStream, deadline: &Deadline) -> io::Result<Detect> {
    let mut look = Detector::new();
    let mut window = [0u8; DETECT_LEN];
    loop {
        let n = match arm(stream, deadline).and_then(|()| retry(|| stream.peek(&mut window))) {
            Ok(n) => n,
            Err(e) if is_timeout(&e) => return look.timed_out(),
            Err(e) => return Err(e),
        };
        match look.peeked(&window[..n], deadline)? {
            Look::Done(detected) => return Ok(detected),
            Look::Again => {}
            Look::Nap(nap) => std::thread::sleep(nap),
        }
    }
}

/// Sets the socket's read timeout to the time left before `deadline`; `TimedOut` if none
/// is. Without a deadline the socket is left as it is.
fn arm(stream: &TcpStream, deadline: &Deadline) -> io::Result<()> {
    match deadline.left()? {
        Some(left) => stream.set_read_timeout(Some(left)),
        None => Ok(()),
    }
}

/// A socket read timeout shows as `WouldBlock` on Unix and `TimedOut` elsewhere.
fn is_timeout(e: &io::Error) -> bool {
    matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut)
}

fn socket_err(e: io::Error) -> io::Error {
    if is_timeout(&e) {
        timed_out()
    } else {
        e
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

/// Connects to `addr` and sends `header` in one write, before any data (section 2 of the
/// specification: the header is sent "at once"); returns the connected stream for the data.
///
/// # Errors
/// The connect or write error; [`InvalidInput`](ErrorKind::InvalidInput) holding the
/// [`EncodeError`](crate::EncodeError) if the header cannot be encoded.
///
/// ```
/// use proxy_wire::{io::{connect_with_header, peel_tcp}, v2, ParserConfig};
/// use std::net::TcpListener;
///
/// let listener = TcpListener::bind("127.0.0.1:0")?;
/// let src = "192.0.2.1:5000".parse()?;
/// let dst = listener.local_addr()?;
/// let header = v2::Builder::proxy(v2::Protocol::Stream, (src, dst)).crc32c(true);
/// let _client = connect_with_header(dst, &header)?;
/// let (stream, _) = listener.accept()?;
/// let received = peel_tcp(&stream, &ParserConfig::new(), None)?;
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
