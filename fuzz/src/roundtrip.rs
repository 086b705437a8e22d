//! The `roundtrip` target: an [`arbitrary`] description of a header drives the encoders
//! ([`v2::Builder`], [`v1::Header`]); encoding then parsing must give back exactly what was
//! built, and a buffer too small (or a header the format cannot carry) must be an error that
//! writes nothing.
//!
//! The expected bytes of every TLV are computed here from the description, independently of
//! the library's encoder, and compared with what the parser hands back.

use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};

use arbitrary::Arbitrary;
use bytes::BufMut;
use proxy_wire::v2::{self, SslClient, TlvSpec, TlvType, TlvValue};
use proxy_wire::{v1, Addresses, Encode, EncodeError, Endpoint, Header, Status};

use crate::checks::{crc_config, crc_with_zeroed_field};

/// One fuzz case: a header and how short a buffer to try.
#[derive(Arbitrary, Debug)]
pub struct Case {
    header: HeaderCase,
    /// Picks the size of a too-small buffer.
    short: u32,
}

#[derive(Arbitrary, Debug)]
enum HeaderCase {
    V1(V1Case),
    V2(V2Case),
}

#[derive(Arbitrary, Debug)]
enum V1Case {
    Tcp4(Ip4, Ip4),
    Tcp6(Ip6, Ip6),
    /// Any two socket addresses: mixed families become IPv4-mapped IPv6.
    Sockets(Ip, Ip),
    Unknown,
}

#[derive(Arbitrary, Debug, Clone, Copy)]
struct Ip4(u32, u16);
#[derive(Arbitrary, Debug, Clone, Copy)]
struct Ip6(u128, u16);
#[derive(Arbitrary, Debug, Clone, Copy)]
enum Ip {
    V4(Ip4),
    V6(Ip6),
}

impl Ip4 {
    fn addr(self) -> SocketAddrV4 {
        SocketAddrV4::new(Ipv4Addr::from(self.0), self.1)
    }
}
impl Ip6 {
    fn addr(self) -> SocketAddrV6 {
        SocketAddrV6::new(Ipv6Addr::from(self.0), self.1, 0, 0)
    }
}
impl Ip {
    fn addr(self) -> SocketAddr {
        match self {
            Ip::V4(a) => SocketAddr::V4(a.addr()),
            Ip::V6(a) => SocketAddr::V6(a.addr()),
        }
    }
}

#[derive(Arbitrary, Debug)]
struct V2Case {
    local: bool,
    protocol: Proto,
    addresses: AddrCase,
    tlvs: Vec<TlvCase>,
    crc32c: bool,
}

#[derive(Arbitrary, Debug, Clone, Copy, PartialEq)]
enum Proto {
    Unspec = 0,
    Stream = 1,
    Dgram = 2,
}

#[derive(Arbitrary, Debug)]
enum AddrCase {
    Unspec,
    Inet(Ip4, Ip4),
    Inet6(Ip6, Ip6),
    Sockets(Ip, Ip),
    Unix(Vec<u8>, Vec<u8>),
}

/// A TLV that is not SSL.
#[derive(Arbitrary, Debug)]
enum Leaf {
    Alpn(Vec<u8>),
    Authority(String),
    UniqueId(Vec<u8>),
    Netns(String),
    Noop(u16),
    Gcp(u64),
    Aws(String),
    Azure(u32),
    SslText(SslText, String),
    ClientCert(Vec<u8>),
    Raw(u8, Vec<u8>),
}

#[derive(Arbitrary, Debug, Clone, Copy)]
enum SslText {
    Version,
    Cn,
    Cipher,
    SigAlg,
    KeyAlg,
    Group,
    SigScheme,
}

#[derive(Arbitrary, Debug)]
enum TlvCase {
    Leaf(Leaf),
    Ssl {
        client: u8,
        verify: u32,
        subs: Vec<SubCase>,
    },
}

/// An SSL sub-TLV: any leaf, or an SSL TLV nested once more.
#[derive(Arbitrary, Debug)]
enum SubCase {
    Leaf(Leaf),
    Ssl {
        client: u8,
        verify: u32,
        subs: Vec<Leaf>,
    },
}

