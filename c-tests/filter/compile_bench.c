/* Compile-time benchmark: pcap_compile (optimized, DLT_EN10MB, snaplen
 * 262144) of every expression line of stdin, ITER times; count the
 * instructions of pcap_compile with callgrind --toggle-collect=pcap_compile.
 * usage: compile_bench ITER < expressions */
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv) {
	int iter = argc > 1 ? atoi(argv[1]) : 1;
	static char buf[1 << 16];
	char *exprs[256];
	int n = 0;
	while (n < 256 && fgets(buf, sizeof buf, stdin)) {
		buf[strcspn(buf, "\n")] = 0;
		if (!buf[0]) continue;
		exprs[n++] = strdup(buf);
	}
	pcap_t *p = pcap_open_dead(DLT_EN10MB, 262144);
	unsigned long insns = 0;
	int fails = 0;
	for (int it = 0; it < iter; it++)
		for (int i = 0; i < n; i++) {
			struct bpf_program prog;
			if (pcap_compile(p, &prog, exprs[i], 1, PCAP_NETMASK_UNKNOWN) < 0) {
				fails++;
				continue;
			}
			insns += prog.bf_len;
			pcap_freecode(&prog);
		}
	printf("%d expressions x %d: %lu instructions, %d failures\n", n, iter, insns, fails);
	pcap_close(p);
	return 0;
}
