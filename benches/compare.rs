//! This crate side by side with every other Rust PROXY protocol crate, on the same headers doing
//! the same work: `cargo bench -p proxy-wire-bench --bench compare`.
//!
//! * parse: the crate's auto-detecting entry point on the header bytes, then the addresses, every
//!   TLV and every SSL sub-TLV walked (text values UTF-8 checked), the CRC32C verified where the
//!   crate can, all folded into one digest that must equal the one computed from the constants;
//! * encode: the header built from the constants, its bytes left in a reused `Vec` and checked
//!   against the expected bytes before timing.
//!
//! A crate that cannot do a case, or gets it wrong, is named in the output and not timed. After
//! criterion's own lines the bench prints the build (profile, CPU), the medians side by side
//! with the ratio (fastest other crate / proxy-wire) against the targets, and the heap
//! allocations per call of every crate (counted by a global allocator that only counts while
//! asked to).
//!
//! Every crate is an ordinary dependency. `cargo bench` uses the default `bench` profile, as a
//! server's release build does (no LTO); `--profile bench-lto` is the same with
//! `lto = true, codegen-units = 1`.
//!
//! The `floor` row is no crate: it makes the same call and the same digest with no parsing (the
//! values are already decoded) or no encoding (the expected bytes are copied). Nothing can beat
//! it, so `fastest other crate / floor` is the highest ratio any implementation could reach.

mod common;
#[path = "common/others.rs"]
mod others;

use std::alloc::{GlobalAlloc, Layout, System};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::Relaxed};
use std::time::SystemTime;

use common::{
    build_label, criterion_home, expected_digest, fmt_ns, median_ns, ours, Case, EncodeFn, ParseFn,
};
use criterion::{black_box, Criterion};
use others::{Op, Other};

/// Counts allocations (and reallocations) while `COUNTING` is set; otherwise one relaxed load
/// on top of the system allocator, so timings are not disturbed.
struct Counting;

static COUNTING: AtomicBool = AtomicBool::new(false);
static ALLOCS: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is forwarded unchanged to the system allocator.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if COUNTING.load(Relaxed) {
            ALLOCS.fetch_add(1, Relaxed);
        }
        // SAFETY: the caller upholds `GlobalAlloc::alloc`'s contract, which we pass on.
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if COUNTING.load(Relaxed) {
            ALLOCS.fetch_add(1, Relaxed);
        }
        // SAFETY: as for `alloc`.
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if COUNTING.load(Relaxed) {
            ALLOCS.fetch_add(1, Relaxed);
        }
        // SAFETY: as for `alloc`.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: as for `alloc`.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Heap allocations per call of `f` (after one warm-up call).
fn allocs_per_call(mut f: impl FnMut()) -> f64 {
    const CALLS: usize = 100;
    f();
    ALLOCS.store(0, Relaxed);
    COUNTING.store(true, Relaxed);
    for _ in 0..CALLS {
        f();
    }
    COUNTING.store(false, Relaxed);
    ALLOCS.load(Relaxed) as f64 / CALLS as f64
}

const OURS: &str = "proxy-wire";
/// The harness floor ([`common::floor`]): not a crate; the best time anything could reach.
const FLOOR: &str = "floor";

