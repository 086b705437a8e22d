//! The tokio readers and writer: [`read_header`] for any [`AsyncRead`], [`peel_tcp`] for a
//! [`TcpStream`], [`connect_with_header`], [`Peeled`]'s async traits; and the socket loops
//! the tokio acceptor runs. The steps are the blocking ones (`crate::io::sans`); only the
//! reads and peeks are awaited.

#![forbid(unsafe_code)]

use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};
use core::time::Duration;
use std::io::{self, ErrorKind, IoSlice};

use ::tokio::io::{AsyncBufRead, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use ::tokio::net::{TcpStream, ToSocketAddrs};

use crate::config::ParserConfig;
use crate::encode::Encode;
use crate::io::read::Peeled;
use crate::io::sans::{
    timed_out, Deadline, Detect, Detector, HeaderBuf, Look, Step, DETECT_LEN, PEEK_WINDOW,
};
use crate::owned::OwnedHeader;

/// Reads a header from `reader` and returns it with the stream positioned at the data; the
/// async form of [`crate::io::read_header`], with the same bounds on every read and the
/// same errors.
///
/// # Errors
/// `UnexpectedEof` if the reader ends inside the header, `InvalidData` holding the
/// [`ParseError`](crate::ParseError) for a bad header, or the reader's error.
///
/// ```
/// use proxy_wire::{io::tokio::read_header, ParserConfig};
/// use tokio::io::AsyncReadExt;
///
/// # tokio::runtime::Builder::new_current_thread().build()?.block_on(async {
/// let input: &[u8] = b"PROXY UNKNOWN\r\nGET /";
/// let (header, mut stream) = read_header(input, &ParserConfig::new()).await?;
/// assert_eq!(header.header().version(), 1);
/// let mut data = String::new();
/// stream.read_to_string(&mut data).await?;
/// assert_eq!(data, "GET /");
///
/// let config = ParserConfig::new().accept_v2(false);
/// let err = read_header(&b"\r\n\r\n\0\r\nQUIT\n\x20\x00\x00\x00"[..], &config).await.unwrap_err();
/// assert_eq!(err.kind(), std::io::ErrorKind::InvalidData);
/// # Ok::<(), std::io::Error>(())
/// # })?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub async fn read_header<R: AsyncRead + Unpin>(
    mut reader: R,
    config: &ParserConfig,
) -> io::Result<(OwnedHeader, Peeled<R>)> {
    let mut acc = HeaderBuf::default();
    loop {
        if let Step::Done(header, leftover) = acc.step(config)? {
            return Ok((header, Peeled::new(reader, leftover)));
        }
        let n = reader.read(acc.room()).await?;
        acc.filled(n)?;
    }
}

/// Reads exactly the header off `stream` and nothing past it; the async form of
/// [`crate::io::peel_tcp`]: peek to see the header, read exactly its bytes, and while it is
/// incomplete take the part that is there plus the minimum still missing, so waiting for
/// more never spins.
///
/// `timeout` bounds the whole wait for the header; `None` waits forever.
///
/// # Errors
/// `TimedOut`, `UnexpectedEof`, `InvalidData` (holding the
/// [`ParseError`](crate::ParseError)), or the socket's error. After an error, close the
/// stream.
///
/// ```
/// use proxy_wire::{io::tokio::peel_tcp, ParserConfig};
/// use std::time::Duration;
/// use tokio::io::{AsyncReadExt, AsyncWriteExt};
///
/// # tokio::runtime::Builder::new_current_thread().enable_all().build()?.block_on(async {
/// let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
/// let mut client = tokio::net::TcpStream::connect(listener.local_addr()?).await?;
/// client.write_all(b"\r\n\r\n\0\r\nQUIT\n\x20\x00\x00\x00GET /").await?;
/// let (mut stream, _) = listener.accept().await?;
/// let timeout = Some(Duration::from_secs(5));
/// let header = peel_tcp(&stream, &ParserConfig::new(), timeout).await?;
/// assert_eq!(header.header().version(), 2);
/// let mut data = [0u8; 5];
/// stream.read_exact(&mut data).await?; // nothing was read past the header
/// assert_eq!(&data, b"GET /");
///
/// client.write_all(b"not a header").await?;
/// let err = peel_tcp(&stream, &ParserConfig::new(), timeout).await.unwrap_err();
/// assert_eq!(err.kind(), std::io::ErrorKind::InvalidData);
/// # Ok::<(), std::io::Error>(())
/// # })?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub async fn peel_tcp(
    stream: &TcpStream,
    config: &ParserConfig,
    timeout: Option<Duration>,
) -> io::Result<OwnedHeader> {
    peel_until(stream, config, Deadline::after(timeout)).await
}

/// The exact peel under `deadline`.
pub(crate) async fn peel_until(
    stream: &TcpStream,
    config: &ParserConfig,
    deadline: Deadline,
) -> io::Result<OwnedHeader> {
    within(deadline, peel(stream, config))
        .await
        .unwrap_or_else(|| Err(timed_out()))
}

