#!/bin/busybox sh
# /init of the kmod test VM: load the module, run the checks, print
# "KMODTEST: ok|FAIL <what>" lines and "KMODTEST: RESULT PASS|FAIL", power off.
/bin/busybox --install -s /bin
export PATH=/tests:/extra/bin:/bin:/sbin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mount -t tmpfs tmp /tmp
set -o pipefail
PASS=0
FAIL=0
ok() { echo "KMODTEST: ok $*"; PASS=$((PASS + 1)); }
fail() { echo "KMODTEST: FAIL $*"; FAIL=$((FAIL + 1)); }
check() { d=$1; shift; if "$@" >/tmp/check.out 2>&1; then ok "$d"; else cat /tmp/check.out; fail "$d"; fi; }
# Run a test program that prints its own KMODTEST lines; count them.
run() {
  t=$1; shift
  s0=$(date +%s)
  timeout "$t" "$@" >/tmp/run.out 2>&1
  rc=$?
  cat /tmp/run.out
  echo "KMODTEST: info $* took $(( $(date +%s) - s0 )) s"
  p=$(grep -c 'KMODTEST: ok' /tmp/run.out); f=$(grep -c 'KMODTEST: FAIL' /tmp/run.out)
  PASS=$((PASS + p)); FAIL=$((FAIL + f))
  if [ "$rc" != 0 ] && [ "$f" = 0 ]; then fail "$* exited with $rc"; fi
}
rmmod_retry() {  # sockets are freed after an RCU grace period: retry briefly
  i=0
  while [ $i -lt 50 ]; do rmmod "$1" 2>/dev/null && return 0; i=$((i + 1)); usleep 100000; done
  rmmod "$1"
}
finish() {
  if dmesg | grep -E 'Oops|BUG:|WARNING:|KASAN|Call Trace|general protection' >/tmp/dmesg.bad; then
    cat /tmp/dmesg.bad; fail "dmesg has no Oops/BUG/WARNING/KASAN line"
  else
    ok "dmesg has no Oops/BUG/WARNING/KASAN line"
  fi
  echo "KMODTEST: $PASS passed, $FAIL failed"
  if [ "$FAIL" = 0 ]; then echo "KMODTEST: RESULT PASS"; else echo "KMODTEST: RESULT FAIL ($FAIL)"; fi
  sync
  poweroff -f
}

export LD_LIBRARY_PATH=/extra/lib
MODE=full
case " $(cat /proc/cmdline) " in
  *" kmod_mode=perf "*) MODE=perf ;;
  *" kmod_mode=extra "*) MODE=extra ;;
esac
BUILTIN=1
case " $(cat /proc/cmdline) " in *" kmod_builtin=0 "*) BUILTIN=0 ;; esac
echo "KMODTEST: kernel $(uname -r), $MODE tests"
echo 1 > /proc/sys/net/ipv6/conf/all/disable_ipv6
echo 1 > /proc/sys/net/ipv6/conf/default/disable_ipv6
check "insmod veth" insmod /mods/veth.ko
/sbin/ip link set lo up
/sbin/ip link add va type veth peer name vb
/sbin/ip link add vc type veth peer name vd
for d in va vb vc vd; do /sbin/ip link set "$d" up; done
check "veth pairs va/vb and vc/vd up" sh -c '[ -e /sys/class/net/vb ] && [ -e /sys/class/net/vd ]'

