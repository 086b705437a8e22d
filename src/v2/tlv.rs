//! TLVs: [`TlvType`], [`Tlv`], the [`Tlvs`] iterator, typed [`TlvValue`]s and the [`Ssl`] view.

use core::fmt;

use nom::number::complete::{be_u32, be_u64, be_u8, le_u32};
use nom::IResult;

use super::crc32c;
use super::wire::UNIQUE_ID_MAX_LEN;
use crate::error::ParseError;

/// A TLV type byte. An open set: the registry grows, so this is a newtype with constants for
/// the known types rather than a closed enum; any byte is a valid `TlvType`.
///
/// ```
/// use proxy_wire::v2::TlvType;
///
/// assert_eq!(TlvType::ALPN, TlvType(0x01));
/// assert_eq!(TlvType::AUTHORITY.name(), Some("AUTHORITY"));
/// assert_eq!(TlvType(0xe5).name(), None); // a custom type (0xE0..=0xEF): no name
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

/// One TLV: its type and its value bytes, borrowed from the header. Two TLVs are equal when
/// their types and values are.
///
/// ```
/// use proxy_wire::v2::{TlvType, TlvValue};
///
/// let (header, _) = proxy_wire::parse(b"\r\n\r\n\0\r\nQUIT\n\x20\x00\x00\x05\x01\x00\x02h2")?.complete().unwrap();
/// let tlv = header.tlvs().next().unwrap();
/// assert_eq!(tlv.tlv_type(), TlvType::ALPN);
/// assert_eq!(tlv.value(), Ok(TlvValue::Alpn(b"h2")));
/// # Ok::<(), proxy_wire::ParseError>(())
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
    /// Address of the header's first byte, so that the value's offset in the header (for error
    /// offsets and the CRC32C patch) is the distance between the two. An address rather than the
    /// offset: the iterator then copies one value that does not change instead of adding up
    /// lengths, which frees a register in its loop (bench case parse/v2_tlvs_crc). Not part of
    /// the TLV's identity.
    base: usize,
}

impl PartialEq for Tlv<'_> {
    fn eq(&self, other: &Self) -> bool {
        (self.tlv_type, self.value) == (other.tlv_type, other.value)
    }
}

impl Eq for Tlv<'_> {}

impl core::hash::Hash for Tlv<'_> {
    fn hash<H: core::hash::Hasher>(&self, state: &mut H) {
        (self.tlv_type, self.value).hash(state);
    }
}

impl<'a> Tlv<'a> {
    /// A TLV of its own (its value at offset 0), for the unit tests.
    #[cfg(test)]
    pub(crate) fn new(tlv_type: TlvType, value: &'a [u8]) -> Self {
        Self {
            tlv_type,
            checked: 0,
            value,
            base: value.as_ptr() as usize,
        }
    }

    /// The type byte.
    ///
    /// ```
    /// # use proxy_wire::v2::TlvType;
    /// let (header, _) = proxy_wire::parse(b"\r\n\r\n\0\r\nQUIT\n\x20\x00\x00\x03\x04\x00\x00")?.complete().unwrap();
    /// assert_eq!(header.tlvs().next().unwrap().tlv_type(), TlvType::NOOP);
    /// # Ok::<(), proxy_wire::ParseError>(())
    /// ```
    pub const fn tlv_type(&self) -> TlvType {
        self.tlv_type
    }

    /// The raw value bytes.
    ///
    /// ```
    /// let (header, _) = proxy_wire::parse(b"\r\n\r\n\0\r\nQUIT\n\x20\x00\x00\x05\xf0\x00\x02ab")?.complete().unwrap();
    /// assert_eq!(header.tlvs().next().unwrap().value_bytes(), b"ab");
    /// # Ok::<(), proxy_wire::ParseError>(())
    /// ```
    pub const fn value_bytes(&self) -> &'a [u8] {
        self.value
    }

    /// Offset of the value in the header.
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
    /// use proxy_wire::v2::TlvValue;
    ///
    /// // A GCP TLV with an 8-byte id, then one with 5 bytes (decoded lazily: an error here).
    /// let input = b"\r\n\r\n\0\r\nQUIT\n\x20\x00\x00\x13\xe0\x00\x08\0\0\0\0\0\0\0\x07\xe0\x00\x05short";
    /// let (header, _) = proxy_wire::parse(input)?.complete().unwrap();
    /// let mut tlvs = header.tlvs();
    /// assert_eq!(tlvs.next().unwrap().value(), Ok(TlvValue::GcpPscConnectionId(7)));
    /// assert!(tlvs.next().unwrap().value().is_err());
    /// # Ok::<(), proxy_wire::ParseError>(())
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
            TlvType::UNIQUE_ID if checked || v.len() <= UNIQUE_ID_MAX_LEN => TlvValue::UniqueId(v),
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
        check_ssl(v, offset_of(v, base).saturating_sub(3))?;
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

