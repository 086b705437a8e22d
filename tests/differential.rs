//! Differential test against the real parsers: several thousand inputs (valid headers of every
//! shape and systematic mutations of them) go to one HAProxy (`accept-proxy`, a Lua service that
//! answers with the addresses it believed and echoes what followed the header) and one nginx
//! (`proxy_protocol`, an HTTP location that prints its PROXY variables and the request URI), and
//! through our stream reader. Every disagreement is classified:
//! (a) we accept what a peer rejects, (b) we reject what a peer accepts, (c) both accept but the
//! addresses or the header's end differ. The issue's (a) is "we accept what both reject"; here
//! every disagreement with either peer must be explained by a docs/CONFORMANCE.md rule (`ALLOW_LIST`,
//! matched on what the input is, with the peers it is about), else the test fails with the
//! inputs in hex. Every allow-list entry must occur, so a peer or parser change shows.
//! The summary printed has the counts per peer and class and the first examples of each.
//!
//! Missing tools: `SKIPPED: <tool> not installed` and pass, unless `PROXY_WIRE_REQUIRE_INTEROP=1`.
//! Ports are picked at run time; both daemons are children stopped by their PID.
#![cfg(feature = "std")]

use std::collections::{BTreeMap, HashSet};
use std::fs;
use std::io::{ErrorKind, Read, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, Shutdown, SocketAddr, TcpStream};
use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::thread;
use std::time::{Duration, Instant};

use proxy_wire::io::read_header;
use proxy_wire::v2::{Builder, Protocol, SslClient, TlvSpec, TlvType};
use proxy_wire::{Addresses, Encode, ParserConfig};

mod peers;
use peers::{free_port, say, start, tool, Daemon, TempDir};

/// A peer answers at once (we half-close, so one waiting for header bytes sees EOF); this
/// only bounds a peer that hangs.
const CONNECT_WAIT: Duration = Duration::from_secs(10);
const REPLY_WAIT: Duration = Duration::from_secs(3);
const WORKERS: usize = 4;
const MIN_CORPUS: usize = 3_000;
const MAX_CORPUS: usize = 8_000;

/// What HAProxy receives after the corpus input. It starts with CRLF so that a v1 line cut
/// short at a field boundary becomes a shorter line, and it holds a NUL and a non-ASCII byte.
const HAPROXY_TRAILER: &[u8] = b"\r\nafter-the-header\x00\xfe\n";
/// What nginx receives after the corpus input: three requests, so that a header that swallows
/// some (a v1 UNKNOWN line skips up to CRLF; a v2 header cut short takes its length from
/// what follows) still gets an answer that says where it ended. nginx answers the first
/// request it can parse, then closes (HTTP/1.0).
const NGINX_TRAILER: &[u8] =
    b"GET /pw-m1 HTTP/1.0\r\n\r\nGET /pw-m2 HTTP/1.0\r\n\r\nGET /pw-m3 HTTP/1.0\r\n\r\n";

// ---------------------------------------------------------------------------------------
// Daemons (support shared with io_interop.rs in tests/peers).

/// Starts `name` on a fresh loopback port (`config` turns the port into the config file's
/// text) and returns it with its address.
fn start_on_port(
    name: &'static str,
    dir: &TempDir,
    config: impl Fn(u16) -> String,
    command: impl Fn(&Path) -> Command,
) -> (Daemon, SocketAddr) {
    let mut addr = SocketAddr::from(([127, 0, 0, 1], 0));
    let daemon = start(
        name,
        dir,
        || {
            addr.set_port(free_port("127.0.0.1"));
            (config(addr.port()), addr)
        },
        command,
    );
    (daemon, addr)
}

/// Answers `A <src> <sport> <dst> <dport>\n`, then echoes every byte after the header.
const LUA_SERVICE: &str = r#"
core.register_service("differential", "tcp", function(applet)
  local sf = applet.sf
  applet:send("A " .. tostring(sf:src()) .. " " .. tostring(sf:src_port()) .. " "
    .. tostring(sf:dst()) .. " " .. tostring(sf:dst_port()) .. "\n")
  while true do
    local data = applet:receive()
    if data == nil or data == "" then break end
    applet:send(data)
  end
end)
"#;

fn start_haproxy(bin: &Path, dir: &TempDir) -> (Daemon, SocketAddr) {
    let lua = dir.path().join("differential.lua");
    fs::write(&lua, LUA_SERVICE).unwrap();
    let config = |port: u16| {
        format!(
            "global
    nbthread 1
    maxconn 512
    lua-load {lua}

defaults
    mode tcp
    timeout connect 2s
    timeout client 3s
    timeout server 3s

frontend fe
    bind 127.0.0.1:{port} accept-proxy
    tcp-request content use-service lua.differential
",
            lua = lua.display()
        )
    };
    start_on_port("haproxy", dir, config, |cfg| {
        let mut c = Command::new(bin);
        c.arg("-db").arg("-f").arg(cfg);
        c
    })
}

fn start_nginx(bin: &Path, dir: &TempDir) -> (Daemon, SocketAddr) {
    for sub in [
        "client_body_temp",
        "proxy_temp",
        "fastcgi_temp",
        "uwsgi_temp",
        "scgi_temp",
    ] {
        fs::create_dir_all(dir.path().join(sub)).unwrap();
    }
    let root = dir.path().display().to_string();
    let config = |port: u16| {
        format!(
            "worker_processes 1;
daemon off;
master_process off;
pid {root}/nginx.pid;
error_log stderr crit;
events {{ worker_connections 256; }}
http {{
    access_log off;
    client_body_temp_path {root}/client_body_temp;
    proxy_temp_path {root}/proxy_temp;
    fastcgi_temp_path {root}/fastcgi_temp;
    uwsgi_temp_path {root}/uwsgi_temp;
    scgi_temp_path {root}/scgi_temp;
    server {{
        listen 127.0.0.1:{port} proxy_protocol;
        location / {{
            default_type text/plain;
            return 200 \"A|$proxy_protocol_addr|$proxy_protocol_port|$proxy_protocol_server_addr|$proxy_protocol_server_port|$remote_addr|$remote_port|$server_addr|$server_port|$request_uri|$request_method|\\n\";
        }}
    }}
}}
"
        )
    };
    start_on_port("nginx", dir, config, |conf| {
        let mut c = Command::new(bin);
        c.arg("-p")
            .arg(format!("{root}/"))
            .args(["-e", "stderr", "-c"])
            .arg(conf);
        c
    })
}

// ---------------------------------------------------------------------------------------
// The corpus.

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn byte(&mut self) -> u8 {
        (self.next() >> 24) as u8
    }
}

struct Corpus {
    inputs: Vec<(String, Vec<u8>)>,
    seen: HashSet<Vec<u8>>,
}

