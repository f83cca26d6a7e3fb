//! The C boundary: every libpcap export, the one macro they all go through,
//! pointer checks, the handle registry and the C stdio glue. All `unsafe`
//! of the crate lives here.
//!
//! # Safety conventions (for every export)
//! - A `pcap_t *` must come from this library and not be closed yet; NULL
//!   and unknown pointers are detected (registry) and give libpcap's failure
//!   value.
//! - `errbuf` arguments point to at least `PCAP_ERRBUF_SIZE` (256) bytes.
//! - Strings are NUL-terminated; buffers are valid for the lengths given.
//! - `FILE *` arguments are open stdio streams.
#![allow(clippy::missing_safety_doc)]

use std::ffi::{c_char, c_int, CStr};
use std::io;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::handle::Pcap;
use crate::types::ERRBUF_SIZE;

mod cfile;
mod devs;
mod exports;
mod names;
pub(crate) mod sys;

/// One export: `catch_unwind` panic boundary returning libpcap's failure
/// value for that function. Pointer checks happen in the body through the
/// helpers below.
macro_rules! ffi_fn {
    ($(#[$m:meta])* fn $name:ident($($a:ident : $t:ty),* $(,)?) -> $ret:ty; fail = $fail:expr; $body:block) => {
        $(#[$m])*
        #[no_mangle]
        pub unsafe extern "C" fn $name($($a: $t),*) -> $ret {
            match ::std::panic::catch_unwind(::std::panic::AssertUnwindSafe(move || -> $ret { $body })) {
                Ok(v) => v,
                Err(_) => $fail,
            }
        }
    };
}
pub(crate) use ffi_fn;

/// Addresses of the live `pcap_t`s, so garbage and closed pointers are
/// refused: an open-addressing set of atomics, so a lookup takes no lock and
/// is safe from signal handlers (tcpdump calls pcap_stats from SIGUSR1).
const SLOTS: usize = 4096;
const EMPTY: usize = 0;
const GONE: usize = 1;
static REGISTRY: [AtomicUsize; SLOTS] = [const { AtomicUsize::new(EMPTY) }; SLOTS];

fn slot_of(addr: usize) -> usize {
    // Boxes are 8-aligned: drop the low bits, then mix.
    ((addr >> 4).wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 52) % SLOTS
}

/// Hands a new handle to C (NULL when 4096 handles are already open).
pub(crate) fn publish(p: Pcap) -> *mut Pcap {
    let raw = Box::into_raw(Box::new(p));
    let addr = raw as usize;
    let start = slot_of(addr);
    for i in 0..SLOTS {
        let s = &REGISTRY[(start + i) % SLOTS];
        let cur = s.load(Ordering::Acquire);
        if (cur == EMPTY || cur == GONE)
            && s.compare_exchange(cur, addr, Ordering::AcqRel, Ordering::Acquire)
                .is_ok()
        {
            return raw;
        }
    }
    // SAFETY: raw came from Box::into_raw above and was never published.
    drop(unsafe { Box::from_raw(raw) });
    std::ptr::null_mut()
}

/// The registry slot holding `addr`, if any.
fn find(addr: usize) -> Option<&'static AtomicUsize> {
    if addr <= GONE {
        return None;
    }
    let start = slot_of(addr);
    for i in 0..SLOTS {
        let s = &REGISTRY[(start + i) % SLOTS];
        match s.load(Ordering::Acquire) {
            EMPTY => return None,
            v if v == addr => return Some(s),
            _ => {}
        }
    }
    None
}

/// The handle behind a C pointer, if it is one of ours.
pub(crate) fn handle<'a>(p: *mut Pcap) -> Option<&'a Pcap> {
    find(p as usize)?;
    // SAFETY: registered addresses come from Box::into_raw in `publish` and
    // stay valid until `retire` removes them (pcap_close).
    Some(unsafe { &*p })
}

/// Takes a handle back from C (pcap_close).
pub(crate) fn retire(p: *mut Pcap) -> Option<Box<Pcap>> {
    let s = find(p as usize)?;
    s.compare_exchange(p as usize, GONE, Ordering::AcqRel, Ordering::Acquire)
        .ok()?;
    // SAFETY: the address was registered by `publish` (Box::into_raw) and
    // this call removed it from the registry, so this is the only owner.
    Some(unsafe { Box::from_raw(p) })
}

/// Writes `msg` into a caller's errbuf like snprintf(errbuf, 256, ...).
pub(crate) fn put_err(errbuf: *mut c_char, msg: &str) {
    if errbuf.is_null() {
        return;
    }
    let n = msg.len().min(ERRBUF_SIZE - 1);
    // SAFETY: errbuf points to PCAP_ERRBUF_SIZE writable bytes (API contract)
    // and n + 1 <= PCAP_ERRBUF_SIZE.
    unsafe {
        std::ptr::copy_nonoverlapping(msg.as_ptr(), errbuf.cast::<u8>(), n);
        *errbuf.add(n) = 0;
    }
}

/// A C string argument, or None for NULL.
pub(crate) fn cstr<'a>(s: *const c_char) -> Option<&'a CStr> {
    if s.is_null() {
        None
    } else {
        // SAFETY: non-NULL string arguments are NUL-terminated (API contract).
        Some(unsafe { CStr::from_ptr(s) })
    }
}

/// `strerror(errnum)` as a Rust string.
pub(crate) fn strerror(errnum: c_int) -> String {
    let mut buf = [0 as c_char; 256];
    // SAFETY: the buffer is writable for its length; the XSI strerror_r
    // (the libc crate's binding) NUL-terminates within it.
    let rc = unsafe { libc::strerror_r(errnum, buf.as_mut_ptr(), buf.len()) };
    if rc != 0 {
        return format!("Unknown error {errnum}");
    }
    // SAFETY: strerror_r succeeded, so buf holds a NUL-terminated string.
    unsafe { CStr::from_ptr(buf.as_ptr()) }
        .to_string_lossy()
        .into_owned()
}

/// libpcap's text for a read error.
pub(crate) fn read_err_text(e: &io::Error) -> String {
    format!(
        "error reading dump file: {}",
        strerror(e.raw_os_error().unwrap_or(libc::EIO))
    )
}

/// The current thread's errno.
pub(crate) fn errno() -> c_int {
    io::Error::last_os_error().raw_os_error().unwrap_or(0)
}
