//! Rules, default policy, rule statistics and sampling through libpfring's
//! C API, end to end over a private veth pair: the shared vector table
//! (tests/data/rules/vectors.txt) run on real rings, sampling by pfsend
//! sequence number, and bad input.

mod pf_support;

use std::ffi::CString;
use std::process::Command;
use std::time::{Duration, Instant};

use ::pfring::ffi::types::{RawFilteringRule, RawHashFilteringRule};
use ::pfring::ffi::*;
use ::pfring::rules::vectors::{self, Backend, Expect, Step};
use pf_support::tools_support::RawRx;
use pf_support::*;

/// How long a frame the ring did not deliver is waited for.
const DROP_WAIT: Duration = Duration::from_millis(100);

fn rc_to_expect(rc: i32) -> Expect<()> {
    if rc == 0 {
        Ok(())
    } else {
        assert_eq!(rc, -1, "failures return -1");
        Err(errno())
    }
}

/// The C API's view of a raw rule: same layout (checked in
/// src/ffi/types.rs). Only the pointer is converted, never the value, so an
/// out-of-range action (not a valid Rust enum) is passed soundly: the
/// library reads it through the raw type.
fn c_rule(r: &mut RawFilteringRule) -> *mut filtering_rule {
    r as *mut RawFilteringRule as *mut filtering_rule
}

fn c_hash(r: &mut RawHashFilteringRule) -> *mut hash_filtering_rule {
    r as *mut RawHashFilteringRule as *mut hash_filtering_rule
}

fn add_rule(ring: &Ring, r: &mut RawFilteringRule) -> i32 {
    // SAFETY: valid handle; the rule is readable and writable.
    unsafe { pfring_add_filtering_rule(ring.0, c_rule(r)) }
}

fn hash_rule(ring: &Ring, r: &RawHashFilteringRule, add: bool) -> i32 {
    let mut c = *r;
    // SAFETY: valid handle and rule.
    unsafe { pfring_handle_hash_filtering_rule(ring.0, c_hash(&mut c), u8::from(add)) }
}

fn rule_stats(ring: &Ring, id: u16) -> Expect<(u64, u64)> {
    let mut buf = [0u8; 32];
    let mut len = buf.len() as u32;
    // SAFETY: valid handle, 32-byte buffer, its length.
    let rc = unsafe {
        pfring_get_filtering_rule_stats(ring.0, id, buf.as_mut_ptr() as *mut _, &mut len)
    };
    rc_to_expect(rc)?;
    assert_eq!(len, 16, "stats_len = bytes written");
    Ok((
        u64::from_ne_bytes(buf[0..8].try_into().unwrap()),
        u64::from_ne_bytes(buf[8..16].try_into().unwrap()),
    ))
}

fn hash_stats(ring: &Ring, r: &RawHashFilteringRule) -> Expect<(u64, u64)> {
    let mut c = *r;
    let mut buf = [0u8; 16];
    let mut len = 16u32;
    // SAFETY: valid handle, rule, 16-byte buffer.
    let rc = unsafe {
        pfring_get_hash_filtering_rule_stats(
            ring.0,
            c_hash(&mut c),
            buf.as_mut_ptr() as *mut _,
            &mut len,
        )
    };
    rc_to_expect(rc)?;
    assert_eq!(len, 16);
    Ok((
        u64::from_ne_bytes(buf[0..8].try_into().unwrap()),
        u64::from_ne_bytes(buf[8..16].try_into().unwrap()),
    ))
}

/// A fresh ring on veth-b; frames go in through a raw socket on veth-a and
/// a plain tap on veth-b confirms each one was on the wire.
struct Veth<'a> {
    ring: Ring,
    tx: &'a RawTx,
    tap: &'a RawRx,
    sent: usize,
    delivered: usize,
    kernel_dropped: usize,
    /// The ring is the kernel module's: it applies the rules in the kernel
    /// (no prefilter, PACKET_STATISTICS is not reset on read).
    kmod: bool,
}

