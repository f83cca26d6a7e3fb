// SPDX-License-Identifier: GPL-2.0
/*
 * PF_RING 3.7.5 (User Guide v1.1, January 2008) on current kernels.
 *
 * Socket family 27 (PF_RING); every socket owns a ring of kernel memory
 * (vmalloc_user) that user space maps with mmap and reads without system
 * calls.  Packets are taken with a vanilla ETH_P_ALL tap (dev_add_pack) on
 * RX and TX instead of the 2008 kernel patch.  The per-packet path follows
 * 3.7.5: BPF, ring full check, hash rules, wildcard rules in ascending id,
 * default policy, sampling countdown, reflection, copy into the slot.
 *
 * The ring memory is writable by user space, so nothing the kernel needs for
 * its own safety is read back from it: the kernel keeps private copies of the
 * insert index and the counters and only publishes them.  The only values it
 * reads from the shared area are the slot_state bytes (acquire) and the
 * user's remove_idx/tot_read (bounds-checked, used for poll/recvmsg only).
 */
#define pr_fmt(fmt) "PF_RING: " fmt

#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/init.h>
#include <linux/net.h>
#include <linux/netdevice.h>
#include <linux/etherdevice.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/if_vlan.h>
#include <linux/ip.h>
#include <linux/in.h>
#include <linux/skbuff.h>
#include <linux/filter.h>
#include <linux/vmalloc.h>
#include <linux/slab.h>
#include <linux/mm.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <linux/poll.h>
#include <linux/capability.h>
#include <linux/sched/signal.h>
#include <linux/sockptr.h>
#include <linux/uaccess.h>
#include <linux/rculist.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/moduleparam.h>
#include <linux/version.h>
#include <linux/hrtimer.h>
#include <net/sock.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 12, 0)
#include <linux/unaligned.h>
#else
#include <asm/unaligned.h>
#endif

#include <linux/ring.h>

MODULE_LICENSE("GPL");
MODULE_AUTHOR("pfring-rs project");
MODULE_DESCRIPTION("PF_RING 3.7.5 packet capture ring (socket family 27) on dev_add_pack");
MODULE_VERSION(RING_VERSION);

#define RING_HDR_LEN            64      /* sizeof(struct pfring_pkthdr) */
#define SLOT_OVERHEAD           (2 + RING_HDR_LEN)
#define MIN_BUCKET_LEN          16
#define MAX_BUCKET_LEN          65535
#define MIN_NUM_SLOTS           1
#define MAX_NUM_SLOTS           65536
#define MAX_RING_MEM            (128UL << 20)
#define MAX_WILDCARD_RULES      4096
#define MAX_HASH_RULES          65536
#define MAX_STATS_LEN           4096
#define MIN_QUEUED_PKTS         64
#define MAX_POLL_WATERMARK      65535
#define MAX_POLL_TIMEOUT_US     10000   /* a lone packet reaches a blocked reader within 10 ms */
#define MAX_QUEUE_LOOPS         64

/* ------------------------------------------------------------------ params */

static unsigned int bucket_len = 128;
static unsigned int num_slots = 4096;
static bool transparent_mode = true;
static bool enable_tx_capture = true;
static bool enable_ip_defrag;
static unsigned int poll_watermark = 128;
static unsigned int poll_timeout_us = 4000;

static int param_set_range(const char *val, const struct kernel_param *kp,
			   unsigned int lo, unsigned int hi)
{
	unsigned int v;
	int rc = kstrtouint(val, 0, &v);

	if (rc)
		return rc;
	if (v < lo || v > hi) {
		pr_err("%s=%u out of range [%u, %u]\n", kp->name, v, lo, hi);
		return -EINVAL;
	}
	*(unsigned int *)kp->arg = v;
	return 0;
}

static int bucket_len_set(const char *val, const struct kernel_param *kp)
{
	return param_set_range(val, kp, MIN_BUCKET_LEN, MAX_BUCKET_LEN);
}

static int num_slots_set(const char *val, const struct kernel_param *kp)
{
	return param_set_range(val, kp, MIN_NUM_SLOTS, MAX_NUM_SLOTS);
}

static int poll_watermark_set(const char *val, const struct kernel_param *kp)
{
	return param_set_range(val, kp, 1, MAX_POLL_WATERMARK);
}

static int poll_timeout_set(const char *val, const struct kernel_param *kp)
{
	return param_set_range(val, kp, 0, MAX_POLL_TIMEOUT_US);
}

static int transparent_set(const char *val, const struct kernel_param *kp)
{
	bool v;
	int rc = kstrtobool(val, &v);

	if (rc)
		return rc;
	if (!v) {
		pr_err("transparent_mode=0 is not supported: a dev_add_pack tap cannot keep packets from the stack\n");
		return -EINVAL;
	}
	*(bool *)kp->arg = v;
	return 0;
}

static int defrag_set(const char *val, const struct kernel_param *kp)
{
	bool v;
	int rc = kstrtobool(val, &v);

	if (rc)
		return rc;
	if (v) {
		pr_err("enable_ip_defrag=1 is not supported by this module\n");
		return -EINVAL;
	}
	*(bool *)kp->arg = v;
	return 0;
}

static const struct kernel_param_ops bucket_len_ops = {
	.set = bucket_len_set, .get = param_get_uint,
};
static const struct kernel_param_ops num_slots_ops = {
	.set = num_slots_set, .get = param_get_uint,
};
static const struct kernel_param_ops poll_watermark_ops = {
	.set = poll_watermark_set, .get = param_get_uint,
};
static const struct kernel_param_ops poll_timeout_ops = {
	.set = poll_timeout_set, .get = param_get_uint,
};
static const struct kernel_param_ops transparent_ops = {
	.set = transparent_set, .get = param_get_bool,
};
static const struct kernel_param_ops defrag_ops = {
	.set = defrag_set, .get = param_get_bool,
};

module_param_cb(bucket_len, &bucket_len_ops, &bucket_len, 0644);
MODULE_PARM_DESC(bucket_len, "Bytes of packet kept per slot (default 128)");
module_param_cb(num_slots, &num_slots_ops, &num_slots, 0644);
MODULE_PARM_DESC(num_slots, "Slots per ring (default 4096)");
module_param_cb(poll_watermark, &poll_watermark_ops, &poll_watermark, 0644);
MODULE_PARM_DESC(poll_watermark,
		 "Queued packets that wake a blocked reader at once (default 128, 1 = every packet as 3.7.5)");
module_param_cb(poll_timeout_us, &poll_timeout_ops, &poll_timeout_us, 0644);
MODULE_PARM_DESC(poll_timeout_us,
		 "Below the watermark, a blocked reader is woken at most this many us after a packet on an idle ring, twice that (at most 10000) while packets keep coming (default 4000, max 10000, 0 = at once as 3.7.5)");
module_param_cb(transparent_mode, &transparent_ops, &transparent_mode, 0644);
MODULE_PARM_DESC(transparent_mode, "Packets also go to the stack (only 1 is supported)");
module_param(enable_tx_capture, bool, 0644);
MODULE_PARM_DESC(enable_tx_capture, "Capture transmitted packets too (default 1)");
module_param_cb(enable_ip_defrag, &defrag_ops, &enable_ip_defrag, 0644);
MODULE_PARM_DESC(enable_ip_defrag, "IP defragmentation (only 0 is supported)");

/* ------------------------------------------------------------------ state */

struct ring_sock {
	struct sock sk;                 /* must be first */

	/* Protects the ring indices and counters, rules, hash table and the
	 * sampling countdown.  Taken with spin_lock in the packet handler
	 * (softirq) and spin_lock_bh from process context. */
	spinlock_t lock;

	u32 ring_id;
	pid_t pid;
	struct net *net;
	int ifindex;                    /* 0 = not bound; WRITE_ONCE/READ_ONCE */
	char ifname[IFNAMSIZ];
	u8 bound;                       /* store-release at bind */
	u8 active;                      /* set by poll, recvmsg, SO_ACTIVATE_RING */
	u32 bucket_len_req;             /* SO_RING_BUCKET_LEN; 0 = module default */
	u32 num_slots_req;              /* SO_RING_NUM_SLOTS; 0 = module default */
	bool in_list;

	/* ring memory (fixed after bind) */
	void *mem;
	FlowSlotInfo *info;
	u8 *slots;
	u32 tot_mem, tot_slots, slot_len, bucket_len;

	/* private copies, published to info (never read back) */
	u32 insert_idx;
	u64 tot_pkts, tot_lost, tot_insert;

	/* sampling: sample_rate as set (shown in /proc), sample_skip packets
	 * dropped after each one kept (0 = no sampling) */
	u32 sample_rate, sample_skip, pkt_to_sample;

	/* Batched wake-ups: a blocked reader is woken at once when
	 * poll_watermark packets are queued, else by wake_timer at most
	 * poll_timeout_ns after the packet (0 = every packet, as 3.7.5). */
	u32 poll_watermark;             /* READ_ONCE/WRITE_ONCE */
	u32 poll_timeout_ns;            /* READ_ONCE/WRITE_ONCE */
	struct hrtimer wake_timer;
	u64 timer_fired_ns;             /* last expiry (ktime_get_ns); READ_ONCE/WRITE_ONCE */

