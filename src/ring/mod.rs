//! The ring handle: backend choice, life cycle, reentrant lock, recv,
//! stats and enable.
//!
//! Life cycle: `state` packs a CLOSED bit, a SWAP bit and the number of
//! calls currently inside the ring. `close` (async-signal-safe, may run in a signal handler
//! that interrupted `recv` on the same handle) sets CLOSED and wakes any
//! blocked poll through an eventfd; whoever leaves last - `close` itself or
//! the last call inside - releases the socket and the mapping. Memory of the
//! handle itself is recycled by the next `pfring_open` (see `ffi`).
//!
//! # Rules and sampling
//!
//! The ring owns a [`RuleTable`] and a [`Sampler`]. The consumer (whoever
//! holds the cursor) keeps a [`Consumer`] next to the cursor and asks it for
//! a verdict on every frame: no lock and no allocation per packet, and no
//! parsing while the table is trivial (no rules, policy accept). Frames the
//! rules drop or sampling skips are passed over: they are neither delivered
//! nor counted as drops.
//!
//! After every rule or policy change the in-kernel classic-BPF prefilter is
//! recompiled and re-attached with `SO_ATTACH_FILTER` (which swaps programs
//! atomically), under the ring's control mutex so that concurrent changes
//! attach in the order they were made. What it may drop in the kernel is
//! chosen at open with `PF_RING_PREFILTER` (see [`PrefilterMode`]); the
//! default keeps every rule's statistics exact.
//!
//! # Clusters
//!
//! `set_cluster(id)` joins the AF_PACKET fanout group `id` with
//! `PACKET_FANOUT_HASH`, whose hash (`skb_get_hash_symmetric`) gives both
//! directions of a flow the same member. Facts of Linux that callers see:
//! * cluster ids are 1..=65535 (fanout ids are 16 bits); ids are per network
//!   namespace (the 3.7.5 module's were global);
//! * a group is bound to the device (and protocol) of its first member: a
//!   ring on another device (or on `any` vs a device) cannot join it
//!   (EINVAL), whereas 3.7.5 accepted it and then never gave it a packet;
//! * at most 65,536 members (`PACKET_FANOUT_MAX`; 3.7.5 had 8); the group is
//!   created with that limit, so rings of other programs joining the same id
//!   must ask for the same limit (else EINVAL);
//! * joining needs a bound socket, so `set_cluster` enables the ring;
//! * IP fragments carry no ports, so they may go to another member than the
//!   unfragmented packets of their flow.
//!
//! Linux has no way to leave a fanout group. `remove_from_cluster` (and a
//! move to another cluster) builds a new socket and ring with the same
//! settings (bound, promiscuous, prefilter), then puts it in place with
//! `dup3` over the old descriptor: the descriptor number the application
//! saw (`pfring.fd`) stays valid and keeps meaning "this ring". The new
//! socket is created in the old one's network namespace, whatever the
//! calling thread's (entering it needs CAP_SYS_ADMIN). Frames still
//! queued in the old ring are discarded. The swap needs the handle to
//! itself: while another thread is inside a call on it (e.g. blocked in
//! `pfring_recv` on a reentrant handle, or the reflector thread) it fails
//! with EBUSY.
//!
//! # Reflection
//!
//! With a reflector set, a library thread ("pfring-reflector") becomes the
//! ring's consumer once the ring is enabled: it runs the rules and sampling
//! on every frame and sends the forwarded ones, as they are, out of the
//! reflector device through a send-only AF_PACKET socket
//! (`PACKET_QDISC_BYPASS` when available, like 3.7.5's direct
//! `hard_start_xmit`). Nothing is queued to the application any more. The
//! thread counts as a call inside the ring, so closing the ring wakes it
//! through the eventfd and it tears the ring down on its way out.

pub mod kmod;
pub mod tpacket_v3;

use core::cell::UnsafeCell;
use core::ffi::c_int;
use core::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, AtomicU8, Ordering};
use std::ffi::{CStr, CString};

use crate::error::Error;
use crate::ffi::types::{
    pfring_rule_stats, pkt_parsing_info, RawFilteringRule, RawHashFilteringRule,
};
use crate::parse::{self, Direction};
use crate::rules::{Consumer, Decision, RuleError, RuleTable, Sampler};
use crate::sys::{self, OsError};
use kmod::KmodRing;
use tpacket_v3::{Cursor, Geometry, TpacketV3, TxSocket};

pub use tpacket_v3::{Cooked, Frame, SockFilter, SLL2_HDR_LEN, SLL_HDR_LEN};

/// Default capture length (bytes per bucket), overridable with
/// `PF_RING_BUCKET_LEN`.
pub const DEFAULT_BUCKET_LEN: u32 = 2048;
/// Default number of buckets the AF_PACKET ring can hold (32 MiB with the
/// default bucket), overridable with `PF_RING_NUM_SLOTS` (named after the
/// 3.7.5 module's `num_slots`, whose default was 4096 buckets of 128 bytes).
pub const DEFAULT_NUM_SLOTS: u32 = 16384;
/// Default AF_PACKET block size of libpfring's rings (see
/// [`Config::from_env`]): with the default 32 MiB ring, 64 blocks.
///
/// Why this shape: the kernel hands a block over when it is full or
/// `retire_ms` after it was opened, waking the reader once per block. A lone
/// frame therefore waits up to the retire timeout, and at high rates the
/// reader wakes once per block or per timeout, whichever comes first. 8 ms
/// keeps a lone frame under the 10 ms latency bound (2 jiffies at HZ=250;
/// measured 8.0 ms at most, 4.2 ms median, in
/// tests/pfring_latency_overflow.rs) and halves the wake-ups of the former
/// 4 ms default at high rates; blocks of 512 KiB (about 3,300 minimum-size
/// frames, 160 bytes of ring each) keep the timer in charge up to ~400 kpps
/// of such frames, and 64 of them
/// absorb a consumer stall of about 0.5 s at low rates (`nblocks *
/// retire_ms`), as the former 128 x 256 KiB x 4 ms did. bench/ measured the
/// pfring_recv loop at about 0.85x the CPU per packet of the old shape.
pub const DEFAULT_BLOCK_SIZE: u32 = 512 * 1024;
/// Default block retire timeout of libpfring's rings in ms (see
/// [`DEFAULT_BLOCK_SIZE`]).
pub const DEFAULT_RETIRE_MS: u32 = 8;
/// Largest bucket `PF_RING_BUCKET_LEN` (the C API's knob, also the kernel
/// module's `MAX_BUCKET_LEN`) accepts.
pub const MAX_ENV_BUCKET_LEN: u32 = 65535;
/// Largest bucket a caller of [`Config::from_env_or`] may ask for:
/// libpcap's `MAXIMUM_SNAPLEN`, so that the pcap shim keeps frames longer
/// than 65,535 bytes whole (loopback's 65,536-byte MTU, GSO frames) as
/// libpcap does. The AF_PACKET backend takes it (see [`Config::geometry`]);
/// the kernel module does not.
pub const MAX_BUCKET_LEN: u32 = 262_144;

const CLOSED: u32 = 1 << 31;
/// Set while the socket and ring are being replaced (leaving a cluster);
/// `enter` waits for it to clear.
const SWAP: u32 = 1 << 30;
const COUNT: u32 = SWAP - 1;

/// Largest cluster id (fanout group ids are 16 bits).
pub const MAX_CLUSTER_ID: u32 = 0xffff;

