//! AF_PACKET TPACKET_V3 backend: a block ring shared with the kernel.
//!
//! The kernel fills blocks in order and hands a whole block to user space by
//! storing `TP_STATUS_USER` in its `block_status`; we walk its frames, then
//! give it back by storing `TP_STATUS_KERNEL`. Those two words are the only
//! shared-memory synchronisation; everything else in a user-owned block is
//! plain memory until we return it.

use core::ffi::c_int;
use core::sync::atomic::{AtomicU32, AtomicU8, Ordering};

use crate::error::Error;
use crate::parse::Direction;
use crate::sys::{self, OsError};

const TPACKET_V3: c_int = 2;
const TP_STATUS_KERNEL: u32 = 0;
const TP_STATUS_USER: u32 = 1;
const TP_STATUS_VLAN_VALID: u32 = 0x10;
const TP_STATUS_VLAN_TPID_VALID: u32 = 0x40;
const PACKET_OUTGOING: u8 = 4;
const ETH_P_ALL: u16 = 0x0003;
const PACKET_FANOUT_HASH: u16 = 0;
/// Largest fanout group Linux allows (`PACKET_FANOUT_MAX`, Linux >= 5.9).
pub const PACKET_FANOUT_MAX: u32 = 1 << 16;
/// Room kept before each frame so a VLAN tag the kernel stripped can be
/// put back in place (the frame must look as it did on the wire).
const VLAN_TAG_LEN: usize = 4;

// struct tpacket_block_desc / tpacket_hdr_v1 offsets.
const BLK_STATUS: usize = 8;
const BLK_NUM_PKTS: usize = 12;
const BLK_FIRST_PKT: usize = 16;
const BLK_LEN: usize = 20;

/// How far ahead of the consumer, in bytes of the block, frames are
/// prefetched. The kernel writes the frames on the CPU that received them,
/// so the consumer's first read of each line is a transfer from another
/// core's cache (around 100 ns here), while handing a small frame to the
/// caller takes 10 to 15 ns: prefetching only the next frame left most of
/// that latency exposed (73% of the `pfring_recv` loop's samples sat on its
/// first reads of the frame). Measured on the project VM side by side,
/// capturer CPU per packet with the `pfring_recv` loop: 60-byte frames at
/// 300 kpps, 44 to 49 ns with the next frame only, 35 to 39 ns with any
/// distance from 1152 to 9216 bytes (the plain reader: 35 to 41); 1500-byte
/// frames at 100 kpps, 239 to 256 ns with three lines per frame, 212 to 214
/// at 4096 and 8192 bytes with every line. One page: about 25 small
/// frames, two or three full-sized ones.
const PREFETCH_AHEAD: usize = 4096;
// struct tpacket3_hdr offsets.
const H_NEXT: usize = 0;
const H_SEC: usize = 4;
const H_NSEC: usize = 8;
const H_SNAPLEN: usize = 12;
const H_LEN: usize = 16;
const H_STATUS: usize = 20;
const H_MAC: usize = 24;
const H_VLAN_TCI: usize = 32;
const H_VLAN_TPID: usize = 36;
/// sockaddr_ll follows the 48-byte header (TPACKET_ALIGN(48)).
const H_SLL: usize = 48;
const H_PROTOCOL: usize = H_SLL + 2;
const H_IFINDEX: usize = H_SLL + 4;
const H_HATYPE: usize = H_SLL + 8;
const H_PKTTYPE: usize = H_SLL + 10;
const H_HALEN: usize = H_SLL + 11;
const H_ADDR: usize = H_SLL + 12;
/// `DLT_LINUX_SLL` header length.
pub const SLL_HDR_LEN: usize = 16;
/// `DLT_LINUX_SLL2` header length.
pub const SLL2_HDR_LEN: usize = 20;

#[repr(C)]
struct TpacketReq3 {
    block_size: u32,
    block_nr: u32,
    frame_size: u32,
    frame_nr: u32,
    retire_blk_tov: u32,
    sizeof_priv: u32,
    feature_req_word: u32,
}

/// `struct fanout_args` (Linux >= 5.9).
#[repr(C)]
struct FanoutArgs {
    id: u16,
    type_flags: u16,
    max_num_members: u32,
}

#[repr(C)]
struct TpacketStatsV3 {
    packets: u32,
    drops: u32,
    freeze_q_cnt: u32,
}

/// Ring geometry chosen at open.
#[derive(Clone, Copy, Debug)]
pub struct Geometry {
    pub block_size: usize,
    pub nblocks: usize,
    /// Block retire timeout in ms: how long a partly filled block may wait
    /// before the kernel hands it over (bounds latency at low rates).
    pub retire_ms: u32,
}

