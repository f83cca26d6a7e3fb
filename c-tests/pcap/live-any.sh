#!/usr/bin/env bash
# Live capture on the "any" device (cooked LINUX_SLL / LINUX_SLL2 headers)
# through the shim, compared with Debian's libpcap 1.10.3 on the same
# traffic, in a network namespace of our own (veth pair av1/av2, IPv6 off so
# no background frames):
#  1. tcpdump -i any -c 2N -w FILE (tcpdump picks LINUX_SLL2) while N frames
#     go out of av2 into av1: 2N records (av2's outgoing copy, av1's
#     incoming one), caplen, len and bytes (SLL2 header included)
#     identical, stdout/stderr/exit status identical;
#  2. the same with -y LINUX_SLL (16-byte SLL header);
#  3. tcpdump -i any -nn -e -t printing, stopped by SIGINT: stdout and the
#     statistics lines identical;
#  4. frames sent on lo (up to 40000 bytes), captured on any: loopback's
#     outgoing copies dropped, records and statistics identical;
#  5. kernel filters on the cooked socket: 'inbound and len > 500' (packet
#     type and length) and 'ether proto 0x88b5' with -y LINUX_SLL (protocol
#     field): records and "received by filter" counts identical;
#  6. live_probe on any (activation, promisc ignored, datalinks SLL/SLL2,
#     set_datalink, non-blocking, breakloop, inject refused, rfmon);
#  7. tcpdump -i any -L and -i any -D output.
#  9. 802.1Q-tagged frames on any (SLL2 and SLL): records identical;
# 10. the same on av1 (EN10MB, the tag the kernel stripped put back);
# 11. --immediate-mode -s 100 on any and on av1: header and records
#     (truncated to the snapshot) identical;
#  8. the TPACKET_V3 ring tcpdump asks for on a veth (LD_PRELOAD ringreq.so
#     prints the tpacket_req3): block size, count and retire timeout equal
#     to libpcap's for the default buffer, -B 65536 and -B 8192.
# usage: live-any.sh LIBDIR SENDFRAMES READALL LIVE_PROBE RINGREQ_SO
set -euo pipefail
lib=$(cd "$1" && pwd)
send=$2
readall=$3
probe=$4
ringreq=$5
N=${SHIM_LIVE_FRAMES:-100}
work=$(mktemp -d)
ns=shimany$$
. "$(dirname "$0")/lib.sh"
live_ns "$ns"
live_veth "$ns" av1 av2
fail=0

