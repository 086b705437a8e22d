//! One test per rule of PROTOCOL.md (§1 wire format, §2 parser contract, §3 policy, §4 error
//! categories), each asserting the exact outcome.

use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4};

use proxy_wire::v2::{self, Command, Protocol, TlvSpec, TlvType};
use proxy_wire::{
    parse, v1, Addresses, Encode, Endpoint, Header, OwnedHeader, ParseError, ParserConfig, Status,
};

const SIG: &[u8; 12] = b"\r\n\r\n\0\r\nQUIT\n";

fn complete(input: &[u8]) -> (Header<'_>, usize) {
    match parse(input) {
        Ok(Status::Complete { header, consumed }) => (header, consumed),
        other => panic!("{:?}: {other:?}", String::from_utf8_lossy(input)),
    }
}

fn err(input: &[u8]) -> ParseError {
    match parse(input) {
        Err(e) => e,
        other => panic!(
            "{:?}: expected an error, got {other:?}",
            String::from_utf8_lossy(input)
        ),
    }
}

fn needed(input: &[u8]) -> usize {
    match parse(input) {
        Ok(Status::Incomplete { needed }) => needed.get(),
        other => panic!(
            "{:?}: expected incomplete, got {other:?}",
            String::from_utf8_lossy(input)
        ),
    }
}

/// A v2 header from its parts, `len` computed.
fn v2(ver_cmd: u8, fam_proto: u8, body: &[u8]) -> Vec<u8> {
    let mut h = SIG.to_vec();
    h.push(ver_cmd);
    h.push(fam_proto);
    h.extend_from_slice(&(body.len() as u16).to_be_bytes());
    h.extend_from_slice(body);
    h
}

const INET_BLOCK: [u8; 12] = [192, 0, 2, 1, 198, 51, 100, 2, 0xdc, 0x04, 0x01, 0xbb];

fn inet_with(tlvs: &[u8]) -> Vec<u8> {
    let mut body = INET_BLOCK.to_vec();
    body.extend_from_slice(tlvs);
    v2(0x21, 0x11, &body)
}

// ---------------------------------------------------------------- §1 v1

#[test]
fn v1_tcp4() {
    let (h, n) = complete(b"PROXY TCP4 255.255.255.255 0.0.0.0 65535 0\r\nrest");
    assert_eq!(n, 44);
    assert_eq!(
        h,
        Header::V1(v1::Header::Tcp4 {
            src: SocketAddrV4::new(Ipv4Addr::BROADCAST, 65535),
            dst: SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, 0),
        })
    );
}

#[test]
fn v1_tcp6_compression_and_dotted_tail() {
    let (h, _) = complete(b"PROXY TCP6 ::ffff:192.0.2.1 2001:DB8::5 1234 25\r\n");
    let want_src: Ipv6Addr = "::ffff:192.0.2.1".parse().unwrap();
    let want_dst: Ipv6Addr = "2001:db8::5".parse().unwrap();
    assert_eq!(h.source(), Some(SocketAddr::new(want_src.into(), 1234)));
    assert_eq!(h.destination(), Some(SocketAddr::new(want_dst.into(), 25)));
}

#[test]
fn v1_tcp6_rejects_brackets_and_zone_ids() {
    for line in [
        &b"PROXY TCP6 [::1] ::1 1 2\r\n"[..],
        b"PROXY TCP6 fe80::1%eth0 ::1 1 2\r\n",
    ] {
        assert_eq!(err(line).category(), "bad-address");
    }
}

#[test]
fn v1_unknown_ignores_everything_up_to_crlf() {
    for line in [
        &b"PROXY UNKNOWN\r\n"[..],
        b"PROXY UNKNOWN 192.0.2.1 192.0.2.2 1 2\r\n",
        b"PROXY UNKNOWN garbage \x01\xff\r\n",
    ] {
        let (h, n) = complete(line);
        assert_eq!(n, line.len());
        assert_eq!(h.addresses(), Addresses::Unspec);
        assert_eq!(h.command(), Command::Local);
    }
}

#[test]
fn v1_sender_emits_exactly_proxy_unknown() {
    let mut buf = [0u8; 64];
    let n = v1::Header::Unknown.encode(&mut buf).unwrap();
    assert_eq!(&buf[..n], b"PROXY UNKNOWN\r\n");
}

#[test]
fn v1_107_byte_bound() {
    // exactly 107 bytes, CRLF included: valid
    let mut line = b"PROXY UNKNOWN ".to_vec();
    line.resize(105, b'x');
    line.extend_from_slice(b"\r\n");
    assert_eq!(line.len(), 107);
    assert_eq!(complete(&line).1, 107);
    // 108 bytes: the CRLF is past the bound
    let mut long = b"PROXY UNKNOWN ".to_vec();
    long.resize(106, b'x');
    long.extend_from_slice(b"\r\n");
    assert_eq!(err(&long), ParseError::V1TooLong);
    // no CRLF within 107 bytes, even with no more data coming yet
    assert_eq!(err(&long[..107]), ParseError::V1TooLong);
    // 106 bytes without a CR: a CRLF can no longer fit, so it is too long already
    assert_eq!(err(&long[..106]), ParseError::V1TooLong);
    // 105 bytes: a CRLF may still end the line at byte 107
    assert!(parse(&long[..105]).unwrap().is_incomplete());
    let mut cr = long[..105].to_vec();
    cr.push(b'\r');
    assert_eq!(needed(&cr), 1);
}

#[test]
fn v1_tcp6_longest_forms_hit_the_bound() {
    // Two 45-character addresses and 5-digit ports make a 116-byte line: too long.
    let a = "0000:0000:0000:0000:0000:ffff:255.255.255.255";
    let line = format!("PROXY TCP6 {a} {a} 65535 65535\r\n");
    assert_eq!(line.len(), 116);
    assert_eq!(err(line.as_bytes()), ParseError::V1TooLong);
}

#[test]
fn v1_lone_cr_or_lf_is_invalid() {
    assert!(matches!(
        err(b"PROXY TCP4 1.2.3.4 5.6.7.8 80 443\rX"),
        ParseError::InvalidV1 { offset: 33, .. }
    ));
    assert!(matches!(
        err(b"PROXY TCP4 1.2.3.4 5.6.7.8 80 443\n"),
        ParseError::InvalidV1 { offset: 33, .. }
    ));
    assert!(matches!(
        err(b"PROXY UNKNOWN a\nb\r\n"),
        ParseError::InvalidV1 { offset: 15, .. }
    ));
    assert!(matches!(
        err(b"PROXY UNKNOWN a\rb\r\n"),
        ParseError::InvalidV1 { offset: 15, .. }
    ));
}

// ---------------------------------------------------------------- §1 v2

#[test]
fn v2_local_skips_its_block_whatever_the_family() {
    // AWS NLB style: LOCAL with an INET block
    let h = v2(0x20, 0x11, &INET_BLOCK);
    let (hdr, n) = complete(&h);
    assert_eq!(n, 28);
    assert_eq!(hdr.command(), Command::Local);
    assert_eq!(hdr.addresses(), Addresses::Unspec);
    // LOCAL with any family byte, even one that is invalid for PROXY; when the block does not
    // fit or the family is unknown, the body is opaque
    for fam in [0x11, 0x22, 0x31, 0x4f, 0xff, 0x13] {
        let h = v2(0x20, fam, &[0xaa; 7]);
        assert_eq!(complete(&h).1, 23, "family byte {fam:#x}");
        assert_eq!(complete(&h).0.tlvs().count(), 0);
    }
    // LOCAL + UNSPEC: TLVs start right after the fixed part and are checked (§3.10)
    assert_eq!(err(&v2(0x20, 0x00, &[0xaa; 7])).category(), "bad-tlv");
}