/// What the in-kernel prefilter may drop (`PF_RING_PREFILTER`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PrefilterMode {
    /// `stats` (default): the kernel drops only packets that no rule
    /// matches while the default policy is drop. Every packet a rule
    /// matches reaches user space, so every rule's statistics are exact.
    /// With 1 forwarded flow among many and policy drop (the guide's
    /// typical use), the other flows never leave the kernel.
    Stats,
    /// `all`: the kernel drops every packet whose verdict is certainly drop
    /// (also those a `dont forward` rule matches). Less traffic reaches user
    /// space, but the statistics of dropping rules (and of `continue` rules
    /// before them) miss the packets dropped in the kernel.
    All,
    /// `off`: no prefilter; every packet is judged in user space.
    Off,
}

/// Options read at open time.
#[derive(Clone, Copy, Debug)]
pub struct Config {
    pub bucket_len: u32,
    pub num_slots: u32,
    pub prefilter: PrefilterMode,
    /// AF_PACKET block size in bytes (0 = chosen from the ring size, see
    /// [`Geometry::for_slots`]); the ring keeps its size in bytes.
    pub block_size: u32,
    /// AF_PACKET block retire timeout in ms (0 = [`tpacket_v3::RETIRE_MS`]):
    /// the longest a frame waits in a partly filled block at low rates.
    pub retire_ms: u32,
    /// Cooked capture (libpcap's `DLT_LINUX_SLL`/`SLL2` framing), for the
    /// pcap shim on `any` and on devices without a usable link header.
    /// AF_PACKET only: with it the kernel module is not used. Rules,
    /// reflection and parsed headers assume frames as on the wire and
    /// must not be used on a cooked ring.
    pub cooked: Cooked,
}

impl Config {
    /// Defaults, then the `PF_RING_BUCKET_LEN` / `PF_RING_NUM_SLOTS` /
    /// `PF_RING_PREFILTER` (`stats`, `all`, `off`) environment variables
    /// (invalid values are refused).
    ///
    /// libpfring's own rings (not the pcap shim's, which follows libpcap)
    /// default to blocks of [`DEFAULT_BLOCK_SIZE`] retired after
    /// [`DEFAULT_RETIRE_MS`] unless `PF_RING_BLOCK_SIZE` /
    /// `PF_RING_RETIRE_MS` say otherwise.
    pub fn from_env() -> Result<Self, Error> {
        let mut c = Self::from_env_or(DEFAULT_BUCKET_LEN, DEFAULT_NUM_SLOTS)?;
        // 0 = not set (the variables' minimums are 4096 and 1).
        if c.block_size == 0 {
            c.block_size = DEFAULT_BLOCK_SIZE;
        }
        if c.retire_ms == 0 {
            c.retire_ms = DEFAULT_RETIRE_MS;
        }
        Ok(c)
    }

    /// As [`Config::from_env`], with the caller's defaults for the bucket
    /// length and the number of slots (the environment still wins), e.g.
    /// the pcap shim's snaplen and buffer size. The caller's bucket may be
    /// up to [`MAX_BUCKET_LEN`] (clamped to 64..=262144), while
    /// `PF_RING_BUCKET_LEN` keeps its documented range 64..=65535.
    pub fn from_env_or(bucket_len: u32, num_slots: u32) -> Result<Self, Error> {
        let prefilter = match std::env::var("PF_RING_PREFILTER").as_deref() {
            Err(_) | Ok("") | Ok("stats") => PrefilterMode::Stats,
            Ok("all") => PrefilterMode::All,
            Ok("off") => PrefilterMode::Off,
            Ok(_) => {
                return Err(Error::Invalid(
                    "PF_RING_PREFILTER must be stats, all or off",
                ))
            }
        };
        Ok(Config {
            bucket_len: env_u32(
                "PF_RING_BUCKET_LEN",
                bucket_len.clamp(64, MAX_BUCKET_LEN),
                64,
                MAX_ENV_BUCKET_LEN,
                "PF_RING_BUCKET_LEN out of range (64..65535)",
            )?,
            num_slots: env_u32(
                "PF_RING_NUM_SLOTS",
                // The caller's count may be below the variable's minimum:
                // a few big buckets (Config::geometry).
                num_slots.clamp(1, 1 << 20),
                16,
                1 << 20,
                "PF_RING_NUM_SLOTS out of range (16..1048576)",
            )?,
            prefilter,
            block_size: env_u32(
                "PF_RING_BLOCK_SIZE",
                0,
                4096,
                1 << 24,
                "PF_RING_BLOCK_SIZE out of range (4096..16777216)",
            )?,
            retire_ms: env_u32(
                "PF_RING_RETIRE_MS",
                0,
                1,
                1000,
                "PF_RING_RETIRE_MS out of range (1..1000)",
            )?,
            cooked: Cooked::Off,
        })
    }

    /// The AF_PACKET ring's shape. Buckets up to 65,535 bytes: see
    /// [`Geometry::with_overrides`]. Bigger buckets (the pcap shim's
    /// snapshot lengths beyond 65,535) follow libpcap 1.10.3's rule for
    /// TPACKET_V3 frames bigger than a page: a block is the smallest
    /// power-of-two multiple of a page that holds one bucket (or
    /// `block_size`, if bigger), and the ring holds
    /// `num_slots * bucket_len` bytes in whole blocks (at least one). As with
    /// libpcap, the kernel cuts a frame to what fits in one block after its
    /// headers.
    pub fn geometry(&self) -> Geometry {
        if self.bucket_len <= MAX_ENV_BUCKET_LEN {
            return Geometry::with_overrides(
                self.num_slots,
                self.bucket_len,
                self.block_size,
                self.retire_ms,
            );
        }
        let mut block = 4096usize;
        while block < self.bucket_len as usize || block < self.block_size as usize {
            block *= 2;
        }
        let bytes = self.num_slots as usize * self.bucket_len as usize;
        Geometry {
            block_size: block,
            nblocks: bytes.div_ceil(block).max(1),
            retire_ms: if self.retire_ms != 0 {
                self.retire_ms
            } else {
                tpacket_v3::RETIRE_MS
            },
        }
    }
}

fn env_u32(name: &str, default: u32, min: u32, max: u32, what: &'static str) -> Result<u32, Error> {
    match std::env::var(name) {
        Err(_) => Ok(default),
        Ok(v) => match v.trim().parse::<u32>() {
            Ok(n) if (min..=max).contains(&n) => Ok(n),
            _ => Err(Error::Invalid(what)),
        },
    }
}

/// Which backend to use (`PF_RING_BACKEND=kmod|af_packet`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BackendKind {
    AfPacket,
    Kmod,
}

/// A frame handed to a [`Ring::recv_with`] consumer.
pub struct Packet<'a> {
    pub data: &'a [u8],
    pub wire_len: u32,
    pub ts_sec: u32,
    pub ts_nsec: u32,
    pub dir: Direction,
    /// Index of the device the frame was seen on (on the module: the
    /// ring's device).
    pub ifindex: i32,
    /// The frame's protocol from the kernel's `sockaddr_ll`, host order
    /// (0x0800 IPv4, 0x000c CAN, 0x000d CAN FD, ...); 0 on the module,
    /// which does not report it.
    pub protocol: u16,
    /// The parsed headers, when the rules needed them (AF_PACKET) or as
    /// the kernel module parsed them.
    pub parsed: Option<pkt_parsing_info>,
    /// Data a kernel plugin placed before the packet (kernel module only;
    /// empty otherwise).
    pub plugin: &'a [u8],
}

