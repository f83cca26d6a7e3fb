#!/usr/bin/env bash
# Named devices of every link-layer (ARPHRD) type, through the shim and
# through Debian's libpcap 1.10.3, in a network namespace of our own.
#  A. tun devices given each ARPHRD type libpcap 1.10.3 maps (TUNSETLINK
#     before they are up; tunlink.py), plus types it does not know (cooked
#     capture, "arptype N not supported by libpcap - falling back to cooked
#     socket" in the error buffer): for each,
#     1. tcpdump -i DEV -L: output and exit status identical;
#     2. linkprobe DEV: activate result and error buffer, datalink, list,
#        set_datalink results identical;
#     3. tcpdump -i DEV -c N -w FILE while N packets are written into the
#        device: savefile header and records (caplen, len, bytes: raw
#        frames, cooked LINUX_SLL headers, the CAN fix-ups) identical,
#        stdout/stderr/exit status identical;
#     4. tcpdump -i DEV -c N -nn -e -t: the printed lines identical.
#     (3. and 4. for one type of each mapping, 1. and 2. for all.)
#     ARPHRD_CAN gets CAN and CAN FD frames (packet-info header), the
#     others IPv4/UDP packets.
#  B. the device types this kernel can create (all Ethernet-framed, besides
#     tun, covered by live-tun.sh): a bridge (frames through a veth port),
#     macvlan (over a veth), veths named cdma_rmnet0 and isdn0 (RAW and
#     cooked by name; isdn0 also with -y LINUX_SLL2), a tap device (frames
#     written into it): -L,
#     linkprobe, -c N -w and -e as above; vxlan and ifb, which we cannot
#     send through: -L, linkprobe, and a capture stopped by SIGINT (output,
#     statistics, exit status).
#  C. a CAN device (tun with ARPHRD_CAN) with frames both ways: N CAN/CAN FD
#     frames written into it, 2 CAN, 2 CAN FD and 1 IPv4-protocol frames
#     sent out of it: tcpdump -w on it (all directions, -Q in, -Q out) and
#     on any, stopped by SIGINT: records identical (libpcap keeps outgoing
#     frames of CAN devices only with -Q out: they come back as incoming).
#  0. tcpdump -D while tun devices of 7 types exist: identical.
# usage: live-arphrd.sh LIBDIR SENDFRAMES READALL LINKPROBE
set -euo pipefail
lib=$(cd "$1" && pwd)
send=$2
readall=$3
probe=$4
here=$(cd "$(dirname "$0")" && pwd)
N=${SHIM_ARPHRD_FRAMES:-12}
work=$(mktemp -d)
ns=shimarp$$
. "$here/lib.sh"
live_ns "$ns"
fail=0

# Every type with a mapping of its own in libpcap 1.10.3, then unknown ones
# (NETROM, IPGRE, PHONET_PIPE, IP6GRE, VOID). TYPES get captures too,
# LIST_TYPES (more of the same mappings) -L and linkprobe only.
TYPES="1 2 3 4 6 7 18 19 280 512 513 770 772 773 774 776 783 784 801 802 803 804 824 826 8445 65534 778 65535"
LIST_TYPES="5 15 23 256 257 258 259 264 518 768 785 786 787 800 0 821 823"

declare -A ctl rounds

# tun/tap device NAME (ARPHRD TYPE, MODE) driven by tunlink.py.
start_tun() { # name type mode
	mkfifo "$work/$1.ctl"
	ip netns exec "$ns" python3 "$here/tunlink.py" "$1" "$2" "$N" "$3" <"$work/$1.ctl" >"$work/$1.py" 2>&1 &
	local f
	exec {f}>"$work/$1.ctl"
	ctl[$1]=$f
	rounds[$1]=0
	wait_for "$work/$1.py" ready
	# (no multicast: no IGMP reports among the frames)
	ip -n "$ns" link set "$1" multicast off up 2>/dev/null || true
}
stop_tun() { # name
	local f=${ctl[$1]}
	exec {f}>&-
}
# N packets into tun device NAME; waits until they are written.
push() { # name
	rounds[$1]=$((${rounds[$1]} + 1))
	echo go >&"${ctl[$1]}"
	wait_for "$work/$1.py" "^sent ${rounds[$1]}\$"
}
# N frames through another device: a veth end whose frames reach it.
push_dev() { # veth
	ip netns exec "$ns" "$send" "$1" "$N"
}

