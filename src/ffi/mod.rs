//! The C ABI: the 16 functions of the guide's `pfring.h`, its types and
//! constants. Every export runs its body through [`ffi_body!`]: a panic
//! boundary, NULL checks through the helpers below, and the C convention
//! for failures (a negative value or NULL, with errno set, and a message on
//! stderr only when `PF_RING_DEBUG` is set).

#![allow(non_snake_case)] // parameter names are the guide's (clusterId, reflectorDevice)

pub mod types;

use core::ffi::{c_char, c_int, c_uint};
use core::ptr;
use core::sync::atomic::{AtomicPtr, AtomicU8, Ordering};
use std::ffi::CStr;

use crate::error::Error;
use crate::parse;
use crate::ring::{Frame, Recv, Ring};
use crate::rules;
use crate::sys;
pub use types::*;

/// Version of this API (`RING_VERSION`).
pub const RING_VERSION: &str = "3.7.5"; // #define in cbindgen.toml (string consts are not exported)
/// `pfring_version()` reports `(major << 16) | (minor << 8) | patch`.
pub const RING_VERSION_NUM: u32 = 0x030705;
/// Layout version of the kernel module's ring slots.
pub const RING_FLOWSLOT_VERSION: u32 = 9;
/// Magic byte at the start of every kernel-module ring slot.
pub const RING_MAGIC_VALUE: u32 = 0x88;
/// Socket family of the PF_RING kernel module.
pub const PF_RING: u32 = 27;
/// Socket type of the PF_RING kernel module (same value as the family).
pub const SOCK_RING: u32 = 27;
/// ioctl defined by 3.7.5 (not handled by its module).
pub const SIORINGPOLL: u32 = 0x8888;
/// Bytes of Ethernet header before `skb->data` on received packets.
pub const SKB_DISPLACEMENT: u32 = 14;
/// Plugin ids are 1..MAX_PLUGIN_ID-1.
pub const MAX_PLUGIN_ID: u32 = 128;
/// Unused in 3.7.5.
pub const MAX_PLUGIN_FIELDS: u32 = 32;
/// Size of `filtering_rule_extended_fields.filter_plugin_data`.
pub const FILTER_PLUGIN_DATA_LEN: u32 = 128;
/// Buckets in the per-ring hash-rule table of the kernel module.
pub const DEFAULT_RING_HASH_SIZE: u32 = 4096;
/// "No VLAN" marker (defined by 3.7.5, unused: untagged frames have vlan_id 0).
pub const NO_VLAN: u16 = 0xffff;
/// Maximum number of sockets in a cluster of the 3.7.5 module.
pub const CLUSTER_LEN: u32 = 8;
/// Socket options of the PF_RING kernel module (level 0).
pub const SO_ADD_TO_CLUSTER: u32 = 99;
pub const SO_REMOVE_FROM_CLUSTER: u32 = 100;
pub const SO_SET_REFLECTOR: u32 = 101;
pub const SO_SET_STRING: u32 = 102;
pub const SO_ADD_FILTERING_RULE: u32 = 103;
pub const SO_REMOVE_FILTERING_RULE: u32 = 104;
pub const SO_TOGGLE_FILTER_POLICY: u32 = 105;
pub const SO_SET_SAMPLING_RATE: u32 = 106;
pub const SO_ACTIVATE_RING: u32 = 107;
pub const SO_GET_RING_VERSION: u32 = 110;
pub const SO_GET_FILTERING_RULE_STATS: u32 = 111;
pub const SO_GET_HASH_FILTERING_RULE_STATS: u32 = 112;
/// TCP flag bits of `pkt_parsing_info.tcp_flags`.
pub const TH_FIN_MULTIPLIER: u32 = 0x01;
pub const TH_SYN_MULTIPLIER: u32 = 0x02;
pub const TH_RST_MULTIPLIER: u32 = 0x04;
pub const TH_PUSH_MULTIPLIER: u32 = 0x08;
pub const TH_ACK_MULTIPLIER: u32 = 0x10;
pub const TH_URG_MULTIPLIER: u32 = 0x20;
/// Constants of the 2008 userland header.
pub const POLL_SLEEP_STEP: u32 = 10;
pub const POLL_SLEEP_MIN: u32 = 10;
pub const POLL_SLEEP_MAX: u32 = 1000;
pub const POLL_QUEUE_MIN_LEN: u32 = 500;

/// The allocation behind a `pfring*`: the public guide-era fields first
/// (so the pointer is the same), then the library's state.
#[repr(C)]
struct Handle {
    public: pfring,
    ring: Ring,
    /// Link in the list of closed handles waiting to be freed.
    next_dead: AtomicPtr<Handle>,
}

