#!/usr/bin/env bash
# Other Debian programs linked against libpcap.so.0.8 give identical results
# through the shim: tcpflow (flow files and report.xml minus resource-usage
# fields), tcprewrite (rewritten savefile byte for byte), tcpprep (cache file
# byte for byte), tcpcapinfo (stdout), ngrep -I (stdout: it compiles a
# filter expression; SHIM_FILTERS=0 skips it).
# usage: others.sh LIBDIR [DATADIR]
set -uo pipefail
lib=$(cd "$1" && pwd)
data=${2:-$(cd "$(dirname "$0")/../../../shared/data/tcpdump-4.99.3" && pwd)}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
captures=(print-flags.pcap afs.pcap dns_tcp.pcap mptcp-v1.pcap QinQpacket.pcap
	pim-packet-assortment.pcap resp_1_benchmark.pcap of10_s4810.pcap)
fail=0 n=0

run_in() { # which dir cmd...
	local which=$1 dir=$2
	shift 2
	mkdir -p "$dir"
	if [ "$which" = shim ]; then
		(cd "$dir" && LD_LIBRARY_PATH=$lib "$@" >stdout 2>stderr; echo "exit $?" >>stdout)
	else
		(cd "$dir" && env -u LD_LIBRARY_PATH "$@" >stdout 2>stderr; echo "exit $?" >>stdout)
	fi
	# resource usage and timing vary from run to run
	[ -f "$dir/report.xml" ] && sed -i -E '/<(utime|stime|maxrss|minflt|majflt|nswap|inblock|oublock|clocktime|start_time|end_time)>/d' "$dir/report.xml"
	return 0
}

compare() { # label
	n=$((n + 1))
	# the reference run must have worked and produced something
	if ! grep -qx 'exit 0' "$work/sys/stdout" || [ "$(ls "$work/sys" | wc -l)" -lt 2 ] ||
		[ "$(du -sb "$work/sys" | cut -f1)" -lt 100 ]; then
		echo "  reference run failed: $1"; cat "$work/sys/stderr"; fail=$((fail + 1))
	fi
	if diff -r "$work/sys" "$work/shim" >"$work/diff" 2>&1; then :; else
		echo "  differs: $1"; head -10 "$work/diff"; fail=$((fail + 1))
	fi
	rm -rf "$work/sys" "$work/shim"
}

for c in "${captures[@]}"; do
	f=$data/$c
	[ -f "$f" ] || { echo "others.sh: missing $f" >&2; exit 2; }
	for w in sys shim; do run_in $w "$work/$w" tcpflow -r "$f"; done
	compare "tcpflow -r $c"
	for w in sys shim; do run_in $w "$work/$w" tcprewrite -i "$f" -o out.pcap --enet-dmac=02:00:00:00:00:01 --fixcsum; done
	compare "tcprewrite $c"
	for w in sys shim; do run_in $w "$work/$w" tcpprep -a client -i "$f" -o out.cache; done
	compare "tcpprep $c"
	for w in sys shim; do run_in $w "$work/$w" tcpcapinfo "$f"; done
	compare "tcpcapinfo $c"
	if [ "${SHIM_FILTERS:-1}" = 1 ]; then
		for w in sys shim; do run_in $w "$work/$w" ngrep -q -x -I "$f"; done
		compare "ngrep -I $c"
	fi
done
if [ $fail -eq 0 ]; then
	echo "ok   other programs: $n runs of tcpflow/tcprewrite/tcpprep/tcpcapinfo/ngrep over ${#captures[@]} captures identical"
	exit 0
fi
echo "FAIL other programs: $fail of $n runs differ"
exit 1
