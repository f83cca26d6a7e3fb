#!/usr/bin/env python3
"""Random *valid-looking* filter expressions (deep and/or/not nesting of
primitives that compile on Ethernet-like links), to exercise the optimizer.
usage: gen_valid.py SEED COUNT -> compile.c input lines."""
import random, sys
r = random.Random(int(sys.argv[1]) if len(sys.argv) > 1 else 1)
count = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
H4 = ["192.0.2.1", "198.51.100.7", "10.0.0.1", "127.0.0.1", "203.0.113.9"]
N4 = ["10.0.0.0/8", "192.168.0.0/16", "198.51.100.0/24", "0.0.0.0/0", "172.16.0.0/12", "10", "192.168"]
H6 = ["::1", "2001:db8::1", "fe80::1", "ff02::fb"]
PORTS = ["80", "443", "53", "22", "123", "0", "65535", "http", "domain", "ssh"]
def prim():
    t = r.randrange(22)
    d = r.choice(["", "", "src ", "dst ", "src or dst ", "src and dst "])
    if t == 0: return "%shost %s" % (d, r.choice(H4))
    if t == 1: return "%snet %s" % (d, r.choice(N4))
    if t == 2: return "%sport %s" % (d, r.choice(PORTS))
    if t == 3: return "%s %sport %s" % (r.choice(["tcp", "udp", "sctp"]), d, r.choice(["80", "53", "443"]))
    if t == 4: return "%sportrange %d-%d" % (d, r.randrange(1000), r.randrange(1000, 3000))
    if t == 5: return r.choice(["tcp", "udp", "icmp", "icmp6", "ip", "ip6", "arp", "rarp", "sctp", "igmp", "pim", "ah", "esp", "vrrp", "stp", "ipx", "iso", "isis", "atalk", "decnet", "netbeui", "llc", "l1", "clnp"])
    if t == 6: return "ip6 %shost %s" % (d, r.choice(H6))
    if t == 7: return "%s[%d%s] %s %d" % (r.choice(["ip", "tcp", "udp", "icmp", "ether", "ip6", "icmp6", "arp"]), r.randrange(40), r.choice(["", ":1", ":2", ":4"]), r.choice(["=", "!=", ">", "<", ">=", "<="]), r.choice([0, 1, 6, 17, 80, 255, 0x800, 0x45]))
    if t == 8: return "tcp[tcpflags] & (%s) != 0" % "|".join(r.sample(["tcp-syn", "tcp-ack", "tcp-fin", "tcp-rst", "tcp-push", "tcp-urg"], r.randrange(1, 4)))
    if t == 9: return "icmp[icmptype] %s %s" % (r.choice(["=", "!="]), r.choice(["icmp-echo", "icmp-echoreply", "icmp-unreach", "icmp-timxceed"]))
    if t == 10: return r.choice(["vlan", "vlan %d" % r.randrange(4096), "mpls", "mpls %d" % r.randrange(1000), "pppoes", "pppoes %d" % r.randrange(100), "pppoed"])
    if t == 11: return r.choice(["less %d" % r.randrange(1600), "greater %d" % r.randrange(1600), "len %s %d" % (r.choice(["<", ">", "=", "!="]), r.randrange(1600))])
    if t == 12: return r.choice(["broadcast", "multicast", "ip multicast", "ip6 multicast", "ether broadcast", "ether multicast"])
    if t == 13: return "ether %s%s" % (d if d.strip() not in ("src or dst", "src and dst") else "", r.choice(["host 00:11:22:33:44:55", "host ff:ff:ff:ff:ff:ff", "proto 0x800", "proto \\ip6", "proto \\arp"]))
    if t == 14: return "%s proto %s" % (r.choice(["ip", "ip6"]), r.choice(["6", "17", "\\tcp", "\\udp", "58", "50"]))
    if t == 15: return "(ip[2:2] - ((ip[0]&0xf)<<2)) %s %d" % (r.choice([">", "<", "="]), r.randrange(1500))
    if t == 16: return "%s[%s] %s %d" % (r.choice(["tcp", "udp", "ip"]), r.choice(["len - 40", "2 + 2", "ip[0] & 0xf", "tcp[12] >> 4"]), r.choice(["=", ">"]), r.randrange(256))
    if t == 17: return "geneve" + r.choice(["", " %d" % r.randrange(100)])
    if t == 18: return r.choice(["ip protochain 6", "ip6 protochain 17", "protochain 58"])
    if t == 19: return "ip host %s and not %s" % (r.choice(H4), r.choice(H4))
    if t == 20: return "host %s or %s or %s" % tuple(r.sample(H4, 3))
    return "%s %s" % (r.choice(["inbound", "outbound"]), "")
def expr(dep=0):
    if dep > 3 or r.random() < 0.3:
        e = prim().strip()
    else:
        e = expr(dep + 1)
        for _ in range(r.randrange(1, 4)):
            e = "%s %s %s" % (e, r.choice(["and", "or", "&&", "||"]), expr(dep + 1))
        if r.random() < 0.5:
            e = "(%s)" % e
    if r.random() < 0.2:
        e = "not " + (e if e.startswith("(") else "(%s)" % e)
    return e
DL = [1] * 10 + [113, 276, 12, 228, 229, 0, 108, 9, 10, 6, 105, 127]
for _ in range(count):
    print("%d\t%d\t-\t%d\t%s" % (r.choice(DL), r.choice([262144, 65535]), r.choice([1, 1, 1, 0]), expr()))
