//! The `Encode` sinks beyond `&mut [u8]`: one `write_all` into `io::Write` (feature `std`) and
//! a panic-free `BufMut` (feature `bytes`).
#![cfg(feature = "std")]

use std::io::{self, Write};
use std::net::SocketAddr;

use proxy_wire::v2::{self, Protocol, TlvSpec};
use proxy_wire::{v1, Encode};

/// Records every `write` call so the test can see the header leave in one piece.
#[derive(Default)]
struct Recorder {
    calls: Vec<Vec<u8>>,
}

impl Write for Recorder {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.calls.push(buf.to_vec());
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

fn addrs() -> (SocketAddr, SocketAddr) {
    (
        "192.0.2.1:56324".parse().unwrap(),
        "198.51.100.2:443".parse().unwrap(),
    )
}

fn one_write(header: &dyn EncodeDyn) {
    let mut w = Recorder::default();
    let n = header.write(&mut w).unwrap();
    assert_eq!(w.calls.len(), 1, "one write for the whole header");
    assert_eq!(w.calls[0].len(), n);
    let (_, consumed) = proxy_wire::parse(&w.calls[0]).unwrap().complete().unwrap();
    assert_eq!(consumed, n);
}

/// `Encode::write_to` is generic; this makes the cases a list.
trait EncodeDyn {
    fn write(&self, w: &mut Recorder) -> io::Result<usize>;
}
impl<E: Encode> EncodeDyn for E {
    fn write(&self, w: &mut Recorder) -> io::Result<usize> {
        self.write_to(w)
    }
}

#[test]
fn write_to_sends_the_whole_header_in_one_write() {
    let (src, dst) = addrs();
    let small = [TlvSpec::Alpn(b"h2")];
    let big = [TlvSpec::Alpn(b"h2"), TlvSpec::Noop(600)]; // over the 512-byte stack buffer
    one_write(
        &v2::Builder::proxy(Protocol::Stream, (src, dst))
            .tlvs(&small)
            .crc32c(true),
    );
    one_write(
        &v2::Builder::proxy(Protocol::Stream, (src, dst))
            .tlvs(&big)
            .crc32c(true),
    );
    one_write(&v1::Header::from_socket_addrs(src, dst));
    one_write(&v1::Header::Unknown);
}

#[test]
fn write_to_reports_encode_errors_as_invalid_input_and_writes_nothing() {
    let id = [0u8; 129];
    let tlvs = [TlvSpec::UniqueId(&id)];
    let b = v2::Builder::local().tlvs(&tlvs);
    let mut w = Recorder::default();
    let err = b.write_to(&mut w).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
    let cause = std::error::Error::source(&err).expect("the encode error is the source");
    assert!(
        cause.to_string().contains("UNIQUE_ID of 129 bytes"),
        "{cause}"
    );
    assert_eq!(
        cause.downcast_ref::<proxy_wire::EncodeError>(),
        Some(&proxy_wire::EncodeError::UniqueIdTooLong { len: 129 })
    );
    assert!(w.calls.is_empty());
}

#[cfg(feature = "bytes")]
#[test]
fn encode_to_buf_checks_room_first_and_never_panics() {
    use proxy_wire::EncodeError;
    let (src, dst) = addrs();
    let b = v2::Builder::proxy(Protocol::Stream, (src, dst)).crc32c(true);
    // a growable buffer
    let mut grow = bytes::BytesMut::new();
    assert_eq!(b.encode_to_buf(&mut grow), Ok(35));
    assert!(proxy_wire::parse(&grow).unwrap().is_complete());
    // a fixed slice with too little room: an error, and nothing written
    let mut storage = [0xEEu8; 20];
    let mut slice: &mut [u8] = &mut storage;
    assert_eq!(
        b.encode_to_buf(&mut slice),
        Err(EncodeError::BufferTooSmall {
            needed: 35,
            available: 20
        })
    );
    assert!(storage.iter().all(|&x| x == 0xEE));
    // exactly enough room
    let mut storage = [0u8; 35];
    let mut slice: &mut [u8] = &mut storage;
    assert_eq!(b.encode_to_buf(&mut slice), Ok(35));
    assert_eq!(&storage[..], &grow[..]);
}
