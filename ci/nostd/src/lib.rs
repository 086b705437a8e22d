//! Links proxy-wire into a `#![no_std]` static library: parse and encode must need neither std
//! nor an allocator.
#![no_std]

use core::panic::PanicInfo;
use proxy_wire::{parse, v2, Encode, Status};

#[panic_handler]
fn panic(_: &PanicInfo<'_>) -> ! {
    loop {}
}

/// Parses a v1 line and re-encodes it as v2; returns the v2 length, or 0 on failure.
#[no_mangle]
pub extern "C" fn proxy_wire_nostd_check() -> usize {
    let Ok(Status::Complete { header, .. }) = parse(b"PROXY TCP4 192.0.2.1 192.0.2.2 1 2\r\n")
    else {
        return 0;
    };
    let mut out = [0u8; 64];
    let b = v2::Builder::proxy(v2::Protocol::Stream, header.addresses()).crc32c(true);
    b.encode(&mut out).unwrap_or(0)
}
