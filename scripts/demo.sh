#!/usr/bin/env bash
# make demo: the main job end to end on a private veth pair.
#  1. creates two namespaces joined by a veth (nothing else is reachable),
#  2. pfcount counts on one end while pfsend sends 100,000 paced frames from
#     the other end, and prints its per-second and absolute statistics,
#  3. a C program written against the 2008 API (examples in README.md),
#     built with -lpfring -lpthread, prints the first frames it reads,
#  4. removes the namespaces (also on Ctrl-C or failure).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$ROOT/build
. "$ROOT/scripts/netns.sh"
A=$(netns_unique_name demo)a B=$(netns_unique_name demo)b
netns_pair_create "$A" "$B" 198.51.100.1/24 198.51.100.2/24
IFA=$NETNS_IF_A IFB=$NETNS_IF_B
TMP=$(mktemp -d)
trap 'netns_cleanup; rm -rf "$TMP"' EXIT
N=100000

echo "== namespaces $A ($IFA) <-> $B ($IFB)"
echo "== pfcount -i $IFB -n $N   (pfsend -n $N -r 50000 from $IFA)"
ip netns exec "$B" "$BUILD/bin/pfcount" -i "$IFB" -n "$N" > "$TMP/pfcount.out" 2> "$TMP/pfcount.err" &
PC=$!
for _ in $(seq 1 100); do grep -q '^Capturing' "$TMP/pfcount.out" 2>/dev/null && break; sleep 0.1; done
ip netns exec "$A" timeout 60 "$BUILD/bin/pfsend" -i "$IFA" -n "$N" -r 50000 -f 16
wait "$PC"
cat "$TMP/pfcount.out" "$TMP/pfcount.err"

echo "== a 2008-style C program (cc app.c -lpfring -lpthread)"
cat > "$TMP/app.c" <<'C'
#include "pfring.h"
int main(int argc, char *argv[]) {
  pfring *ring = pfring_open(argv[1], 1, 0);
  struct pfring_pkthdr hdr;
  char buf[2048];
  pfring_stat st;
  int i;
  if (ring == NULL) { printf("pfring_open: %s\n", strerror(errno)); return 1; }
  pfring_enable_ring(ring);
  printf("ready\n"); fflush(stdout);
  for (i = 0; i < 5; i++)
    if (pfring_recv(ring, buf, sizeof(buf), &hdr, 1) > 0)
      printf("  %u bytes  proto %u  %u.%u.%u.%u:%u -> %u.%u.%u.%u:%u\n", hdr.len,
             hdr.parsed_pkt.l3_proto,
             hdr.parsed_pkt.ipv4_src >> 24, (hdr.parsed_pkt.ipv4_src >> 16) & 255,
             (hdr.parsed_pkt.ipv4_src >> 8) & 255, hdr.parsed_pkt.ipv4_src & 255,
             hdr.parsed_pkt.l4_src_port,
             hdr.parsed_pkt.ipv4_dst >> 24, (hdr.parsed_pkt.ipv4_dst >> 16) & 255,
             (hdr.parsed_pkt.ipv4_dst >> 8) & 255, hdr.parsed_pkt.ipv4_dst & 255,
             hdr.parsed_pkt.l4_dst_port);
  pfring_stats(ring, &st);
  printf("  %llu received, %llu dropped\n", (unsigned long long)st.recv, (unsigned long long)st.drop);
  pfring_close(ring);
  return 0;
}
C
cc "$TMP/app.c" -o "$TMP/app" -I"$BUILD/include" -L"$BUILD/lib" -Wl,-rpath,"$BUILD/lib" -lpfring -lpthread
ip netns exec "$B" "$TMP/app" "$IFB" > "$TMP/app.out" &
APP=$!
for _ in $(seq 1 100); do grep -q '^ready' "$TMP/app.out" 2>/dev/null && break; sleep 0.1; done
ip netns exec "$A" timeout 10 "$BUILD/bin/pfsend" -i "$IFA" -n 5 -r 100 -S 198.51.100.1 -D 198.51.100.2 > /dev/null
wait "$APP"
cat "$TMP/app.out"
echo "== done; namespaces removed"
