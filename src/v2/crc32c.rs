//! CRC-32C (Castagnoli), as the CRC32C TLV carries it: reflected polynomial `0x82F63B78`,
//! initial value and final XOR `0xFFFFFFFF`, written big-endian.
//!
//! Three implementations of one computation, [`checksum_zeroed`] (and `update`, the running
//! CRC the tests compare):
//! * x86_64 with SSE4.2: the `crc32` instruction, 8 bytes at a time;
//! * aarch64 with the ARMv8 CRC extension: `crc32cx`, 8 bytes at a time;
//! * everywhere else (and on CPUs without them): portable slice-by-8 over tables built at
//!   compile time.
//!
//! The hardware path is taken when the feature is enabled at compile time (e.g.
//! `-C target-cpu=native`, or any aarch64 target that implies `crc`), else, with the `std`
//! feature, when the CPU reports it at run time (`is_x86_feature_detected!`, cached by std).
//! Without `std` and without the compile-time feature the portable code runs.
//!
//! Why our own and not a crate: the `crc32c` crate needs `std` (it detects the CPU at run time
//! with std's macros and has `std::io` adapters), and this crate's core is `no_std`. The
//! generic `crc` / `crc-catalog` crates are `no_std` but table-driven only, with no hardware
//! path. What we need is small: the three loops below and their agreement test.
//!
//! Why `unsafe` here (the crate denies it elsewhere, see `lib.rs`): the hardware functions are
//! `#[target_feature]` functions, `unsafe` to call unless the caller has the feature too, which
//! cannot be expressed for a feature detected at run time; and before Rust 1.87 the intrinsics
//! are `unsafe` to call even inside them. So `unsafe` is allowed on the `hw` modules (every
//! unsafe operation in a block with a `// SAFETY:` note) and on the two dispatching calls, each
//! guarded by `hw::available()`. The functions only read the slice they are given. Miri runs the portable
//! code, and the x86_64 intrinsics too when built with `-C target-feature=+sse4.2`.

use crate::error::ParseError;

const POLY: u32 = 0x82F6_3B78;

const fn tables() -> [[u32; 256]; 8] {
    let mut t = [[0u32; 256]; 8];
    let mut n = 0;
    while n < 256 {
        let mut c = n as u32;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 != 0 { (c >> 1) ^ POLY } else { c >> 1 };
            k += 1;
        }
        t[0][n] = c;
        n += 1;
    }
    let mut n = 0;
    while n < 256 {
        let mut k = 1;
        while k < 8 {
            let prev = t[k - 1][n];
            t[k][n] = t[0][(prev & 0xff) as usize] ^ (prev >> 8);
            k += 1;
        }
        n += 1;
    }
    t
}

static TABLES: [[u32; 256]; 8] = tables();

/// Portable slice-by-8: continues a CRC state (not finalized) over `data`.
#[inline]
fn update_portable(mut crc: u32, data: &[u8]) -> u32 {
    let t = &TABLES;
    let mut chunks = data.chunks_exact(8);
    for c in &mut chunks {
        let lo = u32::from_le_bytes([c[0], c[1], c[2], c[3]]) ^ crc;
        crc = t[7][(lo & 0xff) as usize]
            ^ t[6][((lo >> 8) & 0xff) as usize]
            ^ t[5][((lo >> 16) & 0xff) as usize]
            ^ t[4][(lo >> 24) as usize]
            ^ t[3][c[4] as usize]
            ^ t[2][c[5] as usize]
            ^ t[1][c[6] as usize]
            ^ t[0][c[7] as usize];
    }
    for &b in chunks.remainder() {
        crc = t[0][((crc ^ u32::from(b)) & 0xff) as usize] ^ (crc >> 8);
    }
    crc
}

#[cfg(target_arch = "x86_64")]
#[allow(unsafe_code)]
// Unsafe operations only in their own blocks, each with its reason.
#[deny(unsafe_op_in_unsafe_fn)]
// The intrinsics are safe to call in a function with the feature from Rust 1.87 on; the
// blocks are for older compilers (the MSRV).
#[allow(unused_unsafe)]
mod hw {
    use core::arch::x86_64::{_mm_crc32_u32, _mm_crc32_u64, _mm_crc32_u8};

