# libpcap.so.0.8 shim (pcap-shim/): staging of the library, headers and
# pkg-config file, and its tests (export list, C API differential tests
# against Debian's libpcap, tcpdump 4.99.3 suite through the shim).
STAGE_TARGETS += stage-shim
TEST_TARGETS  += test-shim test-shim-fuzz
BENCH_TARGETS += bench-shim

.PHONY: stage-shim test-shim test-shim-fuzz bench-shim

stage-shim:
	mkdir -p $(BUILD)/lib/pkgconfig $(BUILD)/include/pcap
	rm -f $(BUILD)/lib/libpcap.so $(BUILD)/lib/libpcap.so.0.8
	install -m 0755 $(REL)/libpcap.so $(BUILD)/lib/libpcap.so.0.8
	bash pcap-shim/scripts/fix-soname.sh $(BUILD)/lib/libpcap.so.0.8
	ln -sf libpcap.so.0.8 $(BUILD)/lib/libpcap.so
	install -m 0644 include/pcap.h include/pcap-bpf.h include/pcap-namedb.h $(BUILD)/include/
	install -m 0644 include/pcap/*.h $(BUILD)/include/pcap/
	sed -e 's#@PREFIX@#$(abspath $(BUILD))#' pcap-shim/libpcap.pc.in > $(BUILD)/lib/pkgconfig/libpcap.pc

test-shim: stage
	bash pcap-shim/scripts/check-exports.sh $(BUILD)/lib/libpcap.so.0.8
	bash c-tests/pcap/run.sh $(abspath $(BUILD))
	SHIM_CRATE_TARGET_DIR=$(abspath $(TARGET_DIR))/pcap-crate-tests bash pcap-shim/scripts/crate-tests.sh $(BUILD)/lib
	SHIM_MATRIX=20 bash pcap-shim/scripts/tcpdump-suite.sh $(BUILD)/lib

# Savefile reader fuzz target (pcap-shim/fuzz), short smoke run (nightly).
test-shim-fuzz:
	SHIM_FUZZ_SECONDS=30 bash pcap-shim/scripts/fuzz-smoke.sh

# Offline pcap_loop: callgrind instructions per packet and wall time, Debian's
# libpcap and the shim side by side (10M records; SHIM_BENCH_PACKETS=N).
bench-shim: stage
	bash pcap-shim/scripts/bench-offline.sh $(BUILD)/lib $${SHIM_BENCH_PACKETS:-10000000}
