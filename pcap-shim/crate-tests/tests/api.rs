//! The `pcap` crate (2.5.0, safe bindings to libpcap) against the library
//! the dynamic linker gives it: Debian's libpcap.so.0.8, or our shim when
//! run with `LD_LIBRARY_PATH=build/lib` (scripts/crate-tests.sh runs the
//! same binary both ways). Every value asserted here is what Debian's
//! libpcap 1.10.3 gives; `PCAP_SHIM_EXPECTED=1|0` says which library must
//! be the one loaded.

use std::ffi::{c_char, CStr};
use std::path::PathBuf;

use pcap::{Capture, Direction, Linktype, Packet, PacketHeader};

extern "C" {
    fn pcap_lib_version() -> *const c_char;
}

fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data/tcpdump-4.99.3")
        .join(name)
}

#[test]
fn the_expected_library_is_loaded() {
    // SAFETY: pcap_lib_version returns a static NUL-terminated string.
    let v = unsafe { CStr::from_ptr(pcap_lib_version()) }
        .to_string_lossy()
        .into_owned();
    assert!(v.starts_with("libpcap version 1.10.3 ("), "{v}");
    match std::env::var("PCAP_SHIM_EXPECTED").as_deref() {
        Ok("1") => assert!(v.contains("pfring-rs"), "{v}"),
        Ok("0") => assert_eq!(v, "libpcap version 1.10.3 (with TPACKET_V3)"),
        _ => {}
    }
}

#[test]
fn offline_read() {
    let mut cap = Capture::from_file(data("print-flags.pcap")).unwrap();
    assert_eq!(cap.get_datalink(), Linktype::ETHERNET);
    assert_eq!(cap.version(), (2, 4));
    let mut n = 0;
    let mut caplen = 0;
    let mut len = 0;
    let mut first = None;
    while let Ok(p) = cap.next_packet() {
        n += 1;
        caplen += p.header.caplen;
        len += p.header.len;
        if first.is_none() {
            first = Some((
                p.header.ts.tv_sec,
                p.header.ts.tv_usec,
                p.data[12],
                p.data[13],
            ));
        }
    }
    assert_eq!((n, caplen, len), (10, 6437, 6437));
    assert_eq!(first, Some((1_120_622_255, 938_066, 0x08, 0x00)));
}

#[test]
fn offline_filter() {
    let mut cap = Capture::from_file(data("print-flags.pcap")).unwrap();
    cap.filter("tcp[tcpflags] & tcp-push != 0", true).unwrap();
    let mut lens = vec![];
    while let Ok(p) = cap.next_packet() {
        lens.push(p.header.len);
    }
    assert_eq!(lens, vec![268, 5625]);
    let err = cap.filter("tcp and", true).unwrap_err().to_string();
    assert!(err.contains("syntax error"), "{err}");
}

#[test]
fn dead_compile() {
    let cap = Capture::dead(Linktype::ETHERNET).unwrap();
    let prog = cap.compile("udp port 53", true).unwrap();
    let text: Vec<String> = prog
        .get_instructions()
        .iter()
        .map(|i| i.to_string())
        .collect();
    // tcpdump -y EN10MB -ddd "udp port 53", with the dead handle's snaplen.
    let want = "40 0 0 12|21 0 6 34525|48 0 0 20|21 0 15 17|40 0 0 54|21 12 0 53|40 0 0 56|\
                21 10 11 53|21 0 10 2048|48 0 0 23|21 0 8 17|40 0 0 20|69 6 0 8191|177 0 0 14|\
                72 0 0 14|21 2 0 53|72 0 0 16|21 0 1 53|6 0 0 65535|6 0 0 0";
    assert_eq!(text.join("|"), want);
    // bpf_filter through the compiled program.
    let mut dns = vec![0u8; 42];
    dns[12..14].copy_from_slice(&[0x08, 0x00]);
    dns[14] = 0x45;
    dns[23] = 17;
    dns[36..38].copy_from_slice(&53u16.to_be_bytes());
    dns[38..40].copy_from_slice(&8u16.to_be_bytes());
    assert!(prog.filter(&dns));
    dns[23] = 6;
    assert!(!prog.filter(&dns));
}

