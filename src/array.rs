//! [`ArrayHeader`]: a header that owns its bytes in a fixed-capacity array, for `no_std`
//! users without an allocator.

#![forbid(unsafe_code)]

use core::fmt;
use core::hash::{Hash, Hasher};

use crate::config::ParserConfig;
use crate::error::ParseError;
use crate::header::Header;
use crate::v1;

/// A complete header of either version that owns its bytes (TLVs included) in an inline array
/// of `N` bytes, so it outlives the buffer it was read into without an allocator: the
/// fixed-capacity form of `OwnedHeader` (feature `alloc`).
///
/// `N` is at least [`v1::V1_MAX_LEN`] (107), so every v1 line fits; it is the largest v2
/// header kept (a v2 TCP4 header without TLVs is 28 bytes, TCP6 52). A smaller `N` does not
/// compile. [`ArrayHeader::header`] re-borrows it as the parser's [`Header`], which has every
/// accessor (addresses, TLVs, SSL).
///
/// ```
/// use proxy_wire::{parse, ArrayHeader};
///
/// let input = b"PROXY TCP4 192.0.2.1 192.0.2.2 1000 80\r\nGET / HTTP/1.1\r\n";
/// let (_, consumed) = parse(input)?.complete().ok_or("incomplete")?;
/// let kept = ArrayHeader::<128>::new(&input[..consumed])?;
/// assert_eq!(kept.header().source(), Some("192.0.2.1:1000".parse()?));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// ```compile_fail
/// // 64 bytes cannot hold every v1 line.
/// let _ = proxy_wire::ArrayHeader::<64>::new(b"PROXY UNKNOWN\r\n");
/// ```
#[derive(Clone)]
pub struct ArrayHeader<const N: usize> {
    /// The header in `bytes[..len]`, zeros after it.
    bytes: [u8; N],
    len: usize,
    /// The decoded line of a v1 header (a v2 header is read from `bytes` on demand).
    v1: Option<v1::Header>,
}

impl<const N: usize> ArrayHeader<N> {
    /// Refuses, at compile time, a capacity that cannot hold every v1 line.
    const HOLDS_V1: () = assert!(
        N >= v1::V1_MAX_LEN,
        "ArrayHeader<N> needs N >= 107, the longest v1 line"
    );

    /// Checks that `bytes` hold exactly one complete header of either version, of at most `N`
    /// bytes, and copies them in.
    ///
    /// # Errors
    /// The parse error, as for `OwnedHeader::new`:
    /// [`ParseError::Truncated`] if `bytes` end inside the header and
    /// [`ParseError::TrailingBytes`] if bytes follow it; a v2 header longer than `N` is
    /// [`ParseError::V2TooLong`] with `limit` `N`.
    ///
    /// ```
    /// use proxy_wire::{ArrayHeader, ParseError};
    ///
    /// let local = b"\r\n\r\n\0\r\nQUIT\n\x20\x00\x00\x00";
    /// assert_eq!(ArrayHeader::<107>::new(local)?.as_bytes().len(), 16);
    /// assert!(ArrayHeader::<107>::new(b"PROXY UNKNOWN\r\nextra").is_err());
    /// // A v2 header of 16 + 200 bytes does not fit in 128.
    /// assert_eq!(
    ///     ArrayHeader::<128>::new(b"\r\n\r\n\0\r\nQUIT\n\x21\x11\x00\xc8"),
    ///     Err(ParseError::V2TooLong { size: 216, limit: 128 })
    /// );
    /// # Ok::<(), ParseError>(())
    /// ```
    pub fn new(bytes: &[u8]) -> Result<Self, ParseError> {
        let () = Self::HOLDS_V1;
        let config = ParserConfig::new().max_v2_header_len(N);
        let v1 = config.parse_whole(bytes)?.v1_line();
        let mut array = [0u8; N];
        // The parser refused a v2 header longer than `N`, and a v1 line is at most 107 bytes.
        let too_long = ParseError::V2TooLong {
            size: bytes.len(),
            limit: N,
        };
        array
            .get_mut(..bytes.len())
            .ok_or(too_long)?
            .copy_from_slice(bytes);
        Ok(Self {
            bytes: array,
            len: bytes.len(),
            v1,
        })
    }

