//! pfsend: paced packet generator and pcap/pcapng replayer for tests and
//! benchmarks.
//!
//! It writes frames to one interface through an `AF_PACKET` TX socket opened
//! with protocol 0 (so the socket never taps received or transmitted
//! traffic), in `sendmmsg` batches, optionally with `PACKET_QDISC_BYPASS`.
//!
//! Generated frames (the default) are Ethernet/IPv4/UDP, `-l` bytes long
//! without FCS (minimum 60):
//!
//! | offset | field                                                         |
//! |--------|---------------------------------------------------------------|
//! | 0      | dst MAC (`-d`, default 02:00:00:00:00:99), src MAC (`-s`, default the device's) |
//! | 12     | ethertype 0x0800                                              |
//! | 14     | IPv4: IHL 5, ToS 0, id 0, DF, TTL 64, proto 17, valid checksum, `-S` -> `-D` |
//! | 34     | UDP: sport 1024 + seq % flows, dport 53 when seq % 64 == 0 else 9, checksum 0 |
//! | 42     | the 64-bit sequence number, big-endian (0, 1, 2, ...)         |
//! | 50..   | filler: byte at offset k is k & 0xff                          |
//!
//! With `-P FILE` it replays a pcap or pcapng file (Ethernet link type
//! only) instead, at the capture's original pace or at `-r` packets per
//! second.
//!
//! It always stops after `-n` packets or `-t` seconds, whichever comes first,
//! and prints one `key=value` summary line on stdout.

use std::fs::File;
use std::io::{BufReader, Read};
use std::net::Ipv4Addr;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use pcap_file::pcapng::blocks::interface_description::InterfaceDescriptionOption;
use pcap_file::pcapng::Block;

const MIN_LEN: usize = 60;
const MAX_LEN: usize = 9216;
const MAX_SECS: u64 = 600;
const MAX_BATCH: usize = 1024;
const SEQ_OFFSET: usize = 42;
/// Packets due within this window of "now" go into the current batch, so
/// that paced sending still batches at high rates.
const BATCH_SLACK: Duration = Duration::from_micros(100);

