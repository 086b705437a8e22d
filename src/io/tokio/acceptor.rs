//! The tokio [`Acceptor`]: each header read on its own task under the [`AcceptorConfig`]'s
//! policy and timeout.

#![forbid(unsafe_code)]

use core::fmt;
use core::future::{poll_fn, Future};
use core::net::SocketAddr;
use core::pin::Pin;
use core::task::{Context, Poll};
use core::time::Duration;
use std::boxed::Box;
use std::io::{self, ErrorKind};
use std::panic::AssertUnwindSafe;

use ::tokio::net::{TcpListener, TcpStream, ToSocketAddrs};
use ::tokio::task::JoinSet;
use ::tokio::time::{sleep, Sleep};

use crate::config::ParserConfig;
use crate::io::accepted::{AcceptError, Accepted};
use crate::io::policy::{AcceptorConfig, HeaderPolicy, Validator};
use crate::io::sans::{admit, decide, Action, Deadline};
use crate::io::tokio::read::{detect_tcp, peel_until};

type Outcome = Result<Accepted<TcpStream>, AcceptError>;

/// How long the acceptor leaves its listener alone after `accept` failed on it (out of file
/// descriptors and the like), as hyper and axum do: a loop over `accept` must not spin.
const LISTENER_BACKOFF: Duration = Duration::from_secs(1);

/// The error hook of the `axum::serve::Listener` impl.
#[cfg(feature = "axum")]
type Hook = Box<dyn FnMut(AcceptError) + Send + Sync>;

/// An async acceptor: a tokio [`TcpListener`] whose connections are checked against an
/// [`AcceptorConfig`] (trust policy, header timeout) before [`accept`](Acceptor::accept)
/// returns them.
///
/// Each connection's header is read on its own spawned task (at most
/// [`max_pending`](AcceptorConfig::max_pending) at once), so a slow or silent client never
/// delays the others. A connection that breaks its policy is closed and reported as an
/// [`AcceptError`]; the acceptor keeps serving. `accept` is cancel-safe: connections taken
/// off the listener live in the acceptor until a later call returns them. Dropping the
/// acceptor closes the listener and every connection still awaiting its header.
///
/// When the listener itself fails (out of file descriptors and the like), `accept` returns
/// that error and the acceptor takes no new connection for one second, so a loop over
/// `accept` does not spin; connections already reading their header still finish.
///
/// With feature `axum` it is an `axum::serve::Listener`: see `WithConnectInfo` for the whole
/// server and `on_error` for the connections it turns away.
///
/// ```
/// use proxy_wire::io::{tokio::{connect_with_header, Acceptor}, AcceptorConfig};
/// use proxy_wire::v2;
/// use tokio::io::{AsyncReadExt, AsyncWriteExt};
///
/// # tokio::runtime::Builder::new_current_thread().enable_all().build()?.block_on(async {
/// let mut acceptor = Acceptor::bind("127.0.0.1:0", AcceptorConfig::new()).await?;
/// let addr = acceptor.local_addr()?;
/// let src = "192.0.2.1:4000".parse()?;
/// let header = v2::Builder::proxy(v2::Protocol::Stream, (src, addr));
/// let mut client = connect_with_header(addr, &header).await?;
/// client.write_all(b"ping").await?;
///
/// let mut conn = acceptor.accept().await?;
/// assert_eq!(conn.source(), src);
/// let mut data = [0u8; 4];
/// conn.stream_mut().read_exact(&mut data).await?;
/// assert_eq!(&data, b"ping");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Acceptor {
    listener: TcpListener,
    config: AcceptorConfig,
    tasks: JoinSet<Outcome>,
    /// Set after a listener error: the listener is not polled until it fires.
    backoff: AssertUnwindSafe<Option<Pin<Box<Sleep>>>>,
    #[cfg(feature = "axum")]
    hook: AssertUnwindSafe<Option<Hook>>,
    // `AssertUnwindSafe` keeps the acceptor `UnwindSafe` and `RefUnwindSafe` as it was without
    // them (and as features must not change), whatever the timer or the closure hold. Sound:
    // `None` and `Some` are both valid states of either field at any point of a panic, and
    // a hook's own state is its owner's concern.
}

impl fmt::Debug for Acceptor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Acceptor");
        d.field("listener", &self.listener)
            .field("config", &self.config)
            .field("pending", &self.tasks.len())
            .field("backoff", &self.backoff.is_some());
        #[cfg(feature = "axum")]
        d.field("hook", &self.hook.is_some());
        d.finish()
    }
}

