//! Live capture for activated pcap_create handles, on libpfring's ring
//! (`pfring::ring::Ring`): libpcap 1.10.3's read loop rules (timeout,
//! non-blocking, breakloop through an eventfd), loopback outgoing-copy
//! suppression, direction, snapshot truncation and statistics.

use std::cell::Cell;
use std::ffi::{c_int, CStr};

use pfring::parse::Direction;
use pfring::ring::{Config, Cooked, Ring};

use crate::ffi::sys;
use crate::types::{status, PcapPkthdr, Timeval};

/// `PCAP_D_*`.
pub const D_INOUT: i32 = 0;
pub const D_IN: i32 = 1;
pub const D_OUT: i32 = 2;

/// What activation needs from the capture options.
pub struct Params<'a> {
    pub device: &'a CStr,
    pub snaplen: i32,
    pub promisc: bool,
    pub timeout: i32,
    pub nonblock: bool,
    pub buffer_size: i32,
    pub immediate: bool,
    /// PF_RING cluster to join (0: none): pcap_set_cluster before
    /// activation, else PCAP_PF_RING_CLUSTER_ID.
    pub cluster: u32,
    /// pcap_set_protocol_linux (0 or ETH_P_ALL: every frame).
    pub protocol: i32,
}

/// The cluster id named by PCAP_PF_RING_CLUSTER_ID (0 when unset or invalid).
pub fn env_cluster() -> u32 {
    std::env::var("PCAP_PF_RING_CLUSTER_ID")
        .ok()
        .and_then(|v| v.trim().parse::<u32>().ok())
        .filter(|&id| (1..=65535).contains(&id))
        .unwrap_or(0)
}

/// `DLT_LINUX_SLL` / `DLT_LINUX_SLL2`: the framings offered on `any`.
pub const DLT_LINUX_SLL: i32 = 113;
pub const DLT_LINUX_SLL2: i32 = 276;
/// Raw IP (no link-layer header), for ARPHRD_NONE devices such as tun.
pub const DLT_RAW: i32 = 12;

/// libpcap 1.10.3's TPACKET_V3 frame size (`MAXIMUM_SNAPLEN`): its blocks
/// are the smallest power-of-two multiple of a page that holds one, its
/// ring `ceil(buffer_size / 262144)` of them.
const V3_FRAME: u32 = 262_144;

/// The ring's configuration for a capture: a bucket length that holds
/// `snaplen` bytes and about `buffer_size` bytes of ring, like libpcap's
/// defaults (262144, 2 MiB; PF_RING_BUCKET_LEN / PF_RING_NUM_SLOTS in the
/// environment still win), and libpcap 1.10.3's TPACKET_V3 block rules.
/// Snapshots beyond 65,535 bytes: buckets of the whole snapshot (frames
/// longer than 65,535 bytes, e.g. on loopback with its 65,536-byte MTU, stay
/// whole), in blocks of 256 KiB, `ceil(buffer_size / 256 KiB)` of them, as
/// libpcap sizes its ring. Blocks are retired after the read timeout
/// (`pcap_set_timeout`) when one is set - a partly filled block waits that
/// long at low rates, so at high rates the reader wakes once per full
/// block; 1 ms in immediate mode (libpcap then uses per-packet TPACKET_V2
/// wake-ups); the ring's default otherwise.
pub fn ring_config(
    snaplen: u32,
    buffer_size: i32,
    timeout: i32,
    immediate: bool,
    cooked: Cooked,
) -> Result<Config, pfring::error::Error> {
    let bucket = snaplen.clamp(64, pfring::ring::MAX_BUCKET_LEN);
    let buffer = buffer_size.max(1) as u32;
    let slots = if bucket > pfring::ring::MAX_ENV_BUCKET_LEN {
        // Whole blocks of V3_FRAME bytes: Config::geometry rounds
        // slots * bucket up to blocks, so stay at or under their total.
        let bytes = u64::from(buffer.div_ceil(V3_FRAME)) * u64::from(V3_FRAME);
        (bytes / u64::from(bucket)).max(1) as u32
    } else {
        (buffer / bucket).clamp(16, 1 << 20)
    };
    let mut config = Config::from_env_or(bucket, slots)?;
    if snaplen > 65535 {
        config.block_size = config.block_size.max(V3_FRAME);
    }
    config.retire_ms = if immediate {
        1
    } else if timeout > 0 {
        timeout as u32
    } else {
        0
    };
    config.cooked = cooked;
    Ok(config)
}

