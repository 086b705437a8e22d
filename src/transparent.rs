//! Connect to a backend *from the client's own address* (Linux transparent proxying).
//!
//! A proxy that learned the client's address from a PROXY header can hand it on without any
//! protocol at all: it opens the backend connection with `IP_TRANSPARENT` (or
//! `IPV6_TRANSPARENT`) set, binds it to the client's IP address and connects, so the backend's
//! `accept()` returns the real client. This is what HAProxy calls `source 0.0.0.0 usesrc
//! clientip` ([`SourcePort::Ephemeral`]) and `usesrc client` ([`SourcePort::Client`]).
//!
//! Available with the `transparent` feature, on Linux and Android only; on other systems the
//! module does not exist (rather than silently connecting from the proxy's own address).
//!
//! ```no_run
//! use proxy_wire::transparent::{Connector, SourcePort};
//! use std::time::Duration;
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let line = b"PROXY TCP4 192.0.2.7 198.51.100.1 40000 443\r\n";
//! let (header, _) = proxy_wire::parse(line)?.complete().ok_or("incomplete")?;
//! let client = header.source().ok_or("no client address in the header")?;
//! let backend = "198.51.100.2:8080".parse()?;
//! let stream = Connector::new()
//!     .source_port(SourcePort::Ephemeral)
//!     .timeout(Duration::from_secs(3))
//!     .connect(client, backend)?;
//! assert_eq!(stream.local_addr()?.ip(), client.ip());
//! # Ok(())
//! # }
//! ```
//!
//! # Requirements
//!
//! * **Capability.** Setting the transparent option needs `CAP_NET_ADMIN` (or `CAP_NET_RAW`)
//!   in the network namespace's user namespace: run as root, or give the binary the capability
//!   (`setcap cap_net_admin+ep /path/to/proxy`, or `AmbientCapabilities=CAP_NET_ADMIN` in a
//!   systemd unit). Without it, [`Error::PermissionDenied`].
//! * **Routes, on both sides.** The backend answers the *client's* address, so
//!   1. the backend's route to client addresses must go through this host (its default
//!      gateway, or `ip route add 192.0.2.0/24 via <this host>` on the backend), and
//!   2. this host must deliver those replies locally instead of forwarding them.
//!
//!   If either is missing, the SYN leaves but the SYN-ACK never reaches the socket, and the
//!   connect ends in [`Error::TimedOut`].
//!
//! # Routing recipe
//!
//! On the proxy host, send packets that belong to a transparent socket to the local stack
//! (table 100 holds a single route that makes every address local):
//!
//! ```text
//! ip rule add fwmark 1 lookup 100
//! ip route add local 0.0.0.0/0 dev lo table 100
//! ip -6 rule add fwmark 1 lookup 100
//! ip -6 route add local ::/0 dev lo table 100
//! ```
//!
//! and mark those packets, with nftables:
//!
//! ```text
//! nft add table inet transparent
//! nft add chain inet transparent prerouting '{ type filter hook prerouting priority mangle; }'
//! nft add rule inet transparent prerouting meta l4proto tcp socket transparent 1 meta mark set 1
//! ```
//!
//! or with iptables (and the same with `ip6tables`):
//!
//! ```text
//! iptables -t mangle -A PREROUTING -p tcp -m socket --transparent -j MARK --set-mark 1
//! ```
//!
//! Without a firewall, an interface rule does the same job when the backends sit behind their
//! own interface (here `eth1`; `to` limits it to the client ranges, so nothing else arriving
//! there is swallowed):
//!
//! ```text
//! ip rule add iif eth1 to 192.0.2.0/24 lookup 100
//! ip route add local 192.0.2.0/24 dev lo table 100
//! ```
//!
//! On the backend (or the router in front of it), route the client ranges back via the proxy:
//!
//! ```text
//! ip route add 192.0.2.0/24 via 198.51.100.1
//! ```
//!
//! The integration test `tests/transparent_netns.rs` builds exactly this between two network
//! namespaces (with the interface rule) and checks what the backend's `accept()` sees.
//! `examples/transparent_connect.rs` checks a setup by hand, and
//! `examples/transparent_relay.rs` is a complete relay: PROXY header in, transparent
//! connection out.
//!
//! # Address families
//!
//! Both addresses are normalised first: an IPv4-mapped IPv6 address (`::ffff:192.0.2.7`, as a
//! dual-stack listener reports IPv4 clients) counts as IPv4, for the client and the backend
//! alike, so an IPv4 client reaches a backend given as `[::ffff:198.51.100.2]:80` over IPv4.
//! After that the families must match. An IPv4 client cannot be the source of a connection to
//! a native IPv6 backend (no IPv6 packet can carry an IPv4 source; Linux refuses such a
//! connect with `EAFNOSUPPORT`), nor the other way round: that is [`Error::FamilyMismatch`],
//! reported before any socket is created. Reach the backend over the client's family, or fall
//! back to an ordinary connection (and a PROXY header) for those clients.
//!
//! # Trust
//!
//! Whoever can send a PROXY header chooses the source address this host will use. Accept
//! headers only from peers you trust (the acceptor's trust policy), or anyone can make the
//! proxy connect to backends in the name of any address. Unspecified, multicast and broadcast
//! client addresses are refused with [`Error::InvalidClient`].