/// The `base` for TLVs of `area`, which is at `offset` of its header: the header's address.
#[inline(always)]
fn base_of(area: &[u8], offset: usize) -> usize {
    (area.as_ptr() as usize).wrapping_sub(offset)
}

/// The offset in its header of `value`, a part of the header whose first byte is at `base`.
#[inline(always)]
fn offset_of(value: &[u8], base: usize) -> usize {
    (value.as_ptr() as usize).wrapping_sub(base)
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
///
/// ```
/// use proxy_wire::v2::{self, Protocol, TlvSpec, TlvValue};
/// use proxy_wire::Encode;
/// use std::net::SocketAddr;
///
/// let (src, dst): (SocketAddr, SocketAddr) = ("192.0.2.1:4000".parse()?, "198.51.100.1:443".parse()?);
/// let tlvs = [TlvSpec::Authority("example.com"), TlvSpec::Netns("blue")];
/// let mut buf = [0u8; 64];
/// let n = v2::Builder::proxy(Protocol::Stream, (src, dst)).tlvs(&tlvs).encode(&mut buf)?;
/// let (header, _) = v2::parse(&buf[..n])?.complete().ok_or("incomplete")?;
///
/// let values = header.tlvs().map(|tlv| tlv.value()).collect::<Result<Vec<_>, _>>()?;
/// assert_eq!(values, [TlvValue::Authority("example.com"), TlvValue::Netns("blue")]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
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
/// let (header, _) = v2::parse(input).unwrap().complete().unwrap();
/// assert_eq!(header.tlvs().map(|t| t.value_bytes().len()).collect::<Vec<_>>(), [0, 2]);
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
        Self::with_checked(area, offset, 0)
    }

    /// The TLV area of a header the parser accepted (`check_tlvs` passed over exactly `area`).
    #[inline]
    pub(crate) fn checked(area: &'a [u8], offset: usize) -> Self {
        Self::with_checked(area, offset, 1)
    }

    #[inline(always)]
    fn with_checked(area: &'a [u8], offset: usize, checked: u8) -> Self {
        Self {
            rest: area,
            base: base_of(area, offset),
            checked,
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
/// use proxy_wire::v2::SslClient;
///
/// // A LOCAL header with one SSL TLV: client bits 0x07, verify 0, SSL_VERSION, SSL_CN.
/// let input = b"\r\n\r\n\0\r\nQUIT\n\x20\x00\x00\x16\x20\x00\x13\x07\x00\x00\x00\x00\x21\x00\x07TLSv1.3\x22\x00\x01x";
/// let (header, _) = proxy_wire::parse(input)?.complete().unwrap();
/// let ssl = header.ssl().unwrap();
/// assert_eq!(ssl.client(), SslClient(0x07));
/// assert!(ssl.is_verified());
/// assert_eq!(ssl.version(), Some("TLSv1.3"));
/// assert_eq!(ssl.cn(), Some("x"));
/// assert_eq!(ssl.sub_tlvs().count(), 2);
/// # Ok::<(), proxy_wire::ParseError>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Ssl<'a> {
    client: u8,
    verify: u32,
    subs: &'a [u8],
}

/// Bytes of an SSL TLV's value before its sub-TLVs: client (1) and verify (4).
pub(crate) const SSL_FIXED_LEN: usize = 5;

impl<'a> Ssl<'a> {
    /// Reads an SSL TLV's value. `None` if it is shorter than 5 bytes or its sub-TLVs are not
    /// well framed (a parsed header's SSL TLV always reads).
    #[cfg(test)]
    pub(crate) fn from_value(value: &'a [u8]) -> Option<Self> {
        let ssl = Self::from_checked(value)?;
        check_framing(ssl.subs, 0).ok()?;
        Some(ssl)
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
    /// # use proxy_wire::v2::SslClient;
    /// # fn ssl(v: &[u8]) -> proxy_wire::v2::Ssl<'static> {
    /// #     let mut h = b"\r\n\r\n\0\r\nQUIT\n\x20\x00".to_vec();
    /// #     h.extend_from_slice(&(v.len() as u16 + 3).to_be_bytes());
    /// #     h.push(0x20);
    /// #     h.extend_from_slice(&(v.len() as u16).to_be_bytes());
    /// #     h.extend_from_slice(v);
    /// #     let (header, _) = proxy_wire::parse(Vec::leak(h)).unwrap().complete().unwrap();
    /// #     header.ssl().unwrap()
    /// # }
    /// assert_eq!(ssl(b"\x01\0\0\0\0").client(), SslClient::SSL);
    /// ```
    pub const fn client(&self) -> SslClient {
        SslClient(self.client)
    }

    /// The verify field: 0 when the client presented a certificate that verified.
    ///
    /// ```
    /// # fn ssl(v: &[u8]) -> proxy_wire::v2::Ssl<'static> {
    /// #     let mut h = b"\r\n\r\n\0\r\nQUIT\n\x20\x00".to_vec();
    /// #     h.extend_from_slice(&(v.len() as u16 + 3).to_be_bytes());
    /// #     h.push(0x20);
    /// #     h.extend_from_slice(&(v.len() as u16).to_be_bytes());
    /// #     h.extend_from_slice(v);
    /// #     let (header, _) = proxy_wire::parse(Vec::leak(h)).unwrap().complete().unwrap();
    /// #     header.ssl().unwrap()
    /// # }
    /// assert_eq!(ssl(b"\x01\0\0\0\x01").verify(), 1);
    /// ```
    pub const fn verify(&self) -> u32 {
        self.verify
    }

    /// `verify == 0`.
    ///
    /// ```
    /// # fn ssl(v: &[u8]) -> proxy_wire::v2::Ssl<'static> {
    /// #     let mut h = b"\r\n\r\n\0\r\nQUIT\n\x20\x00".to_vec();
    /// #     h.extend_from_slice(&(v.len() as u16 + 3).to_be_bytes());
    /// #     h.push(0x20);
    /// #     h.extend_from_slice(&(v.len() as u16).to_be_bytes());
    /// #     h.extend_from_slice(v);
    /// #     let (header, _) = proxy_wire::parse(Vec::leak(h)).unwrap().complete().unwrap();
    /// #     header.ssl().unwrap()
    /// # }
    /// assert!(!ssl(b"\x01\0\0\0\x01").is_verified());
    /// ```
    pub const fn is_verified(&self) -> bool {
        self.verify == 0
    }

    /// The sub-TLVs in wire order.
    ///
    /// ```
    /// # fn ssl(v: &[u8]) -> proxy_wire::v2::Ssl<'static> {
    /// #     let mut h = b"\r\n\r\n\0\r\nQUIT\n\x20\x00".to_vec();
    /// #     h.extend_from_slice(&(v.len() as u16 + 3).to_be_bytes());
    /// #     h.push(0x20);
    /// #     h.extend_from_slice(&(v.len() as u16).to_be_bytes());
    /// #     h.extend_from_slice(v);
    /// #     let (header, _) = proxy_wire::parse(Vec::leak(h)).unwrap().complete().unwrap();
    /// #     header.ssl().unwrap()
    /// # }
    /// assert_eq!(ssl(b"\x01\0\0\0\0").sub_tlvs().count(), 0);
    /// ```
    pub fn sub_tlvs(&self) -> Tlvs<'a> {
        Tlvs::new(self.subs, 0)
    }

    /// The first sub-TLV of a type.
    fn find_tlv(&self, tlv_type: TlvType) -> Option<Tlv<'a>> {
        self.sub_tlvs().find(|t| t.tlv_type() == tlv_type)
    }

    fn text(&self, tlv_type: TlvType) -> Option<&'a str> {
        self.find_tlv(tlv_type).and_then(|t| text(t.value_bytes()))
    }

    /// `SSL_VERSION` (`0x21`), if present and UTF-8.
    ///
    /// ```
    /// # fn ssl(v: &[u8]) -> proxy_wire::v2::Ssl<'static> {
    /// #     let mut h = b"\r\n\r\n\0\r\nQUIT\n\x20\x00".to_vec();
    /// #     h.extend_from_slice(&(v.len() as u16 + 3).to_be_bytes());
    /// #     h.push(0x20);
    /// #     h.extend_from_slice(&(v.len() as u16).to_be_bytes());
    /// #     h.extend_from_slice(v);
    /// #     let (header, _) = proxy_wire::parse(Vec::leak(h)).unwrap().complete().unwrap();
    /// #     header.ssl().unwrap()
    /// # }
    /// assert_eq!(ssl(b"\x01\0\0\0\0").version(), None);
    /// ```
    pub fn version(&self) -> Option<&'a str> {
        self.text(TlvType::SSL_VERSION)
    }

    /// `SSL_CN` (`0x22`): the client certificate's Common Name.
    ///
    /// ```
    /// # fn ssl(v: &[u8]) -> proxy_wire::v2::Ssl<'static> {
    /// #     let mut h = b"\r\n\r\n\0\r\nQUIT\n\x20\x00".to_vec();
    /// #     h.extend_from_slice(&(v.len() as u16 + 3).to_be_bytes());
    /// #     h.push(0x20);
    /// #     h.extend_from_slice(&(v.len() as u16).to_be_bytes());
    /// #     h.extend_from_slice(v);
    /// #     let (header, _) = proxy_wire::parse(Vec::leak(h)).unwrap().complete().unwrap();
    /// #     header.ssl().unwrap()
    /// # }
    /// assert_eq!(ssl(b"\x03\0\0\0\0\x22\x00\x01a").cn(), Some("a"));
    /// ```
    pub fn cn(&self) -> Option<&'a str> {
        self.text(TlvType::SSL_CN)
    }

    /// `SSL_CIPHER` (`0x23`).
    ///
    /// ```
    /// # fn ssl(v: &[u8]) -> proxy_wire::v2::Ssl<'static> {
    /// #     let mut h = b"\r\n\r\n\0\r\nQUIT\n\x20\x00".to_vec();
    /// #     h.extend_from_slice(&(v.len() as u16 + 3).to_be_bytes());
    /// #     h.push(0x20);
    /// #     h.extend_from_slice(&(v.len() as u16).to_be_bytes());
    /// #     h.extend_from_slice(v);
    /// #     let (header, _) = proxy_wire::parse(Vec::leak(h)).unwrap().complete().unwrap();
    /// #     header.ssl().unwrap()
    /// # }
    /// assert_eq!(ssl(b"\x01\0\0\0\0\x23\x00\x01c").cipher(), Some("c"));
    /// ```
    pub fn cipher(&self) -> Option<&'a str> {
        self.text(TlvType::SSL_CIPHER)
    }

    /// `SSL_SIG_ALG` (`0x24`).
    ///
    /// ```
    /// # fn ssl(v: &[u8]) -> proxy_wire::v2::Ssl<'static> {
    /// #     let mut h = b"\r\n\r\n\0\r\nQUIT\n\x20\x00".to_vec();
    /// #     h.extend_from_slice(&(v.len() as u16 + 3).to_be_bytes());
    /// #     h.push(0x20);
    /// #     h.extend_from_slice(&(v.len() as u16).to_be_bytes());
    /// #     h.extend_from_slice(v);
    /// #     let (header, _) = proxy_wire::parse(Vec::leak(h)).unwrap().complete().unwrap();
    /// #     header.ssl().unwrap()
    /// # }
    /// assert_eq!(ssl(b"\x01\0\0\0\0\x24\x00\x01s").sig_alg(), Some("s"));
    /// ```
    pub fn sig_alg(&self) -> Option<&'a str> {
        self.text(TlvType::SSL_SIG_ALG)
    }

    /// `SSL_KEY_ALG` (`0x25`).
    ///
    /// ```
    /// # fn ssl(v: &[u8]) -> proxy_wire::v2::Ssl<'static> {
    /// #     let mut h = b"\r\n\r\n\0\r\nQUIT\n\x20\x00".to_vec();
    /// #     h.extend_from_slice(&(v.len() as u16 + 3).to_be_bytes());
    /// #     h.push(0x20);
    /// #     h.extend_from_slice(&(v.len() as u16).to_be_bytes());
    /// #     h.extend_from_slice(v);
    /// #     let (header, _) = proxy_wire::parse(Vec::leak(h)).unwrap().complete().unwrap();
    /// #     header.ssl().unwrap()
    /// # }
    /// assert_eq!(ssl(b"\x01\0\0\0\0\x25\x00\x01k").key_alg(), Some("k"));
    /// ```
    pub fn key_alg(&self) -> Option<&'a str> {
        self.text(TlvType::SSL_KEY_ALG)
    }

    /// `SSL_GROUP` (`0x26`).
    ///
    /// ```
    /// # fn ssl(v: &[u8]) -> proxy_wire::v2::Ssl<'static> {
    /// #     let mut h = b"\r\n\r\n\0\r\nQUIT\n\x20\x00".to_vec();
    /// #     h.extend_from_slice(&(v.len() as u16 + 3).to_be_bytes());
    /// #     h.push(0x20);
    /// #     h.extend_from_slice(&(v.len() as u16).to_be_bytes());
    /// #     h.extend_from_slice(v);
    /// #     let (header, _) = proxy_wire::parse(Vec::leak(h)).unwrap().complete().unwrap();
    /// #     header.ssl().unwrap()
    /// # }
    /// assert_eq!(ssl(b"\x01\0\0\0\0\x26\x00\x01g").group(), Some("g"));
    /// ```
    pub fn group(&self) -> Option<&'a str> {
        self.text(TlvType::SSL_GROUP)
    }

    /// `SSL_SIG_SCHEME` (`0x27`).
    ///
    /// ```
    /// # fn ssl(v: &[u8]) -> proxy_wire::v2::Ssl<'static> {
    /// #     let mut h = b"\r\n\r\n\0\r\nQUIT\n\x20\x00".to_vec();
    /// #     h.extend_from_slice(&(v.len() as u16 + 3).to_be_bytes());
    /// #     h.push(0x20);
    /// #     h.extend_from_slice(&(v.len() as u16).to_be_bytes());
    /// #     h.extend_from_slice(v);
    /// #     let (header, _) = proxy_wire::parse(Vec::leak(h)).unwrap().complete().unwrap();
    /// #     header.ssl().unwrap()
    /// # }
    /// assert_eq!(ssl(b"\x01\0\0\0\0\x27\x00\x01s").sig_scheme(), Some("s"));
    /// ```
    pub fn sig_scheme(&self) -> Option<&'a str> {
        self.text(TlvType::SSL_SIG_SCHEME)
    }

    /// `SSL_CLIENT_CERT` (`0x28`): the client certificate, DER.
    ///
    /// ```
    /// # fn ssl(v: &[u8]) -> proxy_wire::v2::Ssl<'static> {
    /// #     let mut h = b"\r\n\r\n\0\r\nQUIT\n\x20\x00".to_vec();
    /// #     h.extend_from_slice(&(v.len() as u16 + 3).to_be_bytes());
    /// #     h.push(0x20);
    /// #     h.extend_from_slice(&(v.len() as u16).to_be_bytes());
    /// #     h.extend_from_slice(v);
    /// #     let (header, _) = proxy_wire::parse(Vec::leak(h)).unwrap().complete().unwrap();
    /// #     header.ssl().unwrap()
    /// # }
    /// assert_eq!(ssl(b"\x03\0\0\0\0\x28\x00\x01\x30").client_cert(), Some(&b"\x30"[..]));
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

