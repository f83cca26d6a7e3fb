//! Backend over the bundled kernel module's PF_RING socket (family 27),
//! the 3.7.5 way: `socket(27, SOCK_RAW, htons(ETH_P_ALL))`, `bind` by
//! device name (16-byte `sockaddr`, name in `sa_data`), `mmap` of the
//! module's ring (`FlowSlotInfo` then `FlowSlot`s), activation with
//! `SO_ACTIVATE_RING`, and every control call a socket option (level 0)
//! that the module carries out in the kernel: rules, policy, sampling,
//! clusters, reflection.
//!
//! # Shared memory protocol (pairs with kmod/pf_ring.c)
//!
//! * The kernel fills the slot at its private `insert_idx`, publishes the
//!   counters, then `smp_store_release(&slot[1], 1)` (`add_skb_to_ring`).
//!   We read `slot_state` with an acquire load ([`KmodRing::next`]) before
//!   reading the header and the data.
//! * We give a slot back with a release store of `slot_state = 0` once we
//!   are done with its bytes; the kernel reads it with `smp_load_acquire`
//!   before overwriting the slot.
//! * `remove_idx` (which slot `poll` looks at, `slot_ready`) and `tot_read`
//!   (used by `recvmsg`) are written by us with relaxed atomic stores; the
//!   kernel reads them with `READ_ONCE` and bounds-checks `remove_idx`.
//! * `tot_lost`, `tot_insert`, ... are written by the kernel with
//!   `WRITE_ONCE` and read here with relaxed atomic loads.
//!
//! The frame handed out stays valid until the next call on the cursor (as
//! on the AF_PACKET backend, which `pcap_next_ex` relies on): the slot is
//! given back at the start of the next [`KmodRing::next`], while
//! `remove_idx` moves on at once, so `poll` waits for the following slot.

use core::ffi::c_int;
use core::mem::size_of;
use core::sync::atomic::{AtomicU32, AtomicU64, AtomicU8, Ordering};
use std::ffi::CStr;

use crate::error::Error;
use crate::ffi::types::{pfring_pkthdr, pfring_rule_stats, pkt_parsing_info, RawHashFilteringRule};
use crate::parse::Direction;
use crate::sys::{self, OsError};

use super::SockFilter;

/// Socket family (and type) of the module.
pub const PF_RING: c_int = 27;
const ETH_P_ALL: u16 = 0x0003;
const RING_FLOWSLOT_VERSION: u16 = 9;
const PAGE: usize = 4096;
/// `sizeof(FlowSlotInfo)`: the slots start right after it.
const INFO_LEN: usize = 64;
/// magic + slot_state before the header.
const SLOT_PREFIX: usize = 2;
const HDR_LEN: usize = size_of::<pfring_pkthdr>();
/// Smallest bucket a too-big request is reduced to (1514 + a VLAN tag).
const MIN_FALLBACK_BUCKET: u32 = 1518;
/// The module's default `num_slots` (its parameter's default), used when
/// the parameter cannot be read.
const MODULE_DEFAULT_SLOTS: u32 = 4096;
/// Where the module publishes its `num_slots` parameter.
const NUM_SLOTS_PARAM: &str = "/sys/module/pf_ring/parameters/num_slots";

/// The module's `num_slots` parameter (the administrator's ring size, as in
/// 3.7.5): the floor of a per-socket request, and what a too-big request is
/// reduced to before the bucket is cut.
fn module_num_slots() -> u32 {
    std::fs::read_to_string(NUM_SLOTS_PARAM)
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .filter(|&n| n > 0)
        .unwrap_or(MODULE_DEFAULT_SLOTS)
}

// FlowSlotInfo offsets (3.7.5, x86_64).
const FI_VERSION: usize = 0;
const FI_TOT_SLOTS: usize = 4;
const FI_SLOT_LEN: usize = 8;
const FI_DATA_LEN: usize = 12;
const FI_TOT_MEM: usize = 16;
const FI_TOT_LOST: usize = 32;
const FI_TOT_READ: usize = 48;
const FI_REMOVE_IDX: usize = 60;

