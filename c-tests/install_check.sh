#!/usr/bin/env bash
# `make install` into a DESTDIR, then build and run a C program exactly as
# the README tells users: cc app.c $(pkg-config --cflags --libs libpfring) -lpthread
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
D=$(mktemp -d)
trap 'rm -rf "$D"' EXIT
make -C "$ROOT" --no-print-directory install DESTDIR="$D/root" PREFIX=/usr/local > "$D/install.log"
P=$D/root/usr/local
for f in lib/libpfring.so.3 lib/libpfring.so lib/libpfring.a include/pfring.h include/PFring.h \
         lib/pkgconfig/libpfring.pc bin/pfcount bin/pfsend; do
  [ -e "$P/$f" ] || { echo "install-check: missing $f"; exit 1; }
done
[ "$(readlink "$P/lib/libpfring.so")" = libpfring.so.3 ] || { echo "install-check: bad symlink"; exit 1; }
readelf -d "$P/lib/libpfring.so.3" | grep -q 'SONAME.*\[libpfring.so.3\]' || { echo "install-check: SONAME"; exit 1; }
# Only the 16 guide functions are exported.
exports=$(nm -D --defined-only "$P/lib/libpfring.so.3" | awk '$2 ~ /[TDBR]/ {print $3}' | sort)
want=$(printf '%s\n' pfring_add_filtering_rule pfring_close pfring_enable_ring \
  pfring_get_filtering_rule_stats pfring_get_hash_filtering_rule_stats \
  pfring_handle_hash_filtering_rule pfring_open pfring_recv pfring_remove_filtering_rule \
  pfring_remove_from_cluster pfring_set_cluster pfring_set_reflector pfring_set_sampling_rate \
  pfring_stats pfring_toggle_filtering_policy pfring_version | sort)
if [ "$exports" != "$want" ]; then
  echo "install-check: exported symbols differ:"; diff <(echo "$want") <(echo "$exports") || true; exit 1
fi
grep -q '^prefix=/usr/local$' "$P/lib/pkgconfig/libpfring.pc" || { echo "install-check: pc prefix"; exit 1; }
cat > "$D/app.c" <<'C'
#include "pfring.h"
int main(void) {
  pfring *r = pfring_open("nosuchdev0", 0, 0);
  printf("open: %s\n", r == NULL && errno == ENODEV ? "ENODEV" : "unexpected");
  return r != NULL;
}
C
# pkg-config resolves against the DESTDIR tree (sysroot-style).
export PKG_CONFIG_PATH=$P/lib/pkgconfig PKG_CONFIG_SYSROOT_DIR=$D/root
cc "$D/app.c" -o "$D/app" $(pkg-config --cflags --libs libpfring) -lpthread
out=$(LD_LIBRARY_PATH=$P/lib "$D/app")
[ "$out" = "open: ENODEV" ] || { echo "install-check: app said: $out"; exit 1; }
echo "install-check: 1 passed, 0 failed"
