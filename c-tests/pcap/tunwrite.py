#!/usr/bin/env python3
# tunwrite.py NAME N: creates tun NAME (IFF_TUN|IFF_NO_PI), waits for "go" on
# stdin, writes N IPv4/UDP packets 198.18.5.1 -> 198.18.5.2 into it (they are
# received on NAME), then waits for EOF on stdin before closing.
import fcntl, os, struct, sys
name, n = sys.argv[1], int(sys.argv[2])
fd = os.open("/dev/net/tun", os.O_RDWR)
fcntl.ioctl(fd, 0x400454ca, struct.pack("16sH", name.encode(), 0x0001 | 0x1000))
print("ready", flush=True)
sys.stdin.readline()
def csum(b):
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xffff); s += s >> 16
    return ~s & 0xffff
for i in range(n):
    payload = bytes([i & 0xff]) * (20 + i % 50)
    udp = struct.pack("!HHHH", 4000 + i, 9, 8 + len(payload), 0) + payload
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), i, 0, 64, 17, 0, bytes([198,18,5,1]), bytes([198,18,5,2]))
    hdr = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
    os.write(fd, hdr + udp)
print("sent", n, flush=True)
sys.stdin.readline()