    /// The header, borrowing these bytes.
    ///
    /// ```
    /// use proxy_wire::ArrayHeader;
    ///
    /// let kept = ArrayHeader::<107>::new(b"PROXY TCP6 2001:db8::1 2001:db8::2 1 2\r\n")?;
    /// assert_eq!(kept.header().destination(), Some("[2001:db8::2]:2".parse().unwrap()));
    /// # Ok::<(), proxy_wire::ParseError>(())
    /// ```
    pub fn header(&self) -> Header<'_> {
        Header::from_checked(self.v1, self.as_bytes())
    }

    /// The header's bytes as they came on the wire.
    ///
    /// ```
    /// use proxy_wire::ArrayHeader;
    ///
    /// let kept = ArrayHeader::<107>::new(b"PROXY UNKNOWN\r\n")?;
    /// assert_eq!(kept.as_bytes(), b"PROXY UNKNOWN\r\n");
    /// # Ok::<(), proxy_wire::ParseError>(())
    /// ```
    pub fn as_bytes(&self) -> &[u8] {
        self.bytes.get(..self.len).unwrap_or_default()
    }
}

impl<const N: usize> fmt::Debug for ArrayHeader<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ArrayHeader")
            .field("bytes", &self.as_bytes())
            .field("v1", &self.v1)
            .finish()
    }
}

/// Equal when the header bytes are (the unused capacity does not count).
impl<const N: usize> PartialEq for ArrayHeader<N> {
    fn eq(&self, other: &Self) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

impl<const N: usize> Eq for ArrayHeader<N> {}

impl<const N: usize> Hash for ArrayHeader<N> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_bytes().hash(state);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::status::Status;
    use crate::test_rng::xorshift;

    const V1: &[u8] = b"PROXY TCP4 192.0.2.1 192.0.2.2 1000 80\r\n";
    /// The longest v1 line: 107 bytes.
    const V1_LONGEST: &[u8] = b"PROXY TCP6 ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 65535 65535\r\n";

    /// A v2 LOCAL header of `size` bytes (at least 19): its TLV area is one NOOP TLV.
    fn v2_local(size: usize) -> [u8; 200] {
        let mut h = [0u8; 200];
        let len = (size - 16) as u16;
        h[..16].copy_from_slice(b"\r\n\r\n\0\r\nQUIT\n\x20\x00\x00\x00");
        h[14..16].copy_from_slice(&len.to_be_bytes());
        h[16] = 0x04;
        h[17..19].copy_from_slice(&(len - 3).to_be_bytes());
        h
    }

    #[test]
    fn exactly_n_fits_one_more_does_not() {
        let header = v2_local(128);
        let kept = ArrayHeader::<128>::new(&header[..128]).unwrap();
        assert_eq!(kept.as_bytes(), &header[..128]);
        assert_eq!(kept.header().version(), 2);
        assert_eq!(
            ArrayHeader::<127>::new(&header[..128]),
            Err(ParseError::V2TooLong {
                size: 128,
                limit: 127
            })
        );
        assert_eq!(
            ArrayHeader::<128>::new(&v2_local(129)[..129]),
            Err(ParseError::V2TooLong {
                size: 129,
                limit: 128
            })
        );

        let kept = ArrayHeader::<107>::new(V1_LONGEST).unwrap();
        assert_eq!(kept.as_bytes(), V1_LONGEST);
        assert_eq!(
            kept.header(),
            crate::parse(V1_LONGEST).unwrap().complete().unwrap().0
        );
    }