	/* rules */
	struct list_head rules;         /* filtering_rule_element, ascending id */
	u32 num_rules;
	u8 default_accept;
	filtering_hash_bucket **hash;   /* DEFAULT_RING_HASH_SIZE heads */
	u32 num_hash_rules;

	/* cluster (cluster_lock) */
	u16 cluster_id;

	/* reflector */
	int reflector_ifindex;          /* READ_ONCE/WRITE_ONCE */

	struct proc_dir_entry *proc;
	char proc_name[IFNAMSIZ + 32];
	struct list_head node;          /* ring_list, RCU */
};

static inline struct ring_sock *ring_sk(struct sock *sk)
{
	return container_of(sk, struct ring_sock, sk);
}

struct ring_cluster {
	struct list_head node;
	u16 id;
	u8 num;
	struct ring_sock *member[CLUSTER_LEN];
};

static LIST_HEAD(ring_list);                    /* RCU readers in the tap */
static DEFINE_MUTEX(ring_mutex);                /* writers of ring_list */
static atomic_t ring_count = ATOMIC_INIT(0);
static atomic_t ring_id_gen = ATOMIC_INIT(0);
static LIST_HEAD(cluster_list);
static DEFINE_SPINLOCK(cluster_lock);

static struct pfring_plugin_registration __rcu *plugins[MAX_PLUGIN_ID];
static DEFINE_MUTEX(plugin_mutex);
static atomic_t plugin_count = ATOMIC_INIT(0);

/* /proc/net/pf_ring of every network namespace */
struct ring_net {
	struct proc_dir_entry *dir;
};

static unsigned int ring_net_id;

/* ------------------------------------------------------------------ plugins */

int do_register_pfring_plugin(struct pfring_plugin_registration *reg)
{
	int rc = 0;

	if (!reg || reg->plugin_id == 0 || reg->plugin_id >= MAX_PLUGIN_ID)
		return -EINVAL;
	mutex_lock(&plugin_mutex);
	if (rcu_access_pointer(plugins[reg->plugin_id])) {
		rc = -EEXIST;
	} else {
		rcu_assign_pointer(plugins[reg->plugin_id], reg);
		atomic_inc(&plugin_count);
		pr_info("registered plugin %u (%.16s)\n", reg->plugin_id, reg->name);
	}
	mutex_unlock(&plugin_mutex);
	return rc;
}
EXPORT_SYMBOL(do_register_pfring_plugin);

/*
 * Safe while rules still name the plugin: the packet path and getsockopt only
 * call plugins inside an RCU read section, so after synchronize_rcu() no
 * callback of the plugin can be running or start; rules naming an absent
 * plugin simply skip it.
 */
int do_unregister_pfring_plugin(u_int16_t pfring_plugin_id)
{
	int rc = 0;

	if (pfring_plugin_id == 0 || pfring_plugin_id >= MAX_PLUGIN_ID)
		return -EINVAL;
	mutex_lock(&plugin_mutex);
	if (!rcu_access_pointer(plugins[pfring_plugin_id])) {
		rc = -ENOENT;
	} else {
		RCU_INIT_POINTER(plugins[pfring_plugin_id], NULL);
		atomic_dec(&plugin_count);
	}
	mutex_unlock(&plugin_mutex);
	if (!rc) {
		synchronize_rcu();
		pr_info("unregistered plugin %u\n", pfring_plugin_id);
	}
	return rc;
}
EXPORT_SYMBOL(do_unregister_pfring_plugin);

/* Caller holds rcu_read_lock. */
static struct pfring_plugin_registration *get_plugin(u16 id)
{
	if (id == 0 || id >= MAX_PLUGIN_ID)
		return NULL;
	return rcu_dereference(plugins[id]);
}

static void free_parse_buffer(struct parse_buffer *pb)
{
	if (pb) {
		kfree(pb->mem);
		kfree(pb);
	}
}

/* ------------------------------------------------------------------ frames */

/*
 * The frame as user space sees it.  skb->data points at the MAC header while
 * the tap runs.  A VLAN tag the stack moved into skb->vlan_tci (veth and most
 * NICs do on RX) is put back at offset 12, as libpcap and libpfring's
 * AF_PACKET backend do, so frames, lengths and parsed offsets are the same
 * as on the wire.
 */
struct pkt_ctx {
	struct sk_buff *skb;
	u16 displ;              /* original skb->data - MAC header (14 RX, 0 TX) */
	bool tagged;            /* tag re-inserted from vlan_tci */
	u8 tag[VLAN_HLEN];
	u32 len;                /* frame length, tag included */
	u32 l3;                 /* skb offset of the IPv4 header (0 = none) */
};

/* Copies [off, off+n) of the frame into dst; false if outside it. */
static bool frame_copy(const struct pkt_ctx *c, u32 off, u32 n, u8 *dst)
{
	u32 end = off + n;

	if (end < off || end > c->len)
		return false;
	if (!c->tagged)
		return skb_copy_bits(c->skb, off, dst, n) == 0;
	while (off < end) {
		u32 k;

		if (off < 12) {
			k = min_t(u32, end, 12) - off;
			if (skb_copy_bits(c->skb, off, dst, k))
				return false;
		} else if (off < 12 + VLAN_HLEN) {
			k = min_t(u32, end, 12 + VLAN_HLEN) - off;
			memcpy(dst, c->tag + (off - 12), k);
		} else {
			k = end - off;
			if (skb_copy_bits(c->skb, off - VLAN_HLEN, dst, k))
				return false;
		}
		off += k;
		dst += k;
	}
	return true;
}

/* Pointer to n (<= buffer size) frame bytes at off, or NULL. */
static const u8 *frame_ptr(const struct pkt_ctx *c, u32 off, u32 n, u8 *buf)
{
	if (!c->tagged)
		return skb_header_pointer(c->skb, off, n, buf);
	return frame_copy(c, off, n, buf) ? buf : NULL;
}

#define PARSE_SPAN 128     /* >= 18 (Ethernet + 802.1Q) + 60 (IPv4) + 14 (TCP) */

/*
 * Fills parsed_pkt as 3.7.5's parse_pkt did, field by field, so a truncated
 * frame keeps the fields it has.  Offsets are relative to the kernel's
 * original skb->data: the network header on RX (eth_offset = -14), the MAC
 * header on TX.  Same results as libpfring's user-space parser.  Works on
 * one contiguous view of the first PARSE_SPAN bytes (a pointer into the skb
 * for the usual linear, untagged frame).
 */
static void parse_pkt(struct pkt_ctx *c, struct pkt_parsing_info *p)
{
	u8 buf[PARSE_SPAN];
	u32 n = min_t(u32, c->len, PARSE_SPAN), l3 = ETH_HLEN, l4;
	const u8 *d = frame_ptr(c, 0, n, buf);
	u16 base = (u16)(0 - c->displ);
	u8 ver_ihl;

	memset(p, 0, sizeof(*p));
	c->l3 = 0;
	p->eth_offset = base;
	if (!d || n < 14)
		return;
	p->eth_type = get_unaligned_be16(d + 12);
	if (p->eth_type == ETH_P_8021Q) {
		p->vlan_offset = base + ETH_HLEN;
		if (n < 16)
			return;
		p->vlan_id = get_unaligned_be16(d + 14) & VLAN_VID_MASK;
		if (n < 18)
			return;
		p->eth_type = get_unaligned_be16(d + 16);
		l3 += VLAN_HLEN;
	}
	if (p->eth_type != ETH_P_IP || n < l3 + 1)
		return;
	ver_ihl = d[l3];
	p->l3_offset = base + l3;
	c->l3 = c->tagged ? l3 - VLAN_HLEN : l3;
	if (n < l3 + 2)
		return;
	p->ipv4_tos = d[l3 + 1];
	if (n < l3 + 10)
		return;
	p->l3_proto = d[l3 + 9];
	if (n < l3 + 16)
		return;
	p->ipv4_src = get_unaligned_be32(d + l3 + 12);
	if (n < l3 + 20)
		return;
	p->ipv4_dst = get_unaligned_be32(d + l3 + 16);
	l4 = l3 + (ver_ihl & 0x0f) * 4;
	p->l4_offset = base + l4;
	switch (p->l3_proto) {
	case IPPROTO_TCP:
		if (n < l4 + 14)
			return;
		p->l4_src_port = get_unaligned_be16(d + l4);
		p->l4_dst_port = get_unaligned_be16(d + l4 + 2);
		p->tcp_flags = d[l4 + 13] & 0x3f;
		p->payload_offset = base + l4 + (d[l4 + 12] >> 4) * 4;
		break;
	case IPPROTO_UDP:
		if (n < l4 + 2)
			return;
		p->l4_src_port = get_unaligned_be16(d + l4);
		if (n < l4 + 4)
			return;
		p->l4_dst_port = get_unaligned_be16(d + l4 + 2);
		p->payload_offset = base + l4 + 8;
		break;
	default:
		p->payload_offset = p->l4_offset;
		break;
	}
}

