//! Ring behaviour that needs its own process (it sets PF_RING_NUM_SLOTS):
//! overflow accounting and low-rate latency.

mod pf_support;

use std::time::Duration;

use ::pfring::ffi::*;
use pf_support::*;

fn now_us() -> i64 {
    let d = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap();
    d.as_secs() as i64 * 1_000_000 + d.subsec_micros() as i64
}

/// A full ring counts every packet it could not queue as dropped, loses
/// nothing else, and captures normally again once drained.
#[test]
fn overflow_counts_drops_exactly_and_recovers() {
    // 16 buckets: the smallest ring (4 blocks) that a burst overflows.
    std::env::set_var("PF_RING_NUM_SLOTS", "16");
    let ns = NetnsPair::new("ovf");
    let ring = open_in(&ns.b, IF_B, false, false);
    std::env::remove_var("PF_RING_NUM_SLOTS");
    ring.enable();
    let n = 30_000u64;
    pfsend(&ns.a, &["-i", IF_A, "-n", "30000", "-r", "300000"], n);
    std::thread::sleep(Duration::from_millis(100));
    let got = ring.drain(n as usize, 5);
    let st = ring.stats();
    assert_eq!(st.recv, got.len() as u64);
    assert!(
        st.drop > 0,
        "a 30,000-frame burst must overflow a 4-block ring: {st:?}"
    );
    assert_eq!(
        st.recv + st.drop,
        n,
        "every frame is either read or counted as dropped"
    );
    // What was queued is an in-order subsequence of what was sent.
    let seqs: Vec<u64> = got.iter().map(|g| seq_of(&g.data)).collect();
    assert!(
        seqs.windows(2).all(|w| w[0] < w[1]),
        "in order, no duplicates"
    );

    // Recovery: a second burst that fits in the emptied ring (1,000 small
    // frames take under one 256 KiB block) is captured whole.
    pfsend(&ns.a, &["-i", IF_A, "-n", "1000"], 1000);
    let again = ring.drain(1000, 10);
    assert_eq!(again.len(), 1000);
    let seqs: Vec<u64> = again.iter().map(|g| seq_of(&g.data)).collect();
    assert_eq!(seqs, (0..1000).collect::<Vec<_>>());
    let st2 = ring.stats();
    assert_eq!((st2.recv, st2.drop), (st.recv + 1000, st.drop));
}

/// At a low rate a frame reaches a blocked pfring_recv within 10 ms of its
/// arrival (kernel time stamp -> return from recv), although TPACKET_V3
/// hands frames over per block.
#[test]
fn low_rate_frames_reach_recv_within_10ms() {
    let ns = NetnsPair::new("lat");
    let ring = open_in(&ns.b, IF_B, false, false);
    ring.enable();
    let a = ns.a.clone();
    let sender = std::thread::spawn(move || {
        let tx = RawTx::open(&a, IF_A);
        for i in 0..40u8 {
            std::thread::sleep(Duration::from_millis(25));
            tx.send(&ipv4_frame(None, 17, 0, &udp(7, 7, &[i; 8])));
        }
    });
    let mut lat = Vec::new();
    for _ in 0..40 {
        let mut buf = [0u8; 2048];
        let mut hdr = pfring_pkthdr::default();
        // SAFETY: valid handle, 2048-byte buffer, header.
        let rc = unsafe { pfring_recv(ring.0, buf.as_mut_ptr() as *mut _, 2048, &mut hdr, 1) };
        let t = now_us();
        assert!(rc > 0);
        lat.push(t - (hdr.ts.tv_sec * 1_000_000 + hdr.ts.tv_usec));
    }
    sender.join().unwrap();
    lat.sort_unstable();
    eprintln!(
        "recv latency us: min {} p50 {} p90 {} max {}",
        lat[0], lat[20], lat[36], lat[39]
    );
    assert!(lat[0] >= 0, "recv cannot return before the frame arrived");
    // The block hand-over bounds every frame by the 8 ms retire timeout;
    // the scheduler adds its own delay on a loaded 2-core machine, so the
    // gate is on 90% of the frames (36 of 40), the rest is reported.
    assert!(
        lat[35] <= 10_000,
        "more than 4 of 40 frames took over 10 ms ({lat:?})"
    );
}
