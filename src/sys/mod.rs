//! Thin, checked wrappers over the system calls the library makes. This is
//! the only module (with `ffi/` and the mmap ring code) allowed `unsafe`.
//! Every function here is async-signal-safe unless its doc says otherwise:
//! they are plain system calls on caller-provided memory.

use core::ffi::{c_int, c_void};
use core::mem::size_of;

/// An OS error: the operation that failed and its errno.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OsError {
    pub op: &'static str,
    pub errno: c_int,
}

pub type SysResult<T> = Result<T, OsError>;

/// errno of the calling thread.
pub fn errno() -> c_int {
    // SAFETY: __errno_location returns this thread's errno slot, always valid.
    unsafe { *libc::__errno_location() }
}

/// Sets errno of the calling thread.
pub fn set_errno(e: c_int) {
    // SAFETY: as in `errno`; writing an int into the thread's errno slot.
    unsafe { *libc::__errno_location() = e }
}

fn check(op: &'static str, rc: c_int) -> SysResult<c_int> {
    if rc < 0 {
        Err(OsError { op, errno: errno() })
    } else {
        Ok(rc)
    }
}

/// `socket(domain, type | SOCK_CLOEXEC, proto)`.
pub fn socket(domain: c_int, ty: c_int, proto: c_int) -> SysResult<c_int> {
    // SAFETY: plain system call with integer arguments.
    check("socket", unsafe {
        libc::socket(domain, ty | libc::SOCK_CLOEXEC, proto)
    })
}

/// `close(fd)`; errors are ignored (the descriptor is gone either way).
pub fn close(fd: c_int) {
    if fd >= 0 {
        // SAFETY: closing a descriptor this library owns.
        unsafe { libc::close(fd) };
    }
}

/// `setsockopt` with a value of type `T` (its size is the option length).
pub fn setsockopt<T>(fd: c_int, level: c_int, opt: c_int, val: &T) -> SysResult<()> {
    // SAFETY: `val` is a valid reference to size_of::<T>() readable bytes.
    check("setsockopt", unsafe {
        libc::setsockopt(
            fd,
            level,
            opt,
            val as *const T as *const c_void,
            size_of::<T>() as libc::socklen_t,
        )
    })
    .map(|_| ())
}

/// `setsockopt` with a byte slice value.
pub fn setsockopt_bytes(fd: c_int, level: c_int, opt: c_int, val: &[u8]) -> SysResult<()> {
    // SAFETY: `val` is a valid slice of val.len() readable bytes.
    check("setsockopt", unsafe {
        libc::setsockopt(
            fd,
            level,
            opt,
            val.as_ptr() as *const c_void,
            val.len() as libc::socklen_t,
        )
    })
    .map(|_| ())
}

/// `getsockopt` into a value of type `T`; returns the length the kernel wrote.
pub fn getsockopt<T>(fd: c_int, level: c_int, opt: c_int, out: &mut T) -> SysResult<usize> {
    let mut len = size_of::<T>() as libc::socklen_t;
    // SAFETY: `out` is a valid, writable T of `len` bytes; `len` is a valid socklen_t.
    check("getsockopt", unsafe {
        libc::getsockopt(fd, level, opt, out as *mut T as *mut c_void, &mut len)
    })
    .map(|_| len as usize)
}

/// Interface index of `name` (a C string), or ENODEV.
pub fn if_nametoindex(name: &core::ffi::CStr) -> SysResult<u32> {
    // SAFETY: `name` is a valid NUL-terminated string.
    let idx = unsafe { libc::if_nametoindex(name.as_ptr()) };
    if idx == 0 {
        Err(OsError {
            op: "if_nametoindex",
            errno: libc::ENODEV,
        })
    } else {
        Ok(idx)
    }
}

/// `bind` an AF_PACKET socket to `ifindex` (0 = every interface) for `proto`
/// (network byte order).
pub fn bind_packet(fd: c_int, ifindex: u32, proto_be: u16) -> SysResult<()> {
    // SAFETY: sockaddr_ll is plain old data; all-zero is a valid value.
    let mut sll: libc::sockaddr_ll = unsafe { core::mem::zeroed() };
    sll.sll_family = libc::AF_PACKET as u16;
    sll.sll_protocol = proto_be;
    sll.sll_ifindex = ifindex as c_int;
    // SAFETY: `sll` is a valid sockaddr_ll and its exact size is passed.
    check("bind", unsafe {
        libc::bind(
            fd,
            &sll as *const libc::sockaddr_ll as *const libc::sockaddr,
            size_of::<libc::sockaddr_ll>() as libc::socklen_t,
        )
    })
    .map(|_| ())
}

/// A shared, read-write mapping of `len` bytes of `fd`.
pub fn mmap_shared(fd: c_int, len: usize) -> SysResult<*mut u8> {
    // SAFETY: asking the kernel for a new mapping; no existing memory is touched.
    let p = unsafe {
        libc::mmap(
            core::ptr::null_mut(),
            len,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_SHARED | libc::MAP_POPULATE,
            fd,
            0,
        )
    };
    if p == libc::MAP_FAILED {
        Err(OsError {
            op: "mmap",
            errno: errno(),
        })
    } else {
        Ok(p as *mut u8)
    }
}

