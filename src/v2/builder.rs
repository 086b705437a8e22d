//! [`Builder`]: describes a v2 header and encodes it into `&mut [u8]`, no allocation.

#![forbid(unsafe_code)]

use super::crc32c;
use super::tlv::{SslClient, Tlv, TlvType, SSL_FIXED_LEN};
use super::wire::{
    Command, Family, Protocol, SIGNATURE, UNIQUE_ID_MAX_LEN, UNIX_PATH_LEN, V2_HEADER_LEN,
};
use crate::addr::Addresses;
use crate::copy::copy_short;
use crate::encode::Encode;
use crate::error::{EncodeError, Endpoint};

/// The 16-byte fixed part with bytes 12..16 zero: the signature, to be or-ed with those four.
const HEAD_TEMPLATE: [u8; V2_HEADER_LEN] = {
    let mut t = [0u8; V2_HEADER_LEN];
    let mut i = 0;
    while i < SIGNATURE.len() {
        t[i] = SIGNATURE[i];
        i += 1;
    }
    t
};

/// One TLV to encode: a variant per type the specification defines, [`TlvSpec::Raw`] for any
/// other, or a parsed [`Tlv`] copied as it is (`TlvSpec::from(tlv)`). A top-level CRC32C TLV is
/// recomputed when the header is encoded, see [`Builder::crc32c`].
///
/// ```
/// use proxy_wire::v2::{SslClient, TlvSpec};
///
/// let subs = [TlvSpec::SslVersion("TLSv1.3"), TlvSpec::SslCn("client.example.com")];
/// let ssl = TlvSpec::Ssl(SslClient::SSL | SslClient::CERT_CONN, 0, &subs);
/// assert_eq!(ssl.encoded_len(), 3 + 5 + (3 + 7) + (3 + 18));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TlvSpec<'a> {
    /// Any type with its value as given; the rules of a type the specification defines still
    /// apply (for example at most 128 bytes of UNIQUE_ID).
    Raw(TlvType, &'a [u8]),
    /// `0x01` ALPN: the negotiated application protocol, such as `b"h2"`.
    Alpn(&'a [u8]),
    /// `0x02` AUTHORITY: the host name the client asked for (TLS SNI or HTTP Host).
    Authority(&'a str),
    /// `0x05` UNIQUE_ID: an opaque connection id, at most 128 bytes.
    UniqueId(&'a [u8]),
    /// `0x21` SSL_VERSION sub-TLV, such as `"TLSv1.3"`.
    SslVersion(&'a str),
    /// `0x22` SSL_CN sub-TLV: the client certificate's Common Name.
    SslCn(&'a str),
    /// `0x23` SSL_CIPHER sub-TLV, such as `"ECDHE-RSA-AES128-GCM-SHA256"`.
    SslCipher(&'a str),
    /// `0x24` SSL_SIG_ALG sub-TLV: the certificate's signature algorithm.
    SslSigAlg(&'a str),
    /// `0x25` SSL_KEY_ALG sub-TLV: the certificate's key algorithm.
    SslKeyAlg(&'a str),
    /// `0x26` SSL_GROUP sub-TLV: the key exchange group, such as `"X25519"`.
    SslGroup(&'a str),
    /// `0x27` SSL_SIG_SCHEME sub-TLV, such as `"rsa_pss_rsae_sha256"`.
    SslSigScheme(&'a str),
    /// `0x28` SSL_CLIENT_CERT sub-TLV: the client certificate, DER.
    SslClientCert(&'a [u8]),
    /// `0x30` NETNS: the network namespace's name.
    Netns(&'a str),
    // The kinds with a layout of their own follow the ones written as given: `raw()` is then
    // one range check on the tag (benches/instructions, case put_v2_tlvs).
    /// `0x04` NOOP: this many zero bytes of padding.
    Noop(u16),
    /// `0x20` SSL: the client bits, the verify result (0: the client certificate verified),
    /// then the sub-TLVs in order.
    Ssl(SslClient, u32, &'a [TlvSpec<'a>]),
    /// `0xE0` Google Cloud: the Private Service Connect connection id, 8 bytes big-endian.
    Gcp(u64),
    /// `0xEA` AWS, subtype `0x01`: the VPC endpoint id (US-ASCII).
    AwsVpceId(&'a str),
    /// `0xEE` Azure, subtype `0x01`: the private endpoint link id, 4 bytes little-endian.
    AzureLinkId(u32),
}

impl<'a> TlvSpec<'a> {
    /// The type byte this writes.
    ///
    /// ```
    /// # use proxy_wire::v2::{TlvSpec, TlvType};
    /// assert_eq!(TlvSpec::Gcp(1).tlv_type(), TlvType::GCP);
    /// assert_eq!(TlvSpec::Raw(TlvType(0xf0), b"x").tlv_type(), TlvType(0xf0));
    /// ```
    pub const fn tlv_type(&self) -> TlvType {
        match self {
            Self::Raw(tlv_type, _) => *tlv_type,
            Self::Alpn(_) => TlvType::ALPN,
            Self::Authority(_) => TlvType::AUTHORITY,
            Self::Noop(_) => TlvType::NOOP,
            Self::UniqueId(_) => TlvType::UNIQUE_ID,
            Self::Ssl(..) => TlvType::SSL,
            Self::SslVersion(_) => TlvType::SSL_VERSION,
            Self::SslCn(_) => TlvType::SSL_CN,
            Self::SslCipher(_) => TlvType::SSL_CIPHER,
            Self::SslSigAlg(_) => TlvType::SSL_SIG_ALG,
            Self::SslKeyAlg(_) => TlvType::SSL_KEY_ALG,
            Self::SslGroup(_) => TlvType::SSL_GROUP,
            Self::SslSigScheme(_) => TlvType::SSL_SIG_SCHEME,
            Self::SslClientCert(_) => TlvType::SSL_CLIENT_CERT,
            Self::Netns(_) => TlvType::NETNS,
            Self::Gcp(_) => TlvType::GCP,
            Self::AwsVpceId(_) => TlvType::AWS,
            Self::AzureLinkId(_) => TlvType::AZURE,
        }
    }

    /// The type and value of a TLV whose value is written as given (every kind but NOOP,
    /// SSL and the vendor ones, which have a layout).
    #[inline(always)]
    const fn raw(&self) -> Option<(TlvType, &'a [u8])> {
        // The type and the value in separate matches: each compiles to a table lookup or one
        // load, where one match returning both was a jump per TLV (benches/instructions, case
        // put_v2_tlvs).
        let value: &'a [u8] = match *self {
            Self::Raw(_, v) | Self::Alpn(v) | Self::UniqueId(v) | Self::SslClientCert(v) => v,
            Self::Authority(s)
            | Self::SslVersion(s)
            | Self::SslCn(s)
            | Self::SslCipher(s)
            | Self::SslSigAlg(s)
            | Self::SslKeyAlg(s)
            | Self::SslGroup(s)
            | Self::SslSigScheme(s)
            | Self::Netns(s) => s.as_bytes(),
            Self::Noop(_)
            | Self::Ssl(..)
            | Self::Gcp(_)
            | Self::AwsVpceId(_)
            | Self::AzureLinkId(_) => return None,
        };
        let tlv_type = match *self {
            Self::Raw(t, _) => t,
            Self::Alpn(_) => TlvType::ALPN,
            Self::UniqueId(_) => TlvType::UNIQUE_ID,
            Self::SslClientCert(_) => TlvType::SSL_CLIENT_CERT,
            Self::Authority(_) => TlvType::AUTHORITY,
            Self::SslVersion(_) => TlvType::SSL_VERSION,
            Self::SslCn(_) => TlvType::SSL_CN,
            Self::SslCipher(_) => TlvType::SSL_CIPHER,
            Self::SslSigAlg(_) => TlvType::SSL_SIG_ALG,
            Self::SslKeyAlg(_) => TlvType::SSL_KEY_ALG,
            Self::SslGroup(_) => TlvType::SSL_GROUP,
            Self::SslSigScheme(_) => TlvType::SSL_SIG_SCHEME,
            Self::Netns(_) => TlvType::NETNS,
            _ => return None,
        };
        Some((tlv_type, value))
    }

    /// Length of the value.
    #[inline]
    fn value_len(&self) -> usize {
        if let Some((_, value)) = self.raw() {
            return value.len();
        }
        match self {
            Self::Noop(len) => usize::from(*len),
            Self::Gcp(_) => 8,
            Self::AwsVpceId(vpce_id) => 1 + vpce_id.len(),
            Self::AzureLinkId(_) => 5,
            Self::Ssl(_, _, sub_tlvs) => {
                let mut n = SSL_FIXED_LEN;
                for sub in sub_tlvs.iter() {
                    n += match sub.raw() {
                        Some((_, value)) => 3 + value.len(),
                        None => sub.encoded_len_nested(),
                    };
                }
                n
            }
            _ => 0,
        }
    }

    /// Bytes on the wire: 3 + the value's length.
    ///
    /// ```
    /// # use proxy_wire::v2::TlvSpec;
    /// assert_eq!(TlvSpec::AzureLinkId(9).encoded_len(), 8);
    /// ```
    #[inline]
    pub fn encoded_len(&self) -> usize {
        3 + self.value_len()
    }

    // The three walks (length, checks, writing) recurse into an SSL's sub-TLVs. A recursive
    // function is never inlined, so each handles a raw sub-TLV (the usual kind) in place and
    // calls itself through an out-of-line `*_nested` for the others: then the walk over the
    // top-level list inlines into `encode`, and `validate` and `write` into its loops
    // (measured: instructions on encode/v2_tlvs_crc, see benches/README.md).

    #[inline(never)]
    fn encoded_len_nested(&self) -> usize {
        self.encoded_len()
    }

    /// Checks what the wire cannot carry or the specification forbids, and returns
    /// [`TlvSpec::encoded_len`]: one pass over the list both validates and sizes it.
    #[inline(always)]
    fn validate(&self) -> Result<usize, EncodeError> {
        let len = self.value_len();
        if len > usize::from(u16::MAX) {
            return Err(EncodeError::TlvTooLong {
                tlv_type: self.tlv_type().0,
                len,
            });
        }
        self.check_rules()?;
        Ok(3 + len)
    }

    /// What a kind forbids beyond a too-long value: the typed kinds know theirs, a `Raw`
    /// one is checked by its type.
    #[inline(always)]
    fn check_rules(&self) -> Result<(), EncodeError> {
        match self {
            Self::Raw(tlv_type, value) => check_raw(*tlv_type, value),
            Self::UniqueId(id) => check_raw_rules(TlvType::UNIQUE_ID, id),
            Self::Netns(name) => check_raw_rules(TlvType::NETNS, name.as_bytes()),
            Self::AwsVpceId(vpce_id) if !vpce_id.is_ascii() => Err(EncodeError::InvalidTlv {
                tlv_type: TlvType::AWS.0,
                reason: "AWS VPC endpoint id is not US-ASCII",
            }),
            Self::Ssl(_, _, sub_tlvs) => {
                for sub in sub_tlvs.iter() {
                    // A sub-TLV's length fits because the SSL's does; only rules remain.
                    match sub {
                        Self::Raw(tlv_type, value) => check_raw(*tlv_type, value)?,
                        Self::UniqueId(_) | Self::Netns(_) | Self::AwsVpceId(_) | Self::Ssl(..) => {
                            sub.check_rules_nested()?
                        }
                        _ => {}
                    }
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }

    #[inline(never)]
    fn check_rules_nested(&self) -> Result<(), EncodeError> {
        self.check_rules()
    }

    /// Writes the TLV at `pos` of `out` (which `validate` and the length check made big enough)
    /// and returns the position after it.
    ///
    /// Positions in one slice rather than a sub-slice per TLV, the value's length taken from
    /// where it ended (no second walk of an SSL's sub-TLVs), the 3-byte head in one piece.
    #[inline(always)]
    fn write(&self, out: &mut [u8], pos: usize) -> usize {
        let body = pos + 3;
        let end = match (self.raw(), self) {
            (Some((_, value)), _) => put(out, body, value),
            (None, Self::Noop(len)) => {
                let len = usize::from(*len);
                if let Some(dst) = out.get_mut(body..).and_then(|r| r.get_mut(..len)) {
                    dst.fill(0);
                }
                body + len
            }
            (None, Self::Gcp(psc_connection_id)) => {
                put(out, body, &psc_connection_id.to_be_bytes())
            }
            (None, Self::AwsVpceId(vpce_id)) => {
                let at = put(out, body, &[0x01]);
                put(out, at, vpce_id.as_bytes())
            }
            (None, Self::AzureLinkId(link_id)) => {
                let [a, b, c, d] = link_id.to_le_bytes();
                put(out, body, &[0x01, a, b, c, d])
            }
            (None, Self::Ssl(client, verify, sub_tlvs)) => {
                let [a, b, c, d] = verify.to_be_bytes();
                let mut at = put(out, body, &[client.0, a, b, c, d]);
                for sub in sub_tlvs.iter() {
                    at = match sub.raw() {
                        Some((tlv_type, value)) => {
                            let [hi, lo] = (value.len() as u16).to_be_bytes();
                            put(out, at, &[tlv_type.0, hi, lo]);
                            put(out, at + 3, value)
                        }
                        None => sub.write_nested(out, at),
                    };
                }
                at
            }
            (None, _) => body,
        };
        let [hi, lo] = ((end - body) as u16).to_be_bytes();
        put(out, pos, &[self.tlv_type().0, hi, lo]);
        end
    }

    #[inline(never)]
    fn write_nested(&self, out: &mut [u8], pos: usize) -> usize {
        self.write(out, pos)
    }
}

/// Raw types whose value has rules ([`check_raw_rules`]), as bits indexed by the type's low 6
/// bits (types of 64 and above that share a bit go to `check_raw_rules` and match nothing there).
const RAW_CHECKED_TYPES: u64 = 1 << TlvType::CRC32C.0
    | 1 << TlvType::UNIQUE_ID.0
    | 1 << TlvType::SSL.0
    | 1 << TlvType::NETNS.0;

/// The rules of a raw TLV's value: one bit test for the types without any.
#[inline(always)]
fn check_raw(tlv_type: TlvType, value: &[u8]) -> Result<(), EncodeError> {
    if RAW_CHECKED_TYPES >> (tlv_type.0 & 63) & 1 == 0 {
        return Ok(());
    }
    check_raw_rules(tlv_type, value)
}

#[inline(never)]
fn check_raw_rules(tlv_type: TlvType, value: &[u8]) -> Result<(), EncodeError> {
    let invalid = |reason| {
        Err(EncodeError::InvalidTlv {
            tlv_type: tlv_type.0,
            reason,
        })
    };
    match tlv_type {
        TlvType::UNIQUE_ID if value.len() > UNIQUE_ID_MAX_LEN => {
            Err(EncodeError::UniqueIdTooLong { len: value.len() })
        }
        // What the parser refuses (conformance rules 11-12) is never written.
        TlvType::CRC32C if value.len() != 4 => invalid("CRC32C must be 4 bytes"),
        TlvType::SSL if super::tlv::check_ssl(value, 0).is_err() => {
            invalid("SSL value is shorter than 5 bytes or its sub-TLVs overrun it")
        }
        // What a TLV's own type forbids (its definition in the specification) is never written either.
        TlvType::NETNS if !value.is_ascii() => invalid("NETNS is not US-ASCII"),
        _ => Ok(()),
    }
}

/// The sum of [`TlvSpec::encoded_len`] over `tlvs`. Out of line: inlined, its loops made every
/// caller of `Builder::encoded_len` save registers, for headers with no TLVs too.
#[inline(never)]
fn encoded_len_sum(tlvs: &[TlvSpec<'_>]) -> usize {
    let mut n = 0;
    for t in tlvs {
        n += t.encoded_len();
    }
    n
}

/// Copies `bytes` to `pos` of `out` (dropped if they do not fit: never, the length was checked
/// first) and returns the position after them.
#[inline(always)]
fn put(out: &mut [u8], pos: usize, bytes: &[u8]) -> usize {
    // Two checks that cannot overflow rather than `get_mut(pos..pos + len)`, whose `pos + len`
    // the compiler must check for overflow too.
    if let Some(dst) = out.get_mut(pos..).and_then(|r| r.get_mut(..bytes.len())) {
        dst.copy_from_slice(bytes);
    }
    pos + bytes.len()
}

/// The source and destination ports, big-endian, in the last 4 bytes of an address block:
/// one store each. Combined into one word, the source port was read with the two bytes after
/// it, a load across fields the caller had just stored, which the CPU cannot forward
/// (measured: `cargo bench --bench parse` encode/v2_tcp4 and encode/v2_tcp6, see
/// benches/README.md).
#[inline(always)]
fn write_ports(block: &mut [u8], src: u16, dst: u16) {
    if let Some(p) = block.last_chunk_mut::<4>() {
        p[..2].copy_from_slice(&src.to_be_bytes());
        p[2..].copy_from_slice(&dst.to_be_bytes());
    }
}

/// Both UNIX paths fit their 108-byte fields; else the first that does not.
#[inline(always)]
fn check_unix_paths(src: &[u8], dst: &[u8]) -> Result<(), EncodeError> {
    for (field, path) in [(Endpoint::Source, src), (Endpoint::Destination, dst)] {
        if path.len() > UNIX_PATH_LEN {
            return Err(EncodeError::UnixPathTooLong {
                field,
                len: path.len(),
            });
        }
    }
    Ok(())
}

/// Writes the UNIX paths `src` and `dst` (at most 108 bytes each, checked before), each
/// zero-padded to 108 bytes, into the address block of a header without TLVs.
///
/// Two full paths (what a sender copying whole `sun_path` fields writes) are copied with every
/// store at a multiple of 16 bytes from the block, so from the output (the head is 16 bytes):
/// the 16 bytes across the two fields are composed from both paths. With the output 16-byte
/// aligned, as allocators give it, no store then straddles a cache line or a 4 KiB page. A
/// page-straddling store is what made this case bimodal: with two `memcpy` calls, whose wide
/// stores sit wherever the lengths put them, the time depended on where in a page the output
/// lay (measured: encode/v2_unix at each output offset in a page, see benches/README.md).
#[inline(always)]
fn write_unix_paths(block: &mut [u8; 2 * UNIX_PATH_LEN], src: &[u8], dst: &[u8]) {
    let (Ok(s), Ok(d)) = (
        <&[u8; UNIX_PATH_LEN]>::try_from(src),
        <&[u8; UNIX_PATH_LEN]>::try_from(dst),
    ) else {
        return write_unix_paths_padded(block, src, dst);
    };
    block[..96].copy_from_slice(&s[..96]);
    let mut s_end = [0u8; 16];
    s_end.copy_from_slice(&s[92..]);
    let mut d_start = [0u8; 4];
    d_start.copy_from_slice(&d[..4]);
    // Bytes 96..108 of `src`, then 0..4 of `dst`.
    let across = u128::from_le_bytes(s_end) >> 32 | u128::from(u32::from_le_bytes(d_start)) << 96;
    block[96..112].copy_from_slice(&across.to_le_bytes());
    block[112..208].copy_from_slice(&d[4..100]);
    block[208..].copy_from_slice(&d[100..]);
}

/// [`write_unix_paths`] for any lengths up to 108 bytes.
#[inline(always)]
fn write_unix_paths_padded(block: &mut [u8; 2 * UNIX_PATH_LEN], src: &[u8], dst: &[u8]) {
    // Zeroing the fixed-size block is a few wide stores; per-path padding of variable length
    // would be two more `memset` calls. The paths by `copy_short`, not `memcpy`, which was
    // slower for short paths (measured outside the bench cases, see benches/README.md).
    *block = [0; 2 * UNIX_PATH_LEN];
    let (s, d) = block.split_at_mut(UNIX_PATH_LEN);
    for (field, path) in [(s, src), (d, dst)] {
        if let Some(used) = field.get_mut(..path.len()) {
            copy_short(used, path);
        }
    }
}

impl<'a> From<Tlv<'a>> for TlvSpec<'a> {
    fn from(tlv: Tlv<'a>) -> Self {
        Self::Raw(tlv.tlv_type(), tlv.value_bytes())
    }
}

/// Describes a v2 header to encode: command, protocol, addresses, TLVs in order and an
/// optional CRC32C (written last, computed over the final bytes).
///
/// [`Encode::encoded_len`] is known before anything is written, and
/// [`Encode::encode`] checks everything (lengths, the output's size) before it writes a byte.
///
/// ```
/// use proxy_wire::{v2, Encode};
///
/// let health_check = v2::Builder::local().crc32c(true);
/// let mut buf = [0u8; 32];
/// let n = health_check.encode(&mut buf).unwrap();
/// assert_eq!(&buf[..n], b"\r\n\r\n\0\r\nQUIT\n\x20\x00\x00\x07\x03\x00\x04\xa9\xb8\x7e\x8f");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Builder<'a> {
    command: Command,
    protocol: Protocol,
    addresses: Addresses<'a>,
    tlvs: &'a [TlvSpec<'a>],
    crc32c: bool,
}

impl<'a> Builder<'a> {
    /// A LOCAL header (the proxy's own connection, e.g. a health check): family and protocol
    /// UNSPEC, no addresses.
    ///
    /// ```
    /// # use proxy_wire::{v2, Encode};
    /// assert_eq!(v2::Builder::local().encoded_len(), 16);
    /// ```
    pub const fn local() -> Self {
        Self {
            command: Command::Local,
            protocol: Protocol::Unspec,
            addresses: Addresses::Unspec,
            tlvs: &[],
            crc32c: false,
        }
    }

    /// A PROXY header for `protocol` with these addresses (the family follows from them; a
    /// `(SocketAddr, SocketAddr)` pair of mixed families is written as IPv6 with the IPv4 side
    /// IPv4-mapped).
    ///
    /// ```
    /// # use proxy_wire::{v2, Encode};
    /// use std::net::SocketAddr;
    ///
    /// let src: SocketAddr = "[::1]:53".parse().unwrap();
    /// let dst: SocketAddr = "[::1]:5353".parse().unwrap();
    /// let b = v2::Builder::proxy(v2::Protocol::Dgram, (src, dst));
    /// assert_eq!(b.encoded_len(), 16 + 36);
    /// ```
    pub fn proxy(protocol: Protocol, addresses: impl Into<Addresses<'a>>) -> Self {
        Self {
            command: Command::Proxy,
            protocol,
            addresses: addresses.into(),
            tlvs: &[],
            crc32c: false,
        }
    }

    /// Sets the command.
    ///
    /// ```
    /// # use proxy_wire::{v2, Encode};
    /// let b = v2::Builder::local().command(v2::Command::Proxy);
    /// let mut buf = [0u8; 16];
    /// b.encode(&mut buf).unwrap();
    /// assert_eq!(buf[12], 0x21);
    /// ```
    pub const fn command(mut self, command: Command) -> Self {
        self.command = command;
        self
    }

    /// Sets the transport protocol.
    ///
    /// ```
    /// # use proxy_wire::{v2, Encode};
    /// let b = v2::Builder::local().protocol(v2::Protocol::Stream);
    /// let mut buf = [0u8; 16];
    /// b.encode(&mut buf).unwrap();
    /// assert_eq!(buf[13], 0x01);
    /// ```
    pub const fn protocol(mut self, protocol: Protocol) -> Self {
        self.protocol = protocol;
        self
    }

    /// Sets the addresses (and so the family).
    ///
    /// ```
    /// # use proxy_wire::{v2, Addresses, Encode};
    /// let b = v2::Builder::local().addresses(Addresses::Unix { src: b"/a", dst: b"/b" });
    /// assert_eq!(b.encoded_len(), 16 + 216);
    /// ```
    pub fn addresses(mut self, addresses: impl Into<Addresses<'a>>) -> Self {
        self.addresses = addresses.into();
        self
    }

    /// Sets the TLVs, written in this order.
    ///
    /// ```
    /// # use proxy_wire::{v2, Encode};
    /// let tlvs = [v2::TlvSpec::Alpn(b"h2")];
    /// assert_eq!(v2::Builder::local().tlvs(&tlvs).encoded_len(), 16 + 5);
    /// ```
    pub const fn tlvs(mut self, tlvs: &'a [TlvSpec<'a>]) -> Self {
        self.tlvs = tlvs;
        self
    }

    /// Appends a CRC32C TLV after the others, computed over the whole encoded header. If the
    /// TLVs already hold a CRC32C TLV (4 bytes), the first one is the one computed, as the
    /// parser verifies only that one.
    ///
    /// ```
    /// # use proxy_wire::{v2, Encode};
    /// assert_eq!(v2::Builder::local().crc32c(true).encoded_len(), 16 + 7);
    /// ```
    pub const fn crc32c(mut self, on: bool) -> Self {
        self.crc32c = on;
        self
    }

    // Inlined with `encoded_len` into the caller's crate: sizing a buffer is no call (measured:
    // compare encode-v2_local, see benches/README.md).
    #[inline]
    fn body_len(&self) -> usize {
        let tlvs = if self.tlvs.is_empty() {
            0
        } else {
            encoded_len_sum(self.tlvs)
        };
        Family::of(&self.addresses).address_len() + tlvs + if self.crc32c { 7 } else { 0 }
    }

    /// A header without TLVs: a fixed layout written straight into `out` (the general path
    /// validates and walks a TLV list it doesn't have).
    #[inline]
    fn encode_plain(&self, out: &mut [u8]) -> Result<usize, EncodeError> {
        // UNIX paths out of line: with their 216-byte copy inline, `encode` grew too big to be
        // inlined where a header is built, so a LOCAL or TCP header was no longer written as
        // constants (measured: compare encode-v2_local, see benches/README.md).
        if let Addresses::Unix { src, dst } = self.addresses {
            return self.encode_unix(src, dst, out);
        }
        let addr_len = Family::of(&self.addresses).address_len();
        let n = V2_HEADER_LEN + addr_len;
        let available = out.len();
        let Some(dst) = out.get_mut(..n) else {
            return Err(EncodeError::BufferTooSmall {
                needed: n,
                available,
            });
        };
        self.write_fixed(dst, addr_len);
        Ok(n)
    }

    /// [`Builder::encode_plain`] for UNIX addresses; its errors are the general path's (it
    /// checks the paths first too).
    #[inline(never)]
    fn encode_unix(&self, src: &[u8], dst: &[u8], out: &mut [u8]) -> Result<usize, EncodeError> {
        check_unix_paths(src, dst)?;
        const N: usize = V2_HEADER_LEN + 2 * UNIX_PATH_LEN;
        let available = out.len();
        let Some(out) = out.first_chunk_mut::<N>() else {
            return Err(EncodeError::BufferTooSmall {
                needed: N,
                available,
            });
        };
        let (head, block) = out.split_at_mut(V2_HEADER_LEN);
        head.copy_from_slice(&self.head(2 * UNIX_PATH_LEN));
        if let Some(block) = block.first_chunk_mut::<{ 2 * UNIX_PATH_LEN }>() {
            write_unix_paths(block, src, dst);
        }
        Ok(N)
    }

    /// Writes the 16-byte fixed part, saying `len` bytes follow it, and the address block into
    /// `dst`, which is exactly `16 + address length` bytes; UNIX paths fit (checked before).
    ///
    /// Every field is composed in a register and written with one store per word. Building the
    /// 16-byte head and the address block in stack arrays first and copying them cost a failed
    /// store-to-load forward per copy (byte stores read back as one wide load) (measured:
    /// `cargo bench --bench parse` encode/v2_tcp4, see benches/README.md).
    #[inline(always)]
    fn write_fixed(&self, dst: &mut [u8], len: usize) {
        let (head, block) = dst.split_at_mut(V2_HEADER_LEN.min(dst.len()));
        head.copy_from_slice(&self.head(len));
        // `block` is exactly the family's address length, so each `if let` holds.
        match self.addresses {
            Addresses::Inet { src, dst } => {
                if let Some(b) = block.first_chunk_mut::<12>() {
                    let ips = u64::from(src.ip().to_bits()) << 32 | u64::from(dst.ip().to_bits());
                    b[..8].copy_from_slice(&ips.to_be_bytes());
                    write_ports(b, src.port(), dst.port());
                }
            }
            Addresses::Inet6 { src, dst } => {
                if let Some(b) = block.first_chunk_mut::<36>() {
                    b[..16].copy_from_slice(&src.ip().to_bits().to_be_bytes());
                    b[16..32].copy_from_slice(&dst.ip().to_bits().to_be_bytes());
                    write_ports(b, src.port(), dst.port());
                }
            }
            Addresses::Unix { src, dst } => {
                // Only with TLVs here (`encode_plain` writes the others). The padded copy
                // for every length: with `write_unix_paths` inlined here too, the TLV loop
                // of `encode_general` spilled more (instructions on encode/v2_tlvs_crc).
                if let Some(b) = block.first_chunk_mut::<{ 2 * UNIX_PATH_LEN }>() {
                    write_unix_paths_padded(b, src, dst);
                }
            }
            Addresses::Unspec => {}
        }
    }

    /// The error for a PROXY header with a family but no transport, or the reverse, out of
    /// line: the encoders pay only the check.
    #[cold]
    #[inline(never)]
    fn unspecified_transport(&self) -> EncodeError {
        EncodeError::InvalidFamilyProtocol {
            byte: self.family_protocol(),
        }
    }

    /// Byte 13: the family follows from the addresses.
    #[inline(always)]
    fn family_protocol(&self) -> u8 {
        (Family::of(&self.addresses).nibble() << 4) | self.protocol.nibble()
    }

    /// The 16-byte fixed part, saying `len` bytes follow it.
    #[inline(always)]
    fn head(&self, len: usize) -> [u8; V2_HEADER_LEN] {
        let cmd = match self.command {
            Command::Local => 0x20,
            Command::Proxy => 0x21,
        };
        let tail = u32::from_be_bytes([cmd, self.family_protocol(), 0, 0]) | u32::from(len as u16);
        let head_word = u128::from_be_bytes(HEAD_TEMPLATE) | u128::from(tail);
        head_word.to_be_bytes()
    }

    /// Checks everything before anything is written; returns `len` (the body's length) and
    /// where the checksum goes (the offset of the first CRC32C value from the first TLV).
    fn validate(&self) -> Result<(usize, Option<usize>), EncodeError> {
        if let Addresses::Unix { src, dst } = self.addresses {
            check_unix_paths(src, dst)?;
        }
        // The first CRC32C TLV, given raw or appended, carries the checksum (the one the
        // parser verifies); found here, where each raw type is looked at anyway, rather than
        // in the writing loop, which paid for it on every TLV (instructions on encode/v2_tlvs_crc).
        let mut tlvs_len = 0;
        let mut crc_at = None;
        for tlv in self.tlvs {
            let n = tlv.validate()?;
            if let TlvSpec::Raw(TlvType::CRC32C, _) = tlv {
                crc_at = crc_at.or(Some(tlvs_len + 3));
            }
            tlvs_len += n;
        }
        if self.crc32c {
            crc_at = crc_at.or(Some(tlvs_len + 3));
        }
        let len =
            Family::of(&self.addresses).address_len() + tlvs_len + if self.crc32c { 7 } else { 0 };
        if len > usize::from(u16::MAX) {
            return Err(EncodeError::HeaderTooLong { len });
        }
        Ok((len, crc_at))
    }
}

impl Encode for Builder<'_> {
    #[inline]
    fn encoded_len(&self) -> usize {
        V2_HEADER_LEN + self.body_len()
    }

    #[inline]
    fn encode(&self, out: &mut [u8]) -> Result<usize, EncodeError> {
        // Receivers must reject a PROXY header whose family and transport are not both given
        // or both UNSPEC (conformance rule 7): never write one.
        if self.command == Command::Proxy
            && matches!(self.addresses, Addresses::Unspec)
                != matches!(self.protocol, Protocol::Unspec)
        {
            return Err(self.unspecified_transport());
        }
        if self.tlvs.is_empty() && !self.crc32c {
            return self.encode_plain(out);
        }
        self.encode_general(out)
    }
}

impl Builder<'_> {
    /// Every header [`Builder::encode_plain`] does not write: with TLVs or a CRC32C. Out of
    /// line so that `encode`'s plain path does not save and restore the registers this one
    /// needs (measured: instructions on encode/v2_tcp4, see benches/README.md).
    #[inline(never)]
    fn encode_general(&self, out: &mut [u8]) -> Result<usize, EncodeError> {
        let (len, crc_at) = self.validate()?;
        let total = V2_HEADER_LEN + len;
        let available = out.len();
        let out = out.get_mut(..total).ok_or(EncodeError::BufferTooSmall {
            needed: total,
            available,
        })?;
        // The fixed part and the addresses as the plain path writes them (`validate` checked
        // the UNIX paths), with the whole body's length.
        let fixed = V2_HEADER_LEN + Family::of(&self.addresses).address_len();
        if let Some(head) = out.get_mut(..fixed) {
            self.write_fixed(head, len);
        }
        let mut pos = fixed;
        for tlv in self.tlvs {
            pos = tlv.write(out, pos);
        }
        if self.crc32c {
            put(out, pos, &[TlvType::CRC32C.0, 0, 4, 0, 0, 0, 0]);
        }
        if let Some(at) = crc_at {
            crc32c::patch(out, fixed + at);
        }
        Ok(total)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    extern crate std;
    use crate::v2::{parse, TlvValue, V2_MAX_LEN};
    use core::net::{Ipv4Addr, Ipv6Addr, SocketAddrV4, SocketAddrV6};
    use std::{vec, vec::Vec};

    /// The checks as they were before the one-pass `validate` (length first, then the type's
    /// rules, then the sub-TLVs in order).
    fn validate_reference(t: &TlvSpec<'_>) -> Result<(), EncodeError> {
        let len = t.encoded_len() - 3;
        if len > usize::from(u16::MAX) {
            return Err(EncodeError::TlvTooLong {
                tlv_type: t.tlv_type().0,
                len,
            });
        }
        let invalid = |reason| {
            Err(EncodeError::InvalidTlv {
                tlv_type: t.tlv_type().0,
                reason,
            })
        };
        match (t.raw(), t) {
            (Some((TlvType::UNIQUE_ID, value)), _) if value.len() > UNIQUE_ID_MAX_LEN => {
                Err(EncodeError::UniqueIdTooLong { len: value.len() })
            }
            (Some((TlvType::CRC32C, value)), _) if value.len() != 4 => {
                invalid("CRC32C must be 4 bytes")
            }
            (Some((TlvType::SSL, value)), _) if super::super::tlv::check_ssl(value, 0).is_err() => {
                invalid("SSL value is shorter than 5 bytes or its sub-TLVs overrun it")
            }
            (Some((TlvType::NETNS, value)), _) if !value.is_ascii() => {
                invalid("NETNS is not US-ASCII")
            }
            (_, TlvSpec::AwsVpceId(vpce_id)) if !vpce_id.is_ascii() => {
                invalid("AWS VPC endpoint id is not US-ASCII")
            }
            (_, TlvSpec::Ssl(_, _, sub_tlvs)) => sub_tlvs.iter().try_for_each(validate_reference),
            _ => Ok(()),
        }
    }

    /// A TLV's bytes, from the specification's layout.
    fn wire_reference(t: &TlvSpec<'_>, out: &mut Vec<u8>) {
        let mut value = Vec::new();
        match (t.raw(), t) {
            (Some((_, v)), _) => value.extend_from_slice(v),
            (_, TlvSpec::Noop(len)) => value.resize(usize::from(*len), 0),
            (_, TlvSpec::Gcp(psc_connection_id)) => {
                value.extend_from_slice(&psc_connection_id.to_be_bytes())
            }
            (_, TlvSpec::AwsVpceId(vpce_id)) => {
                value.push(1);
                value.extend_from_slice(vpce_id.as_bytes());
            }
            (_, TlvSpec::AzureLinkId(link_id)) => {
                value.push(1);
                value.extend_from_slice(&link_id.to_le_bytes());
            }
            (_, TlvSpec::Ssl(client, verify, sub_tlvs)) => {
                value.push(client.0);
                value.extend_from_slice(&verify.to_be_bytes());
                for sub in sub_tlvs.iter() {
                    wire_reference(sub, &mut value);
                }
            }
            // every other variant carries its value as `raw()` bytes
            (None, _) => unreachable!("{t:?} has no raw value"),
        }
        out.push(t.tlv_type().0);
        out.extend_from_slice(&(value.len() as u16).to_be_bytes());
        out.extend_from_slice(&value);
    }

    /// What `encode` must produce: the reference checks in the former order, then the bytes.
    fn encode_reference(b: &Builder<'_>) -> Result<Vec<u8>, EncodeError> {
        let byte = (Family::of(&b.addresses).nibble() << 4) | b.protocol.nibble();
        if b.command == Command::Proxy
            && ![0x00, 0x11, 0x12, 0x21, 0x22, 0x31, 0x32].contains(&byte)
        {
            return Err(EncodeError::InvalidFamilyProtocol { byte });
        }
        if let Addresses::Unix { src, dst } = b.addresses {
            for (field, path) in [(Endpoint::Source, src), (Endpoint::Destination, dst)] {
                if path.len() > UNIX_PATH_LEN {
                    return Err(EncodeError::UnixPathTooLong {
                        field,
                        len: path.len(),
                    });
                }
            }
        }
        b.tlvs.iter().try_for_each(validate_reference)?;
        let mut body = Vec::new();
        match b.addresses {
            Addresses::Unspec => {}
            Addresses::Inet { src, dst } => {
                body.extend_from_slice(&src.ip().octets());
                body.extend_from_slice(&dst.ip().octets());
                body.extend_from_slice(&src.port().to_be_bytes());
                body.extend_from_slice(&dst.port().to_be_bytes());
            }
            Addresses::Inet6 { src, dst } => {
                body.extend_from_slice(&src.ip().octets());
                body.extend_from_slice(&dst.ip().octets());
                body.extend_from_slice(&src.port().to_be_bytes());
                body.extend_from_slice(&dst.port().to_be_bytes());
            }
            Addresses::Unix { src, dst } => {
                for path in [src, dst] {
                    body.extend_from_slice(path);
                    body.resize(body.len() + UNIX_PATH_LEN - path.len(), 0);
                }
            }
        }
        let mut crc_at = None;
        for t in b.tlvs {
            if t.tlv_type() == TlvType::CRC32C {
                crc_at.get_or_insert(V2_HEADER_LEN + body.len() + 3);
            }
            wire_reference(t, &mut body);
        }
        if b.crc32c {
            crc_at.get_or_insert(V2_HEADER_LEN + body.len() + 3);
            body.extend_from_slice(&[3, 0, 4, 0, 0, 0, 0]);
        }
        if body.len() > usize::from(u16::MAX) {
            return Err(EncodeError::HeaderTooLong { len: body.len() });
        }
        let mut h = SIGNATURE.to_vec();
        let cmd = match b.command {
            Command::Local => 0x20,
            Command::Proxy => 0x21,
        };
        h.extend_from_slice(&[
            cmd,
            (Family::of(&b.addresses).nibble() << 4) | b.protocol.nibble(),
        ]);
        h.extend_from_slice(&(body.len() as u16).to_be_bytes());
        h.extend_from_slice(&body);
        if let Some(at) = crc_at {
            crc32c::patch(&mut h, at);
        }
        Ok(h)
    }

    /// A buffer one byte shorter than the `len` bytes `b` encodes to: the error, and not a
    /// byte written.
    fn refuses_one_byte_short(b: &Builder<'_>, len: usize) {
        let mut short = vec![0xee; len - 1];
        assert_eq!(
            b.encode(&mut short),
            Err(EncodeError::BufferTooSmall {
                needed: len,
                available: len - 1
            })
        );
        assert!(short.iter().all(|&c| c == 0xee));
    }

    #[test]
    fn encode_agrees_with_the_reference() {
        let mut next = crate::test_rng::xorshift(0x2545_F491_4F6C_DD1D);
        let big = vec![b'a'; 70_000];
        let long_path = [b'p'; 109];
        let inner = [TlvSpec::SslCn("inner"), TlvSpec::Noop(2)];
        let sub_lists: [&[TlvSpec<'_>]; 7] = [
            &[],
            &[
                TlvSpec::SslVersion("TLSv1.3"),
                TlvSpec::SslCn("client.example.com"),
            ],
            &[TlvSpec::Raw(TlvType::SSL_CN, &big[..65_530])],
            &[
                TlvSpec::Noop(3),
                TlvSpec::Gcp(9),
                TlvSpec::Raw(TlvType::CRC32C, b"abc"),
            ],
            &[
                TlvSpec::Ssl(SslClient(1), 2, &inner),
                TlvSpec::UniqueId(&[1; 129]),
            ],
            &[TlvSpec::AwsVpceId("vpce-\u{e9}"), TlvSpec::Netns("blue")],
            // sub-TLVs with a layout of their own, all valid (the lists above that have them
            // are refused for another of their TLVs)
            &[
                TlvSpec::Noop(3),
                TlvSpec::Gcp(9),
                TlvSpec::Ssl(SslClient(1), 2, &inner),
            ],
        ];
        let mut pool = vec![
            TlvSpec::Alpn(b"h2"),
            TlvSpec::Authority("example.com"),
            TlvSpec::UniqueId(&[7; 128]),
            TlvSpec::UniqueId(&[7; 129]),
            TlvSpec::Raw(TlvType::UNIQUE_ID, &[7; 128]),
            TlvSpec::Raw(TlvType::UNIQUE_ID, &[7; 129]),
            TlvSpec::Raw(TlvType::CRC32C, &[1, 2, 3, 4]),
            TlvSpec::Raw(TlvType::CRC32C, &[1, 2, 3]),
            TlvSpec::Raw(TlvType::SSL, b"\x01\0\0\0\0\x21\x00\x01x"),
            TlvSpec::Raw(TlvType::SSL, b"\x01\0\0\0\0\x21\x00\x02x"),
            TlvSpec::Raw(TlvType::SSL, b"\x01\0\0"),
            TlvSpec::Netns("blue"),
            TlvSpec::Raw(TlvType::NETNS, "n\u{e9}t".as_bytes()),
            TlvSpec::Raw(TlvType(0x43), &[0xff; 9]),
            TlvSpec::Raw(TlvType(0x60), &[]),
            TlvSpec::Raw(TlvType(0xf0), &big[..65_535]),
            TlvSpec::Raw(TlvType(0xf1), &big[..65_536]),
            TlvSpec::Raw(TlvType(0xf2), &big[..40_000]),
            TlvSpec::Noop(0),
            TlvSpec::Noop(13),
            TlvSpec::Gcp(0x0102_0304_0506_0708),
            TlvSpec::AwsVpceId("vpce-08d2bf15fac5001c9"),
            TlvSpec::AwsVpceId("vpce-\u{e9}"),
            TlvSpec::AzureLinkId(0xdead_beef),
        ];
        for subs in sub_lists {
            pool.push(TlvSpec::Ssl(SslClient(7), 0, subs));
        }
        let addresses = [
            Addresses::Unspec,
            Addresses::from((
                SocketAddrV4::new(Ipv4Addr::new(192, 0, 2, 1), 56324),
                SocketAddrV4::new(Ipv4Addr::new(198, 51, 100, 2), 443),
            )),
            Addresses::from((
                SocketAddrV6::new(Ipv6Addr::LOCALHOST, 1, 0, 0),
                SocketAddrV6::new(Ipv6Addr::UNSPECIFIED, 2, 0, 0),
            )),
            Addresses::Unix {
                src: b"/a",
                dst: b"/b",
            },
            Addresses::Unix {
                src: b"/a",
                dst: &long_path,
            },
        ];
        let (mut written, mut refused) = (0, 0);
        let mut out = vec![0u8; 200_000];
        // Fewer under Miri, which interprets each case: the same checks on the first ones.
        let cases = if cfg!(miri) { 100 } else { 20_000 };
        for _ in 0..cases {
            let tlvs: Vec<TlvSpec<'_>> = (0..next() % 5)
                .map(|_| pool[(next() % pool.len() as u64) as usize])
                .collect();
            let protocol =
                [Protocol::Stream, Protocol::Dgram, Protocol::Unspec][(next() % 3) as usize];
            let b = Builder::proxy(protocol, addresses[(next() % 5) as usize])
                .command(if next() % 2 == 0 {
                    Command::Proxy
                } else {
                    Command::Local
                })
                .tlvs(&tlvs)
                .crc32c(next() % 3 == 0);
            let want = encode_reference(&b);
            let got = b.encode(&mut out).map(|n| out[..n].to_vec());
            assert_eq!(got, want, "{b:?}");
            if let Ok(bytes) = &want {
                written += 1;
                assert_eq!(b.encoded_len(), bytes.len());
                refuses_one_byte_short(&b, bytes.len());
            } else {
                refused += 1;
            }
        }
        assert!(
            written > cases / 10 && refused > cases / 10,
            "{written} {refused}"
        );
    }

    /// The largest header the format allows is written, is `V2_MAX_LEN` bytes and parses
    /// back; one byte more is refused.
    #[test]
    fn largest_header_is_v2_max_len() {
        let addresses = Addresses::from((
            SocketAddrV4::new(Ipv4Addr::new(192, 0, 2, 1), 1),
            SocketAddrV4::new(Ipv4Addr::new(192, 0, 2, 2), 2),
        ));
        let mut out = vec![0u8; V2_MAX_LEN + 1];
        // 12 address bytes, a NOOP's 3-byte head and its value fill the 65,535 bytes.
        let fill = u16::MAX - 12 - 3;
        let tlvs = [TlvSpec::Noop(fill)];
        let b = Builder::proxy(Protocol::Stream, addresses).tlvs(&tlvs);
        assert_eq!(b.encode(&mut out), Ok(V2_MAX_LEN));
        let (h, consumed) = parse(&out).unwrap().complete().unwrap();
        assert_eq!(consumed, V2_MAX_LEN);
        assert_eq!(
            h.tlvs().next().map(|t| t.value()),
            Some(Ok(TlvValue::Noop(usize::from(fill))))
        );
        let tlvs = [TlvSpec::Noop(fill + 1)];
        let b = Builder::proxy(Protocol::Stream, addresses).tlvs(&tlvs);
        assert_eq!(
            b.encode(&mut out),
            Err(EncodeError::HeaderTooLong { len: 65_536 })
        );
    }

    /// Every pair of UNIX path lengths up to 108 (the fast path for two full paths, the short
    /// copies of every size class, with and without TLVs, at four alignments of the output)
    /// against the layout written out by hand; longer paths are refused, naming the source first.
    #[test]
    fn unix_paths_agree_with_the_layout() {
        // No zero byte in a path, so that a byte of it left unwritten shows.
        let path = |len: usize, seed: usize| -> Vec<u8> {
            (0..len).map(|i| ((i * 7 + seed) % 255 + 1) as u8).collect()
        };
        let expected = |src: &[u8], dst: &[u8], tlvs: &[u8]| -> Vec<u8> {
            let mut h = SIGNATURE.to_vec();
            h.extend_from_slice(&[0x21, 0x31]);
            h.extend_from_slice(&((2 * UNIX_PATH_LEN + tlvs.len()) as u16).to_be_bytes());
            for p in [src, dst] {
                h.extend_from_slice(p);
                h.resize(h.len() + UNIX_PATH_LEN - p.len(), 0);
            }
            h.extend_from_slice(tlvs);
            h
        };
        let alpn = [TlvSpec::Alpn(b"h2")];
        let mut buf = vec![0u8; 16 + 300];
        // Under Miri, which interprets each encode: every 27th length and those next to the ends.
        let lens = (0..=UNIX_PATH_LEN)
            .filter(|&l| !cfg!(miri) || l % 27 == 0 || l == 1 || l == UNIX_PATH_LEN - 1);
        for src_len in lens.clone() {
            for dst_len in lens.clone() {
                let (src, dst) = (path(src_len, 3), path(dst_len, 101));
                let b = Builder::proxy(
                    Protocol::Stream,
                    Addresses::Unix {
                        src: &src,
                        dst: &dst,
                    },
                );
                for (b, tlv_bytes) in [(b, &b""[..]), (b.tlvs(&alpn), &b"\x01\x00\x02h2"[..])] {
                    let want = expected(&src, &dst, tlv_bytes);
                    assert_eq!(b.encoded_len(), want.len());
                    for at in [0, 1, 8, 15] {
                        buf.fill(0xa5);
                        let out = &mut buf[at..];
                        assert_eq!(b.encode(out), Ok(want.len()), "{src_len} {dst_len}");
                        assert_eq!(&out[..want.len()], &want[..], "{src_len} {dst_len} {at}");
                        assert!(out[want.len()..].iter().all(|&c| c == 0xa5));
                    }
                    refuses_one_byte_short(&b, want.len());
                }
            }
        }
        let long = path(UNIX_PATH_LEN + 1, 5);
        let ok = path(UNIX_PATH_LEN, 9);
        for (src, dst, field) in [
            (&long, &ok, Endpoint::Source),
            (&ok, &long, Endpoint::Destination),
            (&long, &long, Endpoint::Source),
        ] {
            let b = Builder::proxy(Protocol::Stream, Addresses::Unix { src, dst });
            for b in [b, b.tlvs(&alpn), b.crc32c(true)] {
                buf.fill(0xa5);
                let err = EncodeError::UnixPathTooLong {
                    field,
                    len: UNIX_PATH_LEN + 1,
                };
                assert_eq!(b.encode(&mut buf), Err(err));
                assert_eq!(b.encode(&mut []), Err(err));
                assert!(buf.iter().all(|&c| c == 0xa5));
            }
        }
    }
}
