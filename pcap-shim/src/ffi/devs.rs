//! pcap_findalldevs / pcap_freealldevs / pcap_lookupdev: the device list of
//! libpcap 1.10.3 on Linux (getifaddrs, flags from ifa_flags, sysfs and
//! ETHTOOL_GLINK, the "any" and pseudo devices), sorted the same way.

use std::ffi::{c_char, c_int, c_uint, c_void, CStr, CString};
use std::sync::Mutex;

use super::{ffi_fn, put_err, strerror};

/// `struct pcap_addr`.
#[repr(C)]
pub struct PcapAddr {
    pub next: *mut PcapAddr,
    pub addr: *mut libc::sockaddr,
    pub netmask: *mut libc::sockaddr,
    pub broadaddr: *mut libc::sockaddr,
    pub dstaddr: *mut libc::sockaddr,
}

/// `struct pcap_if`.
#[repr(C)]
pub struct PcapIf {
    pub next: *mut PcapIf,
    pub name: *mut c_char,
    pub description: *mut c_char,
    pub addresses: *mut PcapAddr,
    pub flags: c_uint,
}

const IF_LOOPBACK: u32 = 0x1;
const IF_UP: u32 = 0x2;
const IF_RUNNING: u32 = 0x4;
const IF_WIRELESS: u32 = 0x8;
const IF_STATUS_MASK: u32 = 0x30;
const IF_CONNECTED: u32 = 0x10;
const IF_DISCONNECTED: u32 = 0x20;
const IF_STATUS_NA: u32 = 0x30;

/// A sockaddr copied with libpcap's length for its family.
type Sa = Vec<u8>;

struct Addr {
    addr: Sa,
    netmask: Option<Sa>,
    broadaddr: Option<Sa>,
    dstaddr: Option<Sa>,
}

struct Dev {
    name: CString,
    description: Option<&'static CStr>,
    flags: u32,
    addrs: Vec<Addr>,
}

/// libpcap's ordering key: running, up, connected, non-loopback first,
/// "any" after the other non-loopback devices; ties keep insertion order.
fn merit(d: &Dev) -> u32 {
    let mut n = 0;
    if d.name.as_bytes() == b"any" {
        n |= 0x0800_0000;
    }
    if d.flags & IF_RUNNING == 0 {
        n |= 0x8000_0000;
    }
    if d.flags & IF_UP == 0 {
        n |= 0x4000_0000;
    }
    if d.flags & IF_WIRELESS == 0 && d.flags & IF_STATUS_MASK == IF_DISCONNECTED {
        n |= 0x2000_0000;
    }
    if d.flags & IF_LOOPBACK != 0 {
        n |= 0x1000_0000;
    }
    n
}

/// Inserts after every device whose merit is not greater.
fn add_dev(list: &mut Vec<Dev>, d: Dev) -> usize {
    let m = merit(&d);
    let at = list.iter().position(|e| merit(e) > m).unwrap_or(list.len());
    list.insert(at, d);
    at
}

/// Length libpcap copies for a sockaddr of this family.
fn sa_len(family: c_int) -> usize {
    match family {
        libc::AF_INET => std::mem::size_of::<libc::sockaddr_in>(),
        libc::AF_INET6 => std::mem::size_of::<libc::sockaddr_in6>(),
        libc::AF_PACKET => std::mem::size_of::<libc::sockaddr_ll>(),
        _ => std::mem::size_of::<libc::sockaddr>(),
    }
}

fn copy_sa(sa: *const libc::sockaddr, len: usize) -> Option<Sa> {
    if sa.is_null() {
        return None;
    }
    // SAFETY: getifaddrs hands out sockaddrs at least as long as their
    // family's structure (len comes from sa_len of that family).
    Some(unsafe { std::slice::from_raw_parts(sa.cast::<u8>(), len) }.to_vec())
}

