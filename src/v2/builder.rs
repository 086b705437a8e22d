//! [`Builder`]: describes a v2 header and encodes it into `&mut [u8]`, no allocation.

use super::{
    crc32c, Command, Family, Protocol, SslClient, Tlv, TlvType, SIGNATURE, UNIQUE_ID_MAX_LEN,
    UNIX_PATH_LEN, V2_HEADER_LEN,
};
use crate::{Addresses, Encode, EncodeError, Endpoint};

/// One TLV to encode. Build it with the constructors ([`TlvSpec::alpn`], [`TlvSpec::ssl`], ...)
/// or from a parsed [`Tlv`] (`TlvSpec::from(tlv)`), which copies it as it is (the first
/// top-level CRC32C TLV is recomputed when the header is encoded, see [`Builder::crc32c`]).
///
/// ```
/// use proxy_wire::v2::{SslClient, TlvSpec};
///
/// let subs = [TlvSpec::ssl_version("TLSv1.3"), TlvSpec::ssl_cn("client.example.com")];
/// let ssl = TlvSpec::ssl(SslClient::SSL | SslClient::CERT_CONN, 0, &subs);
/// assert_eq!(ssl.wire_len(), 3 + 5 + (3 + 7) + (3 + 18));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TlvSpec<'a> {
    /// Any type with its value as given.
    Raw {
        /// The type byte.
        tlv_type: TlvType,
        /// The value.
        value: &'a [u8],
    },
    /// `NOOP` padding: `len` zero bytes.
    Noop {
        /// Value length.
        len: u16,
    },
    /// `0xE0` Google Cloud PSC connection id, 8 bytes big-endian.
    Gcp {
        /// The connection id.
        psc_connection_id: u64,
    },
    /// `0xEA` AWS, subtype `0x01`: the VPC endpoint id.
    AwsVpceId {
        /// The endpoint id text.
        vpce_id: &'a str,
    },
    /// `0xEE` Azure, subtype `0x01`: the private endpoint link id, 4 bytes little-endian.
    AzureLinkId {
        /// The link id.
        link_id: u32,
    },
    /// `0x20` SSL: client bits, verify result, then the sub-TLVs in order.
    Ssl {
        /// Client bits.
        client: SslClient,
        /// Verify result (0: the client certificate verified).
        verify: u32,
        /// The sub-TLVs (`SSL_VERSION`, `SSL_CN`, ...).
        sub_tlvs: &'a [TlvSpec<'a>],
    },
}

