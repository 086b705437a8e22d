//! The tokio adapters and acceptor on loopback, and a load test: 2,000 connections, 200 at
//! once, each with a header and a random payload verified by hash, while slow-loris clients
//! (one byte every 100 ms) hold connections open until their header timeout.
#![cfg(feature = "tokio")]

use std::error::Error as _;
use std::io::ErrorKind;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use proxy_wire::io::tokio::{connect_with_header, peel_tcp, read_header, write_header, Acceptor};
use proxy_wire::io::{AcceptorConfig, HeaderPolicy, RejectReason};
use proxy_wire::{v1, v2, Encode, OwnedHeader, ParseError, ParserConfig};
use sha2::{Digest, Sha256};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::{sleep, timeout, Instant};

const T: Duration = Duration::from_secs(10);
const DEFAULT: ParserConfig = ParserConfig::new();

/// The exact peel with the default parser options.
async fn peel(stream: &TcpStream, timeout: Option<Duration>) -> std::io::Result<OwnedHeader> {
    peel_tcp(stream, &DEFAULT, timeout).await
}

fn payload(seed: u64, len: usize) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

fn sha(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

async fn pair() -> (TcpStream, TcpStream) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let client = TcpStream::connect(listener.local_addr().unwrap())
        .await
        .unwrap();
    let (server, _) = listener.accept().await.unwrap();
    client.set_nodelay(true).unwrap();
    (client, server)
}

fn v2_header(src: SocketAddr, dst: SocketAddr) -> Vec<u8> {
    let tlvs = [
        v2::TlvSpec::Authority("load.example"),
        v2::TlvSpec::Noop(250),
    ];
    let mut out = Vec::new();
    v2::Builder::proxy(v2::Protocol::Stream, (src, dst))
        .tlvs(&tlvs)
        .crc32c(true)
        .write_to(&mut out)
        .unwrap();
    out
}

#[tokio::test]
async fn peel_tcp_one_byte_writes_then_data() {
    let src: SocketAddr = "192.0.2.1:1000".parse().unwrap();
    let dst: SocketAddr = "192.0.2.2:80".parse().unwrap();
    let mut v1_line = Vec::new();
    v1::Header::from_socket_addrs(src, dst)
        .write_to(&mut v1_line)
        .unwrap();
    for header in [v1_line, v2_header(src, dst)] {
        let (mut client, mut server) = pair().await;
        let data = payload(1, 30_000);
        let (h, d) = (header.clone(), data.clone());
        let writer = tokio::spawn(async move {
            for b in h {
                client.write_all(&[b]).await.unwrap();
                sleep(Duration::from_millis(1)).await;
            }
            client.write_all(&d).await.unwrap();
            client.shutdown().await.unwrap();
        });
        let got = peel(&server, Some(T)).await.unwrap();
        assert_eq!(got.as_bytes(), &header[..]);
        assert_eq!(got.header().source(), Some(src));
        let mut rest = Vec::new();
        server.read_to_end(&mut rest).await.unwrap();
        assert_eq!(sha(&rest), sha(&data));
        writer.await.unwrap();
    }
}

#[tokio::test]
async fn peel_tcp_errors() {
    let (mut client, server) = pair().await;
    client.write_all(b"SSH-2.0-OpenSSH\r\n").await.unwrap();
    let err = peel(&server, Some(T)).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidData);
    assert!(err.source().unwrap().downcast_ref::<ParseError>().is_some());

    let (mut client, server) = pair().await;
    client.write_all(b"PROXY TCP4 192.0.2.1 ").await.unwrap();
    let err = peel(&server, Some(Duration::from_millis(100)))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::TimedOut);

    let (mut client, server) = pair().await;
    client
        .write_all(b"\r\n\r\n\0\r\nQUIT\n\x21\x11\x00\x0c\x01")
        .await
        .unwrap();
    client.shutdown().await.unwrap();
    let err = peel(&server, Some(T)).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::UnexpectedEof);
}