#[test]
fn v2_proxy_unspec_is_accepted_without_addresses() {
    let bare = v2(0x21, 0x00, &[]);
    let (hdr, n) = complete(&bare);
    assert_eq!((n, hdr.addresses()), (16, Addresses::Unspec));
    // with TLVs after the (empty) block
    let with_tlv = v2(0x21, 0x00, b"\x01\x00\x02h2");
    let (hdr, n) = complete(&with_tlv);
    assert_eq!(
        (n, hdr.addresses(), hdr.tlvs().count()),
        (21, Addresses::Unspec, 1)
    );
}

#[test]
fn v2_len_below_address_block_is_invalid() {
    for (fam, block) in [(0x11u8, 12u16), (0x21, 36), (0x31, 216)] {
        let h = v2(0x21, fam, &vec![0; usize::from(block) - 1]);
        assert_eq!(
            err(&h),
            ParseError::AddressBlockTooShort {
                len: block - 1,
                required: block
            }
        );
    }
}

#[test]
fn v2_dgram_and_unix_are_decoded() {
    // UDP over IPv6
    let mut body = [0u8; 36];
    body[15] = 1; // ::1
    body[31] = 2; // ::2
    body[32..34].copy_from_slice(&53u16.to_be_bytes());
    body[34..36].copy_from_slice(&5353u16.to_be_bytes());
    let h = v2(0x21, 0x22, &body);
    let (hdr, _) = complete(&h);
    let Header::V2(v) = hdr else { panic!("not v2") };
    assert_eq!(v.protocol(), Protocol::Dgram);
    assert!(matches!(v.addresses(), Addresses::Inet6 { .. }));
    assert_eq!(hdr.source(), Some("[::1]:53".parse().unwrap()));
    assert_eq!(hdr.destination(), Some("[::2]:5353".parse().unwrap()));
    // UNIX stream with NUL-padded paths
    let mut body = vec![0u8; 216];
    body[..9].copy_from_slice(b"/tmp/a.so");
    body[108..108 + 4].copy_from_slice(b"/b/c");
    let h = v2(0x21, 0x31, &body);
    let (hdr, n) = complete(&h);
    assert_eq!(n, 232);
    assert_eq!(
        hdr.addresses(),
        Addresses::Unix {
            src: b"/tmp/a.so",
            dst: b"/b/c"
        }
    );
}

#[test]
fn v2_unknown_and_duplicate_tlvs_are_kept_in_order() {
    let tlvs = b"\xf0\x00\x01a\x01\x00\x02h2\xf0\x00\x01b\x99\x00\x00\x01\x00\x02h3";
    let h = inet_with(tlvs);
    let (hdr, _) = complete(&h);
    let got: Vec<(u8, Vec<u8>)> = hdr
        .tlvs()
        .map(|t| (t.tlv_type().0, t.value_bytes().to_vec()))
        .collect();
    assert_eq!(
        got,
        vec![
            (0xf0, b"a".to_vec()),
            (0x01, b"h2".to_vec()),
            (0xf0, b"b".to_vec()),
            (0x99, vec![]),
            (0x01, b"h3".to_vec()),
        ]
    );
    // the first ALPN wins in the convenience accessor
    assert_eq!(hdr.alpn(), Some(&b"h2"[..]));
}

#[test]
fn v2_typed_tlv_accessors() {
    let subs = [
        TlvSpec::SslVersion("TLSv1.3"),
        TlvSpec::SslCn("client.example.com"),
        TlvSpec::SslCipher("TLS_AES_128_GCM_SHA256"),
        TlvSpec::SslSigAlg("RSA-SHA256"),
        TlvSpec::SslKeyAlg("RSA2048"),
        TlvSpec::SslGroup("X25519"),
        TlvSpec::SslSigScheme("rsa_pss_rsae_sha256"),
        TlvSpec::SslClientCert(&[0x30, 0x82, 0x01]),
    ];
    let tlvs = [
        TlvSpec::Alpn(b"h2"),
        TlvSpec::Authority("example.com"),
        TlvSpec::UniqueId(&[9; 32]),
        TlvSpec::Ssl(v2::SslClient(0x07), 0, &subs),
        TlvSpec::Netns("blue"),
        TlvSpec::Gcp(0x0102_0304_0506_0708),
        TlvSpec::AwsVpceId("vpce-08d2bf15fac5001c9"),
        TlvSpec::AzureLinkId(0x1122_3344),
        TlvSpec::Noop(3),
    ];
    let src: SocketAddr = "192.0.2.1:1".parse().unwrap();
    let dst: SocketAddr = "192.0.2.2:2".parse().unwrap();
    let b = v2::Builder::proxy(Protocol::Stream, (src, dst))
        .tlvs(&tlvs)
        .crc32c(true);
    let mut buf = vec![0u8; b.encoded_len()];
    let n = b.encode(&mut buf).unwrap();
    let (hdr, consumed) = complete(&buf[..n]);
    assert_eq!(consumed, n);
    let Header::V2(v) = hdr else { panic!("not v2") };
    use v2::TlvValue as V;
    let values: Vec<V<'_>> = v.tlvs().map(|t| t.value().unwrap()).collect();
    assert_eq!(values[0], V::Alpn(b"h2"));
    assert_eq!(values[1], V::Authority("example.com"));
    assert_eq!(values[2], V::UniqueId(&[9; 32]));
    let V::Ssl(ssl) = values[3] else {
        panic!("{:?}", values[3])
    };
    assert_eq!(values[4], V::Netns("blue"));
    assert_eq!(values[5], V::GcpPscConnectionId(0x0102_0304_0506_0708));
    assert_eq!(values[6], V::AwsVpceId("vpce-08d2bf15fac5001c9"));
    assert_eq!(values[7], V::AzurePrivateEndpointLinkId(0x1122_3344));
    assert_eq!(values[8], V::Noop(3));
    assert!(matches!(values[9], V::Crc32c(_)));
    assert_eq!(v.crc32c().map(V::Crc32c), Some(values[9]));
    // Azure's id is little-endian on the wire
    let azure = v.find_tlv(TlvType::AZURE).unwrap();
    assert_eq!(azure.value_bytes(), &[0x01, 0x44, 0x33, 0x22, 0x11]);
    // SSL and its sub-TLVs
    assert_eq!(ssl.client(), v2::SslClient(0x07));
    assert!(ssl.is_verified());
    assert_eq!(ssl.version(), Some("TLSv1.3"));
    assert_eq!(ssl.cn(), Some("client.example.com"));
    assert_eq!(ssl.cipher(), Some("TLS_AES_128_GCM_SHA256"));
    assert_eq!(ssl.sig_alg(), Some("RSA-SHA256"));
    assert_eq!(ssl.key_alg(), Some("RSA2048"));
    assert_eq!(ssl.group(), Some("X25519"));
    assert_eq!(ssl.sig_scheme(), Some("rsa_pss_rsae_sha256"));
    assert_eq!(ssl.client_cert(), Some(&[0x30, 0x82, 0x01][..]));
    let sub_values: Vec<V<'_>> = ssl.sub_tlvs().map(|t| t.value().unwrap()).collect();
    assert_eq!(sub_values[0], V::SslVersion("TLSv1.3"));
    assert_eq!(sub_values[7], V::SslClientCert(&[0x30, 0x82, 0x01]));
    // the header's accessors give the same values, text as &str
    assert_eq!(hdr.ssl(), Some(ssl));
    assert_eq!(hdr.ssl().and_then(|s| s.cn()), Some("client.example.com"));
    assert_eq!(hdr.alpn(), Some(&b"h2"[..]));
    assert_eq!(hdr.authority(), Some("example.com"));
    assert_eq!(hdr.unique_id(), Some(&[9u8; 32][..]));
    assert_eq!(hdr.netns(), Some("blue"));
    assert_eq!(hdr.gcp_psc_id(), Some(0x0102_0304_0506_0708));
    assert_eq!(hdr.aws_vpce_id(), Some("vpce-08d2bf15fac5001c9"));
    assert_eq!(hdr.azure_link_id(), Some(0x1122_3344));
}