impl Geometry {
    /// Enough memory for `slots` buckets of `bucket_len` bytes (at least 4
    /// blocks of 256 KiB, or of the next power of two that holds a bucket),
    /// cut into [`MIN_BLOCKS`] blocks or more: a power of two of at least a
    /// page that holds a bucket, at most 256 KiB.
    ///
    /// Why many blocks: the kernel hands a block over when it is full or
    /// `retire_ms` after its first frame, so at low rates each block carries
    /// only the frames of one retire period, and the ring absorbs a consumer
    /// stall of about `nblocks * retire_ms` whatever its size in bytes: 32
    /// blocks retired every 1 ms dropped packets at 1,000 pps after a 32 ms
    /// stall. Without overrides a 32 MiB ring is 128 blocks of 256 KiB
    /// retired after 4 ms: about 0.5 s of stall at low rates, at most 4 ms
    /// (median about 2 ms) from arrival to the reader, and at high rates one
    /// wake-up per ~1,600 small frames (256 blocks of 32 KiB retired every
    /// 1 ms cost 3x the C reference reader's CPU per packet in bench/). The
    /// pcap shim uses this shape; libpfring's own rings ask for 64 blocks
    /// of 512 KiB retired after 8 ms (`ring::DEFAULT_BLOCK_SIZE`), half the
    /// wake-ups at high rates for the same stall tolerance.
    pub fn for_slots(slots: u32, bucket_len: u32) -> Self {
        let per_frame = bucket_len as usize + 128;
        let mut big = 256 * 1024;
        while big < per_frame {
            big *= 2;
        }
        let total = slots as usize * bucket_len as usize;
        let mem = big * total.div_ceil(big).clamp(4, 4096);
        let mut block_size = 4096;
        while block_size < per_frame || (block_size < big && block_size * 2 * MIN_BLOCKS <= mem) {
            block_size *= 2;
        }
        Geometry {
            block_size,
            nblocks: mem / block_size,
            retire_ms: RETIRE_MS,
        }
    }
}

impl Geometry {
    /// [`Geometry::for_slots`], then the caller's block size (rounded up
    /// to a power of two of at least a page that holds a bucket; the ring
    /// keeps its size in bytes, with at least 2 blocks) and retire timeout
    /// when given (0 = automatic).
    pub fn with_overrides(slots: u32, bucket_len: u32, block_size: u32, retire_ms: u32) -> Self {
        let mut g = Self::for_slots(slots, bucket_len);
        if block_size != 0 {
            let mem = g.block_size * g.nblocks;
            let per_frame = bucket_len as usize + 128;
            let mut b = 4096usize;
            while b < per_frame || b < block_size as usize {
                b *= 2;
            }
            g.block_size = b;
            g.nblocks = mem.div_ceil(b).max(2);
        }
        if retire_ms != 0 {
            g.retire_ms = retire_ms;
        }
        g
    }
}

/// How frames are presented (see [`crate::ring::Config::cooked`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(u8)]
pub enum Cooked {
    /// As on the wire (SOCK_RAW), the link-layer header included.
    #[default]
    Off = 0,
    /// SOCK_DGRAM: the network-layer packet behind a `DLT_LINUX_SLL`
    /// header built from the kernel's `sockaddr_ll` (libpcap's "cooked"
    /// capture); a VLAN tag the kernel stripped goes back in the header's
    /// protocol field, as libpcap puts it.
    Sll = 1,
    /// As `Sll` with a `DLT_LINUX_SLL2` header (no VLAN tag reinsertion,
    /// like libpcap).
    Sll2 = 2,
}

/// Block retire timeout (see [`Geometry::for_slots`]).
pub const RETIRE_MS: u32 = 4;

/// Blocks the ring aims for (see [`Geometry::for_slots`]).
pub const MIN_BLOCKS: usize = 128;

#[cfg(test)]
mod tests {
    use super::Geometry;

    #[test]
    fn geometry_prefers_many_blocks() {
        let g = |s, b| {
            let g = Geometry::for_slots(s, b);
            (g.block_size, g.nblocks)
        };
        assert_eq!(g(4096, 2048), (64 * 1024, 128));
        assert_eq!(g(16, 64), (8192, 128));
        assert_eq!(g(16, 2048), (8192, 128));
        assert_eq!(g(4096, 65535), (256 * 1024, 1024));
        assert_eq!(g(1 << 20, 2048), (256 * 1024, 4096));
        assert_eq!(g(1024, 2048), (16384, 128));
        assert_eq!(g(crate::ring::DEFAULT_NUM_SLOTS, 2048), (256 * 1024, 128));
    }
}

/// One captured frame, borrowed from a block the application owns.
pub struct Frame<'a> {
    pub data: &'a [u8],
    pub wire_len: u32,
    pub sec: u32,
    pub nsec: u32,
    pub dir: Direction,
    /// The device the frame was seen on (useful on `any`).
    pub ifindex: i32,
    /// The frame's protocol as the kernel gives it in `sockaddr_ll`
    /// (host order: 0x0800 IPv4, 0x000c CAN, 0x000d CAN FD, ...).
    pub protocol: u16,
}

/// The socket and its mapping. The descriptor and the mapping are released
/// only by [`TpacketV3::release`], which the ring calls once no call is inside.
pub struct TpacketV3 {
    pub fd: c_int,
    map: *mut u8,
    map_len: usize,
    geo: Geometry,
    /// A [`Cooked`] as u8; may switch between Sll and Sll2 while open.
    cooked: AtomicU8,
}

// SAFETY: the mapping is owned by this struct; access to the blocks is
// serialised by the ring (one consumer, or the reentrant lock), and the
// block status words are accessed atomically.
unsafe impl Send for TpacketV3 {}
// SAFETY: as above; shared references only read `fd` and the geometry or go
// through the ring's consumer serialisation.
unsafe impl Sync for TpacketV3 {}

/// The consumer's position: which block, which frame, how many are left.
#[derive(Default)]
pub struct Cursor {
    block: usize,
    open: bool,
    off: usize,
    left: u32,
    /// End of the open block's frames (block start + blk_len).
    end: usize,
    /// Lines before this offset were prefetched (or are behind us).
    pf: usize,
}