#[tokio::test]
async fn generic_read_and_peeled_async_traits() {
    let input: Vec<u8> = [&b"PROXY UNKNOWN\r\nfirst line\nsecond"[..]].concat();
    let (header, mut stream) = read_header(BufReader::new(&input[..]), &DEFAULT)
        .await
        .unwrap();
    assert_eq!(header.header().version(), 1);
    let mut line = String::new();
    stream.read_line(&mut line).await.unwrap();
    assert_eq!(line, "first line\n");
    let mut rest = String::new();
    stream.read_to_string(&mut rest).await.unwrap();
    assert_eq!(rest, "second");

    // Write through a Peeled goes to the inner stream.
    let (mut client, server) = pair().await;
    client.write_all(b"PROXY UNKNOWN\r\nhi").await.unwrap();
    let (_, mut stream) = read_header(server, &DEFAULT).await.unwrap();
    stream.write_all(b"back").await.unwrap();
    stream.flush().await.unwrap();
    let mut two = [0u8; 2];
    stream.read_exact(&mut two).await.unwrap();
    assert_eq!(&two, b"hi");
    let mut back = [0u8; 4];
    client.read_exact(&mut back).await.unwrap();
    assert_eq!(&back, b"back");

    let mut short: &[u8] = b"\r\n\r\n\0\r\nQUIT";
    assert_eq!(
        read_header(&mut short, &DEFAULT).await.unwrap_err().kind(),
        ErrorKind::UnexpectedEof
    );
}

/// A UDP header on a TCP connection: refused per connection (its addresses are another
/// flow's), by the exact peel and by the acceptor, which keeps serving.
#[tokio::test]
async fn dgram_header_on_a_stream_is_refused() {
    let src: SocketAddr = "192.0.2.1:5000".parse().unwrap();
    let dst: SocketAddr = "192.0.2.2:53".parse().unwrap();
    let mut udp = Vec::new();
    v2::Builder::proxy(v2::Protocol::Dgram, (src, dst))
        .write_to(&mut udp)
        .unwrap();
    let want = ParseError::WrongTransport {
        version: 2,
        in_datagram: false,
    };
    let (mut client, server) = pair().await;
    client.write_all(&udp).await.unwrap();
    let err = peel(&server, Some(T)).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidData);
    assert_eq!(
        err.source().and_then(|e| e.downcast_ref::<ParseError>()),
        Some(&want)
    );
    let err = read_header(&udp[..], &DEFAULT).await.unwrap_err();
    assert_eq!(
        err.source().and_then(|e| e.downcast_ref::<ParseError>()),
        Some(&want)
    );

    let mut acc = Acceptor::bind("127.0.0.1:0", AcceptorConfig::new())
        .await
        .unwrap();
    let addr = acc.local_addr().unwrap();
    let mut bad = TcpStream::connect(addr).await.unwrap();
    bad.write_all(&udp).await.unwrap();
    let err = timeout(T, acc.accept()).await.unwrap().unwrap_err();
    assert_eq!(err.reason(), RejectReason::Invalid(want));
    assert_eq!(err.peer_addr(), Some(bad.local_addr().unwrap()));
    let _ok = connect_with_header(addr, &v2::Builder::proxy(v2::Protocol::Stream, (src, dst)))
        .await
        .unwrap();
    let conn = timeout(T, acc.accept()).await.unwrap().unwrap();
    assert_eq!((conn.source(), conn.destination()), (src, dst));
}

