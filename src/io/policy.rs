//! Who may send a header: [`Cidr`] trust lists, [`HeaderPolicy`] and [`AcceptorConfig`].

#![forbid(unsafe_code)]

use core::fmt;
use core::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use core::str::FromStr;
use core::time::Duration;
use std::panic::{RefUnwindSafe, UnwindSafe};
use std::sync::Arc;
use std::vec::Vec;

use crate::config::ParserConfig;
use crate::header::Header;

/// An IPv4 or IPv6 prefix such as `10.0.0.0/8` or `2001:db8::/32`, used to list the peers
/// (load balancers, proxies) trusted to send a PROXY header.
///
/// Matching is on the TCP peer address. An IPv4-mapped IPv6 peer (`::ffff:10.1.2.3`, as a
/// dual-stack listener reports IPv4 clients) matches IPv4 prefixes.
///
/// ```
/// use proxy_wire::io::Cidr;
///
/// let net: Cidr = "10.0.0.0/8".parse()?;
/// assert!(net.contains("10.1.2.3".parse()?));
/// assert!(net.contains("::ffff:10.1.2.3".parse()?));
/// assert!(!net.contains("11.0.0.1".parse()?));
/// let host: Cidr = "::1".parse()?; // no prefix: one address
/// assert_eq!(host.to_string(), "::1/128");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Cidr {
    addr: IpAddr,
    prefix: u8,
}

/// Why a [`Cidr`] could not be built or parsed.
///
/// ```
/// use proxy_wire::io::Cidr;
///
/// let err = "10.0.0.0/33".parse::<Cidr>().unwrap_err();
/// assert_eq!(err.to_string(), "invalid CIDR prefix: prefix length above the address width");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("invalid CIDR prefix: {reason}")]
pub struct CidrError {
    reason: &'static str,
}

impl Cidr {
    /// The prefix `addr/prefix_len`; bits of `addr` past the prefix are cleared.
    ///
    /// # Errors
    /// [`CidrError`] if `prefix_len` exceeds 32 (IPv4) or 128 (IPv6).
    ///
    /// ```
    /// use proxy_wire::io::Cidr;
    /// use std::net::Ipv4Addr;
    ///
    /// let net = Cidr::new(Ipv4Addr::new(192, 0, 2, 77).into(), 24)?;
    /// assert_eq!(net.to_string(), "192.0.2.0/24");
    /// assert!(Cidr::new(Ipv4Addr::LOCALHOST.into(), 33).is_err());
    /// # Ok::<(), proxy_wire::io::CidrError>(())
    /// ```
    pub fn new(addr: IpAddr, prefix_len: u8) -> Result<Self, CidrError> {
        let too_long = CidrError {
            reason: "prefix length above the address width",
        };
        let addr = match addr {
            IpAddr::V4(a) => {
                if prefix_len > 32 {
                    return Err(too_long);
                }
                IpAddr::V4(Ipv4Addr::from(u32::from(a) & mask32(prefix_len)))
            }
            IpAddr::V6(a) => {
                if prefix_len > 128 {
                    return Err(too_long);
                }
                IpAddr::V6(Ipv6Addr::from(u128::from(a) & mask128(prefix_len)))
            }
        };
        Ok(Self {
            addr,
            prefix: prefix_len,
        })
    }

    /// Whether `ip` lies in this prefix. IPv4-mapped IPv6 addresses are compared as IPv4.
    ///
    /// ```
    /// # use proxy_wire::io::Cidr;
    /// let net: Cidr = "2001:db8::/32".parse()?;
    /// assert!(net.contains("2001:db8:ffff::1".parse()?));
    /// assert!(!net.contains("192.0.2.1".parse()?));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.addr, ip.to_canonical()) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                u32::from(ip) & mask32(self.prefix) == u32::from(net)
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                u128::from(ip) & mask128(self.prefix) == u128::from(net)
            }
            _ => false,
        }
    }
}

fn mask32(prefix: u8) -> u32 {
    u32::MAX
        .checked_shl(32 - u32::from(prefix.min(32)))
        .unwrap_or(0)
}

fn mask128(prefix: u8) -> u128 {
    u128::MAX
        .checked_shl(128 - u32::from(prefix.min(128)))
        .unwrap_or(0)
}

impl FromStr for Cidr {
    type Err = CidrError;

