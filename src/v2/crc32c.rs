//! CRC-32C (Castagnoli), as the CRC32C TLV carries it: reflected polynomial `0x82F63B78`,
//! initial value and final XOR `0xFFFFFFFF`, written big-endian.
//!
//! Portable slice-by-8 over tables built at compile time. No crate fits here: the `crc32c`
//! crate needs `std` (runtime CPU detection, `io` adapters), and we stay `no_std`.

use crate::ParseError;

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

/// Continues a CRC state (not finalized) over `data`.
#[inline]
pub(crate) fn update(mut crc: u32, data: &[u8]) -> u32 {
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

/// CRC-32C of `data`.
#[cfg(test)]
pub(crate) fn checksum(data: &[u8]) -> u32 {
    !update(!0, data)
}

/// CRC-32C of `header` with the 4 bytes at `at` read as zeros.
#[inline]
pub(crate) fn checksum_zeroed(header: &[u8], at: usize) -> u32 {
    let (before, rest) = header.split_at(at.min(header.len()));
    let after = rest.get(4..).unwrap_or(&[]);
    let crc = update(!0, before);
    let crc = update(crc, &[0; 4]);
    !update(crc, after)
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
}
