//! `proxy_wire::transparent` between two network namespaces, driven through the example binary
//! `examples/transparent_connect.rs` with real PROXY headers.
//!
//! Topology (documentation ranges only, inside namespaces this test creates and deletes):
//!
//! ```text
//!  proxy ns  [va 198.51.100.1/24, 2001:db8:1::1/64] ==veth== [vb 198.51.100.2/24, 2001:db8:1::2/64]  backend ns
//!  rule: iif va to 192.0.2.0/24 / 2001:db8:2::/64         route: 192.0.2.0/25 via 198.51.100.1
//!        -> table 100: local ... dev lo                          2001:db8:2::/64 via 2001:db8:1::1
//! ```
//!
//! Clients are taken from 192.0.2.0/25 and 2001:db8:2::/64; 192.0.2.200 has no return route,
//! so connecting from it must time out. With feature `tokio` too, `examples/transparent_relay.rs`
//! runs in the proxy namespace and relays a connection end to end (`*_relay::relay_end_to_end`).
//!
//! Two variants of every scenario:
//! * `root::*`: named namespaces (`ip netns add`, `ip netns exec`); needs CAP_NET_ADMIN and
//!   CAP_SYS_ADMIN (CI runs as root).
//! * `userns::*`: the same topology built rootless: `unshare -rn` in a child process (the test
//!   harness is multi-threaded, so it cannot unshare a user namespace itself), a second network
//!   namespace in the same user namespace, processes entered with `nsenter`.
//!
//! A variant that cannot run (no `ip`, `unshare` or `nsenter` on `PATH`, no privileges) prints
//! `SKIPPED ...` and passes, unless
//! `PROXY_WIRE_REQUIRE_NETNS=1`, which turns every skip into a failure (CI sets it).
//!
//! The example binary: `cargo test --features transparent` builds all examples (with their
//! required features on) before it runs any test, into `<target>/<profile>/examples/`; this
//! test looks for it there, beside its own `deps/` directory. `cargo test --test
//! transparent_netns` alone neither builds nor rebuilds examples: a missing one fails the test
//! with instructions, a stale one is used as it is (run the plain `cargo test` after changes).
//!
//! Requires `ip` (iproute2), `setpriv`, `unshare` and `nsenter` (util-linux).

#![cfg(all(
    feature = "transparent",
    any(target_os = "linux", target_os = "android")
))]

use std::ffi::OsStr;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use proxy_wire::v2::{Builder, Protocol};
use proxy_wire::{v1, Encode};

const REQUIRE: &str = "PROXY_WIRE_REQUIRE_NETNS";
/// Upper bound on any one process this test waits for.
const PROCESS_LIMIT: Duration = Duration::from_secs(20);

// ---------------------------------------------------------------------------------------------
// Locating the example, skipping

fn example() -> PathBuf {
    example_named("transparent_connect")
}

fn example_named(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("current_exe");
    // <target>/<profile>/deps/transparent_netns-HASH -> <target>/<profile>/examples/
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("test binary lives in <target>/<profile>/deps");
    let path = profile_dir.join("examples").join(name);
    assert!(
        path.is_file(),
        "{} is missing: run `cargo test --features transparent,tokio` (which builds examples) \
         or `cargo build --example {name} --features transparent,tokio` first",
        path.display()
    );
    path
}

/// Reports a variant that cannot run here; a failure when `PROXY_WIRE_REQUIRE_NETNS=1`.
fn skip(test: &str, why: &str) {
    let required = std::env::var_os(REQUIRE).is_some_and(|v| v == "1");
    assert!(
        !required,
        "{test} cannot run: {why}; {REQUIRE}=1 makes a skip a failure"
    );
    // Straight to stderr, past the harness's output capture, so a skip is always seen.
    let _ = writeln!(
        std::io::stderr(),
        "SKIPPED {test}: {why} (set {REQUIRE}=1 to make this a failure)"
    );
}

/// Whether this process holds CAP_NET_ADMIN (12) and CAP_SYS_ADMIN (21).
fn has_root_caps() -> bool {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let eff = status
        .lines()
        .find_map(|l| l.strip_prefix("CapEff:"))
        .and_then(|v| u64::from_str_radix(v.trim(), 16).ok())
        .unwrap_or(0);
    eff & (1 << 12) != 0 && eff & (1 << 21) != 0
}

