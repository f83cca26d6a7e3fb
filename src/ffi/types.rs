//! `repr(C)` mirrors of the 3.7.5 `pfring.h` / `ring.h` types, with their
//! x86_64 sizes and offsets pinned by compile-time asserts (see
//! `c-tests/layout.c`, which prints the C view, and `tests/layout.rs`).
#![allow(non_camel_case_types)]

use core::ffi::{c_char, c_int, c_long, c_uint, c_ulong};
use core::mem::{offset_of, size_of};

// Spellings of the 2008 header. cbindgen is told not to emit these aliases:
// <sys/types.h> and <pthread.h> already define them.
pub type u_int8_t = u8;
pub type u_int16_t = u16;
pub type u_int32_t = u32;
pub type u_int64_t = u64;
pub type u_char = u8;
pub type u_int = c_uint;
pub type u_long = c_ulong;
pub type pthread_spinlock_t = c_int;

/// `struct timeval` of the C library (16 bytes on LP64).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct timeval {
    pub tv_sec: c_long,
    pub tv_usec: c_long,
}

/// What the ring parsed out of a packet's headers (3.7.5 layout, 32 bytes).
/// Addresses and ports are in host byte order; `vlan_id` is 0 when the frame
/// is untagged; offsets are relative to the kernel's `skb->data` (RX: the
/// network header, so `eth_offset` is -14 stored in a u16; TX: the Ethernet
/// header).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct pkt_parsing_info {
    pub eth_type: u_int16_t,
    pub vlan_id: u_int16_t,
    pub l3_proto: u_int8_t,
    pub ipv4_tos: u_int8_t,
    pub ipv4_src: u_int32_t,
    pub ipv4_dst: u_int32_t,
    pub l4_src_port: u_int16_t,
    pub l4_dst_port: u_int16_t,
    pub tcp_flags: u_int8_t,
    pub eth_offset: u_int16_t,
    pub vlan_offset: u_int16_t,
    pub l3_offset: u_int16_t,
    pub l4_offset: u_int16_t,
    pub payload_offset: u_int16_t,
}

/// Per-packet header returned by `pfring_recv` (64 bytes). The first 24
/// bytes are laid out as `struct pcap_pkthdr`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct pfring_pkthdr {
    /// Time stamp of the packet.
    pub ts: timeval,
    /// Bytes of the packet present in the buffer.
    pub caplen: u_int32_t,
    /// Length of the packet on the wire.
    pub len: u_int32_t,
    /// Parsed header fields.
    pub parsed_pkt: pkt_parsing_info,
    /// Bytes of plugin data placed before the packet in the buffer.
    pub parsed_header_len: u_int16_t,
}

/// Ring statistics: packets read by the application and packets dropped.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct pfring_stat {
    pub recv: u_int64_t,
    pub drop: u_int64_t,
}

/// What a matching rule does with the packet (`rule_action_behaviour`).
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum rule_action_behaviour {
    forward_packet_and_stop_rule_evaluation = 0,
    dont_forward_packet_and_stop_rule_evaluation = 1,
    execute_action_and_continue_rule_evaluation = 2,
}

/// Cluster balancing type of the 3.7.5 kernel (always per flow).
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum cluster_type {
    cluster_per_flow = 0,
    cluster_round_robin = 1,
}

/// Header fields a wildcard rule matches (0 = any).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct filtering_rule_core_fields {
    pub proto: u_int8_t,
    pub vlan_id: u_int16_t,
    pub host_low: u_int32_t,
    pub host_high: u_int32_t,
    pub port_low: u_int16_t,
    pub port_high: u_int16_t,
}

/// Payload pattern and filter plugin of a wildcard rule.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct filtering_rule_extended_fields {
    pub payload_pattern: [c_char; 32],
    pub filter_plugin_id: u_int16_t,
    pub filter_plugin_data: [c_char; 128],
}

/// Plugin run when a rule matches (0 = none).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct filtering_rule_plugin_action {
    pub plugin_id: u_int16_t,
}

/// A wildcard filtering rule (192 bytes).
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct filtering_rule {
    pub rule_id: u_int16_t,
    pub rule_action: rule_action_behaviour,
    pub balance_id: u_int8_t,
    pub balance_pool: u_int8_t,
    pub core_fields: filtering_rule_core_fields,
    pub extended_fields: filtering_rule_extended_fields,
    pub plugin_action: filtering_rule_plugin_action,
}

/// A precise (hash) filtering rule on <vlan, proto, ip a, ip b, port a,
/// port b>, matching both directions (24 bytes).
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct hash_filtering_rule {
    pub vlan_id: u_int16_t,
    pub proto: u_int8_t,
    pub host_peer_a: u_int32_t,
    pub host_peer_b: u_int32_t,
    pub port_peer_a: u_int16_t,
    pub port_peer_b: u_int16_t,
    pub rule_action: rule_action_behaviour,
    pub plugin_action: filtering_rule_plugin_action,
}

/// Header at offset 0 of the kernel module's mmapped ring (64 bytes).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FlowSlotInfo {
    pub version: u_int16_t,
    pub sample_rate: u_int16_t,
    pub tot_slots: u_int32_t,
    pub slot_len: u_int32_t,
    pub data_len: u_int32_t,
    pub tot_mem: u_int32_t,
    pub tot_pkts: u_int64_t,
    pub tot_lost: u_int64_t,
    pub tot_insert: u_int64_t,
    pub tot_read: u_int64_t,
    pub insert_idx: u_int32_t,
    pub remove_idx: u_int32_t,
}

/// One slot of the kernel module's ring: magic, state, then the bucket
/// (64-byte header, plugin data, packet).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FlowSlot {
    pub magic: u_char,
    pub slot_state: u_char,
    pub bucket: u_char,
}

