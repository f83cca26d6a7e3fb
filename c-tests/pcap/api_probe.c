/* Differential probe of the libpcap API: prints return values and error
 * texts for a fixed sequence of calls, so that the output of one binary run
 * against Debian's libpcap and against the shim can be compared with diff.
 * Usage: api_probe CAPTURE [NANO-CAPTURE-OUT] */
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int ncb;
static void cb(u_char *u, const struct pcap_pkthdr *h, const u_char *d)
{
	(void)d;
	ncb++;
	if (u && ncb == 2)
		pcap_breakloop((pcap_t *)u);
	printf("  cb %d %ld.%06ld %u %u\n", ncb, (long)h->ts.tv_sec,
	    (long)h->ts.tv_usec, h->caplen, h->len);
}

static void show_eb(const char *what, int r, const char *eb)
{
	printf("%s = %d [%s]\n", what, r, eb);
}

static void dead_probe(int dlt, int snap)
{
	char eb[PCAP_ERRBUF_SIZE];
	pcap_t *p = pcap_open_dead(dlt, snap);
	struct pcap_stat st;
	struct bpf_program prog;
	int *dl = NULL;
	int r;

	printf("dead(%d,%d): datalink=%d snapshot=%d swapped=%d major=%d minor=%d fileno=%d selfd=%d prec=%d\n",
	    dlt, snap, pcap_datalink(p), pcap_snapshot(p), pcap_is_swapped(p),
	    pcap_major_version(p), pcap_minor_version(p), pcap_fileno(p),
	    pcap_get_selectable_fd(p), pcap_get_tstamp_precision(p));
	printf("  stats=%d [%s]\n", pcap_stats(p, &st), pcap_geterr(p));
	printf("  dispatch=%d [%s]\n", pcap_dispatch(p, 1, cb, NULL), pcap_geterr(p));
	printf("  loop=%d [%s]\n", pcap_loop(p, 1, cb, NULL), pcap_geterr(p));
	printf("  inject=%d [%s]\n", pcap_inject(p, "abc", 3), pcap_geterr(p));
	printf("  sendpacket=%d [%s]\n", pcap_sendpacket(p, (const u_char *)"abc", 3), pcap_geterr(p));
	printf("  setdirection=%d [%s]\n", pcap_setdirection(p, PCAP_D_IN), pcap_geterr(p));
	printf("  set_datalink=%d [%s]\n", pcap_set_datalink(p, dlt), pcap_geterr(p));
	printf("  set_datalink(other)=%d [%s]\n", pcap_set_datalink(p, 105), pcap_geterr(p));
	eb[0] = 0;
	printf("  getnonblock=%d [%s]\n", pcap_getnonblock(p, eb), eb);
	eb[0] = 0;
	printf("  setnonblock=%d [%s]\n", pcap_setnonblock(p, 1, eb), eb);
	printf("  list_datalinks=%d", pcap_list_datalinks(p, &dl));
	if (dl) { printf(" first=%d", dl[0]); pcap_free_datalinks(dl); }
	printf(" [%s]\n", pcap_geterr(p));
	if (pcap_compile(p, &prog, NULL, 1, 0) == 0) {
		printf("  compile(NULL)=0 len=%u code=%u k=%u\n", prog.bf_len,
		    prog.bf_insns[0].code, prog.bf_insns[0].k);
		pcap_freecode(&prog);
	} else
		printf("  compile(NULL)=-1 [%s]\n", pcap_geterr(p));
	/* pcap_setfilter on a dead handle crashes in libpcap 1.10.3: not probed */
	r = pcap_compile(p, &prog, "", 0, 0);
	printf("  compile(\"\")=%d\n", r);
	if (r == 0)
		pcap_freecode(&prog);
	r = pcap_compile(p, &prog, "tcp and", 0, 0);
	printf("  compile(\"tcp and\")=%d [%s]\n", r, pcap_geterr(p));
	printf("  set_snaplen=%d set_promisc=%d set_timeout=%d set_buffer=%d set_immediate=%d set_rfmon=%d set_tstype=%d set_prec=%d [%s]\n",
	    pcap_set_snaplen(p, 10), pcap_set_promisc(p, 1), pcap_set_timeout(p, 1),
	    pcap_set_buffer_size(p, 100000), pcap_set_immediate_mode(p, 1), pcap_set_rfmon(p, 1),
	    pcap_set_tstamp_type(p, 0), pcap_set_tstamp_precision(p, 1), pcap_geterr(p));
	printf("  activate=%d [%s]\n", pcap_activate(p), pcap_geterr(p));
	printf("  can_set_rfmon=%d [%s]\n", pcap_can_set_rfmon(p), pcap_geterr(p));
	printf("  bufsize=%d\n", pcap_bufsize(p));
	pcap_close(p);
}