impl Leaf {
    fn spec(&self) -> TlvSpec<'_> {
        match self {
            Leaf::Alpn(v) => TlvSpec::Alpn(v),
            Leaf::Authority(s) => TlvSpec::Authority(s),
            Leaf::UniqueId(v) => TlvSpec::UniqueId(v),
            Leaf::Netns(s) => TlvSpec::Netns(s),
            Leaf::Noop(n) => TlvSpec::Noop(*n),
            Leaf::Gcp(id) => TlvSpec::Gcp(*id),
            Leaf::Aws(s) => TlvSpec::AwsVpceId(s),
            Leaf::Azure(id) => TlvSpec::AzureLinkId(*id),
            Leaf::SslText(kind, s) => match kind {
                SslText::Version => TlvSpec::SslVersion(s),
                SslText::Cn => TlvSpec::SslCn(s),
                SslText::Cipher => TlvSpec::SslCipher(s),
                SslText::SigAlg => TlvSpec::SslSigAlg(s),
                SslText::KeyAlg => TlvSpec::SslKeyAlg(s),
                SslText::Group => TlvSpec::SslGroup(s),
                SslText::SigScheme => TlvSpec::SslSigScheme(s),
            },
            Leaf::ClientCert(v) => TlvSpec::SslClientCert(v),
            Leaf::Raw(t, v) => TlvSpec::Raw(TlvType(*t), v),
        }
    }

    /// The type byte and value bytes this leaf must appear as on the wire (PROTOCOL.md §1).
    fn wire(&self) -> (u8, Vec<u8>) {
        match self {
            Leaf::Alpn(v) => (0x01, v.clone()),
            Leaf::Authority(s) => (0x02, s.as_bytes().to_vec()),
            Leaf::UniqueId(v) => (0x05, v.clone()),
            Leaf::Netns(s) => (0x30, s.as_bytes().to_vec()),
            Leaf::Noop(n) => (0x04, std::vec![0; usize::from(*n)]),
            Leaf::Gcp(id) => (0xE0, id.to_be_bytes().to_vec()),
            Leaf::Aws(s) => (0xEA, [&[1u8][..], s.as_bytes()].concat()),
            Leaf::Azure(id) => (0xEE, [&[1u8][..], &id.to_le_bytes()].concat()),
            Leaf::SslText(kind, s) => {
                let t = match kind {
                    SslText::Version => 0x21,
                    SslText::Cn => 0x22,
                    SslText::Cipher => 0x23,
                    SslText::SigAlg => 0x24,
                    SslText::KeyAlg => 0x25,
                    SslText::Group => 0x26,
                    SslText::SigScheme => 0x27,
                };
                (t, s.as_bytes().to_vec())
            }
            Leaf::ClientCert(v) => (0x28, v.clone()),
            Leaf::Raw(t, v) => (*t, v.clone()),
        }
    }

    /// What `Tlv::value` must decode this leaf as, for the typed constructors.
    fn check_typed(&self, tlv: &v2::Tlv<'_>) {
        let got = tlv.value();
        match self {
            Leaf::Alpn(v) => assert_eq!(got, Ok(TlvValue::Alpn(v))),
            Leaf::Authority(s) => assert_eq!(got, Ok(TlvValue::Authority(s))),
            Leaf::UniqueId(v) => assert_eq!(got, Ok(TlvValue::UniqueId(v))),
            Leaf::Netns(s) => assert_eq!(got, Ok(TlvValue::Netns(s)), "NETNS {s:?}"),
            Leaf::Noop(n) => assert_eq!(got, Ok(TlvValue::Noop(usize::from(*n)))),
            Leaf::Gcp(id) => assert_eq!(got, Ok(TlvValue::GcpPscConnectionId(*id))),
            Leaf::Aws(s) => assert_eq!(got, Ok(TlvValue::AwsVpceId(s)), "AWS id {s:?}"),
            Leaf::Azure(id) => assert_eq!(got, Ok(TlvValue::AzurePrivateEndpointLinkId(*id))),
            Leaf::SslText(kind, s) => {
                let want = match kind {
                    SslText::Version => TlvValue::SslVersion(s),
                    SslText::Cn => TlvValue::SslCn(s),
                    SslText::Cipher => TlvValue::SslCipher(s),
                    SslText::SigAlg => TlvValue::SslSigAlg(s),
                    SslText::KeyAlg => TlvValue::SslKeyAlg(s),
                    SslText::Group => TlvValue::SslGroup(s),
                    SslText::SigScheme => TlvValue::SslSigScheme(s),
                };
                assert_eq!(got, Ok(want));
            }
            Leaf::ClientCert(v) => assert_eq!(got, Ok(TlvValue::SslClientCert(v))),
            // Raw: only the bytes are promised (checked by the caller).
            Leaf::Raw(..) => {}
        }
    }
}

