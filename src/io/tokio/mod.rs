//! The async adapters for tokio (feature `tokio`): the blocking ones of [`crate::io`] for
//! [`AsyncRead`](::tokio::io::AsyncRead) and [`TcpStream`](::tokio::net::TcpStream), with the
//! same steps, bounds and errors.
//!
//! * [`peel_tcp`] peeks and then reads exactly the header off a tokio `TcpStream`;
//! * [`read_header`] reads a header from any `AsyncRead`, each read bounded by what the
//!   header can still need, and returns the same [`Peeled`](crate::io::Peeled) stream as the
//!   blocking form (it implements `AsyncRead`, `AsyncBufRead` and `AsyncWrite`);
//! * [`Acceptor`] wraps a [`TcpListener`](::tokio::net::TcpListener) with the trust policy and
//!   header timeout of an [`AcceptorConfig`](crate::io::AcceptorConfig), reading each header
//!   on its own task, and yields [`Accepted`](crate::io::Accepted) connections;
//! * [`connect_with_header`] connects and sends a header in one write; [`write_header`] sends
//!   one on a connection the caller already has;
//! * with feature `axum`, the [`Acceptor`] is an `axum::serve::Listener`: serve an app with
//!   `axum::serve(acceptor, WithConnectInfo::new(app))`, and handlers get the client as
//!   `ConnectInfo<SocketAddr>` and the header as `ConnectInfo<Proxied>`;
//!   `Acceptor::on_error` sees the connections turned away.
//!
//! ```
//! use proxy_wire::io::tokio::{connect_with_header, peel_tcp};
//! use proxy_wire::{v1, ParserConfig};
//! use std::time::Duration;
//! use tokio::io::{AsyncReadExt, AsyncWriteExt};
//!
//! # tokio::runtime::Builder::new_current_thread().enable_all().build()?.block_on(async {
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
//! let header = v1::Header::from_socket_addrs("192.0.2.1:4000".parse()?, "192.0.2.2:443".parse()?);
//! let mut client = connect_with_header(listener.local_addr()?, &header).await?;
//! client.write_all(b"hello").await?;
//!
//! let (mut stream, _) = listener.accept().await?;
//! let received = peel_tcp(&stream, &ParserConfig::new(), Some(Duration::from_secs(5))).await?;
//! assert_eq!(received.header().source(), Some("192.0.2.1:4000".parse()?));
//! let mut data = [0u8; 5];
//! stream.read_exact(&mut data).await?;
//! assert_eq!(&data, b"hello");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # })?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![forbid(unsafe_code)]

mod acceptor;
#[cfg(feature = "axum")]
mod axum;
mod read;

pub use acceptor::Acceptor;
#[cfg(feature = "axum")]
#[cfg_attr(docsrs, doc(cfg(feature = "axum")))]
pub use axum::{Proxied, WithConnectInfo};
pub use read::{connect_with_header, peel_tcp, read_header, write_header};
