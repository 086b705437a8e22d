//! The PROXY protocol's reason to exist, running on loopback in one process: a DMZ chain.
//!
//! ```text
//!  clients            reverse proxy (DMZ)        load balancer (LAN)          server farm
//!  127.0.0.2..   -->  accepts plain TCP,    -->  accepts PROXY only from -->  3 servers accept PROXY
//!  (one source        forwards from              127.0.0.10, picks a server   only from 127.0.0.20 and
//!   address each)     127.0.0.10 with PROXY      by hashing the ORIGINAL      answer with the client
//!                     v2 + AUTHORITY +           client address, forwards     address and TLVs they
//!                     UNIQUE_ID TLVs             from 127.0.0.20 with v1/v2   learned
//! ```
//!
//! Without the PROXY protocol every server would see 127.0.0.20 (the load balancer) as its
//! client. With it, each hop prints the TCP peer it saw and the client address it learned, so
//! you can watch the client's address survive two hops, and source hashing keep each client on
//! one server.
//!
//! ```text
//! cargo run --example chain
//! cargo run --example chain -- --hop1 v1 --hop2 v2 --requests 12 --clients 4
//! ```
//!
//! Exits 0 only when every server learned the right client for every request (and each client
//! stayed on one server); 1 otherwise.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{IpAddr, Ipv4Addr, Shutdown, SocketAddr, TcpListener, TcpStream};
use std::process::ExitCode;
use std::thread;
use std::time::Duration;

use proxy_wire::io::{Accepted, Acceptor, AcceptorConfig, Cidr, HeaderPolicy};
use proxy_wire::v2::{self, TlvSpec, TlvType};
use proxy_wire::{v1, Encode};

/// The reverse proxy's outgoing source address: the only peer the load balancer trusts.
const RP_SOURCE: Ipv4Addr = Ipv4Addr::new(127, 0, 0, 10);
/// The load balancer's outgoing source address: the only peer the servers trust.
const LB_SOURCE: Ipv4Addr = Ipv4Addr::new(127, 0, 0, 20);
const SERVERS: usize = 3;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Version {
    V1,
    V2,
}

impl Version {
    fn name(self) -> &'static str {
        match self {
            Version::V1 => "v1",
            Version::V2 => "v2",
        }
    }
}

struct Options {
    hop1: Version,
    hop2: Version,
    requests: usize,
    clients: usize,
}

fn options() -> Result<Options, String> {
    let mut o = Options {
        hop1: Version::V2,
        hop2: Version::V1,
        requests: 8,
        clients: 4,
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or(format!("{flag} needs a value"));
        let version = |v: String| match v.as_str() {
            "v1" | "1" => Ok(Version::V1),
            "v2" | "2" => Ok(Version::V2),
            _ => Err(format!("unknown PROXY version {v:?} (v1 or v2)")),
        };
        match flag.as_str() {
            "--hop1" => o.hop1 = version(value()?)?,
            "--hop2" => o.hop2 = version(value()?)?,
            "--requests" => {
                o.requests = value()?.parse().map_err(|e| format!("--requests: {e}"))?
            }
            "--clients" => o.clients = value()?.parse().map_err(|e| format!("--clients: {e}"))?,
            "-h" | "--help" => {
                return Err(
                    "usage: chain [--hop1 v1|v2] [--hop2 v1|v2] [--requests N] [--clients K]"
                        .into(),
                )
            }
            other => return Err(format!("unknown argument {other:?} (try --help)")),
        }
    }
    if o.requests == 0 || o.requests > 1000 {
        return Err("--requests must be 1..=1000".into());
    }
    if o.clients == 0 || o.clients > 200 {
        return Err("--clients must be 1..=200".into());
    }
    Ok(o)
}

fn main() -> ExitCode {
    let opts = match options() {
        Ok(o) => o,
        Err(msg) => {
            eprintln!("{msg}");
            return ExitCode::from(64);
        }
    };
    match run(&opts) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("chain failed: {e}");
            ExitCode::FAILURE
        }
    }
}

