#!/usr/bin/env python3
"""Parity hunt generator: NEW filter expressions from the pcap-filter(7)
grammar (libpcap 1.10.3), for the differential harness (compare.py).

usage: gen_parity.py [--sample N] SEED [FAMILY,...] > lines.tsv
Prints FAMILY<TAB> + a compile.c input line (DLT SNAPLEN NETMASK OPT EXPR); every
expression of a family runs on the main link types plus a random odd one,
with random optimize/netmask/snaplen. `--list` prints the family names;
--sample N keeps a deterministic sample of N lines.
Names only from /etc files (no DNS look-ups)."""
import random
import sys

def _etc_hosts():
    """Host names of this machine's /etc/hosts (both compilers read it), so
    the expressions do not depend on DNS; localhost first."""
    names = ["localhost"]
    try:
        for line in open("/etc/hosts"):
            f = line.split("#")[0].split()
            for n in f[1:]:
                if n not in names and len(names) < 6:
                    names.append(n)
    except OSError:
        pass
    return names


ETC_HOSTS = _etc_hosts()
MAIN_DLTS = [1, 113, 276, 12, 228, 229, 0, 108, 105, 127, 9, 51, 10, 6, 11]
ODD_DLTS = [117, 2, 7, 8, 50, 104, 119, 122, 123, 129, 138, 139, 140, 141, 142, 143, 147, 163, 192,
            195, 197, 201, 220, 226, 239, 240, 14, 101, 3, 4, 5, 15, 18, 19, 106, 107, 114, 118,
            121, 144, 151, 160, 177, 187, 204, 215, 230, 253, 271, 275, 288, 999]
MASKS = ["-", "-", "255.255.255.0", "255.0.0.0", "0.0.0.0", "255.255.255.255", "255.255.0.0"]
SNAPS = [262144, 262144, 262144, 65535, 96, 68, 1, 0]

V4 = ["192.0.2.1", "198.51.100.7", "10.0.0.1", "127.0.0.1", "224.0.0.251", "0.0.0.0",
      "255.255.255.255", "203.0.113.9", "010.0.0.1", "0x7f.0.0.1", "1.2.3", "10.1", "10",
      "192.168.1.0", "1.2.3.4"]
V4BAD = ["256.1.1.1", "1.2.3.4.5", "1..2", "999.0.0.1", "4294967296.1", "1.2.3.4."]
V6 = ["::1", "::", "2001:db8::1", "fe80::1", "ff02::1", "2001:db8:0:1:2:3:4:5", "::ffff:192.0.2.1",
      "::192.0.2.1", "1::", "FE80::ABCD", "2001:DB8::", "fe80::1%eth0"]
NETS4 = ["10", "10.1", "10.1.2", "10.0.0.0", "10.1.2.3", "192.168", "172.16.5", "0", "127",
         "10/8", "10.0.0.0/8", "10.1.0.0/16", "10.1.2.3/8", "10.1.2.3/32", "0.0.0.0/0", "1.2.3.4/0",
         "10.0.0.0/33", "10/7", "10.1/8", "10.1/16", "10.1.2/24", "192.168.1.0/24", "192.168.1.128/25",
         "10.0.0.0 mask 255.0.0.0", "10.1.2.3 mask 255.0.0.0", "10 mask 255.0.0.0",
         "10.1 mask 255.255.0.0", "10.0.0.0 mask 255.255.255.255", "10.0.0.0 mask 0.0.0.0",
         "10.0.0.0 mask 255.0.255.0", "10.0.0.0 mask ::", "loopback", "link-local", "default",
         "10.0.0.0/1", "128.0.0.0/1", "10.0.0.0/-1", "10.0.0.0/08", "10.0.0.0/0x8"]
NETS6 = ["2001:db8::/32", "2001:db8::1/32", "2001:db8::1/128", "::/0", "::1/128", "fe80::/10",
         "fe80::/64", "ff00::/8", "2001:db8::/129", "2001:db8::/48", "2001:db8:1:2::/63",
         "::ffff:0:0/96", "2001:db8::/0x20", "::1 mask ::", "2001:db8:: mask ffff::",
         "::/1", "8000::/1", "2001:db8::/-3"]
MACS = ["00:11:22:33:44:55", "ff:ff:ff:ff:ff:ff", "0:1:2:3:4:5", "00-11-22-33-44-55",
        "0011.2233.4455", "001122334455", "AA:BB:CC:DD:EE:FF", "aa:bb:cc:dd:ee:ff", "a-b-c-d-e-f",
        "aabb.ccdd.eeff", "01:00:5e:00:00:01", "33:33:00:00:00:01", "aa:bb", "aa:bb:cc",
        "aa:bb:cc:dd:ee", "aa:bb:cc:dd:ee:ff:00", "aabb.ccdd", "aa.bb.cc.dd.ee.ff", "aa-bb-cc",
        "0:0:0:0:0:0", "1:2:3:4:5:6", "0x00:11:22:33:44:55", "000:11:22:33:44:55",
        "aabbccddeeff", "aabb:ccdd:eeff", "aabb-ccdd-eeff", "aabb.ccdd.eeff.0011"]
PORTS = ["0", "1", "22", "53", "80", "443", "8080", "65535", "65536", "99999", "0x50", "0120",
         "http", "https", "domain", "ssh", "ntp", "snmp", "bootps", "tftp", "telnet", "ftp-data",
         "www", "nfs", "sunrpc", "kerberos", "echo", "discard", "daytime", "foo", "-1", "1e3",
         "4294967295", "4294967296", "tcp", "udp", "80x", "\\80"]
PRANGES = ["1-1023", "80-80", "0-65535", "65535-0", "100-50", "1-65536", "http-https",
           "ssh-http", "20-ssh", "domain-80", "ftp-data-ftp", "echo-discard", "1-2-3", "-5", "5-",
           "1 - 2", "0x10-0x20", "010-020", "foo-bar", "80", "http", "nfs-sunrpc"]
PROTO_IDS = ["1", "6", "17", "0", "41", "58", "255", "256", "-1", "0x11", "010", "\\tcp", "\\udp",
             "\\icmp", "\\igmp", "\\ip", "\\ip6", "\\ipv6", "\\gre", "\\esp", "\\ah", "\\sctp",
             "\\icmp6", "\\ipv6-icmp", "\\pim", "\\vrrp", "\\ospf", "\\hopopt", "\\foo", "\\arp",
             "\\rarp", "\\atalk", "\\aarp", "\\decnet", "\\lat", "\\sca", "\\moprc", "\\mopdl",
             "\\iso", "\\stp", "\\ipx", "\\netbeui", "\\esis", "\\isis", "\\clnp", "\\loopback",
             "\\802.1q", "\\8021q", "\\ipv4", "\\igrp", "\\carp", "\\l1", "\\l2", "tcp", "udp",
             "icmp", "ip", "\\\\", "\\", "\\6", "\\0x800", "65535", "65536", "0x86dd", "0x800",
             "2048", "1500", "1501", "1536", "\\rdp", "\\dccp", "\\ipencap", "\\ipip", "\\xns-idp"]