fn tlv_wire(t: u8, value: &[u8]) -> Vec<u8> {
    let mut out = std::vec![t];
    out.extend_from_slice(&(value.len() as u16).to_be_bytes());
    out.extend_from_slice(value);
    out
}

fn ssl_value(client: u8, verify: u32, subs: &[(u8, Vec<u8>)]) -> Vec<u8> {
    let mut out = std::vec![client];
    out.extend_from_slice(&verify.to_be_bytes());
    for (t, v) in subs {
        out.extend(tlv_wire(*t, v));
    }
    out
}

impl SubCase {
    fn wire(&self) -> (u8, Vec<u8>) {
        match self {
            SubCase::Leaf(l) => l.wire(),
            SubCase::Ssl {
                client,
                verify,
                subs,
            } => {
                let subs: Vec<_> = subs.iter().map(Leaf::wire).collect();
                (0x20, ssl_value(*client, *verify, &subs))
            }
        }
    }
}

impl TlvCase {
    fn wire(&self) -> (u8, Vec<u8>) {
        match self {
            TlvCase::Leaf(l) => l.wire(),
            TlvCase::Ssl {
                client,
                verify,
                subs,
            } => {
                let subs: Vec<_> = subs.iter().map(SubCase::wire).collect();
                (0x20, ssl_value(*client, *verify, &subs))
            }
        }
    }
}

/// The error the builder must report for a leaf TLV: a value over 65535 bytes, else a
/// UNIQUE_ID over 128 bytes.
fn leaf_error(l: &Leaf) -> Option<EncodeError> {
    let (t, v) = l.wire();
    if v.len() > usize::from(u16::MAX) {
        return Some(EncodeError::TlvTooLong {
            tlv_type: t,
            len: v.len(),
        });
    }
    if t == 0x05 && v.len() > v2::UNIQUE_ID_MAX_LEN {
        return Some(EncodeError::UniqueIdTooLong { len: v.len() });
    }
    // The parser refuses a CRC32C TLV that is not 4 bytes (PROTOCOL.md §3.12).
    // NETNS and the AWS VPC endpoint id are US-ASCII (PROTOCOL.md §1).
    let not_ascii = match l {
        Leaf::Aws(id) => !id.is_ascii(),
        _ => t == 0x30 && !v.is_ascii(),
    };
    // The parser refuses an SSL value under 5 bytes or whose sub-TLVs overrun it (§3.11).
    let bad_ssl = t == 0x20 && !ssl_framed(&v);
    ((t == 0x03 && v.len() != 4) || not_ascii || bad_ssl).then_some(EncodeError::InvalidTlv {
        tlv_type: t,
        reason: "",
    })
}

/// 5 bytes of client and verify, then TLVs that exactly fill the rest.
fn ssl_framed(v: &[u8]) -> bool {
    let Some(mut rest) = v.get(5..) else {
        return false;
    };
    while !rest.is_empty() {
        let Some(&[_, hi, lo]) = rest.first_chunk::<3>() else {
            return false;
        };
        let end = 3 + usize::from(u16::from_be_bytes([hi, lo]));
        let Some(next) = rest.get(end..) else {
            return false;
        };
        rest = next;
    }
    true
}

/// An SSL TLV: its own length first, then its sub-TLVs in order.
fn ssl_error(
    value_len: usize,
    subs: impl IntoIterator<Item = Option<EncodeError>>,
) -> Option<EncodeError> {
    if value_len > usize::from(u16::MAX) {
        return Some(EncodeError::TlvTooLong {
            tlv_type: 0x20,
            len: value_len,
        });
    }
    subs.into_iter().flatten().next()
}

