#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
/* usage: cbench DUMP ITER < "n insns" line ; runs bpf_filter on DLT 1 packets */
static int hexv(char c) { return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10; }
int main(int argc, char **argv) {
	FILE *f = fopen(argv[1], "r"); int iter = atoi(argv[2]);
	static char line[1<<20]; static unsigned char *data[20000]; static unsigned cl[20000], wl[20000]; int n = 0;
	while (fgets(line, sizeof line, f) && n < 20000) {
		int dlt; unsigned w; char *p = line; dlt = strtol(p, &p, 10); w = strtoul(p, &p, 10); while (*p == ' ') p++;
		if (dlt != 1) continue;
		size_t L = strcspn(p, "\n") / 2; data[n] = malloc(L + 1); for (size_t i = 0; i < L; i++) data[n][i] = hexv(p[2*i]) << 4 | hexv(p[2*i+1]);
		cl[n] = L; wl[n] = w; n++;
	}
	struct bpf_insn prog[4096]; int m; char *p = fgets(line, sizeof line, stdin); m = strtol(p, &p, 10);
	for (int i = 0; i < m; i++) { prog[i].code = strtoul(p,&p,10); prog[i].jt = strtoul(p,&p,10); prog[i].jf = strtoul(p,&p,10); prog[i].k = strtoul(p,&p,10); }
	unsigned long acc = 0;
	for (int it = 0; it < iter; it++) for (int i = 0; i < n; i++) acc += bpf_filter(prog, data[i], wl[i], cl[i]) != 0;
	printf("%d packets, accepted %lu\n", n, acc);
	return 0;
}
