//! The Rust ring API's cooked capture (libpcap's DLT_LINUX_SLL / SLL2
//! framing, used by the pcap shim on `any`), the per-frame device index and
//! the geometry overrides, over a real veth pair in private namespaces.

mod pf_support;

use std::ffi::CString;
use std::time::{Duration, Instant};

use pf_support::*;
use pfring::ring::{Config, Cooked, Recv, Ring};

/// Opens `dev` in namespace `ns` with `cfg` (the socket stays there).
fn ring_in(ns: &str, dev: &str, cfg: Config) -> Ring {
    let ns = ns.to_string();
    let dev = CString::new(dev).unwrap();
    std::thread::spawn(move || {
        enter_netns(&ns).expect("setns");
        Ring::open_with(&dev, false, false, cfg).expect("open ring")
    })
    .join()
    .expect("open thread")
}

fn ifindex_in(ns: &str, dev: &str) -> i32 {
    let ns = ns.to_string();
    let dev = CString::new(dev).unwrap();
    std::thread::spawn(move || {
        enter_netns(&ns).expect("setns");
        // SAFETY: dev is a C string.
        unsafe { libc::if_nametoindex(dev.as_ptr()) as i32 }
    })
    .join()
    .unwrap()
}

struct Got {
    data: Vec<u8>,
    wire_len: u32,
    ifindex: i32,
}

/// Collects frames carrying our IPv4 source (198.51.100.1) until `n` of
/// them arrived or 5 s passed; the network-layer data starts at `l3`.
fn collect(ring: &Ring, n: usize, l3: usize) -> Vec<Got> {
    let mut got = Vec::new();
    let end = Instant::now() + Duration::from_secs(5);
    while got.len() < n && Instant::now() < end {
        let r = ring
            .recv_with(false, |p| Got {
                data: p.data.to_vec(),
                wire_len: p.wire_len,
                ifindex: p.ifindex,
            })
            .expect("recv");
        match r {
            Recv::Packet(g) => {
                let ours = |at: usize| {
                    let ip = g.data.get(at..).unwrap_or(&[]);
                    ip.len() >= 20 && ip[0] == 0x45 && ip[12..16] == [198, 51, 100, 1]
                };
                // (behind a VLAN tag put back into an SLL header: 4 more)
                if ours(l3) || ours(l3 + 4) {
                    got.push(g);
                }
            }
            Recv::Empty => std::thread::sleep(Duration::from_millis(2)),
        }
    }
    got
}

fn cfg(cooked: Cooked) -> Config {
    let mut c = Config::from_env_or(2048, 1024).unwrap();
    c.cooked = cooked;
    c
}

/// Untagged UDP and 802.1Q-tagged UDP as sent on veth-a, and the IPv4
/// packet each carries.
fn frames() -> [(Vec<u8>, Vec<u8>); 2] {
    let plain = ipv4_frame(None, 17, 0, &udp(1111, 2222, b"cooked-1"));
    let tagged = ipv4_frame(Some(0x2064), 17, 0, &udp(3333, 4444, b"cooked-2"));
    let ip_plain = plain[14..].to_vec();
    let ip_tagged = tagged[18..].to_vec();
    [(plain, ip_plain), (tagged, ip_tagged)]
}

#[test]
fn any_cooked_sll_builds_libpcaps_header_and_puts_vlan_tags_back() {
    let ns = NetnsPair::new("ck1");
    let ring = ring_in(&ns.b, "any", cfg(Cooked::Sll));
    ring.enable().unwrap();
    let tx = RawTx::open(&ns.a, IF_A);
    let fs = frames();
    for (f, _) in &fs {
        tx.send(f);
    }
    let got = collect(&ring, 2, 16);
    assert_eq!(got.len(), 2, "both frames on any");
    let idx_b = ifindex_in(&ns.b, IF_B);
    // pkttype 0 (to us: the destination is veth-b's MAC), ARPHRD_ETHER,
    // address length 6, veth-a's MAC padded to 8, protocol.
    let mut sll = vec![0, 0, 0, 1, 0, 6];
    sll.extend_from_slice(&MAC_A);
    sll.extend_from_slice(&[0, 0]);
    let mut want_plain = sll.clone();
    want_plain.extend_from_slice(&[0x08, 0x00]);
    want_plain.extend_from_slice(&fs[0].1);
    let mut want_tagged = sll.clone();
    want_tagged.extend_from_slice(&[0x81, 0x00, 0x20, 0x64, 0x08, 0x00]);
    want_tagged.extend_from_slice(&fs[1].1);
    assert_eq!(got[0].data, want_plain);
    assert_eq!(got[0].wire_len, want_plain.len() as u32);
    assert_eq!(got[1].data, want_tagged);
    assert_eq!(got[1].wire_len, want_tagged.len() as u32);
    assert_eq!((got[0].ifindex, got[1].ifindex), (idx_b, idx_b));
    assert!(ring.close());
}

