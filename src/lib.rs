//! libpfring: the PF_RING 3.7.5 API of the PF_RING User Guide v1.1
//! (January 2008), rebuilt in Rust for today's kernels.
//!
//! Module map (see ARCHITECTURE.md):
//! - [`ffi`]: the C ABI only: the 16 `pfring_*` exports and the `repr(C)`
//!   mirrors of `pfring.h`.
//! - [`ring`]: the ring handle, backend choice (kernel module or AF_PACKET
//!   TPACKET_V3), reentrant lock, recv/stats/enable.
//! - [`rules`]: wildcard and hash rules, default policy, per-rule stats and
//!   their compilation to an in-kernel classic-BPF prefilter.
//! - [`parse`]: frame -> `pkt_parsing_info`.
//! - [`sys`]: sockets, mmap and setsockopt: the only other home of `unsafe`.
//!
//! # Safety conventions of the C API
//! - *valid handle*: a pointer returned by `pfring_open` and not yet passed
//!   to `pfring_close` (a closed handle is detected and refused until the
//!   next `pfring_open` recycles its memory).
//! - *valid buffer*: a pointer to at least the stated number of writable
//!   bytes, or NULL where the function says NULL is refused.
//! - *C string*: a NUL-terminated string.

/// cbindgen:ignore
pub mod error;
pub mod ffi;
/// cbindgen:ignore
pub mod parse;
/// cbindgen:ignore
pub mod ring;
/// cbindgen:ignore
pub mod rules;
/// cbindgen:ignore
pub mod sys;
