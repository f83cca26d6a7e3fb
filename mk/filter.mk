# pcap-filter: differential tests against the system libpcap (the oracle).
FILTER_TGT  := $(TARGET_DIR)
FILTER_TMP  := $(TARGET_DIR)/filter-tests
FILTER_DATA ?= $(abspath ../shared/data/tcpdump-4.99.3)
FILTER_CAPS  = $(wildcard $(FILTER_DATA)/*.pcap) $(wildcard $(FILTER_DATA)/*.pcapng) $(FILTER_TMP)/crafted.pcap

.PHONY: test-filter test-filter-interp test-filter-corpus filter-tools

test-filter: test-filter-interp test-filter-corpus

filter-tools:
	mkdir -p $(FILTER_TMP)
	$(CC) -O1 -Wall -o $(FILTER_TMP)/bpfcheck c-tests/filter/bpfcheck.c -lpcap
	$(CC) -O1 -Wall -o $(FILTER_TMP)/compile c-tests/filter/compile.c -lpcap
	$(CC) -O2 -Wall -o $(FILTER_TMP)/runfilter c-tests/filter/runfilter.c -lpcap
	python3 c-tests/filter/gen_frames.py $(FILTER_TMP)/crafted.pcap
	$(CARGO) build -q -p pcap-filter --examples

# (c) interpreter/validator/bpf_image: our bpf module vs the system's
# bpf_filter/bpf_validate/bpf_image on random programs and packets.
test-filter-interp: filter-tools
	set -e; for seed in 1 2 3 4 5; do \
	  python3 c-tests/filter/gen_progs.py $$seed 3000 > $(FILTER_TMP)/progs.txt; \
	  timeout 60 $(FILTER_TMP)/bpfcheck < $(FILTER_TMP)/progs.txt > $(FILTER_TMP)/c.out; \
	  $(FILTER_TGT)/debug/examples/bpfcheck < $(FILTER_TMP)/progs.txt > $(FILTER_TMP)/r.out; \
	  cmp $(FILTER_TMP)/c.out $(FILTER_TMP)/r.out; \
	  echo "interp seed $$seed: 3000 programs identical ($$(grep -c 'V1 R' $(FILTER_TMP)/c.out) executed)"; \
	done

# (a)+(b) the expression corpus: same success/failure and error text as
# libpcap, and for programs that differ, the same bpf_filter result on
# every packet of the tcpdump captures + crafted frames. Known
# disagreements are listed in pcap-filter/tests/corpus-known-failures.txt;
# any new one (or a fixed one still listed) fails the target.
test-filter-corpus: filter-tools
	python3 c-tests/filter/compare.py --expect pcap-filter/tests/corpus-known-failures.txt \
	  $(FILTER_TMP)/compile $(FILTER_TGT)/debug/examples/fcompile $(FILTER_TMP)/runfilter \
	  pcap-filter/tests/corpus.tsv $(FILTER_CAPS)

TEST_TARGETS += test-filter