# Waits until tcpdump listens or has exited (up to 5 s); true if listening.
listening() { # err-file pid
	for _ in $(seq 50); do
		grep -q listening "$1" 2>/dev/null && return 0
		kill -0 "$2" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

# All the runs for one device, both libraries. PUSH: how frames get there
# (none: the capture is stopped by SIGINT; "-": no captures, -L and
# linkprobe only).
runs() { # label dev push-command...
	local label=$1 dev=$2
	shift 2
	for which in sys shim; do
		local d=$work/$which/$label
		mkdir -p "$d"
		local envlib=()
		[ $which = shim ] && envlib=(LD_LIBRARY_PATH="$lib")
		local td=(ip netns exec "$ns" env "${envlib[@]}" tcpdump -Z root -i "$dev")
		local rc=0
		"${td[@]}" -L >"$d/L" 2>&1 || rc=$?
		echo "exit $rc" >>"$d/L"
		ip netns exec "$ns" env "${envlib[@]}" "$probe" "$dev" >"$d/probe" 2>&1 || echo "exit $?" >>"$d/probe"
		if [ "${1:-}" = - ]; then
			: >"$d/w.records"
			: >"$d/w.out"
			: >"$d/w.err"
			: >"$d/e.out"
			: >"$d/e.err"
		elif [ $# -gt 0 ]; then
			"${td[@]}" -c "$N" -w "$d/w.pcap" >"$d/w.out" 2>"$d/w.err" &
			local pid=$!
			if listening "$d/w.err" $pid; then sleep 0.2; "$@"; fi
			reap $pid >>"$d/w.out"
			if [ -s "$d/w.pcap" ]; then
				{ head -c 24 "$d/w.pcap" | od -An -tx1; recs "$d/w.pcap"; } >"$d/w.records"
			else
				echo "no file" >"$d/w.records"
			fi
			"${td[@]}" -c "$N" -nn -e -t >"$d/e.out" 2>"$d/e.err" &
			pid=$!
			if listening "$d/e.err" $pid; then sleep 0.2; "$@"; fi
			reap $pid >>"$d/e.out"
		else
			"${td[@]}" -nn -e -t >"$d/e.out" 2>"$d/e.err" &
			local pid=$!
			listening "$d/e.err" $pid || true
			sleep 0.5
			kill -INT $pid 2>/dev/null || true
			reap $pid >>"$d/e.out"
			: >"$d/w.records"
			: >"$d/w.out"
			: >"$d/w.err"
		fi
	done
}

# 0. tcpdump -D with devices of several types at once (PPP, CAN, netlink,
#    IPGRE, 802.11 - listed as wireless -, NONE, one left down)
for t in 512 280 824 778 801 65534 770; do start_tun "d$t" "$t" ip; done
ip -n "$ns" link set d770 down
for which in sys shim; do
	envlib=()
	[ $which = shim ] && envlib=(LD_LIBRARY_PATH="$lib")
	ip netns exec "$ns" env "${envlib[@]}" tcpdump -D >"$work/D.$which" 2>&1 || echo "exit $?" >>"$work/D.$which"
done
for t in 512 280 824 778 801 65534 770; do stop_tun "d$t"; done
check "tcpdump -D with tun devices of 7 ARPHRD types: $(grep -c '^[0-9]' "$work/D.sys") devices" "$work/D.sys" "$work/D.shim"

# A. tun devices of every ARPHRD type
for t in $TYPES; do
	mode=ip
	[ "$t" = 280 ] && mode=can
	start_tun "a$t" "$t" $mode
	runs "arphrd$t" "a$t" push "a$t"
	stop_tun "a$t"
done
for t in $LIST_TYPES; do
	start_tun "a$t" "$t" ip
	runs "arphrd$t" "a$t" -
	stop_tun "a$t"
done

# B. the kernel's own device types (multicast off: no IGMP reports among
# the frames)
ip -n "$ns" link add br0 type bridge
ip -n "$ns" link add bv1 type veth peer name bv2
ip -n "$ns" link set bv1 multicast off up
ip -n "$ns" link set bv2 multicast off up
ip -n "$ns" link set bv1 master br0
ip -n "$ns" link set br0 multicast off up
# (the bridge sends IGMP reports of its own just after it comes up)
sleep 3
runs bridge br0 push_dev bv2
ip -n "$ns" link add mv1 type veth peer name mv2
ip -n "$ns" link set mv1 multicast off up
ip -n "$ns" link set mv2 multicast off up
ip -n "$ns" link add mv0 link mv1 type macvlan mode bridge
ip -n "$ns" link set mv0 multicast off up
runs macvlan mv0 push_dev mv2
# Ethernet devices libpcap treats by name: cdma_rmnet* as RAW, isdn* cooked
for name in cdma_rmnet0 isdn0; do
	ip -n "$ns" link add "$name" type veth peer name "p$name"
	ip -n "$ns" link set "$name" multicast off up
	ip -n "$ns" link set "p$name" multicast off up
	runs "$name" "$name" push_dev "p$name"
done
# isdn0 also offers LINUX_SLL2: frames with that header
for which in sys shim; do
	d=$work/$which/isdn0-sll2
	mkdir -p "$d"
	envlib=()
	[ $which = shim ] && envlib=(LD_LIBRARY_PATH="$lib")
	ip netns exec "$ns" env "${envlib[@]}" tcpdump -Z root -i isdn0 -y LINUX_SLL2 -c "$N" -w "$d/w.pcap" >"$d/w.out" 2>"$d/w.err" &
	pid=$!
	listening "$d/w.err" $pid && sleep 0.2 && push_dev pisdn0
	reap $pid >>"$d/w.out"
	{ head -c 24 "$d/w.pcap" | od -An -tx1; recs "$d/w.pcap"; } >"$d/w.records"
	for f in L probe e.out e.err; do : >"$d/$f"; done
done
start_tun tap0 1 tap
runs tap tap0 push tap0
stop_tun tap0
ip -n "$ns" link add vx0 type vxlan id 7 dstport 4789 local 198.51.100.1
ip -n "$ns" link set vx0 multicast off up
runs vxlan vx0
ip -n "$ns" link add if0 type ifb
ip -n "$ns" link set if0 multicast off up
runs ifb if0

# C. CAN frames both ways
start_tun can0 280 can
for which in sys shim; do
	envlib=()
	[ $which = shim ] && envlib=(LD_LIBRARY_PATH="$lib")
	for v in inout in out any; do
		d=$work/$which/can-$v
		mkdir -p "$d"
		o=(-i can0)
		case $v in in) o=(-i can0 -Q in) ;; out) o=(-i can0 -Q out) ;; any) o=(-i any) ;; esac
		ip netns exec "$ns" env "${envlib[@]}" tcpdump -Z root "${o[@]}" -w "$d/w.pcap" >"$d/w.out" 2>"$d/w.err" &
		pid=$!
		listening "$d/w.err" $pid && sleep 0.2
		push can0
		for p in 0x000C 0x000D 0x0800; do
			n=2; [ $p = 0x0800 ] && n=1
			ip netns exec "$ns" python3 "$here/cansend.py" can0 $p $n
		done
		sleep 1.5
		kill -INT $pid 2>/dev/null || true
		reap $pid >>"$d/w.out"
		{ head -c 24 "$d/w.pcap" | od -An -tx1; recs "$d/w.pcap"; } >"$d/w.records"
		for f in L probe e.out e.err; do : >"$d/$f"; done
	done
