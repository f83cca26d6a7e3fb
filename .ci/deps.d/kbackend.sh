#!/usr/bin/env bash
# Host tools for `make test-kbackend` (kmod/libpfring-suite/run.sh) beyond
# what .ci/deps.d/kmod.sh installs: python3 (reads cargo's JSON to find the
# test executables), setpriv (util-linux; the EPERM C test in the VM) and
# g++ (the C++ wrapper test). Idempotent, run as root.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
need=()
command -v python3 >/dev/null || need+=(python3)
command -v setpriv >/dev/null || need+=(util-linux)
command -v c++ >/dev/null || need+=(g++)
if [ ${#need[@]} -eq 0 ]; then echo "kbackend deps: all present"; exit 0; fi
echo "kbackend deps: installing ${need[*]}"
apt-get install -y -q --no-install-recommends --no-remove "${need[@]}"
