#!/usr/bin/env python3
"""Generates pcap-filter/tests/corpus.tsv (deterministic): filter expressions
over every primitive family and the supported link types, ~10% invalid.
Line format: DLT<TAB>SNAPLEN<TAB>NETMASK<TAB>OPT<TAB>EXPR (compile.c input).
Only names that resolve from /etc files are used (no DNS)."""
import random

r = random.Random(20261127)
out = []

def add(dlt, e, opt=1, snap=262144, mask="-"):
    out.append("%d\t%d\t%s\t%d\t%s" % (dlt, snap, mask, opt, e))

V4 = ["192.0.2.1", "198.51.100.7", "203.0.113.255", "10.0.0.1", "127.0.0.1", "224.0.0.251"]
V6 = ["::1", "2001:db8::1", "fe80::1", "ff02::fb", "2001:db8:0:1::", "::ffff:192.0.2.1"]
NETS = ["10.0.0.0/8", "192.168.0.0/16", "198.51.100.0/24", "172.16.0.0/12", "0.0.0.0/0",
        "203.0.113.128/25", "10", "192.168", "172.16.5", "198.51.100.0 mask 255.255.255.0",
        "10.0.0.0 mask 255.0.0.0"]
NETS6 = ["2001:db8::/32", "fe80::/10", "ff00::/8", "::/0", "2001:db8:1::/48"]
MACS = ["00:11:22:33:44:55", "ff:ff:ff:ff:ff:ff", "0:1:2:3:4:5", "00-11-22-33-44-55",
        "0011.2233.4455", "01:00:5e:00:00:fb"]
PORTS = ["80", "443", "53", "22", "0", "65535", "http", "domain", "ssh", "ntp", "snmp", "bootps"]
DIRS = ["", "src ", "dst ", "src or dst ", "src and dst "]
PROTOS = ["tcp", "udp", "icmp", "icmp6", "igmp", "igrp", "pim", "vrrp", "carp", "ah", "esp",
          "sctp", "arp", "rarp", "atalk", "aarp", "decnet", "lat", "sca", "moprc", "mopdl",
          "iso", "esis", "isis", "clnp", "stp", "ipx", "netbeui", "l1", "l2", "iih", "lsp",
          "snp", "csnp", "psnp", "ip", "ip6"]
