//! The hyper-util example (examples/hyper_tls.rs, compiled in as a module) end to end: a client
//! sends a PROXY v2 header, then TLS (tokio-rustls, trusting a CA made at test time), then an
//! HTTP/1.1 request; the answer names the client address from the header. A client that starts
//! TLS without a header is turned away, and the server goes on.
//!
//! Needs openssl (for the certificates): without it the test prints `SKIPPED: openssl not
//! installed` and passes, unless `PROXY_WIRE_REQUIRE_INTEROP=1`, when it fails.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use proxy_wire::io::tokio::{connect_with_header, Acceptor};
use proxy_wire::io::AcceptorConfig;
use proxy_wire::v2;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio_rustls::rustls::pki_types::{pem::PemObject, CertificateDer, ServerName};
use tokio_rustls::rustls::{ClientConfig, RootCertStore};
use tokio_rustls::TlsConnector;

#[path = "../examples/hyper_tls.rs"]
#[allow(dead_code)] // its `main`
mod hyper_tls;
mod support;

use support::peers::{tool, TempDir};
use support::{make_pki, SERVER_NAME};

type Error = Box<dyn std::error::Error + Send + Sync>;

/// TLS over `tcp` for [`SERVER_NAME`], trusting `ca`, then one GET; the whole response.
async fn https_get<S>(tcp: S, ca: &std::path::Path, path: &str) -> Result<String, Error>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let mut roots = RootCertStore::empty();
    for cert in CertificateDer::pem_file_iter(ca)? {
        roots.add(cert?)?;
    }
    let config = ClientConfig::builder()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let name = ServerName::try_from(SERVER_NAME)?;
    let mut tls = TlsConnector::from(Arc::new(config))
        .connect(name, tcp)
        .await?;
    let request =
        format!("GET {path} HTTP/1.1\r\nHost: {SERVER_NAME}\r\nConnection: close\r\n\r\n");
    tls.write_all(request.as_bytes()).await?;
    let mut response = String::new();
    tls.read_to_string(&mut response).await?;
    Ok(response)
}

#[test]
fn hyper_tls_example_serves_the_client_address() {
    let Some(openssl) = tool("openssl") else {
        return;
    };
    let dir = TempDir::new("hyper-tls");
    let pki = make_pki(&openssl, dir.path());
    let tls = hyper_tls::tls_config(
        pki.server_crt.to_str().unwrap(),
        pki.server_key.to_str().unwrap(),
    )
    .unwrap();

    let rt = tokio::runtime::Runtime::new().unwrap();
    let config = AcceptorConfig::new()
        .trust("127.0.0.1".parse().unwrap())
        .header_timeout(Duration::from_secs(2));
    let acceptor = rt.block_on(Acceptor::bind("127.0.0.1:0", config)).unwrap();
    let addr = acceptor.local_addr().unwrap();
    let server = rt.spawn(hyper_tls::serve(acceptor, tls));

    rt.block_on(async {
        // TLS straight away, no header: turned away (the ClientHello is not a header).
        let plain = tokio::net::TcpStream::connect(addr).await.unwrap();
        let refused = https_get(plain, &pki.ca, "/").await;
        assert!(refused.is_err(), "{refused:?}");

        // The header, then TLS, then HTTP.
        let client: SocketAddr = "192.0.2.1:4000".parse().unwrap();
        let tlvs = [v2::TlvSpec::Authority(SERVER_NAME)];
        let header = v2::Builder::proxy(v2::Protocol::Stream, (client, addr))
            .tlvs(&tlvs)
            .crc32c(true);
        let tcp = connect_with_header(addr, &header).await.unwrap();
        let response = https_get(tcp, &pki.ca, "/hello").await.unwrap();
        assert!(response.starts_with("HTTP/1.1 200 OK\r\n"), "{response}");
        assert!(
            response.ends_with("\r\n\r\nclient=192.0.2.1:4000 path=/hello\n"),
            "{response}"
        );
    });
    assert!(!server.is_finished());
    rt.shutdown_timeout(Duration::from_secs(1));
}