PROTOS = ["", "ether", "fddi", "tr", "wlan", "ip", "ip6", "arp", "rarp", "tcp", "udp", "sctp",
          "icmp", "icmp6", "igmp", "igrp", "pim", "vrrp", "carp", "ah", "esp", "link", "ppp",
          "slip", "radio", "decnet", "atalk", "aarp", "lat", "sca", "moprc", "mopdl", "iso",
          "esis", "isis", "clnp", "stp", "ipx", "netbeui", "l1", "l2", "iih", "lsp", "snp",
          "csnp", "psnp", "es-is", "is-is"]
DIRS = ["", "src", "dst", "src or dst", "dst or src", "src and dst", "dst and src", "addr1",
        "addr2", "addr3", "addr4", "ra", "ta", "inbound", "src dst", "or"]
TYPES = ["", "host", "net", "port", "portrange", "gateway", "proto", "protochain"]
KEYWORDS = ["dst", "src", "host", "gateway", "net", "mask", "port", "portrange", "less",
            "greater", "proto", "protochain", "byte", "broadcast", "multicast", "and", "or", "not",
            "len", "ifname", "on", "rnr", "rulenum", "srnr", "subrulenum", "reason", "rset",
            "ruleset", "action", "vlan", "mpls", "pppoed", "pppoes", "geneve", "lane", "llc",
            "inbound", "outbound", "ifindex", "type", "subtype", "dir", "addr1", "addr2", "addr3",
            "addr4", "ra", "ta", "fisu", "lssu", "msu", "hfisu", "hlssu", "hmsu", "sio", "opc",
            "dpc", "sls", "hsio", "hopc", "hdpc", "hsls", "metac", "bcc", "oam", "oamf4",
            "oamf4ec", "oamf4sc", "sc", "ilmic", "vpi", "vci", "connectmsg", "metaconnect",
            "tcpflags", "icmptype", "icmpcode", "icmp6type", "icmp6code"] + [p for p in PROTOS if p]
ACC = ["ether", "fddi", "tr", "wlan", "ppp", "slip", "link", "ip", "ip6", "arp", "rarp", "tcp",
       "udp", "sctp", "icmp", "icmp6", "igmp", "igrp", "pim", "vrrp", "carp", "radio", "atalk",
       "aarp", "decnet", "lat", "sca", "moprc", "mopdl", "iso", "esis", "isis", "clnp", "stp",
       "ipx", "netbeui", "ah", "esp", "l1", "l2", "iih", "lsp", "snp", "csnp", "psnp"]
NUMS = ["0", "1", "2", "3", "4", "5", "7", "8", "13", "14", "20", "31", "32", "33", "63", "64",
        "100", "255", "256", "1500", "65535", "65536", "0x10", "0xff", "0XFF", "0x0", "0x",
        "0xffffffff", "0x100000000", "4294967295", "4294967296", "99999999999", "017", "08",
        "09", "0777", "00", "-1", "-0", "- 5", "1e2", "0b1", "12a", "0xg"]
NAMED = ["tcpflags", "icmptype", "icmpcode", "icmp6type", "icmp6code", "tcp-fin", "tcp-syn",
         "tcp-rst", "tcp-push", "tcp-ack", "tcp-urg", "tcp-ece", "tcp-cwr", "icmp-echoreply",
         "icmp-unreach", "icmp-sourcequench", "icmp-redirect", "icmp-echo", "icmp-routeradvert",
         "icmp-routersolicit", "icmp-timxceed", "icmp-paramprob", "icmp-tstamp",
         "icmp-tstampreply", "icmp-ireq", "icmp-ireqreply", "icmp-maskreq", "icmp-maskreply",
         "icmp6-destinationunreach", "icmp6-packettoobig", "icmp6-timeexceeded",
         "icmp6-parameterproblem", "icmp6-echo", "icmp6-echoreply", "icmp6-multicastlistenerquery",
         "icmp6-multicastlistenerreportv1", "icmp6-multicastlistenerdone", "icmp6-routersolicit",
         "icmp6-routeradvert", "icmp6-neighborsolicit", "icmp6-neighboradvert", "icmp6-redirect",
         "icmp6-routerrenum", "icmp6-nodeinformationquery", "icmp6-nodeinformationresponse",
         "icmp6-ineighbordiscoverysolicit", "icmp6-ineighbordiscoveryadvert",
         "icmp6-multicastlistenerreportv2", "icmp6-homeagentdiscoveryrequest",
         "icmp6-homeagentdiscoveryreply", "icmp6-mobileprefixsolicit",
         "icmp6-mobileprefixadvert", "icmp6-certpathsolicit", "icmp6-certpathadvert",
         "icmp6-multicastrouteradvert", "icmp6-multicastroutersolicit",
         "icmp6-multicastrouterterm", "icmp-foo", "tcp-foo", "tcp-SYN", "TCP-SYN"]
BINOPS = ["+", "-", "*", "/", "%", "&", "|", "^", "<<", ">>"]
RELOPS = [">", "<", ">=", "<=", "=", "==", "!=", "=>", "=<", "<>", "!"]
WLAN_TYPES = ["mgt", "ctl", "data", "management", "control", "0", "1", "2", "3", "4", "foo"]
WLAN_SUB = ["assoc-req", "assoc-resp", "reassoc-req", "reassoc-resp", "probe-req", "probe-resp",
            "beacon", "atim", "disassoc", "auth", "deauth", "ps-poll", "rts", "cts", "ack",
            "cf-end", "cf-end-ack", "data", "data-cf-ack", "data-cf-poll", "data-cf-ack-poll",
            "null", "cf-ack", "cf-poll", "cf-ack-poll", "qos-data", "qos-data-cf-ack",
            "qos-data-cf-poll", "qos-data-cf-ack-poll", "qos", "qos-cf-poll", "qos-cf-ack-poll",
            "bar", "ba", "action", "0", "1", "8", "15", "16", "0x80", "foo", "Beacon"]
WLAN_DIRS = ["nods", "tods", "fromds", "dstods", "0", "1", "2", "3", "4", "foo", "NODS"]
PF_REASONS = ["match", "bad-offset", "fragment", "short", "normalize", "memory", "bad-timestamp",
              "congestion", "ip-option", "proto-cksum", "state-mismatch", "state-insert",
              "state-limit", "src-limit", "synproxy", "foo", "0", "5", "MATCH"]