/// Closed handles. `pfring_close` may run in a signal handler, where
/// freeing memory is not allowed, so it only pushes the handle here
/// (lock-free); the next `pfring_open` frees the ones nobody is inside.
static GRAVEYARD: AtomicPtr<Handle> = AtomicPtr::new(ptr::null_mut());

/// 0 = not read yet, 1 = quiet, 2 = PF_RING_DEBUG set.
static DEBUG: AtomicU8 = AtomicU8::new(0);

fn debug_enabled() -> bool {
    DEBUG.load(Ordering::Relaxed) == 2
}

fn read_debug_env() {
    if DEBUG.load(Ordering::Relaxed) == 0 {
        let on = std::env::var_os("PF_RING_DEBUG").is_some_and(|v| !v.is_empty() && v != "0");
        DEBUG.store(if on { 2 } else { 1 }, Ordering::Relaxed);
    }
}

/// A fixed buffer for building a stderr line without allocating.
struct LineBuf {
    buf: [u8; 256],
    len: usize,
}

impl core::fmt::Write for LineBuf {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        let n = s.len().min(self.buf.len() - self.len);
        self.buf[self.len..self.len + n].copy_from_slice(&s.as_bytes()[..n]);
        self.len += n;
        Ok(())
    }
}

/// Sets errno for `e` and, with PF_RING_DEBUG, says on stderr what failed
/// (one write, no allocation: this can run in a signal handler).
fn report(func: &str, dev: Option<&CStr>, e: &Error) {
    if debug_enabled() {
        use core::fmt::Write;
        let mut line = LineBuf {
            buf: [0; 256],
            len: 0,
        };
        let dev = dev.map(|d| d.to_bytes()).unwrap_or(b"");
        let dev = core::str::from_utf8(dev).unwrap_or("?");
        let _ = writeln!(line, "{func}({dev}): {e}");
        sys::write_stderr(&line.buf[..line.len]);
    }
    sys::set_errno(e.errno());
}

/// Runs an export's body: catches panics, maps `Err` to the C failure
/// value with errno set.
macro_rules! ffi_body {
    ($name:literal, $fail:expr, $dev:expr, $body:block) => {{
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| -> Result<_, Error> {
            $body
        }));
        match r {
            Ok(Ok(v)) => v,
            Ok(Err(e)) => {
                report($name, $dev, &e);
                $fail
            }
            Err(_) => {
                sys::set_errno(libc::EIO);
                $fail
            }
        }
    }};
}

/// The ring behind a handle pointer, refusing NULL and closed handles.
///
/// # Safety
/// `p` is NULL or a pointer returned by `pfring_open` whose memory has not
/// been recycled (see the crate's safety conventions).
unsafe fn ring<'a>(p: *mut pfring) -> Result<&'a Ring, Error> {
    if p.is_null() {
        return Err(Error::Invalid("NULL ring"));
    }
    // SAFETY: `public` is the first field of the repr(C) Handle, so a
    // `pfring*` from pfring_open is a `Handle*`; validity is the caller's.
    let h = unsafe { &*(p as *const Handle) };
    if h.ring.is_closed() {
        return Err(Error::Closed);
    }
    Ok(&h.ring)
}

/// Copies `n` bytes of a frame: small frames (most of them) with two
/// overlapping 32-byte moves inline, larger ones with memcpy.
///
/// # Safety
/// `src` readable and `dst` writable for `n` bytes; no overlap.
#[inline(always)]
unsafe fn copy_frame(src: *const u8, dst: *mut u8, n: usize) {
    if (32..=64).contains(&n) {
        // SAFETY: n >= 32, so [0, 32) and [n - 32, n) lie inside both
        // buffers; unaligned reads and writes of plain bytes. All four
        // loads come first (the ranges overlap when n < 64), in 16-byte
        // registers.
        unsafe {
            let t = n - 32;
            let h0 = ptr::read_unaligned(src as *const u128);
            let h1 = ptr::read_unaligned(src.add(16) as *const u128);
            let t0 = ptr::read_unaligned(src.add(t) as *const u128);
            let t1 = ptr::read_unaligned(src.add(t + 16) as *const u128);
            ptr::write_unaligned(dst as *mut u128, h0);
            ptr::write_unaligned(dst.add(16) as *mut u128, h1);
            ptr::write_unaligned(dst.add(t) as *mut u128, t0);
            ptr::write_unaligned(dst.add(t + 16) as *mut u128, t1);
        }
    } else if n > 0 {
        // SAFETY: per this function's contract.
        unsafe { ptr::copy_nonoverlapping(src, dst, n) };
    }
}

/// The device name of a handle, for messages (NULL-safe).
///
/// # Safety
/// As for [`ring`].
unsafe fn dev_of<'a>(p: *mut pfring) -> Option<&'a CStr> {
    if p.is_null() {
        return None;
    }
    // SAFETY: as in `ring`.
    let h = unsafe { &*(p as *const Handle) };
    Some(h.ring.device())
}

