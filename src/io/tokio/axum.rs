//! Feature `axum`: the tokio [`Acceptor`] as an `axum::serve::Listener`, its address type
//! [`Proxied`] (client, proxy, header), and [`WithConnectInfo`], which gives handlers the
//! client as `ConnectInfo<SocketAddr>` and the rest as `ConnectInfo<Proxied>`.

#![forbid(unsafe_code)]

use core::convert::Infallible;
use core::future::{ready, Ready};
use core::net::SocketAddr;
use core::task::{Context, Poll};
use std::io;
use std::sync::Arc;

use ::axum::extract::ConnectInfo;
use ::axum::middleware::AddExtension;
use ::axum::serve::{IncomingStream, Listener};
use ::axum::Extension;
use ::tokio::net::TcpStream;
use tower_layer::Layer;
use tower_service::Service;

use crate::header::Header;
use crate::io::accepted::Accepted;
use crate::io::tokio::acceptor::Acceptor;
use crate::owned::OwnedHeader;

/// The acceptor serves `axum::serve` directly: its connections come positioned after the
/// header, with a [`Proxied`] as their address.
///
/// `accept` never fails: a connection turned away (untrusted peer, missing or bad header,
/// header timeout, early close) is closed and handed to the
/// [`on_error`](Acceptor::on_error) hook, and the next one is awaited. After an error of
/// the listener itself (out of file descriptors and the like) the acceptor takes no new
/// connection for one second instead of spinning. `local_addr` gives the listener's address
/// in every field of the [`Proxied`], with no header.
///
/// ```
/// use axum::serve::Listener;
/// use proxy_wire::io::{tokio::{connect_with_header, Acceptor}, AcceptorConfig};
/// use proxy_wire::v1;
///
/// # tokio::runtime::Builder::new_current_thread().enable_all().build()?.block_on(async {
/// let mut acceptor = Acceptor::bind("127.0.0.1:0", AcceptorConfig::new()).await?;
/// let addr = acceptor.local_addr()?;
/// drop(tokio::net::TcpStream::connect(addr).await?); // closes at once: skipped
/// let header = v1::Header::from_socket_addrs("192.0.2.1:4000".parse()?, addr);
/// let _client = connect_with_header(addr, &header).await?;
/// let (_stream, proxied) = Listener::accept(&mut acceptor).await;
/// assert_eq!(proxied.source(), "192.0.2.1:4000".parse()?);
/// assert_eq!(Listener::local_addr(&acceptor)?.destination(), addr);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[cfg_attr(docsrs, doc(cfg(feature = "axum")))]
impl Listener for Acceptor {
    type Io = TcpStream;
    type Addr = Proxied;

    /// The next connection that passed the policy; those turned away go to the hook.
    async fn accept(&mut self) -> (TcpStream, Proxied) {
        loop {
            match Acceptor::accept(self).await {
                Ok(conn) => return Proxied::split(conn),
                Err(e) => self.report(e),
            }
        }
    }

    /// The listener's address in every field, no header.
    fn local_addr(&self) -> io::Result<Proxied> {
        let local = Acceptor::local_addr(self)?;
        Ok(Proxied {
            source: local,
            destination: local,
            peer: local,
            header: None,
        })
    }
}

/// What the [`Acceptor`] learned about one connection, as `axum::serve` receives it (the
/// listener's address type) and as handlers extract it: `ConnectInfo<Proxied>` under
/// [`WithConnectInfo`]. The same accessors as [`Accepted`](crate::io::Accepted); cheap to
/// clone (the header is shared).
///
/// ```
/// use axum::{extract::ConnectInfo, routing::get, Router};
/// use proxy_wire::io::{tokio::{connect_with_header, Acceptor, Proxied, WithConnectInfo}, AcceptorConfig};
/// use proxy_wire::v2;
/// use std::net::SocketAddr;
/// use tokio::io::{AsyncReadExt, AsyncWriteExt};
///
/// async fn handler(
///     ConnectInfo(client): ConnectInfo<SocketAddr>,
///     ConnectInfo(conn): ConnectInfo<Proxied>,
/// ) -> String {
///     let authority = conn.header().and_then(|h| h.authority()).unwrap_or("-");
///     format!("{client} {authority}")
/// }
///
/// # tokio::runtime::Builder::new_current_thread().enable_all().build()?.block_on(async {
/// let acceptor = Acceptor::bind("127.0.0.1:0", AcceptorConfig::new()).await?;
/// let addr = acceptor.local_addr()?;
/// let app = Router::new().route("/", get(handler));
/// tokio::spawn(async move { axum::serve(acceptor, WithConnectInfo::new(app)).await });
///
/// let tlvs = [v2::TlvSpec::Authority("example.test")];
/// let header = v2::Builder::proxy(v2::Protocol::Stream, ("192.0.2.1:4000".parse()?, addr)).tlvs(&tlvs);
/// let mut client = connect_with_header(addr, &header).await?;
/// client.write_all(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").await?;
/// let mut response = String::new();
/// client.read_to_string(&mut response).await?;
/// assert!(response.ends_with("\r\n\r\n192.0.2.1:4000 example.test"), "{response}");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proxied {
    source: SocketAddr,
    destination: SocketAddr,
    peer: SocketAddr,
    header: Option<Arc<OwnedHeader>>,
}