/// The index of `lo` in the caller's network namespace (0 if none): on
/// `any`, loopback's outgoing copies are dropped as on `lo` itself.
fn lo_ifindex() -> i32 {
    sys::ifindex(c"lo") as i32
}

/// An activated capture.
pub struct Live {
    ring: Ring,
    /// Written by pcap_breakloop to wake a blocked poll.
    pub wake_fd: c_int,
    /// poll() timeout: libpcap 1.10.3 waits for the kernel to retire a ring
    /// block (-1) whatever to_ms and immediate mode are, so an idle device
    /// never times out.
    poll_timeout: i32,
    pub nonblock: Cell<bool>,
    pub snaplen: u32,
    /// Loopback: every packet is seen twice, drop the outgoing copy.
    loopback: bool,
    /// On `any`: the index of `lo`, whose outgoing copies are dropped.
    any_lo: Option<i32>,
    /// Cooked capture (`any`, and devices libpcap captures cooked): frames
    /// behind a LINUX_SLL (or, on `any`, LINUX_SLL2) header whatever DLT
    /// the handle reports (LINUX_IRDA, LINUX_LAPD and NETLINK also have it).
    cooked: bool,
    /// An ARPHRD_CAN device: frames get libpcap's DLT_CAN_SOCKETCAN fix-up.
    can: bool,
    /// The DLT frames are delivered in (LINUX_SLL/SLL2 on `any`, else
    /// EN10MB).
    framing: Cell<i32>,
    pub direction: Cell<i32>,
    /// DLTs offered by the device.
    pub dlts: Vec<i32>,
    send_fd: Cell<c_int>,
    device: std::ffi::CString,
    /// The filter runs in the kernel (SO_ATTACH_FILTER accepted it).
    pub kernel_filter: Cell<bool>,
    /// Only frames of this EtherType (pcap_set_protocol_linux); None: all.
    protocol: Option<u16>,
    /// Promiscuous: the interface's rx_missed + rx_fifo errors at activation
    /// (ps_ifdrop counts from there, as libpcap does).
    ifdrop_base: Option<u64>,
}

/// rx_missed_errors + rx_fifo_errors of a device (sysfs).
fn if_drops(dev: &str) -> Option<u64> {
    let base = std::path::Path::new("/sys/class/net")
        .join(dev)
        .join("statistics");
    let rd = |f: &str| -> Option<u64> {
        std::fs::read_to_string(base.join(f))
            .ok()?
            .trim()
            .parse()
            .ok()
    };
    Some(rd("rx_missed_errors")? + rd("rx_fifo_errors")?)
}

/// Whether an Ethernet frame carries `proto`, looking through one 802.1Q /
/// 802.1ad tag the way the kernel's skb->protocol does.
fn has_ethertype(data: &[u8], proto: u16) -> bool {
    let at = |o: usize| data.get(o..o + 2).map(|b| u16::from_be_bytes([b[0], b[1]]));
    match at(12) {
        Some(0x8100 | 0x88a8) => at(16) == Some(proto),
        Some(t) => t == proto,
        None => false,
    }
}

/// Whether a frame in `framing` carries `proto`: the EtherType of an
/// Ethernet frame (through one VLAN tag), the protocol field of a cooked
/// header.
fn has_protocol(data: &[u8], proto: u16, framing: i32) -> bool {
    let at = |o: usize| data.get(o..o + 2).map(|b| u16::from_be_bytes([b[0], b[1]]));
    match framing {
        DLT_LINUX_SLL => at(14) == Some(proto),
        DLT_LINUX_SLL2 => at(0) == Some(proto),
        // EN10MB, DOCSIS.
        1 | 143 => has_ethertype(data, proto),
        // No link header (RAW) or one we do not parse (the other raw
        // types, whose devices here carry IP): the IP version says what
        // the kernel's skb->protocol is.
        _ => match data.first().map(|b| b >> 4) {
            Some(4) => proto == 0x0800,
            Some(6) => proto == 0x86dd,
            _ => false,
        },
    }
}