/// A writable out-parameter, refusing NULL.
///
/// # Safety
/// `p` is NULL or valid for writes of a `T`.
unsafe fn out<'a, T>(p: *mut T, what: &'static str) -> Result<&'a mut T, Error> {
    // SAFETY: non-NULL pointers are valid per the caller's contract.
    unsafe { p.as_mut() }.ok_or(Error::Invalid(what))
}

fn free_dead_handles() {
    let mut p = GRAVEYARD.swap(ptr::null_mut(), Ordering::AcqRel);
    while !p.is_null() {
        // SAFETY: every pointer in the list came from Box::into_raw in
        // pfring_open and was pushed once by pfring_close.
        let h = unsafe { &*p };
        let next = h.next_dead.load(Ordering::Relaxed);
        if h.ring.reap() {
            // SAFETY: closed, no call inside, torn down: nobody may touch it.
            drop(unsafe { Box::from_raw(p) });
        } else {
            push_dead(p);
        }
        p = next;
    }
}

fn push_dead(p: *mut Handle) {
    // SAFETY: `p` is a live Handle (see callers).
    let h = unsafe { &*p };
    let mut head = GRAVEYARD.load(Ordering::Acquire);
    loop {
        h.next_dead.store(head, Ordering::Relaxed);
        match GRAVEYARD.compare_exchange_weak(head, p, Ordering::AcqRel, Ordering::Acquire) {
            Ok(_) => return,
            Err(cur) => head = cur,
        }
    }
}

/// Opens a ring on a device.
///
/// `device_name` names a physical or virtual device (`eth0`, `veth1`,
/// `lo`; `any` captures on every device). A non-zero `promisc` puts the
/// device in promiscuous mode for as long as the ring is open (the kernel
/// drops the setting when the ring closes, even if the program dies). A
/// non-zero `reentrant` makes every call on the handle safe from many
/// threads at once.
///
/// Backend: when the bundled kernel module (`pf_ring.ko`, socket family 27)
/// is loaded, the ring is the module's (3.7.5's mmapped slot ring; rules,
/// sampling, clusters and reflection run in the kernel; the public fields
/// `buffer`, `slots` and `slots_info` point into the mapping), except for
/// `any`, which only AF_PACKET can capture. Otherwise the stock kernel's
/// AF_PACKET ring is used (those fields stay NULL).
/// `PF_RING_BACKEND=kmod` or `af_packet` forces one; forcing `kmod` fails
/// with EAFNOSUPPORT when the module is not loaded (ENODEV for `any`).
///
/// # Returns
/// A handle, or NULL with errno set: ENODEV (unknown device), EPERM (no
/// CAP_NET_RAW, or CAP_NET_ADMIN on the module), EAFNOSUPPORT (module
/// forced but not loaded), EINVAL (bad argument or environment variable),
/// ENOMEM.
///
/// # Safety
/// `device_name` is NULL or a C string.
#[no_mangle]
pub unsafe extern "C" fn pfring_open(
    device_name: *mut c_char,
    promisc: u_int8_t,
    reentrant: u_int8_t,
) -> *mut pfring {
    read_debug_env();
    free_dead_handles();
    let dev = if device_name.is_null() {
        None
    } else {
        // SAFETY: non-NULL device_name is a C string per the contract.
        Some(unsafe { CStr::from_ptr(device_name) })
    };
    ffi_body!("pfring_open", ptr::null_mut(), dev, {
        let dev = dev.ok_or(Error::Invalid("NULL device name"))?;
        let ring = Ring::open(dev, promisc != 0, reentrant != 0)?;
        let mut h = Box::new(Handle {
            public: pfring {
                buffer: ptr::null_mut(),
                slots: ptr::null_mut(),
                device_name: ptr::null_mut(),
                fd: ring.fd(),
                slots_info: ptr::null_mut(),
                page_id: 0,
                slot_id: 0,
                pkts_per_page: 0,
                poll_sleep: 0,
                clear_promisc: u8::from(promisc != 0),
                reentrant: u8::from(reentrant != 0),
                num_poll_calls: 0,
                spinlock: 0,
            },
            ring,
            next_dead: AtomicPtr::new(ptr::null_mut()),
        });
        h.public.device_name = h.ring.device().as_ptr() as *mut c_char;
        if let Some((map, _len, _slots, _slot_len)) = h.ring.kmod_mapping() {
            // As 3.7.5: buffer = the mapping, slots_info = its start,
            // slots = right after FlowSlotInfo.
            h.public.buffer = map as *mut c_char;
            h.public.slots_info = map as *mut FlowSlotInfo;
            // SAFETY: the mapping is at least one page long, so 64 bytes in
            // is inside it.
            h.public.slots =
                unsafe { map.add(core::mem::size_of::<FlowSlotInfo>()) } as *mut c_char;
        }
        Ok(Box::into_raw(h) as *mut pfring)
    })
}

