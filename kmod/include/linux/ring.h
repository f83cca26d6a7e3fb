/* SPDX-License-Identifier: GPL-2.0 */
/*
 * PF_RING 3.7.5 ABI shared by the kernel module, its plugins and user space
 * (the 2008 User Guide v1.1 API).  Layouts are the 3.7.5 x86_64 ones; the
 * module checks every size and offset with BUILD_BUG_ON.
 */
#ifndef _LINUX_PF_RING_3_7_5_H
#define _LINUX_PF_RING_3_7_5_H

#ifdef __KERNEL__
#include <linux/types.h>
#include <linux/list.h>
#else
#include <sys/types.h>
#include <sys/time.h>
#include <stdint.h>
#endif

#define RING_VERSION            "3.7.5"
#define RING_VERSION_NUM        0x030705
#define RING_FLOWSLOT_VERSION   9
#define RING_MAGIC_VALUE        0x88

#define PF_RING                 27      /* socket family */
#define SOCK_RING               PF_RING

/* setsockopt (level ignored) */
#define SO_ADD_TO_CLUSTER                99
#define SO_REMOVE_FROM_CLUSTER          100
#define SO_SET_REFLECTOR                101
#define SO_SET_STRING                   102     /* defined, not handled (as 3.7.5) */
#define SO_ADD_FILTERING_RULE           103
#define SO_REMOVE_FILTERING_RULE        104
#define SO_TOGGLE_FILTER_POLICY         105
#define SO_SET_SAMPLING_RATE            106
#define SO_ACTIVATE_RING                107
#define SO_RING_BUCKET_LEN              108     /* 3.8.1 extension: u32, before bind */
/* Extensions of this module (not in 3.7.5; numbers chosen to stay clear of
 * the 2008 releases' and of the later PF_RING ones where they mean the same) */
#define SO_RING_NUM_SLOTS               114     /* u32 1..65536, before bind: this ring's slots */
#define SO_SET_POLL_WATERMARK           117     /* u32 1..65535: wake a blocked reader at once from this many queued */
#define SO_SET_SAMPLING_ONE_IN          120     /* u32 >= 1: keep 1 packet in N (N = 2 included) */
#define SO_SET_POLL_WATERMARK_TIMEOUT   121     /* u32 0..10000 us: below the watermark, wake at most this late */
/* getsockopt */
#define SO_GET_RING_VERSION             110
#define SO_GET_FILTERING_RULE_STATS     111
#define SO_GET_HASH_FILTERING_RULE_STATS 112

#define MAX_PLUGIN_ID           128     /* valid ids: 1..MAX_PLUGIN_ID-1 */
#define MAX_PLUGIN_FIELDS       32
#define FILTER_PLUGIN_DATA_LEN  128
#define DEFAULT_RING_HASH_SIZE  4096
#define CLUSTER_LEN             8
#define NO_VLAN                 ((u_int16_t)-1)

/* Time stamp as user space sees it (struct timeval on LP64). */
#ifdef __KERNEL__
struct pfring_timeval {
	long long tv_sec;
	long long tv_usec;
};
#define PFRING_TIMEVAL struct pfring_timeval
#else
#define PFRING_TIMEVAL struct timeval
#endif

struct pkt_parsing_info {
	u_int16_t eth_type;     /* host order; inner type for 802.1Q */
	u_int16_t vlan_id;      /* 0 when untagged */
	u_int8_t  l3_proto, ipv4_tos;
	u_int32_t ipv4_src, ipv4_dst;   /* host order */
	u_int16_t l4_src_port, l4_dst_port;
	u_int8_t  tcp_flags;
	/* relative to skb->data: RX eth_offset = -14, TX eth_offset = 0 */
	u_int16_t eth_offset, vlan_offset, l3_offset, l4_offset, payload_offset;
};

struct pfring_pkthdr {
	PFRING_TIMEVAL ts;
	u_int32_t caplen;
	u_int32_t len;
	struct pkt_parsing_info parsed_pkt;
	u_int16_t parsed_header_len;    /* plugin data bytes before the packet */
};

typedef struct flowSlotInfo {
	u_int16_t version, sample_rate;
	u_int32_t tot_slots, slot_len, data_len, tot_mem;
	u_int64_t tot_pkts, tot_lost, tot_insert, tot_read;
	u_int32_t insert_idx, remove_idx;
} FlowSlotInfo;

