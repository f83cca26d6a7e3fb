#!/usr/bin/env bash
# Live capture tests of the libpcap shim (c-tests/pcap/live-*.sh): tun
# helpers in Python, namespaces with iproute2, Debian's tcpdump.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
apt-get install -y -q --no-install-recommends python3 iproute2 tcpdump
