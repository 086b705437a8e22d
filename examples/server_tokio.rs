//! An async echo server behind a PROXY-protocol load balancer, with tokio.
//!
//! Peers in 127.0.0.0/8 or ::1 must send a PROXY header (v1 or v2); other peers are served
//! as plain connections (their own address is the client's) and are refused if they try to
//! send a header. Headers are awaited for at most 3 seconds.
//!
//! ```text
//! cargo run --features tokio --example server_tokio -- 127.0.0.1:8000
//! cargo run --example sender -- 127.0.0.1:8000 192.0.2.7:4242 "hello"
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
            eprintln!(
                "client {} -> {} (via {}, header: {})",
                conn.source(),
                conn.destination(),
                conn.peer_addr(),
                conn.header().is_some()
            );
            let stream = conn.stream_mut();
            let mut buf = [0u8; 4096];
            loop {
                match stream.read(&mut buf).await {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        if stream.write_all(&buf[..n]).await.is_err() {
                            break;
                        }
                    }
                }
            }
        });
    }
}
