//! The sans-IO steps every reader and acceptor shares, blocking or tokio: the header buffer
//! and its parse step, the look at the first bytes, the policy decision, the header deadline
//! and the replay of bytes read past a header. The callers only add their read and peek calls.

#![forbid(unsafe_code)]

use core::net::SocketAddr;
use core::time::Duration;
use std::io::{self, ErrorKind};
use std::time::Instant;
use std::vec::Vec;

use crate::config::ParserConfig;
use crate::header::Header;
use crate::io::policy::{HeaderPolicy, Validator};
use crate::owned::OwnedHeader;
use crate::status::Status;
use crate::{v1, v2};

/// Bytes peeked at once by the exact readers: a v1 line, or a v2 header with a few TLVs,
/// comes in one peek.
pub(crate) const PEEK_WINDOW: usize = 256;

/// Longest signature [`detect`] needs to see.
pub(crate) const DETECT_LEN: usize = v2::SIGNATURE.len();

/// Longest nap between two looks at a first byte that does not change.
const MAX_NAP: Duration = Duration::from_millis(50);

/// The one header buffer: `buf[..filled]` is what was taken off the stream, `buf[filled..]`
/// the room for the next read.
///
/// Two ways to drive it, both a loop around the caller's own read:
/// * any reader: [`HeaderBuf::step`], read into [`HeaderBuf::room`], [`HeaderBuf::filled`];
///   every read is bounded by what the header can still need;
/// * a socket that can peek: [`HeaderBuf::peek_len`], peek, [`HeaderBuf::peeked`], read until
///   the room is empty, [`HeaderBuf::taken`]; nothing past the header is read.
#[derive(Debug, Default)]
pub(crate) struct HeaderBuf {
    buf: Vec<u8>,
    filled: usize,
}

/// What the parse step found.
#[derive(Debug)]
pub(crate) enum Step {
    /// The header is not complete: read into [`HeaderBuf::room`], sized to what the header
    /// can still need.
    Need,
    /// The header, and the bytes read past it (the start of the data).
    Done(OwnedHeader, Vec<u8>),
}

/// What a peek showed, for the read that follows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Take {
    /// The rest of the header is queued: reading it does not wait for the peer.
    Rest,
    /// The header goes on past what is queued: the read waits for the peer.
    More,
}

impl HeaderBuf {
    /// Parses what was read so far: the header and the bytes past it once it is complete,
    /// else the size of the room made for the next read.
    pub(crate) fn step(&mut self, config: &ParserConfig) -> io::Result<Step> {
        match self.parse(config)? {
            Status::Complete {
                header: v1,
                consumed,
            } => {
                self.buf.truncate(self.filled);
                let mut header = core::mem::take(&mut self.buf);
                self.filled = 0;
                let leftover = header.split_off(consumed.min(header.len()));
                Ok(Step::Done(OwnedHeader::from_checked(v1, header), leftover))
            }
            Status::Incomplete { needed } => {
                let bound = read_bound(self.taken_bytes(), needed.get());
                self.buf.resize(self.filled + bound, 0);
                Ok(Step::Need)
            }
        }
    }

    /// Where the next read goes.
    pub(crate) fn room(&mut self) -> &mut [u8] {
        let filled = self.filled;
        self.buf.get_mut(filled..).unwrap_or_default()
    }

    /// Keeps the `n` bytes a read put at the start of the room; a read of 0 bytes into a
    /// non-empty room is the end of the stream, inside the header.
    pub(crate) fn filled(&mut self, n: usize) -> io::Result<()> {
        let room = self.buf.len() - self.filled;
        if n == 0 && room > 0 {
            return Err(eof(self.filled));
        }
        self.filled += n.min(room);
        Ok(())
    }

    /// How many bytes the next peek may look at: at most what the header can still need.
    pub(crate) fn peek_len(&self) -> usize {
        let taken = self.taken_bytes();
        let most = match taken.first() {
            Some(b'P') => v1::V1_MAX_LEN.saturating_sub(taken.len()),
            Some(_) => v2::V2_MAX_LEN.saturating_sub(taken.len()),
            None => PEEK_WINDOW,
        };
        most.clamp(1, PEEK_WINDOW)
    }