/// One contender on one case and operation.
enum Entry {
    /// Correct: timed under this criterion id; allocations per call.
    Timed { allocs: f64 },
    /// The crate cannot do it (why).
    Cannot(&'static str),
    /// It ran but produced something else (what).
    Wrong(String),
}

struct Contender {
    name: &'static str,
    parse: fn(Case) -> ParseFn,
    encode: fn(Case) -> EncodeFn,
    cannot: fn(Op, Case) -> Option<&'static str>,
}

fn contenders() -> Vec<Contender> {
    let mut v = vec![Contender {
        name: OURS,
        parse: ours::parse_fn,
        encode: ours::encode_fn,
        cannot: |_, _| None,
    }];
    v.extend(others::others().into_iter().map(|o: Other| Contender {
        name: o.name,
        parse: o.parse,
        encode: o.encode,
        cannot: o.cannot,
    }));
    v.push(Contender {
        name: FLOOR,
        parse: common::floor::parse_fn,
        encode: common::floor::encode_fn,
        cannot: |_, _| None,
    });
    v
}

fn group_name(op: Op, case: Case) -> String {
    let op = match op {
        Op::Parse => "parse",
        Op::Encode => "encode",
    };
    format!("{op}-{}", case.name())
}

fn check(op: Op, case: Case, c: &Contender) -> Entry {
    if let Some(why) = (c.cannot)(op, case) {
        return Entry::Cannot(why);
    }
    let input = case.bytes();
    match op {
        Op::Parse => {
            let f = (c.parse)(case);
            match f(&input) {
                None => Entry::Wrong("no result".to_string()),
                Some(d) if d != expected_digest(case) => Entry::Wrong(format!(
                    "digest {d:#x}, expected {:#x}",
                    expected_digest(case)
                )),
                Some(_) => Entry::Timed {
                    allocs: allocs_per_call(|| {
                        black_box(f(black_box(&input)));
                    }),
                },
            }
        }
        Op::Encode => {
            let f = (c.encode)(case);
            let mut out = Vec::with_capacity(512);
            match f(&mut out) {
                None => Entry::Wrong("no result".to_string()),
                Some(n) if n != input.len() || out != input => {
                    Entry::Wrong(format!("wrote {:?}", String::from_utf8_lossy(&out)))
                }
                Some(_) => Entry::Timed {
                    allocs: allocs_per_call(|| {
                        black_box(f(black_box(&mut out)));
                    }),
                },
            }
        }
    }
}

fn main() {
    let started = SystemTime::now();
    let out_dir = criterion_home();
    let mut c: Criterion = common::criterion().output_directory(&out_dir);
    let contenders = contenders();

    let versions: Vec<String> = others::others()
        .iter()
        .map(|o| format!("{} {}", o.name, o.version))
        .collect();
    println!("proxy-wire vs {}", versions.join(", "));
    println!(
        "CRC32C on parse (v2_tlvs_crc): verified by proxy-wire and proxyproto; NOT verified by \
         ppp and proxy-header (they only read it); proxy-protocol skips TLVs altogether."
    );
    let mut results = Vec::new();
    for op in [Op::Parse, Op::Encode] {
        for case in Case::ALL {
            let input = case.bytes();
            let group = group_name(op, case);
            let mut g = c.benchmark_group(&group);
            g.throughput(criterion::Throughput::Bytes(input.len() as u64));
            for con in &contenders {
                let entry = check(op, case, con);
                match &entry {
                    Entry::Cannot(why) => println!("{group}/{}: CANNOT: {why}", con.name),
                    Entry::Wrong(what) => println!("{group}/{}: WRONG RESULT: {what}", con.name),
                    Entry::Timed { .. } => match op {
                        Op::Parse => {
                            let f = (con.parse)(case);
                            g.bench_function(con.name, |b| b.iter(|| f(black_box(&input))));
                        }
                        Op::Encode => {
                            let f = (con.encode)(case);
                            let mut out = Vec::with_capacity(512);
                            g.bench_function(con.name, |b| b.iter(|| f(black_box(&mut out))));
                        }
                    },
                }
                results.push((op, case, con.name, entry));
            }
            g.finish();
        }
    }
    c.final_summary();
    summary(&out_dir, started, &contenders, &results);
}

/// The ratio proxy-wire must reach on a case (fastest other crate / ours): ahead everywhere,
/// 3x on v1 parsing, 1.5x on the TLV header with its CRC32C verified (which most others skip).
fn target(op: Op, case: Case) -> f64 {
    match (op, case) {
        (Op::Parse, Case::V1Tcp4 | Case::V1Tcp6) => 3.0,
        (Op::Parse, Case::V2Tlvs) => 1.5,
        _ => 1.0,
    }
}

fn summary(
    dir: &Path,
    started: SystemTime,
    contenders: &[Contender],
    results: &[(Op, Case, &'static str, Entry)],
) {
    let names: Vec<&str> = contenders.iter().map(|c| c.name).collect();
    println!();
    println!("== {} ==", build_label());
    println!(
        "== criterion medians, this run (ratio = fastest other crate / proxy-wire: above 1 we \
         are faster; best = fastest other / floor, where floor does no parsing or encoding, only \
         the harness and digest: no crate can reach a higher ratio) =="
    );
    println!("| header | {} | ratio | best | target |", names.join(" | "));
    println!("|---|{}---|---|---|", "---|".repeat(names.len()));
    let mut misses = Vec::new();
    for op in [Op::Parse, Op::Encode] {
        for case in Case::ALL {
            let group = group_name(op, case);
            let mut cells = Vec::new();
            let mut ours_ns = None;
            let mut best_other: Option<f64> = None;
            let mut floor_ns = None;
            for name in &names {
                let entry = results
                    .iter()
                    .find(|r| r.0 == op && r.1 == case && r.2 == *name)
                    .map(|r| &r.3);
                let cell = match entry {
                    Some(Entry::Timed { .. }) => match median_ns(dir, started, &group, name) {
                        Some(ns) => {
                            if *name == OURS {
                                ours_ns = Some(ns);
                            } else if *name == FLOOR {
                                floor_ns = Some(ns);
                            } else {
                                best_other = Some(best_other.map_or(ns, |b: f64| b.min(ns)));
                            }
                            fmt_ns(ns)
                        }
                        None => "not run".to_string(),
                    },
                    Some(Entry::Cannot(_)) => "cannot".to_string(),
                    Some(Entry::Wrong(_)) => "WRONG".to_string(),
                    None => "-".to_string(),
                };
                cells.push(cell);
            }
            let target = target(op, case);
            let best = match (floor_ns, best_other) {
                (Some(f), Some(b)) => format!("{:.2}", b / f),
                _ => "-".to_string(),
            };
            let (ratio, verdict) = match (ours_ns, best_other) {
                (Some(o), Some(b)) => {
                    let r = b / o;
                    let ok = r >= target;
                    if !ok {
                        misses.push(format!("{group}: ratio {r:.2} < {target:.1}"));
                    }
                    (format!("{r:.2}"), if ok { "ok" } else { "MISSED" })
                }
                _ => ("-".to_string(), "-"),
            };
            println!(
                "| {group} | {} | {ratio} | {best} | >= {target:.1} {verdict} |",
                cells.join(" | ")
            );
        }
    }

    println!();
    println!("== heap allocations per call ==");
    println!("| header | {} |", names.join(" | "));
    println!("|---|{}", "---|".repeat(names.len()));
    for op in [Op::Parse, Op::Encode] {
        for case in Case::ALL {
            let cells: Vec<String> = names
                .iter()
                .map(|name| {
                    match results
                        .iter()
                        .find(|r| r.0 == op && r.1 == case && r.2 == *name)
                        .map(|r| &r.3)
                    {
                        Some(Entry::Timed { allocs }) => format!("{allocs}"),
                        Some(Entry::Cannot(_)) => "cannot".to_string(),
                        Some(Entry::Wrong(_)) => "WRONG".to_string(),
                        None => "-".to_string(),
                    }
                })
                .collect();
            println!("| {} | {} |", group_name(op, case), cells.join(" | "));
        }
    }
    let ours_allocs: f64 = results
        .iter()
        .filter(|r| r.2 == OURS)
        .map(|r| match r.3 {
            Entry::Timed { allocs } => allocs,
            _ => 0.0,
        })
        .sum();
    if ours_allocs != 0.0 {
        misses.push(format!(
            "proxy-wire allocated ({ours_allocs} per call in total)"
        ));
    }

    println!();
    if misses.is_empty() {
        println!("targets: all met in this run");
    } else {
        println!("targets missed in this run:");
        for m in misses {
            println!("  {m}");
        }
    }
}
