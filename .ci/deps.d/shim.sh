#!/usr/bin/env bash
# libpcap shim tests (mk/shim.mk): other Debian programs that link
# libpcap.so.0.8 are run through the shim (c-tests/pcap/others.sh); the
# savefile fuzz target builds with nightly Rust (pcap-shim/scripts/fuzz-smoke.sh).
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
apt-get install -y -q --no-install-recommends tcpflow tcpreplay ngrep tcpdump libpcap-dev pkg-config iproute2
export PATH="$HOME/.cargo/bin:$PATH"
rustup toolchain list | grep -q '^nightly' || rustup toolchain install nightly --profile minimal
