//! [`Header`]: a parsed header of either version, with the accessors a server needs.
#![forbid(unsafe_code)]

use core::net::SocketAddr;

use crate::addr::Addresses;
use crate::encode::Encode;
use crate::error::EncodeError;
use crate::{v1, v2};

/// A parsed header of either version.
///
/// ```
/// use proxy_wire::{parse, Header, Status};
///
/// let Ok(Status::Complete { header, .. }) = parse(b"PROXY TCP6 2001:db8::1 2001:db8::2 1 2\r\n") else { panic!() };
/// assert!(matches!(header, Header::V1(_)));
/// assert_eq!(header.version(), 1);
/// assert_eq!(header.destination(), Some("[2001:db8::2]:2".parse().unwrap()));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[allow(clippy::exhaustive_enums)] // a new version would be a new major release
pub enum Header<'a> {
    /// A v1 (text) header.
    V1(v1::Header),
    /// A v2 (binary) header, a view over the input.
    V2(v2::Header<'a>),
}

impl<'a> Header<'a> {
    /// The header whose bytes the parser accepted as exactly one header, from its decoded
    /// line if it is a v1 one (a v2 header is a view over `bytes`): how the owned headers
    /// and the `embedded` readers give it back without parsing again.
    pub(crate) const fn from_checked(v1: Option<v1::Header>, bytes: &'a [u8]) -> Self {
        match v1 {
            Some(h) => Self::V1(h),
            None => Self::V2(v2::Header::new_unchecked(bytes)),
        }
    }

    /// The decoded line of a v1 header, the part of it that does not borrow the input.
    pub(crate) const fn v1_line(&self) -> Option<v1::Header> {
        match self {
            Self::V1(h) => Some(*h),
            Self::V2(_) => None,
        }
    }

    /// 1 or 2.
    ///
    /// ```
    /// # use proxy_wire::parse;
    /// let (h, _) = parse(b"\r\n\r\n\0\r\nQUIT\n\x20\x00\x00\x00").unwrap().complete().unwrap();
    /// assert_eq!(h.version(), 2);
    /// ```
    pub const fn version(&self) -> u8 {
        match self {
            Self::V1(_) => 1,
            Self::V2(_) => 2,
        }
    }

