//! The acceptor under `axum::serve` when the listener itself fails: out of file descriptors
//! (EMFILE, made real by lowering this process's open-file limit with `prlimit`), the error
//! goes to the hook about once a second instead of in a busy loop, and once descriptors are
//! free again the server answers as before.
//!
//! Its own test binary, since it changes the limit of the whole process. Needs `prlimit`
//! (util-linux): without it the test prints `SKIPPED: prlimit not installed` and passes, unless
//! `PROXY_WIRE_REQUIRE_INTEROP=1`, when it fails.
#![cfg(target_os = "linux")]

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::{routing::get, Router};
use proxy_wire::io::tokio::{Acceptor, WithConnectInfo};
use proxy_wire::io::{AcceptorConfig, RejectReason};

mod support;
use support::peers::tool;

/// This process's open descriptors, as numbers.
fn open_fds() -> Vec<u64> {
    std::fs::read_dir("/proc/self/fd")
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
        .collect()
}

/// This process's limit on open files (`prlimit --pid`): `SOFT` or `HARD`.
fn nofile(prlimit: &Path, which: &str) -> String {
    let pid = std::process::id().to_string();
    let out = Command::new(prlimit)
        .args(["--pid", &pid, "--nofile", "--output", which, "--noheadings"])
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// Sets this process's soft limit on open files, keeping the hard one.
fn set_soft_nofile(prlimit: &Path, soft: &str) {
    let pid = std::process::id().to_string();
    let hard = nofile(prlimit, "HARD");
    let status = Command::new(prlimit)
        .args(["--pid", &pid, &format!("--nofile={soft}:{hard}")])
        .status()
        .unwrap();
    assert!(status.success(), "prlimit --nofile={soft}:{hard}");
}

#[test]
fn out_of_descriptors_backs_off_and_recovers() {
    let Some(prlimit) = tool("prlimit") else {
        return;
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let errors: Arc<Mutex<Vec<(RejectReason, bool)>>> = Arc::default();
    let log = Arc::clone(&errors);
    let acceptor = rt
        .block_on(Acceptor::bind("127.0.0.1:0", AcceptorConfig::new()))
        .unwrap()
        .on_error(move |e| {
            log.lock()
                .unwrap()
                .push((e.reason(), e.peer_addr().is_none()))
        });
    let addr = acceptor.local_addr().unwrap();
    let app = Router::new().route("/", get(|| async { "still serving" }));

    // Silent clients wait in the backlog; then at most two more descriptors may be opened.
    let silent: Vec<TcpStream> = (0..16).map(|_| TcpStream::connect(addr).unwrap()).collect();
    // The limit is the third free descriptor number: two more may be opened, no more.
    let fds = open_fds();
    let limit = (0..).filter(|n| !fds.contains(n)).nth(2).unwrap();
    let soft = nofile(&prlimit, "SOFT");
    set_soft_nofile(&prlimit, &limit.to_string());

    let server = rt.spawn(async move { axum::serve(acceptor, WithConnectInfo::new(app)).await });
    rt.block_on(async { tokio::time::sleep(Duration::from_millis(1500)).await });
    let listener_errors = errors.lock().unwrap().iter().filter(|(_, l)| *l).count();
    // Free the descriptors (the clients) and the limit, then a request with a header.
    drop(silent);
    set_soft_nofile(&prlimit, &soft);
    assert!(
        (1..=3).contains(&listener_errors),
        "{listener_errors} listener errors in 1.5 s: {:?}",
        &errors.lock().unwrap()[..listener_errors.min(5)]
    );

    let response = rt.block_on(async {
        let client = std::thread::spawn(move || {
            let mut s = TcpStream::connect(addr).unwrap();
            s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
            s.write_all(b"PROXY UNKNOWN\r\nGET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                .unwrap();
            let mut response = String::new();
            s.read_to_string(&mut response).unwrap();
            response
        });
        // Drive the server while the client waits (the back-off may last up to a second).
        while !client.is_finished() {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        client.join().unwrap()
    });
    assert!(response.starts_with("HTTP/1.1 200 OK"), "{response}");
    assert!(response.ends_with("still serving"), "{response}");
    assert!(!server.is_finished());
}