/// Closes a ring: releases the socket, the ring memory and the promiscuous
/// setting. Safe to call from a signal handler, also while another call
/// (e.g. a blocked `pfring_recv`) is running on the same handle: that call
/// returns -1 and the resources go when it leaves. Closing twice is harmless
/// until the next `pfring_open` recycles the handle's memory.
///
/// # Safety
/// `ring` is NULL or a valid handle.
#[no_mangle]
pub unsafe extern "C" fn pfring_close(ring: *mut pfring) {
    ffi_body!("pfring_close", (), None, {
        if ring.is_null() {
            return Err(Error::Invalid("NULL ring"));
        }
        let h = ring as *mut Handle;
        // SAFETY: a valid handle per the contract (see `ring`).
        let hr = unsafe { &*h };
        if hr.ring.close() {
            // SAFETY: the handle stays allocated; only the public copy of
            // the descriptor is cleared for programs that read it.
            unsafe { ptr::addr_of_mut!((*h).public.fd).write_volatile(-1) };
            push_dead(h);
        }
        Ok(())
    })
}

/// Reads ring statistics: `recv` = packets the application has read,
/// `drop` = packets the kernel could not queue because the ring was full.
/// Async-signal-safe (one system call on AF_PACKET, none on the kernel
/// module, where `drop` is `slots_info->tot_lost`; no lock, no allocation).
///
/// # Returns
/// 0, or -1 with errno (EINVAL for NULL arguments, EBADF if closed).
///
/// # Safety
/// `ring` is NULL or a valid handle; `stats` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn pfring_stats(ring: *mut pfring, stats: *mut pfring_stat) -> c_int {
    // SAFETY: per this function's contract.
    let dev = unsafe { dev_of(ring) };
    ffi_body!("pfring_stats", -1, dev, {
        // SAFETY: per this function's contract.
        let r = unsafe { self::ring(ring) }?;
        // SAFETY: per this function's contract.
        let out = unsafe { out(stats, "NULL stats") }?;
        let (recv, drop) = r.stats()?;
        *out = pfring_stat { recv, drop };
        Ok(0)
    })
}

/// Reads the next packet: copies at most `buffer_len` bytes of it into
/// `buffer` and fills `hdr` (time stamp, `caplen` = bytes copied, `len` =
/// length on the wire, parsed header fields). On the kernel module, data a
/// kernel plugin attached comes first, as in 3.7.5: the frame then starts at
/// `buffer + hdr->parsed_header_len` (`caplen` counts the frame's bytes). With
/// `wait_for_incoming_packet` zero it returns 0 at once when nothing is
/// queued; otherwise it sleeps in poll() until a packet arrives. The first
/// call enables the ring.
///
/// # Returns
/// The size of the packet on the wire (> 0); 0 when nothing is queued and
/// waiting was not asked for; -1 with errno on error (EINVAL for NULL
/// arguments, EBADF when the ring is or gets closed).
///
/// # Safety
/// `ring` is NULL or a valid handle; `buffer` is NULL (only with
/// `buffer_len` 0) or writable for `buffer_len` bytes; `hdr` is NULL or
/// writable.
#[no_mangle]
pub unsafe extern "C" fn pfring_recv(
    ring: *mut pfring,
    buffer: *mut c_char,
    buffer_len: u_int,
    hdr: *mut pfring_pkthdr,
    wait_for_incoming_packet: u_char,
) -> c_int {
    if !ring.is_null() && !hdr.is_null() && !buffer.is_null() {
        // SAFETY: per this function's contract; `public` is the first field
        // of the repr(C) Handle (see `ring`), and `hdr` is writable.
        let (r, h) = unsafe { (&(*(ring as *const Handle)).ring, &mut *hdr) };
        // The everyday case inline: the next frame of the open block of an
        // AF_PACKET ring with no rules, sampling or reflector (see
        // Ring::try_recv_fast); everything else, including waiting, below.
        // SAFETY: per this function's contract.
        let got = r.try_recv_fast(
            #[inline(always)]
            |fr| unsafe { deliver(fr, buffer as *mut u8, buffer_len, h) },
        );
        if let Some(n) = got {
            return n;
        }
    }
    // SAFETY: per this function's contract.
    unsafe { recv_general(ring, buffer, buffer_len, hdr, wait_for_incoming_packet) }
}

