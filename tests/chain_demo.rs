//! Runs the README's main command, `cargo run --example chain`, as CI does, and checks its exit
//! status and what each hop printed.
#![cfg(feature = "std")]

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

fn chain_bin() -> PathBuf {
    let exe = std::env::current_exe().expect("test exe path");
    let dir = exe.parent().and_then(|d| d.parent()).expect("target dir");
    let bin = dir
        .join("examples")
        .join(format!("chain{}", std::env::consts::EXE_SUFFIX));
    assert!(
        bin.exists(),
        "{} not built (cargo test builds examples)",
        bin.display()
    );
    bin
}

/// Runs the demo with `args`, bounded in time; returns (exit code, stdout).
fn run(args: &[&str]) -> (Option<i32>, String) {
    let mut child = Command::new(chain_bin())
        .args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn chain");
    let start = Instant::now();
    loop {
        if child.try_wait().expect("wait").is_some() {
            break;
        }
        if start.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            panic!("chain demo did not finish in 60 s");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = child.wait_with_output().expect("output");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    eprintln!("{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    (out.status.code(), stdout)
}

/// Every `request N: client A connects` is followed by a server that learned exactly A.
fn check_requests(out: &str, requests: usize) {
    let mut seen = 0;
    let mut lines = out.lines();
    while let Some(line) = lines.next() {
        let Some(rest) = line.strip_prefix("request ") else {
            continue;
        };
        let client = rest
            .split_whitespace()
            .nth(2)
            .expect("client address on the request line");
        let server_line = lines
            .by_ref()
            .find(|l| l.trim_start().starts_with("server "))
            .expect("a server line for every request");
        assert!(
            server_line.contains("TCP peer 127.0.0.20:"),
            "the server's TCP peer is the load balancer: {server_line}"
        );
        assert!(
            server_line.contains(&format!("learned client {client};"))
                || server_line.contains(&format!("learned client {client},")),
            "server learned {client}: {server_line}"
        );
        seen += 1;
    }
    assert_eq!(seen, requests);
}

#[test]
fn default_chain_passes_and_shows_each_hop() {
    let (code, out) = run(&[]);
    assert_eq!(code, Some(0));
    assert!(out.contains("PASS: all 8 requests"), "{out}");
    assert!(
        out.contains("load balancer: TCP peer 127.0.0.10:"),
        "the LB sees the reverse proxy"
    );
    assert!(
        out.contains("and TLVs [AUTHORITY app.example.com, UNIQUE_ID req-0000]"),
        "{out}"
    );
    check_requests(&out, 8);
}

#[test]
fn v2_on_both_hops_carries_the_tlvs_to_the_servers() {
    let (code, out) = run(&[
        "--hop1",
        "v2",
        "--hop2",
        "v2",
        "--requests",
        "6",
        "--clients",
        "3",
    ]);
    assert_eq!(code, Some(0));
    assert!(out.contains("PASS: all 6 requests"));
    assert!(
        out.contains("authority=app.example.com unique_id=req-0005"),
        "{out}"
    );
    check_requests(&out, 6);
}

#[test]
fn v1_then_v2_works_without_tlvs() {
    let (code, out) = run(&["--hop1", "v1", "--hop2", "v2", "--requests", "4"]);
    assert_eq!(code, Some(0));
    assert!(out.contains("authority=- unique_id=-"));
    check_requests(&out, 4);
}

#[test]
fn bad_flags_are_a_usage_error() {
    let (code, _) = run(&["--hop1", "v3"]);
    assert_eq!(code, Some(64));
}