PF_ACTIONS = ["pass", "accept", "block", "drop", "reject", "scrub", "noscrub", "nat", "nonat",
              "binat", "nobinat", "rdr", "nordr", "foo", "0", "3", "PASS"]
LLC_T = ["", "i", "s", "u", "rr", "rnr", "rej", "ui", "ua", "disc", "dm", "sabme", "test", "xid",
         "frmr", "foo", "I", "snap", "0", "nosuch"]
STACK = ["vlan", "vlan 100", "vlan 0", "vlan 4095", "vlan 4096", "mpls", "mpls 0", "mpls 16",
         "mpls 1048575", "mpls 1048576", "pppoes", "pppoes 0", "pppoes 65535", "pppoes 65536",
         "pppoed", "geneve", "geneve 0", "geneve 16777215", "geneve 16777216", "vlan (100)",
         "vlan 0x10", "mpls 010"]
TAILS = ["", "ip", "ip6", "tcp", "udp port 53", "host 192.0.2.1", "ether host 0:1:2:3:4:5",
         "arp", "llc", "ip[0] = 0x45", "ether[0] = 1", "tcp port 80", "icmp", "net 10",
         "ip proto 17", "broadcast", "ip6 multicast", "len > 60", "iso", "stp", "ipx",
         "ether proto 0x800", "decnet", "atalk", "protochain 6", "link[0] = 1"]


def numlike(r):
    return r.choice(NUMS)