/* 3.7.5 hash_skb (cluster_per_flow): the sum of the raw network-order
 * saddr + daddr + protocol (+ TCP/UDP ports), read at the IPv4 header
 * assuming it is 20 bytes long; packets whose network part is <= 40 bytes
 * (or that are not IPv4) hash to that length.  Symmetric, so both directions
 * of a flow go to the same member. */
static u32 hash_skb(const struct pkt_ctx *c)
{
	u8 buf[24];
	const u8 *d;
	u32 off = c->l3 ? c->l3 : ETH_HLEN;
	u32 len = c->skb->len > off ? c->skb->len - off : 0, h;

	if (len <= 40 || !c->l3)
		return len;
	d = skb_header_pointer(c->skb, off, 24, buf);
	if (!d)
		return len;
	h = get_unaligned((const u32 *)(d + 12)) + get_unaligned((const u32 *)(d + 16)) + d[9];
	if (d[9] == IPPROTO_TCP || d[9] == IPPROTO_UDP)
		h += get_unaligned((const u16 *)(d + 20)) + get_unaligned((const u16 *)(d + 22));
	return h;
}

/* 3.7.5 hash_pkt_header: u32 wrapping sum of the parsed host-order fields.
 * Used for balance_pool/balance_id and the hash-rule buckets. */
static u32 tuple_hash(const struct pkt_parsing_info *p)
{
	return (u32)p->vlan_id + p->l3_proto + p->ipv4_src + p->ipv4_dst + p->l4_src_port + p->l4_dst_port;
}

/* Is the NUL-terminated (at most 32 bytes) pattern in the captured payload
 * (from the payload offset to the end of the captured frame)? */
static bool match_payload(const struct pkt_ctx *c, const struct pkt_parsing_info *p,
			  const char *pattern, u32 caplen)
{
	size_t plen = strnlen(pattern, 32);
	u32 start, end, pos;
	u8 chunk[256];

	if (p->payload_offset == 0 || plen == 0)
		return false;
	start = (u16)(p->payload_offset + c->displ);
	end = min(c->len, caplen);
	if (start >= end || end - start < plen)
		return false;
	/* Scan in chunks overlapping by plen-1 so matches across chunks are seen. */
	for (pos = start; pos + plen <= end;) {
		u32 n = min_t(u32, sizeof(chunk), end - pos), i;
		const u8 *d = frame_ptr(c, pos, n, chunk);

		if (!d)
			return false;
		for (i = 0; i + plen <= n; i++)
			if (d[i] == (u8)pattern[0] && !memcmp(d + i, pattern, plen))
				return true;
		if (pos + n >= end)
			break;
		pos += n - (plen - 1);
	}
	return false;
}

/* ------------------------------------------------------------------ rules */

static u32 hash_rule_idx(u16 vlan, u8 proto, u32 a, u32 b, u16 pa, u16 pb)
{
	return (vlan + proto + a + b + pa + pb) % DEFAULT_RING_HASH_SIZE;
}

static bool hash_rule_eq(const hash_filtering_rule *r, u16 vlan, u8 proto,
			 u32 a, u32 b, u16 pa, u16 pb)
{
	if (r->vlan_id != vlan || r->proto != proto)
		return false;
	return (r->host_peer_a == a && r->host_peer_b == b &&
		r->port_peer_a == pa && r->port_peer_b == pb) ||
	       (r->host_peer_a == b && r->host_peer_b == a &&
		r->port_peer_a == pb && r->port_peer_b == pa);
}

static filtering_hash_bucket *find_hash_rule(struct ring_sock *pfr, const hash_filtering_rule *r,
					     filtering_hash_bucket ***link)
{
	filtering_hash_bucket **pp, *b;

	if (!pfr->hash)
		return NULL;
	pp = &pfr->hash[hash_rule_idx(r->vlan_id, r->proto, r->host_peer_a, r->host_peer_b,
				      r->port_peer_a, r->port_peer_b)];
	for (b = *pp; b; pp = &b->next, b = b->next) {
		if (hash_rule_eq(&b->rule, r->vlan_id, r->proto, r->host_peer_a, r->host_peer_b,
				 r->port_peer_a, r->port_peer_b)) {
			if (link)
				*link = pp;
			return b;
		}
	}
	return NULL;
}

/* Rules as the kernel keeps them: what plugins see, plus the per-rule
 * statistics (packets and bytes matched, whatever the action; pfr->lock). */
struct rule_node {
	filtering_rule_element e;
	u64 pkts, bytes;
};

struct hash_node {
	filtering_hash_bucket b;
	u64 pkts, bytes;
};

#define RULE_NODE(ep) container_of(ep, struct rule_node, e)
#define HASH_NODE(bp) container_of(bp, struct hash_node, b)

struct rule_stats {             /* pfring_rule_stats of libpfring */
	u64 num_pkts, num_bytes;
};

static void free_rule(filtering_rule_element *e)
{
	kfree(e->plugin_data_ptr);
	kfree(RULE_NODE(e));
}

static void free_hash_bucket(filtering_hash_bucket *b)
{
	kfree(b->plugin_data_ptr);
	kfree(HASH_NODE(b));
}

/* A wildcard rule's header part and filters; caller holds pfr->lock and
 * rcu_read_lock.  A filter plugin may hand back parse memory in *pb. */
static bool match_rule(filtering_rule_element *e, const struct pkt_ctx *c, u32 caplen,
		       struct pfring_pkthdr *hdr, struct parse_buffer **pb)
{
	const filtering_rule *r = &e->rule;
	const struct pkt_parsing_info *p = &hdr->parsed_pkt;
	struct pfring_plugin_registration *plug;

	if (r->core_fields.vlan_id > 0 && r->core_fields.vlan_id != p->vlan_id)
		return false;
	if (r->core_fields.proto > 0 && r->core_fields.proto != p->l3_proto)
		return false;
	if (r->core_fields.host_low > 0 &&
	    (p->ipv4_src < r->core_fields.host_low || p->ipv4_src > r->core_fields.host_high ||
	     p->ipv4_dst < r->core_fields.host_low || p->ipv4_dst > r->core_fields.host_high))
		return false;
	if (r->core_fields.port_high > 0 &&
	    !((p->l4_src_port >= r->core_fields.port_low && p->l4_src_port <= r->core_fields.port_high) ||
	      (p->l4_dst_port >= r->core_fields.port_low && p->l4_dst_port <= r->core_fields.port_high)))
		return false;
	if (r->balance_pool > 0 && tuple_hash(p) % r->balance_pool != r->balance_id)
		return false;
	if (r->extended_fields.payload_pattern[0] &&
	    !match_payload(c, p, r->extended_fields.payload_pattern, caplen))
		return false;
	plug = get_plugin(r->extended_fields.filter_plugin_id);
	if (plug && plug->pfring_plugin_filter_skb) {
		struct parse_buffer *mem = NULL;
		int rc = plug->pfring_plugin_filter_skb(e, hdr, c->skb, &mem);

		if (rc <= 0) {
			free_parse_buffer(mem);
			return false;
		}
		if (mem) {
			free_parse_buffer(*pb);
			*pb = mem;
		}
	}
	return true;
}

/* ------------------------------------------------------------------ per packet */

static void publish_counters(struct ring_sock *pfr)
{
	WRITE_ONCE(pfr->info->tot_pkts, pfr->tot_pkts);
	WRITE_ONCE(pfr->info->tot_lost, pfr->tot_lost);
	WRITE_ONCE(pfr->info->tot_insert, pfr->tot_insert);
	WRITE_ONCE(pfr->info->insert_idx, pfr->insert_idx);
}

static void reflect_skb(struct ring_sock *pfr, struct sk_buff *skb, int ifindex)
{
	struct net_device *rdev = dev_get_by_index_rcu(pfr->net, ifindex);
	struct sk_buff *c;

	if (!rdev || !netif_running(rdev) || netif_queue_stopped(rdev))
		return;
	c = skb_clone(skb, GFP_ATOMIC);        /* data already at the MAC header */
	if (!c)
		return;
	c->dev = rdev;
	skb_reset_mac_header(c);
	skb_reset_network_header(c);
	c->pkt_type = PACKET_OUTGOING;
	dev_queue_xmit(c);
}

/* Wakes the ring's sleepers (poll, recvmsg): the batched wake-up's timer. */
static enum hrtimer_restart ring_wake_timer(struct hrtimer *t)
{
	struct ring_sock *pfr = container_of(t, struct ring_sock, wake_timer);

	WRITE_ONCE(pfr->timer_fired_ns, ktime_get_ns());
	pfr->sk.sk_data_ready(&pfr->sk);
	return HRTIMER_NORESTART;
}

/* After a packet was queued (ring lock held): true if the reader is to be
 * woken now (3.7.5 woke it for every packet), which is the case when the
 * timeout is 0 or the watermark is reached.  Otherwise the wake-up timer is
 * armed unless it is already pending, so a packet on an idle ring wakes a
 * blocked reader at most poll_timeout after it arrived, while a paced stream
 * wakes it once per period rather than once per packet.  While packets keep
 * coming (the timer fired less than 3 timeouts ago) the period is twice the
 * timeout, at most MAX_POLL_TIMEOUT_US: every packet still reaches a blocked
 * reader within 10 ms.  tot_read is the user's: a value that makes no sense
 * gives a huge count, hence a wake-up. */