/// The backend a ring runs on: the module's rings expose their mapping in
/// the public `buffer` field (3.7.5), AF_PACKET rings leave it NULL.
fn backend_of(ring: &Ring) -> &'static str {
    // SAFETY: a valid handle from pfring_open.
    if unsafe { (*ring.0).buffer.is_null() } {
        "af_packet"
    } else {
        "kmod"
    }
}

impl Backend for Veth<'_> {
    fn set_policy(&mut self, accept: bool) -> Expect<()> {
        // SAFETY: valid handle.
        rc_to_expect(unsafe { pfring_toggle_filtering_policy(self.ring.0, u8::from(accept)) })
    }
    fn add_rule(&mut self, rule: &RawFilteringRule) -> Expect<()> {
        let mut c = *rule;
        rc_to_expect(add_rule(&self.ring, &mut c))
    }
    fn remove_rule(&mut self, id: u16) -> Expect<()> {
        // SAFETY: valid handle.
        rc_to_expect(unsafe { pfring_remove_filtering_rule(self.ring.0, id) })
    }
    fn add_hash(&mut self, rule: &RawHashFilteringRule) -> Expect<()> {
        rc_to_expect(hash_rule(&self.ring, rule, true))
    }
    fn remove_hash(&mut self, rule: &RawHashFilteringRule) -> Expect<()> {
        rc_to_expect(hash_rule(&self.ring, rule, false))
    }
    fn send(&mut self, frame: &[u8]) -> bool {
        self.tx.send(frame);
        self.sent += 1;
        let seen = self.tap.collect(1, Duration::from_secs(2), Duration::ZERO);
        // A plain packet socket sees a received 802.1Q tag stripped.
        let mut wire = frame.to_vec();
        if wire.len() >= 18 && wire[12..14] == [0x81, 0x00] {
            wire.drain(12..16);
        }
        assert_eq!(seen, vec![wire], "the frame crossed the veth");
        if self.kmod {
            // The module judges in the kernel; a dropped frame never shows.
            let end = Instant::now() + DROP_WAIT;
            loop {
                let g = self.ring.recv(2048, false);
                assert!(g.rc >= 0, "recv: errno {}", errno());
                if g.rc > 0 {
                    assert_eq!(g.data, frame, "the ring delivered another frame");
                    assert_eq!(g.hdr.len as usize, frame.len());
                    self.delivered += 1;
                    return true;
                }
                if Instant::now() >= end {
                    self.kernel_dropped += 1;
                    return false;
                }
                std::thread::sleep(Duration::from_millis(1));
            }
        }
        // The socket filter (the rules' prefilter) let it through or not:
        // PACKET_STATISTICS counts what passed. Delivery to every tap of
        // the device happens in one softirq, so the count is there by now;
        // look twice anyway.
        let mut accepted = kernel_accepted(&self.ring);
        if accepted == 0 {
            std::thread::sleep(Duration::from_millis(5));
            accepted = kernel_accepted(&self.ring);
        }
        assert!(accepted <= 1);
        if accepted == 0 {
            self.kernel_dropped += 1;
            return false;
        }
        let end = Instant::now() + DROP_WAIT;
        loop {
            let g = self.ring.recv(2048, false);
            assert!(g.rc >= 0, "recv: errno {}", errno());
            if g.rc > 0 {
                assert_eq!(g.data, frame, "the ring delivered another frame");
                assert_eq!(g.hdr.len as usize, frame.len());
                self.delivered += 1;
                return true;
            }
            if Instant::now() >= end {
                return false;
            }
            std::thread::sleep(Duration::from_millis(1));
        }
    }
    fn rule_stats(&mut self, id: u16) -> Expect<(u64, u64)> {
        rule_stats(&self.ring, id)
    }
    fn hash_stats(&mut self, rule: &RawHashFilteringRule) -> Expect<(u64, u64)> {
        hash_stats(&self.ring, rule)
    }
}

