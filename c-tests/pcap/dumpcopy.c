/* Copies a savefile through pcap_loop + pcap_dump (pcap_dump_open), then
 * appends the same records again with pcap_dump_open_append, so the writer's
 * bytes can be compared between two libraries.
 * usage: dumpcopy IN OUT nano(0|1) */
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
	char eb[PCAP_ERRBUF_SIZE];
	pcap_t *p;
	pcap_dumper_t *d;
	int r;

	if (argc != 4)
		return 2;
	for (int pass = 0; pass < 2; pass++) {
		p = pcap_open_offline_with_tstamp_precision(argv[1], (u_int)atoi(argv[3]), eb);
		if (!p) {
			printf("open: %s\n", eb);
			return 0;
		}
		d = pass ? pcap_dump_open_append(p, argv[2]) : pcap_dump_open(p, argv[2]);
		if (!d) {
			printf("dump_open(pass %d): %s\n", pass, pcap_geterr(p));
			pcap_close(p);
			return 0;
		}
		r = pcap_loop(p, -1, pcap_dump, (u_char *)d);
		printf("pass %d: loop=%d ftell=%ld ftell64=%lld flush=%d\n", pass, r,
		    pcap_dump_ftell(d), (long long)pcap_dump_ftell64(d), pcap_dump_flush(d));
		if (r < 0)
			printf("  error: %s\n", pcap_geterr(p));
		pcap_dump_close(d);
		pcap_close(p);
	}
	return 0;
}