class Gen:
    def __init__(self, seed):
        self.r = random.Random(seed)

    # ---- addresses with every qualifier combination -------------------------------
    def idval(self, kind=None):
        r = self.r
        kind = kind or r.choice(["v4", "v6", "net4", "net6", "mac", "port", "prange", "proto",
                                 "name", "num", "bad", "kw"])
        if kind == "v4":
            return r.choice(V4)
        if kind == "v6":
            return r.choice(V6)
        if kind == "net4":
            return r.choice(NETS4)
        if kind == "net6":
            return r.choice(NETS6)
        if kind == "mac":
            return r.choice(MACS)
        if kind == "port":
            return r.choice(PORTS)
        if kind == "prange":
            return r.choice(PRANGES)
        if kind == "proto":
            return r.choice(PROTO_IDS)
        if kind == "name":
            return r.choice(ETC_HOSTS + ["LOCALHOST", "loopback", "link-local",
                             "default", "localhost.", "http", "domain", "tcp", "foo"])
        if kind == "num":
            return numlike(r)
        if kind == "bad":
            return r.choice(V4BAD)
        return r.choice(KEYWORDS)

    def addr(self):
        out = []
        for p in PROTOS:
            for d in DIRS:
                for t in TYPES:
                    for _ in range(2):
                        kind = None
                        if t in ("host", "gateway") and self.r.random() < 0.7:
                            kind = self.r.choice(["v4", "v6", "mac", "name"])
                        elif t == "net" and self.r.random() < 0.7:
                            kind = self.r.choice(["net4", "net6", "v4"])
                        elif t == "port" and self.r.random() < 0.7:
                            kind = "port"
                        elif t == "portrange" and self.r.random() < 0.7:
                            kind = "prange"
                        elif t in ("proto", "protochain") and self.r.random() < 0.7:
                            kind = "proto"
                        e = " ".join(x for x in (p, d, t, self.idval(kind)) if x)
                        out.append(e)
        return out

    # ---- implicit qualifier inheritance ("host a or b") ----------------------------
    def inherit(self):
        r = self.r
        out = []
        for _ in range(1500):
            p = r.choice(["", "", "ip", "ip6", "tcp", "udp", "ether", "arp", "sctp", "wlan", "decnet"])
            d = r.choice(["", "", "src", "dst", "src or dst", "src and dst"])
            t = r.choice(["", "host", "net", "port", "portrange", "proto", "protochain", "gateway"])
            first = " ".join(x for x in (p, d, t, self.idval()) if x)
            e = first
            for _ in range(r.randint(1, 3)):
                op = r.choice([" and ", " or ", " and not ", " or not ", " && ", " || ", " and ! "])
                nxt = self.idval()
                if r.random() < 0.2:
                    nxt = "(%s)" % nxt
                if r.random() < 0.15:
                    nxt = r.choice(["src ", "dst ", "host ", "port ", "net ", "tcp ", "ip "]) + nxt
                e += op + nxt
            if r.random() < 0.2:
                e = "%s (%s)" % (r.choice(["host", "port", "src", "tcp", "ip", "not"]), e)
            out.append(e)
        return out

    # ---- MAC / ether / wlan --------------------------------------------------------
    def mac(self):
        out = []
        for m in MACS:
            for q in ["ether host", "ether src", "ether dst", "ether src or dst", "ether src and dst",
                      "ether", "host", "src", "wlan host", "wlan addr1", "wlan addr2", "wlan addr3",
                      "wlan addr4", "wlan ra", "wlan ta", "wlan src", "wlan dst", "fddi host",
                      "tr dst", "ether gateway", "ether net", "ether addr1", "ether ra", "addr2",
                      "ether host %s or" % MACS[0], "ether proto"]:
                out.append("%s %s" % (q, m))
        return out

    # ---- arithmetic / relations ------------------------------------------------------
    def arth(self, d=0):
        r = self.r
        t = r.random()
        if d > 3 or t < 0.3:
            c = r.random()
            if c < 0.45:
                return r.choice(NUMS[:33])
            if c < 0.75:
                return r.choice(NAMED)
            if c < 0.85:
                return "len"
            return numlike(r)
        if t < 0.6:
            idx = self.arth(d + 1)
            sz = r.choice(["", "", "", ":1", ":2", ":4", ":3", ":0", ":8", ": 2", ":0x2", ":02"])
            return "%s[%s%s]" % (r.choice(ACC), idx, sz)
        if t < 0.85:
            return "%s %s %s" % (self.arth(d + 1), r.choice(BINOPS), self.arth(d + 1))
        if t < 0.92:
            return "-" + self.arth(d + 1)
        return "(%s)" % self.arth(d + 1)

    def arith(self):
        r = self.r
        out = []
        for _ in range(3000):
            a, b = self.arth(), self.arth()
            op = r.choice(RELOPS[:7]) if r.random() < 0.95 else r.choice(RELOPS)
            e = "%s %s %s" % (a, op, b)
            if r.random() < 0.1:
                e = self.arth() + r.choice(["", " & 1", " | 0"])  # bare arithmetic: syntax error
            out.append(e)
        # constant folding corners
        for op in BINOPS:
            for a in ["0", "1", "7", "0xffffffff", "0x80000000", "32", "33", "-1"]:
                for b in ["0", "1", "31", "32", "33", "0xffffffff", "-1"]:
                    out.append("%s %s %s = %s" % (a, op, b, r.choice(["0", "1", "len", "ip[0]"])))
                    out.append("len %s %s %s %s" % (op, b, r.choice(RELOPS[:7]), a))
        for acc in ACC:
            for idx in ["0", "1", "2:2", "0:4", "3", "len", "tcpflags", "100:2", "65535", "x"]:
                out.append("%s[%s] = 1" % (acc, idx))
        return out

    def lens(self):
        out = []
        for k in ["less", "greater", "len <", "len >", "len <=", "len >=", "len =", "len !=",
                  "len ==", "less -", "greater len", "len"]:
            for n in NUMS[:35] + ["len", "ip[0]", "(1)", "1+1", ""]:
                out.append("%s %s" % (k, n))
        return out

    # ---- stacking ---------------------------------------------------------------------
    def stacks(self):
        r = self.r
        out = []
        for a in STACK:
            for t in TAILS[:10]:
                out.append(" and ".join(x for x in (a, t) if x))
        for _ in range(2500):
            k = r.randint(2, 4)
            parts = [r.choice(STACK) for _ in range(k)]
            t = r.choice(TAILS)
            if t:
                parts.append(t)
            joins = [r.choice([" and ", " and ", " && ", " or ", " and not "]) for _ in parts[1:]]
            e = parts[0]
            for j, p in zip(joins, parts[1:]):
                e += j + p
            if r.random() < 0.15:
                e = "(%s) or (%s)" % (e, r.choice(STACK))
            out.append(e)
        return out

    # ---- link-layer odd families ----------------------------------------------------
    def families(self):
        out = []
        for t in LLC_T:
            out.append(("llc " + t).strip())
            out.append(("not llc " + t).strip())
            out.append(("llc %s and ip" % t).replace("  ", " "))
        for p in ["iso", "clnp", "esis", "es-is", "isis", "is-is", "l1", "l2", "iih", "lsp", "snp",
                  "csnp", "psnp", "stp", "ipx", "netbeui", "atalk", "aarp", "decnet", "lat", "sca",
                  "moprc", "mopdl", "arp", "rarp", "ip", "ip6"]:
            out.append(p)
            out.append("not " + p)
            for pi in ["1", "\\esis", "\\isis", "\\clnp", "0x83", "\\tcp", "\\udp", "200"]:
                out.append("%s proto %s" % (p, pi))
                out.append("%s protochain %s" % (p, pi))
        for h in ["1.2", "0.1", "63.1023", "64.1", "1.1024", "1.2.3", "10", "1.0", "0.0", "63.0",
                  "1.2.3.4", "a.b", "1", "0x1.2", "01.2"]:
            for q in ["decnet host", "decnet src", "decnet dst", "decnet src or dst",
                      "decnet src and dst", "decnet", "decnet net", "decnet port", "decnet src host"]:
                out.append("%s %s" % (q, h))
        for w in ["", "wlan "]:
            for t in WLAN_TYPES:
                out.append("%stype %s" % (w, t))
                for s in WLAN_SUB:
                    if self.r.random() < 0.4:
                        out.append("%stype %s subtype %s" % (w, t, s))
            for s in WLAN_SUB:
                out.append("%ssubtype %s" % (w, s))
            for d in WLAN_DIRS:
                out.append("%sdir %s" % (w, d))
        for e in ["type mgt and subtype beacon", "type data or type ctl", "type mgt subtype",
                  "subtype beacon or probe-resp", "type mgt subtype beacon or type data",
                  "dir tods and type data", "not type mgt", "type mgt and not subtype beacon",
                  "type (mgt)", "subtype (beacon)", "type", "subtype", "dir", "type 0x0",
                  "type mgt subtype qos-data", "type ctl subtype beacon", "type data subtype rts"]:
            out.append(e)
        for q in ["ifname", "on", "rnr", "rulenum", "srnr", "subrulenum", "reason", "rset",
                  "ruleset", "action"]:
            for v in ["eth0", "lo", "pflog0", "0", "1", "3", "65535", "4294967295", "-1", "x" * 20,
                      "em0.100"] + PF_REASONS[:6] + PF_ACTIONS[:8]:
                out.append("%s %s" % (q, v))
            out.append(q)
        for v in PF_REASONS:
            out.append("reason " + v)
        for v in PF_ACTIONS:
            out.append("action " + v)
        for q in ["inbound", "outbound", "ifindex 1", "ifindex 0", "ifindex -1", "ifindex foo",
                  "not inbound", "inbound and outbound", "inbound or tcp", "ifindex"]:
            out.append(q)
        for q in ["broadcast", "multicast"]:
            for p in ["", "ether", "fddi", "tr", "wlan", "ip", "ip6", "arp", "tcp", "link", "ppp",
                      "slip", "decnet", "src", "dst", "host", "ether src", "not ip"]:
                out.append(("%s %s" % (p, q)).strip())
        for q in ["fisu", "lssu", "msu", "hfisu", "hlssu", "hmsu", "sio 1", "opc 3", "dpc 4",
                  "sls 5", "hsio 1", "hopc 3", "hdpc 4", "hsls 5", "sio > 3", "opc (1 or 2)",
                  "dpc 16384", "sls 16", "sio 256", "opc 4294967295", "lane", "metac", "bcc", "oam",
                  "oamf4", "oamf4ec", "oamf4sc", "sc", "ilmic", "vpi 1", "vci 5", "connectmsg",
                  "metaconnect", "vpi > 3", "vci != 4", "vpi", "lane and ip"]:
            out.append(q)
        h2 = ETC_HOSTS[-1]
        for p in ["gateway localhost", "gateway " + h2, "ether gateway localhost",
                  "ip gateway localhost", "gateway 127.0.0.1", "gateway 00:11:22:33:44:55",
                  "src gateway localhost", "gateway localhost or host " + h2,
                  "not gateway localhost", "gateway %s and tcp" % h2, "ip6 gateway localhost",
                  "arp gateway localhost", "gateway ::1", "gateway loopback"]:
            out.append(p)
        for p in ["radio", "radio[0] = 0", "radio[0:2] = 0", "radio[4:4] > 1", "ppp[0] = 0xff",
                  "slip[0] = 1", "link[0] = 1", "link[2:2] = 0", "ppp", "slip", "link", "link proto 1",
                  "ppp proto 0x21", "link host 1:2:3:4:5:6", "slip host 1.2.3.4", "ppp host 1.2.3.4",
                  "fddi[0] = 1", "tr[0] = 1", "wlan[0] = 1", "ether[0] = 1", "link src 1:2:3:4:5:6",
                  "ppp src 1:2:3:4:5:6", "radio src 1:2:3:4:5:6"]:
            out.append(p)
        for p in ["ether proto %s", "proto %s", "ip proto %s", "ip6 proto %s", "link proto %s",
                  "ppp proto %s", "fddi proto %s", "tr proto %s", "wlan proto %s", "iso proto %s",
                  "isis proto %s", "protochain %s", "ip protochain %s", "ip6 protochain %s",
                  "tcp protochain %s", "ether protochain %s", "arp proto %s", "atalk proto %s"]:
            for v in PROTO_IDS:
                if self.r.random() < 0.45:
                    out.append(p % v)
        return out

    # ---- ARCnet ($xx) addresses, byte ops, ip broadcast, misc --------------------------
    def misc(self):
        out = []
        for a in ["$1", "$ab", "$AB", "$0", "$ff", "$100", "$abc", "$", "$g", "$1f2"]:
            for q in ["", "host ", "src ", "dst ", "src or dst ", "src and dst ", "link host ",
                      "ether src ", "link dst ", "ip host ", "net ", "port ", "addr1 ", "ra ",
                      "tcp host ", "link "]:
                out.append(q + a)
        for op in ["&", "|", "<", ">", "=", "==", "!=", "+", "^", ""]:
            for a, b in [("0", "1"), ("12", "0x08"), ("23", "6"), ("-1", "1"), ("99999", "1"),
                         ("1", "99999999999"), ("1", "0x100"), ("len", "1")]:
                out.append("byte %s %s %s" % (a, op, b))
        for e in ["ip broadcast", "ether broadcast", "ip broadcast and udp", "not ip broadcast",
                  "ip multicast or ip broadcast", "broadcast or multicast", "ip6 broadcast",
                  "ip broadcast and ip multicast", "host 10.255.255.255 and ip broadcast",
                  "net 10 and ip broadcast", "vlan and ip broadcast", "mpls and ip broadcast"]:
            out.append(e)
        for h in ETC_HOSTS + ["LOCALHOST", "Localhost"]:
            for q in ["host", "src host", "dst", "ip host", "ip6 host", "arp host", "rarp src",
                      "gateway", "ether host", "tcp host", "net", "decnet host", "host %s or" % h,
                      "ip src or dst", "src and dst host", "wlan host", "port", "portrange"]:
                out.append("%s %s" % (q, h))
        for e in ["ip6 protochain 6", "protochain tcp", "protochain \\udp", "ip protochain 1",
                  "ip6 protochain 0", "ip6 protochain 44", "ip6 protochain 60", "protochain 255",
                  "protochain 256", "ip6 protochain \\ipv6-frag", "ip6 protochain \\ah",
                  "protochain 6 and protochain 17", "not protochain 58", "vlan and protochain 6",
                  "mpls and ip6 protochain 17", "ip6 proto 58 or ip6 protochain 58"]:
            out.append(e)
        for p in ["tcp", "udp", "sctp", ""]:
            for d in ["src ", "dst ", "", "src or dst ", "src and dst "]:
                for pr in ["1-2", "0-65535", "http-https", "53-53", "65535-1", "1024 - 2048"]:
                    out.append(("%s %sportrange %s" % (p, d, pr)).strip())
                    out.append(("%s %sport %s" % (p, d, pr.split("-")[0].strip())).strip())
        return out

    # ---- lexical oddities, keywords as names -----------------------------------------
    def lexical(self):
        r = self.r
        out = ["", " ", "\t", "()", "( )", "tcp ", " tcp", "\ttcp\t", "tcp  and  udp", "(tcp)",
               "((((tcp))))", "!tcp", "! tcp", "!!tcp", "not not tcp", "not(tcp)", "not!tcp",
               "tcp&&udp", "tcp||udp", "tcp&udp", "tcp|udp", "tcp and", "or tcp", "tcp or or udp",
               "tcp and (udp", "tcp)", "tcp and not", "TCP", "Tcp", "HOST 1.2.3.4", "Host localhost",
               "port 80 80", "host host", "host tcp", "host ip", "port port", "net net", "src src",
               "host and", "ip ip", "tcp tcp", "ether ether host 1:2:3:4:5:6", "\\tcp", "\\", "\\\\",
               "ip\\", "host\\ localhost", "host local\\host", "host 'localhost'", "host \"localhost\"",
               "#tcp", "tcp # comment", "tcp;udp", "tcp,udp", "tcp.udp", "tcp-udp", "tcp_udp",
               "tcp\x01", "tcp\x7f", "h\xc3\xa9", "port 8\x30", "ip[0]=1", "ip[ 0 ]=1", "ip [0] = 1",
               "ip[0]==1", "ip[0]=!1", "ip[0]!=1", "ip[0]<>1", "ip[0]=<1", "ip[0]=>1", "ip[0]=-1",
               "ip[-1]=1", "ip[0]=+1", "ip[0] = ~1", "ip[0] = 1.5", "ip[0:2:2] = 1", "ip[[0]] = 1",
               "ip[] = 1", "ip[0]", "[0] = 1", "len", "len = len", "1 = 1", "1", "1 and 1", "a", "_",
               "-", "--", "-tcp", "tcp-syn", "tcp-syn = 2", "icmp-echo", "x = 1", "host 1.2.3.4 and",
               "src", "dst", "src or", "src and dst", "src or dst host", "src host", "host src",
               "port 1-2", "portrange 1", "host -1", "net -1", "port -1", "host 1.2.3.4/8",
               "host 1.2.3.4 mask 255.0.0.0", "net 1.2.3.4 mask", "mask 255.0.0.0", "net mask",
               "1.2.3.4", "::1", "00:11:22:33:44:55", "localhost", "80", "host ::1/64",
               "host localhost/8", "net localhost", "net loopback/8", "net 10 mask 255",
               "net 10.0.0.0 mask 255.0.0.0/8", "net 10.0.0.0/8/8", "host 10.1:2", "host :::",
               "host 1:2:3:4:5:6:7:8:9", "host 1::2::3", "host ::g", "host [::1]", "host 1.2.3.4%lo",
               "ether host aa:bb:cc:dd:ee:fg", "ether host 1:2:3:4:5:6:7", "less 1 2",
               "vlan 1 2", "vlan vlan", "mpls mpls", "geneve geneve", "pppoes pppoes", "tcp[0] = tcp",
               "ip[ip[0]] = 1", "ip[0] & 0xf != 5 and ip[0] >> 4 = 4", "ip[0] = 1 = 1",
               "(ip[0]) = 1", "(ip[0] = 1)", "((ip[0]) & 1) = 1", "(1) = (1)", "ip[(0)] = 1",
               "ip[0] = (1 or 2)", "(1 or 2) = 1", "ip and (1 = 1)", "port (80)", "port (80 or 443)",
               "host (localhost)", "net (10)", "(host) 1.2.3.4", "host (1.2.3.4 or 1.2.3.5)",
               "ether (host 1:2:3:4:5:6)", "tcp (port 80)", "src (host 1.2.3.4)", "(src) host 1.2.3.4"]
        for k in KEYWORDS:
            for form in ["host %s", "net %s", "port %s", "%s", "not %s", "%s and tcp", "tcp and %s",
                         "ip proto %s", "%s 1", "%s host 1.2.3.4", "%s[0] = 1", "(%s)", "%s or ip"]:
                if r.random() < 0.35:
                    out.append(form % k)
        return out

    # ---- random combinations ---------------------------------------------------------
    def prim(self):
        r = self.r
        c = r.random()
        if c < 0.2:
            p = r.choice(PROTOS[:13])
            d = r.choice(DIRS[:7])
            t = r.choice(TYPES[:6])
            kind = {"host": r.choice(["v4", "v6", "name"]), "net": r.choice(["net4", "net6"]),
                    "port": "port", "portrange": "prange", "gateway": "name", "": None}[t]
            return " ".join(x for x in (p, d, t, self.idval(kind)) if x)
        if c < 0.35:
            return "%s %s %s" % (self.arth(1), r.choice(RELOPS[:7]), self.arth(1))
        if c < 0.5:
            return r.choice(STACK + TAILS[1:])
        if c < 0.6:
            return r.choice(["tcp", "udp", "icmp", "ip", "ip6", "arp", "icmp6", "sctp", "igmp",
                             "pim", "vrrp", "carp", "ah", "esp", "rarp", "atalk", "stp", "iso",
                             "isis", "llc", "broadcast", "multicast", "inbound", "outbound",
                             "less 100", "greater 200", "ip broadcast", "ether multicast",
                             "ip6 multicast", "decnet host 1.2", "ipx", "netbeui", "aarp"])
        if c < 0.7:
            return "%s %s" % (r.choice(["ether host", "ether src", "ether dst", "wlan addr2"]),
                              r.choice(MACS[:11]))
        if c < 0.8:
            return r.choice(["ip proto ", "ip6 proto ", "proto ", "protochain ", "ip6 protochain ",
                             "ether proto ", "ip protochain "]) + r.choice(PROTO_IDS[:30])
        if c < 0.9:
            return "%s %s" % (r.choice(["port", "src port", "dst portrange", "tcp port",
                                        "udp dst port", "sctp port", "portrange"]),
                              r.choice(PORTS[:20] + PRANGES[:10]))
        return r.choice(["type mgt", "subtype beacon", "dir tods", "wlan addr1 1:2:3:4:5:6",
                         "llc u", "llc ui", "llc rnr", "lat", "sca", "mopdl", "moprc",
                         "len >= 100", "icmp[icmptype] = icmp-echo", "tcp[tcpflags] & tcp-syn != 0",
                         "ip[6:2] & 0x1fff = 0", "ip6[6] = 58", "ifname eth0", "action pass",
                         "host localhost", "net loopback", "gateway localhost"])

    def expr(self, d=0):
        r = self.r
        t = r.random()
        if d > 3 or t < 0.35:
            return self.prim()
        if t < 0.5:
            return r.choice(["not ", "! ", "!"]) + self.expr(d + 1)
        if t < 0.65:
            return "(%s)" % self.expr(d + 1)
        return "%s %s %s" % (self.expr(d + 1), r.choice(["and", "or", "&&", "||", "and", "or"]),
                             self.expr(d + 1))

    def combos(self):
        return [self.expr() for _ in range(4000)]

    # ---- invalid neighbours of valid forms ---------------------------------------------
    def mutate(self, base):
        r = self.r
        out = []
        for e in base:
            toks = e.split()
            if not toks:
                continue
            m = r.random()
            t = list(toks)
            i = r.randrange(len(t))
            if m < 0.25:
                del t[i]
            elif m < 0.45:
                t.insert(i, t[i])
            elif m < 0.6 and len(t) > 1:
                j = min(i + 1, len(t) - 1)
                t[i], t[j] = t[j], t[i]
            elif m < 0.8:
                t.insert(i, r.choice(KEYWORDS + ["(", ")", "and", "or", "not", "=", "[", "]", "1"]))
            else:
                t[i] = t[i][:-1] if len(t[i]) > 1 else t[i] + "x"
            out.append(" ".join(t))
        return out


