//! The README's "Examples" commands, run as the README shows them (each server on a fresh
//! port instead of 8000): `sender` gets its data echoed, and `curl --haproxy-protocol` gets an
//! HTTP answer naming the client, its own address, from the v1 header curl sent.
#![cfg(feature = "std")]

mod peers;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::Command;

use peers::{free_port, tool, Daemon, TempDir};

fn example(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("test exe path");
    let dir = exe.parent().and_then(|d| d.parent()).expect("target dir");
    let bin = dir
        .join("examples")
        .join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    assert!(bin.exists(), "{} not built", bin.display());
    bin
}

fn stdout_of(cmd: &mut Command) -> String {
    let out = cmd.output().expect("run");
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8")
}

fn check_server(name: &str) {
    let dir = TempDir::new(name);
    let addr: SocketAddr = format!("127.0.0.1:{}", free_port("127.0.0.1"))
        .parse()
        .unwrap();
    let mut server = Daemon::spawn(
        "example server",
        Command::new(example(name)).arg(addr.to_string()),
        dir.path().join("server.log"),
    );
    assert!(server.wait_ready(addr), "{}", server.log());

    // cargo run --example sender -- 127.0.0.1:8000 192.0.2.7:4242 "hello"     # add --v1 for v1
    for extra in [None, Some("--v1")] {
        let mut sender = Command::new(example("sender"));
        sender.args([&addr.to_string(), "192.0.2.7:4242", "hello"]);
        sender.args(extra);
        assert_eq!(stdout_of(&mut sender), "hello\n", "{extra:?}");
    }

    // curl --haproxy-protocol http://127.0.0.1:8000/
    if let Some(curl) = tool("curl") {
        let got = stdout_of(Command::new(curl).args([
            "-sS",
            "--max-time",
            "10",
            "--haproxy-protocol",
            &format!("http://{addr}/"),
        ]));
        // client 127.0.0.1:53712 -> 127.0.0.1:8000 (via 127.0.0.1:53712, PROXY v1)
        let rest = got
            .strip_prefix("client 127.0.0.1:")
            .unwrap_or_else(|| panic!("{got}"));
        let port = rest.split(' ').next().unwrap();
        assert_eq!(
            got,
            format!("client 127.0.0.1:{port} -> {addr} (via 127.0.0.1:{port}, PROXY v1)\n")
        );
    }
    let log = server.log();
    assert!(log.contains(&format!("listening on {addr}")), "{log}");
    for v in [1, 2] {
        assert!(
            log.contains(&format!("client 192.0.2.7:4242 -> {addr} (via 127.0.0.1:")),
            "{log}"
        );
        assert!(log.contains(&format!(", PROXY v{v})")), "{log}");
    }
}

#[test]
fn server_blocking_answers_sender_and_curl_as_the_readme_shows() {
    check_server("server_blocking");
}

#[cfg(feature = "tokio")]
#[test]
fn server_tokio_answers_sender_and_curl_as_the_readme_shows() {
    check_server("server_tokio");
}