const USAGE: &str = "\
usage: pfsend -i DEV [options]
  -i DEV     interface to send on (required)
  -n COUNT   packets to send (default 1000; with -P: the whole file)
  -r PPS     packets per second, 0 = as fast as possible (default 0;
             with -P: the file's original pace unless -r is given)
  -l LEN     frame length without FCS, 60..9216 (default 60)
  -f FLOWS   number of flows (UDP source ports 1024 + seq % FLOWS, default 1024)
  -d MAC     destination MAC (default 02:00:00:00:00:99)
  -s MAC     source MAC (default: the interface's own)
  -S IP      source IPv4 address (default 198.18.0.1)
  -D IP      destination IPv4 address (default 198.19.0.1)
  -b BATCH   frames per sendmmsg, 1..1024 (default 64)
  -q         set PACKET_QDISC_BYPASS
  -t SECS    stop after SECS seconds at most, 1..600 (default 60)
  -P FILE    replay a pcap or pcapng file (Ethernet) instead of generating
  -h         this help
Prints: sent=N errors=N retries=N bytes=N elapsed=S pps=X mbps=X user=S sys=S stopped=count|time|signal
";

#[derive(Debug, Clone, PartialEq)]
struct Opts {
    dev: String,
    count: Option<u64>,
    pps: Option<u64>,
    len: usize,
    flows: u32,
    dst_mac: [u8; 6],
    src_mac: Option<[u8; 6]>,
    src_ip: Ipv4Addr,
    dst_ip: Ipv4Addr,
    batch: usize,
    qdisc_bypass: bool,
    max_secs: u64,
    replay: Option<String>,
}

fn parse_mac(s: &str) -> Result<[u8; 6], String> {
    let parts: Vec<&str> = s.split(':').collect();
    if parts.len() != 6 {
        return Err(format!("bad MAC address '{s}' (want aa:bb:cc:dd:ee:ff)"));
    }
    let mut mac = [0u8; 6];
    for (i, p) in parts.iter().enumerate() {
        if p.is_empty() || p.len() > 2 {
            return Err(format!("bad MAC address '{s}'"));
        }
        mac[i] = u8::from_str_radix(p, 16).map_err(|_| format!("bad MAC address '{s}'"))?;
    }
    Ok(mac)
}

fn parse_num<T: std::str::FromStr>(opt: &str, v: &str) -> Result<T, String> {
    v.parse()
        .map_err(|_| format!("option {opt}: bad number '{v}'"))
}

fn parse_args<I: IntoIterator<Item = String>>(args: I) -> Result<Opts, String> {
    let mut o = Opts {
        dev: String::new(),
        count: None,
        pps: None,
        len: MIN_LEN,
        flows: 1024,
        dst_mac: [0x02, 0, 0, 0, 0, 0x99],
        src_mac: None,
        src_ip: Ipv4Addr::new(198, 18, 0, 1),
        dst_ip: Ipv4Addr::new(198, 19, 0, 1),
        batch: 64,
        qdisc_bypass: false,
        max_secs: 60,
        replay: None,
    };
    let mut it = args.into_iter();
    while let Some(a) = it.next() {
        let opt = a.as_str();
        match opt {
            "-q" => {
                o.qdisc_bypass = true;
                continue;
            }
            "-h" | "--help" => return Err(String::new()),
            _ => {}
        }
        let takes_value = matches!(
            opt,
            "-i" | "-n" | "-r" | "-l" | "-f" | "-d" | "-s" | "-S" | "-D" | "-b" | "-t" | "-P"
        );
        if !takes_value {
            return Err(format!("unknown option '{opt}'"));
        }
        let v = it
            .next()
            .ok_or_else(|| format!("option {opt} needs a value"))?;
        match opt {
            "-i" => o.dev = v,
            "-n" => o.count = Some(parse_num(opt, &v)?),
            "-r" => o.pps = Some(parse_num(opt, &v)?),
            "-l" => o.len = parse_num(opt, &v)?,
            "-f" => o.flows = parse_num(opt, &v)?,
            "-d" => o.dst_mac = parse_mac(&v)?,
            "-s" => o.src_mac = Some(parse_mac(&v)?),
            "-S" => o.src_ip = v.parse().map_err(|_| format!("bad IPv4 address '{v}'"))?,
            "-D" => o.dst_ip = v.parse().map_err(|_| format!("bad IPv4 address '{v}'"))?,
            "-b" => o.batch = parse_num(opt, &v)?,
            "-t" => o.max_secs = parse_num(opt, &v)?,
            "-P" => o.replay = Some(v),
            _ => unreachable!("option list above"),
        }
    }
    if o.dev.is_empty() {
        return Err("missing -i DEV".into());
    }
    if !(MIN_LEN..=MAX_LEN).contains(&o.len) {
        return Err(format!("-l {}: length must be {MIN_LEN}..{MAX_LEN}", o.len));
    }
    if o.flows == 0 {
        return Err("-f 0: need at least one flow".into());
    }
    if !(1..=MAX_BATCH).contains(&o.batch) {
        return Err(format!("-b {}: batch must be 1..{MAX_BATCH}", o.batch));
    }
    if !(1..=MAX_SECS).contains(&o.max_secs) {
        return Err(format!("-t {}: must be 1..{MAX_SECS} seconds", o.max_secs));
    }
    Ok(o)
}

/// Internet checksum of an IPv4 header (checksum field included as stored).
fn ipv4_checksum(hdr: &[u8]) -> u16 {
    let mut sum: u32 = hdr
        .chunks(2)
        .map(|c| u32::from(u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)])))
        .sum();
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

