//! The other PROXY protocol crates on crates.io, doing the work of `super::ours` for each case
//! with their own APIs, for `benches/compare.rs`.
//!
//! Per crate one module with `parse_any(&[u8]) -> Option<u64>` (parse with the crate's
//! auto-detecting entry point, walk the addresses, every TLV and every SSL sub-TLV, verify the
//! CRC32C where the crate can, fold everything into the shared digest), used for every case,
//! and `encode_<case>(&mut Vec<u8>) -> Option<usize>` (build the header from the constants and
//! leave exactly the expected bytes in `out`). [`Other::cannot`] names the cases a crate cannot
//! do (they are not run); their `encode_<case>` return `None`.

#![allow(dead_code)]

use crate::common::{Case, EncodeFn, ParseFn};

/// One crate under comparison.
pub struct Other {
    pub name: &'static str,
    pub version: &'static str,
    pub parse: fn(Case) -> ParseFn,
    pub encode: fn(Case) -> EncodeFn,
    /// Why the crate cannot do an operation on a case, for the bench's output.
    pub cannot: fn(Op, Case) -> Option<&'static str>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Parse,
    Encode,
}

macro_rules! table {
    ($m:ident) => {{
        // Every crate parses every case with its one auto-detecting entry point; the cases it
        // cannot do are named by `cannot` and not run.
        fn parse(_case: Case) -> ParseFn {
            $m::parse_any
        }
        fn encode(case: Case) -> EncodeFn {
            match case {
                Case::V1Tcp4 => $m::encode_v1_tcp4,
                Case::V1Tcp6 => $m::encode_v1_tcp6,
                Case::V1Unknown => $m::encode_v1_unknown,
                Case::V2Local => $m::encode_v2_local,
                Case::V2Tcp4 => $m::encode_v2_tcp4,
                Case::V2Tcp6 => $m::encode_v2_tcp6,
                Case::V2Unix => $m::encode_v2_unix,
                Case::V2Tlvs => $m::encode_v2_tlvs,
                Case::V2TlvsNoCrc => $m::encode_v2_tlvs_nocrc,
            }
        }
        (parse as fn(Case) -> ParseFn, encode as fn(Case) -> EncodeFn)
    }};
}

pub fn others() -> [Other; 4] {
    let (p1, e1) = table!(ppp_impl);
    let (p2, e2) = table!(proxy_header_impl);
    let (p3, e3) = table!(proxy_protocol_impl);
    let (p4, e4) = table!(proxyproto_impl);
    [
        Other {
            name: "ppp",
            version: "2.3.0",
            parse: p1,
            encode: e1,
            cannot: |op, case| match (op, case) {
                (Op::Encode, Case::V2Tlvs) => {
                    Some("has no CRC32C code, cannot compute the checksum")
                }
                _ => None,
            },
        },
        Other {
            name: "proxy-header",
            version: "0.1.3",
            parse: p2,
            encode: e2,
            cannot: |op, case| match (op, case) {
                (Op::Parse, Case::V2Unix) => {
                    Some("skips AF_UNIX addresses, the paths are not exposed")
                }
                (Op::Encode, Case::V2Unix) => Some("cannot encode AF_UNIX addresses"),
                (Op::Encode, Case::V2Tlvs) => Some("cannot compute a CRC32C"),
                _ => None,
            },
        },
        Other {
            name: "proxy-protocol",
            version: "0.5.0",
            parse: p3,
            encode: e3,
            cannot: |op, case| match (op, case) {
                (Op::Parse, Case::V2Tlvs | Case::V2TlvsNoCrc) => {
                    Some("skips TLVs, none is exposed (and no CRC32C)")
                }
                (Op::Encode, Case::V2Tlvs | Case::V2TlvsNoCrc) => Some("cannot encode TLVs"),
                _ => None,
            },
        },
        Other {
            name: "proxyproto",
            version: "0.2.1",
            parse: p4,
            encode: e4,
            cannot: |_, _| None,
        },
    ]
}

// ---------------------------------------------------------------------------
// ppp 2.3.0
// ---------------------------------------------------------------------------

