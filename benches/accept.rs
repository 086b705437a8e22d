//! Connections per second on loopback: accept + exact peel (`peel_tcp`) + read the data,
//! against plain accept + read of the same data without a header, in one run.
//!
//! The peel cases pass a 5 s header timeout (as a server would), except
//! `peel_v1_untimed_read`, which passes none and so shows what the timeout's socket-option
//! calls cost.
//!
//! Each iteration opens a connection, writes (header +) 64 bytes of data in one write,
//! accepts it, peels the header (or not), reads the 64 bytes, and closes both ends (the
//! client with an RST, so no TIME_WAIT piles up). Client and server run on one thread, so
//! the figure is the full per-connection cost of both sides.
//!
//! `accept/tokio_1000_*` is the same per connection with 1,000 connections open at once: 1,000
//! clients connect and write together, and the server takes them through
//! `proxy_wire::io::tokio::Acceptor` (policy, header timeout, each header read on its own task),
//! against a plain tokio accept loop; both read each connection's data on a task of its own.
//!
//! Run: `cargo bench -p proxy-wire-bench --bench accept`. At the end it prints, per case, the
//! mean of each side per connection and their ratio.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use criterion::{criterion_group, Criterion};
use proxy_wire::io::peel_tcp;
use proxy_wire::{v1, v2, Encode, ParserConfig};

const DATA: &[u8; 64] =
    b"GET / HTTP/1.1\r\nHost: example.test\r\nUser-Agent: bench/1.0\r\n\r\n\0\0\0";

