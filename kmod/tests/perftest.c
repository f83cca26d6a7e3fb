// SPDX-License-Identifier: GPL-2.0
/*
 * CPU per captured packet: PF_RING module ring vs AF_PACKET TPACKET_V2 ring.
 *
 * The same paced traffic (N frames va -> vb, in bursts every 5 ms) is sent
 * three times: with no capture (baseline), captured by a pf_ring consumer
 * process and captured by an AF_PACKET mmap consumer process, both reading
 * with poll() + the shared ring.  The whole VM's busy time (/proc/stat,
 * everything but idle/iowait) during each run minus the baseline, divided by
 * N, is the capture cost per packet.  Under TCG these are emulated cycles.
 *
 *   perftest [N] [burst] [rounds]
 */
#include "common.h"
#include <sys/resource.h>

static unsigned long long busy_ticks(void)
{
	unsigned long long v[10] = { 0 }, busy = 0;
	FILE *f = fopen("/proc/stat", "r");
	int i;

	if (!f)
		return 0;
	if (fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3], &v[4],
		   &v[5], &v[6], &v[7], &v[8], &v[9]) < 8)
		v[0] = 0;
	fclose(f);
	for (i = 0; i < 10; i++)
		if (i != 3 && i != 4)   /* idle, iowait */
			busy += v[i];
	return busy;
}

static int consume_pfring(int n, int ready_fd)
{
	struct ring r;
	struct pfring_pkthdr h;
	static unsigned char b[2048];
	int got = 0;
	long long end;

	if (ring_open(&r, "vb", 128) != 0)
		return -1;
	ring_activate(&r);
	if (write(ready_fd, "r", 1) != 1)
		return -1;
	end = now_ms() + 60000;
	while (got < n && now_ms() < end) {
		struct pollfd pfd = { r.fd, POLLIN, 0 };

		while (ring_try_recv(&r, &h, b, sizeof(b)))
			got++;
		if (got < n)
			poll(&pfd, 1, 100);
	}
	ring_close(&r);
	return got;
}

static int consume_afpacket(int n, int ready_fd)
{
	int fd = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL)), v = TPACKET_V2, got = 0;
	struct tpacket_req req = { 16384, 50, 2048, 400 };  /* 800 KB, like the default pf_ring */
	struct sockaddr_ll sll;
	unsigned char *ring;
	unsigned int idx = 0;
	long long end;

	if (fd < 0 || setsockopt(fd, SOL_PACKET, PACKET_VERSION, &v, sizeof(v)) ||
	    setsockopt(fd, SOL_PACKET, PACKET_RX_RING, &req, sizeof(req)))
		return -1;
	ring = mmap(NULL, (size_t)req.tp_block_size * req.tp_block_nr, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (ring == MAP_FAILED)
		return -1;
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_ALL);
	sll.sll_ifindex = if_nametoindex("vb");
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)))
		return -1;
	if (write(ready_fd, "r", 1) != 1)
		return -1;
	end = now_ms() + 60000;
	while (got < n && now_ms() < end) {
		struct pollfd pfd = { fd, POLLIN, 0 };

		for (;;) {
			struct tpacket2_hdr *th = (struct tpacket2_hdr *)(ring + (size_t)idx * req.tp_frame_size);

			if (!(__atomic_load_n(&th->tp_status, __ATOMIC_ACQUIRE) & TP_STATUS_USER))
				break;
			got++;
			__atomic_store_n(&th->tp_status, TP_STATUS_KERNEL, __ATOMIC_RELEASE);
			idx = (idx + 1) % req.tp_frame_nr;
		}
		if (got < n)
			poll(&pfd, 1, 100);
	}
	munmap(ring, (size_t)req.tp_block_size * req.tp_block_nr);
	close(fd);
	return got;
}

/* Runs one paced send; returns busy ticks used, and the consumer's count. */
static int cmp_ll(const void *x, const void *y)
{
	long long a = *(const long long *)x, b = *(const long long *)y;

	return a < b ? -1 : a > b;
}

static long long run(const char *what, int n, int burst, int *got)
{
	unsigned char f[256];
	int p[2], q[2], len, i, st;
	unsigned long long t0, t1;
	pid_t pid = -1;
	char c;
	struct flow fl = { IP(198, 51, 100, 1), IP(198, 51, 100, 2), 4000, 5000, 17, 0, 0 };

	*got = 0;
	len = build_frame(f, &fl, "perf test payload 0123456789abcdef0123456789abcdef", 50);
	if (pipe(p) || pipe(q))
		return -1;
	if (strcmp(what, "none")) {
		pid = fork();
		if (pid == 0) {
			int g = !strcmp(what, "pfring") ? consume_pfring(n, p[1]) : consume_afpacket(n, p[1]);

			if (write(q[1], &g, sizeof(g)) != sizeof(g))
				_exit(2);
			_exit(0);
		}
		if (read(p[0], &c, 1) != 1)
			return -1;
	}
	usleep(200000);
	t0 = busy_ticks();
	for (i = 0; i < n; i++) {
		send_raw(f, len);
		if (i % burst == burst - 1)
			usleep(5000);
	}
	if (pid > 0) {
		if (read(q[0], got, sizeof(*got)) != sizeof(*got))
			*got = -1;
		waitpid(pid, &st, 0);
	} else {
		usleep(100000);
	}
	t1 = busy_ticks();
	close(p[0]);
	close(p[1]);
	close(q[0]);
	close(q[1]);
	return (long long)(t1 - t0);
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 4000, burst = argc > 2 ? atoi(argv[2]) : 20, g1 = 0, g2 = 0, g0;
	int rounds = argc > 3 ? atoi(argv[3]) : 3, round;
	long long kp, ap, dk[16], da[16];
	double hz = (double)sysconf(_SC_CLK_TCK), us_k, us_a;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (tx_open("va") < 0)
		return 1;
	/* Rounds alternate the three cases; each capture run is compared with
	 * the baseline of its own round and the median round counts (other load
	 * on the emulating host adds ticks at random). */
	for (round = 0; round < rounds && round < 16; round++) {
		long long b = run("none", n, burst, &g0), k = run("pfring", n, burst, &g1),
			  a = run("afpacket", n, burst, &g2);

		printf("KMODTEST: info perf round %d: busy ticks none %lld, pf_ring %lld, af_packet %lld\n", round, b,
		       k, a);
		dk[round] = k - b;
		da[round] = a - b;
		if (g1 != n || g2 != n)
			break;
	}
	CHECK_EQ(g1, n, "perf: pf_ring consumer got every paced packet");
	CHECK_EQ(g2, n, "perf: AF_PACKET consumer got every paced packet");
	if (round < rounds)
		round++;        /* the round that broke off still counts */
	qsort(dk, round, sizeof(dk[0]), cmp_ll);
	qsort(da, round, sizeof(da[0]), cmp_ll);
	kp = dk[round / 2];
	ap = da[round / 2];
	us_k = kp * 1e6 / hz / n;
	us_a = ap * 1e6 / hz / n;
	printf("KMODTEST: info perf %d pkts x %d rounds: median capture ticks over baseline: pf_ring %lld, af_packet %lld (USER_HZ %.0f)\n",
	       n, round, kp, ap, hz);
	printf("KMODTEST: info perf capture CPU per packet: pf_ring %.2f us, af_packet %.2f us, ratio %.2f (TCG, emulated)\n",
	       us_k, us_a, us_a > 0 ? us_k / us_a : 0.0);
	return n_fail ? 1 : 0;
}
