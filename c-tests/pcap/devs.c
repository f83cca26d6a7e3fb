/* Prints pcap_findalldevs() (names, descriptions, flags, every address) and
 * pcap_lookupdev/pcap_lookupnet results, for comparison between libraries. */
#include <pcap/pcap.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>

static void sa(const char *what, const struct sockaddr *a)
{
	if (!a) {
		printf(" %s=-", what);
		return;
	}
	printf(" %s=%d:", what, a->sa_family);
	size_t n = a->sa_family == AF_INET ? sizeof(struct sockaddr_in) :
	    a->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6) : 20;
	for (size_t i = 2; i < n; i++)
		printf("%02x", ((const unsigned char *)a)[i]);
}

int main(void)
{
	char eb[PCAP_ERRBUF_SIZE];
	pcap_if_t *all, *d;
	bpf_u_int32 net, mask;
	int r;

	eb[0] = 0;
	r = pcap_findalldevs(&all, eb);
	printf("findalldevs=%d [%s]\n", r, eb);
	if (r == 0) {
		for (d = all; d; d = d->next) {
			printf("%s (%s) flags=0x%x\n", d->name, d->description ? d->description : "-", d->flags);
			for (pcap_addr_t *a = d->addresses; a; a = a->next) {
				printf("  addr");
				sa("a", a->addr); sa("m", a->netmask); sa("b", a->broadaddr); sa("d", a->dstaddr);
				printf("\n");
			}
		}
		pcap_freealldevs(all);
	}
	{
		const char *ld;
		eb[0] = 0;
		ld = pcap_lookupdev(eb);
		printf("lookupdev=%s [%s]\n", ld ? ld : "NULL", eb);
	}
	const char *names[] = { "lo", "eth0", "any", "nosuchdev0", "ifb0", NULL };
	for (int i = 0; names[i]; i++) {
		eb[0] = 0; net = mask = 7;
		r = pcap_lookupnet(names[i], &net, &mask, eb);
		printf("lookupnet(%s)=%d net=%08x mask=%08x [%s]\n", names[i], r, net, mask, eb);
	}
	return 0;
}