    /// Whether [`update`] may be called: SSE4.2 enabled at compile time or, with `std`, present
    /// on this CPU.
    #[inline(always)]
    pub(super) fn available() -> bool {
        #[cfg(target_feature = "sse4.2")]
        {
            true
        }
        #[cfg(all(not(target_feature = "sse4.2"), feature = "std"))]
        {
            std::is_x86_feature_detected!("sse4.2")
        }
        #[cfg(all(not(target_feature = "sse4.2"), not(feature = "std")))]
        {
            false
        }
    }

    /// The `crc32` instruction over `data`, 8 bytes at a time.
    ///
    /// # Safety
    /// The CPU must support SSE4.2 ([`available`]).
    #[target_feature(enable = "sse4.2")]
    #[inline]
    pub(super) unsafe fn update(crc: u32, data: &[u8]) -> u32 {
        let mut c = u64::from(crc);
        let mut words = data.chunks_exact(8);
        for w in &mut words {
            if let Ok(w) = <[u8; 8]>::try_from(w) {
                // SAFETY: this function is compiled with SSE4.2, which its callers checked.
                c = unsafe { _mm_crc32_u64(c, u64::from_le_bytes(w)) };
            }
        }
        let mut crc = c as u32;
        let mut rest = words.remainder();
        if let Some((w, tail)) = rest.split_first_chunk::<4>() {
            // SAFETY: this function is compiled with SSE4.2, which its callers checked.
            crc = unsafe { _mm_crc32_u32(crc, u32::from_le_bytes(*w)) };
            rest = tail;
        }
        for &b in rest {
            // SAFETY: this function is compiled with SSE4.2, which its callers checked.
            crc = unsafe { _mm_crc32_u8(crc, b) };
        }
        crc
    }

    /// [`super::checksum_zeroed`]: `before`, 4 zero bytes, `after`, in one function so that the
    /// feature is checked once, not once per part.
    ///
    /// # Safety
    /// The CPU must support SSE4.2 ([`available`]).
    #[target_feature(enable = "sse4.2")]
    #[inline]
    pub(super) unsafe fn checksum_zeroed(before: &[u8], after: &[u8]) -> u32 {
        // SAFETY: as in `update`, whose requirement (SSE4.2) is this function's.
        unsafe {
            let crc = update(!0, before);
            !update(_mm_crc32_u32(crc, 0), after)
        }
    }
}

#[cfg(target_arch = "aarch64")]
#[allow(unsafe_code)]
// Unsafe operations only in their own blocks, each with its reason.
#[deny(unsafe_op_in_unsafe_fn)]
// The intrinsics are safe to call in a function with the feature from Rust 1.87 on; the
// blocks are for older compilers (the MSRV).
#[allow(unused_unsafe)]
mod hw {
    use core::arch::aarch64::{__crc32cb, __crc32cd, __crc32cw};

    /// Whether [`update`] may be called: the CRC extension enabled at compile time or, with
    /// `std`, present on this CPU.
    #[inline(always)]
    pub(super) fn available() -> bool {
        #[cfg(target_feature = "crc")]
        {
            true
        }
        #[cfg(all(not(target_feature = "crc"), feature = "std"))]
        {
            std::arch::is_aarch64_feature_detected!("crc")
        }
        #[cfg(all(not(target_feature = "crc"), not(feature = "std")))]
        {
            false
        }
    }

    /// The `crc32cx` instruction over `data`, 8 bytes at a time.
    ///
    /// # Safety
    /// The CPU must support the ARMv8 CRC extension ([`available`]).
    #[target_feature(enable = "crc")]
    #[inline]
    pub(super) unsafe fn update(mut crc: u32, data: &[u8]) -> u32 {
        let mut words = data.chunks_exact(8);
        for w in &mut words {
            if let Ok(w) = <[u8; 8]>::try_from(w) {
                // SAFETY: this function is compiled with the CRC extension, which its callers checked.
                crc = unsafe { __crc32cd(crc, u64::from_le_bytes(w)) };
            }
        }
        let mut rest = words.remainder();
        if let Some((w, tail)) = rest.split_first_chunk::<4>() {
            // SAFETY: this function is compiled with the CRC extension, which its callers checked.
            crc = unsafe { __crc32cw(crc, u32::from_le_bytes(*w)) };
            rest = tail;
        }
        for &b in rest {
            // SAFETY: this function is compiled with the CRC extension, which its callers checked.
            crc = unsafe { __crc32cb(crc, b) };
        }
        crc
    }

