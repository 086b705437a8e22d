//! Blocking adapters and the blocking acceptor on loopback: split headers, header and data in
//! one write, garbage, timeouts, trust policies, and data delivered intact (hash compared).
#![cfg(feature = "std")]

use std::error::Error as _;
use std::io::{BufRead, BufReader, ErrorKind, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::thread;
use std::time::{Duration, Instant};

use proxy_wire::io::{
    connect_with_header, peel_tcp, read_header, Acceptor, AcceptorConfig, HeaderPolicy,
    RejectReason,
};
use proxy_wire::{v1, v2, Encode, Header, OwnedHeader, ParseError, ParserConfig};
use sha2::{Digest, Sha256};

const T: Duration = Duration::from_secs(10);

/// The exact peel with the default parser options.
fn peel(stream: &TcpStream, timeout: Option<Duration>) -> std::io::Result<OwnedHeader> {
    peel_tcp(stream, &ParserConfig::new(), timeout)
}

fn v1_bytes() -> Vec<u8> {
    b"PROXY TCP4 192.0.2.1 198.51.100.2 56324 443\r\n".to_vec()
}

fn v2_bytes() -> Vec<u8> {
    let src: SocketAddr = "[2001:db8::1]:4000".parse().unwrap();
    let dst: SocketAddr = "[2001:db8::2]:443".parse().unwrap();
    let tlvs = [
        v2::TlvSpec::Alpn(b"h2"),
        v2::TlvSpec::Authority("example.test"),
        v2::TlvSpec::UniqueId(&[7u8; 100]),
        v2::TlvSpec::Noop(200), // pushes the header past the 256-byte peek window
    ];
    let mut out = Vec::new();
    v2::Builder::proxy(v2::Protocol::Stream, (src, dst))
        .tlvs(&tlvs)
        .crc32c(true)
        .write_to(&mut out)
        .unwrap();
    assert!(out.len() > 256, "{}", out.len());
    out
}

/// Deterministic pseudo-random bytes (xorshift), so a failure can be replayed.
fn payload(seed: u64, len: usize) -> Vec<u8> {
    let mut x = seed | 1;
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

fn pair() -> (TcpStream, TcpStream) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    let (server, _) = listener.accept().unwrap();
    client.set_nodelay(true).unwrap();
    (client, server)
}

/// Writes `bytes` one byte per write, `gap` apart, then `data` in one write and shuts down.
fn trickle(
    mut client: TcpStream,
    bytes: Vec<u8>,
    gap: Duration,
    data: Vec<u8>,
) -> thread::JoinHandle<()> {
    thread::spawn(move || {
        for b in bytes {
            if client.write_all(&[b]).is_err() {
                return;
            }
            thread::sleep(gap);
        }
        let _ = client.write_all(&data);
        let _ = client.shutdown(Shutdown::Write);
    })
}

fn read_rest(stream: &mut TcpStream) -> Vec<u8> {
    stream.set_read_timeout(Some(T)).unwrap();
    let mut rest = Vec::new();
    stream.read_to_end(&mut rest).unwrap();
    rest
}

/// CPU time (user + system) of the calling thread, from /proc.
#[cfg(target_os = "linux")]
fn thread_cpu() -> Duration {
    let stat = std::fs::read_to_string("/proc/thread-self/stat").unwrap();
    let after_comm = &stat[stat.rfind(')').unwrap() + 2..];
    let fields: Vec<&str> = after_comm.split(' ').collect();
    // utime and stime are fields 14 and 15 of stat; after_comm starts at field 3.
    let ticks: u64 = fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap();
    Duration::from_millis(ticks * 10) // USER_HZ is 100 on Linux
}

#[test]
fn exact_peel_with_one_byte_writes_v1_and_v2() {
    for header in [v1_bytes(), v2_bytes()] {
        let (client, mut server) = pair();
        let data = payload(1, 5000);
        let writer = trickle(
            client,
            header.clone(),
            Duration::from_millis(2),
            data.clone(),
        );
        let got = peel(&server, Some(T)).unwrap();
        assert_eq!(got.as_bytes(), &header[..]);
        assert_eq!(sha(&read_rest(&mut server)), sha(&data));
        writer.join().unwrap();
    }
}

#[cfg(target_os = "linux")]
#[test]
fn exact_peel_waits_without_spinning_on_a_slow_header() {
    // 40 bytes, 25 ms apart: about a second of waiting. A peek loop that spins would burn
    // that second on the CPU; a waiting one uses a few milliseconds.
    let (client, mut server) = pair();
    let header = v1_bytes();
    let writer = trickle(
        client,
        header.clone(),
        Duration::from_millis(25),
        b"x".to_vec(),
    );
    let cpu_before = thread_cpu();
    let wall = Instant::now();
    let got = peel(&server, Some(T)).unwrap();
    let cpu = thread_cpu() - cpu_before;
    assert!(wall.elapsed() >= Duration::from_millis(500));
    assert!(
        cpu < Duration::from_millis(250),
        "peel used {cpu:?} of CPU while waiting"
    );
    assert_eq!(got.as_bytes(), &header[..]);
    assert_eq!(read_rest(&mut server), b"x");
    writer.join().unwrap();
}

#[test]
fn exact_peel_header_and_data_in_one_write_leaves_data_unread() {
    for header in [v1_bytes(), v2_bytes(), b"PROXY UNKNOWN\r\n".to_vec()] {
        let (mut client, mut server) = pair();
        let data = payload(2, 70_000);
        let mut first = header.clone();
        first.extend_from_slice(&data[..1000]);
        client.write_all(&first).unwrap();
        let got = peel(&server, Some(T)).unwrap();
        assert_eq!(got.as_bytes().len(), header.len());
        // The data is still on the socket: any reader sees it from its first byte.
        let mut peek = [0u8; 16];
        let n = server.peek(&mut peek).unwrap();
        assert_eq!(&peek[..n], &data[..n]);
        client.write_all(&data[1000..]).unwrap();
        client.shutdown(Shutdown::Write).unwrap();
        assert_eq!(sha(&read_rest(&mut server)), sha(&data));
    }
}

#[test]
fn exact_peel_complete_v2_does_not_wait_for_data() {
    // A big v2 header (past the peek window) and no data: the client waits for the server.
    let (mut client, server) = pair();
    let header = v2_bytes();
    client.write_all(&header).unwrap();
    let got = peel(&server, Some(Duration::from_secs(2))).unwrap();
    assert_eq!(got.as_bytes(), &header[..]);
    assert_eq!(got.header().authority(), Some("example.test"));
}

#[test]
fn exact_peel_rejects_garbage_and_truncation() {
    let (mut client, server) = pair();
    client
        .write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let err = peel(&server, Some(T)).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidData);
    let parse = err.source().unwrap().downcast_ref::<ParseError>().unwrap();
    assert!(matches!(
        parse,
        ParseError::NotProxyHeader {
            offset: 0,
            byte: b'G'
        }
    ));

    let (mut client, server) = pair();
    client.write_all(&[b'P'; 200]).unwrap();
    assert_eq!(
        peel(&server, Some(T)).unwrap_err().kind(),
        ErrorKind::InvalidData
    );

    // A v1 line with no CRLF within 107 bytes.
    let (mut client, server) = pair();
    let mut long = b"PROXY UNKNOWN ".to_vec();
    long.resize(150, b'a');
    client.write_all(&long).unwrap();
    let err = peel(&server, Some(T)).unwrap_err();
    assert_eq!(
        err.source().unwrap().downcast_ref::<ParseError>(),
        Some(&ParseError::V1TooLong)
    );

    let (mut client, server) = pair();
    client.write_all(&v2_bytes()[..40]).unwrap();
    client.shutdown(Shutdown::Write).unwrap();
    assert_eq!(
        peel(&server, Some(T)).unwrap_err().kind(),
        ErrorKind::UnexpectedEof
    );

    // Wrong CRC32C.
    let (mut client, server) = pair();
    let mut bad = v2_bytes();
    let last = bad.len() - 1;
    bad[last] ^= 1;
    client.write_all(&bad).unwrap();
    let err = peel(&server, Some(T)).unwrap_err();
    assert!(matches!(
        err.source().unwrap().downcast_ref::<ParseError>(),
        Some(ParseError::ChecksumMismatch { .. })
    ));
}

