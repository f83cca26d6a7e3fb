//! The 94 functions and 2 data objects of Debian's libpcap 1.10.3.

use std::cell::RefCell;
use std::ffi::{c_char, c_int, c_long, c_uint, c_void, CStr, CString};
use std::sync::atomic::Ordering;
use std::sync::Mutex;

use libc::FILE;

use super::cfile::{self, CFile};
use super::{cstr, ffi_fn, handle, publish, put_err, read_err_text, retire, strerror};
use crate::dlt;
use crate::handle::{status_text, Kind, Pcap, TSTAMP_TYPES};
use crate::savefile::Reader;
use crate::types::{status, BpfInsn, BpfProgram, PcapPkthdr, PcapStat};

/// `pcap_handler`.
pub type Handler = Option<unsafe extern "C" fn(*mut u8, *const PcapPkthdr, *const u8)>;

/// Text of `pcap_lib_version()`.
static LIB_VERSION: &CStr = c"libpcap version 1.10.3 (pfring-rs 3.7.5)";

/// `pcap_version[]`: the version string, a data object in libpcap.
#[no_mangle]
pub static pcap_version: [c_char; 7] = [
    b'1' as c_char,
    b'.' as c_char,
    b'1' as c_char,
    b'0' as c_char,
    b'.' as c_char,
    b'3' as c_char,
    0,
];

/// `eproto_db[]` (pcap/namedb.h): Ethernet protocol names, NULL-terminated.
#[no_mangle]
pub static eproto_db: [crate::types::EprotoEntry; 13] = {
    use crate::types::EprotoEntry as E;
    [
        E {
            s: c"aarp".as_ptr(),
            p: 0x80f3,
        },
        E {
            s: c"arp".as_ptr(),
            p: 0x0806,
        },
        E {
            s: c"atalk".as_ptr(),
            p: 0x809b,
        },
        E {
            s: c"decnet".as_ptr(),
            p: 0x6003,
        },
        E {
            s: c"ip".as_ptr(),
            p: 0x0800,
        },
        E {
            s: c"ip6".as_ptr(),
            p: 0x86dd,
        },
        E {
            s: c"lat".as_ptr(),
            p: 0x6004,
        },
        E {
            s: c"loopback".as_ptr(),
            p: 0x9000,
        },
        E {
            s: c"mopdl".as_ptr(),
            p: 0x6001,
        },
        E {
            s: c"moprc".as_ptr(),
            p: 0x6002,
        },
        E {
            s: c"rarp".as_ptr(),
            p: 0x8035,
        },
        E {
            s: c"sca".as_ptr(),
            p: 0x6007,
        },
        E {
            s: std::ptr::null(),
            p: 0,
        },
    ]
};

// SAFETY: the entries point to 'static string literals and are never written.
unsafe impl Sync for crate::types::EprotoEntry {}

thread_local! {
    /// Backing store for functions that return a pointer to a static buffer.
    static TLS_TEXT: RefCell<[CString; 3]> = RefCell::new([CString::default(), CString::default(), CString::default()]);
}

/// Stores `s` in this thread's slot `slot` and returns a stable pointer.
fn tls_text(slot: usize, s: String) -> *const c_char {
    let c = CString::new(s).unwrap_or_default();
    TLS_TEXT.with(|t| {
        let mut t = t.borrow_mut();
        t[slot] = c;
        t[slot].as_ptr()
    })
}

const NOT_A_HANDLE: &CStr = c"not a valid pcap_t";

// ---------------------------------------------------------------------------
// Opening and closing

/// Registers a new handle; NULL with a message when the registry is full.
fn published(p: Pcap, errbuf: *mut c_char) -> *mut Pcap {
    let raw = publish(p);
    if raw.is_null() {
        put_err(errbuf, "too many open pcap_t handles (4096)");
    }
    raw
}

/// Opens a savefile on `f`; `owned` says whether a failure closes it.
fn open_stream(f: *mut FILE, owned: bool, precision: u32, errbuf: *mut c_char) -> *mut Pcap {
    let greedy = cfile::is_regular(f);
    let fd = cfile::fileno(f);
    let flag = std::rc::Rc::new(std::cell::Cell::new(owned));
    let src = Box::new(CFile {
        f,
        owned: flag.clone(),
    });
    match Reader::open(src, greedy, precision, read_err_text) {
        Ok(r) => {
            // Owned by the handle from now on (a failed publish drops the
            // handle before this, closing the stream only if `owned`).
            let p = published(Pcap::offline(r, f as usize, fd), errbuf);
            if !p.is_null() {
                flag.set(true);
            }
            p
        }
        Err(e) => {
            put_err(errbuf, &e.0);
            std::ptr::null_mut()
        }
    }
}

fn open_path(fname: *const c_char, precision: u32, errbuf: *mut c_char) -> *mut Pcap {
    let Some(name) = cstr(fname) else {
        put_err(errbuf, "A null pointer was supplied as the file name");
        return std::ptr::null_mut();
    };
    let f = if name.to_bytes() == b"-" {
        cfile::c_stdin()
    } else {
        let f = cfile::fopen(name, c"rb");
        if f.is_null() {
            let e = super::errno();
            put_err(
                errbuf,
                &format!("{}: {}", name.to_string_lossy(), strerror(e)),
            );
            return std::ptr::null_mut();
        }
        f
    };
    // On failure the CFile inside the failed open closes f (unless stdin).
    open_stream(f, true, precision, errbuf)
}

ffi_fn! {
    /// Opens a savefile ("-" = standard input) with µs time stamps.
    fn pcap_open_offline(fname: *const c_char, errbuf: *mut c_char) -> *mut Pcap;
    fail = std::ptr::null_mut();
    { open_path(fname, 0, errbuf) }
}

ffi_fn! {
    /// Opens a savefile delivering time stamps in `precision` (0 µs, 1 ns).
    fn pcap_open_offline_with_tstamp_precision(fname: *const c_char, precision: c_uint, errbuf: *mut c_char) -> *mut Pcap;
    fail = std::ptr::null_mut();
    { open_path(fname, precision, errbuf) }
}

ffi_fn! {
    /// Reads a savefile from an open stream (closed by pcap_close).
    fn pcap_fopen_offline(fp: *mut FILE, errbuf: *mut c_char) -> *mut Pcap;
    fail = std::ptr::null_mut();
    {
        if fp.is_null() {
            put_err(errbuf, "A null pointer was supplied as the file");
            return std::ptr::null_mut();
        }
        open_stream(fp, false, 0, errbuf)
    }
}

