//! [`Encode`]: everything that can be written as a PROXY header.
#![forbid(unsafe_code)]

use crate::error::EncodeError;

/// Something that can be written as a PROXY header: [`v1::Header`](crate::v1::Header),
/// [`v2::Builder`](crate::v2::Builder), a parsed [`v2::Header`](crate::v2::Header)
/// (re-encoded with its CRC32C recomputed) and [`Header`](crate::Header).
///
/// The length is known before writing, and nothing is written on error.
///
/// ```
/// use proxy_wire::{v1, Encode};
///
/// let header = v1::Header::from_socket_addrs("192.0.2.1:1000".parse().unwrap(), "192.0.2.2:80".parse().unwrap());
/// let mut buf = [0u8; 64];
/// let n = header.encode(&mut buf).unwrap();
/// assert_eq!(n, header.encoded_len());
/// assert_eq!(&buf[..n], b"PROXY TCP4 192.0.2.1 192.0.2.2 1000 80\r\n");
/// ```
pub trait Encode {
    /// The exact number of bytes [`Encode::encode`] writes.
    ///
    /// ```
    /// use proxy_wire::{v1, v2, Encode};
    ///
    /// // A v1 line is text, so its length depends on the addresses; size the buffer exactly.
    /// let header = v1::Header::from_socket_addrs("192.0.2.1:1000".parse()?, "192.0.2.2:80".parse()?);
    /// assert_eq!(header.encoded_len(), "PROXY TCP4 192.0.2.1 192.0.2.2 1000 80\r\n".len());
    /// let mut buf = vec![0u8; header.encoded_len()];
    /// assert_eq!(header.encode(&mut buf)?, buf.len());
    ///
    /// // A v2 header without addresses or TLVs is the 16-byte fixed part.
    /// assert_eq!(v2::Builder::local().encoded_len(), v2::V2_HEADER_LEN);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    fn encoded_len(&self) -> usize;

    /// Writes the header at the start of `out` and returns the bytes written.
    ///
    /// # Errors
    /// [`EncodeError::BufferTooSmall`] if `out` is shorter than [`Encode::encoded_len`], or
    /// the reason the header cannot be encoded. Nothing is written then.
    ///
    /// ```
    /// use proxy_wire::{v2, Encode, EncodeError};
    ///
    /// let header = v2::Builder::local();
    /// // Too small: an error, and the buffer is left as it was.
    /// let mut small = [0u8; 4];
    /// assert_eq!(
    ///     header.encode(&mut small),
    ///     Err(EncodeError::BufferTooSmall { needed: 16, available: 4 })
    /// );
    /// assert_eq!(small, [0; 4]);
    ///
    /// // Room to spare: the header goes at the start, the rest is untouched.
    /// let mut buf = [0u8; 32];
    /// let n = header.encode(&mut buf)?;
    /// assert_eq!(n, 16);
    /// assert!(buf.starts_with(&v2::SIGNATURE));
    /// assert_eq!(v2::parse(&buf[..n])?.complete().map(|(h, _)| h.command()), Some(v2::Command::Local));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    fn encode(&self, out: &mut [u8]) -> Result<usize, EncodeError>;

    /// Writes one datagram into `out`: the header, then `payload` (a header is never split
    /// from its datagram, so there is no streaming form). Returns the datagram's length.
    /// Only a header that describes a datagram may be sent: a v2 PROXY header for DGRAM, or
    /// v2 LOCAL, or v2 UNSPEC, as [`ParserConfig::parse_datagram`](crate::ParserConfig::parse_datagram)
    /// accepts.
    ///
    /// # Errors
    /// [`EncodeError::BufferTooSmall`] if `out` cannot hold header and payload,
    /// [`EncodeError::WrongTransport`] for a v1 header or a v2 one for STREAM, or the reason
    /// the header cannot be encoded. Nothing is written then.
    ///
    /// ```
    /// use proxy_wire::{v2, Encode, EncodeError, ParserConfig};
    ///
    /// let (client, server) = ("192.0.2.1:5000".parse()?, "192.0.2.2:53".parse()?);
    /// let header = v2::Builder::proxy(v2::Protocol::Dgram, (client, server));
    /// let mut datagram = [0u8; 1500];
    /// let n = header.encode_datagram(b"query", &mut datagram)?;
    /// let (parsed, payload) = ParserConfig::new().parse_datagram(&datagram[..n])?;
    /// assert_eq!((parsed.source(), payload), (Some(client), &b"query"[..]));
    ///
    /// let stream = v2::Builder::proxy(v2::Protocol::Stream, (client, server));
    /// assert_eq!(
    ///     stream.encode_datagram(b"query", &mut datagram),
    ///     Err(EncodeError::WrongTransport { version: 2 })
    /// );
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    fn encode_datagram(&self, payload: &[u8], out: &mut [u8]) -> Result<usize, EncodeError> {
        let len = self.encoded_len();
        let needed = len.saturating_add(payload.len());
        if out.len() < needed {
            return Err(EncodeError::BufferTooSmall {
                needed,
                available: out.len(),
            });
        }
        let (head, tail) = out.split_at_mut(len);
        let n = self.encode(head)?;
        if let Some(version) = stream_version(&head[..n]) {
            head[..n].fill(0); // nothing written on error
            return Err(EncodeError::WrongTransport { version });
        }
        tail[..payload.len()].copy_from_slice(payload);
        Ok(n + payload.len())
    }

