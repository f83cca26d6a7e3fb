//! libpfring's C API over real AF_PACKET sockets on a private veth pair:
//! exact frames, parsed headers, blocking/non-blocking, truncation,
//! threads, several handles, promiscuous mode and errors.

mod pf_support;

use std::collections::HashSet;
use std::ffi::CString;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use ::pfring::ffi::*;
use pf_support::*;

#[test]
fn crafted_frames_arrive_byte_identical_with_parsed_headers() {
    let ns = NetnsPair::new("api1");
    let ring = open_in(&ns.b, IF_B, false, false);
    ring.enable();
    let tx = RawTx::open(&ns.a, IF_A);

    let udp_f = ipv4_frame(None, 17, 0x28, &udp(1234, 53, b"hello"));
    let tcp_f = ipv4_frame(None, 6, 0, &tcp(40000, 80, 0x12, b"GET /"));
    let icmp_f = ipv4_frame(None, 1, 0, &[8, 0, 0, 0, 0, 1, 0, 1, 0xaa, 0xbb]);
    let vlan_f = ipv4_frame(Some(0x2064), 17, 0, &udp(5000, 6000, b"tagged"));
    let mut ip6_f = vec![
        2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x86, 0xdd, 0x60, 0, 0, 0, 0, 8, 17, 64,
    ];
    ip6_f.extend_from_slice(&[0x20, 0x01, 0x0d, 0xb8]);
    ip6_f.extend_from_slice(&[0; 12]);
    ip6_f.extend_from_slice(&[0x20, 0x01, 0x0d, 0xb8]);
    ip6_f.extend_from_slice(&[0; 11]);
    ip6_f.push(1);
    ip6_f.extend_from_slice(&udp(1, 2, b""));
    let mut arp_f = vec![0xff; 6];
    arp_f.extend_from_slice(&[2, 0, 0, 0, 0, 1, 0x08, 0x06, 0, 1, 8, 0, 6, 4, 0, 1]);
    arp_f.extend_from_slice(&[
        2, 0, 0, 0, 0, 1, 198, 51, 100, 1, 0, 0, 0, 0, 0, 0, 198, 51, 100, 2,
    ]);
    // IPv4 header says TCP but the frame ends 4 bytes into the TCP header.
    let mut trunc_f = ipv4_frame(None, 6, 0, &tcp(7, 8, 0x02, b""));
    trunc_f.truncate(14 + 20 + 4);

    let frames = [&udp_f, &tcp_f, &icmp_f, &vlan_f, &ip6_f, &arp_f, &trunc_f];
    for f in frames {
        tx.send(f);
    }
    let before = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let mut got = Vec::new();
    for _ in frames {
        let g = ring.recv(2048, true);
        assert!(g.rc > 0, "recv rc {} errno {}", g.rc, errno());
        got.push(g);
    }
    for (g, f) in got.iter().zip(frames) {
        assert_eq!(&g.data, f, "bytes");
        assert_eq!(g.hdr.caplen as usize, f.len());
        assert_eq!(g.hdr.len as usize, f.len());
        assert_eq!(g.rc as usize, f.len(), "return value = packet size");
        assert!((g.hdr.ts.tv_sec - before).abs() <= 5, "timestamp");
        assert_eq!(g.hdr.parsed_header_len, 0);
    }
    let p = |i: usize| got[i].hdr.parsed_pkt;
    // UDP: host byte order, offsets relative to the network header (RX).
    assert_eq!(
        p(0),
        pkt_parsing_info {
            eth_type: 0x0800,
            vlan_id: 0,
            l3_proto: 17,
            ipv4_tos: 0x28,
            ipv4_src: 0xc633_6401,
            ipv4_dst: 0xc633_6402,
            l4_src_port: 1234,
            l4_dst_port: 53,
            tcp_flags: 0,
            eth_offset: 0xfff2,
            vlan_offset: 0,
            l3_offset: 0,
            l4_offset: 20,
            payload_offset: 28,
        }
    );
    assert_eq!(
        (
            p(1).l3_proto,
            p(1).l4_src_port,
            p(1).l4_dst_port,
            p(1).tcp_flags,
            p(1).payload_offset
        ),
        (6, 40000, 80, 0x12, 40)
    );
    assert_eq!(
        (
            p(2).l3_proto,
            p(2).l4_src_port,
            p(2).l4_dst_port,
            p(2).l4_offset,
            p(2).payload_offset
        ),
        (1, 0, 0, 20, 20)
    );
    assert_eq!(
        (
            p(3).eth_type,
            p(3).vlan_id,
            p(3).vlan_offset,
            p(3).l3_offset,
            p(3).l4_src_port
        ),
        (0x0800, 0x064, 0, 4, 5000)
    );
    assert_eq!(
        (p(4).eth_type, p(4).l3_proto, p(4).ipv4_src, p(4).l3_offset),
        (0x86dd, 0, 0, 0)
    );
    assert_eq!(
        (p(5).eth_type, p(5).l3_proto, p(5).l4_src_port),
        (0x0806, 0, 0)
    );
    assert_eq!(
        (
            p(6).l3_proto,
            p(6).ipv4_dst,
            p(6).l4_offset,
            p(6).l4_src_port,
            p(6).tcp_flags
        ),
        (6, 0xc633_6402, 20, 0, 0)
    );
    assert_eq!(ring.stats(), pfring_stat { recv: 7, drop: 0 });
}

