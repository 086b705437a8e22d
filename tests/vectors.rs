//! The shared test vectors (tests/data/public.json), judged by the rules of PROTOCOL.md §5.

mod common;

use common::{hex, matches, outcome, vectors, Outcome};
use proxy_wire::{parse, Encode, Status};

#[test]
fn every_public_vector_passes() {
    let mut failures = Vec::new();
    let all = vectors();
    assert!(
        all.len() >= 50,
        "vector file looks truncated: {}",
        all.len()
    );
    for case in &all {
        let id = case["id"].as_str().unwrap_or("?");
        let input = hex(&case["hex"]);
        let got = outcome(&input);
        let mut result = matches(&got, &case["expect"]);
        if result.is_err() {
            if let Some(alts) = case.get("accept_also").and_then(|a| a.as_array()) {
                if alts.iter().any(|alt| matches(&got, alt).is_ok()) {
                    result = Ok(());
                }
            }
        }
        if let Err(why) = result {
            failures.push(format!("{id}: {why}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} failing vectors:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn roundtrip_vectors_reencode_to_the_same_bytes() {
    let mut n = 0;
    for case in vectors()
        .iter()
        .filter(|c| c["roundtrip"].as_bool() == Some(true))
    {
        let id = case["id"].as_str().unwrap_or("?");
        let input = hex(&case["hex"]);
        let Outcome::Ok(header, consumed) = outcome(&input) else {
            panic!("{id}: roundtrip vector does not parse");
        };
        let mut out = vec![0u8; header.encoded_len()];
        let written = header.encode(&mut out).unwrap();
        assert_eq!(written, consumed, "{id}");
        assert_eq!(hex::encode(&out), hex::encode(&input[..consumed]), "{id}");
        n += 1;
    }
    assert!(n >= 5, "only {n} roundtrip vectors");
}

#[test]
fn every_prefix_of_a_valid_vector_is_incomplete_with_a_sound_count() {
    for case in vectors().iter().filter(|c| c["expect"].get("ok").is_some()) {
        let id = case["id"].as_str().unwrap_or("?");
        let input = hex(&case["hex"]);
        let Outcome::Ok(_, consumed) = outcome(&input) else {
            continue; // accepted through accept_also as an error
        };
        for k in 0..consumed {
            match parse(&input[..k]) {
                Ok(Status::Incomplete { needed }) => assert!(
                    k + needed.get() <= consumed,
                    "{id}: prefix {k} says {needed} more, header is {consumed}"
                ),
                other => panic!("{id}: prefix of {k} bytes gave {other:?}"),
            }
        }
        // v2: exact once the fixed part is in
        if input[0] == b'\r' {
            for k in 16..consumed {
                let Ok(Status::Incomplete { needed }) = parse(&input[..k]) else {
                    unreachable!()
                };
                assert_eq!(
                    k + needed.get(),
                    consumed,
                    "{id}: v2 count is exact after 16 bytes"
                );
            }
        }
        // trailing data changes nothing
        let mut longer = input[..consumed].to_vec();
        longer.extend_from_slice(b"\r\nGET / HTTP/1.1\r\n\x00\xff");
        let Outcome::Ok(_, c2) = outcome(&longer) else {
            panic!("{id}: with trailing data")
        };
        assert_eq!(c2, consumed, "{id}");
    }
}

#[test]
fn prefix_vectors_are_prefixes_of_complete_headers() {
    // Their parent headers are not all in the public file; what is judged is `incomplete`.
    for case in vectors().iter().filter(|c| c.get("prefix_of").is_some()) {
        let input = hex(&case["hex"]);
        assert!(
            matches!(outcome(&input), Outcome::Incomplete(_)),
            "{}",
            case["id"]
        );
    }
}
