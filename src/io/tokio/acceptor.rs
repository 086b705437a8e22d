//! The tokio [`Acceptor`]: each header read on its own task under the [`AcceptorConfig`]'s
//! policy and timeout.

#![forbid(unsafe_code)]

use core::future::poll_fn;
use core::net::SocketAddr;
use core::task::{Context, Poll};
use core::time::Duration;
use std::io;

use ::tokio::net::{TcpListener, TcpStream, ToSocketAddrs};
use ::tokio::task::JoinSet;

use crate::config::ParserConfig;
use crate::io::accepted::{AcceptError, Accepted};
use crate::io::policy::{AcceptorConfig, HeaderPolicy};
use crate::io::sans::{decide, Action, Deadline};
use crate::io::tokio::read::{detect_tcp, peel_until};

type Outcome = Result<Accepted<TcpStream>, AcceptError>;

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
#[derive(Debug)]
pub struct Acceptor {
    listener: TcpListener,
    config: AcceptorConfig,
    tasks: JoinSet<Outcome>,
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
    /// connection, without one if the listener failed.
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

    /// One step of [`accept`](Acceptor::accept): take connections off the listener while
    /// fewer than `max_pending` await their header, then return the first finished one.
    fn poll_accept(&mut self, cx: &mut Context<'_>) -> Poll<Outcome> {
        while self.tasks.len() < self.config.max_pending {
            match self.listener.poll_accept(cx) {
                Poll::Ready(Ok((stream, peer))) => {
                    let policy = self.config.policy_for(peer.ip());
                    let parser = self.config.parser;
                    let timeout = self.config.header_timeout;
                    self.tasks
                        .spawn(handshake(stream, peer, policy, parser, timeout));
                }
                Poll::Ready(Err(e)) => return Poll::Ready(Err(AcceptError::listener(e))),
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
) -> Outcome {
    let fail = |e| AcceptError::connection(peer, e);
    let local = stream.local_addr().map_err(fail)?;
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
    Ok(Accepted::new(stream, peer, local, header))
}
