//! An async echo server behind a PROXY-protocol load balancer, with tokio.
//!
//! Peers in 127.0.0.0/8 or ::1 must send a PROXY header (v1 or v2); other peers are served
//! as plain connections (their own address is the client's) and are refused if they try to
//! send a header. Headers are awaited for at most 3 seconds. It echoes the data back; to an
//! HTTP request it answers with one line naming the client instead.
//!
//! ```text
//! $ cargo run --features tokio --example server_tokio -- 127.0.0.1:8000
//! $ cargo run --example sender -- 127.0.0.1:8000 192.0.2.7:4242 "hello"
//! hello
//! $ curl --haproxy-protocol http://127.0.0.1:8000/
//! client 127.0.0.1:53712 -> 127.0.0.1:8000 (via 127.0.0.1:53712, PROXY v1)
//! ```

use std::time::Duration;

use proxy_wire::io::{tokio::Acceptor, AcceptorConfig, HeaderPolicy};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:8000".into());
    let config = AcceptorConfig::new()
        .header_timeout(Duration::from_secs(3))
        .trust("127.0.0.0/8".parse()?)
        .trust("::1".parse()?)
        .untrusted_policy(HeaderPolicy::Refuse);
    let mut acceptor = Acceptor::bind(addr.as_str(), config).await?;
    eprintln!("listening on {}", acceptor.local_addr()?);

    loop {
        let mut conn = match acceptor.accept().await {
            Ok(conn) => conn,
            Err(e) => {
                eprintln!("{e}");
                continue;
            }
        };
        tokio::spawn(async move {
            let version = conn.header().map_or(0, |h| h.version());
            let client = format!(
                "client {} -> {} (via {}, PROXY v{version})",
                conn.source(),
                conn.destination(),
                conn.peer_addr()
            );
            eprintln!("{client}");
            let stream = conn.stream_mut();
            let mut buf = [0u8; 4096];
            let mut first = true;
            loop {
                match stream.read(&mut buf).await {
                    Ok(0) | Err(_) => break,
                    Ok(n) if first && is_http(&buf[..n]) => {
                        let body = format!("{client}\n");
                        let head = format!(
                            "HTTP/1.1 200 OK\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                            body.len()
                        );
                        let _ = stream.write_all((head + &body).as_bytes()).await;
                        break;
                    }
                    Ok(n) => {
                        first = false;
                        if stream.write_all(&buf[..n]).await.is_err() {
                            break;
                        }
                    }
                }
            }
        });
    }
}

/// Whether the first bytes are an HTTP/1 request line.
fn is_http(data: &[u8]) -> bool {
    let line = data.split(|&b| b == b'\n').next().unwrap_or_default();
    [&b"GET "[..], b"HEAD ", b"POST "]
        .iter()
        .any(|m| line.starts_with(m))
        && line.windows(6).any(|w| w == b"HTTP/1")
}
