#!/usr/bin/env python3
"""Write the capture-file fixtures of the bad-input catalogue into
pcaps/malformed/ (deterministic; run from anywhere):

  python3 pcaps/make/bad-inputs.py

Each file is a few hundred bytes built from the pcap and pcapng format specs
(https://ietf-opsawg-wg.github.io/draft-ietf-opsawg-pcap/ and the pcapng
draft): the damage each one carries is named in its file name and below.
"""
import os
import struct

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'malformed')

# Ethernet + IPv4 10.77.9.2 -> 198.51.100.99 + UDP 40999 -> 7, 8-byte header only.
ETH_IP_UDP = (bytes.fromhex('020000000001' '020000000002' '0800') +
              bytes.fromhex('4500001c00014000401100000a4d0902c6336463') +
              struct.pack('>HHHH', 40999, 7, 8, 0))


def pcap(snaplen=65535, linktype=1, recs=()):
    out = struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, snaplen, linktype)
    for sec, usec, data in recs:
        out += struct.pack('<IIII', sec, usec, len(data), len(data)) + data
    return out


def block(btype, body):
    body += b'\0' * ((4 - len(body) % 4) % 4)
    length = 12 + len(body)
    return struct.pack('<II', btype, length) + body + struct.pack('<I', length)


SHB = block(0x0A0D0D0A, struct.pack('<IHHq', 0x1A2B3C4D, 1, 0, -1))


def idb(linktype):
    return block(1, struct.pack('<HHI', linktype, 0, 65535))


def epb(ifid, data, ts_us=1772460000 * 10**6):
    return block(6, struct.pack('<IIIII', ifid, ts_us >> 32, ts_us & 0xffffffff,
                                len(data), len(data)) + data)


FILES = {
    # the global header stops after 10 of its 24 bytes
    'truncated-header.pcap': pcap()[:10],
    # snapshot length 0 and 0xffffffff in the header: packets still read
    'snaplen-zero.pcap': pcap(snaplen=0, recs=[(1772460000, 0, ETH_IP_UDP)]),
    'snaplen-huge.pcap': pcap(snaplen=0xffffffff, recs=[(1772460000, 0, ETH_IP_UDP)]),
    # three packets of one flow stamped 200 s, 100 s, 150 s
    'time-backwards.pcap': pcap(recs=[(1772460200, 0, ETH_IP_UDP), (1772460100, 0, ETH_IP_UDP),
                                      (1772460150, 0, ETH_IP_UDP)]),
    # the same packet twice
    'duplicate-packet.pcap': pcap(recs=[(1772460000, 0, ETH_IP_UDP)] * 2),
    # link type 147 (DLT_USER0), which sightline does not decode
    'unsupported-linktype.pcap': pcap(linktype=147, recs=[(1772460000, 0, b'\x00' * 20)]),
    # a block of an unknown type between the IDB and the packet: skipped
    'pcapng-unknown-block.pcapng': SHB + idb(1) + block(0x0BADBEEF, b'hello') + epb(0, ETH_IP_UDP),
    # after one good packet, a block header claiming 2 GiB
    'pcapng-oversized-block.pcapng': (SHB + idb(1) + epb(0, ETH_IP_UDP) +
                                      struct.pack('<II', 6, 0x7ffffff0) + b'\0' * 40),
    # two interfaces: Ethernet and raw IP, one packet each (valid: libpcap 1.10 refuses it,
    # sightline reads both)
    'pcapng-two-linktypes.pcapng': (SHB + idb(1) + idb(101) + epb(0, ETH_IP_UDP) +
                                    epb(1, ETH_IP_UDP[14:])),
}

if __name__ == '__main__':
    for name, data in FILES.items():
        with open(os.path.join(OUT, name), 'wb') as f:
            f.write(data)
    print('wrote %d files to %s' % (len(FILES), os.path.normpath(OUT)))
