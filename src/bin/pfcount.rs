//! pfcount: counts the packets of one device through libpfring, like the
//! 2008 tool of the same name, calling the library's C ABI exactly as a C
//! program would (`pfring_open`, `pfring_recv`, `pfring_stats`, ...).
//!
//! Output:
//! - stdout: `Using PF_RING v.3.7.5`, then `Capturing from DEV` once the ring
//!   is enabled (a harness may start traffic after that line), and with
//!   `-v` one line per packet from the parsed header.
//! - stderr, every second: `Actual Stats: N pkts [T ms][X pkt/sec][Y bytes/sec][D pkts dropped]`
//!   (the counts of the last interval).
//! - stderr, on exit (SIGINT, SIGTERM or `-n` packets read), the absolute
//!   totals in the original's wording:
//!   ```text
//!   =========================
//!   Absolute Stats: [N pkts rcvd][M pkts dropped]
//!   Total Pkts=N+M/Dropped=P %
//!   N pkts [X pkt/sec] - B bytes [Y Mbit/sec]
//!   =========================
//!   ```
//!
//! As in the original, SIGINT/SIGTERM read the final ring statistics and
//! close the ring from the signal handler while the main loop may sit in
//! `pfring_recv` (the guide allows both calls there); the main loop then
//! sees the closed ring, prints the totals and exits.

use std::ffi::{c_char, c_int, CString};
use std::io::{self, Write};
use std::net::Ipv4Addr;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicPtr, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use ::pfring::ffi::{self, pfring_pkthdr, pfring_stat};

/// The guide's opaque handle type.
type Ring = ::pfring::ffi::pfring;

const USAGE: &str = "\
usage: pfcount [-i DEV] [options]
  -i DEV     device to capture from (default eth0)
  -c ID      join cluster ID (pfring_set_cluster)
  -s RATE    sampling rate: keep 1 packet in RATE (pfring_set_sampling_rate)
  -n COUNT   stop after COUNT packets
  -v         print one line per packet (no per-second stats)
  -w         wait mode: block in pfring_recv until a packet arrives (default)
  -a         active mode: poll pfring_recv without blocking
  -h         this help
";

/// Bytes handed to `pfring_recv` per packet, like the original.
const BUFFER_LEN: usize = 2048;

#[derive(Debug, Clone, PartialEq)]
struct Opts {
    dev: String,
    cluster: Option<u32>,
    sampling: Option<u32>,
    count: Option<u64>,
    verbose: bool,
    wait: bool,
}

fn parse_args<I: IntoIterator<Item = String>>(args: I) -> Result<Opts, String> {
    let mut o = Opts {
        dev: "eth0".into(),
        cluster: None,
        sampling: None,
        count: None,
        verbose: false,
        wait: true,
    };
    let mut it = args.into_iter();
    while let Some(a) = it.next() {
        let opt = a.as_str();
        match opt {
            "-v" => o.verbose = true,
            "-w" => o.wait = true,
            "-a" => o.wait = false,
            "-h" | "--help" => return Err(String::new()),
            "-i" | "-c" | "-s" | "-n" => {
                let v = it
                    .next()
                    .ok_or_else(|| format!("option {opt} needs a value"))?;
                let num = || -> Result<u64, String> {
                    v.parse()
                        .map_err(|_| format!("option {opt}: bad number '{v}'"))
                };
                match opt {
                    "-i" => o.dev = v.clone(),
                    "-c" => {
                        o.cluster =
                            Some(u32::try_from(num()?).map_err(|_| format!("-c {v}: too large"))?)
                    }
                    "-s" => {
                        o.sampling =
                            Some(u32::try_from(num()?).map_err(|_| format!("-s {v}: too large"))?)
                    }
                    _ => o.count = Some(num()?),
                }
            }
            _ => return Err(format!("unknown option '{opt}'")),
        }
    }
    if o.sampling == Some(0) {
        return Err("-s 0: the sampling rate is at least 1".into());
    }
    if o.count == Some(0) {
        return Err("-n 0: count at least one packet".into());
    }
    Ok(o)
}

