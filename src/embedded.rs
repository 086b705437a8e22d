//! Reading a header off a `no_std` stream into the caller's buffer, with no allocator:
//! [`read_header`] for an `embedded_io::Read` (feature `embedded-io`, blocking) and
//! [`read_header_async`] for an `embedded_io_async::Read` (feature `embedded-io-async`, such
//! as embassy-net's `TcpSocket`).
//!
//! Both read exactly the header and nothing past it: each read asks for no more than the
//! parser says the header still needs at least ([`Status::Incomplete`]'s `needed`), so the
//! reader is left at the first byte of the application's data and goes on to the application
//! as it is. There are no leftover bytes to hand back, and a plain `Read` is enough (no
//! `BufRead` needed). The price is a few small reads for a v1 line (two bytes at a time after
//! its first 15); a v2 header takes two reads.
//!
//! They return the [`Header`] and its bytes as they came (to forward them as they are, or
//! keep them past the buffer with [`ArrayHeader::new`](crate::ArrayHeader::new)), both
//! borrowing the buffer. A buffer of [`v1::V1_MAX_LEN`] (107) bytes holds every v1 line, and v2 headers up to that
//! size; give it [`ParserConfig::max_v2_header_len`] bytes (if more than 107) and it is never
//! too small.
//!
//! These are stream (TCP) connections: as the `std` readers do, both refuse a v2 PROXY header
//! for DGRAM with [`ParseError::WrongTransport`]. Neither has a timeout: wrap the call in your
//! executor's (embassy-time's `with_timeout`, say) and close the connection when it fires;
//! the bytes read so far are then lost.

#![forbid(unsafe_code)]

use crate::config::ParserConfig;
use crate::error::ParseError;
use crate::header::Header;
use crate::status::Status;
use crate::v1;

/// Why [`read_header`] or [`read_header_async`] returned no header; `E` is the reader's error.
///
/// ```
/// use proxy_wire::{embedded::ReadError, ParseError};
///
/// let err: ReadError<core::convert::Infallible> = ReadError::Eof { read: 0 };
/// assert_eq!(err.to_string(), "the stream ended after 0 bytes, inside the PROXY header");
/// let err: ReadError<core::convert::Infallible> = ReadError::Parse(ParseError::V1TooLong);
/// assert_eq!(err.to_string(), ParseError::V1TooLong.to_string());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ReadError<E> {
    /// The reader's error, as it gave it.
    #[error(transparent)]
    Io(E),
    /// The bytes are not a valid header, not one the [`ParserConfig`] accepts, or a v2 header
    /// for DGRAM ([`ParseError::WrongTransport`]).
    #[error(transparent)]
    Parse(ParseError),
    /// The stream ended (a read gave 0 bytes) inside the header.
    #[error("the stream ended after {read} bytes, inside the PROXY header")]
    Eof {
        /// Bytes of the header read before the end; 0 when the peer sent nothing at all.
        read: usize,
    },
    /// The header does not fit in the buffer; found before its bytes past the buffer are
    /// read (for v2, as soon as its length field is in).
    #[error("a PROXY header of at least {needed} bytes does not fit in a buffer of {available}")]
    BufferTooSmall {
        /// A lower bound on the header's length (exact for v2).
        needed: usize,
        /// The buffer's length.
        available: usize,
    },
}

/// Reads a header from `reader` into `buf`, and nothing past it; returns the header and its
/// bytes (the start of `buf`). The reader is left at the first byte of the application's
/// data.
///
/// # Errors
/// [`ReadError`]: the reader's error, a [`ParseError`], the end of the stream inside the
/// header, or a header longer than `buf`.
///
/// ```
/// use proxy_wire::embedded::{read_header, ReadError};
/// use proxy_wire::{ArrayHeader, ParserConfig};
///
/// let mut stream: &[u8] = b"PROXY TCP4 192.0.2.1 192.0.2.2 1000 80\r\nGET / HTTP/1.1\r\n";
/// let mut buf = [0u8; 107];
/// let (header, bytes) = read_header(&mut stream, &mut buf, &ParserConfig::new())?;
/// assert_eq!(header.source(), Some("192.0.2.1:1000".parse()?));
/// assert_eq!(stream, b"GET / HTTP/1.1\r\n"); // still in the reader, for the application
/// let kept = ArrayHeader::<107>::new(bytes)?; // to keep it past `buf`
/// assert_eq!(kept.header(), header);
///
/// let mut cut: &[u8] = b"PROXY TCP4 192.0";
/// let err = read_header(&mut cut, &mut buf, &ParserConfig::new()).unwrap_err();
/// assert_eq!(err, ReadError::Eof { read: 16 });
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[cfg(feature = "embedded-io")]
#[cfg_attr(docsrs, doc(cfg(feature = "embedded-io")))]
pub fn read_header<'b, R: embedded_io::Read + ?Sized>(
    reader: &mut R,
    buf: &'b mut [u8],
    config: &ParserConfig,
) -> Result<(Header<'b>, &'b [u8]), ReadError<R::Error>> {
    let mut steps = Steps::new();
    loop {
        match steps.next(buf, config)? {
            Next::Done(v1, len) => return Ok(header_in(buf, v1, len)),
            Next::Read => {
                let n = reader.read(steps.room(buf)).map_err(ReadError::Io)?;
                steps.filled(n)?;
            }
        }
    }
}

