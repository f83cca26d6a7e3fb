//! pfcount end to end: pfsend sends N frames over a private veth pair and
//! pfcount, reading them through libpfring, reports exactly N.

mod tools_support;

use std::time::Duration;
use tools_support::*;

const PFSEND: &str = env!("CARGO_BIN_EXE_pfsend");
const PFCOUNT: &str = env!("CARGO_BIN_EXE_pfcount");

fn send(ns: &str, args: &[&str]) {
    let out = run_in(ns, PFSEND, args);
    assert!(
        out.status.success(),
        "pfsend {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The exit block for `n` packets of `len` bytes, without the rates.
fn assert_totals(stderr: &str, n: u64, len: u64) {
    let block: Vec<&str> = stderr
        .lines()
        .skip_while(|l| !l.starts_with("Absolute Stats"))
        .collect();
    assert!(block.len() >= 4, "no Absolute Stats block in: {stderr}");
    assert_eq!(
        block[0],
        format!("Absolute Stats: [{n} pkts rcvd][0 pkts dropped]")
    );
    assert_eq!(block[1], format!("Total Pkts={n}/Dropped=0.0 %"));
    let (head, tail) = block[2].split_once(" [").unwrap();
    assert_eq!(head, format!("{n} pkts"));
    assert!(
        tail.contains(&format!("] - {} bytes [", n * len)),
        "{}",
        block[2]
    );
    assert!(block[2].ends_with(" Mbit/sec]"), "{}", block[2]);
    assert_eq!(block[3], "=========================");
    assert!(
        stderr
            .lines()
            .rev()
            .nth(4)
            .is_some_and(|l| l == "========================="),
        "block opens with a rule: {stderr}"
    );
}

#[test]
fn counts_exactly_n_and_stops() {
    let ns = NetnsPair::new("cnt1");
    let mut pc = Running::start(
        &ns.b,
        PFCOUNT,
        &["-i", IF_B, "-n", "3000"],
        "Capturing from veth-b",
    );
    // 3100 frames: pfcount must stop at exactly 3000.
    send(
        &ns.a,
        &["-i", IF_A, "-n", "3100", "-r", "50000", "-l", "100"],
    );
    let (st, err) = pc.finish(Duration::from_secs(20));
    assert_eq!(st.code(), Some(0), "stderr: {err}");
    assert_totals(&err, 3000, 100);
}

#[test]
fn sigint_while_blocked_in_recv_prints_totals() {
    let ns = NetnsPair::new("cnt2");
    let mut pc = Running::start(&ns.b, PFCOUNT, &["-i", IF_B, "-w"], "Capturing from veth-b");
    send(&ns.a, &["-i", IF_A, "-n", "500", "-r", "5000"]);
    // Let the ring deliver (its block timeout is well under 100 ms), then
    // interrupt pfcount while it sleeps in pfring_recv.
    std::thread::sleep(Duration::from_millis(1000));
    pc.signal(libc::SIGINT);
    let (st, err) = pc.finish(Duration::from_secs(10));
    assert_eq!(st.code(), Some(0), "stderr: {err}");
    assert_totals(&err, 500, 60);
}

#[test]
fn sigterm_in_active_mode() {
    let ns = NetnsPair::new("cnt3");
    let mut pc = Running::start(&ns.b, PFCOUNT, &["-i", IF_B, "-a"], "Capturing from veth-b");
    send(
        &ns.a,
        &["-i", IF_A, "-n", "200", "-r", "2000", "-l", "1514"],
    );
    std::thread::sleep(Duration::from_millis(1000));
    pc.signal(libc::SIGTERM);
    let (st, err) = pc.finish(Duration::from_secs(10));
    assert_eq!(st.code(), Some(0), "stderr: {err}");
    assert_totals(&err, 200, 1514);
}

#[test]
fn verbose_lines_come_from_the_parsed_header() {
    let ns = NetnsPair::new("cnt4");
    let mut pc = Running::start(
        &ns.b,
        PFCOUNT,
        &["-i", IF_B, "-v", "-n", "3"],
        "Capturing from veth-b",
    );
    send(
        &ns.a,
        &[
            "-i",
            IF_A,
            "-n",
            "3",
            "-r",
            "100",
            "-l",
            "80",
            "-S",
            "198.51.100.7",
            "-D",
            "203.0.113.8",
        ],
    );
    let (st, err) = pc.finish(Duration::from_secs(10));
    assert_eq!(st.code(), Some(0), "stderr: {err}");
    let lines = pc.take_lines();
    assert_eq!(lines.len(), 3, "{lines:?}");
    for (i, l) in lines.iter().enumerate() {
        // "HH:MM:SS.uuuuuu " then the fields.
        let (ts, rest) = l.split_at(16);
        assert_eq!(ts.len(), 16);
        assert_eq!(&ts[2..3], ":");
        assert_eq!(&ts[8..9], ".");
        let dport = if i == 0 { 53 } else { 9 };
        assert_eq!(
            rest,
            format!(
                "[02:00:00:00:00:01 -> 02:00:00:00:00:99][eth_type=0x0800][vlan=0][l3_proto=17]\
                 [198.51.100.7:{} -> 203.0.113.8:{dport}][tos=0][tcp_flags=0]\
                 [offsets eth=-14 vlan=0 l3=0 l4=20 payload=28][caplen=80][len=80]",
                1024 + i
            )
        );
    }
    assert_totals(&err, 3, 80);
}

#[test]
fn per_second_stats_lines() {
    let ns = NetnsPair::new("cnt5");
    let mut pc = Running::start(&ns.b, PFCOUNT, &["-i", IF_B], "Capturing from veth-b");
    // 1500 packets spread over 1.5 s: at least one per-second line sees some.
    send(&ns.a, &["-i", IF_A, "-n", "1500", "-r", "1000"]);
    std::thread::sleep(Duration::from_millis(1200));
    pc.signal(libc::SIGINT);
    let (st, err) = pc.finish(Duration::from_secs(10));
    assert_eq!(st.code(), Some(0), "stderr: {err}");
    let actual: Vec<&str> = err
        .lines()
        .filter(|l| l.starts_with("Actual Stats: "))
        .collect();
    assert!(actual.len() >= 2, "{err}");
    let mut sum = 0u64;
    for l in &actual {
        // Actual Stats: N pkts [T ms][X pkt/sec][Y bytes/sec][D pkts dropped]
        let n: u64 = l["Actual Stats: ".len()..]
            .split(' ')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        assert!(l.ends_with("[0 pkts dropped]"), "{l}");
        assert!(
            l.contains(" pkt/sec][") && l.contains(" bytes/sec]["),
            "{l}"
        );
        sum += n;
    }
    assert!(sum <= 1500, "{err}");
    assert_totals(&err, 1500, 60);
}

#[test]
fn open_errors_are_reported() {
    let ns = NetnsPair::new("cnt6");
    let out = run_in(&ns.b, PFCOUNT, &["-i", "nosuch0"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "pfcount: pfring_open(nosuch0) failed: No such device (os error 19)\n"
    );
    let out = run_in(&ns.b, PFCOUNT, &["-i", IF_B, "-s", "0"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr)
        .starts_with("pfcount: -s 0: the sampling rate is at least 1\n"));
}

/// The UDP source ports of `-v` lines (pfsend with -f >= count makes the
/// source port 1024 + sequence number).
fn sports(lines: &[String]) -> Vec<u32> {
    lines
        .iter()
        .map(|l| {
            let (_, rest) = l.split_once("][198.18.0.1:").expect(l);
            rest.split(' ').next().unwrap().parse().unwrap()
        })
        .collect()
}

#[test]
fn sampling_keeps_one_packet_in_rate() {
    let ns = NetnsPair::new("cnt7");
    let mut pc = Running::start(
        &ns.b,
        PFCOUNT,
        &["-i", IF_B, "-s", "4", "-v"],
        "Capturing from veth-b",
    );
    send(&ns.a, &["-i", IF_A, "-n", "40", "-f", "1000", "-r", "2000"]);
    std::thread::sleep(Duration::from_millis(1000));
    pc.signal(libc::SIGINT);
    let (st, err) = pc.finish(Duration::from_secs(10));
    assert_eq!(st.code(), Some(0), "stderr: {err}");
    let lines = pc.take_lines();
    // The 1st, 5th, 9th, ... packet: sequence numbers 0, 4, ..., 36.
    let want: Vec<u32> = (0..10).map(|i| 1024 + 4 * i).collect();
    assert_eq!(sports(&lines), want, "{lines:?}");
    assert_totals(&err, 10, 60);
}

#[test]
fn cluster_members_share_the_traffic_exactly() {
    let ns = NetnsPair::new("cnt8");
    let args = ["-i", IF_B, "-c", "7", "-v"];
    let mut p1 = Running::start(&ns.b, PFCOUNT, &args, "Capturing from veth-b");
    let mut p2 = Running::start(&ns.b, PFCOUNT, &args, "Capturing from veth-b");
    // 2000 flows: every packet has its own source port.
    send(
        &ns.a,
        &["-i", IF_A, "-n", "2000", "-f", "2000", "-r", "20000"],
    );
    std::thread::sleep(Duration::from_millis(1000));
    p1.signal(libc::SIGINT);
    p2.signal(libc::SIGINT);
    let (s1, e1) = p1.finish(Duration::from_secs(10));
    let (s2, e2) = p2.finish(Duration::from_secs(10));
    assert_eq!((s1.code(), s2.code()), (Some(0), Some(0)), "{e1}\n{e2}");
    let (a, b) = (sports(&p1.take_lines()), sports(&p2.take_lines()));
    assert!(
        !a.is_empty() && !b.is_empty(),
        "both members get flows: {} / {}",
        a.len(),
        b.len()
    );
    let mut all: Vec<u32> = a.iter().chain(b.iter()).copied().collect();
    all.sort_unstable();
    assert_eq!(
        all,
        (1024..3024).collect::<Vec<u32>>(),
        "each packet exactly once"
    );
    assert_totals(&e1, a.len() as u64, 60);
    assert_totals(&e2, b.len() as u64, 60);
}
