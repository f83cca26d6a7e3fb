// SPDX-License-Identifier: GPL-2.0
/*
 * Hostile-input test: N (default 100000) random setsockopt / getsockopt /
 * bind / mmap calls on PF_RING sockets, with random option numbers, levels,
 * lengths up to 64 KiB, random contents and NULL, unaligned, unmapped and
 * kernel pointers; rings that get mapped are scribbled on (indices, slot
 * states, counters).  Traffic is sent now and then so the rules, clusters,
 * sampling and reflector settings the calls create are exercised by the
 * packet path.  Afterwards every socket is closed and a fresh ring must
 * still work (checked by the caller with `ringtest quick`).
 *
 *   fuzz [calls] [seed]
 */
#include "common.h"

#define NSOCK 6

static uint64_t rs;

static uint32_t rnd(void)
{
	rs ^= rs << 13;
	rs ^= rs >> 7;
	rs ^= rs << 17;
	return (uint32_t)rs;
}

#define AREA (17 * 4096)
static unsigned char *area;         /* AREA bytes, then an unmapped page */

static void *rnd_ptr(unsigned int len, int allow_bad)
{
	switch (allow_bad ? rnd() % 16 : 3) {
	case 0:
		return NULL;
	case 1:
		return (void *)(uintptr_t)0x1000;                       /* unmapped */
	case 2:
		return (void *)(uintptr_t)0xffff888000000000ULL;        /* kernel */
	case 4:
		return area + 1 + rnd() % 7;                            /* unaligned */
	case 5: /* end of a mapping: the tail of a long read faults */
		return area + AREA - (len < 64 ? len : 64);
	default:
		return area + (rnd() % 2 ? 0 : 1);
	}
}

static unsigned int rnd_len(void)
{
	switch (rnd() % 8) {
	case 0:
		return 0;
	case 1:
		return rnd() % 65537;
	case 2:
		return rnd();                           /* huge */
	case 3:
		return sizeof(filtering_rule);
	case 4:
		return sizeof(hash_filtering_rule);
	case 5:
		return 1 << (rnd() % 3);                /* 1, 2, 4 */
	default:
		return rnd() % 260;
	}
}

static int rnd_optname(void)
{
	switch (rnd() % 6) {
	case 0:
		return (int)rnd();
	case 1:
		return rnd() % 140;
	case 2:
		return PACKET_STATISTICS;
	default:
		return 99 + rnd() % 23;                 /* 99..121: 3.7.5's and the extensions */
	}
}

static void fill_option(int optname, unsigned int len)
{
	unsigned int i, n = len > 65536 ? 65536 : len;

	for (i = 0; i < n + 64 && i < 65536 + 64; i++)
		area[i] = rnd();
	/* Make some values meaningful so deeper paths run. */
	if (optname == SO_ADD_FILTERING_RULE && rnd() % 2) {
		filtering_rule *fr = (filtering_rule *)area;

		fr->rule_action = rnd() % 4;
		fr->extended_fields.filter_plugin_id = rnd() % 3;
		fr->plugin_action.plugin_id = rnd() % 3;
		fr->extended_fields.payload_pattern[rnd() % 32] = 0;
		if (rnd() % 2)
			fr->core_fields.host_low = 0;
		if (rnd() % 2)
			fr->core_fields.port_high = 0;
		fr->rule_id %= 64;
	}
	if ((optname == SO_ADD_TO_CLUSTER || optname == SO_SET_SAMPLING_RATE) && rnd() % 2)
		*(uint32_t *)area = rnd() % 8;
	if (optname == SO_SET_REFLECTOR && rnd() % 2)
		memcpy(area, rnd() % 2 ? "vc\0" : "x9z\0", 4);    /* never a capture device */
	if (optname == SO_REMOVE_FILTERING_RULE && rnd() % 2)
		*(uint16_t *)area = rnd() % 64;
	if (optname == SO_RING_BUCKET_LEN && rnd() % 2)
		*(uint32_t *)area = rnd() % 3000;
	if (optname == SO_RING_NUM_SLOTS && rnd() % 2)
		*(uint32_t *)area = rnd() % 8192;       /* bounded: several rings stay in RAM */
	if ((optname == SO_SET_POLL_WATERMARK || optname == SO_SET_SAMPLING_ONE_IN) && rnd() % 2)
		*(uint32_t *)area = rnd() % 10;
	if (optname == SO_SET_POLL_WATERMARK_TIMEOUT && rnd() % 2)
		*(uint32_t *)area = rnd() % 12000;
}

