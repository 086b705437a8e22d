//! Interop with real peers on loopback: HAProxy sending v1 and v2 (with CRC32C, UNIQUE_ID,
//! AUTHORITY, ALPN and SSL TLVs) into our acceptor; our encoder into HAProxy `accept-proxy`
//! and nginx `proxy_protocol`; `curl --haproxy-protocol` into our acceptor.
//!
//! A missing tool makes its test print `SKIPPED: <tool> not installed` to stderr and pass,
//! unless `PROXY_WIRE_REQUIRE_INTEROP=1` is set, when it fails. Ports are picked at run time;
//! every daemon is a child process stopped by its PID (SIGTERM, then SIGKILL after 5 s),
//! also when a test fails.
#![cfg(feature = "std")]

use std::fs;
use std::io::{Read, Write};
use std::net::{IpAddr, Shutdown, SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Command, Output};
use std::thread;
use std::time::Duration;

use proxy_wire::io::{connect_with_header, AcceptError, Accepted, Acceptor, AcceptorConfig};
use proxy_wire::v2::{self, SslClient, TlvSpec};
use proxy_wire::{v1, Encode, Header};
use sha2::{Digest, Sha256};

mod peers;
use peers::{free_port, has_ipv6, start, tool, Daemon, TempDir};

const T: Duration = Duration::from_secs(10);

// ---------------------------------------------------------------------------------------
// Support: tools, temp dirs, ports, daemons (tests/peers).

fn haproxy(dir: &TempDir, bin: &Path, make: impl FnMut() -> (String, SocketAddr)) -> Daemon {
    start("haproxy", dir, make, |cfg| {
        let mut c = Command::new(bin);
        c.arg("-db").arg("-f").arg(cfg);
        c
    })
}

const HAPROXY_GLOBAL: &str = "global
    nbthread 1
    maxconn 256
    log stderr format raw local0 info

defaults
    log global
    option dontlognull
    timeout connect 2s
    timeout client 5s
    timeout server 5s
";

fn sha(bytes: &[u8]) -> Vec<u8> {
    Sha256::digest(bytes).to_vec()
}

fn payload(len: usize) -> Vec<u8> {
    let mut x: u32 = 0x1234_5678;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x as u8
        })
        .collect()
}

/// Our acceptor, trusting only loopback peers.
fn our_acceptor(ip: &str) -> Acceptor {
    let config = AcceptorConfig::new()
        .trust("127.0.0.0/8".parse().unwrap())
        .trust("::1".parse().unwrap())
        .header_timeout(Duration::from_secs(5));
    Acceptor::bind((ip, 0), config).unwrap()
}

/// `acc.accept()`, giving up after `T`: a watchdog then connects and sends a line that is
/// no header, so a peer that never comes fails the test (with its log) instead of hanging.
fn accept_within(acc: &Acceptor) -> Result<Accepted, AcceptError> {
    let (done, wait) = std::sync::mpsc::channel::<()>();
    let addr = acc.local_addr();
    let dog = thread::spawn(move || {
        if wait.recv_timeout(T).is_err() {
            if let Ok(mut s) = TcpStream::connect(addr) {
                let _ = s.write_all(b"watchdog: no connection within the test's timeout\r\n");
            }
        }
    });
    let accepted = acc.accept();
    let _ = done.send(());
    let _ = dog.join();
    accepted
}

/// Connects from `from` (any local address) to `to`.
fn connect_from(from: IpAddr, to: SocketAddr) -> TcpStream {
    let domain = socket2::Domain::for_address(to);
    let s = socket2::Socket::new(domain, socket2::Type::STREAM, None).unwrap();
    s.bind(&SocketAddr::new(from, 0).into()).unwrap();
    s.connect_timeout(&to.into(), T).unwrap();
    s.into()
}

