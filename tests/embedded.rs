//! `proxy_wire::embedded`: a header read off a scripted `embedded-io` / `embedded-io-async`
//! reader that gives 1-byte or seeded random chunks (and, async, is pending before each read)
//! is the header `parse` gives, and the application's bytes stay in the reader.

mod common;

use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

use common::{hex, outcome, vectors, Outcome};
use proxy_wire::embedded::{read_header, read_header_async, ReadError};
use proxy_wire::v2::{Command, Protocol};
use proxy_wire::{parse, v1, v2, ArrayHeader, Encode, Header, ParseError, ParserConfig};

/// The application's bytes after every header.
const APP: &[u8] = b"GET / HTTP/1.1\r\nHost: example.com\r\n\r\n";

/// The reader's own error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Broken;

impl std::fmt::Display for Broken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("broken reader")
    }
}

impl std::error::Error for Broken {}

impl embedded_io::Error for Broken {
    fn kind(&self) -> embedded_io::ErrorKind {
        embedded_io::ErrorKind::ConnectionReset
    }
}

/// How a scripted reader cuts its bytes.
#[derive(Debug, Clone, Copy)]
enum Chunks {
    /// One byte per read.
    One,
    /// 1 to `max` bytes per read, drawn from a seeded xorshift.
    Random { seed: u64, max: usize },
}

/// A reader over `data` that gives at most one chunk per read, fails with [`Broken`] once it
/// reaches `fail_at`.
#[derive(Clone)]
struct Scripted {
    data: Vec<u8>,
    pos: usize,
    chunks: Chunks,
    state: u64,
    fail_at: Option<usize>,
}

impl Scripted {
    fn new(data: &[u8], chunks: Chunks) -> Self {
        let state = match chunks {
            Chunks::One => 1,
            Chunks::Random { seed, .. } => seed | 1,
        };
        Self {
            data: data.to_vec(),
            pos: 0,
            chunks,
            state,
            fail_at: None,
        }
    }

    fn failing_at(mut self, at: usize) -> Self {
        self.fail_at = Some(at);
        self
    }

    /// What the reader has not given yet.
    fn rest(&self) -> &[u8] {
        &self.data[self.pos..]
    }

    fn next_chunk(&mut self) -> usize {
        match self.chunks {
            Chunks::One => 1,
            Chunks::Random { max, .. } => {
                let x = &mut self.state;
                *x ^= *x << 13;
                *x ^= *x >> 7;
                *x ^= *x << 17;
                1 + (*x % max as u64) as usize
            }
        }
    }

