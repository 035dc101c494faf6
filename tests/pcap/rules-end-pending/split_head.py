#!/usr/bin/env python3
"""Write split-head.pcap: one HTTP request whose head comes in three TCP
segments and never ends with its blank line, then FIN; with
inspect.tcp_packets=5 inspection ends after the second segment, the head
still open, and only the parser's flow-end hook parses what arrived.

    split_head.py OUT.pcap
"""
import struct
import sys

CLI, SRV = bytes([10, 77, 0, 2]), bytes([198, 51, 100, 80])
CPORT, SPORT = 45100, 8080


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def frame(src, dst, sport, dport, seq, ack, flags, payload=b""):
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags, 64240, 0, 0) + payload
    pseudo = src + dst + struct.pack("!BBH", 0, 6, len(tcp))
    tcp = tcp[:16] + struct.pack("!H", csum(pseudo + tcp)) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 1, 0x4000, 64, 6, 0, src, dst)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    eth = b"\x02\0\0\0\0\x02" + b"\x02\0\0\0\0\x01" + b"\x08\x00"
    return eth + ip + tcp


def main():
    segs = [b"GET /portal HTTP/1.1\r\n", b"Host: intranet.example\r\n",
            b"User-Agent: EvilAgent/1.0\r\nAccept: */*\r\n"]
    c, s = 1000, 5000
    pk = [(CLI, SRV, CPORT, SPORT, c, 0, 0x02, b""), (SRV, CLI, SPORT, CPORT, s, c + 1, 0x12, b""),
          (CLI, SRV, CPORT, SPORT, c + 1, s + 1, 0x10, b"")]
    c += 1
    for seg in segs:
        pk.append((CLI, SRV, CPORT, SPORT, c, s + 1, 0x18, seg))
        c += len(seg)
    pk.append((CLI, SRV, CPORT, SPORT, c, s + 1, 0x11, b""))
    pk.append((SRV, CLI, SPORT, CPORT, s + 1, c + 1, 0x11, b""))
    pk.append((CLI, SRV, CPORT, SPORT, c + 1, s + 2, 0x10, b""))
    out = struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1)
    t = 1772460000  # 2026-03-02T14:00:00Z
    for i, p in enumerate(pk):
        f = frame(*p)
        out += struct.pack("<IIII", t, i * 10000, len(f), len(f)) + f
    with open(sys.argv[1], "wb") as fh:
        fh.write(out)


if __name__ == "__main__":
    main()