ffi_fn! {
    /// pcap_fopen_offline with a time stamp precision.
    fn pcap_fopen_offline_with_tstamp_precision(fp: *mut FILE, precision: c_uint, errbuf: *mut c_char) -> *mut Pcap;
    fail = std::ptr::null_mut();
    {
        if fp.is_null() {
            put_err(errbuf, "A null pointer was supplied as the file");
            return std::ptr::null_mut();
        }
        open_stream(fp, false, precision, errbuf)
    }
}

ffi_fn! {
    /// A handle with a link type and snapshot but no packets.
    fn pcap_open_dead(linktype: c_int, snaplen: c_int) -> *mut Pcap;
    fail = std::ptr::null_mut();
    { published(Pcap::dead(linktype, snaplen, 0), std::ptr::null_mut()) }
}

ffi_fn! {
    /// pcap_open_dead with a time stamp precision (unknown values: µs).
    fn pcap_open_dead_with_tstamp_precision(linktype: c_int, snaplen: c_int, precision: c_uint) -> *mut Pcap;
    fail = std::ptr::null_mut();
    { published(Pcap::dead(linktype, snaplen, precision), std::ptr::null_mut()) }
}

ffi_fn! {
    /// Creates a capture handle for `device` (NULL = "any").
    fn pcap_create(device: *const c_char, errbuf: *mut c_char) -> *mut Pcap;
    fail = std::ptr::null_mut();
    {
        let dev = cstr(device).map_or_else(|| c"any".to_owned(), |d| d.to_owned());
        published(Pcap::capture(dev), errbuf)
    }
}

/// Whether a network device of that name exists.
fn device_exists(dev: &CStr) -> bool {
    let name = dev.to_string_lossy();
    name == "any"
        || (!name.contains('/')
            && !name.is_empty()
            && std::path::Path::new("/sys/class/net").join(&*name).exists())
}

ffi_fn! {
    /// Activates a capture handle.
    fn pcap_activate(p: *mut Pcap) -> c_int;
    fail = status::ERROR;
    {
        let Some(h) = handle(p) else { return status::ERROR };
        h.activate()
    }
}

ffi_fn! {
    /// create + set_snaplen/promisc/timeout + activate.
    fn pcap_open_live(device: *const c_char, snaplen: c_int, promisc: c_int, to_ms: c_int, errbuf: *mut c_char) -> *mut Pcap;
    fail = std::ptr::null_mut();
    {
        let dev = cstr(device).map_or_else(|| c"any".to_owned(), |d| d.to_owned());
        let p = published(Pcap::capture(dev.clone()), errbuf);
        let Some(h) = handle(p) else { return std::ptr::null_mut() };
        h.with_opts(|o| {
            o.snaplen = snaplen;
            o.promisc = promisc != 0;
            o.timeout = to_ms;
            0
        });
        let rc = h.activate();
        if rc < 0 {
            let d = dev.to_string_lossy();
            let st = status_text(rc).unwrap_or("Generic error");
            let e = h.err();
            let msg = match rc {
                status::ERROR => format!("{d}: {e}"),
                status::NO_SUCH_DEVICE | status::PERM_DENIED | status::PROMISC_PERM_DENIED => {
                    if e.is_empty() { format!("{d}: {st}") } else { format!("{d}: {st} ({e})") }
                }
                _ => format!("{d}: {st}"),
            };
            put_err(errbuf, &msg);
            drop(retire(p));
            return std::ptr::null_mut();
        }
        p
    }
}

ffi_fn! {
    /// Closes a handle and everything it owns (the savefile stream too).
    fn pcap_close(p: *mut Pcap) -> ();
    fail = ();
    { drop(retire(p)) }
}

// ---------------------------------------------------------------------------
// Reading packets

fn call(
    cb: unsafe extern "C" fn(*mut u8, *const PcapPkthdr, *const u8),
    user: *mut u8,
    h: &PcapPkthdr,
    d: &[u8],
) {
    // SAFETY: the callback is the caller's pcap_handler; header and data are
    // valid for the duration of the call, as libpcap documents.
    unsafe { cb(user, h, d.as_ptr()) }
}

/// A NULL callback is only an error once a packet would be handed to it
/// (libpcap would crash there); until then the read's own result stands.
fn null_callback(h: &Pcap, orphan: bool, r: c_int) -> c_int {
    if orphan {
        h.set_err("A null pointer was supplied as the callback");
        return status::ERROR;
    }
    r
}

ffi_fn! {
    /// Processes packets until `cnt` were handled, EOF, error or breakloop.
    fn pcap_loop(p: *mut Pcap, cnt: c_int, callback: Handler, user: *mut u8) -> c_int;
    fail = status::ERROR;
    {
        let Some(h) = handle(p) else { return status::ERROR };
        let mut orphan = false;
        let r = h.run_loop(cnt, |hd, d| match callback {
            Some(cb) => call(cb, user, hd, d),
            None => orphan = true,
        });
        null_callback(h, orphan, r)
    }
}

ffi_fn! {
    /// Processes at most one buffer (savefile: up to `cnt` packets).
    fn pcap_dispatch(p: *mut Pcap, cnt: c_int, callback: Handler, user: *mut u8) -> c_int;
    fail = status::ERROR;
    {
        let Some(h) = handle(p) else { return status::ERROR };
        let mut orphan = false;
        let r = h.read(cnt, |hd, d| match callback {
            Some(cb) => call(cb, user, hd, d),
            None => orphan = true,
        });
        null_callback(h, orphan, r)
    }
}

ffi_fn! {
    /// Next packet: 1, 0 (timeout), -1 (error), -2 (EOF or breakloop).
    fn pcap_next_ex(p: *mut Pcap, pkt_header: *mut *mut PcapPkthdr, pkt_data: *mut *const u8) -> c_int;
    fail = status::ERROR;
    {
        let Some(h) = handle(p) else { return status::ERROR };
        if pkt_header.is_null() || pkt_data.is_null() {
            h.set_err("A null pointer was supplied as an argument");
            return status::ERROR;
        }
        let mut data: *const u8 = std::ptr::null();
        let r = h.read(1, |hd, d| {
            h.next_hdr.set(*hd);
            data = d.as_ptr();
        });
        if r == 0 && h.kind == Kind::Offline {
            return status::BREAK;
        }
        if r > 0 {
            // SAFETY: both out-pointers were checked non-NULL; the header
            // lives in the handle and the data in its read buffer, valid
            // until the next read, as libpcap documents.
            unsafe {
                *pkt_header = h.next_hdr.as_ptr();
                *pkt_data = data;
            }
        }
        r
    }
}