/// Wireless, connection-status flags for an interface (get_if_flags).
fn if_flags(name: &CStr, flags: &mut u32) -> Result<(), String> {
    if *flags & IF_LOOPBACK != 0 {
        *flags |= IF_STATUS_NA;
        return Ok(());
    }
    let n = name.to_string_lossy();
    let sys = std::path::Path::new("/sys/class/net").join(&*n);
    if sys.join("phy80211").exists() || sys.join("wireless").exists() {
        *flags |= IF_WIRELESS;
    } else if let Ok(t) = std::fs::read_to_string(sys.join("type")) {
        match t.trim().parse::<u32>() {
            // ARPHRD_LOOPBACK
            Ok(772) => {
                *flags |= IF_STATUS_NA;
                return Ok(());
            }
            // IRDA, IEEE80211, _PRISM, _RADIOTAP, IEEE802154, _MONITOR, 6LOWPAN
            Ok(783 | 801 | 802 | 803 | 804 | 805 | 825) => *flags |= IF_WIRELESS,
            _ => {}
        }
    }
    // SAFETY: plain socket creation.
    let sock = unsafe { libc::socket(libc::AF_INET, libc::SOCK_DGRAM, 0) };
    if sock < 0 {
        return Err(format!(
            "Can't create socket to get ethtool information for {n}: {}",
            strerror(super::errno())
        ));
    }
    #[repr(C)]
    struct EthtoolValue {
        cmd: u32,
        data: u32,
    }
    const ETHTOOL_GLINK: u32 = 0x0000_000a;
    const SIOCETHTOOL: libc::c_ulong = 0x8946;
    let mut info = EthtoolValue {
        cmd: ETHTOOL_GLINK,
        data: 0,
    };
    // SAFETY: an all-zero ifreq is valid.
    let mut ifr: libc::ifreq = unsafe { std::mem::zeroed() };
    for (d, s) in ifr.ifr_name.iter_mut().zip(name.to_bytes().iter().take(15)) {
        *d = *s as c_char;
    }
    ifr.ifr_ifru.ifru_data = (&mut info as *mut EthtoolValue).cast();
    // SAFETY: sock is a socket, ifr a valid ifreq whose data points to a
    // struct ethtool_value that outlives the call.
    let rc = unsafe { libc::ioctl(sock, SIOCETHTOOL, &mut ifr) };
    let e = super::errno();
    // SAFETY: sock is our socket.
    unsafe { libc::close(sock) };
    if rc == -1 {
        return match e {
            libc::EOPNOTSUPP | libc::EINVAL => {
                *flags |= IF_STATUS_NA;
                Ok(())
            }
            libc::ENODEV => Ok(()),
            _ => Err(format!(
                "{n}: SIOCETHTOOL(ETHTOOL_GLINK) ioctl failed: {}",
                strerror(e)
            )),
        };
    }
    *flags |= if info.data != 0 {
        IF_CONNECTED
    } else {
        IF_DISCONNECTED
    };
    Ok(())
}

/// Whether a socket of this kind can be created (module support present).
fn socket_supported(domain: c_int, ty: c_int, proto: c_int) -> Result<bool, c_int> {
    // SAFETY: plain socket creation.
    let s = unsafe { libc::socket(domain, ty, proto) };
    if s < 0 {
        let e = super::errno();
        return if e == libc::EAFNOSUPPORT || e == libc::EPROTONOSUPPORT {
            Ok(false)
        } else {
            Err(e)
        };
    }
    // SAFETY: s is our socket.
    unsafe { libc::close(s) };
    Ok(true)
}

fn pseudo(name: &str, description: &'static CStr, flags: u32) -> Dev {
    Dev {
        name: CString::new(name).unwrap_or_default(),
        description: Some(description),
        flags,
        addrs: Vec::new(),
    }
}

