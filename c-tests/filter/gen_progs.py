#!/usr/bin/env python3
"""Random classic-BPF programs + packets for the interpreter differential
(bpfcheck.c vs pcap-filter/examples/bpfcheck.rs). Deterministic (seeded)."""
import random, sys
seed = int(sys.argv[1]) if len(sys.argv) > 1 else 1
count = int(sys.argv[2]) if len(sys.argv) > 2 else 2000
r = random.Random(seed)
LOADS = [0x20, 0x28, 0x30, 0x40, 0x48, 0x50, 0xb1, 0x00, 0x01, 0x80, 0x81, 0x60, 0x61]
ALU = [c | s for c in (0x04,) for s in (0, 8)]
ALU = [0x04 | o | s for o in (0x00, 0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0x90, 0xa0) for s in (0, 8)] + [0x84]
JMP = [0x05 | o | s for o in (0x10, 0x20, 0x30, 0x40) for s in (0, 8)]
OTHER = [0x02, 0x03, 0x07, 0x87]
JUNK = [0x0d, 0xe0, 0xc4, 0x08, 0x18, 0x26, 0x1e, 0xff, 0x65, 0x35 | 0x40]
def k_for(code):
    c = code
    if c in (0x60, 0x61, 0x02, 0x03):
        return r.choice([r.randrange(16), r.randrange(16), 16, 100])
    if c in (0x20, 0x28, 0x30, 0x40, 0x48, 0x50, 0xb1):
        return r.choice([r.randrange(80), r.randrange(80), 0xfffff000 + 4 * r.randrange(16), 0xffffffff, 0x7fffffff])
    if c & 7 == 4:
        return r.choice([0, 1, 2, 3, 31, 32, 33, r.randrange(1 << 32), r.randrange(256)])
    return r.choice([r.randrange(1 << 32), r.randrange(256), 0, 0x800, 6])
for _ in range(count):
    n = r.randrange(1, 24)
    prog = []
    for i in range(n - 1):
        t = r.random()
        if t < 0.35: code = r.choice(LOADS)
        elif t < 0.6: code = r.choice(ALU)
        elif t < 0.85: code = r.choice(JMP)
        elif t < 0.97: code = r.choice(OTHER)
        else: code = r.choice(JUNK)
        rem = n - i - 2
        if code & 7 == 5:
            if code == 0x05:
                k = r.randrange(0, rem + 1) if r.random() < 0.95 else rem + 1
                prog.append((code, 0, 0, k))
            else:
                jt = r.randrange(0, rem + 1) if r.random() < 0.95 else rem + 1
                jf = r.randrange(0, rem + 1)
                prog.append((code, jt, jf, k_for(code)))
        else:
            prog.append((code, 0, 0, k_for(code)))
    last = r.choice([(0x06, 0, 0, r.choice([0, 1, 65535, 262144])), (0x16, 0, 0, 0), (0x16, 0, 0, 0), (0x00, 0, 0, 1)])
    prog.append(last)
    if any(c in (0x60, 0x61) for c, _, _, _ in prog):
        # libpcap's scratch memory is uninitialised: define it first
        prog = [(0x00, 0, 0, 0)] + [(0x02, 0, 0, m) for m in range(16)] + prog
        n = len(prog)
    plen = r.choice([0, 1, 3, 14, 20, 34, 54, 60, r.randrange(100)])
    pkt = bytes(r.randrange(256) for _ in range(plen))
    wl = r.choice([plen, plen + r.randrange(1000), 0])
    print(n, " ".join("%d %d %d %d" % i for i in prog), "|", pkt.hex(), "|", wl)