#[test]
fn the_vector_table_passes_on_real_rings() {
    let table = vectors::parse(vectors::BUILTIN).expect("vector table parses");
    let ns = NetnsPair::new("rul1");
    let tx = RawTx::open(&ns.a, IF_A);
    let tap = RawRx::open(&ns.b, IF_B);
    let (mut vecs, mut sends, mut fwd, mut kdrop) = (0, 0, 0, 0);
    let backend = backend_of(&open_in(&ns.b, IF_B, false, false));
    for v in table.iter().filter(|v| v.applies_to(backend)) {
        let ring = open_in(&ns.b, IF_B, false, false);
        ring.enable();
        let mut b = Veth {
            ring,
            tx: &tx,
            tap: &tap,
            sent: 0,
            delivered: 0,
            kernel_dropped: 0,
            kmod: backend == "kmod",
        };
        if let Err(msg) = vectors::run(v, &mut b) {
            panic!("{msg}");
        }
        // Nothing late: a frame judged dropped must not show up afterwards.
        std::thread::sleep(DROP_WAIT);
        let g = b.ring.recv(2048, false);
        assert_eq!(g.rc, 0, "vector '{}': a late frame arrived", v.name);
        let expect_fwd = v
            .steps
            .iter()
            .filter(|(_, s)| matches!(s, Step::Send(_, true)))
            .count();
        assert_eq!(b.delivered, expect_fwd);
        assert_eq!(
            b.ring.stats(),
            pfring_stat {
                recv: expect_fwd as u64,
                drop: 0
            },
            "filtered frames are not drops"
        );
        vecs += 1;
        sends += b.sent;
        fwd += b.delivered;
        kdrop += b.kernel_dropped;
    }
    if backend == "kmod" {
        // Every vector that holds for the module, every frame judged in the
        // kernel.
        let want: Vec<_> = table.iter().filter(|v| v.applies_to("kmod")).collect();
        let want_sends = want
            .iter()
            .flat_map(|v| v.steps.iter())
            .filter(|(_, s)| matches!(s, Step::Send(..)))
            .count();
        let want_fwd = want
            .iter()
            .flat_map(|v| v.steps.iter())
            .filter(|(_, s)| matches!(s, Step::Send(_, true)))
            .count();
        assert_eq!((vecs, sends, fwd), (want.len(), want_sends, want_fwd));
        assert_eq!(kdrop, sends - fwd);
        println!("kmod: {vecs} vectors, {sends} frames, {fwd} forwarded");
        return;
    }
    assert_eq!((vecs, sends, fwd), (42, 139, 71));
    // Dropped in the kernel by the (statistics-exact) prefilter: frames no
    // rule matches under policy drop.
    assert_eq!(kdrop, 45);
}

fn wildcard(id: u16, action: u32) -> RawFilteringRule {
    let mut r = RawFilteringRule {
        rule_id: id,
        rule_action: action,
        balance_id: 0,
        balance_pool: 0,
        core_fields: filtering_rule_core_fields {
            proto: 0,
            vlan_id: 0,
            host_low: 0,
            host_high: 0,
            port_low: 0,
            port_high: 0,
        },
        extended_fields: Default::default(),
        plugin_action: filtering_rule_plugin_action { plugin_id: 0 },
    };
    r.core_fields.proto = 17;
    r
}