impl<'a> TlvSpec<'a> {
    /// Any type with its value as given.
    ///
    /// ```
    /// # use proxy_wire::v2::{TlvSpec, TlvType};
    /// assert_eq!(TlvSpec::raw(TlvType(0xf0), b"xy").wire_len(), 5);
    /// ```
    pub const fn raw(tlv_type: TlvType, value: &'a [u8]) -> Self {
        Self::Raw { tlv_type, value }
    }
    /// `ALPN` (`0x01`).
    ///
    /// ```
    /// # use proxy_wire::v2::TlvSpec;
    /// assert_eq!(TlvSpec::alpn(b"h2").wire_len(), 5);
    /// ```
    pub const fn alpn(protocol: &'a [u8]) -> Self {
        Self::raw(TlvType::ALPN, protocol)
    }
    /// `AUTHORITY` (`0x02`).
    ///
    /// ```
    /// # use proxy_wire::v2::TlvSpec;
    /// assert_eq!(TlvSpec::authority("a.example").wire_len(), 12);
    /// ```
    pub const fn authority(host: &'a str) -> Self {
        Self::raw(TlvType::AUTHORITY, host.as_bytes())
    }
    /// `UNIQUE_ID` (`0x05`), at most 128 bytes (checked when encoding).
    ///
    /// ```
    /// # use proxy_wire::v2::TlvSpec;
    /// assert_eq!(TlvSpec::unique_id(&[7; 32]).wire_len(), 35);
    /// ```
    pub const fn unique_id(id: &'a [u8]) -> Self {
        Self::raw(TlvType::UNIQUE_ID, id)
    }
    /// `NETNS` (`0x30`).
    ///
    /// ```
    /// # use proxy_wire::v2::TlvSpec;
    /// assert_eq!(TlvSpec::netns("blue").wire_len(), 7);
    /// ```
    pub const fn netns(name: &'a str) -> Self {
        Self::raw(TlvType::NETNS, name.as_bytes())
    }
    /// `NOOP` (`0x04`) padding of `len` zero bytes.
    ///
    /// ```
    /// # use proxy_wire::v2::TlvSpec;
    /// assert_eq!(TlvSpec::noop(13).wire_len(), 16);
    /// ```
    pub const fn noop(len: u16) -> Self {
        Self::Noop { len }
    }
    /// `0xE0` Google Cloud PSC connection id.
    ///
    /// ```
    /// # use proxy_wire::v2::TlvSpec;
    /// assert_eq!(TlvSpec::gcp(1).wire_len(), 11);
    /// ```
    pub const fn gcp(psc_connection_id: u64) -> Self {
        Self::Gcp { psc_connection_id }
    }
    /// `0xEA` AWS VPC endpoint id.
    ///
    /// ```
    /// # use proxy_wire::v2::TlvSpec;
    /// assert_eq!(TlvSpec::aws_vpce_id("vpce-1").wire_len(), 3 + 1 + 6);
    /// ```
    pub const fn aws_vpce_id(vpce_id: &'a str) -> Self {
        Self::AwsVpceId { vpce_id }
    }
    /// `0xEE` Azure private endpoint link id.
    ///
    /// ```
    /// # use proxy_wire::v2::TlvSpec;
    /// assert_eq!(TlvSpec::azure_link_id(1).wire_len(), 8);
    /// ```
    pub const fn azure_link_id(link_id: u32) -> Self {
        Self::AzureLinkId { link_id }
    }
    /// `SSL` (`0x20`) with its sub-TLVs.
    ///
    /// ```
    /// # use proxy_wire::v2::{SslClient, TlvSpec};
    /// assert_eq!(TlvSpec::ssl(SslClient::SSL, 0, &[]).wire_len(), 8);
    /// ```
    pub const fn ssl(client: SslClient, verify: u32, sub_tlvs: &'a [TlvSpec<'a>]) -> Self {
        Self::Ssl {
            client,
            verify,
            sub_tlvs,
        }
    }
    /// `SSL_VERSION` (`0x21`) sub-TLV.
    ///
    /// ```
    /// # use proxy_wire::v2::TlvSpec;
    /// assert_eq!(TlvSpec::ssl_version("TLSv1.3").wire_len(), 10);
    /// ```
    pub const fn ssl_version(version: &'a str) -> Self {
        Self::raw(TlvType::SSL_VERSION, version.as_bytes())
    }
    /// `SSL_CN` (`0x22`) sub-TLV.
    ///
    /// ```
    /// # use proxy_wire::v2::TlvSpec;
    /// assert_eq!(TlvSpec::ssl_cn("c").wire_len(), 4);
    /// ```
    pub const fn ssl_cn(cn: &'a str) -> Self {
        Self::raw(TlvType::SSL_CN, cn.as_bytes())
    }
    /// `SSL_CIPHER` (`0x23`) sub-TLV.
    ///
    /// ```
    /// # use proxy_wire::v2::TlvSpec;
    /// assert_eq!(TlvSpec::ssl_cipher("c").wire_len(), 4);
    /// ```
    pub const fn ssl_cipher(cipher: &'a str) -> Self {
        Self::raw(TlvType::SSL_CIPHER, cipher.as_bytes())
    }
    /// `SSL_SIG_ALG` (`0x24`) sub-TLV.
    ///
    /// ```
    /// # use proxy_wire::v2::TlvSpec;
    /// assert_eq!(TlvSpec::ssl_sig_alg("s").wire_len(), 4);
    /// ```
    pub const fn ssl_sig_alg(alg: &'a str) -> Self {
        Self::raw(TlvType::SSL_SIG_ALG, alg.as_bytes())
    }
    /// `SSL_KEY_ALG` (`0x25`) sub-TLV.
    ///
    /// ```
    /// # use proxy_wire::v2::TlvSpec;
    /// assert_eq!(TlvSpec::ssl_key_alg("k").wire_len(), 4);
    /// ```
    pub const fn ssl_key_alg(alg: &'a str) -> Self {
        Self::raw(TlvType::SSL_KEY_ALG, alg.as_bytes())
    }
    /// `SSL_GROUP` (`0x26`) sub-TLV.
    ///
    /// ```
    /// # use proxy_wire::v2::TlvSpec;
    /// assert_eq!(TlvSpec::ssl_group("g").wire_len(), 4);
    /// ```
    pub const fn ssl_group(group: &'a str) -> Self {
        Self::raw(TlvType::SSL_GROUP, group.as_bytes())
    }
    /// `SSL_SIG_SCHEME` (`0x27`) sub-TLV.
    ///
    /// ```
    /// # use proxy_wire::v2::TlvSpec;
    /// assert_eq!(TlvSpec::ssl_sig_scheme("s").wire_len(), 4);
    /// ```
    pub const fn ssl_sig_scheme(scheme: &'a str) -> Self {
        Self::raw(TlvType::SSL_SIG_SCHEME, scheme.as_bytes())
    }
    /// `SSL_CLIENT_CERT` (`0x28`) sub-TLV, DER.
    ///
    /// ```
    /// # use proxy_wire::v2::TlvSpec;
    /// assert_eq!(TlvSpec::ssl_client_cert(&[0x30, 0]).wire_len(), 5);
    /// ```
    pub const fn ssl_client_cert(der: &'a [u8]) -> Self {
        Self::raw(TlvType::SSL_CLIENT_CERT, der)
    }

    /// The type byte this writes.
    ///
    /// ```
    /// # use proxy_wire::v2::{TlvSpec, TlvType};
    /// assert_eq!(TlvSpec::gcp(1).tlv_type(), TlvType::GCP);
    /// ```
    pub const fn tlv_type(&self) -> TlvType {
        match self {
            Self::Raw { tlv_type, .. } => *tlv_type,
            Self::Noop { .. } => TlvType::NOOP,
            Self::Gcp { .. } => TlvType::GCP,
            Self::AwsVpceId { .. } => TlvType::AWS,
            Self::AzureLinkId { .. } => TlvType::AZURE,
            Self::Ssl { .. } => TlvType::SSL,
        }
    }

    /// Length of the value.
    fn value_len(&self) -> usize {
        match self {
            Self::Raw { value, .. } => value.len(),
            Self::Noop { len } => usize::from(*len),
            Self::Gcp { .. } => 8,
            Self::AwsVpceId { vpce_id } => 1 + vpce_id.len(),
            Self::AzureLinkId { .. } => 5,
            Self::Ssl { sub_tlvs, .. } => 5 + sub_tlvs.iter().map(Self::wire_len).sum::<usize>(),
        }
    }

    /// Bytes on the wire: 3 + the value's length.
    ///
    /// ```
    /// # use proxy_wire::v2::TlvSpec;
    /// assert_eq!(TlvSpec::azure_link_id(9).wire_len(), 8);
    /// ```
    pub fn wire_len(&self) -> usize {
        3 + self.value_len()
    }

    /// Checks what the wire cannot carry or the specification forbids.
    fn validate(&self) -> Result<(), EncodeError> {
        let len = self.value_len();
        if len > usize::from(u16::MAX) {
            return Err(EncodeError::TlvTooLong {
                tlv_type: self.tlv_type().0,
                len,
            });
        }
        let invalid = |reason| {
            Err(EncodeError::InvalidTlv {
                tlv_type: self.tlv_type().0,
                reason,
            })
        };
        match self {
            Self::Raw {
                tlv_type: TlvType::UNIQUE_ID,
                value,
            } if value.len() > UNIQUE_ID_MAX_LEN => {
                Err(EncodeError::UniqueIdTooLong { len: value.len() })
            }
            // What the parser refuses (PROTOCOL.md §3.11-12) is never written.
            Self::Raw {
                tlv_type: TlvType::CRC32C,
                value,
            } if value.len() != 4 => invalid("CRC32C must be 4 bytes"),
            Self::Raw {
                tlv_type: TlvType::SSL,
                value,
            } if super::header::check_ssl(value, 0).is_err() => {
                invalid("SSL value is shorter than 5 bytes or its sub-TLVs overrun it")
            }
            // What a TLV's own type forbids (PROTOCOL.md §1) is never written either.
            Self::Raw {
                tlv_type: TlvType::NETNS,
                value,
            } if !value.is_ascii() => invalid("NETNS is not US-ASCII"),
            Self::AwsVpceId { vpce_id } if !vpce_id.is_ascii() => {
                invalid("AWS VPC endpoint id is not US-ASCII")
            }
            Self::Ssl { sub_tlvs, .. } => sub_tlvs.iter().try_for_each(Self::validate),
            _ => Ok(()),
        }
    }

    /// Writes the TLV at the start of `out` (which `validate` and the length check made big
    /// enough) and returns the bytes written.
    fn write(&self, out: &mut [u8]) -> usize {
        let len = self.value_len();
        let mut w = Cursor { out, pos: 0 };
        w.put(&[self.tlv_type().0]);
        w.put(&(len as u16).to_be_bytes());
        match self {
            Self::Raw { value, .. } => w.put(value),
            Self::Noop { len } => w.zeros(usize::from(*len)),
            Self::Gcp { psc_connection_id } => w.put(&psc_connection_id.to_be_bytes()),
            Self::AwsVpceId { vpce_id } => {
                w.put(&[0x01]);
                w.put(vpce_id.as_bytes());
            }
            Self::AzureLinkId { link_id } => {
                w.put(&[0x01]);
                w.put(&link_id.to_le_bytes());
            }
            Self::Ssl {
                client,
                verify,
                sub_tlvs,
            } => {
                w.put(&[client.0]);
                w.put(&verify.to_be_bytes());
                for sub in sub_tlvs.iter() {
                    let n = sub.write(w.rest());
                    w.pos += n;
                }
            }
        }
        w.pos
    }
}

