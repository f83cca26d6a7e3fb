//! Closing a non-reentrant ring while its consumer is inside pfring_recv
//! (the fence-free fast path) from another thread, under traffic: every
//! consumer returns -1/EBADF, every socket and mapping is released (no
//! descriptor leaks), and recycled handles never crash.

mod pf_support;

use std::time::Duration;

use ::pfring::ffi::*;
use pf_support::*;

fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").unwrap().count()
}

#[test]
fn close_races_with_a_busy_consumer_without_leaks() {
    let ns = NetnsPair::new("life");
    // Warm up: the first open registers the process for membarrier.
    drop(open_in(&ns.b, IF_B, false, false));
    let before = open_fds();
    let a = ns.a.clone();
    let traffic = std::thread::spawn(move || {
        pfsend(&a, &["-i", IF_A, "-n", "400000", "-r", "100000"], 400_000);
    });
    let mut received = 0u64;
    for i in 0..60u64 {
        let ring = open_in(&ns.b, IF_B, i % 2 == 0, false);
        ring.enable();
        let p = ring.0 as usize;
        std::mem::forget(ring);
        let consumer = std::thread::spawn(move || {
            let mut buf = [0u8; 2048];
            let mut hdr = pfring_pkthdr::default();
            let mut n = 0u64;
            loop {
                // SAFETY: valid handle until the main thread closes it; after
                // that recv must refuse it (memory recycled only by a later
                // pfring_open, which the main thread does after joining).
                let rc = unsafe {
                    pfring_recv(
                        p as *mut pfring,
                        buf.as_mut_ptr() as *mut _,
                        2048,
                        &mut hdr,
                        (n % 3 == 0) as u8,
                    )
                };
                if rc < 0 {
                    return (n, errno());
                }
                if rc > 0 {
                    n += 1;
                }
            }
        });
        std::thread::sleep(Duration::from_micros(300 + (i * 7919) % 5000));
        // SAFETY: valid handle, closed once.
        unsafe { pfring_close(p as *mut pfring) };
        let (n, e) = consumer.join().unwrap();
        assert_eq!(e, libc::EBADF, "round {i}");
        received += n;
    }
    traffic.join().unwrap();
    // The next open reaps every closed handle (and anything a close/exit
    // race left to it); then the descriptor count is back where it was.
    drop(open_in(&ns.b, IF_B, false, false));
    assert_eq!(open_fds(), before, "sockets/eventfds leaked");
    assert!(received > 0, "the consumers saw traffic");
}
