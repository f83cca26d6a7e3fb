//! Same I/O as c-tests/filter/compile.c, through this crate's compiler:
//! stdin `DLT<TAB>SNAPLEN<TAB>NETMASK<TAB>OPT<TAB>EXPR`, stdout
//! `OK<TAB>n<TAB>code jt jf k,...` or `ERR<TAB>message`.
use pcap_filter::{compile, CompileOptions, SystemResolver};
use std::io::{BufRead, Write};

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
        let opts = CompileOptions {
            linktype: f[0].parse().unwrap_or(1),
            snaplen: f[1].parse().unwrap_or(262144),
            optimize: f[3] == "1",
            netmask,
            ..Default::default()
        };
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
