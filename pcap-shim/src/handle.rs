//! The `pcap_t` behind the C API: savefile, dead and (not yet activated)
//! capture handles, with libpcap 1.10.3's return codes and error texts.
//!
//! The handle is only ever shared (`&Pcap`): C callbacks may re-enter the
//! API with the same handle (pcap_datalink, pcap_geterr, pcap_breakloop from
//! inside a pcap_loop callback), so mutable state sits in `Cell`s, and the
//! reader and filter in `RefCell`s whose borrows fail cleanly on re-entry.

use std::cell::{Cell, RefCell};
use std::ffi::CString;
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};

use crate::live::{self, Live};

use crate::savefile::{PktHdr, Reader};
use crate::types::{status, BpfInsn, PcapPkthdr, Timeval, ERRBUF_SIZE};

/// What kind of handle this is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `pcap_open_dead`.
    Dead,
    /// A savefile.
    Offline,
    /// `pcap_create`d, capture options still settable.
    Capture,
}

/// Options of a capture handle before activation (pcap_set_*).
#[derive(Clone, Debug)]
pub struct CaptureOpts {
    pub device: CString,
    pub snaplen: i32,
    pub promisc: bool,
    pub rfmon: bool,
    pub immediate: bool,
    pub timeout: i32,
    pub buffer_size: i32,
    pub tstamp_type: i32,
    pub nonblock: bool,
    pub protocol: i32,
    /// PF_RING cluster requested with pcap_set_cluster (0: none).
    pub cluster: u32,
}

/// The error text of a setter called after activation (sic, two spaces).
pub const ACTIVATED_TEXT: &str = "can't perform  operation on activated capture";

/// A pcap_t.
pub struct Pcap {
    errbuf: Cell<[u8; ERRBUF_SIZE]>,
    /// pcap_breakloop's flag; the only field touched from other threads or
    /// signal handlers.
    pub break_loop: AtomicBool,
    pub kind: Kind,
    pub activated: Cell<bool>,
    pub linktype: Cell<i32>,
    pub linktype_ext: Cell<u32>,
    pub snapshot: Cell<i32>,
    pub precision: Cell<u32>,
    pub swapped: Cell<bool>,
    pub version: Cell<(i32, i32)>,
    /// The savefile's `FILE *` (as an address), for pcap_file/fileno.
    pub rfile: Cell<usize>,
    /// `fileno(rfile)` for savefiles.
    pub selectable_fd: Cell<i32>,
    pub reader: RefCell<Option<Reader>>,
    pub filter: RefCell<Option<Vec<BpfInsn>>>,
    /// `filter` decoded once for the interpreter (set with it).
    compiled: RefCell<Option<pcap_filter::bpf::Program>>,
    pub opts: RefCell<Option<CaptureOpts>>,
    /// Header storage handed out by pcap_next_ex.
    pub next_hdr: Cell<PcapPkthdr>,
    /// The activated capture of a pcap_create handle.
    pub live: RefCell<Option<Live>>,
    /// Eventfd pcap_breakloop writes to (-1: none).
    pub wake_fd: AtomicI32,
}

/// Result of one read pass (pcap_dispatch semantics).
pub type ReadResult = i32;

impl Pcap {
    fn new(kind: Kind) -> Pcap {
        Pcap {
            errbuf: Cell::new([0; ERRBUF_SIZE]),
            break_loop: AtomicBool::new(false),
            kind,
            activated: Cell::new(false),
            linktype: Cell::new(0),
            linktype_ext: Cell::new(0),
            snapshot: Cell::new(0),
            precision: Cell::new(0),
            swapped: Cell::new(false),
            version: Cell::new((0, 0)),
            rfile: Cell::new(0),
            selectable_fd: Cell::new(0),
            reader: RefCell::new(None),
            filter: RefCell::new(None),
            compiled: RefCell::new(None),
            opts: RefCell::new(None),
            next_hdr: Cell::new(PcapPkthdr::default()),
            live: RefCell::new(None),
            wake_fd: AtomicI32::new(-1),
        }
    }