/// The ring behind a handle: the stock kernel's AF_PACKET ring or the
/// bundled module's PF_RING ring.
enum Backend {
    AfPacket(TpacketV3),
    Kmod(KmodRing),
}

/// An open ring.
pub struct Ring {
    device: CString,
    ifindex: u32,
    reentrant: bool,
    promisc: bool,
    config: Config,
    backend: UnsafeCell<Backend>,
    cursor: UnsafeCell<Cursor>,
    /// The consumer's position in the module's ring (kmod backend).
    kcursor: UnsafeCell<kmod::Cursor>,
    /// The consumer's rule-snapshot cache; used with the cursor.
    consumer: UnsafeCell<Consumer>,
    rules: RuleTable,
    /// The rules with every action turned into `forward`: its prefilter
    /// accepts every packet some rule matches (PrefilterMode::Stats).
    shadow: RuleTable,
    sampler: Sampler,
    /// Serialises control calls (rule changes + filter attach, clusters).
    ctl: parking_lot::Mutex<()>,
    /// Current cluster id, 0 = none.
    cluster: AtomicU32,
    /// A reflector is set: forwarded frames go out of it, not to the app.
    reflecting: AtomicBool,
    /// The reflector's socket until its thread starts (at enable).
    pending_tx: parking_lot::Mutex<Option<TxSocket>>,
    reflected: AtomicU64,
    reflect_failed: AtomicU64,
    lock: parking_lot::Mutex<()>,
    state: AtomicU32,
    /// Set while the one consumer of a non-reentrant ring is inside
    /// `recv_with`; written by that consumer only (see `enter_consumer`).
    fast_in: AtomicBool,
    /// `barrier::register()`'s answer at open (it never changes once the
    /// process registered): the consumer's barrier is then a compiler
    /// fence, read from here instead of a global per packet.
    asym: bool,
    /// Teardown progress: 0 not started, 1 running, 2 done.
    torn: AtomicU8,
    enabled: AtomicBool,
    wake_fd: c_int,
    delivered: AtomicU64,
    kernel_drops: AtomicU64,
    kernel_packets: AtomicU64,
}

// SAFETY: the cursor and the consumer cache are used by one consumer at a
// time (the guide's contract for non-reentrant rings, the mutex for
// reentrant ones); the backend is mutated only by `teardown`, which runs
// once no call is inside, and by `replace_socket` with the SWAP bit set and
// no other call inside; everything else is atomic, immutable or has its own
// lock (the rule tables).
unsafe impl Sync for Ring {}
// SAFETY: as above; nothing is tied to the opening thread.
unsafe impl Send for Ring {}

/// What a receive attempt produced.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Recv<T> {
    Packet(T),
    /// Nothing queued and the caller did not want to wait.
    Empty,
}

impl Ring {
    /// Opens `device` ("any" = every device) with the given flags.
    pub fn open(device: &CStr, promisc: bool, reentrant: bool) -> Result<Ring, Error> {
        Self::open_with(device, promisc, reentrant, Config::from_env()?)
    }

    /// [`Ring::open`] with an explicit configuration (see
    /// [`Config::from_env_or`]).
    pub fn open_with(
        device: &CStr,
        promisc: bool,
        reentrant: bool,
        config: Config,
    ) -> Result<Ring, Error> {
        let asym = sys::barrier::register();
        let bytes = device.to_bytes();
        if bytes.is_empty() || bytes.len() >= libc::IFNAMSIZ {
            return Err(Error::NoDevice);
        }
        let kind = match std::env::var("PF_RING_BACKEND").as_deref() {
            Err(_) | Ok("") => None,
            Ok("af_packet") => Some(BackendKind::AfPacket),
            Ok("kmod") => Some(BackendKind::Kmod),
            Ok(_) => return Err(Error::Invalid("PF_RING_BACKEND must be kmod or af_packet")),
        };
        let any = bytes == b"any";
        let cooked = config.cooked != Cooked::Off;
        // The module binds one device by name and has no cooked framing:
        // "any" and cooked rings are AF_PACKET's.
        let kfd = match kind {
            Some(BackendKind::AfPacket) => None,
            Some(BackendKind::Kmod) if any => {
                return Err(Error::Os(OsError {
                    op: "opening 'any' on the kernel module (it binds one device)",
                    errno: libc::ENODEV,
                }))
            }
            Some(BackendKind::Kmod) if cooked => {
                return Err(Error::Invalid("cooked capture needs the AF_PACKET backend"))
            }
            Some(BackendKind::Kmod) => Some(kmod::socket()?),
            None if any || cooked => None,
            None => kmod::socket().ok(),
        };
        let ifindex = if any {
            0
        } else {
            match sys::if_nametoindex(device) {
                Ok(i) => i,
                Err(_) => {
                    if let Some(fd) = kfd {
                        sys::close(fd);
                    }
                    return Err(Error::NoDevice);
                }
            }
        };
        let mut backend = match kfd {
            // The ring's slot count applies to the module too (its
            // per-socket extension; an older module uses its num_slots).
            Some(fd) => Backend::Kmod(KmodRing::open_slots(
                fd,
                device,
                config.bucket_len,
                config.num_slots,
            )?),
            None => Backend::AfPacket(TpacketV3::open(
                config.geometry(),
                config.bucket_len,
                config.cooked,
            )?),
        };
        let setup = (|| {
            if promisc && ifindex != 0 {
                match &mut backend {
                    Backend::AfPacket(b) => b.promisc(ifindex)?,
                    Backend::Kmod(k) => k.promisc(ifindex)?,
                }
            }
            Ok::<c_int, Error>(sys::eventfd()?)
        })();
        let wake_fd = match setup {
            Ok(fd) => fd,
            Err(e) => {
                match &mut backend {
                    Backend::AfPacket(b) => b.release(),
                    Backend::Kmod(k) => k.release(),
                }
                return Err(e);
            }
        };
        let rules = RuleTable::new();
        let consumer = Consumer::new(&rules);
        Ok(Ring {
            consumer: UnsafeCell::new(consumer),
            rules,
            shadow: RuleTable::new(),
            sampler: Sampler::new(),
            ctl: parking_lot::Mutex::new(()),
            cluster: AtomicU32::new(0),
            reflecting: AtomicBool::new(false),
            pending_tx: parking_lot::Mutex::new(None),
            reflected: AtomicU64::new(0),
            reflect_failed: AtomicU64::new(0),
            device: device.to_owned(),
            ifindex,
            reentrant,
            promisc,
            config,
            backend: UnsafeCell::new(backend),
            cursor: UnsafeCell::new(Cursor::default()),
            kcursor: UnsafeCell::new(kmod::Cursor::default()),
            lock: parking_lot::Mutex::new(()),
            state: AtomicU32::new(0),
            fast_in: AtomicBool::new(false),
            asym,
            torn: AtomicU8::new(0),
            enabled: AtomicBool::new(false),
            wake_fd,
            delivered: AtomicU64::new(0),
            kernel_drops: AtomicU64::new(0),
            kernel_packets: AtomicU64::new(0),
        })
    }

    pub fn device(&self) -> &CStr {
        &self.device
    }

    pub fn is_reentrant(&self) -> bool {
        self.reentrant
    }

    pub fn is_promisc(&self) -> bool {
        self.promisc
    }

    /// Bytes kept per packet (on the module: the ring's `data_len`, which
    /// may be below the request, see `kmod::KmodRing::open`).
    pub fn bucket_len(&self) -> u32 {
        match self.backend() {
            Backend::Kmod(k) => k.bucket_len(),
            Backend::AfPacket(_) => self.config.bucket_len,
        }
    }

