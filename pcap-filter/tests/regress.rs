//! Regressions found by fuzzing; expected results recorded from libpcap
//! 1.10.3 (c-tests/filter/compile.c).
use pcap_filter::{compile, CompileOptions, NoResolver};
use std::time::{Duration, Instant};

fn run(expr: &str, linktype: u32, snaplen: u32, netmask: u32) -> Result<usize, String> {
    let opts = CompileOptions {
        linktype,
        snaplen,
        optimize: true,
        netmask,
        ..Default::default()
    };
    compile(expr, &opts, &NoResolver)
        .map(|p| p.len())
        .map_err(|e| e.message)
}

/// filter_compile timeout (10 s under the fuzzer): 8600 nested parentheses
/// with many "or ((((" runs made the parser rescan the rest of the input at
/// every parenthesis (cubic). libpcap answers at once with a syntax error.
#[test]
fn deep_parens_are_linear() {
    let data = include_bytes!("data/fuzz-timeout-deep-parens.bin");
    // fuzz target input: selector byte 126 = DLT 127, snaplen 65535,
    // optimize, netmask 255.255.255.0
    let expr = String::from_utf8_lossy(&data[1..]);
    let t = Instant::now();
    assert_eq!(
        run(&expr, 127, 65535, 0xffff_ff00),
        Err("can't parse filter expression: syntax error".to_string())
    );
    // The cubic version needed seconds even in release builds.
    assert!(t.elapsed() < Duration::from_secs(20));

    // 4000 "vlan or ((" groups: about 160M token steps before the fix.
    let deep = format!("{}vlan{}", "vlan or ((".repeat(4000), ")".repeat(8000));
    let t = Instant::now();
    assert_eq!(
        run(&deep, 1, 262144, 0xffff_ffff),
        Err("can't parse filter expression: memory exhausted".to_string())
    );
    assert!(t.elapsed() < Duration::from_secs(20));
}

/// bison's stack keeps "expr or" / "expr and" while the right operand is
/// parsed: 3 entries per "vlan or (" group, 4 per "ip and not (".
#[test]
fn parser_stack_counts_pending_operators() {
    let me = Err("can't parse filter expression: memory exhausted".to_string());
    let g = |unit: &str, n: usize| format!("{}ip{}", unit.repeat(n), ")".repeat(n));
    assert_eq!(run(&g("vlan or (", 3332), 1, 262144, u32::MAX), me);
    assert_eq!(run(&g("host 1.2.3.4 or (", 3332), 1, 262144, u32::MAX), me);
    assert_eq!(run(&g("ip and not (", 2499), 1, 262144, u32::MAX), me);
    assert_eq!(run(&g("ip and not (", 2498), 1, 262144, u32::MAX), Ok(4));
    assert_eq!(run(&g("(", 9995), 1, 262144, u32::MAX), Ok(4));
    assert_eq!(run(&g("(", 9996), 1, 262144, u32::MAX), me);
}