    /// `pcap_open_dead_with_tstamp_precision`.
    pub fn dead(linktype: i32, snaplen: i32, precision: u32) -> Pcap {
        let p = Pcap::new(Kind::Dead);
        p.linktype.set(linktype);
        p.snapshot.set(snaplen);
        p.precision.set(if precision == 1 { 1 } else { 0 });
        p.activated.set(true);
        p
    }

    /// A savefile handle around an opened reader.
    pub fn offline(r: Reader, rfile: usize, fd: i32) -> Pcap {
        let p = Pcap::new(Kind::Offline);
        p.linktype.set(r.linktype);
        p.linktype_ext.set(r.linktype_ext);
        p.snapshot.set(r.snapshot);
        p.precision.set(r.precision);
        p.swapped.set(r.swapped);
        p.version
            .set((i32::from(r.version_major), i32::from(r.version_minor)));
        p.rfile.set(rfile);
        p.selectable_fd.set(fd);
        p.activated.set(true);
        *p.reader.borrow_mut() = Some(r);
        p
    }

    /// `pcap_create`: a capture handle that still takes options.
    pub fn capture(device: CString) -> Pcap {
        let p = Pcap::new(Kind::Capture);
        *p.opts.borrow_mut() = Some(CaptureOpts {
            device,
            snaplen: 0,
            promisc: false,
            rfmon: false,
            immediate: false,
            timeout: 0,
            buffer_size: 2 * 1024 * 1024,
            tstamp_type: -1,
            nonblock: false,
            protocol: 0,
            cluster: 0,
        });
        p
    }

    /// Sets the error text (truncated like snprintf into 256 bytes).
    pub fn set_err(&self, msg: &str) {
        let mut b = [0u8; ERRBUF_SIZE];
        let n = msg.len().min(ERRBUF_SIZE - 1);
        b[..n].copy_from_slice(&msg.as_bytes()[..n]);
        self.errbuf.set(b);
    }

    /// The current error text.
    pub fn err(&self) -> String {
        let b = self.errbuf.get();
        let n = b.iter().position(|&c| c == 0).unwrap_or(ERRBUF_SIZE);
        String::from_utf8_lossy(&b[..n]).into_owned()
    }

    /// Address of the error buffer, for pcap_geterr.
    pub fn errbuf_ptr(&self) -> *mut [u8; ERRBUF_SIZE] {
        self.errbuf.as_ptr()
    }

    /// `PCAP_ERROR_NOT_ACTIVATED` for the accessors that need activation.
    pub fn check_activated(&self) -> Result<(), i32> {
        if self.activated.get() {
            Ok(())
        } else {
            Err(status::NOT_ACTIVATED)
        }
    }

    /// Applies `f` to the capture options; -4 with libpcap's text once
    /// activated (or for handles that never take options).
    pub fn with_opts(&self, f: impl FnOnce(&mut CaptureOpts) -> i32) -> i32 {
        if self.activated.get() {
            self.set_err(ACTIVATED_TEXT);
            return status::ACTIVATED;
        }
        match self.opts.try_borrow_mut() {
            Ok(mut o) => match o.as_mut() {
                Some(o) => f(o),
                None => {
                    self.set_err(ACTIVATED_TEXT);
                    status::ACTIVATED
                }
            },
            Err(_) => {
                self.set_err("pcap_t is busy");
                status::ERROR
            }
        }
    }

    /// The error a read on a handle that cannot deliver packets gives.
    fn no_read(&self) -> ReadResult {
        match self.kind {
            Kind::Dead => {
                self.set_err("Packets aren't available from a pcap_open_dead pcap_t");
                status::ERROR
            }
            Kind::Capture if !self.activated.get() => {
                self.set_err("This handle hasn't been activated yet");
                status::NOT_ACTIVATED
            }
            _ => {
                self.set_err("live capture is not available in this build of the shim");
                status::ERROR
            }
        }
    }

