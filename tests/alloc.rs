//! A counting global allocator proves that parsing and slice encoding never touch the heap.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::net::SocketAddr;

use proxy_wire::v2::{self, Protocol, SslClient, TlvSpec};
use proxy_wire::{parse, v1, Encode, Status};

struct Counting;

thread_local! {
    static ALLOCS: Cell<usize> = const { Cell::new(0) };
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCS.with(|c| c.set(c.get() + 1));
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCS.with(|c| c.set(c.get() + 1));
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Heap allocations made on this thread while `f` runs.
fn allocations(f: impl FnOnce()) -> usize {
    let before = ALLOCS.with(Cell::get);
    f();
    ALLOCS.with(Cell::get) - before
}

#[test]
fn the_counter_sees_allocations() {
    // the instrument works: a Vec allocates
    assert!(allocations(|| drop(std::hint::black_box(vec![1u8; 64]))) >= 1);
}

#[test]
fn parsing_every_shape_allocates_nothing() {
    let src: SocketAddr = "192.0.2.1:56324".parse().unwrap();
    let dst: SocketAddr = "198.51.100.2:443".parse().unwrap();
    let subs = [
        TlvSpec::SslVersion("TLSv1.3"),
        TlvSpec::SslCn("client.example.com"),
    ];
    let tlvs = [
        TlvSpec::Alpn(b"h2"),
        TlvSpec::Authority("example.com"),
        TlvSpec::UniqueId(&[7; 32]),
        TlvSpec::Ssl(SslClient(7), 0, &subs),
        TlvSpec::Noop(13),
    ];
    let mut v2_tlv = [0u8; 256];
    let n = v2::Builder::proxy(Protocol::Stream, (src, dst))
        .tlvs(&tlvs)
        .crc32c(true)
        .encode(&mut v2_tlv)
        .unwrap();
    let inputs: Vec<Vec<u8>> = vec![
        b"PROXY TCP4 192.168.1.10 10.0.0.1 56324 443\r\n".to_vec(),
        b"PROXY TCP6 fe80:abcd:1234:5678:9abc:def0:1234:5678 fe80:abcd:1234:5678:9abc:def0:1234:5679 65535 65534\r\n".to_vec(),
        b"PROXY UNKNOWN\r\n".to_vec(),
        b"\r\n\r\n\0\r\nQUIT\n\x20\x00\x00\x00".to_vec(),
        v2_tlv[..n].to_vec(),
        b"GET / HTTP/1.1\r\n".to_vec(),
        b"PROXY TCP4 1.2.3".to_vec(),
    ];
    for input in &inputs {
        let count = allocations(|| {
            let r = parse(std::hint::black_box(input));
            // walk everything a server would
            if let Ok(Status::Complete { header, .. }) = r {
                let _ = std::hint::black_box(header.source());
                for t in header.tlvs() {
                    let _ = std::hint::black_box(t.value());
                }
                if let Some(ssl) = header.ssl() {
                    for t in ssl.sub_tlvs() {
                        let _ = std::hint::black_box(t.value());
                    }
                }
            }
            let _ = std::hint::black_box(r);
        });
        assert_eq!(count, 0, "{:?}", String::from_utf8_lossy(input));
    }
}

#[test]
fn slice_encoding_allocates_nothing() {
    let src: SocketAddr = "[2001:db8::1]:1".parse().unwrap();
    let dst: SocketAddr = "192.0.2.1:2".parse().unwrap();
    let subs = [TlvSpec::SslVersion("TLSv1.3")];
    let tlvs = [
        TlvSpec::Alpn(b"h2"),
        TlvSpec::Ssl(SslClient::SSL, 0, &subs),
        TlvSpec::Gcp(1),
    ];
    let mut out = [0u8; 512];
    let count = allocations(|| {
        let b = v2::Builder::proxy(Protocol::Stream, (src, dst))
            .tlvs(&tlvs)
            .crc32c(true);
        let n = b.encode(std::hint::black_box(&mut out)).unwrap();
        std::hint::black_box(n);
        let h = v1::Header::from_socket_addrs(src, dst);
        let n = h.encode(std::hint::black_box(&mut out)).unwrap();
        std::hint::black_box(n);
        let (parsed, _) = parse(&out[..n]).unwrap().complete().unwrap();
        let mut again = [0u8; 128];
        std::hint::black_box(parsed.encode(&mut again).unwrap());
    });
    assert_eq!(count, 0);
}
