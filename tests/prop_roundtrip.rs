//! Property tests: encode → parse round trips over generated headers, arbitrary bytes never
//! panic, and a prefix never gives a different complete result than the whole.

use std::net::{Ipv4Addr, Ipv6Addr, SocketAddrV4, SocketAddrV6};

use proptest::prelude::*;
use proxy_wire::v2::{self, Command, Protocol, SslClient, TlvSpec, TlvType, TlvValue};
use proxy_wire::{parse, v1, Addresses, Encode, Header, Status};

/// An owned description of one TLV, turned into a `TlvSpec` for encoding.
#[derive(Debug, Clone)]
enum GenTlv {
    Raw(u8, Vec<u8>),
    Noop(u16),
    Gcp(u64),
    Aws(String),
    Azure(u32),
    Ssl(u8, u32, Vec<(u8, Vec<u8>)>),
}

fn gen_tlv() -> impl Strategy<Value = GenTlv> {
    // Raw types exclude the ones with value rules (CRC32C, UNIQUE_ID, SSL, NETNS), which have
    // their own arms; any other byte is fair, including unknown and custom ones.
    let raw_type =
        any::<u8>().prop_filter("ruled types", |t| ![0x03, 0x05, 0x20, 0x30].contains(t));
    prop_oneof![
        (raw_type, prop::collection::vec(any::<u8>(), 0..40)).prop_map(|(t, v)| GenTlv::Raw(t, v)),
        "[ -~]{0,20}".prop_map(|s| GenTlv::Raw(0x30, s.into_bytes())),
        prop::collection::vec(any::<u8>(), 0..=128).prop_map(|v| GenTlv::Raw(0x05, v)),
        (0u16..20).prop_map(GenTlv::Noop),
        any::<u64>().prop_map(GenTlv::Gcp),
        "[a-z0-9-]{0,24}".prop_map(GenTlv::Aws),
        any::<u32>().prop_map(GenTlv::Azure),
        (
            any::<u8>(),
            any::<u32>(),
            prop::collection::vec(
                (0x21u8..=0x2a, prop::collection::vec(any::<u8>(), 0..24)),
                0..5
            )
        )
            .prop_map(|(c, v, subs)| GenTlv::Ssl(c, v, subs)),
    ]
}

#[derive(Debug, Clone)]
struct GenV2 {
    local: bool,
    protocol: Protocol,
    addresses: GenAddrs,
    tlvs: Vec<GenTlv>,
    crc: bool,
}

#[derive(Debug, Clone)]
enum GenAddrs {
    Unspec,
    V4(SocketAddrV4, SocketAddrV4),
    V6(SocketAddrV6, SocketAddrV6),
    Unix(Vec<u8>, Vec<u8>),
}

fn path() -> impl Strategy<Value = Vec<u8>> {
    // trailing NULs are padding on the wire, so a generated path ends in a non-NUL byte
    prop::collection::vec(any::<u8>(), 0..=108).prop_map(|mut p| {
        while p.last() == Some(&0) {
            p.pop();
        }
        p
    })
}

fn gen_v2() -> impl Strategy<Value = GenV2> {
    let v4 =
        (any::<u32>(), any::<u16>()).prop_map(|(a, p)| SocketAddrV4::new(Ipv4Addr::from(a), p));
    let v6 = (any::<u128>(), any::<u16>())
        .prop_map(|(a, p)| SocketAddrV6::new(Ipv6Addr::from(a), p, 0, 0));
    let addrs = prop_oneof![
        Just(GenAddrs::Unspec),
        (v4.clone(), v4).prop_map(|(s, d)| GenAddrs::V4(s, d)),
        (v6.clone(), v6).prop_map(|(s, d)| GenAddrs::V6(s, d)),
        (path(), path()).prop_map(|(s, d)| GenAddrs::Unix(s, d)),
    ];
    let protocol = prop_oneof![
        Just(Protocol::Unspec),
        Just(Protocol::Stream),
        Just(Protocol::Dgram)
    ];
    (
        any::<bool>(),
        protocol,
        addrs,
        prop::collection::vec(gen_tlv(), 0..8),
        any::<bool>(),
    )
        .prop_map(|(local, protocol, addresses, tlvs, crc)| GenV2 {
            local,
            // PROXY needs a family and a transport, or neither (LOCAL takes any byte).
            protocol: match (&addresses, protocol) {
                _ if local => protocol,
                (GenAddrs::Unspec, _) => Protocol::Unspec,
                (_, Protocol::Unspec) => Protocol::Stream,
                (_, p) => p,
            },
            addresses,
            tlvs,
            crc,
        })
}