/// [`read_header`] for an async reader, such as embassy-net's `TcpSocket`: reads a header
/// into `buf`, and nothing past it; returns the header and its bytes.
///
/// # Errors
/// As [`read_header`].
///
/// ```
/// use proxy_wire::{embedded::read_header_async, ParserConfig};
/// # use std::{future::Future, pin::pin, sync::Arc, task::{Context, Poll, Wake, Waker}};
/// # /// Polls a future to completion (its reader here is always ready).
/// # fn block_on<F: Future>(future: F) -> F::Output {
/// #     struct Noop;
/// #     impl Wake for Noop { fn wake(self: Arc<Self>) {} }
/// #     let waker = Waker::from(Arc::new(Noop));
/// #     let mut future = pin!(future);
/// #     loop {
/// #         if let Poll::Ready(out) = future.as_mut().poll(&mut Context::from_waker(&waker)) {
/// #             return out;
/// #         }
/// #     }
/// # }
///
/// # block_on(async {
/// // A v2 header (192.0.2.1:56324 to 198.51.100.2:443), then the client's data.
/// let mut socket: &[u8] =
///     b"\r\n\r\n\0\r\nQUIT\n\x21\x11\x00\x0c\xc0\x00\x02\x01\xc6\x33\x64\x02\xdc\x04\x01\xbbGET /";
/// let mut buf = [0u8; 256];
/// let (header, bytes) = read_header_async(&mut socket, &mut buf, &ParserConfig::new()).await?;
/// assert_eq!(header.source(), Some("192.0.2.1:56324".parse()?));
/// assert_eq!((bytes.len(), socket), (28, &b"GET /"[..]));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[cfg(feature = "embedded-io-async")]
#[cfg_attr(docsrs, doc(cfg(feature = "embedded-io-async")))]
pub async fn read_header_async<'b, R: embedded_io_async::Read + ?Sized>(
    reader: &mut R,
    buf: &'b mut [u8],
    config: &ParserConfig,
) -> Result<(Header<'b>, &'b [u8]), ReadError<R::Error>> {
    let mut steps = Steps::new();
    loop {
        match steps.next(buf, config)? {
            Next::Done(v1, len) => return Ok(header_in(buf, v1, len)),
            Next::Read => {
                let n = reader.read(steps.room(buf)).await.map_err(ReadError::Io)?;
                steps.filled(n)?;
            }
        }
    }
}

/// The steps both readers share, sans IO (they add only their read call): `buf[..filled]` is
/// what was read, `buf[filled..end]` the room for the next read.
#[derive(Debug)]
struct Steps {
    filled: usize,
    end: usize,
}

/// What to do after a parse.
enum Next {
    /// Read into [`Steps::room`].
    Read,
    /// The header is complete: its v1 line if it is one, and its length.
    Done(Option<v1::Header>, usize),
}

impl Steps {
    const fn new() -> Self {
        Self { filled: 0, end: 0 }
    }

    /// Parses what was read so far: the header once complete, else sizes the room to the
    /// bytes the header still needs at least, so that no read goes past it.
    fn next<E>(&mut self, buf: &[u8], config: &ParserConfig) -> Result<Next, ReadError<E>> {
        let taken = buf.get(..self.filled).unwrap_or_default();
        match config.parse_stream(taken).map_err(ReadError::Parse)? {
            Status::Complete { header, consumed } => Ok(Next::Done(header.v1_line(), consumed)),
            Status::Incomplete { needed } => {
                let end = self.filled.saturating_add(needed.get());
                if end > buf.len() {
                    return Err(ReadError::BufferTooSmall {
                        needed: end,
                        available: buf.len(),
                    });
                }
                self.end = end;
                Ok(Next::Read)
            }
        }
    }