    /// Writes the header into a [`bytes::BufMut`] and returns the bytes written. Checks
    /// `remaining_mut()` first, so it never panics.
    ///
    /// # Errors
    /// [`EncodeError::BufferTooSmall`] if the buffer has less room than the header, or the
    /// reason the header cannot be encoded. Nothing is written then.
    ///
    /// ```
    /// use proxy_wire::{v2, Encode};
    ///
    /// let mut buf = bytes::BytesMut::new();
    /// let n = v2::Builder::local().encode_to_buf(&mut buf).unwrap();
    /// assert_eq!(buf.len(), n);
    /// ```
    #[cfg(feature = "bytes")]
    #[cfg_attr(docsrs, doc(cfg(feature = "bytes")))]
    fn encode_to_buf<B: bytes::BufMut + ?Sized>(&self, buf: &mut B) -> Result<usize, EncodeError> {
        let needed = self.encoded_len();
        let available = buf.remaining_mut();
        if available < needed {
            return Err(EncodeError::BufferTooSmall { needed, available });
        }
        with_encoded(self, needed, |bytes| buf.put_slice(bytes))
    }

    /// Writes the header to `w` with a single `write_all`, as the specification asks (the
    /// header goes out at once, before any data). Returns the bytes written.
    ///
    /// # Errors
    /// The writer's error, or an [`InvalidInput`](std::io::ErrorKind::InvalidInput) error
    /// holding the [`EncodeError`].
    ///
    /// ```
    /// use proxy_wire::{v1, Encode};
    ///
    /// let mut out = Vec::new();
    /// v1::Header::Unknown.write_to(&mut out).unwrap();
    /// assert_eq!(out, b"PROXY UNKNOWN\r\n");
    /// ```
    #[cfg(feature = "std")]
    #[cfg_attr(docsrs, doc(cfg(feature = "std")))]
    fn write_to<W: std::io::Write + ?Sized>(&self, w: &mut W) -> std::io::Result<usize> {
        let needed = self.encoded_len();
        let mut result = Ok(());
        let n = with_encoded(self, needed, |bytes| result = w.write_all(bytes))?;
        result.map(|()| n)
    }
}

/// The version of an encoded header that describes a stream (v1, or a v2 PROXY header for
/// STREAM), `None` for one that can describe a datagram. Checked against `parse_datagram`
/// in tests/protocol.rs (`datagram_encoder_agrees_with_parse_datagram`).
fn stream_version(header: &[u8]) -> Option<u8> {
    match header {
        [b'P', ..] => Some(1),
        // Byte 12: version and command (PROXY = 1); byte 13: family and protocol (STREAM = 1).
        [_, _, _, _, _, _, _, _, _, _, _, _, ver_cmd, fam_proto, ..]
            if ver_cmd & 0x0F == 1 && fam_proto & 0x0F == 1 =>
        {
            Some(2)
        }
        _ => None,
    }
}

/// Encodes into a stack buffer (or, for a header over 128 bytes, a heap one) and hands the
/// bytes to `f`.
#[cfg(any(feature = "bytes", feature = "std"))] // its only callers
fn with_encoded<E: Encode + ?Sized>(
    header: &E,
    len: usize,
    f: impl FnOnce(&[u8]),
) -> Result<usize, EncodeError> {
    let mut stack = [0u8; 128];
    let mut heap;
    let buf: &mut [u8] = if len <= stack.len() {
        &mut stack
    } else {
        heap = alloc::vec![0u8; len];
        &mut heap
    };
    let n = header.encode(buf)?;
    f(&buf[..n]);
    Ok(n)
}
