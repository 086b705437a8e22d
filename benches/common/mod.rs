//! Shared by `benches/parse.rs` and `benches/compare.rs`: the header cases (expected
//! bytes assembled by hand from the specification, no crate involved), a cheap digest that makes
//! every parser do and keep the same work, and this crate's side of each case.
//!
//! The digest is defined over the *meaning* of a header (addresses, then each TLV in wire order,
//! SSL sub-TLVs included), so every crate yields the same value for the same case, and
//! [`expected_digest`] computes it from the constants, not from the bytes.

#![allow(dead_code)] // each bench uses a part

use std::net::{Ipv4Addr, Ipv6Addr, SocketAddrV4, SocketAddrV6};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// TLV / sub-TLV type codes from the specification.
pub mod pp2 {
    pub const ALPN: u8 = 0x01;
    pub const AUTHORITY: u8 = 0x02;
    pub const CRC32C: u8 = 0x03;
    pub const NOOP: u8 = 0x04;
    pub const UNIQUE_ID: u8 = 0x05;
    pub const SSL: u8 = 0x20;
    pub const SSL_VERSION: u8 = 0x21;
    pub const SSL_CN: u8 = 0x22;
    pub const SSL_CIPHER: u8 = 0x23;
    pub const SSL_SIG_ALG: u8 = 0x24;
    pub const SSL_KEY_ALG: u8 = 0x25;
    pub const NETNS: u8 = 0x30;
}

/// One header shape of the issue.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Case {
    V1Tcp4,
    V1Tcp6,
    V1Unknown,
    V2Local,
    V2Tcp4,
    V2Tcp6,
    V2Unix,
    /// TCP4 + ALPN, AUTHORITY, UNIQUE_ID, SSL{VERSION, CN}, NOOP(13), CRC32C last.
    V2Tlvs,
    /// The same without the CRC32C TLV: the difference is what the checksum costs.
    V2TlvsNoCrc,
}

impl Case {
    pub const ALL: [Case; 9] = [
        Case::V1Tcp4,
        Case::V1Tcp6,
        Case::V1Unknown,
        Case::V2Local,
        Case::V2Tcp4,
        Case::V2Tcp6,
        Case::V2Unix,
        Case::V2Tlvs,
        Case::V2TlvsNoCrc,
    ];

    pub const fn name(self) -> &'static str {
        match self {
            Case::V1Tcp4 => "v1_tcp4",
            Case::V1Tcp6 => "v1_tcp6",
            Case::V1Unknown => "v1_unknown",
            Case::V2Local => "v2_local",
            Case::V2Tcp4 => "v2_tcp4",
            Case::V2Tcp6 => "v2_tcp6",
            Case::V2Unix => "v2_unix",
            Case::V2Tlvs => "v2_tlvs_crc",
            Case::V2TlvsNoCrc => "v2_tlvs_nocrc",
        }
    }

    pub const fn is_v1(self) -> bool {
        matches!(self, Case::V1Tcp4 | Case::V1Tcp6 | Case::V1Unknown)
    }

    pub fn bytes(self) -> Vec<u8> {
        match self {
            Case::V1Tcp4 => cases::v1_tcp4(),
            Case::V1Tcp6 => cases::v1_tcp6(),
            Case::V1Unknown => cases::v1_unknown(),
            Case::V2Local => cases::v2_local(),
            Case::V2Tcp4 => cases::v2_tcp4(),
            Case::V2Tcp6 => cases::v2_tcp6(),
            Case::V2Unix => cases::v2_unix(),
            Case::V2Tlvs => cases::v2_tlvs(true),
            Case::V2TlvsNoCrc => cases::v2_tlvs(false),
        }
    }
}

/// The test values and the expected header bytes.
pub mod cases {
    pub const SIG: [u8; 12] = *b"\r\n\r\n\0\r\nQUIT\n";

    pub const V4_SRC: [u8; 4] = [192, 168, 1, 10];
    pub const V4_DST: [u8; 4] = [10, 0, 0, 1];
    pub const V4_SPORT: u16 = 56324;
    pub const V4_DPORT: u16 = 443;