def _tokseq(self):
    """Short random token sequences over the whole vocabulary: parser error
    positions and which error (lexical or semantic) comes first."""
    r = self.r
    vocab = (KEYWORDS + ["(", ")", "[", "]", ":", "!", "not", "and", "or", "&&", "||"] + BINOPS
             + RELOPS[:7] + ["1", "0", "80", "1.2.3.4", "10.1", "::1", "1:2:3:4:5:6", "$1",
                             "localhost", "foo", "\\ip", "99999999999", "1:2:3", "09", "0x1g",
                             "tcp-syn", "icmp-echo", "1-2", "http", "255.0.0.0", "/", "mask",
                             "eth0", "pass", "match", "mgt", "beacon", "tods", "ui"])
    out = []
    for _ in range(6000):
        out.append(" ".join(r.choice(vocab) for _ in range(r.randint(1, 6))))
    return out


def _charmut(self):
    """Character-level mutations of valid-looking expressions (lexer corners)."""
    r = self.r
    chars = ":.-_\\$/[]()!&|^<>=+*%0123456789abcdefxXABCDEF \t"
    base = [self.prim() for _ in range(3000)] + [self.expr() for _ in range(1000)]
    out = []
    for e in base:
        e = list(e)
        for _ in range(r.randint(1, 3)):
            m = r.random()
            i = r.randrange(len(e) + 1)
            if m < 0.4:
                e.insert(i, r.choice(chars))
            elif m < 0.7 and e:
                del e[min(i, len(e) - 1)]
            elif e:
                e[min(i, len(e) - 1)] = r.choice(chars)
        out.append("".join(e))
    return out


