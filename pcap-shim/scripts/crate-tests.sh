#!/usr/bin/env bash
# The Rust `pcap` crate (pinned 2.5.0, --locked; pcap-shim/crate-tests) built
# against Debian's libpcap, its test binary run twice: with the system
# library (the oracle: every asserted value is libpcap 1.10.3's) and with
# LD_LIBRARY_PATH=LIBDIR (our libpcap.so.0.8). PCAP_SHIM_EXPECTED makes each
# run check which library it actually loaded. Live tests run as root in
# private network namespaces (unshare per test thread).
# usage: crate-tests.sh LIBDIR
set -euo pipefail
lib=$(cd "$1" && pwd)
here=$(cd "$(dirname "$0")/../crate-tests" && pwd)
export CARGO_TARGET_DIR=${SHIM_CRATE_TARGET_DIR:-$here/../../target/pcap-crate-tests}
cd "$here"
cargo build --locked --tests --quiet
bin=$(cargo test --locked --no-run --message-format=json 2>/dev/null |
	python3 -c 'import json,sys
for l in sys.stdin:
    m = json.loads(l)
    if m.get("reason") == "compiler-artifact" and m.get("target", {}).get("name") == "api" and m.get("executable"):
        print(m["executable"])')
[ -x "$bin" ] || { echo "crate-tests.sh: test binary not found" >&2; exit 1; }
fail=0
for which in system shim; do
	if [ $which = shim ]; then env=(LD_LIBRARY_PATH="$lib" PCAP_SHIM_EXPECTED=1); else env=(PCAP_SHIM_EXPECTED=0); fi
	if out=$(env "${env[@]}" timeout -s KILL 120 "$bin" --test-threads=4 2>&1); then
		echo "ok   pcap crate 2.5.0 on the $which library: $(echo "$out" | grep -o '[0-9]* passed')"
	else
		echo "FAIL pcap crate 2.5.0 on the $which library"; echo "$out" | tail -30; fail=1
	fi
done
exit $fail