// Socket options (kmod/include/linux/ring.h).
const SO_ADD_TO_CLUSTER: c_int = 99;
const SO_REMOVE_FROM_CLUSTER: c_int = 100;
const SO_SET_REFLECTOR: c_int = 101;
const SO_ADD_FILTERING_RULE: c_int = 103;
const SO_REMOVE_FILTERING_RULE: c_int = 104;
const SO_TOGGLE_FILTER_POLICY: c_int = 105;
const SO_SET_SAMPLING_RATE: c_int = 106;
const SO_ACTIVATE_RING: c_int = 107;
const SO_RING_BUCKET_LEN: c_int = 108;
// Extensions of the module (kmod/include/linux/ring.h), not in 3.7.5.
const SO_RING_NUM_SLOTS: c_int = 114;
const SO_SET_SAMPLING_ONE_IN: c_int = 120;
const SO_GET_FILTERING_RULE_STATS: c_int = 111;
const SO_GET_HASH_FILTERING_RULE_STATS: c_int = 112;

/// Creates a PF_RING socket (the probe for the backend choice too).
pub fn socket() -> Result<c_int, OsError> {
    sys::socket(PF_RING, libc::SOCK_RAW, c_int::from(ETH_P_ALL.to_be())).map_err(|e| OsError {
        op: "socket(PF_RING=27)",
        errno: e.errno,
    })
}

/// A frame in the ring, borrowed until the next call on the cursor.
pub struct KFrame<'a> {
    /// The packet from its Ethernet header, `caplen` bytes.
    pub data: &'a [u8],
    /// Bytes a kernel plugin placed before the packet (`parsed_header_len`).
    pub plugin: &'a [u8],
    pub wire_len: u32,
    pub sec: u32,
    pub nsec: u32,
    pub dir: Direction,
    /// The header the module parsed.
    pub parsed: pkt_parsing_info,
}

/// The consumer's position.
#[derive(Default)]
pub struct Cursor {
    idx: u32,
    /// Slot handed out by the last `next`, given back by the following one.
    held: Option<u32>,
}

/// The socket, its mapping and the helper socket that keeps the device
/// promiscuous. Released only by [`KmodRing::release`].
pub struct KmodRing {
    pub fd: c_int,
    map: *mut u8,
    map_len: usize,
    tot_slots: u32,
    slot_len: u32,
    bucket_len: u32,
    promisc_fd: c_int,
}

// SAFETY: the mapping is owned by this struct; the slots are consumed by one
// consumer at a time (the ring's contract), and every word the kernel
// shares with us is accessed atomically.
unsafe impl Send for KmodRing {}
// SAFETY: as above.
unsafe impl Sync for KmodRing {}

#[repr(C)]
struct SockFprog {
    len: u16,
    filter: *const SockFilter,
}

impl KmodRing {
    /// Opens a ring on `device` with `bucket_len` bytes per slot: socket,
    /// `SO_RING_BUCKET_LEN`, bind, and the two-step mmap of 3.7.5 (one page
    /// to read `FlowSlotInfo` and check the version, then `tot_mem`).
    pub fn open(fd: c_int, device: &CStr, bucket_len: u32) -> Result<KmodRing, Error> {
        Self::open_slots(fd, device, bucket_len, 0)
    }