#[test]
fn exact_peel_times_out_on_silent_and_slow_clients() {
    let (_client, server) = pair();
    let start = Instant::now();
    let err = peel(&server, Some(Duration::from_millis(200))).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::TimedOut);
    assert!(start.elapsed() >= Duration::from_millis(200));

    // Slow loris: one byte every 100 ms never finishes within 500 ms, although each byte
    // comes well inside any per-read timeout.
    let (client, server) = pair();
    let writer = trickle(client, v1_bytes(), Duration::from_millis(100), Vec::new());
    let start = Instant::now();
    let err = peel(&server, Some(Duration::from_millis(500))).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::TimedOut);
    assert!(
        start.elapsed() < Duration::from_secs(3),
        "{:?}",
        start.elapsed()
    );
    drop(server);
    writer.join().unwrap();

    // The stream's own read timeout is restored.
    let (_client, server) = pair();
    server
        .set_read_timeout(Some(Duration::from_secs(42)))
        .unwrap();
    let _ = peel(&server, Some(Duration::from_millis(20)));
    assert_eq!(
        server.read_timeout().unwrap(),
        Some(Duration::from_secs(42))
    );
}

/// A reader that hands out `chunk` bytes at most per call and records each request as
/// (bytes handed out before it, bytes asked for).
struct Recording<'a> {
    data: &'a [u8],
    chunk: usize,
    given: usize,
    requests: Vec<(usize, usize)>,
}