static bool ring_wake_or_arm(struct ring_sock *pfr)
{
	u32 timeout = READ_ONCE(pfr->poll_timeout_ns);
	u64 queued = pfr->tot_insert - READ_ONCE(pfr->info->tot_read);
	u64 now, fired, delay;

	if (!timeout || queued >= READ_ONCE(pfr->poll_watermark))
		return true;
	if (hrtimer_is_queued(&pfr->wake_timer))
		return false;
	delay = timeout;
	now = ktime_get_ns();
	fired = READ_ONCE(pfr->timer_fired_ns);
	if (fired && now - fired < 3ULL * timeout)
		delay = min_t(u64, 2ULL * timeout, (u64)MAX_POLL_TIMEOUT_US * NSEC_PER_USEC);
	hrtimer_start(&pfr->wake_timer, ns_to_ktime(delay), HRTIMER_MODE_REL_SOFT);
	return false;
}

static void add_skb_to_ring(struct ring_sock *pfr, const struct pkt_ctx *c,
			    const struct pfring_pkthdr *tmpl, bool tx)
{
	struct sk_buff *skb = c->skb;
	struct pfring_pkthdr hdr = *tmpl;
	struct parse_buffer *pb = NULL;
	struct sk_filter *filter;
	filtering_rule_element *e;
	u8 *slot;
	bool fwd, wake_now;
	int reflect_to = 0;
	u32 plen = 0, caplen;

	if (!READ_ONCE(pfr->active))
		return;

	spin_lock(&pfr->lock);
	pfr->tot_pkts++;

	filter = rcu_dereference(pfr->sk.sk_filter);
	if (filter && bpf_prog_run_clear_cb(filter->prog, skb) == 0)
		goto out_publish;

	slot = pfr->slots + (size_t)pfr->insert_idx * pfr->slot_len;
	/* Partner: the user's store of slot_state = 0 (release) after it has
	 * copied the slot out; only then may the slot be overwritten. */
	if (smp_load_acquire(&slot[1]) != 0) {
		pfr->tot_lost++;
		goto out_publish;
	}

	fwd = pfr->default_accept;

	if (pfr->num_hash_rules) {
		const struct pkt_parsing_info *p = &hdr.parsed_pkt;
		filtering_hash_bucket *b;
		u32 idx = hash_rule_idx(p->vlan_id, p->l3_proto, p->ipv4_src, p->ipv4_dst,
					p->l4_src_port, p->l4_dst_port);

		for (b = pfr->hash[idx]; b; b = b->next)
			if (hash_rule_eq(&b->rule, p->vlan_id, p->l3_proto, p->ipv4_src,
					 p->ipv4_dst, p->l4_src_port, p->l4_dst_port))
				break;
		if (b) {
			struct pfring_plugin_registration *plug =
				get_plugin(b->rule.plugin_action.plugin_id);

			HASH_NODE(b)->pkts++;
			HASH_NODE(b)->bytes += c->len;
			if (plug && plug->pfring_plugin_handle_skb)
				plug->pfring_plugin_handle_skb(NULL, b, &hdr, skb, 0, NULL);
			if (b->rule.rule_action == forward_packet_and_stop_rule_evaluation) {
				fwd = true;
				goto rules_done;
			} else if (b->rule.rule_action == dont_forward_packet_and_stop_rule_evaluation) {
				fwd = false;
				goto rules_done;
			}
		}
	}

	list_for_each_entry(e, &pfr->rules, list) {
		struct pfring_plugin_registration *plug;

		if (!match_rule(e, c, min(c->len, pfr->bucket_len), &hdr, &pb))
			continue;
		RULE_NODE(e)->pkts++;
		RULE_NODE(e)->bytes += c->len;
		plug = get_plugin(e->rule.plugin_action.plugin_id);
		if (plug && plug->pfring_plugin_handle_skb)
			plug->pfring_plugin_handle_skb(e, NULL, &hdr, skb,
						       e->rule.extended_fields.filter_plugin_id, pb);
		if (e->rule.rule_action == forward_packet_and_stop_rule_evaluation) {
			fwd = true;
			break;
		} else if (e->rule.rule_action == dont_forward_packet_and_stop_rule_evaluation) {
			fwd = false;
			break;
		}
	}

rules_done:
	if (!fwd)
		goto out_publish;

	/* Sampling countdown as 3.7.5: keep one, then drop the next sample_skip
	 * (sample_rate for SO_SET_SAMPLING_RATE, N - 1 for SO_SET_SAMPLING_ONE_IN). */
	if (pfr->sample_skip) {
		if (pfr->pkt_to_sample == 0) {
			pfr->pkt_to_sample = pfr->sample_skip;
		} else {
			pfr->pkt_to_sample--;
			goto out_publish;
		}
	}

	/* Reflection: the packet goes out of the reflector and is not queued.
	 * Only received packets are reflected, so a ring cannot loop on its
	 * own transmissions. */
	reflect_to = READ_ONCE(pfr->reflector_ifindex);
	if (reflect_to && !tx)
		goto out_publish;
	reflect_to = 0;

	if (pb && pb->mem && pb->mem_len)
		plen = min_t(u32, pb->mem_len, pfr->bucket_len);
	caplen = min_t(u32, hdr.len, pfr->bucket_len - plen);
	hdr.caplen = caplen;
	hdr.parsed_header_len = plen;
	memcpy(slot + 2, &hdr, sizeof(hdr));
	if (plen)
		memcpy(slot + 2 + RING_HDR_LEN, pb->mem, plen);
	if (!frame_copy(c, 0, caplen, slot + 2 + RING_HDR_LEN + plen))
		memset(slot + 2 + RING_HDR_LEN + plen, 0, caplen);
	pfr->insert_idx = pfr->insert_idx + 1 >= pfr->tot_slots ? 0 : pfr->insert_idx + 1;
	pfr->tot_insert++;
#ifdef PF_RING_SELFTEST_OOPS
	/* Harness self-test build only (vm-test.sh KMOD_KCFLAGS): oops on the
	 * 5th queued frame, to show that a crash fails the VM run at once. */
	if (pfr->tot_insert == 5)
		*(volatile int *)pfr->hash = 1;
#endif
	publish_counters(pfr);
	/* Partner: pfring_recv's acquire load of slot_state before it reads the
	 * header, data and tot_insert written above. */
	smp_store_release(&slot[1], 1);
	wake_now = ring_wake_or_arm(pfr);
	spin_unlock(&pfr->lock);
	free_parse_buffer(pb);
	if (wake_now)
		pfr->sk.sk_data_ready(&pfr->sk);
	return;

out_publish:
	publish_counters(pfr);
	spin_unlock(&pfr->lock);
	free_parse_buffer(pb);
	if (reflect_to)
		reflect_skb(pfr, skb, reflect_to);
}

static bool ring_wants(struct ring_sock *pfr, const struct net_device *dev)
{
	return smp_load_acquire(&pfr->bound) && READ_ONCE(pfr->ifindex) == dev->ifindex &&
	       net_eq(pfr->net, dev_net(dev));
}

/* Sets up the frame view and the packet header once per packet, when the
 * first ring wants it.  false: the skb has no usable MAC header. */
static bool prepare_pkt(struct sk_buff *skb, struct pkt_ctx *ctx, struct pfring_pkthdr *hdr)
{
	struct timespec64 ts;
	int mac_off = skb_mac_offset(skb);

	if (mac_off > 0 || -mac_off > skb_headroom(skb) || -mac_off > 64)
		return false;
	ctx->skb = skb;
	ctx->displ = (u16)(-mac_off);
	/* As AF_PACKET does: look at the frame from its MAC header while the
	 * handler runs; ring_rcv restores data/len before returning. */
	skb_push(skb, ctx->displ);
	ctx->tagged = skb_vlan_tag_present(skb);
	ctx->len = skb->len;
	if (ctx->tagged) {
		put_unaligned_be16(be16_to_cpu(skb->vlan_proto), ctx->tag);
		put_unaligned_be16(skb_vlan_tag_get(skb), ctx->tag + 2);
		ctx->len += VLAN_HLEN;
	}
	memset(hdr, 0, sizeof(*hdr));
	/* skb->tstamp may be unset or a mono delivery time on TX: take the
	 * wall clock at the tap, as 3.7.5 did when the skb had none. */
	ktime_get_real_ts64(&ts);
	hdr->ts.tv_sec = ts.tv_sec;
	hdr->ts.tv_usec = ts.tv_nsec / NSEC_PER_USEC;
	hdr->len = ctx->len;
	parse_pkt(ctx, &hdr->parsed_pkt);
	return true;
}

static int ring_rcv(struct sk_buff *skb, struct net_device *dev,
		    struct packet_type *pt, struct net_device *orig_dev)
{
	struct ring_sock *targets[16];
	struct pfring_pkthdr hdr;
	struct ring_cluster *cl;
	struct pkt_ctx ctx;
	struct ring_sock *pfr;
	unsigned int ntargets = 0, i;
	bool tx = skb->pkt_type == PACKET_OUTGOING;
	bool prepared = false, clustered = false;
	unsigned char *data0 = skb->data;
	unsigned int len0 = skb->len;