    /// As [`KmodRing::open`], with `num_slots` slots for this ring
    /// (`SO_RING_NUM_SLOTS`, the module's extension; 0 or a module without
    /// it: the module's `num_slots` parameter). The parameter is a floor: a
    /// smaller request gets the module's size (the slots are fixed-size, so
    /// a count meant for AF_PACKET's packed blocks, e.g. the pcap shim's
    /// buffer size over its snaplen, would be far too small here).
    pub fn open_slots(
        fd: c_int,
        device: &CStr,
        bucket_len: u32,
        num_slots: u32,
    ) -> Result<KmodRing, Error> {
        let mut me = KmodRing {
            fd,
            map: core::ptr::null_mut(),
            map_len: 0,
            tot_slots: 0,
            slot_len: 0,
            bucket_len: 0,
            promisc_fd: -1,
        };
        if let Err(e) = me.setup(device, bucket_len, num_slots) {
            me.release();
            return Err(e);
        }
        Ok(me)
    }

    fn setup(&mut self, device: &CStr, bucket_len: u32, num_slots: u32) -> Result<(), Error> {
        // The module allocates slots x bucket at bind and refuses (EINVAL) a
        // ring above its memory cap: a big slot count is halved down to the
        // module's num_slots, then a big bucket (the pcap shim asks for its
        // snaplen) until it fits, never below a full Ethernet frame with a
        // VLAN tag. Buckets start at most at the module's MAX_BUCKET_LEN
        // (65,535): a bigger request (the shim's snaplen up to 262,144) is
        // cut there rather than halved below it.
        let mut bucket = bucket_len.min(crate::ring::MAX_ENV_BUCKET_LEN);
        let floor = module_num_slots();
        let mut slots = if num_slots == 0 {
            0
        } else {
            num_slots.max(floor)
        };
        loop {
            match self.bind(device, bucket, &mut slots) {
                Err(Error::Os(e)) if e.errno == libc::EINVAL && slots > floor => {
                    slots = (slots / 2).max(floor);
                }
                Err(Error::Os(e)) if e.errno == libc::EINVAL && bucket > MIN_FALLBACK_BUCKET => {
                    bucket = (bucket / 2).max(MIN_FALLBACK_BUCKET);
                }
                r => break r?,
            }
        }
        self.map_ring()
    }

    /// Sets the geometry options and binds. `slots` becomes 0 when the
    /// module does not know `SO_RING_NUM_SLOTS` (its default then applies).
    fn bind(&mut self, device: &CStr, bucket_len: u32, slots: &mut u32) -> Result<(), Error> {
        self.setopt(
            SO_RING_BUCKET_LEN,
            &bucket_len.to_ne_bytes(),
            "SO_RING_BUCKET_LEN",
        )?;
        if *slots != 0 {
            match self.setopt(SO_RING_NUM_SLOTS, &slots.to_ne_bytes(), "SO_RING_NUM_SLOTS") {
                Err(e) if e.errno() == libc::ENOPROTOOPT => *slots = 0,
                r => r?,
            }
        }
        // 3.7.5's address: a plain 16-byte sockaddr, family 27, the name in
        // sa_data (at most 13 characters, the module ends it at sa_data[13]).
        let name = device.to_bytes();
        if name.len() > 13 {
            return Err(Error::Os(OsError {
                op: "bind(PF_RING): device names longer than 13 bytes do not fit sa_data",
                errno: libc::ENODEV,
            }));
        }
        let mut sa = [0u8; 16];
        sa[..2].copy_from_slice(&(PF_RING as u16).to_ne_bytes());
        sa[2..2 + name.len()].copy_from_slice(name);
        // SAFETY: `sa` is 16 readable bytes laid out as a struct sockaddr.
        let rc = unsafe {
            libc::bind(
                self.fd,
                sa.as_ptr() as *const libc::sockaddr,
                sa.len() as libc::socklen_t,
            )
        };
        if rc < 0 {
            let errno = sys::errno();
            return Err(if errno == libc::ENODEV {
                Error::NoDevice
            } else {
                Error::Os(OsError {
                    op: "bind(PF_RING)",
                    errno,
                })
            });
        }
        Ok(())
    }

