/*
 * pfring_loop: the benchmark's libpfring capturer, written the way a 2008
 * application would: pfring_open, then pfring_recv into a 2048-byte buffer
 * in a loop, touching one byte of each packet.
 *
 *   cc -O2 pfring_loop.c -o pfring_loop $(pkg-config --cflags --libs libpfring) -lpthread
 *   pfring_loop -i DEV
 *
 * Prints "ready" on stderr once the ring is open and enabled; on SIGINT or
 * SIGTERM the handler reads pfring_stats and closes the ring (the guide's
 * pattern; the blocked pfring_recv then fails), and the program prints one
 * key=value line on stdout: packets=N bytes=N ring_recv=N ring_drops=N
 */
#include "pfring.h"

#include <errno.h>
#include <signal.h>

static pfring *ring;
static volatile sig_atomic_t stop;
static pfring_stat final_stats;
static volatile sig_atomic_t have_final;

static void on_signal(int sig) {
  (void)sig;
  if (stop) return;
  stop = 1;
  int saved = errno;
  if (pfring_stats(ring, &final_stats) == 0) have_final = 1;
  pfring_close(ring);
  errno = saved;
}

int main(int argc, char **argv) {
  char *dev = NULL;
  int opt;
  while ((opt = getopt(argc, argv, "i:")) != -1) {
    if (opt == 'i') dev = optarg;
    else {
      fprintf(stderr, "usage: pfring_loop -i DEV\n");
      return 2;
    }
  }
  if (dev == NULL) {
    fprintf(stderr, "usage: pfring_loop -i DEV\n");
    return 2;
  }
  ring = pfring_open(dev, 1, 0);
  if (ring == NULL) {
    fprintf(stderr, "pfring_loop: pfring_open(%s): %s\n", dev, strerror(errno));
    return 1;
  }
  struct sigaction sa;
  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = on_signal;
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  if (pfring_enable_ring(ring) != 0) {
    fprintf(stderr, "pfring_loop: pfring_enable_ring: %s\n", strerror(errno));
    return 1;
  }
  fprintf(stderr, "ready\n");

  char buffer[2048];
  struct pfring_pkthdr hdr;
  unsigned long long packets = 0, bytes = 0;
  unsigned sink = 0;
  while (!stop) {
    int rc = pfring_recv(ring, buffer, sizeof(buffer), &hdr, 1);
    if (rc > 0) {
      packets++;
      bytes += hdr.len;
      sink += (unsigned char)buffer[hdr.caplen - 1];
    } else if (rc < 0 && errno != EINTR) {
      break;
    }
  }
  if (!stop) {
    fprintf(stderr, "pfring_loop: pfring_recv: %s\n", strerror(errno));
    return 1;
  }
  printf("packets=%llu bytes=%llu ring_recv=%llu ring_drops=%llu sink=%u\n", packets, bytes,
         have_final ? (unsigned long long)final_stats.recv : 0ULL,
         have_final ? (unsigned long long)final_stats.drop : 0ULL, sink & 1);
  return 0;
}