/// `ppp` 2.3.0. Parse: `ppp::HeaderResult::parse` (tries v2, falls back to v1),
/// then `v2::Header::tlvs()`; SSL sub-TLVs walked with the crate's own
/// `TypeLengthValues` iterator over the SSL value; UTF-8 of AUTHORITY and the
/// SSL strings checked by hand (ppp only hands out raw bytes). Zero-copy:
/// the header borrows the input (`Cow::Borrowed`), TLVs borrow too.
/// CRC32C: NOT verified (ppp has no CRC32C code at all).
/// Encode: v1 via `Display` of `v1::Addresses` into the reused buffer;
/// v2 via `v2::Builder`, which always returns a fresh `Vec` (no way to pass
/// a buffer in).
pub mod ppp_impl {
    use crate::common::cases::*;
    use crate::common::digest::Digest;
    use crate::common::pp2;
    use ppp::v2::{
        self, Builder, Command, Protocol, Type, TypeLengthValues, Version, WriteToHeader,
    };
    use ppp::{v1, HeaderResult};
    use std::io::Write as _;

    fn digest_v1(h: &v1::Header<'_>) -> u64 {
        let mut d = Digest::new();
        match h.addresses {
            v1::Addresses::Unknown => d.local(),
            v1::Addresses::Tcp4(a) => d.addr_v4(
                a.source_address.octets(),
                a.destination_address.octets(),
                a.source_port,
                a.destination_port,
            ),
            v1::Addresses::Tcp6(a) => d.addr_v6(
                a.source_address.octets(),
                a.destination_address.octets(),
                a.source_port,
                a.destination_port,
            ),
        }
        d.finish()
    }

    fn digest_v2(h: &v2::Header<'_>) -> Option<u64> {
        let mut d = Digest::new();
        match (h.command, &h.addresses) {
            (v2::Command::Local, _) | (_, v2::Addresses::Unspecified) => d.local(),
            (_, v2::Addresses::IPv4(a)) => d.addr_v4(
                a.source_address.octets(),
                a.destination_address.octets(),
                a.source_port,
                a.destination_port,
            ),
            (_, v2::Addresses::IPv6(a)) => d.addr_v6(
                a.source_address.octets(),
                a.destination_address.octets(),
                a.source_port,
                a.destination_port,
            ),
            (_, v2::Addresses::Unix(u)) => d.unix(&u.source, &u.destination),
        }
        for tlv in h.tlvs() {
            let tlv = tlv.ok()?;
            let value: &[u8] = &tlv.value;
            match tlv.kind {
                pp2::NOOP => d.noop(value.len()),
                pp2::CRC32C => {
                    // ppp cannot verify the checksum; we only read it.
                    d.crc(u32::from_be_bytes(value.try_into().ok()?));
                }
                pp2::AUTHORITY => {
                    let s = std::str::from_utf8(value).ok()?;
                    d.tlv(pp2::AUTHORITY, s.as_bytes());
                }
                pp2::SSL => {
                    if value.len() < 5 {
                        return None;
                    }
                    d.ssl(
                        value[0],
                        u32::from_be_bytes(value[1..5].try_into().unwrap()),
                    );
                    for sub in TypeLengthValues::from(&value[5..]) {
                        let sub = sub.ok()?;
                        let sv: &[u8] = &sub.value;
                        if (pp2::SSL_VERSION..=pp2::SSL_KEY_ALG).contains(&sub.kind) {
                            std::str::from_utf8(sv).ok()?;
                        }
                        d.tlv(sub.kind, sv);
                    }
                }
                kind => d.tlv(kind, value),
            }
        }
        Some(d.finish())
    }

    /// What a server does: auto-detect the version, parse, walk everything.
    #[inline]
    pub fn parse_any(input: &[u8]) -> Option<u64> {
        match HeaderResult::parse(input) {
            HeaderResult::V1(Ok(h)) => Some(digest_v1(&h)),
            HeaderResult::V2(Ok(h)) => digest_v2(&h),
            _ => None,
        }
    }

    // ---- encode ----------------------------------------------------------

    fn v1_into(out: &mut Vec<u8>, a: v1::Addresses) -> Option<usize> {
        out.clear();
        write!(out, "{a}").ok()?;
        Some(out.len())
    }