# ---- extra tests (KMOD_EXTRA_DIR/tests.d/*.sh), run with the module loaded
extra_tests() {
  [ -d /extra/tests.d ] || return 0
  check "insmod pf_ring.ko (extra tests)" insmod /mods/pf_ring.ko
  for t in /extra/tests.d/*.sh; do
    [ -e "$t" ] || continue
    if timeout 900 sh "$t" >/tmp/extra.out 2>&1; then cat /tmp/extra.out; ok "extra $(basename "$t")"; else
      cat /tmp/extra.out; fail "extra $(basename "$t")"; fi
  done
  check "rmmod pf_ring after the extra tests" rmmod_retry pf_ring
}
if [ "$MODE" = extra ]; then
  extra_tests
  finish
fi

if [ "$MODE" = perf ]; then
  # Separate boot under qemu -icount: guest CPU time counts instructions.
  check "insmod pf_ring.ko (perf)" insmod /mods/pf_ring.ko
  if [ "$BUILTIN" = 1 ]; then
    run 280 perftest 10000 20 3
    # Wake-up latencies of the batched wake-ups, in guest (instruction) time.
    run 60 ringtest wakeups
  fi
  # Other components' measurements (KMOD_EXTRA_DIR/perf.d/*.sh), same clock.
  for t in /extra/perf.d/*.sh; do
    [ -e "$t" ] || continue
    shell=sh; [ -x /extra/bin/bash ] && shell=/extra/bin/bash
    if timeout 900 $shell "$t" >/tmp/extra.out 2>&1; then cat /tmp/extra.out; ok "perf $(basename "$t")"; else
      cat /tmp/extra.out; fail "perf $(basename "$t")"; fi
  done
  finish
fi

# ---- parameters that 3.7.5 had but this module refuses
check "insmod enable_ip_defrag=1 refused" sh -c '! insmod /mods/pf_ring.ko enable_ip_defrag=1'
check "refusal explained in dmesg" sh -c 'dmesg | grep -q "enable_ip_defrag=1 is not supported"'
check "insmod transparent_mode=0 refused" sh -c '! insmod /mods/pf_ring.ko transparent_mode=0'
check "insmod bucket_len=1 refused" sh -c '! insmod /mods/pf_ring.ko bucket_len=1'

# ---- load, family 27 registers
check "insmod pf_ring.ko" insmod /mods/pf_ring.ko
check "socket family 27 registered (dmesg)" sh -c 'dmesg | grep -q "socket family 27 registered"'
check "/proc/net/pf_ring/info and plugins_info exist" test -r /proc/net/pf_ring/info -a -r /proc/net/pf_ring/plugins_info
cat /proc/net/pf_ring/info

# ---- functional tests
run 300 ringtest main

# ---- libpfring's rule vector table, in the kernel
check "rule vector table present" test -f /data/vectors.txt
echo 64 > /sys/module/pf_ring/parameters/num_slots
run 300 vectors /data/vectors.txt
echo 4096 > /sys/module/pf_ring/parameters/num_slots

# ---- a network namespace: its own /proc/net/pf_ring and devices; a ring in
# the initial namespace on "vb" must not see the namespace's "vb" (the
# ifindex is likely the same)
rm -f /tmp/cnt.ready
ringtest count vb 4000 /tmp/cnt.ready > /tmp/cnt.out &
CNT=$!
i=0; while [ ! -e /tmp/cnt.ready ] && [ $i -lt 100 ]; do usleep 50000; i=$((i + 1)); done
/sbin/ip netns add kmodns
/sbin/ip netns exec kmodns sh -c 'echo 1 > /proc/sys/net/ipv6/conf/default/disable_ipv6
  /sbin/ip link set lo up && /sbin/ip link add va type veth peer name vb &&
  /sbin/ip link set va up && /sbin/ip link set vb up && cat /sys/class/net/vb/ifindex > /tmp/ns.ifindex' \
  && ok "netns with its own va/vb" || fail "netns with its own va/vb"
echo "KMODTEST: info vb ifindex: initial ns $(cat /sys/class/net/vb/ifindex), kmodns $(cat /tmp/ns.ifindex)"
run 30 /sbin/ip netns exec kmodns ringtest quick
check "netns has its own /proc/net/pf_ring/info" /sbin/ip netns exec kmodns test -r /proc/net/pf_ring/info
wait $CNT
check "ring on vb in the initial namespace saw none of the namespace's frames" grep -qx 0 /tmp/cnt.out
/sbin/ip netns del kmodns

# ---- plugin
check "insmod dummy_plugin.ko" insmod /mods/dummy_plugin.ko
check "plugins_info lists the dummy plugin" sh -c \
  'printf "ID\tPlugin\n1\tdummy [Dummy plugin: per-rule stats, filter on source host]\n" | cmp - /proc/net/pf_ring/plugins_info'
check "info shows Total plugins 1" grep -q 'Total plugins     : 1' /proc/net/pf_ring/info
check "pf_ring cannot be removed while the plugin uses it" sh -c '! rmmod pf_ring'
run 120 ringtest plugin
check "dummy plugin gone" sh -c '! grep -q dummy /proc/modules'
run 120 ringtest plugin-gone

# ---- unload refused while a socket is open
rm -f /tmp/held
ringtest hold /tmp/held &
HOLD=$!
i=0; while [ ! -e /tmp/held ] && [ $i -lt 100 ]; do usleep 50000; i=$((i + 1)); done
check "holder has a socket open" test -e /tmp/held
check "rmmod refused while a socket is open" sh -c '! rmmod pf_ring'
check "module still loaded" test -e /proc/net/pf_ring/info
kill $HOLD; wait $HOLD 2>/dev/null
check "rmmod after the socket is closed" rmmod_retry pf_ring
check "/proc/net/pf_ring removed on unload" sh -c '! test -e /proc/net/pf_ring'

# ---- load/unload cycles with a quick capture each time
for n in 1 2 3 4 5; do
  if insmod /mods/pf_ring.ko && ringtest quick >/tmp/q.out 2>&1 && rmmod_retry pf_ring; then :; else
    cat /tmp/q.out; fail "load/capture/unload cycle $n"; fi
done
check "5 load/capture/unload cycles" sh -c '! grep -q FAIL /tmp/q.out && ! test -e /proc/net/pf_ring'

# ---- family 27 with the RDMA stack (AF_IB) loaded first
rdma_ok=1
for m in $(cat /mods/rdma/order); do insmod "/mods/rdma/$m.ko" || { rdma_ok=0; echo "insmod $m failed"; }; done
check "RDMA core modules (ib_core, rdma_cm, rdma_ucm) loaded" test $rdma_ok = 1
check "insmod pf_ring.ko after rdma_cm" insmod /mods/pf_ring.ko
run 30 ringtest quick
check "rmmod pf_ring (RDMA loaded)" rmmod_retry pf_ring
for m in $(tr ' ' '\n' < /mods/rdma/order | tac); do rmmod "$m" 2>/dev/null; done

# ---- hostile input, then the ring must still work
check "insmod pf_ring.ko (fuzz)" insmod /mods/pf_ring.ko
echo 256 > /sys/module/pf_ring/parameters/num_slots   # small rings: more calls per second
SEED=$(( $(date +%s) % 1000000 + 1 ))
echo "KMODTEST: info fuzz seed $SEED (rerun: fuzz 100000 $SEED)"
run 300 fuzz 100000 $SEED
echo 4096 > /sys/module/pf_ring/parameters/num_slots
run 30 ringtest quick
check "Total rings back to 0 after fuzz" grep -q 'Total rings       : 0' /proc/net/pf_ring/info

# ---- rings opened and closed under a flood (packet path vs release)
run 300 ringtest stress 200 12000
check "Total rings back to 0 after the stress run" grep -q 'Total rings       : 0' /proc/net/pf_ring/info

# ---- 1000 open/close cycles without leak
vm0=$(awk '/VmallocUsed/{print $2}' /proc/meminfo)
sl0=$(awk '/^Slab:/{print $2}' /proc/meminfo)
echo 256 > /sys/module/pf_ring/parameters/num_slots
run 300 ringtest cycles 1000
echo 4096 > /sys/module/pf_ring/parameters/num_slots
sleep 1
vm1=$(awk '/VmallocUsed/{print $2}' /proc/meminfo)
sl1=$(awk '/^Slab:/{print $2}' /proc/meminfo)
echo "KMODTEST: info VmallocUsed ${vm0}k -> ${vm1}k, Slab ${sl0}k -> ${sl1}k"
check "Total rings back to 0 after 1000 cycles" grep -q 'Total rings       : 0' /proc/net/pf_ring/info
check "no vmalloc leak over 1000 cycles (< 2 MiB growth)" test $((vm1 - vm0)) -lt 2048
check "no slab leak over 1000 cycles (< 4 MiB growth)" test $((sl1 - sl0)) -lt 4096
check "rmmod after cycles" rmmod_retry pf_ring

extra_tests
finish
