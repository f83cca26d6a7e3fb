/* Link-layer facts of a live handle, printed for comparison between
 * libraries: pcap_activate's result and what it leaves in the error buffer
 * (libpcap 1.10.3 succeeds on unknown ARPHRD types with a "falling back to
 * cooked socket" warning there), the datalink, its name and description,
 * the datalink list, pcap_set_datalink to each offered DLT and to
 * LINUX_SLL2, the snapshot length.
 * usage: linkprobe IFNAME */
#include <pcap/pcap.h>
#include <stdio.h>

int main(int argc, char **argv)
{
	char eb[PCAP_ERRBUF_SIZE];
	pcap_t *p;
	int *dl, n, r;

	if (argc != 2)
		return 2;
	eb[0] = 0;
	p = pcap_create(argv[1], eb);
	if (p == NULL) {
		printf("create failed [%s]\n", eb);
		return 0;
	}
	r = pcap_activate(p);
	printf("activate=%d [%s]\n", r, pcap_geterr(p));
	if (r < 0) {
		pcap_close(p);
		return 0;
	}
	r = pcap_datalink(p);
	printf("datalink=%d name=%s desc=%s snapshot=%d\n", r, pcap_datalink_val_to_name(r) ? pcap_datalink_val_to_name(r) : "(null)",
	    pcap_datalink_val_to_description(r) ? pcap_datalink_val_to_description(r) : "(null)", pcap_snapshot(p));
	n = pcap_list_datalinks(p, &dl);
	printf("list_datalinks=%d:", n);
	for (int i = 0; i < n; i++)
		printf(" %d", dl[i]);
	printf("\n");
	for (int i = n - 1; i >= 0; i--) {
		r = pcap_set_datalink(p, dl[i]);
		printf("set_datalink(%d)=%d now=%d\n", dl[i], r, pcap_datalink(p));
	}
	if (n > 0)
		pcap_free_datalinks(dl);
	r = pcap_set_datalink(p, DLT_LINUX_SLL2);
	printf("set_datalink(LINUX_SLL2)=%d [%s] now=%d\n", r, r ? pcap_geterr(p) : "", pcap_datalink(p));
	pcap_close(p);
	return 0;
}
