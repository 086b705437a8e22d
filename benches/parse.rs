//! What one header costs per connection, to parse and to encode, for every header shape of
//! the issue: `cargo bench -p proxy-wire-bench --bench parse`.
//!
//! `parse/*` is the full job a server does: `proxy_wire::parse`, the addresses, every TLV
//! decoded and every SSL sub-TLV, the CRC32C verified. `parse/v2_tlvs_crc` against
//! `parse/v2_tlvs_nocrc` (the same header without its CRC32C TLV) shows what the checksum
//! costs; `encode/*` likewise. `parse_only/*` is `proxy_wire::parse` alone, `accessors/*` the
//! typed accessors alone on a header parsed once.
//! `benches/compare.rs` runs the same cases against the other crates.

mod common;

use std::time::SystemTime;

use common::{build_label, criterion_home, expected_digest, fmt_ns, median_ns, ours, Case};
use criterion::{black_box, Throughput};

/// CRC32C (Castagnoli) with the `crc` crate's table-driven code, for the comparison.
const CASTAGNOLI: crc::Crc<u32> = crc::Crc::<u32>::new(&crc::CRC_32_ISCSI);

fn main() {
    let started = SystemTime::now();
    let dir = criterion_home();
    let mut c = common::criterion().output_directory(&dir);

    let mut group = c.benchmark_group("parse");
    for case in Case::ALL {
        let input = case.bytes();
        let parse = ours::parse_fn(case);
        assert_eq!(parse(&input), Some(expected_digest(case)), "{case:?}");
        group.throughput(Throughput::Bytes(input.len() as u64));
        group.bench_function(case.name(), |b| b.iter(|| parse(black_box(&input))));
    }
    group.finish();

    let mut group = c.benchmark_group("parse_only");
    for case in Case::ALL {
        let input = case.bytes();
        assert!(proxy_wire::parse(&input).unwrap().is_complete());
        group.throughput(Throughput::Bytes(input.len() as u64));
        group.bench_function(case.name(), |b| {
            b.iter(|| proxy_wire::parse(black_box(&input)))
        });
    }
    group.finish();

    // The typed accessors alone, on a header parsed once: the addresses (UNIX paths trimmed),
    // every TLV decoded, every SSL sub-TLV, each value handed to `black_box` (no digest).
    let mut group = c.benchmark_group("accessors");
    for case in Case::ALL {
        let input = case.bytes();
        let Ok(proxy_wire::Status::Complete { header, .. }) = proxy_wire::parse(&input) else {
            panic!("{case:?}");
        };
        group.bench_function(case.name(), |b| b.iter(|| read_all(black_box(&header))));
    }
    group.finish();

    let mut group = c.benchmark_group("encode");
    for case in Case::ALL {
        let expected = case.bytes();
        let encode = ours::encode_fn(case);
        let mut out = Vec::with_capacity(512);
        assert_eq!(encode(&mut out), Some(expected.len()), "{case:?}");
        assert_eq!(out, expected, "{case:?}");
        group.throughput(Throughput::Bytes(expected.len() as u64));
        group.bench_function(case.name(), |b| b.iter(|| encode(black_box(&mut out))));
    }
    group.finish();

    // The checksum alone, by the two no_std CRC32C crates, over the TLV case's 144 bytes; ours is
    // the difference between parsing that header and the same header without its CRC32C TLV.
    let mut group = c.benchmark_group("crc32c");
    let tlvs = Case::V2Tlvs.bytes();
    assert_eq!(crc32c::crc32c(b"123456789"), 0xE306_9283);
    assert_eq!(CASTAGNOLI.checksum(b"123456789"), 0xE306_9283);
    group.throughput(Throughput::Bytes(tlvs.len() as u64));
    group.bench_function("crc32c-crate", |b| {
        b.iter(|| crc32c::crc32c(black_box(&tlvs)))
    });
    group.bench_function("crc-crate", |b| {
        b.iter(|| CASTAGNOLI.checksum(black_box(&tlvs)))
    });
    group.finish();

    c.final_summary();
    summary(&dir, started);
}

