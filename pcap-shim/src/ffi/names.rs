//! Name lookups (pcap/namedb.h), device lookups and /etc/ethers parsing.

use std::cell::RefCell;
use std::ffi::{c_char, c_int, CStr};

use libc::FILE;

use super::{cstr, ffi_fn, put_err, strerror};
use crate::types::{PcapEtherent, PROTO_UNDEF};

#[repr(C)]
struct HostEnt {
    h_name: *mut c_char,
    h_aliases: *mut *mut c_char,
    h_addrtype: c_int,
    h_length: c_int,
    h_addr_list: *mut *mut u32,
}

#[repr(C)]
struct NetEnt {
    n_name: *mut c_char,
    n_aliases: *mut *mut c_char,
    n_addrtype: c_int,
    n_net: u32,
}

extern "C" {
    fn gethostbyname(name: *const c_char) -> *mut HostEnt;
    fn getnetbyname(name: *const c_char) -> *mut NetEnt;
    fn ether_hostton(hostname: *const c_char, addr: *mut [u8; 6]) -> c_int;
}

ffi_fn! {
    /// IPv4 addresses of a host, in host byte order, NULL-terminated
    /// (resolver-owned storage, like libpcap).
    fn pcap_nametoaddr(name: *const c_char) -> *mut *mut u32;
    fail = std::ptr::null_mut();
    {
        if name.is_null() {
            return std::ptr::null_mut();
        }
        // SAFETY: name is a NUL-terminated string.
        let hp = unsafe { gethostbyname(name) };
        if hp.is_null() {
            return std::ptr::null_mut();
        }
        // SAFETY: gethostbyname returned a valid hostent whose h_addr_list is
        // a NULL-terminated array of pointers to 4-byte IPv4 addresses.
        unsafe {
            let list = (*hp).h_addr_list;
            let mut p = list;
            while !(*p).is_null() {
                let a = (*p).read_unaligned();
                (*p).write_unaligned(u32::from_be(a));
                p = p.add(1);
            }
            list
        }
    }
}

ffi_fn! {
    /// getaddrinfo() results for a host name (freed with freeaddrinfo).
    fn pcap_nametoaddrinfo(name: *const c_char) -> *mut libc::addrinfo;
    fail = std::ptr::null_mut();
    {
        if name.is_null() {
            return std::ptr::null_mut();
        }
        // SAFETY: an all-zero addrinfo is a valid "no hints" value.
        let mut hints: libc::addrinfo = unsafe { std::mem::zeroed() };
        hints.ai_family = libc::PF_UNSPEC;
        hints.ai_socktype = libc::SOCK_STREAM;
        hints.ai_protocol = libc::IPPROTO_TCP;
        let mut res: *mut libc::addrinfo = std::ptr::null_mut();
        // SAFETY: name is NUL-terminated; hints and res are valid.
        let rc = unsafe { libc::getaddrinfo(name, std::ptr::null(), &hints, &mut res) };
        if rc != 0 { std::ptr::null_mut() } else { res }
    }
}

ffi_fn! {
    /// Network number of a name in /etc/networks (0 if unknown).
    fn pcap_nametonetaddr(name: *const c_char) -> u32;
    fail = 0;
    {
        if name.is_null() {
            return 0;
        }
        // SAFETY: name is NUL-terminated.
        let np = unsafe { getnetbyname(name) };
        if np.is_null() {
            0
        } else {
            // SAFETY: getnetbyname returned a valid netent.
            unsafe { (*np).n_net }
        }
    }
}

/// Port of a service for one protocol, in host order.
fn service_port(name: &CStr, proto: &CStr) -> Option<c_int> {
    // SAFETY: both are NUL-terminated strings.
    let sp = unsafe { libc::getservbyname(name.as_ptr(), proto.as_ptr()) };
    if sp.is_null() {
        None
    } else {
        // SAFETY: getservbyname returned a valid servent.
        Some(c_int::from(u16::from_be(unsafe { (*sp).s_port } as u16)))
    }
}