/// Checks that `area` (at offset `base` of the header) is a chain of TLVs that ends exactly at
/// its end. Truncation is corruption here: the area's length is known (STYLE §27).
///
/// Hand-written rather than nom's `(be_u8, be_u16)` + `take`: this loop runs over the SSL
/// sub-TLVs of every header that has them, and its shape (the remaining slice only, offsets
/// computed on error) is the cheapest LLVM makes of it (measured: instructions on
/// parse/v2_tlvs_crc, see benches/README.md).
#[inline]
pub(crate) fn check_framing(area: &[u8], base: usize) -> Result<(), ParseError> {
    let mut rest = area;
    while let Some((&[_, hi, lo], after)) = rest.split_first_chunk::<3>() {
        match after.get(usize::from(u16::from_be_bytes([hi, lo]))..) {
            Some(next) => rest = next,
            None => return Err(framing_error(rest, base + (area.len() - rest.len()))),
        }
    }
    if rest.is_empty() {
        Ok(())
    } else {
        Err(framing_error(rest, base + (area.len() - rest.len())))
    }
}

/// The error for the TLV at the start of `rest` (at `offset`), which is truncated or overruns
/// the end of `rest`.
#[cold]
#[inline(never)]
fn framing_error(rest: &[u8], offset: usize) -> ParseError {
    match rest.split_first_chunk::<3>() {
        Some((&[tlv_type, hi, lo], after)) => ParseError::TlvOverrun {
            offset,
            tlv_type,
            declared: u16::from_be_bytes([hi, lo]),
            available: after.len(),
        },
        None => ParseError::TlvHeaderTruncated {
            offset,
            available: rest.len(),
        },
    }
}