/// Copies a frame the fast path found into the caller's buffer and header.
///
/// # Safety
/// `buffer` is writable for `buffer_len` bytes (caller memory, so it cannot
/// overlap the ring mapping).
#[inline(always)]
unsafe fn deliver(
    fr: Frame<'_>,
    buffer: *mut u8,
    buffer_len: u_int,
    h: &mut pfring_pkthdr,
) -> c_int {
    let n = fr.data.len().min(buffer_len as usize);
    // SAFETY: per this function's contract.
    unsafe { copy_frame(fr.data.as_ptr(), buffer, n) };
    h.ts = timeval {
        tv_sec: fr.sec as _,
        tv_usec: (fr.nsec / 1000) as _,
    };
    h.caplen = n as u32;
    h.len = fr.wire_len;
    parse::parse_into(fr.data, fr.dir, &mut h.parsed_pkt);
    h.parsed_header_len = 0;
    fr.wire_len.max(1) as c_int
}

/// `pfring_recv` for every case: checks, waiting, rules, the module.
///
/// # Safety
/// As for `pfring_recv`.
#[inline(never)]
unsafe fn recv_general(
    ring: *mut pfring,
    buffer: *mut c_char,
    buffer_len: u_int,
    hdr: *mut pfring_pkthdr,
    wait_for_incoming_packet: u_char,
) -> c_int {
    // The device name is looked up only to report an error (the macro
    // evaluates it there); SAFETY: per this function's contract.
    ffi_body!("pfring_recv", -1, unsafe { dev_of(ring) }, {
        // SAFETY: per this function's contract.
        let r = unsafe { self::ring(ring) }?;
        // SAFETY: per this function's contract.
        let hdr = unsafe { out(hdr, "NULL header") }?;
        if buffer.is_null() && buffer_len > 0 {
            return Err(Error::Invalid("NULL buffer"));
        }
        let got = r.recv_with(wait_for_incoming_packet != 0, |p| {
            // Kernel plugin data (module backend) comes first, as in 3.7.5.
            let pl = p.plugin.len().min(buffer_len as usize);
            if pl > 0 {
                // SAFETY: `buffer` is writable for buffer_len >= pl bytes and
                // cannot overlap the ring mapping (caller memory).
                unsafe { ptr::copy_nonoverlapping(p.plugin.as_ptr(), buffer as *mut u8, pl) };
            }
            let n = p.data.len().min(buffer_len as usize - pl);
            // SAFETY: `buffer` is writable for buffer_len >= pl + n bytes
            // and cannot overlap the ring mapping (caller memory).
            unsafe { copy_frame(p.data.as_ptr(), (buffer as *mut u8).add(pl), n) };
            // Field by field, and the parse straight into the caller's
            // header: building the 64 bytes on the stack and copying them
            // made the vector load of the freshly written parse result a
            // store-forwarding stall (11% of the loop's CPU in perf).
            hdr.ts = timeval {
                tv_sec: p.ts_sec as _,
                tv_usec: (p.ts_nsec / 1000) as _,
            };
            hdr.caplen = n as u32;
            hdr.len = p.wire_len;
            match p.parsed {
                Some(parsed) => hdr.parsed_pkt = parsed,
                None => parse::parse_into(p.data, p.dir, &mut hdr.parsed_pkt),
            }
            hdr.parsed_header_len = pl as u16;
            p.wire_len.max(1) as c_int
        })?;
        Ok(match got {
            Recv::Packet(n) => n,
            Recv::Empty => 0,
        })
    })
}

/// Enables a ring: packets are queued from now on (`pfring_recv` does this
/// implicitly). Useful when the application only sets rules or a reflector.
///
/// # Returns
/// 0, or -1 with errno.
///
/// # Safety
/// `ring` is NULL or a valid handle.
#[no_mangle]
pub unsafe extern "C" fn pfring_enable_ring(ring: *mut pfring) -> c_int {
    // SAFETY: per this function's contract.
    let dev = unsafe { dev_of(ring) };
    ffi_body!("pfring_enable_ring", -1, dev, {
        // SAFETY: per this function's contract.
        unsafe { self::ring(ring) }?.enable()?;
        Ok(0)
    })
}

/// Reports the API version, 0x030705 for 3.7.5.
///
/// # Returns
/// 0, or -1 with errno (EINVAL for NULL arguments).
///
/// # Safety
/// `ring` is NULL or a valid handle; `version` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn pfring_version(ring: *mut pfring, version: *mut u_int32_t) -> c_int {
    // SAFETY: per this function's contract.
    let dev = unsafe { dev_of(ring) };
    ffi_body!("pfring_version", -1, dev, {
        // SAFETY: per this function's contract.
        unsafe { self::ring(ring) }?;
        // SAFETY: per this function's contract.
        *unsafe { out(version, "NULL version") }? = RING_VERSION_NUM;
        Ok(0)
    })
}

