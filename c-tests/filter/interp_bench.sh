#!/usr/bin/env bash
# Interpreter instruction counts (callgrind): libpcap's bpf_filter vs ours on
# the same optimized programs over the same DLT_EN10MB packets. Not run by
# make test (CPU). usage: interp_bench.sh TOOLDIR PACKETDUMP OURBENCH
set -euo pipefail
T=$1 DUMP=$2 OURS=$3
cc -O2 -g -o "$T/interp_bench_c" "$(dirname "$0")/interp_bench.c" -lpcap
for e in 'tcp port 80' 'host 192.0.2.1 or net 10.0.0.0/8' 'tcp[tcpflags] & tcp-syn != 0' 'vlan and udp' 'ip6 and tcp portrange 1-1023'; do
  printf '1\t262144\t-\t1\t%s\n' "$e" | "$T/compile" | awk -F'\t' '{print $2, $3}' | tr ',' ' ' > "$T/bench_prog.txt"
  c=$(valgrind --tool=callgrind --callgrind-out-file=/dev/null --toggle-collect=bpf_filter "$T/interp_bench_c" "$DUMP" 5 < "$T/bench_prog.txt" 2>&1 | grep -o 'Collected : [0-9]*' | grep -o '[0-9]*')
  r=$(valgrind --tool=callgrind --callgrind-out-file=/dev/null '--toggle-collect=pcap_filter::bpf::run' "$OURS" "$DUMP" 5 < "$T/bench_prog.txt" 2>&1 | grep -o 'Collected : [0-9]*' | grep -o '[0-9]*')
  echo "$e: libpcap $c Ir, ours $r Ir, ratio $(python3 -c "print(round($r/$c,3))")"
done