/// An acceptor that requires a header from `trusted` only and rejects everyone else.
fn only_from(trusted: Ipv4Addr) -> io::Result<AcceptorConfig> {
    let prefix = Cidr::new(IpAddr::V4(trusted), 32).map_err(io::Error::other)?;
    Ok(AcceptorConfig::new()
        .header_timeout(Duration::from_secs(2))
        .trust(prefix)
        .untrusted_policy(HeaderPolicy::Reject))
}

/// A socket bound to `from` (port chosen by the kernel), as a proxy with several addresses
/// binds before it connects.
fn bind_from(from: Ipv4Addr) -> io::Result<socket2::Socket> {
    let socket = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None)?;
    socket.bind(&SocketAddr::new(IpAddr::V4(from), 0).into())?;
    Ok(socket)
}

/// Connects a socket from [`bind_from`] to `to`.
fn connect(socket: socket2::Socket, to: SocketAddr) -> io::Result<TcpStream> {
    socket.connect_timeout(&to.into(), Duration::from_secs(5))?;
    let stream: TcpStream = socket.into();
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    Ok(stream)
}

/// Connects to `to` from `from`.
fn connect_from(from: Ipv4Addr, to: SocketAddr) -> io::Result<TcpStream> {
    connect(bind_from(from)?, to)
}

/// Copies bytes both ways until each side has finished sending.
fn splice(a: TcpStream, b: TcpStream) -> io::Result<()> {
    let (mut a_read, mut b_write) = (a.try_clone()?, b.try_clone()?);
    let up = thread::spawn(move || {
        let n = io::copy(&mut a_read, &mut b_write);
        let _ = b_write.shutdown(Shutdown::Write);
        n
    });
    let (mut b_read, mut a_write) = (b, a);
    io::copy(&mut b_read, &mut a_write)?;
    a_write.shutdown(Shutdown::Write)?;
    up.join()
        .map_err(|_| io::Error::other("copy thread panicked"))??;
    Ok(())
}

fn run(opts: &Options) -> io::Result<bool> {
    println!(
        "DMZ chain: {} requests from {} clients; reverse proxy -> load balancer with PROXY {}, load balancer -> servers with PROXY {}",
        opts.requests,
        opts.clients,
        opts.hop1.name(),
        opts.hop2.name()
    );

    // The server farm: each accepts PROXY only from the load balancer.
    let mut servers = Vec::new();
    for index in 0..SERVERS {
        let acceptor = Acceptor::bind("127.0.0.1:0", only_from(LB_SOURCE)?)?;
        servers.push(acceptor.local_addr());
        thread::spawn(move || serve(index, acceptor));
    }

    // The load balancer: accepts PROXY only from the reverse proxy.
    let lb = Acceptor::bind("127.0.0.1:0", only_from(RP_SOURCE)?)?;
    let lb_addr = lb.local_addr();
    let farm = servers.clone();
    let hop2 = opts.hop2;
    thread::spawn(move || balance(lb, farm, hop2));

    // The reverse proxy: plain TCP in, PROXY out.
    let rp = TcpListener::bind("127.0.0.1:0")?;
    let rp_addr = rp.local_addr()?;
    let hop1 = opts.hop1;
    thread::spawn(move || reverse_proxy(rp, lb_addr, hop1));

    println!("reverse proxy {rp_addr}, load balancer {lb_addr}, servers {servers:?}\n");

    let mut all_ok = true;
    let mut placement: BTreeMap<IpAddr, BTreeSet<String>> = BTreeMap::new();
    for n in 0..opts.requests {
        let client_ip = Ipv4Addr::new(127, 0, 0, 2 + (n % opts.clients) as u8);
        let socket = bind_from(client_ip)?;
        let me = socket
            .local_addr()?
            .as_socket()
            .ok_or_else(|| io::Error::other("not an IP socket"))?;
        println!("request {n}: client {me} connects to the reverse proxy");
        let mut stream = connect(socket, rp_addr)?;
        stream.write_all(format!("GET /{n}\n").as_bytes())?;
        let mut answer = String::new();
        (&mut stream).take(4096).read_to_string(&mut answer)?;
        let answer = answer.trim_end();
        let field = |key: &str| {
            answer
                .split(' ')
                .find_map(|kv| kv.strip_prefix(key).and_then(|v| v.strip_prefix('=')))
                .unwrap_or("")
                .to_string()
        };
        let learned = field("client");
        let peer = field("tcp_peer");
        let server = field("server");
        let ok = learned == me.to_string();
        all_ok &= ok;
        placement
            .entry(IpAddr::V4(client_ip))
            .or_default()
            .insert(server.clone());
        println!(
            "  client: server {server} answered \"{answer}\"\n  => {}: the server's TCP peer was {peer}; through PROXY it learned {learned}\n",
            if ok { "OK" } else { "WRONG" }
        );
    }

    println!("placement (source hashing on the original client address):");
    let mut sticky = true;
    for (ip, servers) in &placement {
        let list: Vec<&str> = servers.iter().map(String::as_str).collect();
        println!("  {ip} -> server {}", list.join(", "));
        sticky &= servers.len() == 1;
    }
    if all_ok && sticky {
        println!(
            "\nPASS: all {} requests reached a server that learned the real client address through two hops; each client stayed on one server",
            opts.requests
        );
        Ok(true)
    } else {
        println!(
            "\nFAIL: {}{}",
            if all_ok {
                ""
            } else {
                "a server learned the wrong client; "
            },
            if sticky {
                ""
            } else {
                "a client moved between servers"
            }
        );
        Ok(false)
    }
}

