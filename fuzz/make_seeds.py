#!/usr/bin/env python3
"""Writes the seed corpus of every fuzz target (fuzz/corpus/<target>/seed-*) and is committed
with it so the seeds can be regenerated: the public test vectors (tests/data/public.json) and
hand-made headers of every kind. Run from the repository root: python3 fuzz/make_seeds.py
"""
import json
import os
import struct

SIG = b"\r\n\r\n\x00\r\nQUIT\n"


def crc32c(data):
    crc = 0xFFFFFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ 0x82F63B78 if crc & 1 else crc >> 1
    return crc ^ 0xFFFFFFFF


def tlv(t, value):
    return bytes([t]) + struct.pack(">H", len(value)) + value


def v2(cmd, fam, proto, addr=b"", tlvs=b"", crc=False):
    body = addr + tlvs + (tlv(0x03, b"\0\0\0\0") if crc else b"")
    head = SIG + bytes([0x20 | cmd, (fam << 4) | proto]) + struct.pack(">H", len(body))
    out = bytearray(head + body)
    if crc:
        at = len(out) - 4
        out[at:] = struct.pack(">I", crc32c(bytes(out)))
    return bytes(out)


def inet(s, d, sp, dp):
    return bytes(s) + bytes(d) + struct.pack(">HH", sp, dp)


def inet6(s, d, sp, dp):
    return bytes(s) + bytes(d) + struct.pack(">HH", sp, dp)


def unix(s, d):
    return s.ljust(108, b"\0") + d.ljust(108, b"\0")


V6A = bytes.fromhex("20010db8000000000000000000000001")
V6B = bytes.fromhex("20010db8000000000000000000000002")
SSL = tlv(0x20, b"\x07\x00\x00\x00\x00" + tlv(0x21, b"TLSv1.3") + tlv(0x22, b"client.example")
          + tlv(0x23, b"TLS_AES_128_GCM_SHA256") + tlv(0x24, b"SHA256") + tlv(0x25, b"RSA2048")
          + tlv(0x26, b"X25519") + tlv(0x27, b"rsa_pss_rsae_sha256") + tlv(0x28, b"\x30\x03\x02\x01\x00"))
VENDOR = (tlv(0xE0, struct.pack(">Q", 0x0123456789ABCDEF)) + tlv(0xEA, b"\x01vpce-08d2bf15fac5001c9")
          + tlv(0xEE, b"\x01" + struct.pack("<I", 0x21000001)))
MISC = (tlv(0x01, b"h2") + tlv(0x02, b"example.com") + tlv(0x04, b"\0" * 5) + tlv(0x05, b"id-42" * 4)
        + tlv(0x30, b"blue") + tlv(0xF0, b"x") + tlv(0xFF, b""))

HAND = {
    "v1-tcp4": b"PROXY TCP4 192.0.2.1 198.51.100.2 56324 443\r\n",
    "v1-tcp4-payload": b"PROXY TCP4 255.255.255.255 0.0.0.0 65535 0\r\nGET / HTTP/1.1\r\n",
    "v1-tcp6": b"PROXY TCP6 2001:db8::1 2001:db8::2 1 65535\r\n",
    "v1-tcp6-mapped": b"PROXY TCP6 ::ffff:192.0.2.1 ::1 80 8080\r\n",
    "v1-tcp6-full": b"PROXY TCP6 1:2:3:4:5:6:7:8 FE80::ABCD:1.2.3.4 1 2\r\n",
    "v1-unknown": b"PROXY UNKNOWN\r\n",
    "v1-unknown-addrs": b"PROXY UNKNOWN 192.0.2.1 192.0.2.2 1 2\r\n",
    "v2-local": v2(0, 0, 0),
    "v2-local-inet": v2(0, 1, 1, inet([10, 0, 0, 1], [10, 0, 0, 2], 1, 2)),
    "v2-tcp4": v2(1, 1, 1, inet([192, 0, 2, 1], [198, 51, 100, 2], 56324, 443)),
    "v2-udp4": v2(1, 1, 2, inet([192, 0, 2, 1], [198, 51, 100, 2], 53, 5353)),
    "v2-tcp6": v2(1, 2, 1, inet6(V6A, V6B, 4000, 443)),
    "v2-udp6": v2(1, 2, 2, inet6(V6A, V6B, 53, 53)),
    "v2-unix-stream": v2(1, 3, 1, unix(b"/var/run/src.sock", b"/var/run/dst.sock")),
    "v2-unix-dgram": v2(1, 3, 2, unix(b"/a" * 54, b"")),
    "v2-unspec": v2(1, 0, 0),
    "v2-tcp4-tlvs": v2(1, 1, 1, inet([192, 0, 2, 1], [198, 51, 100, 2], 1, 2), MISC),
    "v2-tcp4-ssl": v2(1, 1, 1, inet([192, 0, 2, 1], [198, 51, 100, 2], 1, 2), tlv(0x01, b"h2") + SSL),
    "v2-tcp6-vendor": v2(1, 2, 1, inet6(V6A, V6B, 1, 2), VENDOR),
    "v2-local-crc": v2(0, 0, 0, crc=True),
    "v2-tcp4-crc": v2(1, 1, 1, inet([192, 0, 2, 1], [198, 51, 100, 2], 1, 2), tlv(0x02, b"a.example"), crc=True),
    "v2-tcp6-ssl-crc": v2(1, 2, 1, inet6(V6A, V6B, 1, 2), SSL + VENDOR + MISC, crc=True),
    "v2-unix-crc": v2(1, 3, 1, unix(b"/s", b"/d"), tlv(0x04, b"\0\0"), crc=True),
}


def main():
    seeds = dict(HAND)
    with open("tests/data/public.json") as f:
        for case in json.load(f):
            seeds["vec-" + case["id"]] = bytes.fromhex(case["hex"])
    byte_targets = ["parse", "parse_v1", "parse_v2", "parse_crc", "roundtrip", "fast_precise"]
    for target in byte_targets + ["split", "stream"]:
        os.makedirs(f"fuzz/corpus/{target}", exist_ok=True)
    for name, data in sorted(seeds.items()):
        for target in byte_targets:
            with open(f"fuzz/corpus/{target}/seed-{name}", "wb") as f:
                f.write(data)
        # split: two little-endian bytes choose the cut, then the input.
        cut = (len(data) // 2) if data else 0
        with open(f"fuzz/corpus/split/seed-{name}", "wb") as f:
            f.write(struct.pack("<H", cut) + data)
        # stream: a count of chunk sizes, the sizes, then the connection (header + payload).
        with open(f"fuzz/corpus/stream/seed-{name}", "wb") as f:
            f.write(bytes([3, 1, 7, 0]) + data + b"GET / HTTP/1.1\r\n")
    print(f"{len(seeds)} seeds per target")


if __name__ == "__main__":
    main()