impl Corpus {
    fn add(&mut self, label: impl Into<String>, bytes: Vec<u8>) {
        if self.seen.insert(bytes.clone()) {
            self.inputs.push((label.into(), bytes));
        }
    }
}

fn encode(h: &impl Encode) -> Vec<u8> {
    let mut out = vec![0; h.encoded_len()];
    let n = h.encode(&mut out).unwrap();
    out.truncate(n);
    out
}

fn sa(s: &str) -> SocketAddr {
    s.parse().unwrap()
}

const V1_BASES: &[&str] = &[
    "PROXY TCP4 192.0.2.1 198.51.100.22 56324 443\r\n",
    "PROXY TCP4 255.255.255.255 0.0.0.0 65535 0\r\n",
    "PROXY TCP6 2001:db8::1 2001:db8:0:0:1:0:0:2 4242 80\r\n",
    "PROXY TCP6 ::ffff:192.0.2.1 ::1 1 65535\r\n",
    "PROXY UNKNOWN\r\n",
    "PROXY UNKNOWN ffff:f...:ffff ffff:f...:ffff 65535 65535\r\n",
];

/// Whole-line edits of the v1 fields: spaces, leading zeros, ranges, case, IPv6 forms.
const V1_EDITS: &[&str] = &[
    "PROXY  TCP4 192.0.2.1 192.0.2.2 1000 80\r\n",
    "PROXY TCP4  192.0.2.1 192.0.2.2 1000 80\r\n",
    "PROXY TCP4 192.0.2.1  192.0.2.2 1000 80\r\n",
    "PROXY TCP4 192.0.2.1 192.0.2.2  1000 80\r\n",
    "PROXY TCP4 192.0.2.1 192.0.2.2 1000  80\r\n",
    "PROXY TCP4 192.0.2.1 192.0.2.2 1000 80 \r\n",
    "PROXY TCP4 192.0.2.1 192.0.2.2 1000 80 9\r\n",
    "PROXY TCP4 192.0.2.1 192.0.2.2 1000\r\n",
    "PROXY TCP4 192.0.2.1 192.0.2.2\r\n",
    "PROXY TCP4\t192.0.2.1 192.0.2.2 1000 80\r\n",
    "PROXY TCP4 192.0.2.1\t192.0.2.2 1000 80\r\n",
    " PROXY TCP4 192.0.2.1 192.0.2.2 1000 80\r\n",
    "PROXY TCP4 192.0.2.1 192.0.2.2 1000 80\n",
    "PROXY TCP4 192.0.2.1 192.0.2.2 1000 80\r\r\n",
    "PROXY TCP4 192.0.2.1 192.0.2.2 1000 80\r",
    "PROXY TCP4 192.0.2.1 192.0.2.2 1000 80\n\r",
    "PROXY TCP4 192.0.2.01 192.0.2.2 1000 80\r\n",
    "PROXY TCP4 192.0.2.1 192.00.2.2 1000 80\r\n",
    "PROXY TCP4 010.0.2.1 192.0.2.2 1000 80\r\n",
    "PROXY TCP4 0.0.0.0 192.0.2.2 1000 80\r\n",
    "PROXY TCP4 192.0.2.1 192.0.2.2 01000 80\r\n",
    "PROXY TCP4 192.0.2.1 192.0.2.2 1000 080\r\n",
    "PROXY TCP4 192.0.2.1 192.0.2.2 0 0\r\n",
    "PROXY TCP4 192.0.2.1 192.0.2.2 00 80\r\n",
    "PROXY TCP4 192.0.2.256 192.0.2.2 1000 80\r\n",
    "PROXY TCP4 192.0.2.1 192.0.2.2 65536 80\r\n",
    "PROXY TCP4 192.0.2.1 192.0.2.2 99999 80\r\n",
    "PROXY TCP4 192.0.2.1 192.0.2.2 1000 4294967376\r\n",
    "PROXY TCP4 192.0.2.1 192.0.2.2 -1 80\r\n",
    "PROXY TCP4 192.0.2.1 192.0.2.2 +1000 80\r\n",
    "PROXY TCP4 192.0.2.1 192.0.2.2  80\r\n",
    "PROXY TCP4 192.0.2 192.0.2.2 1000 80\r\n",
    "PROXY TCP4 192.0.2.1.5 192.0.2.2 1000 80\r\n",
    "PROXY TCP4 192.0.2.1. 192.0.2.2 1000 80\r\n",
    "PROXY TCP4 0x7f.0.0.1 192.0.2.2 1000 80\r\n",
    "PROXY TCP4 3221225985 192.0.2.2 1000 80\r\n",
    "PROXY TCP4 2001:db8::1 192.0.2.2 1000 80\r\n",
    "PROXY TCP6 192.0.2.1 192.0.2.2 1000 80\r\n",
    "PROXY TCP6 2001:db8::1 192.0.2.2 1000 80\r\n",
    "PROXY TCP5 192.0.2.1 192.0.2.2 1000 80\r\n",
    "PROXY tcp4 192.0.2.1 192.0.2.2 1000 80\r\n",
    "PROXY Tcp4 192.0.2.1 192.0.2.2 1000 80\r\n",
    "proxy TCP4 192.0.2.1 192.0.2.2 1000 80\r\n",
    "Proxy TCP4 192.0.2.1 192.0.2.2 1000 80\r\n",
    "PROXYTCP4 192.0.2.1 192.0.2.2 1000 80\r\n",
    "PROXY TCP 192.0.2.1 192.0.2.2 1000 80\r\n",
    "PROXY TCP6 2001:DB8::1 2001:db8::2 1000 80\r\n",
    "PROXY TCP6 2001:0db8:0000:0000:0000:0000:0000:0001 ::2 1000 80\r\n",
    "PROXY TCP6 :: :: 0 0\r\n",
    "PROXY TCP6 ::1 ::1 1000 80\r\n",
    "PROXY TCP6 ::ffff:192.0.2.1 ::ffff:192.0.2.2 1000 80\r\n",
    "PROXY TCP6 ::FFFF:192.0.2.1 ::2 1000 80\r\n",
    "PROXY TCP6 ::192.0.2.1 ::2 1000 80\r\n",
    "PROXY TCP6 ::ffff:192.0.2.01 ::2 1000 80\r\n",
    "PROXY TCP6 [2001:db8::1] ::2 1000 80\r\n",
    "PROXY TCP6 fe80::1%eth0 ::2 1000 80\r\n",
    "PROXY TCP6 fe80::1%1 ::2 1000 80\r\n",
    "PROXY TCP6 1::2::3 ::2 1000 80\r\n",
    "PROXY TCP6 1:2:3:4:5:6:7:8:9 ::2 1000 80\r\n",
    "PROXY TCP6 1:2:3:4:5:6:7 ::2 1000 80\r\n",
    "PROXY TCP6 1:2:3:4:5:6:7:: ::2 1000 80\r\n",
    "PROXY TCP6 ::1:2:3:4:5:6:7 ::2 1000 80\r\n",
    "PROXY TCP6 12345::1 ::2 1000 80\r\n",
    "PROXY TCP6 g::1 ::2 1000 80\r\n",
    "PROXY TCP6 :1 ::2 1000 80\r\n",
    "PROXY TCP6 1: ::2 1000 80\r\n",
    "PROXY TCP6 ::ffff:1.2.3 ::2 1000 80\r\n",
    "PROXY TCP6 1:2:3:4:5:6:1.2.3.4 ::2 1000 80\r\n",
    "PROXY UNKNOWN \r\n",
    "PROXY UNKNOWNX\r\n",
    "PROXY UNKNOWN 192.0.2.1 192.0.2.2 1000 80\r\n",
    "PROXY UNKNOWN\n",
    "PROXY UNKNOWN\r",
    "PROXY UNKNOWN\rx\r\n",
    "PROXY unknown\r\n",
    "PROXY UNKNOWN\t\r\n",
    "PROXY \r\n",
    "PROXY\r\n",
    "PROXY TCP4 192.0.2.1 192.0.2.2 1000 80\r\nPROXY UNKNOWN\r\n",
    "PROXY TCP6 ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 65535 65535\r\n",
    "PROXY TCP6 ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 65535 655350\r\n",
    "PROXY UNKNOWN ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 65535 65535\r\n",
    "PROXY UNKNOWN ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 65535 655355\r\n",
];

