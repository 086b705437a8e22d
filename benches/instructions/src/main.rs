//! One case, N times: `proxy-wire-instructions <case> <N>`; `ir.sh` turns two runs under
//! callgrind into instructions per call.

use proxy_wire::{parse, v2, Encode};
use std::hint::black_box;
use std::net::SocketAddr;

fn main() {
    let mut args = std::env::args().skip(1);
    let case = args.next().unwrap();
    let n: usize = args.next().unwrap().parse().unwrap();
    let src: SocketAddr = "192.0.2.1:56324".parse().unwrap();
    let dst: SocketAddr = "198.51.100.2:443".parse().unwrap();
    let src6: SocketAddr = "[2001:db8::1]:56324".parse().unwrap();
    let dst6: SocketAddr = "[2001:db8::2]:443".parse().unwrap();
    let tlvs = [
        v2::TlvSpec::Alpn(b"h2"),
        v2::TlvSpec::Authority("example.com"),
        v2::TlvSpec::UniqueId(&[7; 32]),
        v2::TlvSpec::Noop(13),
    ];
    let subs = [
        v2::TlvSpec::SslVersion("TLSv1.3"),
        v2::TlvSpec::SslCn("client.example"),
    ];
    let ssl_tlvs = [
        v2::TlvSpec::Alpn(b"h2"),
        v2::TlvSpec::Authority("example.com"),
        v2::TlvSpec::UniqueId(&[7; 32]),
        v2::TlvSpec::Ssl(v2::SslClient(7), 0, &subs),
        v2::TlvSpec::Noop(13),
    ];
    let mut enc = vec![0u8; 256];
    let mut input: Vec<u8> = match case.as_str() {
        "v1_tcp4" => b"PROXY TCP4 192.0.2.1 198.51.100.2 56324 443\r\n".to_vec(),
        "v1_tcp6" => b"PROXY TCP6 2001:db8::1 2001:db8::2 56324 443\r\n".to_vec(),
        "v2_tcp4" | "enc_v2_tcp4" => {
            let n = v2::Builder::proxy(v2::Protocol::Stream, (src, dst))
                .encode(&mut enc)
                .unwrap();
            enc[..n].to_vec()
        }
        "v2_tcp6" | "enc_v2_tcp6" => {
            let n = v2::Builder::proxy(v2::Protocol::Stream, (src6, dst6))
                .encode(&mut enc)
                .unwrap();
            enc[..n].to_vec()
        }
        "v2_local" | "enc_v2_local" | "put_v2_local" | "put_v2_tcp4" | "put_v2_tlvs"
        | "put_v2_ssl_crc" | "cmp_tlvs" => {
            let n = v2::Builder::local().encode(&mut enc).unwrap();
            enc[..n].to_vec()
        }
        "v2_tlvs_crc" => {
            let n = v2::Builder::proxy(v2::Protocol::Stream, (src, dst))
                .tlvs(&tlvs)
                .crc32c(true)
                .encode(&mut enc)
                .unwrap();
            enc[..n].to_vec()
        }
        _ => panic!("case"),
    };
    input.extend_from_slice(b"GET / HTTP/1.1\r\n");
    let mut acc = 0u64;
    if case == "cmp_tlvs" {
        let f: fn(&mut Vec<u8>) -> Option<usize> = black_box(cmp_tlvs);
        let mut out = Vec::with_capacity(512);
        for _ in 0..n {
            acc += black_box(f(black_box(&mut out))).unwrap() as u64;
        }
        println!("{acc}");
        return;
    }
    if let Some(rest) = case.strip_prefix("put_") {
        // as a user fills a Vec: sized by `encoded_len`, then `encode` into it
        let t;
        let b = match rest {
            "v2_tcp4" => v2::Builder::proxy(v2::Protocol::Stream, (src, dst)),
            "v2_tlvs" => {
                t = &tlvs[..];
                v2::Builder::proxy(v2::Protocol::Stream, (src, dst)).tlvs(t)
            }
            "v2_ssl_crc" => {
                t = &ssl_tlvs[..];
                v2::Builder::proxy(v2::Protocol::Stream, (src, dst))
                    .tlvs(t)
                    .crc32c(true)
            }
            _ => v2::Builder::local(),
        };
        let mut out = Vec::with_capacity(512);
        for _ in 0..n {
            let b = black_box(&b);
            out.clear();
            out.resize(b.encoded_len(), 0);
            acc += black_box(b.encode(&mut out).unwrap()) as u64;
        }
    } else if case.starts_with("enc_") {
        let b = match case.as_str() {
            "enc_v2_tcp4" => v2::Builder::proxy(v2::Protocol::Stream, (src, dst)),
            "enc_v2_tcp6" => v2::Builder::proxy(v2::Protocol::Stream, (src6, dst6)),
            _ => v2::Builder::local(),
        };
        let mut out = [0u8; 128];
        for _ in 0..n {
            // by reference: copying the builder in measured how the compiler laid it out
            acc += black_box(black_box(&b).encode(&mut out).unwrap()) as u64;
        }
    } else {
        for _ in 0..n {
            let (h, c) = parse(black_box(&input)).unwrap().complete().unwrap();
            acc += c as u64 + h.source().map_or(0, |s| s.port() as u64) + h.tlvs().count() as u64;
        }
    }
    println!("{acc}");
}

const UID: [u8; 32] = [0xA5; 32];

/// As benches/compare's encode-v2_tlvs_crc: the TLVs built in the call, the `Vec` resized.
#[inline(never)]
fn cmp_tlvs(out: &mut Vec<u8>) -> Option<usize> {
    let subs = [
        v2::TlvSpec::SslVersion("TLSv1.3"),
        v2::TlvSpec::SslCn("client.example.com"),
    ];
    let tlvs = [
        v2::TlvSpec::Alpn(b"h2"),
        v2::TlvSpec::Authority("example.com"),
        v2::TlvSpec::UniqueId(&UID),
        v2::TlvSpec::Ssl(v2::SslClient(7), 0, &subs),
        v2::TlvSpec::Noop(13),
    ];
    let src: std::net::SocketAddrV4 = std::net::SocketAddrV4::new([192, 168, 1, 10].into(), 56324);
    let dst = std::net::SocketAddrV4::new([10, 0, 0, 1].into(), 443);
    let b = v2::Builder::proxy(v2::Protocol::Stream, (src, dst))
        .tlvs(&tlvs)
        .crc32c(true);
    out.resize(b.encoded_len(), 0);
    b.encode(out).ok()
}
