#!/bin/bash
# Parity hunt: gen_parity.py SEED -> compare.py in chunks (system libpcap vs
# our fcompile), failures per family.
# usage: parity_hunt.sh TOOLS_DIR FCOMPILE OUTDIR SEED [FAMILIES] [CHUNK]
#   TOOLS_DIR: where mk/filter.mk's filter-tools put compile, runfilter, crafted.pcap
set -u
tools=$1 fc=$2 out=$3 seed=$4 fams=${5:-} chunk=${6:-20000}
here=$(cd "$(dirname "$0")" && pwd)
data=${FILTER_DATA:-$here/../../../shared/data/tcpdump-4.99.3}
# a network namespace without interfaces: DNS look-ups of unknown names fail at once
mkdir -p "$out"
python3 "$here/gen_parity.py" "$seed" $fams > "$out/gen.tsv"
cut -f2- "$out/gen.tsv" > "$out/all.tsv"
rm -f "$out"/chunk.* "$out"/res.*
split -l "$chunk" -d -a 3 "$out/all.tsv" "$out/chunk."
for c in "$out"/chunk.*; do
  n=${c##*.}
  nice -n 10 unshare -n python3 "$here/compare.py" --progdiff "$tools/compile" "$fc" "$tools/runfilter" "$c" \
    "$data"/*.pcap "$data"/*.pcapng "$tools/crafted.pcap" > "$out/res.$n" 2>&1
  grep "^expressions" "$out/res.$n"
done
cat "$out"/res.* | grep -E '^(STATUS|ERRTEXT|SEMANTIC|PROGDIFF)' > "$out/fails.txt"
echo "total fails: $(wc -l < "$out/fails.txt")"