impl Read for Recording<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.requests.push((self.given, buf.len()));
        let n = buf.len().min(self.chunk).min(self.data.len());
        buf[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        self.given += n;
        Ok(n)
    }
}

#[test]
fn generic_reads_are_bounded_by_what_the_header_needs() {
    let data = payload(3, 300);
    for chunk in [1, 2, 7, 16, 1000] {
        // v1: never more than 107 bytes asked for in all.
        let mut input = v1_bytes();
        input.extend_from_slice(&data);
        let mut r = Recording {
            data: &input,
            chunk,
            given: 0,
            requests: Vec::new(),
        };
        let (h, peeled) = read_header(&mut r, &ParserConfig::new()).unwrap();
        let (_, leftover) = peeled.into_inner();
        assert_eq!(h.as_bytes(), &v1_bytes()[..]);
        for &(given, asked) in &r.requests {
            assert!(given + asked <= 107, "{:?}", r.requests);
        }
        assert!(r.given <= 107);
        assert_eq!([&leftover[..], r.data].concat(), data);

        // v2: 16 bytes, then exactly the rest; nothing read past the header.
        let header = v2_bytes();
        let mut input = header.clone();
        input.extend_from_slice(&data);
        let mut r = Recording {
            data: &input,
            chunk,
            given: 0,
            requests: Vec::new(),
        };
        let (h, peeled) = read_header(&mut r, &ParserConfig::new()).unwrap();
        let (_, leftover) = peeled.into_inner();
        assert_eq!(h.as_bytes(), &header[..]);
        assert!(leftover.is_empty());
        assert_eq!(r.data, &data[..]);
        assert_eq!(r.requests[0], (0, 16));
        for &(given, asked) in &r.requests {
            assert!(given + asked <= header.len(), "{:?}", r.requests);
        }
        if chunk >= 16 {
            assert_eq!(r.requests[1], (16, header.len() - 16));
        }
    }
}

#[test]
fn generic_read_respects_config_and_reports_eof() {
    let config = ParserConfig::new().max_v2_header_len(100);
    let err = read_header(&v2_bytes()[..], &config).unwrap_err();
    assert!(matches!(
        err.source().unwrap().downcast_ref::<ParseError>(),
        Some(ParseError::V2TooLong { limit: 100, .. })
    ));
    let err = read_header(&b"PROXY TCP4 1.2"[..], &ParserConfig::new()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::UnexpectedEof);
    let err = read_header(&b""[..], &ParserConfig::new()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::UnexpectedEof);
}

