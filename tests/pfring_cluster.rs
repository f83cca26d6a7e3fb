//! Clusters through libpfring's C API on a private veth pair: rings of one
//! cluster (threads of one process, or two processes) share K flows x M
//! packets sent in both directions, each flow wholly to one ring; leaving
//! restores full capture; ids, devices and busy handles are checked.

#[allow(unused_imports)] // not every helper re-export is used here
mod pf_support;

use std::collections::{HashMap, HashSet};
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use ::pfring::ffi::*;
use ::pfring::rules::vectors::build_frame;
use pf_support::*;

const K: usize = 32;
const M: usize = 64;

/// Flow `k`, packet `i`: UDP (TCP for every 4th flow) between
/// 198.51.100.1:(2000+k) and 198.51.100.2:(3000+k), even packets one way,
/// odd packets the other; the payload names the flow and the packet.
fn frame(k: usize, i: usize) -> Vec<u8> {
    let kind = if k % 4 == 3 { "tcp" } else { "udp" };
    let a = format!("198.51.100.1:{}", 2000 + k);
    let b = format!("198.51.100.2:{}", 3000 + k);
    let (s, d) = if i % 2 == 0 { (a, b) } else { (b, a) };
    let args: Vec<String> = [kind, &s, ">", &d, &format!("payload=\"f{k:02}i{i:03}\"")]
        .iter()
        .map(|x| x.to_string())
        .collect();
    build_frame(&args).unwrap()
}

/// (flow, packet) of a received frame, checking its bytes.
fn ident(data: &[u8]) -> (usize, usize) {
    let n = data.len();
    let tag = std::str::from_utf8(&data[n - 7..]).expect("payload tag");
    let k: usize = tag[1..3].parse().unwrap();
    let i: usize = tag[4..7].parse().unwrap();
    assert_eq!(data, frame(k, i), "frame bytes");
    (k, i)
}

/// Sends every flow's packets, interleaved across flows.
fn send_all(tx: &RawTx) {
    for i in 0..M {
        for k in 0..K {
            tx.send(&frame(k, i));
        }
    }
}

/// Drains each ring in its own thread while `send` runs, until `want`
/// frames arrived in total (or 20 s), then 300 ms more for surplus frames.
fn capture(rings: Vec<Ring>, want: usize, send: impl FnOnce()) -> Vec<(Ring, Vec<(usize, usize)>)> {
    let total = Arc::new(AtomicUsize::new(0));
    let threads: Vec<_> = rings
        .into_iter()
        .map(|ring| {
            let total = Arc::clone(&total);
            std::thread::spawn(move || {
                let mut got = Vec::new();
                let end = Instant::now() + Duration::from_secs(20);
                let mut linger: Option<Instant> = None;
                loop {
                    let now = Instant::now();
                    if linger.is_none() && total.load(Ordering::Relaxed) >= want {
                        linger = Some(now + Duration::from_millis(300));
                    }
                    if now >= linger.unwrap_or(end) {
                        break;
                    }
                    let g = ring.recv(2048, false);
                    assert!(g.rc >= 0, "recv: errno {}", errno());
                    if g.rc > 0 {
                        got.push(ident(&g.data));
                        total.fetch_add(1, Ordering::Relaxed);
                    } else {
                        std::thread::sleep(Duration::from_millis(1));
                    }
                }
                (ring, got)
            })
        })
        .collect();
    send();
    threads.into_iter().map(|t| t.join().unwrap()).collect()
}

/// Checks that each flow went wholly to one member and that the members
/// together got every packet once; returns the number of flows per member.
fn check_balanced(per_member: &[Vec<(usize, usize)>]) -> Vec<usize> {
    let mut owner: HashMap<usize, usize> = HashMap::new();
    let mut seen = HashSet::new();
    for (m, got) in per_member.iter().enumerate() {
        for &(k, i) in got {
            assert!(seen.insert((k, i)), "flow {k} packet {i} delivered twice");
            let o = *owner.entry(k).or_insert(m);
            assert_eq!(o, m, "flow {k} split between members {o} and {m}");
        }
    }
    assert_eq!(seen.len(), K * M, "every packet delivered once");
    let mut flows = vec![0; per_member.len()];
    for m in owner.values() {
        flows[*m] += 1;
    }
    flows
}

fn set_cluster(ring: &Ring, id: u32) -> i32 {
    // SAFETY: valid handle.
    unsafe { pfring_set_cluster(ring.0, id) }
}