    /// `addr/len`, or a bare address meaning a single host (`/32` or `/128`).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (addr, prefix) = match s.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s, None),
        };
        let addr: IpAddr = addr.parse().map_err(|_| CidrError {
            reason: "not an IP address",
        })?;
        let prefix = match prefix {
            None if addr.is_ipv4() => 32,
            None => 128,
            Some(p) if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) && p.len() <= 3 => {
                p.parse().map_err(|_| CidrError {
                    reason: "prefix length above the address width",
                })?
            }
            Some(_) => {
                return Err(CidrError {
                    reason: "prefix length is not a decimal number",
                })
            }
        };
        Self::new(addr, prefix)
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix)
    }
}

/// What the acceptor does with a connection, decided by its TCP peer address: the
/// [trusted policy](AcceptorConfig::trusted_policy) for peers in a
/// [trusted prefix](AcceptorConfig::trust) (every peer while none is listed), the
/// [untrusted policy](AcceptorConfig::untrusted_policy) for the others.
///
/// ```
/// use proxy_wire::io::{connect_with_header, Acceptor, AcceptorConfig, HeaderPolicy};
/// use std::io::Read;
///
/// // Only 127.0.0.2 may send a header; this client (127.0.0.1) is served as a plain one.
/// let config = AcceptorConfig::new()
///     .trust("127.0.0.2".parse()?)
///     .untrusted_policy(HeaderPolicy::Skip);
/// let acceptor = Acceptor::bind("127.0.0.1:0", config)?;
/// let client = connect_with_header(acceptor.local_addr(), &proxy_wire::v1::Header::Unknown)?;
/// client.shutdown(std::net::Shutdown::Write)?;
/// let mut conn = acceptor.accept()?;
/// assert!(conn.header().is_none());
/// let mut data = String::new();
/// conn.stream_mut().read_to_string(&mut data)?;
/// assert_eq!(data, "PROXY UNKNOWN\r\n"); // Skip: the header stays in the data
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum HeaderPolicy {
    /// A PROXY header must come first; a connection without a valid one is an error and is
    /// closed. The default.
    #[default]
    Require,
    /// **Spoofable.** Use a header when the connection starts with one, and pass the connection
    /// on without one otherwise.
    ///
    /// Anyone who can connect under this policy can claim any client address by sending a
    /// header, so only use it for peers you trust (via [`AcceptorConfig::trust`]) during a
    /// migration. The acceptor decides from the first bytes: bytes that cannot start a
    /// signature mean "no header" and are left unread; a client that sends nothing at all
    /// within the header timeout is passed on without one (so server-speaks-first protocols
    /// get delayed by the timeout: prefer [`HeaderPolicy::Skip`] for those).
    OptionalSpoofable,
    /// The peer must not send a header: a connection starting with a PROXY signature is an
    /// error; any other is passed on with nothing read. Like `OptionalSpoofable`, it waits for
    /// the first bytes (up to the header timeout).
    Refuse,
    /// The connection is passed on as it is: no byte is read or looked at. A header the peer
    /// sends stays in the data, where the application protocol will see it.
    Skip,
    /// The connection is closed at once with an error.
    Reject,
}

/// Settings for an acceptor: parser options, header timeout, trust lists and policies.
///
/// By default every peer must send a header ([`HeaderPolicy::Require`]), the header
/// timeout is 5 s, and up to 1024 connections may await their header at once. Once one or
/// more prefixes are trusted with [`AcceptorConfig::trust`], peers outside them get the
/// untrusted policy ([`HeaderPolicy::Reject`] by default). Every setter takes the
/// configuration and returns it, so they chain.
///
/// ```
/// use proxy_wire::io::{AcceptorConfig, HeaderPolicy};
/// use std::time::Duration;
///
/// let config = AcceptorConfig::new()
///     .header_timeout(Duration::from_secs(2))
///     .trust("10.0.0.0/8".parse()?)
///     .trust("2001:db8::/32".parse()?)
///     .untrusted_policy(HeaderPolicy::Reject);
/// let _acceptor = proxy_wire::io::Acceptor::bind("127.0.0.1:0", config)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct AcceptorConfig {
    pub(crate) parser: ParserConfig,
    pub(crate) header_timeout: Duration,
    pub(crate) max_pending: usize,
    trusted: Vec<Cidr>,
    trusted_policy: HeaderPolicy,
    untrusted_policy: HeaderPolicy,
    pub(crate) validate: Option<Validator>,
}

/// The hook of [`AcceptorConfig::validate`], shared by every connection's handshake.
#[derive(Clone)]
pub(crate) struct Validator(Arc<Check>);