/// The v2 bases: every command, family and transport, with and without TLVs and CRC32C.
fn v2_bases() -> Vec<(&'static str, Vec<u8>)> {
    let inet = (sa("192.0.2.1:56324"), sa("198.51.100.22:443"));
    let inet6 = (sa("[2001:db8::1]:4242"), sa("[2001:db8::2:1]:80"));
    let unix = Addresses::Unix {
        src: b"/run/client.sock",
        dst: b"/run/server.sock",
    };
    let subs = [TlvSpec::SslVersion("TLSv1.3"), TlvSpec::SslCn("client")];
    let tlvs = [
        TlvSpec::Alpn(b"h2"),
        TlvSpec::Authority("example.test"),
        TlvSpec::UniqueId(b"id-0123"),
        TlvSpec::Ssl(SslClient::SSL | SslClient::CERT_CONN, 0, &subs),
        TlvSpec::Noop(2),
        TlvSpec::Raw(TlvType(0xE0), &[1, 2, 3, 4, 5, 6, 7, 8]),
    ];
    let short = [TlvSpec::Authority("a.test")];
    vec![
        ("v2 LOCAL", encode(&Builder::local())),
        ("v2 LOCAL crc", encode(&Builder::local().crc32c(true))),
        (
            "v2 LOCAL inet block",
            encode(&Builder::local().protocol(Protocol::Stream).addresses(inet)),
        ),
        (
            "v2 PROXY unspec",
            encode(&Builder::proxy(Protocol::Unspec, Addresses::Unspec)),
        ),
        ("v2 TCP4", encode(&Builder::proxy(Protocol::Stream, inet))),
        (
            "v2 TCP4 tlvs crc",
            encode(
                &Builder::proxy(Protocol::Stream, inet)
                    .tlvs(&tlvs)
                    .crc32c(true),
            ),
        ),
        (
            "v2 TCP4 tlv",
            encode(&Builder::proxy(Protocol::Stream, inet).tlvs(&short)),
        ),
        ("v2 TCP6", encode(&Builder::proxy(Protocol::Stream, inet6))),
        (
            "v2 TCP6 tlv crc",
            encode(
                &Builder::proxy(Protocol::Stream, inet6)
                    .tlvs(&short)
                    .crc32c(true),
            ),
        ),
        ("v2 UNIX", encode(&Builder::proxy(Protocol::Stream, unix))),
        ("v2 UDP4", encode(&Builder::proxy(Protocol::Dgram, inet))),
        (
            "v2 UDP6 crc",
            encode(&Builder::proxy(Protocol::Dgram, inet6).crc32c(true)),
        ),
    ]
}

/// The positions worth mutating: all of a header, except inside a UNIX address block, where
/// the first and last bytes of each path field stand for the rest.
fn positions(bytes: &[u8]) -> Vec<usize> {
    let unix = bytes.len() >= 232 && bytes.first() == Some(&b'\r') && bytes[13] >> 4 == 3;
    (0..bytes.len())
        .filter(|&i| !unix || !(20..=120).contains(&i) && !(128..=228).contains(&i))
        .collect()
}

/// Byte changes, truncations, insertions and deletions of one valid header.
fn mutate(corpus: &mut Corpus, rng: &mut Rng, name: &str, base: &[u8]) {
    corpus.add(format!("{name}: valid"), base.to_vec());
    let v1 = base[0] == b'P';
    // v1 takes the bytes its grammar turns on (space, digit, CR, LF), alternating by position.
    let inserts = |i: usize| -> [u8; 2] {
        if v1 {
            [[b' ', b'0'][i % 2], [b'\r', b'\n'][i / 2 % 2]]
        } else {
            [0x00, 0xff]
        }
    };
    for len in 0..base.len() {
        corpus.add(format!("{name}: cut at {len}"), base[..len].to_vec());
    }
    for i in positions(base) {
        let third = if v1 {
            [b' ', b'0'][i % 2]
        } else {
            base[i] ^ 0x80
        };
        let values = [base[i] ^ 0x01, third, rng.byte()];
        for v in values {
            let mut m = base.to_vec();
            m[i] = v;
            corpus.add(format!("{name}: byte {i} = {v:#04x}"), m);
        }
        let mut m = base.to_vec();
        m.remove(i);
        corpus.add(format!("{name}: byte {i} deleted"), m);
        let [one, two] = inserts(i);
        for v in [one, two, rng.byte()] {
            let mut m = base.to_vec();
            m.insert(i, v);
            corpus.add(format!("{name}: {v:#04x} inserted at {i}"), m);
        }
    }
    for tail in [&b"\x00"[..], b"\r\n", b"PROXY UNKNOWN\r\n", &[0xff; 9]] {
        corpus.add(
            format!("{name}: trailing {tail:02x?}"),
            [base, tail].concat(),
        );
    }
}