#![forbid(unsafe_code)] // socket2 does the system calls

use core::net::{IpAddr, Ipv4Addr, SocketAddr};
use core::time::Duration;
use std::io;
use std::net::TcpStream;

use socket2::{Domain, Protocol, SockAddr, Socket, Type};

/// Which source port the backend connection uses.
///
/// ```
/// use proxy_wire::transparent::SourcePort;
///
/// assert_eq!(SourcePort::default(), SourcePort::Ephemeral);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum SourcePort {
    /// The client's own port, as HAProxy's `usesrc client`: the backend sees exactly the
    /// client's address and port. The socket gets `SO_REUSEADDR`; a client that reconnects
    /// from the same port to the same backend while the old connection lingers in
    /// `TIME_WAIT` can still fail with [`Error::AddressNotAvailable`].
    Client,
    /// A port the kernel chooses, as HAProxy's `usesrc clientip`: the backend sees the
    /// client's IP address only. Never collides with an earlier connection.
    #[default]
    Ephemeral,
}

/// Opens backend connections bound to a client's address.
///
/// A small value built by chaining setters that take and return `Self`. The defaults are
/// [`SourcePort::Ephemeral`] and [`Connector::DEFAULT_TIMEOUT`]; one connector serves any
/// number of [`connect`](Self::connect) calls.
///
/// ```
/// use proxy_wire::transparent::{Connector, SourcePort};
/// use std::time::Duration;
///
/// let connector = Connector::new()
///     .source_port(SourcePort::Client)
///     .timeout(Duration::from_millis(1500));
/// assert_ne!(connector, Connector::default());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Connector {
    source_port: SourcePort,
    timeout: Duration,
}

impl Default for Connector {
    fn default() -> Self {
        Self::new()
    }
}

