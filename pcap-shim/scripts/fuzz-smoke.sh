#!/usr/bin/env bash
# Smoke run of the savefile fuzz target (pcap-shim/fuzz, cargo-fuzz layout:
# `cargo +nightly fuzz run savefile` works where cargo-fuzz is installed).
# Without cargo-fuzz, builds the target the way cargo-fuzz does (nightly,
# SanitizerCoverage flags, libfuzzer-sys) and runs it on a corpus seeded with
# the tcpdump test captures for SHIM_FUZZ_SECONDS (default 30). Fails on any
# crash, panic, timeout or out-of-memory report.
# usage: fuzz-smoke.sh [DATADIR]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
data=${1:-$(cd "$here/../../../shared/data/tcpdump-4.99.3" && pwd)}
secs=${SHIM_FUZZ_SECONDS:-30}
target=x86_64-unknown-linux-gnu
export CARGO_TARGET_DIR=${SHIM_FUZZ_TARGET_DIR:-${CARGO_TARGET_DIR:-$here/../../target}/fuzz}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cd "$here/../fuzz"
RUSTFLAGS="-Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4 \
-Cllvm-args=-sanitizer-coverage-inline-8bit-counters -Cllvm-args=-sanitizer-coverage-pc-table \
-Cllvm-args=-sanitizer-coverage-trace-compares --cfg fuzzing -Cdebug-assertions -Coverflow-checks" \
	cargo +nightly build --locked --release --target $target --bin savefile
bin=$CARGO_TARGET_DIR/$target/release/savefile

# Seeds: the test captures up to 64 KiB (libFuzzer's -max_len).
mkdir -p "$work/corpus"
find "$data" -maxdepth 1 \( -name '*.pcap' -o -name '*.pcapng' \) -size -64k -exec cp {} "$work/corpus/" \;
nseeds=$(ls "$work/corpus" | wc -l)
(cd "$work" && "$bin" -max_total_time="$secs" -rss_limit_mb=2048 -timeout=10 -max_len=65536 \
	-print_final_stats=1 corpus >"$work/log" 2>&1) || {
	tail -40 "$work/log"
	echo "fuzz-smoke: the savefile target failed" >&2
	exit 1
}
runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log")
echo "fuzz-smoke: savefile target, $nseeds seed captures, ${runs:-?} executions in ${secs}s, no crash"
