// SPDX-License-Identifier: GPL-2.0
/*
 * Example PF_RING plugin (User Guide v1.1, section 4): plugin id 1, "dummy".
 *
 *  - handle_skb: per-rule packet/byte counters (wildcard or hash rule),
 *    kept in the rule's plugin_data_ptr (freed by the PF_RING core).
 *  - filter_skb: matches when the packet's IPv4 source equals
 *    filter_plugin_data.src_host (host byte order).  If emit_parse_info is
 *    non-zero it also returns 8 bytes of parse memory ("DUMY" + src_host in
 *    host order) that the core places before the packet in the slot.
 *  - get_stats: copies struct simple_stats (16 bytes) out.
 */
#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/skbuff.h>
#include <linux/string.h>
#include <linux/ring.h>

#define DUMMY_PLUGIN_ID 1

struct simple_stats {
	u_int64_t num_pkts, num_bytes;
};

/* Layout of filtering_rule.extended_fields.filter_plugin_data for this plugin. */
struct dummy_filter {
	u_int32_t src_host;
	u_int8_t emit_parse_info;
};

static struct simple_stats *stats_of(void **ptr)
{
	if (!*ptr)
		*ptr = kzalloc(sizeof(struct simple_stats), GFP_ATOMIC);
	return *ptr;
}

static int dummy_handle_skb(filtering_rule_element *rule, filtering_hash_bucket *hash_bucket,
			    struct pcap_pkthdr *hdr, struct sk_buff *skb,
			    u_int16_t filter_plugin_id, struct parse_buffer *parse_memory)
{
	struct simple_stats *st;

	if (rule)
		st = stats_of(&rule->plugin_data_ptr);
	else if (hash_bucket)
		st = stats_of(&hash_bucket->plugin_data_ptr);
	else
		return -EINVAL;
	if (!st)
		return -ENOMEM;
	if (hash_bucket && !rule)
		hash_bucket->plugin_data_ptr_len = sizeof(*st);
	st->num_pkts++;
	st->num_bytes += hdr->len;
	return 0;
}

static int dummy_filter_skb(filtering_rule_element *rule, struct pcap_pkthdr *hdr,
			    struct sk_buff *skb, struct parse_buffer **parse_memory)
{
	struct dummy_filter f;
	struct parse_buffer *pb;

	memcpy(&f, rule->rule.extended_fields.filter_plugin_data, sizeof(f));
	if (hdr->parsed_pkt.ipv4_src != f.src_host)
		return 0;
	if (f.emit_parse_info && parse_memory && !*parse_memory) {
		pb = kmalloc(sizeof(*pb), GFP_ATOMIC);
		if (pb) {
			pb->mem = kmalloc(8, GFP_ATOMIC);
			if (pb->mem) {
				memcpy(pb->mem, "DUMY", 4);
				memcpy((u8 *)pb->mem + 4, &f.src_host, 4);
				pb->mem_len = 8;
				*parse_memory = pb;
			} else {
				kfree(pb);
			}
		}
	}
	return 1;
}

static int dummy_get_stats(filtering_rule_element *rule, filtering_hash_bucket *hash_bucket,
			   u_char *stats_buffer, u_int stats_buffer_len)
{
	void *ptr = rule ? rule->plugin_data_ptr : hash_bucket ? hash_bucket->plugin_data_ptr : NULL;

	if (stats_buffer_len < sizeof(struct simple_stats))
		return 0;
	if (ptr)
		memcpy(stats_buffer, ptr, sizeof(struct simple_stats));
	else
		memset(stats_buffer, 0, sizeof(struct simple_stats));
	return sizeof(struct simple_stats);
}

static struct pfring_plugin_registration dummy_reg = {
	.plugin_id = DUMMY_PLUGIN_ID,
	.name = "dummy",
	.description = "Dummy plugin: per-rule stats, filter on source host",
	.pfring_plugin_filter_skb = dummy_filter_skb,
	.pfring_plugin_handle_skb = dummy_handle_skb,
	.pfring_plugin_get_stats = dummy_get_stats,
};

static int __init dummy_plugin_init(void)
{
	int rc = do_register_pfring_plugin(&dummy_reg);

	if (rc)
		pr_err("dummy_plugin: registration failed: %d\n", rc);
	return rc;
}

static void __exit dummy_plugin_exit(void)
{
	do_unregister_pfring_plugin(DUMMY_PLUGIN_ID);
}

module_init(dummy_plugin_init);
module_exit(dummy_plugin_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("PF_RING example plugin (per-rule stats, source-host filter)");