    pub fn encode_v1_tcp4(out: &mut Vec<u8>) -> Option<usize> {
        v1_into(
            out,
            v1::Addresses::new_tcp4(V4_SRC, V4_DST, V4_SPORT, V4_DPORT),
        )
    }
    pub fn encode_v1_tcp6(out: &mut Vec<u8>) -> Option<usize> {
        v1_into(
            out,
            v1::Addresses::new_tcp6(V6_SRC, V6_DST, V6_SPORT, V6_DPORT),
        )
    }
    pub fn encode_v1_unknown(out: &mut Vec<u8>) -> Option<usize> {
        v1_into(out, v1::Addresses::Unknown)
    }

    fn take(out: &mut Vec<u8>, v: std::io::Result<Vec<u8>>) -> Option<usize> {
        // Builder::build always returns a new Vec; hand it over.
        *out = v.ok()?;
        Some(out.len())
    }

    pub fn encode_v2_local(out: &mut Vec<u8>) -> Option<usize> {
        take(
            out,
            Builder::new(Version::Two | Command::Local, 0x00).build(),
        )
    }
    pub fn encode_v2_tcp4(out: &mut Vec<u8>) -> Option<usize> {
        let a = v2::IPv4::new(V4_SRC, V4_DST, V4_SPORT, V4_DPORT);
        take(
            out,
            Builder::with_addresses(Version::Two | Command::Proxy, Protocol::Stream, a).build(),
        )
    }
    pub fn encode_v2_tcp6(out: &mut Vec<u8>) -> Option<usize> {
        let a = v2::IPv6::new(V6_SRC, V6_DST, V6_SPORT, V6_DPORT);
        take(
            out,
            Builder::with_addresses(Version::Two | Command::Proxy, Protocol::Stream, a).build(),
        )
    }
    pub fn encode_v2_unix(out: &mut Vec<u8>) -> Option<usize> {
        let a = v2::Unix::new(UNIX_SRC, UNIX_DST);
        take(
            out,
            Builder::with_addresses(Version::Two | Command::Proxy, Protocol::Stream, a).build(),
        )
    }

    fn tlvs_builder() -> std::io::Result<Builder> {
        // SSL value assembled with ppp's own Writer / WriteToHeader.
        let mut w = v2::Writer::default();
        SSL_CLIENT.write_to(&mut w)?;
        SSL_VERIFY.write_to(&mut w)?;
        (Type::SSLVersion, SSL_VERSION.as_bytes()).write_to(&mut w)?;
        (Type::SSLCommonName, SSL_CN.as_bytes()).write_to(&mut w)?;
        let ssl = w.finish();
        let a = v2::IPv4::new(V4_SRC, V4_DST, V4_SPORT, V4_DPORT);
        Builder::with_addresses(Version::Two | Command::Proxy, Protocol::Stream, a)
            .reserve_capacity(3 + 2 + 3 + 11 + 3 + 32 + 3 + ssl.len() + 3 + 13 + 7)
            .write_tlv(Type::ALPN, ALPN)?
            .write_tlv(Type::Authority, AUTHORITY.as_bytes())?
            .write_tlv(Type::UniqueId, &UNIQUE_ID)?
            .write_tlv(Type::SSL, &ssl)?
            .write_tlv(Type::NoOp, &[0u8; NOOP_LEN])
    }

    /// None: ppp cannot compute a CRC32C (no checksum code in the crate); a
    /// caller could append a CRC TLV it computed itself, but that is not ppp
    /// doing the job.
    pub fn encode_v2_tlvs(_out: &mut Vec<u8>) -> Option<usize> {
        None
    }
    pub fn encode_v2_tlvs_nocrc(out: &mut Vec<u8>) -> Option<usize> {
        take(out, tlvs_builder().and_then(|b| b.build()))
    }
}

// ---------------------------------------------------------------------------
// proxy-header 0.1.3
// ---------------------------------------------------------------------------

/// `proxy-header` 0.1.3. Parse: `ProxyHeader::parse(buf, ParseConfig::default())`
/// (auto-detects v1/v2), then `tlvs()` yielding typed `Tlv` (UTF-8 checked by
/// the crate, `Cow::Borrowed`, zero-copy) and `SslInfo::tlvs()` for sub-TLVs.
/// CRC32C: NOT verified (the TLV is decoded to a `u32`, nothing checks it).
/// AF_UNIX: validated and skipped, addresses not exposed -> `None`.
/// Encode: `encode_v1` / `encode_v2` append to a caller `Vec` (reused buffer);
/// TLVs are pre-serialized into an owned `Vec` by `with_tlvs`/`append_tlv`.
pub mod proxy_header_impl {
    use crate::common::cases::*;
    use crate::common::digest::Digest;
    use crate::common::pp2;
    use proxy_header::{ParseConfig, ProxiedAddress, ProxyHeader, SslInfo, Tlv};
    use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