#[test]
fn header_accessors_absent_odd_and_repeated() {
    // v1 carries no TLVs
    let (h, _) = complete(b"PROXY TCP4 192.0.2.1 192.0.2.2 1 2\r\n");
    assert_eq!(
        (h.authority(), h.alpn(), h.unique_id(), h.ssl().is_none()),
        (None, None, None, true)
    );
    assert_eq!(
        (
            h.netns(),
            h.aws_vpce_id(),
            h.azure_link_id(),
            h.gcp_psc_id()
        ),
        (None, None, None, None)
    );
    // the first of a type wins; a vendor TLV of another subtype is skipped, an AUTHORITY
    // that is not UTF-8 or a NETNS that is not ASCII reads as absent
    let tlvs: &[u8] = b"\x01\x00\x02h2\x01\x00\x02h3\
        \xea\x00\x02\x02x\xea\x00\x04\x01v-1\
        \xee\x00\x02\x02x\xee\x00\x05\x01\x04\x03\x02\x01\
        \x02\x00\x01\xff\x30\x00\x01\xe9";
    let h = inet_with(tlvs);
    let (h, _) = complete(&h);
    assert_eq!(h.alpn(), Some(&b"h2"[..]));
    assert_eq!(h.aws_vpce_id(), Some("v-1"));
    assert_eq!(h.azure_link_id(), Some(0x0102_0304));
    assert_eq!((h.authority(), h.netns()), (None, None));
    assert_eq!(h.gcp_psc_id(), None);
    // the first AUTHORITY is the one read, even when a later one is valid
    let both = inet_with(b"\x02\x00\x01\xff\x02\x00\x01a");
    assert_eq!(complete(&both).0.authority(), None);
}

#[test]
fn v2_odd_tlv_values_fail_only_when_decoded() {
    // A 3-byte GCP TLV and non-UTF-8 AUTHORITY: the header parses; decoding says what is wrong.
    let h = inet_with(b"\xe0\x00\x03abc\x02\x00\x01\xff\x30\x00\x01\xc3");
    let (hdr, _) = complete(&h);
    let errs: Vec<ParseError> = hdr.tlvs().map(|t| t.value().unwrap_err()).collect();
    assert!(errs.iter().all(|e| e.category() == "bad-tlv"));
    assert!(matches!(
        errs[0],
        ParseError::InvalidTlvValue {
            tlv_type: 0xe0,
            len: 3,
            ..
        }
    ));
    assert!(matches!(
        errs[1],
        ParseError::InvalidTlvValue { tlv_type: 0x02, .. }
    ));
    assert!(matches!(
        errs[2],
        ParseError::InvalidTlvValue { tlv_type: 0x30, .. }
    ));
    // vendor TLVs of an unknown subtype are raw, not errors
    let h = inet_with(b"\xea\x00\x02\x07x");
    let (hdr, _) = complete(&h);
    let t = hdr.tlvs().next().unwrap();
    assert_eq!(t.value(), Ok(v2::TlvValue::Other(t)));
}

// ---------------------------------------------------------------- version detection, §2

#[test]
fn first_byte_decides_the_version() {
    assert_eq!(complete(b"PROXY UNKNOWN\r\n").0.version(), 1);
    assert_eq!(complete(&v2(0x20, 0, &[])).0.version(), 2);
    for (input, byte) in [
        (&b"GET / HTTP/1.1\r\n"[..], b'G'),
        (b"\x16\x03\x01\x02\x00", 0x16),
        (b"SSH-2.0-OpenSSH_9.6\r\n", b'S'),
        (b"proxy TCP4", b'p'),
    ] {
        assert_eq!(err(input), ParseError::NotProxyHeader { offset: 0, byte });
        assert_eq!(err(input).category(), "not-proxy");
    }
}

#[test]
fn prefixes_of_both_signatures_need_more_and_the_first_bad_byte_is_not_proxy() {
    assert_eq!(needed(b""), 15);
    for k in 1..=5 {
        assert!(needed(&b"PROXY"[..k]) >= 1);
    }
    for k in 1..=12 {
        assert_eq!(needed(&SIG[..k]), 16 - k);
    }
    assert_eq!(
        err(b"PROXZ"),
        ParseError::NotProxyHeader {
            offset: 4,
            byte: b'Z'
        }
    );
    assert_eq!(
        err(b"\r\n\r\n\0\r\nQUIX"),
        ParseError::NotProxyHeader {
            offset: 10,
            byte: b'X'
        }
    );
    // the v2 fixed part's count is exact once `len` is visible
    let h = inet_with(&[]);
    for k in 16..h.len() {
        assert_eq!(needed(&h[..k]), h.len() - k);
    }
}

#[test]
fn consumed_never_reaches_past_the_header() {
    let mut input = inet_with(b"\x01\x00\x02h2");
    let header_len = input.len();
    input.extend_from_slice(b"\x01\x00\x02h3 payload");
    assert_eq!(complete(&input).1, header_len);
    let (_, n) = complete(b"PROXY UNKNOWN\r\nPROXY UNKNOWN\r\n");
    assert_eq!(n, 15);
}

// ---------------------------------------------------------------- §3 policy

#[test]
fn policy_01_unknown_followed_by_anything_but_not_unknownx() {
    assert!(complete(b"PROXY UNKNOWN foo bar\r\n").1 == 23);
    assert!(matches!(
        err(b"PROXY UNKNOWNX\r\n"),
        ParseError::InvalidV1 { offset: 13, .. }
    ));
}