    /// Two full 39-character addresses that are also their canonical RFC 5952 text (every group
    /// four hex digits, none with a heading zero, no zero group), so every crate's encoder
    /// (they all print with `Display`) writes exactly the line.
    pub const V6_SRC_TEXT: &str = "2001:db8a:85a3:1234:5678:8a2e:a370:7334";
    pub const V6_DST_TEXT: &str = "fe80:abcd:1234:5678:9abc:def0:b2ff:fe1e";
    pub const V6_SRC: [u8; 16] = [
        0x20, 0x01, 0xdb, 0x8a, 0x85, 0xa3, 0x12, 0x34, 0x56, 0x78, 0x8a, 0x2e, 0xa3, 0x70, 0x73,
        0x34,
    ];
    pub const V6_DST: [u8; 16] = [
        0xfe, 0x80, 0xab, 0xcd, 0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0, 0xb2, 0xff, 0xfe,
        0x1e,
    ];
    pub const V6_SPORT: u16 = 65535;
    pub const V6_DPORT: u16 = 65534;

    pub const ALPN: &[u8] = b"h2";
    pub const AUTHORITY: &str = "example.com";
    pub const SSL_CLIENT: u8 = 0x07; // SSL | CERT_CONN | CERT_SESS
    pub const SSL_VERIFY: u32 = 0;
    pub const SSL_VERSION: &str = "TLSv1.3";
    pub const SSL_CN: &str = "client.example.com";
    pub const NOOP_LEN: usize = 13;

    pub const UNIQUE_ID: [u8; 32] = {
        let mut id = [0u8; 32];
        let mut i = 0;
        while i < 32 {
            id[i] = 0xA0 ^ (i as u8 * 7);
            i += 1;
        }
        id
    };

    /// 108 bytes, no NUL: `/` then a-z (or A-Z) repeating.
    pub const fn unix_path(upper: bool) -> [u8; 108] {
        let base = if upper { b'A' } else { b'a' };
        let mut p = [0u8; 108];
        p[0] = b'/';
        let mut i = 1;
        while i < 108 {
            p[i] = base + ((i - 1) % 26) as u8;
            i += 1;
        }
        p
    }
    pub const UNIX_SRC: [u8; 108] = unix_path(false);
    pub const UNIX_DST: [u8; 108] = unix_path(true);

    pub fn v1_tcp4() -> Vec<u8> {
        b"PROXY TCP4 192.168.1.10 10.0.0.1 56324 443\r\n".to_vec()
    }
    pub fn v1_tcp6() -> Vec<u8> {
        format!("PROXY TCP6 {V6_SRC_TEXT} {V6_DST_TEXT} 65535 65534\r\n").into_bytes()
    }
    pub fn v1_unknown() -> Vec<u8> {
        b"PROXY UNKNOWN\r\n".to_vec()
    }

    fn v2_head(ver_cmd: u8, fam: u8, len: u16) -> Vec<u8> {
        let mut v = SIG.to_vec();
        v.extend_from_slice(&[ver_cmd, fam]);
        v.extend_from_slice(&len.to_be_bytes());
        v
    }
    pub fn v2_local() -> Vec<u8> {
        v2_head(0x20, 0x00, 0)
    }
    fn v4_block(v: &mut Vec<u8>) {
        v.extend_from_slice(&V4_SRC);
        v.extend_from_slice(&V4_DST);
        v.extend_from_slice(&V4_SPORT.to_be_bytes());
        v.extend_from_slice(&V4_DPORT.to_be_bytes());
    }
    pub fn v2_tcp4() -> Vec<u8> {
        let mut v = v2_head(0x21, 0x11, 12);
        v4_block(&mut v);
        v
    }
    pub fn v2_tcp6() -> Vec<u8> {
        let mut v = v2_head(0x21, 0x21, 36);
        v.extend_from_slice(&V6_SRC);
        v.extend_from_slice(&V6_DST);
        v.extend_from_slice(&V6_SPORT.to_be_bytes());
        v.extend_from_slice(&V6_DPORT.to_be_bytes());
        v
    }
    pub fn v2_unix() -> Vec<u8> {
        let mut v = v2_head(0x21, 0x31, 216);
        v.extend_from_slice(&UNIX_SRC);
        v.extend_from_slice(&UNIX_DST);
        v
    }

