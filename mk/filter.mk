# pcap-filter: differential tests against the system libpcap (the oracle).
FILTER_TGT  := $(TARGET_DIR)
FILTER_TMP  := $(TARGET_DIR)/filter-tests
FILTER_DATA ?= $(abspath ../shared/data/tcpdump-4.99.3)

.PHONY: test-filter test-filter-interp

test-filter: test-filter-interp

# (c) interpreter/validator/bpf_image: our bpf module vs the system's
# bpf_filter/bpf_validate/bpf_image on random programs and packets.
test-filter-interp:
	mkdir -p $(FILTER_TMP)
	$(CC) -O1 -Wall -o $(FILTER_TMP)/bpfcheck c-tests/filter/bpfcheck.c -lpcap
	$(CARGO) build -q -p pcap-filter --example bpfcheck
	set -e; for seed in 1 2 3 4 5; do \
	  python3 c-tests/filter/gen_progs.py $$seed 3000 > $(FILTER_TMP)/progs.txt; \
	  timeout 60 $(FILTER_TMP)/bpfcheck < $(FILTER_TMP)/progs.txt > $(FILTER_TMP)/c.out; \
	  $(FILTER_TGT)/debug/examples/bpfcheck < $(FILTER_TMP)/progs.txt > $(FILTER_TMP)/r.out; \
	  cmp $(FILTER_TMP)/c.out $(FILTER_TMP)/r.out; \
	  echo "interp seed $$seed: 3000 programs identical ($$(grep -c 'V1 R' $(FILTER_TMP)/c.out) executed)"; \
	done

TEST_TARGETS += test-filter