impl TpacketV3 {
    /// Creates the socket (not yet receiving: protocol 0) and its ring.
    pub fn open(geo: Geometry, caplen: u32, cooked: Cooked) -> Result<Self, Error> {
        let ty = if cooked == Cooked::Off {
            libc::SOCK_RAW
        } else {
            libc::SOCK_DGRAM
        };
        let fd = sys::socket(libc::AF_PACKET, ty, 0)?;
        let mut me = TpacketV3 {
            fd,
            map: core::ptr::null_mut(),
            map_len: 0,
            geo,
            cooked: AtomicU8::new(cooked as u8),
        };
        if let Err(e) = me.setup(caplen) {
            me.release();
            return Err(e);
        }
        Ok(me)
    }

    /// Like [`TpacketV3::open`], but the socket is created in the network
    /// namespace of this socket rather than in the calling thread's (a ring
    /// may be opened in one namespace and controlled from a thread in
    /// another); see [`in_netns_of`].
    pub fn open_sibling(&self, geo: Geometry, caplen: u32) -> Result<Self, Error> {
        in_netns_of(self.fd, || TpacketV3::open(geo, caplen, self.cooked()))
    }

    fn setup(&mut self, caplen: u32) -> Result<(), Error> {
        let fd = self.fd;
        sys::setsockopt(fd, libc::SOL_PACKET, libc::PACKET_VERSION, &TPACKET_V3)?;
        // Room for a VLAN tag put back before the frame; cooked rings add
        // what libpcap adds for its SLL2 header (SLL2_HDR_LEN - 16 = 4), so
        // that a frame the kernel cuts to fit one block is cut where
        // libpcap's is.
        let reserve = if self.cooked() == Cooked::Off {
            VLAN_TAG_LEN
        } else {
            VLAN_TAG_LEN + SLL2_HDR_LEN - 16
        };
        sys::setsockopt(
            fd,
            libc::SOL_PACKET,
            libc::PACKET_RESERVE,
            &(reserve as c_int),
        )?;
        let req = TpacketReq3 {
            block_size: self.geo.block_size as u32,
            block_nr: self.geo.nblocks as u32,
            frame_size: 2048,
            frame_nr: (self.geo.block_size / 2048 * self.geo.nblocks) as u32,
            retire_blk_tov: self.geo.retire_ms,
            sizeof_priv: 0,
            feature_req_word: 0,
        };
        sys::setsockopt(fd, libc::SOL_PACKET, libc::PACKET_RX_RING, &req)?;
        self.map_len = self.geo.block_size * self.geo.nblocks;
        self.map = sys::mmap_shared(fd, self.map_len)?;
        self.set_snaplen(caplen)?;
        Ok(())
    }

    /// The framing of frames read from now on.
    pub fn cooked(&self) -> Cooked {
        match self.cooked.load(Ordering::Relaxed) {
            1 => Cooked::Sll,
            2 => Cooked::Sll2,
            _ => Cooked::Off,
        }
    }

    /// Switches a cooked ring between SLL and SLL2 framing (the socket is
    /// the same; only the header built per frame changes). The caller
    /// refuses a switch to or from `Off`.
    pub fn set_cooked(&self, c: Cooked) {
        self.cooked.store(c as u8, Ordering::Relaxed);
    }

    /// The geometry the ring was set up with.
    pub fn geometry(&self) -> Geometry {
        self.geo
    }

    /// Truncates captured frames to `caplen` in the kernel, the way libpcap
    /// does on TPACKET_V3: a one-instruction filter `ret #caplen`.
    pub fn set_snaplen(&self, caplen: u32) -> Result<(), Error> {
        let insn = [SockFilter {
            code: 0x06,
            jt: 0,
            jf: 0,
            k: caplen,
        }];
        self.attach_filter(&insn)
    }

    /// Attaches a classic BPF program (replacing the previous one atomically).
    pub fn attach_filter(&self, prog: &[SockFilter]) -> Result<(), Error> {
        let fprog = SockFprog {
            len: prog.len() as u16,
            filter: prog.as_ptr(),
        };
        sys::setsockopt(self.fd, libc::SOL_SOCKET, libc::SO_ATTACH_FILTER, &fprog)?;
        Ok(())
    }

    /// Starts reception on `ifindex` (0 = all devices).
    pub fn bind(&self, ifindex: u32) -> Result<(), Error> {
        sys::bind_packet(self.fd, ifindex, ETH_P_ALL.to_be())?;
        Ok(())
    }

    /// Joins fanout group `id` with a symmetric flow hash
    /// (`PACKET_FANOUT_HASH`: the kernel's `skb_get_hash_symmetric`, so both
    /// directions of a 5-tuple land on the same member). The socket must be
    /// bound. `max_num_members` is asked for explicitly (Linux >= 5.9 reads
    /// it, older kernels read only the first 4 bytes and allow 256).
    pub fn join_fanout(&self, id: u16) -> Result<(), OsError> {
        let args = FanoutArgs {
            id,
            type_flags: PACKET_FANOUT_HASH,
            max_num_members: PACKET_FANOUT_MAX,
        };
        sys::setsockopt(self.fd, libc::SOL_PACKET, libc::PACKET_FANOUT, &args).map_err(|e| {
            OsError {
                op: "setsockopt(PACKET_FANOUT)",
                errno: e.errno,
            }
        })
    }

