# tools: pfsend, pfcount, scripts/netns.sh and the capture benchmark.
# Their cargo tests (tests/tools_*.rs) run with `cargo test --workspace`;
# test-tools adds a short, exact smoke run of the benchmark: every capturer
# (C TPACKET_V3 reader, libpfring loop, pfcount, tcpdump) must capture every
# one of 20 000 paced packets with 0 drops; then the callgrind step (reader
# and pfring_recv loop each capture exactly 5 000 packets under valgrind).

.PHONY: test-tools

test-tools: stage
	BENCH_PACKETS=20000 BENCH_PPS=100000 BENCH_REPS=1 \
	  BENCH_CALLGRIND_PACKETS=5000 BENCH_CALLGRIND_PPS=5000 \
	  bash bench/run.sh --check-capture --drain 2.5 --out $(BUILD)/bench/smoke.md

TEST_TARGETS += test-tools

# `stage` ends with `$(MAKE) $(STAGE_TARGETS)`; with nothing listed that
# would run the default goal (all -> stage) again, recursively. The tools
# are staged by the top-level rule; this no-op target keeps the list
# non-empty.
.PHONY: stage-tools
stage-tools:
	@:

STAGE_TARGETS += stage-tools