    /// Takes in the bytes a peek showed (they follow those already taken) and sizes the room
    /// to exactly the bytes to read now: the rest of the header if it is all there, else all
    /// that was seen plus the minimum still missing, so the next peek waits for new bytes
    /// instead of spinning. An empty peek is the end of the stream.
    pub(crate) fn peeked(&mut self, seen: &[u8], config: &ParserConfig) -> io::Result<Take> {
        if seen.is_empty() {
            return Err(eof(self.filled));
        }
        self.buf.truncate(self.filled);
        // The room holds the peeked bytes until the read writes the same bytes over them.
        self.buf.extend_from_slice(seen);
        let status = config.parse_stream(&self.buf)?.map(|_| ());
        match status {
            Status::Complete { consumed, .. } => {
                self.buf.truncate(consumed.max(self.filled));
                Ok(Take::Rest)
            }
            Status::Incomplete { needed } => {
                self.buf.resize(self.buf.len() + needed.get(), 0);
                Ok(Take::More)
            }
        }
    }

    /// After the room sized by [`HeaderBuf::peeked`] is read: the header once complete,
    /// else `None` (peek again).
    pub(crate) fn taken(&mut self, config: &ParserConfig) -> io::Result<Option<OwnedHeader>> {
        match self.parse(config)? {
            Status::Complete {
                header: v1,
                consumed,
            } => {
                // The room never goes past the header, so `consumed` is all that was taken.
                self.buf.truncate(consumed.min(self.filled));
                self.filled = 0;
                let bytes = core::mem::take(&mut self.buf);
                Ok(Some(OwnedHeader::from_checked(v1, bytes)))
            }
            Status::Incomplete { .. } => Ok(None),
        }
    }

    fn taken_bytes(&self) -> &[u8] {
        self.buf.get(..self.filled).unwrap_or_default()
    }

    /// Parses the bytes taken; a complete header comes back as its v1 line, if it is one.
    fn parse(&self, config: &ParserConfig) -> io::Result<Status<Option<v1::Header>>> {
        let status = config.parse_stream(self.taken_bytes())?;
        Ok(status.map(|header| match header {
            Header::V1(h) => Some(h),
            Header::V2(_) => None,
        }))
    }
}

/// How many bytes the next read of a plain reader may ask for: the 16-byte v2 fixed part
/// first (a v1 line is at least 15 bytes, so at most 1 byte past the shortest one); then, for
/// v1, up to the 107-byte line in all; for v2, exactly what the parser says is missing.
fn read_bound(taken: &[u8], needed: usize) -> usize {
    match taken.first() {
        None => v2::V2_HEADER_LEN.max(needed),
        Some(b'P') => v1::V1_MAX_LEN.saturating_sub(taken.len()).max(needed),
        Some(_) => needed,
    }
}

/// What the first bytes of a connection say about a header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Detect {
    /// The bytes start with a full PROXY signature (`PROXY ` or the v2 signature).
    Header,
    /// The bytes cannot start a header.
    NoHeader,
    /// The bytes are a strict prefix of a signature: wait for more.
    NeedMore,
}

/// Tells from the first bytes of a connection whether a header is there.
pub(crate) fn detect(bytes: &[u8]) -> Detect {
    let prefix_of = |sig: &[u8]| {
        let n = bytes.len().min(sig.len());
        bytes.get(..n) == sig.get(..n)
    };
    if bytes.is_empty() {
        Detect::NeedMore
    } else if bytes.starts_with(v1::V1_PREFIX) || bytes.starts_with(&v2::SIGNATURE) {
        Detect::Header
    } else if prefix_of(v1::V1_PREFIX) || prefix_of(&v2::SIGNATURE) {
        Detect::NeedMore
    } else {
        Detect::NoHeader
    }
}

/// The wait for the first bytes: peek [`DETECT_LEN`] bytes, hand them to
/// [`Detector::peeked`], and do what it says until it decides.
#[derive(Debug)]
pub(crate) struct Detector {
    seen: usize,
    nap: Duration,
}