/// Reads the whole connection, replies with the SHA-256 of what came, and closes.
fn echo_hash(conn: &mut Accepted) {
    let stream = conn.stream_mut();
    stream.set_read_timeout(Some(T)).unwrap();
    let mut all = Vec::new();
    stream.read_to_end(&mut all).unwrap();
    stream.write_all(&sha(&all)).unwrap();
    stream.shutdown(Shutdown::Write).unwrap();
}

fn tlv_text(conn: &Accepted, f: impl for<'a> Fn(Header<'a>) -> Option<&'a [u8]>) -> Option<String> {
    f(conn.header()?).map(|b| String::from_utf8_lossy(b).into_owned())
}

// ---------------------------------------------------------------------------------------
// HAProxy sends into our acceptor.

#[test]
fn haproxy_send_proxy_v1_and_v2_into_our_acceptor() {
    let Some(bin) = tool("haproxy") else { return };
    let dir = TempDir::new("hap-send");
    let acc = our_acceptor("127.0.0.1");
    let checks = our_acceptor("127.0.0.1");
    let b = acc.local_addr().port();
    let chk = checks.local_addr().port();
    let v6 = has_ipv6();
    let mut ports = (0, 0, 0, 0);
    let daemon = haproxy(&dir, &bin, || {
        ports = (
            free_port("127.0.0.1"),
            free_port("127.0.0.1"),
            free_port("127.0.0.1"),
            if v6 { free_port("::1") } else { 0 },
        );
        let (ready, a1, a2, a1_6) = ports;
        let bind6 = if v6 {
            format!("    bind [::1]:{a1_6}\n")
        } else {
            String::new()
        };
        let config = format!(
            "{HAPROXY_GLOBAL}
frontend ready
    bind 127.0.0.1:{ready}
    mode http
    http-request return status 200 content-type text/plain string ready

frontend fe_v1
    bind 127.0.0.1:{a1}
{bind6}    mode tcp
    default_backend be_v1
backend be_v1
    mode tcp
    server rcv 127.0.0.1:{b} send-proxy

frontend fe_v2
    bind 127.0.0.1:{a2}
    mode tcp
    unique-id-format %{{+X}}o\\ %ci:%cp_%fi:%fp
    default_backend be_v2
backend be_v2
    mode tcp
    server rcv 127.0.0.1:{b} send-proxy-v2 proxy-v2-options crc32c,unique-id,authority

backend be_check
    mode tcp
    server chk 127.0.0.1:{chk} send-proxy-v2 proxy-v2-options crc32c check inter 300ms
"
        );
        (config, format!("127.0.0.1:{ready}").parse().unwrap())
    });
    let (_, a1, a2, a1_6) = ports;
    let data = payload(300_000);

    let mut cases = vec![
        ("127.0.0.2".parse::<IpAddr>().unwrap(), a1, 1u8),
        ("127.0.0.3".parse().unwrap(), a2, 2),
    ];
    if v6 {
        cases.push(("::1".parse().unwrap(), a1_6, 1));
    }
    for (client_ip, port, version) in cases {
        let fe: SocketAddr = SocketAddr::new(
            if client_ip.is_ipv6() {
                "::1".parse().unwrap()
            } else {
                "127.0.0.1".parse().unwrap()
            },
            port,
        );
        let sent = data.clone();
        let client = thread::spawn(move || {
            let mut s = connect_from(client_ip, fe);
            let local = s.local_addr().unwrap();
            s.write_all(&sent).unwrap();
            s.shutdown(Shutdown::Write).unwrap();
            s.set_read_timeout(Some(T)).unwrap();
            let mut reply = Vec::new();
            s.read_to_end(&mut reply).unwrap();
            (local, reply)
        });
        let mut conn =
            accept_within(&acc).unwrap_or_else(|e| panic!("{e}\nhaproxy log:\n{}", daemon.log()));
        echo_hash(&mut conn);
        let (client_addr, reply) = client.join().unwrap();
        assert_eq!(reply, sha(&data), "payload through haproxy differs");
        let header = conn.header().expect("a header");
        assert_eq!(header.version(), version);
        assert_eq!(conn.source(), client_addr, "client address");
        assert_eq!(conn.destination(), fe, "frontend address");
        assert_eq!(
            conn.peer_addr().ip(),
            "127.0.0.1".parse::<IpAddr>().unwrap()
        );
        if version == 2 {
            assert!(
                matches!(header, Header::V2(h) if h.crc32c().is_some()),
                "CRC32C TLV (verified by the parser)"
            );
            let uid = tlv_text(&conn, |h| h.unique_id()).expect("UNIQUE_ID TLV");
            let IpAddr::V4(ip) = client_addr.ip() else {
                unreachable!()
            };
            let want = format!(
                "{:08X}:{:04X}_{:08X}:{:04X}",
                u32::from(ip),
                client_addr.port(),
                u32::from(std::net::Ipv4Addr::LOCALHOST),
                port
            );
            assert_eq!(uid, want);
            // AUTHORITY needs TLS SNI in haproxy 2.6: absent on a plain TCP frontend.
            assert_eq!(header.authority(), None);
        }
    }

    // Health checks: v2 LOCAL with only a CRC32C TLV; the real addresses apply.
    let conn =
        accept_within(&checks).unwrap_or_else(|e| panic!("{e}\nhaproxy log:\n{}", daemon.log()));
    let header = conn.header().unwrap();
    assert_eq!(header.command(), v2::Command::Local);
    assert_eq!(header.tlvs().count(), 1);
    assert_eq!(header.source(), None);
    assert_eq!(conn.source(), conn.peer_addr());
    drop(daemon); // stopped by its PID only now, after its last connection
}