#[test]
fn savefile_roundtrip() {
    let dir = std::env::temp_dir().join(format!("pcap-crate-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("out.pcap");
    let cap = Capture::dead(Linktype::ETHERNET).unwrap();
    let mut sf = cap.savefile(&path).unwrap();
    let mut frames = vec![];
    for i in 0..3u8 {
        let frame: Vec<u8> = (0..60 + i as usize * 10).map(|b| b as u8 ^ i).collect();
        let h = PacketHeader {
            ts: libc::timeval {
                tv_sec: 1_700_000_000 + i as i64,
                tv_usec: 1000 * i as i64,
            },
            caplen: frame.len() as u32,
            len: frame.len() as u32 + 4,
        };
        sf.write(&Packet::new(&h, &frame));
        frames.push(frame);
    }
    sf.flush().unwrap();
    drop(sf);
    let bytes = std::fs::read(&path).unwrap();
    assert_eq!(bytes.len(), 24 + 3 * 16 + 60 + 70 + 80);
    assert_eq!(&bytes[..8], &[0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0]);
    // snaplen 65535 (the crate's dead handle), LINKTYPE_ETHERNET.
    assert_eq!(&bytes[16..24], &[0xff, 0xff, 0, 0, 1, 0, 0, 0]);
    let mut rd = Capture::from_file(&path).unwrap();
    for (i, f) in frames.iter().enumerate() {
        let p = rd.next_packet().unwrap();
        assert_eq!(p.data, &f[..]);
        assert_eq!(p.header.len, f.len() as u32 + 4);
        assert_eq!(p.header.ts.tv_usec, 1000 * i as i64);
    }
    assert!(rd.next_packet().is_err());
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Moves the calling thread (each test has its own) into a new network
/// namespace with only `lo`, and brings `lo` up.
fn private_netns() {
    // SAFETY: plain system calls on integers and a zeroed ifreq.
    unsafe {
        assert_eq!(libc::unshare(libc::CLONE_NEWNET), 0, "unshare (needs root)");
        let s = libc::socket(libc::AF_INET, libc::SOCK_DGRAM, 0);
        assert!(s >= 0);
        let mut ifr: libc::ifreq = std::mem::zeroed();
        for (d, c) in ifr.ifr_name.iter_mut().zip(b"lo\0") {
            *d = *c as c_char;
        }
        assert_eq!(libc::ioctl(s, libc::SIOCGIFFLAGS, &mut ifr), 0);
        ifr.ifr_ifru.ifru_flags |= libc::IFF_UP as i16;
        assert_eq!(libc::ioctl(s, libc::SIOCSIFFLAGS, &mut ifr), 0);
        libc::close(s);
    }
}

fn frame(i: u8) -> Vec<u8> {
    let mut f = vec![0xffu8; 6];
    f.extend_from_slice(&[0x02, 0, 0x5e, 0, 0x53, i]);
    f.extend_from_slice(&[0x88, 0xb5]);
    f.extend((0..46 + i as usize).map(|b| b as u8 ^ i));
    f
}

#[test]
fn live_loopback() {
    private_netns();
    let mut cap = Capture::from_device("lo")
        .unwrap()
        .immediate_mode(true)
        .timeout(100)
        .open()
        .unwrap();
    assert_eq!(cap.get_datalink(), Linktype::ETHERNET);
    assert_eq!(cap.list_datalinks().unwrap(), vec![Linktype::ETHERNET]);
    for i in 0..10 {
        cap.sendpacket(frame(i)).unwrap();
    }
    // Sent on the capturing socket itself: the kernel does not hand a
    // socket its own outgoing frames, so each frame is seen once (as it
    // comes back in) and counted once.
    for i in 0..10 {
        let p = cap.next_packet().unwrap();
        assert_eq!(p.data, &frame(i)[..]);
        assert_eq!(
            (p.header.caplen, p.header.len),
            (60 + i as u32, 60 + i as u32)
        );
    }
    assert_eq!(cap.stats().unwrap().received, 10);
    cap.direction(Direction::In).unwrap();
}

#[test]
fn live_any_cooked_v2() {
    private_netns();
    let mut cap = Capture::from_device("any")
        .unwrap()
        .timeout(100)
        .open()
        .unwrap();
    assert_eq!(cap.get_datalink(), Linktype::LINUX_SLL);
    assert_eq!(
        cap.list_datalinks().unwrap(),
        vec![Linktype::LINUX_SLL, Linktype::LINUX_SLL2]
    );
    cap.set_datalink(Linktype::LINUX_SLL2).unwrap();
    assert_eq!(cap.get_datalink(), Linktype::LINUX_SLL2);
    send_raw("lo", &(0..5).map(frame).collect::<Vec<_>>());
    let mut got = vec![];
    // Bounded: up to 50 read timeouts of 100 ms.
    for _ in 0..50 {
        match cap.next_packet() {
            Ok(p) => got.push((p.data.to_vec(), p.header.len)),
            Err(pcap::Error::TimeoutExpired) => {}
            Err(e) => panic!("{e}"),
        }
        if got.len() == 5 {
            break;
        }
    }
    assert_eq!(got.len(), 5);
    for (i, (data, len)) in got.iter().enumerate() {
        let f = frame(i as u8);
        // SLL2: protocol, reserved, ifindex of lo (1), ARPHRD_LOOPBACK,
        // PACKET_MULTICAST (lo's broadcast address is all zeros, so
        // ff:ff:ff:ff:ff:ff counts as multicast), halen 6, source MAC
        // padded to 8 bytes; then the frame behind the Ethernet header.
        let mut want = vec![0x88, 0xb5, 0, 0, 0, 0, 0, 1, 0x03, 0x04, 2, 6];
        want.extend_from_slice(&f[6..12]);
        want.extend_from_slice(&[0, 0]);
        want.extend_from_slice(&f[14..]);
        assert_eq!(data, &want);
        assert_eq!(*len, f.len() as u32 + 6);
    }
    // Loopback's outgoing copies are dropped but counted.
    assert_eq!(cap.stats().unwrap().received, 10);
}

/// Sends frames out of `dev` through a raw packet socket of its own.
fn send_raw(dev: &str, frames: &[Vec<u8>]) {
    let name = std::ffi::CString::new(dev).unwrap();
    // SAFETY: plain system calls on a zeroed sockaddr_ll and valid buffers.
    unsafe {
        let fd = libc::socket(libc::AF_PACKET, libc::SOCK_RAW, 0);
        assert!(fd >= 0);
        let mut sll: libc::sockaddr_ll = std::mem::zeroed();
        sll.sll_family = libc::AF_PACKET as u16;
        sll.sll_ifindex = libc::if_nametoindex(name.as_ptr()) as i32;
        let sa = (&sll as *const libc::sockaddr_ll).cast();
        let sl = std::mem::size_of::<libc::sockaddr_ll>() as libc::socklen_t;
        assert_eq!(libc::bind(fd, sa, sl), 0);
        for f in frames {
            assert_eq!(
                libc::send(fd, f.as_ptr().cast(), f.len(), 0),
                f.len() as isize
            );
        }
        libc::close(fd);
    }
}
