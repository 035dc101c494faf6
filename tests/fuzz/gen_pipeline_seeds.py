#!/usr/bin/env python3
"""Writes the seeds of fuzz_pipeline (tests/fuzz/seeds/pipeline/*.bin): for
each capture of pcaps/real, the payloads of its first flows in the harness's
input format (see tests/fuzz/fuzz_pipeline.c), so every seed starts as a real
TLS, SSH, HTTP, DNS, QUIC, OpenVPN, ... conversation that the parsers and
rules recognise, on the port the harness gives it.  Plus two hand-made ones:
a raw-frame seed for the decoder and a multi-flow seed with timeouts.
Run from anywhere; pcap (not pcapng) files with Ethernet, Linux cooked or
raw-IP links are read."""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
PORTS = [443, 80, 22, 53, 67, 5353, 1194, 51820, 500, 4500, 3389, 5900, 5938, 6568, 21116,
         1701, 1723, 8080, 9001, 3478, 5060, 853, 123, 137, 8443, 1494, 2408, 9993, 655, 4000,
         4899, 41641]
MAX_RECORDS = 24
MAX_PAYLOAD = 1400


def packets(path):
    with open(path, 'rb') as f:
        data = f.read()
    if len(data) < 24:
        return
    magic = data[:4]
    if magic in (b'\xd4\xc3\xb2\xa1', b'\x4d\x3c\xb2\xa1'):
        end = '<'
    elif magic in (b'\xa1\xb2\xc3\xd4', b'\xa1\xb2\x3c\x4d'):
        end = '>'
    elif magic == b'\x0a\x0d\x0d\x0a':
        yield from pcapng_packets(data)
        return
    else:
        return
    link = struct.unpack(end + 'I', data[20:24])[0]
    off = 24
    while off + 16 <= len(data):
        caplen = struct.unpack(end + 'I', data[off + 8:off + 12])[0]
        frame = data[off + 16:off + 16 + caplen]
        off += 16 + caplen
        ip = l3(link, frame)
        if ip:
            yield ip


def pcapng_packets(data):
    """Enhanced packet blocks of a pcapng file (RFC draft: SHB, IDB, EPB)."""
    end = '<' if data[8:12] == b'\x4d\x3c\x2b\x1a' else '>'
    links, off = [], 0
    while off + 12 <= len(data):
        btype, blen = struct.unpack(end + 'II', data[off:off + 8])
        if blen < 12:
            return
        body = data[off + 8:off + blen - 4]
        if btype == 1 and len(body) >= 2:
            links.append(struct.unpack(end + 'H', body[:2])[0])
        elif btype == 6 and len(body) >= 20:
            iface, _, _, caplen = struct.unpack(end + 'IIII', body[:16])
            ip = l3(links[iface] if iface < len(links) else 1, body[20:20 + caplen])
            if ip:
                yield ip
        off += blen


def l3(link, frame):
    if link == 1 and len(frame) >= 14:
        etype, off = struct.unpack('>H', frame[12:14])[0], 14
        while etype == 0x8100 and len(frame) >= off + 4:
            etype, off = struct.unpack('>H', frame[off + 2:off + 4])[0], off + 4
        return frame[off:] if etype in (0x0800, 0x86dd) else None
    if link == 113 and len(frame) >= 16:
        return frame[16:] if struct.unpack('>H', frame[14:16])[0] in (0x0800, 0x86dd) else None
    if link in (101, 12):
        return frame
    return None


def l4(ip):
    """(proto, src, dst, sport, dport, payload, flags) or None."""
    if ip and ip[0] >> 4 == 4 and len(ip) >= 20:
        hl, proto, src, dst, rest = (ip[0] & 15) * 4, ip[9], ip[12:16], ip[16:20], None
        rest = ip[hl:struct.unpack('>H', ip[2:4])[0]]
    elif ip and ip[0] >> 4 == 6 and len(ip) >= 40:
        proto, src, dst, rest = ip[6], ip[8:24], ip[24:40], ip[40:]
    else:
        return None
    if proto == 6 and len(rest) >= 20:
        doff = (rest[12] >> 4) * 4
        sp, dp = struct.unpack('>HH', rest[:4])
        return 6, src, dst, sp, dp, rest[doff:], rest[13]
    if proto == 17 and len(rest) >= 8:
        sp, dp = struct.unpack('>HH', rest[:4])
        return 17, src, dst, sp, dp, rest[8:], 0
    return None


def seed(path):
    """The first flow that carries payload, as harness records."""
    flows, order = {}, []
    for ip in packets(path):
        t = l4(ip)
        if not t:
            continue
        proto, src, dst, sp, dp, payload, flags = t
        key = (proto,) + tuple(sorted([(src, sp), (dst, dp)]))
        if key not in flows:
            if flags & 0x12 == 0x12:  # a SYN/ACK first: the server sent it
                flows[key] = (dst, dp, src, sp)
            else:
                flows[key] = (src, sp, dst, dp)
            order.append(key)
        cli = flows[key][:2]
        if payload:
            flows.setdefault(('p',) + key, []).append((0 if (src, sp) == cli else 1, payload))
    for key in order:
        recs = flows.get(('p',) + key)
        if not recs:
            continue
        sport = flows[key][3]
        idx = PORTS.index(sport) if sport in PORTS else (0 if key[0] == 6 else 3)
        setup = idx | (0x20 if key[0] == 17 else 0) | (0x80 if len(flows[key][0]) == 16 else 0)
        out = bytes([setup])
        for d, pl in recs[:MAX_RECORDS]:
            pl = pl[:MAX_PAYLOAD]
            out += bytes([d]) + struct.pack('>H', len(pl)) + pl
        return out + bytes([0x08]) + b'\0\0'  # FIN from the client
    return None


def handmade(folder):
    eth = bytes(6) + bytes([0xb8, 0x27, 0xeb, 1, 2, 3]) + b'\x08\x00'
    ipv4 = bytes([0x45, 0, 0, 28, 0, 1, 0, 0, 64, 17, 0, 0, 10, 9, 0, 2, 203, 0, 113, 9])
    udp = struct.pack('>HHHH', 5353, 5353, 8, 0)
    raw = eth + ipv4 + udp
    with open(os.path.join(folder, 'raw-frame.bin'), 'wb') as f:
        f.write(bytes([0]) + bytes([0x02]) + struct.pack('>H', len(raw)) + raw)
    # two flows (the second after a 2^7-1 ms gap), each a request and a reply
    body = b''
    for ctl, pl in ((0x00, b'GET / HTTP/1.1\r\nHost: a.example\r\nUser-Agent: curl/8.5.0\r\n\r\n'),
                    (0x01, b'HTTP/1.1 200 OK\r\nServer: x\r\n\r\n'),
                    (0x7c, b'GET /x HTTP/1.1\r\nHost: b.example\r\n\r\n'),
                    (0x09, b'HTTP/1.1 404 Not Found\r\n\r\n')):
        body += bytes([ctl]) + struct.pack('>H', len(pl)) + pl
    with open(os.path.join(folder, 'two-flows.bin'), 'wb') as f:
        f.write(bytes([1]) + body)


def main():
    folder = os.path.join(HERE, 'seeds', 'pipeline')
    os.makedirs(folder, exist_ok=True)
    real = os.path.join(ROOT, 'pcaps', 'real')
    for name in sorted(os.listdir(real)):
        s = seed(os.path.join(real, name)) if name.endswith('.pcap') else None
        if s:
            with open(os.path.join(folder, name[:-5] + '.bin'), 'wb') as f:
                f.write(s)
    handmade(folder)


if __name__ == '__main__':
    main()