/// `SKF_AD_OFF` and the ancillary fields a cooked header's fields map to.
const SKF_AD_OFF: u32 = (-0x1000i32) as u32;
const SKF_AD_PROTOCOL: u32 = 0;
const SKF_AD_PKTTYPE: u32 = 4;
const SKF_AD_IFINDEX: u32 = 8;

/// A program written for the cooked header (`framing` LINUX_SLL/SLL2) made
/// fit for the kernel, which runs it on the network-layer packet of the
/// SOCK_DGRAM socket, as libpcap 1.10.3 does: packet loads (absolute,
/// indexed, `ldx msh`) past the header move back by its length, loads of
/// its protocol, packet type and (SLL2) interface index fields become the
/// matching ancillary loads; a program that reads any other header byte
/// stays in user space (None). Loads of ancillary data are left alone.
pub fn cooked_kernel_program(
    prog: &[crate::types::BpfInsn],
    framing: i32,
) -> Option<Vec<crate::types::BpfInsn>> {
    let (hdr, fields): (u32, &[(u32, u32)]) = match framing {
        DLT_LINUX_SLL => (16, &[(0, SKF_AD_PKTTYPE), (14, SKF_AD_PROTOCOL)]),
        DLT_LINUX_SLL2 => (
            20,
            &[
                (0, SKF_AD_PROTOCOL),
                (4, SKF_AD_IFINDEX),
                (10, SKF_AD_PKTTYPE),
            ],
        ),
        _ => return Some(prog.to_vec()),
    };
    let mut out = prog.to_vec();
    for i in &mut out {
        let class = i.code & 0x07;
        let mode = i.code & 0xe0;
        // BPF_LD (0) / BPF_LDX (1) with BPF_ABS (0x20), BPF_IND (0x40) or
        // BPF_MSH (0xa0).
        if !(class == 0 || class == 1) || !matches!(mode, 0x20 | 0x40 | 0xa0) {
            continue;
        }
        if i.k >= SKF_AD_OFF {
            continue;
        }
        if i.k >= hdr {
            i.k -= hdr;
        } else if let Some(&(_, ad)) = fields.iter().find(|(off, _)| *off == i.k) {
            i.k = SKF_AD_OFF.wrapping_add(ad);
        } else if (i.k as i32) > 0 {
            return None;
        }
    }
    Some(out)
}

/// Why activation failed: a PCAP_ERROR_* code and errbuf text ("" lets the
/// caller use pcap_statustostr).
pub type ActivateError = (i32, String);

/// ARPHRD type of a device, from sysfs.
fn arphrd(dev: &CStr) -> Option<u32> {
    let p = std::path::Path::new("/sys/class/net")
        .join(&*dev.to_string_lossy())
        .join("type");
    std::fs::read_to_string(p).ok()?.trim().parse().ok()
}

/// Whether a device is a wireless one (sysfs `wireless` directory).
fn is_wifi(dev: &str) -> bool {
    std::path::Path::new("/sys/class/net")
        .join(dev)
        .join("wireless")
        .exists()
}

/// Opens a ring for `config`; `Err` as activation reports it.
fn open_ring(
    p: &Params<'_>,
    name: &str,
    promisc: bool,
    config: Config,
) -> Result<Ring, ActivateError> {
    Ring::open_with(p.device, promisc, false, config).map_err(|e| match e {
        pfring::error::Error::NoDevice => (status::NO_SUCH_DEVICE, String::new()),
        e if e.errno() == libc::EPERM || e.errno() == libc::EACCES => (
            status::PERM_DENIED,
            "Attempt to create packet socket failed - CAP_NET_RAW may be required".into(),
        ),
        e => (status::ERROR, format!("{name}: {e:?}")),
    })
}

