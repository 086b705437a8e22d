//! The blocking [`Acceptor`]: a listener served on a background thread, each header read on
//! its own thread under the [`AcceptorConfig`]'s policy and timeout.

#![forbid(unsafe_code)]

use core::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use core::time::Duration;
use std::io::{self, ErrorKind};
use std::net::{TcpListener, TcpStream, ToSocketAddrs};
use std::string::String;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, SyncSender};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::thread::JoinHandle;

use crate::config::ParserConfig;
use crate::io::accepted::{AcceptError, Accepted};
use crate::io::policy::{AcceptorConfig, HeaderPolicy, Validator};
use crate::io::read::{detect_tcp, peel_until};
use crate::io::sans::{admit, decide, Action, Deadline};

/// Applies `policy` to a freshly accepted connection, on its own thread.
fn handshake(
    stream: TcpStream,
    peer: SocketAddr,
    policy: HeaderPolicy,
    parser: &ParserConfig,
    timeout: Duration,
    validate: Option<&Validator>,
) -> Outcome {
    let fail = |e| AcceptError::connection(peer, e);
    let deadline = Deadline::after(Some(timeout));
    let mut detected = None;
    let header = loop {
        match decide(policy, peer, detected) {
            Action::Look => detected = Some(detect_tcp(&stream, &deadline).map_err(fail)?),
            Action::Read => {
                let result = peel_until(&stream, parser, &deadline);
                // A freshly accepted stream has no read timeout: clear ours, no need to save.
                let cleared = stream.set_read_timeout(None);
                let header = result.map_err(fail)?;
                cleared.map_err(fail)?;
                break Some(header);
            }
            Action::Pass => break None,
            Action::Fail(e) => return Err(fail(e)),
        }
    };
    admit(validate, peer, header.as_ref()).map_err(fail)?;
    Accepted::new(stream, peer, header, TcpStream::local_addr).map_err(fail)
}

type Outcome = Result<Accepted<TcpStream>, AcceptError>;

/// State shared by the acceptor, its accept thread and the header threads.
#[derive(Debug)]
struct Shared {
    closed: AtomicBool,
    pending: Mutex<usize>,
    slot_freed: Condvar,
}

impl Shared {
    /// Waits for a free header slot; false once closed.
    fn take_slot(&self, max: usize) -> bool {
        let mut pending = self.pending.lock().unwrap_or_else(PoisonError::into_inner);
        while *pending >= max && !self.closed.load(Ordering::Acquire) {
            pending = self
                .slot_freed
                .wait(pending)
                .unwrap_or_else(PoisonError::into_inner);
        }
        *pending += 1;
        !self.closed.load(Ordering::Acquire)
    }

    fn free_slot(&self) {
        let mut pending = self.pending.lock().unwrap_or_else(PoisonError::into_inner);
        *pending = pending.saturating_sub(1);
        self.slot_freed.notify_one();
    }
}

/// A blocking acceptor: a [`TcpListener`] whose connections are checked against an
/// [`AcceptorConfig`] (trust policy, header timeout) before [`accept`](Acceptor::accept)
/// returns them.
///
/// A background thread accepts; each connection's header is read on its own thread, at most
/// [`max_pending`](AcceptorConfig::max_pending) at once, so a slow or silent client never
/// delays the others. A connection that breaks its policy is closed and reported as an
/// [`AcceptError`]; the acceptor keeps serving. Dropping the acceptor stops the accept
/// thread and closes the listener.
///
/// ```
/// use proxy_wire::io::{connect_with_header, Acceptor, AcceptorConfig};
/// use proxy_wire::v2;
/// use std::io::{Read, Write};
/// use std::time::Duration;
///
/// let config = AcceptorConfig::new()
///     .header_timeout(Duration::from_secs(2))
///     .trust("127.0.0.0/8".parse()?);
/// let acceptor = Acceptor::bind("127.0.0.1:0", config)?;
///
/// let src = "192.0.2.1:4000".parse()?;
/// let header = v2::Builder::proxy(v2::Protocol::Stream, (src, acceptor.local_addr()));
/// let mut client = connect_with_header(acceptor.local_addr(), &header)?;
/// client.write_all(b"ping")?;
///
/// let mut conn = acceptor.accept()?;
/// assert_eq!(conn.source(), src);
/// let mut data = [0u8; 4];
/// conn.stream_mut().read_exact(&mut data)?;
/// assert_eq!(&data, b"ping");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct Acceptor {
    results: Receiver<Outcome>,
    local: SocketAddr,
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