/// The open ring, for the signal handler.
static RING: AtomicPtr<Ring> = AtomicPtr::new(std::ptr::null_mut());
/// Set once by whoever ends the capture (signal handler or main loop).
static STOP: AtomicBool = AtomicBool::new(false);
/// Ring statistics the signal handler read just before closing the ring.
static FINAL_OK: AtomicBool = AtomicBool::new(false);
static FINAL_RECV: AtomicU64 = AtomicU64::new(0);
static FINAL_DROP: AtomicU64 = AtomicU64::new(0);
/// Packets and bytes read by the main loop (single writer).
static PKTS: AtomicU64 = AtomicU64::new(0);
static BYTES: AtomicU64 = AtomicU64::new(0);

/// SIGINT/SIGTERM: like the 2008 pfcount, read the stats and close the ring
/// right here. Only async-signal-safe work: atomics and the two library
/// calls the guide documents as usable from a handler.
extern "C" fn on_stop(_sig: c_int) {
    if STOP.swap(true, Ordering::SeqCst) {
        return;
    }
    let errno = sys::errno();
    let ring = RING.load(Ordering::SeqCst);
    if !ring.is_null() {
        let mut st = pfring_stat { recv: 0, drop: 0 };
        // SAFETY: `ring` came from pfring_open and only this path (guarded
        // by STOP) closes it; pfring_stats is async-signal-safe.
        if unsafe { ffi::pfring_stats(ring, &mut st) } == 0 {
            FINAL_RECV.store(st.recv, Ordering::SeqCst);
            FINAL_DROP.store(st.drop, Ordering::SeqCst);
            FINAL_OK.store(true, Ordering::SeqCst);
        }
        // SAFETY: as above; pfring_close may run while the main loop is
        // inside pfring_recv, which then fails with EBADF.
        unsafe { ffi::pfring_close(ring) };
    }
    sys::set_errno(errno);
}

fn ring_stats(ring: *mut Ring) -> Option<(u64, u64)> {
    let mut st = pfring_stat { recv: 0, drop: 0 };
    // SAFETY: `ring` is a handle from pfring_open; the library refuses it
    // with EBADF once closed (its memory stays valid until the next open).
    (unsafe { ffi::pfring_stats(ring, &mut st) } == 0).then_some((st.recv, st.drop))
}

/// `HH:MM:SS.uuuuuu` (UTC) of a packet time stamp.
fn clock(sec: libc::c_long, usec: libc::c_long) -> String {
    let s = sec.rem_euclid(86_400);
    format!(
        "{:02}:{:02}:{:02}.{:06}",
        s / 3600,
        (s % 3600) / 60,
        s % 60,
        usec
    )
}

fn mac(b: &[u8]) -> String {
    b.iter()
        .map(|x| format!("{x:02X}"))
        .collect::<Vec<_>>()
        .join(":")
}

/// The per-packet line of `-v`, built from the parsed header.
fn packet_line(h: &pfring_pkthdr, data: &[u8]) -> String {
    let p = &h.parsed_pkt;
    let macs = if data.len() >= 12 {
        format!("[{} -> {}]", mac(&data[6..12]), mac(&data[0..6]))
    } else {
        "[? -> ?]".to_string()
    };
    format!(
        "{} {macs}[eth_type=0x{:04X}][vlan={}][l3_proto={}][{}:{} -> {}:{}][tos={}][tcp_flags={}]\
         [offsets eth={} vlan={} l3={} l4={} payload={}][caplen={}][len={}]",
        clock(h.ts.tv_sec, h.ts.tv_usec),
        p.eth_type,
        p.vlan_id,
        p.l3_proto,
        Ipv4Addr::from(p.ipv4_src),
        p.l4_src_port,
        Ipv4Addr::from(p.ipv4_dst),
        p.l4_dst_port,
        p.ipv4_tos,
        p.tcp_flags,
        // Offsets from skb->data: signed (RX Ethernet is at -14).
        p.eth_offset as i16,
        p.vlan_offset as i16,
        p.l3_offset as i16,
        p.l4_offset as i16,
        p.payload_offset as i16,
        h.caplen,
        h.len
    )
}

