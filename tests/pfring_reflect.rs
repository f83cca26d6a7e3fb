//! Reflection through libpfring's C API across three private namespaces:
//! A --veth-a/veth-b-- B --veth-c/veth-d-- C. A ring in B on veth-b
//! reflects onto veth-c; a tap in C on veth-d sees what came out.

#[allow(unused_imports)] // not every helper re-export is used here
mod pf_support;

use std::ffi::CString;
use std::process::Command;
use std::time::Duration;

use ::pfring::ffi::types::RawFilteringRule;
use ::pfring::ffi::*;
use ::pfring::rules::vectors::build_frame;
use pf_support::tools_support::RawRx;
use pf_support::*;

const IPV6_OFF: &str = "for f in all default; do \
    echo 1 > /proc/sys/net/ipv6/conf/$f/disable_ipv6; done";

fn ip(args: &[&str]) {
    let st = Command::new("ip").args(args).status().expect("run ip");
    assert!(st.success(), "ip {args:?} failed");
}

/// The pair A/B plus namespace C joined to B by veth-c (in B) / veth-d (in
/// C); C is deleted on drop (the pair by its own drop).
struct Three {
    pair: NetnsPair,
    c: String,
}

impl Three {
    fn new(tag: &str) -> Three {
        let pair = NetnsPair::new(tag);
        let c = format!("{}c", pair.b);
        ip(&["netns", "add", &c]);
        let three = Three { pair, c };
        let c = three.c.as_str();
        ip(&["netns", "exec", c, "sh", "-c", IPV6_OFF]);
        ip(&[
            "link",
            "add",
            "veth-c",
            "netns",
            &three.pair.b,
            "type",
            "veth",
            "peer",
            "name",
            "veth-d",
            "netns",
            c,
        ]);
        ip(&["-n", &three.pair.b, "link", "set", "veth-c", "up"]);
        ip(&["-n", c, "link", "set", "veth-d", "up"]);
        ip(&["-n", c, "link", "set", "lo", "up"]);
        three
    }
}

impl Drop for Three {
    fn drop(&mut self) {
        let _ = Command::new("ip").args(["netns", "del", &self.c]).status();
    }
}

fn frame(kind: &str, i: usize) -> Vec<u8> {
    let args: Vec<String> = [
        kind,
        "198.51.100.1:4000",
        ">",
        "198.51.100.2:5000",
        &format!("payload=\"reflect {i:04}\""),
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    build_frame(&args).unwrap()
}

fn set_reflector(ring: &Ring, dev: &str) -> i32 {
    let d = CString::new(dev).unwrap();
    // SAFETY: valid handle and C string.
    unsafe { pfring_set_reflector(ring.0, d.as_ptr() as *mut _) }
}

#[test]
fn forwarded_frames_are_reflected_byte_identical_and_not_delivered() {
    let t = Three::new("rfl1");
    let tx = RawTx::open(&t.pair.a, IF_A);
    let tap = RawRx::open(&t.c, "veth-d");
    let ring = open_in(&t.pair.b, IF_B, false, false);
    // Rule 1 drops TCP; policy accept forwards the rest.
    let mut r = RawFilteringRule {
        rule_id: 1,
        rule_action: 1,
        balance_id: 0,
        balance_pool: 0,
        core_fields: filtering_rule_core_fields {
            proto: 6,
            vlan_id: 0,
            host_low: 0,
            host_high: 0,
            port_low: 0,
            port_high: 0,
        },
        extended_fields: Default::default(),
        plugin_action: filtering_rule_plugin_action { plugin_id: 0 },
    };
    // SAFETY: valid handle; same layout as filtering_rule (action 1 valid).
    let rc =
        unsafe { pfring_add_filtering_rule(ring.0, &mut r as *mut RawFilteringRule as *mut _) };
    assert_eq!(rc, 0);
    assert_eq!(set_reflector(&ring, "veth-c"), 0, "errno {}", errno());
    assert_eq!(set_reflector(&ring, "veth-c"), -1, "only one reflector");
    assert_eq!(errno(), libc::EBUSY);
    // The 2008 forwarder: enable and never call pfring_recv.
    ring.enable();
    let mut udp = Vec::new();
    for i in 0..300 {
        let f = frame(if i % 3 == 2 { "tcp" } else { "udp" }, i);
        if i % 3 != 2 {
            udp.push(f.clone());
        }
        tx.send(&f);
        if i % 50 == 49 {
            std::thread::sleep(Duration::from_millis(5));
        }
    }
    let got = tap.collect(200, Duration::from_secs(10), Duration::from_millis(300));
    assert_eq!(got.len(), 200, "every forwarded frame, nothing else");
    assert_eq!(got, udp, "byte-identical, in order");
    // The application's ring saw none of them.
    let g = ring.recv(2048, false);
    assert_eq!(g.rc, 0);
    assert_eq!(ring.stats(), pfring_stat { recv: 0, drop: 0 });
    let mut buf = [0u8; 16];
    let mut len = 16u32;
    // SAFETY: valid handle, 16-byte buffer.
    let rc =
        unsafe { pfring_get_filtering_rule_stats(ring.0, 1, buf.as_mut_ptr() as *mut _, &mut len) };
    assert_eq!(rc, 0);
    let tcp_len = frame("tcp", 0).len() as u64;
    assert_eq!(
        u64::from_ne_bytes(buf[..8].try_into().unwrap()),
        100,
        "the drop rule matched the 100 TCP frames"
    );
    assert_eq!(
        u64::from_ne_bytes(buf[8..].try_into().unwrap()),
        100 * tcp_len
    );

    // A VLAN frame goes out with its tag (the tap in C sees it stripped
    // into the skb again, so compare without it).
    let mut args: Vec<String> = ["udp", "198.51.100.1:1", ">", "198.51.100.2:2", "vlan=12"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    args.push("payload=\"tagged\"".into());
    let tagged = build_frame(&args).unwrap();
    tx.send(&tagged);
    let got = tap.collect(1, Duration::from_secs(5), Duration::from_millis(200));
    let mut untagged = tagged.clone();
    untagged.drain(12..16);
    assert_eq!(got, vec![untagged]);
}

#[test]
fn reflector_set_before_recv_and_closing_stops_it() {
    let t = Three::new("rfl2");
    let tx = RawTx::open(&t.pair.a, IF_A);
    let tap = RawRx::open(&t.c, "veth-d");
    let ring = open_in(&t.pair.b, IF_B, false, true);
    assert_eq!(set_reflector(&ring, "veth-c"), 0, "errno {}", errno());
    // Not enabled yet: nothing is reflected.
    tx.send(&frame("udp", 0));
    assert!(tap
        .collect(1, Duration::from_millis(300), Duration::ZERO)
        .is_empty());
    // A blocking recv enables the ring and then sleeps: everything goes out.
    let r = std::sync::Arc::new(ring);
    let r2 = std::sync::Arc::clone(&r);
    let blocked = std::thread::spawn(move || r2.recv(2048, true).rc);
    std::thread::sleep(Duration::from_millis(200));
    for i in 1..=20 {
        tx.send(&frame("udp", i));
    }
    let got = tap.collect(20, Duration::from_secs(5), Duration::from_millis(200));
    assert_eq!(got, (1..=20).map(|i| frame("udp", i)).collect::<Vec<_>>());
    // Closing wakes the blocked recv (-1) and stops the reflector thread.
    // SAFETY: valid handle, closed once; the Ring wrapper is forgotten.
    unsafe { pfring_close(r.0) };
    assert_eq!(blocked.join().unwrap(), -1);
    std::mem::forget(std::sync::Arc::try_unwrap(r).ok().expect("one owner"));
    std::thread::sleep(Duration::from_millis(100));
    tx.send(&frame("udp", 99));
    assert!(tap
        .collect(1, Duration::from_millis(300), Duration::ZERO)
        .is_empty());
}

#[test]
fn reflector_refusals() {
    let t = Three::new("rfl3");
    let ring = open_in(&t.pair.b, IF_B, false, false);
    assert_eq!(set_reflector(&ring, IF_B), -1);
    assert_eq!(errno(), libc::EINVAL, "the receiving device");
    assert_eq!(set_reflector(&ring, "nosuchdev0"), -1);
    assert_eq!(errno(), libc::ENODEV);
    assert_eq!(set_reflector(&ring, ""), -1);
    assert_eq!(errno(), libc::ENODEV);
    // SAFETY: valid handle; a NULL device is refused.
    let rc = unsafe { pfring_set_reflector(ring.0, std::ptr::null_mut()) };
    assert_eq!(rc, -1);
    assert_eq!(errno(), libc::EINVAL);
    let any = open_in(&t.pair.b, "any", false, false);
    assert_eq!(set_reflector(&any, "veth-c"), -1);
    assert_eq!(errno(), libc::EINVAL, "a ring on any");
    // After the refusals the ring still delivers to the application.
    let tx = RawTx::open(&t.pair.a, IF_A);
    ring.enable();
    tx.send(&frame("udp", 7));
    let got = ring.drain(1, 3);
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].data, frame("udp", 7));
}