ffi_fn! {
    /// Next packet's data (NULL on EOF, error, timeout or breakloop).
    fn pcap_next(p: *mut Pcap, hdr: *mut PcapPkthdr) -> *const u8;
    fail = std::ptr::null();
    {
        let Some(h) = handle(p) else { return std::ptr::null() };
        if hdr.is_null() {
            return std::ptr::null();
        }
        let mut data: *const u8 = std::ptr::null();
        let mut got = PcapPkthdr::default();
        let r = h.read(1, |hd, d| {
            got = *hd;
            data = d.as_ptr();
        });
        if r <= 0 {
            return std::ptr::null();
        }
        // SAFETY: hdr was checked non-NULL and points to a pcap_pkthdr.
        unsafe { *hdr = got };
        data
    }
}

ffi_fn! {
    /// Makes the running (or next) loop return -2; async-signal-safe.
    fn pcap_breakloop(p: *mut Pcap) -> ();
    fail = ();
    {
        // The registry lookup takes no lock, so this stays async-signal-safe;
        // only the handle's atomic fields are touched.
        let Some(h) = handle(p) else { return };
        let (flag, wake) = (&h.break_loop, &h.wake_fd);
        flag.store(true, Ordering::Relaxed);
        let fd = wake.load(Ordering::Relaxed);
        if fd >= 0 {
            super::sys::signal(fd);
        }
    }
}

// ---------------------------------------------------------------------------
// Handle information

