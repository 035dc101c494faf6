#!/usr/bin/env python3
"""Writes the fuzz seeds of the DNS, DHCP and mDNS parsers:
tests/fuzz/seeds/proto/{dns,dhcp,mdns}-*.bin for fuzz_proto (byte 0 = registry
index, | 0x80 for UDP; registry: 0 http, 1 dns, 2 dhcp, 3 mdns) and
tests/fuzz/seeds/names/*.bin for fuzz_names (byte 0 = flow selector).  fuzz_proto
runs every flow on port 443, so there mdns.bin only meets the refusal of
mDNS off 5353; fuzz_names covers mDNS on its port.
Messages are built here from RFC 1035 / 2131 / 6762; run from anywhere."""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))


def name(dotted, ptr=None):
    out = b''
    for label in dotted.split('.') if dotted else []:
        out += bytes([len(label)]) + label.encode()
    return out + (struct.pack('>H', 0xc000 | ptr) if ptr is not None else b'\0')


def hdr(id_, flags, qd, an, ns=0, ar=0):
    return struct.pack('>6H', id_, flags, qd, an, ns, ar)


def rr(owner, rtype, rdata, rclass=1, ttl=300):
    return owner + struct.pack('>HHIH', rtype, rclass, ttl, len(rdata)) + rdata


def query(id_, qname, qtype=1):
    return hdr(id_, 0x0100, 1, 0) + name(qname) + struct.pack('>HH', qtype, 1)


def answer_a(id_, qname, ip):
    return hdr(id_, 0x8180, 1, 1) + name(qname) + struct.pack('>HH', 1, 1) + \
        rr(b'\xc0\x0c', 1, bytes(ip))


def rich():
    """login.corp.example A: CNAME sso (compressed), A, AAAA, TXT, PTR."""
    m = hdr(7, 0x8180, 1, 5) + name('login.corp.example') + struct.pack('>HH', 1, 1)
    cname_at = len(m) + 12
    m += rr(b'\xc0\x0c', 5, name('sso', 0x12))       # sso + "corp.example" of the question
    m += rr(struct.pack('>H', 0xc000 | cname_at), 1, bytes([198, 51, 100, 1]))
    m += rr(struct.pack('>H', 0xc000 | cname_at), 28, bytes.fromhex('20010db8005100000000000000000020'))
    m += rr(b'\xc0\x0c', 16, b'\x0bv=spf1 -all')
    m += rr(b'\xc0\x0c', 12, name('host', 0x12))
    return m


def loop():
    m = hdr(8, 0x8180, 1, 1) + name('a.example') + struct.pack('>HH', 1, 1)
    return m + struct.pack('>H', 0xc000 | len(m)) + struct.pack('>HHIH', 1, 1, 1, 4) + b'\1\2\3\4'


def dhcp(op, type_, opts):
    fixed = bytearray(236)
    fixed[0:4] = bytes([op, 1, 6, 0])
    fixed[4:8] = b'\x3a\x5c\x10\x01'
    if op == 2:
        fixed[16:20] = bytes([10, 77, 0, 50])
    fixed[28:34] = bytes.fromhex('02005e100002')
    body = bytes(fixed) + b'\x63\x82\x53\x63' + bytes([53, 1, type_])
    for code, val in opts:
        body += bytes([code, len(val)]) + val
    return body + b'\xff'


CLIENT_OPTS = [(61, bytes.fromhex('0102005e100002')), (12, b'laptop-jdoe'), (60, b'MSFT 5.0'),
               (55, bytes([1, 3, 6, 15, 31, 33, 43, 44, 46, 47, 119, 121, 249, 252]))]


def mdns_announce():
    m = hdr(0, 0x8400, 0, 2, 0, 1)
    svc = len(m)
    m += rr(name('_http._tcp.local'), 12, name('PiKVM', svc), 1, 4500)
    inst = len(m) - 8
    m += rr(struct.pack('>H', 0xc000 | inst), 33, struct.pack('>HHH', 0, 0, 443) + name('pikvm', svc + 11), 0x8001)
    m += rr(name('pikvm', svc + 11), 1, bytes([10, 77, 0, 60]), 0x8001)
    return m


def rec(direction, payload):
    return bytes([direction]) + struct.pack('>H', len(payload)) + payload


def tcp(msg):
    return struct.pack('>H', len(msg)) + msg


def write(sub, fname, data):
    d = os.path.join(HERE, 'seeds', sub)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, fname), 'wb') as f:
        f.write(data)


def main():
    q = query(7, 'login.corp.example')
    r = rich()
    two = tcp(query(1, 'a.example')) + tcp(query(2, 'a.example', 28))
    write('proto', 'dns-udp.bin', b'\x81' + rec(0, q) + rec(1, r))
    q1, q2 = tcp(query(1, 'a.example')), tcp(query(2, 'a.example', 28))
    # off port 53 the first segment must hold a whole message; the second is split
    write('proto', 'dns-tcp.bin', b'\x01' + rec(0, q1) + rec(0, q2[:5]) + rec(0, q2[5:]) +
          rec(1, tcp(answer_a(1, 'a.example', [198, 51, 100, 1]))))
    write('proto', 'dhcp.bin', b'\x82' + rec(0, dhcp(1, 1, CLIENT_OPTS)) + rec(1, dhcp(2, 2, [(54, bytes([10, 77, 0, 1]))])))
    write('proto', 'mdns.bin', b'\x83' + rec(0, mdns_announce()))
    write('names', 'dns-udp-rich.bin', b'\x00' + rec(0, q) + rec(1, r))
    write('names', 'dns-udp-loop.bin', b'\x00' + rec(1, loop()))
    write('names', 'dns-tcp-split.bin', b'\x01' + rec(0, two[:1]) + rec(0, two[1:20]) + rec(0, two[20:]) +
          rec(1, tcp(r)) + rec(3, tcp(answer_a(2, 'a.example', [198, 51, 100, 1]))))
    write('names', 'dhcp-lease.bin', b'\x02' + rec(0, dhcp(1, 1, CLIENT_OPTS)) +
          rec(0, dhcp(1, 3, CLIENT_OPTS + [(50, bytes([10, 77, 0, 50]))])))
    write('names', 'dhcp-ack.bin', b'\x02' + rec(0, dhcp(2, 5, [(52, b'\x03'), (51, b'\0\1\x51\x80')])))
    write('names', 'mdns-announce.bin', b'\x03' + rec(0, mdns_announce()))
    write('names', 'mdns-query.bin', b'\x03' + rec(0, hdr(0, 0, 1, 0) + name('_http._tcp.local') + b'\x00\x0c\x00\x01'))


if __name__ == '__main__':
    main()