impl Connector {
    /// The connect timeout unless [`timeout`](Self::timeout) sets another: 5 seconds.
    ///
    /// ```
    /// use proxy_wire::transparent::Connector;
    ///
    /// assert_eq!(Connector::new().timeout(Connector::DEFAULT_TIMEOUT), Connector::new());
    /// ```
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);

    /// A connector with kernel-chosen source ports and a 5-second connect timeout.
    ///
    /// ```
    /// use proxy_wire::transparent::{Connector, SourcePort};
    ///
    /// let connector = Connector::new();
    /// assert_eq!(connector, Connector::new().source_port(SourcePort::Ephemeral));
    /// assert_eq!(connector, Connector::default());
    /// ```
    #[must_use]
    pub const fn new() -> Self {
        Self {
            source_port: SourcePort::Ephemeral,
            timeout: Self::DEFAULT_TIMEOUT,
        }
    }

    /// Chooses the source port mode (default [`SourcePort::Ephemeral`]).
    ///
    /// ```
    /// use proxy_wire::transparent::{Connector, SourcePort};
    ///
    /// let keep_port = Connector::new().source_port(SourcePort::Client);
    /// assert_ne!(keep_port, Connector::new());
    /// assert_eq!(keep_port.source_port(SourcePort::Ephemeral), Connector::new());
    /// ```
    #[must_use]
    pub const fn source_port(mut self, mode: SourcePort) -> Self {
        self.source_port = mode;
        self
    }

    /// Sets how long a connect may take before it fails with [`Error::TimedOut`] (default
    /// [`DEFAULT_TIMEOUT`](Self::DEFAULT_TIMEOUT)).
    ///
    /// A zero timeout fails every connect that does not complete at once.
    ///
    /// ```
    /// use proxy_wire::transparent::Connector;
    /// use std::time::Duration;
    ///
    /// let quick = Connector::new().timeout(Duration::from_secs(1));
    /// assert_ne!(quick, Connector::new());
    /// assert_eq!(quick.timeout(Duration::from_secs(5)), Connector::new());
    /// ```
    #[must_use]
    pub const fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Connects to `backend` from `client`'s IP address (and port, with
    /// [`SourcePort::Client`]), blocking for at most the timeout.
    ///
    /// `client` is typically [`Header::source`](crate::Header::source) of a header received
    /// from a trusted peer. The returned stream is in blocking mode.
    ///
    /// # Errors
    ///
    /// Each [`Error`] variant says what went wrong and what to change: a missing capability
    /// ([`Error::PermissionDenied`]), a missing reply route ([`Error::TimedOut`]), mixed
    /// address families ([`Error::FamilyMismatch`]), an unusable client address
    /// ([`Error::InvalidClient`]), a bind that did not take ([`Error::AddressNotAvailable`],
    /// [`Error::AddressInUse`], [`Error::Bind`]), or the backend refusing or being
    /// unreachable ([`Error::Connect`]).
    ///
    /// # Example
    ///
    /// On loopback, with 127.0.0.2 as the "client" (without the capability the call reports
    /// [`Error::PermissionDenied`], which this example accepts too):
    ///
    /// ```
    /// use proxy_wire::transparent::{Connector, Error};
    /// use std::net::TcpListener;
    ///
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let listener = TcpListener::bind("127.0.0.1:0")?;
    /// let client = "127.0.0.2:40000".parse()?;
    /// match Connector::new().connect(client, listener.local_addr()?) {
    ///     Ok(stream) => {
    ///         let (_, seen) = listener.accept()?;
    ///         assert_eq!(seen.ip(), client.ip());
    ///         assert_eq!(seen, stream.local_addr()?);
    ///     }
    ///     Err(Error::PermissionDenied(_)) => eprintln!("no CAP_NET_ADMIN here"),
    ///     Err(other) => return Err(other.into()),
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub fn connect(&self, client: SocketAddr, backend: SocketAddr) -> Result<TcpStream, Error> {
        let mut plan = Plan::new(client, backend)?;
        let socket = plan.bound_socket(self.source_port)?;
        match socket.connect_timeout(&SockAddr::from(plan.backend), self.timeout) {
            Ok(()) => Ok(TcpStream::from(socket)),
            Err(err) => Err(plan.connect_error(self.timeout, err)),
        }
    }

    /// The Tokio form of [`connect`](Self::connect) (feature `tokio`).
    ///
    /// # Errors
    ///
    /// As [`connect`](Self::connect).
    ///
    /// # Panics
    ///
    /// Outside a Tokio runtime with both its I/O and time drivers enabled, as Tokio's own
    /// `TcpSocket::connect` and `tokio::time::timeout` do.
    ///
    /// # Example
    ///
    /// ```
    /// use proxy_wire::transparent::{Connector, Error};
    ///
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    /// rt.block_on(async {
    ///     let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    ///     let client = "127.0.0.3:40000".parse()?;
    ///     match Connector::new().connect_tokio(client, listener.local_addr()?).await {
    ///         Ok(stream) => {
    ///             let (_, seen) = listener.accept().await?;
    ///             assert_eq!(seen, stream.local_addr()?);
    ///             assert_eq!(seen.ip(), client.ip());
    ///         }
    ///         Err(Error::PermissionDenied(_)) => eprintln!("no CAP_NET_ADMIN here"),
    ///         Err(other) => return Err(other.into()),
    ///     }
    ///     Ok(())
    /// })
    /// # }
    /// ```
    #[cfg(feature = "tokio")]
    #[cfg_attr(docsrs, doc(cfg(feature = "tokio")))]
    pub async fn connect_tokio(
        &self,
        client: SocketAddr,
        backend: SocketAddr,
    ) -> Result<tokio::net::TcpStream, Error> {
        let mut plan = Plan::new(client, backend)?;
        let socket = plan.bound_socket(self.source_port)?;
        socket
            .set_nonblocking(true)
            .map_err(|source| Error::Socket {
                op: "set O_NONBLOCK",
                source,
            })?;
        let socket = tokio::net::TcpSocket::from_std_stream(TcpStream::from(socket));
        match tokio::time::timeout(self.timeout, socket.connect(plan.backend)).await {
            Ok(Ok(stream)) => Ok(stream),
            Ok(Err(err)) => Err(plan.connect_error(self.timeout, err)),
            Err(_elapsed) => Err(Error::TimedOut {
                client: plan.bind,
                backend: plan.backend,
                timeout: self.timeout,
            }),
        }
    }
}

