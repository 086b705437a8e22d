//! The `stream` target: a header and its payload fed through the std adapter
//! ([`proxy_wire::io::read_header`] and the [`proxy_wire::io::Peeled`] stream it returns) in
//! fuzzer-chosen chunks.
//!
//! Input: one byte `k`, then `k % 16` chunk sizes (a size of 0 is one `Interrupted` error),
//! then the bytes of the connection. The adapter must give the header the parser finds in the
//! whole input, and the payload after it byte for byte, whatever the chunking.

use std::io::{self, ErrorKind, Read};

use proxy_wire::io::read_header;
use proxy_wire::{v1, v2, Header, ParseError, ParserConfig, Status};

/// A reader that hands out `data` in chunks of the given sizes, in turn.
struct Chunked<'a> {
    data: &'a [u8],
    pos: usize,
    sizes: &'a [u8],
    turn: usize,
    interrupted: bool,
    reads: usize,
}

impl Read for Chunked<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.reads += 1;
        assert!(self.reads < 1_000_000, "the adapter does not stop reading");
        let size = match self.sizes.get(self.turn % self.sizes.len().max(1)) {
            Some(&s) => usize::from(s),
            None => usize::MAX,
        };
        self.turn += 1;
        if size == 0 && !self.interrupted {
            self.interrupted = true;
            return Err(ErrorKind::Interrupted.into());
        }
        self.interrupted = false;
        let n = size.max(1).min(buf.len()).min(self.data.len() - self.pos);
        buf[..n].copy_from_slice(&self.data[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

/// Runs one input.
pub fn stream(data: &[u8]) {
    let Some((&k, rest)) = data.split_first() else {
        return;
    };
    let k = usize::from(k % 16).min(rest.len());
    let (sizes, input) = rest.split_at(k);
    let reader = || Chunked {
        data: input,
        pos: 0,
        sizes,
        turn: 0,
        interrupted: false,
        reads: 0,
    };
    // A stream adapter refuses a v2 PROXY header for DGRAM: its addresses are another flow's.
    let expected = proxy_wire::parse(input).and_then(|s| match s {
        Status::Complete {
            header: Header::V2(h),
            ..
        } if h.command() == v2::Command::Proxy && h.protocol() == v2::Protocol::Dgram => {
            Err(ParseError::WrongTransport {
                version: 2,
                in_datagram: false,
            })
        }
        s => Ok(s),
    });

    let mut r = reader();
    let got = read_header(&mut r, &ParserConfig::new())
        .map(|(owned, peeled)| (owned, peeled.into_inner().1));
    match (expected, got) {
        (Ok(Status::Complete { header, consumed }), Ok((owned, leftover))) => {
            assert_eq!(owned.header(), header, "the adapter's header");
            assert_eq!(owned.as_bytes(), &input[..consumed]);
            // Nothing lost, nothing reordered: leftover, then the rest of the reader.
            assert_eq!(&input[consumed..r.pos], &leftover[..]);
            // Reads are bounded: v2 exactly the header, v1 at most the longest line.
            if header.version() == 2 {
                assert_eq!(r.pos, consumed, "read past a v2 header");
            } else {
                assert!(r.pos <= v1::V1_MAX_LEN.max(consumed), "read past 107 bytes");
            }
        }
        (Ok(Status::Incomplete { .. }), Err(e)) => {
            assert_eq!(e.kind(), ErrorKind::UnexpectedEof, "{e}");
            assert_eq!(r.pos, input.len());
        }
        (Err(want), Err(e)) => {
            assert_eq!(e.kind(), ErrorKind::InvalidData, "{e}");
            let inner = std::error::Error::source(&e).and_then(|i| i.downcast_ref::<ParseError>());
            assert_eq!(inner, Some(&want), "the adapter's error");
        }
        (want, got) => panic!("parse gave {want:?}, the adapter {got:?}"),
    }

    // Peeled: the payload comes out intact after the header.
    if let Ok(Status::Complete { consumed, .. }) = expected {
        let (owned, mut peeled) = read_header(reader(), &ParserConfig::new()).expect("peel");
        assert_eq!(owned.as_bytes().len(), consumed);
        let mut payload = Vec::new();
        peeled.read_to_end(&mut payload).expect("read the payload");
        assert_eq!(payload, &input[consumed..], "payload after the header");
    }
}
