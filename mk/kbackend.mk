# libpfring's test suite on the kernel module backend (PF_RING_BACKEND=kmod),
# inside the qemu VM of kmod/vm-test.sh (Debian 6.1 kernel, TCG), plus the
# CPU-per-packet comparison kmod vs AF_PACKET (pfcount, same traffic) in a
# second boot under qemu -icount (kmod/libpfring-suite/perf.sh).
#   make test-kbackend                 6.1 (KBACKEND_FLAVORS="6.1 6.12" for both)
KBACKEND_FLAVORS ?= 6.1

test-kbackend:
	@for f in $(KBACKEND_FLAVORS); do KFLAVOR=$$f KB_PERF=1 bash kmod/libpfring-suite/run.sh || exit 1; done

.PHONY: test-kbackend
TEST_TARGETS += test-kbackend