	if (tx && !READ_ONCE(enable_tx_capture))
		goto out;
	if (!skb_mac_header_was_set(skb))
		goto out;

	/* The tap sees every device: the frame is only looked at once an
	 * active ring bound to this device turns up. */
	rcu_read_lock();
	list_for_each_entry_rcu(pfr, &ring_list, node) {
		if (!READ_ONCE(pfr->active) || !ring_wants(pfr, dev))
			continue;
		if (!prepared) {
			if (!prepare_pkt(skb, &ctx, &hdr))
				break;
			prepared = true;
		}
		if (READ_ONCE(pfr->cluster_id)) {
			clustered = true;       /* delivered per cluster below */
			continue;
		}
		add_skb_to_ring(pfr, &ctx, &hdr, tx);
	}
	if (clustered) {
		u32 h = hash_skb(&ctx);

		spin_lock(&cluster_lock);
		list_for_each_entry(cl, &cluster_list, node) {
			struct ring_sock *m;

			if (!cl->num)
				continue;
			m = cl->member[h % cl->num];
			if (ring_wants(m, dev) && ntargets < ARRAY_SIZE(targets))
				targets[ntargets++] = m;
		}
		spin_unlock(&cluster_lock);
		/* Members stay valid: release() takes them out of the cluster
		 * before the socket is freed after an RCU grace period. */
		for (i = 0; i < ntargets; i++)
			add_skb_to_ring(targets[i], &ctx, &hdr, tx);
	}
	rcu_read_unlock();

	if (prepared) {
		skb->data = data0;
		skb->len = len0;
	}
out:
	consume_skb(skb);
	return 0;
}

static struct packet_type ring_ptype __read_mostly = {
	.type = cpu_to_be16(ETH_P_ALL),
	.func = ring_rcv,
};

/* ------------------------------------------------------------------ clusters */

static int add_to_cluster(struct ring_sock *pfr, u16 id)
{
	struct ring_cluster *c, *fresh;
	int rc = 0;

	fresh = kzalloc(sizeof(*fresh), GFP_KERNEL);
	if (!fresh)
		return -ENOMEM;
	spin_lock_bh(&cluster_lock);
	if (pfr->cluster_id) {
		rc = pfr->cluster_id == id ? 0 : -EBUSY;
		goto out;
	}
	list_for_each_entry(c, &cluster_list, node)
		if (c->id == id)
			goto found;
	c = fresh;
	fresh = NULL;
	c->id = id;
	list_add_tail(&c->node, &cluster_list);
found:
	if (c->num >= CLUSTER_LEN) {
		rc = -ENOSPC;
		goto out;
	}
	c->member[c->num++] = pfr;
	WRITE_ONCE(pfr->cluster_id, id);
out:
	spin_unlock_bh(&cluster_lock);
	kfree(fresh);
	return rc;
}

static int remove_from_cluster(struct ring_sock *pfr)
{
	struct ring_cluster *c, *dead = NULL;
	unsigned int i;
	int rc = -EINVAL;

	spin_lock_bh(&cluster_lock);
	list_for_each_entry(c, &cluster_list, node) {
		if (c->id != pfr->cluster_id)
			continue;
		for (i = 0; i < c->num; i++) {
			if (c->member[i] != pfr)
				continue;
			memmove(&c->member[i], &c->member[i + 1], (c->num - i - 1) * sizeof(c->member[0]));
			c->member[--c->num] = NULL;
			rc = 0;
			break;
		}
		if (!c->num) {
			list_del(&c->node);
			dead = c;
		}
		break;
	}
	WRITE_ONCE(pfr->cluster_id, 0);
	spin_unlock_bh(&cluster_lock);
	kfree(dead);
	return rc;
}

/* ------------------------------------------------------------------ /proc */

static int info_show(struct seq_file *m, void *v)
{
	seq_printf(m, "Version           : %s\n", RING_VERSION);
	seq_printf(m, "Bucket length     : %u bytes\n", READ_ONCE(bucket_len));
	seq_printf(m, "Ring slots        : %u\n", READ_ONCE(num_slots));
	seq_printf(m, "Slot version      : %d\n", RING_FLOWSLOT_VERSION);
	seq_printf(m, "Capture TX        : %s\n",
		   READ_ONCE(enable_tx_capture) ? "Yes [RX+TX]" : "No [RX only]");
	seq_printf(m, "IP Defragment     : %s\n", enable_ip_defrag ? "Yes" : "No");
	seq_printf(m, "Transparent mode   : %s\n", transparent_mode ? "Yes" : "No");
	seq_printf(m, "Total rings       : %d\n", atomic_read(&ring_count));
	seq_printf(m, "Total plugins     : %d\n", atomic_read(&plugin_count));
	return 0;
}

static int plugins_show(struct seq_file *m, void *v)
{
	struct pfring_plugin_registration *p;
	bool header = false;
	int i;

	mutex_lock(&plugin_mutex);
	for (i = 1; i < MAX_PLUGIN_ID; i++) {
		p = rcu_dereference_protected(plugins[i], lockdep_is_held(&plugin_mutex));
		if (!p)
			continue;
		if (!header) {
			seq_puts(m, "ID\tPlugin\n");
			header = true;
		}
		seq_printf(m, "%d\t%.16s [%.64s]\n", i, p->name, p->description);
	}
	mutex_unlock(&plugin_mutex);
	return 0;
}

static int ring_proc_show(struct seq_file *m, void *v)
{
	struct ring_sock *pfr = m->private;
	u64 tot_pkts, tot_lost, tot_insert;
	u32 rate;
	unsigned int nrules;

	spin_lock_bh(&pfr->lock);
	tot_pkts = pfr->tot_pkts;
	tot_lost = pfr->tot_lost;
	tot_insert = pfr->tot_insert;
	rate = pfr->sample_rate;
	nrules = pfr->num_rules + pfr->num_hash_rules;
	spin_unlock_bh(&pfr->lock);

	seq_printf(m, "Bound Device   : %s\n", pfr->ifname);
	seq_printf(m, "Version        : %d\n", RING_FLOWSLOT_VERSION);
	seq_printf(m, "Sampling Rate  : %u\n", rate ? rate : 1);
	seq_printf(m, "IP Defragment  : %s\n", enable_ip_defrag ? "Yes" : "No");
	seq_printf(m, "BPF Filtering  : %s\n",
		   rcu_access_pointer(pfr->sk.sk_filter) ? "Enabled" : "Disabled");
	seq_printf(m, "# Filt. Rules  : %u\n", nrules);
	seq_printf(m, "Cluster Id     : %u\n", READ_ONCE(pfr->cluster_id));
	seq_printf(m, "Tot Slots      : %u\n", pfr->tot_slots);
	seq_printf(m, "Slot Len       : %u\n", pfr->slot_len);
	seq_printf(m, "Data Len       : %u\n", pfr->bucket_len);
	seq_printf(m, "Tot Memory     : %u\n", pfr->tot_mem);
	seq_printf(m, "Tot Packets    : %llu\n", tot_pkts);
	seq_printf(m, "Tot Pkt Lost   : %llu\n", tot_lost);
	seq_printf(m, "Tot Insert     : %llu\n", tot_insert);
	seq_printf(m, "Tot Read       : %llu\n", READ_ONCE(pfr->info->tot_read));
	return 0;
}

/* ------------------------------------------------------------------ socket ops */

static struct proto ring_proto = {
	.name = "PF_RING",
	.owner = THIS_MODULE,
	.obj_size = sizeof(struct ring_sock),
};

static void ring_sk_destruct(struct sock *sk)
{
	struct ring_sock *pfr = ring_sk(sk);
	filtering_rule_element *e, *tmp;
	unsigned int i;

	/* SOCK_RCU_FREE: this runs after a grace period that began once the
	 * ring had left ring_list and its cluster, so no packet handler can
	 * arm the timer any more; wait for a running expiry. */
	hrtimer_cancel(&pfr->wake_timer);
	list_for_each_entry_safe(e, tmp, &pfr->rules, list) {
		list_del(&e->list);
		free_rule(e);
	}
	if (pfr->hash) {
		for (i = 0; i < DEFAULT_RING_HASH_SIZE; i++) {
			filtering_hash_bucket *b = pfr->hash[i], *n;

			for (; b; b = n) {
				n = b->next;
				free_hash_bucket(b);
			}
		}
		kvfree(pfr->hash);
	}
	vfree(pfr->mem);        /* defers itself when called from softirq */
}

static int ring_release(struct socket *sock)
{
	struct sock *sk = sock->sk;
	struct ring_sock *pfr;

	if (!sk)
		return 0;
	pfr = ring_sk(sk);

	if (pfr->cluster_id)
		remove_from_cluster(pfr);
	mutex_lock(&ring_mutex);
	if (pfr->in_list) {
		list_del_rcu(&pfr->node);
		pfr->in_list = false;
	}
	mutex_unlock(&ring_mutex);
	if (pfr->proc)
		proc_remove(pfr->proc);
	pfr->proc = NULL;
	atomic_dec(&ring_count);

	sock_orphan(sk);
	sock->sk = NULL;
	/* SOCK_RCU_FREE: the sock and its ring are freed after a grace period,
	 * so the packet handler may still be using them until then. */
	sock_put(sk);
	return 0;
}