/// Builds the constant part of a generated frame (everything but the
/// per-packet source port, destination port and sequence number).
fn build_template(len: usize, dst: [u8; 6], src: [u8; 6], sip: Ipv4Addr, dip: Ipv4Addr) -> Vec<u8> {
    let mut f: Vec<u8> = (0..len).map(|k| k as u8).collect();
    f[0..6].copy_from_slice(&dst);
    f[6..12].copy_from_slice(&src);
    f[12..14].copy_from_slice(&0x0800u16.to_be_bytes());
    let ip_len = (len - 14) as u16;
    let ip = &mut f[14..34];
    ip.copy_from_slice(&[
        0x45, 0, 0, 0, 0, 0, 0x40, 0, 64, 17, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    ]);
    ip[2..4].copy_from_slice(&ip_len.to_be_bytes());
    ip[12..16].copy_from_slice(&sip.octets());
    ip[16..20].copy_from_slice(&dip.octets());
    let csum = ipv4_checksum(ip);
    ip[10..12].copy_from_slice(&csum.to_be_bytes());
    let udp_len = (len - 34) as u16;
    f[38..40].copy_from_slice(&udp_len.to_be_bytes());
    f[40..42].copy_from_slice(&[0, 0]);
    f
}

/// Writes the per-packet fields of generated frame number `seq`.
fn stamp(frame: &mut [u8], seq: u64, flows: u32) {
    let sport = 1024 + (seq % u64::from(flows)) as u16;
    let dport: u16 = if seq % 64 == 0 { 53 } else { 9 };
    frame[34..36].copy_from_slice(&sport.to_be_bytes());
    frame[36..38].copy_from_slice(&dport.to_be_bytes());
    frame[SEQ_OFFSET..SEQ_OFFSET + 8].copy_from_slice(&seq.to_be_bytes());
}

/// One packet of a capture file: its offset from the first packet and bytes.
struct FramePkt {
    offset: Duration,
    data: Vec<u8>,
}

impl AsRef<[u8]> for FramePkt {
    fn as_ref(&self) -> &[u8] {
        &self.data
    }
}

const LINKTYPE_ETHERNET: u32 = 1;

/// Reads up to `limit` packets of a pcap or pcapng file (told apart by magic).
fn load_capture(path: &str, limit: Option<u64>) -> Result<Vec<FramePkt>, String> {
    let err = |e: &dyn std::fmt::Display| format!("pfsend: {path}: {e}");
    let mut file = File::open(path).map_err(|e| err(&e))?;
    let mut magic = [0u8; 4];
    file.read_exact(&mut magic).map_err(|e| err(&e))?;
    drop(file);
    let rdr = BufReader::new(File::open(path).map_err(|e| err(&e))?);
    let limit = limit.unwrap_or(u64::MAX);
    let mut stamps: Vec<(Duration, Vec<u8>)> = Vec::new();
    if magic == [0x0a, 0x0d, 0x0d, 0x0a] {
        let mut r = pcap_file::pcapng::PcapNgReader::new(rdr).map_err(|e| err(&e))?;
        // (link type, if_tsresol) of each interface of the current section.
        let mut ifaces: Vec<(u32, u8)> = Vec::new();
        while (stamps.len() as u64) < limit {
            let Some(block) = r.next_block() else { break };
            match block.map_err(|e| err(&e))? {
                Block::SectionHeader(_) => ifaces.clear(),
                Block::InterfaceDescription(idb) => {
                    let resol = idb
                        .options
                        .iter()
                        .find_map(|o| match o {
                            InterfaceDescriptionOption::IfTsResol(r) => Some(*r),
                            _ => None,
                        })
                        .unwrap_or(6);
                    ifaces.push((u32::from(idb.linktype), resol));
                }
                Block::EnhancedPacket(epb) => {
                    let &(linktype, resol) =
                        ifaces.get(epb.interface_id as usize).ok_or_else(|| {
                            format!("pfsend: {path}: packet of an undeclared interface")
                        })?;
                    if linktype != LINKTYPE_ETHERNET {
                        return Err(format!(
                            "pfsend: {path}: link type {linktype} is not Ethernet"
                        ));
                    }
                    // pcap-file hands back the raw 64-bit count as nanoseconds;
                    // scale it by the interface's real resolution.
                    let ts = ts_units_to_duration(epb.timestamp.as_nanos(), resol);
                    stamps.push((ts, epb.data.into_owned()));
                }
                Block::SimplePacket(spb) => {
                    let t = stamps.last().map(|s| s.0).unwrap_or_default();
                    stamps.push((t, spb.data.into_owned()));
                }
                Block::Packet(_) => {
                    return Err(format!(
                        "{path}: obsolete pcapng Packet Block not supported"
                    ));
                }
                _ => {}
            }
        }
    } else {
        let mut r = pcap_file::pcap::PcapReader::new(rdr).map_err(|e| err(&e))?;
        let dl = r.header().datalink;
        if u32::from(dl) != LINKTYPE_ETHERNET {
            return Err(format!("pfsend: {path}: link type {dl:?} is not Ethernet"));
        }
        while (stamps.len() as u64) < limit {
            let Some(p) = r.next_packet() else { break };
            let p = p.map_err(|e| err(&e))?;
            stamps.push((p.timestamp, p.data.into_owned()));
        }
    }
    let first = stamps.first().map(|s| s.0).unwrap_or_default();
    Ok(stamps
        .into_iter()
        .map(|(t, data)| FramePkt {
            offset: t.saturating_sub(first),
            data,
        })
        .collect())
}