#[test]
fn policy_02_heading_zeros_signs_and_ranges() {
    assert_eq!(
        err(b"PROXY TCP4 192.168.01.1 10.0.0.1 1 2\r\n"),
        ParseError::BadAddress {
            field: Endpoint::Source,
            offset: 11
        }
    );
    assert_eq!(
        err(b"PROXY TCP4 1.2.3.4 10.0.0.256 1 2\r\n"),
        ParseError::BadAddress {
            field: Endpoint::Destination,
            offset: 19
        }
    );
    for (line, field, offset) in [
        (
            &b"PROXY TCP4 1.2.3.4 5.6.7.8 080 443\r\n"[..],
            Endpoint::Source,
            27,
        ),
        (
            b"PROXY TCP4 1.2.3.4 5.6.7.8 80 00\r\n",
            Endpoint::Destination,
            30,
        ),
        (
            b"PROXY TCP4 1.2.3.4 5.6.7.8 +80 443\r\n",
            Endpoint::Source,
            27,
        ),
        (
            b"PROXY TCP4 1.2.3.4 5.6.7.8 -1 443\r\n",
            Endpoint::Source,
            27,
        ),
        (
            b"PROXY TCP4 1.2.3.4 5.6.7.8 80 65536\r\n",
            Endpoint::Destination,
            30,
        ),
        (
            b"PROXY TCP4 1.2.3.4 5.6.7.8 80 4431234\r\n",
            Endpoint::Destination,
            30,
        ),
        (
            b"PROXY TCP4 1.2.3.4 5.6.7.8 8x 443\r\n",
            Endpoint::Source,
            27,
        ),
    ] {
        assert_eq!(
            err(line),
            ParseError::BadPort { field, offset },
            "{:?}",
            String::from_utf8_lossy(line)
        );
    }
    // port 0 and 65535 are fine
    assert_eq!(complete(b"PROXY TCP4 1.2.3.4 5.6.7.8 0 65535\r\n").1, 36);
    // empty port: invalid structure
    assert_eq!(
        err(b"PROXY TCP4 1.2.3.4 5.6.7.8  443\r\n").category(),
        "invalid-v1"
    );
}

#[test]
fn policy_03_fields_and_whitespace() {
    for line in [
        &b"PROXY TCP4 1.2.3.4 5.6.7.8 80\r\n"[..],  // missing field
        b"PROXY TCP4 1.2.3.4 5.6.7.8 80 443 9\r\n", // extra field
        b"PROXY  TCP4 1.2.3.4 5.6.7.8 80 443\r\n",  // double space
        b"PROXY TCP4  1.2.3.4 5.6.7.8 80 443\r\n",  // double space
        b"PROXY TCP4 1.2.3.4\t5.6.7.8 80 443\r\n",  // tab
        b"PROXY TCP4 1.2.3.4 5.6.7.8 80 443 \r\n",  // trailing space
        b"PROXY TCP4\r\n",                          // nothing after the protocol
    ] {
        assert_eq!(
            err(line).category(),
            "invalid-v1",
            "{:?}",
            String::from_utf8_lossy(line)
        );
    }
}

#[test]
fn policy_04_family_mismatch_is_bad_address() {
    assert_eq!(
        err(b"PROXY TCP6 192.0.2.1 2001:db8::1 1 2\r\n"),
        ParseError::BadAddress {
            field: Endpoint::Source,
            offset: 11
        }
    );
    assert_eq!(
        err(b"PROXY TCP4 192.0.2.1 2001:db8::1 1 2\r\n"),
        ParseError::BadAddress {
            field: Endpoint::Destination,
            offset: 21
        }
    );
}

#[test]
fn policy_05_proxy_without_space() {
    for line in [&b"PROXYjunk\r\n"[..], b"PROXYTCP4 1.2.3.4 5.6.7.8 1 2\r\n"] {
        assert!(matches!(err(line), ParseError::InvalidV1 { offset: 5, .. }));
    }
}

#[test]
fn policy_06_command_and_version_nibbles() {
    assert_eq!(
        err(&v2(0x22, 0x11, &INET_BLOCK)),
        ParseError::InvalidCommand { command: 2 }
    );
    assert_eq!(
        err(&v2(0x2f, 0x11, &INET_BLOCK)),
        ParseError::InvalidCommand { command: 0xf }
    );
    assert_eq!(
        err(&v2(0x11, 0x11, &INET_BLOCK)),
        ParseError::UnsupportedVersion { version: 1 }
    );
    // reported as soon as byte 12 is in
    let mut early = SIG.to_vec();
    early.push(0x31);
    assert_eq!(err(&early), ParseError::UnsupportedVersion { version: 3 });
    assert_eq!(err(&early).category(), "unsupported");
}

#[test]
fn policy_07_proxy_family_and_protocol_only_the_seven_values() {
    const SPECIFIED: [u8; 7] = [0x00, 0x11, 0x12, 0x21, 0x22, 0x31, 0x32];
    let mut refused = 0;
    for fam in 0..=255u8 {
        let block = match fam >> 4 {
            1 => 12,
            2 => 36,
            3 => 216,
            _ => 0,
        };
        let h = v2(0x21, fam, &vec![1; block]);
        if SPECIFIED.contains(&fam) {
            assert!(parse(&h).unwrap().is_complete(), "{fam:#04x}");
            continue;
        }
        refused += 1;
        let want = ParseError::InvalidFamilyProtocol { byte: fam };
        assert_eq!(err(&h), want);
        assert_eq!(want.category(), "invalid-v2");
        // reported as soon as byte 13 is in, before the length field
        assert_eq!(err(&h[..14]), want, "{fam:#04x} at 14 bytes");
        assert_eq!(err(&h[..15]), want, "{fam:#04x} at 15 bytes");
        assert_eq!(v2::parse(&h[..14]), Err(want));
        // LOCAL takes any byte 13 and gives no addresses
        let local = v2(0x20, fam, &vec![1; block]);
        let (hdr, n) = complete(&local);
        assert_eq!(
            (n, hdr.addresses()),
            (local.len(), Addresses::Unspec),
            "{fam:#04x}"
        );
    }
    assert_eq!(refused, 256 - 7);
}

#[test]
fn policy_08_proxy_family_or_protocol_alone_is_invalid() {
    // A family without a transport, or a transport without a family: never an address.
    for (fam, block) in [(0x10u8, 12), (0x20, 36), (0x30, 216), (0x01, 0), (0x02, 0)] {
        let h = v2(0x21, fam, &vec![7; block]);
        assert_eq!(
            err(&h),
            ParseError::InvalidFamilyProtocol { byte: fam },
            "{fam:#04x}"
        );
        assert_eq!(err(&h).category(), "invalid-v2");
        assert_eq!(
            err(&h[..14]),
            ParseError::InvalidFamilyProtocol { byte: fam },
            "{fam:#04x} incremental"
        );
        // LOCAL with the same byte: accepted, the block skipped, the TLVs after it read
        let mut body = vec![7; block];
        body.extend_from_slice(b"\x02\x00\x01a");
        let local = v2(0x20, fam, &body);
        let (hdr, n) = complete(&local);
        assert_eq!(n, 16 + block + 4);
        assert_eq!(hdr.addresses(), Addresses::Unspec);
        assert_eq!(hdr.authority(), Some("a"));
    }
    // the specified UNSPEC is fine
    assert!(complete(&v2(0x21, 0x00, &[])).0.source().is_none());
}

#[test]
fn policy_08_encoder_never_writes_an_unspecified_transport() {
    let src: SocketAddr = "192.0.2.1:1".parse().unwrap();
    let dst: SocketAddr = "192.0.2.2:2".parse().unwrap();
    let mut buf = [0xa5u8; 256];
    for (b, byte) in [
        (v2::Builder::proxy(Protocol::Unspec, (src, dst)), 0x10),
        (
            v2::Builder::proxy(Protocol::Stream, Addresses::Unspec),
            0x01,
        ),
        (v2::Builder::proxy(Protocol::Dgram, Addresses::Unspec), 0x02),
        (
            v2::Builder::proxy(
                Protocol::Unspec,
                Addresses::Unix {
                    src: b"/a",
                    dst: b"/b",
                },
            ),
            0x30,
        ),
    ] {
        assert_eq!(
            b.encode(&mut buf),
            Err(proxy_wire::EncodeError::InvalidFamilyProtocol { byte })
        );
        assert!(buf.iter().all(|&x| x == 0xa5), "nothing written");
        // as LOCAL the same builder is fine: a receiver ignores the block
        assert!(b.command(Command::Local).encode(&mut buf).is_ok());
        buf = [0xa5; 256];
    }
    let n = v2::Builder::proxy(Protocol::Unspec, Addresses::Unspec)
        .encode(&mut buf)
        .unwrap();
    assert_eq!(&buf[12..n], [0x21, 0x00, 0, 0]);
}