    fn map_ring(&mut self) -> Result<(), Error> {
        // First page: FlowSlotInfo.
        let first = sys::mmap_shared(self.fd, PAGE)?;
        self.map = first;
        self.map_len = PAGE;
        let version = self.info_u16(FI_VERSION);
        let tot_mem = self.info_u32(FI_TOT_MEM) as usize;
        // SAFETY: our live one-page mapping, no reference into it survives.
        unsafe { sys::munmap(first, PAGE) };
        self.map = core::ptr::null_mut();
        self.map_len = 0;
        if version != RING_FLOWSLOT_VERSION {
            return Err(Error::Os(OsError {
                op: "checking the ring version (module slot version is not 9)",
                errno: libc::EPROTO,
            }));
        }
        if tot_mem < PAGE || tot_mem % PAGE != 0 {
            return Err(Error::Os(OsError {
                op: "checking the ring geometry (tot_mem)",
                errno: libc::EPROTO,
            }));
        }
        self.map = sys::mmap_shared(self.fd, tot_mem)?;
        self.map_len = tot_mem;
        self.tot_slots = self.info_u32(FI_TOT_SLOTS);
        self.slot_len = self.info_u32(FI_SLOT_LEN);
        self.bucket_len = self.info_u32(FI_DATA_LEN);
        let geometry_ok = self.tot_slots > 0
            && self.slot_len as usize == SLOT_PREFIX + HDR_LEN + self.bucket_len as usize
            && INFO_LEN as u64 + u64::from(self.tot_slots) * u64::from(self.slot_len)
                <= tot_mem as u64;
        if !geometry_ok {
            return Err(Error::Os(OsError {
                op: "checking the ring geometry (slots do not fit)",
                errno: libc::EPROTO,
            }));
        }
        Ok(())
    }

    /// Bytes per slot for the packet (the module's `data_len`).
    pub fn bucket_len(&self) -> u32 {
        self.bucket_len
    }

    fn info_u16(&self, at: usize) -> u16 {
        // SAFETY: `at` + 2 lies in the first page of the live mapping
        // (FlowSlotInfo); plain read of kernel-initialised memory.
        unsafe { core::ptr::read_volatile(self.map.add(at) as *const u16) }
    }

    fn info_u32(&self, at: usize) -> u32 {
        self.info_a32(at).load(Ordering::Relaxed)
    }

    #[inline(always)]
    fn info_a32(&self, at: usize) -> &AtomicU32 {
        debug_assert!(at % 4 == 0 && at + 4 <= INFO_LEN);
        // SAFETY: 4-byte aligned (page-aligned mapping, aligned offset)
        // inside FlowSlotInfo of the live mapping; shared with the kernel,
        // hence only accessed atomically.
        unsafe { AtomicU32::from_ptr(self.map.add(at) as *mut u32) }
    }

    #[inline(always)]
    fn info_a64(&self, at: usize) -> &AtomicU64 {
        debug_assert!(at % 8 == 0 && at + 8 <= INFO_LEN);
        // SAFETY: as in `info_a32`, 8-byte aligned.
        unsafe { AtomicU64::from_ptr(self.map.add(at) as *mut u64) }
    }

    #[inline(always)]
    fn slot(&self, idx: u32) -> *mut u8 {
        debug_assert!(idx < self.tot_slots);
        // SAFETY: idx < tot_slots and the geometry check at open put every
        // slot inside the mapping.
        unsafe {
            self.map
                .add(INFO_LEN + idx as usize * self.slot_len as usize)
        }
    }

    #[inline(always)]
    fn state(&self, idx: u32) -> &AtomicU8 {
        // SAFETY: byte 1 of a slot inside the live mapping; shared with the
        // kernel, only accessed atomically.
        unsafe { AtomicU8::from_ptr(self.slot(idx).add(1)) }
    }

    /// Starts reception (`SO_ACTIVATE_RING`, one dummy byte as 3.7.5).
    pub fn activate(&self) -> Result<(), Error> {
        self.setopt(SO_ACTIVATE_RING, &[1], "SO_ACTIVATE_RING")
    }

