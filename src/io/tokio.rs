//! The async adapters for tokio (feature `tokio`): the same as the blocking ones in
//! [`crate::io`], for [`AsyncRead`] / [`AsyncWrite`] and [`tokio::net::TcpStream`].
//!
//! * [`read_header`] / [`peel`] read a header from any [`AsyncRead`], each read bounded by
//!   what the header can still need, and hand back the bytes read past it (a
//!   [`Peeled`] replays them);
//! * [`peel_tcp`] peeks and then reads exactly the header off a [`TcpStream`];
//! * [`Acceptor`] wraps a [`TcpListener`](::tokio::net::TcpListener) with the trust policy
//!   and header timeout of an [`AcceptorConfig`](super::AcceptorConfig), reading each header
//!   on its own task;
//! * [`connect_with_header`] connects and sends a header in one write.
//!
//! ```
//! use proxy_wire::io::tokio::{connect_with_header, peel_tcp};
//! use proxy_wire::v1;
//! use std::time::Duration;
//! use tokio::io::{AsyncReadExt, AsyncWriteExt};
//!
//! # tokio::runtime::Builder::new_current_thread().enable_all().build()?.block_on(async {
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
//! let header = v1::Header::from_socket_addrs("192.0.2.1:4000".parse()?, "192.0.2.2:443".parse()?);
//! let mut client = connect_with_header(listener.local_addr()?, &header).await?;
//! client.write_all(b"hello").await?;
//!
//! let (mut stream, _) = listener.accept().await?;
//! let received = peel_tcp(&mut stream, Some(Duration::from_secs(5))).await?;
//! assert_eq!(received.header().source(), Some("192.0.2.1:4000".parse()?));
//! let mut data = [0u8; 5];
//! stream.read_exact(&mut data).await?;
//! assert_eq!(&data, b"hello");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # })?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![forbid(unsafe_code)]

mod acceptor;

use core::pin::Pin;
use core::task::{Context, Poll};
use core::time::Duration;
use std::io::{self, IoSlice};
use std::vec::Vec;

use ::tokio::io::{AsyncBufRead, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use ::tokio::net::{TcpStream, ToSocketAddrs};
use ::tokio::time::Instant;

pub use acceptor::Acceptor;

use super::{
    detect, eof, peek_room, timed_out, Detect, HeaderBuf, OwnedHeader, Peeled, DETECT_LEN,
    PEEK_WINDOW,
};
use crate::{Encode, ParserConfig, Status};

/// Reads a header from `reader` with the default [`ParserConfig`]; see [`read_header_with`].
///
/// # Errors
/// As [`read_header_with`].
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().build()?.block_on(async {
/// let mut input: &[u8] = b"PROXY UNKNOWN\r\nGET /";
/// let (header, leftover) = proxy_wire::io::tokio::read_header(&mut input).await?;
/// assert_eq!(header.header().version(), 1);
/// assert_eq!([&leftover[..], input].concat(), b"GET /");
/// # Ok::<(), std::io::Error>(())
/// # })?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub async fn read_header<R: AsyncRead + Unpin + ?Sized>(
    reader: &mut R,
) -> io::Result<(OwnedHeader, Vec<u8>)> {
    read_header_with(reader, &ParserConfig::new()).await
}

/// Reads a header from `reader` and returns it with the bytes read past it; the async form
/// of [`crate::io::read_header_with`], with the same bounds on every read.
///
/// # Errors
/// `UnexpectedEof` if the reader ends inside the header, `InvalidData` holding the
/// [`ParseError`](crate::ParseError) for a bad header, or the reader's error.
///
/// ```
/// use proxy_wire::ParserConfig;
///
/// # tokio::runtime::Builder::new_current_thread().build()?.block_on(async {
/// let mut config = ParserConfig::new();
/// config.accept_v2(false);
/// let mut input: &[u8] = b"\r\n\r\n\0\r\nQUIT\n\x20\x00\x00\x00";
/// let err = proxy_wire::io::tokio::read_header_with(&mut input, &config).await.unwrap_err();
/// assert_eq!(err.kind(), std::io::ErrorKind::InvalidData);
/// # Ok::<(), std::io::Error>(())
/// # })?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub async fn read_header_with<R: AsyncRead + Unpin + ?Sized>(
    reader: &mut R,
    config: &ParserConfig,
) -> io::Result<(OwnedHeader, Vec<u8>)> {
    let mut acc = HeaderBuf::default();
    loop {
        if let Some(done) = acc.parse(config)? {
            return Ok(done);
        }
        let n = reader.read(acc.room()).await?;
        acc.filled(n)?;
    }
}

/// Reads a header from `reader` (default [`ParserConfig`]) and returns it with a
/// [`Peeled`] stream positioned at the data.
///
/// # Errors
/// As [`read_header_with`].
///
/// ```
/// use tokio::io::AsyncReadExt;
///
/// # tokio::runtime::Builder::new_current_thread().build()?.block_on(async {
/// let (header, mut stream) = proxy_wire::io::tokio::peel(&b"PROXY UNKNOWN\r\nping"[..]).await?;
/// let mut data = String::new();
/// stream.read_to_string(&mut data).await?;
/// assert_eq!((header.header().version(), data.as_str()), (1, "ping"));
/// # Ok::<(), std::io::Error>(())
/// # })?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub async fn peel<R: AsyncRead + Unpin>(reader: R) -> io::Result<(OwnedHeader, Peeled<R>)> {
    peel_with(reader, &ParserConfig::new()).await
}

