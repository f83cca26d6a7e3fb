/* Prints the C view of every pfring.h type: "name size" and
 * "name.field offset" lines; tests/layout.rs compares them with Rust's. */
#include <stddef.h>
#include "pfring.h"

#define S(t) printf("%s %zu\n", #t, sizeof(t))
#define O(t, f) printf("%s.%s %zu\n", #t, #f, offsetof(t, f))

int main(void) {
  S(struct timeval);
  S(pkt_parsing_info);
  O(pkt_parsing_info, eth_type); O(pkt_parsing_info, vlan_id); O(pkt_parsing_info, l3_proto);
  O(pkt_parsing_info, ipv4_tos); O(pkt_parsing_info, ipv4_src); O(pkt_parsing_info, ipv4_dst);
  O(pkt_parsing_info, l4_src_port); O(pkt_parsing_info, l4_dst_port); O(pkt_parsing_info, tcp_flags);
  O(pkt_parsing_info, eth_offset); O(pkt_parsing_info, vlan_offset); O(pkt_parsing_info, l3_offset);
  O(pkt_parsing_info, l4_offset); O(pkt_parsing_info, payload_offset);
  S(struct pfring_pkthdr);
  O(struct pfring_pkthdr, ts); O(struct pfring_pkthdr, caplen); O(struct pfring_pkthdr, len);
  O(struct pfring_pkthdr, parsed_pkt); O(struct pfring_pkthdr, parsed_header_len);
  S(struct pcap_pkthdr);
  O(struct pcap_pkthdr, caplen); O(struct pcap_pkthdr, len);
  S(pfring_stat); O(pfring_stat, recv); O(pfring_stat, drop);
  S(rule_action_behaviour);
  S(filtering_rule_core_fields);
  O(filtering_rule_core_fields, proto); O(filtering_rule_core_fields, vlan_id);
  O(filtering_rule_core_fields, host_low); O(filtering_rule_core_fields, host_high);
  O(filtering_rule_core_fields, port_low); O(filtering_rule_core_fields, port_high);
  S(filtering_rule_extended_fields);
  O(filtering_rule_extended_fields, payload_pattern); O(filtering_rule_extended_fields, filter_plugin_id);
  O(filtering_rule_extended_fields, filter_plugin_data);
  S(filtering_rule_plugin_action);
  S(filtering_rule);
  O(filtering_rule, rule_id); O(filtering_rule, rule_action); O(filtering_rule, balance_id);
  O(filtering_rule, balance_pool); O(filtering_rule, core_fields); O(filtering_rule, extended_fields);
  O(filtering_rule, plugin_action);
  S(hash_filtering_rule);
  O(hash_filtering_rule, vlan_id); O(hash_filtering_rule, proto); O(hash_filtering_rule, host_peer_a);
  O(hash_filtering_rule, host_peer_b); O(hash_filtering_rule, port_peer_a);
  O(hash_filtering_rule, port_peer_b); O(hash_filtering_rule, rule_action);
  O(hash_filtering_rule, plugin_action);
  S(FlowSlotInfo);
  O(FlowSlotInfo, version); O(FlowSlotInfo, sample_rate); O(FlowSlotInfo, tot_slots);
  O(FlowSlotInfo, slot_len); O(FlowSlotInfo, data_len); O(FlowSlotInfo, tot_mem);
  O(FlowSlotInfo, tot_pkts); O(FlowSlotInfo, tot_lost); O(FlowSlotInfo, tot_insert);
  O(FlowSlotInfo, tot_read); O(FlowSlotInfo, insert_idx); O(FlowSlotInfo, remove_idx);
  S(pfring);
  O(pfring, buffer); O(pfring, slots); O(pfring, device_name); O(pfring, fd); O(pfring, slots_info);
  O(pfring, page_id); O(pfring, slot_id); O(pfring, pkts_per_page); O(pfring, poll_sleep);
  O(pfring, clear_promisc); O(pfring, reentrant); O(pfring, num_poll_calls); O(pfring, spinlock);
  S(pfring_rule_stats);
  printf("forward_packet_and_stop_rule_evaluation %d\n", (int)forward_packet_and_stop_rule_evaluation);
  printf("dont_forward_packet_and_stop_rule_evaluation %d\n", (int)dont_forward_packet_and_stop_rule_evaluation);
  printf("execute_action_and_continue_rule_evaluation %d\n", (int)execute_action_and_continue_rule_evaluation);
  printf("RING_VERSION_NUM %d\n", RING_VERSION_NUM);
  return 0;
}
