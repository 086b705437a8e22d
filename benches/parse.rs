//! What one header costs per connection, to parse and to encode, for every header shape of
//! the issue: `cargo bench -p proxy-wire-bench --bench parse`.
//!
//! `parse/*` is the full job a server does: `proxy_wire::parse`, the addresses, every TLV
//! decoded and every SSL sub-TLV, the CRC32C verified. `parse/v2_tlvs_crc` against
//! `parse/v2_tlvs_nocrc` (the same header without its CRC32C TLV) shows what the checksum
//! costs; `encode/*` likewise. `parse_only/*` is `proxy_wire::parse` alone.
//! `benches/compare.rs` runs the same cases against the other crates.

mod common;

use common::{expected_digest, ours, Case};
use criterion::{black_box, Throughput};

fn main() {
    let mut c = common::criterion();

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

    c.final_summary();
}