fn leave(ring: &Ring) -> i32 {
    // SAFETY: valid handle.
    unsafe { pfring_remove_from_cluster(ring.0) }
}

fn public_fd(ring: &Ring) -> i32 {
    // SAFETY: a valid handle points at the guide's public struct.
    unsafe { (*ring.0).fd }
}

#[test]
fn two_threads_share_flows_and_leaving_restores_full_capture() {
    let ns = NetnsPair::new("clu1");
    let tx = RawTx::open(&ns.a, IF_A);
    let r1 = open_in(&ns.b, IF_B, false, false);
    let r2 = open_in(&ns.b, IF_B, false, false);
    assert_eq!(set_cluster(&r1, 7), 0, "errno {}", errno());
    assert_eq!(set_cluster(&r2, 7), 0, "errno {}", errno());
    assert_eq!(set_cluster(&r2, 7), 0, "joining the same cluster again");
    let fd1 = public_fd(&r1);

    let out = capture(vec![r1, r2], K * M, || send_all(&tx));
    let per: Vec<_> = out.iter().map(|(_, g)| g.clone()).collect();
    let flows = check_balanced(&per);
    assert_eq!(flows.iter().sum::<usize>(), K);
    assert!(
        flows.iter().all(|&f| f > 0),
        "both members get flows: {flows:?}"
    );
    let mut rings: Vec<Ring> = out.into_iter().map(|(r, _)| r).collect();
    let recv: Vec<u64> = rings.iter().map(|r| r.stats().recv).collect();
    assert_eq!(recv.iter().sum::<u64>(), (K * M) as u64);
    assert_eq!(recv, per.iter().map(|g| g.len() as u64).collect::<Vec<_>>());

    // r1 leaves: it captures alone again, and r2, alone in the cluster,
    // gets everything too. The descriptor number is kept.
    assert_eq!(leave(&rings[0]), 0, "errno {}", errno());
    assert_eq!(public_fd(&rings[0]), fd1);
    assert_eq!(leave(&rings[0]), 0, "leaving when in no cluster");
    let out = capture(std::mem::take(&mut rings), 2 * K * M, || send_all(&tx));
    for (_, g) in &out {
        assert_eq!(g.len(), K * M, "full capture");
        let uniq: HashSet<_> = g.iter().collect();
        assert_eq!(uniq.len(), K * M);
    }
    let mut rings: Vec<Ring> = out.into_iter().map(|(r, _)| r).collect();
    // The stats of the replaced socket carry over: 2 rounds' share + K*M.
    assert_eq!(
        rings[0].stats(),
        pfring_stat {
            recv: recv[0] + (K * M) as u64,
            drop: 0
        }
    );
    // poll() on the kept descriptor sees the new socket.
    let mut pfd = libc::pollfd {
        fd: fd1,
        events: libc::POLLIN,
        revents: 0,
    };
    tx.send(&frame(0, 0));
    // SAFETY: one valid pollfd.
    let n = unsafe { libc::poll(&mut pfd, 1, 2000) };
    assert_eq!((n, pfd.revents & libc::POLLIN), (1, libc::POLLIN));
    assert_eq!(rings[0].drain(1, 2).len(), 1);
    assert_eq!(rings[1].drain(1, 2).len(), 1);

    // Re-joining balances again.
    assert_eq!(set_cluster(&rings[0], 7), 0, "errno {}", errno());
    let out = capture(std::mem::take(&mut rings), K * M, || send_all(&tx));
    let per: Vec<_> = out.iter().map(|(_, g)| g.clone()).collect();
    let flows = check_balanced(&per);
    assert!(
        flows.iter().all(|&f| f > 0),
        "both members get flows: {flows:?}"
    );
}