impl Acceptor {
    /// Binds a listener to `addr` and serves it; see [`Acceptor::new`].
    ///
    /// # Errors
    /// The bind error, or failure to start the accept thread.
    ///
    /// ```
    /// use proxy_wire::io::{Acceptor, AcceptorConfig};
    ///
    /// let acceptor = Acceptor::bind("127.0.0.1:0", AcceptorConfig::new())?;
    /// assert_ne!(acceptor.local_addr().port(), 0);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn bind<A: ToSocketAddrs>(addr: A, config: AcceptorConfig) -> io::Result<Self> {
        Self::new(TcpListener::bind(addr)?, config)
    }

    /// Serves `listener` (in blocking mode) on a background thread.
    ///
    /// # Errors
    /// If the listener's address cannot be read or the thread cannot be started.
    ///
    /// ```
    /// use proxy_wire::io::{Acceptor, AcceptorConfig};
    /// use std::net::TcpListener;
    ///
    /// let listener = TcpListener::bind("[::1]:0").or_else(|_| TcpListener::bind("127.0.0.1:0"))?;
    /// let acceptor = Acceptor::new(listener, AcceptorConfig::new())?;
    /// assert!(acceptor.local_addr().ip().is_loopback());
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn new(listener: TcpListener, config: AcceptorConfig) -> io::Result<Self> {
        listener.set_nonblocking(false)?;
        let local = listener.local_addr()?;
        let shared = Arc::new(Shared {
            closed: AtomicBool::new(false),
            pending: Mutex::new(0),
            slot_freed: Condvar::new(),
        });
        let (tx, results) = mpsc::sync_channel(config.max_pending);
        let thread_shared = Arc::clone(&shared);
        let thread = std::thread::Builder::new()
            .name(String::from("proxy-wire-accept"))
            .spawn(move || accept_loop(&listener, &config, &thread_shared, &tx))?;
        Ok(Self {
            results,
            local,
            shared,
            thread: Some(thread),
        })
    }

    /// The listener's address.
    ///
    /// ```
    /// use proxy_wire::io::{Acceptor, AcceptorConfig};
    ///
    /// let acceptor = Acceptor::bind("127.0.0.1:0", AcceptorConfig::new())?;
    /// assert!(acceptor.local_addr().ip().is_loopback());
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn local_addr(&self) -> SocketAddr {
        self.local
    }

    /// Waits for the next connection that passed its policy, or the next per-connection
    /// error (that connection is already closed; call `accept` again). A server loops over
    /// it, logging the errors.
    ///
    /// # Errors
    /// [`AcceptError`]: with a [`peer_addr`](AcceptError::peer_addr) for one bad
    /// connection, without one if the listener failed.
    ///
    /// ```
    /// use proxy_wire::io::{connect_with_header, Acceptor, AcceptorConfig};
    /// use std::io::Write;
    ///
    /// let acceptor = Acceptor::bind("127.0.0.1:0", AcceptorConfig::new())?;
    /// std::net::TcpStream::connect(acceptor.local_addr())?.write_all(b"no header\r\n")?;
    /// let _c = connect_with_header(acceptor.local_addr(), &proxy_wire::v1::Header::Unknown)?;
    /// let conn = loop {
    ///     match acceptor.accept() {
    ///         Ok(conn) => break conn,
    ///         Err(e) => eprintln!("{e}"), // one bad connection, closed; keep serving
    ///     }
    /// };
    /// assert_eq!(conn.header().map(|h| h.version()), Some(1));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn accept(&self) -> Result<Accepted<TcpStream>, AcceptError> {
        self.results.recv().unwrap_or_else(|_| {
            Err(AcceptError::listener(io::Error::new(
                ErrorKind::BrokenPipe,
                "the accept thread has stopped",
            )))
        })
    }
}

impl Drop for Acceptor {
    fn drop(&mut self) {
        self.shared.closed.store(true, Ordering::Release);
        {
            let _pending = self
                .shared
                .pending
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            self.shared.slot_freed.notify_all();
        }
        // Wake the accept thread with a connection of our own, then wait for it to exit.
        let wake = SocketAddr::new(wake_ip(self.local.ip()), self.local.port());
        let woke = TcpStream::connect_timeout(&wake, Duration::from_secs(1)).is_ok();
        if let Some(thread) = self.thread.take() {
            if woke || thread.is_finished() {
                let _ = thread.join();
            }
        }
    }
}

fn wake_ip(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(a) if a.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(a) if a.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        ip => ip,
    }
}

fn accept_loop(
    listener: &TcpListener,
    config: &AcceptorConfig,
    shared: &Arc<Shared>,
    tx: &SyncSender<Outcome>,
) {
    loop {
        if !shared.take_slot(config.max_pending) {
            return;
        }
        let accepted = listener.accept();
        if shared.closed.load(Ordering::Acquire) {
            return;
        }
        let (stream, peer) = match accepted {
            Ok(pair) => pair,
            Err(e) => {
                shared.free_slot();
                if e.kind() == ErrorKind::Interrupted || e.kind() == ErrorKind::ConnectionAborted {
                    continue;
                }
                if tx.send(Err(AcceptError::listener(e))).is_err() {
                    return;
                }
                // Out of descriptors and the like: do not spin.
                std::thread::sleep(Duration::from_millis(10));
                continue;
            }
        };
        let policy = config.policy_for(peer.ip());
        let parser = config.parser;
        let timeout = config.header_timeout;
        let validate = config.validate.clone();
        let job_tx = tx.clone();
        let job_shared = Arc::clone(shared);
        let spawned = std::thread::Builder::new()
            .name(String::from("proxy-wire-header"))
            .spawn(move || {
                let outcome = handshake(stream, peer, policy, &parser, timeout, validate.as_ref());
                job_shared.free_slot();
                let _ = job_tx.send(outcome);
            });
        if let Err(e) = spawned {
            shared.free_slot();
            if tx.send(Err(AcceptError::connection(peer, e))).is_err() {
                return;
            }
        }
    }
}
