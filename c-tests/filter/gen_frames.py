#!/usr/bin/env python3
"""Writes a pcap (DLT_EN10MB) of crafted frames for the filter differential:
VLAN, QinQ, MPLS stacks, PPPoE, Geneve, IPv6 extension headers, IPv4
fragments, 802.3/LLC/SNAP, broadcast/multicast, and truncated copies
(caplen < len) of everything. Deterministic. usage: gen_frames.py OUT.pcap"""
import random, struct, sys

r = random.Random(7)
MACS = [bytes.fromhex(x) for x in ("001122334455", "ffffffffffff", "000102030405", "01005e0000fb",
                                     "333300000001", "0a0b0c0d0e0f")]
V4 = ["192.0.2.1", "198.51.100.7", "203.0.113.255", "10.0.0.1", "127.0.0.1", "224.0.0.251",
      "172.16.5.4", "192.168.1.1", "10.1.2.3", "255.255.255.255"]
V6 = ["::1", "2001:db8::1", "fe80::1", "ff02::fb", "2001:db8:0:1::", "2001:db8:1::5"]

def ip4(s):
    return bytes(int(x) for x in s.split("."))

def ip6(s):
    import ipaddress
    return ipaddress.IPv6Address(s).packed

def csum(b):
    return 0

def l4(proto, sport, dport, flags=0x02, payload=b""):
    if proto == 6:
        return struct.pack(">HHIIBBHHH", sport, dport, 1, 0, 0x50, flags, 1024, 0, 0) + payload
    if proto == 17:
        return struct.pack(">HHHH", sport, dport, 8 + len(payload), 0) + payload
    if proto == 132:
        return struct.pack(">HHII", sport, dport, 0, 0) + payload
    if proto == 1:
        return struct.pack(">BBHHH", sport & 0xff, dport & 0xff, 0, 1, 1) + payload
    if proto == 58:
        return struct.pack(">BBHHH", sport & 0xff, dport & 0xff, 0, 1, 1) + payload
    return payload + b"\x00" * 8

def ipv4(src, dst, proto, payload, frag=0, ihl=5, ttl=64):
    opts = b"\x01" * ((ihl - 5) * 4)
    tot = 20 + len(opts) + len(payload)
    return struct.pack(">BBHHHBBH4s4s", 0x40 | ihl, 0, tot, 1, frag, ttl, proto, 0, ip4(src), ip4(dst)) + opts + payload

def ipv6(src, dst, nh, payload):
    return struct.pack(">IHBB16s16s", 0x60000000, len(payload), nh, 64, ip6(src), ip6(dst)) + payload

def eth(dst, src, etype, payload):
    return dst + src + struct.pack(">H", etype) + payload

frames = []

def add(f):
    frames.append(f)

def rand_l3():
    kind = r.choice(["tcp", "udp", "icmp", "sctp", "tcp6", "udp6", "icmp6", "frag", "frag6", "hbh6",
                     "igmp", "ah", "esp", "pim", "vrrp", "opts"])
    s4, d4 = r.choice(V4), r.choice(V4)
    s6, d6 = r.choice(V6), r.choice(V6)
    sp = r.choice([80, 443, 53, 22, 123, 161, 67, 1000, 1500, 2000, 6081, 65535, 0, 8080])
    dp = r.choice([80, 443, 53, 22, 123, 161, 68, 1000, 1500, 2000, 6081, 65535, 0, 8080])
    fl = r.choice([0x02, 0x12, 0x10, 0x18, 0x01, 0x04, 0x11, 0x20, 0x40, 0x80, 0xc2])
    pay = bytes(r.randrange(256) for _ in range(r.choice([0, 4, 20, 100, 600, 1200])))
    if kind == "tcp":
        return 0x0800, ipv4(s4, d4, 6, l4(6, sp, dp, fl, pay))
    if kind == "udp":
        return 0x0800, ipv4(s4, d4, 17, l4(17, sp, dp, 0, pay))
    if kind == "icmp":
        return 0x0800, ipv4(s4, d4, 1, l4(1, r.choice([0, 3, 8, 11]), r.choice([0, 1, 3]), 0, pay))
    if kind == "sctp":
        return 0x0800, ipv4(s4, d4, 132, l4(132, sp, dp, 0, pay))
    if kind == "tcp6":
        return 0x86dd, ipv6(s6, d6, 6, l4(6, sp, dp, fl, pay))
    if kind == "udp6":
        return 0x86dd, ipv6(s6, d6, 17, l4(17, sp, dp, 0, pay))
    if kind == "icmp6":
        return 0x86dd, ipv6(s6, d6, 58, l4(58, r.choice([128, 129, 135, 136, 1]), 0, 0, pay))
    if kind == "frag":
        off = r.choice([0x2000, 0x0001, 0x00b9, 0x4000])
        return 0x0800, ipv4(s4, d4, r.choice([6, 17]), l4(6, sp, dp, fl, pay), frag=off)
    if kind == "frag6":
        nh = r.choice([6, 17, 58])
        fh = struct.pack(">BBHI", nh, 0, r.choice([0, 1, 8]), 7)
        return 0x86dd, ipv6(s6, d6, 44, fh + l4(nh, sp, dp, fl, pay))
    if kind == "hbh6":
        nh = r.choice([6, 17, 51])
        hh = struct.pack(">BB", nh, 0) + b"\x01\x04\x00\x00\x00\x00"
        if nh == 51:
            ah = struct.pack(">BBHII", 6, 4, 0, 1, 1) + b"\x00" * 12
            return 0x86dd, ipv6(s6, d6, 0, hh + ah + l4(6, sp, dp, fl, pay))
        return 0x86dd, ipv6(s6, d6, 0, hh + l4(nh, sp, dp, fl, pay))
    if kind == "ah":
        ah = struct.pack(">BBHII", 6, 4, 0, 1, 1) + b"\x00" * 12
        return 0x0800, ipv4(s4, d4, 51, ah + l4(6, sp, dp, fl, pay))
    if kind == "opts":
        return 0x0800, ipv4(s4, d4, 6, l4(6, sp, dp, fl, pay), ihl=r.choice([6, 8, 15]))
    p = {"igmp": 2, "esp": 50, "pim": 103, "vrrp": 112}[kind]
    return 0x0800, ipv4(s4, d4, p, pay + b"\x00" * 8)