/// Converts a pcapng timestamp count to a duration for `if_tsresol`
/// (high bit clear: 10^-n seconds, set: 2^-n seconds).
fn ts_units_to_duration(units: u128, resol: u8) -> Duration {
    let n = u32::from(resol & 0x7f);
    let nanos = if resol & 0x80 == 0 {
        if n <= 9 {
            units * 10u128.pow(9 - n)
        } else {
            units / 10u128.pow(n.min(38) - 9)
        }
    } else {
        (units * 1_000_000_000) >> n.min(127)
    };
    Duration::from_nanos(nanos.min(u128::from(u64::MAX)) as u64)
}

/// When packet `idx` is due, relative to the start.
enum Schedule<'a> {
    Asap,
    Rate(u64),
    Original(&'a [FramePkt]),
}

impl Schedule<'_> {
    fn due(&self, idx: u64) -> Option<Duration> {
        match self {
            Schedule::Asap => None,
            Schedule::Rate(pps) => Some(Duration::from_nanos(
                (u128::from(idx) * 1_000_000_000 / u128::from(*pps)) as u64,
            )),
            Schedule::Original(pkts) => pkts.get(idx as usize).map(|p| p.offset),
        }
    }
}

/// Sleeps (coarsely) and then spins until `t`, or until a stop is asked.
fn wait_until(t: Instant) {
    loop {
        let now = Instant::now();
        if now >= t || sys::stop_requested() {
            return;
        }
        let rem = t - now;
        if rem > Duration::from_millis(2) {
            std::thread::sleep((rem - Duration::from_millis(1)).min(Duration::from_millis(100)));
        } else {
            std::hint::spin_loop();
        }
    }
}

#[derive(Debug, Default)]
struct Summary {
    sent: u64,
    errors: u64,
    retries: u64,
    bytes: u64,
    elapsed: Duration,
    stopped: &'static str,
}

/// Sends one batch; returns (frames, bytes) the kernel took.
fn send_some<F: AsRef<[u8]>>(
    sock: &mut sys::TxSocket,
    frames: &[F],
) -> std::io::Result<(usize, u64)> {
    let k = sock.send_batch(frames)?;
    Ok((k, frames[..k].iter().map(|f| f.as_ref().len() as u64).sum()))
}