#[test]
fn peeled_replays_leftover_then_inner_for_read_bufread_and_write() {
    let (mut client, server) = pair();
    let data = payload(4, 100_000);
    let mut first = v1_bytes();
    first.extend_from_slice(&data);
    let writer = thread::spawn(move || {
        client.write_all(&first).unwrap();
        client.shutdown(Shutdown::Write).unwrap();
        let mut echo = Vec::new();
        client.read_to_end(&mut echo).unwrap();
        echo
    });
    server.set_read_timeout(Some(T)).unwrap();
    let (header, mut stream) = read_header(BufReader::new(server), &ParserConfig::new()).unwrap();
    assert_eq!(
        header.header().source(),
        Some("192.0.2.1:56324".parse().unwrap())
    );
    // BufRead sees the leftover first.
    let buffered = stream.fill_buf().unwrap().to_vec();
    assert!(!buffered.is_empty());
    assert_eq!(&data[..buffered.len()], &buffered[..]);
    stream.consume(1);
    let mut rest = Vec::new();
    stream.read_to_end(&mut rest).unwrap();
    assert_eq!(sha(&[&data[..1], &rest[..]].concat()), sha(&data));
    // Writes go to the inner stream.
    stream.get_mut().get_mut().write_all(b"echo").unwrap();
    let (inner, leftover) = stream.into_inner();
    assert!(leftover.is_empty());
    inner.into_inner().shutdown(Shutdown::Both).unwrap();
    assert_eq!(writer.join().unwrap(), b"echo");
}

#[test]
fn peeled_write_and_into_inner_keep_unread_leftover() {
    // Reads come from the leftover, then the inner stream; writes go to the inner stream.
    // A v1 line is read past (up to 107 bytes in all), so all of "abcdef" is leftover.
    let line = b"PROXY TCP4 192.0.2.1 192.0.2.2 1 2\r\n";
    let input = std::io::Cursor::new([&line[..], b"abcdef"].concat());
    let (header, mut s) = read_header(input, &ParserConfig::new()).unwrap();
    assert_eq!(header.as_bytes(), line);
    assert_eq!(s.get_ref().position(), line.len() as u64 + 6);
    s.write_all(b"out").unwrap();
    let mut two = [0u8; 2];
    s.read_exact(&mut two).unwrap();
    assert_eq!(&two, b"ab");
    let (inner, leftover) = s.into_inner();
    assert_eq!(leftover, b"cdef");
    assert_eq!(inner.into_inner(), [&line[..], b"abcdefout"].concat());
}

fn acceptor(config: AcceptorConfig) -> Acceptor {
    Acceptor::bind("127.0.0.1:0", config).unwrap()
}

#[test]
fn acceptor_delivers_addresses_tlvs_and_intact_data() {
    let acc = acceptor(AcceptorConfig::new());
    let addr = acc.local_addr();
    let data = payload(5, 200_000);
    let client_data = data.clone();
    let client = thread::spawn(move || {
        let header = v2_bytes();
        let mut s = TcpStream::connect(addr).unwrap();
        let mut first = header;
        first.extend_from_slice(&client_data[..10]);
        s.write_all(&first).unwrap();
        s.write_all(&client_data[10..]).unwrap();
        s.shutdown(Shutdown::Write).unwrap();
        s.local_addr().unwrap()
    });
    let mut conn = acc.accept().unwrap();
    let client_addr = client.join().unwrap();
    assert_eq!(conn.peer_addr(), client_addr);
    assert_eq!(conn.stream_mut().local_addr().unwrap(), addr);
    assert_ne!(conn.source(), client_addr);
    assert_eq!(conn.source(), "[2001:db8::1]:4000".parse().unwrap());
    assert_eq!(conn.destination(), "[2001:db8::2]:443".parse().unwrap());
    let header = conn.header().unwrap();
    assert_eq!(header.alpn(), Some(&b"h2"[..]));
    assert_eq!(header.unique_id(), Some(&[7u8; 100][..]));
    assert!(matches!(header, Header::V2(h) if h.crc32c().is_some()));
    assert_eq!(sha(&read_rest(conn.stream_mut())), sha(&data));
}