fn nametoport(name: &CStr) -> Option<(c_int, c_int)> {
    let tcp = service_port(name, c"tcp");
    let udp = service_port(name, c"udp");
    match (tcp, udp) {
        (Some(t), Some(u)) => Some((
            t,
            if t == u {
                PROTO_UNDEF
            } else {
                libc::IPPROTO_TCP
            },
        )),
        (Some(t), None) => Some((t, libc::IPPROTO_TCP)),
        (None, Some(u)) => Some((u, libc::IPPROTO_UDP)),
        (None, None) => None,
    }
}

ffi_fn! {
    /// Port and protocol of a service name; 1 if found.
    fn pcap_nametoport(name: *const c_char, port: *mut c_int, proto: *mut c_int) -> c_int;
    fail = 0;
    {
        let Some(n) = cstr(name) else { return 0 };
        if port.is_null() || proto.is_null() {
            return 0;
        }
        match nametoport(n) {
            Some((p, pr)) => {
                // SAFETY: both out-pointers checked non-NULL.
                unsafe {
                    *port = p;
                    *proto = pr;
                }
                1
            }
            None => 0,
        }
    }
}

/// sscanf("%d-%d") for port ranges.
fn parse_range(s: &[u8]) -> Option<(c_int, c_int)> {
    fn int(s: &[u8]) -> Option<(c_int, &[u8])> {
        let t = s.trim_ascii_start();
        let (neg, t) = match t.first() {
            Some(b'-') => (true, &t[1..]),
            Some(b'+') => (false, &t[1..]),
            _ => (false, t),
        };
        let n = t.iter().take_while(|c| c.is_ascii_digit()).count();
        if n == 0 {
            return None;
        }
        let v: i64 = std::str::from_utf8(&t[..n]).ok()?.parse().ok()?;
        Some(((if neg { -v } else { v }) as c_int, &t[n..]))
    }
    let (a, rest) = int(s)?;
    let rest = rest.strip_prefix(b"-")?;
    let (b, _) = int(rest)?;
    Some((a, b))
}

ffi_fn! {
    /// "a-b" port range, numbers or service names; 1 if parsed.
    fn pcap_nametoportrange(name: *const c_char, port1: *mut c_int, port2: *mut c_int, proto: *mut c_int) -> c_int;
    fail = 0;
    {
        let Some(n) = cstr(name) else { return 0 };
        if port1.is_null() || port2.is_null() || proto.is_null() {
            return 0;
        }
        let (a, b, pr) = if let Some((a, b)) = parse_range(n.to_bytes()) {
            (a, b, PROTO_UNDEF)
        } else {
            let bytes = n.to_bytes();
            let Some(dash) = bytes.iter().position(|&c| c == b'-') else { return 0 };
            let Ok(first) = std::ffi::CString::new(&bytes[..dash]) else { return 0 };
            let Ok(second) = std::ffi::CString::new(&bytes[dash + 1..]) else { return 0 };
            let Some((a, pa)) = nametoport(&first) else { return 0 };
            let Some((b, pb)) = nametoport(&second) else { return 0 };
            (a, b, if pa != pb { PROTO_UNDEF } else { pb })
        };
        // SAFETY: all out-pointers checked non-NULL.
        unsafe {
            *port1 = a;
            *port2 = b;
            *proto = pr;
        }
        1
    }
}

ffi_fn! {
    /// IP protocol number of a name (/etc/protocols), PROTO_UNDEF if unknown.
    fn pcap_nametoproto(s: *const c_char) -> c_int;
    fail = PROTO_UNDEF;
    {
        if s.is_null() {
            return PROTO_UNDEF;
        }
        // SAFETY: s is NUL-terminated.
        let p = unsafe { libc::getprotobyname(s) };
        if p.is_null() {
            PROTO_UNDEF
        } else {
            // SAFETY: getprotobyname returned a valid protoent.
            unsafe { (*p).p_proto }
        }
    }
}