impl Acceptor {
    /// Serves `listener`. Must be used inside a tokio runtime (headers are read on spawned
    /// tasks).
    ///
    /// ```
    /// use proxy_wire::io::{tokio::Acceptor, AcceptorConfig};
    ///
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build()?.block_on(async {
    /// let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    /// let acceptor = Acceptor::new(listener, AcceptorConfig::new());
    /// assert!(acceptor.local_addr()?.ip().is_loopback());
    /// # Ok::<(), std::io::Error>(())
    /// # })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn new(listener: TcpListener, config: AcceptorConfig) -> Self {
        Self {
            listener,
            config,
            tasks: JoinSet::new(),
            backoff: AssertUnwindSafe(None),
            #[cfg(feature = "axum")]
            hook: AssertUnwindSafe(None),
        }
    }

    /// Binds a listener to `addr` and serves it.
    ///
    /// # Errors
    /// The bind error.
    ///
    /// ```
    /// use proxy_wire::io::{tokio::Acceptor, AcceptorConfig};
    ///
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build()?.block_on(async {
    /// let acceptor = Acceptor::bind("127.0.0.1:0", AcceptorConfig::new()).await?;
    /// assert_ne!(acceptor.local_addr()?.port(), 0);
    /// # Ok::<(), std::io::Error>(())
    /// # })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub async fn bind<A: ToSocketAddrs>(addr: A, config: AcceptorConfig) -> io::Result<Self> {
        Ok(Self::new(TcpListener::bind(addr).await?, config))
    }

    /// The listener's address.
    ///
    /// # Errors
    /// The socket's error.
    ///
    /// ```
    /// # use proxy_wire::io::{tokio::Acceptor, AcceptorConfig};
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build()?.block_on(async {
    /// let acceptor = Acceptor::bind("127.0.0.1:0", AcceptorConfig::new()).await?;
    /// assert!(acceptor.local_addr()?.ip().is_loopback());
    /// # Ok::<(), std::io::Error>(())
    /// # })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Waits for the next connection that passed its policy, or the next per-connection
    /// error (that connection is already closed; call `accept` again).
    ///
    /// # Errors
    /// [`AcceptError`]: with a [`peer_addr`](AcceptError::peer_addr) for one bad
    /// connection, without one if the listener failed (the acceptor then takes no new
    /// connection for one second).
    ///
    /// ```
    /// use proxy_wire::io::{tokio::{connect_with_header, Acceptor}, AcceptorConfig};
    ///
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build()?.block_on(async {
    /// let mut acceptor = Acceptor::bind("127.0.0.1:0", AcceptorConfig::new()).await?;
    /// let _c = connect_with_header(acceptor.local_addr()?, &proxy_wire::v1::Header::Unknown).await?;
    /// let conn = acceptor.accept().await?;
    /// assert_eq!(conn.source(), conn.peer_addr()); // UNKNOWN: the real addresses
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub async fn accept(&mut self) -> Result<Accepted<TcpStream>, AcceptError> {
        poll_fn(|cx| self.poll_accept(cx)).await
    }

    /// Sets what the acceptor, serving as an `axum::serve::Listener`, does with each
    /// connection it turns away (an untrusted peer, a missing or bad header, a header
    /// timeout, an early close) and with the listener's own errors. Each is an
    /// [`AcceptError`], its connection already closed; the listener keeps serving either way,
    /// since `axum::serve` takes no errors. The hook runs on the accept loop: keep it quick.
    ///
    /// Without a hook these errors are dropped: a library writes nothing to stderr on its own,
    /// and scanners and TCP health checks make such errors routine. Set one to log them
    /// (`eprintln!`, `tracing`) or to count them. [`accept`](Acceptor::accept) does not call
    /// the hook: it returns the errors.
    ///
    /// ```
    /// use proxy_wire::io::{tokio::{Acceptor, WithConnectInfo}, AcceptorConfig, RejectReason};
    /// use std::sync::{Arc, Mutex};
    /// use tokio::io::{AsyncReadExt, AsyncWriteExt};
    ///
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build()?.block_on(async {
    /// let seen = Arc::new(Mutex::new(Vec::new()));
    /// let log = Arc::clone(&seen);
    /// let acceptor = Acceptor::bind("127.0.0.1:0", AcceptorConfig::new())
    ///     .await?
    ///     .on_error(move |e| log.lock().unwrap().push(e.reason()));
    /// let addr = acceptor.local_addr()?;
    /// let app = axum::Router::new().route("/", axum::routing::get(|| async { "hi" }));
    /// tokio::spawn(async move { axum::serve(acceptor, WithConnectInfo::new(app)).await });
    ///
    /// // No header: turned away, reported, and the server goes on.
    /// let mut plain = tokio::net::TcpStream::connect(addr).await?;
    /// plain.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n").await?;
    /// assert_eq!(plain.read(&mut [0; 64]).await.unwrap_or(0), 0); // closed, no response
    ///
    /// let mut good = tokio::net::TcpStream::connect(addr).await?;
    /// good.write_all(b"PROXY UNKNOWN\r\nGET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").await?;
    /// let mut response = String::new();
    /// good.read_to_string(&mut response).await?;
    /// assert!(response.starts_with("HTTP/1.1 200 OK") && response.ends_with("hi"));
    /// assert!(matches!(seen.lock().unwrap()[..], [RejectReason::Invalid(_)]));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[cfg(feature = "axum")]
    #[cfg_attr(docsrs, doc(cfg(feature = "axum")))]
    #[must_use]
    pub fn on_error(mut self, hook: impl FnMut(AcceptError) + Send + Sync + 'static) -> Self {
        *self.hook = Some(Box::new(hook));
        self
    }

    /// Hands an error of the `axum::serve::Listener` loop to the hook, if one is set.
    #[cfg(feature = "axum")]
    pub(super) fn report(&mut self, error: AcceptError) {
        if let Some(hook) = self.hook.as_mut() {
            hook(error);
        }
    }

    /// One step of [`accept`](Acceptor::accept): take connections off the listener while
    /// fewer than `max_pending` await their header (unless it is backing off after an
    /// error), then return the first finished one.
    fn poll_accept(&mut self, cx: &mut Context<'_>) -> Poll<Outcome> {
        if let Some(backoff) = self.backoff.as_mut() {
            if backoff.as_mut().poll(cx).is_ready() {
                *self.backoff = None;
            }
        }
        while self.backoff.is_none() && self.tasks.len() < self.config.max_pending {
            match self.listener.poll_accept(cx) {
                Poll::Ready(Ok((stream, peer))) => {
                    let policy = self.config.policy_for(peer.ip());
                    let parser = self.config.parser;
                    let timeout = self.config.header_timeout;
                    let validate = self.config.validate.clone();
                    self.tasks
                        .spawn(handshake(stream, peer, policy, parser, timeout, validate));
                }
                // A connection that died in the backlog: nothing to report, take the next.
                Poll::Ready(Err(e))
                    if matches!(
                        e.kind(),
                        ErrorKind::ConnectionAborted | ErrorKind::Interrupted
                    ) => {}
                Poll::Ready(Err(e)) => {
                    *self.backoff = Some(Box::pin(sleep(LISTENER_BACKOFF)));
                    return Poll::Ready(Err(AcceptError::listener(e)));
                }
                Poll::Pending => break,
            }
        }
        match self.tasks.poll_join_next(cx) {
            Poll::Ready(Some(Ok(outcome))) => Poll::Ready(outcome),
            Poll::Ready(Some(Err(join))) => {
                Poll::Ready(Err(AcceptError::listener(io::Error::other(join))))
            }
            Poll::Ready(None) | Poll::Pending => Poll::Pending,
        }
    }
}

/// Applies `policy` to a freshly accepted connection, on its own task.
async fn handshake(
    stream: TcpStream,
    peer: SocketAddr,
    policy: HeaderPolicy,
    parser: ParserConfig,
    timeout: Duration,
    validate: Option<Validator>,
) -> Outcome {
    let fail = |e| AcceptError::connection(peer, e);
    let deadline = Deadline::after(Some(timeout));
    let mut detected = None;
    let header = loop {
        match decide(policy, peer, detected) {
            Action::Look => detected = Some(detect_tcp(&stream, deadline).await.map_err(fail)?),
            Action::Read => {
                break Some(peel_until(&stream, &parser, deadline).await.map_err(fail)?)
            }
            Action::Pass => break None,
            Action::Fail(e) => return Err(fail(e)),
        }
    };
    admit(validate.as_ref(), peer, header.as_ref()).map_err(fail)?;
    Accepted::new(stream, peer, header, TcpStream::local_addr).map_err(fail)
}