    /// Switches a cooked ring between `Sll` and `Sll2` framing for the
    /// frames read from now on (what `pcap_set_datalink` does on `any`).
    /// EINVAL on a ring opened without cooked framing or for `Off`.
    pub fn set_cooked(&self, c: Cooked) -> Result<(), Error> {
        let _g = self.enter()?;
        if self.config.cooked == Cooked::Off || c == Cooked::Off {
            return Err(Error::Invalid(
                "cooked framing can only change between SLL and SLL2",
            ));
        }
        self.tp().set_cooked(c);
        Ok(())
    }

    /// On AF_PACKET: the ring's (block size, number of blocks, retire
    /// timeout in ms) as the kernel accepted them. None on the module.
    pub fn af_packet_geometry(&self) -> Option<(usize, usize, u32)> {
        match self.backend() {
            Backend::AfPacket(b) => {
                let g = b.geometry();
                Some((g.block_size, g.nblocks, g.retire_ms))
            }
            Backend::Kmod(_) => None,
        }
    }

    /// Which backend the ring runs on (chosen once, at open).
    pub fn backend_kind(&self) -> BackendKind {
        match self.backend() {
            Backend::AfPacket(_) => BackendKind::AfPacket,
            Backend::Kmod(_) => BackendKind::Kmod,
        }
    }

    /// The descriptor to select/poll on.
    pub fn fd(&self) -> c_int {
        match self.backend() {
            Backend::AfPacket(b) => b.fd,
            Backend::Kmod(k) => k.fd,
        }
    }

    /// On the kernel module backend: the ring mapping, its length, the
    /// number of slots and the slot length (3.7.5's `struct pfring` fields
    /// point into it). None on AF_PACKET.
    pub fn kmod_mapping(&self) -> Option<(*mut u8, usize, u32, u32)> {
        match self.backend() {
            Backend::AfPacket(_) => None,
            Backend::Kmod(k) => {
                let (p, len) = k.mapping();
                let (n, sl) = k.geometry();
                Some((p, len, n, sl))
            }
        }
    }

    fn backend(&self) -> &Backend {
        // SAFETY: the backend is mutated only in `teardown`, after the last
        // call has left, and by `replace_socket` with exclusive use; every
        // caller of this is inside `enter`/`leave`.
        unsafe { &*self.backend.get() }
    }

    fn kmod(&self) -> Option<&KmodRing> {
        match self.backend() {
            Backend::Kmod(k) => Some(k),
            Backend::AfPacket(_) => None,
        }
    }

    /// The AF_PACKET backend; only called on paths that exist for it alone
    /// (the kernel module backend returns before them).
    fn tp(&self) -> &TpacketV3 {
        match self.backend() {
            Backend::AfPacket(b) => b,
            Backend::Kmod(_) => unreachable!("AF_PACKET-only path on the kernel module backend"),
        }
    }