def _etcnames(self):
    """Every service and protocol name of /etc/services and /etc/protocols
    (read by both compilers from the same files), under each qualifier."""
    r = self.r
    svcs, protos = [], []
    try:
        for line in open("/etc/services"):
            f = line.split("#")[0].split()
            if len(f) >= 2:
                svcs.append(f[0])
                svcs.extend(f[2:])
    except OSError:
        pass
    try:
        for line in open("/etc/protocols"):
            f = line.split("#")[0].split()
            if len(f) >= 2:
                protos.append(f[0])
                protos.extend(f[2:])
    except OSError:
        pass
    out = []
    for n in sorted(set(svcs)):
        for q in ["port", "tcp port", "udp port", "sctp port", "src port", "tcp dst port",
                  "portrange", "udp portrange"]:
            if r.random() < 0.5:
                out.append("%s %s" % (q, n))
        out.append("portrange %s-%s" % (n, r.choice(svcs)))
        out.append("tcp portrange %s-%s" % (r.choice(svcs), n))
    for n in sorted(set(protos)):
        for q in ["proto \\", "ip proto \\", "ip6 proto \\", "protochain \\",
                  "ip6 protochain \\", "ether proto \\", "iso proto \\", "ip proto ",
                  "proto "]:
            out.append(q + n)
    return out


