//! pfsend end to end: frames sent in one private namespace are counted and
//! compared byte for byte by a raw AF_PACKET socket in the peer namespace.

mod tools_support;

use std::time::Duration;
use tools_support::*;

const PFSEND: &str = env!("CARGO_BIN_EXE_pfsend");
const SIP: [u8; 4] = [198, 18, 0, 1];
const DIP: [u8; 4] = [198, 19, 0, 1];

fn pfsend(
    ns: &str,
    args: &[&str],
) -> (
    std::collections::HashMap<String, String>,
    std::process::Output,
) {
    let out = run_in(ns, PFSEND, args);
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        out.status.success(),
        "pfsend {args:?} failed: {}\nstdout: {stdout}\nstderr: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(stdout.lines().count(), 1, "one summary line: {stdout}");
    (parse_kv(&stdout), out)
}

fn num(kv: &std::collections::HashMap<String, String>, k: &str) -> f64 {
    kv[k].parse().unwrap_or_else(|_| panic!("{k}={}", kv[k]))
}

#[test]
fn generated_frames_arrive_exactly_in_order() {
    let ns = NetnsPair::new("snd1");
    let rx = RawRx::open(&ns.b, IF_B);
    let n = 20_000;
    let (kv, _) = pfsend(
        &ns.a,
        &["-i", IF_A, "-n", "20000", "-f", "7", "-b", "64", "-q"],
    );
    assert_eq!(kv["sent"], "20000");
    assert_eq!(kv["errors"], "0");
    assert_eq!(kv["bytes"], "1200000");
    assert_eq!(kv["stopped"], "count");
    let got = rx.collect(n, Duration::from_secs(10), Duration::from_millis(200));
    assert_eq!(got.len(), n, "frames received");
    for (i, f) in got.iter().enumerate() {
        let want = expected_frame(i as u64, 60, 7, MAC_A, SIP, DIP);
        assert_eq!(f, &want, "frame {i}");
    }
    assert_eq!(
        rx.stats(),
        (n as u32, 0),
        "PACKET_STATISTICS (packets, drops)"
    );
}

#[test]
fn full_size_frames_paced_with_custom_addresses() {
    let ns = NetnsPair::new("snd2");
    let rx = RawRx::open(&ns.b, IF_B);
    let args = [
        "-i",
        IF_A,
        "-n",
        "2000",
        "-r",
        "20000",
        "-l",
        "1514",
        "-f",
        "3",
        "-s",
        "02:00:00:00:00:0a",
        "-S",
        "198.51.100.1",
        "-D",
        "203.0.113.9",
        "-b",
        "16",
    ];
    let (kv, _) = pfsend(&ns.a, &args);
    assert_eq!(kv["sent"], "2000");
    assert_eq!(kv["bytes"], (2000 * 1514).to_string());
    // Pacing is per batch of 16: the last batch starts with packet 1984,
    // due 1984/20000 s after the first.
    let elapsed = num(&kv, "elapsed");
    assert!((0.0992..5.0).contains(&elapsed), "elapsed={elapsed}");
    let got = rx.collect(2000, Duration::from_secs(10), Duration::from_millis(200));
    assert_eq!(got.len(), 2000);
    for (i, f) in got.iter().enumerate() {
        let want = expected_frame(
            i as u64,
            1514,
            3,
            [2, 0, 0, 0, 0, 0x0a],
            [198, 51, 100, 1],
            [203, 0, 113, 9],
        );
        assert_eq!(f, &want, "frame {i}");
    }
}

#[test]
fn time_bound_stops_a_paced_run() {
    let ns = NetnsPair::new("snd3");
    let rx = RawRx::open(&ns.b, IF_B);
    // 20 pps for at most 1 s: packets 0..19 are due before the deadline
    // (the last at 0.95 s), packet 20 exactly at it.
    let (kv, _) = pfsend(&ns.a, &["-i", IF_A, "-n", "1000000", "-r", "20", "-t", "1"]);
    assert_eq!(kv["stopped"], "time");
    assert_eq!(kv["sent"], "20");
    let elapsed = num(&kv, "elapsed");
    assert!((1.0..3.0).contains(&elapsed), "elapsed={elapsed}");
    let got = rx.collect(20, Duration::from_secs(5), Duration::from_millis(300));
    assert_eq!(got.len(), 20);
    for (i, f) in got.iter().enumerate() {
        assert_eq!(
            f,
            &expected_frame(i as u64, 60, 1024, MAC_A, SIP, DIP),
            "frame {i}"
        );
    }
}

