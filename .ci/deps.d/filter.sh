#!/usr/bin/env bash
# pcap-filter tests: the system libpcap is the oracle (installed by .ci/run),
# python3 generates random programs.
set -euo pipefail
apt-get install -y -q --no-install-recommends python3 libpcap0.8-dev