/// v2 field edits: version/command and family/transport bytes, the length, TLV lengths,
/// the CRC32C value.
fn v2_edits(corpus: &mut Corpus, name: &str, base: &[u8], all_byte12: bool, all_byte13: bool) {
    let len = usize::from(u16::from_be_bytes([base[14], base[15]]));
    for v in 0..=255u8 {
        if all_byte12 || v >> 4 == 2 {
            let mut m = base.to_vec();
            m[12] = v;
            corpus.add(format!("{name}: byte 12 = {v:#04x}"), m);
        }
        if all_byte13 || (v & 0x0f <= 3 && v >> 4 <= 4) {
            let mut m = base.to_vec();
            m[13] = v;
            corpus.add(format!("{name}: byte 13 = {v:#04x}"), m);
        }
    }
    let addr_len: usize = match base[13] >> 4 {
        1 => 12,
        2 => 36,
        3 => 216,
        _ => 0,
    };
    let mut lens: Vec<usize> = vec![0, 1, 3, 12, 36, 216, 0xffff, addr_len.saturating_sub(1)];
    lens.extend((1..=8).map(|d| len + d));
    lens.extend((1..=8).filter_map(|d| len.checked_sub(d)));
    for l in lens {
        let mut m = base.to_vec();
        m[14..16].copy_from_slice(&(l.min(0xffff) as u16).to_be_bytes());
        corpus.add(format!("{name}: len = {l}"), m.clone());
        // The same length with the body grown or cut to match it.
        if l <= 1024 {
            m.resize(16 + l, 0);
            corpus.add(format!("{name}: len = {l}, body resized"), m);
        }
    }
    // Each TLV's length field, and each CRC32C byte.
    let mut at = 16 + addr_len;
    while at + 3 <= base.len() {
        let tlv_len = usize::from(u16::from_be_bytes([base[at + 1], base[at + 2]]));
        for l in [
            0,
            1,
            tlv_len.saturating_sub(1),
            tlv_len + 1,
            tlv_len + 3,
            0xffff,
        ] {
            let mut m = base.to_vec();
            m[at + 1..at + 3].copy_from_slice(&(l as u16).to_be_bytes());
            corpus.add(format!("{name}: TLV at {at} len = {l}"), m);
        }
        if base[at] == 0x03 {
            for k in 0..tlv_len {
                let mut m = base.to_vec();
                m[at + 3 + k] ^= 0x10;
                corpus.add(format!("{name}: CRC32C byte {k} flipped"), m);
            }
        }
        if base[at] == 0x20 {
            for (k, v) in [(3, 0x00), (3, 0xff), (4, 0x01)] {
                let mut m = base.to_vec();
                m[at + k] = v;
                corpus.add(format!("{name}: SSL field {k} = {v:#04x}"), m);
            }
        }
        at += 3 + tlv_len;
    }
}

fn corpus() -> Vec<(String, Vec<u8>)> {
    let mut corpus = Corpus {
        inputs: Vec::new(),
        seen: HashSet::new(),
    };
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for (i, base) in V1_BASES.iter().enumerate() {
        mutate(
            &mut corpus,
            &mut rng,
            &format!("v1 base {i}"),
            base.as_bytes(),
        );
    }
    for (i, line) in V1_EDITS.iter().enumerate() {
        corpus.add(format!("v1 edit {i}"), line.as_bytes().to_vec());
    }
    let bases = v2_bases();
    for (name, base) in &bases {
        mutate(&mut corpus, &mut rng, name, base);
    }
    for (name, base) in &bases {
        let full = matches!(*name, "v2 TCP4" | "v2 LOCAL");
        v2_edits(&mut corpus, name, base, full, full);
    }
    // UNIQUE_ID at and over its 128-byte limit, framed well (the builder refuses to write it).
    for n in [128u16, 129, 200] {
        let (_, base) = &bases[4];
        let mut m = base.clone();
        m.push(0x05);
        m.extend(n.to_be_bytes());
        m.extend((0..n).map(|i| b'a' + (i % 26) as u8));
        let len = (m.len() - 16) as u16;
        m[14..16].copy_from_slice(&len.to_be_bytes());
        corpus.add(format!("v2 TCP4: UNIQUE_ID of {n} bytes"), m);
    }
    corpus.inputs
}

// ---------------------------------------------------------------------------------------
// Verdicts.

/// Where a receiver believes the header ended: somewhere in a range (exact for HAProxy; nginx
/// skips CR and LF before a request line); or, when nginx answered something else than our
/// request (a 400: it accepted a header, but what followed it was not our request), at some
/// place from where nginx would not serve one of our requests.
#[derive(Debug, Clone, Copy, PartialEq)]
enum End {
    Within(usize, usize),
    NotServed,
    /// HAProxy echoed bytes that are not a tail of what it received.
    Garbled,
}

#[derive(Debug, Clone, PartialEq)]
enum Verdict {
    Reject(String),
    Accept {
        src: Option<SocketAddr>,
        dst: Option<SocketAddr>,
        /// How the addresses were given, when they are not two socket addresses.
        note: String,
        end: End,
    },
}

/// Our verdict on the bytes a peer received, as a stream server would read them; headers
/// without addresses stand for the real connection's (`client`, `server`).
fn ours(bytes: &[u8], client: SocketAddr, server: SocketAddr) -> Verdict {
    match read_header(bytes, &ParserConfig::new()) {
        Err(e) => Verdict::Reject(e.to_string()),
        Ok((h, _)) => {
            let len = h.as_bytes().len();
            let end = End::Within(len, len);
            match h.header().addresses() {
                Addresses::Unspec => Verdict::Accept {
                    src: Some(client),
                    dst: Some(server),
                    note: String::new(),
                    end,
                },
                Addresses::Unix { src, dst } => Verdict::Accept {
                    src: None,
                    dst: None,
                    note: format!("unix {src:02x?} {dst:02x?}"),
                    end,
                },
                a => Verdict::Accept {
                    src: a.source(),
                    dst: a.destination(),
                    note: String::new(),
                    end,
                },
            }
        }
    }
}

/// Both peers print port 0 as an empty string.
fn socket_addr(ip: &str, port: &str) -> Option<SocketAddr> {
    Some(SocketAddr::new(
        ip.parse::<IpAddr>().ok()?,
        if port.is_empty() {
            0
        } else {
            port.parse().ok()?
        },
    ))
}

/// HAProxy's answer: nothing (it closed or reset: rejected), or the addresses line and the
/// echo of what followed the header, which gives the header's end exactly.
fn haproxy_verdict(sent: &[u8], reply: &[u8]) -> Verdict {
    if reply.is_empty() {
        return Verdict::Reject("closed".into());
    }
    let Some(nl) = reply.iter().position(|&b| b == b'\n') else {
        return Verdict::Reject(format!("partial answer {reply:02x?}"));
    };
    let line = String::from_utf8_lossy(&reply[..nl]).into_owned();
    let echo = &reply[nl + 1..];
    let end = if sent.ends_with(echo) {
        let e = sent.len() - echo.len();
        End::Within(e, e)
    } else {
        End::Garbled
    };
    let f: Vec<&str> = line.split(' ').collect();
    let (src, dst) = match f[..] {
        ["A", s, sp, d, dp] => (socket_addr(s, sp), socket_addr(d, dp)),
        _ => (None, None),
    };
    Verdict::Accept {
        src,
        dst,
        note: line,
        end,
    }
}

