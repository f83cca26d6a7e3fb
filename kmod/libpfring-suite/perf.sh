#!/bin/bash
# CPU per packet in the VM: the same paced traffic (pfsend, veth pair in two
# namespaces) captured by pfcount on the kernel module backend and on the
# AF_PACKET backend, alternating, KB_PERF_ROUNDS rounds. Reported per backend:
# pfcount's own CPU during the capture (scheduler runtime of its threads,
# /proc/PID/task/*/schedstat; its whole-life CPU from bash `times` is shown
# too) and the whole guest's busy
# CPU (/proc/stat, includes the sender and the kernel's capture work, same
# traffic for both), each per packet, and the kmod/af_packet ratios (median).
# A third capture per round runs kmod with the module's batched wake-ups off
# (poll_timeout_us=0: a wake-up per packet, as 3.7.5), for comparison.
# Also reported: guest context switches per packet (/proc/stat ctxt), which
# show the wake-ups. pfcount/pfsend are release builds when run.sh staged them
# (pfcount-release), as a user would run them; a debug build's per-packet
# code would dominate under emulation.
# Caveat: the VM is emulated (TCG, icount), times have tick granularity.
#
# Runs as /extra/perf.d/pfcount.sh in vm-test.sh's qemu -icount boot (guest
# time = executed instructions, idle time skipped), where host load does not
# distort CPU times; it sets up what guest.sh sets up in the main boot.
set -u
X=/extra
. $X/paths.sh
mkdir -p "$KB_REPO"
cp -a $X/repo/. "$KB_REPO/"
ln -sf /sbin/ip $X/bin/ip
[ -e /dev/fd ] || ln -s /proc/self/fd /dev/fd
mkdir -p /run/netns /var
[ -e /var/run ] || ln -s /run /var/run
sysctl -qw net.core.netdev_max_backlog=100000
cd /tmp
. "$KB_REPO/scripts/netns.sh"
N=${KB_PERF_N:-3000}
RATE=${KB_PERF_RATE:-1000}
ROUNDS=${KB_PERF_ROUNDS:-3}
A=pf-perf-a-$$
B=pf-perf-b-$$
netns_pair_create "$A" "$B" || { echo "KMODTEST: FAIL perf: namespaces"; exit 1; }
PFC=/extra/bin/pfcount; [ -x /extra/bin/pfcount-release ] && PFC=/extra/bin/pfcount-release
PFS=/extra/bin/pfsend; [ -x /extra/bin/pfsend-release ] && PFS=/extra/bin/pfsend-release
echo "kbackend perf: $PFC, $PFS"
ctxt() { awk '/^ctxt /{print $2; exit}' /proc/stat; }
busy() { awk '/^cpu /{print $2+$3+$4+$7+$8+$9; exit}' /proc/stat; }
secs() { echo "$1" | sed 's/m/ /; s/s$//' | awk '{print $1*60+$2}'; }
HZ=100
# CPU time (ns) of process $1 so far, all threads (scheduler's exact
# runtime from /proc/PID/task/*/schedstat).
runtime() { cat /proc/"$1"/task/*/schedstat 2>/dev/null | awk '{s += $1} END {print s + 0}'; }
# $1 = backend (kmod, af_packet, kmod0 = kmod with poll_timeout_us=0);
# prints "capture_us sys_us recv ctxt_per_pkt lifetime_us": pfcount's CPU per
# packet from just before the first frame to just after the last (schedstat),
# the guest's busy CPU, the frames pfcount got, context switches, and
# pfcount's whole-life CPU per packet (bash times: start-up and ring set-up
# included).
one() {
  local be=$1 pto=""
  if [ "$be" = kmod0 ]; then
    be=kmod
    pto=$(cat /sys/module/pf_ring/parameters/poll_timeout_us)
    echo 0 > /sys/module/pf_ring/parameters/poll_timeout_us
  fi
  local out=/tmp/perf.$be
  ( PF_RING_BACKEND=$be timeout 60 /sbin/ip netns exec "$B" $PFC -i "$NETNS_IF_B" \
      >/dev/null 2>"$out.err"; times >"$out.times" ) &
  local sub=$!
  sleep 1
  local pid; pid=$(pidof "$(basename "$PFC")" | awk '{print $1}')
  local r0 b0 c0; r0=$(runtime "$pid"); b0=$(busy); c0=$(ctxt)
  ip netns exec "$A" $PFS -i "$NETNS_IF_A" -n "$N" -r "$RATE" -l 60 >/dev/null 2>&1
  usleep 200000          # the last frames reach pfcount (wake-up timeout 4 ms)
  local r1 b1 c1; r1=$(runtime "$pid"); b1=$(busy); c1=$(ctxt)
  kill -INT "$pid"
  wait "$sub"
  [ -n "$pto" ] && echo "$pto" > /sys/module/pf_ring/parameters/poll_timeout_us
  local cu cs
  read -r cu cs < <(sed -n 2p "$out.times")
  local life; life=$(awk -v u="$(secs "$cu")" -v s="$(secs "$cs")" -v n="$N" 'BEGIN{printf "%.2f", (u+s)*1e6/n}')
  local cap; cap=$(awk -v d=$((r1 - r0)) -v n="$N" 'BEGIN{printf "%.2f", d/1000/n}')
  [ "$r0" -gt 0 ] || cap=$life
  local sys; sys=$(awk -v d=$((b1 - b0)) -v n="$N" -v hz=$HZ 'BEGIN{printf "%.2f", d*1e6/hz/n}')
  local recv; recv=$(sed -n 's/.*Absolute Stats: \[\([0-9]*\) pkts rcvd.*/\1/p' "$out.err" | head -1)
  local cpp; cpp=$(awk -v d=$((c1 - c0)) -v n="$N" 'BEGIN{printf "%.2f", d/n}')
  echo "$cap $sys ${recv:-?} $cpp $life"
}
rp=(); rs=(); zp=(); zs=(); fail=0
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{if (b>0) printf "%.3f", a/b; else print "inf"}'; }
echo "kbackend perf: module poll_watermark $(cat /sys/module/pf_ring/parameters/poll_watermark)," \
     "poll_timeout_us $(cat /sys/module/pf_ring/parameters/poll_timeout_us)"
