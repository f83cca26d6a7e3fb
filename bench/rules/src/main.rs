//! rules-bench: user-space CPU per offered packet of a libpfring consumer
//! whose ring forwards 1 flow out of 64 (default policy drop), with the rules
//! evaluated only in user space versus with the in-kernel prefilter attached.
//!
//! Topology (bench/perf-notes): two private namespaces joined by a veth
//! pair, the generator pinned to CPU0 in one, the consumer pinned to CPU1 in
//! the other; 60-byte UDP frames 198.18.0.1:1024+i%64 -> 198.19.0.1:53 with
//! a destination MAC that is not the receiver's, IPv6 off, nothing routed.
//! The consumer reads with `pfring_recv`, applies the rules with
//! `pfring::rules::Consumer` and counts; its thread CPU time (user + sys,
//! getrusage(RUSAGE_THREAD)) divided by the frames offered is the figure.
//!
//! Usage: rules-bench [--packets N] [--reps R] [--min-ratio X]
//! Prints one line per run and a summary; exits 1 if the median ratio
//! (user-space only / prefilter) is below --min-ratio (default 5).

use std::ffi::CString;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use pfring::ffi::types::{pfring_pkthdr, RawHashFilteringRule};
use pfring::parse::Direction;
use pfring::rules::{Consumer, Decision, RuleTable, Sampler};

const FLOWS: u16 = 64;
const SNAPLEN: u32 = 128;
const SRC: u32 = 0xc612_0001; // 198.18.0.1
const DST: u32 = 0xc613_0001; // 198.19.0.1

struct Netns(String);

impl Netns {
    fn new(tag: &str) -> Netns {
        let name = format!("rulesbench-{tag}-{}", std::process::id());
        sh(&["ip", "netns", "add", &name]);
        // No IPv6 chatter on the new links (IPv6 may be absent: best effort).
        let _ = Command::new("ip")
            .args(["netns", "exec", &name, "sh", "-c"])
            .arg(
                "for f in all default; do \
                 echo 1 > /proc/sys/net/ipv6/conf/$f/disable_ipv6; done 2>/dev/null; true",
            )
            .status();
        Netns(name)
    }

    fn enter(&self) {
        let f = std::fs::File::open(format!("/var/run/netns/{}", self.0)).expect("netns");
        // SAFETY: setns on a valid namespace fd; affects the calling thread.
        let rc = unsafe { libc::setns(f.as_raw_fd(), libc::CLONE_NEWNET) };
        assert_eq!(rc, 0, "setns: {}", std::io::Error::last_os_error());
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        let _ = Command::new("ip").args(["netns", "del", &self.0]).status();
    }
}

fn sh(args: &[&str]) {
    let st = Command::new(args[0])
        .args(&args[1..])
        .status()
        .expect("spawn");
    assert!(st.success(), "{args:?} failed");
}

fn pin(cpu: usize) {
    // SAFETY: cpu_set_t is plain data; CPU_SET writes inside it.
    unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        libc::CPU_SET(cpu, &mut set);
        libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &set);
    }
}

fn thread_cpu() -> Duration {
    // SAFETY: rusage is plain data written by the kernel.
    let ru = unsafe {
        let mut ru: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_THREAD, &mut ru);
        ru
    };
    let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    tv(ru.ru_utime) + tv(ru.ru_stime)
}

fn frame(flow: u16) -> Vec<u8> {
    let mut f = vec![0u8; 60];
    f[..6].copy_from_slice(&[2, 0, 0, 0, 0, 0x99]);
    f[6..12].copy_from_slice(&[2, 0, 0, 0, 0, 1]);
    f[12..14].copy_from_slice(&[8, 0]);
    let ip = [
        0x45, 0, 0, 46, 0, 1, 0x40, 0, 64, 17, 0, 0, 198, 18, 0, 1, 198, 19, 0, 1,
    ];
    f[14..34].copy_from_slice(&ip);
    f[34..36].copy_from_slice(&(1024 + flow).to_be_bytes());
    f[36..38].copy_from_slice(&53u16.to_be_bytes());
    f[38..40].copy_from_slice(&26u16.to_be_bytes());
    f
}

