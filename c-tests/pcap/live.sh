#!/usr/bin/env bash
# Live capture through the shim, compared with Debian's libpcap on the same
# traffic, in a network namespace of our own (veth pair sv1/sv2, IPv6 off so
# no background frames):
#  1. tcpdump -i sv1 -c N -w FILE while N frames are sent on sv2: the N
#     records (lengths and bytes) and tcpdump's stdout/stderr/exit status are
#     identical with both libraries, and every sent frame is there;
#  2. tcpdump -i sv1 -t -n (no count), N frames, then SIGINT: stdout and the
#     statistics lines on stderr identical, exit status identical;
#  3. tcpdump -i lo -c N -w FILE with frames up to 40000 bytes: loopback's
#     outgoing copies dropped, statistics and records identical;
#  4. tcpdump -i nosuchdev0: identical output and exit status;
#  6. (shim only) two tcpdump -w with PCAP_PF_RING_CLUSTER_ID=7 share the
#     frames of sv1: together they hold each of the N frames exactly once;
#  7. tcpdump -w with the filter 'len > 500 and ether broadcast': the same
#     records and "received by filter" count (kernel filter);
#  8. SIGUSR1 during a capture: the statistics tcpdump prints from its
#     signal handler, then SIGINT: identical stderr;
#  9. tcpdump -L / -J on up, loopback and down devices, -i on a down device;
#  5. live_probe (pcap_create/set/activate rules, datalinks, non-blocking,
#     breakloop, open_live errors) on the idle sv1.
# usage: live.sh LIBDIR SENDFRAMES READALL LIVE_PROBE
set -euo pipefail
lib=$(cd "$1" && pwd)
send=$2
readall=$3
probe=$4
N=${SHIM_LIVE_FRAMES:-200}
work=$(mktemp -d)
ns=shimlive$$
. "$(dirname "$0")/lib.sh"
live_ns "$ns"
live_veth "$ns" sv1 sv2
ip -n "$ns" link add sv3 type veth peer name sv4
fail=0

for which in sys shim; do
	d=$work/$which; mkdir -p "$d"
	envlib=(); [ $which = shim ] && envlib=(LD_LIBRARY_PATH="$lib")
	# 1. -c N -w FILE
	# (ip netns exec and env exec tcpdump: $! is tcpdump itself)
	ip netns exec "$ns" env "${envlib[@]}" tcpdump -Z root -i sv1 -c "$N" -w "$d/cap.pcap" >"$d/w.out" 2>"$d/w.err" &
	pid=$!
	wait_for "$d/w.err" listening
	ip netns exec "$ns" "$send" sv2 "$N"
	reap $pid >>"$d/w.out"
	"$readall" "$d/cap.pcap" | sed -n 's/^  \([0-9]*\) [^ ]* /\1 /p' | sort -u >"$d/records"
	# 2. printing, stopped by SIGINT
	ip netns exec "$ns" env "${envlib[@]}" tcpdump -Z root -i sv1 -t -n >"$d/p.out" 2>"$d/p.err" &
	pid=$!
	wait_for "$d/p.err" listening
	ip netns exec "$ns" "$send" sv2 "$N"
	# one unindented line per packet (hex dumps are indented)
	for _ in $(seq 100); do [ "$(grep -c '^[^[:space:]]' "$d/p.out")" -ge "$N" ] && break; sleep 0.1; done
	kill -INT $pid 2>/dev/null || true
	reap $pid >>"$d/p.out"
	# 3. loopback, big frames
	ip netns exec "$ns" env "${envlib[@]}" tcpdump -Z root -i lo -c 40 -w "$d/lo.pcap" >"$d/lo.out" 2>"$d/lo.err" &
	pid=$!
	wait_for "$d/lo.err" listening
	ip netns exec "$ns" "$send" lo 40 40000
	reap $pid >>"$d/lo.out"
	"$readall" "$d/lo.pcap" | sed -n 's/^  \([0-9]*\) [^ ]* /\1 /p' | sort -u >"$d/lo.records"
	# 8. SIGUSR1 statistics in the middle of a capture (pcap_stats from
	#    tcpdump's signal handler), then SIGINT
	ip netns exec "$ns" env "${envlib[@]}" tcpdump -Z root -i sv1 -w /dev/null >"$d/u.out" 2>"$d/u.err" &
	pid=$!
	wait_for "$d/u.err" listening
	ip netns exec "$ns" "$send" sv2 "$N"
	sleep 1
	kill -USR1 $pid 2>/dev/null || true
	wait_for "$d/u.err" "dropped by kernel"
	kill -INT $pid 2>/dev/null || true
	reap $pid >>"$d/u.out"
	# 7. live filter, stopped by SIGINT once the frames are in
	ip netns exec "$ns" env "${envlib[@]}" tcpdump -Z root -i sv1 -w "$d/f.pcap" 'len > 500 and ether broadcast' >"$d/f.out" 2>"$d/f.err" &
	pid=$!
	wait_for "$d/f.err" listening
	ip netns exec "$ns" "$send" sv2 "$N"
	sleep 1
	kill -INT $pid 2>/dev/null || true
	reap $pid >>"$d/f.out"
	"$readall" "$d/f.pcap" | sed -n 's/^  \([0-9]*\) [^ ]* /\1 /p' | sort -u >"$d/f.records"
	# 5. API probe on the idle interface
	ip netns exec "$ns" env "${envlib[@]}" timeout 20 "$probe" sv1 >"$d/probe" 2>&1 || echo "exit $?" >>"$d/probe"
	# 9. datalink and time stamp type lists, a device that is down
	for o in "-i sv1 -L" "-i lo -L" "-i sv3 -L" "-i sv1 -J" "-i sv3 -c 1"; do
		rc=0
		ip netns exec "$ns" env "${envlib[@]}" tcpdump $o >>"$d/l.out" 2>&1 || rc=$?
		echo "exit $rc" >>"$d/l.out"
	done
	# 4. no such device
	rc=0; env "${envlib[@]}" tcpdump -i nosuchdev0 -c 1 >"$d/n.out" 2>"$d/n.err" || rc=$?
	echo "exit $rc" >>"$d/n.out"
