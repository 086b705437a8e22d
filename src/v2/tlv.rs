//! TLVs: [`TlvType`], [`Tlv`], the [`Tlvs`] iterator, typed [`TlvValue`]s and the [`Ssl`] view.

use core::fmt;

use nom::number::complete::{be_u32, be_u64, be_u8, le_u32};
use nom::{IResult, Parser};

use super::header::check_framing;
use crate::ParseError;

/// A TLV type byte. An open set: the registry grows, so this is a newtype with constants for
/// the known types rather than a closed enum; any byte is a valid `TlvType`.
///
/// ```
/// use proxy_wire::v2::TlvType;
///
/// assert_eq!(TlvType::ALPN, TlvType(0x01));
/// assert_eq!(TlvType::AUTHORITY.name(), Some("AUTHORITY"));
/// assert!(TlvType(0xe5).is_custom());
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[allow(clippy::exhaustive_structs)] // a byte is a byte
pub struct TlvType(pub u8);

impl TlvType {
    /// `0x01` ALPN: the application protocol (e.g. `h2`).
    pub const ALPN: Self = Self(0x01);
    /// `0x02` AUTHORITY: the host name the client asked for (e.g. TLS SNI), UTF-8.
    pub const AUTHORITY: Self = Self(0x02);
    /// `0x03` CRC32C: checksum of the whole header with this field zeroed.
    pub const CRC32C: Self = Self(0x03);
    /// `0x04` NOOP: padding, ignored.
    pub const NOOP: Self = Self(0x04);
    /// `0x05` UNIQUE_ID: an opaque connection id of at most 128 bytes.
    pub const UNIQUE_ID: Self = Self(0x05);
    /// `0x20` SSL: client bits, verify result, then sub-TLVs.
    pub const SSL: Self = Self(0x20);
    /// `0x21` SSL sub-TLV: TLS version text (e.g. `TLSv1.3`).
    pub const SSL_VERSION: Self = Self(0x21);
    /// `0x22` SSL sub-TLV: client certificate subject Common Name.
    pub const SSL_CN: Self = Self(0x22);
    /// `0x23` SSL sub-TLV: cipher name.
    pub const SSL_CIPHER: Self = Self(0x23);
    /// `0x24` SSL sub-TLV: certificate signature algorithm.
    pub const SSL_SIG_ALG: Self = Self(0x24);
    /// `0x25` SSL sub-TLV: certificate key algorithm.
    pub const SSL_KEY_ALG: Self = Self(0x25);
    /// `0x26` SSL sub-TLV: key exchange group.
    pub const SSL_GROUP: Self = Self(0x26);
    /// `0x27` SSL sub-TLV: signature scheme.
    pub const SSL_SIG_SCHEME: Self = Self(0x27);
    /// `0x28` SSL sub-TLV: the client certificate, DER.
    pub const SSL_CLIENT_CERT: Self = Self(0x28);
    /// `0x30` NETNS: network namespace name, US-ASCII.
    pub const NETNS: Self = Self(0x30);
    /// `0xE0` Google Cloud: 8-byte big-endian Private Service Connect connection id.
    pub const GCP: Self = Self(0xE0);
    /// `0xEA` AWS: subtype `0x01` then the VPC endpoint id text.
    pub const AWS: Self = Self(0xEA);
    /// `0xEE` Azure: subtype `0x01` then a 4-byte little-endian private endpoint link id.
    pub const AZURE: Self = Self(0xEE);

    /// The specification's name for a known type.
    ///
    /// ```
    /// assert_eq!(proxy_wire::v2::TlvType(0x22).name(), Some("SSL_CN"));
    /// assert_eq!(proxy_wire::v2::TlvType(0x99).name(), None);
    /// ```
    pub const fn name(self) -> Option<&'static str> {
        Some(match self.0 {
            0x01 => "ALPN",
            0x02 => "AUTHORITY",
            0x03 => "CRC32C",
            0x04 => "NOOP",
            0x05 => "UNIQUE_ID",
            0x20 => "SSL",
            0x21 => "SSL_VERSION",
            0x22 => "SSL_CN",
            0x23 => "SSL_CIPHER",
            0x24 => "SSL_SIG_ALG",
            0x25 => "SSL_KEY_ALG",
            0x26 => "SSL_GROUP",
            0x27 => "SSL_SIG_SCHEME",
            0x28 => "SSL_CLIENT_CERT",
            0x30 => "NETNS",
            0xE0 => "GCP",
            0xEA => "AWS",
            0xEE => "AZURE",
            _ => return None,
        })
    }

    /// `0xE0..=0xEF`: reserved for application-specific data (cloud vendors use it).
    ///
    /// ```
    /// assert!(proxy_wire::v2::TlvType::AWS.is_custom());
    /// ```
    pub const fn is_custom(self) -> bool {
        matches!(self.0, 0xE0..=0xEF)
    }

    /// `0xF0..=0xF7`: reserved for temporary experimental use.
    ///
    /// ```
    /// assert!(proxy_wire::v2::TlvType(0xF3).is_experimental());
    /// ```
    pub const fn is_experimental(self) -> bool {
        matches!(self.0, 0xF0..=0xF7)
    }

    /// `0xF8..=0xFF`: reserved for future use.
    ///
    /// ```
    /// assert!(proxy_wire::v2::TlvType(0xFF).is_future());
    /// ```
    pub const fn is_future(self) -> bool {
        matches!(self.0, 0xF8..=0xFF)
    }
}

impl fmt::Debug for TlvType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(name) => write!(f, "{name}({:#04x})", self.0),
            None => write!(f, "TlvType({:#04x})", self.0),
        }
    }
}

impl fmt::Display for TlvType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

impl From<u8> for TlvType {
    fn from(v: u8) -> Self {
        Self(v)
    }
}

