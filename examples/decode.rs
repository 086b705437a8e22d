//! Decode a PROXY protocol header and print every field: the tool to reach for when debugging.
//!
//! ```text
//! cargo run --example decode -- 0d0a0d0a000d0a515549540a2111000cc0000201c6336402dc0401bb
//! cargo run --example decode -- "PROXY TCP4 192.0.2.1 198.51.100.2 56324 443\r\n"
//! printf 'PROXY UNKNOWN\r\nGET /' | cargo run --example decode
//! ```
//!
//! An argument is read as hex (spaces, `:` and a `0x` prefix allowed); an argument that starts
//! with `PROXY` is taken as text with `\r` and `\n` escapes. With no argument, raw bytes are
//! read from standard input. Exit status: 0 for a complete header, 1 for an incomplete one,
//! 2 for an invalid one (the error is printed with its category), 64 for bad usage.

use std::fmt::Write as _;
use std::io::Read;
use std::process::ExitCode;

use proxy_wire::v2::{Command, Protocol, Tlv, TlvValue};
use proxy_wire::{parse, Addresses, Header, Status};

fn main() -> ExitCode {
    let input = match read_input() {
        Ok(bytes) => bytes,
        Err(msg) => {
            eprintln!("decode: {msg}");
            return ExitCode::from(64);
        }
    };
    match parse(&input) {
        Ok(Status::Complete { header, consumed }) => {
            print!("{}", describe(&header, consumed, &input));
            ExitCode::SUCCESS
        }
        Ok(Status::Incomplete { needed }) => {
            println!(
                "incomplete: {} bytes are a valid start of a PROXY header; at least {needed} more bytes are needed",
                input.len()
            );
            ExitCode::from(1)
        }
        Err(e) => {
            eprintln!("error [{}]: {e}", e.category());
            ExitCode::from(2)
        }
    }
}

fn read_input() -> Result<Vec<u8>, String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.as_slice() {
        [] => {
            let mut buf = Vec::new();
            std::io::stdin()
                .take(1 << 20)
                .read_to_end(&mut buf)
                .map_err(|e| format!("reading stdin: {e}"))?;
            Ok(buf)
        }
        [arg] if arg.starts_with("PROXY") => Ok(unescape(arg)),
        [arg] => from_hex(arg),
        _ => Err("usage: decode [HEX | 'PROXY ...\\r\\n']   (or raw bytes on stdin)".into()),
    }
}

fn unescape(s: &str) -> Vec<u8> {
    s.replace("\\r", "\r").replace("\\n", "\n").into_bytes()
}

fn from_hex(s: &str) -> Result<Vec<u8>, String> {
    let digits: Vec<u8> = s
        .trim_start_matches("0x")
        .bytes()
        .filter(|c| !c.is_ascii_whitespace() && *c != b':')
        .collect();
    if digits.len() % 2 != 0 {
        return Err(format!("odd number of hex digits ({})", digits.len()));
    }
    digits
        .chunks(2)
        .map(|pair| {
            let text = std::str::from_utf8(pair).map_err(|_| "not hex".to_string())?;
            u8::from_str_radix(text, 16).map_err(|_| format!("not a hex byte: {text:?}"))
        })
        .collect()
}

