//! Shared by the integration tests: the real-peer support of the main package's tests (tool
//! lookup with the `PROXY_WIRE_REQUIRE_INTEROP` convention, temp dirs, ports, daemons stopped
//! by PID), and a test PKI made with the `openssl` command at test time.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

#[path = "../../../tests/peers/mod.rs"]
pub mod peers;

/// The SNI name the server certificate is for.
pub const SERVER_NAME: &str = "example.test";
/// The common name of the client certificate.
pub const CLIENT_CN: &str = "test-client";

/// A CA, a server certificate for [`SERVER_NAME`] and a client certificate with CN
/// [`CLIENT_CN`], all signed by the CA (P-256 keys, valid two days), as PEM files.
pub struct Pki {
    pub ca: PathBuf,
    pub server_crt: PathBuf,
    pub server_key: PathBuf,
    /// The server certificate followed by its key, as HAProxy's `crt` takes them.
    pub server_pem: PathBuf,
    pub client_crt: PathBuf,
    pub client_key: PathBuf,
}

/// Runs `openssl` in `dir` with `args` (split at spaces).
fn openssl(bin: &Path, dir: &Path, args: &str) {
    let out = Command::new(bin)
        .args(args.split_whitespace())
        .current_dir(dir)
        .output()
        .expect("run openssl");
    assert!(
        out.status.success(),
        "openssl {args}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

const NEW_KEY: &str = "-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes";

/// `name.key` and `name.crt`, subject CN `cn`, signed by the CA in `dir`.
fn leaf(bin: &Path, dir: &Path, name: &str, cn: &str, serial: u32, extensions: &str) {
    std::fs::write(dir.join(format!("{name}.ext")), extensions).unwrap();
    openssl(
        bin,
        dir,
        &format!("req -new {NEW_KEY} -subj /CN={cn} -keyout {name}.key -out {name}.csr"),
    );
    openssl(
        bin,
        dir,
        &format!(
            "x509 -req -in {name}.csr -CA ca.crt -CAkey ca.key -set_serial {serial} -days 2 \
             -extfile {name}.ext -out {name}.crt"
        ),
    );
}

/// Makes the PKI in `dir` with the `openssl` command `bin`.
pub fn make_pki(bin: &Path, dir: &Path) -> Pki {
    openssl(
        bin,
        dir,
        &format!(
            "req -x509 {NEW_KEY} -days 2 -subj /CN=proxy-wire-test-CA \
             -addext basicConstraints=critical,CA:TRUE \
             -addext keyUsage=critical,keyCertSign,cRLSign -keyout ca.key -out ca.crt"
        ),
    );
    let usage = "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\n";
    let server = format!("{usage}extendedKeyUsage=serverAuth\nsubjectAltName=DNS:{SERVER_NAME}\n");
    leaf(bin, dir, "server", SERVER_NAME, 2, &server);
    let client = format!("{usage}extendedKeyUsage=clientAuth\n");
    leaf(bin, dir, "client", CLIENT_CN, 3, &client);
    let pem = [
        std::fs::read(dir.join("server.crt")).unwrap(),
        std::fs::read(dir.join("server.key")).unwrap(),
    ]
    .concat();
    std::fs::write(dir.join("server.pem"), pem).unwrap();
    Pki {
        ca: dir.join("ca.crt"),
        server_crt: dir.join("server.crt"),
        server_key: dir.join("server.key"),
        server_pem: dir.join("server.pem"),
        client_crt: dir.join("client.crt"),
        client_key: dir.join("client.key"),
    }
}