/// The exit block, with the original's wording.
fn absolute_stats(recv: u64, drop: u64, pkts: u64, bytes: u64, secs: f64) -> String {
    let total = recv + drop;
    let pct = if total == 0 {
        0.0
    } else {
        drop as f64 * 100.0 / total as f64
    };
    let secs = secs.max(1e-9);
    format!(
        "=========================\n\
         Absolute Stats: [{recv} pkts rcvd][{drop} pkts dropped]\n\
         Total Pkts={total}/Dropped={pct:.1} %\n\
         {pkts} pkts [{:.1} pkt/sec] - {bytes} bytes [{:.2} Mbit/sec]\n\
         =========================\n",
        pkts as f64 / secs,
        bytes as f64 * 8.0 / secs / 1e6
    )
}

/// Prints one `Actual Stats` line per second until the capture stops.
fn stats_thread(ring: *mut Ring) {
    let ring = ring as usize;
    std::thread::spawn(move || {
        let ring = ring as *mut Ring;
        let mut last = Instant::now();
        let (mut last_pkts, mut last_bytes) = (0u64, 0u64);
        let mut last_drop = ring_stats(ring).map(|s| s.1).unwrap_or(0);
        loop {
            // One wake-up per second (nothing else: this thread's CPU
            // time is part of what the benchmark charges to pfcount).
            std::thread::sleep(
                (last + Duration::from_secs(1)).saturating_duration_since(Instant::now()),
            );
            if STOP.load(Ordering::SeqCst) {
                return;
            }
            let now = Instant::now();
            let ms = (now - last).as_secs_f64() * 1000.0;
            let pkts = PKTS.load(Ordering::Relaxed);
            let bytes = BYTES.load(Ordering::Relaxed);
            // pfring_stats is safe next to a running pfring_recv (it is
            // async-signal-safe); after a close it just fails.
            let Some((_, drop)) = ring_stats(ring) else {
                return;
            };
            let (dp, db) = (pkts - last_pkts, bytes - last_bytes);
            eprintln!(
                "Actual Stats: {dp} pkts [{ms:.1} ms][{:.1} pkt/sec][{:.1} bytes/sec][{} pkts dropped]",
                dp as f64 * 1000.0 / ms,
                db as f64 * 1000.0 / ms,
                drop - last_drop
            );
            (last, last_pkts, last_bytes, last_drop) = (now, pkts, bytes, drop);
        }
    });
}

