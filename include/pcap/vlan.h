/* 802.1Q tag as it appears in captured frames. */
#ifndef PCAP_VLAN_H_INCLUDED
#define PCAP_VLAN_H_INCLUDED

#include <stdint.h>

struct vlan_tag {
	uint16_t vlan_tpid;	/* ETH_P_8021Q */
	uint16_t vlan_tci;	/* priority, CFI and VLAN ID */
};

#define VLAN_TAG_LEN 4

#endif /* PCAP_VLAN_H_INCLUDED */