fn sub_error(s: &SubCase) -> Option<EncodeError> {
    match s {
        SubCase::Leaf(l) => leaf_error(l),
        SubCase::Ssl { subs, .. } => ssl_error(s.wire().1.len(), subs.iter().map(leaf_error)),
    }
}

fn tlv_error(c: &TlvCase) -> Option<EncodeError> {
    match c {
        TlvCase::Leaf(l) => leaf_error(l),
        TlvCase::Ssl { subs, .. } => ssl_error(c.wire().1.len(), subs.iter().map(sub_error)),
    }
}

/// Runs one case.
pub fn run(case: &Case) {
    match &case.header {
        HeaderCase::V1(v) => run_v1(v, case.short),
        HeaderCase::V2(v) => run_v2(v, case.short),
    }
}

fn run_v1(case: &V1Case, short: u32) {
    let header = match *case {
        V1Case::Tcp4(s, d) => v1::Header::Tcp4 {
            src: s.addr(),
            dst: d.addr(),
        },
        V1Case::Tcp6(s, d) => v1::Header::Tcp6 {
            src: s.addr(),
            dst: d.addr(),
        },
        V1Case::Sockets(s, d) => v1::Header::from_socket_addrs(s.addr(), d.addr()),
        V1Case::Unknown => v1::Header::Unknown,
    };
    // What from_socket_addrs must build.
    if let V1Case::Sockets(s, d) = *case {
        let to6 = |a: SocketAddr| match a {
            SocketAddr::V6(a) => a,
            SocketAddr::V4(a) => SocketAddrV6::new(a.ip().to_ipv6_mapped(), a.port(), 0, 0),
        };
        let want = match (s.addr(), d.addr()) {
            (SocketAddr::V4(src), SocketAddr::V4(dst)) => v1::Header::Tcp4 { src, dst },
            (src, dst) => v1::Header::Tcp6 {
                src: to6(src),
                dst: to6(dst),
            },
        };
        assert_eq!(header, want, "from_socket_addrs");
    }
    let n = header.encoded_len();
    assert!((v1::V1_MIN_LEN..=v1::V1_MAX_LEN).contains(&n));
    let mut out = std::vec![0u8; n];
    assert_eq!(header.encode(&mut out), Ok(n));
    let text = match header {
        v1::Header::Tcp4 { src, dst } => std::format!(
            "PROXY TCP4 {} {} {} {}\r\n",
            src.ip(),
            dst.ip(),
            src.port(),
            dst.port()
        ),
        v1::Header::Tcp6 { src, dst } => std::format!(
            "PROXY TCP6 {} {} {} {}\r\n",
            src.ip(),
            dst.ip(),
            src.port(),
            dst.port()
        ),
        v1::Header::Unknown => String::from("PROXY UNKNOWN\r\n"),
    };
    assert_eq!(
        String::from_utf8_lossy(&out),
        text,
        "v1 text is not the canonical one"
    );
    let mut with_payload = out.clone();
    with_payload.extend_from_slice(b"GET / HTTP/1.1\r\n");
    assert_eq!(
        proxy_wire::parse(&with_payload),
        Ok(Status::Complete {
            header: Header::V1(header),
            consumed: n
        })
    );
    check_small_buffers(&header, n, short);
    check_writers(&header, &out);
}

