#!/usr/bin/env bash
# Private network-namespace pairs joined by one veth, for tests, demo and bench.
#
# Source it:
#   . scripts/netns.sh
#   netns_pair_create "$(netns_unique_name mytest)-a" "$(netns_unique_name mytest)-b" [ADDR_A ADDR_B]
#   ip netns exec "$NETNS_A" ... "$NETNS_IF_A" ...   # and $NETNS_B / $NETNS_IF_B
#   (cleanup runs from the EXIT/INT/TERM trap, or call netns_cleanup yourself)
# or run it:
#   bash scripts/netns.sh create NS_A NS_B [ADDR_A ADDR_B]   # no trap: delete it yourself
#   bash scripts/netns.sh delete NS_A NS_B
#
# The pair: interface $NETNS_IF_A (default veth-a, MAC 02:00:00:00:00:01) in NS_A and
# $NETNS_IF_B (default veth-b, MAC 02:00:00:00:00:02) in NS_B, both up with MTU 1500,
# loopback up, IPv6 off (so nothing but the test's own traffic appears), and, only
# when given, the addresses ADDR_A/ADDR_B (e.g. 198.51.100.1/24 198.51.100.2/24; use
# only 198.51.100.0/24, 203.0.113.0/24 or 198.18.0.0/15).
#
# Trap: the first netns_pair_create in a shell installs an EXIT/INT/TERM trap that runs
# netns_cleanup, unless NETNS_NO_TRAP=1 (then call netns_cleanup from your own trap).
# netns_cleanup deletes every namespace this shell created and is safe to call twice.

NETNS_IF_A=${NETNS_IF_A:-veth-a}
NETNS_IF_B=${NETNS_IF_B:-veth-b}
NETNS_MAC_A=02:00:00:00:00:01
NETNS_MAC_B=02:00:00:00:00:02
_NETNS_CREATED=${_NETNS_CREATED:-}
_NETNS_TRAPPED=${_NETNS_TRAPPED:-0}

# netns_unique_name TAG: a namespace name unique to this shell and call.
netns_unique_name() {
  _NETNS_SEQ=$(( ${_NETNS_SEQ:-0} + 1 ))
  printf 'pf-%s-%d-%d\n' "$1" "$$" "$_NETNS_SEQ"
}

netns_cleanup() {
  local ns
  for ns in $_NETNS_CREATED; do
    ip netns del "$ns" 2>/dev/null || true
  done
  _NETNS_CREATED=
}

# netns_pair_create NS_A NS_B [ADDR_A ADDR_B]; sets NETNS_A and NETNS_B.
netns_pair_create() {
  local a=$1 b=$2 addr_a=${3:-} addr_b=${4:-} ns
  if [ -z "$a" ] || [ -z "$b" ] || [ "$a" = "$b" ]; then
    echo "netns_pair_create: need two distinct namespace names" >&2
    return 2
  fi
  if [ "${NETNS_NO_TRAP:-0}" != 1 ] && [ "$_NETNS_TRAPPED" = 0 ]; then
    trap netns_cleanup EXIT
    trap 'netns_cleanup; exit 130' INT
    trap 'netns_cleanup; exit 143' TERM
    _NETNS_TRAPPED=1
  fi
  ip netns add "$a" || return 1
  _NETNS_CREATED="$_NETNS_CREATED $a"
  ip netns add "$b" || return 1
  _NETNS_CREATED="$_NETNS_CREATED $b"
  ip link add "$NETNS_IF_A" netns "$a" type veth peer name "$NETNS_IF_B" netns "$b" || return 1
  ip -n "$a" link set "$NETNS_IF_A" address "$NETNS_MAC_A" mtu 1500 || return 1
  ip -n "$b" link set "$NETNS_IF_B" address "$NETNS_MAC_B" mtu 1500 || return 1
  # Through /proc rather than sysctl(8), which a minimal image may lack.
  for ns in "$a" "$b"; do
    ip netns exec "$ns" sh -c 'for c in all default; do echo 1 > /proc/sys/net/ipv6/conf/$c/disable_ipv6; done' ||
      return 1
    ip -n "$ns" link set lo up || return 1
  done
  ip netns exec "$a" sh -c "echo 1 > /proc/sys/net/ipv6/conf/$NETNS_IF_A/disable_ipv6" || return 1
  ip netns exec "$b" sh -c "echo 1 > /proc/sys/net/ipv6/conf/$NETNS_IF_B/disable_ipv6" || return 1
  if [ -n "$addr_a" ]; then ip -n "$a" addr add "$addr_a" dev "$NETNS_IF_A" || return 1; fi
  if [ -n "$addr_b" ]; then ip -n "$b" addr add "$addr_b" dev "$NETNS_IF_B" || return 1; fi
  ip -n "$a" link set "$NETNS_IF_A" up || return 1
  ip -n "$b" link set "$NETNS_IF_B" up || return 1
  NETNS_A=$a
  NETNS_B=$b
}

# netns_pair_delete NS_A NS_B (deleting a namespace removes its veth end and the peer).
netns_pair_delete() {
  local ns kept=
  for ns in "$@"; do ip netns del "$ns" 2>/dev/null || true; done
  for ns in $_NETNS_CREATED; do
    case " $* " in *" $ns "*) ;; *) kept="$kept $ns" ;; esac
  done
  _NETNS_CREATED=$kept
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -u
  cmd=${1:-}
  shift || true
  case "$cmd" in
    create)
      NETNS_NO_TRAP=1
      if ! netns_pair_create "$@"; then
        netns_cleanup
        exit 1
      fi
      ;;
    delete) netns_pair_delete "$@" ;;
    *)
      echo "usage: $0 create NS_A NS_B [ADDR_A ADDR_B] | delete NS_A NS_B" >&2
      exit 2
      ;;
  esac
fi
