/* Run without CAP_NET_RAW: pfring_open must fail with EPERM. */
#include "pfring.h"

int main(int argc, char *argv[]) {
  pfring *r = pfring_open(argc > 1 ? argv[1] : "lo", 0, 0);
  if (r != NULL) {
    printf("unexpected success\n");
    pfring_close(r);
    return 1;
  }
  printf("pfring_open: %s\n", errno == EPERM ? "EPERM" : strerror(errno));
  return errno == EPERM ? 0 : 1;
}