fn run_v2(case: &V2Case, short: u32) {
    let protocol = match case.protocol {
        Proto::Unspec => v2::Protocol::Unspec,
        Proto::Stream => v2::Protocol::Stream,
        Proto::Dgram => v2::Protocol::Dgram,
    };
    let addresses: Addresses<'_> = match &case.addresses {
        AddrCase::Unspec => Addresses::Unspec,
        AddrCase::Inet(s, d) => (s.addr(), d.addr()).into(),
        AddrCase::Inet6(s, d) => (s.addr(), d.addr()).into(),
        AddrCase::Sockets(s, d) => (s.addr(), d.addr()).into(),
        AddrCase::Unix(s, d) => Addresses::Unix { src: s, dst: d },
    };
    // TlvSpecs borrow their sub-TLV slices: build those first.
    let sub_specs: Vec<Vec<Vec<TlvSpec<'_>>>> = case
        .tlvs
        .iter()
        .map(|t| match t {
            TlvCase::Ssl { subs, .. } => subs
                .iter()
                .map(|s| match s {
                    SubCase::Ssl { subs, .. } => subs.iter().map(Leaf::spec).collect(),
                    SubCase::Leaf(_) => Vec::new(),
                })
                .collect(),
            TlvCase::Leaf(_) => Vec::new(),
        })
        .collect();
    let mid_specs: Vec<Vec<TlvSpec<'_>>> = case
        .tlvs
        .iter()
        .zip(&sub_specs)
        .map(|(t, inner)| match t {
            TlvCase::Ssl { subs, .. } => subs
                .iter()
                .zip(inner)
                .map(|(s, inner)| match s {
                    SubCase::Leaf(l) => l.spec(),
                    SubCase::Ssl { client, verify, .. } => {
                        TlvSpec::Ssl(SslClient(*client), *verify, inner)
                    }
                })
                .collect(),
            TlvCase::Leaf(_) => Vec::new(),
        })
        .collect();
    let specs: Vec<TlvSpec<'_>> = case
        .tlvs
        .iter()
        .zip(&mid_specs)
        .map(|(t, mid)| match t {
            TlvCase::Leaf(l) => l.spec(),
            TlvCase::Ssl { client, verify, .. } => TlvSpec::Ssl(SslClient(*client), *verify, mid),
        })
        .collect();
    let mut builder = v2::Builder::proxy(protocol, addresses)
        .tlvs(&specs)
        .crc32c(case.crc32c);
    if case.local {
        builder = builder.command(v2::Command::Local);
    }

    // The expected bytes, built here from the description.
    let mut wires: Vec<(u8, Vec<u8>)> = case.tlvs.iter().map(TlvCase::wire).collect();
    if case.crc32c {
        wires.push((0x03, std::vec![0; 4]));
    }
    let address_block = address_bytes(&case.addresses);
    let body = address_block.len() + wires.iter().map(|(_, v)| 3 + v.len()).sum::<usize>();
    let expected_error = expected_v2_error(case, body);

    let n = builder.encoded_len();
    let mut out = std::vec![0xA5u8; n.min(70_000) + 8];
    let result = builder.encode(&mut out);
    if let Some(e) = expected_error {
        assert!(
            same_error(result, e),
            "encode must refuse with {e:?}: {result:?}"
        );
        assert!(
            out.iter().all(|&b| b == 0xA5),
            "a refused encode wrote bytes"
        );
        let mut w = Vec::new();
        assert!(builder.write_to(&mut w).is_err());
        assert!(w.is_empty());
        return;
    }
    assert_eq!(result, Ok(n), "encode");
    assert_eq!(n, 16 + body);
    assert!(
        out[n..].iter().all(|&b| b == 0xA5),
        "encode wrote past the header"
    );
    out.truncate(n);

    let mut expected = v2::SIGNATURE.to_vec();
    expected.push(if case.local { 0x20 } else { 0x21 });
    let fam: u8 = family_of(&addresses);
    expected.push((fam << 4) | case.protocol as u8);
    expected.extend_from_slice(&(body as u16).to_be_bytes());
    expected.extend_from_slice(&address_block);
    // The first top-level CRC32C TLV carries the checksum of the final bytes.
    let mut crc_at = None;
    for (t, v) in &wires {
        if *t == 0x03 && crc_at.is_none() {
            crc_at = Some(expected.len() + 3);
        }
        expected.extend(tlv_wire(*t, v));
    }
    if let Some(at) = crc_at {
        let crc = crc_with_zeroed_field(&expected, at);
        expected[at..at + 4].copy_from_slice(&crc.to_be_bytes());
        let index = wires
            .iter()
            .position(|(t, _)| *t == 0x03)
            .expect("a CRC32C TLV");
        wires[index].1 = crc.to_be_bytes().to_vec();
    }
    assert_eq!(out, expected, "encoded bytes differ from the description");

    // Parse it back, with CRC32C verification on and a payload after it.
    let mut stream = out.clone();
    stream.extend_from_slice(b"\x16\x03\x01payload");
    let header = match crc_config().parse(&stream) {
        Ok(Status::Complete {
            header: Header::V2(h),
            consumed,
        }) => {
            assert_eq!(consumed, n);
            h
        }
        other => panic!("built header does not parse: {other:?}"),
    };
    assert_eq!(header.as_bytes(), &out[..]);
    assert_eq!(
        header.command(),
        if case.local {
            v2::Command::Local
        } else {
            v2::Command::Proxy
        }
    );
    assert_eq!(header.as_bytes()[13] >> 4, family_of(&addresses));
    assert_eq!(header.protocol(), protocol);
    let want_addresses = match (case.local, addresses) {
        (true, _) => Addresses::Unspec,
        (false, Addresses::Unix { src, dst }) => Addresses::Unix {
            src: trim_nul(src),
            dst: trim_nul(dst),
        },
        (false, a) => a,
    };
    assert_eq!(header.addresses(), want_addresses);
    let got: Vec<v2::Tlv<'_>> = header.tlvs().collect();
    assert_eq!(got.len(), wires.len(), "TLV count");
    for (tlv, (t, v)) in got.iter().zip(&wires) {
        assert_eq!((tlv.tlv_type().0, tlv.value_bytes()), (*t, &v[..]));
    }
    for (tlv, c) in got.iter().zip(&case.tlvs) {
        match c {
            TlvCase::Leaf(l) => l.check_typed(tlv),
            TlvCase::Ssl {
                client,
                verify,
                subs,
            } => {
                let ssl = match tlv.value() {
                    Ok(TlvValue::Ssl(ssl)) => ssl,
                    other => panic!("SSL TLV decodes as {other:?}"),
                };
                assert_eq!(ssl.client(), SslClient(*client));
                assert_eq!(ssl.verify(), *verify);
                let got_subs: Vec<_> = ssl.sub_tlvs().collect();
                assert_eq!(got_subs.len(), subs.len(), "SSL sub-TLV count");
                for (g, s) in got_subs.iter().zip(subs) {
                    let (t, v) = s.wire();
                    assert_eq!((g.tlv_type().0, g.value_bytes()), (t, &v[..]));
                    if let SubCase::Leaf(l) = s {
                        l.check_typed(g);
                    }
                }
            }
        }
    }
    if let Some(at) = crc_at {
        let first = header.find_tlv(TlvType::CRC32C).expect("the CRC32C TLV");
        let crc = u32::from_be_bytes(out[at..at + 4].try_into().unwrap());
        assert_eq!(first.value(), Ok(TlvValue::Crc32c(crc)));
        assert_eq!(header.crc32c(), Some(crc));
    }
    // A parsed header encodes back to the same bytes.
    let mut again = std::vec![0u8; n];
    assert_eq!(header.encode(&mut again), Ok(n));
    assert_eq!(again, out, "re-encoding the parsed header");

    check_small_buffers(&builder, n, short);
    check_writers(&builder, &out);
}

