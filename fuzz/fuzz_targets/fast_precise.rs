#![no_main]
//! The fast parse paths against the precise parsers (`proxy_wire::fuzzing`): on the input, and
//! on it cut where the paths' choices change (at the end of the header it holds and a byte
//! before, after the v2 fixed part, a byte short of the input).
//!
//! The library has that module only under `cfg(fuzzing)`, which cargo-fuzz sets; a plain
//! `cargo clippy` of this workspace sees an empty target.

#[cfg(fuzzing)]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    use proxy_wire::fuzzing::fast_paths_agree;

    fast_paths_agree(data);
    // the crate-root entry point is the default configuration's parser
    let parsed = proxy_wire::parse(data);
    assert_eq!(parsed, proxy_wire::ParserConfig::new().parse(data));
    let end = match parsed {
        Ok(proxy_wire::Status::Complete { consumed, .. }) => consumed,
        _ => data.len(),
    };
    let mut cuts = [end, end.saturating_sub(1), 16, data.len().saturating_sub(1)];
    cuts.sort_unstable();
    for (i, &cut) in cuts.iter().enumerate() {
        if cut < data.len() && cuts[..i].last() != Some(&cut) {
            fast_paths_agree(&data[..cut]);
        }
    }
});