    /// The next full slot, or None. Gives back the slot the previous call
    /// handed out first. No system call, lock or allocation.
    #[inline]
    pub fn next<'a>(&'a self, cur: &'a mut Cursor) -> Option<KFrame<'a>> {
        if let Some(h) = cur.held.take() {
            // Partner: the kernel's smp_load_acquire(&slot[1]) in
            // add_skb_to_ring; our reads of the slot happen before it may
            // overwrite it.
            self.state(h).store(0, Ordering::Release);
        }
        let idx = cur.idx;
        // Partner: smp_store_release(&slot[1], 1) in add_skb_to_ring, after
        // the header and the data were written.
        if self.state(idx).load(Ordering::Acquire) != 1 {
            return None;
        }
        let slot = self.slot(idx);
        // SAFETY: the slot is full and ours until we store 0; the header is
        // HDR_LEN bytes after the 2-byte prefix, inside the slot (unaligned:
        // slot_len may be odd).
        let hdr: pfring_pkthdr =
            unsafe { core::ptr::read_unaligned(slot.add(SLOT_PREFIX) as *const pfring_pkthdr) };
        // The mapping is writable by any thread of the process: clamp what
        // the header says to the bucket.
        let bucket = self.bucket_len as usize;
        let plen = (hdr.parsed_header_len as usize).min(bucket);
        let caplen = (hdr.caplen as usize).min(bucket - plen);
        // SAFETY: the bucket (bucket_len bytes after the header) lies inside
        // the slot; plen + caplen <= bucket_len. The bytes stay unchanged
        // until we give the slot back (the kernel does not write a full
        // slot), which happens no earlier than the next call on `cur`, to
        // which the frame's lifetime is tied.
        let (plugin, data) = unsafe {
            let b = slot.add(SLOT_PREFIX + HDR_LEN);
            (
                core::slice::from_raw_parts(b, plen),
                core::slice::from_raw_parts(b.add(plen), caplen),
            )
        };
        let next = if idx + 1 >= self.tot_slots {
            0
        } else {
            idx + 1
        };
        cur.idx = next;
        cur.held = Some(idx);
        // Read by the kernel with READ_ONCE (poll's slot_ready, recvmsg).
        self.info_a32(FI_REMOVE_IDX).store(next, Ordering::Relaxed);
        let rd = self.info_a64(FI_TOT_READ);
        rd.store(
            rd.load(Ordering::Relaxed).wrapping_add(1),
            Ordering::Relaxed,
        );
        let parsed = hdr.parsed_pkt;
        Some(KFrame {
            data,
            plugin,
            wire_len: hdr.len,
            sec: hdr.ts.tv_sec as u32,
            nsec: (hdr.ts.tv_usec as u32).wrapping_mul(1000),
            // The module keeps 3.7.5's offsets relative to skb->data:
            // eth_offset -14 on RX, 0 on TX.
            dir: if parsed.eth_offset == 0 {
                Direction::Tx
            } else {
                Direction::Rx
            },
            parsed,
        })
    }

    /// Packets the kernel could not queue (ring full), from the mapping.
    pub fn tot_lost(&self) -> u64 {
        // Written by the kernel with WRITE_ONCE (publish_counters).
        self.info_a64(FI_TOT_LOST).load(Ordering::Relaxed)
    }

    fn setopt(&self, opt: c_int, val: &[u8], op: &'static str) -> Result<(), Error> {
        sys::setsockopt_bytes(self.fd, 0, opt, val)
            .map_err(|e| Error::Os(OsError { op, errno: e.errno }))
    }

    /// `SO_ADD_FILTERING_RULE` with a wildcard (192 bytes) or hash (24
    /// bytes) rule: the module tells them apart by length.
    pub fn add_rule<T>(&self, rule: &T) -> Result<(), Error> {
        sys::setsockopt(self.fd, 0, SO_ADD_FILTERING_RULE, rule).map_err(|e| {
            Error::Os(OsError {
                op: "setsockopt(SO_ADD_FILTERING_RULE)",
                errno: e.errno,
            })
        })
    }