#[test]
fn nonblocking_returns_zero_and_truncates_to_buffer() {
    let ns = NetnsPair::new("api2");
    let ring = open_in(&ns.b, IF_B, false, false);
    let g = ring.recv(2048, false);
    assert_eq!(g.rc, 0, "empty ring, no wait");
    let tx = RawTx::open(&ns.a, IF_A);
    let f = ipv4_frame(None, 17, 0, &udp(1, 2, &[0x5a; 100]));
    tx.send(&f);
    let g = ring.drain(1, 5).pop().expect("one frame");
    assert!(g.rc > 0);
    assert_eq!(g.hdr.len as usize, f.len());
    assert_eq!(g.hdr.caplen, 2048.min(f.len()) as u32);
    tx.send(&f);
    let mut buf = [0u8; 40];
    let mut hdr = pfring_pkthdr::default();
    let end = Instant::now() + Duration::from_secs(5);
    let rc = loop {
        // SAFETY: valid handle; buf holds 40 bytes.
        let rc = unsafe { pfring_recv(ring.0, buf.as_mut_ptr() as *mut _, 40, &mut hdr, 0) };
        if rc != 0 || Instant::now() > end {
            break rc;
        }
        std::thread::sleep(Duration::from_millis(1));
    };
    assert_eq!(rc as usize, f.len(), "returns the full packet size");
    assert_eq!((hdr.caplen, hdr.len as usize), (40, f.len()));
    assert_eq!(&buf[..], &f[..40]);
    // Parsing sees the whole captured frame, not the caller's short buffer.
    assert_eq!(
        (hdr.parsed_pkt.l4_src_port, hdr.parsed_pkt.l4_dst_port),
        (1, 2)
    );
    assert_eq!(ring.recv(2048, false).rc, 0);
}

#[test]
fn blocking_recv_wakes_on_traffic() {
    let ns = NetnsPair::new("api3");
    let ring = open_in(&ns.b, IF_B, false, false);
    ring.enable();
    let a = ns.a.clone();
    let sender = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(300));
        let tx = RawTx::open(&a, IF_A);
        tx.send(&ipv4_frame(None, 17, 0, &udp(9, 9, b"wake")));
    });
    let t0 = Instant::now();
    let g = ring.recv(2048, true);
    let waited = t0.elapsed();
    sender.join().unwrap();
    assert!(g.rc > 0);
    assert_eq!(&g.data[42..46], b"wake");
    assert!(
        waited >= Duration::from_millis(250),
        "returned before the frame was sent"
    );
}

#[test]
fn ring_is_enabled_by_enable_or_first_recv_not_before() {
    let ns = NetnsPair::new("api4");
    let ring = open_in(&ns.b, IF_B, false, false);
    let tx = RawTx::open(&ns.a, IF_A);
    tx.send(&ipv4_frame(None, 17, 0, &udp(1, 1, b"early")));
    std::thread::sleep(Duration::from_millis(50));
    ring.enable();
    tx.send(&ipv4_frame(None, 17, 0, &udp(2, 2, b"later")));
    let got = ring.drain(2, 2);
    assert_eq!(got.len(), 1, "only the frame sent after enabling");
    assert_eq!(&got[0].data[42..47], b"later");
}

