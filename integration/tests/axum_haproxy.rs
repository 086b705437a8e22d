//! The axum example (examples/axum_haproxy.rs, compiled in as a module) behind a real HAProxy
//! on loopback: a TLS frontend that asks for a client certificate, and
//! `send-proxy-v2 proxy-v2-options ssl,cert-cn,authority,unique-id,crc32c` to the app. curl,
//! with a client certificate made at test time, must get back its own address, the SNI name,
//! HAProxy's unique id and its certificate's CN. Then an untrusted peer, a request without a
//! header, a silent client and one that closes at once are turned away, each reported to the
//! acceptor's hook with its kind, and the app still serves.
//!
//! Needs haproxy, openssl and curl: a missing one makes the test print `SKIPPED: <tool> not
//! installed` and pass, unless `PROXY_WIRE_REQUIRE_INTEROP=1`, when it fails.

use std::io::{ErrorKind, Read};
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use proxy_wire::io::{tokio::Acceptor, AcceptorConfig, RejectReason};
use proxy_wire::ParseError;

#[path = "../examples/axum_haproxy.rs"]
#[allow(dead_code)] // its `main`
mod axum_haproxy;
mod support;

use support::peers::{free_port, start, tool, TempDir};
use support::{make_pki, Pki, CLIENT_CN, SERVER_NAME};

const HEADER_TIMEOUT: Duration = Duration::from_millis(300);
/// Where curl connects from, through HAProxy: not HAProxy's own address.
const CLIENT_IP: Ipv4Addr = Ipv4Addr::new(127, 0, 0, 3);

type Reports = Arc<Mutex<Vec<(RejectReason, Option<SocketAddr>)>>>;

fn haproxy_config(tls_port: u16, app: SocketAddr, pki: &Pki) -> String {
    format!(
        "global
    nbthread 1
    maxconn 64
    log stderr format raw local0 info

defaults
    log global
    option dontlognull
    timeout connect 2s
    timeout client 5s
    timeout server 5s

frontend fe_tls
    bind 127.0.0.1:{tls_port} ssl crt {pem} ca-file {ca} verify optional alpn http/1.1
    mode http
    unique-id-format %{{+X}}o\\ %ci:%cp_%fi:%fp
    default_backend be_app

backend be_app
    mode http
    server app {app} send-proxy-v2 proxy-v2-options ssl,cert-cn,authority,unique-id,crc32c
",
        pem = pki.server_pem.display(),
        ca = pki.ca.display(),
    )
}

