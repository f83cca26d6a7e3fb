#!/usr/bin/env bash
# Frames longer than 65,535 bytes, through the shim and through Debian's
# libpcap 1.10.3, in a network namespace of our own whose lo has its MTU
# raised to 262144: sendframes writes frames of 65536, 65550, 70000,
# 100000, 200000 and 262144 bytes on lo through a raw packet socket.
#  1. tcpdump -i lo -c 6 -w FILE (snapshot 262144): the 6 records (caplen,
#     len, bytes) identical; the first five whole (caplen = len = the sent
#     length), the 262144-byte one cut by the kernel where it cuts it for
#     libpcap (one 256 KiB ring block minus headers);
#  2. the same with -s 70000: caplen = min(len, 70000), records identical;
#  3. the same frames captured on any (LINUX_SLL2, each frame once):
#     records identical (the cooked header included; the 262144-byte frame
#     is cut where libpcap's is, libpfring's cooked rings reserving the same
#     8 bytes per frame as libpcap's);
# and tcpdump's stdout, stderr and exit status identical each time;
#  4. lo back at its 65536-byte MTU, a 4 MB TCP transfer (tcpbulk.py,
#     198.18.7.1 on lo) captured by tcpdump -w until SIGINT: the kernel
#     hands over GSO frames of 65549 bytes; with both libraries every record
#     is whole (caplen = len) and frames above 65535 bytes are there (TCP's
#     bytes and segmentation vary from run to run, so only that is
#     compared).
# usage: live-big.sh LIBDIR SENDFRAMES READALL
set -euo pipefail
lib=$(cd "$1" && pwd)
send=$2
readall=$3
work=$(mktemp -d)
ns=shimbig$$
. "$(dirname "$0")/lib.sh"
live_ns "$ns"
ip -n "$ns" link set lo mtu 262144
LENS=65536,65550,70000,100000,200000,262144
fail=0

for which in sys shim; do
	d=$work/$which; mkdir -p "$d"
	envlib=(); [ $which = shim ] && envlib=(LD_LIBRARY_PATH="$lib")
	td=(ip netns exec "$ns" env "${envlib[@]}" tcpdump -Z root)
	for t in lo s70000 any; do
		o=(-i lo); [ $t = s70000 ] && o=(-i lo -s 70000); [ $t = any ] && o=(-i any)
		l=$LENS c=6
		"${td[@]}" "${o[@]}" -c $c -w "$d/$t.pcap" >"$d/$t.out" 2>"$d/$t.err" &
		pid=$!
		wait_for "$d/$t.err" listening
		ip netns exec "$ns" env SENDFRAMES_LENS=$l "$send" lo $c
		reap $pid >>"$d/$t.out"
		{ head -c 24 "$d/$t.pcap" | od -An -tx1; recs "$d/$t.pcap"; } >"$d/$t.records"
	done
done

# 4. GSO frames of a TCP transfer on lo
ip -n "$ns" link set lo mtu 65536
ip -n "$ns" addr add 198.18.7.1/32 dev lo
for which in sys shim; do
	d=$work/$which
	envlib=(); [ $which = shim ] && envlib=(LD_LIBRARY_PATH="$lib")
	ip netns exec "$ns" env "${envlib[@]}" tcpdump -Z root -i lo -w "$d/tcp.pcap" >"$d/tcp.out" 2>"$d/tcp.err" &
	pid=$!
	wait_for "$d/tcp.err" listening
	ip netns exec "$ns" timeout 20 python3 "$(dirname "$0")/tcpbulk.py" 198.18.7.1 4000000 >"$d/tcp.py"
	sleep 1.5
	kill -INT $pid 2>/dev/null || true
	reap $pid >>"$d/tcp.out"
	recs "$d/tcp.pcap" | awk '{ n++; if ($1 != $2) cut++; if ($2 > 65535) big++; if ($2 > max) max = $2 }
		END { printf "%d records, %d cut, %d longer than 65535 bytes, longest %d\n", n, cut, big, max }' >"$d/tcp.sum"
done
for which in sys shim; do
	read -r n _ cut _ big _ <"$work/$which/tcp.sum"
	if [ "$n" -gt 0 ] && [ "$cut" -eq 0 ] && [ "$big" -gt 0 ] && grep -q "received 4000000" "$work/$which/tcp.py"; then
		echo "ok   GSO frames on lo ($which): $(cat "$work/$which/tcp.sum")"
	else
		echo "FAIL GSO frames on lo ($which): $(cat "$work/$which/tcp.sum")"; fail=1
	fi
done
check "GSO frames on lo: longest frame identical" <(sed 's/.*longest //' "$work/sys/tcp.sum") <(sed 's/.*longest //' "$work/shim/tcp.sum")

for t in lo s70000 any; do
	n=$(($(wc -l <"$work/shim/$t.records") - 2))
	c=6
	[ "$n" -eq $c ] || { echo "FAIL big frames ($t): $n of $c records"; fail=1; }
	check "big frames ($t): header + $n records (caplen, len, bytes) identical to Debian libpcap's" \
		"$work/sys/$t.records" "$work/shim/$t.records"
	check "big frames ($t): tcpdump stdout, stderr, exit status" \
		<(cat "$work/sys/$t.out" "$work/sys/$t.err") <(cat "$work/shim/$t.out" "$work/shim/$t.err")
done
# Exact lengths: (caplen, len) of each record.
lens() { tail -n +3 "$1" | awk '{print $1, $2}' | tr '\n' ' '; }
got=$(lens "$work/shim/lo.records")
case "$got" in
"65536 65536 65550 65550 70000 70000 100000 100000 200000 200000 "*" 262144 ")
	echo "ok   big frames (lo): caplen = len for 65536..200000 bytes, the 262144-byte frame cut by the kernel ($got)" ;;
*) echo "FAIL big frames (lo): lengths $got"; fail=1 ;;
esac
got=$(lens "$work/shim/s70000.records")
want="65536 65536 65550 65550 70000 70000 70000 100000 70000 200000 70000 262144 "
if [ "$got" = "$want" ]; then echo "ok   big frames (-s 70000): $got"; else
	echo "FAIL big frames (-s 70000): $got, want $want"; fail=1; fi
got=$(lens "$work/shim/any.records")
case "$got" in
"65542 65542 65556 65556 70006 70006 100006 100006 200006 200006 "*" 262150 ")
	echo "ok   big frames (any: 20-byte SLL2 header instead of the 14-byte Ethernet one, the 262144-byte frame cut by the kernel): $got" ;;
*) echo "FAIL big frames (any): lengths $got"; fail=1 ;;
esac
exit $fail