#[test]
fn policy_09_udp_and_unix_accepted() {
    for fam in [0x12u8, 0x22, 0x31, 0x32] {
        let block = [0usize, 12, 36, 216][usize::from(fam >> 4)];
        let bytes = v2(0x21, fam, &vec![1; block]);
        let (h, _) = complete(&bytes);
        assert_ne!(h.addresses(), Addresses::Unspec, "{fam:#x}");
    }
}

#[test]
fn policy_09_stream_readers_refuse_a_dgram_header() {
    let want = ParseError::WrongTransport {
        version: 2,
        in_datagram: false,
    };
    assert_eq!(want.category(), "invalid-v2");
    for fam in [0x12u8, 0x22, 0x32] {
        let block = [0usize, 12, 36, 216][usize::from(fam >> 4)];
        let mut bytes = v2(0x21, fam, &vec![1; block]);
        bytes.extend_from_slice(b"data");
        let e = proxy_wire::io::read_header(&bytes[..], &ParserConfig::new()).unwrap_err();
        assert_eq!(e.kind(), std::io::ErrorKind::InvalidData);
        let inner = std::error::Error::source(&e).and_then(|e| e.downcast_ref::<ParseError>());
        assert_eq!(inner, Some(&want), "{fam:#04x}");
        // the same header for a stream, and a LOCAL one with a DGRAM byte, are fine
        bytes[13] = fam - 1;
        assert!(proxy_wire::io::read_header(&bytes[..], &ParserConfig::new()).is_ok());
        bytes[12] = 0x20;
        bytes[13] = fam;
        let (h, rest) = proxy_wire::io::read_header(&bytes[..], &ParserConfig::new()).unwrap();
        let (inner, leftover) = rest.into_inner(); // nothing is read past a v2 header
        assert_eq!(
            (h.header().source(), leftover.len(), inner),
            (None, 0, &b"data"[..])
        );
    }
}

#[test]
fn policy_09_datagrams_refuse_a_stream_header_or_a_v1_line() {
    let src: SocketAddr = "192.0.2.1:5000".parse().unwrap();
    let dst: SocketAddr = "192.0.2.2:53".parse().unwrap();
    let mut dgram = [0u8; 64];
    for (protocol, ok) in [(Protocol::Dgram, true), (Protocol::Stream, false)] {
        let n = v2::Builder::proxy(protocol, (src, dst))
            .encode(&mut dgram)
            .unwrap();
        let got = proxy_wire::parse_datagram(&dgram[..n + 3]);
        if ok {
            assert_eq!(got.map(|(h, p)| (h.source(), p.len())), Ok((Some(src), 3)));
        } else {
            let e = got.unwrap_err();
            assert_eq!(
                e,
                ParseError::WrongTransport {
                    version: 2,
                    in_datagram: true
                }
            );
            assert_eq!(e.category(), "invalid-v2");
        }
    }
    for line in [
        &b"PROXY TCP4 192.0.2.1 192.0.2.2 5000 53\r\nping"[..],
        b"PROXY UNKNOWN\r\nping",
    ] {
        let e = proxy_wire::parse_datagram(line).unwrap_err();
        assert_eq!(
            e,
            ParseError::WrongTransport {
                version: 1,
                in_datagram: true
            }
        );
        assert_eq!(e.category(), "invalid-v1");
    }
    // no addresses to believe: LOCAL (any byte 13) and PROXY UNSPEC
    for h in [v2(0x20, 0x11, &[0; 12]), v2(0x21, 0x00, &[])] {
        let (hdr, payload) = proxy_wire::parse_datagram(&h).unwrap();
        assert_eq!((hdr.source(), payload.len()), (None, 0));
    }
}

#[test]
fn policy_10_malformed_tlv_area() {
    // truncated TLV header: 2 bytes
    assert_eq!(
        err(&inet_with(b"\x01\x00")),
        ParseError::TlvHeaderTruncated {
            offset: 28,
            available: 2
        }
    );
    // value past 16 + len
    assert_eq!(
        err(&inet_with(b"\x02\x00\x05abc")),
        ParseError::TlvOverrun {
            offset: 28,
            tlv_type: 2,
            declared: 5,
            available: 3
        }
    );
    // all-zero padding whose length is a multiple of 3 is well formed (empty type-0 TLVs)
    let padded = inet_with(&[0; 9]);
    let (h, _) = complete(&padded);
    assert_eq!(h.tlvs().count(), 3);
    assert_eq!(err(&inet_with(&[0; 4])).category(), "bad-tlv");
}

#[test]
fn policy_11_ssl_value_shape() {
    assert_eq!(
        err(&inet_with(b"\x20\x00\x04\x01\x00\x00\x00")),
        ParseError::SslTooShort { offset: 28, len: 4 }
    );
    // sub-TLV overruns the SSL value (but not the header)
    let e = err(&inet_with(
        b"\x20\x00\x09\x01\x00\x00\x00\x00\x21\x00\x05ab\x04\x00\x01x",
    ));
    assert_eq!(
        e,
        ParseError::TlvOverrun {
            offset: 36,
            tlv_type: 0x21,
            declared: 5,
            available: 1
        }
    );
    // truncated sub-TLV header
    assert!(matches!(
        err(&inet_with(b"\x20\x00\x07\x01\x00\x00\x00\x00\x21\x00")),
        ParseError::TlvHeaderTruncated {
            offset: 36,
            available: 2
        }
    ));
}

#[test]
fn policy_12_crc32c_verified_also_on_local() {
    // HAProxy's health check header (captured): valid
    let hc = b"\r\n\r\n\0\r\nQUIT\n\x20\x00\x00\x07\x03\x00\x04\xa9\xb8\x7e\x8f";
    assert!(parse(hc).unwrap().is_complete());
    let mut bad = hc.to_vec();
    bad[22] ^= 1;
    assert_eq!(
        err(&bad),
        ParseError::ChecksumMismatch {
            carried: 0xa9b8_7e8e,
            computed: 0xa9b8_7e8f
        }
    );
    assert_eq!(err(&bad).category(), "bad-checksum");
    // CRC32C TLV of the wrong length
    assert_eq!(
        err(&inet_with(b"\x03\x00\x03abc")),
        ParseError::Crc32cLength { offset: 28, len: 3 }
    );
    // a flipped bit anywhere in a checksummed header is caught
    let tlvs = [TlvSpec::Alpn(b"h2"), TlvSpec::Authority("a.example")];
    let b = v2::Builder::proxy(
        Protocol::Stream,
        (
            "192.0.2.1:1".parse::<SocketAddr>().unwrap(),
            "192.0.2.2:2".parse::<SocketAddr>().unwrap(),
        ),
    )
    .tlvs(&tlvs)
    .crc32c(true);
    let mut buf = [0u8; 64];
    let n = b.encode(&mut buf).unwrap();
    for i in 16..n {
        if i == n - 7 {
            // the CRC32C TLV's own type byte: flipped, it is another TLV and nothing is checked
            continue;
        }
        let mut h = buf[..n].to_vec();
        h[i] ^= 0x80;
        // a flip may also break framing or the family; it is never silently accepted,
        // except in the address block's content, which the checksum covers too
        assert!(parse(&h).is_err(), "flip at byte {i} accepted");
    }
}