    /// One read pass over the savefile, handing up to `cnt` (<= 0: all)
    /// packets that pass the filter to `f`. Returns the count, 0 at end of
    /// file, -1 on error, -2 after pcap_breakloop (libpcap's rules).
    #[inline]
    pub fn read<F: FnMut(&PcapPkthdr, &[u8])>(&self, cnt: i32, mut f: F) -> ReadResult {
        if self.kind == Kind::Capture && self.activated.get() {
            return self.read_live(cnt, &mut f);
        }
        if self.kind != Kind::Offline {
            return self.no_read();
        }
        let Ok(mut reader) = self.reader.try_borrow_mut() else {
            self.set_err("pcap_t is already being read (re-entrant call)");
            return status::ERROR;
        };
        let Some(reader) = reader.as_mut() else {
            return self.no_read();
        };
        let Ok(filter) = self.filter.try_borrow() else {
            self.set_err("pcap_t filter is being replaced");
            return status::ERROR;
        };
        // A program that is a single `ret #k` with k != 0 accepts everything
        // (savefiles use the result only as a boolean): skip the interpreter.
        let Ok(compiled) = self.compiled.try_borrow() else {
            self.set_err("pcap_t filter is being replaced");
            return status::ERROR;
        };
        let prog = match filter.as_deref() {
            None => None,
            Some([i]) if i.code == 0x06 && i.k != 0 => None,
            Some(_) => compiled.as_ref(),
        };
        let mut n = 0;
        loop {
            if self.break_loop.load(Ordering::Relaxed) {
                if n == 0 {
                    self.break_loop.store(false, Ordering::Relaxed);
                    return status::BREAK;
                }
                return n;
            }
            match reader.next_record() {
                Ok(None) => return n,
                Err(e) => {
                    self.set_err(&e);
                    return status::ERROR;
                }
                Ok(Some((h, data))) => {
                    if let Some(p) = prog {
                        if p.filter(data, h.len) == 0 {
                            continue;
                        }
                    }
                    f(&to_c(&h), data);
                    n += 1;
                    if cnt > 0 && n >= cnt {
                        return n;
                    }
                }
            }
        }
    }

    #[inline]
    fn read_live<F: FnMut(&PcapPkthdr, &[u8])>(&self, cnt: i32, f: &mut F) -> ReadResult {
        let Ok(live) = self.live.try_borrow() else {
            self.set_err("pcap_t is busy");
            return status::ERROR;
        };
        let Some(live) = live.as_ref() else {
            return self.no_read();
        };
        let Ok(filter) = self.filter.try_borrow() else {
            self.set_err("pcap_t filter is being replaced");
            return status::ERROR;
        };
        let Ok(compiled) = self.compiled.try_borrow() else {
            self.set_err("pcap_t filter is being replaced");
            return status::ERROR;
        };
        let prog = match filter.as_deref() {
            _ if live.kernel_filter.get() => None,
            None => None,
            Some([i]) if i.code == 0x06 && i.k != 0 => None,
            Some(_) => compiled.as_ref(),
        };
        let precision = self.precision.get();
        live.read(
            cnt,
            precision,
            &self.break_loop,
            &|e| self.set_err(e),
            |h, d| {
                if let Some(p) = prog {
                    if p.filter(d, h.len) == 0 {
                        return false;
                    }
                }
                f(h, d);
                true
            },
        )
    }

    /// `pcap_activate`.
    pub fn activate(&self) -> i32 {
        if self.activated.get() {
            self.set_err(ACTIVATED_TEXT);
            return status::ACTIVATED;
        }
        let Some(o) = self.opts.borrow().clone() else {
            self.set_err(ACTIVATED_TEXT);
            return status::ACTIVATED;
        };
        if o.rfmon {
            // Monitor mode needs a wireless (mac80211) device; libfring's
            // rings capture on the device as it is.
            self.set_err(status_text(status::RFMON_NOTSUP).unwrap_or(""));
            return status::RFMON_NOTSUP;
        }
        let params = live::Params {
            device: &o.device,
            snaplen: o.snaplen,
            promisc: o.promisc,
            timeout: o.timeout,
            nonblock: o.nonblock,
            buffer_size: o.buffer_size,
            immediate: o.immediate,
            cluster: if o.cluster != 0 {
                o.cluster
            } else {
                live::env_cluster()
            },
            protocol: o.protocol,
        };
        match live::activate(&params) {
            Ok((l, snaplen, warning)) => {
                // An unknown device type: activation succeeds (as in
                // libpcap 1.10.3) with the fallback's warning in the error
                // buffer.
                if let Some(w) = warning {
                    self.set_err(&w);
                }
                self.linktype.set(l.dlts[0]);
                self.snapshot.set(snaplen);
                let fd = if o.nonblock { -1 } else { l.wake_fd };
                self.wake_fd.store(fd, Ordering::Relaxed);
                *self.live.borrow_mut() = Some(l);
                self.activated.set(true);
                0
            }
            Err((code, text)) => {
                if text.is_empty() {
                    self.set_err(status_text(code).unwrap_or("Generic error"));
                } else {
                    self.set_err(&text);
                }
                code
            }
        }
    }