    /// `SO_REMOVE_FILTERING_RULE` with the 2-byte id (wildcard rule) or the
    /// 24-byte hash rule.
    pub fn remove_rule<T>(&self, what: &T) -> Result<(), Error> {
        sys::setsockopt(self.fd, 0, SO_REMOVE_FILTERING_RULE, what).map_err(|e| {
            Error::Os(OsError {
                op: "setsockopt(SO_REMOVE_FILTERING_RULE)",
                errno: e.errno,
            })
        })
    }

    pub fn set_policy(&self, accept: bool) -> Result<(), Error> {
        self.setopt(
            SO_TOGGLE_FILTER_POLICY,
            &[u8::from(accept)],
            "setsockopt(SO_TOGGLE_FILTER_POLICY)",
        )
    }

    pub fn set_sampling_rate(&self, rate: u32) -> Result<(), Error> {
        self.setopt(
            SO_SET_SAMPLING_RATE,
            &rate.to_ne_bytes(),
            "setsockopt(SO_SET_SAMPLING_RATE)",
        )
    }

    /// Keeps 1 forwarded packet in `rate` in the kernel for any rate
    /// (`SO_SET_SAMPLING_ONE_IN`, the module's extension; 3.7.5's
    /// `SO_SET_SAMPLING_RATE` countdown cannot say "1 in 2"). ENOPROTOOPT
    /// from a module without it.
    pub fn set_sampling_one_in(&self, rate: u32) -> Result<(), Error> {
        self.setopt(
            SO_SET_SAMPLING_ONE_IN,
            &rate.to_ne_bytes(),
            "setsockopt(SO_SET_SAMPLING_ONE_IN)",
        )
    }

    pub fn add_to_cluster(&self, id: u32) -> Result<(), Error> {
        self.setopt(
            SO_ADD_TO_CLUSTER,
            &id.to_ne_bytes(),
            "setsockopt(SO_ADD_TO_CLUSTER)",
        )
    }

    pub fn remove_from_cluster(&self) -> Result<(), Error> {
        self.setopt(
            SO_REMOVE_FROM_CLUSTER,
            &[],
            "setsockopt(SO_REMOVE_FROM_CLUSTER)",
        )
    }

    /// `SO_SET_REFLECTOR` with the device name (without its NUL).
    pub fn set_reflector(&self, device: &CStr) -> Result<(), Error> {
        let name = device.to_bytes();
        if name.is_empty() || name.len() >= libc::IFNAMSIZ {
            return Err(Error::NoDevice);
        }
        self.setopt(SO_SET_REFLECTOR, name, "setsockopt(SO_SET_REFLECTOR)")
            .map_err(|e| match e.errno() {
                libc::ENODEV => Error::NoDevice,
                _ => e,
            })
    }

    /// Statistics of wildcard rule `id` (`SO_GET_FILTERING_RULE_STATS`).
    pub fn rule_stats(&self, id: u16) -> Result<pfring_rule_stats, Error> {
        self.stats_opt(&id.to_ne_bytes(), false)
    }

    /// Statistics of a hash rule (`SO_GET_HASH_FILTERING_RULE_STATS`; the
    /// module finds it by its tuple).
    pub fn hash_rule_stats(&self, r: &RawHashFilteringRule) -> Result<pfring_rule_stats, Error> {
        let mut key = [0u8; 24];
        key[0..2].copy_from_slice(&r.vlan_id.to_ne_bytes());
        key[2] = r.proto;
        key[4..8].copy_from_slice(&r.host_peer_a.to_ne_bytes());
        key[8..12].copy_from_slice(&r.host_peer_b.to_ne_bytes());
        key[12..14].copy_from_slice(&r.port_peer_a.to_ne_bytes());
        key[14..16].copy_from_slice(&r.port_peer_b.to_ne_bytes());
        key[16..20].copy_from_slice(&r.rule_action.to_ne_bytes());
        key[20..22].copy_from_slice(&r.plugin_action.plugin_id.to_ne_bytes());
        self.stats_opt(&key, true)
    }