#[test]
fn haproxy_tls_frontend_sends_authority_alpn_and_ssl_tlvs() {
    let (Some(bin), Some(openssl), Some(curl)) = (tool("haproxy"), tool("openssl"), tool("curl"))
    else {
        return;
    };
    let dir = TempDir::new("hap-tls");
    let key = dir.path().join("server.key");
    let crt = dir.path().join("server.crt");
    let out = Command::new(&openssl)
        .args([
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
        ])
        .args([
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=example.test",
            "-keyout",
        ])
        .arg(&key)
        .arg("-out")
        .arg(&crt)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "openssl: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let pem = dir.path().join("server.pem");
    fs::write(
        &pem,
        [fs::read(&crt).unwrap(), fs::read(&key).unwrap()].concat(),
    )
    .unwrap();

    let acc = our_acceptor("127.0.0.1");
    let b = acc.local_addr().port();
    let mut tls_port = 0;
    let daemon = haproxy(&dir, &bin, || {
        tls_port = free_port("127.0.0.1");
        let config = format!(
            "{HAPROXY_GLOBAL}
frontend fe_tls
    bind 127.0.0.1:{tls_port} ssl crt {pem} alpn http/1.1
    mode http
    unique-id-format %{{+X}}o\\ %ci:%cp
    default_backend be_tls
backend be_tls
    mode http
    server rcv 127.0.0.1:{b} send-proxy-v2 proxy-v2-options crc32c,unique-id,authority,ssl
",
            pem = pem.display()
        );
        (config, format!("127.0.0.1:{tls_port}").parse().unwrap())
    });

    let url = format!("https://example.test:{tls_port}/");
    let resolve = format!("example.test:{tls_port}:127.0.0.1");
    let client = thread::spawn(move || {
        Command::new(curl)
            .args([
                "-sS",
                "-k",
                "--http1.1",
                "--max-time",
                "10",
                "--resolve",
                &resolve,
                &url,
            ])
            .output()
            .unwrap()
    });
    // haproxy's own connection to us comes first; the readiness probe above made none.
    let mut conn =
        accept_within(&acc).unwrap_or_else(|e| panic!("{e}\nhaproxy log:\n{}", daemon.log()));
    let request = read_http_request(&mut conn);
    assert!(request.starts_with("GET / HTTP/1.1\r\n"), "{request}");
    respond(&mut conn, "tls ok");
    let out: Output = client.join().unwrap();
    assert!(
        out.status.success(),
        "curl: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.stdout, b"tls ok");

    assert_eq!(
        tlv_text(&conn, |h| h.authority().map(str::as_bytes)).as_deref(),
        Some("example.test")
    );
    assert_eq!(tlv_text(&conn, |h| h.alpn()).as_deref(), Some("http/1.1"));
    let header = conn.header().unwrap();
    assert!(matches!(header, Header::V2(h) if h.crc32c().is_some()));
    let ssl = header.ssl().expect("SSL TLV");
    assert!(ssl.client().contains(SslClient::SSL), "{:?}", ssl.client());
    assert_eq!(ssl.version(), Some("TLSv1.3"));
    assert!(conn.source().ip().is_loopback());
    assert_eq!(conn.destination().port(), tls_port);
}

/// Reads an HTTP/1 request head (up to the blank line) from the connection.
fn read_http_request(conn: &mut Accepted) -> String {
    let stream = conn.stream_mut();
    stream.set_read_timeout(Some(T)).unwrap();
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") && head.len() < 16 * 1024 {
        if stream.read(&mut byte).unwrap() == 0 {
            break;
        }
        head.push(byte[0]);
    }
    String::from_utf8_lossy(&head).into_owned()
}