    /// (ps_recv, ps_drop, ps_ifdrop) of a live capture.
    pub fn live_stats(&self) -> Result<(u32, u32, u32), i32> {
        if self.kind != Kind::Capture || !self.activated.get() {
            return Err(self.stats_error());
        }
        match self.live.borrow().as_ref().map(|l| l.stats()) {
            Some(Ok(v)) => Ok(v),
            Some(Err(e)) => {
                self.set_err(&e);
                Err(status::ERROR)
            }
            None => Err(self.stats_error()),
        }
    }

    /// `pcap_inject`: bytes sent.
    pub fn inject(&self, buf: &[u8]) -> i32 {
        if self.kind != Kind::Capture || !self.activated.get() {
            return self.inject_error();
        }
        match self.live.borrow().as_ref().map(|l| l.inject(buf)) {
            Some(Ok(n)) => n as i32,
            Some(Err(e)) => {
                self.set_err(&e);
                status::ERROR
            }
            None => self.inject_error(),
        }
    }

    /// `pcap_set_cluster` (PF_RING extra): remembered before activation,
    /// applied at once on an activated capture.
    pub fn set_cluster(&self, id: u32) -> i32 {
        if !(1..=65535).contains(&id) {
            self.set_err(&format!(
                "invalid PF_RING cluster id {id} (must be 1..65535)"
            ));
            return status::ERROR;
        }
        match self.kind {
            Kind::Capture if !self.activated.get() => {
                if let Some(o) = self.opts.borrow_mut().as_mut() {
                    o.cluster = id;
                }
                0
            }
            Kind::Capture => match self.live.borrow().as_ref().map(|l| l.set_cluster(id)) {
                Some(Ok(())) => 0,
                Some(Err(e)) => {
                    self.set_err(&e);
                    status::ERROR
                }
                None => status::ERROR,
            },
            _ => {
                self.set_err("PF_RING clusters apply to live captures only");
                status::ERROR
            }
        }
    }

    /// The live capture's descriptor, if any.
    pub fn live_fd(&self) -> Option<i32> {
        self.live.borrow().as_ref().map(|l| l.fd())
    }

    /// `pcap_loop`'s outer loop over read passes.
    pub fn run_loop<F: FnMut(&PcapPkthdr, &[u8])>(&self, mut cnt: i32, mut f: F) -> i32 {
        // Live captures keep reading through timeouts (a pass returning 0);
        // for savefiles 0 means end of file.
        let live = self.kind == Kind::Capture;
        loop {
            let n = self.read(cnt, &mut f);
            if n == 0 && live {
                continue;
            }
            if n <= 0 {
                return n;
            }
            if cnt > 0 {
                cnt -= n;
                if cnt <= 0 {
                    return 0;
                }
            }
        }
    }

    /// The error of pcap_stats on handles without statistics.
    pub fn stats_error(&self) -> i32 {
        match self.kind {
            Kind::Dead => self.set_err("Statistics aren't available from a pcap_open_dead pcap_t"),
            Kind::Offline => self.set_err("Statistics aren't available from savefiles"),
            Kind::Capture => {
                if !self.activated.get() {
                    self.set_err("This handle hasn't been activated yet");
                    return status::NOT_ACTIVATED;
                }
                self.set_err("live capture is not available in this build of the shim")
            }
        }
        status::ERROR
    }

