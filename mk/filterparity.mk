# pcap-filter parity hunt against the system libpcap on expressions the fixed
# corpora never had: c-tests/filter/gen_parity.py generates them from the
# pcap-filter(7) grammar (every primitive family x qualifiers x link types,
# arithmetic, stacking, lexical corners, scanner errors, token sequences,
# character mutations, all /etc/services and /etc/protocols names), a seeded
# sample is compiled by both compilers and compared like the corpora (same
# success/failure and message; programs byte-identical or, if not, the same
# bpf_filter result on every packet). Known disagreements:
# c-tests/filter/parity-known-failures.txt. Look-ups of unknown host names run
# in an empty network namespace when possible (fail at once, no DNS waits).
FILTERPARITY_SEEDS  ?= 11 12
FILTERPARITY_SAMPLE ?= 40000
FILTERPARITY_NS     := $(shell unshare -n true 2>/dev/null && echo unshare -n)
.PHONY: test-filterparity
test-filterparity: filter-tools
	set -eo pipefail; for s in $(FILTERPARITY_SEEDS); do \
	  python3 c-tests/filter/gen_parity.py --sample $(FILTERPARITY_SAMPLE) $$s | cut -f2- > $(FILTER_TMP)/parity-$$s.tsv; \
	  $(FILTERPARITY_NS) python3 c-tests/filter/compare.py --expect c-tests/filter/parity-known-failures.txt \
	    $(FILTER_TMP)/compile $(FILTER_TGT)/debug/examples/fcompile $(FILTER_TMP)/runfilter \
	    $(FILTER_TMP)/parity-$$s.tsv $(FILTER_CAPS) | head -c 20000; \
	done
TEST_TARGETS += test-filterparity