fn run(o: &Opts) -> Result<(), String> {
    sys::install(on_stop).map_err(|e| format!("pfcount: sigaction: {e}"))?;
    let dev = CString::new(o.dev.as_str()).map_err(|_| "pfcount: bad device name".to_string())?;
    // SAFETY: `dev` is a C string that outlives the call; promiscuous on,
    // not reentrant (one thread reads packets), like the original.
    let ring = unsafe { ffi::pfring_open(dev.as_ptr() as *mut c_char, 1, 0) };
    if ring.is_null() {
        return Err(format!(
            "pfcount: pfring_open({}) failed: {}",
            o.dev,
            io::Error::last_os_error()
        ));
    }
    RING.store(ring, Ordering::SeqCst);
    let mut version = 0u32;
    // SAFETY: valid handle and a writable u32.
    unsafe { ffi::pfring_version(ring, &mut version) };
    println!(
        "Using PF_RING v.{}.{}.{}",
        version >> 16,
        (version >> 8) & 0xff,
        version & 0xff
    );
    if let Some(id) = o.cluster {
        // SAFETY: valid handle.
        let rc = unsafe { ffi::pfring_set_cluster(ring, id) };
        println!("pfring_set_cluster returned {rc}");
        if rc < 0 {
            return Err(format!(
                "pfcount: pfring_set_cluster({id}): {}",
                io::Error::last_os_error()
            ));
        }
    }
    if let Some(rate) = o.sampling {
        // SAFETY: valid handle.
        let rc = unsafe { ffi::pfring_set_sampling_rate(ring, rate) };
        println!("pfring_set_sampling_rate returned {rc}");
        if rc < 0 {
            return Err(format!(
                "pfcount: pfring_set_sampling_rate({rate}): {}",
                io::Error::last_os_error()
            ));
        }
    }
    // SAFETY: valid handle.
    if unsafe { ffi::pfring_enable_ring(ring) } < 0 {
        return Err(format!(
            "pfcount: pfring_enable_ring: {}",
            io::Error::last_os_error()
        ));
    }
    println!("Capturing from {}", o.dev);
    if !o.verbose {
        stats_thread(ring);
    }

    let mut buf = [0u8; BUFFER_LEN];
    let mut hdr = pfring_pkthdr::default();
    let (mut pkts, mut bytes) = (0u64, 0u64);
    let mut start: Option<Instant> = None;
    let limit = o.count.unwrap_or(u64::MAX);
    let mut out = io::stdout().lock();
    let mut failure = None;
    while pkts < limit && !STOP.load(Ordering::Relaxed) {
        // SAFETY: valid handle (or closed by the handler, which the library
        // reports as an error); `buf` and `hdr` are writable and sized.
        let rc = unsafe {
            ffi::pfring_recv(
                ring,
                buf.as_mut_ptr() as *mut c_char,
                BUFFER_LEN as u32,
                &mut hdr,
                u8::from(o.wait),
            )
        };
        if rc > 0 {
            if start.is_none() {
                start = Some(Instant::now());
            }
            pkts += 1;
            bytes += u64::from(hdr.len);
            PKTS.store(pkts, Ordering::Relaxed);
            BYTES.store(bytes, Ordering::Relaxed);
            if o.verbose {
                let n = (hdr.caplen as usize).min(BUFFER_LEN);
                let _ = writeln!(out, "{}", packet_line(&hdr, &buf[..n]));
            }
        } else if rc < 0 {
            let err = io::Error::last_os_error();
            if err.raw_os_error() == Some(libc::EINTR) {
                continue;
            }
            if !STOP.load(Ordering::SeqCst) {
                failure = Some(format!("pfcount: pfring_recv: {err}"));
            }
            break;
        } else if !o.wait {
            std::hint::spin_loop();
        }
    }
    let _ = out.flush();
    drop(out);

    // Whoever sets STOP first owns the final stats and the close.
    let (recv, drop) = if !STOP.swap(true, Ordering::SeqCst) {
        let st = ring_stats(ring);
        // SAFETY: valid handle, closed exactly once (the handler will not).
        unsafe { ffi::pfring_close(ring) };
        st.unwrap_or((pkts, 0))
    } else if FINAL_OK.load(Ordering::SeqCst) {
        (
            FINAL_RECV.load(Ordering::SeqCst),
            FINAL_DROP.load(Ordering::SeqCst),
        )
    } else {
        (pkts, 0)
    };
    let secs = start.map(|s| s.elapsed().as_secs_f64()).unwrap_or(0.0);
    eprint!("{}", absolute_stats(recv, drop, pkts, bytes, secs));
    match failure {
        Some(f) => Err(f),
        None => Ok(()),
    }
}