/// What an activation gives: the capture, its snapshot length and, for a
/// device type libpcap does not know, the warning it leaves in the error
/// buffer (activation still succeeds).
pub type Activated = (Live, i32, Option<String>);

/// Opens the ring: `pcap_activate` for a capture handle.
pub fn activate(p: &Params<'_>) -> Result<Activated, ActivateError> {
    let name = p.device.to_string_lossy().into_owned();
    let any = name == "any";
    // The DLTs of the device's ARPHRD type as libpcap 1.10.3 maps them
    // (crate::linktype); `any` is cooked (LINUX_SLL first, LINUX_SLL2 on
    // request), whatever promisc says.
    let (link, hw) = if any {
        (
            crate::linktype::Link {
                dlts: vec![DLT_LINUX_SLL, DLT_LINUX_SLL2],
                cooked: true,
                unknown: false,
            },
            0,
        )
    } else {
        let Some(hw) = arphrd(p.device) else {
            return Err((status::NO_SUCH_DEVICE, String::new()));
        };
        (crate::linktype::for_arphrd(hw, &name, is_wifi(&name)), hw)
    };
    let warning = link.unknown.then(|| crate::linktype::unknown_warning(hw));
    let dlts = link.dlts;
    // IFF_UP: capturing on a device that is down fails like libpcap.
    let flags = std::fs::read_to_string(
        std::path::Path::new("/sys/class/net")
            .join(&*name)
            .join("flags"),
    )
    .ok()
    .and_then(|t| u32::from_str_radix(t.trim().trim_start_matches("0x"), 16).ok());
    if !any && flags.is_some_and(|f| f & 0x1 == 0) {
        return Err((status::IFACE_NOT_UP, String::new()));
    }
    let snaplen = if p.snaplen <= 0 || p.snaplen > 262_144 {
        262_144
    } else {
        p.snaplen as u32
    };
    let promisc = p.promisc && !any;
    let cooked = if link.cooked {
        Cooked::Sll
    } else {
        Cooked::Off
    };
    let config = ring_config(snaplen, p.buffer_size, p.timeout, p.immediate, cooked)
        .map_err(|e| (status::ERROR, format!("{name}: {e:?}")))?;
    let mut ring = open_ring(p, &name, promisc, config)?;
    if config.bucket_len > pfring::ring::MAX_ENV_BUCKET_LEN
        && ring.backend_kind() == pfring::ring::BackendKind::Kmod
    {
        // The kernel module's buckets end at 65,535 bytes (it refuses
        // more, and libpfring would halve the request): ask for that, so
        // frames are cut at 65,535 bytes there (README: documented limit).
        ring.close();
        let small = Config {
            bucket_len: pfring::ring::MAX_ENV_BUCKET_LEN,
            ..config
        };
        ring = open_ring(p, &name, promisc, small)?;
    }
    if p.cluster != 0 {
        if let Err(e) = ring.set_cluster(p.cluster) {
            ring.close();
            return Err((
                status::ERROR,
                format!("{name}: can't join PF_RING cluster {}: {e:?}", p.cluster),
            ));
        }
    }
    // Bound now, as libpcap's socket is at activation: frames that arrive
    // before the first read are queued, not missed.
    if let Err(e) = ring.enable() {
        ring.close();
        return Err((status::ERROR, format!("{name}: {e:?}")));
    }
    let wake_fd = match sys::eventfd() {
        Ok(fd) => fd,
        Err(e) => {
            ring.close();
            return Err((status::ERROR, format!("eventfd: {e}")));
        }
    };
    let live = Live {
        ring,
        wake_fd,
        poll_timeout: -1,
        nonblock: Cell::new(p.nonblock),
        snaplen,
        loopback: hw == 772,
        cooked: link.cooked,
        can: hw == crate::linktype::arphrd::CAN && !link.cooked,
        any_lo: any.then(lo_ifindex),
        framing: Cell::new(dlts[0]),
        direction: Cell::new(D_INOUT),
        dlts,
        send_fd: Cell::new(-1),
        device: p.device.to_owned(),
        kernel_filter: Cell::new(false),
        ifdrop_base: if promisc { if_drops(&name) } else { None },
        // ETH_P_ALL (3) and 0 mean every frame, as for the packet socket.
        protocol: match p.protocol {
            0 | 3 => None,
            x => Some(x as u16),
        },
    };
    Ok((live, snaplen as i32, warning))
}