    /// `pcap_inject` / `pcap_sendpacket` errors.
    pub fn inject_error(&self) -> i32 {
        match self.kind {
            Kind::Dead => self.set_err("Packets can't be sent on a pcap_open_dead pcap_t"),
            Kind::Offline => self.set_err("Sending packets isn't supported on savefiles"),
            Kind::Capture => {
                if !self.activated.get() {
                    self.set_err("This handle hasn't been activated yet");
                    return status::NOT_ACTIVATED;
                }
                self.set_err("live capture is not available in this build of the shim")
            }
        }
        status::ERROR
    }

    /// `pcap_setdirection`.
    pub fn setdirection(&self, d: i32) -> i32 {
        match self.kind {
            Kind::Dead => {
                self.set_err("The packet direction cannot be set on a pcap_open_dead pcap_t")
            }
            Kind::Offline => self.set_err("Setting direction is not supported on savefiles"),
            Kind::Capture => {
                if !self.activated.get() {
                    self.set_err("This handle hasn't been activated yet");
                    return status::NOT_ACTIVATED;
                }
                if let Some(l) = self.live.borrow().as_ref() {
                    if (live::D_INOUT..=live::D_OUT).contains(&d) {
                        l.direction.set(d);
                        return 0;
                    }
                    self.set_err(&format!("Invalid direction {d}"));
                    return status::ERROR;
                }
                self.set_err("live capture is not available in this build of the shim")
            }
        }
        status::ERROR
    }

    /// The DLTs the handle offers.
    pub fn dlts(&self) -> Vec<i32> {
        match self.live.borrow().as_ref() {
            Some(l) => l.dlts.clone(),
            None => vec![self.linktype.get()],
        }
    }

    /// `pcap_set_datalink`: one of the handle's DLTs.
    pub fn set_datalink(&self, dlt: i32) -> i32 {
        if dlt == self.linktype.get() {
            return 0;
        }
        if self.dlts().contains(&dlt) {
            if let Some(l) = self.live.borrow().as_ref() {
                if let Err(e) = l.set_framing(dlt) {
                    self.set_err(&e);
                    return status::ERROR;
                }
            }
            self.linktype.set(dlt);
            return 0;
        }
        match crate::dlt::name(dlt) {
            Some(n) => self.set_err(&format!(
                "{n} is not one of the DLTs supported by this device"
            )),
            None => self.set_err(&format!(
                "DLT {dlt} is not one of the DLTs supported by this device"
            )),
        }
        status::ERROR
    }

    /// `pcap_getnonblock`: `Err(text)` goes to the caller's errbuf.
    pub fn getnonblock(&self) -> Result<i32, String> {
        match self.kind {
            Kind::Dead => {
                Err("A pcap_open_dead pcap_t does not have a non-blocking mode setting".into())
            }
            Kind::Offline => Ok(0),
            Kind::Capture => {
                if !self.activated.get() {
                    // 1.10.3 answers "not activated" and leaves errbuf alone.
                    return Ok(status::NOT_ACTIVATED);
                }
                if let Some(l) = self.live.borrow().as_ref() {
                    return Ok(i32::from(l.nonblock.get()));
                }
                Ok(self
                    .opts
                    .borrow()
                    .as_ref()
                    .map_or(0, |o| i32::from(o.nonblock)))
            }
        }
    }

    /// `pcap_setnonblock`.
    pub fn setnonblock(&self, on: bool) -> Result<i32, String> {
        match self.kind {
            Kind::Dead => {
                Err("A pcap_open_dead pcap_t does not have a non-blocking mode setting".into())
            }
            Kind::Offline => Err("Savefiles cannot be put into non-blocking mode".into()),
            Kind::Capture => {
                if let Some(l) = self.live.borrow().as_ref() {
                    l.nonblock.set(on);
                    // Non-blocking handles have no wake-up eventfd in
                    // libpcap: breakloop then only sets the flag.
                    crate::ffi::sys::drain(l.wake_fd);
                    self.wake_fd
                        .store(if on { -1 } else { l.wake_fd }, Ordering::Relaxed);
                }
                if let Some(o) = self.opts.borrow_mut().as_mut() {
                    o.nonblock = on;
                }
                Ok(0)
            }
        }
    }