fn main() -> ExitCode {
    let opts = match parse_args(std::env::args().skip(1)) {
        Ok(o) => o,
        Err(e) if e.is_empty() => {
            print!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("pfcount: {e}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match run(&opts) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}

/// Signal plumbing: the only unsafe code besides the library calls.
mod sys {
    use std::io;
    use std::mem;

    pub fn errno() -> libc::c_int {
        // SAFETY: __errno_location returns this thread's errno slot.
        unsafe { *libc::__errno_location() }
    }

    pub fn set_errno(v: libc::c_int) {
        // SAFETY: as in `errno`.
        unsafe { *libc::__errno_location() = v };
    }

    /// Installs `handler` for SIGINT and SIGTERM (no SA_RESTART, so a
    /// blocked poll inside the library is interrupted).
    pub fn install(handler: extern "C" fn(libc::c_int)) -> io::Result<()> {
        for sig in [libc::SIGINT, libc::SIGTERM] {
            // SAFETY: sigaction is plain data; zero = empty mask, no flags.
            let mut sa: libc::sigaction = unsafe { mem::zeroed() };
            sa.sa_sigaction = handler as usize;
            // SAFETY: `sa` is a valid sigaction; NULL old action is allowed.
            if unsafe { libc::sigaction(sig, &sa, std::ptr::null_mut()) } != 0 {
                return Err(io::Error::last_os_error());
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> Vec<String> {
        s.split_whitespace().map(String::from).collect()
    }

    #[test]
    fn options() {
        let o = parse_args(args("")).unwrap();
        assert_eq!(
            o,
            Opts {
                dev: "eth0".into(),
                cluster: None,
                sampling: None,
                count: None,
                verbose: false,
                wait: true
            }
        );
        let o = parse_args(args("-i veth-b -c 7 -s 10 -n 5 -v -a")).unwrap();
        assert_eq!(o.dev, "veth-b");
        assert_eq!(o.cluster, Some(7));
        assert_eq!(o.sampling, Some(10));
        assert_eq!(o.count, Some(5));
        assert!(o.verbose);
        assert!(!o.wait);
        assert!(parse_args(args("-a -w")).unwrap().wait);
        assert_eq!(parse_args(args("-x")).unwrap_err(), "unknown option '-x'");
        assert_eq!(
            parse_args(args("-n")).unwrap_err(),
            "option -n needs a value"
        );
        assert_eq!(
            parse_args(args("-n x")).unwrap_err(),
            "option -n: bad number 'x'"
        );
        assert_eq!(
            parse_args(args("-s 0")).unwrap_err(),
            "-s 0: the sampling rate is at least 1"
        );
        assert_eq!(
            parse_args(args("-n 0")).unwrap_err(),
            "-n 0: count at least one packet"
        );
    }

    #[test]
    fn absolute_stats_wording() {
        assert_eq!(
            absolute_stats(300, 100, 300, 18000, 2.0),
            "=========================\n\
             Absolute Stats: [300 pkts rcvd][100 pkts dropped]\n\
             Total Pkts=400/Dropped=25.0 %\n\
             300 pkts [150.0 pkt/sec] - 18000 bytes [0.07 Mbit/sec]\n\
             =========================\n"
        );
        assert!(absolute_stats(0, 0, 0, 0, 0.0).contains("Total Pkts=0/Dropped=0.0 %"));
    }

    #[test]
    fn verbose_line() {
        let mut h = pfring_pkthdr::default();
        h.ts.tv_sec = 1_700_000_000 + 3661;
        h.ts.tv_usec = 42;
        h.caplen = 60;
        h.len = 60;
        h.parsed_pkt.eth_type = 0x0800;
        h.parsed_pkt.l3_proto = 17;
        h.parsed_pkt.ipv4_src = u32::from(Ipv4Addr::new(198, 18, 0, 1));
        h.parsed_pkt.ipv4_dst = u32::from(Ipv4Addr::new(198, 19, 0, 1));
        h.parsed_pkt.l4_src_port = 1024;
        h.parsed_pkt.l4_dst_port = 53;
        h.parsed_pkt.eth_offset = (-14i16) as u16;
        h.parsed_pkt.l4_offset = 20;
        h.parsed_pkt.payload_offset = 28;
        let frame = [2, 0, 0, 0, 0, 0x99, 2, 0, 0, 0, 0, 0xab];
        assert_eq!(
            packet_line(&h, &frame),
            "23:14:21.000042 [02:00:00:00:00:AB -> 02:00:00:00:00:99][eth_type=0x0800][vlan=0][l3_proto=17]\
             [198.18.0.1:1024 -> 198.19.0.1:53][tos=0][tcp_flags=0]\
             [offsets eth=-14 vlan=0 l3=0 l4=20 payload=28][caplen=60][len=60]"
        );
    }
}
