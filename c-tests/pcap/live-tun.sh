#!/usr/bin/env bash
# Live capture on a tun device (ARPHRD_NONE: no link-layer header, DLT_RAW)
# through the shim, compared with Debian's libpcap 1.10.3 on the same
# traffic, in a network namespace of our own: tunwrite.py writes N IPv4/UDP
# packets 198.18.5.1 -> 198.18.5.2 into tun0 (received on it); the stack
# answers each with an ICMP port unreachable that goes out of tun0. Checks:
#  1. tcpdump -i tun0 -L output identical (RAW only);
#  2. tcpdump -i tun0 -c 2N -w FILE: exit status and stderr identical, the
#     2N records decode identically (lengths included; time stamps aside),
#     the N written packets byte for byte (the ICMP replies' IP ids are the
#     stack's choice);
#  3. the same with the filter 'udp' (kernel filter on the raw socket):
#     N records identical.
# usage: live-tun.sh LIBDIR
set -euo pipefail
lib=$(cd "$1" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
N=${SHIM_TUN_FRAMES:-20}
work=$(mktemp -d)
ns=shimtun$$
cleanup() { ip netns del "$ns" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
ip netns add "$ns"
# IPv6 off: no router solicitations from tun0 among the records.
ip netns exec "$ns" sh -c "echo 1 >/proc/sys/net/ipv6/conf/all/disable_ipv6; echo 1 >/proc/sys/net/ipv6/conf/default/disable_ipv6"
# Every UDP packet gets its ICMP reply (no per-destination rate limit).
ip netns exec "$ns" sysctl -q -w net.ipv4.icmp_ratelimit=0
ip -n "$ns" link set lo up
fail=0

# One capture: run LABEL ENV COUNT FILTER... ; writes $work/LABEL.{pcap,err,rc,txt}
run() {
	local label=$1 env=$2 count=$3
	shift 3
	ip netns exec "$ns" bash -c '
		set -e
		coproc W { python3 "$1" tun0 "$2"; }
		read -r line <&"${W[0]}"
		ip link set tun0 up
		ip addr add 198.18.5.2/24 dev tun0
		env $3 tcpdump -i tun0 -c "$4" -w "$5.pcap" "${@:6}" 2>"$5.err" & tp=$!
		for _ in $(seq 50); do grep -q listening "$5.err" 2>/dev/null && break; sleep 0.1; done
		echo go >&"${W[1]}"
		read -r line <&"${W[0]}"
		for _ in $(seq 100); do kill -0 $tp 2>/dev/null || break; sleep 0.1; done
		kill $tp 2>/dev/null || true
		rc=0; wait $tp || rc=$?
		echo $rc > "$5.rc"
		echo done >&"${W[1]}"
		wait
	' run "$here/tunwrite.py" "$N" "$env" "$count" "$work/$label" "$@"
	# Records without time stamps: the decoded line, and the bytes of the
	# packets tunwrite.py wrote (the stack's ICMP replies carry IP ids of
	# its own choosing, so only their decoding and lengths are compared).
	tcpdump -r "$work/$label.pcap" -nn -t 2>/dev/null > "$work/$label.txt" || true
	tcpdump -r "$work/$label.pcap" -nn -t -x udp 2>/dev/null > "$work/$label.udp" || true
}

check() { # name file-a file-b
	if cmp -s "$2" "$3"; then
		echo "ok   $1"
	else
		echo "FAIL $1"; diff "$2" "$3" | head -10; fail=1
	fi
}

# 1. datalink list (the device must exist: create it, list, remove).
ip netns exec "$ns" bash -c '
	coproc W { python3 "$1" tun0 0; }
	read -r line <&"${W[0]}"
	ip link set tun0 up
	tcpdump -i tun0 -L > "$2/L.sys" 2>&1 || true
	LD_LIBRARY_PATH="$3" tcpdump -i tun0 -L > "$2/L.shim" 2>&1 || true
	echo go >&"${W[1]}"; read -r line <&"${W[0]}"; echo done >&"${W[1]}"; wait
' list "$here/tunwrite.py" "$work" "$lib"
check "tun -L (datalinks)" "$work/L.sys" "$work/L.shim"
grep -q 'RAW (Raw IP)' "$work/L.shim" || { echo "FAIL tun -L does not list RAW"; fail=1; }

# 2. all traffic, then 3. with a kernel filter.
for f in all udp; do
	filt=()
	count=$((2 * N))
	if [ "$f" = udp ]; then filt=(udp); count=$N; fi
	run "sys-$f" "X_=1" "$count" "${filt[@]}"
	run "shim-$f" "LD_LIBRARY_PATH=$lib" "$count" "${filt[@]}"
	check "tun $f: exit status" "$work/sys-$f.rc" "$work/shim-$f.rc"
	check "tun $f: stderr" "$work/sys-$f.err" "$work/shim-$f.err"
	check "tun $f: $count records (decoded, lengths)" "$work/sys-$f.txt" "$work/shim-$f.txt"
	check "tun $f: the $N written packets byte for byte" "$work/sys-$f.udp" "$work/shim-$f.udp"
	got=$(wc -l < "$work/shim-$f.txt")
	if [ "$got" -ne "$count" ]; then echo "FAIL tun $f: $got records, want $count"; fail=1; fi
done
exit $fail
