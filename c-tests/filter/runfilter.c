/* Runs programs with the SYSTEM bpf_filter over every packet of the given
 * capture files. Usage: runfilter FILE...  stdin lines: DLT<TAB>n<TAB>insns
 * (insns as printed by compile.c). For each line prints
 *   <packets of that DLT><TAB><accepted><TAB><fnv1a hash of all return values>
 * Packets are grouped by the capture's link type. */
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct pkt { int dlt; unsigned caplen, len; unsigned char *data; };
static struct pkt *pkts;
static size_t npkts, cap;

int main(int argc, char **argv)
{
	char eb[PCAP_ERRBUF_SIZE];
	for (int a = 1; a < argc; a++) {
		pcap_t *p = pcap_open_offline(argv[a], eb);
		if (!p) continue;
		int dlt = pcap_datalink(p);
		struct pcap_pkthdr *h;
		const u_char *d;
		int r;
		while ((r = pcap_next_ex(p, &h, &d)) == 1) {
			if (npkts == cap) {
				cap = cap ? cap * 2 : 1024;
				pkts = realloc(pkts, cap * sizeof *pkts);
			}
			pkts[npkts].dlt = dlt;
			pkts[npkts].caplen = h->caplen;
			pkts[npkts].len = h->len;
			pkts[npkts].data = malloc(h->caplen ? h->caplen : 1);
			memcpy(pkts[npkts].data, d, h->caplen);
			npkts++;
		}
		pcap_close(p);
	}
	/* RUNFILTER_DUMP=FILE: write the loaded packets as text
	 * "DLT WIRELEN HEX" lines, for runprog (our interpreter) */
	const char *dump = getenv("RUNFILTER_DUMP");
	if (dump) {
		FILE *df = fopen(dump, "w");
		if (!df) return 1;
		for (size_t i = 0; i < npkts; i++) {
			fprintf(df, "%d %u ", pkts[i].dlt, pkts[i].len);
			for (unsigned j = 0; j < pkts[i].caplen; j++)
				fprintf(df, "%02x", pkts[i].data[j]);
			fputc('\n', df);
		}
		fclose(df);
	}
	static char line[1 << 20];
	static struct bpf_insn prog[1 << 16];
	while (fgets(line, sizeof line, stdin)) {
		char *p = line;
		int dlt = strtol(p, &p, 10);
		/* the DLT field may be a handle spec ("live:lo"): skip to the tab */
		char *tab = strchr(line, '\t');
		if (tab) p = tab + 1;
		unsigned n = strtoul(p, &p, 10);
		if (n > (1 << 16)) n = 0;
		for (unsigned i = 0; i < n; i++) {
			while (*p == ',' || *p == ' ' || *p == '\t') p++;
			prog[i].code = strtoul(p, &p, 10);
			prog[i].jt = strtoul(p, &p, 10);
			prog[i].jf = strtoul(p, &p, 10);
			prog[i].k = strtoul(p, &p, 10);
		}
		unsigned long long hash = 1469598103934665603ULL;
		unsigned tot = 0, acc = 0;
		if (n == 0 || !bpf_validate(prog, n)) { printf("INVALID\n"); continue; }
		for (size_t i = 0; i < npkts; i++) {
			if (pkts[i].dlt != dlt) continue;
			unsigned r = bpf_filter(prog, pkts[i].data, pkts[i].len, pkts[i].caplen);
			if (getenv("RUNFILTER_VERBOSE"))
				printf("pkt %zu caplen %u len %u -> %u\n", i, pkts[i].caplen, pkts[i].len, r);
			tot++;
			if (r) acc++;
			for (int b = 0; b < 4; b++) {
				hash ^= (r >> (8 * b)) & 0xff;
				hash *= 1099511628211ULL;
			}
			hash ^= 0x5a; hash *= 1099511628211ULL;
		}
		printf("%u\t%u\t%016llx\n", tot, acc, hash);
		fflush(stdout);
	}
	return 0;
}