    fn ip_pair(d: &mut Digest, a: &ProxiedAddress) {
        match (a.source.ip(), a.destination.ip()) {
            (IpAddr::V4(s), IpAddr::V4(t)) => d.addr_v4(
                s.octets(),
                t.octets(),
                a.source.port(),
                a.destination.port(),
            ),
            (IpAddr::V6(s), IpAddr::V6(t)) => d.addr_v6(
                s.octets(),
                t.octets(),
                a.source.port(),
                a.destination.port(),
            ),
            _ => unreachable!("crate guarantees matching families"),
        }
    }

    fn ssl_client_byte(s: &SslInfo<'_>) -> u8 {
        // SslInfo keeps the raw byte private; rebuild it from the accessors.
        (s.client_ssl() as u8)
            | (s.client_cert_conn() as u8) << 1
            | (s.client_cert_sess() as u8) << 2
    }

    fn sub_tlv(d: &mut Digest, t: &Tlv<'_>) -> Option<()> {
        match t {
            Tlv::SslVersion(v) => d.tlv(pp2::SSL_VERSION, v.as_bytes()),
            Tlv::SslCn(v) => d.tlv(pp2::SSL_CN, v.as_bytes()),
            Tlv::SslCipher(v) => d.tlv(pp2::SSL_CIPHER, v.as_bytes()),
            Tlv::SslSigAlg(v) => d.tlv(pp2::SSL_SIG_ALG, v.as_bytes()),
            Tlv::SslKeyAlg(v) => d.tlv(pp2::SSL_KEY_ALG, v.as_bytes()),
            Tlv::Custom(k, v) => d.tlv(*k, v),
            _ => return None,
        }
        Some(())
    }

    /// What a server does: auto-detect, parse, walk everything.
    #[inline]
    pub fn parse_any(input: &[u8]) -> Option<u64> {
        let (h, _len) = ProxyHeader::parse(input, ParseConfig::default()).ok()?;
        let mut d = Digest::new();
        match h.proxied_address() {
            // None = v1 UNKNOWN, v2 LOCAL, AF_UNSPEC *and* AF_UNIX (not exposed).
            None => d.local(),
            Some(a) => ip_pair(&mut d, a),
        }
        for t in h.tlvs() {
            match t.ok()? {
                Tlv::Alpn(v) => d.tlv(pp2::ALPN, &v),
                Tlv::Authority(v) => d.tlv(pp2::AUTHORITY, v.as_bytes()),
                Tlv::Crc32c(c) => d.crc(c), // read, not verified
                Tlv::Noop(n) => d.noop(n),
                Tlv::UniqueId(v) => d.tlv(pp2::UNIQUE_ID, &v),
                Tlv::Netns(v) => d.tlv(pp2::NETNS, v.as_bytes()),
                Tlv::Ssl(s) => {
                    d.ssl(ssl_client_byte(&s), s.verify());
                    for st in s.tlvs() {
                        sub_tlv(&mut d, &st.ok()?)?;
                    }
                }
                Tlv::Custom(k, v) => d.tlv(k, &v),
                _ => return None, // SSL sub-TLV at top level
            }
        }
        Some(d.finish())
    }

    // ---- encode ----------------------------------------------------------

    fn v4() -> ProxiedAddress {
        ProxiedAddress::stream(
            SocketAddr::new(Ipv4Addr::from(V4_SRC).into(), V4_SPORT),
            SocketAddr::new(Ipv4Addr::from(V4_DST).into(), V4_DPORT),
        )
    }
    fn v6() -> ProxiedAddress {
        ProxiedAddress::stream(
            SocketAddr::new(Ipv6Addr::from(V6_SRC).into(), V6_SPORT),
            SocketAddr::new(Ipv6Addr::from(V6_DST).into(), V6_DPORT),
        )
    }

    fn v1(out: &mut Vec<u8>, h: ProxyHeader<'_>) -> Option<usize> {
        out.clear();
        h.encode_v1(out).ok()?;
        Some(out.len())
    }
    fn v2(out: &mut Vec<u8>, h: ProxyHeader<'_>) -> Option<usize> {
        out.clear();
        h.encode_v2(out).ok()?;
        Some(out.len())
    }

