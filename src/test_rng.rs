//! A small seeded generator (xorshift64) for the unit tests' random inputs: reproducible, no
//! dependency, the same in every module.
#![forbid(unsafe_code)]

pub(crate) fn xorshift(mut x: u64) -> impl FnMut() -> u64 {
    move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    }
}