/// The next move of a [`Detector`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Look {
    /// Decided.
    Done(Detect),
    /// More bytes came: peek again.
    Again,
    /// Nothing new, and a peek would return at once: sleep this long, then peek again.
    Nap(Duration),
}

impl Detector {
    pub(crate) fn new() -> Self {
        Self {
            seen: 0,
            nap: Duration::from_millis(1),
        }
    }

    /// Takes in what a peek showed (empty: the peer closed, and the application will see
    /// that itself).
    pub(crate) fn peeked(&mut self, window: &[u8], deadline: &Deadline) -> io::Result<Look> {
        if window.is_empty() {
            return Ok(Look::Done(Detect::NoHeader));
        }
        match detect(window) {
            Detect::NeedMore => {}
            d => return Ok(Look::Done(d)),
        }
        let grew = window.len() != self.seen;
        self.seen = window.len();
        if grew {
            return Ok(Look::Again);
        }
        // A peer stalled inside a signature: back off, but never past the deadline.
        let nap = match deadline.left()? {
            Some(left) => self.nap.min(left),
            None => self.nap,
        };
        self.nap = (self.nap * 2).min(MAX_NAP);
        Ok(Look::Nap(nap))
    }

    /// The deadline passed before a decision: a peer that sent nothing has no header (it
    /// may expect the server to speak first); one that stalled inside a signature is an
    /// error.
    pub(crate) fn timed_out(&self) -> io::Result<Detect> {
        if self.seen == 0 {
            Ok(Detect::NoHeader)
        } else {
            Err(timed_out())
        }
    }
}

/// What an acceptor does next with a connection.
#[derive(Debug)]
pub(crate) enum Action {
    /// Read the header.
    Read,
    /// Hand the connection on as it is, without a header.
    Pass,
    /// Look at the first bytes ([`Detector`]), then decide again with what they showed.
    Look,
    /// Close it with this error.
    Fail(io::Error),
}

/// The one policy decision, given what the first bytes showed if they were looked at.
/// With `detected` set it never answers [`Action::Look`].
pub(crate) fn decide(policy: HeaderPolicy, peer: SocketAddr, detected: Option<Detect>) -> Action {
    match (policy, detected) {
        (HeaderPolicy::Reject, _) => Action::Fail(rejected(peer)),
        (HeaderPolicy::Skip, _) => Action::Pass,
        (HeaderPolicy::Require, _) => Action::Read,
        (HeaderPolicy::OptionalSpoofable | HeaderPolicy::Refuse, None) => Action::Look,
        (HeaderPolicy::OptionalSpoofable, Some(Detect::Header)) => Action::Read,
        (HeaderPolicy::Refuse, Some(Detect::Header)) => Action::Fail(refused()),
        (_, Some(Detect::NoHeader)) => Action::Pass,
        (_, Some(Detect::NeedMore)) => Action::Fail(timed_out()),
    }
}

/// A point in time after which waiting for the header is an error; none waits forever.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Deadline(Option<Instant>);

impl Deadline {
    /// No deadline.
    pub(crate) const NONE: Self = Self(None);

    pub(crate) fn after(timeout: Option<Duration>) -> Self {
        Self(timeout.and_then(|t| Instant::now().checked_add(t)))
    }

    /// The time left (`None` without a deadline); `TimedOut` once none is.
    pub(crate) fn left(&self) -> io::Result<Option<Duration>> {
        let Some(at) = self.0 else {
            return Ok(None);
        };
        let left = at.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(timed_out());
        }
        Ok(Some(left))
    }

    /// The instant, for timers that take one.
    #[cfg(feature = "tokio")]
    pub(crate) fn at(&self) -> Option<Instant> {
        self.0
    }
}

/// The bytes read past a header, handed out before anything the stream gives next.
#[derive(Debug, Clone, Default)]
pub(crate) struct Replay {
    bytes: Vec<u8>,
    pos: usize,
}