    /// Where the next read goes; never empty after [`Steps::next`] said `Read`.
    fn room<'a>(&self, buf: &'a mut [u8]) -> &'a mut [u8] {
        buf.get_mut(self.filled..self.end).unwrap_or_default()
    }

    /// Keeps the `n` bytes a read put at the start of the room; 0 is the end of the stream.
    fn filled<E>(&mut self, n: usize) -> Result<(), ReadError<E>> {
        if n == 0 {
            return Err(ReadError::Eof { read: self.filled });
        }
        // A reader that claims more than the room it was given gets no more than the room.
        self.filled = self.filled.saturating_add(n).min(self.end);
        Ok(())
    }
}

/// The complete header in `buf[..len]` and its bytes, without parsing it again.
fn header_in(buf: &[u8], v1: Option<v1::Header>, len: usize) -> (Header<'_>, &[u8]) {
    let bytes = buf.get(..len).unwrap_or_default();
    (Header::from_checked(v1, bytes), bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    type Error = ReadError<()>;

    /// The shared steps over one-byte reads, as a reader that trickles would drive them.
    fn drive(input: &[u8], buf: &mut [u8]) -> Result<(usize, usize), Error> {
        let mut steps = Steps::new();
        let mut at = 0;
        loop {
            match steps.next(buf, &ParserConfig::new())? {
                Next::Done(_, len) => return Ok((len, at)),
                Next::Read => {
                    let room = steps.room(buf);
                    assert!(!room.is_empty());
                    let n = match (room.first_mut(), input.get(at)) {
                        (Some(slot), Some(&b)) => {
                            *slot = b;
                            1
                        }
                        _ => 0,
                    };
                    at += n;
                    steps.filled(n)?;
                }
            }
        }
    }

    #[test]
    fn steps() {
        let mut buf = [0u8; 64];
        let v1 = b"PROXY UNKNOWN\r\nGET";
        assert_eq!(drive(v1, &mut buf), Ok((15, 15)));
        let v2 = b"\r\n\r\n\0\r\nQUIT\n\x20\x00\x00\x00GET";
        assert_eq!(drive(v2, &mut buf), Ok((16, 16)));
        assert_eq!(drive(b"PROXY", &mut buf), Err(Error::Eof { read: 5 }));
        assert_eq!(
            drive(b"GET / HTTP/1.1\r\n", &mut buf),
            Err(Error::Parse(ParseError::NotProxyHeader {
                offset: 0,
                byte: b'G'
            }))
        );
        assert_eq!(
            drive(b"\r\n\r\n\0\r\nQUIT\n\x21\x11\x00\x40", &mut buf),
            Err(Error::BufferTooSmall {
                needed: 80,
                available: 64
            })
        );
        assert_eq!(
            drive(v1, &mut buf[..10]),
            Err(Error::BufferTooSmall {
                needed: 15,
                available: 10
            })
        );
        // DGRAM on a stream.
        let dgram =
            b"\r\n\r\n\0\r\nQUIT\n\x21\x12\x00\x0c\xc0\x00\x02\x01\xc6\x33\x64\x02\xdc\x04\x01\xbb";
        assert_eq!(
            drive(dgram, &mut buf),
            Err(Error::Parse(ParseError::WrongTransport {
                version: 2,
                in_datagram: false
            }))
        );
    }

    #[test]
    fn a_reader_claiming_too_much_gets_only_its_room() {
        let mut buf = [0u8; 64];
        let mut steps = Steps::new();
        assert!(matches!(
            steps.next::<()>(&buf, &ParserConfig::new()),
            Ok(Next::Read)
        ));
        let room = steps.room(&mut buf);
        assert_eq!(room.len(), v1::V1_MIN_LEN);
        room.copy_from_slice(b"PROXY UNKNOWN\r\n");
        steps.filled::<()>(1000).unwrap();
        assert!(matches!(
            steps.next::<()>(&buf, &ParserConfig::new()),
            Ok(Next::Done(Some(v1::Header::Unknown), 15))
        ));
    }
}