/// One TLV: its type and its value bytes, borrowed from the header.
///
/// ```
/// use proxy_wire::v2::{Tlv, TlvType, TlvValue};
///
/// let tlv = Tlv::new(TlvType::ALPN, b"h2");
/// assert_eq!(tlv.value(), Ok(TlvValue::Alpn(b"h2")));
/// ```
#[derive(Clone, Copy)]
pub struct Tlv<'a> {
    tlv_type: TlvType,
    /// Non-zero for a top-level TLV of a parsed header: the parser checked its value by its
    /// type's rules (an SSL value's framing, for one), so [`Tlv::value`] need not check them
    /// again. Not part of the TLV's identity (`PartialEq`, `Hash`).
    ///
    /// A `u8`, not a `bool`: a `bool` has spare values, which `Result<TlvValue, ParseError>`
    /// would use for its tag, and decoding that tag costs instructions on every TLV where the
    /// caller matches on `Tlv::value` (measured: instructions on parse/v2_tlvs_crc, see
    /// benches/README.md).
    checked: u8,
    value: &'a [u8],
    /// Address of the header's first byte, so that the value's offset in the header is the
    /// distance between the two; 0 for a TLV made with [`Tlv::new`], whose offset is 0. An
    /// address rather than the offset itself: the iterator then copies one value that does not
    /// change instead of adding up lengths, which frees a register in the loop (measured:
    /// instructions on parse/v2_tlvs_crc, see benches/README.md).
    base: usize,
}

impl PartialEq for Tlv<'_> {
    fn eq(&self, other: &Self) -> bool {
        (self.tlv_type, self.value, self.value_offset())
            == (other.tlv_type, other.value, other.value_offset())
    }
}

impl Eq for Tlv<'_> {}

impl core::hash::Hash for Tlv<'_> {
    fn hash<H: core::hash::Hasher>(&self, state: &mut H) {
        (self.tlv_type, self.value, self.value_offset()).hash(state);
    }
}

impl<'a> Tlv<'a> {
    /// A TLV from its parts (to decode a value with [`Tlv::value`], or to encode it with
    /// [`TlvSpec::from`](super::TlvSpec)).
    ///
    /// ```
    /// use proxy_wire::v2::{Tlv, TlvType};
    ///
    /// assert_eq!(Tlv::new(TlvType(0xf0), b"x").value_bytes(), b"x");
    /// ```
    pub const fn new(tlv_type: TlvType, value: &'a [u8]) -> Self {
        Self {
            tlv_type,
            checked: 0,
            value,
            base: 0,
        }
    }

    /// The type byte.
    ///
    /// ```
    /// # use proxy_wire::v2::{Tlv, TlvType};
    /// assert_eq!(Tlv::new(TlvType::NOOP, b"").tlv_type(), TlvType::NOOP);
    /// ```
    pub const fn tlv_type(&self) -> TlvType {
        self.tlv_type
    }

    /// The raw value bytes.
    ///
    /// ```
    /// # use proxy_wire::v2::{Tlv, TlvType};
    /// assert_eq!(Tlv::new(TlvType::NOOP, b"\0\0").value_bytes(), b"\0\0");
    /// ```
    pub const fn value_bytes(&self) -> &'a [u8] {
        self.value
    }

    /// Bytes on the wire: 3 + the value's length.
    ///
    /// ```
    /// # use proxy_wire::v2::{Tlv, TlvType};
    /// assert_eq!(Tlv::new(TlvType::ALPN, b"h2").encoded_len(), 5);
    /// ```
    pub const fn encoded_len(&self) -> usize {
        3 + self.value.len()
    }

    /// Offset of the value in the header (0 for a TLV made with [`Tlv::new`]).
    #[inline]
    pub(crate) fn value_offset(&self) -> usize {
        offset_of(self.value, self.base)
    }

    /// Decodes the value by its type. Unknown types (and vendor TLVs of an unknown subtype)
    /// give [`TlvValue::Other`], never an error.
    ///
    /// # Errors
    /// [`ParseError::InvalidTlvValue`] when a known type's value breaks that type's rules
    /// (wrong length, text that is not UTF-8 or ASCII); [`ParseError::SslTooShort`] and the
    /// framing errors for a malformed SSL value. A header's TLVs never fail framing or the
    /// rules the parser checks; the other rules are checked here, lazily, so one odd value
    /// does not reject a header.
    ///
    /// ```
    /// use proxy_wire::v2::{Tlv, TlvType, TlvValue};
    ///
    /// assert_eq!(Tlv::new(TlvType::GCP, &7u64.to_be_bytes()).value(), Ok(TlvValue::GcpPscConnectionId(7)));
    /// assert!(Tlv::new(TlvType::GCP, b"short").value().is_err());
    /// assert_eq!(
    ///     Tlv::new(TlvType::AWS, b"\x01vpce-08d2bf15fac5001c9").value(),
    ///     Ok(TlvValue::AwsVpceId("vpce-08d2bf15fac5001c9"))
    /// );
    /// ```
    #[inline(always)]
    pub fn value(&self) -> Result<TlvValue<'a>, ParseError> {
        // Inlined into the caller's loop, where its jump table and the caller's `match` on the
        // result meet. It decodes the types a header usually carries; the rest (vendor values,
        // NETNS, every error) is out of line and cold, in functions that take the parts by
        // value so the common path never spills the `Tlv` to memory (`#[inline]` alone did not
        // inline it). One `match` on the type, each text type with its own inlined text check:
        // with one shared check the variant was picked by a second jump table on the type, and
        // the result went through the stack before the caller's `match`. Measured: instructions
        // on parse/v2_tlvs_crc, see benches/README.md.
        let (t, v, base) = (self.tlv_type, self.value, self.base);
        let checked = self.checked != 0;
        let txt = |v: &'a [u8]| text(v).ok_or_else(|| not_utf8(t, v.len()));
        Ok(match t {
            TlvType::ALPN => TlvValue::Alpn(v),
            TlvType::AUTHORITY => TlvValue::Authority(txt(v)?),
            TlvType::CRC32C if v.len() == 4 => match v.first_chunk::<4>() {
                Some(c) => TlvValue::Crc32c(u32::from_be_bytes(*c)),
                None => return value_rare(t, v, base),
            },
            TlvType::NOOP => TlvValue::Noop(v.len()),
            // The parser checked the length of a header's UNIQUE_ID.
            TlvType::UNIQUE_ID if checked || v.len() <= super::UNIQUE_ID_MAX_LEN => {
                TlvValue::UniqueId(v)
            }
            TlvType::SSL => TlvValue::Ssl(ssl_value(v, base, checked)?),
            TlvType::SSL_VERSION => TlvValue::SslVersion(txt(v)?),
            TlvType::SSL_CN => TlvValue::SslCn(txt(v)?),
            TlvType::SSL_CIPHER => TlvValue::SslCipher(txt(v)?),
            TlvType::SSL_SIG_ALG => TlvValue::SslSigAlg(txt(v)?),
            TlvType::SSL_KEY_ALG => TlvValue::SslKeyAlg(txt(v)?),
            TlvType::SSL_GROUP => TlvValue::SslGroup(txt(v)?),
            TlvType::SSL_SIG_SCHEME => TlvValue::SslSigScheme(txt(v)?),
            TlvType::SSL_CLIENT_CERT => TlvValue::SslClientCert(v),
            _ => return value_rare(t, v, base),
        })
    }
}

