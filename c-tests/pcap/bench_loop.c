/* Offline benchmark helper. "gen N FILE" writes N 64-byte Ethernet records;
 * "loop FILE" runs pcap_loop over FILE with a callback that only counts. */
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned long n, bytes;

static void cb(u_char *u, const struct pcap_pkthdr *h, const u_char *d)
{
	(void)u;
	(void)d;
	n++;
	bytes += h->caplen;
}

int main(int argc, char **argv)
{
	char eb[PCAP_ERRBUF_SIZE];

	if (argc == 4 && strcmp(argv[1], "gen") == 0) {
		long cnt = atol(argv[2]);
		FILE *f = fopen(argv[3], "wb");
		uint32_t h[6] = { 0xa1b2c3d4, 0x00040002, 0, 0, 65535, 1 };
		unsigned char pkt[64];
		if (!f)
			return 1;
		fwrite(h, sizeof h, 1, f);
		memset(pkt, 0xab, sizeof pkt);
		for (long i = 0; i < cnt; i++) {
			uint32_t r[4] = { (uint32_t)(i / 1000000), (uint32_t)(i % 1000000), 64, 64 };
			fwrite(r, sizeof r, 1, f);
			fwrite(pkt, sizeof pkt, 1, f);
		}
		return fclose(f) != 0;
	}
	if (argc == 3 && strcmp(argv[1], "loop") == 0) {
		pcap_t *p = pcap_open_offline(argv[2], eb);
		if (!p) {
			fprintf(stderr, "%s\n", eb);
			return 1;
		}
		if (pcap_loop(p, -1, cb, NULL) != 0)
			return 1;
		printf("%lu packets %lu bytes\n", n, bytes);
		pcap_close(p);
		return 0;
	}
	fprintf(stderr, "usage: bench_loop gen N FILE | loop FILE\n");
	return 2;
}