fn run(o: &Opts) -> Result<Summary, String> {
    let replay = match &o.replay {
        Some(p) => Some(load_capture(p, o.count)?),
        None => None,
    };
    let mut sock = sys::TxSocket::open(&o.dev, o.qdisc_bypass, o.batch)
        .map_err(|e| format!("pfsend: cannot open {}: {e}", o.dev))?;
    let src_mac = match o.src_mac {
        Some(m) => m,
        None => sock
            .hwaddr()
            .map_err(|e| format!("pfsend: {}: cannot read MAC: {e}", o.dev))?,
    };
    let count = match &replay {
        Some(p) => p.len() as u64,
        None => o.count.unwrap_or(1000),
    };
    let sched = match (&replay, o.pps) {
        (_, Some(0)) => Schedule::Asap,
        (_, Some(pps)) => Schedule::Rate(pps),
        (Some(p), None) => Schedule::Original(p),
        (None, None) => Schedule::Asap,
    };
    // Generated frames: one buffer per batch slot, stamped before each send.
    let template = build_template(o.len, o.dst_mac, src_mac, o.src_ip, o.dst_ip);
    let mut slots: Vec<Vec<u8>> = if replay.is_none() {
        vec![template; o.batch]
    } else {
        Vec::new()
    };

    sys::install_stop_handler().map_err(|e| format!("pfsend: sigaction: {e}"))?;
    let mut s = Summary {
        stopped: "count",
        ..Summary::default()
    };
    let t0 = Instant::now();
    let deadline = t0 + Duration::from_secs(o.max_secs);
    let mut idx: u64 = 0;
    while idx < count {
        if sys::stop_requested() {
            s.stopped = "signal";
            break;
        }
        let mut now = Instant::now();
        if now >= deadline {
            s.stopped = "time";
            break;
        }
        let mut n = (count - idx).min(o.batch as u64) as usize;
        if let Some(first) = sched.due(idx) {
            let t = t0 + first;
            if t > now {
                wait_until(t.min(deadline));
                continue;
            }
            now = Instant::now();
            let horizon = now + BATCH_SLACK;
            let mut k = 1;
            while k < n && sched.due(idx + k as u64).is_some_and(|d| t0 + d <= horizon) {
                k += 1;
            }
            n = k;
        }
        let result = match &replay {
            Some(pkts) => send_some(&mut sock, &pkts[idx as usize..idx as usize + n]),
            None => {
                for (k, f) in slots.iter_mut().take(n).enumerate() {
                    stamp(f, idx + k as u64, o.flows);
                }
                send_some(&mut sock, &slots[..n])
            }
        };
        match result {
            Ok((k, bytes)) => {
                s.sent += k as u64;
                s.bytes += bytes;
                idx += k as u64;
            }
            Err(e) => match e.raw_os_error() {
                Some(libc::ENOBUFS) | Some(libc::EAGAIN) | Some(libc::EINTR) => {
                    s.retries += 1;
                    std::thread::yield_now();
                }
                // A replayed frame the device cannot take: count it and go on.
                Some(libc::EMSGSIZE) | Some(libc::EINVAL) if replay.is_some() => {
                    s.errors += 1;
                    idx += 1;
                }
                _ => {
                    let what = match &replay {
                        Some(p) => format!("frame {idx} of {} bytes", p[idx as usize].data.len()),
                        None => format!("{}-byte frame", o.len),
                    };
                    return Err(format!("pfsend: send on {} failed ({what}): {e}", o.dev));
                }
            },
        }
    }
    s.elapsed = t0.elapsed();
    Ok(s)
}