/// The error of a text type's value that is not UTF-8.
#[cold]
#[inline(never)]
fn not_utf8(t: TlvType, len: usize) -> ParseError {
    let reason = match t {
        TlvType::AUTHORITY => "AUTHORITY is not UTF-8",
        TlvType::SSL_VERSION => "SSL_VERSION is not UTF-8",
        TlvType::SSL_CN => "SSL_CN is not UTF-8",
        TlvType::SSL_CIPHER => "SSL_CIPHER is not UTF-8",
        TlvType::SSL_SIG_ALG => "SSL_SIG_ALG is not UTF-8",
        TlvType::SSL_KEY_ALG => "SSL_KEY_ALG is not UTF-8",
        TlvType::SSL_GROUP => "SSL_GROUP is not UTF-8",
        _ => "SSL_SIG_SCHEME is not UTF-8",
    };
    bad(t, len, reason)
}

fn bad(t: TlvType, len: usize, reason: &'static str) -> ParseError {
    ParseError::InvalidTlvValue {
        tlv_type: t.0,
        len,
        reason,
    }
}

/// An SSL TLV's value, checked unless the parser did (`checked`): one made with [`Tlv::new`], or
/// met as a sub-TLV, was not. The parser already walked a parsed header's sub-TLVs; a second
/// walk here would be paid on every header with an SSL TLV (measured: instructions on
/// parse/v2_tlvs_crc, see benches/README.md).
#[inline]
fn ssl_value(v: &[u8], base: usize, checked: bool) -> Result<Ssl<'_>, ParseError> {
    if !checked {
        super::header::check_ssl(v, offset_of(v, base).saturating_sub(3))?;
    }
    // The sub-TLVs are well framed now: no second walk in `from_value`.
    Ssl::from_checked(v).ok_or(bad(TlvType::SSL, v.len(), "SSL is shorter than 5 bytes"))
}

/// [`Tlv::value`] for the types and values it does not decode inline.
#[cold]
#[inline(never)]
fn value_rare(t: TlvType, v: &[u8], base: usize) -> Result<TlvValue<'_>, ParseError> {
    let bad = |reason| bad(t, v.len(), reason);
    let other = Tlv {
        tlv_type: t,
        checked: 0, // not looked at past this point
        value: v,
        base,
    };
    Ok(match t {
        TlvType::CRC32C => {
            TlvValue::Crc32c(exact::<u32>(v, be_u32).ok_or(bad("CRC32C must be 4 bytes"))?)
        }
        TlvType::UNIQUE_ID => return Err(bad("UNIQUE_ID is longer than 128 bytes")),
        TlvType::NETNS => TlvValue::Netns(ascii(v).ok_or(bad("NETNS is not US-ASCII"))?),
        TlvType::GCP => TlvValue::GcpPscConnectionId(
            exact::<u64>(v, be_u64).ok_or(bad("GCP PSC connection id must be 8 bytes"))?,
        ),
        TlvType::AWS => match subtyped(v) {
            Some((0x01, id)) => {
                TlvValue::AwsVpceId(ascii(id).ok_or(bad("AWS VPC endpoint id is not ASCII"))?)
            }
            Some(_) => TlvValue::Other(other),
            None => return Err(bad("AWS TLV has no subtype")),
        },
        TlvType::AZURE => match subtyped(v) {
            Some((0x01, id)) => TlvValue::AzurePrivateEndpointLinkId(
                exact::<u32>(id, le_u32).ok_or(bad("Azure link id must be 4 bytes"))?,
            ),
            Some(_) => TlvValue::Other(other),
            None => return Err(bad("Azure TLV has no subtype")),
        },
        _ => TlvValue::Other(other),
    })
}

/// The `base` for TLVs of `area`, which is at `offset` of its header: the header's address
/// (never 0, the value meaning "offset 0", as a reference is never null).
#[inline(always)]
fn base_of(area: &[u8], offset: usize) -> usize {
    (area.as_ptr() as usize).wrapping_sub(offset)
}

/// The offset in its header of `value`, a part of the header whose first byte is at `base`
/// (0: a value of its own, offset 0).
#[inline(always)]
fn offset_of(value: &[u8], base: usize) -> usize {
    if base == 0 {
        0
    } else {
        (value.as_ptr() as usize).wrapping_sub(base)
    }
}

