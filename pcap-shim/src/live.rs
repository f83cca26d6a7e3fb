//! Live capture for activated pcap_create handles, on libpfring's ring
//! (`pfring::ring::Ring`): libpcap 1.10.3's read loop rules (timeout,
//! non-blocking, breakloop through an eventfd), loopback outgoing-copy
//! suppression, direction, snapshot truncation and statistics.

use std::cell::Cell;
use std::ffi::{c_int, CStr};

use pfring::parse::Direction;
use pfring::ring::{Recv, Ring};

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

/// Opens the ring with a bucket length that holds `snaplen` bytes and about
/// `buffer_size` bytes of ring, like libpcap's defaults (262144, 2 MiB);
/// PF_RING_BUCKET_LEN / PF_RING_NUM_SLOTS in the environment still win.
fn open_ring(
    dev: &CStr,
    promisc: bool,
    snaplen: u32,
    buffer_size: i32,
) -> Result<Ring, pfring::error::Error> {
    let bucket = snaplen.clamp(64, 65535);
    let slots = (buffer_size.max(1) as u32 / bucket).clamp(16, 1 << 20);
    let config = pfring::ring::Config::from_env_or(bucket, slots)?;
    Ring::open_with(dev, promisc, false, config)
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

/// Opens the ring: `pcap_activate` for a capture handle.
pub fn activate(p: &Params<'_>) -> Result<(Live, i32), ActivateError> {
    let name = p.device.to_string_lossy().into_owned();
    if name == "any" {
        return Err((
            status::ERROR,
            "any: capturing on the \"any\" device (cooked headers) is not supported by libpfring's rings yet".into(),
        ));
    }
    let Some(hw) = arphrd(p.device) else {
        return Err((status::NO_SUCH_DEVICE, String::new()));
    };
    // ARPHRD_ETHER and ARPHRD_LOOPBACK both give DLT_EN10MB.
    let dlts = match hw {
        1 => vec![1, 143],
        772 => vec![1],
        other => {
            return Err((
                status::ERROR,
                format!(
                    "{name}: link-layer type (ARPHRD {other}) not supported by libpfring's rings"
                ),
            ))
        }
    };
    // IFF_UP: capturing on a device that is down fails like libpcap.
    let flags = std::fs::read_to_string(
        std::path::Path::new("/sys/class/net")
            .join(&*name)
            .join("flags"),
    )
    .ok()
    .and_then(|t| u32::from_str_radix(t.trim().trim_start_matches("0x"), 16).ok());
    if flags.is_some_and(|f| f & 0x1 == 0) {
        return Err((status::IFACE_NOT_UP, String::new()));
    }
    let snaplen = if p.snaplen <= 0 || p.snaplen > 262_144 {
        262_144
    } else {
        p.snaplen as u32
    };
    let ring = open_ring(p.device, p.promisc, snaplen, p.buffer_size).map_err(|e| match e {
        pfring::error::Error::NoDevice => (status::NO_SUCH_DEVICE, String::new()),
        e if e.errno() == libc::EPERM || e.errno() == libc::EACCES => (
            status::PERM_DENIED,
            "Attempt to create packet socket failed - CAP_NET_RAW may be required".into(),
        ),
        e => (status::ERROR, format!("{name}: {e:?}")),
    })?;
    if p.cluster != 0 {
        if let Err(e) = ring.set_cluster(p.cluster) {
            ring.close();
            return Err((
                status::ERROR,
                format!("{name}: can't join PF_RING cluster {}: {e:?}", p.cluster),
            ));
        }
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
        direction: Cell::new(D_INOUT),
        dlts,
        send_fd: Cell::new(-1),
        device: p.device.to_owned(),
        kernel_filter: Cell::new(false),
        ifdrop_base: if p.promisc { if_drops(&name) } else { None },
        // ETH_P_ALL (3) and 0 mean every frame, as for the packet socket.
        protocol: match p.protocol {
            0 | 3 => None,
            x => Some(x as u16),
        },
    };
    Ok((live, snaplen as i32))
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
        loop {
            let got = self.ring.recv_with(false, |pk| {
                let outgoing = matches!(pk.dir, Direction::Tx);
                let wanted = if outgoing {
                    !self.loopback && dir != D_IN
                } else {
                    dir != D_OUT
                };
                if !wanted {
                    return false;
                }
                if let Some(t) = self.protocol {
                    if !has_ethertype(pk.data, t) {
                        return false;
                    }
                }
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
                f(&h, &pk.data[..caplen as usize])
            });
            match got {
                Ok(Recv::Packet(delivered)) => {
                    if delivered {
                        n += 1;
                    }
                    if take_break() {
                        return status::BREAK;
                    }
                    if cnt > 0 && n >= cnt {
                        return n;
                    }
                }
                Ok(Recv::Empty) => {
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

    /// pcap_inject: bytes sent.
    pub fn inject(&self, buf: &[u8]) -> Result<usize, String> {
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
    use super::has_ethertype;

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
