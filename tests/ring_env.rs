//! The ring-shape environment variables (its own process: it sets them).

mod pf_support;

use std::ffi::CString;

use pf_support::*;
use pfring::ring::Ring;

fn open_in_ns(ns: &str) -> Result<Ring, String> {
    let ns = ns.to_string();
    std::thread::spawn(move || {
        enter_netns(&ns).expect("setns");
        let dev = CString::new(IF_B).unwrap();
        Ring::open(&dev, false, false).map_err(|e| e.to_string())
    })
    .join()
    .unwrap()
}

#[test]
fn block_size_and_retire_timeout_come_from_the_environment() {
    let ns = NetnsPair::new("renv");
    std::env::set_var("PF_RING_BACKEND", "af_packet");
    // Default shape: 32 MiB in 64 blocks of 512 KiB, retired after 8 ms.
    let r = open_in_ns(&ns.b).unwrap();
    assert_eq!(r.af_packet_geometry(), Some((512 << 10, 64, 8)));
    r.close();
    // Either variable alone keeps the other default.
    std::env::set_var("PF_RING_RETIRE_MS", "3");
    let r = open_in_ns(&ns.b).unwrap();
    assert_eq!(r.af_packet_geometry(), Some((512 << 10, 64, 3)));
    r.close();
    std::env::remove_var("PF_RING_RETIRE_MS");
    std::env::set_var("PF_RING_BLOCK_SIZE", "65536");
    let r = open_in_ns(&ns.b).unwrap();
    assert_eq!(r.af_packet_geometry(), Some((64 << 10, 512, 8)));
    r.close();
    std::env::set_var("PF_RING_BLOCK_SIZE", "1048576");
    std::env::set_var("PF_RING_RETIRE_MS", "10");
    let r = open_in_ns(&ns.b).unwrap();
    assert_eq!(r.af_packet_geometry(), Some((1 << 20, 32, 10)));
    r.close();
    // Not a power of two: rounded up (the ring keeps its 32 MiB).
    std::env::set_var("PF_RING_BLOCK_SIZE", "300000");
    let r = open_in_ns(&ns.b).unwrap();
    assert_eq!(r.af_packet_geometry(), Some((512 << 10, 64, 10)));
    r.close();
    std::env::set_var("PF_RING_BLOCK_SIZE", "1024");
    assert_eq!(
        open_in_ns(&ns.b).err().as_deref(),
        Some("invalid argument: PF_RING_BLOCK_SIZE out of range (4096..16777216)")
    );
    std::env::remove_var("PF_RING_BLOCK_SIZE");
    std::env::set_var("PF_RING_RETIRE_MS", "0");
    assert_eq!(
        open_in_ns(&ns.b).err().as_deref(),
        Some("invalid argument: PF_RING_RETIRE_MS out of range (1..1000)")
    );
    std::env::remove_var("PF_RING_RETIRE_MS");
    std::env::remove_var("PF_RING_BACKEND");
}