/// `v` as text if it is UTF-8: ASCII (the usual case: host names, TLS versions, cipher and
/// algorithm names) by the word-at-a-time check of [`ascii`], anything else by
/// `core::str::from_utf8`.
///
/// Why not `from_utf8` alone: its ASCII fast path needs aligned words and long inputs, so on
/// the short strings TLVs hold it goes a byte at a time (measured: instructions on
/// parse/v2_tlvs_crc, see benches/README.md).
#[inline(always)]
fn text(v: &[u8]) -> Option<&str> {
    match ascii(v) {
        Some(s) => Some(s),
        None => core::str::from_utf8(v).ok(),
    }
}

/// `v` as text if every byte is ASCII.
///
/// The crate's one `unsafe` outside CRC32C: `core::str::from_utf8` after the check would walk
/// the bytes a second time, several times the cost of the check on short names, for nothing.
#[allow(unsafe_code)]
#[inline(always)]
fn ascii(v: &[u8]) -> Option<&str> {
    if !is_ascii(v) {
        return None;
    }
    // SAFETY: every byte of `v` is in one of the words or bytes `is_ascii` ORs together and
    // none has its high bit set, so every byte is ASCII, and ASCII is valid UTF-8. (The unit
    // test `ascii_check_agrees_with_core` checks `is_ascii` against `<[u8]>::is_ascii` at every
    // length to 40 bytes with a high byte at every position.)
    Some(unsafe { core::str::from_utf8_unchecked(v) })
}

/// `<[u8]>::is_ascii` for short slices, without its setup: ORs the bytes together a word at a
/// time, with overlapping loads for the ends, and tests the high bits once. Up to 32 bytes (the
/// usual TLV text) the loads are fixed, no loop, which beat the loop alone on the bench's 11-
/// and 18-byte names (measured: instructions on parse/v2_tlvs_crc, see benches/README.md).
#[inline(always)]
fn is_ascii(v: &[u8]) -> bool {
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let n = v.len();
    let word = |w: &[u8; 8]| u64::from_ne_bytes(*w);
    let acc = if let (Some(first), Some(last)) = (v.first_chunk::<8>(), v.last_chunk::<8>()) {
        if n <= 16 {
            // 8..=16 bytes (most host names, cipher and TLS version names): two loads, no loop.
            word(first) | word(last)
        } else if let (Some(a), Some(b)) = (
            v.get(8..).and_then(|r| r.first_chunk::<8>()),
            v.get(..n - 8).and_then(|r| r.last_chunk::<8>()),
        ) {
            if n <= 32 {
                // 17..=32 bytes: four overlapping loads.
                word(first) | word(a) | word(b) | word(last)
            } else {
                let mut acc = word(last);
                let mut rest = v;
                while let Some((w, after)) = rest.split_first_chunk::<8>() {
                    acc |= word(w);
                    rest = after;
                }
                acc
            }
        } else {
            // Unreachable: 17 bytes or more hold both.
            word(first) | word(last) | HIGH
        }
    } else if let (Some(first), Some(last)) = (v.first_chunk::<4>(), v.last_chunk::<4>()) {
        u64::from(u32::from_ne_bytes(*first) | u32::from_ne_bytes(*last))
    } else {
        // 0..=3 bytes: the first, middle and last cover them all.
        match v {
            [] => 0,
            [a, ..] => u64::from(*a | v[n / 2] | v[n - 1]),
        }
    };
    acc & HIGH == 0
}

/// `v` is exactly one `T` as `p` reads it.
fn exact<'i, T>(v: &'i [u8], mut p: impl FnMut(&'i [u8]) -> IResult<&'i [u8], T, ()>) -> Option<T> {
    match p(v) {
        Ok(([], t)) => Some(t),
        _ => None,
    }
}

/// A vendor TLV's subtype byte and the rest.
fn subtyped(v: &[u8]) -> Option<(u8, &[u8])> {
    let r: IResult<&[u8], u8, ()> = be_u8(v);
    r.ok().map(|(rest, sub)| (sub, rest))
}

impl fmt::Debug for Tlv<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tlv")
            .field("type", &self.tlv_type)
            .field("value", &HexBytes(self.value))
            .finish()
    }
}

struct HexBytes<'a>(&'a [u8]);