/// Per case: (name, plain total, peeled total, iterations), for the ratios printed at the end.
type Totals = Vec<(&'static str, Duration, Duration, u64)>;
static TOTALS: Mutex<Totals> = Mutex::new(Vec::new());

fn record(name: &'static str, plain: Duration, peel: Duration, iters: u64) {
    let mut totals = TOTALS.lock().unwrap_or_else(|e| e.into_inner());
    match totals.iter_mut().find(|(n, ..)| *n == name) {
        Some(entry) => {
            entry.1 += plain;
            entry.2 += peel;
            entry.3 += iters;
        }
        None => totals.push((name, plain, peel, iters)),
    }
}

fn connect(addr: SocketAddr, first_write: &[u8]) -> TcpStream {
    let stream = TcpStream::connect(addr).unwrap();
    socket2::SockRef::from(&stream)
        .set_linger(Some(Duration::ZERO))
        .unwrap();
    (&stream).write_all(first_write).unwrap();
    stream
}

fn one_connection(
    listener: &TcpListener,
    addr: SocketAddr,
    first_write: &[u8],
    peel: Option<Option<Duration>>,
) {
    let client = connect(addr, first_write);
    let (mut server, _) = listener.accept().unwrap();
    if let Some(timeout) = peel {
        let header = peel_tcp(&server, &ParserConfig::new(), timeout).unwrap();
        std::hint::black_box(header.header().source());
    }
    let mut data = [0u8; 64];
    server.read_exact(&mut data).unwrap();
    assert_eq!(&data, DATA);
    drop(client);
    drop(server);
}

/// One benchmark per peel case. Each iteration runs one plain connection and one peeled
/// connection back to back, timing each, so drift on a noisy machine hits both alike; the
/// benchmark reports the peeled time, and both totals feed the ratio printed at the end.
fn case(c: &mut Criterion, name: &'static str, header: Vec<u8>, timeout: Option<Duration>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let mut peeled = header;
    peeled.extend_from_slice(DATA);
    c.bench_function(name, |b| {
        b.iter_custom(|iters| {
            let (mut plain, mut peel) = (Duration::ZERO, Duration::ZERO);
            for _ in 0..iters {
                let t0 = Instant::now();
                one_connection(&listener, addr, DATA, None);
                let t1 = Instant::now();
                one_connection(&listener, addr, &peeled, Some(timeout));
                peel += t1.elapsed();
                plain += t1 - t0;
            }
            record(name, plain, peel, iters);
            peel
        })
    });
}

/// Connections open at once in the `tokio_1000` cases (fewer if the descriptor limit is low:
/// each connection takes two).
fn concurrent() -> usize {
    let limit = std::fs::read_to_string("/proc/self/limits")
        .ok()
        .and_then(|l| {
            l.lines()
                .find(|l| l.starts_with("Max open files"))
                .and_then(|l| l.split_whitespace().nth(3))
                .and_then(|n| n.parse::<usize>().ok())
        })
        .unwrap_or(1024);
    1000.min(limit.saturating_sub(64) / 2)
}

/// `n` clients connect at once and write `first_write`; they stay open until `serve` has
/// read every connection's data, then close with an RST.
async fn batch<F: std::future::Future<Output = ()>>(
    addr: SocketAddr,
    first_write: &[u8],
    n: usize,
    serve: F,
) {
    let first_write = first_write.to_vec();
    let clients = tokio::spawn(async move {
        let mut set = tokio::task::JoinSet::new();
        for _ in 0..n {
            let bytes = first_write.clone();
            set.spawn(async move {
                let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
                socket2::SockRef::from(&s)
                    .set_linger(Some(Duration::ZERO))
                    .unwrap();
                tokio::io::AsyncWriteExt::write_all(&mut s, &bytes)
                    .await
                    .unwrap();
                s
            });
        }
        let mut open = Vec::with_capacity(n);
        while let Some(s) = set.join_next().await {
            open.push(s.unwrap());
        }
        open
    });
    serve.await;
    drop(clients.await.unwrap());
}

/// Reads one connection's data on a task of its own.
fn read_data(set: &mut tokio::task::JoinSet<()>, mut stream: tokio::net::TcpStream) {
    set.spawn(async move {
        let mut data = [0u8; 64];
        tokio::io::AsyncReadExt::read_exact(&mut stream, &mut data)
            .await
            .unwrap();
        assert_eq!(&data, DATA);
    });
}

/// 1,000 connections at once through the tokio acceptor against a plain tokio accept loop;
/// each iteration runs one plain batch and one acceptor batch back to back.
fn tokio_case(c: &mut Criterion, name: &'static str, header: Vec<u8>) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let n = concurrent();
    let (plain_listener, mut acceptor) = rt.block_on(async {
        let config = proxy_wire::io::AcceptorConfig::new()
            .header_timeout(Duration::from_secs(5))
            .max_pending(n);
        (
            tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap(),
            proxy_wire::io::tokio::Acceptor::bind("127.0.0.1:0", config)
                .await
                .unwrap(),
        )
    });
    let plain_addr = plain_listener.local_addr().unwrap();
    let peel_addr = acceptor.local_addr().unwrap();
    let mut peeled = header;
    peeled.extend_from_slice(DATA);
    c.bench_function(name, |b| {
        b.iter_custom(|iters| {
            rt.block_on(async {
                let (mut plain, mut peel) = (Duration::ZERO, Duration::ZERO);
                for _ in 0..iters {
                    let t0 = Instant::now();
                    batch(plain_addr, DATA, n, async {
                        let mut readers = tokio::task::JoinSet::new();
                        for _ in 0..n {
                            let (stream, _) = plain_listener.accept().await.unwrap();
                            read_data(&mut readers, stream);
                        }
                        while readers.join_next().await.is_some() {}
                    })
                    .await;
                    let t1 = Instant::now();
                    batch(peel_addr, &peeled, n, async {
                        let mut readers = tokio::task::JoinSet::new();
                        for _ in 0..n {
                            let conn = acceptor.accept().await.unwrap();
                            std::hint::black_box(conn.source());
                            read_data(&mut readers, conn.into_parts().0);
                        }
                        while readers.join_next().await.is_some() {}
                    })
                    .await;
                    peel += t1.elapsed();
                    plain += t1 - t0;
                }
                record(name, plain, peel, iters * n as u64);
                peel / n as u32
            })
        })
    });
}

fn benches(c: &mut Criterion) {
    let src: SocketAddr = "192.0.2.1:56324".parse().unwrap();
    let dst: SocketAddr = "198.51.100.2:443".parse().unwrap();
    let mut v1_bytes = Vec::new();
    v1::Header::from_socket_addrs(src, dst)
        .write_to(&mut v1_bytes)
        .unwrap();
    let mut v2_bytes = Vec::new();
    v2::Builder::proxy(v2::Protocol::Stream, (src, dst))
        .write_to(&mut v2_bytes)
        .unwrap();
    let timeout = Some(Duration::from_secs(5));
    case(c, "accept/peel_v1_read", v1_bytes.clone(), timeout);
    case(c, "accept/peel_v2_read", v2_bytes.clone(), timeout);
    case(c, "accept/peel_v1_untimed_read", v1_bytes.clone(), None);
    tokio_case(c, "accept/tokio_1000_v1", v1_bytes);
    tokio_case(c, "accept/tokio_1000_v2", v2_bytes);
}

criterion_group! {
    name = accept;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3))
        .sample_size(30)
        .configure_from_args();
    targets = benches
}

fn main() {
    accept();
    Criterion::default().configure_from_args().final_summary();
    let totals = TOTALS.lock().unwrap_or_else(|e| e.into_inner());
    for (name, plain, peel, iters) in totals.iter().filter(|t| t.3 > 0) {
        let per = |d: &Duration| d.as_secs_f64() / *iters as f64;
        println!(
            "{name}: plain accept+read {:.1} us/conn ({:.0} conn/s), accept+peel+read {:.1} us/conn ({:.0} conn/s), ratio peel/plain = {:.3} ({:+.1}% time), {iters} connections each",
            per(plain) * 1e6,
            1.0 / per(plain),
            per(peel) * 1e6,
            1.0 / per(peel),
            per(peel) / per(plain),
            (per(peel) / per(plain) - 1.0) * 100.0
        );
    }
}
