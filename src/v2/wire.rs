//! The v2 wire format: the fixed part's constants, the command and family/protocol bytes, and
//! the checks every path of the parser shares.
#![forbid(unsafe_code)]

use core::num::NonZeroUsize;

use crate::addr::Addresses;
use crate::error::ParseError;

/// The 12-byte v2 signature, `\r\n\r\n\0\r\nQUIT\n`.
pub const SIGNATURE: [u8; 12] = *b"\r\n\r\n\0\r\nQUIT\n";
/// Length of the fixed part: signature, version/command, family/protocol and `len`.
pub const V2_HEADER_LEN: usize = 16;
/// The largest v2 header the format allows: `16 + 65535`.
pub const V2_MAX_LEN: usize = V2_HEADER_LEN + u16::MAX as usize;
/// Largest UNIQUE_ID value the specification allows.
pub const UNIQUE_ID_MAX_LEN: usize = 128;
/// Size of a UNIX address field (source and destination each).
pub const UNIX_PATH_LEN: usize = 108;

/// The command in the low nibble of byte 12.
///
/// ```
/// use proxy_wire::v2::{self, Command, Protocol};
/// use proxy_wire::Encode;
/// use std::net::SocketAddr;
///
/// // Relayed for a client: PROXY, and the addresses are the client's.
/// let (src, dst): (SocketAddr, SocketAddr) = ("192.0.2.1:4000".parse()?, "198.51.100.1:443".parse()?);
/// let mut buf = [0u8; 64];
/// let n = v2::Builder::proxy(Protocol::Stream, (src, dst)).encode(&mut buf)?;
/// let (header, _) = v2::parse(&buf[..n])?.complete().ok_or("incomplete")?;
/// assert_eq!(header.command(), Command::Proxy);
///
/// // The proxy's own health check: LOCAL, so the receiver keeps the connection's addresses.
/// let (check, _) = v2::parse(b"\r\n\r\n\0\r\nQUIT\n\x20\x00\x00\x00")?.complete().ok_or("incomplete")?;
/// assert_eq!(check.command(), Command::Local);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[allow(clippy::exhaustive_enums)] // other values are invalid on the wire
pub enum Command {
    /// `0x0`: the connection was made by the proxy itself (health check); use the real
    /// connection's addresses.
    Local,
    /// `0x1`: relayed on behalf of a client; the addresses are the client's.
    Proxy,
}

/// The address family in the high nibble of byte 13.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Family {
    /// `0x0`: unknown; no address block.
    Unspec,
    /// `0x1`: IPv4, a 12-byte block.
    Inet,
    /// `0x2`: IPv6, a 36-byte block.
    Inet6,
    /// `0x3`: UNIX sockets, a 216-byte block.
    Unix,
}

impl Family {
    /// Bytes of the address block for this family.
    #[inline]
    pub(crate) const fn address_len(self) -> usize {
        match self {
            Self::Unspec => 0,
            Self::Inet => 12,
            Self::Inet6 => 36,
            Self::Unix => 2 * UNIX_PATH_LEN,
        }
    }

    /// The family `addresses` are written with.
    #[inline]
    pub(crate) const fn of(addresses: &Addresses<'_>) -> Self {
        match addresses {
            Addresses::Unspec => Self::Unspec,
            Addresses::Inet { .. } => Self::Inet,
            Addresses::Inet6 { .. } => Self::Inet6,
            Addresses::Unix { .. } => Self::Unix,
        }
    }

    pub(crate) const fn nibble(self) -> u8 {
        match self {
            Self::Unspec => 0,
            Self::Inet => 1,
            Self::Inet6 => 2,
            Self::Unix => 3,
        }
    }

    pub(crate) const fn from_nibble(n: u8) -> Option<Self> {
        match n {
            0 => Some(Self::Unspec),
            1 => Some(Self::Inet),
            2 => Some(Self::Inet6),
            3 => Some(Self::Unix),
            _ => None,
        }
    }
}

/// The transport protocol in the low nibble of byte 13.
///
/// ```
/// use proxy_wire::v2::{self, Protocol};
/// use proxy_wire::Encode;
/// use std::net::SocketAddr;
///
/// // A UDP flow relayed for a client: DGRAM, with the family taken from the addresses.
/// let (src, dst): (SocketAddr, SocketAddr) = ("[2001:db8::1]:5353".parse()?, "[2001:db8::2]:53".parse()?);
/// let mut buf = [0u8; 64];
/// let n = v2::Builder::proxy(Protocol::Dgram, (src, dst)).encode(&mut buf)?;
/// assert_eq!(buf[13], 0x22); // AF_INET6 in the high nibble, DGRAM in the low one
/// let (header, _) = v2::parse(&buf[..n])?.complete().ok_or("incomplete")?;
/// assert_eq!(header.protocol(), Protocol::Dgram);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[allow(clippy::exhaustive_enums)] // other values are invalid on the wire
pub enum Protocol {
    /// `0x0`: unspecified.
    Unspec,
    /// `0x1`: a stream (TCP, or a UNIX stream socket).
    Stream,
    /// `0x2`: datagrams (UDP, or a UNIX datagram socket).
    Dgram,
}