/// The address block a description must be written as (PROTOCOL.md §1).
fn address_bytes(a: &AddrCase) -> Vec<u8> {
    fn v4(out: &mut Vec<u8>, s: SocketAddrV4, d: SocketAddrV4) {
        out.extend_from_slice(&s.ip().octets());
        out.extend_from_slice(&d.ip().octets());
        out.extend_from_slice(&s.port().to_be_bytes());
        out.extend_from_slice(&d.port().to_be_bytes());
    }
    fn v6(out: &mut Vec<u8>, s: SocketAddrV6, d: SocketAddrV6) {
        out.extend_from_slice(&s.ip().octets());
        out.extend_from_slice(&d.ip().octets());
        out.extend_from_slice(&s.port().to_be_bytes());
        out.extend_from_slice(&d.port().to_be_bytes());
    }
    let mapped = |a: SocketAddr| match a {
        SocketAddr::V6(a) => a,
        SocketAddr::V4(a) => SocketAddrV6::new(a.ip().to_ipv6_mapped(), a.port(), 0, 0),
    };
    let mut out = Vec::new();
    match *a {
        AddrCase::Unspec => {}
        AddrCase::Inet(s, d) => v4(&mut out, s.addr(), d.addr()),
        AddrCase::Inet6(s, d) => v6(&mut out, s.addr(), d.addr()),
        AddrCase::Sockets(s, d) => match (s.addr(), d.addr()) {
            (SocketAddr::V4(s), SocketAddr::V4(d)) => v4(&mut out, s, d),
            (s, d) => v6(&mut out, mapped(s), mapped(d)),
        },
        AddrCase::Unix(ref s, ref d) => {
            for path in [s, d] {
                let mut field = path.clone();
                field.resize(v2::UNIX_PATH_LEN, 0);
                out.extend(field);
            }
        }
    }
    out
}