/// Normalised addresses of one connection attempt.
#[derive(Debug, Clone, Copy)]
struct Plan {
    /// The client address, canonical (never IPv4-mapped).
    client: SocketAddr,
    /// The backend address, canonical and of the client's family.
    backend: SocketAddr,
    /// Where the socket is bound; set by `bound_socket`, `client` until then.
    bind: SocketAddr,
}

impl Plan {
    fn new(client: SocketAddr, backend: SocketAddr) -> Result<Self, Error> {
        let client = canonical(client);
        let backend = canonical(backend);
        if client.is_ipv4() != backend.is_ipv4() {
            return Err(Error::FamilyMismatch { client, backend });
        }
        let usable = match client.ip() {
            IpAddr::V4(ip) => {
                !(ip.is_unspecified() || ip.is_multicast() || ip == Ipv4Addr::BROADCAST)
            }
            IpAddr::V6(ip) => !(ip.is_unspecified() || ip.is_multicast()),
        };
        if !usable {
            return Err(Error::InvalidClient { client });
        }
        Ok(Self {
            client,
            backend,
            bind: client,
        })
    }

    /// A TCP socket with the transparent option set, bound to the client address.
    fn bound_socket(&mut self, mode: SourcePort) -> Result<Socket, Error> {
        let socket = Socket::new(
            Domain::for_address(self.backend),
            Type::STREAM,
            Some(Protocol::TCP),
        )
        .map_err(|source| Error::Socket {
            op: "create a TCP socket",
            source,
        })?;
        let transparent = if self.client.is_ipv4() {
            socket.set_ip_transparent_v4(true)
        } else {
            socket.set_ip_transparent_v6(true)
        };
        transparent.map_err(|source| match source.raw_os_error() {
            Some(EPERM) => Error::PermissionDenied(source),
            _ => Error::Socket {
                op: "set IP_TRANSPARENT",
                source,
            },
        })?;
        self.bind = match mode {
            SourcePort::Client => {
                socket
                    .set_reuse_address(true)
                    .map_err(|source| Error::Socket {
                        op: "set SO_REUSEADDR",
                        source,
                    })?;
                self.client
            }
            SourcePort::Ephemeral => SocketAddr::new(self.client.ip(), 0),
        };
        socket
            .bind(&SockAddr::from(self.bind))
            .map_err(|source| self.bind_error(source))?;
        Ok(socket)
    }

    fn bind_error(&self, source: io::Error) -> Error {
        let client = self.bind;
        match source.raw_os_error() {
            Some(EADDRNOTAVAIL) => Error::AddressNotAvailable { client, source },
            Some(EADDRINUSE) => Error::AddressInUse { client, source },
            _ => Error::Bind { client, source },
        }
    }

    fn connect_error(&self, timeout: Duration, source: io::Error) -> Error {
        let (client, backend) = (self.bind, self.backend);
        if source.kind() == io::ErrorKind::TimedOut || source.raw_os_error() == Some(ETIMEDOUT) {
            Error::TimedOut {
                client,
                backend,
                timeout,
            }
        } else if source.raw_os_error() == Some(EADDRNOTAVAIL) {
            Error::AddressNotAvailable { client, source }
        } else {
            Error::Connect {
                client,
                backend,
                source,
            }
        }
    }
}

// Linux errno values (identical on every Linux architecture and on Android).
const EPERM: i32 = 1;
const EADDRINUSE: i32 = 98;
const EADDRNOTAVAIL: i32 = 99;
const ETIMEDOUT: i32 = 110;

/// Shows a bound address, or only its IP when the kernel chooses the port (port 0).
struct Source(SocketAddr);

impl core::fmt::Display for Source {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self.0 {
            SocketAddr::V4(a) if a.port() == 0 => write!(f, "{}", a.ip()),
            SocketAddr::V6(a) if a.port() == 0 => write!(f, "[{}]", a.ip()),
            a => write!(f, "{a}"),
        }
    }
}

