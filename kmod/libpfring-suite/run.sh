#!/usr/bin/env bash
# libpfring's own test suite inside the kmod VM, on the kernel module backend
# (PF_RING_BACKEND=kmod): builds the Rust integration-test executables and the
# tools they run, stages them (with scripts/netns.sh, the test data and bash)
# for kmod/vm-test.sh (KMOD_EXTRA_DIR / KMOD_EXTRA_BINS), boots the VM with only
# these tests (KMOD_BUILTIN=0; the module's own checks are `make test-kmod`),
# and passes its verdict on.
#
# Knobs: KFLAVOR (6.1 default, or 6.12), WORK (default <repo>/work/kbackend),
#        KB_TESTS (test targets, default below), KB_PERF=1 adds the CPU-per-
#        packet comparison (kmod vs af_packet backend) to the same boot.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$REPO/target}
WORK=${WORK:-$REPO/work/kbackend}
KB_TESTS=${KB_TESTS:-pfring_api pfring_kmod pfring_rules rules_vectors pfring_cluster pfring_reflect pfring_latency_overflow tools_pfcount tools_pfsend}
mkdir -p "$WORK"
WORK=$(cd "$WORK" && pwd)
log() { echo "kbackend: $*" >&2; }

# Reuse the kernel debs test-kmod already fetched (hard links, same fs).
if [ -d "$REPO/work/kmod/debs" ] && [ ! -e "$WORK/debs" ]; then
  mkdir -p "$WORK/debs"
  cp -al "$REPO/work/kmod/debs/." "$WORK/debs/" 2>/dev/null || cp -a "$REPO/work/kmod/debs/." "$WORK/debs/"
fi

# ------------------------------------------------------------ build
args=()
for t in $KB_TESTS; do args+=(--test "$t"); done
log "building ${KB_TESTS}"
cargo build -q -p pfring --lib --bins
cargo test -q -p pfring --no-run --message-format=json "${args[@]}" > "$WORK/build.json"
STAGE=$WORK/suite
rm -rf "$STAGE"
mkdir -p "$STAGE/bin" "$STAGE/lib" "$STAGE/tests.d" "$STAGE/repo/scripts" "$STAGE/repo/tests"
python3 - "$WORK/build.json" "$STAGE/bin" <<'PY'
import json, shutil, sys, os
out = sys.argv[2]
seen = set()
for line in open(sys.argv[1]):
    try:
        m = json.loads(line)
    except ValueError:
        continue
    if m.get("reason") != "compiler-artifact" or not m.get("executable"):
        continue
    if "test" not in m["target"]["kind"]:
        continue
    name = m["target"]["name"]
    shutil.copy2(m["executable"], os.path.join(out, name))
    seen.add(name)
print(" ".join(sorted(seen)), file=open(os.path.join(out, "LIST"), "w"))
PY
for b in pfsend pfcount; do cp "$CARGO_TARGET_DIR/debug/$b" "$STAGE/bin/$b"; done
# The CPU-per-packet comparison runs release builds, as users run pfcount.
if [ "${KB_PERF:-0}" = 1 ]; then
  log "building release pfcount/pfsend for the perf comparison"
  cargo build -q --release -p pfring --bin pfcount --bin pfsend
  for b in pfsend pfcount; do cp "$CARGO_TARGET_DIR/release/$b" "$STAGE/bin/$b-release"; done
fi
cp "$REPO/scripts/netns.sh" "$STAGE/repo/scripts/"
cp -a "$REPO/tests/data" "$STAGE/repo/tests/"
cp "$HERE/skip.txt" "$STAGE/skip.txt"
# The CPU-per-packet comparison runs in vm-test.sh's second boot, under
# qemu -icount (guest time counts instructions: host load does not distort it).
if [ "${KB_PERF:-0}" = 1 ]; then
  mkdir -p "$STAGE/perf.d"
  cp "$HERE/perf.sh" "$STAGE/perf.d/pfcount.sh"
fi
# Paths baked into the executables at build time (env! of cargo).
{
  echo "KB_REPO='$REPO'"
  echo "KB_BINDIR='$CARGO_TARGET_DIR/debug'"
  echo "KB_PERF='${KB_PERF:-0}'"
  echo "KB_BACKEND='${KB_BACKEND:-kmod}'"
  echo "KB_PCAP='${KB_PCAP:-1}'"
  echo "KB_CTESTS='${KB_CTESTS:-1}'"
  echo "KB_REPEAT='${KB_REPEAT:-1}'"
  echo "KB_NUM_SLOTS='${KB_NUM_SLOTS:-}'"
} > "$STAGE/paths.sh"
cp "$HERE/guest.sh" "$STAGE/tests.d/libpfring.sh"
cp "$HERE/ctests.sh" "$HERE/pcap.sh" "$STAGE/"

# The pcap shim (libpcap.so.0.8) for Debian's tcpdump in the guest.
cargo build -q -p pcap-shim
cp "$CARGO_TARGET_DIR/debug/libpcap.so" "$STAGE/lib/libpcap.so.0.8"
bash "$REPO/pcap-shim/scripts/fix-soname.sh" "$STAGE/lib/libpcap.so.0.8"

# c-tests/ programs, built as users build them, against this build's
# libpfring.so.3 (put in /extra/lib, the guest's LD_LIBRARY_PATH) and .a.
CT=$STAGE/ctests
mkdir -p "$CT" "$WORK/ctlib"
cp "$CARGO_TARGET_DIR/debug/libpfring.so" "$STAGE/lib/libpfring.so.3"
ln -sf "$CARGO_TARGET_DIR/debug/libpfring.so" "$WORK/ctlib/libpfring.so"
CFL=(-std=gnu99 -O1 -g -Wall -Wextra -Werror -I"$REPO/include")
LDL=(-L"$WORK/ctlib" -lpfring -lpthread)
SAN=(-fsanitize=address,undefined -fno-omit-frame-pointer)
for p in guide2008 signal_close eperm; do
  cc "${CFL[@]}" "$REPO/c-tests/$p.c" -o "$CT/$p" "${LDL[@]}"
  cc "${CFL[@]}" "${SAN[@]}" "$REPO/c-tests/$p.c" -o "$CT/san_$p" "${LDL[@]}"
done
CXXF=(-std=c++17 -O1 -g -Wall -Wextra -Werror -I"$REPO/include")
c++ "${CXXF[@]}" "$REPO/c-tests/cpp_test.cpp" -o "$CT/cpp_test" "${LDL[@]}"
c++ "${CXXF[@]}" "${SAN[@]}" "$REPO/c-tests/cpp_test.cpp" -o "$CT/san_cpp_test" "${LDL[@]}"
cc "${CFL[@]}" "$REPO/c-tests/guide2008.c" -o "$CT/static_guide2008" \
  "$CARGO_TARGET_DIR/debug/libpfring.a" -lpthread -ldl -lm
log "staged: $(cat "$STAGE/bin/LIST")"

# ------------------------------------------------------------ boot
KMOD_EXTRA_DIR=$STAGE KMOD_EXTRA_BINS="$(command -v bash) $(command -v setpriv) $(command -v tcpdump)" KMOD_BUILTIN=0 KMOD_PERF=${KB_PERF:-0} KMOD_PERF_TIMEOUT=900 KMOD_DKMS=0 \
  WORK=$WORK BOOT_TIMEOUT=${BOOT_TIMEOUT:-900} bash "$REPO/kmod/vm-test.sh"
