/* Sends N deterministic Ethernet frames on an interface through a raw packet
 * socket: broadcast destination, EtherType 0x88b5 (local experimental),
 * frame i is 60 + (i * 37) % 1400 bytes (or, with MAXLEN, 60 + (i * 997) %
 * (MAXLEN - 60)) with a recognisable payload.
 * With SENDFRAMES_VLAN=TCI in the environment each frame carries an 802.1Q
 * tag (0x8100, TCI) before its EtherType (4 bytes longer).
 * With SENDFRAMES_LENS=L1,L2,... frame i is L(i mod count) bytes instead
 * (each 60..262144: frames beyond 65,535 bytes need a device MTU that big,
 * e.g. lo's).
 * usage: sendframes IFNAME N [MAXLEN] */
#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	static unsigned char f[262144 + 4];
	size_t lens[16];
	int nlens = 0;
	const char *ls = getenv("SENDFRAMES_LENS");
	size_t maxlen = 0;
	struct sockaddr_ll sll;
	int fd, n, vlan = -1;
	const char *v = getenv("SENDFRAMES_VLAN");

	if (argc != 3 && argc != 4)
		return 2;
	n = atoi(argv[2]);
	if (argc == 4) {
		maxlen = (size_t)atol(argv[3]);
		if (maxlen <= 60 || maxlen > sizeof f)
			return 2;
	}
	if (n < 0 || n > 100000)
		return 2;
	if (v && *v) {
		vlan = atoi(v);
		if (vlan < 0 || vlan > 0xffff)
			return 2;
	}
	for (const char *q = ls; q && *q && nlens < 16; nlens++) {
		char *e;
		lens[nlens] = (size_t)strtoul(q, &e, 10);
		if (e == q || lens[nlens] < 60 || lens[nlens] > 262144)
			return 2;
		q = *e == ',' ? e + 1 : e;
	}
	fd = socket(AF_PACKET, SOCK_RAW, 0);
	if (fd < 0) { perror("socket"); return 1; }
	if (nlens) {
		/* room for the biggest frames in the send buffer */
		int sz = 4 << 20;
		if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &sz, sizeof sz) < 0) { perror("SO_SNDBUFFORCE"); return 1; }
	}
	memset(&sll, 0, sizeof sll);
	sll.sll_family = AF_PACKET;
	sll.sll_ifindex = (int)if_nametoindex(argv[1]);
	if (sll.sll_ifindex == 0 || bind(fd, (struct sockaddr *)&sll, sizeof sll) < 0) { perror(argv[1]); return 1; }
	for (int i = 0; i < n; i++) {
		size_t len = nlens ? lens[i % nlens]
		    : maxlen ? 60 + ((size_t)i * 997) % (maxlen - 60) : 60 + ((size_t)i * 37) % 1400;
		memset(f, 0xff, 6);
		memcpy(f + 6, "\x02\x00\x5e\x00\x53\x01", 6);
		f[12] = 0x88; f[13] = 0xb5;
		for (size_t j = 14; j < len; j++)
			f[j] = (unsigned char)(i + j);
		if (vlan >= 0) {
			memmove(f + 16, f + 12, len - 12);
			f[12] = 0x81; f[13] = 0x00;
			f[14] = (unsigned char)(vlan >> 8); f[15] = (unsigned char)vlan;
			len += 4;
		}
		if (send(fd, f, len, 0) != (ssize_t)len) { perror("send"); return 1; }
	}
	close(fd);
	return 0;
}
