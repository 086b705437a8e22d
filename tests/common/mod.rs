//! Helpers shared by the integration tests: the vector file and outcome comparison.
#![allow(dead_code)]

use proxy_wire::v2::{Command, Protocol};
use proxy_wire::{parse, Addresses, Header, ParseError, Status};
use serde_json::Value;

pub fn vectors() -> Vec<Value> {
    let text = include_str!("../data/public.json");
    serde_json::from_str::<Vec<Value>>(text).expect("vectors parse")
}

pub fn hex(v: &Value) -> Vec<u8> {
    hex::decode(v.as_str().expect("hex string")).expect("valid hex")
}

/// What one parse gave, in the vocabulary of the vector file.
#[derive(Debug)]
pub enum Outcome<'a> {
    Ok(Header<'a>, usize),
    Incomplete(usize),
    Error(ParseError),
}

pub fn outcome(input: &[u8]) -> Outcome<'_> {
    match parse(input) {
        Ok(Status::Complete { header, consumed }) => Outcome::Ok(header, consumed),
        Ok(Status::Incomplete { needed }) => Outcome::Incomplete(needed.get()),
        Err(e) => Outcome::Error(e),
    }
}

fn command_name(c: Command) -> &'static str {
    match c {
        Command::Local => "local",
        Command::Proxy => "proxy",
    }
}

fn family_name(h: &Header<'_>) -> &'static str {
    match h {
        Header::V1(proxy_wire::v1::Header::Tcp4 { .. }) => "inet",
        Header::V1(proxy_wire::v1::Header::Tcp6 { .. }) => "inet6",
        Header::V1(_) => "unspec",
        // the family nibble on the wire (a LOCAL header's addresses() is Unspec whatever it says)
        Header::V2(h) => match h.as_bytes()[13] >> 4 {
            0 => "unspec",
            1 => "inet",
            2 => "inet6",
            3 => "unix",
            _ => "invalid",
        },
    }
}

fn protocol_name(h: &Header<'_>) -> &'static str {
    match h {
        Header::V1(proxy_wire::v1::Header::Unknown) => "unspec",
        Header::V1(_) => "stream",
        Header::V2(h) => match h.protocol() {
            Protocol::Unspec => "unspec",
            Protocol::Stream => "stream",
            Protocol::Dgram => "dgram",
        },
    }
}

/// Checks a complete parse against an `ok` object; returns a description of the first
/// difference.
pub fn check_ok(header: &Header<'_>, consumed: usize, want: &Value) -> Result<(), String> {
    let obj = want.as_object().ok_or("ok is not an object")?;
    if let Some(c) = obj.get("consumed") {
        if c.as_u64() != Some(consumed as u64) {
            return Err(format!("consumed {consumed}, want {c}"));
        }
    }
    if let Some(c) = obj.get("command") {
        // v1 has no command in the vectors' sense, but TCP4/TCP6 are "proxy".
        let got = command_name(header.command());
        if c.as_str() != Some(got) {
            return Err(format!("command {got}, want {c}"));
        }
    }
    if let Some(f) = obj.get("family") {
        let got = family_name(header);
        if f.as_str() != Some(got) {
            return Err(format!("family {got}, want {f}"));
        }
    }
    if let Some(p) = obj.get("protocol") {
        let got = protocol_name(header);
        if p.as_str() != Some(got) {
            return Err(format!("protocol {got}, want {p}"));
        }
    }
    for (key, is_src) in [("src", true), ("dst", false)] {
        let Some(w) = obj.get(key) else { continue };
        let w = w.as_str().ok_or("address not a string")?;
        match header.addresses() {
            Addresses::Unix { src, dst } => {
                let got = hex::encode(if is_src { src } else { dst });
                if got != w {
                    return Err(format!("{key} {got}, want {w}"));
                }
            }
            a => {
                let got = if is_src { a.source() } else { a.destination() };
                let want: std::net::SocketAddr = w
                    .parse()
                    .map_err(|e| format!("bad address in vector {w}: {e}"))?;
                if got != Some(want) {
                    return Err(format!("{key} {got:?}, want {want}"));
                }
            }
        }
    }
    if let Some(tlvs) = obj.get("tlvs") {
        let want: Vec<(u64, String)> = tlvs
            .as_array()
            .ok_or("tlvs not an array")?
            .iter()
            .map(|t| {
                (
                    t["type"].as_u64().unwrap_or(999),
                    t["value_hex"].as_str().unwrap_or("").to_string(),
                )
            })
            .filter(|(t, _)| *t != 4)
            .collect();
        let got: Vec<(u64, String)> = header
            .tlvs()
            .map(|t| (u64::from(t.tlv_type().0), hex::encode(t.value_bytes())))
            .filter(|(t, _)| *t != 4)
            .collect();
        if got != want {
            return Err(format!("tlvs {got:?}, want {want:?}"));
        }
    }
    if let Some(ssl) = obj.get("ssl") {
        let Some(got) = header.ssl() else {
            return Err("no SSL TLV".into());
        };
        if ssl.get("client").and_then(Value::as_u64) != Some(u64::from(got.client().0)) {
            return Err(format!(
                "ssl client {:?}, want {}",
                got.client(),
                ssl["client"]
            ));
        }
        if ssl.get("verify").and_then(Value::as_u64) != Some(u64::from(got.verify())) {
            return Err(format!(
                "ssl verify {}, want {}",
                got.verify(),
                ssl["verify"]
            ));
        }
        if let Some(subs) = ssl.get("subs").and_then(Value::as_array) {
            let want: Vec<(u64, String)> = subs
                .iter()
                .map(|t| {
                    (
                        t["type"].as_u64().unwrap_or(999),
                        t["value_hex"].as_str().unwrap_or("").to_string(),
                    )
                })
                .collect();
            let got: Vec<(u64, String)> = got
                .sub_tlvs()
                .map(|t| (u64::from(t.tlv_type().0), hex::encode(t.value_bytes())))
                .collect();
            if got != want {
                return Err(format!("ssl subs {got:?}, want {want:?}"));
            }
        }
    }
    Ok(())
}

/// Whether `got` satisfies one expectation object (`{"ok":..}`, `{"incomplete":true}`,
/// `{"error":"category"}`).
pub fn matches(got: &Outcome<'_>, expect: &Value) -> Result<(), String> {
    if let Some(ok) = expect.get("ok") {
        return match got {
            Outcome::Ok(h, consumed) => check_ok(h, *consumed, ok),
            other => Err(format!("got {other:?}, want ok")),
        };
    }
    if expect.get("incomplete").is_some() {
        return match got {
            Outcome::Incomplete(_) => Ok(()),
            other => Err(format!("got {other:?}, want incomplete")),
        };
    }
    if let Some(cat) = expect.get("error").and_then(Value::as_str) {
        return match got {
            Outcome::Error(e) if e.category() == cat => Ok(()),
            other => Err(format!("got {other:?}, want error {cat}")),
        };
    }
    Err(format!("unknown expectation {expect}"))
}
