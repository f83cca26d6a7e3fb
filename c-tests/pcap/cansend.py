#!/usr/bin/env python3
# cansend.py DEV PROTO N: sends N frames out of DEV through a packet socket
# with protocol PROTO (0x000C ETH_P_CAN: 16-byte CAN frames, 0x000D
# ETH_P_CANFD: 72-byte CAN FD frames, else 16-byte frames): outgoing
# frames for capture sockets on DEV.
import socket, struct, sys

dev, proto, n = sys.argv[1], int(sys.argv[2], 0), int(sys.argv[3])
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(proto))
s.bind((dev, proto))
for i in range(n):
    if proto == 0x000D:
        f = struct.pack("=IBBBB", 0x300 + i, 64, 0x01, 0, 0) + bytes(64)
    else:
        f = struct.pack("=IBBBB", 0x300 + i, 8, 0, 0, 0) + bytes(8)
    s.send(f)