impl<'a> From<Tlv<'a>> for TlvSpec<'a> {
    fn from(tlv: Tlv<'a>) -> Self {
        Self::raw(tlv.tlv_type(), tlv.value_bytes())
    }
}

/// A bounded writer: writes past the end are dropped (never reached: lengths are checked first).
struct Cursor<'o> {
    out: &'o mut [u8],
    pos: usize,
}

impl Cursor<'_> {
    #[inline(always)]
    fn put(&mut self, bytes: &[u8]) {
        if let Some(dst) = self.out.get_mut(self.pos..self.pos + bytes.len()) {
            dst.copy_from_slice(bytes);
        }
        self.pos += bytes.len();
    }
    #[inline(always)]
    fn zeros(&mut self, n: usize) {
        if let Some(dst) = self.out.get_mut(self.pos..self.pos + n) {
            dst.fill(0);
        }
        self.pos += n;
    }
    fn rest(&mut self) -> &mut [u8] {
        self.out.get_mut(self.pos..).unwrap_or(&mut [])
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
    /// let tlvs = [v2::TlvSpec::alpn(b"h2")];
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

    fn body_len(&self) -> usize {
        self.addresses.family().address_len()
            + self.tlvs.iter().map(TlvSpec::wire_len).sum::<usize>()
            + if self.crc32c { 7 } else { 0 }
    }

    /// A header without TLVs over IP or with no addresses: a fixed layout written straight
    /// into `out` (the general path validates and walks a TLV list it doesn't have). `None` for
    /// UNIX addresses, which take the general path.
    #[inline]
    fn encode_plain(&self, out: &mut [u8]) -> Option<Result<usize, EncodeError>> {
        let family = self.addresses.family();
        if family == Family::Unix {
            return None;
        }
        let n = V2_HEADER_LEN + family.address_len();
        let available = out.len();
        let Some(dst) = out.get_mut(..n) else {
            return Some(Err(EncodeError::BufferTooSmall {
                needed: n,
                available,
            }));
        };
        let [l0, l1] = ((n - V2_HEADER_LEN) as u16).to_be_bytes();
        let cmd = match self.command {
            Command::Local => 0x20,
            Command::Proxy => 0x21,
        };
        let mut fixed = [0u8; V2_HEADER_LEN];
        fixed[..12].copy_from_slice(&SIGNATURE);
        fixed[12..].copy_from_slice(&[
            cmd,
            (family.nibble() << 4) | self.protocol.nibble(),
            l0,
            l1,
        ]);
        let (head, block) = dst.split_at_mut(V2_HEADER_LEN.min(n));
        head.copy_from_slice(&fixed);
        match self.addresses {
            Addresses::Inet { src, dst } => {
                let mut a = [0u8; 12];
                a[..4].copy_from_slice(&src.ip().octets());
                a[4..8].copy_from_slice(&dst.ip().octets());
                a[8..10].copy_from_slice(&src.port().to_be_bytes());
                a[10..].copy_from_slice(&dst.port().to_be_bytes());
                block.copy_from_slice(&a);
            }
            Addresses::Inet6 { src, dst } => {
                let mut a = [0u8; 36];
                a[..16].copy_from_slice(&src.ip().octets());
                a[16..32].copy_from_slice(&dst.ip().octets());
                a[32..34].copy_from_slice(&src.port().to_be_bytes());
                a[34..].copy_from_slice(&dst.port().to_be_bytes());
                block.copy_from_slice(&a);
            }
            _ => {}
        }
        Some(Ok(n))
    }

    fn validate(&self) -> Result<usize, EncodeError> {
        if let Addresses::Unix { src, dst } = self.addresses {
            for (field, path) in [(Endpoint::Source, src), (Endpoint::Destination, dst)] {
                if path.len() > UNIX_PATH_LEN {
                    return Err(EncodeError::UnixPathTooLong {
                        field,
                        len: path.len(),
                    });
                }
            }
        }
        self.tlvs.iter().try_for_each(TlvSpec::validate)?;
        let len = self.body_len();
        if len > usize::from(u16::MAX) {
            return Err(EncodeError::HeaderTooLong { len });
        }
        Ok(len)
    }
}