done

# 6. PF_RING cluster through the environment variable (shim only)
d=$work/cluster; mkdir -p "$d"
for m in a b; do
	ip netns exec "$ns" env LD_LIBRARY_PATH="$lib" PCAP_PF_RING_CLUSTER_ID=7 \
		tcpdump -Z root -i sv1 -w "$d/$m.pcap" >"$d/$m.out" 2>"$d/$m.err" &
	eval "pid_$m=\$!"
	wait_for "$d/$m.err" listening
done
ip netns exec "$ns" "$send" sv2 "$N"
sleep 1
for m in a b; do eval "kill -INT \$pid_$m"; eval "reap \$pid_$m" >>"$d/$m.out"; done
{ recs "$d/a.pcap"; recs "$d/b.pcap"; } | sort >"$d/both"
recs "$work/shim/cap.pcap" | sort >"$d/sent"

nrec=$(wc -l <"$work/shim/records")
if [ "$nrec" -eq "$N" ]; then echo "ok   live -w: $nrec of $N frames captured through the shim"; else
	echo "FAIL live -w: $nrec of $N frames"; fail=1; fi
check "live -w: $N records (caplen, len, bytes) identical to Debian libpcap's" "$work/sys/records" "$work/shim/records"
check "live -w: tcpdump stdout + exit status" "$work/sys/w.out" "$work/shim/w.out"
check "live -w: tcpdump stderr (listening line, statistics)" "$work/sys/w.err" "$work/shim/w.err"
check "live SIGINT: $(grep -c '^[^[:space:]e]' "$work/sys/p.out") printed packets + exit status" "$work/sys/p.out" "$work/shim/p.out"
check "live SIGINT: stderr statistics" "$work/sys/p.err" "$work/shim/p.err"
nlo=$(wc -l <"$work/shim/lo.records")
[ "$nlo" -eq 40 ] || { echo "FAIL live lo: $nlo of 40 frames"; fail=1; }
check "live lo: 40 frames up to 40000 bytes, records identical" "$work/sys/lo.records" "$work/shim/lo.records"
check "live lo: stdout, stderr (outgoing copies: 80 received by filter)" <(cat "$work/sys/lo.out" "$work/sys/lo.err") <(cat "$work/shim/lo.out" "$work/shim/lo.err")
nf=$(wc -l <"$work/shim/f.records")
check "live filter 'len > 500 and ether broadcast': $nf records identical" "$work/sys/f.records" "$work/shim/f.records"
check "live filter: tcpdump output and statistics" <(cat "$work/sys/f.out" "$work/sys/f.err") <(cat "$work/shim/f.out" "$work/shim/f.err")
check "live SIGUSR1 + SIGINT: statistics printed from the signal handler" <(cat "$work/sys/u.out" "$work/sys/u.err") <(cat "$work/shim/u.out" "$work/shim/u.err")
check "tcpdump -L, -J and a down device: $(grep -c '^exit' "$work/sys/l.out") runs" "$work/sys/l.out" "$work/shim/l.out"
check "live_probe: $(wc -l <"$work/sys/probe") lines of live-handle API results" "$work/sys/probe" "$work/shim/probe"
na=$(recs "$d/a.pcap" | wc -l)
nb=$(recs "$d/b.pcap" | wc -l)
if [ $((na + nb)) -eq "$N" ] && cmp -s "$d/both" "$d/sent"; then
	echo "ok   PF_RING cluster 7 (PCAP_PF_RING_CLUSTER_ID): two tcpdumps got $na + $nb = $N frames, each once"
else
	echo "FAIL PF_RING cluster: $na + $nb frames for $N sent"; fail=1
fi
check "tcpdump -i nosuchdev0: stdout + exit status" "$work/sys/n.out" "$work/shim/n.out"
check "tcpdump -i nosuchdev0: stderr" "$work/sys/n.err" "$work/shim/n.err"
exit $fail