for which in sys shim; do
	d=$work/$which; mkdir -p "$d"
	envlib=(); [ $which = shim ] && envlib=(LD_LIBRARY_PATH="$lib")
	# (ip netns exec and env exec tcpdump: $! is tcpdump itself)
	td=(ip netns exec "$ns" env "${envlib[@]}" tcpdump -Z root)
	# 1./2. -c 2N -w FILE, SLL2 (tcpdump's choice on any) and SLL
	for y in sll2 sll; do
		yo=(); [ $y = sll ] && yo=(-y LINUX_SLL)
		"${td[@]}" -i any "${yo[@]}" -c $((2 * N)) -w "$d/$y.pcap" >"$d/$y.out" 2>"$d/$y.err" &
		pid=$!
		wait_for "$d/$y.err" listening
		ip netns exec "$ns" "$send" av2 "$N"
		reap $pid >>"$d/$y.out"
		recs "$d/$y.pcap" >"$d/$y.records"
		head -c 24 "$d/$y.pcap" | od -An -tx1 >"$d/$y.header"
	done
	# 3. printing with link-level headers, stopped by SIGINT
	"${td[@]}" -i any -nn -e -t >"$d/p.out" 2>"$d/p.err" &
	pid=$!
	wait_for "$d/p.err" listening
	ip netns exec "$ns" "$send" av2 "$N"
	for _ in $(seq 100); do [ "$(grep -c '^[^[:space:]]' "$d/p.out")" -ge $((2 * N)) ] && break; sleep 0.1; done
	kill -INT $pid 2>/dev/null || true
	reap $pid >>"$d/p.out"
	# 4. loopback through any: each frame once
	"${td[@]}" -i any -c 40 -w "$d/lo.pcap" >"$d/lo.out" 2>"$d/lo.err" &
	pid=$!
	wait_for "$d/lo.err" listening
	ip netns exec "$ns" "$send" lo 40 40000
	reap $pid >>"$d/lo.out"
	recs "$d/lo.pcap" >"$d/lo.records"
	# 5. kernel filters on the cooked socket, stopped by SIGINT
	i=0
	for f in "inbound and len > 500" "-y LINUX_SLL ether proto 0x88b5"; do
		i=$((i + 1))
		yo=(); expr=$f
		case $f in -y*) yo=(-y LINUX_SLL); expr=${f#-y LINUX_SLL }; esac
		"${td[@]}" -i any "${yo[@]}" -w "$d/f$i.pcap" "$expr" >"$d/f$i.out" 2>"$d/f$i.err" &
		pid=$!
		wait_for "$d/f$i.err" listening
		ip netns exec "$ns" "$send" av2 "$N"
		ip netns exec "$ns" "$send" lo 10
		sleep 1.5
		kill -INT $pid 2>/dev/null || true
		reap $pid >>"$d/f$i.out"
		recs "$d/f$i.pcap" >"$d/f$i.records"
	done
	# 6. API probe on the idle any device
	ip netns exec "$ns" env "${envlib[@]}" timeout 20 "$probe" any >"$d/probe" 2>&1 || echo "exit $?" >>"$d/probe"
	# 9. 802.1Q-tagged frames (TCI 0x2005) on any, SLL2 and SLL
	for y in sll2 sll; do
		yo=(); [ $y = sll ] && yo=(-y LINUX_SLL)
		"${td[@]}" -i any "${yo[@]}" -c $((2 * N)) -w "$d/vlan-$y.pcap" >"$d/vlan-$y.out" 2>"$d/vlan-$y.err" &
		pid=$!
		wait_for "$d/vlan-$y.err" listening
		ip netns exec "$ns" env SENDFRAMES_VLAN=8197 "$send" av2 "$N"
		reap $pid >>"$d/vlan-$y.out"
		recs "$d/vlan-$y.pcap" >"$d/vlan-$y.records"
	done
	# 10. the same tagged frames on av1 itself (EN10MB, tag put back in)
	"${td[@]}" -i av1 -c "$N" -w "$d/vlan-eth.pcap" >"$d/vlan-eth.out" 2>"$d/vlan-eth.err" &
	pid=$!
	wait_for "$d/vlan-eth.err" listening
	ip netns exec "$ns" env SENDFRAMES_VLAN=8197 "$send" av2 "$N"
	reap $pid >>"$d/vlan-eth.out"
	recs "$d/vlan-eth.pcap" >"$d/vlan-eth.records"
	# 11. immediate mode with a small snapshot length on any and on av1
	for dev in any av1; do
		c=$N; [ $dev = any ] && c=$((2 * N))
		"${td[@]}" -i $dev --immediate-mode -s 100 -c "$c" -w "$d/imm-$dev.pcap" >"$d/imm-$dev.out" 2>"$d/imm-$dev.err" &
		pid=$!
		wait_for "$d/imm-$dev.err" listening
		ip netns exec "$ns" "$send" av2 "$N"
		reap $pid >>"$d/imm-$dev.out"
		{ head -c 24 "$d/imm-$dev.pcap" | od -An -tx1; recs "$d/imm-$dev.pcap"; } >"$d/imm-$dev.records"
	done
	# 8. the TPACKET_V3 ring tcpdump's handle asks for (block size and
	#    count, retire timeout = the 1000 ms read timeout)
	for o in "" "-B 65536" "-B 8192"; do
		ip netns exec "$ns" env "${envlib[@]}" LD_PRELOAD="$ringreq" timeout -s INT 1 \
			tcpdump -Z root -i av1 -w /dev/null $o 2>&1 | grep '^ring:' >>"$d/ring" || true
	done
	# 7. lists
	for o in "-i any -L" "-D"; do
		rc=0
		ip netns exec "$ns" env "${envlib[@]}" tcpdump $o >>"$d/l.out" 2>&1 || rc=$?
		echo "exit $rc" >>"$d/l.out"
	done
done

for y in sll2 sll; do
	n=$(wc -l <"$work/shim/$y.records")
	if [ "$n" -eq $((2 * N)) ]; then echo "ok   any ($y) -w: $n of $((2 * N)) frames captured through the shim"; else
		echo "FAIL any ($y) -w: $n of $((2 * N)) frames"; fail=1; fi
	check "any ($y) -w: savefile header identical" "$work/sys/$y.header" "$work/shim/$y.header"
	check "any ($y) -w: $n records (caplen, len, cooked header + bytes) identical to Debian libpcap's" \
		"$work/sys/$y.records" "$work/shim/$y.records"
	check "any ($y) -w: tcpdump stdout, stderr, exit status" <(cat "$work/sys/$y.out" "$work/sys/$y.err") \
		<(cat "$work/shim/$y.out" "$work/shim/$y.err")
done
check "any -nn -e SIGINT: $(grep -c '^[^[:space:]e]' "$work/sys/p.out") printed packets + exit status" "$work/sys/p.out" "$work/shim/p.out"
check "any -nn -e SIGINT: stderr statistics" "$work/sys/p.err" "$work/shim/p.err"
nlo=$(wc -l <"$work/shim/lo.records")
[ "$nlo" -eq 40 ] || { echo "FAIL any lo: $nlo of 40 frames"; fail=1; }
check "any, frames on lo: 40 frames up to 40000 bytes once each, records identical" "$work/sys/lo.records" "$work/shim/lo.records"
check "any, frames on lo: stdout, stderr, exit status" <(cat "$work/sys/lo.out" "$work/sys/lo.err") <(cat "$work/shim/lo.out" "$work/shim/lo.err")
for i in 1 2; do
	nf=$(wc -l <"$work/shim/f$i.records")
	[ "$nf" -gt 0 ] || { echo "FAIL any filter $i: nothing captured"; fail=1; }
	check "any kernel filter $i: $nf records identical" "$work/sys/f$i.records" "$work/shim/f$i.records"
	check "any kernel filter $i: tcpdump output and statistics" <(cat "$work/sys/f$i.out" "$work/sys/f$i.err") \
		<(cat "$work/shim/f$i.out" "$work/shim/f$i.err")
done
for y in sll2 sll; do
	n=$(wc -l <"$work/shim/vlan-$y.records")
	[ "$n" -eq $((2 * N)) ] || { echo "FAIL any 802.1Q ($y): $n of $((2 * N)) frames"; fail=1; }
	check "any 802.1Q-tagged frames ($y): $n records identical (tag as libpcap puts it)" \
		"$work/sys/vlan-$y.records" "$work/shim/vlan-$y.records"
	check "any 802.1Q-tagged frames ($y): tcpdump output" <(cat "$work/sys/vlan-$y.out" "$work/sys/vlan-$y.err") \
		<(cat "$work/shim/vlan-$y.out" "$work/shim/vlan-$y.err")
done
n=$(wc -l <"$work/shim/vlan-eth.records")
[ "$n" -eq "$N" ] || { echo "FAIL av1 802.1Q: $n of $N frames"; fail=1; }
check "802.1Q-tagged frames on av1 (EN10MB): $n records identical, tcpdump output" \
	<(cat "$work/sys/vlan-eth.records" "$work/sys/vlan-eth.out" "$work/sys/vlan-eth.err") \
	<(cat "$work/shim/vlan-eth.records" "$work/shim/vlan-eth.out" "$work/shim/vlan-eth.err")
for dev in any av1; do
	n=$(($(wc -l <"$work/shim/imm-$dev.records") - 2))
	c=$N; [ $dev = any ] && c=$((2 * N))
	[ "$n" -eq "$c" ] || { echo "FAIL immediate -s 100 on $dev: $n of $c frames"; fail=1; }
	check "immediate mode, -s 100 on $dev: header + $n records (caplen 100 at most) identical, tcpdump output" \
		<(cat "$work/sys/imm-$dev.records" "$work/sys/imm-$dev.out" "$work/sys/imm-$dev.err") \
		<(cat "$work/shim/imm-$dev.records" "$work/shim/imm-$dev.out" "$work/shim/imm-$dev.err")
done
check "live_probe any: $(wc -l <"$work/sys/probe") lines of live-handle API results" "$work/sys/probe" "$work/shim/probe"
check "tcpdump -i any -L, -D" "$work/sys/l.out" "$work/shim/l.out"
nring=$(grep -c '^ring:' "$work/sys/ring" || true)
[ "$nring" -eq 3 ] || { echo "FAIL ring geometry: $nring rings seen"; fail=1; }
check "ring geometry of tcpdump -w (default, -B 65536, -B 8192): $(tr '\n' ';' <"$work/sys/ring")" "$work/sys/ring" "$work/shim/ring"
exit $fail
