/* A program written the way 2008 programs were: it includes only
 * "pfring.h" and relies on it for stdio/stdlib/string/unistd/arpa/inet,
 * uses the rule types and enum names, the pcap-compatible header, and
 * treats the handle as opaque apart from fd. Built with -Werror.
 *
 * Usage: guide2008 DEVICE COUNT  -> receives COUNT frames (blocking),
 * checks pfsend's sequence numbers 0..COUNT-1 in order, prints a summary. */
#include "pfring.h"

static pfring *ring;

int main(int argc, char *argv[]) {
  u_int32_t version;
  struct pfring_pkthdr hdr;
  struct pcap_pkthdr *pcap_hdr = (struct pcap_pkthdr *)&hdr;
  pfring_stat stats;
  filtering_rule rule;
  hash_filtering_rule hrule;
  char buffer[2048];
  int i, count, rc;
  unsigned long long seq;

  if (argc != 3) {
    fprintf(stderr, "usage: %s DEVICE COUNT\n", argv[0]);
    exit(2);
  }
  count = atoi(argv[2]);
  memset(&rule, 0, sizeof(rule));
  rule.rule_id = 5;
  rule.rule_action = forward_packet_and_stop_rule_evaluation;
  rule.core_fields.proto = 17;
  memset(&hrule, 0, sizeof(hrule));
  hrule.rule_action = dont_forward_packet_and_stop_rule_evaluation;

  if ((ring = pfring_open(argv[1], 0, 0)) == NULL) {
    printf("pfring_open error [%s]\n", strerror(errno));
    return 1;
  }
  if (pfring_version(ring, &version) != 0 || version != 0x030705) {
    printf("bad version\n");
    return 1;
  }
  if (ring->fd < 0) {
    printf("bad fd\n");
    return 1;
  }
  if (pfring_enable_ring(ring) != 0) {
    printf("enable failed\n");
    return 1;
  }
  printf("ready\n");
  fflush(stdout);
  for (i = 0; i < count; i++) {
    rc = pfring_recv(ring, buffer, sizeof(buffer), &hdr, 1);
    if (rc <= 0) {
      printf("recv error %d [%s]\n", rc, strerror(errno));
      return 1;
    }
    memcpy(&seq, &buffer[42], 8);
    seq = ((unsigned long long)ntohl((u_int32_t)seq) << 32) | ntohl((u_int32_t)(seq >> 32));
    if (seq != (unsigned long long)i || pcap_hdr->caplen != 60 || pcap_hdr->len != 60 ||
        hdr.parsed_pkt.l3_proto != 17 || hdr.parsed_pkt.ipv4_src != 0xc6120001) {
      printf("frame %d: seq %llu caplen %u proto %u\n", i, seq, pcap_hdr->caplen,
             hdr.parsed_pkt.l3_proto);
      return 1;
    }
  }
  if (pfring_stats(ring, &stats) != 0) {
    printf("stats failed\n");
    return 1;
  }
  printf("received %d recv=%llu drop=%llu\n", count, (unsigned long long)stats.recv,
         (unsigned long long)stats.drop);
  pfring_close(ring);
  return 0;
}
