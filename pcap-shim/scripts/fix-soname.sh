#!/usr/bin/env bash
# Ensures build/lib/libpcap.so.0.8 carries SONAME libpcap.so.0.8.
#
# Why: Cargo passes `cargo:rustc-cdylib-link-arg` of a dependency's build
# script on to dependents' cdylibs (rust-lang/cargo#9562), so the pfring
# crate's `-soname,libpfring.so.3` reaches our link after our own -soname and
# wins. Until that build script uses `cargo:rustc-link-arg-cdylib`, rewrite
# the name inside .dynstr only (both names are 14 bytes long).
set -euo pipefail
lib=$1
want=libpcap.so.0.8
cur=$(readelf -d "$lib" | sed -n 's/.*Library soname: \[\(.*\)\]/\1/p')
[ "$cur" = "$want" ] && exit 0
if [ "${#cur}" != "${#want}" ]; then
  echo "fix-soname: unexpected SONAME '$cur' in $lib" >&2
  exit 1
fi
read -r off size < <(readelf -S -W "$lib" | sed 's/^ *\[ *[0-9]*\]//' | awk '$1 == ".dynstr" {print $4, $5}')
off=$((16#$off)); size=$((16#$size))
CUR="$cur" WANT="$want" OFF="$off" SIZE="$size" perl -0777 -pi -e '
  my ($o, $n) = ($ENV{OFF}, $ENV{SIZE});
  my $sec = substr($_, $o, $n);
  my $k = ($sec =~ s/\Q$ENV{CUR}\E\0/$ENV{WANT}\0/g);
  die "fix-soname: $ENV{CUR} not found in .dynstr\n" unless $k;
  substr($_, $o, $n) = $sec;
' "$lib"
cur=$(readelf -d "$lib" | sed -n 's/.*Library soname: \[\(.*\)\]/\1/p')
[ "$cur" = "$want" ] || { echo "fix-soname: failed ($cur)" >&2; exit 1; }