/// Types whose TLVs the parser checks beyond framing (conformance rules 10-13), as bits of a
/// mask indexed by the type's low 6 bits: one bit test per TLV instead of three compares. Types
/// of 64 and above that alias a bit (0x43, 0x45, 0x60, ...) take the slow path and match
/// nothing there.
const CHECKED_TYPES: u64 = 1 << TlvType::CRC32C.0 | 1 << TlvType::UNIQUE_ID.0 | 1 << TlvType::SSL.0;

/// Checks the TLV area of `header` (from `start`): framing, the per-type conformance
/// rules 10-13, and the CRC32C if present and `verify_crc` is on.
///
/// One pass over the remaining slice; a TLV's offset is `header.len() - rest.len()` (the area
/// ends where the header does), computed only where it is needed: cheaper than a walk with a
/// closure per TLV and offsets kept up to date (measured: instructions on parse/v2_tlvs_crc, see
/// benches/README.md).
#[inline]
pub(crate) fn check_tlvs(header: &[u8], start: usize, verify_crc: bool) -> Result<(), ParseError> {
    let mut rest = header.get(start..).unwrap_or(&[]);
    let mut crc_at = None;
    while let Some((&[tlv_type, hi, lo], after)) = rest.split_first_chunk::<3>() {
        let declared = u16::from_be_bytes([hi, lo]);
        let Some((value, next)) = after.split_at_checked(usize::from(declared)) else {
            return Err(framing_error(rest, header.len() - rest.len()));
        };
        if CHECKED_TYPES >> (tlv_type & 63) & 1 != 0 {
            let offset = header.len() - rest.len();
            match TlvType(tlv_type) {
                TlvType::CRC32C if declared != 4 => {
                    return Err(ParseError::Crc32cLength {
                        offset,
                        len: declared,
                    })
                }
                TlvType::CRC32C => {
                    crc_at.get_or_insert(offset + 3);
                }
                TlvType::UNIQUE_ID if value.len() > UNIQUE_ID_MAX_LEN => {
                    return Err(ParseError::UniqueIdTooLong {
                        offset,
                        len: declared,
                    })
                }
                TlvType::SSL => check_ssl(value, offset)?,
                _ => {}
            }
        }
        rest = next;
    }
    if !rest.is_empty() {
        return Err(framing_error(rest, header.len() - rest.len()));
    }
    if let Some(at) = crc_at {
        if verify_crc {
            crc32c::verify(header, at)?;
        }
    }
    Ok(())
}

