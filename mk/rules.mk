# Rule engine (src/rules): unit tests, the vector table on the engine and the
# prefilter cross-check. Pure Rust, no traffic; `cargo test --workspace` runs
# them too, this target runs just them.
.PHONY: test-rules
test-rules:
	$(CARGO) test -p pfring --lib rules::
	$(CARGO) test -p pfring --test rules_vectors

TEST_TARGETS += test-rules
