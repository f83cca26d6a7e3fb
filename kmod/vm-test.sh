#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the PF_RING kernel module against a stock Debian kernel and test it in
# a throw-away qemu VM (TCG, no NIC).  Nothing is installed on the host: the
# kernel image and header packages are downloaded and unpacked under $WORK.
#
# Knobs (environment):
#   KFLAVOR        6.1 (bookworm, default) or 6.12 (bookworm-backports)
#   WORK           cache + log directory (default: <repo>/work/kmod)
#   ACCEL          tcg (default), kvm or auto (kvm with a 60 s limit, then tcg)
#   BOOT_TIMEOUT   hard limit for the VM in seconds (default 420)
#   KMOD_EXTRA_BINS  space-separated host executables copied to /extra/bin in
#                    the guest (with the shared libraries ldd lists)
#   KMOD_EXTRA_DIR   a directory copied to /extra in the guest; every
#                    /extra/tests.d/*.sh is run by /init after the built-in
#                    tests (exit 0 = pass).  ELF files in it get their libraries;
#                    LD_LIBRARY_PATH=/extra/lib in the guest.
#   KMOD_SKIP_VM=1   only fetch headers, build the module and check vermagic
#   KMOD_KCFLAGS     extra compiler flags for the modules; the harness
#                    self-test is KMOD_KCFLAGS=-DPF_RING_SELFTEST_OOPS (the
#                    module oopses on the 5th queued frame: the run must fail)
#   KMOD_BUILTIN=0   skip the built-in tests: load the module, run only the
#                    /extra/tests.d scripts (for iterating on other suites)
#   KMOD_PERF=0      skip the second boot (qemu -icount) that measures CPU
#                    per packet, module ring vs AF_PACKET ring, and the
#                    wake-up latencies; it also runs /extra/perf.d/*.sh
#                    (KMOD_EXTRA_DIR).  With KMOD_BUILTIN=0 it is off by
#                    default, and on (KMOD_PERF=1) it runs only perf.d.
#   KMOD_DKMS=0      skip the DKMS check (default 1: kmod/dkms.conf is added,
#                    built and installed with dkms in a scratch tree under
#                    $WORK against the unpacked headers; needs dkms)
#
# Exit status: 0 only if the guest printed "KMODTEST: RESULT PASS" and no
# "KMODTEST: FAIL" line.  On failure the guest's serial log is printed.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
KFLAVOR=${KFLAVOR:-6.1}
WORK=${WORK:-$REPO/work/kmod}
ACCEL=${ACCEL:-tcg}
BOOT_TIMEOUT=${BOOT_TIMEOUT:-420}
KMOD_EXTRA_BINS=${KMOD_EXTRA_BINS:-}
KMOD_EXTRA_DIR=${KMOD_EXTRA_DIR:-}
export DEBIAN_FRONTEND=noninteractive

log() { echo "vm-test: $*" >&2; }
die() { log "ERROR: $*"; exit 1; }

case "$KFLAVOR" in
  6.1) APT_T=() ;;
  6.12) APT_T=(-t bookworm-backports) ;;
  *) die "KFLAVOR must be 6.1 or 6.12, not '$KFLAVOR'" ;;
esac

for tool in qemu-system-x86_64 cpio dpkg-deb apt-get modinfo gcc; do
  command -v "$tool" >/dev/null || die "$tool not found (run .ci/deps.d/kmod.sh as root)"
done
BUSYBOX=/bin/busybox
[ -x "$BUSYBOX" ] && [[ "$(ldd "$BUSYBOX" 2>&1 || true)" == *"not a dynamic"* ]] ||
  die "$BUSYBOX is missing or not static (install busybox-static)"

mkdir -p "$WORK"
WORK=$(cd "$WORK" && pwd)