#[test]
fn sampling_rate_10_keeps_the_1st_11th_of_the_forwarded_frames() {
    let ns = NetnsPair::new("rul2");
    let ring = open_in(&ns.b, IF_B, false, false);
    // Policy drop; rule 1 forwards pfsend's flow 0 (UDP source port 1024):
    // with -f 2 that is every even sequence number, 10,000 of 20,000.
    let mut r = wildcard(1, 0);
    r.core_fields.port_low = 1024;
    r.core_fields.port_high = 1024;
    assert_eq!(add_rule(&ring, &mut r), 0);
    // SAFETY: valid handle.
    unsafe {
        assert_eq!(pfring_toggle_filtering_policy(ring.0, 0), 0);
        assert_eq!(pfring_set_sampling_rate(ring.0, 10), 0);
    }
    ring.enable();
    // Read while pfsend sends: the kernel hands over a block per
    // millisecond at least, so an unread ring fills in ~32 ms.
    let reader = std::thread::spawn(move || {
        let got = ring.drain(1000, 30);
        (got, ring)
    });
    pfsend(
        &ns.a,
        &["-i", IF_A, "-n", "20000", "-r", "50000", "-f", "2"],
        20_000,
    );
    let (got, ring) = reader.join().unwrap();
    // Nothing beyond the 1,000.
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(ring.recv(2048, false).rc, 0, "more than 1,000 delivered");
    let seqs: Vec<u64> = got.iter().map(|g| seq_of(&g.data)).collect();
    let want: Vec<u64> = (0..1000).map(|k| k * 20).collect();
    assert_eq!(seqs, want, "forwarded frames #1, #11, #21, ...");
    for g in &got {
        assert_eq!(
            g.data,
            expected_frame(seq_of(&g.data), 60, 2, MAC_A, SIP, DIP)
        );
    }
    assert_eq!(
        ring.stats(),
        pfring_stat {
            recv: 1000,
            drop: 0
        }
    );
    // The rule counted every forwarded frame, sampled or not.
    assert_eq!(rule_stats(&ring, 1), Ok((10_000, 600_000)));

    // Rate 1 switches sampling off.
    // SAFETY: valid handle.
    assert_eq!(unsafe { pfring_set_sampling_rate(ring.0, 1) }, 0);
    let reader = std::thread::spawn(move || {
        let got = ring.drain(100, 10);
        (got, ring)
    });
    pfsend(
        &ns.a,
        &["-i", IF_A, "-n", "200", "-r", "2000", "-f", "2"],
        200,
    );
    let (got, ring) = reader.join().unwrap();
    assert_eq!(got.len(), 100);
    assert_eq!(rule_stats(&ring, 1), Ok((10_100, 606_000)));
}

/// Sends `n` copies of a UDP frame and returns how many the ring delivered.
fn offer(ring: &Ring, tx: &RawTx, n: usize) -> usize {
    let f = ipv4_frame(None, 17, 0, &udp(1000, 53, b"x"));
    for _ in 0..n {
        tx.send(&f);
    }
    let got = ring.drain(n, 2);
    std::thread::sleep(Duration::from_millis(100));
    got.len() + ring.drain(usize::MAX, 0).len()
}