/// Sends `n` frames round-robin over the 64 flows, in batches of 64.
fn generate(dev: &str, n: u64) -> u64 {
    // SAFETY: socket(2); protocol 0 registers no receive tap.
    let fd = unsafe { libc::socket(libc::AF_PACKET, libc::SOCK_RAW, 0) };
    assert!(fd >= 0);
    // SAFETY: fresh descriptor, owned from here.
    let fd = unsafe { OwnedFd::from_raw_fd(fd) };
    let name = CString::new(dev).unwrap();
    // SAFETY: valid C string.
    let ifindex = unsafe { libc::if_nametoindex(name.as_ptr()) };
    // SAFETY: plain data, all-zero is valid.
    let mut sll: libc::sockaddr_ll = unsafe { std::mem::zeroed() };
    sll.sll_family = libc::AF_PACKET as u16;
    sll.sll_ifindex = ifindex as i32;
    // SAFETY: sll is a valid sockaddr_ll of the given size.
    let rc = unsafe {
        libc::bind(
            fd.as_raw_fd(),
            (&sll as *const libc::sockaddr_ll).cast(),
            std::mem::size_of::<libc::sockaddr_ll>() as u32,
        )
    };
    assert_eq!(rc, 0);
    let one: libc::c_int = 1;
    // SAFETY: an int option.
    unsafe {
        libc::setsockopt(
            fd.as_raw_fd(),
            libc::SOL_PACKET,
            libc::PACKET_QDISC_BYPASS,
            (&one as *const libc::c_int).cast(),
            4,
        )
    };
    let frames: Vec<Vec<u8>> = (0..FLOWS).map(frame).collect();
    let mut iov: Vec<libc::iovec> = frames
        .iter()
        .map(|f| libc::iovec {
            iov_base: f.as_ptr() as *mut _,
            iov_len: f.len(),
        })
        .collect();
    // SAFETY: plain data, all-zero is valid.
    let mut msgs: Vec<libc::mmsghdr> = (0..FLOWS).map(|_| unsafe { std::mem::zeroed() }).collect();
    for (m, v) in msgs.iter_mut().zip(iov.iter_mut()) {
        m.msg_hdr.msg_iov = v;
        m.msg_hdr.msg_iovlen = 1;
    }
    let mut sent = 0u64;
    while sent < n {
        let batch = (n - sent).min(u64::from(FLOWS)) as u32;
        // SAFETY: msgs holds `batch` valid headers pointing at live frames.
        let k = unsafe { libc::sendmmsg(fd.as_raw_fd(), msgs.as_mut_ptr(), batch, 0) };
        if k > 0 {
            sent += k as u64;
        }
    }
    sent
}

struct Run {
    offered: u64,
    delivered: u64,
    cpu: Duration,
}