impl Encode for Builder<'_> {
    fn encoded_len(&self) -> usize {
        if self.tlvs.is_empty() {
            // no list to walk for the common header
            return V2_HEADER_LEN
                + self.addresses.family().address_len()
                + if self.crc32c { 7 } else { 0 };
        }
        V2_HEADER_LEN + self.body_len()
    }

    fn encode(&self, out: &mut [u8]) -> Result<usize, EncodeError> {
        if self.tlvs.is_empty() && !self.crc32c {
            if let Some(result) = self.encode_plain(out) {
                return result;
            }
        }
        let len = self.validate()?;
        let total = V2_HEADER_LEN + len;
        let available = out.len();
        let out = out.get_mut(..total).ok_or(EncodeError::BufferTooSmall {
            needed: total,
            available,
        })?;
        let mut w = Cursor { out, pos: 0 };
        w.put(&SIGNATURE);
        let cmd = match self.command {
            Command::Local => 0x20,
            Command::Proxy => 0x21,
        };
        let family: Family = self.addresses.family();
        w.put(&[cmd, (family.nibble() << 4) | self.protocol.nibble()]);
        w.put(&(len as u16).to_be_bytes());
        match self.addresses {
            Addresses::Unspec => {}
            Addresses::Inet { src, dst } => {
                w.put(&src.ip().octets());
                w.put(&dst.ip().octets());
                w.put(&src.port().to_be_bytes());
                w.put(&dst.port().to_be_bytes());
            }
            Addresses::Inet6 { src, dst } => {
                w.put(&src.ip().octets());
                w.put(&dst.ip().octets());
                w.put(&src.port().to_be_bytes());
                w.put(&dst.port().to_be_bytes());
            }
            Addresses::Unix { src, dst } => {
                for path in [src, dst] {
                    w.put(path);
                    w.zeros(UNIX_PATH_LEN - path.len());
                }
            }
        }
        // The first CRC32C TLV, given raw or appended, carries the checksum (the one the
        // parser verifies).
        let mut crc_at = None;
        for tlv in self.tlvs {
            if tlv.tlv_type() == TlvType::CRC32C {
                crc_at.get_or_insert(w.pos + 3);
            }
            let n = tlv.write(w.rest());
            w.pos += n;
        }
        if self.crc32c {
            crc_at.get_or_insert(w.pos + 3);
            w.put(&[TlvType::CRC32C.0, 0, 4, 0, 0, 0, 0]);
        }
        if let Some(at) = crc_at {
            crc32c::patch(w.out, at);
        }
        Ok(total)
    }
}
