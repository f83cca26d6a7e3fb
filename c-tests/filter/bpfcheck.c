/* Interpreter/validator/image oracle: reads lines
 *   N c jt jf k ... | hexpacket | wirelen
 * and prints "V<valid> R<bpf_filter result>" followed by bpf_image lines.
 * Runs the SYSTEM libpcap (or whatever LD_LIBRARY_PATH selects). */
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(void)
{
	static char line[1 << 20];
	setvbuf(stdout, NULL, _IOLBF, 0);
	static struct bpf_insn prog[4096];
	static unsigned char pkt[65536];
	while (fgets(line, sizeof line, stdin)) {
		char *p = line, *end;
		unsigned n = strtoul(p, &end, 10), i;
		if (n == 0 || n > 4096) { puts("SKIP"); continue; }
		p = end;
		for (i = 0; i < n; i++) {
			prog[i].code = (unsigned short)strtoul(p, &p, 10);
			prog[i].jt = (unsigned char)strtoul(p, &p, 10);
			prog[i].jf = (unsigned char)strtoul(p, &p, 10);
			prog[i].k = (unsigned)strtoul(p, &p, 10);
		}
		while (*p == ' ') p++;
		if (*p == '|') p++;
		while (*p == ' ') p++;
		size_t len = 0;
		while (p[0] && p[1] && p[0] != ' ' && p[0] != '|' && len < sizeof pkt) {
			unsigned b; sscanf(p, "%2x", &b); pkt[len++] = b; p += 2;
		}
		while (*p == ' ' || *p == '|') p++;
		unsigned wl = strtoul(p, NULL, 10);
		int v = bpf_validate(prog, n);
		/* only run validated programs: libpcap aborts/UB on others */
		printf("V%d", v);
		int known = 1;
		for (i = 0; i < n; i++)
			if (strstr(bpf_image(&prog[i], i), "unimp")) known = 0;
		/* libpcap's bpf_filter aborts on unknown opcodes */
		if (v && known) printf(" R%u", bpf_filter(prog, pkt, wl, len));
		putchar('\n');
		for (i = 0; i < n; i++) puts(bpf_image(&prog[i], i));
	}
	return 0;
}