impl Live {
    /// The ring's descriptor (pcap_fileno / pcap_get_selectable_fd).
    pub fn fd(&self) -> c_int {
        self.ring.fd()
    }

    /// One read pass (pcap_dispatch): packets handed to `f` (which returns
    /// whether the filter accepted it), 0 on timeout or when non-blocking
    /// and nothing is queued, -2 after breakloop, -1 on error.
    #[inline]
    pub fn read<F: FnMut(&PcapPkthdr, &[u8]) -> bool>(
        &self,
        cnt: i32,
        precision: u32,
        brk: &std::sync::atomic::AtomicBool,
        err: &dyn Fn(&str),
        mut f: F,
    ) -> i32 {
        use std::sync::atomic::Ordering::Relaxed;
        let mut n = 0;
        let dir = self.direction.get();
        // A plain load per packet (a swap is a locked instruction); a
        // pcap_breakloop landing between the load and the store merges
        // with the one being taken.
        let take_break = || {
            let set = brk.load(Relaxed);
            if set {
                brk.store(false, Relaxed);
            }
            set
        };
        // As in libpcap's ring reader, the break flag is looked at after
        // packets were handled and when a wait is cut short (eventfd,
        // signal), not before reading: a pcap_breakloop made while the
        // handle was non-blocking (no wake-up eventfd then) is seen only
        // once packets arrive.
        // Frames come in batches (everything queued, one entry into the
        // ring); the batch stops after the frame that reaches `cnt` or finds
        // the break flag set.
        let mut broke = false;
        loop {
            let got = self.ring.recv_batch(|pk| {
                let outgoing = matches!(pk.dir, Direction::Tx);
                let wanted = if outgoing {
                    !self.loopback
                        && dir != D_IN
                        && self.any_lo != Some(pk.ifindex)
                        // CAN devices loop their frames back as incoming
                        // ones: like libpcap, outgoing ones only with
                        // PCAP_D_OUT.
                        && !(dir != D_OUT && self.is_can(pk.data))
                } else {
                    dir != D_OUT
                };
                let wanted = wanted
                    && match self.protocol {
                        Some(t) => has_protocol(pk.data, t, self.header()),
                        None => true,
                    };
                if wanted {
                    let caplen = (pk.data.len() as u32).min(self.snaplen);
                    let frac = if precision == 1 {
                        i64::from(pk.ts_nsec)
                    } else {
                        i64::from(pk.ts_nsec / 1000)
                    };
                    let h = PcapPkthdr {
                        ts: Timeval {
                            tv_sec: i64::from(pk.ts_sec),
                            tv_usec: frac,
                        },
                        caplen,
                        len: pk.wire_len,
                    };
                    let data = &pk.data[..caplen as usize];
                    let taken = if self.can {
                        // The fix-up works on a copy (the ring's frame may
                        // be read again): on the stack for CAN and CAN FD
                        // frames (16 and 72 bytes), allocated only for
                        // bigger ones (CAN XL).
                        let mut small = [0u8; 128];
                        let mut big = Vec::new();
                        let b: &mut [u8] = if data.len() <= small.len() {
                            let b = &mut small[..data.len()];
                            b.copy_from_slice(data);
                            b
                        } else {
                            big.extend_from_slice(data);
                            &mut big
                        };
                        crate::linktype::can_fixup(b, pk.protocol, pk.wire_len);
                        f(&h, b)
                    } else {
                        f(&h, data)
                    };
                    if taken {
                        n += 1;
                    }
                }
                if take_break() {
                    broke = true;
                    return false;
                }
                !(cnt > 0 && n >= cnt)
            });
            match got {
                Ok(_) if broke => return status::BREAK,
                Ok(_) if cnt > 0 && n >= cnt => return n,
                // Frames were handled: look again (more may have come).
                Ok(k) if k > 0 => {}
                Ok(_) => {
                    if n > 0 || self.nonblock.get() {
                        return n;
                    }
                    match sys::wait(self.ring.fd(), self.wake_fd, self.poll_timeout) {
                        Ok(sys::Wait::TimedOut) => return 0,
                        Ok(sys::Wait::Woken) => {
                            if take_break() {
                                return status::BREAK;
                            }
                        }
                        Ok(sys::Wait::Readable) => {}
                        Err(e) => {
                            err(&os_text("can't poll on packet socket", &e));
                            return status::ERROR;
                        }
                    }
                }
                Err(e) => {
                    err(&format!("error receiving packets: {e:?}"));
                    return status::ERROR;
                }
            }
        }
    }