    /// Puts `new` in place of this socket and ring, keeping the descriptor
    /// number (`dup3` over it, close-on-exec kept): programs that saved the
    /// descriptor go on polling the right socket. Frames still queued in the
    /// old ring are discarded.
    ///
    /// The caller guarantees that nothing else uses this backend meanwhile
    /// (no frame borrowed from the old mapping, no call inside the ring).
    pub fn replace_with(&mut self, mut new: TpacketV3) -> Result<(), OsError> {
        // SAFETY: both descriptors are open sockets owned by this library;
        // dup3 atomically closes the old socket's descriptor and makes the
        // number refer to the new socket.
        let rc = unsafe { libc::dup3(new.fd, self.fd, libc::O_CLOEXEC) };
        if rc < 0 {
            let e = sys::errno();
            new.release();
            return Err(OsError {
                op: "dup3",
                errno: e,
            });
        }
        sys::close(new.fd);
        if !self.map.is_null() {
            // SAFETY: our live mapping; the caller guarantees no frame
            // borrowed from it is in use. The old socket goes with it.
            unsafe { sys::munmap(self.map, self.map_len) };
        }
        self.map = new.map;
        self.map_len = new.map_len;
        self.geo = new.geo;
        // `new` is consumed: its mapping now belongs to `self` and its
        // descriptor is closed (TpacketV3 has no Drop).
        Ok(())
    }

    /// Puts `ifindex` in promiscuous mode for as long as the socket lives.
    pub fn promisc(&self, ifindex: u32) -> Result<(), Error> {
        let mr = libc::packet_mreq {
            mr_ifindex: ifindex as c_int,
            mr_type: libc::PACKET_MR_PROMISC as u16,
            mr_alen: 0,
            mr_address: [0; 8],
        };
        sys::setsockopt(
            fd_of(self),
            libc::SOL_PACKET,
            libc::PACKET_ADD_MEMBERSHIP,
            &mr,
        )?;
        Ok(())
    }

    /// Reads and resets the kernel's counters: (packets, drops).
    pub fn kernel_stats(&self) -> Result<(u32, u32), OsError> {
        let mut st = TpacketStatsV3 {
            packets: 0,
            drops: 0,
            freeze_q_cnt: 0,
        };
        sys::getsockopt(self.fd, libc::SOL_PACKET, libc::PACKET_STATISTICS, &mut st)?;
        Ok((st.packets, st.drops))
    }

    fn status_word(&self, block: usize) -> &AtomicU32 {
        // SAFETY: `block < nblocks`, so the word lies inside the live mapping;
        // it is 4-byte aligned (blocks are page aligned, offset 8); the kernel
        // accesses it concurrently, which is why it is only used atomically.
        unsafe {
            AtomicU32::from_ptr(self.map.add(block * self.geo.block_size + BLK_STATUS) as *mut u32)
        }
    }

    fn rd32(&self, at: usize) -> u32 {
        debug_assert!(at + 4 <= self.map_len);
        // SAFETY: `at` lies inside a block the consumer owns (checked by the
        // caller's cursor logic); unaligned read of plain memory.
        unsafe { core::ptr::read_unaligned(self.map.add(at) as *const u32) }
    }

    fn rd16(&self, at: usize) -> u16 {
        debug_assert!(at + 2 <= self.map_len);
        // SAFETY: as in `rd32`.
        unsafe { core::ptr::read_unaligned(self.map.add(at) as *const u16) }
    }

    /// Returns the next frame, or None when the ring holds nothing. The
    /// frame borrows the cursor: a block is handed back to the kernel only
    /// when the cursor moves past it, so the frame stays valid until the
    /// next call (which zero-copy users such as `pcap_next_ex` rely on).
    #[inline]
    pub fn next<'a>(&'a self, cur: &'a mut Cursor) -> Option<Frame<'a>> {
        loop {
            if cur.left > 0 {
                return self.next_in_block(cur);
            }
            if cur.open {
                // Release: every read of this block's frames happened before
                // the kernel may refill it; pairs with the kernel's
                // smp_rmb() before it tests block_status in prb_lookup_block.
                self.status_word(cur.block)
                    .store(TP_STATUS_KERNEL, Ordering::Release);
                cur.open = false;
                cur.block = (cur.block + 1) % self.geo.nblocks;
            }
            // Acquire: the frames the kernel wrote are visible once we see
            // TP_STATUS_USER; pairs with the smp_wmb() before the status
            // store in prb_close_block.
            let st = self.status_word(cur.block).load(Ordering::Acquire);
            if st & TP_STATUS_USER == 0 {
                return None;
            }
            let base = cur.block * self.geo.block_size;
            cur.open = true;
            cur.left = self.rd32(base + BLK_NUM_PKTS);
            cur.off = base + self.rd32(base + BLK_FIRST_PKT) as usize;
            cur.end = base + (self.rd32(base + BLK_LEN) as usize).min(self.geo.block_size);
            // The first call prefetches the block's first PREFETCH_AHEAD bytes.
            cur.pf = cur.off & !63;
        }
    }