ARITH = [
    "ip[0] & 0xf != 5", "ip[2:2] > 576", "ip[9] = 6", "ip[6:2] & 0x1fff = 0", "ip[8] < 64",
    "tcp[13] & 2 != 0", "tcp[tcpflags] & tcp-syn != 0", "tcp[tcpflags] & (tcp-syn|tcp-ack) == tcp-syn",
    "tcp[tcpflags] & tcp-push != 0", "tcp[tcpflags] & (tcp-fin|tcp-rst) != 0", "tcp[0:2] = 80",
    "tcp[2:2] >= 1024", "tcp[12] >> 4 > 5", "tcp[((tcp[12] & 0xf0) >> 2):4] = 0x47455420",
    "udp[0:2] = 53", "udp[4:2] > 100", "udp[8] = 0x45", "icmp[icmptype] = icmp-echo",
    "icmp[icmptype] != icmp-echo and icmp[icmptype] != icmp-echoreply", "icmp[0] = 3 and icmp[1] = 3",
    "icmp[icmpcode] = 0", "icmp6[icmp6type] = icmp6-echo", "icmp6[0] = 135", "icmp6[icmp6type] = icmp6-neighborsolicit",
    "ether[0] & 1 != 0", "ether[12:2] = 0x0800", "ether[6:4] = 0x00112233", "link[0] = 0xff",
    "ip6[6] = 17", "ip6[0:4] & 0xfff00000 = 0x60000000", "arp[6:2] = 1", "arp[7] = 2",
    "len > 100", "len <= 64", "len = 60", "len - 14 > 1000", "len * 2 < 200", "len / 4 = 15",
    "len % 2 = 0", "len & 0xff = 0x3c", "len | 1 = 61", "len ^ 1 = 61", "len << 1 = 120", "len >> 1 = 30",
    "-len < 0", "ip[0] + ip[1] > 70", "ip[1] - 1 = 0xff", "ip[2:2] - ((ip[0]&0xf)<<2) - ((tcp[12]&0xf0)>>2) != 0",
    "1 = 1", "0 = 1", "ip[0] = ip[0]", "tcp[0:2] = udp[0:2]", "ip[16:4] = 0xc0000201",
    "udp[2:2] = 53 or udp[0:2] = 53", "ip[12:4] & 0xffffff00 = 0xc6336400", "(ip[0] & 0xf) * 4 = 20",
    "ip[9] != 6 and ip[9] != 17", "ip[0] >> 4 = 4", "ip[6] & 0x20 != 0", "ip[6:2] & 0x3fff != 0",
    "tcp[4:4] = 0", "tcp[8:4] != 0 and tcp[13] & 16 != 0", "ether[14] = 0x45", "ip[0:4] > 0",
    "icmp[4:2] = 0", "ip[3] * 3 > ip[2] + 7", "tcp[tcpflags] = tcp-ack", "tcp[13] = 0x18",
    "tcp[tcpflags] & tcp-urg != 0", "tcp[tcpflags] & (tcp-ece|tcp-cwr) != 0", "tcp[13] & 0xff = 0x02",
]
OTHER_EN = [
    "broadcast", "multicast", "ether broadcast", "ether multicast", "ip multicast", "ip6 multicast",
    "not broadcast and not multicast", "less 100", "greater 1000", "less 60 or greater 1500",
    "vlan", "vlan 100", "vlan 0", "vlan 4095", "vlan and ip", "vlan 10 and vlan 20",
    "vlan and vlan and ip", "vlan 100 and tcp port 80", "vlan and host 192.0.2.1", "vlan or ip",
    "not vlan", "vlan and ip6 and udp", "vlan 1 or vlan 2", "(vlan 100)", "vlan (100)",
    "mpls", "mpls 100", "mpls 0", "mpls 1048575", "mpls and ip", "mpls 100 and mpls 200",
    "mpls and mpls and ip", "mpls and ip6", "mpls and host 192.0.2.1", "mpls and tcp",
    "mpls 16 and udp port 53", "not mpls",
    "pppoed", "pppoes", "pppoes 1", "pppoes 0xffff", "pppoes and ip", "pppoes 5 and tcp port 80",
    "pppoes and ip6", "pppoes and host 192.0.2.1", "pppoed or pppoes",
    "llc", "llc i", "llc s", "llc u", "llc rr", "llc rnr", "llc rej", "llc ui", "llc ua",
    "llc disc", "llc dm", "llc sabme", "llc test", "llc xid", "llc frmr", "not llc",
    "inbound", "outbound", "not inbound", "ifindex 1", "inbound and tcp",
    "byte 12 = 8", "byte 0 & 1", "byte 0 | 2", "byte 23 < 10", "byte 23 > 10",
    "ether proto 0x0800", "ether proto 0x86dd", "ether proto \\ip", "ether proto \\ip6",
    "ether proto \\arp", "ether proto \\rarp", "ether proto \\atalk", "ether proto \\aarp",
    "ether proto \\decnet", "ether proto \\lat", "ether proto \\sca", "ether proto \\moprc",
    "ether proto \\mopdl", "ether proto \\loopback", "ether proto \\iso", "ether proto \\stp",
    "ether proto \\ipx", "ether proto \\netbeui", "ether proto 100", "ether proto 0x8847",
    "ip proto 6", "ip proto \\tcp", "ip proto \\udp", "ip proto 47", "ip6 proto 58", "ip6 proto \\tcp",
    "proto \\udp", "proto 132", "ip proto \\icmp", "ip6 proto 0", "proto 17 or proto 6",
    "iso proto \\esis", "iso proto \\isis", "iso proto \\clnp", "isis proto 15",
    "decnet host 1.2", "decnet src 10.5", "decnet dst 63.1023", "decnet host 0.1",
    "atalk", "aarp", "decnet", "lat", "sca", "moprc", "mopdl", "stp", "ipx", "netbeui",
    "gateway localhost",
    "ip broadcast", "ip and not ip broadcast",
    "protochain 6", "ip protochain 17", "ip6 protochain 58", "protochain \\tcp",
    "geneve", "geneve 100", "geneve and ip",
    "arp host 192.0.2.1", "rarp host 192.0.2.1", "arp src host 10.0.0.1", "arp net 10.0.0.0/8",
    "host localhost", "src host localhost", "net loopback", "net link-local", "ip net loopback",
    "dst net default",
]
INVALID = [
    "tcp port 80 $", "10.0.0.1", "tcp and 80", "port 99999", "port 09", "port 0x1g",
    "port 99999999999", "host 1.2.3.4.5", "host 256.1.1.1", "net 10.0.0.1/8",
    "net 10.0.0.0/33", "net 192.168.1.1 mask 255.255.0.0", "vlan 5000", "mpls 1048576",
    "pppoes 65536", "ip[0:3] = 1", "ip[0:0] = 1", "ip6 host 1.2.3.4", "ip host ::1",
    "tcp host 1.2.3.4", "udp net 10.0.0.0/8", "port 1.2.3.4", "portrange 1.2.3.4",
    "proto 1.2.3.4", "ether host 1.2.3.4", "host 00:11:22:33:44:55", "tcp src host ::1",
    "port 80-90", "portrange 80", "portrange 1-2-3", "portrange -5", "portrange 5-",
    "portrange 1-70000", "portrange foo-bar", "ip proto foo", "ether proto \\foo",
    "iso proto \\foo", "port foo", "tcp port domain and udp port ssh", "udp port ssh",
    "tcp port ntp", "net nosuchnet", "ip broadcast and", "and tcp", "tcp or", "(tcp",
    "tcp)", "((tcp)", "not", "!", "host", "port", "net", "src", "dst host", "ip[0",
    "ip[0] =", "= 1", "1 +", "ip[0] & ", "len >", "less", "greater x", "byte 1 ^ 2",
    "tcp[0] / 0 = 1", "tcp[0] % 0 = 1", "ip[0] << 32 = 1", "ip[0] >> 33 = 1",
    "ether[0:3] = 1", "vlan 100 and mpls 200 and vlan 1", "mpls and vlan",
    "icmp proto 1", "tcp proto 6", "udp proto 17", "arp proto 1", "rarp proto 1",
    "atalk proto 1", "decnet proto 1", "lat proto 1", "sca proto 1", "moprc proto 1",
    "mopdl proto 1", "ah proto 1", "esp proto 1", "pim proto 1", "vrrp proto 1",
    "aarp proto 1", "clnp proto 1", "stp proto 1", "ipx proto 1", "netbeui proto 1",
    "l1 proto 1", "icmp6 proto 1", "sctp proto 1", "igmp proto 1", "igrp proto 1",
    "src proto 6", "tcp src proto 6", "atalk host 1.2.3.4", "lat host 1.2.3.4",
    "sca host 1.2.3.4", "moprc host 1.2.3.4", "mopdl host 1.2.3.4", "iso host 1.2.3.4",
    "ipx host 1.2.3.4", "stp host 1.2.3.4", "esis host 1.2.3.4", "isis host 1.2.3.4",
    "clnp host 1.2.3.4", "netbeui host 1.2.3.4", "l2 host 1.2.3.4", "ah host 1.2.3.4",
    "esp host 1.2.3.4", "pim host 1.2.3.4", "vrrp host 1.2.3.4", "carp host 1.2.3.4",
    "icmp host 1.2.3.4", "icmp6 host 1.2.3.4", "igmp host 1.2.3.4", "igrp host 1.2.3.4",
    "sctp host 1.2.3.4", "radio host 1.2.3.4", "ether net 10.0.0.0/8", "link host 1.2.3.4",
    "ip6 broadcast", "tcp broadcast", "arp multicast", "radio", "link", "ether",
    "tcp and udp", "ip and arp", "tcp and not tcp", "ip6 and ip", "udp and icmp", "vlan and not vlan",
    "host 2001:db8::1/64", "net 2001:db8::1/32", "ip6 net ::1/129", "host ::1 mask ::",
    "gateway 1.2.3.4", "gateway", "ether host foo", "ip[1000000000000] = 1",
    "ip[0] = 0x100000000", "01239", "tcp[13] & 2 != 0 and", "addr1 00:11:22:33:44:55",
    "ra 00:11:22:33:44:55", "ta host 1.2.3.4", "addr2 port 80", "addr3 net 10", "addr4 host 1.2.3.4",
    "type mgt", "subtype beacon", "dir nods", "on eth0", "rnr 1", "action pass", "reason match",
    "ruleset foo", "srnr 2", "vpi 1", "lane", "fisu", "sio 1", "llc foo", "radio[0] = 1",
    "inbound and ifindex", "ifindex foo", "vlan foo", "mpls foo", "ip6 protochain foo",
    "port http-alt", "icmp[icmptype] = icmp-foo", "host a@b", "host 1.2.3.4 or not",
    "tcp port 80 and (udp or host)", "src or host 1.2.3.4", "src or dst or host 1.2.3.4",
]