#[test]
fn acceptor_local_and_unknown_give_real_addresses() {
    let acc = acceptor(AcceptorConfig::new());
    let addr = acc.local_addr();
    let tlvs = [v2::TlvSpec::Noop(3)];
    let local_v2 = v2::Builder::local().tlvs(&tlvs).crc32c(true);
    let mut local_bytes = Vec::new();
    local_v2.write_to(&mut local_bytes).unwrap();
    for header in [b"PROXY UNKNOWN\r\n".to_vec(), local_bytes] {
        let mut client = TcpStream::connect(addr).unwrap();
        client.write_all(&header).unwrap();
        let conn = acc.accept().unwrap();
        assert_eq!(conn.header().and_then(|h| h.source()), None);
        assert_eq!(conn.source(), client.local_addr().unwrap());
        assert_eq!(conn.destination(), addr);
        assert!(conn.header().is_some());
    }
}

#[test]
fn acceptor_reports_bad_connections_and_keeps_serving() {
    let acc = acceptor(AcceptorConfig::new().header_timeout(Duration::from_millis(300)));
    let addr = acc.local_addr();

    let mut garbage = TcpStream::connect(addr).unwrap();
    garbage.write_all(b"GET / HTTP/1.0\r\n\r\n").unwrap();
    let err = acc.accept().unwrap_err();
    assert!(matches!(
        err.reason(),
        RejectReason::Invalid(ParseError::NotProxyHeader { offset: 0, .. })
    ));
    assert_eq!(err.peer_addr(), Some(garbage.local_addr().unwrap()));
    assert!(
        err.to_string().contains("not a PROXY") || err.to_string().contains("PROXY"),
        "{err}"
    );
    // The bad connection is closed.
    garbage.set_read_timeout(Some(T)).unwrap();
    let mut buf = [0u8; 1];
    assert!(matches!(garbage.read(&mut buf), Ok(0) | Err(_)));

    let silent = TcpStream::connect(addr).unwrap();
    let err = acc.accept().unwrap_err();
    assert_eq!(err.reason(), RejectReason::TimedOut);
    assert_eq!(err.peer_addr(), Some(silent.local_addr().unwrap()));

    let _ok = connect_with_header(addr, &v1::Header::Unknown).unwrap();
    assert!(acc.accept().is_ok());
}

/// A UDP header on a TCP connection: refused per connection (its addresses are another
/// flow's), by the exact peel and by the acceptor, which keeps serving.
#[test]
fn dgram_header_on_a_stream_is_refused() {
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
    let (mut client, server) = pair();
    client.write_all(&udp).unwrap();
    let err = peel(&server, Some(T)).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidData);
    assert_eq!(
        err.source().and_then(|e| e.downcast_ref::<ParseError>()),
        Some(&want)
    );

    let acc = acceptor(AcceptorConfig::new());
    let addr = acc.local_addr();
    let mut bad = TcpStream::connect(addr).unwrap();
    bad.write_all(&udp).unwrap();
    let err = acc.accept().unwrap_err();
    assert_eq!(err.reason(), RejectReason::Invalid(want));
    assert_eq!(err.peer_addr(), Some(bad.local_addr().unwrap()));
    let stream = v2::Builder::proxy(v2::Protocol::Stream, (src, dst));
    let _ok = connect_with_header(addr, &stream).unwrap();
    assert_eq!(acc.accept().unwrap().source(), src);
}