#[test]
fn bad_input_is_refused_with_errno_and_changes_nothing() {
    let ns = NetnsPair::new("rul3");
    let ring = open_in(&ns.b, IF_B, false, false);
    let tx = RawTx::open(&ns.a, IF_A);
    ring.enable();
    let p = ring.0;
    let mut r = wildcard(1, 0);
    let h = RawHashFilteringRule {
        vlan_id: 0,
        proto: 17,
        host_peer_a: 0xc633_6401,
        host_peer_b: 0xc633_6402,
        port_peer_a: 1000,
        port_peer_b: 53,
        rule_action: 2,
        plugin_action: filtering_rule_plugin_action { plugin_id: 0 },
    };
    let mut other = h;
    other.port_peer_b = 54;
    let mut buf = [0xa5u8; 16];
    let mut len;
    assert_eq!(add_rule(&ring, &mut r), 0);
    assert_eq!(hash_rule(&ring, &h, true), 0);
    let check = |rc: i32, e: i32, what: &str| {
        assert_eq!(rc, -1, "{what}");
        assert_eq!(errno(), e, "{what}");
    };
    check(
        hash_rule(&ring, &h, true),
        libc::EEXIST,
        "duplicate hash rule",
    );
    check(
        hash_rule(&ring, &other, false),
        libc::ENOENT,
        "missing hash rule",
    );
    // Out-of-range action, plugin: refused, rule 1 untouched.
    let mut bad = wildcard(1, 3);
    check(add_rule(&ring, &mut bad), libc::EINVAL, "action 3");
    let mut plug = wildcard(1, 1);
    plug.plugin_action.plugin_id = 1;
    check(
        add_rule(&ring, &mut plug),
        libc::EOPNOTSUPP,
        "plugin action",
    );
    let mut hplug = h;
    hplug.port_peer_b = 55;
    hplug.plugin_action.plugin_id = 1;
    check(
        hash_rule(&ring, &hplug, true),
        libc::EOPNOTSUPP,
        "hash plugin",
    );
    let mut hbad = h;
    hbad.port_peer_b = 56;
    hbad.rule_action = 3;
    check(hash_rule(&ring, &hbad, true), libc::EINVAL, "hash action 3");
    // SAFETY: valid handle; NULL and bad arguments are what is tested.
    unsafe {
        check(
            pfring_add_filtering_rule(p, std::ptr::null_mut()),
            libc::EINVAL,
            "NULL rule",
        );
        check(
            pfring_handle_hash_filtering_rule(p, std::ptr::null_mut(), 1),
            libc::EINVAL,
            "NULL hash rule (add)",
        );
        check(
            pfring_handle_hash_filtering_rule(p, std::ptr::null_mut(), 0),
            libc::EINVAL,
            "NULL hash rule (remove)",
        );
        check(
            pfring_remove_filtering_rule(p, 2),
            libc::ENOENT,
            "unknown id",
        );
        check(
            pfring_remove_filtering_rule(p, 65535),
            libc::ENOENT,
            "id 65535",
        );
        check(pfring_set_sampling_rate(p, 0), libc::EINVAL, "rate 0");
        check(pfring_set_cluster(p, 0), libc::EINVAL, "cluster id 0");
        check(
            pfring_set_cluster(p, 65536),
            libc::EINVAL,
            "cluster id 65536",
        );
        let dev = CString::new("nosuchdev0").unwrap();
        check(
            pfring_set_reflector(p, dev.as_ptr() as *mut _),
            libc::ENODEV,
            "unknown reflector device",
        );
        let dev = CString::new(IF_B).unwrap();
        check(
            pfring_set_reflector(p, dev.as_ptr() as *mut _),
            libc::EINVAL,
            "reflecting onto the receiving device",
        );
        check(
            pfring_set_reflector(p, std::ptr::null_mut()),
            libc::EINVAL,
            "NULL reflector device",
        );
        // Statistics: NULL pointers, short buffer, unknown rules.
        len = 15;
        check(
            pfring_get_filtering_rule_stats(p, 1, buf.as_mut_ptr() as *mut _, &mut len),
            libc::EINVAL,
            "stats_len 15",
        );
        assert_eq!(len, 15);
        assert_eq!(buf, [0xa5; 16], "nothing written");
        check(
            pfring_get_filtering_rule_stats(p, 1, std::ptr::null_mut(), &mut len),
            libc::EINVAL,
            "NULL stats",
        );
        check(
            pfring_get_filtering_rule_stats(p, 1, buf.as_mut_ptr() as *mut _, std::ptr::null_mut()),
            libc::EINVAL,
            "NULL stats_len",
        );
        len = 16;
        check(
            pfring_get_filtering_rule_stats(p, 9, buf.as_mut_ptr() as *mut _, &mut len),
            libc::ENOENT,
            "unknown rule stats",
        );
        check(
            pfring_get_hash_filtering_rule_stats(
                p,
                c_hash(&mut other),
                buf.as_mut_ptr() as *mut _,
                &mut len,
            ),
            libc::ENOENT,
            "unknown hash rule stats",
        );
        check(
            pfring_get_hash_filtering_rule_stats(
                p,
                std::ptr::null_mut(),
                buf.as_mut_ptr() as *mut _,
                &mut len,
            ),
            libc::EINVAL,
            "NULL hash rule stats",
        );
        assert_eq!(len, 16);
        assert_eq!(buf, [0xa5; 16], "nothing written");
    }
    // State unchanged: rule 1 (forward UDP) and the hash rule (continue)
    // still match, sampling is still off, no cluster.
    assert_eq!(offer(&ring, &tx, 5), 5);
    assert_eq!(rule_stats(&ring, 1), Ok((5, 5 * 43)));
    let hr = RawHashFilteringRule {
        vlan_id: 0,
        proto: 17,
        host_peer_a: 0xc633_6402,
        host_peer_b: 0xc633_6401,
        port_peer_a: 53,
        port_peer_b: 1000,
        rule_action: 0,
        plugin_action: filtering_rule_plugin_action { plugin_id: 0 },
    };
    assert_eq!(
        hash_stats(&ring, &hr),
        Ok((5, 5 * 43)),
        "either orientation"
    );
    assert_eq!(rule_stats(&ring, 2), Err(libc::ENOENT));
}

