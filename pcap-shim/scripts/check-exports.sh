#!/usr/bin/env bash
# The shim must export exactly the symbols of Debian's libpcap 1.10.3 plus
# the documented PF_RING extras (pcap_set_cluster), carry its SONAME without
# symbol versions, and cover every libpcap symbol that /usr/bin/tcpdump
# imports.
# usage: check-exports.sh path/to/libpcap.so.0.8
set -euo pipefail
ours=$1
sys=/usr/lib/x86_64-linux-gnu/libpcap.so.0.8
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
nm -D --defined-only "$sys" | awk '{print $3}' | sed 's/@.*//' | sort -u >"$work/sys"
extras="pcap_set_cluster"
nm -D --defined-only "$ours" | awk '{print $3}' | sort -u >"$work/all"
printf '%s\n' $extras | sort >"$work/extras"
comm -13 "$work/extras" "$work/all" >"$work/ours"
if ! diff -u "$work/sys" "$work/ours"; then
	echo "check-exports: export list differs from $sys" >&2
	exit 1
fi
n=$(wc -l <"$work/ours")
[ "$n" -eq 96 ] || { echo "check-exports: $n exports, expected 96" >&2; exit 1; }
[ "$(comm -12 "$work/extras" "$work/all" | wc -l)" -eq "$(wc -l <"$work/extras")" ] ||
	{ echo "check-exports: PF_RING extras missing" >&2; exit 1; }
nm -D --defined-only "$ours" | grep -q '@' && { echo "check-exports: versioned symbols" >&2; exit 1; }
readelf -V "$ours" | grep -q 'Version definition' && { echo "check-exports: version definitions present" >&2; exit 1; }
soname=$(readelf -d "$ours" | sed -n 's/.*Library soname: \[\(.*\)\]/\1/p')
[ "$soname" = libpcap.so.0.8 ] || { echo "check-exports: SONAME '$soname'" >&2; exit 1; }
nm -D --undefined-only /usr/bin/tcpdump | awk '{print $NF}' | sed 's/@.*//' | sort -u |
	comm -12 - "$work/sys" >"$work/tcpdump"
missing=$(comm -23 "$work/tcpdump" "$work/ours")
[ -z "$missing" ] || { echo "check-exports: tcpdump imports missing: $missing" >&2; exit 1; }
# Data objects must be objects, functions functions.
for d in pcap_version eproto_db; do
	nm -D --defined-only "$ours" | grep -Eq " [DR] $d\$" || { echo "check-exports: $d is not a data object" >&2; exit 1; }
done
echo "check-exports: 96 symbols identical to Debian's libpcap (+ $extras), SONAME libpcap.so.0.8, unversioned;" \
	"all $(wc -l <"$work/tcpdump") libpcap imports of tcpdump present"
