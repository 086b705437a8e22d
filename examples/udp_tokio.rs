//! UDP behind a proxy, on loopback in one process: the proxy puts a v2 DGRAM header in front
//! of each client datagram; the server reads the original client from it and answers that
//! client directly (direct server return), not the proxy.
//!
//! ```text
//! cargo run --example udp_tokio --features tokio
//! ```
//!
//! Prints what each side saw and exits 0 when every client got its own answer back, and the
//! server dropped the datagrams that do not describe a datagram's sender (no header, a v1
//! line, a v2 header for a stream).

use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use proxy_wire::{v1, v2, Encode, ParserConfig};
use tokio::net::UdpSocket;
use tokio::time::timeout;

/// The server: one header per datagram, the payload after it; the answer goes to the client
/// the header names.
async fn server(socket: UdpSocket) -> std::io::Result<()> {
    let config = ParserConfig::new();
    let mut buf = [0u8; 2048];
    loop {
        let (n, proxy) = socket.recv_from(&mut buf).await?;
        let (header, payload) = match config.parse_datagram(&buf[..n]) {
            Ok(parsed) => parsed,
            Err(e) => {
                println!("server: dropped a datagram from {proxy}: {e}");
                continue;
            }
        };
        let Some(client) = header.source() else {
            println!("server: dropped a datagram from {proxy}: no client address");
            continue;
        };
        let text = String::from_utf8_lossy(payload);
        println!("server: {text:?} from client {client} (via proxy {proxy})");
        socket
            .send_to(text.to_uppercase().as_bytes(), client)
            .await?;
    }
}

/// The proxy: receives a client's datagram and forwards it to the server with a header,
/// header and payload in one datagram.
async fn proxy(socket: UdpSocket, server: SocketAddr) -> std::io::Result<()> {
    let mut buf = [0u8; 1500];
    let mut out = [0u8; 1500 + 232];
    loop {
        let (n, client) = socket.recv_from(&mut buf).await?;
        let header = v2::Builder::proxy(v2::Protocol::Dgram, (client, socket.local_addr()?));
        let len = header
            .encode_datagram(&buf[..n], &mut out)
            .map_err(std::io::Error::from)?;
        socket.send_to(&out[..len], server).await?;
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    match run().await {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> std::io::Result<bool> {
    let server_socket = UdpSocket::bind("127.0.0.1:0").await?;
    let server_addr = server_socket.local_addr()?;
    let proxy_socket = UdpSocket::bind("127.0.0.1:0").await?;
    let proxy_addr = proxy_socket.local_addr()?;
    tokio::spawn(server(server_socket));
    tokio::spawn(proxy(proxy_socket, server_addr));
    println!("server on {server_addr}, proxy on {proxy_addr}");

    // Datagrams the server must drop: no header, a v1 line and a v2 header for a stream
    // (their addresses are a TCP connection's, not this datagram's sender).
    let stray = UdpSocket::bind("127.0.0.1:0").await?;
    stray.send_to(b"no header here", server_addr).await?;
    let (from, to) = (stray.local_addr()?, server_addr);
    let mut datagram = [0u8; 64];
    let n = v1::Header::from_socket_addrs(from, to).encode(&mut datagram);
    stray
        .send_to(&datagram[..n.map_err(std::io::Error::from)?], to)
        .await?;
    let n = v2::Builder::proxy(v2::Protocol::Stream, (from, to)).encode(&mut datagram);
    stray
        .send_to(&datagram[..n.map_err(std::io::Error::from)?], to)
        .await?;

    let mut ok = true;
    for word in ["ping", "hello", "proxy"] {
        // Each client is its own socket: the answer must come back to the one that asked.
        let client = UdpSocket::bind("127.0.0.1:0").await?;
        client.send_to(word.as_bytes(), proxy_addr).await?;
        let mut buf = [0u8; 64];
        let got = timeout(Duration::from_secs(5), client.recv_from(&mut buf)).await;
        let Ok(Ok((n, from))) = got else {
            println!("client {}: no answer", client.local_addr()?);
            ok = false;
            continue;
        };
        let answer = String::from_utf8_lossy(&buf[..n]);
        println!("client {}: {answer:?} from {from}", client.local_addr()?);
        ok &= answer == word.to_uppercase() && from == server_addr;
    }
    println!("{}", if ok { "OK" } else { "FAILED" });
    Ok(ok)
}
