/* Shim-only checks: NULL, garbage and already-closed handles must give
 * libpcap's failure values (Debian's libpcap crashes on most of these, so
 * this is not a differential test). Exits non-zero on the first mismatch. */
#include <pcap/pcap.h>
#include <pcap/namedb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fails;
#define EXPECT_INT(expr, want) do { long v_ = (long)(expr); if (v_ != (long)(want)) { \
	printf("FAIL %s = %ld, want %ld\n", #expr, v_, (long)(want)); fails++; } else n++; } while (0)
#define EXPECT_NULL(expr) do { if ((expr) != NULL) { printf("FAIL %s != NULL\n", #expr); fails++; } else n++; } while (0)

static void cb(u_char *u, const struct pcap_pkthdr *h, const u_char *d) { (void)u; (void)h; (void)d; }

static int check(pcap_t *p, const char *what)
{
	int n = 0;
	char eb[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *hp, h;
	const u_char *d;
	struct pcap_stat st;
	struct bpf_program prog = { 0, NULL };
	int *list;

	EXPECT_INT(pcap_datalink(p), PCAP_ERROR);
	EXPECT_INT(pcap_snapshot(p), PCAP_ERROR);
	EXPECT_INT(pcap_is_swapped(p), PCAP_ERROR);
	EXPECT_INT(pcap_major_version(p), PCAP_ERROR);
	EXPECT_INT(pcap_minor_version(p), PCAP_ERROR);
	EXPECT_INT(pcap_datalink_ext(p), PCAP_ERROR);
	EXPECT_INT(pcap_bufsize(p), PCAP_ERROR);
	EXPECT_INT(pcap_fileno(p), PCAP_ERROR);
	EXPECT_INT(pcap_get_selectable_fd(p), PCAP_ERROR);
	EXPECT_INT(pcap_get_tstamp_precision(p), PCAP_ERROR);
	EXPECT_NULL(pcap_file(p));
	EXPECT_NULL(pcap_get_required_select_timeout(p));
	EXPECT_INT(pcap_loop(p, 1, cb, NULL), PCAP_ERROR);
	EXPECT_INT(pcap_dispatch(p, 1, cb, NULL), PCAP_ERROR);
	EXPECT_INT(pcap_next_ex(p, &hp, &d), PCAP_ERROR);
	EXPECT_NULL(pcap_next(p, &h));
	EXPECT_INT(pcap_stats(p, &st), PCAP_ERROR);
	EXPECT_INT(pcap_inject(p, "x", 1), PCAP_ERROR);
	EXPECT_INT(pcap_sendpacket(p, (const u_char *)"x", 1), PCAP_ERROR);
	EXPECT_INT(pcap_setdirection(p, PCAP_D_IN), PCAP_ERROR);
	EXPECT_INT(pcap_getnonblock(p, eb), PCAP_ERROR);
	EXPECT_INT(pcap_setnonblock(p, 1, eb), PCAP_ERROR);
	EXPECT_INT(pcap_list_datalinks(p, &list), PCAP_ERROR);
	EXPECT_INT(pcap_list_tstamp_types(p, &list), PCAP_ERROR);
	EXPECT_INT(pcap_set_datalink(p, 1), PCAP_ERROR);
	EXPECT_INT(pcap_compile(p, &prog, "", 1, 0), PCAP_ERROR);
	EXPECT_INT(pcap_setfilter(p, &prog), PCAP_ERROR);
	EXPECT_INT(pcap_set_snaplen(p, 1), PCAP_ERROR);
	EXPECT_INT(pcap_set_promisc(p, 1), PCAP_ERROR);
	EXPECT_INT(pcap_set_rfmon(p, 1), PCAP_ERROR);
	EXPECT_INT(pcap_set_timeout(p, 1), PCAP_ERROR);
	EXPECT_INT(pcap_set_buffer_size(p, 1), PCAP_ERROR);
	EXPECT_INT(pcap_set_immediate_mode(p, 1), PCAP_ERROR);
	EXPECT_INT(pcap_set_tstamp_type(p, 0), PCAP_ERROR);
	EXPECT_INT(pcap_set_tstamp_precision(p, 0), PCAP_ERROR);
	EXPECT_INT(pcap_set_protocol_linux(p, 0), PCAP_ERROR);
	EXPECT_INT(pcap_can_set_rfmon(p), PCAP_ERROR);
	EXPECT_INT(pcap_activate(p), PCAP_ERROR);
	EXPECT_NULL(pcap_dump_open(p, "/dev/null"));
	EXPECT_NULL(pcap_dump_open_append(p, "/dev/null"));
	EXPECT_NULL(pcap_dump_fopen(p, stdout));
	if (strlen(pcap_geterr(p)) == 0) { printf("FAIL pcap_geterr empty\n"); fails++; } else n++;
	pcap_perror(p, "badinput");
	pcap_breakloop(NULL);
	pcap_breakloop(p);
	pcap_close(p);
	printf("%s: %d checks\n", what, n);
	return n;
}

int main(void)
{
	char eb[PCAP_ERRBUF_SIZE];
	long garbage[64];
	pcap_t *closed;
	int n = 0;
	struct bpf_program prog = { 0, NULL };
	struct pcap_pkthdr h = { { 0, 0 }, 4, 4 };

	memset(garbage, 0x5a, sizeof garbage);
	n += check(NULL, "NULL handle");
	n += check((pcap_t *)garbage, "garbage handle");
	closed = pcap_open_dead(DLT_EN10MB, 100);
	pcap_close(closed);
	n += check(closed, "closed handle");

	/* Other NULL arguments */
	EXPECT_NULL(pcap_open_offline(NULL, eb));
	EXPECT_INT(strcmp(eb, "A null pointer was supplied as the file name"), 0);
	EXPECT_NULL(pcap_fopen_offline(NULL, eb));
	EXPECT_INT(pcap_dump_flush(NULL), -1);
	EXPECT_INT(pcap_dump_ftell(NULL), -1);
	EXPECT_INT(pcap_dump_ftell64(NULL), -1);
	pcap_dump_close(NULL);
	pcap_dump(NULL, &h, (const u_char *)"abcd");
	pcap_freecode(NULL);
	pcap_freecode(&prog);
	EXPECT_INT(pcap_offline_filter(NULL, &h, (const u_char *)"abcd"), 0);
	EXPECT_INT(pcap_offline_filter(&prog, &h, (const u_char *)"abcd"), 0);
	EXPECT_INT(bpf_filter(NULL, (const u_char *)"abcd", 4, 4), (u_int)-1);
	EXPECT_INT(bpf_validate(NULL, 1), 0);
	EXPECT_NULL(bpf_image(NULL, 0));
	bpf_dump(NULL, 1);
	EXPECT_INT(pcap_datalink_name_to_val(NULL), -1);
	EXPECT_INT(pcap_tstamp_type_name_to_val(NULL), -1);
	EXPECT_NULL(pcap_ether_aton(NULL));
	EXPECT_NULL(pcap_ether_hostton(NULL));
	EXPECT_NULL(pcap_next_etherent(NULL));
	EXPECT_NULL(pcap_nametoaddr(NULL));
	EXPECT_NULL(pcap_nametoaddrinfo(NULL));
	EXPECT_INT(pcap_nametonetaddr(NULL), 0);
	EXPECT_INT(pcap_nametoport(NULL, NULL, NULL), 0);
	EXPECT_INT(pcap_nametoportrange(NULL, NULL, NULL, NULL), 0);
	EXPECT_INT(pcap_nametoproto(NULL), PROTO_UNDEF);
	EXPECT_INT(pcap_nametoeproto(NULL), PROTO_UNDEF);
	EXPECT_INT(pcap_nametollc(NULL), PROTO_UNDEF);
	EXPECT_INT(pcap_lookupnet("lo", NULL, NULL, eb), -1);
	{
		pcap_t *dead = pcap_open_dead(DLT_EN10MB, 100);
		EXPECT_INT(pcap_set_cluster(dead, 7), -1);
		EXPECT_INT(strcmp(pcap_geterr(dead), "PF_RING clusters apply to live captures only"), 0);
		EXPECT_INT(pcap_set_cluster(dead, 0), -1);
		pcap_close(dead);
		EXPECT_INT(pcap_set_cluster(NULL, 7), -1);
		dead = pcap_create("lo", eb);
		EXPECT_INT(pcap_set_cluster(dead, 9), 0);
		pcap_close(dead);
	}
	{
		/* handle churn: registry slots are reused, closed handles refused */
		pcap_t *keep[100], *last = NULL;
		for (int i = 0; i < 20000; i++) {
			last = pcap_open_dead(DLT_EN10MB, 100 + i % 7);
			if (!last) break;
			pcap_close(last);
		}
		EXPECT_INT(last != NULL, 1);
		EXPECT_INT(pcap_datalink(last), PCAP_ERROR);
		for (int i = 0; i < 100; i++)
			keep[i] = pcap_open_dead(DLT_RAW, i + 1);
		for (int i = 0; i < 100; i++)
			EXPECT_INT(pcap_snapshot(keep[i]), i + 1);
		for (int i = 0; i < 100; i++)
			pcap_close(keep[i]);
		EXPECT_INT(pcap_snapshot(keep[50]), PCAP_ERROR);
	}
	pcap_free_datalinks(NULL);
	pcap_free_tstamp_types(NULL);
	pcap_freealldevs(NULL);
	printf("handles and other arguments: %d checks in all\n", n);
	if (fails) {
		printf("badinput: %d failures\n", fails);
		return 1;
	}
	printf("badinput: all %d checks passed\n", n);
	return 0;
}
