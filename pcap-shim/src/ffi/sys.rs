//! The few system calls the live path needs beyond the pfring crate: the
//! breakloop eventfd, poll with a timeout, and a packet socket for sending.

use std::ffi::{c_int, CStr};
use std::io;

/// A non-blocking, close-on-exec eventfd.
pub(crate) fn eventfd() -> io::Result<c_int> {
    // SAFETY: plain eventfd creation.
    let fd = unsafe { libc::eventfd(0, libc::EFD_NONBLOCK | libc::EFD_CLOEXEC) };
    if fd < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(fd)
    }
}

/// Adds 1 to the eventfd; async-signal-safe (one write).
pub(crate) fn signal(fd: c_int) {
    let one: u64 = 1;
    // SAFETY: writes 8 bytes from a local to a descriptor we own.
    unsafe {
        libc::write(fd, (&one as *const u64).cast(), 8);
    }
}

/// Resets the eventfd counter.
pub(crate) fn drain(fd: c_int) {
    let mut v: u64 = 0;
    // SAFETY: reads 8 bytes into a local from a non-blocking eventfd.
    unsafe {
        libc::read(fd, (&mut v as *mut u64).cast(), 8);
    }
}

/// `close(fd)`.
pub(crate) fn close(fd: c_int) {
    if fd >= 0 {
        // SAFETY: fd is a descriptor owned by the caller, not used afterwards.
        unsafe { libc::close(fd) };
    }
}

/// What a wait produced.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Wait {
    Readable,
    Woken,
    TimedOut,
}

/// Waits for `sock` to be readable or `wake` to fire, up to `timeout_ms`
/// (-1: forever). EINTR counts as a wake-up so breakloop is seen.
pub(crate) fn wait(sock: c_int, wake: c_int, timeout_ms: c_int) -> io::Result<Wait> {
    let mut fds = [
        libc::pollfd {
            fd: sock,
            events: libc::POLLIN,
            revents: 0,
        },
        libc::pollfd {
            fd: wake,
            events: libc::POLLIN,
            revents: 0,
        },
    ];
    // SAFETY: fds is a valid array of two pollfd.
    let rc = unsafe { libc::poll(fds.as_mut_ptr(), 2, timeout_ms) };
    if rc < 0 {
        let e = io::Error::last_os_error();
        if e.raw_os_error() == Some(libc::EINTR) {
            return Ok(Wait::Woken);
        }
        return Err(e);
    }
    if fds[1].revents != 0 {
        drain(wake);
        return Ok(Wait::Woken);
    }
    if rc == 0 {
        return Ok(Wait::TimedOut);
    }
    Ok(Wait::Readable)
}

/// `if_nametoindex(name)` (0 when there is no such device).
pub(crate) fn ifindex(name: &CStr) -> u32 {
    // SAFETY: name is NUL-terminated.
    unsafe { libc::if_nametoindex(name.as_ptr()) }
}

/// A raw packet socket bound to a device, for pcap_inject.
pub(crate) fn send_socket(dev: &CStr) -> io::Result<c_int> {
    // SAFETY: dev is NUL-terminated.
    let ifindex = unsafe { libc::if_nametoindex(dev.as_ptr()) };
    if ifindex == 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: plain socket creation.
    let fd = unsafe { libc::socket(libc::AF_PACKET, libc::SOCK_RAW | libc::SOCK_CLOEXEC, 0) };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: an all-zero sockaddr_ll is valid.
    let mut sll: libc::sockaddr_ll = unsafe { std::mem::zeroed() };
    sll.sll_family = libc::AF_PACKET as u16;
    sll.sll_ifindex = ifindex as c_int;
    // SAFETY: sll is a valid sockaddr_ll of the given length.
    let rc = unsafe {
        libc::bind(
            fd,
            (&sll as *const libc::sockaddr_ll).cast(),
            std::mem::size_of::<libc::sockaddr_ll>() as libc::socklen_t,
        )
    };
    if rc < 0 {
        let e = io::Error::last_os_error();
        close(fd);
        return Err(e);
    }
    Ok(fd)
}

/// `send(fd, buf)`: bytes sent.
pub(crate) fn send(fd: c_int, buf: &[u8]) -> io::Result<usize> {
    // SAFETY: buf is readable for its length.
    let n = unsafe { libc::send(fd, buf.as_ptr().cast(), buf.len(), 0) };
    if n < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(n as usize)
    }
}