#[test]
fn policy_13_unique_id_limit_and_unbounded_authority() {
    let mut long = vec![0x05, 0x00, 129];
    long.extend_from_slice(&[7; 129]);
    assert_eq!(
        err(&inet_with(&long)),
        ParseError::UniqueIdTooLong {
            offset: 28,
            len: 129
        }
    );
    let mut ok = vec![0x05, 0x00, 128];
    ok.extend_from_slice(&[7; 128]);
    assert!(parse(&inet_with(&ok)).unwrap().is_complete());
    let host = "a".repeat(1000);
    let mut auth = vec![0x02];
    auth.extend_from_slice(&1000u16.to_be_bytes());
    auth.extend_from_slice(host.as_bytes());
    let h = inet_with(&auth);
    assert_eq!(complete(&h).0.authority(), Some(host.as_str()));
}

#[test]
fn policy_14_large_headers_and_the_configured_limit() {
    // len 65535 is valid by default
    let mut body = INET_BLOCK.to_vec();
    body.push(0x04);
    body.extend_from_slice(&(65535u16 - 15).to_be_bytes());
    body.resize(65535, 0);
    let h = v2(0x21, 0x11, &body);
    assert_eq!(complete(&h).1, 65551);
    // a lower limit refuses it as soon as `len` is seen, before the body arrives
    let config = ParserConfig::new().max_v2_header_len(1024);
    assert_eq!(
        config.parse(&h[..16]),
        Err(ParseError::V2TooLong {
            size: 65551,
            limit: 1024
        })
    );
    assert_eq!(config.parse(&h[..16]).unwrap_err().category(), "too-long");
    // below the limit, still incomplete with the exact count
    let small = inet_with(&[]);
    assert_eq!(
        config.parse(&small[..16]).unwrap(),
        Status::Incomplete {
            needed: 12.try_into().unwrap()
        }
    );
}

#[test]
fn policy_15_encoder_mixed_families_and_canonical_text() {
    let src: SocketAddr = "[2001:db8::1]:4000".parse().unwrap();
    let dst: SocketAddr = "192.0.2.1:443".parse().unwrap();
    // v2: both IPv6, the IPv4 one mapped
    let b = v2::Builder::proxy(Protocol::Stream, (src, dst));
    let mut buf = [0u8; 64];
    let n = b.encode(&mut buf).unwrap();
    assert_eq!(buf[13], 0x21);
    let (h, _) = complete(&buf[..n]);
    assert_eq!(
        h.destination(),
        Some("[::ffff:192.0.2.1]:443".parse().unwrap())
    );
    // v1: TCP6 with canonical RFC 5952 text, lowercase
    let h = v1::Header::from_socket_addrs("[2001:DB8:0:0:0:0:0:1]:4000".parse().unwrap(), dst);
    let mut line = [0u8; 107];
    let n = h.encode(&mut line).unwrap();
    assert_eq!(
        &line[..n],
        b"PROXY TCP6 2001:db8::1 ::ffff:192.0.2.1 4000 443\r\n"
    );
    // a decoded v2 header re-encodes to the same bytes, CRC recomputed
    let tlvs = [TlvSpec::Alpn(b"h2")];
    let b = v2::Builder::proxy(Protocol::Stream, (src, dst))
        .tlvs(&tlvs)
        .crc32c(true);
    let n = b.encode(&mut buf).unwrap();
    let (h, _) = complete(&buf[..n]);
    let mut again = [0u8; 64];
    let m = h.encode(&mut again).unwrap();
    assert_eq!(&again[..m], &buf[..n]);
}

// ---------------------------------------------------------------- §4, one per category

#[test]
fn each_error_category_has_its_exact_error() {
    // The same INET header with a correct CRC32C, then with the field zeroed.
    let good = {
        let src: SocketAddrV4 = "192.0.2.1:56324".parse().unwrap();
        let dst: SocketAddrV4 = "198.51.100.2:443".parse().unwrap();
        let mut out = [0u8; 35];
        v2::Builder::proxy(Protocol::Stream, (src, dst))
            .crc32c(true)
            .encode(&mut out)
            .unwrap();
        out
    };
    assert_eq!(&good[16..28], &INET_BLOCK);
    let right_crc = u32::from_be_bytes([good[31], good[32], good[33], good[34]]);
    let mut zeroed_crc = good.to_vec();
    zeroed_crc[31..35].fill(0);
    let cases: Vec<(Vec<u8>, ParseError, &str)> = vec![
        (
            b"HELO".to_vec(),
            ParseError::NotProxyHeader {
                offset: 0,
                byte: b'H',
            },
            "not-proxy",
        ),
        (
            b"PROXY TCP5 1.2.3.4 5.6.7.8 1 2\r\n".to_vec(),
            ParseError::InvalidV1 {
                offset: 6,
                reason: "unknown protocol, expected \"TCP4 \", \"TCP6 \" or \"UNKNOWN\"",
            },
            "invalid-v1",
        ),
        (
            [b"PROXY UNKNOWN ".as_slice(), &[b'x'; 100]].concat(),
            ParseError::V1TooLong,
            "too-long",
        ),
        (
            b"PROXY TCP4 1.2.3 5.6.7.8 1 2\r\n".to_vec(),
            ParseError::BadAddress {
                field: Endpoint::Source,
                offset: 11,
            },
            "bad-address",
        ),
        (
            b"PROXY TCP4 1.2.3.4 5.6.7.8 1 99999\r\n".to_vec(),
            ParseError::BadPort {
                field: Endpoint::Destination,
                offset: 29,
            },
            "bad-port",
        ),
        (
            v2(0x31, 0x11, &INET_BLOCK),
            ParseError::UnsupportedVersion { version: 3 },
            "unsupported",
        ),
        (
            v2(0x23, 0x11, &INET_BLOCK),
            ParseError::InvalidCommand { command: 3 },
            "invalid-v2",
        ),
        (
            inet_with(b"\x05\x00\x81"),
            ParseError::TlvOverrun {
                offset: 28,
                tlv_type: 5,
                declared: 129,
                available: 0,
            },
            "bad-tlv",
        ),
        (
            zeroed_crc.clone(),
            ParseError::ChecksumMismatch {
                carried: 0,
                computed: right_crc,
            },
            "bad-checksum",
        ),
    ];
    let mut seen = std::collections::HashSet::new();
    for (input, want, cat) in cases {
        let got = err(&input);
        assert_eq!(got, want);
        assert_eq!(got.category(), cat);
        // the message names what was wrong
        assert!(!got.to_string().is_empty());
        seen.insert(cat);
    }
    let config = ParserConfig::new().max_v2_header_len(20);
    assert_eq!(
        config.parse(&inet_with(&[])).unwrap_err(),
        ParseError::V2TooLong {
            size: 28,
            limit: 20
        }
    );
    assert_eq!(seen.len(), 9, "every category of §4 is covered: {seen:?}");
}

