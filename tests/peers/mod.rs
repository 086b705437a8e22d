//! Support for the tests against real peers (`io_interop.rs`, `differential.rs`): finding a
//! tool (or announcing the skip), temporary directories, free ports, and daemons started as
//! children and stopped by their PID.
#![allow(dead_code)]

use std::fs;
use std::io::Write;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

/// How long a daemon may take to accept connections.
const READY_WAIT: Duration = Duration::from_secs(10);

/// Writes to the real stderr, which the test harness does not capture, so a skip is always
/// visible in `cargo test` output.
pub fn say(msg: &str) {
    let _ = writeln!(std::io::stderr().lock(), "{msg}");
}

/// The tool's path, or `None` after announcing the skip (or panics when interop is
/// required).
pub fn tool(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let dirs = std::env::split_paths(&path)
        .chain(["/usr/sbin", "/sbin", "/usr/local/sbin"].map(PathBuf::from));
    for dir in dirs {
        let candidate = dir.join(name);
        if candidate.is_file() {
            return Some(candidate);
        }
    }
    if std::env::var("PROXY_WIRE_REQUIRE_INTEROP").as_deref() == Ok("1") {
        panic!("{name} not installed, and PROXY_WIRE_REQUIRE_INTEROP=1 requires it");
    }
    say(&format!("SKIPPED: {name} not installed"));
    None
}

pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> Self {
        static N: AtomicUsize = AtomicUsize::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let dir = std::env::temp_dir().join(format!(
            "proxy-wire-{tag}-{}-{}-{nanos}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        ));
        fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// A port that was free a moment ago (the daemon binds it itself; a lost race is retried).
pub fn free_port(ip: &str) -> u16 {
    TcpListener::bind((ip, 0))
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub fn has_ipv6() -> bool {
    TcpListener::bind("[::1]:0").is_ok()
}

/// A child daemon, stopped by its PID when dropped.
pub struct Daemon {
    name: &'static str,
    child: Child,
    log: PathBuf,
}

impl Daemon {
    pub fn spawn(name: &'static str, cmd: &mut Command, log: PathBuf) -> Self {
        let file = fs::File::create(&log).unwrap();
        let child = cmd
            .stdin(Stdio::null())
            .stdout(file.try_clone().unwrap())
            .stderr(file)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {name}: {e}"));
        Self { name, child, log }
    }

    pub fn log(&self) -> String {
        fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Waits until `addr` accepts connections; `false` if the daemon exited first.
    pub fn wait_ready(&mut self, addr: SocketAddr) -> bool {
        let deadline = Instant::now() + READY_WAIT;
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return false;
            }
            if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
                return true;
            }
            thread::sleep(Duration::from_millis(10));
        }
        panic!(
            "{} not ready on {addr} within {READY_WAIT:?}:\n{}",
            self.name,
            self.log()
        );
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let pid = self.child.id().to_string();
        if let Ok(None) = self.child.try_wait() {
            let _ = Command::new("kill").args(["-TERM", &pid]).status();
            let deadline = Instant::now() + Duration::from_secs(5);
            while Instant::now() < deadline {
                if let Ok(Some(_)) = self.child.try_wait() {
                    return;
                }
                thread::sleep(Duration::from_millis(10));
            }
            let _ = self.child.kill(); // SIGKILL, by PID
        }
        let _ = self.child.wait();
    }
}

/// Starts a daemon from a config built for fresh ports; retries when a port was taken in
/// the meantime. `make` returns (config file text, readiness address).
pub fn start(
    name: &'static str,
    dir: &TempDir,
    mut make: impl FnMut() -> (String, SocketAddr),
    command: impl Fn(&Path) -> Command,
) -> Daemon {
    for attempt in 0..5 {
        let (config, ready) = make();
        let file = dir.path().join(format!("{name}.conf"));
        fs::write(&file, config).unwrap();
        let log = dir.path().join(format!("{name}-{attempt}.log"));
        let mut daemon = Daemon::spawn(name, &mut command(&file), log);
        if daemon.wait_ready(ready) {
            return daemon;
        }
        let log = daemon.log();
        if !log.contains("in use") && !log.contains("cannot bind") {
            panic!("{name} exited at start:\n{log}");
        }
    }
    panic!("{name}: no free ports after 5 attempts");
}