/// The value bytes a `GenTlv` puts on the wire.
fn wire_value(t: &GenTlv) -> (u8, Vec<u8>) {
    match t {
        GenTlv::Raw(ty, v) => (*ty, v.clone()),
        GenTlv::Noop(n) => (0x04, vec![0; usize::from(*n)]),
        GenTlv::Gcp(id) => (0xe0, id.to_be_bytes().to_vec()),
        GenTlv::Aws(s) => (0xea, [&[1u8][..], s.as_bytes()].concat()),
        GenTlv::Azure(id) => (0xee, [&[1u8][..], &id.to_le_bytes()].concat()),
        GenTlv::Ssl(c, v, subs) => {
            let mut out = vec![*c];
            out.extend_from_slice(&v.to_be_bytes());
            for (ty, val) in subs {
                out.push(*ty);
                out.extend_from_slice(&(val.len() as u16).to_be_bytes());
                out.extend_from_slice(val);
            }
            (0x20, out)
        }
    }
}

fn check_v2_roundtrip(g: &GenV2) -> Result<(), TestCaseError> {
    // SSL sub-TLV specs must outlive the outer specs.
    let sub_specs: Vec<Vec<TlvSpec<'_>>> = g
        .tlvs
        .iter()
        .map(|t| match t {
            GenTlv::Ssl(_, _, subs) => subs
                .iter()
                .map(|(ty, v)| TlvSpec::Raw(TlvType(*ty), v))
                .collect(),
            _ => Vec::new(),
        })
        .collect();
    let specs: Vec<TlvSpec<'_>> = g
        .tlvs
        .iter()
        .zip(&sub_specs)
        .map(|(t, subs)| match t {
            GenTlv::Raw(ty, v) => TlvSpec::Raw(TlvType(*ty), v),
            GenTlv::Noop(n) => TlvSpec::Noop(*n),
            GenTlv::Gcp(id) => TlvSpec::Gcp(*id),
            GenTlv::Aws(s) => TlvSpec::AwsVpceId(s),
            GenTlv::Azure(id) => TlvSpec::AzureLinkId(*id),
            GenTlv::Ssl(c, v, _) => TlvSpec::Ssl(SslClient(*c), *v, subs),
        })
        .collect();
    let addresses = match &g.addresses {
        GenAddrs::Unspec => Addresses::Unspec,
        GenAddrs::V4(s, d) => Addresses::Inet { src: *s, dst: *d },
        GenAddrs::V6(s, d) => Addresses::Inet6 { src: *s, dst: *d },
        GenAddrs::Unix(s, d) => Addresses::Unix { src: s, dst: d },
    };
    let command = if g.local {
        Command::Local
    } else {
        Command::Proxy
    };
    let b = v2::Builder::proxy(g.protocol, addresses)
        .command(command)
        .tlvs(&specs)
        .crc32c(g.crc);
    let len = b.encoded_len();
    let mut buf = vec![0xAAu8; len + 5];
    // too small: an error, and nothing written
    if len > 0 {
        let mut small = vec![0x55u8; len - 1];
        prop_assert!(b.encode(&mut small).is_err());
        prop_assert!(small.iter().all(|&x| x == 0x55));
    }
    let n = b
        .encode(&mut buf)
        .map_err(|e| TestCaseError::fail(e.to_string()))?;
    prop_assert_eq!(n, len);
    prop_assert!(buf[n..].iter().all(|&x| x == 0xAA), "wrote past its length");
    let Ok(Status::Complete { header, consumed }) = parse(&buf[..n]) else {
        return Err(TestCaseError::fail(format!("{:?}", parse(&buf[..n]))));
    };
    prop_assert_eq!(consumed, n);
    let Header::V2(h) = header else {
        return Err(TestCaseError::fail("not v2"));
    };
    prop_assert_eq!(h.command(), command);
    prop_assert_eq!(h.protocol(), g.protocol);
    let family = match addresses {
        Addresses::Unspec => 0,
        Addresses::Inet { .. } => 1,
        Addresses::Inet6 { .. } => 2,
        Addresses::Unix { .. } => 3,
        _ => unreachable!("no other family is generated"),
    };
    prop_assert_eq!(h.as_bytes()[13] >> 4, family, "family nibble");
    if g.local {
        prop_assert_eq!(h.addresses(), Addresses::Unspec);
    } else {
        prop_assert_eq!(h.addresses(), addresses);
    }
    let mut want: Vec<(u8, Vec<u8>)> = g.tlvs.iter().map(wire_value).collect();
    if g.crc {
        let crc = h
            .crc32c()
            .ok_or_else(|| TestCaseError::fail("crc missing"))?;
        want.push((0x03, crc.to_be_bytes().to_vec()));
    }
    let got: Vec<(u8, Vec<u8>)> = h
        .tlvs()
        .map(|t| (t.tlv_type().0, t.value_bytes().to_vec()))
        .collect();
    prop_assert_eq!(got, want);
    // typed decoding of what we built
    for (t, spec) in h.tlvs().zip(&g.tlvs) {
        match (spec, t.value()) {
            (GenTlv::Gcp(id), Ok(TlvValue::GcpPscConnectionId(got))) => prop_assert_eq!(*id, got),
            (GenTlv::Azure(id), Ok(TlvValue::AzurePrivateEndpointLinkId(got))) => {
                prop_assert_eq!(*id, got)
            }
            (GenTlv::Aws(s), Ok(TlvValue::AwsVpceId(got))) => prop_assert_eq!(s.as_str(), got),
            (GenTlv::Ssl(c, v, subs), Ok(TlvValue::Ssl(ssl))) => {
                prop_assert_eq!(ssl.client().0, *c);
                prop_assert_eq!(ssl.verify(), *v);
                let got: Vec<(u8, Vec<u8>)> = ssl
                    .sub_tlvs()
                    .map(|t| (t.tlv_type().0, t.value_bytes().to_vec()))
                    .collect();
                prop_assert_eq!(&got, subs);
            }
            (GenTlv::Gcp(_) | GenTlv::Azure(_) | GenTlv::Aws(_) | GenTlv::Ssl(..), other) => {
                return Err(TestCaseError::fail(format!(
                    "{spec:?} decoded as {other:?}"
                )))
            }
            _ => {}
        }
    }
    // re-encoding the decoded header gives the same bytes
    let mut again = vec![0u8; h.encoded_len()];
    prop_assert_eq!(h.encode(&mut again), Ok(n));
    prop_assert_eq!(&again[..], &buf[..n]);
    Ok(())
}