/// The whole device list, in libpcap's order.
fn find_all() -> Result<Vec<Dev>, String> {
    let mut list: Vec<Dev> = Vec::new();
    let mut ifap: *mut libc::ifaddrs = std::ptr::null_mut();
    // SAFETY: ifap is a valid out-pointer.
    if unsafe { libc::getifaddrs(&mut ifap) } != 0 {
        return Err(format!("getifaddrs: {}", strerror(super::errno())));
    }
    let mut result = Ok(());
    let mut ifa = ifap;
    while !ifa.is_null() {
        // SAFETY: ifa walks the list getifaddrs returned, not freed yet.
        let e = unsafe { &*ifa };
        ifa = e.ifa_next;
        if e.ifa_name.is_null() {
            continue;
        }
        // SAFETY: ifa_name is a NUL-terminated interface name.
        let name = unsafe { CStr::from_ptr(e.ifa_name) };
        let fl = e.ifa_flags;
        let addr = if e.ifa_addr.is_null() {
            None
        } else {
            // SAFETY: ifa_addr is a valid sockaddr.
            let fam = c_int::from(unsafe { (*e.ifa_addr).sa_family });
            let len = sa_len(fam);
            Some(Addr {
                addr: copy_sa(e.ifa_addr, len).unwrap_or_default(),
                netmask: copy_sa(e.ifa_netmask, len),
                broadaddr: if fl & libc::IFF_BROADCAST as c_uint != 0 && !e.ifa_ifu.is_null() {
                    // SAFETY: ifa_ifu is a valid sockaddr when non-NULL.
                    let f = c_int::from(unsafe { (*e.ifa_ifu).sa_family });
                    copy_sa(e.ifa_ifu, sa_len(f))
                } else {
                    None
                },
                dstaddr: if fl & libc::IFF_POINTOPOINT as c_uint != 0 && !e.ifa_ifu.is_null() {
                    // SAFETY: as above.
                    let f = c_int::from(unsafe { (*e.ifa_ifu).sa_family });
                    copy_sa(e.ifa_ifu, sa_len(f))
                } else {
                    None
                },
            })
        };
        let idx = match list.iter().position(|d| d.name.as_c_str() == name) {
            Some(i) => i,
            None => {
                let mut flags = 0;
                if fl & libc::IFF_LOOPBACK as c_uint != 0 {
                    flags |= IF_LOOPBACK;
                }
                if fl & libc::IFF_UP as c_uint != 0 {
                    flags |= IF_UP;
                }
                if fl & libc::IFF_RUNNING as c_uint != 0 {
                    flags |= IF_RUNNING;
                }
                if let Err(m) = if_flags(name, &mut flags) {
                    result = Err(m);
                    break;
                }
                add_dev(
                    &mut list,
                    Dev {
                        name: name.to_owned(),
                        description: None,
                        flags,
                        addrs: Vec::new(),
                    },
                )
            }
        };
        if let Some(a) = addr {
            list[idx].addrs.push(a);
        }
    }
    // SAFETY: ifap came from getifaddrs and is not used afterwards.
    unsafe { libc::freeifaddrs(ifap) };
    result?;
    add_dev(
        &mut list,
        pseudo(
            "any",
            c"Pseudo-device that captures on all interfaces",
            IF_UP | IF_RUNNING | IF_STATUS_NA,
        ),
    );
    add_dev(
        &mut list,
        pseudo(
            "bluetooth-monitor",
            c"Bluetooth Linux Monitor",
            IF_WIRELESS | IF_STATUS_NA,
        ),
    );
    const NETLINK_NETFILTER: c_int = 12;
    match socket_supported(libc::AF_NETLINK, libc::SOCK_RAW, NETLINK_NETFILTER) {
        Ok(true) => {
            add_dev(
                &mut list,
                pseudo(
                    "nflog",
                    c"Linux netfilter log (NFLOG) interface",
                    IF_STATUS_NA,
                ),
            );
            add_dev(
                &mut list,
                pseudo(
                    "nfqueue",
                    c"Linux netfilter queue (NFQUEUE) interface",
                    IF_STATUS_NA,
                ),
            );
        }
        Ok(false) => {}
        Err(e) => return Err(format!("Can't open netlink socket: {}", strerror(e))),
    }
    add_dev(
        &mut list,
        pseudo("dbus-system", c"D-Bus system bus", IF_STATUS_NA),
    );
    add_dev(
        &mut list,
        pseudo("dbus-session", c"D-Bus session bus", IF_STATUS_NA),
    );
    Ok(list)
}

/// malloc'd copy of bytes (NULL for None).
fn malloc_copy(b: Option<&[u8]>) -> *mut c_void {
    let Some(b) = b else {
        return std::ptr::null_mut();
    };
    // SAFETY: plain allocation of b.len() (>= 1) bytes.
    let p = unsafe { libc::malloc(b.len().max(1)) };
    if !p.is_null() {
        // SAFETY: p has room for b.len() bytes.
        unsafe { std::ptr::copy_nonoverlapping(b.as_ptr(), p.cast::<u8>(), b.len()) };
    }
    p
}