    fn read_now(&mut self, buf: &mut [u8]) -> Result<usize, Broken> {
        if self.fail_at.is_some_and(|at| self.pos >= at) {
            return Err(Broken);
        }
        let mut n = self.next_chunk().min(buf.len()).min(self.rest().len());
        if let Some(at) = self.fail_at {
            n = n.min(at - self.pos);
        }
        buf[..n].copy_from_slice(&self.data[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

impl embedded_io::ErrorType for Scripted {
    type Error = Broken;
}

impl embedded_io::Read for Scripted {
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, Broken> {
        self.read_now(buf)
    }
}

impl embedded_io_async::Read for Scripted {
    async fn read(&mut self, buf: &mut [u8]) -> Result<usize, Broken> {
        Pending::default().await;
        self.read_now(buf)
    }
}

/// Pending once (waking itself), then ready: every async read suspends the reader's caller.
#[derive(Default)]
struct Pending(bool);

impl Future for Pending {
    type Output = ();
    fn poll(mut self: std::pin::Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0 {
            return Poll::Ready(());
        }
        self.0 = true;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

fn block_on<F: Future>(future: F) -> F::Output {
    struct Noop;
    impl Wake for Noop {
        fn wake(self: Arc<Self>) {}
    }
    let waker = Waker::from(Arc::new(Noop));
    let mut cx = Context::from_waker(&waker);
    let mut future = pin!(future);
    loop {
        if let Poll::Ready(out) = future.as_mut().poll(&mut cx) {
            return out;
        }
    }
}

/// What one read gave, owned so that blocking and async results compare: the header's bytes
/// (its length) and the header re-parsed from them, or the error.
type Got = Result<Vec<u8>, ReadError<Broken>>;

/// Reads a header off `reader` both ways (on two copies); checks that they agree and returns
/// the result and the reader's rest.
fn read_both(reader: Scripted, buf_len: usize, config: &ParserConfig) -> (Got, Vec<u8>) {
    let (mut blocking, mut asynch) = (reader.clone(), reader);

    let mut buf = vec![0u8; buf_len];
    let got: Got = read_header(&mut blocking, &mut buf, config).map(check_header);
    let mut buf = vec![0u8; buf_len];
    let got_async: Got =
        block_on(read_header_async(&mut asynch, &mut buf, config)).map(check_header);
    assert_eq!(got, got_async, "blocking and async disagree");
    assert_eq!(
        blocking.rest(),
        asynch.rest(),
        "blocking and async read differently"
    );
    (got, blocking.rest().to_vec())
}

/// The header returned is the one its bytes parse as, and an `ArrayHeader` keeps it; its
/// bytes, owned.
fn check_header((header, bytes): (Header<'_>, &[u8])) -> Vec<u8> {
    let (parsed, consumed) = parse(bytes).unwrap().complete().unwrap();
    assert_eq!((header, consumed), (parsed, bytes.len()));
    if bytes.len() <= 1024 {
        let kept = ArrayHeader::<1024>::new(bytes).unwrap();
        assert_eq!(kept.header(), header);
    }
    bytes.to_vec()
}

fn chunkings() -> Vec<Chunks> {
    let mut all = vec![Chunks::One];
    for seed in 1..=6u64 {
        for max in [2, 7, 64] {
            all.push(Chunks::Random {
                seed: seed.wrapping_mul(0x9e37_79b9_7f4a_7c15),
                max,
            });
        }
    }
    all
}

/// A v2 PROXY header for DGRAM read off a stream is refused, as the `std` readers do.
fn is_dgram(header: &Header<'_>) -> bool {
    matches!(header, Header::V2(h) if h.command() == Command::Proxy && h.protocol() == Protocol::Dgram)
}

/// Every vector of tests/data, followed by application bytes, read in every chunking: the
/// header and its length are `parse`'s, the reader is left right after the header; an invalid
/// one is `parse`'s error and a truncated one is the end of the stream.
#[test]
fn public_vectors_in_every_chunking() {
    let config = ParserConfig::new();
    let (mut complete, mut errors, mut truncated) = (0, 0, 0);
    for case in vectors() {
        let id = case["id"].as_str().unwrap_or("?").to_owned();
        let vector = hex(&case["hex"]);
        let input = [&vector[..], APP].concat();
        for chunks in chunkings() {
            let (got, rest) = read_both(Scripted::new(&input, chunks), 65_551, &config);
            match outcome(&vector) {
                Outcome::Ok(header, consumed) if is_dgram(&header) => {
                    assert_eq!(
                        got,
                        Err(ReadError::Parse(ParseError::WrongTransport {
                            version: 2,
                            in_datagram: false
                        })),
                        "{id}"
                    );
                    assert!(rest.len() >= input.len() - consumed, "{id}");
                }
                Outcome::Ok(_, consumed) => {
                    assert_eq!(got.as_deref(), Ok(&vector[..consumed]), "{id} {chunks:?}");
                    assert_eq!(rest, &input[consumed..], "{id} {chunks:?}");
                    complete += 1;
                }
                Outcome::Error(e) => {
                    // Found on the first prefix that cannot start a header, as `parse` finds
                    // it on the whole input.
                    assert_eq!(got, Err(ReadError::Parse(e)), "{id} {chunks:?}");
                    let seen = input.len() - rest.len();
                    assert_eq!(parse(&input[..seen]), Err(e), "{id} {chunks:?}");
                    errors += 1;
                }
                Outcome::Incomplete(_) => {
                    // A strict prefix of a header, and then the end of the stream.
                    let (got, rest) = read_both(Scripted::new(&vector, chunks), 65_551, &config);
                    assert_eq!(got, Err(ReadError::Eof { read: vector.len() }), "{id}");
                    assert!(rest.is_empty());
                    truncated += 1;
                }
            }
        }
    }
    eprintln!("{complete} complete, {errors} invalid, {truncated} truncated vector readings");
    assert!(
        complete > 100 && errors > 100,
        "{complete} {errors} {truncated}"
    );
}

fn headers() -> Vec<Vec<u8>> {
    let src4: std::net::SocketAddr = "192.0.2.1:56324".parse().unwrap();
    let dst4: std::net::SocketAddr = "198.51.100.2:443".parse().unwrap();
    let src6: std::net::SocketAddr = "[2001:db8::1]:1000".parse().unwrap();
    let dst6: std::net::SocketAddr = "[2001:db8::2]:443".parse().unwrap();
    fn encode(h: &impl Encode) -> Vec<u8> {
        let mut out = vec![0u8; h.encoded_len()];
        let n = h.encode(&mut out).unwrap();
        out.truncate(n);
        out
    }
    let tlvs = [
        v2::TlvSpec::Authority("app.example.com"),
        v2::TlvSpec::UniqueId(b"req-0001"),
    ];
    vec![
        b"PROXY UNKNOWN\r\n".to_vec(),
        b"PROXY UNKNOWN ignored until the CRLF\r\n".to_vec(),
        encode(&v1::Header::from_socket_addrs(src4, dst4)),
        encode(&v1::Header::from_socket_addrs(src6, dst6)),
        b"PROXY TCP6 ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 65535 65535\r\n".to_vec(),
        encode(&v2::Builder::local()),
        encode(&v2::Builder::proxy(Protocol::Stream, (src4, dst4))),
        encode(
            &v2::Builder::proxy(Protocol::Stream, (src6, dst6))
                .tlvs(&tlvs)
                .crc32c(true),
        ),
    ]
}

/// v1 and v2 headers followed by application bytes: the reader is left exactly at them, in
/// every chunking, with a buffer of exactly the header's length too.
#[test]
fn headers_then_application_bytes() {
    for header in headers() {
        let input = [&header[..], APP].concat();
        for chunks in chunkings() {
            for buf_len in [header.len(), 107.max(header.len()), 4096] {
                let (got, rest) =
                    read_both(Scripted::new(&input, chunks), buf_len, &ParserConfig::new());
                assert_eq!(got.as_deref(), Ok(&header[..]), "{chunks:?} {buf_len}");
                assert_eq!(rest, APP, "{chunks:?}");
            }
        }
        // A header alone, then the end of the stream: complete, nothing more asked for.
        let (got, rest) = read_both(
            Scripted::new(&header, Chunks::One),
            256,
            &ParserConfig::new(),
        );
        assert_eq!(got.as_deref(), Ok(&header[..]));
        assert!(rest.is_empty());
    }
}

/// The stream ends inside the header: `Eof` with the bytes read, for every cut.
#[test]
fn eof_inside_the_header() {
    for header in headers() {
        for cut in 0..header.len() {
            for chunks in [
                Chunks::One,
                Chunks::Random {
                    seed: cut as u64,
                    max: 9,
                },
            ] {
                let (got, rest) = read_both(
                    Scripted::new(&header[..cut], chunks),
                    512,
                    &ParserConfig::new(),
                );
                assert_eq!(got, Err(ReadError::Eof { read: cut }), "cut {cut}");
                assert!(rest.is_empty());
            }
        }
    }
}

/// A header longer than the buffer: `BufferTooSmall`, and for v2 found from its length field,
/// before its body is read.
#[test]
fn buffer_too_small() {
    for header in headers() {
        let input = [&header[..], APP].concat();
        for buf_len in [0, 1, 14, header.len() - 1] {
            let (got, rest) = read_both(
                Scripted::new(&input, Chunks::One),
                buf_len,
                &ParserConfig::new(),
            );
            let Err(ReadError::BufferTooSmall { needed, available }) = got else {
                panic!("{buf_len}: {got:?}");
            };
            assert_eq!(available, buf_len);
            assert!(
                needed > buf_len && needed <= header.len(),
                "{needed} {buf_len}"
            );
            // Nothing was read that the buffer could not hold.
            assert!(input.len() - rest.len() <= buf_len);
            if header[0] == b'\r' && buf_len >= 16 {
                assert_eq!(needed, header.len(), "exact for v2");
                assert_eq!(input.len() - rest.len(), 16, "only the fixed part was read");
            }
        }
    }
}

/// Invalid headers: the `ParseError`, as `parse` gives it, and the application's bytes
/// after a refused version are not read.
#[test]
fn invalid_headers() {
    let cases: [(&[u8], ParseError); 4] = [
        (
            b"GET / HTTP/1.1\r\n",
            ParseError::NotProxyHeader {
                offset: 0,
                byte: b'G',
            },
        ),
        (
            b"PROXY TCP4 192.0.2.256 192.0.2.2 1 2\r\n",
            parse(b"PROXY TCP4 192.0.2.256 192.0.2.2 1 2\r\n").unwrap_err(),
        ),
        (
            b"\r\n\r\n\0\r\nQUIT\n\x11\x11\x00\x0c",
            ParseError::UnsupportedVersion { version: 1 },
        ),
        (
            b"\r\n\r\n\0\r\nQUIT\n\x21\x12\x00\x0c\xc0\x00\x02\x01\xc6\x33\x64\x02\xdc\x04\x01\xbb",
            ParseError::WrongTransport {
                version: 2,
                in_datagram: false,
            },
        ),
    ];
    for (bytes, want) in cases {
        let input = [bytes, APP].concat();
        for chunks in chunkings() {
            let (got, _) = read_both(Scripted::new(&input, chunks), 256, &ParserConfig::new());
            assert_eq!(got, Err(ReadError::Parse(want)), "{chunks:?}");
        }
    }

    // A version the configuration refuses, and a v2 header over its limit: known from the
    // first bytes and the fixed part, so the rest stays unread.
    let v1_off = ParserConfig::new().accept_v1(false);
    let input = [&b"PROXY UNKNOWN\r\n"[..], APP].concat();
    let (got, rest) = read_both(Scripted::new(&input, Chunks::One), 256, &v1_off);
    assert_eq!(
        got,
        Err(ReadError::Parse(ParseError::VersionDisabled { version: 1 }))
    );
    assert!(rest.ends_with(APP));
    let small = ParserConfig::new().max_v2_header_len(64);
    let input = [&b"\r\n\r\n\0\r\nQUIT\n\x21\x11\x00\xc8"[..], APP].concat();
    let (got, rest) = read_both(Scripted::new(&input, Chunks::One), 1024, &small);
    assert_eq!(
        got,
        Err(ReadError::Parse(ParseError::V2TooLong {
            size: 216,
            limit: 64
        }))
    );
    assert_eq!(rest, APP);
}

/// The reader's error comes back as it was, wherever it happens.
#[test]
fn reader_errors_pass_through() {
    for header in headers() {
        let input = [&header[..], APP].concat();
        for at in 0..header.len() {
            for chunks in [
                Chunks::One,
                Chunks::Random {
                    seed: at as u64 + 1,
                    max: 13,
                },
            ] {
                let reader = Scripted::new(&input, chunks).failing_at(at);
                let (got, _) = read_both(reader, 512, &ParserConfig::new());
                assert_eq!(got, Err(ReadError::Io(Broken)), "at {at}");
            }
        }
        // Failing only past the header: never reached.
        let reader = Scripted::new(&input, Chunks::One).failing_at(header.len());
        let (got, rest) = read_both(reader, 512, &ParserConfig::new());
        assert_eq!(got.as_deref(), Ok(&header[..]));
        assert_eq!(rest, APP);
    }
}

/// The error type: displays and sources.
#[test]
fn read_error_display_and_source() {
    use std::error::Error as _;
    let io: ReadError<Broken> = ReadError::Io(Broken);
    assert_eq!(io.to_string(), "broken reader");
    let parse_err: ReadError<Broken> = ReadError::Parse(ParseError::V1TooLong);
    assert_eq!(parse_err.to_string(), ParseError::V1TooLong.to_string());
    let small: ReadError<Broken> = ReadError::BufferTooSmall {
        needed: 216,
        available: 128,
    };
    assert_eq!(
        small.to_string(),
        "a PROXY header of at least 216 bytes does not fit in a buffer of 128"
    );
    assert!(small.source().is_none());
}