macro_rules! activated_int {
    ($(#[$m:meta])* $name:ident, |$h:ident| $e:expr) => {
        ffi_fn! {
            $(#[$m])*
            fn $name(p: *mut Pcap) -> c_int;
            fail = status::ERROR;
            {
                let Some($h) = handle(p) else { return status::ERROR };
                if let Err(e) = $h.check_activated() {
                    return e;
                }
                $e
            }
        }
    };
}

activated_int!(
    /// The handle's DLT.
    pcap_datalink, |h| h.linktype.get());
activated_int!(
    /// Extra link-type bits of a pcap file header.
    pcap_datalink_ext, |h| h.linktype_ext.get() as c_int);
activated_int!(
    /// Snapshot length.
    pcap_snapshot, |h| h.snapshot.get());
activated_int!(
    /// 1 when the savefile is in the other byte order.
    pcap_is_swapped, |h| c_int::from(h.swapped.get()));
activated_int!(
    /// Savefile major version.
    pcap_major_version, |h| h.version.get().0);
activated_int!(
    /// Savefile minor version.
    pcap_minor_version, |h| h.version.get().1);
activated_int!(
/// Buffer size.
pcap_bufsize, |h| match h.kind {
    Kind::Offline => h.snapshot.get().clamp(0, 2048),
    _ => 0,
});

ffi_fn! {
    /// The savefile's stream (NULL for other handles).
    fn pcap_file(p: *mut Pcap) -> *mut FILE;
    fail = std::ptr::null_mut();
    {
        let Some(h) = handle(p) else { return std::ptr::null_mut() };
        h.rfile.get() as *mut FILE
    }
}

ffi_fn! {
    /// Capture descriptor (-1 for savefiles, 0 for dead handles).
    fn pcap_fileno(p: *mut Pcap) -> c_int;
    fail = status::ERROR;
    {
        let Some(h) = handle(p) else { return status::ERROR };
        match h.kind {
            Kind::Dead => 0,
            Kind::Offline => -1,
            Kind::Capture => h.live_fd().unwrap_or(-1),
        }
    }
}

ffi_fn! {
    /// Descriptor usable in select/poll (savefile: the stream's).
    fn pcap_get_selectable_fd(p: *mut Pcap) -> c_int;
    fail = status::ERROR;
    {
        let Some(h) = handle(p) else { return status::ERROR };
        match h.kind {
            Kind::Dead => 0,
            Kind::Offline => h.selectable_fd.get(),
            Kind::Capture => h.live_fd().unwrap_or(-1),
        }
    }
}

ffi_fn! {
    /// NULL: no handle here needs a select timeout.
    fn pcap_get_required_select_timeout(p: *mut Pcap) -> *const libc::timeval;
    fail = std::ptr::null();
    {
        let _ = handle(p);
        std::ptr::null()
    }
}

ffi_fn! {
    /// Time stamp precision of delivered packets.
    fn pcap_get_tstamp_precision(p: *mut Pcap) -> c_int;
    fail = status::ERROR;
    {
        let Some(h) = handle(p) else { return status::ERROR };
        h.precision.get() as c_int
    }
}

ffi_fn! {
    /// The handle's last error text.
    fn pcap_geterr(p: *mut Pcap) -> *mut c_char;
    fail = NOT_A_HANDLE.as_ptr().cast_mut();
    {
        let Some(h) = handle(p) else { return NOT_A_HANDLE.as_ptr().cast_mut() };
        h.errbuf_ptr().cast()
    }
}

ffi_fn! {
    /// Prints "prefix: error" to stderr.
    fn pcap_perror(p: *mut Pcap, prefix: *const c_char) -> ();
    fail = ();
    {
        let Some(h) = handle(p) else { return };
        let pre = cstr(prefix).map_or_else(|| "(null)".into(), |s| s.to_string_lossy().into_owned());
        let line = CString::new(format!("{pre}: {}\n", h.err())).unwrap_or_default();
        cfile::fputs(&line, cfile::c_stderr());
    }
}

ffi_fn! {
    /// Text of a PCAP_ERROR_* / PCAP_WARNING_* code.
    fn pcap_statustostr(errnum: c_int) -> *const c_char;
    fail = std::ptr::null();
    {
        match status_text(errnum) {
            Some(s) => tls_text(0, s.to_string()),
            None => tls_text(0, format!("Unknown error: {errnum}")),
        }
    }
}

ffi_fn! {
    /// strerror().
    fn pcap_strerror(errnum: c_int) -> *const c_char;
    fail = std::ptr::null();
    { tls_text(1, strerror(errnum)) }
}

ffi_fn! {
    /// "libpcap version 1.10.3 (...)".
    fn pcap_lib_version() -> *const c_char;
    fail = std::ptr::null();
    { LIB_VERSION.as_ptr() }
}

ffi_fn! {
    /// Statistics (live handles only).
    fn pcap_stats(p: *mut Pcap, ps: *mut PcapStat) -> c_int;
    fail = status::ERROR;
    {
        let Some(h) = handle(p) else { return status::ERROR };
        match h.live_stats() {
            Ok((recv, drop, ifdrop)) => {
                if ps.is_null() {
                    return status::ERROR;
                }
                // SAFETY: ps checked non-NULL; points to a struct pcap_stat.
                unsafe {
                    (*ps).ps_recv = recv;
                    (*ps).ps_drop = drop;
                    (*ps).ps_ifdrop = ifdrop;
                }
                0
            }
            Err(e) => e,
        }
    }
}

ffi_fn! {
    /// Sends a packet; returns bytes sent or -1.
    fn pcap_inject(p: *mut Pcap, buf: *const c_void, size: usize) -> c_int;
    fail = status::ERROR;
    {
        let Some(h) = handle(p) else { return status::ERROR };
        h.inject(bytes(buf.cast(), u32::try_from(size).unwrap_or(u32::MAX)))
    }
}

ffi_fn! {
    /// Sends a packet; 0 or -1.
    fn pcap_sendpacket(p: *mut Pcap, buf: *const u8, size: c_int) -> c_int;
    fail = status::ERROR;
    {
        let Some(h) = handle(p) else { return status::ERROR };
        match h.inject(bytes(buf, u32::try_from(size).unwrap_or(0))) {
            n if n < 0 => n,
            _ => 0,
        }
    }
}

ffi_fn! {
    /// Direction filter (live only).
    fn pcap_setdirection(p: *mut Pcap, d: c_int) -> c_int;
    fail = status::ERROR;
    {
        let Some(h) = handle(p) else { return status::ERROR };
        h.setdirection(d)
    }
}

ffi_fn! {
    /// Non-blocking mode flag.
    fn pcap_getnonblock(p: *mut Pcap, errbuf: *mut c_char) -> c_int;
    fail = status::ERROR;
    {
        let Some(h) = handle(p) else { return status::ERROR };
        match h.getnonblock() {
            Ok(v) => v,
            Err(e) => {
                // Like libpcap: the handle's errbuf is set and copied out.
                h.set_err(&e);
                put_err(errbuf, &e);
                status::ERROR
            }
        }
    }
}

ffi_fn! {
    /// Sets non-blocking mode.
    fn pcap_setnonblock(p: *mut Pcap, nonblock: c_int, errbuf: *mut c_char) -> c_int;
    fail = status::ERROR;
    {
        let Some(h) = handle(p) else { return status::ERROR };
        match h.setnonblock(nonblock != 0) {
            Ok(v) => v,
            Err(e) => {
                // Like libpcap: the handle's errbuf is set and copied out.
                h.set_err(&e);
                put_err(errbuf, &e);
                status::ERROR
            }
        }
    }
}

/// Allocates a C array of ints with malloc (freed by the pcap_free_* calls).
fn malloc_ints(v: &[c_int]) -> *mut c_int {
    // SAFETY: plain allocation of v.len() ints (at least one).
    let a = unsafe { libc::calloc(v.len().max(1), std::mem::size_of::<c_int>()) }.cast::<c_int>();
    if !a.is_null() {
        // SAFETY: a has room for v.len() ints.
        unsafe { std::ptr::copy_nonoverlapping(v.as_ptr(), a, v.len()) };
    }
    a
}

ffi_fn! {
    /// The DLTs the handle offers (one for savefiles and dead handles).
    fn pcap_list_datalinks(p: *mut Pcap, dlt_buffer: *mut *mut c_int) -> c_int;
    fail = status::ERROR;
    {
        let Some(h) = handle(p) else { return status::ERROR };
        if let Err(e) = h.check_activated() {
            return e;
        }
        if dlt_buffer.is_null() {
            return status::ERROR;
        }
        let dlts = h.dlts();
        let a = malloc_ints(&dlts);
        if a.is_null() {
            h.set_err("malloc: Cannot allocate memory");
            return status::ERROR;
        }
        // SAFETY: dlt_buffer checked non-NULL.
        unsafe { *dlt_buffer = a };
        dlts.len() as c_int
    }
}

ffi_fn! {
    /// Frees a pcap_list_datalinks array.
    fn pcap_free_datalinks(dlt_list: *mut c_int) -> ();
    fail = ();
    {
        // SAFETY: the array came from malloc in pcap_list_datalinks (or is NULL).
        unsafe { libc::free(dlt_list.cast()) }
    }
}

ffi_fn! {
    /// Selects a DLT (only the handle's own one is available).
    fn pcap_set_datalink(p: *mut Pcap, dlt: c_int) -> c_int;
    fail = status::ERROR;
    {
        let Some(h) = handle(p) else { return status::ERROR };
        h.set_datalink(dlt)
    }
}

ffi_fn! {
    /// Time stamp types: only "host".
    fn pcap_list_tstamp_types(p: *mut Pcap, types: *mut *mut c_int) -> c_int;
    fail = status::ERROR;
    {
        if handle(p).is_none() || types.is_null() {
            return status::ERROR;
        }
        let a = malloc_ints(&[0]);
        if a.is_null() {
            return status::ERROR;
        }
        // SAFETY: types checked non-NULL.
        unsafe { *types = a };
        1
    }
}

ffi_fn! {
    /// Frees a pcap_list_tstamp_types array.
    fn pcap_free_tstamp_types(list: *mut c_int) -> ();
    fail = ();
    {
        // SAFETY: the array came from malloc in pcap_list_tstamp_types (or is NULL).
        unsafe { libc::free(list.cast()) }
    }
}

// ---------------------------------------------------------------------------
// Capture options (pcap_set_*)

macro_rules! setter {
    ($(#[$m:meta])* $name:ident, $t:ty, |$o:ident, $v:ident| $e:expr) => {
        ffi_fn! {
            $(#[$m])*
            fn $name(p: *mut Pcap, $v: $t) -> c_int;
            fail = status::ERROR;
            {
                let Some(h) = handle(p) else { return status::ERROR };
                h.with_opts(|$o| $e)
            }
        }
    };
}

setter!(
    /// Snapshot length (applied at activation).
    pcap_set_snaplen, c_int, |o, v| { o.snaplen = v; 0 });
setter!(
    /// Promiscuous mode.
    pcap_set_promisc, c_int, |o, v| { o.promisc = v != 0; 0 });
setter!(
    /// Monitor mode.
    pcap_set_rfmon, c_int, |o, v| { o.rfmon = v != 0; 0 });
setter!(
    /// Read timeout in ms.
    pcap_set_timeout, c_int, |o, v| { o.timeout = v; 0 });
setter!(
    /// Immediate mode.
    pcap_set_immediate_mode, c_int, |o, v| { o.immediate = v != 0; 0 });
setter!(
    /// Ring size in bytes; values <= 0 are ignored.
    pcap_set_buffer_size, c_int, |o, v| { if v > 0 { o.buffer_size = v; } 0 });
setter!(
    /// Protocol for the packet socket.
    pcap_set_protocol_linux, c_int, |o, v| { o.protocol = v; 0 });
setter!(
/// Time stamp type: only "host" (0) is known.
pcap_set_tstamp_type, c_int, |o, v| {
    if v == 0 { o.tstamp_type = 0; 0 } else { status::WARNING_TSTAMP_TYPE_NOTSUP }
});

ffi_fn! {
    /// Time stamp precision (µs or ns).
    fn pcap_set_tstamp_precision(p: *mut Pcap, precision: c_int) -> c_int;
    fail = status::ERROR;
    {
        let Some(h) = handle(p) else { return status::ERROR };
        h.with_opts(|_| {
            if precision == 0 || precision == 1 {
                h.precision.set(precision as u32);
                0
            } else {
                status::TSTAMP_PRECISION_NOTSUP
            }
        })
    }
}

ffi_fn! {
    /// Whether monitor mode could be set (never on non-wireless devices).
    fn pcap_can_set_rfmon(p: *mut Pcap) -> c_int;
    fail = status::ERROR;
    {
        let Some(h) = handle(p) else { return status::ERROR };
        match h.kind {
            Kind::Dead => {
                h.set_err("Rfmon mode doesn't apply on a pcap_open_dead pcap_t");
                status::ERROR
            }
            Kind::Offline => {
                h.set_err("Rfmon mode doesn't apply to savefiles");
                status::ERROR
            }
            Kind::Capture => {
                if h.activated.get() {
                    h.set_err(crate::handle::ACTIVATED_TEXT);
                    return status::ACTIVATED;
                }
                let dev = h.opts.borrow().as_ref().map(|o| o.device.clone());
                match dev {
                    Some(d) if !device_exists(&d) => {
                        h.set_err("");
                        status::NO_SUCH_DEVICE
                    }
                    _ => 0,
                }
            }
        }
    }
}

ffi_fn! {
    /// PF_RING extra (not in libpcap): puts the capture in PF_RING cluster
    /// `cluster_id` (1..65535), whose members share the device's packets,
    /// both directions of a flow going to the same member. Before activation
    /// the id is remembered; the PCAP_PF_RING_CLUSTER_ID environment variable
    /// does the same for unchanged programs. 0 or -1 (see pcap_geterr).
    fn pcap_set_cluster(p: *mut Pcap, cluster_id: c_uint) -> c_int;
    fail = status::ERROR;
    {
        let Some(h) = handle(p) else { return status::ERROR };
        h.set_cluster(cluster_id)
    }
}

// ---------------------------------------------------------------------------
// Filters

/// Allocates a program's instructions with malloc (pcap_freecode frees).
fn set_program(prog: *mut BpfProgram, insns: &[BpfInsn]) -> bool {
    let n = insns.len();
    // SAFETY: plain allocation of n instructions.
    let a = unsafe { libc::calloc(n.max(1), std::mem::size_of::<BpfInsn>()) }.cast::<BpfInsn>();
    if a.is_null() {
        return false;
    }
    // SAFETY: a has room for n instructions; prog is non-NULL (checked by
    // the caller) and points to a struct bpf_program.
    unsafe {
        std::ptr::copy_nonoverlapping(insns.as_ptr(), a, n);
        (*prog).bf_len = n as c_uint;
        (*prog).bf_insns = a;
    }
    true
}

fn compile(
    h: &Pcap,
    prog: *mut BpfProgram,
    expr: *const c_char,
    optimize: c_int,
    netmask: u32,
) -> c_int {
    if prog.is_null() {
        h.set_err("A null pointer was supplied as the program");
        return status::ERROR;
    }
    if !h.activated.get() {
        h.set_err("not-yet-activated pcap_t passed to pcap_compile");
        return status::ERROR;
    }
    let text = cstr(expr)
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let opts = pcap_filter::CompileOptions {
        linktype: h.linktype.get() as u32,
        snaplen: h.snapshot.get() as u32,
        optimize: optimize != 0,
        netmask,
        live: h.kind == Kind::Capture,
        savefile: h.kind == Kind::Offline,
        swapped: h.swapped.get(),
    };
    match pcap_filter::compile(&text, &opts, &pcap_filter::SystemResolver::default()) {
        Ok(insns) => {
            if !set_program(prog, &insns) {
                h.set_err("out of memory");
                return status::ERROR;
            }
            0
        }
        Err(e) => {
            h.set_err(&e.message);
            status::ERROR
        }
    }
}

ffi_fn! {
    /// Compiles a pcap-filter expression for the handle.
    fn pcap_compile(p: *mut Pcap, prog: *mut BpfProgram, expr: *const c_char, optimize: c_int, netmask: u32) -> c_int;
    fail = status::ERROR;
    {
        let Some(h) = handle(p) else { return status::ERROR };
        compile(h, prog, expr, optimize, netmask)
    }
}

ffi_fn! {
    /// Compiles without a handle (errors are not reported).
    fn pcap_compile_nopcap(snaplen: c_int, linktype: c_int, prog: *mut BpfProgram, expr: *const c_char, optimize: c_int, netmask: u32) -> c_int;
    fail = status::ERROR;
    {
        let h = Pcap::dead(linktype, snaplen, 0);
        compile(&h, prog, expr, optimize, netmask)
    }
}

ffi_fn! {
    /// Frees a compiled program's instructions and zeroes it.
    fn pcap_freecode(prog: *mut BpfProgram) -> ();
    fail = ();
    {
        if prog.is_null() {
            return;
        }
        // SAFETY: prog points to a struct bpf_program whose instructions
        // came from malloc (pcap_compile) or are NULL.
        unsafe {
            libc::free((*prog).bf_insns.cast());
            (*prog).bf_insns = std::ptr::null_mut();
            (*prog).bf_len = 0;
        }
    }
}

/// The instructions of a C program, or None for NULL.
fn program<'a>(prog: *const BpfProgram) -> Option<&'a [BpfInsn]> {
    if prog.is_null() {
        return None;
    }
    // SAFETY: prog points to a struct bpf_program (API contract).
    let (len, insns) = unsafe { ((*prog).bf_len, (*prog).bf_insns) };
    if insns.is_null() || len == 0 {
        return Some(&[]);
    }
    // SAFETY: bf_insns holds bf_len instructions (API contract).
    Some(unsafe { std::slice::from_raw_parts(insns, len as usize) })
}

ffi_fn! {
    /// Installs a filter (copied and validated).
    fn pcap_setfilter(p: *mut Pcap, fp: *mut BpfProgram) -> c_int;
    fail = status::ERROR;
    {
        let Some(h) = handle(p) else { return status::ERROR };
        let Some(insns) = program(fp) else {
            h.set_err("A null pointer was supplied as the program");
            return status::ERROR;
        };
        h.set_filter(insns)
    }
}

ffi_fn! {
    /// Runs a program over one packet (non-zero = accepted).
    fn pcap_offline_filter(fp: *const BpfProgram, h: *const PcapPkthdr, pkt: *const u8) -> c_int;
    fail = 0;
    {
        let Some(insns) = program(fp) else { return 0 };
        if insns.is_empty() || h.is_null() {
            return 0;
        }
        // SAFETY: h points to the packet's header (API contract).
        let hdr = unsafe { *h };
        let data = bytes(pkt, hdr.caplen);
        pcap_filter::bpf::filter(insns, data, hdr.len) as c_int
    }
}

/// A packet buffer as a slice (empty for NULL).
fn bytes<'a>(p: *const u8, len: u32) -> &'a [u8] {
    if p.is_null() || len == 0 {
        return &[];
    }
    // SAFETY: p is readable for len bytes (API contract).
    unsafe { std::slice::from_raw_parts(p, len as usize) }
}

/// Length of a program given only its first instruction (bpf_filter has no
/// length argument): everything up to the furthest instruction reachable
/// from the start. Jumps only go forward, so one pass suffices.
fn reachable_len(pc: *const BpfInsn) -> usize {
    const LIMIT: usize = 1 << 20;
    let mut reach = vec![false; 1];
    reach[0] = true;
    let mut max = 0usize;
    let mut i = 0usize;
    while i <= max && i < LIMIT {
        if reach[i] {
            // SAFETY: instruction i is reachable from the start of a program
            // the caller asked us to run, so it lies inside that program.
            let ins = unsafe { *pc.add(i) };
            let class = ins.code & 0x07;
            let mut succ = [None, None];
            match class {
                0x06 => {}
                0x05 => {
                    if ins.code & 0xf0 == 0x00 {
                        succ[0] = (i + 1).checked_add(ins.k as usize);
                    } else {
                        succ[0] = Some(i + 1 + ins.jt as usize);
                        succ[1] = Some(i + 1 + ins.jf as usize);
                    }
                }
                _ => succ[0] = Some(i + 1),
            }
            for s in succ.into_iter().flatten() {
                if s < LIMIT {
                    if s >= reach.len() {
                        reach.resize(s + 1, false);
                    }
                    reach[s] = true;
                    max = max.max(s);
                }
            }
        }
        i += 1;
    }
    max + 1
}

ffi_fn! {
    /// Classic BPF interpreter with libpcap's semantics.
    fn bpf_filter(pc: *const BpfInsn, p: *const u8, wirelen: c_uint, buflen: c_uint) -> c_uint;
    fail = 0;
    {
        if pc.is_null() {
            return c_uint::MAX;
        }
        let n = reachable_len(pc);
        // SAFETY: the n instructions are the reachable part of the program.
        let prog = unsafe { std::slice::from_raw_parts(pc, n) };
        pcap_filter::bpf::filter(prog, bytes(p, buflen), wirelen)
    }
}

ffi_fn! {
    /// 1 when the program would be accepted by pcap_setfilter.
    fn bpf_validate(f: *const BpfInsn, len: c_int) -> c_int;
    fail = 0;
    {
        if f.is_null() || len < 1 {
            return 0;
        }
        // SAFETY: f holds len instructions (API contract).
        let prog = unsafe { std::slice::from_raw_parts(f, len as usize) };
        c_int::from(pcap_filter::bpf::validate(prog))
    }
}

ffi_fn! {
    /// One instruction as `tcpdump -d` prints it (static buffer).
    fn bpf_image(insn: *const BpfInsn, n: c_int) -> *mut c_char;
    fail = std::ptr::null_mut();
    {
        if insn.is_null() {
            return std::ptr::null_mut();
        }
        // SAFETY: insn points to one instruction (API contract).
        let i = unsafe { *insn };
        tls_text(2, pcap_filter::bpf::image(&i, n.max(0) as usize)).cast_mut()
    }
}

ffi_fn! {
    /// Prints a program to stdout in the -d/-dd/-ddd formats.
    fn bpf_dump(p: *const BpfProgram, option: c_int) -> ();
    fail = ();
    {
        let Some(insns) = program(p) else { return };
        let text = CString::new(pcap_filter::bpf::dump(insns, option)).unwrap_or_default();
        cfile::fputs(&text, cfile::c_stdout());
    }
}

// ---------------------------------------------------------------------------
// Datalink and time stamp names

ffi_fn! {
    /// DLT name (without "DLT_"), NULL if unknown.
    fn pcap_datalink_val_to_name(dlt: c_int) -> *const c_char;
    fail = std::ptr::null();
    {
        match dlt::name(dlt) {
            Some(_) => dlt_cstr(dlt, true),
            None => std::ptr::null(),
        }
    }
}

ffi_fn! {
    /// DLT description, NULL if unknown.
    fn pcap_datalink_val_to_description(dlt: c_int) -> *const c_char;
    fail = std::ptr::null();
    {
        match dlt::name(dlt) {
            Some(_) => dlt_cstr(dlt, false),
            None => std::ptr::null(),
        }
    }
}

ffi_fn! {
    /// DLT description, or "DLT n".
    fn pcap_datalink_val_to_description_or_dlt(dlt: c_int) -> *const c_char;
    fail = std::ptr::null();
    {
        match dlt::name(dlt) {
            Some(_) => dlt_cstr(dlt, false),
            None => tls_text(0, format!("DLT {dlt}")),
        }
    }
}

/// NUL-terminated, never-freed copies of the DLT table's strings.
fn dlt_cstr(dlt: c_int, name: bool) -> *const c_char {
    static TABLE: Mutex<Vec<(c_int, CString, CString)>> = Mutex::new(Vec::new());
    let mut t = TABLE.lock().unwrap_or_else(|e| e.into_inner());
    if t.is_empty() {
        for &(v, n, d) in dlt::DLT_NAMES {
            t.push((
                v,
                CString::new(n).unwrap_or_default(),
                CString::new(d).unwrap_or_default(),
            ));
        }
    }
    match t.iter().find(|e| e.0 == dlt) {
        // The strings' heap buffers never move or get freed once built.
        Some(e) => {
            if name {
                e.1.as_ptr()
            } else {
                e.2.as_ptr()
            }
        }
        None => std::ptr::null(),
    }
}

ffi_fn! {
    /// DLT value for a name (case-insensitive), -1 if unknown.
    fn pcap_datalink_name_to_val(name: *const c_char) -> c_int;
    fail = status::ERROR;
    {
        match cstr(name) {
            Some(n) => dlt::from_name(n.to_bytes()),
            None => status::ERROR,
        }
    }
}

fn tstamp_cstr(t: c_int, name: bool) -> *const c_char {
    const NAMES: [&CStr; 6] = [
        c"host",
        c"host_lowprec",
        c"host_hiprec",
        c"adapter",
        c"adapter_unsynced",
        c"host_hiprec_unsynced",
    ];
    const DESCS: [&CStr; 6] = [
        c"Host",
        c"Host, low precision",
        c"Host, high precision",
        c"Adapter",
        c"Adapter, not synced with system time",
        c"Host, high precision, not synced with system time",
    ];
    match usize::try_from(t) {
        Ok(i) if i < NAMES.len() => {
            if name {
                NAMES[i].as_ptr()
            } else {
                DESCS[i].as_ptr()
            }
        }
        _ => std::ptr::null(),
    }
}

ffi_fn! {
    /// Time stamp type name, NULL if unknown.
    fn pcap_tstamp_type_val_to_name(t: c_int) -> *const c_char;
    fail = std::ptr::null();
    { tstamp_cstr(t, true) }
}

ffi_fn! {
    /// Time stamp type description, NULL if unknown.
    fn pcap_tstamp_type_val_to_description(t: c_int) -> *const c_char;
    fail = std::ptr::null();
    { tstamp_cstr(t, false) }
}

ffi_fn! {
    /// Time stamp type for a name (case-insensitive), -1 if unknown.
    fn pcap_tstamp_type_name_to_val(name: *const c_char) -> c_int;
    fail = status::ERROR;
    {
        let Some(n) = cstr(name) else { return status::ERROR };
        TSTAMP_TYPES
            .iter()
            .find(|e| e.1.as_bytes().eq_ignore_ascii_case(n.to_bytes()))
            .map_or(status::ERROR, |e| e.0)
    }
}

// ---------------------------------------------------------------------------
// pcap_init

/// (initialized, encoding) of pcap_init.
static INIT: Mutex<Option<c_uint>> = Mutex::new(None);

/// Whether pcap_init was called (disables pcap_lookupdev).
pub(crate) fn new_api() -> bool {
    INIT.lock().unwrap_or_else(|e| e.into_inner()).is_some()
}

ffi_fn! {
    /// Library initialisation: character encoding of error texts.
    fn pcap_init(opts: c_uint, errbuf: *mut c_char) -> c_int;
    fail = status::ERROR;
    {
        if opts > 1 {
            put_err(errbuf, "Unknown options specified");
            return status::ERROR;
        }
        let mut st = INIT.lock().unwrap_or_else(|e| e.into_inner());
        match *st {
            Some(enc) if enc != opts => {
                put_err(errbuf, "Multiple pcap_init calls with different character encodings");
                status::ERROR
            }
            _ => {
                *st = Some(opts);
                0
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Savefile writing. A pcap_dumper_t is the FILE * itself, as in libpcap.

const TCPDUMP_MAGIC: u32 = 0xa1b2_c3d4;
const NSEC_MAGIC: u32 = 0xa1b2_3c4d;

fn file_header(h: &Pcap, linktype: u32) -> [u8; 24] {
    let magic = if h.precision.get() == 1 {
        NSEC_MAGIC
    } else {
        TCPDUMP_MAGIC
    };
    let mut b = [0u8; 24];
    b[0..4].copy_from_slice(&magic.to_ne_bytes());
    b[4..6].copy_from_slice(&2u16.to_ne_bytes());
    b[6..8].copy_from_slice(&4u16.to_ne_bytes());
    b[16..20].copy_from_slice(&(h.snapshot.get() as u32).to_ne_bytes());
    b[20..24].copy_from_slice(&linktype.to_ne_bytes());
    b
}

fn setup_dump(h: &Pcap, linktype: u32, f: *mut FILE, fname: &str) -> *mut FILE {
    if !cfile::fwrite_all(&file_header(h, linktype), f) {
        let e = super::errno();
        h.set_err(&format!("Can't write to {fname}: {}", strerror(e)));
        if f != cfile::c_stdout() {
            cfile::fclose(f);
        }
        return std::ptr::null_mut();
    }
    f
}

ffi_fn! {
    /// Opens a savefile for writing ("-" = stdout).
    fn pcap_dump_open(p: *mut Pcap, fname: *const c_char) -> *mut FILE;
    fail = std::ptr::null_mut();
    {
        let Some(h) = handle(p) else { return std::ptr::null_mut() };
        let name = cstr(fname);
        let shown = name.map_or_else(|| "(null)".into(), |n| n.to_string_lossy().into_owned());
        if !h.activated.get() {
            h.set_err(&format!("{shown}: not-yet-activated pcap_t passed to pcap_dump_open"));
            return std::ptr::null_mut();
        }
        let Some(lt) = dlt::dlt_to_linktype(h.linktype.get()) else {
            h.set_err(&format!("{shown}: link-layer type {} isn't supported in savefiles", h.linktype.get()));
            return std::ptr::null_mut();
        };
        let lt = lt | h.linktype_ext.get();
        let Some(name) = name else {
            h.set_err("A null pointer was supplied as the file name");
            return std::ptr::null_mut();
        };
        if name.to_bytes() == b"-" {
            return setup_dump(h, lt, cfile::c_stdout(), "standard output");
        }
        let f = cfile::fopen(name, c"wb");
        if f.is_null() {
            let e = super::errno();
            h.set_err(&format!("{shown}: {}", strerror(e)));
            return std::ptr::null_mut();
        }
        setup_dump(h, lt, f, &shown)
    }
}

ffi_fn! {
    /// Writes a savefile to an open stream.
    fn pcap_dump_fopen(p: *mut Pcap, f: *mut FILE) -> *mut FILE;
    fail = std::ptr::null_mut();
    {
        let Some(h) = handle(p) else { return std::ptr::null_mut() };
        if f.is_null() {
            h.set_err("A null pointer was supplied as the file");
            return std::ptr::null_mut();
        }
        let Some(lt) = dlt::dlt_to_linktype(h.linktype.get()) else {
            h.set_err(&format!("stream: link-layer type {} isn't supported in savefiles", h.linktype.get()));
            return std::ptr::null_mut();
        };
        setup_dump(h, lt | h.linktype_ext.get(), f, "stream")
    }
}

ffi_fn! {
    /// Appends to a savefile if compatible (creates it otherwise).
    fn pcap_dump_open_append(p: *mut Pcap, fname: *const c_char) -> *mut FILE;
    fail = std::ptr::null_mut();
    {
        let Some(h) = handle(p) else { return std::ptr::null_mut() };
        let name = cstr(fname);
        let shown = name.map_or_else(|| "(null)".into(), |n| n.to_string_lossy().into_owned());
        let Some(lt) = dlt::dlt_to_linktype(h.linktype.get()) else {
            h.set_err(&format!("{shown}: link-layer type -1 isn't supported in savefiles"));
            return std::ptr::null_mut();
        };
        let Some(name) = name else {
            h.set_err("A null pointer was supplied as the file name");
            return std::ptr::null_mut();
        };
        if name.to_bytes() == b"-" {
            return setup_dump(h, lt, cfile::c_stdout(), "standard output");
        }
        let f = cfile::fopen(name, c"ab+");
        if f.is_null() {
            let e = super::errno();
            h.set_err(&format!("{shown}: {}", strerror(e)));
            return std::ptr::null_mut();
        }
        let fail = |msg: String| {
            h.set_err(&msg);
            cfile::fclose(f);
            std::ptr::null_mut()
        };
        // SAFETY: f is an open stream.
        if unsafe { libc::fseek(f, 0, libc::SEEK_SET) } == -1 {
            let e = super::errno();
            return fail(format!("Can't seek to the beginning of {shown}: {}", strerror(e)));
        }
        let mut ph = [0u8; 24];
        let (got, err) = cfile::fread(&mut ph, f);
        if got != 24 {
            if err {
                let e = super::errno();
                return fail(format!("{shown}: {}", strerror(e)));
            }
            if got > 0 {
                return fail(format!("{shown}: truncated pcap file header"));
            }
        }
        if got > 0 {
            let rd32 = |o: usize| u32::from_ne_bytes([ph[o], ph[o + 1], ph[o + 2], ph[o + 3]]);
            let magic = rd32(0);
            let prec = h.precision.get();
            match magic {
                TCPDUMP_MAGIC if prec != 0 => return fail(format!("{shown}: different time stamp precision, cannot append to file")),
                NSEC_MAGIC if prec != 1 => return fail(format!("{shown}: different time stamp precision, cannot append to file")),
                TCPDUMP_MAGIC | NSEC_MAGIC => {}
                0xd4c3_b2a1 | 0x4d3c_b2a1 => return fail(format!("{shown}: different byte order, cannot append to file")),
                0xa1b2_cd34 | 0x34cd_b2a1 | 0xa12b_3c4d | 0x4d3c_2ba1 => {
                    return fail(format!("{shown}: not a pcap file to which we can append"))
                }
                _ => return fail(format!("{shown}: not a pcap file")),
            }
            let major = u16::from_ne_bytes([ph[4], ph[5]]);
            let minor = u16::from_ne_bytes([ph[6], ph[7]]);
            if major != 2 || minor != 4 {
                return fail(format!("{shown}: version is {major}.{minor}, cannot append to file"));
            }
            if lt != rd32(20) {
                return fail(format!("{shown}: different linktype, cannot append to file"));
            }
            if h.snapshot.get() as u32 != rd32(16) {
                return fail(format!("{shown}: different snaplen, cannot append to file"));
            }
        } else if !cfile::fwrite_all(&file_header(h, lt), f) {
            let e = super::errno();
            return fail(format!("Can't write to {shown}: {}", strerror(e)));
        }
        // SAFETY: f is an open stream.
        if unsafe { libc::fseek(f, 0, libc::SEEK_END) } == -1 {
            let e = super::errno();
            return fail(format!("Can't seek to the end of {shown}: {}", strerror(e)));
        }
        f
    }
}

ffi_fn! {
    /// Writes one record (usable directly as a pcap_handler).
    fn pcap_dump(user: *mut u8, h: *const PcapPkthdr, sp: *const u8) -> ();
    fail = ();
    {
        if user.is_null() || h.is_null() {
            return;
        }
        let f = user.cast::<FILE>();
        // SAFETY: h points to the record's header (API contract).
        let hdr = unsafe { *h };
        let mut rec = [0u8; 16];
        rec[0..4].copy_from_slice(&(hdr.ts.tv_sec as i32).to_ne_bytes());
        rec[4..8].copy_from_slice(&(hdr.ts.tv_usec as i32).to_ne_bytes());
        rec[8..12].copy_from_slice(&hdr.caplen.to_ne_bytes());
        rec[12..16].copy_from_slice(&hdr.len.to_ne_bytes());
        cfile::write_record(&rec, bytes(sp, hdr.caplen), f);
    }
}

ffi_fn! {
    /// The dumper's stream.
    fn pcap_dump_file(p: *mut FILE) -> *mut FILE;
    fail = std::ptr::null_mut();
    { p }
}

ffi_fn! {
    /// Current write offset.
    fn pcap_dump_ftell(p: *mut FILE) -> c_long;
    fail = -1;
    {
        if p.is_null() {
            return -1;
        }
        // SAFETY: p is an open dumper stream.
        unsafe { libc::ftell(p) }
    }
}

ffi_fn! {
    /// Current write offset, 64-bit.
    fn pcap_dump_ftell64(p: *mut FILE) -> i64;
    fail = -1;
    {
        if p.is_null() {
            return -1;
        }
        // SAFETY: p is an open dumper stream.
        unsafe { libc::ftello(p) }
    }
}

ffi_fn! {
    /// Flushes the dumper; 0 or -1.
    fn pcap_dump_flush(p: *mut FILE) -> c_int;
    fail = -1;
    {
        if p.is_null() {
            return -1;
        }
        // SAFETY: p is an open dumper stream.
        if unsafe { libc::fflush(p) } == libc::EOF { -1 } else { 0 }
    }
}

ffi_fn! {
    /// Closes the dumper's stream (even stdout, like libpcap).
    fn pcap_dump_close(p: *mut FILE) -> ();
    fail = ();
    {
        if !p.is_null() {
            cfile::fclose(p);
        }
    }
}