    pub fn encode_v1_tcp4(out: &mut Vec<u8>) -> Option<usize> {
        v1(out, ProxyHeader::with_address(v4()))
    }
    pub fn encode_v1_tcp6(out: &mut Vec<u8>) -> Option<usize> {
        v1(out, ProxyHeader::with_address(v6()))
    }
    pub fn encode_v1_unknown(out: &mut Vec<u8>) -> Option<usize> {
        v1(out, ProxyHeader::with_local())
    }
    pub fn encode_v2_local(out: &mut Vec<u8>) -> Option<usize> {
        v2(out, ProxyHeader::with_local())
    }
    pub fn encode_v2_tcp4(out: &mut Vec<u8>) -> Option<usize> {
        v2(out, ProxyHeader::with_address(v4()))
    }
    pub fn encode_v2_tcp6(out: &mut Vec<u8>) -> Option<usize> {
        v2(out, ProxyHeader::with_address(v6()))
    }
    /// None: `ProxiedAddress` only holds `SocketAddr`; no AF_UNIX encoding.
    pub fn encode_v2_unix(_out: &mut Vec<u8>) -> Option<usize> {
        None
    }
    /// None: the crate can write a `Tlv::Crc32c(value)` but cannot compute it.
    pub fn encode_v2_tlvs(_out: &mut Vec<u8>) -> Option<usize> {
        None
    }
    pub fn encode_v2_tlvs_nocrc(out: &mut Vec<u8>) -> Option<usize> {
        let mut ssl = SslInfo::new(true, true, true, SSL_VERIFY);
        ssl.append_tlv(Tlv::SslVersion(SSL_VERSION.into()));
        ssl.append_tlv(Tlv::SslCn(SSL_CN.into()));
        let h = ProxyHeader::with_tlvs(
            Some(v4()),
            [
                Tlv::Alpn(ALPN.into()),
                Tlv::Authority(AUTHORITY.into()),
                Tlv::UniqueId(UNIQUE_ID[..].into()),
                Tlv::Ssl(ssl),
                Tlv::Noop(NOOP_LEN),
            ],
        );
        v2(out, h)
    }
}

// ---------------------------------------------------------------------------
// proxy-protocol 0.5.0
// ---------------------------------------------------------------------------

/// `proxy-protocol` 0.5.0. Parse: `proxy_protocol::parse(&mut impl bytes::Buf)`
/// (auto-detects v1/v2; we pass `&mut &[u8]`, which advances past the
/// header). Returns an owned enum of addresses (copied, no heap); TLVs are
/// skipped over and dropped (`TODO: Implement TLVs` in the source), so the
/// TLV cases are `None`. No CRC32C support.
/// Encode: `proxy_protocol::encode(ProxyHeader)` returns a fresh `BytesMut`
/// (no reusable buffer); converted to `Vec` without copying.
pub mod proxy_protocol_impl {
    use crate::common::cases::*;
    use crate::common::digest::Digest;
    use proxy_protocol::{version1 as v1, version2 as v2, ProxyHeader};
    use std::net::{Ipv4Addr, Ipv6Addr, SocketAddrV4, SocketAddrV6};

    /// What a server does: auto-detect, parse.
    #[inline]
    pub fn parse_any(input: &[u8]) -> Option<u64> {
        let mut buf = input;
        let h = proxy_protocol::parse(&mut buf).ok()?;
        let mut d = Digest::new();
        match h {
            ProxyHeader::Version1 { addresses } => match addresses {
                v1::ProxyAddresses::Unknown => d.local(),
                v1::ProxyAddresses::Ipv4 {
                    source: s,
                    destination: t,
                } => d.addr_v4(s.ip().octets(), t.ip().octets(), s.port(), t.port()),
                v1::ProxyAddresses::Ipv6 {
                    source: s,
                    destination: t,
                } => d.addr_v6(s.ip().octets(), t.ip().octets(), s.port(), t.port()),
            },
            ProxyHeader::Version2 {
                command, addresses, ..
            } => match (command, addresses) {
                (v2::ProxyCommand::Local, _) | (_, v2::ProxyAddresses::Unspec) => d.local(),
                (
                    _,
                    v2::ProxyAddresses::Ipv4 {
                        source: s,
                        destination: t,
                    },
                ) => d.addr_v4(s.ip().octets(), t.ip().octets(), s.port(), t.port()),
                (
                    _,
                    v2::ProxyAddresses::Ipv6 {
                        source: s,
                        destination: t,
                    },
                ) => d.addr_v6(s.ip().octets(), t.ip().octets(), s.port(), t.port()),
                (
                    _,
                    v2::ProxyAddresses::Unix {
                        source,
                        destination,
                    },
                ) => d.unix(&source, &destination),
            },
            _ => return None, // enum is #[non_exhaustive]
        }
        Some(d.finish())
    }

