# pcap-filter: differential tests against the system libpcap (the oracle).
FILTER_TGT  := $(TARGET_DIR)
FILTER_TMP  := $(abspath $(TARGET_DIR))/filter-tests
FILTER_DATA ?= $(abspath ../shared/data/tcpdump-4.99.3)
FILTER_CAPS  = $(wildcard $(FILTER_DATA)/*.pcap) $(wildcard $(FILTER_DATA)/*.pcapng) $(FILTER_TMP)/crafted.pcap

.PHONY: test-filter test-filter-interp test-filter-corpus test-filter-interp-corpus filter-tools

test-filter: test-filter-interp test-filter-corpus test-filter-interp-corpus

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
# Corpora: corpus.tsv (families x link types), corpus-random.tsv (grammar
# fuzz), corpus-dlt.tsv (every DLT 0..299), corpus-handles.tsv (live lo and
# savefile handles; file paths relative to the repository root).
FILTER_CORPORA = $(wildcard pcap-filter/tests/corpus*.tsv)
test-filter-corpus: filter-tools
	cat $(FILTER_CORPORA) > $(FILTER_TMP)/all.tsv
	python3 c-tests/filter/compare.py --expect pcap-filter/tests/corpus-known-failures.txt \
	  $(FILTER_TMP)/compile $(FILTER_TGT)/debug/examples/fcompile $(FILTER_TMP)/runfilter \
	  $(FILTER_TMP)/all.tsv $(FILTER_CAPS)

TEST_TARGETS += test-filter

# cargo-fuzz smoke runs (nightly + cargo-fuzz from .ci/deps.d/filter.sh),
# seeded with the expression corpus. FILTER_FUZZ_SECONDS per target.
FILTER_FUZZ_SECONDS ?= 60
FILTER_FUZZ_TGT     := $(abspath $(TARGET_DIR))/fuzz
.PHONY: test-filter-fuzz
test-filter-fuzz:
	rm -rf $(FILTER_TMP)/fuzz-seed && mkdir -p $(FILTER_TMP)/fuzz-seed
	python3 c-tests/filter/fuzz_seeds.py pcap-filter/tests/corpus.tsv $(FILTER_TMP)/fuzz-seed
	cd fuzz && CARGO_TARGET_DIR=$(FILTER_FUZZ_TGT) cargo +nightly fuzz run filter_compile \
	  $(FILTER_TMP)/fuzz-seed -- -max_total_time=$(FILTER_FUZZ_SECONDS) -max_len=65536 \
	  -rss_limit_mb=2048 -timeout=10
	cd fuzz && CARGO_TARGET_DIR=$(FILTER_FUZZ_TGT) cargo +nightly fuzz run bpf_run -- \
	  -max_total_time=$(FILTER_FUZZ_SECONDS) -rss_limit_mb=1024 -timeout=10

test-filter: test-filter-fuzz

# (c) on real programs: every program our compiler produces for the corpora,
# run by our interpreter and by the system bpf_filter over every packet of
# the captures (return values hashed per program), must agree exactly.
# Some libpcap programs (802.11 header-length code) can read a scratch
# register that was never stored; bpf_filter leaves its memory
# uninitialised, so every program is prefixed with "ld #0; st M[0..15]".
test-filter-interp-corpus: test-filter-corpus
	grep -hv '^#' $(FILTER_CORPORA) > $(FILTER_TMP)/all-nc.tsv
	$(FILTER_TGT)/debug/examples/fcompile < $(FILTER_TMP)/all-nc.tsv \
	  | paste <(cut -f1 $(FILTER_TMP)/all-nc.tsv) - \
	  | awk -F'\t' '$$2=="OK" {print $$1"\t"$$3"\t"$$4}' | tr ',' ' ' \
	  | awk -F'\t' '{z="0 0 0 0"; for (i = 0; i < 16; i++) z = z " 2 0 0 " i; print $$1"\t"($$2+17)"\t"z" "$$3}' \
	  > $(FILTER_TMP)/ourprogs.txt
	RUNFILTER_DUMP=$(FILTER_TMP)/pkts.txt $(FILTER_TMP)/runfilter $(FILTER_CAPS) \
	  < $(FILTER_TMP)/ourprogs.txt > $(FILTER_TMP)/sys.out
	$(FILTER_TGT)/debug/examples/runprog $(FILTER_TMP)/pkts.txt < $(FILTER_TMP)/ourprogs.txt > $(FILTER_TMP)/our.out
	cmp $(FILTER_TMP)/sys.out $(FILTER_TMP)/our.out
	@echo "interp on compiled corpus: $$(wc -l < $(FILTER_TMP)/ourprogs.txt) programs, $$(awk '{s+=$$1} END {print s}' $(FILTER_TMP)/sys.out) program x packet runs identical"

# Side-by-side performance against libpcap (callgrind instruction counts):
# interpreter Ir/packet and compile Ir/expression, with the ratios.
.PHONY: bench-filter
bench-filter:
	bash bench/filter/run.sh $(abspath $(TARGET_DIR))/filter-bench
BENCH_TARGETS += bench-filter