fn respond(conn: &mut Accepted, body: &str) {
    let reply = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    conn.stream_mut().write_all(reply.as_bytes()).unwrap();
    let _ = conn.stream_mut().shutdown(Shutdown::Write);
}

// ---------------------------------------------------------------------------------------
// Our encoder into HAProxy and nginx.

/// Sends `header` then an HTTP/1.0 request to `to`; returns the response body.
fn http_via_header<H: Encode>(to: SocketAddr, header: &H) -> String {
    let mut s = connect_with_header(to, header).unwrap();
    s.write_all(b"GET / HTTP/1.0\r\nHost: test\r\n\r\n")
        .unwrap();
    s.set_read_timeout(Some(T)).unwrap();
    let mut response = Vec::new();
    let _ = s.read_to_end(&mut response);
    let response = String::from_utf8_lossy(&response).into_owned();
    assert!(
        response.starts_with("HTTP/1.1 200"),
        "response: {response:?}"
    );
    response
        .split_once("\r\n\r\n")
        .map(|(_, body)| body.to_owned())
        .unwrap_or_default()
}

fn sa(s: &str) -> SocketAddr {
    s.parse().unwrap()
}

#[test]
fn our_headers_into_haproxy_accept_proxy() {
    let Some(bin) = tool("haproxy") else { return };
    let dir = TempDir::new("hap-recv");
    let v6 = has_ipv6();
    let mut ports = (0, 0);
    let daemon = haproxy(&dir, &bin, || {
        ports = (
            free_port("127.0.0.1"),
            if v6 { free_port("::1") } else { 0 },
        );
        let (c, c6) = ports;
        let bind6 = if v6 {
            format!("    bind [::1]:{c6} accept-proxy\n")
        } else {
            String::new()
        };
        let config = format!(
            "{HAPROXY_GLOBAL}
frontend fe_pp
    bind 127.0.0.1:{c} accept-proxy
{bind6}    mode http
    http-request return status 200 content-type text/plain lf-string \"%[src]:%[src_port] dst=%[dst]:%[dst_port] authority=%[fc_pp_authority] unique_id=%[fc_pp_unique_id]\"
"
        );
        (config, format!("127.0.0.1:{c}").parse().unwrap())
    });
    let to = SocketAddr::new("127.0.0.1".parse().unwrap(), ports.0);
    let check = |body: String, want: &str| {
        assert_eq!(body, want, "haproxy log:\n{}", daemon.log());
    };

    let h = v1::Header::from_socket_addrs(sa("192.0.2.7:4242"), sa("192.0.2.1:80"));
    check(
        http_via_header(to, &h),
        "192.0.2.7:4242 dst=192.0.2.1:80 authority= unique_id=",
    );
    let h = v1::Header::from_socket_addrs(sa("[2001:db8::7]:4242"), sa("[2001:db8::1]:80"));
    check(
        http_via_header(to, &h),
        "2001:db8::7:4242 dst=2001:db8::1:80 authority= unique_id=",
    );

    let tlvs = [
        TlvSpec::Authority("example.test"),
        TlvSpec::UniqueId(b"abc-123"),
        TlvSpec::Noop(3),
    ];
    let h = v2::Builder::proxy(
        v2::Protocol::Stream,
        (sa("192.0.2.7:4242"), sa("192.0.2.1:80")),
    )
    .tlvs(&tlvs)
    .crc32c(true);
    check(
        http_via_header(to, &h),
        "192.0.2.7:4242 dst=192.0.2.1:80 authority=example.test unique_id=abc-123",
    );

    // LOCAL and UNKNOWN: haproxy uses the real connection's addresses.
    for local in [true, false] {
        let mut s = if local {
            connect_with_header(to, &v2::Builder::local().crc32c(true)).unwrap()
        } else {
            connect_with_header(to, &v1::Header::Unknown).unwrap()
        };
        let me = s.local_addr().unwrap();
        s.write_all(b"GET / HTTP/1.0\r\n\r\n").unwrap();
        s.set_read_timeout(Some(T)).unwrap();
        let mut response = String::new();
        let _ = s.read_to_string(&mut response);
        let body = response
            .split_once("\r\n\r\n")
            .map(|(_, b)| b)
            .unwrap_or_default();
        check(
            body.to_owned(),
            &format!(
                "{}:{} dst={}:{} authority= unique_id=",
                me.ip(),
                me.port(),
                to.ip(),
                to.port()
            ),
        );
    }

    if v6 {
        let to6 = SocketAddr::new("::1".parse().unwrap(), ports.1);
        let h = v2::Builder::proxy(
            v2::Protocol::Stream,
            (sa("[2001:db8::7]:4242"), sa("[2001:db8::1]:80")),
        );
        check(
            http_via_header(to6, &h),
            "2001:db8::7:4242 dst=2001:db8::1:80 authority= unique_id=",
        );
    }
}

