/* Name-to-number lookups of the pcap API (pfring-rs, libpcap 1.10 compatible). */
#ifndef PCAP_NAMEDB_H_INCLUDED
#define PCAP_NAMEDB_H_INCLUDED

#include <stdio.h>
#include <pcap/pcap.h>

#ifdef __cplusplus
extern "C" {
#endif

/* One /etc/ethers entry, as returned by pcap_next_etherent(). */
struct pcap_etherent {
	u_char addr[6];
	char name[122];
};
#ifndef PCAP_ETHERS_FILE
#define PCAP_ETHERS_FILE "/etc/ethers"
#endif
struct pcap_etherent *pcap_next_etherent(FILE *fp);
u_char *pcap_ether_hostton(const char *name);
u_char *pcap_ether_aton(const char *s);

bpf_u_int32 **pcap_nametoaddr(const char *name);
struct addrinfo *pcap_nametoaddrinfo(const char *name);
bpf_u_int32 pcap_nametonetaddr(const char *name);

int pcap_nametoport(const char *name, int *port, int *proto);
int pcap_nametoportrange(const char *name, int *port1, int *port2, int *proto);
int pcap_nametoproto(const char *str);
int pcap_nametoeproto(const char *s);
int pcap_nametollc(const char *s);

/* Returned when a name has no unambiguous protocol. */
#define PROTO_UNDEF -1

#ifdef __cplusplus
}
#endif

#endif /* PCAP_NAMEDB_H_INCLUDED */
