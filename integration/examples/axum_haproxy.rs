//! An axum app behind HAProxy, which terminates HTTPS (checking client certificates) and sends
//! a PROXY v2 header first on each connection. Every handler sees the client's address as
//! `ConnectInfo<SocketAddr>`; this one answers with it and with the header's TLVs.
//!
//!     cargo run -p proxy-wire-integration --example axum_haproxy -- 127.0.0.1:8080 127.0.0.1
//!
//! (listen address; address or prefix of the HAProxy trusted to send headers)
use std::net::SocketAddr;
use std::time::Duration;

use axum::{extract::ConnectInfo, routing::get, Router};
use proxy_wire::io::tokio::{Acceptor, Proxied, WithConnectInfo};
use proxy_wire::io::AcceptorConfig;

/// The client, the SNI name, HAProxy's unique id and the client certificate's CN.
async fn whoami(
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    ConnectInfo(conn): ConnectInfo<Proxied>,
) -> String {
    let h = conn.header();
    let authority = h.and_then(|h| h.authority()).unwrap_or("-");
    let unique_id = h.and_then(|h| h.unique_id()).map(String::from_utf8_lossy);
    let cn = h
        .and_then(|h| h.ssl())
        .and_then(|ssl| ssl.cn())
        .unwrap_or("-");
    let unique_id = unique_id.as_deref().unwrap_or("-");
    format!("client={client} authority={authority} unique_id={unique_id} cn={cn}\n")
}

pub fn app() -> Router {
    Router::new().route("/", get(whoami))
}

/// Serves the app; connections the acceptor turns away go to its `on_error` hook.
pub async fn serve(acceptor: Acceptor) -> std::io::Result<()> {
    axum::serve(acceptor, WithConnectInfo::new(app())).await
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let listen = args.next().unwrap_or_else(|| "127.0.0.1:8080".into());
    let haproxy = args.next().unwrap_or_else(|| "127.0.0.1".into());
    let config = AcceptorConfig::new()
        .trust(haproxy.parse()?) // anyone else is turned away
        .header_timeout(Duration::from_secs(5));
    let acceptor = Acceptor::bind(listen, config).await?;
    println!(
        "listening on {}, trusting {haproxy}",
        acceptor.local_addr()?
    );
    serve(acceptor.on_error(|e| eprintln!("turned away: {e}"))).await?;
    Ok(())
}