#[test]
fn acceptor_slow_clients_do_not_delay_others() {
    let acc = acceptor(AcceptorConfig::new().header_timeout(Duration::from_secs(3)));
    let addr = acc.local_addr();
    // Five silent clients connect first and hold their header slots.
    let silent: Vec<TcpStream> = (0..5).map(|_| TcpStream::connect(addr).unwrap()).collect();
    thread::sleep(Duration::from_millis(50));
    let _good = connect_with_header(addr, &v1::Header::Unknown).unwrap();
    let start = Instant::now();
    let conn = acc.accept().unwrap();
    assert!(conn.header().is_some());
    // Well under the 3 s the silent ones may take.
    assert!(
        start.elapsed() < Duration::from_secs(2),
        "{:?}",
        start.elapsed()
    );
    drop(silent);
}

#[test]
fn acceptor_trust_policies() {
    // Only 127.0.0.2 is trusted; we connect from 127.0.0.1.
    let untrusted = |policy: HeaderPolicy| {
        acceptor(
            AcceptorConfig::new()
                .trust("127.0.0.2/32".parse().unwrap())
                .untrusted_policy(policy)
                .header_timeout(Duration::from_millis(300)),
        )
    };

    let acc = untrusted(HeaderPolicy::Reject);
    let _c = connect_with_header(acc.local_addr(), &v1::Header::Unknown).unwrap();
    let err = acc.accept().unwrap_err();
    assert_eq!(err.reason(), RejectReason::Untrusted);

    // Skip: the header is not read; it stays in the data for the application to see.
    let acc = untrusted(HeaderPolicy::Skip);
    let c = connect_with_header(acc.local_addr(), &v1::Header::Unknown).unwrap();
    c.shutdown(Shutdown::Write).unwrap();
    let mut conn = acc.accept().unwrap();
    assert!(conn.header().is_none());
    assert_eq!(conn.source(), c.local_addr().unwrap());
    assert_eq!(read_rest(conn.stream_mut()), b"PROXY UNKNOWN\r\n");

    // Refuse: a header is an error, plain data passes untouched.
    let acc = untrusted(HeaderPolicy::Refuse);
    let _c = connect_with_header(acc.local_addr(), &v2::Builder::local()).unwrap();
    assert_eq!(acc.accept().unwrap_err().reason(), RejectReason::Refused);
    let mut c = TcpStream::connect(acc.local_addr()).unwrap();
    c.write_all(b"PRIVMSG hello").unwrap();
    c.shutdown(Shutdown::Write).unwrap();
    let mut conn = acc.accept().unwrap();
    assert!(conn.header().is_none());
    assert_eq!(read_rest(conn.stream_mut()), b"PRIVMSG hello");
    // A client that stays silent is passed on (server speaks first) once the timeout ends.
    let _silent = TcpStream::connect(acc.local_addr()).unwrap();
    let conn = acc.accept().unwrap();
    assert!(conn.header().is_none());
}

#[test]
fn acceptor_optional_policy_uses_a_header_only_when_present() {
    let acc = acceptor(
        AcceptorConfig::new()
            .trusted_policy(HeaderPolicy::OptionalSpoofable)
            .header_timeout(Duration::from_millis(500)),
    );
    let addr = acc.local_addr();

    let header = v1::Header::from_socket_addrs("192.0.2.9:9".parse().unwrap(), addr);
    let mut c = connect_with_header(addr, &header).unwrap();
    c.write_all(b"data").unwrap();
    c.shutdown(Shutdown::Write).unwrap();
    let mut conn = acc.accept().unwrap();
    assert_eq!(conn.source(), "192.0.2.9:9".parse().unwrap());
    assert_eq!(read_rest(conn.stream_mut()), b"data");

    // "PRO" then a pause, then "XY ...": the signature arrives in pieces.
    let mut c = TcpStream::connect(addr).unwrap();
    c.set_nodelay(true).unwrap();
    c.write_all(b"PRO").unwrap();
    thread::sleep(Duration::from_millis(60));
    c.write_all(b"XY UNKNOWN\r\nafter").unwrap();
    c.shutdown(Shutdown::Write).unwrap();
    let mut conn = acc.accept().unwrap();
    assert_eq!(conn.header().map(|h| h.version()), Some(1));
    assert_eq!(read_rest(conn.stream_mut()), b"after");

    // No header: the bytes are all left for the application.
    let mut c = TcpStream::connect(addr).unwrap();
    c.write_all(b"POST / HTTP/1.1\r\n\r\n").unwrap();
    c.shutdown(Shutdown::Write).unwrap();
    let mut conn = acc.accept().unwrap();
    assert!(conn.header().is_none());
    assert_eq!(conn.source(), c.local_addr().unwrap());
    assert_eq!(read_rest(conn.stream_mut()), b"POST / HTTP/1.1\r\n\r\n");

    // A stalled signature prefix is an error once the timeout ends.
    let mut c = TcpStream::connect(addr).unwrap();
    c.write_all(b"\r\n\r\n").unwrap();
    assert_eq!(acc.accept().unwrap_err().reason(), RejectReason::TimedOut);
}

