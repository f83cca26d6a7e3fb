/*
 * tpv3_reader: the reference capturer of the benchmark. A minimal
 * AF_PACKET TPACKET_V3 reader: one PACKET_RX_RING, walk the blocks, poll()
 * only when the current block still belongs to the kernel. Per packet it
 * counts packets and bytes and touches one payload byte, nothing else.
 *
 *   tpv3_reader -i DEV [-b BLOCK_KIB] [-n BLOCKS] [-t RETIRE_MS]
 *
 * Prints "ready" on stderr once the ring is mapped and the socket bound,
 * runs until SIGINT/SIGTERM, then prints one key=value line on stdout:
 *   packets=N bytes=N kernel_packets=N kernel_drops=N
 * (kernel_* from PACKET_STATISTICS, which counts drops among its packets).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

static volatile sig_atomic_t stop;

static void on_signal(int sig) {
  (void)sig;
  stop = 1;
}

static void die(const char *what) {
  fprintf(stderr, "tpv3_reader: %s: %s\n", what, strerror(errno));
  exit(1);
}

int main(int argc, char **argv) {
  const char *dev = NULL;
  unsigned block_kib = 1024, nblocks = 64, retire_ms = 10, ahead = 0;
  int opt;
  while ((opt = getopt(argc, argv, "i:b:n:t:p:")) != -1) {
    switch (opt) {
    case 'i': dev = optarg; break;
    case 'b': block_kib = (unsigned)atoi(optarg); break;
    case 'n': nblocks = (unsigned)atoi(optarg); break;
    case 't': retire_ms = (unsigned)atoi(optarg); break;
    case 'p': ahead = (unsigned)atoi(optarg); break;
    default:
      fprintf(stderr, "usage: tpv3_reader -i DEV [-b BLOCK_KIB] [-n BLOCKS] [-t RETIRE_MS] [-p BYTES]\n");
      return 2;
    }
  }
  if (dev == NULL || block_kib < 4 || (block_kib & (block_kib - 1)) != 0 || nblocks == 0) {
    fprintf(stderr, "tpv3_reader: need -i DEV; block size a power of two >= 4 KiB\n");
    return 2;
  }

  struct sigaction sa;
  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = on_signal; /* no SA_RESTART: poll() returns EINTR */
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);

  int fd = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
  if (fd < 0) die("socket");
  int v3 = TPACKET_V3;
  if (setsockopt(fd, SOL_PACKET, PACKET_VERSION, &v3, sizeof(v3)) < 0) die("PACKET_VERSION");

  struct tpacket_req3 req;
  memset(&req, 0, sizeof(req));
  req.tp_block_size = block_kib * 1024;
  req.tp_block_nr = nblocks;
  req.tp_frame_size = 2048; /* only used by the kernel for sanity checks */
  req.tp_frame_nr = (req.tp_block_size / req.tp_frame_size) * nblocks;
  req.tp_retire_blk_tov = retire_ms;
  if (setsockopt(fd, SOL_PACKET, PACKET_RX_RING, &req, sizeof(req)) < 0) die("PACKET_RX_RING");

  size_t map_len = (size_t)req.tp_block_size * nblocks;
  uint8_t *map = mmap(NULL, map_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, 0);
  if (map == MAP_FAILED) die("mmap");

  struct sockaddr_ll sll;
  memset(&sll, 0, sizeof(sll));
  sll.sll_family = AF_PACKET;
  sll.sll_protocol = htons(ETH_P_ALL);
  sll.sll_ifindex = (int)if_nametoindex(dev);
  if (sll.sll_ifindex == 0) die(dev);
  if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) die("bind");

  fprintf(stderr, "ready\n");

  uint64_t packets = 0, bytes = 0;
  unsigned sink = 0, cur = 0;
  struct pollfd pfd = {.fd = fd, .events = POLLIN | POLLERR};
  while (!stop) {
    struct tpacket_block_desc *bd = (struct tpacket_block_desc *)(map + (size_t)cur * req.tp_block_size);
    /* Acquire pairs with the kernel's release of the block to user space. */
    if ((__atomic_load_n(&bd->hdr.bh1.block_status, __ATOMIC_ACQUIRE) & TP_STATUS_USER) == 0) {
      if (poll(&pfd, 1, -1) < 0 && errno != EINTR) die("poll");
      continue;
    }
    uint32_t n = bd->hdr.bh1.num_pkts;
    struct tpacket3_hdr *h = (struct tpacket3_hdr *)((uint8_t *)bd + bd->hdr.bh1.offset_to_first_pkt);
    const uint8_t *end = (const uint8_t *)bd + bd->hdr.bh1.blk_len;
    const uint8_t *pf = (const uint8_t *)((uintptr_t)h & ~(uintptr_t)63);
    for (uint32_t i = 0; i < n; i++) {
      if (ahead) {
        const uint8_t *t = (const uint8_t *)h + ahead;
        for (; pf < t && pf < end; pf += 64) __builtin_prefetch(pf);
      }
      bytes += h->tp_len;
      sink += ((uint8_t *)h + h->tp_mac)[h->tp_snaplen - 1];
      h = (struct tpacket3_hdr *)((uint8_t *)h + h->tp_next_offset);
    }
    packets += n;
    /* Release: our reads of the block happen before the kernel reuses it. */
    __atomic_store_n(&bd->hdr.bh1.block_status, TP_STATUS_KERNEL, __ATOMIC_RELEASE);
    cur = (cur + 1) % nblocks;
  }

  struct tpacket_stats_v3 st;
  socklen_t len = sizeof(st);
  memset(&st, 0, sizeof(st));
  if (getsockopt(fd, SOL_PACKET, PACKET_STATISTICS, &st, &len) < 0) die("PACKET_STATISTICS");
  printf("packets=%llu bytes=%llu kernel_packets=%u kernel_drops=%u sink=%u\n", (unsigned long long)packets,
         (unsigned long long)bytes, st.tp_packets, st.tp_drops, sink & 1);
  munmap(map, map_len);
  close(fd);
  return 0;
}
