#!/usr/bin/env python3
"""One UDP datagram to DST:PORT, then 3 s of datagrams on loopback, for live tests run
inside their own network namespace: the loopback packets move the flows' clock past
their timeout, so the first flow ends by the packets' time.  A listener on PORT keeps
the kernel from answering with ICMP port unreachable.

    udp_then_ticks.py DST PORT
"""
import socket
import sys
import time

dst, port = sys.argv[1], int(sys.argv[2])
listen = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
listen.bind(('0.0.0.0', port))
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(('127.0.0.1', 0))
s.sendto(b'hello', (dst, port))
end = time.monotonic() + 3
while time.monotonic() < end:
    s.sendto(b'tick', ('127.0.0.1', port + 1))
    time.sleep(0.1)