#[test]
fn error_messages_name_field_byte_and_lengths() {
    assert_eq!(
        err(&inet_with(b"\x02\x00\x05abc")).to_string(),
        "TLV type 0x02 at offset 28 declares 5 bytes but only 3 remain"
    );
    assert_eq!(
        err(&v2(0x21, 0x41, &[0; 12])).to_string(),
        "invalid v2 family/protocol byte 0x41 in byte 13"
    );
    assert_eq!(
        err(b"PROXY TCP4 1.2.3.4 5.6.7.8 80 443 \r\n").to_string(),
        "invalid v1 header: expected CRLF after the destination port at offset 33"
    );
}

#[cfg(feature = "std")]
#[test]
fn parse_errors_become_invalid_data_io_errors() {
    let io: std::io::Error = err(b"HELO").into();
    assert_eq!(io.kind(), std::io::ErrorKind::InvalidData);
    let inner = std::error::Error::source(&io).expect("the parse error is the source");
    assert_eq!(
        inner.downcast_ref::<ParseError>(),
        Some(&ParseError::NotProxyHeader {
            offset: 0,
            byte: b'H'
        })
    );
    // The message says what failed, its source why: printed as a chain, nothing repeats.
    assert_eq!(io.to_string(), "invalid PROXY protocol header");
    assert_eq!(
        inner.to_string(),
        "not a PROXY protocol header: unexpected byte 0x48 at offset 0"
    );
    assert!(inner.source().is_none());
}

// ---------------------------------------------------------------- entry points and config

#[test]
fn version_pinned_entry_points() {
    let v2h = v2(0x20, 0, &[]);
    assert_eq!(
        v1::parse(&v2h),
        Err(ParseError::NotProxyHeader {
            offset: 0,
            byte: b'\r'
        })
    );
    assert_eq!(
        v2::parse(b"PROXY UNKNOWN\r\n"),
        Err(ParseError::NotProxyHeader {
            offset: 0,
            byte: b'P'
        })
    );
    let only_v2 = ParserConfig::new().accept_v1(false);
    assert_eq!(
        only_v2.parse(b"PROXY UNKNOWN\r\n"),
        Err(ParseError::VersionDisabled { version: 1 })
    );
    assert_eq!(
        only_v2.parse(b"GET /"),
        Err(ParseError::NotProxyHeader {
            offset: 0,
            byte: b'G'
        })
    );
    // Starting like the disabled version but not a header of it: that error, not "disabled".
    assert_eq!(
        only_v2.parse(b"POST / HTTP/1.1\r\n"),
        Err(ParseError::NotProxyHeader {
            offset: 1,
            byte: b'O'
        })
    );
    assert!(only_v2.parse(&v2h).unwrap().is_complete());
    let only_v1 = ParserConfig::new().accept_v2(false);
    assert_eq!(
        only_v1.parse(&v2h),
        Err(ParseError::VersionDisabled { version: 2 })
    );
    assert_eq!(
        only_v1.parse(b"\r\nGET"),
        Err(ParseError::NotProxyHeader {
            offset: 2,
            byte: b'G'
        })
    );
}

#[test]
fn datagrams_are_never_split() {
    let mut h = inet_with(&[]);
    h[13] = 0x12; // UDP over IPv4
    let mut dgram = h.clone();
    dgram.extend_from_slice(b"payload");
    let (hdr, payload) = proxy_wire::parse_datagram(&dgram).unwrap();
    assert_eq!((hdr.version(), payload), (2, &b"payload"[..]));
    let e = proxy_wire::parse_datagram(&h[..20]).unwrap_err();
    assert_eq!(
        e,
        ParseError::Truncated {
            version: 2,
            available: 20,
            needed: 8
        }
    );
    assert_eq!(e.category(), "invalid-v2");
    let e = proxy_wire::parse_datagram(b"PROXY UNKNOWN").unwrap_err();
    assert_eq!(e.category(), "invalid-v1");
}

#[test]
fn owned_header_wraps_exactly_one_header() {
    let h = inet_with(&[]);
    assert!(OwnedHeader::new(h.clone()).is_ok());
    assert_eq!(
        OwnedHeader::new(h[..27].to_vec()).unwrap_err(),
        ParseError::Truncated {
            version: 2,
            available: 27,
            needed: 1
        }
    );
    let mut longer = h.clone();
    longer.push(0);
    assert_eq!(
        OwnedHeader::new(longer).unwrap_err(),
        ParseError::TrailingBytes {
            header: 28,
            available: 29
        }
    );
    let owned = OwnedHeader::new(h.clone()).unwrap();
    assert_eq!(
        owned.header().source(),
        Some("192.0.2.1:56324".parse().unwrap())
    );
    assert_eq!(owned.into_bytes(), h);
    let v1_line = b"PROXY TCP4 192.0.2.1 198.51.100.2 56324 443\r\n".to_vec();
    let owned = OwnedHeader::new(v1_line.clone()).unwrap();
    assert_eq!(
        owned.header().destination(),
        Some("198.51.100.2:443".parse().unwrap())
    );
    assert_eq!(owned.as_bytes(), &v1_line[..]);
    assert_eq!(
        OwnedHeader::new(b"PROXY UNKNOWN\r".to_vec()).unwrap_err(),
        ParseError::Truncated {
            version: 1,
            available: 14,
            needed: 1
        }
    );
}

// ---------------------------------------------------------------- error offsets

