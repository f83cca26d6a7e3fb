# Kernel ring module (kmod/): build check and the qemu VM test.
#   make kmod        fetch Debian headers, build pf_ring.ko + dummy_plugin.ko (-Werror), check vermagic
#   make test-kmod   build + boot the Debian kernel(s) in qemu (TCG) and run the in-guest tests
# KMOD_FLAVORS selects the kernels (6.1 = bookworm, 6.12 = bookworm-backports).
KMOD_FLAVORS ?= 6.1 6.12

kmod:
	@for f in $(KMOD_FLAVORS); do KFLAVOR=$$f KMOD_SKIP_VM=1 bash kmod/vm-test.sh || exit 1; done

# The CPU-per-packet boot (qemu -icount) runs for the first flavour only.
test-kmod:
	@perf=1; for f in $(KMOD_FLAVORS); do KFLAVOR=$$f KMOD_PERF=$${KMOD_PERF:-$$perf} bash kmod/vm-test.sh || exit 1; perf=0; done

# Harness self-test (not part of make test): a module built to oops on the
# 5th queued frame must make the VM run fail, quickly, with the trace shown.
test-kmod-selftest:
	@mkdir -p $(or $(WORK),work/kmod)
	@if KMOD_PERF=0 KMOD_KCFLAGS=-DPF_RING_SELFTEST_OOPS bash kmod/vm-test.sh > $(or $(WORK),work/kmod)/selftest.log 2>&1; then \
	  echo "kmod self-test: the oopsing module PASSED: the harness is broken"; exit 1; fi
	@grep -q 'BUG: kernel NULL pointer dereference' $(or $(WORK),work/kmod)/selftest.log && \
	  echo "kmod self-test: oopsing module detected, run failed as it must"

.PHONY: test-kmod-selftest
TEST_TARGETS += test-kmod