impl Replay {
    pub(crate) fn new(bytes: Vec<u8>) -> Self {
        Self { bytes, pos: 0 }
    }

    /// The bytes not handed out yet.
    pub(crate) fn rest(&self) -> &[u8] {
        self.bytes.get(self.pos..).unwrap_or_default()
    }

    /// Copies bytes into `out`; returns how many (0 once all are handed out).
    pub(crate) fn copy_to(&mut self, out: &mut [u8]) -> usize {
        let rest = self.rest();
        let n = rest.len().min(out.len());
        out[..n].copy_from_slice(&rest[..n]);
        self.consume(n);
        n
    }

    /// Marks `n` bytes (at most those left) as handed out.
    pub(crate) fn consume(&mut self, n: usize) {
        self.pos += n.min(self.rest().len());
        if self.pos >= self.bytes.len() {
            // Free the buffer once it is used up.
            self.bytes = Vec::new();
            self.pos = 0;
        }
    }

    /// The bytes not handed out yet, by value.
    pub(crate) fn into_rest(mut self) -> Vec<u8> {
        self.bytes.drain(..self.pos.min(self.bytes.len()));
        self.bytes
    }
}

pub(crate) fn eof(got: usize) -> io::Error {
    io::Error::new(
        ErrorKind::UnexpectedEof,
        std::format!("connection closed after {got} bytes, inside the PROXY header"),
    )
}

pub(crate) fn timed_out() -> io::Error {
    io::Error::new(
        ErrorKind::TimedOut,
        "timed out waiting for the PROXY header",
    )
}

/// Why the policy or the validation hook closed a connection: held by the `io::Error`
/// (`PermissionDenied`) so that `RejectReason` tells them apart by type, not by text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub(crate) enum Refusal {
    #[error("peer {0} is not trusted (policy Reject)")]
    Untrusted(core::net::IpAddr),
    #[error("peer sent a PROXY header but its policy refuses headers")]
    Refused,
    #[error("the acceptor's validation hook refused the connection")]
    Denied,
}

fn refusal(why: Refusal) -> io::Error {
    io::Error::new(ErrorKind::PermissionDenied, why)
}

fn rejected(peer: SocketAddr) -> io::Error {
    refusal(Refusal::Untrusted(peer.ip()))
}

fn refused() -> io::Error {
    refusal(Refusal::Refused)
}

