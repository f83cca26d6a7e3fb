//! The library's one error type, mapped once to the C convention
//! (negative return value + errno) in `ffi`.
#![forbid(unsafe_code)]

use core::ffi::c_int;
use core::fmt;

use crate::sys::OsError;

/// Why a call failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Error {
    /// A system call failed.
    Os(OsError),
    /// The named device does not exist.
    NoDevice,
    /// An argument is NULL, out of range or malformed.
    Invalid(&'static str),
    /// The operation exists in the guide but this backend cannot do it.
    NotSupported(&'static str),
    /// The ring was closed.
    Closed,
    /// The rule (or other object) named does not exist.
    NotFound(&'static str),
}

impl Error {
    /// The errno value reported to C callers.
    pub fn errno(&self) -> c_int {
        match self {
            Error::Os(e) => e.errno,
            Error::NoDevice => libc::ENODEV,
            Error::Invalid(_) => libc::EINVAL,
            Error::NotSupported(_) => libc::ENOTSUP,
            Error::Closed => libc::EBADF,
            Error::NotFound(_) => libc::ENOENT,
        }
    }
}

impl From<OsError> for Error {
    fn from(e: OsError) -> Self {
        Error::Os(e)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Os(e) => write!(f, "{} failed: {}", e.op, errno_name(e.errno)),
            Error::NoDevice => f.write_str("no such device"),
            Error::Invalid(what) => write!(f, "invalid argument: {what}"),
            Error::NotSupported(what) => write!(f, "not supported: {what}"),
            Error::Closed => f.write_str("ring is closed"),
            Error::NotFound(what) => write!(f, "not found: {what}"),
        }
    }
}

/// A short, allocation-free description of common errno values.
pub fn errno_name(e: c_int) -> &'static str {
    match e {
        libc::EPERM => "operation not permitted (CAP_NET_RAW is required)",
        libc::EACCES => "permission denied",
        libc::ENODEV => "no such device",
        libc::ENXIO => "no such device or address",
        libc::EINVAL => "invalid argument",
        libc::ENOMEM => "out of memory",
        libc::EBUSY => "device or resource busy",
        libc::EAFNOSUPPORT => "address family not supported",
        libc::ENETDOWN => "network is down",
        libc::EBADF => "bad file descriptor",
        libc::EINTR => "interrupted",
        _ => "system error",
    }
}
