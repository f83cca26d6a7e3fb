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

TEST_TARGETS += test-kmod