    fn push_tlv(v: &mut Vec<u8>, typ: u8, value: &[u8]) {
        v.push(typ);
        v.extend_from_slice(&(value.len() as u16).to_be_bytes());
        v.extend_from_slice(value);
    }

    /// The SSL TLV's value: client, verify, VERSION and CN sub-TLVs.
    pub fn ssl_value() -> Vec<u8> {
        let mut s = vec![SSL_CLIENT];
        s.extend_from_slice(&SSL_VERIFY.to_be_bytes());
        push_tlv(&mut s, 0x21, SSL_VERSION.as_bytes());
        push_tlv(&mut s, 0x22, SSL_CN.as_bytes());
        s
    }

    pub fn v2_tlvs(with_crc: bool) -> Vec<u8> {
        let mut v = v2_head(0x21, 0x11, 0);
        v4_block(&mut v);
        push_tlv(&mut v, 0x01, ALPN);
        push_tlv(&mut v, 0x02, AUTHORITY.as_bytes());
        push_tlv(&mut v, 0x05, &UNIQUE_ID);
        push_tlv(&mut v, 0x20, &ssl_value());
        push_tlv(&mut v, 0x04, &[0u8; NOOP_LEN]);
        if with_crc {
            push_tlv(&mut v, 0x03, &[0u8; 4]);
        }
        let len = (v.len() - 16) as u16;
        v[14..16].copy_from_slice(&len.to_be_bytes());
        if with_crc {
            let crc = crc32c_bitwise(&v); // the CRC field is still zero here
            let n = v.len();
            v[n - 4..].copy_from_slice(&crc.to_be_bytes());
        }
        v
    }

    /// The CRC32C carried by the TLV case.
    pub fn v2_tlvs_crc() -> u32 {
        let v = v2_tlvs(true);
        u32::from_be_bytes(v[v.len() - 4..].try_into().unwrap())
    }

    /// Bit-at-a-time CRC-32C (reflected 0x82F63B78): the slowest, most obviously right form.
    pub fn crc32c_bitwise(data: &[u8]) -> u32 {
        let mut c = !0u32;
        for &b in data {
            c ^= u32::from(b);
            for _ in 0..8 {
                c = if c & 1 != 0 {
                    (c >> 1) ^ 0x82F6_3B78
                } else {
                    c >> 1
                };
            }
        }
        !c
    }
}

/// A cheap, order-sensitive fold of everything a parse produced, so the optimizer cannot drop
/// the work, and identical for every crate. A rotate-xor chain (a rotate and an xor a word)
/// with one multiply at the end: its own cost stays small next to the parsers being compared,
/// and the `floor` row of `compare` shows it.
pub mod digest {
    #[derive(Clone, Copy, Debug)]
    pub struct Digest(u64);

    impl Default for Digest {
        fn default() -> Self {
            Self::new()
        }
    }