fn main() -> ExitCode {
    let opts = match parse_args(std::env::args().skip(1)) {
        Ok(o) => o,
        Err(e) if e.is_empty() => {
            print!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("pfsend: {e}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match run(&opts) {
        Ok(s) => {
            let secs = s.elapsed.as_secs_f64().max(1e-9);
            let (user, sys) = sys::cpu_times();
            println!(
                "sent={} errors={} retries={} bytes={} elapsed={:.6} pps={:.0} mbps={:.3} user={:.6} sys={:.6} stopped={}",
                s.sent,
                s.errors,
                s.retries,
                s.bytes,
                secs,
                s.sent as f64 / secs,
                s.bytes as f64 * 8.0 / secs / 1e6,
                user,
                sys,
                s.stopped
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}

/// The syscalls pfsend makes; the only unsafe code of the program.
mod sys {
    use std::ffi::CString;
    use std::io;
    use std::mem;
    use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
    use std::sync::atomic::{AtomicBool, Ordering};

    static STOP: AtomicBool = AtomicBool::new(false);

    extern "C" fn on_signal(_sig: libc::c_int) {
        // Only an atomic store: async-signal-safe.
        STOP.store(true, Ordering::Relaxed);
    }

    pub fn stop_requested() -> bool {
        STOP.load(Ordering::Relaxed)
    }

    /// SIGINT and SIGTERM end the run after the current batch.
    pub fn install_stop_handler() -> io::Result<()> {
        for sig in [libc::SIGINT, libc::SIGTERM] {
            // SAFETY: sigaction is plain data; all-zero is a valid value
            // (empty mask, no flags) before we fill in the handler.
            let mut sa: libc::sigaction = unsafe { mem::zeroed() };
            sa.sa_sigaction = on_signal as extern "C" fn(libc::c_int) as usize;
            // SAFETY: `sa` is a valid sigaction; the handler only stores to
            // an atomic; a NULL old-action pointer is allowed.
            let rc = unsafe { libc::sigaction(sig, &sa, std::ptr::null_mut()) };
            if rc != 0 {
                return Err(io::Error::last_os_error());
            }
        }
        Ok(())
    }

    /// User and system CPU seconds of this process so far.
    pub fn cpu_times() -> (f64, f64) {
        // SAFETY: rusage is plain data; zero is a valid initial value.
        let mut ru: libc::rusage = unsafe { mem::zeroed() };
        // SAFETY: `ru` is a valid, writable rusage.
        if unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut ru) } != 0 {
            return (0.0, 0.0);
        }
        let tv = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
        (tv(ru.ru_utime), tv(ru.ru_stime))
    }

    /// An AF_PACKET socket bound to one interface for sending only.
    pub struct TxSocket {
        fd: OwnedFd,
        name: CString,
        iov: Vec<libc::iovec>,
        msgs: Vec<libc::mmsghdr>,
    }

    impl TxSocket {
        pub fn open(dev: &str, qdisc_bypass: bool, batch: usize) -> io::Result<TxSocket> {
            let name =
                CString::new(dev).map_err(|_| io::Error::from(io::ErrorKind::InvalidInput))?;
            // SAFETY: `name` is a valid NUL-terminated string.
            let ifindex = unsafe { libc::if_nametoindex(name.as_ptr()) };
            if ifindex == 0 {
                return Err(io::Error::other("no such device"));
            }
            // Protocol 0: the socket receives nothing, so the kernel does
            // not clone every transmitted frame back to it.
            // SAFETY: plain socket(2) call with constant arguments.
            let raw =
                unsafe { libc::socket(libc::AF_PACKET, libc::SOCK_RAW | libc::SOCK_CLOEXEC, 0) };
            if raw < 0 {
                return Err(io::Error::last_os_error());
            }
            // SAFETY: `raw` is a fresh descriptor that nothing else owns.
            let fd = unsafe { OwnedFd::from_raw_fd(raw) };
            // SAFETY: sockaddr_ll is plain data; zero is valid before filling.
            let mut sll: libc::sockaddr_ll = unsafe { mem::zeroed() };
            sll.sll_family = libc::AF_PACKET as u16;
            sll.sll_protocol = 0;
            sll.sll_ifindex = ifindex as i32;
            // SAFETY: `sll` is a valid sockaddr_ll and the length matches it.
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
            if qdisc_bypass {
                let one: libc::c_int = 1;
                // SAFETY: the option value points at a c_int of the stated size.
                let rc = unsafe {
                    libc::setsockopt(
                        fd.as_raw_fd(),
                        libc::SOL_PACKET,
                        libc::PACKET_QDISC_BYPASS,
                        (&one as *const libc::c_int).cast(),
                        mem::size_of::<libc::c_int>() as libc::socklen_t,
                    )
                };
                if rc != 0 {
                    return Err(io::Error::last_os_error());
                }
            }
            let iov = vec![
                libc::iovec {
                    iov_base: std::ptr::null_mut(),
                    iov_len: 0
                };
                batch
            ];
            // SAFETY: mmsghdr is plain data (pointers and lengths); zero is valid.
            let msgs = vec![unsafe { mem::zeroed::<libc::mmsghdr>() }; batch];
            Ok(TxSocket {
                fd,
                name,
                iov,
                msgs,
            })
        }

        /// The interface's hardware address.
        pub fn hwaddr(&self) -> io::Result<[u8; 6]> {
            // SAFETY: ifreq is plain data; zero is valid before filling.
            let mut ifr: libc::ifreq = unsafe { mem::zeroed() };
            let bytes = self.name.as_bytes();
            if bytes.len() >= ifr.ifr_name.len() {
                return Err(io::Error::from(io::ErrorKind::InvalidInput));
            }
            for (d, s) in ifr.ifr_name.iter_mut().zip(bytes) {
                *d = *s as libc::c_char;
            }
            // SAFETY: SIOCGIFHWADDR reads the NUL-terminated name from and
            // writes a sockaddr into `ifr`, which is a valid, writable ifreq.
            let rc = unsafe { libc::ioctl(self.fd.as_raw_fd(), libc::SIOCGIFHWADDR, &mut ifr) };
            if rc != 0 {
                return Err(io::Error::last_os_error());
            }
            // SAFETY: after a successful SIOCGIFHWADDR the union holds
            // ifru_hwaddr.
            let sa = unsafe { ifr.ifr_ifru.ifru_hwaddr };
            let mut mac = [0u8; 6];
            for (d, s) in mac.iter_mut().zip(sa.sa_data.iter()) {
                *d = *s as u8;
            }
            Ok(mac)
        }

        /// Sends `frames` (at most the batch size given to `open`) with one
        /// sendmmsg; returns how many the kernel took.
        pub fn send_batch<F: AsRef<[u8]>>(&mut self, frames: &[F]) -> io::Result<usize> {
            let n = frames.len().min(self.msgs.len());
            for (i, f) in frames.iter().take(n).enumerate() {
                let f = f.as_ref();
                // The kernel only reads through iov_base for a send.
                self.iov[i].iov_base = f.as_ptr() as *mut libc::c_void;
                self.iov[i].iov_len = f.len();
                let h = &mut self.msgs[i].msg_hdr;
                h.msg_iov = &mut self.iov[i];
                h.msg_iovlen = 1;
            }
            // SAFETY: msgs[..n] each point at one iovec describing a live
            // frame borrowed for the duration of this call; no address or
            // control data is passed.
            let rc = unsafe {
                libc::sendmmsg(
                    self.fd.as_raw_fd(),
                    self.msgs.as_mut_ptr(),
                    n as libc::c_uint,
                    0,
                )
            };
            if rc < 0 {
                Err(io::Error::last_os_error())
            } else {
                Ok(rc as usize)
            }
        }
    }
}

// The unit tests check the frame format that tests and benches rely on.
#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> Vec<String> {
        s.split_whitespace().map(String::from).collect()
    }

    #[test]
    fn parses_options_and_defaults() {
        let o = parse_args(args("-i veth0")).unwrap();
        assert_eq!(o.dev, "veth0");
        assert_eq!(o.count, None);
        assert_eq!(o.len, 60);
        assert_eq!(o.flows, 1024);
        assert_eq!(o.batch, 64);
        assert_eq!(o.max_secs, 60);
        assert_eq!(o.dst_mac, [2, 0, 0, 0, 0, 0x99]);
        assert_eq!(o.src_ip, Ipv4Addr::new(198, 18, 0, 1));
        assert_eq!(o.dst_ip, Ipv4Addr::new(198, 19, 0, 1));
        let o = parse_args(args(
            "-i x -n 5 -r 1000 -l 128 -f 4 -d 02:00:00:00:00:02 -s 02:00:00:00:00:01 -S 198.51.100.1 -D 198.51.100.2 -b 8 -q -t 9 -P f.pcap",
        ))
        .unwrap();
        assert_eq!(o.count, Some(5));
        assert_eq!(o.pps, Some(1000));
        assert_eq!(o.len, 128);
        assert_eq!(o.flows, 4);
        assert_eq!(o.dst_mac, [2, 0, 0, 0, 0, 2]);
        assert_eq!(o.src_mac, Some([2, 0, 0, 0, 0, 1]));
        assert_eq!(o.src_ip, Ipv4Addr::new(198, 51, 100, 1));
        assert_eq!(o.batch, 8);
        assert!(o.qdisc_bypass);
        assert_eq!(o.max_secs, 9);
        assert_eq!(o.replay.as_deref(), Some("f.pcap"));
    }

    #[test]
    fn rejects_bad_options() {
        assert_eq!(parse_args(args("-n 3")).unwrap_err(), "missing -i DEV");
        assert_eq!(
            parse_args(args("-i x -l 59")).unwrap_err(),
            "-l 59: length must be 60..9216"
        );
        assert_eq!(
            parse_args(args("-i x -t 601")).unwrap_err(),
            "-t 601: must be 1..600 seconds"
        );
        assert_eq!(
            parse_args(args("-i x -b 0")).unwrap_err(),
            "-b 0: batch must be 1..1024"
        );
        assert_eq!(
            parse_args(args("-i x -f 0")).unwrap_err(),
            "-f 0: need at least one flow"
        );
        assert_eq!(
            parse_args(args("-i x -z")).unwrap_err(),
            "unknown option '-z'"
        );
        assert_eq!(
            parse_args(args("-i")).unwrap_err(),
            "option -i needs a value"
        );
        assert_eq!(
            parse_args(args("-i x -d 02:00:00:00:00")).unwrap_err(),
            "bad MAC address '02:00:00:00:00' (want aa:bb:cc:dd:ee:ff)"
        );
        assert_eq!(
            parse_args(args("-i x -n many")).unwrap_err(),
            "option -n: bad number 'many'"
        );
    }

    #[test]
    fn frame_layout() {
        let mut f = build_template(
            64,
            [2, 0, 0, 0, 0, 0x99],
            [2, 0, 0, 0, 0, 1],
            Ipv4Addr::new(198, 18, 0, 1),
            Ipv4Addr::new(198, 19, 0, 1),
        );
        stamp(&mut f, 0x0102_0304_0506_0741, 1024);
        let expect_head: [u8; 50] = [
            2, 0, 0, 0, 0, 0x99, 2, 0, 0, 0, 0, 1, 0x08, 0x00, // Ethernet
            0x45, 0, 0, 50, 0, 0, 0x40, 0, 64, 17, 0x00, 0x00, 198, 18, 0, 1, 198, 19, 0,
            1, // IPv4
            0x07, 0x41, 0, 9, 0, 30, 0, 0, // UDP: sport 1024 + 0x341, dport 9
            1, 2, 3, 4, 5, 6, 7, 0x41, // sequence number
        ];
        let mut with_csum = expect_head;
        let c = ipv4_checksum(&f[14..34]);
        assert_eq!(c, 0, "a header with its checksum sums to 0");
        with_csum[24..26].copy_from_slice(&f[24..26]);
        assert_eq!(&f[..50], &with_csum[..]);
        // ~fold(0x4500+0x0032+0x4000+0x4011+0xc612+0x0001+0xc613+0x0001) = ~0x516c
        assert_eq!(&f[24..26], &[0xae, 0x93]);
        assert_eq!(&f[50..], &(50u8..64).collect::<Vec<u8>>()[..]);
        stamp(&mut f, 128, 1024);
        assert_eq!(&f[34..38], &[0x04, 0x80, 0, 53]);
    }

    #[test]
    fn pcapng_resolution() {
        assert_eq!(
            ts_units_to_duration(1_500_000, 6),
            Duration::from_millis(1500)
        );
        assert_eq!(
            ts_units_to_duration(1_500_000_000, 9),
            Duration::from_millis(1500)
        );
        assert_eq!(
            ts_units_to_duration(3 << 20, 0x80 | 20),
            Duration::from_secs(3)
        );
    }

    #[test]
    fn rate_schedule() {
        let s = Schedule::Rate(4);
        assert_eq!(s.due(0), Some(Duration::ZERO));
        assert_eq!(s.due(3), Some(Duration::from_millis(750)));
        assert_eq!(Schedule::Asap.due(7), None);
    }
}
