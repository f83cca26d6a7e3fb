# libpfring rules / sampling / clusters on real rings (tests/pfring_rules.rs,
# tests/pfring_cluster.rs, tests/pfring_reflect.rs): private veth pairs, exact counts. `cargo test
# --workspace` runs them too; this target runs just them.
.PHONY: test-wire
test-wire:
	$(CARGO) test -p pfring --test pfring_rules --test pfring_cluster --test pfring_reflect -- --test-threads=1

TEST_TARGETS += test-wire