    // ---- encode ----------------------------------------------------------

    fn take(out: &mut Vec<u8>, h: ProxyHeader) -> Option<usize> {
        let bm = proxy_protocol::encode(h).ok()?;
        *out = Vec::from(bm); // BytesMut -> Vec: no copy
        Some(out.len())
    }

    fn v1_ipv4() -> v1::ProxyAddresses {
        v1::ProxyAddresses::Ipv4 {
            source: SocketAddrV4::new(Ipv4Addr::from(V4_SRC), V4_SPORT),
            destination: SocketAddrV4::new(Ipv4Addr::from(V4_DST), V4_DPORT),
        }
    }

    pub fn encode_v1_tcp4(out: &mut Vec<u8>) -> Option<usize> {
        take(
            out,
            ProxyHeader::Version1 {
                addresses: v1_ipv4(),
            },
        )
    }
    pub fn encode_v1_tcp6(out: &mut Vec<u8>) -> Option<usize> {
        let addresses = v1::ProxyAddresses::Ipv6 {
            source: SocketAddrV6::new(Ipv6Addr::from(V6_SRC), V6_SPORT, 0, 0),
            destination: SocketAddrV6::new(Ipv6Addr::from(V6_DST), V6_DPORT, 0, 0),
        };
        take(out, ProxyHeader::Version1 { addresses })
    }
    pub fn encode_v1_unknown(out: &mut Vec<u8>) -> Option<usize> {
        take(
            out,
            ProxyHeader::Version1 {
                addresses: v1::ProxyAddresses::Unknown,
            },
        )
    }
    pub fn encode_v2_local(out: &mut Vec<u8>) -> Option<usize> {
        take(
            out,
            ProxyHeader::Version2 {
                command: v2::ProxyCommand::Local,
                transport_protocol: v2::ProxyTransportProtocol::Unspec,
                addresses: v2::ProxyAddresses::Unspec,
            },
        )
    }
    fn v2_proxy(out: &mut Vec<u8>, addresses: v2::ProxyAddresses) -> Option<usize> {
        take(
            out,
            ProxyHeader::Version2 {
                command: v2::ProxyCommand::Proxy,
                transport_protocol: v2::ProxyTransportProtocol::Stream,
                addresses,
            },
        )
    }
    pub fn encode_v2_tcp4(out: &mut Vec<u8>) -> Option<usize> {
        v2_proxy(
            out,
            v2::ProxyAddresses::Ipv4 {
                source: SocketAddrV4::new(Ipv4Addr::from(V4_SRC), V4_SPORT),
                destination: SocketAddrV4::new(Ipv4Addr::from(V4_DST), V4_DPORT),
            },
        )
    }
    pub fn encode_v2_tcp6(out: &mut Vec<u8>) -> Option<usize> {
        v2_proxy(
            out,
            v2::ProxyAddresses::Ipv6 {
                source: SocketAddrV6::new(Ipv6Addr::from(V6_SRC), V6_SPORT, 0, 0),
                destination: SocketAddrV6::new(Ipv6Addr::from(V6_DST), V6_DPORT, 0, 0),
            },
        )
    }
    pub fn encode_v2_unix(out: &mut Vec<u8>) -> Option<usize> {
        v2_proxy(
            out,
            v2::ProxyAddresses::Unix {
                source: UNIX_SRC,
                destination: UNIX_DST,
            },
        )
    }
    /// None: the encoder has no TLV support at all.
    pub fn encode_v2_tlvs(_out: &mut Vec<u8>) -> Option<usize> {
        None
    }
    /// None: the encoder has no TLV support at all.
    pub fn encode_v2_tlvs_nocrc(_out: &mut Vec<u8>) -> Option<usize> {
        None
    }
}