    /// The next frame of the block the cursor has open, or None when it
    /// has none left (block changes are `next`'s job). The receive fast
    /// path: no status word, no block arithmetic.
    #[inline(always)]
    pub fn next_in_block<'a>(&'a self, cur: &'a mut Cursor) -> Option<Frame<'a>> {
        if cur.left == 0 {
            return None;
        }
        cur.left -= 1;
        let h = cur.off;
        cur.off = h + self.rd32(h + H_NEXT) as usize;
        // Keep every line of the block's frames up to PREFETCH_AHEAD past
        // the next frame prefetched: two or three lines per small frame,
        // one frame's worth for big ones. Inside the block's frames only:
        // the next block may still be the kernel's.
        let t = (cur.off + PREFETCH_AHEAD).min(cur.end);
        while cur.pf < t {
            prefetch(self.map.wrapping_add(cur.pf));
            cur.pf += 64;
        }
        Some(self.frame_at(h))
    }

    /// True when the next call to `next` would find a frame (no syscall).
    pub fn has_frames(&self, cur: &Cursor) -> bool {
        if cur.left > 0 {
            return true;
        }
        let b = if cur.open {
            (cur.block + 1) % self.geo.nblocks
        } else {
            cur.block
        };
        self.status_word(b).load(Ordering::Acquire) & TP_STATUS_USER != 0
    }

    #[inline(always)]
    fn frame_at(&self, h: usize) -> Frame<'_> {
        let status = self.rd32(h + H_STATUS);
        let snap = self.rd32(h + H_SNAPLEN) as usize;
        let mut wire_len = self.rd32(h + H_LEN);
        let mut mac = h + self.rd16(h + H_MAC) as usize;
        let mut caplen = snap;
        let tci = self.rd32(h + H_VLAN_TCI);
        let vlan = tci != 0 || status & TP_STATUS_VLAN_VALID != 0;
        let tpid = || {
            if status & TP_STATUS_VLAN_TPID_VALID != 0 {
                self.rd16(h + H_VLAN_TPID)
            } else {
                0x8100
            }
        };
        // One plain load and test per frame; the enum only on cooked rings.
        if self.cooked.load(Ordering::Relaxed) != Cooked::Off as u8 {
            let add = self.build_cooked(self.cooked(), h, mac, vlan.then(|| (tpid(), tci as u16)));
            mac -= add;
            caplen += add;
            wire_len += add as u32;
        } else if vlan && snap >= 12 {
            let tpid = tpid();
            // SAFETY: PACKET_RESERVE guarantees VLAN_TAG_LEN spare bytes
            // before the MAC header inside this frame's slot, the block is
            // owned by the consumer, and `mac + snap` lies inside the block.
            unsafe {
                let p = self.map.add(mac);
                core::ptr::copy(p, p.sub(VLAN_TAG_LEN), 12);
                let tag = p.add(12 - VLAN_TAG_LEN);
                core::ptr::copy_nonoverlapping(tpid.to_be_bytes().as_ptr(), tag, 2);
                core::ptr::copy_nonoverlapping((tci as u16).to_be_bytes().as_ptr(), tag.add(2), 2);
            }
            mac -= VLAN_TAG_LEN;
            caplen += VLAN_TAG_LEN;
            wire_len += VLAN_TAG_LEN as u32;
        }
        let pkttype = {
            // SAFETY: inside the frame header of an owned block.
            unsafe { *self.map.add(h + H_PKTTYPE) }
        };
        debug_assert!(mac + caplen <= self.map_len);
        // SAFETY: [mac, mac+caplen) lies inside an owned block; the slice
        // lives as long as `&self` and the consumer holds the cursor, and the
        // block is not returned to the kernel before the next `next` call.
        let data = unsafe { core::slice::from_raw_parts(self.map.add(mac), caplen) };
        Frame {
            data,
            wire_len,
            sec: self.rd32(h + H_SEC),
            nsec: self.rd32(h + H_NSEC),
            dir: if pkttype == PACKET_OUTGOING {
                Direction::Tx
            } else {
                Direction::Rx
            },
            ifindex: self.rd32(h + H_IFINDEX) as i32,
            protocol: u16::from_be(self.rd16(h + H_PROTOCOL)),
        }
    }

    /// Writes the cooked header (and, for SLL, a stripped VLAN tag) just
    /// before the network-layer data at `net`, from the frame's
    /// `sockaddr_ll`; returns its length. All fields big-endian, address
    /// bytes beyond `halen` zero.
    #[inline(never)]
    fn build_cooked(
        &self,
        cooked: Cooked,
        h: usize,
        net: usize,
        vlan: Option<(u16, u16)>,
    ) -> usize {
        // sll_protocol is stored in network order: keep its bytes as they are.
        let proto = self.rd16(h + H_PROTOCOL).to_ne_bytes();
        let hatype = self.rd16(h + H_HATYPE);
        // SAFETY: both bytes lie inside the frame's sockaddr_ll.
        let (pkttype, halen) =
            unsafe { (*self.map.add(h + H_PKTTYPE), *self.map.add(h + H_HALEN)) };
        let mut addr = [0u8; 8];
        let n = (halen as usize).min(8);
        // SAFETY: sll_addr is 8 bytes inside the frame's sockaddr_ll.
        unsafe { core::ptr::copy_nonoverlapping(self.map.add(h + H_ADDR), addr.as_mut_ptr(), n) };
        let mut hdr = [0u8; SLL2_HDR_LEN];
        let len = match cooked {
            Cooked::Sll2 => {
                hdr[0..2].copy_from_slice(&proto);
                hdr[4..8].copy_from_slice(&self.rd32(h + H_IFINDEX).to_be_bytes());
                hdr[8..10].copy_from_slice(&hatype.to_be_bytes());
                hdr[10] = pkttype;
                hdr[11] = halen;
                hdr[12..20].copy_from_slice(&addr);
                SLL2_HDR_LEN
            }
            _ => {
                hdr[0..2].copy_from_slice(&(pkttype as u16).to_be_bytes());
                hdr[2..4].copy_from_slice(&hatype.to_be_bytes());
                hdr[4..6].copy_from_slice(&(halen as u16).to_be_bytes());
                hdr[6..14].copy_from_slice(&addr);
                match vlan {
                    Some((tpid, tci)) => {
                        hdr[14..16].copy_from_slice(&tpid.to_be_bytes());
                        hdr[16..18].copy_from_slice(&tci.to_be_bytes());
                        hdr[18..20].copy_from_slice(&proto);
                        SLL_HDR_LEN + VLAN_TAG_LEN
                    }
                    None => {
                        hdr[14..16].copy_from_slice(&proto);
                        SLL_HDR_LEN
                    }
                }
            }
        };
        // The kernel leaves 16 bytes + PACKET_RESERVE (8) between the end
        // of sockaddr_ll and the network header of SOCK_DGRAM frames for
        // exactly this (tpacket_rcv: netoff = ALIGN(hdrlen + 16) + reserve).
        debug_assert!(net >= h + H_SLL + 20 + len);
        // SAFETY: [net - len, net) lies in that headroom of an owned block.
        unsafe { core::ptr::copy_nonoverlapping(hdr.as_ptr(), self.map.add(net - len), len) };
        len
    }

    /// Unmaps the ring and closes the socket (idempotent, async-signal-safe).
    pub fn release(&mut self) {
        if !self.map.is_null() {
            // SAFETY: `map`/`map_len` is our live mapping; the ring guarantees
            // no frame borrowed from it is in use any more.
            unsafe { sys::munmap(self.map, self.map_len) };
            self.map = core::ptr::null_mut();
        }
        sys::close(self.fd);
        self.fd = -1;
    }
}