def _lexerr(self):
    """A scanner error (bogus MAC/IPv6, overflowing or non-octal number,
    stray character) right after, or inside, a primitive: which error wins
    depends on whether yacc had read that token before a reduction failed."""
    r = self.r
    errs = ["1:2:", "99999999999", "::1.2.3.999", "09", "0x100000000", "#", "aa:bb:cc:dd:ee:ff:00",
            "1::2::3", "4294967296", "`", "1:2:3:4:5:6:7:8:9"]
    base = ([self.prim() for _ in range(2500)] + [r.choice(STACK) for _ in range(300)]
            + [r.choice(LLC_T and ["llc " + t for t in LLC_T]) for _ in range(100)])
    out = []
    for e in base:
        err = r.choice(errs)
        m = r.random()
        if m < 0.5:
            out.append("%s %s" % (e, err))
        elif m < 0.7:
            out.append("%s %s %s" % (e, r.choice(["and", "or", "and not", "&&"]), err))
        else:
            t = e.split()
            t[r.randrange(len(t))] = err
            out.append(" ".join(t))
    return out


def _reject(self):
    """Conjunctions of primitives that may contradict each other: where the
    optimizer proves "expression rejects all packets" (and where not)."""
    r = self.r
    prims = ["ip", "ip6", "arp", "tcp", "udp", "icmp", "sctp", "vlan", "mpls", "pppoes", "llc",
             "ether[0] = 1", "ether[0] = 2", "ether[0] & 1 = 1", "ip[9] = 6", "ip[9] = 17",
             "len < 10", "len > 20", "len = 60", "less 50", "greater 100", "tcp port 80",
             "udp port 53", "host 1.1.1.1", "net 10.0.0.0/8", "net 11.0.0.0/8", "ip proto 6",
             "ip6 proto 17", "ether proto 0x800", "ether proto 0x86dd", "port 80", "src port 1",
             "dst port 1", "1 = 1", "1 = 0", "0 != 0", "len >= 0", "ip[0] & 0xf0 = 0x40",
             "ip[0] & 0xf0 = 0x60", "ether broadcast", "ether multicast", "ip multicast",
             "inbound", "outbound", "icmp[icmptype] = icmp-echo", "tcp[13] & 2 != 0",
             "tcp[13] & 2 = 0", "geneve", "ether host 1:2:3:4:5:6", "ether src 1:2:3:4:5:6"]
    out = []
    for _ in range(4000):
        k = r.randint(2, 4)
        parts = []
        for _ in range(k):
            p = r.choice(prims)
            if r.random() < 0.3:
                p = "not " + (p if " " not in p else "(%s)" % p)
            parts.append(p)
        out.append(r.choice([" and ", " && "]).join(parts))
    return out


def _native(self):
    """Link-type-specific primitives on the link types that support them
    (pflog, SS7, SunATM, ARCnet, 802.11 variants, cooked/loopback
    direction), mixed with common primitives."""
    r = self.r
    pf = []
    for q in ["ifname", "on", "rnr", "rulenum", "srnr", "subrulenum", "reason", "rset", "ruleset",
              "action"]:
        for v in ["eth0", "pflog0", "lo", "0", "1", "7", "65535", "x" * 15, "x" * 16, "em0.100",
                  "-1"] + PF_REASONS + PF_ACTIONS:
            pf.append("%s %s" % (q, v))
    ss7 = ["fisu", "lssu", "lsu", "msu", "hfisu", "hlssu", "hmsu"]
    for f in ["sio", "opc", "dpc", "sls", "hsio", "hopc", "hdpc", "hsls"]:
        for v in ["0", "1", "3", "15", "16", "255", "256", "16383", "16384", "> 3", ">= 1",
                  "< 2", "<= 2", "!= 4", "= 5", "(1 or 2)", "(1 or 99999)", "(1 or 2 or 3)"]:
            ss7.append("%s %s" % (f, v))
    atm = ["lane", "metac", "bcc", "oam", "oamf4", "oamf4ec", "oamf4sc", "sc", "ilmic",
           "connectmsg", "metaconnect", "llc", "lane and ip", "lane and ether host 1:2:3:4:5:6",
           "lane and broadcast", "lane and vlan", "lane and llc", "lane and lane"]
    for f in ["vpi", "vci"]:
        for v in ["0", "1", "5", "255", "256", "65535", "65536", "> 3", "< 3", "!= 1", ">= 2",
                  "<= 2", "(1 or 2)", "(0 or 5 or 16)"]:
            atm.append("%s %s" % (f, v))
    arc = []
    for a in ["$0", "$1", "$ab", "$ff", "$F", "$9a"]:
        for q in ["link host", "link src", "link dst", "link src or dst", "link src and dst",
                  "ether host", "host", "link addr1", "link"]:
            arc.append("%s %s" % (q, a))
    wl = []
    for t in WLAN_TYPES:
        wl.append("type " + t)
        for st in WLAN_SUB:
            wl.append("type %s subtype %s" % (t, st))
    for st in WLAN_SUB:
        wl.append("subtype " + st)
    for d in WLAN_DIRS:
        wl.append("dir " + d)
    for q in ["addr1", "addr2", "addr3", "addr4", "ra", "ta", "src", "dst", "host", "src or dst",
              "src and dst", "address1"]:
        for m in ["0:1:2:3:4:5", "ff:ff:ff:ff:ff:ff", "001122334455", "0011.2233.4455"]:
            wl.append("wlan %s %s" % (q, m))
    wl += ["wlan broadcast", "wlan multicast", "broadcast", "multicast", "llc", "ip", "ip6",
           "tcp port 80", "arp", "radio[0] = 0", "wlan[0] = 0x80", "llc u", "llc s"]
    dirn = ["inbound", "outbound", "ifindex 1", "ifindex 0", "not inbound", "inbound and ip",
            "outbound or arp", "ifindex 5 and udp"]
    sets = [(pf, [117]), (ss7, [139, 140, 197, 141]), (atm, [123]), (arc, [7, 129]),
            (wl, [105, 127, 119, 163, 192]), (dirn, [113, 276, 0, 108, 1, 117, 9])]
    common = ["ip", "tcp", "host 1.2.3.4", "not udp", "len > 10", "vlan", "port 80"]
    out = []
    for exprs, dlts in sets:
        for e in exprs:
            for d in dlts:
                x = e
                if r.random() < 0.3:
                    x = "%s %s %s" % (e, r.choice(["and", "or"]), r.choice(common))
                out.append((d, x))
    return out