fn canonical(addr: SocketAddr) -> SocketAddr {
    SocketAddr::new(addr.ip().to_canonical(), addr.port())
}

/// Why a transparent connection could not be made; each message says what to change.
///
/// Converts into [`io::Error`] with a matching [`io::ErrorKind`] (`PermissionDenied`,
/// `AddrNotAvailable`, `AddrInUse`, `TimedOut`, `InvalidInput`, or the kind of the OS error).
/// The OS error, where there is one, is the [`source`](std::error::Error::source).
///
/// ```
/// use proxy_wire::transparent::{Connector, Error};
///
/// let client = "192.0.2.7:40000".parse().unwrap();
/// let backend = "[2001:db8::2]:80".parse().unwrap();
/// let err = Connector::new().connect(client, backend).unwrap_err();
/// assert!(matches!(err, Error::FamilyMismatch { .. }));
/// assert_eq!(std::io::Error::from(err).kind(), std::io::ErrorKind::InvalidInput);
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Setting `IP_TRANSPARENT`/`IPV6_TRANSPARENT` failed with `EPERM`.
    #[error(
        "setting IP_TRANSPARENT was refused (EPERM): the process lacks CAP_NET_ADMIN (or \
         CAP_NET_RAW); run it as root, grant the capability (`setcap cap_net_admin+ep <binary>` \
         or AmbientCapabilities=CAP_NET_ADMIN) or use an ordinary connection"
    )]
    PermissionDenied(#[source] io::Error),
    /// Binding to (or connecting from) the client address failed with `EADDRNOTAVAIL`.
    #[error(
        "cannot use client address {} as source (EADDRNOTAVAIL): the transparent option did \
         not take effect on this socket, or (with the client's port) that connection to the \
         backend still exists, e.g. in TIME_WAIT; try SourcePort::Ephemeral",
        Source(*client)
    )]
    AddressNotAvailable {
        /// The address the socket was bound to (port 0: chosen by the kernel).
        client: SocketAddr,
        /// The OS error.
        #[source]
        source: io::Error,
    },
    /// Binding to the client's address and port failed with `EADDRINUSE`.
    #[error(
        "client address {client} is already in use on this host (EADDRINUSE): another socket \
         holds this address and port; use SourcePort::Ephemeral to let the kernel pick a port"
    )]
    AddressInUse {
        /// The address the socket was bound to (port 0: chosen by the kernel).
        client: SocketAddr,
        /// The OS error.
        #[source]
        source: io::Error,
    },
    /// The connect did not complete within the timeout.
    #[error(
        "connecting from {} to {backend} timed out after {timeout:?}: the backend's replies \
         to {} most likely do not come back to this socket; the backend must route the \
         client's address via this host, and this host must deliver it locally (`ip rule add \
         fwmark 1 lookup 100`, `ip route add local 0.0.0.0/0 dev lo table 100` plus a \
         socket-transparent mark rule, or an `iif` rule; see the proxy_wire::transparent docs)",
        Source(*client),
        client.ip()
    )]
    TimedOut {
        /// The address the socket was bound to (port 0: chosen by the kernel).
        client: SocketAddr,
        /// The backend address.
        backend: SocketAddr,
        /// The timeout that elapsed.
        timeout: Duration,
    },
    /// The client and backend addresses are of different families, even after IPv4-mapped
    /// IPv6 addresses count as IPv4.
    #[error(
        "client {client} and backend {backend} are of different address families: a \
         connection has one family, so reach the backend over the client's family or use an \
         ordinary connection for this client"
    )]
    FamilyMismatch {
        /// The client address (canonical form).
        client: SocketAddr,
        /// The backend address (canonical form).
        backend: SocketAddr,
    },
    /// The client address is unspecified, multicast or broadcast.
    #[error("client address {client} cannot be a connection source (unspecified, multicast or broadcast)")]
    InvalidClient {
        /// The client address (canonical form).
        client: SocketAddr,
    },
    /// Binding to the client address failed for another reason.
    #[error("cannot bind to client address {}", Source(*client))]
    Bind {
        /// The address the socket was bound to (port 0: chosen by the kernel).
        client: SocketAddr,
        /// The OS error.
        #[source]
        source: io::Error,
    },
    /// The backend refused the connection or could not be reached.
    #[error("connecting from {} to {backend} failed", Source(*client))]
    Connect {
        /// The address the socket was bound to (port 0: chosen by the kernel).
        client: SocketAddr,
        /// The backend address.
        backend: SocketAddr,
        /// The OS error.
        #[source]
        source: io::Error,
    },
    /// Creating or configuring the socket failed.
    #[error("cannot {op}")]
    Socket {
        /// What was being done.
        op: &'static str,
        /// The OS error.
        #[source]
        source: io::Error,
    },
}