/// The last step of every handshake: the validation hook, if any, sees the peer and the
/// header (none when the policy passed the connection without one).
pub(crate) fn admit(
    validate: Option<&Validator>,
    peer: SocketAddr,
    header: Option<&OwnedHeader>,
) -> io::Result<()> {
    let Some(hook) = validate else {
        return Ok(());
    };
    // A panic in the user's hook refuses this connection instead of ending the thread or task
    // that serves it (which would leak its pending slot).
    let header = header.map(OwnedHeader::header);
    let check = std::panic::AssertUnwindSafe(|| hook.check(peer, header));
    match std::panic::catch_unwind(check) {
        Ok(true) => Ok(()),
        Ok(false) | Err(_) => Err(refusal(Refusal::Denied)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const V1: &[u8] = b"PROXY TCP4 192.0.2.1 192.0.2.2 1000 80\r\n";
    const V2_LOCAL: &[u8] = b"\r\n\r\n\0\r\nQUIT\n\x20\x00\x00\x00";

    #[test]
    fn detection() {
        assert_eq!(detect(b""), Detect::NeedMore);
        assert_eq!(detect(b"PRO"), Detect::NeedMore);
        assert_eq!(detect(b"PROXY"), Detect::NeedMore);
        assert_eq!(detect(b"PROXY "), Detect::Header);
        assert_eq!(detect(b"PROXYX"), Detect::NoHeader);
        assert_eq!(detect(b"POST /"), Detect::NoHeader);
        assert_eq!(detect(b"\r\n\r\n"), Detect::NeedMore);
        assert_eq!(detect(b"\r\n\r\n\0\r\nQUIT\n"), Detect::Header);
        assert_eq!(detect(b"\r\nGET"), Detect::NoHeader);
        assert_eq!(detect(b"\x16\x03\x01"), Detect::NoHeader);
    }

    #[test]
    fn bounds() {
        assert_eq!(read_bound(b"", 15), 16);
        assert_eq!(read_bound(b"PROXY", 10), 102);
        assert_eq!(read_bound(b"\r\n", 14), 14);
        assert_eq!(read_bound(b"\r\n\r\n\0\r\nQUIT\n\x21\x11\x00\x0c", 12), 12);
        let mut acc = HeaderBuf::default();
        assert_eq!(acc.peek_len(), PEEK_WINDOW);
        acc.peeked(b"PROXY ", &ParserConfig::new()).unwrap();
        acc.filled(6).unwrap();
        assert_eq!(acc.taken(&ParserConfig::new()).unwrap(), None);
        assert_eq!(acc.peek_len(), 101);
    }

    /// The validation hook decides; a hook that panics refuses; no hook admits.
    #[test]
    fn admit_asks_the_hook() {
        use crate::io::policy::AcceptorConfig;
        let peer: SocketAddr = "192.0.2.1:4000".parse().unwrap();
        assert!(admit(None, peer, None).is_ok());
        let only_4000 = AcceptorConfig::new().validate(|peer, _| peer.port() == 4000);
        assert!(admit(only_4000.validate.as_ref(), peer, None).is_ok());
        let other: SocketAddr = "192.0.2.1:4001".parse().unwrap();
        let err = admit(only_4000.validate.as_ref(), other, None).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::PermissionDenied);
        let panics = AcceptorConfig::new().validate(|_, _| panic!("hook"));
        let err = admit(panics.validate.as_ref(), peer, None).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::PermissionDenied);
    }

    /// The plain-reader loop over one-byte reads gives the header and the bytes past it.
    #[test]
    fn step_by_step() {
        let input = [V1, b"data"].concat();
        let mut acc = HeaderBuf::default();
        let mut at = 0;
        let (header, leftover) = loop {
            match acc.step(&ParserConfig::new()).unwrap() {
                Step::Done(h, rest) => break (h, rest),
                Step::Need => assert!(!acc.room().is_empty()),
            }
            acc.room()[0] = input[at];
            at += 1;
            acc.filled(1).unwrap();
        };
        assert_eq!(header.as_bytes(), V1);
        assert_eq!([&leftover[..], &input[at..]].concat(), b"data");

        let mut acc = HeaderBuf::default();
        assert!(matches!(acc.step(&ParserConfig::new()), Ok(Step::Need)));
        assert_eq!(acc.room().len(), 16);
        assert_eq!(acc.filled(0).unwrap_err().kind(), ErrorKind::UnexpectedEof);

        // A read of nothing into no room is not the end of the stream; a count past the
        // room (a reader that misreports) keeps only the room.
        let mut acc = HeaderBuf::default();
        acc.filled(0).unwrap();
        assert!(matches!(acc.step(&ParserConfig::new()), Ok(Step::Need)));
        acc.room().copy_from_slice(&V1[..16]);
        acc.filled(100).unwrap();
        assert_eq!(acc.taken_bytes(), &V1[..16]);
        assert!(acc.room().is_empty());
        assert!(matches!(acc.step(&ParserConfig::new()), Ok(Step::Need)));
        let input = [V1, &[b'x'; 128]].concat();
        let room = acc.room().len();
        acc.room().copy_from_slice(&input[16..16 + room]);
        acc.filled(room + 100).unwrap();
        assert_eq!(acc.taken_bytes(), &input[..16 + room]);
        assert!(acc.room().is_empty());
    }

    /// The peek loop takes exactly the header, whether it is all there or comes in pieces.
    #[test]
    fn peek_steps() {
        let config = ParserConfig::new();
        let mut acc = HeaderBuf::default();
        let with_data = [V2_LOCAL, b"data"].concat();
        assert_eq!(acc.peeked(&with_data, &config).unwrap(), Take::Rest);
        assert_eq!(acc.room().len(), 16);
        acc.room().copy_from_slice(V2_LOCAL);
        acc.filled(16).unwrap();
        let header = acc.taken(&config).unwrap().unwrap();
        assert_eq!(header.as_bytes(), V2_LOCAL);

        // Four bytes seen: take them and the twelve still missing of the fixed part.
        let mut acc = HeaderBuf::default();
        assert_eq!(acc.peeked(&V2_LOCAL[..4], &config).unwrap(), Take::More);
        assert_eq!(acc.room().len(), 16);
        acc.room().copy_from_slice(V2_LOCAL);
        acc.filled(16).unwrap();
        assert!(acc.taken(&config).unwrap().is_some());

        let mut acc = HeaderBuf::default();
        assert_eq!(
            acc.peeked(b"", &config).unwrap_err().kind(),
            ErrorKind::UnexpectedEof
        );
        let err = acc.peeked(b"GET /", &config).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidData);
    }

    #[test]
    fn policy_decisions() {
        let peer: SocketAddr = "192.0.2.1:1000".parse().unwrap();
        let all = [Detect::Header, Detect::NoHeader, Detect::NeedMore];
        for d in [None, Some(Detect::Header)] {
            assert!(matches!(
                decide(HeaderPolicy::Require, peer, d),
                Action::Read
            ));
            assert!(matches!(decide(HeaderPolicy::Skip, peer, d), Action::Pass));
            assert!(matches!(
                decide(HeaderPolicy::Reject, peer, d),
                Action::Fail(e) if e.kind() == ErrorKind::PermissionDenied
            ));
        }
        for p in [HeaderPolicy::OptionalSpoofable, HeaderPolicy::Refuse] {
            assert!(matches!(decide(p, peer, None), Action::Look));
            for d in all {
                assert!(!matches!(decide(p, peer, Some(d)), Action::Look));
            }
            assert!(matches!(
                decide(p, peer, Some(Detect::NoHeader)),
                Action::Pass
            ));
            assert!(matches!(
                decide(p, peer, Some(Detect::NeedMore)),
                Action::Fail(e) if e.kind() == ErrorKind::TimedOut
            ));
        }
        assert!(matches!(
            decide(HeaderPolicy::OptionalSpoofable, peer, Some(Detect::Header)),
            Action::Read
        ));
        assert!(matches!(
            decide(HeaderPolicy::Refuse, peer, Some(Detect::Header)),
            Action::Fail(e) if e.kind() == ErrorKind::PermissionDenied
        ));
    }

    #[test]
    fn detector_backs_off_and_times_out() {
        let mut look = Detector::new();
        let forever = Deadline::NONE;
        assert_eq!(look.timed_out().unwrap(), Detect::NoHeader);
        assert_eq!(look.peeked(b"PR", &forever).unwrap(), Look::Again);
        assert_eq!(
            look.peeked(b"PR", &forever).unwrap(),
            Look::Nap(Duration::from_millis(1))
        );
        assert_eq!(
            look.peeked(b"PR", &forever).unwrap(),
            Look::Nap(Duration::from_millis(2))
        );
        assert_eq!(look.timed_out().unwrap_err().kind(), ErrorKind::TimedOut);
        let past = Deadline::after(Some(Duration::ZERO));
        assert_eq!(
            look.peeked(b"PR", &past).unwrap_err().kind(),
            ErrorKind::TimedOut
        );
        assert_eq!(
            look.peeked(b"PROXY ", &past).unwrap(),
            Look::Done(Detect::Header)
        );
        assert_eq!(
            look.peeked(b"", &past).unwrap(),
            Look::Done(Detect::NoHeader)
        );
    }

    #[test]
    fn replay() {
        let mut r = Replay::new(b"abcdef".to_vec());
        let mut two = [0u8; 2];
        assert_eq!(r.copy_to(&mut two), 2);
        assert_eq!(&two, b"ab");
        r.consume(1);
        assert_eq!(r.rest(), b"def");
        assert_eq!(r.clone().into_rest(), b"def");
        r.consume(10);
        assert!(r.rest().is_empty());
        assert_eq!(r.copy_to(&mut two), 0);
    }
}
