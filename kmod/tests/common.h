/* SPDX-License-Identifier: GPL-2.0 */
/* Helpers shared by the in-guest test programs: a minimal 3.7.5 ring reader
 * written against linux/ring.h, raw frame building and sending. */
#ifndef KMOD_TEST_COMMON_H
#define KMOD_TEST_COMMON_H

#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/filter.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/ring.h>

static int n_ok, n_fail;

static __attribute__((unused)) void result(int good, const char *fmt, ...)
{
	va_list ap;

	printf("KMODTEST: %s ", good ? "ok" : "FAIL");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	if (good)
		n_ok++;
	else
		n_fail++;
}

#define CHECK(cond, ...) result(!!(cond), __VA_ARGS__)
#define CHECK_EQ(a, b, what)                                                              \
	do {                                                                              \
		long long _a = (long long)(a), _b = (long long)(b);                       \
		result(_a == _b, "%s (got %lld, want %lld)", what, _a, _b);               \
	} while (0)

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

struct ring {
	int fd;
	unsigned char *mem;
	FlowSlotInfo *info;
	unsigned char *slots;
	unsigned int tot_mem;
	char dev[IFNAMSIZ];
};

static __attribute__((unused)) int ring_socket(void)
{
	return socket(PF_RING, SOCK_RAW, htons(ETH_P_ALL));
}

static __attribute__((unused)) int ring_bind_name(int fd, const char *dev)
{
	struct sockaddr sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_family = PF_RING;
	strncpy((char *)&sa + 2, dev, 13);
	return bind(fd, &sa, sizeof(sa));
}

/* Opens a ring the way libpfring 3.7.5 did; bucket 0 = module default. */
static __attribute__((unused)) int ring_open(struct ring *r, const char *dev, unsigned int bucket)
{
	void *p;

	memset(r, 0, sizeof(*r));
	r->fd = ring_socket();
	if (r->fd < 0)
		return -1;
	if (bucket && setsockopt(r->fd, 0, SO_RING_BUCKET_LEN, &bucket, sizeof(bucket)) < 0)
		goto err;
	if (ring_bind_name(r->fd, dev) < 0)
		goto err;
	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, r->fd, 0);
	if (p == MAP_FAILED)
		goto err;
	if (((FlowSlotInfo *)p)->version != RING_FLOWSLOT_VERSION) {
		munmap(p, 4096);
		errno = EPROTO;
		goto err;
	}
	r->tot_mem = ((FlowSlotInfo *)p)->tot_mem;
	munmap(p, 4096);
	p = mmap(NULL, r->tot_mem, PROT_READ | PROT_WRITE, MAP_SHARED, r->fd, 0);
	if (p == MAP_FAILED)
		goto err;
	r->mem = p;
	r->info = p;
	r->slots = r->mem + sizeof(FlowSlotInfo);
	snprintf(r->dev, sizeof(r->dev), "%s", dev);
	return 0;
err:
	close(r->fd);
	r->fd = -1;
	return -1;
}

static __attribute__((unused)) void ring_close(struct ring *r)
{
	if (r->mem)
		munmap(r->mem, r->tot_mem);
	if (r->fd >= 0)
		close(r->fd);
	r->mem = NULL;
	r->fd = -1;
}

static __attribute__((unused)) int ring_activate(struct ring *r)
{
	char one = 1;

	return setsockopt(r->fd, 0, SO_ACTIVATE_RING, &one, 1);
}

/* One packet out of the ring without a system call, or 0 if none. */
static __attribute__((unused)) int ring_try_recv(struct ring *r, struct pfring_pkthdr *hdr, unsigned char *buf, unsigned int buflen)
{
	unsigned char *slot = r->slots + (size_t)r->info->remove_idx * r->info->slot_len;
	unsigned int n;

	/* Partner: the kernel's smp_store_release of slot_state = 1. */
	if (__atomic_load_n(&slot[1], __ATOMIC_ACQUIRE) != 1)
		return 0;
	memcpy(hdr, slot + 2, sizeof(*hdr));
	n = hdr->caplen + hdr->parsed_header_len;
	if (n > buflen)
		n = buflen;
	memcpy(buf, slot + 2 + sizeof(*hdr), n);
	r->info->remove_idx = r->info->remove_idx + 1 >= r->info->tot_slots ? 0 : r->info->remove_idx + 1;
	r->info->tot_read++;
	/* Partner: the kernel's smp_load_acquire of slot_state before reuse. */
	__atomic_store_n(&slot[1], 0, __ATOMIC_RELEASE);
	return 1;
}