done
stop_tun can0
for v in inout in out any; do
	want=$N; [ $v = out ] && want=5
	n=$(($(wc -l <"$work/shim/can-$v/w.records") - 2))
	if [ "$n" -ne "$want" ]; then echo "FAIL can-$v: $n of $want records"; fail=1; else
		echo "ok   CAN device, $v: $n records (outgoing CAN frames only with -Q out)"; fi
done

summary=()
for dir in "$work"/sys/*; do
	label=$(basename "$dir")
	s=$work/shim/$label
	bad=0
	for f in L probe w.records w.out w.err e.out e.err; do
		if ! cmp -s "$dir/$f" "$s/$f"; then
			echo "FAIL $label: $f differs"
			diff "$dir/$f" "$s/$f" | head -8 || true
			bad=1
		fi
	done
	dlt=$(sed -n 's/^datalink=[0-9]* name=\([^ ]*\).*/\1/p' "$dir/probe")
	[ -n "$dlt" ] || dlt=$(grep -o 'activate=-*[0-9]*' "$dir/probe" | head -1 || true)
	n=$(($(wc -l <"$s/w.records") - 2))
	[ -s "$s/w.records" ] || n=0
	if [ $bad = 0 ]; then
		summary+=("$label:$dlt:$n")
	else
		fail=1
	fi
done
echo "ok   ${#summary[@]} devices/cases identical to Debian libpcap (-L, linkprobe, -w records, -e; label:DLT:records): ${summary[*]}"
# Frames must have been captured where they can be (not on unknown DLTs
# tcpdump refuses, devices that cannot come up, vxlan/ifb).
for label in arphrd512 arphrd776 arphrd778 arphrd280 arphrd824 arphrd1 bridge macvlan cdma_rmnet0 isdn0 isdn0-sll2 tap; do
	n=$(($(wc -l <"$work/shim/$label/w.records") - 2))
	if [ "$n" -ne "$N" ]; then echo "FAIL $label: $n of $N records"; fail=1; fi
done
grep -q "arptype 778 not supported by libpcap - falling back to cooked socket" "$work/shim/arphrd778/probe" ||
	{ echo "FAIL arphrd778: no fallback warning"; fail=1; }
exit $fail
