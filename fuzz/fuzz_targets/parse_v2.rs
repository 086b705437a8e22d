#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| proxy_wire_fuzz::checks::parse_v2(data));
