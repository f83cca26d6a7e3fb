//! The C compiler's view of pfring.h (c-tests/layout.c) must equal the
//! Rust mirrors' sizes and offsets, field by field.

use std::collections::HashMap;
use std::mem::{offset_of, size_of};
use std::process::Command;

use ::pfring::ffi::*;

fn c_layout() -> HashMap<String, usize> {
    let root = env!("CARGO_MANIFEST_DIR");
    let exe = std::env::temp_dir().join(format!("pfring-layout-{}", std::process::id()));
    let st = Command::new("cc")
        .args(["-std=gnu99", "-Wall", "-Werror", "-I"])
        .arg(format!("{root}/include"))
        .arg(format!("{root}/c-tests/layout.c"))
        .arg("-o")
        .arg(&exe)
        .status()
        .expect("run cc");
    assert!(st.success(), "cc layout.c failed");
    let out = Command::new(&exe).output().expect("run layout");
    let _ = std::fs::remove_file(&exe);
    assert!(out.status.success());
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| {
            let (k, v) = l.rsplit_once(' ').unwrap();
            (k.to_string(), v.parse().unwrap())
        })
        .collect()
}

macro_rules! check {
    ($m:expr, $c:literal, $t:ty $(, $f:ident)*) => {
        assert_eq!($m[$c], size_of::<$t>(), "sizeof {}", $c);
        $(assert_eq!($m[concat!($c, ".", stringify!($f))], offset_of!($t, $f),
            "offsetof {}.{}", $c, stringify!($f));)*
    };
}

#[test]
fn c_and_rust_layouts_are_identical() {
    let m = c_layout();
    check!(m, "struct timeval", timeval);
    check!(
        m,
        "pkt_parsing_info",
        pkt_parsing_info,
        eth_type,
        vlan_id,
        l3_proto,
        ipv4_tos,
        ipv4_src,
        ipv4_dst,
        l4_src_port,
        l4_dst_port,
        tcp_flags,
        eth_offset,
        vlan_offset,
        l3_offset,
        l4_offset,
        payload_offset
    );
    check!(
        m,
        "struct pfring_pkthdr",
        pfring_pkthdr,
        ts,
        caplen,
        len,
        parsed_pkt,
        parsed_header_len
    );
    assert_eq!(m["struct pcap_pkthdr"], 24);
    assert_eq!(
        m["struct pcap_pkthdr.caplen"],
        offset_of!(pfring_pkthdr, caplen)
    );
    assert_eq!(m["struct pcap_pkthdr.len"], offset_of!(pfring_pkthdr, len));
    check!(m, "pfring_stat", pfring_stat, recv, drop);
    check!(m, "rule_action_behaviour", rule_action_behaviour);
    check!(
        m,
        "filtering_rule_core_fields",
        filtering_rule_core_fields,
        proto,
        vlan_id,
        host_low,
        host_high,
        port_low,
        port_high
    );
    check!(
        m,
        "filtering_rule_extended_fields",
        filtering_rule_extended_fields,
        payload_pattern,
        filter_plugin_id,
        filter_plugin_data
    );
    check!(
        m,
        "filtering_rule_plugin_action",
        filtering_rule_plugin_action
    );
    check!(
        m,
        "filtering_rule",
        filtering_rule,
        rule_id,
        rule_action,
        balance_id,
        balance_pool,
        core_fields,
        extended_fields,
        plugin_action
    );
    check!(
        m,
        "hash_filtering_rule",
        hash_filtering_rule,
        vlan_id,
        proto,
        host_peer_a,
        host_peer_b,
        port_peer_a,
        port_peer_b,
        rule_action,
        plugin_action
    );
    check!(
        m,
        "FlowSlotInfo",
        FlowSlotInfo,
        version,
        sample_rate,
        tot_slots,
        slot_len,
        data_len,
        tot_mem,
        tot_pkts,
        tot_lost,
        tot_insert,
        tot_read,
        insert_idx,
        remove_idx
    );
    check!(
        m,
        "pfring",
        pfring,
        buffer,
        slots,
        device_name,
        fd,
        slots_info,
        page_id,
        slot_id,
        pkts_per_page,
        poll_sleep,
        clear_promisc,
        reentrant,
        num_poll_calls,
        spinlock
    );
    check!(m, "pfring_rule_stats", pfring_rule_stats);
    assert_eq!(m["forward_packet_and_stop_rule_evaluation"], 0);
    assert_eq!(m["dont_forward_packet_and_stop_rule_evaluation"], 1);
    assert_eq!(m["execute_action_and_continue_rule_evaluation"], 2);
    assert_eq!(m["RING_VERSION_NUM"], 0x030705);
    // The guide's sizes, independent of both compilers.
    assert_eq!(
        (
            m["struct pfring_pkthdr"],
            m["pkt_parsing_info"],
            m["filtering_rule"]
        ),
        (64, 32, 192)
    );
    assert_eq!(
        (
            m["filtering_rule_core_fields"],
            m["filtering_rule_extended_fields"]
        ),
        (16, 162)
    );
    assert_eq!(
        (m["hash_filtering_rule"], m["pfring_stat"], m["pfring"]),
        (24, 16, 80)
    );
}