// ---------------------------------------------------------------------------
// proxyproto 0.2.1
// ---------------------------------------------------------------------------

/// `proxyproto` 0.2.1. Parse: no auto-detect entry point, so we dispatch on
/// the first byte to `v1::Header::try_from_bytes` (winnow, `Partial` input)
/// or `v2::Header::try_from_bytes`. v2 copies every TLV value into
/// `SmallVec<[(u8, SmallVec<[u8;16]>);4]>` (heap once a value exceeds 16 bytes or
/// there are more than 4 TLVs) and boxes AF_UNIX paths. Typed TLVs (`Alpn`, `Authority`,
/// `UniqueId`, `Ssl`) own their data (`Vec`/`String`).
/// CRC32C: verified with `validate_crc32c_tlv()` (clones the header,
/// re-serializes it into a new `Vec` and runs `crc32c`).
/// Encode: `write_to(&mut impl io::Write)` into the reused buffer;
/// `add_crc32c_checksum()` computes the CRC (serializes once internally).
pub mod proxyproto_impl {
    use crate::common::cases::*;
    use crate::common::digest::Digest;
    use crate::common::pp2;
    use proxyproto::tlv::{
        Alpn, Authority, Crc32c, Noop, Ssl, SslClientFlags, SslSubTlv, Tlv, UniqueId,
    };
    use proxyproto::{v1, v2, Command, TransportProtocol};
    use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

    fn sockets(d: &mut Digest, s: SocketAddr, t: SocketAddr) {
        match (s.ip(), t.ip()) {
            (IpAddr::V4(a), IpAddr::V4(b)) => d.addr_v4(a.octets(), b.octets(), s.port(), t.port()),
            (IpAddr::V6(a), IpAddr::V6(b)) => d.addr_v6(a.octets(), b.octets(), s.port(), t.port()),
            _ => unreachable!("crate guarantees matching families"),
        }
    }

    fn digest_v2(h: &v2::Header) -> Option<u64> {
        // CRC32C: reject on mismatch (None = no CRC TLV present, fine).
        if h.validate_crc32c_tlv() == Some(false) {
            return None;
        }
        let mut d = Digest::new();
        match (h.command(), h.addresses()) {
            (Command::Local, _) | (_, v2::Addresses::Unspecified) => d.local(),
            (
                _,
                v2::Addresses::Inet {
                    source,
                    destination,
                },
            ) => sockets(&mut d, *source, *destination),
            (
                _,
                v2::Addresses::Unix {
                    source,
                    destination,
                },
            ) => d.unix(&source[..], &destination[..]),
        }
        for (typ, value) in h.tlvs() {
            match typ {
                pp2::ALPN => d.tlv(typ, Alpn::try_from_value(value)?.as_bytes()),
                pp2::AUTHORITY => d.tlv(typ, Authority::try_from_value(value)?.as_str().as_bytes()),
                pp2::UNIQUE_ID => d.tlv(typ, UniqueId::try_from_value(value)?.as_bytes()),
                pp2::CRC32C => d.crc(Crc32c::try_from_value(value)?.checksum()),
                // Noop has no accessor; a server just skips it.
                pp2::NOOP => d.noop(value.len()),
                pp2::SSL => {
                    let ssl = Ssl::try_from_value(value)?;
                    d.ssl(ssl.client().bits(), ssl.verify());
                    for st in ssl.tlvs() {
                        match st {
                            SslSubTlv::Version(v) => d.tlv(pp2::SSL_VERSION, v.as_bytes()),
                            SslSubTlv::CommonName(v) => d.tlv(pp2::SSL_CN, v.as_bytes()),
                            SslSubTlv::Cipher(v) => d.tlv(pp2::SSL_CIPHER, v.as_bytes()),
                            SslSubTlv::SignatureAlgorithm(v) => {
                                d.tlv(pp2::SSL_SIG_ALG, v.as_bytes())
                            }
                            SslSubTlv::KeyAlgorithm(v) => d.tlv(pp2::SSL_KEY_ALG, v.as_bytes()),
                            SslSubTlv::Other(k, v) => d.tlv(*k, v),
                        }
                    }
                }
                _ => d.tlv(typ, value),
            }
        }
        Some(d.finish())
    }

