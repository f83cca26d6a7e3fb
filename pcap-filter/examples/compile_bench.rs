//! Compile-time benchmark, the counterpart of c-tests/filter/compile_bench.c:
//! `compile` (optimized, DLT_EN10MB, snaplen 262144, SystemResolver) of every
//! expression line of stdin, ITER times. Count with callgrind
//! `--toggle-collect=compile_bench::compile_one`.
//! usage: compile_bench ITER < expressions
use pcap_filter::{compile, CompileOptions, Insn, SystemResolver};
use std::io::Read;

#[inline(never)]
fn compile_one(
    expr: &str,
    opts: &CompileOptions,
    res: &SystemResolver,
) -> Result<Vec<Insn>, pcap_filter::CompileError> {
    compile(expr, opts, res)
}

fn main() {
    let iter: usize = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(1);
    let mut s = String::new();
    std::io::stdin().read_to_string(&mut s).expect("stdin");
    let exprs: Vec<&str> = s.lines().filter(|l| !l.is_empty()).collect();
    let opts = CompileOptions::default();
    let res = SystemResolver::default();
    let (mut insns, mut fails) = (0usize, 0usize);
    for _ in 0..iter {
        for e in &exprs {
            match compile_one(e, &opts, &res) {
                Ok(p) => insns += p.len(),
                Err(_) => fails += 1,
            }
        }
    }
    println!(
        "{} expressions x {iter}: {insns} instructions, {fails} failures",
        exprs.len()
    );
}