/// Writes per-rule statistics into a caller buffer of `*stats_len` bytes:
/// a `pfring_rule_stats` (16 bytes), then `*stats_len` = 16.
///
/// # Safety
/// `stats` is NULL or writable for `*stats_len` bytes; `stats_len` is NULL or
/// readable and writable.
unsafe fn write_rule_stats(
    stats: *mut c_char,
    stats_len: *mut u_int,
    get: impl FnOnce() -> Result<pfring_rule_stats, Error>,
) -> Result<c_int, Error> {
    // SAFETY: per this function's contract.
    let len = unsafe { out(stats_len, "NULL stats_len") }?;
    if stats.is_null() {
        return Err(Error::Invalid("NULL stats buffer"));
    }
    let need = core::mem::size_of::<pfring_rule_stats>();
    if (*len as usize) < need {
        return Err(Error::Invalid("stats buffer shorter than 16 bytes"));
    }
    let st = get()?;
    // SAFETY: `stats` is writable for *len >= 16 bytes; unaligned write
    // because a char buffer has no alignment.
    unsafe { ptr::write_unaligned(stats as *mut pfring_rule_stats, st) };
    *len = need as u_int;
    Ok(0)
}

/// Adds the ring to cluster `clusterId`: the rings of one cluster share the
/// incoming packets, balanced per flow (both directions of a flow go to the
/// same ring), in one process or across processes.
///
/// On AF_PACKET: a Linux fanout group (`PACKET_FANOUT_HASH`, symmetric flow
/// hash) whose id is `clusterId`. Ids are 1..65535 and are per network
/// namespace; a cluster is bound to the device of its first ring, and a
/// ring on another device cannot join it (EINVAL); at most 65536 rings per
/// cluster. On the kernel module: the module's cluster (3.7.5's per-flow
/// additive hash, ids 1..65535, global, at most 8 rings: ENOSPC beyond;
/// members on another device get nothing). Joining enables the ring. A ring
/// already in another cluster leaves it first (see
/// `pfring_remove_from_cluster`).
///
/// # Returns
/// 0, or -1 with errno: EINVAL (id 0 or above 65535, a cluster bound to
/// another device, NULL ring), ENOSPC (cluster full), EBUSY (see
/// `pfring_remove_from_cluster`), EBADF (closed ring).
///
/// # Safety
/// `ring` is NULL or a valid handle.
#[no_mangle]
pub unsafe extern "C" fn pfring_set_cluster(ring: *mut pfring, clusterId: u_int) -> c_int {
    // SAFETY: per this function's contract.
    let dev = unsafe { dev_of(ring) };
    ffi_body!("pfring_set_cluster", -1, dev, {
        // SAFETY: per this function's contract.
        unsafe { self::ring(ring) }?.set_cluster(clusterId)?;
        Ok(0)
    })
}

/// Removes the ring from its cluster; it goes on capturing alone. Returns 0
/// and changes nothing when the ring is in no cluster.
///
/// On AF_PACKET, Linux cannot take a socket out of a fanout group, so the
/// library opens a new socket and ring with the same settings and puts it
/// in place of the old one under the same descriptor number (`ring->fd`
/// stays valid). (On the kernel module it is `SO_REMOVE_FROM_CLUSTER`.)
/// Packets still queued in the ring are discarded. No other thread may be
/// inside a call on this handle meanwhile (e.g. blocked in `pfring_recv`,
/// or a running reflector): then it fails with EBUSY and the ring stays in
/// the cluster.
///
/// # Returns
/// 0, or -1 with errno (EBUSY, EBADF, EINVAL for a NULL ring, or the errno
/// of the failed system call).
///
/// # Safety
/// `ring` is NULL or a valid handle.
#[no_mangle]
pub unsafe extern "C" fn pfring_remove_from_cluster(ring: *mut pfring) -> c_int {
    // SAFETY: per this function's contract.
    let dev = unsafe { dev_of(ring) };
    ffi_body!("pfring_remove_from_cluster", -1, dev, {
        // SAFETY: per this function's contract.
        unsafe { self::ring(ring) }?.remove_from_cluster()?;
        Ok(0)
    })
}