/// As [`peel`], with parser options.
///
/// # Errors
/// As [`read_header_with`].
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().build()?.block_on(async {
/// let mut config = proxy_wire::ParserConfig::new();
/// config.accept_v1(false);
/// assert!(proxy_wire::io::tokio::peel_with(&b"PROXY UNKNOWN\r\n"[..], &config).await.is_err());
/// # Ok::<(), std::io::Error>(())
/// # })?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub async fn peel_with<R: AsyncRead + Unpin>(
    mut reader: R,
    config: &ParserConfig,
) -> io::Result<(OwnedHeader, Peeled<R>)> {
    let (header, leftover) = read_header_with(&mut reader, config).await?;
    Ok((header, Peeled::new(reader, leftover)))
}

/// Reads exactly the header off `stream` with the default [`ParserConfig`]; see
/// [`peel_tcp_with`].
///
/// # Errors
/// As [`peel_tcp_with`].
///
/// ```
/// use tokio::io::{AsyncReadExt, AsyncWriteExt};
/// use std::time::Duration;
///
/// # tokio::runtime::Builder::new_current_thread().enable_all().build()?.block_on(async {
/// let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
/// let mut client = tokio::net::TcpStream::connect(listener.local_addr()?).await?;
/// client.write_all(b"\r\n\r\n\0\r\nQUIT\n\x20\x00\x00\x00GET /").await?;
/// let (mut stream, _) = listener.accept().await?;
/// let header = proxy_wire::io::tokio::peel_tcp(&mut stream, Some(Duration::from_secs(5))).await?;
/// assert_eq!(header.header().version(), 2);
/// let mut data = [0u8; 5];
/// stream.read_exact(&mut data).await?;
/// assert_eq!(&data, b"GET /");
/// # Ok::<(), std::io::Error>(())
/// # })?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub async fn peel_tcp(
    stream: &mut TcpStream,
    timeout: Option<Duration>,
) -> io::Result<OwnedHeader> {
    peel_tcp_with(stream, &ParserConfig::new(), timeout).await
}

/// Reads exactly the header off `stream` and nothing past it; the async form of
/// [`crate::io::peel_tcp_with`]: peek to see the header, read exactly its bytes, and while it
/// is incomplete take the part that is there plus the minimum still missing, so waiting
/// for more never spins.
///
/// `timeout` bounds the whole wait for the header; `None` waits forever.
///
/// # Errors
/// `TimedOut`, `UnexpectedEof`, `InvalidData` (holding the
/// [`ParseError`](crate::ParseError)), or the socket's error. After an error, close the
/// stream.
///
/// ```
/// use tokio::io::AsyncWriteExt;
/// use std::time::Duration;
///
/// # tokio::runtime::Builder::new_current_thread().enable_all().build()?.block_on(async {
/// let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
/// let mut client = tokio::net::TcpStream::connect(listener.local_addr()?).await?;
/// client.write_all(b"PROXY TCP4").await?; // and then nothing
/// let (mut stream, _) = listener.accept().await?;
/// let config = proxy_wire::ParserConfig::new();
/// let timeout = Some(Duration::from_millis(50));
/// let err = proxy_wire::io::tokio::peel_tcp_with(&mut stream, &config, timeout).await.unwrap_err();
/// assert_eq!(err.kind(), std::io::ErrorKind::TimedOut);
/// # Ok::<(), std::io::Error>(())
/// # })?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub async fn peel_tcp_with(
    stream: &mut TcpStream,
    config: &ParserConfig,
    timeout: Option<Duration>,
) -> io::Result<OwnedHeader> {
    match timeout {
        None => exact_peel(stream, config).await,
        Some(t) => ::tokio::time::timeout(t, exact_peel(stream, config))
            .await
            .map_err(|_| timed_out())?,
    }
}