/// Runs `f` (which creates sockets) in the network namespace of socket
/// `fd`. Uses `SIOCGSKNS` (Linux >= 4.9; on older kernels `f` runs here);
/// when the namespace differs from the calling thread's, a short-lived
/// thread enters it (`setns`, which needs CAP_SYS_ADMIN) and runs `f`.
pub fn in_netns_of<R: Send>(
    fd: c_int,
    f: impl FnOnce() -> Result<R, Error> + Send,
) -> Result<R, Error> {
    // SAFETY: ioctl on an open socket; SIOCGSKNS takes no argument and
    // returns a new descriptor for the socket's network namespace.
    let nsfd = unsafe { libc::ioctl(fd, libc::SIOCGSKNS as _) };
    if nsfd < 0 {
        return f();
    }
    let r = if same_netns_as_caller(nsfd) {
        f()
    } else {
        std::thread::scope(|s| {
            let h = std::thread::Builder::new()
                .name("pfring-netns".into())
                .spawn_scoped(s, || {
                    // SAFETY: plain system call on a namespace descriptor we
                    // own; it changes only this helper thread.
                    if unsafe { libc::setns(nsfd, libc::CLONE_NEWNET) } != 0 {
                        return Err(Error::Os(OsError {
                            op: "setns (entering the ring's network namespace)",
                            errno: sys::errno(),
                        }));
                    }
                    f()
                });
            match h {
                Ok(h) => h
                    .join()
                    .unwrap_or(Err(Error::Invalid("helper thread panicked"))),
                Err(_) => Err(Error::Os(OsError {
                    op: "spawning a helper thread",
                    errno: libc::EAGAIN,
                })),
            }
        })
    };
    sys::close(nsfd);
    r
}

/// A send-only AF_PACKET socket bound to one device: the reflector's
/// output. Frames go out as they are (`SOCK_RAW`), bypassing the qdisc
/// when the kernel allows it (3.7.5 called the driver's `hard_start_xmit`
/// directly).
pub struct TxSocket {
    fd: c_int,
    pub ifindex: u32,
}

impl TxSocket {
    /// Opens it on device `name`, looked up in the calling thread's network
    /// namespace (ENODEV if there is no such device).
    pub fn open(name: &core::ffi::CStr) -> Result<TxSocket, Error> {
        let bytes = name.to_bytes();
        if bytes.is_empty() || bytes.len() >= libc::IFNAMSIZ {
            return Err(Error::NoDevice);
        }
        let fd = sys::socket(libc::AF_PACKET, libc::SOCK_RAW, 0)?;
        let me = TxSocket { fd, ifindex: 0 };
        match me.setup(bytes) {
            Ok(ifindex) => Ok(TxSocket { fd, ifindex }),
            Err(e) => {
                sys::close(fd);
                Err(e)
            }
        }
    }

