//! Shared helpers of the tools' integration tests: a private namespace pair
//! (through scripts/netns.sh), a raw AF_PACKET receiver inside a namespace,
//! the expected bytes of pfsend's generated frames, and pcap/pcapng writers.
#![allow(dead_code)]

use std::collections::HashMap;
use std::ffi::CString;
use std::io;
use std::mem;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::path::PathBuf;
use std::process::{Command, Output};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

pub const MAC_A: [u8; 6] = [2, 0, 0, 0, 0, 1];
pub const MAC_B: [u8; 6] = [2, 0, 0, 0, 0, 2];
pub const IF_A: &str = "veth-a";
pub const IF_B: &str = "veth-b";

pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Two namespaces joined by a veth (veth-a in `a`, veth-b in `b`), deleted on drop.
pub struct NetnsPair {
    pub a: String,
    pub b: String,
}

impl NetnsPair {
    pub fn new(tag: &str) -> NetnsPair {
        static SEQ: AtomicU32 = AtomicU32::new(0);
        let n = SEQ.fetch_add(1, Ordering::Relaxed);
        let pid = std::process::id();
        let a = format!("pf-{tag}-{pid}-{n}a");
        let b = format!("pf-{tag}-{pid}-{n}b");
        let st = Command::new("bash")
            .arg(repo_root().join("scripts/netns.sh"))
            .args(["create", &a, &b])
            .status()
            .expect("run scripts/netns.sh");
        assert!(st.success(), "scripts/netns.sh create {a} {b} failed: {st}");
        NetnsPair { a, b }
    }
}

impl Drop for NetnsPair {
    fn drop(&mut self) {
        let _ = Command::new("ip").args(["netns", "del", &self.a]).status();
        let _ = Command::new("ip").args(["netns", "del", &self.b]).status();
    }
}

/// Runs `prog args` inside namespace `ns` and waits for it.
pub fn run_in(ns: &str, prog: &str, args: &[&str]) -> Output {
    Command::new("ip")
        .args(["netns", "exec", ns, prog])
        .args(args)
        .output()
        .expect("spawn ip netns exec")
}