#[test]
fn device_cooked_sll2_carries_the_interface_index() {
    let ns = NetnsPair::new("ck2");
    let ring = ring_in(&ns.b, IF_B, cfg(Cooked::Sll2));
    ring.enable().unwrap();
    let tx = RawTx::open(&ns.a, IF_A);
    let fs = frames();
    for (f, _) in &fs {
        tx.send(f);
    }
    let got = collect(&ring, 2, 20);
    assert_eq!(got.len(), 2);
    let idx_b = ifindex_in(&ns.b, IF_B) as u32;
    for (g, (_, ip)) in got.iter().zip(&fs) {
        // SLL2: protocol, reserved, ifindex, hatype, pkttype, halen, addr.
        // No VLAN tag reinsertion (libpcap has none for SLL2), so the
        // tagged frame's protocol is the inner one.
        let mut want = vec![0x08, 0x00, 0, 0];
        want.extend_from_slice(&idx_b.to_be_bytes());
        want.extend_from_slice(&[0, 1, 0, 6]);
        want.extend_from_slice(&MAC_A);
        want.extend_from_slice(&[0, 0]);
        want.extend_from_slice(ip);
        assert_eq!(g.data, want);
        assert_eq!(g.wire_len, want.len() as u32);
    }
}

#[test]
fn raw_frames_report_their_device_and_geometry_overrides_apply() {
    let ns = NetnsPair::new("ck3");
    let mut c = cfg(Cooked::Off);
    c.block_size = 1 << 20;
    c.retire_ms = 50;
    let ring = ring_in(&ns.b, "any", c);
    ring.enable().unwrap();
    let tx = RawTx::open(&ns.a, IF_A);
    let fs = frames();
    // 1024 buckets of 2048 bytes: 2 MiB, now in two blocks of 1 MiB.
    assert_eq!(ring.af_packet_geometry(), Some((1 << 20, 2, 50)));
    let t0 = Instant::now();
    tx.send(&fs[0].0);
    let got = collect(&ring, 1, 14);
    // A lone frame waits at most one retire period of its block.
    assert!(
        t0.elapsed() < Duration::from_millis(500),
        "{:?}",
        t0.elapsed()
    );
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].data, fs[0].0);
    assert_eq!(got[0].ifindex, ifindex_in(&ns.b, IF_B));
}

#[test]
fn cooked_rings_refuse_rules_and_reflection() {
    let ns = NetnsPair::new("ck4");
    let ring = ring_in(&ns.b, IF_B, cfg(Cooked::Sll));
    // SAFETY: zeroed rules are valid plain data.
    let rule: pfring::ffi::types::RawFilteringRule = unsafe { std::mem::zeroed() };
    let e = ring.add_rule(&rule).unwrap_err();
    assert_eq!(
        e.to_string(),
        "invalid argument: rules need frames as on the wire, not a cooked ring"
    );
    let dev = CString::new(IF_B).unwrap();
    // SAFETY: the ring lives until the end of the test and is closed.
    let e = unsafe { ring.set_reflector(&dev) }.unwrap_err();
    assert_eq!(
        e.to_string(),
        "invalid argument: a cooked ring cannot reflect"
    );
}

#[test]
fn cooked_framing_switches_between_sll_and_sll2_on_the_same_socket() {
    let ns = NetnsPair::new("ck5");
    let ring = ring_in(&ns.b, "any", cfg(Cooked::Sll));
    ring.enable().unwrap();
    let tx = RawTx::open(&ns.a, IF_A);
    let fs = frames();
    tx.send(&fs[0].0);
    let got = collect(&ring, 1, 16);
    assert_eq!(got.len(), 1);
    assert_eq!(&got[0].data[16..], &fs[0].1[..]);
    ring.set_cooked(Cooked::Sll2).unwrap();
    tx.send(&fs[0].0);
    let got = collect(&ring, 1, 20);
    assert_eq!(got.len(), 1);
    assert_eq!(&got[0].data[..2], &[0x08, 0x00]);
    assert_eq!(&got[0].data[20..], &fs[0].1[..]);
    let e = ring.set_cooked(Cooked::Off).unwrap_err();
    assert_eq!(
        e.to_string(),
        "invalid argument: cooked framing can only change between SLL and SLL2"
    );
    let raw = ring_in(&ns.b, IF_B, cfg(Cooked::Off));
    assert!(raw.set_cooked(Cooked::Sll).is_err());
}

#[test]
fn recv_batch_hands_over_what_is_queued_and_stops_when_asked() {
    let ns = NetnsPair::new("ck6");
    let mut c = cfg(Cooked::Off);
    c.retire_ms = 1;
    let ring = ring_in(&ns.b, IF_B, c);
    ring.enable().unwrap();
    let tx = RawTx::open(&ns.a, IF_A);
    let mut sent = Vec::new();
    for i in 0..5u8 {
        let f = ipv4_frame(None, 17, 0, &udp(1000 + u16::from(i), 9, &[i; 8]));
        tx.send(&f);
        sent.push(f);
    }
    // Wait until the block with all five is handed over.
    let end = Instant::now() + Duration::from_secs(5);
    let mut got: Vec<Vec<u8>> = Vec::new();
    let mut batches = Vec::new();
    while got.len() < 5 && Instant::now() < end {
        // At most 3 per batch: `f` says stop on the third.
        let mut k = 0;
        let n = ring
            .recv_batch(|p| {
                got.push(p.data.to_vec());
                k += 1;
                k < 3
            })
            .unwrap();
        if n > 0 {
            batches.push(n);
        } else {
            std::thread::sleep(Duration::from_millis(2));
        }
    }
    assert_eq!(got, sent);
    assert!(batches.iter().all(|&n| n <= 3), "{batches:?}");
    assert_eq!(batches.iter().sum::<usize>(), 5);
    assert_eq!(ring.recv_batch(|_| true).unwrap(), 0);
    assert_eq!(ring.stats().unwrap().0, 5);
}