/// Whether `unshare -rn` works (unprivileged user namespaces, or root).
fn userns_available() -> Result<(), String> {
    let out = Command::new("unshare")
        .args(["-rn", "true"])
        .output()
        .map_err(|e| format!("cannot run unshare: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "`unshare -rn` failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

// ---------------------------------------------------------------------------------------------
// Processes

/// A child process that is killed (by its PID) and reaped when dropped.
struct Proc {
    child: Child,
    lines: mpsc::Receiver<String>,
    stderr: mpsc::Receiver<String>,
}

impl Proc {
    fn spawn(mut cmd: Command) -> Proc {
        let mut child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("spawning {cmd:?}: {e}"));
        let (tx, lines) = mpsc::channel();
        let stdout = child.stdout.take().expect("piped stdout");
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let (etx, stderr) = mpsc::channel();
        let mut err_pipe = child.stderr.take().expect("piped stderr");
        std::thread::spawn(move || {
            let mut text = String::new();
            let _ = err_pipe.read_to_string(&mut text);
            let _ = etx.send(text);
        });
        Proc {
            child,
            lines,
            stderr,
        }
    }

    /// The next stdout line, or `None` at EOF or after `limit`.
    fn line(&self, limit: Duration) -> Option<String> {
        self.lines.recv_timeout(limit).ok()
    }

    /// Waits (bounded) for exit; returns success, the rest of stdout and all of stderr.
    fn finish(mut self) -> (bool, String, String) {
        let deadline = Instant::now() + PROCESS_LIMIT;
        let status = loop {
            match self.child.try_wait().expect("try_wait") {
                Some(status) => break status,
                None if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(20)),
                None => panic!(
                    "process {} still running after {PROCESS_LIMIT:?}",
                    self.child.id()
                ),
            }
        };
        let mut stdout = String::new();
        while let Ok(line) = self.lines.recv_timeout(Duration::from_secs(2)) {
            stdout.push_str(&line);
            stdout.push('\n');
        }
        let stderr = self
            .stderr
            .recv_timeout(Duration::from_secs(2))
            .unwrap_or_default();
        (status.success(), stdout, stderr)
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn run(mut cmd: Command) -> Result<(), String> {
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("{cmd:?}: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{cmd:?} failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

// ---------------------------------------------------------------------------------------------
// The two namespaces

#[derive(Clone, Copy, Debug)]
enum Variant {
    Root,
    Userns,
}

#[derive(Clone, Copy)]
enum Side {
    Proxy,
    Backend,
}

/// Two network namespaces joined by a veth pair; deleted on drop, also when a step fails.
struct Lab {
    variant: Variant,
    /// Root: namespace names that were created (and must be deleted).
    names: Vec<String>,
    /// Userns: the processes holding the namespaces (proxy first); killing them frees them.
    holders: Vec<Child>,
    /// Files to remove on drop.
    scratch: Option<PathBuf>,
}

static SEQ: AtomicUsize = AtomicUsize::new(0);

impl Lab {
    fn new(variant: Variant) -> Lab {
        let mut lab = Lab {
            variant,
            names: Vec::new(),
            holders: Vec::new(),
            scratch: None,
        };
        let tag = format!(
            "pwt{}n{}",
            std::process::id(),
            SEQ.fetch_add(1, Ordering::Relaxed)
        );
        if let Err(e) = lab.create(&tag).and_then(|()| lab.wire()) {
            panic!("setting up the {variant:?} namespaces failed: {e}");
        }
        lab
    }

    fn create(&mut self, tag: &str) -> Result<(), String> {
        match self.variant {
            Variant::Root => {
                for side in ["p", "b"] {
                    let name = format!("{tag}{side}");
                    run(ip_cmd(["netns", "add", &name]))?;
                    self.names.push(name);
                }
            }
            Variant::Userns => {
                // `cat` on a pipe holds the namespaces and ends by itself if this test dies.
                let mut proxy = Command::new("unshare");
                proxy.args(["-rn", "cat"]);
                self.hold(proxy)?;
                let mut backend = Command::new("nsenter");
                let pid = self.holders[0].id().to_string();
                backend.args([
                    "-t",
                    &pid,
                    "-U",
                    "--preserve-credentials",
                    "unshare",
                    "-n",
                    "cat",
                ]);
                self.hold(backend)?;
            }
        }
        Ok(())
    }

    /// Starts a namespace holder and waits until it has become `cat` (namespaces in place).
    fn hold(&mut self, mut cmd: Command) -> Result<(), String> {
        let child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("{cmd:?}: {e}"))?;
        let comm = format!("/proc/{}/comm", child.id());
        self.holders.push(child);
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if std::fs::read_to_string(&comm).is_ok_and(|c| c.trim() == "cat") {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        Err(format!("{cmd:?} did not start within 5 s"))
    }

    /// A command that runs `program` inside one namespace.
    fn cmd(&self, side: Side, program: impl AsRef<OsStr>) -> Command {
        let i = match side {
            Side::Proxy => 0,
            Side::Backend => 1,
        };
        match self.variant {
            Variant::Root => {
                let mut cmd = ip_cmd(["netns", "exec", &self.names[i]]);
                cmd.arg(program);
                cmd
            }
            Variant::Userns => {
                let mut cmd = Command::new("nsenter");
                // --preserve-credentials: setgroups() is denied in a rootless user namespace;
                // the caller's uid is mapped to root there anyway.
                let pid = self.holders[i].id().to_string();
                cmd.args(["-t", &pid, "-U", "-n", "--preserve-credentials"]);
                cmd.arg(program);
                cmd
            }
        }
    }

    fn ip(&self, side: Side, args: &[&str]) -> Result<(), String> {
        let mut cmd = self.cmd(side, "ip");
        cmd.args(args);
        run(cmd)
    }

    /// Addresses and routes of the topology in the module docs.
    fn wire(&self) -> Result<(), String> {
        for side in [Side::Proxy, Side::Backend] {
            // No duplicate address detection: addresses (also link-local) usable at once.
            let mut sh = self.cmd(side, "sh");
            sh.args([
                "-c",
                "echo 0 > /proc/sys/net/ipv6/conf/all/accept_dad && \
                 echo 0 > /proc/sys/net/ipv6/conf/default/accept_dad",
            ]);
            run(sh)?;
            self.ip(side, &["link", "set", "lo", "up"])?;
        }
        let peer = match self.variant {
            Variant::Root => self.names[1].clone(),
            Variant::Userns => self.holders[1].id().to_string(),
        };
        use Side::{Backend as B, Proxy as P};
        self.ip(
            P,
            &[
                "link", "add", "va", "type", "veth", "peer", "name", "vb", "netns", &peer,
            ],
        )?;
        self.ip(P, &["addr", "add", "198.51.100.1/24", "dev", "va"])?;
        self.ip(
            P,
            &["addr", "add", "2001:db8:1::1/64", "dev", "va", "nodad"],
        )?;
        self.ip(B, &["addr", "add", "198.51.100.2/24", "dev", "vb"])?;
        self.ip(
            B,
            &["addr", "add", "2001:db8:1::2/64", "dev", "vb", "nodad"],
        )?;
        self.ip(P, &["link", "set", "va", "up"])?;
        self.ip(B, &["link", "set", "vb", "up"])?;
        // The backend routes (part of) the client ranges back via the proxy.
        self.ip(B, &["route", "add", "192.0.2.0/25", "via", "198.51.100.1"])?;
        self.ip(
            B,
            &[
                "-6",
                "route",
                "add",
                "2001:db8:2::/64",
                "via",
                "2001:db8:1::1",
            ],
        )?;
        // The proxy delivers packets for client addresses arriving from the backend locally.
        self.ip(
            P,
            &[
                "rule",
                "add",
                "iif",
                "va",
                "to",
                "192.0.2.0/24",
                "lookup",
                "100",
            ],
        )?;
        self.ip(
            P,
            &[
                "route",
                "add",
                "local",
                "192.0.2.0/24",
                "dev",
                "lo",
                "table",
                "100",
            ],
        )?;
        self.ip(
            P,
            &[
                "-6",
                "rule",
                "add",
                "iif",
                "va",
                "to",
                "2001:db8:2::/64",
                "lookup",
                "100",
            ],
        )?;
        self.ip(
            P,
            &[
                "-6",
                "route",
                "add",
                "local",
                "2001:db8:2::/64",
                "dev",
                "lo",
                "table",
                "100",
            ],
        )?;
        Ok(())
    }

    /// The example binary as a process without CAP_NET_ADMIN (or any capability) in the proxy
    /// namespace: as nobody (root variant) or as a capability-less root (user namespace).
    fn unprivileged(&mut self, example: &Path) -> Command {
        match self.variant {
            Variant::Root => {
                // nobody must be able to reach the binary: copy it to a world-readable place.
                let dir = std::env::temp_dir().join(format!(
                    "proxy-wire-transparent-{}-{}",
                    std::process::id(),
                    SEQ.fetch_add(1, Ordering::Relaxed)
                ));
                std::fs::create_dir_all(&dir).expect("create scratch dir");
                self.scratch = Some(dir.clone());
                let copy = dir.join("transparent_connect");
                std::fs::copy(example, &copy).expect("copy example");
                use std::os::unix::fs::PermissionsExt;
                for (path, mode) in [(&dir, 0o755), (&copy, 0o755)] {
                    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
                        .expect("chmod");
                }
                let mut cmd = self.cmd(Side::Proxy, "setpriv");
                cmd.args([
                    "--reuid=65534",
                    "--regid=65534",
                    "--clear-groups",
                    "--inh-caps=-all",
                    "--bounding-set=-all",
                    "--",
                ]);
                cmd.arg(copy);
                cmd
            }
            Variant::Userns => {
                let mut cmd = self.cmd(Side::Proxy, "setpriv");
                cmd.args(["--inh-caps=-all", "--bounding-set=-all", "--"]);
                cmd.arg(example);
                cmd
            }
        }
    }
}

fn ip_cmd<const N: usize>(args: [&str; N]) -> Command {
    let mut cmd = Command::new("ip");
    cmd.args(args);
    cmd
}

impl Drop for Lab {
    fn drop(&mut self) {
        for name in &self.names {
            if let Err(e) = run(ip_cmd(["netns", "del", name])) {
                eprintln!("teardown: {e}");
            }
        }
        for holder in &mut self.holders {
            let _ = holder.kill();
            let _ = holder.wait();
        }
        if let Some(dir) = &self.scratch {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Scenarios

/// What one connect attempt produced.
struct Outcome {
    ok: bool,
    stdout: String,
    stderr: String,
    /// The peer address the backend's accept() returned, if it accepted.
    accepted: Option<SocketAddr>,
}

impl Outcome {
    fn field(&self, prefix: &str) -> Option<SocketAddr> {
        self.stdout
            .lines()
            .find_map(|l| l.strip_prefix(prefix))
            .map(|v| v.trim().parse().expect("address in example output"))
    }
}

/// Runs a backend on `backend` and the helper with `header` against it.
fn attempt(
    lab: &Lab,
    helper: Command,
    header: &[u8],
    backend: SocketAddr,
    port: &str,
    timeout_ms: u32,
) -> Outcome {
    let example = example();
    // The backend listens on the plain form of its address (an IPv4-mapped `backend` is the
    // helper's business), so accept() reports the client as the wire carried it.
    let listen = SocketAddr::new(backend.ip().to_canonical(), backend.port());
    let mut serve = lab.cmd(Side::Backend, &example);
    serve.args(["serve", "--listen", &listen.to_string()]);
    serve.args(["--accept-timeout-ms", &(timeout_ms + 2000).to_string()]);
    let server = Proc::spawn(serve);
    let first = server.line(PROCESS_LIMIT);
    assert_eq!(
        first,
        Some(format!("listening {listen}")),
        "backend did not start"
    );

    let mut helper = helper;
    helper.args(["connect", "--header-hex", &hex::encode(header)]);
    helper.args(["--backend", &backend.to_string(), "--port", port]);
    helper.args(["--timeout-ms", &timeout_ms.to_string()]);
    let (ok, stdout, stderr) = Proc::spawn(helper).finish();

    let accepted = server
        .line(Duration::from_millis(u64::from(timeout_ms) + 5000))
        .and_then(|l| {
            l.strip_prefix("accepted ")
                .map(|a| a.parse().expect("peer"))
        });
    drop(server);
    Outcome {
        ok,
        stdout,
        stderr,
        accepted,
    }
}

/// Connects from `client` (as announced by `header`) and checks what the backend saw.
fn expect_seen(lab: &Lab, header: &[u8], client: SocketAddr, backend: SocketAddr, port: &str) {
    let example = example();
    let out = attempt(
        lab,
        lab.cmd(Side::Proxy, &example),
        header,
        backend,
        port,
        5000,
    );
    assert!(
        out.ok,
        "helper failed\nstdout:\n{}\nstderr:\n{}",
        out.stdout, out.stderr
    );
    let seen = out.accepted.expect("backend accepted no connection");
    assert_eq!(
        seen.ip(),
        client.ip(),
        "backend saw the wrong source address"
    );
    assert_eq!(out.field("connected local="), Some(seen));
    assert_eq!(out.field("backend-saw "), Some(seen));
    match port {
        "client" => assert_eq!(seen.port(), client.port(), "client port not kept"),
        _ => assert_ne!(seen.port(), 0),
    }
}

fn sa(s: &str) -> SocketAddr {
    s.parse().unwrap()
}

fn v1_header(src: SocketAddr, dst: SocketAddr) -> Vec<u8> {
    let header = v1::Header::from_socket_addrs(src, dst);
    let mut buf = vec![0; header.encoded_len()];
    header.encode(&mut buf).unwrap();
    buf
}

fn v2_header(src: SocketAddr, dst: SocketAddr) -> Vec<u8> {
    let header = Builder::proxy(Protocol::Stream, (src, dst));
    let mut buf = vec![0; header.encoded_len()];
    header.encode(&mut buf).unwrap();
    buf
}

fn ipv4_both_port_modes(lab: &mut Lab) {
    let front = sa("198.51.100.1:443");
    let client = sa("192.0.2.7:40001");
    expect_seen(
        lab,
        &v2_header(client, front),
        client,
        sa("198.51.100.2:8081"),
        "client",
    );
    let client = sa("192.0.2.8:40002");
    expect_seen(
        lab,
        &v1_header(client, front),
        client,
        sa("198.51.100.2:8082"),
        "ephemeral",
    );
}

fn ipv6_both_port_modes(lab: &mut Lab) {
    let front = sa("[2001:db8:1::1]:443");
    let client = sa("[2001:db8:2::7]:40003");
    let backend = sa("[2001:db8:1::2]:8083");
    expect_seen(lab, &v1_header(client, front), client, backend, "client");
    let client = sa("[2001:db8:2::8]:40004");
    let backend = sa("[2001:db8:1::2]:8084");
    expect_seen(lab, &v2_header(client, front), client, backend, "ephemeral");
}

fn ipv4_mapped_addresses(lab: &mut Lab) {
    // An IPv4 client announced as IPv4-mapped IPv6 (v1 TCP6), connecting to an IPv4 backend.
    let client = sa("192.0.2.9:40005");
    let header = v1_header(client, sa("[2001:db8:1::1]:443"));
    assert!(header.starts_with(b"PROXY TCP6 ::ffff:192.0.2.9 "));
    expect_seen(lab, &header, client, sa("198.51.100.2:8085"), "client");
    // An IPv4 client and a backend given in IPv4-mapped form.
    let client = sa("192.0.2.10:40006");
    let header = v2_header(client, sa("198.51.100.1:443"));
    expect_seen(
        lab,
        &header,
        client,
        sa("[::ffff:198.51.100.2]:8086"),
        "ephemeral",
    );
    // An IPv4 client cannot reach a native IPv6 backend: a clear error, no connection.
    let example = example();
    let out = attempt(
        lab,
        lab.cmd(Side::Proxy, &example),
        &header,
        sa("[2001:db8:1::2]:8087"),
        "ephemeral",
        1000,
    );
    assert!(!out.ok);
    assert!(
        out.stderr.contains("different address families"),
        "{}",
        out.stderr
    );
    assert_eq!(out.accepted, None);
}

fn missing_capability_is_eperm(lab: &mut Lab) {
    let example = example();
    let helper = lab.unprivileged(&example);
    let client = sa("192.0.2.11:40007");
    let header = v2_header(client, sa("198.51.100.1:443"));
    let out = attempt(
        lab,
        helper,
        &header,
        sa("198.51.100.2:8088"),
        "client",
        1000,
    );
    assert!(!out.ok, "connected without the capability: {}", out.stdout);
    // The header was parsed, then the transparent option was refused.
    assert_eq!(out.field("client "), Some(client));
    assert!(out.stderr.contains("(EPERM)"), "{}", out.stderr);
    assert!(
        out.stderr.contains("lacks CAP_NET_ADMIN (or CAP_NET_RAW)"),
        "{}",
        out.stderr
    );
    assert_eq!(out.accepted, None);
}

fn missing_reply_route_times_out(lab: &mut Lab) {
    // The backend routes only 192.0.2.0/25 back via the proxy: replies to .200 go nowhere.
    let example = example();
    let client = sa("192.0.2.200:40008");
    let header = v1_header(client, sa("198.51.100.1:443"));
    let out = attempt(
        lab,
        lab.cmd(Side::Proxy, &example),
        &header,
        sa("198.51.100.2:8089"),
        "ephemeral",
        1000,
    );
    assert!(!out.ok, "connected without a reply route: {}", out.stdout);
    assert!(
        out.stderr
            .contains("error: connecting from 192.0.2.200 to 198.51.100.2:8089 timed out after 1s"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("ip rule add fwmark 1 lookup 100"),
        "{}",
        out.stderr
    );
    assert_eq!(out.accepted, None, "the handshake cannot have completed");
}

/// `examples/transparent_relay.rs`: a sender (standing in for a load balancer) sends a header
/// and a line to the relay; the relay connects to the backend from the header's client
/// address and copies the backend's answer back.
#[cfg(feature = "tokio")]
fn relay_end_to_end(lab: &mut Lab) {
    let example = example();
    let backend = sa("198.51.100.2:8090");
    let mut serve = lab.cmd(Side::Backend, &example);
    serve.args([
        "serve",
        "--listen",
        "198.51.100.2:8090",
        "--accept-timeout-ms",
        "10000",
    ]);
    let server = Proc::spawn(serve);
    assert_eq!(
        server.line(PROCESS_LIMIT).as_deref(),
        Some("listening 198.51.100.2:8090")
    );

    let mut relay = lab.cmd(Side::Proxy, example_named("transparent_relay"));
    relay.args([
        "--listen",
        "127.0.0.1:9000",
        "--backend",
        &backend.to_string(),
    ]);
    relay.args([
        "--trust",
        "127.0.0.0/8",
        "--port",
        "client",
        "--timeout-ms",
        "5000",
    ]);
    let relay = Proc::spawn(relay);
    assert_eq!(
        relay.line(PROCESS_LIMIT).as_deref(),
        Some("listening 127.0.0.1:9000")
    );

    let client = sa("192.0.2.12:40010");
    let header = v2_header(client, sa("127.0.0.1:9000"));
    let mut send = lab.cmd(Side::Proxy, &example);
    send.args([
        "send",
        "--to",
        "127.0.0.1:9000",
        "--header-hex",
        &hex::encode(&header),
    ]);
    let (ok, stdout, stderr) = Proc::spawn(send).finish();
    assert!(ok, "sender failed\nstdout:\n{stdout}\nstderr:\n{stderr}");

    // The backend saw the client from the header, port included, and its answer came back.
    let accepted = server.line(Duration::from_secs(10));
    assert_eq!(accepted, Some(format!("accepted {client}")));
    assert_eq!(stdout.trim_end(), format!("reply seen {client}"));
    let started = relay.line(Duration::from_secs(10)).unwrap_or_default();
    assert!(
        started.starts_with("relay 127.0.0.1:")
            && started.ends_with(&format!(" -> {backend} from {client}")),
        "{started}"
    );
    let closed = relay.line(Duration::from_secs(10)).unwrap_or_default();
    let expected = format!(
        "closed {client}: 31 bytes up, {} bytes down",
        "seen ".len() + client.to_string().len() + 1
    );
    assert_eq!(closed, expected);
}

// ---------------------------------------------------------------------------------------------
// The tests

/// The first of the lab's tools that is not on `PATH` (where `Command` looks for it).
fn missing_tool() -> Option<&'static str> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    ["ip", "unshare", "nsenter"]
        .into_iter()
        .find(|tool| !std::env::split_paths(&path).any(|dir| dir.join(tool).is_file()))
}

fn with_lab(variant: Variant, test: &str, scenario: fn(&mut Lab)) {
    if let Some(tool) = missing_tool() {
        return skip(test, &format!("{tool} not installed"));
    }
    match variant {
        Variant::Root if !has_root_caps() => {
            return skip(test, "needs CAP_NET_ADMIN and CAP_SYS_ADMIN (run as root)");
        }
        Variant::Userns => {
            if let Err(why) = userns_available() {
                return skip(test, &why);
            }
        }
        Variant::Root => {}
    }
    let mut lab = Lab::new(variant);
    scenario(&mut lab);
}

macro_rules! variants {
    ($root:ident, $userns:ident: $($scenario:ident),* $(,)?) => {
        mod $root {
            $(#[test]
            fn $scenario() {
                super::with_lab(super::Variant::Root, concat!(stringify!($root), "::", stringify!($scenario)), super::$scenario);
            })*
        }
        mod $userns {
            $(#[test]
            fn $scenario() {
                super::with_lab(super::Variant::Userns, concat!(stringify!($userns), "::", stringify!($scenario)), super::$scenario);
            })*
        }
    };
}

variants!(
    root,
    userns:
    ipv4_both_port_modes,
    ipv6_both_port_modes,
    ipv4_mapped_addresses,
    missing_capability_is_eperm,
    missing_reply_route_times_out,
);

#[cfg(feature = "tokio")]
variants!(root_relay, userns_relay: relay_end_to_end);