#[test]
fn four_threads_on_one_reentrant_handle_lose_and_duplicate_nothing() {
    let ns = NetnsPair::new("api5");
    let ring = Arc::new(open_in(&ns.b, IF_B, false, true));
    ring.enable();
    let n = 20_000usize;
    let total = Arc::new(AtomicUsize::new(0));
    let mut threads = Vec::new();
    for _ in 0..4 {
        let ring = ring.clone();
        let total = total.clone();
        threads.push(std::thread::spawn(move || {
            let mut seqs = Vec::new();
            let end = Instant::now() + Duration::from_secs(30);
            while total.load(Ordering::Relaxed) < n && Instant::now() < end {
                let g = ring.recv(2048, false);
                assert!(g.rc >= 0);
                if g.rc > 0 {
                    seqs.push((seq_of(&g.data), g.data));
                    total.fetch_add(1, Ordering::Relaxed);
                } else {
                    std::thread::yield_now();
                }
            }
            seqs
        }));
    }
    pfsend(
        &ns.a,
        &["-i", IF_A, "-n", "20000", "-r", "200000", "-f", "5"],
        n as u64,
    );
    let mut all = Vec::new();
    for t in threads {
        all.extend(t.join().unwrap());
    }
    assert_eq!(all.len(), n, "frames received");
    let uniq: HashSet<u64> = all.iter().map(|(s, _)| *s).collect();
    assert_eq!(uniq.len(), n, "no duplicates");
    assert_eq!(uniq, (0..n as u64).collect::<HashSet<_>>());
    for (s, data) in &all {
        assert_eq!(data, &expected_frame(*s, 60, 5, MAC_A, SIP, DIP));
    }
    assert_eq!(
        ring.stats(),
        pfring_stat {
            recv: n as u64,
            drop: 0
        }
    );
}

#[test]
fn two_handles_on_one_device_both_see_everything() {
    let ns = NetnsPair::new("api6");
    let r1 = open_in(&ns.b, IF_B, false, false);
    let r2 = open_in(&ns.b, IF_B, false, false);
    r1.enable();
    r2.enable();
    pfsend(&ns.a, &["-i", IF_A, "-n", "3000", "-r", "100000"], 3000);
    for r in [&r1, &r2] {
        let got = r.drain(3000, 10);
        assert_eq!(got.len(), 3000);
        for (i, g) in got.iter().enumerate() {
            assert_eq!(seq_of(&g.data), i as u64, "in order");
        }
        assert_eq!(r.recv(2048, false).rc, 0);
    }
}

