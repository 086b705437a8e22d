#![no_main]

use libfuzzer_sys::fuzz_target;
use proxy_wire_fuzz::roundtrip::{run, Case};

fuzz_target!(|case: Case| run(&case));