def hosts():
    for d in DIRS:
        for a in V4:
            yield "%shost %s" % (d, a)
    for a in V6:
        for d in ["", "src ", "dst "]:
            yield "%shost %s" % (d, a)
    for n in NETS:
        for d in ["", "src ", "dst "]:
            yield "%snet %s" % (d, n)
    for n in NETS6:
        yield "net %s" % n
        yield "dst net %s" % n
    for p in ["ip", "arp", "rarp"]:
        yield "%s host %s" % (p, V4[0])
        yield "%s src %s" % (p, V4[1])
        yield "%s dst net %s" % (p, NETS[0])
    yield "ip6 host %s" % V6[1]
    yield "ip6 src net %s" % NETS6[0]
    yield "host %s or %s" % (V4[0], V4[1])
    yield "src host %s or %s and not %s" % (V4[0], V4[1], V4[2])
    yield "host %s and (%s or %s)" % (V4[0], V4[1], V4[2])
    yield "net 10 or 192.168"
    yield "host %s or %s" % (V6[0], V6[1])
    yield "src net %s or dst net %s" % (NETS[0], NETS[1])

def ports():
    for d in DIRS:
        for p in PORTS:
            yield "%sport %s" % (d, p)
    for t in ["tcp", "udp", "sctp"]:
        for p in ["80", "53", "0", "65535"]:
            yield "%s port %s" % (t, p)
            yield "%s src port %s" % (t, p)
            yield "%s dst portrange %s-%d" % (t, p, int(p) + 10 if int(p) < 65000 else 65535)
    for pr in ["1-1023", "1024-65535", "80-80", "100-50", "0-0", "http-https", "ssh-http",
               "domain-ntp", "20-ssh"]:
        for d in ["", "src ", "dst "]:
            yield "%sportrange %s" % (d, pr)
    yield "tcp port http"
    yield "udp port domain"
    yield "tcp port domain"
    yield "udp port ntp"
    yield "tcp portrange 1-1023 and not tcp port 22"
    yield "port 80 or 443 or 8080"
    yield "tcp port 80 or 443"
    yield "udp port 67 or 68"
    yield "port (53 or 123)"