static int ring_alloc_mem(struct ring_sock *pfr)
{
	u32 bl = pfr->bucket_len_req ? pfr->bucket_len_req : READ_ONCE(bucket_len);
	u32 ns = pfr->num_slots_req ? pfr->num_slots_req : READ_ONCE(num_slots);
	u64 slot_len = SLOT_OVERHEAD + (u64)bl;
	u64 mem = PAGE_ALIGN(sizeof(FlowSlotInfo) + slot_len * ns);
	u32 i;

	if (bl < MIN_BUCKET_LEN || bl > MAX_BUCKET_LEN || ns < MIN_NUM_SLOTS || mem > MAX_RING_MEM)
		return -EINVAL;
	pfr->mem = vmalloc_user(mem);
	if (!pfr->mem)
		return -ENOMEM;
	pfr->tot_mem = mem;
	pfr->slot_len = slot_len;
	pfr->bucket_len = bl;
	pfr->tot_slots = (mem - sizeof(FlowSlotInfo)) / slot_len;
	pfr->info = pfr->mem;
	pfr->slots = (u8 *)pfr->mem + sizeof(FlowSlotInfo);
	pfr->info->version = RING_FLOWSLOT_VERSION;
	pfr->info->sample_rate = 1;
	pfr->info->tot_slots = pfr->tot_slots;
	pfr->info->slot_len = pfr->slot_len;
	pfr->info->data_len = bl;
	pfr->info->tot_mem = pfr->tot_mem;
	for (i = 0; i < pfr->tot_slots; i++)
		pfr->slots[(size_t)i * slot_len] = RING_MAGIC_VALUE;
	return 0;
}

static int ring_bind(struct socket *sock, struct sockaddr *uaddr, int addr_len)
{
	struct sock *sk = sock->sk;
	struct ring_sock *pfr = ring_sk(sk);
	const u8 *raw = (const u8 *)uaddr;     /* sa_data is a flexible array on 6.x */
	char name[IFNAMSIZ];
	struct net_device *dev;
	struct ring_sock *o;
	struct ring_net *rn;
	size_t n, max;
	bool dup = false;
	int rc;

	if (addr_len < (int)sizeof(struct sockaddr) || addr_len > (int)sizeof(struct sockaddr_storage))
		return -EINVAL;
	if (uaddr->sa_family != PF_RING)
		return -EINVAL;
	/* 3.7.5 ends the name at sa_data[13]; a longer address may carry a
	 * full IFNAMSIZ name. */
	max = min_t(size_t, addr_len - 2, IFNAMSIZ - 1);
	if (addr_len == sizeof(struct sockaddr))
		max = 13;
	n = strnlen((const char *)raw + 2, max);
	if (n == 0)
		return -EINVAL;
	memcpy(name, raw + 2, n);
	name[n] = '\0';

	lock_sock(sk);
	if (pfr->bound) {
		rc = -EINVAL;
		goto out;
	}
	rcu_read_lock();
	dev = dev_get_by_name_rcu(sock_net(sk), name);
	rc = dev ? dev->ifindex : 0;
	rcu_read_unlock();
	if (!rc) {
		rc = -ENODEV;
		goto out;
	}
	pfr->ifindex = rc;
	strscpy(pfr->ifname, name, sizeof(pfr->ifname));
	rc = ring_alloc_mem(pfr);
	if (rc) {
		pfr->ifindex = 0;
		goto out;
	}

	mutex_lock(&ring_mutex);
	pfr->pid = task_tgid_nr(current);
	snprintf(pfr->proc_name, sizeof(pfr->proc_name), "%d-%s", pfr->pid, pfr->ifname);
	list_for_each_entry(o, &ring_list, node)
		if (net_eq(o->net, pfr->net) && !strcmp(o->proc_name, pfr->proc_name))
			dup = true;
	if (dup)
		snprintf(pfr->proc_name, sizeof(pfr->proc_name), "%d-%s.%u",
			 pfr->pid, pfr->ifname, pfr->ring_id);
	rn = net_generic(pfr->net, ring_net_id);
	if (rn->dir)
		pfr->proc = proc_create_single_data(pfr->proc_name, 0444, rn->dir,
						    ring_proc_show, pfr);
	/* Partner: ring_wants()' acquire load; the ring memory and geometry
	 * set up above are visible to the handler once it sees bound. */
	smp_store_release(&pfr->bound, 1);
	list_add_rcu(&pfr->node, &ring_list);
	pfr->in_list = true;
	mutex_unlock(&ring_mutex);
	rc = 0;
out:
	release_sock(sk);
	return rc;
}

static int ring_mmap(struct file *file, struct socket *sock, struct vm_area_struct *vma)
{
	struct ring_sock *pfr = ring_sk(sock->sk);
	unsigned long size = vma->vm_end - vma->vm_start;

	/* The ring is fixed once bound and lives until release, which cannot
	 * run while a mapping holds the file. */
	if (!smp_load_acquire(&pfr->bound))
		return -EINVAL;
	if (vma->vm_pgoff != 0 || size == 0 || size > pfr->tot_mem)
		return -EINVAL;
	return remap_vmalloc_range(vma, pfr->mem, 0);
}

static bool slot_ready(struct ring_sock *pfr)
{
	u32 idx = READ_ONCE(pfr->info->remove_idx);   /* user-written */

	if (idx >= pfr->tot_slots)
		return false;
	return smp_load_acquire(&pfr->slots[(size_t)idx * pfr->slot_len + 1]) == 1;
}

static __poll_t ring_poll(struct file *file, struct socket *sock, poll_table *wait)
{
	struct ring_sock *pfr = ring_sk(sock->sk);

	sock_poll_wait(file, sock, wait);
	WRITE_ONCE(pfr->active, 1);
	if (smp_load_acquire(&pfr->bound) && slot_ready(pfr))
		return EPOLLIN | EPOLLRDNORM;
	return 0;
}

static u64 queued_pkts(struct ring_sock *pfr)
{
	u64 ins = READ_ONCE(pfr->info->tot_insert), rd = READ_ONCE(pfr->info->tot_read);

	return ins > rd ? ins - rd : 0;
}

/* 3.7.5: activates the ring and waits a little for packets to queue; the
 * data itself is read from the mapping.  Returns the number queued. */
static int ring_recvmsg(struct socket *sock, struct msghdr *msg, size_t len, int flags)
{
	struct ring_sock *pfr = ring_sk(sock->sk);
	int loop;

	WRITE_ONCE(pfr->active, 1);
	if (!smp_load_acquire(&pfr->bound))
		return -EINVAL;
	for (loop = 0; loop < MAX_QUEUE_LOOPS && !(flags & MSG_DONTWAIT); loop++) {
		long rc;

		if (queued_pkts(pfr) >= MIN_QUEUED_PKTS)
			break;
		rc = wait_event_interruptible_timeout(*sk_sleep(sock->sk),
						      queued_pkts(pfr) >= MIN_QUEUED_PKTS, 1);
		if (rc < 0)
			return -EINTR;
	}
	return (int)min_t(u64, queued_pkts(pfr), INT_MAX);
}

static int ring_ioctl(struct socket *sock, unsigned int cmd, unsigned long arg)
{
	return -ENOIOCTLCMD;
}

static int add_wildcard_rule(struct ring_sock *pfr, sockptr_t optval)
{
	filtering_rule_element *e, *pos, *old = NULL;
	struct rule_node *node;
	filtering_rule *r;
	int rc = 0;

	node = kzalloc(sizeof(*node), GFP_KERNEL);
	if (!node)
		return -ENOMEM;
	e = &node->e;
	if (copy_from_sockptr(&e->rule, optval, sizeof(e->rule))) {
		kfree(node);
		return -EFAULT;
	}
	r = &e->rule;
	if ((u32)r->rule_action > execute_action_and_continue_rule_evaluation ||
	    r->extended_fields.filter_plugin_id >= MAX_PLUGIN_ID ||
	    r->plugin_action.plugin_id >= MAX_PLUGIN_ID) {
		kfree(node);
		return -EINVAL;
	}
	INIT_LIST_HEAD(&e->list);

	spin_lock_bh(&pfr->lock);
	list_for_each_entry(pos, &pfr->rules, list) {
		if (pos->rule.rule_id == r->rule_id) {
			/* an existing id is overwritten */
			list_replace(&pos->list, &e->list);
			old = pos;
			goto done;
		}
		if (pos->rule.rule_id > r->rule_id)
			break;
	}
	if (pfr->num_rules >= MAX_WILDCARD_RULES) {
		rc = -ENOSPC;
		goto done;
	}
	list_add_tail(&e->list, &pos->list);   /* before pos (or at the end) */
	pfr->num_rules++;
done:
	spin_unlock_bh(&pfr->lock);
	if (old)
		free_rule(old);
	if (rc)
		kfree(node);
	return rc;
}