fn gen_v1() -> impl Strategy<Value = v1::Header> {
    prop_oneof![
        Just(v1::Header::Unknown),
        (any::<u32>(), any::<u32>(), any::<u16>(), any::<u16>()).prop_map(|(a, b, p, q)| {
            v1::Header::Tcp4 {
                src: SocketAddrV4::new(a.into(), p),
                dst: SocketAddrV4::new(b.into(), q),
            }
        }),
        (
            any::<u128>(),
            any::<u128>(),
            any::<u16>(),
            any::<u16>(),
            any::<u8>()
        )
            .prop_map(|(a, b, p, q, zeros)| {
                // mix in zero runs so `::` compression is exercised
                let mask = |x: u128| {
                    let mut segs = Ipv6Addr::from(x).segments();
                    for (i, s) in segs.iter_mut().enumerate() {
                        if zeros & (1 << i) != 0 {
                            *s = 0;
                        }
                    }
                    Ipv6Addr::from(segs)
                };
                v1::Header::Tcp6 {
                    src: SocketAddrV6::new(mask(a), p, 0, 0),
                    dst: SocketAddrV6::new(mask(b), q, 0, 0),
                }
            }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn v2_encode_then_parse_gives_what_was_built(g in gen_v2()) {
        check_v2_roundtrip(&g)?;
    }

    #[test]
    fn v1_encode_then_parse_gives_what_was_built(h in gen_v1()) {
        let mut buf = [0u8; 107];
        let n = h.encode(&mut buf).unwrap();
        prop_assert_eq!(n, h.encoded_len());
        prop_assert!(n <= 104);
        // canonical text, as std prints it
        if let v1::Header::Tcp6 { src, dst } = h {
            let text = format!("PROXY TCP6 {} {} {} {}\r\n", src.ip(), dst.ip(), src.port(), dst.port());
            prop_assert_eq!(std::str::from_utf8(&buf[..n]).unwrap(), text);
        }
        let Ok(Status::Complete { header, consumed }) = parse(&buf[..n]) else { panic!() };
        prop_assert_eq!(consumed, n);
        prop_assert_eq!(header, Header::V1(h));
        let mut small = [0u8; 40];
        if n > small.len() {
            prop_assert!(h.encode(&mut small).is_err());
            prop_assert!(small.iter().all(|&b| b == 0));
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic_and_consumed_stays_inside(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        check_prefixes(&bytes)?;
    }

    #[test]
    fn mutated_valid_headers_never_panic_and_prefixes_agree(
        g in gen_v2(),
        flips in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..4),
        cut in any::<prop::sample::Index>(),
    ) {
        // start from a valid header, then corrupt a few bytes
        let specs: Vec<TlvSpec<'_>> = g.tlvs.iter().filter_map(|t| match t {
            GenTlv::Raw(ty, v) => Some(TlvSpec::Raw(TlvType(*ty), v)),
            _ => None,
        }).collect();
        let addresses = match &g.addresses {
            GenAddrs::V4(s, d) => Addresses::Inet { src: *s, dst: *d },
            GenAddrs::V6(s, d) => Addresses::Inet6 { src: *s, dst: *d },
            GenAddrs::Unix(s, d) => Addresses::Unix { src: s, dst: d },
            GenAddrs::Unspec => Addresses::Unspec,
        };
        let command = if g.local { v2::Command::Local } else { v2::Command::Proxy };
        let b = v2::Builder::proxy(g.protocol, addresses).command(command).tlvs(&specs).crc32c(g.crc);
        let mut buf = vec![0u8; b.encoded_len()];
        b.encode(&mut buf).unwrap();
        buf.extend_from_slice(b"trailing application data");
        for (i, x) in flips {
            let i = i.index(buf.len());
            buf[i] ^= x;
        }
        let cut = cut.index(buf.len() + 1);
        check_prefixes(&buf[..cut])?;
    }

    #[test]
    fn mutated_v1_lines_never_panic_and_prefixes_agree(
        h in gen_v1(),
        flips in prop::collection::vec((any::<prop::sample::Index>(), prop::sample::select(b" \r\n\t0:.9aPX\x00".to_vec())), 0..3),
    ) {
        let mut buf = [0u8; 107];
        let n = h.encode(&mut buf).unwrap();
        let mut line = buf[..n].to_vec();
        for (i, x) in flips {
            let i = i.index(line.len());
            line[i] = x;
        }
        check_prefixes(&line)?;
    }
}

/// For `input` and every prefix of it: no panic; a complete result stays inside the input and
/// is the same for every longer input; an incomplete prefix's count is a sound lower bound;
/// an error in a prefix is the whole's error, or the whole is complete-or-error... never a
/// different complete header.
fn check_prefixes(input: &[u8]) -> Result<(), TestCaseError> {
    let whole = parse(input);
    if let Ok(Status::Complete { consumed, .. }) = whole {
        prop_assert!(consumed <= input.len());
    }
    for k in 0..=input.len() {
        let part = parse(&input[..k]);
        match (&part, &whole) {
            (
                Ok(Status::Complete { header, consumed }),
                Ok(Status::Complete {
                    header: h2,
                    consumed: c2,
                }),
            ) => {
                prop_assert_eq!(consumed, c2);
                prop_assert_eq!(header, h2);
            }
            (Ok(Status::Complete { .. }), other) => {
                return Err(TestCaseError::fail(format!(
                    "prefix {k} complete, whole {other:?}"
                )));
            }
            (Ok(Status::Incomplete { needed }), Ok(Status::Complete { consumed, .. })) => {
                prop_assert!(
                    k + needed.get() <= *consumed,
                    "prefix {} needed {} but header is {}",
                    k,
                    needed,
                    consumed
                );
            }
            (Err(e), other) => {
                prop_assert_eq!(Err(*e), (*other).map(|_| ()), "prefix {} error differs", k);
            }
            _ => {}
        }
    }
    Ok(())
}