/// nginx's answer: nothing (broken header: it closes), a 200 naming the request it served
/// (so where the header ended) with its PROXY variables, or another status (header accepted,
/// request not ours).
fn nginx_verdict(sent: &[u8], reply: &[u8]) -> Verdict {
    if reply.is_empty() {
        return Verdict::Reject("closed".into());
    }
    let text = String::from_utf8_lossy(reply).into_owned();
    let body = text.split_once("\r\n\r\n").map_or("", |(_, b)| b);
    let f: Vec<&str> = body.split('|').collect();
    if !text.starts_with("HTTP/1.1 200") || f.len() < 12 || f[0] != "A" {
        return Verdict::Accept {
            src: None,
            dst: None,
            note: text.lines().next().unwrap_or("").to_owned(),
            end: End::NotServed,
        };
    }
    // The request line nginx served starts where its header ended (after any CR and LF):
    // a header that ended early or late glued bytes to the method ("PGET") or took some
    // ("ET"). Both still reach the location.
    let (uri, method) = (f[9], f[10].as_bytes());
    let uri_at = [b"/pw-m1 ", b"/pw-m2 ", b"/pw-m3 "]
        .iter()
        .find(|m| m.starts_with(uri.as_bytes()) && m.len() == uri.len() + 1)
        .and_then(|m| sent.windows(m.len()).position(|w| w == &m[..]));
    let start = uri_at.and_then(|at| at.checked_sub(method.len() + 1));
    let end = match start {
        Some(e) if sent[e..].starts_with(method) => {
            let blanks = sent[..e]
                .iter()
                .rev()
                .take_while(|b| matches!(b, b'\r' | b'\n'))
                .count();
            End::Within(e - blanks, e)
        }
        _ => End::Garbled,
    };
    // Without a PROXY address nginx uses the connection's.
    let (src, dst) = if f[1].is_empty() {
        (socket_addr(f[5], f[6]), socket_addr(f[7], f[8]))
    } else {
        (socket_addr(f[1], f[2]), socket_addr(f[3], f[4]))
    };
    Verdict::Accept {
        src,
        dst,
        note: body.trim_end().to_owned(),
        end,
    }
}

