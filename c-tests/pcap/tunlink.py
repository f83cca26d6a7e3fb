#!/usr/bin/env python3
# tunlink.py NAME ARPHRD N [MODE]: creates tun device NAME and gives it the
# link type ARPHRD (TUNSETLINK, before it is up: the kernel then reports
# that type, so every ARPHRD mapping of the capture library can be tried),
# prints "ready", then for each "go" line on stdin writes N packets into
# it (received on NAME) and prints "sent K" (K = rounds so far); exits at
# EOF. MODE: "ip" (default: IPv4/UDP packets 198.18.6.1 -> 198.18.6.2, no
# packet-info header), "can" (packet-info header with protocol ETH_P_CAN /
# ETH_P_CANFD: 16-byte CAN and 72-byte CAN FD frames alternately, with
# flag bytes set so the capture library's fix-ups show), "tap" (a tap
# device, ARPHRD ignored: broadcast Ethernet frames, EtherType 0x88b5).
import fcntl, os, struct, sys

name, arphrd, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
mode = sys.argv[4] if len(sys.argv) > 4 else "ip"
IFF_TUN, IFF_TAP, IFF_NO_PI = 0x0001, 0x0002, 0x1000
TUNSETIFF, TUNSETLINK = 0x400454CA, 0x400454CD
flags = {"ip": IFF_TUN | IFF_NO_PI, "can": IFF_TUN, "tap": IFF_TAP | IFF_NO_PI}[mode]
fd = os.open("/dev/net/tun", os.O_RDWR)
fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", name.encode(), flags))
if mode != "tap":
    fcntl.ioctl(fd, TUNSETLINK, arphrd)


def csum(b):
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xFFFF)
    s += s >> 16
    return ~s & 0xFFFF


def packet(i):
    if mode == "can":
        if i % 2 == 0:
            # struct can_frame (host byte order id), 8 data bytes;
            # junk in the padding/reserved bytes.
            body = struct.pack("=IBBBB", 0x100 + i, 8, 0xA5, 0x5A, 0x77) + bytes(range(i, i + 8))
            proto = 0x000C
        else:
            # struct canfd_frame: flags BRS|ESI plus unknown bits.
            body = struct.pack("=IBBBB", 0x80000200 + i, 64, 0xF3, 0x11, 0x22) + bytes((i + j) & 0xFF for j in range(64))
            proto = 0x000D
        return struct.pack("!HH", 0, proto) + body
    if mode == "tap":
        payload = bytes((i + j) & 0xFF for j in range(46 + i % 50))
        return b"\xff" * 6 + b"\x02\x00\x5e\x00\x53\x02" + b"\x88\xb5" + payload
    payload = bytes([i & 0xFF]) * (20 + i % 50)
    udp = struct.pack("!HHHH", 5000 + i, 9, 8 + len(payload), 0) + payload
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), i, 0, 64, 17, 0,
                      bytes([198, 18, 6, 1]), bytes([198, 18, 6, 2]))
    hdr = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
    return hdr + udp


print("ready", flush=True)
rounds = 0
for line in sys.stdin:
    if line.strip() != "go":
        continue
    for i in range(n):
        os.write(fd, packet(i))
    rounds += 1
    print("sent", rounds, flush=True)