#[tokio::test]
async fn acceptor_policies_and_real_addresses() {
    let config = AcceptorConfig::new()
        .trust("127.0.0.2".parse().unwrap())
        .untrusted_policy(HeaderPolicy::Skip)
        .header_timeout(Duration::from_millis(300));
    let mut acc = Acceptor::bind("127.0.0.1:0", config).await.unwrap();
    let addr = acc.local_addr().unwrap();
    // From 127.0.0.1 (untrusted here): served as plain, header left in the data.
    let mut c = connect_with_header(addr, &v1::Header::Unknown)
        .await
        .unwrap();
    c.shutdown().await.unwrap();
    let mut conn = timeout(T, acc.accept()).await.unwrap().unwrap();
    assert!(conn.header().is_none());
    assert_eq!(conn.source(), c.local_addr().unwrap());
    assert_eq!(conn.destination(), addr);
    let mut data = Vec::new();
    conn.stream_mut().read_to_end(&mut data).await.unwrap();
    assert_eq!(data, b"PROXY UNKNOWN\r\n");

    let config = AcceptorConfig::new().header_timeout(Duration::from_millis(300));
    let mut acc = Acceptor::bind("127.0.0.1:0", config).await.unwrap();
    let addr = acc.local_addr().unwrap();
    let c = connect_with_header(addr, &v2::Builder::local())
        .await
        .unwrap();
    let conn = timeout(T, acc.accept()).await.unwrap().unwrap();
    assert_eq!(conn.header().and_then(|h| h.source()), None);
    assert_eq!(
        (conn.source(), conn.destination()),
        (c.local_addr().unwrap(), addr)
    );

    let mut bad = TcpStream::connect(addr).await.unwrap();
    bad.write_all(b"hello there\r\n").await.unwrap();
    let err = timeout(T, acc.accept()).await.unwrap().unwrap_err();
    assert!(matches!(
        err.reason(),
        RejectReason::Invalid(ParseError::NotProxyHeader { offset: 0, .. })
    ));
    assert_eq!(err.peer_addr(), Some(bad.local_addr().unwrap()));
    let mut buf = [0u8; 1];
    assert!(matches!(bad.read(&mut buf).await, Ok(0) | Err(_)), "closed");

    let _silent = TcpStream::connect(addr).await.unwrap();
    let err = timeout(T, acc.accept()).await.unwrap().unwrap_err();
    assert_eq!(err.reason(), RejectReason::TimedOut);
}

/// The policies that look at the first bytes: the async detection takes nothing off the
/// socket, waits for a signature that comes in pieces, and times out on a stalled one.
#[tokio::test]
async fn acceptor_optional_and_refuse_policies_look_first() {
    let optional = AcceptorConfig::new()
        .trusted_policy(HeaderPolicy::OptionalSpoofable)
        .header_timeout(Duration::from_millis(400));
    let mut acc = Acceptor::bind("127.0.0.1:0", optional).await.unwrap();
    let addr = acc.local_addr().unwrap();

    // "PRO", a pause, then the rest of the line and data: read as a header.
    let mut c = TcpStream::connect(addr).await.unwrap();
    c.set_nodelay(true).unwrap();
    c.write_all(b"PRO").await.unwrap();
    sleep(Duration::from_millis(60)).await;
    c.write_all(b"XY TCP4 192.0.2.9 192.0.2.8 9 8\r\nafter")
        .await
        .unwrap();
    c.shutdown().await.unwrap();
    let mut conn = timeout(T, acc.accept()).await.unwrap().unwrap();
    assert_eq!(conn.source(), "192.0.2.9:9".parse().unwrap());
    let mut data = Vec::new();
    conn.stream_mut().read_to_end(&mut data).await.unwrap();
    assert_eq!(data, b"after");

    // No header: every byte is left for the application.
    let mut c = TcpStream::connect(addr).await.unwrap();
    c.write_all(b"POST / HTTP/1.1\r\n\r\n").await.unwrap();
    c.shutdown().await.unwrap();
    let mut conn = timeout(T, acc.accept()).await.unwrap().unwrap();
    assert!(conn.header().is_none());
    assert_eq!(conn.source(), c.local_addr().unwrap());
    let mut data = Vec::new();
    conn.stream_mut().read_to_end(&mut data).await.unwrap();
    assert_eq!(data, b"POST / HTTP/1.1\r\n\r\n");

    // Silent: passed on without a header once the timeout ends (server speaks first).
    let _silent = TcpStream::connect(addr).await.unwrap();
    let conn = timeout(T, acc.accept()).await.unwrap().unwrap();
    assert!(conn.header().is_none());

    // A stalled signature prefix is an error once the timeout ends.
    let mut c = TcpStream::connect(addr).await.unwrap();
    c.write_all(b"\r\n\r\n").await.unwrap();
    let err = timeout(T, acc.accept()).await.unwrap().unwrap_err();
    assert_eq!(err.reason(), RejectReason::TimedOut);

    let refuse = AcceptorConfig::new()
        .trusted_policy(HeaderPolicy::Refuse)
        .header_timeout(Duration::from_millis(400));
    let mut acc = Acceptor::bind("127.0.0.1:0", refuse).await.unwrap();
    let addr = acc.local_addr().unwrap();
    let _c = connect_with_header(addr, &v2::Builder::local())
        .await
        .unwrap();
    let err = timeout(T, acc.accept()).await.unwrap().unwrap_err();
    assert_eq!(err.reason(), RejectReason::Refused);
    let mut c = TcpStream::connect(addr).await.unwrap();
    c.write_all(b"PRIVMSG hello").await.unwrap();
    c.shutdown().await.unwrap();
    let mut conn = timeout(T, acc.accept()).await.unwrap().unwrap();
    assert!(conn.header().is_none());
    let mut data = Vec::new();
    conn.stream_mut().read_to_end(&mut data).await.unwrap();
    assert_eq!(data, b"PRIVMSG hello");

    // Reject: closed at once.
    let reject = AcceptorConfig::new().trusted_policy(HeaderPolicy::Reject);
    let mut acc = Acceptor::bind("127.0.0.1:0", reject).await.unwrap();
    let _c = connect_with_header(acc.local_addr().unwrap(), &v1::Header::Unknown)
        .await
        .unwrap();
    let err = timeout(T, acc.accept()).await.unwrap().unwrap_err();
    assert_eq!(err.reason(), RejectReason::Untrusted);
}