    fn setup(&self, name: &[u8]) -> Result<u32, Error> {
        // SAFETY: all-zero is a valid ifreq.
        let mut ifr: libc::ifreq = unsafe { core::mem::zeroed() };
        for (d, s) in ifr.ifr_name.iter_mut().zip(name) {
            *d = *s as libc::c_char;
        }
        // SAFETY: SIOCGIFINDEX reads the NUL-terminated name (it fits: len <
        // IFNAMSIZ, rest zero) and writes the index into `ifr`.
        if unsafe { libc::ioctl(self.fd, libc::SIOCGIFINDEX as _, &mut ifr) } != 0 {
            return Err(Error::NoDevice);
        }
        // SAFETY: the kernel filled the ifindex member of the union.
        let ifindex = unsafe { ifr.ifr_ifru.ifru_ifindex } as u32;
        sys::bind_packet(self.fd, ifindex, 0)?;
        // Best effort: not all kernels have it.
        let _ = sys::setsockopt(self.fd, libc::SOL_PACKET, libc::PACKET_QDISC_BYPASS, &1i32);
        Ok(ifindex)
    }

    /// Sends one frame; false if the kernel did not take it (queue full,
    /// device down, frame too long).
    pub fn send(&self, frame: &[u8]) -> bool {
        // SAFETY: `frame` is a valid buffer of its length; `fd` is our socket.
        let rc = unsafe {
            libc::send(
                self.fd,
                frame.as_ptr() as *const libc::c_void,
                frame.len(),
                libc::MSG_DONTWAIT,
            )
        };
        rc == frame.len() as isize
    }

    /// Closes the socket.
    pub fn close(self) {
        sys::close(self.fd);
    }
}

/// True when the namespace behind `nsfd` is the calling thread's network
/// namespace (same nsfs inode).
fn same_netns_as_caller(nsfd: c_int) -> bool {
    // SAFETY: all-zero is a valid `stat`; fstat writes into it.
    let mut st: libc::stat = unsafe { core::mem::zeroed() };
    // SAFETY: `nsfd` is an open descriptor; `st` is writable.
    if unsafe { libc::fstat(nsfd, &mut st) } != 0 {
        return true;
    }
    use std::os::unix::fs::MetadataExt;
    match std::fs::metadata("/proc/thread-self/ns/net") {
        Ok(m) => m.ino() == st.st_ino && m.dev() == st.st_dev,
        Err(_) => true,
    }
}

/// Asks for the cache line at `p` (the next frame: the kernel wrote it on
/// another CPU, so reading it cold costs a cross-core transfer).
#[inline(always)]
fn prefetch(p: *const u8) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: prefetch is a hint; it never faults, whatever the address.
    unsafe {
        core::arch::x86_64::_mm_prefetch::<{ core::arch::x86_64::_MM_HINT_T0 }>(p as *const i8)
    };
    #[cfg(not(target_arch = "x86_64"))]
    let _ = p;
}

fn fd_of(t: &TpacketV3) -> c_int {
    t.fd
}

/// `struct sock_filter` (= `struct bpf_insn`): the rule engine's type, so a
/// compiled prefilter is attached as it is.
pub use crate::rules::SockFilter;

#[repr(C)]
struct SockFprog {
    len: u16,
    filter: *const SockFilter,
}

/// The block walk, VLAN reinsertion and cooked headers on a synthetic block
/// in heap memory laid out as the kernel writes it (`tpacket_rcv`): no
/// socket, so these also run under miri (`make test-miri`).
#[cfg(test)]
mod block_tests {
    use super::*;

    const BLOCK: usize = 4096;

    /// A two-block "mapping" (u64-aligned like a page) and a ring over it.
    struct Synthetic {
        mem: Vec<u64>,
    }

    impl Synthetic {
        fn new() -> Self {
            Synthetic {
                mem: vec![0; 2 * BLOCK / 8],
            }
        }

        fn bytes(&mut self) -> &mut [u8] {
            let len = self.mem.len() * 8;
            // SAFETY: the Vec<u64> owns len bytes; u8 has no alignment needs.
            unsafe { core::slice::from_raw_parts_mut(self.mem.as_mut_ptr() as *mut u8, len) }
        }

        fn ring(&mut self, cooked: Cooked) -> TpacketV3 {
            TpacketV3 {
                fd: -1,
                map: self.mem.as_mut_ptr() as *mut u8,
                map_len: self.mem.len() * 8,
                geo: Geometry {
                    block_size: BLOCK,
                    nblocks: 2,
                    retire_ms: 4,
                },
                cooked: AtomicU8::new(cooked as u8),
            }
        }