#[test]
fn add_sanitises_the_callers_rule_in_place() {
    let ns = NetnsPair::new("rul4");
    let ring = open_in(&ns.b, IF_B, false, false);
    let mut r = wildcard(4, 0);
    r.core_fields.port_low = 2000;
    r.core_fields.port_high = 53;
    r.core_fields.host_low = 0xc633_64ff;
    r.core_fields.host_high = 0xc633_6401;
    r.balance_id = 5;
    r.balance_pool = 2;
    assert_eq!(add_rule(&ring, &mut r), 0);
    assert_eq!(
        (
            r.core_fields.port_low,
            r.core_fields.port_high,
            r.core_fields.host_low,
            r.core_fields.host_high,
            r.balance_id,
            r.balance_pool
        ),
        (53, 53, 0xc633_6401, 0xc633_6401, 0, 2)
    );
    // An invalid rule is sanitised too (the library edits before the
    // kernel refuses, as in 3.7.5), and not added.
    let mut bad = wildcard(5, 9);
    bad.core_fields.port_low = 9;
    bad.core_fields.port_high = 8;
    assert_eq!(add_rule(&ring, &mut bad), -1);
    assert_eq!(errno(), libc::EINVAL);
    assert_eq!(bad.core_fields.port_low, 8);
    assert_eq!(rule_stats(&ring, 5), Err(libc::ENOENT));
}

/// Frames that passed the socket's filter (PACKET_STATISTICS tp_packets,
/// read and reset). Only for rings without drops: pfring_stats reads the
/// same counters.
fn kernel_accepted(ring: &Ring) -> u32 {
    let mut st = libc::tpacket_stats {
        tp_packets: 0,
        tp_drops: 0,
    };
    let mut len = std::mem::size_of::<libc::tpacket_stats>() as libc::socklen_t;
    // SAFETY: a valid handle's descriptor; `st` is writable for `len` bytes.
    let rc = unsafe {
        libc::getsockopt(
            (*ring.0).fd,
            libc::SOL_PACKET,
            libc::PACKET_STATISTICS,
            &mut st as *mut libc::tpacket_stats as *mut _,
            &mut len,
        )
    };
    assert_eq!(rc, 0);
    assert_eq!(st.tp_drops, 0);
    st.tp_packets
}