/// Unmaps a mapping returned by [`mmap_shared`].
///
/// # Safety
/// `ptr`/`len` must be exactly a live mapping from `mmap_shared`, and no
/// reference into it may be used afterwards.
pub unsafe fn munmap(ptr: *mut u8, len: usize) {
    // SAFETY: guaranteed by the caller.
    unsafe { libc::munmap(ptr as *mut c_void, len) };
}

/// A non-blocking, close-on-exec eventfd used to wake a blocked poll.
pub fn eventfd() -> SysResult<c_int> {
    // SAFETY: plain system call with integer arguments.
    check("eventfd", unsafe {
        libc::eventfd(0, libc::EFD_NONBLOCK | libc::EFD_CLOEXEC)
    })
}

/// Adds 1 to an eventfd (async-signal-safe).
pub fn eventfd_signal(fd: c_int) {
    let one: u64 = 1;
    // SAFETY: writes 8 bytes from a valid u64.
    unsafe { libc::write(fd, &one as *const u64 as *const c_void, 8) };
}

/// What [`poll2`] saw.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ready {
    /// The socket is readable (or reports an error condition).
    Socket,
    /// The wake-up eventfd fired.
    Woken,
    /// Timed out, or interrupted by a signal.
    Nothing,
}

/// Polls `sock` for input and `wake` for a wake-up, `timeout_ms` (-1 = forever).
pub fn poll2(sock: c_int, wake: c_int, timeout_ms: c_int) -> SysResult<Ready> {
    let mut fds = [
        libc::pollfd {
            fd: sock,
            events: libc::POLLIN | libc::POLLERR,
            revents: 0,
        },
        libc::pollfd {
            fd: wake,
            events: libc::POLLIN,
            revents: 0,
        },
    ];
    // SAFETY: `fds` is a valid array of 2 pollfd.
    let rc = unsafe { libc::poll(fds.as_mut_ptr(), 2, timeout_ms) };
    if rc < 0 {
        let e = errno();
        if e == libc::EINTR {
            return Ok(Ready::Nothing);
        }
        return Err(OsError {
            op: "poll",
            errno: e,
        });
    }
    if fds[1].revents != 0 {
        Ok(Ready::Woken)
    } else if fds[0].revents != 0 {
        Ok(Ready::Socket)
    } else {
        Ok(Ready::Nothing)
    }
}

/// Writes `msg` to stderr with one `write` (async-signal-safe).
pub fn write_stderr(msg: &[u8]) {
    // SAFETY: writes msg.len() bytes from a valid slice to fd 2.
    unsafe { libc::write(2, msg.as_ptr() as *const c_void, msg.len()) };
}

/// Asymmetric memory barriers (membarrier(2)): the rare side of a
/// handshake pays for a process-wide barrier so the frequent side needs only
/// a compiler fence.
pub mod barrier {
    use core::sync::atomic::{AtomicU8, Ordering};

    const MEMBARRIER_CMD_PRIVATE_EXPEDITED: libc::c_long = 1 << 3;
    const MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED: libc::c_long = 1 << 4;

    /// 0 = not tried, 1 = unavailable, 2 = registered.
    static STATE: AtomicU8 = AtomicU8::new(0);

    /// Registers the process for expedited barriers (once; not
    /// async-signal-relevant: called from `pfring_open`). Returns whether
    /// [`heavy`] is a real process-wide barrier.
    pub fn register() -> bool {
        if STATE.load(Ordering::Acquire) == 0 {
            // SAFETY: plain system call with integer arguments.
            let rc = unsafe {
                libc::syscall(
                    libc::SYS_membarrier,
                    MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED,
                    0,
                    0,
                )
            };
            STATE.store(if rc == 0 { 2 } else { 1 }, Ordering::Release);
        }
        asymmetric()
    }

    /// True when the process is registered (the fast side may then use a
    /// compiler fence instead of a full one).
    #[inline]
    pub fn asymmetric() -> bool {
        STATE.load(Ordering::Relaxed) == 2
    }

    /// A full barrier on every running thread of the process (or a local
    /// full fence when unavailable, which is then what the fast side uses
    /// too). Async-signal-safe: one system call.
    pub fn heavy() {
        core::sync::atomic::fence(Ordering::SeqCst);
        if asymmetric() {
            // SAFETY: plain system call with integer arguments.
            unsafe { libc::syscall(libc::SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0) };
        }
    }

    /// The fast side's half: a compiler fence when [`heavy`] is a real
    /// membarrier, a full fence otherwise.
    #[inline]
    pub fn light() {
        if asymmetric() {
            core::sync::atomic::compiler_fence(Ordering::SeqCst);
        } else {
            core::sync::atomic::fence(Ordering::SeqCst);
        }
    }
}