    /// (ps_recv, ps_drop, ps_ifdrop): cumulative, like 1.10.3 (ifdrop only
    /// in promiscuous mode, from the interface's error counters).
    pub fn stats(&self) -> Result<(u32, u32, u32), String> {
        let (r, d) = self
            .ring
            .stats()
            .map_err(|e| format!("failed to get statistics from socket: {e:?}"))?;
        let ifdrop = match self.ifdrop_base {
            Some(b) => if_drops(&self.device.to_string_lossy()).map_or(0, |c| c.saturating_sub(b)),
            None => 0,
        };
        Ok((r as u32, d as u32, ifdrop as u32))
    }

    /// Attaches the program in the kernel (SO_ATTACH_FILTER), so only
    /// matching packets are queued and counted; false if the kernel refused
    /// it (filtering then happens in user space, as in libpcap). With the
    /// kernel filtering, user space does not filter again: the kernel sees
    /// the VLAN ancillary data that user space lacks.
    pub fn attach(&self, prog: &[crate::types::BpfInsn]) -> bool {
        let Some(prog) = cooked_kernel_program(prog, self.header()) else {
            // The kernel cannot run it: filter in user space.
            self.detach();
            return false;
        };
        let k: Vec<pfring::ring::SockFilter> = prog
            .iter()
            .map(|i| pfring::ring::SockFilter {
                code: i.code,
                jt: i.jt,
                jf: i.jf,
                k: i.k,
            })
            .collect();
        let ok = self.ring.attach_filter(&k).is_ok();
        self.kernel_filter.set(ok);
        ok
    }

    /// Joins (or moves to) a PF_RING cluster.
    pub fn set_cluster(&self, id: u32) -> Result<(), String> {
        self.ring
            .set_cluster(id)
            .map_err(|e| format!("can't join PF_RING cluster {id}: {e:?}"))
    }

    /// The DLT frames are delivered in.
    pub fn framing(&self) -> i32 {
        self.framing.get()
    }

    /// pcap_set_datalink on `any`: switches the cooked ring between
    /// LINUX_SLL and LINUX_SLL2 framing for the frames read from now on (as
    /// libpcap, which builds the header at read time). A kernel filter
    /// attached for the other header is dropped: the caller attaches its
    /// program again, now read against the new header.
    pub fn set_framing(&self, dlt: i32) -> Result<(), String> {
        if dlt == self.framing.get() {
            return Ok(());
        }
        let cooked = match dlt {
            DLT_LINUX_SLL => Cooked::Sll,
            DLT_LINUX_SLL2 => Cooked::Sll2,
            // EN10MB / DOCSIS on a device: the same frames.
            _ => {
                self.framing.set(dlt);
                return Ok(());
            }
        };
        self.ring
            .set_cooked(cooked)
            .map_err(|e| format!("{}: {e:?}", self.device.to_string_lossy()))?;
        self.framing.set(dlt);
        if self.kernel_filter.get() {
            self.detach();
        }
        Ok(())
    }