impl Protocol {
    pub(crate) const fn nibble(self) -> u8 {
        match self {
            Self::Unspec => 0,
            Self::Stream => 1,
            Self::Dgram => 2,
        }
    }

    pub(crate) const fn from_nibble(n: u8) -> Option<Self> {
        match n {
            0 => Some(Self::Unspec),
            1 => Some(Self::Stream),
            2 => Some(Self::Dgram),
            _ => None,
        }
    }
}

/// Marks a family/protocol byte that names no family or protocol in [`ADDRESS_LEN`].
pub(crate) const INVALID: u8 = 0xFF;

/// The address block's length for each value of byte 13 of a PROXY header, [`INVALID`] for
/// every value but the seven the specification lists: one load instead of two nibble
/// decodes, on the path every header takes.
pub(crate) static ADDRESS_LEN: [u8; 256] = address_len_table(true);

/// The same for a LOCAL header, which may carry any byte 13: where both nibbles name a
/// family and a protocol, the block the family implies is skipped before the TLVs.
pub(crate) static LOCAL_ADDRESS_LEN: [u8; 256] = address_len_table(false);

const fn address_len_table(proxy: bool) -> [u8; 256] {
    let mut t = [INVALID; 256];
    let mut b = 0;
    while b < 256 {
        if let (Some(f), Some(p)) = (
            Family::from_nibble((b >> 4) as u8),
            Protocol::from_nibble((b & 0xf) as u8),
        ) {
            // A family without a transport (or the reverse) is unspecified: "other values
            // ... must be rejected as invalid by receivers", never read as an address.
            let specified = matches!(f, Family::Unspec) == matches!(p, Protocol::Unspec);
            if specified || !proxy {
                t[b] = f.address_len() as u8;
            }
        }
        b += 1;
    }
    t
}

/// Where the TLVs of a checked header start, from bytes 12..16. `None` for a LOCAL header whose
/// family/protocol byte is invalid or whose address block does not fit: its body is opaque.
#[inline(always)]
pub(crate) fn tlv_start(ver_cmd: u8, fam_proto: u8, len: u16) -> Option<usize> {
    let local = ver_cmd & 0xf == 0;
    let table = if local {
        &LOCAL_ADDRESS_LEN
    } else {
        &ADDRESS_LEN
    };
    let addr = table[usize::from(fam_proto)];
    if addr == INVALID || (local && len < u16::from(addr)) {
        return None;
    }
    Some(V2_HEADER_LEN + usize::from(addr))
}

/// Byte 12: version 2, command LOCAL or PROXY.
pub(crate) fn check_version_command(ver_cmd: u8) -> Result<(), ParseError> {
    if ver_cmd >> 4 != 2 {
        return Err(ParseError::UnsupportedVersion {
            version: ver_cmd >> 4,
        });
    }
    if ver_cmd & 0xf > 1 {
        return Err(ParseError::InvalidCommand {
            command: ver_cmd & 0xf,
        });
    }
    Ok(())
}

/// For PROXY: a valid family and protocol, and a `len` that holds the address block.
#[inline]
pub(crate) fn check_proxy_block(fam_proto: u8, len: u16) -> Result<(), ParseError> {
    let required = ADDRESS_LEN[usize::from(fam_proto)];
    if required == INVALID {
        return Err(ParseError::InvalidFamilyProtocol { byte: fam_proto });
    }
    let required = u16::from(required);
    if len < required {
        return Err(ParseError::AddressBlockTooShort { len, required });
    }
    Ok(())
}

#[cold]
pub(crate) fn signature_mismatch(buf: &[u8]) -> ParseError {
    let (offset, byte) = buf
        .iter()
        .zip(SIGNATURE.iter())
        .enumerate()
        .find(|(_, (b, s))| b != s)
        .map_or((0, 0), |(i, (&b, _))| (i, b));
    ParseError::NotProxyHeader { offset, byte }
}

/// Fewer than 16 bytes: incomplete while they are a prefix of a valid fixed part.
#[cold]
pub(crate) fn partial(buf: &[u8]) -> Result<NonZeroUsize, ParseError> {
    if buf.iter().zip(SIGNATURE.iter()).any(|(b, s)| b != s) {
        return Err(signature_mismatch(buf));
    }
    if let Some(&ver_cmd) = buf.get(12) {
        check_version_command(ver_cmd)?;
        if let Some(&fam_proto) = buf.get(13) {
            if ver_cmd & 0xf == 1 && ADDRESS_LEN[usize::from(fam_proto)] == INVALID {
                return Err(ParseError::InvalidFamilyProtocol { byte: fam_proto });
            }
        }
    }
    Ok(NonZeroUsize::new(V2_HEADER_LEN - buf.len()).unwrap_or(NonZeroUsize::MIN))
}