/// The ring handle (`pfring`), with the guide-era public fields. Programs
/// may read `fd` (the selectable descriptor) and `device_name`; the rest
/// describes the kernel module's mapping when that backend is in use and is
/// zero on the AF_PACKET backend. The library keeps private state after
/// this struct: never allocate or copy a `pfring` yourself.
#[repr(C)]
#[derive(Debug)]
pub struct pfring {
    pub buffer: *mut c_char,
    pub slots: *mut c_char,
    pub device_name: *mut c_char,
    pub fd: c_int,
    pub slots_info: *mut FlowSlotInfo,
    pub page_id: u_int,
    pub slot_id: u_int,
    pub pkts_per_page: u_int,
    pub poll_sleep: u_int,
    pub clear_promisc: u_int8_t,
    pub reentrant: u_int8_t,
    pub num_poll_calls: u_long,
    pub spinlock: pthread_spinlock_t,
}

/// Per-rule statistics written by `pfring_get_filtering_rule_stats` and
/// `pfring_get_hash_filtering_rule_stats` when the rule has no plugin: the
/// packets and bytes the rule matched (as the dummy plugin's `simple_stats`).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct pfring_rule_stats {
    pub num_pkts: u_int64_t,
    pub num_bytes: u_int64_t,
}

/// Same layout as [`filtering_rule`] with the enum as a plain integer, so a
/// rule coming from C with an out-of-range action can be read soundly and
/// refused.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RawFilteringRule {
    pub rule_id: u16,
    pub rule_action: u32,
    pub balance_id: u8,
    pub balance_pool: u8,
    pub core_fields: filtering_rule_core_fields,
    pub extended_fields: filtering_rule_extended_fields,
    pub plugin_action: filtering_rule_plugin_action,
}

/// Same layout as [`hash_filtering_rule`] with the enum as a plain integer.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RawHashFilteringRule {
    pub vlan_id: u16,
    pub proto: u8,
    pub host_peer_a: u32,
    pub host_peer_b: u32,
    pub port_peer_a: u16,
    pub port_peer_b: u16,
    pub rule_action: u32,
    pub plugin_action: filtering_rule_plugin_action,
}

impl Default for filtering_rule_extended_fields {
    fn default() -> Self {
        Self {
            payload_pattern: [0; 32],
            filter_plugin_id: 0,
            filter_plugin_data: [0; 128],
        }
    }
}

macro_rules! layout {
    ($t:ty, size $s:expr $(, $f:ident @ $o:expr)*) => {
        const _: () = assert!(size_of::<$t>() == $s);
        $(const _: () = assert!(offset_of!($t, $f) == $o);)*
    };
}

#[cfg(target_pointer_width = "64")]
mod lp64 {
    use super::*;
    layout!(timeval, size 16);
    layout!(pkt_parsing_info, size 32, eth_type @ 0, vlan_id @ 2, l3_proto @ 4, ipv4_tos @ 5,
        ipv4_src @ 8, ipv4_dst @ 12, l4_src_port @ 16, l4_dst_port @ 18, tcp_flags @ 20,
        eth_offset @ 22, vlan_offset @ 24, l3_offset @ 26, l4_offset @ 28, payload_offset @ 30);
    layout!(pfring_pkthdr, size 64, ts @ 0, caplen @ 16, len @ 20, parsed_pkt @ 24,
        parsed_header_len @ 56);
    layout!(pfring_stat, size 16, recv @ 0, drop @ 8);
    layout!(rule_action_behaviour, size 4);
    layout!(filtering_rule_core_fields, size 16, proto @ 0, vlan_id @ 2, host_low @ 4,
        host_high @ 8, port_low @ 12, port_high @ 14);
    layout!(filtering_rule_extended_fields, size 162, payload_pattern @ 0,
        filter_plugin_id @ 32, filter_plugin_data @ 34);
    layout!(filtering_rule_plugin_action, size 2, plugin_id @ 0);
    layout!(filtering_rule, size 192, rule_id @ 0, rule_action @ 4, balance_id @ 8,
        balance_pool @ 9, core_fields @ 12, extended_fields @ 28, plugin_action @ 190);
    layout!(RawFilteringRule, size 192, rule_id @ 0, rule_action @ 4, balance_id @ 8,
        balance_pool @ 9, core_fields @ 12, extended_fields @ 28, plugin_action @ 190);
    layout!(hash_filtering_rule, size 24, vlan_id @ 0, proto @ 2, host_peer_a @ 4,
        host_peer_b @ 8, port_peer_a @ 12, port_peer_b @ 14, rule_action @ 16,
        plugin_action @ 20);
    layout!(RawHashFilteringRule, size 24, vlan_id @ 0, proto @ 2, host_peer_a @ 4,
        host_peer_b @ 8, port_peer_a @ 12, port_peer_b @ 14, rule_action @ 16,
        plugin_action @ 20);
    layout!(FlowSlotInfo, size 64, version @ 0, sample_rate @ 2, tot_slots @ 4, slot_len @ 8,
        data_len @ 12, tot_mem @ 16, tot_pkts @ 24, tot_lost @ 32, tot_insert @ 40,
        tot_read @ 48, insert_idx @ 56, remove_idx @ 60);
    layout!(pfring, size 80, buffer @ 0, slots @ 8, device_name @ 16, fd @ 24, slots_info @ 32,
        page_id @ 40, slot_id @ 44, pkts_per_page @ 48, poll_sleep @ 52, clear_promisc @ 56,
        reentrant @ 57, num_poll_calls @ 64, spinlock @ 72);
    layout!(pfring_rule_stats, size 16, num_pkts @ 0, num_bytes @ 8);
}
