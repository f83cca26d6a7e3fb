#!/usr/bin/env bash
# pcap-filter vs libpcap 1.10.3, side by side, with callgrind instruction
# counts (deterministic; the machine is shared):
#  1. interpreter: Ir per packet of libpcap's bpf_filter and of our
#     bpf::Program::filter, same optimized program (compiled by libpcap),
#     same DLT_EN10MB packets (tcpdump test captures + crafted frames);
#  2. compile: Ir of pcap_compile and of pcap_filter::compile (optimized,
#     DLT_EN10MB) on bench/filter/exprs.txt, ITER times each: every
#     expression alone (FILTER_BENCH_TOTAL_ONLY=1 skips these), then all
#     of them in one process.
# usage: bench/filter/run.sh [TOOLDIR]   (make bench-filter)
set -euo pipefail
cd "$(dirname "$0")/../.."
T=${1:-${CARGO_TARGET_DIR:-target}/filter-bench}
TGT=${CARGO_TARGET_DIR:-target}
DATA=${FILTER_DATA:-../shared/data/tcpdump-4.99.3}
ITER=${FILTER_BENCH_ITER:-20}
mkdir -p "$T"
cc -O2 -g -o "$T/interp_bench_c" c-tests/filter/interp_bench.c -lpcap
cc -O2 -g -o "$T/compile_bench_c" c-tests/filter/compile_bench.c -lpcap
cc -O1 -o "$T/compile" c-tests/filter/compile.c -lpcap
cc -O2 -o "$T/runfilter" c-tests/filter/runfilter.c -lpcap
cargo build -q --release -p pcap-filter --example interp_bench --example compile_bench
if [ ! -s "$T/pkts1.txt" ]; then
  python3 c-tests/filter/gen_frames.py "$T/crafted.pcap"
  RUNFILTER_DUMP="$T/pkts.txt" "$T/runfilter" "$DATA"/*.pcap "$DATA"/*.pcapng "$T/crafted.pcap" < /dev/null > /dev/null
  awk '$1 == 1' "$T/pkts.txt" > "$T/pkts1.txt"
fi
NPKT=$(wc -l < "$T/pkts1.txt")

ir() { # ir FUNCTION CMD... : instructions counted inside FUNCTION
  local f=$1; shift
  valgrind --tool=callgrind --callgrind-out-file=/dev/null --toggle-collect="$f" "$@" 2>&1 \
    | sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}

echo "== interpreter: callgrind Ir per packet, $NPKT DLT_EN10MB packets (optimized programs from libpcap)"
printf '%-44s %6s %10s %10s %7s\n' program insns libpcap ours ratio
worst=0
while IFS= read -r e; do
  [ -z "$e" ] && continue
  printf '1\t262144\t-\t1\t%s\n' "$e" | "$T/compile" | awk -F'\t' '$1=="OK" {print $2, $3}' | tr ',' ' ' > "$T/prog.txt"
  [ -s "$T/prog.txt" ] || { echo "libpcap does not compile: $e" >&2; exit 1; }
  c=$(ir bpf_filter "$T/interp_bench_c" "$T/pkts1.txt" 1 < "$T/prog.txt")
  r=$(ir interp_bench::run_one "$TGT/release/examples/interp_bench" "$T/pkts1.txt" 1 < "$T/prog.txt")
  name=$e; [ ${#name} -gt 44 ] && name="${name:0:41}..."
  printf '%-44s %6s %10.1f %10.1f %7.3f\n' "$name" "$(cut -d' ' -f1 "$T/prog.txt")" \
    "$(echo "$c / $NPKT" | bc -l)" "$(echo "$r / $NPKT" | bc -l)" "$(echo "$r / $c" | bc -l)"
done < bench/filter/interp-exprs.txt

echo
echo "== compile: callgrind Ir per pcap_compile (optimize on, DLT_EN10MB), $(grep -c . bench/filter/exprs.txt) expressions x $ITER"
if [ -z "${FILTER_BENCH_TOTAL_ONLY:-}" ]; then
  # each expression alone (ITER compilations in one process)
  printf '%-44s %10s %10s %7s\n' expression libpcap ours ratio
  while IFS= read -r e; do
    [ -z "$e" ] && continue
    c=$(printf '%s\n' "$e" | ir pcap_compile "$T/compile_bench_c" "$ITER")
    r=$(printf '%s\n' "$e" | ir compile_bench::compile_one "$TGT/release/examples/compile_bench" "$ITER")
    name=$e; [ ${#name} -gt 44 ] && name="${name:0:41}..."
    printf '%-44s %10d %10d %7.3f\n' "$name" $((c / ITER)) $((r / ITER)) "$(echo "$r / $c" | bc -l)"
  done < bench/filter/exprs.txt
fi
# all expressions in one process (the headline number)
c=$(ir pcap_compile "$T/compile_bench_c" "$ITER" < bench/filter/exprs.txt)
r=$(ir compile_bench::compile_one "$TGT/release/examples/compile_bench" "$ITER" < bench/filter/exprs.txt)
n=$(( $(grep -c . bench/filter/exprs.txt) * ITER ))
printf 'all: libpcap %d Ir/expression, ours %d Ir/expression, ratio %.3f\n' $((c / n)) $((r / n)) "$(echo "$r / $c" | bc -l)"
