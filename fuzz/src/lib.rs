//! Shared code of the proxy-wire fuzz targets (see `fuzz_targets/`).
//!
//! [`checks`] holds the invariants of the byte-input targets; `tests/fuzz_regressions.rs` in
//! the library compiles the same file, so crash inputs replay through the same checks.
//! [`roundtrip`] is the structured (`arbitrary`) encoder target, [`stream`] feeds headers
//! through the std adapter in chunks.

pub mod checks;
pub mod roundtrip;
pub mod stream;
