//! Runs one program (stdin: "n code jt jf k ...") with our interpreter over
//! the DLT_EN10MB packets of a RUNFILTER_DUMP file, ITER times; for
//! instruction-count comparisons with libpcap's bpf_filter (callgrind:
//! count `interp_bench::run_one`, one call per packet). MODE `plain` runs
//! `bpf::filter` on the instruction slice, `program` (default) runs a
//! `bpf::Program` decoded once.
//! usage: interp_bench PACKETDUMP [ITER [MODE]] < program
use pcap_filter::bpf::{filter, Insn, Program};
use std::io::Read;

fn main() {
    let mut a = std::env::args().skip(1);
    let dump = std::fs::read_to_string(a.next().expect("dump")).expect("read");
    let iter: usize = a.next().and_then(|s| s.parse().ok()).unwrap_or(1);
    let plain = a.next().as_deref() == Some("plain");
    let mut pkts = Vec::new();
    for l in dump.lines() {
        let mut it = l.splitn(3, ' ');
        if it.next() != Some("1") {
            continue;
        }
        let wl: u32 = it.next().unwrap_or("0").parse().unwrap_or(0);
        let hex = it.next().unwrap_or("");
        let d: Vec<u8> = (0..hex.len() / 2)
            .map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap_or(0))
            .collect();
        pkts.push((wl, d));
    }
    let mut s = String::new();
    std::io::stdin().read_to_string(&mut s).expect("stdin");
    let v: Vec<u64> = s
        .split_whitespace()
        .map(|t| t.parse().unwrap_or(0))
        .collect();
    let n = v[0] as usize;
    let prog: Vec<Insn> = (0..n)
        .map(|i| Insn {
            code: v[1 + 4 * i] as u16,
            jt: v[2 + 4 * i] as u8,
            jf: v[3 + 4 * i] as u8,
            k: v[4 + 4 * i] as u32,
        })
        .collect();
    let compiled = Program::new(&prog);
    let mut acc = 0u64;
    for _ in 0..iter {
        for (wl, d) in &pkts {
            let r = if plain {
                run_plain(&prog, d, *wl)
            } else {
                run_one(&compiled, d, *wl)
            };
            acc += (r != 0) as u64;
        }
    }
    println!("{} packets, accepted {acc}", pkts.len());
}

#[inline(never)]
fn run_one(prog: &Program, pkt: &[u8], wirelen: u32) -> u32 {
    prog.filter(pkt, wirelen)
}

#[inline(never)]
fn run_plain(prog: &[Insn], pkt: &[u8], wirelen: u32) -> u32 {
    filter(prog, pkt, wirelen)
}