    impl Digest {
        #[inline(always)]
        pub const fn new() -> Self {
            Digest(0xcbf2_9ce4_8422_2325)
        }
        #[inline(always)]
        fn mix(&mut self, w: u64) {
            self.0 = self.0.rotate_left(23) ^ w;
        }
        #[inline(always)]
        pub fn bytes(&mut self, b: &[u8]) {
            let mut chunks = b.chunks_exact(8);
            for c in &mut chunks {
                self.mix(u64::from_le_bytes(c.try_into().unwrap()));
            }
            let mut last = 0u64;
            for (i, &x) in chunks.remainder().iter().enumerate() {
                last |= u64::from(x) << (8 * i);
            }
            self.mix(last ^ ((b.len() as u64) << 56));
        }
        #[inline(always)]
        pub fn local(&mut self) {
            self.mix(0x1000);
        }
        #[inline(always)]
        pub fn addr_v4(&mut self, src: [u8; 4], dst: [u8; 4], sport: u16, dport: u16) {
            self.mix(4 << 32 | u64::from(sport) << 16 | u64::from(dport));
            self.mix(u64::from(u32::from_be_bytes(src)) << 32 | u64::from(u32::from_be_bytes(dst)));
        }
        #[inline(always)]
        pub fn addr_v6(&mut self, src: [u8; 16], dst: [u8; 16], sport: u16, dport: u16) {
            self.mix(6 << 32 | u64::from(sport) << 16 | u64::from(dport));
            let s = u128::from_be_bytes(src);
            let d = u128::from_be_bytes(dst);
            self.mix((s >> 64) as u64);
            self.mix(s as u64);
            self.mix((d >> 64) as u64);
            self.mix(d as u64);
        }
        #[inline(always)]
        pub fn unix(&mut self, src: &[u8], dst: &[u8]) {
            self.mix(0x2000);
            self.bytes(src);
            self.bytes(dst);
        }
        #[inline(always)]
        pub fn tlv(&mut self, typ: u8, value: &[u8]) {
            self.mix(u64::from(typ) << 48);
            self.bytes(value);
        }
        #[inline(always)]
        pub fn noop(&mut self, len: usize) {
            self.mix(u64::from(crate::common::pp2::NOOP) << 48 | 0x3000 | len as u64);
        }
        #[inline(always)]
        pub fn crc(&mut self, value: u32) {
            self.mix(u64::from(crate::common::pp2::CRC32C) << 48 | u64::from(value));
        }
        #[inline(always)]
        pub fn ssl(&mut self, client: u8, verify: u32) {
            self.mix(
                u64::from(crate::common::pp2::SSL) << 48
                    | u64::from(client) << 32
                    | u64::from(verify),
            );
        }
        #[inline(always)]
        pub fn finish(self) -> u64 {
            (self.0 ^ (self.0 >> 29)).wrapping_mul(0x9E37_79B9_7F4A_7C15)
        }
    }
}

use digest::Digest;

/// The digest a correct parse of `case` yields, from the constants alone.
pub fn expected_digest(case: Case) -> u64 {
    digest_of_values(case, cases::v2_tlvs_crc(), |v| v)
}

/// The digest of `case`'s decoded values; `crc` is the CRC32C the TLV case carries, and every
/// value passes through `id` (the identity, or `black_box` for [`floor`]).
#[inline(always)]
fn digest_of_values(case: Case, crc: u32, id: impl Fn(&[u8]) -> &[u8]) -> u64 {
    use cases::*;
    let a4 = |a: &[u8; 4]| -> [u8; 4] { id(a).try_into().unwrap_or_default() };
    let a16 = |a: &[u8; 16]| -> [u8; 16] { id(a).try_into().unwrap_or_default() };
    let mut d = Digest::new();
    match case {
        Case::V1Unknown | Case::V2Local => {
            id(&[]);
            d.local()
        }
        Case::V1Tcp4 | Case::V2Tcp4 => d.addr_v4(a4(&V4_SRC), a4(&V4_DST), V4_SPORT, V4_DPORT),
        Case::V1Tcp6 | Case::V2Tcp6 => d.addr_v6(a16(&V6_SRC), a16(&V6_DST), V6_SPORT, V6_DPORT),
        Case::V2Unix => d.unix(id(&UNIX_SRC), id(&UNIX_DST)),
        Case::V2Tlvs | Case::V2TlvsNoCrc => {
            d.addr_v4(a4(&V4_SRC), a4(&V4_DST), V4_SPORT, V4_DPORT);
            d.tlv(pp2::ALPN, id(ALPN));
            d.tlv(pp2::AUTHORITY, id(AUTHORITY.as_bytes()));
            d.tlv(pp2::UNIQUE_ID, id(&UNIQUE_ID));
            d.ssl(SSL_CLIENT, SSL_VERIFY);
            d.tlv(pp2::SSL_VERSION, id(SSL_VERSION.as_bytes()));
            d.tlv(pp2::SSL_CN, id(SSL_CN.as_bytes()));
            d.noop(NOOP_LEN);
            if case == Case::V2Tlvs {
                d.crc(crc);
            }
        }
    }
    d.finish()
}

