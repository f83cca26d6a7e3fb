#!/usr/bin/env bash
# Offline pcap_loop benchmark, Debian's libpcap and the shim side by side in
# one run: instructions per packet under callgrind (after subtracting an
# empty-file run, so start-up costs cancel) and best-of-3 wall time.
# usage: bench-offline.sh LIBDIR [PACKETS (default 10000000)]
set -euo pipefail
lib=$(cd "$1" && pwd)
N=${2:-10000000}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cc -O2 -Wall -o "$work/bench_loop" "$here/../../c-tests/pcap/bench_loop.c" -lpcap
"$work/bench_loop" gen "$N" "$work/big.pcap"
"$work/bench_loop" gen 0 "$work/empty.pcap"

irefs() { # libdir-or-empty file
	env ${1:+LD_LIBRARY_PATH=$1} valgrind --tool=callgrind --callgrind-out-file=/dev/null \
		"$work/bench_loop" loop "$2" 2>&1 | sed -n 's/.*I *refs: *//p' | tr -d ,
}
wall() { # libdir-or-empty
	local best=999999 t
	for _ in 1 2 3; do
		t=$( { /usr/bin/time -f %e env ${1:+LD_LIBRARY_PATH=$1} "$work/bench_loop" loop "$work/big.pcap" >/dev/null; } 2>&1)
		best=$(echo "$t $best" | awk '{print ($1 < $2) ? $1 : $2}')
	done
	echo "$best"
}
sys=$(( $(irefs "" "$work/big.pcap") - $(irefs "" "$work/empty.pcap") ))
shim=$(( $(irefs "$lib" "$work/big.pcap") - $(irefs "$lib" "$work/empty.pcap") ))
ws=$(wall "")
wm=$(wall "$lib")
awk -v n="$N" -v s="$sys" -v m="$shim" -v ws="$ws" -v wm="$wm" 'BEGIN {
	printf "offline pcap_loop, %d records of 64 bytes:\n", n
	printf "  instructions/packet: libpcap %.1f, shim %.1f, ratio %.3f (target <= 0.5)\n", s / n, m / n, m / s
	printf "  wall time (best of 3): libpcap %.2f s, shim %.2f s (%.1f vs %.1f ns/packet)\n", ws, wm, ws * 1e9 / n, wm * 1e9 / n
}'