/// Policy drop, a hash rule forwarding pfsend's flow 0 (198.18.0.1:1024 <->
/// 198.19.0.1:53) and a wildcard rule dropping flow 1 (source port 1025);
/// 6,400 frames in 64 flows. Returns (frames the kernel filter let through,
/// frames delivered, rule 5's packet count).
fn prefilter_scenario() -> (u32, usize, u64) {
    let ns = NetnsPair::new("rul5");
    let ring = open_in(&ns.b, IF_B, false, false);
    let fwd = RawHashFilteringRule {
        vlan_id: 0,
        proto: 17,
        host_peer_a: 0xc612_0001,
        host_peer_b: 0xc613_0001,
        port_peer_a: 1024,
        port_peer_b: 53,
        rule_action: 0,
        plugin_action: filtering_rule_plugin_action { plugin_id: 0 },
    };
    let mut drop1 = wildcard(5, 1);
    drop1.core_fields.port_low = 1025;
    drop1.core_fields.port_high = 1025;
    // SAFETY: valid handle.
    assert_eq!(unsafe { pfring_toggle_filtering_policy(ring.0, 0) }, 0);
    assert_eq!(hash_rule(&ring, &fwd, true), 0);
    assert_eq!(add_rule(&ring, &mut drop1), 0);
    ring.enable();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let stop2 = std::sync::Arc::clone(&stop);
    let reader = std::thread::spawn(move || {
        let mut got = Vec::new();
        let mut end: Option<Instant> = None;
        loop {
            if end.is_none() && stop2.load(std::sync::atomic::Ordering::Relaxed) {
                end = Some(Instant::now() + Duration::from_millis(500));
            }
            if end.is_some_and(|e| Instant::now() >= e) {
                break;
            }
            let g = ring.recv(2048, false);
            assert!(g.rc >= 0);
            if g.rc > 0 {
                got.push(seq_of(&g.data));
            } else {
                std::thread::sleep(Duration::from_millis(1));
            }
        }
        (got, ring)
    });
    pfsend(
        &ns.a,
        &["-i", IF_A, "-n", "6400", "-r", "20000", "-f", "64"],
        6400,
    );
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let (got, ring) = reader.join().unwrap();
    assert_eq!(got, (0..100).map(|k| k * 64).collect::<Vec<u64>>());
    assert_eq!(hash_stats(&ring, &fwd), Ok((100, 6000)));
    let accepted = kernel_accepted(&ring);
    let r5 = rule_stats(&ring, 5).unwrap().0;
    (accepted, got.len(), r5)
}

/// The default prefilter (`PF_RING_PREFILTER=stats`) keeps in the kernel
/// the frames no rule matches under policy drop, and lets through those a
/// rule matches, so every rule's statistics stay exact.
#[test]
fn the_default_prefilter_drops_unmatched_frames_in_the_kernel() {
    if std::env::var_os("PF_RING_PREFILTER").is_some() {
        return;
    }
    assert_eq!(prefilter_scenario(), (200, 100, 100));
}

/// Runs the scenario in a child process with `PF_RING_PREFILTER` set (the
/// variable is read at open; setting it here would race with other tests).
fn run_mode(mode: &str) -> String {
    let out = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "prefilter_mode_child",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("PF_RING_PREFILTER", mode)
        .output()
        .expect("spawn child");
    let s = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        out.status.success(),
        "{s}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let at = s.find("PREFILTER ").expect("child result");
    s[at..].lines().next().unwrap().to_string()
}

/// Child side of `prefilter_modes_all_and_off` (a no-op otherwise).
#[test]
fn prefilter_mode_child() {
    if let Ok(mode) = std::env::var("PF_RING_PREFILTER") {
        let (acc, got, r5) = prefilter_scenario();
        println!("PREFILTER {mode} accepted={acc} delivered={got} rule5={r5}");
    }
}

/// `all`: the drop rule's frames stay in the kernel too (its statistics
/// miss them); `off`: every frame reaches user space.
#[test]
fn prefilter_modes_all_and_off() {
    if std::env::var_os("PF_RING_PREFILTER").is_some() {
        return;
    }
    assert_eq!(
        run_mode("all"),
        "PREFILTER all accepted=100 delivered=100 rule5=0"
    );
    assert_eq!(
        run_mode("off"),
        "PREFILTER off accepted=6400 delivered=100 rule5=100"
    );
}