ffi_fn! {
    /// Ethertype of a name in eproto_db, PROTO_UNDEF if unknown.
    fn pcap_nametoeproto(s: *const c_char) -> c_int;
    fail = PROTO_UNDEF;
    {
        let Some(n) = cstr(s) else { return PROTO_UNDEF };
        crate::names::ethertype(n.to_bytes()).map_or(PROTO_UNDEF, c_int::from)
    }
}

ffi_fn! {
    /// LLC SAP of a name, PROTO_UNDEF if unknown.
    fn pcap_nametollc(s: *const c_char) -> c_int;
    fail = PROTO_UNDEF;
    {
        let Some(n) = cstr(s) else { return PROTO_UNDEF };
        crate::names::llc_sap(n.to_bytes()).map_or(PROTO_UNDEF, c_int::from)
    }
}

/// A malloc'd copy of a MAC address (the caller frees it).
fn malloc_mac(a: [u8; 6]) -> *mut u8 {
    // SAFETY: plain 6-byte allocation.
    let e = unsafe { libc::malloc(6) }.cast::<u8>();
    if !e.is_null() {
        // SAFETY: e has room for 6 bytes.
        unsafe { std::ptr::copy_nonoverlapping(a.as_ptr(), e, 6) };
    }
    e
}

ffi_fn! {
    /// Parses "xx:xx:xx:xx:xx:xx" (also '.' or '-') into a malloc'd address.
    fn pcap_ether_aton(s: *const c_char) -> *mut u8;
    fail = std::ptr::null_mut();
    {
        let Some(n) = cstr(s) else { return std::ptr::null_mut() };
        malloc_mac(crate::names::ether_aton(n.to_bytes()))
    }
}

ffi_fn! {
    /// Address of a host in /etc/ethers, malloc'd, NULL if unknown.
    fn pcap_ether_hostton(name: *const c_char) -> *mut u8;
    fail = std::ptr::null_mut();
    {
        if name.is_null() {
            return std::ptr::null_mut();
        }
        let mut a = [0u8; 6];
        // SAFETY: name is NUL-terminated and a is a 6-byte buffer.
        if unsafe { ether_hostton(name, &mut a) } == 0 {
            malloc_mac(a)
        } else {
            std::ptr::null_mut()
        }
    }
}

thread_local! {
    static ETHERENT: RefCell<Box<PcapEtherent>> =
        RefCell::new(Box::new(PcapEtherent { addr: [0; 6], name: [0; 122] }));
}

/// Reads bytes from a stdio stream for the /etc/ethers parser.
struct Getc(*mut FILE);

impl crate::names::ByteSource for Getc {
    fn getc(&mut self) -> Option<u8> {
        // SAFETY: self.0 is an open stream (checked by the caller).
        let c = unsafe { libc::fgetc(self.0) };
        u8::try_from(c).ok()
    }
}

ffi_fn! {
    /// Next entry of an /etc/ethers-format stream (static storage).
    fn pcap_next_etherent(fp: *mut FILE) -> *mut PcapEtherent;
    fail = std::ptr::null_mut();
    {
        if fp.is_null() {
            return std::ptr::null_mut();
        }
        let Some((addr, name)) = crate::names::next_etherent(&mut Getc(fp)) else {
            return std::ptr::null_mut();
        };
        ETHERENT.with(|e| {
            let mut e = e.borrow_mut();
            e.addr = addr;
            e.name = [0; 122];
            for (d, s) in e.name.iter_mut().zip(name.iter()) {
                *d = *s as c_char;
            }
            &mut **e as *mut PcapEtherent
        })
    }
}

// ---------------------------------------------------------------------------
// Devices

