#!/usr/bin/env bash
# Runs the C/C++ API programs in a private namespace pair: plain builds,
# ASan/UBSan builds, the static-archive build, and the plain builds under
# valgrind. Usage: run.sh OUT_DIR BUILD_DIR
set -euo pipefail
OUT=$1 BUILD=$2
ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/scripts/netns.sh"
A=$(netns_unique_name ct)a B=$(netns_unique_name ct)b
netns_pair_create "$A" "$B"
IFA=$NETNS_IF_A IFB=$NETNS_IF_B
PFSEND=$BUILD/bin/pfsend
export ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
VG="valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite"
pass=0 fail=0

ok() { echo "ok   $1"; pass=$((pass + 1)); }
bad() { echo "FAIL $1: $2"; fail=$((fail + 1)); }

# guide2008: receive N frames sent by pfsend, in order, exact summary line.
rx_test() { # name, command prefix...
  local name=$1; shift
  local n=2000 log; log=$(mktemp)
  timeout 60 ip netns exec "$B" "$@" "$IFB" $n > "$log" 2>&1 &
  local pid=$!
  for _ in $(seq 1 300); do grep -q '^ready' "$log" && break; sleep 0.1; done
  if ! grep -q '^ready' "$log"; then bad "$name" "never ready: $(cat "$log")"; kill $pid 2>/dev/null; wait $pid 2>/dev/null || true; rm -f "$log"; return; fi
  ip netns exec "$A" timeout 60 "$PFSEND" -i "$IFA" -n $n -r 100000 > /dev/null
  if wait $pid && grep -qx "received $n recv=$n drop=0" "$log"; then ok "$name"; else bad "$name" "$(cat "$log")"; fi
  rm -f "$log"
}

one() { # name, expected stdout line, command...
  local name=$1 want=$2; shift 2
  local got
  if got=$(timeout 120 "$@" 2>&1) && grep -qxF "$want" <<<"$got"; then ok "$name"; else bad "$name" "$got"; fi
}

rx_test guide2008 "$OUT/guide2008"
rx_test san_guide2008 "$OUT/san_guide2008"
rx_test static_guide2008 "$OUT/static_guide2008"
rx_test valgrind_guide2008 $VG "$OUT/guide2008"

for v in "" san_; do
  one "${v}signal_close" "recv returned -1 errno=EBADF ticks=5 stats_ok=5" ip netns exec "$B" "$OUT/${v}signal_close" "$IFB"
  one "${v}cpp_test" "cpp ok" ip netns exec "$B" "$OUT/${v}cpp_test" "$IFB"
done
one valgrind_signal_close "recv returned -1 errno=EBADF ticks=5 stats_ok=5" ip netns exec "$B" $VG "$OUT/signal_close" "$IFB"
one valgrind_cpp_test "cpp ok" ip netns exec "$B" $VG "$OUT/cpp_test" "$IFB"

# Without CAP_NET_RAW (user nobody, empty capability sets): EPERM.
one eperm "pfring_open: EPERM" ip netns exec "$B" setpriv --reuid=65534 --regid=65534 --clear-groups \
  --inh-caps=-all --bounding-set=-all "$OUT/eperm" "$IFB"

echo "c-tests: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
