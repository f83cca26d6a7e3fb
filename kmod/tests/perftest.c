// SPDX-License-Identifier: GPL-2.0
/*
 * CPU per captured packet: PF_RING module ring vs AF_PACKET TPACKET_V2 ring.
 *
 * The same paced traffic (N frames va -> vb, in bursts every 5 ms) is sent
 * in rounds three times: with no capture (baseline), captured by a pf_ring
 * consumer process and captured by an AF_PACKET mmap consumer process; both
 * consumers poll() and copy header + frame out of the shared ring as
 * pfring_recv does.  Capture cost = CPU of the sender (whose context runs the
 * taps and the veth receive softirq) + CPU of the consumer - the sender's CPU
 * without capture.  The VM harness runs this in a separate boot under
 * qemu -icount, where guest CPU time counts executed instructions, so host
 * load does not show up in the numbers.
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

struct res {
	int got;
	long long consumer_us;  /* CPU of the consumer process after it was ready */
	long long sender_us;    /* CPU of the sending process (incl. the softirq
				   work done in its context: taps, veth RX) */
	long long ticks;        /* whole-VM busy ticks (/proc/stat), coarse */
};

static long long cpu_us(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000LL + ru.ru_utime.tv_usec + ru.ru_stime.tv_usec;
}

static int consume_pfring(int n, int ready_fd, long long *cpu)
{
	struct ring r;
	struct pfring_pkthdr h;
	static unsigned char b[2048];
	int got = 0;
	long long end, c0;

	if (ring_open(&r, "vb", 128) != 0)
		return -1;
	ring_activate(&r);
	if (write(ready_fd, "r", 1) != 1)
		return -1;
	c0 = cpu_us();
	end = now_ms() + 60000;
	while (got < n && now_ms() < end) {
		struct pollfd pfd = { r.fd, POLLIN, 0 };

		while (ring_try_recv(&r, &h, b, sizeof(b)))
			got++;
		if (got < n)
			poll(&pfd, 1, 100);
	}
	*cpu = cpu_us() - c0;
	ring_close(&r);
	return got;
}

static int consume_afpacket(int n, int ready_fd, long long *cpu)
{
	int fd = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL)), v = TPACKET_V2, got = 0;
	struct tpacket_req req = { 16384, 50, 2048, 400 };  /* 800 KB, like the default pf_ring */
	static unsigned char b[2048];
	struct pfring_pkthdr hdr;
	struct sockaddr_ll sll;
	unsigned char *ring;
	unsigned int idx = 0;
	long long end, c0;

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
	c0 = cpu_us();
	end = now_ms() + 60000;
	while (got < n && now_ms() < end) {
		struct pollfd pfd = { fd, POLLIN, 0 };

		for (;;) {
			struct tpacket2_hdr *th = (struct tpacket2_hdr *)(ring + (size_t)idx * req.tp_frame_size);

			if (!(__atomic_load_n(&th->tp_status, __ATOMIC_ACQUIRE) & TP_STATUS_USER))
				break;
			/* the same copy-out as the pf_ring reader: header + frame */
			memcpy(&hdr, th, sizeof(*th));
			memcpy(b, (unsigned char *)th + th->tp_mac, th->tp_snaplen < sizeof(b) ? th->tp_snaplen : sizeof(b));
			got++;
			__atomic_store_n(&th->tp_status, TP_STATUS_KERNEL, __ATOMIC_RELEASE);
			idx = (idx + 1) % req.tp_frame_nr;
		}
		if (got < n)
			poll(&pfd, 1, 100);
	}
	*cpu = cpu_us() - c0;
	munmap(ring, (size_t)req.tp_block_size * req.tp_block_nr);
	close(fd);
	return got;
}

/* One paced send of n frames (bursts of `burst` every 5 ms). */
static struct res run(const char *what, int n, int burst)
{
	struct res r = { 0, 0, 0, 0 };
	unsigned char f[256];
	int p[2], q[2], len, i, st;
	unsigned long long t0, t1;
	long long c0;
	pid_t pid = -1;
	char c;
	struct flow fl = { IP(198, 51, 100, 1), IP(198, 51, 100, 2), 4000, 5000, 17, 0, 0 };