    /// [`super::checksum_zeroed`]: `before`, 4 zero bytes, `after`, in one function so that the
    /// feature is checked once, not once per part.
    ///
    /// # Safety
    /// The CPU must support the ARMv8 CRC extension ([`available`]).
    #[target_feature(enable = "crc")]
    #[inline]
    pub(super) unsafe fn checksum_zeroed(before: &[u8], after: &[u8]) -> u32 {
        // SAFETY: as in `update`, whose requirement (the CRC extension) is this function's.
        unsafe {
            let crc = update(!0, before);
            !update(__crc32cw(crc, 0), after)
        }
    }
}

/// Continues a CRC state (not finalized) over `data`, in hardware when the CPU can.
#[cfg(test)]
#[allow(unsafe_code)]
pub(crate) fn update(crc: u32, data: &[u8]) -> u32 {
    #[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
    if hw::available() {
        // SAFETY: `available()` is true only when the instruction set `hw::update` is compiled
        // for is enabled at compile time or was detected on this CPU at run time.
        return unsafe { hw::update(crc, data) };
    }
    update_portable(crc, data)
}

/// CRC-32C of `data`.
#[cfg(test)]
pub(crate) fn checksum(data: &[u8]) -> u32 {
    !update(!0, data)
}

/// CRC-32C of `header` with the 4 bytes at `at` read as zeros.
///
/// One dispatch for the three parts: through `update` each part checked the CPU feature again
/// and paid its own call (measured: instructions on parse/v2_tlvs_crc, see benches/README.md).
#[inline]
#[allow(unsafe_code)]
pub(crate) fn checksum_zeroed(header: &[u8], at: usize) -> u32 {
    let (before, rest) = header.split_at(at.min(header.len()));
    let after = rest.get(4..).unwrap_or(&[]);
    #[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
    if hw::available() {
        // SAFETY: as in `update`: `available()` is true only when the instruction set
        // `hw::checksum_zeroed` is compiled for is enabled or was detected on this CPU.
        return unsafe { hw::checksum_zeroed(before, after) };
    }
    checksum_zeroed_portable(before, after)
}

/// [`checksum_zeroed`] without the hardware path: out of line, so that the registers it needs
/// are not saved and restored on the hardware path (instructions on parse/v2_tlvs_crc).
#[inline(never)]
fn checksum_zeroed_portable(before: &[u8], after: &[u8]) -> u32 {
    let crc = update_portable(!0, before);
    let crc = update_portable(crc, &[0; 4]);
    !update_portable(crc, after)
}

/// Checks the CRC32C carried at `at` (a value offset) against the header.
#[inline]
pub(crate) fn verify(header: &[u8], at: usize) -> Result<(), ParseError> {
    let carried = header
        .get(at..)
        .and_then(|s| s.first_chunk::<4>())
        .map_or(0, |b| u32::from_be_bytes(*b));
    let computed = checksum_zeroed(header, at);
    if carried == computed {
        Ok(())
    } else {
        Err(ParseError::ChecksumMismatch { carried, computed })
    }
}

