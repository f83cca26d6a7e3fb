# Shared helpers of the live capture tests (sourced by live.sh,
# live-any.sh, live-big.sh): a private network namespace, background
# process handling, savefile records. The caller sets `work` (a temporary
# directory) before calling live_ns, and `readall` before calling recs.

# Creates network namespace $1 with IPv6 off (no background frames) and lo
# up, and removes it (and $work unless SHIM_KEEP_LIVE is set) on exit.
live_ns() { # name
	live_ns_name=$1
	trap 'ip netns del "$live_ns_name" 2>/dev/null || true; [ -n "${SHIM_KEEP_LIVE:-}" ] || rm -rf "$work"' EXIT
	ip netns add "$1"
	ip netns exec "$1" sh -c "echo 1 >/proc/sys/net/ipv6/conf/all/disable_ipv6; echo 1 >/proc/sys/net/ipv6/conf/default/disable_ipv6"
	ip -n "$1" link set lo up
}

# A veth pair A/B in namespace NS, both ends up.
live_veth() { # ns a b
	ip -n "$1" link add "$2" type veth peer name "$3"
	ip -n "$1" link set "$2" up
	ip -n "$1" link set "$3" up
}

# Waits up to 20 s for a background process, then kills it; prints "exit N".
reap() { # pid
	for _ in $(seq 200); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
	kill -KILL "$1" 2>/dev/null || true
	local rc=0
	wait "$1" || rc=$?
	echo "exit $rc"
}

wait_for() { # file pattern: up to 5 s
	for _ in $(seq 50); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done
	echo "$(basename "$0"): timeout waiting for '$2' in $1" >&2; return 1
}

# Records of a savefile (first reading only), without time stamps.
recs() { "$readall" "$1" | awk '/^micro:/ {m = 1; next} /^[a-z]+:/ {m = 0} m && /^  [0-9]/ {$1 = ""; $2 = ""; print}'; }

check() { # label a b
	if cmp -s "$2" "$3"; then echo "ok   $1"; else echo "FAIL $1"; diff "$2" "$3" | head -10 || true; fail=1; fi
}
