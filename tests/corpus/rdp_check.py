#!/usr/bin/env python3
"""Grade the remote-desktop detectors (rdp, rdp-udp, vnc, nomachine) against
the corpus labels: nDPI's per-flow protocol in ndpi/{rdp,rdp2}.pcap.out and
ndpi/nomachine.pcapng.out, and suricata-verify's rfb checks for
00-vnc-openwall-3.7.pcap (app_proto rfb, both protocol versions, the
security type, the desktop name).  Prints one line per label and the
agreement.  Labels a passive parser cannot reach are listed as known gaps:
an RDP-UDP flow captured after its SYN, and NoMachine's UDP channel (no
public description).  Fails when any other label disagrees.

Usage: rdp_check.py SIGHTLINE CORPUS_DIR   (exit 77 = skipped: corpus absent)
"""
import os
import re
import sys

import yaml
from evelib import flow_events as flows, endpoints, get

# nDPI label -> what sightline should say (app_proto by transport, app)
NDPI = {
    'ndpi/rdp.pcap': 'RDP',
    'ndpi/rdp2.pcap': 'RDP',
    'ndpi/nomachine.pcapng': 'NoMachine',
}
EXPECT = {('RDP', 'TCP'): ('rdp', 'rdp'), ('RDP', 'UDP'): ('rdp-udp', 'rdp'),
          ('NoMachine', 'TCP'): ('nomachine', 'nomachine'), ('NoMachine', 'UDP'): (None, 'nomachine')}
# (capture, client port): flows whose decisive packets are not in the capture
KNOWN_GAPS = {
    ('ndpi/rdp2.pcap', 51652): 'RDP-UDP flow captured mid-session (no SYN)',
    ('ndpi/nomachine.pcapng', 56019): 'NoMachine UDP channel: no public wire description',
}
SV = 'suricata-verify/00-vnc-openwall-3.7.pcap'


def ndpi_labels(out_path, proto):
    line_re = re.compile(r'^\s*\d+\s+(TCP|UDP)\s+([\d.]+):(\d+)\s+<?->\s+([\d.]+):(\d+)\s.*\[proto: [\d.]+/([^\]]+)\]')
    labels = []
    with open(out_path) as f:
        for line in f:
            m = line_re.match(line)
            if m and m.group(6).split('.')[0] == proto:
                ep = frozenset([(m.group(2), int(m.group(3))), (m.group(4), int(m.group(5)))])
                labels.append((m.group(1), ep, int(m.group(3))))
    return labels


def check_ndpi(sensor, corpus):
    good = bad = gaps = 0
    for cap, proto in NDPI.items():
        evs = flows(sensor, os.path.join(corpus, cap))
        for l4, ep, cport in ndpi_labels(os.path.join(corpus, cap + '.out'), proto):
            want = EXPECT[(proto, l4)]
            ev = next((e for e in evs if endpoints(e) == ep), None)
            got = (get(ev, 'app_proto'), get(ev, 'app')) if ev else (None, None)
            gap = KNOWN_GAPS.get((cap, cport))
            if got == want:
                good += 1
                verdict = 'agree'
            elif gap:
                gaps += 1
                verdict = 'known gap (%s)' % gap
            else:
                bad += 1
                verdict = 'DISAGREE'
            print('%s %s %s: nDPI %s, sightline %s/%s: %s' % (cap, l4, sorted(ep), proto, got[0], got[1], verdict))
    return good, bad, gaps


def check_sv(sensor, corpus):
    base = os.path.join(corpus, SV + '.sv.rfb-protocol-3.7.test.yaml')
    with open(base) as f:
        checks = yaml.safe_load(f)['checks']
    rfb = next(c['filter']['match'] for c in checks if c['filter']['match'].get('event_type') == 'rfb')
    ev = [e for e in flows(sensor, os.path.join(corpus, SV)) if e.get('app_proto')][0]
    pairs = [
        ('app_proto', 'vnc'),
        ('vnc.server_version', '%s.%s' % (rfb['rfb.server_protocol_version.major'], rfb['rfb.server_protocol_version.minor'])),
        ('vnc.client_version', '%s.%s' % (rfb['rfb.client_protocol_version.major'], rfb['rfb.client_protocol_version.minor'])),
        ('vnc.security_type', {2: 'vnc', 1: 'none'}.get(rfb['rfb.authentication.security_type'])),
        ('vnc.auth_result', rfb['rfb.authentication.security_result'].lower()),
        ('vnc.desktop_name', rfb['rfb.framebuffer.name']),
        ('vnc.width', rfb['rfb.framebuffer.width']),
        ('vnc.height', rfb['rfb.framebuffer.height']),
    ]
    good = bad = 0
    for field, want in pairs:
        got = get(ev, field)
        ok = got == want
        good += ok
        bad += not ok
        print('%s %s: suricata %r, sightline %r: %s' % (SV, field, want, got, 'agree' if ok else 'DISAGREE'))
    return good, bad


def main():
    sensor, corpus = sys.argv[1], sys.argv[2]
    if not os.path.isdir(corpus):
        print('corpus absent: skipped')
        return 77
    g1, b1, gaps = check_ndpi(sensor, corpus)
    g2, b2 = check_sv(sensor, corpus)
    print('agreement: %d/%d labels (%d known gaps)' % (g1 + g2, g1 + g2 + b1 + b2 + gaps, gaps))
    return 1 if b1 + b2 else 0


if __name__ == '__main__':
    sys.exit(main())
