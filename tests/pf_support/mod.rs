//! Helpers for libpfring's integration tests: rings opened inside a test
//! namespace through the C ABI, a raw sender, and crafted frames.
#![allow(dead_code)]

#[path = "../tools_support/mod.rs"]
pub mod tools_support;

use std::ffi::CString;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::ptr;

use ::pfring::ffi::*;
#[allow(unused_imports)]
pub use tools_support::{enter_netns, expected_frame, NetnsPair, IF_A, IF_B, MAC_A};

pub const PFSEND: &str = env!("CARGO_BIN_EXE_pfsend");

/// A `pfring*` that closes on drop.
pub struct Ring(pub *mut pfring);
// SAFETY: the tests share reentrant handles across threads on purpose, and
// move non-reentrant ones to a single thread.
unsafe impl Send for Ring {}
// SAFETY: as above.
unsafe impl Sync for Ring {}

impl Drop for Ring {
    fn drop(&mut self) {
        if !self.0.is_null() {
            // SAFETY: a handle from pfring_open, closed once here.
            unsafe { pfring_close(self.0) };
        }
    }
}

pub struct Got {
    pub rc: i32,
    pub hdr: pfring_pkthdr,
    pub data: Vec<u8>,
}

impl Ring {
    /// Receives one packet into a buffer of `buflen` bytes.
    pub fn recv(&self, buflen: usize, wait: bool) -> Got {
        let mut buf = vec![0u8; buflen];
        let mut hdr = pfring_pkthdr::default();
        // SAFETY: valid handle, buffer of buflen bytes, header.
        let rc = unsafe {
            pfring_recv(
                self.0,
                buf.as_mut_ptr() as *mut _,
                buflen as u32,
                &mut hdr,
                u8::from(wait),
            )
        };
        let n = if rc > 0 { hdr.caplen as usize } else { 0 };
        buf.truncate(n);
        Got { rc, hdr, data: buf }
    }

    pub fn stats(&self) -> pfring_stat {
        let mut st = pfring_stat::default();
        // SAFETY: valid handle and out-pointer.
        assert_eq!(unsafe { pfring_stats(self.0, &mut st) }, 0, "pfring_stats");
        st
    }

    pub fn enable(&self) {
        // SAFETY: valid handle.
        assert_eq!(
            // SAFETY: valid handle.
            unsafe { pfring_enable_ring(self.0) },
            0,
            "pfring_enable_ring"
        );
    }

    /// Receives until `n` packets or `secs` elapsed (polling without wait).
    pub fn drain(&self, n: usize, secs: u64) -> Vec<Got> {
        let end = std::time::Instant::now() + std::time::Duration::from_secs(secs);
        let mut v = Vec::new();
        while v.len() < n && std::time::Instant::now() < end {
            let g = self.recv(2048, false);
            assert!(g.rc >= 0, "recv failed: errno {}", errno());
            if g.rc == 0 {
                std::thread::sleep(std::time::Duration::from_millis(1));
            } else {
                v.push(g);
            }
        }
        v
    }
}

pub fn errno() -> i32 {
    std::io::Error::last_os_error().raw_os_error().unwrap_or(0)
}

/// Opens `dev` inside namespace `ns` (the socket stays in that namespace).
pub fn open_in(ns: &str, dev: &str, promisc: bool, reentrant: bool) -> Ring {
    let ns = ns.to_string();
    let dev = CString::new(dev).unwrap();
    let p = std::thread::spawn(move || {
        enter_netns(&ns).expect("setns");
        // SAFETY: dev is a C string.
        let p = unsafe {
            pfring_open(
                dev.as_ptr() as *mut _,
                u8::from(promisc),
                u8::from(reentrant),
            )
        };
        assert!(!p.is_null(), "pfring_open failed: errno {}", errno());
        p as usize
    })
    .join()
    .expect("open thread");
    Ring(p as *mut pfring)
}

/// A raw AF_PACKET sender bound to an interface of a namespace.
pub struct RawTx {
    fd: OwnedFd,
    ifindex: i32,
}

impl RawTx {
    pub fn open(ns: &str, ifname: &str) -> RawTx {
        let ns = ns.to_string();
        let ifname = CString::new(ifname).unwrap();
        std::thread::spawn(move || {
            enter_netns(&ns).expect("setns");
            // SAFETY: plain socket call; protocol 0 = send only.
            let fd = unsafe { libc::socket(libc::AF_PACKET, libc::SOCK_RAW, 0) };
            assert!(fd >= 0, "socket: errno {}", errno());
            // SAFETY: fd was just created and is owned here.
            let fd = unsafe { OwnedFd::from_raw_fd(fd) };
            // SAFETY: ifname is a C string.
            let ifindex = unsafe { libc::if_nametoindex(ifname.as_ptr()) } as i32;
            assert!(ifindex > 0);
            RawTx { fd, ifindex }
        })
        .join()
        .unwrap()
    }

