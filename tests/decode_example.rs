//! Runs `examples/decode.rs` as a user would and checks what it prints and its exit status.

use std::path::PathBuf;
use std::process::{Command, Output};

/// `cargo test` builds the examples next to the test binaries' `deps/` directory.
fn decode_bin() -> PathBuf {
    let exe = std::env::current_exe().expect("test exe path");
    let dir = exe.parent().and_then(|d| d.parent()).expect("target dir");
    let bin = dir
        .join("examples")
        .join(format!("decode{}", std::env::consts::EXE_SUFFIX));
    assert!(
        bin.exists(),
        "{} not built (cargo test builds examples)",
        bin.display()
    );
    bin
}

fn run(args: &[&str], stdin: Option<&[u8]>) -> Output {
    use std::io::Write;
    let mut cmd = Command::new(decode_bin());
    cmd.args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let mut child = cmd.spawn().expect("spawn decode");
    let mut input = child.stdin.take().expect("stdin");
    input.write_all(stdin.unwrap_or(b"")).expect("write stdin");
    drop(input);
    child.wait_with_output().expect("decode output")
}

#[test]
fn decodes_a_v2_header_with_tlvs_from_hex() {
    // v2 TCP4 with ALPN "h2", an SSL TLV (client 0x07, verify 0, VERSION "TLSv1.3") and a
    // correct CRC32C, followed by application data.
    use proxy_wire::{v2, Encode};
    let subs = [v2::TlvSpec::SslVersion("TLSv1.3")];
    let tlvs = [
        v2::TlvSpec::Alpn(b"h2"),
        v2::TlvSpec::Ssl(v2::SslClient(7), 0, &subs),
    ];
    let src: std::net::SocketAddr = "192.0.2.1:56324".parse().unwrap();
    let dst: std::net::SocketAddr = "198.51.100.2:443".parse().unwrap();
    let b = v2::Builder::proxy(v2::Protocol::Stream, (src, dst))
        .tlvs(&tlvs)
        .crc32c(true);
    let mut buf = vec![0u8; b.encoded_len()];
    let n = b.encode(&mut buf).unwrap();
    let mut input: String = buf[..n].iter().map(|b| format!("{b:02x}")).collect();
    input.push_str("474554"); // "GET"
    let out = run(&[&input], None);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for want in [
        "PROXY protocol v2 header, 58 bytes",
        "command:     PROXY",
        "source:      192.0.2.1:56324",
        "destination: 198.51.100.2:443",
        "TLVs:        3",
        "0x01 ALPN (2 bytes): \"h2\"",
        "0x20 SSL (15 bytes): client 0x07 [SSL, CERT_CONN, CERT_SESS], verify 0 (ok)",
        "0x21 SSL_VERSION (7 bytes): \"TLSv1.3\"",
        "(verified)",
        "header ends at byte 58",
        "3 bytes of application data follow: \"GET\"",
    ] {
        assert!(text.contains(want), "missing {want:?} in:\n{text}");
    }
}

#[test]
fn decodes_raw_bytes_from_stdin() {
    let out = run(
        &[],
        Some(b"PROXY TCP6 2001:db8::1 2001:db8::2 4000 443\r\nhello"),
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success());
    assert!(text.contains("source:      [2001:db8::1]:4000"), "{text}");
    assert!(text.contains("header ends at byte 45"), "{text}");
}

#[test]
fn bad_input_prints_the_precise_error_and_fails() {
    let out = run(&["PROXY TCP4 1.2.3.4 5.6.7.8 80 65536\\r\\n"], None);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("error [bad-port]: invalid v1 destination port at offset 30"),
        "{err}"
    );
    let out = run(&["0d0a0d0a000d0a515549540a"], None);
    assert_eq!(out.status.code(), Some(1), "a prefix is incomplete");
    let out = run(&["zz"], None);
    assert_eq!(out.status.code(), Some(64));
}