/// An SSL TLV's value (the TLV at `offset`): 1 byte client, 4 bytes verify, then well-framed
/// sub-TLVs.
#[inline]
pub(crate) fn check_ssl(value: &[u8], offset: usize) -> Result<(), ParseError> {
    match value.get(SSL_FIXED_LEN..) {
        Some(subs) => check_framing(subs, offset + 3 + SSL_FIXED_LEN),
        None => Err(ParseError::SslTooShort {
            offset,
            len: value.len() as u16,
        }),
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
            TlvType::UNIQUE_ID if v.len() > super::UNIQUE_ID_MAX_LEN => {
                return Err(bad("UNIQUE_ID is longer than 128 bytes"))
            }
            TlvType::UNIQUE_ID => TlvValue::UniqueId(v),
            TlvType::SSL => {
                super::check_ssl(v, tlv.value_offset().saturating_sub(3))?;
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
                let Ok(crate::status::Status::Complete { header, .. }) = super::super::parse(&h)
                else {
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
        // A TLV is its type and value, wherever it was read.
        assert_eq!(from_header, Tlv::new(TlvType::ALPN, b"h2"));
        assert_ne!(from_header, Tlv::new(TlvType::ALPN, b"h3"));
        assert_ne!(from_header, Tlv::new(TlvType::AUTHORITY, b"h2"));
        assert_eq!(Tlvs::new(area, 0).next().map(|t| t.value_offset()), Some(3));
        assert_eq!(Tlv::new(TlvType::ALPN, b"h2").value_offset(), 0);
    }

    #[test]
    fn type_names_follow_the_specification() {
        let named: [(u8, &str); 18] = [
            (0x01, "ALPN"),
            (0x02, "AUTHORITY"),
            (0x03, "CRC32C"),
            (0x04, "NOOP"),
            (0x05, "UNIQUE_ID"),
            (0x20, "SSL"),
            (0x21, "SSL_VERSION"),
            (0x22, "SSL_CN"),
            (0x23, "SSL_CIPHER"),
            (0x24, "SSL_SIG_ALG"),
            (0x25, "SSL_KEY_ALG"),
            (0x26, "SSL_GROUP"),
            (0x27, "SSL_SIG_SCHEME"),
            (0x28, "SSL_CLIENT_CERT"),
            (0x30, "NETNS"),
            (0xE0, "GCP"),
            (0xEA, "AWS"),
            (0xEE, "AZURE"),
        ];
        for b in 0..=255u8 {
            let want = named.iter().find(|(t, _)| *t == b).map(|(_, n)| *n);
            assert_eq!(TlvType(b).name(), want, "{b:#04x}");
        }
        assert_eq!(std::format!("{:?}", TlvType::SSL_CN), "SSL_CN(0x22)");
        assert_eq!(std::format!("{}", TlvType(0x99)), "TlvType(0x99)");
    }

    #[test]
    fn ssl_client_bits_and_verify_result() {
        let all = SslClient::SSL | SslClient::CERT_CONN | SslClient::CERT_SESS;
        assert_eq!(all, SslClient(0x07));
        assert_eq!(SslClient::SSL | SslClient::SSL, SslClient::SSL);
        assert!(all.contains(SslClient::CERT_CONN));
        assert!(all.contains(SslClient::SSL | SslClient::CERT_SESS));
        assert!(!SslClient::SSL.contains(SslClient::CERT_CONN));
        assert!(!SslClient(0x03).contains(SslClient(0x06)));
        assert!(SslClient(0x00).contains(SslClient(0x00)));

        let ssl = |value: &'static [u8]| match Tlv::new(TlvType::SSL, value).value() {
            Ok(TlvValue::Ssl(ssl)) => ssl,
            other => panic!("{other:?}"),
        };
        let verified = ssl(b"\x07\0\0\0\0\x21\0\x07TLSv1.3\x22\0\x02cn");
        assert!(verified.is_verified());
        assert_eq!(verified.client(), all);
        let debug = std::format!("{verified:?}");
        assert_eq!(
            debug,
            "Ssl { client: SslClient(7), verify: 0, sub_tlvs: [Tlv { type: SSL_VERSION(0x21), \
             value: 544c5376312e33 }, Tlv { type: SSL_CN(0x22), value: 636e }] }"
        );
        let failed = ssl(b"\x01\0\0\0\x01");
        assert!(!failed.is_verified());
        assert!(!ssl(b"\x01\x80\0\0\0").is_verified());
    }

    #[test]
    fn equal_tlvs_hash_alike_and_others_apart() {
        use std::hash::{BuildHasher, RandomState};
        let s = RandomState::new();
        let h2 = Tlv::new(TlvType::ALPN, b"h2");
        assert_eq!(s.hash_one(h2), s.hash_one(Tlv::new(TlvType::ALPN, b"h2")));
        assert_ne!(s.hash_one(h2), s.hash_one(Tlv::new(TlvType::ALPN, b"h3")));
        assert_ne!(
            s.hash_one(h2),
            s.hash_one(Tlv::new(TlvType::AUTHORITY, b"h2"))
        );
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
                // Two high bytes, which may share a lane in two of the words the check joins:
                // neither may hide the other.
                for first in (0..len).filter(|_| !cfg!(miri)) {
                    for second in first + 1..len {
                        v[first] = 0x80;
                        v[second] = 0x80;
                        assert!(!is_ascii(v), "{start} {len} {first} {second}");
                        v[first] = b'a';
                        v[second] = b'a';
                    }
                }
            }
        }
        let s = "d\u{e9}j\u{e0} vu, \u{1f600}";
        assert_eq!(text(s.as_bytes()), Some(s));
    }
}