typedef struct flowSlot {
	u_char magic;           /* RING_MAGIC_VALUE */
	u_char slot_state;      /* 0 = empty, 1 = full */
	u_char bucket;          /* header, plugin data, packet */
} FlowSlot;

typedef enum {
	forward_packet_and_stop_rule_evaluation = 0,
	dont_forward_packet_and_stop_rule_evaluation,
	execute_action_and_continue_rule_evaluation
} rule_action_behaviour;

typedef struct {
	u_int8_t  proto;                        /* 0 = any */
	u_int16_t vlan_id;                      /* 0 = any */
	u_int32_t host_low, host_high;          /* 0 = any; host order */
	u_int16_t port_low, port_high;          /* 0 = any */
} filtering_rule_core_fields;

typedef struct {
	char payload_pattern[32];
	u_int16_t filter_plugin_id;
	char filter_plugin_data[FILTER_PLUGIN_DATA_LEN];
} filtering_rule_extended_fields;

typedef struct {
	u_int16_t plugin_id;                    /* 0 = no plugin */
} filtering_rule_plugin_action;

typedef struct {
	u_int16_t rule_id;
	rule_action_behaviour rule_action;
	u_int8_t balance_id, balance_pool;
	filtering_rule_core_fields core_fields;
	filtering_rule_extended_fields extended_fields;
	filtering_rule_plugin_action plugin_action;
} filtering_rule;

typedef struct {
	u_int16_t vlan_id;
	u_int8_t  proto;
	u_int32_t host_peer_a, host_peer_b;
	u_int16_t port_peer_a, port_peer_b;
	rule_action_behaviour rule_action;
	filtering_rule_plugin_action plugin_action;
} hash_filtering_rule;

typedef struct _filtering_hash_bucket {
	hash_filtering_rule rule;
	void *plugin_data_ptr;          /* plugin private; kfree'd by the core */
	u_int16_t plugin_data_ptr_len;
	struct _filtering_hash_bucket *next;
} filtering_hash_bucket;

#ifdef __KERNEL__

struct sk_buff;
struct ts_config;

/* The 3.7.5 plugin prototypes name the packet header "struct pcap_pkthdr". */
#define pcap_pkthdr pfring_pkthdr

typedef struct {
	filtering_rule rule;
	struct ts_config *pattern;      /* unused: the module searches itself */
	struct list_head list;
	void *plugin_data_ptr;          /* plugin private; kfree'd by the core */
} filtering_rule_element;

/* Memory a filter plugin allocates (kmalloc, GFP_ATOMIC) for the packet:
 * the core copies it into the slot before the packet and frees both. */
struct parse_buffer {
	void *mem;
	u_int16_t mem_len;
};

typedef int (*plugin_filter_skb)(filtering_rule_element *rule,
				 struct pcap_pkthdr *hdr,
				 struct sk_buff *skb,
				 struct parse_buffer **parse_memory);
typedef int (*plugin_handle_skb)(filtering_rule_element *rule,
				 filtering_hash_bucket *hash_bucket,
				 struct pcap_pkthdr *hdr,
				 struct sk_buff *skb,
				 u_int16_t filter_plugin_id,
				 struct parse_buffer *filter_rule_memory_storage);
typedef int (*plugin_get_stats)(filtering_rule_element *rule,
				filtering_hash_bucket *hash_bucket,
				u_char *stats_buffer, u_int stats_buffer_len);

/*
 * Plugin callbacks run in softirq context with the ring's lock held (and from
 * getsockopt with bottom halves disabled): they must not sleep and must
 * allocate with GFP_ATOMIC.
 */
struct pfring_plugin_registration {
	u_int16_t plugin_id;
	char name[16];
	char description[64];
	plugin_filter_skb pfring_plugin_filter_skb;
	plugin_handle_skb pfring_plugin_handle_skb;
	plugin_get_stats  pfring_plugin_get_stats;
};

int do_register_pfring_plugin(struct pfring_plugin_registration *reg);
int do_unregister_pfring_plugin(u_int16_t pfring_plugin_id);

#endif /* __KERNEL__ */

#endif /* _LINUX_PF_RING_3_7_5_H */
