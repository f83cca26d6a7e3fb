#!/usr/bin/env bash
# What the tools' tests and the benchmark need beyond .ci/run's list:
# python3 (bench/run.py), taskset (util-linux), ip (iproute2), tcpdump, pkg-config.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
apt-get install -y -q --no-install-recommends python3 util-linux iproute2 tcpdump pkg-config