fn reverse_proxy(listener: TcpListener, lb: SocketAddr, version: Version) {
    for (id, client) in listener.incoming().enumerate() {
        let Ok(client) = client else { continue };
        thread::spawn(move || {
            let peer = client
                .peer_addr()
                .map_or_else(|e| e.to_string(), |p| p.to_string());
            if let Err(e) = relay_from_dmz(client, lb, version, id) {
                eprintln!("  reverse proxy: connection from {peer}: {e}");
            }
        });
    }
}

fn relay_from_dmz(
    client: TcpStream,
    lb: SocketAddr,
    version: Version,
    id: usize,
) -> io::Result<()> {
    let peer = client.peer_addr()?;
    let local = client.local_addr()?;
    let mut upstream = connect_from(RP_SOURCE, lb)?;
    let unique_id = format!("req-{id:04}");
    let tlvs = [
        TlvSpec::Authority("app.example.com"),
        TlvSpec::UniqueId(unique_id.as_bytes()),
    ];
    let extra = match version {
        Version::V1 => {
            v1::Header::from_socket_addrs(peer, local).write_to(&mut upstream)?;
            String::new()
        }
        Version::V2 => {
            v2::Builder::proxy(v2::Protocol::Stream, (peer, local))
                .tlvs(&tlvs)
                .crc32c(true)
                .write_to(&mut upstream)?;
            format!(" + AUTHORITY app.example.com, UNIQUE_ID {unique_id}")
        }
    };
    println!(
        "  reverse proxy: TCP peer {peer} (the client) -> load balancer from {RP_SOURCE}, PROXY {}{extra}",
        version.name()
    );
    splice(client, upstream)
}

/// Deterministic hash of the client's IP (FNV-1a): HAProxy's `balance source` in spirit.
fn pick(ip: IpAddr, servers: usize) -> usize {
    let bytes: Vec<u8> = match ip {
        IpAddr::V4(v4) => v4.octets().to_vec(),
        IpAddr::V6(v6) => v6.octets().to_vec(),
    };
    let mut h: u32 = 0x811c_9dc5;
    for b in bytes {
        h = (h ^ u32::from(b)).wrapping_mul(0x0100_0193);
    }
    (h as usize) % servers
}