/// Whether nginx, its header ending at `at`, would serve one of our requests: after any CR
/// and LF, an upper-case method (nginx takes any), then one of our URIs.
fn nginx_would_serve(sent: &[u8], at: usize) -> bool {
    let Some(rest) = sent.get(at..) else {
        return false;
    };
    let blanks = rest
        .iter()
        .take_while(|b| matches!(b, b'\r' | b'\n'))
        .count();
    let rest = &rest[blanks..];
    let method = rest
        .iter()
        .take_while(|&&b| b.is_ascii_uppercase() || b == b'_' || b == b'-')
        .count();
    method > 0
        && [b"1", b"2", b"3"].iter().any(|n| {
            rest[method..].starts_with(&[&b" /pw-m"[..], &n[..], b" HTTP/1.0\r\n"].concat())
        })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Class {
    AgreeAccept,
    /// Both accept; nginx answered 400, as it would if its header ended where ours does
    /// (what follows is not one of our requests): addresses and end are not compared.
    AgreeAcceptEndUnchecked,
    AgreeReject,
    /// We accept; nginx closed without an answer, but nothing after our header's end is a
    /// whole request line (the header took up the trailer), and then nginx closes silently
    /// whether it accepted the header or not.
    Undecided,
    /// (a) for this peer: we accept, it rejects.
    WeAccept,
    /// (b) we reject, the peer accepts.
    WeReject,
    /// (c) both accept, the addresses or the header's end differ.
    Differ,
}

/// Whether nginx, after a header ending where `rest` starts, would parse a whole request line
/// (it skips CR and LF first), and so answer something.
fn has_request_line(rest: &[u8]) -> bool {
    let blanks = rest
        .iter()
        .take_while(|b| matches!(b, b'\r' | b'\n'))
        .count();
    rest[blanks..].contains(&b'\n')
}

fn classify(sent: &[u8], nginx: bool, ours: &Verdict, peer: &Verdict) -> Class {
    match (ours, peer) {
        (Verdict::Reject(_), Verdict::Reject(_)) => Class::AgreeReject,
        (
            Verdict::Accept {
                end: End::Within(e, _),
                ..
            },
            Verdict::Reject(_),
        ) if nginx && !has_request_line(sent.get(*e..).unwrap_or_default()) => Class::Undecided,
        (Verdict::Accept { .. }, Verdict::Reject(_)) => Class::WeAccept,
        (Verdict::Reject(_), Verdict::Accept { .. }) => Class::WeReject,
        (
            Verdict::Accept { src, dst, end, .. },
            Verdict::Accept {
                src: psrc,
                dst: pdst,
                end: pend,
                ..
            },
        ) => {
            let End::Within(e, _) = *end else {
                unreachable!("our end is exact")
            };
            let same = src.is_some() && (src, dst) == (psrc, pdst);
            match *pend {
                End::Within(lo, hi) if same && (lo..=hi).contains(&e) => Class::AgreeAccept,
                // nginx, ending where we do, would have answered 400 too.
                End::NotServed if !nginx_would_serve(sent, e) => Class::AgreeAcceptEndUnchecked,
                _ => Class::Differ,
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// The allow-list: disagreements that docs/CONFORMANCE.md explains, by what the input is (read here,
// independently of our parser).

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Peer {
    Haproxy,
    Nginx,
}

const SIGNATURE: &[u8; 12] = b"\r\n\r\n\0\r\nQUIT\n";
const SEVEN: [u8; 7] = [0x00, 0x11, 0x12, 0x21, 0x22, 0x31, 0x32];

/// CRC-32C (Castagnoli), bit by bit: an implementation independent of the crate's.
fn crc32c(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0x82F6_3B78
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// What is wrong with a v2 header's TLV area, checked here from the bytes.
#[derive(Debug, PartialEq)]
enum TlvFault {
    Framing,
    Ssl,
    CrcLength,
    CrcMismatch,
    UniqueIdLong,
}

/// A complete v2 header's fields, from the start of `bytes`.
struct V2Fields {
    version: u8,
    command: u8,
    fam: u8,
    /// `16 + len` fits in the bytes.
    complete: bool,
    /// `len` covers the family's address block.
    block_fits: bool,
    tlv_fault: Option<TlvFault>,
}

fn v2_fields(bytes: &[u8]) -> Option<V2Fields> {
    if bytes.len() < 16 || bytes[..12] != SIGNATURE[..] {
        return None;
    }
    let len = usize::from(u16::from_be_bytes([bytes[14], bytes[15]]));
    let addr_len = match bytes[13] >> 4 {
        1 => 12,
        2 => 36,
        3 => 216,
        _ => 0,
    };
    let complete = bytes.len() >= 16 + len;
    let block_fits = len >= addr_len;
    let tlv_fault = if complete && block_fits {
        tlv_fault(&bytes[..16 + len], 16 + addr_len)
    } else {
        None
    };
    Some(V2Fields {
        version: bytes[12] >> 4,
        command: bytes[12] & 0x0f,
        fam: bytes[13],
        complete,
        block_fits,
        tlv_fault,
    })
}

fn tlv_fault(header: &[u8], start: usize) -> Option<TlvFault> {
    let mut at = start;
    let mut crc_seen = false;
    while at < header.len() {
        if header.len() - at < 3 {
            return Some(TlvFault::Framing);
        }
        let t = header[at];
        let l = usize::from(u16::from_be_bytes([header[at + 1], header[at + 2]]));
        let Some(value) = header.get(at + 3..at + 3 + l) else {
            return Some(TlvFault::Framing);
        };
        let fault = match t {
            0x03 if l != 4 => Some(TlvFault::CrcLength),
            0x03 if !crc_seen => {
                crc_seen = true;
                let mut zeroed = header.to_vec();
                zeroed[at + 3..at + 7].fill(0);
                let stored = u32::from_be_bytes([value[0], value[1], value[2], value[3]]);
                (crc32c(&zeroed) != stored).then_some(TlvFault::CrcMismatch)
            }
            0x05 if l > 128 => Some(TlvFault::UniqueIdLong),
            0x20 if l < 5 || sub_tlvs_overrun(&value[5..]) => Some(TlvFault::Ssl),
            _ => None,
        };
        if fault.is_some() {
            return fault;
        }
        at += 3 + l;
    }
    None
}

fn sub_tlvs_overrun(mut subs: &[u8]) -> bool {
    while !subs.is_empty() {
        if subs.len() < 3 {
            return true;
        }
        let l = usize::from(u16::from_be_bytes([subs[1], subs[2]]));
        let Some(rest) = subs.get(3 + l..) else {
            return true;
        };
        subs = rest;
    }
    false
}

fn has_leading_zero(token: &[u8]) -> bool {
    token
        .split(|&b| b == b'.')
        .any(|part| part.len() > 1 && part[0] == b'0' && part.iter().all(u8::is_ascii_digit))
}

/// A port as §1 writes it: decimal 0..65535, no sign, no heading zero, not empty.
fn good_port(token: &[u8]) -> bool {
    let text = std::str::from_utf8(token).unwrap_or("");
    !text.is_empty()
        && text.bytes().all(|b| b.is_ascii_digit())
        && (text == "0" || !text.starts_with('0'))
        && text.parse::<u16>().is_ok()
}

/// An allow-list entry: the rule of docs/CONFORMANCE.md (the crate's `conformance` page),
/// the peers it is about, and why they differ.
type Rule = (&'static str, &'static [Peer], &'static str);

const HAPROXY: &[Peer] = &[Peer::Haproxy];
const NGINX: &[Peer] = &[Peer::Nginx];
const BOTH: &[Peer] = &[Peer::Haproxy, Peer::Nginx];

const V1_TOO_LONG: Rule = (
    "3 (v1 107)",
    NGINX,
    "a v1 line is at most 107 bytes with its CRLF; nginx allows 108",
);
const V1_LONE_CR_LF: Rule = (
    "3 (v1 CR/LF)",
    NGINX,
    "a lone CR or LF in a v1 line is invalid; nginx skips UNKNOWN's rest up to CRLF",
);
const V1_UNKNOWN_FIELDS: Rule = (
    "1",
    HAPROXY,
    "v1 UNKNOWN followed by anything up to CRLF is accepted; HAProxy rejects UNKNOWN with fields",
);
const V1_UNKNOWN_X: Rule = (
    "1",
    NGINX,
    "PROXY UNKNOWNX is invalid v1; nginx matches only the first 7 letters",
);
const V1_FIELDS: Rule = (
    "3",
    HAPROXY,
    "extra, missing or empty v1 fields are invalid v1; HAProxy 2.6 reads an empty port as 0 and ignores extra fields",
);
const V1_ZEROS_PORTS: Rule = (
    "2",
    BOTH,
    "heading zeros, signs and ports over 65535 are bad address / bad port; the peers read them as decimal (HAProxy 2.6 wraps ports)",
);
const V1_FAMILY: Rule = (
    "4",
    NGINX,
    "IPv6 text in a TCP4 line or IPv4 text in a TCP6 line is bad address; nginx does not check the family",
);
const V1_ADDRESS: Rule = (
    "4 (v1 address)",
    BOTH,
    "a v1 address is RFC text of its family; HAProxy 2.6 wraps octets over 255 and reads missing ones as 0, nginx copies the text unchecked",
);
const V2_COMMAND: Rule = (
    "6",
    NGINX,
    "command nibble not 0/1 is invalid v2; nginx treats any non-PROXY command as LOCAL",
);
const V2_FAMILY: Rule = (
    "7",
    NGINX,
    "byte 13 outside the seven values is invalid v2; nginx ignores it and uses the real connection",
);
const V2_SHORT_BLOCK: Rule = (
    "10 (v2 len)",
    NGINX,
    "len below the family's address block is invalid v2; nginx reads no UNIX block",
);
const V2_UNSPEC: Rule = (
    "8",
    HAPROXY,
    "PROXY with UNSPEC is accepted without addresses (the spec lets a receiver choose); HAProxy 2.6 rejects it",
);
const V2_DGRAM: Rule = (
    "9",
    NGINX,
    "a DGRAM header on a TCP connection is refused by a stream reader; nginx ignores it",
);
const V2_UNIX_REAL: Rule = (
    "9",
    NGINX,
    "UNIX addresses are decoded; nginx ignores them and uses the real connection",
);
const V2_UNIX_REJECTED: Rule = (
    "9",
    HAPROXY,
    "UNIX addresses are decoded; HAProxy 2.6 rejects them as a side effect",
);
const V2_TLV_FRAMING: Rule = (
    "10",
    BOTH,
    "malformed TLV area is bad TLV (also on LOCAL); nginx never checks TLVs, HAProxy 2.6 not on LOCAL",
);
const V2_SSL: Rule = (
    "11",
    NGINX,
    "SSL TLV shorter than 5 bytes or overrun by sub-TLVs is bad TLV; nginx does not check it",
);
const V2_CRC: Rule = (
    "12",
    BOTH,
    "CRC32C is verified (also on LOCAL); nginx ignores it, HAProxy 2.6 checks it only on TCP4/TCP6",
);
const V2_UNIQUE_ID: Rule = (
    "13",
    NGINX,
    "UNIQUE_ID over 128 bytes is bad TLV; nginx does not check it",
);

/// Every entry must explain at least one disagreement of the run: a rule that no longer
/// occurs is a change in us or in a peer that someone should look at.
const ALLOW_LIST: &[Rule] = &[
    V1_TOO_LONG,
    V1_LONE_CR_LF,
    V1_UNKNOWN_FIELDS,
    V1_UNKNOWN_X,
    V1_FIELDS,
    V1_ZEROS_PORTS,
    V1_FAMILY,
    V1_ADDRESS,
    V2_COMMAND,
    V2_FAMILY,
    V2_SHORT_BLOCK,
    V2_UNSPEC,
    V2_DGRAM,
    V2_UNIX_REAL,
    V2_UNIX_REJECTED,
    V2_TLV_FRAMING,
    V2_SSL,
    V2_CRC,
    V2_UNIQUE_ID,
];

/// The rule a v1 line breaks, found with std's address parsers (not the crate's).
fn v1_fault(bytes: &[u8]) -> Option<Rule> {
    let crlf = bytes.windows(2).position(|w| w == b"\r\n")?;
    if crlf + 2 > 107 {
        return Some(V1_TOO_LONG);
    }
    let line = &bytes[..crlf];
    if line.iter().any(|&b| b == b'\r' || b == b'\n') {
        return Some(V1_LONE_CR_LF);
    }
    let fields: Vec<&[u8]> = line.split(|&b| b == b' ').collect();
    let proto = fields.get(1).copied().unwrap_or_default();
    if proto.starts_with(b"UNKNOWN") && proto != b"UNKNOWN" {
        return Some(V1_UNKNOWN_X);
    }
    if proto != b"TCP4" && proto != b"TCP6" {
        return None;
    }
    if fields.len() != 6 || fields.iter().any(|f| f.is_empty() || f.contains(&b'\t')) {
        return Some(V1_FIELDS);
    }
    let (addrs, ports) = (&fields[2..4], &fields[4..6]);
    if addrs.iter().any(|a| has_leading_zero(a)) || ports.iter().any(|p| !good_port(p)) {
        return Some(V1_ZEROS_PORTS);
    }
    let text = |a: &[u8]| String::from_utf8_lossy(a).into_owned();
    let is_v4 = |a: &&[u8]| text(a).parse::<Ipv4Addr>().is_ok();
    let is_v6 = |a: &&[u8]| text(a).parse::<Ipv6Addr>().is_ok();
    if (proto == b"TCP4" && addrs.iter().any(is_v6))
        || (proto == b"TCP6" && addrs.iter().any(is_v4))
    {
        return Some(V1_FAMILY);
    }
    if (proto == b"TCP4" && !addrs.iter().all(is_v4))
        || (proto == b"TCP6" && !addrs.iter().all(is_v6))
    {
        return Some(V1_ADDRESS);
    }
    None
}

/// The docs/CONFORMANCE.md rule that explains a disagreement with `peer` on `bytes`; `None` if none
/// does. Only what the input is counts here, never why our parser said what it said; for
/// (c), `same_end` says whether the peer's header ended where ours did.
fn explain(peer: Peer, class: Class, bytes: &[u8], same_end: bool) -> Option<Rule> {
    explain_input(peer, class, bytes, same_end).filter(|rule| rule.1.contains(&peer))
}

fn explain_input(peer: Peer, class: Class, bytes: &[u8], same_end: bool) -> Option<Rule> {
    use Class::*;
    use Peer::*;
    if let Some(v) = v2_fields(bytes) {
        let proxy = v.command == 1;
        return match class {
            WeReject if v.version == 2 && v.command > 1 => Some(V2_COMMAND),
            WeReject if proxy && !SEVEN.contains(&v.fam) => Some(V2_FAMILY),
            WeReject if proxy && !v.block_fits => Some(V2_SHORT_BLOCK),
            WeReject if proxy && v.fam & 0x0f == 2 => Some(V2_DGRAM),
            // HAProxy 2.6 checks TLVs after TCP4 and TCP6 blocks only.
            WeReject
                if v.complete && (peer == Nginx || !(proxy && matches!(v.fam, 0x11 | 0x21))) =>
            {
                match v.tlv_fault {
                    Some(TlvFault::Framing) => Some(V2_TLV_FRAMING),
                    Some(TlvFault::UniqueIdLong) => Some(V2_UNIQUE_ID),
                    Some(TlvFault::Ssl) => Some(V2_SSL),
                    Some(TlvFault::CrcLength | TlvFault::CrcMismatch) => Some(V2_CRC),
                    None => None,
                }
            }
            Differ if peer == Nginx && proxy && v.fam == 0x31 && same_end => Some(V2_UNIX_REAL),
            WeAccept if peer == Haproxy && proxy && v.fam == 0x31 => Some(V2_UNIX_REJECTED),
            WeAccept if peer == Haproxy && proxy && v.fam == 0x00 => Some(V2_UNSPEC),
            _ => None,
        };
    }
    if !bytes.starts_with(b"PROXY") {
        return None;
    }
    match class {
        WeAccept if peer == Haproxy && bytes.starts_with(b"PROXY UNKNOWN ") => {
            Some(V1_UNKNOWN_FIELDS)
        }
        WeReject => v1_fault(bytes),
        _ => None,
    }
}

// ---------------------------------------------------------------------------------------
// The exchange.

/// Sends `bytes`, half-closes, and reads the whole answer. A reset counts as the end of it.
fn exchange(to: SocketAddr, bytes: &[u8]) -> Result<(SocketAddr, Vec<u8>), String> {
    let mut s =
        TcpStream::connect_timeout(&to, CONNECT_WAIT).map_err(|e| format!("connect: {e}"))?;
    let local = s.local_addr().map_err(|e| e.to_string())?;
    s.set_read_timeout(Some(REPLY_WAIT)).unwrap();
    let _ = s.set_nodelay(true);
    // A peer that rejects may reset before all is written: its answer tells.
    let _ = s.write_all(bytes);
    let _ = s.shutdown(Shutdown::Write);
    let mut reply = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match s.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => reply.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                return Err(format!("no answer within {REPLY_WAIT:?}"));
            }
            Err(_) => break, // reset
        }
    }
    Ok((local, reply))
}

struct Outcome {
    input: usize,
    peer: Peer,
    sent: Vec<u8>,
    ours: Verdict,
    theirs: Verdict,
    class: Class,
}

fn run_one(input: usize, x: &[u8], peer: Peer, to: SocketAddr) -> Result<Outcome, String> {
    let sent = match peer {
        Peer::Haproxy => [x, HAPROXY_TRAILER].concat(),
        Peer::Nginx => [x, NGINX_TRAILER].concat(),
    };
    // One retry: a peer that does not answer at all is not a verdict.
    let (client, reply) = exchange(to, &sent).or_else(|_| exchange(to, &sent))?;
    let ours = ours(&sent, client, to);
    let theirs = match peer {
        Peer::Haproxy => haproxy_verdict(&sent, &reply),
        Peer::Nginx => nginx_verdict(&sent, &reply),
    };
    let class = classify(&sent, peer == Peer::Nginx, &ours, &theirs);
    Ok(Outcome {
        input,
        peer,
        sent,
        ours,
        theirs,
        class,
    })
}

fn describe(o: &Outcome, label: &str) -> String {
    format!(
        "  [{label}] {:?} sent {}\n    ours:   {:?}\n    theirs: {:?}",
        o.peer,
        hex::encode(&o.sent),
        o.ours,
        o.theirs
    )
}

/// Both accepted and the peer's header ended where ours did.
fn same_end(o: &Outcome) -> bool {
    match (&o.ours, &o.theirs) {
        (
            Verdict::Accept {
                end: End::Within(e, _),
                ..
            },
            Verdict::Accept {
                end: End::Within(lo, hi),
                ..
            },
        ) => (*lo..=*hi).contains(e),
        _ => false,
    }
}

#[test]
fn differential_against_haproxy_and_nginx() {
    let (Some(hap_bin), Some(ngx_bin)) = (tool("haproxy"), tool("nginx")) else {
        return;
    };
    let started = Instant::now();
    let inputs = corpus();
    assert!(
        (MIN_CORPUS..=MAX_CORPUS).contains(&inputs.len()),
        "corpus of {} inputs, expected {MIN_CORPUS}..={MAX_CORPUS}",
        inputs.len()
    );
    let dir = TempDir::new("differential");
    let (haproxy, hap_addr) = start_haproxy(&hap_bin, &dir);
    let (nginx, ngx_addr) = start_nginx(&ngx_bin, &dir);

    let jobs: Vec<(usize, Peer, SocketAddr)> = (0..inputs.len())
        .flat_map(|i| [(i, Peer::Haproxy, hap_addr), (i, Peer::Nginx, ngx_addr)])
        .collect();
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Outcome>> = Mutex::new(Vec::with_capacity(jobs.len()));
    let failures: Mutex<Vec<String>> = Mutex::new(Vec::new());
    thread::scope(|scope| {
        for _ in 0..WORKERS {
            scope.spawn(|| loop {
                let j = next.fetch_add(1, Ordering::Relaxed);
                let Some(&(i, peer, to)) = jobs.get(j) else {
                    break;
                };
                match run_one(i, &inputs[i].1, peer, to) {
                    Ok(o) => results.lock().unwrap().push(o),
                    Err(e) => failures.lock().unwrap().push(format!(
                        "{peer:?} on {} ({}): {e}",
                        hex::encode(&inputs[i].1),
                        inputs[i].0
                    )),
                }
            });
        }
    });
    let mut results = results.into_inner().unwrap();
    results.sort_by_key(|o| (o.input, o.peer));
    let failures = failures.into_inner().unwrap();
    assert!(
        failures.is_empty(),
        "{} exchanges failed, first: {:?}\nhaproxy log:\n{}\nnginx log:\n{}",
        failures.len(),
        &failures[..failures.len().min(5)],
        haproxy.log(),
        nginx.log()
    );

    // Counts per peer and class, rule hits, and what no rule explains.
    let mut counts: BTreeMap<(Peer, Class), usize> = BTreeMap::new();
    let mut hits: BTreeMap<(Peer, Class, Rule), usize> = BTreeMap::new();
    let mut examples: BTreeMap<(Peer, Class), Vec<String>> = BTreeMap::new();
    let mut unexplained = Vec::new();
    for o in &results {
        *counts.entry((o.peer, o.class)).or_default() += 1;
        if !matches!(o.class, Class::WeAccept | Class::WeReject | Class::Differ) {
            continue;
        }
        let ex = examples.entry((o.peer, o.class)).or_default();
        if ex.len() < 3 {
            ex.push(describe(o, &inputs[o.input].0));
        }
        match explain(o.peer, o.class, &o.sent, same_end(o)) {
            Some(rule) => *hits.entry((o.peer, o.class, rule)).or_default() += 1,
            None => unexplained.push(describe(o, &inputs[o.input].0)),
        }
    }
    // (a) as the issue defines it: we accept what both peers reject.
    let both_reject = results
        .chunks(2)
        .filter(|pair| pair.iter().all(|o| o.class == Class::WeAccept))
        .count();

    let columns = [
        ("agree-acc", Class::AgreeAccept),
        ("acc-unchecked", Class::AgreeAcceptEndUnchecked),
        ("undecided", Class::Undecided),
        ("agree-rej", Class::AgreeReject),
        ("(a) we-acc", Class::WeAccept),
        ("(b) we-rej", Class::WeReject),
        ("(c) differ", Class::Differ),
    ];
    let mut report = format!(
        "differential: {} inputs, {} exchanges in {:.1?}\n{:<8}",
        inputs.len(),
        results.len(),
        started.elapsed(),
        "peer"
    );
    for (name, _) in columns {
        report += &format!("{name:>14}");
    }
    for peer in [Peer::Haproxy, Peer::Nginx] {
        report += &format!("\n{:<8}", format!("{peer:?}"));
        for (_, class) in columns {
            let n = counts.get(&(peer, class)).copied().unwrap_or(0);
            report += &format!("{n:>14}");
        }
    }
    report +=
        &format!("\n(a) we accept, both peers reject: {both_reject}\nexplained by a rule of docs/CONFORMANCE.md:\n");
    for ((peer, class, (rule, _, why)), n) in &hits {
        report += &format!("  {peer:?} {class:?} {rule}: {n} ({why})\n");
    }
    report += "first examples of each disagreement:\n";
    for e in examples.values().flatten() {
        report += e;
        report += "\n";
    }
    say(&report);

    assert!(
        unexplained.is_empty(),
        "{} disagreements no docs/CONFORMANCE.md rule explains; first ones:\n{}",
        unexplained.len(),
        unexplained[..unexplained.len().min(20)].join("\n")
    );
    let unused: Vec<&str> = ALLOW_LIST
        .iter()
        .filter(|r| !hits.keys().any(|(_, _, hit)| hit == *r))
        .map(|r| r.2)
        .collect();
    assert!(
        unused.is_empty(),
        "allow-list entries that explained nothing this run: {unused:?}"
    );
    // Both peers agree with us on much of the corpus, accepting and rejecting.
    for peer in [Peer::Haproxy, Peer::Nginx] {
        for class in [Class::AgreeAccept, Class::AgreeReject] {
            let n = counts.get(&(peer, class)).copied().unwrap_or(0);
            assert!(n >= 500, "{peer:?}: only {n} {class:?}");
        }
    }
    drop(haproxy);
    drop(nginx);
}