#[test]
fn acceptor_on_ipv6_loopback() {
    let Ok(listener) = TcpListener::bind("[::1]:0") else {
        writeln!(std::io::stderr(), "SKIPPED: no IPv6 loopback").unwrap();
        return;
    };
    let config = AcceptorConfig::new().trust("::1".parse().unwrap());
    let acc = Acceptor::new(listener, config).unwrap();
    let header = v2::Builder::proxy(
        v2::Protocol::Stream,
        (
            "192.0.2.1:1".parse::<SocketAddr>().unwrap(),
            "192.0.2.2:2".parse::<SocketAddr>().unwrap(),
        ),
    );
    let c = connect_with_header(acc.local_addr(), &header).unwrap();
    let conn = acc.accept().unwrap();
    assert_eq!(conn.peer_addr(), c.local_addr().unwrap());
    assert_eq!(conn.source(), "192.0.2.1:1".parse().unwrap());
}

#[test]
fn dropping_the_acceptor_stops_it() {
    let acc = acceptor(AcceptorConfig::new());
    let addr = acc.local_addr();
    drop(acc);
    // The listener is closed: connecting fails (or is reset at once).
    let refused = match TcpStream::connect_timeout(&addr, Duration::from_secs(1)) {
        Err(_) => true,
        Ok(mut s) => {
            s.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
            let mut b = [0u8; 1];
            matches!(s.read(&mut b), Ok(0) | Err(_))
        }
    };
    assert!(refused);
}

/// A peeled socket is still that socket: its descriptor, for socket options and event loops.
#[cfg(unix)]
#[test]
fn peeled_stream_exposes_the_socket_descriptor() {
    use std::os::fd::{AsFd, AsRawFd};
    let (mut client, server) = pair();
    client.write_all(b"PROXY UNKNOWN\r\nhi").unwrap();
    let fd = server.as_raw_fd();
    let (_, peeled) = read_header(server, &ParserConfig::new()).unwrap();
    assert_eq!(peeled.as_raw_fd(), fd);
    let same = TcpStream::from(peeled.as_fd().try_clone_to_owned().unwrap());
    assert_eq!(same.peer_addr().unwrap(), client.local_addr().unwrap());
}

/// Every way the acceptor closes a connection comes back as its own `RejectReason`, and the
/// error's chain of sources ends at the `ParseError` for a bad header.
#[test]
fn acceptor_rejections_are_typed_and_chain_to_the_cause() {
    let acc = acceptor(AcceptorConfig::new().header_timeout(Duration::from_millis(300)));
    let addr = acc.local_addr();

    let mut half = TcpStream::connect(addr).unwrap();
    half.write_all(b"PROXY TCP4 192.0.2.1").unwrap();
    half.shutdown(Shutdown::Write).unwrap();
    assert_eq!(acc.accept().unwrap_err().reason(), RejectReason::Closed);

    let mut bad = TcpStream::connect(addr).unwrap();
    bad.write_all(b"PROXY TCP4 192.0.2.300 192.0.2.2 1 2\r\n")
        .unwrap();
    let err = acc.accept().unwrap_err();
    let RejectReason::Invalid(parse) = err.reason() else {
        panic!("{err}")
    };
    assert_eq!(parse.category(), "bad-address");
    let mut chain = vec![err.to_string()];
    let mut cause = err.source();
    while let Some(e) = cause {
        chain.push(e.to_string());
        cause = e.source();
    }
    let peer = bad.local_addr().unwrap();
    assert_eq!(
        chain,
        [
            format!("connection from {peer} closed: invalid PROXY protocol header"),
            parse.to_string()
        ]
    );
    assert_eq!(
        err.source().and_then(|e| e.downcast_ref::<ParseError>()),
        Some(&parse)
    );
    let io = std::io::Error::from(err);
    assert_eq!(io.kind(), ErrorKind::InvalidData);
    assert_eq!(
        io.source().and_then(|e| e.downcast_ref::<ParseError>()),
        Some(&parse)
    );
}

