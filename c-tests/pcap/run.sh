#!/usr/bin/env bash
# C API tests of the libpcap shim, run the way users run programs:
#  1. differential: programs built against Debian's libpcap headers (-lpcap)
#     run once with the system library and once with LD_LIBRARY_PATH pointing
#     at the staged shim; outputs (and written savefiles) must be identical:
#     api_probe (API semantics and error texts), readall over all tcpdump
#     captures and generated hostile fixtures (µs, ns, fopen, stdin),
#     dumpcopy (writer and append, byte-identical files);
#  2. the same api_probe built against our own headers and -lpcap from the
#     staged tree (pkg-config), output identical to the system run;
#  3. badinput: NULL / garbage / closed handles (shim only);
#  4. live captures in private namespaces (live.sh, live-any.sh,
#     live-tun.sh, live-big.sh, live-arphrd.sh; shared helpers in lib.sh).
# usage: run.sh BUILD_DIR [DATA_DIR]
set -euo pipefail
build=$(cd "$1" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
data=${2:-$(cd "$here/../../../shared/data/tcpdump-4.99.3" && pwd)}
lib=$build/lib
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cc=${CC:-cc}
cflags="-std=gnu99 -O1 -g -Wall -Wextra -Werror"

# 1. built against the system headers and library
for p in api_probe readall mkfixtures dumpcopy devs sendframes mutate live_probe linkprobe; do
	$cc $cflags -Wno-deprecated-declarations -o "$work/$p" "$here/$p.c" -lpcap
done
# 2./3. built against the staged tree
export PKG_CONFIG_PATH=$lib/pkgconfig
# shellcheck disable=SC2046
$cc $cflags -o "$work/api_probe_ours" "$here/api_probe.c" $(pkg-config --cflags --libs libpcap) -Wl,-rpath,"$lib"
# shellcheck disable=SC2046
$cc $cflags -o "$work/badinput" "$here/badinput.c" $(pkg-config --cflags --libs libpcap) -Wl,-rpath,"$lib"
if readelf -d "$work/api_probe_ours" | grep -q 'NEEDED.*libpcap.so.0.8'; then :; else
	echo "run.sh: api_probe_ours does not need libpcap.so.0.8" >&2; exit 1
fi

fail=0
same() { # label file-a file-b
	if cmp -s "$2" "$3"; then
		echo "ok   $1"
	else
		echo "FAIL $1"; diff "$2" "$3" | head -20 || true; fail=1
	fi
}

cap=$data/print-flags.pcap
mkdir -p "$work/sys" "$work/shim" "$work/ours"
(cd "$work/sys" && ../api_probe "$cap" dump.pcap | grep -v '^version=' >../sys-probe.txt)
(cd "$work/shim" && LD_LIBRARY_PATH=$lib ../api_probe "$cap" dump.pcap | grep -v '^version=' >../shim-probe.txt)
same "api_probe: $(wc -l <"$work/sys-probe.txt") lines of return values and error texts" "$work/sys-probe.txt" "$work/shim-probe.txt"
same "api_probe: nanosecond savefile written by pcap_dump" "$work/sys/dump.pcap" "$work/shim/dump.pcap"
(cd "$work/ours" && ../api_probe_ours "$cap" dump.pcap | grep -v '^version=' >../ours-probe.txt)
same "api_probe built with our headers and -lpcap from the staged tree" "$work/sys-probe.txt" "$work/ours-probe.txt"
grep -q '^version=libpcap version 1.10.3 (' <(cd "$work" && ./api_probe_ours "$cap" /dev/null) ||
	{ echo "FAIL pcap_lib_version form"; fail=1; }

mkdir -p "$work/fx"
"$work/mkfixtures" "$work/fx"
nfx=$(ls "$work/fx" | wc -l)
(cd "$data" && "$work/readall" *.pcap *.pcapng >"$work/sys-all.txt")
(cd "$data" && LD_LIBRARY_PATH=$lib "$work/readall" *.pcap *.pcapng >"$work/shim-all.txt")
same "readall: $(ls "$data"/*.pcap "$data"/*.pcapng | wc -l) tcpdump captures, µs/ns/fopen, $(grep -c '^  [0-9]' "$work/sys-all.txt") records" \
	"$work/sys-all.txt" "$work/shim-all.txt"
(cd "$work/fx" && "$work/readall" -s * >"$work/sys-fx.txt")
(cd "$work/fx" && LD_LIBRARY_PATH=$lib "$work/readall" -s * >"$work/shim-fx.txt")
same "readall: $nfx hostile/unusual fixtures, µs/ns/fopen/stdin, $(grep -c '\[.\+\]' "$work/sys-fx.txt") error texts" \
	"$work/sys-fx.txt" "$work/shim-fx.txt"

# Mutated captures (deterministic): flipped bits, boundary values in header
# and length fields, truncation, inserted and deleted ranges.
mkdir -p "$work/mut"
"$work/mutate" "$work/mut" "${SHIM_MUTATIONS:-3000}" "$data/print-flags.pcap" "$data/dns_tcp.pcap" \
	"$data/QinQpacket.pcap" "$data/smb_data_print-segv.pcapng" "$data/ospf2-seg-fault-1.pcapng" \
	"$data/isis-seg-fault-1.pcapng" "$work/fx/ng-ns.pcapng" "$work/fx/ns-be.pcap" "$work/fx/kuznetzov-le.pcap" \
	"$work/fx/ng-be-bin-offset.pcapng" "$work/fx/nflog-be.pcap" "$work/fx/v2.3-maybe-swapped.pcap"
(cd "$work/mut" && "$work/readall" * >"$work/sys-mut.txt" 2>&1)
(cd "$work/mut" && LD_LIBRARY_PATH=$lib "$work/readall" * >"$work/shim-mut.txt" 2>&1)
same "readall: $(ls "$work/mut" | wc -l) mutated captures, $(grep -c '\[.\+\]' "$work/sys-mut.txt") error texts, $(grep -c '^  [0-9]' "$work/sys-mut.txt") records" \
	"$work/sys-mut.txt" "$work/shim-mut.txt"

n=0 bad=0 i=0
for f in "$data"/*.pcap "$data"/*.pcapng "$work"/fx/*; do
	# alternate the precision over the captures (both for the fixtures)
	i=$((i + 1))
	precs=$((i % 2))
	case $f in "$work"/fx/*) precs="0 1" ;; esac
	for prec in $precs; do
		rm -f "$work/a.pcap" "$work/b.pcap"
		(cd "$work/sys" && ../dumpcopy "$f" copy.pcap $prec >../a.txt && mv -f copy.pcap ../a.pcap 2>/dev/null || true)
		(cd "$work/shim" && LD_LIBRARY_PATH=$lib ../dumpcopy "$f" copy.pcap $prec >../b.txt && mv -f copy.pcap ../b.pcap 2>/dev/null || true)
		n=$((n + 1))
		ea=0 eb=0
		[ -e "$work/a.pcap" ] && ea=1
		[ -e "$work/b.pcap" ] && eb=1
		if ! cmp -s "$work/a.txt" "$work/b.txt" || [ $ea != $eb ] ||
			{ [ $ea = 1 ] && ! cmp -s "$work/a.pcap" "$work/b.pcap"; }; then
			bad=$((bad + 1)); echo "  dumpcopy differs: $(basename "$f") prec $prec"
		fi
	done
done
if [ $bad -eq 0 ]; then echo "ok   dumpcopy: $n copies (dump_open + dump_open_append) byte-identical"; else
	echo "FAIL dumpcopy: $bad of $n differ"; fail=1; fi

# Device list: on the host and in a namespace of ours with veth pairs
# (one pair up, one end of another up, one down) and an address.
"$work/devs" >"$work/sys-devs.txt" 2>&1
LD_LIBRARY_PATH=$lib "$work/devs" >"$work/shim-devs.txt" 2>&1
same "findalldevs/lookupdev/lookupnet on the host ($(grep -c flags= "$work/sys-devs.txt") devices)" "$work/sys-devs.txt" "$work/shim-devs.txt"
ns=shimdevs$$
cleanup_ns() { ip netns del "$ns" 2>/dev/null || true; }
trap 'cleanup_ns; rm -rf "$work"' EXIT
ip netns add "$ns"
ip -n "$ns" link add sv1 type veth peer name sv2
ip -n "$ns" link add sv3 type veth peer name sv4
ip -n "$ns" link set lo up
ip -n "$ns" link set sv1 up
ip -n "$ns" link set sv2 up
ip -n "$ns" link set sv3 up
ip -n "$ns" addr add 198.51.100.1/24 dev sv1
ip netns exec "$ns" "$work/devs" >"$work/sys-nsdevs.txt" 2>&1
ip netns exec "$ns" env LD_LIBRARY_PATH="$lib" "$work/devs" >"$work/shim-nsdevs.txt" 2>&1
same "findalldevs/lookupdev/lookupnet in a namespace with veths ($(grep -c flags= "$work/sys-nsdevs.txt") devices)" "$work/sys-nsdevs.txt" "$work/shim-nsdevs.txt"
ip netns exec "$ns" tcpdump -D >"$work/sys-D.txt" 2>&1 || true
ip netns exec "$ns" env LD_LIBRARY_PATH="$lib" tcpdump -D >"$work/shim-D.txt" 2>&1 || true
same "tcpdump -D in the namespace" "$work/sys-D.txt" "$work/shim-D.txt"
cleanup_ns

bash "$here/live.sh" "$lib" "$work/sendframes" "$work/readall" "$work/live_probe" || fail=1
$cc -shared -fPIC -O2 -Wall -Wextra -Werror -o "$work/ringreq.so" "$here/ringreq.c" -ldl
bash "$here/live-any.sh" "$lib" "$work/sendframes" "$work/readall" "$work/live_probe" "$work/ringreq.so" || fail=1
bash "$here/live-tun.sh" "$lib" || fail=1
bash "$here/live-big.sh" "$lib" "$work/sendframes" "$work/readall" || fail=1
bash "$here/live-arphrd.sh" "$lib" "$work/sendframes" "$work/readall" "$work/linkprobe" || fail=1
bash "$here/others.sh" "$lib" "$data" || fail=1

if "$work/badinput" >"$work/bad.txt" 2>&1; then echo "ok   $(tail -1 "$work/bad.txt")"; else
	cat "$work/bad.txt"; fail=1; fi

exit $fail