def mac2():
    return r.choice(MACS), r.choice(MACS)

for i in range(500):
    d, s = mac2()
    et, l3 = rand_l3()
    enc = r.choice(["plain"] * 4 + ["vlan", "qinq", "ad", "9100", "mpls", "mpls2", "pppoes", "geneve"])
    if enc == "plain":
        f = eth(d, s, et, l3)
    elif enc == "vlan":
        f = eth(d, s, 0x8100, struct.pack(">HH", r.choice([100, 10, 20, 1, 4095, 0]), et) + l3)
    elif enc == "qinq":
        f = eth(d, s, 0x88a8, struct.pack(">HH", r.choice([10, 100]), 0x8100) +
                struct.pack(">HH", r.choice([20, 100]), et) + l3)
    elif enc == "ad":
        f = eth(d, s, 0x88a8, struct.pack(">HH", r.choice([10, 100]), et) + l3)
    elif enc == "9100":
        f = eth(d, s, 0x9100, struct.pack(">HH", r.choice([10, 100]), et) + l3)
    elif enc == "mpls":
        lab = r.choice([100, 16, 200, 1048575])
        f = eth(d, s, 0x8847, struct.pack(">I", (lab << 12) | 0x100 | 64) + l3)
    elif enc == "mpls2":
        f = eth(d, s, 0x8847, struct.pack(">II", (100 << 12) | 64, (200 << 12) | 0x100 | 64) + l3)
    elif enc == "pppoes":
        ppp = 0x21 if et == 0x0800 else 0x57
        f = eth(d, s, 0x8864, struct.pack(">BBHHH", 0x11, 0, r.choice([1, 5, 0xffff]), len(l3) + 2, ppp) + l3)
    else:
        inner = eth(MACS[0], MACS[2], et, l3)
        gen = struct.pack(">BBHI", 0, 0, 0x6558, r.choice([100, 5]) << 8)
        u = struct.pack(">HHHH", 1234, 6081, 8 + len(gen) + len(inner), 0) + gen + inner
        f = eth(d, s, 0x0800, ipv4(r.choice(V4), r.choice(V4), 17, u))
    add(f)

# link-layer variety
for i in range(60):
    d, s = mac2()
    kind = i % 10
    if kind == 0:
        body = b"\x42\x42\x03" + b"\x00" * 35  # STP
    elif kind == 1:
        body = b"\xe0\xe0\x03" + b"\xff\xff" + b"\x00" * 30  # IPX 802.2
    elif kind == 2:
        body = b"\xff\xff" + b"\x00" * 30  # IPX 802.3 raw
    elif kind == 3:
        body = b"\xaa\xaa\x03\x08\x00\x07\x80\x9b" + b"\x00" * 30  # AppleTalk SNAP
    elif kind == 4:
        body = b"\xfe\xfe\x03\x83\x1b\x01\x00\x0f" + b"\x00" * 30  # IS-IS L1 IIH
    elif kind == 5:
        body = b"\xfe\xfe\x03\x81" + b"\x00" * 30  # CLNP
    elif kind == 6:
        body = b"\xf0\xf0\x03" + b"\x00" * 30  # NetBEUI
    elif kind == 7:
        body = b"\xaa\xaa\x03\x00\x00\x00\x81\x37" + b"\x00" * 30  # IPX SNAP
    elif kind == 8:
        body = b"\x06\x06\x03" + ipv4("10.0.0.1", "192.0.2.1", 6, l4(6, 80, 80))
    else:
        body = b"\xfe\xfe\x03\x82" + b"\x00" * 30  # ES-IS
    add(d + s + struct.pack(">H", len(body)) + body)
for et in (0x0806, 0x8035):
    for op in (1, 2):
        arp = struct.pack(">HHBBH", 1, 0x0800, 6, 4, op) + MACS[0] + ip4("192.0.2.1") + MACS[2] + ip4("10.0.0.1")
        add(eth(MACS[1], MACS[0], et, arp))
for et in (0x809b, 0x80f3, 0x6003, 0x6004, 0x6007, 0x6001, 0x6002, 0x8863, 0x8137, 0x9000):
    add(eth(MACS[0], MACS[2], et, b"\x00" * 46))
# DECnet long/short headers
add(eth(MACS[0], MACS[2], 0x6003, b"\x00\x10\x81\x26" + b"\x00" * 6 + b"\x02\x04" + b"\x00" * 40))
add(eth(MACS[0], MACS[2], 0x6003, b"\x00\x10\x02\x02\x04\x05\x08" + b"\x00" * 40))

out = open(sys.argv[1], "wb")
out.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 262144, 1))
ts = 1700000000
for n, f in enumerate(frames):
    for cut in ([len(f)] + ([r.choice([1, 13, 14, 15, 20, 23, 30, 34, 36, 38, 40, 54, 58])] if n % 2 == 0 else [])):
        c = min(cut, len(f))
        out.write(struct.pack("<IIII", ts + n, 0, c, len(f)) + f[:c])
out.close()