/// Writes the CRC32C of `header` into its field at `at`.
#[inline]
pub(crate) fn patch(header: &mut [u8], at: usize) {
    let crc = checksum_zeroed(header, at);
    if let Some(field) = header.get_mut(at..).and_then(|s| s.first_chunk_mut::<4>()) {
        *field = crc.to_be_bytes();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_answers() {
        // RFC 3720 B.4 test vectors.
        assert_eq!(checksum(&[0u8; 32]), 0x8A91_36AA);
        assert_eq!(checksum(&[0xffu8; 32]), 0x62A8_AB43);
        let inc: [u8; 32] = core::array::from_fn(|i| i as u8);
        assert_eq!(checksum(&inc), 0x46DD_794E);
        assert_eq!(checksum(b"123456789"), 0xE306_9283);
        assert_eq!(!update_portable(!0, b"123456789"), 0xE306_9283);
    }

    #[test]
    fn checksum_zeroed_is_the_checksum_with_the_field_zeroed() {
        let data: [u8; 80] = core::array::from_fn(|i| (i as u8).wrapping_mul(37) ^ 0x5a);
        // Under Miri, which interprets each bit: the short lengths and two longer ones.
        let lens = (0..data.len()).filter(|&l| !cfg!(miri) || l < 10 || l == 33 || l == 50);
        for len in lens {
            let header = &data[..len];
            for at in 0..len + 6 {
                // As defined: the bytes before `at`, four zeros, then what follows the field.
                let mut zeroed = header[..at.min(len)].to_vec();
                zeroed.extend_from_slice(&[0; 4]);
                zeroed.extend_from_slice(header.get(at + 4..).unwrap_or(&[]));
                let want = bitwise(&zeroed);
                assert_eq!(checksum_zeroed(header, at), want, "{len} {at}");
                let (before, rest) = header.split_at(at.min(len));
                let after = rest.get(4..).unwrap_or(&[]);
                assert_eq!(checksum_zeroed_portable(before, after), want, "{len} {at}");
            }
        }
    }

    #[test]
    fn haproxy_health_check_header() {
        // Captured from HAProxy 2.6 `send-proxy-v2 proxy-v2-options crc32c` health check.
        let h = *b"\r\n\r\n\0\r\nQUIT\n\x20\x00\x00\x07\x03\x00\x04\xa9\xb8\x7e\x8f";
        assert_eq!(verify(&h, 19), Ok(()));
        let mut z = h;
        z[19..].fill(0);
        patch(&mut z, 19);
        assert_eq!(z, h);
    }

    /// Bit at a time, straight from the definition: the reference for the fast versions.
    fn bitwise(data: &[u8]) -> u32 {
        let mut c = !0u32;
        for &b in data {
            c ^= u32::from(b);
            for _ in 0..8 {
                c = if c & 1 != 0 { (c >> 1) ^ POLY } else { c >> 1 };
            }
        }
        !c
    }

    /// Every length 0..300 at every start offset 0..8 (so every alignment), over
    /// pseudo-random bytes, plus random split points for the incremental form: the dispatching
    /// `update`, the portable code and (when this CPU has it) the hardware code all agree with
    /// the bit-at-a-time definition.
    #[test]
    fn hardware_portable_and_definition_agree() {
        let mut next = crate::test_rng::xorshift(0x243F_6A88_85A3_08D3);
        let mut buf = [0u8; 320];
        let (mut hw_checked, mut cases) = (0usize, 0usize);
        // Under Miri, which interprets each bit: lengths that leave every remainder the
        // hardware loop has (0..8 bytes after the words), after none to three words.
        const MIRI_LENS: [usize; 15] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 14, 15, 16, 17, 31];
        // Under Miri the first and last rounds only (random bytes, then all ones).
        let rounds = (0..4).filter(|r| !cfg!(miri) || *r == 0 || *r == 3);
        for round in rounds.clone() {
            for b in buf.iter_mut() {
                *b = next() as u8;
            }
            if round == 3 {
                buf.fill(0xff);
            }
            for start in 0..8 {
                let all = 0..300;
                for len in all.filter(|l| !cfg!(miri) || MIRI_LENS.contains(l)) {
                    cases += 1;
                    let data = &buf[start..start + len];
                    let want = bitwise(data);
                    assert_eq!(!update_portable(!0, data), want, "portable {start} {len}");
                    assert_eq!(checksum(data), want, "dispatch {start} {len}");
                    #[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
                    if hw::available() {
                        // SAFETY: guarded by the same detection as `update`.
                        #[allow(unsafe_code)]
                        let got = !unsafe { hw::update(!0, data) };
                        assert_eq!(got, want, "hardware {start} {len}");
                        hw_checked += 1;
                    }
                    let split = (next() as usize) % (len + 1);
                    let (a, b) = data.split_at(split);
                    assert_eq!(
                        !update(update(!0, a), b),
                        want,
                        "split {start} {len} {split}"
                    );
                }
            }
        }
        #[cfg(all(target_arch = "x86_64", feature = "std"))]
        if std::is_x86_feature_detected!("sse4.2") {
            assert_eq!(
                hw_checked, cases,
                "the hardware path must have been exercised"
            );
        }
        #[cfg(all(target_arch = "x86_64", target_feature = "sse4.2"))]
        assert_eq!(
            hw_checked, cases,
            "the hardware path must have been exercised"
        );
        assert_eq!(
            cases,
            rounds.count() * 8 * if cfg!(miri) { MIRI_LENS.len() } else { 300 }
        );
        let _ = hw_checked;
    }
}
