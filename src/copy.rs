//! Copies of short slices without a `memcpy` call, for the v1 fast path's zero-padded window
//! and the v2 builder's UNIX paths: fixed-size copies the compiler turns into a few wide loads
//! and stores, where a call with a length it cannot see costs more than the copy (instructions on
//! parse/v1_tcp4, see benches/README.md).

#![forbid(unsafe_code)]

/// `to.copy_from_slice(from)` for two slices of the same length: the first and the last `K`
/// bytes, `K` the largest power of two up to the length (the two copies overlap), and the
/// middle 64 bytes too above 128. Lengths above 192 (no caller has them) take `copy_from_slice`.
#[inline(always)]
pub(crate) fn copy_short(to: &mut [u8], from: &[u8]) {
    let n = from.len();
    if n >= 64 {
        if n > 128 {
            if n > 192 {
                if to.len() == n {
                    to.copy_from_slice(from);
                }
                return;
            }
            if let (Some(a), Some(b)) = (
                to.get_mut(64..).and_then(|t| t.first_chunk_mut::<64>()),
                from.get(64..).and_then(|f| f.first_chunk::<64>()),
            ) {
                *a = *b;
            }
        }
        copy_ends::<64>(to, from);
    } else if n >= 32 {
        copy_ends::<32>(to, from);
    } else if n >= 16 {
        copy_ends::<16>(to, from);
    } else if n >= 8 {
        copy_ends::<8>(to, from);
    } else if n >= 4 {
        copy_ends::<4>(to, from);
    } else if n >= 2 {
        copy_ends::<2>(to, from);
    } else {
        copy_ends::<1>(to, from);
    }
}

/// The first and the last `K` bytes of `from` to the same places of `to` (as long as `from`);
/// nothing where `from` is shorter than `K`.
#[inline(always)]
fn copy_ends<const K: usize>(to: &mut [u8], from: &[u8]) {
    if let (Some(a), Some(b)) = (to.first_chunk_mut::<K>(), from.first_chunk::<K>()) {
        *a = *b;
    }
    if let (Some(a), Some(b)) = (to.last_chunk_mut::<K>(), from.last_chunk::<K>()) {
        *a = *b;
    }
}

#[cfg(test)]
mod tests {
    use super::copy_short;

    #[test]
    fn copies_every_length_exactly() {
        let from: [u8; 200] = core::array::from_fn(|i| i as u8 ^ 0x5a);
        for n in 0..=200 {
            let mut to = [0xa5u8; 200];
            copy_short(&mut to[..n], &from[..n]);
            assert_eq!(to[..n], from[..n], "{n}");
            assert!(to[n..].iter().all(|&c| c == 0xa5), "{n}");
        }
    }
}
