//! Runs `examples/udp_tokio.rs` as a user would (`cargo run --example udp_tokio --features
//! tokio`) and checks that every client got its own answer straight from the server and that
//! the datagrams without a datagram header were dropped.
#![cfg(feature = "tokio")]

use std::process::Command;

#[test]
fn udp_example_answers_each_real_client_and_drops_stream_headers() {
    let exe = std::env::current_exe().expect("test exe path");
    let dir = exe.parent().and_then(|d| d.parent()).expect("target dir");
    let bin = dir
        .join("examples")
        .join(format!("udp_tokio{}", std::env::consts::EXE_SUFFIX));
    assert!(bin.exists(), "{} not built", bin.display());
    let out = Command::new(bin).output().expect("run udp_tokio");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<&str> = stdout.lines().collect();
    let server = lines[0]
        .strip_prefix("server on ")
        .and_then(|l| l.split(',').next())
        .expect("first line names the server");
    let dropped: Vec<&&str> = lines.iter().filter(|l| l.contains("dropped")).collect();
    assert_eq!(dropped.len(), 3, "{stdout}");
    assert!(dropped[0].ends_with("not a PROXY protocol header: unexpected byte 0x6e at offset 0"));
    for d in &dropped[1..] {
        assert!(
            d.ends_with("a PROXY header for a stream connection inside a datagram"),
            "{d}"
        );
    }
    for word in ["ping", "hello", "proxy"] {
        let asked = lines
            .iter()
            .find_map(|l| l.strip_prefix(&format!("server: {word:?} from client ")))
            .expect("the server saw the client");
        let client = asked.split(' ').next().unwrap();
        let answer = format!("client {client}: {:?} from {server}", word.to_uppercase());
        assert!(
            lines.contains(&answer.as_str()),
            "{answer} not in\n{stdout}"
        );
    }
    assert_eq!(lines.last(), Some(&"OK"));
}
