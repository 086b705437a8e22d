//! [`Addresses`]: the source and destination a header carries, shared by v1 and v2.

#![forbid(unsafe_code)]

use core::net::{SocketAddr, SocketAddrV4, SocketAddrV6};

/// The original connection's endpoints as carried by a header.
///
/// `Unspec` means the header carries no usable address (v1 `UNKNOWN`, v2 `LOCAL`, v2 family
/// `UNSPEC`): the receiver uses the real connection's addresses. UNIX paths borrow the header's
/// bytes, with the NUL padding at their end removed.
///
/// ```
/// use proxy_wire::Addresses;
/// use std::net::SocketAddr;
///
/// let src: SocketAddr = "[2001:db8::1]:4000".parse().unwrap();
/// let dst: SocketAddr = "192.0.2.1:443".parse().unwrap();
/// // Mixed families are written as IPv6, the IPv4 side IPv4-mapped.
/// let addrs = Addresses::from((src, dst));
/// assert_eq!(addrs.destination(), Some("[::ffff:192.0.2.1]:443".parse().unwrap()));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
// A 4-byte tag puts every variant's fields at offset 4 or more. With the default 2-byte tag
// the compiler copied a value in 16-byte pieces from offset 2, each a load of bytes just
// stored in other widths, which the CPU cannot forward (measured: `cargo bench --bench parse`
// encode/v2_tcp6, see benches/README.md). The representation is an implementation detail
// and may change.
#[repr(u32)]
pub enum Addresses<'a> {
    /// No addresses: use the real connection's.
    Unspec,
    /// TCP or UDP over IPv4.
    Inet {
        /// Source (original client).
        src: SocketAddrV4,
        /// Destination.
        dst: SocketAddrV4,
    },
    /// TCP or UDP over IPv6.
    Inet6 {
        /// Source (original client).
        src: SocketAddrV6,
        /// Destination.
        dst: SocketAddrV6,
    },
    /// UNIX socket paths (v2 only), trailing NUL padding removed.
    Unix {
        /// Source path bytes.
        src: &'a [u8],
        /// Destination path bytes.
        dst: &'a [u8],
    },
}

impl<'a> Addresses<'a> {
    /// The source (original client) as a socket address, if the header carries an IP one.
    ///
    /// ```
    /// use proxy_wire::{parse, Status};
    ///
    /// let Ok(Status::Complete { header, .. }) = parse(b"PROXY TCP4 192.0.2.1 192.0.2.2 1000 80\r\n") else { panic!() };
    /// assert_eq!(header.addresses().source(), Some("192.0.2.1:1000".parse().unwrap()));
    /// ```
    #[inline]
    pub fn source(&self) -> Option<SocketAddr> {
        match *self {
            Self::Inet { src, .. } => Some(SocketAddr::V4(src)),
            Self::Inet6 { src, .. } => Some(SocketAddr::V6(src)),
            Self::Unspec | Self::Unix { .. } => None,
        }
    }

    /// The destination as a socket address, if the header carries an IP one.
    ///
    /// ```
    /// use proxy_wire::Addresses;
    ///
    /// assert_eq!(Addresses::Unspec.destination(), None);
    /// ```
    #[inline]
    pub fn destination(&self) -> Option<SocketAddr> {
        match *self {
            Self::Inet { dst, .. } => Some(SocketAddr::V4(dst)),
            Self::Inet6 { dst, .. } => Some(SocketAddr::V6(dst)),
            Self::Unspec | Self::Unix { .. } => None,
        }
    }
}

/// Same families give `Inet` or `Inet6`; mixed families give `Inet6` with the IPv4 side
/// IPv4-mapped (`::ffff:a.b.c.d`), as HAProxy does ([conformance](crate::conformance) rule 15).
///
/// ```
/// use proxy_wire::Addresses;
/// use std::net::SocketAddr;
///
/// let v4: SocketAddr = "10.0.0.1:1".parse().unwrap();
/// assert!(matches!(Addresses::from((v4, v4)), Addresses::Inet { .. }));
/// ```
impl From<(SocketAddr, SocketAddr)> for Addresses<'_> {
    fn from((src, dst): (SocketAddr, SocketAddr)) -> Self {
        match (src, dst) {
            (SocketAddr::V4(src), SocketAddr::V4(dst)) => Self::Inet { src, dst },
            (src, dst) => Self::Inet6 {
                src: to_v6(src),
                dst: to_v6(dst),
            },
        }
    }
}

impl From<(SocketAddrV4, SocketAddrV4)> for Addresses<'_> {
    fn from((src, dst): (SocketAddrV4, SocketAddrV4)) -> Self {
        Self::Inet { src, dst }
    }
}

impl From<(SocketAddrV6, SocketAddrV6)> for Addresses<'_> {
    fn from((src, dst): (SocketAddrV6, SocketAddrV6)) -> Self {
        Self::Inet6 { src, dst }
    }
}

/// An IPv4 socket address becomes IPv4-mapped IPv6; an IPv6 one is kept.
pub(crate) fn to_v6(addr: SocketAddr) -> SocketAddrV6 {
    match addr {
        SocketAddr::V6(a) => a,
        SocketAddr::V4(a) => SocketAddrV6::new(a.ip().to_ipv6_mapped(), a.port(), 0, 0),
    }
}