fn balance(acceptor: Acceptor, servers: Vec<SocketAddr>, version: Version) {
    loop {
        match acceptor.accept() {
            Ok(conn) => {
                let servers = servers.clone();
                thread::spawn(move || {
                    if let Err(e) = forward_to_farm(conn, &servers, version) {
                        eprintln!("  load balancer: {e}");
                    }
                });
            }
            Err(e) => eprintln!("  load balancer: refused a connection: {e}"),
        }
    }
}

fn forward_to_farm(
    conn: Accepted<TcpStream>,
    servers: &[SocketAddr],
    version: Version,
) -> io::Result<()> {
    let client = conn.source();
    let destination = conn.destination();
    let index = pick(client.ip(), servers.len());
    let received: Vec<String> = conn
        .header()
        .map(|h| {
            h.tlvs()
                .filter_map(|t| {
                    let name = t.tlv_type().name()?;
                    Some(format!(
                        "{name} {}",
                        String::from_utf8_lossy(t.value_bytes())
                    ))
                })
                .filter(|s| !s.starts_with("CRC32C"))
                .collect()
        })
        .unwrap_or_default();
    println!(
        "  load balancer: TCP peer {} (the reverse proxy), learned client {client}{} -> server {index} (hash of {}) with PROXY {}",
        conn.peer_addr(),
        if received.is_empty() { String::new() } else { format!(" and TLVs [{}]", received.join(", ")) },
        client.ip(),
        version.name()
    );
    let (inbound, header) = conn.into_parts();
    // Pass the TLVs on; the CRC32C is recomputed over the new header.
    let forwarded: Vec<TlvSpec<'_>> = header
        .as_ref()
        .map(|h| {
            h.header()
                .tlvs()
                .filter(|t| t.tlv_type() != TlvType::CRC32C)
                .map(TlvSpec::from)
                .collect()
        })
        .unwrap_or_default();
    let mut upstream = connect_from(LB_SOURCE, servers[index])?;
    match version {
        Version::V1 => {
            v1::Header::from_socket_addrs(client, destination).write_to(&mut upstream)?
        }
        Version::V2 => v2::Builder::proxy(v2::Protocol::Stream, (client, destination))
            .tlvs(&forwarded)
            .crc32c(true)
            .write_to(&mut upstream)?,
    };
    splice(inbound, upstream)
}

fn serve(index: usize, acceptor: Acceptor) {
    loop {
        match acceptor.accept() {
            Ok(conn) => {
                thread::spawn(move || {
                    if let Err(e) = answer(index, conn) {
                        eprintln!("  server {index}: {e}");
                    }
                });
            }
            Err(e) => eprintln!("  server {index}: refused a connection: {e}"),
        }
    }
}

fn answer(index: usize, conn: Accepted<TcpStream>) -> io::Result<()> {
    let peer = conn.peer_addr();
    let client = conn.source();
    let header = conn.header();
    let authority = header.and_then(|h| h.authority()).map(str::to_owned);
    let unique_id = header
        .and_then(|h| h.unique_id())
        .map(|id| String::from_utf8_lossy(id).into_owned());
    let (stream, _) = conn.into_parts();
    let mut stream = BufReader::new(stream);
    let mut request = String::new();
    (&mut stream).take(256).read_line(&mut request)?;
    println!(
        "  server {index}: TCP peer {peer} (the load balancer), learned client {client}{}{}; request {:?}",
        authority.as_deref().map(|a| format!(", AUTHORITY {a}")).unwrap_or_default(),
        unique_id.as_deref().map(|u| format!(", UNIQUE_ID {u}")).unwrap_or_default(),
        request.trim_end()
    );
    let reply = format!(
        "server={index} tcp_peer={peer} client={client} authority={} unique_id={}\n",
        authority.as_deref().unwrap_or("-"),
        unique_id.as_deref().unwrap_or("-")
    );
    let stream = stream.get_mut();
    stream.write_all(reply.as_bytes())?;
    stream.shutdown(Shutdown::Write)
}