const CONNECTIONS: usize = 2000;
const CONCURRENT: usize = 200;
const SLOW_LORIS: usize = 20;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn load_through_the_acceptor_with_slow_loris_clients() {
    timeout(Duration::from_secs(120), load())
        .await
        .expect("load test exceeded 120 s");
}

async fn load() {
    let config = AcceptorConfig::new()
        .header_timeout(Duration::from_secs(2))
        .trust("127.0.0.0/8".parse().unwrap());
    let mut acc = Acceptor::bind("127.0.0.1:0", config).await.unwrap();
    let addr = acc.local_addr().unwrap();
    let timed_out = Arc::new(AtomicUsize::new(0));
    let good_done = Arc::new(AtomicUsize::new(0));
    let other_errors = Arc::new(AtomicUsize::new(0));

    // Server: reply with the SHA-256 of everything received, then the proxied source.
    let server = {
        let (timed_out, other_errors) = (timed_out.clone(), other_errors.clone());
        tokio::spawn(async move {
            loop {
                match acc.accept().await {
                    Ok(mut conn) => {
                        tokio::spawn(async move {
                            let source = conn.source();
                            let stream = conn.stream_mut();
                            let mut hasher = Sha256::new();
                            let mut buf = vec![0u8; 16 * 1024];
                            loop {
                                let n = stream.read(&mut buf).await.unwrap();
                                if n == 0 {
                                    break;
                                }
                                hasher.update(&buf[..n]);
                            }
                            let mut reply = hasher.finalize().to_vec();
                            reply.extend_from_slice(source.to_string().as_bytes());
                            stream.write_all(&reply).await.unwrap();
                            stream.shutdown().await.unwrap();
                        });
                    }
                    Err(e) if e.reason() == RejectReason::TimedOut => {
                        timed_out.fetch_add(1, Ordering::SeqCst);
                    }
                    Err(e) => {
                        eprintln!("unexpected: {e}");
                        other_errors.fetch_add(1, Ordering::SeqCst);
                    }
                }
            }
        })
    };

    // Slow loris: a v1 line at one byte per 100 ms needs 4.5 s, more than the 2 s allowed.
    let slow: Vec<_> = (0..SLOW_LORIS)
        .map(|i| {
            let good_done = good_done.clone();
            tokio::spawn(async move {
                let mut s = TcpStream::connect(addr).await.unwrap();
                s.set_nodelay(true).unwrap();
                let line = format!("PROXY TCP4 192.0.2.{i} 192.0.2.254 {} 80\r\n", 1000 + i);
                let start = Instant::now();
                for b in line.bytes() {
                    if s.write_all(&[b]).await.is_err() {
                        break;
                    }
                    sleep(Duration::from_millis(100)).await;
                    let mut probe = [0u8; 1];
                    // The server closes us when our time is up.
                    if let Ok(Ok(0) | Err(_)) = timeout(Duration::ZERO, s.read(&mut probe)).await {
                        break;
                    }
                }
                let mut probe = [0u8; 1];
                let closed = timeout(T, s.read(&mut probe)).await;
                assert!(
                    matches!(closed, Ok(Ok(0) | Err(_))),
                    "slow client not closed"
                );
                (start.elapsed(), good_done.load(Ordering::SeqCst))
            })
        })
        .collect();
    sleep(Duration::from_millis(50)).await;

    // 200 workers, 10 connections each: 2,000 connections, 200 at once.
    let per_worker = CONNECTIONS / CONCURRENT;
    let workers: Vec<_> = (0..CONCURRENT)
        .map(|w| {
            let good_done = good_done.clone();
            tokio::spawn(async move {
                for k in 0..per_worker {
                    let id = (w * per_worker + k) as u64;
                    let len = (payload(id, 8)[0] as usize * 97 + id as usize * 13) % 40_000;
                    let data = payload(id + 7, len);
                    let src: SocketAddr = format!("198.51.100.{}:{}", id % 250, 1024 + id)
                        .parse()
                        .unwrap();
                    let mut s = if id % 2 == 0 {
                        let h = v1::Header::from_socket_addrs(src, addr);
                        connect_with_header(addr, &h).await.unwrap()
                    } else {
                        let mut s = TcpStream::connect(addr).await.unwrap();
                        // Header and first data in one write.
                        let mut first = v2_header(src, addr);
                        first.extend_from_slice(&data[..data.len().min(100)]);
                        s.write_all(&first).await.unwrap();
                        s.write_all(&data[data.len().min(100)..]).await.unwrap();
                        s.shutdown().await.unwrap();
                        let mut reply = Vec::new();
                        s.read_to_end(&mut reply).await.unwrap();
                        check_reply(&reply, &data, src);
                        good_done.fetch_add(1, Ordering::SeqCst);
                        continue;
                    };
                    s.write_all(&data).await.unwrap();
                    s.shutdown().await.unwrap();
                    let mut reply = Vec::new();
                    s.read_to_end(&mut reply).await.unwrap();
                    check_reply(&reply, &data, src);
                    good_done.fetch_add(1, Ordering::SeqCst);
                }
            })
        })
        .collect();
    for w in workers {
        w.await.unwrap();
    }
    assert_eq!(good_done.load(Ordering::SeqCst), CONNECTIONS);

    for s in slow {
        let (held, good_when_closed) = s.await.unwrap();
        // Closed by the header timeout, not before and not much after.
        assert!(held >= Duration::from_millis(1500), "closed after {held:?}");
        assert!(held < Duration::from_secs(8), "closed after {held:?}");
        // Good connections completed while the slow ones were still pending.
        assert!(
            good_when_closed > 0,
            "no good connection completed before a slow one ended"
        );
    }
    // Every slow client was reported as a per-connection timeout; nothing else failed.
    let deadline = Instant::now() + T;
    while timed_out.load(Ordering::SeqCst) < SLOW_LORIS && Instant::now() < deadline {
        sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(timed_out.load(Ordering::SeqCst), SLOW_LORIS);
    assert_eq!(other_errors.load(Ordering::SeqCst), 0);
    server.abort();
}

fn check_reply(reply: &[u8], data: &[u8], src: SocketAddr) {
    assert!(reply.len() > 32, "short reply");
    assert_eq!(reply[..32], sha(data), "payload hash differs");
    assert_eq!(std::str::from_utf8(&reply[32..]).unwrap(), src.to_string());
}

/// A peeled tokio socket is still that socket: its descriptor, for socket options.
#[cfg(unix)]
#[tokio::test]
async fn peeled_stream_exposes_the_socket_descriptor() {
    use std::os::fd::{AsFd, AsRawFd};
    let (mut client, server) = pair().await;
    client.write_all(b"PROXY UNKNOWN\r\nhi").await.unwrap();
    let fd = server.as_raw_fd();
    let (_, peeled) = read_header(server, &DEFAULT).await.unwrap();
    assert_eq!(peeled.as_raw_fd(), fd);
    let same = std::net::TcpStream::from(peeled.as_fd().try_clone_to_owned().unwrap());
    assert_eq!(same.peer_addr().unwrap(), client.local_addr().unwrap());
}

/// The same typed reasons and validation hook as the blocking acceptor.
#[tokio::test]
async fn acceptor_rejections_are_typed_and_the_hook_decides() {
    let config = AcceptorConfig::new()
        .header_timeout(Duration::from_millis(300))
        .validate(|_, header| header.and_then(|h| h.authority()) != Some("blocked.example"));
    let mut acc = Acceptor::bind("127.0.0.1:0", config).await.unwrap();
    let addr = acc.local_addr().unwrap();

    let mut half = TcpStream::connect(addr).await.unwrap();
    half.write_all(b"\r\n\r\n\0\r\nQUIT\n\x21").await.unwrap();
    half.shutdown().await.unwrap();
    let err = timeout(T, acc.accept()).await.unwrap().unwrap_err();
    assert_eq!(err.reason(), RejectReason::Closed);

    let tlvs = [v2::TlvSpec::Authority("blocked.example")];
    let _blocked = connect_with_header(addr, &v2::Builder::local().tlvs(&tlvs))
        .await
        .unwrap();
    let err = timeout(T, acc.accept()).await.unwrap().unwrap_err();
    assert_eq!(err.reason(), RejectReason::Denied);

    let mut bad = TcpStream::connect(addr).await.unwrap();
    bad.write_all(b"PROXY TCP4 192.0.2.1 192.0.2.2 1 99999\r\n")
        .await
        .unwrap();
    let err = timeout(T, acc.accept()).await.unwrap().unwrap_err();
    let RejectReason::Invalid(parse) = err.reason() else {
        panic!("{err}")
    };
    assert_eq!(parse.category(), "bad-port");
    assert_eq!(
        err.source().and_then(|e| e.downcast_ref::<ParseError>()),
        Some(&parse)
    );

    let tlvs = [v2::TlvSpec::Authority("ok.example")];
    let _ok = connect_with_header(addr, &v2::Builder::local().tlvs(&tlvs))
        .await
        .unwrap();
    let conn = timeout(T, acc.accept()).await.unwrap().unwrap();
    assert_eq!(
        conn.header().and_then(|h| h.authority()),
        Some("ok.example")
    );
}

/// An `AsyncWrite` that records each `poll_write` call.
#[derive(Default)]
struct Recorder {
    writes: Vec<Vec<u8>>,
}

impl tokio::io::AsyncWrite for Recorder {
    fn poll_write(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        self.get_mut().writes.push(buf.to_vec());
        std::task::Poll::Ready(Ok(buf.len()))
    }
    fn poll_flush(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::task::Poll::Ready(Ok(()))
    }
    fn poll_shutdown(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::task::Poll::Ready(Ok(()))
    }
}

/// `write_header` hands the whole header to the writer in one write (v1, v2 with TLVs over
/// the 128-byte stack size of the blocking form), the bytes parse back to the same header,
/// and a header that cannot be encoded writes nothing.
#[tokio::test]
async fn write_header_sends_the_header_in_one_write() {
    let (src, dst): (SocketAddr, SocketAddr) = (
        "192.0.2.1:4000".parse().unwrap(),
        "192.0.2.2:443".parse().unwrap(),
    );
    let id = [7u8; 100];
    let tlvs = [
        v2::TlvSpec::Authority("example.test"),
        v2::TlvSpec::UniqueId(&id),
    ];
    let v2h = v2::Builder::proxy(v2::Protocol::Stream, (src, dst))
        .tlvs(&tlvs)
        .crc32c(true);
    let v1h = v1::Header::from_socket_addrs(src, dst);
    async fn one_write<H: Encode>(header: &H, src: SocketAddr) {
        let mut w = Recorder::default();
        let n = write_header(&mut w, header).await.unwrap();
        assert_eq!(w.writes.len(), 1, "one write");
        assert_eq!(w.writes[0].len(), n);
        assert_eq!(n, header.encoded_len());
        let (parsed, consumed) = proxy_wire::parse(&w.writes[0]).unwrap().complete().unwrap();
        assert_eq!(consumed, n);
        assert_eq!(parsed.source(), Some(src));
    }
    one_write(&v1h, src).await;
    one_write(&v2h, src).await;
    assert_eq!(
        proxy_wire::parse(&{
            let mut w = Recorder::default();
            write_header(&mut w, &v2h).await.unwrap();
            w.writes.concat()
        })
        .unwrap()
        .complete()
        .unwrap()
        .0
        .authority(),
        Some("example.test")
    );

    let too_long = [0u8; 129];
    let bad = [v2::TlvSpec::UniqueId(&too_long)];
    let mut w = Recorder::default();
    let err = write_header(&mut w, &v2::Builder::local().tlvs(&bad))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert!(w.writes.is_empty());
}