for r in $(seq 1 "$ROUNDS"); do
  read -r kp ks kr kc kl < <(one kmod)
  read -r ap as ar ac al < <(one af_packet)
  read -r zkp zks zkr zkc zkl < <(one kmod0)
  echo "kbackend perf: round $r: kmod $kp us/pkt (pfcount during the capture; $kl over its life), $ks us/pkt (guest busy), $kc ctxt/pkt, recv $kr;" \
       "af_packet $ap us/pkt (pfcount; $al), $as us/pkt (guest busy), $ac ctxt/pkt, recv $ar;" \
       "kmod with a wake-up per packet $zkp us/pkt (pfcount; $zkl), $zks us/pkt (guest busy), $zkc ctxt/pkt, recv $zkr"
  [ "$kr" = "$N" ] && [ "$ar" = "$N" ] && [ "$zkr" = "$N" ] || fail=1
  rp+=("$(ratio "$kp" "$ap")"); rs+=("$(ratio "$ks" "$as")")
  zp+=("$(ratio "$zkp" "$ap")"); zs+=("$(ratio "$zks" "$as")")
done
med() { printf '%s\n' "$@" | sort -g | awk '{v[NR]=$1} END{print v[int((NR+1)/2)]}'; }
echo "kbackend perf: ratios kmod/af_packet pfcount: ${rp[*]}; guest busy: ${rs[*]}"
echo "kbackend perf: ratios kmod (wake-up per packet)/af_packet pfcount: ${zp[*]}; guest busy: ${zs[*]}"
if [ "$fail" = 0 ]; then
  echo "KMODTEST: info perf: with a wake-up per packet (poll_timeout_us=0, as 3.7.5) kmod/af_packet would be $(med "${zp[@]}") (pfcount), $(med "${zs[@]}") (guest busy)"
  echo "KMODTEST: ok perf: CPU per packet kmod/af_packet = $(med "${rp[@]}") (pfcount), $(med "${rs[@]}") (guest busy), median of $ROUNDS rounds of $N frames at $RATE/s (TCG-emulated VM)"
else
  echo "KMODTEST: FAIL perf: a capture did not receive all $N frames"
fi
netns_cleanup
exit $fail