async fn peel(stream: &TcpStream, config: &ParserConfig) -> io::Result<OwnedHeader> {
    let mut acc = HeaderBuf::default();
    let mut window = [0u8; PEEK_WINDOW];
    loop {
        let len = acc.peek_len();
        let n = stream.peek(&mut window[..len]).await?;
        // The whole wait is under one timer, so whether the read may wait does not matter.
        acc.peeked(&window[..n], config)?;
        while !acc.room().is_empty() {
            let n = read_some(stream, acc.room()).await?;
            acc.filled(n)?;
        }
        if let Some(header) = acc.taken(config)? {
            return Ok(header);
        }
    }
}

/// One read through a shared reference, as the peeks are.
async fn read_some(stream: &TcpStream, buf: &mut [u8]) -> io::Result<usize> {
    loop {
        stream.readable().await?;
        match stream.try_read(buf) {
            Err(e) if e.kind() == ErrorKind::WouldBlock => continue,
            other => return other,
        }
    }
}

/// Waits (up to the deadline) until the first bytes show whether a header is there, without
/// taking any byte off the socket.
pub(crate) async fn detect_tcp(stream: &TcpStream, deadline: Deadline) -> io::Result<Detect> {
    let mut look = Detector::new();
    let mut window = [0u8; DETECT_LEN];
    loop {
        let n = match within(deadline, stream.peek(&mut window)).await {
            Some(n) => n?,
            None => return look.timed_out(),
        };
        match look.peeked(&window[..n], &deadline)? {
            Look::Done(detected) => return Ok(detected),
            Look::Again => {}
            Look::Nap(nap) => ::tokio::time::sleep(nap).await,
        }
    }
}

/// `fut`'s output, or `None` if the deadline passed first.
async fn within<F: Future>(deadline: Deadline, fut: F) -> Option<F::Output> {
    match deadline.at() {
        None => Some(fut.await),
        Some(at) => ::tokio::time::timeout_at(at.into(), fut).await.ok(),
    }
}

/// Connects to `addr` and sends `header` in one write before any data; returns the stream.
///
/// # Errors
/// The connect or write error; `InvalidInput` with the [`EncodeError`](crate::EncodeError)
/// as its source if the header cannot be encoded.
///
/// ```
/// use proxy_wire::io::tokio::{connect_with_header, peel_tcp};
/// use proxy_wire::{v2, ParserConfig};
///
/// # tokio::runtime::Builder::new_current_thread().enable_all().build()?.block_on(async {
/// let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
/// let _client = connect_with_header(listener.local_addr()?, &v2::Builder::local()).await?;
/// let (stream, _) = listener.accept().await?;
/// let header = peel_tcp(&stream, &ParserConfig::new(), None).await?;
/// assert_eq!(header.header().command(), v2::Command::Local);
/// # Ok::<(), std::io::Error>(())
/// # })?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub async fn connect_with_header<A: ToSocketAddrs, H: Encode + ?Sized>(
    addr: A,
    header: &H,
) -> io::Result<TcpStream> {
    let mut stream = TcpStream::connect(addr).await?;
    write_header(&mut stream, header).await?;
    Ok(stream)
}

/// Writes `header` onto a connection the caller already has (a proxy's upstream, a TLS
/// stream, a Unix socket), encoded first and handed to the writer in one `write_all`, so a
/// receiver that peeks sees it whole; returns its length. The async form of
/// [`Encode::write_to`].
///
/// # Errors
/// The write error; `InvalidInput` with the [`EncodeError`](crate::EncodeError) as its
/// source if the header cannot be encoded (then nothing is written).
///
/// ```
/// use proxy_wire::io::tokio::write_header;
/// use proxy_wire::v1;
/// use tokio::io::AsyncWriteExt;
///
/// # tokio::runtime::Builder::new_current_thread().build()?.block_on(async {
/// let mut upstream = Vec::new(); // any AsyncWrite: a TcpStream, a TLS stream, ...
/// let header = v1::Header::from_socket_addrs("192.0.2.1:4000".parse()?, "192.0.2.2:443".parse()?);
/// let n = write_header(&mut upstream, &header).await?;
/// upstream.write_all(b"GET / HTTP/1.1\r\n").await?;
/// assert_eq!(&upstream[..n], b"PROXY TCP4 192.0.2.1 192.0.2.2 4000 443\r\n");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub async fn write_header<W, H>(writer: &mut W, header: &H) -> io::Result<usize>
where
    W: AsyncWrite + Unpin + ?Sized,
    H: Encode + ?Sized,
{
    let mut bytes = std::vec![0u8; header.encoded_len()];
    let n = header.encode(&mut bytes)?;
    writer.write_all(&bytes[..n]).await?;
    Ok(n)
}

impl<R: AsyncRead + Unpin> AsyncRead for Peeled<R> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if !this.replay.rest().is_empty() {
            let n = this.replay.copy_to(buf.initialize_unfilled());
            buf.advance(n);
            return Poll::Ready(Ok(()));
        }
        Pin::new(&mut this.inner).poll_read(cx, buf)
    }
}

impl<R: AsyncBufRead + Unpin> AsyncBufRead for Peeled<R> {
    fn poll_fill_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        let this = self.get_mut();
        if !this.replay.rest().is_empty() {
            return Poll::Ready(Ok(this.replay.rest()));
        }
        Pin::new(&mut this.inner).poll_fill_buf(cx)
    }

    fn consume(self: Pin<&mut Self>, amt: usize) {
        let this = self.get_mut();
        if !this.replay.rest().is_empty() {
            this.replay.consume(amt);
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