int main(int argc, char **argv)
{
	char eb[PCAP_ERRBUF_SIZE];
	pcap_t *p;
	struct pcap_pkthdr *hp;
	const u_char *data;
	struct pcap_stat st;
	int r, i;

	if (argc < 2) {
		fprintf(stderr, "usage: api_probe CAPTURE [OUT]\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IONBF, 0);
	printf("version=%s\n", pcap_lib_version());
	for (i = -13; i <= 4; i++)
		printf("statustostr(%d)=%s\n", i, pcap_statustostr(i));
	printf("strerror(2)=%s\n", pcap_strerror(2));

	/* open errors */
	eb[0] = 0; p = pcap_open_offline("/nonexistent/x.pcap", eb);
	printf("open(nonexistent)=%s [%s]\n", p ? "handle" : "NULL", eb);
	eb[0] = 0; p = pcap_open_offline(NULL, eb);
	printf("open(NULL)=%s [%s]\n", p ? "handle" : "NULL", eb);
	eb[0] = 0; p = pcap_open_offline("/etc/hostname", eb);
	printf("open(text)=%s [%s]\n", p ? "handle" : "NULL", eb);
	eb[0] = 0; p = pcap_open_offline_with_tstamp_precision(argv[1], 7, eb);
	printf("open(prec 7)=%s [%s]\n", p ? "handle" : "NULL", eb);
	if (p) pcap_close(p);

	/* a savefile handle */
	eb[0] = 0;
	p = pcap_open_offline(argv[1], eb);
	if (!p) { printf("open failed: %s\n", eb); return 1; }
	printf("datalink=%d name=%s desc=%s snapshot=%d swapped=%d major=%d minor=%d fileno=%d prec=%d\n",
	    pcap_datalink(p), pcap_datalink_val_to_name(pcap_datalink(p)),
	    pcap_datalink_val_to_description(pcap_datalink(p)), pcap_snapshot(p),
	    pcap_is_swapped(p), pcap_major_version(p), pcap_minor_version(p),
	    pcap_fileno(p), pcap_get_tstamp_precision(p));
	printf("selfd>=0: %d file!=NULL: %d datalink_ext=%d\n", pcap_get_selectable_fd(p) >= 0,
	    pcap_file(p) != NULL, pcap_datalink_ext(p));
	printf("stats=%d [%s]\n", pcap_stats(p, &st), pcap_geterr(p));
	printf("inject=%d [%s]\n", pcap_inject(p, "abc", 3), pcap_geterr(p));
	printf("setdirection=%d [%s]\n", pcap_setdirection(p, PCAP_D_IN), pcap_geterr(p));
	eb[0] = 0;
	show_eb("getnonblock", pcap_getnonblock(p, eb), eb);
	eb[0] = 0;
	show_eb("setnonblock(1)", pcap_setnonblock(p, 1, eb), eb);
	eb[0] = 0;
	show_eb("setnonblock(0)", pcap_setnonblock(p, 0, eb), eb);
	printf("set_datalink(same)=%d\n", pcap_set_datalink(p, pcap_datalink(p)));
	printf("set_datalink(other)=%d [%s]\n", pcap_set_datalink(p, 105), pcap_geterr(p));
	printf("set_buffer_size=%d [%s]\n", pcap_set_buffer_size(p, 1000), pcap_geterr(p));
	printf("set_snaplen=%d [%s]\n", pcap_set_snaplen(p, 1000), pcap_geterr(p));
	printf("activate=%d [%s]\n", pcap_activate(p), pcap_geterr(p));
	printf("required_select_timeout=%p\n", (void *)pcap_get_required_select_timeout(p));
	{
		int *tt = NULL;
		r = pcap_list_tstamp_types(p, &tt);
		printf("list_tstamp_types=%d", r);
		if (r > 0) printf(" first=%d", tt[0]);
		printf("\n");
		pcap_free_tstamp_types(tt);
	}
	ncb = 0;
	r = pcap_dispatch(p, 3, cb, NULL);
	printf("dispatch(3)=%d\n", r);
	ncb = 0;
	r = pcap_loop(p, 5, cb, (u_char *)p);
	printf("loop(5, breaks at 2)=%d\n", r);
	ncb = 0;
	r = pcap_loop(p, 1, cb, NULL);
	printf("loop(1) after break=%d\n", r);
	r = pcap_next_ex(p, &hp, &data);
	printf("next_ex=%d caplen=%u\n", r, r == 1 ? hp->caplen : 0);
	{
		struct pcap_pkthdr h;
		data = pcap_next(p, &h);
		printf("next=%s caplen=%u\n", data ? "data" : "NULL", data ? h.caplen : 0);
	}
	pcap_breakloop(p);
	r = pcap_next_ex(p, &hp, &data);
	printf("next_ex after breakloop=%d\n", r);
	r = pcap_next_ex(p, &hp, &data);
	printf("next_ex again=%d\n", r);
	pcap_breakloop(p);
	r = pcap_dispatch(p, -1, cb, NULL);
	printf("dispatch after breakloop=%d\n", r);
	ncb = 0;
	r = pcap_dispatch(p, -1, cb, NULL);
	printf("dispatch(-1) to EOF=%d count=%d\n", r, ncb);
	r = pcap_dispatch(p, -1, cb, NULL);
	printf("dispatch at EOF=%d\n", r);
	r = pcap_loop(p, -1, cb, NULL);
	printf("loop at EOF=%d\n", r);
	r = pcap_next_ex(p, &hp, &data);
	printf("next_ex at EOF=%d\n", r);
	data = pcap_next(p, hp);
	printf("next at EOF=%s\n", data ? "data" : "NULL");

	{
		/* Filters on a savefile: compile, setfilter, offline_filter,
		 * bpf_filter/validate/image/dump. */
		struct bpf_program prog;
		pcap_t *q = pcap_open_offline(argv[1], eb);
		const char *exprs[] = { "tcp[tcpflags] & tcp-push != 0", "udp", "tcp and", "ip host 10.0.0.1 or port 80", NULL };
		for (i = 0; q && exprs[i]; i++) {
			r = pcap_compile(q, &prog, exprs[i], 1, PCAP_NETMASK_UNKNOWN);
			printf("compile(%s)=%d [%s]\n", exprs[i], r, r ? pcap_geterr(q) : "");
			if (r)
				continue;
			printf("  validate=%d len=%u\n", bpf_validate(prog.bf_insns, (int)prog.bf_len), prog.bf_len);
			for (u_int k = 0; k < prog.bf_len; k++)
				printf("  %s\n", bpf_image(&prog.bf_insns[k], (int)k));
			fflush(stdout);
			bpf_dump(&prog, 2);
			bpf_dump(&prog, 3);
			fflush(stdout);
			if (i == 0) {
				struct pcap_pkthdr *ph;
				const u_char *pd;
				int m = 0;
				while (pcap_next_ex(q, &ph, &pd) == 1)
					printf("  pkt %d offline_filter=%d bpf_filter=%u\n", m++,
					    pcap_offline_filter(&prog, ph, pd),
					    bpf_filter(prog.bf_insns, pd, ph->len, ph->caplen));
				pcap_close(q);
				q = pcap_open_offline(argv[1], eb);
				printf("  setfilter=%d\n", pcap_setfilter(q, &prog));
				ncb = 0;
				printf("  loop with filter=%d count=%d\n", pcap_loop(q, -1, cb, NULL), ncb);
			}
			pcap_freecode(&prog);
		}
		if (q)
			pcap_close(q);
	}

	if (argc > 2) {
		pcap_dumper_t *d;
		pcap_t *q = pcap_open_offline_with_tstamp_precision(argv[1], PCAP_TSTAMP_PRECISION_NANO, eb);
		d = pcap_dump_open(q, argv[2]);
		printf("dump_open=%s ftell=%ld\n", d ? "ok" : pcap_geterr(q), d ? pcap_dump_ftell(d) : -1L);
		if (d) {
			r = pcap_loop(q, -1, pcap_dump, (u_char *)d);
			printf("loop(dump)=%d ftell64=%lld flush=%d file!=NULL=%d\n", r,
			    (long long)pcap_dump_ftell64(d), pcap_dump_flush(d), pcap_dump_file(d) != NULL);
			pcap_dump_close(d);
		}
		pcap_close(q);
		q = pcap_open_dead(DLT_EN10MB, 65535);
		d = pcap_dump_open_append(q, argv[2]);
		printf("append(other prec)=%s [%s]\n", d ? "ok" : "NULL", pcap_geterr(q));
		pcap_close(q);
		q = pcap_open_dead(DLT_EN10MB, 100);
		d = pcap_dump_open(q, "/nonexistent/dir/x.pcap");
		printf("dump_open(bad dir)=%s [%s]\n", d ? "ok" : "NULL", pcap_geterr(q));
		d = pcap_dump_open_append(q, "/etc/hostname");
		printf("append(text)=%s [%s]\n", d ? "ok" : "NULL", pcap_geterr(q));
		pcap_close(q);
		q = pcap_open_dead(13, 100);
		d = pcap_dump_open(q, "/dev/null");
		printf("dump_open(dlt 13)=%s [%s]\n", d ? "ok" : "NULL", pcap_geterr(q));
		pcap_close(q);
	}
	pcap_close(p);

	dead_probe(DLT_EN10MB, 65535);
	dead_probe(DLT_RAW, 0);
	{
		pcap_t *q = pcap_open_dead_with_tstamp_precision(DLT_EN10MB, 100, 5);
		printf("dead prec 5 -> %d\n", pcap_get_tstamp_precision(q));
		pcap_close(q);
		q = pcap_open_dead_with_tstamp_precision(DLT_EN10MB, 100, 1);
		printf("dead prec 1 -> %d\n", pcap_get_tstamp_precision(q));
		pcap_close(q);
	}
	printf("name_to_val(en10mb)=%d name_to_val(LINUX_SLL2)=%d name_to_val(bogus)=%d\n",
	    pcap_datalink_name_to_val("en10mb"), pcap_datalink_name_to_val("LINUX_SLL2"),
	    pcap_datalink_name_to_val("bogus"));
	printf("desc_or_dlt(1)=%s desc_or_dlt(2)=%s\n", pcap_datalink_val_to_description_or_dlt(1),
	    pcap_datalink_val_to_description_or_dlt(2));
	printf("tstamp name_to_val(adapter)=%d (HOST)=%d (x)=%d\n", pcap_tstamp_type_name_to_val("adapter"),
	    pcap_tstamp_type_name_to_val("HOST"), pcap_tstamp_type_name_to_val("x"));
	eb[0] = 0; show_eb("init(5)", pcap_init(5, eb), eb);
	eb[0] = 0; show_eb("init(0)", pcap_init(0, eb), eb);
	eb[0] = 0; show_eb("init(1)", pcap_init(1, eb), eb);
	eb[0] = 0; show_eb("init(0) again", pcap_init(0, eb), eb);
	return 0;
}
