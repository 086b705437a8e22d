//! Check a transparent-proxy setup by hand: connect to a backend from the client address found
//! in a PROXY header, and see which address the backend's `accept()` reports.
//!
//! Two roles, one binary (the namespace test `tests/transparent_netns.rs` drives both), plus a
//! third, `send`, described below:
//!
//! ```text
//! # on the backend: accept one connection, print its peer address, tell it to the caller
//! transparent_connect serve --listen 198.51.100.2:8080 [--accept-timeout-ms 10000]
//!
//! # on the proxy host (needs CAP_NET_ADMIN and the routing recipe of proxy_wire::transparent);
//! # the header is a real PROXY header, v1 or v2, as hex ("-" reads raw bytes from stdin)
//! transparent_connect connect --header-hex 50524f5859205443503420... \
//!     --backend 198.51.100.2:8080 [--port client|ephemeral] [--timeout-ms 5000]
//! ```
//!
//! A third role stands in for a load balancer in front of `transparent_relay`: it connects
//! normally, sends the header and a line of data, and prints the line that comes back.
//!
//! ```text
//! transparent_connect send --to 127.0.0.1:8443 --header-hex 50524f5859... [--timeout-ms 5000]
//! ```
//!
//! Build a header with e.g. `printf 'PROXY TCP4 192.0.2.7 198.51.100.1 40000 443\r\n' | xxd -p`.
//!
//! `connect` prints `client <addr>` (from the header), `connected local=<addr>` and then
//! `backend-saw <addr>` (what the backend's `accept()` returned, as `serve` reports it back),
//! and exits 0. On failure it prints `error: <message>` and each cause on stderr and exits 1;
//! the message says what to do (missing capability, missing reply route, ...).
//!
//! Run with `cargo run --example transparent_connect --features transparent -- connect ...`.

#[cfg(any(target_os = "linux", target_os = "android"))]
fn main() -> std::process::ExitCode {
    linux::main()
}

#[cfg(not(any(target_os = "linux", target_os = "android")))]
fn main() -> std::process::ExitCode {
    eprintln!("transparent_connect needs Linux: IP_TRANSPARENT exists nowhere else");
    std::process::ExitCode::FAILURE
}

#[cfg(any(target_os = "linux", target_os = "android"))]
mod linux {
    use std::error::Error;
    use std::io::{self, BufRead, BufReader, Read, Write};
    use std::net::{SocketAddr, TcpListener, TcpStream};
    use std::process::ExitCode;
    use std::time::{Duration, Instant};

    use proxy_wire::transparent::{Connector, SourcePort};

    pub(crate) fn main() -> ExitCode {
        let args: Vec<String> = std::env::args().skip(1).collect();
        let result = match args.first().map(String::as_str) {
            Some("connect") => connect(&args[1..]),
            Some("serve") => serve(&args[1..]),
            Some("send") => send(&args[1..]),
            _ => Err(USAGE.into()),
        };
        match result {
            Ok(()) => ExitCode::SUCCESS,
            Err(err) => {
                eprintln!("error: {err}");
                let mut source = err.source();
                while let Some(cause) = source {
                    eprintln!("caused by: {cause}");
                    source = cause.source();
                }
                ExitCode::FAILURE
            }
        }
    }

    const USAGE: &str = "usage: transparent_connect connect --header-hex HEX|- --backend ADDR \
                     [--port client|ephemeral] [--timeout-ms N]\n       \
                     transparent_connect serve --listen ADDR [--accept-timeout-ms N]\n       \
                     transparent_connect send --to ADDR --header-hex HEX|- [--timeout-ms N]";

