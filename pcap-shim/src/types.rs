//! C layouts of the public libpcap structures and the API's constants.

use std::ffi::{c_char, c_int, c_long, c_uint, c_ushort};

pub use pcap_filter::bpf::Insn as BpfInsn;

/// `PCAP_ERRBUF_SIZE`.
pub const ERRBUF_SIZE: usize = 256;

/// `PCAP_ERROR` and friends (pcap/pcap.h).
pub mod status {
    use std::ffi::c_int;
    pub const ERROR: c_int = -1;
    pub const BREAK: c_int = -2;
    pub const NOT_ACTIVATED: c_int = -3;
    pub const ACTIVATED: c_int = -4;
    pub const NO_SUCH_DEVICE: c_int = -5;
    pub const RFMON_NOTSUP: c_int = -6;
    pub const NOT_RFMON: c_int = -7;
    pub const PERM_DENIED: c_int = -8;
    pub const IFACE_NOT_UP: c_int = -9;
    pub const CANTSET_TSTAMP_TYPE: c_int = -10;
    pub const PROMISC_PERM_DENIED: c_int = -11;
    pub const TSTAMP_PRECISION_NOTSUP: c_int = -12;
    pub const WARNING: c_int = 1;
    pub const WARNING_PROMISC_NOTSUP: c_int = 2;
    pub const WARNING_TSTAMP_TYPE_NOTSUP: c_int = 3;
}

/// `struct timeval` on LP64 Linux.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Timeval {
    pub tv_sec: c_long,
    pub tv_usec: c_long,
}

/// `struct pcap_pkthdr`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PcapPkthdr {
    pub ts: Timeval,
    pub caplen: u32,
    pub len: u32,
}
const _: () = assert!(std::mem::size_of::<PcapPkthdr>() == 24);

/// `struct pcap_stat`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct PcapStat {
    pub ps_recv: c_uint,
    pub ps_drop: c_uint,
    pub ps_ifdrop: c_uint,
}

/// `struct bpf_program`.
#[repr(C)]
#[derive(Debug)]
pub struct BpfProgram {
    pub bf_len: c_uint,
    pub bf_insns: *mut BpfInsn,
}
const _: () = assert!(std::mem::size_of::<BpfProgram>() == 16);
const _: () = assert!(std::mem::size_of::<BpfInsn>() == 8);

/// `struct pcap_etherent` (pcap/namedb.h).
#[repr(C)]
pub struct PcapEtherent {
    pub addr: [u8; 6],
    pub name: [c_char; 122],
}
const _: () = assert!(std::mem::size_of::<PcapEtherent>() == 128);

/// One entry of `eproto_db`.
#[repr(C)]
pub struct EprotoEntry {
    pub s: *const c_char,
    pub p: c_ushort,
}

/// `PROTO_UNDEF` of pcap/namedb.h.
pub const PROTO_UNDEF: c_int = -1;