#[cfg(test)]
mod check_tests {
    use super::*;
    extern crate std;
    use std::vec::Vec;

    /// The TLV walk as it was before `check_framing` / the fused `check_tlvs` loop (offsets
    /// computed per TLV, a closure per TLV): the reference they must agree with.
    fn walk_reference<'a>(
        area: &'a [u8],
        base: usize,
        mut each: impl FnMut(u8, &'a [u8], usize) -> Result<(), ParseError>,
    ) -> Result<(), ParseError> {
        let mut rest = area;
        while !rest.is_empty() {
            let offset = base + (area.len() - rest.len());
            let Some((&[tlv_type, hi, lo], after)) = rest.split_first_chunk::<3>() else {
                return Err(ParseError::TlvHeaderTruncated {
                    offset,
                    available: rest.len(),
                });
            };
            let declared = u16::from_be_bytes([hi, lo]);
            let Some((value, after)) = after.split_at_checked(usize::from(declared)) else {
                return Err(ParseError::TlvOverrun {
                    offset,
                    tlv_type,
                    declared,
                    available: after.len(),
                });
            };
            each(tlv_type, value, offset)?;
            rest = after;
        }
        Ok(())
    }

    fn check_ssl_reference(value: &[u8], offset: usize) -> Result<(), ParseError> {
        if value.len() < SSL_FIXED_LEN {
            return Err(ParseError::SslTooShort {
                offset,
                len: value.len() as u16,
            });
        }
        walk_reference(
            &value[SSL_FIXED_LEN..],
            offset + 3 + SSL_FIXED_LEN,
            |_, _, _| Ok(()),
        )
    }