/// Every typed accessor a server reads: the addresses and each TLV's value, SSL sub-TLVs too.
///
/// Each decoded field goes to `black_box` one machine word at a time, as a server would use it.
/// `black_box` on a larger value (an `Addresses`, a `TlvValue`, even a `&str`) stores it and
/// reloads it in other-sized pieces: a store-forwarding stall of the harness, not of the
/// accessors (`accessors/v2_tcp4` took 6.8 ns that way, TCP6 4.3).
#[inline(never)]
fn read_all(h: &proxy_wire::Header<'_>) {
    use proxy_wire::{v2::TlvValue, Addresses};
    match h.addresses() {
        Addresses::Inet { src, dst } => {
            black_box(src.ip().to_bits());
            black_box(src.port());
            black_box(dst.ip().to_bits());
            black_box(dst.port());
        }
        Addresses::Inet6 { src, dst } => {
            let (s, d) = (src.ip().to_bits(), dst.ip().to_bits());
            black_box(s as u64);
            black_box((s >> 64) as u64);
            black_box(src.port());
            black_box(d as u64);
            black_box((d >> 64) as u64);
            black_box(dst.port());
        }
        Addresses::Unix { src, dst } => {
            keep(src);
            keep(dst);
        }
        _ => {}
    }
    for tlv in h.tlvs() {
        match tlv.value() {
            Ok(TlvValue::Ssl(ssl)) => {
                black_box(ssl.client().0);
                black_box(ssl.verify());
                for sub in ssl.sub_tlvs() {
                    match sub.value() {
                        Ok(TlvValue::SslVersion(s) | TlvValue::SslCn(s)) => {
                            keep(s.as_bytes());
                        }
                        other => {
                            black_box(other.is_ok());
                        }
                    }
                }
            }
            Ok(TlvValue::Alpn(b) | TlvValue::UniqueId(b)) => {
                keep(b);
            }
            Ok(TlvValue::Authority(s)) => {
                keep(s.as_bytes());
            }
            Ok(TlvValue::Crc32c(n)) => {
                black_box(n);
            }
            Ok(TlvValue::Noop(n)) => {
                black_box(n);
            }
            other => {
                black_box(other.is_ok());
            }
        }
    }
}

/// A slice to `black_box` as its two words.
#[inline(always)]
fn keep(b: &[u8]) {
    black_box(b.as_ptr());
    black_box(b.len());
}

/// What the typed accessors cost next to the parse, and what CRC32C costs us and the crates.
fn summary(dir: &std::path::Path, started: SystemTime) {
    let ns = |group: &str, f: &str| median_ns(dir, started, group, f);
    println!();
    println!("== {} ==", build_label());
    println!("== typed accessors (addresses, every TLV and SSL sub-TLV, on a parsed header) next to the parse, medians ==");
    println!(
        "| header | parse only | accessors | accessors <= parse | parse + accessors + digest |"
    );
    println!("|---|---|---|---|---|");
    for case in Case::ALL {
        let (Some(only), Some(acc), Some(full)) = (
            ns("parse_only", case.name()),
            ns("accessors", case.name()),
            ns("parse", case.name()),
        ) else {
            continue;
        };
        let verdict = if acc <= only { "ok" } else { "MISSED" };
        println!(
            "| {} | {} | {} | {verdict} | {} |",
            case.name(),
            fmt_ns(only),
            fmt_ns(acc),
            fmt_ns(full)
        );
    }
    let with = ns("parse_only", Case::V2Tlvs.name());
    let without = ns("parse_only", Case::V2TlvsNoCrc.name());
    let crate_crc32c = ns("crc32c", "crc32c-crate");
    let crate_crc = ns("crc32c", "crc-crate");
    if let (Some(with), Some(without), Some(a), Some(b)) = (with, without, crate_crc32c, crate_crc)
    {
        println!();
        println!(
            "== CRC32C over the 144-byte TLV header: proxy-wire (parse with it - parse without) {}, \
             crc32c crate {}, crc crate {} ==",
            fmt_ns(with - without),
            fmt_ns(a),
            fmt_ns(b)
        );
    }
}
