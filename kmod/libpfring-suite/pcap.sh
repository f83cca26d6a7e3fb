#!/bin/bash
# In the VM: Debian's tcpdump through our libpcap.so.0.8 (the pcap shim) on
# the kernel module backend: live capture to a file with and without a
# filter (BPF attached to the module's socket), the module's per-ring /proc
# file present while it runs, and the file read back through the shim.
set -u
. /extra/paths.sh
. "$KB_REPO/scripts/netns.sh"
A=$(netns_unique_name kpc)a B=$(netns_unique_name kpc)b
netns_pair_create "$A" "$B" || { echo "KMODTEST: FAIL pcap: namespaces"; exit 1; }
# tcpdump drops privileges to a user after opening: give it root.
[ -e /etc/passwd ] || { mkdir -p /etc; echo 'root:x:0:0:root:/:/bin/sh' > /etc/passwd; echo 'root:x:0:' > /etc/group; }
export PF_RING_BACKEND=kmod
fail=0
ok() { echo "KMODTEST: ok pcap::$1"; }
bad() { echo "KMODTEST: FAIL pcap::$1: $2"; fail=1; }
cap() { # name, count expected, filter...
  local name=$1 want=$2; shift 2
  local f=/tmp/$name.pcap log=/tmp/$name.log
  rm -f "$f"
  timeout 120 /sbin/ip netns exec "$B" tcpdump -Z root -n -i "$NETNS_IF_B" -c "$want" -w "$f" "$@" >"$log" 2>&1 &
  local pid=$!
  for _ in $(seq 1 600); do grep -q 'listening on' "$log" && break; sleep 0.1; done
  if ! grep -q 'listening on' "$log"; then bad "$name" "never listening: $(cat "$log")"; kill $pid; wait $pid; return; fi
  # The capture runs on the module: its ring has a /proc file (in the
  # socket's namespace).
  if /sbin/ip netns exec "$B" ls /proc/net/pf_ring/ | grep -q -- "-$NETNS_IF_B"; then ok "$name ring is the module's"; else
    bad "$name ring is the module's" "$(/sbin/ip netns exec "$B" ls /proc/net/pf_ring/)"; fi
  ip netns exec "$A" /extra/bin/pfsend -i "$NETNS_IF_A" -n 1000 -f 2 -r 2000 >/dev/null
  if ! wait $pid; then bad "$name" "tcpdump failed: $(cat "$log")"; return; fi
  local n; n=$(tcpdump -Z root -n -r "$f" 2>/dev/null | wc -l)
  if [ "$n" = "$want" ] && grep -q "^$want packets captured" "$log"; then ok "$name $want packets"; else
    bad "$name" "read back $n, want $want: $(cat "$log")"; fi
}
cap all 1000
cap filtered 500 udp src port 1024
netns_cleanup
exit $fail