/// Closing while the reflector thread is busy, then opening again at once
/// (which frees closed handles nobody is inside): no crash, no leak of the
/// thread, and the last ring still reflects.
#[test]
fn close_during_reflection_and_reopen() {
    let t = Three::new("rfl4");
    let a = t.pair.a.clone();
    let sender = std::thread::spawn(move || {
        let tx = RawTx::open(&a, IF_A);
        for i in 0..3000 {
            tx.send(&frame("udp", i % 10_000));
            if i % 100 == 99 {
                std::thread::sleep(Duration::from_millis(2));
            }
        }
    });
    for _ in 0..20 {
        let ring = open_in(&t.pair.b, IF_B, false, false);
        assert_eq!(set_reflector(&ring, "veth-c"), 0, "errno {}", errno());
        ring.enable();
        std::thread::sleep(Duration::from_millis(3));
        drop(ring); // pfring_close
    }
    sender.join().unwrap();
    let reflectors = || {
        std::fs::read_dir("/proc/self/task")
            .unwrap()
            .filter_map(|e| std::fs::read_to_string(e.unwrap().path().join("comm")).ok())
            .filter(|c| c.starts_with("pfring-reflect")) // comm keeps 15 bytes
            .count()
    };
    let end = std::time::Instant::now() + Duration::from_secs(2);
    let mut threads = reflectors();
    while threads > 0 && std::time::Instant::now() < end {
        std::thread::sleep(Duration::from_millis(10));
        threads = reflectors();
    }
    assert_eq!(threads, 0, "every reflector thread ended");
    let tap = RawRx::open(&t.c, "veth-d");
    let tx = RawTx::open(&t.pair.a, IF_A);
    let ring = open_in(&t.pair.b, IF_B, false, false);
    assert_eq!(set_reflector(&ring, "veth-c"), 0);
    ring.enable();
    // The new thread names itself once it runs.
    let end = std::time::Instant::now() + Duration::from_secs(2);
    while reflectors() == 0 && std::time::Instant::now() < end {
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(reflectors(), 1, "the thread is visible while it runs");
    tx.send(&frame("udp", 1));
    let got = tap.collect(1, Duration::from_secs(5), Duration::from_millis(200));
    assert_eq!(got, vec![frame("udp", 1)]);
}