fn describe(header: &Header<'_>, consumed: usize, input: &[u8]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "PROXY protocol v{} header, {consumed} bytes",
        header.version()
    );
    match header {
        Header::V1(h) => {
            let proto = match h {
                proxy_wire::v1::Header::Tcp4 { .. } => "TCP4",
                proxy_wire::v1::Header::Tcp6 { .. } => "TCP6",
                proxy_wire::v1::Header::Unknown => "UNKNOWN (use the connection's own addresses)",
            };
            let _ = writeln!(out, "  protocol:    {proto}");
        }
        Header::V2(h) => {
            let command = match h.command() {
                Command::Local => "LOCAL (the proxy's own connection; use its addresses)",
                Command::Proxy => "PROXY",
            };
            // byte 13: address family in the high nibble, transport in the low one
            let byte13 = h.as_bytes()[13];
            let family = match byte13 >> 4 {
                0 => "UNSPEC",
                1 => "INET (IPv4)",
                2 => "INET6 (IPv6)",
                _ => "UNIX",
            };
            let protocol = match h.protocol() {
                Protocol::Unspec => "UNSPEC",
                Protocol::Stream => "STREAM",
                Protocol::Dgram => "DGRAM",
            };
            let _ = writeln!(out, "  command:     {command}");
            let _ = writeln!(out, "  family:      {family} (byte 13 = {byte13:#04x})");
            let _ = writeln!(out, "  protocol:    {protocol}");
        }
    }
    match header.addresses() {
        Addresses::Unix { src, dst } => {
            let _ = writeln!(
                out,
                "  source:      {}",
                String::from_utf8_lossy(src).escape_debug()
            );
            let _ = writeln!(
                out,
                "  destination: {}",
                String::from_utf8_lossy(dst).escape_debug()
            );
        }
        a => match (a.source(), a.destination()) {
            (Some(s), Some(d)) => {
                let _ = writeln!(out, "  source:      {s}");
                let _ = writeln!(out, "  destination: {d}");
            }
            _ => {
                let _ = writeln!(out, "  addresses:   none (use the real connection's)");
            }
        },
    }
    if let Header::V2(h) = header {
        let tlvs: Vec<Tlv<'_>> = h.tlvs().collect();
        let _ = writeln!(out, "  TLVs:        {}", tlvs.len());
        for t in tlvs {
            describe_tlv(&mut out, &t, "    ");
        }
    }
    let _ = writeln!(out, "header ends at byte {consumed}");
    let rest = &input[consumed..];
    if !rest.is_empty() {
        let shown = &rest[..rest.len().min(48)];
        let _ = writeln!(
            out,
            "{} bytes of application data follow: {:?}{}",
            rest.len(),
            String::from_utf8_lossy(shown),
            if rest.len() > shown.len() { "..." } else { "" }
        );
    }
    out
}

fn describe_tlv(out: &mut String, t: &Tlv<'_>, indent: &str) {
    let ty = t.tlv_type();
    // the specification's ranges for types it does not name
    let name = ty.name().unwrap_or(match ty.0 {
        0xE0..=0xEF => "custom",
        0xF0..=0xF7 => "experimental",
        0xF8..=0xFF => "future",
        _ => "unknown",
    });
    let len = t.value_bytes().len();
    let _ = write!(out, "{indent}{:#04x} {name} ({len} bytes): ", ty.0);
    match t.value() {
        Ok(TlvValue::Alpn(v)) => {
            let _ = writeln!(out, "{:?}", String::from_utf8_lossy(v));
        }
        Ok(
            TlvValue::Authority(s)
            | TlvValue::Netns(s)
            | TlvValue::SslVersion(s)
            | TlvValue::SslCn(s)
            | TlvValue::SslCipher(s)
            | TlvValue::SslSigAlg(s)
            | TlvValue::SslKeyAlg(s)
            | TlvValue::SslGroup(s)
            | TlvValue::SslSigScheme(s),
        ) => {
            let _ = writeln!(out, "{s:?}");
        }
        Ok(TlvValue::Crc32c(c)) => {
            let _ = writeln!(out, "{c:#010x} (verified)");
        }
        Ok(TlvValue::Noop(n)) => {
            let _ = writeln!(out, "{n} bytes of padding");
        }
        Ok(TlvValue::UniqueId(v) | TlvValue::SslClientCert(v)) => {
            let _ = writeln!(out, "{}", hex(v));
        }
        Ok(TlvValue::GcpPscConnectionId(id)) => {
            let _ = writeln!(out, "GCP PSC connection id {id}");
        }
        Ok(TlvValue::AwsVpceId(id)) => {
            let _ = writeln!(out, "AWS VPC endpoint {id}");
        }
        Ok(TlvValue::AzurePrivateEndpointLinkId(id)) => {
            let _ = writeln!(out, "Azure private endpoint link id {id}");
        }
        Ok(TlvValue::Ssl(ssl)) => {
            let c = ssl.client().0;
            let bits: Vec<&str> = [(1, "SSL"), (2, "CERT_CONN"), (4, "CERT_SESS")]
                .iter()
                .filter(|(b, _)| c & b != 0)
                .map(|(_, n)| *n)
                .collect();
            let _ = writeln!(
                out,
                "client {c:#04x} [{}], verify {} ({})",
                bits.join(", "),
                ssl.verify(),
                if ssl.is_verified() {
                    "ok"
                } else {
                    "not verified"
                }
            );
            let inner = format!("{indent}  ");
            for sub in ssl.sub_tlvs() {
                describe_tlv(out, &sub, &inner);
            }
        }
        Ok(other) => {
            let _ = writeln!(out, "{} ({other:?})", hex(t.value_bytes()));
        }
        Err(e) => {
            let _ = writeln!(out, "{} (cannot decode: {e})", hex(t.value_bytes()));
        }
    }
}

fn hex(v: &[u8]) -> String {
    v.iter().map(|b| format!("{b:02x}")).collect()
}