    // The accessors a server calls on every connection are `#[inline]`: in a build without
    // LTO a call into this crate costs more than they do (benches/instructions, v2_local).
    /// The carried addresses; `Unspec` for v1 `UNKNOWN`, v2 `LOCAL` and v2 family `UNSPEC`,
    /// where the receiver uses the real connection's addresses.
    ///
    /// ```
    /// # use proxy_wire::{parse, Addresses};
    /// let (h, _) = parse(b"PROXY UNKNOWN\r\n").unwrap().complete().unwrap();
    /// assert_eq!(h.addresses(), Addresses::Unspec);
    /// ```
    #[inline]
    pub fn addresses(&self) -> Addresses<'a> {
        match self {
            Self::V1(h) => h.addresses(),
            Self::V2(h) => h.addresses(),
        }
    }

    /// The original client's address, when the header carries an IP one.
    ///
    /// ```
    /// # use proxy_wire::parse;
    /// let (h, _) = parse(b"PROXY TCP4 192.0.2.1 192.0.2.2 1000 80\r\n").unwrap().complete().unwrap();
    /// assert_eq!(h.source(), Some("192.0.2.1:1000".parse().unwrap()));
    /// ```
    #[inline]
    pub fn source(&self) -> Option<SocketAddr> {
        self.addresses().source()
    }

    /// The original destination, when the header carries an IP one.
    ///
    /// ```
    /// # use proxy_wire::parse;
    /// let (h, _) = parse(b"PROXY TCP4 192.0.2.1 192.0.2.2 1000 80\r\n").unwrap().complete().unwrap();
    /// assert_eq!(h.destination(), Some("192.0.2.2:80".parse().unwrap()));
    /// ```
    #[inline]
    pub fn destination(&self) -> Option<SocketAddr> {
        self.addresses().destination()
    }

    /// The v2 command; v1 `TCP4`/`TCP6` are `Proxy`, v1 `UNKNOWN` is `Local` (use the real
    /// connection's addresses).
    ///
    /// ```
    /// # use proxy_wire::{parse, v2::Command};
    /// let (h, _) = parse(b"PROXY UNKNOWN\r\n").unwrap().complete().unwrap();
    /// assert_eq!(h.command(), Command::Local);
    /// ```
    pub fn command(&self) -> v2::Command {
        match self {
            Self::V1(v1::Header::Unknown) => v2::Command::Local,
            Self::V1(_) => v2::Command::Proxy,
            Self::V2(h) => h.command(),
        }
    }

    /// The TLVs (none for v1).
    ///
    /// ```
    /// # use proxy_wire::parse;
    /// let (h, _) = parse(b"PROXY UNKNOWN\r\n").unwrap().complete().unwrap();
    /// assert_eq!(h.tlvs().count(), 0);
    /// ```
    #[inline]
    pub fn tlvs(&self) -> v2::Tlvs<'a> {
        match self {
            Self::V1(_) => v2::Tlvs::new(&[], 0),
            Self::V2(h) => h.tlvs(),
        }
    }

    /// The value of the first AUTHORITY TLV: the host name the client asked for (TLS SNI).
    /// `None` without one, or if it is not UTF-8 as the specification requires (the raw
    /// bytes are in [`Header::tlvs`]).
    ///
    /// ```
    /// use proxy_wire::{parse, v2, Encode};
    ///
    /// let src: std::net::SocketAddr = "192.0.2.1:56324".parse()?;
    /// let dst: std::net::SocketAddr = "192.0.2.2:443".parse()?;
    /// let tlvs = [v2::TlvSpec::Authority("example.com"), v2::TlvSpec::Alpn(b"h2")];
    /// let mut buf = [0u8; 64];
    /// let n = v2::Builder::proxy(v2::Protocol::Stream, (src, dst)).tlvs(&tlvs).encode(&mut buf)?;
    /// let (header, _) = parse(&buf[..n])?.complete().unwrap();
    /// assert_eq!(header.authority(), Some("example.com"));
    /// assert_eq!(header.alpn(), Some(&b"h2"[..]));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn authority(&self) -> Option<&'a str> {
        match self.find_tlv(v2::TlvType::AUTHORITY)?.value() {
            Ok(v2::TlvValue::Authority(host)) => Some(host),
            _ => None,
        }
    }

    /// The value of the first ALPN TLV: the application protocol negotiated with the client
    /// (`h2`, `http/1.1`).
    ///
    /// ```
    /// # use proxy_wire::parse;
    /// let (h, _) = parse(b"\r\n\r\n\0\r\nQUIT\n\x20\x00\x00\x05\x01\x00\x02h2").unwrap().complete().unwrap();
    /// assert_eq!(h.alpn(), Some(&b"h2"[..]));
    /// ```
    pub fn alpn(&self) -> Option<&'a [u8]> {
        self.find_tlv(v2::TlvType::ALPN).map(|t| t.value_bytes())
    }

    /// The value of the first UNIQUE_ID TLV (at most 128 bytes, checked by the parser).
    ///
    /// ```
    /// # use proxy_wire::parse;
    /// let (h, _) = parse(b"\r\n\r\n\0\r\nQUIT\n\x20\x00\x00\x05\x05\x00\x02id").unwrap().complete().unwrap();
    /// assert_eq!(h.unique_id(), Some(&b"id"[..]));
    /// ```
    pub fn unique_id(&self) -> Option<&'a [u8]> {
        self.find_tlv(v2::TlvType::UNIQUE_ID)
            .map(|t| t.value_bytes())
    }

    /// The first SSL TLV: how the client connected to the proxy (TLS or not, certificate
    /// verified or not) and its sub-TLVs (version, client certificate CN, cipher, ...).
    ///
    /// ```
    /// use proxy_wire::{parse, v2};
    ///
    /// let input = b"\r\n\r\n\0\r\nQUIT\n\x20\x00\x00\x16\x20\x00\x13\x03\x00\x00\x00\x00\x22\x00\x0bclient.test";
    /// let (h, _) = parse(input).unwrap().complete().unwrap();
    /// let ssl = h.ssl().unwrap();
    /// assert!(ssl.client().contains(v2::SslClient::CERT_CONN) && ssl.is_verified());
    /// assert_eq!(ssl.cn(), Some("client.test"));
    /// ```
    pub fn ssl(&self) -> Option<v2::Ssl<'a>> {
        match self {
            Self::V1(_) => None,
            Self::V2(h) => h.ssl(),
        }
    }

    /// The value of the first NETNS TLV: the name of the network namespace the proxy accepted
    /// the connection in (US-ASCII; `None` if it is not).
    ///
    /// ```
    /// # use proxy_wire::parse;
    /// let (h, _) = parse(b"\r\n\r\n\0\r\nQUIT\n\x20\x00\x00\x06\x30\x00\x03red").unwrap().complete().unwrap();
    /// assert_eq!(h.netns(), Some("red"));
    /// ```
    pub fn netns(&self) -> Option<&'a str> {
        match self.find_tlv(v2::TlvType::NETNS)?.value() {
            Ok(v2::TlvValue::Netns(name)) => Some(name),
            _ => None,
        }
    }

    /// The AWS VPC endpoint id (TLV `0xEA`, subtype `0x01`) an AWS Network Load Balancer
    /// sends for PrivateLink connections, e.g. `vpce-08d2bf15fac5001c9`.
    ///
    /// ```
    /// # use proxy_wire::parse;
    /// let (h, _) = parse(b"\r\n\r\n\0\r\nQUIT\n\x20\x00\x00\x0a\xea\x00\x07\x01vpce-1").unwrap().complete().unwrap();
    /// assert_eq!(h.aws_vpce_id(), Some("vpce-1"));
    /// ```
    pub fn aws_vpce_id(&self) -> Option<&'a str> {
        self.find_value(v2::TlvType::AWS, |v| match v {
            v2::TlvValue::AwsVpceId(id) => Some(id),
            _ => None,
        })
    }

    /// The Azure private endpoint link id (TLV `0xEE`, subtype `0x01`, little-endian on the
    /// wire) that Azure Private Link sends.
    ///
    /// ```
    /// # use proxy_wire::parse;
    /// let (h, _) = parse(b"\r\n\r\n\0\r\nQUIT\n\x20\x00\x00\x08\xee\x00\x05\x01\xef\xbe\xad\xde").unwrap().complete().unwrap();
    /// assert_eq!(h.azure_link_id(), Some(0xdead_beef));
    /// ```
    pub fn azure_link_id(&self) -> Option<u32> {
        self.find_value(v2::TlvType::AZURE, |v| match v {
            v2::TlvValue::AzurePrivateEndpointLinkId(id) => Some(id),
            _ => None,
        })
    }

    /// The Google Cloud Private Service Connect connection id (TLV `0xE0`, 8 bytes
    /// big-endian).
    ///
    /// ```
    /// # use proxy_wire::parse;
    /// let (h, _) = parse(b"\r\n\r\n\0\r\nQUIT\n\x20\x00\x00\x0b\xe0\x00\x08\0\0\0\0\0\0\x01\x02").unwrap().complete().unwrap();
    /// assert_eq!(h.gcp_psc_id(), Some(0x0102));
    /// ```
    pub fn gcp_psc_id(&self) -> Option<u64> {
        self.find_value(v2::TlvType::GCP, |v| match v {
            v2::TlvValue::GcpPscConnectionId(id) => Some(id),
            _ => None,
        })
    }

    fn find_tlv(&self, tlv_type: v2::TlvType) -> Option<v2::Tlv<'a>> {
        match self {
            Self::V1(_) => None,
            Self::V2(h) => h.find_tlv(tlv_type),
        }
    }

    /// The first TLV of vendor type `tlv_type` whose value decodes to what `pick` takes:
    /// vendors carry several subtypes under one type.
    fn find_value<T>(
        &self,
        tlv_type: v2::TlvType,
        pick: impl Fn(v2::TlvValue<'a>) -> Option<T>,
    ) -> Option<T> {
        self.tlvs()
            .filter(|t| t.tlv_type() == tlv_type)
            .find_map(|t| t.value().ok().and_then(&pick))
    }
}

impl Encode for Header<'_> {
    fn encoded_len(&self) -> usize {
        match self {
            Self::V1(h) => h.encoded_len(),
            Self::V2(h) => h.encoded_len(),
        }
    }

    fn encode(&self, out: &mut [u8]) -> Result<usize, EncodeError> {
        match self {
            Self::V1(h) => h.encode(out),
            Self::V2(h) => h.encode(out),
        }
    }
}