fn run(prefilter: bool, packets: u64) -> Run {
    let gen = Netns::new("gen");
    let cap = Netns::new("cap");
    sh(&[
        "ip", "link", "add", "veth-gen", "netns", &gen.0, "type", "veth", "peer", "name",
        "veth-cap", "netns", &cap.0,
    ]);
    sh(&["ip", "-n", &gen.0, "link", "set", "veth-gen", "up"]);
    sh(&["ip", "-n", &cap.0, "link", "set", "veth-cap", "up"]);

    let table = Arc::new(RuleTable::new());
    table.set_default_accept(false);
    table
        .add_hash(&RawHashFilteringRule {
            vlan_id: 0,
            proto: 17,
            host_peer_a: SRC,
            host_peer_b: DST,
            port_peer_a: 1024,
            port_peer_b: 53,
            rule_action: 0,
            plugin_action: Default::default(),
        })
        .unwrap();
    let ready = Arc::new(AtomicBool::new(false));
    let stop = Arc::new(AtomicBool::new(false));
    let delivered = Arc::new(AtomicU64::new(0));
    let consumer = {
        let (table, ready, stop, delivered) = (
            table.clone(),
            ready.clone(),
            stop.clone(),
            delivered.clone(),
        );
        let ns = cap.0.clone();
        std::thread::spawn(move || {
            Netns(ns.clone()).enter_and_forget();
            pin(1);
            let dev = CString::new("veth-cap").unwrap();
            // SAFETY: dev is a C string; the handle is closed below.
            let ring = unsafe { pfring::ffi::pfring_open(dev.as_ptr() as *mut _, 0, 0) };
            assert!(
                !ring.is_null(),
                "pfring_open: {}",
                std::io::Error::last_os_error()
            );
            // SAFETY: ring is a valid handle.
            assert_eq!(unsafe { pfring::ffi::pfring_enable_ring(ring) }, 0);
            if prefilter {
                let prog = table.prefilter(SNAPLEN);
                let fprog = libc::sock_fprog {
                    len: prog.len() as u16,
                    filter: prog.as_ptr() as *mut libc::sock_filter,
                };
                // SAFETY: valid handle; fprog points at live instructions
                // laid out as struct sock_filter.
                let rc = unsafe {
                    libc::setsockopt(
                        (*ring).fd,
                        libc::SOL_SOCKET,
                        libc::SO_ATTACH_FILTER,
                        (&fprog as *const libc::sock_fprog).cast(),
                        std::mem::size_of::<libc::sock_fprog>() as u32,
                    )
                };
                assert_eq!(
                    rc,
                    0,
                    "SO_ATTACH_FILTER: {}",
                    std::io::Error::last_os_error()
                );
            }
            let sampler = Sampler::new();
            let mut c = Consumer::new(&table);
            let mut buf = vec![0u8; SNAPLEN as usize];
            // SAFETY: plain data, all-zero is valid.
            let mut hdr: pfring_pkthdr = unsafe { std::mem::zeroed() };
            ready.store(true, Ordering::Release);
            let cpu0 = thread_cpu();
            let mut n = 0u64;
            loop {
                // SAFETY: valid handle, buffer and header.
                let rc = unsafe {
                    pfring::ffi::pfring_recv(ring, buf.as_mut_ptr().cast(), SNAPLEN, &mut hdr, 0)
                };
                if rc > 0 {
                    let f = &buf[..hdr.caplen as usize];
                    let d = c.decide(&table, &sampler, f, &hdr.parsed_pkt, Direction::Rx, hdr.len);
                    n += u64::from(d == Decision::Forward);
                    continue;
                }
                if stop.load(Ordering::Acquire) {
                    break;
                }
                let mut p = libc::pollfd {
                    // SAFETY: valid handle.
                    fd: unsafe { (*ring).fd },
                    events: libc::POLLIN,
                    revents: 0,
                };
                // SAFETY: one valid pollfd.
                unsafe { libc::poll(&mut p, 1, 50) };
            }
            let cpu = thread_cpu() - cpu0;
            delivered.store(n, Ordering::Release);
            // SAFETY: valid handle, closed once.
            unsafe { pfring::ffi::pfring_close(ring) };
            cpu
        })
    };
    while !ready.load(Ordering::Acquire) {
        std::thread::sleep(Duration::from_millis(5));
    }
    let offered = {
        let ns = gen.0.clone();
        std::thread::spawn(move || {
            Netns(ns).enter_and_forget();
            pin(0);
            generate("veth-gen", packets)
        })
        .join()
        .unwrap()
    };
    std::thread::sleep(Duration::from_millis(500));
    stop.store(true, Ordering::Release);
    let cpu = consumer.join().unwrap();
    Run {
        offered,
        delivered: delivered.load(Ordering::Acquire),
        cpu,
    }
}

impl Netns {
    /// Enters the namespace without owning (deleting) it.
    fn enter_and_forget(self) {
        self.enter();
        std::mem::forget(self);
    }
}

fn main() {
    let mut packets = 2_000_000u64;
    let mut reps = 3u32;
    let mut min_ratio = 5.0f64;
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let v = it.next().unwrap_or_else(|| panic!("{a} needs a value"));
        match a.as_str() {
            "--packets" => packets = v.parse().expect("--packets N"),
            "--reps" => reps = v.parse().expect("--reps R"),
            "--min-ratio" => min_ratio = v.parse().expect("--min-ratio X"),
            _ => panic!("usage: rules-bench [--packets N] [--reps R] [--min-ratio X]"),
        }
    }
    let started = Instant::now();
    let mut ratios = Vec::new();
    println!("| rep | mode | offered | forwarded | consumer CPU ms | ns/offered pkt |");
    println!("|---|---|---|---|---|---|");
    for rep in 1..=reps {
        let mut per = [0f64; 2];
        for (i, prefilter) in [false, true].into_iter().enumerate() {
            let r = run(prefilter, packets);
            let ns = r.cpu.as_nanos() as f64 / r.offered as f64;
            per[i] = ns;
            println!(
                "| {rep} | {} | {} | {} | {:.1} | {:.1} |",
                if prefilter {
                    "prefilter"
                } else {
                    "user-space only"
                },
                r.offered,
                r.delivered,
                r.cpu.as_secs_f64() * 1e3,
                ns
            );
        }
        ratios.push(per[0] / per[1].max(f64::MIN_POSITIVE));
    }
    ratios.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let median = ratios[ratios.len() / 2];
    println!(
        "\nmedian ratio (user-space only / prefilter): {median:.1}x over {reps} reps, {:.1} s",
        started.elapsed().as_secs_f64()
    );
    if median < min_ratio {
        eprintln!("rules-bench: ratio {median:.1} below {min_ratio}");
        std::process::exit(1);
    }
}