/// The floor under every parser and encoder on this harness: the same call through a function
/// pointer and the same digest, with no parsing at all (parse: the values are already decoded,
/// behind `black_box`), or no encoding (encode: the expected bytes copied into the `Vec`).
/// Nothing can be faster than its row, so `floor / fastest other crate` is the best ratio any
/// implementation could reach on a case.
pub mod floor {
    use super::{digest_of_values, Case, EncodeFn, ParseFn};
    use criterion::black_box;
    use std::sync::OnceLock;

    macro_rules! parse_floor {
        ($case:expr) => {
            |b: &[u8]| {
                // The CRC32C is read where it is, as a parser would find it.
                let crc = match b.last_chunk::<4>() {
                    Some(c) => u32::from_be_bytes(*c),
                    None => 0,
                };
                Some(digest_of_values($case, crc, |v| black_box(v)))
            }
        };
    }

    pub fn parse_fn(case: Case) -> ParseFn {
        match case {
            Case::V1Tcp4 => parse_floor!(Case::V1Tcp4),
            Case::V1Tcp6 => parse_floor!(Case::V1Tcp6),
            Case::V1Unknown => parse_floor!(Case::V1Unknown),
            Case::V2Local => parse_floor!(Case::V2Local),
            Case::V2Tcp4 => parse_floor!(Case::V2Tcp4),
            Case::V2Tcp6 => parse_floor!(Case::V2Tcp6),
            Case::V2Unix => parse_floor!(Case::V2Unix),
            Case::V2Tlvs => parse_floor!(Case::V2Tlvs),
            Case::V2TlvsNoCrc => parse_floor!(Case::V2TlvsNoCrc),
        }
    }

    /// The expected bytes of every case, built once.
    fn expected(case: Case) -> &'static [u8] {
        static ALL: OnceLock<Vec<Vec<u8>>> = OnceLock::new();
        let all = ALL.get_or_init(|| Case::ALL.iter().map(|c| c.bytes()).collect());
        &all[case as usize] // `ALL` is in declaration order
    }

    macro_rules! encode_floor {
        ($case:expr) => {
            |out: &mut Vec<u8>| {
                let bytes = black_box(expected($case));
                out.clear();
                out.extend_from_slice(bytes);
                Some(out.len())
            }
        };
    }

    pub fn encode_fn(case: Case) -> EncodeFn {
        match case {
            Case::V1Tcp4 => encode_floor!(Case::V1Tcp4),
            Case::V1Tcp6 => encode_floor!(Case::V1Tcp6),
            Case::V1Unknown => encode_floor!(Case::V1Unknown),
            Case::V2Local => encode_floor!(Case::V2Local),
            Case::V2Tcp4 => encode_floor!(Case::V2Tcp4),
            Case::V2Tcp6 => encode_floor!(Case::V2Tcp6),
            Case::V2Unix => encode_floor!(Case::V2Unix),
            Case::V2Tlvs => encode_floor!(Case::V2Tlvs),
            Case::V2TlvsNoCrc => encode_floor!(Case::V2TlvsNoCrc),
        }
    }
}

pub type ParseFn = fn(&[u8]) -> Option<u64>;
pub type EncodeFn = fn(&mut Vec<u8>) -> Option<usize>;

/// This crate: `proxy_wire::parse` (auto-detects the version, verifies the CRC32C), then the
/// addresses, every TLV decoded with `Tlv::value` (UTF-8 checked) and every SSL sub-TLV.
/// Encode: into the caller's reused buffer with `Encode::encode`.
pub mod ours {
    use super::cases::*;
    use super::digest::Digest;
    use super::*;
    use proxy_wire::v2::{self, SslClient, TlvSpec, TlvValue};
    use proxy_wire::{v1, Addresses, Encode, Status};