/// `ParseError::offset` points at the byte or field each error is about.
#[test]
fn error_offsets_point_at_the_culprit() {
    let line = b"PROXY TCP4 1.2.3.4 5.6.7.8 80 65536\r\n";
    let e = err(line);
    assert!(matches!(e, ParseError::BadPort { offset: 30, .. }), "{e:?}");
    assert_eq!(e.offset(), Some(30));
    assert!(line[30..].starts_with(b"65536"));

    let e = err(b"PROXY TCP4 1.2.3.x 5.6.7.8 80 443\r\n");
    assert_eq!((e.category(), e.offset()), ("bad-address", Some(11)));
    let e = err(b"PROXY TCP5 1.2.3.4 5.6.7.8 80 443\r\n");
    assert_eq!(e.category(), "invalid-v1");
    assert_eq!(e.offset(), Some(6));
    let e = err(b"GET / HTTP/1.1\r\n");
    assert_eq!(e.offset(), Some(0));
    let e = err(b"PROXZ");
    assert_eq!(
        e,
        ParseError::NotProxyHeader {
            offset: 4,
            byte: b'Z'
        }
    );
    assert_eq!(e.offset(), Some(4));
    assert_eq!(err(&[b'P'; 120]).offset(), Some(1));
    let mut long = b"PROXY UNKNOWN ".to_vec();
    long.resize(108, b'x');
    assert_eq!(
        (err(&long), err(&long).offset()),
        (ParseError::V1TooLong, None)
    );

    // v2: the version and command byte, byte 13, the length field.
    let e = err(&v2(0x31, 0x11, &INET_BLOCK));
    assert_eq!(
        (e, e.offset()),
        (ParseError::UnsupportedVersion { version: 3 }, Some(12))
    );
    let e = err(&v2(0x23, 0x11, &INET_BLOCK));
    assert_eq!(
        (e, e.offset()),
        (ParseError::InvalidCommand { command: 3 }, Some(12))
    );
    let e = err(&v2(0x21, 0x44, &[]));
    assert_eq!(
        (e, e.offset()),
        (ParseError::InvalidFamilyProtocol { byte: 0x44 }, Some(13))
    );
    let e = err(&v2(0x21, 0x11, &INET_BLOCK[..4]));
    assert!(
        matches!(
            e,
            ParseError::AddressBlockTooShort {
                len: 4,
                required: 12
            }
        ),
        "{e:?}"
    );
    assert_eq!(e.offset(), Some(14));
    let big = inet_with(&[
        0x04, 0x00, 0x20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0,
    ]);
    let e = ParserConfig::new()
        .max_v2_header_len(40)
        .parse(&big)
        .unwrap_err();
    assert_eq!(
        (e, e.offset()),
        (
            ParseError::V2TooLong {
                size: big.len(),
                limit: 40
            },
            Some(14)
        )
    );

    // TLVs: the offset of the TLV's type byte in the header.
    let tlv_at = 28;
    let cases: [(&[u8], &str); 5] = [
        (&[0x01, 0x00], "TlvHeaderTruncated"),
        (&[0x01, 0x00, 0x09, b'h'], "TlvOverrun"),
        (&[0x20, 0x00, 0x01, 0x00], "SslTooShort"),
        (&[0x03, 0x00, 0x01, 0x00], "Crc32cLength"),
        (&[0x05, 0x00, 0x81], "UniqueIdTooLong"),
    ];
    for (tlvs, variant) in cases {
        let mut tlvs = tlvs.to_vec();
        if variant == "UniqueIdTooLong" {
            tlvs.resize(3 + 0x81, 7);
        }
        let e = err(&inet_with(&tlvs));
        assert!(format!("{e:?}").starts_with(variant), "{variant}: {e:?}");
        assert_eq!(e.offset(), Some(tlv_at), "{e:?}");
    }

    // Whole-input errors have none; trailing bytes start right after the header.
    let e = ParserConfig::new()
        .accept_v1(false)
        .parse(b"PROXY UNKNOWN\r\n")
        .unwrap_err();
    assert_eq!(
        (e, e.offset()),
        (ParseError::VersionDisabled { version: 1 }, None)
    );
    let mut crc = inet_with(&[0x03, 0x00, 0x04, 0, 0, 0, 0]);
    let n = crc.len();
    crc[n - 1] ^= 1;
    let e = err(&crc);
    assert!(matches!(e, ParseError::ChecksumMismatch { .. }), "{e:?}");
    assert_eq!(e.offset(), None);
    let e = proxy_wire::parse_datagram(b"PROXY UNKNOWN\r\nping").unwrap_err();
    assert_eq!(e.offset(), None);
    let e = OwnedHeader::new(b"PROXY UNKNOWN\r\nGET".to_vec()).unwrap_err();
    assert_eq!((e.offset(), e.category()), (Some(15), "invalid-v2"));
    let e = OwnedHeader::new(b"PROXY UNKNOWN".to_vec()).unwrap_err();
    assert_eq!(e.offset(), None);
    let bad_gcp = inet_with(&[0xE0, 0x00, 0x03, 1, 2, 3]);
    let (h, _) = complete(&bad_gcp);
    let e = h.tlvs().next().unwrap().value().unwrap_err();
    assert!(
        matches!(e, ParseError::InvalidTlvValue { tlv_type: 0xE0, .. }),
        "{e:?}"
    );
    assert_eq!(e.offset(), None);
}

/// `Encode::encode_datagram` sends exactly the headers `parse_datagram` accepts: every
/// command, family and transport the builder can write, and v1; on success the datagram
/// parses back to the payload, on error nothing is written.
#[test]
fn datagram_encoder_agrees_with_parse_datagram() {
    use proxy_wire::{Addresses, EncodeError};
    let v4: (SocketAddr, SocketAddr) = (
        "192.0.2.1:5000".parse().unwrap(),
        "192.0.2.2:53".parse().unwrap(),
    );
    let v6: (SocketAddr, SocketAddr) = (
        "[2001:db8::1]:5000".parse().unwrap(),
        "[2001:db8::2]:53".parse().unwrap(),
    );
    let unix = Addresses::Unix {
        src: b"/run/a",
        dst: b"/run/b",
    };
    let payload = b"one datagram";
    let check =
        |header: &dyn Fn(&mut [u8]) -> Result<usize, EncodeError>, alone: Vec<u8>, what: &str| {
            let mut with_payload = alone.clone();
            with_payload.extend_from_slice(payload);
            let want = ParserConfig::new()
                .parse_datagram(&with_payload)
                .map(|(h, p)| (h.source(), p.to_vec()));
            let mut out = vec![0u8; with_payload.len()];
            match header(&mut out) {
                Ok(n) => {
                    assert_eq!(n, with_payload.len(), "{what}");
                    assert_eq!(out, with_payload, "{what}");
                    assert!(
                        want.is_ok(),
                        "{what}: sent a datagram parse_datagram refuses"
                    );
                }
                Err(e) => {
                    let version = if alone[0] == b'P' { 1 } else { 2 };
                    assert_eq!(e, EncodeError::WrongTransport { version }, "{what}");
                    assert!(out.iter().all(|&b| b == 0), "{what}: wrote on error");
                    assert!(
                        matches!(
                            want,
                            Err(ParseError::WrongTransport {
                                in_datagram: true,
                                ..
                            })
                        ),
                        "{what}: refused a datagram parse_datagram accepts"
                    );
                }
            }
            // One byte short: BufferTooSmall, nothing written, whatever the header.
            let mut short = vec![0u8; with_payload.len() - 1];
            assert_eq!(
                header(&mut short),
                Err(EncodeError::BufferTooSmall {
                    needed: with_payload.len(),
                    available: short.len()
                }),
                "{what}"
            );
            assert!(short.iter().all(|&b| b == 0));
        };
    let bytes = |h: &dyn Fn(&mut [u8]) -> Result<usize, EncodeError>| {
        let mut b = vec![0u8; 600];
        let n = h(&mut b).unwrap();
        b.truncate(n);
        b
    };
    let mut builders = vec![("LOCAL", v2::Builder::local())];
    for protocol in [Protocol::Stream, Protocol::Dgram] {
        builders.push(("PROXY INET", v2::Builder::proxy(protocol, v4)));
        builders.push(("PROXY INET6", v2::Builder::proxy(protocol, v6)));
        builders.push(("PROXY UNIX", v2::Builder::proxy(protocol, unix)));
    }
    builders.push((
        "PROXY UNSPEC",
        v2::Builder::proxy(Protocol::Unspec, Addresses::Unspec),
    ));
    let mut accepted = 0;
    for (what, b) in &builders {
        let alone = bytes(&|out| b.encode(out));
        accepted += usize::from(ParserConfig::new().parse_datagram(&alone).is_ok());
        check(
            &|out| b.encode_datagram(payload, out),
            alone,
            &format!("{what} {:?}", b),
        );
    }
    assert_eq!(accepted, 5, "LOCAL, UNSPEC and the three DGRAM headers");
    for h in [
        v1::Header::from_socket_addrs(v4.0, v4.1),
        v1::Header::Unknown,
    ] {
        let alone = bytes(&|out| h.encode(out));
        check(&|out| h.encode_datagram(payload, out), alone, "v1");
    }
}