def _mega(self):
    """Deep and/or/not/paren combinations of the other families' primitives
    (stacking, link-type specific, names, arithmetic): qualifier state that
    outlives a term (MPLS/VLAN depth, inherited qualifiers) meets everything."""
    r = self.r
    pool = ([e for e in self.families() if r.random() < 0.3] + self.misc()[:2000]
            + [r.choice(STACK) + " and " + r.choice(TAILS[1:]) for _ in range(500)]
            + [self.prim() for _ in range(3000)] + [self.arth() + " > " + self.arth()
                                                     for _ in range(500)])

    def ex(d=0):
        t = r.random()
        if d > 3 or t < 0.4:
            e = r.choice(pool)
            return "(%s)" % e if r.random() < 0.5 else e
        if t < 0.55:
            return r.choice(["not ", "! "]) + "(%s)" % ex(d + 1)
        return "%s %s %s" % (ex(d + 1), r.choice(["and", "or", "&&", "||"]), ex(d + 1))

    return [ex() for _ in range(4000)]


def _literals(self):
    """Random IPv4 (1-5 parts, octal/hex/overflowing parts, /len, mask) and
    IPv6 (any group count, compression, IPv4 tail, bad groups, /len)
    literals under host/net/proto qualifiers."""
    r = self.r

    def part():
        c = r.random()
        if c < 0.6:
            return str(r.randrange(0, 256))
        if c < 0.7:
            return str(r.randrange(256, 70000))
        if c < 0.8:
            return "0" + str(r.randrange(0, 300))
        if c < 0.9:
            return "0x%x" % r.randrange(0, 300)
        return r.choice(["4294967295", "4294967296", "99999999999", "08", "0x", "00", "0X1F"])

    def v4():
        return ".".join(part() for _ in range(r.choice([1, 2, 2, 3, 3, 4, 4, 4, 4, 5])))

    def grp():
        c = r.random()
        if c < 0.7:
            return "%x" % r.randrange(0, 65536)
        if c < 0.8:
            return "%X" % r.randrange(0, 65536)
        if c < 0.9:
            return "0" * r.randint(1, 3) + "%x" % r.randrange(0, 16)
        return r.choice(["12345", "g", "", "ffff0", "0x1"])

    def v6():
        n = r.randint(0, 9)
        gs = [grp() for _ in range(n)]
        if r.random() < 0.6 and n <= 8:
            k = r.randint(0, n)
            t = ":".join(gs[:k]) + "::" + ":".join(gs[k:])
        else:
            t = ":".join(gs)
        if r.random() < 0.2:
            t += (":" if not t.endswith(":") else "") + ".".join(
                str(r.choice([0, 1, 10, 127, 192, 255, 256, "01", "0x1"]))
                for _ in range(r.choice([3, 4, 4, 4, 5])))
        return t

    quals = ["host", "net", "src host", "dst net", "ip host", "ip net", "arp host", "ip6 host",
             "ip6 net", "ether host", "tcp host", "", "gateway", "port", "portrange", "proto",
             "decnet host", "src or dst net", "less", "vlan"]
    out = []
    for _ in range(4000):
        if r.random() < 0.5:
            a = v4()
            c = r.random()
            if c < 0.35:
                a += "/" + str(r.choice([0, 1, 8, 16, 24, 31, 32, 33, "08", "0x10"]))
            elif c < 0.5:
                a += " mask " + v4()
        else:
            a = v6()
            if r.random() < 0.4:
                a += "/" + str(r.choice([0, 1, 16, 64, 96, 127, 128, 129, "08", "0x40"]))
        e = (r.choice(quals) + " " + a).strip()
        if r.random() < 0.2:
            e += " " + r.choice(["and tcp", "or " + v4(), "and not " + v6()])
        out.append(e)
    return out


Gen.literals = _literals
Gen.mega = _mega
Gen.native = _native
Gen.reject = _reject
Gen.lexerr = _lexerr
Gen.etcnames = _etcnames
Gen.tokseq = _tokseq
Gen.charmut = _charmut

FAMILIES = ["addr", "inherit", "mac", "arith", "lens", "stacks", "families", "misc", "lexical",
            "combos", "tokseq", "charmut", "etcnames", "lexerr", "reject", "native", "mega", "literals", "mutate"]


def main():
    args = sys.argv[1:]
    if args and args[0] == "--list":
        print(" ".join(FAMILIES))
        return
    sample = None
    if len(args) >= 2 and args[0] == "--sample":
        sample = int(args[1])
        args = args[2:]
    seed = int(args[0]) if args else 1
    fams = args[1].split(",") if len(args) > 1 else FAMILIES
    g = Gen(seed)
    r = random.Random(seed * 7919 + 1)
    seen = set()
    lines = []

    def emit(fam, exprs, dlts_per=None):
        for e in exprs:
            if "\n" in e:
                continue
            dl = dlts_per if dlts_per is not None else MAIN_DLTS + [r.choice(ODD_DLTS)]
            for d in dl:
                opt = 1 if r.random() < 0.6 else 0
                mask = r.choice(MASKS)
                snap = r.choice(SNAPS) if r.random() < 0.1 else 262144
                key = (d, opt, mask, snap, e)
                if key in seen:
                    continue
                seen.add(key)
                lines.append("%s\t%d\t%d\t%s\t%d\t%s" % (fam, d, snap, mask, opt, e))

    produced = {}
    for f in fams:
        if f == "mutate":
            continue
        ex = getattr(g, f)()
        if f == "native":
            # (dlt, expression) pairs: each on its own link type
            for d, e in ex:
                emit(f, [e], [d])
            continue
        produced[f] = ex
        if f in ("addr", "combos", "arith", "stacks", "inherit", "tokseq", "charmut", "lexerr", "reject", "mega", "literals"):
            # big families: a sample of link types per expression
            for e in ex:
                emit(f, [e], r.sample(MAIN_DLTS, 4) + [r.choice(ODD_DLTS)])
        else:
            emit(f, ex)
    if "mutate" in fams:
        base = [e for f, ex in produced.items() for e in ex]
        r.shuffle(base)
        for e in g.mutate(base[:6000]):
            emit("mutate", [e], r.sample(MAIN_DLTS, 2))
    if sample is not None and sample < len(lines):
        keep = sorted(random.Random(seed).sample(range(len(lines)), sample))
        lines = [lines[i] for i in keep]
    sys.stdout.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
