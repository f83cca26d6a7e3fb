//! The ring handle: backend choice, life cycle, reentrant lock, recv,
//! stats and enable.
//!
//! Life cycle: `state` packs a CLOSED bit and the number of calls currently
//! inside the ring. `close` (async-signal-safe, may run in a signal handler
//! that interrupted `recv` on the same handle) sets CLOSED and wakes any
//! blocked poll through an eventfd; whoever leaves last - `close` itself or
//! the last call inside - releases the socket and the mapping. Memory of the
//! handle itself is recycled by the next `pfring_open` (see `ffi`).

pub mod tpacket_v3;

use core::cell::UnsafeCell;
use core::ffi::c_int;
use core::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::ffi::{CStr, CString};

use crate::error::Error;
use crate::parse::Direction;
use crate::sys;
use tpacket_v3::{Cursor, Geometry, TpacketV3};

pub use tpacket_v3::{Frame, SockFilter};

/// Default capture length (bytes per bucket), overridable with
/// `PF_RING_BUCKET_LEN`.
pub const DEFAULT_BUCKET_LEN: u32 = 2048;
/// Default number of buckets the ring can hold, overridable with
/// `PF_RING_NUM_SLOTS` (the 3.7.5 module's `num_slots`).
pub const DEFAULT_NUM_SLOTS: u32 = 4096;

const CLOSED: u32 = 1 << 31;

/// Options read at open time.
#[derive(Clone, Copy, Debug)]
pub struct Config {
    pub bucket_len: u32,
    pub num_slots: u32,
}

impl Config {
    /// Defaults, then the `PF_RING_BUCKET_LEN` / `PF_RING_NUM_SLOTS`
    /// environment variables (invalid values are refused).
    pub fn from_env() -> Result<Self, Error> {
        Ok(Config {
            bucket_len: env_u32("PF_RING_BUCKET_LEN", DEFAULT_BUCKET_LEN, 64, 65535)?,
            num_slots: env_u32("PF_RING_NUM_SLOTS", DEFAULT_NUM_SLOTS, 16, 1 << 20)?,
        })
    }
}