/// Sends the packets the rules forward (and sampling keeps) out of
/// `reflectorDevice`, unmodified (VLAN tag included), instead of queueing
/// them to the application: `pfring_recv` then never returns a packet
/// (with `wait_for_incoming_packet` it sleeps until the ring is closed).
///
/// On the kernel module the module reflects in the kernel (`dev_queue_xmit`
/// of the whole frame, received frames only) once the ring is enabled. On
/// AF_PACKET a library thread does the work, so it happens even if the
/// application never calls `pfring_recv` (the 2008 `forwarder` sets a
/// reflector, enables the ring and sleeps): it starts when the ring is
/// enabled (by `pfring_enable_ring` or the first `pfring_recv`; at once if
/// the ring is already enabled) and stops when the ring is closed. There,
/// frames longer than the bucket length (`PF_RING_BUCKET_LEN`, default 2048)
/// cannot be sent unmodified and are skipped. The device is looked up in the ring's
/// network namespace. While the thread runs, `pfring_remove_from_cluster`
/// fails with EBUSY. A reflector cannot be changed or removed once set.
///
/// # Returns
/// 0, or -1 with errno: EINVAL (NULL arguments, the receiving device, a
/// ring opened on `any`), ENODEV (no such device), EBUSY (a reflector is
/// already set), EBADF (closed ring).
///
/// # Safety
/// `ring` is NULL or a valid handle; `reflectorDevice` is NULL or a C string.
#[no_mangle]
pub unsafe extern "C" fn pfring_set_reflector(
    ring: *mut pfring,
    reflectorDevice: *mut c_char,
) -> c_int {
    // SAFETY: per this function's contract.
    let dev = unsafe { dev_of(ring) };
    ffi_body!("pfring_set_reflector", -1, dev, {
        // SAFETY: per this function's contract.
        let r = unsafe { self::ring(ring) }?;
        if reflectorDevice.is_null() {
            return Err(Error::Invalid("NULL reflector device"));
        }
        // SAFETY: non-NULL reflectorDevice is a C string per the contract.
        let name = unsafe { CStr::from_ptr(reflectorDevice) };
        // SAFETY: the ring lives inside a boxed Handle that never moves and
        // is freed only once the ring is closed and no call is inside it
        // (free_dead_handles), which is Ring::set_reflector's contract.
        unsafe { r.set_reflector(name) }?;
        Ok(0)
    })
}

/// Keeps 1 packet out of `rate` among those that pass the rules: the 1st,
/// the `rate+1`th, ... (1 = no sampling, the initial setting). Packets
/// skipped by sampling are not drops in `pfring_stats`. Setting a rate
/// restarts the countdown.
///
/// # Returns
/// 0, or -1 with errno (EINVAL for rate 0, which changes nothing).
///
/// # Safety
/// `ring` is NULL or a valid handle.
#[no_mangle]
pub unsafe extern "C" fn pfring_set_sampling_rate(ring: *mut pfring, rate: u_int32_t) -> c_int {
    // SAFETY: per this function's contract.
    let dev = unsafe { dev_of(ring) };
    ffi_body!("pfring_set_sampling_rate", -1, dev, {
        // SAFETY: per this function's contract.
        unsafe { self::ring(ring) }?.set_sampling_rate(rate)?;
        Ok(0)
    })
}

/// Adds (or replaces, same `rule_id`, with fresh statistics) a wildcard
/// filtering rule. Rules are evaluated in ascending `rule_id`. As in 3.7.5
/// the library first sanitises the caller's struct in place
/// (`port_low > port_high` => `port_low = port_high`, the same for hosts,
/// `balance_id > balance_pool` => `balance_id = 0`).
///
/// # Returns
/// 0, or -1 with errno: EINVAL (NULL rule, `rule_action` not 0..2),
/// EOPNOTSUPP (the rule names a kernel plugin: none exist on AF_PACKET; on
/// the kernel module plugin ids 1..127 are accepted).
/// On error the ring's rules are unchanged.
///
/// # Safety
/// `ring` is NULL or a valid handle; `rule_to_add` is NULL or readable and
/// writable.
#[no_mangle]
pub unsafe extern "C" fn pfring_add_filtering_rule(
    ring: *mut pfring,
    rule_to_add: *mut filtering_rule,
) -> c_int {
    // SAFETY: per this function's contract.
    let dev = unsafe { dev_of(ring) };
    ffi_body!("pfring_add_filtering_rule", -1, dev, {
        // SAFETY: per this function's contract.
        let r = unsafe { self::ring(ring) }?;
        let raw = rule_to_add as *mut RawFilteringRule;
        // SAFETY: RawFilteringRule has filtering_rule's layout with the enum
        // read as a plain u32 (any value is sound); non-NULL is readable
        // and writable per the contract.
        let rule = unsafe { out(raw, "NULL rule") }?;
        rules::sanitize(rule);
        r.add_rule(rule)?;
        Ok(0)
    })
}

/// Removes the wildcard rule `rule_id`.
///
/// # Returns
/// 0, or -1 with errno (ENOENT: no rule with this id).
///
/// # Safety
/// `ring` is NULL or a valid handle.
#[no_mangle]
pub unsafe extern "C" fn pfring_remove_filtering_rule(
    ring: *mut pfring,
    rule_id: u_int16_t,
) -> c_int {
    // SAFETY: per this function's contract.
    let dev = unsafe { dev_of(ring) };
    ffi_body!("pfring_remove_filtering_rule", -1, dev, {
        // SAFETY: per this function's contract.
        unsafe { self::ring(ring) }?.remove_rule(rule_id)?;
        Ok(0)
    })
}