impl Error {
    /// The [`io::ErrorKind`] this error converts to.
    ///
    /// ```
    /// use proxy_wire::transparent::{Connector, Error};
    /// use std::io::ErrorKind;
    ///
    /// let err = Connector::new()
    ///     .connect("0.0.0.0:1".parse().unwrap(), "192.0.2.1:80".parse().unwrap())
    ///     .unwrap_err();
    /// assert!(matches!(err, Error::InvalidClient { .. }));
    /// assert_eq!(err.kind(), ErrorKind::InvalidInput);
    /// ```
    pub fn kind(&self) -> io::ErrorKind {
        match self {
            Self::PermissionDenied(_) => io::ErrorKind::PermissionDenied,
            Self::AddressNotAvailable { .. } => io::ErrorKind::AddrNotAvailable,
            Self::AddressInUse { .. } => io::ErrorKind::AddrInUse,
            Self::TimedOut { .. } => io::ErrorKind::TimedOut,
            Self::FamilyMismatch { .. } | Self::InvalidClient { .. } => io::ErrorKind::InvalidInput,
            Self::Bind { source, .. }
            | Self::Connect { source, .. }
            | Self::Socket { source, .. } => source.kind(),
        }
    }
}

impl From<Error> for io::Error {
    /// An [`io::Error`] of [`Error::kind`] wrapping the error, so its message is kept.
    fn from(err: Error) -> Self {
        io::Error::new(err.kind(), err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::string::ToString;

    fn addr(s: &str) -> SocketAddr {
        s.parse().unwrap()
    }

    #[test]
    fn setters_chain_by_value() {
        let connector = Connector::new();
        assert_eq!(connector.source_port, SourcePort::Ephemeral);
        assert_eq!(connector.timeout, Connector::DEFAULT_TIMEOUT);
        let connector = connector
            .source_port(SourcePort::Client)
            .timeout(Duration::from_millis(250));
        assert_eq!(connector.source_port, SourcePort::Client);
        assert_eq!(connector.timeout, Duration::from_millis(250));
        // Usable in constants: a configuration can be fixed at compile time.
        const FIXED: Connector = Connector::new().timeout(Duration::from_secs(1));
        assert_eq!(FIXED.timeout, Duration::from_secs(1));
    }

    #[test]
    fn mapped_addresses_count_as_ipv4() {
        let plan = Plan::new(addr("[::ffff:192.0.2.7]:4000"), addr("198.51.100.2:80")).unwrap();
        assert_eq!(plan.client, addr("192.0.2.7:4000"));
        let plan = Plan::new(addr("192.0.2.7:4000"), addr("[::ffff:198.51.100.2]:80")).unwrap();
        assert_eq!(plan.backend, addr("198.51.100.2:80"));
        let plan = Plan::new(addr("[2001:db8::7]:4000"), addr("[2001:db8::2]:80")).unwrap();
        assert_eq!(plan.client, addr("[2001:db8::7]:4000"));
    }

    #[test]
    fn mixed_families_fail_before_any_socket() {
        for (client, backend) in [
            ("192.0.2.7:4000", "[2001:db8::2]:80"),
            ("[2001:db8::7]:4000", "198.51.100.2:80"),
            ("[::ffff:192.0.2.7]:4000", "[2001:db8::2]:80"),
        ] {
            let err = Connector::new()
                .connect(addr(client), addr(backend))
                .unwrap_err();
            assert!(matches!(err, Error::FamilyMismatch { .. }), "{err:?}");
            assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
            assert!(err.to_string().contains("different address families"));
        }
    }

    #[test]
    fn unusable_client_addresses_are_refused() {
        for client in [
            "0.0.0.0:1",
            "224.0.0.1:1",
            "255.255.255.255:1",
            "[::]:1",
            "[ff02::1]:1",
            "[::ffff:0.0.0.0]:1",
        ] {
            let backend = if addr(client).ip().to_canonical().is_ipv4() {
                "198.51.100.2:80"
            } else {
                "[2001:db8::2]:80"
            };
            let err = Plan::new(addr(client), addr(backend)).unwrap_err();
            assert!(
                matches!(err, Error::InvalidClient { .. }),
                "{client}: {err:?}"
            );
        }
    }

    #[test]
    fn os_errors_map_to_advice() {
        let plan = Plan::new(addr("192.0.2.7:4000"), addr("198.51.100.2:80")).unwrap();
        let os = io::Error::from_raw_os_error;

        let err = plan.bind_error(os(EADDRNOTAVAIL));
        assert!(matches!(err, Error::AddressNotAvailable { .. }));
        assert_eq!(err.kind(), io::ErrorKind::AddrNotAvailable);
        assert!(err
            .to_string()
            .contains("transparent option did not take effect"));

        let err = plan.bind_error(os(EADDRINUSE));
        assert!(matches!(err, Error::AddressInUse { .. }));
        assert!(err.to_string().contains("SourcePort::Ephemeral"));

        let err = plan.bind_error(os(13)); // EACCES: a port below 1024 without the capability
        assert!(matches!(err, Error::Bind { .. }));
        assert_eq!(err.kind(), io::ErrorKind::PermissionDenied);

        let timeout = Duration::from_millis(250);
        for source in [os(ETIMEDOUT), io::Error::from(io::ErrorKind::TimedOut)] {
            let err = plan.connect_error(timeout, source);
            assert!(matches!(err, Error::TimedOut { .. }), "{err:?}");
            let text = err.to_string();
            assert!(text.contains("ip rule add fwmark 1 lookup 100"), "{text}");
            assert!(text.contains("250ms"), "{text}");
        }

        let err = plan.connect_error(timeout, os(111)); // ECONNREFUSED
        assert!(matches!(err, Error::Connect { .. }));
        assert_eq!(err.kind(), io::ErrorKind::ConnectionRefused);
        let io_err = io::Error::from(err);
        assert_eq!(io_err.kind(), io::ErrorKind::ConnectionRefused);
        assert!(io_err.to_string().contains("198.51.100.2:80"));

        let err = plan.connect_error(timeout, os(EADDRNOTAVAIL));
        assert!(matches!(err, Error::AddressNotAvailable { .. }));
    }

    #[test]
    fn kernel_chosen_port_is_not_shown_as_zero() {
        let mut plan = Plan::new(addr("[2001:db8::7]:4000"), addr("[2001:db8::2]:80")).unwrap();
        plan.bind = addr("[2001:db8::7]:0");
        let text = plan
            .connect_error(
                Duration::from_secs(1),
                io::Error::from_raw_os_error(ETIMEDOUT),
            )
            .to_string();
        assert!(
            text.starts_with("connecting from [2001:db8::7] to [2001:db8::2]:80 timed out"),
            "{text}"
        );
        assert!(
            text.contains("replies to 2001:db8::7 most likely"),
            "{text}"
        );
        plan.bind = addr("[2001:db8::7]:4000");
        let text = plan
            .connect_error(Duration::from_secs(1), io::Error::from_raw_os_error(111))
            .to_string();
        assert_eq!(
            text,
            "connecting from [2001:db8::7]:4000 to [2001:db8::2]:80 failed"
        );
        // the same for IPv4
        let mut plan = Plan::new(addr("192.0.2.7:4000"), addr("198.51.100.2:80")).unwrap();
        for (bind, shown) in [
            ("192.0.2.7:0", "192.0.2.7 "),
            ("192.0.2.7:4000", "192.0.2.7:4000 "),
        ] {
            plan.bind = addr(bind);
            let text = plan
                .connect_error(Duration::from_secs(1), io::Error::from_raw_os_error(111))
                .to_string();
            assert_eq!(
                text,
                std::format!("connecting from {shown}to 198.51.100.2:80 failed")
            );
        }
    }

    #[test]
    fn permission_message_names_the_capability() {
        let err = Error::PermissionDenied(io::Error::from_raw_os_error(EPERM));
        let text = err.to_string();
        assert!(
            text.contains("CAP_NET_ADMIN") && text.contains("EPERM"),
            "{text}"
        );
        assert_eq!(err.kind(), io::ErrorKind::PermissionDenied);
    }
}
