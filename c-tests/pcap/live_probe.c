/* Live-handle API semantics, printed for comparison between libraries:
 * pcap_create, pcap_set_* and pcap_activate rules, defaults, datalinks,
 * non-blocking mode, breakloop, statistics, direction, open_live errors.
 * (Blocking reads on an idle device never return with libpcap 1.10.3's
 * TPACKET_V3 rings, whatever the timeout or immediate mode: not probed.)
 * usage: live_probe IFNAME   (an idle interface: no traffic expected) */
#include <pcap/pcap.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
	char eb[PCAP_ERRBUF_SIZE];
	pcap_t *p;
	struct pcap_pkthdr *h;
	const u_char *d;
	struct pcap_stat st;
	int *dl, r, n;

	if (argc != 2)
		return 2;
	setvbuf(stdout, NULL, _IONBF, 0);
	eb[0] = 0;
	p = pcap_create(argv[1], eb);
	printf("create=%s [%s]\n", p ? "ok" : "NULL", eb);
	printf("datalink=%d snapshot=%d fileno=%d selfd=%d prec=%d\n", pcap_datalink(p), pcap_snapshot(p),
	    pcap_fileno(p), pcap_get_selectable_fd(p), pcap_get_tstamp_precision(p));
	printf("loop=%d [%s]\n", pcap_loop(p, 1, NULL, NULL), pcap_geterr(p));
	printf("next_ex=%d [%s]\n", pcap_next_ex(p, &h, &d), pcap_geterr(p));
	printf("stats=%d\n", pcap_stats(p, &st));
	printf("list_datalinks=%d\n", pcap_list_datalinks(p, &dl));
	printf("can_set_rfmon=%d\n", pcap_can_set_rfmon(p));
	printf("set_tstamp_type(0)=%d (3)=%d (99)=%d\n", pcap_set_tstamp_type(p, 0), pcap_set_tstamp_type(p, 3),
	    pcap_set_tstamp_type(p, 99));
	printf("set_tstamp_precision(5)=%d (1)=%d\n", pcap_set_tstamp_precision(p, 5), pcap_set_tstamp_precision(p, 1));
	printf("set_buffer_size(0)=%d set_snaplen=%d set_timeout=%d set_promisc=%d set_immediate=%d\n",
	    pcap_set_buffer_size(p, 0), pcap_set_snaplen(p, 100), pcap_set_timeout(p, 200),
	    pcap_set_promisc(p, 1), pcap_set_immediate_mode(p, 0));
	eb[0] = 0;
	printf("getnonblock=%d [%s]\n", pcap_getnonblock(p, eb), eb);
	r = pcap_activate(p);
	printf("activate=%d [%s]\n", r, r ? pcap_geterr(p) : "");
	printf("datalink=%d snapshot=%d fileno>=0:%d selfd==fileno:%d prec=%d\n", pcap_datalink(p), pcap_snapshot(p),
	    pcap_fileno(p) >= 0, pcap_get_selectable_fd(p) == pcap_fileno(p), pcap_get_tstamp_precision(p));
	n = pcap_list_datalinks(p, &dl);
	printf("list_datalinks=%d:", n);
	for (int i = 0; i < n; i++)
		printf(" %d", dl[i]);
	printf("\n");
	if (n > 0)
		pcap_free_datalinks(dl);
	printf("set_datalink(143)=%d now=%d\n", pcap_set_datalink(p, 143), pcap_datalink(p));
	printf("set_datalink(1)=%d now=%d\n", pcap_set_datalink(p, 1), pcap_datalink(p));
	printf("set_datalink(105)=%d [%s]\n", pcap_set_datalink(p, 105), pcap_geterr(p));
	printf("activate again=%d [%s]\n", pcap_activate(p), pcap_geterr(p));
	printf("set_snaplen after=%d [%s]\n", pcap_set_snaplen(p, 5), pcap_geterr(p));
	eb[0] = 0;
	printf("setnonblock(1)=%d [%s]\n", pcap_setnonblock(p, 1, eb), eb);
	printf("getnonblock=%d\n", pcap_getnonblock(p, eb));
	printf("dispatch nonblock=%d\n", pcap_dispatch(p, -1, NULL, NULL));
	printf("next nonblock=%s\n", pcap_next(p, (struct pcap_pkthdr *)&st) ? "data" : "NULL");
	printf("setdirection(in)=%d (out)=%d (inout)=%d\n", pcap_setdirection(p, PCAP_D_IN),
	    pcap_setdirection(p, PCAP_D_OUT), pcap_setdirection(p, PCAP_D_INOUT));
	memset(&st, 0xff, sizeof st);
	r = pcap_stats(p, &st);
	printf("stats=%d recv=%u drop=%u ifdrop=%u\n", r, st.ps_recv, st.ps_drop, st.ps_ifdrop);
	pcap_breakloop(p);
	printf("next_ex after breakloop (non-blocking, idle)=%d\n", pcap_next_ex(p, &h, &d));
	eb[0] = 0;
	printf("setnonblock(0)=%d\n", pcap_setnonblock(p, 0, eb));
	pcap_breakloop(p);
	printf("next_ex after breakloop (blocking)=%d\n", pcap_next_ex(p, &h, &d));
	{
		u_char frame[60];
		memset(frame, 0xff, 6);
		memcpy(frame + 6, "\x02\x00\x5e\x00\x53\x02", 6);
		frame[12] = 0x88;
		frame[13] = 0xb5;
		memset(frame + 14, 0x5a, sizeof frame - 14);
		printf("inject=%d sendpacket=%d\n", pcap_inject(p, frame, sizeof frame),
		    pcap_sendpacket(p, frame, (int)sizeof frame));
	}
	pcap_close(p);

	p = pcap_create(argv[1], eb);
	printf("set_rfmon=%d\n", pcap_set_rfmon(p, 1));
	r = pcap_activate(p);
	printf("activate(rfmon)=%d [%s] datalink=%d\n", r, pcap_geterr(p), pcap_datalink(p));
	pcap_close(p);

	eb[0] = 0;
	p = pcap_open_live("nosuchdev0", 100, 1, 10, eb);
	printf("open_live(nosuchdev0)=%s [%s]\n", p ? "handle" : "NULL", eb);
	eb[0] = 0;
	p = pcap_create("nosuchdev0", eb);
	r = pcap_activate(p);
	printf("create+activate(nosuchdev0)=%d [%s]\n", r, pcap_geterr(p));
	printf("datalink after failed activate=%d\n", pcap_datalink(p));
	pcap_close(p);
	eb[0] = 0;
	p = pcap_open_live(argv[1], 0, 0, 100, eb);
	printf("open_live(snaplen 0)=%s [%s] snapshot=%d\n", p ? "handle" : "NULL", eb, p ? pcap_snapshot(p) : -1);
	if (p)
		pcap_close(p);
	return 0;
}
