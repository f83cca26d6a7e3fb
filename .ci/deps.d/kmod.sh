#!/usr/bin/env bash
# Host packages for the kernel-module VM test (kmod/vm-test.sh). Idempotent, run as root.
# qemu must come from bookworm-backports (same version as the preinstalled qemu-utils; see
# shared/spec/kmod-vm-notes.md P1): bookworm's 7.2 would silently remove qemu-utils.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
need=()
command -v qemu-system-x86_64 >/dev/null || need+=(qemu-system-x86)
[ -x /bin/busybox ] && /bin/busybox --list 2>/dev/null | grep -qx insmod || need+=(busybox-static)
command -v cpio >/dev/null || need+=(cpio)
command -v modinfo >/dev/null || need+=(kmod)
command -v gcc-12 >/dev/null || need+=(gcc-12)
command -v xz >/dev/null || need+=(xz-utils)
# dkms: vm-test.sh builds kmod/dkms.conf with it in a scratch tree (no kernel
# packages are installed; --no-install-recommends keeps linux-headers-amd64 out).
command -v dkms >/dev/null || need+=(dkms)
if [ ${#need[@]} -eq 0 ]; then echo "kmod deps: all present"; exit 0; fi
echo "kmod deps: installing ${need[*]}"
APTDIR=/var/cache/pfring-kmod-apt
mkdir -p "$APTDIR/lists/partial"
echo 'deb http://deb.debian.org/debian bookworm-backports main' > "$APTDIR/bpo.list"
APTOPT=(-o "Dir::Etc::sourcelist=$APTDIR/bpo.list" -o "Dir::State::lists=$APTDIR/lists"
        -o APT::Sandbox::User=root -o Acquire::Retries=3)
apt-get "${APTOPT[@]}" update -q
if ! apt-get "${APTOPT[@]}" install -y -q --no-install-recommends -t bookworm-backports "${need[@]}"; then
  # Fallback without backports; never remove anything silently (P1).
  apt-get "${APTOPT[@]}" install -y -q --no-install-recommends --no-remove "${need[@]}"
fi
