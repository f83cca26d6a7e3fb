//! Our interpreter over a packet dump (RUNFILTER_DUMP output of
//! c-tests/filter/runfilter.c); stdin/stdout exactly like runfilter.c, so
//! the two outputs can be compared with cmp. usage: runprog PACKETDUMP
use pcap_filter::bpf::{filter, validate, Insn, Program};
use std::io::{BufRead, Write};

fn main() {
    let path = std::env::args().nth(1).expect("usage: runprog PACKETDUMP");
    let text = std::fs::read_to_string(path).expect("read dump");
    let mut pkts: Vec<(i64, u32, Vec<u8>)> = Vec::new();
    for l in text.lines() {
        let mut it = l.splitn(3, ' ');
        let dlt: i64 = it.next().unwrap_or("0").parse().unwrap_or(0);
        let wl: u32 = it.next().unwrap_or("0").parse().unwrap_or(0);
        let hex = it.next().unwrap_or("");
        let data = (0..hex.len() / 2)
            .map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap_or(0))
            .collect();
        pkts.push((dlt, wl, data));
    }
    let stdin = std::io::stdin();
    let mut out = std::io::BufWriter::new(std::io::stdout());
    for line in stdin.lock().lines() {
        let line = line.expect("stdin");
        let mut it = line.split(['\t', ' ', ',']).filter(|s| !s.is_empty());
        let dlt: i64 = parse_c_long(it.next().unwrap_or("0"));
        let n: usize = it.next().unwrap_or("0").parse().unwrap_or(0);
        let nums: Vec<u64> = it.map(|t| t.parse().unwrap_or(0)).collect();
        let prog: Vec<Insn> = (0..n)
            .map(|i| {
                let g = |j: usize| nums.get(4 * i + j).copied().unwrap_or(0);
                Insn {
                    code: g(0) as u16,
                    jt: g(1) as u8,
                    jf: g(2) as u8,
                    k: g(3) as u32,
                }
            })
            .collect();
        if n == 0 || !validate(&prog) {
            writeln!(out, "INVALID").unwrap();
            continue;
        }
        // results of the decoded form (bpf::Program) must equal the plain
        // interpreter's on every packet
        let compiled = Program::new(&prog);
        let mut hash: u64 = 1469598103934665603;
        let (mut tot, mut acc) = (0u32, 0u32);
        for (d, wl, data) in &pkts {
            if *d != dlt {
                continue;
            }
            let r = filter(&prog, data, *wl);
            assert_eq!(compiled.filter(data, *wl), r, "Program differs: {line}");
            tot += 1;
            if r != 0 {
                acc += 1;
            }
            for b in 0..4 {
                hash ^= ((r >> (8 * b)) & 0xff) as u64;
                hash = hash.wrapping_mul(1099511628211);
            }
            hash ^= 0x5a;
            hash = hash.wrapping_mul(1099511628211);
        }
        writeln!(out, "{tot}\t{acc}\t{hash:016x}").unwrap();
    }
}

/// strtol(s, 10) as runfilter.c parses the DLT field ("live:lo" -> 0).
fn parse_c_long(s: &str) -> i64 {
    let d: String = s.chars().take_while(|c| c.is_ascii_digit()).collect();
    d.parse().unwrap_or(0)
}
