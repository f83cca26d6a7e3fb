#!/bin/sh
# Runs in the kmod VM (/extra/tests.d/libpfring.sh, busybox sh, module loaded):
# libpfring's integration tests with PF_RING_BACKEND=kmod. Prints one
# "KMODTEST: ok|FAIL <binary>::<test>" line per test and "KMODTEST: skip"
# lines (with the reason) for the tests in skip.txt; exit 0 only if every
# test binary passed.
X=/extra
. $X/paths.sh
# The executables look for the repo (scripts/netns.sh, tests/data) and for
# pfsend/pfcount at the paths of the build machine.
mkdir -p "$KB_REPO" "$KB_BINDIR"
cp -a $X/repo/. "$KB_REPO/"
cp $X/bin/pfsend $X/bin/pfcount "$KB_BINDIR/"
# iproute2's ip, not busybox's (netns, veth peer names).
ln -sf /sbin/ip $X/bin/ip
[ -e /dev/fd ] || ln -s /proc/self/fd /dev/fd   # bash process substitution
mkdir -p /run/netns /var
[ -e /var/run ] || ln -s /run /var/run
export PF_RING_BACKEND=${KB_BACKEND:-kmod}
echo "kbackend: PF_RING_BACKEND=$PF_RING_BACKEND"
export RUST_BACKTRACE=1
# libpfring asks the module for its ring's slot count per socket
# (SO_RING_NUM_SLOTS: PF_RING_NUM_SLOTS, default 16384 slots of 2048 bytes,
# 34 MB), with the module's num_slots parameter (4096) as the floor, so the
# global parameter stays at its default. KB_NUM_SLOTS=n sets it anyway.
if [ -n "${KB_NUM_SLOTS:-}" ]; then
  echo "$KB_NUM_SLOTS" > /sys/module/pf_ring/parameters/num_slots
fi
echo "kbackend: module num_slots $(cat /sys/module/pf_ring/parameters/num_slots)"
# The emulated CPU drains veth backlogs slowly: keep bursts in the backlog
# queue rather than dropping them before any tap sees them (both backends).
sysctl -qw net.core.netdev_max_backlog=100000
cd /tmp
bad=0
# KB_REPEAT=n runs every binary n times (hunting flaky tests).
LIST=""
for i in $(seq 1 "${KB_REPEAT:-1}"); do LIST="$LIST $(cat $X/bin/LIST)"; done
for b in $LIST; do
  skips=""
  while read -r sb st reason; do
    case "$sb" in ''|'#'*) continue ;; esac
    [ "$sb" = "$b" ] || continue
    skips="$skips --skip $st"
    echo "KMODTEST: skip $b::$st ($reason)"
  done < $X/skip.txt
  t0=$(date +%s)
  # shellcheck disable=SC2086
  timeout 300 $X/bin/$b --test-threads=1 --exact $skips >/tmp/t.out 2>&1
  rc=$?
  sed -n 's/^test \(.*\) \.\.\. ok$/KMODTEST: ok '"$b"'::\1/p' /tmp/t.out
  sed -n 's/^test \(.*\) \.\.\. FAILED$/KMODTEST: FAIL '"$b"'::\1/p' /tmp/t.out
  sed -n 's/^test \(.*\) \.\.\. ignored$/KMODTEST: skip '"$b"'::\1 (ignored)/p' /tmp/t.out
  grep '^test result' /tmp/t.out
  echo "kbackend: $b took $(( $(date +%s) - t0 )) s, exit $rc"
  if [ "$rc" != 0 ]; then
    bad=1
    grep -q '\.\.\. FAILED$' /tmp/t.out || echo "KMODTEST: FAIL $b exited with $rc"
    # The failures section (bounded).
    sed -n '/^failures:$/,$p' /tmp/t.out | head -150
    tail -20 /tmp/t.out
  fi
done
[ -x $X/ctests/guide2008 ] && [ "${KB_CTESTS:-1}" = 1 ] && { bash $X/ctests.sh || bad=1; }
[ -x $X/bin/tcpdump ] && [ "${KB_PCAP:-1}" = 1 ] && { bash $X/pcap.sh || bad=1; }
ls /run/netns 2>/dev/null | grep . && { echo "KMODTEST: FAIL namespaces left behind"; bad=1; }
exit $bad
