#!/usr/bin/env python3
"""Write the seed files of fuzz_pcapng into tests/fuzz/seeds/pcapng/: small
pcapng files (draft-ietf-opsawg-pcapng) with what the reader must handle
beyond the project's captures: interfaces of different link types and snap
lengths with names and time options, SPB and the obsolete PB, a second
section in the other byte order, a section of another version, NFLOG.  The
nflog-version-not-0 and nflog-len-below-caplen seeds beside them are libFuzzer
finds, kept as regressions."""
import os
import struct

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'seeds', 'pcapng')
IP = bytes.fromhex('4500001c00014000401100000a4d0902c6336463') + struct.pack('>HHHH', 40999, 7, 8, 0)
ETH = bytes.fromhex('020000000001020000000002 0800'.replace(' ', '')) + IP


def block(e, btype, body):
    body += b'\0' * ((4 - len(body) % 4) % 4)
    return struct.pack(e + 'II', btype, 12 + len(body)) + body + struct.pack(e + 'I', 12 + len(body))


def shb(e, major=1):
    return block(e, 0x0A0D0D0A, struct.pack(e + 'IHHq', 0x1A2B3C4D, major, 0, -1))


def opt(e, code, val):
    return struct.pack(e + 'HH', code, len(val)) + val + b'\0' * ((4 - len(val) % 4) % 4)


def idb(e, dlt, snaplen, name=None, tsresol=None, tsoffset=None):
    body = struct.pack(e + 'HHI', dlt, 0, snaplen)
    if name:
        body += opt(e, 2, name.encode())
    if tsresol is not None:
        body += opt(e, 9, bytes([tsresol]))
    if tsoffset is not None:
        body += opt(e, 14, struct.pack(e + 'q', tsoffset))
    return block(e, 1, body + opt(e, 0, b''))


def epb(e, ifid, t, data, orig=None):
    return block(e, 6, struct.pack(e + 'IIIII', ifid, t >> 32, t & 0xffffffff, len(data),
                                   orig or len(data)) + data)


def spb(e, data):
    return block(e, 3, struct.pack(e + 'I', len(data)) + data)


def pb(e, ifid, t, data):
    return block(e, 2, struct.pack(e + 'HHIIII', ifid, 0, t >> 32, t & 0xffffffff, len(data),
                                   len(data)) + data)


NFLOG = bytes([2, 0, 0, 5]) + struct.pack('<HH', 4 + len(IP), 9) + IP
SEEDS = {
    'two-interfaces.pcapng': shb('<') + idb('<', 1, 262144, 'veth-a', 9) +
    idb('<', 101, 96, 'veth-b', 0x80 | 20, 3600) + epb('<', 0, 1772460000 * 10**9, ETH) +
    epb('<', 1, 1772460001 << 20, IP) + block('<', 5, b'\0' * 16) + spb('<', ETH),
    'sections-both-orders.pcapng': shb('<') + idb('<', 1, 0, 'a') + pb('<', 0, 1, ETH) +
    shb('>') + idb('>', 113, 0, 'b') + epb('>', 0, 2, b'\0' * 14 + b'\x08\x00' + IP) +
    shb('<', 2) + idb('<', 1, 0) + epb('<', 0, 3, ETH),
    'nflog-big-endian.pcapng': shb('>') + idb('>', 239, 0) +
    epb('>', 0, 5, bytes([2, 0, 0, 5]) + struct.pack('>HH', 4 + len(IP), 9) + IP),
    'nflog.pcapng': shb('<') + idb('<', 239, 0, 'nflog') + epb('<', 0, 5, NFLOG),
}

if __name__ == '__main__':
    os.makedirs(OUT, exist_ok=True)
    for name, data in SEEDS.items():
        with open(os.path.join(OUT, name), 'wb') as f:
            f.write(data)
    print('wrote %d seeds to %s' % (len(SEEDS), OUT))