def combos(n):
    base = (["tcp", "udp", "icmp", "ip", "ip6", "arp", "icmp6", "tcp port 80", "udp port 53",
             "host 192.0.2.1", "net 10.0.0.0/8", "port 22", "ether broadcast", "ip multicast",
             "tcp[tcpflags] & tcp-syn != 0", "len > 100", "vlan", "ip[9] = 6", "src host 10.0.0.1",
             "dst port 443", "ip6 host 2001:db8::1", "portrange 1000-2000", "less 80", "sctp"])
    ops = [" and ", " or ", " && ", " || "]
    for _ in range(n):
        k = r.choice([2, 2, 3, 3, 4])
        parts = []
        for _ in range(k):
            t = r.choice(base)
            if r.random() < 0.25:
                t = r.choice(["not ", "!"]) + ("(%s)" % t if " " in t else t)
            parts.append(t)
        e = parts[0]
        for p in parts[1:]:
            op = r.choice(ops)
            if r.random() < 0.3:
                e = "(%s)%s%s" % (e, op, p)
            else:
                e = e + op + p
        yield e

# Ethernet: everything
en = list(hosts()) + list(ports()) + PROTOS + ARITH + OTHER_EN + list(combos(260))
for e in en:
    add(1, e, opt=1)
# unoptimized subset (byte-identical target), other snaplen / netmask
for e in en[::3]:
    add(1, e, opt=0)