/// The closure behind a [`Validator`].
type Check = dyn Fn(SocketAddr, Option<Header<'_>>) -> bool + Send + Sync;

// A hook that panics refuses its connection (the panic is caught where it is called, in
// `io::sans::admit`), so no caller sees state a panic left half-done: the config stays
// unwind-safe whatever the closure holds.
impl UnwindSafe for Validator {}
impl RefUnwindSafe for Validator {}

impl Validator {
    pub(crate) fn check(&self, peer: SocketAddr, header: Option<Header<'_>>) -> bool {
        (self.0)(peer, header)
    }
}

impl fmt::Debug for AcceptorConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AcceptorConfig")
            .field("parser", &self.parser)
            .field("header_timeout", &self.header_timeout)
            .field("max_pending", &self.max_pending)
            .field("trusted", &self.trusted)
            .field("trusted_policy", &self.trusted_policy)
            .field("untrusted_policy", &self.untrusted_policy)
            .field("validate", &self.validate.as_ref().map(|_| "Fn"))
            .finish()
    }
}

impl Default for AcceptorConfig {
    fn default() -> Self {
        Self::new()
    }
}

impl AcceptorConfig {
    /// Default header timeout: 5 seconds.
    pub const DEFAULT_HEADER_TIMEOUT: Duration = Duration::from_secs(5);
    /// Default bound on connections awaiting their header at once: 1024.
    pub const DEFAULT_MAX_PENDING: usize = 1024;

    /// The defaults: header required from every peer, 5 s header timeout, 1024 pending.
    ///
    /// ```
    /// let config = proxy_wire::io::AcceptorConfig::new();
    /// assert_eq!(format!("{config:?}"), format!("{:?}", proxy_wire::io::AcceptorConfig::default()));
    /// ```
    #[must_use]
    pub fn new() -> Self {
        Self {
            parser: ParserConfig::new(),
            header_timeout: Self::DEFAULT_HEADER_TIMEOUT,
            max_pending: Self::DEFAULT_MAX_PENDING,
            trusted: Vec::new(),
            trusted_policy: HeaderPolicy::Require,
            untrusted_policy: HeaderPolicy::Reject,
            validate: None,
        }
    }

