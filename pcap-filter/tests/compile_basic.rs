//! Exact programs and messages recorded from libpcap 1.10.3 (tcpdump -ddd /
//! pcap_compile on pcap_open_dead(DLT_EN10MB, 262144)).
use pcap_filter::{compile, CompileOptions, NoResolver};

fn c(expr: &str, optimize: bool) -> Result<String, String> {
    let opts = CompileOptions {
        optimize,
        ..Default::default()
    };
    compile(expr, &opts, &NoResolver)
        .map(|p| {
            p.iter()
                .map(|i| format!("{} {} {} {}", i.code, i.jt, i.jf, i.k))
                .collect::<Vec<_>>()
                .join(",")
        })
        .map_err(|e| e.message)
}

#[test]
fn tcp_port_80_unoptimized() {
    assert_eq!(
        c("tcp port 80", false).unwrap(),
        "40 0 0 12,21 0 6 34525,48 0 0 20,21 0 4 6,40 0 0 54,21 14 0 80,40 0 0 56,21 12 0 80,\
40 0 0 12,21 0 11 2048,48 0 0 23,21 0 9 6,40 0 0 20,69 7 0 8191,177 0 0 14,72 0 0 14,21 3 0 80,\
177 0 0 14,72 0 0 16,21 0 1 80,6 0 0 262144,6 0 0 0"
    );
}

#[test]
fn icmp6_type_unoptimized() {
    assert_eq!(
        c("icmp6[icmp6type] = icmp6-echo", false).unwrap(),
        "40 0 0 12,21 0 14 34525,48 0 0 20,21 0 12 58,0 0 0 0,2 0 0 0,97 0 0 0,80 0 0 54,2 0 0 1,\
0 0 0 128,2 0 0 2,97 0 0 2,96 0 0 1,28 0 0 0,21 0 1 0,6 0 0 262144,6 0 0 0"
    );
}

#[test]
fn empty_expression() {
    assert_eq!(c("", true).unwrap(), "6 0 0 262144");
}

#[test]
fn errors() {
    assert_eq!(
        c("tcp and udp", true).unwrap_err(),
        "expression rejects all packets"
    );
    assert!(c("tcp and udp", false).is_ok());
    assert_eq!(
        c("port 99999", true).unwrap_err(),
        "illegal port number 99999 > 65535"
    );
    assert_eq!(
        c("net 10.0.0.1/8", true).unwrap_err(),
        "non-network bits set in \"10.0.0.1/8\""
    );
    assert_eq!(
        c("vlan 5000", true).unwrap_err(),
        "VLAN tag 5000 greater than maximum 4095"
    );
    assert_eq!(
        c("ip[0:3] = 1", true).unwrap_err(),
        "data size must be 1, 2, or 4"
    );
    assert_eq!(
        c("ip broadcast", true).unwrap_err(),
        "netmask not known, so 'ip broadcast' not supported"
    );
    assert_eq!(
        c("tcp port 80 $", true).unwrap_err(),
        "can't parse filter expression: syntax error"
    );
    assert_eq!(
        c("10.0.0.1", true).unwrap_err(),
        "can't parse filter expression: syntax error"
    );
    assert_eq!(
        c("tcp and 80", true).unwrap_err(),
        "syntax error in filter expression"
    );
    assert_eq!(
        c("port 09", true).unwrap_err(),
        "number 09 contains non-octal digit"
    );
    assert_eq!(
        c("port 99999999999", true).unwrap_err(),
        "number 99999999999 overflows 32 bits"
    );
    assert_eq!(
        c("ip6 host 1.2.3.4", true).unwrap_err(),
        "'ip6' modifier applied to ip host"
    );
    assert_eq!(
        c("host 256.1.1.1", true).unwrap_err(),
        "invalid IPv4 address '256.1.1.1'"
    );
}