/// Parses a `key=value key=value` line.
pub fn parse_kv(line: &str) -> HashMap<String, String> {
    line.split_whitespace()
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// Enters the network namespace `ns` on the calling thread only.
pub fn enter_netns(ns: &str) -> io::Result<()> {
    let f = std::fs::File::open(format!("/run/netns/{ns}"))?;
    // SAFETY: setns on a valid namespace descriptor; it only changes the
    // calling thread's network namespace.
    if unsafe { libc::setns(f.as_raw_fd(), libc::CLONE_NEWNET) } != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// A raw ETH_P_ALL AF_PACKET socket bound to one interface in a namespace.
pub struct RawRx {
    fd: OwnedFd,
}

impl RawRx {
    pub fn open(ns: &str, ifname: &str) -> RawRx {
        let ns = ns.to_string();
        let ifname = ifname.to_string();
        // The socket belongs to the namespace it is created in; a helper
        // thread enters it so the test thread stays where it is.
        std::thread::spawn(move || {
            enter_netns(&ns).expect("setns");
            RawRx::open_here(&ifname).expect("raw socket")
        })
        .join()
        .expect("netns thread")
    }

    fn open_here(ifname: &str) -> io::Result<RawRx> {
        let proto = (libc::ETH_P_ALL as u16).to_be();
        // SAFETY: plain socket(2) call.
        let raw = unsafe {
            libc::socket(
                libc::AF_PACKET,
                libc::SOCK_RAW | libc::SOCK_CLOEXEC,
                i32::from(proto),
            )
        };
        if raw < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: `raw` is a fresh descriptor nothing else owns.
        let fd = unsafe { OwnedFd::from_raw_fd(raw) };
        let name = CString::new(ifname).unwrap();
        // SAFETY: `name` is NUL-terminated.
        let ifindex = unsafe { libc::if_nametoindex(name.as_ptr()) };
        if ifindex == 0 {
            return Err(io::Error::last_os_error());
        }
        let rcvbuf: libc::c_int = 64 << 20;
        set_opt(&fd, libc::SOL_SOCKET, libc::SO_RCVBUFFORCE, &rcvbuf)?;
        let tv = libc::timeval {
            tv_sec: 0,
            tv_usec: 100_000,
        };
        set_opt(&fd, libc::SOL_SOCKET, libc::SO_RCVTIMEO, &tv)?;
        // SAFETY: sockaddr_ll is plain data.
        let mut sll: libc::sockaddr_ll = unsafe { mem::zeroed() };
        sll.sll_family = libc::AF_PACKET as u16;
        sll.sll_protocol = proto;
        sll.sll_ifindex = ifindex as i32;
        // SAFETY: valid sockaddr_ll with its own size.
        let rc = unsafe {
            libc::bind(
                fd.as_raw_fd(),
                (&sll as *const libc::sockaddr_ll).cast(),
                mem::size_of::<libc::sockaddr_ll>() as libc::socklen_t,
            )
        };
        if rc != 0 {
            return Err(io::Error::last_os_error());
        }
        let rx = RawRx { fd };
        // Frames queued between socket() and bind() may come from any
        // interface; start from an empty queue.
        let mut buf = [0u8; 16];
        // SAFETY: `buf` is writable for its length.
        while unsafe {
            libc::recv(
                rx.fd.as_raw_fd(),
                buf.as_mut_ptr().cast(),
                buf.len(),
                libc::MSG_DONTWAIT,
            )
        } >= 0
        {}
        rx.stats();
        Ok(rx)
    }

    /// Receives frames until `n` arrived or `timeout` passed, then keeps
    /// listening for `linger` more to catch surplus frames.
    pub fn collect(&self, n: usize, timeout: Duration, linger: Duration) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        let deadline = Instant::now() + timeout;
        let mut buf = vec![0u8; 65536];
        let mut linger_end: Option<Instant> = None;
        loop {
            let now = Instant::now();
            if out.len() >= n && linger_end.is_none() {
                linger_end = Some(now + linger);
            }
            if now >= linger_end.unwrap_or(deadline) {
                break;
            }
            // SAFETY: `buf` is writable for its length.
            let rc =
                unsafe { libc::recv(self.fd.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len(), 0) };
            if rc > 0 {
                out.push(buf[..rc as usize].to_vec());
            }
        }
        out
    }

    /// PACKET_STATISTICS since the last call: (packets, drops).
    pub fn stats(&self) -> (u32, u32) {
        let mut st = libc::tpacket_stats {
            tp_packets: 0,
            tp_drops: 0,
        };
        let mut len = mem::size_of::<libc::tpacket_stats>() as libc::socklen_t;
        // SAFETY: `st` is writable for `len` bytes.
        let rc = unsafe {
            libc::getsockopt(
                self.fd.as_raw_fd(),
                libc::SOL_PACKET,
                libc::PACKET_STATISTICS,
                (&mut st as *mut libc::tpacket_stats).cast(),
                &mut len,
            )
        };
        assert_eq!(rc, 0, "PACKET_STATISTICS: {}", io::Error::last_os_error());
        (st.tp_packets, st.tp_drops)
    }
}

fn set_opt<T>(fd: &OwnedFd, level: libc::c_int, name: libc::c_int, v: &T) -> io::Result<()> {
    // SAFETY: `v` points at a live T of the stated size.
    let rc = unsafe {
        libc::setsockopt(
            fd.as_raw_fd(),
            level,
            name,
            (v as *const T).cast(),
            mem::size_of::<T>() as libc::socklen_t,
        )
    };
    if rc != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// pfsend's generated frame number `seq`, written out independently of
/// pfsend's own code from the format its documentation states.
pub fn expected_frame(
    seq: u64,
    len: usize,
    flows: u64,
    src: [u8; 6],
    sip: [u8; 4],
    dip: [u8; 4],
) -> Vec<u8> {
    let mut f = Vec::with_capacity(len);
    f.extend_from_slice(&[2, 0, 0, 0, 0, 0x99]);
    f.extend_from_slice(&src);
    f.extend_from_slice(&[0x08, 0x00]);
    let mut ip = vec![0x45, 0];
    ip.extend_from_slice(&((len - 14) as u16).to_be_bytes());
    ip.extend_from_slice(&[0, 0, 0x40, 0, 64, 17, 0, 0]);
    ip.extend_from_slice(&sip);
    ip.extend_from_slice(&dip);
    let mut sum = 0u32;
    for c in ip.chunks(2) {
        sum += u32::from(c[0]) << 8 | u32::from(c[1]);
    }
    sum = (sum & 0xffff) + (sum >> 16);
    sum = (sum & 0xffff) + (sum >> 16);
    let ck = !(sum as u16);
    ip[10] = (ck >> 8) as u8;
    ip[11] = ck as u8;
    f.extend_from_slice(&ip);
    f.extend_from_slice(&((1024 + seq % flows) as u16).to_be_bytes());
    f.extend_from_slice(&(if seq % 64 == 0 { 53u16 } else { 9 }).to_be_bytes());
    f.extend_from_slice(&((len - 34) as u16).to_be_bytes());
    f.extend_from_slice(&[0, 0]);
    f.extend_from_slice(&seq.to_be_bytes());
    while f.len() < len {
        f.push(f.len() as u8);
    }
    f
}

/// Writes a classic little-endian microsecond pcap (DLT_EN10MB).
pub fn write_pcap(path: &std::path::Path, pkts: &[(Duration, Vec<u8>)]) {
    let mut out = Vec::new();
    out.extend_from_slice(&0xa1b2_c3d4u32.to_le_bytes());
    out.extend_from_slice(&2u16.to_le_bytes());
    out.extend_from_slice(&4u16.to_le_bytes());
    out.extend_from_slice(&0i32.to_le_bytes());
    out.extend_from_slice(&0u32.to_le_bytes());
    out.extend_from_slice(&65535u32.to_le_bytes());
    out.extend_from_slice(&1u32.to_le_bytes());
    for (ts, data) in pkts {
        out.extend_from_slice(&(ts.as_secs() as u32).to_le_bytes());
        out.extend_from_slice(&ts.subsec_micros().to_le_bytes());
        out.extend_from_slice(&(data.len() as u32).to_le_bytes());
        out.extend_from_slice(&(data.len() as u32).to_le_bytes());
        out.extend_from_slice(data);
    }
    std::fs::write(path, out).unwrap();
}

/// Writes a little-endian pcapng: SHB, one Ethernet IDB without options
/// (so microsecond timestamps), then one EPB per packet.
pub fn write_pcapng(path: &std::path::Path, pkts: &[(Duration, Vec<u8>)]) {
    fn block(out: &mut Vec<u8>, ty: u32, body: &[u8]) {
        let len = 12 + body.len() as u32;
        out.extend_from_slice(&ty.to_le_bytes());
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(body);
        out.extend_from_slice(&len.to_le_bytes());
    }
    let mut out = Vec::new();
    let mut shb = Vec::new();
    shb.extend_from_slice(&0x1a2b_3c4du32.to_le_bytes());
    shb.extend_from_slice(&1u16.to_le_bytes());
    shb.extend_from_slice(&0u16.to_le_bytes());
    shb.extend_from_slice(&(-1i64).to_le_bytes());
    block(&mut out, 0x0a0d_0d0a, &shb);
    let mut idb = Vec::new();
    idb.extend_from_slice(&1u16.to_le_bytes());
    idb.extend_from_slice(&0u16.to_le_bytes());
    idb.extend_from_slice(&0u32.to_le_bytes());
    block(&mut out, 1, &idb);
    for (ts, data) in pkts {
        let us = ts.as_micros() as u64;
        let mut epb = Vec::new();
        epb.extend_from_slice(&0u32.to_le_bytes());
        epb.extend_from_slice(&((us >> 32) as u32).to_le_bytes());
        epb.extend_from_slice(&(us as u32).to_le_bytes());
        epb.extend_from_slice(&(data.len() as u32).to_le_bytes());
        epb.extend_from_slice(&(data.len() as u32).to_le_bytes());
        epb.extend_from_slice(data);
        while epb.len() % 4 != 0 {
            epb.push(0);
        }
        block(&mut out, 6, &epb);
    }
    std::fs::write(path, out).unwrap();
}

/// A program running in a namespace, its stdout lines streamed to a
/// channel and its stderr collected.
pub struct Running {
    pub child: std::process::Child,
    pub lines: std::sync::mpsc::Receiver<String>,
    stderr: Option<std::thread::JoinHandle<String>>,
}

impl Running {
    /// Starts `prog args` in `ns` and waits (at most 10 s) for a stdout line
    /// starting with `ready`.
    pub fn start(ns: &str, prog: &str, args: &[&str], ready: &str) -> Running {
        use std::io::{BufRead, Read};
        use std::process::Stdio;
        let mut child = Command::new("ip")
            .args(["netns", "exec", ns, prog])
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn");
        let out = child.stdout.take().unwrap();
        let mut err = child.stderr.take().unwrap();
        let (tx, lines) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for l in std::io::BufReader::new(out).lines() {
                let Ok(l) = l else { break };
                if tx.send(l).is_err() {
                    break;
                }
            }
        });
        let stderr = Some(std::thread::spawn(move || {
            let mut s = String::new();
            let _ = err.read_to_string(&mut s);
            s
        }));
        let mut r = Running {
            child,
            lines,
            stderr,
        };
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match r.lines.recv_timeout(left) {
                Ok(l) if l.starts_with(ready) => break,
                Ok(_) => {}
                Err(_) => {
                    let _ = r.child.kill();
                    let (_, err) = r.finish(Duration::from_secs(5));
                    panic!("{prog} never printed '{ready}'; stderr: {err}");
                }
            }
        }
        r
    }

    /// Sends `sig` to the program.
    pub fn signal(&self, sig: libc::c_int) {
        // SAFETY: kill(2) on our own child's pid.
        let rc = unsafe { libc::kill(self.child.id() as libc::pid_t, sig) };
        assert_eq!(rc, 0, "kill: {}", io::Error::last_os_error());
    }

    /// Waits (at most `timeout`, then SIGKILL) and returns the exit status
    /// and the whole stderr.
    pub fn finish(&mut self, timeout: Duration) -> (std::process::ExitStatus, String) {
        let deadline = Instant::now() + timeout;
        let status = loop {
            if let Some(st) = self.child.try_wait().expect("try_wait") {
                break st;
            }
            if Instant::now() >= deadline {
                let _ = self.child.kill();
                break self.child.wait().expect("wait");
            }
            std::thread::sleep(Duration::from_millis(10));
        };
        let err = self
            .stderr
            .take()
            .map(|h| h.join().unwrap())
            .unwrap_or_default();
        (status, err)
    }

    /// The stdout lines printed so far (after the ready line).
    pub fn take_lines(&self) -> Vec<String> {
        self.lines.try_iter().collect()
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}