    /// Parser options (versions accepted, largest v2 header).
    ///
    /// ```
    /// use proxy_wire::io::{connect_with_header, Acceptor, AcceptorConfig};
    /// use proxy_wire::{v1, ParserConfig};
    ///
    /// let config = AcceptorConfig::new().parser(ParserConfig::new().accept_v1(false));
    /// let acceptor = Acceptor::bind("127.0.0.1:0", config)?;
    /// let _client = connect_with_header(acceptor.local_addr(), &v1::Header::Unknown)?;
    /// let err = acceptor.accept().unwrap_err(); // a v1 header, and v1 is off
    /// assert!(matches!(err.reason(), proxy_wire::io::RejectReason::Invalid(_)));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn parser(mut self, parser: ParserConfig) -> Self {
        self.parser = parser;
        self
    }

    /// How long a connection may take to deliver its whole header (from the moment it is
    /// accepted). The timeout ends once the header is read; it does not apply to the data.
    ///
    /// ```
    /// use proxy_wire::io::{Acceptor, AcceptorConfig};
    /// use std::time::Duration;
    ///
    /// let config = AcceptorConfig::new().header_timeout(Duration::from_millis(50));
    /// let acceptor = Acceptor::bind("127.0.0.1:0", config)?;
    /// let _silent = std::net::TcpStream::connect(acceptor.local_addr())?;
    /// let err = acceptor.accept().unwrap_err();
    /// assert_eq!(err.reason(), proxy_wire::io::RejectReason::TimedOut);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn header_timeout(mut self, timeout: Duration) -> Self {
        self.header_timeout = timeout;
        self
    }

    /// How many connections may await their header at once (at least 1). When that many
    /// are pending, new connections wait in the kernel's backlog until one finishes.
    ///
    /// ```
    /// use proxy_wire::io::{connect_with_header, Acceptor, AcceptorConfig};
    ///
    /// let acceptor = Acceptor::bind("127.0.0.1:0", AcceptorConfig::new().max_pending(1))?;
    /// let _client = connect_with_header(acceptor.local_addr(), &proxy_wire::v1::Header::Unknown)?;
    /// assert!(acceptor.accept()?.header().is_some());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn max_pending(mut self, max: usize) -> Self {
        self.max_pending = max.max(1);
        self
    }

    /// Adds a trusted prefix. With at least one, peers outside every trusted prefix get the
    /// [untrusted policy](AcceptorConfig::untrusted_policy).
    ///
    /// ```
    /// use proxy_wire::io::{connect_with_header, Acceptor, AcceptorConfig};
    ///
    /// // This client connects from 127.0.0.1, outside the one trusted address.
    /// let config = AcceptorConfig::new().trust("127.0.0.2".parse()?);
    /// let acceptor = Acceptor::bind("127.0.0.1:0", config)?;
    /// let _client = connect_with_header(acceptor.local_addr(), &proxy_wire::v1::Header::Unknown)?;
    /// let err = acceptor.accept().unwrap_err(); // untrusted: Reject by default
    /// assert_eq!(err.reason(), proxy_wire::io::RejectReason::Untrusted);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn trust(mut self, prefix: Cidr) -> Self {
        self.trusted.push(prefix);
        self
    }

    /// The policy for trusted peers (every peer while no prefix is trusted); default
    /// [`HeaderPolicy::Require`].
    ///
    /// ```
    /// use proxy_wire::io::{Acceptor, AcceptorConfig, HeaderPolicy};
    /// use std::io::Write;
    ///
    /// let config = AcceptorConfig::new().trusted_policy(HeaderPolicy::OptionalSpoofable);
    /// let acceptor = Acceptor::bind("127.0.0.1:0", config)?;
    /// let mut client = std::net::TcpStream::connect(acceptor.local_addr())?;
    /// client.write_all(b"GET / HTTP/1.1\r\n\r\n")?; // no header: passed on as it is
    /// let conn = acceptor.accept()?;
    /// assert_eq!((conn.header().is_none(), conn.source()), (true, client.local_addr()?));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn trusted_policy(mut self, policy: HeaderPolicy) -> Self {
        self.trusted_policy = policy;
        self
    }

    /// The policy for peers outside the trusted prefixes; default [`HeaderPolicy::Reject`].
    /// [`HeaderPolicy::Skip`] serves them as plain connections (their own address is the
    /// client's), [`HeaderPolicy::Refuse`] does so too but rejects those that send a header.
    ///
    /// ```
    /// use proxy_wire::io::{connect_with_header, Acceptor, AcceptorConfig, HeaderPolicy};
    ///
    /// let config = AcceptorConfig::new()
    ///     .trust("10.0.0.0/8".parse()?)
    ///     .untrusted_policy(HeaderPolicy::Refuse);
    /// let acceptor = Acceptor::bind("127.0.0.1:0", config)?;
    /// let _client = connect_with_header(acceptor.local_addr(), &proxy_wire::v2::Builder::local())?;
    /// let err = acceptor.accept().unwrap_err(); // a header from a peer that may not send one
    /// assert_eq!(err.reason(), proxy_wire::io::RejectReason::Refused);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn untrusted_policy(mut self, policy: HeaderPolicy) -> Self {
        self.untrusted_policy = policy;
        self
    }

    /// A check every connection must pass after its policy: it sees the TCP peer and the
    /// header (`None` when the policy passed the connection without one) and returns whether
    /// to accept it. A refused connection is closed with [`RejectReason::Denied`], and so is
    /// one whose check panics. It runs on the task or thread that read the header, so it
    /// should not block.
    ///
    /// [`RejectReason::Denied`]: crate::io::RejectReason::Denied
    ///
    /// ```
    /// use proxy_wire::io::{connect_with_header, Acceptor, AcceptorConfig, RejectReason};
    /// use proxy_wire::v2::{Builder, TlvSpec};
    ///
    /// // Only connections through one AWS PrivateLink endpoint.
    /// let config = AcceptorConfig::new()
    ///     .validate(|_peer, header| header.and_then(|h| h.aws_vpce_id()) == Some("vpce-08d2bf15fac5001c9"));
    /// let acceptor = Acceptor::bind("127.0.0.1:0", config)?;
    /// let _other = connect_with_header(acceptor.local_addr(), &Builder::local())?;
    /// assert_eq!(acceptor.accept().unwrap_err().reason(), RejectReason::Denied);
    /// let tlvs = [TlvSpec::AwsVpceId("vpce-08d2bf15fac5001c9")];
    /// let _vpce = connect_with_header(acceptor.local_addr(), &Builder::local().tlvs(&tlvs))?;
    /// assert!(acceptor.accept().is_ok());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn validate<F>(mut self, check: F) -> Self
    where
        F: Fn(SocketAddr, Option<Header<'_>>) -> bool + Send + Sync + 'static,
    {
        self.validate = Some(Validator(Arc::new(check)));
        self
    }

    /// The policy that applies to a TCP peer.
    pub(crate) fn policy_for(&self, peer: IpAddr) -> HeaderPolicy {
        if self.trusted.is_empty() || self.trusted.iter().any(|c| c.contains(peer)) {
            self.trusted_policy
        } else {
            self.untrusted_policy
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::string::ToString;

    #[test]
    fn masks() {
        assert_eq!(mask32(0), 0);
        assert_eq!(mask32(32), u32::MAX);
        assert_eq!(mask32(8), 0xff00_0000);
        assert_eq!(mask128(0), 0);
        assert_eq!(mask128(128), u128::MAX);
    }

    #[test]
    fn parse_cidrs() {
        let c: Cidr = "0.0.0.0/0".parse().unwrap();
        assert!(c.contains("203.0.113.9".parse().unwrap()));
        assert!(!c.contains("::2".parse().unwrap()));
        for bad in [
            "",
            "10.0.0.0/",
            "10.0.0.0/x",
            "10.0.0.0/-1",
            "::/129",
            "10/8",
            "1.2.3.4/0008",
        ] {
            assert!(bad.parse::<Cidr>().is_err(), "{bad}");
        }
        // no prefix: the one address, of either family
        let one: Cidr = "::1".parse().unwrap();
        assert_eq!(one.to_string(), "::1/128");
        assert!(one.contains("::1".parse().unwrap()));
        assert!(!one.contains("::2".parse().unwrap()));
        let one: Cidr = "10.1.2.3".parse().unwrap();
        assert_eq!(one.to_string(), "10.1.2.3/32");
        assert!(!one.contains("10.1.2.4".parse().unwrap()));
        let c: Cidr = "192.0.2.255/25".parse().unwrap();
        assert_eq!(c.to_string(), "192.0.2.128/25");
        assert!(c.contains("192.0.2.200".parse().unwrap()));
        assert!(!c.contains("192.0.2.100".parse().unwrap()));
    }

    #[test]
    fn policy_per_peer() {
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        let config = AcceptorConfig::new();
        assert_eq!(config.policy_for(ip("192.0.2.1")), HeaderPolicy::Require);
        let config = config.trust("127.0.0.1".parse().unwrap());
        assert_eq!(config.policy_for(ip("127.0.0.1")), HeaderPolicy::Require);
        assert_eq!(
            config.policy_for(ip("::ffff:127.0.0.1")),
            HeaderPolicy::Require
        );
        assert_eq!(config.policy_for(ip("192.0.2.1")), HeaderPolicy::Reject);
        let config = config
            .trust("2001:db8::/32".parse().unwrap())
            .trusted_policy(HeaderPolicy::OptionalSpoofable)
            .untrusted_policy(HeaderPolicy::Skip);
        assert_eq!(
            config.policy_for(ip("2001:db8::5")),
            HeaderPolicy::OptionalSpoofable
        );
        assert_eq!(config.policy_for(ip("::1")), HeaderPolicy::Skip);
        assert_eq!(AcceptorConfig::new().max_pending(0).max_pending, 1);
    }

    #[test]
    fn setters_set_what_they_name() {
        let parser = ParserConfig::new().accept_v1(false);
        let config = AcceptorConfig::new()
            .parser(parser)
            .header_timeout(Duration::from_millis(250));
        assert_eq!(config.parser, parser);
        assert_eq!(config.header_timeout, Duration::from_millis(250));
        assert!(config.validate.is_none());
        let debug = std::format!("{config:?}");
        assert!(debug.starts_with("AcceptorConfig { parser: "), "{debug}");
        assert!(debug.contains("header_timeout: 250ms"), "{debug}");
        assert!(debug.contains("validate: None"), "{debug}");

        let peer: SocketAddr = "192.0.2.1:4000".parse().unwrap();
        let config = config.validate(|peer, header| peer.port() == 4000 && header.is_none());
        let hook = config.validate.as_ref().unwrap();
        assert!(hook.check(peer, None));
        assert!(!hook.check("192.0.2.1:4001".parse().unwrap(), None));
        assert!(std::format!("{config:?}").contains("validate: Some(\"Fn\")"));
    }
}