/// Adds (`add_rule` non-zero) or removes a hash filtering rule: the exact
/// tuple `<vlan_id, proto, host_peer_a, host_peer_b, port_peer_a,
/// port_peer_b>`, matching both directions. Hash rules are checked before
/// the wildcard rules.
///
/// # Returns
/// 0, or -1 with errno: EINVAL (NULL rule, bad action), EEXIST (adding a
/// tuple that is present), ENOENT (removing a missing rule), EOPNOTSUPP
/// (plugin action).
///
/// # Safety
/// `ring` is NULL or a valid handle; `rule_to_add` is NULL or readable.
#[no_mangle]
pub unsafe extern "C" fn pfring_handle_hash_filtering_rule(
    ring: *mut pfring,
    rule_to_add: *mut hash_filtering_rule,
    add_rule: u_char,
) -> c_int {
    // SAFETY: per this function's contract.
    let dev = unsafe { dev_of(ring) };
    ffi_body!("pfring_handle_hash_filtering_rule", -1, dev, {
        // SAFETY: per this function's contract.
        let r = unsafe { self::ring(ring) }?;
        // SAFETY: same layout with the enum as a plain u32; readable if
        // non-NULL per the contract.
        let rule = unsafe { (rule_to_add as *const RawHashFilteringRule).as_ref() }
            .ok_or(Error::Invalid("NULL rule"))?;
        if add_rule != 0 {
            r.add_hash_rule(rule)?;
        } else {
            r.remove_hash_rule(rule)?;
        }
        Ok(0)
    })
}

/// Reads the statistics of wildcard rule `rule_id`: writes a
/// `pfring_rule_stats` (packets and bytes the rule matched, whatever its
/// action; bytes are lengths on the wire) into `stats`, which has
/// `*stats_len` bytes, and sets `*stats_len` to the bytes written (16).
///
/// # Returns
/// 0, or -1 with errno: EINVAL (NULL arguments, `*stats_len` < 16), ENOENT
/// (no such rule). Nothing is written on error.
///
/// # Safety
/// `ring` is NULL or a valid handle; `stats` is NULL or writable for
/// `*stats_len` bytes; `stats_len` is NULL or readable and writable.
#[no_mangle]
pub unsafe extern "C" fn pfring_get_filtering_rule_stats(
    ring: *mut pfring,
    rule_id: u_int16_t,
    stats: *mut c_char,
    stats_len: *mut u_int,
) -> c_int {
    // SAFETY: per this function's contract.
    let dev = unsafe { dev_of(ring) };
    ffi_body!("pfring_get_filtering_rule_stats", -1, dev, {
        // SAFETY: per this function's contract.
        let r = unsafe { self::ring(ring) }?;
        // SAFETY: per this function's contract.
        unsafe { write_rule_stats(stats, stats_len, || r.rule_stats(rule_id)) }
    })
}

/// Reads the statistics of a hash rule (the tuple identifies it, in either
/// orientation), as `pfring_get_filtering_rule_stats` does.
///
/// # Returns
/// 0, or -1 with errno: EINVAL (NULL arguments, `*stats_len` < 16), ENOENT
/// (no such rule).
///
/// # Safety
/// As for `pfring_get_filtering_rule_stats`; `rule` is NULL or readable.
#[no_mangle]
pub unsafe extern "C" fn pfring_get_hash_filtering_rule_stats(
    ring: *mut pfring,
    rule: *mut hash_filtering_rule,
    stats: *mut c_char,
    stats_len: *mut u_int,
) -> c_int {
    // SAFETY: per this function's contract.
    let dev = unsafe { dev_of(ring) };
    ffi_body!("pfring_get_hash_filtering_rule_stats", -1, dev, {
        // SAFETY: per this function's contract.
        let r = unsafe { self::ring(ring) }?;
        // SAFETY: same layout with the enum as a plain u32; readable if
        // non-NULL per the contract.
        let rule = unsafe { (rule as *const RawHashFilteringRule).as_ref() }
            .ok_or(Error::Invalid("NULL rule"))?;
        // SAFETY: per this function's contract.
        unsafe { write_rule_stats(stats, stats_len, || r.hash_rule_stats(rule)) }
    })
}

/// Sets what happens to packets no rule decides: forwarded to the
/// application (`rules_default_accept_policy` non-zero, the initial
/// setting) or dropped.
///
/// # Returns
/// 0, or -1 with errno.
///
/// # Safety
/// `ring` is NULL or a valid handle.
#[no_mangle]
pub unsafe extern "C" fn pfring_toggle_filtering_policy(
    ring: *mut pfring,
    rules_default_accept_policy: u_int8_t,
) -> c_int {
    // SAFETY: per this function's contract.
    let dev = unsafe { dev_of(ring) };
    ffi_body!("pfring_toggle_filtering_policy", -1, dev, {
        // SAFETY: per this function's contract.
        unsafe { self::ring(ring) }?.set_default_accept(rules_default_accept_policy != 0)?;
        Ok(0)
    })
}

const _: () = assert!(core::mem::size_of::<c_uint>() == 4);
