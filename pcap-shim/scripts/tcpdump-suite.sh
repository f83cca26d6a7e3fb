#!/usr/bin/env bash
# Differential acceptance run: Debian's /usr/bin/tcpdump over the tcpdump
# 4.99.3 test suite, once with the system libpcap and once with the shim
# (LD_LIBRARY_PATH=LIBDIR); stdout, stderr and exit status must match byte
# for byte.
#
# usage: tcpdump-suite.sh LIBDIR [DATADIR]
# env:   SHIM_FILTERS=0  do not require identity for tests that pass a filter
#                        expression (default: required)
#        SHIM_KEEP=DIR   keep the outputs of differing tests in DIR
#        SHIM_ONLY=NAME  run only that test
#        SHIM_MATRIX=K   also run every K-th capture of the data directory
#                        with each filter of the list below (0: off); pairs
#                        listed in matrix-known-failures.list (gaps of the
#                        pcap-filter compiler) may differ, any other may not
set -uo pipefail
libdir=$(cd "$1" && pwd)
data=${2:-$(cd "$(dirname "$0")/../../../shared/data/tcpdump-4.99.3" 2>/dev/null && pwd)}
here=$(cd "$(dirname "$0")" && pwd)
tcpdump=/usr/bin/tcpdump
[ -x "$tcpdump" ] || { echo "tcpdump-suite: $tcpdump missing" >&2; exit 2; }
[ -f "$data/TESTLIST" ] || { echo "tcpdump-suite: no TESTLIST in '$data'" >&2; exit 2; }
[ -e "$libdir/libpcap.so.0.8" ] || { echo "tcpdump-suite: no libpcap.so.0.8 in $libdir" >&2; exit 2; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# tcpdump options that take an argument (when not attached to the flag).
argopts='BcCDEFGiIjmMQrsTVwWyzZ'

# Prints 1 when the option string contains a filter expression, i.e. a word
# that is neither an option nor an option's argument.
needs_filter() {
	eval "set -- $1"
	while [ $# -gt 0 ]; do
		case $1 in
		--*) shift ;;
		-*)
			local flags=${1#-} last
			shift
			last=${flags: -1}
			if [[ $argopts == *"$last"* ]] && [ "${#flags}" -ge 1 ]; then
				# the argument is attached unless the option letter ends the word
				local pos=$(expr index "$flags" "$argopts")
				[ "$pos" -eq "${#flags}" ] && shift
			fi
			;;
		*) echo 1; return ;;
		esac
	done
	echo 0
}

run_one() { # out-prefix libdir-or-empty input options
	local pfx=$1 lib=$2 input=$3 opts=$4
	(
		cd "$data" || exit 2
		if [ -n "$lib" ]; then export LD_LIBRARY_PATH=$lib; else unset LD_LIBRARY_PATH; fi
		TZ=GMT0 timeout 60 sh -c "$tcpdump -# -n -r \"\$0\" $opts" "$data/$input" \
			>"$pfx.out" 2>"$pfx.err"
		echo $? >"$pfx.rc"
	)
}

pass=0 fail=0 fpass=0 ffail=0 failed=()
while read -r name input output opts; do
	case $name in ''|'#'*) continue ;; esac
	[ -n "${SHIM_ONLY:-}" ] && [ "$name" != "$SHIM_ONLY" ] && continue
	opts=${opts//@TESTDIR@/$data}
	run_one "$work/sys" "" "$input" "$opts"
	run_one "$work/shim" "$libdir" "$input" "$opts"
	filt=$(needs_filter "$opts")
	if cmp -s "$work/sys.out" "$work/shim.out" && cmp -s "$work/sys.err" "$work/shim.err" &&
		cmp -s "$work/sys.rc" "$work/shim.rc"; then
		if [ "$filt" = 1 ]; then fpass=$((fpass + 1)); else pass=$((pass + 1)); fi
	else
		if [ "$filt" = 1 ]; then ffail=$((ffail + 1)); else fail=$((fail + 1)); fi
		failed+=("$name$([ "$filt" = 1 ] && echo ' (filter)')")
		if [ -n "${SHIM_KEEP:-}" ]; then
			mkdir -p "$SHIM_KEEP"
			for k in out err rc; do
				cp "$work/sys.$k" "$SHIM_KEEP/$name.sys.$k"
				cp "$work/shim.$k" "$SHIM_KEEP/$name.shim.$k"
			done
		fi
	fi
done < <(cat "$data/TESTLIST" "$here/extra-tests.list")

# Filter matrix: captures x filter expressions, same comparison.
filters=('tcp' 'udp port 53' 'not arp' 'vlan and udp' 'ip6' 'icmp or icmp6'
	'tcp[tcpflags] & tcp-syn != 0' 'len > 100' 'ether broadcast' 'net 10.0.0.0/8')
mpass=0 mfail=0 mknown=0 mfixed=()
known=$here/matrix-known-failures.list
if [ "${SHIM_MATRIX:-0}" -gt 0 ] && [ -z "${SHIM_ONLY:-}" ]; then
	i=0
	for cap in "$data"/*.pcap "$data"/*.pcapng; do
		i=$((i + 1))
		[ $((i % SHIM_MATRIX)) -eq 0 ] || continue
		for f in "${filters[@]}"; do
			q="'$f'"
			run_one "$work/sys" "" "$(basename "$cap")" "$q"
			run_one "$work/shim" "$libdir" "$(basename "$cap")" "$q"
			if cmp -s "$work/sys.out" "$work/shim.out" && cmp -s "$work/sys.err" "$work/shim.err" &&
				cmp -s "$work/sys.rc" "$work/shim.rc"; then
				mpass=$((mpass + 1))
			elif grep -qxF "$(basename "$cap")	$f" "$known" 2>/dev/null; then
				mknown=$((mknown + 1))
			else
				mfail=$((mfail + 1))
				failed+=("$(basename "$cap") '$f' (matrix)")
			fi
			if [ "$(cat "$work/sys.rc")" = "$(cat "$work/shim.rc")" ] && cmp -s "$work/sys.out" "$work/shim.out" &&
				cmp -s "$work/sys.err" "$work/shim.err" && grep -qxF "$(basename "$cap")	$f" "$known" 2>/dev/null; then
				mfixed+=("$(basename "$cap") '$f'")
			fi
		done
	done
fi

echo "tcpdump suite through the shim: no-filter tests: $pass identical, $fail different;" \
	"filter tests: $fpass identical, $ffail different;" \
	"capture x filter matrix: $mpass identical, $mfail different, $mknown known compiler gaps"
for f in "${failed[@]}"; do echo "  differs: $f"; done
for f in "${mfixed[@]}"; do echo "  now identical, remove from $(basename "$known"): $f"; done
if [ "$fail" -ne 0 ]; then exit 1; fi
if [ "${SHIM_FILTERS:-1}" = 1 ] && [ $((ffail + mfail)) -ne 0 ]; then exit 1; fi
exit 0