    #[test]
    fn whole_header_only() {
        assert!(matches!(
            ArrayHeader::<107>::new(&V1[..20]),
            Err(ParseError::Truncated { version: 1, .. })
        ));
        assert!(matches!(
            ArrayHeader::<107>::new(&v2_local(40)[..30]),
            Err(ParseError::Truncated { version: 2, .. })
        ));
        let mut trailing = [b'x'; 64];
        trailing[..V1.len()].copy_from_slice(V1);
        assert_eq!(
            ArrayHeader::<256>::new(&trailing[..V1.len() + 1]),
            Err(ParseError::TrailingBytes {
                header: V1.len(),
                available: V1.len() + 1
            })
        );
        assert!(matches!(
            ArrayHeader::<107>::new(b"GET / HTTP/1.1\r\n"),
            Err(ParseError::NotProxyHeader { .. })
        ));
        assert!(ArrayHeader::<107>::new(b"").is_err());
    }

    #[test]
    fn same_header_as_the_parser_equality_by_bytes() {
        let a = ArrayHeader::<107>::new(V1).unwrap();
        let b = ArrayHeader::<107>::new(V1).unwrap();
        assert_eq!(a, b.clone());
        assert_ne!(a, ArrayHeader::<107>::new(b"PROXY UNKNOWN\r\n").unwrap());
        let Ok(Status::Complete { header, .. }) = crate::parse(V1) else {
            panic!()
        };
        assert_eq!(a.header(), header);
        let debug = alloc_free_debug(&a);
        assert!(debug.starts_with("ArrayHeader { bytes: [80, 82"));
    }

    /// `Hash` agrees with `Eq` (equal headers, equal hashes) and tells headers apart.
    #[test]
    fn hash_follows_the_header_bytes() {
        extern crate std;
        use std::hash::{BuildHasher, RandomState};
        let s = RandomState::new();
        let a = ArrayHeader::<107>::new(V1).unwrap();
        let unknown = ArrayHeader::<107>::new(b"PROXY UNKNOWN\r\n").unwrap();
        assert_eq!(
            s.hash_one(&a),
            s.hash_one(ArrayHeader::<107>::new(V1).unwrap())
        );
        assert_ne!(s.hash_one(&a), s.hash_one(&unknown));
        assert_ne!(s.hash_one(&unknown), s.build_hasher().finish());
    }

    /// Random bytes: never a panic, and whatever is accepted is the parser's header.
    #[test]
    fn random_input() {
        let mut next = xorshift(0x5eed_a11a_7e5d);
        for _ in 0..20_000 {
            let mut input = v2_local(100);
            let n = (next() % 120) as usize;
            for i in 0..(next() % 4) {
                let at = (next() as usize + i as usize) % 100;
                input[at] = next() as u8;
            }
            let input = &input[..n.min(100)];
            if let Ok(kept) = ArrayHeader::<107>::new(input) {
                assert_eq!(kept.as_bytes(), input);
                let (header, consumed) = crate::parse(input).unwrap().complete().unwrap();
                assert_eq!((kept.header(), consumed), (header, input.len()));
            }
        }
    }

    #[cfg(feature = "alloc")]
    #[test]
    fn same_header_as_owned_header() {
        for bytes in [V1, V1_LONGEST, b"PROXY UNKNOWN\r\n", &v2_local(107)[..107]] {
            let kept = ArrayHeader::<107>::new(bytes).unwrap();
            let owned = crate::OwnedHeader::new(bytes.to_vec()).unwrap();
            assert_eq!(kept.header(), owned.header());
            assert_eq!(kept.as_bytes(), owned.as_bytes());
        }
    }

    /// `format!` without an allocator: into a fixed buffer.
    fn alloc_free_debug(h: &ArrayHeader<107>) -> DebugText {
        let mut out = DebugText([0; 512], 0);
        fmt::write(&mut out, format_args!("{h:?}")).unwrap();
        out
    }

    struct DebugText([u8; 512], usize);

    impl DebugText {
        fn starts_with(&self, prefix: &str) -> bool {
            self.0[..self.1].starts_with(prefix.as_bytes())
        }
    }

    impl fmt::Write for DebugText {
        fn write_str(&mut self, s: &str) -> fmt::Result {
            let end = self.1 + s.len();
            let room = self.0.get_mut(self.1..end).ok_or(fmt::Error)?;
            room.copy_from_slice(s.as_bytes());
            self.1 = end;
            Ok(())
        }
    }
}
