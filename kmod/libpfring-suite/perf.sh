#!/bin/bash
# CPU per packet in the VM: the same paced traffic (pfsend, veth pair in two
# namespaces) captured by pfcount on the kernel module backend and on the
# AF_PACKET backend, alternating, KB_PERF_ROUNDS rounds. Reported per backend:
# pfcount's own CPU (user+sys, from bash `times`) and the whole guest's busy
# CPU (/proc/stat, includes the sender and the kernel's capture work, same
# traffic for both), each per packet, and the kmod/af_packet ratios (median).
# Caveat: the VM is emulated (TCG), times have 10 ms granularity.
set -u
. /extra/paths.sh
. "$KB_REPO/scripts/netns.sh"
N=${KB_PERF_N:-10000}
RATE=${KB_PERF_RATE:-2000}
ROUNDS=${KB_PERF_ROUNDS:-3}
A=pf-perf-a-$$
B=pf-perf-b-$$
netns_pair_create "$A" "$B" || { echo "KMODTEST: FAIL perf: namespaces"; exit 1; }
busy() { awk '/^cpu /{print $2+$3+$4+$7+$8+$9; exit}' /proc/stat; }
secs() { echo "$1" | sed 's/m/ /; s/s$//' | awk '{print $1*60+$2}'; }
HZ=100
one() {  # $1 = backend; prints "proc_us sys_us recv"
  local be=$1
  local out=/tmp/perf.$be
  ( PF_RING_BACKEND=$be timeout 60 /sbin/ip netns exec "$B" /extra/bin/pfcount -i "$NETNS_IF_B" -n "$N" \
      >/dev/null 2>"$out.err"; times >"$out.times" ) &
  local sub=$!
  sleep 1
  local b0; b0=$(busy)
  ip netns exec "$A" /extra/bin/pfsend -i "$NETNS_IF_A" -n "$N" -r "$RATE" -l 60 >/dev/null 2>&1
  wait "$sub"
  local b1; b1=$(busy)
  local cu cs
  read -r cu cs < <(sed -n 2p "$out.times")
  local proc; proc=$(awk -v u="$(secs "$cu")" -v s="$(secs "$cs")" -v n="$N" 'BEGIN{printf "%.2f", (u+s)*1e6/n}')
  local sys; sys=$(awk -v d=$((b1 - b0)) -v n="$N" -v hz=$HZ 'BEGIN{printf "%.2f", d*1e6/hz/n}')
  local recv; recv=$(sed -n 's/.*Absolute Stats: \[\([0-9]*\) pkts rcvd.*/\1/p' "$out.err" | head -1)
  echo "$proc $sys ${recv:-?}"
}
rp=(); rs=(); fail=0
for r in $(seq 1 "$ROUNDS"); do
  read -r kp ks kr < <(one kmod)
  read -r ap as ar < <(one af_packet)
  echo "kbackend perf: round $r: kmod $kp us/pkt (pfcount), $ks us/pkt (guest busy), recv $kr;" \
       "af_packet $ap us/pkt (pfcount), $as us/pkt (guest busy), recv $ar"
  [ "$kr" = "$N" ] && [ "$ar" = "$N" ] || fail=1
  rp+=("$(awk -v a="$kp" -v b="$ap" 'BEGIN{if (b>0) printf "%.3f", a/b; else print "inf"}')")
  rs+=("$(awk -v a="$ks" -v b="$as" 'BEGIN{if (b>0) printf "%.3f", a/b; else print "inf"}')")
done
med() { printf '%s\n' "$@" | sort -g | awk '{v[NR]=$1} END{print v[int((NR+1)/2)]}'; }
echo "kbackend perf: ratios pfcount: ${rp[*]}; guest busy: ${rs[*]}"
if [ "$fail" = 0 ]; then
  echo "KMODTEST: ok perf: CPU per packet kmod/af_packet = $(med "${rp[@]}") (pfcount), $(med "${rs[@]}") (guest busy), median of $ROUNDS rounds of $N frames at $RATE/s (TCG-emulated VM)"
else
  echo "KMODTEST: FAIL perf: a capture did not receive all $N frames"
fi
netns_cleanup
exit $fail