    /// The value after `--name`, if given.
    fn opt<'a>(args: &'a [String], name: &str) -> Option<&'a str> {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .map(String::as_str)
    }

    fn millis(args: &[String], name: &str, default: u64) -> Result<Duration, Box<dyn Error>> {
        Ok(Duration::from_millis(match opt(args, name) {
            Some(v) => v.parse()?,
            None => default,
        }))
    }

    fn connect(args: &[String]) -> Result<(), Box<dyn Error>> {
        let header_bytes = header_arg(args)?;
        let backend: SocketAddr = opt(args, "--backend").ok_or(USAGE)?.parse()?;
        let mode = match opt(args, "--port").unwrap_or("ephemeral") {
            "client" => SourcePort::Client,
            "ephemeral" => SourcePort::Ephemeral,
            other => return Err(format!("unknown --port {other:?} (client or ephemeral)").into()),
        };
        let timeout = millis(args, "--timeout-ms", 5000)?;

        let (header, consumed) = proxy_wire::parse(&header_bytes)?
            .complete()
            .ok_or("the PROXY header is incomplete")?;
        if consumed != header_bytes.len() {
            return Err(
                format!("{} bytes follow the header", header_bytes.len() - consumed).into(),
            );
        }
        let client = header
            .source()
            .ok_or("the header carries no client address (LOCAL, UNKNOWN or UNIX)")?;
        println!("client {client}");

        let mut stream = Connector::new()
            .source_port(mode)
            .timeout(timeout)
            .connect(client, backend)?;
        println!("connected local={}", stream.local_addr()?);

        stream.set_read_timeout(Some(timeout))?;
        stream.write_all(b"hello from transparent_connect\n")?;
        let mut reply = String::new();
        BufReader::new(&stream).take(256).read_line(&mut reply)?;
        let seen = reply
            .strip_prefix("seen ")
            .ok_or_else(|| format!("unexpected reply from the backend: {reply:?}"))?;
        println!("backend-saw {}", seen.trim_end());
        Ok(())
    }

    /// Header bytes from `--header-hex` (`-`: raw bytes from stdin).
    fn header_arg(args: &[String]) -> Result<Vec<u8>, Box<dyn Error>> {
        Ok(match opt(args, "--header-hex").ok_or(USAGE)? {
            "-" => {
                let mut raw = Vec::new();
                io::stdin().take(64 * 1024).read_to_end(&mut raw)?;
                raw
            }
            text => hex::decode(text.trim())?,
        })
    }

    fn send(args: &[String]) -> Result<(), Box<dyn Error>> {
        let header = header_arg(args)?;
        let to: SocketAddr = opt(args, "--to").ok_or(USAGE)?.parse()?;
        let timeout = millis(args, "--timeout-ms", 5000)?;
        let mut stream = TcpStream::connect_timeout(&to, timeout)?;
        stream.set_read_timeout(Some(timeout))?;
        // The header in one write, then the data, as a load balancer would send them.
        stream.write_all(&header)?;
        stream.write_all(b"hello from transparent_connect\n")?;
        let mut reply = String::new();
        BufReader::new(&stream).take(256).read_line(&mut reply)?;
        println!("reply {}", reply.trim_end());
        Ok(())
    }

    fn serve(args: &[String]) -> Result<(), Box<dyn Error>> {
        let listen: SocketAddr = opt(args, "--listen").ok_or(USAGE)?.parse()?;
        let limit = millis(args, "--accept-timeout-ms", 10_000)?;
        let listener = TcpListener::bind(listen)?;
        println!("listening {}", listener.local_addr()?);
        io::stdout().flush()?;

        // std has no accept timeout: poll a non-blocking listener until the deadline.
        listener.set_nonblocking(true)?;
        let deadline = Instant::now() + limit;
        let (stream, peer) = loop {
            match listener.accept() {
                Ok(accepted) => break accepted,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock && Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(10));
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    return Err(format!("no connection within {limit:?}").into());
                }
                Err(e) => return Err(e.into()),
            }
        };
        println!("accepted {peer}");
        io::stdout().flush()?;
        reply_seen(stream, peer, limit)
    }

    fn reply_seen(
        stream: TcpStream,
        peer: SocketAddr,
        limit: Duration,
    ) -> Result<(), Box<dyn Error>> {
        stream.set_nonblocking(false)?;
        stream.set_read_timeout(Some(limit))?;
        let mut line = String::new();
        BufReader::new(&stream).take(256).read_line(&mut line)?;
        (&stream).write_all(format!("seen {peer}\n").as_bytes())?;
        Ok(())
    }
}
