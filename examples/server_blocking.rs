//! A blocking echo server behind a PROXY-protocol load balancer.
//!
//! Every connection must start with a PROXY header (v1 or v2) from a peer in 127.0.0.0/8 or
//! ::1; others are rejected. The server logs the real client and echoes the data back; to
//! an HTTP request it answers with one line naming the client instead.
//!
//! Run it, then send a header and some data (for example with the `sender` example, or with
//! curl, which sends a v1 header):
//!
//! ```text
//! $ cargo run --example server_blocking -- 127.0.0.1:8000
//! $ cargo run --example sender -- 127.0.0.1:8000 192.0.2.7:4242 "hello"
//! hello
//! $ curl --haproxy-protocol http://127.0.0.1:8000/
//! client 127.0.0.1:53712 -> 127.0.0.1:8000 (via 127.0.0.1:53712, PROXY v1)
//! ```

use std::io::{Read, Write};
use std::time::Duration;

use proxy_wire::io::{Acceptor, AcceptorConfig, HeaderPolicy};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:8000".into());
    let config = AcceptorConfig::new()
        .header_timeout(Duration::from_secs(5))
        .trust("127.0.0.0/8".parse()?)
        .trust("::1".parse()?)
        .untrusted_policy(HeaderPolicy::Reject);
    let acceptor = Acceptor::bind(addr.as_str(), config)?;
    eprintln!("listening on {}", acceptor.local_addr());

    loop {
        let mut conn = match acceptor.accept() {
            Ok(conn) => conn,
            Err(e) => {
                // One bad connection; it is closed already and the listener keeps serving.
                eprintln!("{e}");
                continue;
            }
        };
        std::thread::spawn(move || {
            let version = conn.header().map_or(0, |h| h.version());
            let client = format!(
                "client {} -> {} (via {}, PROXY v{version})",
                conn.source(),
                conn.destination(),
                conn.peer_addr()
            );
            eprintln!("{client}");
            if let Some(header) = conn.header() {
                for tlv in header.tlvs() {
                    eprintln!("  TLV {:?}: {:?}", tlv.tlv_type(), tlv.value());
                }
            }
            let stream = conn.stream_mut();
            let mut buf = [0u8; 4096];
            let mut first = true;
            loop {
                match stream.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) if first && is_http(&buf[..n]) => {
                        let body = format!("{client}\n");
                        let _ = write!(
                            stream,
                            "HTTP/1.1 200 OK\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                            body.len()
                        );
                        break;
                    }
                    Ok(n) => {
                        first = false;
                        if stream.write_all(&buf[..n]).is_err() {
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
