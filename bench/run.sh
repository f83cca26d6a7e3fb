#!/usr/bin/env bash
# `make bench`: builds the benchmark's C capturers against the staged tree
# (build/, as users link), then runs the side-by-side capture benchmark.
# Smoke run: BENCH_PACKETS=50000 BENCH_REPS=1 BENCH_CALLGRIND_PACKETS=5000 bash bench/run.sh
# Extra arguments go to bench/run.py (see `python3 bench/run.py --help`).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -e build/lib/libpfring.so ] || [ ! -x build/bin/pfsend ] || [ ! -x build/bin/pfcount ]; then
  make --no-print-directory stage
fi
out=build/bench
mkdir -p "$out"
cc -O2 -Wall -Wextra -Werror -o "$out/tpv3_reader" bench/tpv3_reader.c
# Link the libpfring program exactly as the README tells users to.
export PKG_CONFIG_PATH="$PWD/build/lib/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
cc -O2 -Wall -Wextra -Werror -o "$out/pfring_loop" bench/pfring_loop.c \
  $(pkg-config --cflags --libs libpfring) -lpthread -Wl,-rpath,"$PWD/build/lib"
command -v tcpdump >/dev/null || { echo "bench: tcpdump not installed" >&2; exit 1; }
python3 bench/run.py --bin-dir "$out" "$@"
# Then user-space instructions per packet under callgrind (BENCH_CALLGRIND=0 skips).
if [ "${BENCH_CALLGRIND:-1}" != 0 ]; then
  bash bench/callgrind.sh "$out" "${BENCH_CALLGRIND_PACKETS:-200000}" "${BENCH_CALLGRIND_PPS:-20000}"
fi