impl Proxied {
    /// The stream and what is known of it.
    fn split(conn: Accepted<TcpStream>) -> (TcpStream, Self) {
        let (source, destination, peer) = (conn.source(), conn.destination(), conn.peer_addr());
        let (stream, header) = conn.into_parts();
        let header = header.map(Arc::new);
        let proxied = Self {
            source,
            destination,
            peer,
            header,
        };
        (stream, proxied)
    }

    /// The original client: the header's source address, or the TCP peer when the header
    /// carries no IP addresses (or there is none). [`WithConnectInfo`] gives the same
    /// address as `ConnectInfo<SocketAddr>`.
    ///
    /// ```
    /// use axum::serve::Listener;
    /// use proxy_wire::io::{tokio::{connect_with_header, Acceptor}, AcceptorConfig};
    /// use proxy_wire::v2;
    ///
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build()?.block_on(async {
    /// let mut acceptor = Acceptor::bind("127.0.0.1:0", AcceptorConfig::new()).await?;
    /// let client = connect_with_header(acceptor.local_addr()?, &v2::Builder::local()).await?;
    /// let (_stream, proxied) = Listener::accept(&mut acceptor).await;
    /// assert_eq!(proxied.source(), client.local_addr()?); // LOCAL: the real peer
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[inline]
    pub fn source(&self) -> SocketAddr {
        self.source
    }

    /// The original destination: the header's destination address, or the local address of
    /// the TCP connection when the header carries no IP addresses (or there is none).
    ///
    /// ```
    /// use axum::serve::Listener;
    /// use proxy_wire::io::{tokio::{connect_with_header, Acceptor}, AcceptorConfig};
    /// use proxy_wire::v1;
    ///
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build()?.block_on(async {
    /// let mut acceptor = Acceptor::bind("127.0.0.1:0", AcceptorConfig::new()).await?;
    /// let header = v1::Header::from_socket_addrs("192.0.2.1:4000".parse()?, "192.0.2.2:443".parse()?);
    /// let _client = connect_with_header(acceptor.local_addr()?, &header).await?;
    /// let (_stream, proxied) = Listener::accept(&mut acceptor).await;
    /// assert_eq!(proxied.destination(), "192.0.2.2:443".parse()?);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[inline]
    pub fn destination(&self) -> SocketAddr {
        self.destination
    }

    /// The TCP peer: the proxy's address when a header was sent.
    ///
    /// ```
    /// use axum::serve::Listener;
    /// use proxy_wire::io::{tokio::{connect_with_header, Acceptor}, AcceptorConfig};
    /// use proxy_wire::v1;
    ///
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build()?.block_on(async {
    /// let mut acceptor = Acceptor::bind("127.0.0.1:0", AcceptorConfig::new()).await?;
    /// let header = v1::Header::from_socket_addrs("192.0.2.1:4000".parse()?, "192.0.2.2:443".parse()?);
    /// let proxy = connect_with_header(acceptor.local_addr()?, &header).await?;
    /// let (_stream, proxied) = Listener::accept(&mut acceptor).await;
    /// assert_eq!(proxied.peer_addr(), proxy.local_addr()?);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[inline]
    pub fn peer_addr(&self) -> SocketAddr {
        self.peer
    }

    /// The header, if the policy read one; its TLVs are one call away
    /// (`proxied.header()?.unique_id()`, `.ssl()`, `.authority()`, ...).
    ///
    /// ```
    /// use axum::serve::Listener;
    /// use proxy_wire::io::{tokio::{connect_with_header, Acceptor}, AcceptorConfig};
    /// use proxy_wire::v2;
    ///
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build()?.block_on(async {
    /// let mut acceptor = Acceptor::bind("127.0.0.1:0", AcceptorConfig::new()).await?;
    /// let tlvs = [v2::TlvSpec::UniqueId(b"req-1")];
    /// let _c = connect_with_header(acceptor.local_addr()?, &v2::Builder::local().tlvs(&tlvs)).await?;
    /// let (_stream, proxied) = Listener::accept(&mut acceptor).await;
    /// assert_eq!(proxied.header().and_then(|h| h.unique_id()), Some(&b"req-1"[..]));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[inline]
    pub fn header(&self) -> Option<Header<'_>> {
        self.header.as_deref().map(OwnedHeader::header)
    }
}

/// The make-service to pass to `axum::serve` with an [`Acceptor`]: every request of a
/// connection carries `ConnectInfo<SocketAddr>`, the *client's* address
/// ([`Proxied::source`]; what rate limiters and client-IP extractors read), and
/// `ConnectInfo<Proxied>` with the proxy's address and the header.
///
/// It takes the place of axum's `into_make_service_with_connect_info::<SocketAddr>()`, which
/// works with a plain `TcpListener` only. It serves any listener whose address is a
/// [`Proxied`], so also the acceptor wrapped by `axum::serve::ListenerExt::tap_io`.
///
/// ```
/// use axum::{extract::ConnectInfo, routing::get, Router};
/// use proxy_wire::io::{tokio::{Acceptor, WithConnectInfo}, AcceptorConfig};
/// use std::net::SocketAddr;
/// use tokio::io::{AsyncReadExt, AsyncWriteExt};
///
/// # tokio::runtime::Builder::new_current_thread().enable_all().build()?.block_on(async {
/// let acceptor = Acceptor::bind("127.0.0.1:0", AcceptorConfig::new()).await?;
/// let addr = acceptor.local_addr()?;
/// let app = Router::new().route("/", get(|ConnectInfo(c): ConnectInfo<SocketAddr>| async move { c.to_string() }));
/// tokio::spawn(async move { axum::serve(acceptor, WithConnectInfo::new(app)).await });
///
/// let mut client = tokio::net::TcpStream::connect(addr).await?;
/// client.write_all(b"PROXY TCP4 192.0.2.1 192.0.2.2 4000 80\r\n").await?;
/// client.write_all(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").await?;
/// let mut response = String::new();
/// client.read_to_string(&mut response).await?;
/// assert!(response.ends_with("\r\n\r\n192.0.2.1:4000"), "{response}");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct WithConnectInfo<S> {
    app: S,
}

impl<S> WithConnectInfo<S> {
    /// Wraps the app (a `Router`, or any service `axum::serve` takes per connection).
    ///
    /// ```
    /// use proxy_wire::io::{tokio::{Acceptor, WithConnectInfo}, AcceptorConfig};
    ///
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build()?.block_on(async {
    /// let acceptor = Acceptor::bind("127.0.0.1:0", AcceptorConfig::new()).await?;
    /// let app: axum::Router = axum::Router::new().route("/", axum::routing::get(|| async { "hi" }));
    /// let server = axum::serve(acceptor, WithConnectInfo::new(app)); // await it to serve
    /// # drop(server);
    /// # Ok::<(), std::io::Error>(())
    /// # })?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn new(app: S) -> Self {
        Self { app }
    }
}

#[cfg_attr(docsrs, doc(cfg(feature = "axum")))]
impl<S, L> Service<IncomingStream<'_, L>> for WithConnectInfo<S>
where
    S: Clone,
    L: Listener<Addr = Proxied>,
{
    type Response = AddExtension<AddExtension<S, ConnectInfo<Proxied>>, ConnectInfo<SocketAddr>>;
    type Error = Infallible;
    type Future = Ready<Result<Self::Response, Infallible>>;

    /// Always ready.
    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    /// The app for one connection, adding both `ConnectInfo`s to each of its requests.
    fn call(&mut self, stream: IncomingStream<'_, L>) -> Self::Future {
        let proxied = stream.remote_addr().clone();
        let client = ConnectInfo(proxied.source());
        let app = Extension(ConnectInfo(proxied)).layer(self.app.clone());
        ready(Ok(Extension(client).layer(app)))
    }
}