#[test]
fn cluster_ids_devices_and_busy_handles() {
    let ns = NetnsPair::new("clu2");
    let tx = RawTx::open(&ns.a, IF_A);
    let r1 = open_in(&ns.b, IF_B, false, false);
    // SAFETY: valid handle.
    unsafe {
        for bad in [0u32, 65536, u32::MAX] {
            assert_eq!(pfring_set_cluster(r1.0, bad), -1, "id {bad}");
            assert_eq!(errno(), libc::EINVAL);
        }
    }
    assert_eq!(set_cluster(&r1, 65535), 0, "errno {}", errno());
    // A cluster is bound to the device of its first member.
    let lo = open_in(&ns.b, "lo", false, false);
    assert_eq!(set_cluster(&lo, 65535), -1);
    assert_eq!(errno(), libc::EINVAL);
    assert_eq!(set_cluster(&lo, 65534), 0, "another id is free");
    // Moving r1 to another cluster leaves the first one.
    assert_eq!(set_cluster(&r1, 12), 0, "errno {}", errno());
    let r2 = open_in(&ns.b, IF_B, false, false);
    assert_eq!(set_cluster(&r2, 65535), 0, "errno {}", errno());

    // A reentrant handle with a thread blocked in recv cannot leave.
    let r3 = Arc::new(open_in(&ns.b, IF_B, false, true));
    assert_eq!(set_cluster(&r3, 40), 0);
    let r3b = Arc::clone(&r3);
    let blocked = std::thread::spawn(move || r3b.recv(2048, true));
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(leave(&r3), -1);
    assert_eq!(errno(), libc::EBUSY);
    let f = frame(1, 0);
    tx.send(&f);
    let g = blocked.join().unwrap();
    assert_eq!(g.data, f, "still in cluster 40, still capturing");
    assert_eq!(leave(&r3), 0, "errno {}", errno());
    // Every ring on veth-b still sees the frame: r1 and r2 alone in their
    // clusters, r3 alone.
    tx.send(&f);
    for r in [&r1, &r2, &*r3] {
        let got = r.drain(1, 2);
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].data, f);
    }
}

/// Runs as a cluster member in a child process when PFR_CLUSTER_CHILD is
/// set (spawned by `two_processes_share_flows`); a no-op otherwise.
#[test]
fn cluster_member_process() {
    let Ok(spec) = std::env::var("PFR_CLUSTER_CHILD") else {
        return;
    };
    let mut it = spec.split(',');
    let (ns, id) = (it.next().unwrap(), it.next().unwrap().parse().unwrap());
    let ring = open_in(ns, IF_B, false, false);
    assert_eq!(set_cluster(&ring, id), 0, "errno {}", errno());
    println!("CLUSTER-CHILD READY");
    let mut got = Vec::new();
    let end = Instant::now() + Duration::from_secs(20);
    let mut last = Instant::now();
    while Instant::now() < end && (got.is_empty() || last.elapsed() < Duration::from_millis(1500)) {
        let g = ring.recv(2048, false);
        assert!(g.rc >= 0);
        if g.rc > 0 {
            got.push(ident(&g.data));
            last = Instant::now();
        } else {
            std::thread::sleep(Duration::from_millis(1));
        }
    }
    for (k, i) in got {
        println!("CLUSTER-CHILD GOT {k} {i}");
    }
    println!("CLUSTER-CHILD DONE");
}

#[test]
fn two_processes_share_flows() {
    if std::env::var_os("PFR_CLUSTER_CHILD").is_some() {
        return;
    }
    let ns = NetnsPair::new("clu3");
    let tx = RawTx::open(&ns.a, IF_A);
    let exe = std::env::current_exe().unwrap();
    let mut children: Vec<_> = (0..2)
        .map(|_| {
            Command::new(&exe)
                .args([
                    "--exact",
                    "cluster_member_process",
                    "--nocapture",
                    "--test-threads=1",
                ])
                .env("PFR_CLUSTER_CHILD", format!("{},21", ns.b))
                .stdout(Stdio::piped())
                .spawn()
                .expect("spawn member")
        })
        .collect();
    let mut readers: Vec<_> = children
        .iter_mut()
        .map(|c| BufReader::new(c.stdout.take().unwrap()).lines())
        .collect();
    for r in readers.iter_mut() {
        loop {
            let l = r.next().expect("member exited early").unwrap();
            // libtest's "test ... " may precede it on the same line.
            if l.ends_with("CLUSTER-CHILD READY") {
                break;
            }
        }
    }
    send_all(&tx);
    let mut per = Vec::new();
    for r in readers {
        let mut got = Vec::new();
        let mut done = false;
        for l in r {
            let l = l.unwrap();
            let l = l.find("CLUSTER-CHILD ").map_or("", |at| &l[at..]);
            if let Some(rest) = l.strip_prefix("CLUSTER-CHILD GOT ") {
                let (k, i) = rest.split_once(' ').unwrap();
                got.push((k.parse().unwrap(), i.parse().unwrap()));
            } else if l == "CLUSTER-CHILD DONE" {
                done = true;
            }
        }
        assert!(done, "member finished");
        per.push(got);
    }
    for mut c in children {
        assert!(c.wait().unwrap().success(), "member exit status");
    }
    let flows = check_balanced(&per);
    assert!(
        flows.iter().all(|&f| f > 0),
        "both processes get flows: {flows:?}"
    );
}
