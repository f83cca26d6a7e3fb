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

/// The start of glibc's `struct _IO_FILE` (`<bits/types/struct_FILE.h>`,
/// unchanged since glibc 2.1 on LP64): the put area the public
/// `putc_unlocked` macro writes into.
#[cfg(all(target_os = "linux", target_env = "gnu", target_pointer_width = "64"))]
#[repr(C)]
struct IoFileHead {
    flags: i32,
    read_ptr: *mut u8,
    read_end: *mut u8,
    read_base: *mut u8,
    write_base: *mut u8,
    write_ptr: *mut u8,
    write_end: *mut u8,
}

/// Offsets of `_flags2` and `_mode` in glibc's `struct _IO_FILE` (LP64).
#[cfg(all(target_os = "linux", target_env = "gnu", target_pointer_width = "64"))]
const IO_FLAGS2_AT: usize = 116;
#[cfg(all(target_os = "linux", target_env = "gnu", target_pointer_width = "64"))]
const IO_MODE_AT: usize = 192;
/// glibc's `_IO_FLAGS2_NEED_LOCK`: set on every stream once the process
/// has a second thread; from then on `fwrite` takes the stream's lock.
#[cfg(all(target_os = "linux", target_env = "gnu", target_pointer_width = "64"))]
const IO_FLAGS2_NEED_LOCK: i32 = 128;

/// Writes a savefile record (`head` then `data`) to `f`, the bytes that
/// libpcap's two `fwrite` calls write. When the stream's buffer has room
/// and `fwrite` would take no lock (one thread, byte-oriented stream), the
/// record is copied straight into the buffer, as glibc's `putc_unlocked`
/// does byte by byte; otherwise it goes through `fwrite`. Either way the
/// stream's position (`ftell`), `fflush` and error state are glibc's own.
pub(crate) fn write_record(head: &[u8; 16], data: &[u8], f: *mut FILE) {
    #[cfg(all(target_os = "linux", target_env = "gnu", target_pointer_width = "64"))]
    {
        let fp = f.cast::<u8>();
        // SAFETY: f is an open glibc stream (API contract: a dumper made by
        // pcap_dump_open/fopen), so it is a `struct _IO_FILE` of at least
        // 216 bytes whose fields are read here as the public header lays
        // them out; the put area [write_ptr, write_end) is buffer memory
        // the stream owns, writable by whoever holds the stream, which a
        // single-threaded process calling pcap_dump does (the NEED_LOCK
        // flag is clear, so fwrite would not lock either).
        unsafe {
            let head_ptr = fp.cast::<IoFileHead>();
            let flags2 = core::ptr::read(fp.add(IO_FLAGS2_AT).cast::<i32>());
            let mode = core::ptr::read(fp.add(IO_MODE_AT).cast::<i32>());
            let wp = (*head_ptr).write_ptr;
            let we = (*head_ptr).write_end;
            let need = 16 + data.len();
            if flags2 & IO_FLAGS2_NEED_LOCK == 0
                && mode < 0
                && !wp.is_null()
                && (we as usize).saturating_sub(wp as usize) >= need
            {
                core::ptr::copy_nonoverlapping(head.as_ptr(), wp, 16);
                core::ptr::copy_nonoverlapping(data.as_ptr(), wp.add(16), data.len());
                (*head_ptr).write_ptr = wp.add(need);
                return;
            }
        }
    }
    fwrite_all(head, f);
    fwrite_all(data, f);
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Records written through `write_record` (whichever path it takes in
    /// this multi-threaded test process) are the header and data bytes in
    /// order, and the stream's position and flush see them.
    #[test]
    fn write_record_bytes_and_position() {
        // SAFETY: tmpfile returns an open stream or NULL.
        let f = unsafe { libc::tmpfile() };
        assert!(!f.is_null());
        assert!(fwrite_all(&[0xAA; 24], f));
        let mut want = vec![0xAA; 24];
        for i in 0..300u32 {
            let head = [i as u8; 16];
            let data = vec![(i * 7) as u8; (i as usize * 37) % 3000];
            write_record(&head, &data, f);
            want.extend_from_slice(&head);
            want.extend_from_slice(&data);
            // SAFETY: f is open.
            assert_eq!(unsafe { libc::ftell(f) }, want.len() as libc::c_long);
        }
        // SAFETY: f is open; rewinding flushes the buffer.
        unsafe { libc::rewind(f) };
        let mut got = vec![0u8; want.len() + 10];
        let (n, err) = fread(&mut got, f);
        assert!(!err);
        assert_eq!(n, want.len());
        assert!(got[..n] == want[..]);
        assert_eq!(fclose(f), 0);
    }
}
