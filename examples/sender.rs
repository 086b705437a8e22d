//! The sending side: connect, write a PROXY v2 header (with a CRC32C and an AUTHORITY TLV)
//! in one write, then send data and print what comes back.
//!
//! ```text
//! cargo run --example server_blocking -- 127.0.0.1:8000      # in one terminal
//! cargo run --example sender -- 127.0.0.1:8000 192.0.2.7:4242 "hello"
//! ```
//!
//! Arguments: the server, the client address to claim (default 192.0.2.7:4242), the data.
//! Add `--v1` at the end to send a v1 line instead.

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, ToSocketAddrs};

use proxy_wire::io::connect_with_header;
use proxy_wire::{v1, v2};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let server = args.first().map_or("127.0.0.1:8000", String::as_str);
    let client: SocketAddr = args
        .get(1)
        .map_or("192.0.2.7:4242", String::as_str)
        .parse()?;
    let data = args.get(2).map_or("hello", String::as_str);
    let use_v1 = args.iter().any(|a| a == "--v1");

    let server_addr = server
        .to_socket_addrs()?
        .next()
        .ok_or("server address did not resolve")?;
    let mut stream = if use_v1 {
        connect_with_header(
            server_addr,
            &v1::Header::from_socket_addrs(client, server_addr),
        )?
    } else {
        let tlvs = [v2::TlvSpec::Authority("example.test")];
        let header = v2::Builder::proxy(v2::Protocol::Stream, (client, server_addr))
            .tlvs(&tlvs)
            .crc32c(true);
        connect_with_header(server_addr, &header)?
    };
    stream.write_all(data.as_bytes())?;
    stream.shutdown(Shutdown::Write)?;
    let mut reply = Vec::new();
    stream.read_to_end(&mut reply)?;
    println!("{}", String::from_utf8_lossy(&reply));
    Ok(())
}
