#!/usr/bin/env python3
"""Random filter expressions from a grammar-shaped generator (valid and
invalid), for bug hunting against libpcap. usage: gen_random.py SEED COUNT
Prints compile.c input lines. Names only from /etc files (no DNS)."""
import random, sys

seed = int(sys.argv[1]) if len(sys.argv) > 1 else 1
count = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
r = random.Random(seed)

PN = ["ether", "link", "ppp", "fddi", "tr", "wlan", "slip", "ip", "ip6", "arp", "rarp", "tcp", "udp",
      "sctp", "icmp", "icmp6", "igmp", "igrp", "pim", "vrrp", "carp", "ah", "esp", "atalk", "aarp",
      "decnet", "lat", "sca", "moprc", "mopdl", "iso", "esis", "isis", "clnp", "stp", "ipx",
      "netbeui", "l1", "l2", "iih", "lsp", "snp", "csnp", "psnp", "radio", "es-is", "is-is"]
DQ = ["src", "dst", "src or dst", "dst or src", "src and dst", "dst and src", "addr1", "addr2",
      "addr3", "addr4", "ra", "ta", "address1"]
AQ = ["host", "net", "port", "portrange", "proto", "protochain", "gateway"]
IDS = ["localhost", "http", "domain", "ssh", "ntp", "snmp", "bootps", "tcp", "udp", "icmp",
       "loopback", "link-local", "1-1023", "http-https", "20-ssh", "80-90", "foo", "\\ip", "\\arp",
       "\\tcp", "\\udp", "\\ip6", "\\esis", "\\isis", "\\clnp", "\\iso", "\\stp", "\\ipx"]
HIDS = ["192.0.2.1", "10.0.0.0", "10.1", "172.16.5", "0.0.0.0", "255.255.255.255", "1.2.3.4",
        "127.0.0.1", "10", "300.1.1.1"]
HID6 = ["::1", "2001:db8::", "fe80::1", "::", "ff02::1", "2001:db8::1:2"]
EIDS = ["00:11:22:33:44:55", "ff:ff:ff:ff:ff:ff", "1:2:3:4:5:6", "00-11-22-33-44-55",
        "0011.2233.4455"]
NUMS = ["0", "1", "6", "17", "53", "80", "100", "255", "443", "1024", "4095", "4096", "65535",
        "65536", "0x800", "0x86dd", "010", "1500", "0xffffffff", "1048575", "16777215"]
ARITH_ATOMS = ["len", "1", "0", "2", "4", "0xff", "0xf0", "13", "tcpflags", "icmptype", "icmp6type",
               "tcp-syn", "tcp-ack", "tcp-fin", "icmp-echo", "icmp6-echo", "icmpcode"]
ACC = ["ether", "link", "ip", "ip6", "arp", "rarp", "tcp", "udp", "icmp", "icmp6", "sctp", "igmp",
       "pim", "vrrp", "atalk", "decnet", "radio", "igrp", "carp", "lat", "sca", "moprc", "mopdl"]
BINOPS = ["+", "-", "*", "/", "%", "&", "|", "^", "<<", ">>"]
RELOPS = [">", "<", ">=", "<=", "=", "==", "!="]
OTHER = ["broadcast", "multicast", "ether broadcast", "ip broadcast", "ip multicast", "ip6 multicast",
         "less 100", "greater 64", "vlan", "vlan 100", "vlan 4095", "mpls", "mpls 20", "pppoed",
         "pppoes", "pppoes 3", "geneve", "geneve 5", "llc", "llc i", "llc s", "llc u", "llc ui",
         "llc rnr", "inbound", "outbound", "ifindex 3", "byte 3 = 4", "byte 2 & 1", "byte 0 > 3",
         "type mgt", "type data subtype qos-data", "subtype beacon", "dir tods", "on eth0",
         "rnr 3", "reason match", "action pass", "ruleset x", "srnr 1", "lane", "vpi 1", "fisu",
         "sio 2", "ether proto 0x800", "ip proto 6", "ip6 protochain 17", "protochain 6"]

def arth(d=0):
    t = r.random()
    if d > 2 or t < 0.35:
        return r.choice(ARITH_ATOMS)
    if t < 0.7:
        idx = arth(d + 1)
        sz = r.choice(["", "", ":1", ":2", ":4", ":3"])
        return "%s[%s%s]" % (r.choice(ACC), idx, sz)
    if t < 0.9:
        return "%s %s %s" % (arth(d + 1), r.choice(BINOPS), arth(d + 1))
    if t < 0.95:
        return "-" + arth(d + 1)
    return "(%s)" % arth(d + 1)

def idval():
    t = r.random()
    if t < 0.3:
        return r.choice(HIDS) + r.choice(["", "", "/8", "/24", "/16", "/33", " mask 255.0.0.0"])
    if t < 0.45:
        return r.choice(HID6) + r.choice(["", "", "/64", "/32", "/129"])
    if t < 0.55:
        return r.choice(EIDS)
    if t < 0.8:
        return r.choice(NUMS)
    return r.choice(IDS)

def prim():
    t = r.random()
    if t < 0.45:
        parts = []
        if r.random() < 0.6:
            parts.append(r.choice(PN))
        if r.random() < 0.4:
            parts.append(r.choice(DQ))
        if r.random() < 0.7:
            parts.append(r.choice(AQ))
        head = " ".join(parts)
        v = idval()
        if r.random() < 0.15:
            v = "(%s or %s)" % (v, idval())
        return (head + " " + v).strip()
    if t < 0.6:
        return r.choice(PN)
    if t < 0.8:
        return "%s %s %s" % (arth(), r.choice(RELOPS), arth())
    return r.choice(OTHER)

def expr(d=0):
    if d > 3 or r.random() < 0.35:
        e = prim()
    else:
        n = r.choice([2, 2, 3])
        e = expr(d + 1)
        for _ in range(n - 1):
            nxt = expr(d + 1) if r.random() < 0.8 else idval()
            e = "%s %s %s" % (e, r.choice(["and", "or", "&&", "||"]), nxt)
    if r.random() < 0.15:
        e = r.choice(["not ", "!"]) + e
    if r.random() < 0.2:
        e = "(%s)" % e
    if r.random() < 0.01:
        e = e + r.choice([" )", " and", "(", " $", " 1"])
    return e

DLTS = [1] * 8 + [113, 276, 12, 228, 229, 0, 108, 9, 51, 10, 6, 11, 50, 104, 8, 105, 127, 117, 7, 147, 163, 119, 192]
for _ in range(count):
    d = r.choice(DLTS)
    print("%d\t%d\t%s\t%d\t%s" % (d, r.choice([262144, 65535, 96]), r.choice(["-", "-", "255.255.255.0"]),
                                  r.choice([0, 1, 1]), expr()))
