//! A transparent relay: accepts connections that start with a PROXY header, connects to the
//! backend *from the client's address* found in the header, and copies bytes both ways. The
//! backend needs no PROXY support at all: its `accept()` sees the real client.
//!
//! ```text
//! transparent_relay --listen 0.0.0.0:8443 --backend 198.51.100.2:8080 \
//!     [--trust 203.0.113.0/24]... [--port client|ephemeral] [--timeout-ms 5000]
//! ```
//!
//! * Every connection must start with a PROXY header (v1 or v2), read with
//!   [`proxy_wire::io::tokio::Acceptor`] within its header timeout. With `--trust` (repeatable),
//!   only peers in those prefixes may send one; others are refused. Without it every peer is
//!   trusted, which lets anyone choose the source address this host connects from: use
//!   `--trust` outside of tests.
//! * A header with a client address (TCP over IPv4 or IPv6) leads to a transparent connection
//!   ([`proxy_wire::transparent::Connector`]); a `LOCAL` or `UNKNOWN` header (health checks)
//!   to an ordinary one from this host's own address.
//! * Needs CAP_NET_ADMIN and the routing recipe in the `proxy_wire::transparent` docs.
//!
//! Each relayed connection prints one line when it starts and one when it ends. Run with
//! `cargo run --example transparent_relay --features transparent,tokio -- ...`.
//! `tests/transparent_netns.rs` runs it between two network namespaces.

#[cfg(any(target_os = "linux", target_os = "android"))]
fn main() -> std::process::ExitCode {
    linux::main()
}

#[cfg(not(any(target_os = "linux", target_os = "android")))]
fn main() -> std::process::ExitCode {
    eprintln!("transparent_relay needs Linux: IP_TRANSPARENT exists nowhere else");
    std::process::ExitCode::FAILURE
}

#[cfg(any(target_os = "linux", target_os = "android"))]
mod linux {
    use std::error::Error;
    use std::net::SocketAddr;
    use std::process::ExitCode;
    use std::time::Duration;

    use proxy_wire::io::tokio::Acceptor;
    use proxy_wire::io::{Accepted, AcceptorConfig, Cidr};
    use proxy_wire::transparent::{Connector, SourcePort};
    use tokio::io::AsyncWriteExt;
    use tokio::net::TcpStream;

    const USAGE: &str = "usage: transparent_relay --listen ADDR --backend ADDR [--trust CIDR]... \
                         [--port client|ephemeral] [--timeout-ms N]";

    pub(crate) fn main() -> ExitCode {
        let runtime = match tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
        {
            Ok(rt) => rt,
            Err(e) => {
                eprintln!("error: cannot start the runtime: {e}");
                return ExitCode::FAILURE;
            }
        };
        match runtime.block_on(run(std::env::args().skip(1).collect())) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::FAILURE
            }
        }
    }

    /// All values given after `--name`.
    fn opts<'a>(args: &'a [String], name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        args.windows(2)
            .filter(move |w| w[0] == name)
            .map(|w| w[1].as_str())
    }

    fn opt<'a>(args: &'a [String], name: &'a str) -> Option<&'a str> {
        opts(args, name).next()
    }

    async fn run(args: Vec<String>) -> Result<(), Box<dyn Error>> {
        let listen: SocketAddr = opt(&args, "--listen").ok_or(USAGE)?.parse()?;
        let backend: SocketAddr = opt(&args, "--backend").ok_or(USAGE)?.parse()?;
        let port = match opt(&args, "--port").unwrap_or("ephemeral") {
            "client" => SourcePort::Client,
            "ephemeral" => SourcePort::Ephemeral,
            other => return Err(format!("unknown --port {other:?}").into()),
        };
        // Kept beside the connector: the plain (non-transparent) connects use it too.
        let timeout = match opt(&args, "--timeout-ms") {
            Some(ms) => Duration::from_millis(ms.parse()?),
            None => Connector::DEFAULT_TIMEOUT,
        };
        let connector = Connector::new().source_port(port).timeout(timeout);
        let mut config = AcceptorConfig::new();
        for prefix in opts(&args, "--trust") {
            config = config.trust(prefix.parse::<Cidr>()?);
        }

        let mut acceptor = Acceptor::bind(listen, config).await?;
        println!("listening {}", acceptor.local_addr()?);
        loop {
            match acceptor.accept().await {
                Ok(conn) => {
                    let connector = connector.clone();
                    tokio::spawn(async move {
                        let peer = conn.peer_addr();
                        if let Err(e) = relay(conn, backend, &connector, timeout).await {
                            // The whole chain: the transparent errors say what to fix.
                            let mut text = e.to_string();
                            let mut source = e.source();
                            while let Some(cause) = source {
                                text.push_str(&format!(": {cause}"));
                                source = cause.source();
                            }
                            println!("failed from {peer}: {text}");
                        }
                    });
                }
                // One connection broke the policy (it is closed); keep serving.
                Err(e) if e.peer_addr().is_some() => println!("refused: {e}"),
                Err(e) => return Err(e.into()),
            }
        }
    }

    async fn relay(
        conn: Accepted<TcpStream>,
        backend: SocketAddr,
        connector: &Connector,
        timeout: Duration,
    ) -> Result<(), Box<dyn Error + Send + Sync>> {
        let client = conn.header().and_then(|h| h.source());
        let mut upstream = match client {
            Some(client) => connector.connect_tokio(client, backend).await?,
            None => {
                let plain = TcpStream::connect(backend);
                tokio::time::timeout(timeout, plain).await??
            }
        };
        let from = upstream.local_addr()?;
        println!("relay {} -> {backend} from {from}", conn.peer_addr());
        let (mut downstream, _header) = conn.into_parts();
        let (up, down) = tokio::io::copy_bidirectional(&mut downstream, &mut upstream).await?;
        let _ = downstream.shutdown().await;
        println!("closed {from}: {up} bytes up, {down} bytes down");
        Ok(())
    }
}