    fn check_tlvs_reference(
        header: &[u8],
        start: usize,
        verify_crc: bool,
    ) -> Result<(), ParseError> {
        let area = header.get(start..).unwrap_or(&[]);
        let mut crc_at = None;
        walk_reference(area, start, |tlv_type, value, offset| {
            let len = value.len() as u16;
            match TlvType(tlv_type) {
                TlvType::CRC32C if len != 4 => Err(ParseError::Crc32cLength { offset, len }),
                TlvType::CRC32C => {
                    crc_at.get_or_insert(offset + 3);
                    Ok(())
                }
                TlvType::UNIQUE_ID if value.len() > crate::v2::UNIQUE_ID_MAX_LEN => {
                    Err(ParseError::UniqueIdTooLong { offset, len })
                }
                TlvType::SSL => check_ssl_reference(value, offset),
                _ => Ok(()),
            }
        })?;
        if let Some(at) = crc_at {
            if verify_crc {
                crc32c::verify(header, at)?;
            }
        }
        Ok(())
    }

    /// A pseudo-random TLV area: types that have rules, their aliases in the low-6-bit mask
    /// (0x43, 0x45, 0x60) and others; lengths at and around each limit; SSL values with sub-TLVs
    /// well and badly framed; sometimes a declared length that overruns or a cut header.
    fn random_area(next: &mut impl FnMut() -> u64) -> Vec<u8> {
        const TYPES: [u8; 12] = [
            0x01, 0x02, 0x03, 0x04, 0x05, 0x20, 0x21, 0x43, 0x45, 0x60, 0xe0, 0xff,
        ];
        let mut area = Vec::new();
        for _ in 0..(next() % 6) {
            let t = TYPES[(next() % TYPES.len() as u64) as usize];
            let mut value: Vec<u8> = match next() % 8 {
                0 => Vec::new(),
                1 => std::vec![0; 4],
                2 => std::vec![7; 128],
                3 => std::vec![7; 129],
                4 | 5 if t == 0x20 || next() % 2 == 0 => {
                    let mut v = std::vec![1, 0, 0, 0, 0];
                    for _ in 0..(next() % 3) {
                        let n = (next() % 6) as usize;
                        v.extend_from_slice(&[0x21, 0, n as u8]);
                        v.resize(v.len() + n, b'x');
                    }
                    let cut = (next() % 4) as usize;
                    if next() % 3 == 0 {
                        v.truncate(v.len().saturating_sub(cut));
                    }
                    v
                }
                _ => std::vec![b'v'; (next() % 9) as usize],
            };
            let mut declared = value.len() as u16;
            if next() % 16 == 0 {
                declared += 1 + (next() % 3) as u16; // overruns what follows, unless more follows
            }
            area.push(t);
            area.extend_from_slice(&declared.to_be_bytes());
            area.append(&mut value);
        }
        if next() % 8 == 0 {
            let cut = (next() % 3) as usize + 1;
            area.truncate(area.len().saturating_sub(cut));
        }
        area
    }