    /// The module answers with the rule's `{num_pkts, num_bytes}` (or, for
    /// a rule with a stats plugin, the plugin's first 16 bytes).
    fn stats_opt(&self, key: &[u8], hash: bool) -> Result<pfring_rule_stats, Error> {
        let mut buf = [0u8; 32];
        buf[..key.len()].copy_from_slice(key);
        let mut len = buf.len() as libc::socklen_t;
        let opt = if hash {
            SO_GET_HASH_FILTERING_RULE_STATS
        } else {
            SO_GET_FILTERING_RULE_STATS
        };
        // SAFETY: `buf` is writable for `len` bytes, `len` is a valid socklen_t.
        let rc = unsafe {
            libc::getsockopt(
                self.fd,
                0,
                opt,
                buf.as_mut_ptr() as *mut libc::c_void,
                &mut len,
            )
        };
        if rc < 0 {
            let errno = sys::errno();
            return Err(if errno == libc::ENOENT {
                Error::NotFound(if hash {
                    "no hash filtering rule with this tuple"
                } else {
                    "no filtering rule with this id"
                })
            } else {
                Error::Os(OsError {
                    op: "getsockopt(SO_GET_FILTERING_RULE_STATS)",
                    errno,
                })
            });
        }
        let u = |at: usize| u64::from_ne_bytes(buf[at..at + 8].try_into().unwrap_or([0; 8]));
        Ok(pfring_rule_stats {
            num_pkts: u(0),
            num_bytes: u(8),
        })
    }

    /// Attaches a classic BPF program (`SO_ATTACH_FILTER`, run by the module
    /// on the frame before the ring-full check).
    pub fn attach_filter(&self, prog: &[SockFilter]) -> Result<(), Error> {
        let fprog = SockFprog {
            len: prog.len() as u16,
            filter: prog.as_ptr(),
        };
        sys::setsockopt(self.fd, libc::SOL_SOCKET, libc::SO_ATTACH_FILTER, &fprog)?;
        Ok(())
    }

    /// Puts `ifindex` in promiscuous mode for as long as the ring lives,
    /// through a helper AF_PACKET socket that receives nothing (protocol 0;
    /// 3.7.5 used SIOCSIFFLAGS and cleared the flag at close, which a dying
    /// program never did).
    pub fn promisc(&mut self, ifindex: u32) -> Result<(), Error> {
        let fd = sys::socket(libc::AF_PACKET, libc::SOCK_RAW, 0)?;
        self.promisc_fd = fd;
        let mr = libc::packet_mreq {
            mr_ifindex: ifindex as c_int,
            mr_type: libc::PACKET_MR_PROMISC as u16,
            mr_alen: 0,
            mr_address: [0; 8],
        };
        sys::setsockopt(fd, libc::SOL_PACKET, libc::PACKET_ADD_MEMBERSHIP, &mr)?;
        Ok(())
    }

    /// Unmaps the ring and closes the sockets (idempotent, async-signal-safe).
    pub fn release(&mut self) {
        if !self.map.is_null() {
            // SAFETY: our live mapping; the ring guarantees no frame borrowed
            // from it is in use any more.
            unsafe { sys::munmap(self.map, self.map_len) };
            self.map = core::ptr::null_mut();
        }
        sys::close(self.fd);
        self.fd = -1;
        sys::close(self.promisc_fd);
        self.promisc_fd = -1;
    }

    /// The mapping (for `struct pfring`'s public fields).
    pub fn mapping(&self) -> (*mut u8, usize) {
        (self.map, self.map_len)
    }

    /// (tot_slots, slot_len) of the ring.
    pub fn geometry(&self) -> (u32, u32) {
        (self.tot_slots, self.slot_len)
    }
}
