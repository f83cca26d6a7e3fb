#!/usr/bin/env bash
# pcap-filter tests: the system libpcap is the oracle (installed by .ci/run),
# python3 generates programs/frames; nightly + cargo-fuzz for the fuzz smoke run;
# valgrind and bc for `make bench-filter` (callgrind counts, not run by make test).
set -euo pipefail
apt-get install -y -q --no-install-recommends python3 libpcap0.8-dev valgrind bc
rustup toolchain install nightly --profile minimal
if ! cargo fuzz --version 2>/dev/null | grep -q '^cargo-fuzz 0.12.0'; then
  cargo install --locked cargo-fuzz@0.12.0
fi
cargo fuzz --version