    pub fn send(&self, frame: &[u8]) {
        // SAFETY: zeroed sockaddr_ll is valid; filled below.
        let mut sll: libc::sockaddr_ll = unsafe { std::mem::zeroed() };
        sll.sll_family = libc::AF_PACKET as u16;
        sll.sll_ifindex = self.ifindex;
        sll.sll_halen = 6;
        // SAFETY: frame is a valid buffer; sll is a valid address of its size.
        let rc = unsafe {
            libc::sendto(
                self.fd.as_raw_fd(),
                frame.as_ptr() as *const _,
                frame.len(),
                0,
                &sll as *const _ as *const libc::sockaddr,
                std::mem::size_of::<libc::sockaddr_ll>() as u32,
            )
        };
        assert_eq!(rc, frame.len() as isize, "sendto: errno {}", errno());
    }
}

/// Runs pfsend in `ns` and asserts it sent exactly `n` frames.
///
/// pfsend is pinned to one CPU: veth hands a frame to the backlog of the
/// CPU that sent it, so a sender that migrates mid-burst can have two
/// CPUs' backlogs deliver its frames out of order (seen once in the VM).
pub fn pfsend(ns: &str, args: &[&str], n: u64) {
    use std::os::unix::process::CommandExt;
    let mut cmd = std::process::Command::new("ip");
    cmd.args(["netns", "exec", ns, PFSEND]).args(args);
    // SAFETY: the closure runs in the child between fork and exec and only
    // makes the async-signal-safe sched_setaffinity call on a local set.
    unsafe {
        cmd.pre_exec(|| {
            let mut set: libc::cpu_set_t = std::mem::zeroed();
            let mut mine: libc::cpu_set_t = std::mem::zeroed();
            // The first CPU this process may use (CPU 0 may be excluded).
            if libc::sched_getaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &mut mine) == 0 {
                if let Some(c) =
                    (0..libc::CPU_SETSIZE as usize).find(|&c| libc::CPU_ISSET(c, &mine))
                {
                    libc::CPU_SET(c, &mut set);
                    libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &set);
                }
            }
            Ok(())
        })
    };
    let out = cmd.output().expect("spawn ip netns exec pfsend");
    let s = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        out.status.success(),
        "pfsend failed: {s} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(tools_support::parse_kv(&s)["sent"], n.to_string(), "{s}");
}

/// Sequence number pfsend wrote into a frame.
pub fn seq_of(frame: &[u8]) -> u64 {
    u64::from_be_bytes(frame[42..50].try_into().unwrap())
}

pub const SIP: [u8; 4] = [198, 18, 0, 1];
pub const DIP: [u8; 4] = [198, 19, 0, 1];

/// Ethernet + IPv4 header (+ optional 802.1Q tag) for protocol `proto`.
pub fn ipv4_frame(vlan: Option<u16>, proto: u8, tos: u8, l4: &[u8]) -> Vec<u8> {
    let mut f = vec![2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1];
    if let Some(v) = vlan {
        f.extend_from_slice(&[0x81, 0x00]);
        f.extend_from_slice(&v.to_be_bytes());
    }
    f.extend_from_slice(&[0x08, 0x00]);
    let tot = (20 + l4.len()) as u16;
    f.extend_from_slice(&[0x45, tos]);
    f.extend_from_slice(&tot.to_be_bytes());
    f.extend_from_slice(&[0, 1, 0, 0, 64, proto, 0, 0]);
    f.extend_from_slice(&[198, 51, 100, 1, 198, 51, 100, 2]);
    f.extend_from_slice(l4);
    f
}

pub fn udp(sport: u16, dport: u16, payload: &[u8]) -> Vec<u8> {
    let mut v = Vec::new();
    v.extend_from_slice(&sport.to_be_bytes());
    v.extend_from_slice(&dport.to_be_bytes());
    v.extend_from_slice(&((8 + payload.len()) as u16).to_be_bytes());
    v.extend_from_slice(&[0, 0]);
    v.extend_from_slice(payload);
    v
}

pub fn tcp(sport: u16, dport: u16, flags: u8, payload: &[u8]) -> Vec<u8> {
    let mut v = Vec::new();
    v.extend_from_slice(&sport.to_be_bytes());
    v.extend_from_slice(&dport.to_be_bytes());
    v.extend_from_slice(&[0, 0, 0, 1, 0, 0, 0, 0, 0x50, flags, 0x10, 0, 0, 0, 0, 0]);
    v.extend_from_slice(payload);
    v
}

pub fn null_ring() -> *mut pfring {
    ptr::null_mut()
}