int main(int argc, char **argv)
{
	long calls = argc > 1 ? atol(argv[1]) : 100000, i;
	int fds[NSOCK], k, rc, counts[5] = { 0 };
	static const char *const names[] = { "va", "vb", "lo", "vb", "nosuch", "" };
	long long t0 = now_ms();

	rs = (argc > 2 ? strtoull(argv[2], NULL, 0) : 1) * 0x9e3779b97f4a7c15ULL | 1;
	for (i = 0; i < 16; i++)
		rnd();
	printf("fuzz: seed %s\n", argc > 2 ? argv[2] : "1");
	setvbuf(stdout, NULL, _IOLBF, 0);
	area = mmap(NULL, AREA + 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (area == MAP_FAILED)
		return 1;
	munmap(area + AREA, 4096);      /* guard page right after the area */
	if (tx_open("va") < 0) {
		CHECK(0, "fuzz: AF_PACKET sender");
		return 1;
	}
	for (k = 0; k < NSOCK; k++)
		fds[k] = ring_socket();

	for (i = 0; i < calls; i++) {
		int fd, op = rnd() % 16;

		k = rnd() % NSOCK;
		fd = fds[k];
		if (op < 6) {                                   /* setsockopt */
			int name = rnd_optname();
			unsigned int len = rnd_len();
			int level = rnd() % 8 == 0 ? (int)rnd() : rnd() % 2 ? 0 : SOL_PACKET;

			if (rnd() % 40 == 0) {
				level = SOL_SOCKET;
				name = rnd() % 2 ? SO_ATTACH_FILTER : SO_DETACH_FILTER;
			}
			fill_option(name, len);
			if (level == SOL_SOCKET && name == SO_ATTACH_FILTER && rnd() % 2) {
				struct sock_fprog *pr = (struct sock_fprog *)(area + 1024);

				pr->len = rnd() % 10;
				pr->filter = (struct sock_filter *)(area + 2048);
				memmove(area, pr, sizeof(*pr));
				len = sizeof(*pr);
			}
			setsockopt(fd, level, name, rnd_ptr(len, 1), len);
			counts[0]++;
		} else if (op < 10) {                           /* getsockopt */
			int name = rnd_optname();
			socklen_t *lp;
			unsigned int len = rnd_len();

			fill_option(name, len);
			lp = (socklen_t *)(area + 65536 + 32);
			*lp = len;
			if (rnd() % 10 == 0)
				lp = rnd_ptr(4, 1);
			getsockopt(fd, rnd() % 2 ? 0 : SOL_PACKET, name, rnd_ptr(len, 1), lp);
			counts[1]++;
		} else if (op < 12) {                           /* bind */
			unsigned int len = rnd() % 3 ? 16 : rnd() % 200;
			unsigned char *a = area + 8;

			memset(a, 0, 32);
			a[0] = rnd() % 4 ? PF_RING : rnd();
			if (rnd() % 4)
				strcpy((char *)a + 2, names[rnd() % 6]);
			else
				for (rc = 0; rc < 24; rc++)
					a[2 + rc] = rnd();
			bind(fd, rnd() % 10 ? (struct sockaddr *)a : rnd_ptr(len, 1), len);
			counts[2]++;
		} else if (op < 14) {                           /* mmap */
			size_t len = rnd() % 4 ? 4096 * (1 + rnd() % 256) : rnd() % (1 << 24);
			off_t off = rnd() % 8 ? 0 : (off_t)(rnd() % 16) * 4096;
			int prot = rnd() % 4 ? PROT_READ | PROT_WRITE : PROT_READ;
			unsigned char *p = mmap(NULL, len, prot, rnd() % 8 ? MAP_SHARED : MAP_PRIVATE, fd, off);

			if (p != MAP_FAILED) {
				if ((prot & PROT_WRITE) && len >= 64 && rnd() % 2) {
					/* scribble on the shared state the kernel must not trust */
					int j;

					for (j = 0; j < 8; j++)
						p[rnd() % 64] = rnd();
					for (j = 0; j < 32 && len > 64; j++)
						p[64 + rnd() % (len - 64)] = rnd() % 3;
				}
				munmap(p, len);
			}
			counts[3]++;
		} else if (op < 15) {                           /* poll / recv / activate */
			struct pollfd pfd = { fd, POLLIN, 0 };
			char one = 1;

			if (rnd() % 2)
				poll(&pfd, 1, 0);
			else if (rnd() % 2)
				recv(fd, area, 16, MSG_DONTWAIT);
			else
				setsockopt(fd, 0, SO_ACTIVATE_RING, &one, 1);
			counts[4]++;
		} else {                                        /* new socket */
			close(fd);
			fds[k] = ring_socket();
		}
		if (i % 1000 == 999) {
			struct flow fl = { IP(198, 51, 100, rnd() % 8), IP(198, 51, 100, 9), rnd() % 8, 5005,
					   rnd() % 2 ? 6 : 17, 0, 0 };

			send_flow(&fl, "fuzz traffic payload", 10);
		}
	}
	for (k = 0; k < NSOCK; k++)
		close(fds[k]);
	printf("fuzz: %ld calls (set %d, get %d, bind %d, mmap %d, poll/recv %d) in %lld ms\n", calls, counts[0],
	       counts[1], counts[2], counts[3], counts[4], now_ms() - t0);
	CHECK(calls >= 100000 && counts[0] + counts[1] + counts[2] + counts[3] + counts[4] > 0,
	      "hostile input: %ld random setsockopt/getsockopt/bind/mmap calls survived", calls);
	return n_fail ? 1 : 0;
}