    #[test]
    fn check_tlvs_agrees_with_the_reference() {
        let mut next = crate::test_rng::xorshift(0x9E37_79B9_7F4A_7C15);
        let (mut ok, mut errors) = (0, 0);
        // Fewer under Miri, which interprets each case: the same checks on the first ones.
        let cases = if cfg!(miri) { 200 } else { 200_000 };
        for round in 0..cases {
            let area = random_area(&mut next);
            let mut header = super::super::SIGNATURE.to_vec();
            header.extend_from_slice(&[0x21, 0x11, 0, 0]);
            header.extend_from_slice(&[0; 12]);
            let start = header.len();
            header.extend_from_slice(&area);
            let verify_crc = round % 2 == 0;
            let got = check_tlvs(&header, start, verify_crc);
            assert_eq!(
                got,
                check_tlvs_reference(&header, start, verify_crc),
                "{area:02x?}"
            );
            if got.is_ok() {
                ok += 1;
            } else {
                errors += 1;
            }
            // The framing check alone, at any base.
            let base = (next() % 100) as usize;
            assert_eq!(
                check_framing(&area, base),
                walk_reference(&area, base, |_, _, _| Ok(())),
                "{area:02x?}"
            );
            assert_eq!(
                check_ssl(&area, base),
                check_ssl_reference(&area, base),
                "{area:02x?}"
            );
        }
        assert!(ok > cases / 20 && errors > cases / 20, "{ok} {errors}");
    }
}