#[test]
fn our_headers_into_nginx_proxy_protocol() {
    let Some(bin) = tool("nginx") else { return };
    let dir = TempDir::new("nginx");
    for sub in [
        "client_body_temp",
        "proxy_temp",
        "fastcgi_temp",
        "uwsgi_temp",
        "scgi_temp",
    ] {
        fs::create_dir_all(dir.path().join(sub)).unwrap();
    }
    let v6 = has_ipv6();
    let mut ports = (0, 0);
    let root = dir.path().display().to_string();
    let daemon = start(
        "nginx",
        &dir,
        || {
            ports = (
                free_port("127.0.0.1"),
                if v6 { free_port("::1") } else { 0 },
            );
            let (d, d6) = ports;
            let listen6 = if v6 {
                format!("        listen [::1]:{d6} proxy_protocol;\n")
            } else {
                String::new()
            };
            let config = format!(
                "worker_processes 1;
daemon off;
master_process off;
pid {root}/nginx.pid;
error_log stderr notice;
events {{ worker_connections 64; }}
http {{
    access_log off;
    client_body_temp_path {root}/client_body_temp;
    proxy_temp_path {root}/proxy_temp;
    fastcgi_temp_path {root}/fastcgi_temp;
    uwsgi_temp_path {root}/uwsgi_temp;
    scgi_temp_path {root}/scgi_temp;
    server {{
        listen 127.0.0.1:{d} proxy_protocol;
{listen6}        location / {{
            default_type text/plain;
            return 200 \"$proxy_protocol_addr:$proxy_protocol_port server=$proxy_protocol_server_addr:$proxy_protocol_server_port\";
        }}
    }}
}}
"
            );
            (config, format!("127.0.0.1:{d}").parse().unwrap())
        },
        |conf| {
            let mut c = Command::new(&bin);
            c.arg("-p")
                .arg(format!("{root}/"))
                .args(["-e", "stderr", "-c"])
                .arg(conf);
            c
        },
    );
    let to = SocketAddr::new("127.0.0.1".parse().unwrap(), ports.0);
    let check = |body: String, want: &str| {
        assert_eq!(body, want, "nginx log:\n{}", daemon.log());
    };

    let h = v1::Header::from_socket_addrs(sa("192.0.2.7:4242"), sa("192.0.2.1:80"));
    check(
        http_via_header(to, &h),
        "192.0.2.7:4242 server=192.0.2.1:80",
    );
    let h = v1::Header::from_socket_addrs(sa("[2001:db8::7]:4242"), sa("[2001:db8::1]:80"));
    check(
        http_via_header(to, &h),
        "2001:db8::7:4242 server=2001:db8::1:80",
    );
    let tlvs = [TlvSpec::Authority("example.test"), TlvSpec::Alpn(b"h2")];
    let h = v2::Builder::proxy(
        v2::Protocol::Stream,
        (sa("192.0.2.7:4242"), sa("192.0.2.1:80")),
    )
    .tlvs(&tlvs)
    .crc32c(true);
    check(
        http_via_header(to, &h),
        "192.0.2.7:4242 server=192.0.2.1:80",
    );
    if v6 {
        let to6 = SocketAddr::new("::1".parse().unwrap(), ports.1);
        let h = v2::Builder::proxy(
            v2::Protocol::Stream,
            (sa("[2001:db8::7]:4242"), sa("[2001:db8::1]:80")),
        );
        check(
            http_via_header(to6, &h),
            "2001:db8::7:4242 server=2001:db8::1:80",
        );
    }
}