fn promiscuity(ns: &str) -> u32 {
    let out = std::process::Command::new("ip")
        .args(["-n", ns, "-d", "link", "show", IF_B])
        .output()
        .unwrap();
    let s = String::from_utf8_lossy(&out.stdout).to_string();
    let i = s.find("promiscuity ").expect("promiscuity in ip -d output");
    s[i + 12..]
        .split_whitespace()
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

#[test]
fn promiscuous_mode_lasts_exactly_as_long_as_the_ring() {
    let ns = NetnsPair::new("api7");
    assert_eq!(promiscuity(&ns.b), 0);
    let ring = open_in(&ns.b, IF_B, true, false);
    assert_eq!(promiscuity(&ns.b), 1);
    // SAFETY: valid handle, read-only fields.
    unsafe {
        assert_eq!((*ring.0).clear_promisc, 1);
        assert!((*ring.0).fd >= 0);
        assert_eq!(
            std::ffi::CStr::from_ptr((*ring.0).device_name)
                .to_str()
                .unwrap(),
            IF_B
        );
    }
    drop(ring);
    assert_eq!(promiscuity(&ns.b), 0);
    let plain = open_in(&ns.b, IF_B, false, false);
    assert_eq!(promiscuity(&ns.b), 0);
    drop(plain);
}

#[test]
fn errors_are_negative_with_errno_and_never_crash() {
    let dev = CString::new("nosuchdev0").unwrap();
    // SAFETY: C string argument.
    let p = unsafe { pfring_open(dev.as_ptr() as *mut _, 0, 0) };
    assert!(p.is_null());
    assert_eq!(errno(), libc::ENODEV);
    let long = CString::new("x".repeat(40)).unwrap();
    // SAFETY: C string argument.
    assert!(unsafe { pfring_open(long.as_ptr() as *mut _, 1, 1) }.is_null());
    assert_eq!(errno(), libc::ENODEV);
    // SAFETY: NULL is accepted and refused.
    assert!(unsafe { pfring_open(std::ptr::null_mut(), 0, 0) }.is_null());
    assert_eq!(errno(), libc::EINVAL);

    let n = null_ring();
    let mut st = pfring_stat::default();
    let mut hdr = pfring_pkthdr::default();
    let mut buf = [0u8; 64];
    let mut v = 0u32;
    let mut len = 16u32;
    // SAFETY: all-zero is a valid rule (plain integers, enum value 0).
    let mut rule: filtering_rule = unsafe { std::mem::zeroed() };
    // SAFETY: as above.
    let mut hrule: hash_filtering_rule = unsafe { std::mem::zeroed() };
    // SAFETY: every call gets a NULL handle, which must be refused.
    unsafe {
        let checks: [(&str, i32); 15] = [
            ("stats", pfring_stats(n, &mut st)),
            (
                "recv",
                pfring_recv(n, buf.as_mut_ptr() as *mut _, 64, &mut hdr, 0),
            ),
            ("enable", pfring_enable_ring(n)),
            ("version", pfring_version(n, &mut v)),
            ("set_cluster", pfring_set_cluster(n, 1)),
            ("remove_from_cluster", pfring_remove_from_cluster(n)),
            (
                "set_reflector",
                pfring_set_reflector(n, dev.as_ptr() as *mut _),
            ),
            ("sampling", pfring_set_sampling_rate(n, 2)),
            ("add_rule", pfring_add_filtering_rule(n, &mut rule)),
            ("remove_rule", pfring_remove_filtering_rule(n, 1)),
            (
                "hash_rule",
                pfring_handle_hash_filtering_rule(n, &mut hrule, 1),
            ),
            (
                "rule_stats",
                pfring_get_filtering_rule_stats(n, 1, buf.as_mut_ptr() as *mut _, &mut len),
            ),
            (
                "hash_stats",
                pfring_get_hash_filtering_rule_stats(
                    n,
                    &mut hrule,
                    buf.as_mut_ptr() as *mut _,
                    &mut len,
                ),
            ),
            ("policy", pfring_toggle_filtering_policy(n, 1)),
            ("close", {
                pfring_close(n);
                -1
            }),
        ];
        for (name, rc) in checks {
            assert_eq!(rc, -1, "{name} with a NULL ring");
            assert_eq!(errno(), libc::EINVAL, "{name} errno");
        }
    }

    let ns = NetnsPair::new("api8");
    let ring = open_in(&ns.b, IF_B, false, false);
    // SAFETY: valid handle, NULL out-pointers must be refused.
    unsafe {
        assert_eq!(pfring_stats(ring.0, std::ptr::null_mut()), -1);
        assert_eq!(errno(), libc::EINVAL);
        assert_eq!(
            pfring_recv(
                ring.0,
                buf.as_mut_ptr() as *mut _,
                64,
                std::ptr::null_mut(),
                0
            ),
            -1
        );
        assert_eq!(errno(), libc::EINVAL);
        assert_eq!(
            pfring_recv(ring.0, std::ptr::null_mut(), 64, &mut hdr, 0),
            -1
        );
        assert_eq!(errno(), libc::EINVAL);
        assert_eq!(pfring_version(ring.0, std::ptr::null_mut()), -1);
        assert_eq!(pfring_version(ring.0, &mut v), 0);
        assert_eq!(v, 0x030705);
        // Cluster id 0 is refused (clusters are ids 1..=65535).
        assert_eq!(pfring_set_cluster(ring.0, 0), -1);
        assert_eq!(errno(), libc::EINVAL);
    }
    // A closed ring refuses further calls until its memory is recycled.
    let p = ring.0;
    std::mem::forget(ring);
    // SAFETY: valid handle, closed once; then used only to check refusal.
    unsafe {
        pfring_close(p);
        assert_eq!(
            pfring_recv(p, buf.as_mut_ptr() as *mut _, 64, &mut hdr, 1),
            -1
        );
        assert_eq!(errno(), libc::EBADF);
        assert_eq!(pfring_stats(p, &mut st), -1);
        assert_eq!(errno(), libc::EBADF);
        pfring_close(p);
    }
}

#[test]
fn close_wakes_a_recv_blocked_in_another_thread() {
    let ns = NetnsPair::new("api9");
    let ring = open_in(&ns.b, IF_B, false, false);
    ring.enable();
    let p = ring.0 as usize;
    std::mem::forget(ring);
    let t = std::thread::spawn(move || {
        let mut buf = [0u8; 64];
        let mut hdr = pfring_pkthdr::default();
        // SAFETY: valid handle; closed by the main thread while blocked.
        let rc = unsafe {
            pfring_recv(
                p as *mut pfring,
                buf.as_mut_ptr() as *mut _,
                64,
                &mut hdr,
                1,
            )
        };
        (rc, errno())
    });
    std::thread::sleep(Duration::from_millis(200));
    // SAFETY: valid handle, closed once.
    unsafe { pfring_close(p as *mut pfring) };
    let (rc, e) = t.join().unwrap();
    assert_eq!((rc, e), (-1, libc::EBADF));
}
