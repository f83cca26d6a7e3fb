/* LD_PRELOAD helper: prints the TPACKET_V3 ring a program asks for
 * (PACKET_RX_RING with a tpacket_req3) on stderr, so the geometry chosen by
 * two libpcap implementations can be compared:
 *   ring: block_size=N block_nr=N retire_ms=N
 * Other setsockopt calls pass through unchanged. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <linux/if_packet.h>
#include <stdio.h>
#include <sys/socket.h>

int setsockopt(int fd, int level, int name, const void *val, socklen_t len)
{
	static int (*next)(int, int, int, const void *, socklen_t);

	if (!next)
		next = (int (*)(int, int, int, const void *, socklen_t))dlsym(RTLD_NEXT, "setsockopt");
	if (level == SOL_PACKET && name == PACKET_RX_RING && len == sizeof(struct tpacket_req3)) {
		const struct tpacket_req3 *r = val;
		fprintf(stderr, "ring: block_size=%u block_nr=%u retire_ms=%u\n", r->tp_block_size,
		    r->tp_block_nr, r->tp_retire_blk_tov);
	}
	return next(fd, level, name, val, len);
}