/// Builds the C list (all malloc'd; freed by `free_list`).
fn to_c(list: &[Dev]) -> *mut PcapIf {
    let mut head: *mut PcapIf = std::ptr::null_mut();
    for d in list.iter().rev() {
        let mut addrs: *mut PcapAddr = std::ptr::null_mut();
        for a in d.addrs.iter().rev() {
            let pa = malloc_copy(Some(&[0u8; std::mem::size_of::<PcapAddr>()])).cast::<PcapAddr>();
            if pa.is_null() {
                continue;
            }
            // SAFETY: pa is a fresh allocation of one PcapAddr.
            unsafe {
                pa.write(PcapAddr {
                    next: addrs,
                    addr: malloc_copy(Some(&a.addr)).cast(),
                    netmask: malloc_copy(a.netmask.as_deref()).cast(),
                    broadaddr: malloc_copy(a.broadaddr.as_deref()).cast(),
                    dstaddr: malloc_copy(a.dstaddr.as_deref()).cast(),
                })
            };
            addrs = pa;
        }
        let pi = malloc_copy(Some(&[0u8; std::mem::size_of::<PcapIf>()])).cast::<PcapIf>();
        if pi.is_null() {
            continue;
        }
        // SAFETY: pi is a fresh allocation of one PcapIf.
        unsafe {
            pi.write(PcapIf {
                next: head,
                name: malloc_copy(Some(d.name.as_bytes_with_nul())).cast(),
                description: malloc_copy(d.description.map(|s| s.to_bytes_with_nul())).cast(),
                addresses: addrs,
                flags: d.flags,
            })
        };
        head = pi;
    }
    head
}

/// Frees a list built by `to_c`.
fn free_list(mut p: *mut PcapIf) {
    while !p.is_null() {
        // SAFETY: p is a node of a list built by `to_c` (all malloc'd),
        // handed back once by the caller.
        unsafe {
            let next = (*p).next;
            let mut a = (*p).addresses;
            while !a.is_null() {
                let an = (*a).next;
                libc::free((*a).addr.cast());
                libc::free((*a).netmask.cast());
                libc::free((*a).broadaddr.cast());
                libc::free((*a).dstaddr.cast());
                libc::free(a.cast());
                a = an;
            }
            libc::free((*p).name.cast());
            libc::free((*p).description.cast());
            libc::free(p.cast());
            p = next;
        }
    }
}

ffi_fn! {
    /// Lists capture devices (free with pcap_freealldevs).
    fn pcap_findalldevs(alldevsp: *mut *mut PcapIf, errbuf: *mut c_char) -> c_int;
    fail = -1;
    {
        if alldevsp.is_null() {
            put_err(errbuf, "A null pointer was supplied for the device list");
            return -1;
        }
        match find_all() {
            Ok(list) => {
                // SAFETY: alldevsp checked non-NULL.
                unsafe { *alldevsp = to_c(&list) };
                0
            }
            Err(e) => {
                // SAFETY: alldevsp checked non-NULL.
                unsafe { *alldevsp = std::ptr::null_mut() };
                put_err(errbuf, &e);
                -1
            }
        }
    }
}

ffi_fn! {
    /// Frees a pcap_findalldevs list.
    fn pcap_freealldevs(alldevs: *mut PcapIf) -> ();
    fail = ();
    { free_list(alldevs) }
}

ffi_fn! {
    /// First non-loopback capture device (deprecated API; static buffer).
    fn pcap_lookupdev(errbuf: *mut c_char) -> *mut c_char;
    fail = std::ptr::null_mut();
    {
        static DEVICE: Mutex<[c_char; 17]> = Mutex::new([0; 17]);
        if super::exports::new_api() {
            put_err(errbuf, "pcap_lookupdev() is deprecated and is not supported in programs calling pcap_init()");
            return std::ptr::null_mut();
        }
        let list = match find_all() {
            Ok(l) => l,
            Err(e) => {
                put_err(errbuf, &e);
                return std::ptr::null_mut();
            }
        };
        match list.first() {
            Some(d) if d.flags & IF_LOOPBACK == 0 => {
                let mut buf = DEVICE.lock().unwrap_or_else(|e| e.into_inner());
                *buf = [0; 17];
                for (o, b) in buf.iter_mut().zip(d.name.as_bytes().iter().take(16)) {
                    *o = *b as c_char;
                }
                // The static buffer outlives the lock, as libpcap's does.
                buf.as_mut_ptr()
            }
            _ => {
                put_err(errbuf, "no suitable device found");
                std::ptr::null_mut()
            }
        }
    }
}