    fn digest_v1(h: &v1::Header) -> u64 {
        let mut d = Digest::new();
        match h.addresses() {
            None => d.local(),
            Some(a) => sockets(&mut d, a.source(), a.destination()),
        }
        d.finish()
    }

    /// What a server does: pick the version by the first byte, parse, walk.
    #[inline]
    pub fn parse_any(input: &[u8]) -> Option<u64> {
        match input.first()? {
            b'P' => {
                let (_rest, h) = v1::Header::try_from_bytes(input).ok()?;
                Some(digest_v1(&h))
            }
            b'\r' => {
                let (_rest, h) = v2::Header::try_from_bytes(input).ok()?;
                digest_v2(&h)
            }
            _ => None,
        }
    }

    // ---- encode ----------------------------------------------------------

    fn v4() -> (SocketAddr, SocketAddr) {
        (
            SocketAddr::new(Ipv4Addr::from(V4_SRC).into(), V4_SPORT),
            SocketAddr::new(Ipv4Addr::from(V4_DST).into(), V4_DPORT),
        )
    }
    fn v6() -> (SocketAddr, SocketAddr) {
        (
            SocketAddr::new(Ipv6Addr::from(V6_SRC).into(), V6_SPORT),
            SocketAddr::new(Ipv6Addr::from(V6_DST).into(), V6_DPORT),
        )
    }

    fn w1(out: &mut Vec<u8>, h: &v1::Header) -> Option<usize> {
        out.clear();
        h.write_to(out).ok()?;
        Some(out.len())
    }
    fn w2(out: &mut Vec<u8>, h: &v2::Header) -> Option<usize> {
        out.clear();
        h.write_to(out).ok()?;
        Some(out.len())
    }

    pub fn encode_v1_tcp4(out: &mut Vec<u8>) -> Option<usize> {
        let (s, d) = v4();
        w1(out, &v1::Header::new_inet(s, d))
    }
    pub fn encode_v1_tcp6(out: &mut Vec<u8>) -> Option<usize> {
        let (s, d) = v6();
        w1(out, &v1::Header::new_inet6(s, d))
    }
    pub fn encode_v1_unknown(out: &mut Vec<u8>) -> Option<usize> {
        w1(out, &v1::Header::unknown())
    }
    pub fn encode_v2_local(out: &mut Vec<u8>) -> Option<usize> {
        w2(out, &v2::Header::new_unspecified(Command::Local))
    }
    pub fn encode_v2_tcp4(out: &mut Vec<u8>) -> Option<usize> {
        let (s, d) = v4();
        w2(out, &v2::Header::new_tcp_ipv4_proxy(s, d))
    }
    pub fn encode_v2_tcp6(out: &mut Vec<u8>) -> Option<usize> {
        let (s, d) = v6();
        w2(out, &v2::Header::new_tcp_ipv6_proxy(s, d))
    }
    pub fn encode_v2_unix(out: &mut Vec<u8>) -> Option<usize> {
        w2(
            out,
            &v2::Header::new_unix(
                Command::Proxy,
                TransportProtocol::Stream,
                UNIX_SRC,
                UNIX_DST,
            ),
        )
    }

    fn tlvs_header() -> v2::Header {
        let (s, d) = v4();
        let mut h = v2::Header::new_tcp_ipv4_proxy(s, d);
        h.add_typed_tlv(Alpn::new(ALPN));
        h.add_typed_tlv(Authority::new(AUTHORITY));
        h.add_typed_tlv(UniqueId::new(&UNIQUE_ID[..]));
        let mut ssl = Ssl::new(SslClientFlags::from_bits_retain(SSL_CLIENT), SSL_VERIFY);
        ssl.add_tlv(SslSubTlv::version(SSL_VERSION));
        ssl.add_tlv(SslSubTlv::common_name(SSL_CN));
        h.add_typed_tlv(ssl);
        h.add_typed_tlv(Noop::new(vec![0u8; NOOP_LEN]));
        h
    }
    pub fn encode_v2_tlvs(out: &mut Vec<u8>) -> Option<usize> {
        let mut h = tlvs_header();
        h.add_crc32c_checksum();
        w2(out, &h)
    }
    pub fn encode_v2_tlvs_nocrc(out: &mut Vec<u8>) -> Option<usize> {
        w2(out, &tlvs_header())
    }
}
