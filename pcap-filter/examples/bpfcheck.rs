//! Same input/output format as c-tests/filter/bpfcheck.c, but through this
//! crate: `N code jt jf k ... | hexpacket | wirelen` per line.
use pcap_filter::bpf::{filter, image, validate, Insn, Program};
use std::io::{BufRead, Write};

fn main() {
    let stdin = std::io::stdin();
    let mut out = std::io::BufWriter::new(std::io::stdout());
    for line in stdin.lock().lines() {
        let line = line.expect("read stdin");
        let mut parts = line.split('|');
        let progtxt = parts.next().unwrap_or("");
        let hex = parts.next().unwrap_or("").trim();
        let wl: u32 = parts.next().unwrap_or("0").trim().parse().unwrap_or(0);
        let nums: Vec<u64> = progtxt
            .split_whitespace()
            .map(|t| t.parse::<u64>().unwrap_or(0))
            .collect();
        let n = nums.first().copied().unwrap_or(0) as usize;
        if n == 0 || n > 4096 {
            writeln!(out, "SKIP").unwrap();
            continue;
        }
        let prog: Vec<Insn> = (0..n)
            .map(|i| {
                let g = |j: usize| nums.get(1 + 4 * i + j).copied().unwrap_or(0);
                Insn {
                    code: g(0) as u16,
                    jt: g(1) as u8,
                    jf: g(2) as u8,
                    k: g(3) as u32,
                }
            })
            .collect();
        let pkt: Vec<u8> = (0..hex.len() / 2)
            .map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap_or(0))
            .collect();
        let v = validate(&prog);
        let known = prog.iter().all(|i| !image(i, 0).contains("unimp"));
        if v && known {
            let r = filter(&prog, &pkt, wl);
            // the decoded form must agree with the plain interpreter
            assert_eq!(Program::new(&prog).filter(&pkt, wl), r, "{prog:?}");
            writeln!(out, "V1 R{r}").unwrap();
        } else {
            writeln!(out, "V{}", v as i32).unwrap();
        }
        for (i, ins) in prog.iter().enumerate() {
            writeln!(out, "{}", image(ins, i)).unwrap();
        }
    }
}