# ---------------------------------------------------------------- 1. apt lists
APTDIR=$WORK/apt
mkdir -p "$APTDIR/lists/partial" "$WORK/debs"
echo 'deb http://deb.debian.org/debian bookworm-backports main' > "$APTDIR/bpo.list"
APTOPT=(-o "Dir::Etc::sourcelist=$APTDIR/bpo.list" -o "Dir::State::lists=$APTDIR/lists"
        -o "Dir::Cache::archives=$WORK/debs" -o APT::Sandbox::User=root -o Acquire::Retries=3)
apt_update() { log "apt-get update (private lists)"; apt-get "${APTOPT[@]}" update -q >"$WORK/apt-update.log" 2>&1 ||
  { cat "$WORK/apt-update.log"; die "apt-get update failed"; }; touch "$APTDIR/stamp"; }
if [ ! -e "$APTDIR/stamp" ] || [ -n "$(find "$APTDIR/stamp" -mmin +720)" ]; then apt_update; fi

# ------------------------------------------------ 2. resolve + fetch the kernel
resolve() {
  KIMG=$(apt-cache "${APTOPT[@]}" "${APT_T[@]}" depends linux-image-amd64 |
    awk '/Depends: linux-image-[0-9]/{print $2; exit}')
  [ -n "$KIMG" ] || return 1
  KVER=${KIMG#linux-image-}
  KHDR=linux-headers-$KVER
  KCOMMON=$(apt-cache "${APTOPT[@]}" depends "$KHDR" | awk '/Depends: linux-headers-.*-common/{print $2; exit}')
  KBUILDPKG=$(apt-cache "${APTOPT[@]}" depends "$KHDR" | awk '/Depends: linux-kbuild-/{print $2; exit}')
  [ -n "$KCOMMON" ] && [ -n "$KBUILDPKG" ]
}
resolve || { apt_update; resolve; } || die "cannot resolve the $KFLAVOR kernel packages"
log "kernel $KFLAVOR -> $KVER ($KIMG, $KHDR, $KCOMMON, $KBUILDPKG)"
SYSROOT=$WORK/sysroot-$KVER
if [ ! -e "$SYSROOT/.done" ]; then
  fetch() { (cd "$WORK/debs" && apt-get "${APTOPT[@]}" download "$KIMG" "$KHDR" "$KCOMMON" "$KBUILDPKG" >/dev/null); }
  fetch || { apt_update; resolve; fetch; } || die "download of the kernel packages failed"
  rm -rf "$SYSROOT"; mkdir -p "$SYSROOT"
  for p in "$KHDR" "$KCOMMON" "$KBUILDPKG"; do
    deb=$(ls -t "$WORK/debs/${p}"_*.deb | head -1); dpkg-deb -x "$deb" "$SYSROOT"
  done
  deb=$(ls -t "$WORK/debs/${KIMG}"_*.deb | head -1)
  dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$SYSROOT" --wildcards \
    './boot/vmlinuz-*' './boot/config-*' './lib/modules/*/kernel/drivers/net/veth.ko*'
  # The per-flavour header Makefile includes the -common tree by absolute path.
  sed -i "s#include /usr/src/#include $SYSROOT/usr/src/#" "$SYSROOT/usr/src/$KHDR/Makefile"
  touch "$SYSROOT/.done"
fi
# RDMA core modules (AF_IB users), to show that family 27 still registers
# with them loaded (kmod-vm-notes P14).
if [ ! -e "$SYSROOT/.rdma" ]; then
  deb=$(ls -t "$WORK/debs/${KIMG}"_*.deb | head -1)
  dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$SYSROOT" --wildcards \
    './lib/modules/*/kernel/drivers/infiniband/core/*' './lib/modules/*/kernel/fs/configfs/*'
  touch "$SYSROOT/.rdma"
fi
KDIR=$SYSROOT/usr/src/$KHDR
VMLINUZ=$SYSROOT/boot/vmlinuz-$KVER
[ -f "$VMLINUZ" ] || die "no $VMLINUZ"

# ------------------------------------------------------- 3. build the module
OUT=$WORK/out-$KVER
rm -rf "$OUT"; mkdir -p "$OUT/build"
cp -a "$HERE/Kbuild" "$HERE"/*.c "$HERE/include" "$HERE/plugins" "$OUT/build/"
log "building the module against $KHDR"
if ! make -C "$KDIR" M="$OUT/build" CONFIG_DEBUG_INFO_BTF_MODULES= KCFLAGS="${KMOD_KCFLAGS:-}" modules \
    >"$OUT/build.log" 2>&1; then
  cat "$OUT/build.log"; die "module build failed"
fi
if grep -E 'warning:|error:' "$OUT/build.log"; then cat "$OUT/build.log"; die "module build printed warnings"; fi
for ko in pf_ring.ko plugins/dummy_plugin.ko; do
  vm=$(modinfo -F vermagic "$OUT/build/$ko")
  case "$vm" in "$KVER "*) ;; *) die "$ko vermagic '$vm' does not match $KVER" ;; esac
done
log "vermagic ok: $(modinfo -F vermagic "$OUT/build/pf_ring.ko")"

# ---------------------------------------- 3b. DKMS with kmod/dkms.conf
# dkms's own trees (--dkmstree/--sourcetree/--installtree) are scratch
# directories and --kernelsourcedir points at the unpacked headers, so the
# host's /var/lib/dkms, /usr/src and /lib/modules are not touched.
if [ "${KMOD_DKMS:-1}" = 1 ]; then
  command -v dkms >/dev/null || die "dkms not found (run .ci/deps.d/kmod.sh as root, or KMOD_DKMS=0)"
  DVER=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"$/\1/p' "$HERE/dkms.conf")
  DNAME=$(sed -n 's/^PACKAGE_NAME="\(.*\)"$/\1/p' "$HERE/dkms.conf")
  DK=$WORK/dkms-$KVER
  rm -rf "$DK"; mkdir -p "$DK/tree" "$DK/src/$DNAME-$DVER" "$DK/install/$KVER"
  cp -a "$HERE/Kbuild" "$HERE/Makefile" "$HERE/dkms.conf" "$HERE"/*.c "$HERE/include" "$HERE/plugins" \
    "$DK/src/$DNAME-$DVER/"
  DKO=(-m "$DNAME" -v "$DVER" --dkmstree "$DK/tree" --sourcetree "$DK/src" --installtree "$DK/install")
  log "dkms: add, build and install $DNAME/$DVER for $KVER in $DK"
  if ! { dkms add "${DKO[@]}" && dkms build "${DKO[@]}" -k "$KVER" --kernelsourcedir "$KDIR" &&
         dkms install "${DKO[@]}" -k "$KVER" --kernelsourcedir "$KDIR" --no-depmod; } >"$DK/dkms.log" 2>&1; then
    cat "$DK/dkms.log"; cat "$DK/tree/$DNAME/$DVER/build/make.log" 2>/dev/null || true
    die "dkms failed"
  fi
  if grep -E 'warning:|error:' "$DK/tree/$DNAME/$DVER/$KVER/x86_64/log/make.log" 2>/dev/null; then
    die "dkms build printed warnings"
  fi
  for ko in pf_ring.ko dummy_plugin.ko; do
    f=$DK/install/$KVER/updates/dkms/$ko
    [ -f "$f" ] || f=$(find "$DK/install/$KVER" -name "$ko" | head -1)
    [ -n "$f" ] && [ -f "$f" ] || { cat "$DK/dkms.log"; die "dkms did not install $ko"; }
    vm=$(modinfo -F vermagic "$f")
    case "$vm" in "$KVER "*) ;; *) die "dkms-built $ko vermagic '$vm' does not match $KVER" ;; esac
  done
  st=$(dkms status "${DKO[@]}" -k "$KVER" 2>&1)
  case "$st" in *"$KVER"*installed*) ;; *) die "dkms status: '$st' (expected installed)" ;; esac
  log "dkms ok: $st"
fi
[ "${KMOD_SKIP_VM:-0}" = 1 ] && { log "KMOD_SKIP_VM=1: build-only check passed"; exit 0; }

# --------------------------------------------------- 4. in-guest test programs
mkdir -p "$OUT/tests"
for src in "$HERE"/tests/*.c; do
  b=$(basename "$src" .c)
  gcc -O2 -g -Wall -Wextra -Werror -I"$HERE/include" -o "$OUT/tests/$b" "$src" -lpthread ||
    die "building $src failed"
done

# ------------------------------------------------------------ 5. initramfs
ROOT=$OUT/root
mkdir -p "$ROOT"/{bin,sbin,lib,lib64,proc,sys,dev,tmp,mods,tests,extra/bin,run}
cp "$BUSYBOX" "$ROOT/bin/busybox"
cp "$HERE/tests/init.sh" "$ROOT/init"; chmod +x "$ROOT/init"
cp "$OUT/build/pf_ring.ko" "$OUT/build/plugins/dummy_plugin.ko" "$ROOT/mods/"
veth=$(find "$SYSROOT/lib/modules" -name 'veth.ko*' | head -1)
case "$veth" in
  *.xz) xz -dc "$veth" > "$ROOT/mods/veth.ko" ;;
  *.zst) zstd -dqc "$veth" > "$ROOT/mods/veth.ko" ;;
  *) cp "$veth" "$ROOT/mods/veth.ko" ;;
esac
RDMA_ORDER="configfs ib_core ib_cm iw_cm rdma_cm ib_uverbs rdma_ucm"
mkdir -p "$ROOT/mods/rdma"
for m in $RDMA_ORDER; do
  src=$(find "$SYSROOT/lib/modules" -name "$m.ko*" | head -1)
  [ -n "$src" ] || die "no $m module in $KIMG"
  case "$src" in
    *.xz) xz -dc "$src" > "$ROOT/mods/rdma/$m.ko" ;;
    *.zst) zstd -dqc "$src" > "$ROOT/mods/rdma/$m.ko" ;;
    *) cp "$src" "$ROOT/mods/rdma/$m.ko" ;;
  esac
done
echo "$RDMA_ORDER" > "$ROOT/mods/rdma/order"
copy_libs() {  # copy the shared libraries an ELF file needs into $ROOT
  local f=$1 lib
  for lib in $(ldd "$f" 2>/dev/null | awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\/lib64\// {print $1}'); do
    mkdir -p "$ROOT$(dirname "$lib")"
    [ -e "$ROOT$lib" ] || cp -L "$lib" "$ROOT$lib"
  done
}
cp /sbin/ip "$ROOT/sbin/ip"; copy_libs /sbin/ip
# libpfring's shared rule-engine vectors, run against the module by tests/vectors.c
mkdir -p "$ROOT/data"
[ -f "$REPO/tests/data/rules/vectors.txt" ] && cp "$REPO/tests/data/rules/vectors.txt" "$ROOT/data/" 
for t in "$OUT"/tests/*; do cp "$t" "$ROOT/tests/"; copy_libs "$t"; done
for b in $KMOD_EXTRA_BINS; do
  [ -x "$b" ] || die "KMOD_EXTRA_BINS: $b is not an executable"
  cp -L "$b" "$ROOT/extra/bin/"; copy_libs "$b"
done
if [ -n "$KMOD_EXTRA_DIR" ]; then
  [ -d "$KMOD_EXTRA_DIR" ] || die "KMOD_EXTRA_DIR: $KMOD_EXTRA_DIR is not a directory"
  cp -a "$KMOD_EXTRA_DIR"/. "$ROOT/extra/"
  while IFS= read -r -d '' f; do copy_libs "$f"; done < <(find "$ROOT/extra" -type f -perm -u+x -print0)
fi
(cd "$ROOT" && find . | cpio -o -H newc --quiet | gzip -1) > "$OUT/initramfs.cpio.gz"
log "initramfs $(du -h "$OUT/initramfs.cpio.gz" | cut -f1)"

# ------------------------------------------------------------------ 6. boot
boot() {  # $1 = tcg|kvm|icount, $2 = timeout, $3 = mode (full|perf), $4 = serial log
  local acc=(-accel tcg -cpu max)
  [ "$1" = kvm ] && acc=(-accel kvm -cpu host)
  # icount: the guest clock advances with executed instructions (and jumps
  # over idle time), so guest CPU time measures work, not host contention.
  [ "$1" = icount ] && acc=(-accel tcg -cpu max -icount shift=0,sleep=off)
  rm -f "$4"
  log "booting $KVER ($1, $3 tests, timeout $2 s)"
  timeout --foreground -k 5 "$2" qemu-system-x86_64 "${acc[@]}" -m 1024 -smp 2 \
    -kernel "$VMLINUZ" -initrd "$OUT/initramfs.cpio.gz" -nic none -display none -no-reboot \
    -serial "file:$4" -monitor none \
    -append "console=ttyS0 panic=-1 oops=panic loglevel=4 mitigations=off kmod_mode=$3 kmod_builtin=${KMOD_BUILTIN:-1}" \
    </dev/null >>"$OUT/qemu.log" 2>&1 || log "qemu exited with $?"
  touch "$4"
  tr -d '\r' < "$4" > "${4%.log}.txt"
}
: > "$OUT/qemu.log"
MAINMODE=full
[ "${KMOD_BUILTIN:-1}" = 0 ] && MAINMODE=extra
t0=$(date +%s)
case "$ACCEL" in
  tcg) boot tcg "$BOOT_TIMEOUT" "$MAINMODE" "$OUT/serial.log" ;;
  kvm) boot kvm "$BOOT_TIMEOUT" "$MAINMODE" "$OUT/serial.log" ;;
  auto) boot kvm 60 "$MAINMODE" "$OUT/serial.log"
        grep -q 'KMODTEST: RESULT' "$OUT/serial.txt" || boot tcg "$BOOT_TIMEOUT" "$MAINMODE" "$OUT/serial.log" ;;
  *) die "ACCEL must be tcg, kvm or auto" ;;
esac
log "VM ran $(( $(date +%s) - t0 )) s"
LOGS=("$OUT/serial.txt")
PERF_DEFAULT=1; [ "$MAINMODE" = extra ] && PERF_DEFAULT=0
if [ "${KMOD_PERF:-$PERF_DEFAULT}" = 1 ]; then
  t0=$(date +%s)
  boot icount "${KMOD_PERF_TIMEOUT:-300}" perf "$OUT/perf.log"
  log "perf VM ran $(( $(date +%s) - t0 )) s"
  LOGS+=("$OUT/perf.txt")
fi

# --------------------------------------------------------------- 7. verdict
npass=0; nfail=0; bad=0
for l in "${LOGS[@]}"; do
  p=$(grep -c 'KMODTEST: ok ' "$l" || true)
  f=$(grep -c 'KMODTEST: FAIL' "$l" || true)
  grep 'KMODTEST:' "$l" || true
  npass=$((npass + p)); nfail=$((nfail + f))
  if ! grep -q 'KMODTEST: RESULT PASS' "$l" || [ "$f" != 0 ] || [ "$p" = 0 ]; then bad=1; fi
done
if [ "$bad" = 0 ]; then
  echo "kmod vm-test ($KVER): $npass passed, $nfail failed"
  exit 0
fi
for l in "${LOGS[@]}"; do
  grep -q 'KMODTEST: RESULT PASS' "$l" || nfail=$((nfail + 1))
  echo "===== guest serial log ($l) ====="
  cat "$l"
done
echo "===== qemu ====="
cat "$OUT/qemu.log"
echo "kmod vm-test ($KVER): $npass passed, $nfail failed"
exit 1