/// Everything queued now (recv without waiting until it says 0).
fn drain_queued(ring: &Ring) -> Vec<Got> {
    let mut v = Vec::new();
    loop {
        let g = ring.recv(2048, false);
        assert!(g.rc >= 0, "recv failed: errno {}", errno());
        if g.rc == 0 {
            return v;
        }
        v.push(g);
    }
}

/// On AF_PACKET, rules and sampling set while frames wait in the block the
/// reader has open apply to those frames: pfring_recv's fast path (no
/// rules, no sampling) must notice the change between two frames of one
/// block. The module judges frames as they arrive, as 3.7.5 did: frames
/// queued before the change pass unjudged.
#[test]
fn rules_and_sampling_set_mid_block_apply_to_the_frames_already_queued() {
    let ns = NetnsPair::new("rul5");
    let ring = open_in(&ns.b, IF_B, false, false);
    ring.enable();
    let kmod = backend_of(&ring) == "kmod";
    let tx = RawTx::open(&ns.a, IF_A);
    // Frame i: UDP to port 53 (even i) or 54 (odd i), payload byte i.
    let send = |from: u8, n: u8| {
        for i in from..from + n {
            tx.send(&ipv4_frame(
                None,
                17,
                0,
                &udp(1000, 53 + u16::from(i % 2), &[i]),
            ));
        }
        // Every frame sent is in a retired block (8 ms retire timeout).
        std::thread::sleep(Duration::from_millis(60));
    };
    let ids = |got: &[Got]| got.iter().map(|g| g.data[42]).collect::<Vec<u8>>();
    send(0, 30);
    let first = ring.drain(10, 2);
    assert_eq!(ids(&first), (0..10).collect::<Vec<u8>>());
    // Rule 1 drops port 54 (action 1 = dont_forward), policy accept.
    let mut r = wildcard(1, 1);
    r.core_fields.port_low = 54;
    r.core_fields.port_high = 54;
    assert_eq!(add_rule(&ring, &mut r), 0);
    let rest = drain_queued(&ring);
    if kmod {
        assert_eq!(ids(&rest), (10..30).collect::<Vec<u8>>());
        assert_eq!(rule_stats(&ring, 1), Ok((0, 0)));
    } else {
        assert_eq!(ids(&rest), (10..30).step_by(2).collect::<Vec<u8>>());
        // 43-byte frames (14 + 20 + 8 + 1).
        assert_eq!(rule_stats(&ring, 1), Ok((10, 430)));
    }
    let after_rule = rest.len() as u64;

    // The rule goes, sampling 1 in 3 comes, again between two frames.
    send(30, 30);
    let first = ring.drain(6, 2);
    assert_eq!(ids(&first), vec![30, 32, 34, 36, 38, 40]);
    // SAFETY: valid handle.
    assert_eq!(unsafe { pfring_remove_filtering_rule(ring.0, 1) }, 0);
    // SAFETY: valid handle.
    assert_eq!(unsafe { pfring_set_sampling_rate(ring.0, 3) }, 0);
    let rest = drain_queued(&ring);
    if kmod {
        // The module dropped the odd ones when they arrived.
        assert_eq!(ids(&rest), (42..60).step_by(2).collect::<Vec<u8>>());
    } else {
        // The first of every 3 (see the rate-10 test above).
        assert_eq!(ids(&rest), (41..60).step_by(3).collect::<Vec<u8>>());
    }
    let after_rate = rest.len() as u64;
    // SAFETY: valid handle.
    assert_eq!(unsafe { pfring_set_sampling_rate(ring.0, 1) }, 0);
    send(60, 4);
    assert_eq!(ids(&drain_queued(&ring)), vec![60, 61, 62, 63]);
    assert_eq!(
        ring.stats(),
        pfring_stat {
            recv: 10 + after_rule + 6 + after_rate + 4,
            drop: 0
        }
    );
}