ffi_fn! {
    /// Network and mask of a device's IPv4 address (network byte order).
    fn pcap_lookupnet(device: *const c_char, netp: *mut u32, maskp: *mut u32, errbuf: *mut c_char) -> c_int;
    fail = -1;
    {
        if netp.is_null() || maskp.is_null() {
            return -1;
        }
        let dev = cstr(device);
        let no_addr = match dev {
            None => true,
            Some(d) => {
                let b = d.to_bytes();
                b == b"any"
                    || b.windows(9).any(|w| w == b"bluetooth")
                    || b.windows(6).any(|w| w == b"usbmon")
                    || b.starts_with(b"nflog")
                    || b.starts_with(b"nfqueue")
            }
        };
        if no_addr {
            // SAFETY: out-pointers checked non-NULL.
            unsafe {
                *netp = 0;
                *maskp = 0;
            }
            return 0;
        }
        let dev = dev.unwrap_or(c"");
        let name = dev.to_string_lossy();
        match crate::ffi::names::if_addr(dev) {
            Ok((net, mut mask)) => {
                if mask == 0 {
                    // Classful default, applied (as libpcap does) to the
                    // network-order value.
                    mask = if net & 0x8000_0000 == 0 {
                        0xff00_0000
                    } else if net & 0xc000_0000 == 0x8000_0000 {
                        0xffff_0000
                    } else if net & 0xe000_0000 == 0xc000_0000 {
                        0xffff_ff00
                    } else {
                        put_err(errbuf, &format!("inet class for 0x{net:x} unknown"));
                        return -1;
                    };
                }
                // SAFETY: out-pointers checked non-NULL.
                unsafe {
                    *netp = net & mask;
                    *maskp = mask;
                }
                0
            }
            Err((what, e)) => {
                if what == "SIOCGIFADDR" && e == libc::EADDRNOTAVAIL {
                    put_err(errbuf, &format!("{name}: no IPv4 address assigned"));
                } else if what == "socket" {
                    put_err(errbuf, &format!("socket: {}", strerror(e)));
                } else {
                    put_err(errbuf, &format!("{what}: {name}: {}", strerror(e)));
                }
                -1
            }
        }
    }
}

/// (address, netmask) of a device, both as stored (network order).
fn if_addr(dev: &CStr) -> Result<(u32, u32), (&'static str, c_int)> {
    // SAFETY: plain socket creation.
    let fd = unsafe { libc::socket(libc::AF_INET, libc::SOCK_DGRAM, 0) };
    if fd < 0 {
        return Err(("socket", super::errno()));
    }
    let query = |req: libc::c_ulong| -> Result<u32, c_int> {
        // SAFETY: an all-zero ifreq is valid.
        let mut ifr: libc::ifreq = unsafe { std::mem::zeroed() };
        for (d, s) in ifr.ifr_name.iter_mut().zip(dev.to_bytes().iter().take(15)) {
            *d = *s as c_char;
        }
        ifr.ifr_ifru.ifru_addr.sa_family = libc::AF_INET as libc::sa_family_t;
        // SAFETY: fd is a socket and ifr a valid ifreq for these requests.
        if unsafe { libc::ioctl(fd, req, &mut ifr) } < 0 {
            return Err(super::errno());
        }
        // SAFETY: the kernel filled an AF_INET sockaddr_in into the union.
        let sin: libc::sockaddr_in = unsafe { std::mem::transmute_copy(&ifr.ifr_ifru.ifru_addr) };
        Ok(sin.sin_addr.s_addr)
    };
    let r = query(libc::SIOCGIFADDR)
        .map_err(|e| ("SIOCGIFADDR", e))
        .and_then(|net| {
            query(libc::SIOCGIFNETMASK)
                .map(|m| (net, m))
                .map_err(|e| ("SIOCGIFNETMASK", e))
        });
    // SAFETY: fd is our socket.
    unsafe { libc::close(fd) };
    r.map(|(n, m)| {
        (
            u32::from_ne_bytes(n.to_ne_bytes()),
            u32::from_ne_bytes(m.to_ne_bytes()),
        )
    })
}
