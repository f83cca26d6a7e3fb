# Rule engine (src/rules): unit tests, the vector table on the engine and the
# prefilter cross-check. Pure Rust, no traffic; `cargo test --workspace` runs
# them too, this target runs just them.
.PHONY: test-rules
test-rules:
	$(CARGO) test -p pfring --lib rules::
	$(CARGO) test -p pfring --test rules_vectors

TEST_TARGETS += test-rules

# Prefilter benchmark (bench/rules/README.md): consumer CPU per offered
# packet, 1 forwarded flow of 64, rules in user space only vs prefilter.
# RULES_BENCH_ARGS="--packets 50000 --reps 1 --min-ratio 0" for a smoke run.
RULES_BENCH_ARGS ?= --packets 2000000 --reps 3 --min-ratio 5
.PHONY: bench-rules
bench-rules:
	cd bench/rules && $(CARGO) build --release --target-dir $(abspath $(TARGET_DIR))/rules-bench
	$(abspath $(TARGET_DIR))/rules-bench/release/rules-bench $(RULES_BENCH_ARGS)

BENCH_TARGETS += bench-rules