/// Equal errors; an `InvalidTlv`'s reason text is not compared.
fn same_error(got: Result<usize, EncodeError>, want: EncodeError) -> bool {
    match (got, want) {
        (
            Err(EncodeError::InvalidTlv { tlv_type: a, .. }),
            EncodeError::InvalidTlv { tlv_type: b, .. },
        ) => a == b,
        (got, want) => got == Err(want),
    }
}

/// The error the builder must return, if any, by the order it documents: a PROXY header with
/// a family but no transport (or the reverse), UNIX paths (source first), then each TLV in
/// order, then the total length.
fn expected_v2_error(case: &V2Case, body: usize) -> Option<EncodeError> {
    let fam: u8 = match &case.addresses {
        AddrCase::Unspec => 0,
        AddrCase::Inet(..) | AddrCase::Sockets(Ip::V4(_), Ip::V4(_)) => 1,
        AddrCase::Inet6(..) | AddrCase::Sockets(..) => 2, // mixed families: IPv6
        AddrCase::Unix(..) => 3,
    };
    if !case.local && (fam == 0) != (case.protocol == Proto::Unspec) {
        return Some(EncodeError::InvalidFamilyProtocol {
            byte: (fam << 4) | case.protocol as u8,
        });
    }
    if let AddrCase::Unix(s, d) = &case.addresses {
        for (field, path) in [(Endpoint::Source, s), (Endpoint::Destination, d)] {
            if path.len() > v2::UNIX_PATH_LEN {
                return Some(EncodeError::UnixPathTooLong {
                    field,
                    len: path.len(),
                });
            }
        }
    }
    if let Some(e) = case.tlvs.iter().find_map(tlv_error) {
        return Some(e);
    }
    (body > usize::from(u16::MAX)).then_some(EncodeError::HeaderTooLong { len: body })
}

fn trim_nul(path: &[u8]) -> &[u8] {
    let end = path.iter().rposition(|&c| c != 0).map_or(0, |i| i + 1);
    &path[..end]
}

/// Every buffer shorter than the header is refused and left untouched.
fn check_small_buffers<E: Encode>(header: &E, n: usize, short: u32) {
    let size = short as usize % n;
    let mut small = std::vec![0xA5u8; size];
    assert_eq!(
        header.encode(&mut small),
        Err(EncodeError::BufferTooSmall {
            needed: n,
            available: size
        })
    );
    assert!(
        small.iter().all(|&b| b == 0xA5),
        "a refused encode wrote bytes"
    );
    // The same through BufMut: a slice of that size has no room.
    let mut slot = &mut small[..];
    assert_eq!(
        header.encode_to_buf(&mut slot),
        Err(EncodeError::BufferTooSmall {
            needed: n,
            available: size
        })
    );
    assert!(
        small.iter().all(|&b| b == 0xA5),
        "a refused encode_to_buf wrote bytes"
    );
}

/// `write_to` and `encode_to_buf` write the same bytes as `encode`, once.
fn check_writers<E: Encode>(header: &E, bytes: &[u8]) {
    let mut w = Vec::new();
    assert_eq!(header.write_to(&mut w).ok(), Some(bytes.len()));
    assert_eq!(w, bytes);
    let mut b = bytes::BytesMut::new();
    b.put_u8(0x7f);
    assert_eq!(header.encode_to_buf(&mut b), Ok(bytes.len()));
    assert_eq!(b[0], 0x7f);
    assert_eq!(&b[1..], bytes);
}

/// The address family nibble (byte 13's high half) for these addresses.
fn family_of(a: &Addresses<'_>) -> u8 {
    match a {
        Addresses::Unspec => 0,
        Addresses::Inet { .. } => 1,
        Addresses::Inet6 { .. } => 2,
        Addresses::Unix { .. } => 3,
        _ => unreachable!("a new family"),
    }
}