static int add_hash_rule(struct ring_sock *pfr, sockptr_t optval)
{
	filtering_hash_bucket *b, **table = NULL;
	const hash_filtering_rule *r;
	struct hash_node *node;
	int rc = 0;

	node = kzalloc(sizeof(*node), GFP_KERNEL);
	if (!node)
		return -ENOMEM;
	b = &node->b;
	if (copy_from_sockptr(&b->rule, optval, sizeof(b->rule))) {
		kfree(node);
		return -EFAULT;
	}
	r = &b->rule;
	if ((u32)r->rule_action > execute_action_and_continue_rule_evaluation ||
	    r->plugin_action.plugin_id >= MAX_PLUGIN_ID) {
		kfree(node);
		return -EINVAL;
	}
	if (!READ_ONCE(pfr->hash)) {
		table = kvcalloc(DEFAULT_RING_HASH_SIZE, sizeof(*table), GFP_KERNEL);
		if (!table) {
			kfree(node);
			return -ENOMEM;
		}
	}
	spin_lock_bh(&pfr->lock);
	if (!pfr->hash) {
		pfr->hash = table;
		table = NULL;
	}
	if (find_hash_rule(pfr, r, NULL)) {
		rc = -EEXIST;
	} else if (pfr->num_hash_rules >= MAX_HASH_RULES) {
		rc = -ENOSPC;
	} else {
		u32 idx = hash_rule_idx(r->vlan_id, r->proto, r->host_peer_a, r->host_peer_b,
					r->port_peer_a, r->port_peer_b);

		b->next = pfr->hash[idx];
		pfr->hash[idx] = b;
		pfr->num_hash_rules++;
	}
	spin_unlock_bh(&pfr->lock);
	kvfree(table);
	if (rc)
		kfree(node);
	return rc;
}

static int remove_rule(struct ring_sock *pfr, sockptr_t optval, unsigned int optlen)
{
	filtering_rule_element *e, *found = NULL;
	filtering_hash_bucket *b = NULL, **link = NULL;
	hash_filtering_rule hr;
	u16 id;

	if (optlen == sizeof(u16)) {
		if (copy_from_sockptr(&id, optval, sizeof(id)))
			return -EFAULT;
		spin_lock_bh(&pfr->lock);
		list_for_each_entry(e, &pfr->rules, list) {
			if (e->rule.rule_id == id) {
				list_del(&e->list);
				pfr->num_rules--;
				found = e;
				break;
			}
		}
		spin_unlock_bh(&pfr->lock);
		if (!found)
			return -ENOENT;
		free_rule(found);
		return 0;
	}
	if (copy_from_sockptr(&hr, optval, sizeof(hr)))
		return -EFAULT;
	spin_lock_bh(&pfr->lock);
	b = find_hash_rule(pfr, &hr, &link);
	if (b) {
		*link = b->next;
		pfr->num_hash_rules--;
	}
	spin_unlock_bh(&pfr->lock);
	if (!b)
		return -ENOENT;
	free_hash_bucket(b);
	return 0;
}

static int ring_setsockopt(struct socket *sock, int level, int optname,
			   sockptr_t optval, unsigned int optlen)
{
	struct ring_sock *pfr = ring_sk(sock->sk);
	u32 v32;
	u8 v8;
	int rc;

	switch (optname) {
	case SO_ADD_TO_CLUSTER:
		if (optlen != sizeof(u32))
			return -EINVAL;
		if (copy_from_sockptr(&v32, optval, sizeof(v32)))
			return -EFAULT;
		if (v32 == 0 || v32 > U16_MAX)
			return -EINVAL;
		return add_to_cluster(pfr, v32);

	case SO_REMOVE_FROM_CLUSTER:
		/* libpfring passes NULL/0; nothing is read. */
		if (!READ_ONCE(pfr->cluster_id))
			return 0;
		return remove_from_cluster(pfr);

	case SO_SET_REFLECTOR: {
		char name[IFNAMSIZ];
		struct net_device *dev;
		size_t n;

		if (optlen == 0 || optlen >= IFNAMSIZ)
			return -EINVAL;
		if (copy_from_sockptr(name, optval, optlen))
			return -EFAULT;
		n = strnlen(name, optlen);
		if (n == 0)
			return -EINVAL;
		name[n] = '\0';
		rcu_read_lock();
		dev = dev_get_by_name_rcu(sock_net(sock->sk), name);
		rc = dev ? dev->ifindex : 0;
		rcu_read_unlock();
		if (!rc)
			return -ENODEV;
		WRITE_ONCE(pfr->reflector_ifindex, rc);
		return 0;
	}

	case SO_ADD_FILTERING_RULE:
		if (optlen == sizeof(filtering_rule))
			return add_wildcard_rule(pfr, optval);
		if (optlen == sizeof(hash_filtering_rule))
			return add_hash_rule(pfr, optval);
		return -EINVAL;

	case SO_REMOVE_FILTERING_RULE:
		if (optlen != sizeof(u16) && optlen != sizeof(hash_filtering_rule))
			return -EINVAL;
		return remove_rule(pfr, optval, optlen);

	case SO_TOGGLE_FILTER_POLICY:
		if (optlen != sizeof(u8))
			return -EINVAL;
		if (copy_from_sockptr(&v8, optval, sizeof(v8)))
			return -EFAULT;
		spin_lock_bh(&pfr->lock);
		pfr->default_accept = v8 ? 1 : 0;
		spin_unlock_bh(&pfr->lock);
		return 0;

	case SO_SET_SAMPLING_RATE:
		if (optlen != sizeof(u32))
			return -EINVAL;
		if (copy_from_sockptr(&v32, optval, sizeof(v32)))
			return -EFAULT;
		spin_lock_bh(&pfr->lock);
		pfr->sample_rate = v32;
		pfr->sample_skip = v32 > 1 ? v32 : 0;  /* 3.7.5: active above 1 */
		pfr->pkt_to_sample = 0;
		spin_unlock_bh(&pfr->lock);
		return 0;

	case SO_SET_SAMPLING_ONE_IN:
		/* 1 packet in N, for any N (N = 2 cannot be said with 106). */
		if (optlen != sizeof(u32))
			return -EINVAL;
		if (copy_from_sockptr(&v32, optval, sizeof(v32)))
			return -EFAULT;
		if (v32 == 0)
			return -EINVAL;
		spin_lock_bh(&pfr->lock);
		pfr->sample_rate = v32 - 1;
		pfr->sample_skip = v32 - 1;
		pfr->pkt_to_sample = 0;
		spin_unlock_bh(&pfr->lock);
		return 0;

	case SO_SET_POLL_WATERMARK:
		if (optlen != sizeof(u32))
			return -EINVAL;
		if (copy_from_sockptr(&v32, optval, sizeof(v32)))
			return -EFAULT;
		if (v32 == 0 || v32 > MAX_POLL_WATERMARK)
			return -EINVAL;
		WRITE_ONCE(pfr->poll_watermark, v32);
		return 0;

	case SO_SET_POLL_WATERMARK_TIMEOUT:
		if (optlen != sizeof(u32))
			return -EINVAL;
		if (copy_from_sockptr(&v32, optval, sizeof(v32)))
			return -EFAULT;
		if (v32 > MAX_POLL_TIMEOUT_US)
			return -EINVAL;
		WRITE_ONCE(pfr->poll_timeout_ns, v32 * NSEC_PER_USEC);
		return 0;

	case SO_RING_NUM_SLOTS:
		if (optlen != sizeof(u32))
			return -EINVAL;
		if (copy_from_sockptr(&v32, optval, sizeof(v32)))
			return -EFAULT;
		if (v32 < MIN_NUM_SLOTS || v32 > MAX_NUM_SLOTS)
			return -EINVAL;
		lock_sock(sock->sk);
		rc = pfr->bound ? -EBUSY : 0;
		if (!rc)
			pfr->num_slots_req = v32;
		release_sock(sock->sk);
		return rc;

	case SO_ACTIVATE_RING:
		/* libpfring passes one dummy byte; the value is not read. */
		WRITE_ONCE(pfr->active, 1);
		return 0;

	case SO_RING_BUCKET_LEN:
		if (optlen != sizeof(u32))
			return -EINVAL;
		if (copy_from_sockptr(&v32, optval, sizeof(v32)))
			return -EFAULT;
		if (v32 < MIN_BUCKET_LEN || v32 > MAX_BUCKET_LEN)
			return -EINVAL;
		lock_sock(sock->sk);
		rc = pfr->bound ? -EBUSY : 0;
		if (!rc)
			pfr->bucket_len_req = v32;
		release_sock(sock->sk);
		return rc;

	default:
		return -ENOPROTOOPT;
	}
}

/* A rule without a stats plugin reports its own packet/byte counters. */
static int native_stats(u64 pkts, u64 bytes, u_char *buf, int len)
{
	struct rule_stats st = { pkts, bytes };

	if (len < (int)sizeof(st))
		return -EINVAL;
	memcpy(buf, &st, sizeof(st));
	return sizeof(st);
}