impl fmt::Debug for HexBytes<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for b in self.0 {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

/// A TLV's value decoded by its type, from [`Tlv::value`]. Text values borrow the header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TlvValue<'a> {
    /// `0x01`: the application protocol.
    Alpn(&'a [u8]),
    /// `0x02`: the host name (UTF-8 checked).
    Authority(&'a str),
    /// `0x03`: the carried checksum.
    Crc32c(u32),
    /// `0x04`: padding of this many bytes.
    Noop(usize),
    /// `0x05`: the connection's unique id (at most 128 bytes).
    UniqueId(&'a [u8]),
    /// `0x20`: TLS information with sub-TLVs.
    Ssl(Ssl<'a>),
    /// `0x21` (SSL sub-TLV): TLS version.
    SslVersion(&'a str),
    /// `0x22` (SSL sub-TLV): client certificate Common Name.
    SslCn(&'a str),
    /// `0x23` (SSL sub-TLV): cipher.
    SslCipher(&'a str),
    /// `0x24` (SSL sub-TLV): certificate signature algorithm.
    SslSigAlg(&'a str),
    /// `0x25` (SSL sub-TLV): certificate key algorithm.
    SslKeyAlg(&'a str),
    /// `0x26` (SSL sub-TLV): key exchange group.
    SslGroup(&'a str),
    /// `0x27` (SSL sub-TLV): signature scheme.
    SslSigScheme(&'a str),
    /// `0x28` (SSL sub-TLV): the client certificate, DER bytes.
    SslClientCert(&'a [u8]),
    /// `0x30`: network namespace name.
    Netns(&'a str),
    /// `0xE0`: Google Cloud Private Service Connect connection id.
    GcpPscConnectionId(u64),
    /// `0xEA` subtype `0x01`: AWS VPC endpoint id.
    AwsVpceId(&'a str),
    /// `0xEE` subtype `0x01`: Azure private endpoint link id (little-endian on the wire).
    AzurePrivateEndpointLinkId(u32),
    /// Any other type, or a vendor TLV of another subtype: the raw TLV.
    Other(Tlv<'a>),
}

/// Iterator over TLVs in wire order. Framing was checked when the header was parsed, so the
/// iterator yields plain [`Tlv`]s, never errors.
///
/// ```
/// use proxy_wire::v2;
///
/// let input = b"\r\n\r\n\0\r\nQUIT\n\x20\x00\x00\x08\x04\x00\x00\x04\x00\x02\0\0";
/// let header = v2::Header::new_checked(&input[..]).unwrap();
/// assert_eq!(header.tlvs().map(|t| t.encoded_len()).sum::<usize>(), 8);
/// ```
#[derive(Clone)]
pub struct Tlvs<'a> {
    rest: &'a [u8],
    /// The `base` of every `Tlv` it yields.
    base: usize,
    /// The TLV area of a parsed header: the `checked` of every `Tlv` it yields.
    checked: u8,
}

impl<'a> Tlvs<'a> {
    /// The TLVs of `area`, which is at `offset` of its header: SSL sub-TLVs, or none.
    #[inline]
    pub(crate) fn new(area: &'a [u8], offset: usize) -> Self {
        Self {
            rest: area,
            base: base_of(area, offset),
            checked: 0,
        }
    }

    /// The TLV area of a header the parser accepted (`check_tlvs` passed over exactly `area`).
    #[inline]
    pub(crate) fn checked(area: &'a [u8], offset: usize) -> Self {
        Self {
            checked: 1,
            ..Self::new(area, offset)
        }
    }
}

impl<'a> Iterator for Tlvs<'a> {
    type Item = Tlv<'a>;

    /// Hand-written, like `check_framing`, for the same reason: it runs per TLV per header.
    #[inline]
    fn next(&mut self) -> Option<Tlv<'a>> {
        let split = self
            .rest
            .split_first_chunk::<3>()
            .and_then(|(&[t, hi, lo], after)| {
                let (value, rest) =
                    after.split_at_checked(usize::from(u16::from_be_bytes([hi, lo])))?;
                Some((t, value, rest))
            });
        match split {
            Some((t, value, rest)) => {
                let tlv = Tlv {
                    tlv_type: TlvType(t),
                    checked: self.checked,
                    value,
                    base: self.base,
                };
                self.rest = rest;
                Some(tlv)
            }
            None => {
                // Unreachable for checked areas; stop rather than loop or panic.
                self.rest = &[];
                None
            }
        }
    }
}

impl core::iter::FusedIterator for Tlvs<'_> {}

impl fmt::Debug for Tlvs<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.clone()).finish()
    }
}

/// The client bits of an SSL TLV: which of `SSL`, `CERT_CONN`, `CERT_SESS` are set.
///
/// ```
/// use proxy_wire::v2::SslClient;
///
/// let c = SslClient(0x05);
/// assert!(c.contains(SslClient::SSL) && c.contains(SslClient::CERT_SESS));
/// assert!(!c.contains(SslClient::CERT_CONN));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[allow(clippy::exhaustive_structs)] // a bit field is a byte
pub struct SslClient(pub u8);

impl SslClient {
    /// `0x01`: the client connected over SSL/TLS.
    pub const SSL: Self = Self(0x01);
    /// `0x02`: the client provided a certificate over this connection.
    pub const CERT_CONN: Self = Self(0x02);
    /// `0x04`: the client provided a certificate at least once over this TLS session.
    pub const CERT_SESS: Self = Self(0x04);

    /// Whether every bit of `other` is set.
    ///
    /// ```
    /// use proxy_wire::v2::SslClient;
    ///
    /// assert!(SslClient(0x07).contains(SslClient(0x03)));
    /// ```
    pub const fn contains(self, other: Self) -> bool {
        self.0 & other.0 == other.0
    }
}

impl core::ops::BitOr for SslClient {
    type Output = Self;
    fn bitor(self, rhs: Self) -> Self {
        Self(self.0 | rhs.0)
    }
}

/// The SSL TLV (`0x20`): client bits, the verify result and sub-TLVs.
///
/// ```
/// use proxy_wire::v2::{Ssl, SslClient};
///
/// let value = b"\x07\x00\x00\x00\x00\x21\x00\x07TLSv1.3\x22\x00\x01x";
/// let ssl = Ssl::from_value(value).unwrap();
/// assert_eq!(ssl.client(), SslClient(0x07));
/// assert!(ssl.is_verified());
/// assert_eq!(ssl.version(), Some("TLSv1.3"));
/// assert_eq!(ssl.cn(), Some("x"));
/// assert_eq!(ssl.sub_tlvs().count(), 2);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Ssl<'a> {
    client: u8,
    verify: u32,
    subs: &'a [u8],
}

impl<'a> Ssl<'a> {
    /// Bytes before the sub-TLVs: client (1) and verify (4).
    pub const FIXED_LEN: usize = 5;

    /// Reads an SSL TLV's value. `None` if it is shorter than 5 bytes or its sub-TLVs are not
    /// well framed (a parsed header's SSL TLV always reads).
    ///
    /// ```
    /// assert!(proxy_wire::v2::Ssl::from_value(b"\x01\0\0").is_none());
    /// ```
    pub fn from_value(value: &'a [u8]) -> Option<Self> {
        let r: IResult<&[u8], (u8, u32), ()> = (be_u8, be_u32).parse(value);
        let (subs, (client, verify)) = r.ok()?;
        check_framing(subs, 0).ok()?;
        Some(Self {
            client,
            verify,
            subs,
        })
    }

    /// An SSL value whose sub-TLVs were already checked (by `check_ssl`).
    #[inline]
    pub(crate) fn from_checked(value: &'a [u8]) -> Option<Self> {
        let (head, subs) = value.split_first_chunk::<5>()?;
        let [client, v0, v1, v2, v3] = *head;
        Some(Self {
            client,
            verify: u32::from_be_bytes([v0, v1, v2, v3]),
            subs,
        })
    }

    /// The client bits.
    ///
    /// ```
    /// # use proxy_wire::v2::{Ssl, SslClient};
    /// assert_eq!(Ssl::from_value(b"\x01\0\0\0\0").unwrap().client(), SslClient::SSL);
    /// ```
    pub const fn client(&self) -> SslClient {
        SslClient(self.client)
    }

    /// The verify field: 0 when the client presented a certificate that verified.
    ///
    /// ```
    /// # use proxy_wire::v2::Ssl;
    /// assert_eq!(Ssl::from_value(b"\x01\0\0\0\x01").unwrap().verify(), 1);
    /// ```
    pub const fn verify(&self) -> u32 {
        self.verify
    }

    /// `verify == 0`.
    ///
    /// ```
    /// # use proxy_wire::v2::Ssl;
    /// assert!(!Ssl::from_value(b"\x01\0\0\0\x01").unwrap().is_verified());
    /// ```
    pub const fn is_verified(&self) -> bool {
        self.verify == 0
    }

    /// The sub-TLVs in wire order.
    ///
    /// ```
    /// # use proxy_wire::v2::Ssl;
    /// assert_eq!(Ssl::from_value(b"\x01\0\0\0\0").unwrap().sub_tlvs().count(), 0);
    /// ```
    pub fn sub_tlvs(&self) -> Tlvs<'a> {
        Tlvs::new(self.subs, 0)
    }

    /// The first sub-TLV of a type.
    ///
    /// ```
    /// # use proxy_wire::v2::{Ssl, TlvType};
    /// let ssl = Ssl::from_value(b"\x01\0\0\0\0\x23\x00\x03AES").unwrap();
    /// assert_eq!(ssl.find_tlv(TlvType::SSL_CIPHER).unwrap().value_bytes(), b"AES");
    /// ```
    pub fn find_tlv(&self, tlv_type: TlvType) -> Option<Tlv<'a>> {
        self.sub_tlvs().find(|t| t.tlv_type() == tlv_type)
    }

    fn text(&self, tlv_type: TlvType) -> Option<&'a str> {
        self.find_tlv(tlv_type).and_then(|t| text(t.value_bytes()))
    }

    /// `SSL_VERSION` (`0x21`), if present and UTF-8.
    ///
    /// ```
    /// # use proxy_wire::v2::Ssl;
    /// assert_eq!(Ssl::from_value(b"\x01\0\0\0\0").unwrap().version(), None);
    /// ```
    pub fn version(&self) -> Option<&'a str> {
        self.text(TlvType::SSL_VERSION)
    }

    /// `SSL_CN` (`0x22`): the client certificate's Common Name.
    ///
    /// ```
    /// # use proxy_wire::v2::Ssl;
    /// assert_eq!(Ssl::from_value(b"\x03\0\0\0\0\x22\x00\x01a").unwrap().cn(), Some("a"));
    /// ```
    pub fn cn(&self) -> Option<&'a str> {
        self.text(TlvType::SSL_CN)
    }

    /// `SSL_CIPHER` (`0x23`).
    ///
    /// ```
    /// # use proxy_wire::v2::Ssl;
    /// assert_eq!(Ssl::from_value(b"\x01\0\0\0\0\x23\x00\x01c").unwrap().cipher(), Some("c"));
    /// ```
    pub fn cipher(&self) -> Option<&'a str> {
        self.text(TlvType::SSL_CIPHER)
    }

    /// `SSL_SIG_ALG` (`0x24`).
    ///
    /// ```
    /// # use proxy_wire::v2::Ssl;
    /// assert_eq!(Ssl::from_value(b"\x01\0\0\0\0\x24\x00\x01s").unwrap().sig_alg(), Some("s"));
    /// ```
    pub fn sig_alg(&self) -> Option<&'a str> {
        self.text(TlvType::SSL_SIG_ALG)
    }

    /// `SSL_KEY_ALG` (`0x25`).
    ///
    /// ```
    /// # use proxy_wire::v2::Ssl;
    /// assert_eq!(Ssl::from_value(b"\x01\0\0\0\0\x25\x00\x01k").unwrap().key_alg(), Some("k"));
    /// ```
    pub fn key_alg(&self) -> Option<&'a str> {
        self.text(TlvType::SSL_KEY_ALG)
    }

    /// `SSL_GROUP` (`0x26`).
    ///
    /// ```
    /// # use proxy_wire::v2::Ssl;
    /// assert_eq!(Ssl::from_value(b"\x01\0\0\0\0\x26\x00\x01g").unwrap().group(), Some("g"));
    /// ```
    pub fn group(&self) -> Option<&'a str> {
        self.text(TlvType::SSL_GROUP)
    }