    /// Installs a copy of a validated program (pcap_setfilter).
    pub fn set_filter(&self, prog: &[BpfInsn]) -> i32 {
        match self.kind {
            Kind::Dead => {
                // libpcap 1.10.3 has no setfilter operation on dead handles
                // (it crashes); refuse cleanly instead.
                self.set_err("A filter cannot be set on a pcap_open_dead pcap_t");
                return status::ERROR;
            }
            Kind::Capture if !self.activated.get() => {
                self.set_err("This handle hasn't been activated yet");
                return status::NOT_ACTIVATED;
            }
            _ => {}
        }
        if !pcap_filter::bpf::validate(prog) {
            self.set_err("BPF program is not valid");
            return status::ERROR;
        }
        match self.filter.try_borrow_mut() {
            Ok(mut f) => {
                // Live: the kernel filters what gets queued (and counted);
                // user space filters only if the kernel refused the program.
                if let Some(l) = self.live.borrow().as_ref() {
                    l.attach(prog);
                }
                let Ok(mut c) = self.compiled.try_borrow_mut() else {
                    self.set_err("pcap_t is busy");
                    return status::ERROR;
                };
                *c = Some(pcap_filter::bpf::Program::new(prog));
                *f = Some(prog.to_vec());
                0
            }
            Err(_) => {
                self.set_err("pcap_t is busy reading; cannot replace the filter now");
                status::ERROR
            }
        }
    }
}

/// The C header of a record.
#[inline]
pub fn to_c(h: &PktHdr) -> PcapPkthdr {
    PcapPkthdr {
        ts: Timeval {
            tv_sec: h.sec,
            tv_usec: h.frac,
        },
        caplen: h.caplen,
        len: h.len,
    }
}

/// `pcap_statustostr`.
pub fn status_text(code: i32) -> Option<&'static str> {
    Some(match code {
        1 => "Generic warning",
        2 => "That device doesn't support promiscuous mode",
        3 => "That type of time stamp is not supported by that device",
        -1 => "Generic error",
        -2 => "Loop terminated by pcap_breakloop",
        -3 => "The pcap_t has not been activated",
        -4 => "The setting can't be changed after the pcap_t is activated",
        -5 => "No such device exists",
        -6 => "That device doesn't support monitor mode",
        -7 => "That operation is supported only in monitor mode",
        -8 => "You don't have permission to perform this capture on that device",
        -9 => "That device is not up",
        -10 => "That device doesn't support setting the time stamp type",
        -11 => "You don't have permission to capture in promiscuous mode on that device",
        -12 => "That device doesn't support that time stamp precision",
        _ => return None,
    })
}

/// Time stamp types: (value, name, description).
pub const TSTAMP_TYPES: &[(i32, &str, &str)] = &[
    (0, "host", "Host"),
    (1, "host_lowprec", "Host, low precision"),
    (2, "host_hiprec", "Host, high precision"),
    (3, "adapter", "Adapter"),
    (
        4,
        "adapter_unsynced",
        "Adapter, not synced with system time",
    ),
    (
        5,
        "host_hiprec_unsynced",
        "Host, high precision, not synced with system time",
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dead_handle_behaviour() {
        let p = Pcap::dead(1, 65535, 7);
        assert_eq!(p.precision.get(), 0);
        assert_eq!(p.read(1, |_, _| {}), -1);
        assert_eq!(
            p.err(),
            "Packets aren't available from a pcap_open_dead pcap_t"
        );
        assert_eq!(p.set_datalink(1), 0);
        assert_eq!(p.set_datalink(105), -1);
        assert_eq!(
            p.err(),
            "IEEE802_11 is not one of the DLTs supported by this device"
        );
        assert_eq!(p.with_opts(|_| 0), -4);
        assert_eq!(p.err(), ACTIVATED_TEXT);
    }

    #[test]
    fn errbuf_truncates() {
        let p = Pcap::dead(1, 1, 0);
        p.set_err(&"x".repeat(400));
        assert_eq!(p.err().len(), 255);
    }
}
