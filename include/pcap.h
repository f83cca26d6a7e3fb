/* libpcap compatibility header of pfring-rs: the API lives in <pcap/pcap.h>. */
#include <pcap/pcap.h>