        /// Writes block 0 (status USER) with frames at the offsets the
        /// kernel uses: `(data, mac offset in the frame, vlan tci, pkttype)`.
        fn fill(&mut self, frames: &[(&[u8], usize, Option<u16>, u8)]) {
            let b = self.bytes();
            let put32 =
                |b: &mut [u8], at: usize, v: u32| b[at..at + 4].copy_from_slice(&v.to_ne_bytes());
            put32(b, BLK_NUM_PKTS, frames.len() as u32);
            put32(b, BLK_FIRST_PKT, 48);
            let mut h = 48;
            for (i, (data, mac, tci, pkttype)) in frames.iter().enumerate() {
                let next = (mac + data.len() + 15) & !15;
                put32(
                    b,
                    h + H_NEXT,
                    if i + 1 < frames.len() { next as u32 } else { 0 },
                );
                put32(b, h + H_SEC, 1000 + i as u32);
                put32(b, h + H_NSEC, 5000);
                put32(b, h + H_SNAPLEN, data.len() as u32);
                put32(b, h + H_LEN, data.len() as u32 + 10);
                put32(
                    b,
                    h + H_STATUS,
                    if tci.is_some() {
                        TP_STATUS_VLAN_VALID
                    } else {
                        0
                    },
                );
                b[h + H_MAC..h + H_MAC + 2].copy_from_slice(&(*mac as u16).to_ne_bytes());
                put32(b, h + H_VLAN_TCI, u32::from(tci.unwrap_or(0)));
                b[h + H_PROTOCOL..h + H_PROTOCOL + 2].copy_from_slice(&0x0800u16.to_be_bytes());
                put32(b, h + H_IFINDEX, 7);
                b[h + H_HATYPE..h + H_HATYPE + 2].copy_from_slice(&1u16.to_ne_bytes());
                b[h + H_PKTTYPE] = *pkttype;
                b[h + H_HALEN] = 6;
                b[h + H_ADDR..h + H_ADDR + 8].copy_from_slice(&[2, 0, 0, 0, 0, 1, 0xee, 0xee]);
                b[h + mac..h + mac + data.len()].copy_from_slice(data);
                h += next;
            }
            put32(b, BLK_LEN, h as u32);
            put32(b, BLK_STATUS, TP_STATUS_USER);
        }

        fn status(&mut self, block: usize) -> u32 {
            let b = self.bytes();
            let at = block * BLOCK + BLK_STATUS;
            u32::from_ne_bytes(b[at..at + 4].try_into().unwrap())
        }
    }

    fn eth(payload: &[u8]) -> Vec<u8> {
        let mut f = vec![2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00];
        f.extend_from_slice(payload);
        f
    }

    /// SOCK_RAW frames: the MAC header 86 bytes into the frame (ALIGN(68 +
    /// 16) + 4 reserved - 14), a stripped tag put back after the MACs.
    #[test]
    fn raw_frames_are_walked_in_order_and_vlan_tags_restored() {
        let mut s = Synthetic::new();
        let a = eth(b"first frame");
        let b = eth(b"tagged");
        s.fill(&[(&a, 86, None, 0), (&b, 86, Some(0x2064), PACKET_OUTGOING)]);
        let ring = s.ring(Cooked::Off);
        let mut cur = Cursor::default();
        {
            let f = ring.next(&mut cur).unwrap();
            assert_eq!(f.data, &a[..]);
            assert_eq!(
                (f.wire_len, f.sec, f.nsec, f.ifindex),
                (a.len() as u32 + 10, 1000, 5000, 7)
            );
            assert_eq!(f.dir, Direction::Rx);
        }
        {
            let f = ring.next(&mut cur).unwrap();
            let mut want = b[..12].to_vec();
            want.extend_from_slice(&[0x81, 0x00, 0x20, 0x64]);
            want.extend_from_slice(&b[12..]);
            assert_eq!(f.data, &want[..]);
            assert_eq!(f.wire_len, b.len() as u32 + 10 + 4);
            assert_eq!(f.dir, Direction::Tx);
        }
        assert!(ring.next(&mut cur).is_none());
        // The block went back to the kernel; the cursor waits on block 1.
        assert_eq!(s.status(0), TP_STATUS_KERNEL);
        assert!(!ring.has_frames(&cur));
    }

    /// SOCK_DGRAM frames start at the network header 104 bytes in
    /// (ALIGN(68 + 16) + 8 reserved): the SLL header (and tag) goes just
    /// before.
    #[test]
    fn cooked_headers_are_built_in_the_headroom() {
        let ip = [
            0x45u8, 0, 0, 20, 0, 1, 0, 0, 64, 17, 0, 0, 198, 51, 100, 1, 198, 51, 100, 2,
        ];
        let mut s = Synthetic::new();
        s.fill(&[(&ip, 104, None, 0), (&ip, 104, Some(5), 3)]);
        let ring = s.ring(Cooked::Sll);
        let mut cur = Cursor::default();
        let sll = |pkttype: u8| {
            let mut h = vec![0, pkttype, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0];
            h.truncate(14);
            h
        };
        {
            let f = ring.next(&mut cur).unwrap();
            let mut want = sll(0);
            want.extend_from_slice(&[0x08, 0x00]);
            want.extend_from_slice(&ip);
            assert_eq!(f.data, &want[..]);
            assert_eq!(f.wire_len, ip.len() as u32 + 10 + 16);
        }
        {
            let f = ring.next(&mut cur).unwrap();
            let mut want = sll(3);
            want.extend_from_slice(&[0x81, 0x00, 0x00, 0x05, 0x08, 0x00]);
            want.extend_from_slice(&ip);
            assert_eq!(f.data, &want[..]);
            assert_eq!(f.wire_len, ip.len() as u32 + 10 + 20);
        }
        // SLL2 on a fresh copy of the block: protocol, reserved, ifindex,
        // hatype, pkttype, halen, address; no tag reinsertion.
        let mut s = Synthetic::new();
        s.fill(&[(&ip, 104, Some(5), 0)]);
        let ring = s.ring(Cooked::Sll2);
        let mut cur = Cursor::default();
        let f = ring.next(&mut cur).unwrap();
        let mut want = vec![
            0x08, 0x00, 0, 0, 0, 0, 0, 7, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0,
        ];
        want.extend_from_slice(&ip);
        assert_eq!(f.data, &want[..]);
        assert_eq!(f.wire_len, ip.len() as u32 + 10 + 20);
    }
}