    /// Drops the kernel program (one that accepts every frame whole takes
    /// its place): user space filters from now on.
    fn detach(&self) {
        let all = [pfring::ring::SockFilter {
            code: 0x06,
            jt: 0,
            jf: 0,
            k: u32::MAX,
        }];
        let _ = self.ring.attach_filter(&all);
        self.kernel_filter.set(false);
    }

    /// Whether a frame was seen on an ARPHRD_CAN device: this ring's
    /// device, or (cooked rings) the hardware type in the frame's header.
    fn is_can(&self, data: &[u8]) -> bool {
        const ARPHRD_CAN: u16 = crate::linktype::arphrd::CAN as u16;
        let at = |o: usize| data.get(o..o + 2).map(|b| u16::from_be_bytes([b[0], b[1]]));
        self.can
            || (self.cooked
                && match self.header() {
                    DLT_LINUX_SLL => at(2) == Some(ARPHRD_CAN),
                    DLT_LINUX_SLL2 => at(8) == Some(ARPHRD_CAN),
                    _ => false,
                })
    }

    /// The layout frames are read in: LINUX_SLL or LINUX_SLL2 on cooked
    /// rings (whatever DLT the handle reports), else the handle's DLT.
    fn header(&self) -> i32 {
        match self.framing.get() {
            DLT_LINUX_SLL2 => DLT_LINUX_SLL2,
            _ if self.cooked => DLT_LINUX_SLL,
            f => f,
        }
    }

    /// pcap_inject: bytes sent.
    pub fn inject(&self, buf: &[u8]) -> Result<usize, String> {
        if self.any_lo.is_some() {
            return Err("Sending packets isn't supported on the \"any\" device".into());
        }
        // On AF_PACKET the capture socket itself sends, as in libpcap: the
        // kernel hands a socket none of its own outgoing frames, so they are
        // neither captured nor counted. The module's socket cannot send: a
        // separate packet socket does.
        if self.ring.backend_kind() == pfring::ring::BackendKind::AfPacket {
            return sys::send(self.ring.fd(), buf).map_err(|e| os_text("send", &e));
        }
        if self.send_fd.get() < 0 {
            let fd = sys::send_socket(&self.device).map_err(|e| os_text("socket", &e))?;
            self.send_fd.set(fd);
        }
        sys::send(self.send_fd.get(), buf).map_err(|e| os_text("send", &e))
    }
}

/// "what: strerror" like libpcap's errno messages.
fn os_text(what: &str, e: &std::io::Error) -> String {
    format!(
        "{what}: {}",
        crate::ffi::strerror(e.raw_os_error().unwrap_or(libc::EIO))
    )
}

