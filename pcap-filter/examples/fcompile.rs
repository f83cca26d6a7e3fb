//! Same I/O as c-tests/filter/compile.c, through this crate's compiler:
//! stdin `DLT<TAB>SNAPLEN<TAB>NETMASK<TAB>OPT<TAB>EXPR`, stdout
//! `OK<TAB>n<TAB>code jt jf k,...` or `ERR<TAB>message`.
use pcap_filter::{compile, CompileOptions, SystemResolver};
use std::io::{BufRead, Write};

/// (DLT, snaplen, swapped) from a pcap file header.
fn savefile_header(path: &str) -> Option<(u32, u32, bool)> {
    let b = std::fs::read(path).ok()?;
    if b.len() < 24 {
        return None;
    }
    let le = u32::from_le_bytes([b[0], b[1], b[2], b[3]]);
    let swapped = match le {
        0xa1b2c3d4 | 0xa1b23c4d => false,
        0xd4c3b2a1 | 0x4d3cb2a1 => true,
        _ => return None,
    };
    let rd = |o: usize| {
        let w = [b[o], b[o + 1], b[o + 2], b[o + 3]];
        if swapped {
            u32::from_be_bytes(w)
        } else {
            u32::from_le_bytes(w)
        }
    };
    let lt = rd(20) & 0xffff;
    let dlt = match lt {
        101 => 12,
        100 => 11,
        _ => lt,
    };
    let max = if dlt == 231 {
        128 * 1024 * 1024
    } else {
        262144
    };
    let snap = match rd(16) {
        0 => max,
        s if s > max => max,
        s => s,
    };
    Some((dlt, snap, swapped))
}

fn main() {
    let res = SystemResolver::default();
    let stdin = std::io::stdin();
    let mut out = std::io::stdout();
    for line in stdin.lock().lines() {
        let line = line.expect("stdin");
        let f: Vec<&str> = line.splitn(5, '\t').collect();
        if f.len() < 5 {
            writeln!(out, "BADLINE").unwrap();
            continue;
        }
        let netmask = if f[2] == "-" {
            0xffff_ffff
        } else {
            // inet_aton result as the C harness passes it (network order in memory)
            match f[2].parse::<std::net::Ipv4Addr>() {
                Ok(a) => u32::from_ne_bytes(a.octets()),
                Err(_) => 0xffff_ffff,
            }
        };
        let mut opts = CompileOptions {
            linktype: f[0].parse().unwrap_or(1),
            // atoi() like the C harness: "-1" and "4294967295" are both 0xffffffff
            snaplen: f[1].parse::<i64>().map_or(262144, |v| v as u32),
            optimize: f[3] == "1",
            netmask,
            ..Default::default()
        };
        if f[0].starts_with("live:") {
            // the harness uses loopback: Ethernet, default snapshot length
            opts.linktype = 1;
            opts.snaplen = 262144;
            opts.live = true;
        } else if let Some(path) = f[0].strip_prefix("file:") {
            match savefile_header(path) {
                Some((dlt, snap, swapped)) => {
                    opts.linktype = dlt;
                    opts.snaplen = snap;
                    opts.savefile = true;
                    opts.swapped = swapped;
                }
                None => {
                    writeln!(out, "ERR\tcannot read {path}").unwrap();
                    continue;
                }
            }
        }
        match compile(f[4], &opts, &res) {
            Ok(p) => {
                let s: Vec<String> = p
                    .iter()
                    .map(|i| format!("{} {} {} {}", i.code, i.jt, i.jf, i.k))
                    .collect();
                writeln!(out, "OK\t{}\t{}", p.len(), s.join(",")).unwrap();
            }
            Err(e) => writeln!(out, "ERR\t{}", e.message.replace('\n', "\\n")).unwrap(),
        }
        out.flush().unwrap();
    }
}
