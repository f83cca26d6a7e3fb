/* Filter compile oracle. stdin lines: DLT<TAB>SNAPLEN<TAB>NETMASK<TAB>OPT<TAB>EXPR
 * (NETMASK: dotted quad, hex, or "-" for PCAP_NETMASK_UNKNOWN).
 * stdout, one line each: OK<TAB>n<TAB>code jt jf k,code jt jf k,...  or  ERR<TAB>message
 * Linked with -lpcap: the system library, or the shim via LD_LIBRARY_PATH. */
#include <pcap/pcap.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(void)
{
	static char line[1 << 17];
	while (fgets(line, sizeof line, stdin)) {
		size_t l = strlen(line);
		if (l && line[l - 1] == '\n') line[--l] = 0;
		char *f[5];
		char *p = line;
		int i;
		for (i = 0; i < 4; i++) {
			f[i] = p;
			p = strchr(p, '\t');
			if (!p) break;
			*p++ = 0;
		}
		if (i < 4) { puts("BADLINE"); continue; }
		f[4] = p;
		int dlt = atoi(f[0]), snap = atoi(f[1]), opt = atoi(f[3]);
		/* DLT field "live:IFACE" = a live capture handle (special VLAN
		 * handling etc.), "file:PATH" = a savefile handle */
		char eb[PCAP_ERRBUF_SIZE];
		bpf_u_int32 mask = PCAP_NETMASK_UNKNOWN;
		if (strcmp(f[2], "-") != 0) {
			struct in_addr a;
			if (inet_aton(f[2], &a)) mask = a.s_addr;
		}
		pcap_t *pd;
		if (strncmp(f[0], "live:", 5) == 0) {
			pd = pcap_create(f[0] + 5, eb);
			if (pd && pcap_activate(pd) < 0) { pcap_close(pd); pd = NULL; }
		} else if (strncmp(f[0], "file:", 5) == 0) {
			pd = pcap_open_offline(f[0] + 5, eb);
		} else
			pd = pcap_open_dead(dlt, snap);
		if (!pd) { puts("ERR\tpcap_open_dead failed"); continue; }
		struct bpf_program prog;
		if (pcap_compile(pd, &prog, f[4], opt, mask) < 0) {
			/* messages may end in a newline (decnet): print it as \n */
			fputs("ERR\t", stdout);
			for (const char *c = pcap_geterr(pd); *c; c++) {
				if (*c == '\n') fputs("\\n", stdout);
				else putchar(*c);
			}
			putchar('\n');
		} else {
			printf("OK\t%u\t", prog.bf_len);
			for (unsigned j = 0; j < prog.bf_len; j++)
				printf("%s%u %u %u %u", j ? "," : "", prog.bf_insns[j].code,
				       prog.bf_insns[j].jt, prog.bf_insns[j].jf, prog.bf_insns[j].k);
			putchar('\n');
			pcap_freecode(&prog);
		}
		pcap_close(pd);
		fflush(stdout);
	}
	return 0;
}