impl Drop for Live {
    fn drop(&mut self) {
        self.ring.close();
        sys::close(self.wake_fd);
        sys::close(self.send_fd.get());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::BpfInsn;

    fn ins(code: u16, k: u32) -> BpfInsn {
        BpfInsn {
            code,
            jt: 0,
            jf: 0,
            k,
        }
    }

    #[test]
    fn cooked_programs_for_the_kernel() {
        const LDH_ABS: u16 = 0x28;
        const LDB_ABS: u16 = 0x30;
        const LDB_IND: u16 = 0x50;
        const LDX_MSH: u16 = 0xb1;
        const LD_LEN: u16 = 0x80;
        const RET: u16 = 0x06;
        let ad = |f: u32| SKF_AD_OFF.wrapping_add(f);
        let prog = [
            ins(LDH_ABS, 14),
            ins(LDB_ABS, 0),
            ins(LDX_MSH, 16),
            ins(LDB_IND, 25),
            ins(LDH_ABS, ad(44)),
            ins(LD_LEN, 0),
            ins(RET, 262_144),
        ];
        let k = |p: &[BpfInsn], dlt| {
            cooked_kernel_program(p, dlt).map(|v| v.iter().map(|i| i.k).collect::<Vec<_>>())
        };
        assert_eq!(
            k(&prog, DLT_LINUX_SLL),
            Some(vec![
                ad(SKF_AD_PROTOCOL),
                ad(SKF_AD_PKTTYPE),
                0,
                9,
                ad(44),
                0,
                262_144
            ])
        );
        let prog2 = [
            ins(LDH_ABS, 0),
            ins(LDB_ABS, 10),
            ins(0x20, 4),
            ins(LDH_ABS, 32),
            ins(RET, 0),
        ];
        assert_eq!(
            k(&prog2, DLT_LINUX_SLL2),
            Some(vec![
                ad(SKF_AD_PROTOCOL),
                ad(SKF_AD_PKTTYPE),
                ad(SKF_AD_IFINDEX),
                12,
                0
            ])
        );
        // Header bytes with no ancillary equivalent: user space.
        assert_eq!(k(&[ins(LDB_ABS, 6), ins(RET, 1)], DLT_LINUX_SLL), None);
        assert_eq!(k(&[ins(LDH_ABS, 12), ins(RET, 1)], DLT_LINUX_SLL2), None);
        // Not cooked: unchanged.
        assert_eq!(k(&prog, 1).unwrap()[0], 14);
    }

    #[test]
    fn cooked_protocol_selection() {
        let mut sll = vec![0u8; 20];
        sll[14..16].copy_from_slice(&0x0800u16.to_be_bytes());
        assert!(has_protocol(&sll, 0x0800, DLT_LINUX_SLL));
        assert!(!has_protocol(&sll, 0x0806, DLT_LINUX_SLL));
        let mut sll2 = vec![0u8; 24];
        sll2[0..2].copy_from_slice(&0x86ddu16.to_be_bytes());
        assert!(has_protocol(&sll2, 0x86dd, DLT_LINUX_SLL2));
        assert!(!has_protocol(&sll2[..1], 0x86dd, DLT_LINUX_SLL2));
    }

    #[test]
    fn ring_geometry_follows_libpcap() {
        // tcpdump's defaults: snaplen 262144, 2 MiB, 1000 ms.
        // Buckets of the whole snapshot, 8 blocks of 256 KiB as libpcap's
        // ceil(2 MiB / 262144).
        let c = ring_config(262_144, 2 << 20, 1000, false, Cooked::Off).unwrap();
        assert_eq!(
            (c.bucket_len, c.block_size, c.retire_ms),
            (262_144, 256 * 1024, 1000)
        );
        let g = c.geometry();
        assert_eq!(
            (g.block_size, g.nblocks, g.retire_ms),
            (256 * 1024, 8, 1000)
        );
        // -B 8192 (KiB), -B 65536; a snapshot of 70000 and 2 MiB.
        let g = |snap, buf| {
            let g = ring_config(snap, buf, 1000, false, Cooked::Off)
                .unwrap()
                .geometry();
            (g.block_size, g.nblocks)
        };
        assert_eq!(g(262_144, 8 << 20), (256 * 1024, 32));
        assert_eq!(g(262_144, 64 << 20), (256 * 1024, 256));
        assert_eq!(g(70_000, 2 << 20), (256 * 1024, 8));
        assert_eq!(g(70_000, 1_000_000), (256 * 1024, 4));
        assert_eq!(g(65_536, 4096), (256 * 1024, 1));
        let c = ring_config(96, 2 << 20, 0, true, Cooked::Sll2).unwrap();
        assert_eq!((c.block_size, c.retire_ms, c.cooked), (0, 1, Cooked::Sll2));
        let c = ring_config(1500, 1 << 20, -5, false, Cooked::Off).unwrap();
        assert_eq!((c.block_size, c.retire_ms), (0, 0));
    }

    #[test]
    fn ethertype_selection() {
        let mut f = vec![0u8; 20];
        f[12..14].copy_from_slice(&0x88b5u16.to_be_bytes());
        assert!(has_ethertype(&f, 0x88b5));
        assert!(!has_ethertype(&f, 0x0800));
        f[12..14].copy_from_slice(&0x8100u16.to_be_bytes());
        f[16..18].copy_from_slice(&0x0800u16.to_be_bytes());
        assert!(has_ethertype(&f, 0x0800));
        assert!(!has_ethertype(&f[..13], 0x0800));
    }
}
