//! HTTPS with hyper behind a PROXY-speaking load balancer, on the `tokio` feature alone: each
//! connection brings the PROXY header first, then TLS (tokio-rustls), then HTTP/1.1 (hyper,
//! through hyper-util's `TokioIo`). The handler answers with the client's address from the
//! header.
//!
//!     cargo run -p proxy-wire-integration --example hyper_tls -- 127.0.0.1:8443 cert.pem key.pem
//!
//! (listen address, the server's certificate chain and key in PEM; an optional fourth argument
//! is the address or prefix of the load balancer trusted to send headers, default 127.0.0.1)
use std::convert::Infallible;
use std::error::Error;
use std::sync::Arc;
use std::time::Duration;

use hyper::{body::Incoming, server::conn::http1, service::service_fn, Request, Response};
use hyper_util::rt::TokioIo;
use proxy_wire::io::{tokio::Acceptor, AcceptorConfig};
use tokio_rustls::rustls::pki_types::{pem::PemObject, CertificateDer, PrivateKeyDer};
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::TlsAcceptor;

/// The TLS settings from a PEM certificate chain and its key, with HTTP/1.1 as ALPN (rustls
/// uses ring: its one crypto provider enabled in this package).
pub fn tls_config(cert: &str, key: &str) -> Result<Arc<ServerConfig>, Box<dyn Error>> {
    let chain = CertificateDer::pem_file_iter(cert)?.collect::<Result<Vec<_>, _>>()?;
    let key = PrivateKeyDer::from_pem_file(key)?;
    let mut config = ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(chain, key)?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// Serves HTTPS on every connection the acceptor lets through, each on its own task.
pub async fn serve(mut acceptor: Acceptor, tls: Arc<ServerConfig>) {
    let tls = TlsAcceptor::from(tls);
    loop {
        let conn = match acceptor.accept().await {
            Ok(conn) => conn,
            Err(e) => {
                eprintln!("turned away: {e}"); // that connection is closed; keep serving
                continue;
            }
        };
        let client = conn.source(); // the header's source address
        let (tcp, _header) = conn.into_parts(); // the stream is at the first TLS byte
        let tls = tls.clone();
        tokio::spawn(async move {
            let handshake = tokio::time::timeout(Duration::from_secs(10), tls.accept(tcp));
            let Ok(Ok(stream)) = handshake.await else {
                return eprintln!("{client}: no TLS handshake");
            };
            let hello = service_fn(move |req: Request<Incoming>| async move {
                let body = format!("client={client} path={}\n", req.uri().path());
                Ok::<_, Infallible>(Response::new(body))
            });
            let http = http1::Builder::new().serve_connection(TokioIo::new(stream), hello);
            if let Err(e) = http.await {
                eprintln!("{client}: {e}");
            }
        });
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (listen, cert, key) = match &args[..] {
        [listen, cert, key, ..] => (listen, cert, key),
        _ => return Err("usage: hyper_tls LISTEN CERT.pem KEY.pem [TRUSTED]".into()),
    };
    let trusted = args.get(3).map_or("127.0.0.1", String::as_str).parse()?;
    let acceptor = Acceptor::bind(listen, AcceptorConfig::new().trust(trusted)).await?;
    println!("listening on {}", acceptor.local_addr()?);
    serve(acceptor, tls_config(cert, key)?).await;
    Ok(())
}
