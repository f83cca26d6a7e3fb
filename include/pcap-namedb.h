/* Old location of the name-lookup declarations; see <pcap/namedb.h>. */
#include <pcap/namedb.h>
