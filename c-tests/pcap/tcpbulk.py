#!/usr/bin/env python3
# tcpbulk.py ADDR BYTES: one TCP connection to ADDR:9000 on this host
# carrying BYTES bytes (0x5a) to a listener in the same process; prints
# "received N" once the listener has read everything. On loopback the
# kernel hands capture sockets GSO-sized frames (up to lo's MTU + 13).
import socket, sys, threading

addr, total = (sys.argv[1], 9000), int(sys.argv[2])
srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(addr)
srv.listen(1)


def serve():
    c, _ = srv.accept()
    n = 0
    while True:
        b = c.recv(1 << 20)
        if not b:
            break
        n += len(b)
    c.close()
    print("received", n, flush=True)


t = threading.Thread(target=serve)
t.start()
s = socket.create_connection(addr)
s.sendall(b"\x5a" * total)
s.close()
t.join()
