//! C stdio streams: savefiles are read through the caller's (or our) `FILE *`
//! so pcap_file/pcap_fopen_offline keep libpcap's meaning, and dumpers are
//! plain `FILE *`s exactly as in libpcap (pcap_dump_file returns it).

use std::ffi::CStr;
use std::io::{self, Read};

use libc::FILE;

extern "C" {
    static mut stdin: *mut FILE;
    static mut stdout: *mut FILE;
    static mut stderr: *mut FILE;
}

/// glibc's `stdin`.
pub(crate) fn c_stdin() -> *mut FILE {
    // SAFETY: reading the address glibc stores in its `stdin` variable; no
    // reference to the static is created.
    unsafe { *std::ptr::addr_of!(stdin) }
}

/// glibc's `stdout`.
pub(crate) fn c_stdout() -> *mut FILE {
    // SAFETY: as for `c_stdin`.
    unsafe { *std::ptr::addr_of!(stdout) }
}

/// glibc's `stderr`.
pub(crate) fn c_stderr() -> *mut FILE {
    // SAFETY: as for `c_stdin`.
    unsafe { *std::ptr::addr_of!(stderr) }
}

/// `fopen(path, mode)`.
pub(crate) fn fopen(path: &CStr, mode: &CStr) -> *mut FILE {
    // SAFETY: both are valid NUL-terminated strings.
    unsafe { libc::fopen(path.as_ptr(), mode.as_ptr()) }
}

/// `fileno(f)`.
pub(crate) fn fileno(f: *mut FILE) -> i32 {
    // SAFETY: f is an open stream (callers check for NULL).
    unsafe { libc::fileno(f) }
}

/// Whether the stream is a regular file (read-ahead is then harmless).
pub(crate) fn is_regular(f: *mut FILE) -> bool {
    let fd = fileno(f);
    if fd < 0 {
        return false;
    }
    // SAFETY: an all-zero `struct stat` is a valid value to be overwritten.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    // SAFETY: fd is a descriptor and st a writable struct stat.
    let rc = unsafe { libc::fstat(fd, &mut st) };
    rc == 0 && (st.st_mode & libc::S_IFMT) == libc::S_IFREG
}

/// `fputs(s, stream)`.
pub(crate) fn fputs(s: &CStr, f: *mut FILE) {
    // SAFETY: s is NUL-terminated and f an open stream.
    unsafe {
        libc::fputs(s.as_ptr(), f);
    }
}

/// `fwrite` of a whole buffer; true when everything was written.
pub(crate) fn fwrite_all(buf: &[u8], f: *mut FILE) -> bool {
    if buf.is_empty() {
        return true;
    }
    // SAFETY: buf is readable for its length and f is an open stream.
    unsafe { libc::fwrite(buf.as_ptr().cast(), buf.len(), 1, f) == 1 }
}

/// `fread` into a buffer; returns the byte count and whether ferror is set.
pub(crate) fn fread(buf: &mut [u8], f: *mut FILE) -> (usize, bool) {
    // SAFETY: buf is writable for its length and f is an open stream.
    let n = unsafe { libc::fread(buf.as_mut_ptr().cast(), 1, buf.len(), f) };
    // SAFETY: f is an open stream.
    let err = n < buf.len() && unsafe { libc::ferror(f) } != 0;
    (n, err)
}

/// `fclose(f)`.
pub(crate) fn fclose(f: *mut FILE) -> i32 {
    // SAFETY: f is an open stream owned by the caller, not used afterwards.
    unsafe { libc::fclose(f) }
}

/// A savefile stream. Once the handle owns it (`owned` set), it is closed on
/// drop unless it is stdin, like libpcap; a stream passed to a failing
/// pcap_fopen_offline stays the caller's.
pub(crate) struct CFile {
    pub f: *mut FILE,
    pub owned: std::rc::Rc<std::cell::Cell<bool>>,
}

impl Read for CFile {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let (n, err) = fread(buf, self.f);
        if err && n == 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(n)
    }
}

impl Drop for CFile {
    fn drop(&mut self) {
        if self.owned.get() && !self.f.is_null() && self.f != c_stdin() {
            fclose(self.f);
        }
    }
}