/* Waits up to timeout_ms for one packet (poll() activates the ring). */
static __attribute__((unused)) int ring_recv(struct ring *r, struct pfring_pkthdr *hdr, unsigned char *buf, unsigned int buflen,
		     int timeout_ms)
{
	long long end = now_ms() + timeout_ms;

	for (;;) {
		struct pollfd pfd = { .fd = r->fd, .events = POLLIN | POLLERR };
		long long left;

		if (ring_try_recv(r, hdr, buf, buflen))
			return 1;
		left = end - now_ms();
		if (left <= 0)
			return 0;
		if (poll(&pfd, 1, (int)left) < 0 && errno != EINTR)
			return -1;
	}
}

/* Counts packets until `want` arrived (or timeout), then waits settle_ms
 * more to see that nothing extra comes. */
static __attribute__((unused)) int ring_count(struct ring *r, int want, int timeout_ms, int settle_ms)
{
	struct pfring_pkthdr h;
	static unsigned char b[70000];
	int n = 0;
	long long end = now_ms() + timeout_ms;

	while (n < want && now_ms() < end)
		if (ring_recv(r, &h, b, sizeof(b), (int)(end - now_ms())) == 1)
			n++;
	while (ring_recv(r, &h, b, sizeof(b), settle_ms) == 1)
		n++;
	return n;
}

/* ------------------------------------------------------------- frames */

struct flow {
	uint32_t src, dst;      /* host order */
	uint16_t sport, dport;
	uint8_t proto;          /* 6 or 17 (others: bare IP) */
	uint16_t vlan;          /* 0 = untagged */
	uint8_t tos;
};

static uint16_t ip_csum(const unsigned char *p, int len)
{
	uint32_t s = 0;
	int i;

	for (i = 0; i + 1 < len; i += 2)
		s += (p[i] << 8) | p[i + 1];
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/* Builds an Ethernet/IPv4/(TCP|UDP) frame; returns its length. */
static __attribute__((unused)) int build_frame(unsigned char *f, const struct flow *fl, const void *payload, int plen)
{
	static const unsigned char dmac[6] = { 0x02, 0, 0, 0, 0, 0x02 }, smac[6] = { 0x02, 0, 0, 0, 0, 0x01 };
	int o = 12, l4len, iplen;
	unsigned char *ip, *l4;

	memcpy(f, dmac, 6);
	memcpy(f + 6, smac, 6);
	if (fl->vlan) {
		f[o++] = 0x81;
		f[o++] = 0x00;
		f[o++] = fl->vlan >> 8;
		f[o++] = fl->vlan & 0xff;
	}
	f[o++] = 0x08;
	f[o++] = 0x00;
	ip = f + o;
	l4len = fl->proto == 6 ? 20 : fl->proto == 17 ? 8 : 0;
	iplen = 20 + l4len + plen;
	memset(ip, 0, 20 + l4len);
	ip[0] = 0x45;
	ip[1] = fl->tos;
	ip[2] = iplen >> 8;
	ip[3] = iplen & 0xff;
	ip[8] = 64;
	ip[9] = fl->proto;
	*(uint32_t *)(ip + 12) = htonl(fl->src);
	*(uint32_t *)(ip + 16) = htonl(fl->dst);
	*(uint16_t *)(ip + 10) = htons(ip_csum(ip, 20));
	l4 = ip + 20;
	if (fl->proto == 6 || fl->proto == 17) {
		*(uint16_t *)l4 = htons(fl->sport);
		*(uint16_t *)(l4 + 2) = htons(fl->dport);
		if (fl->proto == 6) {
			l4[12] = 5 << 4;
			l4[13] = 0x18; /* PSH|ACK */
		} else {
			*(uint16_t *)(l4 + 4) = htons(8 + plen);
		}
	}
	memcpy(l4 + l4len, payload, plen);
	return (int)(l4 + l4len + plen - f);
}

static int tx_fd = -1;
static int tx_ifindex;

static __attribute__((unused)) int tx_open(const char *dev)
{
	struct sockaddr_ll sll;

	if (tx_fd >= 0)
		close(tx_fd);
	tx_fd = socket(AF_PACKET, SOCK_RAW, 0);     /* protocol 0: send only */
	if (tx_fd < 0)
		return -1;
	tx_ifindex = if_nametoindex(dev);
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_ifindex = tx_ifindex;
	return bind(tx_fd, (struct sockaddr *)&sll, sizeof(sll));
}

static __attribute__((unused)) int send_raw(const unsigned char *f, int len)
{
	return (int)send(tx_fd, f, len, 0);
}

static __attribute__((unused)) int send_flow(const struct flow *fl, const char *payload, int count)
{
	unsigned char f[2048];
	int len = build_frame(f, fl, payload, (int)strlen(payload)), i, sent = 0;

	for (i = 0; i < count; i++)
		if (send_raw(f, len) == len)
			sent++;
	return sent;
}

#define IP(a, b, c, d) (((uint32_t)(a) << 24) | ((b) << 16) | ((c) << 8) | (d))

#endif