/// The validation hook sees the TCP peer and the header (none when the policy passes a
/// connection without one); `false` closes the connection with `RejectReason::Denied` and
/// the acceptor keeps serving.
#[test]
fn acceptor_validation_hook_sees_peer_and_header() {
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let log = std::sync::Arc::clone(&seen);
    let config = AcceptorConfig::new()
        .trusted_policy(HeaderPolicy::OptionalSpoofable)
        .header_timeout(Duration::from_millis(300))
        .validate(move |peer, header| {
            let authority = header.and_then(|h| h.authority()).map(str::to_owned);
            log.lock().unwrap().push((peer, authority.clone()));
            authority.as_deref() != Some("blocked.example")
        });
    let acc = acceptor(config);
    let addr = acc.local_addr();

    let tlvs = [v2::TlvSpec::Authority("blocked.example")];
    let blocked = connect_with_header(addr, &v2::Builder::local().tlvs(&tlvs)).unwrap();
    let err = acc.accept().unwrap_err();
    assert_eq!(err.reason(), RejectReason::Denied);
    assert_eq!(err.peer_addr(), Some(blocked.local_addr().unwrap()));
    let mut buf = [0u8; 1];
    let mut blocked = blocked;
    assert!(matches!(blocked.read(&mut buf), Ok(0) | Err(_)), "closed");

    let tlvs = [v2::TlvSpec::Authority("ok.example")];
    let ok = connect_with_header(addr, &v2::Builder::local().tlvs(&tlvs)).unwrap();
    let conn = acc.accept().unwrap();
    assert_eq!(
        conn.header().and_then(|h| h.authority()),
        Some("ok.example")
    );

    let mut plain = TcpStream::connect(addr).unwrap();
    plain.write_all(b"GET / HTTP/1.0\r\n\r\n").unwrap();
    assert!(acc.accept().unwrap().header().is_none());

    let seen = seen.lock().unwrap();
    assert_eq!(
        *seen,
        [
            (
                blocked.local_addr().unwrap(),
                Some("blocked.example".into())
            ),
            (ok.local_addr().unwrap(), Some("ok.example".into())),
            (plain.local_addr().unwrap(), None),
        ]
    );
}

/// A validation hook that panics refuses its connection; the acceptor keeps serving (the
/// pending slot of that connection is freed: with one slot, the next connection still gets in).
#[test]
fn acceptor_validation_hook_panic_refuses_and_keeps_serving() {
    let config = AcceptorConfig::new().max_pending(1).validate(|_, header| {
        assert!(
            header.and_then(|h| h.authority()) != Some("panic.example"),
            "hook panics"
        );
        true
    });
    let acc = acceptor(config);
    let addr = acc.local_addr();
    let tlvs = [v2::TlvSpec::Authority("panic.example")];
    let _c = connect_with_header(addr, &v2::Builder::local().tlvs(&tlvs)).unwrap();
    assert_eq!(acc.accept().unwrap_err().reason(), RejectReason::Denied);
    for _ in 0..3 {
        let _ok = connect_with_header(addr, &v1::Header::Unknown).unwrap();
        assert!(acc.accept().is_ok());
    }
}