    /// Registers a call inside the ring; fails once the ring is closed.
    /// Enters the ring for `recv_with`. A reentrant ring (many consumers)
    /// counts its callers in `state`. A non-reentrant ring has one consumer
    /// by the guide's contract, so it marks itself inside with plain stores
    /// to `fast_in` instead of two locked instructions per packet; the rare
    /// side (`close`, `leave`, socket replacement) sets its bit in `state`
    /// and then runs `barrier::heavy()` (membarrier(2)) before reading
    /// `fast_in`: either it sees the consumer inside, or the consumer's
    /// next load of `state` sees the bit. A signal handler on the
    /// consumer's own thread sees the store in program order.
    ///
    /// Handle memory is freed only once `fast_in` is false (see `reap`), so
    /// the consumer may touch the ring until its final store.
    #[inline(always)]
    fn enter_consumer(&self) -> Result<ConsumerGuard<'_>, Error> {
        if self.reentrant {
            return self.enter().map(ConsumerGuard::Counted);
        }
        self.fast_in.store(true, Ordering::Relaxed);
        self.light_barrier(); // partner: barrier::heavy() on the rare side
        let s = self.state.load(Ordering::Relaxed);
        if s & CLOSED != 0 {
            self.fast_in.store(false, Ordering::Release);
            return Err(Error::Closed);
        }
        if s & SWAP != 0 {
            self.fast_in.store(false, Ordering::Release);
            return self.enter().map(ConsumerGuard::Counted);
        }
        Ok(ConsumerGuard::Fast(self))
    }

    /// The consumer's half of the asymmetric barrier (see
    /// `sys::barrier::light`), with the answer cached at open.
    #[inline(always)]
    fn light_barrier(&self) {
        if self.asym {
            core::sync::atomic::compiler_fence(Ordering::SeqCst);
        } else {
            core::sync::atomic::fence(Ordering::SeqCst);
        }
    }

    /// Leaves the fast path. If the ring was closed meanwhile, the consumer
    /// (still protected by `fast_in`) becomes a counted caller and leaves
    /// through `leave`, which tears the ring down if it is the last one.
    /// Otherwise the Release store of `fast_in` is its last access.
    #[inline(always)]
    fn leave_consumer(&self) {
        self.light_barrier();
        if self.state.load(Ordering::Relaxed) & CLOSED != 0 {
            return self.leave_consumer_closed();
        }
        self.fast_in.store(false, Ordering::Release);
    }

    #[cold]
    #[inline(never)]
    fn leave_consumer_closed(&self) {
        self.state.fetch_add(1, Ordering::AcqRel);
        self.fast_in.store(false, Ordering::Release);
        self.leave();
    }

    fn enter(&self) -> Result<Guard<'_>, Error> {
        let mut spins = 0u32;
        let mut s = self.state.load(Ordering::Acquire);
        loop {
            if s & CLOSED != 0 {
                return Err(Error::Closed);
            }
            if s & SWAP != 0 {
                // The socket is being replaced (a few system calls). Bounded:
                // a signal handler interrupting the replacing thread itself
                // would otherwise wait forever.
                spins += 1;
                if spins > 100_000 {
                    return Err(Error::Os(OsError {
                        op: "entering the ring (its socket is being replaced)",
                        errno: libc::EBUSY,
                    }));
                }
                std::thread::yield_now();
                s = self.state.load(Ordering::Acquire);
                continue;
            }
            match self
                .state
                .compare_exchange_weak(s, s + 1, Ordering::Acquire, Ordering::Acquire)
            {
                Ok(_) => return Ok(Guard { ring: self }),
                Err(cur) => s = cur,
            }
        }
    }

    /// Starts reception (the guide's implicit enable on first recv).
    pub fn enable(&self) -> Result<(), Error> {
        let _g = self.enter()?;
        self.enable_inner()
    }

    #[inline(always)]
    fn enable_inner(&self) -> Result<(), Error> {
        if self.enabled.load(Ordering::Acquire) {
            return Ok(());
        }
        self.enable_slow()
    }

    #[cold]
    #[inline(never)]
    fn enable_slow(&self) -> Result<(), Error> {
        let _l = self.lock.lock();
        if !self.enabled.load(Ordering::Relaxed) {
            match self.backend() {
                Backend::AfPacket(b) => b.bind(self.ifindex)?,
                Backend::Kmod(k) => k.activate()?,
            }
            self.enabled.store(true, Ordering::Release);
            self.start_reflector()?;
        }
        Ok(())
    }

    /// Hands the next packet to `f` (without copying), waiting for one if
    /// `wait`. `f` runs while the consumer position is held (under the lock
    /// in reentrant mode), so it must be short.
    #[inline]
    pub fn recv_with<T>(
        &self,
        wait: bool,
        mut f: impl FnMut(Packet<'_>) -> T,
    ) -> Result<Recv<T>, Error> {
        let _g = self.enter_consumer()?;
        self.enable_inner()?;
        loop {
            if self.reflecting.load(Ordering::Acquire) {
                // Everything forwarded is reflected: nothing ever comes.
                if !wait {
                    return Ok(Recv::Empty);
                }
                sys::poll2(self.wake_fd, self.wake_fd, -1)?;
                if self.is_closed() {
                    return Err(Error::Closed);
                }
                continue;
            }
            if let Some(v) = self.try_take(&mut f) {
                return Ok(Recv::Packet(v));
            }
            if !wait {
                return Ok(Recv::Empty);
            }
            match sys::poll2(self.fd(), self.wake_fd, -1)? {
                sys::Ready::Woken if self.is_closed() => return Err(Error::Closed),
                _ if self.is_closed() => return Err(Error::Closed),
                _ => {}
            }
        }
    }

    /// The receive fast path: a non-reentrant AF_PACKET ring in its
    /// everyday state (enabled, no rules, no sampling, no reflector, not
    /// closed, its socket not being replaced) hands the next frame of the
    /// block it has open to `f`. None, having touched nothing, whenever any
    /// of that does not hold or the open block is used up; the caller then
    /// takes [`Ring::recv_with`], which handles everything (block changes,
    /// waiting, rules, the module). Several loads and tests, no stores
    /// but the consumer's own, no call: `pfring_recv` runs this first.
    #[inline(always)]
    pub fn try_recv_fast<T>(&self, f: impl FnOnce(Frame<'_>) -> T) -> Option<T> {
        if self.reentrant {
            return None;
        }
        // Enter as `enter_consumer` does; anything unusual in `state`
        // (closed, socket being replaced) goes the general way.
        self.fast_in.store(true, Ordering::Relaxed);
        self.light_barrier(); // partner: barrier::heavy() on the rare side
        if self.state.load(Ordering::Relaxed) & (CLOSED | SWAP) != 0 {
            self.fast_in.store(false, Ordering::Release);
            return None;
        }
        let v = self.fast_take(f);
        self.leave_consumer();
        v
    }

    /// `try_recv_fast` once inside.
    #[inline(always)]
    fn fast_take<T>(&self, f: impl FnOnce(Frame<'_>) -> T) -> Option<T> {
        // Acquire: pairs with enable_slow's Release (the socket is bound)
        // and set_reflector's (the reflector thread owns the cursor).
        if !self.enabled.load(Ordering::Acquire) || self.reflecting.load(Ordering::Acquire) {
            return None;
        }
        let Backend::AfPacket(b) = self.backend() else {
            return None;
        };
        // SAFETY: the one consumer (the guide's contract for non-reentrant
        // rings; a signal handler only closes or reads stats) holds the
        // cursor and the consumer cache, as in take_forwarded.
        let (cur, consumer) = unsafe { (&mut *self.cursor.get(), &mut *self.consumer.get()) };
        if !consumer.is_trivial(&self.rules) || self.sampler.rate() > 1 {
            return None;
        }
        let v = f(b.next_in_block(cur)?);
        // Single writer (the consumer), as in try_take.
        let n = self.delivered.load(Ordering::Relaxed);
        self.delivered.store(n + 1, Ordering::Relaxed);
        Some(v)
    }

    /// Hands the frames queued now to `f` without waiting, inside one
    /// entry into the ring (one closed/enable/reflector check for the
    /// batch); stops after a frame for which `f` returns false, or when
    /// nothing is queued. Returns how many frames `f` got (0 = none
    /// queued). As with [`Ring::recv_with`], the last frame handed out
    /// stays valid until the next receive call (`pcap_next_ex` relies on
    /// it), and `f` runs while the consumer position is held.
    #[inline]
    pub fn recv_batch(&self, mut f: impl FnMut(Packet<'_>) -> bool) -> Result<usize, Error> {
        let _g = self.enter_consumer()?;
        self.enable_inner()?;
        let _l = if self.reentrant {
            Some(self.lock.lock())
        } else {
            None
        };
        if self.reflecting.load(Ordering::Acquire) {
            return Ok(0);
        }
        let mut n = 0u64;
        loop {
            let mut more = true;
            if self.take_forwarded(&mut |p| more = f(p)).is_none() {
                break;
            }
            n += 1;
            if !more {
                break;
            }
        }
        // Single writer (the consumer), as in try_take.
        let d = self.delivered.load(Ordering::Relaxed);
        self.delivered.store(d + n, Ordering::Relaxed);
        Ok(n as usize)
    }

    #[inline(always)]
    fn try_take<T>(&self, f: &mut impl FnMut(Packet<'_>) -> T) -> Option<T> {
        let _l = if self.reentrant {
            Some(self.lock.lock())
        } else {
            None
        };
        if self.reflecting.load(Ordering::Acquire) {
            // The reflector thread owns the cursor from now on.
            return None;
        }
        let v = self.take_forwarded(f)?;
        // Single writer (the consumer), read by stats from anywhere:
        // a relaxed load/store pair avoids a locked instruction per packet.
        let n = self.delivered.load(Ordering::Relaxed);
        self.delivered.store(n + 1, Ordering::Relaxed);
        Some(v)
    }

    /// Hands the next frame the rules forward and sampling keeps to `f`,
    /// passing over the others. The caller is the one consumer (the lock,
    /// the single-thread contract, or the reflector thread).
    #[inline(always)]
    fn take_forwarded<T>(&self, f: &mut impl FnMut(Packet<'_>) -> T) -> Option<T> {
        // SAFETY: one consumer at a time holds the cursor and the consumer
        // cache (see the caller).
        let (cur, consumer) = unsafe { (&mut *self.cursor.get(), &mut *self.consumer.get()) };
        let b = match self.backend() {
            Backend::AfPacket(b) => b,
            Backend::Kmod(k) => {
                // The module applied the rules, sampling and reflection.
                // SAFETY: one consumer at a time (see the caller).
                let kcur = unsafe { &mut *self.kcursor.get() };
                let fr = loop {
                    // SAFETY: as above; the previous frame is not used any
                    // more when the loop comes round.
                    let fr = k.next(unsafe { &mut *(kcur as *mut kmod::Cursor) })?;
                    // Only at rate 2 (see set_sampling_rate): free otherwise.
                    if self.sampler.keep() {
                        break fr;
                    }
                };
                return Some(f(Packet {
                    data: fr.data,
                    wire_len: fr.wire_len,
                    ts_sec: fr.sec,
                    ts_nsec: fr.nsec,
                    dir: fr.dir,
                    ifindex: self.ifindex as i32,
                    protocol: 0,
                    parsed: Some(fr.parsed),
                    plugin: fr.plugin,
                }));
            }
        };
        loop {
            let fr = b.next(cur)?;
            let (decision, parsed) = if consumer.is_trivial(&self.rules) {
                let d = if self.sampler.keep() {
                    Decision::Forward
                } else {
                    Decision::SampledOut
                };
                (d, None)
            } else {
                let p = parse::parse(fr.data, fr.dir);
                let d =
                    consumer.decide(&self.rules, &self.sampler, fr.data, &p, fr.dir, fr.wire_len);
                (d, Some(p))
            };
            if decision != Decision::Forward {
                // Filtered or sampled out: not delivered, not a drop.
                continue;
            }
            return Some(f(Packet {
                data: fr.data,
                wire_len: fr.wire_len,
                ts_sec: fr.sec,
                ts_nsec: fr.nsec,
                dir: fr.dir,
                ifindex: fr.ifindex,
                protocol: fr.protocol,
                parsed,
                plugin: &[],
            }));
        }
    }

    /// Sets the reflector: frames the rules forward (and sampling keeps)
    /// are sent unmodified out of `device` and not queued to the
    /// application, by a library thread that starts when the ring is
    /// enabled (now, if it is) and stops when it is closed. `device` is
    /// looked up in the ring's network namespace.
    ///
    /// Errors: EINVAL for the receiving device or a ring on `any`; ENODEV
    /// for an unknown device; EBUSY when a reflector is already set.
    ///
    /// # Safety
    /// The ring must stay at its address and not be dropped until it is
    /// closed and no call is inside it ([`Ring::is_busy`] false): the thread
    /// keeps a pointer to it (the C API's handles guarantee this).
    pub unsafe fn set_reflector(&self, device: &CStr) -> Result<(), Error> {
        let _g = self.enter()?;
        if self.config.cooked != Cooked::Off {
            return Err(Error::Invalid("a cooked ring cannot reflect"));
        }
        if self.ifindex == 0 {
            return Err(Error::Invalid(
                "a ring on 'any' cannot reflect (it would capture its own output)",
            ));
        }
        let _c = self.ctl.lock();
        if self.reflecting.load(Ordering::Acquire) {
            return Err(Error::Os(OsError {
                op: "setting a reflector (one is already set)",
                errno: libc::EBUSY,
            }));
        }
        if let Some(k) = self.kmod() {
            // The module reflects in the kernel (dev_queue_xmit); it looks
            // the name up in the socket's namespace, where names are unique.
            if device.to_bytes() == self.device.to_bytes() {
                return Err(Error::Invalid("reflecting onto the receiving device"));
            }
            k.set_reflector(device)?;
            self.reflecting.store(true, Ordering::Release);
            return Ok(());
        }
        let tx = tpacket_v3::in_netns_of(self.fd(), || TxSocket::open(device))?;
        if tx.ifindex == self.ifindex {
            tx.close();
            return Err(Error::Invalid("reflecting onto the receiving device"));
        }
        let _l = self.lock.lock();
        *self.pending_tx.lock() = Some(tx);
        self.reflecting.store(true, Ordering::Release);
        if self.enabled.load(Ordering::Acquire) {
            self.start_reflector()?;
        }
        Ok(())
    }

    /// (frames reflected, frames the reflector device did not take).
    pub fn reflector_stats(&self) -> (u64, u64) {
        (
            self.reflected.load(Ordering::Relaxed),
            self.reflect_failed.load(Ordering::Relaxed),
        )
    }

    /// Starts the reflector thread if a reflector is pending. Called with
    /// `lock` held, once the ring is bound.
    fn start_reflector(&self) -> Result<(), Error> {
        let Some(tx) = self.pending_tx.lock().take() else {
            return Ok(());
        };
        // The thread counts as a call inside the ring until it ends, so the
        // socket, the mapping and the handle outlive it.
        core::mem::forget(self.enter()?);
        let me = self as *const Ring as usize;
        let spawned = std::thread::Builder::new()
            .name("pfring-reflector".into())
            .spawn(move || {
                // SAFETY: `set_reflector`'s contract: the ring stays at this
                // address until closed and idle, and this thread is inside
                // it (the forgotten guard) until `leave` below.
                let ring = unsafe { &*(me as *const Ring) };
                ring.reflect_loop(&tx);
                tx.close();
                ring.leave();
            });
        if spawned.is_err() {
            self.leave();
            return Err(Error::Os(OsError {
                op: "spawning the reflector thread",
                errno: libc::EAGAIN,
            }));
        }
        Ok(())
    }

    fn reflect_loop(&self, tx: &TxSocket) {
        while !self.is_closed() {
            loop {
                // Batches under the lock, so a reentrant recv never races
                // for the cursor (it checks `reflecting` under it).
                let _l = self.lock.lock();
                let mut n = 0;
                while n < 256 {
                    let sent = self.take_forwarded(&mut |p: Packet<'_>| {
                        // A frame cut to the bucket length cannot go out
                        // unmodified.
                        p.data.len() as u32 == p.wire_len && tx.send(p.data)
                    });
                    match sent {
                        Some(true) => self.reflected.fetch_add(1, Ordering::Relaxed),
                        Some(false) => self.reflect_failed.fetch_add(1, Ordering::Relaxed),
                        None => break,
                    };
                    n += 1;
                }
                if n < 256 {
                    break;
                }
            }
            match sys::poll2(self.fd(), self.wake_fd, -1) {
                Ok(_) => {}
                Err(_) => std::thread::sleep(std::time::Duration::from_millis(1)),
            }
        }
    }

    /// Cumulative (delivered, dropped) counters. Async-signal-safe: one
    /// getsockopt and atomic adds.
    pub fn stats(&self) -> Result<(u64, u64), Error> {
        let _g = self.enter()?;
        if let Some(k) = self.kmod() {
            // FlowSlotInfo.tot_lost: cumulative, no system call.
            return Ok((self.delivered.load(Ordering::Relaxed), k.tot_lost()));
        }
        let (pk, dr) = self.tp().kernel_stats()?;
        self.kernel_packets.fetch_add(pk as u64, Ordering::Relaxed);
        let drops = self.kernel_drops.fetch_add(dr as u64, Ordering::Relaxed) + dr as u64;
        Ok((self.delivered.load(Ordering::Relaxed), drops))
    }

    /// Replaces the in-kernel filter.
    pub fn attach_filter(&self, prog: &[SockFilter]) -> Result<(), Error> {
        let _g = self.enter()?;
        match self.backend() {
            Backend::AfPacket(b) => b.attach_filter(prog),
            Backend::Kmod(k) => k.attach_filter(prog),
        }
    }

    /// Runs a rule-table change on the real table and, if it succeeded, on
    /// the shadow table, then re-attaches the prefilter; all under the
    /// control mutex. Nothing changes when `op` fails on the real table.
    fn rule_change(
        &self,
        op: impl Fn(&RuleTable, bool) -> Result<(), RuleError>,
    ) -> Result<(), Error> {
        let _g = self.enter()?;
        let _c = self.ctl.lock();
        op(&self.rules, false).map_err(rule_error)?;
        // The shadow holds the same rules with action `forward`: whatever
        // the real table accepted, it accepts too.
        let _ = op(&self.shadow, true);
        self.refresh_filter()
    }

    /// The prefilter for the current rules, as the mode asks.
    fn prefilter(&self) -> Vec<SockFilter> {
        let len = self.config.bucket_len;
        match self.config.prefilter {
            PrefilterMode::Stats => self.shadow.prefilter(len),
            PrefilterMode::All => self.rules.prefilter(len),
            PrefilterMode::Off => vec![accept_all(len)],
        }
    }

    /// Attaches the current prefilter. Called with `ctl` held. If the kernel
    /// refuses it, accept-all is attached instead (always correct: user
    /// space decides anyway).
    fn refresh_filter(&self) -> Result<(), Error> {
        let prog = self.prefilter();
        if self.tp().attach_filter(&prog).is_err() {
            self.tp()
                .attach_filter(&[accept_all(self.config.bucket_len)])?;
        }
        Ok(())
    }

    /// Adds (or replaces) a wildcard rule (`rule` already sanitised or not:
    /// the table sanitises its copy).
    pub fn add_rule(&self, rule: &RawFilteringRule) -> Result<(), Error> {
        self.add_any_rule(rule)
    }

    /// Both rule kinds: the module takes the rule as it is (after the
    /// action check 3.7.5 lacked); in user space it goes into the table
    /// and, with its action turned into `forward`, into the shadow table
    /// the prefilter is built from.
    fn add_any_rule<R: NewRule>(&self, rule: &R) -> Result<(), Error> {
        if self.config.cooked != Cooked::Off {
            return Err(Error::Invalid(
                "rules need frames as on the wire, not a cooked ring",
            ));
        }
        if let Some(r) = self.kmod_call(|k| {
            if rule.action() > 2 {
                return Err(Error::Invalid("rule_action is not 0, 1 or 2"));
            }
            k.add_rule(rule)
        }) {
            return r;
        }
        self.rule_change(|t, shadow| {
            if shadow {
                rule.forwarding().add_to(t)
            } else {
                rule.add_to(t)
            }
        })
    }

    /// Removes wildcard rule `id` (ENOENT if absent).
    pub fn remove_rule(&self, id: u16) -> Result<(), Error> {
        if let Some(r) = self.kmod_call(|k| {
            k.remove_rule(&id)
                .map_err(|e| not_found(e, "no filtering rule with this id"))
        }) {
            return r;
        }
        self.rule_change(|t, _| t.remove(id))
    }

    /// Adds a hash rule (EEXIST if its tuple is present).
    pub fn add_hash_rule(&self, rule: &RawHashFilteringRule) -> Result<(), Error> {
        self.add_any_rule(rule)
    }

    /// Removes the hash rule with this tuple (ENOENT if absent).
    pub fn remove_hash_rule(&self, rule: &RawHashFilteringRule) -> Result<(), Error> {
        if let Some(r) = self.kmod_call(|k| {
            k.remove_rule(rule)
                .map_err(|e| not_found(e, "no hash filtering rule with this tuple"))
        }) {
            return r;
        }
        self.rule_change(|t, _| t.remove_hash(rule))
    }

    /// Sets the default policy (true = forward what no rule decides).
    pub fn set_default_accept(&self, accept: bool) -> Result<(), Error> {
        if let Some(r) = self.kmod_call(|k| k.set_policy(accept)) {
            return r;
        }
        self.rule_change(|t, _| {
            t.set_default_accept(accept);
            Ok(())
        })
    }

    /// Packets and bytes wildcard rule `id` matched.
    pub fn rule_stats(&self, id: u16) -> Result<pfring_rule_stats, Error> {
        let _g = self.enter()?;
        if let Some(k) = self.kmod() {
            return k.rule_stats(id);
        }
        self.rules.rule_stats(id).map_err(rule_error)
    }

    /// Packets and bytes the hash rule with this tuple matched.
    pub fn hash_rule_stats(&self, rule: &RawHashFilteringRule) -> Result<pfring_rule_stats, Error> {
        let _g = self.enter()?;
        if let Some(k) = self.kmod() {
            return k.hash_rule_stats(rule);
        }
        self.rules.hash_rule_stats(rule).map_err(rule_error)
    }

    /// Keeps 1 forwarded packet out of `rate` (1 = all; 0 is refused).
    pub fn set_sampling_rate(&self, rate: u32) -> Result<(), Error> {
        let _g = self.enter()?;
        if let Some(k) = self.kmod() {
            if rate == 0 {
                return Err(rule_error(RuleError::InvalidSamplingRate));
            }
            let _c = self.ctl.lock();
            // The module's extension keeps 1 in `rate` for any rate, also
            // for the frames it reflects.
            match k.set_sampling_one_in(rate) {
                Ok(()) => return self.sampler.set_rate(1).map_err(rule_error),
                Err(e) if e.errno() != libc::ENOPROTOOPT => return Err(e),
                Err(_) => {}
            }
            // An older module keeps one forwarded packet, then drops the
            // next `sample_rate` (3.7.5's countdown, active above 1): rate r
            // here (1 in r) is r-1 there. It cannot say "1 in 2", which is
            // done here on the delivered frames instead (not applied to
            // frames the module reflects).
            let (kernel, user) = if rate == 2 {
                (1, 2)
            } else {
                (rate.max(2) - 1, 1)
            };
            k.set_sampling_rate(kernel)?;
            return self.sampler.set_rate(user).map_err(rule_error);
        }
        self.sampler.set_rate(rate).map_err(rule_error)
    }

    /// The rule table (read-only uses: tests, /proc-like reports).
    pub fn rules(&self) -> &RuleTable {
        &self.rules
    }

    /// The current cluster id (0 = none).
    pub fn cluster(&self) -> u32 {
        self.cluster.load(Ordering::Acquire)
    }

    /// Joins cluster `id` (1..=65535), leaving the current one first if it
    /// differs; enables the ring. See the module docs.
    pub fn set_cluster(&self, id: u32) -> Result<(), Error> {
        let _g = self.enter()?;
        if id == 0 || id > MAX_CLUSTER_ID {
            return Err(Error::Invalid("cluster id must be 1..=65535"));
        }
        let _c = self.ctl.lock();
        let cur = self.cluster.load(Ordering::Acquire);
        if cur == id {
            return Ok(());
        }
        if let Some(k) = self.kmod() {
            // The module's clusters: any process, at most 8 members, one
            // cluster per socket (leave the old one first).
            if cur != 0 {
                k.remove_from_cluster()?;
                self.cluster.store(0, Ordering::Release);
            }
            self.enable_inner()?;
            k.add_to_cluster(id)?;
            self.cluster.store(id, Ordering::Release);
            return Ok(());
        }
        if cur != 0 {
            self.replace_socket()?;
            self.cluster.store(0, Ordering::Release);
        }
        self.enable_inner()?;
        self.tp().join_fanout(id as u16)?;
        self.cluster.store(id, Ordering::Release);
        Ok(())
    }

    /// Leaves the cluster (a no-op when in none): the ring goes on capturing
    /// alone, on a new socket behind the same descriptor number.
    pub fn remove_from_cluster(&self) -> Result<(), Error> {
        let _g = self.enter()?;
        let _c = self.ctl.lock();
        if self.cluster.load(Ordering::Acquire) == 0 {
            return Ok(());
        }
        if let Some(k) = self.kmod() {
            k.remove_from_cluster()?;
            self.cluster.store(0, Ordering::Release);
            return Ok(());
        }
        self.replace_socket()?;
        self.cluster.store(0, Ordering::Release);
        Ok(())
    }

    /// Builds a new socket + ring with this ring's settings and swaps it in
    /// (see the module docs). Called inside a call (`enter`) with `ctl`.
    fn replace_socket(&self) -> Result<(), Error> {
        let mut new = self
            .tp()
            .open_sibling(self.config.geometry(), self.config.bucket_len)?;
        let setup = (|| {
            new.attach_filter(&self.prefilter())?;
            if self.promisc && self.ifindex != 0 {
                new.promisc(self.ifindex)?;
            }
            if self.enabled.load(Ordering::Acquire) {
                new.bind(self.ifindex)?;
            }
            Ok::<(), Error>(())
        })();
        if let Err(e) = setup {
            new.release();
            return Err(e);
        }
        // Exclusive use: only this call may be inside (count 1, not closed).
        if self
            .state
            .compare_exchange(1, 1 | SWAP, Ordering::AcqRel, Ordering::Acquire)
            .is_err()
            || {
                sys::barrier::heavy();
                let busy = self.fast_in.load(Ordering::Acquire);
                if busy {
                    self.state.fetch_and(!SWAP, Ordering::AcqRel);
                }
                busy
            }
        {
            new.release();
            return Err(Error::Os(OsError {
                op: "leaving the cluster (another call is inside the ring)",
                errno: libc::EBUSY,
            }));
        }
        // Counters of the old socket before it goes.
        if let Ok((pk, dr)) = self.tp().kernel_stats() {
            self.kernel_packets.fetch_add(pk as u64, Ordering::Relaxed);
            self.kernel_drops.fetch_add(dr as u64, Ordering::Relaxed);
        }
        let r = {
            // SAFETY: SWAP is set and we are the only call inside, so no
            // other reference into the backend, the cursor or a frame exists
            // (`enter` waits while SWAP is set; `close` defers teardown to
            // the last call out, which is us).
            let (b, cur) = unsafe { (&mut *self.backend.get(), &mut *self.cursor.get()) };
            *cur = Cursor::default();
            match b {
                Backend::AfPacket(b) => b.replace_with(new),
                Backend::Kmod(_) => unreachable!("no socket swap on the kernel module backend"),
            }
        };
        self.state.fetch_and(!SWAP, Ordering::AcqRel);
        r.map_err(Error::Os)
    }

    /// True while a call is inside the ring.
    pub fn is_busy(&self) -> bool {
        self.state.load(Ordering::Acquire) & COUNT != 0
    }

    pub fn is_closed(&self) -> bool {
        self.state.load(Ordering::Acquire) & CLOSED != 0
    }

    /// Closes the ring. Async-signal-safe; a second close is a no-op.
    /// Returns false if the ring was already closed.
    pub fn close(&self) -> bool {
        let prev = self.state.fetch_or(CLOSED, Ordering::AcqRel);
        if prev & CLOSED != 0 {
            return false;
        }
        sys::eventfd_signal(self.wake_fd);
        if prev & COUNT == 0 {
            sys::barrier::heavy();
            if !self.fast_in.load(Ordering::Acquire) {
                self.teardown();
            }
        }
        true
    }

    /// For the handle graveyard (normal context): true once the ring is
    /// closed, nobody is inside and it is torn down, tearing it down first
    /// if a race between `close` and the fast consumer's exit left that
    /// undone.
    pub fn reap(&self) -> bool {
        if self.state.load(Ordering::Acquire) != CLOSED {
            return false;
        }
        sys::barrier::heavy();
        if self.fast_in.load(Ordering::Acquire) {
            return false;
        }
        self.teardown();
        self.torn.load(Ordering::Acquire) == 2
    }

    /// Ends a call inside the ring. The last one out after a close tears
    /// the ring down *before* the count reaches zero, so that the handle's
    /// memory (freed once the ring is closed and idle) outlives the teardown.
    fn leave(&self) {
        let mut s = self.state.load(Ordering::Acquire);
        loop {
            if s == CLOSED | 1 {
                // Closed and we are the only counted call inside: nobody can
                // enter any more. Unless the fast consumer is inside (it
                // then leaves through here itself), nobody else can reach
                // the backend.
                sys::barrier::heavy();
                if !self.fast_in.load(Ordering::Acquire) {
                    self.teardown();
                }
                self.state.fetch_sub(1, Ordering::AcqRel);
                return;
            }
            match self
                .state
                .compare_exchange_weak(s, s - 1, Ordering::AcqRel, Ordering::Acquire)
            {
                Ok(_) => return,
                Err(cur) => s = cur,
            }
        }
    }

    fn teardown(&self) {
        if self
            .torn
            .compare_exchange(0, 1, Ordering::AcqRel, Ordering::Acquire)
            .is_err()
        {
            return;
        }
        // SAFETY: claimed once (above), with CLOSED set and no other call
        // inside (counted or fast), so nobody else holds a reference into
        // the backend.
        let b = unsafe { &mut *self.backend.get() };
        match b {
            Backend::AfPacket(b) => b.release(),
            Backend::Kmod(k) => k.release(),
        }
        sys::close(self.wake_fd);
        self.torn.store(2, Ordering::Release);
    }
}

impl Ring {
    /// Runs `f` on the module's ring inside a call, under the control
    /// mutex; None on the AF_PACKET backend.
    fn kmod_call(
        &self,
        f: impl FnOnce(&KmodRing) -> Result<(), Error>,
    ) -> Option<Result<(), Error>> {
        let g = match self.enter() {
            Ok(g) => g,
            Err(e) => return Some(Err(e)),
        };
        let k = self.kmod()?;
        let _c = self.ctl.lock();
        let r = f(k);
        drop(g);
        Some(r)
    }
}

/// The module's ENOENT as the library's NotFound (same errno).
fn not_found(e: Error, what: &'static str) -> Error {
    if e.errno() == libc::ENOENT {
        Error::NotFound(what)
    } else {
        e
    }
}

fn accept_all(len: u32) -> SockFilter {
    SockFilter {
        code: 0x06,
        jt: 0,
        jf: 0,
        k: len,
    }
}

/// The library error for a rule-table error, with the same errno.
pub fn rule_error(e: RuleError) -> Error {
    match e {
        RuleError::InvalidAction(_) => Error::Invalid("rule_action is not 0, 1 or 2"),
        RuleError::InvalidSamplingRate => Error::Invalid("sampling rate 0 (1 = no sampling)"),
        RuleError::NoSuchRule(_) => Error::NotFound("no filtering rule with this id"),
        RuleError::NoSuchHashRule => Error::NotFound("no hash filtering rule with this tuple"),
        RuleError::DuplicateHashRule => Error::Os(OsError {
            op: "adding a hash rule whose tuple exists",
            errno: libc::EEXIST,
        }),
        RuleError::PluginUnsupported(_) => {
            Error::NotSupported("kernel plugins (none exist on the AF_PACKET backend)")
        }
    }
}

/// Marks a call as inside the ring; the last one out after a close tears
/// the ring down.
enum ConsumerGuard<'a> {
    Fast(&'a Ring),
    Counted(#[allow(dead_code)] Guard<'a>),
}

impl Drop for ConsumerGuard<'_> {
    #[inline(always)]
    fn drop(&mut self) {
        if let ConsumerGuard::Fast(r) = self {
            r.leave_consumer();
        }
    }
}

struct Guard<'a> {
    ring: &'a Ring,
}

impl Drop for Guard<'_> {
    fn drop(&mut self) {
        self.ring.leave();
    }
}

/// A rule `Ring::add_any_rule` can add (wildcard or hash).
trait NewRule: Sized {
    fn action(&self) -> u32;
    /// The same rule with action `forward` (for the shadow table).
    fn forwarding(&self) -> Self;
    fn add_to(&self, t: &RuleTable) -> Result<(), RuleError>;
}

impl NewRule for RawFilteringRule {
    fn action(&self) -> u32 {
        self.rule_action
    }
    fn forwarding(&self) -> Self {
        RawFilteringRule {
            rule_action: 0,
            ..*self
        }
    }
    fn add_to(&self, t: &RuleTable) -> Result<(), RuleError> {
        t.add(self)
    }
}

impl NewRule for RawHashFilteringRule {
    fn action(&self) -> u32 {
        self.rule_action
    }
    fn forwarding(&self) -> Self {
        RawHashFilteringRule {
            rule_action: 0,
            ..*self
        }
    }
    fn add_to(&self, t: &RuleTable) -> Result<(), RuleError> {
        t.add_hash(self)
    }
}