fn capture_frames() -> Vec<(Duration, Vec<u8>)> {
    let lens = [60usize, 100, 1514, 64, 200];
    lens.iter()
        .enumerate()
        .map(|(i, &l)| {
            let mut f = expected_frame(1000 + i as u64, l, 1024, MAC_A, SIP, DIP);
            f[0..6].copy_from_slice(&[2, 0, 0, 0, 0, 0x77]);
            (Duration::from_millis(1_700_000_000_000 + 50 * i as u64), f)
        })
        .collect()
}

fn check_replay(file: &std::path::Path) {
    let frames = capture_frames();
    let path = file.to_str().unwrap();

    // Original pace: five packets 50 ms apart take at least 200 ms.
    let ns = NetnsPair::new("rpl");
    let rx = RawRx::open(&ns.b, IF_B);
    let (kv, _) = pfsend(&ns.a, &["-i", IF_A, "-P", path]);
    assert_eq!(kv["sent"], "5");
    assert_eq!(kv["errors"], "0");
    assert_eq!(kv["bytes"], (60 + 100 + 1514 + 64 + 200).to_string());
    let elapsed = num(&kv, "elapsed");
    assert!((0.2..5.0).contains(&elapsed), "elapsed={elapsed}");
    let got = rx.collect(5, Duration::from_secs(5), Duration::from_millis(200));
    let want: Vec<Vec<u8>> = frames.iter().map(|f| f.1.clone()).collect();
    assert_eq!(got, want);

    // A given rate overrides the file's pace; -n limits the count.
    let (kv, _) = pfsend(&ns.a, &["-i", IF_A, "-P", path, "-r", "0", "-n", "3"]);
    assert_eq!(kv["sent"], "3");
    let got = rx.collect(3, Duration::from_secs(5), Duration::from_millis(200));
    assert_eq!(got, want[..3].to_vec());
}

#[test]
fn replays_pcap_at_original_pace() {
    let dir = std::env::temp_dir().join(format!("pfsend-pcap-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("five.pcap");
    write_pcap(&file, &capture_frames());
    check_replay(&file);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn replays_pcapng_at_original_pace() {
    let dir = std::env::temp_dir().join(format!("pfsend-pcapng-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("five.pcapng");
    write_pcapng(&file, &capture_frames());
    check_replay(&file);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn replay_counts_frames_the_device_refuses() {
    let dir = std::env::temp_dir().join(format!("pfsend-big-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("big.pcap");
    let mut pkts = capture_frames();
    pkts[1].1 = expected_frame(7, 3000, 1024, MAC_A, SIP, DIP);
    write_pcap(&file, &pkts);
    let ns = NetnsPair::new("rpl2");
    let rx = RawRx::open(&ns.b, IF_B);
    let (kv, _) = pfsend(
        &ns.a,
        &["-i", IF_A, "-P", file.to_str().unwrap(), "-r", "0"],
    );
    assert_eq!(kv["sent"], "4");
    assert_eq!(kv["errors"], "1");
    let got = rx.collect(4, Duration::from_secs(5), Duration::from_millis(200));
    let want: Vec<Vec<u8>> = [0, 2, 3, 4].iter().map(|&i| pkts[i].1.clone()).collect();
    assert_eq!(got, want);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn errors_are_reported_with_exit_codes() {
    let ns = NetnsPair::new("snd4");
    let out = run_in(&ns.a, PFSEND, &["-i", "nosuch0", "-n", "1"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "pfsend: cannot open nosuch0: no such device\n"
    );
    let out = run_in(&ns.a, PFSEND, &["-i", IF_A, "-n", "1", "-l", "2000"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "pfsend: send on veth-a failed (2000-byte frame): Message too long (os error 90)\n"
    );
    let out = run_in(&ns.a, PFSEND, &["-i", IF_A, "-l", "59"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .starts_with("pfsend: -l 59: length must be 60..9216\nusage: pfsend"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = run_in(&ns.a, PFSEND, &["-i", IF_A, "-P", "/nonexistent.pcap"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "pfsend: /nonexistent.pcap: No such file or directory (os error 2)\n"
    );
}