fn env_u32(name: &str, default: u32, min: u32, max: u32) -> Result<u32, Error> {
    match std::env::var(name) {
        Err(_) => Ok(default),
        Ok(v) => match v.trim().parse::<u32>() {
            Ok(n) if (min..=max).contains(&n) => Ok(n),
            _ => Err(Error::Invalid(
                "PF_RING_BUCKET_LEN/PF_RING_NUM_SLOTS out of range",
            )),
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
}

/// An open ring.
pub struct Ring {
    device: CString,
    ifindex: u32,
    reentrant: bool,
    promisc: bool,
    config: Config,
    backend: UnsafeCell<TpacketV3>,
    cursor: UnsafeCell<Cursor>,
    lock: parking_lot::Mutex<()>,
    state: AtomicU32,
    enabled: AtomicBool,
    wake_fd: c_int,
    delivered: AtomicU64,
    kernel_drops: AtomicU64,
    kernel_packets: AtomicU64,
}

// SAFETY: the cursor is used by one consumer at a time (the guide's
// contract for non-reentrant rings, the mutex for reentrant ones); the
// backend is mutated only by `teardown`, which runs once no call is inside;
// everything else is atomic or immutable.
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
        let bytes = device.to_bytes();
        if bytes.is_empty() || bytes.len() >= libc::IFNAMSIZ {
            return Err(Error::NoDevice);
        }
        match std::env::var("PF_RING_BACKEND").as_deref() {
            Err(_) | Ok("") | Ok("af_packet") => {}
            Ok("kmod") => {
                return Err(Error::Os(sys::OsError {
                    op: "socket(PF_RING)",
                    errno: libc::EAFNOSUPPORT,
                }))
            }
            Ok(_) => return Err(Error::Invalid("PF_RING_BACKEND must be kmod or af_packet")),
        }
        let config = Config::from_env()?;
        let geo = Geometry::for_slots(config.num_slots, config.bucket_len);
        let mut backend = TpacketV3::open(geo, config.bucket_len)?;
        let ifindex = if bytes == b"any" {
            0
        } else {
            match sys::if_nametoindex(device) {
                Ok(i) => i,
                Err(_) => {
                    backend.release();
                    return Err(Error::NoDevice);
                }
            }
        };
        let setup = (|| {
            if promisc && ifindex != 0 {
                backend.promisc(ifindex)?;
            }
            Ok::<c_int, Error>(sys::eventfd()?)
        })();
        let wake_fd = match setup {
            Ok(fd) => fd,
            Err(e) => {
                backend.release();
                return Err(e);
            }
        };
        Ok(Ring {
            device: device.to_owned(),
            ifindex,
            reentrant,
            promisc,
            config,
            backend: UnsafeCell::new(backend),
            cursor: UnsafeCell::new(Cursor::default()),
            lock: parking_lot::Mutex::new(()),
            state: AtomicU32::new(0),
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

    pub fn bucket_len(&self) -> u32 {
        self.config.bucket_len
    }

    pub fn backend_kind(&self) -> BackendKind {
        BackendKind::AfPacket
    }

    /// The descriptor to select/poll on.
    pub fn fd(&self) -> c_int {
        self.backend().fd
    }

    fn backend(&self) -> &TpacketV3 {
        // SAFETY: the backend is mutated only in `teardown`, after the last
        // call has left; every caller of this is inside `enter`/`leave`.
        unsafe { &*self.backend.get() }
    }

    /// Registers a call inside the ring; fails once the ring is closed.
    fn enter(&self) -> Result<Guard<'_>, Error> {
        let mut s = self.state.load(Ordering::Acquire);
        loop {
            if s & CLOSED != 0 {
                return Err(Error::Closed);
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

    fn enable_inner(&self) -> Result<(), Error> {
        if self.enabled.load(Ordering::Acquire) {
            return Ok(());
        }
        let _l = self.lock.lock();
        if !self.enabled.load(Ordering::Relaxed) {
            self.backend().bind(self.ifindex)?;
            self.enabled.store(true, Ordering::Release);
        }
        Ok(())
    }

    /// Hands the next packet to `f` (without copying), waiting for one if
    /// `wait`. `f` runs while the consumer position is held (under the lock
    /// in reentrant mode), so it must be short.
    pub fn recv_with<T>(
        &self,
        wait: bool,
        mut f: impl FnMut(Packet<'_>) -> T,
    ) -> Result<Recv<T>, Error> {
        let _g = self.enter()?;
        self.enable_inner()?;
        loop {
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

    fn try_take<T>(&self, f: &mut impl FnMut(Packet<'_>) -> T) -> Option<T> {
        let _l = if self.reentrant {
            Some(self.lock.lock())
        } else {
            None
        };
        // SAFETY: one consumer at a time holds the cursor: the lock above in
        // reentrant mode, the caller's single-thread contract otherwise.
        let cur = unsafe { &mut *self.cursor.get() };
        let fr = self.backend().next(cur)?;
        // Single writer (the consumer), read by stats from anywhere:
        // a relaxed load/store pair avoids a locked instruction per packet.
        let n = self.delivered.load(Ordering::Relaxed);
        self.delivered.store(n + 1, Ordering::Relaxed);
        Some(f(Packet {
            data: fr.data,
            wire_len: fr.wire_len,
            ts_sec: fr.sec,
            ts_nsec: fr.nsec,
            dir: fr.dir,
        }))
    }

    /// Cumulative (delivered, dropped) counters. Async-signal-safe: one
    /// getsockopt and atomic adds.
    pub fn stats(&self) -> Result<(u64, u64), Error> {
        let _g = self.enter()?;
        let (pk, dr) = self.backend().kernel_stats()?;
        self.kernel_packets.fetch_add(pk as u64, Ordering::Relaxed);
        let drops = self.kernel_drops.fetch_add(dr as u64, Ordering::Relaxed) + dr as u64;
        Ok((self.delivered.load(Ordering::Relaxed), drops))
    }

    /// Replaces the in-kernel filter.
    pub fn attach_filter(&self, prog: &[SockFilter]) -> Result<(), Error> {
        let _g = self.enter()?;
        self.backend().attach_filter(prog)
    }

    /// True while a call is inside the ring.
    pub fn is_busy(&self) -> bool {
        self.state.load(Ordering::Acquire) & !CLOSED != 0
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
        if prev == 0 {
            self.teardown();
        }
        true
    }

    fn teardown(&self) {
        // SAFETY: reached exactly once, when CLOSED is set and no call is
        // inside (the state word went to CLOSED|0), so nobody else holds a
        // reference into the backend.
        let b = unsafe { &mut *self.backend.get() };
        b.release();
        sys::close(self.wake_fd);
    }
}

/// Marks a call as inside the ring; the last one out after a close tears
/// the ring down.
struct Guard<'a> {
    ring: &'a Ring,
}

impl Drop for Guard<'_> {
    fn drop(&mut self) {
        let prev = self.ring.state.fetch_sub(1, Ordering::AcqRel);
        if prev == CLOSED | 1 {
            self.ring.teardown();
        }
    }
}