/// An HTTPS request through HAProxy from `CLIENT_IP`, with the client certificate or without;
/// returns the body and curl's local address.
fn https_get(curl: &Path, tls_port: u16, pki: &Pki, with_cert: bool) -> (String, SocketAddr) {
    let mut cmd = Command::new(curl);
    cmd.args(["-sS", "--http1.1", "--max-time", "10", "--cacert"])
        .arg(&pki.ca)
        .arg("--resolve")
        .arg(format!("{SERVER_NAME}:{tls_port}:127.0.0.1"))
        .arg("--interface")
        .arg(CLIENT_IP.to_string())
        .args(["-w", "%{local_ip}:%{local_port}"]);
    if with_cert {
        cmd.arg("--cert").arg(&pki.client_crt);
        cmd.arg("--key").arg(&pki.client_key);
    }
    let out = cmd
        .arg(format!("https://{SERVER_NAME}:{tls_port}/"))
        .output()
        .unwrap();
    assert!(out.status.success(), "curl: {}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let (body, local) = stdout.rsplit_once('\n').expect("body, then curl's address");
    (format!("{body}\n"), local.parse().unwrap())
}

/// A plain HTTP request straight to the app, bypassing HAProxy; curl's outcome.
fn direct_get(curl: &Path, app: SocketAddr, extra: &[&str]) -> Output {
    Command::new(curl)
        .args(["-sS", "--max-time", "5"])
        .args(extra)
        .arg(format!("http://{app}/"))
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Waits until the hook has seen `n` connections.
fn reports_after(reports: &Reports, n: usize) -> Vec<(RejectReason, Option<SocketAddr>)> {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let seen = reports.lock().unwrap().clone();
        if seen.len() >= n || Instant::now() > deadline {
            return seen;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn axum_example_behind_haproxy_tls() {
    let (Some(haproxy), Some(openssl), Some(curl)) =
        (tool("haproxy"), tool("openssl"), tool("curl"))
    else {
        return;
    };
    let dir = TempDir::new("axum-haproxy");
    let pki = make_pki(&openssl, dir.path());

    // The example's server, trusting HAProxy's address only, its hook recording what it turns away.
    let rt = tokio::runtime::Runtime::new().unwrap();
    let reports = Reports::default();
    let log = Arc::clone(&reports);
    let config = AcceptorConfig::new()
        .trust("127.0.0.1".parse().unwrap())
        .header_timeout(HEADER_TIMEOUT);
    let acceptor = rt
        .block_on(Acceptor::bind("127.0.0.1:0", config))
        .unwrap()
        .on_error(move |e| {
            eprintln!("turned away: {e}");
            log.lock().unwrap().push((e.reason(), e.peer_addr()));
        });
    let app = acceptor.local_addr().unwrap();
    let server = rt.spawn(axum_haproxy::serve(acceptor));

    let mut tls_port = 0;
    let daemon = start(
        "haproxy",
        &dir,
        || {
            tls_port = free_port("127.0.0.1");
            let ready = SocketAddr::from(([127, 0, 0, 1], tls_port));
            (haproxy_config(tls_port, app, &pki), ready)
        },
        |cfg| {
            let mut c = Command::new(&haproxy);
            c.arg("-db").arg("-f").arg(cfg);
            c
        },
    );
    let uid = |client: SocketAddr| {
        let SocketAddr::V4(client) = client else {
            panic!("{client} is not IPv4")
        };
        let (ip, lo) = (u32::from(*client.ip()), u32::from(Ipv4Addr::LOCALHOST));
        format!("{ip:08X}:{:04X}_{lo:08X}:{tls_port:04X}", client.port())
    };

    // The client's address, SNI, unique id and certificate CN reach the handler.
    let (body, client) = https_get(&curl, tls_port, &pki, true);
    assert_eq!(client.ip(), CLIENT_IP);
    let want = format!(
        "client={client} authority={SERVER_NAME} unique_id={} cn={CLIENT_CN}\n",
        uid(client)
    );
    assert_eq!(body, want, "haproxy log:\n{}", daemon.log());
    // Without a client certificate (the frontend's `verify optional`): no CN.
    let (body, client) = https_get(&curl, tls_port, &pki, false);
    let want = format!(
        "client={client} authority={SERVER_NAME} unique_id={} cn=-\n",
        uid(client)
    );
    assert_eq!(body, want);
    assert!(reports.lock().unwrap().is_empty(), "{reports:?}");

    // Turned away, each closed without a response: a header from an untrusted peer...
    let out = direct_get(
        &curl,
        app,
        &["--haproxy-protocol", "--interface", "127.0.0.2"],
    );
    assert!(!out.status.success() && out.stdout.is_empty(), "{out:?}");
    // ...a request without a header from the trusted address...
    let out = direct_get(&curl, app, &[]);
    assert!(!out.status.success() && out.stdout.is_empty(), "{out:?}");
    // ...a client that sends nothing (closed after the header timeout)...
    let mut silent = TcpStream::connect(app).unwrap();
    silent
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let started = Instant::now();
    match silent.read(&mut [0; 16]) {
        Ok(0) => {}
        Err(e) if e.kind() == ErrorKind::ConnectionReset => {}
        other => panic!("the silent client got {other:?}"),
    }
    let waited = started.elapsed();
    assert!(
        waited >= HEADER_TIMEOUT - Duration::from_millis(50),
        "{waited:?}"
    );
    assert!(waited < Duration::from_secs(3), "{waited:?}");
    // ...and one that closes at once.
    drop(TcpStream::connect(app).unwrap());

    let seen = reports_after(&reports, 4);
    let peer = |want: fn(&RejectReason) -> bool| {
        let found = seen
            .iter()
            .filter(|(reason, _)| want(reason))
            .collect::<Vec<_>>();
        assert_eq!(found.len(), 1, "{seen:?}");
        found[0]
            .1
            .expect("a connection's error names its peer")
            .ip()
    };
    assert_eq!(seen.len(), 4, "{seen:?}");
    let untrusted = peer(|r| *r == RejectReason::Untrusted);
    assert_eq!(untrusted, Ipv4Addr::new(127, 0, 0, 2));
    let no_header = peer(|r| matches!(r, RejectReason::Invalid(ParseError::NotProxyHeader { .. })));
    assert_eq!(no_header, Ipv4Addr::LOCALHOST);
    peer(|r| *r == RejectReason::TimedOut);
    peer(|r| *r == RejectReason::Closed);

    // The server is still up and serving.
    assert!(!server.is_finished());
    let (body, client) = https_get(&curl, tls_port, &pki, true);
    assert!(body.starts_with(&format!("client={client} ")), "{body}");
    assert_eq!(reports.lock().unwrap().len(), 4);
    drop(daemon); // stopped by its PID
    rt.shutdown_timeout(Duration::from_secs(1));
}