for e in ["ip broadcast", "ip and not ip broadcast", "ip broadcast or ip multicast", "broadcast"]:
    add(1, e, opt=1, mask="255.255.255.0")
    add(1, e, opt=0, mask="255.255.0.0")
for e in en[::17]:
    add(1, e, opt=1, snap=65535)
for e in INVALID:
    add(1, e, opt=1)

# other link types
COMMON = (PROTOS + ["host 192.0.2.1", "src net 10.0.0.0/8", "tcp port 80", "udp port 53",
          "portrange 1-1023", "ip6 host 2001:db8::1", "ip[9] = 6", "tcp[tcpflags] & tcp-syn != 0",
          "icmp[icmptype] = icmp-echo", "icmp6[icmp6type] = icmp6-echo", "len > 100", "less 64",
          "ip multicast", "ip6 multicast", "ip proto 17", "ip6 proto 17", "ether proto 0x800",
          "link[0] = 0", "host localhost", "not ip", "ip or ip6", "tcp or udp", "port 80 or port 443",
          "net 192.168.0.0/16 and not host 192.168.1.1", "broadcast", "multicast", "ether broadcast",
          "vlan", "mpls", "pppoes", "pppoed", "llc", "inbound", "outbound", "ifindex 2",
          "ether host 00:11:22:33:44:55", "ether src 0:1:2:3:4:5", "ip and udp", "ip6 and tcp",
          "ip broadcast", "tcp and udp", "byte 0 = 0x45", "ip[0] & 0xf0 = 0x40", "decnet host 1.2",
          "ether[0] = 0", "ip[2:2] > 100", "dst port 22", "stp", "ipx", "atalk", "iso", "isis",
          "geneve", "protochain 6", "mpls 100 and ip", "arp", "rarp"])
for d in [113, 276, 12, 228, 229, 0, 108, 9, 51, 10, 6, 11, 50, 104, 8, 105, 127, 147, 117, 7, 1000]:
    for e in COMMON:
        add(d, e, opt=1)
    for e in COMMON[::4]:
        add(d, e, opt=0)
for d in [105, 127]:
    for e in ["type mgt", "type ctl", "type data", "type mgt subtype beacon", "subtype probe-req",
              "subtype ack", "type data subtype qos-data", "dir nods", "dir tods", "dir 3",
              "wlan host 00:11:22:33:44:55", "wlan addr1 00:11:22:33:44:55", "wlan ra 0:1:2:3:4:5",
              "type foo", "subtype foo", "dir foo", "type mgt subtype foo"]:
        add(d, e, opt=1)

with open(__file__.replace("gen_corpus.py", "corpus.tsv"), "w") as f:
    f.write("# generated by gen_corpus.py; DLT SNAPLEN NETMASK OPT EXPR\n")
    f.write("\n".join(out) + "\n")
print(len(out), "expressions")