// ---------------------------------------------------------------------------------------
// curl sends into our acceptor.

#[test]
fn curl_haproxy_protocol_into_our_acceptor() {
    let Some(curl) = tool("curl") else { return };
    let mut cases = vec![("127.0.0.1", None), ("127.0.0.1", Some("127.0.0.2"))];
    if has_ipv6() {
        cases.push(("::1", None));
    }
    for (ip, interface) in cases {
        let acc = our_acceptor(ip);
        let addr = acc.local_addr();
        let url = match addr {
            SocketAddr::V4(a) => format!("http://{a}/"),
            SocketAddr::V6(a) => format!("http://[{}]:{}/", a.ip(), a.port()),
        };
        let curl = curl.clone();
        let client = thread::spawn(move || {
            let mut cmd = Command::new(curl);
            cmd.args(["-sS", "--max-time", "10", "--haproxy-protocol"]);
            if let Some(i) = interface {
                cmd.args(["--interface", i]);
            }
            cmd.arg(url).output().unwrap()
        });
        let mut conn = accept_within(&acc).unwrap();
        let header = conn.header().expect("curl sends a header");
        assert_eq!(header.version(), 1);
        // curl sends its real addresses: the proxied source is the TCP peer.
        assert!(header.source().is_some());
        assert_eq!(conn.source(), conn.peer_addr());
        assert_eq!(conn.destination(), addr);
        if let Some(i) = interface {
            assert_eq!(conn.source().ip(), i.parse::<IpAddr>().unwrap());
        }
        let request = read_http_request(&mut conn);
        assert!(request.starts_with("GET / HTTP/1.1\r\n"), "{request:?}");
        respond(&mut conn, "ok\n");
        let out = client.join().unwrap();
        assert!(
            out.status.success(),
            "curl: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(out.stdout, b"ok\n");
    }
}
