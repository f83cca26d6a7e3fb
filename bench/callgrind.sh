#!/usr/bin/env bash
# User-space instructions per captured packet (callgrind), side by side in
# one run: the C TPACKET_V3 reader on libpfring's ring shape and the
# pfring_recv loop, each capturing the same paced traffic live on a private
# veth pair (slow enough for valgrind: nothing is dropped, and every run
# prints what it captured). Deterministic where CPU time is not.
#
#   bash bench/callgrind.sh BIN_DIR [PACKETS] [PPS]
set -euo pipefail
cd "$(dirname "$0")/.."
bins=$1
n=${2:-200000}
pps=${3:-20000}
command -v valgrind >/dev/null || { echo "callgrind bench: valgrind not installed" >&2; exit 1; }
. scripts/netns.sh
a=$(netns_unique_name cg-gen)
b=$(netns_unique_name cg-cap)
netns_pair_create "$a" "$b"
out=$(mktemp -d)
trap 'netns_cleanup; rm -rf "$out"' EXIT
declare -A args=([tpv3_reader]="-b 512 -n 64 -t 8" [pfring_loop]="")
declare -A ipp
for prog in tpv3_reader pfring_loop; do
  # shellcheck disable=SC2086
  ip netns exec "$b" valgrind --tool=callgrind --callgrind-out-file="$out/cg.$prog" \
    "$bins/$prog" -i "$NETNS_IF_B" ${args[$prog]} >"$out/$prog.out" 2>"$out/$prog.err" &
  vg=$!
  for _ in $(seq 300); do grep -q '^ready' "$out/$prog.err" && break; sleep 0.1; done
  grep -q '^ready' "$out/$prog.err" || { cat "$out/$prog.err" >&2; exit 1; }
  ip netns exec "$a" build/bin/pfsend -i "$NETNS_IF_A" -n "$n" -r "$pps" -l 60 >/dev/null
  sleep 1
  kill -INT "$vg"
  wait "$vg" || true
  ir=$(awk '/^summary:/ {print $2; exit}' "$out/cg.$prog")
  pk=$(grep -o 'packets=[0-9]*' "$out/$prog.out" | head -1 | cut -d= -f2)
  if [ "${pk:-0}" -ne "$n" ]; then
    echo "callgrind bench: $prog captured ${pk:-0} of $n" >&2
    exit 1
  fi
  ipp[$prog]=$((ir / pk))
  echo "$prog: $pk packets, $ir instructions, $((ir / pk)) per packet"
done
echo "pfring_recv loop ÷ C reader user-space instructions per packet: $(awk -v a="${ipp[pfring_loop]}" -v b="${ipp[tpv3_reader]}" 'BEGIN {printf "%.1f", a / b}') (${ipp[pfring_loop]} vs ${ipp[tpv3_reader]}; the reader does nothing per packet but read one byte)"