    /// `SSL_SIG_SCHEME` (`0x27`).
    ///
    /// ```
    /// # use proxy_wire::v2::Ssl;
    /// assert_eq!(Ssl::from_value(b"\x01\0\0\0\0\x27\x00\x01s").unwrap().sig_scheme(), Some("s"));
    /// ```
    pub fn sig_scheme(&self) -> Option<&'a str> {
        self.text(TlvType::SSL_SIG_SCHEME)
    }

    /// `SSL_CLIENT_CERT` (`0x28`): the client certificate, DER.
    ///
    /// ```
    /// # use proxy_wire::v2::Ssl;
    /// assert_eq!(Ssl::from_value(b"\x03\0\0\0\0\x28\x00\x01\x30").unwrap().client_cert(), Some(&b"\x30"[..]));
    /// ```
    pub fn client_cert(&self) -> Option<&'a [u8]> {
        self.find_tlv(TlvType::SSL_CLIENT_CERT)
            .map(|t| t.value_bytes())
    }
}

impl fmt::Debug for Ssl<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Ssl")
            .field("client", &self.client())
            .field("verify", &self.verify)
            .field("sub_tlvs", &self.sub_tlvs())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    extern crate std;
    use std::{vec, vec::Vec};

    /// `Tlv::value` as it was before the fast path (out of line, `str::from_utf8`, the SSL value
    /// always walked again): the reference the fast path must agree with.
    fn value_reference<'a>(tlv: &Tlv<'a>) -> Result<TlvValue<'a>, ParseError> {
        let v = tlv.value_bytes();
        let bad = |reason| ParseError::InvalidTlvValue {
            tlv_type: tlv.tlv_type().0,
            len: v.len(),
            reason,
        };
        let utf8 = |reason| core::str::from_utf8(v).map_err(|_| bad(reason));
        Ok(match tlv.tlv_type() {
            TlvType::ALPN => TlvValue::Alpn(v),
            TlvType::AUTHORITY => TlvValue::Authority(utf8("AUTHORITY is not UTF-8")?),
            TlvType::CRC32C => {
                TlvValue::Crc32c(exact::<u32>(v, be_u32).ok_or(bad("CRC32C must be 4 bytes"))?)
            }
            TlvType::NOOP => TlvValue::Noop(v.len()),
            TlvType::UNIQUE_ID if v.len() > super::super::UNIQUE_ID_MAX_LEN => {
                return Err(bad("UNIQUE_ID is longer than 128 bytes"))
            }
            TlvType::UNIQUE_ID => TlvValue::UniqueId(v),
            TlvType::SSL => {
                super::super::header::check_ssl(v, tlv.value_offset().saturating_sub(3))?;
                TlvValue::Ssl(Ssl::from_checked(v).ok_or(bad("SSL is shorter than 5 bytes"))?)
            }
            TlvType::SSL_VERSION => TlvValue::SslVersion(utf8("SSL_VERSION is not UTF-8")?),
            TlvType::SSL_CN => TlvValue::SslCn(utf8("SSL_CN is not UTF-8")?),
            TlvType::SSL_CIPHER => TlvValue::SslCipher(utf8("SSL_CIPHER is not UTF-8")?),
            TlvType::SSL_SIG_ALG => TlvValue::SslSigAlg(utf8("SSL_SIG_ALG is not UTF-8")?),
            TlvType::SSL_KEY_ALG => TlvValue::SslKeyAlg(utf8("SSL_KEY_ALG is not UTF-8")?),
            TlvType::SSL_GROUP => TlvValue::SslGroup(utf8("SSL_GROUP is not UTF-8")?),
            TlvType::SSL_SIG_SCHEME => TlvValue::SslSigScheme(utf8("SSL_SIG_SCHEME is not UTF-8")?),
            TlvType::SSL_CLIENT_CERT => TlvValue::SslClientCert(v),
            TlvType::NETNS if v.is_ascii() => TlvValue::Netns(utf8("NETNS is not ASCII")?),
            TlvType::NETNS => return Err(bad("NETNS is not US-ASCII")),
            TlvType::GCP => TlvValue::GcpPscConnectionId(
                exact::<u64>(v, be_u64).ok_or(bad("GCP PSC connection id must be 8 bytes"))?,
            ),
            TlvType::AWS => match subtyped(v) {
                Some((0x01, id)) if id.is_ascii() => TlvValue::AwsVpceId(
                    core::str::from_utf8(id)
                        .map_err(|_| bad("AWS VPC endpoint id is not ASCII"))?,
                ),
                Some((0x01, _)) => return Err(bad("AWS VPC endpoint id is not ASCII")),
                Some(_) => TlvValue::Other(*tlv),
                None => return Err(bad("AWS TLV has no subtype")),
            },
            TlvType::AZURE => match subtyped(v) {
                Some((0x01, id)) => TlvValue::AzurePrivateEndpointLinkId(
                    exact::<u32>(id, le_u32).ok_or(bad("Azure link id must be 4 bytes"))?,
                ),
                Some(_) => TlvValue::Other(*tlv),
                None => return Err(bad("Azure TLV has no subtype")),
            },
            _ => TlvValue::Other(*tlv),
        })
    }

    /// Values that hit every rule of every type: lengths around each limit, ASCII, other
    /// UTF-8, invalid UTF-8, vendor subtypes, SSL values well and badly framed.
    /// Every type byte; under Miri, which interprets each decode, the defined types, their
    /// neighbours and the ends of each reserved range.
    fn type_bytes() -> impl Iterator<Item = u8> {
        (0..=255u8).filter(|t| {
            let defined = matches!(t, 0x00..=0x06 | 0x20..=0x25 | 0x30 | 0x7f);
            let reserved = matches!(t, 0xe0 | 0xea | 0xee | 0xef | 0xf0 | 0xf7 | 0xf8 | 0xff);
            !cfg!(miri) || defined || reserved
        })
    }

    fn sample_values() -> Vec<Vec<u8>> {
        let mut values: Vec<Vec<u8>> = vec![
            vec![],
            b"h2".to_vec(),
            b"example.com".to_vec(),
            b"TLSv1.3".to_vec(),
            b"client.example.com".to_vec(),
            "h\u{e9}te.example".as_bytes().to_vec(),
            vec![0xff],
            vec![b'a', 0xc3],
            vec![1, 2, 3, 4],
            vec![1, 2, 3, 4, 5, 6, 7, 8],
            b"\x01vpce-08d2bf15fac5001c9".to_vec(),
            b"\x01vpce-\xc3\xa9".to_vec(),
            b"\x02other".to_vec(),
            vec![0x01],
            vec![0x01, 0xde, 0xad, 0xbe, 0xef],
            vec![0x01, 0xde, 0xad, 0xbe],
            b"\x07\0\0\0\0".to_vec(),
            b"\x07\0\0\0\0\x21\x00\x07TLSv1.3\x22\x00\x01x".to_vec(),
            b"\x07\0\0\0\0\x21\x00\x09TLSv1.3".to_vec(),
            b"\x07\0\0\0\0\x21\x00".to_vec(),
            b"\x07\0\0\0".to_vec(),
            vec![0x41; 128],
            vec![0x41; 129],
        ];
        // Under Miri, which interprets each decode: the lengths around the load sizes, with the
        // high byte in the middle or absent.
        let miri_lens = [0, 1, 8, 9, 16, 17, 32, 33];
        for len in (0..40).filter(|l| !cfg!(miri) || miri_lens.contains(l)) {
            for high in (0..=len).filter(|h| !cfg!(miri) || [len / 2, len].contains(h)) {
                let mut v = vec![b'x'; len];
                if high < len {
                    v[high] = 0x80 | (high as u8);
                }
                values.push(v);
            }
        }
        values
    }

    #[test]
    fn fast_value_agrees_with_the_reference() {
        for t in type_bytes() {
            for v in sample_values() {
                let tlv = Tlv::new(TlvType(t), &v);
                assert_eq!(
                    tlv.value(),
                    value_reference(&tlv),
                    "type {t:#04x} value {v:02x?}"
                );
            }
        }
    }

    #[test]
    fn values_of_a_parsed_header_agree_with_the_reference() {
        // Every sample value that a header may carry, behind an IPv4 block, one TLV per header,
        // and the same values as SSL sub-TLVs: the parser's `checked` TLVs and `Ssl`'s
        // unchecked sub-TLVs decode as the reference decodes them, offsets included.
        let mut seen = 0;
        for t in type_bytes() {
            for v in sample_values() {
                let mut h = super::super::SIGNATURE.to_vec();
                h.extend_from_slice(&[0x21, 0x11, 0, 0]);
                h.extend_from_slice(&[192, 0, 2, 1, 198, 51, 100, 2, 0, 80, 1, 187]);
                h.push(t);
                h.extend_from_slice(&(v.len() as u16).to_be_bytes());
                h.extend_from_slice(&v);
                let len = (h.len() - 16) as u16;
                h[14..16].copy_from_slice(&len.to_be_bytes());
                let Ok(header) = super::super::Header::new_checked(&h[..]) else {
                    continue;
                };
                for tlv in header.tlvs() {
                    seen += 1;
                    assert_eq!(tlv.value_offset(), 31);
                    assert_eq!(tlv.value(), value_reference(&tlv), "type {t:#04x} {v:02x?}");
                }
                let mut ssl = b"\x01\0\0\0\0".to_vec();
                ssl.push(t);
                ssl.extend_from_slice(&(v.len() as u16).to_be_bytes());
                ssl.extend_from_slice(&v);
                let ssl = Ssl::from_value(&ssl).unwrap();
                for sub in ssl.sub_tlvs() {
                    assert_eq!(sub.value_offset(), 3);
                    assert_eq!(sub.value(), value_reference(&sub), "sub {t:#04x} {v:02x?}");
                }
            }
        }
        assert!(seen > type_bytes().count() * 10, "most headers parse");
    }

    #[test]
    fn identity_ignores_where_a_tlv_was_checked() {
        // A parsed header's TLV (checked) and the same TLV seen through `Ssl` (not checked) at
        // the same offset are equal and hash alike, as before the flag existed.
        use std::hash::{BuildHasher, RandomState};
        let area = b"\x01\x00\x02h2";
        let from_header = Tlvs::checked(area, 16).next().unwrap();
        let from_ssl = Tlvs::new(area, 16).next().unwrap();
        assert_eq!(from_header, from_ssl);
        let s = RandomState::new();
        assert_eq!(s.hash_one(from_header), s.hash_one(from_ssl));
        assert_eq!(from_header.value_offset(), 19);
        // Offsets are part of the identity; a TLV of its own is at offset 0.
        assert_ne!(from_header, Tlv::new(TlvType::ALPN, b"h2"));
        assert_eq!(Tlvs::new(area, 0).next().map(|t| t.value_offset()), Some(3));
        assert_eq!(Tlv::new(TlvType::ALPN, b"h2").value_offset(), 0);
    }

    #[test]
    fn ascii_check_agrees_with_core() {
        let mut buf = [b'a'; 48];
        // Under Miri, which interprets each check: four alignments, the lengths around the load
        // sizes and one high byte value per position, taking them in turn.
        let miri_lens = [0, 1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 24, 31, 32, 33, 40];
        for start in (0..8).filter(|s| !cfg!(miri) || [0, 1, 3, 7].contains(s)) {
            for len in (0..=40).filter(|l| !cfg!(miri) || miri_lens.contains(l)) {
                let v = &mut buf[start..start + len];
                assert!(is_ascii(v));
                for high in 0..len {
                    let bytes = [0x80, 0xc3, 0xff];
                    let one = high % bytes.len();
                    let picked = if cfg!(miri) {
                        &bytes[one..=one]
                    } else {
                        &bytes[..]
                    };
                    for &byte in picked {
                        v[high] = byte;
                        assert_eq!(is_ascii(v), v.is_ascii(), "{start} {len} {high}");
                        assert!(!is_ascii(v));
                        assert_eq!(ascii(v), None);
                        assert_eq!(text(v), core::str::from_utf8(v).ok());
                        v[high] = b'a';
                    }
                }
                assert_eq!(ascii(v), core::str::from_utf8(v).ok());
                assert_eq!(text(v), core::str::from_utf8(v).ok());
            }
        }
        let s = "d\u{e9}j\u{e0} vu, \u{1f600}";
        assert_eq!(text(s.as_bytes()), Some(s));
    }
}