static int get_rule_stats(struct ring_sock *pfr, int optname, char __user *optval, int len)
{
	struct pfring_plugin_registration *plug;
	filtering_rule_element *e;
	filtering_hash_bucket *b = NULL;
	hash_filtering_rule hr;
	u_char *buf;
	u16 id;
	int rc = -ENOENT;

	if (optname == SO_GET_FILTERING_RULE_STATS) {
		if (len < (int)sizeof(u16))
			return -EINVAL;
		if (copy_from_user(&id, optval, sizeof(id)))
			return -EFAULT;
	} else {
		if (len < (int)sizeof(hr))
			return -EINVAL;
		if (copy_from_user(&hr, optval, sizeof(hr)))
			return -EFAULT;
	}
	len = min(len, MAX_STATS_LEN);
	buf = kzalloc(len, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;

	spin_lock_bh(&pfr->lock);
	rcu_read_lock();
	if (optname == SO_GET_FILTERING_RULE_STATS) {
		list_for_each_entry(e, &pfr->rules, list) {
			if (e->rule.rule_id != id)
				continue;
			plug = get_plugin(e->rule.plugin_action.plugin_id);
			if (plug && plug->pfring_plugin_get_stats)
				rc = plug->pfring_plugin_get_stats(e, NULL, buf, len);
			else
				rc = native_stats(RULE_NODE(e)->pkts, RULE_NODE(e)->bytes, buf, len);
			break;
		}
	} else {
		b = find_hash_rule(pfr, &hr, NULL);
		if (b) {
			plug = get_plugin(b->rule.plugin_action.plugin_id);
			if (plug && plug->pfring_plugin_get_stats)
				rc = plug->pfring_plugin_get_stats(NULL, b, buf, len);
			else
				rc = native_stats(HASH_NODE(b)->pkts, HASH_NODE(b)->bytes, buf, len);
		}
	}
	rcu_read_unlock();
	spin_unlock_bh(&pfr->lock);

	if (rc > len)
		rc = len;
	if (rc > 0 && copy_to_user(optval, buf, rc))
		rc = -EFAULT;
	kfree(buf);
	return rc;
}

static int ring_getsockopt(struct socket *sock, int level, int optname,
			   char __user *optval, int __user *optlen)
{
	struct ring_sock *pfr = ring_sk(sock->sk);
	int len;

	if (get_user(len, optlen))
		return -EFAULT;
	if (len < 0)
		return -EINVAL;

	switch (optname) {
	case SO_GET_RING_VERSION: {
		u32 v = RING_VERSION_NUM;

		if (len < (int)sizeof(v))
			return -EINVAL;
		if (copy_to_user(optval, &v, sizeof(v)) || put_user((int)sizeof(v), optlen))
			return -EFAULT;
		return 0;
	}
	case SO_GET_FILTERING_RULE_STATS:
	case SO_GET_HASH_FILTERING_RULE_STATS:
		return get_rule_stats(pfr, optname, optval, len);

	case PACKET_STATISTICS: {
		struct tpacket_stats st;

		spin_lock_bh(&pfr->lock);
		st.tp_packets = (unsigned int)pfr->tot_insert;
		st.tp_drops = (unsigned int)pfr->tot_lost;
		spin_unlock_bh(&pfr->lock);
		len = min_t(int, len, sizeof(st));
		if (copy_to_user(optval, &st, len) || put_user(len, optlen))
			return -EFAULT;
		return 0;
	}
	default:
		return -ENOPROTOOPT;
	}
}

static const struct proto_ops ring_ops = {
	.family = PF_RING,
	.owner = THIS_MODULE,
	.release = ring_release,
	.bind = ring_bind,
	.connect = sock_no_connect,
	.socketpair = sock_no_socketpair,
	.accept = sock_no_accept,
	.getname = sock_no_getname,
	.poll = ring_poll,
	.ioctl = ring_ioctl,
	.listen = sock_no_listen,
	.shutdown = sock_no_shutdown,
	.setsockopt = ring_setsockopt,
	.getsockopt = ring_getsockopt,
	.sendmsg = sock_no_sendmsg,
	.recvmsg = ring_recvmsg,
	.mmap = ring_mmap,
};

static int ring_create(struct net *net, struct socket *sock, int protocol, int kern)
{
	struct ring_sock *pfr;
	struct sock *sk;

	if (!capable(CAP_NET_ADMIN))
		return -EPERM;
	if (sock->type != SOCK_RAW)
		return -ESOCKTNOSUPPORT;
	if (protocol != htons(ETH_P_ALL))
		return -EPROTONOSUPPORT;

	sk = sk_alloc(net, PF_RING, GFP_KERNEL, &ring_proto, kern);
	if (!sk)
		return -ENOMEM;
	sock->ops = &ring_ops;
	sock_init_data(sock, sk);
	sock_set_flag(sk, SOCK_RCU_FREE);
	sk->sk_family = PF_RING;
	sk->sk_destruct = ring_sk_destruct;

	pfr = ring_sk(sk);
	spin_lock_init(&pfr->lock);
	INIT_LIST_HEAD(&pfr->rules);
	INIT_LIST_HEAD(&pfr->node);
	pfr->default_accept = 1;
	pfr->sample_rate = 1;
	pfr->poll_watermark = READ_ONCE(poll_watermark);
	pfr->poll_timeout_ns = READ_ONCE(poll_timeout_us) * NSEC_PER_USEC;
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 13, 0)
	hrtimer_setup(&pfr->wake_timer, ring_wake_timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL_SOFT);
#else
	hrtimer_init(&pfr->wake_timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL_SOFT);
	pfr->wake_timer.function = ring_wake_timer;
#endif
	pfr->net = sock_net(sk);
	pfr->ring_id = atomic_inc_return(&ring_id_gen);
	atomic_inc(&ring_count);
	return 0;
}

static const struct net_proto_family ring_family = {
	.family = PF_RING,
	.create = ring_create,
	.owner = THIS_MODULE,
};

/* ------------------------------------------------------------------ module */

static int __net_init ring_net_init(struct net *net)
{
	struct ring_net *rn = net_generic(net, ring_net_id);

	rn->dir = proc_mkdir("pf_ring", net->proc_net);
	if (!rn->dir)
		return -ENOMEM;
	if (!proc_create_single("info", 0444, rn->dir, info_show) ||
	    !proc_create_single("plugins_info", 0444, rn->dir, plugins_show)) {
		remove_proc_subtree("pf_ring", net->proc_net);
		rn->dir = NULL;
		return -ENOMEM;
	}
	return 0;
}

/* Sockets hold their namespace, so none is left in a dying one. */
static void __net_exit ring_net_exit(struct net *net)
{
	remove_proc_subtree("pf_ring", net->proc_net);
}

static struct pernet_operations ring_net_ops = {
	.init = ring_net_init,
	.exit = ring_net_exit,
	.id = &ring_net_id,
	.size = sizeof(struct ring_net),
};

static int __init ring_init(void)
{
	int rc;

	BUILD_BUG_ON(sizeof(struct pkt_parsing_info) != 32);
	BUILD_BUG_ON(sizeof(struct pfring_pkthdr) != RING_HDR_LEN);
	BUILD_BUG_ON(offsetof(struct pfring_pkthdr, parsed_header_len) != 56);
	BUILD_BUG_ON(sizeof(FlowSlotInfo) != 64);
	BUILD_BUG_ON(offsetof(FlowSlotInfo, tot_pkts) != 24);
	BUILD_BUG_ON(offsetof(FlowSlotInfo, insert_idx) != 56);
	BUILD_BUG_ON(sizeof(filtering_rule_core_fields) != 16);
	BUILD_BUG_ON(sizeof(filtering_rule_extended_fields) != 162);
	BUILD_BUG_ON(sizeof(filtering_rule) != 192);
	BUILD_BUG_ON(offsetof(filtering_rule, core_fields) != 12);
	BUILD_BUG_ON(offsetof(filtering_rule, extended_fields) != 28);
	BUILD_BUG_ON(offsetof(filtering_rule, plugin_action) != 190);
	BUILD_BUG_ON(sizeof(hash_filtering_rule) != 24);
	BUILD_BUG_ON(offsetof(hash_filtering_rule, rule_action) != 16);
	BUILD_BUG_ON(offsetof(hash_filtering_rule, plugin_action) != 20);
	BUILD_BUG_ON(PF_RING >= NPROTO);

	if (enable_ip_defrag || !transparent_mode)
		return -EINVAL;         /* refused by the param setters already */

	rc = proto_register(&ring_proto, 0);
	if (rc)
		return rc;
	rc = register_pernet_subsys(&ring_net_ops);
	if (rc)
		goto err_proto;
	rc = sock_register(&ring_family);
	if (rc) {
		pr_err("sock_register(%d) failed: %d\n", PF_RING, rc);
		goto err_proc;
	}
	dev_add_pack(&ring_ptype);
	pr_info("version %s: socket family %d registered (bucket_len=%u num_slots=%u tx_capture=%d)\n",
		RING_VERSION, PF_RING, bucket_len, num_slots, enable_tx_capture);
	return 0;

err_proc:
	unregister_pernet_subsys(&ring_net_ops);
err_proto:
	proto_unregister(&ring_proto);
	return rc;
}

static void __exit ring_exit(void)
{
	dev_remove_pack(&ring_ptype);   /* synchronize_net() inside */
	sock_unregister(PF_RING);
	unregister_pernet_subsys(&ring_net_ops);
	rcu_barrier();                  /* pending SOCK_RCU_FREE destructors */
	proto_unregister(&ring_proto);
	pr_info("unloaded\n");
}

module_init(ring_init);
module_exit(ring_exit);