async fn exact_peel(stream: &mut TcpStream, config: &ParserConfig) -> io::Result<OwnedHeader> {
    let mut buf: Vec<u8> = Vec::new();
    let mut window = [0u8; PEEK_WINDOW];
    loop {
        let room = peek_room(&buf).clamp(1, PEEK_WINDOW);
        let n = stream.peek(&mut window[..room]).await?;
        if n == 0 {
            return Err(eof(buf.len()));
        }
        let start = buf.len();
        buf.extend_from_slice(&window[..n]);
        match config.parse_stream(&buf)? {
            Status::Complete { consumed, .. } => {
                buf.truncate(consumed);
                read_full(stream, &mut buf[start..]).await?;
                return Ok(OwnedHeader::new(buf)?);
            }
            Status::Incomplete { needed } => {
                buf.resize(start + n + needed.get(), 0);
                read_full(stream, &mut buf[start..]).await?;
                if let Status::Complete { consumed, .. } = config.parse_stream(&buf)? {
                    buf.truncate(consumed);
                    return Ok(OwnedHeader::new(buf)?);
                }
            }
        }
    }
}

async fn read_full(stream: &mut TcpStream, out: &mut [u8]) -> io::Result<()> {
    let total = out.len();
    let mut done = 0;
    while done < total {
        let n = stream.read(&mut out[done..]).await?;
        if n == 0 {
            return Err(eof(done));
        }
        done += n;
    }
    Ok(())
}

/// Async form of [`super::detect_tcp`]: waits until the first bytes show whether a header
/// is there, without taking any byte off the socket.
pub(crate) async fn detect_tcp(stream: &TcpStream, deadline: Instant) -> io::Result<Detect> {
    let mut window = [0u8; DETECT_LEN];
    let mut seen = 0;
    let mut backoff = Duration::from_millis(1);
    loop {
        let n = match ::tokio::time::timeout_at(deadline, stream.peek(&mut window)).await {
            Ok(n) => n?,
            Err(_) if seen == 0 => return Ok(Detect::NoHeader),
            Err(_) => return Err(timed_out()),
        };
        if n == 0 {
            return Ok(Detect::NoHeader);
        }
        match detect(&window[..n]) {
            Detect::NeedMore => {}
            d => return Ok(d),
        }
        if n == seen {
            if Instant::now() >= deadline {
                return Err(timed_out());
            }
            ::tokio::time::sleep_until((Instant::now() + backoff).min(deadline)).await;
            backoff = (backoff * 2).min(Duration::from_millis(50));
        }
        seen = n;
    }
}

/// Connects to `addr` and sends `header` in one write before any data; returns the stream.
///
/// # Errors
/// The connect or write error; `InvalidInput` holding the
/// [`EncodeError`](crate::EncodeError) if the header cannot be encoded.
///
/// ```
/// use proxy_wire::{io::tokio::{connect_with_header, read_header}, v2};
///
/// # tokio::runtime::Builder::new_current_thread().enable_all().build()?.block_on(async {
/// let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
/// let _client = connect_with_header(listener.local_addr()?, &v2::Builder::local()).await?;
/// let (mut stream, _) = listener.accept().await?;
/// let (header, _) = read_header(&mut stream).await?;
/// assert_eq!(header.header().command(), v2::Command::Local);
/// # Ok::<(), std::io::Error>(())
/// # })?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub async fn connect_with_header<A: ToSocketAddrs, H: Encode + ?Sized>(
    addr: A,
    header: &H,
) -> io::Result<TcpStream> {
    let mut bytes = std::vec![0u8; header.encoded_len()];
    let n = header.encode(&mut bytes)?;
    bytes.truncate(n);
    let mut stream = TcpStream::connect(addr).await?;
    stream.write_all(&bytes).await?;
    Ok(stream)
}

impl<R: AsyncRead + Unpin> AsyncRead for Peeled<R> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if !this.leftover().is_empty() {
            let n = this.read_leftover(buf.initialize_unfilled());
            buf.advance(n);
            return Poll::Ready(Ok(()));
        }
        Pin::new(&mut this.inner).poll_read(cx, buf)
    }
}

impl<R: AsyncBufRead + Unpin> AsyncBufRead for Peeled<R> {
    fn poll_fill_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        let this = self.get_mut();
        if this.pos < this.leftover.len() {
            return Poll::Ready(Ok(this.leftover()));
        }
        Pin::new(&mut this.inner).poll_fill_buf(cx)
    }

    fn consume(self: Pin<&mut Self>, amt: usize) {
        let this = self.get_mut();
        if this.pos < this.leftover.len() {
            let n = amt.min(this.leftover.len() - this.pos);
            this.consume_leftover(n);
        } else {
            Pin::new(&mut this.inner).consume(amt);
        }
    }
}

impl<R: AsyncWrite + Unpin> AsyncWrite for Peeled<R> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}
