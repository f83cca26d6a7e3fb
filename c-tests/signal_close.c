/* What the 2008 pfcount does: SIGALRM calls pfring_stats every tick while
 * the main loop sits in a blocking pfring_recv, and a signal handler closes
 * the ring. The blocked recv must return -1, nothing may crash or hang.
 * Usage: signal_close DEVICE */
#include "pfring.h"
#include <signal.h>

static pfring *ring;
static volatile sig_atomic_t ticks, stats_ok;

static void on_alarm(int sig) {
  pfring_stat st;
  (void)sig;
  if (pfring_stats(ring, &st) == 0)
    stats_ok++;
  if (++ticks == 5)
    pfring_close(ring); /* the guide: "you can close a device from a signal handler" */
}

int main(int argc, char *argv[]) {
  struct pfring_pkthdr hdr;
  char buf[2048];
  struct itimerval it = {{0, 50000}, {0, 50000}};
  int rc, loops = 0;

  if (argc != 2)
    return 2;
  ring = pfring_open(argv[1], 1, 0);
  if (ring == NULL) {
    printf("open failed: %s\n", strerror(errno));
    return 1;
  }
  signal(SIGALRM, on_alarm);
  setitimer(ITIMER_REAL, &it, NULL);
  do {
    rc = pfring_recv(ring, buf, sizeof(buf), &hdr, 1);
    loops++;
  } while (rc >= 0 && loops < 1000000);
  it.it_value.tv_usec = it.it_interval.tv_usec = 0;
  setitimer(ITIMER_REAL, &it, NULL);
  printf("recv returned %d errno=%s ticks=%d stats_ok=%d\n", rc, errno == EBADF ? "EBADF" : "other",
         (int)ticks, (int)stats_ok);
  return !(rc == -1 && errno == EBADF && ticks == 5 && stats_ok == 5);
}
