# miri: the unsafe code that walks the kernel's TPACKET_V3 blocks (cursor,
# VLAN reinsertion, cooked headers), run on synthetic blocks in heap memory,
# plus the parser and the rule consumer, under the nightly interpreter
# (toolchain and components from .ci/deps.d/miri.sh). The other unit tests
# make system calls or use parking_lot's futexes, which miri cannot run.

.PHONY: test-miri

test-miri:
	$(CARGO) +nightly miri test -p pfring --lib -- ring::tpacket_v3 parse:: rules::consumer

TEST_TARGETS += test-miri