    #[inline]
    pub fn parse_any(input: &[u8]) -> Option<u64> {
        let Ok(Status::Complete { header, .. }) = proxy_wire::parse(input) else {
            return None;
        };
        let mut d = Digest::new();
        match header.addresses() {
            Addresses::Unspec => d.local(),
            Addresses::Inet { src, dst } => {
                d.addr_v4(src.ip().octets(), dst.ip().octets(), src.port(), dst.port())
            }
            Addresses::Inet6 { src, dst } => {
                d.addr_v6(src.ip().octets(), dst.ip().octets(), src.port(), dst.port())
            }
            Addresses::Unix { src, dst } => d.unix(src, dst),
            _ => return None,
        }
        for tlv in header.tlvs() {
            match tlv.value().ok()? {
                TlvValue::Alpn(v) => d.tlv(pp2::ALPN, v),
                TlvValue::Authority(v) => d.tlv(pp2::AUTHORITY, v.as_bytes()),
                TlvValue::Crc32c(c) => d.crc(c), // verified by parse()
                TlvValue::Noop(n) => d.noop(n),
                TlvValue::UniqueId(v) => d.tlv(pp2::UNIQUE_ID, v),
                TlvValue::Ssl(ssl) => {
                    d.ssl(ssl.client().0, ssl.verify());
                    for sub in ssl.sub_tlvs() {
                        match sub.value().ok()? {
                            TlvValue::SslVersion(v)
                            | TlvValue::SslCn(v)
                            | TlvValue::SslCipher(v)
                            | TlvValue::SslSigAlg(v)
                            | TlvValue::SslKeyAlg(v) => d.tlv(sub.tlv_type().0, v.as_bytes()),
                            _ => d.tlv(sub.tlv_type().0, sub.value_bytes()),
                        }
                    }
                }
                _ => d.tlv(tlv.tlv_type().0, tlv.value_bytes()),
            }
        }
        Some(d.finish())
    }

    /// Writes `h` into `out`, reused across calls: sized once, then overwritten in place.
    #[inline]
    fn put(out: &mut Vec<u8>, h: &impl Encode) -> Option<usize> {
        out.resize(h.encoded_len(), 0);
        h.encode(out).ok()
    }

    fn v4() -> (SocketAddrV4, SocketAddrV4) {
        (
            SocketAddrV4::new(Ipv4Addr::from(V4_SRC), V4_SPORT),
            SocketAddrV4::new(Ipv4Addr::from(V4_DST), V4_DPORT),
        )
    }
    fn v6() -> (SocketAddrV6, SocketAddrV6) {
        (
            SocketAddrV6::new(Ipv6Addr::from(V6_SRC), V6_SPORT, 0, 0),
            SocketAddrV6::new(Ipv6Addr::from(V6_DST), V6_DPORT, 0, 0),
        )
    }

    pub fn encode_v1_tcp4(out: &mut Vec<u8>) -> Option<usize> {
        let (src, dst) = v4();
        put(out, &v1::Header::Tcp4 { src, dst })
    }
    pub fn encode_v1_tcp6(out: &mut Vec<u8>) -> Option<usize> {
        let (src, dst) = v6();
        put(out, &v1::Header::Tcp6 { src, dst })
    }
    pub fn encode_v1_unknown(out: &mut Vec<u8>) -> Option<usize> {
        put(out, &v1::Header::Unknown)
    }
    pub fn encode_v2_local(out: &mut Vec<u8>) -> Option<usize> {
        put(out, &v2::Builder::local())
    }
    pub fn encode_v2_tcp4(out: &mut Vec<u8>) -> Option<usize> {
        put(out, &v2::Builder::proxy(v2::Protocol::Stream, v4()))
    }
    pub fn encode_v2_tcp6(out: &mut Vec<u8>) -> Option<usize> {
        put(out, &v2::Builder::proxy(v2::Protocol::Stream, v6()))
    }
    pub fn encode_v2_unix(out: &mut Vec<u8>) -> Option<usize> {
        let addrs = Addresses::Unix {
            src: &UNIX_SRC,
            dst: &UNIX_DST,
        };
        put(out, &v2::Builder::proxy(v2::Protocol::Stream, addrs))
    }
    fn tlvs(out: &mut Vec<u8>, crc: bool) -> Option<usize> {
        let subs = [TlvSpec::SslVersion(SSL_VERSION), TlvSpec::SslCn(SSL_CN)];
        let tlvs = [
            TlvSpec::Alpn(ALPN),
            TlvSpec::Authority(AUTHORITY),
            TlvSpec::UniqueId(&UNIQUE_ID),
            TlvSpec::Ssl(SslClient(SSL_CLIENT), SSL_VERIFY, &subs),
            TlvSpec::Noop(NOOP_LEN as u16),
        ];
        let b = v2::Builder::proxy(v2::Protocol::Stream, v4())
            .tlvs(&tlvs)
            .crc32c(crc);
        put(out, &b)
    }
    pub fn encode_v2_tlvs(out: &mut Vec<u8>) -> Option<usize> {
        tlvs(out, true)
    }
    pub fn encode_v2_tlvs_nocrc(out: &mut Vec<u8>) -> Option<usize> {
        tlvs(out, false)
    }