	len = build_frame(f, &fl, "perf test payload 0123456789abcdef0123456789abcdef", 50);
	if (pipe(p) || pipe(q))
		return r;
	if (strcmp(what, "none")) {
		pid = fork();
		if (pid == 0) {
			long long cpu = 0;
			int g = !strcmp(what, "pfring") ? consume_pfring(n, p[1], &cpu) :
							  consume_afpacket(n, p[1], &cpu);

			if (write(q[1], &g, sizeof(g)) != sizeof(g) || write(q[1], &cpu, sizeof(cpu)) != sizeof(cpu))
				_exit(2);
			_exit(0);
		}
		if (read(p[0], &c, 1) != 1)
			return r;
	}
	usleep(200000);
	t0 = busy_ticks();
	c0 = cpu_us();
	for (i = 0; i < n; i++) {
		send_raw(f, len);
		if (i % burst == burst - 1)
			usleep(5000);
	}
	r.sender_us = cpu_us() - c0;
	if (pid > 0) {
		if (read(q[0], &r.got, sizeof(r.got)) != sizeof(r.got) ||
		    read(q[0], &r.consumer_us, sizeof(r.consumer_us)) != sizeof(r.consumer_us))
			r.got = -1;
		waitpid(pid, &st, 0);
	} else {
		usleep(100000);
	}
	t1 = busy_ticks();
	r.ticks = (long long)(t1 - t0);
	close(p[0]);
	close(p[1]);
	close(q[0]);
	close(q[1]);
	return r;
}

static int cmp_ll(const void *x, const void *y)
{
	long long a = *(const long long *)x, b = *(const long long *)y;

	return a < b ? -1 : a > b;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 4000, burst = argc > 2 ? atoi(argv[2]) : 20;
	int rounds = argc > 3 ? atoi(argv[3]) : 3, round, ok = 1;
	long long dk[16], da[16];
	double us_k, us_a;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (tx_open("va") < 0)
		return 1;
	if (rounds > 16)
		rounds = 16;
	/* Rounds alternate the three cases.  Capture cost of a run = sender
	 * CPU + consumer CPU - the sender CPU of the same round's run without
	 * capture; the median round counts. */
	for (round = 0; round < rounds && ok; round++) {
		struct res b = run("none", n, burst), k = run("pfring", n, burst), a = run("afpacket", n, burst);

		printf("KMODTEST: info perf round %d: CPU us sender/consumer: none %lld, pf_ring %lld/%lld, "
		       "af_packet %lld/%lld; busy ticks %lld/%lld/%lld\n",
		       round, b.sender_us, k.sender_us, k.consumer_us, a.sender_us, a.consumer_us, b.ticks, k.ticks,
		       a.ticks);
		dk[round] = k.sender_us + k.consumer_us - b.sender_us;
		da[round] = a.sender_us + a.consumer_us - b.sender_us;
		if (k.got != n || a.got != n) {
			CHECK_EQ(k.got, n, "perf: pf_ring consumer got every paced packet");
			CHECK_EQ(a.got, n, "perf: AF_PACKET consumer got every paced packet");
			ok = 0;
		}
	}
	if (ok) {
		CHECK(1, "perf: both consumers got all %d paced packets in %d rounds", n, rounds);
		qsort(dk, round, sizeof(dk[0]), cmp_ll);
		qsort(da, round, sizeof(da[0]), cmp_ll);
		us_k = (double)dk[round / 2] / n;
		us_a = (double)da[round / 2] / n;
		printf("KMODTEST: info perf capture CPU per packet (median of %d rounds, %d pkts): pf_ring %.2f us, "
		       "af_packet %.2f us, ratio %.2f (qemu TCG, emulated)\n",
		       round, n, us_k, us_a, us_a > 0 ? us_k / us_a : 0.0);
	}
	return n_fail ? 1 : 0;
}
