/* Reads savefiles through the public API and prints everything observable:
 * header accessors, every record (time stamp, lengths, a hash of the bytes)
 * and the final status and error text. Run against two libraries and diff.
 * usage: readall [-s] FILE...   (-s: also read each file via stdin "-") */
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static unsigned long hash(const u_char *d, unsigned n)
{
	unsigned long h = 1469598103934665603UL;
	for (unsigned i = 0; i < n; i++)
		h = (h ^ d[i]) * 1099511628211UL;
	return h;
}

static void dump_handle(pcap_t *p, const char *how)
{
	struct pcap_pkthdr *h;
	const u_char *d;
	int r, n = 0;

	printf("%s: dlt=%d ext=0x%x snap=%d swapped=%d ver=%d.%d prec=%d\n", how,
	    pcap_datalink(p), pcap_datalink_ext(p), pcap_snapshot(p),
	    pcap_is_swapped(p), pcap_major_version(p), pcap_minor_version(p),
	    pcap_get_tstamp_precision(p));
	while ((r = pcap_next_ex(p, &h, &d)) == 1) {
		printf("  %d %ld.%09ld %u %u %016lx\n", n++, (long)h->ts.tv_sec,
		    (long)h->ts.tv_usec, h->caplen, h->len, hash(d, h->caplen));
	}
	printf("  end %d [%s]\n", r, r == -1 ? pcap_geterr(p) : "");
}

int main(int argc, char **argv)
{
	char eb[PCAP_ERRBUF_SIZE];
	int use_stdin = 0;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-s") == 0) {
			use_stdin = 1;
			continue;
		}
		printf("== %s\n", strrchr(argv[i], '/') ? strrchr(argv[i], '/') + 1 : argv[i]);
		for (unsigned prec = 0; prec < 2; prec++) {
			pcap_t *p;
			eb[0] = 0;
			p = pcap_open_offline_with_tstamp_precision(argv[i], prec, eb);
			if (!p) {
				printf("open(prec %u): NULL [%s]\n", prec, eb);
				continue;
			}
			dump_handle(p, prec ? "nano" : "micro");
			pcap_close(p);
		}
		{
			FILE *f = fopen(argv[i], "rb");
			pcap_t *p;
			if (f) {
				eb[0] = 0;
				p = pcap_fopen_offline(f, eb);
				if (p) {
					dump_handle(p, "fopen");
					pcap_close(p);
				} else {
					printf("fopen_offline: NULL [%s]\n", eb);
					fclose(f);
				}
			}
		}
		if (use_stdin) {
			/* "-" reads standard input: point it at the file. */
			FILE *f = freopen(argv[i], "rb", stdin);
			if (f) {
				pcap_t *p;
				eb[0] = 0;
				p = pcap_open_offline("-", eb);
				if (p) {
					dump_handle(p, "stdin");
					pcap_close(p);
				} else
					printf("stdin: NULL [%s]\n", eb);
			}
		}
		fflush(stdout);
	}
	return 0;
}