    pub fn parse_fn(_case: Case) -> ParseFn {
        parse_any
    }

    pub fn encode_fn(case: Case) -> EncodeFn {
        match case {
            Case::V1Tcp4 => encode_v1_tcp4,
            Case::V1Tcp6 => encode_v1_tcp6,
            Case::V1Unknown => encode_v1_unknown,
            Case::V2Local => encode_v2_local,
            Case::V2Tcp4 => encode_v2_tcp4,
            Case::V2Tcp6 => encode_v2_tcp6,
            Case::V2Unix => encode_v2_unix,
            Case::V2Tlvs => encode_v2_tlvs,
            Case::V2TlvsNoCrc => encode_v2_tlvs_nocrc,
        }
    }
}

/// Criterion settings that keep a full `compare` run under five minutes on two cores.
pub fn criterion() -> criterion::Criterion {
    criterion::Criterion::default()
        .warm_up_time(std::time::Duration::from_millis(500))
        .measurement_time(std::time::Duration::from_secs(2))
        .sample_size(50)
        .configure_from_args()
}

/// Where criterion writes its estimates: `$CRITERION_HOME`, else `$CARGO_TARGET_DIR/criterion`,
/// else the workspace's `target/criterion` (set explicitly so the summary finds them).
pub fn criterion_home() -> PathBuf {
    if let Some(p) = std::env::var_os("CRITERION_HOME") {
        return p.into();
    }
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(t) => Path::new(&t).join("criterion"),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/criterion"),
    }
}

/// Which build this is (the profile's directory in the executable's path: `release` for the
/// default `bench` profile, `bench-lto` for the LTO one) and on which CPU.
pub fn build_label() -> String {
    let exe = std::env::current_exe().unwrap_or_default();
    let profile = exe
        .parent()
        .and_then(Path::parent)
        .and_then(Path::file_name)
        .map_or("?".into(), |p| p.to_string_lossy().into_owned());
    let profile = match profile.as_str() {
        "release" => "profile bench (as users build: release settings, no LTO)".to_string(),
        "bench-lto" => "profile bench-lto (lto = true, codegen-units = 1)".to_string(),
        other => format!("profile {other}"),
    };
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_string())
        })
        .unwrap_or_else(|| std::env::consts::ARCH.to_string());
    format!("{profile}; CPU: {cpu}")
}

/// The median (ns) criterion measured for `group/function` in this run, if it ran.
pub fn median_ns(dir: &Path, started: SystemTime, group: &str, function: &str) -> Option<f64> {
    let path = dir.join(group).join(function).join("new/estimates.json");
    let meta = std::fs::metadata(&path).ok()?;
    if meta.modified().ok()? < started {
        return None; // from an earlier run (this one was filtered out)
    }
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).ok()?).ok()?;
    json["median"]["point_estimate"].as_f64()
}

pub fn fmt_ns(ns: f64) -> String {
    if ns < 10.0 {
        format!("{ns:.2} ns")
    } else if ns < 100.0 {
        format!("{ns:.1} ns")
    } else {
        format!("{ns:.0} ns")
    }
}
